//! [`StaticStack`]: a lock-free stack over a fixed pool of nodes, with no allocator and no
//! reclamation, usable in a `static` shared by threads or by a main loop and its interrupts.
//!
//! Two Treiber stacks of node *indices* share the pool: the stack itself and a free list.
//! Each head is one atomic word holding the index of the first node and an ABA tag that every
//! successful CAS increments, the classic remedy when nodes are reused at once instead of
//! reclaimed (Treiber 1986; IBM System/370 *Principles of Operation*, compare-double-and-swap
//! appendix). Nodes never handed out yet are taken from a bump counter, so the pool needs no
//! initialization loop and `new` is a `const fn`.
//!
//! # Word layout
//!
//! | target | head word | index bits | tag bits | largest `N` |
//! |---|---|---|---|---|
//! | 64-bit atomics (x86-64, AArch64, ARMv7-A, RV64, ...) | `u64` | 32 | 32 | 2^32 − 2 |
//! | 32-bit CAS only (Cortex-M3/M4/M7, RV32A) or no CAS with `portable-atomic` (Cortex-M0, RV32I) | `u32` | 16 | 16 | 65 534 |
//!
//! A pop is fooled by ABA only if its head word returns to the same (index, tag) pair while
//! the pop is between its load and its CAS: 2^32 successful operations on that head on
//! 64-bit-atomic targets, 2^16 on the narrow layout. An interrupt handler that runs a bounded
//! number of operations per interrupt cannot get there; on a preemptive multi-threaded 32-bit
//! system, a pop preempted across 65 536 operations of other threads could.
//!
//! # Linearization points
//!
//! push: the CAS linking its node into the stack (or, when full, the failed allocation);
//! pop: the CAS unlinking the top node, or the load that found the stack empty.

use core::{fmt, mem::MaybeUninit};

use crate::sync::{atomic::Ordering, cell::UnsafeCell};

#[cfg(target_has_atomic = "64")]
type Word = crate::sync::atomic::AtomicU64;
#[cfg(target_has_atomic = "64")]
type Raw = u64;
#[cfg(target_has_atomic = "64")]
const INDEX_BITS: u32 = 32;

#[cfg(not(target_has_atomic = "64"))]
type Word = crate::sync::atomic::AtomicU32;
#[cfg(not(target_has_atomic = "64"))]
type Raw = u32;
#[cfg(not(target_has_atomic = "64"))]
const INDEX_BITS: u32 = 16;

const INDEX_MASK: Raw = (1 << INDEX_BITS) - 1;
/// The "no node" index (all index bits set).
const NIL: Raw = INDEX_MASK;

/// `(index, tag)` → head word.
const fn pack(index: Raw, tag: Raw) -> Raw {
    (tag << INDEX_BITS) | (index & INDEX_MASK)
}

const fn index_of(word: Raw) -> Raw {
    word & INDEX_MASK
}

/// The word a successful CAS installs: `index` with the old word's tag plus one (wrapping
/// within the tag bits).
const fn next_word(old: Raw, index: Raw) -> Raw {
    pack(index, (old >> INDEX_BITS).wrapping_add(1))
}

/// One pool node: the index of the node below it and the value slot.
struct Slot<T> {
    /// Written by the node's current owner before a Release CAS links it; read by pops
    /// after an Acquire load of the head (validated by the head's tag).
    next: Word,
    /// Initialized exactly while the node is linked in the stack (or being moved in/out by
    /// the operation that owns it).
    value: UnsafeCell<MaybeUninit<T>>,
}

impl<T> Slot<T> {
    ccol_atomics::const_fn! {
        const fn new() -> Self {
            Self { next: Word::new(NIL), value: UnsafeCell::new(MaybeUninit::uninit()) }
        }
    }
}

