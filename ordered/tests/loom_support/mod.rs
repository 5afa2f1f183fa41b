//! Scaffolding of the loom models in `tests/loom.rs` (conventions in its module docs): the
//! checked key and its comparator, the payload whose id loom checks for publication and whose
//! drops are counted, the start gate, and the model world (set-up with chosen heights, the
//! threads' operations, and the final checks).

use core::cell::Cell;
use core::cmp::Ordering as Cmp;
use core::ptr;

use ccol_atomics::sync::{
    Arc,
    atomic::{AtomicUsize, Ordering},
    cell::UnsafeCell,
};
use ccol_ordered::{Comparator, CompareBorrowed, SkipListMap};
use ccol_reclaim::{Handle, Reclaim};
use loom::thread::JoinHandle;

/// The marker of a live key.
const LIVE: u64 = 0x5EED_11FE_5EED_11FE;
/// What a key's destructor leaves behind.
const DEAD: u64 = 0xDEAD_DEAD_DEAD_DEAD;
/// The id a payload's destructor leaves behind.
const FREED: u64 = u64::MAX;
/// The largest key a model uses (besides the filler).
const MAX_KEY: u64 = 4;
/// The filler key [`World::new`] inserts and removes to spend a height draw.
const FILLER: u64 = 99;

/// A key: its id, and a marker two words further on (past the allocator's free-list words at
/// the start of a freed block, so a freed node's marker reads [`DEAD`] until reused).
#[repr(C)]
pub(crate) struct Key {
    id: u64,
    _pad: [u64; 2],
    live: u64,
}

impl Key {
    fn new(id: u64) -> Self {
        Self {
            id,
            _pad: [0; 2],
            live: LIVE,
        }
    }

    /// The id; fails if the key was dropped (its node freed).
    pub(crate) fn id(&self) -> u64 {
        // SAFETY: `self` is a valid reference, unless the map compared a freed node: the
        // failure this read exists to catch (volatile, so the check is not folded away).
        let live = unsafe { ptr::read_volatile(&self.live) };
        assert_eq!(
            live, LIVE,
            "use after free: a freed node's key was compared"
        );
        self.id
    }
}

impl Drop for Key {
    fn drop(&mut self) {
        // SAFETY: as in `id`: a second drop (a node freed twice) reads `DEAD` here, before
        // the payload's destructor touches the freed payload.
        let live = unsafe { ptr::read_volatile(&self.live) };
        assert_eq!(live, LIVE, "key dropped twice (a node retired twice)");
        // SAFETY: `&mut self` is valid; volatile, so the store survives the free that follows.
        unsafe { ptr::write_volatile(&mut self.live, DEAD) };
    }
}

std::thread_local! {
    /// Comparisons made on this OS thread (loom runs a model's threads on one).
    pub(crate) static COMPARISONS: Cell<usize> = const { Cell::new(0) };
}

/// The order of [`Key`]s by id, checking the marker and counting comparisons.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct ById;

impl Comparator<Key> for ById {
    fn compare(&self, a: &Key, b: &Key) -> Cmp {
        self.compare_borrowed(a, &b.id())
    }
}

impl CompareBorrowed<Key, u64> for ById {
    fn compare_borrowed(&self, key: &Key, probe: &u64) -> Cmp {
        COMPARISONS.with(|n| n.set(n.get() + 1));
        key.id().cmp(probe)
    }
}

impl CompareBorrowed<Key, Key> for ById {
    fn compare_borrowed(&self, key: &Key, probe: &Key) -> Cmp {
        self.compare(key, probe)
    }
}

/// A value: an id the destructor overwrites, and the model's drop counter.
pub(crate) struct Payload {
    id: UnsafeCell<u64>,
    /// Drops of every payload of the model (a loom `Arc`: leak-checked).
    drops: Arc<AtomicUsize>,
}

// SAFETY: `id` is written only at creation and by the destructor, which runs once nobody can
// reach the payload (the property under test, checked by loom); readers only read it.
unsafe impl Sync for Payload {}

impl Payload {
    /// Reads the id (a loom-checked read of the inserter's write); fails on a dropped payload.
    pub(crate) fn id(&self) -> u64 {
        // SAFETY: the only writes are the creation and the destructor; loom reports either
        // one if it is not ordered before this read.
        let id = self.id.with(|id| unsafe { *id });
        assert_ne!(id, FREED, "a dropped payload was read");
        id
    }
}

