//! `cargo xtask install`: installs the tools the checks need, only where missing, and says
//! exactly what it installed.
//!
//! Three independent groups, each checked at most once per process so tasks can call
//! [`ensure`] freely: Debian packages (SPIN, QEMU, the aarch64 cross linker), the pinned
//! nightly with its components plus Miri's sysroot, and the stable cross targets.

use std::path::Path;

use anyhow::{Context, Result, bail};
use xshell::cmd;

use crate::{
    exec::{Ctx, Env, os_args},
    workspace::{
        DEBIAN_PACKAGES, HOST, NIGHTLY, NIGHTLY_COMPONENTS, STABLE_COMPONENTS, rustup_targets,
    },
};

/// A group of tools.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tool {
    /// [`DEBIAN_PACKAGES`].
    Debian = 1,
    /// [`NIGHTLY`] with [`NIGHTLY_COMPONENTS`], and `cargo miri setup`.
    Nightly = 2,
    /// The stable toolchain's cross targets ([`rustup_targets`]) and its clippy and rustfmt.
    Targets = 4,
}

/// Every group.
pub(crate) const ALL: &[Tool] = &[Tool::Debian, Tool::Nightly, Tool::Targets];

/// `cargo xtask install`: checks every group and prints one line naming what was installed.
pub(crate) fn run(ctx: &Ctx) -> Result<()> {
    let installed = ensure(ctx, ALL)?;
    if installed.is_empty() {
        println!(
            "install: nothing to install: Debian packages, {NIGHTLY} ({}), stable targets, clippy and \
             rustfmt are all present",
            NIGHTLY_COMPONENTS.join(", ")
        );
    } else {
        println!("install: installed {}", installed.join("; "));
    }
    Ok(())
}

/// Makes sure every group in `tools` is present, installing what is missing. Returns a
/// description of each thing installed (empty when all was present).
pub(crate) fn ensure(ctx: &Ctx, tools: &[Tool]) -> Result<Vec<String>> {
    let mut installed = Vec::new();
    for &tool in tools {
        let bit = tool as u8;
        if ctx.installed.get() & bit != 0 {
            continue;
        }
        match tool {
            Tool::Debian => debian(ctx, &mut installed)?,
            Tool::Nightly => nightly(ctx, &mut installed)?,
            Tool::Targets => targets(ctx, &mut installed)?,
        }
        ctx.installed.set(ctx.installed.get() | bit);
    }
    for what in &installed {
        println!("install: INSTALLED {what}");
    }
    Ok(installed)
}

fn debian(ctx: &Ctx, installed: &mut Vec<String>) -> Result<()> {
    let sh = &ctx.sh;
    let missing: Vec<&str> = if on_path("dpkg-query") {
        let pkgs = DEBIAN_PACKAGES;
        // Exits 1 when a package is unknown; the listing on stdout is still what we need.
        let format = "-f=${Package}\t${Status}\n";
        let out = cmd!(sh, "dpkg-query -W {format} {pkgs...}")
            .quiet()
            .ignore_status()
            .ignore_stderr()
            .read()?;
        missing_debs(&out, DEBIAN_PACKAGES)
    } else {
        // Not Debian: accept the tools if their programs are on PATH, else say what is needed.
        let programs = [
            "spin",
            "qemu-system-arm",
            "qemu-aarch64",
            "aarch64-linux-gnu-gcc",
        ];
        let absent: Vec<&str> = programs.into_iter().filter(|p| !on_path(p)).collect();
        if absent.is_empty() {
            return Ok(());
        }
        bail!(
            "no dpkg-query (not Debian?) and {} not on PATH: install the equivalents of the \
             Debian packages {} yourself",
            absent.join(", "),
            DEBIAN_PACKAGES.join(" ")
        );
    };
    if missing.is_empty() {
        println!(
            "install: Debian packages present: {}",
            DEBIAN_PACKAGES.join(" ")
        );
        return Ok(());
    }
    println!("install: missing Debian packages: {}", missing.join(" "));
    let root = cmd!(sh, "id -u")
        .quiet()
        .read()
        .map(|uid| uid.trim() == "0")
        .unwrap_or(false);
    if !root && !on_path("sudo") {
        bail!(
            "not root and no sudo: run `apt-get install -y {}` as root",
            missing.join(" ")
        );
    }
    // `env` inside sudo: sudo drops the caller's environment by default.
    let apt = |args: &[&str]| {
        let args = os_args(args.iter().copied());
        if root {
            cmd!(sh, "env DEBIAN_FRONTEND=noninteractive apt-get {args...}")
        } else {
            cmd!(
                sh,
                "sudo env DEBIAN_FRONTEND=noninteractive apt-get {args...}"
            )
        }
    };
    ctx.run(apt(&["update"]), &Env::new())?;
    // Recommends would pull a GUI and firmware images for QEMU; nothing here needs them.
    let mut install = vec!["install", "-y", "--no-install-recommends"];
    install.extend(&missing);
    ctx.run(apt(&install), &Env::new())?;
    installed.push(format!("Debian packages {}", missing.join(" ")));
    Ok(())
}

