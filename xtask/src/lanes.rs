//! Running independent command sequences side by side ("lanes").
//!
//! Miri interprets a test binary on one host thread, so a Miri pass leaves the second core of
//! a 2-core CI machine idle for most of its run (the many-seeds pass is the exception: it runs
//! seeds on parallel threads). The `miri` step therefore runs its passes in two lanes: the
//! first lane's output streams as usual; every other lane writes to a log file under
//! `target/xtask-lanes/`, printed whole once the lane ends, so no two commands' output
//! interleave. Each lane stops at its first failure; the other lanes run to their end, and the
//! whole fails if any lane did. Lanes must not share a cargo target directory (cargo's lock
//! would serialize them) and must not race on anything else (Miri's sysroot: set it up before).
//! The step deadline applies to every lane and kills a lane's whole process tree, like
//! [`Ctx::run`].

use std::{
    fs::{self, File},
    io::Write as _,
    path::PathBuf,
    process::{Command, Stdio},
    thread,
    time::{Duration, Instant},
};

use anyhow::{Context as _, Result, bail};
use xshell::Cmd;

use crate::exec::{Ctx, Env, echo_line, flush, wait_for};

/// A named sequence of commands run one after another.
pub(crate) struct Lane<'a> {
    name: &'static str,
    commands: Vec<(Cmd<'a>, Env)>,
}

impl<'a> Lane<'a> {
    /// An empty lane called `name` (the name heads its log).
    pub(crate) fn new(name: &'static str) -> Self {
        Self {
            name,
            commands: Vec::new(),
        }
    }

    /// Appends `cmd`, run with `env` after the commands before it succeeded.
    pub(crate) fn then(mut self, cmd: Cmd<'a>, env: Env) -> Self {
        self.commands.push((cmd, env));
        self
    }
}

/// A lane ready to run on its own thread: echo lines and `std` commands (which are `Send`).
struct Prepared {
    name: &'static str,
    commands: Vec<(String, Command)>,
    /// `None` for the streaming lane.
    log: Option<PathBuf>,
}

