//! Typed pointers into a domain: [`Atomic`] (a shared link), [`Owned`] (a node not yet
//! published, like a `Box`) and [`Shared`] (a node read under a guard), each with tag bits in
//! the node's alignment.
//!
//! Every node is a [`Node<T, H>`]: the value, then the scheme's header (the birth epoch under
//! IBR, nothing under DEBRA). Pointers address the node, which is also the value's address, so
//! retiring needs no extra lookup; the header keeps at least pointer alignment, so at least
//! two tag bits (three on 64-bit targets) are always available.
//!
//! Why the value comes first: a value aligned more than the header (a 16-aligned skip-list
//! node, a cache-padded ring) would otherwise be preceded by the header *and* padding up to its
//! alignment. Behind the value the header fills what would be the value's trailing padding, or
//! is where a tailed node's tail begins (`tailed.rs`): an IBR skip-list node is 8 bytes larger
//! than a DEBRA one, not 16.

use core::{
    fmt,
    marker::PhantomData,
    ops::{Deref, DerefMut},
    ptr::{self, NonNull},
};

use ccol_atomics::{AtomicTaggedPtr, TaggedPtr};

use crate::{
    allocation,
    domain::Domain,
    guard::Guard,
    reclaim::{Header, Reclaim},
    stats::stat,
    sync::atomic::Ordering,
};

/// A heap node: the value, then the scheme's header (module docs: why in this order).
#[doc(hidden)]
#[repr(C)]
pub struct Node<T, H> {
    pub(crate) value: T,
    pub(crate) header: H,
}

impl<T, H> Node<T, H> {
    /// Drops a node given as an untyped pointer in place and returns the layout of its block,
    /// which the caller frees or reuses (the retire list's function).
    ///
    /// # Safety
    ///
    /// `ptr` is an untagged pointer to a node allocated by [`Owned::new`] (or
    /// [`Owned::with_guard`]) with these `T, H`, no longer reachable, and dropped only this
    /// once.
    pub(crate) unsafe fn drop_in_place_erased(ptr: *mut ()) -> core::alloc::Layout {
        // SAFETY: forwarded from this function's contract.
        unsafe { ptr::drop_in_place(ptr.cast::<Node<T, H>>()) };
        core::alloc::Layout::new::<Node<T, H>>()
    }
}

impl<T: fmt::Debug, H: fmt::Debug> fmt::Debug for Node<T, H> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Node")
            .field("value", &self.value)
            .field("header", &self.header)
            .finish()
    }
}

type NodePtr<T, R> = TaggedPtr<Node<T, <R as Reclaim>::Header>>;

/// A pointer an [`Atomic`] can store: [`Owned`] (ownership moves into the link) or
/// [`Shared`] (the link gets another reference to a published node). Sealed.
pub trait Pointer<T, R: Reclaim>: sealed::Sealed {
    /// The tagged node pointer; for `Owned`, ownership passes to the caller.
    #[doc(hidden)]
    fn into_tagged(self) -> NodePtr<T, R>;

    /// Rebuilds the pointer from what `into_tagged` returned.
    ///
    /// # Safety
    ///
    /// `ptr` came from `into_tagged` of the same pointer type and was not used to build
    /// another pointer since.
    #[doc(hidden)]
    unsafe fn from_tagged(ptr: NodePtr<T, R>) -> Self;

    /// The birth epoch of an owned node (which the caller has not published yet); `None` for
    /// a `Shared`, whose protection comes from how it was obtained.
    #[doc(hidden)]
    fn owned_birth(&self) -> Option<u64>;
}

mod sealed {
    pub trait Sealed {}
}

/// An owned, unpublished node in a domain: a `Box` with a reclamation header and tag bits.
///
/// Created with [`Owned::new`], which allocates through the domain (IBR records the birth
/// epoch here). Publishing it in an [`Atomic`] moves ownership into the link.
pub struct Owned<T, R: Reclaim> {
    ptr: NodePtr<T, R>,
    _owns: PhantomData<alloc::boxed::Box<T>>,
}

// SAFETY: `Owned` owns its `T` like a `Box`.
unsafe impl<T: Send, R: Reclaim> Send for Owned<T, R> {}
// SAFETY: as above.
unsafe impl<T: Sync, R: Reclaim> Sync for Owned<T, R> {}

