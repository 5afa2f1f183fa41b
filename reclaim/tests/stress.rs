#![cfg(all(feature = "std", feature = "ibr", feature = "debra", not(ccol_loom)))]
//! Oversubscribed stress (8 threads on a 2-core machine): threads pick random links of a
//! small shared array and either read (protected loads, dereference, yield, check again) or
//! replace the node (swap or CAS) and retire the old one. A node freed too early shows up as
//! a poisoned canary in a reader (`Payload::check`), or as a report under ASan or Miri; at the
//! end every payload must have been dropped exactly once. Both schemes; half the threads use
//! thread-local participants, half explicit handles.

mod common;

use ccol_arch::config::Config;

use std::{sync::Barrier, thread};

use ccol_atomics::sync::atomic::Ordering::{AcqRel, Acquire};
use ccol_reclaim::{Atomic, Domain, Guard, Owned, Reclaim, Shared};
use common::{Payload, Rng, Tracker, for_each_config, scaled};

for_each_config!(
    oversubscribed_readers_and_writers_never_see_a_freed_node => oversubscribed,
    long_readers_next_to_writers_keep_their_nodes => long_readers,
);

const LINKS: usize = 4;

/// Reads one to three random links under `guard`, yields now and then (so another thread
/// runs while the references are held), and checks every node again.
fn read<R: Reclaim>(guard: &Guard<'_, R>, links: &[Atomic<Payload<'_>, R>], rng: &mut Rng) {
    let mut seen = [None; 3];
    for slot in seen.iter_mut().take(1 + rng.below(3) as usize) {
        let link = &links[rng.below(LINKS as u64) as usize];
        let node = link.load(guard);
        // SAFETY: a protected load under `guard`; the links are never null while threads run.
        let payload = unsafe { node.deref() };
        *slot = Some((payload, payload.check()));
    }
    if rng.below(8) == 0 {
        thread::yield_now();
    }
    for (payload, id) in seen.into_iter().flatten() {
        assert_eq!(payload.check(), id, "node {id} changed under a guard");
    }
}

/// Replaces the node of a random link (swap, or a CAS that may lose) and retires the old one.
fn write<'t, R: Reclaim>(
    guard: &Guard<'_, R>,
    links: &[Atomic<Payload<'t>, R>],
    tracker: &'t Tracker,
    rng: &mut Rng,
) {
    let link = &links[rng.below(LINKS as u64) as usize];
    let new = Owned::new(tracker.payload(), guard.domain());
    let old = if rng.below(2) == 0 {
        link.swap(new, AcqRel, guard)
    } else {
        let current = link.load(guard);
        match link.compare_exchange(current, new, AcqRel, Acquire, guard) {
            Ok(previous) => previous,
            Err(lost) => {
                // SAFETY: the failed CAS protected `current` like a load.
                unsafe { lost.current.deref() }.check();
                drop(lost.new);
                Shared::null()
            }
        }
    };
    // SAFETY: `old` (if not null) was unlinked by this thread's swap or CAS; retired once.
    unsafe { guard.retire(old) };
}

/// Runs `threads` workers for `ops` operations each; `write_one_in` sets the write ratio;
/// thread 0 holds each guard for `hold` operations (a long reader) when `hold > 1`.
fn run<R: Reclaim>(config: &Config, threads: usize, ops: usize, write_one_in: u64, hold: usize) {
    let tracker = Tracker::new(LINKS + threads * ops);
    let domain = Domain::<R>::with_config(config);
    let links: Vec<Atomic<Payload<'_>, R>> = (0..LINKS)
        .map(|_| Atomic::new(Owned::new(tracker.payload(), &domain)))
        .collect();
    let start = Barrier::new(threads);
    thread::scope(|s| {
        for index in 0..threads {
            let (domain, links, tracker, start) = (&domain, &links, &tracker, &start);
            s.spawn(move || {
                let mut rng = Rng::new(index as u64 + 1);
                let handle = (index % 2 == 1).then(|| domain.register().unwrap());
                let pin = || {
                    handle
                        .as_ref()
                        .map_or_else(|| domain.pin(), |handle| handle.pin())
                };
                start.wait();
                if index == 0 && hold > 1 {
                    // A long traversal: everything read under the guard stays in use until
                    // the guard ends, while writers retire those nodes.
                    for _ in 0..ops / hold {
                        let guard = pin();
                        let mut held = Vec::with_capacity(hold);
                        for _ in 0..hold {
                            let link = &links[rng.below(LINKS as u64) as usize];
                            // SAFETY: a protected load; links are never null while threads run.
                            let payload = unsafe { link.load(&guard).deref() };
                            held.push((payload, payload.check()));
                            if rng.below(8) == 0 {
                                thread::yield_now();
                            }
                        }
                        for (payload, id) in held {
                            assert_eq!(payload.check(), id, "node {id} freed under a long guard");
                        }
                    }
                    return;
                }
                for _ in 0..ops {
                    let guard = pin();
                    if rng.below(write_one_in) == 0 {
                        write(&guard, links, tracker, &mut rng);
                    } else if rng.below(64) == 0 {
                        // A nested guard around a read.
                        read(&pin(), links, &mut rng);
                    } else {
                        read(&guard, links, &mut rng);
                    }
                    if rng.below(512) == 0 {
                        guard.flush();
                    }
                }
            });
        }
    });
    tracker.assert_no_double_drop();
    for link in links {
        // SAFETY: every thread is joined; the nodes still linked were never retired.
        let owned = unsafe { link.into_owned() };
        owned.check();
    }
    drop(domain);
    tracker.assert_all_dropped_once();
}

fn oversubscribed<R: Reclaim>(config: &Config) {
    run::<R>(config, scaled(8, 3), scaled(50_000, 20), 3, 1);
}

fn long_readers<R: Reclaim>(config: &Config) {
    run::<R>(config, scaled(8, 3), scaled(25_000, 20), 2, scaled(500, 10));
}
