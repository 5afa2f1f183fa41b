#![cfg(ccol_loom)]
//! loom models of both queues on the tiniest rings: `StaticQueue<_, 1>` and `<_, 2>` (2 and
//! 4 slots per ring) and `BoundedQueue::new(1..=3)` (3 is not a power of two: 4 cells'
//! worth of ring for 3 values). Each model races two threads on a push and a pop at one of the
//! queue's edges: a push racing a pop (FIFO through both rings), a pop racing a push on an
//! empty queue (the empty path: the dequeuer's wait for an enqueuer in flight, its
//! invalidation of the slot, and the catch-up), a push racing a pop on a full queue (the full
//! path: the free ring empty, the cell handed back and reused), two pops of two values, and
//! a push racing pops after the threshold of the queue ring has run out (it must be reset by
//! the push so that the value is found); then the unbounded queue's segment hand-over.
//! `tests/loom_close.rs` covers `close` and the blocking forms; the shared scaffolding is in
//! `tests/loom_support`.
//!
//! `cargo xtask loom ccol-queues`, that is
//! `RUSTFLAGS="--cfg ccol_loom" LOOM_MAX_PREEMPTIONS=2 cargo test --release -p ccol-queues
//! --features loom --test loom --test loom_close --target-dir target/loom`.
//!
//! # How a bug shows
//!
//! - **Publication.** A value is a [`Payload`]: an id in loom's `UnsafeCell`, written by the
//!   pushing thread and read by the popping one, and it travels in the queue's data cell
//!   (also a loom `UnsafeCell`). A pop that does not synchronize with the push that filled the
//!   cell, or a push that reuses a cell before the pop that emptied it is done with it, fails
//!   the model as a causality violation.
//! - **Ownership.** Every value popped and every value drained after the joins is checked
//!   against what was pushed: each exactly once, in FIFO order where an order is defined. A
//!   payload holds a loom `Arc` to the model's drop counter, so a leaked payload fails as
//!   "Arc leaked", one dropped twice fails its destructor's assertion, and the drop count must
//!   equal the payloads created once the queue is dropped.
//!
//! # The gate
//!
//! Every thread crosses a [`Gate`] (one read-modify-write) before its first queue operation,
//! as in ccol-stack's `tests/loom.rs`: loom 0.7.3 (tokio-rs/loom#392) never schedules a
//! spawned thread whose first operation is a load ahead of the main thread, and every push
//! and pop starts with a load (the ring's threshold), so without the gate most interleavings
//! of these models would go unexplored.
//!
//! # What these models cannot show
//!
//! Two threads, one or two operations each, at most `LOOM_MAX_PREEMPTIONS` preemptions, and
//! loom's memory model (no load buffering; `SeqCst` accesses treated as acquire/release,
//! tokio-rs/loom#180, so the queues add loom-only `SeqCst` fences where their arguments rest
//! on `SeqCst` accesses). Long position runs
//! (counters wrapping, the threshold's `3n - 1` bound under many dequeuers) are left to the
//! stress and conformance tests and to Miri.

use ccol_atomics::sync::{
    Arc,
    atomic::{AtomicUsize, Ordering},
    cell::UnsafeCell,
};
use ccol_queues::{BoundedQueue, PushError, StaticQueue};
use ccol_reclaim::{Debra, Ibr, Reclaim};

mod loom_support;

use loom_support::{Gate, Lscq, Payload, lscq_models, models};

/// Both queue types behind one interface, so each model runs on every tiny ring.
trait Queue: Send + Sync {
    fn push(&self, value: Payload) -> Result<(), PushError<Payload>>;
    fn pop(&self) -> Option<Payload>;
    fn capacity(&self) -> usize;
    fn len(&self) -> usize;
    fn spend_threshold(&self);
}

impl<const N: usize> Queue for StaticQueue<Payload, N> {
    fn push(&self, value: Payload) -> Result<(), PushError<Payload>> {
        Self::push(self, value)
    }
    fn pop(&self) -> Option<Payload> {
        Self::pop(self)
    }
    fn capacity(&self) -> usize {
        Self::capacity(self)
    }
    fn len(&self) -> usize {
        Self::len(self)
    }
    fn spend_threshold(&self) {
        Self::spend_threshold_for_models(self);
    }
}

