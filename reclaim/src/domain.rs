//! [`Domain`]: the reclamation state of one data structure (or of several that share it).

use core::{fmt, marker::PhantomData};

use ccol_arch::{CachePadded, config::Config};

use crate::{
    guard::Handle,
    reclaim::{Kind, Reclaim},
    registry::{Registry, Slot},
    retired::{free_batch, free_unconditionally},
    stats::stat,
    sync::atomic::{AtomicU64, Ordering},
};

/// Calls `<scheme module>::imp::$f(args)` for the scheme `$kind` names.
macro_rules! dispatch {
    ($kind:expr, $f:ident ( $($arg:expr),* $(,)? )) => {
        match $kind {
            #[cfg(feature = "ibr")]
            $crate::reclaim::Kind::Ibr => $crate::ibr::imp::$f($($arg),*),
            #[cfg(feature = "debra")]
            $crate::reclaim::Kind::Debra => $crate::debra::imp::$f($($arg),*),
        }
    };
}
pub(crate) use dispatch;

/// `register` found every slot of a domain built with a participant limit taken.
///
/// Recoverable: drop a [`Handle`] (or let a thread with a thread-local participant exit) and
/// try again, or build the domain with a higher limit. It can also be reported, transiently,
/// when the only free slot is claimed for a moment by a flush adopting its garbage.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RegistryFull {
    /// The domain's participant limit.
    pub max_participants: usize,
}

impl fmt::Display for RegistryFull {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "all {} participant slots of the reclamation domain are taken",
            self.max_participants
        )
    }
}

impl core::error::Error for RegistryFull {}

/// The scheme-independent state of a domain.
#[cfg_attr(
    not(feature = "ibr"),
    allow(dead_code, reason = "IBR-only fields when IBR is not compiled in")
)]
pub(crate) struct Core {
    /// The global epoch (IBR: +1 per advance, starts at 1; DEBRA: +2 per advance, starts at 2,
    /// bit 0 is the quiescent flag of announcements).
    pub(crate) epoch: CachePadded<AtomicU64>,
    pub(crate) registry: Registry,
    /// Retirements between two IBR scans.
    pub(crate) retire_threshold: usize,
    /// Retirements of one participant between two epoch-advance attempts (IBR).
    pub(crate) epoch_frequency: usize,
    /// IBR may leave reservations published between guards (`Config::sticky_reservations`;
    /// in effect only where `barrier::available()`). The same for every participant of the
    /// domain: a revocation is only correct if no participant announces its guards otherwise.
    pub(crate) sticky_reservations: bool,
    /// Identity for thread-local participants (0 until the first `Domain::pin`).
    #[cfg(feature = "std")]
    pub(crate) uid: AtomicU64,
    #[cfg(feature = "stats")]
    pub(crate) stats: crate::stats::DomainStats,
}

/// A reclamation domain: the global epoch, the participant registry and, through it, every
/// participant's retired objects.
///
/// Each data structure owns one by default, so keys and values need no `'static` bound; a
/// domain can also be shared (a `static`, an `Arc`) by structures that retire into it.
/// `Domain::new` is `const`, so a domain can be a `static` without an allocator being
/// touched until the first participant registers.
///
/// Participants are explicit [`Handle`]s ([`register`](Self::register), no std needed) or,
/// under `std`, one thread-local participant per thread and domain ([`pin`](Self::pin)),
/// released when the thread exits. Released participants hand their garbage over to the
/// domain, where other participants adopt it when they flush.
///
/// **Memory.** Every retired object is dropped exactly once. Dropping the domain drops
/// everything still pending. How much can be pending depends on the scheme:
/// [`Reclaim::BOUNDED_UNDER_STALL`].
///
/// **Progress.** Registration is lock-free (a CAS per slot, allocation when the registry
/// grows); pinning and protected loads are lock-free (IBR's protect loop retries only when
/// the epoch moved) and wait-free under DEBRA; retiring, and dropping a guard, are wait-free
/// except for the periodic scan (IBR: run by the outermost guard's drop after a threshold of
/// retirements), whose cost is bounded by the number of pending objects times participants. The
/// thread-local path takes a process-wide lock the first time a thread uses a domain and at
/// thread exit, never on the fast path.
pub struct Domain<R: Reclaim> {
    pub(crate) core: Core,
    _scheme: PhantomData<R>,
}

