//! Recording concurrent histories from real threads.
//!
//! A [`Recorder`] owns one global logical clock, an `AtomicU64` incremented once per event.
//! Each thread gets a [`ThreadLog`] (no lock, no sharing: a plain `Vec`), and
//! [`ThreadLog::record`] stamps the invocation, runs the operation, stamps the response and
//! appends the result. When the threads are done, [`History::from_logs`] merges the logs.
//! [`run_concurrent`] does all of this for a generated workload.
//!
//! # Why the stamps are sound
//!
//! The checker only ever uses one fact from the stamps: "`a` returned before `b` was
//! invoked" (`a.returned < b.invoked`), which forbids ordering `b` before `a`. The claim is
//! that whenever the recorded stamps say so, `a` really completed before `b` started:
//!
//! - the invocation stamp of `b` is taken (sequenced) before `b`'s first step, and the
//!   response stamp of `a` after `a`'s last step;
//! - both stamps are read-modify-writes of the same atomic, so they are totally ordered by its
//!   modification order and the values are increasing along it; `a.returned < b.invoked` means
//!   `a`'s response RMW precedes `b`'s invocation RMW in that order;
//! - the RMWs are `AcqRel`, and every RMW continues a release sequence, so `a`'s response stamp
//!   synchronizes with `b`'s invocation stamp: everything `a` did happens-before everything
//!   `b` does. In the terms of the memory model `b` cannot observe a state older than `a`'s
//!   effect, which is exactly what real-time precedence means for linearizability.
//!
//! Operations whose intervals merely overlap impose nothing, so a thread being descheduled
//! between its stamp and its operation can only make the check weaker (more overlap), never
//! report a false violation. The clock's extra synchronization may hide some weak-memory
//! behaviours of the structure under test; loom, not this recorder, is the tool for those.

use std::{
    sync::{
        Barrier,
        atomic::{AtomicU64, Ordering},
    },
    thread,
};

use crate::{
    history::{History, Operation},
    model::Model,
    rng::SplitMix64,
};

/// The shared logical clock of one recording. `Sync`; one per recorded history.
///
/// Progress: lock-free (one `fetch_add` per event).
#[derive(Debug, Default)]
pub struct Recorder {
    /// The next tick to hand out; ticks are unique and increase in the atomic's modification
    /// order.
    clock: AtomicU64,
}

impl Recorder {
    /// A recorder whose clock starts at 0.
    #[must_use]
    pub fn new() -> Self {
        Self {
            clock: AtomicU64::new(0),
        }
    }

    /// A log for thread `thread`; give every thread its own id.
    #[must_use]
    pub fn thread<M: Model>(&self, thread: usize) -> ThreadLog<'_, M> {
        ThreadLog {
            recorder: self,
            thread,
            ops: Vec::new(),
        }
    }

    /// Takes the next tick.
    fn tick(&self) -> u64 {
        // AcqRel: pairs with the other threads' `tick`s on this clock. The release half
        // publishes the caller's completed operation to whoever takes a later tick; the acquire
        // half makes the caller's next operation see every operation stamped earlier (module
        // docs: this is what makes recorded precedence real).
        self.clock.fetch_add(1, Ordering::AcqRel)
    }
}

/// One thread's log of a recording. Not shared: each thread owns its log and hands it back
/// when done (see [`History::from_logs`]).
#[derive(Debug)]
pub struct ThreadLog<'r, M: Model> {
    recorder: &'r Recorder,
    thread: usize,
    ops: Vec<Operation<M>>,
}

impl<M: Model> ThreadLog<'_, M> {
    /// Stamps the invocation, runs `f` (which performs `op` on the structure under test),
    /// stamps the response and logs `op` with `f`'s result, which it also returns.
    pub fn record(&mut self, op: M::Op, f: impl FnOnce() -> M::Ret) -> M::Ret {
        let invoked = self.recorder.tick();
        let ret = f();
        let returned = self.recorder.tick();
        self.ops.push(Operation::completed(
            self.thread,
            invoked,
            returned,
            op,
            ret.clone(),
        ));
        ret
    }

    /// The thread id this log records for.
    #[must_use]
    pub fn thread(&self) -> usize {
        self.thread
    }

    /// The number of operations recorded so far.
    #[must_use]
    pub fn len(&self) -> usize {
        self.ops.len()
    }

    /// Whether nothing was recorded yet.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }
}

impl<M: Model> History<M> {
    /// Merges thread logs into one history (operations ordered by invocation time).
    #[must_use]
    pub fn from_logs(logs: Vec<ThreadLog<'_, M>>) -> Self {
        let mut all: Vec<Operation<M>> = logs.into_iter().flat_map(|log| log.ops).collect();
        all.sort_by_key(Operation::invoked);
        let mut history = Self::new();
        for op in all {
            history.push_operation(op);
        }
        history
    }
}

/// Runs `threads` threads that each perform `ops_per_thread` operations and returns the
/// recorded history.
///
/// Thread `t` draws its operations from `generate(t, rng)`, where `rng` is stream `t` of
/// `seed` (so a seed reproduces the workload, though not the interleaving), and performs each
/// with `execute(t, &op)`, which runs it on the shared structure the closure captures. All
/// threads wait on a barrier before their first operation so that they really overlap.
///
/// Blocking: returns once every thread has finished. Works under Miri (keep the counts small:
/// Miri runs about a thousand times slower).
///
/// # Example
///
/// ```
/// use std::{collections::VecDeque, sync::Mutex};
///
/// use ccol_specs::{Checker, model::{QueueModel, QueueOp, QueueRet}, run_concurrent};
///
/// let queue = Mutex::new(VecDeque::new());
/// let history = run_concurrent::<QueueModel<u64>, _, _>(
///     2,
///     10,
///     1,
///     |t, rng| if rng.percent(50) { QueueOp::Push(t as u64) } else { QueueOp::Pop },
///     |_, op| match op {
///         QueueOp::Push(x) => { queue.lock().unwrap().push_back(*x); QueueRet::Pushed }
///         QueueOp::Pop => QueueRet::Popped(queue.lock().unwrap().pop_front()),
///         QueueOp::TryPop | QueueOp::Close => unreachable!("only pushes and pops"),
///     },
/// );
/// assert_eq!(history.len(), 20);
/// assert!(Checker::new().check(&history, &QueueModel::new()).is_ok());
/// ```
///
/// # Panics
///
/// If a worker thread panics (the panic is propagated).
pub fn run_concurrent<M, G, F>(
    threads: usize,
    ops_per_thread: usize,
    seed: u64,
    generate: G,
    execute: F,
) -> History<M>
where
    M: Model,
    M::Op: Send,
    M::Ret: Send,
    G: Fn(usize, &mut SplitMix64) -> M::Op + Sync,
    F: Fn(usize, &M::Op) -> M::Ret + Sync,
{
    let recorder = Recorder::new();
    let barrier = Barrier::new(threads);
    let logs = thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|t| {
                let (recorder, barrier, generate, execute) =
                    (&recorder, &barrier, &generate, &execute);
                scope.spawn(move || {
                    let mut rng = SplitMix64::for_stream(seed, t as u64);
                    let mut log = recorder.thread::<M>(t);
                    barrier.wait();
                    for _ in 0..ops_per_thread {
                        let op = generate(t, &mut rng);
                        let arg = op.clone();
                        log.record(op, || execute(t, &arg));
                    }
                    log
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| {
                w.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect::<Vec<_>>()
    });
    History::from_logs(logs)
}