impl Queue for BoundedQueue<Payload> {
    fn push(&self, value: Payload) -> Result<(), PushError<Payload>> {
        Self::push(self, value)
    }
    fn pop(&self) -> Option<Payload> {
        Self::pop(self)
    }
    fn capacity(&self) -> usize {
        Self::capacity(self)
    }
    fn len(&self) -> usize {
        Self::len(self)
    }
    fn spend_threshold(&self) {
        Self::spend_threshold_for_models(self);
    }
}

/// Which queue a model runs on.
#[derive(Clone, Copy, Debug)]
enum Kind {
    Static1,
    Static2,
    Bounded(usize),
}

/// A model's queue, drop counter and gate, shared by its threads.
struct World {
    queue: Arc<Box<dyn Queue>>,
    drops: Arc<AtomicUsize>,
    gate: Arc<Gate>,
    /// Payloads created so far (by every thread; known after the joins).
    created: usize,
}

impl World {
    /// A queue of `kind` holding `initial` (front first), pushed before any thread starts.
    fn new(kind: Kind, initial: &[u64]) -> Self {
        let queue: Box<dyn Queue> = match kind {
            Kind::Static1 => Box::new(StaticQueue::<Payload, 1>::new()),
            Kind::Static2 => Box::new(StaticQueue::<Payload, 2>::new()),
            Kind::Bounded(capacity) => Box::new(BoundedQueue::<Payload>::new(capacity)),
        };
        let mut world = Self {
            queue: Arc::new(queue),
            drops: Arc::new(AtomicUsize::new(0)),
            gate: Arc::new(Gate(AtomicUsize::new(0))),
            created: 0,
        };
        for &id in initial {
            let value = world.payload(id);
            assert!(
                world.queue.push(value).is_ok(),
                "room for the initial values"
            );
        }
        world
    }

    /// A push and a pop of payload 0 before the threads start: the queue ring is empty again
    /// but its threshold is reset (`3 * half - 1`), so a pop goes through the ring (a fresh
    /// queue's pops return at the threshold check) and meets an enqueuer on the way.
    fn warm(mut self) -> Self {
        let value = self.payload(0);
        assert!(self.queue.push(value).is_ok());
        assert_eq!(self.queue.pop().map(|p| p.id()), Some(0));
        self
    }

    /// A new payload `id` counted by this world's drops (count it in `created` yourself if
    /// another thread makes it: see [`Self::spawn`]).
    fn payload(&mut self, id: u64) -> Payload {
        self.created += 1;
        Payload {
            id: UnsafeCell::new(id),
            drops: Arc::clone(&self.drops),
        }
    }

    /// Spawns a thread that crosses the gate, then runs `f` with the queue and a payload
    /// maker (which does not count: add the thread's payloads to `created` after the join).
    fn spawn<R: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn Queue, &dyn Fn(u64) -> Payload) -> R + Send + 'static,
    ) -> loom::thread::JoinHandle<R> {
        let (queue, drops, gate) = (
            Arc::clone(&self.queue),
            Arc::clone(&self.drops),
            Arc::clone(&self.gate),
        );
        loom::thread::spawn(move || {
            let make = move |id| Payload {
                id: UnsafeCell::new(id),
                drops: Arc::clone(&drops),
            };
            gate.cross();
            f(&**queue, &make)
        })
    }

    /// After the joins: pops everything left (front first).
    fn drain(&self) -> Vec<u64> {
        core::iter::from_fn(|| self.queue.pop().map(|p| p.id())).collect()
    }

    /// After the joins: drops the queue (and what is left in it) and checks that each payload
    /// was dropped exactly once.
    fn finish(self) {
        let Self {
            queue,
            drops,
            created,
            ..
        } = self;
        drop(queue);
        // Relaxed: every thread that dropped payloads is joined.
        assert_eq!(drops.load(Ordering::Relaxed), created, "payloads leaked");
    }
}

