#![cfg(all(feature = "std", feature = "ibr", feature = "debra", not(ccol_loom)))]
//! `Owned`, `Shared` and `Atomic` hand values back without leaking or dropping them twice
//! (`Owned::into_inner`, `Atomic::into_owned`, `Shared::into_owned`, a failed CAS returning
//! its `new`), and tags round-trip through every operation that carries them. Run under Miri,
//! a leak or a double free here is reported even where the drop counts cannot see it.

mod common;

use ccol_atomics::sync::atomic::Ordering::{AcqRel, Acquire, Relaxed, Release, SeqCst};
use ccol_reclaim::{Atomic, CompareExchangeError, Domain, Owned, Reclaim, Shared};
use common::{Tracker, for_each_scheme};

for_each_scheme!(
    into_inner_returns_the_value_without_dropping_it => into_inner_keeps_value,
    into_owned_takes_the_node_back_from_a_link => into_owned_takes_back,
    failed_compare_exchange_hands_new_back => failed_cas_returns_new,
    weak_compare_exchange_loop_publishes_once => weak_cas_loop,
    tags_round_trip_through_owned_shared_and_atomic => tags_round_trip,
    a_u8_payload_still_gets_two_tag_bits => small_payload_tag_bits,
    raw_round_trip_keeps_value_and_tag => raw_round_trip,
    try_into_owned_and_is_null_see_null_links => try_into_owned_null,
);

fn into_inner_keeps_value<R: Reclaim>() {
    let tracker = Tracker::new(2);
    let domain = Domain::<R>::new();
    let owned = Owned::new(tracker.payload(), &domain);
    assert_eq!(owned.id(), 0);
    let payload = owned.into_inner();
    assert_eq!(tracker.dropped(), 0, "into_inner dropped the value");
    assert_eq!(payload.check(), 0);
    drop(payload);
    assert_eq!(tracker.dropped(), 1);
    // Mutation through `DerefMut` reaches the node, and `into_inner` returns it.
    let mut owned = Owned::new(vec![1u32, 2], &domain);
    owned.push(3);
    assert_eq!(owned.into_inner(), [1, 2, 3]);
    // An `Owned` dropped unpublished frees its value once.
    drop(Owned::new(tracker.payload(), &domain));
    drop(domain);
    tracker.assert_all_dropped_once();
}

