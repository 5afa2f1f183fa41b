//! `Config`: defaults, validation, errors, display, environment parsing through the public API,
//! and `BuildInfo`. Process-environment tests are in `config_env.rs`.

use ccol_arch::{
    Arch, BuildInfo, CpuFeatures,
    config::{Config, ConfigError, EnvIssueKind, Knob, QueueBackend},
};

#[test]
fn defaults() {
    let d = Config::DEFAULT;
    assert_eq!(d.retire_threshold(), 64);
    assert_eq!(d.reclaim_batch(), 32);
    assert_eq!(d.epoch_frequency(), 32);
    assert_eq!(d.max_threads(), 64);
    assert_eq!(d.backoff_spin_limit(), 6);
    assert_eq!(d.backoff_yield_limit(), 10);
    assert_eq!(d.queue_backend(), QueueBackend::Auto);
    assert!(!d.stats());
    assert_eq!(Config::default(), d);
    assert_eq!(Config::new(), d);
    assert_eq!(QueueBackend::default(), QueueBackend::Auto);
}

#[test]
fn builders_set_one_knob_each() {
    let c = Config::DEFAULT
        .with_retire_threshold(1)
        .and_then(|c| c.with_reclaim_batch(1 << 20))
        .and_then(|c| c.with_epoch_frequency(3))
        .and_then(|c| c.with_max_threads(1))
        .and_then(|c| c.with_backoff_yield_limit(31))
        .and_then(|c| c.with_backoff_spin_limit(31))
        .expect("all in range")
        .with_queue_backend(QueueBackend::Scq)
        .with_stats(true);
    assert_eq!(
        (
            c.retire_threshold(),
            c.reclaim_batch(),
            c.epoch_frequency(),
            c.max_threads()
        ),
        (1, 1 << 20, 3, 1)
    );
    assert_eq!((c.backoff_spin_limit(), c.backoff_yield_limit()), (31, 31));
    assert_eq!(c.queue_backend(), QueueBackend::Scq);
    assert!(c.stats());
}

#[test]
fn out_of_range_errors_name_the_knob_and_value() {
    let d = Config::DEFAULT;
    let cases = [
        (d.with_retire_threshold(0), Knob::RetireThreshold, 0),
        (
            d.with_reclaim_batch((1 << 20) + 1),
            Knob::ReclaimBatch,
            (1 << 20) + 1,
        ),
        (d.with_epoch_frequency(0), Knob::EpochFrequency, 0),
        (d.with_max_threads(4097), Knob::MaxThreads, 4097),
        (d.with_max_threads(0), Knob::MaxThreads, 0),
        (d.with_backoff_spin_limit(32), Knob::BackoffSpinLimit, 32),
        (d.with_backoff_yield_limit(40), Knob::BackoffYieldLimit, 40),
    ];
    for (result, knob, value) in cases {
        let err = result.expect_err("out of range");
        assert_eq!(err, ConfigError::OutOfRange { knob, value });
        assert_eq!((err.knob(), err.value()), (knob, value));
        let shown = err.to_string();
        assert!(shown.contains(knob.name()), "{shown}");
        assert!(shown.contains(&value.to_string()), "{shown}");
        assert!(shown.contains("valid:"), "{shown}");
    }
}

#[test]
fn spin_limit_may_not_exceed_yield_limit() {
    let d = Config::DEFAULT;
    let err = d
        .with_backoff_spin_limit(11)
        .expect_err("above default yield limit 10");
    assert_eq!(
        err,
        ConfigError::SpinAboveYield {
            knob: Knob::BackoffSpinLimit,
            spin_limit: 11,
            yield_limit: 10
        }
    );
    let err = d
        .with_backoff_yield_limit(5)
        .expect_err("below default spin limit 6");
    assert_eq!((err.knob(), err.value()), (Knob::BackoffYieldLimit, 5));
    assert!(err.to_string().contains("must not exceed"), "{err}");
    assert!(d.with_backoff_limits(7, 6).is_err());
    let c = d.with_backoff_limits(12, 20).expect("consistent");
    assert_eq!((c.backoff_spin_limit(), c.backoff_yield_limit()), (12, 20));
    assert_eq!(
        d.with_backoff_limits(0, 0).map(|c| c.backoff_yield_limit()),
        Ok(0)
    );
}

#[test]
fn a_failed_builder_leaves_the_original_untouched() {
    let base = Config::DEFAULT.with_max_threads(8).expect("in range");
    assert!(base.with_max_threads(0).is_err());
    assert_eq!(base.max_threads(), 8);
}

#[test]
fn error_is_a_std_error_without_source() {
    let err: Box<dyn core::error::Error> =
        Box::new(Config::DEFAULT.with_retire_threshold(0).expect_err("zero"));
    assert!(err.source().is_none());
    assert_eq!(
        err.to_string(),
        "retire_threshold = 0 is out of range (valid: 1..=1048576)"
    );
}

#[test]
fn display_lists_every_knob() {
    let shown = Config::DEFAULT.with_stats(true).to_string();
    assert_eq!(
        shown,
        "retire_threshold=64 reclaim_batch=32 epoch_frequency=32 max_threads=64 \
         backoff_spin_limit=6 backoff_yield_limit=10 queue_backend=auto stats=true \
         sticky_reservations=true"
    );
    for knob in Knob::ALL {
        assert!(shown.contains(&format!("{}=", knob.name())), "{knob}");
    }
}

