//! The recorder: well-formed histories, unique stamps, real-time order across threads, and
//! reproducible workloads.

extern crate alloc;

use alloc::collections::BTreeSet;
use std::{sync::Mutex, thread};

use ccol_specs::{
    Checker, History, Recorder,
    model::{RegisterModel, RegisterOp, RegisterRet},
    run_concurrent,
};

type Reg = RegisterModel<u64>;

const THREADS: usize = if cfg!(miri) { 2 } else { 4 };
const OPS: usize = if cfg!(miri) { 5 } else { 200 };

fn register_history(seed: u64) -> History<Reg> {
    let cell = Mutex::new(0u64);
    run_concurrent::<Reg, _, _>(
        THREADS,
        OPS,
        seed,
        |t, rng| {
            if rng.percent(50) {
                RegisterOp::Write(t as u64 * 1_000 + rng.below(1_000))
            } else {
                RegisterOp::Read
            }
        },
        |_, op| match op {
            RegisterOp::Write(v) => {
                *cell.lock().unwrap() = *v;
                RegisterRet::Written
            }
            RegisterOp::Read => RegisterRet::Read(*cell.lock().unwrap()),
            RegisterOp::Cas { .. } => unreachable!("not generated"),
        },
    )
}

#[test]
fn run_concurrent_records_every_operation_with_unique_stamps() {
    let h = register_history(7);
    assert_eq!(h.len(), THREADS * OPS);
    assert_eq!(h.thread_count(), THREADS);
    assert_eq!(h.validate(), Ok(()));
    let mut stamps = BTreeSet::new();
    for op in h.ops() {
        let returned = op.returned().expect("recorded operations are complete");
        assert!(op.invoked() < returned, "{op}");
        assert!(
            stamps.insert(op.invoked()) && stamps.insert(returned),
            "duplicate stamp in {op}"
        );
    }
    assert!(
        h.ops().windows(2).all(|w| w[0].invoked() < w[1].invoked()),
        "merged by invocation time"
    );
    let witness = Checker::new().check(&h, &RegisterModel::new(0)).unwrap();
    assert_eq!(witness.validate(&h, &RegisterModel::new(0)), Ok(()));
}

#[test]
fn a_seed_reproduces_each_threads_operations() {
    let per_thread = |h: &History<Reg>| {
        let mut ops: Vec<Vec<String>> = vec![Vec::new(); THREADS];
        for op in h.ops() {
            ops[op.thread()].push(format!("{:?}", op.op()));
        }
        ops
    };
    assert_eq!(
        per_thread(&register_history(3)),
        per_thread(&register_history(3))
    );
    assert_ne!(
        per_thread(&register_history(3)),
        per_thread(&register_history(4))
    );
}

#[test]
fn operations_ordered_by_synchronization_are_ordered_in_the_history() {
    let recorder = Recorder::new();
    let mut first = recorder.thread::<Reg>(0);
    first.record(RegisterOp::Write(1), || RegisterRet::Written);
    // The join orders the second thread's operation after the first one's.
    let second = thread::scope(|s| {
        s.spawn(|| {
            let mut log = recorder.thread::<Reg>(1);
            let ret = log.record(RegisterOp::Read, || RegisterRet::Read(1));
            assert_eq!(ret, RegisterRet::Read(1));
            log
        })
        .join()
        .unwrap()
    });
    assert_eq!((first.thread(), first.len(), second.len()), (0, 1, 1));
    assert!(!second.is_empty());
    let h = History::from_logs(vec![second, first]);
    assert_eq!(
        h.ops()[0].thread(),
        0,
        "sorted by invocation, whatever the log order"
    );
    assert!(h.ops()[0].precedes(&h.ops()[1]));
    // So a stale read after it would be caught.
    let mut stale = h.clone();
    stale.replace_ret(1, RegisterRet::Read(0));
    assert!(
        Checker::new()
            .check(&stale, &RegisterModel::new(0))
            .unwrap_err()
            .is_violation()
    );
}

#[test]
fn empty_recording() {
    let recorder = Recorder::default();
    let log = recorder.thread::<Reg>(0);
    assert!(log.is_empty());
    let h = History::from_logs(vec![log]);
    assert!(h.is_empty());
    assert_eq!(
        Checker::new()
            .check(&h, &RegisterModel::new(0))
            .unwrap()
            .order(),
        [] as [usize; 0]
    );
}
