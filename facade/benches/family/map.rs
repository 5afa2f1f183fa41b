//! Ordered maps against their peers: group `map` (DESIGN.md §4). There is no hardware ceiling
//! for an ordered map, so each timed workload takes its ratios from `scc-treeindex`, the only
//! peer that scales on this machine (`reference/PEERS.md`, observation 4): the map to beat.
//!
//! Every workload is measured as PEERS.md measured its peers, so its numbers can be read next
//! to ours: `u64 → u64` maps, uniform random keys from a per-thread xorshift64* generator,
//! each map prefilled with half its key range (a random half, inserted in random order).
//!
//! - `read90-1k`, `update50-1k`, `read90-1m`, `update50-1m` (timed, threads 1, 2, 4, 8): each
//!   operation draws one random word; its high bits pick the key in `[0, range)` and its low
//!   bits the operation: `read90` is 90% get, 5% insert, 5% remove; `update50` is 50/25/25.
//!   A get reads the value it finds. Inserts and removes balance, so the map stays about half
//!   full: about half the gets hit, and a worker panics after its timed loop if the share of
//!   hits strays far from that (a broken adapter, not a slow one).
//! - `scan100-1k`, `scan100-1m` (timed): each operation counts the entries of the key range
//!   `[k, k + 100)` for a random `k` (one operation per scan, ~50 entries visited); a worker
//!   panics if the mean count strays far from half the width.
//! - `memory` (one-shot, 1 thread, `family/map_memory.rs`): 1,000,000 distinct pseudo-random
//!   keys inserted by one thread into a fresh map; the JSON field `bytes_per_entry` is the glibc
//!   footprint per entry after deferred reclamation was flushed, measured by a counting global
//!   allocator; `mops` is the insert rate.
//!
//! Key ranges: `-1k` is 2^10 keys, with a fresh map per repetition; `-1m` is 2^20 keys, with one
//! map per `(implementation, workload)` built on first use and reused across thread counts and
//! repetitions (prefilling 2^19 keys takes up to a second per map), then dropped when the next
//! `-1m` workload starts ([`large_map`]). `--quick` keeps both ranges and the full `memory`
//! run; `--smoke` (CI) and test runs scale the `-1m` range to 1/100 (10,485 keys) and `memory`
//! to 10,000 keys, so that they only prove every benchmark runs.
//!
//! `insert` is insert-or-replace for every implementation (PEERS.md used insert-if-absent,
//! `get_or_insert_with`, for crossbeam): every implementation has it as its plain insert
//! (`SkipMap::insert`, `TreeIndex::upsert_sync`, `BTreeMap::insert`, ours `insert`), it is
//! the semantics our `SkipListMap::insert` has, and one semantics for all keeps the rows
//! comparable. On a half-full map about half the inserts replace a present entry, which costs
//! the lock-free maps a new node and a retirement where insert-if-absent would only have read,
//! so the `update50-*` rows (and to a lesser degree `read90-*`) are not directly comparable
//! with PEERS.md's.
//!
//! Implementations (DESIGN.md §4 names):
//!
//! - ours: `ccol-skiplist-ibr`, `ccol-skiplist-debra`: `ccol::ordered::SkipListMap<u64, u64,
//!   Natural, R>`, each map with its own reclamation domain, through the std forms (every call
//!   pins a thread-local participant and answers an `Entry` holding the pin; a scan yields an
//!   `Entry` per step); and `ccol-skiplist-ibr-pinned` (extending DESIGN.md's names, like the
//!   stack's `-handle` row): the same map through `map.pin()` per operation, whose
//!   `PinnedMap` answers plain references and scans under the one pin;
//! - peers, as in PEERS.md: `crossbeam-skipmap` (`crossbeam_skiplist::SkipMap`, the default
//!   crossbeam-epoch collector; `get` and every range step bump a reference count),
//!   `scc-treeindex` (`scc::TreeIndex`: `peek_with`, `upsert_sync`, `remove_sync`, `range`
//!   under an `scc::Guard`; a scan that would start below the smallest key starts unbounded
//!   instead, the same query, since scc 3.8.8 walks the whole tree for it: ~30 s at 2^19
//!   entries), `mutex-btreemap` (`Mutex<BTreeMap>`) and `rwlock-btreemap` (`RwLock<BTreeMap>`,
//!   read-locked for get and scan).
//!
//! Each implementation is one type implementing [`BenchMap`] (in `family/map_impls.rs`); the
//! drivers ([`drive`], [`map_memory::run`](crate::map_memory::run)) are shared, so every
//! implementation does the same work around its operations.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::any::Any;
use core::hint::black_box;
use core::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