/// Ids of popped payloads (`None` for an empty pop).
fn ids(popped: Vec<Option<Payload>>) -> Vec<Option<u64>> {
    popped.into_iter().map(|p| p.map(|p| p.id())).collect()
}

/// Model: a thread pushes 10 then 11 (the second may be refused by a queue of capacity 1,
/// and comes back whole) while the main thread pops twice. The values popped, then those
/// drained after the join, must be exactly the ones pushed, in push order.
fn push_pop_race(kind: Kind) {
    let mut world = World::new(kind, &[]);
    let pusher = world.spawn(|queue, make| {
        let mut pushed = Vec::new();
        for id in [10, 11] {
            match queue.push(make(id)) {
                Ok(()) => pushed.push(id),
                Err(err) => {
                    assert!(queue.capacity() < 2, "two values fit a queue of two");
                    assert_eq!(
                        err.into_inner().id(),
                        id,
                        "a refused push hands back its value"
                    );
                }
            }
        }
        pushed
    });
    world.gate.cross();
    let popped = ids(vec![world.queue.pop(), world.queue.pop()]);
    let pushed = pusher.join().unwrap();
    world.created += 2;
    assert_eq!(pushed[0], 10, "the first push finds an empty queue");
    let mut seen: Vec<u64> = popped.iter().flatten().copied().collect();
    seen.extend(world.drain());
    assert_eq!(seen, pushed, "popped {popped:?}");
    world.finish();
}

/// Model: on an empty queue that has been used (so the pop goes through the ring: see
/// [`World::warm`]), a pop races a push of 10: the pop returns `None` and 10 is left, or it
/// returns 10 and the queue ends empty. Never lost, never twice. The pop may find the slot of
/// its position empty while the push has claimed it (wait, then invalidate the slot and
/// catch the tail up: the push must retry at a later position the next pop reaches).
fn empty_pop_races_push(kind: Kind) {
    let mut world = World::new(kind, &[]).warm();
    let pusher = world.spawn(|queue, make| queue.push(make(10)).is_ok());
    world.gate.cross();
    let popped = world.queue.pop().map(|p| p.id());
    assert!(pusher.join().unwrap(), "a push to an empty queue succeeds");
    world.created += 1;
    let left = world.drain();
    match popped {
        None => assert_eq!(left, [10]),
        Some(id) => {
            assert_eq!(id, 10);
            assert!(left.is_empty(), "10 popped and left: {left:?}");
        }
    }
    world.finish();
}

/// Model: the look before claiming. A thread pushes 10 while the main thread pushes 11 and
/// then pops. The pop follows a push that completed (in its own thread), and nobody else
/// pops, so it must return a value, even when the other push has claimed the earlier
/// position and not written it yet: then the head's slot is empty but `tail` is past it, and
/// the pop must claim on (wait for that push, or invalidate its slot so it retries later)
/// rather than answer empty. Popped and drained, 10 and 11 each come out once.
fn pop_after_own_push_races_earlier_push(kind: Kind) {
    let mut world = World::new(kind, &[]).warm();
    let pusher = world.spawn(|queue, make| queue.push(make(10)).is_ok());
    world.gate.cross();
    let value = world.payload(11);
    assert!(world.queue.push(value).is_ok(), "two values fit");
    let popped = world.queue.pop().map(|p| p.id());
    assert!(pusher.join().unwrap(), "two values fit");
    world.created += 1;
    let Some(first) = popped else {
        panic!("a pop after this thread's own push answered empty");
    };
    let mut seen = vec![first];
    seen.extend(world.drain());
    seen.sort_unstable();
    assert_eq!(seen, [10, 11]);
    world.finish();
}