impl<T, R: Reclaim> Owned<T, R> {
    /// Allocates `value` in a node of `domain`, with tag 0.
    #[must_use]
    #[inline]
    pub fn new(value: T, domain: &Domain<R>) -> Self {
        // Relaxed: the birth epoch needs no ordering of its own. The node is published by a
        // Release store or CAS sequenced after this load, and a reader that Acquires the node
        // then loads the epoch, which by coherence returns at least this value: the reader's
        // reservation is raised to cover the birth (`ibr.rs`, `protect`).
        let epoch = domain.core.epoch.load(Ordering::Relaxed);
        stat!(
            // Relaxed: statistics.
            domain.core.stats.allocated.fetch_add(1, Ordering::Relaxed);
        );
        let node = allocation::alloc_node(Node {
            value,
            header: R::Header::at_epoch(epoch),
        });
        Self {
            ptr: TaggedPtr::new(node, 0),
            _owns: PhantomData,
        }
    }

    /// [`new`](Self::new), reusing a block of the same layout that `guard`'s participant
    /// freed earlier, if it has one (each participant keeps up to 64 freed blocks of at most
    /// 256 bytes per node layout, for two layouts; a flush, the participant's release and the
    /// domain's drop return them to the allocator). Otherwise allocates as `new` does.
    ///
    /// For structures that allocate while pinned (a push, an insert): on a single thread
    /// this turns an allocator round trip per node into a vector push and pop.
    ///
    /// ```
    /// use ccol_reclaim::{Atomic, Domain, Debra, Owned};
    /// use core::sync::atomic::Ordering;
    ///
    /// let domain = Domain::<Debra>::new();
    /// let link = Atomic::new(Owned::new(0u64, &domain));
    /// for i in 1..1000 {
    ///     let guard = domain.pin();
    ///     let old = link.swap(Owned::with_guard(i, &guard), Ordering::AcqRel, &guard);
    ///     // SAFETY: unlinked by the swap, retired once.
    ///     unsafe { guard.retire(old) };
    /// }
    /// # unsafe { drop(link.into_owned()) };
    /// ```
    #[must_use]
    #[inline]
    pub fn with_guard(value: T, guard: &Guard<'_, R>) -> Self {
        // SAFETY: the guard's participant owns its slot.
        match unsafe { take_block::<T, R>(guard.slot) } {
            Some(block) => Self::in_block(value, block, guard.domain()),
            None => Self::new(value, guard.domain()),
        }
    }

    /// A node of `domain` holding `value`, written into `block`.
    fn in_block(value: T, block: NonNull<u8>, domain: &Domain<R>) -> Self {
        // Relaxed: as in `new`.
        let epoch = domain.core.epoch.load(Ordering::Relaxed);
        stat!(
            // Relaxed: statistics.
            domain.core.stats.allocated.fetch_add(1, Ordering::Relaxed);
        );
        let node = block.as_ptr().cast::<Node<T, R::Header>>();
        // The block was allocated by the global allocator with this node's layout and holds
        // nothing (`blocks.rs`): with a whole node written, it is what `alloc_node` returns.
        // SAFETY: as just said; it is later freed as a `Box<Node>` with the same layout.
        unsafe {
            node.write(Node {
                value,
                header: R::Header::at_epoch(epoch),
            });
        }
        Self {
            ptr: TaggedPtr::new(node, 0),
            _owns: PhantomData,
        }
    }

    /// The tag.
    #[must_use]
    pub fn tag(&self) -> usize {
        self.ptr.tag()
    }

    /// The same node with tag `tag` (masked to [`Atomic::TAG_BITS`] bits).
    #[must_use]
    #[inline]
    pub fn with_tag(self, tag: usize) -> Self {
        let ptr = self.into_tagged();
        Self {
            ptr: ptr.with_tag(tag & NodePtr::<T, R>::TAG_MASK),
            _owns: PhantomData,
        }
    }

    /// Publishes nothing, but turns the node into a `Shared` valid for the guard's lifetime
    /// (ownership is given up: store it in a link, or retire it).
    #[must_use]
    pub fn into_shared<'g>(self, guard: &'g Guard<'_, R>) -> Shared<'g, T, R> {
        if let Some(birth) = self.owned_birth() {
            guard.cover(birth);
        }
        Shared::from_tagged(self.into_tagged())
    }

