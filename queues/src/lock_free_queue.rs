//! [`LockFreeQueue`]: the family's lock-free FIFO queue, bounded (SCQD) or unbounded (LSCQ).

use core::{fmt, ptr};

use ccol_arch::config::Config;
use ccol_reclaim::{Domain, Guard, Handle, Reclaim, RegistryFull};

#[cfg(feature = "std")]
use ccol_arch::CachePadded;
#[cfg(feature = "std")]
use core::time::Duration;

#[cfg(feature = "std")]
use crate::event::{self, Event};
use crate::{BoundedQueue, PopError, PushError, lscq::Lscq};

/// The default capacity of one segment of an unbounded queue.
pub const DEFAULT_SEGMENT_CAPACITY: usize = 1024;

/// A lock-free multi-producer multi-consumer FIFO queue on Nikolaev's SCQ rings (DISC 2019),
/// bounded or unbounded, reclaiming through the scheme `R` ([`Ibr`](ccol_reclaim::Ibr) or
/// [`Debra`](ccol_reclaim::Debra)).
///
/// - [`bounded(capacity)`](Self::bounded): a [`BoundedQueue`] — two index rings and a data
///   array allocated once; pushes fail with [`PushError::Full`] at `capacity`. Reclamation
///   is never used (the guard-taking forms ignore their guard).
/// - [`unbounded()`](Self::unbounded): LSCQ — a linked list of such rings ("segments") of
///   [`DEFAULT_SEGMENT_CAPACITY`] values each (or [`unbounded_with_segment_capacity`]). A
///   push that finds the last segment full closes it and links a new one; pops move to the
///   next segment once the current one is closed and drained, and retire it to the queue's
///   own [`Domain`].
///
/// # Progress and memory
///
/// Every push and pop is **lock-free**, with no waiting on other threads: ring positions are
/// claimed with fetch-and-add and settled with single-word CAS; a dequeuer re-reads an empty
/// slot a bounded number of times at most. A pop that finds the queue empty claims no
/// position and writes nothing shared (it reads the head's slot twice, a pause apart, and the
/// tail), so polling an empty queue costs its producers only those reads. Two qualifications, both outside the algorithm:
/// the `std` forms pin a thread-local participant, and a thread's first operation on a queue
/// registers it with the queue's domain, which briefly takes ccol-reclaim's process-wide
/// registration lock (the `_guarded` forms with a handle registered up front never do); and
/// an unbounded push that fills a segment allocates the next one through the global
/// allocator. [`len`](Self::len) is wait-free for the bounded form and O(segments) for the
/// unbounded one; [`is_full`](Self::is_full) and [`capacity`](Self::capacity) are wait-free.
/// [`try_pop`](Self::try_pop) and [`close`](Self::close) are lock-free too. The blocking
/// forms ([`pop_blocking`](Self::pop_blocking), [`push_blocking`](Self::push_blocking) and
/// the timeout variants, `std` only) park the thread and are not lock-free; while a thread is
/// parked, a push or pop that may let it through takes a short lock to wake it.
///
/// # Closing
///
/// [`close`](Self::close) ends the queue for pushers: later pushes fail with
/// [`PushError::Closed`] (value handed back), pops drain what is left and `try_pop` then
/// reports [`PopError::Closed`]; parked threads wake. Pushes in flight at the close land and
/// are drained, or fail — `Closed` never strands a value. The unbounded form marks the last
/// segment's link after finalizing its ring, so no push can append a segment behind the close.
///
/// A segment of capacity `c` costs `c * size_of::<T>()` bytes of values plus
/// `4 * c.next_power_of_two()` words of ring slots and a few cache lines; an unbounded queue
/// holds one segment when it is short, and frees drained segments through its domain once no
/// guard can see them (with IBR a stalled thread keeps a bounded number of them). The bounded
/// form allocates only at construction. Dropping the queue drops every value still in it.
///
/// # Linearizability
///
/// A successful push takes effect at the ring CAS that stores its index (or at the CAS that
/// links a new segment holding it), a successful pop at the atomic OR that consumes an index,
/// a failed pop at a moment the queue was empty. Values come out in the order their pushes
/// took effect. A full bounded queue may refuse a push while a concurrent pop still holds
/// the cell it emptied ([`BoundedQueue`]'s "capacity under concurrency").
///
/// # Guards
///
/// Under `std`, [`push`](Self::push) and [`pop`](Self::pop) pin a thread-local participant of
/// the queue's domain (the bounded form never pins). Without `std`, register a [`Handle`]
/// per thread ([`register`](Self::register)), pin it around each operation and use
/// [`push_guarded`](Self::push_guarded)/[`pop_guarded`](Self::pop_guarded); a guard from
/// another domain makes the unbounded form panic.
///
/// The unbounded form needs 64-bit pointers (a segment's `tail` reserves its top bit).
///
/// # Example
///
/// ```
/// use std::{sync::Arc, thread};
///
/// use ccol_queues::LockFreeQueue;
/// use ccol_reclaim::Ibr;
///
/// let queue: Arc<LockFreeQueue<u64, Ibr>> = Arc::new(LockFreeQueue::unbounded());
/// let producers: Vec<_> = (0..2)
///     .map(|p| {
///         let queue = Arc::clone(&queue);
///         thread::spawn(move || {
///             for i in 0..100 {
///                 queue.push(p * 100 + i).unwrap();
///             }
///         })
///     })
///     .collect();
/// producers.into_iter().for_each(|t| t.join().unwrap());
/// let mut sum = 0;
/// while let Some(value) = queue.pop() {
///     sum += value;
/// }
/// assert_eq!(sum, (0..200).sum::<u64>());
/// ```
///
/// [`unbounded_with_segment_capacity`]: Self::unbounded_with_segment_capacity
pub struct LockFreeQueue<T, R: Reclaim> {
    form: Form<T, R>,
    /// Where the unbounded form's blocking pops park (the bounded form has its own).
    #[cfg(feature = "std")]
    not_empty: CachePadded<Event>,
    /// Declared last: dropped after the linked segments, it frees the retired ones.
    domain: Domain<R>,
}

