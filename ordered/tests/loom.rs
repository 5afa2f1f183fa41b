#![cfg(ccol_loom)]
//! loom models of `SkipListMap` on maps of one to three keys: an insert racing a removal of
//! a neighbour, a removal racing the inserter's upper-level linking of the same key (the
//! MARK/DONE retire handshake of `src/skiplist/list.rs`), a replacement racing a removal of
//! the replaced key, `pop_last` racing an insert of a larger key, and two `pop_first`s.
//!
//! `cargo xtask loom ccol-ordered`, that is
//! `RUSTFLAGS="--cfg ccol_loom" LOOM_MAX_PREEMPTIONS=2 cargo test --release -p ccol-ordered
//! --features loom --test loom --target-dir target/loom`. Every model but the three-thread one
//! runs under IBR and DEBRA; ccol-reclaim's thresholds are 2 under loom, so retired nodes are
//! really freed.
//!
//! # How a bug shows
//!
//! - **Publication.** A value is a [`Payload`]: an id in loom's `UnsafeCell`, written by the
//!   inserting thread and read by whichever thread gets the entry back (a removal, a pop, a
//!   replacement's old entry). A read not ordered after the insert fails the model as a
//!   causality violation, and so does a destructor (the node's free) not ordered after a
//!   read made under a guard.
//! - **Retire exactly once.** A payload holds a loom `Arc` to the model's drop counter: a
//!   node never retired leaks its payload ("Arc leaked", and the count below is short); one
//!   retired twice fails a destructor's assertion (the key's, then the payload's) or, if the
//!   freed memory was reused in between, crashes the test process. After the joins the main
//!   thread flushes a handle with no guard active anywhere, which frees every retired node,
//!   so the drop count then must be exactly the entries that left the map; after the map
//!   drops, all of them.
//! - **Retire while linked.** A key (`Key`, in `tests/loom_support`) carries a marker its
//!   destructor overwrites, checked by every comparison. Right after that flush,
//!   [`SkipListMap::check_structure`] walks every level comparing neighbours' keys, so a
//!   freed node still linked next to another fails there (searches step over marked nodes
//!   without comparing them, which is why the models that retire tall nodes give them a tall
//!   neighbour). It also checks order, level 0 free of removed nodes, live upper links
//!   leading to nodes present below, and the length counter. Then every key is looked up,
//!   level 0 is iterated, and a key past all others is inserted and removed (a search
//!   through every node of every level that unlinks what is marked), and the structure is
//!   checked again.
//! - **Progress.** A retry loop that only another thread's progress can end exceeds loom's
//!   branch bound ("Model exceeded maximum number of branches": with its preemptions spent,
//!   loom never runs the other thread again).
//! - **Linearizability.** Each model lists the outcomes its operations allow, from the end
//!   state and the values returned; `pop_last` also records real-time order (see its model).
//!
//! Planted bugs, each caught (in a scratch copy of `src/skiplist`): a removal that retires
//! without waiting for `DONE` (alone: a double retire; with an inserter that then never
//! retires: a node freed while linked at level 1, found by the structure check); `DONE` set
//! before the upper levels are linked; a Relaxed level-0 link CAS (causality violation on the
//! payload); a replacement reporting the old node's inserter as not done (leak); `pop_last`
//! marking a node that has a successor; removals and `pop_first` ignoring a lost mark; a
//! search that, after moving right, snips through the level's first predecessor's link (the
//! livelock fixed in bd7295d: "Model exceeded maximum number of branches" in four models). An
//! inserter that keeps linking levels after its node's mark is not a bug (its own final
//! unlink pass covers them) and passes.
//!
//! # Heights
//!
//! Under `ccol_loom` a map's nodes get heights 1, 2, 1, 2, ... in the order they are made
//! (`src/skiplist/height.rs`; loom explores interleavings, not heights), which
//! `heights_alternate` checks by counting comparisons. [`World::new`] inserts and
//! removes a filler key where needed to give each initial node, and the first node a thread
//! makes, the height its model asks for. Each model has at most one inserting thread.
//!
//! # The gate
//!
//! Every thread crosses a gate (one read-modify-write) before its first map operation,
//! as in ccol-stack's `tests/loom.rs`: loom 0.7.3 (tokio-rs/loom#392) never schedules a
//! spawned thread whose first operation is a load ahead of the main thread, and every map
//! operation starts with loads.
//!
//! # What these models cannot show
//!
//! Two or three threads, one or two operations each, at most `LOOM_MAX_PREEMPTIONS`
//! preemptions, and loom's memory model (no load buffering; `SeqCst` accesses as
//! acquire/release). loom does not see plain memory, so a freed node is caught only when a
//! later comparison reads its key (above); Miri and ASan cover the rest. The handshake's
//! interleavings with more levels and more threads are in the SPIN model
//! `specs/formal/skiplist_retire.pml`.

use core::cell::Cell;

use ccol_atomics::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};
use ccol_reclaim::{Debra, Ibr, Reclaim};

mod loom_support;

