#![cfg(all(
    feature = "std",
    feature = "ibr",
    feature = "debra",
    target_pointer_width = "64",
    not(ccol_loom)
))]
//! The ccol-specs queue suites on `LockFreeQueue<u64, R>`, under both schemes:
//!
//! - **Sequential conformance** against the FIFO model (`QueueModel`): the ccol-specs suite
//!   and bursts of pushes and pops, for the unbounded form with segments of 1, 2, 3, 4 and 16
//!   values (tiny segments: nearly every burst closes a segment, links a new one, and moves
//!   the head across a finalized one) and the default 1024, and for `LockFreeQueue::bounded`
//!   (3 and 8; 8 is a power of two, 3 is not). Pop bursts sometimes run an empty segment's
//!   threshold below zero. `len`, `is_empty` and `is_full` must match the model after every
//!   burst.
//! - **Linearizability** of recorded 4-thread histories (unique values, many short rounds) on
//!   unbounded queues with segments of 1 and 2 values, so that finalization and the hand-over
//!   to the next segment happen inside the histories. Each history is extended by the drain
//!   that follows it, so a value lost (or left behind in an abandoned segment) fails it.

mod common;

use ccol_atomics::sync::atomic::{AtomicU64, Ordering};
use ccol_queues::{DEFAULT_SEGMENT_CAPACITY, LockFreeQueue, Queue};
use ccol_reclaim::Reclaim;
use ccol_specs::{
    Checker, History, Model,
    conformance::{Config, QueueUnderTest, check_queue_conformance},
    model::{QueueModel, QueueOp, QueueRet},
    run_concurrent,
};
use common::{for_each_scheme, scaled};
use proptest::{
    collection::vec,
    prelude::*,
    test_runner::{self, TestCaseError, TestRunner},
};

/// The adapter of the ccol-specs suites: a `LockFreeQueue` of `u64`, through the `Queue`
/// trait (its capacity decides which model applies: `None` is the unbounded one).
struct Adapter<R: Reclaim>(LockFreeQueue<u64, R>);

impl<R: Reclaim> QueueUnderTest for Adapter<R> {
    fn push(&self, value: u64) -> Result<(), u64> {
        Queue::push(&self.0, value).map_err(ccol_queues::PushError::into_inner)
    }

    fn pop(&self) -> Option<u64> {
        Queue::pop(&self.0)
    }

    fn capacity(&self) -> Option<usize> {
        Queue::capacity(&self.0)
    }
}

/// Which queue a test builds.
#[derive(Clone, Copy, Debug)]
enum Form {
    /// `unbounded_with_segment_capacity(n)`.
    Unbounded(usize),
    /// `bounded(n)`.
    Bounded(usize),
}

impl Form {
    fn make<R: Reclaim>(self) -> LockFreeQueue<u64, R> {
        match self {
            Self::Unbounded(segment) => {
                let queue = LockFreeQueue::unbounded_with_segment_capacity(segment);
                assert_eq!(queue.segment_capacity(), Some(segment));
                assert_eq!(queue.capacity(), None);
                queue
            }
            Self::Bounded(capacity) => {
                let queue = LockFreeQueue::bounded(capacity);
                assert_eq!(queue.capacity(), Some(capacity));
                queue
            }
        }
    }

    /// The number of values that makes a burst span segments (or fill the bounded queue).
    fn size(self) -> usize {
        match self {
            Self::Unbounded(n) | Self::Bounded(n) => n,
        }
    }
}

/// Runs a suite and prints its report on failure.
#[track_caller]
fn pass(result: Result<(), ccol_specs::conformance::ConformanceError>) {
    if let Err(err) = result {
        panic!("{err}");
    }
}

// ---------------------------------------------------------------------------------------------
// Sequential conformance

/// One step of a burst case: `Push(k)` pushes the next `k` values, `Pop(k)` pops `k` times.
#[derive(Clone, Copy, Debug)]
enum Burst {
    Push(usize),
    Pop(usize),
}

