//! Stacks against their peers: group `stack`, workload `pairs` (DESIGN.md §4; issue 4's
//! benchmark list). The ceiling is `stack/cas-ceiling/pairs` in [`ceilings`](super::ceilings):
//! one successful CAS loop per push and per pop on one shared word, no data moved.
//!
//! `pairs` (as in `reference/PEERS.md`): every thread pushes a value, then pops one, repeated;
//! the stack starts empty (a fresh one per repetition), and every push and every pop attempt
//! counts as one operation. A thread's pop always follows its own push, so the stack never looks
//! empty to it: a pop that returns `None` is an adapter bug, and the worker panics on one after
//! its timed loop (a per-thread register count, the same for every implementation).
//!
//! Implementations (DESIGN.md §4 names; the `-noelim` and `-handle` rows extend them):
//!
//! - ours, `u64` values, each stack with its own reclamation domain:
//!   - `ccol-stack-ibr`, `ccol-stack-debra`: `ccol::{ibr,debra}::LockFreeStack` with the
//!     default elimination ([`Elimination::new`]), std `push`/`pop` (a thread-local participant
//!     pinned per operation);
//!   - `ccol-stack-ibr-noelim`, `ccol-stack-debra-noelim`: the same with
//!     [`Elimination::disabled`] (a failed CAS only backs off), so "elimination on ≥ off"
//!     reads off the same run;
//!   - `ccol-stack-ibr-handle`: each thread registers a `Handle` once and pins it around every
//!     operation (`push_guarded`/`pop_guarded`), the no_std path;
//!   - `ccol-staticstack`: `ccol::StaticStack<u64, 1024>` (a fixed pool; pairs hold at most one
//!     value per thread, so the pool never runs out).
//! - peers, as in PEERS.md: `mutex-vec` (`std::sync::Mutex<Vec<u64>>`), `lockfree-stack`
//!   (`lockfree::stack::Stack`, reclamation by its "incinerator"), `scc-stack` (`scc::Stack`,
//!   which is sdd's `Stack` re-exported: `push` returns a reference-counted handle to the new
//!   entry, dropped at once, and `pop` returns one, read then dropped).
//!
//! Each implementation is one type implementing [`PairStack`]; the driver ([`drive`]) is
//! shared, so every implementation does the same work around its push and pop.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::hint::black_box;
use std::sync::Mutex;

use crate::registry::{Bench, Ctx, Measured, Registry, Role};

/// Pool size of the `ccol-staticstack` row: far above the at most 8 values `pairs` holds.
const STATIC_CAPACITY: usize = 1024;

/// Registers `pairs` for ours and the peers (the ceiling registers itself).
pub(crate) fn register(reg: &mut Registry) {
    #[cfg(feature = "ibr")]
    {
        reg.add(pairs::<ours::Std<ccol::reclaim::Ibr, true>>(
            "ccol-stack-ibr",
            Role::Ours,
        ));
        reg.add(
            pairs::<ours::Std<ccol::reclaim::Ibr, false>>("ccol-stack-ibr-noelim", Role::Ours)
                .note("Elimination::disabled(): a failed CAS only backs off"),
        );
        reg.add(
            pairs::<ours::Handles<ccol::reclaim::Ibr>>("ccol-stack-ibr-handle", Role::Ours).note(
                "a Handle registered per thread, pinned per operation (push_guarded/pop_guarded)",
            ),
        );
    }
    #[cfg(not(feature = "ibr"))]
    missing(
        reg,
        &[
            "ccol-stack-ibr",
            "ccol-stack-ibr-noelim",
            "ccol-stack-ibr-handle",
        ],
        "ibr",
    );
    #[cfg(feature = "debra")]
    {
        reg.add(pairs::<ours::Std<ccol::reclaim::Debra, true>>(
            "ccol-stack-debra",
            Role::Ours,
        ));
        reg.add(
            pairs::<ours::Std<ccol::reclaim::Debra, false>>("ccol-stack-debra-noelim", Role::Ours)
                .note("Elimination::disabled(): a failed CAS only backs off"),
        );
    }
    #[cfg(not(feature = "debra"))]
    missing(
        reg,
        &["ccol-stack-debra", "ccol-stack-debra-noelim"],
        "debra",
    );
    reg.add(
        pairs::<StaticPool>("ccol-staticstack", Role::Ours).note(format!(
            "StaticStack<u64, {STATIC_CAPACITY}>: no allocation, index + tag in one word"
        )),
    );

    reg.add(pairs::<MutexVec>("mutex-vec", Role::Peer).note("lock-based (std futex mutex)"));
    reg.add(pairs::<LockfreeStack>("lockfree-stack", Role::Peer));
    reg.add(
        pairs::<SccStack>("scc-stack", Role::Peer)
            .note("scc 3 / sdd 4: push returns a reference-counted handle, dropped at once"),
    );
}

