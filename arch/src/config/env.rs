//! `CCOL_*` environment overrides: a pure parser, usable and testable without `std` and
//! without an allocator. Reading the process environment is in `process.rs` (std only).

use core::fmt;

use super::{Config, ConfigError, Knob, QueueBackend, check};

/// The prefix of every variable the family reads.
pub(super) const PREFIX: &str = "CCOL_";

/// Accepted spellings of `CCOL_STATS` (any ASCII case).
const BOOL_TRUE: [&str; 4] = ["1", "true", "yes", "on"];
const BOOL_FALSE: [&str; 4] = ["0", "false", "no", "off"];
const BOOL_CHOICES: &[&str] = &["1", "0", "true", "false", "yes", "no", "on", "off"];
const BACKEND_CHOICES: &[&str] = &["auto", "scq", "lcrq"];

/// A `CCOL_*` environment variable that [`Config::apply_env`] ignored, and why.
///
/// Borrows the variable's name and raw value; `OwnedEnvIssue` is the owned form (`alloc`).
/// `Display` writes one line such as
/// `CCOL_RETIRE_THRESHOLD="abc" ignored: not a decimal integer`.
///
/// # Progress
///
/// Plain data; every method is wait-free.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct EnvIssue<'a> {
    var: &'a str,
    value: &'a str,
    kind: EnvIssueKind,
}

impl<'a> EnvIssue<'a> {
    /// The variable's name.
    #[must_use]
    pub const fn var(&self) -> &'a str {
        self.var
    }

    /// The variable's raw value, untrimmed.
    #[must_use]
    pub const fn value(&self) -> &'a str {
        self.value
    }

    /// Why it was ignored.
    #[must_use]
    pub const fn kind(&self) -> EnvIssueKind {
        self.kind
    }

    /// The knob the variable names, `None` for an unknown variable.
    #[must_use]
    pub fn knob(&self) -> Option<Knob> {
        Knob::from_env_var(self.var)
    }

    pub(super) const fn new(var: &'a str, value: &'a str, kind: EnvIssueKind) -> EnvIssue<'a> {
        EnvIssue { var, value, kind }
    }
}

impl fmt::Display for EnvIssue<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={:?} ignored: {}", self.var, self.value, self.kind)
    }
}

/// Why a `CCOL_*` variable was ignored.
///
/// `#[non_exhaustive]`: reasons may be added in minor releases.
///
/// # Progress
///
/// Plain data; every method is wait-free.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EnvIssueKind {
    /// The name starts with `CCOL_` but names no knob (a typo, or a variable of a newer ccol).
    UnknownVariable,
    /// A numeric knob's value is not a decimal integer ≥ 0.
    NotANumber,
    /// The number is valid but the knob cannot take it (out of range, or a backoff spin limit
    /// above the yield limit). Numbers too large for `u64` are reported as
    /// [`ConfigError::OutOfRange`] with `value: u64::MAX`.
    Rejected(ConfigError),
    /// The value is none of `expected` (compared ignoring ASCII case).
    UnknownChoice {
        /// The accepted spellings.
        expected: &'static [&'static str],
    },
    /// The name or value is not valid Unicode (reported by the `std` readers only; the pure
    /// parser takes `&str`). Such names and values are shown lossily converted.
    NotUnicode,
}

impl fmt::Display for EnvIssueKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EnvIssueKind::UnknownVariable => {
                f.write_str("unknown variable (known:")?;
                for knob in Knob::ALL {
                    write!(f, " {}", knob.env_var())?;
                }
                f.write_str(")")
            }
            EnvIssueKind::NotANumber => f.write_str("not a decimal integer"),
            EnvIssueKind::Rejected(e) => fmt::Display::fmt(e, f),
            EnvIssueKind::UnknownChoice { expected } => {
                f.write_str("expected one of")?;
                for (i, choice) in expected.iter().enumerate() {
                    f.write_str(if i == 0 { " " } else { ", " })?;
                    f.write_str(choice)?;
                }
                Ok(())
            }
            EnvIssueKind::NotUnicode => f.write_str("not valid Unicode"),
        }
    }
}

/// An owned [`EnvIssue`] (name and value copied), e.g. from
/// `Config::from_env_with_issues` (`std`).
///
/// # Progress
///
/// Plain data; every method is wait-free.
#[cfg(feature = "alloc")]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct OwnedEnvIssue {
    var: alloc::string::String,
    value: alloc::string::String,
    kind: EnvIssueKind,
}

