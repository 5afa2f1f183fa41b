//! [`LockFreeStack`]: Treiber's stack with elimination backoff, nodes reclaimed through
//! ccol-reclaim.
//!
//! R. K. Treiber, "Systems Programming: Coping with Parallelism", IBM RJ 5118 (1986), for the
//! stack; Hendler, Shavit and Yerushalmi (SPAA 2004) for elimination backoff (see
//! [`elimination`](crate::elimination)).
//!
//! # Algorithm and linearization points
//!
//! - **push**: allocate a node, then loop: protected load of `top`, link `node.next = top`,
//!   CAS `top` → node (Release). Linearizes at the successful CAS. After `trigger` failed CAS the push offers its node in the elimination
//!   array; a taken offer linearizes at the take (the pop right after it).
//! - **pop**: loop: protected load of `top`; null → `None`, linearized at that load; else read
//!   `next`, CAS `top` → next. The winner moves the value out and retires the node; it is freed
//!   once no guard can still see it. After `trigger` failed CAS the pop tries to take an offer.
//! - **ABA**: a popper's `top` is protected by its guard, so that node cannot be freed and its
//!   address reused while the CAS is pending; a node taken by elimination was never in the
//!   stack, so freeing it at once cannot recreate a protected address. A push's `top` is
//!   protected too, although the push never dereferences it: an unprotected `top` could be
//!   freed and its address reused by a new top, and the push's CAS would then succeed and link
//!   a pointer whose allocation is gone (harmless to the hardware, which compares addresses,
//!   but undefined behaviour in Rust's memory model, which tracks provenance; Miri with
//!   address reuse caught it). A pop's `next` needs no protection of its own: nodes below a
//!   protected top stay linked until it is popped, and a node is never pushed twice.
//!
//! # Memory orderings
//!
//! Every write to `top` while it is shared is a CAS (a read-modify-write; the plain writes in
//! `Extend` and `Drop` have `&mut self`, which orders them by itself), so each Release push
//! heads a release sequence that every later pop and push continues (C++20
//! \[intro.races\]): a reader whose Acquire load of `top` returns a node, whoever installed
//! it, synchronizes with that node's pusher and sees its `next` and value. Pops' CAS therefore
//! need no Release of their own.

use core::{fmt, marker::PhantomData, mem::ManuallyDrop, ptr};

use ccol_arch::{CachePadded, config::Config};
use ccol_backoff::Backoff;
use ccol_reclaim::{Atomic, Domain, Guard, Handle, Owned, Reclaim, RegistryFull};

use crate::{
    IntoIter,
    config::Elimination,
    elimination::{EliminationArray, Outcome},
    stats::{Stats, stat},
    sync::atomic::Ordering,
};

/// A stack node: the link below it and the value, moved out by the pop that unlinks it (the
/// node itself is freed later by the reclamation scheme, without dropping the value again).
pub(crate) struct Node<T, R: Reclaim> {
    pub(crate) next: Atomic<Node<T, R>, R>,
    pub(crate) value: ManuallyDrop<T>,
}

