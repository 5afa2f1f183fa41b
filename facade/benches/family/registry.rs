//! What a benchmark is, and the one API a benchmark file uses to define it.
//!
//! A benchmark is one `(group, impl, workload)` triple plus a *setup* closure. For every
//! repetition the runner calls the setup with the thread count (untimed; build fresh state
//! here, or clone an `Arc` to state that should survive across repetitions), gets back a
//! *worker*, and runs that worker on every thread. Each worker does its per-thread preparation
//! (registration, handles, RNG seeding), then calls [`Ctx::measure`] exactly once with the
//! operation to repeat; `measure` waits for every thread at a barrier, loops until the shared
//! stop flag rises, and records the thread's count. The [`Measured`] token a worker must return
//! can only come from `measure`, so forgetting the timed section does not compile.
//!
//! ```text
//! reg.add(Bench::new("queue", "faa-ceiling", "pairs", Role::Ceiling, |_threads| {
//!     let state = Arc::new(State::default());          // fresh per repetition
//!     move |ctx: &Ctx<'_>| ctx.measure(|| { state.op(); 2 })
//! }));
//! ```
//!
//! A timed benchmark whose state is expensive to build may scale it with the run's mode,
//! [`Bench::scaled`]: its setup also receives an amount of *work* (map `*-1m`: the key range),
//! the full amount except in smoke and test runs (`Options::work`), so that CI's smoke step does
//! not prefill half a million keys per map.
//!
//! A workload that is a fixed amount of work rather than a throughput loop (reclaim `stall`:
//! one writer retires a million nodes while a reader stays pinned) is a *one-shot* benchmark,
//! [`Bench::one_shot`]: each repetition calls its closure once with the amount of work to do
//! and gets back a [`Shot`] (its own Mops/s and peak pending count). It runs at the one thread
//! count it declares, whatever `--threads` says, and is summarized like any other point.

use core::cell::Cell;
use core::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Barrier, OnceLock};
use std::time::Instant;

use ccol_arch::CachePadded;

/// Operations between two checks of the stop flag: amortizes the flag load for nanosecond
/// operations, and overshoots a 20 ms window by at most a few microseconds for slow ones.
const BATCH: u32 = 16;

/// Whose implementation a benchmark measures; decides table order, colours and ratios.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Role {
    /// The hardware's cost floor for the group (DESIGN.md §4): every ratio is taken to it.
    Ceiling,
    /// One of ours (`ccol-*`).
    Ours,
    /// A crates.io or std implementation we compare with.
    Peer,
    /// A reference point that is neither ours nor a shipped peer (e.g. a hand-written loop).
    Baseline,
}

impl Role {
    /// Lower-case name used in the tables and the JSON lines.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Role::Ceiling => "ceiling",
            Role::Ours => "ours",
            Role::Peer => "peer",
            Role::Baseline => "baseline",
        }
    }
}

/// Proof that a worker ran its timed section; only [`Ctx::measure`] creates one.
#[derive(Debug)]
pub(crate) struct Measured(());

/// One thread's result, written once by the thread when it sees the stop flag.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Tally {
    /// Operations this thread completed (as counted by the workload).
    pub(crate) ops: u64,
    /// When the thread left its loop; the point's elapsed time ends at the latest of these.
    pub(crate) end: Instant,
}

/// A per-thread result slot. Padded so that a thread that finishes early and writes its slot
/// does not disturb the cache lines other threads are still hammering (nor each other's slots).
pub(crate) type Slot = CachePadded<OnceLock<Tally>>;

/// What a worker knows about its run: its index, the thread count, and the timed loop.
#[derive(Debug)]
pub(crate) struct Ctx<'a> {
    /// This thread's index, `0..threads`.
    pub(crate) index: usize,
    /// How many worker threads run this point.
    pub(crate) threads: usize,
    barrier: &'a Barrier,
    stop: &'a AtomicBool,
    slot: &'a Slot,
    passed_barrier: Cell<bool>,
}

impl<'a> Ctx<'a> {
    /// A context for worker `index` of `threads`; only the runner creates these.
    pub(crate) fn new(
        index: usize,
        threads: usize,
        barrier: &'a Barrier,
        stop: &'a AtomicBool,
        slot: &'a Slot,
    ) -> Self {
        Ctx {
            index,
            threads,
            barrier,
            stop,
            slot,
            passed_barrier: Cell::new(false),
        }
    }

