#![cfg(ccol_loom)]
//! loom models of both queues on the tiniest rings: `StaticQueue<_, 1>` and `<_, 2>` (2 and
//! 4 slots per ring) and `BoundedQueue::new(1..=3)` (3 is not a power of two: 4 cells'
//! worth of ring for 3 values). Each model races two threads on a push and a pop at one of the
//! queue's edges: a push racing a pop (FIFO through both rings), a pop racing a push on an
//! empty queue (the empty path: the dequeuer's wait for an enqueuer in flight, its
//! invalidation of the slot, and the catch-up), a push racing a pop on a full queue (the full
//! path: the free ring empty, the cell handed back and reused), two pops of two values, and
//! a push racing pops after the threshold of the queue ring has run out (it must be reset by
//! the push so that the value is found). The models at the end cover `close` and the blocking
//! forms: a blocking pop or push against the push or pop that lets it through, `close`
//! against parked waiters, a push against `close` and a drain, two waiters sharing one event,
//! and the unbounded queue's segment hand-over under both.
//!
//! `cargo xtask loom ccol-queues`, that is
//! `RUSTFLAGS="--cfg ccol_loom" LOOM_MAX_PREEMPTIONS=2 cargo test --release -p ccol-queues
//! --features loom --test loom --target-dir target/loom`.
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
//! loom's memory model (no load buffering; SeqCst stronger than C++'s). Long position runs
//! (counters wrapping, the threshold's `3n - 1` bound under many dequeuers) are left to the
//! stress and conformance tests and to Miri.

use ccol_atomics::sync::{
    Arc,
    atomic::{AtomicUsize, Ordering},
    cell::UnsafeCell,
};
use ccol_queues::{
    BoundedQueue, LockFreeQueue, PopError, PushError, Queue as QueueApi, StaticQueue,
};
use ccol_reclaim::{Debra, Ibr, Reclaim};
use loom::thread::JoinHandle;

/// The id a destructor leaves behind.
const FREED: u64 = u64::MAX;

/// A queued value: an id the destructor overwrites, and the model's drop counter.
struct Payload {
    /// The id while the payload is alive, [`FREED`] once its destructor has run.
    id: UnsafeCell<u64>,
    /// Drops of every payload of the model (a loom `Arc`: leak-checked).
    drops: Arc<AtomicUsize>,
}

impl Payload {
    /// Reads the id (a loom-checked read of the pusher's write); fails on a dropped payload.
    fn id(&self) -> u64 {
        // SAFETY: the only writes are the creation and the destructor; loom reports either
        // one if it is not ordered before this read.
        let id = self.id.with(|id| unsafe { *id });
        assert_ne!(id, FREED, "a dropped payload was popped");
        id
    }
}

impl Drop for Payload {
    fn drop(&mut self) {
        // SAFETY: `&mut self`; loom checks that every earlier access happens before this one.
        self.id.with_mut(|id| unsafe {
            assert_ne!(*id, FREED, "payload dropped twice");
            *id = FREED;
        });
        // Relaxed: read only after every thread that drops payloads has been joined.
        self.drops.fetch_add(1, Ordering::Relaxed);
    }
}

/// The start line of a model: every thread, the main one included, crosses it (one
/// read-modify-write) before its first queue operation (module docs).
struct Gate(AtomicUsize);

