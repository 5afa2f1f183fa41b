//! What `ccol::arch` reports on a Cortex-M, and `CCOL_*` parsing without std.

use ccol::{
    CachePadded, Config,
    arch::{
        Arch, CACHE_LINE_SIZE, CpuFeatures,
        config::{EnvIssueKind, QueueBackend},
        cpu_features,
    },
};
use cortex_m_semihosting::hprintln;

use crate::Checks;

/// Architecture, pointer width, CPU features and cache-line padding.
pub(crate) fn check_arch(checks: &mut Checks) {
    let features = cpu_features();
    hprintln!(
        "arch {} ({}-bit pointers), cpu features: {}, cache line {} bytes",
        Arch::CURRENT,
        Arch::pointer_width(),
        features,
        CACHE_LINE_SIZE
    );
    checks.check(
        Arch::CURRENT == Arch::Arm,
        "Arch::CURRENT is Arm on Cortex-M",
    );
    checks.check(Arch::pointer_width() == 32, "32-bit pointers");
    checks.check(
        features.contains(CpuFeatures::COMPILE_TIME),
        "detected features include the compile-time ones",
    );
    checks.check(
        CACHE_LINE_SIZE.is_power_of_two(),
        "cache line size is a power of two",
    );
    checks.check(
        core::mem::align_of::<CachePadded<u8>>() == CACHE_LINE_SIZE
            && core::mem::size_of::<CachePadded<u8>>() == CACHE_LINE_SIZE,
        "CachePadded<u8> is one line, aligned to a line",
    );
}

/// `Config::DEFAULT.apply_env` on a fixed list of variables: what applies, what is skipped
/// and what is reported, all without an environment or an allocator.
pub(crate) fn check_config(checks: &mut Checks) {
    let vars = [
        ("CCOL_RETIRE_THRESHOLD", "128"),
        ("CCOL_QUEUE_BACKEND", " Scq "),
        ("CCOL_RECLAIM_BATCH", "many"),
        ("CCOL_NO_SUCH_KNOB", "1"),
        ("CCOL_STATS", ""),
        ("PATH", "/bin"),
    ];
    let mut issues: [Option<EnvIssueKind>; 4] = [None; 4];
    let mut reported = 0;
    let config = Config::DEFAULT.apply_env(vars, |issue| {
        if let Some(slot) = issues.get_mut(reported) {
            *slot = Some(issue.kind());
        }
        reported += 1;
    });
    hprintln!(
        "config: retire threshold {}, queue backend {}, {} issues",
        config.retire_threshold(),
        config.queue_backend().name(),
        reported
    );
    checks.check(
        config.retire_threshold() == 128,
        "CCOL_RETIRE_THRESHOLD=128 applies",
    );
    checks.check(
        config.queue_backend() == QueueBackend::Scq,
        "CCOL_QUEUE_BACKEND=' Scq ' applies",
    );
    checks.check(
        config.reclaim_batch() == Config::DEFAULT.reclaim_batch(),
        "an invalid CCOL_RECLAIM_BATCH leaves the default",
    );
    checks.check(
        config.stats() == Config::DEFAULT.stats(),
        "an empty CCOL_STATS is unset",
    );
    checks.check(
        reported == 2
            && issues[0] == Some(EnvIssueKind::NotANumber)
            && issues[1] == Some(EnvIssueKind::UnknownVariable),
        "issues: CCOL_RECLAIM_BATCH not a number, then CCOL_NO_SUCH_KNOB unknown",
    );
}
