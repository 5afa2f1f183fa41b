//! Panic safety: what must still happen when a user comparator (or an insert's value
//! closure) panics in the middle of an operation.
//!
//! A comparator is user code and may panic anywhere a key is compared. Memory safety never
//! depends on it; what could go wrong is a leak or a node left half-handled:
//!
//! - an **unpublished node** (allocated, not yet linked) is freed, its key and value dropped
//!   ([`Unpublished`]);
//! - a **published node whose inserter unwinds** while linking upper levels still gets its
//!   `DONE`; if it was removed meanwhile, the unwinding inserter retires it
//!   ([`SkipList::finish_insert_unwinding`]);
//! - a **removed node whose cleanup pass unwinds** is unlinked by a pass that compares node
//!   identities instead of keys ([`SkipList::unlink_by_identity`]; O(n) per level, only on
//!   this path) and retired.
//!
//! The operation that panicked has taken effect or not, exactly as at its linearization point;
//! the map stays consistent and every other operation proceeds.

use core::mem::ManuallyDrop;

use ccol_reclaim::{Guard, Reclaim};

use super::{
    list::{NodeRef, SkipList},
    node::{self, MARK},
};

/// Runs a closure if dropped while armed (that is, during unwinding: the normal path calls
/// [`disarm`](Self::disarm)).
pub(crate) struct OnUnwind<F: FnOnce()>(ManuallyDrop<F>);

impl<F: FnOnce()> OnUnwind<F> {
    #[inline]
    pub(crate) fn new(f: F) -> Self {
        Self(ManuallyDrop::new(f))
    }

    /// The normal path: the closure never runs.
    #[inline]
    pub(crate) fn disarm(mut self) {
        // SAFETY: taken once; `self` is forgotten right after, so `drop` never sees it.
        drop(unsafe { ManuallyDrop::take(&mut self.0) });
        core::mem::forget(self);
    }
}

impl<F: FnOnce()> Drop for OnUnwind<F> {
    fn drop(&mut self) {
        // SAFETY: `disarm` forgets `self`, so this runs only while still armed, once.
        let f = unsafe { ManuallyDrop::take(&mut self.0) };
        f();
    }
}

/// An allocated node nobody else has seen: freed (key and value dropped) if the operation
/// unwinds before publishing it.
pub(crate) struct Unpublished<'g, K, V, R: Reclaim> {
    node: Option<NodeRef<'g, K, V, R>>,
}

impl<'g, K, V, R: Reclaim> Unpublished<'g, K, V, R> {
    pub(crate) fn new() -> Self {
        Self { node: None }
    }

    /// The node, if one was allocated.
    pub(crate) fn get(&self) -> Option<NodeRef<'g, K, V, R>> {
        self.node
    }

    /// Records the freshly allocated node.
    pub(crate) fn set(&mut self, node: NodeRef<'g, K, V, R>) {
        self.node = Some(node);
    }

    /// The node was published (or taken back): nothing to free.
    pub(crate) fn forget(&mut self) {
        self.node = None;
    }
}

impl<K, V, R: Reclaim> Drop for Unpublished<'_, K, V, R> {
    fn drop(&mut self) {
        if let Some(node) = self.node.take() {
            // SAFETY: the node was never published (the owner calls `forget` when it is).
            drop(unsafe { node::take_unpublished(node) });
        }
    }
}

impl<K: Send, V: Send, C, R: Reclaim> SkipList<K, V, C, R> {
    /// The unwinding inserter's last step: `DONE`, and retirement if the node was removed
    /// meanwhile (without the comparator, which just panicked).
    pub(crate) fn finish_insert_unwinding<'g>(&self, node: NodeRef<'g, K, V, R>, guard: &'g Guard<'_, R>) {
        if self.set_done(node, guard) {
            self.unlink_by_identity_and_retire(node, guard);
        }
    }

    /// Unlinks `node` (removed, its inserter done) at every level by identity, then retires
    /// it.
    pub(crate) fn unlink_by_identity_and_retire<'g>(&self, node: NodeRef<'g, K, V, R>, guard: &'g Guard<'_, R>) {
        // SAFETY: `node` is live under the guard.
        unsafe { self.mark_upper(node, guard) };
        // SAFETY: as above.
        let height = unsafe { Self::height(node) };
        for level in (0..height).rev() {
            self.unlink_level_by_identity(level, guard);
        }
        // As in `unlink_and_retire`: removed, inserter done, unlinked everywhere by the full
        // walks above; only the thread that set the second of MARK and DONE gets here.
        // SAFETY: unlinked, retired once; `free` drops the key and value (Send) anywhere.
        unsafe { guard.retire_with(node, node::free::<K, V, R>) };
    }

    /// After a key-driven cleanup pass: walks by identity every level where `node`'s tag
    /// bits say it may still be linked (a comparator that broke its laws, or a snip in
    /// flight). Usually no level qualifies and this reads `height` words.
    pub(crate) fn unlink_remaining_by_identity<'g>(&self, node: NodeRef<'g, K, V, R>, guard: &'g Guard<'_, R>) {
        // SAFETY: `node` is live under the guard.
        let height = unsafe { Self::height(node) };
        for level in 0..height {
            // SAFETY: `node` is live under the guard; `level < height`.
            if unsafe { Self::linked_at(node, level) } {
                self.unlink_level_by_identity(level, guard);
            }
        }
    }

    /// Walks level `level` from the head to the end, unlinking every marked node it meets (so
    /// `node` too, wherever it sits): no comparator involved, O(n) — only for the cases
    /// above. Returns once a walk completed without losing a CAS.
    fn unlink_level_by_identity(&self, level: usize, guard: &Guard<'_, R>) {
        'retry: loop {
            // SAFETY: the head has every level.
            let mut pred_link = unsafe { Self::at(self.head_tower(), level) };
            let mut word = pred_link.load(guard);
            loop {
                let curr = word.with_tag(0);
                if curr.is_null() {
                    return;
                }
                // SAFETY: live under the guard, linked at `level`.
                let curr_link = unsafe { node::link(curr, level) };
                let next = curr_link.load(guard);
                if next.tag() & MARK != 0 {
                    match self.try_snip(pred_link, word, curr, next, level, guard) {
                        Some(snipped) => {
                            word = snipped;
                            continue;
                        }
                        None => continue 'retry,
                    }
                }
                pred_link = curr_link;
                word = next;
            }
        }
    }
}
