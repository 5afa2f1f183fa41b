//! The multi-threaded runner: timing, repetitions, disturbed-repetition re-runs and medians.
//!
//! One repetition of a point `(bench, threads)`:
//!
//! 1. `setup(threads)` builds the state (untimed);
//! 2. `threads` scoped threads run the worker; each prepares itself, then meets the others and
//!    the coordinator at a barrier inside [`Ctx::measure`];
//! 3. the coordinator reads the clock and the CPU counters, sleeps for the window, raises the
//!    stop flag and joins; every thread records `(ops, end)` in its own cache-padded slot;
//! 4. Mops/s = Σ ops / (latest end − start) / 10⁶; the state is dropped afterwards (untimed).
//!
//! Order: for each `(group, workload)` and thread count, every implementation is warmed up,
//! then repetitions are *interleaved* (rep 1 of every impl, then rep 2, ...), so a burst of
//! background load hits all implementations of a comparison rather than one. A repetition with
//! more background load than `--max-bg` (see [`load`](super::load)) is re-run up to
//! `--retries` times; if it stays disturbed, the least disturbed attempt is kept and flagged.
//!
//! A timed run whose workers do not return within [`STOP_DEADLINE`] of the stop flag (a
//! livelocked or deadlocked implementation) ends the process with a message naming it.
//!
//! A one-shot benchmark ([`Bench::one_shot`]) replaces steps 1–4 by one call of its closure,
//! which reports its own Mops/s and peak pending count; the background load is judged over the
//! whole call. Its warm-up is one untimed call.

use core::panic::AssertUnwindSafe;
use core::sync::atomic::{AtomicBool, Ordering};
use core::time::Duration;
use std::panic;
use std::sync::{Barrier, OnceLock};
use std::thread;
use std::time::Instant;

use ccol_arch::CachePadded;

use crate::cli::Options;
use crate::load;
use crate::registry::{Bench, Ctx, Footprint, Kind, Registry, Shot, Slot, Worker};

/// Shortest window whose background load is judged (10 jiffies per CPU at 100 Hz).
const MIN_JUDGED_WINDOW: Duration = Duration::from_millis(100);

/// How long the workers of a timed run may take to see the stop flag and return, before the
/// run counts as hung. Far above any operation a benchmark times (the slowest seen: a 2^20
/// map scan stuck in a peer's slow path for ~30 s), far below CI's patience.
const STOP_DEADLINE: Duration = Duration::from_secs(120);

/// Exit status of a harness that gave up on a hung benchmark.
const HUNG_EXIT: i32 = 3;

/// One repetition.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Sample {
    /// Millions of operations per second over all threads, and a one-shot's other results.
    pub(crate) shot: Shot,
    /// Cores used by other processes meanwhile (`None` without `/proc`).
    pub(crate) background: Option<f64>,
    /// Whether `background` exceeded the tolerated load.
    pub(crate) disturbed: bool,
}

/// The summary of one point over its repetitions.
#[derive(Clone, Debug)]
pub(crate) struct Point {
    /// Index into [`Registry::benches`].
    pub(crate) bench: usize,
    pub(crate) threads: usize,
    /// Median Mops/s over the repetitions.
    pub(crate) median: f64,
    pub(crate) min: f64,
    pub(crate) max: f64,
    /// Median, min and max peak pending count, for benchmarks that report one.
    pub(crate) peak_pending: Option<[f64; 3]>,
    /// The most objects a repetition left unfreed (0 when everything was freed).
    pub(crate) unfreed: u64,
    /// Field-wise medians of the footprints, for benchmarks that report one (map `memory`).
    pub(crate) memory: Option<Footprint>,
    pub(crate) reps: usize,
    /// Median background cores over the kept repetitions.
    pub(crate) background: Option<f64>,
    /// How many kept repetitions stayed disturbed after their re-runs.
    pub(crate) disturbed: usize,
    /// Repetitions re-run because of background load.
    pub(crate) reruns: usize,
}

