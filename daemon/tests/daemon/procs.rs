//! The process ledger end to end: groups recorded in a home (as a daemon
//! killed by SIGKILL would leave them) are killed when the real
//! `paseo-daemon` binary starts on that home, while an entry whose pid now
//! belongs to an unrelated process is left alone.

#![allow(unsafe_code, reason = "kill(2) on processes this test spawned")]

use std::io::{BufRead, BufReader};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use crate::support::*;
use daemon::procs::{LEDGER_FILE, ProcessLedger};

/// Spawns `sh -c script` as the leader of a new process group.
fn spawn_group(script: &str) -> Child {
    Command::new("sh")
        .args(["-c", script])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .process_group(0)
        .spawn()
        .expect("spawn sh")
}

fn pid_of(child: &Child) -> i32 {
    i32::try_from(child.id()).expect("pid fits i32")
}

/// Whether `pid` runs (exists and is not a zombie).
fn running(pid: i32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|stat| {
        let rest = &stat[stat.rfind(')').map_or(0, |i| i + 1)..];
        rest.split_whitespace().next() != Some("Z")
    })
}

/// Waits (up to the deadline) for our child to exit and returns its signal.
fn wait_signal(child: &mut Child) -> Option<i32> {
    let deadline = Instant::now() + DEADLINE;
    loop {
        if let Some(status) = child.try_wait().expect("try_wait") {
            return status.signal();
        }
        assert!(Instant::now() < deadline, "child {} still runs", child.id());
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

fn kill_group(pgid: i32) {
    // SAFETY: kill(2) on a process group this test created.
    unsafe { libc::kill(-pgid, libc::SIGKILL) };
}

#[test]
fn a_new_daemon_reaps_recorded_groups_but_not_reused_pids() {
    let home = tempfile::tempdir().expect("tempdir");

    // A: a live agent group (leader plus a background member).
    let mut agent = spawn_group("sleep 300 & exec sleep 301");
    let agent_pgid = pid_of(&agent);
    // B: a group whose leader already died, leaving an orphan member.
    let mut orphaned = spawn_group("sleep 302 & echo $!; wait");
    let orphaned_pgid = pid_of(&orphaned);
    let mut line = String::new();
    BufReader::new(orphaned.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("orphan pid");
    let orphan: i32 = line.trim().parse().expect("orphan pid number");
    // C: an unrelated process that "reused" a recorded pid.
    let mut bystander = spawn_group("exec sleep 303");
    let bystander_pgid = pid_of(&bystander);

    let ledger = ProcessLedger::open(home.path()).expect("open ledger");
    ledger.record(agent_pgid, "test agent");
    ledger.record(orphaned_pgid, "test orphaned");
    ledger.record(bystander_pgid, "test bystander");
    drop(ledger);
    // B's leader dies (as if killed with the daemon); its member lives on.
    kill_pid(orphaned_pgid);
    assert_eq!(wait_signal(&mut orphaned), Some(libc::SIGKILL));
    assert!(running(orphan), "orphan alive before the daemon starts");
    // C's entry gets another start time, as a recycled pid would have.
    let path = home.path().join(LEDGER_FILE);
    let text = std::fs::read_to_string(&path).expect("ledger");
    let mut file: serde_json::Value = serde_json::from_str(&text).expect("json");
    for group in file["groups"].as_array_mut().expect("groups") {
        if group["pgid"] == bystander_pgid {
            group["startTime"] = serde_json::json!(1);
        }
    }
    std::fs::write(&path, file.to_string()).expect("write ledger");

    // The daemon reaps before it listens.
    let _daemon = DaemonProcess::spawn(home.path(), &[]);
    assert_eq!(wait_signal(&mut agent), Some(libc::SIGTERM));
    let deadline = Instant::now() + DEADLINE;
    while running(orphan) {
        assert!(Instant::now() < deadline, "orphan {orphan} survived");
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert!(running(bystander_pgid), "a reused pid must not be killed");
    assert_eq!(bystander.try_wait().expect("try_wait"), None);
    let text = std::fs::read_to_string(&path).expect("ledger");
    let file: serde_json::Value = serde_json::from_str(&text).expect("json");
    assert_eq!(
        file["groups"],
        serde_json::json!([]),
        "all stale entries dropped"
    );

    kill_group(bystander_pgid);
    kill_group(agent_pgid);
    let _ = bystander.wait();
}

fn kill_pid(pid: i32) {
    // SAFETY: kill(2) on a process this test spawned.
    unsafe { libc::kill(pid, libc::SIGKILL) };
}
