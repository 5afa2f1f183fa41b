#![cfg(all(feature = "std", not(ccol_loom)))]
//! The ccol-specs closable-queue suites (pushes, pops, try-pops and closes against the FIFO
//! model with a closed flag) on every queue of the crate:
//!
//! - **Sequential conformance**: `StaticQueue` (4 and 8 cells), `BoundedQueue` and
//!   `LockFreeQueue::bounded` at the generated capacity (1 to 8, so full and closed meet),
//!   and `LockFreeQueue::unbounded` with segments of 1, 2 and 3 values under both schemes
//!   (a close lands on a segment just finalized by a push, or on a fresh one).
//! - **Linearizability** of recorded 4-thread histories with closes mid-run: a push after
//!   the close must be refused, a push before it must be drained, and `Drained` may only be
//!   reported once every pushed value is gone. Bounded queues get a capacity the run cannot
//!   fill (their refusals when full are not strictly linearizable; `conformance.rs` checks
//!   those with a capacity-window model).

mod common;

use ccol_queues::{BoundedQueue, PopError, PushError, Queue, StaticQueue};
use ccol_specs::{
    conformance::{
        ClosableQueueUnderTest, Config, check_closable_queue_conformance,
        check_closable_queue_linearizable,
    },
    model::{QueueOp, QueueRet},
};
use common::scaled;

/// Any queue of the crate, through the `Queue` trait (which has every operation the suites
/// use).
struct Adapter<Q: ?Sized>(Box<Q>);

impl<Q: Queue<u64> + ?Sized> ClosableQueueUnderTest for Adapter<Q> {
    fn apply(&self, op: &QueueOp<u64>) -> QueueRet<u64> {
        match op {
            QueueOp::Push(value) => match self.0.push(*value) {
                Ok(()) => QueueRet::Pushed,
                Err(PushError::Full(back)) => QueueRet::Full(back),
                Err(PushError::Closed(back)) => QueueRet::Closed(back),
            },
            QueueOp::Pop => QueueRet::Popped(self.0.pop()),
            QueueOp::TryPop => match self.0.try_pop() {
                Ok(value) => QueueRet::Popped(Some(value)),
                Err(PopError::Empty) => QueueRet::Popped(None),
                Err(PopError::Closed) => QueueRet::Drained,
            },
            QueueOp::Close => QueueRet::Close(self.0.close()),
        }
    }

    fn capacity(&self) -> Option<usize> {
        self.0.capacity()
    }
}

fn sequential(make: impl Fn(usize) -> Box<dyn Queue<u64>>) {
    let config = Config {
        cases: scaled(256, 8) as u32,
        ..Config::default()
    };
    if let Err(failure) = check_closable_queue_conformance(&config, |hint| Adapter(make(hint))) {
        panic!("{failure}");
    }
}

fn linearizable<Q: Queue<u64> + Sync>(make: impl Fn() -> Q) {
    let config = Config {
        rounds: scaled(150, 2) as u32,
        ..Config::default()
    };
    if let Err(failure) = check_closable_queue_linearizable(&config, |_| Adapter(Box::new(make())))
    {
        panic!("{failure}");
    }
}

#[test]
fn static_queues_follow_the_closable_model() {
    sequential(|_| Box::new(StaticQueue::<u64, 4>::new()));
    sequential(|_| Box::new(StaticQueue::<u64, 8>::new()));
}

#[test]
fn bounded_queues_follow_the_closable_model() {
    sequential(|hint| Box::new(BoundedQueue::new(hint)));
}

#[test]
fn static_queue_closes_are_linearizable() {
    linearizable(StaticQueue::<u64, 64>::new);
}

#[test]
fn bounded_queue_closes_are_linearizable() {
    linearizable(|| BoundedQueue::new(100));
}

#[cfg(all(feature = "ibr", feature = "debra", target_pointer_width = "64"))]
mod lock_free {
    use ccol_queues::LockFreeQueue;
    use ccol_reclaim::Reclaim;

    use super::{linearizable, sequential};

    fn follows_the_closable_model<R: Reclaim + 'static>() {
        sequential(|hint| Box::new(LockFreeQueue::<u64, R>::bounded(hint)));
        for segment in [1, 2, 3] {
            sequential(move |_| {
                Box::new(LockFreeQueue::<u64, R>::unbounded_with_segment_capacity(
                    segment,
                ))
            });
        }
    }

    fn closes_are_linearizable<R: Reclaim + 'static>() {
        for segment in [1, 2] {
            linearizable(|| LockFreeQueue::<u64, R>::unbounded_with_segment_capacity(segment));
        }
        linearizable(|| LockFreeQueue::<u64, R>::bounded(100));
    }

    super::common::for_each_scheme!(
        lock_free_queues_follow_the_closable_model => follows_the_closable_model,
        lock_free_queue_closes_are_linearizable => closes_are_linearizable,
    );
}
