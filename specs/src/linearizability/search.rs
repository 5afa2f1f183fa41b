//! The search engine: Wing & Gong's backtracking over a linked list of call/return events,
//! with Lowe's memoization of (linearized set, model state) pairs.
//!
//! Events are sorted by time (calls before returns at equal times, so equal stamps overlap)
//! and threaded on a doubly linked list with a head and a tail sentinel. The search walks the
//! list from the head:
//!
//! - at a **call** event it tries to linearize that operation next: apply it to a copy of the
//!   state; if the result matches the recorded one (any result does for a pending operation)
//!   and the pair (linearized set + this op, new state) was never seen, it pushes a frame,
//!   unlinks the call and its return ("lifts" the operation) and restarts from the head;
//!   otherwise it moves on to the next event;
//! - at a **return** event it has met an operation that must already be linearized but is
//!   not: it pops the last frame, restores the state, relinks ("unlifts") that operation and
//!   continues after its call event; with no frame to pop, the history is not linearizable;
//! - at the **tail** every completed operation has been linearized (their return events are
//!   gone); only pending calls may remain, and they are allowed to never take effect.
//!
//! Lifts and unlifts happen in stack order, so Knuth's "dancing links" relink nodes exactly.
//! The frames live in a `Vec`, not on the call stack, so long histories cannot overflow it.
//!
//! References: J. M. Wing and C. Gong, "Testing and verifying concurrent objects", JPDC 1993;
//! G. Lowe, "Testing for linearizability", Concurrency and Computation 2017.

use std::{
    collections::HashSet,
    hash::{BuildHasherDefault, Hasher},
    time::{Duration, Instant},
};

use crate::{
    history::{History, OpId},
    model::Model,
};

/// What stopped an inconclusive search.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Limit {
    /// The step budget ([`Checker::max_steps`](super::Checker::max_steps)) ran out.
    Steps,
    /// The time budget ([`Checker::time_limit`](super::Checker::time_limit)) ran out.
    Time,
}

/// A step and time budget shared by all the searches of one check.
#[derive(Debug)]
pub(super) struct Budget {
    max_steps: Option<u64>,
    deadline: Option<Instant>,
    pub(super) start: Instant,
    pub(super) steps: u64,
}

impl Budget {
    pub(super) fn new(max_steps: Option<u64>, time_limit: Option<Duration>) -> Self {
        let start = Instant::now();
        Self {
            max_steps,
            deadline: time_limit.map(|d| start + d),
            start,
            steps: 0,
        }
    }

    /// Counts one step; `Some(limit)` once the budget is exhausted. The clock is read every
    /// 256 steps only (a step costs far more than reading the clock 256 times over).
    fn step(&mut self) -> Option<Limit> {
        self.steps += 1;
        if self.max_steps.is_some_and(|max| self.steps > max) {
            return Some(Limit::Steps);
        }
        if self.steps % 256 == 0 && self.deadline.is_some_and(|d| Instant::now() >= d) {
            return Some(Limit::Time);
        }
        None
    }
}

/// The result of one search.
#[derive(Debug)]
pub(super) enum Outcome {
    /// A linearization: the operations in order (pending ones only if they took effect).
    Found(Vec<OpId>),
    /// No linearization exists; the longest linearizable prefix met on the way.
    Impossible(Vec<OpId>),
    /// The budget ran out; the longest prefix met so far.
    OutOfBudget(Limit, Vec<OpId>),
}

/// A fixed-size set of operation ids.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct Bitset(Box<[u64]>);

impl Bitset {
    fn new(len: usize) -> Self {
        Self(vec![0; len.div_ceil(64)].into_boxed_slice())
    }

    fn set(&mut self, i: usize) {
        self.0[i / 64] |= 1 << (i % 64);
    }

    fn clear(&mut self, i: usize) {
        self.0[i / 64] &= !(1 << (i % 64));
    }
}

