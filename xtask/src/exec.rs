//! Running commands: echo, flag strings, deadlines that kill a whole process tree, and
//! output capture.
//!
//! Children stay in xtask's process group, so Ctrl-C in a terminal still reaches every one of
//! them. A deadline (a `ci` step budget, or a QEMU run's timeout) is enforced by walking
//! `/proc` for the child's descendants, stopping them all, then killing them all, so a hung
//! test binary or emulator cannot outlive its step.

use std::{
    cell::Cell,
    env,
    ffi::{OsStr, OsString},
    fmt::Write as _,
    fs,
    io::{self, Read, Write},
    path::{Path, PathBuf},
    process::{Child, Command, ExitStatus, Stdio},
    thread,
    time::{Duration, Instant},
};

use anyhow::{Context, Result, bail};
use xshell::{Cmd, Shell};

/// Everything a task needs: the shell, the workspace root, CI mode and the current deadline.
#[derive(Debug)]
pub(crate) struct Ctx {
    /// Shell whose current directory is the workspace root.
    pub(crate) sh: Shell,
    /// The workspace root.
    pub(crate) root: PathBuf,
    /// CI mode: warnings are errors (`RUSTFLAGS`/`RUSTDOCFLAGS` get `-D warnings`).
    pub(crate) ci: bool,
    /// When the current `ci` step must be over, and its name.
    deadline: Cell<Option<(Instant, &'static str)>>,
    /// Bit set of the install checks already done in this process (see `install::Tool`).
    pub(crate) installed: Cell<u8>,
}

/// Environment variables set on one command (and echoed with it).
#[derive(Debug, Default, Clone)]
pub(crate) struct Env {
    vars: Vec<(String, String)>,
}

impl Env {
    /// No variables.
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Adds (or replaces) `key=value`.
    pub(crate) fn set(mut self, key: &str, value: impl Into<String>) -> Self {
        self.vars.retain(|(k, _)| k != key);
        self.vars.push((key.to_owned(), value.into()));
        self
    }