// SAFETY: the domain holds atomics, the registry (whose slots are `Sync` by their own
// argument) and retired objects that `Guard::retire`'s contract lets any thread drop.
unsafe impl<R: Reclaim> Sync for Domain<R> {}
// SAFETY: as above.
unsafe impl<R: Reclaim> Send for Domain<R> {}

impl<R: Reclaim> Domain<R> {
    ccol_atomics::const_fn! {
        /// A domain with a growable registry and the default thresholds.
        ///
        /// `const`, so it can be a `static`; allocates nothing until a participant registers.
        #[must_use]
        pub const fn new() -> Self {
            Self::build(&Config::DEFAULT, usize::MAX)
        }
    }

    ccol_atomics::const_fn! {
        /// A domain whose registry holds at most `max_participants` participants;
        /// [`register`](Self::register) beyond that fails with [`RegistryFull`].
        #[must_use]
        pub const fn with_max_participants(max_participants: usize) -> Self {
            Self::build(&Config::DEFAULT, max_participants)
        }
    }

    ccol_atomics::const_fn! {
        /// A domain with a growable registry and the settings of `config`:
        /// `retire_threshold` (retirements between scans), `epoch_frequency`
        /// (retirements between epoch advances) and, for IBR, `sticky_reservations`.
        #[must_use]
        pub const fn with_config(config: &Config) -> Self {
            Self::build(config, usize::MAX)
        }
    }

    ccol_atomics::const_fn! {
        /// [`with_config`](Self::with_config) with a participant limit.
        #[must_use]
        pub const fn with_config_and_max_participants(
            config: &Config,
            max_participants: usize,
        ) -> Self {
            Self::build(config, max_participants)
        }
    }

    ccol_atomics::const_fn! {
        const fn build(config: &Config, max_participants: usize) -> Self {
            Self {
                core: Core {
                    epoch: CachePadded::new(AtomicU64::new(initial_epoch(R::KIND))),
                    registry: Registry::new(max_participants),
                    retire_threshold: small_under_models(config.retire_threshold()),
                    epoch_frequency: small_under_models(config.epoch_frequency()),
                    sticky_reservations: config.sticky_reservations(),
                    #[cfg(feature = "std")]
                    uid: AtomicU64::new(0),
                    #[cfg(feature = "stats")]
                    stats: crate::stats::DomainStats {
                        allocated: AtomicU64::new(0),
                        epoch_advances: AtomicU64::new(0),
                        peak_pending: AtomicU64::new(0),
                        revocations: AtomicU64::new(0),
                    },
                },
                _scheme: PhantomData,
            }
        }
    }

