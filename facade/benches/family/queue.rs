//! Queues against their peers: group `queue`, workloads `pairs` and `prodcons` (DESIGN.md §4).
//! The ceiling is `queue/faa-ceiling/*` in [`ceilings`](super::ceilings): one `fetch_add` per
//! enqueue and per dequeue on two shared counters, no data moved.
//!
//! Both workloads are measured as `reference/PEERS.md` measured its peers, so its numbers can be
//! read next to ours:
//!
//! - `pairs`: every thread enqueues a value, then dequeues one, repeated; the queue starts
//!   empty and every enqueue and dequeue attempt counts as one operation. A thread's dequeue
//!   always follows its own enqueue, so a linearizable queue is never empty to it and never
//!   holds more than one value per thread: a failed enqueue or an empty dequeue is a bug, and
//!   the worker panics on one after its timed loop.
//! - `prodcons`: even thread indices only enqueue, odd ones only dequeue; only *successful*
//!   operations count (an enqueue on a full bounded queue and a dequeue on an empty one count
//!   0). Producers pause while the backlog (values enqueued and not yet dequeued) exceeds
//!   [`BACKLOG_LIMIT`], the bounded queues' capacity, so the unbounded queues cannot win by
//!   growing without limit. At 1 thread there is nobody to split the work with, and the point
//!   runs the `pairs` loop (PEERS.md: "1 thread is the pairwise row").
//!
//! The backlog is tracked without a shared counter per operation, which would add a contended
//! cache line to every queue's cost: each thread adds its successful operations to one of two
//! shared totals every [`FLUSH`] operations, and a producer reads both totals after each of its
//! flushes (and, while paused, before each retry). The limit is therefore approximate, by at most
//! `FLUSH` operations per thread. A paused producer yields its core, which matters when threads
//! outnumber cores.
//!
//! Every value carries the index of the thread that enqueued it and that thread's sequence
//! number. Each dequeuing thread checks that the values it receives from any one producer come
//! in increasing order, which FIFO order and linearizability guarantee; a violation (or a value
//! no thread enqueued) panics after the timed loop. Every implementation pays for this check.
//!
//! Implementations (DESIGN.md §4 names), all moving `u64` values:
//!
//! - ours: `ccol-scq-bounded` (`LockFreeQueue::bounded(65536)`, a fresh queue per repetition),
//!   `ccol-lscq-ibr` and `ccol-lscq-debra` (`LockFreeQueue::unbounded()`: LSCQ, segments
//!   retired through the queue's own IBR or DEBRA domain; the std `push`/`pop`, pinned per
//!   operation), and `ccol-staticqueue` (`StaticQueue<u64, 65536>`, about 2.5 MB, so one
//!   `static` instance drained empty before every repetition);
//! - peers, as in PEERS.md: `crossbeam-arrayqueue` (`ArrayQueue`, capacity 65536),
//!   `crossbeam-segqueue` (`SegQueue`), `concurrent-queue-bounded` (`ConcurrentQueue::bounded`,
//!   65536), `concurrent-queue-unbounded` (`ConcurrentQueue::unbounded`) and `mutex-vecdeque`
//!   (`std::sync::Mutex<VecDeque<u64>>`).
//!
//! Each implementation is one type implementing [`BenchQueue`]; the drivers ([`pairs_loop`],
//! [`produce`], [`consume`]) are shared, so every implementation does the same work around its
//! enqueue and dequeue.

use alloc::collections::VecDeque;
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use ccol_arch::CachePadded;

use crate::registry::{Bench, Ctx, Measured, Registry, Role};

/// Capacity of every bounded queue, and the `prodcons` backlog producers stay under.
const CAPACITY: usize = 65536;

/// Producers pause while more than this many values are enqueued and not yet dequeued.
const BACKLOG_LIMIT: u64 = CAPACITY as u64;

/// Successful operations a thread counts locally before adding them to the shared totals.
const FLUSH: u64 = 256;

/// Bit position of the enqueuing thread's index in a value; the low bits are its sequence.
const PRODUCER_SHIFT: u32 = 40;