/// A lock-free LIFO stack (Treiber) with adaptive elimination backoff, reclaiming its nodes
/// through the scheme `R` ([`Ibr`](ccol_reclaim::Ibr) or [`Debra`](ccol_reclaim::Debra)).
///
/// # Progress and memory
///
/// - [`push`](Self::push)/[`push_guarded`](Self::push_guarded) and
///   [`pop`](Self::pop)/[`pop_guarded`](Self::pop_guarded) are **lock-free**: a CAS on the
///   top fails only because another operation's succeeded (or spuriously, on LL/SC hardware,
///   which is retried at once and whose progress rests on the hardware's); elimination waits
///   are bounded spins that end with a withdraw that always decides. [`is_empty`](Self::is_empty) is wait-free;
///   [`peek`](Self::peek) is lock-free under IBR (its protected load may retry) and wait-free
///   under DEBRA; [`len`](Self::len) walks the stack (O(n)).
/// - One node per element: the scheme's header (8 bytes under IBR, none under DEBRA), the
///   `next` link and the value, allocated by `push`. Popped nodes are retired to the stack's
///   own [`Domain`] and freed in batches once no guard can see them; with IBR a stalled thread
///   keeps at most a bounded number of them (ccol-reclaim's docs), with DEBRA all of them.
///   A freed node's block stays with the thread (participant) that freed it, up to 64 of
///   them, and its next pushes reuse it instead of calling the allocator
///   ([`Owned::with_guard`]); a flush of the domain returns them. Eliminated pairs free their
///   node at once, with no retirement. Dropping the stack frees everything, values included.
///
/// # Guards
///
/// Without `std`, register a [`Handle`] ([`register`](Self::register)) per thread, pin it, and
/// use the `_guarded` forms; a guard must come from this stack's own domain
/// ([`domain`](Self::domain)), or the call panics. Pin around each operation (or a short
/// batch), not for a thread's lifetime: nodes popped while a guard is held stay allocated until
/// it ends (under IBR, those the guard could have seen). Under `std`, [`push`](Self::push),
/// [`pop`](Self::pop) and the other unsuffixed forms pin a thread-local participant.
///
/// # Elimination
///
/// Under `std` the adaptive range and the "no partner" streak belong to the thread, shared by
/// every stack it uses (as HSY's per-thread range): a push-only phase on one stack may make
/// the thread skip the array of another for its next few dozen failed CAS. Without `std` the
/// state belongs to the stack and is shared by its threads.
///
/// # Peeking
///
/// A pop moves its value out at once, while a concurrent peek may still be reading the node.
/// A reference (or a clone) taken by that peek would alias the value the popper now owns and
/// may mutate or drop, so peeking is offered only for `T: Copy`: such values own nothing, and
/// the bytes a peek reads stay in the node until it is freed.
///
/// # Example
///
/// ```
/// use ccol_reclaim::Ibr;
/// use ccol_stack::LockFreeStack;
///
/// let stack: LockFreeStack<u32, Ibr> = LockFreeStack::new();
/// std::thread::scope(|s| {
///     for t in 0..4 {
///         let stack = &stack;
///         s.spawn(move || {
///             for i in 0..100 {
///                 stack.push(t * 100 + i);
///             }
///         });
///     }
/// });
/// let mut seen: Vec<u32> = std::iter::from_fn(|| stack.pop()).collect();
/// seen.sort_unstable();
/// assert_eq!(seen, (0..400).collect::<Vec<_>>());
/// assert!(stack.is_empty());
/// ```
pub struct LockFreeStack<T, R: Reclaim> {
    /// The top of the stack; every write to it after construction is a CAS (module docs).
    top: CachePadded<Atomic<Node<T, R>, R>>,
    elimination: EliminationArray,
    stats: Stats,
    /// Declared last: dropped after `Drop::drop` has freed the linked nodes, it frees the
    /// retired ones (whose values were moved out).
    domain: Domain<R>,
    _values: PhantomData<T>,
}

// SAFETY: the stack owns its `T` values (moving them between threads needs `T: Send`); its
// domain and links are thread-safe.
unsafe impl<T: Send, R: Reclaim> Send for LockFreeStack<T, R> {}
// SAFETY: shared access moves values between threads (`T: Send`) but never shares a `T`
// between threads, except through `peek`, which additionally requires `T: Sync`.
unsafe impl<T: Send, R: Reclaim> Sync for LockFreeStack<T, R> {}

impl<T, R: Reclaim> LockFreeStack<T, R> {
    /// An empty stack with elimination on ([`Elimination::new`]) and its own domain.
    #[must_use]
    pub fn new() -> Self {
        Self::with_elimination(Elimination::new())
    }

    /// An empty stack with the given elimination settings.
    ///
    /// ```
    /// use ccol_reclaim::Debra;
    /// use ccol_stack::{Elimination, LockFreeStack};
    ///
    /// let plain: LockFreeStack<u64, Debra> = LockFreeStack::with_elimination(Elimination::disabled());
    /// assert!(!plain.elimination().is_enabled());
    /// ```
    #[must_use]
    pub fn with_elimination(elimination: Elimination) -> Self {
        Self::with_elimination_and_config(elimination, &Config::DEFAULT)
    }

    /// An empty stack with elimination on whose domain takes the reclamation settings of
    /// `config` (under IBR `retire_threshold`, `epoch_frequency` and `sticky_reservations`;
    /// DEBRA has none). The stack copies them: later changes to `config` do not reach it.
    ///
    /// ```
    /// use ccol_arch::config::Config;
    /// use ccol_reclaim::Ibr;
    /// use ccol_stack::LockFreeStack;
    ///
    /// // Reservations cleared at every operation's end: no thread is ever interrupted to
    /// // revoke one, at the price of a fence per operation.
    /// let config = Config::DEFAULT.with_sticky_reservations(false);
    /// let stack: LockFreeStack<u64, Ibr> = LockFreeStack::with_config(&config);
    /// stack.push(1);
    /// assert_eq!(stack.pop(), Some(1));
    /// ```
    #[must_use]
    pub fn with_config(config: &Config) -> Self {
        Self::with_elimination_and_config(Elimination::new(), config)
    }