    /// Gives up the node as an opaque, non-null raw pointer (tag included), like
    /// `Box::into_raw`: nothing is freed, and [`from_raw`](Self::from_raw) takes it back.
    ///
    /// Structures use it to hand an unpublished node to another thread through a word of
    /// their own (an elimination slot, say) without publishing it in an [`Atomic`].
    #[must_use]
    #[inline]
    pub fn into_raw(self) -> NonNull<()> {
        let raw = self.into_tagged().into_raw().cast::<()>();
        // SAFETY: an `Owned` always points to a live node, so the tagged word is not null.
        unsafe { NonNull::new_unchecked(raw) }
    }

    /// Takes back a node given up by [`into_raw`](Self::into_raw).
    ///
    /// # Safety
    ///
    /// `raw` came from `Owned::<T, R>::into_raw` (same `T` and `R`), and this is the only
    /// `from_raw` for it: ownership returns exactly once.
    #[must_use]
    #[inline]
    pub unsafe fn from_raw(raw: NonNull<()>) -> Self {
        Self {
            ptr: TaggedPtr::from_raw(raw.as_ptr().cast()),
            _owns: PhantomData,
        }
    }

    /// Unwraps the value and frees the node.
    #[must_use]
    #[inline]
    pub fn into_inner(self) -> T {
        let node = self.into_tagged().ptr();
        // SAFETY: `node` is the live node this `Owned` owned exclusively (`into_tagged`
        // transferred that ownership here), freed exactly once.
        unsafe { allocation::take_node(node).value }
    }
}

/// A block the owner of `slot` cached for nodes of `T` under `R` (none for zero-sized nodes,
/// which `Box` never allocates).
///
/// # Safety
///
/// The caller owns `slot`.
#[inline]
unsafe fn take_block<T, R: Reclaim>(slot: &crate::registry::Slot) -> Option<NonNull<u8>> {
    let layout = core::alloc::Layout::new::<Node<T, R::Header>>();
    if layout.size() == 0 {
        return None;
    }
    // SAFETY: the caller owns `slot`; `take` runs no user code.
    unsafe { slot.with_local(|local| local.blocks.take(layout)) }
}

impl<T, R: Reclaim> sealed::Sealed for Owned<T, R> {}

impl<T, R: Reclaim> Pointer<T, R> for Owned<T, R> {
    #[inline]
    fn into_tagged(self) -> NodePtr<T, R> {
        let ptr = self.ptr;
        core::mem::forget(self);
        ptr
    }

    #[inline]
    unsafe fn from_tagged(ptr: NodePtr<T, R>) -> Self {
        Self {
            ptr,
            _owns: PhantomData,
        }
    }

    #[inline]
    fn owned_birth(&self) -> Option<u64> {
        // SAFETY: an `Owned` always points to a live node it owns.
        Some(unsafe { (*self.ptr.ptr()).header.birth() })
    }
}

impl<T, R: Reclaim> Deref for Owned<T, R> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: an `Owned` always points to a live node it owns exclusively.
        unsafe { &(*self.ptr.ptr()).value }
    }
}

impl<T, R: Reclaim> DerefMut for Owned<T, R> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as in `deref`; `&mut self` makes the access exclusive.
        unsafe { &mut (*self.ptr.ptr()).value }
    }
}

impl<T, R: Reclaim> Drop for Owned<T, R> {
    fn drop(&mut self) {
        // SAFETY: the node is live, exclusively owned, and freed only here.
        unsafe { allocation::free_node(self.ptr.ptr()) }
    }
}

impl<T: fmt::Debug, R: Reclaim> fmt::Debug for Owned<T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Owned")
            .field("value", &**self)
            .field("tag", &self.tag())
            .finish()
    }
}

/// A pointer to a node read under a guard, valid for the guard's lifetime `'g`.
///
/// Copyable and possibly null or tagged. Dereferencing is `unsafe`: the pointer must have been
/// obtained by a protected load ([`Atomic::load`]) or from a node this thread published or
/// unlinked itself, and not be null.
pub struct Shared<'g, T, R: Reclaim> {
    ptr: NodePtr<T, R>,
    _guard: PhantomData<(&'g (), *const T)>,
}

