//! Self-tests of the linearizability checker: known-linearizable histories must be accepted
//! (with a witness that validates), known-violating ones rejected with a useful report.

use core::time::Duration;

use ccol_specs::{
    CheckError, Checker, History, Model,
    linearizability::Limit,
    model::{
        MapModel, MapOp, MapRet, QueueModel, QueueOp, QueueRet, RegisterModel, RegisterOp,
        RegisterRet, SetModel, SetOp, SetRet, StackModel, StackOp, StackRet,
    },
};

type Queue = QueueModel<u32>;
type Stack = StackModel<u32>;
type Reg = RegisterModel<u32>;
type Map = MapModel<u32, u32>;

/// Checks `h` and, on success, validates the witness independently.
fn accepts<M: Model>(h: &History<M>, initial: &M) {
    match Checker::new().check(h, initial) {
        Ok(witness) => {
            if let Err(e) = witness.validate(h, initial) {
                panic!("invalid witness: {e}\n{}", witness.display(h));
            }
        }
        Err(e) => panic!("expected linearizable:\n{h}\n{e}"),
    }
}

/// Checks `h`, requires a violation, and returns its report.
fn rejects<M: Model>(h: &History<M>, initial: &M) -> String {
    match Checker::new().check(h, initial) {
        Ok(witness) => panic!("expected a violation, got witness:\n{}", witness.display(h)),
        Err(CheckError::Inconclusive(i)) => panic!("expected a violation: {i}"),
        Err(e @ CheckError::Violation(_)) => e.to_string(),
    }
}

// ---- accepted ----

#[test]
fn accepts_sequential_queue_history() {
    let h = History::sequential(
        &Queue::new(),
        [
            QueueOp::Push(1),
            QueueOp::Push(2),
            QueueOp::Pop,
            QueueOp::Pop,
        ],
    );
    accepts(&h, &Queue::new());
}

#[test]
fn accepts_dequeue_that_overlaps_its_enqueue() {
    // The pop is invoked first and returns first, but overlaps the push: push, pop works.
    let mut h = History::<Queue>::new();
    h.push_complete(0, 0, 10, QueueOp::Pop, QueueRet::Popped(Some(7)));
    h.push_complete(1, 2, 12, QueueOp::Push(7), QueueRet::Pushed);
    accepts(&h, &Queue::new());
    let witness = Checker::new().check(&h, &Queue::new()).unwrap();
    assert_eq!(witness.order(), [1, 0]);
}

#[test]
fn accepts_pushes_linearized_against_invocation_order() {
    // Push(1) is invoked first, yet the pops show 2 went in first: only push(2), push(1) works.
    let mut h = History::<Queue>::new();
    h.push_complete(0, 0, 3, QueueOp::Push(1), QueueRet::Pushed);
    h.push_complete(1, 1, 4, QueueOp::Push(2), QueueRet::Pushed);
    h.push_complete(2, 5, 6, QueueOp::Pop, QueueRet::Popped(Some(2)));
    h.push_complete(2, 7, 8, QueueOp::Pop, QueueRet::Popped(Some(1)));
    accepts(&h, &Queue::new());
    assert_eq!(
        Checker::new().check(&h, &Queue::new()).unwrap().order(),
        [1, 0, 2, 3]
    );
}

#[test]
fn accepts_register_read_of_either_value_during_a_write() {
    for seen in [0, 1] {
        let mut h = History::<Reg>::new();
        h.push_complete(0, 0, 10, RegisterOp::Write(1), RegisterRet::Written);
        h.push_complete(1, 2, 5, RegisterOp::Read, RegisterRet::Read(seen));
        accepts(&h, &Reg::new(0));
    }
}

