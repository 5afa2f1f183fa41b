#![cfg(all(feature = "std", feature = "ibr", feature = "debra", not(ccol_loom)))]
//! Oversubscribed stress (8 threads on a 2-core machine): every value pushed is popped exactly
//! once, payload drops balance (each payload checks a canary when popped and counts its drop,
//! so use after free and double drops show), and every node allocated is freed once the stack
//! is dropped. `LockFreeStack` runs under both schemes with elimination forced (one slot,
//! spin budgets 1, 8 and 256) and off, in paired and split push/pop workloads; `StaticStack`
//! runs with a pool of 4 nodes, so that pushes find it full and hand their values back.
//!
//! The tests read the process-wide count of live payload nodes, so they hold
//! [`common::serial`] and run one at a time.

mod common;

use core::mem::ManuallyDrop;
use std::thread;

use ccol_atomics::sync::atomic::{AtomicUsize, Ordering};
use ccol_reclaim::Reclaim;
use ccol_stack::{Elimination, LockFreeStack, StaticStack};
use common::{Payload, Tracker, assert_exactly_once, for_each_scheme, marked_live, scaled, serial};

/// Threads per run: oversubscribed natively, 2 under Miri.
const THREADS: usize = if cfg!(miri) { 2 } else { 8 };
/// Operations (push + pop attempts) per thread per run. Nodes holding a `Payload` take 1 to
/// 2 KiB (its marker alignment), which bounds the workloads that build up a deep stack.
const OPS: usize = scaled(4_000, 12);
/// Operations per thread in the paired workload, whose stack stays shallow.
const PAIR_OPS: usize = scaled(16_000, 12);
/// Operations per thread in the `StaticStack` runs: its operations are cheap, and an ABA
/// (a pop fooled by a recycled node) needs a thread preempted between its load and its CAS,
/// which Miri's random preemption makes likely only over hundreds of operations.
const STATIC_OPS: usize = scaled(200_000, 400);

/// One exchange slot, so that failed CAS meet there, with a spin budget of `budget`.
fn forced(budget: u32) -> Elimination {
    Elimination::new()
        .slots(1)
        .spin_budget(budget)
        .trigger_after_failures(1)
}

/// The forced settings every `LockFreeStack` workload runs with: budgets 1 and 8, and a
/// patient 256 (offers that wait long are where several pops race for one offer, and where
/// a withdraw races with a take).
fn forced_settings() -> [Elimination; 3] {
    [forced(1), forced(8), forced(256)]
}

for_each_scheme!(
    pairs_with_forced_elimination_pop_every_value_once => pairs_forced,
    pairs_without_elimination_pop_every_value_once => pairs_off,
    split_with_forced_elimination_pop_every_value_once => split_forced,
    split_without_elimination_pop_every_value_once => split_off,
    values_left_when_threads_stop_are_dropped_once => leftovers,
    dropping_a_full_stack_frees_every_node_and_value => drop_full,
);

/// Runs `work` on a fresh stack with `elimination` and checks the accounting: the ids
/// `work` returns plus those drained afterwards are exactly the payloads created (unless
/// `drain` is false: then the stack's `Drop` takes the rest), every payload is dropped once,
/// and no payload node outlives the stack.
fn run<R: Reclaim>(
    elimination: Elimination,
    drain: bool,
    work: impl for<'t> Fn(&LockFreeStack<Payload<'t>, R>, &'t Tracker) -> Vec<u64>,
) {
    let _serial = serial();
    let baseline = marked_live();
    let tracker = Tracker::new(THREADS * PAIR_OPS + 16);
    // Dropped only once the accounting holds: a corrupt stack could crash or hang its `Drop`.
    let stack = ManuallyDrop::new(LockFreeStack::<Payload<'_>, R>::with_elimination(
        elimination,
    ));
    let mut popped = work(&stack, &tracker);
    if drain {
        // Bounded: a corrupt (cyclic) stack must fail the test, not hang it.
        for _ in 0..=tracker.created() {
            match stack.pop() {
                Some(p) => popped.push(p.check()),
                None => break,
            }
        }
        assert!(
            stack.is_empty(),
            "more values than were pushed: a corrupt stack"
        );
        assert_exactly_once(popped, tracker.created() as u64);
    } else {
        let left = stack.len();
        assert_eq!(
            popped.len() + left,
            tracker.created(),
            "values lost or duplicated"
        );
        popped.sort_unstable();
        popped.dedup();
        assert_eq!(
            popped.len() + left,
            tracker.created(),
            "a value popped twice"
        );
    }
    tracker.assert_no_double_drop();
    drop(ManuallyDrop::into_inner(stack));
    tracker.assert_all_dropped_once();
    assert_eq!(
        marked_live(),
        baseline,
        "payload nodes leaked (or freed twice)"
    );
}