impl<'g, T, R: Reclaim> Shared<'g, T, R> {
    /// The null pointer with tag 0.
    #[must_use]
    #[inline]
    pub fn null() -> Self {
        Self::from_tagged(TaggedPtr::null())
    }

    #[inline]
    pub(crate) fn from_tagged(ptr: NodePtr<T, R>) -> Self {
        Self {
            ptr,
            _guard: PhantomData,
        }
    }

    /// The untagged node pointer (crate-internal: retire and free).
    pub(crate) fn node_ptr(self) -> *mut Node<T, R::Header> {
        self.ptr.ptr()
    }

    /// Whether the pointer part is null (whatever the tag).
    #[must_use]
    #[inline]
    pub fn is_null(self) -> bool {
        self.ptr.is_null()
    }

    /// The tag.
    #[must_use]
    #[inline]
    pub fn tag(self) -> usize {
        self.ptr.tag()
    }

    /// The same pointer with tag `tag` (masked to [`Atomic::TAG_BITS`] bits).
    #[must_use]
    #[inline]
    pub fn with_tag(self, tag: usize) -> Self {
        Self::from_tagged(self.ptr.with_tag(tag & NodePtr::<T, R>::TAG_MASK))
    }

    /// The address of the value (null if the pointer is null), for identity comparisons and
    /// diagnostics; the tag is dropped.
    #[must_use]
    #[inline]
    pub fn as_raw(self) -> *const T {
        let node = self.ptr.ptr();
        if node.is_null() {
            ptr::null()
        } else {
            // SAFETY: in-bounds projection of a non-null node pointer; no read happens.
            unsafe { &raw const (*node).value }
        }
    }

    /// The `Shared` whose [`as_raw`](Self::as_raw) is `value` (tag 0): turns a value pointer a
    /// structure kept (an iterator's cursor) back into a node pointer.
    ///
    /// # Safety
    ///
    /// `value` is null or came from `as_raw` of a `Shared<T, R>` of a node that is protected
    /// for `'g` (by the guard `'g` borrows, or by one that outlives it).
    #[must_use]
    #[inline]
    pub unsafe fn from_value_ptr(value: *const T) -> Self {
        if value.is_null() {
            return Self::null();
        }
        let offset = core::mem::offset_of!(Node<T, R::Header>, value);
        // SAFETY: `value` points `offset` bytes into its node (contract), so stepping back
        // stays inside the allocation and keeps its provenance.
        let node = unsafe { value.cast::<u8>().sub(offset) }.cast::<Node<T, R::Header>>();
        Self::from_tagged(TaggedPtr::new(node.cast_mut(), 0))
    }

    /// A reference to the value, valid for `'g`.
    ///
    /// # Safety
    ///
    /// The pointer is not null, and was obtained by a protected [`Atomic::load`] under the
    /// guard of `'g` (or from a node this thread published or unlinked during that guard).
    #[must_use]
    #[inline]
    pub unsafe fn deref(self) -> &'g T {
        // SAFETY: non-null and protected for 'g (this function's contract).
        unsafe { &(*self.ptr.ptr()).value }
    }

    /// [`deref`](Self::deref), or `None` if the pointer is null.
    ///
    /// # Safety
    ///
    /// As [`deref`](Self::deref), except that null is allowed.
    #[must_use]
    #[inline]
    pub unsafe fn as_ref(self) -> Option<&'g T> {
        if self.is_null() {
            None
        } else {
            // SAFETY: not null; protected by this function's contract.
            Some(unsafe { self.deref() })
        }
    }

    /// Takes ownership of the node.
    ///
    /// # Safety
    ///
    /// The pointer is not null, no other thread can reach the node (it was never published,
    /// or the structure is exclusively owned), and it is not retired.
    #[must_use]
    pub unsafe fn into_owned(self) -> Owned<T, R> {
        // SAFETY: exclusive ownership by this function's contract.
        unsafe { Owned::from_tagged(self.ptr) }
    }
}

impl<T, R: Reclaim> sealed::Sealed for Shared<'_, T, R> {}

impl<T, R: Reclaim> Pointer<T, R> for Shared<'_, T, R> {
    #[inline]
    fn into_tagged(self) -> NodePtr<T, R> {
        self.ptr
    }

    #[inline]
    unsafe fn from_tagged(ptr: NodePtr<T, R>) -> Self {
        Self::from_tagged(ptr)
    }

    #[inline]
    fn owned_birth(&self) -> Option<u64> {
        None
    }
}