#[test]
fn accepts_pending_operations_either_way() {
    // A pending push whose value was dequeued took effect; one never seen did not.
    let mut h = History::<Queue>::new();
    h.push_pending(0, 0, QueueOp::Push(5));
    h.push_pending(1, 1, QueueOp::Push(6));
    h.push_complete(2, 2, 3, QueueOp::Pop, QueueRet::Popped(Some(5)));
    h.push_complete(2, 4, 5, QueueOp::Pop, QueueRet::Popped(None));
    accepts(&h, &Queue::new());
    let order = Checker::new()
        .check(&h, &Queue::new())
        .unwrap()
        .order()
        .to_vec();
    assert_eq!(
        &order[..3],
        [0, 2, 3],
        "push(6) may only follow the last pop: {order:?}"
    );
}

#[test]
fn accepts_cas_race_with_one_winner() {
    let mut h = History::<Reg>::new();
    h.push_complete(
        0,
        0,
        5,
        RegisterOp::Cas {
            expected: 0,
            new: 1,
        },
        RegisterRet::Cas(false),
    );
    h.push_complete(
        1,
        1,
        6,
        RegisterOp::Cas {
            expected: 0,
            new: 2,
        },
        RegisterRet::Cas(true),
    );
    h.push_complete(0, 7, 8, RegisterOp::Read, RegisterRet::Read(2));
    accepts(&h, &Reg::new(0));
}

// ---- rejected ----

#[test]
fn rejects_value_dequeued_twice() {
    let mut h = History::<Queue>::new();
    h.push_complete(0, 0, 1, QueueOp::Push(1), QueueRet::Pushed);
    h.push_complete(0, 2, 5, QueueOp::Pop, QueueRet::Popped(Some(1)));
    h.push_complete(1, 3, 6, QueueOp::Pop, QueueRet::Popped(Some(1)));
    let report = rejects(&h, &Queue::new());
    assert!(
        report.contains("Popped(None)"),
        "the model's answer for the second pop is shown:\n{report}"
    );
}

#[test]
fn rejects_fifo_violation() {
    let mut h = History::<Queue>::new();
    h.push_complete(0, 0, 1, QueueOp::Push(1), QueueRet::Pushed);
    h.push_complete(1, 2, 3, QueueOp::Push(2), QueueRet::Pushed);
    h.push_complete(0, 4, 5, QueueOp::Pop, QueueRet::Popped(Some(2)));
    h.push_complete(0, 6, 7, QueueOp::Pop, QueueRet::Popped(Some(1)));
    let err = Checker::new().check(&h, &Queue::new()).unwrap_err();
    let v = err.violation().expect("a violation, not inconclusive");
    assert_eq!(v.prefix(), [0, 1]);
    assert_eq!(v.candidates().len(), 1);
    assert_eq!(v.candidates()[0].id(), 2);
    assert_eq!(*v.candidates()[0].model_ret(), QueueRet::Popped(Some(1)));
    assert!(!v.candidates()[0].fits());
    let report = err.to_string();
    assert!(
        report.contains("longest linearizable prefix found: 2 operations"),
        "{report}"
    );
}

#[test]
fn rejects_stale_register_read() {
    let mut h = History::<Reg>::new();
    h.push_complete(0, 0, 1, RegisterOp::Write(1), RegisterRet::Written);
    h.push_complete(1, 2, 3, RegisterOp::Read, RegisterRet::Read(0));
    let report = rejects(&h, &Reg::new(0));
    assert!(report.contains("the model returns Read(1)"), "{report}");
}

#[test]
fn rejects_lifo_violation() {
    let mut h = History::<Stack>::new();
    h.push_complete(0, 0, 1, StackOp::Push(1), StackRet::Pushed);
    h.push_complete(0, 2, 3, StackOp::Push(2), StackRet::Pushed);
    h.push_complete(1, 4, 5, StackOp::Pop, StackRet::Popped(Some(1)));
    rejects(&h, &Stack::new());
}