impl Drop for Payload {
    fn drop(&mut self) {
        // SAFETY: `&mut self`; loom checks that every earlier access happens before this one.
        self.id.with_mut(|id| unsafe {
            assert_ne!(*id, FREED, "payload dropped twice (a node retired twice)");
            *id = FREED;
        });
        // Relaxed: read only after every thread that drops payloads has been joined.
        self.drops.fetch_add(1, Ordering::Relaxed);
    }
}

/// The start line of a model (module docs).
pub(crate) struct Gate(AtomicUsize);

impl Gate {
    pub(crate) fn cross(&self) {
        // Relaxed: only a scheduling point for loom; it orders nothing.
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

pub(crate) type Map<R> = SkipListMap<Key, Payload, ById, R>;

/// A node's height in a model: under `ccol_loom` a map's draws alternate 1, 2, 1, 2, ...
/// (`src/skiplist/height.rs`), and [`World::new`] spends draws on a filler key to give each
/// node the height its model asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum H {
    /// Height 1.
    Short,
    /// Height 2.
    Tall,
}

/// The height of a map's `draw`-th node (from 1; module docs).
const fn height_of_draw(draw: usize) -> H {
    if draw % 2 == 1 { H::Short } else { H::Tall }
}

/// A model's map, counters and gate, shared by its threads.
pub(crate) struct World<R: Reclaim> {
    pub(crate) map: Arc<Map<R>>,
    drops: Arc<AtomicUsize>,
    /// Payloads made so far by every thread (read after the joins).
    created: Arc<AtomicUsize>,
    pub(crate) gate: Arc<Gate>,
}

impl<R: Reclaim> World<R> {
    /// A map holding `initial` (key `k` with payload `k`, of the given height, inserted in
    /// order), whose next node (the first a thread makes) will have height `next`; the
    /// filler's garbage is freed before it returns.
    pub(crate) fn new(initial: &[(u64, H)], next: H) -> Self {
        let world = Self {
            map: Arc::new(SkipListMap::with_comparator(ById)),
            drops: Arc::new(AtomicUsize::new(0)),
            created: Arc::new(AtomicUsize::new(0)),
            gate: Arc::new(Gate(AtomicUsize::new(0))),
        };
        {
            let handle = world.map.register().expect("the map's domain grows");
            let mut draws = 0;
            let mut draw_next = |height: H| {
                if height_of_draw(draws + 1) != height {
                    assert_eq!(world.insert(&handle, FILLER, FILLER), None);
                    assert_eq!(world.remove(&handle, FILLER), Some(FILLER));
                    draws += 1;
                }
                draws += 1;
            };
            for &(k, height) in initial {
                draw_next(height);
                assert_eq!(world.insert(&handle, k, k), None);
            }
            // The filler, if any, spends the draw before the thread's.
            draw_next(next);
            handle.flush();
        }
        world
    }

    fn payload(&self, id: u64) -> Payload {
        // Relaxed: read after the joins.
        self.created.fetch_add(1, Ordering::Relaxed);
        Payload {
            id: UnsafeCell::new(id),
            drops: Arc::clone(&self.drops),
        }
    }

    fn share(&self) -> Self {
        Self {
            map: Arc::clone(&self.map),
            drops: Arc::clone(&self.drops),
            created: Arc::clone(&self.created),
            gate: Arc::clone(&self.gate),
        }
    }

    /// Spawns a thread that registers, crosses the gate and runs `body`.
    pub(crate) fn spawn<T: Send + 'static>(
        &self,
        body: impl FnOnce(&Self, &Handle<'_, R>) -> T + Send + 'static,
    ) -> JoinHandle<T>
    where
        R: 'static,
    {
        let view = self.share();
        loom::thread::spawn(move || {
            let handle = view.map.register().expect("the map's domain grows");
            view.gate.cross();
            body(&view, &handle)
        })
    }

    /// Inserts `key → payload id`; the replaced entry's payload id.
    pub(crate) fn insert(&self, handle: &Handle<'_, R>, key: u64, id: u64) -> Option<u64> {
        let pin = self.map.pinned(handle.pin());
        let old = pin.insert(Key::new(key), self.payload(id));
        old.map(|(k, v)| {
            assert_eq!(k.id(), key, "the replaced entry has another key");
            v.id()
        })
    }