/// Bursts against the FIFO model. Push bursts are up to `3n + 2` values (`n` the segment
/// capacity or the bounded capacity: several segments' worth, or an over-full bounded queue),
/// pop bursts up to `3n + 2`, and one pop burst in six is long enough to run an empty ring's
/// threshold below zero (`2 * half + 128` failed attempts, `ring` module docs).
fn bursts<R: Reclaim>(form: Form, cases: usize, max_bursts: usize) {
    let n = form.size();
    let threshold_run = 2 * n.next_power_of_two() + 130;
    let burst = prop_oneof![
        3 => (1..=3 * n + 2).prop_map(Burst::Push),
        2 => (1..=3 * n + 2).prop_map(Burst::Pop),
        1 => Just(Burst::Pop(threshold_run)),
    ];
    let config = test_runner::Config {
        cases: cases as u32,
        failure_persistence: None,
        max_shrink_iters: scaled(1024, 16) as u32,
        ..test_runner::Config::default()
    };
    let mut runner = TestRunner::new(config);
    let result = runner.run(&vec(burst, 1..=max_bursts), |bursts| {
        let queue = form.make::<R>();
        let capacity = queue.capacity();
        let mut model = capacity.map_or_else(QueueModel::new, QueueModel::with_capacity);
        let mut next = 0u64;
        for (b, &burst) in bursts.iter().enumerate() {
            let (push, count) = match burst {
                Burst::Push(k) => (true, k),
                Burst::Pop(k) => (false, k),
            };
            for i in 0..count {
                let op = if push {
                    next += 1;
                    QueueOp::Push(next)
                } else {
                    QueueOp::Pop
                };
                let want = model.apply(&op);
                let got = match op {
                    QueueOp::Push(v) => match queue.push(v) {
                        Ok(()) => QueueRet::Pushed,
                        Err(err) => {
                            prop_assert!(err.is_full(), "a queue is never closed");
                            QueueRet::Full(err.into_inner())
                        }
                    },
                    QueueOp::Pop => QueueRet::Popped(queue.pop()),
                    QueueOp::TryPop | QueueOp::Close => unreachable!("only pushes and pops here"),
                };
                prop_assert_eq!(&got, &want, "burst {} ({:?}), step {}", b, burst, i);
            }
            let len = model.items().len();
            prop_assert_eq!(queue.len(), len, "len after burst {}", b);
            prop_assert_eq!(queue.is_empty(), len == 0, "is_empty after burst {}", b);
            prop_assert_eq!(
                queue.is_full(),
                capacity == Some(len),
                "is_full after burst {}",
                b
            );
        }
        Ok::<(), TestCaseError>(())
    });
    if let Err(err) = result {
        panic!("{} {form:?}: {err}", R::NAME);
    }
}

/// The ccol-specs suite (its capacity hint ignored) and the bursts on one form.
fn sequential<R: Reclaim>(form: Form) {
    let config = Config {
        cases: scaled(64, 2) as u32,
        ..Config::default()
    };
    pass(check_queue_conformance(&config, |_hint| {
        Adapter(form.make::<R>())
    }));
    if form.size() >= 1000 {
        if !cfg!(miri) {
            bursts::<R>(form, 8, 10);
        }
    } else {
        bursts::<R>(form, scaled(64, 1), scaled(24, 4));
    }
}

fn segment_1<R: Reclaim>() {
    sequential::<R>(Form::Unbounded(1));
}

fn segment_2<R: Reclaim>() {
    sequential::<R>(Form::Unbounded(2));
}

fn segment_3<R: Reclaim>() {
    sequential::<R>(Form::Unbounded(3));
}

fn segment_4<R: Reclaim>() {
    sequential::<R>(Form::Unbounded(4));
}

fn segment_16<R: Reclaim>() {
    sequential::<R>(Form::Unbounded(16));
}

fn segment_default<R: Reclaim>() {
    assert_eq!(
        LockFreeQueue::<u64, R>::unbounded().segment_capacity(),
        Some(DEFAULT_SEGMENT_CAPACITY)
    );
    // Under Miri each case would allocate a 1024-value segment: the small segments above
    // cover the same code there.
    if !cfg!(miri) {
        sequential::<R>(Form::Unbounded(DEFAULT_SEGMENT_CAPACITY));
    }
}

fn bounded_3<R: Reclaim>() {
    sequential::<R>(Form::Bounded(3));
}

fn bounded_8<R: Reclaim>() {
    sequential::<R>(Form::Bounded(8));
}

/// The suite as written, with the hint (1 to 8) as the segment capacity.
fn segment_of_the_hint<R: Reclaim>() {
    let config = Config {
        cases: scaled(96, 2) as u32,
        ..Config::default()
    };
    pass(check_queue_conformance(&config, |hint| {
        Adapter(Form::Unbounded(hint).make::<R>())
    }));
}

// ---------------------------------------------------------------------------------------------
// Linearizability