impl<T, R: Reclaim> Clone for Shared<'_, T, R> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T, R: Reclaim> Copy for Shared<'_, T, R> {}

impl<T, R: Reclaim> PartialEq for Shared<'_, T, R> {
    fn eq(&self, other: &Self) -> bool {
        self.ptr == other.ptr
    }
}

impl<T, R: Reclaim> Eq for Shared<'_, T, R> {}

impl<T, R: Reclaim> fmt::Debug for Shared<'_, T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Shared")
            .field("ptr", &self.as_raw())
            .field("tag", &self.tag())
            .finish()
    }
}

impl<T, R: Reclaim> fmt::Pointer for Shared<'_, T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Pointer::fmt(&self.as_raw(), f)
    }
}

/// A failed [`Atomic::compare_exchange`]: the current value and the pointer that was not
/// stored (handed back, so an `Owned` is not lost).
pub struct CompareExchangeError<'g, T, R: Reclaim, P: Pointer<T, R>> {
    /// The value found in the link, protected for `'g` like the result of [`Atomic::load`].
    pub current: Shared<'g, T, R>,
    /// The pointer that was to be stored.
    pub new: P,
}

impl<T, R: Reclaim, P: Pointer<T, R> + fmt::Debug> fmt::Debug
    for CompareExchangeError<'_, T, R, P>
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CompareExchangeError")
            .field("current", &self.current)
            .field("new", &self.new)
            .finish()
    }
}

/// A shared link to a node of a domain, with tag bits.
///
/// Lock-free on every target with pointer-width compare-and-swap. [`load`](Self::load) is the
/// protected load every traversal must use; the other operations order like the
/// corresponding `AtomicPtr` ones with the orderings given.
pub struct Atomic<T, R: Reclaim> {
    pub(crate) inner: AtomicTaggedPtr<Node<T, R::Header>>,
    _owns: PhantomData<*mut T>,
}

// SAFETY: the link hands `T` values to other threads (`Send`) and lets several threads read
// them at once (`Sync`), like `Arc<T>` would need.
unsafe impl<T: Send + Sync, R: Reclaim> Send for Atomic<T, R> {}
// SAFETY: as above.
unsafe impl<T: Send + Sync, R: Reclaim> Sync for Atomic<T, R> {}

impl<T, R: Reclaim> Atomic<T, R> {
    /// Number of tag bits a pointer stored here can carry (at least 2; 3 on 64-bit targets).
    pub const TAG_BITS: u32 = NodePtr::<T, R>::TAG_BITS;

    ccol_atomics::const_fn! {
        /// A null link.
        #[must_use]
        pub const fn null() -> Self {
            Self { inner: AtomicTaggedPtr::null(), _owns: PhantomData }
        }
    }

    /// A null link carrying the tag bits `tag` (masked to [`TAG_BITS`](Self::TAG_BITS)).
    #[must_use]
    pub fn null_tagged(tag: usize) -> Self {
        Self {
            inner: AtomicTaggedPtr::new(TaggedPtr::null().with_tag(tag)),
            _owns: PhantomData,
        }
    }

    /// A link holding `value`.
    #[must_use]
    pub fn new(value: Owned<T, R>) -> Self {
        Self {
            inner: AtomicTaggedPtr::new(value.into_tagged()),
            _owns: PhantomData,
        }
    }

    /// Loads the link with Acquire ordering and protects the node it points to for `'g`:
    /// the node stays valid until the guard ends, even if it is unlinked and retired
    /// meanwhile. Under IBR this may retry when the epoch moves (lock-free); under DEBRA it is
    /// one load (wait-free).
    #[inline]
    pub fn load<'g>(&self, guard: &'g Guard<'_, R>) -> Shared<'g, T, R> {
        let raw = guard.protect(|| {
            // Acquire: pairs with the Release store or CAS that published the node, so its
            // header and value are visible (and, under IBR, its birth epoch is covered).
            self.inner.load(Ordering::Acquire).into_raw().cast()
        });
        Shared::from_tagged(TaggedPtr::from_raw(raw.cast()))
    }

