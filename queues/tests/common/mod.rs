//! Helpers shared by the integration tests: payloads that count their drops and poison a
//! canary when dropped, one adapter trait over every queue type and capacity, iteration
//! scaling for Miri, and the exactly-once and per-producer order checks of the stress tests.
//!
//! Not for `tests/loom.rs`: the drop counts here are plain atomics read after joins, which
//! loom's models track in their own way (that file has its own payload).
#![allow(
    dead_code,
    unreachable_pub,
    unused_imports,
    unused_macros,
    reason = "each test crate uses a subset of the helpers"
)]

use core::ptr;

use ccol_atomics::sync::atomic::{AtomicU8, AtomicUsize, Ordering};
use ccol_queues::{BoundedQueue, PushError, StaticQueue};

/// Instantiates generic tests of `LockFreeQueue` for both schemes:
/// `for_each_scheme!(name => generic_fn, ...)` makes `ibr::name` and `debra::name` calling
/// `generic_fn::<Ibr>()` and `::<Debra>()` (as in ccol-stack's tests).
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

/// Iteration counts: `normal` natively, `miri` under Miri.
pub const fn scaled(normal: usize, miri: usize) -> usize {
    if cfg!(miri) { miri } else { normal }
}

/// The canary of a live [`Payload`].
pub const LIVE: u64 = 0x5AC4_11FE_C0DE_0002;
/// What a [`Payload`]'s `Drop` writes over its canary.
pub const DEAD: u64 = 0xDEAD_DEAD_DEAD_DEAD;

/// Counts payloads created and dropped, per id and in total.
///
/// Every count is Relaxed: a test reads the counts after joining the threads that changed them
/// (the join synchronizes), never to order other memory.
#[derive(Debug)]
pub struct Tracker {
    created: AtomicUsize,
    dropped: AtomicUsize,
    /// Drops per id, saturating at 255.
    per_id: Box<[AtomicU8]>,
    /// Drops that found a canary other than [`LIVE`] (a second drop, or a bitwise copy).
    bad_drops: AtomicUsize,
    /// The id whose destructor panics (after it is counted), if any.
    panicking: Option<u64>,
}

impl Tracker {
    /// A tracker for at most `capacity` payloads.
    pub fn new(capacity: usize) -> Self {
        Self::with_panicking(capacity, None)
    }

    /// A tracker whose payload `panicking` panics in its destructor (after counting the drop).
    pub fn with_panicking(capacity: usize, panicking: Option<u64>) -> Self {
        Self {
            created: AtomicUsize::new(0),
            dropped: AtomicUsize::new(0),
            per_id: (0..capacity).map(|_| AtomicU8::new(0)).collect(),
            bad_drops: AtomicUsize::new(0),
            panicking,
        }
    }

    /// A new payload with the next id (ids are `0..`, in creation order).
    pub fn payload(&self) -> Payload<'_> {
        // Relaxed: an id counter; only uniqueness matters.
        let id = self.created.fetch_add(1, Ordering::Relaxed);
        assert!(id < self.per_id.len(), "tracker capacity exceeded");
        Payload {
            id: id as u64,
            canary: LIVE,
            tracker: self,
        }
    }

    /// Payloads created so far.
    pub fn created(&self) -> usize {
        // Relaxed: see the type docs.
        self.created.load(Ordering::Relaxed)
    }

    /// Payloads dropped so far.
    pub fn dropped(&self) -> usize {
        // Relaxed: see the type docs.
        self.dropped.load(Ordering::Relaxed)
    }

    /// How many times payload `id` was dropped.
    pub fn drops_of(&self, id: u64) -> u8 {
        // Relaxed: see the type docs.
        self.per_id[id as usize].load(Ordering::Relaxed)
    }

    /// Asserts that no drop saw a dead canary and that no payload was dropped twice.
    #[track_caller]
    pub fn assert_no_double_drop(&self) {
        // Relaxed: see the type docs.
        let bad = self.bad_drops.load(Ordering::Relaxed);
        assert_eq!(bad, 0, "{bad} drops found a dead canary");
        for id in 0..self.created() as u64 {
            let n = self.drops_of(id);
            assert!(n <= 1, "payload {id} dropped {n} times");
        }
    }

    /// Asserts that every payload created was dropped exactly once.
    #[track_caller]
    pub fn assert_all_dropped_once(&self) {
        self.assert_no_double_drop();
        for id in 0..self.created() as u64 {
            assert_eq!(self.drops_of(id), 1, "payload {id} was never dropped");
        }
        assert_eq!(self.dropped(), self.created(), "drops do not balance");
    }

    fn record_drop(&self, id: u64, canary: u64) {
        if canary != LIVE {
            // Relaxed: see the type docs.
            self.bad_drops.fetch_add(1, Ordering::Relaxed);
        }
        // Relaxed: see the type docs.
        let _ = self.per_id[id as usize].fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
            Some(n.saturating_add(1))
        });
        // Relaxed: see the type docs.
        self.dropped.fetch_add(1, Ordering::Relaxed);
    }
}

/// A value whose drop is counted by its [`Tracker`] and which poisons its canary when dropped,
/// so that a value read out of a cell twice (a stale bitwise copy) fails [`check`](Self::check)
/// or shows as a double drop.
#[derive(Debug)]
pub struct Payload<'t> {
    id: u64,
    canary: u64,
    tracker: &'t Tracker,
}

