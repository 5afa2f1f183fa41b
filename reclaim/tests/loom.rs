#![cfg(ccol_loom)]
//! loom models of both schemes: protected reads against retire and reclamation (with IBR's
//! sticky reservations re-entered and revoked, and with them off), concurrent retirement,
//! hand-over of a released participant's garbage, IBR's protect loop against an epoch
//! advance, and DEBRA's blocking of reclamation by a pinned reader.
//!
//! `cargo xtask loom ccol-reclaim`, that is
//! `RUSTFLAGS="--cfg ccol_loom" LOOM_MAX_PREEMPTIONS=2 cargo test --release -p ccol-reclaim
//! --features loom --test loom --target-dir target/loom`. Thresholds are 2 under loom
//! (`retire_threshold` and `epoch_frequency`, `domain.rs`), so a few retirements reach a scan
//! and an epoch advance.
//!
//! # How a use-after-free shows
//!
//! Every node holds a [`Payload`]: a value in the facade's (here loom's) `UnsafeCell`, which
//! readers read with `with` and the destructor overwrites with `with_mut`. If a node is freed
//! while a reader that loaded it is still inside its guard, the destructor's write is not
//! ordered after the reader's read and loom fails the model with "Causality violation:
//! Concurrent read and write accesses" (or the reader finds the freed marker, or the
//! destructor finds that a reader which loaded it has not left its guard: [`Watch`]). When
//! the freed memory is reused, loom may instead fail inside its own bookkeeping (an index out
//! of bounds in `rt/object.rs`): that too is the use-after-free. A payload keeps a loom `Arc` to
//! the model's drop counter, so a payload that is never dropped fails the model as "Arc
//! leaked"; a payload dropped twice fails the destructor's assertion. The participants'
//! owner-local state sits in the facade's `UnsafeCell` too, so a hand-over between owners
//! that is not ordered by the registry's claim and release is also a causality violation.
//!
//! # What these models can and cannot show
//!
//! They check, over every interleaving of two or three threads with at most
//! `LOOM_MAX_PREEMPTIONS` preemptions, that the acquire/release chains of the protocols order
//! each free after the end of every guard that could still reach the object, that every
//! retired object is dropped exactly once, and that `flush` with no active guard frees
//! everything retired before it, including garbage of released participants.
//!
//! They do not prove the protocols for more threads, longer histories or more preemptions.
//! loom's memory model is also not C++'s where it matters most here: it models `SeqCst`
//! *accesses* as acquire/release only (they add no total order, so any argument resting on
//! one, such as IBR's "the scan's stamp is not older than the reader's pin epoch", is checked
//! only through the fences next to them), and it models `fence(SeqCst)` by joining each
//! fence's view with that of every earlier `SeqCst` fence, which is *stronger* than C++ (an
//! SC fence there creates no happens-before). The StoreLoad pairings of `pin`/`protect` with
//! `scan` (IBR) and of the announcement with the checker's fence (DEBRA) therefore pass here
//! as long as both fences exist; a protocol that relied on a pairing C++ does not give would
//! pass too. Those pairings are covered by the SPIN model (`specs/formal/ibr.pml`), by Miri's
//! weak-memory emulation in the integration tests, and by the argument in `ibr.rs`. loom
//! does let a load return an older store than the latest one (so a stale epoch read is
//! explored), but it does not model load buffering. It explores only the registry sizes
//! used here (every model sizes the registry on one thread first, so no two threads grow it
//! at once). Only one thread per model uses a thread-local participant: loom runs its
//! threads on one OS thread, and the registration path holds a `std` mutex across atomic
//! operations (`thread_local.rs`), so two threads registering thread-local participants at
//! once would deadlock the model (not the program). And loom's `JoinHandle::join` returns
//! before the joined thread's thread-local destructors have run, unlike std's (model 6).

use ccol_arch::config::Config;
use ccol_atomics::sync::{
    Arc,
    atomic::{AtomicBool, AtomicUsize, Ordering},
    cell::UnsafeCell,
};
use ccol_reclaim::{Atomic, Debra, Domain, Ibr, Owned, Reclaim};