/// A fast non-cryptographic hasher for the visited set (the multiply-rotate scheme of rustc's
/// `FxHasher`: fold each word in with a rotate, xor and multiply by a large odd constant).
/// The visited set hashes a bitset and a model state per step, so SipHash's DoS resistance,
/// useless here, would cost a large share of the search time.
#[derive(Clone, Copy, Debug, Default)]
struct WordHasher(u64);

impl WordHasher {
    const SEED: u64 = 0x51_7C_C1_B7_27_22_0A_95;

    fn fold(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(Self::SEED);
    }
}

impl Hasher for WordHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let mut word = [0; 8];
            word.copy_from_slice(chunk);
            self.fold(u64::from_le_bytes(word));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.fold(u64::from_le_bytes(word) ^ (rest.len() as u64) << 56);
        }
    }

    fn write_u8(&mut self, n: u8) {
        self.fold(u64::from(n));
    }

    fn write_u32(&mut self, n: u32) {
        self.fold(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.fold(n);
    }

    fn write_usize(&mut self, n: usize) {
        self.fold(n as u64);
    }
}

/// The visited set: configurations (linearized set, state after it).
type Visited<M> = HashSet<(Bitset, M), BuildHasherDefault<WordHasher>>;

/// The event list. Node 0 is the head sentinel, node `len - 1` the tail sentinel; the nodes
/// in between are events.
struct Events {
    next: Vec<usize>,
    prev: Vec<usize>,
    /// The operation of each event node (unused for the sentinels).
    op: Vec<OpId>,
    /// Whether each event node is a call (else a return).
    is_call: Vec<bool>,
    /// The return node of each operation; `None` for pending ones.
    ret_node: Vec<Option<usize>>,
}

const HEAD: usize = 0;

impl Events {
    fn new<M: Model>(history: &History<M>) -> Self {
        // (time, 0 = call / 1 = return, op id): calls sort before returns at equal times.
        let mut evs: Vec<(u64, u8, OpId)> = Vec::with_capacity(2 * history.len());
        for (id, o) in history.ops().iter().enumerate() {
            evs.push((o.invoked(), 0, id));
            if let Some(r) = o.returned() {
                evs.push((r, 1, id));
            }
        }
        evs.sort_unstable();
        let tail = evs.len() + 1;
        let mut ret_node = vec![None; history.len()];
        let mut op = vec![0; tail + 1];
        let mut is_call = vec![false; tail + 1];
        for (i, &(_, kind, id)) in evs.iter().enumerate() {
            let node = i + 1;
            op[node] = id;
            is_call[node] = kind == 0;
            if kind == 1 {
                ret_node[id] = Some(node);
            }
        }
        let next = (0..=tail).map(|i| (i + 1).min(tail)).collect();
        let prev = (0..=tail).map(|i| i.saturating_sub(1)).collect();
        Self {
            next,
            prev,
            op,
            is_call,
            ret_node,
        }
    }

    fn tail(&self) -> usize {
        self.next.len() - 1
    }

    fn unlink(&mut self, node: usize) {
        let (p, n) = (self.prev[node], self.next[node]);
        self.next[p] = n;
        self.prev[n] = p;
    }

    fn relink(&mut self, node: usize) {
        let (p, n) = (self.prev[node], self.next[node]);
        self.next[p] = node;
        self.prev[n] = node;
    }

    /// Removes an operation's call node and return node.
    fn lift(&mut self, call: usize) {
        self.unlink(call);
        if let Some(ret) = self.ret_node[self.op[call]] {
            self.unlink(ret);
        }
    }

    /// Undoes the matching `lift`, in reverse order.
    fn unlift(&mut self, call: usize) {
        if let Some(ret) = self.ret_node[self.op[call]] {
            self.relink(ret);
        }
        self.relink(call);
    }
}

