//! Auto traits, standard traits and layouts of the public types (compile-time assertions).
#![cfg(not(ccol_loom))]
#![allow(dead_code, reason = "types used only in assertions")]

use core::{
    fmt::{Debug, Display},
    hash::Hash,
    panic::{RefUnwindSafe, UnwindSafe},
};

use ccol_atomics::{AtomicTaggedPtr, DoubleWord, DwcasUnsupported, TaggedPtr};
use static_assertions::{assert_impl_all, assert_not_impl_any, const_assert_eq};

#[repr(align(8))]
struct Node(u8);

// A tagged pointer is plain data like `*mut T`: copyable, comparable, not thread-safe.
assert_impl_all!(TaggedPtr<Node>: Copy, Clone, Debug, Default, Eq, Hash, Unpin);
assert_not_impl_any!(TaggedPtr<Node>: Send, Sync);
// The atomic one is shared between threads whatever `T` is, like `AtomicPtr<T>`.
assert_impl_all!(AtomicTaggedPtr<Node>: Send, Sync, Debug, Default, Unpin, From<TaggedPtr<Node>>);
assert_impl_all!(AtomicTaggedPtr<*mut u8>: Send, Sync);
assert_not_impl_any!(AtomicTaggedPtr<Node>: Clone, Copy);

const_assert_eq!(size_of::<TaggedPtr<Node>>(), size_of::<usize>());
const_assert_eq!(size_of::<AtomicTaggedPtr<Node>>(), size_of::<usize>());
const_assert_eq!(align_of::<AtomicTaggedPtr<Node>>(), align_of::<usize>());
const_assert_eq!(TaggedPtr::<Node>::TAG_BITS, 3);

assert_impl_all!(DoubleWord: Copy, Clone, Debug, Default, Eq, Hash, Send, Sync);
assert_impl_all!(
    DwcasUnsupported: Copy, Debug, Display, Eq, Hash, Send, Sync, core::error::Error
);

#[cfg(any(
    all(target_arch = "x86_64", target_pointer_width = "64"),
    all(target_arch = "aarch64", target_pointer_width = "64"),
    all(target_pointer_width = "32", target_has_atomic = "64"),
))]
mod dwcas {
    use super::*;
    use ccol_atomics::AtomicDoubleWord;

    assert_impl_all!(AtomicDoubleWord: Send, Sync, Debug, Unpin, UnwindSafe, RefUnwindSafe);
    assert_not_impl_any!(AtomicDoubleWord: Clone, Copy, Default);
    // Two words, aligned to two words: what the hardware instruction needs.
    const_assert_eq!(size_of::<AtomicDoubleWord>(), 2 * size_of::<usize>());
    const_assert_eq!(align_of::<AtomicDoubleWord>(), 2 * size_of::<usize>());
}
