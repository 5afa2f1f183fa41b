//! Helpers shared by the integration tests: payloads that count their drops and poison a
//! canary when dropped, a global allocator that counts the allocations of those payloads'
//! nodes, iteration scaling for Miri, and a lock that serializes the tests that read the
//! process-wide allocation counts.
//!
//! Nothing here names `LockFreeStack` or a reclamation scheme, so the `StaticStack` test files
//! that include this module also build without features. Not for `tests/loom.rs`: the counters
//! of the global allocator are statics, which loom's atomics cannot initialize.
#![allow(
    dead_code,
    unreachable_pub,
    unused_imports,
    unused_macros,
    reason = "each test crate uses a subset of the helpers"
)]

use core::{
    alloc::{GlobalAlloc, Layout},
    cell::Cell,
    ptr,
};
use std::{
    alloc::System,
    sync::{Mutex, MutexGuard, PoisonError},
};

use ccol_atomics::sync::atomic::{AtomicU8, AtomicUsize, Ordering};

/// The canary of a live [`Payload`].
pub const LIVE: u64 = 0x5AC4_11FE_C0DE_0001;
/// What a [`Payload`]'s `Drop` writes over its canary.
pub const DEAD: u64 = 0xDEAD_DEAD_DEAD_DEAD;

/// The alignment of [`Payload`]: an allocation with exactly this alignment is a node holding
/// a payload (nothing else in the tests, the harness or the crates asks for it; cache-padded
/// types ask for at most 256), which is how [`CountingAlloc`] tells nodes from the rest.
pub const MARK_ALIGN: usize = 512;

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

/// Iteration counts: `normal` natively, `miri` under Miri.
pub const fn scaled(normal: usize, miri: usize) -> usize {
    if cfg!(miri) { miri } else { normal }
}

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
    /// Drops that found a canary other than [`LIVE`] (a second drop, or a drop of freed memory).
    bad_drops: AtomicUsize,
}

impl Tracker {
    /// A tracker for at most `capacity` payloads.
    pub fn new(capacity: usize) -> Self {
        Self {
            created: AtomicUsize::new(0),
            dropped: AtomicUsize::new(0),
            per_id: (0..capacity).map(|_| AtomicU8::new(0)).collect(),
            bad_drops: AtomicUsize::new(0),
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
/// so that a value read out of freed or already-moved-from memory fails [`check`](Self::check).
/// Aligned to [`MARK_ALIGN`] so that [`CountingAlloc`] recognizes the nodes that hold one.
#[derive(Debug)]
#[repr(align(512))]
pub struct Payload<'t> {
    id: u64,
    canary: u64,
    tracker: &'t Tracker,
}

const _: () = assert!(align_of::<Payload<'static>>() == MARK_ALIGN);

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
        // SAFETY: `self.canary` is a valid, aligned field we have exclusive access to; the
        // volatile write is kept although the memory may be freed right after.
        unsafe { ptr::write_volatile(&raw mut self.canary, DEAD) };
        self.tracker.record_drop(self.id, canary);
    }
}

/// The system allocator, counting allocations of alignment [`MARK_ALIGN`] (nodes holding a
/// [`Payload`]): process-wide, and per thread for tests that run beside others.
#[derive(Debug)]
pub struct CountingAlloc;

#[global_allocator]
static ALLOCATOR: CountingAlloc = CountingAlloc;

/// Marked allocations made and freed, process-wide.
static MARKED_ALLOCS: AtomicUsize = AtomicUsize::new(0);
static MARKED_FREES: AtomicUsize = AtomicUsize::new(0);

std::thread_local! {
    /// Marked allocations minus marked frees made by this thread. `const` and without a
    /// destructor, so the allocator can touch it without allocating or recursing.
    static THREAD_MARKED: Cell<isize> = const { Cell::new(0) };
}

fn thread_marked_add(delta: isize) {
    // During thread teardown the slot may be gone; those frees are not measured.
    let _ = THREAD_MARKED.try_with(|c| c.set(c.get() + delta));
}

// SAFETY: every call is forwarded unchanged to `System`, which upholds `GlobalAlloc`'s
// contract; the counting touches only atomics and a const thread-local (no allocation).
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: forwarded with the caller's guarantees (non-zero size).
        let p = unsafe { System.alloc(layout) };
        if layout.align() == MARK_ALIGN && !p.is_null() {
            // Relaxed: a counter read after joins (see `marked_live`).
            MARKED_ALLOCS.fetch_add(1, Ordering::Relaxed);
            thread_marked_add(1);
        }
        p
    }

    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        if layout.align() == MARK_ALIGN {
            // Relaxed: as in `alloc`.
            MARKED_FREES.fetch_add(1, Ordering::Relaxed);
            thread_marked_add(-1);
        }
        // SAFETY: forwarded with the caller's guarantees (`p` came from this allocator,
        // hence from `System`, with `layout`).
        unsafe { System.dealloc(p, layout) }
    }
}

/// Marked (payload node) allocations currently live in the process. Exact only while no
/// other test of the binary allocates payload nodes: hold [`serial`] around its use.
pub fn marked_live() -> usize {
    // Relaxed: read after the threads that allocated have been joined.
    let frees = MARKED_FREES.load(Ordering::Relaxed);
    // Relaxed: as above.
    MARKED_ALLOCS.load(Ordering::Relaxed) - frees
}

/// Marked allocations minus marked frees made by the calling thread so far.
pub fn thread_marked() -> isize {
    THREAD_MARKED.with(Cell::get)
}

/// Serializes the tests of one binary that read [`marked_live`] (a failed test's poisoning is
/// ignored: the next test starts from its own baseline).
pub fn serial() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Asserts that the sorted ids in `got` are exactly `0..n`, naming the first missing or
/// duplicated id.
#[track_caller]
pub fn assert_exactly_once(mut got: Vec<u64>, n: u64) {
    got.sort_unstable();
    if let Some(pair) = got.windows(2).find(|pair| pair[0] == pair[1]) {
        panic!("value {} popped twice", pair[0]);
    }
    if let Some(missing) = (0..n).zip(got.iter().copied()).find(|(w, g)| w != g) {
        panic!(
            "value {} lost or unexpected value {} seen ({} values, {n} pushed)",
            missing.0,
            missing.1,
            got.len()
        );
    }
    assert_eq!(
        got.len() as u64,
        n,
        "values lost ({} of {n} popped)",
        got.len()
    );
}