#[cfg(feature = "alloc")]
impl OwnedEnvIssue {
    /// The variable's name (lossily converted if it was not Unicode).
    #[must_use]
    pub fn var(&self) -> &str {
        &self.var
    }

    /// The variable's raw value (lossily converted if it was not Unicode).
    #[must_use]
    pub fn value(&self) -> &str {
        &self.value
    }

    /// Why it was ignored.
    #[must_use]
    pub const fn kind(&self) -> EnvIssueKind {
        self.kind
    }

    /// The knob the variable names, `None` for an unknown variable.
    #[must_use]
    pub fn knob(&self) -> Option<Knob> {
        Knob::from_env_var(&self.var)
    }

    /// Borrows it as an [`EnvIssue`].
    #[must_use]
    pub fn as_issue(&self) -> EnvIssue<'_> {
        EnvIssue::new(&self.var, &self.value, self.kind)
    }

    #[cfg(feature = "std")]
    pub(super) fn from_parts(
        var: alloc::string::String,
        value: alloc::string::String,
        kind: EnvIssueKind,
    ) -> OwnedEnvIssue {
        OwnedEnvIssue { var, value, kind }
    }
}

#[cfg(feature = "alloc")]
impl From<EnvIssue<'_>> for OwnedEnvIssue {
    fn from(issue: EnvIssue<'_>) -> Self {
        OwnedEnvIssue {
            var: issue.var.into(),
            value: issue.value.into(),
            kind: issue.kind,
        }
    }
}

#[cfg(feature = "alloc")]
impl fmt::Display for OwnedEnvIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.as_issue(), f)
    }
}

/// A backoff limit seen in the environment: its raw value and parsed number.
type Pending<'a> = Option<(&'a str, u32)>;

