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
