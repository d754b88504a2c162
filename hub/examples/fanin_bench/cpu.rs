//! CPU time of a process (user + system), from `/proc/<pid>/stat`: on a
//! loaded machine wall-clock throughput moves with the neighbours' builds,
//! CPU per event much less, so runs report both.

use std::time::Duration;

/// Clock ticks per second of `/proc/*/stat` (`_SC_CLK_TCK`; 100 on Linux).
const TICKS_PER_SECOND: u64 = 100;

/// User + system CPU used so far by `pid` (`"self"` for this process);
/// `None` where `/proc` is not available.
pub fn used(pid: &str) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may contain spaces) in brackets.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line: 11 and 12 here.
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 1000 / TICKS_PER_SECOND))
}
