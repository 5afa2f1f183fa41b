//! Thread-local participants (std): one per (thread, domain), found on a fast path, released
//! at thread exit with their garbage handed over.
//!
//! Each thread keeps a small table of `(domain uid, slot)` pairs plus a one-entry cache of
//! the last domain used, so `domain.pin()` costs one thread-local access and one compare on
//! the fast path. Domains are identified by a process-unique `uid` assigned on first
//! thread-local use, not by address: a domain may move (it lives inside its structure), and a
//! dropped domain's address may be reused.
//!
//! At thread exit the table's destructor releases every participant whose domain is still
//! alive. "Alive" is decided under one process-wide lock ([`LIVE`]) that a domain's `Drop`
//! also takes (to remove its uid) before freeing its registry, so a release never touches a
//! freed registry. The lock is taken only when a thread first uses a domain, at thread exit,
//! and when a domain that had thread-local participants is dropped.

use alloc::{collections::BTreeSet, vec::Vec};
use core::cell::{Cell, RefCell};
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::{
    domain::{Core, Domain, RegistryFull, release_at_exit},
    reclaim::Reclaim,
    registry::{Segment, Slot},
    sync::atomic::Ordering,
};

/// Uids of the domains that are alive and have had thread-local participants.
struct Live {
    next_uid: u64,
    uids: BTreeSet<u64>,
}

static LIVE: Mutex<Live> = Mutex::new(Live {
    next_uid: 1,
    uids: BTreeSet::new(),
});

/// Locks [`LIVE`]; a panic while it was held cannot leave it inconsistent (every critical
/// section is a single insert, remove or lookup), so poisoning is ignored.
fn live() -> MutexGuard<'static, Live> {
    LIVE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// One thread-local participant.
struct Participant {
    uid: u64,
    slot: *const Slot,
    /// The registry's first segment (reachable without the domain, which may have moved).
    first: *const Segment,
    /// Releases the slot with the scheme's rules.
    // SAFETY: (of calls through it) `release_at_exit`'s contract: the caller owns the slot,
    // whose registry is alive and starts with `first`.
    release: unsafe fn(&Slot, Option<&Segment>),
}

/// The calling thread's participants.
struct Table {
    entries: RefCell<Vec<Participant>>,
}

impl Table {
    const fn new() -> Self {
        Self {
            entries: RefCell::new(Vec::new()),
        }
    }
}

impl Drop for Table {
    fn drop(&mut self) {
        // The cache must not outlive the participants it points to.
        let _ = CACHE.try_with(|cache| cache.set((0, core::ptr::null())));
        let live = live();
        for participant in self.entries.get_mut().drain(..) {
            if live.uids.contains(&participant.uid) {
                // The domain is alive: its uid is in LIVE, and its `Drop` must take the lock we
                // hold to remove it, so its registry's slots and segments are valid.
                // SAFETY: registry alive (above); this thread owns the slot; `release` checks
                // that no guard is active.
                unsafe {
                    (participant.release)(&*participant.slot, participant.first.as_ref());
                }
            }
        }
    }
}

// `CACHE` holds the last `(domain uid, slot)` this thread used. It has no destructor, so
// reading it is a plain thread-local access (no "already destroyed?" check); `Table`'s
// destructor clears it, so it never points to a released participant.
#[cfg(not(ccol_loom))]
std::thread_local! {
    static TABLE: Table = const { Table::new() };
    static CACHE: Cell<(u64, *const Slot)> = const { Cell::new((0, core::ptr::null())) };
}

#[cfg(ccol_loom)]
crate::sync::thread_local! {
    static TABLE: Table = Table::new();
    static CACHE: Cell<(u64, *const Slot)> = Cell::new((0, core::ptr::null()));
}

/// The fast path: this thread's participant in `domain` if it was the last domain used.
#[inline(always)]
pub(crate) fn cached<R: Reclaim>(domain: &Domain<R>) -> Option<&Slot> {
    // Relaxed: compared only with a uid this thread stored itself (see `participant`).
    let uid = domain.core.uid.load(Ordering::Relaxed);
    let (cached_uid, slot) = CACHE.try_with(Cell::get).ok()?;
    if uid != 0 && cached_uid == uid {
        // The cached slot was claimed by this thread in the domain whose uid is `uid` (uids
        // are never reused), which is `domain`; it stays this thread's until `Table`'s
        // destructor, which clears the cache first.
        // SAFETY: as above; the registry keeps the slot alive while `domain` is borrowed.
        Some(unsafe { &*slot })
    } else {
        None
    }
}

/// The calling thread's participant in `domain`, registering it on first use. The flag is
/// `true` for a temporary participant, claimed because the thread-local table is already
/// destroyed (the thread is exiting); the caller releases it.
#[inline]
pub(crate) fn participant<R: Reclaim>(domain: &Domain<R>) -> Result<(&Slot, bool), RegistryFull> {
    if let Some(slot) = cached(domain) {
        return Ok((slot, false));
    }
    let found = TABLE.try_with(|table| register(table, domain));
    match found {
        Ok(result) => result.map(|slot| (slot, false)),
        Err(_destroyed) => domain.claim().map(|slot| (slot, true)),
    }
}

/// Slow path: finds or creates this thread's participant in `domain`.
#[cold]
fn register<'d, R: Reclaim>(
    table: &Table,
    domain: &'d Domain<R>,
) -> Result<&'d Slot, RegistryFull> {
    let uid = uid(&domain.core);
    let mut entries = table.entries.borrow_mut();
    let slot = match entries.iter().find(|participant| participant.uid == uid) {
        // SAFETY: as in `cached` (claimed by this thread in `domain`, same uid).
        Some(participant) => unsafe { &*participant.slot },
        None => {
            let slot = domain.claim()?;
            if entries.len() >= 16 {
                let live = live();
                entries.retain(|participant| live.uids.contains(&participant.uid));
            }
            entries.push(Participant {
                uid,
                slot,
                first: domain
                    .core
                    .registry
                    .first_segment()
                    .map_or(core::ptr::null(), core::ptr::from_ref),
                release: release_at_exit::<R>,
            });
            slot
        }
    };
    let _ = CACHE.try_with(|cache| cache.set((uid, core::ptr::from_ref(slot))));
    Ok(slot)
}

/// The domain's uid, assigning one (and marking the domain alive) on first use.
fn uid(core: &Core) -> u64 {
    // Relaxed: uids are assigned under the LIVE lock, which orders them.
    let uid = core.uid.load(Ordering::Relaxed);
    if uid != 0 {
        return uid;
    }
    let mut live = live();
    // Relaxed: re-checked under the lock, which every assignment holds.
    let uid = core.uid.load(Ordering::Relaxed);
    if uid != 0 {
        return uid;
    }
    let uid = live.next_uid;
    live.next_uid += 1;
    live.uids.insert(uid);
    // Relaxed: readers compare it only with values they read themselves (see `participant`).
    core.uid.store(uid, Ordering::Relaxed);
    uid
}

/// Marks a domain dead before its registry is freed (its `Drop`).
pub(crate) fn forget_domain(core: &Core) {
    // Relaxed: `Drop` has exclusive access.
    let uid = core.uid.load(Ordering::Relaxed);
    if uid != 0 {
        live().uids.remove(&uid);
    }
}
