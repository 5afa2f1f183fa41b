//! Node allocation: the one place nodes are allocated and freed, and the optional mimalloc
//! global allocator.
//!
//! Nodes go through `alloc`'s global allocator (`Box`), so any `#[global_allocator]` the
//! binary installs is used, and a node may be freed on any thread (every Rust global
//! allocator supports cross-thread frees; the reclamation tests exercise it).
//!
//! **Cache-line alignment.** A node is aligned like its header and value. Structures whose
//! nodes are written by different threads at once (queue rings, hot counters) wrap the value in
//! [`CachePadded`](ccol_arch::CachePadded): in `Owned<CachePadded<T>, R>` the value starts on
//! a cache-line boundary and no other allocation shares its lines (under IBR the 8-byte
//! header takes the line after the value, so such a node spans one line more than the
//! value). Small nodes of ordered maps stay
//! unpadded on purpose: padding a 40-byte skip-list node to 128 bytes would triple the
//! structure's footprint.
//!
//! ```
//! use ccol_arch::{CACHE_LINE_SIZE, CachePadded};
//! use ccol_reclaim::{Atomic, Domain, Ibr, Owned};
//!
//! let domain = Domain::<Ibr>::new();
//! let counter = Owned::new(CachePadded::new(0u64), &domain);
//! // The value starts on a cache-line boundary.
//! let link = Atomic::new(counter);
//! let guard = domain.pin();
//! let value_addr = link.load(&guard).as_raw() as usize;
//! assert_eq!(value_addr % CACHE_LINE_SIZE, 0);
//! # drop(guard);
//! # unsafe { drop(link.into_owned()) };
//! ```
//!
//! **mimalloc** (feature `mimalloc`, std): `MiMalloc` is mimalloc's allocator, to install in a
//! binary with `#[global_allocator] static GLOBAL: ccol_reclaim::allocation::MiMalloc =
//! ccol_reclaim::allocation::MiMalloc;`. A library never installs a global allocator itself; the
//! family benchmarks do, behind the same feature.

use alloc::boxed::Box;

#[cfg(feature = "mimalloc")]
#[cfg_attr(docsrs, doc(cfg(feature = "mimalloc")))]
pub use mimalloc::MiMalloc;

/// Allocates `node` and returns the raw pointer (never null; allocation failure aborts as
/// `Box::new` does).
#[inline]
pub(crate) fn alloc_node<N>(node: N) -> *mut N {
    Box::into_raw(Box::new(node))
}

/// Drops and frees a node made by [`alloc_node`].
///
/// # Safety
///
/// `ptr` came from `alloc_node::<N>`, is not used afterwards, and is freed only this once.
#[inline]
pub(crate) unsafe fn free_node<N>(ptr: *mut N) {
    // SAFETY: `ptr` is a `Box<N>` allocation given up by `alloc_node` (contract).
    drop(unsafe { Box::from_raw(ptr) });
}

/// Moves a node made by [`alloc_node`] out of its allocation and frees the allocation.
///
/// # Safety
///
/// As [`free_node`].
#[inline]
pub(crate) unsafe fn take_node<N>(ptr: *mut N) -> N {
    // SAFETY: as in `free_node`.
    *unsafe { Box::from_raw(ptr) }
}

#[allow(
    clippy::disallowed_methods,
    reason = "this module is the one place nodes meet the global allocator"
)]
#[inline]
/// Allocates `layout` (a tailed node, `tailed.rs`) from the global allocator; allocation
/// failure calls [`handle_alloc_error`](alloc::alloc::handle_alloc_error), as `Box::new` does.
///
/// # Safety
///
/// `layout` has a non-zero size.
pub(crate) unsafe fn alloc_layout(layout: core::alloc::Layout) -> core::ptr::NonNull<u8> {
    // SAFETY: non-zero size (contract).
    let raw = unsafe { alloc::alloc::alloc(layout) };
    match core::ptr::NonNull::new(raw) {
        Some(node) => node,
        None => alloc::alloc::handle_alloc_error(layout),
    }
}

#[allow(
    clippy::disallowed_methods,
    reason = "this module is the one place nodes meet the global allocator"
)]
#[inline]
/// Frees an allocation made by [`alloc_layout`].
///
/// # Safety
///
/// `ptr` came from `alloc_layout(layout)` with this `layout` and is freed only this once.
pub(crate) unsafe fn free_layout(ptr: *mut u8, layout: core::alloc::Layout) {
    // SAFETY: forwarded from this function's contract.
    unsafe { alloc::alloc::dealloc(ptr, layout) };
}
