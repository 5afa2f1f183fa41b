//! Nodes with a tail whose length is chosen at allocation time: the fixed part `T`, then
//! `tail` bytes the structure manages itself (a skip-list node's tower of links, say).
//!
//! A tailed node is a node of the domain like any other: it carries the scheme's header, lives
//! behind [`Atomic`](crate::Atomic) links, is protected by [`load`](crate::Atomic::load) and
//! reserved by [`Guard`]s. Only its size differs, so the two places that know a node's size
//! take it from the structure: allocation ([`Shared::alloc_tailed`]) and freeing (the function
//! given to [`Guard::retire_with`], which calls [`dealloc`] with the tail it allocated).
//!
//! The tail is reached through [`tail_ptr`], whose result keeps the provenance of the whole
//! allocation. Never derive tail addresses from a `&T` (a reference covers `T` only; Miri
//! rejects reads past it).
//!
//! ```
//! use core::alloc::Layout;
//!
//! use ccol_reclaim::{Domain, Ibr, Shared, tailed};
//!
//! /// A node holding a length, followed by that many `u32`s.
//! struct Row {
//!     len: usize,
//! }
//!
//! fn tail_of(len: usize) -> Layout {
//!     Layout::array::<u32>(len).unwrap()
//! }
//!
//! /// The retire function: knows the tail from the node itself.
//! unsafe fn free_row(node: *mut ()) {
//!     // SAFETY: `node` is a retired tailed `Row` node of scheme `Ibr`, freed once.
//!     unsafe {
//!         let row = tailed::value_ptr::<Row, Ibr>(node);
//!         let tail = tail_of((*row).len);
//!         tailed::dealloc::<Row, Ibr>(row, tail);
//!     }
//! }
//!
//! let domain = Domain::<Ibr>::new();
//! let guard = domain.pin();
//! let row: Shared<'_, Row, Ibr> = Shared::alloc_tailed(Row { len: 3 }, tail_of(3), &guard);
//! // SAFETY: the tail has room for 3 `u32`s; nobody else can see the node yet.
//! unsafe {
//!     let cells = tailed::tail_ptr(row, tail_of(3)).cast::<u32>();
//!     for i in 0..3 {
//!         cells.add(i).write(i as u32 * 10);
//!     }
//!     assert_eq!(cells.add(2).read(), 20);
//! }
//! // SAFETY: never published, so unlinked; retired once; `free_row` matches its allocation.
//! unsafe { guard.retire_with(row, free_row) };
//! ```

use core::{
    alloc::Layout,
    mem::{self, offset_of},
    ptr,
};

use ccol_atomics::TaggedPtr;

use crate::{
    Guard, Reclaim, Shared, allocation,
    pointers::Node,
    reclaim::Header,
    stats::stat,
    sync::atomic::Ordering,
};

/// The node's layout (`T`, header, tail; at least one byte, so the global allocator may be
/// asked for it) and the offset of the tail from the start of `T`.
///
/// The tail starts where the header ends (aligned for the tail), not after `Node`'s size: a
/// 16-aligned `T` of 16 bytes with IBR's 8-byte header is a 32-byte `Node`, but its tail
/// starts at byte 24. Nor is the whole size padded to the alignment: nothing is stored after
/// the tail, and a 24-byte node aligned to 16 costs a 32-byte glibc chunk where its padded 32
/// bytes would cost 48. So the allocation may be smaller than `size_of::<Node<T, H>>()`: a
/// tailed node is only ever accessed field by field, never as a whole `Node`.
fn layout_of<T, R: Reclaim>(tail: Layout) -> (Layout, usize) {
    let fixed = Layout::from_size_align(
        offset_of!(Node<T, R::Header>, header) + mem::size_of::<R::Header>(),
        mem::align_of::<Node<T, R::Header>>(),
    )
    .expect("a node's fixed part is a valid layout");
    let (whole, tail_at) = fixed
        .extend(tail)
        .expect("tailed node larger than isize::MAX");
    let whole = Layout::from_size_align(whole.size().max(1), whole.align())
        .expect("a one-byte layout is valid");
    (whole, tail_at - offset_of!(Node<T, R::Header>, value))
}

