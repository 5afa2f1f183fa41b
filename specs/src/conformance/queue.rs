//! Queue and stack suites.

use std::sync::atomic::{AtomicU64, Ordering};

use proptest::{collection::vec, prelude::*};

use super::{Config, ConformanceError, engine};
use crate::{
    model::{QueueModel, QueueOp, QueueRet, StackModel, StackOp, StackRet},
    rng::SplitMix64,
};

/// Adapter for a FIFO queue of `u64` under test.
pub trait QueueUnderTest {
    /// Appends `value`; `Err(value)` if the queue is full.
    ///
    /// # Errors
    ///
    /// The value, when the queue is at capacity.
    fn push(&self, value: u64) -> Result<(), u64>;

    /// Removes the oldest value; `None` if empty.
    fn pop(&self) -> Option<u64>;

    /// The exact capacity (`None`: unbounded, the default). Bounded queues may round the
    /// requested capacity; report the real one, since the model fills up at exactly this size.
    fn capacity(&self) -> Option<usize> {
        None
    }
}

/// Adapter for a closable FIFO queue of `u64` under test: [`QueueOp::Close`] closes it,
/// [`QueueOp::TryPop`] tells empty from closed and drained, and a push to a closed queue is
/// refused with [`QueueRet::Closed`].
pub trait ClosableQueueUnderTest {
    /// Applies `op` to the queue and reports its result in the model's terms.
    fn apply(&self, op: &QueueOp<u64>) -> QueueRet<u64>;

    /// The exact capacity (`None`: unbounded, the default).
    fn capacity(&self) -> Option<usize> {
        None
    }
}

/// Adapter for a LIFO stack of `u64` under test.
pub trait StackUnderTest {
    /// Pushes `value`; `Err(value)` if the stack is full.
    ///
    /// # Errors
    ///
    /// The value, when the stack is at capacity.
    fn push(&self, value: u64) -> Result<(), u64>;

    /// Removes the newest value; `None` if empty.
    fn pop(&self) -> Option<u64>;

    /// The exact capacity (`None`: unbounded, the default).
    fn capacity(&self) -> Option<usize> {
        None
    }
}

fn exec_queue<Q: QueueUnderTest + ?Sized>(q: &Q, op: &QueueOp<u64>) -> QueueRet<u64> {
    match op {
        QueueOp::Push(v) => match q.push(*v) {
            Ok(()) => QueueRet::Pushed,
            Err(back) => QueueRet::Full(back),
        },
        QueueOp::Pop => QueueRet::Popped(q.pop()),
        QueueOp::TryPop | QueueOp::Close => {
            unreachable!("the plain queue suites generate only pushes and pops")
        }
    }
}

fn exec_stack<S: StackUnderTest + ?Sized>(s: &S, op: &StackOp<u64>) -> StackRet<u64> {
    match op {
        StackOp::Push(v) => match s.push(*v) {
            Ok(()) => StackRet::Pushed,
            Err(back) => StackRet::Full(back),
        },
        StackOp::Pop => StackRet::Popped(s.pop()),
    }
}

fn queue_model<Q: QueueUnderTest>(q: &Q) -> QueueModel<u64> {
    q.capacity()
        .map_or_else(QueueModel::new, QueueModel::with_capacity)
}

fn stack_model<S: StackUnderTest>(s: &S) -> StackModel<u64> {
    s.capacity()
        .map_or_else(StackModel::new, StackModel::with_capacity)
}

/// A capacity hint in `1..=8` and a sequence of pushes (60 %, value = position) and pops.
fn push_pop_cases<Op: Clone + std::fmt::Debug>(
    config: &Config,
    push: fn(u64) -> Op,
    pop: Op,
) -> impl Strategy<Value = (usize, Vec<Op>)> {
    let ops = vec(proptest::bool::weighted(0.6), 0..=config.max_ops).prop_map(move |pushes| {
        (0u64..)
            .zip(pushes)
            .map(|(i, is_push)| if is_push { push(i) } else { pop.clone() })
            .collect()
    });
    (1usize..=8, ops)
}

/// Generates pushes of process-unique values (so losses and duplicates are visible) and pops,
/// half and half.
fn push_pop_generator<Op>(
    push: fn(u64) -> Op,
    pop: fn() -> Op,
) -> impl Fn(usize, &mut SplitMix64) -> Op + Sync {
    let next = AtomicU64::new(0);
    move |_, rng| {
        if rng.percent(50) {
            // Relaxed: only uniqueness matters, which a single atomic's RMWs guarantee.
            push(next.fetch_add(1, Ordering::Relaxed))
        } else {
            pop()
        }
    }
}

/// Sequential conformance of a queue against [`QueueModel`]. `make(hint)` builds an empty
/// queue; bounded queues should use `hint` (in `1..=8`) as their capacity.
///
/// # Errors
///
/// The minimal operation sequence whose results differ from the model.
pub fn check_queue_conformance<Q: QueueUnderTest>(
    config: &Config,
    make: impl Fn(usize) -> Q,
) -> Result<(), ConformanceError> {
    let cases = push_pop_cases(config, QueueOp::Push, QueueOp::Pop);
    engine::sequential(
        "queue conformance",
        config,
        cases,
        make,
        queue_model,
        exec_queue,
    )
}

