//! Lock-free skip lists: [`SkipListMap`] (and the set on the same core), generic over key,
//! value, comparator and reclamation scheme.
//!
//! The core is in [`list`] (algorithm, linearization points, the retire handshake, memory
//! orderings), the node layout in `node` (towers inline, flags in tag bits: no per-node
//! field besides key, value and links), unlinking and retiring removed nodes in `removal`,
//! iteration in `cursor`.

mod check;
pub(crate) mod cursor;
mod height;
pub mod list;
mod map;
pub(crate) mod node;
pub(crate) mod ops;
mod pinned;
#[cfg(all(test, feature = "std"))]
mod read_path_tests;
mod removal;
mod set;
mod stats;
mod unwind;

#[cfg(feature = "std")]
pub(crate) mod entry;

#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub use entry::{Entry, Range};
pub use map::SkipListMap;
pub use pinned::{Occupied, PinnedMap, PinnedRange};
pub use set::{PinnedSet, SetRange, SkipListSet};
#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
pub use set::{SetEntries, SetEntry};
#[cfg(feature = "stats")]
#[cfg_attr(docsrs, doc(cfg(feature = "stats")))]
pub use stats::SkipListStats;
