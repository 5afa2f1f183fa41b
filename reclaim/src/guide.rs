//! A guide to choosing a scheme and writing a data structure on this crate.
//!
//! # Which scheme
//!
//! | | [`Ibr`](crate::Ibr) | [`Debra`](crate::Debra) |
//! |---|---|---|
//! | garbage with a reader stalled inside a guard | bounded: only objects born before the reader's reservation | unbounded: nothing is freed until the reader leaves |
//! | per-node header | 8 bytes (birth epoch) | none |
//! | protected load | load, epoch load, compare (retry if the epoch moved) | one load |
//! | outermost pin / unpin | epoch load, two stores, fence / one store; under std on Linux, while the epoch stays the same: epoch load, one store, one load (no fence) / one store | epoch load, one store, fence / one store |
//! | reclamation work | a scan of all reservations every `retire_threshold` retirements, run when the retirer's guard drops | one announcement check per pin, a bag rotation per epoch |
//! | feature | `ibr` | `debra` |
//!
//! Pick IBR when a reader can be descheduled or slow while inside a guard (long iterations,
//! oversubscribed machines, priority inversion) and memory must stay predictable; pick DEBRA
//! when readers are short and protected loads dominate (IBR's epoch check per load).
//!
//! Under std on Linux, IBR keeps a participant's reservation published between its guards
//! ("sticky", see the [`ibr`](crate::ibr) module), so a guard costs no fence while the epoch
//! stays the same; a thread that stops using the domain then holds back what it could see at
//! its last guard until a scan revokes its reservation with one membarrier(2) call (done when
//! that garbage reaches `retire_threshold` entries, and by every `flush`). A domain built from
//! `Config::DEFAULT.with_sticky_reservations(false)` (or with `CCOL_STICKY_RESERVATIONS=0` in
//! the environment, for domains built from `Config::global()`) clears reservations at every
//! outermost unpin instead and never interrupts other threads.
//!
//! # Registration
//!
//! - Without std: `let handle = domain.register()?;` then `handle.pin()`. A domain built with
//!   [`Domain::with_max_participants`](crate::Domain::with_max_participants) returns
//!   [`RegistryFull`](crate::RegistryFull) when every slot is taken; dropping a handle frees its
//!   slot for reuse.
//! - With std: `domain.pin()` uses a thread-local participant, registered on first use and
//!   released when the thread exits.
//!
//! # Writing a data structure
//!
//! 1. Allocate nodes with [`Owned::new`](crate::Owned::new) in the structure's domain and
//!    publish them with a Release store or CAS ([`Atomic::store`](crate::Atomic::store),
//!    [`Atomic::compare_exchange`](crate::Atomic::compare_exchange)).
//! 2. Every traversal runs inside one guard and reads links only with
//!    [`Atomic::load`](crate::Atomic::load) (protected). Do not keep a `Shared` past its guard:
//!    the lifetime forbids it.
//! 3. The thread whose CAS unlinks a node retires it, once, with
//!    [`Guard::retire`](crate::Guard::retire), after the node is unreachable for threads that
//!    pin later (for a skip list: unlinked at every level).
//! 4. In `Drop` of the structure (exclusive access), free remaining nodes directly with
//!    [`Atomic::into_owned`](crate::Atomic::into_owned) or `Shared::into_owned`; nodes already
//!    retired are freed by the domain.
//!
//! # A Treiber stack in thirty lines
//!
//! ```
//! use core::{mem::ManuallyDrop, ptr, sync::atomic::Ordering};
//! use ccol_reclaim::{Atomic, Domain, Guard, Ibr, Owned};
//!
//! struct Node<T> { value: ManuallyDrop<T>, next: Atomic<Node<T>, Ibr> }
//!
//! struct Stack<T> { head: Atomic<Node<T>, Ibr>, domain: Domain<Ibr> }
//!
//! impl<T: Send> Stack<T> {
//!     fn push(&self, value: T, guard: &Guard<'_, Ibr>) {
//!         let mut node = Owned::new(
//!             Node { value: ManuallyDrop::new(value), next: Atomic::null() },
//!             &self.domain,
//!         );
//!         loop {
//!             let head = self.head.load(guard);
//!             node.next.store(head, Ordering::Relaxed);
//!             match self.head.compare_exchange(head, node, Ordering::Release, Ordering::Relaxed, guard) {
//!                 Ok(_) => return,
//!                 Err(failed) => node = failed.new,
//!             }
//!         }
//!     }
//!
//!     fn pop(&self, guard: &Guard<'_, Ibr>) -> Option<T> {
//!         loop {
//!             let head = self.head.load(guard);
//!             // SAFETY: protected by `guard`.
//!             let node = unsafe { head.as_ref() }?;
//!             let next = node.next.load(guard);
//!             if self.head.compare_exchange(head, next, Ordering::Acquire, Ordering::Relaxed, guard).is_ok() {
//!                 // SAFETY: only the winning CAS reads the value out, once; the node keeps
//!                 // a `ManuallyDrop` so its own drop does not drop the value again.
//!                 let value = unsafe { ptr::read(&*node.value) };
//!                 // SAFETY: unlinked by the CAS above, retired once.
//!                 unsafe { guard.retire(head) };
//!                 return Some(value);
//!             }
//!         }
//!     }
//! }
//!
//! let stack = Stack { head: Atomic::null(), domain: Domain::new() };
//! let guard = stack.domain.pin();
//! stack.push(1, &guard);
//! stack.push(2, &guard);
//! assert_eq!(stack.pop(&guard), Some(2));
//! assert_eq!(stack.pop(&guard), Some(1));
//! assert_eq!(stack.pop(&guard), None);
//! ```