/// Each thread pushes a burst of 1 to 3 values, then pops as many: the top is contended by
/// pushes and pops at once, where elimination pairs them.
fn pairs<R: Reclaim>(elimination: Elimination) {
    run::<R>(elimination, true, |stack, tracker| {
        thread::scope(|s| {
            let workers: Vec<_> = (0..THREADS)
                .map(|t| {
                    s.spawn(move || {
                        let mut got = Vec::with_capacity(PAIR_OPS);
                        let mut done = 0;
                        while done < PAIR_OPS {
                            let burst = 1 + (t + done) % 3;
                            for _ in 0..burst {
                                stack.push(tracker.payload());
                            }
                            for _ in 0..burst {
                                if let Some(p) = stack.pop() {
                                    got.push(p.check());
                                }
                            }
                            done += 2 * burst;
                        }
                        got
                    })
                })
                .collect();
            workers
                .into_iter()
                .flat_map(|w| w.join().unwrap())
                .collect()
        })
    });
}

/// Half the threads only push, half only pop until every push is done and the stack is
/// empty.
fn split<R: Reclaim>(elimination: Elimination) {
    let pushers = THREADS / 2;
    let finished = AtomicUsize::new(0);
    run::<R>(elimination, true, |stack, tracker| {
        let finished = &finished;
        // Relaxed: reset before the threads start; the spawn orders it.
        finished.store(0, Ordering::Relaxed);
        thread::scope(|s| {
            for _ in 0..pushers {
                s.spawn(move || {
                    for _ in 0..OPS {
                        stack.push(tracker.payload());
                    }
                    // Release: pairs with the poppers' Acquire load, so a popper that sees
                    // every pusher finished also sees every push.
                    finished.fetch_add(1, Ordering::Release);
                });
            }
            let poppers: Vec<_> = (pushers..THREADS)
                .map(|_| {
                    s.spawn(move || {
                        let mut got = Vec::new();
                        loop {
                            // Acquire: pairs with the pushers' Release increments. Loaded
                            // before the pop, so an empty pop after it means empty for good.
                            let all_pushed = finished.load(Ordering::Acquire) == pushers;
                            match stack.pop() {
                                Some(p) => got.push(p.check()),
                                None if all_pushed => break got,
                                None => thread::yield_now(),
                            }
                        }
                    })
                })
                .collect();
            poppers
                .into_iter()
                .flat_map(|p| p.join().unwrap())
                .collect()
        })
    });
}

fn pairs_forced<R: Reclaim>() {
    forced_settings().into_iter().for_each(pairs::<R>);
}

fn pairs_off<R: Reclaim>() {
    pairs::<R>(Elimination::disabled());
}

fn split_forced<R: Reclaim>() {
    forced_settings().into_iter().for_each(split::<R>);
}

fn split_off<R: Reclaim>() {
    split::<R>(Elimination::disabled());
}

/// Threads push two values per pop and stop; the stack is dropped with the rest.
fn leftovers<R: Reclaim>() {
    run::<R>(forced(4), false, |stack, tracker| {
        thread::scope(|s| {
            let workers: Vec<_> = (0..THREADS)
                .map(|_| {
                    s.spawn(move || {
                        let mut got = Vec::new();
                        for _ in 0..OPS / 3 {
                            stack.push(tracker.payload());
                            stack.push(tracker.payload());
                            if let Some(p) = stack.pop() {
                                got.push(p.check());
                            }
                        }
                        got
                    })
                })
                .collect();
            let got: Vec<u64> = workers
                .into_iter()
                .flat_map(|w| w.join().unwrap())
                .collect();
            assert!(
                tracker.created() - got.len() >= THREADS * (OPS / 3),
                "too few left"
            );
            got
        })
    });
}

