//! The family's tunables: [`Config`], fixed when a structure is created.
//!
//! A structure copies the `Config` it is given at construction; later changes to any other
//! `Config` value (there is no mutable global) never reach a live structure. This replaces the
//! predecessor's mutable global configuration, whose "live" `retire_threshold` raced with
//! running reclamation (see `PREDECESSOR.md` §2.4 and §11).
//!
//! # Precedence
//!
//! built-in defaults ([`Config::DEFAULT`]) < environment (`CCOL_*` variables, see
//! [`Config::apply_env`]) < code (the `with_*` methods):
//!
//! ```
//! # fn main() -> Result<(), ccol_arch::config::ConfigError> {
//! use ccol_arch::config::Config;
//!
//! # #[cfg(feature = "std")]
//! // Defaults, overridden by the environment once per process (std only) ...
//! let base: Config = *Config::global();
//! # #[cfg(not(feature = "std"))]
//! # let base = Config::DEFAULT;
//! // ... overridden again by code, which always wins.
//! let config = base.with_retire_threshold(128)?.with_stats(true);
//! assert_eq!(config.retire_threshold(), 128);
//! # Ok(())
//! # }
//! ```
//!
//! # Knobs
//!
//! | knob | default | valid | environment variable |
//! |---|---|---|---|
//! | [`retire_threshold`](Config::retire_threshold) | 64 | 1..=1048576 | `CCOL_RETIRE_THRESHOLD` |
//! | [`reclaim_batch`](Config::reclaim_batch) | 32 | 1..=1048576 | `CCOL_RECLAIM_BATCH` |
//! | [`epoch_frequency`](Config::epoch_frequency) | 32 | 1..=1048576 | `CCOL_EPOCH_FREQUENCY` |
//! | [`max_threads`](Config::max_threads) | 64 | 1..=4096 | `CCOL_MAX_THREADS` |
//! | [`backoff_spin_limit`](Config::backoff_spin_limit) | 6 | 0..=31, ≤ yield limit | `CCOL_BACKOFF_SPIN_LIMIT` |
//! | [`backoff_yield_limit`](Config::backoff_yield_limit) | 10 | 0..=31, ≥ spin limit | `CCOL_BACKOFF_YIELD_LIMIT` |
//! | [`queue_backend`](Config::queue_backend) | `auto` | `auto`, `scq`, `lcrq` | `CCOL_QUEUE_BACKEND` |
//! | [`stats`](Config::stats) | `false` | `true`/`false` | `CCOL_STATS` |
//! | [`sticky_reservations`](Config::sticky_reservations) | `true` | `true`/`false` | `CCOL_STICKY_RESERVATIONS` |

use core::{fmt, ops::RangeInclusive};

mod env;
mod knob;
#[cfg(feature = "std")]
mod process;

#[cfg(feature = "alloc")]
pub use self::env::OwnedEnvIssue;
pub use self::{
    env::{EnvIssue, EnvIssueKind},
    knob::{ConfigError, Knob, QueueBackend},
};

/// The family's tunables. Every value is valid by construction (see [`Knob::range`]).
///
/// Built from [`Config::DEFAULT`] (or `Config::global()` under `std`) with the `with_*`
/// methods, which validate and return a new value; there are no setters.
///
/// # Progress
///
/// Plain `Copy` data. The accessors and `with_*` builders are `const` and wait-free;
/// [`apply_env`](Config::apply_env) and [`build_info`](Config::build_info) are wait-free but
/// not `const`; `Config::global` (`std`) blocks on its first call only, and the other `std`
/// environment readers allocate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Config {
    /// In [`Knob::RetireThreshold`]'s range.
    retire_threshold: usize,
    /// In [`Knob::ReclaimBatch`]'s range.
    reclaim_batch: usize,
    /// In [`Knob::EpochFrequency`]'s range.
    epoch_frequency: usize,
    /// In [`Knob::MaxThreads`]'s range.
    max_threads: usize,
    /// `backoff_spin_limit <= backoff_yield_limit <= 31`.
    backoff_spin_limit: u32,
    /// See `backoff_spin_limit`.
    backoff_yield_limit: u32,
    queue_backend: QueueBackend,
    stats: bool,
    sticky_reservations: bool,
}

impl Config {
    /// The built-in defaults (see the table in the [module docs](self)).
    pub const DEFAULT: Config = Config {
        retire_threshold: 64,
        reclaim_batch: 32,
        epoch_frequency: 32,
        max_threads: 64,
        backoff_spin_limit: 6,
        backoff_yield_limit: 10,
        queue_backend: QueueBackend::Auto,
        stats: false,
        sticky_reservations: true,
    };

    /// [`Config::DEFAULT`].
    #[must_use]
    pub const fn new() -> Config {
        Config::DEFAULT
    }

    /// How many objects a thread retires before it tries to reclaim.
    #[must_use]
    pub const fn retire_threshold(&self) -> usize {
        self.retire_threshold
    }

    /// The most objects freed per reclamation poll (bounds the pause one poll adds).
    #[must_use]
    pub const fn reclaim_batch(&self) -> usize {
        self.reclaim_batch
    }