use loom_support::{COMPARISONS, H, Payload, World, check};

/// Model: the map holds 1 and 3 (heights `around`); a thread inserts 2 (height `new`) while
/// the main thread removes `removed` (1: the insert's predecessor, whose links the insert
/// CASes; 3: its successor, which the removal snips from those same links). Both succeed;
/// the end state is {1, 2, 3} without `removed`. A tall 2 next to a tall neighbour being
/// removed finds its level-1 link CAS failing and searches again.
fn insert_races_neighbour_removal<R: Reclaim + 'static>(removed: u64, around: [H; 2], new: H) {
    let world = World::<R>::new(&[(1, around[0]), (3, around[1])], new);
    let (mine, theirs) = world.main(|world, main| {
        let inserter = world.spawn(|w, h| w.insert(h, 2, 20));
        world.gate.cross();
        let mine = world.remove(main, removed);
        (mine, inserter.join().unwrap())
    });
    assert_eq!((mine, theirs), (Some(removed), None));
    let expected: Vec<(u64, u64)> = [(1, 1), (2, 20), (3, 3)]
        .into_iter()
        .filter(|&(k, _)| k != removed)
        .collect();
    world.finish(&expected);
}

/// Model: a thread inserts 2 into {1} (both of height 2) while the main thread removes 2 as
/// soon as it is there (retrying until it is): the removal races the inserter's level-1
/// link, so either side may set the second of MARK and DONE. 2 is retired once, after which
/// no level links it (1 is its level-1 neighbour, so the final structure check compares its
/// key if it is left there). With `helper`, a third thread runs `last()` meanwhile, a
/// traversal that snips marked nodes at every level (racing the unlink passes' CASes).
fn removal_races_upper_linking<R: Reclaim + 'static>(helper: bool) {
    let world = World::<R>::new(&[(1, H::Tall)], H::Tall);
    let (removed, inserted, last) = world.main(|world, main| {
        let inserter = world.spawn(|w, h| w.insert(h, 2, 20));
        let helper = helper.then(|| {
            world.spawn(|w, h| {
                let pin = w.map.pinned(h.pin());
                pin.last().map(|(k, v)| (k.id(), v.id()))
            })
        });
        world.gate.cross();
        let removed = loop {
            if let Some(id) = world.remove(main, 2) {
                break id;
            }
            loom::thread::yield_now();
        };
        let inserted = inserter.join().unwrap();
        (removed, inserted, helper.map(|h| h.join().unwrap()))
    });
    assert_eq!((removed, inserted), (20, None));
    assert!(
        matches!(last, None | Some(Some((1, 1) | (2, 20)))),
        "last() = {last:?}"
    );
    world.finish(&[(1, 1)]);
}

/// Model: the map holds 2 → payload 2; a thread inserts 2 → payload 20 (a replacement, or a
/// fresh insert if the removal came first) while the main thread removes 2. Exactly one of
/// them gets the old entry: the insert replaced it and the removal took the new one (map
/// empty), or the removal took it and the insert found the key absent (2 → 20 stays). The
/// removal always finds the key (one entry holds it at every moment). `old` and `new` are
/// the heights of the two nodes (a tall old node is unlinked by the replacement's cleanup
/// pass, a tall new one may be removed while its level-1 link is in flight).
fn replacement_races_removal<R: Reclaim + 'static>(old: H, new: H) {
    let world = World::<R>::new(&[(2, old)], new);
    let (replaced, removed) = world.main(|world, main| {
        let inserter = world.spawn(|w, h| w.insert(h, 2, 20));
        world.gate.cross();
        let removed = world.remove(main, 2);
        (inserter.join().unwrap(), removed)
    });
    let expected: &[(u64, u64)] = match (replaced, removed) {
        (Some(2), Some(20)) => &[],
        (None, Some(2)) => &[(2, 20)],
        other => panic!("(replaced, removed) = {other:?}: not one owner of the old entry"),
    };
    world.finish(expected);
}

