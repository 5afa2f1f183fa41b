//! `TaggedPtr` and `AtomicTaggedPtr`: tag widths come from alignment, pointer and tag
//! round-trip with provenance intact, the checked and debug-checked constructors refuse what
//! does not fit, and the atomic operations (including the `fetch_*_tag` CAS loops) return the
//! previous value, keep the pointer, and honour the caller's ordering (checked under Miri).
#![cfg(not(ccol_loom))]

use core::{
    hash::{Hash, Hasher},
    panic::AssertUnwindSafe,
    ptr,
};
use std::{collections::hash_map::DefaultHasher, panic::catch_unwind, sync::Barrier, thread};

use ccol_atomics::{
    AtomicTaggedPtr, TaggedPtr,
    sync::{
        atomic::{AtomicUsize, Ordering},
        cell::UnsafeCell,
    },
};

#[repr(align(8))]
#[derive(Debug)]
struct Node8 {
    value: u64,
}

#[repr(align(16))]
struct Node16 {
    _value: u8,
}

fn hash_of<T: Hash>(value: &T) -> u64 {
    let mut hasher = DefaultHasher::new();
    value.hash(&mut hasher);
    hasher.finish()
}

#[test]
fn tag_width_comes_from_alignment_not_size() {
    // Size 8 but alignment 2: one bit. Computing from the size would give three.
    assert_eq!(core::mem::size_of::<[u16; 4]>(), 8);
    assert_eq!(TaggedPtr::<[u16; 4]>::TAG_BITS, 1);
    assert_eq!(TaggedPtr::<[u16; 4]>::TAG_MASK, 0b1);
    // Size 24 but alignment 1: no tag bits at all.
    assert_eq!(TaggedPtr::<[u8; 24]>::TAG_BITS, 0);
    assert_eq!(TaggedPtr::<[u8; 24]>::TAG_MASK, 0);
    assert_eq!(TaggedPtr::<Node8>::TAG_BITS, 3);
    assert_eq!(TaggedPtr::<Node8>::TAG_MASK, 0b111);
    assert_eq!(TaggedPtr::<Node16>::TAG_BITS, 4);
    assert_eq!(TaggedPtr::<Node16>::TAG_MASK, 0b1111);
    assert_eq!(TaggedPtr::<()>::TAG_BITS, 0);
}

#[test]
fn every_tag_round_trips_with_the_pointer() {
    let mut node = Node8 { value: 11 };
    let raw = ptr::from_mut(&mut node);
    for tag in 0..=TaggedPtr::<Node8>::TAG_MASK {
        let tagged = TaggedPtr::new(raw, tag);
        assert_eq!(tagged.ptr(), raw);
        assert_eq!(tagged.tag(), tag);
        assert!(!tagged.is_null());
        assert_eq!(TaggedPtr::try_new(raw, tag), Some(tagged));
        assert_eq!(TaggedPtr::from_raw(tagged.into_raw()), tagged);
        // Dereferencing the untagged pointer is valid: provenance survived `map_addr`
        // (Miri checks this with strict provenance).
        // SAFETY: `node` is live and only read while `value` is in use.
        let value = unsafe { tagged.as_ref() }.map(|n| n.value);
        assert_eq!(value, Some(11));
        // SAFETY: as above; writes go through the untagged pointer, which is `raw` itself.
        unsafe { (*tagged.ptr()).value += 1 };
        // SAFETY: as above.
        unsafe { (*tagged.ptr()).value -= 1 };
    }
}

#[test]
fn with_tag_replaces_only_the_tag() {
    let mut node = Node16 { _value: 0 };
    let raw = ptr::from_mut(&mut node);
    let tagged = TaggedPtr::new(raw, 0b1010);
    let retagged = tagged.with_tag(0b0101);
    assert_eq!(retagged.ptr(), raw);
    assert_eq!(retagged.tag(), 0b0101);
    assert_eq!(retagged.with_tag(0).into_raw(), raw);
}