    /// Registers a participant: claims a registry slot (reusing a released one, or growing
    /// the registry) and returns the handle bound to it. The handle is `!Send`: it belongs to
    /// the thread that uses it. Dropping it releases the slot and hands its garbage over.
    ///
    /// # Errors
    ///
    /// [`RegistryFull`] if the domain has a participant limit and every slot is taken.
    pub fn register(&self) -> Result<Handle<'_, R>, RegistryFull> {
        self.claim().map(|slot| Handle::new(self, slot))
    }

    /// The participant limit (`usize::MAX` for a growable registry).
    #[must_use]
    pub fn max_participants(&self) -> usize {
        self.core.registry.max()
    }

    /// Claims a slot and resets its owner state for a new participant.
    pub(crate) fn claim(&self) -> Result<&Slot, RegistryFull> {
        self.core.registry.claim().ok_or(RegistryFull {
            max_participants: self.core.registry.max(),
        })
    }

    /// The current global epoch (for diagnostics and tests).
    #[must_use]
    pub fn epoch(&self) -> u64 {
        // Relaxed: an informational snapshot.
        self.core.epoch.load(Ordering::Relaxed)
    }

    /// A snapshot of the domain's counters.
    #[cfg(feature = "stats")]
    #[cfg_attr(docsrs, doc(cfg(feature = "stats")))]
    #[must_use]
    pub fn stats(&self) -> crate::Stats {
        use crate::sync::atomic::Ordering::Relaxed;
        let mut stats = crate::Stats::default();
        for slot in self.core.registry.slots() {
            let counters = &slot.stats;
            stats.retired += counters.retired.load(Relaxed);
            stats.reclaimed += counters.reclaimed.load(Relaxed);
            stats.scans += counters.scans.load(Relaxed);
            stats.adopted += counters.adopted.load(Relaxed);
            stats.registry_slots += 1;
            stats.participants += usize::from(slot.is_owned());
        }
        stats.pending = stats.retired.saturating_sub(stats.reclaimed);
        let core_stats = &self.core.stats;
        stats.allocated = core_stats.allocated.load(Relaxed);
        stats.epoch_advances = core_stats.epoch_advances.load(Relaxed);
        stats.revocations = core_stats.revocations.load(Relaxed);
        stats.peak_pending = core_stats.peak_pending.load(Relaxed).max(stats.pending);
        stats.epoch = self.epoch();
        stats
    }

    /// Pins the calling thread's thread-local participant in this domain (registering it on
    /// first use) and returns the guard. Nested calls return nested guards.
    ///
    /// # Panics
    ///
    /// If the domain has a participant limit and every slot is taken; use
    /// [`try_pin`](Self::try_pin) or [`register`](Self::register) to handle that case.
    #[cfg(feature = "std")]
    #[cfg_attr(docsrs, doc(cfg(feature = "std")))]
    #[must_use]
    #[inline]
    pub fn pin(&self) -> crate::Guard<'_, R> {
        match crate::thread_local::cached(self) {
            Some(slot) => crate::Guard::pin(self, slot, false),
            None => self.pin_slow(),
        }
    }

    /// First use of the domain on this thread (or a thread-local cache miss).
    #[cfg(feature = "std")]
    #[cold]
    #[inline(never)]
    fn pin_slow(&self) -> crate::Guard<'_, R> {
        match self.try_pin() {
            Ok(guard) => guard,
            Err(full) => panic!("Domain::pin: {full}"),
        }
    }

    /// [`pin`](Self::pin), returning [`RegistryFull`] instead of panicking.
    ///
    /// # Errors
    ///
    /// [`RegistryFull`] if the domain has a participant limit and every slot is taken.
    #[cfg(feature = "std")]
    #[cfg_attr(docsrs, doc(cfg(feature = "std")))]
    #[inline]
    pub fn try_pin(&self) -> Result<crate::Guard<'_, R>, RegistryFull> {
        let (slot, temporary) = crate::thread_local::participant(self)?;
        Ok(crate::Guard::pin(self, slot, temporary))
    }

    /// Reclaims what can be reclaimed now, through the calling thread's thread-local
    /// participant: adopts garbage of released participants, then scans (IBR) or tries to
    /// advance the epoch far enough to empty the limbo bags (DEBRA). Makes progress whenever
    /// no reader blocks it: after a `flush` with no guard active anywhere in the domain, every
    /// object retired before the call by this thread or by an exited thread has been dropped.
    ///
    /// # Panics
    ///
    /// As [`pin`](Self::pin).
    #[cfg(feature = "std")]
    #[cfg_attr(docsrs, doc(cfg(feature = "std")))]
    pub fn flush(&self) {
        match crate::thread_local::participant(self) {
            Ok((slot, temporary)) => {
                self.flush_slot(slot);
                if temporary {
                    self.release_slot(slot);
                }
            }
            Err(full) => panic!("Domain::flush: {full}"),
        }
    }

    /// Flushes through `slot`, which the caller owns.
    pub(crate) fn flush_slot(&self, slot: &Slot) {
        // SAFETY: the caller owns `slot` (this function's contract as stated on it).
        let batch = unsafe { dispatch!(R::KIND, flush(&self.core, slot, true)) };
        free_batch(slot, batch);
        // A flush returns memory: the blocks just cached go back to the allocator too.
        // SAFETY: the caller owns `slot`; releasing blocks runs no user code.
        unsafe { slot.with_local(|local| local.blocks.release_all()) };
    }

    /// Releases `slot` (owned by the caller and unpinned): clears what it published, keeps its
    /// garbage for adoption, and frees the slot.
    pub(crate) fn release_slot(&self, slot: &Slot) {
        // SAFETY: the caller owns `slot`.
        unsafe { release_slot::<R>(slot, self.core.registry.first_segment()) };
    }
}