    /// Runs `op` repeatedly from the common start until the stop flag rises, adding up the
    /// operation counts it returns (return 2 for an enqueue+dequeue pair, 0 for an attempt that
    /// should not count). Call exactly once per worker.
    #[inline(never)]
    pub(crate) fn measure(&self, mut op: impl FnMut() -> u64) -> Measured {
        self.wait_start();
        // The count lives in a register of this thread: nothing is shared until the end.
        let mut ops: u64 = 0;
        // Relaxed: the flag only ends the loop; it publishes no data. The results travel
        // through the `OnceLock` slot and the coordinator's `join`, which synchronize.
        while !self.stop.load(Ordering::Relaxed) {
            for _ in 0..BATCH {
                ops += op();
            }
        }
        let end = Instant::now();
        // A second `measure` call in one worker is a bug in the workload: keep the first count.
        let first = self.slot.set(Tally { ops, end }).is_ok();
        assert!(first, "a worker called Ctx::measure twice");
        Measured(())
    }

    /// Waits at the start barrier once (also used by the runner to release the others when a
    /// worker panics before reaching `measure`).
    pub(crate) fn wait_start(&self) {
        if !self.passed_barrier.replace(true) {
            self.barrier.wait();
        }
    }
}

/// The closure each thread runs; see the module docs.
pub(crate) type Worker = Box<dyn Fn(&Ctx<'_>) -> Measured + Sync>;

/// `setup(threads, work)`: builds one repetition's state and returns its worker.
type Setup = Box<dyn Fn(usize, u64) -> Worker>;

/// What one repetition reports: a timed loop yields `mops` only; a one-shot run may report
/// the other fields.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Shot {
    /// Millions of the workload's operations per second, over the part the workload times.
    pub(crate) mops: f64,
    /// The most retired-but-not-yet-freed objects seen at once (JSON `peak_pending`).
    pub(crate) peak_pending: Option<u64>,
    /// Objects still not freed when the run ended, after its bounded clean-up (should be 0).
    pub(crate) unfreed: u64,
    /// Allocator footprint per entry of a structure built by the run (map `memory`).
    pub(crate) memory: Option<Footprint>,
}

/// Heap use of a structure per entry it holds, as a counting global allocator saw it
/// (`family/map_memory.rs`). All fields are bytes or counts divided by the entry count.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) struct Footprint {
    /// glibc footprint: Σ (`malloc_usable_size` + 8) over live allocations (JSON
    /// `bytes_per_entry`).
    pub(crate) bytes: f64,
    /// Bytes the structure asked the allocator for (JSON `requested_bytes_per_entry`).
    pub(crate) requested: f64,
    /// Live allocations (JSON `allocs_per_entry`).
    pub(crate) allocs: f64,
    /// The highest footprint seen while the entries went in (JSON `peak_bytes_per_entry`).
    pub(crate) peak: f64,
}

/// How a benchmark runs one repetition.
pub(crate) enum Kind {
    /// `setup(threads, work)` builds the workers of a fixed-duration loop (module docs); `work`
    /// is `Options::work(work)` (0 for a benchmark that does not scale).
    Timed { work: u64, setup: Setup },
    /// One call of `run(work)` on the coordinator thread (which may spawn threads itself).
    OneShot {
        /// The thread count the run uses: the point's only column.
        threads: usize,
        /// The amount of work of a full run; `--smoke` scales it down (`Options::work`).
        work: u64,
        run: Box<dyn Fn(u64) -> Shot>,
    },
}

/// One `(group, impl, workload)` benchmark.
pub(crate) struct Bench {
    /// DESIGN.md §4 group: `map`, `queue`, `stack`, `reclaim`, or `primitives` (tier 0).
    pub(crate) group: &'static str,
    /// Implementation name, stable across runs (tools compare by name).
    pub(crate) name: &'static str,
    /// Workload name, stable across runs.
    pub(crate) workload: &'static str,
    /// Whose implementation this is.
    pub(crate) role: Role,
    /// A remark shown under the table and in the JSON line (e.g. "lock-based").
    pub(crate) note: Option<String>,
    /// `Some(reason)` when this build or CPU cannot run it; listed as n/a, never measured.
    pub(crate) unavailable: Option<String>,
    /// Whether the ratio column of its `(group, workload)` divides by this row (used when the
    /// group has no ceiling).
    pub(crate) reference: bool,
    /// Timed loop or one-shot run.
    pub(crate) kind: Kind,
}

impl core::fmt::Debug for Bench {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Bench")
            .field("id", &self.id())
            .field("role", &self.role)
            .field("note", &self.note)
            .field("unavailable", &self.unavailable)
            .field("reference", &self.reference)
            .finish_non_exhaustive()
    }
}

