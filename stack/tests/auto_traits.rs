#![cfg(not(ccol_loom))]
//! Auto traits, standard traits and sizes of the public types (compile-time assertions): a
//! stack moves its values between threads, so it is `Send` and `Sync` exactly when its
//! element type is `Send` (no `T` is ever shared, except by `LockFreeStack::peek`, which asks
//! for `T: Sync` itself); a `StaticStack` is its head words and its pool, nothing more.
#![allow(dead_code, reason = "types used only in assertions")]

extern crate alloc;

use alloc::rc::Rc;
use core::{cell::Cell, fmt::Debug};
use std::sync::MutexGuard;

use ccol_stack::StaticStack;
use static_assertions::{assert_impl_all, assert_not_impl_any, const_assert_eq};

/// `Sync` but not `Send`.
type SyncOnly = MutexGuard<'static, u8>;
/// `Send` but not `Sync`.
type SendOnly = Cell<u8>;
/// Neither.
type Neither = Rc<u8>;

assert_impl_all!(StaticStack<u64, 4>: Send, Sync, Debug, Default, Unpin);
assert_impl_all!(StaticStack<String, 0>: Send, Sync, Debug, Default);
// Values are only moved in and out whole, never shared: `Send` elements suffice.
assert_impl_all!(StaticStack<SendOnly, 4>: Send, Sync);
assert_not_impl_any!(StaticStack<SyncOnly, 4>: Send, Sync);
assert_not_impl_any!(StaticStack<Neither, 4>: Send, Sync);
assert_not_impl_any!(StaticStack<u64, 4>: Clone);

// Three head words and `N` nodes of a link word and a value: nothing allocated, no hidden
// header.
#[cfg(target_has_atomic = "64")]
const_assert_eq!(size_of::<StaticStack<u64, 0>>(), 3 * 8);
#[cfg(target_has_atomic = "64")]
const_assert_eq!(size_of::<StaticStack<u64, 4>>(), 3 * 8 + 4 * (8 + 8));
#[cfg(target_has_atomic = "64")]
const_assert_eq!(size_of::<StaticStack<[u8; 24], 2>>(), 3 * 8 + 2 * (8 + 24));

/// A `static` needs `Sync` and a const constructor: this line is the compile-time check.
static CONST_BUILT: StaticStack<Cell<u8>, 2> = StaticStack::new();

#[cfg(all(feature = "std", feature = "ibr", feature = "debra"))]
mod lock_free {
    use core::{fmt::Debug, hash::Hash};

    use ccol_reclaim::{Debra, Ibr};
    use ccol_stack::{Elimination, LockFreeStack};
    use static_assertions::{assert_impl_all, assert_not_impl_any};

    use super::{Neither, SendOnly, SyncOnly};

    assert_impl_all!(
        LockFreeStack<u64, Ibr>: Send, Sync, Debug, Default, Extend<u64>, FromIterator<u64>
    );
    assert_impl_all!(LockFreeStack<String, Debra>: Send, Sync, Debug, Default, Extend<String>);
    assert_impl_all!(LockFreeStack<Box<dyn Send>, Ibr>: Send, Sync);
    // `Send` elements suffice: pops move values out, and `peek` requires `T: Sync` itself.
    assert_impl_all!(LockFreeStack<SendOnly, Ibr>: Send, Sync);
    assert_impl_all!(LockFreeStack<SendOnly, Debra>: Send, Sync);
    assert_not_impl_any!(LockFreeStack<SyncOnly, Ibr>: Send, Sync);
    assert_not_impl_any!(LockFreeStack<Neither, Ibr>: Send, Sync);
    assert_not_impl_any!(LockFreeStack<Neither, Debra>: Send, Sync);
    assert_not_impl_any!(LockFreeStack<u64, Ibr>: Clone);

    assert_impl_all!(Elimination: Copy, Clone, Debug, Default, PartialEq, Eq, Hash, Send, Sync);

    #[cfg(feature = "stats")]
    assert_impl_all!(
        ccol_stack::StackStats: Copy, Clone, Debug, Default, PartialEq, Eq, Hash, Send, Sync
    );
}
