#![cfg(ccol_loom)]
//! loom models of both stacks: `LockFreeStack` push/pop races under both reclamation schemes,
//! one elimination exchange (a pusher meets a popper; a lone offer times out and withdraws),
//! and `StaticStack` races at its full and empty edges and in the ABA interleaving its tags
//! exist for.
//!
//! `cargo xtask loom ccol-stack`, that is
//! `RUSTFLAGS="--cfg ccol_loom" LOOM_MAX_PREEMPTIONS=2 cargo test --release -p ccol-stack
//! --features loom --test loom --target-dir target/loom`. ccol-reclaim's thresholds are 2
//! under loom, so the two or three pops of a model already reach a scan and an epoch advance.
//!
//! # How a bug shows
//!
//! - **Publication.** A `LockFreeStack` value is a [`Payload`]: an id in loom's `UnsafeCell`,
//!   created (a write, for loom) by the pushing thread and read by the popping one. A pop that
//!   does not synchronize with the push that published the value fails the model with
//!   "Causality violation: Concurrent read and write accesses". `StaticStack`'s value slots are
//!   the facade's (here loom's) `UnsafeCell` already, so its `usize` values are checked the
//!   same way, including a node's reuse (a push writing the slot a pop is still reading).
//! - **Ownership.** Every popped value and whatever a model drains afterwards must be explained
//!   by a LIFO history ([`lifo_explains`]): a value popped twice, lost, or out of order fails.
//!   A payload holds a loom `Arc` to the model's drop counter, so a leaked payload fails as
//!   "Arc leaked", a payload dropped twice fails its destructor's assertion, and the drop
//!   count must equal the payloads created once the stack and its domain are dropped.
//!
//! # Reaching the elimination array
//!
//! A push or pop visits the array only after a failed CAS on the top (trigger 1 here), and a
//! pop also looks at slot 0 before touching the top (`take_waiting`). The elimination models
//! (one slot, so every visit uses slot 0) are built so that a CAS *must* fail in some
//! interleaving within two preemptions; each model's doc names the schedule that reaches the
//! slot. That they do was checked by planting bugs in a scratch copy of the exchange
//! protocol: a Relaxed load in `take_in` failed only `popper_waits_for_offer` (the one model
//! whose pop takes an offer from inside its own wait); a take or a withdraw that stores
//! instead of CAS, and a Relaxed `OFFER` store or `take_waiting` load, failed it and
//! `pusher_meets_popper`; a successful withdraw reported as a hit failed all three, including
//! `lone_offer_withdraws`.
//!
//! # The gate
//!
//! Every thread crosses a [`Gate`] (one read-modify-write) before its first stack operation.
//! Without it loom 0.7.3 explores far too little: see [`Gate`].
//!
//! # What these models cannot show
//!
//! They cover two or three threads, histories of a few operations, at most
//! `LOOM_MAX_PREEMPTIONS` preemptions. loom sees only its own atomics and `UnsafeCell`s: the
//! memory of a `LockFreeStack` node is not tracked, so a use-after-free of a node is left to
//! Miri and ASan (ccol-reclaim's own models cover the protection protocol). loom does not
//! model load buffering, so the Release half of the take's `AcqRel` CAS (ordering the taker's
//! read of `node` before the next offer's overwrite) cannot fail here; and its `SeqCst` fences
//! are stronger than C++'s (ccol-reclaim's `tests/loom.rs`), so a Relaxed push CAS escapes
//! the IBR empty-stack model (the other IBR models catch it). Each thread uses a registered
//! [`Handle`](ccol_reclaim::Handle) rather than the thread-local participant of the `std`
//! forms (see ccol-reclaim's `tests/loom.rs`: two threads registering thread-local
//! participants at once deadlock the model, not the program). The elimination array's
//! per-thread adaptive state is a loom `thread_local` and is reset per execution; with one
//! slot its random slot choice is always slot 0, so the models stay deterministic.

use ccol_atomics::sync::{
    Arc,
    atomic::{AtomicUsize, Ordering},
    cell::UnsafeCell,
};
use ccol_reclaim::{Debra, Handle, Ibr, Reclaim};
use ccol_stack::{Elimination, LockFreeStack, StaticStack};

