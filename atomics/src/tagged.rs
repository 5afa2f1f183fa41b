//! Tagged pointers: a pointer and a small tag packed into one word, with strict provenance.
//!
//! A `T` is aligned to `align_of::<T>()` bytes, so the low `log2(align_of::<T>())` bits of every
//! valid `*mut T` are zero. [`TaggedPtr`] keeps a tag in those bits, and [`AtomicTaggedPtr`]
//! updates pointer and tag together with single-word atomics: the "marked pointer" of Harris'
//! linked list (Harris, *A Pragmatic Implementation of Non-Blocking Linked-Lists*, DISC 2001),
//! the edge flags of the Natarajan–Mittal BST, or a small ABA counter.
//!
//! # Strict provenance
//!
//! Tags are added and removed with `<*mut T>::map_addr` and read with `<*mut T>::addr`; no
//! integer is ever cast back to a pointer, so the pointer returned by [`TaggedPtr::ptr`] keeps
//! the provenance of the one passed in, and Miri's `-Zmiri-strict-provenance` accepts it.
//!
//! # How many bits
//!
//! [`TaggedPtr::TAG_BITS`] is `align_of::<T>().trailing_zeros()` and [`TaggedPtr::TAG_MASK`]
//! is `align_of::<T>() - 1`, both derived from the *alignment* of `T`, never its size: a
//! `[u8; 24]` has size 24 but alignment 1, so `TaggedPtr<[u8; 24]>` has no tag bits at all.
//! Raise the alignment of a node type with `#[repr(align(N))]` to get more bits.
//!
//! # `fetch_or_tag` and `fetch_and_tag` are CAS loops
//!
//! `AtomicPtr::fetch_or`/`fetch_and` keep provenance, but core stabilized them in Rust 1.91,
//! after this crate's MSRV (1.85), and loom 0.7 has no such methods. So both are a
//! `compare_exchange_weak` loop on every backend: **lock-free** (some thread's CAS succeeds in
//! every round), not wait-free. A single `lock or` would be wait-free on x86-64; this costs an
//! extra load and may retry under contention.
#![allow(
    clippy::module_name_repetitions,
    reason = "`TaggedPtr`/`AtomicTaggedPtr` are the names users import"
)]

use core::{fmt, hash, mem::align_of, ptr};

use crate::sync::atomic::{AtomicPtr, Ordering};

/// A `*mut T` with a tag of [`TAG_BITS`](Self::TAG_BITS) bits in its alignment bits.
///
/// Plain data, `Copy`, and neither `Send` nor `Sync` (like `*mut T`). Equality and hashing look
/// at the pointer's address and the tag, never at provenance.
///
/// # Invariant
///
/// `raw` is the pointer with its low `TAG_BITS` bits replaced by the tag: `raw.addr() &
/// !TAG_MASK` is the pointer's address and `raw.addr() & TAG_MASK` the tag. Every value of
/// `raw` is a valid `TaggedPtr` (the tag bits are simply read back), so
/// [`from_raw`](Self::from_raw) is safe.
///
/// ```
/// use ccol_atomics::TaggedPtr;
///
/// #[repr(align(8))]
/// struct Node(u64);
///
/// let mut node = Node(7);
/// let raw = core::ptr::from_mut(&mut node);
/// let p = TaggedPtr::new(raw, 0b101);
/// assert_eq!(TaggedPtr::<Node>::TAG_BITS, 3);
/// assert_eq!(p.tag(), 0b101);
/// assert_eq!(p.ptr(), raw);
/// // SAFETY: `node` is live and not mutably borrowed while the reference exists.
/// assert_eq!(unsafe { p.as_ref() }.map(|n| n.0), Some(7));
/// // A tag that does not fit is refused by the checked constructor.
/// assert!(TaggedPtr::try_new(raw, 8).is_none());
/// ```
pub struct TaggedPtr<T> {
    raw: *mut T,
}

impl<T> TaggedPtr<T> {
    /// Number of tag bits: `log2(align_of::<T>())` (0 for byte-aligned types).
    pub const TAG_BITS: u32 = align_of::<T>().trailing_zeros();

    /// Mask of the tag bits: `align_of::<T>() - 1`.
    pub const TAG_MASK: usize = align_of::<T>() - 1;

    /// The null pointer with tag 0.
    #[inline]
    #[must_use]
    pub const fn null() -> Self {
        Self {
            raw: ptr::null_mut(),
        }
    }