impl Bench {
    /// A benchmark whose state `setup(threads)` builds once per repetition.
    pub(crate) fn new<W>(
        group: &'static str,
        name: &'static str,
        workload: &'static str,
        role: Role,
        setup: impl Fn(usize) -> W + 'static,
    ) -> Self
    where
        W: Fn(&Ctx<'_>) -> Measured + Sync + 'static,
    {
        Bench {
            group,
            name,
            workload,
            role,
            note: None,
            unavailable: None,
            reference: false,
            kind: Kind::Timed {
                work: 0,
                setup: Box::new(move |threads, _work| -> Worker { Box::new(setup(threads)) }),
            },
        }
    }

    /// A timed benchmark whose setup also gets the amount of work to build for: `full_work`,
    /// scaled down in smoke and test runs (module docs).
    pub(crate) fn scaled<W>(
        group: &'static str,
        name: &'static str,
        workload: &'static str,
        role: Role,
        full_work: u64,
        setup: impl Fn(usize, u64) -> W + 'static,
    ) -> Self
    where
        W: Fn(&Ctx<'_>) -> Measured + Sync + 'static,
    {
        Bench {
            group,
            name,
            workload,
            role,
            note: None,
            unavailable: None,
            reference: false,
            kind: Kind::Timed {
                work: full_work,
                setup: Box::new(move |threads, work| -> Worker { Box::new(setup(threads, work)) }),
            },
        }
    }

    /// A one-shot benchmark: each repetition calls `run(work)` once (`work` is `full_work`,
    /// scaled down in smoke runs) on `threads` threads in total, and reports what it returns.
    pub(crate) fn one_shot(
        group: &'static str,
        name: &'static str,
        workload: &'static str,
        role: Role,
        threads: usize,
        full_work: u64,
        run: impl Fn(u64) -> Shot + 'static,
    ) -> Self {
        Bench {
            group,
            name,
            workload,
            role,
            note: None,
            unavailable: None,
            reference: false,
            kind: Kind::OneShot {
                threads,
                work: full_work,
                run: Box::new(run),
            },
        }
    }

    /// Attaches a note shown under the table and in the JSON line.
    pub(crate) fn note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }

    /// Makes this row the ratio reference of its `(group, workload)` when the group has no
    /// ceiling.
    pub(crate) fn ratio_reference(mut self) -> Self {
        self.reference = true;
        self
    }

    /// Marks the benchmark as impossible here (listed as n/a with `reason`).
    pub(crate) fn unavailable(mut self, reason: impl Into<String>) -> Self {
        self.unavailable = Some(reason.into());
        self
    }

    /// `group/impl/workload`, the string the command-line filter matches.
    pub(crate) fn id(&self) -> String {
        format!("{}/{}/{}", self.group, self.name, self.workload)
    }

    /// The thread counts this benchmark runs at: the run's (`requested`), or a one-shot's own.
    pub(crate) fn thread_counts(&self, requested: &[usize]) -> Vec<usize> {
        match self.kind {
            Kind::Timed { .. } => requested.to_vec(),
            Kind::OneShot { threads, .. } => vec![threads],
        }
    }
}

/// Every benchmark of the suite, in registration order (which is table order within a role).
#[derive(Debug, Default)]
pub(crate) struct Registry {
    benches: Vec<Bench>,
}

impl Registry {
    /// Adds a benchmark. Names must be unique per `(group, impl, workload)`, and the benchmarks
    /// of one `(group, workload)` share their thread columns (all timed, or all one-shot on the
    /// same thread count).
    pub(crate) fn add(&mut self, bench: Bench) {
        assert!(
            !self.benches.iter().any(|b| b.id() == bench.id()),
            "benchmark {} registered twice",
            bench.id()
        );
        let probe = [0];
        assert!(
            self.benches
                .iter()
                .filter(|b| (b.group, b.workload) == (bench.group, bench.workload))
                .all(|b| b.thread_counts(&probe) == bench.thread_counts(&probe)),
            "benchmark {} mixes timed and one-shot runs in one table",
            bench.id()
        );
        self.benches.push(bench);
    }

    /// All benchmarks, in registration order.
    pub(crate) fn benches(&self) -> &[Bench] {
        &self.benches
    }

    /// The `(group, workload)` cells in first-registration order; each becomes one table and
    /// one plot.
    pub(crate) fn cells(&self) -> Vec<(&'static str, &'static str)> {
        let mut cells: Vec<(&'static str, &'static str)> = Vec::new();
        for b in &self.benches {
            if !cells.contains(&(b.group, b.workload)) {
                cells.push((b.group, b.workload));
            }
        }
        cells
    }
}
