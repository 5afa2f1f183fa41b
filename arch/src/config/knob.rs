//! The names, ranges and errors of the [`Config`](super::Config) knobs, and [`QueueBackend`].

use core::{fmt, ops::RangeInclusive};

use super::range;
use crate::{Arch, CpuFeatures};

/// One tunable of [`Config`](super::Config): its name, environment variable and valid range.
///
/// `#[non_exhaustive]`: knobs may be added in minor releases.
///
/// # Progress
///
/// Plain data; every method is wait-free.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Knob {
    /// [`Config::retire_threshold`](super::Config::retire_threshold).
    RetireThreshold,
    /// [`Config::reclaim_batch`](super::Config::reclaim_batch).
    ReclaimBatch,
    /// [`Config::epoch_frequency`](super::Config::epoch_frequency).
    EpochFrequency,
    /// [`Config::max_threads`](super::Config::max_threads).
    MaxThreads,
    /// [`Config::backoff_spin_limit`](super::Config::backoff_spin_limit).
    BackoffSpinLimit,
    /// [`Config::backoff_yield_limit`](super::Config::backoff_yield_limit).
    BackoffYieldLimit,
    /// [`Config::queue_backend`](super::Config::queue_backend).
    QueueBackend,
    /// [`Config::stats`](super::Config::stats).
    Stats,
    /// [`Config::sticky_reservations`](super::Config::sticky_reservations).
    StickyReservations,
}

impl Knob {
    /// Every knob, in the order of the table in the [module docs](super).
    pub const ALL: [Knob; 9] = [
        Knob::RetireThreshold,
        Knob::ReclaimBatch,
        Knob::EpochFrequency,
        Knob::MaxThreads,
        Knob::BackoffSpinLimit,
        Knob::BackoffYieldLimit,
        Knob::QueueBackend,
        Knob::Stats,
        Knob::StickyReservations,
    ];

    /// The name of the `Config` accessor, e.g. `"retire_threshold"`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Knob::RetireThreshold => "retire_threshold",
            Knob::ReclaimBatch => "reclaim_batch",
            Knob::EpochFrequency => "epoch_frequency",
            Knob::MaxThreads => "max_threads",
            Knob::BackoffSpinLimit => "backoff_spin_limit",
            Knob::BackoffYieldLimit => "backoff_yield_limit",
            Knob::QueueBackend => "queue_backend",
            Knob::Stats => "stats",
            Knob::StickyReservations => "sticky_reservations",
        }
    }

    /// The environment variable that overrides the knob, e.g. `"CCOL_RETIRE_THRESHOLD"`.
    #[must_use]
    pub const fn env_var(self) -> &'static str {
        match self {
            Knob::RetireThreshold => "CCOL_RETIRE_THRESHOLD",
            Knob::ReclaimBatch => "CCOL_RECLAIM_BATCH",
            Knob::EpochFrequency => "CCOL_EPOCH_FREQUENCY",
            Knob::MaxThreads => "CCOL_MAX_THREADS",
            Knob::BackoffSpinLimit => "CCOL_BACKOFF_SPIN_LIMIT",
            Knob::BackoffYieldLimit => "CCOL_BACKOFF_YIELD_LIMIT",
            Knob::QueueBackend => "CCOL_QUEUE_BACKEND",
            Knob::Stats => "CCOL_STATS",
            Knob::StickyReservations => "CCOL_STICKY_RESERVATIONS",
        }
    }

    /// The knob whose environment variable is `var`, if any.
    #[must_use]
    pub fn from_env_var(var: &str) -> Option<Knob> {
        Knob::ALL.into_iter().find(|k| k.env_var() == var)
    }

    /// The inclusive range of valid values of a numeric knob, `None` for the others.
    ///
    /// The backoff limits must in addition satisfy `spin limit <= yield limit`.
    #[must_use]
    pub const fn range(self) -> Option<RangeInclusive<u64>> {
        match self {
            Knob::RetireThreshold | Knob::ReclaimBatch | Knob::EpochFrequency => {
                Some(range(1, 1 << 20))
            }
            Knob::MaxThreads => Some(range(1, 4096)),
            // 2^31 still fits a `u32` step counter.
            Knob::BackoffSpinLimit | Knob::BackoffYieldLimit => Some(range(0, 31)),
            Knob::QueueBackend | Knob::Stats | Knob::StickyReservations => None,
        }
    }
}

impl fmt::Display for Knob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

/// Which MPMC ring the facade's `LockFreeQueue`/`FastQueue` constructors build.
///
/// `#[non_exhaustive]`: backends may be added in minor releases.
///
/// # Progress
///
/// Plain data; every method is wait-free.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum QueueBackend {
    /// Let the queue choose for the hardware it runs on (the default).
    #[default]
    Auto,
    /// SCQ (Nikolaev, DISC 2019): portable, needs only single-width CAS; always available.
    Scq,
    /// LCRQ (Morrison and Afek, PPoPP 2013): needs x86-64 `CMPXCHG16B`.
    Lcrq,
}

impl QueueBackend {
    /// Every backend, in declaration order.
    pub const ALL: [QueueBackend; 3] = [QueueBackend::Auto, QueueBackend::Scq, QueueBackend::Lcrq];

