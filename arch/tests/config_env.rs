//! `Config::from_env`, `Config::from_env_with_issues` and `Config::global` against a real
//! process environment.
//!
//! `Config::global` is computed once per process, so each scenario runs in a fresh child
//! process: the test re-runs this test binary (`std::env::current_exe()`) filtered to itself,
//! with the scenario's variables and a marker variable naming the scenario. The child checks
//! its configuration; the parent checks the child passed and what it printed on stderr.
//! Miri cannot spawn processes, so the file is empty under Miri.
#![cfg(all(feature = "std", not(miri)))]

use std::{
    ffi::OsString,
    process::{Command, Output},
};

use ccol_arch::config::{Config, EnvIssueKind, QueueBackend};

/// Names the scenario in a child process. Deliberately not `CCOL_*`, which the parser reads.
const MARKER: &str = "ARCH_TEST_CHILD_SCENARIO";
/// This test's name, for the child's `--exact` filter.
const TEST_NAME: &str = "global_config_from_process_environment";

#[test]
fn global_config_from_process_environment() {
    if let Ok(scenario) = std::env::var(MARKER) {
        child(&scenario);
        return;
    }

    let out = run_child("defaults", &[]);
    assert_eq!(ccol_lines(&out), Vec::<String>::new());

    let all = [
        ("CCOL_RETIRE_THRESHOLD", "100"),
        ("CCOL_RECLAIM_BATCH", "7"),
        ("CCOL_EPOCH_FREQUENCY", "9"),
        ("CCOL_MAX_THREADS", "12"),
        ("CCOL_BACKOFF_SPIN_LIMIT", "3"),
        ("CCOL_BACKOFF_YIELD_LIMIT", "4"),
        ("CCOL_QUEUE_BACKEND", "SCQ"),
        ("CCOL_STATS", "on"),
    ];
    let out = run_child("all", &all.map(|(k, v)| (k, OsString::from(v))));
    assert_eq!(ccol_lines(&out), Vec::<String>::new());

    let invalid = [
        ("CCOL_RETIRE_THRESHOLD", "abc"),
        ("CCOL_MAX_THREADS", "0"),
        ("CCOL_QUEUE_BACKEND", "fast"),
        ("CCOL_STATZ", "1"),
        ("CCOL_STATS", ""),
        ("CCOL_RECLAIM_BATCH", "7"),
    ];
    let out = run_child("invalid", &invalid.map(|(k, v)| (k, OsString::from(v))));
    let mut lines = ccol_lines(&out);
    lines.sort();
    assert_eq!(lines.len(), 4, "each issue exactly once: {lines:#?}");
    assert_eq!(
        lines[..3],
        [
            "ccol: CCOL_MAX_THREADS=\"0\" ignored: max_threads = 0 is out of range (valid: 1..=4096)",
            "ccol: CCOL_QUEUE_BACKEND=\"fast\" ignored: expected one of auto, scq, lcrq",
            "ccol: CCOL_RETIRE_THRESHOLD=\"abc\" ignored: not a decimal integer",
        ]
    );
    assert!(
        lines[3].starts_with("ccol: CCOL_STATZ=\"1\" ignored: unknown variable"),
        "{lines:#?}"
    );

    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        let bad = OsString::from_vec(vec![b'o', 0xff, b'n']);
        let out = run_child("not_unicode", &[("CCOL_STATS", bad)]);
        let lines = ccol_lines(&out);
        assert_eq!(lines.len(), 1, "{lines:#?}");
        assert!(
            lines[0].starts_with("ccol: CCOL_STATS=") && lines[0].ends_with("not valid Unicode")
        );
    }
}