impl Config {
    /// Applies `CCOL_*` overrides from `vars` (name, value pairs) on top of `self`.
    ///
    /// A pure function: no `std`, no allocation, no global state. Rules:
    ///
    /// - Variables not starting with `CCOL_` are skipped silently; names are case-sensitive.
    /// - A `CCOL_*` name that is not one of [`Knob::env_var`] is reported
    ///   ([`EnvIssueKind::UnknownVariable`]) and ignored.
    /// - Values are trimmed of surrounding whitespace. An empty (or all-whitespace) value means
    ///   "unset": ignored and **not** reported.
    /// - Numbers are decimal (`+` allowed); choices and booleans ignore ASCII case. `CCOL_STATS`
    ///   takes `1 0 true false yes no on off`; `CCOL_QUEUE_BACKEND` takes `auto scq lcrq`.
    /// - An invalid value (not a number, out of range, unknown choice) is reported and
    ///   ignored: the knob keeps its value from `self`.
    /// - The two backoff limits are checked as a pair after all variables: if the resulting
    ///   spin limit exceeds the yield limit, both backoff variables from `vars` are ignored
    ///   and each one present is reported.
    /// - If a name appears twice, the occurrences are applied in order (the last valid wins).
    ///
    /// # Examples
    ///
    /// ```
    /// use ccol_arch::config::{Config, EnvIssueKind, QueueBackend};
    ///
    /// let vars = [
    ///     ("CCOL_RETIRE_THRESHOLD", "128"),
    ///     ("CCOL_QUEUE_BACKEND", "SCQ"),
    ///     ("CCOL_STATS", ""),          // empty: unset, not reported
    ///     ("CCOL_RECLAIM_BATCH", "x"), // invalid: ignored and reported
    ///     ("HOME", "/root"),           // not ours: skipped
    /// ];
    /// let mut issues = Vec::new();
    /// let config = Config::DEFAULT.apply_env(vars, |issue| issues.push(issue));
    /// assert_eq!(config.retire_threshold(), 128);
    /// assert_eq!(config.queue_backend(), QueueBackend::Scq);
    /// assert_eq!(config.reclaim_batch(), Config::DEFAULT.reclaim_batch());
    /// assert_eq!(issues.len(), 1);
    /// assert_eq!(issues[0].kind(), EnvIssueKind::NotANumber);
    /// ```
    #[must_use]
    pub fn apply_env<'a, I, F>(self, vars: I, mut report: F) -> Config
    where
        I: IntoIterator<Item = (&'a str, &'a str)>,
        F: FnMut(EnvIssue<'a>),
    {
        let mut config = self;
        let mut spin: Pending<'a> = None;
        let mut yield_: Pending<'a> = None;
        for (var, value) in vars {
            if !var.starts_with(PREFIX) {
                continue;
            }
            let Some(knob) = Knob::from_env_var(var) else {
                report(EnvIssue::new(var, value, EnvIssueKind::UnknownVariable));
                continue;
            };
            let raw = value.trim();
            if raw.is_empty() {
                continue;
            }
            match apply_one(config, knob, raw, &mut spin, &mut yield_, value) {
                Ok(updated) => config = updated,
                Err(kind) => report(EnvIssue::new(var, value, kind)),
            }
        }
        if spin.is_none() && yield_.is_none() {
            return config;
        }
        let spin_limit = spin.map_or(config.backoff_spin_limit, |(_, n)| n);
        let yield_limit = yield_.map_or(config.backoff_yield_limit, |(_, n)| n);
        match config.with_backoff_limits(spin_limit, yield_limit) {
            Ok(updated) => updated,
            Err(_) => {
                for (knob, pending) in [
                    (Knob::BackoffSpinLimit, spin),
                    (Knob::BackoffYieldLimit, yield_),
                ] {
                    if let Some((raw, _)) = pending {
                        let error = ConfigError::SpinAboveYield {
                            knob,
                            spin_limit,
                            yield_limit,
                        };
                        report(EnvIssue::new(
                            knob.env_var(),
                            raw,
                            EnvIssueKind::Rejected(error),
                        ));
                    }
                }
                config
            }
        }
    }
}

/// Applies one trimmed, non-empty value; backoff limits are only recorded in `spin`/`yield_`
/// (with the untrimmed `value` for reporting) and applied as a pair by the caller.
fn apply_one<'a>(
    config: Config,
    knob: Knob,
    raw: &str,
    spin: &mut Pending<'a>,
    yield_: &mut Pending<'a>,
    value: &'a str,
) -> Result<Config, EnvIssueKind> {
    let rejected = EnvIssueKind::Rejected;
    match knob {
        Knob::QueueBackend => QueueBackend::parse(raw)
            .map(|backend| config.with_queue_backend(backend))
            .ok_or(EnvIssueKind::UnknownChoice {
                expected: BACKEND_CHOICES,
            }),
        Knob::Stats => parse_bool(raw).map(|stats| config.with_stats(stats)).ok_or(
            EnvIssueKind::UnknownChoice {
                expected: BOOL_CHOICES,
            },
        ),
        Knob::StickyReservations => parse_bool(raw)
            .map(|sticky| config.with_sticky_reservations(sticky))
            .ok_or(EnvIssueKind::UnknownChoice {
                expected: BOOL_CHOICES,
            }),
        Knob::BackoffSpinLimit | Knob::BackoffYieldLimit => {
            let n = parse_number(knob, raw)?;
            check(knob, n).map_err(rejected)?;
            // In range 0..=31, so the conversion cannot fail.
            let n = u32::try_from(n)
                .map_err(|_| rejected(ConfigError::OutOfRange { knob, value: n }))?;
            let slot = if knob == Knob::BackoffSpinLimit {
                spin
            } else {
                yield_
            };
            *slot = Some((value, n));
            Ok(config)
        }
        Knob::RetireThreshold | Knob::ReclaimBatch | Knob::EpochFrequency | Knob::MaxThreads => {
            let n = parse_number(knob, raw)?;
            let out_of_range = rejected(ConfigError::OutOfRange { knob, value: n });
            let n = usize::try_from(n).map_err(|_| out_of_range)?;
            let updated = match knob {
                Knob::RetireThreshold => config.with_retire_threshold(n),
                Knob::ReclaimBatch => config.with_reclaim_batch(n),
                Knob::EpochFrequency => config.with_epoch_frequency(n),
                _ => config.with_max_threads(n),
            };
            updated.map_err(rejected)
        }
    }
}

/// Parses a decimal `u64`; overflow is reported as out of range with `u64::MAX`.
fn parse_number(knob: Knob, raw: &str) -> Result<u64, EnvIssueKind> {
    raw.parse::<u64>().map_err(|e| match e.kind() {
        core::num::IntErrorKind::PosOverflow => EnvIssueKind::Rejected(ConfigError::OutOfRange {
            knob,
            value: u64::MAX,
        }),
        _ => EnvIssueKind::NotANumber,
    })
}

/// Parses a boolean spelling, ignoring ASCII case.
fn parse_bool(raw: &str) -> Option<bool> {
    if BOOL_TRUE.iter().any(|s| s.eq_ignore_ascii_case(raw)) {
        Some(true)
    } else if BOOL_FALSE.iter().any(|s| s.eq_ignore_ascii_case(raw)) {
        Some(false)
    } else {
        None
    }
}

#[cfg(test)]
mod tests;