impl Gate {
    /// Crosses the line.
    fn cross(&self) {
        // Relaxed: only a scheduling point for loom; it orders nothing.
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

/// Both queue types behind one interface, so each model runs on every tiny ring.
trait Queue: Send + Sync {
    fn push(&self, value: Payload) -> Result<(), PushError<Payload>>;
    fn pop(&self) -> Option<Payload>;
    fn capacity(&self) -> usize;
    fn len(&self) -> usize;
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

/// Model: the threshold. Before the threads start, the queue ring's threshold is spent: a
/// push and a pop reset it to `3 * half - 1`, and `3 * half` pops of the empty queue count it
/// below zero (each moves the head, and the tail with it), after which a pop returns empty
/// without looking at the ring. A push of 10 then races two pops: the push must bring the
/// threshold back, so that 10 is popped by one of them or by the drain after the join,
/// exactly once.
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
    let half = world.queue.capacity().next_power_of_two();
    for _ in 0..3 * half {
        assert!(world.queue.pop().is_none());
    }
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

/// An unbounded queue of [`Payload`]s with segments of one value, its drop counter and gate.
struct Lscq<R: Reclaim> {
    queue: Arc<LockFreeQueue<Payload, R>>,
    drops: Arc<AtomicUsize>,
    gate: Arc<Gate>,
}

impl<R: Reclaim> Lscq<R> {
    /// A queue holding `initial` (front first), then popped `popped` times (each must return
    /// the front), before any thread starts.
    fn new(initial: &[u64], popped: usize) -> Self {
        let world = Self {
            queue: Arc::new(LockFreeQueue::unbounded_with_segment_capacity(1)),
            drops: Arc::new(AtomicUsize::new(0)),
            gate: Arc::new(Gate(AtomicUsize::new(0))),
        };
        {
            let handle = world.queue.register().expect("no participant limit");
            for &id in initial {
                assert!(
                    world
                        .queue
                        .push_guarded(world.payload(id), &handle.pin())
                        .is_ok()
                );
            }
            for &id in &initial[..popped] {
                let front = world.queue.pop_guarded(&handle.pin()).map(|p| p.id());
                assert_eq!(front, Some(id));
            }
        }
        world
    }

    fn payload(&self, id: u64) -> Payload {
        Payload {
            id: UnsafeCell::new(id),
            drops: Arc::clone(&self.drops),
        }
    }

    /// Registers, crosses the gate, pushes `pushes`, then pops `pops` times (a guard per
    /// operation); returns the ids popped (`None` for an empty pop).
    fn run(&self, pushes: &[u64], pops: usize) -> Vec<Option<u64>> {
        let handle = self.queue.register().expect("no participant limit");
        self.gate.cross();
        for &id in pushes {
            let pushed = self.queue.push_guarded(self.payload(id), &handle.pin());
            assert!(pushed.is_ok(), "an unbounded queue is never full");
        }
        (0..pops)
            .map(|_| self.queue.pop_guarded(&handle.pin()).map(|p| p.id()))
            .collect()
    }

    /// Spawns a thread running [`run`](Self::run) on the same queue.
    fn spawn(&self, pushes: &'static [u64], pops: usize) -> JoinHandle<Vec<Option<u64>>> {
        let view = Self {
            queue: Arc::clone(&self.queue),
            drops: Arc::clone(&self.drops),
            gate: Arc::clone(&self.gate),
        };
        loom::thread::spawn(move || view.run(pushes, pops))
    }

    /// After the joins: the values popped (`popped`, in pop order) followed by the drain
    /// must be one of `wants`; then the queue and its domain are dropped and every payload
    /// created (`created`) must have been dropped once.
    #[track_caller]
    fn finish(self, popped: &[Option<u64>], wants: &[&[u64]], created: usize) {
        let handle = self.queue.register().expect("no participant limit");
        let mut seen: Vec<u64> = popped.iter().flatten().copied().collect();
        while let Some(value) = self.queue.pop_guarded(&handle.pin()) {
            seen.push(value.id());
        }
        assert!(
            wants.contains(&&seen[..]),
            "popped {popped:?}, then drained: {seen:?}"
        );
        drop(handle);
        drop(Arc::try_unwrap(self.queue).unwrap_or_else(|_| panic!("the threads are joined")));
        // Relaxed: every thread that dropped payloads is joined.
        assert_eq!(
            self.drops.load(Ordering::Relaxed),
            created,
            "payloads leaked"
        );
    }
}

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

/// One `#[test]` per (model, queue): `name => model(kind);`.
macro_rules! models {
    ($($name:ident => $model:ident $(::<$scheme:ty>)? ($($arg:expr),*);)*) => {
        $(
            #[test]
            fn $name() {
                loom::model(|| $model $(::<$scheme>)? ($($arg),*));
            }
        )*
    };
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

/// The LSCQ models, with more branches allowed than loom's default 1000: a pop that finds
/// the slot of a claimed position empty re-reads it up to `DEQUEUE_PATIENCE` (64) times,
/// each read a branch, and with segments handed over that can happen several times in one
/// execution (bounded, so not a spin loop: "Model exceeded maximum number of branches"
/// otherwise showed up in some runs).
macro_rules! lscq_models {
    ($($name:ident => $model:ident::<$scheme:ty>();)*) => {
        $(
            #[test]
            fn $name() {
                let mut builder = loom::model::Builder::new();
                builder.max_branches = 10_000;
                builder.check(|| $model::<$scheme>());
            }
        )*
    };
}

lscq_models! {
    ibr_lscq_segment_handover => lscq_handover::<Ibr>();
    debra_lscq_segment_handover => lscq_handover::<Debra>();
    ibr_lscq_two_pushers_append_a_segment => lscq_two_appenders::<Ibr>();
    debra_lscq_two_pushers_append_a_segment => lscq_two_appenders::<Debra>();
    ibr_lscq_pop_across_a_finalized_segment => lscq_pop_across_finalized::<Ibr>();
    debra_lscq_pop_across_a_finalized_segment => lscq_pop_across_finalized::<Debra>();
}

// ---------------------------------------------------------------------------------------------
// Close and the blocking forms. A waiter (`pop_blocking`, `push_blocking`) that misses the
// notification of the push, pop or close that would let it through stays parked with every
// other thread finished: loom reports that as a deadlock. A pop that reports `Closed` while a
// push it raced still lands afterwards, or a push that succeeds and is never drained, fails
// the drain check; a refused push must hand its own value back (the payload's drop checks
// catch a value dropped or kept twice). loom has no clock, so the timed forms are not
// modelled (they share `block_on` with the untimed ones).

/// A bounded queue of [`Payload`]s for the close and blocking models: its drop counter and
/// gate, as [`World`]'s (whose queue trait has neither `close` nor the blocking forms).
struct Closing<Q> {
    queue: Arc<Q>,
    drops: Arc<AtomicUsize>,
    gate: Arc<Gate>,
}

impl<Q: QueueApi<Payload> + Send + Sync + 'static> Closing<Q> {
    /// `queue`, holding `initial` (front first) before any thread starts.
    fn new(queue: Q, initial: &[u64]) -> Self {
        let world = Self {
            queue: Arc::new(queue),
            drops: Arc::new(AtomicUsize::new(0)),
            gate: Arc::new(Gate(AtomicUsize::new(0))),
        };
        for &id in initial {
            let value = payload(&world.drops, id);
            assert!(
                world.queue.push(value).is_ok(),
                "room for the initial values"
            );
        }
        world
    }

    /// Spawns a thread that crosses the gate, then runs `f` with the queue and a payload
    /// maker.
    fn spawn<R: Send + 'static>(
        &self,
        f: impl FnOnce(&Q, &dyn Fn(u64) -> Payload) -> R + Send + 'static,
    ) -> JoinHandle<R> {
        let (queue, drops, gate) = (
            Arc::clone(&self.queue),
            Arc::clone(&self.drops),
            Arc::clone(&self.gate),
        );
        loom::thread::spawn(move || {
            gate.cross();
            f(&queue, &|id| payload(&drops, id))
        })
    }

    /// After the joins: checks that every one of `created` payloads was dropped once when
    /// the queue is dropped.
    fn finish(self, created: usize) {
        drop(self.queue);
        // Relaxed: every thread that dropped payloads is joined.
        assert_eq!(
            self.drops.load(Ordering::Relaxed),
            created,
            "payloads leaked"
        );
    }
}

/// A payload counted by `drops`.
fn payload(drops: &Arc<AtomicUsize>, id: u64) -> Payload {
    Payload {
        id: UnsafeCell::new(id),
        drops: Arc::clone(drops),
    }
}

/// `try_pop` on a queue this thread closed until `Closed`: `Empty` is never an answer there
/// (the queue is closed for good, so a pop either finds a value or settles the last push in
/// flight). Returns the ids in pop order.
fn drain_closed(try_pop: impl Fn() -> Result<Payload, PopError>) -> Vec<u64> {
    let mut ids = Vec::new();
    loop {
        match try_pop() {
            Ok(value) => ids.push(value.id()),
            Err(PopError::Closed) => return ids,
            Err(PopError::Empty) => panic!("Empty from a closed queue"),
        }
    }
}

/// Checks what a push racing `close` reported: `true` for `Ok`, `false` for `Closed` with the
/// value (id 10) handed back; never `Full` (the queues of these models have room).
fn pushed_or_closed(outcome: Result<(), PushError<Payload>>) -> bool {
    match outcome {
        Ok(()) => true,
        Err(PushError::Closed(back)) => {
            assert_eq!(back.id(), 10, "a refused push hands back its own value");
            false
        }
        Err(PushError::Full(_)) => panic!("Full from a queue with room"),
    }
}

/// Model: on an empty `BoundedQueue` of `capacity`, the main thread `pop_blocking`s while a
/// thread pushes 10: the pop returns 10 (parking until the push's notification, or finding
/// the value on its first or second try).
fn pop_blocking_gets_a_push(capacity: usize) {
    let world = Closing::new(BoundedQueue::new(capacity), &[]);
    let pusher = world.spawn(|queue, make| queue.push(make(10)).is_ok());
    world.gate.cross();
    let popped = world.queue.pop_blocking().map(|p| p.id());
    assert!(pusher.join().unwrap(), "a push to an empty queue succeeds");
    assert_eq!(popped, Ok(10));
    world.finish(1);
}

/// Model: a `BoundedQueue` of one holds 1; a thread `push_blocking`s 10 while the main
/// thread pops 1: the push completes (woken by the pop's notification), and 10 is left.
fn push_blocking_gets_room() {
    let world = Closing::new(BoundedQueue::new(1), &[1]);
    let pusher = world.spawn(|queue, make| queue.push_blocking(make(10)).is_ok());
    world.gate.cross();
    assert_eq!(world.queue.pop().map(|p| p.id()), Some(1));
    assert!(pusher.join().unwrap(), "the blocking push gets the room");
    assert_eq!(world.queue.try_pop().map(|p| p.id()), Ok(10));
    world.finish(2);
}

/// Model: a thread `pop_blocking`s an empty `BoundedQueue` while the main thread closes it:
/// the waiter returns `Closed`.
fn close_wakes_pop_blocking() {
    let world = Closing::new(BoundedQueue::new(1), &[]);
    let waiter = world.spawn(|queue, _| queue.pop_blocking().map(|p| p.id()));
    world.gate.cross();
    assert!(world.queue.close());
    assert_eq!(waiter.join().unwrap(), Err(PopError::Closed));
    world.finish(0);
}

/// Model: a thread `push_blocking`s 10 into a full `BoundedQueue` of one (holding 1) while
/// the main thread closes it: the waiter returns `Closed` with 10, and 1 is drained.
fn close_wakes_push_blocking() {
    let world = Closing::new(BoundedQueue::new(1), &[1]);
    let waiter = world.spawn(|queue, make| match queue.push_blocking(make(10)) {
        Err(PushError::Closed(back)) => back.id(),
        _ => panic!("a push into a full queue that is closed must fail with Closed"),
    });
    world.gate.cross();
    assert!(world.queue.close());
    assert_eq!(waiter.join().unwrap(), 10);
    assert_eq!(drain_closed(|| world.queue.try_pop()), [1]);
    world.finish(2);
}

/// Model: a thread pushes 10 into a queue holding `initial` while the main thread closes it
/// and then drains it with `try_pop` until `Closed` (racing the push still in flight). A push
/// that returned `Ok` must be in the drain, exactly once, after `initial`; one that returned
/// `Closed` handed 10 back.
///
/// With `initial` empty, the closer's drain reads `tail` only with loads: the pusher's FAA
/// then its load of the closed flag against the closer's flag store then its load of `tail`
/// is a store-buffering pattern that the `SeqCst` accesses forbid, which loom does not model
/// (tokio-rs/loom#180); `ring.rs` adds loom-only `SeqCst` fences there (the fence-to-fence
/// form of the same argument), which these models check. Behind a value, the drain's first
/// pops go through the ring's read-modify-writes instead.
fn push_races_close_and_drain<Q: QueueApi<Payload> + Send + Sync + 'static>(
    queue: Q,
    initial: &[u64],
) {
    let world = Closing::new(queue, initial);
    let pusher = world.spawn(|queue, make| pushed_or_closed(queue.push(make(10))));
    world.gate.cross();
    assert!(world.queue.close());
    let drained = drain_closed(|| world.queue.try_pop());
    let pushed = pusher.join().unwrap();
    let mut want = initial.to_vec();
    if pushed {
        want.push(10);
    }
    assert_eq!(drained, want, "the push returned Ok: {pushed}");
    assert!(matches!(world.queue.try_pop(), Err(PopError::Closed)));
    world.finish(initial.len() + 1);
}

/// Model: two threads `pop_blocking` an empty `BoundedQueue` of two while the main thread
/// pushes 10 and 11: each waiter gets one of them. A waiter whose second try took a value
/// may be the one a push then notified; it must pass the notification on to the other
/// waiter, or that one stays parked with a value in the queue (loom: deadlock; found at
/// two preemptions when `Listener`'s drop skipped the passing on).
fn two_waiters_get_two_pushes() {
    let world = Closing::new(BoundedQueue::new(2), &[]);
    let first = world.spawn(|queue, _| queue.pop_blocking().map(|p| p.id()));
    let second = world.spawn(|queue, _| queue.pop_blocking().map(|p| p.id()));
    world.gate.cross();
    for id in [10, 11] {
        assert!(world.queue.push(payload(&world.drops, id)).is_ok());
    }
    let mut got = [first.join().unwrap(), second.join().unwrap()].map(|p| p.expect("a value"));
    got.sort_unstable();
    assert_eq!(got, [10, 11]);
    world.finish(2);
}

/// [`two_waiters_get_two_pushes`] with more branches allowed than loom's default 1000 (three
/// threads, each pop's bounded re-reads of a slot claimed by a push in flight: at three
/// preemptions the default limit is reached).
#[test]
fn bounded_2_two_waiters_get_two_pushes() {
    let mut builder = loom::model::Builder::new();
    builder.max_branches = 10_000;
    builder.check(two_waiters_get_two_pushes);
}

impl<R: Reclaim> Lscq<R> {
    /// Another view of the same queue, for a spawned thread.
    fn share(&self) -> Self {
        Self {
            queue: Arc::clone(&self.queue),
            drops: Arc::clone(&self.drops),
            gate: Arc::clone(&self.gate),
        }
    }
}

/// Model (LSCQ, segments of one): the queue holds 1 (its segment is full); a thread pushes 10
/// (appending a segment, unless the main thread's pop emptied the first one already) while
/// the main thread `pop_blocking`s twice: 1, then 10. The main thread is the model's only
/// thread-local participant (`pop_blocking` pins through the domain); the pusher registers.
fn lscq_pop_blocking_gets_an_appended_push<R: Reclaim>() {
    let world = Lscq::<R>::new(&[1], 0);
    let pusher = world.spawn(&[10], 0);
    world.gate.cross();
    let popped =
        [world.queue.pop_blocking(), world.queue.pop_blocking()].map(|p| p.map(|p| p.id()));
    pusher.join().unwrap();
    assert_eq!(popped, [Ok(1), Ok(10)]);
    world.finish(&[], &[&[]], 2);
}

/// Model (LSCQ, segments of one): the queue holds 1 (its segment is full); a thread pushes 10,
/// which must finalize that segment and link a new one, while the main thread closes the
/// queue (finalizing the last segment and marking its link) and drains it until `Closed`.
/// Either the push links its segment first (`Ok`, and 10 is drained after 1) or it finds
/// the link marked (`Closed`, 10 handed back).
fn lscq_close_races_an_appending_push<R: Reclaim>() {
    let world = Lscq::<R>::new(&[1], 0);
    let view = world.share();
    let pusher = loom::thread::spawn(move || {
        let handle = view.queue.register().expect("no participant limit");
        view.gate.cross();
        pushed_or_closed(view.queue.push_guarded(view.payload(10), &handle.pin()))
    });
    let handle = world.queue.register().expect("no participant limit");
    world.gate.cross();
    assert!(world.queue.close_guarded(&handle.pin()));
    let drained = drain_closed(|| world.queue.try_pop_guarded(&handle.pin()));
    let pushed = pusher.join().unwrap();
    let want: &[u64] = if pushed { &[1, 10] } else { &[1] };
    assert_eq!(drained, want, "the push returned Ok: {pushed}");
    drop(handle);
    world.finish(&[], &[&[]], 2);
}

/// Model (LSCQ, segments of one): on an empty queue a thread pushes 10 into the first
/// segment (room for it: a ring enqueue, no new segment) while the main thread closes the
/// queue and drains it until `Closed`. The close finalizes the segment with a fetch-or on the
/// same `tail` word the push's FAA claims its position on, so either the push came first and
/// must be drained (the drain claims positions up to `tail` past the spent threshold of the
/// fresh ring, settling the push still in flight there) or it is refused and hands 10 back.
/// (Draining the last segment with a plain pop, or `Scqd::try_pop` without its drain of a
/// finalized ring, fails this model.)
fn lscq_push_races_close_and_drain<R: Reclaim>() {
    let world = Lscq::<R>::new(&[], 0);
    let view = world.share();
    let pusher = loom::thread::spawn(move || {
        let handle = view.queue.register().expect("no participant limit");
        view.gate.cross();
        pushed_or_closed(view.queue.push_guarded(view.payload(10), &handle.pin()))
    });
    let handle = world.queue.register().expect("no participant limit");
    world.gate.cross();
    assert!(world.queue.close_guarded(&handle.pin()));
    let drained = drain_closed(|| world.queue.try_pop_guarded(&handle.pin()));
    let pushed = pusher.join().unwrap();
    let want: &[u64] = if pushed { &[10] } else { &[] };
    assert_eq!(drained, want, "the push returned Ok: {pushed}");
    drop(handle);
    world.finish(&[], &[&[]], 1);
}

/// Model (LSCQ): the main thread `pop_blocking`s an empty unbounded queue while a thread
/// closes it: the waiter returns `Closed`.
fn lscq_close_wakes_pop_blocking<R: Reclaim>() {
    let world = Lscq::<R>::new(&[], 0);
    let view = world.share();
    let closer = loom::thread::spawn(move || {
        let handle = view.queue.register().expect("no participant limit");
        view.gate.cross();
        view.queue.close_guarded(&handle.pin())
    });
    world.gate.cross();
    assert!(matches!(world.queue.pop_blocking(), Err(PopError::Closed)));
    assert!(closer.join().unwrap(), "the only close closes");
    world.finish(&[], &[&[]], 0);
}

models! {
    bounded_1_pop_blocking_gets_a_push => pop_blocking_gets_a_push(1);
    bounded_2_pop_blocking_gets_a_push => pop_blocking_gets_a_push(2);
    bounded_1_push_blocking_gets_room => push_blocking_gets_room();
    bounded_close_wakes_pop_blocking => close_wakes_pop_blocking();
    bounded_close_wakes_push_blocking => close_wakes_push_blocking();
    static_1_push_races_close_and_drain =>
        push_races_close_and_drain(StaticQueue::<Payload, 1>::new(), &[]);
    bounded_1_push_races_close_and_drain => push_races_close_and_drain(BoundedQueue::new(1), &[]);
    static_2_push_races_close_and_drain_behind_a_value =>
        push_races_close_and_drain(StaticQueue::<Payload, 2>::new(), &[1]);
    bounded_2_push_races_close_and_drain_behind_a_value =>
        push_races_close_and_drain(BoundedQueue::new(2), &[1]);
}

lscq_models! {
    ibr_lscq_pop_blocking_gets_an_appended_push => lscq_pop_blocking_gets_an_appended_push::<Ibr>();
    debra_lscq_pop_blocking_gets_an_appended_push =>
        lscq_pop_blocking_gets_an_appended_push::<Debra>();
    ibr_lscq_close_races_an_appending_push => lscq_close_races_an_appending_push::<Ibr>();
    debra_lscq_close_races_an_appending_push => lscq_close_races_an_appending_push::<Debra>();
    ibr_lscq_push_races_close_and_drain => lscq_push_races_close_and_drain::<Ibr>();
    debra_lscq_push_races_close_and_drain => lscq_push_races_close_and_drain::<Debra>();
    ibr_lscq_close_wakes_pop_blocking => lscq_close_wakes_pop_blocking::<Ibr>();
    debra_lscq_close_wakes_pop_blocking => lscq_close_wakes_pop_blocking::<Debra>();
}
