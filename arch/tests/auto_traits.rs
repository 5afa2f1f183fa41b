//! Auto traits and layout facts, checked at compile time.

extern crate alloc;

use alloc::rc::Rc;
use core::cell::Cell;

use ccol_arch::{
    Arch, BuildInfo, CACHE_LINE_SIZE, CachePadded, CpuFeature, CpuFeatures,
    config::{Config, ConfigError, EnvIssue, EnvIssueKind, Knob, QueueBackend},
};
use static_assertions::{assert_impl_all, assert_not_impl_any, const_assert, const_assert_eq};

// CachePadded<T> is Send/Sync exactly when T is.
assert_impl_all!(CachePadded<u8>: Send, Sync, Unpin, Copy, Default, core::fmt::Debug);
assert_impl_all!(CachePadded<Cell<u8>>: Send);
assert_not_impl_any!(CachePadded<Cell<u8>>: Sync);
assert_not_impl_any!(CachePadded<Rc<u8>>: Send, Sync);
assert_not_impl_any!(CachePadded<String>: Copy);
assert_impl_all!(CachePadded<String>: Clone, Eq, core::hash::Hash, From<String>);

// Plain data everywhere else.
assert_impl_all!(Arch: Send, Sync, Copy, Eq, Ord, core::hash::Hash, core::fmt::Display);
assert_impl_all!(CpuFeature: Send, Sync, Copy, Eq, core::hash::Hash, core::fmt::Display);
assert_impl_all!(CpuFeatures: Send, Sync, Copy, Eq, core::hash::Hash, Default, core::fmt::Debug, core::fmt::Display);
assert_impl_all!(Config: Send, Sync, Copy, Eq, core::hash::Hash, Default, core::fmt::Debug, core::fmt::Display);
assert_impl_all!(ConfigError: Send, Sync, Copy, core::error::Error);
assert_impl_all!(Knob: Send, Sync, Copy, core::fmt::Display);
assert_impl_all!(QueueBackend: Send, Sync, Copy, Default, core::fmt::Display);
assert_impl_all!(EnvIssue<'static>: Send, Sync, Copy, Eq, core::hash::Hash, core::fmt::Display);
assert_impl_all!(EnvIssueKind: Send, Sync, Copy, Eq, core::hash::Hash, core::fmt::Display);
assert_impl_all!(BuildInfo: Send, Sync, Copy, Eq, core::hash::Hash, core::fmt::Display);
#[cfg(feature = "alloc")]
assert_impl_all!(ccol_arch::config::OwnedEnvIssue: Send, Sync, Clone, Eq, core::hash::Hash, core::fmt::Display, From<EnvIssue<'static>>);

// Layout.
const_assert!(CACHE_LINE_SIZE.is_power_of_two());
const_assert!(CACHE_LINE_SIZE >= 16 && CACHE_LINE_SIZE <= 256);
const_assert_eq!(core::mem::align_of::<CachePadded<u8>>(), CACHE_LINE_SIZE);
const_assert_eq!(core::mem::size_of::<CachePadded<u8>>() % CACHE_LINE_SIZE, 0);
const_assert_eq!(
    core::mem::size_of::<CachePadded<[u64; 40]>>() % CACHE_LINE_SIZE,
    0
);
const_assert!(core::mem::size_of::<CpuFeatures>() == 1);

// Compile-time constants are usable in const contexts.
const _: CpuFeatures = CpuFeatures::COMPILE_TIME;
const _: Arch = Arch::CURRENT;
const _: Config = Config::DEFAULT;