#[test]
fn knob_table() {
    assert_eq!(Knob::RetireThreshold.range(), Some(1..=1 << 20));
    assert_eq!(Knob::MaxThreads.range(), Some(1..=4096));
    assert_eq!(Knob::BackoffSpinLimit.range(), Some(0..=31));
    assert_eq!(Knob::QueueBackend.range(), None);
    assert_eq!(Knob::Stats.env_var(), "CCOL_STATS");
    assert_eq!(
        Knob::from_env_var("CCOL_QUEUE_BACKEND"),
        Some(Knob::QueueBackend)
    );
    assert_eq!(Knob::from_env_var("ccol_queue_backend"), None);
}

#[test]
fn queue_backend_availability() {
    let features = CpuFeatures::detect();
    assert!(QueueBackend::Auto.is_available(features));
    assert!(QueueBackend::Scq.is_available(CpuFeatures::NONE));
    assert!(!QueueBackend::Lcrq.is_available(CpuFeatures::NONE));
    assert_eq!(
        QueueBackend::Lcrq.is_available(features),
        Arch::CURRENT == Arch::X86_64 && features.cmpxchg16b()
    );
    for backend in QueueBackend::ALL {
        assert_eq!(
            QueueBackend::parse(&backend.to_string().to_uppercase()),
            Some(backend)
        );
    }
}

#[test]
fn env_issues_display_the_variable_value_and_reason() {
    let vars = [
        ("CCOL_MAX_THREADS", "lots"),
        ("CCOL_RETIRE_THRESHOLD", "0"),
        ("CCOL_QUEUE_BACKEND", "fast"),
        ("CCOL_FROB", "1"),
    ];
    let mut shown = Vec::new();
    let mut kinds = Vec::new();
    let config = Config::DEFAULT.apply_env(vars, |issue| {
        shown.push(issue.to_string());
        kinds.push(issue.kind());
    });
    assert_eq!(config, Config::DEFAULT);
    assert_eq!(
        shown[0],
        "CCOL_MAX_THREADS=\"lots\" ignored: not a decimal integer"
    );
    assert_eq!(
        shown[1],
        "CCOL_RETIRE_THRESHOLD=\"0\" ignored: retire_threshold = 0 is out of range \
         (valid: 1..=1048576)"
    );
    assert_eq!(
        shown[2],
        "CCOL_QUEUE_BACKEND=\"fast\" ignored: expected one of auto, scq, lcrq"
    );
    assert!(shown[3].starts_with("CCOL_FROB=\"1\" ignored: unknown variable (known: CCOL_"));
    assert!(shown[3].contains("CCOL_BACKOFF_YIELD_LIMIT"));
    assert_eq!(kinds[3], EnvIssueKind::UnknownVariable);
}

#[cfg(feature = "alloc")]
#[test]
fn owned_issues_keep_everything() {
    use ccol_arch::config::OwnedEnvIssue;

    let mut owned: Vec<OwnedEnvIssue> = Vec::new();
    {
        let name = String::from("CCOL_STATS");
        let value = String::from("perhaps");
        let _ = Config::DEFAULT.apply_env([(name.as_str(), value.as_str())], |i| {
            owned.push(i.into());
        });
    }
    assert_eq!(owned.len(), 1);
    let issue = &owned[0];
    assert_eq!(
        (issue.var(), issue.value(), issue.knob()),
        ("CCOL_STATS", "perhaps", Some(Knob::Stats))
    );
    assert!(matches!(issue.kind(), EnvIssueKind::UnknownChoice { .. }));
    assert_eq!(issue.to_string(), issue.as_issue().to_string());
    assert!(
        issue
            .to_string()
            .contains("expected one of 1, 0, true, false, yes, no, on, off")
    );
}

#[test]
fn code_settings_override_the_environment() {
    let env = Config::DEFAULT.apply_env([("CCOL_RETIRE_THRESHOLD", "500")], |i| {
        panic!("unexpected issue {i}")
    });
    assert_eq!(env.retire_threshold(), 500);
    let code = env.with_retire_threshold(20).expect("in range");
    assert_eq!(code.retire_threshold(), 20);
    assert_eq!(
        env.retire_threshold(),
        500,
        "configs are values: the env config is unchanged"
    );
}

#[test]
fn build_info_describes_this_build() {
    let config = Config::DEFAULT.with_stats(true);
    let info = config.build_info();
    assert_eq!(info, BuildInfo::new(config));
    assert_eq!(info.version(), env!("CARGO_PKG_VERSION"));
    assert_eq!(info.arch(), Arch::CURRENT);
    assert_eq!(info.pointer_width(), usize::BITS);
    assert_eq!(info.big_endian(), cfg!(target_endian = "big"));
    assert_eq!(info.cache_line_size(), ccol_arch::CACHE_LINE_SIZE);
    assert_eq!(info.compile_time_features(), CpuFeatures::COMPILE_TIME);
    assert_eq!(info.detected_features(), CpuFeatures::detect());
    assert_eq!(info.std(), cfg!(feature = "std"));
    assert_eq!(info.debug_assertions(), cfg!(debug_assertions));
    assert_eq!(info.config(), config);
    let line = info.to_string();
    for part in [
        format!(
            "ccol-arch {} on {}",
            env!("CARGO_PKG_VERSION"),
            Arch::CURRENT
        ),
        format!("cache line {} B", ccol_arch::CACHE_LINE_SIZE),
        format!("cpu: {}", CpuFeatures::detect()),
        config.to_string(),
    ] {
        assert!(line.contains(&part), "{line:?} lacks {part:?}");
    }
    assert!(!line.contains('\n'));
}
