//! [`Handle`] (an explicit participant) and [`Guard`] (a pinned participant).

use alloc::boxed::Box;
use core::{fmt, marker::PhantomData};

use crate::{
    domain::{Domain, dispatch},
    pointers::{Node, Shared},
    reclaim::{Header as _, Reclaim},
    registry::Slot,
    retired::{Free, Retired, free_batch},
    stats::stat,
};

/// A registered participant of a [`Domain`], bound to one registry slot.
///
/// Obtained from [`Domain::register`]; works without std. `!Send` and `!Sync`: a participant
/// is one thread's identity in the domain. Dropping the handle releases the slot; garbage the
/// participant retired and could not free yet is handed over to the domain (adopted by the
/// next participant that flushes or claims the slot), never leaked.
///
/// ```
/// use ccol_reclaim::{Atomic, Domain, Ibr, Owned};
/// use core::sync::atomic::Ordering;
///
/// let domain = Domain::<Ibr>::new();
/// let handle = domain.register().expect("growable registry");
/// let link = Atomic::new(Owned::new(1u64, &domain));
///
/// let guard = handle.pin();
/// let old = link.swap(Owned::new(2, &domain), Ordering::AcqRel, &guard);
/// // SAFETY: `old` was unlinked by the swap above and is retired once.
/// unsafe { guard.retire(old) };
/// // SAFETY: `link` holds a node that stays valid while `guard` is active.
/// assert_eq!(unsafe { link.load(&guard).deref() }, &2);
/// # drop(guard);
/// # unsafe { drop(link.into_owned()) };
/// ```
pub struct Handle<'d, R: Reclaim> {
    domain: &'d Domain<R>,
    slot: &'d Slot,
    _not_send: PhantomData<*mut ()>,
}

impl<'d, R: Reclaim> Handle<'d, R> {
    pub(crate) fn new(domain: &'d Domain<R>, slot: &'d Slot) -> Self {
        Self {
            domain,
            slot,
            _not_send: PhantomData,
        }
    }

    /// Enters a critical section: until the guard is dropped, objects read through it stay
    /// valid. Guards nest; only the outermost one publishes anything.
    #[inline]
    #[must_use]
    pub fn pin(&self) -> Guard<'_, R> {
        Guard::pin(self.domain, self.slot, false)
    }

    /// Whether a guard of this participant is active.
    #[must_use]
    pub fn is_pinned(&self) -> bool {
        // SAFETY: the handle owns its slot; the closure reads one field.
        unsafe { self.slot.with_local(|local| local.pins != 0) }
    }

    /// Reclaims what can be reclaimed now (see [`Domain::flush`]).
    pub fn flush(&self) {
        self.domain.flush_slot(self.slot);
    }

    /// The domain this participant belongs to.
    #[must_use]
    pub fn domain(&self) -> &'d Domain<R> {
        self.domain
    }
}

impl<R: Reclaim> Drop for Handle<'_, R> {
    fn drop(&mut self) {
        // Guards borrow the handle, so none is alive here (a guard leaked with `mem::forget`
        // is unusable, so the release resetting its pin count and reservation is sound).
        self.domain.release_slot(self.slot);
    }
}

impl<R: Reclaim> fmt::Debug for Handle<'_, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Handle")
            .field("scheme", &R::NAME)
            .field("pinned", &self.is_pinned())
            .finish_non_exhaustive()
    }
}

/// An active critical section of one participant.
///
/// While a guard lives, every pointer loaded through it with [`Atomic::load`](crate::Atomic::load)
/// stays valid, even if another thread unlinks and retires the object: that is what the
/// `'g` lifetime of [`Shared<'g, T, R>`](Shared) expresses. Dropping the outermost guard of
/// a participant ends its reservation (IBR) or announces it quiescent (DEBRA).
///
/// Under IBR, dropping the outermost guard also runs the scan this participant's retirements
/// made due (so retired objects' destructors may run inside the drop; not while the thread
/// unwinds, where the scan waits for the next guard).
///
/// `!Send` and `!Sync`. Holding a guard for a long time delays reclamation: under DEBRA of
/// everything retired in the domain meanwhile, under IBR only of objects allocated before
/// the guard's reservation grew to cover them.
pub struct Guard<'a, R: Reclaim> {
    domain: &'a Domain<R>,
    pub(crate) slot: &'a Slot,
    /// A participant registered just for this guard (a thread-local participant was not
    /// available: the thread is exiting); released when the guard drops.
    temporary: bool,
    _not_send: PhantomData<*mut ()>,
}