/// Runs this test in a child process with exactly `vars` as its `CCOL_*` environment.
fn run_child(scenario: &str, vars: &[(&str, OsString)]) -> Output {
    let exe = std::env::current_exe().expect("path of the test binary");
    let mut cmd = match runner().split_first() {
        Some((program, args)) => {
            let mut cmd = Command::new(program);
            cmd.args(args).arg(exe);
            cmd
        }
        None => Command::new(exe),
    };
    cmd.args([TEST_NAME, "--exact", "--nocapture", "--test-threads=1"]);
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("CCOL_") {
            cmd.env_remove(name);
        }
    }
    cmd.env(MARKER, scenario);
    for (name, value) in vars {
        cmd.env(name, value);
    }
    let out = cmd.output().expect("spawn the test binary");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "scenario {scenario} failed: {}\nstdout:\n{stdout}\nstderr:\n{stderr}",
        out.status
    );
    // Guard against a filter that matched nothing (that would "pass" without running).
    assert!(
        stdout.contains("1 passed"),
        "scenario {scenario} did not run:\n{stdout}"
    );
    out
}

/// The command cargo ran this binary under, if any (e.g. `qemu-aarch64` for AArch64 tests on
/// an x86-64 host): the child must go through it too. Cargo's runner setting is visible here
/// only when it was given as a `CARGO_TARGET_<TRIPLE>_RUNNER` environment variable, which is
/// how the family's cross-test recipes set it; the triple is matched by architecture and OS.
fn runner() -> Vec<String> {
    let arch = format!("CARGO_TARGET_{}_", std::env::consts::ARCH.to_uppercase());
    let os = format!("_{}", std::env::consts::OS.to_uppercase());
    std::env::vars()
        .find(|(k, _)| k.starts_with(&arch) && k.contains(&os) && k.ends_with("_RUNNER"))
        .map(|(_, v)| v.split_whitespace().map(String::from).collect())
        .unwrap_or_default()
}

/// The child's stderr lines written by ccol.
fn ccol_lines(out: &Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| l.starts_with("ccol:"))
        .map(String::from)
        .collect()
}

/// Runs in the child process: checks the configuration the environment produced.
fn child(scenario: &str) {
    // Concurrent first calls agree on one instance.
    let ptrs: Vec<usize> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4)
            .map(|_| s.spawn(|| core::ptr::from_ref(Config::global()).addr()))
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("no panic"))
            .collect()
    });
    assert!(ptrs.iter().all(|p| *p == ptrs[0]));
    let global = *Config::global();
    // Further reads neither change the result nor print again.
    assert_eq!(Config::from_env(), global);
    assert_eq!(Config::from_env(), global);
    let (config, issues) = Config::from_env_with_issues();
    assert_eq!(config, global);

    match scenario {
        "defaults" => {
            assert_eq!(global, Config::DEFAULT);
            assert!(issues.is_empty(), "{issues:?}");
        }
        "all" => {
            assert!(issues.is_empty(), "{issues:?}");
            assert_eq!(
                (
                    global.retire_threshold(),
                    global.reclaim_batch(),
                    global.epoch_frequency()
                ),
                (100, 7, 9)
            );
            assert_eq!(global.max_threads(), 12);
            assert_eq!(
                (global.backoff_spin_limit(), global.backoff_yield_limit()),
                (3, 4)
            );
            assert_eq!(global.queue_backend(), QueueBackend::Scq);
            assert!(global.stats());
            // Code wins over the environment.
            let code = Config::global().with_retire_threshold(5).expect("in range");
            assert_eq!(code.retire_threshold(), 5);
            assert_eq!(code.reclaim_batch(), 7);
        }
        "invalid" => {
            let expected = Config::DEFAULT.with_reclaim_batch(7).expect("in range");
            assert_eq!(global, expected);
            assert_eq!(issues.len(), 4, "{issues:?}");
            let unknown = issues
                .iter()
                .find(|i| i.var() == "CCOL_STATZ")
                .expect("reported");
            assert_eq!(unknown.kind(), EnvIssueKind::UnknownVariable);
            assert!(
                issues.iter().all(|i| i.var() != "CCOL_STATS"),
                "empty is not an issue"
            );
        }
        "not_unicode" => {
            assert_eq!(global, Config::DEFAULT);
            assert_eq!(issues.len(), 1);
            assert_eq!(issues[0].kind(), EnvIssueKind::NotUnicode);
            assert_eq!(issues[0].var(), "CCOL_STATS");
            assert_eq!(issues[0].value(), "o\u{fffd}n");
        }
        other => panic!("unknown scenario {other}"),
    }
}
