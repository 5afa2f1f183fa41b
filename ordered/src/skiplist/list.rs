//! The lock-free skip list every ordered map and set of the crate is built on.
//!
//! Fraser's lock-free skip list (K. Fraser, "Practical lock-freedom", PhD thesis, Cambridge,
//! 2004; Herlihy & Shavit, *The Art of Multiprocessor Programming*, ch. 14): level 0 is a
//! Harris list whose marked links freeze removed nodes; the upper levels are express lanes
//! linked bottom-up after level 0 and unlinked by any traversal that meets a marked link.
//!
//! # Linearization points
//!
//! - **insert** of an absent key: the CAS that links the node at level 0 (`pred.next[0]`).
//! - **insert** over a present key (replacement): one CAS on the old node's level-0 link,
//!   from its successor to the new node **with the mark bit** — the old node is removed and
//!   the new one (already pointing to the old one's successor) is reachable through it, in
//!   one step. Values are never written in place, so a reader holding the old node reads a
//!   value nobody mutates or drops.
//! - **remove** / **pop_first**: the `fetch_or` that marks the node's level-0 link; its
//!   result says who won (a link already marked means someone else removed the node).
//! - **pop_last**: a CAS that marks the last node's level-0 link *while it holds null*: at
//!   that instant nothing follows the node.
//! - **get** / **contains**: the read of the found node's level-0 link (unmarked), or the read
//!   that shows the key absent. **Navigation** (`first`, `floor`, `ceiling`, ...): the read of
//!   the predecessor's level-0 link during a traversal that unlinks every marked node it
//!   meets, so predecessor and successor were adjacent and both live at that read.
//!
//! # Removal and retirement (no reference count)
//!
//! A remover marks the node's links top-down and level 0 last (`pop_last` marks level 0
//! first, then the rest; the retirer re-marks, idempotently), so a removed node is frozen at
//! every level. Its inserter may still be linking upper levels; it stops at the first marked
//! link, but one link may already be in flight and make the node reachable at a level after a
//! cleanup pass. Freeing therefore waits for two events, recorded as tag bits on `tower[0]`
//! by read-modify-writes on that one word (so their order is total): `MARK` (removed) and
//! `DONE` (the inserter links no more). Whoever sets the second of the two unlinks the node
//! at every level and retires it: the remover when `DONE` was already set at its mark, the
//! inserter when `MARK` was set before its `DONE`. After both, nothing links the node again
//! (only its inserter ever links it, and a snip installs only successors of linked nodes).
//! A `remove` (and a replacement, for the node it replaced) unlinks with one snip per level
//! from the predecessors its own search recorded, and searches again only if one of those
//! CASes loses (the `removal` module).
//!
//! **Unlinked is checked, not assumed.** The cleanup pass is key-driven (it walks each level
//! through the node's key), which finds the node only if the comparator keeps its laws, and
//! a comparator is safe user code that may not. So every node also records, per level,
//! whether it is still linked: `LINKED` on `tower[i ≥ 1]` (set by the inserter before its
//! linking CAS, cleared if the CAS fails, cleared by whoever snips it) and `UNLINKED` on
//! `tower[0]` (set by whoever snips it). After the pass the retirer reads these bits and
//! walks by identity — from the head, no comparator, O(n) — every level where the node may
//! still be linked (a lying comparator, or a snip between its CAS and its flag). Only then
//! does it retire. A lying comparator costs wrong answers and slow removals, never a node
//! freed while linked.
//!
//! # Traversals and IBR
//!
//! A removed node's links are frozen, and may lead to nodes that were removed and retired
//! later. Under DEBRA everything retired after a guard was pinned stays allocated, so reads
//! (`get`, iterators) step over removed nodes without writing. Under IBR a guard protects
//! only what it reached through links that still lead there, so a read that meets a removed
//! node switches to the helping traversal (`find`), which unlinks it and follows the
//! predecessor's link instead; the iterators' forward step does the same.