#[test]
fn try_new_refuses_tags_and_pointers_that_do_not_fit() {
    let mut node = Node8 { value: 0 };
    let raw = ptr::from_mut(&mut node);
    assert_eq!(TaggedPtr::try_new(raw, 8), None);
    assert_eq!(TaggedPtr::try_new(raw, usize::MAX), None);
    let misaligned = raw.wrapping_byte_add(1);
    assert_eq!(TaggedPtr::try_new(misaligned, 0), None);
    let mut bytes = [0_u8; 3];
    let byte_ptr = ptr::from_mut(&mut bytes[1]);
    assert_eq!(TaggedPtr::try_new(byte_ptr, 1), None, "u8 has no tag bits");
    assert!(TaggedPtr::try_new(byte_ptr, 0).is_some());
}

#[test]
fn new_checks_in_debug_and_masks_in_release() {
    let mut node = Node8 { value: 0 };
    let raw = ptr::from_mut(&mut node);
    let oversized = catch_unwind(AssertUnwindSafe(|| TaggedPtr::new(raw, 0b1001)));
    let retag = catch_unwind(AssertUnwindSafe(|| {
        TaggedPtr::new(raw, 0).with_tag(0b1_0000)
    }));
    if cfg!(debug_assertions) {
        assert!(
            oversized.is_err(),
            "new must panic on a tag wider than TAG_BITS"
        );
        assert!(
            retag.is_err(),
            "with_tag must panic on a tag wider than TAG_BITS"
        );
    } else {
        let tagged = oversized.unwrap();
        assert_eq!((tagged.ptr(), tagged.tag()), (raw, 0b001));
        assert_eq!(retag.unwrap().tag(), 0);
    }
}

#[test]
fn null_with_a_tag_is_still_null() {
    let null = TaggedPtr::<Node8>::null();
    assert!(null.is_null());
    assert_eq!(null.tag(), 0);
    assert_eq!(TaggedPtr::<Node8>::default(), null);
    let marked = null.with_tag(0b100);
    assert!(marked.is_null());
    assert_eq!(marked.tag(), 0b100);
    assert_ne!(marked, null, "equality includes the tag");
    // SAFETY: the pointer part is null, so nothing is dereferenced.
    assert!(unsafe { marked.as_ref() }.is_none());
}

#[test]
fn equality_hash_and_debug_see_pointer_and_tag() {
    let mut nodes = [Node8 { value: 1 }, Node8 { value: 2 }];
    let first = ptr::from_mut(&mut nodes[0]);
    let second = first.wrapping_add(1);
    let a = TaggedPtr::new(first, 1);
    assert_eq!(a, TaggedPtr::new(first, 1));
    assert_eq!(hash_of(&a), hash_of(&TaggedPtr::new(first, 1)));
    assert_ne!(a, TaggedPtr::new(first, 2));
    assert_ne!(a, TaggedPtr::new(second, 1));
    let debug = format!("{a:?}");
    assert!(debug.starts_with("TaggedPtr { ptr: 0x"), "{debug}");
    assert!(debug.ends_with("tag: 1 }"), "{debug}");
    assert_eq!(format!("{a:p}"), format!("{first:p}"));
}

static SHARED_LINK: AtomicTaggedPtr<Node8> = AtomicTaggedPtr::null();

#[test]
fn const_constructors_work_in_statics() {
    // Relaxed: only this test touches the static.
    assert!(SHARED_LINK.load(Ordering::Relaxed).is_null());
    let before = SHARED_LINK.fetch_or_tag(0b10, Ordering::Relaxed);
    assert_eq!(before, TaggedPtr::null());
    assert_eq!(SHARED_LINK.load(Ordering::Relaxed).tag(), 0b10);
}

