//! Helpers for the skip-list robustness tests (`skiplist_drops.rs`, `skiplist_panics.rs`,
//! `skiplist_stress.rs`): keys and values that count their drops per object and poison a
//! canary when dropped, a small deterministic generator, iteration scaling for Miri, and a
//! macro that instantiates a generic test for both reclamation schemes.
//!
//! Included with `#[path = "common/tracked.rs"] mod tracked;` (not from `common/mod.rs`, which
//! the comparator tests share).
#![allow(
    dead_code,
    unreachable_pub,
    unused_imports,
    unused_macros,
    reason = "each test crate uses a subset of the helpers"
)]

use core::{borrow::Borrow, cmp::Ordering, fmt, ptr};
use std::thread::ScopedJoinHandle;

use ccol_atomics::sync::atomic::{AtomicU8, AtomicUsize, Ordering::Relaxed};

/// The canary of a live [`Tracked`].
pub const LIVE: u64 = 0x0DE5_C0DE_5A1E_11FE;
/// What a [`Tracked`]'s `Drop` writes over its canary.
pub const DEAD: u64 = 0xDEAD_DEAD_DEAD_DEAD;

#[path = "scaled.rs"]
mod scaled;
pub use scaled::scaled;

/// Instantiates generic tests for both schemes: `for_each_scheme!(name => generic_fn, ...)`
/// makes `ibr::name` and `debra::name` calling `generic_fn::<Ibr>()` and `::<Debra>()`.
macro_rules! for_each_scheme {
    ($($test:ident => $body:ident),* $(,)?) => {
        mod ibr {
            $(
                #[test]
                fn $test() {
                    super::$body::<::ccol_reclaim::Ibr>();
                }
            )*
        }
        mod debra {
            $(
                #[test]
                fn $test() {
                    super::$body::<::ccol_reclaim::Debra>();
                }
            )*
        }
    };
}
pub(crate) use for_each_scheme;

/// Counts the [`Tracked`] objects made and dropped, in total and per object.
///
/// Every count is Relaxed: a test reads the counts either after joining the threads that
/// changed them (the join synchronizes) or as a sample it compares with a bound, never to
/// order other memory.
#[derive(Debug)]
pub struct Tracker {
    created: AtomicUsize,
    dropped: AtomicUsize,
    /// Drops per id, saturating at 255.
    per_id: Box<[AtomicU8]>,
    /// Drops that found a canary other than [`LIVE`] (a second drop, or a drop of freed memory).
    bad_drops: AtomicUsize,
}

impl Tracker {
    /// A tracker for at most `capacity` objects.
    pub fn new(capacity: usize) -> Self {
        Self {
            created: AtomicUsize::new(0),
            dropped: AtomicUsize::new(0),
            per_id: (0..capacity).map(|_| AtomicU8::new(0)).collect(),
            bad_drops: AtomicUsize::new(0),
        }
    }

    /// A new object ordered as `value`, with the next id.
    pub fn make(&self, value: u64) -> Tracked<'_> {
        // Relaxed: an id counter; only uniqueness matters.
        let id = self.created.fetch_add(1, Relaxed);
        assert!(
            id < self.per_id.len(),
            "tracker capacity {} exceeded",
            self.per_id.len()
        );
        Tracked {
            value,
            id,
            canary: LIVE,
            tracker: self,
        }
    }

    /// Objects made so far.
    pub fn created(&self) -> usize {
        // Relaxed: see the type docs.
        self.created.load(Relaxed)
    }

    /// Objects dropped so far.
    pub fn dropped(&self) -> usize {
        // Relaxed: see the type docs.
        self.dropped.load(Relaxed)
    }

    /// Objects made and not dropped yet (a sample under concurrency).
    pub fn live(&self) -> usize {
        // Read `dropped` first: a later `created` is at least as large, so no underflow.
        let dropped = self.dropped();
        self.created().saturating_sub(dropped)
    }

    /// How many times object `id` was dropped.
    pub fn drops_of(&self, id: usize) -> u8 {
        // Relaxed: see the type docs.
        self.per_id[id].load(Relaxed)
    }

    /// Asserts that no drop saw a dead canary and that no object was dropped twice.
    #[track_caller]
    pub fn assert_no_double_drop(&self) {
        if let Err(problem) = self.no_double_drop() {
            panic!("{problem}");
        }
    }

    /// Asserts that every object made was dropped exactly once.
    #[track_caller]
    pub fn assert_all_dropped_once(&self) {
        if let Err(problem) = self.all_dropped_once() {
            panic!("{problem}");
        }
    }

    /// [`assert_no_double_drop`](Self::assert_no_double_drop) as a result.
    ///
    /// # Errors
    ///
    /// The first problem found.
    pub fn no_double_drop(&self) -> Result<(), String> {
        // Relaxed: see the type docs.
        let bad = self.bad_drops.load(Relaxed);
        if bad != 0 {
            return Err(format!("{bad} drops found a dead canary"));
        }
        match (0..self.created()).find(|&id| self.drops_of(id) > 1) {
            Some(id) => Err(format!("object {id} dropped {} times", self.drops_of(id))),
            None => Ok(()),
        }
    }

    /// [`assert_all_dropped_once`](Self::assert_all_dropped_once) as a result.
    ///
    /// # Errors
    ///
    /// The first problem found.
    pub fn all_dropped_once(&self) -> Result<(), String> {
        self.no_double_drop()?;
        let never: Vec<usize> = (0..self.created())
            .filter(|&id| self.drops_of(id) == 0)
            .collect();
        if !never.is_empty() {
            return Err(format!(
                "{} of {} objects never dropped (ids {:?})",
                never.len(),
                self.created(),
                &never[..never.len().min(8)]
            ));
        }
        Ok(())
    }

    fn record_drop(&self, id: usize, canary: u64) {
        if canary != LIVE {
            // Relaxed: see the type docs.
            self.bad_drops.fetch_add(1, Relaxed);
        }
        // Relaxed: see the type docs.
        let _ = self.per_id[id].fetch_update(Relaxed, Relaxed, |n| Some(n.saturating_add(1)));
        // Relaxed: see the type docs.
        self.dropped.fetch_add(1, Relaxed);
    }
}