/// Runs every selected, available benchmark at every thread count; returns the points in
/// `(cell, threads, bench)` order.
pub(crate) fn run_all(registry: &Registry, opts: &Options) -> Vec<Point> {
    let cpus = load::cpus();
    let id_width = registry
        .benches()
        .iter()
        .map(|b| b.id().len())
        .max()
        .unwrap_or(0);
    let mut points = Vec::new();
    for (group, workload) in registry.cells() {
        let members: Vec<usize> = registry
            .benches()
            .iter()
            .enumerate()
            .filter(|(_, b)| b.group == group && b.workload == workload)
            .filter(|(_, b)| b.unavailable.is_none() && opts.selects(&b.id()))
            .map(|(i, _)| i)
            .collect();
        let Some(&first) = members.first() else {
            continue;
        };
        for threads in registry.benches()[first].thread_counts(&opts.threads) {
            if !opts.warmup.is_zero() {
                for &i in &members {
                    run_once(&registry.benches()[i], threads, opts.warmup, cpus, opts);
                }
            }
            let mut samples: Vec<Vec<Sample>> = vec![Vec::new(); members.len()];
            let mut reruns = vec![0; members.len()];
            for _ in 0..opts.reps {
                for (k, &i) in members.iter().enumerate() {
                    let bench = &registry.benches()[i];
                    let mut kept = run_once(bench, threads, opts.duration, cpus, opts);
                    let mut attempt = 0;
                    while kept.disturbed && attempt < opts.retries {
                        attempt += 1;
                        reruns[k] += 1;
                        let again = run_once(bench, threads, opts.duration, cpus, opts);
                        if again.background.unwrap_or(0.0) < kept.background.unwrap_or(0.0) {
                            kept = again;
                        }
                    }
                    samples[k].push(kept);
                }
            }
            for (k, &i) in members.iter().enumerate() {
                let point = summarize(i, threads, &samples[k], reruns[k]);
                report_progress(&registry.benches()[i], &point, id_width);
                points.push(point);
            }
        }
    }
    points
}

/// Runs one repetition of `bench` with `threads` threads for `window` (a one-shot: once).
fn run_once(
    bench: &Bench,
    threads: usize,
    window: Duration,
    cpus: usize,
    opts: &Options,
) -> Sample {
    let (shot, elapsed, before, after) = match &bench.kind {
        Kind::Timed { work, setup } => {
            run_timed(bench, setup(threads, opts.work(*work)), threads, window)
        }
        Kind::OneShot { work, run, .. } => {
            let before = load::snapshot();
            let start = Instant::now();
            let shot = run(opts.work(*work));
            (shot, start.elapsed(), before, load::snapshot())
        }
    };
    let background = before
        .zip(after)
        .map(|(b, a)| load::background_cores(b, a, cpus));
    // Only load beyond the cores our threads leave idle competes with the measurement, and
    // below ~100 ms the jiffy counters are too coarse to judge (module docs of `load`).
    let idle = cpus.saturating_sub(threads) as f64;
    let judged = elapsed >= MIN_JUDGED_WINDOW;
    let disturbed = judged && background.is_some_and(|bg| bg - idle > opts.max_background);
    if opts.verbose {
        let bg = background.map_or(String::new(), |b| format!(", background {b:.2} cores"));
        let pending = shot
            .peak_pending
            .map_or(String::new(), |n| format!(", peak pending {n}"));
        let flag = if disturbed { ", disturbed" } else { "" };
        eprintln!(
            "    {} {threads} thr: {:.3} Mops/s over {:.6} s{pending}{bg}{flag}",
            bench.id(),
            shot.mops,
            elapsed.as_secs_f64()
        );
    }
    Sample {
        shot,
        background,
        disturbed,
    }
}

/// One fixed-duration repetition of a timed benchmark: the module docs' steps 2–4. Returns
/// the result, the measured span, and the CPU counters around the window.
fn run_timed(
    bench: &Bench,
    worker: Worker,
    threads: usize,
    window: Duration,
) -> (
    Shot,
    Duration,
    Option<load::Snapshot>,
    Option<load::Snapshot>,
) {
    let barrier = Barrier::new(threads + 1);
    let stop = AtomicBool::new(false);
    let slots: Vec<Slot> = (0..threads)
        .map(|_| CachePadded::new(OnceLock::new()))
        .collect();

    let (start, before, after) = thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|index| {
                let (worker, barrier, stop, slot) = (&worker, &barrier, &stop, &slots[index]);
                s.spawn(move || {
                    let ctx = Ctx::new(index, threads, barrier, stop, slot);
                    let result = panic::catch_unwind(AssertUnwindSafe(|| worker(&ctx)));
                    if let Err(payload) = result {
                        // Release the barrier so the other threads and the coordinator finish;
                        // the panic is re-raised by the coordinator after the join.
                        ctx.wait_start();
                        panic::resume_unwind(payload);
                    }
                })
            })
            .collect();
        barrier.wait();
        let start = Instant::now();
        let before = load::snapshot();
        thread::sleep(window);
        // Relaxed: the flag only ends the loops; results are published by the joins below.
        stop.store(true, Ordering::Relaxed);
        await_stop(bench, threads, &handles);
        let mut failed = None;
        for h in handles {
            if let Err(payload) = h.join() {
                failed = Some(payload);
            }
        }
        if let Some(payload) = failed {
            eprintln!("benchmark {} panicked with {threads} threads", bench.id());
            panic::resume_unwind(payload);
        }
        (start, before, load::snapshot())
    });
    drop(worker);

    let mut ops: u64 = 0;
    let mut end = start;
    for slot in &slots {
        let tally = slot
            .get()
            .expect("every worker returned through Ctx::measure");
        ops += tally.ops;
        end = end.max(tally.end);
    }
    let elapsed = end.duration_since(start);
    // Precision: op counts stay far below 2^53 in any window this harness runs.
    let mops = ops as f64 / elapsed.as_secs_f64().max(1e-9) / 1e6;
    let shot = Shot {
        mops,
        peak_pending: None,
        unfreed: 0,
        memory: None,
    };
    (shot, elapsed, before, after)
}