    /// The variables, in the order they were set.
    pub(crate) fn vars(&self) -> impl Iterator<Item = (&str, &str)> {
        self.vars.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

/// Output of a captured command.
#[derive(Debug)]
pub(crate) struct Captured {
    /// Whether it exited with status 0.
    pub(crate) success: bool,
    /// Its exit status, for messages.
    pub(crate) status: ExitStatus,
    /// Its standard output (also echoed while it ran).
    pub(crate) stdout: String,
}

impl Ctx {
    /// A context rooted at the workspace that holds this crate.
    pub(crate) fn new(ci: bool) -> Result<Self> {
        let root = project_root();
        let sh = Shell::new()?;
        sh.change_dir(&root);
        Ok(Self {
            sh,
            root,
            ci,
            deadline: Cell::new(None),
            installed: Cell::new(0),
        })
    }

    /// The stable cargo that runs xtask (`$CARGO`), falling back to `cargo` on `PATH`.
    pub(crate) fn cargo(&self) -> PathBuf {
        env::var_os("CARGO").map_or_else(|| PathBuf::from("cargo"), PathBuf::from)
    }

    /// In CI mode, deletes `dir` (relative to the workspace root), a target directory only
    /// one step builds into, once it has served: kept side by side, the gate's target
    /// directories (Miri, two sanitizers with `-Zbuild-std`, aarch64, loom) once ran a CI
    /// machine out of disk. Locally they stay, for fast rebuilds.
    pub(crate) fn discard_scratch(&self, dir: &str) -> Result<()> {
        if !self.ci {
            return Ok(());
        }
        let path = self.root.join(dir);
        match fs::remove_dir_all(&path) {
            Ok(()) => {
                println!("xtask: removed {dir} (only this step uses it)");
                Ok(())
            }
            Err(err) if err.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(err) => Err(err).with_context(|| format!("removing {}", path.display())),
        }
    }

    /// Free space on the workspace's file system in GiB (`df -Pk`), for the `ci` step
    /// headers, so a run that fills the disk shows where; `None` if `df` is unavailable.
    pub(crate) fn disk_free_gib(&self) -> Option<f64> {
        let out = Command::new("df")
            .arg("-Pk")
            .arg(&self.root)
            .output()
            .ok()?;
        let text = String::from_utf8_lossy(&out.stdout);
        let avail_kib: f64 = text
            .lines()
            .nth(1)?
            .split_whitespace()
            .nth(3)?
            .parse()
            .ok()?;
        Some(avail_kib / (1024.0 * 1024.0))
    }

    /// The deadline every command must finish by, if any, and what set it.
    pub(crate) fn deadline(&self) -> Option<(Instant, &'static str)> {
        self.deadline.get()
    }

    /// Sets (or clears) the deadline every later command must finish by.
    pub(crate) fn set_deadline(&self, deadline: Option<(Instant, &'static str)>) {
        self.deadline.set(deadline);
    }

    /// `RUSTFLAGS` for one command: the caller's own, then `-D warnings` in CI mode, then
    /// `extra`. Always set explicitly so a step's flags never depend on an earlier step, and
    /// combined rather than replaced (an env `RUSTFLAGS` hides `.cargo/config.toml` rustflags).
    pub(crate) fn rustflags(&self, extra: &[&str]) -> String {
        self.flags("RUSTFLAGS", extra)
    }

    /// `RUSTDOCFLAGS`, built like [`Ctx::rustflags`].
    pub(crate) fn rustdocflags(&self, extra: &[&str]) -> String {
        self.flags("RUSTDOCFLAGS", extra)
    }

    fn flags(&self, var: &str, extra: &[&str]) -> String {
        let inherited = env::var(var).unwrap_or_default();
        let mut parts: Vec<&str> = inherited.split_whitespace().collect();
        if self.ci {
            parts.extend(["-D", "warnings"]);
        }
        parts.extend(extra.iter().flat_map(|flag| flag.split_whitespace()));
        parts.join(" ")
    }

    /// Environment for a cargo command with `rustflags`/`rustdocflags` added to the defaults.
    /// A variable whose flags come out empty is left alone: even an empty `RUSTFLAGS` would
    /// hide the rustflags of cargo config files.
    /// In CI mode incremental compilation is off: a one-shot build gains nothing from it, and
    /// its caches roughly double the size of every debug target directory (the gate once ran
    /// a CI machine out of disk).
    pub(crate) fn cargo_env(&self, rustflags: &[&str], rustdocflags: &[&str]) -> Env {
        let mut env = Env::new();
        if self.ci {
            env = env.set("CARGO_INCREMENTAL", "0");
        }
        for (var, flags) in [
            ("RUSTFLAGS", self.rustflags(rustflags)),
            ("RUSTDOCFLAGS", self.rustdocflags(rustdocflags)),
        ] {
            if !flags.is_empty() {
                env = env.set(var, flags);
            }
        }
        env
    }

    /// Runs `cmd` with `env`, streaming its output; fails on a non-zero exit or the deadline.
    pub(crate) fn run(&self, cmd: Cmd<'_>, env: &Env) -> Result<()> {
        let captured = self.spawn(cmd, env, false, None)?;
        if !captured.success {
            bail!("command failed with {}", captured.status);
        }
        Ok(())
    }

    /// Like [`Ctx::run`] but also kills the command after `timeout` (whichever of that and
    /// the step deadline comes first).
    pub(crate) fn run_capture_timeout(
        &self,
        cmd: Cmd<'_>,
        env: &Env,
        timeout: Duration,
    ) -> Result<Captured> {
        self.spawn(cmd, env, true, Some(timeout))
    }

    /// Runs `cmd`, echoing and capturing its standard output; the exit status is returned,
    /// not checked.
    pub(crate) fn run_capture(&self, cmd: Cmd<'_>, env: &Env) -> Result<Captured> {
        self.spawn(cmd, env, true, None)
    }

    fn spawn(
        &self,
        cmd: Cmd<'_>,
        env: &Env,
        capture: bool,
        timeout: Option<Duration>,
    ) -> Result<Captured> {
        let shown = echo_line(&self.root, &self.sh.current_dir(), &cmd, env);
        println!("$ {shown}");
        flush();
        let mut command: Command = cmd.into();
        command.envs(env.vars.iter().map(|(k, v)| (k, v)));
        command.stdin(Stdio::null());
        if capture {
            command.stdout(Stdio::piped());
        }
        let start = Instant::now();
        let mut child = command
            .spawn()
            .with_context(|| format!("cannot start `{shown}`"))?;
        let reader = child.stdout.take().map(|mut out| {
            thread::spawn(move || -> Vec<u8> {
                let mut all = Vec::new();
                let mut buf = [0_u8; 4096];
                while let Ok(n @ 1..) = out.read(&mut buf) {
                    all.extend_from_slice(&buf[..n]);
                    let mut stdout = io::stdout().lock();
                    // Echo failures (a closed terminal) must not stop the capture.
                    let _ = stdout.write_all(&buf[..n]).and_then(|()| stdout.flush());
                }
                all
            })
        });

        let step_deadline = self.deadline.get();
        let own_deadline = timeout.map(|t| (start + t, "its own timeout"));
        let deadline = match (step_deadline, own_deadline) {
            (Some(a), Some(b)) => Some(if a.0 <= b.0 { a } else { b }),
            (a, b) => a.or(b),
        };
        let status = match wait_for(&mut child, deadline, &shown) {
            Ok(status) => status,
            Err(err) => {
                if let Some(reader) = reader {
                    let _ = reader.join();
                }
                return Err(err);
            }
        };
        let stdout = match reader {
            Some(reader) => reader
                .join()
                .map_err(|_| anyhow::anyhow!("output reader panicked"))?,
            None => Vec::new(),
        };
        let secs = start.elapsed().as_secs_f64();
        if secs >= 1.0 {
            println!("    ({secs:.1} s)");
        }
        flush();
        Ok(Captured {
            success: status.success(),
            status,
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
        })
    }
}

/// The workspace root: the parent of this crate's manifest directory.
pub(crate) fn project_root() -> PathBuf {
    let manifest = env::var_os("CARGO_MANIFEST_DIR")
        .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from);
    manifest
        .parent()
        .map_or(manifest.clone(), Path::to_path_buf)
}

/// Flushes standard output so command echoes interleave correctly with child output.
pub(crate) fn flush() {
    let _ = io::stdout().flush();
}

/// `[dir] VAR=value ... program args`, the echo line of a command.
pub(crate) fn echo_line(root: &Path, cwd: &Path, cmd: &Cmd<'_>, env: &Env) -> String {
    let mut line = String::new();
    if cwd != root {
        let shown = cwd.strip_prefix(root).unwrap_or(cwd);
        let _ = write!(line, "(cd {}) ", shown.display());
    }
    for (key, value) in &env.vars {
        if value.contains(char::is_whitespace) || value.is_empty() {
            let _ = write!(line, "{key}=\"{value}\" ");
        } else {
            let _ = write!(line, "{key}={value} ");
        }
    }
    // `$CARGO` is a long toolchain path; `cargo` is what a reader would type.
    let shown = cmd.to_string();
    let cargo = env::var("CARGO").unwrap_or_default();
    match shown
        .strip_prefix(&cargo)
        .filter(|rest| !cargo.is_empty() && rest.starts_with(' '))
    {
        Some(rest) => line.push_str(&format!("cargo{rest}")),
        None => line.push_str(&shown),
    }
    line
}

/// Every descendant of `root` (not `root` itself), from `/proc/<pid>/stat` parent links.
fn descendants(root: u32) -> Vec<u32> {
    let mut parent_of: Vec<(u32, u32)> = Vec::new();
    if let Ok(entries) = fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|s| s.parse::<u32>().ok())
            else {
                continue;
            };
            let Ok(stat) = fs::read_to_string(entry.path().join("stat")) else {
                continue;
            };
            // `pid (comm) state ppid ...`; comm may contain spaces and parentheses.
            let Some(after) = stat.rfind(')').map(|i| &stat[i + 1..]) else {
                continue;
            };
            if let Some(ppid) = after.split_whitespace().nth(1).and_then(|s| s.parse().ok()) {
                parent_of.push((pid, ppid));
            }
        }
    }
    let mut tree = vec![root];
    let mut i = 0;
    while i < tree.len() {
        let parent = tree[i];
        tree.extend(
            parent_of
                .iter()
                .filter(|&&(_, pp)| pp == parent)
                .map(|&(pid, _)| pid),
        );
        i += 1;
    }
    tree.remove(0);
    tree
}

