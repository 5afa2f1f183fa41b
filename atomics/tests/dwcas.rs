//! `AtomicDoubleWord`: the compile-time and run-time lock-freedom checks match the target and
//! the CPU, single-threaded semantics match `AtomicUsize`'s (with both halves compared), and
//! concurrent updates of both halves never tear, and the caller's Release/Acquire orderings
//! reach every backend (checked by Miri's data-race detector).
#![cfg(not(ccol_loom))]

use ccol_atomics::{DWCAS_ALWAYS_LOCK_FREE, DoubleWord, DwcasUnsupported, dwcas_is_lock_free};

#[test]
fn always_lock_free_matches_the_target() {
    let expected = cfg!(any(
        all(
            target_arch = "x86_64",
            target_pointer_width = "64",
            target_feature = "cmpxchg16b"
        ),
        all(target_arch = "aarch64", target_pointer_width = "64"),
        all(target_pointer_width = "32", target_has_atomic = "64"),
    ));
    assert_eq!(DWCAS_ALWAYS_LOCK_FREE, expected);
    if DWCAS_ALWAYS_LOCK_FREE {
        assert!(dwcas_is_lock_free());
    }
}

/// Whether `/proc/cpuinfo` lists `cx16` (Linux on x86-64, outside Miri's isolation).
#[cfg(all(target_arch = "x86_64", target_os = "linux", not(miri)))]
fn cpuinfo_has_cx16() -> bool {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").expect("read /proc/cpuinfo");
    cpuinfo
        .lines()
        .filter(|line| line.starts_with("flags"))
        .all(|line| line.split_whitespace().any(|flag| flag == "cx16"))
}

#[cfg(all(target_arch = "x86_64", target_os = "linux", not(miri)))]
#[test]
fn run_time_check_agrees_with_cpuinfo() {
    let has_cx16 = cpuinfo_has_cx16();
    // Without std, `ccol_arch` answers from `cfg(target_feature)` only.
    let detected = has_cx16 && cfg!(feature = "std");
    assert_eq!(dwcas_is_lock_free(), detected || DWCAS_ALWAYS_LOCK_FREE);
    assert_eq!(
        ccol_atomics::AtomicDoubleWord::try_new(DoubleWord::new(1, 2)).is_ok(),
        dwcas_is_lock_free()
    );
    // The machines this family is tested on all have CMPXCHG16B (any x86-64 CPU since 2006).
    assert!(has_cx16, "this test machine is expected to have cx16");
}

#[test]
fn unsupported_is_a_real_error() {
    fn assert_error<E: core::error::Error + Copy + Eq + Send + Sync + 'static>() {}
    assert_error::<DwcasUnsupported>();
}

#[test]
fn double_word_conversions() {
    let value = DoubleWord::new(3, 4);
    assert_eq!(value, DoubleWord { lo: 3, hi: 4 });
    assert_eq!(DoubleWord::from((3, 4)), value);
    assert_eq!(<(usize, usize)>::from(value), (3, 4));
    assert_eq!(DoubleWord::default(), DoubleWord::new(0, 0));
}

#[cfg(any(
    all(target_arch = "x86_64", target_pointer_width = "64"),
    all(target_arch = "aarch64", target_pointer_width = "64"),
    all(target_pointer_width = "32", target_has_atomic = "64"),
))]
mod present {
    use core::panic::AssertUnwindSafe;
    use std::{panic::catch_unwind, sync::Barrier, thread};

    use ccol_atomics::{
        AtomicDoubleWord, DoubleWord, dwcas_is_lock_free,
        sync::{
            atomic::{AtomicBool, Ordering},
            cell::UnsafeCell,
        },
    };

    /// Bit patterns that expose a packing mistake (a lost or swapped half, a bad shift).
    const HIGH: usize = 1 << (usize::BITS - 1);
    const MIXED: DoubleWord = DoubleWord::new(HIGH | 0x5a, usize::MAX - 7);

    /// Whether the crate documents `try_new` as failing here even on a CPU with the
    /// instruction: x86-64 without std (no run-time detection) and without the compile-time
    /// feature. Miri models the instruction instead.
    const REFUSED_WITHOUT_STD: bool = cfg!(all(
        target_arch = "x86_64",
        not(feature = "std"),
        not(target_feature = "cmpxchg16b"),
        not(miri)
    ));