/// Model: on a full queue (1, or 1 and 2), a push of 10 races a pop. The pop gets 1. The
/// push is refused (the queue was full, or the pop had not given its cell back yet: the
/// documented window) and hands 10 back, or it succeeds in the cell the pop emptied, which
/// the free ring's hand-over must order after the pop's read.
fn full_push_races_pop(kind: Kind) {
    let initial: Vec<u64> = match kind {
        Kind::Static1 | Kind::Bounded(1) => vec![1],
        Kind::Static2 | Kind::Bounded(_) => vec![1, 2],
    };
    let mut world = World::new(kind, &initial);
    assert_eq!(
        world.queue.capacity(),
        initial.len(),
        "the queue starts full"
    );
    let pusher = world.spawn(|queue, make| match queue.push(make(10)) {
        Ok(()) => true,
        Err(err) => {
            assert!(err.is_full());
            assert_eq!(
                err.into_inner().id(),
                10,
                "a refused push hands back its value"
            );
            false
        }
    });
    world.gate.cross();
    let popped = world.queue.pop().map(|p| p.id());
    let pushed = pusher.join().unwrap();
    world.created += 1;
    assert_eq!(popped, Some(1), "the pop of a full queue gets its front");
    let mut want = initial[1..].to_vec();
    if pushed {
        want.push(10);
    }
    assert_eq!(world.drain(), want);
    world.finish();
}

/// Model: two threads pop a queue holding 1 and 2: each gets one, different, value, and the
/// queue ends empty.
fn two_pops_race(kind: Kind) {
    let world = World::new(kind, &[1, 2]);
    let other = world.spawn(|queue, _| queue.pop().map(|p| p.id()));
    world.gate.cross();
    let mine = world.queue.pop().map(|p| p.id());
    let theirs = other.join().unwrap();
    let mut got = [mine, theirs];
    got.sort_unstable();
    assert_eq!(got, [Some(1), Some(2)]);
    assert!(world.drain().is_empty());
    world.finish();
}

/// Model: the threshold. Before the threads start, the queue ring's threshold is spent (set
/// to -1 through a loom-only hook: pops of an empty queue look before claiming, so only
/// dequeuers racing enqueuers in flight spend it, a state one thread cannot build), after
/// which a pop returns empty without looking at the ring. A push of 10 then races two pops:
/// the push must bring the threshold back, so that 10 is popped by one of them or by the
/// drain after the join, exactly once.
///
/// The threshold is spent exactly, not left at 0: with one failing pop left, the pop's
/// decrement races the push's reset (a plain store), and loom 0.7.3 does not keep a
/// read-modify-write atomic against a concurrent store (tokio-rs/loom#254, fix proposed in
/// #391): it lets the decrement read the value from before the store and still come after it,
/// so the reset is lost and the value looks stranded, an outcome C11 forbids (RMW atomicity:
/// the decrement reads the last value before its own write, and the join orders the store
/// before the drain). A ten-line loom model of only that pattern (load, store 2 ‖
/// `fetch_sub(1)` from 0, then join and load) ends at -1 the same way, so the failure is
/// loom's; real threads race the reset in the stress tests.
fn threshold_spent_push_races_pops(kind: Kind) {
    let mut world = World::new(kind, &[]).warm();
    world.queue.spend_threshold();
    let pusher = world.spawn(|queue, make| queue.push(make(10)).is_ok());
    world.gate.cross();
    let popped = ids(vec![world.queue.pop(), world.queue.pop()]);
    assert!(pusher.join().unwrap(), "a push to an empty queue succeeds");
    world.created += 1;
    let mut seen: Vec<u64> = popped.iter().flatten().copied().collect();
    let len = world.queue.len();
    seen.extend(world.drain());
    assert_eq!(
        seen,
        [10],
        "popped {popped:?}, then drained with {len} in the queue"
    );
    world.finish();
}

// ---------------------------------------------------------------------------------------------
// The unbounded `LockFreeQueue` (LSCQ), segments of one value: every second push closes a
// segment and links a new one. Each thread registers a handle (thread-local participants of
// two threads registering at once deadlock the model: ccol-reclaim's `tests/loom.rs`), and
// ccol-reclaim's thresholds are 2 under loom, so retired segments are really freed inside
// the models (loom's leak check then covers the segments and what they hold).

/// Model (a), segment hand-over: a thread pushes 10 then 11 (the second finds the segment
/// full: it finalizes it and links a new one) while the main thread pops twice (its pops may
/// find the first segment drained and move the head on, retiring it). Popped and drained,
/// the values are 10 then 11, each once.
fn lscq_handover<R: Reclaim>() {
    let world = Lscq::<R>::new(&[], 0);
    let pusher = world.spawn(&[10, 11], 0);
    let popped = world.run(&[], 2);
    pusher.join().unwrap();
    world.finish(&popped, &[&[10, 11]], 2);
}

