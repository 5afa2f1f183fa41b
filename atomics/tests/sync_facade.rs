//! The sync facade (`ccol_atomics::sync`) behaves like `core`/`std` on the default backends:
//! every re-exported name exists, atomics keep their documented semantics, `UnsafeCell` gives
//! its contents through `with`/`with_mut`, `const_fn!` constructors work in a `static`, and
//! Release/Acquire message passing through `AtomicPtr` publishes a cell's contents.
#![cfg(not(ccol_loom))]

use ccol_atomics::sync::{
    atomic::{AtomicBool, AtomicPtr, AtomicU32, AtomicUsize, Ordering, compiler_fence, fence},
    cell::UnsafeCell,
    hint,
};

/// A type with a `const_fn!` constructor, usable in a `static`.
struct Counter {
    hits: AtomicUsize,
}

impl Counter {
    ccol_atomics::const_fn! {
        const fn new() -> Self {
            Self { hits: AtomicUsize::new(0) }
        }
    }
}

static COUNTER: Counter = Counter::new();

#[test]
fn const_fn_constructor_is_usable_in_a_static() {
    // Relaxed: a counter with no data attached; only its final value is checked.
    let before = COUNTER.hits.fetch_add(2, Ordering::Relaxed);
    assert_eq!(before, 0);
    assert_eq!(COUNTER.hits.load(Ordering::Relaxed), 2);
}

#[test]
fn integer_atomics_keep_core_semantics() {
    let word = AtomicUsize::new(usize::MAX);
    // Relaxed everywhere in this single-threaded test: no other thread observes the values.
    assert_eq!(word.fetch_add(1, Ordering::Relaxed), usize::MAX);
    assert_eq!(
        word.load(Ordering::Relaxed),
        0,
        "fetch_add wraps on overflow"
    );
    assert_eq!(
        word.compare_exchange(0, 7, Ordering::Relaxed, Ordering::Relaxed),
        Ok(0)
    );
    assert_eq!(
        word.compare_exchange(0, 9, Ordering::Relaxed, Ordering::Relaxed),
        Err(7),
        "a failed CAS returns the current value"
    );
    let mut current = word.load(Ordering::Relaxed);
    loop {
        // compare_exchange_weak may fail spuriously: retry with the value it returns.
        match word.compare_exchange_weak(current, current * 2, Ordering::Relaxed, Ordering::Relaxed)
        {
            Ok(_) => break,
            Err(actual) => current = actual,
        }
    }
    assert_eq!(word.load(Ordering::Relaxed), 14);

    let small = AtomicU32::new(0b1010);
    assert_eq!(small.fetch_or(0b0101, Ordering::Relaxed), 0b1010);
    assert_eq!(small.fetch_and(0b0110, Ordering::Relaxed), 0b1111);
    assert_eq!(small.swap(3, Ordering::Relaxed), 0b0110);

    let flag = AtomicBool::new(false);
    assert!(!flag.swap(true, Ordering::Relaxed));
    assert!(flag.load(Ordering::Relaxed));
    fence(Ordering::SeqCst);
    compiler_fence(Ordering::SeqCst);
    hint::spin_loop();
}

#[test]
fn atomic_ptr_handles_null() {
    let mut value = 5_u8;
    let ptr = AtomicPtr::<u8>::new(core::ptr::null_mut());
    // Relaxed: single-threaded.
    assert!(ptr.load(Ordering::Relaxed).is_null());
    let target = core::ptr::from_mut(&mut value);
    assert_eq!(
        ptr.compare_exchange(
            core::ptr::null_mut(),
            target,
            Ordering::Relaxed,
            Ordering::Relaxed
        ),
        Ok(core::ptr::null_mut())
    );
    assert_eq!(ptr.swap(core::ptr::null_mut(), Ordering::Relaxed), target);
    assert!(ptr.load(Ordering::Relaxed).is_null());
}

#[test]
fn unsafe_cell_gives_access_through_closures() {
    let cell = UnsafeCell::new(1_u64);
    // SAFETY: single-threaded; no other access to the cell overlaps these ones.
    cell.with_mut(|ptr| unsafe { *ptr += 41 });
    // SAFETY: as above.
    let seen = cell.with(|ptr| unsafe { *ptr });
    assert_eq!(seen, 42);
    assert_eq!(cell.into_inner(), 42);
    assert_eq!(format!("{:?}", UnsafeCell::new(3)), "UnsafeCell { .. }");
}

/// A payload published through an `AtomicPtr` to it.
#[cfg(feature = "std")]
struct Mailbox {
    payload: UnsafeCell<u64>,
    published: AtomicPtr<UnsafeCell<u64>>,
}

// SAFETY: `payload` is written only before `published` is set (Release) and read only after
// it is seen set (Acquire), so its accesses never race.
#[cfg(feature = "std")]
unsafe impl Sync for Mailbox {}

#[cfg(feature = "std")]
#[test]
fn release_acquire_publishes_the_payload() {
    use ccol_atomics::sync::{Arc, thread::yield_now};

    let rounds = if cfg!(miri) { 20 } else { 500 };
    for round in 0..rounds {
        let mailbox = Arc::new(Mailbox {
            payload: UnsafeCell::new(0),
            published: AtomicPtr::new(core::ptr::null_mut()),
        });
        let producer = {
            let mailbox = Arc::clone(&mailbox);
            std::thread::spawn(move || {
                // SAFETY: nobody reads the payload before it is published below.
                mailbox.payload.with_mut(|ptr| unsafe { *ptr = round + 1 });
                let cell = core::ptr::from_ref(&mailbox.payload).cast_mut();
                // Release: pairs with the consumer's Acquire load; publishes the write above.
                mailbox.published.store(cell, Ordering::Release);
            })
        };
        let seen = loop {
            // Acquire: pairs with the producer's Release store.
            let cell = mailbox.published.load(Ordering::Acquire);
            if !cell.is_null() {
                // SAFETY: `cell` points to `mailbox.payload`, alive while we hold the Arc.
                let payload = unsafe { &*cell };
                // SAFETY: the payload was written only before the Release store that the
                // Acquire load above saw, so this read does not race.
                break payload.with(|ptr| unsafe { *ptr });
            }
            yield_now();
        };
        assert_eq!(seen, round + 1);
        producer.join().unwrap();
    }
}

#[cfg(feature = "std")]
#[test]
fn thread_local_and_arc_are_the_std_ones() {
    use core::cell::Cell;

    ccol_atomics::sync::thread_local! {
        static LOCAL: Cell<u32> = const { Cell::new(0) };
    }
    LOCAL.with(|local| local.set(5));
    let other = std::thread::spawn(|| LOCAL.with(Cell::get)).join().unwrap();
    assert_eq!(other, 0, "each thread has its own value");
    assert_eq!(LOCAL.with(Cell::get), 5);

    let shared = ccol_atomics::sync::Arc::new(AtomicUsize::new(0));
    let clone = ccol_atomics::sync::Arc::clone(&shared);
    // Relaxed: the join below synchronizes.
    std::thread::spawn(move || clone.fetch_add(1, Ordering::Relaxed))
        .join()
        .unwrap();
    assert_eq!(shared.load(Ordering::Relaxed), 1);
}