    /// How many operations a thread performs between attempts to advance the global epoch.
    #[must_use]
    pub const fn epoch_frequency(&self) -> usize {
        self.epoch_frequency
    }

    /// Registry slots for explicitly registered threads (the no_std registration path).
    #[must_use]
    pub const fn max_threads(&self) -> usize {
        self.max_threads
    }

    /// Backoff spins `2^0, 2^1, ..., 2^backoff_spin_limit` pause hints before it starts
    /// yielding.
    #[must_use]
    pub const fn backoff_spin_limit(&self) -> u32 {
        self.backoff_spin_limit
    }

    /// Backoff yields (std) until step `backoff_yield_limit`, then tells the caller to park.
    #[must_use]
    pub const fn backoff_yield_limit(&self) -> u32 {
        self.backoff_yield_limit
    }

    /// The queue backend facade constructors should use.
    #[must_use]
    pub const fn queue_backend(&self) -> QueueBackend {
        self.queue_backend
    }

    /// Whether structures collect statistics. Has an effect only in crates built with their
    /// `stats` feature; without it the counters do not exist.
    #[must_use]
    pub const fn stats(&self) -> bool {
        self.stats
    }

    /// Whether IBR may leave a participant's reservation published between its guards
    /// ("sticky reservations", ccol-reclaim's `ibr` module): the next guard then needs no
    /// fence while the epoch stays the same, and a scan that an idle participant's
    /// reservation keeps from freeing revokes it with a process-wide heavy fence
    /// (`membarrier(2)`). Takes effect only where that fence exists (Linux with `std`);
    /// elsewhere, or when `false`, every outermost guard publishes its reservation with a
    /// fence and clears it when it drops. Other schemes ignore it.
    #[must_use]
    pub const fn sticky_reservations(&self) -> bool {
        self.sticky_reservations
    }

    /// Sets [`retire_threshold`](Self::retire_threshold).
    ///
    /// # Errors
    ///
    /// [`ConfigError::OutOfRange`] outside [`Knob::RetireThreshold`]'s range.
    pub const fn with_retire_threshold(self, value: usize) -> Result<Config, ConfigError> {
        match check(Knob::RetireThreshold, value as u64) {
            Ok(()) => Ok(Config {
                retire_threshold: value,
                ..self
            }),
            Err(e) => Err(e),
        }
    }

    /// Sets [`reclaim_batch`](Self::reclaim_batch).
    ///
    /// # Errors
    ///
    /// [`ConfigError::OutOfRange`] outside [`Knob::ReclaimBatch`]'s range.
    pub const fn with_reclaim_batch(self, value: usize) -> Result<Config, ConfigError> {
        match check(Knob::ReclaimBatch, value as u64) {
            Ok(()) => Ok(Config {
                reclaim_batch: value,
                ..self
            }),
            Err(e) => Err(e),
        }
    }

    /// Sets [`epoch_frequency`](Self::epoch_frequency).
    ///
    /// # Errors
    ///
    /// [`ConfigError::OutOfRange`] outside [`Knob::EpochFrequency`]'s range.
    pub const fn with_epoch_frequency(self, value: usize) -> Result<Config, ConfigError> {
        match check(Knob::EpochFrequency, value as u64) {
            Ok(()) => Ok(Config {
                epoch_frequency: value,
                ..self
            }),
            Err(e) => Err(e),
        }
    }

    /// Sets [`max_threads`](Self::max_threads).
    ///
    /// # Errors
    ///
    /// [`ConfigError::OutOfRange`] outside [`Knob::MaxThreads`]'s range.
    pub const fn with_max_threads(self, value: usize) -> Result<Config, ConfigError> {
        match check(Knob::MaxThreads, value as u64) {
            Ok(()) => Ok(Config {
                max_threads: value,
                ..self
            }),
            Err(e) => Err(e),
        }
    }

    /// Sets [`backoff_spin_limit`](Self::backoff_spin_limit), keeping the yield limit.
    ///
    /// # Errors
    ///
    /// [`ConfigError::OutOfRange`] above 31, [`ConfigError::SpinAboveYield`] above the current
    /// yield limit (use [`with_backoff_limits`](Self::with_backoff_limits) to raise both).
    pub const fn with_backoff_spin_limit(self, value: u32) -> Result<Config, ConfigError> {
        self.backoff_limits(Knob::BackoffSpinLimit, value, self.backoff_yield_limit)
    }

    /// Sets [`backoff_yield_limit`](Self::backoff_yield_limit), keeping the spin limit.
    ///
    /// # Errors
    ///
    /// [`ConfigError::OutOfRange`] above 31, [`ConfigError::SpinAboveYield`] below the current
    /// spin limit.
    pub const fn with_backoff_yield_limit(self, value: u32) -> Result<Config, ConfigError> {
        self.backoff_limits(Knob::BackoffYieldLimit, self.backoff_spin_limit, value)
    }

