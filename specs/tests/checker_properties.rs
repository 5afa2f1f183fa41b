//! Property tests of the linearizability checker: linearizable-by-construction histories
//! (sequential runs, runs widened around known linearization points, runs of mutex-protected
//! structures on real threads) are accepted with valid witnesses; corrupting one result into
//! something provably impossible is rejected.

extern crate alloc;

use alloc::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;

use ccol_specs::{
    Checker, History, Model, Partitioned,
    model::{
        MapModel, MapOp, MapRet, QueueModel, QueueOp, QueueRet, RegisterModel, RegisterOp,
        RegisterRet, SetModel, SetOp, StackModel, StackOp, StackRet,
    },
    run_concurrent,
};
use proptest::{collection::vec, prelude::*, test_runner::Config};

/// A value no workload ever writes.
const NEVER: u32 = u32::MAX;

fn config(cases: u32) -> Config {
    Config {
        cases: if cfg!(miri) { 4 } else { cases },
        failure_persistence: None,
        ..Config::default()
    }
}

/// Longest generated sequences (Miri is about a thousand times slower).
const LEN: usize = if cfg!(miri) { 8 } else { 80 };

fn queue_op() -> impl Strategy<Value = QueueOp<u32>> {
    prop_oneof![(0u32..50).prop_map(QueueOp::Push), Just(QueueOp::Pop)]
}

fn stack_op() -> impl Strategy<Value = StackOp<u32>> {
    prop_oneof![(0u32..50).prop_map(StackOp::Push), Just(StackOp::Pop)]
}

fn register_op() -> impl Strategy<Value = RegisterOp<u32>> {
    prop_oneof![
        Just(RegisterOp::Read),
        (0u32..4).prop_map(RegisterOp::Write),
        (0u32..4, 0u32..4).prop_map(|(expected, new)| RegisterOp::Cas { expected, new }),
    ]
}

fn map_op() -> impl Strategy<Value = MapOp<u32, u32>> {
    let k = 0u32..6;
    prop_oneof![
        (k.clone(), 0u32..4).prop_map(|(k, v)| MapOp::Insert(k, v)),
        (k.clone(), 0u32..4).prop_map(|(k, v)| MapOp::TryInsert(k, v)),
        (k.clone(), 0u32..4).prop_map(|(k, v)| MapOp::GetOrInsert(k, v)),
        (k.clone(), 0u32..4, 0u32..4).prop_map(|(key, expected, new)| MapOp::CompareAndReplace {
            key,
            expected,
            new
        }),
        k.clone().prop_map(MapOp::Get),
        k.clone().prop_map(MapOp::ContainsKey),
        k.clone().prop_map(MapOp::Remove),
        k.clone().prop_map(MapOp::Floor),
        k.prop_map(MapOp::Higher),
        Just(MapOp::PopFirst),
        Just(MapOp::Last),
        Just(MapOp::Len),
    ]
}

fn set_op() -> impl Strategy<Value = SetOp<u32>> {
    let k = 0u32..6;
    prop_oneof![
        k.clone().prop_map(SetOp::Insert),
        k.clone().prop_map(SetOp::Remove),
        k.clone().prop_map(SetOp::Contains),
        k.prop_map(SetOp::Ceiling),
        Just(SetOp::PopLast),
        Just(SetOp::First),
    ]
}

/// Requires acceptance with a witness that validates.
fn assert_accepted<M: Model>(h: &History<M>, initial: &M) -> Result<(), TestCaseError> {
    match Checker::new().check(h, initial) {
        Ok(w) => w.validate(h, initial).map_err(TestCaseError::fail),
        Err(e) => Err(TestCaseError::fail(format!(
            "rejected a linearizable history:\n{h}\n{e}"
        ))),
    }
}

fn assert_accepted_per_key<M: Partitioned>(
    h: &History<M>,
    initial: &M,
) -> Result<(), TestCaseError> {
    match Checker::new().check_per_key(h, initial) {
        Ok(w) => w.validate(h, initial).map_err(TestCaseError::fail),
        Err(e) => Err(TestCaseError::fail(format!(
            "per key rejected a linearizable history:\n{h}\n{e}"
        ))),
    }
}

/// Replays `ops` on `initial` with op `i` linearized at `100 * i` inside the interval
/// `[100 i - left, 100 i + right]` on thread `thread`: overlapping, and linearizable by
/// construction (the checker need not find the same order). With `left, right < 150` an
/// operation overlaps at most its three neighbours on each side; wider overlaps make queue
/// histories exponentially harder (see the `linearizability` module docs).
fn widened<M: Model>(initial: &M, ops: Vec<M::Op>, slack: &[(u64, u64, usize)]) -> History<M> {
    let mut model = initial.clone();
    let mut h = History::new();
    for ((i, op), &(left, right, thread)) in (0u64..).zip(ops).zip(slack) {
        let ret = model.apply(&op);
        let at = 1_000 + 100 * i;
        h.push_complete(thread, at - left, at + right, op, ret);
    }
    h
}