/// Waits for `child`; if `deadline` passes first, kills its whole process tree (and reaps
/// it) and fails, naming `shown` and what set the deadline.
pub(crate) fn wait_for(
    child: &mut Child,
    deadline: Option<(Instant, &'static str)>,
    shown: &str,
) -> Result<ExitStatus> {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(status);
        }
        if let Some((_, why)) = deadline.filter(|&(at, _)| Instant::now() >= at) {
            kill_tree(child.id());
            let _ = child.kill();
            let _ = child.wait();
            bail!(
                "`{shown}` killed after {:.0} s: it ran past {why}",
                start.elapsed().as_secs_f64()
            );
        }
        thread::sleep(Duration::from_millis(50));
    }
}

/// Stops, then kills, `pid` and all its descendants.
fn kill_tree(pid: u32) {
    let signal = |sig: &str, pids: &[u32]| {
        if pids.is_empty() {
            return;
        }
        let list: Vec<String> = pids.iter().map(u32::to_string).collect();
        // The shell builtin `kill` exists everywhere `sh` does (procps may not be installed).
        let _ = Command::new("sh")
            .arg("-c")
            .arg(format!("kill -s {sig} {} 2>/dev/null", list.join(" ")))
            .stdin(Stdio::null())
            .status();
    };
    // Freeze the tree first so nothing forks or reaps while we collect it.
    let mut frozen = vec![pid];
    for _ in 0..3 {
        let new: Vec<u32> = descendants(pid)
            .into_iter()
            .filter(|p| !frozen.contains(p))
            .collect();
        frozen.extend(new);
        signal("STOP", &frozen);
    }
    signal("KILL", &frozen);
}

