//! Counters of the `stats` feature and their snapshot, [`SkipListStats`].
//!
//! Without the feature, [`Stats`] is empty and `stat!` expands to nothing, so the hot paths
//! carry no counter code. With it, every counter is a `Relaxed` increment of a shared word,
//! which costs cache-line traffic between threads (and one increment per node traversed):
//! measure throughput without it.

#[cfg(feature = "stats")]
use super::node::MAX_HEIGHT;
#[cfg(feature = "stats")]
use crate::sync::atomic::{AtomicU64, Ordering};

/// Increments one counter (`stat!(stats => field)`, or `stat!(stats => field[index])`), or
/// nothing without the `stats` feature (and under loom, where counters would only grow the
/// state space).
macro_rules! stat {
    ($stats:expr => $field:ident) => {
        #[cfg(all(feature = "stats", not(ccol_loom)))]
        {
            $stats.$field.increment();
        }
    };
    ($stats:expr => $field:ident[$index:expr]) => {
        #[cfg(all(feature = "stats", not(ccol_loom)))]
        {
            $stats.$field[$index].increment();
        }
    };
}
pub(crate) use stat;

/// One `Relaxed` counter.
#[cfg(feature = "stats")]
#[derive(Debug, Default)]
pub(crate) struct Counter(AtomicU64);

#[cfg(feature = "stats")]
impl Counter {
    #[inline]
    #[cfg_attr(ccol_loom, allow(dead_code, reason = "counters are off under loom"))]
    pub(crate) fn increment(&self) {
        // Relaxed: a statistic; nothing is ordered by it.
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    fn get(&self) -> u64 {
        // Relaxed: as above.
        self.0.load(Ordering::Relaxed)
    }
}

/// The counters of one skip list (empty without the `stats` feature).
#[derive(Debug, Default)]
pub(crate) struct Stats {
    /// Nodes allocated, by height − 1.
    #[cfg(feature = "stats")]
    pub(crate) heights: [Counter; MAX_HEIGHT],
    /// Failed CAS on any link (insert, replace, upper-level link, unlink).
    #[cfg(feature = "stats")]
    pub(crate) cas_failures: Counter,
    /// Traversals restarted from the top, and insert/remove attempts begun again.
    #[cfg(feature = "stats")]
    pub(crate) retries: Counter,
    /// Marked nodes a traversal unlinked at some level (helping, or a remover's own pass).
    #[cfg(feature = "stats")]
    pub(crate) unlinks: Counter,
    /// Nodes a traversal stepped over (lookups included).
    #[cfg(feature = "stats")]
    pub(crate) traversed: Counter,
    /// Operations that traversed (for averages).
    #[cfg(feature = "stats")]
    pub(crate) traversals: Counter,
}

#[cfg(feature = "stats")]
impl Stats {
    pub(crate) fn snapshot(&self) -> SkipListStats {
        SkipListStats {
            level_histogram: core::array::from_fn(|i| self.heights[i].get()),
            cas_failures: self.cas_failures.get(),
            retries: self.retries.get(),
            helping_unlinks: self.unlinks.get(),
            nodes_traversed: self.traversed.get(),
            traversals: self.traversals.get(),
        }
    }
}

/// A snapshot of a skip list's counters (`stats` feature): each read with `Relaxed`, so the
/// fields may come from slightly different moments under concurrency.
#[cfg(feature = "stats")]
#[cfg_attr(docsrs, doc(cfg(feature = "stats")))]
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SkipListStats {
    /// Nodes allocated so far by height: `level_histogram[h − 1]` nodes had height `h`
    /// (expected: half at 1, each next level half the previous).
    pub level_histogram: [u64; MAX_HEIGHT],
    /// Failed compare-and-swaps on links (contention).
    pub cas_failures: u64,
    /// Traversals restarted from the top and operations begun again after losing a race.
    pub retries: u64,
    /// Removed nodes unlinked at some level by traversals (helping) and removers' passes.
    pub helping_unlinks: u64,
    /// Nodes stepped over by traversals.
    pub nodes_traversed: u64,
    /// Traversals counted in `nodes_traversed` (`nodes_traversed / traversals` is the mean
    /// path length).
    pub traversals: u64,
}
