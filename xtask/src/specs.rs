//! `cargo xtask specs`: every SPIN model in `specs/formal/`, then `ccol-specs`' own tests.
//!
//! Convention for models (TOOLING.md §7): each is checked in a scratch directory with
//! `spin -a <model> && gcc -O2 -DSAFETY -o pan pan.c && ./pan`. Leading comment lines may add
//! `// pan: <gcc flags>` (for example `-DVECTORSZ=2048`, or `-USAFETY` for a liveness model)
//! and `// run: <pan arguments>` (for example `-m100000`). A model named `*_bad.pml` is a
//! known-bad variant that must report `errors: N` with N > 0; every other model must report
//! `errors: 0` with a complete search. `pan` exits 0 even when it finds errors, so the verdict
//! comes from its output.

use std::{fs, path::Path};

use anyhow::{Context, Result, bail};
use xshell::cmd;

use crate::{
    exec::{Ctx, Env, os_args},
    install::{self, Tool},
    workspace::{SPIN_BAD_SUFFIX, SPIN_DIR},
};

/// `// pan:` and `// run:` options of a model, from its leading `//` comment lines.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct ModelOptions {
    /// Extra `gcc` flags for `pan.c`.
    pub(crate) pan: Vec<String>,
    /// Extra arguments for `./pan`.
    pub(crate) run: Vec<String>,
}

/// Reads the options from the comment lines at the top of a model.
pub(crate) fn model_options(source: &str) -> ModelOptions {
    let mut options = ModelOptions::default();
    let header = source
        .lines()
        .map(str::trim)
        .take_while(|l| l.is_empty() || l.starts_with("//"));
    for line in header {
        let body = line.trim_start_matches('/').trim();
        let words = |rest: &str| {
            rest.split_whitespace()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        };
        if let Some(rest) = body.strip_prefix("pan:") {
            options.pan.extend(words(rest));
        } else if let Some(rest) = body.strip_prefix("run:") {
            options.run.extend(words(rest));
        }
    }
    options
}

