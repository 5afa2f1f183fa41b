//! [`Queue`]: the operations every queue of the family offers.

use crate::{PopError, PushError};

/// The non-blocking operations every FIFO queue of the family offers, so that code, tests
/// and benchmarks can swap implementations — statically (`impl Queue<T>`) or behind
/// `dyn Queue<T>` (the trait is object safe).
///
/// Each implementation documents its own progress guarantee; for every queue of this crate
/// `push`, `pop`, `try_pop` and `close` are lock-free (with blocking forms in use, an
/// operation that may let a parked thread through takes a short lock to wake it), and
/// `capacity` is wait-free, as are `len`, `is_empty`, `is_full` and `is_closed` for the
/// bounded queues (the unbounded queue walks its segments).
///
/// # Example
///
/// ```
/// use ccol_queues::{BoundedQueue, Queue, StaticQueue};
///
/// fn pump(from: &dyn Queue<u32>, to: &dyn Queue<u32>) -> usize {
///     let mut moved = 0;
///     while let Some(value) = from.pop() {
///         if let Err(full) = to.push(value) {
///             from.push(full.into_inner()).unwrap(); // room: the pop just made it
///             break;
///         }
///         moved += 1;
///     }
///     moved
/// }
///
/// let from = BoundedQueue::new(8);
/// (0..5).for_each(|i| from.push(i).unwrap());
/// let to: StaticQueue<u32, 4> = StaticQueue::new();
/// assert_eq!(pump(&from, &to), 4);
/// assert_eq!((Queue::len(&from), Queue::len(&to)), (1, 4));
/// ```
pub trait Queue<T> {
    /// Appends `value` at the back.
    ///
    /// # Errors
    ///
    /// The value comes back in [`PushError::Full`] when the queue is bounded and full, or in
    /// [`PushError::Closed`] when it was closed.
    fn push(&self, value: T) -> Result<(), PushError<T>>;

    /// Removes the value at the front, or returns `None` if the queue is empty (or closed
    /// and drained).
    fn pop(&self) -> Option<T>;

    /// Removes the value at the front.
    ///
    /// # Errors
    ///
    /// [`PopError::Empty`] if the queue is empty and open, [`PopError::Closed`] once it was
    /// closed and every value pushed before has been taken.
    fn try_pop(&self) -> Result<T, PopError>;

    /// Closes the queue: later pushes fail with [`PushError::Closed`], pops drain what is
    /// left. Returns whether this call closed it.
    fn close(&self) -> bool;

    /// Whether the queue was closed.
    fn is_closed(&self) -> bool;

    /// The number of values in the queue (approximate while operations are in flight).
    fn len(&self) -> usize;

    /// Whether the queue looks empty.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether the queue looks full (never, for an unbounded queue).
    fn is_full(&self) -> bool;

    /// The capacity, or `None` for an unbounded queue.
    fn capacity(&self) -> Option<usize>;
}

/// Forwards every method to the inherent method of the same name.
macro_rules! forward_queue {
    (impl [$($generic:tt)*] for $ty:ty { capacity: |$q:ident| $capacity:expr }) => {
        impl<$($generic)*> $crate::Queue<T> for $ty {
            #[inline]
            fn push(&self, value: T) -> Result<(), $crate::PushError<T>> {
                Self::push(self, value)
            }
            #[inline]
            fn pop(&self) -> Option<T> {
                Self::pop(self)
            }
            fn try_pop(&self) -> Result<T, $crate::PopError> {
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
            fn is_empty(&self) -> bool {
                Self::is_empty(self)
            }
            fn is_full(&self) -> bool {
                Self::is_full(self)
            }
            fn capacity(&self) -> Option<usize> {
                let $q = self;
                $capacity
            }
        }
    };
}
pub(crate) use forward_queue;
