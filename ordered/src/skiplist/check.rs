//! The structure check the tests run at quiescence ([`SkipList::check`]).

use core::cmp::Ordering as Cmp;

use ccol_reclaim::Reclaim;

use super::{
    list::SkipList,
    node::{self, LINKED, MARK, MAX_HEIGHT, Node, UNLINKED},
};
use crate::sync::atomic::Ordering;

impl<K, V, C: crate::comparator::Comparator<K>, R: Reclaim> SkipList<K, V, C, R> {
    /// Checks the structure with exclusive access (tests): level 0 strictly increasing with no
    /// marked or unlinked-flagged node; every level non-decreasing; every node linked at a
    /// level `i ≥ 1` is linked at level 0 (a retired node linked anywhere fails this) and
    /// flagged `LINKED` there; every unmarked link at level `i ≥ 1` leads to a node live and
    /// linked at level `i − 1`; the counter matches. Returns the number of entries.
    ///
    /// # Errors
    ///
    /// A description of the first broken invariant.
    pub(crate) fn check(&mut self) -> Result<usize, alloc::string::String> {
        use alloc::{collections::BTreeSet, format};
        let mut below: BTreeSet<usize> = BTreeSet::new();
        let mut bottom: BTreeSet<usize> = BTreeSet::new();
        let mut count = 0;
        for level in 0..MAX_HEIGHT {
            let mut here = BTreeSet::new();
            // Relaxed: exclusive access.
            let mut curr = self.head_link(level).load_raw(Ordering::Relaxed);
            let mut prev: Option<*mut Node<K, V>> = None;
            while !curr.is_null() {
                // SAFETY: exclusive access; every linked node is live.
                let (link, node) = unsafe {
                    let first = node::tower_of_value::<K, V, R>(curr);
                    (&*first.add(level), &*curr)
                };
                // Relaxed: exclusive access.
                let tag = link.tag(Ordering::Relaxed);
                let marked = tag & MARK != 0;
                if let Some(prev) = prev {
                    // SAFETY: as above.
                    let order = self.comparator.compare(unsafe { &(*prev).key }, &node.key);
                    let ok = if level == 0 { order == Cmp::Less } else { order != Cmp::Greater };
                    if !ok {
                        return Err(format!("level {level}: keys out of order"));
                    }
                }
                if level == 0 && (marked || tag & UNLINKED != 0) {
                    return Err(alloc::string::String::from("level 0: a removed node is still linked"));
                }
                if level > 0 && !bottom.contains(&(curr as usize)) {
                    return Err(format!("level {level}: a node not linked at level 0 (retired?)"));
                }
                if level > 0 && tag & LINKED == 0 {
                    return Err(format!("level {level}: a linked node not flagged LINKED"));
                }
                if level > 0 && !marked && !below.contains(&(curr as usize)) {
                    return Err(format!("level {level}: a live link to a node missing below"));
                }
                if level == 0 || !marked {
                    here.insert(curr as usize);
                }
                if level == 0 {
                    count += 1;
                }
                prev = Some(curr);
                // Relaxed: exclusive access.
                curr = link.load_raw(Ordering::Relaxed);
            }
            if level == 0 {
                bottom.clone_from(&here);
            }
            below = here;
        }
        if count != self.len() {
            return Err(format!("len() is {} but {count} entries are linked", self.len()));
        }
        Ok(count)
    }
}
