//! Automation for the ccol workspace: `cargo xtask <task>` (`cargo xtask --help` lists them).
//!
//! One crate, xflags + xshell + anyhow (STYLE.md G9, after rust-analyzer's xtask). Every
//! crate, feature, target, tool and flag the tasks use lives in [`workspace`]; CI runs exactly
//! `cargo xtask ci` (`.ci/run`).
//!
//! Modules: [`flags`] (command line), [`exec`] (running commands under deadlines), [`lanes`]
//! (command sequences side by side), [`install`], [`check`] (fmt, lint, test, docs,
//! features), [`cross`] (no-std, embedded, aarch64), [`verify`] (loom, miri, san), [`specs`]
//! (SPIN), [`bench`] (bench, tidy), [`ci`].
#![allow(
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    reason = "xtask is a std-only host tool; the core/alloc paths matter for the no_std crates"
)]

mod bench;
mod check;
mod ci;
mod cross;
mod exec;
mod flags;
mod install;
mod lanes;
mod specs;
mod verify;
mod workspace;

use std::process::ExitCode;

use anyhow::Result;

use crate::{exec::Ctx, flags::XtaskCmd};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            exec::flush();
            eprintln!("xtask: error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// Whether the environment asks for CI mode (`CI` set to anything but empty, `0` or `false`).
fn ci_env() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false"))
}

fn run() -> Result<()> {
    let flags = flags::Xtask::from_env_or_exit();
    let ci_mode = matches!(flags.subcommand, XtaskCmd::Ci(_)) || ci_env();
    let ctx = Ctx::new(ci_mode)?;
    match flags.subcommand {
        XtaskCmd::Ci(ci) => ci::run(&ctx, &ci.skip),
        XtaskCmd::Install(_) => install::run(&ctx),
        XtaskCmd::Fmt(fmt) => check::fmt(&ctx, fmt.check),
        XtaskCmd::Lint(_) => check::lint(&ctx),
        XtaskCmd::Test(test) => check::test(&ctx, test.release),
        XtaskCmd::Docs(_) => check::docs(&ctx),
        XtaskCmd::Features(_) => check::features(&ctx),
        XtaskCmd::NoStd(_) => cross::no_std(&ctx),
        XtaskCmd::Embedded(embedded) => cross::embedded(&ctx, embedded.target.as_deref()),
        XtaskCmd::Aarch64(_) => cross::aarch64(&ctx),
        XtaskCmd::Loom(loom) => verify::loom(
            &ctx,
            loom.crate_name.as_deref(),
            loom.preemptions.unwrap_or(verify::LOOM_PREEMPTIONS),
        ),
        XtaskCmd::Miri(miri) => verify::miri(
            &ctx,
            miri.seeds.unwrap_or(verify::MIRI_SEEDS),
            miri.target.as_deref(),
            miri.all_schemes,
        ),
        XtaskCmd::San(san) => verify::san(&ctx, &verify::Sanitizer::parse(&san.sanitizer)?),
        XtaskCmd::Specs(_) => specs::run(&ctx),
        XtaskCmd::Bench(bench) => bench::run(
            &ctx,
            bench.quick,
            bench.smoke,
            bench.mimalloc,
            bench.filter.as_deref(),
        ),
        XtaskCmd::Tidy(_) => bench::tidy(&ctx),
    }
}