/// Registers `pairs` and `prodcons` for ours and the peers (the ceiling registers itself).
pub(crate) fn register(reg: &mut Registry) {
    for workload in [Workload::Pairs, Workload::ProdCons] {
        #[cfg(any(feature = "ibr", feature = "debra"))]
        reg.add(
            bench::<ours::Bounded>("ccol-scq-bounded", Role::Ours, workload).note(format!(
                "LockFreeQueue::bounded({CAPACITY}): SCQD rings, allocated once, never pins"
            )),
        );
        #[cfg(feature = "ibr")]
        reg.add(
            bench::<ours::Unbounded<ccol::reclaim::Ibr>>("ccol-lscq-ibr", Role::Ours, workload)
                .note("LockFreeQueue::unbounded(): LSCQ segments retired through IBR"),
        );
        #[cfg(feature = "debra")]
        reg.add(
            bench::<ours::Unbounded<ccol::reclaim::Debra>>("ccol-lscq-debra", Role::Ours, workload)
                .note("LockFreeQueue::unbounded(): LSCQ segments retired through DEBRA"),
        );
        reg.add(
            bench::<ours::StaticRing>("ccol-staticqueue", Role::Ours, workload).note(format!(
                "StaticQueue<u64, {CAPACITY}>: one static, drained before every repetition"
            )),
        );
        #[cfg(not(any(feature = "ibr", feature = "debra")))]
        missing(reg, "ccol-scq-bounded", workload, "ibr` or `debra");
        #[cfg(not(feature = "ibr"))]
        missing(reg, "ccol-lscq-ibr", workload, "ibr");
        #[cfg(not(feature = "debra"))]
        missing(reg, "ccol-lscq-debra", workload, "debra");
        reg.add(
            bench::<MutexVecDeque>("mutex-vecdeque", Role::Peer, workload)
                .note("lock-based (std futex mutex)"),
        );
        reg.add(bench::<CrossbeamArray>(
            "crossbeam-arrayqueue",
            Role::Peer,
            workload,
        ));
        reg.add(bench::<CrossbeamSeg>(
            "crossbeam-segqueue",
            Role::Peer,
            workload,
        ));
        reg.add(bench::<ConcurrentBounded>(
            "concurrent-queue-bounded",
            Role::Peer,
            workload,
        ));
        reg.add(bench::<ConcurrentUnbounded>(
            "concurrent-queue-unbounded",
            Role::Peer,
            workload,
        ));
    }
}

/// A row ours would add, listed as n/a because the facade's `feature` is off (its
/// implementation comes from a peer only because a row needs one; it is never run).
#[cfg(not(all(feature = "ibr", feature = "debra")))]
fn missing(reg: &mut Registry, name: &'static str, workload: Workload, feature: &str) {
    reg.add(
        bench::<MutexVecDeque>(name, Role::Ours, workload)
            .unavailable(format!("built without the facade's `{feature}` feature")),
    );
}

/// The two queue workloads (module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Workload {
    Pairs,
    ProdCons,
}

/// One queue implementation: a queue built fresh per repetition, and its two operations.
trait BenchQueue: Send + Sync + 'static {
    fn new() -> Self;
    /// Enqueues `value`; `false` when a bounded queue is full.
    fn push(&self, value: u64) -> bool;
    fn pop(&self) -> Option<u64>;
}

fn bench<Q: BenchQueue>(name: &'static str, role: Role, workload: Workload) -> Bench {
    match workload {
        Workload::Pairs => Bench::new("queue", name, "pairs", role, |_threads| {
            let queue = Arc::new(Q::new());
            move |ctx: &Ctx<'_>| pairs_loop(ctx, &*queue)
        }),
        Workload::ProdCons => Bench::new("queue", name, "prodcons", role, |_threads| {
            let queue = Arc::new(Q::new());
            let backlog = Arc::new(Backlog::default());
            move |ctx: &Ctx<'_>| {
                if ctx.threads == 1 {
                    pairs_loop(ctx, &*queue)
                } else if ctx.index % 2 == 0 {
                    produce(ctx, &*queue, &backlog)
                } else {
                    consume(ctx, &*queue, &backlog)
                }
            }
        }),
    }
}

/// The values one thread enqueues: its index in the high bits, a sequence number from 1.
struct Values {
    next: u64,
}

impl Values {
    fn new(ctx: &Ctx<'_>) -> Self {
        Values {
            next: ((ctx.index as u64) << PRODUCER_SHIFT) + 1,
        }
    }

    /// The value to enqueue now; [`advance`](Self::advance) once it is in the queue.
    #[inline(always)]
    fn current(&self) -> u64 {
        self.next
    }

    #[inline(always)]
    fn advance(&mut self) {
        self.next += 1;
    }
}

/// A dequeuing thread's check that each producer's values arrive in order (module docs).
struct OrderCheck {
    /// The last sequence number seen from each thread (0: none yet).
    last: Vec<u64>,
    violations: u64,
}

