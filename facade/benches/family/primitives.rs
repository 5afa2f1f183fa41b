//! Tier-0 building blocks against their peers: group `primitives` (an extension of DESIGN.md
//! §4's group list for crates below the collections; it has no ceiling, so each workload's
//! ratios are taken to its most informative comparison, marked `ratio_reference`:
//! crossbeam's backoff, portable-atomic's `AtomicU128`, and the hand-written `AtomicPtr` loop).
//!
//! Every implementation of a workload does the same work per operation; only the primitive
//! under test differs:
//!
//! - `cas-counter`: one successful increment of a shared, cache-padded `u64` by a
//!   load + `compare_exchange_weak` loop. On failure: `ccol-backoff` calls
//!   `ccol_backoff::Backoff::spin`, `crossbeam-backoff` calls `crossbeam_utils::Backoff::spin`
//!   (both fresh per operation, as a retry loop uses them), `no-backoff` (baseline) issues one
//!   `spin_loop` hint. Measures what backoff buys under contention and costs without it.
//! - `dwcas-counter`: one successful update of both halves of a 16-byte word (`lo + 1`,
//!   `hi − 1`) by a load + CAS loop: `ccol-dwcas` (`ccol_atomics::AtomicDoubleWord`),
//!   `portable-atomic-u128` (`portable_atomic::AtomicU128`) and
//!   `crossbeam-atomiccell-u128` (`crossbeam_utils::atomic::AtomicCell<u128>`, which guards
//!   16-byte values with striped global locks: the lock-based contrast). A failed CAS retries
//!   at once with the value it returned.
//! - `tag-mark`: set then clear a mark bit in the low bits of a shared pointer, 2 operations:
//!   `ccol-tagged` (`AtomicTaggedPtr::fetch_or_tag` + `fetch_and_tag`) against `atomicptr-cas`
//!   (baseline; the same load + CAS loops hand-written on `AtomicPtr` with `map_addr`).

use alloc::boxed::Box;
use alloc::sync::Arc;
use core::sync::atomic::{AtomicPtr, AtomicU64, Ordering};

use ccol_arch::CachePadded;
use ccol_atomics::{AtomicDoubleWord, AtomicTaggedPtr, DoubleWord, TaggedPtr};
use crossbeam_utils::atomic::AtomicCell;
use portable_atomic::AtomicU128;

use crate::registry::{Bench, Ctx, Registry, Role};

/// Registers the three workloads.
pub(crate) fn register(reg: &mut Registry) {
    register_cas_counter(reg);
    register_dwcas_counter(reg);
    register_tag_mark(reg);
}

// ---------------------------------------------------------------------------------------------
// cas-counter

/// Increments `word` by one with a CAS loop, calling `on_failure` after every failed attempt.
#[inline(always)]
fn increment(word: &AtomicU64, mut on_failure: impl FnMut()) -> u64 {
    // Relaxed: the first guess only seeds the loop; the CAS validates it.
    let mut current = word.load(Ordering::Relaxed);
    loop {
        // AcqRel on success: a counter guarding data would publish and acquire through it.
        // Relaxed on failure: the value read is only the next guess.
        match word.compare_exchange_weak(
            current,
            current.wrapping_add(1),
            Ordering::AcqRel,
            Ordering::Relaxed,
        ) {
            Ok(_) => return 1,
            Err(actual) => {
                current = actual;
                on_failure();
            }
        }
    }
}

fn register_cas_counter(reg: &mut Registry) {
    fn counter() -> Arc<CachePadded<AtomicU64>> {
        Arc::new(CachePadded::new(AtomicU64::new(0)))
    }
    reg.add(Bench::new(
        "primitives",
        "ccol-backoff",
        "cas-counter",
        Role::Ours,
        |_| {
            let word = counter();
            move |ctx: &Ctx<'_>| {
                ctx.measure(|| {
                    let mut backoff = ccol_backoff::Backoff::new();
                    increment(&word, || backoff.spin())
                })
            }
        },
    ));
    let crossbeam = Bench::new(
        "primitives",
        "crossbeam-backoff",
        "cas-counter",
        Role::Peer,
        |_| {
            let word = counter();
            move |ctx: &Ctx<'_>| {
                ctx.measure(|| {
                    let backoff = crossbeam_utils::Backoff::new();
                    increment(&word, || backoff.spin())
                })
            }
        },
    );
    reg.add(crossbeam.ratio_reference());
    reg.add(Bench::new(
        "primitives",
        "no-backoff",
        "cas-counter",
        Role::Baseline,
        |_| {
            let word = counter();
            move |ctx: &Ctx<'_>| ctx.measure(|| increment(&word, core::hint::spin_loop))
        },
    ));
}