    /// Removes `key`; the removed entry's payload id.
    pub(crate) fn remove(&self, handle: &Handle<'_, R>, key: u64) -> Option<u64> {
        let pin = self.map.pinned(handle.pin());
        pin.remove(&key).map(|(k, v)| {
            assert_eq!(k.id(), key, "the removed entry has another key");
            v.id()
        })
    }

    /// `pop_first` (`last == false`) or `pop_last`: the key and payload id.
    pub(crate) fn pop(&self, handle: &Handle<'_, R>, last: bool) -> Option<(u64, u64)> {
        let pin = self.map.pinned(handle.pin());
        let popped = if last {
            pin.pop_last()
        } else {
            pin.pop_first()
        };
        popped.map(|(k, v)| (k.id(), v.id()))
    }

    /// After the joins (every other handle released): frees every retired node and checks
    /// the drop count, checks the structure (comparing neighbours' keys at every level, so a
    /// freed node still linked next to another fails), looks every key up, iterates, inserts
    /// and removes a key past all others, checks the structure again and drops the map (module
    /// docs). `expected` is the final map (key, payload id), ascending.
    #[track_caller]
    pub(crate) fn finish(self, expected: &[(u64, u64)]) {
        let mut map =
            Arc::try_unwrap(self.map).unwrap_or_else(|_| panic!("the threads are joined"));
        map.register().expect("the map's domain grows").flush();
        // Relaxed, both: every thread that made or dropped payloads is joined.
        let created = self.created.load(Ordering::Relaxed);
        assert_eq!(
            self.drops.load(Ordering::Relaxed),
            created - expected.len(),
            "after a flush with no guard active, every entry that left the map is dropped"
        );
        assert_eq!(map.check_structure(), Ok(expected.len()));
        let world = Self {
            map: Arc::new(map),
            ..self
        };
        {
            let handle = world.map.register().expect("the map's domain grows");
            let pin = world.map.pinned(handle.pin());
            for key in (0..=MAX_KEY + 1).chain([FILLER]) {
                let want = expected.iter().find(|(k, _)| *k == key).map(|(_, id)| *id);
                assert_eq!(pin.get(&key).map(Payload::id), want, "get({key})");
            }
            let seen: Vec<(u64, u64)> = pin.iter().map(|(k, v)| (k.id(), v.id())).collect();
            assert_eq!(seen, expected, "iteration");
            drop(pin);
            // A search that passes every node at every level, unlinking marked ones: one left
            // that no traversal can unlink would make it retry forever.
            assert_eq!(world.insert(&handle, MAX_KEY + 1, MAX_KEY + 1), None);
            assert_eq!(world.remove(&handle, MAX_KEY + 1), Some(MAX_KEY + 1));
        }
        let mut map = Arc::try_unwrap(world.map).unwrap_or_else(|_| panic!("no other owner"));
        assert_eq!(map.check_structure(), Ok(expected.len()));
        drop(map);
        // Relaxed: as above.
        let created = world.created.load(Ordering::Relaxed);
        assert_eq!(
            world.drops.load(Ordering::Relaxed),
            created,
            "payloads leaked"
        );
    }
}

impl<R: Reclaim + 'static> World<R> {
    /// Runs the main thread's part of a model on a handle registered first (before the
    /// threads `body` spawns, so registrations never race a growth of the registry); the
    /// handle is released when `body` returns.
    pub(crate) fn main<T>(&self, body: impl FnOnce(&Self, &Handle<'_, R>) -> T) -> T {
        let handle = self.map.register().expect("the map's domain grows");
        body(self, &handle)
    }
}

std::thread_local! {
    /// Executions of the model being checked.
    static EXECUTIONS: Cell<usize> = const { Cell::new(0) };
}

/// Checks `model` with loom's defaults (the preemption bound from `LOOM_MAX_PREEMPTIONS`)
/// but more branches than its default 1000 per execution: the set-up, the scans and epoch
/// advances at ccol-reclaim's loom thresholds and the final checks are single threaded, but
/// each atomic access is a branch. A retry loop that only another thread's progress can end
/// still exceeds this bound ("Model exceeded maximum number of branches"): with the
/// preemptions spent, loom never runs the other thread again. Prints the executions explored.
pub(crate) fn check(model: impl Fn() + Sync + Send + 'static) {
    let mut builder = loom::model::Builder::new();
    builder.max_branches = 10_000;
    EXECUTIONS.with(|n| n.set(0));
    builder.check(move || {
        EXECUTIONS.with(|n| n.set(n.get() + 1));
        model();
    });
    println!("{} executions", EXECUTIONS.with(Cell::get));
}
