//! Other targets: `no-std` (bare-metal library builds), `embedded` (the firmware under
//! `qemu-system-arm`) and `aarch64` (the tests under qemu-user).

use std::time::Duration;

use anyhow::{Result, bail};
use xshell::cmd;

use crate::{
    check::packages,
    exec::{Ctx, os_args},
    install::{self, Tool},
    workspace::{AARCH64, BARE_METAL, BareMetal, EMBEDDED_DIR, SINGLE_CORE_CFG, crates},
};

/// How long one firmware run may take once built (it normally exits in well under a second;
/// a firmware that never calls semihosting `exit` would keep QEMU running forever).
const QEMU_TIMEOUT: Duration = Duration::from_secs(60);

/// `RUSTFLAGS` additions for a bare-metal library build on `target`.
///
/// Without native CAS the crates use `portable-atomic`, whose CAS methods exist only when
/// the final binary picks an implementation (TOOLING.md §4: E0277 otherwise). A library build
/// has no final binary, so it sets portable-atomic's single-core cfg (rustc does not flag a
/// command-line `--cfg` as unexpected, so no `--check-cfg` is needed). The firmware takes the
/// `critical-section` route instead, so both routes are built.
fn bare_metal_rustflags(target: &BareMetal) -> Vec<String> {
    if target.cas {
        Vec::new()
    } else {
        vec![format!("--cfg {SINGLE_CORE_CFG}")]
    }
}

/// `cargo xtask no-std`: each no_std crate without default features, then with `alloc` where
/// it has it, for every bare-metal target (plus `portable-atomic` on targets without CAS).
pub(crate) fn no_std(ctx: &Ctx) -> Result<()> {
    install::ensure(ctx, &[Tool::Targets])?;
    let sh = &ctx.sh;
    let cargo = ctx.cargo();
    for target in BARE_METAL {
        let triple = target.triple;
        let extra = bare_metal_rustflags(target);
        let env = ctx.cargo_env(&extra.iter().map(String::as_str).collect::<Vec<_>>(), &[]);
        for krate in crates(|c| c.no_std) {
            let name = krate.name;
            let mut features: Vec<&str> = Vec::new();
            if !target.cas && krate.features.contains(&"portable-atomic") {
                features.push("portable-atomic");
            }
            let mut sets = vec![features.clone()];
            if krate.features.contains(&"alloc") {
                features.push("alloc");
                sets.push(features);
            }
            for set in sets {
                let list = set.join(",");
                let feature_args = os_args((!set.is_empty()).then_some("--features"));
                let list = os_args((!set.is_empty()).then_some(list.as_str()));
                ctx.run(
                    cmd!(
                        sh,
                        "{cargo} build -p {name} --target {triple} --no-default-features {feature_args...} {list...}"
                    ),
                    &env,
                )?;
            }
        }
    }
    Ok(())
}

/// Firmware features for `target`: without CAS, `portable-atomic` (which also turns on
/// portable-atomic's `critical-section`, implemented by cortex-m for a single core).
fn firmware_features(target: &BareMetal) -> Vec<std::ffi::OsString> {
    os_args(if target.cas {
        vec![]
    } else {
        vec!["--features", "portable-atomic"]
    })
}

/// `cargo xtask embedded [target]`: builds the firmware of `xtask/embedded` and runs it under
/// `qemu-system-arm` on each Cortex-M target; the semihosting exit code decides, and the run
/// must also have printed its `PASS` line.
pub(crate) fn embedded(ctx: &Ctx, only: Option<&str>) -> Result<()> {
    install::ensure(ctx, &[Tool::Debian, Tool::Targets])?;
    let sh = &ctx.sh;
    let cargo = ctx.cargo();
    let targets: Vec<&BareMetal> = BARE_METAL
        .iter()
        .filter(|t| t.qemu && only.is_none_or(|o| o == t.triple))
        .collect();
    if targets.is_empty() {
        let known: Vec<&str> = BARE_METAL
            .iter()
            .filter(|t| t.qemu)
            .map(|t| t.triple)
            .collect();
        bail!(
            "no firmware target matches {only:?}; known: {}",
            known.join(", ")
        );
    }
    // cargo reads `.cargo/config.toml` (the QEMU runners) from the current directory.
    let _dir = sh.push_dir(EMBEDDED_DIR);
    let env = ctx.cargo_env(&[], &[]);
    for target in targets {
        let triple = target.triple;
        let features = &firmware_features(target);
        let args = &os_args(["--release", "--target", triple]);
        ctx.run(cmd!(sh, "{cargo} build {args...} {features...}"), &env)?;
        let run = ctx.run_capture_timeout(
            cmd!(sh, "{cargo} run {args...} {features...}"),
            &env,
            QEMU_TIMEOUT,
        )?;
        let pass = run.stdout.lines().find(|line| line.starts_with("PASS"));
        match (run.success, pass) {
            (true, Some(line)) => println!("embedded: {triple}: {line}"),
            (true, None) => bail!("firmware on {triple} exited 0 but printed no PASS line"),
            (false, _) => bail!(
                "firmware on {triple} failed: QEMU exited with {}",
                run.status
            ),
        }
    }
    Ok(())
}

/// Clippy on the firmware, for a CAS target and for the `portable-atomic` configuration.
pub(crate) fn lint_firmware(ctx: &Ctx) -> Result<()> {
    install::ensure(ctx, &[Tool::Targets])?;
    let sh = &ctx.sh;
    let cargo = ctx.cargo();
    let _dir = sh.push_dir(EMBEDDED_DIR);
    let env = ctx.cargo_env(&[], &[]);
    for target in BARE_METAL.iter().filter(|t| t.qemu) {
        let triple = target.triple;
        let features = firmware_features(target);
        ctx.run(
            cmd!(
                sh,
                "{cargo} clippy --target {triple} {features...} -- -D warnings"
            ),
            &env,
        )?;
    }
    Ok(())
}

/// `cargo xtask aarch64`: the tests of the crates marked `aarch64` for
/// aarch64-unknown-linux-gnu, run under qemu-user (TOOLING.md §6), in `target/aarch64`.
///
/// Statically linked (`+crt-static`), so qemu needs no aarch64 sysroot. The flag goes into
/// `RUSTFLAGS`/`RUSTDOCFLAGS` themselves: an env `RUSTFLAGS` (set in CI mode) would hide a
/// `CARGO_TARGET_*_RUSTFLAGS`. Doc tests run too (cross doctests use the same runner).
pub(crate) fn aarch64(ctx: &Ctx) -> Result<()> {
    install::ensure(ctx, &[Tool::Debian, Tool::Targets])?;
    let sh = &ctx.sh;
    let cargo = ctx.cargo();
    let static_link = ["-C target-feature=+crt-static"];
    let env = ctx
        .cargo_env(&static_link, &static_link)
        .set(
            "CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER",
            "aarch64-linux-gnu-gcc",
        )
        .set(
            "CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_RUNNER",
            "qemu-aarch64",
        );
    let packages = packages(crates(|c| c.aarch64).map(|c| c.name));
    ctx.run(
        cmd!(
            sh,
            "{cargo} test --no-fail-fast --target {AARCH64} --target-dir target/aarch64 {packages...}"
        ),
        &env,
    )
}
