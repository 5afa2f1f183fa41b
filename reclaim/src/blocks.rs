//! A participant's cache of freed node blocks, reused by [`Owned::with_guard`].
//!
//! Why: a structure that allocates a node per insertion and retires one per removal (a
//! Treiber stack, a queue's segments) hands the allocator a whole batch of frees at every scan
//! and then asks for the same blocks back one by one. glibc's per-thread cache holds seven
//! blocks per size, so most of a batch falls through to the arena: measured on the stack's
//! single-threaded push/pop pair, malloc and free were 40 % of the instructions. Keeping the
//! freed blocks with the participant that freed them turns each of those into a vector push
//! and pop (the same idea as the per-thread object caches of Bonwick's slab allocator and
//! of mimalloc's free lists, kept here at the reclamation layer, where the batch is known).
//!
//! **Bounds.** Only blocks of at most [`MAX_BLOCK`] bytes are cached (small nodes, where the
//! allocator's per-call cost dominates; a queue segment's allocation is amortized over its
//! slots). At most [`BINS`] layouts are cached per participant, and at most [`PER_BIN`] blocks
//! per layout (an IBR scan's worth at the default threshold, a few DEBRA epochs' worth): at
//! most 32 KiB per participant. A block that finds its bin full, or no bin for its layout,
//! goes back to the allocator at once. Every cached block
//! returns to the allocator when the participant flushes, is released (thread exit, handle
//! drop), or its domain is dropped, so a flush still brings memory back to its baseline.
//!
//! A block holds no value while cached: the value was dropped when the scheme freed the node,
//! and [`Owned::with_guard`] writes a whole new node into it (the birth epoch included), so a
//! reused block is indistinguishable from a fresh allocation to every reader.
//!
//! [`Owned::with_guard`]: crate::Owned::with_guard

use alloc::vec::Vec;
use core::{alloc::Layout, ptr::NonNull};

use crate::allocation;

/// Largest block cached, in bytes.
pub(crate) const MAX_BLOCK: usize = 256;

/// Blocks cached per layout.
pub(crate) const PER_BIN: usize = 64;

/// Distinct layouts a participant caches (one structure per domain is the common case; two
/// leave room for a structure with two node types).
pub(crate) const BINS: usize = 2;

/// Freed blocks of one layout.
struct Bin {
    /// The layout every block in `blocks` was allocated with (meaningful while non-empty).
    layout: Layout,
    blocks: Vec<NonNull<u8>>,
}

/// The cache: [`BINS`] bins, each re-keyed to a new layout when it is empty.
pub(crate) struct BlockCache {
    bins: [Bin; BINS],
}

impl BlockCache {
    /// An empty cache (allocates nothing until a block is cached).
    pub(crate) const fn new() -> Self {
        const EMPTY: Bin = Bin {
            layout: Layout::new::<()>(),
            blocks: Vec::new(),
        };
        Self {
            bins: [EMPTY; BINS],
        }
    }

    /// A cached block of exactly `layout`, if there is one. The caller owns it (uninitialized
    /// memory that `allocation::free_layout(block, layout)` could free).
    #[inline]
    pub(crate) fn take(&mut self, layout: Layout) -> Option<NonNull<u8>> {
        self.bins
            .iter_mut()
            .find(|bin| bin.layout == layout)
            .and_then(|bin| bin.blocks.pop())
    }

    /// Keeps `block` for reuse, or frees it if it is larger than [`MAX_BLOCK`], its bin holds
    /// [`PER_BIN`] blocks already, or every bin is taken by another layout.
    ///
    /// # Safety
    ///
    /// `block` was allocated by the global allocator with `layout` (non-zero size), holds no
    /// live value, and nothing else uses it afterwards.
    #[inline]
    pub(crate) unsafe fn put(&mut self, block: NonNull<u8>, layout: Layout) {
        // The first bin is the one a structure with one node type always uses: one compare.
        let first = &mut self.bins[0];
        if first.layout == layout && first.blocks.len() < PER_BIN {
            first.blocks.push(block);
            return;
        }
        // SAFETY: forwarded from this function's contract.
        unsafe { self.put_slow(block, layout) };
    }

