//! `Backoff` and `SpinHint`: the exact spin-count sequence (growth, cap, reset), the snooze
//! stages and the `ParkNow` point, limit validation, and use through `BackoffPolicy`.
#![cfg(not(ccol_loom))]

use ccol_arch::config::Config;
use ccol_backoff::{Backoff, BackoffError, BackoffPolicy, BackoffStep, SpinHint};

/// The counts `spin` executes in `calls` calls: `current_spins` read before each call.
fn spin_sequence(backoff: &mut Backoff, calls: usize) -> Vec<u32> {
    (0..calls)
        .map(|_| {
            let count = backoff.current_spins();
            backoff.spin();
            count
        })
        .collect()
}

/// What `snooze` returns in `calls` calls.
fn snooze_sequence(backoff: &mut Backoff, calls: usize) -> Vec<BackoffStep> {
    (0..calls).map(|_| backoff.snooze()).collect()
}

/// The step the yield stage reports: `Yielded` with std, `Spun` without (no yield stage).
const PAST_SPIN: BackoffStep = if cfg!(feature = "std") {
    BackoffStep::Yielded
} else {
    BackoffStep::Spun
};

#[test]
fn default_limits_double_to_64_then_cap() {
    let mut backoff = Backoff::new();
    assert_eq!(
        (backoff.spin_limit(), backoff.yield_limit()),
        (Backoff::DEFAULT_SPIN_LIMIT, Backoff::DEFAULT_YIELD_LIMIT)
    );
    assert_eq!((backoff.spin_limit(), backoff.yield_limit()), (6, 10));
    assert_eq!(Backoff::default(), backoff);
    assert_eq!(
        spin_sequence(&mut backoff, 10),
        [1, 2, 4, 8, 16, 32, 64, 64, 64, 64]
    );
}

#[test]
fn growth_and_cap_for_several_limits() {
    for spin_limit in [0, 1, 3, 5, 9] {
        let mut backoff = Backoff::with_limits(spin_limit, 12).unwrap();
        let calls = spin_limit as usize + 4;
        let expected: Vec<u32> = (0..calls as u32).map(|i| 1 << i.min(spin_limit)).collect();
        assert_eq!(
            spin_sequence(&mut backoff, calls),
            expected,
            "spin_limit {spin_limit}"
        );
        assert!(
            !backoff.is_completed(),
            "spin alone never passes a higher yield limit"
        );
    }
}

#[test]
fn reset_starts_over_and_is_idempotent() {
    let mut backoff = Backoff::new();
    // The predecessor's plan: three backoffs, a reset, two more: 1, 2, 4, 1, 2.
    let mut seen = spin_sequence(&mut backoff, 3);
    backoff.reset();
    seen.extend(spin_sequence(&mut backoff, 2));
    assert_eq!(seen, [1, 2, 4, 1, 2]);

    backoff.reset();
    let once = backoff;
    backoff.reset();
    assert_eq!(backoff, once, "a second reset changes nothing");
    assert_eq!(backoff, Backoff::new());

    let _ = snooze_sequence(&mut backoff, 20);
    assert!(backoff.is_completed());
    backoff.reset();
    assert!(!backoff.is_completed());
    assert_eq!(backoff.current_spins(), 1);
}

#[test]
fn snooze_spins_then_yields_then_says_park() {
    let mut backoff = Backoff::with_limits(2, 5).unwrap();
    let mut expected = vec![BackoffStep::Spun; 3]; // steps 0, 1, 2
    expected.extend([PAST_SPIN; 3]); // steps 3, 4, 5
    let steps = snooze_sequence(&mut backoff, 6);
    assert_eq!(steps, expected);
    assert!(
        backoff.is_completed(),
        "completed exactly after yield_limit + 1 snoozes"
    );
    assert_eq!(
        snooze_sequence(&mut backoff, 3),
        [BackoffStep::ParkNow; 3],
        "ParkNow on every later call"
    );
    assert_eq!(backoff.current_spins(), 4, "the spin count stays capped");
}

#[test]
fn is_completed_turns_true_right_before_park_now() {
    let mut backoff = Backoff::new();
    let mut calls = 0;
    while !backoff.is_completed() {
        assert_ne!(backoff.snooze(), BackoffStep::ParkNow);
        calls += 1;
    }
    assert_eq!(calls, Backoff::DEFAULT_YIELD_LIMIT + 1);
    assert_eq!(backoff.snooze(), BackoffStep::ParkNow);
}

#[test]
fn equal_limits_have_no_yield_stage() {
    // min == max: spin up to the cap, then park.
    let mut backoff = Backoff::with_limits(4, 4).unwrap();
    let mut expected = vec![BackoffStep::Spun; 5];
    expected.push(BackoffStep::ParkNow);
    assert_eq!(snooze_sequence(&mut backoff, 6), expected);

    let mut zero = Backoff::with_limits(0, 0).unwrap();
    assert_eq!(spin_sequence(&mut zero, 4), [1, 1, 1, 1]);
    assert!(zero.is_completed(), "spin also reaches the completed state");
    zero.reset();
    assert_eq!(
        snooze_sequence(&mut zero, 3),
        [
            BackoffStep::Spun,
            BackoffStep::ParkNow,
            BackoffStep::ParkNow
        ]
    );
}

