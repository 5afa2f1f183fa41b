//! Background CPU load during a repetition, so disturbed repetitions can be re-run and flagged.
//!
//! This machine has two cores shared with builds and tests of other jobs. A repetition that ran
//! while another process used a core measures the scheduler, not the data structure (and two
//! threads time-sharing one core do not contend, so contended points look *better*:
//! `reference/PEERS.md`, caveats). Linux exposes what we need without privileges:
//!
//! - `/proc/stat`, first line: jiffies every CPU spent busy (user, nice, system, irq, softirq,
//!   steal) and idle (idle, iowait), summed over CPUs;
//! - `/proc/self/stat`, fields 14–15: jiffies this process (all its threads) spent in user and
//!   system mode.
//!
//! Background cores over an interval = (Δbusy − Δown) / Δtotal × CPUs. Hypervisor steal counts
//! as background. Both files tick at `USER_HZ` (usually 100 Hz), so the estimate is good to about
//! ±0.1 core over 200 ms and meaningless over 20 ms (`--smoke` does not retry). On other
//! systems [`snapshot`] returns `None` and nothing is flagged.

use std::fs;

/// Cumulative CPU counters at one instant.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Snapshot {
    busy: u64,
    total: u64,
    own: u64,
}

/// Reads the counters, or `None` where `/proc` is missing or unreadable.
pub(crate) fn snapshot() -> Option<Snapshot> {
    let stat = fs::read_to_string("/proc/stat").ok()?;
    let own = fs::read_to_string("/proc/self/stat").ok()?;
    let (busy, total) = parse_system(&stat)?;
    Some(Snapshot {
        busy,
        total,
        own: parse_own(&own)?,
    })
}

/// Number of CPUs the kernel accounts in `/proc/stat` (`cpuN` lines), at least 1.
pub(crate) fn cpus() -> usize {
    let counted = fs::read_to_string("/proc/stat").map_or(0, |s| {
        s.lines()
            .filter(|l| l.starts_with("cpu") && l.as_bytes().get(3).is_some_and(u8::is_ascii_digit))
            .count()
    });
    if counted > 0 {
        counted
    } else {
        std::thread::available_parallelism().map_or(1, usize::from)
    }
}

/// Cores' worth of CPU time used by everything except this process between two snapshots.
pub(crate) fn background_cores(before: Snapshot, after: Snapshot, cpus: usize) -> f64 {
    let total = after.total.saturating_sub(before.total);
    if total == 0 {
        return 0.0;
    }
    let busy = after.busy.saturating_sub(before.busy);
    let own = after.own.saturating_sub(before.own);
    let other = busy.saturating_sub(own);
    // Precision: tick counts of a few seconds fit f64 exactly.
    other as f64 / total as f64 * cpus as f64
}

/// `(busy, total)` jiffies from the aggregate `cpu` line of `/proc/stat`.
fn parse_system(stat: &str) -> Option<(u64, u64)> {
    let line = stat.lines().find(|l| l.starts_with("cpu "))?;
    let v: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .map_while(|f| f.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal (guest time is already inside user).
    if v.len() < 8 {
        return None;
    }
    let busy = v[0] + v[1] + v[2] + v[5] + v[6] + v[7];
    let total = busy + v[3] + v[4];
    Some((busy, total))
}

/// utime + stime jiffies from `/proc/self/stat` (fields 14 and 15, 1-based).
fn parse_own(stat: &str) -> Option<u64> {
    // The command name (field 2) is in parentheses and may contain spaces: count from after it.
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace();
    // `rest` starts at field 3 (state), so utime (14) is its 12th field.
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}
