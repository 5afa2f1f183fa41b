//! An event count: how the blocking forms of the queues park a thread until a push (or a
//! pop, for a full bounded queue) or `close` may have changed the answer — touched by the
//! non-blocking operations only as one load of a counter that is zero while nobody waits.
//!
//! # Protocol
//!
//! A waiter: tries its operation; *registers* (appends itself to the list under the lock and
//! increments `listeners`, then a `SeqCst` fence); **tries again**; only then parks until it
//! is notified. A notifier, after the operation that may help a waiter has taken effect,
//! reads `listeners` and, only if it is not zero, takes the lock and marks the first
//! waiter not yet notified (`notify_one`) — or every waiter (`notify_all`, for `close`,
//! which always takes the lock). A waiter that leaves after being notified without having
//! waited for it (its second try succeeded, or it timed out just as the notification came)
//! passes the notification on to the next waiter, so one is never lost to a departing
//! thread. `specs/formal/eventcount*.pml` model-check this protocol (SPIN; with the
//! known-bad variants that skip the second try or the passing on).
//!
//! # Why no wake-up is lost (memory orders)
//!
//! The notifier's last writes that the waiter's second try depends on — the ring's slot CAS,
//! the FAA on `tail` and the threshold store, or the CAS that links a new segment — are
//! `SeqCst` operations, and its read of `listeners` is a `SeqCst` load. The waiter's
//! registration is a `SeqCst` read-modify-write followed by a `SeqCst` fence. In the single
//! total order of `SeqCst` operations, either the notifier's load comes after the
//! registration (it sees a listener and notifies it), or it comes before, and then the
//! notifier's writes precede the waiter's fence in that order, so every read the waiter makes
//! after the fence sees them (C++20 [atomics.order] p4, which Rust follows): the second try
//! finds what the notifier published. On x86-64 and AArch64 those `SeqCst` read-modify-writes
//! compile to the same instructions as `AcqRel`, and the `SeqCst` load to a plain (x86-64) or
//! load-acquire (AArch64) load: the non-blocking operations pay no fence there (targets whose
//! `SeqCst` accesses carry fences, such as ARMv7 or RISC-V, pay them). loom does not model
//! `SeqCst` accesses (tokio-rs/loom#180), so under loom the notifier adds a `SeqCst` fence
//! before its load (the fence-to-fence form of the same argument, which loom does model).
//!
//! Parking uses `std::thread::park`, whose spurious returns are absorbed by re-checking the
//! waiter's own `notified` flag; a timed wait parks with the remaining time.

use alloc::vec::Vec;
use std::time::Instant;

use crate::{
    PopError, PushError,
    sync::{
        Arc, Mutex,
        atomic::{AtomicBool, AtomicUsize, Ordering, fence},
        thread::{self, Thread},
    },
};

/// Threads waiting for one condition of one queue ("not empty", or "not full").
#[derive(Debug)]
pub(crate) struct Event {
    /// Registered waiters: the non-blocking operations read only this.
    listeners: AtomicUsize,
    /// The registered waiters in registration order.
    waiters: Mutex<Vec<Arc<Waiter>>>,
}

/// One registered waiter.
#[derive(Debug)]
struct Waiter {
    thread: Thread,
    /// Set (under the lock) by the notification meant for this waiter.
    notified: AtomicBool,
}

/// A registration: dropping it unregisters the waiter, passing on a notification it did not
/// wait for.
pub(crate) struct Listener<'a> {
    event: &'a Event,
    waiter: Arc<Waiter>,
    /// Whether [`wait`](Self::wait) returned because of the notification (which is then
    /// used up by the caller's next try).
    consumed: bool,
}

impl Event {
    ccol_atomics::const_fn! {
        /// An event nobody waits for.
        pub(crate) const fn new() -> Self {
            Self {
                listeners: AtomicUsize::new(0),
                waiters: Mutex::new(Vec::new()),
            }
        }
    }

    /// After an operation that may let one waiter through: wakes one if any is registered.
    /// The common case is a single load (module docs for why it is enough).
    #[inline]
    pub(crate) fn notify_one(&self) {
        // Under loom, the fence-to-fence form of the argument (module docs).
        #[cfg(ccol_loom)]
        fence(Ordering::SeqCst);
        // SeqCst: in the single total order with the waiters' registration and fence, after
        // this thread's SeqCst writes that made the condition true (module docs).
        if self.listeners.load(Ordering::SeqCst) != 0 {
            self.notify(false);
        }
    }

    /// Wakes every registered waiter (`close`). Always takes the lock: a waiter registering
    /// after it sees, under the same lock, whatever the caller did before.
    pub(crate) fn notify_all(&self) {
        self.notify(true);
    }

    #[cold]
    #[inline(never)]
    fn notify(&self, all: bool) {
        self.locked(|waiters| notify_locked(waiters, all));
    }

    /// Registers the calling thread. The caller must try its operation once more before
    /// [`Listener::wait`]: that try is what makes a notification sent before the
    /// registration unnecessary.
    pub(crate) fn listen(&self) -> Listener<'_> {
        let waiter = Arc::new(Waiter {
            thread: thread::current(),
            notified: AtomicBool::new(false),
        });
        self.locked(|waiters| {
            waiters.push(Arc::clone(&waiter));
            // SeqCst: the registration in the single total order (module docs); the fence
            // below orders the caller's next try after it.
            self.listeners.fetch_add(1, Ordering::SeqCst);
        });
        // SeqCst fence: pairs with the notifiers' SeqCst writes and load (module docs).
        fence(Ordering::SeqCst);
        Listener {
            event: self,
            waiter,
            consumed: false,
        }
    }

    /// Runs `f` on the list under the lock.
    fn locked<O>(&self, f: impl FnOnce(&mut Vec<Arc<Waiter>>) -> O) -> O {
        // Nothing panics while the lock is held (the list is only pushed to, searched and
        // removed from), so a poisoned lock still guards a consistent list.
        let mut waiters = self
            .waiters
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut waiters)
    }
}

