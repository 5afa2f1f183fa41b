//! The map `memory` workload and the counting global allocator it reads (DESIGN.md §4; the
//! method of `reference/PEERS.md`, "Memory").
//!
//! One run, on the harness thread: a fresh map gets [`KEYS`] distinct pseudo-random `u64` keys
//! (`scramble(i)`, a bijection, so no two collide) with `u64` values, inserted one after
//! another; then the map's deferred reclamation is flushed ([`BenchMap::flush`]) until the
//! footprint stops changing, and the allocator's counters are read. Reported per entry
//! ([`Footprint`]): the glibc footprint Σ (`malloc_usable_size` + 8) over the live
//! allocations (the 8 is glibc's chunk header; JSON `bytes_per_entry`), the bytes requested,
//! the live allocations, and the highest footprint seen during the inserts. `mops` is the
//! insert rate, which includes the allocator's bookkeeping (a `malloc_usable_size` call and a
//! few uncontended atomic adds per allocation and free), the same for every implementation.
//! Smoke and test runs insert 1/100 of the keys.
//!
//! # The counting allocator
//!
//! [`Counting`] is the bench binary's `#[global_allocator]`: it forwards to the system
//! allocator and, only while a `memory` run has switched it on, adds every allocation's and
//! subtracts every free's requested size, footprint and count. Switched off (every other
//! benchmark), it costs one load of a flag that nobody writes, so the timed workloads see the
//! system allocator. The counts are deltas over the run: allocated while on minus freed while
//! on. A free during the run of memory allocated *before* it would be subtracted wrongly, so
//! the run first drops the harness's `-1m` maps and flushes the map type's reclamation scheme
//! on a scratch map (crossbeam-epoch's global collector, for instance, may still hold garbage
//! from earlier benchmarks).
//!
//! The counting allocator exists only on glibc Linux (where `malloc_usable_size` measures the
//! glibc footprint) and not under the facade's `mimalloc` feature (which installs mimalloc as
//! the global allocator instead); elsewhere the `memory` rows are listed as n/a.

use std::time::Instant;

use crate::map::{BenchMap, release_large_maps, scramble};
use crate::registry::{Footprint, Shot};

/// Distinct keys of a full `memory` run.
pub(crate) const KEYS: u64 = 1_000_000;

/// Flush rounds after which a footprint that still changes is read anyway.
const MAX_FLUSH_ROUNDS: u32 = 256;

/// Consecutive flush rounds without a change that count as settled.
const SETTLED_ROUNDS: u32 = 4;

/// Why `memory` cannot run in this build, or `None` when it can.
pub(crate) fn unavailable() -> Option<&'static str> {
    if cfg!(feature = "mimalloc") {
        Some("built with mimalloc as the global allocator (the footprint is glibc's)")
    } else if !cfg!(all(target_os = "linux", target_env = "gnu")) {
        Some("the footprint is measured with glibc's malloc_usable_size")
    } else {
        None
    }
}

/// One `memory` run with `keys` inserts (module docs).
pub(crate) fn run<M: BenchMap>(keys: u64) -> Shot {
    release_large_maps();
    let scratch = M::new();
    settle(&scratch, counting::live);
    drop(scratch);

    counting::start();
    let map = M::new();
    let start = Instant::now();
    for i in 0..keys {
        map.insert(scramble(i), i);
    }
    let elapsed = start.elapsed();
    settle(&map, counting::live);
    let counts = counting::stop();

    // An adapter check after the counters are read: every distinct key went in once. (No
    // scrambled key of 0..KEYS is u64::MAX, which the half-open range would miss.)
    assert_eq!(
        map.count_range(0, u64::MAX),
        keys,
        "a map holds every distinct key inserted into it"
    );
    drop(map);
    // Precision: byte and allocation counts far below 2^53.
    let per_entry = |total: i64| total as f64 / keys as f64;
    Shot {
        // Precision: as above.
        mops: keys as f64 / elapsed.as_secs_f64().max(1e-9) / 1e6,
        peak_pending: None,
        unfreed: 0,
        memory: Some(Footprint {
            bytes: per_entry(counts.footprint),
            requested: per_entry(counts.requested),
            allocs: per_entry(counts.allocs),
            peak: per_entry(counts.peak),
        }),
    }
}

/// Flushes `map` until `live()` (the footprint) has not changed for [`SETTLED_ROUNDS`] rounds,
/// or [`MAX_FLUSH_ROUNDS`] have passed.
fn settle<M: BenchMap>(map: &M, live: fn() -> i64) {
    let mut last = live();
    let mut unchanged = 0;
    for _ in 0..MAX_FLUSH_ROUNDS {
        map.flush();
        let now = live();
        unchanged = if now == last { unchanged + 1 } else { 0 };
        last = now;
        if unchanged >= SETTLED_ROUNDS {
            return;
        }
    }
}

/// The counting allocator (glibc Linux, not under `mimalloc`).
#[cfg(all(target_os = "linux", target_env = "gnu", not(feature = "mimalloc")))]
mod counting {
    use core::alloc::{GlobalAlloc, Layout};
    use core::sync::atomic::{AtomicBool, AtomicI64, Ordering::Relaxed};
    use std::alloc::System;

