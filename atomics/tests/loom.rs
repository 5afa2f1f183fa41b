//! loom models of the facade and the crate's types.
//!
//! `RUSTFLAGS="--cfg ccol_loom" LOOM_MAX_PREEMPTIONS=2 cargo test --release -p ccol-atomics
//! --features loom --test loom --target-dir target/loom`
//!
//! 1. Message passing through the facade: a payload in the facade's `UnsafeCell`, published by
//!    a Release store of an `AtomicPtr` to it and consumed after an Acquire load. (With Relaxed
//!    on either side loom fails the model with "Causality violation: Concurrent read and write
//!    accesses"; checked once, that variant is not kept here.)
//! 2. `AtomicTaggedPtr::fetch_or_tag`: two threads mark the same link; exactly one of them sees
//!    it unmarked, and the pointer survives.
//! 3. `AtomicDoubleWord` (loom's mutex model): two threads increment a `(n, !n)` counter with a
//!    CAS loop; no increment is lost and no load is torn.
#![cfg(ccol_loom)]

use ccol_atomics::{
    AtomicDoubleWord, AtomicTaggedPtr, DoubleWord, TaggedPtr,
    sync::{
        Arc,
        atomic::{AtomicPtr, Ordering},
        cell::UnsafeCell,
    },
};

/// A heap node whose payload loom tracks.
struct Node {
    payload: UnsafeCell<u64>,
}

#[test]
fn release_acquire_publishes_an_unsafe_cell() {
    loom::model(|| {
        let head = Arc::new(AtomicPtr::<Node>::new(core::ptr::null_mut()));
        let producer = {
            let head = Arc::clone(&head);
            loom::thread::spawn(move || {
                let node = Box::into_raw(Box::new(Node {
                    payload: UnsafeCell::new(0),
                }));
                // SAFETY: `node` is fresh and unpublished, so this thread has it alone.
                let node_ref = unsafe { &*node };
                let payload = &node_ref.payload;
                // SAFETY: as above: no other thread can reach the payload yet.
                payload.with_mut(|payload| unsafe { *payload = 42 });
                // Release: pairs with the consumer's Acquire load; publishes the write above.
                head.store(node, Ordering::Release);
            })
        };
        // Acquire: pairs with the producer's Release store.
        let node = head.load(Ordering::Acquire);
        if !node.is_null() {
            // SAFETY: the node stays allocated until the end of the model (freed below).
            let node_ref = unsafe { &*node };
            // SAFETY: the payload was written before the Release store this load saw, and
            // never again.
            let value = node_ref.payload.with(|payload| unsafe { *payload });
            assert_eq!(value, 42);
        }
        producer.join().unwrap();
        // Relaxed: after the join.
        let node = head.load(Ordering::Relaxed);
        // SAFETY: `node` came from `Box::into_raw` and nothing uses it any more.
        drop(unsafe { Box::from_raw(node) });
    });
}

#[repr(align(4))]
struct Marked(#[allow(dead_code, reason = "gives the node a size")] u32);

#[test]
fn exactly_one_marker_sees_the_link_unmarked() {
    loom::model(|| {
        let raw = Box::into_raw(Box::new(Marked(7)));
        let link = Arc::new(AtomicTaggedPtr::new(TaggedPtr::new(raw, 0)));
        let other = {
            let link = Arc::clone(&link);
            // AcqRel: the read-modify-write both threads race on.
            loom::thread::spawn(move || link.fetch_or_tag(1, Ordering::AcqRel).tag() == 0)
        };
        // AcqRel: as above.
        let mine = link.fetch_or_tag(1, Ordering::AcqRel).tag() == 0;
        let theirs = other.join().unwrap();
        assert!(mine ^ theirs, "exactly one marker wins: {mine} {theirs}");
        // Relaxed: after the join.
        let last = link.load(Ordering::Relaxed);
        assert_eq!((last.ptr(), last.tag()), (raw, 1));
        // SAFETY: `raw` came from `Box::into_raw` and the link is no longer used.
        drop(unsafe { Box::from_raw(raw) });
    });
}

#[test]
fn double_word_counter_stays_consistent() {
    fn increment(pair: &AtomicDoubleWord) {
        // Relaxed: the CAS validates the value (the model is SeqCst-like anyway).
        let mut current = pair.load(Ordering::Relaxed);
        loop {
            assert_eq!(current.hi, !current.lo, "torn value {current:?}");
            let next = DoubleWord::new(current.lo + 1, !(current.lo + 1));
            // AcqRel/Acquire: each increment reads the previous one.
            match pair.compare_exchange(current, next, Ordering::AcqRel, Ordering::Acquire) {
                Ok(_) => return,
                Err(actual) => current = actual,
            }
        }
    }

    loom::model(|| {
        let pair = Arc::new(AtomicDoubleWord::try_new(DoubleWord::new(0, !0)).unwrap());
        let other = {
            let pair = Arc::clone(&pair);
            loom::thread::spawn(move || increment(&pair))
        };
        increment(&pair);
        other.join().unwrap();
        // Relaxed: after the join.
        assert_eq!(pair.load(Ordering::Relaxed), DoubleWord::new(2, !2));
    });
}
