//! `cargo xtask bench` (the facade's family benchmark harness) and `cargo xtask tidy`.

use std::{fs, time::SystemTime};

use anyhow::{Context, Result, bail};
use xshell::cmd;

use crate::{
    exec::{Ctx, os_args},
    workspace::{BENCH, BENCH_RESULTS},
};

/// `cargo xtask bench [--quick] [--smoke] [--mimalloc] [filter]`: `cargo bench -p ccol --bench
/// family [--features mimalloc] -- [--quick|--smoke] [filter]`, which prints a table and writes
/// `target/ccol-bench/`. With `--mimalloc` the harness runs on mimalloc (its
/// `#[global_allocator]` is compiled in under the facade's `mimalloc` feature).
///
/// Afterwards the results file must have been rewritten by this run and hold at least one
/// point, so a harness that silently measured nothing fails (this is what `ci`'s bench smoke
/// step relies on; numbers are never gated: a two-core VM is too noisy).
pub(crate) fn run(
    ctx: &Ctx,
    quick: bool,
    smoke: bool,
    mimalloc: bool,
    filter: Option<&str>,
) -> Result<()> {
    let sh = &ctx.sh;
    let cargo = ctx.cargo();
    let (package, bench) = BENCH;
    let mut args = Vec::new();
    if quick {
        args.push("--quick");
    }
    if smoke {
        args.push("--smoke");
    }
    args.extend(filter);
    let args = os_args(args);
    let features = os_args(if mimalloc {
        vec!["--features", "mimalloc"]
    } else {
        Vec::new()
    });
    let started = SystemTime::now();
    let out = ctx.run_capture(
        cmd!(
            sh,
            "{cargo} bench -p {package} --bench {bench} {features...} -- {args...}"
        ),
        &ctx.cargo_env(&[], &[]),
    )?;
    if !out.success {
        bail!("the benchmark harness failed with {}", out.status);
    }
    let results = ctx.root.join(BENCH_RESULTS);
    let fresh = fs::metadata(&results)
        .and_then(|meta| meta.modified())
        .is_ok_and(|modified| modified >= started);
    if !fresh {
        bail!("the harness exited 0 but did not write {BENCH_RESULTS}");
    }
    let text = fs::read_to_string(&results).with_context(|| format!("reading {BENCH_RESULTS}"))?;
    let points = count_points(&text)?;
    println!("bench: {points} points in {BENCH_RESULTS}");
    Ok(())
}

/// The number of result lines in `results.jsonl`; fails if there are none or a line is not a
/// result object (DESIGN.md §4: `group`, `impl`, `workload`, `threads`, `mops`).
pub(crate) fn count_points(jsonl: &str) -> Result<usize> {
    let mut points = 0;
    for (i, line) in jsonl
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let object = line.trim();
        let keys = [
            "\"group\"",
            "\"impl\"",
            "\"workload\"",
            "\"threads\"",
            "\"mops\"",
        ];
        if !object.starts_with('{')
            || !object.ends_with('}')
            || keys.iter().any(|k| !object.contains(k))
        {
            bail!(
                "{BENCH_RESULTS} line {} is not a result object: {object}",
                i + 1
            );
        }
        points += 1;
    }
    if points == 0 {
        bail!("{BENCH_RESULTS} holds no results");
    }
    Ok(points)
}

/// `cargo xtask tidy`: the repository rules, which live in the `tidy` integration test so that
/// `cargo test` enforces them too.
pub(crate) fn tidy(ctx: &Ctx) -> Result<()> {
    let sh = &ctx.sh;
    let cargo = ctx.cargo();
    ctx.run(
        cmd!(sh, "{cargo} test -p xtask --test tidy"),
        &ctx.cargo_env(&[], &[]),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_need_real_points() {
        let line = r#"{"group": "queue", "impl": "faa-ceiling", "workload": "pairs", "threads": 2, "mops": 41.5}"#;
        assert_eq!(count_points(&format!("{line}\n{line}\n")).unwrap(), 2);
        assert!(count_points("").is_err());
        assert!(count_points("\n\n").is_err());
        assert!(count_points(r#"{"group": "queue", "threads": 2}"#).is_err());
        assert!(count_points("results: 3 points").is_err());
    }
}