/// The id a destructor leaves behind.
const FREED: u64 = u64::MAX;

/// A `LockFreeStack` value: an id the destructor overwrites, and the model's drop counter.
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
/// read-modify-write) before its first operation on the stack.
///
/// A workaround for loom 0.7.3's scheduler (tokio-rs/loom#392, also #166): when a spawned
/// thread's first operation is a load, its DPOR never schedules that thread ahead of the
/// main thread's operations, so the interleavings where it goes first are silently skipped
/// (the `StaticStack` push/pop and empty-edge models ran a single execution each, and missed
/// a Relaxed `link`). Every stack operation starts with a load of its head, so without the
/// gate most races would go unexplored; two read-modify-writes on the same atomic are
/// dependent, and loom explores both orders.
struct Gate(AtomicUsize);

impl Gate {
    fn new() -> Arc<Self> {
        Arc::new(Self(AtomicUsize::new(0)))
    }

    /// Crosses the line.
    fn cross(&self) {
        // Relaxed: only a scheduling point for loom; it orders nothing.
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

/// One operation of a thread's history, with its result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Push(u64),
    Pop(Option<u64>),
}

/// Whether the threads' histories, each kept in program order, interleave into a legal LIFO
/// history starting from `initial` (bottom first) whose final stack (bottom first) satisfies
/// `last`. The threads of a model never synchronize with one another while they run, so a
/// model cannot observe which of two operations of different threads finished first, and any
/// interleaving is a candidate order (sequential consistency with one LIFO order: as much of
/// linearizability as these histories can show).
fn lifo_explains(initial: &[u64], histories: &[&[Op]], last: impl Fn(&[u64]) -> bool) -> bool {
    fn search(
        stack: &mut Vec<u64>,
        histories: &[&[Op]],
        at: &mut [usize],
        last: &dyn Fn(&[u64]) -> bool,
    ) -> bool {
        let mut done = true;
        for t in 0..histories.len() {
            let Some(&op) = histories[t].get(at[t]) else {
                continue;
            };
            done = false;
            let saved = stack.clone();
            let legal = match op {
                Op::Push(v) => {
                    stack.push(v);
                    true
                }
                Op::Pop(result) => stack.pop() == result,
            };
            if legal {
                at[t] += 1;
                if search(stack, histories, at, last) {
                    return true;
                }
                at[t] -= 1;
            }
            *stack = saved;
        }
        done && last(stack)
    }
    let mut at = vec![0; histories.len()];
    search(&mut initial.to_vec(), histories, &mut at, &last)
}

/// A `LockFreeStack` of [`Payload`]s shared by a model's threads, its drop counter and the
/// model's [`Gate`].
struct World<R: Reclaim> {
    stack: Arc<LockFreeStack<Payload, R>>,
    drops: Arc<AtomicUsize>,
    gate: Arc<Gate>,
    /// Payloads created so far (by every thread; known after the joins).
    created: usize,
}

impl<R: Reclaim> World<R> {
    /// A stack with `elimination`, holding `initial` (bottom first), whose domain's registry
    /// is already allocated (so the threads' registrations never grow it concurrently).
    fn new(elimination: Elimination, initial: &[u64]) -> Self {
        let stack = Arc::new(LockFreeStack::with_elimination(elimination));
        let drops = Arc::new(AtomicUsize::new(0));
        {
            let handle = stack.register().expect("a growable registry");
            let guard = handle.pin();
            for &id in initial {
                stack.push_guarded(payload(&drops, id), &guard);
            }
        }
        Self {
            stack,
            drops,
            gate: Gate::new(),
            created: initial.len(),
        }
    }

    /// Registers the calling thread, then crosses the gate, runs `ops` on the stack (a guard per
    /// operation) and returns the history (a popped payload's id is read, then the payload
    /// dropped, in this thread).
    fn run(&self, ops: &[Op]) -> Vec<Op> {
        self.run_as(&self.stack.register().expect("a growable registry"), ops)
    }

