#![cfg(all(feature = "std", feature = "ibr", feature = "debra", not(ccol_loom)))]
//! Participant registration: a fixed registry refuses the participant beyond its limit with a
//! recoverable `RegistryFull` and reuses released slots; a `static` domain works from several
//! threads; a growable registry takes many concurrent registrations; thread-local
//! participants give their slot back when their thread exits, and so does the temporary
//! participant of a pin made while the thread exits. Both schemes.

extern crate alloc;

mod common;

use alloc::sync::Arc;
use core::cell::RefCell;
use std::{sync::Barrier, thread};

use ccol_arch::config::Config;
use ccol_atomics::sync::atomic::{AtomicUsize, Ordering, Ordering::AcqRel};
use ccol_reclaim::{Atomic, Debra, Domain, Ibr, Owned, Reclaim, RegistryFull, Shared};
use common::{Tracker, for_each_scheme, scaled};

for_each_scheme!(
    fixed_registry_refuses_the_extra_participant_and_reuses_slots => fixed_registry,
    growable_registry_takes_many_concurrent_registrations => growable_registry,
    fixed_registry_admits_its_limit_under_concurrent_registration => fixed_registry_concurrent,
    try_pin_on_a_full_domain_returns_registry_full => try_pin_when_full,
    thread_local_participants_are_released_at_thread_exit => released_at_exit,
    a_pin_during_thread_exit_uses_and_releases_a_temporary_participant => pinned_during_exit,
);

fn fixed_registry<R: Reclaim>() {
    const LIMIT: usize = 4;
    let configured = Config::DEFAULT.with_retire_threshold(4).unwrap();
    for domain in [
        Domain::<R>::with_max_participants(LIMIT),
        Domain::<R>::with_config_and_max_participants(&configured, LIMIT),
    ] {
        assert_eq!(domain.max_participants(), LIMIT);
        let mut handles: Vec<_> = (0..LIMIT).map(|_| domain.register().unwrap()).collect();
        let full = domain.register().unwrap_err();
        assert_eq!(
            full,
            RegistryFull {
                max_participants: LIMIT
            }
        );
        assert!(full.to_string().contains(&LIMIT.to_string()));
        let _: &dyn core::error::Error = &full;
        // Dropping any handle frees its slot for the next registration, as often as needed.
        for round in 0..3 {
            drop(handles.swap_remove(round % handles.len()));
            handles.push(domain.register().expect("a released slot is reused"));
            assert!(domain.register().is_err());
        }
        // Each handle works and is its own participant.
        let guards: Vec<_> = handles.iter().map(|handle| handle.pin()).collect();
        assert!(handles.iter().all(|handle| handle.is_pinned()));
        drop(guards);
        assert!(handles.iter().all(|handle| !handle.is_pinned()));
        handles.clear();
        let again: Vec<_> = (0..LIMIT).map(|_| domain.register()).collect();
        assert!(again.iter().all(Result::is_ok));
    }
    // A growable registry reports no limit.
    assert_eq!(Domain::<R>::new().max_participants(), usize::MAX);
    assert_eq!(
        Domain::<R>::with_config(&configured).max_participants(),
        usize::MAX
    );
}

fn growable_registry<R: Reclaim>() {
    let threads = scaled(100, 4);
    let tracker = Tracker::new(threads);
    let domain = Domain::<R>::new();
    let registered = Barrier::new(threads);
    let link: Atomic<_, R> = Atomic::null();
    thread::scope(|s| {
        for _ in 0..threads {
            s.spawn(|| {
                let handle = domain
                    .register()
                    .expect("a growable registry never fills up");
                // Every participant is registered at once before any leaves.
                registered.wait();
                let guard = handle.pin();
                let old = link.swap(Owned::new(tracker.payload(), &domain), AcqRel, &guard);
                // SAFETY: unlinked by the swap, retired once.
                unsafe { guard.retire(old) };
            });
        }
    });
    #[cfg(feature = "stats")]
    assert!(domain.stats().registry_slots >= threads);
    // SAFETY: all threads joined; the last node was never retired.
    drop(unsafe { link.into_owned() });
    domain.flush();
    assert_eq!(
        tracker.dropped(),
        threads,
        "garbage of released handles was not adopted"
    );
    drop(domain);
    tracker.assert_all_dropped_once();
}