// ---------------------------------------------------------------------------------------------
// dwcas-counter

/// The update every `dwcas-counter` implementation applies: both halves change.
#[inline(always)]
fn step(lo: u64, hi: u64) -> (u64, u64) {
    (lo.wrapping_add(1), hi.wrapping_sub(1))
}

#[inline(always)]
fn split(v: u128) -> (u64, u64) {
    // Truncation intended: the low and high halves.
    (v as u64, (v >> 64) as u64)
}

#[inline(always)]
fn join((lo, hi): (u64, u64)) -> u128 {
    u128::from(lo) | (u128::from(hi) << 64)
}

fn register_dwcas_counter(reg: &mut Registry) {
    let ours = Bench::new(
        "primitives",
        "ccol-dwcas",
        "dwcas-counter",
        Role::Ours,
        |_| {
            let cell = Arc::new(CachePadded::new(
                AtomicDoubleWord::try_new(DoubleWord::new(0, 0))
                    .expect("checked by dwcas_is_lock_free at registration"),
            ));
            move |ctx: &Ctx<'_>| {
                ctx.measure(|| {
                    // Acquire: what a reader of a published pair needs; pairs with the AcqRel CAS.
                    let mut current = cell.load(Ordering::Acquire);
                    loop {
                        // Precision: usize is 64 bits on the targets this workload runs on.
                        let (lo, hi) = step(current.lo as u64, current.hi as u64);
                        let new = DoubleWord::new(lo as usize, hi as usize);
                        // AcqRel on success: publishes the pair and acquires the previous writer's.
                        // Relaxed on failure: the value read is only the next guess.
                        match cell.compare_exchange(
                            current,
                            new,
                            Ordering::AcqRel,
                            Ordering::Relaxed,
                        ) {
                            Ok(_) => return 1,
                            Err(actual) => current = actual,
                        }
                    }
                })
            }
        },
    );
    let ours = if !ccol_atomics::dwcas_is_lock_free() {
        ours.unavailable("this CPU has no lock-free double-width CAS")
    } else if cfg!(target_pointer_width = "64") {
        let load = if cfg!(target_arch = "x86_64") {
            "; a load is a lock cmpxchg16b (it writes the line)"
        } else {
            ""
        };
        ours.note(format!(
            "DWCAS_ALWAYS_LOCK_FREE = {}, dwcas_is_lock_free() = true{load}",
            ccol_atomics::DWCAS_ALWAYS_LOCK_FREE
        ))
    } else {
        ours.unavailable("workload defined for 64-bit words")
    };
    reg.add(ours);

    let peer = Bench::new(
        "primitives",
        "portable-atomic-u128",
        "dwcas-counter",
        Role::Peer,
        |_| {
            let cell = Arc::new(CachePadded::new(AtomicU128::new(0)));
            move |ctx: &Ctx<'_>| {
                ctx.measure(|| {
                    // Acquire: as for ccol-dwcas above.
                    let mut current = cell.load(Ordering::Acquire);
                    loop {
                        let new = join(step(split(current).0, split(current).1));
                        // AcqRel / Relaxed: as for ccol-dwcas above.
                        match cell.compare_exchange(
                            current,
                            new,
                            Ordering::AcqRel,
                            Ordering::Relaxed,
                        ) {
                            Ok(_) => return 1,
                            Err(actual) => current = actual,
                        }
                    }
                })
            }
        },
    );
    let fallback = if cfg!(all(
        target_arch = "x86_64",
        not(target_feature = "cmpxchg16b")
    )) {
        "this target has no compile-time cmpxchg16b, so AtomicU128 exists only with \
         portable-atomic's `fallback` feature (enabled here), which picks CMPXCHG16B at run time \
         through a function pointer and takes a lock only on CPUs without it"
    } else {
        "native on this target"
    };
    reg.add(peer.ratio_reference().note(format!(
        "is_lock_free() = {}, is_always_lock_free() = {}; {fallback}",
        AtomicU128::is_lock_free(),
        AtomicU128::is_always_lock_free(),
    )));

    let cell_bench = Bench::new(
        "primitives",
        "crossbeam-atomiccell-u128",
        "dwcas-counter",
        Role::Peer,
        |_| {
            let cell = Arc::new(CachePadded::new(AtomicCell::new(0u128)));
            move |ctx: &Ctx<'_>| {
                ctx.measure(|| {
                    let mut current = cell.load();
                    loop {
                        let new = join(step(split(current).0, split(current).1));
                        match cell.compare_exchange(current, new) {
                            Ok(_) => return 1,
                            Err(actual) => current = actual,
                        }
                    }
                })
            }
        },
    );
    reg.add(cell_bench.note(format!(
        "AtomicCell::<u128>::is_lock_free() = {}: striped global locks",
        AtomicCell::<u128>::is_lock_free()
    )));
}