impl<'g, T, R: Reclaim> Shared<'g, T, R> {
    /// Allocates a node of the guard's domain holding `value` followed by an uninitialised
    /// tail of layout `tail`, tag 0, and returns it unpublished (owned by the caller: link it,
    /// or free it with [`dealloc`] if it is never published).
    ///
    /// Under IBR the guard's reservation is raised to cover the node, as for
    /// [`Owned::into_shared`](crate::Owned::into_shared), so the node stays valid for `'g`
    /// even if another thread unlinks and retires it once it is published.
    ///
    /// A tailed node must never be dropped as an [`Owned`](crate::Owned) or retired with
    /// [`Guard::retire`] (both free `Node<T>`'s size); retire it with
    /// [`Guard::retire_with`].
    ///
    /// # Panics
    ///
    /// If the node's size overflows `isize`. Allocation failure calls
    /// [`handle_alloc_error`](alloc::alloc::handle_alloc_error), as `Box::new` does.
    #[must_use]
    pub fn alloc_tailed(value: T, tail: Layout, guard: &'g Guard<'_, R>) -> Self {
        let (layout, _) = layout_of::<T, R>(tail);
        // Relaxed: as in `Owned::new` (the birth epoch is published with the node).
        let epoch = guard.domain().core.epoch.load(Ordering::Relaxed);
        stat!(
            // Relaxed: statistics.
            guard.domain().core.stats.allocated.fetch_add(1, Ordering::Relaxed);
        );
        // SAFETY: `layout_of` never returns a zero-sized layout.
        let node = unsafe { allocation::alloc_layout(layout) }.cast::<Node<T, R::Header>>();
        let header = R::Header::at_epoch(epoch);
        // Written field by field: the allocation may end before `Node`'s trailing padding,
        // which a whole-`Node` write would store.
        // SAFETY: `node` is a fresh allocation with `Node`'s fields at their offsets.
        unsafe {
            (&raw mut (*node.as_ptr()).value).write(value);
            (&raw mut (*node.as_ptr()).header).write(header);
        }
        guard.cover(header.birth());
        Shared::from_tagged(TaggedPtr::new(node.as_ptr(), 0))
    }
}

/// The address of the node's tail: `tail` is the layout it was allocated with (only its
/// alignment matters). The pointer carries the provenance of the whole allocation.
///
/// # Safety
///
/// `node` points to a live tailed node allocated with `tail`.
#[must_use]
#[inline]
pub unsafe fn tail_ptr<T, R: Reclaim>(node: Shared<'_, T, R>, tail: Layout) -> *mut u8 {
    // SAFETY: forwarded; `as_raw` keeps the allocation's provenance (never via a reference).
    unsafe { tail_of::<T, R>(node.as_raw().cast_mut(), tail) }
}

/// [`tail_ptr`] from the value pointer ([`value_ptr`], or [`Shared::as_raw`]).
///
/// # Safety
///
/// `value` is the value pointer of a live tailed node of this `T` and `R` allocated with
/// `tail`, with the provenance of the whole allocation.
#[must_use]
#[inline]
pub unsafe fn tail_of<T, R: Reclaim>(value: *mut T, tail: Layout) -> *mut u8 {
    let (_, offset) = layout_of::<T, R>(tail);
    // SAFETY: the tail lies `offset` bytes past the value, inside the allocation (contract).
    unsafe { value.cast::<u8>().add(offset) }
}

/// The value of the node a retire function receives (its untyped node pointer), with the
/// provenance of the whole allocation.
///
/// # Safety
///
/// `node` is the pointer [`Guard::retire_with`] passed to the retire function for a node of
/// this `T` and `R`.
#[must_use]
pub unsafe fn value_ptr<T, R: Reclaim>(node: *mut ()) -> *mut T {
    let node = node.cast::<Node<T, R::Header>>();
    // SAFETY: `node` points to a node (contract); the field projection stays inside it.
    unsafe { &raw mut (*node).value }
}

/// Frees a tailed node's allocation **without dropping** its value (drop the value, and
/// whatever the tail holds, first if it needs dropping).
///
/// # Safety
///
/// `value` is the value pointer of a tailed node of this `T` and `R` allocated with `tail`
/// (from [`value_ptr`] or [`Shared::as_raw`]), no thread can reach the node any more, and it
/// is freed only this once.
pub unsafe fn dealloc<T, R: Reclaim>(value: *mut T, tail: Layout) {
    let (layout, _) = layout_of::<T, R>(tail);
    // SAFETY: the value lies `offset_of!(value)` bytes into the node (contract), so this
    // steps back to the allocation's start, with its provenance.
    let node = unsafe {
        value
            .cast::<u8>()
            .sub(offset_of!(Node<T, R::Header>, value))
    };
    // SAFETY: `node` was allocated by `alloc_tailed` with exactly `layout` (same `T`, `R` and
    // tail), and is freed once (contract).
    unsafe { allocation::free_layout(node, layout) };
}

/// Moves the value out of a tailed node that was never published and frees the node.
///
/// # Safety
///
/// `node` came from [`Shared::alloc_tailed`] with `tail`, was never made reachable by another
/// thread, and is not used afterwards. The tail must hold nothing that needs dropping.
#[must_use]
pub unsafe fn take_unpublished<T, R: Reclaim>(node: Shared<'_, T, R>, tail: Layout) -> T {
    let value = node.as_raw().cast_mut();
    // SAFETY: the node is live and ours alone (contract); the value is read once and the
    // allocation freed right after, so it is never dropped twice.
    unsafe {
        let taken = ptr::read(value);
        dealloc::<T, R>(value, tail);
        taken
    }
}