/// The value a destructor leaves behind.
const FREED: u64 = u64::MAX;

/// IBR with sticky reservations off: every outermost guard publishes and clears its
/// reservation (the path of every target without a heavy fence).
const EAGER: Config = Config::DEFAULT.with_sticky_reservations(false);

/// A node's contents: an id the destructor overwrites, and the model's drop counter.
struct Payload {
    /// The id while the node is alive, [`FREED`] once its destructor has run.
    value: UnsafeCell<u64>,
    /// Drops of every payload of the model (a loom `Arc`: leak-checked).
    drops: Arc<AtomicUsize>,
    /// A reader's record of holding this node (model 5).
    watch: Option<Arc<Watch>>,
}

/// What a reader records about the node it watches; the destructor checks it.
#[derive(Default)]
struct Watch {
    /// Set right after the reader loaded the watched node.
    held: AtomicBool,
    /// Set right before the reader drops the guard it loaded the node under.
    released: AtomicBool,
}

// SAFETY: `value` is written only by the destructor, which runs once nobody else can reach
// the node (the property under test, checked by loom); every other field is `Send + Sync`.
unsafe impl Sync for Payload {}

impl Payload {
    /// Reads the id; fails on a freed payload.
    fn read(&self) -> u64 {
        // SAFETY: the only write is the destructor's; loom reports it if it races this read.
        let value = self.value.with(|value| unsafe { *value });
        assert_ne!(value, FREED, "use after free: the payload was dropped");
        value
    }
}

impl Drop for Payload {
    fn drop(&mut self) {
        if let Some(watch) = &self.watch {
            // Relaxed, both: the reader's stores are sequenced before its unpin, which a
            // correct scheme orders before this free, so coherence makes both visible. A
            // reader that never loaded this node never sets `held`.
            let held = watch.held.load(Ordering::Relaxed);
            assert!(
                !held || watch.released.load(Ordering::Relaxed),
                "a node was freed while the reader that loaded it was still pinned"
            );
        }
        // SAFETY: `&mut self`: the destructor is the last access, and loom checks that every
        // earlier read happens before it.
        self.value.with_mut(|value| unsafe {
            assert_ne!(*value, FREED, "payload dropped twice");
            *value = FREED;
        });
        // Relaxed: read after the threads are joined or by the thread that freed.
        self.drops.fetch_add(1, Ordering::Relaxed);
    }
}

/// Clones of a [`World`]'s parts, for another thread.
type Shares<R> = (Arc<Domain<R>>, Arc<Atomic<Payload, R>>, Arc<AtomicUsize>);

/// What a model shares: the domain, one link, and the drop counter.
struct World<R: Reclaim> {
    domain: Arc<Domain<R>>,
    link: Arc<Atomic<Payload, R>>,
    drops: Arc<AtomicUsize>,
}

impl<R: Reclaim> World<R> {
    /// A domain with room for `participants`, whose registry is already allocated (one
    /// registration on this thread, released again), and a link holding node 0.
    fn new(participants: usize) -> Self {
        Self::with_config(participants, &Config::DEFAULT)
    }

    /// [`new`](Self::new) with the settings of `config`.
    fn with_config(participants: usize, config: &Config) -> Self {
        let domain = Arc::new(Domain::with_config_and_max_participants(
            config,
            participants,
        ));
        drop(domain.register().expect("the first registration"));
        let drops = Arc::new(AtomicUsize::new(0));
        let link = Arc::new(Atomic::new(Owned::new(
            Payload {
                value: UnsafeCell::new(0),
                drops: Arc::clone(&drops),
                watch: None,
            },
            &domain,
        )));
        Self {
            domain,
            link,
            drops,
        }
    }

    /// Clones of the domain and the link for another thread.
    fn share(&self) -> Shares<R> {
        (
            Arc::clone(&self.domain),
            Arc::clone(&self.link),
            Arc::clone(&self.drops),
        )
    }