/// The two forms. The size difference does not matter: one value per queue, never moved
/// on the hot path.
#[allow(
    clippy::large_enum_variant,
    reason = "one per queue; boxing the unbounded form would add a pointer chase per operation"
)]
enum Form<T, R: Reclaim> {
    Bounded(BoundedQueue<T>),
    Unbounded(Lscq<T, R>),
}

// SAFETY: values move between threads through the queue (`T: Send`); the queue never hands
// out references to values; segments are shared through the reclamation domain, whose links
// are thread-safe, and may be dropped (with leftover values) on any thread, again `T: Send`.
unsafe impl<T: Send, R: Reclaim> Sync for LockFreeQueue<T, R> {}
// SAFETY: sending the queue sends the values it owns.
unsafe impl<T: Send, R: Reclaim> Send for LockFreeQueue<T, R> {}

impl<T, R: Reclaim> LockFreeQueue<T, R> {
    /// A bounded queue holding at most `capacity` values (exactly; see [`BoundedQueue`]).
    ///
    /// # Panics
    ///
    /// If `capacity` is 0 or above [`BoundedQueue::MAX_CAPACITY`].
    #[must_use]
    pub fn bounded(capacity: usize) -> Self {
        Self {
            form: Form::Bounded(BoundedQueue::new(capacity)),
            #[cfg(feature = "std")]
            not_empty: CachePadded::new(Event::new()),
            domain: Domain::new(),
        }
    }

    /// An unbounded queue with segments of [`DEFAULT_SEGMENT_CAPACITY`] values.
    #[must_use]
    pub fn unbounded() -> Self {
        Self::unbounded_with_segment_capacity(DEFAULT_SEGMENT_CAPACITY)
    }

