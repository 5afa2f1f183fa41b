#![cfg(all(feature = "alloc", not(ccol_loom)))]
//! The ccol-specs queue suites, on every capacity edge of both queues:
//!
//! - **Sequential conformance** against the FIFO model (`QueueModel`): the ccol-specs suite
//!   (proptest sequences of up to 64 pushes and pops), and bursts of pushes and pops long
//!   enough to fill a queue of any capacity, over-fill it, drain it, pop it empty past the
//!   ring's threshold, and wrap its rings many cycles, checking `len`, `is_empty` and
//!   `is_full` after every burst. Capacities: 1, 2, 3 (not a power of two), rings below the
//!   remap granule (4 and 8: 8 and 16 slots, identity map on 64-bit targets), the first
//!   remapped ring (16: 32 slots), 64, and large (1000, 1024).
//! - **Linearizability** of recorded 4-thread histories (unique values, many short rounds),
//!   checked by the ccol-specs checker: against the plain FIFO model on queues too large to
//!   fill, and on capacities 1 to 4, where full and empty both occur, against the same model
//!   with the documented capacity window (see [`WindowModel`]).

mod common;

use ccol_atomics::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use ccol_specs::{
    Checker, History, Model,
    conformance::{Config, QueueUnderTest, check_queue_conformance, check_queue_linearizable},
    model::{QueueModel, QueueOp, QueueRet},
    run_concurrent,
};
use common::{Boxed, bounded_queue, scaled, static_queue};
use proptest::{
    collection::vec,
    prelude::*,
    test_runner::{self, TestCaseError, TestRunner},
};