impl Ctx {
    /// Runs `lanes` concurrently (see the module docs); fails if any command of any lane did.
    pub(crate) fn run_lanes(&self, lanes: Vec<Lane<'_>>) -> Result<()> {
        let log_dir = self.root.join("target").join("xtask-lanes");
        fs::create_dir_all(&log_dir).with_context(|| format!("creating {}", log_dir.display()))?;
        let prepared: Vec<Prepared> = lanes
            .into_iter()
            .enumerate()
            .map(|(i, lane)| Prepared {
                name: lane.name,
                log: (i > 0).then(|| log_dir.join(format!("{}.log", lane.name))),
                commands: lane
                    .commands
                    .into_iter()
                    .map(|(cmd, env)| {
                        let shown = echo_line(&self.root, &self.sh.current_dir(), &cmd, &env);
                        let mut command: Command = cmd.into();
                        command.envs(env.vars());
                        command.stdin(Stdio::null());
                        (shown, command)
                    })
                    .collect(),
            })
            .collect();
        for lane in &prepared[1..] {
            println!(
                "xtask: lane `{}` runs alongside; its output follows when it ends",
                lane.name
            );
        }
        flush();
        let deadline = self.deadline();
        let results: Vec<(&'static str, Option<PathBuf>, Duration, Result<()>)> =
            thread::scope(|scope| {
                let running: Vec<_> = prepared
                    .into_iter()
                    .map(|lane| {
                        scope.spawn(move || {
                            let start = Instant::now();
                            let result = run_lane(lane.commands, lane.log.as_ref(), deadline);
                            (lane.name, lane.log, start.elapsed(), result)
                        })
                    })
                    .collect();
                running
                    .into_iter()
                    .map(|lane| lane.join().expect("a lane thread panicked"))
                    .collect()
            });
        let mut failed = Vec::new();
        for (name, log, took, result) in results {
            let verdict = if result.is_ok() { "ok" } else { "FAILED" };
            if let Some(log) = log {
                println!(
                    "---- lane `{name}` ({:.1} s, {verdict}) ----",
                    took.as_secs_f64()
                );
                match fs::read_to_string(&log) {
                    Ok(text) => print!("{text}"),
                    Err(err) => println!("(cannot read {}: {err})", log.display()),
                }
                println!("---- end of lane `{name}` ----");
            } else {
                println!("lane `{name}`: {:.1} s, {verdict}", took.as_secs_f64());
            }
            if let Err(err) = result {
                println!("lane `{name}`: {err:#}");
                failed.push(name);
            }
        }
        flush();
        if !failed.is_empty() {
            bail!("lane(s) failed: {}", failed.join(", "));
        }
        Ok(())
    }
}

/// Runs one lane's commands in order until one fails or the deadline passes.
fn run_lane(
    commands: Vec<(String, Command)>,
    log: Option<&PathBuf>,
    deadline: Option<(Instant, &'static str)>,
) -> Result<()> {
    let mut file = log
        .map(|path| File::create(path).with_context(|| format!("creating {}", path.display())))
        .transpose()?;
    for (shown, mut command) in commands {
        match &mut file {
            Some(file) => {
                writeln!(file, "$ {shown}")?;
                command.stdout(file.try_clone()?).stderr(file.try_clone()?);
            }
            None => {
                println!("$ {shown}");
                flush();
            }
        }
        let start = Instant::now();
        let mut child = command
            .spawn()
            .with_context(|| format!("cannot start `{shown}`"))?;
        let status = wait_for(&mut child, deadline, &shown)?;
        let secs = start.elapsed().as_secs_f64();
        match &mut file {
            Some(file) => writeln!(file, "    ({secs:.1} s)")?,
            None => println!("    ({secs:.1} s)"),
        }
        if !status.success() {
            bail!("`{shown}` failed with {status}");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use xshell::cmd;

    use super::Lane;
    use crate::exec::{Ctx, Env};

    #[test]
    fn lanes_run_side_by_side_and_a_failing_lane_fails_the_whole() {
        let ctx = Ctx::new(false).unwrap();
        let sh = &ctx.sh;
        let start = Instant::now();
        // Two lanes of 1 s each: side by side well under their 2 s sum.
        ctx.run_lanes(vec![
            Lane::new("test-a").then(cmd!(sh, "sleep 1"), Env::new()),
            Lane::new("test-b")
                .then(cmd!(sh, "sleep 0.5"), Env::new())
                .then(cmd!(sh, "sleep 0.5"), Env::new()),
        ])
        .unwrap();
        let took = start.elapsed().as_secs_f64();
        assert!(took < 1.7, "lanes ran one after another ({took:.2} s)");

        // A lane stops at its first failure; the other lane still runs to its end.
        let dir = std::env::temp_dir().join(format!("ccol-xtask-lanes-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let (after_failure, other_lane) = (dir.join("after-failure"), dir.join("other-lane"));
        let err = ctx
            .run_lanes(vec![
                Lane::new("test-ok")
                    .then(cmd!(sh, "sleep 0.2"), Env::new())
                    .then(cmd!(sh, "touch {other_lane}"), Env::new()),
                Lane::new("test-bad")
                    .then(cmd!(sh, "false"), Env::new())
                    .then(cmd!(sh, "touch {after_failure}"), Env::new()),
            ])
            .unwrap_err();
        let (ran_after_failure, other_ran) = (after_failure.exists(), other_lane.exists());
        std::fs::remove_dir_all(&dir).unwrap();
        assert!(format!("{err:#}").contains("test-bad"), "{err:#}");
        assert!(!ran_after_failure, "a lane went on after a failed command");
        assert!(other_ran, "a failing lane stopped the other one");
    }
}