fn slack() -> impl Strategy<Value = Vec<(u64, u64, usize)>> {
    vec((0u64..150, 0u64..150, 0usize..4), LEN)
}

proptest! {
    #![proptest_config(config(64))]

    #[test]
    fn sequential_histories_are_accepted(
        q in vec(queue_op(), 0..LEN),
        s in vec(stack_op(), 0..LEN),
        r in vec(register_op(), 0..LEN),
        m in vec(map_op(), 0..LEN),
        set in vec(set_op(), 0..LEN),
    ) {
        assert_accepted(&History::sequential(&QueueModel::with_capacity(3), q.clone()), &QueueModel::with_capacity(3))?;
        assert_accepted(&History::sequential(&QueueModel::new(), q), &QueueModel::new())?;
        assert_accepted(&History::sequential(&StackModel::new(), s), &StackModel::new())?;
        assert_accepted(&History::sequential(&RegisterModel::new(0), r), &RegisterModel::new(0))?;
        let initial = MapModel::from_entries([(1, 1), (4, 2)]);
        let h = History::sequential(&initial, m);
        assert_accepted(&h, &initial)?;
        assert_accepted_per_key(&h, &initial)?;
        assert_accepted(&History::sequential(&SetModel::new(), set), &SetModel::new())?;
    }

    #[test]
    fn histories_widened_around_linearization_points_are_accepted(
        q in vec(queue_op(), 0..LEN),
        s in vec(stack_op(), 0..LEN),
        m in vec(map_op(), 0..LEN),
        slack in slack(),
    ) {
        assert_accepted(&widened(&QueueModel::new(), q, &slack), &QueueModel::new())?;
        assert_accepted(&widened(&StackModel::new(), s, &slack), &StackModel::new())?;
        let point_ops: Vec<_> = m.into_iter().filter(|op| MapModel::<u32, u32>::partition(op).is_some()).collect();
        let h = widened(&MapModel::new(), point_ops, &slack);
        assert_accepted(&h, &MapModel::new())?;
        assert_accepted_per_key(&h, &MapModel::new())?;
    }
}

// ---- histories of real mutex-protected structures, and their corruptions ----

const THREADS: usize = if cfg!(miri) { 2 } else { 4 };
const OPS: usize = if cfg!(miri) { 4 } else { 50 };

/// Operations per thread of the histories that get corrupted. Refuting a history means
/// visiting every linearizable prefix that ends before the corrupted operation returns, and
/// for a queue or stack those multiply with the orders of concurrent pushes that no pop has
/// observed yet: at 50 operations per thread, about one recorded queue history in a hundred
/// (more under a sanitizer's scheduling) needed over 20 million steps, while at 25 and 40 a
/// probe of 300 jittered histories, every seventh operation corrupted, found none above
/// 20 ms of search. 25 keeps the margin wide.
const CORRUPTED_OPS: usize = if cfg!(miri) { 4 } else { 25 };

fn locked_queue_history(seed: u64, ops: usize) -> History<QueueModel<u32>> {
    let q = Mutex::new(VecDeque::new());
    run_concurrent(
        THREADS,
        ops,
        seed,
        |t, rng| {
            if rng.percent(50) {
                QueueOp::Push(t as u32 * 1000 + rng.below(1000) as u32)
            } else {
                QueueOp::Pop
            }
        },
        |_, op| match op {
            QueueOp::Push(x) => {
                q.lock().unwrap().push_back(*x);
                QueueRet::Pushed
            }
            QueueOp::Pop => QueueRet::Popped(q.lock().unwrap().pop_front()),
            QueueOp::TryPop | QueueOp::Close => unreachable!("only pushes and pops"),
        },
    )
}

fn locked_stack_history(seed: u64, ops: usize) -> History<StackModel<u32>> {
    let s = Mutex::new(Vec::new());
    run_concurrent(
        THREADS,
        ops,
        seed,
        |_, rng| {
            if rng.percent(50) {
                StackOp::Push(rng.below(100) as u32)
            } else {
                StackOp::Pop
            }
        },
        |_, op| match op {
            StackOp::Push(x) => {
                s.lock().unwrap().push(*x);
                StackRet::Pushed
            }
            StackOp::Pop => StackRet::Popped(s.lock().unwrap().pop()),
        },
    )
}