/// A stack that was never popped: its `Drop` frees every node and drops every value once.
fn drop_full<R: Reclaim>() {
    run::<R>(Elimination::new(), false, |stack, tracker| {
        thread::scope(|s| {
            for _ in 0..THREADS {
                s.spawn(|| (0..OPS / 4).for_each(|_| stack.push(tracker.payload())));
            }
        });
        assert_eq!(stack.len(), THREADS * (OPS / 4));
        Vec::new()
    });
}

/// `StaticStack` with `N` nodes under `THREADS` threads, `ops` operations each: pushes often
/// find it full and get their value back (checked to be the same value), retry it with the
/// next push, and keep it if still refused at the end. Popped, kept and left-over values are
/// exactly the ones created, each dropped once. Returns how many pushes found the stack full.
///
/// A corrupted pool (say, a cycle after an ABA) would make draining or dropping the stack
/// loop forever, so the stack is dropped only once the accounting holds, and the drain takes
/// at most `N` values.
fn static_run<const N: usize>(ops: usize, drain: bool) -> usize {
    let _serial = serial();
    let tracker = Tracker::new(THREADS * ops);
    let fulls = AtomicUsize::new(0);
    let stack = ManuallyDrop::new(StaticStack::<Payload<'_>, N>::new());
    let mut accounted: Vec<u64> = thread::scope(|s| {
        let workers: Vec<_> = (0..THREADS)
            .map(|t| {
                let (stack, tracker, fulls) = (&*stack, &tracker, &fulls);
                s.spawn(move || {
                    let mut got = Vec::new();
                    let mut refused: Option<Payload<'_>> = None;
                    let mut done = 0;
                    while done < ops {
                        let burst = 1 + (t + done) % 3;
                        for _ in 0..burst {
                            let value = refused.take().unwrap_or_else(|| tracker.payload());
                            let id = value.id();
                            if let Err(back) = stack.push(value) {
                                assert_eq!(back.check(), id, "push handed back another value");
                                // Relaxed: a statistic read after the join.
                                fulls.fetch_add(1, Ordering::Relaxed);
                                refused = Some(back);
                            }
                        }
                        for _ in 0..burst {
                            if let Some(p) = stack.pop() {
                                got.push(p.check());
                            }
                        }
                        done += 2 * burst;
                    }
                    // A value still refused is kept (and dropped) here: counted as accounted.
                    got.extend(refused.map(|p| p.check()));
                    got
                })
            })
            .collect();
        workers
            .into_iter()
            .flat_map(|w| w.join().unwrap())
            .collect()
    });
    let left = stack.len();
    assert!(left <= N);
    if drain {
        for _ in 0..N {
            accounted.extend(stack.pop().map(|p| p.check()));
        }
        assert!(
            stack.pop().is_none(),
            "more than N values in the stack: a corrupt list"
        );
        assert_exactly_once(accounted, tracker.created() as u64);
    } else {
        accounted.sort_unstable();
        accounted.dedup();
        assert_eq!(
            accounted.len() + left,
            tracker.created(),
            "values lost or duplicated"
        );
    }
    tracker.assert_no_double_drop();
    drop(ManuallyDrop::into_inner(stack));
    tracker.assert_all_dropped_once();
    // Relaxed: the threads were joined.
    fulls.load(Ordering::Relaxed)
}

#[test]
fn static_stack_under_threads_pops_every_value_once() {
    let fulls = static_run::<4>(STATIC_OPS, true);
    println!("StaticStack<_, 4> x {THREADS} threads: {fulls} pushes found it full");
}

#[test]
fn static_stack_values_left_when_threads_stop_are_dropped_once() {
    static_run::<4>(STATIC_OPS / 4, false);
}

/// Sequentially, "full" is exact: the fifth push of a 4-node stack gets its value back, and
/// a pop makes room again (the concurrent runs above cannot promise when it happens).
#[test]
fn static_stack_reports_full_at_capacity() {
    let _serial = serial();
    let tracker = Tracker::new(8);
    let stack = StaticStack::<Payload<'_>, 4>::new();
    for _ in 0..4 {
        assert!(stack.push(tracker.payload()).is_ok());
    }
    let back = stack.push(tracker.payload()).unwrap_err();
    assert_eq!(back.check(), 4);
    assert_eq!(stack.pop().map(|p| p.check()), Some(3));
    assert!(stack.push(back).is_ok());
    assert_eq!(stack.len(), 4);
    drop(stack);
    tracker.assert_all_dropped_once();
}