impl OrderCheck {
    fn new(ctx: &Ctx<'_>) -> Self {
        OrderCheck {
            last: vec![0; ctx.threads],
            violations: 0,
        }
    }

    #[inline(always)]
    fn see(&mut self, value: u64) {
        let sequence = value & ((1 << PRODUCER_SHIFT) - 1);
        // Precision: the index part of a value is a thread index, far below `usize::MAX`.
        match self.last.get_mut((value >> PRODUCER_SHIFT) as usize) {
            Some(last) if sequence > *last => *last = sequence,
            _ => self.violations += 1,
        }
    }

    fn assert_clean(&self, name: &str) {
        assert_eq!(
            self.violations, 0,
            "{name}: dequeued values out of FIFO order, or values no thread enqueued"
        );
    }
}

/// The `pairs` loop: enqueue this thread's next value, dequeue one; 2 operations per pair.
#[inline(never)]
fn pairs_loop(ctx: &Ctx<'_>, queue: &impl BenchQueue) -> Measured {
    let mut values = Values::new(ctx);
    let mut order = OrderCheck::new(ctx);
    let (mut full, mut empty) = (0_u64, 0_u64);
    let measured = ctx.measure(|| {
        if queue.push(values.current()) {
            values.advance();
        } else {
            full += 1;
        }
        match queue.pop() {
            Some(value) => order.see(value),
            None => empty += 1,
        }
        2
    });
    assert_eq!(full, 0, "pairs: an enqueue found the queue full");
    assert_eq!(
        empty, 0,
        "pairs: a dequeue found the queue empty after an enqueue"
    );
    order.assert_clean("pairs");
    measured
}

/// The shared totals producers read the backlog from (module docs). Each on its own cache
/// line, so producers flushing do not disturb consumers flushing.
#[derive(Debug, Default)]
struct Backlog {
    pushed: CachePadded<AtomicU64>,
    popped: CachePadded<AtomicU64>,
}

impl Backlog {
    /// Whether the backlog, as far as the flushed totals tell, exceeds the limit.
    fn over_limit(&self) -> bool {
        // Relaxed (both): the totals only throttle producers; they publish no data, and a stale
        // total only moves the pause by a few flushes.
        let popped = self.popped.load(Ordering::Relaxed);
        let pushed = self.pushed.load(Ordering::Relaxed);
        // Consumers may have flushed pops whose pushes are not flushed yet: saturate at 0.
        pushed.saturating_sub(popped) > BACKLOG_LIMIT
    }
}

/// A `prodcons` producer: enqueue, counting successes; pause while the backlog is over the
/// limit.
#[inline(never)]
fn produce(ctx: &Ctx<'_>, queue: &impl BenchQueue, backlog: &Backlog) -> Measured {
    let mut values = Values::new(ctx);
    let mut unflushed = 0;
    let mut paused = false;
    ctx.measure(|| {
        if paused {
            std::thread::yield_now();
            paused = backlog.over_limit();
            return 0;
        }
        if !queue.push(values.current()) {
            return 0;
        }
        values.advance();
        unflushed += 1;
        if unflushed == FLUSH {
            // Relaxed: a throttle total, see `Backlog::over_limit`.
            backlog.pushed.fetch_add(FLUSH, Ordering::Relaxed);
            unflushed = 0;
            paused = backlog.over_limit();
        }
        1
    })
}

/// A `prodcons` consumer: dequeue, counting successes and checking the order of the values.
#[inline(never)]
fn consume(ctx: &Ctx<'_>, queue: &impl BenchQueue, backlog: &Backlog) -> Measured {
    let mut order = OrderCheck::new(ctx);
    let mut unflushed = 0;
    let measured = ctx.measure(|| {
        let Some(value) = queue.pop() else {
            return 0;
        };
        order.see(value);
        unflushed += 1;
        if unflushed == FLUSH {
            // Relaxed: a throttle total, see `Backlog::over_limit`.
            backlog.popped.fetch_add(FLUSH, Ordering::Relaxed);
            unflushed = 0;
        }
        1
    });
    order.assert_clean("prodcons");
    measured
}

struct MutexVecDeque(Mutex<VecDeque<u64>>);

impl BenchQueue for MutexVecDeque {
    fn new() -> Self {
        MutexVecDeque(Mutex::new(VecDeque::new()))
    }

    fn push(&self, value: u64) -> bool {
        self.0.lock().expect("no holder panics").push_back(value);
        true
    }

    fn pop(&self) -> Option<u64> {
        self.0.lock().expect("no holder panics").pop_front()
    }
}

