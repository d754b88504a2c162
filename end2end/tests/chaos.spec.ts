// The chaos test (issue 12, Reliability): 5 real daemons with the test
// agent, 20 agents streaming turns, daemons SIGKILLed and restarted on the
// same port and home at random while Chromium has agent routes open. Some
// restarts also arm a crash point (PASEO_TEST_CRASH_AT), so a daemon kills
// itself inside the windows an outside kill only hits by luck (a send
// durable but not acknowledged, a turn marked running before the prompt,
// the first assistant row written but not broadcast).
//
// The tabs also reload at seeded times (the cached session, then the live
// one resumed, while daemons die and come back).
//
// At the end, for every open timeline, the mounted seq ranges must be
// contiguous and disjoint and equal the daemon's own rows (read over the
// daemon's own WebSocket, never the hub's copy) between the first and last
// mounted seq, kind and text included: 0 lost, 0 duplicated. Every daemon
// is back online, the pages logged no console.error, and no agent process
// outlived its daemon.
//
// The kill schedule is seeded: the seed is printed, `CHAOS_SEED=<n>`
// replays the same schedule (what each kill interrupts still depends on
// timing). `CHAOS_DURATION=<seconds>` lengthens the chaos phase (the short
// form in the test command is 20 s; `scripts/chaos-long.sh` runs 120 s).
//
// Spec cap exception: the suite's rule is one web server and at most three
// daemons per spec file. This file starts five, as issue 12 requires; it is
// the documented exception (RELIABILITY.md, "Chaos").
import { appendFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import { Page, expect, test } from "@playwright/test";

import {
  Driver,
  FleetHost,
  MOUNTED_ITEMS,
  chaosSeed,
  compareWithDaemon,
  fleetAgentProcesses,
  fleetRegistry,
  prng,
  startFleet,
  until,
} from "./support/fleet";
import { REGISTRY_KEY, watchForProblems, webUrl } from "./support/world";

const DAEMONS = 5;
const AGENTS_PER_DAEMON = 4;
const CRASH_POINTS = ["send_durable", "turn_running", "row:assistant_message"];
const durationMs = Number(process.env.CHAOS_DURATION ?? 20) * 1000;
// A turn: two thought chunks, then this many paced reply chunks.
const CHUNKS = process.env.CHAOS_CHUNKS ?? "16@40";
// The hub's reconnect backoff doubles per failed attempt and resets only
// after 60 s online (hub/src/backoff.rs, cap 30 s): a daemon killed many
// times may wait that long before the hub tries again.
const SETTLE_MS = 45_000;

test("chaos: daemons SIGKILLed at random while agents stream; 0 items lost or duplicated", async ({ context }) => {
  test.setTimeout(durationMs + 150_000);
  const seed = chaosSeed();
  console.log(`chaos: CHAOS_SEED=${seed} CHAOS_DURATION=${durationMs / 1000}`);
  const mark = randomBytes(6).toString("hex");
  const hosts = await startFleet(DAEMONS, mark, (i) => `Chaos ${i}`);
  const drivers: Driver[] = [];
  try {
    // 20 agents, 4 per daemon, idle until their drivers start.
    const agents: Array<{ host: FleetHost; agentId: string }> = [];
    for (const host of hosts) {
      for (let j = 0; j < AGENTS_PER_DAEMON; j++) {
        const agentId = await host.client!.createAgent(host.cwd, undefined, `Chaos ${host.index}.${j}`);
        agents.push({ host, agentId });
      }
    }

    // One tab per daemon on its first agent's route, and one on the union.
    await context.addInitScript(([k, v]) => localStorage.setItem(k, v), [REGISTRY_KEY, JSON.stringify(fleetRegistry(hosts))] as const);
    const open: Array<{ page: Page; host: FleetHost; agentId: string; problems: string[] }> = [];
    for (const host of hosts) {
      const agentId = agents.find((a) => a.host === host)!.agentId;
      const page = await context.newPage();
      open.push({ page, host, agentId, problems: watchForProblems(page) });
      await page.goto(webUrl(`/agent/${host.profileId}/${agentId}`));
    }
    for (const { page } of open) {
      await expect(page.locator("section.agent-page")).toHaveAttribute("data-host-status", "online");
    }
    const union = await context.newPage();
    const unionProblems = watchForProblems(union);
    await union.goto(webUrl("/"));

    for (const { host, agentId } of agents) {
      drivers.push(new Driver(host, agentId, (n) => `turn ${n} CHUNKS=${CHUNKS}`));
    }

    // The chaos: per daemon, a seeded sequence of lives (how long it runs,
    // whether it is armed with a crash point) and downtimes. The waits
    // below *are* the schedule, not a guess at when something is ready.
    const endAt = Date.now() + durationMs;
    const schedule: string[] = [];
    const chaos = hosts.map(async (host) => {
      const rng = prng((seed ^ Math.imul(host.index + 1, 0x9e3779b9)) >>> 0);
      for (;;) {
        const lifeMs = 1_500 + rng() * 4_500;
        const downMs = 150 + rng() * 1_200;
        const armed = rng() < 0.3 ? CRASH_POINTS[Math.floor(rng() * CRASH_POINTS.length)] : undefined;
        const wakeAt = Math.min(Date.now() + lifeMs, endAt);
        while (Date.now() < wakeAt && host.up) await host.nextChange(wakeAt - Date.now());
        if (Date.now() >= endAt) break;
        await host.kill();
        schedule.push(`d${host.index}:down ${Math.round(downMs)}ms${armed ? ` then ${armed}` : ""}`);
        await new Promise((r) => setTimeout(r, downMs));
        await host.start(armed);
      }
    });
    // Meanwhile the tabs reload now and then (seeded too): a reload while
    // its daemon is down or coming back renders the cached session, then
    // resumes the live one.
    let reloads = 0;
    const tabs = (async () => {
      const rng = prng((seed ^ 0x5bd1e995) >>> 0);
      for (;;) {
        const waitMs = 2_000 + rng() * 5_000;
        const which = Math.floor(rng() * open.length);
        if (Date.now() + waitMs >= endAt) break;
        await new Promise((r) => setTimeout(r, waitMs));
        await open[which].page.reload();
        reloads++;
      }
    })();
    await Promise.all([...chaos, tabs]);
    // Every daemon runs again, without a crash point.
    for (const host of hosts) {
      if (!host.up || host.crashPoint) {
        await host.kill();
        await host.start();
      }
    }
    await Promise.all(drivers.map((d) => d.stop()));
    const kills = hosts.reduce((n, h) => n + h.kills, 0);
    const crashes = hosts.reduce((n, h) => n + h.crashes, 0);
    const turns = drivers.reduce((n, d) => n + d.turns, 0);
    console.log(`chaos: ${kills} SIGKILLs from outside, ${crashes} at crash points, ${turns} turns sent, ${reloads} tab reloads; schedule: ${schedule.join(", ")}`);
    expect(kills + crashes, "the schedule killed something").toBeGreaterThan(0);

    // Settled: every agent finished (idle, or error after a lost turn).
    for (const { host, agentId } of agents) {
      const client = await host.whenUp(10_000);
      const answer = await client.request({ type: "wait_for_finish_request", agentId, timeoutMs: 30_000 }, 40_000);
      expect(["idle", "error"], `agent ${agentId} settled`).toContain(answer.payload.status);
    }
    // Every daemon back online, as the union and each agent route see it.
    for (const host of hosts) {
      await expect(union.locator(`li.host[data-profile-id="${host.profileId}"]`)).toHaveAttribute("data-status", "online", { timeout: SETTLE_MS });
    }
    for (const { page } of open) {
      await expect(page.locator("section.agent-page")).toHaveAttribute("data-host-status", "online", { timeout: SETTLE_MS });
    }

    // Every open timeline against its daemon's own log.
    let items = 0;
    let rowsCompared = 0;
    let lost = 0;
    let duplicated = 0;
    const mismatched: string[] = [];
    for (const { page, host, agentId } of open) {
      const [, rows] = await host.client!.timeline(agentId);
      const lastSeq = rows.length ? rows[rows.length - 1].seqEnd : 0;
      expect(lastSeq, `daemon ${host.index} wrote rows`).toBeGreaterThan(0);
      // The tab has caught up once its last mounted seq is the daemon's.
      const mounted = await until(
        `tab of daemon ${host.index} caught up to seq ${lastSeq}`,
        async () => {
          const got = await page.$$eval(".timeline [data-seq-start]", MOUNTED_ITEMS);
          return got.length && Math.max(...got.map((i) => i.end)) >= lastSeq ? got : undefined;
        },
        SETTLE_MS,
      );
      const result = compareWithDaemon(mounted, rows);
      items += result.items;
      rowsCompared += result.rows;
      lost += result.lost;
      duplicated += result.duplicated;
      mismatched.push(...result.mismatched.map((m) => `daemon ${host.index} agent ${agentId}: ${m}`));
    }
    const summary = `chaos seed=${seed} duration=${durationMs / 1000}s daemons=${DAEMONS} agents=${agents.length} kills=${kills} crash_points=${crashes} turns=${turns} reloads=${reloads} timelines=${open.length} items=${items} rows=${rowsCompared} lost=${lost} duplicated=${duplicated} mismatched=${mismatched.length}`;
    console.log(summary);
    if (process.env.CHAOS_REPORT) appendFileSync(process.env.CHAOS_REPORT, `${new Date().toISOString()} ${summary}\n`);
    expect(mismatched).toEqual([]);
    expect({ lost, duplicated }).toEqual({ lost: 0, duplicated: 0 });
    expect(items).toBeGreaterThan(0);

    // No console.error (connection changes are info/warn), no failed request.
    const all = [...open.flatMap((o) => o.problems), ...unionProblems];
    expect(all).toEqual([]);

    // No agent process outlived the daemon that started it…
    const pids = new Set(hosts.map((h) => h.daemon!.process.pid));
    await until(
      "every agent process belongs to a running daemon",
      () => (fleetAgentProcesses(mark).every((p) => pids.has(p.ppid)) ? true : undefined),
      10_000,
    );
  } finally {
    await Promise.all(drivers.map((d) => d.stop()));
    for (const host of hosts) await host.stop();
  }
  // …and none is left once the daemons stopped.
  await until("no agent process left running", () => (fleetAgentProcesses(mark).length === 0 ? true : undefined), 10_000);
});
