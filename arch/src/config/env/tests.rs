//! Unit tests of the pure parser: no process environment, no allocation (issues are recorded
//! in a fixed array), so they run the same with and without `std`.

use super::{BOOL_CHOICES, EnvIssue, EnvIssueKind};
use crate::config::{Config, ConfigError, Knob, QueueBackend};

/// Records up to 8 issues without allocating.
struct Issues<'a> {
    buf: [Option<EnvIssue<'a>>; 8],
    len: usize,
}

impl<'a> Issues<'a> {
    fn new() -> Self {
        Issues {
            buf: [None; 8],
            len: 0,
        }
    }

    fn push(&mut self, issue: EnvIssue<'a>) {
        assert!(
            self.len < self.buf.len(),
            "more issues than expected: {issue}"
        );
        self.buf[self.len] = Some(issue);
        self.len += 1;
    }

    fn get(&self, i: usize) -> EnvIssue<'a> {
        assert!(i < self.len, "issue {i} missing (have {})", self.len);
        self.buf[i].expect("recorded")
    }
}

/// Applies `vars` on `base`, returning the config and the issues.
fn apply<'a>(base: Config, vars: &[(&'a str, &'a str)]) -> (Config, Issues<'a>) {
    let mut issues = Issues::new();
    let config = base.apply_env(vars.iter().copied(), |i| issues.push(i));
    (config, issues)
}

#[test]
fn each_numeric_variable_sets_its_knob() {
    type Getter = fn(&Config) -> u64;
    let cases: [(&str, &str, Getter, u64); 6] = [
        (
            "CCOL_RETIRE_THRESHOLD",
            "100",
            |c| c.retire_threshold() as u64,
            100,
        ),
        ("CCOL_RECLAIM_BATCH", "7", |c| c.reclaim_batch() as u64, 7),
        (
            "CCOL_EPOCH_FREQUENCY",
            "1",
            |c| c.epoch_frequency() as u64,
            1,
        ),
        ("CCOL_MAX_THREADS", "4096", |c| c.max_threads() as u64, 4096),
        (
            "CCOL_BACKOFF_SPIN_LIMIT",
            "0",
            |c| u64::from(c.backoff_spin_limit()),
            0,
        ),
        (
            "CCOL_BACKOFF_YIELD_LIMIT",
            "31",
            |c| u64::from(c.backoff_yield_limit()),
            31,
        ),
    ];
    for (var, value, get, expected) in cases {
        assert_ne!(
            get(&Config::DEFAULT),
            expected,
            "{var}: pick a non-default value"
        );
        let (config, issues) = apply(Config::DEFAULT, &[(var, value)]);
        assert_eq!(issues.len, 0, "{var}");
        assert_eq!(get(&config), expected, "{var}");
    }
}

#[test]
fn queue_backend_and_stats() {
    let (config, issues) = apply(
        Config::DEFAULT,
        &[("CCOL_QUEUE_BACKEND", "Lcrq"), ("CCOL_STATS", "ON")],
    );
    assert_eq!(issues.len, 0);
    assert_eq!(config.queue_backend(), QueueBackend::Lcrq);
    assert!(config.stats());

    for (spelling, expected) in [
        ("1", true),
        ("true", true),
        ("Yes", true),
        ("on", true),
        ("0", false),
        ("FALSE", false),
        ("no", false),
        ("Off", false),
    ] {
        let base = Config::DEFAULT.with_stats(!expected);
        let (config, issues) = apply(base, &[("CCOL_STATS", spelling)]);
        assert_eq!((config.stats(), issues.len), (expected, 0), "{spelling}");
    }
}

#[test]
fn sticky_reservations() {
    let (config, issues) = apply(Config::DEFAULT, &[("CCOL_STICKY_RESERVATIONS", "off")]);
    assert_eq!(issues.len, 0);
    assert!(!config.sticky_reservations());
    assert_eq!(config, Config::DEFAULT.with_sticky_reservations(false));
    let (config, issues) = apply(config, &[("CCOL_STICKY_RESERVATIONS", "1")]);
    assert_eq!((config.sticky_reservations(), issues.len), (true, 0));
    let (config, issues) = apply(
        Config::DEFAULT,
        &[("CCOL_STICKY_RESERVATIONS", "sometimes")],
    );
    assert_eq!((config, issues.len), (Config::DEFAULT, 1));
}

#[test]
fn empty_values_are_unset_and_not_reported() {
    let base = Config::DEFAULT.with_stats(true);
    let vars = [
        ("CCOL_RETIRE_THRESHOLD", ""),
        ("CCOL_STATS", "   "),
        ("CCOL_QUEUE_BACKEND", "\t"),
    ];
    let (config, issues) = apply(base, &vars);
    assert_eq!(issues.len, 0);
    assert_eq!(config, base);
}

#[test]
fn values_are_trimmed() {
    let (config, issues) = apply(Config::DEFAULT, &[("CCOL_MAX_THREADS", " 12\n")]);
    assert_eq!(issues.len, 0);
    assert_eq!(config.max_threads(), 12);
}

#[test]
fn invalid_numbers_are_ignored_and_reported() {
    for bad in ["abc", "-1", "1.5", "0x10", "12 threads", "+"] {
        let (config, issues) = apply(Config::DEFAULT, &[("CCOL_RETIRE_THRESHOLD", bad)]);
        assert_eq!(config, Config::DEFAULT, "{bad}");
        assert_eq!(issues.len, 1, "{bad}");
        let issue = issues.get(0);
        assert_eq!(issue.kind(), EnvIssueKind::NotANumber, "{bad}");
        assert_eq!((issue.var(), issue.value()), ("CCOL_RETIRE_THRESHOLD", bad));
        assert_eq!(issue.knob(), Some(Knob::RetireThreshold));
    }
}

