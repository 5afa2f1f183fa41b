#![doc = include_str!("../README.md")]
#![no_std]
#![doc(test(
    no_crate_inject,
    attr(deny(warnings), allow(dead_code, unused_variables))
))]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![warn(missing_docs)]

#[cfg(any(feature = "alloc", test))]
extern crate alloc;
#[cfg(any(feature = "std", test))]
extern crate std;

use ccol_atomics::sync;

/// Applies `LockFreeQueue`'s availability condition (an allocator, a reclamation scheme with
/// its 64-bit atomics, and 64-bit pointers for the segments' finalization bit) to every item
/// it wraps.
macro_rules! cfg_if_reclaimed {
    ($($item:item)*) => {
        $(
            #[cfg(all(
                feature = "alloc",
                target_has_atomic = "64",
                target_pointer_width = "64",
                any(feature = "ibr", feature = "debra")
            ))]
            #[cfg_attr(
                docsrs,
                doc(cfg(all(any(feature = "ibr", feature = "debra"), target_pointer_width = "64")))
            )]
            $item
        )*
    };
}

mod error;
#[cfg(all(
    feature = "std",
    any(target_has_atomic = "ptr", feature = "portable-atomic")
))]
mod event;
mod queue;
mod stats;
// The rings need word-sized compare-and-swap: native, or from portable-atomic.
#[cfg(any(target_has_atomic = "ptr", feature = "portable-atomic"))]
mod ring;
#[cfg(any(target_has_atomic = "ptr", feature = "portable-atomic"))]
mod scqd;
#[cfg(any(target_has_atomic = "ptr", feature = "portable-atomic"))]
mod static_queue;

#[cfg(all(
    feature = "alloc",
    any(target_has_atomic = "ptr", feature = "portable-atomic")
))]
mod bounded;

#[cfg(all(
    feature = "alloc",
    any(target_has_atomic = "ptr", feature = "portable-atomic")
))]
#[cfg_attr(docsrs, doc(cfg(feature = "alloc")))]
pub use bounded::BoundedQueue;
cfg_if_reclaimed! {
    mod lock_free_queue;
    mod lscq;

    pub use lock_free_queue::{DEFAULT_SEGMENT_CAPACITY, LockFreeQueue};
}

pub use error::{PopError, PushError};
pub use queue::Queue;
#[cfg(any(target_has_atomic = "ptr", feature = "portable-atomic"))]
pub use static_queue::StaticQueue;
#[cfg(feature = "stats")]
#[cfg_attr(docsrs, doc(cfg(feature = "stats")))]
pub use stats::QueueStats;