    /// An unbounded queue with segments of `segment_capacity` values: larger segments mean
    /// fewer allocations while the queue grows, smaller ones less memory while it is short.
    ///
    /// # Panics
    ///
    /// If `segment_capacity` is 0 or above [`BoundedQueue::MAX_CAPACITY`].
    #[must_use]
    pub fn unbounded_with_segment_capacity(segment_capacity: usize) -> Self {
        Self::unbounded_with_config(segment_capacity, &Config::DEFAULT)
    }

    /// An unbounded queue with segments of `segment_capacity` values whose domain, which
    /// reclaims drained segments, takes the reclamation settings of `config` (under IBR
    /// `retire_threshold`, `epoch_frequency` and `sticky_reservations`; DEBRA has none). The
    /// queue copies them: later changes to `config` do not reach it.
    ///
    /// ```
    /// use ccol_arch::config::Config;
    /// use ccol_queues::{DEFAULT_SEGMENT_CAPACITY, LockFreeQueue};
    /// use ccol_reclaim::Ibr;
    ///
    /// let config = Config::DEFAULT.with_sticky_reservations(false);
    /// let queue: LockFreeQueue<u64, Ibr> =
    ///     LockFreeQueue::unbounded_with_config(DEFAULT_SEGMENT_CAPACITY, &config);
    /// queue.push(7).unwrap();
    /// assert_eq!(queue.pop(), Some(7));
    /// ```
    ///
    /// # Panics
    ///
    /// If `segment_capacity` is 0 or above [`BoundedQueue::MAX_CAPACITY`].
    #[must_use]
    pub fn unbounded_with_config(segment_capacity: usize, config: &Config) -> Self {
        assert!(
            segment_capacity > 0 && segment_capacity <= BoundedQueue::<T>::MAX_CAPACITY,
            "segment capacity must be in 1..=MAX_CAPACITY, got {segment_capacity}"
        );
        let domain = Domain::with_config(config);
        let lscq = Lscq::new(segment_capacity, &domain);
        Self {
            form: Form::Unbounded(lscq),
            #[cfg(feature = "std")]
            not_empty: CachePadded::new(Event::new()),
            domain,
        }
    }

    /// The queue's reclamation domain (guards passed to the `_guarded` forms come from it).
    pub fn domain(&self) -> &Domain<R> {
        &self.domain
    }

