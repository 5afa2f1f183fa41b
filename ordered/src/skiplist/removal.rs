//! Removal after the linearization point: unlinking a removed node at every level and
//! retiring it (the retire handshake of [`list`](super::list), "Removal and retirement").
//!
//! A remover that has just searched for the node knows where it is linked: Fraser's remove
//! (and crossbeam-skiplist's) unlinks with one CAS per level from the predecessors that
//! search recorded, and searches again only when one of those CASes loses. Replacement does
//! the same for the node it replaced, before linking the new node's upper levels. Every
//! other path (a removal the inserter finishes, `pop_first`/`pop_last`, the entry API) runs
//! the key-driven pass, [`unlink`](SkipList::unlink). Whichever way, the node's tag bits are
//! checked, not assumed, before it is retired (`unlink_remaining_by_identity`).

use core::cmp::Ordering as Cmp;

use ccol_reclaim::{Guard, Reclaim};

use super::{
    list::{NodeRef, Position, SkipList},
    node::{self, LINKED, MARK, UNLINKED},
    unwind::OnUnwind,
};
use crate::sync::atomic::Ordering;

/// How a removal unlinks its node before retiring it.
#[derive(Clone, Copy)]
pub(crate) enum Unlink<'p, 'g, K, V, R: Reclaim> {
    /// The key-driven pass (marks the upper levels first: `pop_last` marks level 0 first).
    Search,
    /// One snip per level from the predecessors this search recorded just before this
    /// thread's [`mark`](SkipList::mark) removed the node (its upper levels are marked);
    /// the key-driven pass for whatever is still linked after.
    At(&'p Position<'g, K, V, R>),
    /// The caller already snipped the node where it could ([`SkipList::snip_replaced`],
    /// after `replace` marked it); the key-driven pass for whatever is still linked.
    Snipped,
}