    /// Packs `ptr` and `tag`.
    ///
    /// `ptr` must be aligned to `align_of::<T>()` (every pointer to a live `T` is) and `tag` must
    /// be at most [`TAG_MASK`](Self::TAG_MASK). In release builds the excess bits of both are
    /// masked off: the tag is `tag & TAG_MASK` and a misaligned pointer loses its low bits. Use
    /// [`try_new`](Self::try_new) when the inputs are not known to fit.
    ///
    /// # Panics
    ///
    /// With debug assertions, if `ptr` is misaligned or `tag > TAG_MASK`.
    #[inline]
    #[must_use]
    #[track_caller]
    pub fn new(ptr: *mut T, tag: usize) -> Self {
        debug_assert!(
            ptr.addr() & Self::TAG_MASK == 0,
            "TaggedPtr::new: pointer is not aligned to align_of::<T>()"
        );
        debug_assert!(
            tag <= Self::TAG_MASK,
            "TaggedPtr::new: tag does not fit in TAG_BITS bits"
        );
        Self {
            raw: ptr.map_addr(|addr| (addr & !Self::TAG_MASK) | (tag & Self::TAG_MASK)),
        }
    }

    /// Packs `ptr` and `tag`, or returns `None` if `ptr` is misaligned or `tag > TAG_MASK`.
    #[inline]
    #[must_use]
    pub fn try_new(ptr: *mut T, tag: usize) -> Option<Self> {
        if ptr.addr() & Self::TAG_MASK == 0 && tag <= Self::TAG_MASK {
            Some(Self {
                raw: ptr.map_addr(|addr| addr | tag),
            })
        } else {
            None
        }
    }

    /// Reinterprets a combined pointer (as returned by [`into_raw`](Self::into_raw)).
    #[inline]
    #[must_use]
    pub const fn from_raw(raw: *mut T) -> Self {
        Self { raw }
    }

    /// The combined pointer: the address with the tag in its low bits, and the provenance of
    /// the pointer. Do not dereference it unless the tag is 0.
    #[inline]
    #[must_use]
    pub const fn into_raw(self) -> *mut T {
        self.raw
    }

    /// The pointer without its tag.
    #[inline]
    #[must_use]
    pub fn ptr(self) -> *mut T {
        self.raw.map_addr(|addr| addr & !Self::TAG_MASK)
    }

    /// The tag.
    #[inline]
    #[must_use]
    pub fn tag(self) -> usize {
        self.raw.addr() & Self::TAG_MASK
    }

    /// The same pointer with tag `tag`.
    ///
    /// # Panics
    ///
    /// With debug assertions, if `tag > TAG_MASK`; in release builds the tag is `tag & TAG_MASK`.
    #[inline]
    #[must_use]
    #[track_caller]
    pub fn with_tag(self, tag: usize) -> Self {
        debug_assert!(
            tag <= Self::TAG_MASK,
            "TaggedPtr::with_tag: tag does not fit in TAG_BITS bits"
        );
        Self {
            raw: self
                .raw
                .map_addr(|addr| (addr & !Self::TAG_MASK) | (tag & Self::TAG_MASK)),
        }
    }

    /// Whether the pointer part is null (whatever the tag).
    #[inline]
    #[must_use]
    pub fn is_null(self) -> bool {
        self.raw.addr() & !Self::TAG_MASK == 0
    }

    /// A shared reference to the pointee, or `None` if the pointer part is null.
    ///
    /// # Safety
    ///
    /// If the pointer part is not null:
    /// - it must point to an initialized `T` that stays live and is not written through any
    ///   other pointer for all of `'a`;
    /// - the rules of `<*mut T>::as_ref` apply.
    #[inline]
    #[must_use]
    pub unsafe fn as_ref<'a>(self) -> Option<&'a T> {
        // SAFETY: the caller guarantees that a non-null pointer part is valid for shared reads
        // for 'a (this function's contract); a null one gives `None`.
        unsafe { self.ptr().as_ref() }
    }
}

impl<T> Clone for TaggedPtr<T> {
    #[inline]
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for TaggedPtr<T> {}

impl<T> PartialEq for TaggedPtr<T> {
    #[inline]
    fn eq(&self, other: &Self) -> bool {
        self.raw.addr() == other.raw.addr()
    }
}

impl<T> Eq for TaggedPtr<T> {}

impl<T> hash::Hash for TaggedPtr<T> {
    fn hash<H: hash::Hasher>(&self, state: &mut H) {
        self.raw.addr().hash(state);
    }
}

impl<T> Default for TaggedPtr<T> {
    /// [`TaggedPtr::null`].
    fn default() -> Self {
        Self::null()
    }
}

impl<T> fmt::Debug for TaggedPtr<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TaggedPtr")
            .field("ptr", &self.ptr())
            .field("tag", &self.tag())
            .finish()
    }
}

