#![cfg(all(
    feature = "std",
    feature = "ibr",
    feature = "debra",
    target_pointer_width = "64",
    not(ccol_loom)
))]
//! Ownership and memory of the unbounded `LockFreeQueue`, under both schemes: every value is
//! dropped exactly once (popped, or left in one of several segments when the queue is
//! dropped, also after a `flush`); segments are freed (a counting global allocator sees the
//! live segments return to the one still linked after a threaded run with tiny segments and a
//! flush from every thread, and to none once the queue is dropped); a stalled reader keeps a
//! bounded number of segments alive under IBR and all of them under DEBRA until it leaves;
//! and, with the `stats` feature, `ring_allocations` and `ring_finalizations` count the
//! segment turnover.
//!
//! The values are [`Node`]s, aligned to [`MARK_ALIGN`]: a segment's data array is then the one
//! allocation of that alignment in the process, so the allocator counts live segments (an
//! unpublished segment a push lost its link CAS with included, until it is freed).

mod common;

use core::{
    alloc::{GlobalAlloc, Layout},
    panic::AssertUnwindSafe,
};
use std::{
    alloc::System,
    panic::catch_unwind,
    sync::{Mutex, MutexGuard, PoisonError, mpsc},
    thread,
};

use ccol_arch::config::Config;
use ccol_atomics::sync::atomic::{AtomicUsize, Ordering};
use ccol_queues::LockFreeQueue;
use ccol_reclaim::Reclaim;
use common::{Payload, Tracker, for_each_scheme, scaled};

/// The alignment that marks a segment's data array (nothing else asks for it: cache-padded
/// types ask for at most 256).
const MARK_ALIGN: usize = 512;

/// A queued value whose alignment marks the data arrays holding it.
#[derive(Debug)]
#[repr(align(512))]
struct Node<'t>(Payload<'t>);

const _: () = assert!(align_of::<Node<'static>>() == MARK_ALIGN);

/// The system allocator, counting allocations of alignment [`MARK_ALIGN`].
struct CountingAlloc;

#[global_allocator]
static ALLOCATOR: CountingAlloc = CountingAlloc;

/// Marked allocations made and freed, process-wide.
static MARKED_ALLOCS: AtomicUsize = AtomicUsize::new(0);
static MARKED_FREES: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is forwarded unchanged to `System`, which upholds `GlobalAlloc`'s
// contract; the counting touches only atomics (no allocation).
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees (non-zero size).
        let p = unsafe { System.alloc(layout) };
        if layout.align() == MARK_ALIGN && !p.is_null() {
            // Relaxed: a counter read after joins (see `live_segments`).
            MARKED_ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        if layout.align() == MARK_ALIGN {
            // Relaxed: as in `alloc`.
            MARKED_FREES.fetch_add(1, Ordering::Relaxed);
        }
        // SAFETY: forwarded with the caller's guarantees (`p` came from this allocator,
        // hence from `System`, with `layout`).
        unsafe { System.dealloc(p, layout) }
    }
}

/// Segments of `Node` queues currently allocated in the process (exact only while no other
/// test of this binary runs: hold [`serial`]).
fn live_segments() -> usize {
    // Relaxed: read after the threads that allocated have been joined (or on their thread).
    let frees = MARKED_FREES.load(Ordering::Relaxed);
    // Relaxed: as above.
    MARKED_ALLOCS.load(Ordering::Relaxed) - frees
}

/// Serializes this binary's tests, which all read [`live_segments`].
fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A new `Node` from `tracker`.
fn node(tracker: &Tracker) -> Node<'_> {
    Node(tracker.payload())
}

/// Fills several segments, pops across some of them, and drops the queue: values popped and
/// values left in every remaining segment are each dropped once, and every segment is freed.
fn leftovers_in_several_segments<R: Reclaim>() {
    let _serial = serial();
    for segment in [1, 3, 16] {
        let base = live_segments();
        let total = scaled(5 * segment + segment / 2 + 1, 2 * segment + 1);
        let tracker = Tracker::new(total);
        let queue = LockFreeQueue::<Node<'_>, R>::unbounded_with_segment_capacity(segment);
        assert_eq!(live_segments() - base, 1, "a new queue holds one segment");
        for _ in 0..total {
            queue.push(node(&tracker)).unwrap();
        }
        assert_eq!(live_segments() - base, total.div_ceil(segment));
        let popped = total / 3 + 1;
        for id in 0..popped as u64 {
            assert_eq!(queue.pop().map(|n| n.0.check()), Some(id));
        }
        assert_eq!(queue.len(), total - popped);
        assert_eq!(tracker.dropped(), popped);
        drop(queue);
        tracker.assert_all_dropped_once();
        assert_eq!(live_segments(), base, "segments of {segment} leaked");
    }
}

