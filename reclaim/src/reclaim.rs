//! The [`Reclaim`] trait: what a data structure is generic over.
//!
//! A scheme is a zero-sized type ([`Ibr`](crate::Ibr), [`Debra`](crate::Debra)) naming a
//! protocol; the state lives in a [`Domain<R>`](crate::Domain). The trait is sealed: the
//! unsafe machinery of each scheme is crate-internal and dispatched on [`Reclaim::KIND`] at
//! compile time (every `match` on it is resolved by monomorphization), so adding a scheme
//! is a change to this crate, never to a data structure.
//!
//! # The contract between a data structure and its scheme
//!
//! A data structure allocates its nodes as [`Owned<T, R>`](crate::Owned) through its domain,
//! publishes them in [`Atomic<T, R>`](crate::Atomic) links, reads links only inside a
//! [`Guard`](crate::Guard) and only through [`Atomic::load`](crate::Atomic::load) (the
//! *protected* load: under IBR it extends the reader's reservation to cover what it returns),
//! and hands every node it removes to [`Guard::retire`](crate::Guard::retire).
//!
//! **Before retiring** an object the structure guarantees:
//! 1. *Unlinked*: no shared location from which a thread that pins **after** this point can
//!    reach the object still points to it (threads already pinned may still hold it).
//! 2. *Retired once*: exactly one thread retires it (the one whose CAS unlinked it).
//! 3. *Same domain*: it was allocated as `Owned<T, R>` in the domain it is retired to.
//!
//! **Afterwards** the structure may assume: the object stays valid for every guard that was
//! active when it was unlinked (and, under IBR, for every guard whose reservation covers its
//! lifetime), and is dropped exactly once, by some thread, at some later point; at the latest
//! when the domain is dropped. It must not touch the object after its own guard ends.
//!
//! Room for what comes next: DEBRA+ neutralization needs operations split into a read phase
//! (no writes, no allocation) and a write phase. The split will be a capability trait next to
//! this one, implemented only by that scheme; IBR and DEBRA will implement it as a direct call.

use core::fmt;

/// A memory reclamation scheme: the type parameter every ccol data structure takes.
///
/// Implemented by [`Ibr`](crate::Ibr) (feature `ibr`) and [`Debra`](crate::Debra) (feature
/// `debra`); sealed. See the [module docs](self) for what a data structure must guarantee
/// before it retires an object, and the [`guide`](crate::guide) for choosing a scheme.
pub trait Reclaim:
    sealed::Sealed + Copy + Default + fmt::Debug + Send + Sync + Unpin + 'static
{
    /// Per-object header stored behind every node's value: the birth epoch under IBR, nothing
    /// (zero bytes, pointer alignment) under DEBRA.
    type Header: Header;

    /// The scheme's name as used in benchmark and stats output (`"ibr"`, `"debra"`).
    const NAME: &'static str;

    /// Whether a stalled reader pins only a bounded amount of garbage (IBR: yes; DEBRA: no, a
    /// reader stalled inside a guard stops all reclamation in its domain).
    const BOUNDED_UNDER_STALL: bool;

    /// Which protocol the crate-internal machinery runs. Not part of the public API.
    #[doc(hidden)]
    const KIND: Kind;
}

/// The protocols a [`Reclaim`] type can name (crate-internal dispatch key).
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// 2GE interval-based reclamation.
    #[cfg(feature = "ibr")]
    Ibr,
    /// DEBRA distributed epochs.
    #[cfg(feature = "debra")]
    Debra,
}

/// The per-object header a scheme keeps behind each node's value (sealed).
pub trait Header: sealed::Sealed + Copy + Send + Sync + fmt::Debug + 'static {
    /// The header of an object allocated while the domain's epoch is `epoch`.
    #[doc(hidden)]
    fn at_epoch(epoch: u64) -> Self;

    /// The birth epoch the header records (0 where the scheme keeps none, which is the most
    /// conservative answer: born before everything).
    #[doc(hidden)]
    fn birth(&self) -> u64;
}

/// IBR's header: the epoch the object was allocated in.
#[derive(Clone, Copy, Debug)]
pub struct BirthEpoch(u64);

impl Header for BirthEpoch {
    #[inline(always)]
    fn at_epoch(epoch: u64) -> Self {
        Self(epoch)
    }

    #[inline(always)]
    fn birth(&self) -> u64 {
        self.0
    }
}

/// DEBRA's header: zero bytes, aligned like a pointer so every node keeps at least two tag
/// bits (three on 64-bit targets) even when `T` has alignment 1.
#[derive(Clone, Copy, Debug)]
pub struct NoHeader([usize; 0]);

impl Header for NoHeader {
    #[inline(always)]
    fn at_epoch(_epoch: u64) -> Self {
        Self([])
    }

    #[inline(always)]
    fn birth(&self) -> u64 {
        0
    }
}

pub(crate) mod sealed {
    /// Seals [`Reclaim`](super::Reclaim) and [`Header`](super::Header).
    pub trait Sealed {}
    impl Sealed for super::BirthEpoch {}
    impl Sealed for super::NoHeader {}
}

/// The epoch value meaning "no reservation" (IBR) and "not stamped yet" (a retired entry).
///
/// Epochs are `u64` and advance by one (IBR) or two (DEBRA) at most once per
/// `epoch_frequency` retirements of a participant. Advances are compare-exchanges that stop at
/// [`MAX_EPOCH`], 2^62 − 2, rather than wrap (even at one advance per nanosecond, 146 years
/// away): should the limit ever be reached, memory stays safe and only reclamation of objects
/// retired from then on stops.
pub(crate) const INACTIVE: u64 = u64::MAX;

/// The largest epoch an advance may produce (see [`INACTIVE`]); below IBR's `REVOKING` bit,
/// bit 63, so an epoch with that bit set is never confused with a published one.
pub(crate) const MAX_EPOCH: u64 = (1 << 62) - 2;
