//! Memory reclamation schemes against their peers: group `reclaim` (DESIGN.md §4). There is no
//! hardware ceiling for a read-side critical section, so `pin` takes its ratios from
//! `crossbeam-epoch`, the scheme most Rust structures use (as `primitives` takes them from its
//! most informative peer). An unprotected load runs ~10x faster than any scheme here, so a
//! baseline row for it would only flatten the plot.
//!
//! - `pin` (timed, threads 1, 2, 4, 8): each operation enters a read-side critical section,
//!   makes one protected load of a shared pointer to a node (allocated once per repetition,
//!   never replaced: there is no writer), reads a field of the node and leaves.
//!   - `crossbeam-epoch`: `crossbeam_epoch::pin()` on the default collector, `Atomic::load`;
//!   - `seize`: a `Collector` per repetition, `collector.enter()` + `guard.protect(&ptr, Acquire)`;
//!   - `haphazard`: the global domain, one `HazardPointer` per thread reused for every
//!     operation, `protect_ptr`, and `reset_protection` to leave;
//!   - ours, a `Domain` per repetition: `ccol-ibr` and `ccol-debra` on the thread-local path
//!     (`domain.pin()`, `Atomic::load`, `Shared::deref`), and `ccol-ibr-handle` and
//!     `ccol-debra-handle` through a participant each thread registers once
//!     (`domain.register()`, then `handle.pin()` per operation, like crossbeam's `LocalHandle`).
//! - `stall` (one-shot, 2 threads): one reader thread enters a critical section, protects and
//!   reads the current node, then blocks on a barrier (no spinning) while the writer (the
//!   harness thread) allocates a 64-byte node, publishes it with a swap and retires the node it
//!   replaced, 1,000,000 times (10,000 in smoke runs), entering a critical section per step.
//!   The node's destructor counts frees; after every retirement the writer computes
//!   `pending = retired − freed` and keeps the peak (`peak_pending`). `mops` is the writer's
//!   retirements per second. Then the reader leaves, the writer flushes until nothing is
//!   pending (at most [`DRAIN_LIMIT`]), and what is still unfreed is reported (`unfreed`; the
//!   harness warns about it). Peers as in `reference/PEERS.md`: crossbeam-epoch `pin()` +
//!   `defer_destroy` (flush: `guard.flush()`), seize `collector.retire(ptr, reclaim::boxed)`
//!   (flush: `guard.flush()`), haphazard's global domain `retire_ptr` (flush:
//!   `eager_reclaim()`); ours `ccol-ibr` and `ccol-debra` with `domain.pin()`, `Atomic::swap`
//!   and `Guard::retire` (flush: `domain.flush()`). Every scheme allocates the 64-byte node its
//!   own way: the peers box it and keep a retirement record beside it (haphazard allocates one
//!   per retirement); ours put an 8-byte birth-epoch header in front of it under IBR, none
//!   under DEBRA.
//!
//! Each implementation is one type implementing [`PinRead`] or [`Stalled`]; the drivers
//! ([`pin`], [`stalled_run`]) are shared, so every implementation does the same work.

use alloc::boxed::Box;
use alloc::sync::Arc;
use core::hint::black_box;
use core::sync::atomic::{AtomicPtr, AtomicU64, Ordering};
use core::time::Duration;
use std::sync::Barrier;
use std::thread;
use std::time::Instant;

use crossbeam_epoch as epoch;
use haphazard::HazardPointer;
use seize::{Collector, Guard as _};

use crate::registry::{Bench, Ctx, Measured, Registry, Role, Shot};

/// Retirements of a full `stall` run (PEERS.md's stalled-reader run).
const STALL_RETIREMENTS: u64 = 1_000_000;

/// How long the writer may flush after the reader has left before the rest counts as unfreed
/// (PEERS.md: "flush until nothing is left (at most 3 s)").
const DRAIN_LIMIT: Duration = Duration::from_secs(3);

