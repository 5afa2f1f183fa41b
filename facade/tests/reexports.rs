//! The facade re-exports each tier-0 crate's public API under its module and the everyday
//! types at the root; these tests fail if a re-export goes missing or points elsewhere.

use core::any::TypeId;

#[test]
fn arch_module_is_ccol_arch() {
    assert_eq!(ccol::arch::Arch::CURRENT, ccol_arch::Arch::CURRENT);
    assert_eq!(ccol::arch::CACHE_LINE_SIZE, ccol_arch::CACHE_LINE_SIZE);
    assert_eq!(ccol::arch::cpu_features(), ccol_arch::cpu_features());
    assert_eq!(
        TypeId::of::<ccol::arch::config::Config>(),
        TypeId::of::<ccol_arch::config::Config>()
    );
}

#[test]
fn root_reexports_are_the_tier_types() {
    assert_eq!(
        TypeId::of::<ccol::CachePadded<u64>>(),
        TypeId::of::<ccol_arch::CachePadded<u64>>()
    );
    assert_eq!(
        TypeId::of::<ccol::Config>(),
        TypeId::of::<ccol_arch::config::Config>()
    );
    assert_eq!(
        TypeId::of::<ccol::Backoff>(),
        TypeId::of::<ccol_backoff::Backoff>()
    );
    assert_eq!(ccol::Config::DEFAULT, ccol_arch::config::Config::DEFAULT);
}

#[test]
fn atomics_module_reexports_tagged_and_dwcas() {
    assert_eq!(
        TypeId::of::<ccol::atomics::TaggedPtr<u64>>(),
        TypeId::of::<ccol_atomics::TaggedPtr<u64>>()
    );
    assert_eq!(
        TypeId::of::<ccol::atomics::AtomicTaggedPtr<u64>>(),
        TypeId::of::<ccol_atomics::AtomicTaggedPtr<u64>>()
    );
    assert_eq!(
        ccol::atomics::DWCAS_ALWAYS_LOCK_FREE,
        ccol_atomics::DWCAS_ALWAYS_LOCK_FREE
    );
    assert_eq!(
        ccol::atomics::dwcas_is_lock_free(),
        ccol_atomics::dwcas_is_lock_free()
    );
    #[cfg(target_arch = "x86_64")]
    assert_eq!(
        TypeId::of::<ccol::atomics::AtomicDoubleWord>(),
        TypeId::of::<ccol_atomics::AtomicDoubleWord>()
    );
}

#[test]
fn backoff_module_is_ccol_backoff() {
    let mut ours = ccol::backoff::Backoff::new();
    ours.spin();
    let mut theirs = ccol_backoff::Backoff::new();
    theirs.spin();
    assert_eq!(format!("{ours:?}"), format!("{theirs:?}"));
}

#[cfg(all(feature = "ibr", feature = "debra"))]
#[test]
fn reclaim_module_and_scheme_aliases_are_ccol_reclaim() {
    use ccol_reclaim::{Debra, Domain, Ibr};
    assert_eq!(
        TypeId::of::<ccol::reclaim::Domain<Ibr>>(),
        TypeId::of::<Domain<Ibr>>()
    );
    assert_eq!(
        TypeId::of::<ccol::ibr::Domain>(),
        TypeId::of::<Domain<Ibr>>()
    );
    assert_eq!(
        TypeId::of::<ccol::debra::Domain>(),
        TypeId::of::<Domain<Debra>>()
    );
    assert_eq!(
        TypeId::of::<ccol::ibr::Atomic<u64>>(),
        TypeId::of::<ccol_reclaim::Atomic<u64, Ibr>>()
    );
    assert_eq!(
        TypeId::of::<ccol::debra::Owned<u64>>(),
        TypeId::of::<ccol_reclaim::Owned<u64, Debra>>()
    );
    // Default features enable `ibr`, so the top-level collections use IBR.
    assert_eq!(TypeId::of::<ccol::DefaultScheme>(), TypeId::of::<Ibr>());
    // The aliases are usable end to end.
    let domain = ccol::ibr::Domain::new();
    let link = ccol::ibr::Atomic::new(ccol::ibr::Owned::new(7u32, &domain));
    let guard = domain.pin();
    // SAFETY: a protected, non-null load under `guard`.
    assert_eq!(unsafe { link.load(&guard).deref() }, &7);
    drop(guard);
    // SAFETY: the link is exclusively ours and holds a node.
    assert_eq!(unsafe { link.into_owned() }.into_inner(), 7);
}