/// The packages of `wanted` that `dpkg-query -W -f='${Package}\t${Status}\n'` output does
/// not list as `install ok installed`.
pub(crate) fn missing_debs<'a>(dpkg_query: &str, wanted: &[&'a str]) -> Vec<&'a str> {
    wanted
        .iter()
        .copied()
        .filter(|want| {
            !dpkg_query.lines().any(|line| {
                let mut fields = line.splitn(2, '\t');
                let name = fields.next().unwrap_or("");
                // Multi-arch packages may be listed as `name:arch`.
                let name = name.split(':').next().unwrap_or(name);
                name == *want
                    && fields
                        .next()
                        .is_some_and(|s| s.trim() == "install ok installed")
            })
        })
        .collect()
}

fn nightly(ctx: &Ctx, installed: &mut Vec<String>) -> Result<()> {
    let sh = &ctx.sh;
    let has_miri = cmd!(sh, "rustup run {NIGHTLY} cargo miri --version")
        .quiet()
        .ignore_stdout()
        .ignore_stderr()
        .run()
        .is_ok();
    if has_miri {
        println!("install: {NIGHTLY} with miri present");
    } else {
        let components = NIGHTLY_COMPONENTS.join(",");
        ctx.run(
            cmd!(
                sh,
                "rustup toolchain install {NIGHTLY} --profile minimal -c {components} --no-self-update"
            ),
            &Env::new(),
        )
        .with_context(|| format!("installing {NIGHTLY}"))?;
        installed.push(format!("toolchain {NIGHTLY} ({components})"));
    }
    // A toolchain installed earlier may lack a component (rustfmt, rust-src).
    let listed = cmd!(
        sh,
        "rustup component list --installed --toolchain {NIGHTLY}"
    )
    .quiet()
    .read()?;
    let absent = missing_components(&listed, NIGHTLY_COMPONENTS);
    if !absent.is_empty() {
        let args = os_args(absent.iter().copied());
        ctx.run(
            cmd!(sh, "rustup component add --toolchain {NIGHTLY} {args...}"),
            &Env::new(),
        )?;
        installed.push(format!("{NIGHTLY} components {}", absent.join(", ")));
    }
    // Builds Miri's sysroot once (about 40 s); a no-op when cached.
    ctx.run(cmd!(sh, "cargo +{NIGHTLY} miri setup"), &Env::new())?;
    Ok(())
}

/// The components of `wanted` absent from `rustup component list --installed` output, whose
/// lines look like `rust-src` or `miri-x86_64-unknown-linux-gnu` (host-specific ones carry
/// the [`HOST`] triple: xtask's nightly checks run on x86-64 Linux).
pub(crate) fn missing_components<'a>(listed: &str, wanted: &[&'a str]) -> Vec<&'a str> {
    wanted
        .iter()
        .copied()
        .filter(|want| {
            !listed.lines().map(str::trim).any(|line| {
                line == *want
                    || line
                        .strip_prefix(want)
                        .and_then(|rest| rest.strip_prefix('-'))
                        .is_some_and(|triple| triple == HOST)
            })
        })
        .collect()
}