/// Registers both workloads for every implementation.
pub(crate) fn register(reg: &mut Registry) {
    #[cfg(feature = "ibr")]
    ours::register::<ccol::reclaim::Ibr>(reg, ["ccol-ibr", "ccol-ibr-handle"]);
    #[cfg(not(feature = "ibr"))]
    missing(reg, ["ccol-ibr", "ccol-ibr-handle"], "ibr");
    #[cfg(feature = "debra")]
    ours::register::<ccol::reclaim::Debra>(reg, ["ccol-debra", "ccol-debra-handle"]);
    #[cfg(not(feature = "debra"))]
    missing(reg, ["ccol-debra", "ccol-debra-handle"], "debra");

    reg.add(pin::<EpochPin>("crossbeam-epoch", Role::Peer).ratio_reference());
    reg.add(pin::<SeizePin>("seize", Role::Peer));
    reg.add(
        pin::<HazardPin>("haphazard", Role::Peer)
            .note("one reused hazard pointer per thread; leaving is reset_protection (a store)"),
    );

    reg.add(stall::<EpochStall>("crossbeam-epoch", Role::Peer));
    reg.add(stall::<SeizeStall>("seize", Role::Peer));
    reg.add(stall::<HazardStall>("haphazard", Role::Peer));
}

/// The rows [`ours::register`] would add, listed as n/a because the scheme's `feature` is off
/// (their closures come from peers only because a row needs one; they are never run).
#[cfg(not(all(feature = "ibr", feature = "debra")))]
fn missing(reg: &mut Registry, [tls, handle]: [&'static str; 2], feature: &str) {
    let why = format!("built without the facade's `{feature}` feature");
    reg.add(pin::<EpochPin>(tls, Role::Ours).unavailable(&why));
    reg.add(pin::<EpochPin>(handle, Role::Ours).unavailable(&why));
    reg.add(stall::<HazardStall>(tls, Role::Ours).unavailable(why));
}

// ---------------------------------------------------------------------------------------------
// Shared pieces

/// A heap node behind a raw `AtomicPtr`, for the peers that protect plain pointers. Frees its
/// current node on drop.
struct RawSlot<T>(AtomicPtr<T>);

impl<T> RawSlot<T> {
    fn new(value: T) -> Self {
        RawSlot(AtomicPtr::new(Box::into_raw(Box::new(value))))
    }
}

impl<T> Drop for RawSlot<T> {
    fn drop(&mut self) {
        let last = *self.0.get_mut();
        // SAFETY: every pointer stored in the slot came from `Box::into_raw`; the one still
        // stored was never retired, and `&mut self` means no thread reads the slot any more.
        drop(unsafe { Box::from_raw(last) });
    }
}

// ---------------------------------------------------------------------------------------------
// pin

/// The node every `pin` operation reads.
struct Target {
    value: u64,
}

const TARGET: Target = Target { value: 0x5eed };

/// One `pin` implementation: shared state built per repetition, and the per-thread loop.
trait PinRead: Send + Sync + 'static {
    fn new() -> Self;
    /// This thread's timed loop; one operation = enter, one protected load, read, leave.
    fn run(&self, ctx: &Ctx<'_>) -> Measured;
}

fn pin<P: PinRead>(name: &'static str, role: Role) -> Bench {
    Bench::new("reclaim", name, "pin", role, |_threads| {
        let state = Arc::new(P::new());
        move |ctx: &Ctx<'_>| state.run(ctx)
    })
}

struct EpochPin(epoch::Atomic<Target>);

impl PinRead for EpochPin {
    fn new() -> Self {
        EpochPin(epoch::Atomic::new(TARGET))
    }

    fn run(&self, ctx: &Ctx<'_>) -> Measured {
        ctx.measure(|| {
            let guard = epoch::pin();
            // Acquire: what any reader of a published node needs (pairs with the Release of
            // the store that published it; here, the thread spawn after `new`).
            let p = self.0.load(Ordering::Acquire, &guard);
            // SAFETY: the node is never retired; it lives until the state drops.
            black_box(unsafe { p.deref() }.value);
            1
        })
    }
}

impl Drop for EpochPin {
    fn drop(&mut self) {
        let slot = core::mem::replace(&mut self.0, epoch::Atomic::null());
        // SAFETY: the slot holds the one node `new` allocated, never retired, and `&mut self`
        // means no thread reads it any more.
        drop(unsafe { slot.into_owned() });
    }
}

struct SeizePin {
    collector: Collector,
    slot: RawSlot<Target>,
}

impl PinRead for SeizePin {
    fn new() -> Self {
        SeizePin {
            collector: Collector::new(),
            slot: RawSlot::new(TARGET),
        }
    }

    fn run(&self, ctx: &Ctx<'_>) -> Measured {
        ctx.measure(|| {
            let guard = self.collector.enter();
            // Acquire: as for crossbeam-epoch (seize adds what its protocol needs).
            let p = guard.protect(&self.slot.0, Ordering::Acquire);
            // SAFETY: the node is never retired; it lives until the state drops.
            black_box(unsafe { (*p).value });
            1
        })
    }
}

struct HazardPin(RawSlot<Target>);

impl PinRead for HazardPin {
    fn new() -> Self {
        HazardPin(RawSlot::new(TARGET))
    }

    fn run(&self, ctx: &Ctx<'_>) -> Measured {
        let mut hp = HazardPointer::new();
        ctx.measure(|| {
            let Some((p, _)) = hp.protect_ptr(&self.0.0) else {
                return 0;
            };
            // SAFETY: the node is never retired; it lives until the state drops.
            black_box(unsafe { p.as_ref() }.value);
            hp.reset_protection();
            1
        })
    }
}

// ---------------------------------------------------------------------------------------------
// stall

/// Frees of [`Node`]s over the whole process; a run counts its own as the growth during the run
/// (runs never overlap, and each one drains its garbage before it ends, or reports `unfreed`).
static FREED: AtomicU64 = AtomicU64::new(0);

/// The `stall` node: 64 bytes, like PEERS.md's; its destructor counts the free.
struct Node([u64; 8]);

const _: () = assert!(size_of::<Node>() == 64);

impl Node {
    fn new(seq: u64) -> Self {
        Node([seq; 8])
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        // Relaxed: a statistics counter; the writer reads it after a barrier or in a loop.
        FREED.fetch_add(1, Ordering::Relaxed);
    }
}

/// One `stall` implementation: a slot holding the current node (freed with the state) and the
/// three steps of the run.
trait Stalled: Sync + Sized + 'static {
    fn new(first: Node) -> Self;
    /// On the reader thread: enter, protect and read the current node, call `park` (which
    /// returns when the writer is done), leave.
    fn read_parked(&self, park: &dyn Fn());
    /// On the writer thread: enter, publish `node` with a swap, retire the node it replaced.
    fn replace(&self, node: Node);
    /// On the writer thread: one attempt to free everything that can be freed now.
    fn flush(&self);
}

