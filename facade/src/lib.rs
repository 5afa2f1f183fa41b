#![doc = include_str!("../README.md")]
//!
//! # Contents
//!
//! One module per tier crate (DESIGN.md §1), plus the collections on the default
//! reclamation scheme at the top level and per-scheme aliases in `ibr` and `debra`:
//!
//! - [`arch`]: target and CPU feature detection, [`CachePadded`], [`Config`] with `CCOL_*`
//!   environment overrides (from `ccol-arch`).
//! - [`atomics`]: tagged pointers with strict provenance and a double-width CAS that is
//!   lock-free or absent (from `ccol-atomics`).
//! - [`backoff`]: truncated exponential backoff (from `ccol-backoff`).
//! - `reclaim` (features `ibr`/`debra`): interval-based reclamation and DEBRA, with the
//!   `ibr` and `debra` alias modules (from `ccol-reclaim`).
//! - [`ordered`]: `SkipListMap` and `SkipListSet` (lock-free skip list) and their
//!   comparators (from `ccol-ordered`).
//! - [`stack`]: `LockFreeStack` (Treiber with elimination) and `StaticStack` (from
//!   `ccol-stack`).
//! - [`queues`]: `StaticQueue`, `BoundedQueue` and `LockFreeQueue` (SCQ and LSCQ), closable,
//!   with blocking forms under `std` (from `ccol-queues`).
#![no_std]
#![doc(test(
    no_crate_inject,
    attr(deny(warnings), allow(dead_code, unused_variables))
))]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

#[cfg(feature = "std")]
extern crate std;

/// Target and CPU feature detection, cache-line padding and configuration.
///
/// Everything in `ccol-arch`; see its crate documentation.
pub mod arch {
    #[doc(inline)]
    pub use ccol_arch::*;
}

/// Tagged pointers and double-width compare-and-swap.
///
/// The public part of `ccol-atomics`. Its `sync` facade is family-internal and not
/// re-exported.
pub mod atomics {
    #[doc(inline)]
    pub use ccol_atomics::dwcas::{
        self, DWCAS_ALWAYS_LOCK_FREE, DoubleWord, DwcasUnsupported, dwcas_is_lock_free,
    };

    /// The double-width atomic exists only where it can be lock-free (see [`dwcas`]).
    #[cfg(any(
        all(target_arch = "x86_64", target_pointer_width = "64"),
        all(target_arch = "aarch64", target_pointer_width = "64"),
        all(target_pointer_width = "32", target_has_atomic = "64"),
    ))]
    #[doc(inline)]
    pub use ccol_atomics::AtomicDoubleWord;

    #[cfg(any(target_has_atomic = "ptr", feature = "portable-atomic"))]
    #[doc(inline)]
    pub use ccol_atomics::tagged::{self, AtomicTaggedPtr, TaggedPtr};
}

/// Truncated exponential backoff.
///
/// Everything in `ccol-backoff`; see its crate documentation.
pub mod backoff {
    #[doc(inline)]
    pub use ccol_backoff::*;
}

/// Safe memory reclamation: the `Reclaim` parameter of every structure, its schemes, domains,
/// guards and typed pointers.
///
/// Everything in `ccol-reclaim`; see its crate documentation and its `guide` module. Needs a
/// scheme feature (`ibr` or `debra`, which imply `alloc`) and 64-bit atomics.
#[cfg(all(any(feature = "ibr", feature = "debra"), target_has_atomic = "64"))]
#[cfg_attr(docsrs, doc(cfg(any(feature = "ibr", feature = "debra"))))]
pub mod reclaim {
    #[doc(inline)]
    pub use ccol_reclaim::*;
}

/// Aliases of the reclamation types for one scheme.
#[cfg(all(any(feature = "ibr", feature = "debra"), target_has_atomic = "64"))]
macro_rules! scheme_aliases {
    ($scheme:ident) => {
        /// The scheme type.
        pub type Scheme = ccol_reclaim::$scheme;
        /// A reclamation domain of this scheme.
        pub type Domain = ccol_reclaim::Domain<Scheme>;
        /// A registered participant of a domain of this scheme.
        pub type Handle<'d> = ccol_reclaim::Handle<'d, Scheme>;
        /// A pinned participant of a domain of this scheme.
        pub type Guard<'a> = ccol_reclaim::Guard<'a, Scheme>;
        /// A shared link to a node of this scheme.
        pub type Atomic<T> = ccol_reclaim::Atomic<T, Scheme>;
        /// An owned, unpublished node of this scheme.
        pub type Owned<T> = ccol_reclaim::Owned<T, Scheme>;
        /// A node read under a guard of this scheme.
        pub type Shared<'g, T> = ccol_reclaim::Shared<'g, T, Scheme>;
        /// A lock-free stack with elimination backoff, reclaimed through this scheme.
        pub type LockFreeStack<T> = ccol_stack::LockFreeStack<T, Scheme>;
        /// A lock-free ordered map (skip list) in `K`'s `Ord` order (or `C`'s), reclaimed
        /// through this scheme.
        pub type SkipListMap<K, V, C = ccol_ordered::Natural> =
            ccol_ordered::SkipListMap<K, V, C, Scheme>;
        /// A lock-free ordered set (skip list), reclaimed through this scheme.
        pub type SkipListSet<T, C = ccol_ordered::Natural> =
            ccol_ordered::SkipListSet<T, C, Scheme>;
        /// A lock-free FIFO queue (SCQ; bounded, or unbounded with segments reclaimed through
        /// this scheme). Needs 64-bit pointers.
        #[cfg(target_pointer_width = "64")]
        pub type LockFreeQueue<T> = ccol_queues::LockFreeQueue<T, Scheme>;
    };
}