    /// [`run`](Self::run) with a handle the calling thread registered earlier (the main thread
    /// registers before spawning, which keeps its registration out of the interleavings).
    fn run_as(&self, handle: &Handle<'_, R>, ops: &[Op]) -> Vec<Op> {
        self.gate.cross();
        let stack = &*self.stack;
        ops.iter()
            .map(|&op| match op {
                Op::Push(id) => {
                    stack.push_guarded(payload(&self.drops, id), &handle.pin());
                    op
                }
                Op::Pop(_) => Op::Pop(stack.pop_guarded(&handle.pin()).map(|value| value.id())),
            })
            .collect()
    }

    /// A view of the same stack, counter and gate for another thread.
    fn share(&self) -> Self {
        Self {
            stack: Arc::clone(&self.stack),
            drops: Arc::clone(&self.drops),
            gate: Arc::clone(&self.gate),
            created: 0,
        }
    }

    /// After the joins: pops everything left (returned top first), on a fresh handle.
    fn drain(&self) -> Vec<u64> {
        let handle = self.stack.register().expect("a growable registry");
        let mut left = Vec::new();
        while let Some(value) = self.stack.pop_guarded(&handle.pin()) {
            left.push(value.id());
        }
        left
    }

    /// After the joins: drops the stack (which frees what is still linked, then its domain
    /// frees every retired node) and checks that each payload was dropped exactly once.
    fn finish(self) {
        let Self {
            stack,
            drops,
            created,
            ..
        } = self;
        drop(Arc::try_unwrap(stack).expect("the other threads are joined"));
        // Relaxed: every thread that dropped payloads is joined.
        assert_eq!(drops.load(Ordering::Relaxed), created, "payloads leaked");
    }
}

/// A new payload `id` counted by `drops`.
fn payload(drops: &Arc<AtomicUsize>, id: u64) -> Payload {
    Payload {
        id: UnsafeCell::new(id),
        drops: Arc::clone(drops),
    }
}

/// Spawns a thread running `ops` on the world's stack; the handle returns its history.
fn spawn<R: Reclaim>(world: &World<R>, ops: &'static [Op]) -> loom::thread::JoinHandle<Vec<Op>> {
    let view = world.share();
    loom::thread::spawn(move || view.run(ops))
}

/// The pushes of `histories`, counted (payloads created by the model's threads).
fn pushes(histories: &[&[Op]]) -> usize {
    histories
        .iter()
        .flat_map(|h| h.iter())
        .filter(|op| matches!(op, Op::Push(_)))
        .count()
}

/// Model: a thread pushes 10 then 11 while the main thread pops twice; the values left are
/// dropped with the stack, uncounted by a drain, so `Drop` must free exactly them. Each pop
/// result must fit a LIFO order, and the stack's length afterwards must match.
fn push_pop_race<R: Reclaim>() {
    const PUSHES: &[Op] = &[Op::Push(10), Op::Push(11)];
    let mut world = World::<R>::new(Elimination::disabled(), &[]);
    let pusher = spawn(&world, PUSHES);
    let popped = world.run(&[Op::Pop(None), Op::Pop(None)]);
    let pushed = pusher.join().unwrap();
    let left = world
        .stack
        .len_guarded(&world.stack.register().expect("a growable registry").pin());
    let histories: [&[Op]; 2] = [&pushed, &popped];
    assert!(
        lifo_explains(&[], &histories, |rest| rest.len() == left),
        "not a LIFO history: {histories:?}, {left} left"
    );
    world.created += pushes(&histories);
    world.finish();
}

/// Model: two threads pop a two-element stack at once: each gets a different value, in an
/// order LIFO explains, and the stack ends empty.
fn two_pops_race<R: Reclaim>() {
    const POP: &[Op] = &[Op::Pop(None)];
    let world = World::<R>::new(Elimination::disabled(), &[1, 2]);
    let other = spawn(&world, POP);
    let mine = world.run(POP);
    let theirs = other.join().unwrap();
    check_and_finish(world, &[1, 2], &[&mine, &theirs]);
}

/// Model: a push races a pop on an empty stack: the pop returns `None` (and the value stays)
/// or the value (and the stack ends empty).
fn push_races_pop_on_empty<R: Reclaim>() {
    const PUSH: &[Op] = &[Op::Push(10)];
    let mut world = World::<R>::new(Elimination::disabled(), &[]);
    let pusher = spawn(&world, PUSH);
    let popped = world.run(&[Op::Pop(None)]);
    pusher.join().unwrap();
    let left = world.drain();
    match popped[0] {
        Op::Pop(None) => assert_eq!(left, [10]),
        Op::Pop(Some(10)) => assert!(left.is_empty()),
        other => panic!("a pop on a stack that only ever held 10 returned {other:?}"),
    }
    world.created += 1;
    world.finish();
}

/// Elimination with one slot (every visit uses slot 0), `spins` waits per offer or take, and
/// the array visited after the first failed CAS.
fn forced(spins: u32) -> Elimination {
    Elimination::new()
        .slots(1)
        .spin_budget(spins)
        .trigger_after_failures(1)
}

/// Asserts that the histories, from `initial` (bottom first), leave exactly `left` (as
/// drained: top first) in some LIFO order.
fn assert_lifo(initial: &[u64], histories: &[&[Op]], mut left: Vec<u64>) {
    left.reverse();
    assert!(
        lifo_explains(initial, histories, |rest| rest == left.as_slice()),
        "not a LIFO history from {initial:?}: {histories:?}, left (bottom first) {left:?}"
    );
}

/// Checks the model's histories against LIFO from `initial`, draining the stack for its
/// final state, and finishes the world.
fn check_and_finish<R: Reclaim>(mut world: World<R>, initial: &[u64], histories: &[&[Op]]) {
    assert_lifo(initial, histories, world.drain());
    world.created += pushes(histories);
    world.finish();
}

/// Model (elimination, 2 threads): a pusher meets a popper. The stack holds 1; a thread pushes
/// 10 while the main thread pops twice, with a spin budget of 1.
///
/// The slot is reached when the pusher reads the top (1), the main thread's first pop
/// unlinks 1 (preemption 1), and the pusher's CAS then fails: it offers its node in slot 0
/// (claim, store, `OFFER`) and yields once in its wait. If the main thread's second pop
/// starts after the `OFFER` store (preemption 2 puts the pusher back to work before that
/// pop), its `take_waiting` finds the offer and takes it (exchange through the slot); the
/// pusher then sees its offer gone, or its withdraw CAS fails; both return `Hit`. If the
/// pusher's withdraw wins instead, the take fails, the pop goes to the top, and the pusher
/// pushes through the top (exchange through the top, or a `None` pop first). Every outcome must
/// pop 10 and 1 exactly once in LIFO order.
fn pusher_meets_popper<R: Reclaim>() {
    const PUSH: &[Op] = &[Op::Push(10)];
    let world = World::<R>::new(forced(1), &[1]);
    let pusher = spawn(&world, PUSH);
    let popped = world.run(&[Op::Pop(None), Op::Pop(None)]);
    let pushed = pusher.join().unwrap();
    check_and_finish(world, &[1], &[&pushed, &popped]);
}

/// Model (elimination, 2 threads): an offer nobody takes times out and is withdrawn. The
/// stack holds 1; a thread pushes 10 while the main thread pops once.
///
/// When the pusher reads the top (1) before the pop unlinks it, its CAS fails and it offers
/// its node; the only pop has already completed (its CAS is what failed the push), so no one
/// can take the offer: the pusher's wait runs out, its withdraw CAS must succeed and give the
/// node back, and the push completes through the top. 10 must end in the stack exactly once.
fn lone_offer_withdraws<R: Reclaim>() {
    const PUSH: &[Op] = &[Op::Push(10)];
    let world = World::<R>::new(forced(1), &[1]);
    let pusher = spawn(&world, PUSH);
    let popped = world.run(&[Op::Pop(None)]);
    let pushed = pusher.join().unwrap();
    check_and_finish(world, &[1], &[&pushed, &popped]);
}

/// Model (elimination, 3 threads): a waiting pop takes an offer in its own wait (`take_in`),
/// not only in `take_waiting`. The stack holds 1; two threads push 10 and 11, the main thread
/// pops once, with a spin budget of 2.
///
/// The slot is reached when the main thread and the pusher of 11 both read the top (1)
/// (preemptions 1 and 2 hand over after each read), and the pusher of 10 then completes: both
/// CAS fail. The pop visits the array first, finds slot 0 empty and yields in its wait; the
/// pusher of 11 offers in slot 0 and yields in its own; the pop's second look finds the offer
/// and takes it. Other schedules exchange through the top.
fn popper_waits_for_offer<R: Reclaim>() {
    const PUSH_10: &[Op] = &[Op::Push(10)];
    const PUSH_11: &[Op] = &[Op::Push(11)];
    let world = World::<R>::new(forced(2), &[1]);
    let handle = world.stack.register().expect("a growable registry");
    let first = spawn(&world, PUSH_10);
    let second = spawn(&world, PUSH_11);
    let popped = world.run_as(&handle, &[Op::Pop(None)]);
    drop(handle);
    let first = first.join().unwrap();
    let second = second.join().unwrap();
    check_and_finish(world, &[1], &[&first, &second, &popped]);
}

/// One `#[test]` per scheme for each generic model: `model => ibr_test, debra_test;`.
macro_rules! under_both_schemes {
    ($($model:ident => $ibr:ident, $debra:ident;)*) => {
        $(
            #[test]
            fn $ibr() {
                loom::model($model::<Ibr>);
            }

            #[test]
            fn $debra() {
                loom::model($model::<Debra>);
            }
        )*
    };
}

under_both_schemes! {
    push_pop_race => ibr_push_pop_race, debra_push_pop_race;
    two_pops_race => ibr_two_pops_race, debra_two_pops_race;
    push_races_pop_on_empty => ibr_push_races_pop_on_empty, debra_push_races_pop_on_empty;
    pusher_meets_popper =>
        ibr_elimination_pusher_meets_popper, debra_elimination_pusher_meets_popper;
    lone_offer_withdraws =>
        ibr_elimination_lone_offer_withdraws, debra_elimination_lone_offer_withdraws;
    popper_waits_for_offer =>
        ibr_elimination_popper_waits_for_offer, debra_elimination_popper_waits_for_offer;
}

// ---------------------------------------------------------------------------------------------
// StaticStack<usize, 2>

/// A two-node static stack shared by a model's threads.
type Static = StaticStack<usize, 2>;

/// A static stack holding `initial` (bottom first).
fn static_with(initial: &[usize]) -> Arc<Static> {
    let stack = Arc::new(Static::new());
    for &v in initial {
        stack.push(v).expect("room for the initial values");
    }
    stack
}

/// Spawns a thread that crosses `gate`, then runs `f` on `stack`.
fn static_spawn<T: Send + 'static>(
    stack: &Arc<Static>,
    gate: &Arc<Gate>,
    f: impl FnOnce(&Static) -> T + Send + 'static,
) -> loom::thread::JoinHandle<T> {
    let (stack, gate) = (Arc::clone(stack), Arc::clone(gate));
    loom::thread::spawn(move || {
        gate.cross();
        f(&stack)
    })
}