/// `rounds` recorded 4-thread histories (12 operations per thread; 2 x 6 under Miri) on a
/// fresh unbounded queue with segments of `segment` values each, checked against the FIFO
/// model with the drain after the joins appended (values left must be the model's).
fn linearizable<R: Reclaim>(segment: usize) {
    let defaults = Config::default();
    let rounds = scaled(200, 1);
    let checker = Checker::new();
    let next = AtomicU64::new(0);
    #[cfg(feature = "stats")]
    let mut appended = 0;
    for round in 0..rounds {
        let queue = Form::Unbounded(segment).make::<R>();
        let history = run_concurrent::<QueueModel<u64>, _, _>(
            defaults.threads,
            defaults.ops_per_thread,
            7_000 + round as u64,
            |_, rng| {
                if rng.percent(55) {
                    // Relaxed: only uniqueness matters.
                    QueueOp::Push(next.fetch_add(1, Ordering::Relaxed))
                } else {
                    QueueOp::Pop
                }
            },
            |_, op| match op {
                QueueOp::Push(v) => match queue.push(*v) {
                    Ok(()) => QueueRet::Pushed,
                    Err(err) => QueueRet::Full(err.into_inner()),
                },
                QueueOp::Pop => QueueRet::Popped(queue.pop()),
                QueueOp::TryPop | QueueOp::Close => unreachable!("only pushes and pops here"),
            },
        );
        #[cfg(feature = "stats")]
        {
            appended += queue.stats().ring_allocations;
        }
        // Bounded: a corrupt queue must fail the round, not hang it.
        let pushes = history.ops().len();
        let drained: Vec<u64> = (0..=pushes).map_while(|_| queue.pop()).collect();
        let history = with_drain(&history, &drained);
        if let Err(err) = checker.check(&history, &QueueModel::new()) {
            panic!(
                "{} queue with segments of {segment}, round {round}: {err}\nhistory:\n{history}",
                R::NAME
            );
        }
    }
    // The histories did cross segments (known with the counters only).
    #[cfg(feature = "stats")]
    assert!(appended > 0, "no segment was appended in {rounds} rounds");
}

/// `history` followed by the pops of the drain (`drained`, then an empty pop), one after the
/// other on thread 0, after every recorded operation returned.
fn with_drain(history: &History<QueueModel<u64>>, drained: &[u64]) -> History<QueueModel<u64>> {
    let mut out = History::new();
    for op in history.ops() {
        let ret = op.ret().expect("the recorder completes every operation");
        let returned = op.returned().expect("completed");
        out.push_complete(
            op.thread(),
            op.invoked(),
            returned,
            op.op().clone(),
            ret.clone(),
        );
    }
    let mut clock = history
        .ops()
        .iter()
        .filter_map(|op| op.returned())
        .max()
        .unwrap_or(0);
    for got in drained.iter().map(|&v| Some(v)).chain([None]) {
        out.push_complete(0, clock + 1, clock + 2, QueueOp::Pop, QueueRet::Popped(got));
        clock += 2;
    }
    out
}

fn linearizable_segment_1<R: Reclaim>() {
    linearizable::<R>(1);
}

fn linearizable_segment_2<R: Reclaim>() {
    linearizable::<R>(2);
}

/// The appended drain is what makes a lost value visible: a history whose push is never
/// popped passes alone (the value may still be queued) and fails with the empty drain.
fn a_lost_value_fails_the_drained_history<R: Reclaim>() {
    let mut history = History::<QueueModel<u64>>::new();
    history.push_complete(0, 0, 1, QueueOp::Push(1), QueueRet::Pushed);
    history.push_complete(1, 2, 3, QueueOp::Push(2), QueueRet::Pushed);
    history.push_complete(1, 4, 5, QueueOp::Pop, QueueRet::Popped(Some(1)));
    let checker = Checker::new();
    assert!(checker.check(&history, &QueueModel::new()).is_ok());
    assert!(
        checker
            .check(&with_drain(&history, &[2]), &QueueModel::new())
            .is_ok()
    );
    assert!(
        checker
            .check(&with_drain(&history, &[]), &QueueModel::new())
            .is_err()
    );
    // And the queue itself, sequentially, leaves exactly what the model leaves.
    let queue = Form::Unbounded(1).make::<R>();
    queue.push(1).unwrap();
    queue.push(2).unwrap();
    assert_eq!(queue.pop(), Some(1));
    assert_eq!(queue.pop(), Some(2));
    assert_eq!(queue.pop(), None);
}

for_each_scheme!(
    sequential_segment_capacity_1 => segment_1,
    sequential_segment_capacity_2 => segment_2,
    sequential_segment_capacity_3 => segment_3,
    sequential_segment_capacity_4 => segment_4,
    sequential_segment_capacity_16 => segment_16,
    sequential_default_segment_capacity => segment_default,
    sequential_segment_capacity_of_the_hint => segment_of_the_hint,
    sequential_bounded_capacity_3 => bounded_3,
    sequential_bounded_capacity_8 => bounded_8,
    linearizable_segment_capacity_1 => linearizable_segment_1,
    linearizable_segment_capacity_2 => linearizable_segment_2,
    drained_histories_catch_lost_values => a_lost_value_fails_the_drained_history,
);