    /// Drops counted so far (Relaxed: callers read it after joining the other threads, or
    /// to detect a destructor that ran too early, which no ordering could excuse).
    fn drops(&self) -> usize {
        self.drops.load(Ordering::Relaxed)
    }

    /// After every other thread has been joined and every handle dropped: frees the node still
    /// linked, drops the domain (which frees everything pending) and checks that each of the
    /// `allocated` payloads was dropped exactly once.
    fn finish(self, allocated: usize) {
        let Self {
            domain,
            link,
            drops,
        } = self;
        let link = Arc::try_unwrap(link).expect("the other threads are joined");
        // SAFETY: every other thread is joined, so nobody else can reach the link or its
        // node, which was never retired (only nodes swapped out of the link are).
        drop(unsafe { link.into_owned() });
        drop(Arc::try_unwrap(domain).expect("the other threads are joined"));
        // Relaxed: everything that dropped payloads is joined or ran on this thread.
        assert_eq!(drops.load(Ordering::Relaxed), allocated);
    }
}

/// A node with `id`, allocated in `domain`.
fn node<R: Reclaim>(
    domain: &Domain<R>,
    drops: &Arc<AtomicUsize>,
    id: u64,
    watch: Option<&Arc<Watch>>,
) -> Owned<Payload, R> {
    let payload = Payload {
        value: UnsafeCell::new(id),
        drops: Arc::clone(drops),
        watch: watch.cloned(),
    };
    Owned::new(payload, domain)
}

/// Replaces the link's node with a new node `id` and retires the old one, in one guard of
/// `handle`.
fn replace<R: Reclaim>(
    handle: &ccol_reclaim::Handle<'_, R>,
    link: &Atomic<Payload, R>,
    drops: &Arc<AtomicUsize>,
    id: u64,
) {
    let guard = handle.pin();
    let new = node(handle.domain(), drops, id, None);
    let old = link.swap(new, Ordering::AcqRel, &guard);
    // SAFETY: the swap unlinked `old` (the link is its only location) and only this thread
    // retires it; it is not used afterwards.
    unsafe { guard.retire(old) };
}

/// Model 1: a reader pins, loads the link and reads the node twice (a preemption point in
/// between) while the main thread swaps a new node in, retires the old one and flushes. The
/// reader's node stays readable until its guard drops; after the reader is gone a flush frees
/// the old node.
fn reader_keeps_its_node<R: Reclaim>(config: &Config) {
    let world = World::<R>::with_config(2, config);
    let reader = {
        let (domain, link, drops) = world.share();
        loom::thread::spawn(move || {
            let handle = domain.register().expect("a free slot");
            let guard = handle.pin();
            let node = link.load(&guard);
            // SAFETY: a protected load under `guard`; the link is never null.
            let payload = unsafe { node.deref() };
            let id = payload.read();
            assert!(id <= 1, "node {id} was never published");
            // Relaxed: a destructor that already ran on node 0 is a bug whatever the order
            // (node 1 is only freed at the end of the model). Also a preemption point.
            if id == 0 {
                assert_eq!(
                    drops.load(Ordering::Relaxed),
                    0,
                    "node 0 freed under a guard"
                );
            }
            assert_eq!(payload.read(), id);
        })
    };
    let handle = world.domain.register().expect("a free slot");
    replace(&handle, &world.link, &world.drops, 1);
    handle.flush();
    reader.join().unwrap();
    // No guard is active any more: a flush frees the retired node.
    handle.flush();
    assert_eq!(world.drops(), 1, "flush with no active guard left garbage");
    drop(handle);
    world.finish(2);
}