#[cfg(any(feature = "ibr", feature = "debra"))]
use crate::map_impls::ours;
use crate::map_impls::{CrossbeamSkip, MutexTree, RwLockTree, SccTree};
use crate::map_memory;
use crate::registry::{Bench, Ctx, Measured, Registry, Role};

/// Keys of the `-1k` workloads.
const SMALL_RANGE: u64 = 1 << 10;

/// Keys of the `-1m` workloads in full and quick runs (`Options::work` scales it in smoke runs).
const LARGE_RANGE: u64 = 1 << 20;

/// Width of a `scan100` key range.
const SCAN_WIDTH: u64 = 100;

/// Operations a worker must have done before its hit-share check means anything.
const CHECK_MIN_OPS: u64 = 2000;

/// One ordered `u64 → u64` map as the workloads use it.
pub(crate) trait BenchMap: Send + Sync + 'static {
    /// An empty map.
    fn new() -> Self;
    /// The value stored under `key`, read from the map.
    fn get(&self, key: u64) -> Option<u64>;
    /// Inserts `key → value`, replacing the value of a present key.
    fn insert(&self, key: u64, value: u64);
    /// Removes `key`; whether it was present.
    fn remove(&self, key: u64) -> bool;
    /// The number of entries with keys in `lo..hi`, by visiting them in order.
    fn count_range(&self, lo: u64, hi: u64) -> u64;
    /// One attempt to free what deferred reclamation still holds for this map (the `memory`
    /// workload calls it until the footprint stops changing). Nothing to do by default.
    fn flush(&self) {}
}

/// The operation mix of a timed workload.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mix {
    /// 90% get, 5% insert, 5% remove.
    Read90,
    /// 50% get, 25% insert, 25% remove.
    Update50,
    /// Count a random 100-key range.
    Scan100,
}

impl Mix {
    const ALL: [Mix; 3] = [Mix::Read90, Mix::Update50, Mix::Scan100];

    /// The JSON workload name at the small or large key range.
    fn workload(self, large: bool) -> &'static str {
        match (self, large) {
            (Mix::Read90, false) => "read90-1k",
            (Mix::Update50, false) => "update50-1k",
            (Mix::Scan100, false) => "scan100-1k",
            (Mix::Read90, true) => "read90-1m",
            (Mix::Update50, true) => "update50-1m",
            (Mix::Scan100, true) => "scan100-1m",
        }
    }

    /// Percentages below which a draw in `0..100` is a get, then an insert (the rest remove).
    fn thresholds(self) -> (u64, u64) {
        match self {
            Mix::Read90 => (90, 95),
            Mix::Update50 => (50, 75),
            Mix::Scan100 => (0, 0),
        }
    }
}

/// Registers every workload for ours and the peers.
pub(crate) fn register(reg: &mut Registry) {
    #[cfg(feature = "ibr")]
    {
        add_all::<ours::Entries<ccol::reclaim::Ibr>>(reg, "ccol-skiplist-ibr", Role::Ours, None);
        add_all::<ours::Pinned<ccol::reclaim::Ibr>>(
            reg,
            "ccol-skiplist-ibr-pinned",
            Role::Ours,
            Some("map.pin() per operation: plain references, one pin per scan"),
        );
    }
    #[cfg(not(feature = "ibr"))]
    for name in ["ccol-skiplist-ibr", "ccol-skiplist-ibr-pinned"] {
        missing(reg, name, "ibr");
    }
    #[cfg(feature = "debra")]
    add_all::<ours::Entries<ccol::reclaim::Debra>>(reg, "ccol-skiplist-debra", Role::Ours, None);
    #[cfg(not(feature = "debra"))]
    missing(reg, "ccol-skiplist-debra", "debra");

    add_all::<SccTree>(
        reg,
        "scc-treeindex",
        Role::Peer,
        Some("lock-free B+ tree; insert is upsert_sync (remove + insert)"),
    );
    add_all::<CrossbeamSkip>(
        reg,
        "crossbeam-skipmap",
        Role::Peer,
        Some("crossbeam-epoch's default collector; reads bump per-node reference counts"),
    );
    add_all::<MutexTree>(
        reg,
        "mutex-btreemap",
        Role::Peer,
        Some("lock-based (std futex mutex)"),
    );
    add_all::<RwLockTree>(
        reg,
        "rwlock-btreemap",
        Role::Peer,
        Some("lock-based (std RwLock; get and scan take the read lock)"),
    );
}