fn targets(ctx: &Ctx, installed: &mut Vec<String>) -> Result<()> {
    let sh = &ctx.sh;
    // The default rustup profile has clippy and rustfmt; a minimal one does not.
    let listed = cmd!(sh, "rustup component list --installed")
        .quiet()
        .read()?;
    let absent = missing_components(&listed, STABLE_COMPONENTS);
    if !absent.is_empty() {
        let args = os_args(absent.iter().copied());
        ctx.run(cmd!(sh, "rustup component add {args...}"), &Env::new())?;
        installed.push(format!("stable components {}", absent.join(", ")));
    }
    let listed = cmd!(sh, "rustup target list --installed").quiet().read()?;
    let wanted = rustup_targets();
    let missing = missing_targets(&listed, &wanted);
    if missing.is_empty() {
        println!("install: targets present: {}", wanted.join(" "));
        return Ok(());
    }
    let args = os_args(missing.iter().copied());
    ctx.run(cmd!(sh, "rustup target add {args...}"), &Env::new())?;
    installed.push(format!("targets {}", missing.join(" ")));
    Ok(())
}

/// The targets of `wanted` not listed (one per line) in `rustup target list --installed`.
pub(crate) fn missing_targets<'a>(listed: &str, wanted: &[&'a str]) -> Vec<&'a str> {
    wanted
        .iter()
        .copied()
        .filter(|want| !listed.lines().any(|l| l.trim() == *want))
        .collect()
}

/// Whether `program` is an executable file in a `PATH` directory.
pub(crate) fn on_path(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| is_file(&dir.join(program))))
}

fn is_file(path: &Path) -> bool {
    path.metadata().is_ok_and(|meta| meta.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detects_a_missing_target() {
        let listed = "aarch64-unknown-linux-gnu\nthumbv6m-none-eabi\nx86_64-unknown-linux-gnu\n";
        let wanted = [
            "thumbv6m-none-eabi",
            "thumbv8m.main-none-eabi",
            "aarch64-unknown-linux-gnu",
        ];
        assert_eq!(
            missing_targets(listed, &wanted),
            ["thumbv8m.main-none-eabi"]
        );
        assert!(missing_targets(listed, &wanted[..1]).is_empty());
        // A prefix of an installed name is not that target.
        assert_eq!(
            missing_targets(listed, &["thumbv6m-none"]),
            ["thumbv6m-none"]
        );
    }

    #[test]
    fn detects_missing_and_half_installed_debian_packages() {
        let out = "spin\tinstall ok installed\nqemu-user\tdeinstall ok config-files\n\
                   libc6-dev-arm64-cross:all\tinstall ok installed\n";
        let wanted = [
            "spin",
            "qemu-user",
            "qemu-system-arm",
            "libc6-dev-arm64-cross",
        ];
        assert_eq!(missing_debs(out, &wanted), ["qemu-user", "qemu-system-arm"]);
        assert_eq!(missing_debs("", &["spin"]), ["spin"]);
    }

    #[test]
    fn detects_missing_components() {
        let listed = "cargo-x86_64-unknown-linux-gnu\nmiri-x86_64-unknown-linux-gnu\nrust-src\n";
        assert_eq!(
            missing_components(listed, &["miri", "rust-src", "rustfmt"]),
            ["rustfmt"]
        );
        // `rust` must not match `rust-src`, nor `rustc` match `rustc-dev`.
        assert_eq!(missing_components(listed, &["rust"]), ["rust"]);
        let dev = "rustc-dev-x86_64-unknown-linux-gnu\n";
        assert_eq!(missing_components(dev, &["rustc"]), ["rustc"]);
    }
}
