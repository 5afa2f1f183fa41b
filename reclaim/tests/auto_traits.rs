#![cfg(all(
    feature = "ibr",
    feature = "debra",
    target_has_atomic = "64",
    not(ccol_loom)
))]
//! Auto traits, standard traits and sizes of the public types (compile-time assertions):
//! a domain is shared between threads, participants and guards stay on their thread, the
//! pointer types are as thread-safe as what they point to, and the per-node header is the
//! birth epoch under IBR and nothing under DEBRA.
#![allow(dead_code, reason = "types used only in assertions")]

extern crate alloc;

use alloc::rc::Rc;
use core::{
    cell::Cell,
    error::Error,
    fmt::{self, Debug, Display},
    hash::Hash,
    ops::{Deref, DerefMut},
};
use std::sync::MutexGuard;

use ccol_reclaim::{
    Atomic, CompareExchangeError, Debra, Domain, Guard, Handle, Ibr, Owned, Pointer, Reclaim,
    RegistryFull, Shared,
    reclaim::{BirthEpoch, NoHeader},
};
use static_assertions::{
    assert_impl_all, assert_not_impl_any, assert_type_eq_all, const_assert, const_assert_eq,
};

/// `Sync` but not `Send`.
type SyncOnly = MutexGuard<'static, u8>;
/// `Send` but not `Sync`.
type SendOnly = Cell<u8>;
/// Neither.
type Neither = Rc<u8>;

// The schemes are plain tags.
assert_impl_all!(Ibr: Reclaim, Copy, Default, Debug, Eq, Hash, Send, Sync, Unpin);
assert_impl_all!(Debra: Reclaim, Copy, Default, Debug, Eq, Hash, Send, Sync, Unpin);
const_assert_eq!(size_of::<Ibr>(), 0);
const_assert_eq!(size_of::<Debra>(), 0);
const_assert!(Ibr::BOUNDED_UNDER_STALL);
const_assert!(!Debra::BOUNDED_UNDER_STALL);

// A domain is shared by every thread of its structure, whatever it holds.
assert_impl_all!(Domain<Ibr>: Send, Sync, Debug, Default, Unpin);
assert_impl_all!(Domain<Debra>: Send, Sync, Debug, Default, Unpin);

// A participant and its guards belong to one thread.
assert_impl_all!(Handle<'static, Ibr>: Debug);
assert_impl_all!(Guard<'static, Ibr>: Debug);
assert_not_impl_any!(Handle<'static, Ibr>: Send, Sync, Clone);
assert_not_impl_any!(Handle<'static, Debra>: Send, Sync, Clone);
assert_not_impl_any!(Guard<'static, Ibr>: Send, Sync, Clone);
assert_not_impl_any!(Guard<'static, Debra>: Send, Sync, Clone);

// A link hands its values to other threads and lets them read at once: Send + Sync iff T is.
assert_impl_all!(Atomic<u64, Ibr>: Send, Sync, Debug, Default, From<Owned<u64, Ibr>>);
assert_impl_all!(Atomic<String, Debra>: Send, Sync, Debug, Default);
assert_not_impl_any!(Atomic<SyncOnly, Ibr>: Send, Sync);
assert_not_impl_any!(Atomic<SendOnly, Ibr>: Send, Sync);
assert_not_impl_any!(Atomic<Neither, Debra>: Send, Sync);
assert_not_impl_any!(Atomic<u64, Ibr>: Clone);

// An `Owned` is a `Box`: Send iff T: Send, Sync iff T: Sync.
assert_impl_all!(Owned<u64, Ibr>: Send, Sync, Debug, Deref, DerefMut, Pointer<u64, Ibr>);
assert_impl_all!(Owned<SendOnly, Ibr>: Send);
assert_not_impl_any!(Owned<SendOnly, Ibr>: Sync);
assert_impl_all!(Owned<SyncOnly, Debra>: Sync);
assert_not_impl_any!(Owned<SyncOnly, Debra>: Send);
assert_not_impl_any!(Owned<Neither, Debra>: Send, Sync);
assert_not_impl_any!(Owned<u64, Ibr>: Clone);

// A `Shared` is tied to its guard's thread.
assert_impl_all!(Shared<'static, u64, Ibr>: Copy, Clone, Eq, Debug, fmt::Pointer, Pointer<u64, Ibr>);
assert_not_impl_any!(Shared<'static, u64, Ibr>: Send, Sync);
assert_not_impl_any!(Shared<'static, u64, Debra>: Send, Sync);
assert_impl_all!(CompareExchangeError<'static, u64, Ibr, Owned<u64, Ibr>>: Debug);
assert_not_impl_any!(CompareExchangeError<'static, u64, Ibr, Owned<u64, Ibr>>: Send, Sync);

// The registry error is a plain, recoverable value.
assert_impl_all!(RegistryFull: Copy, Debug, Display, Error, Eq, Send, Sync, Unpin);

#[cfg(feature = "stats")]
assert_impl_all!(ccol_reclaim::Stats: Copy, Debug, Default, Eq, Send, Sync);

// The per-node header: IBR's birth epoch is one u64; DEBRA's takes no space but keeps
// pointer alignment, so every node has at least two tag bits.
assert_type_eq_all!(<Ibr as Reclaim>::Header, BirthEpoch);
assert_type_eq_all!(<Debra as Reclaim>::Header, NoHeader);
const_assert_eq!(size_of::<BirthEpoch>(), 8);
const_assert_eq!(size_of::<NoHeader>(), 0);
const_assert_eq!(align_of::<NoHeader>(), align_of::<usize>());
const_assert!(Atomic::<u8, Ibr>::TAG_BITS >= 2);
const_assert!(Atomic::<u8, Debra>::TAG_BITS >= 2);
#[cfg(target_pointer_width = "64")]
const_assert_eq!(Atomic::<u8, Debra>::TAG_BITS, 3);

// The pointer types are one word: the tag lives in the alignment bits.
const_assert_eq!(size_of::<Owned<u64, Ibr>>(), size_of::<usize>());
const_assert_eq!(size_of::<Owned<[u8; 64], Debra>>(), size_of::<usize>());
const_assert_eq!(size_of::<Shared<'static, u64, Ibr>>(), size_of::<usize>());
const_assert_eq!(size_of::<Atomic<u64, Ibr>>(), size_of::<usize>());
const_assert_eq!(size_of::<Atomic<u64, Debra>>(), size_of::<usize>());