/// Model 1b (IBR, sticky reservations): the reader reads the node under one guard, drops it
/// (its reservation stays published) and reads again under a second guard, which re-enters
/// that reservation without fencing unless it was revoked, while the main thread replaces the
/// node and flushes, which revokes the reader's reservation if it is between guards and keeps
/// node 0. Under loom the light and heavy fences are both `fence(SeqCst)`; what is checked is
/// the rest: the marks, their undo, the second scan, and the Release/Acquire chain that orders
/// the reader's reads before the free. Not the need for the re-read of `active` after the
/// heavy fence: with a real fence on the reader's side, the revoker's first read of the flag,
/// after its scan's fence, already sees a reader that re-entered (a revoker that skipped the
/// re-read passed this model). `specs/formal/ibr_sticky_norecheck_bad.pml`, whose reader may
/// buffer the flag, and `tests/sticky.rs` natively show that one.
///
/// With sticky reservations off (`eager`), the same model checks that a reservation cleared
/// at the first guard's drop and published anew by the second protects as before.
fn ibr_reader_pins_twice_while_a_flush_runs(config: &Config) {
    let world = World::<Ibr>::with_config(2, config);
    let reader = {
        let (domain, link, _drops) = world.share();
        loom::thread::spawn(move || {
            let handle = domain.register().expect("a free slot");
            for _ in 0..2 {
                let guard = handle.pin();
                // SAFETY: a protected load under `guard`; the link is never null.
                let payload = unsafe { link.load(&guard).deref() };
                let id = payload.read();
                assert!(id <= 1, "node {id} was never published");
                assert_eq!(payload.read(), id);
            }
        })
    };
    let handle = world.domain.register().expect("a free slot");
    replace(&handle, &world.link, &world.drops, 1);
    handle.flush();
    reader.join().unwrap();
    handle.flush();
    assert_eq!(world.drops(), 1, "flush with no active guard left garbage");
    drop(handle);
    world.finish(2);
}

/// Model 2: two writers replace the node and retire the old one at the same time; one of them
/// flushes. Each retired node is dropped exactly once, and after both are done one flush
/// frees both (the spawned writer's leftovers are adopted from its released slot).
fn two_writers_retire_then_flush<R: Reclaim>() {
    let world = World::<R>::new(3);
    let writer = {
        let (domain, link, drops) = world.share();
        loom::thread::spawn(move || {
            let handle = domain.register().expect("a free slot");
            replace(&handle, &link, &drops, 1);
            // Dropping the handle hands what is still pending over to the domain.
        })
    };
    let handle = world.domain.register().expect("a free slot");
    replace(&handle, &world.link, &world.drops, 2);
    handle.flush();
    writer.join().unwrap();
    handle.flush();
    assert_eq!(world.drops(), 2, "flush with no active guard left garbage");
    drop(handle);
    world.finish(3);
}

/// Model 3: a writer replaces the node, retires the old one and releases its handle with the
/// garbage pending, then registers again and flushes, adopting the garbage (its new
/// participant may even be its old slot), and releases that handle too. Meanwhile the main
/// thread flushes, which under DEBRA can advance the epoch while the writer is still pinned
/// (so the writer retires into an older epoch than the one the reader then pins in), pins,
/// reads whatever it loaded, (with `pinned_flush`) flushes pinned, and waits for the writer
/// inside its guard before reading again: the adopter must keep what the reader holds. After
/// the guard a flush adopts the garbage once more and frees it.
///
/// Waiting inside the guard keeps the state space small (the reader blocks instead of being
/// preempted) at the price of never unpinning during the adopter's flush; models 2 and 6
/// cover an adopter that frees. The pinned flush matters under IBR, where it adopts and scans
/// while the reader's own reservation must keep its node; DEBRA's pinned flush adopts
/// nothing, and leaving it out keeps that model small.
fn released_garbage_is_adopted<R: Reclaim>(pinned_flush: bool) {
    // Three slots: a flush that adopts holds the released slot for a moment, and the writer
    // must not find the registry full then.
    let world = World::<R>::new(3);
    let writer = {
        let (domain, link, drops) = world.share();
        loom::thread::spawn(move || {
            let handle = domain.register().expect("a free slot");
            replace(&handle, &link, &drops, 1);
            drop(handle);
            let adopter = domain.register().expect("a free slot");
            adopter.flush();
        })
    };
    let handle = world.domain.register().expect("a free slot");
    handle.flush();
    {
        let guard = handle.pin();
        let node = world.link.load(&guard);
        // SAFETY: a protected load under `guard`; the link is never null.
        let payload = unsafe { node.deref() };
        let id = payload.read();
        if pinned_flush {
            guard.flush();
        }
        writer.join().unwrap();
        assert_eq!(payload.read(), id, "a flush freed a node a guard holds");
    }
    handle.flush();
    assert_eq!(
        world.drops(),
        1,
        "the released participant's garbage was not adopted"
    );
    drop(handle);
    world.finish(2);
}