/// Exactly `max_participants` threads register at once on an empty fixed registry: every
/// one of them must get a slot. (A registration whose search missed slots another thread
/// linked meanwhile must search again, not report `RegistryFull`.)
fn fixed_registry_concurrent<R: Reclaim>() {
    // Three segments (4, 4, 8 slots): three growers race with the searchers each round
    // (under Miri two segments, to keep the run short).
    const LIMIT: usize = if cfg!(miri) { 8 } else { 16 };
    // A tenth of the rounds on aarch64, which the gate runs under qemu-user (16,000 thread
    // spawns per scheme took 70 s there).
    const ROUNDS: usize = if cfg!(target_arch = "aarch64") {
        100
    } else {
        scaled(1_000, 2)
    };
    for _ in 0..ROUNDS {
        let domain = Domain::<R>::with_max_participants(LIMIT);
        let start = Barrier::new(LIMIT);
        let all_in = Barrier::new(LIMIT);
        let refused = AtomicUsize::new(0);
        thread::scope(|s| {
            for _ in 0..LIMIT {
                s.spawn(|| {
                    start.wait();
                    let handle = domain.register();
                    if handle.is_err() {
                        // Relaxed: read after the scope joins the threads.
                        refused.fetch_add(1, Ordering::Relaxed);
                    }
                    // Keep the slot until everyone has tried.
                    all_in.wait();
                    drop(handle);
                });
            }
        });
        let refused = refused.load(Ordering::Relaxed);
        assert_eq!(
            refused, 0,
            "{refused} of {LIMIT} concurrent registrations refused"
        );
    }
}

fn try_pin_when_full<R: Reclaim>() {
    let domain = Domain::<R>::with_max_participants(1);
    let handle = domain.register().unwrap();
    let full = RegistryFull {
        max_participants: 1,
    };
    thread::scope(|s| {
        let other = s.spawn(|| {
            let pinned = domain.try_pin().map(drop);
            (pinned, domain.register().map(drop))
        });
        assert_eq!(other.join().unwrap(), (Err(full), Err(full)));
    });
    // This thread has no thread-local participant yet either.
    assert_eq!(domain.try_pin().map(drop), Err(full));
    drop(handle);
    // Now the thread-local participant takes the slot, and keeps it while the thread lives.
    let guard = domain.try_pin().expect("the released slot is free");
    drop(guard);
    assert_eq!(domain.register().map(drop), Err(full));
    assert!(
        domain.try_pin().is_ok(),
        "the thread's own participant is found again"
    );
    // Another thread still cannot get in, and says so without panicking.
    thread::scope(|s| {
        assert_eq!(
            s.spawn(|| domain.try_pin().map(drop)).join().unwrap(),
            Err(full)
        );
    });
}

fn released_at_exit<R: Reclaim>() {
    const LIMIT: usize = 4;
    let threads = scaled(50, 4);
    let tracker = Tracker::new(threads);
    let domain = Domain::<R>::with_max_participants(LIMIT);
    // Holds one slot for the whole test, so only LIMIT - 1 are left for the threads.
    let holder = domain.register().unwrap();
    for _ in 0..threads {
        thread::scope(|s| {
            s.spawn(|| {
                let guard = domain
                    .try_pin()
                    .expect("the slot of an exited thread is reused");
                let object = Owned::new(tracker.payload(), &domain).into_shared(&guard);
                // SAFETY: never published; retired once.
                unsafe { guard.retire(object) };
            })
            .join()
            .unwrap();
        });
    }
    drop(holder);
    let last = domain.register().unwrap();
    last.flush();
    assert_eq!(
        tracker.dropped(),
        threads,
        "garbage of exited threads was not handed over"
    );
    drop(last);
    drop(domain);
    tracker.assert_all_dropped_once();
    // A growable domain does not grow either: the registry stays at its first segment.
    #[cfg(feature = "stats")]
    {
        let domain = Domain::<R>::new();
        for _ in 0..threads {
            thread::scope(|s| s.spawn(|| drop(domain.pin())).join().unwrap());
        }
        let stats = domain.stats();
        assert_eq!(stats.participants, 0);
        assert!(
            stats.registry_slots <= LIMIT,
            "{} slots for 1 live thread",
            stats.registry_slots
        );
    }
}

/// A value of a `static` domain, counting its drops in a `static` counter.
#[derive(Debug)]
struct Counted {
    value: usize,
    drops: &'static AtomicUsize,
}

impl Drop for Counted {
    fn drop(&mut self) {
        // Relaxed: read after the threads are joined.
        self.drops.fetch_add(1, Ordering::Relaxed);
    }
}