#[test]
fn atomic_operations_return_the_previous_value() {
    let mut nodes = [Node8 { value: 1 }, Node8 { value: 2 }];
    let first = ptr::from_mut(&mut nodes[0]);
    let second = first.wrapping_add(1);
    let link = AtomicTaggedPtr::new(TaggedPtr::new(first, 1));
    // Relaxed and AcqRel below are arbitrary: the test is single-threaded.
    assert_eq!(link.load(Ordering::Relaxed), TaggedPtr::new(first, 1));

    let stale = TaggedPtr::new(first, 0);
    let replacement = TaggedPtr::new(second, 2);
    assert_eq!(
        link.compare_exchange(stale, replacement, Ordering::AcqRel, Ordering::Acquire),
        Err(TaggedPtr::new(first, 1)),
        "same pointer, different tag: the CAS must fail"
    );
    assert_eq!(
        link.compare_exchange(
            TaggedPtr::new(first, 1),
            replacement,
            Ordering::AcqRel,
            Ordering::Acquire
        ),
        Ok(TaggedPtr::new(first, 1))
    );
    let mut current = link.load(Ordering::Relaxed);
    loop {
        let next = current.with_tag(current.tag() + 1);
        match link.compare_exchange_weak(current, next, Ordering::AcqRel, Ordering::Relaxed) {
            Ok(previous) => {
                assert_eq!(previous, replacement);
                break;
            }
            Err(actual) => current = actual,
        }
    }
    assert_eq!(
        link.swap(TaggedPtr::null(), Ordering::AcqRel),
        TaggedPtr::new(second, 3)
    );
    link.store(TaggedPtr::new(first, 4), Ordering::Release);
    assert_eq!(
        format!("{link:?}"),
        format!("{:?}", TaggedPtr::new(first, 4))
    );
    assert_eq!(link.into_inner(), TaggedPtr::new(first, 4));
    assert_eq!(nodes[1].value, 2);
}

#[test]
fn fetch_or_and_fetch_and_change_only_the_tag() {
    let mut node = Node16 { _value: 0 };
    let raw = ptr::from_mut(&mut node);
    let link = AtomicTaggedPtr::from(TaggedPtr::new(raw, 0b0001));
    // Relaxed: single-threaded.
    assert_eq!(link.fetch_or_tag(0b0110, Ordering::Relaxed).tag(), 0b0001);
    assert_eq!(link.load(Ordering::Relaxed).tag(), 0b0111);
    assert_eq!(
        link.fetch_or_tag(0b0100, Ordering::Relaxed).tag(),
        0b0111,
        "already set"
    );
    assert_eq!(link.fetch_and_tag(0b1010, Ordering::Relaxed).tag(), 0b0111);
    let after = link.load(Ordering::Relaxed);
    assert_eq!((after.ptr(), after.tag()), (raw, 0b0010));
    // Bits outside the tag never touch the pointer.
    link.fetch_and_tag(0, Ordering::Relaxed);
    assert_eq!(link.load(Ordering::Relaxed), TaggedPtr::new(raw, 0));
    assert_eq!(
        AtomicTaggedPtr::<Node16>::default().into_inner(),
        TaggedPtr::null()
    );
}

#[test]
fn racing_markers_exactly_one_wins() {
    let threads = 4;
    let rounds = if cfg!(miri) { 10 } else { 1_000 };
    let mut node = Node8 { value: 0 };
    let raw = ptr::from_mut(&mut node);
    let link = AtomicTaggedPtr::new(TaggedPtr::new(raw, 0));
    let winners = AtomicUsize::new(0);
    let barrier = Barrier::new(threads);
    thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                for _ in 0..rounds {
                    barrier.wait();
                    // AcqRel: the winner's mark pairs with later Acquire loads of the link.
                    if link.fetch_or_tag(1, Ordering::AcqRel).tag() == 0 {
                        // Relaxed: a count read after the barrier and join.
                        winners.fetch_add(1, Ordering::Relaxed);
                    }
                    barrier.wait();
                    // Reset by every thread is harmless: all marks of this round are done.
                    link.fetch_and_tag(0, Ordering::AcqRel);
                    barrier.wait();
                }
            });
        }
    });
    // Relaxed: the scope joined every thread.
    assert_eq!(winners.load(Ordering::Relaxed), rounds);
    assert_eq!(link.load(Ordering::Relaxed).ptr(), raw);
}

