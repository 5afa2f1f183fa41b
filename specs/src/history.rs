//! Concurrent histories: operations with invocation and response times.
//!
//! A [`History`] is the input of the [linearizability checker](crate::linearizability). Times
//! are abstract `u64` ticks; only their order matters. Operation `a` *precedes* `b` in real time
//! when `a` returned strictly before `b` was invoked (`a.returned < b.invoked`); equal stamps
//! count as overlapping. A *pending* operation was invoked but never returned (its thread
//! stopped, or the test ended first): it may or may not have taken effect, and any return
//! value is acceptable for it.
//!
//! Histories are built by hand in tests ([`History::push_complete`], [`History::push_pending`]),
//! from a sequential run of a model ([`History::sequential`]), or recorded from real threads by
//! the [`recorder`](crate::recorder).

use std::fmt;

use crate::model::Model;

/// The index of an operation in its [`History`] (`history.ops()[id]`).
pub type OpId = usize;

/// One operation of a history: who ran it, when, what, and what it returned.
#[derive(Clone, Debug)]
pub struct Operation<M: Model> {
    thread: usize,
    invoked: u64,
    /// `(returned, value)`; `None` while pending. Invariant: `returned >= invoked`.
    response: Option<(u64, M::Ret)>,
    op: M::Op,
}

impl<M: Model> Operation<M> {
    /// A completed operation (callers guarantee `returned >= invoked`).
    pub(crate) fn completed(
        thread: usize,
        invoked: u64,
        returned: u64,
        op: M::Op,
        ret: M::Ret,
    ) -> Self {
        debug_assert!(returned >= invoked);
        Self {
            thread,
            invoked,
            response: Some((returned, ret)),
            op,
        }
    }

    /// The thread that ran the operation.
    #[must_use]
    pub fn thread(&self) -> usize {
        self.thread
    }

    /// The invocation time.
    #[must_use]
    pub fn invoked(&self) -> u64 {
        self.invoked
    }

    /// The response time, or `None` if the operation is pending.
    #[must_use]
    pub fn returned(&self) -> Option<u64> {
        self.response.as_ref().map(|r| r.0)
    }

    /// The operation and its arguments.
    #[must_use]
    pub fn op(&self) -> &M::Op {
        &self.op
    }

    /// The value returned, or `None` if the operation is pending.
    #[must_use]
    pub fn ret(&self) -> Option<&M::Ret> {
        self.response.as_ref().map(|r| &r.1)
    }

    /// Whether the operation never returned.
    #[must_use]
    pub fn is_pending(&self) -> bool {
        self.response.is_none()
    }

    /// Whether `self` returned strictly before `other` was invoked.
    #[must_use]
    pub fn precedes(&self, other: &Self) -> bool {
        self.returned().is_some_and(|r| r < other.invoked)
    }
}

impl<M: Model> fmt::Display for Operation<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.response {
            Some((at, ret)) => {
                write!(
                    f,
                    "t{} [{}, {}] {:?} -> {:?}",
                    self.thread, self.invoked, at, self.op, ret
                )
            }
            None => write!(
                f,
                "t{} [{}, ...) {:?} (pending)",
                self.thread, self.invoked, self.op
            ),
        }
    }
}

/// A concurrent history of operations on one object whose sequential specification is `M`.
///
/// Operations are kept in insertion order; their [`OpId`] is their index. Plain data, not
/// shared between threads while being built (see the [`recorder`](crate::recorder) for that).
///
/// # Example
///
/// ```
/// use ccol_specs::{History, model::{RegisterModel, RegisterOp, RegisterRet}};
///
/// let mut h = History::<RegisterModel<u8>>::new();
/// h.push_complete(0, 1, 4, RegisterOp::Write(1), RegisterRet::Written);
/// h.push_complete(1, 2, 3, RegisterOp::Read, RegisterRet::Read(1));
/// assert!(ccol_specs::Checker::new().check(&h, &RegisterModel::new(0)).is_ok());
/// ```
#[derive(Clone, Debug)]
pub struct History<M: Model> {
    ops: Vec<Operation<M>>,
}

impl<M: Model> Default for History<M> {
    fn default() -> Self {
        Self::new()
    }
}

impl<M: Model> History<M> {
    /// An empty history.
    #[must_use]
    pub fn new() -> Self {
        Self { ops: Vec::new() }
    }

    /// Appends an operation invoked at `invoked` that returned `ret` at `returned`.
    ///
    /// # Panics
    ///
    /// If `returned < invoked`.
    pub fn push_complete(
        &mut self,
        thread: usize,
        invoked: u64,
        returned: u64,
        op: M::Op,
        ret: M::Ret,
    ) -> OpId {
        assert!(
            returned >= invoked,
            "operation returned ({returned}) before it was invoked ({invoked})"
        );
        self.ops
            .push(Operation::completed(thread, invoked, returned, op, ret));
        self.ops.len() - 1
    }