    /// An empty stack with the given elimination settings and the reclamation settings of
    /// `config` (see [`with_config`](Self::with_config)).
    #[must_use]
    pub fn with_elimination_and_config(elimination: Elimination, config: &Config) -> Self {
        Self {
            top: CachePadded::new(Atomic::null()),
            elimination: EliminationArray::new(elimination),
            stats: Stats::default(),
            domain: Domain::with_config(config),
            _values: PhantomData,
        }
    }

    /// The elimination settings.
    #[must_use]
    pub fn elimination(&self) -> Elimination {
        self.elimination.config()
    }

    /// The stack's reclamation domain (guards passed to the `_guarded` forms come from it).
    #[must_use]
    pub fn domain(&self) -> &Domain<R> {
        &self.domain
    }

    /// Registers the calling thread with the stack's domain (no_std use: one handle per
    /// thread, pinned around each operation).
    ///
    /// # Errors
    ///
    /// [`RegistryFull`] if the domain has a participant limit and it is reached; the stack's
    /// own domain has none (it grows), so this succeeds unless allocation fails.
    pub fn register(&self) -> Result<Handle<'_, R>, RegistryFull> {
        self.domain.register()
    }

    #[inline]
    #[track_caller]
    fn check_guard(&self, guard: &Guard<'_, R>) {
        assert!(
            ptr::eq(guard.domain(), &self.domain),
            "the guard belongs to another domain than this stack's"
        );
    }

    /// Pushes `value` on top, under `guard` (lock-free).
    ///
    /// # Panics
    ///
    /// If `guard` is not from this stack's [`domain`](Self::domain).
    #[track_caller]
    pub fn push_guarded(&self, value: T, guard: &Guard<'_, R>) {
        self.check_guard(guard);
        self.push_in(value, guard);
    }

    /// A node holding `value`, unlinked.
    fn new_node(&self, value: T) -> Owned<Node<T, R>, R> {
        Owned::new(Self::node_of(value), &self.domain)
    }

    /// [`new_node`](Self::new_node) in a block this participant's earlier pops freed, when
    /// there is one (ccol-reclaim's block cache: no allocator call on the push/pop cycle).
    fn new_node_in(value: T, guard: &Guard<'_, R>) -> Owned<Node<T, R>, R> {
        Owned::with_guard(Self::node_of(value), guard)
    }

    fn node_of(value: T) -> Node<T, R> {
        Node {
            next: Atomic::null(),
            value: ManuallyDrop::new(value),
        }
    }

    /// [`push_guarded`](Self::push_guarded) for a guard known to be of this stack's domain.
    fn push_in(&self, value: T, guard: &Guard<'_, R>) {
        let mut node = Self::new_node_in(value, guard);
        let mut failures: u32 = 0;
        let mut backoff = Backoff::new();
        // Protected (module docs, ABA): the CAS below may link this node.
        let mut top = self.top.load(guard);
        loop {
            // Relaxed: the node is unpublished; the Release CAS below publishes this link.
            node.next.store(top, Ordering::Relaxed);
            // Release: publishes the node (its value and `next`) to the Acquire loads of
            // `top` in `pop`/`peek`/`len`, directly or through the release sequence (module
            // docs). Failure: Relaxed (the value found is only compared again).
            match self.top.compare_exchange_weak(
                top,
                node,
                Ordering::Release,
                Ordering::Relaxed,
                guard,
            ) {
                Ok(_) => break,
                Err(failed) => {
                    node = failed.new;
                    stat!(self.stats => push_cas_failures);
                    if failed.current == top {
                        // A spurious failure of the weak CAS (LL/SC), not contention.
                        continue;
                    }
                    failures = failures.saturating_add(1);
                }
            }
            if self.elimination.should_visit(failures) {
                let raw = node.into_raw();
                match self.elimination.offer(raw, &self.stats) {
                    Outcome::Hit(()) => break,
                    outcome => {
                        // SAFETY: the offer was withdrawn or never made (anything but a
                        // hit), so the node is still ours, given up by `into_raw` above.
                        node = unsafe { Owned::from_raw(raw) };
                        if outcome == Outcome::Skipped {
                            backoff.spin();
                        }
                    }
                }
            } else {
                backoff.spin();
            }
            // Re-read after the wait above (the value the failed CAS found is stale by now).
            top = self.top.load(guard);
        }
        stat!(self.stats => pushes);
    }

    /// Removes and returns the top value, or `None` if the stack is empty, under `guard`
    /// (lock-free).
    ///
    /// # Panics
    ///
    /// If `guard` is not from this stack's [`domain`](Self::domain).
    #[track_caller]
    pub fn pop_guarded(&self, guard: &Guard<'_, R>) -> Option<T> {
        self.check_guard(guard);
        self.pop_in(guard)
    }

    /// [`pop_guarded`](Self::pop_guarded) for a guard known to be of this stack's domain.
    fn pop_in(&self, guard: &Guard<'_, R>) -> Option<T> {
        if let Some(raw) = self.elimination.take_waiting(&self.stats) {
            return Some(self.eliminated(raw));
        }
        let mut failures: u32 = 0;
        let mut backoff = Backoff::new();
        loop {
            // Protected Acquire load: pairs with the Release CAS of the node's push.
            let top = self.top.load(guard);
            // SAFETY: `top` comes from a protected load under `guard`.
            let Some(node) = (unsafe { top.as_ref() }) else {
                return self.found_empty();
            };
            let next = node.next.load_unprotected(Ordering::Relaxed, guard);
            // Relaxed on success: the Acquire load above already ordered the node's reads,
            // and later readers of `next` synchronize with its own push (release sequence,
            // module docs). Failure: raised to Acquire by ccol-reclaim (protected retry).
            match self.top.compare_exchange_weak(
                top,
                next,
                Ordering::Relaxed,
                Ordering::Relaxed,
                guard,
            ) {
                Ok(_) => {
                    // The CAS unlinked the node, so this thread alone moves its value out;
                    // readers only ever copy `T: Copy` values (`peek`), and the node's drop
                    // never drops the value.
                    // SAFETY: as just said, the value is moved out exactly once.
                    let value = unsafe { ptr::read(&*node.value) };
                    // SAFETY: the node is unlinked (by the CAS above) and retired once.
                    unsafe { guard.retire(top) };
                    stat!(self.stats => pops);
                    return Some(value);
                }
                Err(failed) => {
                    stat!(self.stats => pop_cas_failures);
                    if failed.current == top {
                        // A spurious failure of the weak CAS (LL/SC), not contention.
                        continue;
                    }
                    failures = failures.saturating_add(1);
                }
            }
            if self.elimination.should_visit(failures) {
                match self.elimination.take(&self.stats) {
                    Outcome::Hit(raw) => return Some(self.eliminated(raw)),
                    Outcome::Skipped => backoff.spin(),
                    Outcome::Timeout | Outcome::Collision => {}
                }
            } else {
                backoff.spin();
            }
        }
    }

    /// The result of a pop that found the stack empty (counted under `stats`).
    #[inline]
    fn found_empty(&self) -> Option<T> {
        stat!(self.stats => empty_pops);
        None
    }

    /// The value of a node taken from the elimination array (the pop half of a pair).
    fn eliminated(&self, raw: core::ptr::NonNull<()>) -> T {
        // SAFETY: a take transfers the offered node to this thread alone; the node was given
        // up by `Owned::into_raw` in this stack's `push_guarded` and never published.
        let node = unsafe { Owned::<Node<T, R>, R>::from_raw(raw) }.into_inner();
        stat!(self.stats => pops);
        ManuallyDrop::into_inner(node.value)
    }

    /// A reference to the top value, valid while `guard` lives, or `None` if the stack is
    /// empty. Linearizes at its protected load of the top.
    ///
    /// Offered for `T: Copy` only (see [Peeking](Self#peeking)).
    ///
    /// # Panics
    ///
    /// If `guard` is not from this stack's [`domain`](Self::domain).
    #[track_caller]
    pub fn peek<'g>(&self, guard: &'g Guard<'_, R>) -> Option<&'g T>
    where
        T: Copy + Sync,
    {
        self.check_guard(guard);
        let top = self.top.load(guard);
        // The node's value bytes stay in place until the node is freed, which the guard
        // prevents, and `T: Copy` owns nothing a popper could free or mutate through its copy.
        // SAFETY: protected load under `guard` (and the above for the value).
        unsafe { top.as_ref() }.map(|node| &*node.value)
    }

    /// Whether the stack is empty at the moment of one load of the top (wait-free).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        // Acquire: like any reader of `top`, pairs with the push that installed it (nothing
        // is dereferenced here, but callers may act on the answer).
        self.top.is_null(Ordering::Acquire)
    }

    /// The number of values, counted by walking the stack under `guard` (O(n)).
    ///
    /// Approximate under concurrency: values pushed or popped during the walk may or may not
    /// be counted, so the result need not be the length at any single moment. Exact when no
    /// other thread modifies the stack.
    ///
    /// # Panics
    ///
    /// If `guard` is not from this stack's [`domain`](Self::domain).
    #[track_caller]
    pub fn len_guarded(&self, guard: &Guard<'_, R>) -> usize {
        self.check_guard(guard);
        let mut count = 0;
        let mut current = self.top.load(guard);
        // SAFETY: every pointer walked comes from a protected load under `guard`.
        while let Some(node) = unsafe { current.as_ref() } {
            count += 1;
            current = node.next.load(guard);
        }
        count
    }

    /// A snapshot of the counters (feature `stats`).
    #[cfg(feature = "stats")]
    #[cfg_attr(docsrs, doc(cfg(feature = "stats")))]
    #[must_use]
    pub fn stats(&self) -> crate::StackStats {
        self.stats
            .snapshot(if self.elimination.config().is_enabled() {
                self.elimination.current_range()
            } else {
                1
            })
    }

    /// Pushes with exclusive access: no atomics, no guard (used by `Extend`).
    fn push_exclusive(&mut self, value: T) {
        let mut node = self.new_node(value);
        node.next = core::mem::take(&mut *self.top);
        *self.top = Atomic::from(node);
    }
}