fn stall<S: Stalled>(name: &'static str, role: Role) -> Bench {
    Bench::one_shot(
        "reclaim",
        name,
        "stall",
        role,
        2,
        STALL_RETIREMENTS,
        stalled_run::<S>,
    )
}

/// One stalled-reader run with `retirements` writer steps (module docs).
fn stalled_run<S: Stalled>(retirements: u64) -> Shot {
    // Relaxed (all FREED loads): a counter; frees on the reader thread before `left.wait()`
    // are ordered before the drain's loads by the barrier.
    let base = FREED.load(Ordering::Relaxed);
    let freed = || FREED.load(Ordering::Relaxed) - base;
    let state = S::new(Node::new(0));
    let (ready, release, left) = (Barrier::new(2), Barrier::new(2), Barrier::new(2));
    thread::scope(|s| {
        s.spawn(|| {
            state.read_parked(&|| {
                ready.wait();
                release.wait();
            });
            left.wait();
        });
        ready.wait();
        let mut peak = 0;
        let start = Instant::now();
        for retired in 1..=retirements {
            state.replace(Node::new(retired));
            peak = peak.max(retired.saturating_sub(freed()));
        }
        let elapsed = start.elapsed();
        release.wait();
        left.wait();
        let deadline = Instant::now() + DRAIN_LIMIT;
        while freed() < retirements && Instant::now() < deadline {
            state.flush();
        }
        Shot {
            // Precision: counts far below 2^53.
            mops: retirements as f64 / elapsed.as_secs_f64().max(1e-9) / 1e6,
            peak_pending: Some(peak),
            unfreed: retirements.saturating_sub(freed()),
            memory: None,
        }
    })
}