impl<'a, R: Reclaim> Guard<'a, R> {
    /// Pins `slot`'s participant.
    #[inline]
    pub(crate) fn pin(domain: &'a Domain<R>, slot: &'a Slot, temporary: bool) -> Self {
        // SAFETY: the caller owns `slot` (a handle's, the thread's, or a temporary claim).
        unsafe { dispatch!(R::KIND, pin(&domain.core, slot)) };
        Self {
            domain,
            slot,
            temporary,
            _not_send: PhantomData,
        }
    }

    /// The domain this guard pins.
    #[must_use]
    pub fn domain(&self) -> &'a Domain<R> {
        self.domain
    }

    /// Retires `ptr`: it is dropped (and its node freed) once no guard can still reach it,
    /// possibly on another thread, at the latest when the domain is dropped. A null pointer
    /// is ignored.
    ///
    /// # Safety
    ///
    /// - `ptr` was allocated as an [`Owned<T, R>`](crate::Owned) in this guard's domain;
    /// - it is *unlinked*: no shared location lets a thread that pins from now on reach it;
    /// - it is retired once, and neither used by this thread after this guard ends nor
    ///   turned back into an `Owned`;
    /// - `T` may be dropped on any thread that uses or drops the domain (in practice
    ///   `T: Send`), and anything `T`'s destructor borrows outlives the domain.
    #[inline]
    pub unsafe fn retire<T>(&self, ptr: Shared<'_, T, R>) {
        let node = ptr.node_ptr();
        if node.is_null() {
            return;
        }
        // SAFETY: `node` is a live node of this domain (contract), so its header is readable.
        let birth = unsafe { (*node).header.birth() };
        let free = Free::Recycle(Node::<T, R::Header>::drop_in_place_erased);
        // SAFETY: the function drops an `Owned<T, R>` node (contract) once, when nobody can
        // reach it, and returns its block's layout.
        unsafe { self.retire_erased(node.cast(), free, birth) };
    }

    /// Retires an untyped node: `free`'s function runs on it once nobody can reach it.
    ///
    /// # Safety
    ///
    /// `node` is an unlinked node of this domain born at `birth`, retired once, and `free`
    /// satisfies `Retired::new`'s contract for it.
    #[inline]
    pub(crate) unsafe fn retire_erased(&self, node: *mut (), free: Free, birth: u64) {
        // SAFETY: forwarded from this function's contract.
        let entry = unsafe { Retired::new(node, free, birth) };
        self.push(entry);
    }

    /// Runs `f` once no guard that is active now (in any participant of the domain) is
    /// still active; at the latest when the domain is dropped.
    pub fn defer<F: FnOnce() + Send + 'static>(&self, f: F) {
        // SAFETY: `F: Send + 'static` makes running it later on any thread sound.
        unsafe { self.defer_unchecked(f) }
    }

    /// [`defer`](Self::defer) without the `Send + 'static` bounds.
    ///
    /// # Safety
    ///
    /// Running `f` on any thread, at any later time until the domain is dropped, is sound.
    pub unsafe fn defer_unchecked<F: FnOnce()>(&self, f: F) {
        /// Runs and frees a boxed closure.
        ///
        /// # Safety
        ///
        /// `ptr` came from `Box::into_raw(Box<F>)` and is used only this once.
        unsafe fn call<F: FnOnce()>(ptr: *mut ()) {
            // SAFETY: `ptr` came from `Box::into_raw(Box<F>)` below and is freed once.
            let f = unsafe { Box::from_raw(ptr.cast::<F>()) };
            f();
        }
        let ptr = Box::into_raw(Box::new(f)).cast::<()>();
        // SAFETY: `call::<F>` consumes the box once; running it later is sound by this
        // function's contract. Birth 0: wait for every reservation that overlaps the stamp.
        let entry = unsafe { Retired::new(ptr, Free::Whole(call::<F>), 0) };
        self.push(entry);
    }

    #[inline]
    fn push(&self, entry: Retired) {
        stat!(crate::stats::bump(&self.slot.stats.retired, 1));
        // SAFETY: the guard's participant owns the slot and is pinned.
        let batch = unsafe { dispatch!(R::KIND, retire(&self.domain.core, self.slot, entry)) };
        if let Some(batch) = batch {
            Self::free_in_retire(self.slot, batch);
        }
    }

    /// Frees the batch a retirement scanned in place (IBR, a guard held across twice the
    /// threshold): out of line, so the retirement's fast path stays small enough to inline.
    ///
    /// Takes the slot, not `&self`, like [`after_unpin`](Self::after_unpin).
    #[cold]
    #[inline(never)]
    fn free_in_retire(slot: &Slot, batch: crate::retired::FreeBatch) {
        free_batch(slot, Some(batch));
    }

    /// The rare part of a guard's drop: the scan a retirement made due (run by the outermost
    /// unpin, `ibr::imp::unpin`), and the release of a temporary participant.
    ///
    /// Out of line and given the guard's fields, not `&self`, so that the drop's inline part
    /// is a decrement and a branch and never needs the guard's address. A guard kept in
    /// memory for a call is copied through the stack on every move, and a value holding one
    /// (ccol-ordered's `Entry`, one per element of a range scan) then paid store-forwarding
    /// stalls on each copy (perf: 9.5 against 4.4 ns per entry of an IBR skip-list range
    /// scan).
    #[cold]
    #[inline(never)]
    fn after_unpin(domain: &Domain<R>, slot: &Slot, scan_due: bool, temporary: bool) {
        if scan_due && may_free() {
            // SAFETY: the guard's participant owns the slot (now unpinned).
            let batch = unsafe { dispatch!(R::KIND, flush(&domain.core, slot, false)) };
            free_batch(slot, batch);
        }
        if temporary {
            domain.release_slot(slot);
        }
    }

    /// Reclaims what can be reclaimed now (see [`Domain::flush`]); objects this guard can
    /// still reach are kept.
    pub fn flush(&self) {
        self.domain.flush_slot(self.slot);
    }

    /// Keeps an object born in `birth` valid until this guard ends although it was not read
    /// through a protected load (see `ibr::imp::cover`): call before publishing it, or right
    /// after unlinking it.
    #[inline]
    pub(crate) fn cover(&self, birth: u64) {
        // SAFETY: the guard's participant owns the slot and is pinned.
        unsafe { dispatch!(R::KIND, cover(self.slot, birth)) }
    }

    /// Protects the pointer `load` returns (see `Atomic::load`).
    #[inline(always)]
    pub(crate) fn protect(&self, load: impl FnMut() -> *mut ()) -> *mut () {
        // SAFETY: the guard's participant owns the slot and is pinned.
        unsafe { dispatch!(R::KIND, protect(&self.domain.core, self.slot, load)) }
    }
}

impl<R: Reclaim> Drop for Guard<'_, R> {
    // Always inlined: see `after_unpin` for why a guard must not need an address.
    #[inline(always)]
    fn drop(&mut self) {
        // SAFETY: the guard's participant owns the slot; this ends one pin.
        let scan_due = unsafe { dispatch!(R::KIND, unpin(self.slot)) };
        if scan_due || self.temporary {
            Self::after_unpin(self.domain, self.slot, scan_due, self.temporary);
        }
    }
}

/// Whether a guard's drop may run destructors of retired objects: not while the thread
/// unwinds (a destructor that panicked then would abort the process). Without std there is
/// no way to tell, and unwinding no_std targets are rare: always.
#[inline]
fn may_free() -> bool {
    #[cfg(feature = "std")]
    {
        !std::thread::panicking()
    }
    #[cfg(not(feature = "std"))]
    {
        true
    }
}

impl<R: Reclaim> fmt::Debug for Guard<'_, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Guard")
            .field("scheme", &R::NAME)
            .finish_non_exhaustive()
    }
}