#[test]
fn out_of_range_values_are_ignored_and_reported() {
    let cases = [
        ("CCOL_RETIRE_THRESHOLD", "0", Knob::RetireThreshold, 0),
        (
            "CCOL_RECLAIM_BATCH",
            "1048577",
            Knob::ReclaimBatch,
            1_048_577,
        ),
        ("CCOL_MAX_THREADS", "4097", Knob::MaxThreads, 4097),
        (
            "CCOL_BACKOFF_YIELD_LIMIT",
            "32",
            Knob::BackoffYieldLimit,
            32,
        ),
        (
            "CCOL_EPOCH_FREQUENCY",
            "99999999999999999999999",
            Knob::EpochFrequency,
            u64::MAX,
        ),
    ];
    for (var, value, knob, reported) in cases {
        let (config, issues) = apply(Config::DEFAULT, &[(var, value)]);
        assert_eq!(config, Config::DEFAULT, "{var}");
        assert_eq!(issues.len, 1, "{var}");
        let expected = ConfigError::OutOfRange {
            knob,
            value: reported,
        };
        assert_eq!(
            issues.get(0).kind(),
            EnvIssueKind::Rejected(expected),
            "{var}"
        );
    }
}

#[test]
fn unknown_choices_are_reported_with_the_accepted_spellings() {
    let (config, issues) = apply(
        Config::DEFAULT,
        &[("CCOL_QUEUE_BACKEND", "wcq"), ("CCOL_STATS", "maybe")],
    );
    assert_eq!(config, Config::DEFAULT);
    assert_eq!(issues.len, 2);
    assert_eq!(
        issues.get(0).kind(),
        EnvIssueKind::UnknownChoice {
            expected: &["auto", "scq", "lcrq"]
        }
    );
    assert_eq!(
        issues.get(1).kind(),
        EnvIssueKind::UnknownChoice {
            expected: BOOL_CHOICES
        }
    );
}

#[test]
fn unknown_ccol_names_are_reported_others_skipped() {
    let vars = [
        ("CCOL_RETIRE_TRESHOLD", "10"),
        ("CCOL_", "1"),
        ("ccol_stats", "1"),
        ("XCCOL_STATS", "1"),
        ("PATH", "/bin"),
    ];
    let (config, issues) = apply(Config::DEFAULT, &vars);
    assert_eq!(config, Config::DEFAULT);
    assert_eq!(issues.len, 2);
    for (i, var) in ["CCOL_RETIRE_TRESHOLD", "CCOL_"].into_iter().enumerate() {
        assert_eq!(issues.get(i).var(), var);
        assert_eq!(issues.get(i).kind(), EnvIssueKind::UnknownVariable);
        assert_eq!(issues.get(i).knob(), None);
    }
}

#[test]
fn environment_overrides_base_and_code_overrides_environment() {
    let base = Config::DEFAULT.with_reclaim_batch(5).expect("valid");
    let (env, issues) = apply(base, &[("CCOL_RETIRE_THRESHOLD", "9")]);
    assert_eq!(issues.len, 0);
    assert_eq!(env.retire_threshold(), 9);
    assert_eq!(
        env.reclaim_batch(),
        5,
        "knobs without a variable keep the base value"
    );
    let code = env.with_retire_threshold(11).expect("valid");
    assert_eq!(code.retire_threshold(), 11);
}

#[test]
fn backoff_limits_are_checked_as_a_pair_in_any_order() {
    let spin = ("CCOL_BACKOFF_SPIN_LIMIT", "12");
    let yield_ = ("CCOL_BACKOFF_YIELD_LIMIT", "15");
    for vars in [[spin, yield_], [yield_, spin]] {
        let (config, issues) = apply(Config::DEFAULT, &vars);
        assert_eq!(issues.len, 0);
        assert_eq!(
            (config.backoff_spin_limit(), config.backoff_yield_limit()),
            (12, 15)
        );
    }
}

#[test]
fn inconsistent_backoff_limits_are_ignored_and_each_reported() {
    // Spin alone above the default yield limit (10).
    let (config, issues) = apply(Config::DEFAULT, &[("CCOL_BACKOFF_SPIN_LIMIT", "12")]);
    assert_eq!(config, Config::DEFAULT);
    assert_eq!(issues.len, 1);
    let expected = ConfigError::SpinAboveYield {
        knob: Knob::BackoffSpinLimit,
        spin_limit: 12,
        yield_limit: 10,
    };
    assert_eq!(issues.get(0).kind(), EnvIssueKind::Rejected(expected));
    assert_eq!(issues.get(0).value(), "12");

    // Both present and inconsistent: both ignored, both reported.
    let vars = [
        ("CCOL_BACKOFF_YIELD_LIMIT", "2"),
        ("CCOL_BACKOFF_SPIN_LIMIT", "3"),
    ];
    let (config, issues) = apply(Config::DEFAULT, &vars);
    assert_eq!(config, Config::DEFAULT);
    assert_eq!(issues.len, 2);
    assert_eq!(issues.get(0).var(), "CCOL_BACKOFF_SPIN_LIMIT");
    assert_eq!(issues.get(1).var(), "CCOL_BACKOFF_YIELD_LIMIT");
    assert_eq!(issues.get(1).value(), "2");
}

#[test]
fn repeated_variables_apply_in_order() {
    let vars = [
        ("CCOL_MAX_THREADS", "8"),
        ("CCOL_MAX_THREADS", "9"),
        ("CCOL_MAX_THREADS", "x"),
    ];
    let (config, issues) = apply(Config::DEFAULT, &vars);
    assert_eq!(config.max_threads(), 9);
    assert_eq!(issues.len, 1);
    assert_eq!(issues.get(0).value(), "x");
}
