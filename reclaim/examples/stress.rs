//! A stress driver for the sanitizers: many threads read, replace and retire the nodes of a
//! few shared links under both schemes, one reader pins for long stretches, a flusher keeps
//! the epoch moving, and at the end every node must have been dropped exactly once. Built to run under AddressSanitizer (a node
//! freed too early is a `heap-use-after-free`), ThreadSanitizer (a missing ordering is a data
//! race on the node's fields) and plain release builds (a poisoned canary).
//!
//! ```text
//! cargo run --release -p ccol-reclaim --example stress -- [ibr|debra|both] [threads] [ops]
//! RUSTFLAGS="-Zsanitizer=address --cfg ccol_sanitize" cargo +nightly-2026-05-20 run -Zbuild-std \
//!     --target x86_64-unknown-linux-gnu --target-dir target/asan -p ccol-reclaim --example stress
//! ```
//!
//! Exits with status 1 (after printing what went wrong) if drops do not balance allocations.

#[cfg(all(feature = "std", feature = "ibr", feature = "debra"))]
fn main() {
    driver::main();
}

#[cfg(not(all(feature = "std", feature = "ibr", feature = "debra")))]
fn main() {
    eprintln!("the stress driver needs the features std, ibr and debra (the defaults)");
}

#[cfg(all(feature = "std", feature = "ibr", feature = "debra"))]
mod driver {
    use core::ptr;
    use std::{env, process, sync::Barrier, thread, time::Instant};

    use ccol_atomics::sync::atomic::{
        AtomicUsize, Ordering,
        Ordering::{AcqRel, Acquire},
    };
    use ccol_reclaim::{Atomic, Debra, Domain, Guard, Ibr, Owned, Reclaim};

    const LIVE: u64 = 0x5AFE_5AFE_5AFE_5AFE;
    const DEAD: u64 = 0xDEAD_BEEF_DEAD_BEEF;
    const LINKS: usize = 8;

    /// Allocation and drop counts of one run. Relaxed everywhere: they are read after the
    /// worker threads are joined and the domain is dropped.
    #[derive(Debug, Default)]
    struct Counts {
        created: AtomicUsize,
        dropped: AtomicUsize,
        bad_drops: AtomicUsize,
    }

