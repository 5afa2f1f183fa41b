//! Auto traits, standard traits and sizes of the public types (compile-time assertions).
#![cfg(not(ccol_loom))]

use core::{
    fmt::{Debug, Display},
    hash::Hash,
    panic::{RefUnwindSafe, UnwindSafe},
};

use ccol_backoff::{Backoff, BackoffError, BackoffPolicy, BackoffStep, SpinHint};
use static_assertions::{assert_impl_all, const_assert, const_assert_eq};

assert_impl_all!(
    Backoff: BackoffPolicy, Copy, Debug, Default, Eq, Hash, Send, Sync, Unpin, UnwindSafe,
    RefUnwindSafe
);
assert_impl_all!(SpinHint: BackoffPolicy, Copy, Debug, Default, Eq, Hash, Send, Sync);
assert_impl_all!(BackoffStep: Copy, Debug, Eq, Hash, Send, Sync);
assert_impl_all!(BackoffError: Copy, Debug, Display, Eq, core::error::Error, Send, Sync);

// The policy that can be zero-sized is; the stateful one is a step and two limits.
const_assert_eq!(size_of::<SpinHint>(), 0);
const_assert_eq!(size_of::<Backoff>(), 3);
const_assert!(size_of::<Backoff>() <= 4);
const_assert_eq!(align_of::<Backoff>(), 1);
