//! The map operations on the raw list, by comparator: what `SkipListMap` and `SkipListSet`
//! expose, returning nodes valid for the caller's guard.

use core::cmp::Ordering as Cmp;

use ccol_reclaim::{Guard, Reclaim};

use super::{
    list::{Found, NodeRef, Position, SkipList},
    node,
    removal::Unlink,
    unwind::{OnUnwind, Unpublished},
};
use crate::comparator::Comparator;

/// Where a navigation query stops, relative to the probe.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Toward {
    /// Greatest key `<` probe.
    Lower,
    /// Greatest key `<=` probe.
    Floor,
    /// Least key `>=` probe.
    Ceiling,
    /// Least key `>` probe.
    Higher,
}

/// What [`SkipList::insert_with`] does when the key is present.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OnPresent {
    /// Replace the entry (insert-or-replace).
    Replace,
    /// Leave it (insert-if-absent).
    Keep,
}

/// Where an insert's value comes from: made at most once, only when needed.
pub(crate) trait MakeValue<K, V> {
    fn make(self, key: &K) -> V;
}

/// A value given up front (it comes back unchanged when not inserted).
pub(crate) struct Given<V>(pub(crate) V);

impl<K, V> MakeValue<K, V> for Given<V> {
    #[inline]
    fn make(self, _key: &K) -> V {
        self.0
    }
}

/// A value made by a closure from the key.
pub(crate) struct With<F>(pub(crate) F);

impl<K, V, F: FnOnce(&K) -> V> MakeValue<K, V> for With<F> {
    #[inline]
    fn make(self, key: &K) -> V {
        (self.0)(key)
    }
}

/// Result of [`SkipList::insert_with`].
pub(crate) enum Inserted<'g, K, V, R: Reclaim, F> {
    /// The new node is in; `replaced` is the node it replaced, if any.
    Linked {
        new: NodeRef<'g, K, V, R>,
        replaced: Option<NodeRef<'g, K, V, R>>,
    },
    /// `OnPresent::Keep` found `existing`. The key comes back, with the value if it was made
    /// (`Ok`) or its source, unused (`Err`).
    Kept {
        existing: NodeRef<'g, K, V, R>,
        key: K,
        value: Result<V, F>,
    },
}

