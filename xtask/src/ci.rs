//! `cargo xtask ci`: the gate `.ci/run` runs on a fresh clone on a fresh machine.
//!
//! Steps run in order, each timed and under its own time budget, and the run stops at the
//! first failure. The budgets bound a hang, not the normal run: with the tier-0 crates the
//! whole gate took about 20 minutes cold on two cores (Miri is about half of it); with
//! reclamation about 27, with the stack about 29 (Miri 16 of them); the queues add about 15
//! minutes of Miri (mostly building their test binaries under Miri), so the Miri budget is 45
//! minutes and the whole gate about 50, inside the 60-minute limit. Each step header shows the free disk space; target directories only one step
//! uses are removed once it passes, and incremental compilation is off, so the gate needs
//! the disk of one step at a time (all of them side by side once filled a CI machine). The
//! last line, `xtask ci: N passed, M failed`, is what CI reads.

use std::time::{Duration, Instant};

use anyhow::{Result, bail};

use crate::{
    bench, check, cross,
    exec::{Ctx, flush},
    install, specs,
    verify::{self, LOOM_PREEMPTIONS, MIRI_SEEDS, Sanitizer},
    workspace::MIRI_LANE_DIR,
};

/// One step of the gate.
struct Step {
    name: &'static str,
    /// Time budget in minutes; past it the step's commands are killed and the step fails.
    budget_min: u64,
    run: fn(&Ctx) -> Result<()>,
    /// Target directories (relative to the workspace root) only this step uses, removed once
    /// it passes so the gate's disk footprint stays that of one step at a time, not the sum.
    scratch: &'static [&'static str],
}

/// The gate, in order: cheap and broad first, so the common failures show up early.
const STEPS: &[Step] = &[
    Step {
        name: "install",
        budget_min: 10,
        run: install::run,
        scratch: &[],
    },
    Step {
        name: "fmt",
        budget_min: 3,
        run: |ctx| check::fmt(ctx, true),
        scratch: &[],
    },
    Step {
        name: "lint",
        budget_min: 15,
        run: check::lint,
        scratch: &[],
    },
    // Debug, then release (about 35 + 50 s cold today): release catches what only shows once
    // the optimizer reorders or removes code.
    Step {
        name: "test",
        budget_min: 15,
        run: |ctx| check::test(ctx, false).and_then(|()| check::test(ctx, true)),
        scratch: &[],
    },
    Step {
        name: "docs",
        budget_min: 10,
        run: check::docs,
        scratch: &["target/docsrs"],
    },
    Step {
        name: "features",
        budget_min: 10,
        run: check::features,
        scratch: &[],
    },
    Step {
        name: "no-std",
        budget_min: 10,
        run: cross::no_std,
        scratch: &[],
    },
    Step {
        name: "embedded",
        budget_min: 10,
        run: |ctx| cross::embedded(ctx, None),
        scratch: &[],
    },
    Step {
        name: "aarch64",
        budget_min: 10,
        run: cross::aarch64,
        scratch: &["target/aarch64"],
    },
    Step {
        name: "loom",
        budget_min: 15,
        run: |ctx| verify::loom(ctx, None, LOOM_PREEMPTIONS),
        scratch: &["target/loom"],
    },
    Step {
        name: "miri",
        budget_min: 45,
        run: |ctx| verify::miri(ctx, MIRI_SEEDS, None, false),
        scratch: &["target/miri", MIRI_LANE_DIR, "target/xtask-lanes"],
    },
    Step {
        name: "san",
        budget_min: 15,
        run: |ctx| verify::san(ctx, &[Sanitizer::Thread, Sanitizer::Address]),
        scratch: &["target/tsan", "target/asan"],
    },
    Step {
        name: "specs",
        budget_min: 5,
        run: specs::run,
        scratch: &["target/spin"],
    },
    Step {
        name: "bench",
        budget_min: 15,
        run: |ctx| bench::run(ctx, false, true, false, None),
        scratch: &[],
    },
    Step {
        name: "tidy",
        budget_min: 5,
        run: bench::tidy,
        scratch: &[],
    },
];

/// Outcome of one step, for the summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Passed,
    Failed,
    Skipped,
    NotRun,
}

