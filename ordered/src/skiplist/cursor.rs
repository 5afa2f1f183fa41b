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
//! - Each end stops at the range bound or at the other end's last key, whichever comes first;
//!   once one end finds nothing, both are done (fused).
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
use crate::comparator::{CompareBorrowed, Comparator};

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

    /// One end found nothing between its last key and the other end (or the bound): the
    /// iteration is over for both (the iterator is fused; entries inserted later are not
    /// picked up by the other end).
    fn finish(&mut self) {
        self.front.done = true;
        self.back.done = true;
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
        if self.front.done {
            return None;
        }
        let candidate = match self.front.last {
            None => {
                let toward = [Toward::Ceiling, Toward::Higher];
                seek(list, self.bounds.start_bound(), toward, || list.first(guard), guard)
            }
            Some(last) => {
                // SAFETY: yielded under the guard (contract).
                let last = unsafe { Self::node(last, guard) };
                // SAFETY: as above.
                let last_key = &unsafe { node::entry(last) }.key;
                Self::step_forward(list, last, last_key, guard)
            }
        };
        let found = candidate.filter(|node| {
            // SAFETY: protected under the guard.
            let key = &unsafe { node::entry(*node) }.key;
            // SAFETY: the back end's node is protected (contract).
            inside(list, key, self.bounds.end_bound(), Cmp::Greater)
                && unsafe { short_of(list, key, self.back.last, Cmp::Less) }
        });
        match found {
            Some(node) => self.front.last = Some(node.as_raw()),
            None => self.finish(),
        }
        found
    }

    /// The first live node after `last` (the last node yielded) with a key above `last_key`.
    ///
    /// Follows level-0 links while they are unmarked. A removed node's frozen link is followed
    /// only under DEBRA (which protects everything retired since the pin); under IBR it may
    /// lead to a node freed after the guard's reservation was taken, so the step becomes a
    /// search for the least key above `last_key`, which unlinks removed nodes on its way.
    fn step_forward<'g, C, R: Reclaim>(
        list: &SkipList<K, V, C, R>,
        last: NodeRef<'g, K, V, R>,
        last_key: &K,
        guard: &'g Guard<'_, R>,
    ) -> Option<NodeRef<'g, K, V, R>>
    where
        K: Send,
        V: Send,
        C: Comparator<K>,
    {
        let order = list.order();
        let search = || list.navigate_by(&|k| order(k, last_key), Toward::Higher, guard);
        // SAFETY: `last` is protected (yielded under the guard).
        let mut word = unsafe { node::link(last, 0) }.load(guard);
        loop {
            if word.tag() & MARK != 0 && R::BOUNDED_UNDER_STALL {
                return search();
            }
            let next = word.with_tag(0);
            if next.is_null() {
                return None;
            }
            // SAFETY: read from a link that was unmarked (or, under DEBRA, from any node
            // reached under the guard).
            let next_word = unsafe { node::link(next, 0) }.load(guard);
            let live = next_word.tag() & MARK == 0;
            // SAFETY: as above.
            if live && order(&unsafe { node::entry(next) }.key, last_key) == Cmp::Greater {
                return Some(next);
            }
            word = next_word;
        }
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
            None => {
                let toward = [Toward::Floor, Toward::Lower];
                seek(list, self.bounds.end_bound(), toward, || list.last(guard), guard)
            }
            Some(last) => {
                // SAFETY: yielded under the guard (contract).
                let last_key = &unsafe { node::entry(Self::node(last, guard)) }.key;
                list.navigate_by(&|k| order(k, last_key), Toward::Lower, guard)
            }
        };
        let found = candidate.filter(|node| {
            // SAFETY: protected under the guard.
            let key = &unsafe { node::entry(*node) }.key;
            // SAFETY: the front end's node is protected (contract).
            inside(list, key, self.bounds.start_bound(), Cmp::Less)
                && unsafe { short_of(list, key, self.front.last, Cmp::Greater) }
        });
        match found {
            Some(node) => self.back.last = Some(node.as_raw()),
            None => self.finish(),
        }
        found
    }
}

/// The first node an end meets when it starts at `bound`: navigation `toward[0]` for an
/// included bound, `toward[1]` for an excluded one, `unbounded()` for none.
fn seek<'g, K, V, Q, C, R>(
    list: &SkipList<K, V, C, R>,
    bound: Bound<&Q>,
    toward: [Toward; 2],
    unbounded: impl FnOnce() -> Option<NodeRef<'g, K, V, R>>,
    guard: &'g Guard<'_, R>,
) -> Option<NodeRef<'g, K, V, R>>
where
    K: Send,
    V: Send,
    Q: ?Sized,
    C: Comparator<K> + CompareBorrowed<K, Q>,
    R: Reclaim,
{
    let (q, toward) = match bound {
        Bound::Included(q) => (q, toward[0]),
        Bound::Excluded(q) => (q, toward[1]),
        Bound::Unbounded => return unbounded(),
    };
    list.navigate_by(&|k| list.comparator.compare_borrowed(k, q), toward, guard)
}

/// Whether `key` lies on the range's side of `bound`; `beyond` is how a key past the bound
/// compares with it (`Greater` for the end bound, `Less` for the start bound).
fn inside<K, V, Q, C, R>(list: &SkipList<K, V, C, R>, key: &K, bound: Bound<&Q>, beyond: Cmp) -> bool
where
    Q: ?Sized,
    C: CompareBorrowed<K, Q>,
    R: Reclaim,
{
    match bound {
        Bound::Included(q) => list.comparator.compare_borrowed(key, q) != beyond,
        Bound::Excluded(q) => list.comparator.compare_borrowed(key, q) == beyond.reverse(),
        Bound::Unbounded => true,
    }
}

/// Whether `key` has not reached the other end's last key `other`: it compares with it as
/// `toward_other` (`Less` from the front, `Greater` from the back). True while the other
/// end has yielded nothing.
///
/// # Safety
///
/// `other`, when set, was yielded under a guard that still protects it.
unsafe fn short_of<K, V, C, R>(
    list: &SkipList<K, V, C, R>,
    key: &K,
    other: Option<*const Node<K, V>>,
    toward_other: Cmp,
) -> bool
where
    C: Comparator<K>,
    R: Reclaim,
{
    other.is_none_or(|other| {
        // SAFETY: protected (contract); `other` is a value pointer the cursor kept.
        let other = unsafe { node::entry::<K, V, R>(Shared::from_value_ptr(other)) };
        list.comparator.compare(key, &other.key) == toward_other
    })
}