/// Releases `slot`, reached without the domain (thread exit: the domain may have moved).
///
/// # Safety
///
/// The caller owns `slot`, which belongs to the registry whose first segment is `first`, and
/// no guard of the participant is still in use.
pub(crate) unsafe fn release_slot<R: Reclaim>(
    slot: &Slot,
    first: Option<&crate::registry::Segment>,
) {
    // SAFETY: forwarded from this function's contract.
    let has_garbage = unsafe { dispatch!(R::KIND, prepare_release(slot)) };
    // The cached blocks belong to the participant, not to the slot's next owner.
    // SAFETY: the caller owns `slot`; releasing blocks runs no user code.
    unsafe { slot.with_local(|local| local.blocks.release_all()) };
    if let Some(first) = first {
        crate::registry::release(first, slot, has_garbage);
    }
}

/// Releases a thread-local participant at thread exit, unless one of its guards is still in
/// use (a guard kept in another thread-local whose destructor runs later): then the slot is
/// left owned, its reservation in place, and its garbage is freed when the domain is dropped.
///
/// # Safety
///
/// As [`release_slot`], except that guards may still be in use.
#[cfg(feature = "std")]
pub(crate) unsafe fn release_at_exit<R: Reclaim>(
    slot: &Slot,
    first: Option<&crate::registry::Segment>,
) {
    // SAFETY: the caller owns `slot`; the closure reads one field.
    let pinned = unsafe { slot.with_local(|local| local.pins != 0) };
    if !pinned {
        // SAFETY: owned (contract) and not pinned (checked above).
        unsafe { release_slot::<R>(slot, first) };
    }
}

/// The first epoch of a scheme.
const fn initial_epoch(kind: Kind) -> u64 {
    match kind {
        #[cfg(feature = "ibr")]
        Kind::Ibr => 1,
        #[cfg(feature = "debra")]
        Kind::Debra => 2,
    }
}

/// Thresholds shrink to 1–2 under loom and the sanitizers, so the short runs those tools
/// afford still exercise scans and epoch advances (STYLE.md G4.6).
const fn small_under_models(value: usize) -> usize {
    if cfg!(any(ccol_loom, ccol_sanitize, miri)) {
        if value < 2 { value } else { 2 }
    } else {
        value
    }
}

impl<R: Reclaim> Default for Domain<R> {
    fn default() -> Self {
        Self::new()
    }
}

impl<R: Reclaim> fmt::Debug for Domain<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Domain")
            .field("scheme", &R::NAME)
            .field("epoch", &self.epoch())
            .field("max_participants", &self.max_participants())
            .finish_non_exhaustive()
    }
}

impl<R: Reclaim> Drop for Domain<R> {
    fn drop(&mut self) {
        #[cfg(feature = "std")]
        crate::thread_local::forget_domain(&self.core);
        // `&mut self`: no guard or handle of this domain exists, so nothing is reachable.
        for slot in self.core.registry.slots() {
            // SAFETY: exclusive access to the whole domain (see above), so to every slot;
            // the closure runs destructors of unreachable objects only after taking them out.
            let mut lists = unsafe {
                slot.with_local(|local| {
                    let mut lists = core::mem::take(&mut local.bags);
                    lists[0].append(&mut local.stamped);
                    lists
                })
            };
            for list in &mut lists {
                // SAFETY: nothing can reach retired objects once the domain is exclusively
                // borrowed for its drop.
                let _count = unsafe { free_unconditionally(list) };
                stat!(crate::stats::bump(&slot.stats.reclaimed, _count as u64));
            }
        }
    }
}