    /// A node value: a canary its drop poisons, and its own id twice (a torn or reused node
    /// shows as a mismatch).
    #[derive(Debug)]
    struct Node<'c> {
        canary: u64,
        id: usize,
        id_again: usize,
        counts: &'c Counts,
    }

    impl<'c> Node<'c> {
        fn new(counts: &'c Counts) -> Self {
            // Relaxed: an id counter (see `Counts`).
            let id = counts.created.fetch_add(1, Ordering::Relaxed);
            Self {
                canary: LIVE,
                id,
                id_again: id,
                counts,
            }
        }

        fn check(&self) {
            // SAFETY: a valid field of a referenced value; volatile so the read really happens.
            let canary = unsafe { ptr::read_volatile(&raw const self.canary) };
            assert!(
                canary == LIVE && self.id == self.id_again,
                "read a freed node: {self:?}"
            );
        }
    }

    impl Drop for Node<'_> {
        fn drop(&mut self) {
            // SAFETY: as in `check`.
            if unsafe { ptr::read_volatile(&raw const self.canary) } != LIVE {
                // Relaxed: see `Counts`.
                self.counts.bad_drops.fetch_add(1, Ordering::Relaxed);
            }
            // SAFETY: exclusive access to a valid field; volatile so the poisoning is kept.
            unsafe { ptr::write_volatile(&raw mut self.canary, DEAD) };
            // Relaxed: see `Counts`.
            self.counts.dropped.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// xorshift: reproducible per-thread choices.
    fn next(state: &mut u64) -> u64 {
        *state ^= *state << 13;
        *state ^= *state >> 7;
        *state ^= *state << 17;
        *state
    }

    fn operate<'c, R: Reclaim>(
        guard: &Guard<'_, R>,
        links: &[Atomic<Node<'c>, R>],
        counts: &'c Counts,
        rng: &mut u64,
    ) {
        let link = &links[next(rng) as usize % LINKS];
        match next(rng) % 8 {
            0 => {
                let old = link.swap(Owned::new(Node::new(counts), guard.domain()), AcqRel, guard);
                // SAFETY: unlinked by the swap; retired once.
                unsafe { guard.retire(old) };
            }
            1 => {
                let current = link.load(guard);
                let new = Owned::new(Node::new(counts), guard.domain());
                match link.compare_exchange(current, new, AcqRel, Acquire, guard) {
                    // SAFETY: unlinked by the CAS; retired once.
                    Ok(old) => unsafe { guard.retire(old) },
                    Err(lost) => drop(lost.new),
                }
            }
            _ => {
                // SAFETY: protected load; links are never null while workers run.
                let node = unsafe { link.load(guard).deref() };
                node.check();
                if next(rng) % 16 == 0 {
                    thread::yield_now();
                }
                node.check();
            }
        }
    }

    fn run<R: Reclaim>(threads: usize, ops: usize) -> bool {
        let counts = Counts::default();
        let domain = Domain::<R>::new();
        let links: Vec<Atomic<Node<'_>, R>> = (0..LINKS)
            .map(|_| Atomic::new(Owned::new(Node::new(&counts), &domain)))
            .collect();
        let start = Barrier::new(threads);
        let running = AtomicUsize::new(threads);
        let began = Instant::now();
        thread::scope(|s| {
            // A flusher advances the epoch as fast as the guards allow, so epochs move while
            // other threads are between reading the epoch and publishing their pin.
            s.spawn(|| {
                // Relaxed: a stop condition; the scope's join orders everything else.
                while running.load(Ordering::Relaxed) != 0 {
                    domain.flush();
                    thread::yield_now();
                }
            });
            for index in 0..threads {
                let (domain, links, counts, start, running) =
                    (&domain, &links, &counts, &start, &running);
                s.spawn(move || {
                    let mut rng = 0x9E37_79B9_7F4A_7C15 ^ (index as u64 + 1);
                    let handle = (index % 2 == 1).then(|| domain.register().unwrap());
                    let pin = || handle.as_ref().map_or_else(|| domain.pin(), |h| h.pin());
                    start.wait();
                    // Thread 0 is a long reader: one guard per 256 operations.
                    let per_guard = if index == 0 { 256 } else { 1 };
                    for _ in 0..ops / per_guard {
                        let guard = pin();
                        for _ in 0..per_guard {
                            operate(&guard, links, counts, &mut rng);
                        }
                    }
                    // Relaxed: see the flusher.
                    running.fetch_sub(1, Ordering::Relaxed);
                });
            }
        });
        let elapsed = began.elapsed();
        for link in links {
            // SAFETY: every worker is joined; the linked nodes were never retired.
            unsafe { link.into_owned() }.check();
        }
        drop(domain);
        let created = counts.created.load(Ordering::Relaxed);
        let dropped = counts.dropped.load(Ordering::Relaxed);
        let bad = counts.bad_drops.load(Ordering::Relaxed);
        println!(
            "{:>5}: {threads} threads x {ops} ops in {elapsed:.2?}: {created} allocated, \
             {dropped} dropped, {bad} bad drops",
            R::NAME
        );
        created == dropped && bad == 0
    }

    pub(crate) fn main() {
        let args: Vec<String> = env::args().skip(1).collect();
        let scheme = args.first().map_or("both", String::as_str);
        let number = |index: usize, default: usize| {
            args.get(index).map_or(default, |arg| {
                arg.parse()
                    .unwrap_or_else(|_| panic!("not a number: {arg}"))
            })
        };
        let threads = number(1, 8);
        let ops = number(2, if cfg!(ccol_sanitize) { 20_000 } else { 200_000 });
        let ok = match scheme {
            "ibr" => run::<Ibr>(threads, ops),
            "debra" => run::<Debra>(threads, ops),
            "both" => run::<Ibr>(threads, ops) & run::<Debra>(threads, ops),
            other => {
                eprintln!("unknown scheme {other:?}: use ibr, debra or both");
                process::exit(2);
            }
        };
        if !ok {
            eprintln!("drops do not balance allocations");
            process::exit(1);
        }
    }
}