struct CrossbeamArray(crossbeam_queue::ArrayQueue<u64>);

impl BenchQueue for CrossbeamArray {
    fn new() -> Self {
        CrossbeamArray(crossbeam_queue::ArrayQueue::new(CAPACITY))
    }

    fn push(&self, value: u64) -> bool {
        self.0.push(value).is_ok()
    }

    fn pop(&self) -> Option<u64> {
        self.0.pop()
    }
}

struct CrossbeamSeg(crossbeam_queue::SegQueue<u64>);

impl BenchQueue for CrossbeamSeg {
    fn new() -> Self {
        CrossbeamSeg(crossbeam_queue::SegQueue::new())
    }

    fn push(&self, value: u64) -> bool {
        self.0.push(value);
        true
    }

    fn pop(&self) -> Option<u64> {
        self.0.pop()
    }
}

struct ConcurrentBounded(concurrent_queue::ConcurrentQueue<u64>);

impl BenchQueue for ConcurrentBounded {
    fn new() -> Self {
        ConcurrentBounded(concurrent_queue::ConcurrentQueue::bounded(CAPACITY))
    }

    fn push(&self, value: u64) -> bool {
        self.0.push(value).is_ok()
    }

    fn pop(&self) -> Option<u64> {
        self.0.pop().ok()
    }
}

struct ConcurrentUnbounded(concurrent_queue::ConcurrentQueue<u64>);

impl BenchQueue for ConcurrentUnbounded {
    fn new() -> Self {
        ConcurrentUnbounded(concurrent_queue::ConcurrentQueue::unbounded())
    }

    fn push(&self, value: u64) -> bool {
        self.0.push(value).is_ok()
    }

    fn pop(&self) -> Option<u64> {
        self.0.pop().ok()
    }
}

/// Our queues, from `ccol-queues` through the facade (SCQ rings and LSCQ, Nikolaev, DISC 2019).
mod ours {
    #[cfg(any(feature = "ibr", feature = "debra"))]
    use ccol::queues::LockFreeQueue;
    use ccol::queues::StaticQueue;
    #[cfg(any(feature = "ibr", feature = "debra"))]
    use ccol::reclaim::Reclaim;

    use super::{BenchQueue, CAPACITY};

    /// `LockFreeQueue::bounded(CAPACITY)`, fresh per repetition. The scheme is the facade's
    /// default; the bounded form never uses it.
    #[cfg(any(feature = "ibr", feature = "debra"))]
    pub(super) struct Bounded(ccol::LockFreeQueue<u64>);

    #[cfg(any(feature = "ibr", feature = "debra"))]
    impl BenchQueue for Bounded {
        fn new() -> Self {
            Bounded(LockFreeQueue::bounded(CAPACITY))
        }

        fn push(&self, value: u64) -> bool {
            self.0.push(value).is_ok()
        }

        fn pop(&self) -> Option<u64> {
            self.0.pop()
        }
    }

    /// `LockFreeQueue::unbounded()` (LSCQ, default segment capacity) with its own domain of
    /// scheme `R`, fresh per repetition; std `push`/`pop` (a thread-local participant pinned
    /// per operation).
    #[cfg(any(feature = "ibr", feature = "debra"))]
    pub(super) struct Unbounded<R: Reclaim>(LockFreeQueue<u64, R>);

    #[cfg(any(feature = "ibr", feature = "debra"))]
    impl<R: Reclaim> BenchQueue for Unbounded<R> {
        fn new() -> Self {
            Unbounded(LockFreeQueue::unbounded())
        }

        fn push(&self, value: u64) -> bool {
            self.0.push(value).is_ok()
        }

        fn pop(&self) -> Option<u64> {
            self.0.pop()
        }
    }

    /// The one `StaticQueue<u64, CAPACITY>` of the process (about 2.5 MB: a `static` rather
    /// than a per-repetition value, which could pass through the stack), drained empty by
    /// [`BenchQueue::new`] so every repetition starts from an empty queue, as the others do.
    pub(super) struct StaticRing(&'static StaticQueue<u64, CAPACITY>);

    static RING: StaticQueue<u64, CAPACITY> = StaticQueue::new();

    impl BenchQueue for StaticRing {
        fn new() -> Self {
            // Setup is untimed, and runs after the previous repetition's threads have joined.
            while RING.pop().is_some() {}
            StaticRing(&RING)
        }

        fn push(&self, value: u64) -> bool {
            self.0.push(value).is_ok()
        }

        fn pop(&self) -> Option<u64> {
            self.0.pop()
        }
    }
}