/// Model (b), two pushers append onto a full segment: the queue holds 1 (its segment is
/// full); a thread pushes 10 while the main thread pushes 11. Both close the segment and try
/// to link their own new one: the CAS loser takes its value back out of its unpublished
/// segment and retries behind the winner's. Drained: 1, then 10 and 11 in either order.
fn lscq_two_appenders<R: Reclaim>() {
    let world = Lscq::<R>::new(&[1], 0);
    let other = world.spawn(&[10], 0);
    world.run(&[11], 0);
    other.join().unwrap();
    world.finish(&[], &[&[1, 10, 11], &[1, 11, 10]], 3);
}

/// Model (c), a pop across a finalized segment: 1 and 2 were pushed (1's segment is closed,
/// 2 is in the next) and 1 popped, so the head still rests on the closed, drained segment.
/// The main thread pops twice (leaving that segment: reset the threshold, try once more,
/// move the head, retire it) while a thread pushes 10 (onto 2's segment, which it may find
/// full and close in turn). The first pop gets 2; 10 is popped or drained, once.
fn lscq_pop_across_finalized<R: Reclaim>() {
    let world = Lscq::<R>::new(&[1, 2], 1);
    let pusher = world.spawn(&[10], 0);
    let popped = world.run(&[], 2);
    pusher.join().unwrap();
    assert_eq!(popped[0], Some(2), "the front was 2");
    world.finish(&popped, &[&[2, 10]], 3);
}

models! {
    static_1_push_pop_race => push_pop_race(Kind::Static1);
    static_2_push_pop_race => push_pop_race(Kind::Static2);
    bounded_1_push_pop_race => push_pop_race(Kind::Bounded(1));
    bounded_3_push_pop_race => push_pop_race(Kind::Bounded(3));
    static_1_empty_pop_races_push => empty_pop_races_push(Kind::Static1);
    static_2_empty_pop_races_push => empty_pop_races_push(Kind::Static2);
    bounded_1_empty_pop_races_push => empty_pop_races_push(Kind::Bounded(1));
    bounded_3_empty_pop_races_push => empty_pop_races_push(Kind::Bounded(3));
    static_2_pop_after_own_push_races_earlier_push =>
        pop_after_own_push_races_earlier_push(Kind::Static2);
    bounded_2_pop_after_own_push_races_earlier_push =>
        pop_after_own_push_races_earlier_push(Kind::Bounded(2));
    bounded_3_pop_after_own_push_races_earlier_push =>
        pop_after_own_push_races_earlier_push(Kind::Bounded(3));
    static_1_full_push_races_pop => full_push_races_pop(Kind::Static1);
    static_2_full_push_races_pop => full_push_races_pop(Kind::Static2);
    bounded_1_full_push_races_pop => full_push_races_pop(Kind::Bounded(1));
    bounded_2_full_push_races_pop => full_push_races_pop(Kind::Bounded(2));
    static_2_two_pops_race => two_pops_race(Kind::Static2);
    bounded_3_two_pops_race => two_pops_race(Kind::Bounded(3));
    static_1_threshold_spent_push_races_pops => threshold_spent_push_races_pops(Kind::Static1);
    static_2_threshold_spent_push_races_pops => threshold_spent_push_races_pops(Kind::Static2);
    bounded_3_threshold_spent_push_races_pops =>
        threshold_spent_push_races_pops(Kind::Bounded(3));
}

lscq_models! {
    ibr_lscq_segment_handover => lscq_handover::<Ibr>();
    debra_lscq_segment_handover => lscq_handover::<Debra>();
    ibr_lscq_two_pushers_append_a_segment => lscq_two_appenders::<Ibr>();
    debra_lscq_two_pushers_append_a_segment => lscq_two_appenders::<Debra>();
    ibr_lscq_pop_across_a_finalized_segment => lscq_pop_across_finalized::<Ibr>();
    debra_lscq_pop_across_a_finalized_segment => lscq_pop_across_finalized::<Debra>();
}