struct EpochStall(epoch::Atomic<Node>);

impl Stalled for EpochStall {
    fn new(first: Node) -> Self {
        EpochStall(epoch::Atomic::new(first))
    }

    fn read_parked(&self, park: &dyn Fn()) {
        let guard = epoch::pin();
        // Acquire: pairs with the Release half of the writer's swap (the node's contents).
        let p = self.0.load(Ordering::Acquire, &guard);
        // SAFETY: the node was loaded under `guard`, which is still active.
        black_box(unsafe { p.deref() }.0[0]);
        park();
    }

    fn replace(&self, node: Node) {
        let guard = epoch::pin();
        // AcqRel: Release publishes the new node to readers' Acquire loads; Acquire orders
        // the replaced node's initialization before its destruction.
        let old = self
            .0
            .swap(epoch::Owned::new(node), Ordering::AcqRel, &guard);
        // SAFETY: the swap unlinked `old`; only this thread retires it, once.
        unsafe { guard.defer_destroy(old) };
    }

    fn flush(&self) {
        epoch::pin().flush();
    }
}

impl Drop for EpochStall {
    fn drop(&mut self) {
        let slot = core::mem::replace(&mut self.0, epoch::Atomic::null());
        // SAFETY: the slot holds the last published node, never retired; no thread reads it
        // any more.
        drop(unsafe { slot.into_owned() });
    }
}

struct SeizeStall {
    collector: Collector,
    slot: RawSlot<Node>,
}

impl Stalled for SeizeStall {
    fn new(first: Node) -> Self {
        SeizeStall {
            collector: Collector::new(),
            slot: RawSlot::new(first),
        }
    }

    fn read_parked(&self, park: &dyn Fn()) {
        let guard = self.collector.enter();
        // Acquire: as for crossbeam-epoch.
        let p = guard.protect(&self.slot.0, Ordering::Acquire);
        // SAFETY: the node was loaded under `guard`, which is still active.
        black_box(unsafe { (*p).0[0] });
        park();
    }

    fn replace(&self, node: Node) {
        let _guard = self.collector.enter();
        // AcqRel: as for crossbeam-epoch.
        let old = self
            .slot
            .0
            .swap(Box::into_raw(Box::new(node)), Ordering::AcqRel);
        // SAFETY: the swap unlinked `old`, a `Box` allocation that only this thread retires.
        unsafe { self.collector.retire(old, seize::reclaim::boxed) };
    }

    fn flush(&self) {
        // Moves this thread's batch to the retirement lists; freed when the guard drops.
        self.collector.enter().flush();
    }
}

struct HazardStall(RawSlot<Node>);

impl Stalled for HazardStall {
    fn new(first: Node) -> Self {
        HazardStall(RawSlot::new(first))
    }

    fn read_parked(&self, park: &dyn Fn()) {
        let mut hp = HazardPointer::new();
        if let Some((p, _)) = hp.protect_ptr(&self.0.0) {
            // SAFETY: `hp` protects the node until it is dropped after `park`.
            black_box(unsafe { p.as_ref() }.0[0]);
        }
        park();
    }

    fn replace(&self, node: Node) {
        // AcqRel: as for crossbeam-epoch.
        let old = self
            .0
            .0
            .swap(Box::into_raw(Box::new(node)), Ordering::AcqRel);
        // SAFETY: the swap unlinked `old`, a `Box` allocation that only this thread retires;
        // readers protect it through the same (global) domain.
        unsafe { haphazard::Domain::global().retire_ptr::<Node, Box<Node>>(old) };
    }

    fn flush(&self) {
        haphazard::Domain::global().eager_reclaim();
    }
}

// ---------------------------------------------------------------------------------------------
// ours