//! # Memory orderings
//!
//! Loads are Acquire (ccol-reclaim's protected `load`). Every CAS that installs a pointer is
//! AcqRel: Release publishes the node (or, for a snip, passes on the Acquire the snipper made
//! of the node it installs), Acquire orders what follows after the node's contents. Mark and
//! `DONE` read-modify-writes are AcqRel: the later of the two on a node acquires the earlier
//! one's thread's links before the cleanup pass. The level hint and the length are Relaxed
//! (hints only).

use core::cmp::Ordering as Cmp;

use ccol_arch::{CachePadded, config::Config};
use ccol_reclaim::{Domain, Guard, Reclaim, Shared};

use super::{
    height::Heights,
    removal::Unlink,
    unwind::OnUnwind,
    stats::{Stats, stat},
    node::{self, DONE, LINKED, Link, MARK, MAX_HEIGHT, Node, UNLINKED},
};
use crate::sync::atomic::{AtomicIsize, AtomicUsize, Ordering};

/// A node pointer under a guard.
pub(crate) type NodeRef<'g, K, V, R> = Shared<'g, Node<K, V>, R>;

/// Where a traversal ended at every level: the last node it moved past (`preds`, as the
/// address of its tower; the head's for none) and the link value read from it (`succs`,
/// tag bits included: the expected value of a CAS on that link).
pub(crate) struct Position<'g, K, V, R: Reclaim> {
    pub(crate) preds: [*const Link<K, V, R>; MAX_HEIGHT],
    pub(crate) succs: [NodeRef<'g, K, V, R>; MAX_HEIGHT],
    /// The level-0 predecessor as a node (`None`: the head).
    pub(crate) pred_node: Option<NodeRef<'g, K, V, R>>,
}

/// The raw lock-free skip list: `SkipListMap` and `SkipListSet` wrap it.
pub(crate) struct SkipList<K, V, C, R: Reclaim> {
    /// The head tower: level `i`'s first link. Never marked, no tag bits.
    head: [Link<K, V, R>; MAX_HEIGHT],
    /// Levels in use (a hint: at least the height of every node being linked above level 0
    /// by the thread that raised it). Relaxed.
    levels: AtomicUsize,
    /// Live entries: incremented after an insert's linearization point, decremented after a
    /// removal's (Relaxed; a hint under concurrency, exact when quiescent).
    len: CachePadded<AtomicIsize>,
    heights: Heights,
    /// Counters (`stats` feature; empty otherwise).
    #[cfg_attr(
        any(not(feature = "stats"), ccol_loom),
        allow(dead_code, reason = "read only by `stats()`")
    )]
    pub(crate) stats: Stats,
    pub(crate) comparator: C,
    /// Declared last: dropped after the map's `Drop` freed the linked nodes.
    pub(crate) domain: Domain<R>,
}

/// Outcome of a search for one key.
pub(crate) enum Found<'g, K, V, R: Reclaim> {
    /// A live node with the key (live at the read of its level-0 link).
    Present(NodeRef<'g, K, V, R>),
    /// No live node with the key.
    Absent,
}

impl<K, V, C, R: Reclaim> SkipList<K, V, C, R> {
    pub(crate) fn new(comparator: C, config: &Config) -> Self {
        Self {
            head: core::array::from_fn(|_| Link::null()),
            levels: AtomicUsize::new(1),
            len: CachePadded::new(AtomicIsize::new(0)),
            heights: Heights::new(),
            stats: Stats::default(),
            comparator,
            domain: Domain::with_config(config),
        }
    }

    /// Live entries (exact when no operation runs; see the map's `len`).
    pub(crate) fn len(&self) -> usize {
        // Relaxed: a hint.
        usize::try_from(self.len.load(Ordering::Relaxed)).unwrap_or(0)
    }

    pub(crate) fn head_tower(&self) -> *const Link<K, V, R> {
        self.head.as_ptr()
    }

    /// The head's link at `level` (exclusive walks: `check`, `Drop`).
    pub(crate) fn head_link(&self, level: usize) -> &Link<K, V, R> {
        &self.head[level]
    }