/// Runs the gate; `skip` names steps to leave out (for local use; CI skips nothing).
pub(crate) fn run(ctx: &Ctx, skip: &[String]) -> Result<()> {
    if let Some(unknown) = skip
        .iter()
        .find(|s| !STEPS.iter().any(|step| step.name == *s))
    {
        let names: Vec<&str> = STEPS.iter().map(|s| s.name).collect();
        bail!("unknown step {unknown:?}; steps: {}", names.join(", "));
    }
    let start = Instant::now();
    let mut results: Vec<(&str, Option<Duration>, Outcome)> = Vec::new();
    let mut failure = None;
    for (i, step) in STEPS.iter().enumerate() {
        if failure.is_some() {
            results.push((step.name, None, Outcome::NotRun));
            continue;
        }
        if skip.iter().any(|s| s == step.name) {
            results.push((step.name, None, Outcome::Skipped));
            continue;
        }
        let disk = ctx
            .disk_free_gib()
            .map_or_else(String::new, |gib| format!(", {gib:.1} GiB free"));
        println!(
            "\n==> xtask ci [{}/{}] {} (budget {} min, {:.0} s elapsed{disk})",
            i + 1,
            STEPS.len(),
            step.name,
            step.budget_min,
            start.elapsed().as_secs_f64()
        );
        flush();
        let began = Instant::now();
        ctx.set_deadline(Some((
            began + Duration::from_secs(step.budget_min * 60),
            step.name,
        )));
        let result = (step.run)(ctx).and_then(|()| {
            step.scratch
                .iter()
                .try_for_each(|dir| ctx.discard_scratch(dir))
        });
        ctx.set_deadline(None);
        let took = began.elapsed();
        match result {
            Ok(()) => results.push((step.name, Some(took), Outcome::Passed)),
            Err(err) => {
                println!(
                    "\nxtask ci: step `{}` FAILED after {:.1} s: {err:#}",
                    step.name,
                    took.as_secs_f64()
                );
                results.push((step.name, Some(took), Outcome::Failed));
                failure = Some(step.name);
            }
        }
    }
    println!("\n{}", summary(&results, start.elapsed()));
    let passed = results.iter().filter(|r| r.2 == Outcome::Passed).count();
    let failed = results.iter().filter(|r| r.2 == Outcome::Failed).count();
    println!("xtask ci: {passed} passed, {failed} failed");
    flush();
    match failure {
        Some(step) => bail!("step `{step}` failed (see its message above the summary)"),
        None => Ok(()),
    }
}

/// The summary table: step, seconds, result.
fn summary(results: &[(&str, Option<Duration>, Outcome)], total: Duration) -> String {
    let mut table = format!("{:<10} {:>8}  result\n", "step", "seconds");
    for (name, took, outcome) in results {
        let secs = took.map_or_else(|| "-".to_owned(), |d| format!("{:.1}", d.as_secs_f64()));
        let outcome = match outcome {
            Outcome::Passed => "ok",
            Outcome::Failed => "FAILED",
            Outcome::Skipped => "skipped",
            Outcome::NotRun => "not run",
        };
        table.push_str(&format!("{name:<10} {secs:>8}  {outcome}\n"));
    }
    table.push_str(&format!("{:<10} {:>8.1}", "total", total.as_secs_f64()));
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_lists_every_step_with_its_result() {
        let results = [
            ("fmt", Some(Duration::from_millis(1500)), Outcome::Passed),
            ("lint", Some(Duration::from_secs(2)), Outcome::Failed),
            ("test", None, Outcome::NotRun),
        ];
        let table = summary(&results, Duration::from_secs(4));
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 5);
        assert!(
            lines[1].starts_with("fmt") && lines[1].contains("1.5") && lines[1].ends_with("ok")
        );
        assert!(lines[2].ends_with("FAILED"));
        assert!(lines[3].ends_with("not run"));
        assert!(lines[4].starts_with("total") && lines[4].ends_with("4.0"));
    }

    #[test]
    fn steps_are_unique_and_in_the_documented_order() {
        let names: Vec<&str> = STEPS.iter().map(|s| s.name).collect();
        assert_eq!(
            names,
            [
                "install", "fmt", "lint", "test", "docs", "features", "no-std", "embedded",
                "aarch64", "loom", "miri", "san", "specs", "bench", "tidy"
            ]
        );
    }
}