    /// Counter values of one run (deltas since [`start`]).
    #[derive(Clone, Copy, Debug)]
    pub(crate) struct Counts {
        pub(crate) footprint: i64,
        pub(crate) requested: i64,
        pub(crate) allocs: i64,
        pub(crate) peak: i64,
    }

    /// Whether allocations and frees are counted (only during a `memory` run).
    static ON: AtomicBool = AtomicBool::new(false);
    static FOOTPRINT: AtomicI64 = AtomicI64::new(0);
    static REQUESTED: AtomicI64 = AtomicI64::new(0);
    static ALLOCS: AtomicI64 = AtomicI64::new(0);
    static PEAK: AtomicI64 = AtomicI64::new(0);

    // All orderings below are Relaxed: the counters are statistics of allocations and frees
    // the measuring thread makes itself (program order suffices); other threads' counts, if
    // any, become visible through the harness's joins. `ON` publishes no data.

    /// Resets the counters and switches counting on.
    pub(crate) fn start() {
        for counter in [&FOOTPRINT, &REQUESTED, &ALLOCS, &PEAK] {
            counter.store(0, Relaxed);
        }
        ON.store(true, Relaxed);
    }

    /// The live footprint counted since [`start`].
    pub(crate) fn live() -> i64 {
        FOOTPRINT.load(Relaxed)
    }

    /// Switches counting off and returns the counts.
    pub(crate) fn stop() -> Counts {
        ON.store(false, Relaxed);
        Counts {
            footprint: FOOTPRINT.load(Relaxed),
            requested: REQUESTED.load(Relaxed),
            allocs: ALLOCS.load(Relaxed),
            peak: PEAK.load(Relaxed),
        }
    }

    /// glibc's footprint of the live allocation at `ptr`: its usable size plus the chunk header.
    fn footprint_of(ptr: *mut u8) -> i64 {
        // SAFETY: `ptr` is a live allocation of the system allocator (glibc malloc), which is
        // what `malloc_usable_size` accepts.
        let usable = unsafe { libc::malloc_usable_size(ptr.cast()) };
        // Truncation: allocation sizes fit i64.
        usable as i64 + 8
    }

    /// Adds (`sign` = 1) or removes (−1) one allocation.
    fn record(sign: i64, requested: usize, footprint: i64) {
        ALLOCS.fetch_add(sign, Relaxed);
        // Truncation: allocation sizes fit i64.
        REQUESTED.fetch_add(sign * requested as i64, Relaxed);
        let now = FOOTPRINT.fetch_add(sign * footprint, Relaxed) + sign * footprint;
        PEAK.fetch_max(now, Relaxed);
    }

    /// The system allocator, counting while a `memory` run has switched it on.
    #[derive(Debug)]
    pub(crate) struct Counting;

    // SAFETY: every method forwards to `System` with the caller's arguments and returns its
    // result unchanged; the bookkeeping only reads the returned block's usable size.
    unsafe impl GlobalAlloc for Counting {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            // SAFETY: forwarded with the caller's guarantees (`layout` has a non-zero size).
            let ptr = unsafe { System.alloc(layout) };
            if !ptr.is_null() && ON.load(Relaxed) {
                record(1, layout.size(), footprint_of(ptr));
            }
            ptr
        }

        unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
            // SAFETY: as for `alloc`.
            let ptr = unsafe { System.alloc_zeroed(layout) };
            if !ptr.is_null() && ON.load(Relaxed) {
                record(1, layout.size(), footprint_of(ptr));
            }
            ptr
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            if ON.load(Relaxed) {
                record(-1, layout.size(), footprint_of(ptr));
            }
            // SAFETY: forwarded with the caller's guarantees (`ptr` came from this allocator
            // with `layout`).
            unsafe { System.dealloc(ptr, layout) };
        }

        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            // Read before the call: afterwards `ptr` may be freed.
            let old = ON.load(Relaxed).then(|| footprint_of(ptr));
            // SAFETY: forwarded with the caller's guarantees.
            let new = unsafe { System.realloc(ptr, layout, new_size) };
            if let Some(old) = old.filter(|_| !new.is_null()) {
                record(-1, layout.size(), old);
                record(1, new_size, footprint_of(new));
            }
            new
        }
    }
}

#[cfg(all(target_os = "linux", target_env = "gnu", not(feature = "mimalloc")))]
pub(crate) use counting::Counting;

/// Without the counting allocator the `memory` rows are unavailable and never run.
#[cfg(not(all(target_os = "linux", target_env = "gnu", not(feature = "mimalloc"))))]
mod counting {
    /// Counter values of one run (never produced here).
    #[derive(Clone, Copy, Debug)]
    pub(crate) struct Counts {
        pub(crate) footprint: i64,
        pub(crate) requested: i64,
        pub(crate) allocs: i64,
        pub(crate) peak: i64,
    }

    pub(crate) fn start() {
        unreachable!("`memory` is unavailable without the counting allocator")
    }

    pub(crate) fn live() -> i64 {
        0
    }

    pub(crate) fn stop() -> Counts {
        unreachable!("`memory` is unavailable without the counting allocator")
    }
}