#[test]
fn concurrent_distinct_bits_all_land() {
    let threads = 4;
    let rounds = if cfg!(miri) { 10 } else { 1_000 };
    let mut node = Node16 { _value: 0 };
    let raw = ptr::from_mut(&mut node);
    let link = AtomicTaggedPtr::new(TaggedPtr::new(raw, 0));
    let raw_addr = raw.addr();
    let barrier = Barrier::new(threads + 1);
    // Nothing asserts between barriers: a panicking thread would leave the others waiting at
    // the barrier forever, turning a failure into a hang. Results are checked after the scope.
    let (unexpected, incomplete) = thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|bit| {
                let (link, barrier) = (&link, &barrier);
                scope.spawn(move || {
                    let mut unexpected = Vec::new();
                    for _ in 0..rounds {
                        barrier.wait();
                        // AcqRel: a read-modify-write in the same total order as the others'.
                        let before = link.fetch_or_tag(1 << bit, Ordering::AcqRel);
                        // My bit was cleared last round, and the pointer never changes.
                        if before.tag() & (1 << bit) != 0 || before.ptr().addr() != raw_addr {
                            unexpected.push((before.ptr().addr(), before.tag()));
                        }
                        barrier.wait();
                    }
                    unexpected
                })
            })
            .collect();
        let mut incomplete = Vec::new();
        for _ in 0..rounds {
            barrier.wait();
            barrier.wait();
            // AcqRel: after the barrier every thread's fetch_or is done.
            let all = link.swap(TaggedPtr::new(raw, 0), Ordering::AcqRel);
            if (all.ptr(), all.tag()) != (raw, 0b1111) {
                incomplete.push(all);
            }
        }
        let unexpected: Vec<_> = workers
            .into_iter()
            .flat_map(|worker| worker.join().unwrap())
            .collect();
        (unexpected, incomplete)
    });
    assert_eq!(
        unexpected,
        [],
        "(address, tag) seen before setting a cleared bit"
    );
    assert_eq!(incomplete, [], "rounds that did not end with every bit set");
}

/// A plain (non-atomic) value handed from one thread to another.
struct Payload(UnsafeCell<u64>);

// SAFETY: the test below writes the payload only before publishing it and reads it only after
// an Acquire load that observed the publication.
unsafe impl Sync for Payload {}

/// `fetch_or_tag` and `fetch_and_tag` are read-modify-writes with the caller's ordering: with
/// Release they publish a plain write to an Acquire load. x86-64 orders these anyway, so this
/// bites under Miri, whose data-race detector reports the read if the CAS loop dropped the
/// ordering.
#[test]
fn fetch_tag_release_publishes_to_an_acquire_load() {
    let mut node = Node8 { value: 0 };
    let raw = ptr::from_mut(&mut node);
    // (initial tag, operation, tag that shows the publication)
    for (initial, set_bits, expected) in [(0b001, true, 0b101), (0b101, false, 0b001)] {
        let link = AtomicTaggedPtr::new(TaggedPtr::new(raw, initial));
        let payload = Payload(UnsafeCell::new(0));
        thread::scope(|scope| {
            scope.spawn(|| {
                // The whole `Payload` (it is `Sync`), not just its cell.
                let payload = &payload;
                // SAFETY: not published yet: no other thread reads the payload before
                // observing the Release below.
                payload.0.with_mut(|value| unsafe { *value = 42 });
                // Release: pairs with the Acquire load of the loop below.
                let before = if set_bits {
                    link.fetch_or_tag(0b100, Ordering::Release)
                } else {
                    link.fetch_and_tag(0b011, Ordering::Release)
                };
                assert_eq!(before.tag(), initial);
            });
            // Acquire: pairs with the Release read-modify-write of the spawned thread.
            while link.load(Ordering::Acquire).tag() != expected {
                thread::yield_now();
            }
            // SAFETY: the Acquire load observed the Release that follows the only write.
            let value = payload.0.with(|value| unsafe { *value });
            assert_eq!(value, 42, "set_bits: {set_bits}");
        });
        assert_eq!(link.into_inner(), TaggedPtr::new(raw, expected));
    }
}