    /// Registers the calling thread with the queue's domain (no_std use: one handle per
    /// thread, pinned around each operation).
    ///
    /// # Errors
    ///
    /// [`RegistryFull`] if the domain has a participant limit and it is reached; the queue's
    /// own domain has none, so this succeeds unless allocation fails.
    pub fn register(&self) -> Result<Handle<'_, R>, RegistryFull> {
        self.domain.register()
    }

    fn check_guard(&self, guard: &Guard<'_, R>) {
        assert!(
            ptr::eq(guard.domain(), &self.domain),
            "the guard belongs to another domain than this queue's"
        );
    }

    /// Appends `value` at the back, with the caller's guard (lock-free).
    ///
    /// # Errors
    ///
    /// [`PushError::Full`] with `value` when the bounded form holds `capacity` values;
    /// [`PushError::Closed`] with `value` once the queue was closed (the only error of the
    /// unbounded form).
    ///
    /// # Panics
    ///
    /// If `guard` is not from this queue's [`domain`](Self::domain) (unbounded form).
    #[inline]
    pub fn push_guarded(&self, value: T, guard: &Guard<'_, R>) -> Result<(), PushError<T>> {
        if let Form::Unbounded(_) = self.form {
            self.check_guard(guard);
        }
        self.push_checked(value, guard)
    }

    /// `push_guarded` with a guard known to be from this queue's domain.
    #[inline]
    fn push_checked(&self, value: T, guard: &Guard<'_, R>) -> Result<(), PushError<T>> {
        match &self.form {
            Form::Bounded(queue) => queue.push(value),
            Form::Unbounded(lscq) => {
                let pushed = lscq.push(value, guard).map_err(PushError::Closed);
                #[cfg(feature = "std")]
                if pushed.is_ok() {
                    self.not_empty.notify_one();
                }
                pushed
            }
        }
    }

    /// Removes the value at the front, with the caller's guard (lock-free).
    ///
    /// # Errors
    ///
    /// [`PopError::Empty`] if the queue is empty and open; [`PopError::Closed`] once it was
    /// [closed](Self::close_guarded) and every value pushed before has been taken (pushes
    /// still in flight at the close are settled first: they land or fail with
    /// [`PushError::Closed`]).
    ///
    /// # Panics
    ///
    /// If `guard` is not from this queue's [`domain`](Self::domain) (unbounded form).
    pub fn try_pop_guarded(&self, guard: &Guard<'_, R>) -> Result<T, PopError> {
        match &self.form {
            Form::Bounded(queue) => queue.try_pop(),
            Form::Unbounded(lscq) => {
                self.check_guard(guard);
                lscq.try_pop(guard)
            }
        }
    }

    /// Closes the queue, with the caller's guard: every later push fails with
    /// [`PushError::Closed`], pops drain what is left and then report [`PopError::Closed`],
    /// and every thread parked in a blocking form wakes. Returns whether this call closed it
    /// (once, for good). Lock-free (with blocking forms in use it takes their locks briefly
    /// to wake the waiters).
    ///
    /// # Panics
    ///
    /// If `guard` is not from this queue's [`domain`](Self::domain) (unbounded form).
    pub fn close_guarded(&self, guard: &Guard<'_, R>) -> bool {
        match &self.form {
            Form::Bounded(queue) => queue.close(),
            Form::Unbounded(lscq) => {
                self.check_guard(guard);
                let first = lscq.close(guard);
                #[cfg(feature = "std")]
                self.not_empty.notify_all();
                first
            }
        }
    }

    /// Whether the queue was closed, with the caller's guard (bounded: wait-free; unbounded:
    /// lock-free, normally one segment link read).
    ///
    /// # Panics
    ///
    /// If `guard` is not from this queue's [`domain`](Self::domain) (unbounded form).
    pub fn is_closed_guarded(&self, guard: &Guard<'_, R>) -> bool {
        match &self.form {
            Form::Bounded(queue) => queue.is_closed(),
            Form::Unbounded(lscq) => {
                self.check_guard(guard);
                lscq.is_closed(guard)
            }
        }
    }

    /// Removes the value at the front, with the caller's guard, or returns `None` if the
    /// queue is empty (lock-free).
    ///
    /// # Panics
    ///
    /// If `guard` is not from this queue's [`domain`](Self::domain) (unbounded form).
    #[inline]
    pub fn pop_guarded(&self, guard: &Guard<'_, R>) -> Option<T> {
        match &self.form {
            Form::Bounded(queue) => queue.pop(),
            Form::Unbounded(lscq) => {
                self.check_guard(guard);
                lscq.pop(guard)
            }
        }
    }

    /// The number of values in the queue, approximately while operations are in flight
    /// (bounded: wait-free; unbounded: the sum over the linked segments, O(segments)).
    ///
    /// Exact when no operation is in flight (a push that bounced off a finalized segment
    /// moved that segment's `tail`, but a segment counts the smaller of its queued indices and
    /// its taken cells).
    ///
    /// # Panics
    ///
    /// If `guard` is not from this queue's [`domain`](Self::domain) (unbounded form).
    pub fn len_guarded(&self, guard: &Guard<'_, R>) -> usize {
        match &self.form {
            Form::Bounded(queue) => queue.len(),
            Form::Unbounded(lscq) => {
                self.check_guard(guard);
                lscq.len(guard)
            }
        }
    }

    /// Whether the queue looks full: the bounded form at capacity; never the unbounded one
    /// (wait-free).
    #[must_use]
    pub fn is_full(&self) -> bool {
        match &self.form {
            Form::Bounded(queue) => queue.is_full(),
            Form::Unbounded(_) => false,
        }
    }

    /// The capacity of the bounded form, `None` for the unbounded one.
    #[must_use]
    pub fn capacity(&self) -> Option<usize> {
        match &self.form {
            Form::Bounded(queue) => Some(queue.capacity()),
            Form::Unbounded(_) => None,
        }
    }

    /// The capacity of one segment of the unbounded form, `None` for the bounded one.
    #[must_use]
    pub fn segment_capacity(&self) -> Option<usize> {
        match &self.form {
            Form::Bounded(_) => None,
            Form::Unbounded(lscq) => Some(lscq.segment_capacity()),
        }
    }

    /// A snapshot of the queue's counters, with the caller's guard (feature `stats`).
    ///
    /// # Panics
    ///
    /// If `guard` is not from this queue's [`domain`](Self::domain) (unbounded form).
    #[cfg(feature = "stats")]
    #[cfg_attr(docsrs, doc(cfg(feature = "stats")))]
    pub fn stats_guarded(&self, guard: &Guard<'_, R>) -> crate::QueueStats {
        match &self.form {
            Form::Bounded(queue) => queue.stats(),
            Form::Unbounded(lscq) => {
                self.check_guard(guard);
                lscq.stats
                    .snapshot_unbounded(&lscq.segment_stats, &lscq.ring_stats(guard))
            }
        }
    }
}