/// Our schemes (needs the facade's `ibr` or `debra` feature).
#[cfg(any(feature = "ibr", feature = "debra"))]
mod ours {
    use core::hint::black_box;
    use core::sync::atomic::Ordering;

    use ccol::reclaim::{Atomic, Domain, Guard, Owned, Reclaim};

    use super::{Node, PinRead, Stalled, TARGET, Target, pin, stall};
    use crate::registry::{Ctx, Measured, Registry, Role};

    /// Ours with scheme `R`: `pin` on the thread-local path (`tls`) and through a handle
    /// (`handle`), and `stall` (named `tls`; it uses the thread-local path).
    pub(super) fn register<R: Reclaim>(reg: &mut Registry, [tls, handle]: [&'static str; 2]) {
        reg.add(pin::<OursPin<R, false>>(tls, Role::Ours));
        reg.add(pin::<OursPin<R, true>>(handle, Role::Ours));
        reg.add(stall::<OursStall<R>>(tls, Role::Ours));
    }

    /// Ours: the thread-local participant (`HANDLE = false`) or a registered one per thread.
    struct OursPin<R: Reclaim, const HANDLE: bool> {
        domain: Domain<R>,
        slot: Atomic<Target, R>,
    }

    impl<R: Reclaim, const HANDLE: bool> PinRead for OursPin<R, HANDLE> {
        fn new() -> Self {
            let domain = Domain::new();
            let slot = Atomic::new(Owned::new(TARGET, &domain));
            OursPin { domain, slot }
        }

        fn run(&self, ctx: &Ctx<'_>) -> Measured {
            if HANDLE {
                let handle = self.domain.register().expect("a growable registry");
                ctx.measure(|| read_ours(&self.slot, &handle.pin()))
            } else {
                ctx.measure(|| read_ours(&self.slot, &self.domain.pin()))
            }
        }
    }

    /// One protected load and read under `guard` (which the caller drops right after: leave).
    #[inline(always)]
    fn read_ours<R: Reclaim>(slot: &Atomic<Target, R>, guard: &Guard<'_, R>) -> u64 {
        let p = slot.load(guard);
        // SAFETY: the node is never retired; it lives until the state drops.
        black_box(unsafe { p.deref() }.value);
        1
    }

    impl<R: Reclaim, const HANDLE: bool> Drop for OursPin<R, HANDLE> {
        fn drop(&mut self) {
            let slot = core::mem::take(&mut self.slot);
            // SAFETY: the slot holds the one node `new` allocated, never retired, and `&mut self`
            // means no thread reads it any more.
            drop(unsafe { slot.into_owned() });
        }
    }

    struct OursStall<R: Reclaim> {
        domain: Domain<R>,
        slot: Atomic<Node, R>,
    }

    impl<R: Reclaim> Stalled for OursStall<R> {
        fn new(first: Node) -> Self {
            let domain = Domain::new();
            let slot = Atomic::new(Owned::new(first, &domain));
            OursStall { domain, slot }
        }

        fn read_parked(&self, park: &dyn Fn()) {
            let guard = self.domain.pin();
            let p = self.slot.load(&guard);
            // SAFETY: the node was loaded under `guard`, which is still active.
            black_box(unsafe { p.deref() }.0[0]);
            park();
        }

        fn replace(&self, node: Node) {
            let guard = self.domain.pin();
            let new = Owned::new(node, &self.domain);
            // AcqRel: as for crossbeam-epoch.
            let old = self.slot.swap(new, Ordering::AcqRel, &guard);
            // SAFETY: the swap unlinked `old`, allocated in this domain; only this thread retires
            // it, once; `Node` is `Send` and borrows nothing.
            unsafe { guard.retire(old) };
        }

        fn flush(&self) {
            self.domain.flush();
        }
    }

    impl<R: Reclaim> Drop for OursStall<R> {
        fn drop(&mut self) {
            let slot = core::mem::take(&mut self.slot);
            // SAFETY: the slot holds the last published node, never retired; no thread reads it
            // any more.
            drop(unsafe { slot.into_owned() });
        }
    }
}
