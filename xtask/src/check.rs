//! Host checks: `fmt`, `lint`, `test`, `docs` and `features`.

use anyhow::Result;
use xshell::cmd;

use crate::{
    exec::{Ctx, Env, os_args},
    install::{self, Tool},
    workspace::{EMBEDDED_DIR, NIGHTLY, crates},
};

/// Options of the nightly rustfmt run (STYLE.md G2.4); stable rustfmt accepts the result.
const NIGHTLY_FMT_CONFIG: &str = "imports_granularity=Crate,group_imports=StdExternalCrate";

/// `cargo xtask fmt [--check]`.
///
/// `--check` uses stable rustfmt only, so it agrees with a plain `cargo fmt --all -- --check`.
/// Formatting first runs the pinned nightly's rustfmt with the import options (if that
/// toolchain has rustfmt), then stable rustfmt, so the result passes the stable check.
pub(crate) fn fmt(ctx: &Ctx, check: bool) -> Result<()> {
    let sh = &ctx.sh;
    let cargo = ctx.cargo();
    let embedded = format!("{EMBEDDED_DIR}/Cargo.toml");
    let check_args = &os_args(if check { vec!["--", "--check"] } else { vec![] });
    if !check {
        let nightly_fmt = cmd!(sh, "rustup run {NIGHTLY} rustfmt --version")
            .quiet()
            .ignore_stdout()
            .ignore_stderr()
            .run()
            .is_ok();
        if nightly_fmt {
            for manifest in [None, Some(&embedded)] {
                let manifest = os_args(
                    manifest
                        .map(|m| ["--manifest-path", m.as_str()])
                        .into_iter()
                        .flatten(),
                );
                ctx.run(
                    cmd!(
                        sh,
                        "cargo +{NIGHTLY} fmt --all {manifest...} -- --config {NIGHTLY_FMT_CONFIG}"
                    ),
                    &Env::new(),
                )?;
            }
        } else {
            println!("fmt: {NIGHTLY} has no rustfmt; import grouping skipped (stable only)");
        }
    }
    ctx.run(cmd!(sh, "{cargo} fmt --all {check_args...}"), &Env::new())?;
    ctx.run(
        cmd!(sh, "{cargo} fmt --manifest-path {embedded} {check_args...}"),
        &Env::new(),
    )
}

/// `cargo xtask lint`: clippy on every target of the workspace with default, no and all
/// features (`--all-features` includes the unstable `loom`, inert without `--cfg ccol_loom`),
/// then on the firmware for its Cortex-M4F target.
pub(crate) fn lint(ctx: &Ctx) -> Result<()> {
    let sh = &ctx.sh;
    let cargo = ctx.cargo();
    let env = ctx.cargo_env(&[], &[]);
    for features in [&[][..], &["--no-default-features"], &["--all-features"]] {
        let features = os_args(features.iter().copied());
        ctx.run(
            cmd!(
                sh,
                "{cargo} clippy --workspace --all-targets {features...} -- -D warnings"
            ),
            &env,
        )?;
    }
    crate::cross::lint_firmware(ctx)
}

/// `cargo xtask test [--release]`: the workspace's tests, then the no_std crates' unit and
/// integration tests without default features (doc tests are skipped there: examples may
/// use std-only items, as docs.rs documents all features). `--no-fail-fast`: one run reports
/// every failing test binary.
pub(crate) fn test(ctx: &Ctx, release: bool) -> Result<()> {
    let sh = &ctx.sh;
    let cargo = ctx.cargo();
    let env = ctx.cargo_env(&[], &[]);
    let release = &os_args(release.then_some("--release"));
    ctx.run(
        cmd!(sh, "{cargo} test --workspace --no-fail-fast {release...}"),
        &env,
    )?;
    let packages = packages(crates(|c| c.no_std).map(|c| c.name));
    ctx.run(
        cmd!(
            sh,
            "{cargo} test {packages...} --no-default-features --lib --tests --no-fail-fast {release...}"
        ),
        &env,
    )
}

/// `cargo xtask docs`: rustdoc with warnings denied, twice.
///
/// Stable, as users build docs; then the pinned nightly with `--cfg docsrs`, as docs.rs
/// builds them (`feature(doc_cfg)` needs nightly), in its own target dir.
pub(crate) fn docs(ctx: &Ctx) -> Result<()> {
    let sh = &ctx.sh;
    let cargo = ctx.cargo();
    let args = [
        "--workspace",
        "--exclude",
        "xtask",
        "--no-deps",
        "--all-features",
    ];
    let args = &os_args(args);
    ctx.run(
        cmd!(sh, "{cargo} doc {args...}"),
        &ctx.cargo_env(&[], &["-D warnings"]),
    )?;
    install::ensure(ctx, &[Tool::Nightly])?;
    let env = ctx.cargo_env(&[], &["-D warnings", "--cfg docsrs"]);
    ctx.run(
        cmd!(
            sh,
            "cargo +{NIGHTLY} doc {args...} --target-dir target/docsrs"
        ),
        &env,
    )
}

/// `cargo xtask features`: every library crate with no features, each feature alone, and
/// all features (a hand-written "powerset lite": features are additive, STYLE.md G5).
pub(crate) fn features(ctx: &Ctx) -> Result<()> {
    let sh = &ctx.sh;
    let cargo = ctx.cargo();
    let env = ctx.cargo_env(&[], &[]);
    for krate in crates(|c| c.library) {
        let name = krate.name;
        ctx.run(
            cmd!(sh, "{cargo} check -p {name} --no-default-features"),
            &env,
        )?;
        for feature in krate.features {
            ctx.run(
                cmd!(
                    sh,
                    "{cargo} check -p {name} --no-default-features --features {feature}"
                ),
                &env,
            )?;
        }
        ctx.run(cmd!(sh, "{cargo} check -p {name} --all-features"), &env)?;
    }
    Ok(())
}

/// `-p a -p b ...` for cargo.
pub(crate) fn packages(names: impl IntoIterator<Item = &'static str>) -> Vec<std::ffi::OsString> {
    os_args(names.into_iter().flat_map(|name| ["-p", name]))
}