    /// Sets both backoff limits at once.
    ///
    /// # Errors
    ///
    /// [`ConfigError::OutOfRange`] if either is above 31, [`ConfigError::SpinAboveYield`] if
    /// `spin_limit > yield_limit`.
    pub const fn with_backoff_limits(
        self,
        spin_limit: u32,
        yield_limit: u32,
    ) -> Result<Config, ConfigError> {
        self.backoff_limits(Knob::BackoffSpinLimit, spin_limit, yield_limit)
    }

    /// Sets [`queue_backend`](Self::queue_backend); every backend is a valid request (whether
    /// it can run here is [`QueueBackend::is_available`], checked by the queue constructor).
    #[must_use]
    pub const fn with_queue_backend(self, backend: QueueBackend) -> Config {
        Config {
            queue_backend: backend,
            ..self
        }
    }

    /// Sets [`stats`](Self::stats); both values are valid.
    #[must_use]
    pub const fn with_stats(self, stats: bool) -> Config {
        Config { stats, ..self }
    }

    /// Sets [`sticky_reservations`](Self::sticky_reservations); both values are valid.
    #[must_use]
    pub const fn with_sticky_reservations(self, sticky: bool) -> Config {
        Config {
            sticky_reservations: sticky,
            ..self
        }
    }

    /// Validates and sets both backoff limits; `knob` is the one the caller is changing (it is
    /// reported in the error).
    const fn backoff_limits(
        self,
        knob: Knob,
        spin_limit: u32,
        yield_limit: u32,
    ) -> Result<Config, ConfigError> {
        if let Err(e) = check(Knob::BackoffSpinLimit, spin_limit as u64) {
            return Err(e);
        }
        if let Err(e) = check(Knob::BackoffYieldLimit, yield_limit as u64) {
            return Err(e);
        }
        if spin_limit > yield_limit {
            return Err(ConfigError::SpinAboveYield {
                knob,
                spin_limit,
                yield_limit,
            });
        }
        Ok(Config {
            backoff_spin_limit: spin_limit,
            backoff_yield_limit: yield_limit,
            ..self
        })
    }
}

/// Checks `value` against `knob`'s range.
const fn check(knob: Knob, value: u64) -> Result<(), ConfigError> {
    if let Some(range) = knob.range() {
        let (min, max) = (*range.start(), *range.end());
        if value < min || value > max {
            return Err(ConfigError::OutOfRange { knob, value });
        }
    }
    Ok(())
}

/// The range of a numeric knob; `RangeInclusive` is not `Copy`, so it is rebuilt per call.
pub(crate) const fn range(min: u64, max: u64) -> RangeInclusive<u64> {
    RangeInclusive::new(min, max)
}

impl Default for Config {
    /// [`Config::DEFAULT`].
    fn default() -> Self {
        Config::DEFAULT
    }
}

impl fmt::Display for Config {
    /// `knob=value` pairs separated by spaces, in the order of the knob table.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "retire_threshold={} reclaim_batch={} epoch_frequency={} max_threads={} \
             backoff_spin_limit={} backoff_yield_limit={} queue_backend={} stats={} \
             sticky_reservations={}",
            self.retire_threshold,
            self.reclaim_batch,
            self.epoch_frequency,
            self.max_threads,
            self.backoff_spin_limit,
            self.backoff_yield_limit,
            self.queue_backend,
            self.stats,
            self.sticky_reservations,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::{Config, ConfigError, Knob};

    /// A `Config` can be built in a `const` context.
    const TUNED: Config = match Config::DEFAULT.with_retire_threshold(256) {
        Ok(c) => c,
        Err(_) => Config::DEFAULT,
    };

    #[test]
    fn const_builder() {
        assert_eq!(TUNED.retire_threshold(), 256);
        assert_eq!(TUNED.reclaim_batch(), Config::DEFAULT.reclaim_batch());
    }

    #[test]
    fn range_bounds_are_inclusive() {
        for knob in Knob::ALL {
            let Some(range) = knob.range() else { continue };
            let (min, max) = (*range.start(), *range.end());
            assert!(super::check(knob, min).is_ok(), "{knob} min");
            assert!(super::check(knob, max).is_ok(), "{knob} max");
            assert_eq!(
                super::check(knob, max + 1),
                Err(ConfigError::OutOfRange {
                    knob,
                    value: max + 1
                })
            );
            if min > 0 {
                assert_eq!(
                    super::check(knob, min - 1),
                    Err(ConfigError::OutOfRange {
                        knob,
                        value: min - 1
                    })
                );
            }
        }
    }

    #[test]
    fn defaults_are_valid() {
        let d = Config::DEFAULT;
        let rebuilt = Config::DEFAULT
            .with_retire_threshold(d.retire_threshold())
            .and_then(|c| c.with_reclaim_batch(d.reclaim_batch()))
            .and_then(|c| c.with_epoch_frequency(d.epoch_frequency()))
            .and_then(|c| c.with_max_threads(d.max_threads()))
            .and_then(|c| c.with_backoff_limits(d.backoff_spin_limit(), d.backoff_yield_limit()));
        assert_eq!(rebuilt, Ok(d));
    }
}