/// A `flush` frees the drained segments without touching the values still queued; they are
/// dropped with the queue.
fn flush_keeps_values_and_frees_segments<R: Reclaim>() {
    let _serial = serial();
    let base = live_segments();
    let total = scaled(40, 9);
    let popped = total / 2;
    let tracker = Tracker::new(total);
    let queue = LockFreeQueue::<Node<'_>, R>::unbounded_with_segment_capacity(2);
    for _ in 0..total {
        queue.push(node(&tracker)).unwrap();
    }
    for id in 0..popped as u64 {
        assert_eq!(queue.pop().map(|n| n.0.check()), Some(id));
    }
    queue.flush();
    tracker.assert_no_double_drop();
    assert_eq!(tracker.dropped(), popped, "a flush dropped a queued value");
    // Still linked: the segments from the head to the last. The head leaves a drained
    // segment only when a pop finds it empty, so after an even number of pops it is still on
    // the segment of the last value popped.
    let linked = total.div_ceil(2) - popped / 2 + usize::from(popped % 2 == 0);
    assert_eq!(live_segments() - base, linked, "drained segments not freed");
    for id in popped as u64..total as u64 - 1 {
        assert_eq!(queue.pop().map(|n| n.0.check()), Some(id));
    }
    drop(queue);
    tracker.assert_all_dropped_once();
    assert_eq!(live_segments(), base);
}

/// A long threaded run on segments of 1 and 2 (threads push bursts of 1 to 3 and pop as
/// many), each thread flushing at the end, then the main thread: only the last segment is
/// still allocated, and none once the queue is dropped. Every value is dropped once.
fn threaded_run_returns_to_baseline<R: Reclaim>() {
    let _serial = serial();
    let threads = if cfg!(miri) { 2 } else { 4 };
    let rounds = scaled(3_000, 4);
    for segment in [1, 2] {
        let base = live_segments();
        let tracker = Tracker::new(threads * rounds * 3);
        let queue = LockFreeQueue::<Node<'_>, R>::unbounded_with_segment_capacity(segment);
        // Joined explicitly: a scope waits only for the closures to return, and a thread's
        // reclamation participant hands its pending segments to the domain in a thread-local
        // destructor after that — the main thread's flush below could run first (Miri's
        // schedules find it on many seeds). `join` waits for the whole thread.
        thread::scope(|s| {
            let workers: Vec<_> = (0..threads)
                .map(|t| {
                    let (queue, tracker) = (&queue, &tracker);
                    s.spawn(move || {
                        for round in 0..rounds {
                            let burst = 1 + (t + round) % 3;
                            for _ in 0..burst {
                                queue.push(node(tracker)).unwrap();
                            }
                            for _ in 0..burst {
                                if let Some(value) = queue.pop() {
                                    value.0.check();
                                }
                            }
                        }
                        queue.flush();
                    })
                })
                .collect();
            for worker in workers {
                worker.join().unwrap();
            }
        });
        let left = (0..=tracker.created()).map_while(|_| queue.pop()).count();
        assert_eq!(tracker.created() - tracker.dropped(), left);
        tracker.assert_all_dropped_once();
        queue.flush();
        assert_eq!(
            live_segments() - base,
            1,
            "segments of {segment}: drained segments still allocated after every flush"
        );
        drop(queue);
        assert_eq!(live_segments(), base, "segments of {segment} leaked");
    }
}