/// Judges one `pan` run: `Ok(summary)` when a good model has no errors and a complete search,
/// or a bad model has errors; otherwise an error saying why.
pub(crate) fn verdict(expect_errors: bool, pan_output: &str) -> Result<String> {
    let errors = pan_output
        .rmatch_indices("errors: ")
        .next()
        .and_then(|(at, needle)| {
            let digits: String = pan_output[at + needle.len()..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            digits.parse::<u64>().ok()
        })
        .context("pan printed no `errors: N` line")?;
    let states = pan_output
        .lines()
        .find(|line| line.contains("states, stored"))
        .map_or_else(String::new, |line| format!(", {}", line.trim()));
    let first_error = pan_output
        .lines()
        .find(|line| line.starts_with("pan:") && !line.contains("wrote "))
        .map_or_else(String::new, |line| format!(" ({})", line.trim()));
    match (expect_errors, errors) {
        (false, 0) if pan_output.contains("max search depth too small") => bail!(
            "errors: 0 but the search was truncated (max search depth too small); add \
             `// run: -m<depth>` to the model"
        ),
        (false, 0) => Ok(format!("errors: 0{states}")),
        (false, n) => bail!("errors: {n}{first_error}"),
        (true, 0) => bail!("a known-bad model reported errors: 0 (it no longer finds its bug)"),
        (true, n) => Ok(format!("errors: {n} as expected{first_error}")),
    }
}

/// Runs every model, then `cargo test -p ccol-specs`.
pub(crate) fn run(ctx: &Ctx) -> Result<()> {
    install::ensure(ctx, &[Tool::Debian])?;
    let dir = ctx.root.join(SPIN_DIR);
    let mut models: Vec<_> = fs::read_dir(&dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "pml"))
        .collect();
    models.sort();
    if models.is_empty() {
        bail!("no SPIN models (*.pml) in {SPIN_DIR}");
    }
    let mut report = Vec::new();
    for model in &models {
        let summary =
            check_model(ctx, model).with_context(|| format!("SPIN model {}", model.display()))?;
        report.push(format!("  {:<32} {summary}", file_name(model)));
    }
    println!("specs: {} SPIN models\n{}", models.len(), report.join("\n"));
    let cargo = ctx.cargo();
    let sh = &ctx.sh;
    ctx.run(
        cmd!(sh, "{cargo} test -p ccol-specs"),
        &ctx.cargo_env(&[], &[]),
    )
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

fn check_model(ctx: &Ctx, model: &Path) -> Result<String> {
    let name = file_name(model);
    let expect_errors = name.ends_with(SPIN_BAD_SUFFIX);
    let options = model_options(&fs::read_to_string(model)?);
    let stem = name.trim_end_matches(".pml");
    let scratch = ctx.root.join("target/spin").join(stem);
    if scratch.exists() {
        fs::remove_dir_all(&scratch)?;
    }
    fs::create_dir_all(&scratch)?;
    let sh = &ctx.sh;
    // A copy next to the trail file, so `spin -t -p <model>` replays a counterexample there.
    fs::copy(model, scratch.join(&name))?;
    let _dir = sh.push_dir(&scratch);
    ctx.run(cmd!(sh, "spin -a {name}"), &Env::new())?;
    let pan_flags = os_args(options.pan.iter().map(String::as_str));
    ctx.run(
        cmd!(sh, "gcc -O2 -DSAFETY {pan_flags...} -o pan pan.c"),
        &Env::new(),
    )?;
    let run_args = os_args(options.run.iter().map(String::as_str));
    let out = ctx.run_capture(cmd!(sh, "./pan {run_args...}"), &Env::new())?;
    if !out.success {
        bail!("pan itself failed with {}", out.status);
    }
    let replay = format!("replay: (cd target/spin/{stem} && spin -t -p {name})");
    match verdict(expect_errors, &out.stdout) {
        Ok(summary) if expect_errors => Ok(format!("{summary}; {replay}")),
        Ok(summary) => Ok(summary),
        Err(err) => Err(err.context(replay)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "\
(Spin Version 6.5.2 -- 6 December 2019)
State-vector 44 byte, depth reached 80, errors: 0
    22715 states, stored
";
    const BAD: &str = "\
pan:1: assertion violated !(owned[b]) (at depth 50)
pan: wrote treiber_aba.pml.trail
State-vector 36 byte, depth reached 50, errors: 1
     4852 states, stored
";

    #[test]
    fn good_model_passes_only_without_errors() {
        assert!(verdict(false, GOOD).unwrap().starts_with("errors: 0"));
        let err = verdict(false, BAD).unwrap_err().to_string();
        assert!(
            err.contains("errors: 1") && err.contains("assertion violated"),
            "{err}"
        );
    }

    #[test]
    fn bad_model_must_find_its_bug() {
        assert!(verdict(true, BAD).unwrap().contains("as expected"));
        assert!(verdict(true, GOOD).is_err());
    }

    #[test]
    fn truncated_search_and_missing_summary_fail() {
        let truncated = format!("error: max search depth too small\n{GOOD}");
        assert!(verdict(false, &truncated).is_err());
        assert!(verdict(false, "pan: out of memory\n").is_err());
        assert!(verdict(true, "").is_err());
    }

    #[test]
    fn options_come_from_leading_comments_only() {
        let source = "// Treiber stack.\n// pan: -DVECTORSZ=2048 -DBITSTATE\n//run: -m100000\n\n\
                      #define N 4\n// pan: -DIGNORED\n";
        let options = model_options(source);
        assert_eq!(options.pan, ["-DVECTORSZ=2048", "-DBITSTATE"]);
        assert_eq!(options.run, ["-m100000"]);
        assert_eq!(model_options("#define N 4\n"), ModelOptions::default());
    }
}
