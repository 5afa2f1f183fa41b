#![cfg(ccol_loom)]
//! loom models of `close` and the blocking forms of ccol-queues (see `tests/loom.rs` for how a
//! bug shows, the gate, and what loom cannot show). A waiter (`pop_blocking`, `push_blocking`) that misses the
//! notification of the push, pop or close that would let it through stays parked with every
//! other thread finished: loom reports that as a deadlock. A pop that reports `Closed` while a
//! push it raced still lands afterwards, or a push that succeeds and is never drained, fails
//! the drain check; a refused push must hand its own value back (the payload's drop checks
//! catch a value dropped or kept twice). loom has no clock, so the timed forms are not
//! modelled (they share `block_on` with the untimed ones).
//!
//! `cargo xtask loom ccol-queues` runs this file with `tests/loom.rs`.

use ccol_atomics::sync::{
    Arc,
    atomic::{AtomicUsize, Ordering},
    cell::UnsafeCell,
};
use ccol_queues::{BoundedQueue, PopError, PushError, Queue as QueueApi, StaticQueue};
use ccol_reclaim::{Debra, Ibr, Reclaim};
use loom::thread::JoinHandle;

mod loom_support;

use loom_support::{Gate, Lscq, Payload, lscq_models, models};

/// A bounded queue of [`Payload`]s for the close and blocking models: its drop counter and
/// gate, like `tests/loom.rs`'s `World` (whose queue trait has neither `close` nor the
/// blocking forms).
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

/// Model (LSCQ, segments of one): a thread pushes 10 while the main thread closes the queue
/// and drains it until `Closed`; either the push came first and must be drained after
/// `initial`, or it is refused and hands 10 back.
///
/// - `initial = [1]`: the first segment is full, so the push must finalize it and link a new
///   one, racing the close's finalization of the last segment and the mark on its link.
/// - `initial = []`: the push is a ring enqueue into the first segment; the close finalizes it
///   with a fetch-or on the same `tail` word the push's FAA claims its position on, and the
///   drain claims positions up to `tail` past the fresh ring's spent threshold, settling the
///   push still in flight there. (Draining the last segment with a plain pop, or
///   `Scqd::try_pop` without its drain of a finalized ring, fails this form.)
fn lscq_push_races_close_and_drain<R: Reclaim>(initial: &[u64]) {
    let world = Lscq::<R>::new(initial, 0);
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
    let mut want = initial.to_vec();
    if pushed {
        want.push(10);
    }
    assert_eq!(drained, want, "the push returned Ok: {pushed}");
    drop(handle);
    world.finish(&[], &[&[]], initial.len() + 1);
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
    ibr_lscq_close_races_an_appending_push => lscq_push_races_close_and_drain::<Ibr>(&[1]);
    debra_lscq_close_races_an_appending_push => lscq_push_races_close_and_drain::<Debra>(&[1]);
    ibr_lscq_push_races_close_and_drain => lscq_push_races_close_and_drain::<Ibr>(&[]);
    debra_lscq_push_races_close_and_drain => lscq_push_races_close_and_drain::<Debra>(&[]);
    ibr_lscq_close_wakes_pop_blocking => lscq_close_wakes_pop_blocking::<Ibr>();
    debra_lscq_close_wakes_pop_blocking => lscq_close_wakes_pop_blocking::<Debra>();
}