/// A reader pins the queue's domain and stalls while this thread turns segments of one value
/// over (push two, pop two: one segment retired per cycle). IBR keeps a bounded number alive
/// (at most `2T + 2F` pending for thresholds `T`, `F`, twice what ccol-reclaim's
/// `tests/stall.rs` derives for one writer, plus the
/// two linked segments); DEBRA frees none until the reader leaves, then all of them on a
/// flush.
fn stalled_reader<R: Reclaim>() {
    let _serial = serial();
    let cycles = scaled(3_000, 24);
    let base = live_segments();
    let tracker = Tracker::new(2 * cycles);
    let queue = LockFreeQueue::<Node<'_>, R>::unbounded_with_segment_capacity(1);
    let (pinned_tx, pinned_rx) = mpsc::channel();
    let (leave_tx, leave_rx) = mpsc::channel::<()>();
    let mut peak = 0;
    thread::scope(|s| {
        let queue = &queue;
        s.spawn(move || {
            let guard = queue.domain().pin();
            assert_eq!(queue.len_guarded(&guard), 0);
            pinned_tx.send(()).unwrap();
            // Until told to leave, or until the sender is dropped by a panic of the test.
            let _ = leave_rx.recv();
            drop(guard);
        });
        // Owned here, so that a panic below drops it and releases the reader.
        let leave = leave_tx;
        pinned_rx.recv().unwrap();
        for _ in 0..cycles {
            queue.push(node(&tracker)).unwrap();
            queue.push(node(&tracker)).unwrap();
            queue.pop().unwrap().0.check();
            queue.pop().unwrap().0.check();
            peak = peak.max(live_segments() - base);
        }
        // Let the reader go before any assertion: a failing one must not leave it blocked
        // (the scope would wait for it forever).
        leave.send(()).unwrap();
    });
    if R::BOUNDED_UNDER_STALL {
        // Thresholds 64 and 32, or 2 and 2 under Miri (ccol-reclaim shrinks them).
        let (t, f) = if cfg!(miri) { (2, 2) } else { (64, 32) };
        let bound = 2 * t + 2 * f + 2;
        assert!(
            peak <= bound,
            "{}: {peak} segments alive under a stalled reader (bound {bound})",
            R::NAME
        );
    } else {
        assert!(
            peak > cycles,
            "{}: segments freed under a stalled reader ({peak} alive at most)",
            R::NAME
        );
    }
    queue.flush();
    assert_eq!(
        live_segments() - base,
        1,
        "{}: segments kept after the reader left",
        R::NAME
    );
    tracker.assert_all_dropped_once();
    drop(queue);
    assert_eq!(live_segments(), base);
}

/// `unbounded_with_config` builds the queue's domain from the given `Config`: with IBR
/// thresholds of 1 each drained segment is freed within a pop or two; with the defaults
/// (a scan per 64 retirements) the drained segments of a short run all wait. (DEBRA has no
/// thresholds.)
#[test]
fn a_configured_retire_threshold_reaches_the_queue_domain() {
    let _serial = serial();
    let segments = 16;
    let drained = |config: &Config| {
        let base = live_segments();
        let tracker = Tracker::new(2 * segments);
        let queue = LockFreeQueue::<Node<'_>, ccol_reclaim::Ibr>::unbounded_with_config(1, config);
        // Two values per round in segments of one: each round appends a segment and drains
        // (and retires) the one before.
        for round in 0..segments as u64 {
            queue.push(node(&tracker)).unwrap();
            queue.push(node(&tracker)).unwrap();
            for id in [2 * round, 2 * round + 1] {
                assert_eq!(queue.pop().map(|n| n.0.check()), Some(id));
            }
        }
        let live = live_segments() - base;
        drop(queue);
        tracker.assert_all_dropped_once();
        assert_eq!(live_segments(), base);
        live
    };
    let eager = Config::DEFAULT
        .with_retire_threshold(1)
        .and_then(|config| config.with_epoch_frequency(1))
        .expect("in range");
    let configured = drained(&eager);
    let default = drained(&Config::DEFAULT);
    assert!(
        configured <= 3,
        "{configured} segments alive with thresholds of 1"
    );
    // Miri and the sanitizers shrink every domain's thresholds to 2 (`reclaim/src/domain.rs`).
    if !cfg!(any(miri, ccol_sanitize)) {
        assert!(
            default >= segments,
            "{default} segments alive with the defaults"
        );
    }
}

/// A destructor that panics while the queue drops its segments: the panic propagates, the
/// other values (in this and the later segments) are still dropped once, and no segment is
/// leaked.
fn panicking_destructor_in_a_segment<R: Reclaim>() {
    let _serial = serial();
    let base = live_segments();
    let tracker = Tracker::with_panicking(7, Some(2));
    let queue = LockFreeQueue::<Node<'_>, R>::unbounded_with_segment_capacity(2);
    for _ in 0..7 {
        queue.push(node(&tracker)).unwrap();
    }
    let result = catch_unwind(AssertUnwindSafe(move || drop(queue)));
    assert!(result.is_err(), "the destructor's panic propagates");
    tracker.assert_all_dropped_once();
    assert_eq!(live_segments(), base, "a segment leaked while unwinding");
}

