//! The hardware ceilings of DESIGN.md §4: the cost floor later queues and stacks are measured
//! against, in the same run.
//!
//! - `queue/faa-ceiling/pairs`: a pseudo-queue whose enqueue is one `fetch_add` on a shared
//!   tail counter and whose dequeue is one `fetch_add` on a shared head counter (separate cache
//!   lines, like every FAA ring queue: SCQ, LCRQ, wCQ). No FAA-based queue can beat two
//!   contended FAAs per pair. Counted like the queue `pairs` workload: 2 ops per pair.
//! - `queue/faa-ceiling/prodcons`: the same counters split like the queue `prodcons` workload
//!   (`family/queue.rs`): even thread indices only `fetch_add` the tail, odd ones only the head,
//!   1 op each; at 1 thread the `pairs` loop. Nothing is ever full or empty and nothing pauses,
//!   so this is the cost of the two FAAs alone, each line shared by one side only.
//! - `stack/cas-ceiling/pairs`: a pseudo-stack whose push and pop are each one successful CAS
//!   loop on one shared word, like a Treiber stack's head. The word holds a 32-bit depth (push
//!   +1, pop −1) under a 32-bit version that every CAS bumps, as a tagged head would, so a
//!   stale expected value always fails. A failed CAS retries at once with the value it
//!   returned: no backoff, no pause, the cheapest loop there is. (A stack with elimination or
//!   backoff may therefore *beat* this ceiling under contention; that shows in the ratio.)
//!
//! std atomics are used directly: these measure the hardware, not our facade.

use alloc::sync::Arc;
use core::sync::atomic::{AtomicU64, Ordering};

use ccol_arch::CachePadded;

use crate::registry::{Bench, Ctx, Registry, Role};

/// Registers both ceilings.
pub(crate) fn register(reg: &mut Registry) {
    reg.add(Bench::new(
        "queue",
        "faa-ceiling",
        "pairs",
        Role::Ceiling,
        |_threads| {
            let q = Arc::new(FaaQueue::default());
            move |ctx: &Ctx<'_>| ctx.measure(|| q.pair())
        },
    ));
    reg.add(Bench::new(
        "queue",
        "faa-ceiling",
        "prodcons",
        Role::Ceiling,
        |_threads| {
            let q = Arc::new(FaaQueue::default());
            move |ctx: &Ctx<'_>| {
                if ctx.threads == 1 {
                    ctx.measure(|| q.pair())
                } else if ctx.index % 2 == 0 {
                    ctx.measure(|| q.enqueue())
                } else {
                    ctx.measure(|| q.dequeue())
                }
            }
        },
    ));
    reg.add(Bench::new(
        "stack",
        "cas-ceiling",
        "pairs",
        Role::Ceiling,
        |_threads| {
            let s = Arc::new(CasStack::default());
            move |ctx: &Ctx<'_>| ctx.measure(|| s.pair())
        },
    ));
}

/// Tail and head counters of an FAA ring queue, each on its own cache line.
#[derive(Debug, Default)]
struct FaaQueue {
    tail: CachePadded<AtomicU64>,
    head: CachePadded<AtomicU64>,
}

impl FaaQueue {
    /// One enqueue and one dequeue: 2 operations.
    #[inline(always)]
    fn pair(&self) -> u64 {
        self.enqueue() + self.dequeue()
    }

    /// One enqueue: 1 operation.
    #[inline(always)]
    fn enqueue(&self) -> u64 {
        // AcqRel: what a real ring queue needs on its tail FAA (it pairs the slot write with
        // the consumer that claims the same index); the ceiling must not be cheaper than that.
        let t = self.tail.fetch_add(1, Ordering::AcqRel);
        // Keep the result alive so the RMW cannot be turned into a plain `lock add`.
        core::hint::black_box(t);
        1
    }

    /// One dequeue: 1 operation.
    #[inline(always)]
    fn dequeue(&self) -> u64 {
        // AcqRel: as in `enqueue`, for the consumer's head FAA.
        let h = self.head.fetch_add(1, Ordering::AcqRel);
        core::hint::black_box(h);
        1
    }
}

/// The head word of a pseudo Treiber stack: version in the high 32 bits, depth in the low 32.
#[derive(Debug, Default)]
struct CasStack {
    head: CachePadded<AtomicU64>,
}

const VERSION: u64 = 1 << 32;

impl CasStack {
    /// One push and one pop: 2 operations, each one successful CAS.
    #[inline(always)]
    fn pair(&self) -> u64 {
        self.update(|w| w.wrapping_add(VERSION + 1));
        self.update(|w| w.wrapping_add(VERSION - 1));
        2
    }

    /// Load, then CAS until `next(current)` is installed.
    #[inline(always)]
    fn update(&self, next: impl Fn(u64) -> u64) {
        // Relaxed: the first guess only has to be a value the word held; the CAS validates it.
        let mut current = self.head.load(Ordering::Relaxed);
        loop {
            // AcqRel on success: a real push releases its node and a real pop acquires it.
            // Relaxed on failure: the returned value is only the next guess.
            match self.head.compare_exchange_weak(
                current,
                next(current),
                Ordering::AcqRel,
                Ordering::Relaxed,
            ) {
                Ok(_) => return,
                Err(actual) => current = actual,
            }
        }
    }
}