/// Model 4 (IBR): the writer, pinned at epoch 1, retires two never-published nodes (the
/// second retirement advances the epoch to 2 and scans), then replaces the linked node twice
/// (nodes born in epoch 2; the fourth retirement advances to 3 and scans) and flushes
/// unpinned. A reader pinned at any point loads the link: when it gets a node born after its
/// pin, its protected load must raise its reservation (the 2GE re-read loop) or the writer's
/// flush frees the node under it.
fn ibr_protect_races_epoch_advance() {
    let world = World::<Ibr>::new(2);
    let reader = {
        let (domain, link, drops) = world.share();
        loom::thread::spawn(move || {
            let handle = domain.register().expect("a free slot");
            let guard = handle.pin();
            let node = link.load(&guard);
            // SAFETY: a protected load under `guard`; the link is never null.
            let payload = unsafe { node.deref() };
            let id = payload.read();
            // Relaxed: a preemption point between the two reads (the value is not needed).
            let _ = drops.load(Ordering::Relaxed);
            assert_eq!(payload.read(), id);
        })
    };
    let handle = world.domain.register().expect("a free slot");
    {
        let guard = handle.pin();
        for id in [10, 11] {
            let unpublished = node(&world.domain, &world.drops, id, None).into_shared(&guard);
            // SAFETY: never published, so unlinked; retired once and not used again.
            unsafe { guard.retire(unpublished) };
        }
    }
    assert!(
        world.domain.epoch() >= 2,
        "two retirements advance the epoch under loom"
    );
    replace(&handle, &world.link, &world.drops, 1);
    replace(&handle, &world.link, &world.drops, 2);
    // Unpinned, so the writer's own reservation no longer covers nodes 1 and 2 (born in
    // epoch 2): only the reader's reservation can keep the node it holds.
    handle.flush();
    reader.join().unwrap();
    handle.flush();
    assert_eq!(world.drops(), 4, "flush with no active guard left garbage");
    drop(handle);
    world.finish(5);
}

/// Model 5 (DEBRA): a writer replaces node 0, retires it, and pins and unpins eleven more
/// times: enough, with a two-slot registry, for the three epoch advances and rotations that
/// free node 0 when no reader blocks them. The main thread flushes (which can advance the
/// epoch while the writer is pinned, so the writer's bag is one epoch behind), then pins and
/// loads the link; if it got node 0, the node's destructor checks that the reader had left
/// its guard first.
fn debra_pinned_reader_blocks_reclamation() {
    let domain = Arc::new(Domain::<Debra>::with_max_participants(2));
    let drops = Arc::new(AtomicUsize::new(0));
    let watch = Arc::new(Watch::default());
    let link = Arc::new(Atomic::new(node(&domain, &drops, 0, Some(&watch))));
    let world = World {
        domain,
        link,
        drops,
    };
    let reader = world.domain.register().expect("a free slot");
    let writer = {
        let (domain, link, drops) = world.share();
        loom::thread::spawn(move || {
            let handle = domain.register().expect("a free slot");
            replace(&handle, &link, &drops, 1);
            for _ in 0..11 {
                drop(handle.pin());
            }
        })
    };
    reader.flush();
    {
        let guard = reader.pin();
        // SAFETY: a protected load under `guard`; the link is never null.
        let payload = unsafe { world.link.load(&guard).deref() };
        let id = payload.read();
        if id == 0 {
            // Relaxed: sequenced before the unpin below, which orders it for the destructor.
            watch.held.store(true, Ordering::Relaxed);
            assert_eq!(world.drops(), 0, "node 0 freed while its reader is pinned");
            assert_eq!(payload.read(), 0);
        }
        // Relaxed: as above.
        watch.released.store(true, Ordering::Relaxed);
    }
    writer.join().unwrap();
    reader.flush();
    assert_eq!(world.drops(), 1, "flush with no active guard left garbage");
    drop(reader);
    world.finish(2);
}