/// Searches for a linearization of `history` starting from `initial`.
pub(super) fn search<M: Model>(history: &History<M>, initial: &M, budget: &mut Budget) -> Outcome {
    let ops = history.ops();
    let mut events = Events::new(history);
    let tail = events.tail();
    let mut state = initial.clone();
    let mut linearized = Bitset::new(ops.len());
    let mut seen: Visited<M> = Visited::default();
    // Frames: the call node lifted, and the state before it was applied.
    let mut frames: Vec<(usize, M)> = Vec::new();
    let mut best: Vec<OpId> = Vec::new();
    let order = |frames: &[(usize, M)], events: &Events| {
        frames.iter().map(|f| events.op[f.0]).collect::<Vec<_>>()
    };

    let mut node = events.next[HEAD];
    loop {
        if let Some(limit) = budget.step() {
            return Outcome::OutOfBudget(limit, best);
        }
        if node == tail {
            return Outcome::Found(order(&frames, &events));
        }
        let id = events.op[node];
        if events.is_call[node] {
            let mut after = state.clone();
            let got = after.apply(ops[id].op());
            if ops[id].ret().is_none_or(|want| *want == got) {
                linearized.set(id);
                if seen.insert((linearized.clone(), after.clone())) {
                    frames.push((node, std::mem::replace(&mut state, after)));
                    events.lift(node);
                    if frames.len() > best.len() {
                        best = order(&frames, &events);
                    }
                    node = events.next[HEAD];
                    continue;
                }
                linearized.clear(id);
            }
            node = events.next[node];
        } else {
            // A completed operation's return with the operation not linearized: backtrack.
            let Some((call, before)) = frames.pop() else {
                return Outcome::Impossible(best);
            };
            state = before;
            linearized.clear(events.op[call]);
            events.unlift(call);
            node = events.next[call];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{RegisterModel, RegisterOp, RegisterRet};

    type R = RegisterModel<u8>;

    fn run(h: &History<R>) -> Outcome {
        search(h, &RegisterModel::new(0), &mut Budget::new(None, None))
    }

    #[test]
    fn empty_history_is_linearizable() {
        assert!(matches!(run(&History::new()), Outcome::Found(order) if order.is_empty()));
    }

    #[test]
    fn reorders_overlapping_ops() {
        // The read (invoked first) must be linearized after the overlapping write.
        let mut h = History::<R>::new();
        h.push_complete(0, 0, 3, RegisterOp::Read, RegisterRet::Read(1));
        h.push_complete(1, 1, 2, RegisterOp::Write(1), RegisterRet::Written);
        assert!(matches!(run(&h), Outcome::Found(order) if order == [1, 0]));
    }

    #[test]
    fn pending_op_may_be_skipped_or_used() {
        let mut h = History::<R>::new();
        h.push_pending(0, 0, RegisterOp::Write(7));
        h.push_complete(1, 1, 2, RegisterOp::Read, RegisterRet::Read(0));
        // The pending write may take effect after the read, or never.
        assert!(matches!(run(&h), Outcome::Found(order) if order == [1, 0] || order == [1]));
        h.push_complete(1, 3, 4, RegisterOp::Read, RegisterRet::Read(7));
        assert!(matches!(run(&h), Outcome::Found(order) if order == [1, 0, 2]));
    }

    #[test]
    fn impossible_reports_the_best_prefix() {
        let mut h = History::<R>::new();
        h.push_complete(0, 0, 1, RegisterOp::Write(1), RegisterRet::Written);
        h.push_complete(0, 2, 3, RegisterOp::Read, RegisterRet::Read(0));
        assert!(matches!(run(&h), Outcome::Impossible(best) if best == [0]));
    }

    #[test]
    fn step_budget_stops_the_search() {
        let h = History::sequential(&RegisterModel::new(0u8), (0..10).map(RegisterOp::Write));
        let outcome = search(&h, &RegisterModel::new(0), &mut Budget::new(Some(3), None));
        assert!(
            matches!(outcome, Outcome::OutOfBudget(Limit::Steps, _)),
            "{outcome:?}"
        );
    }

    #[test]
    fn bitset_set_and_clear() {
        let mut b = Bitset::new(130);
        b.set(129);
        b.set(3);
        b.clear(3);
        assert_eq!(b, {
            let mut c = Bitset::new(130);
            c.set(129);
            c
        });
    }
}