impl<T> fmt::Pointer for TaggedPtr<T> {
    /// Formats the pointer part.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Pointer::fmt(&self.ptr(), f)
    }
}

/// An atomic [`TaggedPtr`]: pointer and tag are loaded, stored and compared as one word.
///
/// **Progress:** `load`, `store`, `swap` and the compare-exchanges are single atomic operations
/// of the sync facade's `AtomicPtr` (wait-free where the target's word RMW is one instruction,
/// as on x86-64; an LL/SC loop elsewhere). [`fetch_or_tag`](Self::fetch_or_tag) and
/// [`fetch_and_tag`](Self::fetch_and_tag) are CAS loops: lock-free (see the
/// [module docs](self)). Exception: with the `portable-atomic` feature on a target without
/// native CAS (Armv6-M, RV32 without A), every operation runs inside portable-atomic's
/// fallback — interrupts disabled, or the final binary's `critical-section` implementation,
/// which on a multi-core chip may be a spin lock — and is then not lock-free.
///
/// ```
/// use ccol_atomics::{AtomicTaggedPtr, TaggedPtr, sync::atomic::Ordering};
///
/// #[repr(align(4))]
/// struct Node(u32);
///
/// let mut node = Node(1);
/// let raw = core::ptr::from_mut(&mut node);
/// let link = AtomicTaggedPtr::new(TaggedPtr::new(raw, 0));
/// // Logically delete: set the mark bit. Exactly one of several racing markers sees tag 0.
/// let before = link.fetch_or_tag(1, Ordering::AcqRel);
/// assert_eq!(before.tag(), 0);
/// assert_eq!(link.load(Ordering::Acquire).tag(), 1);
/// assert_eq!(link.load(Ordering::Acquire).ptr(), raw);
/// ```
#[repr(transparent)]
pub struct AtomicTaggedPtr<T> {
    /// The combined pointer of a [`TaggedPtr`] (its `raw` field).
    inner: AtomicPtr<T>,
}

impl<T> AtomicTaggedPtr<T> {
    crate::const_fn! {
        /// Creates an atomic tagged pointer holding `value` (`const` except under loom).
        #[inline]
        #[must_use]
        pub const fn new(value: TaggedPtr<T>) -> Self {
            Self { inner: AtomicPtr::new(value.raw) }
        }
    }

    crate::const_fn! {
        /// Creates an atomic tagged pointer holding [`TaggedPtr::null`] (`const` except under
        /// loom).
        #[inline]
        #[must_use]
        pub const fn null() -> Self {
            Self { inner: AtomicPtr::new(ptr::null_mut()) }
        }
    }

    /// Loads pointer and tag.
    ///
    /// # Panics
    ///
    /// If `order` is `Release` or `AcqRel` (as `AtomicPtr::load`).
    #[inline]
    pub fn load(&self, order: Ordering) -> TaggedPtr<T> {
        // Ordering: the caller's; this is a plain forwarding wrapper.
        TaggedPtr::from_raw(self.inner.load(order))
    }

    /// Stores pointer and tag.
    ///
    /// # Panics
    ///
    /// If `order` is `Acquire` or `AcqRel` (as `AtomicPtr::store`).
    #[inline]
    pub fn store(&self, value: TaggedPtr<T>, order: Ordering) {
        // Ordering: the caller's; this is a plain forwarding wrapper.
        self.inner.store(value.raw, order);
    }

    /// Stores `value` and returns the previous pointer and tag.
    #[inline]
    pub fn swap(&self, value: TaggedPtr<T>, order: Ordering) -> TaggedPtr<T> {
        // Ordering: the caller's; this is a plain forwarding wrapper.
        TaggedPtr::from_raw(self.inner.swap(value.raw, order))
    }

    /// Stores `new` if the current pointer *and* tag equal `current`.
    ///
    /// Returns `Ok(previous)` on success and `Err(actual)` with the value found otherwise. The
    /// comparison is by address and tag, not provenance.
    ///
    /// # Panics
    ///
    /// If `failure` is `Release` or `AcqRel` (as `AtomicPtr::compare_exchange`).
    #[inline]
    pub fn compare_exchange(
        &self,
        current: TaggedPtr<T>,
        new: TaggedPtr<T>,
        success: Ordering,
        failure: Ordering,
    ) -> Result<TaggedPtr<T>, TaggedPtr<T>> {
        // Ordering: the caller's; this is a plain forwarding wrapper.
        self.inner
            .compare_exchange(current.raw, new.raw, success, failure)
            .map(TaggedPtr::from_raw)
            .map_err(TaggedPtr::from_raw)
    }

