//! Retired objects waiting to be freed, and the batch that frees them.
//!
//! An entry is type-erased: a pointer, the monomorphic function that drops (and, for
//! objects whose size only their structure knows, deallocates) what it points to, and the
//! two epochs IBR decides with. Entries live in owner-local vectors (`local.rs`), never
//! inside the objects, so a live node carries only its header.
//!
//! A node whose layout the crate knows ([`Free::Recycle`]) is dropped in place and its block
//! handed to the freeing participant's block cache (`blocks.rs`), or to the allocator.

use alloc::vec::Vec;
use core::{alloc::Layout, mem, ptr::NonNull};

use crate::{allocation, reclaim::INACTIVE, registry::Slot, stats::stat};

/// How an entry is freed.
#[derive(Clone, Copy)]
pub(crate) enum Free {
    /// The function drops the object and releases its memory itself (deferred closures,
    /// tailed nodes).
    Whole(unsafe fn(*mut ())),
    /// The function drops the object in place and returns the layout of its block, which the
    /// caller then caches or deallocates.
    Recycle(unsafe fn(*mut ()) -> Layout),
}

/// One retired object (or deferred closure).
#[cfg_attr(
    not(feature = "ibr"),
    allow(dead_code, reason = "IBR-only fields when IBR is not compiled in")
)]
pub(crate) struct Retired {
    /// The object; only `free` interprets it.
    ptr: *mut (),
    /// Drops `ptr` (and frees or recycles its memory).
    free: Free,
    /// IBR: the object's birth epoch (0 for deferred closures: born before everything).
    pub(crate) birth: u64,
    /// IBR: an epoch at least as late as the one current when the object was unlinked
    /// ([`INACTIVE`] until a scan stamps it). DEBRA: the epoch it was retired in, once the
    /// entry leaves its owner's limbo bags (adopted garbage).
    pub(crate) stamp: u64,
}

// SAFETY: `Guard::retire` and `Guard::defer_unchecked` require that the object may be dropped
// on any thread (their `# Safety` sections); the entry itself is only a pointer and a function.
unsafe impl Send for Retired {}

impl Retired {
    /// A not-yet-stamped entry.
    ///
    /// # Safety
    ///
    /// Calling `free`'s function on `ptr` once, on any thread, at any later time when no
    /// thread can reach `ptr`, must be sound; for [`Free::Recycle`], the layout it returns is
    /// the one `ptr`'s block was allocated with by the global allocator (size 0: no block).
    #[inline]
    pub(crate) unsafe fn new(ptr: *mut (), free: Free, birth: u64) -> Self {
        Self {
            ptr,
            free,
            birth,
            stamp: INACTIVE,
        }
    }

    /// Drops the object; returns its block and layout if the memory is still to be freed
    /// (by the block cache or the allocator).
    ///
    /// # Safety
    ///
    /// The scheme has established that no thread can still reach the object.
    unsafe fn drop_object(self) -> Option<(NonNull<u8>, Layout)> {
        match self.free {
            Free::Whole(free) => {
                // SAFETY: sound once nobody can reach the object (`new`'s contract, established
                // by the caller); `self` is consumed, so it runs once.
                unsafe { free(self.ptr) };
                None
            }
            Free::Recycle(drop_in_place) => {
                // SAFETY: as above.
                let layout = unsafe { drop_in_place(self.ptr) };
                let block = NonNull::new(self.ptr.cast::<u8>())?;
                (layout.size() != 0).then_some((block, layout))
            }
        }
    }

    /// Drops the object and deallocates its memory.
    ///
    /// # Safety
    ///
    /// As [`drop_object`](Self::drop_object).
    unsafe fn free(self) {
        // SAFETY: forwarded from this function's contract.
        if let Some((block, layout)) = unsafe { self.drop_object() } {
            // SAFETY: `new`'s contract: the block was allocated with `layout`, and the
            // object in it was just dropped.
            unsafe { allocation::free_layout(block.as_ptr(), layout) };
        }
    }
}

/// Entries a scan decided to free, freed only after the scan has released its borrow of the
/// participant's state: a destructor may pin the same domain and retire more objects.
///
/// If a destructor panics, dropping the batch during unwinding frees the remaining entries
/// (a second panic aborts, as in any destructor), so nothing leaks.
pub(crate) struct FreeBatch {
    entries: Vec<Retired>,
}