/// Everything instantiated for IBR (interval-based reclamation, bounded garbage under
/// stalled readers): the collections on that scheme.
#[cfg(all(feature = "ibr", target_has_atomic = "64"))]
#[cfg_attr(docsrs, doc(cfg(feature = "ibr")))]
pub mod ibr {
    scheme_aliases!(Ibr);
}

/// Everything instantiated for DEBRA (distributed epochs; unbounded garbage under stalled
/// readers): the collections on that scheme.
#[cfg(all(feature = "debra", target_has_atomic = "64"))]
#[cfg_attr(docsrs, doc(cfg(feature = "debra")))]
pub mod debra {
    scheme_aliases!(Debra);
}

/// The scheme the top-level collection aliases use: IBR when the `ibr` feature is enabled,
/// otherwise DEBRA (DESIGN.md §2.2).
#[cfg(all(feature = "ibr", target_has_atomic = "64"))]
pub type DefaultScheme = ccol_reclaim::Ibr;

/// The scheme the top-level collection aliases use: IBR when the `ibr` feature is enabled,
/// otherwise DEBRA (DESIGN.md §2.2).
#[cfg(all(not(feature = "ibr"), feature = "debra", target_has_atomic = "64"))]
pub type DefaultScheme = ccol_reclaim::Debra;

/// Ordered collections: the lock-free skip-list map and set (`SkipListMap`, `SkipListSet`,
/// generic over the reclamation scheme) and their comparators (natural, reversed, closure
/// and key-extraction orders, borrowed lookups, a total order for floats and, with `stats`, a
/// comparison counter).
///
/// Everything in `ccol-ordered`; see its crate documentation.
pub mod ordered {
    #[doc(inline)]
    pub use ccol_ordered::*;
}

/// A lock-free ordered map (skip list), reclaimed through [`DefaultScheme`].
#[cfg(all(any(feature = "ibr", feature = "debra"), target_has_atomic = "64"))]
pub type SkipListMap<K, V, C = ccol_ordered::Natural> =
    ccol_ordered::SkipListMap<K, V, C, DefaultScheme>;

/// A lock-free ordered set (skip list), reclaimed through [`DefaultScheme`].
#[cfg(all(any(feature = "ibr", feature = "debra"), target_has_atomic = "64"))]
pub type SkipListSet<T, C = ccol_ordered::Natural> = ccol_ordered::SkipListSet<T, C, DefaultScheme>;

/// Stacks: the lock-free Treiber stack with elimination backoff and the allocation-free
/// static stack.
///
/// Everything in `ccol-stack`; see its crate documentation.
pub mod stack {
    #[doc(inline)]
    pub use ccol_stack::*;
}

/// A lock-free stack with elimination backoff, reclaimed through [`DefaultScheme`].
#[cfg(all(any(feature = "ibr", feature = "debra"), target_has_atomic = "64"))]
pub type LockFreeStack<T> = ccol_stack::LockFreeStack<T, DefaultScheme>;

#[cfg(any(
    target_has_atomic = "64",
    target_has_atomic = "32",
    feature = "portable-atomic"
))]
#[doc(no_inline)]
pub use ccol_stack::StaticStack;

/// Queues: the SCQ family (bounded queue in fixed storage, heap-allocated bounded queue).
///
/// Everything in `ccol-queues`; see its crate documentation.
pub mod queues {
    #[doc(inline)]
    pub use ccol_queues::*;
}

/// A lock-free FIFO queue (SCQ; bounded, or unbounded with segments reclaimed through
/// [`DefaultScheme`]). Needs 64-bit pointers.
#[cfg(all(
    any(feature = "ibr", feature = "debra"),
    target_has_atomic = "64",
    target_pointer_width = "64"
))]
pub type LockFreeQueue<T> = ccol_queues::LockFreeQueue<T, DefaultScheme>;

#[cfg(all(
    feature = "alloc",
    any(target_has_atomic = "ptr", feature = "portable-atomic")
))]
#[doc(no_inline)]
pub use ccol_queues::BoundedQueue;
#[cfg(any(target_has_atomic = "ptr", feature = "portable-atomic"))]
#[doc(no_inline)]
pub use ccol_queues::StaticQueue;

#[doc(no_inline)]
pub use ccol_arch::{CachePadded, config::Config};
#[doc(no_inline)]
pub use ccol_backoff::Backoff;