/// Model: the map holds 1 and 2, both of height 2 (`pop_last` marks 2's level 0 before its
/// level 1, so a search passing 1 at level 1 can meet 2 removed below and not yet marked
/// above); a thread inserts 3, then looks 2 up, while the main thread pops the last entry.
/// The pop takes 2 (linearized before the insert) or 3, and the other stays. Real time
/// constrains the choice: each side records, before starting, whether the other had
/// returned (a Release store after the operation, an Acquire load before); if the insert had
/// returned, the pop must take 3; if the pop had returned, it must have taken 2; and if the
/// lookup after the insert still found 2, a pop of 2 comes after that lookup, so after the
/// insert, and must have taken 3 instead.
fn pop_last_races_insert<R: Reclaim + 'static>() {
    let world = World::<R>::new(&[(1, H::Tall), (2, H::Tall)], H::Short);
    let inserted = Arc::new(AtomicBool::new(false));
    let popped = Arc::new(AtomicBool::new(false));
    let (last, insert_before, (pop_before, two_after)) = world.main(|world, main| {
        let inserter = {
            let (inserted, popped) = (Arc::clone(&inserted), Arc::clone(&popped));
            world.spawn(move |w, h| {
                // Acquire: pairs with the Release store after the pop returned.
                let pop_before = popped.load(Ordering::Acquire);
                assert_eq!(w.insert(h, 3, 30), None);
                // Release: pairs with the pop's Acquire load.
                inserted.store(true, Ordering::Release);
                let two_after = w.map.pinned(h.pin()).contains_key(&2);
                (pop_before, two_after)
            })
        };
        world.gate.cross();
        // Acquire: pairs with the inserter's Release store after its insert returned.
        let insert_before = inserted.load(Ordering::Acquire);
        let last = world.pop(main, true);
        // Release: pairs with the inserter's Acquire load.
        popped.store(true, Ordering::Release);
        (last, insert_before, inserter.join().unwrap())
    });
    let expected: &[(u64, u64)] = match last {
        Some((2, 2)) => {
            assert!(
                !insert_before,
                "pop_last took 2 although the insert of 3 had returned"
            );
            assert!(
                !two_after,
                "pop_last took 2 after a lookup that followed the insert of 3"
            );
            &[(1, 1), (3, 30)]
        }
        Some((3, 30)) => {
            assert!(
                !pop_before,
                "the insert of 3 began after pop_last had returned 3"
            );
            &[(1, 1), (2, 2)]
        }
        other => panic!("pop_last = {other:?}"),
    };
    world.finish(expected);
}

/// Model: two threads pop the first entry of {1, 2} at once: they get different entries, and
/// the map ends empty.
fn two_pop_firsts<R: Reclaim + 'static>() {
    let world = World::<R>::new(&[(1, H::Short), (2, H::Short)], H::Short);
    let mut both = world.main(|world, main| {
        let other = world.spawn(|w, h| w.pop(h, false));
        world.gate.cross();
        let mine = world.pop(main, false);
        [mine, other.join().unwrap()]
    });
    both.sort_unstable();
    assert_eq!(both, [Some((1, 1)), Some((2, 2))], "two pop_firsts");
    world.finish(&[]);
}

/// Checks the heights the models rely on: a map's nodes alternate height 1 and 2. In
/// {1, 2, 3, 4} so inserted (2 and 4 tall), a lookup walks each level to the first key not
/// less than the probe and descends from its predecessor: a lookup of 4 compares 2 and 4 at
/// level 1, then 3 and 4 at level 0 (four comparisons); one of the absent 5 compares 2 and 4
/// at level 1 and nothing after 4 at level 0 (two). Of the 16 sets of tall keys, only {2, 4}
/// gives (4, 2).
#[test]
fn heights_alternate() {
    check(|| {
        let world = World::<Ibr>::new(&[], H::Short);
        let comparisons = world.main(|world, main| {
            for k in 1..=4 {
                assert_eq!(world.insert(main, k, k), None);
            }
            let pin = world.map.pinned(main.pin());
            [(4, Some(4)), (5, None)].map(|(k, expected)| {
                COMPARISONS.with(|n| n.set(0));
                assert_eq!(pin.get(&k).map(Payload::id), expected);
                COMPARISONS.with(Cell::get)
            })
        });
        assert_eq!(comparisons, [4, 2], "heights 1, 2, 1, 2");
        world.finish(&[(1, 1), (2, 2), (3, 3), (4, 4)]);
    });
}

/// [`removal_races_upper_linking`] with the helper thread, under IBR only: three threads make
/// it by far the largest model (about 70 s at two preemptions, twice that under DEBRA), and
/// the reclamation scheme is covered by the two-thread form.
#[test]
fn removal_races_upper_linking_with_helper() {
    check(|| removal_races_upper_linking::<Ibr>(true));
}

/// One `#[test]` per (model, scheme).
macro_rules! models {
    ($($name:ident => $model:ident($($arg:expr),*);)*) => {
        $(
            mod $name {
                use super::*;

                #[test]
                fn ibr() {
                    check(|| $model::<Ibr>($($arg),*));
                }

                #[test]
                fn debra() {
                    check(|| $model::<Debra>($($arg),*));
                }
            }
        )*
    };
}

models! {
    insert_races_removal_of_predecessor =>
        insert_races_neighbour_removal(1, [H::Short; 2], H::Short);
    insert_races_removal_of_successor =>
        insert_races_neighbour_removal(3, [H::Short; 2], H::Short);
    tall_insert_races_removal_of_tall_predecessor =>
        insert_races_neighbour_removal(1, [H::Tall, H::Short], H::Tall);
    tall_insert_races_removal_of_tall_successor =>
        insert_races_neighbour_removal(3, [H::Short, H::Tall], H::Tall);
    removal_races_upper_linking => removal_races_upper_linking(false);
    replacement_by_tall_races_removal => replacement_races_removal(H::Short, H::Tall);
    replacement_of_tall_races_removal => replacement_races_removal(H::Tall, H::Short);
    pop_last_races_larger_insert => pop_last_races_insert();
    pop_firsts_race => two_pop_firsts();
}