impl FreeBatch {
    /// An empty batch that reuses `buffer`'s allocation.
    pub(crate) fn with_buffer(mut buffer: Vec<Retired>) -> Self {
        buffer.clear();
        Self { entries: buffer }
    }

    /// Adds an entry to free.
    #[inline]
    pub(crate) fn push(&mut self, entry: Retired) {
        self.entries.push(entry);
    }

    /// A batch of exactly `entries` (an IBR scan hands its whole list over).
    #[cfg(feature = "ibr")]
    pub(crate) fn of(entries: Vec<Retired>) -> Self {
        Self { entries }
    }

    /// Moves every entry of `other` into this batch (IBR: the second scan after a
    /// revocation).
    #[cfg(feature = "ibr")]
    pub(crate) fn append(&mut self, mut other: FreeBatch) {
        self.entries.append(&mut other.entries);
    }

    /// Number of entries in the batch.
    pub(crate) fn len(&self) -> usize {
        self.entries.len()
    }

    /// Frees every entry and hands back the (empty) buffer for reuse.
    ///
    /// # Safety
    ///
    /// No thread can reach any object in the batch.
    pub(crate) unsafe fn free_all(mut self) -> Vec<Retired> {
        while let Some(entry) = self.entries.pop() {
            // SAFETY: the caller established that nothing in the batch is reachable.
            unsafe { entry.free() };
        }
        mem::take(&mut self.entries)
    }

    /// [`free_all`](Self::free_all), handing the blocks of recyclable nodes to `slot`'s
    /// block cache (which frees what it does not keep).
    ///
    /// # Safety
    ///
    /// As [`free_all`](Self::free_all), and the caller owns `slot`.
    unsafe fn recycle_all(mut self, slot: &Slot) -> Vec<Retired> {
        while let Some(entry) = self.entries.pop() {
            // SAFETY: the caller established that nothing in the batch is reachable. The
            // destructor runs outside `with_local`, so it may pin this slot again.
            if let Some((block, layout)) = unsafe { entry.drop_object() } {
                // SAFETY: the caller owns `slot`; `put` runs no user code. The block was
                // allocated with `layout` and its object is dropped (`Retired::new`).
                unsafe { slot.with_local(|local| local.blocks.put(block, layout)) };
            }
        }
        mem::take(&mut self.entries)
    }
}

impl Drop for FreeBatch {
    fn drop(&mut self) {
        // Only reached with entries left when a destructor panicked inside `free_all`: the
        // batch was already judged unreachable, so freeing the rest is what `free_all` would
        // have done.
        while let Some(entry) = self.entries.pop() {
            // SAFETY: every entry of a batch was judged unreachable before it was added
            // (`free_all`'s contract, which the panicking call was under).
            unsafe { entry.free() };
        }
    }
}

/// Frees a batch a scheme decided on, after the scheme released `slot`'s local state, and
/// keeps the batch's buffer as the slot's spare. Blocks of recyclable nodes go to the slot's
/// block cache (`blocks.rs`).
///
/// The caller owns `slot`; every object in the batch is unreachable (the scheme's decision).
#[inline]
pub(crate) fn free_batch(slot: &Slot, batch: Option<FreeBatch>) {
    let Some(batch) = batch else { return };
    let _count = batch.len();
    // SAFETY: the scheme put in the batch only objects no participant can reach; the caller
    // owns `slot`.
    let buffer = unsafe { batch.recycle_all(slot) };
    stat!(crate::stats::bump(&slot.stats.reclaimed, _count as u64));
    // SAFETY: the caller owns `slot`; the closure only stores a buffer.
    unsafe {
        slot.with_local(|local| {
            if local.spare.capacity() < buffer.capacity() {
                local.spare = buffer;
            }
        });
    }
}

/// Frees every entry of `list` unconditionally.
///
/// # Safety
///
/// No thread can reach any object in `list` (the domain is being dropped).
pub(crate) unsafe fn free_unconditionally(list: &mut Vec<Retired>) -> usize {
    let mut batch = FreeBatch::with_buffer(Vec::new());
    let count = list.len();
    for entry in list.drain(..) {
        batch.push(entry);
    }
    // SAFETY: forwarded from this function's contract.
    unsafe { batch.free_all() };
    count
}