/// Zero-sized and heap-owning values cross segments and are dropped once (Miri's leak check
/// covers the strings).
fn zero_sized_and_heap_values<R: Reclaim>() {
    let _serial = serial();
    let n = scaled(100, 7);
    let units = LockFreeQueue::<(), R>::unbounded_with_segment_capacity(3);
    let strings = LockFreeQueue::<String, R>::unbounded_with_segment_capacity(2);
    for i in 0..n {
        units.push(()).unwrap();
        strings.push(i.to_string()).unwrap();
    }
    assert_eq!((units.len(), strings.len()), (n, n));
    for i in 0..n / 2 {
        assert_eq!(units.pop(), Some(()));
        assert_eq!(strings.pop(), Some(i.to_string()));
    }
    assert_eq!(units.len(), n - n / 2);
    strings.flush();
    // The rest are dropped with the queues.
}

for_each_scheme!(
    values_left_in_several_segments_are_dropped_once => leftovers_in_several_segments,
    flush_frees_drained_segments_and_keeps_values => flush_keeps_values_and_frees_segments,
    segments_return_to_baseline_after_a_run_with_tiny_segments =>
        threaded_run_returns_to_baseline,
    a_stalled_reader_holds_segments_as_the_scheme_allows => stalled_reader,
    zero_sized_and_heap_values_cross_segments => zero_sized_and_heap_values,
);

/// A destructor that panics while the queue drops its segments: the segments after the one
/// whose value panicked must still be freed, with their values (`free_segments` resumes the
/// walk while the panic unwinds; without that, they leaked).
mod panic_in_drop {
    #[test]
    fn ibr_a_panicking_destructor_leaks_no_segment() {
        super::panicking_destructor_in_a_segment::<ccol_reclaim::Ibr>();
    }

    #[test]
    fn debra_a_panicking_destructor_leaks_no_segment() {
        super::panicking_destructor_in_a_segment::<ccol_reclaim::Debra>();
    }
}

#[cfg(feature = "stats")]
mod stats {
    use super::*;

    /// Sequentially: seven pushes into segments of two fill four segments, so three were
    /// appended (and three finalized); a bounded queue appends none.
    fn script<R: Reclaim>() {
        let _serial = serial();
        let queue = LockFreeQueue::<u64, R>::unbounded_with_segment_capacity(2);
        let fresh = queue.stats();
        assert_eq!((fresh.ring_allocations, fresh.ring_finalizations), (0, 0));
        for v in 0..7 {
            queue.push(v).unwrap();
        }
        let s = queue.stats();
        assert_eq!(
            (s.pushes, s.ring_allocations, s.ring_finalizations),
            (7, 3, 3),
            "{s:?}"
        );
        assert_eq!(s.peak_len, 2, "{s:?}");
        assert_eq!(s.full_rejections, 0, "{s:?}");
        for v in 0..7 {
            assert_eq!(queue.pop(), Some(v));
        }
        assert_eq!(queue.pop(), None);
        let s = queue.stats_guarded(&queue.domain().pin());
        assert_eq!((s.pops, s.empty_pops), (7, 1), "{s:?}");
        let bounded = LockFreeQueue::<u64, R>::bounded(2);
        for v in 0..3 {
            let _ = bounded.push(v);
        }
        let s = bounded.stats();
        assert_eq!((s.pushes, s.full_rejections), (2, 1), "{s:?}");
        assert_eq!((s.ring_allocations, s.ring_finalizations), (0, 0), "{s:?}");
    }

    /// Under contention with tiny segments: the counters grow with the turnover, and at
    /// quiescence every appended segment's predecessor was finalized exactly once.
    fn turnover<R: Reclaim>() {
        let _serial = serial();
        let per_thread = scaled(5_000, 6) as u64;
        let queue = LockFreeQueue::<u64, R>::unbounded_with_segment_capacity(1);
        thread::scope(|s| {
            for t in 0..4 {
                let queue = &queue;
                s.spawn(move || {
                    for i in 0..per_thread {
                        queue.push(t * per_thread + i).unwrap();
                        if i % 2 == 1 {
                            let _ = queue.pop();
                        }
                    }
                });
            }
        });
        let s = queue.stats();
        assert_eq!(s.pushes, 4 * per_thread, "{s:?}");
        assert!(
            s.ring_allocations >= 4 * per_thread / 4,
            "too few segments: {s:?}"
        );
        assert_eq!(s.ring_allocations, s.ring_finalizations, "{s:?}");
        let left = (0..=s.pushes).map_while(|_| queue.pop()).count() as u64;
        assert_eq!(s.pushes - s.pops, left, "{s:?}");
    }

    for_each_scheme!(
        stats_count_segments_of_a_script => script,
        stats_count_segment_turnover_under_threads => turnover,
    );
}
