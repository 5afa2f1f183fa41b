//! Scaffolding shared by the loom model files of ccol-queues (`tests/loom.rs`: the rings and
//! the segment hand-over; `tests/loom_close.rs`: close and the blocking forms): the payload
//! whose id loom checks for publication and whose drops are counted, the start gate, the
//! unbounded queue's model world, and the macros that make each model a `#[test]`. The
//! conventions ("How a bug shows", "The gate") are in `tests/loom.rs`.
#![allow(
    dead_code,
    unreachable_pub,
    unused_imports,
    unused_macros,
    reason = "each model file uses a subset"
)]

use ccol_atomics::sync::{
    Arc,
    atomic::{AtomicUsize, Ordering},
    cell::UnsafeCell,
};
use ccol_queues::LockFreeQueue;
use ccol_reclaim::Reclaim;
use loom::thread::JoinHandle;

/// The id a destructor leaves behind.
pub(crate) const FREED: u64 = u64::MAX;

/// A queued value: an id the destructor overwrites, and the model's drop counter.
pub(crate) struct Payload {
    /// The id while the payload is alive, [`FREED`] once its destructor has run.
    pub(crate) id: UnsafeCell<u64>,
    /// Drops of every payload of the model (a loom `Arc`: leak-checked).
    pub(crate) drops: Arc<AtomicUsize>,
}

impl Payload {
    /// Reads the id (a loom-checked read of the pusher's write); fails on a dropped payload.
    pub(crate) fn id(&self) -> u64 {
        // SAFETY: the only writes are the creation and the destructor; loom reports either
        // one if it is not ordered before this read.
        let id = self.id.with(|id| unsafe { *id });
        assert_ne!(id, FREED, "a dropped payload was popped");
        id
    }
}

impl Drop for Payload {
    fn drop(&mut self) {
        // SAFETY: `&mut self`; loom checks that every earlier access happens before this one.
        self.id.with_mut(|id| unsafe {
            assert_ne!(*id, FREED, "payload dropped twice");
            *id = FREED;
        });
        // Relaxed: read only after every thread that drops payloads has been joined.
        self.drops.fetch_add(1, Ordering::Relaxed);
    }
}

/// The start line of a model: every thread, the main one included, crosses it (one
/// read-modify-write) before its first queue operation (module docs).
pub(crate) struct Gate(pub(crate) AtomicUsize);

impl Gate {
    /// Crosses the line.
    pub(crate) fn cross(&self) {
        // Relaxed: only a scheduling point for loom; it orders nothing.
        self.0.fetch_add(1, Ordering::Relaxed);
    }
}

// The unbounded `LockFreeQueue` (LSCQ), segments of one value: every second push closes a
// segment and links a new one. Each thread registers a handle (thread-local participants of
// two threads registering at once deadlock the model: ccol-reclaim's `tests/loom.rs`), and
// ccol-reclaim's thresholds are 2 under loom, so retired segments are really freed inside
// the models (loom's leak check then covers the segments and what they hold).

/// An unbounded queue of [`Payload`]s with segments of one value, its drop counter and gate.
pub(crate) struct Lscq<R: Reclaim> {
    pub(crate) queue: Arc<LockFreeQueue<Payload, R>>,
    pub(crate) drops: Arc<AtomicUsize>,
    pub(crate) gate: Arc<Gate>,
}

impl<R: Reclaim> Lscq<R> {
    /// A queue holding `initial` (front first), then popped `popped` times (each must return
    /// the front), before any thread starts.
    pub(crate) fn new(initial: &[u64], popped: usize) -> Self {
        let world = Self {
            queue: Arc::new(LockFreeQueue::unbounded_with_segment_capacity(1)),
            drops: Arc::new(AtomicUsize::new(0)),
            gate: Arc::new(Gate(AtomicUsize::new(0))),
        };
        {
            let handle = world.queue.register().expect("no participant limit");
            for &id in initial {
                assert!(
                    world
                        .queue
                        .push_guarded(world.payload(id), &handle.pin())
                        .is_ok()
                );
            }
            for &id in &initial[..popped] {
                let front = world.queue.pop_guarded(&handle.pin()).map(|p| p.id());
                assert_eq!(front, Some(id));
            }
        }
        world
    }