/// A key or value ordered (and compared for equality) by a `u64`, whose drop its
/// [`Tracker`] counts. Dropping poisons its canary, so a read through a dangling reference
/// (an entry freed while a reader could still reach it) fails [`value`](Self::value) instead
/// of passing silently; the comparisons read it that way too.
pub struct Tracked<'t> {
    value: u64,
    id: usize,
    canary: u64,
    tracker: &'t Tracker,
}

impl Tracked<'_> {
    /// The value it orders by; panics unless the object is alive.
    #[track_caller]
    pub fn value(&self) -> u64 {
        // SAFETY: `self.canary` is a valid, aligned field of a value we hold a reference to;
        // the volatile read keeps the compiler from assuming the value it last wrote.
        let canary = unsafe { ptr::read_volatile(&raw const self.canary) };
        assert_eq!(
            canary, LIVE,
            "object {} (value {}) read after it was dropped",
            self.id, self.value
        );
        self.value
    }

    /// Its tracker id (unique per object).
    pub fn id(&self) -> usize {
        self.id
    }
}

impl Drop for Tracked<'_> {
    fn drop(&mut self) {
        // SAFETY: as in `value`.
        let canary = unsafe { ptr::read_volatile(&raw const self.canary) };
        // SAFETY: `self.canary` is a valid, aligned field we have exclusive access to; the
        // volatile write is kept although the memory may be freed right after.
        unsafe { ptr::write_volatile(&raw mut self.canary, DEAD) };
        self.tracker.record_drop(self.id, canary);
    }
}

impl PartialEq for Tracked<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.value() == other.value()
    }
}

impl Eq for Tracked<'_> {}

impl PartialOrd for Tracked<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Tracked<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.value().cmp(&other.value())
    }
}

/// Probes by the plain value (`map.get(&3)`): `Ord` of a `Tracked` is `Ord` of its value, as
/// `Borrow` requires.
impl Borrow<u64> for Tracked<'_> {
    fn borrow(&self) -> &u64 {
        &self.value
    }
}

impl fmt::Debug for Tracked<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}#{}", self.value, self.id)
    }
}

/// A deterministic xorshift64 generator: every run and every seed sees the same sequence.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator for `seed` (any value; zero is remapped).
    pub fn new(seed: u64) -> Self {
        Self(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    /// The next 64 random bits.
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    /// True with probability `1 / n`.
    pub fn one_in(&mut self, n: u64) -> bool {
        self.below(n) == 0
    }
}

/// Joins every handle, propagating the first panic. Joining each handle explicitly (rather
/// than letting the scope end) waits until the thread has run its thread-local destructors,
/// which hand its participant's pending garbage to the map's domain.
pub fn join_all<T>(handles: Vec<ScopedJoinHandle<'_, T>>) -> Vec<T> {
    join_all_then(handles, || {})
}

/// Joins every handle, then runs `then` (which releases the threads that wait for these
/// ones: readers polling a stop flag, a stalled reader), and only then propagates the first
/// panic: a failing thread makes the test fail instead of leaving the others waiting forever.
pub fn join_all_then<T>(handles: Vec<ScopedJoinHandle<'_, T>>, then: impl FnOnce()) -> Vec<T> {
    let results: Vec<_> = handles.into_iter().map(ScopedJoinHandle::join).collect();
    then();
    results
        .into_iter()
        .map(|result| result.unwrap_or_else(|e| std::panic::resume_unwind(e)))
        .collect()
}
