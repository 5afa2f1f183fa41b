//! The double-ended range cursor every iterator of the crate drives: weakly consistent,
//! strictly monotonic in each direction, the two ends never crossing.
//!
//! - **Forward**, a step follows level-0 links from the last node yielded. A removed node's
//!   frozen link still leads forward, so removals never derail the walk; a node is yielded
//!   only if its level-0 link is unmarked when read and its key is greater than the last key
//!   yielded (a replacement node follows the node it replaced with the same key: the key
//!   check skips it, so no key is yielded twice).
//! - **Backward**, a step is a search for the greatest live key below the last one yielded
//!   (the list has no back links): O(log n) per step.
//! - Each end stops at the range bound or at the other end's last key, whichever comes first.
//!
//! Weak consistency, as for Java's concurrent collections: every entry yielded was live
//! during the iteration; an entry live throughout it (and in range) is yielded; entries
//! inserted or removed meanwhile may or may not be.

use core::{
    cmp::Ordering as Cmp,
    marker::PhantomData,
    ops::{Bound, RangeBounds},
};

use ccol_reclaim::{Guard, Reclaim, Shared};

use super::{
    list::{NodeRef, SkipList},
    node::{self, MARK, Node},
    ops::Toward,
};
use crate::{
    comparator::{CompareBorrowed, Comparator},
    sync::atomic::Ordering,
};

/// One end of the cursor.
#[derive(Clone, Copy, Debug)]
struct End<K, V> {
    /// The last node yielded from this end (a value pointer: valid while the iterator's guard
    /// lives); `None` before the first.
    last: Option<*const Node<K, V>>,
    /// This end is exhausted.
    done: bool,
}

impl<K, V> End<K, V> {
    const START: Self = Self { last: None, done: false };
}

/// A range cursor over keys within `bounds` (of probe type `Q`).
pub(crate) struct RangeCursor<K, V, Q: ?Sized, B> {
    bounds: B,
    front: End<K, V>,
    back: End<K, V>,
    _probe: PhantomData<fn(&Q)>,
}

impl<K, V, Q: ?Sized, B: RangeBounds<Q>> RangeCursor<K, V, Q, B> {
    pub(crate) fn new(bounds: B) -> Self {
        Self {
            bounds,
            front: End::START,
            back: End::START,
            _probe: PhantomData,
        }
    }

    /// The node at an end, under `guard`.
    ///
    /// # Safety
    ///
    /// `end` was yielded under a guard that still protects it and outlives `'g`.
    unsafe fn node<'g, R: Reclaim>(value: *const Node<K, V>, _guard: &'g Guard<'_, R>) -> NodeRef<'g, K, V, R> {
        // SAFETY: forwarded from the contract.
        unsafe { Shared::from_value_ptr(value) }
    }

    /// The next node from the front.
    ///
    /// # Safety
    ///
    /// Every call on this cursor passes guards of `list`'s domain that are the same guard or
    /// nested inside one that has been active since the first call (the nodes the cursor
    /// keeps stay protected).
    pub(crate) unsafe fn next<'g, C, R: Reclaim>(
        &mut self,
        list: &SkipList<K, V, C, R>,
        guard: &'g Guard<'_, R>,
    ) -> Option<NodeRef<'g, K, V, R>>
    where
        K: Send,
        V: Send,
        C: Comparator<K> + CompareBorrowed<K, Q>,
    {
        let order = list.order();
        if self.front.done {
            return None;
        }
        let candidate = match self.front.last {
            None => match self.bounds.start_bound() {
                Bound::Included(q) => {
                    list.navigate_by(&|k| list.comparator.compare_borrowed(k, q), Toward::Ceiling, guard)
                }
                Bound::Excluded(q) => {
                    list.navigate_by(&|k| list.comparator.compare_borrowed(k, q), Toward::Higher, guard)
                }
                Bound::Unbounded => list.first(guard),
            },
            Some(last) => {
                // SAFETY: yielded under the guard (contract).
                let mut curr = unsafe { Self::node(last, guard) };
                // SAFETY: as above.
                let last_key = &unsafe { node::entry(curr) }.key;
                loop {
                    // SAFETY: `curr` is protected (yielded, or reached from it under the guard).
                    let next = unsafe { node::link(curr, 0) }.load(guard).with_tag(0);
                    if next.is_null() {
                        break None;
                    }
                    // SAFETY: reached under the guard.
                    let live = unsafe { node::link(next, 0) }.tag(Ordering::Acquire) & MARK == 0;
                    // SAFETY: as above.
                    if live && order(&unsafe { node::entry(next) }.key, last_key) == Cmp::Greater {
                        break Some(next);
                    }
                    curr = next;
                }
            }
        };
        let found = candidate.filter(|node| {
            // SAFETY: protected under the guard.
            let key = &unsafe { node::entry(*node) }.key;
            let below_end = match self.bounds.end_bound() {
                Bound::Included(q) => list.comparator.compare_borrowed(key, q) != Cmp::Greater,
                Bound::Excluded(q) => list.comparator.compare_borrowed(key, q) == Cmp::Less,
                Bound::Unbounded => true,
            };
            let before_back = self.back.last.is_none_or(|back| {
                // SAFETY: the back end's node is protected (contract).
                let back = unsafe { node::entry(Self::node(back, guard)) };
                order(key, &back.key) == Cmp::Less
            });
            below_end && before_back
        });
        match found {
            Some(node) => self.front.last = Some(node.as_raw()),
            None => self.front.done = true,
        }
        found
    }

    /// The next node from the back.
    ///
    /// # Safety
    ///
    /// As [`next`](Self::next).
    pub(crate) unsafe fn next_back<'g, C, R: Reclaim>(
        &mut self,
        list: &SkipList<K, V, C, R>,
        guard: &'g Guard<'_, R>,
    ) -> Option<NodeRef<'g, K, V, R>>
    where
        K: Send,
        V: Send,
        C: Comparator<K> + CompareBorrowed<K, Q>,
    {
        let order = list.order();
        if self.back.done {
            return None;
        }
        let candidate = match self.back.last {
            None => match self.bounds.end_bound() {
                Bound::Included(q) => {
                    list.navigate_by(&|k| list.comparator.compare_borrowed(k, q), Toward::Floor, guard)
                }
                Bound::Excluded(q) => {
                    list.navigate_by(&|k| list.comparator.compare_borrowed(k, q), Toward::Lower, guard)
                }
                Bound::Unbounded => list.last(guard),
            },
            Some(last) => {
                // SAFETY: yielded under the guard (contract).
                let last_key = &unsafe { node::entry(Self::node(last, guard)) }.key;
                list.navigate_by(&|k| order(k, last_key), Toward::Lower, guard)
            }
        };
        let found = candidate.filter(|node| {
            // SAFETY: protected under the guard.
            let key = &unsafe { node::entry(*node) }.key;
            let above_start = match self.bounds.start_bound() {
                Bound::Included(q) => list.comparator.compare_borrowed(key, q) != Cmp::Less,
                Bound::Excluded(q) => list.comparator.compare_borrowed(key, q) == Cmp::Greater,
                Bound::Unbounded => true,
            };
            let after_front = self.front.last.is_none_or(|front| {
                // SAFETY: the front end's node is protected (contract).
                let front = unsafe { node::entry(Self::node(front, guard)) };
                order(key, &front.key) == Cmp::Greater
            });
            above_start && after_front
        });
        match found {
            Some(node) => self.back.last = Some(node.as_raw()),
            None => self.back.done = true,
        }
        found
    }
}