impl<K: Send, V: Send, C: Comparator<K>, R: Reclaim> SkipList<K, V, C, R> {
    /// Orders two stored keys.
    #[inline]
    pub(crate) fn order(&self) -> impl Fn(&K, &K) -> Cmp + '_ {
        |a, b| self.comparator.compare(a, b)
    }

    /// After `new` replaced `old` at level 0: links `new`'s upper levels, then finishes
    /// `old`'s removal; if a comparator panics in between, `old` is still retired (when its
    /// inserter was done) by an identity pass.
    fn link_upper_then_finish<'g>(
        &self,
        new: NodeRef<'g, K, V, R>,
        pos: &mut Position<'g, K, V, R>,
        old: NodeRef<'g, K, V, R>,
        done: bool,
        guard: &'g Guard<'_, R>,
    ) {
        let order = self.order();
        let unwinding = OnUnwind::new(|| {
            if done {
                self.unlink_by_identity_and_retire(old, guard);
            }
        });
        // `old` first: its predecessors then lead past it, where `new` is linked.
        self.snip_replaced(old, pos, guard);
        self.link_upper(new, pos, guard, &order);
        unwinding.disarm();
        self.finish_removal(old, done, Unlink::Snipped, guard, &order);
    }

    /// The live node whose key `cmp` (stored key against the probe) calls `Equal`.
    #[inline]
    pub(crate) fn get_by<'g>(&self, cmp: &impl Fn(&K) -> Cmp, guard: &'g Guard<'_, R>) -> Option<NodeRef<'g, K, V, R>> {
        match self.find_equal(cmp, guard) {
            Found::Present(node) => Some(node),
            Found::Absent => None,
        }
    }

    /// Inserts `key → make(&key)`. `make` runs at most once, when the key was absent at a
    /// look (so its value may still be handed back if a racing insert wins with `Keep`).
    pub(crate) fn insert_with<'g, F: MakeValue<K, V>>(
        &self,
        key: K,
        make: F,
        on_present: OnPresent,
        guard: &'g Guard<'_, R>,
    ) -> Inserted<'g, K, V, R, F> {
        let order = self.order();
        // The key lives in `pending` until the node exists, then in the node (freed if a
        // comparator panics before the node is published).
        let mut pending = Some((key, make));
        let mut fresh = Unpublished::new();
        loop {
            let new = fresh.get();
            let probe: &K = match (&pending, new) {
                (Some((key, _)), _) => key,
                // SAFETY: `new` is ours, live and unpublished.
                (None, Some(node)) => &unsafe { node::entry(node) }.key,
                (None, None) => unreachable!("the key is pending or in the node"),
            };
            let mut pos = self.find(&|k| order(k, probe) == Cmp::Less, 1, guard);
            let succ = pos.succs[0].with_tag(0);
            // SAFETY: `succ` is live under the guard when not null.
            let present = !succ.is_null() && order(&unsafe { node::entry(succ) }.key, probe) == Cmp::Equal;
            if present && on_present == OnPresent::Keep {
                let (key, value) = match (pending.take(), new) {
                    (Some((key, make)), _) => (key, Err(make)),
                    (None, Some(node)) => {
                        fresh.forget();
                        // SAFETY: `new` was never published.
                        let (key, value) = unsafe { node::take_unpublished(node) };
                        (key, Ok(value))
                    }
                    (None, None) => unreachable!("the key is pending or in the node"),
                };
                return Inserted::Kept { existing: succ, key, value };
            }
            let node = match new {
                Some(node) => node,
                None => {
                    let (key, make) = pending.take().expect("pending until the node exists");
                    let value = make.make(&key);
                    let node = self.new_node(key, value, guard);
                    fresh.set(node);
                    node
                }
            };
            if present {
                if let Some(done) = self.replace(succ, node, guard) {
                    fresh.forget();
                    self.link_upper_then_finish(node, &mut pos, succ, done, guard);
                    return Inserted::Linked { new: node, replaced: Some(succ) };
                }
            } else if self.link_bottom(node, &pos, guard) {
                fresh.forget();
                self.link_upper(node, &mut pos, guard, &order);
                return Inserted::Linked { new: node, replaced: None };
            }
        }
    }

    /// Replaces the entry of a present key by `key → value` if `accept(current value)` holds,
    /// in one CAS (the new node replaces the old one). `Ok(old)` on success; `Err` hands the
    /// pair back when the key is absent or `accept` refuses.
    pub(crate) fn replace_if<'g>(
        &self,
        key: K,
        value: V,
        accept: impl Fn(&V) -> bool,
        guard: &'g Guard<'_, R>,
    ) -> Result<NodeRef<'g, K, V, R>, (K, V)> {
        let order = self.order();
        let mut pending = Some((key, value));
        let mut fresh = Unpublished::new();
        loop {
            let new = fresh.get();
            let probe: &K = match (&pending, new) {
                (Some((key, _)), _) => key,
                // SAFETY: `new` is ours, live and unpublished.
                (None, Some(node)) => &unsafe { node::entry(node) }.key,
                (None, None) => unreachable!("the key is pending or in the node"),
            };
            let found = match self.find_equal(&|k| order(k, probe), guard) {
                Found::Present(old) => Some(old),
                Found::Absent => None,
            };
            // SAFETY: `old` is live under the guard.
            let Some(old) = found.filter(|old| accept(&unsafe { node::entry(*old) }.value)) else {
                fresh.forget();
                return Err(match (pending, new) {
                    (Some(pair), _) => pair,
                    // SAFETY: the node was never published.
                    (None, Some(node)) => unsafe { node::take_unpublished(node) },
                    (None, None) => unreachable!("the pair is pending or in the node"),
                });
            };
            let node = match new {
                Some(node) => node,
                None => {
                    let (key, value) = pending.take().expect("pending until the node exists");
                    let node = self.new_node(key, value, guard);
                    fresh.set(node);
                    node
                }
            };
            if let Some(done) = self.replace(old, node, guard) {
                fresh.forget();
                // SAFETY: `node` is live under the guard (IBR covers it since allocation).
                let key = &unsafe { node::entry(node) }.key;
                // A panic in this `find` must not strand either node.
                let unwinding = OnUnwind::new(|| {
                    self.finish_insert_unwinding(node, guard);
                    if done {
                        self.unlink_by_identity_and_retire(old, guard);
                    }
                });
                let mut pos = self.find(&|k| order(k, key) == Cmp::Less, 1, guard);
                unwinding.disarm();
                self.link_upper_then_finish(node, &mut pos, old, done, guard);
                return Ok(old);
            }
        }
    }

    /// Removes the live node whose key `cmp` calls `Equal`.
    ///
    /// The search records the node's predecessors, so the removal unlinks it with one CAS
    /// per level instead of a second search (which runs only if one of them loses).
    pub(crate) fn remove_by<'g>(&self, cmp: &impl Fn(&K) -> Cmp, guard: &'g Guard<'_, R>) -> Option<NodeRef<'g, K, V, R>> {
        loop {
            // Absent: linearized at the read of the level-0 predecessor's link (`find`).
            let pos = self.find(&|k| cmp(k) == Cmp::Less, 1, guard);
            let node = pos.succs[0].with_tag(0);
            // SAFETY: `node` is live under the guard when not null.
            if node.is_null() || cmp(&unsafe { node::entry(node) }.key) != Cmp::Equal {
                return None;
            }
            if let Some(done) = self.mark(node, guard) {
                self.finish_removal(node, done, Unlink::At(&pos), guard, &self.order());
                return Some(node);
            }
        }
    }

    /// Removes `node` if it is still live (the entry API's remove).
    pub(crate) fn remove_node<'g>(&self, node: NodeRef<'g, K, V, R>, guard: &'g Guard<'_, R>) -> bool {
        match self.mark(node, guard) {
            Some(done) => {
                self.finish_removal(node, done, Unlink::Search, guard, &self.order());
                true
            }
            None => false,
        }
    }

    /// Removes the first node (it was first at the traversal's read; see the map's docs).
    pub(crate) fn pop_first<'g>(&self, guard: &'g Guard<'_, R>) -> Option<NodeRef<'g, K, V, R>> {
        loop {
            let node = self.first(guard)?;
            if self.remove_node(node, guard) {
                return Some(node);
            }
        }
    }

    /// Removes the last node, linearized while nothing follows it.
    pub(crate) fn pop_last<'g>(&self, guard: &'g Guard<'_, R>) -> Option<NodeRef<'g, K, V, R>> {
        loop {
            let node = self.last(guard)?;
            if let Some(done) = self.mark_if_last(node, guard) {
                self.finish_removal(node, done, Unlink::Search, guard, &self.order());
                return Some(node);
            }
        }
    }

    /// The live node nearest the probe in direction `toward` (`cmp`: stored key against the
    /// probe).
    pub(crate) fn navigate_by<'g>(
        &self,
        cmp: &impl Fn(&K) -> Cmp,
        toward: Toward,
        guard: &'g Guard<'_, R>,
    ) -> Option<NodeRef<'g, K, V, R>> {
        let advance = |k: &K| match toward {
            Toward::Lower | Toward::Ceiling => cmp(k) == Cmp::Less,
            Toward::Floor | Toward::Higher => cmp(k) != Cmp::Greater,
        };
        let pos = self.find(&advance, 1, guard);
        match toward {
            Toward::Lower | Toward::Floor => pos.pred_node,
            Toward::Ceiling | Toward::Higher => {
                let succ = pos.succs[0].with_tag(0);
                (!succ.is_null()).then_some(succ)
            }
        }
    }
}