    /// Like [`compare_exchange`](Self::compare_exchange), but may fail spuriously (even when the
    /// values are equal); use it in a retry loop.
    ///
    /// # Panics
    ///
    /// If `failure` is `Release` or `AcqRel`.
    #[inline]
    pub fn compare_exchange_weak(
        &self,
        current: TaggedPtr<T>,
        new: TaggedPtr<T>,
        success: Ordering,
        failure: Ordering,
    ) -> Result<TaggedPtr<T>, TaggedPtr<T>> {
        // Ordering: the caller's; this is a plain forwarding wrapper.
        self.inner
            .compare_exchange_weak(current.raw, new.raw, success, failure)
            .map(TaggedPtr::from_raw)
            .map_err(TaggedPtr::from_raw)
    }

    /// Sets the tag bits in `bits` (tag |= bits), keeps the pointer, and returns the previous
    /// pointer and tag: one atomic read-modify-write with ordering `order`.
    ///
    /// Even when the bits are already set the operation writes (the same value), so it always
    /// takes part in release sequences, like `fetch_or`. Lock-free: a CAS loop (module docs).
    ///
    /// # Panics
    ///
    /// With debug assertions, if `bits > TaggedPtr::<T>::TAG_MASK`; in release builds the
    /// excess bits are ignored.
    #[inline]
    #[track_caller]
    pub fn fetch_or_tag(&self, bits: usize, order: Ordering) -> TaggedPtr<T> {
        debug_assert!(
            bits <= TaggedPtr::<T>::TAG_MASK,
            "AtomicTaggedPtr::fetch_or_tag: bits do not fit in TAG_BITS bits"
        );
        let bits = bits & TaggedPtr::<T>::TAG_MASK;
        self.fetch_map_addr(order, |addr| addr | bits)
    }

    /// Keeps only the tag bits in `bits` (tag &= bits), keeps the pointer, and returns the
    /// previous pointer and tag; bits of `bits` outside the tag are ignored. One atomic
    /// read-modify-write with ordering `order`; lock-free (a CAS loop, module docs).
    #[inline]
    pub fn fetch_and_tag(&self, bits: usize, order: Ordering) -> TaggedPtr<T> {
        let keep = bits | !TaggedPtr::<T>::TAG_MASK;
        self.fetch_map_addr(order, |addr| addr & keep)
    }

    /// Unwraps the value; ownership proves no other access is outstanding.
    #[inline]
    pub fn into_inner(self) -> TaggedPtr<T> {
        TaggedPtr::from_raw(self.inner.into_inner())
    }

    /// Replaces the address of the combined pointer with `f(address)` in one successful CAS
    /// with ordering `order`, and returns the value it replaced.
    #[inline]
    fn fetch_map_addr(&self, order: Ordering, f: impl Fn(usize) -> usize) -> TaggedPtr<T> {
        // Relaxed: this load only seeds the loop; the CAS below compares against the value in
        // memory, and the successful CAS carries the caller's ordering.
        let mut current = self.inner.load(Ordering::Relaxed);
        loop {
            let new = current.map_addr(&f);
            // Ordering: `order` on success, the caller's choice, as for a single `fetch_or`.
            // Relaxed on failure: the value read only seeds the next attempt and publishes
            // nothing to this thread.
            match self
                .inner
                .compare_exchange_weak(current, new, order, Ordering::Relaxed)
            {
                Ok(previous) => return TaggedPtr::from_raw(previous),
                Err(actual) => current = actual,
            }
        }
    }
}

impl<T> Default for AtomicTaggedPtr<T> {
    /// [`AtomicTaggedPtr::null`].
    fn default() -> Self {
        Self::null()
    }
}

impl<T> From<TaggedPtr<T>> for AtomicTaggedPtr<T> {
    fn from(value: TaggedPtr<T>) -> Self {
        Self::new(value)
    }
}

impl<T> fmt::Debug for AtomicTaggedPtr<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Relaxed: a diagnostic snapshot; nothing is read through the pointer.
        fmt::Debug::fmt(&self.load(Ordering::Relaxed), f)
    }
}