fn raw_round_trip<R: Reclaim>() {
    let tracker = Tracker::new(1);
    let domain = Domain::<R>::new();
    let raw = Owned::new(tracker.payload(), &domain)
        .with_tag(1)
        .into_raw();
    assert_eq!(tracker.dropped(), 0, "into_raw dropped the value");
    // SAFETY: `raw` came from `Owned::<_, R>::into_raw` above and is taken back once.
    let owned = unsafe { Owned::<common::Payload<'_>, R>::from_raw(raw) };
    assert_eq!(owned.tag(), 1);
    let payload = owned.into_inner();
    assert_eq!(payload.check(), 0);
    assert_eq!(
        tracker.dropped(),
        0,
        "from_raw or into_inner dropped the value"
    );
    drop(payload);
    drop(domain);
    tracker.assert_all_dropped_once();
}

fn try_into_owned_null<R: Reclaim>() {
    let tracker = Tracker::new(1);
    let domain = Domain::<R>::new();
    let empty: Atomic<common::Payload<'_>, R> = Atomic::null();
    assert!(empty.is_null(Relaxed));
    // SAFETY: the link is ours alone.
    assert!(unsafe { empty.try_into_owned() }.is_none());
    let full = Atomic::new(Owned::new(tracker.payload(), &domain));
    assert!(!full.is_null(Acquire));
    // SAFETY: the link is ours alone and its node was never retired.
    let owned = unsafe { full.try_into_owned() }.expect("a non-null link");
    assert_eq!(owned.id(), 0);
    drop(owned);
    drop(domain);
    tracker.assert_all_dropped_once();
}

fn into_owned_takes_back<R: Reclaim>() {
    let tracker = Tracker::new(2);
    let domain = Domain::<R>::new();
    let link = Atomic::new(Owned::new(tracker.payload(), &domain).with_tag(1));
    // SAFETY: the link is ours alone and its node was never retired.
    let owned = unsafe { link.into_owned() };
    assert_eq!((owned.id(), owned.tag()), (0, 1));
    assert_eq!(tracker.dropped(), 0);
    drop(owned);
    assert_eq!(tracker.dropped(), 1);
    // `Shared::into_owned` of a node published only to a private link.
    let link: Atomic<_, R> = Atomic::from(Owned::new(tracker.payload(), &domain));
    {
        let guard = domain.pin();
        let shared = link.swap(Shared::null(), AcqRel, &guard);
        // SAFETY: unlinked by the swap; no other thread ever saw the link; not retired.
        let owned = unsafe { shared.into_owned() };
        assert_eq!(owned.id(), 1);
        // Back through `into_shared` and `into_owned` once more.
        let shared = owned.into_shared(&guard);
        // SAFETY: as above: still private, not retired.
        drop(unsafe { shared.into_owned() });
    }
    assert_eq!(tracker.dropped(), 2);
    assert!(link.load(&domain.pin()).is_null());
    drop(domain);
    tracker.assert_all_dropped_once();
}

fn failed_cas_returns_new<R: Reclaim>() {
    let tracker = Tracker::new(4);
    let domain = Domain::<R>::new();
    let link = Atomic::new(Owned::new(tracker.payload(), &domain));
    {
        let guard = domain.pin();
        let current = link.load(&guard);
        // Expecting null: fails, `new` (an `Owned`) comes back with the value found.
        let new = Owned::new(tracker.payload(), &domain);
        let CompareExchangeError {
            current: found,
            new,
        } = link
            .compare_exchange(Shared::null(), new, AcqRel, Relaxed, &guard)
            .unwrap_err();
        assert_eq!(found, current);
        // SAFETY: `found` is protected like a load under `guard`, and not null.
        assert_eq!(unsafe { found.deref() }.check(), 0);
        assert_eq!(new.id(), 1);
        assert_eq!(tracker.dropped(), 0, "the failed CAS dropped something");
        // A failing CAS with a `Shared` new hands the same `Shared` back.
        let other = Shared::null().with_tag(1);
        let error = link.compare_exchange(Shared::null(), other, SeqCst, SeqCst, &guard);
        assert!(error.is_err_and(|e| e.new == other && e.current == current));
        // The returned `Owned` is stored by a second, successful CAS.
        let previous = link
            .compare_exchange(current, new, AcqRel, Acquire, &guard)
            .unwrap();
        assert_eq!(previous, current);
        // SAFETY: unlinked by the successful CAS; retired once.
        unsafe { guard.retire(previous) };
        // SAFETY: protected load under `guard`, not null.
        assert_eq!(unsafe { link.load(&guard).deref() }.id(), 1);
        // A failure whose `Owned` is simply dropped frees it once.
        let stale = link.compare_exchange(
            current,
            Owned::new(tracker.payload(), &domain),
            AcqRel,
            Acquire,
            &guard,
        );
        drop(stale.unwrap_err().new);
        assert_eq!(tracker.dropped(), 1);
    }
    domain.flush();
    assert_eq!(tracker.dropped(), 2);
    // SAFETY: private link, node never retired.
    drop(unsafe { link.into_owned() });
    drop(domain);
    tracker.assert_all_dropped_once();
}

fn weak_cas_loop<R: Reclaim>() {
    let tracker = Tracker::new(2);
    let domain = Domain::<R>::new();
    let link: Atomic<_, R> = Atomic::null();
    {
        let guard = domain.pin();
        let mut new = Owned::new(tracker.payload(), &domain);
        let mut expected = link.load(&guard);
        loop {
            match link.compare_exchange_weak(expected, new, Release, Relaxed, &guard) {
                Ok(previous) => {
                    assert!(previous.is_null());
                    break;
                }
                Err(error) => {
                    expected = error.current;
                    new = error.new;
                }
            }
        }
        // SAFETY: protected load, not null.
        assert_eq!(unsafe { link.load(&guard).deref() }.id(), 0);
    }
    assert_eq!(tracker.dropped(), 0);
    // SAFETY: private link, node never retired.
    drop(unsafe { link.into_owned() });
    drop(domain);
    tracker.assert_all_dropped_once();
}

fn tags_round_trip<R: Reclaim>() {
    assert!(Atomic::<u64, R>::TAG_BITS >= 2);
    let mask = (1usize << Atomic::<u64, R>::TAG_BITS) - 1;
    let domain = Domain::<R>::new();
    let owned = Owned::new(7u64, &domain).with_tag(0b10);
    assert_eq!((owned.tag(), *owned), (0b10, 7));
    let owned = owned.with_tag(usize::MAX);
    assert_eq!(owned.tag(), mask, "with_tag must mask to TAG_BITS");
    let link = Atomic::new(owned.with_tag(0b01));
    let guard = domain.pin();
    let loaded = link.load(&guard);
    assert_eq!(loaded.tag(), 0b01);
    // SAFETY: protected load, not null; tags never change the address.
    assert_eq!(unsafe { *loaded.deref() }, 7);
    let raw = loaded.as_raw();
    let previous = link.fetch_or_tag(0b10, AcqRel, &guard);
    assert_eq!(previous, loaded);
    let now = link.load(&guard);
    assert_eq!((now.tag(), now.as_raw()), (0b11, raw));
    let previous = link.fetch_and_tag(0b10, AcqRel, &guard);
    assert_eq!(previous.tag(), 0b11);
    assert_eq!(link.load(&guard).tag(), 0b10);
    // Clearing every tag bit keeps the pointer.
    link.fetch_and_tag(0, AcqRel, &guard);
    let cleared = link.load(&guard);
    assert_eq!((cleared.tag(), cleared.as_raw()), (0, raw));
    // SAFETY: protected load, not null.
    assert_eq!(unsafe { cleared.as_ref() }, Some(&7));
    // Bits outside the tag are ignored by fetch_or_tag.
    link.fetch_or_tag(!mask, AcqRel, &guard);
    assert_eq!(link.load(&guard), cleared);
    // A tagged `Shared` stored back, and tagged nulls.
    link.store(cleared.with_tag(mask), Release);
    assert_eq!(link.load_unprotected(Acquire, &guard).tag(), mask);
    assert_eq!(link.load(&guard).as_raw(), raw);
    let tagged_null = Shared::<u64, R>::null().with_tag(1);
    assert!(tagged_null.is_null());
    assert_eq!(tagged_null.tag(), 1);
    assert!(tagged_null.as_raw().is_null());
    // SAFETY: `as_ref` allows null.
    assert_eq!(unsafe { tagged_null.as_ref() }, None);
    drop(guard);
    // SAFETY: private link, node never retired; the tag does not disturb the free.
    let owned = unsafe { link.into_owned() };
    assert_eq!((owned.tag(), owned.into_inner()), (mask, 7));
}

fn small_payload_tag_bits<R: Reclaim>() {
    // The node header keeps at least pointer alignment, whatever the payload's.
    assert!(Atomic::<u8, R>::TAG_BITS >= 2);
    if cfg!(target_pointer_width = "64") {
        assert_eq!(Atomic::<u8, R>::TAG_BITS, 3);
    }
    let domain = Domain::<R>::new();
    let mask = (1usize << Atomic::<u8, R>::TAG_BITS) - 1;
    let owned = Owned::new(0xA5u8, &domain).with_tag(mask);
    assert_eq!((owned.tag(), *owned), (mask, 0xA5));
    let link = Atomic::new(owned);
    let guard = domain.pin();
    // SAFETY: protected load, not null.
    assert_eq!(unsafe { *link.load(&guard).deref() }, 0xA5);
    drop(guard);
    // SAFETY: private link, node never retired.
    assert_eq!(unsafe { link.into_owned() }.into_inner(), 0xA5);
}
