//! The two generic drivers behind every suite: a proptest-driven sequential comparison with a
//! model, and a recorded concurrent run checked for linearizability.

use std::fmt::Write as _;

use proptest::{
    strategy::Strategy,
    test_runner::{self, TestCaseError, TestError, TestRunner},
};

use super::{Config, ConformanceError, FailureKind};
use crate::{
    history::History,
    linearizability::{CheckError, Checker, Linearization},
    model::Model,
    recorder::run_concurrent,
    rng::SplitMix64,
};

/// Histories up to this length are printed in full in a linearizability report.
const PRINTED_HISTORY: usize = 100;

/// Runs `config.cases` generated cases. Each case is a capacity hint and a sequence of
/// operations: build a structure with `make(hint)`, a model with `model_for(&structure)`, then
/// apply every operation to both and require equal results.
pub(super) fn sequential<T, M, S>(
    suite: &'static str,
    config: &Config,
    cases: S,
    make: impl Fn(usize) -> T,
    model_for: impl Fn(&T) -> M,
    exec: impl Fn(&T, &M::Op) -> M::Ret,
) -> Result<(), ConformanceError>
where
    M: Model,
    S: Strategy<Value = (usize, Vec<M::Op>)>,
{
    let proptest_config = test_runner::Config {
        cases: config.cases,
        failure_persistence: None,
        // Shrinking reruns the case many times; under Miri a partly shrunk case will do.
        max_shrink_iters: if cfg!(miri) {
            64
        } else {
            test_runner::Config::default().max_shrink_iters
        },
        ..Default::default()
    };
    let mut runner = TestRunner::new(proptest_config);
    let result = runner.run(&cases, |(hint, ops)| {
        let structure = make(hint);
        let mut model = model_for(&structure);
        for (step, op) in ops.iter().enumerate() {
            let want = model.apply(op);
            let got = exec(&structure, op);
            if got != want {
                return Err(TestCaseError::fail(format!(
                    "step {step}: {op:?} returned {got:?}, the model returns {want:?}"
                )));
            }
        }
        Ok(())
    });
    result.map_err(|err| {
        let report = match err {
            TestError::Fail(reason, (hint, ops)) => {
                let mut report =
                    format!("{reason}\nminimal failing case (capacity hint {hint}):\n");
                for (step, op) in ops.iter().enumerate() {
                    // Writing to a String cannot fail.
                    let _ = writeln!(report, "  {step:>3}: {op:?}");
                }
                report
            }
            TestError::Abort(reason) => format!("proptest aborted: {reason}"),
        };
        ConformanceError::new(suite, FailureKind::Sequential, report)
    })
}

/// Runs `config.rounds` concurrent workloads, each on a fresh structure from `make(hint)`,
/// and checks each recorded history with `check` from the state `model_for(&structure)`.
#[allow(
    clippy::too_many_arguments,
    reason = "an internal driver; every suite passes all of them"
)]
pub(super) fn concurrent<T, M>(
    suite: &'static str,
    config: &Config,
    make: impl Fn(usize) -> T,
    model_for: impl Fn(&T) -> M,
    generate: impl Fn(usize, &mut SplitMix64) -> M::Op + Sync,
    exec: impl Fn(&T, &M::Op) -> M::Ret + Sync,
    check: impl Fn(&Checker, &History<M>, &M) -> Result<Linearization, CheckError<M>>,
) -> Result<(), ConformanceError>
where
    T: Sync,
    M: Model,
    M::Op: Send,
    M::Ret: Send,
{
    // Small enough that bounded structures fill up and report `Full` now and then.
    let hint = 2 * config.threads.max(1);
    for round in 0..config.rounds {
        let structure = make(hint);
        let initial = model_for(&structure);
        let seed = config.seed.wrapping_add(u64::from(round));
        let history = run_concurrent::<M, _, _>(
            config.threads,
            config.ops_per_thread,
            seed,
            &generate,
            |_, op| exec(&structure, op),
        );
        if let Err(err) = check(&config.checker, &history, &initial) {
            let kind = if err.is_violation() {
                FailureKind::NotLinearizable
            } else {
                FailureKind::Inconclusive
            };
            let mut report = format!(
                "round {round} (seed {seed}, {} threads x {} operations):\n{err}",
                config.threads, config.ops_per_thread
            );
            if history.len() <= PRINTED_HISTORY {
                report.push_str("full history:\n");
                report.push_str(&history.to_string());
            }
            return Err(ConformanceError::new(suite, kind, report));
        }
    }
    Ok(())
}