/// Model 6 (thread-local participants): a writer uses `domain.pin()` (its thread-local
/// participant), replaces the node and retires the old one, then exits with the garbage
/// pending; the main thread reads through a handle meanwhile, and after the join a flush
/// adopts and frees the garbage the exiting thread handed over.
fn thread_exit_hands_garbage_over<R: Reclaim>() {
    let world = World::<R>::new(2);
    let writer = {
        let (domain, link, drops) = world.share();
        loom::thread::spawn(move || {
            let guard = domain.pin();
            let old = link.swap(node(&domain, &drops, 1, None), Ordering::AcqRel, &guard);
            // SAFETY: unlinked by the swap, retired once, not used afterwards.
            unsafe { guard.retire(old) };
        })
    };
    let handle = world.domain.register().expect("a free slot");
    {
        let guard = handle.pin();
        // SAFETY: a protected load under `guard`; the link is never null.
        let payload = unsafe { world.link.load(&guard).deref() };
        let id = payload.read();
        // Relaxed: see model 1.
        if id == 0 {
            assert_eq!(world.drops(), 0, "node 0 freed under a guard");
        }
        assert_eq!(payload.read(), id);
    }
    writer.join().unwrap();
    // loom notifies a `JoinHandle` when the thread's closure returns and runs the thread's
    // thread-local destructors (the release) only afterwards, unlike std, whose `join`
    // returns after them: flush until the hand-over has happened. A release that never
    // hands the garbage over makes this loop exceed loom's branch limit, failing the model.
    while world.drops() == 0 {
        handle.flush();
        loom::thread::yield_now();
    }
    assert_eq!(world.drops(), 1);
    drop(handle);
    world.finish(2);
}

#[test]
fn ibr_reader_keeps_its_node() {
    loom::model(|| reader_keeps_its_node::<Ibr>(&Config::DEFAULT));
}

#[test]
fn ibr_eager_reader_keeps_its_node() {
    loom::model(|| reader_keeps_its_node::<Ibr>(&EAGER));
}

#[test]
fn debra_reader_keeps_its_node() {
    loom::model(|| reader_keeps_its_node::<Debra>(&Config::DEFAULT));
}

#[test]
fn ibr_sticky_reader_reenters_while_a_flush_revokes_it() {
    loom::model(|| ibr_reader_pins_twice_while_a_flush_runs(&Config::DEFAULT));
}

#[test]
fn ibr_eager_reader_republishes_while_a_flush_runs() {
    loom::model(|| ibr_reader_pins_twice_while_a_flush_runs(&EAGER));
}

#[test]
fn ibr_two_writers_retire_then_flush() {
    loom::model(two_writers_retire_then_flush::<Ibr>);
}

#[test]
fn debra_two_writers_retire_then_flush() {
    loom::model(two_writers_retire_then_flush::<Debra>);
}

#[test]
fn ibr_released_garbage_is_adopted() {
    loom::model(|| released_garbage_is_adopted::<Ibr>(true));
}

#[test]
fn debra_released_garbage_is_adopted() {
    loom::model(|| released_garbage_is_adopted::<Debra>(false));
}
#[test]
fn ibr_protect_races_an_epoch_advance() {
    loom::model(ibr_protect_races_epoch_advance);
}

#[test]
fn debra_pinned_reader_blocks_reclamation_while_a_writer_pins() {
    loom::model(debra_pinned_reader_blocks_reclamation);
}

#[test]
fn ibr_thread_exit_hands_garbage_over() {
    loom::model(thread_exit_hands_garbage_over::<Ibr>);
}

#[test]
fn debra_thread_exit_hands_garbage_over() {
    loom::model(thread_exit_hands_garbage_over::<Debra>);
}