fn locked_map_history(seed: u64, ops: usize) -> History<MapModel<u32, u32>> {
    let m = Mutex::new(BTreeMap::new());
    run_concurrent(
        THREADS,
        ops,
        seed,
        |_, rng| {
            let (k, v) = (rng.below(5) as u32, rng.below(4) as u32);
            match rng.below(3) {
                0 => MapOp::Insert(k, v),
                1 => MapOp::Get(k),
                _ => MapOp::Remove(k),
            }
        },
        |_, op| {
            let mut m = m.lock().unwrap();
            match op {
                MapOp::Insert(k, v) => MapRet::Value(m.insert(*k, *v)),
                MapOp::Get(k) => MapRet::Value(m.get(k).copied()),
                MapOp::Remove(k) => MapRet::Value(m.remove(k)),
                other => unreachable!("not generated: {other:?}"),
            }
        },
    )
}

fn locked_register_history(seed: u64, ops: usize) -> History<RegisterModel<u32>> {
    let r = Mutex::new(0u32);
    run_concurrent(
        THREADS,
        ops,
        seed,
        |_, rng| match rng.below(3) {
            0 => RegisterOp::Read,
            1 => RegisterOp::Write(rng.below(3) as u32),
            _ => RegisterOp::Cas {
                expected: rng.below(3) as u32,
                new: rng.below(3) as u32,
            },
        },
        |_, op| {
            let mut value = r.lock().unwrap();
            match *op {
                RegisterOp::Read => RegisterRet::Read(*value),
                RegisterOp::Write(v) => {
                    *value = v;
                    RegisterRet::Written
                }
                RegisterOp::Cas { expected, new } => {
                    let hit = *value == expected;
                    if hit {
                        *value = new;
                    }
                    RegisterRet::Cas(hit)
                }
            }
        },
    )
}

/// Corrupts operation `pick % len` into a result the model can never produce (a value never
/// written or pushed, or a result of the wrong kind) and requires a violation.
fn assert_corruption_rejected<M: Model>(
    mut h: History<M>,
    initial: &M,
    pick: usize,
    impossible: impl Fn(&M::Op) -> M::Ret,
) -> Result<(), TestCaseError> {
    if h.is_empty() {
        return Ok(());
    }
    let id = pick % h.len();
    let bad = impossible(h.ops()[id].op());
    h.replace_ret(id, bad);
    match Checker::new().check(&h, initial) {
        Err(e) if e.is_violation() => Ok(()),
        Err(e) => Err(TestCaseError::fail(format!("corruption of #{id}: {e}"))),
        Ok(w) => Err(TestCaseError::fail(format!(
            "corrupted #{id} accepted:\n{}",
            w.display(&h)
        ))),
    }
}

proptest! {
    #![proptest_config(config(12))]

    #[test]
    fn locked_structures_give_linearizable_histories(seed in any::<u64>()) {
        assert_accepted(&locked_queue_history(seed, OPS), &QueueModel::new())?;
        assert_accepted(&locked_stack_history(seed, OPS), &StackModel::new())?;
        let h = locked_map_history(seed, OPS);
        assert_accepted(&h, &MapModel::new())?;
        assert_accepted_per_key(&h, &MapModel::new())?;
        assert_accepted(&locked_register_history(seed, OPS), &RegisterModel::new(0))?;
    }

    #[test]
    fn impossible_corruptions_are_rejected(seed in any::<u64>(), pick in any::<usize>()) {
        assert_corruption_rejected(locked_queue_history(seed, CORRUPTED_OPS), &QueueModel::new(), pick, |op| match op {
            // An unbounded queue is never full; NEVER is never pushed.
            QueueOp::Push(x) => QueueRet::Full(*x),
            QueueOp::Pop => QueueRet::Popped(Some(NEVER)),
            QueueOp::TryPop | QueueOp::Close => unreachable!("only pushes and pops"),
        })?;
        assert_corruption_rejected(locked_stack_history(seed, CORRUPTED_OPS), &StackModel::new(), pick, |op| match op {
            StackOp::Push(x) => StackRet::Full(*x),
            StackOp::Pop => StackRet::Popped(Some(NEVER)),
        })?;
        // Every generated map operation returns a value; NEVER is never inserted.
        assert_corruption_rejected(locked_map_history(seed, CORRUPTED_OPS), &MapModel::new(), pick, |_| MapRet::Value(Some(NEVER)))?;
        assert_corruption_rejected(locked_register_history(seed, CORRUPTED_OPS), &RegisterModel::new(0), pick, |op| match op {
            RegisterOp::Read => RegisterRet::Read(NEVER),
            // Writes and CASes never return these.
            RegisterOp::Write(_) => RegisterRet::Cas(true),
            RegisterOp::Cas { .. } => RegisterRet::Written,
        })?;
    }
}