    /// The atomic, or `None` exactly where [`REFUSED_WITHOUT_STD`] says so.
    fn atomic(value: DoubleWord) -> Option<AtomicDoubleWord> {
        let result = AtomicDoubleWord::try_new(value);
        assert_eq!(
            result.is_err(),
            REFUSED_WITHOUT_STD,
            "unexpected try_new result"
        );
        result.ok()
    }

    #[test]
    fn try_new_succeeds_here() {
        assert_eq!(dwcas_is_lock_free(), !REFUSED_WITHOUT_STD);
        if let Some(pair) = atomic(MIXED) {
            assert_eq!(pair.into_inner(), MIXED);
        }
    }

    #[test]
    fn layout_is_two_words_aligned_to_two_words() {
        let words = 2 * core::mem::size_of::<usize>();
        assert_eq!(core::mem::size_of::<AtomicDoubleWord>(), words);
        assert_eq!(core::mem::align_of::<AtomicDoubleWord>(), words);
    }

    #[test]
    fn compare_exchange_returns_the_current_value() {
        let Some(pair) = atomic(MIXED) else {
            return;
        };
        // Orderings are arbitrary in this single-threaded test.
        assert_eq!(pair.load(Ordering::Relaxed), MIXED);
        assert_eq!(pair.load(Ordering::Acquire), MIXED);
        assert_eq!(pair.load(Ordering::SeqCst), MIXED);

        let next = DoubleWord::new(1, 2);
        // Only one half matches: the CAS compares both.
        let lo_only = DoubleWord::new(MIXED.lo, 0);
        let hi_only = DoubleWord::new(0, MIXED.hi);
        for wrong in [lo_only, hi_only, DoubleWord::default()] {
            assert_eq!(
                pair.compare_exchange(wrong, next, Ordering::AcqRel, Ordering::Acquire),
                Err(MIXED)
            );
            assert_eq!(
                pair.load(Ordering::Relaxed),
                MIXED,
                "a failed CAS stores nothing"
            );
        }
        assert_eq!(
            pair.compare_exchange(MIXED, next, Ordering::SeqCst, Ordering::Relaxed),
            Ok(MIXED)
        );
        assert_eq!(pair.load(Ordering::Relaxed), next);
    }

    #[test]
    fn compare_exchange_weak_succeeds_in_a_loop() {
        let Some(pair) = atomic(DoubleWord::new(5, 6)) else {
            return;
        };
        let mut current = pair.load(Ordering::Relaxed);
        let mut attempts = 0;
        loop {
            attempts += 1;
            let next = DoubleWord::new(current.lo + 1, current.hi + 1);
            match pair.compare_exchange_weak(current, next, Ordering::Release, Ordering::Relaxed) {
                Ok(previous) => {
                    assert_eq!(previous, DoubleWord::new(5, 6));
                    break;
                }
                // Spurious failures report the unchanged value.
                Err(actual) => current = actual,
            }
            assert!(attempts < 1_000, "weak CAS never succeeded");
        }
        assert_eq!(pair.load(Ordering::Relaxed), DoubleWord::new(6, 7));
        assert_eq!(
            pair.compare_exchange_weak(
                DoubleWord::new(5, 6),
                MIXED,
                Ordering::Relaxed,
                Ordering::Relaxed
            ),
            Err(DoubleWord::new(6, 7)),
            "a weak CAS against a wrong value fails with the current value"
        );
    }

    #[test]
    fn swap_store_and_fetch_update() {
        let Some(pair) = atomic(DoubleWord::default()) else {
            return;
        };
        assert_eq!(pair.swap(MIXED, Ordering::AcqRel), DoubleWord::default());
        assert_eq!(pair.swap(DoubleWord::new(9, 9), Ordering::SeqCst), MIXED);
        pair.store(DoubleWord::new(0, 0), Ordering::Release);
        assert_eq!(pair.load(Ordering::Acquire), DoubleWord::new(0, 0));
        pair.store(MIXED, Ordering::SeqCst);
        assert_eq!(pair.load(Ordering::Relaxed), MIXED);

        let bumped = pair.fetch_update(Ordering::AcqRel, Ordering::Acquire, |v| {
            Some(DoubleWord::new(v.lo.wrapping_add(1), v.hi.wrapping_sub(1)))
        });
        assert_eq!(bumped, Ok(MIXED));
        let expected = DoubleWord::new(MIXED.lo + 1, MIXED.hi - 1);
        assert_eq!(pair.load(Ordering::Relaxed), expected);
        let refused = pair.fetch_update(Ordering::AcqRel, Ordering::Acquire, |_| None);
        assert_eq!(refused, Err(expected));
        assert_eq!(
            format!("{pair:?}"),
            format!("AtomicDoubleWord({expected:?})")
        );
    }

