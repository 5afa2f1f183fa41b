#![cfg(all(feature = "alloc", not(ccol_loom)))]
//! Auto traits, standard traits and sizes of the public types (compile-time assertions): a
//! queue moves its values between threads whole and never shares a reference to one, so it is
//! `Send` and `Sync` exactly when its element type is `Send`; a `StaticQueue` is its six
//! cache-line-padded counters, its `4N` ring words and its `N` cells, nothing more, and can be
//! a `static`; a `BoundedQueue` is one pointer.
#![allow(dead_code, reason = "types used only in assertions")]

extern crate alloc;

use alloc::rc::Rc;
use core::{cell::Cell, error::Error, fmt::Debug, hash::Hash, mem::size_of};
use std::sync::MutexGuard;

use ccol_arch::CACHE_LINE_SIZE;
use ccol_queues::{BoundedQueue, PushError, StaticQueue};
#[cfg(not(feature = "stats"))]
use static_assertions::const_assert_eq;
use static_assertions::{assert_impl_all, assert_not_impl_any, const_assert};

/// `Sync` but not `Send`.
type SyncOnly = MutexGuard<'static, u8>;
/// `Send` but not `Sync`.
type SendOnly = Cell<u8>;
/// Neither.
type Neither = Rc<u8>;

assert_impl_all!(StaticQueue<u64, 4>: Send, Sync, Debug, Default, Unpin);
assert_impl_all!(StaticQueue<String, 1>: Send, Sync, Debug, Default);
// Values are only moved in and out whole, never shared: `Send` elements suffice.
assert_impl_all!(StaticQueue<SendOnly, 4>: Send, Sync);
assert_not_impl_any!(StaticQueue<SyncOnly, 4>: Send, Sync);
assert_not_impl_any!(StaticQueue<Neither, 4>: Send, Sync);
assert_not_impl_any!(StaticQueue<u64, 4>: Clone);

assert_impl_all!(BoundedQueue<u64>: Send, Sync, Debug, Unpin);
assert_impl_all!(BoundedQueue<Box<dyn Send>>: Send, Sync);
assert_impl_all!(BoundedQueue<SendOnly>: Send, Sync);
assert_not_impl_any!(BoundedQueue<SyncOnly>: Send, Sync);
assert_not_impl_any!(BoundedQueue<Neither>: Send, Sync);
assert_not_impl_any!(BoundedQueue<u64>: Clone, Default);

// The error carries the value: its auto traits are the value's; `Debug` and `Error` need
// nothing of it (they show the reason only).
assert_impl_all!(PushError<u8>: Copy, Clone, Debug, PartialEq, Eq, Hash, Send, Sync, Error);
assert_impl_all!(PushError<Neither>: Debug, Error);
assert_impl_all!(PushError<SendOnly>: Send);
assert_not_impl_any!(PushError<SendOnly>: Sync);
assert_not_impl_any!(PushError<Neither>: Send, Sync);

/// The counters: `head`, `threshold` and `tail` of two rings, each on its own cache line.
const COUNTERS: usize = 6 * CACHE_LINE_SIZE;
const WORD: usize = size_of::<usize>();

/// `StaticQueue<T, N>`'s size with its fields in the order Rust normally lays them out (the
/// line-aligned counters first, so nothing pads between fields): counters, `4N` ring words
/// and `N` cells, rounded up to a line. Under Miri the build randomizes field order
/// (`-Zrandomize-layout`), which may add up to a line of padding per ring header.
const fn static_size(n: usize, value: usize) -> usize {
    (COUNTERS + 4 * n * WORD + n * value).div_ceil(CACHE_LINE_SIZE) * CACHE_LINE_SIZE
}

// Exact sizes without the `stats` feature (its counters add cache lines).
#[cfg(not(any(miri, feature = "stats")))]
const_assert_eq!(size_of::<StaticQueue<u64, 1>>(), static_size(1, 8));
#[cfg(not(any(miri, feature = "stats")))]
const_assert_eq!(size_of::<StaticQueue<u64, 4>>(), static_size(4, 8));
#[cfg(not(any(miri, feature = "stats")))]
const_assert_eq!(size_of::<StaticQueue<[u8; 24], 64>>(), static_size(64, 24));
#[cfg(not(any(miri, feature = "stats")))]
const_assert_eq!(size_of::<StaticQueue<(), 16>>(), static_size(16, 0));
#[cfg(all(miri, not(feature = "stats")))]
const_assert!(size_of::<StaticQueue<u64, 4>>() <= static_size(4, 8) + 2 * CACHE_LINE_SIZE);
const_assert!(size_of::<StaticQueue<u64, 4>>() >= COUNTERS + 4 * 4 * WORD + 4 * 8);

// The heap queue is a pointer to its storage (plus the counters of the `stats` feature),
// and `Option` uses the pointer's niche.
#[cfg(not(feature = "stats"))]
const_assert_eq!(size_of::<BoundedQueue<[u64; 16]>>(), WORD);
#[cfg(not(feature = "stats"))]
const_assert_eq!(size_of::<Option<BoundedQueue<u8>>>(), WORD);

/// A `static` needs `Sync` and a const constructor: this line is the compile-time check,
/// with a value type that is not `Sync`.
static CONST_BUILT: StaticQueue<Cell<u8>, 2> = StaticQueue::new();

/// And a constant context accepts the constructor for any power of two.
const _: () = {
    let queue = StaticQueue::<u32, 64>::new();
    assert!(queue.capacity() == 64);
    core::mem::forget(queue);
};

#[test]
fn the_static_works_from_threads() {
    std::thread::scope(|s| {
        s.spawn(|| CONST_BUILT.push(Cell::new(7)).unwrap());
    });
    assert_eq!(CONST_BUILT.pop().map(Cell::into_inner), Some(7));
    assert_eq!(CONST_BUILT.pop(), None);
}

#[test]
#[should_panic(expected = "capacity must be in 1..=MAX_CAPACITY, got 0")]
fn bounded_zero_panics() {
    let _ = BoundedQueue::<u64>::new(0);
}

#[test]
#[should_panic(expected = "capacity must be in 1..=MAX_CAPACITY")]
fn bounded_above_max_capacity_panics_before_allocating() {
    let _ = BoundedQueue::<u8>::new(BoundedQueue::<u8>::MAX_CAPACITY + 1);
}

#[test]
fn max_capacity_leaves_room_for_the_cycle_bits() {
    let max = BoundedQueue::<u8>::MAX_CAPACITY;
    assert!(max.is_power_of_two());
    assert_eq!(max, 1 << (usize::BITS - 4));
    assert_eq!(BoundedQueue::<[u64; 8]>::MAX_CAPACITY, max);
}