static IBR_DOMAIN: Domain<Ibr> = Domain::new();
static IBR_LINK: Atomic<Counted, Ibr> = Atomic::null();
static IBR_DROPS: AtomicUsize = AtomicUsize::new(0);
static DEBRA_DOMAIN: Domain<Debra> = Domain::with_max_participants(8);
static DEBRA_LINK: Atomic<Counted, Debra> = Atomic::null();
static DEBRA_DROPS: AtomicUsize = AtomicUsize::new(0);

/// Several threads swap values through a `static` link of a `static` domain, some with
/// thread-local participants, some with handles; every value is dropped once after a flush.
fn static_domain_from_threads<R: Reclaim>(
    domain: &'static Domain<R>,
    link: &'static Atomic<Counted, R>,
    drops: &'static AtomicUsize,
) {
    let threads = scaled(4, 3);
    let per_thread = scaled(500, 10);
    let mut joins = Vec::new();
    for index in 0..threads {
        joins.push(thread::spawn(move || {
            let handle = (index % 2 == 1).then(|| domain.register().unwrap());
            for value in 0..per_thread {
                let guard = handle
                    .as_ref()
                    .map_or_else(|| domain.pin(), |handle| handle.pin());
                let new = Owned::new(Counted { value, drops }, domain);
                let old = link.swap(new, AcqRel, &guard);
                // SAFETY: protected while `guard` lives (the swap's caller unlinked it).
                if let Some(old) = unsafe { old.as_ref() } {
                    assert!(old.value < per_thread);
                }
                // SAFETY: unlinked by the swap, retired once.
                unsafe { guard.retire(old) };
            }
        }));
    }
    // `join` returns after the thread's thread-local participant was released.
    for join in joins {
        join.join().unwrap();
    }
    let guard = domain.pin();
    let last = link.swap(Shared::null(), AcqRel, &guard);
    // SAFETY: unlinked by the swap, retired once.
    unsafe { guard.retire(last) };
    drop(guard);
    domain.flush();
    // Relaxed: every drop ran in this thread's flush or in a joined thread.
    assert_eq!(drops.load(Ordering::Relaxed), threads * per_thread);
}

#[test]
fn static_ibr_domain_is_shared_by_threads() {
    static_domain_from_threads(&IBR_DOMAIN, &IBR_LINK, &IBR_DROPS);
}

#[test]
fn static_debra_domain_is_shared_by_threads() {
    static_domain_from_threads(&DEBRA_DOMAIN, &DEBRA_LINK, &DEBRA_DROPS);
}

/// Runs a closure from a thread-local destructor.
struct AtExit(RefCell<Option<Box<dyn FnOnce()>>>);

impl Drop for AtExit {
    fn drop(&mut self) {
        if let Some(run) = self.0.get_mut().take() {
            run();
        }
    }
}

std::thread_local! {
    static AT_EXIT: AtExit = const { AtExit(RefCell::new(None)) };
}

/// A thread pins a domain from a thread-local destructor that runs after ccol-reclaim's own
/// table of thread-local participants is gone: the pin claims a temporary participant, and
/// dropping the guard must release it (the domain has a single slot, so a leaked temporary
/// participant would lock everybody out).
fn pinned_during_exit<R: Reclaim>() {
    let domain = Arc::new(Domain::<R>::with_max_participants(1));
    // (whether the thread's table was already released, whether the exit-time pin worked)
    let seen = Arc::new(std::sync::Mutex::new(None));
    let (in_thread, seen_in_thread) = (Arc::clone(&domain), Arc::clone(&seen));
    thread::spawn(move || {
        let at_exit_domain = Arc::clone(&in_thread);
        // Touched before the domain, so its destructor is registered first and runs after
        // the participant table's (thread-local destructors run in reverse order).
        AT_EXIT.with(|at_exit| {
            *at_exit.0.borrow_mut() = Some(Box::new(move || {
                // The table released the thread's participant (the only slot) already.
                let table_released = at_exit_domain.register().map(drop).is_ok();
                let pinned = at_exit_domain.try_pin().map(drop).is_ok();
                *seen_in_thread.lock().unwrap() = Some((table_released, pinned));
            }));
        });
        // The thread's participant takes the only slot until the thread exits.
        drop(in_thread.pin());
        assert!(in_thread.register().is_err());
    })
    .join()
    .unwrap();
    let seen = seen.lock().unwrap().take();
    assert_eq!(
        seen,
        Some((true, true)),
        "the exit-time pin ran after the participant table was released, and succeeded"
    );
    assert!(
        domain.register().is_ok(),
        "the temporary participant was released when its guard dropped"
    );
}