impl<R: Reclaim> Guard<'_, R> {
    /// [`retire`](Self::retire) for a node whose size only the structure knows (a tailed
    /// node): once no guard can reach it, `free` is called with the node's untyped pointer
    /// ([`value_ptr`] turns it into the value's). `free` must drop what needs dropping and
    /// release the allocation with [`dealloc`].
    ///
    /// # Safety
    ///
    /// As [`retire`](Self::retire) (the node is unlinked, retired once, of this guard's domain),
    /// and calling `free` once, on any thread, when no thread can reach the node, is sound.
    #[inline]
    pub unsafe fn retire_with<T>(&self, ptr: Shared<'_, T, R>, free: unsafe fn(*mut ())) {
        let node = ptr.node_ptr();
        if node.is_null() {
            return;
        }
        // SAFETY: `node` is a live node of this domain (contract), so its header is readable.
        let birth = unsafe { (*node).header.birth() };
        // SAFETY: `free` frees the node once, when the scheme decides nobody can reach it
        // (contract).
        unsafe { self.retire_erased(node.cast(), crate::retired::Free::Whole(free), birth) };
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Domain;

    /// A 16-byte, 16-aligned fixed part (a skip-list node's key and value).
    #[repr(C, align(16))]
    struct Pair(u64, u64);

    fn links(count: usize) -> Layout {
        Layout::array::<u64>(count).unwrap()
    }

    #[cfg(feature = "ibr")]
    #[test]
    fn the_birth_epoch_fills_the_gap_between_value_and_tail() {
        // Value at 0..16, birth epoch at 16..24, tail from 24: no padding anywhere.
        let (layout, tail_at) = layout_of::<Pair, crate::Ibr>(links(1));
        assert_eq!((layout.size(), layout.align(), tail_at), (32, 16, 24));
        let (layout, tail_at) = layout_of::<Pair, crate::Ibr>(links(3));
        assert_eq!((layout.size(), tail_at), (48, 24));
        // A tail aligned more than the header starts at its own alignment.
        let (layout, tail_at) = layout_of::<Pair, crate::Ibr>(Layout::new::<u128>());
        assert_eq!((layout.size(), tail_at), (48, 32));
    }

    #[cfg(feature = "debra")]
    #[test]
    fn without_a_header_the_tail_follows_the_value() {
        let (layout, tail_at) = layout_of::<Pair, crate::Debra>(links(1));
        assert_eq!((layout.size(), layout.align(), tail_at), (24, 16, 16));
    }

    /// Allocates, fills, reads back and retires tailed nodes of every tail length from 0 to 4
    /// links, including allocations smaller than `Node<Pair, Header>` (IBR, no tail: 24 bytes
    /// against 32). Under Miri this checks that nothing is written past an allocation and that
    /// the tail pointer keeps the allocation's provenance.
    fn round_trip<R: Reclaim>() {
        /// Frees a node the test retired.
        ///
        /// # Safety
        ///
        /// `node` is a retired `Pair` node of scheme `R` whose value's first field is its
        /// tail's length in words, freed once.
        unsafe fn free_node<R: Reclaim>(node: *mut ()) {
            // SAFETY: as the `# Safety` section says.
            unsafe {
                let value = value_ptr::<Pair, R>(node);
                let count = usize::try_from((*value).0).unwrap();
                dealloc::<Pair, R>(value, links(count));
            }
        }
        let domain = Domain::<R>::new();
        let handle = domain.register().unwrap();
        for count in 0..=4_usize {
            let guard = handle.pin();
            let node = Shared::alloc_tailed(Pair(count as u64, 7), links(count), &guard);
            // SAFETY: the tail has room for `count` words; nobody else sees the node.
            unsafe {
                let tail = tail_ptr(node, links(count)).cast::<u64>();
                for i in 0..count {
                    tail.add(i).write(100 + i as u64);
                }
                for i in 0..count {
                    assert_eq!(tail.add(i).read(), 100 + i as u64);
                }
                assert_eq!(node.deref().1, 7);
            }
            // SAFETY: never published, retired once, freed with its own tail.
            unsafe { guard.retire_with(node, free_node::<R>) };
        }
        handle.flush();
    }

    #[cfg(feature = "ibr")]
    #[test]
    fn ibr_tailed_nodes_of_every_length_round_trip() {
        round_trip::<crate::Ibr>();
    }

    #[cfg(feature = "debra")]
    #[test]
    fn debra_tailed_nodes_of_every_length_round_trip() {
        round_trip::<crate::Debra>();
    }
}