/// Pops everything (top first).
fn static_drain(stack: &Static) -> Vec<usize> {
    core::iter::from_fn(|| stack.pop()).collect()
}

/// Model: a thread pushes 10 then 11 (never full: at most two values ever exist) while the
/// main thread pops twice; pops and leftovers must form a LIFO history.
fn static_push_pop_race() {
    let (stack, gate) = (static_with(&[]), Gate::new());
    let pusher = static_spawn(&stack, &gate, |stack| {
        for v in [10, 11] {
            assert_eq!(stack.push(v), Ok(()), "two values fit two nodes");
        }
    });
    gate.cross();
    let popped: Vec<Op> = (0..2)
        .map(|_| Op::Pop(stack.pop().map(|v| v as u64)))
        .collect();
    pusher.join().unwrap();
    let left = static_drain(&stack).into_iter().map(|v| v as u64).collect();
    assert_lifo(&[], &[&[Op::Push(10), Op::Push(11)], &popped], left);
}

/// Model: on a full stack (1, 2), a push of 3 races a pop. The pop gets 2. The push either
/// fails (the stack was full, or the pop had unlinked its node but not yet returned it: the
/// documented window) and hands 3 back, or succeeds in the node the pop returned, writing the
/// value slot the pop has just read (which the free list's Release/Acquire must order).
fn static_full_push_races_pop() {
    let (stack, gate) = (static_with(&[1, 2]), Gate::new());
    let pusher = static_spawn(&stack, &gate, |stack| stack.push(3));
    gate.cross();
    let popped = stack.pop();
    let pushed = pusher.join().unwrap();
    assert_eq!(popped, Some(2), "the pop must get the top of a full stack");
    let left = static_drain(&stack);
    match pushed {
        Ok(()) => assert_eq!(left, [3, 1]),
        Err(back) => {
            assert_eq!(back, 3, "a failed push hands its own value back");
            assert_eq!(left, [1]);
        }
    }
}