impl<K, V, C, R: Reclaim> SkipList<K, V, C, R> {
    /// After a winning level-0 mark (or replacement) of `node`: unlinks it everywhere, and
    /// retires it if its inserter had finished (`done`); otherwise the inserter will.
    pub(crate) fn finish_removal<'g>(
        &self,
        node: NodeRef<'g, K, V, R>,
        done: bool,
        how: Unlink<'_, 'g, K, V, R>,
        guard: &'g Guard<'_, R>,
        cmp: &impl Fn(&K, &K) -> Cmp,
    ) where
        K: Send,
        V: Send,
    {
        if done {
            self.unlink_and_retire(node, how, guard, cmp);
        } else if !self.unlink_fast(node, how, guard) {
            self.unlink(node, guard, cmp);
        }
    }

    /// Unlinks `node` everywhere (checked through its tag bits) and retires it; the caller set
    /// the second of `MARK` and `DONE`, so exactly one thread gets here per node.
    pub(crate) fn unlink_and_retire<'g>(
        &self,
        node: NodeRef<'g, K, V, R>,
        how: Unlink<'_, 'g, K, V, R>,
        guard: &'g Guard<'_, R>,
        cmp: &impl Fn(&K, &K) -> Cmp,
    ) where
        K: Send,
        V: Send,
    {
        if let Unlink::Search = how {
            // SAFETY: `node` is live under the guard. Idempotent: a `pop_last` marks level 0
            // first and the upper levels after.
            unsafe { self.mark_upper(node, guard) };
        }
        // `unlink_fast` has read every level's tag bits when it answers true; only after the
        // key-driven pass are they read again.
        if !self.unlink_fast(node, how, guard) {
            let unwinding = OnUnwind::new(|| self.unlink_by_identity_and_retire(node, guard));
            self.unlink(node, guard, cmp);
            unwinding.disarm();
            // The pass above unlinks the node everywhere if the comparator is lawful; the tag
            // bits say where it is still linked otherwise (or where a snip is in flight), and
            // an identity walk finishes those levels without trusting the comparator.
            self.unlink_remaining_by_identity(node, guard);
        }
        // The node is marked at every level, its inserter is done, and it is unlinked at
        // every level (checked above, not assumed), so nothing links it again (module docs);
        // exactly one thread gets here per node (the second of MARK and DONE).
        // SAFETY: unlinked, retired once; `free` drops the key and value (Send) anywhere.
        unsafe { guard.retire_with(node, node::free::<K, V, R>) };
    }

    /// The snips `how` allows; whether `node` is now unlinked at every level, each level
    /// snipped here or shown unlinked by its tag bits (`false`: the key-driven pass must run).
    fn unlink_fast<'g>(&self, node: NodeRef<'g, K, V, R>, how: Unlink<'_, 'g, K, V, R>, guard: &'g Guard<'_, R>) -> bool {
        match how {
            Unlink::Search => false,
            Unlink::At(pos) => {
                // SAFETY: `node` is live under the guard.
                let height = unsafe { Self::height(node) };
                let mut unlinked = true;
                for level in (0..height).rev() {
                    // SAFETY: `node` is live under the guard; `level < height`.
                    unlinked &= self.snip_at(node, pos, level, guard).is_some() || !unsafe { Self::linked_at(node, level) };
                }
                unlinked
            }
            Unlink::Snipped => {
                // SAFETY: `node` is live under the guard.
                let height = unsafe { Self::height(node) };
                // SAFETY: `node` is live under the guard; `level < height`.
                (0..height).all(|level| !unsafe { Self::linked_at(node, level) })
            }
        }
    }

    /// Snips `node` (marked at `level`) from the predecessor `pos` recorded at `level`, if
    /// `pos` found it there and that link still leads to it: the predecessor's new link
    /// value, or `None` (not adjacent at the search, or the CAS lost).
    fn snip_at<'g>(
        &self,
        node: NodeRef<'g, K, V, R>,
        pos: &Position<'g, K, V, R>,
        level: usize,
        guard: &'g Guard<'_, R>,
    ) -> Option<NodeRef<'g, K, V, R>> {
        let word = pos.succs[level];
        if word.with_tag(0) != node {
            return None;
        }
        // SAFETY: the search found `node` linked at `level`, so its tower is that tall;
        // `node` is live under the guard.
        let next = unsafe { node::link(node, level) }.load(guard);
        debug_assert!(next.tag() & MARK != 0, "only a marked link is snipped");
        // SAFETY: `preds[level]` is the head or a node the search reached under this guard
        // at a level ≥ `level`.
        let pred_link = unsafe { Self::at(pos.preds[level], level) };
        self.try_snip(pred_link, word, node, next, level, guard)
    }

    /// After `replace` put `new` in the place of `old` (marked at every level) at level 0:
    /// snips `old` top-down from the predecessors `pos` recorded, level 0 included (the
    /// predecessor then links `new` directly), and moves `pos`'s successors past `old`, so
    /// that `new`'s upper levels are linked where `old`'s were. Whatever this does not snip
    /// is left to the key-driven pass of [`finish_removal`](Self::finish_removal) with
    /// [`Unlink::Snipped`].
    pub(crate) fn snip_replaced<'g>(&self, old: NodeRef<'g, K, V, R>, pos: &mut Position<'g, K, V, R>, guard: &'g Guard<'_, R>) {
        // SAFETY: `old` is live under the guard.
        let height = unsafe { Self::height(old) };
        for level in (0..height).rev() {
            if let Some(snipped) = self.snip_at(old, pos, level, guard) {
                pos.succs[level] = snipped;
            }
        }
    }

    /// Whether `node`'s tag bits say it may still be linked at `level`.
    ///
    /// # Safety
    ///
    /// `node` is live under the caller's guard and `level` is below its height.
    pub(crate) unsafe fn linked_at(node: NodeRef<'_, K, V, R>, level: usize) -> bool {
        // SAFETY: forwarded from the contract.
        let tag = unsafe { node::link(node, level) }.tag(Ordering::Acquire);
        // Acquire: pairs with the AcqRel `note_unlinked` of whoever snipped it.
        if level == 0 { tag & UNLINKED == 0 } else { tag & LINKED != 0 }
    }

    /// A pass that unlinks every marked node whose key equals `node`'s, at every level up to
    /// `node`'s height: it walks each level through all nodes with that key (the marked
    /// node may sit anywhere among equal keys), descending from the last smaller key.
    fn unlink<'g>(&self, node: NodeRef<'g, K, V, R>, guard: &'g Guard<'_, R>, cmp: &impl Fn(&K, &K) -> Cmp) {
        // SAFETY: `node` is live under the guard.
        let height = unsafe { Self::height(node) };
        // SAFETY: as above.
        let key = &unsafe { node::entry(node) }.key;
        'retry: loop {
            let mut below = self.head_tower();
            let mut below_node: Option<NodeRef<'g, K, V, R>> = None;
            for level in (0..self.levels(height)).rev() {
                let mut pred = below;
                // SAFETY: the head or a node reached at a level ≥ this one.
                let mut pred_link = unsafe { Self::at(pred, level) };
                let mut word = pred_link.load(guard);
                if word.tag() & MARK != 0 {
                    // As in `find`: help the predecessor's remover finish marking.
                    if let Some(node) = below_node {
                        // SAFETY: `node` was reached under the guard.
                        unsafe { self.mark_upper(node, guard) };
                    }
                    continue 'retry;
                }
                loop {
                    let curr = word.with_tag(0);
                    if curr.is_null() {
                        break;
                    }
                    // SAFETY: live under the guard, linked at `level`.
                    let next = unsafe { node::link(curr, level) }.load(guard);
                    if next.tag() & MARK != 0 {
                        match self.try_snip(pred_link, word, curr, next, level, guard) {
                            Some(snipped) => {
                                word = snipped;
                                continue;
                            }
                            None => continue 'retry,
                        }
                    }
                    // SAFETY: as above.
                    match cmp(&unsafe { node::entry(curr) }.key, key) {
                        Cmp::Less => {
                            // SAFETY: as above.
                            below = unsafe { node::tower(curr) };
                            below_node = Some(curr);
                            pred = below;
                        }
                        Cmp::Equal => {
                            // SAFETY: as above.
                            pred = unsafe { node::tower(curr) };
                        }
                        Cmp::Greater => break,
                    }
                    // SAFETY: `pred` is `curr`'s tower, linked at `level`.
                    pred_link = unsafe { Self::at(pred, level) };
                    word = next;
                }
            }
            return;
        }
    }
}