/// A bounded, allocation-free, lock-free LIFO stack of at most `N` values.
///
/// Const-constructible, so it can be a `static` (it is `Sync` for `T: Send`), and safe to
/// share between a main loop and interrupt handlers: on targets with compare-and-swap no
/// operation takes a lock or disables interrupts. On targets without it, `portable-atomic`
/// provides the CAS with the option the final binary chose: its `critical-section` option
/// disables interrupts around each CAS (a lock on multi-core parts), its single-core option
/// does so on one core; either way every operation stays interrupt-safe.
///
/// # Progress and memory
///
/// [`push`](Self::push) and [`pop`](Self::pop) are lock-free; [`is_empty`](Self::is_empty) and
/// [`capacity`](Self::capacity) wait-free. The memory is the struct itself: three head words
/// and `N` nodes (a word plus a `T` each); nothing is ever allocated or deferred. `N` is
/// limited by the index width (module docs: 2^32 − 2, or 65 534 on targets with only 32-bit
/// atomics); a larger `N` fails to compile.
///
/// # Capacity under concurrency
///
/// A push reports full when all `N` nodes are in use, counting nodes that concurrent pushes
/// have taken but not linked yet and nodes that concurrent pops have unlinked but not
/// returned yet. Without concurrency that is exactly "N values stored"; with it, a push may
/// also fail in that short window while fewer than `N` values are visible.
///
/// # Example
///
/// ```
/// use ccol_stack::StaticStack;
///
/// static EVENTS: StaticStack<u32, 4> = StaticStack::new();
///
/// assert_eq!(EVENTS.push(1), Ok(()));
/// assert_eq!(EVENTS.push(2), Ok(()));
/// assert_eq!(EVENTS.pop(), Some(2));
/// for v in 10..13 {
///     EVENTS.push(v).unwrap();
/// }
/// assert_eq!(EVENTS.push(99), Err(99)); // full: 1, 10, 11, 12
/// assert_eq!(EVENTS.pop(), Some(12));
/// ```
pub struct StaticStack<T, const N: usize> {
    /// Head of the stack: (index of the top node, tag).
    head: Word,
    /// Head of the free list of returned nodes: (index, tag).
    free: Word,
    /// Nodes `fresh..N` were never handed out.
    fresh: Word,
    nodes: [Slot<T>; N],
}

// SAFETY: the stack owns its `T` values; moving the stack moves them (`T: Send`).
unsafe impl<T: Send, const N: usize> Send for StaticStack<T, N> {}
// SAFETY: shared access only moves whole values in and out, each node's value being accessed
// by the one operation that owns the node at the time (never shared), so `T: Send` suffices.
unsafe impl<T: Send, const N: usize> Sync for StaticStack<T, N> {}

impl<T, const N: usize> StaticStack<T, N> {
    /// The largest `N` on this target (module docs).
    pub const MAX_CAPACITY: usize = (NIL - 1) as usize;

    /// An empty stack (a `const fn`, so it can initialize a `static`).
    ///
    /// Fails to compile if `N` exceeds [`MAX_CAPACITY`](Self::MAX_CAPACITY).
    #[cfg(not(ccol_loom))]
    #[must_use]
    pub const fn new() -> Self {
        const {
            assert!(
                N <= Self::MAX_CAPACITY,
                "StaticStack: N exceeds MAX_CAPACITY"
            )
        };
        Self {
            head: Word::new(pack(NIL, 0)),
            free: Word::new(pack(NIL, 0)),
            fresh: Word::new(0),
            nodes: [const { Slot::new() }; N],
        }
    }

    /// An empty stack (loom's atomics have no `const` constructors).
    #[cfg(ccol_loom)]
    #[must_use]
    pub fn new() -> Self {
        const {
            assert!(
                N <= Self::MAX_CAPACITY,
                "StaticStack: N exceeds MAX_CAPACITY"
            )
        };
        Self {
            head: Word::new(pack(NIL, 0)),
            free: Word::new(pack(NIL, 0)),
            fresh: Word::new(0),
            nodes: core::array::from_fn(|_| Slot::new()),
        }
    }

    /// The capacity, `N`.
    #[must_use]
    pub const fn capacity(&self) -> usize {
        N
    }

    /// Pushes `value` on top, or hands it back if all `N` nodes are in use (lock-free).
    ///
    /// # Errors
    ///
    /// `Err(value)` when the stack is full (see [capacity under
    /// concurrency](Self#capacity-under-concurrency)).
    pub fn push(&self, value: T) -> Result<(), T> {
        let Some(index) = self.take_node() else {
            return Err(value);
        };
        self.nodes[index].value.with_mut(|slot| {
            // SAFETY: `take_node` gave this node to this call alone; its value slot is
            // uninitialized (never used, or moved out by the pop that returned it).
            unsafe { (*slot).write(value) };
        });
        self.link(&self.head, index);
        Ok(())
    }

    /// Removes and returns the top value, or `None` if the stack is empty (lock-free).
    pub fn pop(&self) -> Option<T> {
        let index = self.unlink(&self.head)?;
        let value = self.nodes[index].value.with(|slot| {
            // SAFETY: `unlink` gave this node to this call alone, and a node in the stack
            // holds an initialized value, which is moved out exactly once here.
            unsafe { (*slot).assume_init_read() }
        });
        self.link(&self.free, index);
        Some(value)
    }

    /// Whether the stack is empty at the moment of one load of its head (wait-free).
    #[must_use]
    pub fn is_empty(&self) -> bool {
        // Acquire: pairs with the Release CAS of the push that linked the top node, like
        // every reader of the head.
        index_of(self.head.load(Ordering::Acquire)) == NIL
    }