// ---------------------------------------------------------------------------------------------
// tag-mark

const MARK: usize = 1;

/// A heap node the tagged pointers point at; never dereferenced, only its address is used.
type Node = u64;

/// State of the `ccol-tagged` implementation; owns the node its pointer designates.
struct Tagged {
    ptr: CachePadded<AtomicTaggedPtr<Node>>,
    _node: Box<Node>,
}

/// State of the `atomicptr-cas` implementation; owns the node its pointer designates.
struct Plain {
    ptr: CachePadded<AtomicPtr<Node>>,
    _node: Box<Node>,
}

/// The hand-written CAS loop `atomicptr-cas` uses for both halves of its operation.
#[inline(always)]
fn map_addr_loop(ptr: &AtomicPtr<Node>, f: impl Fn(usize) -> usize) -> *mut Node {
    // Relaxed: the first guess only seeds the loop; the CAS validates it.
    let mut current = ptr.load(Ordering::Relaxed);
    loop {
        // AcqRel on success: marking a node's link is a publication point in a real structure.
        // Relaxed on failure: the value read is only the next guess.
        match ptr.compare_exchange_weak(
            current,
            current.map_addr(&f),
            Ordering::AcqRel,
            Ordering::Relaxed,
        ) {
            Ok(previous) => return previous,
            Err(actual) => current = actual,
        }
    }
}

fn register_tag_mark(reg: &mut Registry) {
    reg.add(Bench::new(
        "primitives",
        "ccol-tagged",
        "tag-mark",
        Role::Ours,
        |_| {
            let mut node = Box::new(0);
            let raw: *mut Node = &mut *node;
            let state = Arc::new(Tagged {
                ptr: CachePadded::new(AtomicTaggedPtr::new(TaggedPtr::new(raw, 0))),
                _node: node,
            });
            move |ctx: &Ctx<'_>| {
                ctx.measure(|| {
                    // AcqRel: as for atomicptr-cas (`map_addr_loop`).
                    let before = state.ptr.fetch_or_tag(MARK, Ordering::AcqRel);
                    // AcqRel: as above.
                    let marked = state.ptr.fetch_and_tag(!MARK, Ordering::AcqRel);
                    core::hint::black_box((before, marked));
                    2
                })
            }
        },
    ));
    let plain = Bench::new(
        "primitives",
        "atomicptr-cas",
        "tag-mark",
        Role::Baseline,
        |_| {
            let mut node = Box::new(0);
            let raw: *mut Node = &mut *node;
            let state = Arc::new(Plain {
                ptr: CachePadded::new(AtomicPtr::new(raw)),
                _node: node,
            });
            move |ctx: &Ctx<'_>| {
                ctx.measure(|| {
                    let before = map_addr_loop(&state.ptr, |a| a | MARK);
                    let marked = map_addr_loop(&state.ptr, |a| a & !MARK);
                    core::hint::black_box((before, marked));
                    2
                })
            }
        },
    );
    reg.add(plain.ratio_reference());
}
