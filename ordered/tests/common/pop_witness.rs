//! A hunt for histories showing that popping an end of a `SkipListMap` is not linearizable
//! (`pop_first`'s documented weakness), confirmed by the ccol-specs checker. Used by
//! `skiplist_linearizability.rs`.
#![allow(unreachable_pub, reason = "a module of one test crate")]

use std::collections::HashMap;

use ccol_atomics::sync::atomic::{AtomicU64, Ordering};
use ccol_ordered::SkipListMap;
use ccol_reclaim::Ibr;
use ccol_specs::{
    Checker, History,
    model::{MapModel, MapOp, MapRet},
};

/// Which end a witness hunt pops from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    /// `pop_first`.
    Front,
    /// `pop_last`.
    Back,
}

/// Inserted keys are below this one (popping from the front; mirrored from the back).
const LARGE: u64 = 1 << 40;

/// Hunts for a witness that popping from `end` is not linearizable, in `attempts` runs of
/// three threads on a map of `n` entries, and returns the first one found as a three-operation
/// history the checker rejects.
///
/// Described from the front (from the back, every key `x` is `u64::MAX - x` and P pops the
/// last entry): thread P pops from a map of large keys; thread I inserts ever smaller small
/// keys; thread G checks whether the least large key not yet seen gone is still there. A
/// witness is a pop by P returning a large key `a` while (1) every small key inserted before
/// P's call had been popped before it, (2) I inserted a small key `s` during the call, and
/// (3) G, after that insert returned, still found `a`, before P returned. No linearization
/// exists: the removal of `a` must come after G's read, so after the insert, when `s < a` is
/// the least key. It needs P to be descheduled between reading the end node and marking it,
/// which the OS does often on a machine with more busy threads than cores.
pub fn hunt(end: End, n: u64, attempts: usize) -> Option<History<MapModel<u64, u64>>> {
    // The key in front terms, and back: an involution.
    let key = |x: u64| if end == End::Front { x } else { u64::MAX - x };
    for _ in 0..attempts {
        let map: SkipListMap<u64, u64, _, Ibr> = SkipListMap::new();
        for k in 0..n {
            map.insert(key(LARGE + k), k);
        }
        let clock = AtomicU64::new(0);
        // The stop signal (Relaxed: nothing is read through it).
        let popping = AtomicU64::new(1);
        // AcqRel: the recorder's argument (ccol-specs `recorder` docs): stamps are totally
        // ordered, and a return stamp below an invocation stamp is real-time precedence.
        let tick = || clock.fetch_add(1, Ordering::AcqRel);
        let (pops, inserts, reads) = std::thread::scope(|s| {
            let p = s.spawn(|| {
                let log: Vec<_> = (0..n)
                    .map(|_| {
                        let t0 = tick();
                        let pin = map.pin();
                        let popped = if end == End::Front {
                            pin.pop_first()
                        } else {
                            pin.pop_last()
                        };
                        (t0, tick(), popped.map(|(k, v)| (key(*k), *v)))
                    })
                    .collect();
                popping.store(0, Ordering::Relaxed);
                log
            });
            let i = s.spawn(|| {
                let mut log = Vec::new();
                for s in (1..LARGE)
                    .rev()
                    .take_while(|_| popping.load(Ordering::Relaxed) == 1)
                {
                    let t0 = tick();
                    map.insert(key(s), 0);
                    log.push((t0, tick(), s));
                    for _ in 0..200 {
                        core::hint::spin_loop();
                    }
                }
                log
            });
            let g = s.spawn(|| {
                let (mut log, mut k) = (Vec::new(), LARGE);
                while popping.load(Ordering::Relaxed) == 1 {
                    let t0 = tick();
                    let found = map.contains_key(&key(k));
                    log.push((t0, tick(), k, found));
                    k += u64::from(!found);
                }
                log
            });
            (p.join().unwrap(), i.join().unwrap(), g.join().unwrap())
        });
        // Small keys P popped before each of its calls, and where each large key was popped.
        let mut small_before = Vec::with_capacity(pops.len());
        let mut large_pops = HashMap::new();
        let mut small = 0;
        for (j, &(p0, p1, popped)) in pops.iter().enumerate() {
            small_before.push(small);
            match popped {
                Some((k, _)) if k < LARGE => small += 1,
                Some((k, v)) => drop(large_pops.insert(k, (j, p0, p1, v))),
                None => {}
            }
        }
        let returned = |before: u64| inserts.partition_point(|&(_, i1, _)| i1 < before);
        for &(g0, g1, a, found) in &reads {
            let Some(&(j, p0, p1, va)) = large_pops.get(&a) else {
                continue;
            };
            let (before_call, before_read) = (returned(p0), returned(g0));
            // G's read lies inside P's call, and some small key was inserted (returned) between
            // the call and the read, with none pending from before the call.
            if !found
                || g0 < p0
                || g1 > p1
                || before_call != small_before[j]
                || before_read <= before_call
            {
                continue;
            }
            let (i0, i1, s) = inserts[before_read - 1];
            if i0 < p0 {
                continue;
            }
            let pop = if end == End::Front {
                MapOp::PopFirst
            } else {
                MapOp::PopLast
            };
            let mut history = History::new();
            history.push_complete(0, p0, p1, pop, MapRet::Entry(Some((key(a), va))));
            history.push_complete(1, i0, i1, MapOp::Insert(key(s), 0), MapRet::Value(None));
            history.push_complete(2, g0, g1, MapOp::ContainsKey(key(a)), MapRet::Bool(true));
            let initial = MapModel::from_entries([(key(a), va)]);
            let err = Checker::new()
                .check(&history, &initial)
                .expect_err("the witness pattern is not linearizable");
            assert!(err.is_violation(), "{err}");
            return Some(history);
        }
    }
    None
}