/// Adds the six timed workloads and `memory` for implementation `M`.
fn add_all<M: BenchMap>(reg: &mut Registry, name: &'static str, role: Role, note: Option<&str>) {
    let with_note = |bench: Bench| match note {
        Some(note) => bench.note(note),
        None => bench,
    };
    let reference = |bench: Bench| {
        if name == "scc-treeindex" {
            bench.ratio_reference()
        } else {
            bench
        }
    };
    for large in [false, true] {
        for mix in Mix::ALL {
            reg.add(reference(with_note(timed::<M>(name, role, mix, large))));
        }
    }
    let memory = Bench::one_shot(
        "map",
        name,
        "memory",
        role,
        1,
        map_memory::KEYS,
        map_memory::run::<M>,
    );
    let memory = match map_memory::unavailable() {
        Some(why) => memory.unavailable(why),
        None => with_note(memory),
    };
    reg.add(memory);
}

/// The rows ours would add, listed as n/a because the scheme's `feature` is off (their
/// implementation comes from a peer only because a row needs one; they are never run).
#[cfg(not(all(feature = "ibr", feature = "debra")))]
fn missing(reg: &mut Registry, name: &'static str, feature: &str) {
    let why = format!("built without the facade's `{feature}` feature");
    for large in [false, true] {
        for mix in Mix::ALL {
            reg.add(timed::<MutexTree>(name, Role::Ours, mix, large).unavailable(&why));
        }
    }
    let memory = Bench::one_shot("map", name, "memory", Role::Ours, 1, 1, |_| {
        unreachable!("an unavailable benchmark never runs")
    });
    reg.add(memory.unavailable(why));
}

/// One timed benchmark: a fresh prefilled map per repetition (`-1k`) or the shared one
/// (`-1m`), and [`drive`] on every thread.
fn timed<M: BenchMap>(name: &'static str, role: Role, mix: Mix, large: bool) -> Bench {
    let workload = mix.workload(large);
    if large {
        Bench::scaled("map", name, workload, role, LARGE_RANGE, move |_, range| {
            let map = large_map::<M>(workload, name, range);
            let seed = next_seed();
            move |ctx: &Ctx<'_>| drive(&*map, mix, range, seed, ctx)
        })
    } else {
        Bench::new("map", name, workload, role, move |_| {
            let seed = next_seed();
            let map = Arc::new(prefilled::<M>(SMALL_RANGE, seed));
            move |ctx: &Ctx<'_>| drive(&*map, mix, SMALL_RANGE, seed, ctx)
        })
    }
}

/// The timed loop every implementation shares (module docs); checks the hit share afterwards.
#[inline(always)]
fn drive<M: BenchMap>(map: &M, mix: Mix, range: u64, seed: u64, ctx: &Ctx<'_>) -> Measured {
    let mut rng = XorShift64Star::new(scramble(seed.wrapping_add(1 + ctx.index as u64)));
    // Per-thread register counts for the plausibility check: (lookups, found).
    let (mut asked, mut found): (u64, u64) = (0, 0);
    let measured = if mix == Mix::Scan100 {
        ctx.measure(|| {
            let lo = below(rng.next(), range);
            asked += SCAN_WIDTH;
            found += black_box(map.count_range(lo, lo + SCAN_WIDTH));
            1
        })
    } else {
        let (gets, inserts) = mix.thresholds();
        ctx.measure(|| {
            let r = rng.next();
            // High bits pick the key, low bits the operation.
            let key = below(r, range);
            let pick = ((r & 0xFFFF_FFFF) * 100) >> 32;
            if pick < gets {
                asked += 1;
                let value = map.get(key);
                found += u64::from(black_box(value).is_some());
            } else if pick < inserts {
                map.insert(key, r);
            } else {
                black_box(map.remove(key));
            }
            1
        })
    };
    // About half of every key range is present (module docs); a scan near the top of the range
    // sees fewer keys, which the wide margin absorbs.
    if asked >= CHECK_MIN_OPS {
        // Precision: counts far below 2^53.
        let share = found as f64 / asked as f64;
        assert!(
            (0.2..=0.8).contains(&share),
            "{:?}: {found} of {asked} looked-up keys present; the map should be about half full",
            mix
        );
    }
    measured
}