/// Model: on an empty stack, a pop races a push of 10: `None` and 10 left, or 10 popped.
fn static_empty_pop_races_push() {
    let (stack, gate) = (static_with(&[]), Gate::new());
    let pusher = static_spawn(&stack, &gate, |stack| stack.push(10));
    gate.cross();
    let popped = stack.pop();
    assert_eq!(pusher.join().unwrap(), Ok(()));
    let left = static_drain(&stack);
    match popped {
        None => assert_eq!(left, [10]),
        Some(v) => {
            assert_eq!(v, 10);
            assert!(left.is_empty());
        }
    }
}

/// Model (3 threads): the ABA interleaving. The stack holds 1 (node 0) under 2 (node 1).
/// The main thread pops; thread B pops then pushes 3; thread C pops.
///
/// The bad schedule: the main thread reads the head (node 1) and its `next` (node 0);
/// preemption 1 lets B pop 2 (node 1 goes to the free list) and take node 1 back for 3;
/// preemption 2 lets C pop 1 (node 0 leaves the stack and goes to the free list); B links
/// node 1 (with `next` = none) as the head again. The head's index is node 1 once more, so
/// only the tag makes the main thread's CAS fail; without it, the CAS would install node 0,
/// which sits in the free list, and the drain would pop 1 a second time.
///
/// B's push may fail only in the documented window: its own pop found nothing (the other two
/// took both values) and their nodes are not back in the free list yet. A pop that got a
/// value returns its node before the push, so the push must then succeed.
fn static_aba() {
    let (stack, gate) = (static_with(&[1, 2]), Gate::new());
    let b = static_spawn(&stack, &gate, |stack| {
        let popped = stack.pop();
        let pushed = stack.push(3);
        if popped.is_some() {
            assert_eq!(pushed, Ok(()), "B's pop returned a node for its push");
        }
        (popped, pushed)
    });
    let c = static_spawn(&stack, &gate, Static::pop);
    gate.cross();
    let mine = stack.pop();
    let (b_popped, b_pushed) = b.join().unwrap();
    let c = c.join().unwrap();
    let op = |v: Option<usize>| Op::Pop(v.map(|v| v as u64));
    let mut b_history = vec![op(b_popped)];
    match b_pushed {
        Ok(()) => b_history.push(Op::Push(3)),
        Err(back) => assert_eq!(back, 3, "a failed push hands its own value back"),
    }
    let left = static_drain(&stack).into_iter().map(|v| v as u64).collect();
    assert_lifo(&[1, 2], &[&[op(mine)], &b_history, &[op(c)]], left);
}

#[test]
fn static_stack_push_pop_race() {
    loom::model(static_push_pop_race);
}

#[test]
fn static_stack_full_push_races_pop() {
    loom::model(static_full_push_races_pop);
}

#[test]
fn static_stack_empty_pop_races_push() {
    loom::model(static_empty_pop_races_push);
}

#[test]
fn static_stack_aba() {
    loom::model(static_aba);
}
