//! Dynamic verification: `loom`, `miri` and `san` (ThreadSanitizer, AddressSanitizer).
//!
//! Each runs in its own target directory, because each changes `RUSTFLAGS` for every crate
//! of the graph and would otherwise invalidate the normal build.

use anyhow::{Result, bail};
use xshell::cmd;

use crate::{
    check::packages,
    exec::{Ctx, os_args},
    install::{self, Tool},
    lanes::Lane,
    workspace::{
        CONCURRENCY_TEST_FILTERS, Crate, HOST, MIRI_32BIT, MIRI_LANE_DIR, MIRI_RUSTFLAGS,
        MIRI_SEEDS_SKIPPED_SCHEME, MIRIFLAGS, NIGHTLY, crates,
    },
};

/// Preemption bound of the CI loom run (STYLE.md G4.7); 3 for deeper runs on demand.
pub(crate) const LOOM_PREEMPTIONS: u32 = 2;

/// Miri seeds of the CI many-seeds run.
pub(crate) const MIRI_SEEDS: u32 = 8;

/// `cargo xtask loom [crate] [--preemptions N]`: the loom models of each crate marked `loom`
/// (or of the one named) — `tests/loom.rs` and every other `tests/loom_*.rs` — with
/// `--cfg ccol_loom`, the `loom` feature, `--release` and `LOOM_MAX_PREEMPTIONS=N`, in
/// `target/loom`.
pub(crate) fn loom(ctx: &Ctx, only: Option<&str>, preemptions: u32) -> Result<()> {
    let selected: Vec<&Crate> =
        crates(|c| c.loom && only.is_none_or(|name| name == c.name)).collect();
    if selected.is_empty() {
        let known: Vec<&str> = crates(|c| c.loom).map(|c| c.name).collect();
        bail!(
            "no loom crate matches {only:?}; known: {}",
            known.join(", ")
        );
    }
    let sh = &ctx.sh;
    let cargo = ctx.cargo();
    let env = ctx
        .cargo_env(&["--cfg ccol_loom"], &[])
        .set("LOOM_MAX_PREEMPTIONS", preemptions.to_string());
    for krate in selected {
        if !ctx.root.join(krate.dir).join("tests/loom.rs").is_file() {
            bail!(
                "{} is marked `loom` in xtask/src/workspace.rs but has no tests/loom.rs",
                krate.name
            );
        }
        let name = krate.name;
        let tests = loom_test_args(&ctx.root.join(krate.dir).join("tests"))?;
        ctx.run(
            cmd!(
                sh,
                "{cargo} test --release -p {name} --features loom {tests...} --target-dir target/loom"
            ),
            &env,
        )?;
    }
    Ok(())
}

/// `--test loom --test loom_<x> ...`: the model files in `tests_dir` (`loom.rs` and
/// `loom_*.rs`), sorted; `tests/loom_support/` and other directories are modules, not targets.
pub(crate) fn loom_test_args(tests_dir: &std::path::Path) -> Result<Vec<String>> {
    let mut names: Vec<String> = std::fs::read_dir(tests_dir)?
        .filter_map(|entry| entry.ok())
        .filter(|entry| entry.path().is_file())
        .filter_map(|entry| {
            let name = entry.file_name().into_string().ok()?;
            let stem = name.strip_suffix(".rs")?;
            (stem == "loom" || stem.starts_with("loom_")).then(|| stem.to_owned())
        })
        .collect();
    names.sort();
    Ok(names
        .into_iter()
        .flat_map(|stem| ["--test".to_owned(), stem])
        .collect())
}