    /// Levels to search: the hint, and at least `min`.
    #[inline]
    pub(crate) fn levels(&self, min: usize) -> usize {
        // Relaxed: a hint (module docs); callers that need a level pass it as `min`.
        self.levels.load(Ordering::Relaxed).max(min)
    }

    /// The link of `tower` at `level`.
    ///
    /// # Safety
    ///
    /// `tower` is the head's or a live node's (kept by the guard) with more than `level`
    /// links.
    #[inline]
    pub(crate) unsafe fn at<'a>(tower: *const Link<K, V, R>, level: usize) -> &'a Link<K, V, R> {
        // SAFETY: forwarded from the contract.
        unsafe { &*tower.add(level) }
    }

    /// Traverses from the top, moving right while `advance(key)` holds and unlinking every
    /// marked node met (Fraser's `search`, helping): at every level, the predecessor was
    /// unmarked and adjacent to the successor at the last read or CAS of its link.
    pub(crate) fn find<'g>(
        &self,
        advance: &impl Fn(&K) -> bool,
        min_levels: usize,
        guard: &'g Guard<'_, R>,
    ) -> Position<'g, K, V, R> {
        stat!(self.stats => traversals);
        'retry: loop {
            let top = self.levels(min_levels);
            let mut pos = Position {
                preds: [self.head_tower(); MAX_HEIGHT],
                succs: [Shared::null(); MAX_HEIGHT],
                pred_node: None,
            };
            let mut pred = self.head_tower();
            let mut pred_node = None;
            for level in (0..top).rev() {
                // SAFETY: `pred` is the head or a node reached at a level ≥ this one.
                let mut pred_link = unsafe { Self::at(pred, level) };
                let mut word = pred_link.load(guard);
                if word.tag() & MARK != 0 {
                    // The predecessor is being removed: its links are frozen. Help its remover
                    // mark the rest of its tower (a `pop_last` marks level 0 first), or every
                    // search that passes it above would wait for that remover to run again.
                    if let Some(node) = pred_node {
                        // SAFETY: `node` was reached under the guard.
                        unsafe { self.mark_upper(node, guard) };
                    }
                    stat!(self.stats => retries);
                    continue 'retry;
                }
                loop {
                    let curr = word.with_tag(0);
                    if curr.is_null() {
                        break;
                    }
                    // SAFETY: `curr` is live under the guard and linked at `level`, so its
                    // tower is that tall.
                    let next = unsafe { node::link(curr, level) }.load(guard);
                    if next.tag() & MARK != 0 {
                        match self.try_snip(pred_link, word, curr, next, level, guard) {
                            Some(snipped) => {
                                word = snipped;
                                continue;
                            }
                            None => {
                                stat!(self.stats => retries);
                                continue 'retry;
                            }
                        }
                    }
                    stat!(self.stats => traversed);
                    // SAFETY: `curr` is live under the guard.
                    if advance(&unsafe { node::entry(curr) }.key) {
                        // SAFETY: as above.
                        pred = unsafe { node::tower(curr) };
                        // SAFETY: `curr` is linked at `level`, so its tower is that tall.
                        pred_link = unsafe { Self::at(pred, level) };
                        pred_node = Some(curr);
                        word = next;
                    } else {
                        break;
                    }
                }
                pos.preds[level] = pred;
                pos.succs[level] = word;
                if level == 0 {
                    pos.pred_node = pred_node;
                }
            }
            return pos;
        }
    }

    /// The live node whose key compares `Equal` (`cmp(key)` orders the node's key against the
    /// probe), without writing: marked nodes are stepped over, not unlinked (the read path of
    /// `get`).
    ///
    /// Every level ends at the first node not `Less` than the probe and the walk descends from
    /// its predecessor; level 0's such node is the answer. It is the lower-bound walk of
    /// [`find`](Self::find) without recording anything: one two-way test per node visited.
    /// Measured on a 2^20-entry map (get only, one thread), it is 10–25 % faster than a walk
    /// that answers as soon as an upper level meets the key and skips the node that ended the
    /// level above, although that walk visits no more nodes: on a large map every node visited
    /// is a cache miss, and the extra branches on values that arrive with the miss cost more
    /// than the comparisons they save.
    pub(crate) fn find_equal<'g>(
        &self,
        cmp: &impl Fn(&K) -> Cmp,
        guard: &'g Guard<'_, R>,
    ) -> Found<'g, K, V, R> {
        stat!(self.stats => traversals);
        let mut pred = self.head_tower();
        for level in (0..self.levels(1)).rev() {
            // SAFETY: the head or a node reached at a level ≥ this one.
            let first = unsafe { Self::at(pred, level) }.load(guard);
            if first.tag() & MARK != 0 && R::BOUNDED_UNDER_STALL {
                return self.find_equal_helping(cmp, guard);
            }
            let mut curr = first.with_tag(0);
            while !curr.is_null() {
                // SAFETY: `curr` is live under the guard and linked at `level`.
                let next = unsafe { node::link(curr, level) }.load(guard);
                stat!(self.stats => traversed);
                if next.tag() & MARK != 0 {
                    // Under IBR a removed node's frozen link may lead to a node retired
                    // and freed after this guard's reservation was taken (IBR protects what
                    // is reachable, and a frozen link is not): unlink instead of stepping
                    // over. DEBRA protects everything retired after the pin.
                    if R::BOUNDED_UNDER_STALL {
                        return self.find_equal_helping(cmp, guard);
                    }
                    curr = next.with_tag(0);
                    continue;
                }
                // SAFETY: as above.
                let order = cmp(&unsafe { node::entry(curr) }.key);
                if order != Cmp::Less {
                    if level == 0 {
                        // `curr`'s level-0 link was unmarked when loaded above (Acquire):
                        // the linearization point of a present answer.
                        return if order == Cmp::Equal { Found::Present(curr) } else { Found::Absent };
                    }
                    break;
                }
                // SAFETY: as above.
                pred = unsafe { node::tower(curr) };
                curr = next.with_tag(0);
            }
        }
        Found::Absent
    }

    /// [`find_equal`](Self::find_equal) through [`find`](Self::find), which unlinks removed
    /// nodes instead of stepping over them (safe under every scheme).
    #[cold]
    fn find_equal_helping<'g>(&self, cmp: &impl Fn(&K) -> Cmp, guard: &'g Guard<'_, R>) -> Found<'g, K, V, R> {
        let pos = self.find(&|k| cmp(k) == Cmp::Less, 1, guard);
        let succ = pos.succs[0].with_tag(0);
        // SAFETY: `succ` is protected (read from a live predecessor) when not null.
        if !succ.is_null() && cmp(&unsafe { node::entry(succ) }.key) == Cmp::Equal {
            Found::Present(succ)
        } else {
            Found::Absent
        }
    }

    /// The snip every traversal that meets a removed node does: `curr` (linked at `level`
    /// behind `pred_link`, which held `word`) has the marked successor link `next`; CAS
    /// `pred_link` to `curr`'s successor, keeping the predecessor's own tag bits, and on
    /// success record the unlink. Returns the predecessor's new link value, or `None` if the
    /// CAS lost (the caller retries from a fresh position).
    #[inline]
    pub(crate) fn try_snip<'g>(
        &self,
        pred_link: &Link<K, V, R>,
        word: NodeRef<'g, K, V, R>,
        curr: NodeRef<'g, K, V, R>,
        next: NodeRef<'g, K, V, R>,
        level: usize,
        guard: &'g Guard<'_, R>,
    ) -> Option<NodeRef<'g, K, V, R>> {
        let snipped = next.with_tag(word.tag());
        // AcqRel: Release passes on the Acquire of `next`'s node (readers of `pred`'s link
        // see it initialised); Acquire as for a load.
        match pred_link.compare_exchange(word, snipped, Ordering::AcqRel, Ordering::Acquire, guard) {
            Ok(_) => {
                stat!(self.stats => unlinks);
                Self::note_unlinked(curr, level, guard);
                Some(snipped)
            }
            Err(_) => {
                stat!(self.stats => cas_failures);
                None
            }
        }
    }

    /// Records that a snip unlinked `node` at `level` (`UNLINKED` at level 0, `LINKED`
    /// cleared above), for the retirement check.
    #[inline]
    pub(crate) fn note_unlinked(node: NodeRef<'_, K, V, R>, level: usize, guard: &Guard<'_, R>) {
        // SAFETY: `node` is protected by the guard (the snipper read it from a link).
        let link = unsafe { node::link(node, level) };
        // AcqRel: the retirer's Acquire read of this bit orders its retirement after the
        // snip (the Release side here follows the snip CAS in program order).
        if level == 0 {
            link.fetch_or_tag(UNLINKED, Ordering::AcqRel, guard);
        } else {
            link.fetch_and_tag(!LINKED, Ordering::AcqRel, guard);
        }
    }

    /// The node's height (scanning for `TOP`).
    ///
    /// # Safety
    ///
    /// `node` is live under the guard.
    #[inline]
    pub(crate) unsafe fn height(node: NodeRef<'_, K, V, R>) -> usize {
        // SAFETY: forwarded.
        unsafe { node::height_of(node::tower(node)) }
    }

    /// A fresh, unpublished node with a random height; raises the level hint to it.
    pub(crate) fn new_node<'g>(&self, key: K, value: V, guard: &'g Guard<'_, R>) -> NodeRef<'g, K, V, R> {
        let height = self.heights.next();
        stat!(self.stats => heights[height - 1]);
        // Relaxed: a hint; this thread's own later reads see it (coherence). Most heights are
        // below the hint: read first, so an insert writes the shared line only when it grows.
        if height > self.levels.load(Ordering::Relaxed) {
            self.levels.fetch_max(height, Ordering::Relaxed);
        }
        node::alloc(key, value, height, guard)
    }

    /// Links `new` (unpublished) at level 0 after `pos`, if `pos.succs[0]` is still there.
    /// The insert's linearization point on success.
    pub(crate) fn link_bottom<'g>(
        &self,
        new: NodeRef<'g, K, V, R>,
        pos: &Position<'g, K, V, R>,
        guard: &'g Guard<'_, R>,
    ) -> bool {
        let succ = pos.succs[0];
        // SAFETY: `new` is ours and unpublished.
        let own = unsafe { node::link(new, 0) };
        // Relaxed: unpublished; the CAS below publishes it with Release.
        let tag = own.tag(Ordering::Relaxed);
        own.store(succ.with_tag(tag), Ordering::Relaxed);
        // SAFETY: `preds[0]` is the head or a node live under the guard.
        let pred_link = unsafe { Self::at(pos.preds[0], 0) };
        // AcqRel: Release publishes the node's key, value and links; Acquire as for a load.
        let linked = pred_link
            .compare_exchange(succ, new.with_tag(succ.tag()), Ordering::AcqRel, Ordering::Acquire, guard)
            .is_ok();
        if linked {
            // Relaxed: a counter.
            self.len.fetch_add(1, Ordering::Relaxed);
        } else {
            stat!(self.stats => cas_failures);
        }
        linked
    }

    /// Replaces the live node `old` by the unpublished `new` (same key) in one CAS on `old`'s
    /// level-0 link (module docs). Returns whether `old`'s inserter had finished at that
    /// point (`Some`), or `None` if `old` was removed by someone else first.
    pub(crate) fn replace<'g>(
        &self,
        old: NodeRef<'g, K, V, R>,
        new: NodeRef<'g, K, V, R>,
        guard: &'g Guard<'_, R>,
    ) -> Option<bool> {
        // SAFETY: `old` is live under the guard.
        unsafe { self.mark_upper(old, guard) };
        // SAFETY: as above; every node has a level 0.
        let bottom = unsafe { node::link(old, 0) };
        // SAFETY: `new` is ours and unpublished.
        let own = unsafe { node::link(new, 0) };
        // Relaxed: unpublished.
        let own_tag = own.tag(Ordering::Relaxed);
        let mut word = bottom.load(guard);
        loop {
            if word.tag() & MARK != 0 {
                return None;
            }
            own.store(word.with_tag(own_tag), Ordering::Relaxed);
            // AcqRel: Release publishes `new` (reachable through `old` from now on);
            // Acquire orders the cleanup after the inserter's links when `DONE` is set.
            match bottom.compare_exchange(
                word,
                new.with_tag(word.tag() | MARK),
                Ordering::AcqRel,
                Ordering::Acquire,
                guard,
            ) {
                Ok(_) => return Some(word.tag() & DONE != 0),
                Err(err) => {
                    stat!(self.stats => cas_failures);
                    word = err.current;
                }
            }
        }
    }

    /// Marks `node`'s links above level 0, top-down (idempotent).
    ///
    /// # Safety
    ///
    /// `node` is live under the guard.
    pub(crate) unsafe fn mark_upper(&self, node: NodeRef<'_, K, V, R>, guard: &Guard<'_, R>) {
        // SAFETY: forwarded.
        let height = unsafe { Self::height(node) };
        for level in (1..height).rev() {
            // SAFETY: `level < height`.
            let link = unsafe { node::link(node, level) };
            // AcqRel: freezes the link before the level-0 mark (module docs).
            link.fetch_or_tag(MARK, Ordering::AcqRel, guard);
        }
    }

    /// Removes `node` (any live node): marks it top-down; `Some(done)` if this call's level-0
    /// mark won (the linearization point), with whether its inserter had finished.
    pub(crate) fn mark<'g>(&self, node: NodeRef<'g, K, V, R>, guard: &'g Guard<'_, R>) -> Option<bool> {
        // SAFETY: `node` is live under the guard.
        unsafe { self.mark_upper(node, guard) };
        // SAFETY: as above.
        let bottom = unsafe { node::link(node, 0) };
        // AcqRel: the removal's linearization point; pairs with the inserter's `DONE`.
        let before = bottom.fetch_or_tag(MARK, Ordering::AcqRel, guard);
        if before.tag() & MARK != 0 {
            return None;
        }
        // Relaxed: a counter.
        self.len.fetch_sub(1, Ordering::Relaxed);
        Some(before.tag() & DONE != 0)
    }

    /// Removes the last node if it is still last: marks it with a CAS that expects its
    /// level-0 link to be null. `Some(done)` on success, `None` if something follows it or it
    /// was removed.
    pub(crate) fn mark_if_last<'g>(&self, node: NodeRef<'g, K, V, R>, guard: &'g Guard<'_, R>) -> Option<bool> {
        // SAFETY: `node` is live under the guard.
        let bottom = unsafe { node::link(node, 0) };
        let word = bottom.load(guard);
        if !word.with_tag(0).is_null() || word.tag() & MARK != 0 {
            return None;
        }
        // AcqRel: as in `mark`. Level 0 first: if this fails (something was appended), the
        // node stays whole; the upper levels are marked right after a success.
        bottom
            .compare_exchange(word, word.with_tag(word.tag() | MARK), Ordering::AcqRel, Ordering::Acquire, guard)
            .ok()?;
        // SAFETY: as above.
        unsafe { self.mark_upper(node, guard) };
        // Relaxed: a counter.
        self.len.fetch_sub(1, Ordering::Relaxed);
        Some(word.tag() & DONE != 0)
    }

    /// Links the upper levels of `new` (published at level 0), bottom-up, then records
    /// `DONE`; retires the node if it was removed meanwhile (module docs).
    pub(crate) fn link_upper<'g>(
        &self,
        new: NodeRef<'g, K, V, R>,
        pos: &mut Position<'g, K, V, R>,
        guard: &'g Guard<'_, R>,
        cmp: &impl Fn(&K, &K) -> Cmp,
    ) where
        K: Send,
        V: Send,
    {
        // SAFETY: `new` is live under the guard (IBR covers it since allocation).
        let height = unsafe { Self::height(new) };
        // SAFETY: as above.
        let key = &unsafe { node::entry(new) }.key;
        // If the comparator panics in a `find` below, the node must still get its `DONE`
        // (and be retired if it was removed meanwhile), or it would leak.
        let unwinding = OnUnwind::new(|| self.finish_insert_unwinding(new, guard));
        'levels: for level in 1..height {
            // SAFETY: `level < height`.
            let own = unsafe { node::link(new, level) };
            loop {
                let succ = pos.succs[level];
                let current = own.load(guard);
                if current.tag() & MARK != 0 {
                    break 'levels;
                }
                if current.with_tag(0) != succ.with_tag(0) {
                    // AcqRel: as for any link CAS; fails only if a remover marked it.
                    if own
                        .compare_exchange(
                            current,
                            succ.with_tag(current.tag()),
                            Ordering::AcqRel,
                            Ordering::Acquire,
                            guard,
                        )
                        .is_err()
                    {
                        break 'levels;
                    }
                }
                // Announce the link before making it, so that a retirer after `DONE` sees it
                // whatever happens next (AcqRel: ordered before the CAS below and `DONE`).
                own.fetch_or_tag(LINKED, Ordering::AcqRel, guard);
                // SAFETY: `preds[level]` is the head or a node live under the guard, of
                // height above `level`.
                let pred_link = unsafe { Self::at(pos.preds[level], level) };
                // AcqRel: Release publishes this level's link of `new`.
                if pred_link
                    .compare_exchange(succ, new.with_tag(succ.tag()), Ordering::AcqRel, Ordering::Acquire, guard)
                    .is_ok()
                {
                    break;
                }
                // Not linked after all.
                own.fetch_and_tag(!LINKED, Ordering::AcqRel, guard);
                stat!(self.stats => cas_failures);
                // SAFETY: every node has a level 0.
                if unsafe { node::link(new, 0) }.tag(Ordering::Acquire) & MARK != 0 {
                    break 'levels;
                }
                *pos = self.find(&|k| cmp(k, key) == Cmp::Less, height, guard);
            }
        }
        unwinding.disarm();
        if self.set_done(new, guard) {
            self.unlink_and_retire(new, Unlink::Search, guard, cmp);
        }
    }

    /// Records `DONE` on `node`; whether it was already removed (the caller retires it).
    pub(crate) fn set_done(&self, node: NodeRef<'_, K, V, R>, guard: &Guard<'_, R>) -> bool {
        // SAFETY: every node has a level 0; `node` is live under the guard.
        let bottom = unsafe { node::link(node, 0) };
        // AcqRel: pairs with a remover's level-0 mark (whoever comes second cleans up).
        let before = bottom.fetch_or_tag(DONE, Ordering::AcqRel, guard);
        before.tag() & MARK != 0
    }

    /// The first node of level 0, live at the read that returned it, or `None` if the list was
    /// empty at that read.
    pub(crate) fn first<'g>(&self, guard: &'g Guard<'_, R>) -> Option<NodeRef<'g, K, V, R>> {
        let pos = self.find(&|_| false, 1, guard);
        let first = pos.succs[0].with_tag(0);
        (!first.is_null()).then_some(first)
    }

    /// The last node, and its successor word was null at the read that returned it.
    pub(crate) fn last<'g>(&self, guard: &'g Guard<'_, R>) -> Option<NodeRef<'g, K, V, R>> {
        self.find(&|_| true, 1, guard).pred_node
    }

    /// Frees every node still linked at level 0 (exclusive access: the map's `Drop`).
    ///
    /// # Safety
    ///
    /// No other thread can reach the list, no operation on it is in progress, and it is not
    /// used afterwards except to drop it.
    pub(crate) unsafe fn free_all(&mut self) {
        // Relaxed: exclusive access (contract).
        let mut curr = self.head[0].load_raw(Ordering::Relaxed);
        while !curr.is_null() {
            // SAFETY: every node linked at level 0 once all operations completed is live,
            // unretired (retired nodes were unlinked for good) and reachable only from here.
            unsafe {
                let first = node::tower_of_value::<K, V, R>(curr);
                // Relaxed: as above.
                let next = (*first).load_raw(Ordering::Relaxed);
                node::free_value::<K, V, R>(curr);
                curr = next;
            }
        }
        for link in &self.head {
            link.store(Shared::null(), Ordering::Relaxed);
        }
    }
}