/// The rows ours would add, listed as n/a because the scheme's `feature` is off (their
/// implementation comes from a peer only because a row needs one; they are never run).
#[cfg(not(all(feature = "ibr", feature = "debra")))]
fn missing(reg: &mut Registry, names: &[&'static str], feature: &str) {
    for &name in names {
        reg.add(
            pairs::<MutexVec>(name, Role::Ours)
                .unavailable(format!("built without the facade's `{feature}` feature")),
        );
    }
}

/// One `pairs` implementation: a stack built fresh per repetition, and the per-thread loop.
trait PairStack: Send + Sync + 'static {
    fn new() -> Self;
    fn push(&self, value: u64);
    fn pop(&self) -> Option<u64>;

    /// This thread's timed loop (override for per-thread setup, such as a registered handle).
    fn run(&self, ctx: &Ctx<'_>) -> Measured {
        drive(ctx, |v| self.push(v), || self.pop())
    }
}

fn pairs<S: PairStack>(name: &'static str, role: Role) -> Bench {
    Bench::new("stack", name, "pairs", role, |_threads| {
        let stack = Arc::new(S::new());
        move |ctx: &Ctx<'_>| stack.run(ctx)
    })
}

/// The timed loop every implementation shares: push a value distinct per thread and step, pop
/// one; 2 operations. Panics afterwards if a pop found the stack empty (module docs).
#[inline(always)]
fn drive(
    ctx: &Ctx<'_>,
    mut push: impl FnMut(u64),
    mut pop: impl FnMut() -> Option<u64>,
) -> Measured {
    let mut next = (ctx.index as u64) << 40;
    let mut empty: u64 = 0;
    let measured = ctx.measure(|| {
        push(next);
        next += 1;
        let popped = pop();
        empty += u64::from(popped.is_none());
        black_box(popped);
        2
    });
    assert_eq!(empty, 0, "a pop found the stack empty right after a push");
    measured
}

struct StaticPool(ccol::StaticStack<u64, STATIC_CAPACITY>);

impl PairStack for StaticPool {
    fn new() -> Self {
        StaticPool(ccol::StaticStack::new())
    }

    fn push(&self, value: u64) {
        let pushed = self.0.push(value);
        assert!(pushed.is_ok(), "the pool holds far more than `pairs` needs");
    }

    fn pop(&self) -> Option<u64> {
        self.0.pop()
    }
}

struct MutexVec(Mutex<Vec<u64>>);

impl PairStack for MutexVec {
    fn new() -> Self {
        MutexVec(Mutex::new(Vec::new()))
    }

    fn push(&self, value: u64) {
        self.0.lock().expect("no holder panics").push(value);
    }

    fn pop(&self) -> Option<u64> {
        self.0.lock().expect("no holder panics").pop()
    }
}

struct LockfreeStack(lockfree::stack::Stack<u64>);

impl PairStack for LockfreeStack {
    fn new() -> Self {
        LockfreeStack(lockfree::stack::Stack::new())
    }

    fn push(&self, value: u64) {
        self.0.push(value);
    }

    fn pop(&self) -> Option<u64> {
        self.0.pop()
    }
}

struct SccStack(scc::Stack<u64>);

impl PairStack for SccStack {
    fn new() -> Self {
        SccStack(scc::Stack::default())
    }

    fn push(&self, value: u64) {
        // The handle to the new entry is dropped at once (PEERS.md's adapter).
        drop(self.0.push(value));
    }

    fn pop(&self) -> Option<u64> {
        self.0.pop().map(|entry| **entry)
    }
}

/// Our lock-free stacks (needs the facade's `ibr` or `debra` feature).
#[cfg(any(feature = "ibr", feature = "debra"))]
mod ours {
    use ccol::reclaim::Reclaim;
    use ccol::stack::{Elimination, LockFreeStack};

    use super::{PairStack, drive};
    use crate::registry::{Ctx, Measured};

    fn stack<R: Reclaim>(elimination: bool) -> LockFreeStack<u64, R> {
        LockFreeStack::with_elimination(if elimination {
            Elimination::new()
        } else {
            Elimination::disabled()
        })
    }

    /// The std forms (`push`/`pop` through the thread-local participant), elimination on
    /// (the default settings) or off.
    pub(super) struct Std<R: Reclaim, const ELIMINATION: bool>(LockFreeStack<u64, R>);

    impl<R: Reclaim, const ELIMINATION: bool> PairStack for Std<R, ELIMINATION> {
        fn new() -> Self {
            Std(stack(ELIMINATION))
        }

        fn push(&self, value: u64) {
            self.0.push(value);
        }

        fn pop(&self) -> Option<u64> {
            self.0.pop()
        }
    }

    /// The guard-explicit forms: one registered handle per thread, pinned per operation
    /// (default elimination).
    pub(super) struct Handles<R: Reclaim>(LockFreeStack<u64, R>);

    impl<R: Reclaim> PairStack for Handles<R> {
        fn new() -> Self {
            Handles(stack(true))
        }

        fn push(&self, value: u64) {
            self.0.push_guarded(value, &self.0.domain().pin());
        }

        fn pop(&self) -> Option<u64> {
            self.0.pop_guarded(&self.0.domain().pin())
        }

        fn run(&self, ctx: &Ctx<'_>) -> Measured {
            let handle = self.0.register().expect("a growable registry");
            drive(
                ctx,
                |v| self.0.push_guarded(v, &handle.pin()),
                || self.0.pop_guarded(&handle.pin()),
            )
        }
    }
}