/// Waits until every worker has returned, or exits the process when they have not within
/// [`STOP_DEADLINE`]: a livelocked or deadlocked implementation would otherwise hang the whole
/// suite (and CI's smoke step) without saying which benchmark it was.
fn await_stop(bench: &Bench, threads: usize, handles: &[thread::ScopedJoinHandle<'_, ()>]) {
    let deadline = Instant::now() + STOP_DEADLINE;
    while !handles.iter().all(thread::ScopedJoinHandle::is_finished) {
        if Instant::now() >= deadline {
            let running = handles.iter().filter(|h| !h.is_finished()).count();
            eprintln!(
                "benchmark {} with {threads} threads: {running} worker(s) still running {} s \
                 after the stop flag rose (livelock or deadlock?); giving up",
                bench.id(),
                STOP_DEADLINE.as_secs()
            );
            std::process::exit(HUNG_EXIT);
        }
        thread::sleep(Duration::from_millis(1));
    }
}

/// Median, spread and background of one point's kept samples.
fn summarize(bench: usize, threads: usize, samples: &[Sample], reruns: usize) -> Point {
    let mops: Vec<f64> = samples.iter().map(|s| s.shot.mops).collect();
    // Precision: pending counts are object counts, far below 2^53.
    let pending: Vec<f64> = samples
        .iter()
        .filter_map(|s| s.shot.peak_pending.map(|n| n as f64))
        .collect();
    let footprints: Vec<Footprint> = samples.iter().filter_map(|s| s.shot.memory).collect();
    let field_median =
        |field: fn(&Footprint) -> f64| median(&footprints.iter().map(field).collect::<Vec<f64>>());
    let bg: Vec<f64> = samples.iter().filter_map(|s| s.background).collect();
    let [mops_median, min, max] = spread(&mops);
    Point {
        bench,
        threads,
        median: mops_median,
        min,
        max,
        peak_pending: (!pending.is_empty()).then(|| spread(&pending)),
        unfreed: samples.iter().map(|s| s.shot.unfreed).max().unwrap_or(0),
        memory: (!footprints.is_empty()).then(|| Footprint {
            bytes: field_median(|f| f.bytes),
            requested: field_median(|f| f.requested),
            allocs: field_median(|f| f.allocs),
            peak: field_median(|f| f.peak),
        }),
        reps: samples.len(),
        background: (!bg.is_empty()).then(|| median(&bg)),
        disturbed: samples.iter().filter(|s| s.disturbed).count(),
        reruns,
    }
}

/// `[median, min, max]` of `values` (non-empty).
fn spread(values: &[f64]) -> [f64; 3] {
    [
        median(values),
        values.iter().copied().fold(f64::INFINITY, f64::min),
        values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
    ]
}

/// The median (mean of the two middle values for an even count); `values` must be non-empty.
pub(crate) fn median(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    if v.len() % 2 == 1 {
        v[mid]
    } else {
        (v[mid - 1] + v[mid]) / 2.0
    }
}

fn report_progress(bench: &Bench, p: &Point, id_width: usize) {
    let bg = p
        .background
        .map_or(String::new(), |b| format!(", background {b:.2} cores"));
    let flags = match (p.reruns, p.disturbed) {
        (0, _) => String::new(),
        (r, 0) => format!(", {r} re-run"),
        (r, d) => format!(", {r} re-run, {d} still disturbed"),
    };
    let pending = p
        .peak_pending
        .map_or(String::new(), |[m, ..]| format!(", peak pending {m:.0}"));
    let unfreed = match p.unfreed {
        0 => String::new(),
        n => format!(", WARNING: {n} left unfreed"),
    };
    eprintln!(
        "  {:<id_width$} {:>2} thr  {:>9.3} Mops/s ({:.3}-{:.3}){pending}{bg}{flags}{unfreed}",
        bench.id(),
        p.threads,
        p.median,
        p.min,
        p.max
    );
}
