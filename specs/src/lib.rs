//! Executable specifications for the ccol family: sequential models, a linearizability checker,
//! a history recorder and generic conformance suites. Unpublished; every other ccol crate uses it
//! as a dev-dependency.
//!
//! - [`model`]: sequential specifications ([`Model`]) of an ordered map, an ordered set, a FIFO
//!   queue, a LIFO stack and a register, built on `BTreeMap`, `BTreeSet`, `VecDeque` and `Vec`.
//! - [`history`]: concurrent histories ([`History`]) of timed operations, complete or pending.
//! - [`recorder`]: records histories from real threads ([`Recorder`], [`run_concurrent`]).
//! - [`linearizability`]: a Wing & Gong search with Lowe's memoization ([`Checker`]), with a
//!   per-key mode for maps and sets and a step/time budget.
//! - [`conformance`]: proptest-driven sequential conformance suites and concurrent
//!   linearizability suites for queues, stacks and maps, run through small adapter traits.
//! - [`rng`]: a tiny seeded generator ([`SplitMix64`]) for reproducible workloads.
//!
//! The crate also holds the SPIN/Promela models of the family in `specs/formal/` (see the README
//! there); they are run by `cargo xtask specs`, not by `cargo test`.
//!
//! # Progress guarantees
//!
//! Nothing here is lock-free or meant to be: this is a std-only test harness. The recorder's hot
//! path takes no lock (one atomic increment per event, a thread-local `Vec` push); everything
//! else is sequential code.
#![warn(missing_docs)]
#![doc(test(
    no_crate_inject,
    attr(deny(warnings), allow(dead_code, unused_variables))
))]
#![cfg_attr(docsrs, feature(doc_cfg))]
// `ccol-specs` is a std-only test harness outside the loom facade: it is a dev-dependency of
// ccol-atomics itself, so it cannot use `ccol_atomics::sync` without a dependency cycle, and it
// never runs under loom. Its one atomic (the recorder clock) comes straight from std.
#![allow(
    clippy::disallowed_types,
    reason = "std-only test harness; depending on ccol-atomics' facade would create a dev-dependency cycle"
)]
// This crate is std-only by design (threads, clocks, hash sets); the no_std-oriented
// `std_instead_of_*` workspace lints do not apply to it.
#![allow(
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    reason = "ccol-specs is a std-only test harness, never built for no_std targets"
)]

pub mod conformance;
pub mod history;
pub mod linearizability;
pub mod model;
pub mod recorder;
pub mod rng;

// The README's examples run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;

pub use crate::{
    history::{History, OpId, Operation},
    linearizability::{CheckError, Checker, Inconclusive, Linearization, Violation},
    model::{Model, Partitioned},
    recorder::{Recorder, ThreadLog, run_concurrent},
    rng::SplitMix64,
};