#[cfg(feature = "std")]
#[cfg_attr(docsrs, doc(cfg(feature = "std")))]
impl<T, R: Reclaim> LockFreeStack<T, R> {
    /// Pushes `value` on top (lock-free; pins the calling thread's participant).
    pub fn push(&self, value: T) {
        // The guard comes from this stack's own domain: no check needed.
        self.push_in(value, &self.domain.pin());
    }

    /// Removes and returns the top value, or `None` if the stack is empty (lock-free).
    pub fn pop(&self) -> Option<T> {
        // The guard comes from this stack's own domain: no check needed.
        self.pop_in(&self.domain.pin())
    }

    /// A copy of the top value, or `None` if the stack is empty (see
    /// [`peek`](Self::peek)).
    #[must_use]
    pub fn peek_copied(&self) -> Option<T>
    where
        T: Copy + Sync,
    {
        self.peek(&self.domain.pin()).copied()
    }

    /// The number of values (O(n) walk; see [`len_guarded`](Self::len_guarded)).
    #[must_use]
    pub fn len(&self) -> usize {
        self.len_guarded(&self.domain.pin())
    }

    /// Frees every popped node no guard can still see (and helps the domain's epoch along).
    pub fn flush(&self) {
        self.domain.flush();
    }
}

impl<T, R: Reclaim> Drop for LockFreeStack<T, R> {
    /// Drops every value still in the stack, top first (if one's destructor panics, the rest
    /// are still dropped, as `Vec` does), then the domain frees the popped nodes.
    fn drop(&mut self) {
        drop(IntoIter::new(core::mem::take(&mut *self.top)));
    }
}

impl<T, R: Reclaim> IntoIterator for LockFreeStack<T, R> {
    type Item = T;
    type IntoIter = IntoIter<T, R>;

    /// The values from top to bottom, by value.
    fn into_iter(mut self) -> IntoIter<T, R> {
        IntoIter::new(core::mem::take(&mut *self.top))
    }
}

impl<T, R: Reclaim> Default for LockFreeStack<T, R> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T, R: Reclaim> Extend<T> for LockFreeStack<T, R> {
    /// Pushes every item in order (the last one ends on top); exclusive access, no guard.
    fn extend<I: IntoIterator<Item = T>>(&mut self, iter: I) {
        for value in iter {
            self.push_exclusive(value);
        }
    }
}

impl<T, R: Reclaim> FromIterator<T> for LockFreeStack<T, R> {
    /// A stack holding the items, the last one on top.
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut stack = Self::new();
        stack.extend(iter);
        stack
    }
}

impl<T, R: Reclaim> fmt::Debug for LockFreeStack<T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LockFreeStack")
            .field("scheme", &R::NAME)
            .field("is_empty", &self.is_empty())
            .field("elimination", &self.elimination.config())
            .finish_non_exhaustive()
    }
}