/// Marks the first waiter not yet notified (or all of them) and unparks it.
fn notify_locked(waiters: &[Arc<Waiter>], all: bool) {
    for waiter in waiters {
        // Relaxed read: the flag is only written under the lock, which this thread holds.
        if waiter.notified.load(Ordering::Relaxed) {
            continue;
        }
        // Release: pairs with `wait`'s Acquire load, so the woken waiter's next try sees
        // what this notifier did before notifying.
        waiter.notified.store(true, Ordering::Release);
        waiter.thread.unpark();
        if !all {
            return;
        }
    }
}

impl Listener<'_> {
    /// Parks until notified, or until `deadline` (if any) passes; returns whether the
    /// notification came. Spurious unparks are absorbed here.
    pub(crate) fn wait(&mut self, deadline: Option<Instant>) -> bool {
        loop {
            // Acquire: pairs with the notifier's Release store.
            if self.waiter.notified.load(Ordering::Acquire) {
                self.consumed = true;
                return true;
            }
            match deadline {
                None => thread::park(),
                Some(deadline) => {
                    let now = Instant::now();
                    if now >= deadline {
                        return false;
                    }
                    thread::park_timeout(deadline - now);
                }
            }
        }
    }
}

impl Drop for Listener<'_> {
    fn drop(&mut self) {
        let (event, waiter, consumed) = (self.event, &self.waiter, self.consumed);
        event.locked(|waiters| {
            if let Some(at) = waiters.iter().position(|w| Arc::ptr_eq(w, waiter)) {
                waiters.remove(at);
            }
            // SeqCst: as the registration (a notifier that still sees this count takes the
            // lock and finds nobody: harmless).
            event.listeners.fetch_sub(1, Ordering::SeqCst);
            // Relaxed: written under the lock, which this thread holds.
            if waiter.notified.load(Ordering::Relaxed) && !consumed {
                // A notification this waiter will not act on: pass it on.
                notify_locked(waiters, false);
            }
        });
    }
}

/// Runs `attempt` until it returns an outcome, parking on `event` between tries; `None` when
/// `deadline` passed first (after one last try). `attempt` returning `None` means "would
/// block".
pub(crate) fn block_on<O>(
    event: &Event,
    deadline: Option<Instant>,
    mut attempt: impl FnMut() -> Option<O>,
) -> Option<O> {
    loop {
        if let Some(outcome) = attempt() {
            return Some(outcome);
        }
        let mut listener = event.listen();
        // The second try (module docs): whatever a notifier did before it could see this
        // registration is visible here.
        if let Some(outcome) = attempt() {
            return Some(outcome);
        }
        if !listener.wait(deadline) {
            drop(listener);
            return attempt();
        }
    }
}

/// The two conditions a bounded queue's blocking forms wait for (an unbounded queue uses
/// only `not_empty`).
#[derive(Debug)]
pub(crate) struct Signals {
    /// Pushes (and `close`) notify poppers waiting here.
    pub(crate) not_empty: Event,
    /// Pops (and `close`) notify pushers waiting here.
    pub(crate) not_full: Event,
}

impl Signals {
    ccol_atomics::const_fn! {
        /// Nobody waiting.
        pub(crate) const fn new() -> Self {
            Self {
                not_empty: Event::new(),
                not_full: Event::new(),
            }
        }
    }

    /// After `close`: wakes every waiter of both conditions.
    pub(crate) fn notify_closed(&self) {
        self.not_empty.notify_all();
        self.not_full.notify_all();
    }
}

/// A blocking push: `push` until it succeeds or reports `Closed`, parking on `not_full`
/// while it reports `Full`; after `deadline`, `Full` with the value.
pub(crate) fn push_until<T>(
    not_full: &Event,
    deadline: Option<Instant>,
    value: T,
    mut push: impl FnMut(T) -> Result<(), PushError<T>>,
) -> Result<(), PushError<T>> {
    let mut pending = Some(value);
    let outcome = block_on(not_full, deadline, || {
        let value = pending.take()?;
        match push(value) {
            Err(PushError::Full(value)) => {
                pending = Some(value);
                None
            }
            done => Some(done),
        }
    });
    match (outcome, pending) {
        (Some(done), _) => done,
        (None, Some(value)) => Err(PushError::Full(value)),
        (None, None) => unreachable!("a push that timed out still holds its value"),
    }
}

/// A blocking pop: `try_pop` until it returns a value or `Closed`, parking on `not_empty`
/// while it reports `Empty`; after `deadline`, `Empty`.
pub(crate) fn pop_until<T>(
    not_empty: &Event,
    deadline: Option<Instant>,
    mut try_pop: impl FnMut() -> Result<T, PopError>,
) -> Result<T, PopError> {
    block_on(not_empty, deadline, || match try_pop() {
        Err(PopError::Empty) => None,
        done => Some(done),
    })
    .unwrap_or(Err(PopError::Empty))
}

/// `now + timeout`, or no deadline when that overflows `Instant` (a timeout of years).
pub(crate) fn deadline_after(timeout: core::time::Duration) -> Option<Instant> {
    Instant::now().checked_add(timeout)
}