/// Owned arguments for an `xshell::cmd!` splice (`{args...}`).
pub(crate) fn os_args<I>(args: I) -> Vec<OsString>
where
    I: IntoIterator,
    I::Item: AsRef<OsStr>,
{
    args.into_iter()
        .map(|arg| arg.as_ref().to_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_combine_inherited_ci_and_extra() {
        let ctx = Ctx::new(true).unwrap();
        let flags = ctx.flags("XTASK_TEST_UNSET_FLAGS", &["--cfg ccol_loom", "-Zfoo"]);
        assert_eq!(flags, "-D warnings --cfg ccol_loom -Zfoo");
        let ctx = Ctx::new(false).unwrap();
        assert_eq!(ctx.flags("XTASK_TEST_UNSET_FLAGS", &[]), "");
    }

    #[test]
    fn scratch_is_removed_only_in_ci_mode() {
        let dir = "target/xtask-test-scratch";
        let ctx = Ctx::new(false).unwrap();
        let path = ctx.root.join(dir).join("nested");
        fs::create_dir_all(&path).unwrap();
        fs::write(path.join("artifact"), b"x").unwrap();
        ctx.discard_scratch(dir).unwrap();
        assert!(path.exists(), "a local run keeps its target directories");
        let ci = Ctx::new(true).unwrap();
        ci.discard_scratch(dir).unwrap();
        assert!(
            !ci.root.join(dir).exists(),
            "CI mode removes a step's scratch"
        );
        ci.discard_scratch(dir).unwrap(); // already gone: not an error
        assert!(ci.disk_free_gib().is_some_and(|gib| gib >= 0.0));
    }

    #[test]
    fn deadline_kills_the_whole_tree() {
        let ctx = Ctx::new(false).unwrap();
        let sh = &ctx.sh;
        // A shell whose child sleeps: both must be gone well before the sleep ends.
        let start = Instant::now();
        let cmd = xshell::cmd!(sh, "sh -c 'sleep 37.0625 & wait'");
        let err = ctx.run_capture_timeout(cmd, &Env::new(), Duration::from_millis(300));
        assert!(err.is_err(), "a command past its timeout must fail");
        assert!(start.elapsed() < Duration::from_secs(10));
        let survivors = fs::read_dir("/proc")
            .unwrap()
            .flatten()
            .filter_map(|entry| fs::read(entry.path().join("cmdline")).ok())
            .filter(|cmdline| String::from_utf8_lossy(cmdline).contains("37.0625"))
            .count();
        assert_eq!(survivors, 0, "the grandchild `sleep` must be killed too");
    }

    #[test]
    fn capture_returns_stdout_and_status() {
        let ctx = Ctx::new(false).unwrap();
        let sh = &ctx.sh;
        let out = ctx.run_capture(xshell::cmd!(sh, "sh -c 'echo hello; exit 3'"), &Env::new());
        let out = out.unwrap();
        assert!(!out.success);
        assert_eq!(out.status.code(), Some(3));
        assert_eq!(out.stdout, "hello\n");
    }
}
