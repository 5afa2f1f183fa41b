//! Helpers shared by the integration tests: payloads that count their drops and poison a
//! canary when dropped, writers that retire in bulk, and a macro that instantiates a generic
//! test for both schemes.
#![allow(
    dead_code,
    unused_imports,
    unused_macros,
    reason = "each test crate uses a subset of the helpers"
)]

use core::ptr;

use ccol_atomics::sync::atomic::{AtomicU8, AtomicUsize, Ordering, Ordering::AcqRel};
use ccol_reclaim::{Atomic, Domain, Handle, Owned, Reclaim};

/// The canary of a live [`Payload`].
pub(crate) const LIVE: u64 = 0x11FE_A11C_E5A1_1C0F;
/// What a [`Payload`]'s `Drop` writes over its canary.
pub(crate) const DEAD: u64 = 0xDEAD_DEAD_DEAD_DEAD;

/// Counts payloads created and dropped, per id and in total.
///
/// Every count is Relaxed: a test reads the counts either after joining the threads that
/// changed them (join synchronizes) or as a sample it compares with bounds, never to order
/// other memory.
#[derive(Debug)]
pub(crate) struct Tracker {
    created: AtomicUsize,
    dropped: AtomicUsize,
    /// Drops per id, saturating at 255.
    per_id: Box<[AtomicU8]>,
    /// Drops that found a canary other than [`LIVE`] (a second drop, or a drop of freed memory).
    bad_drops: AtomicUsize,
}

impl Tracker {
    /// A tracker for at most `capacity` payloads.
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            created: AtomicUsize::new(0),
            dropped: AtomicUsize::new(0),
            per_id: (0..capacity).map(|_| AtomicU8::new(0)).collect(),
            bad_drops: AtomicUsize::new(0),
        }
    }

    /// A new payload with the next id.
    pub(crate) fn payload(&self) -> Payload<'_> {
        // Relaxed: an id counter; only uniqueness matters.
        let id = self.created.fetch_add(1, Ordering::Relaxed);
        assert!(
            id < self.per_id.len(),
            "tracker capacity {} exceeded",
            self.per_id.len()
        );
        Payload {
            id,
            canary: LIVE,
            tracker: self,
        }
    }

    /// Payloads created so far.
    pub(crate) fn created(&self) -> usize {
        // Relaxed: see the type docs.
        self.created.load(Ordering::Relaxed)
    }

    /// Payloads dropped so far.
    pub(crate) fn dropped(&self) -> usize {
        // Relaxed: see the type docs.
        self.dropped.load(Ordering::Relaxed)
    }

    /// How many times payload `id` was dropped.
    pub(crate) fn drops_of(&self, id: usize) -> u8 {
        // Relaxed: see the type docs.
        self.per_id[id].load(Ordering::Relaxed)
    }

    /// Asserts that every payload created was dropped exactly once.
    pub(crate) fn assert_all_dropped_once(&self) {
        // Relaxed: see the type docs.
        assert_eq!(
            self.bad_drops.load(Ordering::Relaxed),
            0,
            "a drop found a dead canary"
        );
        let created = self.created();
        for id in 0..created {
            assert_eq!(
                self.drops_of(id),
                1,
                "payload {id} dropped {} times",
                self.drops_of(id)
            );
        }
        assert_eq!(self.dropped(), created, "drops do not balance allocations");
    }

    /// Asserts that no payload was dropped twice (some may still be alive).
    pub(crate) fn assert_no_double_drop(&self) {
        // Relaxed: see the type docs.
        assert_eq!(
            self.bad_drops.load(Ordering::Relaxed),
            0,
            "a drop found a dead canary"
        );
        for id in 0..self.created() {
            assert!(
                self.drops_of(id) <= 1,
                "payload {id} dropped {} times",
                self.drops_of(id)
            );
        }
    }

    fn record_drop(&self, id: usize, canary: u64) {
        if canary != LIVE {
            // Relaxed: see the type docs.
            self.bad_drops.fetch_add(1, Ordering::Relaxed);
        }
        // Relaxed: see the type docs.
        let _ = self.per_id[id].fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
            Some(n.saturating_add(1))
        });
        // Relaxed: see the type docs.
        self.dropped.fetch_add(1, Ordering::Relaxed);
    }
}

/// A value whose drop is counted by its [`Tracker`] and which poisons its canary when dropped,
/// so that a read through a dangling pointer sees [`DEAD`] (or allocator garbage) instead of
/// [`LIVE`]. Borrowing the tracker (declared before the domain) satisfies `retire`'s rule
/// that whatever a destructor borrows outlives the domain.
#[derive(Debug)]
pub(crate) struct Payload<'t> {
    id: usize,
    canary: u64,
    tracker: &'t Tracker,
}

impl Payload<'_> {
    /// The payload's id.
    pub(crate) fn id(&self) -> usize {
        self.id
    }

    /// Panics unless the payload is alive; returns its id.
    #[track_caller]
    pub(crate) fn check(&self) -> usize {
        // SAFETY: `self.canary` is a valid, aligned field of a value we hold a reference to;
        // the volatile read keeps the compiler from assuming the value it last wrote.
        let canary = unsafe { ptr::read_volatile(&raw const self.canary) };
        assert_eq!(
            canary, LIVE,
            "payload {} read after it was dropped",
            self.id
        );
        self.id
    }
}