#[test]
fn rejects_map_get_that_misses_a_completed_insert() {
    let mut h = History::<Map>::new();
    h.push_complete(0, 0, 1, MapOp::Insert(3, 30), MapRet::Value(None));
    h.push_complete(1, 2, 3, MapOp::Insert(4, 40), MapRet::Value(None));
    h.push_complete(1, 4, 5, MapOp::Get(3), MapRet::Value(None));
    rejects(&h, &Map::new());
    let err = Checker::new().check_per_key(&h, &Map::new()).unwrap_err();
    let v = err.violation().expect("a violation");
    assert_eq!(v.partition(), Some("3"));
    assert_eq!(v.prefix(), [0], "ids are those of the whole history");
}

#[test]
fn rejects_value_never_pushed_even_with_pending_pushes() {
    let mut h = History::<Queue>::new();
    h.push_pending(0, 0, QueueOp::Push(5));
    h.push_complete(1, 1, 2, QueueOp::Pop, QueueRet::Popped(Some(6)));
    rejects(&h, &Queue::new());
}

#[test]
fn rejects_stack_pop_of_an_item_popped_before() {
    let mut h = History::<Stack>::new();
    h.push_complete(0, 0, 1, StackOp::Push(1), StackRet::Pushed);
    h.push_complete(0, 2, 3, StackOp::Pop, StackRet::Popped(Some(1)));
    h.push_complete(1, 4, 9, StackOp::Pop, StackRet::Popped(Some(1)));
    h.push_complete(0, 5, 6, StackOp::Push(2), StackRet::Pushed);
    rejects(&h, &Stack::new());
}

// ---- per key, budget ----

#[test]
fn per_key_accepts_and_merges_a_valid_witness() {
    let mut h = History::<SetModel<u8>>::new();
    h.push_complete(0, 0, 4, SetOp::Insert(1), SetRet::Bool(true));
    h.push_complete(1, 1, 2, SetOp::Insert(2), SetRet::Bool(true));
    h.push_complete(1, 3, 6, SetOp::Contains(1), SetRet::Bool(true));
    h.push_complete(0, 5, 7, SetOp::Remove(2), SetRet::Bool(true));
    h.push_pending(2, 8, SetOp::Insert(2));
    let witness = Checker::new().check_per_key(&h, &SetModel::new()).unwrap();
    assert_eq!(witness.validate(&h, &SetModel::new()), Ok(()));
    // A spanning operation makes it fall back to the whole-object check.
    h.push_complete(1, 9, 10, SetOp::Len, SetRet::Len(1));
    let witness = Checker::new().check_per_key(&h, &SetModel::new()).unwrap();
    assert_eq!(witness.validate(&h, &SetModel::new()), Ok(()));
}

/// Concurrent pushes followed by a pop of a value nobody pushed: a violation, but one the
/// search can only establish after exploring every order of the pushes (8! or 20! of them,
/// far beyond the budgets below).
fn explosive_history() -> History<Queue> {
    let mut h = History::<Queue>::new();
    for i in 0..if cfg!(miri) { 8 } else { 20 } {
        h.push_complete(i, 0, 100, QueueOp::Push(i as u32), QueueRet::Pushed);
    }
    h.push_complete(0, 101, 102, QueueOp::Pop, QueueRet::Popped(Some(999)));
    h
}

#[test]
fn step_budget_gives_inconclusive() {
    let budget = if cfg!(miri) { 100 } else { 1_000 };
    let err = Checker::new()
        .max_steps(Some(budget))
        .check(&explosive_history(), &Queue::new())
        .unwrap_err();
    let CheckError::Inconclusive(i) = &err else {
        panic!("expected inconclusive: {err}")
    };
    assert_eq!(i.limit(), Limit::Steps);
    assert!(i.steps() > budget && i.deepest_prefix() > 0, "{i}");
    assert!(err.to_string().contains("step budget exhausted"), "{err}");
}

#[test]
fn time_budget_gives_inconclusive() {
    let checker = Checker::new()
        .max_steps(None)
        .time_limit(Some(Duration::ZERO));
    let err = checker
        .check(&explosive_history(), &Queue::new())
        .unwrap_err();
    assert!(
        matches!(&err, CheckError::Inconclusive(i) if i.limit() == Limit::Time),
        "{err}"
    );
}