    /// Loads the link without protecting the node: the result may be compared or stored, but
    /// dereferencing it needs protection obtained some other way (see [`Shared::deref`]).
    #[inline]
    pub fn load_unprotected<'g>(
        &self,
        order: Ordering,
        _guard: &'g Guard<'_, R>,
    ) -> Shared<'g, T, R> {
        Shared::from_tagged(self.inner.load(order))
    }

    /// Whether the link is null (loaded with `order`); needs no guard, since nothing is
    /// dereferenced.
    #[inline]
    pub fn is_null(&self, order: Ordering) -> bool {
        self.inner.load(order).is_null()
    }

    /// The value pointer the link holds (null if none; tag bits dropped), loaded with `order`
    /// and without protection: for exclusive walks (a structure's `Drop`) and for tailed nodes
    /// ([`tailed`](crate::tailed)), whose pointer keeps the allocation's provenance.
    #[inline]
    pub fn load_raw(&self, order: Ordering) -> *mut T {
        let node = self.inner.load(order).ptr();
        if node.is_null() {
            ptr::null_mut()
        } else {
            // SAFETY: in-bounds projection of a non-null node pointer; no read happens.
            unsafe { &raw mut (*node).value }
        }
    }

    /// The link's tag bits (loaded with `order`); needs no guard, since nothing is
    /// dereferenced.
    #[inline]
    pub fn tag(&self, order: Ordering) -> usize {
        self.inner.load(order).tag()
    }

    /// Stores `new` (an `Owned` moves into the link).
    #[inline]
    pub fn store<P: Pointer<T, R>>(&self, new: P, order: Ordering) {
        self.inner.store(new.into_tagged(), order);
    }

    /// Stores `new` and returns the previous value, which the caller has now unlinked from
    /// this location (retire it if nothing else links it). Both stay valid for `'g`: under
    /// IBR the guard's reservation is raised to cover them.
    #[inline]
    pub fn swap<'g, P: Pointer<T, R>>(
        &self,
        new: P,
        order: Ordering,
        guard: &'g Guard<'_, R>,
    ) -> Shared<'g, T, R> {
        if let Some(birth) = new.owned_birth() {
            guard.cover(birth);
        }
        let old: Shared<'g, T, R> = Shared::from_tagged(self.inner.swap(new.into_tagged(), order));
        if !old.is_null() {
            // SAFETY: the swap unlinked `old` from this location and nobody retires it before
            // the caller does, so its header is readable.
            guard.cover(unsafe { (*old.node_ptr()).header.birth() });
        }
        old
    }

    /// Stores `new` if the link holds `current`, returning the previous value on success.
    ///
    /// # Errors
    ///
    /// On failure, returns the value found (protected like a [`load`](Self::load); the
    /// failure ordering is raised to at least Acquire for that) and hands `new` back.
    #[inline]
    pub fn compare_exchange<'g, P: Pointer<T, R>>(
        &self,
        current: Shared<'_, T, R>,
        new: P,
        success: Ordering,
        failure: Ordering,
        guard: &'g Guard<'_, R>,
    ) -> Result<Shared<'g, T, R>, CompareExchangeError<'g, T, R, P>> {
        self.cas(new, guard, |new| {
            self.inner
                .compare_exchange(current.ptr, new, success, acquire_at_least(failure))
        })
    }

    /// [`compare_exchange`](Self::compare_exchange) that may fail spuriously (cheaper in a
    /// retry loop on LL/SC machines).
    ///
    /// # Errors
    ///
    /// As [`compare_exchange`](Self::compare_exchange), or spuriously.
    #[inline]
    pub fn compare_exchange_weak<'g, P: Pointer<T, R>>(
        &self,
        current: Shared<'_, T, R>,
        new: P,
        success: Ordering,
        failure: Ordering,
        guard: &'g Guard<'_, R>,
    ) -> Result<Shared<'g, T, R>, CompareExchangeError<'g, T, R, P>> {
        self.cas(new, guard, |new| {
            self.inner
                .compare_exchange_weak(current.ptr, new, success, acquire_at_least(failure))
        })
    }

    /// The body both compare-exchanges share: cover an owned `new` before publishing it, run
    /// the raw CAS, and on failure protect the value found and hand `new` back.
    #[inline]
    fn cas<'g, P: Pointer<T, R>>(
        &self,
        new: P,
        guard: &'g Guard<'_, R>,
        raw_cas: impl FnOnce(NodePtr<T, R>) -> Result<NodePtr<T, R>, NodePtr<T, R>>,
    ) -> Result<Shared<'g, T, R>, CompareExchangeError<'g, T, R, P>> {
        if let Some(birth) = new.owned_birth() {
            guard.cover(birth);
        }
        let new = new.into_tagged();
        match raw_cas(new) {
            Ok(previous) => Ok(Shared::from_tagged(previous)),
            Err(found) => {
                // The value the CAS read comes first; IBR re-reads the link only if the epoch
                // moved past the reservation, exactly as a protected load would.
                let mut first = Some(found);
                let raw = guard.protect(|| {
                    first
                        .take()
                        // Acquire: as in `load`.
                        .unwrap_or_else(|| self.inner.load(Ordering::Acquire))
                        .into_raw()
                        .cast()
                });
                Err(CompareExchangeError {
                    current: Shared::from_tagged(TaggedPtr::from_raw(raw.cast())),
                    // SAFETY: `new` came from `P::into_tagged` and was not stored.
                    new: unsafe { P::from_tagged(new) },
                })
            }
        }
    }

    /// Sets tag bits (`tag | bits`) atomically, returning the previous value; the pointer part
    /// is unchanged. The returned node is as protected as the caller's own reference to it.
    pub fn fetch_or_tag<'g>(
        &self,
        bits: usize,
        order: Ordering,
        _guard: &'g Guard<'_, R>,
    ) -> Shared<'g, T, R> {
        Shared::from_tagged(
            self.inner
                .fetch_or_tag(bits & NodePtr::<T, R>::TAG_MASK, order),
        )
    }

    /// Clears tag bits (`tag & bits`) atomically, returning the previous value.
    pub fn fetch_and_tag<'g>(
        &self,
        bits: usize,
        order: Ordering,
        _guard: &'g Guard<'_, R>,
    ) -> Shared<'g, T, R> {
        Shared::from_tagged(self.inner.fetch_and_tag(bits, order))
    }

    /// Takes the node out of a link nobody else can access any more.
    ///
    /// # Safety
    ///
    /// The link is not null, no other thread can access it or the node, and the node is not
    /// linked elsewhere or retired.
    #[must_use]
    pub unsafe fn into_owned(self) -> Owned<T, R> {
        // Relaxed: exclusive access (this function's contract).
        let ptr = self.inner.load(Ordering::Relaxed);
        // SAFETY: the node is exclusively ours (contract), and `ptr` came from an `Owned`'s
        // or `Shared`'s `into_tagged` when it was stored.
        unsafe { Owned::from_tagged(ptr) }
    }

    /// Takes the node out of a link nobody else can access any more, or `None` if the link
    /// is null (a structure's `Drop` walks its nodes with this, without a guard).
    ///
    /// # Safety
    ///
    /// No other thread can access the link or the node, and the node is not linked
    /// elsewhere or retired.
    #[must_use]
    pub unsafe fn try_into_owned(self) -> Option<Owned<T, R>> {
        // Relaxed: exclusive access (this function's contract).
        let ptr = self.inner.load(Ordering::Relaxed);
        if ptr.is_null() {
            None
        } else {
            // SAFETY: as in `into_owned`; the pointer is not null.
            Some(unsafe { Owned::from_tagged(ptr) })
        }
    }
}

/// `order` for a failed CAS, raised to Acquire so the value read can be protected.
#[inline]
fn acquire_at_least(order: Ordering) -> Ordering {
    match order {
        Ordering::Relaxed => Ordering::Acquire,
        other => other,
    }
}

impl<T, R: Reclaim> Default for Atomic<T, R> {
    fn default() -> Self {
        Self::null()
    }
}

impl<T, R: Reclaim> From<Owned<T, R>> for Atomic<T, R> {
    fn from(value: Owned<T, R>) -> Self {
        Self::new(value)
    }
}

impl<T, R: Reclaim> fmt::Debug for Atomic<T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Relaxed: a diagnostic snapshot; the pointee is not read.
        let ptr = self.inner.load(Ordering::Relaxed);
        f.debug_struct("Atomic")
            .field("ptr", &ptr.ptr())
            .field("tag", &ptr.tag())
            .finish()
    }
}