/// The convenience forms: each pins a thread-local participant of the queue's domain (only
/// the unbounded form needs one).
#[cfg(feature = "std")]
impl<T, R: Reclaim> LockFreeQueue<T, R> {
    /// Appends `value` at the back (lock-free).
    ///
    /// # Errors
    ///
    /// [`PushError::Full`] with `value` when the bounded form holds `capacity` values;
    /// [`PushError::Closed`] with `value` once the queue was closed (the only error of the
    /// unbounded form).
    #[inline]
    pub fn push(&self, value: T) -> Result<(), PushError<T>> {
        match &self.form {
            Form::Bounded(queue) => queue.push(value),
            // The guard comes from this queue's own domain: no check needed.
            Form::Unbounded(_) => self.push_checked(value, &self.domain.pin()),
        }
    }

    /// Removes the value at the front (lock-free).
    ///
    /// # Errors
    ///
    /// As [`try_pop_guarded`](Self::try_pop_guarded).
    pub fn try_pop(&self) -> Result<T, PopError> {
        match &self.form {
            Form::Bounded(queue) => queue.try_pop(),
            Form::Unbounded(lscq) => lscq.try_pop(&self.domain.pin()),
        }
    }

    /// Closes the queue (see [`close_guarded`](Self::close_guarded)); returns whether this
    /// call closed it.
    pub fn close(&self) -> bool {
        match &self.form {
            Form::Bounded(queue) => queue.close(),
            Form::Unbounded(_) => self.close_guarded(&self.domain.pin()),
        }
    }

    /// Whether the queue was closed (see [`is_closed_guarded`](Self::is_closed_guarded)).
    #[must_use]
    pub fn is_closed(&self) -> bool {
        match &self.form {
            Form::Bounded(queue) => queue.is_closed(),
            Form::Unbounded(lscq) => lscq.is_closed(&self.domain.pin()),
        }
    }

    /// Appends `value`; the bounded form parks while the queue is full. Blocking, not
    /// lock-free (see [`BoundedQueue`'s blocking forms](BoundedQueue::push_blocking)); the
    /// unbounded form never waits.
    ///
    /// # Errors
    ///
    /// [`PushError::Closed`] with `value` if the queue is (or gets) closed first.
    pub fn push_blocking(&self, value: T) -> Result<(), PushError<T>> {
        match &self.form {
            Form::Bounded(queue) => queue.push_blocking(value),
            Form::Unbounded(_) => self.push(value),
        }
    }

    /// Appends `value`; the bounded form parks at most `timeout` while the queue is full.
    ///
    /// # Errors
    ///
    /// [`PushError::Full`] with `value` if the bounded queue was still full when the time
    /// ran out; [`PushError::Closed`] with `value` if the queue is (or gets) closed first.
    pub fn push_timeout(&self, value: T, timeout: Duration) -> Result<(), PushError<T>> {
        match &self.form {
            Form::Bounded(queue) => queue.push_timeout(value, timeout),
            Form::Unbounded(_) => self.push(value),
        }
    }