impl Drop for Payload<'_> {
    fn drop(&mut self) {
        // SAFETY: as in `check`.
        let canary = unsafe { ptr::read_volatile(&raw const self.canary) };
        // SAFETY: `self.canary` is a valid, aligned field we have exclusive access to; the
        // volatile write is not removed although the memory is freed right after.
        unsafe { ptr::write_volatile(&raw mut self.canary, DEAD) };
        self.tracker.record_drop(self.id, canary);
    }
}

/// Iteration counts: `normal` natively, `miri` under Miri.
pub(crate) const fn scaled(normal: usize, miri: usize) -> usize {
    if cfg!(miri) { miri } else { normal }
}

/// The scheme thresholds a default domain really uses (`Config::DEFAULT`, shrunk to 2 under
/// Miri and the sanitizers): `(retire_threshold, epoch_frequency)`.
pub(crate) const fn effective(retire_threshold: usize, epoch_frequency: usize) -> (usize, usize) {
    if cfg!(any(miri, ccol_sanitize)) {
        (min2(retire_threshold), min2(epoch_frequency))
    } else {
        (retire_threshold, epoch_frequency)
    }
}

const fn min2(value: usize) -> usize {
    if value < 2 { value } else { 2 }
}

/// Swaps `count` fresh payloads into `link`, retiring each old one, one guard per operation
/// (a writer's usual pattern): drives scans and epoch advances.
pub(crate) fn churn<'t, R: Reclaim>(
    handle: &Handle<'_, R>,
    link: &Atomic<Payload<'t>, R>,
    tracker: &'t Tracker,
    count: usize,
) {
    for _ in 0..count {
        let guard = handle.pin();
        let old = link.swap(
            Owned::new(tracker.payload(), handle.domain()),
            AcqRel,
            &guard,
        );
        // SAFETY: the swap unlinked `old`; only this call retires it.
        unsafe { guard.retire(old) };
    }
}

/// `count` fresh payloads allocated in `domain`, not published.
pub(crate) fn allocate<'t, R: Reclaim>(
    tracker: &'t Tracker,
    domain: &Domain<R>,
    count: usize,
) -> Vec<Owned<Payload<'t>, R>> {
    (0..count)
        .map(|_| Owned::new(tracker.payload(), domain))
        .collect()
}

/// Retires `objects` (never published) through `handle`, one guard per object.
pub(crate) fn retire_all<R: Reclaim>(handle: &Handle<'_, R>, objects: Vec<Owned<Payload<'_>, R>>) {
    for object in objects {
        let guard = handle.pin();
        let shared = object.into_shared(&guard);
        // SAFETY: never published, so unlinked; retired once.
        unsafe { guard.retire(shared) };
    }
}

/// Retires `objects` (never published) through the thread-local participant.
pub(crate) fn retire_all_local<R: Reclaim>(
    domain: &Domain<R>,
    objects: Vec<Owned<Payload<'_>, R>>,
) {
    for object in objects {
        let guard = domain.pin();
        let shared = object.into_shared(&guard);
        // SAFETY: never published, so unlinked; retired once.
        unsafe { guard.retire(shared) };
    }
}

/// Enough retirements for several scans and epoch advances at the default thresholds.
pub(crate) const MANY: usize = scaled(1_000, 24);

/// A small xorshift generator: reproducible per-thread randomness without dependencies.
#[derive(Debug)]
pub(crate) struct Rng(u64);

impl Rng {
    /// A generator seeded with `seed` (any value; 0 is remapped).
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// The next value below `bound`.
    pub(crate) fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % bound
    }
}

/// Instantiates generic test functions for both schemes: `for_each_scheme!(name => function,
/// ...)` defines `ibr::name` calling `function::<Ibr>()` and `debra::name` calling
/// `function::<Debra>()`.
macro_rules! for_each_scheme {
    ($($name:ident => $function:ident),* $(,)?) => {
        mod ibr {
            $(
                #[test]
                fn $name() {
                    super::$function::<ccol_reclaim::Ibr>();
                }
            )*
        }
        mod debra {
            $(
                #[test]
                fn $name() {
                    super::$function::<ccol_reclaim::Debra>();
                }
            )*
        }
    };
}
pub(crate) use for_each_scheme;

/// [`for_each_scheme!`] for test functions that take the domain's [`Config`]
/// (`function::<R>(&config)`), adding a third instance: `ibr_eager::name`, IBR with sticky
/// reservations off (`src/ibr.rs`), the path every target without a heavy fence takes and
/// that the sticky default would otherwise leave untested on Linux, Miri and loom.
///
/// [`Config`]: ccol_arch::config::Config
macro_rules! for_each_config {
    ($($name:ident => $function:ident),* $(,)?) => {
        mod ibr {
            $(
                #[test]
                fn $name() {
                    super::$function::<ccol_reclaim::Ibr>(&ccol_arch::config::Config::DEFAULT);
                }
            )*
        }
        mod ibr_eager {
            $(
                #[test]
                fn $name() {
                    let config = ccol_arch::config::Config::DEFAULT.with_sticky_reservations(false);
                    super::$function::<ccol_reclaim::Ibr>(&config);
                }
            )*
        }
        mod debra {
            $(
                #[test]
                fn $name() {
                    super::$function::<ccol_reclaim::Debra>(&ccol_arch::config::Config::DEFAULT);
                }
            )*
        }
    };
}
pub(crate) use for_each_config;