#[test]
fn large_limits_reach_the_cap_without_overflow() {
    // 2^20 hints at the cap (the predecessor's "large max"); smaller under Miri, where each
    // hint is interpreted.
    let limit: u32 = if cfg!(miri) { 8 } else { 20 };
    let mut backoff = Backoff::with_limits(limit, Backoff::MAX_LIMIT).unwrap();
    let expected: Vec<u32> = (0..=limit + 1).map(|i| 1 << i.min(limit)).collect();
    assert_eq!(spin_sequence(&mut backoff, limit as usize + 2), expected);
    assert_eq!(backoff.current_spins(), 1 << limit);

    let widest = Backoff::with_limits(Backoff::MAX_LIMIT, Backoff::MAX_LIMIT).unwrap();
    assert_eq!(widest.current_spins(), 1);
    assert_eq!(widest.spin_limit(), 31);
}

#[test]
fn invalid_limits_are_rejected() {
    assert_eq!(
        Backoff::with_limits(32, 32),
        Err(BackoffError::SpinLimitTooLarge { spin_limit: 32 })
    );
    assert_eq!(
        Backoff::with_limits(0, 32),
        Err(BackoffError::YieldLimitTooLarge { yield_limit: 32 })
    );
    assert_eq!(
        Backoff::with_limits(5, 4),
        Err(BackoffError::SpinAboveYield {
            spin_limit: 5,
            yield_limit: 4
        })
    );
    assert_eq!(
        Backoff::with_limits(u32::MAX, u32::MAX),
        Err(BackoffError::SpinLimitTooLarge {
            spin_limit: u32::MAX
        })
    );
    assert_eq!(
        Backoff::with_limits(5, 4).unwrap_err().to_string(),
        "backoff spin limit 5 exceeds the yield limit 4"
    );
    assert_eq!(
        Backoff::with_limits(40, 40).unwrap_err().to_string(),
        "backoff spin limit 40 exceeds 31"
    );
    let error: Box<dyn core::error::Error> = Box::new(Backoff::with_limits(1, 99).unwrap_err());
    assert_eq!(error.to_string(), "backoff yield limit 99 exceeds 31");
}

/// `with_limits` is usable in constants.
const FAST: Backoff = match Backoff::with_limits(1, 2) {
    Ok(backoff) => backoff,
    Err(_) => Backoff::new(),
};

#[test]
fn with_limits_is_const() {
    assert_eq!((FAST.spin_limit(), FAST.yield_limit()), (1, 2));
}

#[test]
fn from_config_takes_the_configured_limits() {
    assert_eq!(Backoff::from_config(&Config::DEFAULT), Backoff::new());
    let config = Config::new().with_backoff_limits(2, 3).unwrap();
    let backoff = Backoff::from_config(&config);
    assert_eq!((backoff.spin_limit(), backoff.yield_limit()), (2, 3));
    let config = Config::new().with_backoff_limits(31, 31).unwrap();
    assert_eq!(Backoff::from_config(&config).spin_limit(), 31);
}

/// Snoozes `policy` until it advises parking or `budget` calls pass; returns the calls made.
fn snoozes_until_park<B: BackoffPolicy>(policy: &mut B, budget: usize) -> usize {
    (0..budget)
        .find(|_| policy.snooze() == BackoffStep::ParkNow)
        .unwrap_or(budget)
}

#[test]
fn policies_work_through_the_trait() {
    let mut backoff = Backoff::with_limits(1, 3).unwrap();
    assert_eq!(snoozes_until_park(&mut backoff, 100), 4);
    BackoffPolicy::reset(&mut backoff);
    assert!(!BackoffPolicy::is_completed(&backoff));
    BackoffPolicy::spin(&mut backoff);
    assert_eq!(backoff.current_spins(), 2);

    let mut hint = SpinHint;
    assert_eq!(
        snoozes_until_park(&mut hint, 100),
        100,
        "SpinHint never parks"
    );
    hint.spin();
    hint.reset();
    assert!(!hint.is_completed());
    assert_eq!(hint, <SpinHint as Default>::default());
}

/// Terminates only if `snooze` lets the other thread run (a hang fails the test).
#[test]
fn snooze_waits_for_another_thread() {
    use ccol_atomics::sync::atomic::{AtomicBool, Ordering};

    let ready = AtomicBool::new(false);
    std::thread::scope(|scope| {
        scope.spawn(|| {
            // Release: pairs with the Acquire load of the waiting loop.
            ready.store(true, Ordering::Release);
        });
        let mut backoff = Backoff::new();
        // Acquire: pairs with the Release store above.
        while !ready.load(Ordering::Acquire) {
            if backoff.snooze() == BackoffStep::ParkNow {
                std::thread::yield_now();
            }
        }
    });
}