#[cfg(all(feature = "ibr", feature = "debra"))]
#[test]
fn stack_module_and_aliases_are_ccol_stack() {
    use ccol_reclaim::{Debra, Ibr};
    use ccol_stack::LockFreeStack;

    assert_eq!(
        TypeId::of::<ccol::LockFreeStack<u64>>(),
        TypeId::of::<LockFreeStack<u64, Ibr>>()
    );
    assert_eq!(
        TypeId::of::<ccol::ibr::LockFreeStack<u64>>(),
        TypeId::of::<LockFreeStack<u64, Ibr>>()
    );
    assert_eq!(
        TypeId::of::<ccol::debra::LockFreeStack<u64>>(),
        TypeId::of::<LockFreeStack<u64, Debra>>()
    );
    assert_eq!(
        TypeId::of::<ccol::StaticStack<u64, 4>>(),
        TypeId::of::<ccol_stack::StaticStack<u64, 4>>()
    );
    assert_eq!(
        TypeId::of::<ccol::stack::Elimination>(),
        TypeId::of::<ccol_stack::Elimination>()
    );
    // Usable end to end through the facade names.
    let stack: ccol::LockFreeStack<u32> = [1, 2, 3].into_iter().collect();
    assert_eq!(stack.pop(), Some(3));
    static STATIC: ccol::StaticStack<u8, 2> = ccol::StaticStack::new();
    assert_eq!(STATIC.push(9), Ok(()));
    assert_eq!(STATIC.pop(), Some(9));
}

#[test]
fn queues_module_and_static_queue_are_ccol_queues() {
    assert_eq!(
        TypeId::of::<ccol::StaticQueue<u64, 4>>(),
        TypeId::of::<ccol_queues::StaticQueue<u64, 4>>()
    );
    assert_eq!(
        TypeId::of::<ccol::queues::PushError<u8>>(),
        TypeId::of::<ccol_queues::PushError<u8>>()
    );
    assert_eq!(
        TypeId::of::<ccol::queues::PopError>(),
        TypeId::of::<ccol_queues::PopError>()
    );
}

#[cfg(feature = "alloc")]
#[test]
fn bounded_queue_is_ccol_queues() {
    assert_eq!(
        TypeId::of::<ccol::BoundedQueue<u64>>(),
        TypeId::of::<ccol_queues::BoundedQueue<u64>>()
    );
}

#[cfg(all(feature = "ibr", feature = "debra", target_pointer_width = "64"))]
#[test]
fn lock_free_queue_aliases_are_ccol_queues() {
    assert_eq!(
        TypeId::of::<ccol::LockFreeQueue<u64>>(),
        TypeId::of::<ccol_queues::LockFreeQueue<u64, ccol::DefaultScheme>>()
    );
    assert_eq!(
        TypeId::of::<ccol::ibr::LockFreeQueue<u64>>(),
        TypeId::of::<ccol_queues::LockFreeQueue<u64, ccol_reclaim::Ibr>>()
    );
    assert_eq!(
        TypeId::of::<ccol::debra::LockFreeQueue<u64>>(),
        TypeId::of::<ccol_queues::LockFreeQueue<u64, ccol_reclaim::Debra>>()
    );
}

#[test]
fn ordered_module_is_ccol_ordered() {
    use core::cmp::Ordering;

    use ccol::ordered::{Comparator, Natural, Reverse};

    assert_eq!(
        TypeId::of::<ccol::ordered::Reverse>(),
        TypeId::of::<ccol_ordered::Reverse<ccol_ordered::Natural>>()
    );
    assert_eq!(
        TypeId::of::<ccol::ordered::TotalOrd<f64>>(),
        TypeId::of::<ccol_ordered::TotalOrd<f64>>()
    );
    assert_eq!(
        TypeId::of::<ccol::ordered::FnComparator<fn(&u8, &u8) -> Ordering>>(),
        TypeId::of::<ccol_ordered::FnComparator<fn(&u8, &u8) -> Ordering>>()
    );
    #[cfg(feature = "stats")]
    assert_eq!(
        TypeId::of::<ccol::ordered::Counting<Natural>>(),
        TypeId::of::<ccol_ordered::Counting<ccol_ordered::Natural>>()
    );
    // Usable end to end through the facade names, trait included.
    assert_eq!(Reverse::new(Natural).compare(&1, &2), Ordering::Greater);
    assert_eq!(ccol::ordered::by_key(|s: &str| s.len()).extract("fig"), 3);
}