    /// Removes the value at the front, parking while the queue is empty. Blocking, not
    /// lock-free: the thread parks until a push or [`close`](Self::close) wakes it (an event
    /// count the non-blocking forms touch only as one load, unless a thread is parked; no
    /// sleep-polling).
    ///
    /// # Errors
    ///
    /// [`PopError::Closed`] once the queue is closed and drained (never `Empty`).
    pub fn pop_blocking(&self) -> Result<T, PopError> {
        match &self.form {
            Form::Bounded(queue) => queue.pop_blocking(),
            Form::Unbounded(_) => event::pop_until(&self.not_empty, None, || self.try_pop()),
        }
    }

    /// Removes the value at the front, parking at most `timeout` while the queue is empty.
    ///
    /// # Errors
    ///
    /// [`PopError::Empty`] if the queue was still empty when the time ran out;
    /// [`PopError::Closed`] once it is closed and drained.
    pub fn pop_timeout(&self, timeout: Duration) -> Result<T, PopError> {
        match &self.form {
            Form::Bounded(queue) => queue.pop_timeout(timeout),
            Form::Unbounded(_) => {
                let deadline = event::deadline_after(timeout);
                event::pop_until(&self.not_empty, deadline, || self.try_pop())
            }
        }
    }

    /// Removes the value at the front, or returns `None` if the queue is empty (lock-free).
    #[inline]
    pub fn pop(&self) -> Option<T> {
        match &self.form {
            Form::Bounded(queue) => queue.pop(),
            Form::Unbounded(lscq) => lscq.pop(&self.domain.pin()),
        }
    }

    /// The number of values in the queue (see [`len_guarded`](Self::len_guarded)).
    #[must_use]
    pub fn len(&self) -> usize {
        match &self.form {
            Form::Bounded(queue) => queue.len(),
            Form::Unbounded(lscq) => lscq.len(&self.domain.pin()),
        }
    }

    /// Whether the queue looks empty ([`len`](Self::len) is 0).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Frees every drained segment no guard can still see (unbounded form).
    pub fn flush(&self) {
        self.domain.flush();
    }

    /// A snapshot of the queue's counters (feature `stats`; see
    /// [`QueueStats`](crate::QueueStats) for what the unbounded form reports).
    #[cfg(feature = "stats")]
    #[cfg_attr(docsrs, doc(cfg(feature = "stats")))]
    #[must_use]
    pub fn stats(&self) -> crate::QueueStats {
        self.stats_guarded(&self.domain.pin())
    }
}

#[cfg(feature = "std")]
impl<T, R: Reclaim> crate::Queue<T> for LockFreeQueue<T, R> {
    #[inline]
    fn push(&self, value: T) -> Result<(), PushError<T>> {
        Self::push(self, value)
    }
    #[inline]
    fn pop(&self) -> Option<T> {
        Self::pop(self)
    }
    fn try_pop(&self) -> Result<T, PopError> {
        Self::try_pop(self)
    }
    fn close(&self) -> bool {
        Self::close(self)
    }
    fn is_closed(&self) -> bool {
        Self::is_closed(self)
    }
    fn len(&self) -> usize {
        Self::len(self)
    }
    fn is_full(&self) -> bool {
        Self::is_full(self)
    }
    fn capacity(&self) -> Option<usize> {
        Self::capacity(self)
    }
}

impl<T, R: Reclaim> Drop for LockFreeQueue<T, R> {
    fn drop(&mut self) {
        if let Form::Unbounded(lscq) = &mut self.form {
            lscq.free_segments();
        }
    }
}

impl<T, R: Reclaim> fmt::Debug for LockFreeQueue<T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = f.debug_struct("LockFreeQueue");
        match &self.form {
            Form::Bounded(queue) => out.field("capacity", &queue.capacity()),
            Form::Unbounded(lscq) => out.field("segment_capacity", &lscq.segment_capacity()),
        };
        out.finish_non_exhaustive()
    }
}
