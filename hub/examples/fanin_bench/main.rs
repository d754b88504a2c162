//! Fan-in benchmark of the hub (run in release, not a test):
//!
//! ```sh
//! cargo run --release -p hub --example fanin_bench
//! ```
//!
//! Synthetic daemons (a child process: this binary with `source …`) replay
//! recorded `agent_stream` timeline frames; one broadcast subscriber of the
//! hub counts what arrives. Reports throughput from 20 daemons × 50 agents,
//! source → subscriber latency at 5,000 events/s, heap per idle daemon
//! connection, and the throughput of a plain tokio-tungstenite relay over
//! the same sources in the same run. Results go to BENCHMARKS.md by hand.

mod alloc;
mod child;
mod cpu;
mod fixture;
mod hub_run;
mod measure;
mod memory;
mod relay;
mod source;

use source::Plan;

#[global_allocator]
static ALLOCATOR: alloc::Counting = alloc::Counting;

const DAEMONS: usize = 20;
const AGENTS: usize = 50;

/// FANIN_HUB_ONLY=1 skips the relay runs (profiling the hub alone).
fn only_hub() -> bool {
    std::env::var_os("FANIN_HUB_ONLY").is_some()
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("source") {
        let n = |i: usize| args.get(i).and_then(|v| v.parse().ok()).unwrap_or(0);
        source::serve(Plan {
            daemons: n(1) as usize,
            agents: n(2) as usize,
            frames: n(3) as usize,
            rate: n(4),
        });
        return;
    }
    let frames: usize = std::env::var("FANIN_FRAMES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    // FANIN_ONLY=memory|throughput|latency runs one part (for profiling).
    let only = std::env::var("FANIN_ONLY").unwrap_or_default();
    let runs = |part: &str| only.is_empty() || only == part;
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async move {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
        println!("cores: {cores}");
        if runs("memory") {
        let idle = memory::per_connection(100, 0).await;
        let idle_listed = memory::per_connection(100, AGENTS).await;
        println!("heap per idle connection: {:.1} KiB (no agents), {:.1} KiB (50 agents listed)", idle / 1024.0, idle_listed / 1024.0);

        }
        if runs("throughput") {
        let blast = Plan { daemons: DAEMONS, agents: AGENTS, frames, rate: 0 };
        let through_hub = hub_run::run(blast).await;
        println!("throughput: hub {}", through_hub.summary());
        if !only_hub() {
            for decode in [relay::Decode::None, relay::Decode::Json] {
                let through_relay = relay::run(blast, decode).await;
                println!(
                    "throughput: plain relay ({decode:?} decode) {}; hub/relay {:.0} %",
                    through_relay.summary(),
                    100.0 * through_hub.per_second() / through_relay.per_second()
                );
            }
        }

        }
        if runs("latency") {
        // 250 frames/s per daemon × 20 daemons = 5,000 events/s for 10 s.
        let paced = Plan { daemons: DAEMONS, agents: AGENTS, frames: 2_500, rate: 250 };
        let mut hub_latency = hub_run::run(paced).await;
        let mut relay_latency = relay::run(paced, relay::Decode::None).await;
        println!(
            "latency at {:.0} events/s: hub p50 {:.2} ms p99 {:.2} ms ({} delivered, {} lost); plain relay p50 {:.2} ms p99 {:.2} ms",
            hub_latency.per_second(),
            hub_latency.latency_ms(0.5), hub_latency.latency_ms(0.99), hub_latency.delivered, hub_latency.lost,
            relay_latency.latency_ms(0.5), relay_latency.latency_ms(0.99),
        );
        }
    });
}