    #[test]
    fn invalid_orderings_panic_on_every_backend() {
        let Some(pair) = atomic(DoubleWord::default()) else {
            return;
        };
        let panics = |f: &dyn Fn()| catch_unwind(AssertUnwindSafe(f)).is_err();
        assert!(panics(&|| {
            pair.load(Ordering::Release);
        }));
        assert!(panics(&|| {
            pair.load(Ordering::AcqRel);
        }));
        assert!(panics(
            &|| pair.store(DoubleWord::default(), Ordering::Acquire)
        ));
        assert!(panics(&|| {
            let _ = pair.compare_exchange(
                DoubleWord::default(),
                MIXED,
                Ordering::SeqCst,
                Ordering::Release,
            );
        }));
        assert!(panics(&|| {
            let _ = pair.compare_exchange_weak(
                DoubleWord::default(),
                MIXED,
                Ordering::SeqCst,
                Ordering::AcqRel,
            );
        }));
        // Nothing was stored by the rejected calls.
        assert_eq!(pair.load(Ordering::Relaxed), DoubleWord::default());
    }

    /// A plain (non-atomic) value handed from one thread to another.
    struct Payload(UnsafeCell<u64>);

    // SAFETY: the tests below write the payload only before publishing it and read it only
    // after an Acquire operation that observed the publication.
    unsafe impl Sync for Payload {}

    /// Release on each write path (CAS, `store`, `swap`) and Acquire on each read path (`load`,
    /// a failed CAS) order a plain write before a plain read. x86-64 hardware orders these
    /// anyway, so this bites under Miri, whose data-race detector reports the read if a backend
    /// dropped or weakened the caller's ordering.
    #[test]
    fn release_write_paths_publish_to_acquire_read_paths() {
        let flag = DoubleWord::new(1, 1);
        let absent = DoubleWord::new(usize::MAX, usize::MAX);
        for publish in ["compare_exchange", "store", "swap"] {
            for observe in ["load", "failed compare_exchange"] {
                let Some(pair) = atomic(DoubleWord::default()) else {
                    return;
                };
                let payload = Payload(UnsafeCell::new(0));
                thread::scope(|scope| {
                    scope.spawn(|| {
                        // The whole `Payload` (it is `Sync`), not just its cell.
                        let payload = &payload;
                        // SAFETY: not published yet: no other thread reads the payload before
                        // observing the Release below.
                        payload.0.with_mut(|value| unsafe { *value = 42 });
                        // Release: pairs with the Acquire read of the loop below.
                        match publish {
                            "compare_exchange" => {
                                let installed = pair.compare_exchange(
                                    DoubleWord::default(),
                                    flag,
                                    Ordering::Release,
                                    Ordering::Relaxed,
                                );
                                assert_eq!(installed, Ok(DoubleWord::default()));
                            }
                            "store" => pair.store(flag, Ordering::Release),
                            _ => assert_eq!(
                                pair.swap(flag, Ordering::Release),
                                DoubleWord::default()
                            ),
                        }
                    });
                    loop {
                        // Acquire: pairs with the writer's Release (on the failure path of the
                        // CAS: `absent` is never stored, so the CAS always fails).
                        let seen = if observe == "load" {
                            pair.load(Ordering::Acquire)
                        } else {
                            pair.compare_exchange(
                                absent,
                                absent,
                                Ordering::Relaxed,
                                Ordering::Acquire,
                            )
                            .unwrap_err()
                        };
                        if seen == flag {
                            break;
                        }
                        thread::yield_now();
                    }
                    // SAFETY: the Acquire read above observed the Release that follows the
                    // only write, so the write happens before this read.
                    let value = payload.0.with(|value| unsafe { *value });
                    assert_eq!(value, 42, "{publish} -> {observe}");
                });
            }
        }
    }