/// A map holding a random half of `0..range`, inserted in random order; checked by a scan.
fn prefilled<M: BenchMap>(range: u64, seed: u64) -> M {
    let map = M::new();
    let mut keys: Vec<u64> = (0..range).collect();
    let mut rng = XorShift64Star::new(scramble(seed));
    // Fisher–Yates: a uniformly random permutation, of which the first half goes in.
    for i in (1..keys.len()).rev() {
        // Truncation: `i < keys.len()`, so the index fits.
        let j = below(rng.next(), i as u64 + 1) as usize;
        keys.swap(i, j);
    }
    let half = keys.len() / 2;
    for &key in &keys[..half] {
        map.insert(key, key);
    }
    // Precision: `half` fits u64.
    assert_eq!(
        map.count_range(0, range),
        half as u64,
        "a prefilled map holds every key inserted into it, once"
    );
    map
}

/// The `-1m` maps of the workload now running, by implementation name.
struct LargeMaps {
    workload: &'static str,
    range: u64,
    maps: Vec<(&'static str, Arc<dyn Any + Send + Sync>)>,
}

/// At most one workload's `-1m` maps at a time (a few hundred MB for all implementations).
static LARGE: Mutex<Option<LargeMaps>> = Mutex::new(None);

/// The `-1m` map of `(workload, name)`: built and prefilled on first use, then shared by every
/// thread count and repetition. The harness runs one workload's points together (all thread
/// counts, repetitions interleaved across implementations), so a request for another workload
/// drops the previous workload's maps first.
fn large_map<M: BenchMap>(workload: &'static str, name: &'static str, range: u64) -> Arc<M> {
    let mut slot = LARGE
        .lock()
        .expect("no map build panics while holding the lock");
    if slot
        .as_ref()
        .is_some_and(|l| (l.workload, l.range) != (workload, range))
    {
        *slot = None;
    }
    let large = slot.get_or_insert_with(|| LargeMaps {
        workload,
        range,
        maps: Vec::new(),
    });
    if let Some((_, map)) = large.maps.iter().find(|(n, _)| *n == name) {
        return Arc::clone(map)
            .downcast::<M>()
            .expect("one map type per implementation name");
    }
    let map = Arc::new(prefilled::<M>(range, next_seed()));
    large
        .maps
        .push((name, Arc::clone(&map) as Arc<dyn Any + Send + Sync>));
    map
}

/// Drops the `-1m` maps still held (before the `memory` workload, so their frees cannot mix
/// with its counts).
pub(crate) fn release_large_maps() {
    *LARGE
        .lock()
        .expect("no map build panics while holding the lock") = None;
}

/// A fresh seed per setup, so repetitions on a shared `-1m` map do not replay one key sequence.
fn next_seed() -> u64 {
    static SEEDS: AtomicU64 = AtomicU64::new(0);
    // Relaxed: only distinctness matters; setups run on the harness thread.
    scramble(SEEDS.fetch_add(1, Ordering::Relaxed))
}

/// Marsaglia's xorshift64* (Vigna's multiplier): one shift-xor round and a multiply per draw.
#[derive(Debug)]
struct XorShift64Star(u64);

impl XorShift64Star {
    fn new(seed: u64) -> Self {
        // The all-zero state is the generator's one fixed point.
        XorShift64Star(seed | 1)
    }

    #[inline(always)]
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

/// A uniform value in `0..bound` from the high bits of `r` (Lemire's multiply-shift).
#[inline(always)]
fn below(r: u64, bound: u64) -> u64 {
    // Truncation intended: the high 64 bits of the 128-bit product.
    ((u128::from(r) * u128::from(bound)) >> 64) as u64
}

/// SplitMix64's output function: a bijection of `u64` that scatters consecutive inputs (seeds,
/// and the `memory` workload's distinct keys).
pub(crate) fn scramble(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}