    /// Appends an operation invoked at `invoked` that never returned.
    pub fn push_pending(&mut self, thread: usize, invoked: u64, op: M::Op) -> OpId {
        self.ops.push(Operation {
            thread,
            invoked,
            response: None,
            op,
        });
        self.ops.len() - 1
    }

    /// Appends an already built operation (used when merging recorded logs).
    pub(crate) fn push_operation(&mut self, op: Operation<M>) {
        self.ops.push(op);
    }

    /// The history of running `ops` one after another on thread 0, starting from `initial`,
    /// with the model's own return values (operation `i` spans ticks `2i..=2i+1`). Always
    /// linearizable; the property tests use it as a baseline.
    #[must_use]
    pub fn sequential(initial: &M, ops: impl IntoIterator<Item = M::Op>) -> Self {
        let mut model = initial.clone();
        let mut history = Self::new();
        for (i, op) in (0u64..).zip(ops) {
            let ret = model.apply(&op);
            history.push_complete(0, 2 * i, 2 * i + 1, op, ret);
        }
        history
    }

    /// The operations; an [`OpId`] indexes this slice.
    #[must_use]
    pub fn ops(&self) -> &[Operation<M>] {
        &self.ops
    }

    /// The number of operations.
    #[must_use]
    pub fn len(&self) -> usize {
        self.ops.len()
    }

    /// Whether the history has no operations.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.ops.is_empty()
    }

    /// The number of distinct thread ids.
    #[must_use]
    pub fn thread_count(&self) -> usize {
        let mut ids: Vec<usize> = self.ops.iter().map(|o| o.thread).collect();
        ids.sort_unstable();
        ids.dedup();
        ids.len()
    }

    /// Replaces the return value of a completed operation and returns the old one; does nothing
    /// and returns `None` for a pending one. Used to build corrupted histories in tests.
    ///
    /// # Panics
    ///
    /// If `id` is out of range.
    pub fn replace_ret(&mut self, id: OpId, ret: M::Ret) -> Option<M::Ret> {
        self.ops[id]
            .response
            .as_mut()
            .map(|r| std::mem::replace(&mut r.1, ret))
    }

    /// Checks that each thread's operations are sequential: a thread invokes an operation only
    /// after its previous one returned, and a pending operation is the thread's last. Recorded
    /// histories always pass; this catches hand-written mistakes.
    ///
    /// # Errors
    ///
    /// A message naming the first two operations of one thread that overlap.
    pub fn validate(&self) -> Result<(), String> {
        let mut ids: Vec<OpId> = (0..self.ops.len()).collect();
        ids.sort_by_key(|&i| (self.ops[i].thread, self.ops[i].invoked));
        for pair in ids.windows(2) {
            let (a, b) = (&self.ops[pair[0]], &self.ops[pair[1]]);
            if a.thread == b.thread && !a.precedes(b) {
                return Err(format!(
                    "operations #{} ({a}) and #{} ({b}) of one thread overlap",
                    pair[0], pair[1]
                ));
            }
        }
        Ok(())
    }
}

impl<M: Model> fmt::Display for History<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, op) in self.ops.iter().enumerate() {
            writeln!(f, "  #{i:<4} {op}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{QueueModel, QueueOp, QueueRet};

    type Q = QueueModel<u8>;

    #[test]
    fn sequential_history_is_timed_and_valid() {
        let h = History::sequential(&Q::new(), [QueueOp::Push(1), QueueOp::Pop, QueueOp::Pop]);
        assert_eq!(h.len(), 3);
        assert!(h.ops()[0].precedes(&h.ops()[1]));
        assert_eq!(h.ops()[2].ret(), Some(&QueueRet::Popped(None)));
        assert_eq!(h.thread_count(), 1);
        assert_eq!(h.validate(), Ok(()));
    }

    #[test]
    fn validate_rejects_overlap_within_a_thread() {
        let mut h = History::<Q>::new();
        h.push_complete(0, 1, 5, QueueOp::Pop, QueueRet::Popped(None));
        h.push_pending(0, 3, QueueOp::Pop);
        let err = h
            .validate()
            .expect_err("overlapping ops of one thread must be rejected");
        assert!(err.contains("#0") && err.contains("#1"), "{err}");
    }

    #[test]
    fn pending_ops_and_replace() {
        let mut h = History::<Q>::new();
        let a = h.push_complete(0, 1, 2, QueueOp::Pop, QueueRet::Popped(None));
        let b = h.push_pending(1, 0, QueueOp::Push(3));
        assert!(h.ops()[b].is_pending() && h.ops()[b].returned().is_none());
        assert!(!h.ops()[b].precedes(&h.ops()[a]));
        assert_eq!(h.replace_ret(b, QueueRet::Pushed), None);
        assert_eq!(
            h.replace_ret(a, QueueRet::Popped(Some(9))),
            Some(QueueRet::Popped(None))
        );
        let shown = h.to_string();
        assert!(
            shown.contains("(pending)") && shown.contains("Some(9)"),
            "{shown}"
        );
    }
}