/// `cargo xtask miri [--seeds N] [--target T]` with the pinned nightly, on every crate marked
/// `miri`:
/// 1. all tests (doc tests included) under [`MIRIFLAGS`] with Stacked Borrows;
/// 2. the unit and integration tests of the crates marked `miri_tree_borrows` again under
///    Tree Borrows;
/// 3. without `--target`: the crates marked `miri_32bit` on [`MIRI_32BIT`];
/// 4. the concurrency tests ([`CONCURRENCY_TEST_FILTERS`]) under seeds `0..N` (N = 0 skips);
///    in crates marked `miri_seeds_one_scheme` only their IBR instances, unless
///    `all_schemes` (`--all-schemes`).
///
/// Pass 1 runs in one lane and passes 2 to 4 in a second lane beside it ([`crate::lanes`]):
/// Miri interprets on one host thread, so one pass alone leaves a core idle (measured on the
/// 2-core gate machine, one after another: pass 1 868 s, pass 2 144 s, pass 4 864 s with its
/// seeds on parallel threads). The second lane builds into its own target directory
/// ([`MIRI_LANE_DIR`]); both sysroots are set up first so the lanes never race to build one.
///
/// With `--target T` passes 1, 2 and 4 run for `T` (for example `s390x-unknown-linux-gnu`,
/// big endian) and pass 3 is skipped.
pub(crate) fn miri(ctx: &Ctx, seeds: u32, target: Option<&str>, all_schemes: bool) -> Result<()> {
    install::ensure(ctx, &[Tool::Nightly])?;
    let sh = &ctx.sh;
    let packages = &packages(crates(|c| c.miri).map(|c| c.name));
    let tree_borrows = &packages_of(crates(|c| c.miri_tree_borrows));
    let target_args = &os_args(target.into_iter().flat_map(|t| ["--target", t]));
    let env = |miriflags: &str| {
        let miriflags = format!("{MIRIFLAGS} {miriflags}");
        ctx.cargo_env(&[MIRI_RUSTFLAGS], &[])
            .set("MIRIFLAGS", miriflags.trim_end())
    };
    let setup_targets: Vec<Option<&str>> = match target {
        Some(t) => vec![Some(t)],
        None => vec![None, Some(MIRI_32BIT)],
    };
    for setup in setup_targets {
        let args = os_args(setup.into_iter().flat_map(|t| ["--target", t]));
        ctx.run(cmd!(sh, "cargo +{NIGHTLY} miri setup {args...}"), &env(""))?;
    }
    let stacked = Lane::new("miri-stacked-borrows").then(
        cmd!(
            sh,
            "cargo +{NIGHTLY} miri test {packages...} {target_args...}"
        ),
        env(""),
    );
    let mut others = Lane::new("miri-tree-borrows-32bit-seeds").then(
        cmd!(
            sh,
            "cargo +{NIGHTLY} miri test --target-dir {MIRI_LANE_DIR} {tree_borrows...} {target_args...} --tests"
        ),
        env("-Zmiri-tree-borrows"),
    );
    if target.is_none() {
        let packages = packages_of(crates(|c| c.miri_32bit));
        others = others.then(
            cmd!(
                sh,
                "cargo +{NIGHTLY} miri test --target-dir {MIRI_LANE_DIR} {packages...} --target {MIRI_32BIT} --tests"
            ),
            env(""),
        );
    }
    if seeds > 0 {
        let filters = CONCURRENCY_TEST_FILTERS;
        let env = env(&format!("-Zmiri-many-seeds=0..{seeds}"));
        let one_scheme = |c: &Crate| c.miri_seeds_one_scheme && !all_schemes;
        let every = packages_of(crates(|c| c.miri && !one_scheme(c)));
        let some = packages_of(crates(|c| c.miri && one_scheme(c)));
        others = others.then(
            cmd!(
                sh,
                "cargo +{NIGHTLY} miri test --target-dir {MIRI_LANE_DIR} {every...} {target_args...} --tests -- {filters...}"
            ),
            env.clone(),
        );
        if !some.is_empty() {
            others = others.then(
                cmd!(
                    sh,
                    "cargo +{NIGHTLY} miri test --target-dir {MIRI_LANE_DIR} {some...} {target_args...} --tests -- {filters...} --skip {MIRI_SEEDS_SKIPPED_SCHEME}"
                ),
                env,
            );
        }
    }
    ctx.run_lanes(vec![stacked, others])
}

fn packages_of(selected: impl Iterator<Item = &'static Crate>) -> Vec<std::ffi::OsString> {
    packages(selected.map(|c| c.name))
}

/// Which sanitizers `san` runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sanitizer {
    /// ThreadSanitizer: data races, including in atomics-ordering bugs.
    Thread,
    /// AddressSanitizer: use-after-free, out-of-bounds, leaks.
    Address,
}

impl Sanitizer {
    /// Parses `tsan`, `asan` or `all`.
    pub(crate) fn parse(name: &str) -> Result<Vec<Self>> {
        Ok(match name {
            "tsan" | "thread" => vec![Self::Thread],
            "asan" | "address" => vec![Self::Address],
            "all" => vec![Self::Thread, Self::Address],
            _ => bail!("unknown sanitizer {name:?}: use asan, tsan or all"),
        })
    }

    fn flag(self) -> &'static str {
        match self {
            Self::Thread => "thread",
            Self::Address => "address",
        }
    }

    fn target_dir(self) -> &'static str {
        match self {
            Self::Thread => "target/tsan",
            Self::Address => "target/asan",
        }
    }
}

/// `cargo xtask san <asan|tsan|all>`: the unit and integration tests of every crate marked
/// `san` under each sanitizer, with `--cfg ccol_sanitize` (TOOLING.md §3: nightly,
/// `-Zbuild-std`, an explicit host `--target` so build scripts stay uninstrumented, one target
/// dir per sanitizer). Doc tests are skipped (`--lib --tests`): rustdoc would need the same
/// instrumented std. Failures come from the exit code: TSan still prints `test result: ok`
/// when it found a race.
///
/// The host build enables `cmpxchg16b` at compile time so that the double-width CAS goes through
/// `core::arch::x86_64::cmpxchg16b` (an LLVM atomic the sanitizers instrument) instead of the
/// inline-asm path that run-time detection uses: TSan does not see inside `asm!`, and would
/// report the orderings that asm provides as races.
pub(crate) fn san(ctx: &Ctx, sanitizers: &[Sanitizer]) -> Result<()> {
    install::ensure(ctx, &[Tool::Nightly])?;
    let sh = &ctx.sh;
    let packages = &packages_of(crates(|c| c.san));
    for &sanitizer in sanitizers {
        let flag = format!("-Zsanitizer={}", sanitizer.flag());
        let extra = [
            flag.as_str(),
            "--cfg ccol_sanitize",
            "-C target-feature=+cmpxchg16b",
        ];
        let env = ctx.cargo_env(&extra, &extra);
        let dir = sanitizer.target_dir();
        ctx.run(
            cmd!(
                sh,
                "cargo +{NIGHTLY} test -Zbuild-std --no-fail-fast --target {HOST} --target-dir {dir} {packages...} --lib --tests"
            ),
            &env,
        )?;
        ctx.discard_scratch(dir)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::loom_test_args;

    #[test]
    fn loom_targets_are_the_model_files_not_the_support_module() {
        let dir = std::env::temp_dir().join(format!("ccol-xtask-loom-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("loom_support")).unwrap();
        for file in [
            "loom_close.rs",
            "loom.rs",
            "stress.rs",
            "loomy.rs",
            "loom_support/mod.rs",
        ] {
            std::fs::write(dir.join(file), "").unwrap();
        }
        let args = loom_test_args(&dir).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(args, ["--test", "loom", "--test", "loom_close"]);
    }
}