/// Concurrent pushes (of unique values) and pops, checked for linearizability against
/// [`QueueModel`]. `make(hint)` builds an empty queue; bounded ones should use `hint` as
/// capacity.
///
/// # Errors
///
/// The checker's report for the first history that is not linearizable (or inconclusive).
pub fn check_queue_linearizable<Q: QueueUnderTest + Sync>(
    config: &Config,
    make: impl Fn(usize) -> Q,
) -> Result<(), ConformanceError> {
    let generate = push_pop_generator(QueueOp::Push, || QueueOp::Pop);
    engine::concurrent(
        "queue linearizability",
        config,
        make,
        queue_model,
        generate,
        exec_queue,
        |c, h, m| c.check(h, m),
    )
}

/// The operation mix of the closable suites out of 100: pushes (unique values), pops,
/// try-pops, and the rest closes (rare: a close is for good, the ops after it drain).
const CLOSABLE_MIX: [u32; 3] = [50, 20, 27];

fn closable_op(roll: u32, value: u64) -> QueueOp<u64> {
    let [push, pop, try_pop] = CLOSABLE_MIX;
    if roll < push {
        QueueOp::Push(value)
    } else if roll < push + pop {
        QueueOp::Pop
    } else if roll < push + pop + try_pop {
        QueueOp::TryPop
    } else {
        QueueOp::Close
    }
}

fn closable_model<Q: ClosableQueueUnderTest>(q: &Q) -> QueueModel<u64> {
    q.capacity()
        .map_or_else(QueueModel::new, QueueModel::with_capacity)
}

/// Sequential conformance of a closable queue against [`QueueModel`]: pushes, pops,
/// try-pops and closes in generated sequences (values = positions). `make(hint)` builds an
/// empty queue; bounded queues should use `hint` (in `1..=8`) as their capacity.
///
/// # Errors
///
/// The minimal operation sequence whose results differ from the model.
pub fn check_closable_queue_conformance<Q: ClosableQueueUnderTest>(
    config: &Config,
    make: impl Fn(usize) -> Q,
) -> Result<(), ConformanceError> {
    let ops = vec(0u32..100, 0..=config.max_ops).prop_map(|rolls| {
        (0u64..)
            .zip(rolls)
            .map(|(i, roll)| closable_op(roll, i))
            .collect::<Vec<_>>()
    });
    engine::sequential(
        "closable queue conformance",
        config,
        (1usize..=8, ops),
        make,
        closable_model,
        |q: &Q, op| q.apply(op),
    )
}

/// Concurrent pushes (of unique values), pops, try-pops and rare closes, checked for
/// linearizability against [`QueueModel`]: a close takes effect at one instant, pushes after
/// it are refused, and `Drained` is reported only when no pushed value is left. Bounded
/// queues whose refusals when full are not strictly linearizable should be given a capacity
/// the run cannot reach.
///
/// # Errors
///
/// The checker's report for the first history that is not linearizable (or inconclusive).
pub fn check_closable_queue_linearizable<Q: ClosableQueueUnderTest + Sync>(
    config: &Config,
    make: impl Fn(usize) -> Q,
) -> Result<(), ConformanceError> {
    let next = AtomicU64::new(0);
    let generate = move |_, rng: &mut SplitMix64| {
        // Relaxed: only uniqueness matters, which a single atomic's RMWs guarantee.
        let value = next.fetch_add(1, Ordering::Relaxed);
        // Closes at 1 in 100 ops per thread: most runs close once, mid-run.
        let roll = u32::try_from(rng.below(100)).unwrap_or(0);
        closable_op(if roll == 0 { 99 } else { roll * 97 / 100 }, value)
    };
    engine::concurrent(
        "closable queue linearizability",
        config,
        make,
        closable_model,
        generate,
        |q: &Q, op| q.apply(op),
        |c, h, m| c.check(h, m),
    )
}

/// Sequential conformance of a stack against [`StackModel`]. `make(hint)` builds an empty
/// stack; bounded stacks should use `hint` (in `1..=8`) as their capacity.
///
/// # Errors
///
/// The minimal operation sequence whose results differ from the model.
pub fn check_stack_conformance<S: StackUnderTest>(
    config: &Config,
    make: impl Fn(usize) -> S,
) -> Result<(), ConformanceError> {
    let cases = push_pop_cases(config, StackOp::Push, StackOp::Pop);
    engine::sequential(
        "stack conformance",
        config,
        cases,
        make,
        stack_model,
        exec_stack,
    )
}

/// Concurrent pushes (of unique values) and pops, checked for linearizability against
/// [`StackModel`].
///
/// # Errors
///
/// The checker's report for the first history that is not linearizable (or inconclusive).
pub fn check_stack_linearizable<S: StackUnderTest + Sync>(
    config: &Config,
    make: impl Fn(usize) -> S,
) -> Result<(), ConformanceError> {
    let generate = push_pop_generator(StackOp::Push, || StackOp::Pop);
    engine::concurrent(
        "stack linearizability",
        config,
        make,
        stack_model,
        generate,
        exec_stack,
        |c, h, m| c.check(h, m),
    )
}