    /// `(n, !n)`: the halves of every value ever stored agree, so a torn read shows.
    fn counter(n: usize) -> DoubleWord {
        DoubleWord::new(n, !n)
    }

    #[test]
    fn contended_counter_never_tears() {
        let threads = 4;
        let per_thread = if cfg!(miri) { 25 } else { 20_000 };
        let Some(pair) = atomic(counter(0)) else {
            return;
        };
        let done = AtomicBool::new(false);
        // The workers, the reader and this thread.
        let start = Barrier::new(threads + 2);
        thread::scope(|scope| {
            let workers: Vec<_> = (0..threads)
                .map(|_| {
                    scope.spawn(|| {
                        start.wait();
                        for _ in 0..per_thread {
                            // Relaxed: the CAS below validates the value.
                            let mut current = pair.load(Ordering::Relaxed);
                            loop {
                                assert_eq!(current.hi, !current.lo, "torn load {current:?}");
                                let next = counter(current.lo + 1);
                                // AcqRel/Acquire: each increment reads the previous one.
                                match pair.compare_exchange(
                                    current,
                                    next,
                                    Ordering::AcqRel,
                                    Ordering::Acquire,
                                ) {
                                    Ok(_) => break,
                                    Err(actual) => current = actual,
                                }
                            }
                        }
                    })
                })
                .collect();
            scope.spawn(|| {
                start.wait();
                // Acquire: pairs with the Release store after the workers are joined.
                while !done.load(Ordering::Acquire) {
                    let seen = pair.load(Ordering::Acquire);
                    assert_eq!(seen.hi, !seen.lo, "torn load {seen:?}");
                }
            });
            start.wait();
            let results: Vec<_> = workers.into_iter().map(|worker| worker.join()).collect();
            // Release: ends the reader's loop. Stored before any worker's panic is resumed, so
            // a failing worker fails the test instead of leaving the reader spinning.
            done.store(true, Ordering::Release);
            for result in results {
                result.unwrap();
            }
        });
        assert_eq!(pair.into_inner(), counter(threads * per_thread));
    }

    #[test]
    fn contended_swaps_and_stores_never_tear() {
        let threads = 3;
        let per_thread = if cfg!(miri) { 20 } else { 10_000 };
        let Some(pair) = atomic(counter(0)) else {
            return;
        };
        thread::scope(|scope| {
            for t in 0..threads {
                let pair = &pair;
                scope.spawn(move || {
                    for i in 0..per_thread {
                        let mine = counter(t * per_thread + i);
                        let old = if i % 2 == 0 {
                            // AcqRel: exchanges publish and read whole values.
                            pair.swap(mine, Ordering::AcqRel)
                        } else {
                            // Release/Acquire: as above, split in two operations.
                            pair.store(mine, Ordering::Release);
                            pair.load(Ordering::Acquire)
                        };
                        assert_eq!(old.hi, !old.lo, "torn value {old:?}");
                    }
                });
            }
        });
        let last = pair.load(Ordering::Relaxed);
        assert_eq!(last.hi, !last.lo);
        assert!(last.lo < threads * per_thread);
    }
}

#[cfg(all(
    any(
        all(
            target_arch = "x86_64",
            target_pointer_width = "64",
            target_feature = "cmpxchg16b"
        ),
        all(target_arch = "aarch64", target_pointer_width = "64"),
        all(target_pointer_width = "32", target_has_atomic = "64"),
    ),
    not(ccol_loom)
))]
mod always {
    use ccol_atomics::{AtomicDoubleWord, DoubleWord, sync::atomic::Ordering};

    static HEAD: AtomicDoubleWord = AtomicDoubleWord::new(DoubleWord::new(1, 2));

    #[test]
    fn const_new_works_in_a_static() {
        // Relaxed: only this test touches the static.
        assert_eq!(
            HEAD.swap(DoubleWord::new(3, 4), Ordering::Relaxed),
            DoubleWord::new(1, 2)
        );
        assert_eq!(HEAD.load(Ordering::Relaxed), DoubleWord::new(3, 4));
    }
}