    /// [`put`](Self::put) when the first bin does not take the block.
    ///
    /// # Safety
    ///
    /// As [`put`](Self::put).
    #[cold]
    unsafe fn put_slow(&mut self, block: NonNull<u8>, layout: Layout) {
        let bin = if layout.size() > MAX_BLOCK {
            None
        } else {
            match self.bins.iter().position(|bin| bin.layout == layout) {
                Some(index) => Some(&mut self.bins[index]),
                None => self.bins.iter_mut().find(|bin| bin.blocks.is_empty()),
            }
        };
        match bin {
            Some(bin) if bin.blocks.len() < PER_BIN => {
                bin.layout = layout;
                bin.blocks.push(block);
            }
            // SAFETY: allocated with `layout` and unused from now on (contract).
            _ => unsafe { allocation::free_layout(block.as_ptr(), layout) },
        }
    }

    /// Returns every cached block to the allocator (the bins keep their vectors' capacity).
    pub(crate) fn release_all(&mut self) {
        for bin in &mut self.bins {
            for block in bin.blocks.drain(..) {
                // SAFETY: every cached block was allocated with its bin's layout (`put`'s
                // contract and the re-keying only of empty bins) and is owned by the cache.
                unsafe { allocation::free_layout(block.as_ptr(), bin.layout) };
            }
        }
    }

    /// Number of cached blocks (tests and statistics).
    #[cfg_attr(not(test), allow(dead_code, reason = "used by tests"))]
    pub(crate) fn len(&self) -> usize {
        self.bins.iter().map(|bin| bin.blocks.len()).sum()
    }
}

impl Drop for BlockCache {
    fn drop(&mut self) {
        self.release_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(layout: Layout) -> NonNull<u8> {
        // SAFETY: the test layouts have a non-zero size.
        unsafe { allocation::alloc_layout(layout) }
    }

    #[test]
    fn a_block_is_reused_only_for_its_own_layout() {
        let small = Layout::new::<[u64; 2]>();
        let large = Layout::new::<[u64; 4]>();
        let mut cache = BlockCache::new();
        let first = block(small);
        // SAFETY: fresh block of `small`, handed over.
        unsafe { cache.put(first, small) };
        assert_eq!(cache.take(large), None);
        assert_eq!(cache.take(small), Some(first));
        assert_eq!(cache.take(small), None);
        // SAFETY: the block taken back is ours again.
        unsafe { allocation::free_layout(first.as_ptr(), small) };
    }

    #[test]
    fn a_full_bin_and_a_third_layout_go_back_to_the_allocator() {
        let layouts = [
            Layout::new::<u64>(),
            Layout::new::<[u64; 2]>(),
            Layout::new::<[u64; 3]>(),
        ];
        let mut cache = BlockCache::new();
        for layout in layouts {
            for _ in 0..PER_BIN + 1 {
                // SAFETY: fresh blocks, handed over.
                unsafe { cache.put(block(layout), layout) };
            }
        }
        // `PER_BIN` per bin for the first two layouts; the rest (and the whole third) were
        // freed (Miri reports a leak otherwise).
        assert_eq!(cache.len(), 2 * PER_BIN);
        assert!(cache.take(layouts[2]).is_none());
        cache.release_all();
        assert_eq!(cache.len(), 0);
        // An emptied bin takes a new layout.
        // SAFETY: fresh block, handed over.
        unsafe { cache.put(block(layouts[2]), layouts[2]) };
        assert_eq!(cache.len(), 1);
    }

    #[test]
    fn large_blocks_are_never_cached() {
        let large = Layout::from_size_align(MAX_BLOCK + 1, 8).unwrap();
        let mut cache = BlockCache::new();
        // SAFETY: fresh block, handed over.
        unsafe { cache.put(block(large), large) };
        assert_eq!(cache.len(), 0);
        assert!(cache.take(large).is_none());
    }
}
