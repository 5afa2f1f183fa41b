//! The ccol family's comparative benchmark harness (DESIGN.md §4).
//!
//! `cargo bench -p ccol --bench family -- [--quick|--smoke] [FILTER]` runs ours, the peers and
//! the hardware ceilings in one process, at 1, 2, 4 and 8 threads (more than this machine's
//! 2 cores on purpose), each point the median of several fixed-duration repetitions. It prints
//! a table and writes `results.jsonl`, `table.md` and one SVG plot per `(group, workload)` to
//! `target/ccol-bench/`. `--help` lists the options.
//!
//! A plain fixed-duration multi-threaded runner rather than criterion (STYLE.md G8.4): the
//! questions here are throughput under contention and oversubscription, which criterion's
//! single-threaded iteration model does not measure. G8.4's rule that every benchmark has a
//! baseline holds: every table has a ceiling, a peer or a baseline row.
//!
//! Modules: [`registry`] (what a benchmark is; the API benchmark files use), [`harness`]
//! (runner, repetitions, medians), [`load`] (background-load detection), [`cli`], [`output`]
//! (tables, JSON lines, markdown), [`svg`] (plots). Benchmarks: [`ceilings`], [`primitives`],
//! [`reclaim`], [`stack`], [`queue`], [`map`] (with [`map_impls`], its adapters, and
//! [`map_memory`], which also holds the counting global allocator).
//!
//! # Noise on a shared machine
//!
//! Every repetition measures the CPU time other processes used meanwhile (`family/load.rs`);
//! a disturbed one is re-run and, if it stays disturbed, kept with a `†`. Two threads that
//! time-share one core do not contend, so disturbed contended points look *better* than they
//! are. On Linux with autogroup scheduling (`/proc/sys/kernel/sched_autogroup_enabled`), `nice`
//! only ranks processes within one session; to favour a benchmark run over other sessions'
//! builds, start it in its own session and raise that session's weight (root):
//!
//! ```text
//! setsid -w sh -c 'echo -15 > /proc/self/autogroup && exec cargo bench -p ccol --bench family -- --quick'
//! ```
//!
//! # Adding a group
//!
//! Write `family/<group>.rs` with `pub(crate) fn register(reg: &mut Registry)` that adds one
//! [`registry::Bench`] per `(impl, workload)`, declare it below with `#[path]`, and add its
//! `register` to [`GROUPS`]. Use DESIGN.md §4's group, impl and workload names (tools compare
//! by name); mark ours, peers and ceilings with [`registry::Role`]. Groups in DESIGN.md's
//! schema are `map`, `queue`, `stack` and `reclaim`; this harness extends the schema with the
//! group `primitives` for tier-0 building blocks (backoff, double-width CAS, tagged pointers),
//! which have no ceiling and take their ratios from a `Baseline` row. Peers go into
//! `facade/Cargo.toml` `[dev-dependencies]` only.
#![allow(
    clippy::disallowed_types,
    reason = "a std benchmark binary: ceilings and peers use std's atomics directly, since they \
              measure the hardware and other crates rather than our sync facade"
)]

extern crate alloc;

/// `cargo xtask bench --mimalloc` (the facade's `mimalloc` feature): every implementation,
/// ours and the peers, allocates through mimalloc instead of the system allocator.
#[cfg(feature = "mimalloc")]
#[global_allocator]
static GLOBAL: ccol::reclaim::allocation::MiMalloc = ccol::reclaim::allocation::MiMalloc;

/// Otherwise, on glibc Linux, the system allocator with counters that the map `memory`
/// workload switches on for its runs only (`family/map_memory.rs`).
#[cfg(all(target_os = "linux", target_env = "gnu", not(feature = "mimalloc")))]
#[global_allocator]
static GLOBAL: map_memory::Counting = map_memory::Counting;

#[path = "family/ceilings.rs"]
mod ceilings;
#[path = "family/cli.rs"]
mod cli;
#[path = "family/harness.rs"]
mod harness;
#[path = "family/load.rs"]
mod load;
#[path = "family/map.rs"]
mod map;
#[path = "family/map_impls.rs"]
mod map_impls;
#[path = "family/map_memory.rs"]
mod map_memory;
#[path = "family/output.rs"]
mod output;
#[path = "family/primitives.rs"]
mod primitives;
#[path = "family/queue.rs"]
mod queue;
#[path = "family/reclaim.rs"]
mod reclaim;
#[path = "family/registry.rs"]
mod registry;
#[path = "family/stack.rs"]
mod stack;
#[path = "family/svg.rs"]
mod svg;

use std::process::ExitCode;
use std::time::Instant;

/// Every group's registration function, in table order.
const GROUPS: &[fn(&mut registry::Registry)] = &[
    ceilings::register,
    primitives::register,
    reclaim::register,
    stack::register,
    queue::register,
    map::register,
];

fn main() -> ExitCode {
    let opts = match cli::Options::parse(std::env::args().skip(1)) {
        Ok(opts) => opts,
        Err(message) => {
            let help = message == cli::USAGE;
            eprintln!("{message}");
            return if help {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            };
        }
    };
    let mut reg = registry::Registry::default();
    for register in GROUPS {
        register(&mut reg);
    }
    if opts.list {
        for b in reg.benches() {
            let status = b
                .unavailable
                .as_deref()
                .map_or(String::new(), |w| format!("  (n/a: {w})"));
            println!("{}  [{}]{status}", b.id(), b.role.as_str());
        }
        return ExitCode::SUCCESS;
    }
    if !reg.benches().iter().any(|b| opts.selects(&b.id())) {
        eprintln!(
            "no benchmark matches {:?}; `--list` shows them",
            opts.filters
        );
        return ExitCode::FAILURE;
    }

    let started = Instant::now();
    eprintln!("ccol family benchmarks: {}", opts.describe());
    if opts.mode == cli::Mode::Test {
        eprintln!("(test mode: no `--bench` from cargo; smoke settings, no files written)");
    }
    let points = harness::run_all(&reg, &opts);
    println!("{}", output::text_tables(&reg, &points, &opts));
    let disturbed = points.iter().filter(|p| p.disturbed > 0).count();
    if disturbed > 0 {
        eprintln!(
            "warning: {disturbed} of {} points kept a repetition disturbed by other processes \
             (marked †); see the crate docs of benches/family.rs for a quieter run",
            points.len()
        );
    }
    for p in points.iter().filter(|p| p.unfreed > 0) {
        eprintln!(
            "warning: {} at {} threads left {} objects unfreed after its clean-up",
            reg.benches()[p.bench].id(),
            p.threads,
            p.unfreed
        );
    }
    if opts.writes_files() {
        let dir = output::out_dir(&opts);
        if let Err(e) = output::write_files(&dir, &reg, &points, &opts) {
            eprintln!("could not write results to {}: {e}", dir.display());
            return ExitCode::FAILURE;
        }
        eprintln!("results: {}", dir.display());
    }
    eprintln!(
        "{} points in {:.1} s",
        points.len(),
        started.elapsed().as_secs_f64()
    );
    ExitCode::SUCCESS
}
