//! Skip-list nodes: the key and value, then a tower of `height` links in the same allocation
//! (a tailed node of ccol-reclaim), and no other field.
//!
//! Everything a node needs besides its key, value and links lives in the links' tag bits
//! (nodes are 16-aligned, so every link has four):
//!
//! - [`MARK`] on `tower[i]`: the node is being removed at level `i`; the link is frozen (no
//!   CAS expects a marked value). Level 0's mark is the removal's linearization point.
//! - [`TOP`] on `tower[height − 1]`: the node's height, found by scanning the tower (needed
//!   only when removing or freeing). Set before publication, never changed: every CAS on a
//!   node's link carries the tag bits it found.
//! - [`DONE`] on `tower[0]`: the inserter has finished linking the upper levels (the retire
//!   handshake in [`list`](super::list)).
//! - [`LINKED`] on `tower[i]`, `i ≥ 1`, and [`UNLINKED`] on `tower[0]` (one bit, two
//!   meanings): whether the node is still linked at that level, so that retirement can check
//!   it without trusting the comparator.
//!
//! A `u64 → u64` node is `16 + 8·height` bytes, plus IBR's 8-byte birth epoch between the
//! value and the tower (ccol-reclaim's tailed layout: no padding); with p = 1/2 half the nodes
//! have height 1.

use core::{alloc::Layout, mem, ptr};

use ccol_reclaim::{Atomic, Guard, Reclaim, Shared, tailed};

use crate::sync::atomic::Ordering;

/// The tallest tower: 2^24 ≈ 1.7·10^7 entries before the top level is expected to hold more
/// than a node or two (beyond that, searches slow down gradually; nothing breaks).
pub(crate) const MAX_HEIGHT: usize = 24;

/// Tag bit: the link is frozen; on `tower[0]`, the node is logically removed.
pub(crate) const MARK: usize = 1;
/// Tag bit on the node's top link.
pub(crate) const TOP: usize = 2;
/// Tag bit on `tower[0]`: the inserter will link no more levels.
pub(crate) const DONE: usize = 4;
/// Tag bit on `tower[i]`, `i ≥ 1`: the node is linked at level `i`, or its inserter is about
/// to try (set before the linking CAS, cleared if it fails, cleared by whoever unlinks it).
pub(crate) const LINKED: usize = 8;
/// Tag bit on `tower[0]` (same bit as [`LINKED`], other level): a snip unlinked the node
/// from level 0.
pub(crate) const UNLINKED: usize = 8;

/// A link: the pointer to the next node at one level, and tag bits.
pub(crate) type Link<K, V, R> = Atomic<Node<K, V>, R>;

/// A node's fixed part; the tower follows it in the allocation. 16-aligned, so every link has
/// four tag bits (glibc and most allocators return 16-aligned blocks anyway; IBR's 8-byte
/// header follows the value, so the alignment costs no padding).
#[repr(C, align(16))]
pub(crate) struct Node<K, V> {
    pub(crate) key: K,
    pub(crate) value: V,
}

/// The tail layout of a tower of `height` links.
#[inline]
pub(crate) fn tower_layout<K, V, R: Reclaim>(height: usize) -> Layout {
    Layout::array::<Link<K, V, R>>(height).expect("a tower of at most MAX_HEIGHT links")
}

/// The first link of a node's tower.
///
/// # Safety
///
/// `node` is a live, non-null node of this map.
#[inline]
pub(crate) unsafe fn tower<K, V, R: Reclaim>(
    node: Shared<'_, Node<K, V>, R>,
) -> *const Link<K, V, R> {
    // SAFETY: `node` is a live tailed node (contract); the tail's offset depends only on the
    // link alignment, which `tower_layout(1)` has.
    unsafe { tailed::tail_ptr(node, tower_layout::<K, V, R>(1)) }.cast::<Link<K, V, R>>()
}

/// Level `level`'s link of `node`.
///
/// # Safety
///
/// `node` is a live, non-null node whose height is above `level`, and the guard `'g` keeps
/// it alive.
#[inline]
pub(crate) unsafe fn link<'g, K, V, R: Reclaim>(
    node: Shared<'g, Node<K, V>, R>,
    level: usize,
) -> &'g Link<K, V, R> {
    // SAFETY: the tower has more than `level` initialised links (contract), and the node
    // outlives `'g`.
    unsafe { &*tower(node).add(level) }
}