    /// The lowercase name, as accepted by `CCOL_QUEUE_BACKEND`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            QueueBackend::Auto => "auto",
            QueueBackend::Scq => "scq",
            QueueBackend::Lcrq => "lcrq",
        }
    }

    /// Parses a name, ignoring ASCII case and surrounding whitespace.
    #[must_use]
    pub fn parse(name: &str) -> Option<QueueBackend> {
        let name = name.trim();
        QueueBackend::ALL
            .into_iter()
            .find(|b| b.name().eq_ignore_ascii_case(name))
    }

    /// Whether the backend can run on a CPU with `features`: LCRQ needs x86-64 with
    /// `CMPXCHG16B`; `Auto` and SCQ run everywhere.
    #[must_use]
    pub const fn is_available(self, features: CpuFeatures) -> bool {
        match self {
            QueueBackend::Auto | QueueBackend::Scq => true,
            QueueBackend::Lcrq => matches!(Arch::CURRENT, Arch::X86_64) && features.cmpxchg16b(),
        }
    }
}

impl fmt::Display for QueueBackend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

/// A value a `Config` knob cannot take.
///
/// `#[non_exhaustive]`: reasons may be added in minor releases.
///
/// # Progress
///
/// Plain data; every method is wait-free.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ConfigError {
    /// `value` is outside [`knob.range()`](Knob::range).
    OutOfRange {
        /// The knob being set.
        knob: Knob,
        /// The rejected value.
        value: u64,
    },
    /// The backoff spin limit would exceed the yield limit.
    SpinAboveYield {
        /// The knob being set ([`Knob::BackoffSpinLimit`] when both are set together).
        knob: Knob,
        /// The requested or current spin limit.
        spin_limit: u32,
        /// The requested or current yield limit.
        yield_limit: u32,
    },
}

impl ConfigError {
    /// The knob whose value was rejected.
    #[must_use]
    pub const fn knob(&self) -> Knob {
        match *self {
            ConfigError::OutOfRange { knob, .. } | ConfigError::SpinAboveYield { knob, .. } => knob,
        }
    }

    /// The rejected value of [`knob`](Self::knob).
    #[must_use]
    pub const fn value(&self) -> u64 {
        match *self {
            ConfigError::OutOfRange { value, .. } => value,
            ConfigError::SpinAboveYield {
                knob: Knob::BackoffYieldLimit,
                yield_limit,
                ..
            } => yield_limit as u64,
            ConfigError::SpinAboveYield { spin_limit, .. } => spin_limit as u64,
        }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            ConfigError::OutOfRange { knob, value } => {
                write!(f, "{knob} = {value} is out of range")?;
                if let Some(range) = knob.range() {
                    write!(f, " (valid: {}..={})", range.start(), range.end())?;
                }
                Ok(())
            }
            ConfigError::SpinAboveYield {
                knob,
                spin_limit,
                yield_limit,
            } => write!(
                f,
                "{knob} = {}: backoff_spin_limit ({spin_limit}) must not exceed \
                 backoff_yield_limit ({yield_limit})",
                self.value()
            ),
        }
    }
}

impl core::error::Error for ConfigError {}

#[cfg(test)]
mod tests {
    use super::{ConfigError, Knob, QueueBackend};

    /// `Knob::ALL` drives `Knob::from_env_var`, so a knob missing from it would have its
    /// variable reported as unknown. Both lists are complete and in declaration order.
    #[test]
    fn all_lists_are_complete_and_in_declaration_order() {
        for (i, knob) in Knob::ALL.iter().enumerate() {
            assert_eq!(*knob as usize, i, "{knob}");
        }
        assert_eq!(Knob::ALL.len(), Knob::StickyReservations as usize + 1);
        for (i, backend) in QueueBackend::ALL.iter().enumerate() {
            assert_eq!(*backend as usize, i, "{backend}");
        }
        assert_eq!(QueueBackend::ALL.len(), QueueBackend::Lcrq as usize + 1);
    }

    #[test]
    fn env_vars_map_back_to_knobs() {
        for knob in Knob::ALL {
            assert!(knob.env_var().starts_with("CCOL_"));
            assert!(knob.env_var()["CCOL_".len()..].eq_ignore_ascii_case(knob.name()));
            assert_eq!(Knob::from_env_var(knob.env_var()), Some(knob));
        }
        assert_eq!(Knob::from_env_var("CCOL_RETIRE_THRESHOLDS"), None);
    }

    #[test]
    fn queue_backend_parse_ignores_case() {
        assert_eq!(QueueBackend::parse(" LcRq "), Some(QueueBackend::Lcrq));
        assert_eq!(QueueBackend::parse("SCQ"), Some(QueueBackend::Scq));
        assert_eq!(QueueBackend::parse("auto"), Some(QueueBackend::Auto));
        assert_eq!(QueueBackend::parse("wcq"), None);
        assert_eq!(QueueBackend::parse(""), None);
    }

    #[test]
    fn error_value_names_the_knob_being_set() {
        let e = ConfigError::SpinAboveYield {
            knob: Knob::BackoffYieldLimit,
            spin_limit: 6,
            yield_limit: 3,
        };
        assert_eq!((e.knob(), e.value()), (Knob::BackoffYieldLimit, 3));
        let e = ConfigError::SpinAboveYield {
            knob: Knob::BackoffSpinLimit,
            spin_limit: 6,
            yield_limit: 3,
        };
        assert_eq!(e.value(), 6);
    }
}