    pub(crate) fn payload(&self, id: u64) -> Payload {
        Payload {
            id: UnsafeCell::new(id),
            drops: Arc::clone(&self.drops),
        }
    }

    /// Registers, crosses the gate, pushes `pushes`, then pops `pops` times (a guard per
    /// operation); returns the ids popped (`None` for an empty pop).
    pub(crate) fn run(&self, pushes: &[u64], pops: usize) -> Vec<Option<u64>> {
        let handle = self.queue.register().expect("no participant limit");
        self.gate.cross();
        for &id in pushes {
            let pushed = self.queue.push_guarded(self.payload(id), &handle.pin());
            assert!(pushed.is_ok(), "an unbounded queue is never full");
        }
        (0..pops)
            .map(|_| self.queue.pop_guarded(&handle.pin()).map(|p| p.id()))
            .collect()
    }

    /// Spawns a thread running [`run`](Self::run) on the same queue.
    pub(crate) fn spawn(
        &self,
        pushes: &'static [u64],
        pops: usize,
    ) -> JoinHandle<Vec<Option<u64>>> {
        let view = Self {
            queue: Arc::clone(&self.queue),
            drops: Arc::clone(&self.drops),
            gate: Arc::clone(&self.gate),
        };
        loom::thread::spawn(move || view.run(pushes, pops))
    }

    /// After the joins: the values popped (`popped`, in pop order) followed by the drain
    /// must be one of `wants`; then the queue and its domain are dropped and every payload
    /// created (`created`) must have been dropped once.
    #[track_caller]
    pub(crate) fn finish(self, popped: &[Option<u64>], wants: &[&[u64]], created: usize) {
        let handle = self.queue.register().expect("no participant limit");
        let mut seen: Vec<u64> = popped.iter().flatten().copied().collect();
        while let Some(value) = self.queue.pop_guarded(&handle.pin()) {
            seen.push(value.id());
        }
        assert!(
            wants.contains(&&seen[..]),
            "popped {popped:?}, then drained: {seen:?}"
        );
        drop(handle);
        drop(Arc::try_unwrap(self.queue).unwrap_or_else(|_| panic!("the threads are joined")));
        // Relaxed: every thread that dropped payloads is joined.
        assert_eq!(
            self.drops.load(Ordering::Relaxed),
            created,
            "payloads leaked"
        );
    }
}

impl<R: Reclaim> Lscq<R> {
    /// Another view of the same queue, for a spawned thread.
    pub(crate) fn share(&self) -> Self {
        Self {
            queue: Arc::clone(&self.queue),
            drops: Arc::clone(&self.drops),
            gate: Arc::clone(&self.gate),
        }
    }
}

/// One `#[test]` per (model, queue): `name => model(kind);`.
macro_rules! models {
    ($($name:ident => $model:ident $(::<$scheme:ty>)? ($($arg:expr),*);)*) => {
        $(
            #[test]
            fn $name() {
                loom::model(|| $model $(::<$scheme>)? ($($arg),*));
            }
        )*
    };
}

pub(crate) use models;

/// The LSCQ models, with more branches allowed than loom's default 1000: a pop that finds
/// the slot of a claimed position empty re-reads it up to `DEQUEUE_PATIENCE` (64) times,
/// each read a branch, and with segments handed over that can happen several times in one
/// execution (bounded, so not a spin loop: "Model exceeded maximum number of branches"
/// otherwise showed up in some runs).
macro_rules! lscq_models {
    ($($name:ident => $model:ident::<$scheme:ty>($($arg:expr),*);)*) => {
        $(
            #[test]
            fn $name() {
                let mut builder = loom::model::Builder::new();
                builder.max_branches = 10_000;
                builder.check(|| $model::<$scheme>($($arg),*));
            }
        )*
    };
}

pub(crate) use lscq_models;