/// The node's key and value.
///
/// # Safety
///
/// `node` is a live, non-null node kept alive by the guard `'g`.
#[inline]
pub(crate) unsafe fn entry<'g, K, V, R: Reclaim>(node: Shared<'g, Node<K, V>, R>) -> &'g Node<K, V> {
    // SAFETY: forwarded from the contract.
    unsafe { node.deref() }
}

/// The node's height, read from the `TOP` tag.
///
/// # Safety
///
/// `first` is the first link of a live node's tower.
#[inline]
pub(crate) unsafe fn height_of<K, V, R: Reclaim>(first: *const Link<K, V, R>) -> usize {
    let mut level = 0;
    loop {
        // SAFETY: `TOP` marks the last link, and every link up to it exists (contract).
        let link = unsafe { &*first.add(level) };
        // Relaxed: `TOP` was written before the node was published, which happened before
        // whatever gave the caller this node (an Acquire load, or exclusive access), and no
        // write ever changes it.
        if link.tag(Ordering::Relaxed) & TOP != 0 {
            return level + 1;
        }
        level += 1;
    }
}

/// Allocates an unpublished node of height `height`: every link null, `TOP` on the last.
pub(crate) fn alloc<'g, K, V, R: Reclaim>(
    key: K,
    value: V,
    height: usize,
    guard: &'g Guard<'_, R>,
) -> Shared<'g, Node<K, V>, R> {
    debug_assert!((1..=MAX_HEIGHT).contains(&height));
    let node = Shared::alloc_tailed(Node { key, value }, tower_layout::<K, V, R>(height), guard);
    // SAFETY: the node is fresh and ours; its tail has room for `height` links.
    let first = unsafe { tower(node) }.cast_mut();
    for level in 0..height {
        let tag = if level + 1 == height { TOP } else { 0 };
        // SAFETY: in bounds (`level < height`), and nobody else can see the node yet.
        unsafe { ptr::write(first.add(level), Atomic::null_tagged(tag)) };
    }
    node
}

/// Frees a node that was never published, handing its key and value back.
///
/// # Safety
///
/// `node` came from [`alloc`] and no other thread ever saw it.
pub(crate) unsafe fn take_unpublished<K, V, R: Reclaim>(node: Shared<'_, Node<K, V>, R>) -> (K, V) {
    // SAFETY: the node is live and ours (contract); the links own nothing.
    let height = unsafe { height_of(tower(node)) };
    // SAFETY: as above; `tower_layout(height)` is the layout it was allocated with.
    let Node { key, value } =
        unsafe { tailed::take_unpublished(node, tower_layout::<K, V, R>(height)) };
    (key, value)
}

/// Drops a node's key and value and frees it: the retire function given to
/// [`Guard::retire_with`].
///
/// # Safety
///
/// `node` is the untyped node pointer of a node of these `K`, `V`, `R`, unreachable by every
/// thread, freed only this once.
pub(crate) unsafe fn free<K, V, R: Reclaim>(node: *mut ()) {
    // SAFETY: `node` is such a node (contract).
    unsafe { free_value::<K, V, R>(tailed::value_ptr::<Node<K, V>, R>(node)) }
}

/// [`free`] from the value pointer (the map's `Drop`, which walks links with
/// [`Atomic::load_raw`]).
///
/// # Safety
///
/// As [`free`]; `value` has the allocation's provenance.
pub(crate) unsafe fn free_value<K, V, R: Reclaim>(value: *mut Node<K, V>) {
    // SAFETY: the tower follows the value; the node is still allocated (contract).
    let first = unsafe { tailed::tail_of::<Node<K, V>, R>(value, tower_layout::<K, V, R>(1)) };
    // SAFETY: as above.
    let height = unsafe { height_of::<K, V, R>(first.cast()) };
    // SAFETY: nobody can reach the node (contract): drop its key and value once, then the
    // allocation, with the layout it was allocated with.
    unsafe {
        ptr::drop_in_place(value);
        tailed::dealloc::<Node<K, V>, R>(value, tower_layout::<K, V, R>(height));
    }
}

/// The first link of a node given by its value pointer.
///
/// # Safety
///
/// `value` is a live node's value pointer with the allocation's provenance.
pub(crate) unsafe fn tower_of_value<K, V, R: Reclaim>(value: *mut Node<K, V>) -> *const Link<K, V, R> {
    // SAFETY: forwarded.
    unsafe { tailed::tail_of::<Node<K, V>, R>(value, tower_layout::<K, V, R>(1)) }.cast()
}

// Four tag bits on every target: `Node` is 16-aligned whatever `K` and `V` are.
const _: () = assert!(mem::align_of::<Node<u8, u8>>() >= 16);