impl Payload<'_> {
    /// The payload's id.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Panics unless the payload is alive; returns its id.
    #[track_caller]
    pub fn check(&self) -> u64 {
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
        // SAFETY: `self.canary` is a valid, aligned field we have exclusive access to.
        unsafe { ptr::write_volatile(&raw mut self.canary, DEAD) };
        self.tracker.record_drop(self.id, canary);
        if self.tracker.panicking == Some(self.id) {
            panic!("payload {} panics in its destructor (on purpose)", self.id);
        }
    }
}

/// What the tests need of a queue of `T`, whatever its type and capacity, so that one test
/// body runs on `StaticQueue<T, N>` for several `N` and on `BoundedQueue::new`.
pub trait AnyQueue<T>: Send + Sync {
    fn push(&self, value: T) -> Result<(), PushError<T>>;
    fn pop(&self) -> Option<T>;
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool;
    fn is_full(&self) -> bool;
    fn capacity(&self) -> usize;
}

impl<T: Send, const N: usize> AnyQueue<T> for StaticQueue<T, N> {
    fn push(&self, value: T) -> Result<(), PushError<T>> {
        Self::push(self, value)
    }
    fn pop(&self) -> Option<T> {
        Self::pop(self)
    }
    fn len(&self) -> usize {
        Self::len(self)
    }
    fn is_empty(&self) -> bool {
        Self::is_empty(self)
    }
    fn is_full(&self) -> bool {
        Self::is_full(self)
    }
    fn capacity(&self) -> usize {
        Self::capacity(self)
    }
}

impl<T: Send> AnyQueue<T> for BoundedQueue<T> {
    fn push(&self, value: T) -> Result<(), PushError<T>> {
        Self::push(self, value)
    }
    fn pop(&self) -> Option<T> {
        Self::pop(self)
    }
    fn len(&self) -> usize {
        Self::len(self)
    }
    fn is_empty(&self) -> bool {
        Self::is_empty(self)
    }
    fn is_full(&self) -> bool {
        Self::is_full(self)
    }
    fn capacity(&self) -> usize {
        Self::capacity(self)
    }
}

/// A boxed queue of one of the kinds the tests cover.
pub type Boxed<'a, T> = Box<dyn AnyQueue<T> + 'a>;

/// `StaticQueue<T, n>` for the `n` the tests use (powers of two 1 to 1024), boxed.
pub fn static_queue<'a, T: Send + 'a>(n: usize) -> Boxed<'a, T> {
    match n {
        1 => Box::new(StaticQueue::<T, 1>::new()),
        2 => Box::new(StaticQueue::<T, 2>::new()),
        4 => Box::new(StaticQueue::<T, 4>::new()),
        8 => Box::new(StaticQueue::<T, 8>::new()),
        16 => Box::new(StaticQueue::<T, 16>::new()),
        64 => Box::new(StaticQueue::<T, 64>::new()),
        1024 => Box::new(StaticQueue::<T, 1024>::new()),
        other => panic!("no StaticQueue<_, {other}> instance in the tests"),
    }
}

/// `BoundedQueue::new(capacity)`, boxed.
pub fn bounded_queue<'a, T: Send + 'a>(capacity: usize) -> Boxed<'a, T> {
    Box::new(BoundedQueue::new(capacity))
}

/// A stress value: producer `producer`'s `seq`-th push.
pub const fn tag(producer: usize, seq: u64) -> u64 {
    ((producer as u64) << 40) | seq
}

/// The producer and sequence number of a [`tag`].
pub const fn untag(value: u64) -> (usize, u64) {
    ((value >> 40) as usize, value & ((1 << 40) - 1))
}

/// Checks a concurrent run: each consumer's values (in the order it popped them) hold each
/// producer's values in increasing order, and all of them together are exactly the values
/// `0..pushed[p]` of every producer `p`, each once.
#[track_caller]
pub fn assert_fifo_per_producer_exactly_once(consumers: &[Vec<u64>], pushed: &[u64]) {
    for (c, seen) in consumers.iter().enumerate() {
        let mut last: Vec<Option<u64>> = vec![None; pushed.len()];
        for &value in seen {
            let (p, seq) = untag(value);
            assert!(
                p < pushed.len(),
                "consumer {c} popped unknown value {value:#x}"
            );
            if let Some(previous) = last[p] {
                assert!(
                    previous < seq,
                    "consumer {c} saw producer {p}'s value {seq} after {previous}: not FIFO"
                );
            }
            last[p] = Some(seq);
        }
    }
    let mut all: Vec<u64> = consumers.iter().flatten().copied().collect();
    all.sort_unstable();
    if let Some(pair) = all.windows(2).find(|pair| pair[0] == pair[1]) {
        let (p, seq) = untag(pair[0]);
        panic!("producer {p}'s value {seq} popped twice");
    }
    let total: u64 = pushed.iter().sum();
    let mut expected = all.iter().copied();
    for (p, &n) in pushed.iter().enumerate() {
        for seq in 0..n {
            if expected.next() != Some(tag(p, seq)) {
                panic!(
                    "producer {p}'s value {seq} lost ({} of {total} popped)",
                    all.len()
                );
            }
        }
    }
    assert_eq!(
        all.len() as u64,
        total,
        "values popped that were never pushed"
    );
}
