//! [`IntoIter`]: a [`LockFreeStack`](crate::LockFreeStack) taken apart by value, top first.

use core::{fmt, mem::ManuallyDrop};

use ccol_reclaim::{Atomic, Reclaim};

use crate::treiber::Node;

/// The values of a [`LockFreeStack`](crate::LockFreeStack), by value, from top to bottom
/// (from `into_iter`). Dropping it drops the values it did not yield.
///
/// ```
/// use ccol_reclaim::Ibr;
/// use ccol_stack::LockFreeStack;
///
/// let stack: LockFreeStack<String, Ibr> = ["a", "b", "c"].map(String::from).into_iter().collect();
/// let values: Vec<String> = stack.into_iter().collect();
/// assert_eq!(values, ["c", "b", "a"]);
/// ```
pub struct IntoIter<T, R: Reclaim> {
    /// The rest of the chain, owned exclusively (never published again, never retired).
    link: Atomic<Node<T, R>, R>,
}

impl<T, R: Reclaim> IntoIter<T, R> {
    /// Takes ownership of the chain starting at `link`.
    pub(crate) fn new(link: Atomic<Node<T, R>, R>) -> Self {
        Self { link }
    }
}

impl<T, R: Reclaim> Iterator for IntoIter<T, R> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        let link = core::mem::take(&mut self.link);
        // The chain was handed over with exclusive access (the stack was consumed or is being
        // dropped), and its nodes are linked only here, never retired (pops retire only what
        // they unlinked).
        // SAFETY: as just said, nothing else can reach the link or its node.
        let node = unsafe { link.try_into_owned() }?.into_inner();
        self.link = node.next;
        Some(ManuallyDrop::into_inner(node.value))
    }
}

impl<T, R: Reclaim> Drop for IntoIter<T, R> {
    fn drop(&mut self) {
        /// Keeps dropping if a value's destructor panics (a second panic aborts), so the
        /// remaining values and nodes are not leaked.
        struct Rest<'a, T, R: Reclaim>(&'a mut IntoIter<T, R>);

        impl<T, R: Reclaim> Drop for Rest<'_, T, R> {
            fn drop(&mut self) {
                for value in &mut *self.0 {
                    drop(value);
                }
            }
        }

        let rest = Rest(self);
        for value in &mut *rest.0 {
            drop(value);
        }
    }
}

// SAFETY: the iterator owns its values (like the stack, `T: Send` moves them).
unsafe impl<T: Send, R: Reclaim> Send for IntoIter<T, R> {}
// SAFETY: `&IntoIter` gives no access to the values.
unsafe impl<T, R: Reclaim> Sync for IntoIter<T, R> {}

impl<T, R: Reclaim> fmt::Debug for IntoIter<T, R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IntoIter").finish_non_exhaustive()
    }
}