/// The adapter of the ccol-specs suites: any queue of `u64`.
struct Adapter(Boxed<'static, u64>);

impl QueueUnderTest for Adapter {
    fn push(&self, value: u64) -> Result<(), u64> {
        self.0
            .push(value)
            .map_err(ccol_queues::PushError::into_inner)
    }

    fn pop(&self) -> Option<u64> {
        self.0.pop()
    }

    fn capacity(&self) -> Option<usize> {
        Some(self.0.capacity())
    }
}

/// Which queue a test builds.
#[derive(Clone, Copy, Debug)]
enum Kind {
    /// `StaticQueue<u64, N>` (`N` a power of two the helpers instantiate).
    Static,
    /// `BoundedQueue::new`.
    Bounded,
}

impl Kind {
    fn make(self, capacity: usize) -> Boxed<'static, u64> {
        let queue = match self {
            Self::Static => static_queue(capacity),
            Self::Bounded => bounded_queue(capacity),
        };
        assert_eq!(queue.capacity(), capacity);
        queue
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

/// The ccol-specs sequential suite on a queue of `capacity` (the suite's hint is ignored).
fn suite(kind: Kind, capacity: usize) {
    let config = Config {
        cases: scaled(96, 2) as u32,
        ..Config::default()
    };
    pass(check_queue_conformance(&config, |_hint| {
        Adapter(kind.make(capacity))
    }));
}

/// One step of a burst case: `Push(k)` pushes the next `k` values, `Pop(k)` pops `k` times.
#[derive(Clone, Copy, Debug)]
enum Burst {
    Push(usize),
    Pop(usize),
}

/// Bursts of pushes and pops against the FIFO model: each burst is up to `capacity + 2`
/// pushes (so a full queue refuses some) or up to `3 * capacity.next_power_of_two() + 2` pops
/// (so an empty queue's pops run its ring's threshold below zero). `len`, `is_empty` and
/// `is_full` must match the model after each burst (they are exact without concurrency).
fn bursts(kind: Kind, capacity: usize, cases: usize, max_bursts: usize) {
    let half = capacity.next_power_of_two();
    let burst = prop_oneof![
        (1..=capacity + 2).prop_map(Burst::Push),
        (1..=3 * half + 2).prop_map(Burst::Pop),
    ];
    let config = test_runner::Config {
        cases: cases as u32,
        failure_persistence: None,
        max_shrink_iters: scaled(1024, 16) as u32,
        ..test_runner::Config::default()
    };
    let mut runner = TestRunner::new(config);
    let result = runner.run(&vec(burst, 1..=max_bursts), |bursts| {
        let queue = kind.make(capacity);
        let mut model = QueueModel::with_capacity(capacity);
        let mut next = 0u64;
        for (b, &burst) in bursts.iter().enumerate() {
            let (op, count) = match burst {
                Burst::Push(k) => (None, k),
                Burst::Pop(k) => (Some(QueueOp::Pop), k),
            };
            for i in 0..count {
                let op = op.clone().unwrap_or_else(|| {
                    next += 1;
                    QueueOp::Push(next)
                });
                let want = model.apply(&op);
                let got = match op {
                    QueueOp::Push(v) => match queue.push(v) {
                        Ok(()) => QueueRet::Pushed,
                        Err(err) => {
                            prop_assert!(err.is_full(), "a bounded queue is never closed");
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
                len == capacity,
                "is_full after burst {}",
                b
            );
        }
        Ok::<(), TestCaseError>(())
    });
    if let Err(err) = result {
        panic!("{kind:?} queue of capacity {capacity}: {err}");
    }
}

/// Both sequential checks on one capacity; large capacities get fewer burst cases (each one
/// is thousands of operations).
fn sequential(kind: Kind, capacity: usize) {
    suite(kind, capacity);
    if cfg!(miri) && capacity >= 64 {
        // Under Miri a burst case of a large queue takes minutes; the suite above still
        // runs on it, and the natively run bursts cover full and wrapped large rings.
        return;
    }
    if capacity >= 1000 {
        bursts(kind, capacity, scaled(12, 1), scaled(12, 2));
    } else {
        bursts(kind, capacity, scaled(96, 2), scaled(24, 6));
    }
}

/// One `#[test]` per (kind, capacity): `name => Kind, capacity;`.
macro_rules! sequential_tests {
    ($($name:ident => $kind:ident, $capacity:expr;)*) => {
        $(
            #[test]
            fn $name() {
                sequential(Kind::$kind, $capacity);
            }
        )*
    };
}

sequential_tests! {
    static_sequential_capacity_1 => Static, 1;
    static_sequential_capacity_2 => Static, 2;
    static_sequential_capacity_4 => Static, 4;
    static_sequential_capacity_8_identity_map => Static, 8;
    static_sequential_capacity_16_first_remapped_ring => Static, 16;
    static_sequential_capacity_64 => Static, 64;
    static_sequential_capacity_1024 => Static, 1024;
    bounded_sequential_capacity_1 => Bounded, 1;
    bounded_sequential_capacity_2 => Bounded, 2;
    bounded_sequential_capacity_3 => Bounded, 3;
    bounded_sequential_capacity_4 => Bounded, 4;
    bounded_sequential_capacity_8_identity_map => Bounded, 8;
    bounded_sequential_capacity_16_first_remapped_ring => Bounded, 16;
    bounded_sequential_capacity_1000 => Bounded, 1000;
    bounded_sequential_capacity_1024 => Bounded, 1024;
}

/// The ccol-specs suite as written: the capacity is the suite's hint (1 to 8, so 5, 6 and 7
/// too).
#[test]
fn bounded_sequential_capacity_of_the_hint() {
    let config = Config {
        cases: scaled(128, 4) as u32,
        ..Config::default()
    };
    pass(check_queue_conformance(&config, |hint| {
        Adapter(Kind::Bounded.make(hint))
    }));
}

/// The suites do catch a broken queue: a "queue" whose capacity is one less than it
/// reports, and a LIFO, both fail, so the passes above are not vacuous.
#[test]
fn the_sequential_suites_reject_broken_queues() {
    struct Lifo(std::sync::Mutex<Vec<u64>>, usize);
    impl QueueUnderTest for Lifo {
        fn push(&self, value: u64) -> Result<(), u64> {
            let mut items = self.0.lock().unwrap();
            if items.len() == self.1 {
                return Err(value);
            }
            items.push(value);
            Ok(())
        }
        fn pop(&self) -> Option<u64> {
            self.0.lock().unwrap().pop()
        }
        fn capacity(&self) -> Option<usize> {
            Some(self.1)
        }
    }
    let config = Config {
        cases: 32,
        ..Config::default()
    };
    let result = check_queue_conformance(&config, |hint| Lifo(Default::default(), hint));
    assert!(result.is_err(), "a LIFO passed the FIFO suite");
}

// ---------------------------------------------------------------------------------------------
// Linearizability

/// More cells than a round pushes values (4 threads x 12 operations), so "full" never occurs
/// and the plain FIFO model applies. Not a power of two, to use a ring half empty.
const ROOMY: usize = 50;

#[test]
fn static_linearizable_never_full() {
    let config = Config::default();
    assert!(config.threads * config.ops_per_thread <= 64);
    pass(check_queue_linearizable(&config, |_hint| {
        Adapter(Kind::Static.make(64))
    }));
}

#[test]
fn bounded_linearizable_never_full() {
    let config = Config::default();
    assert!(config.threads * config.ops_per_thread <= ROOMY);
    pass(check_queue_linearizable(&config, |_hint| {
        Adapter(Kind::Bounded.make(ROOMY))
    }));
}

/// The FIFO model with the capacity window the queues document: a value holds a cell from
/// the moment its push takes one until its pop has given it back, so a push may be refused
/// while fewer than `capacity` values are in the queue if operations in flight hold cells.
///
/// A refused push is recorded as [`WindowOp::Refused`] with the number of operations of
/// other threads that overlap it in real time and held a cell at some point (successful
/// pushes and pops: a refused push or an empty pop never takes one). The model accepts the
/// refusal exactly when the values in the queue plus those operations reach the capacity:
/// sound (every cell taken at the refusal's moment belongs to a queued value or to such an
/// operation) and strict when nothing overlaps. Everything else is the plain FIFO model:
/// successful pushes still may not exceed the capacity, and pops must be FIFO and may report
/// empty only when the queue is.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct WindowModel {
    queue: QueueModel<u64>,
    capacity: usize,
}

/// An operation of [`WindowModel`].
#[derive(Clone, Debug)]
enum WindowOp {
    /// A push that succeeded (or should have: the model decides).
    Push(u64),
    /// A push the queue refused, and the cell holders that overlapped it.
    Refused {
        value: u64,
        in_transit: usize,
    },
    Pop,
}

impl Model for WindowModel {
    type Op = WindowOp;
    type Ret = QueueRet<u64>;

    fn apply(&mut self, op: &WindowOp) -> QueueRet<u64> {
        match op {
            WindowOp::Push(value) => self.queue.apply(&QueueOp::Push(*value)),
            WindowOp::Pop => self.queue.apply(&QueueOp::Pop),
            WindowOp::Refused { value, in_transit } => {
                if self.queue.items().len() + in_transit >= self.capacity {
                    QueueRet::Full(*value)
                } else {
                    // Not a legal refusal here: a result that differs from the recorded
                    // `Full` (the state is left as is; the checker abandons this order).
                    QueueRet::Pushed
                }
            }
        }
    }
}

/// Rewrites a recorded history for [`WindowModel`] (see its docs for the overlap count), and
/// appends the pops of the drain that followed it (`drained`, then an empty pop), so that the
/// values left in the queue must be the ones the linearization leaves.
fn with_window(history: &History<QueueModel<u64>>, drained: &[u64]) -> History<WindowModel> {
    let ops = history.ops();
    let holds_a_cell = |ret: Option<&QueueRet<u64>>| {
        matches!(ret, Some(QueueRet::Pushed | QueueRet::Popped(Some(_))))
    };
    let mut out = History::new();
    for (i, op) in ops.iter().enumerate() {
        let ret = op
            .ret()
            .expect("the recorder completes every operation")
            .clone();
        let new = match (op.op(), &ret) {
            (QueueOp::Push(value), QueueRet::Full(_)) => WindowOp::Refused {
                value: *value,
                in_transit: ops
                    .iter()
                    .enumerate()
                    .filter(|&(j, other)| {
                        j != i
                            && !other.precedes(op)
                            && !op.precedes(other)
                            && holds_a_cell(other.ret())
                    })
                    .count(),
            },
            (QueueOp::Push(value), _) => WindowOp::Push(*value),
            (QueueOp::Pop, _) => WindowOp::Pop,
            (QueueOp::TryPop | QueueOp::Close, _) => unreachable!("only pushes and pops here"),
        };
        let returned = op.returned().expect("completed");
        out.push_complete(op.thread(), op.invoked(), returned, new, ret);
    }
    let mut clock = ops.iter().filter_map(|op| op.returned()).max().unwrap_or(0);
    let drain = drained.iter().map(|&v| Some(v)).chain([None]);
    for got in drain {
        out.push_complete(
            0,
            clock + 1,
            clock + 2,
            WindowOp::Pop,
            QueueRet::Popped(got),
        );
        clock += 2;
    }
    out
}

/// `rounds` recorded 4-thread histories (12 operations per thread; 2 x 6 under Miri) on a
/// fresh queue of `capacity` each, checked against [`WindowModel`]. Also requires that the
/// rounds together saw pushes refused and pops find the queue empty (natively), so the
/// edges were really exercised.
fn linearizable_small(kind: Kind, capacity: usize) {
    let defaults = Config::default();
    let rounds = scaled(150, 1);
    let checker = Checker::new();
    let next = AtomicU64::new(0);
    let (fulls, empties) = (AtomicUsize::new(0), AtomicUsize::new(0));
    for round in 0..rounds {
        let queue = kind.make(capacity);
        let history = run_concurrent::<QueueModel<u64>, _, _>(
            defaults.threads,
            defaults.ops_per_thread,
            1_000 + round as u64,
            |_, rng| {
                if rng.percent(50) {
                    // Relaxed: only uniqueness matters.
                    QueueOp::Push(next.fetch_add(1, Ordering::Relaxed))
                } else {
                    QueueOp::Pop
                }
            },
            |_, op| match op {
                QueueOp::Push(v) => match queue.push(*v) {
                    Ok(()) => QueueRet::Pushed,
                    Err(err) => {
                        // Relaxed: a statistic read after the threads are joined.
                        fulls.fetch_add(1, Ordering::Relaxed);
                        QueueRet::Full(err.into_inner())
                    }
                },
                QueueOp::Pop => {
                    let got = queue.pop();
                    if got.is_none() {
                        // Relaxed: as above.
                        empties.fetch_add(1, Ordering::Relaxed);
                    }
                    QueueRet::Popped(got)
                }
                QueueOp::TryPop | QueueOp::Close => unreachable!("only pushes and pops here"),
            },
        );
        // The threads are joined: the queue is quiescent, and what it holds must be exactly
        // what the history leaves (checked with the history).
        let drained: Vec<u64> = core::iter::from_fn(|| queue.pop()).collect();
        assert!(
            drained.len() <= capacity,
            "{drained:?} left in a queue of {capacity}"
        );
        let history = with_window(&history, &drained);
        let initial = WindowModel {
            queue: QueueModel::with_capacity(capacity),
            capacity,
        };
        if let Err(err) = checker.check(&history, &initial) {
            panic!(
                "{kind:?} queue of capacity {capacity}, round {round}: {err}\nhistory:\n{history}"
            );
        }
    }
    // Relaxed: read after every round's threads were joined.
    let (fulls, empties) = (
        fulls.load(Ordering::Relaxed),
        empties.load(Ordering::Relaxed),
    );
    if !cfg!(miri) {
        assert!(
            fulls > 0 && empties > 0,
            "edges not reached: {fulls} full, {empties} empty"
        );
    }
}

#[test]
fn static_linearizable_capacity_1() {
    linearizable_small(Kind::Static, 1);
}

#[test]
fn static_linearizable_capacity_2() {
    linearizable_small(Kind::Static, 2);
}

#[test]
fn static_linearizable_capacity_4() {
    linearizable_small(Kind::Static, 4);
}

#[test]
fn bounded_linearizable_capacity_1() {
    linearizable_small(Kind::Bounded, 1);
}

#[test]
fn bounded_linearizable_capacity_2() {
    linearizable_small(Kind::Bounded, 2);
}

#[test]
fn bounded_linearizable_capacity_3() {
    linearizable_small(Kind::Bounded, 3);
}

/// The window model is not a blank cheque: a push refused while the queue had room and
/// nothing overlapped it, and a pop that reports empty while a value is queued, both fail.
#[test]
fn the_window_model_rejects_refusals_with_room_and_false_empties() {
    let initial = WindowModel {
        queue: QueueModel::with_capacity(2),
        capacity: 2,
    };
    let checker = Checker::new();
    let mut refused = History::<WindowModel>::new();
    refused.push_complete(0, 0, 1, WindowOp::Push(1), QueueRet::Pushed);
    refused.push_complete(
        1,
        2,
        3,
        WindowOp::Refused {
            value: 2,
            in_transit: 0,
        },
        QueueRet::Full(2),
    );
    assert!(checker.check(&refused, &initial).is_err());
    // One overlapping holder makes the same refusal legal.
    let mut overlapped = History::<WindowModel>::new();
    overlapped.push_complete(0, 0, 5, WindowOp::Push(1), QueueRet::Pushed);
    overlapped.push_complete(0, 6, 9, WindowOp::Pop, QueueRet::Popped(Some(1)));
    overlapped.push_complete(
        1,
        1,
        4,
        WindowOp::Refused {
            value: 2,
            in_transit: 1,
        },
        QueueRet::Full(2),
    );
    assert!(checker.check(&overlapped, &initial).is_ok());
    let mut false_empty = History::<WindowModel>::new();
    false_empty.push_complete(0, 0, 1, WindowOp::Push(1), QueueRet::Pushed);
    false_empty.push_complete(1, 2, 3, WindowOp::Pop, QueueRet::Popped(None));
    assert!(checker.check(&false_empty, &initial).is_err());
}