    /// The number of values, counted by walking the stack (at most `N` steps).
    ///
    /// Approximate under concurrency (values pushed or popped during the walk may or may not
    /// be counted); exact when no other thread or interrupt modifies the stack.
    #[must_use]
    pub fn len(&self) -> usize {
        // Acquire: as in `is_empty`; the `next` loads below are ordered after it.
        let mut index = index_of(self.head.load(Ordering::Acquire));
        let mut count = 0;
        while index != NIL && count < N {
            count += 1;
            // Relaxed: a concurrent change makes the count approximate, which is documented;
            // the walk stays in bounds (indices are below N or NIL, and at most N steps).
            index = index_of(self.nodes[index as usize].next.load(Ordering::Relaxed));
        }
        count
    }

    /// A node for a push: from the free list, else a never-used one; `None` if all are in use.
    fn take_node(&self) -> Option<usize> {
        if let Some(index) = self.unlink(&self.free) {
            return Some(index);
        }
        // Relaxed: the counter only hands out distinct indices (the CAS makes each one
        // unique); a fresh node's contents are published by the push's Release CAS.
        let mut fresh = self.fresh.load(Ordering::Relaxed);
        loop {
            if fresh as usize >= N {
                return None;
            }
            match self.fresh.compare_exchange_weak(
                fresh,
                fresh + 1,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return Some(fresh as usize),
                Err(current) => fresh = current,
            }
        }
    }

    /// Treiber pop of an index from `list` (the stack or the free list).
    fn unlink(&self, list: &Word) -> Option<usize> {
        // Acquire: pairs with the Release CAS in `link` that installed the node (directly
        // or through the release sequence of CAS that followed it), so its `next` and value
        // are visible.
        let mut word = list.load(Ordering::Acquire);
        loop {
            let index = index_of(word);
            if index == NIL {
                return None;
            }
            // Relaxed: ordered by the Acquire above; if the node moved since, the head's
            // tag changed too and the CAS below fails.
            let next = self.nodes[index as usize].next.load(Ordering::Relaxed);
            // Acquire (both): the word found on failure is used like the load above.
            match list.compare_exchange_weak(
                word,
                next_word(word, index_of(next)),
                Ordering::Acquire,
                Ordering::Acquire,
            ) {
                Ok(_) => return Some(index as usize),
                Err(current) => word = current,
            }
        }
    }

    /// Treiber push of node `index` (owned by the caller) onto `list`.
    fn link(&self, list: &Word, index: usize) {
        let index = index as Raw;
        // Relaxed: the value is only stored in the node's `next` and checked by the CAS.
        let mut word = list.load(Ordering::Relaxed);
        loop {
            // Relaxed: published by the Release CAS below.
            self.nodes[index as usize]
                .next
                .store(index_of(word), Ordering::Relaxed);
            // Release: publishes `next` and the value written (or, on the free list, the
            // value moved out) to the Acquire in `unlink`.
            match list.compare_exchange_weak(
                word,
                next_word(word, index),
                Ordering::Release,
                Ordering::Relaxed,
            ) {
                Ok(_) => return,
                Err(current) => word = current,
            }
        }
    }
}

impl<T, const N: usize> Drop for StaticStack<T, N> {
    /// Drops the remaining values, top first (if one's destructor panics, the rest are still
    /// dropped, as `Vec` does; a second panic aborts).
    fn drop(&mut self) {
        struct Rest<'a, T, const N: usize>(&'a StaticStack<T, N>);

        impl<T, const N: usize> Drop for Rest<'_, T, N> {
            fn drop(&mut self) {
                while let Some(value) = self.0.pop() {
                    drop(value);
                }
            }
        }

        let rest = Rest(self);
        while let Some(value) = rest.0.pop() {
            drop(value);
        }
    }
}

impl<T, const N: usize> Default for StaticStack<T, N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T, const N: usize> fmt::Debug for StaticStack<T, N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaticStack")
            .field("capacity", &N)
            .field("len", &self.len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::{INDEX_BITS, NIL, index_of, next_word, pack};

    #[test]
    fn words_carry_index_and_tag() {
        let w = pack(5, 7);
        assert_eq!(index_of(w), 5);
        assert_eq!(w >> INDEX_BITS, 7);
        let n = next_word(w, NIL);
        assert_eq!(index_of(n), NIL);
        assert_eq!(n >> INDEX_BITS, 8);
    }

    #[test]
    fn tags_wrap_within_their_bits() {
        let max_tag = (1 << (super::Raw::BITS - INDEX_BITS)) - 1;
        let w = pack(3, max_tag);
        let n = next_word(w, 4);
        assert_eq!(index_of(n), 4);
        assert_eq!(n >> INDEX_BITS, 0);
    }
}
