//! The FIFO queue model, on `VecDeque`.

use std::collections::VecDeque;

use super::{Element, Model};

/// A sequential FIFO queue, unbounded or with a capacity: the specification of the family's
/// queues.
///
/// # Example
///
/// ```
/// use ccol_specs::model::{Model, QueueModel, QueueOp, QueueRet};
///
/// let mut q = QueueModel::with_capacity(1);
/// assert_eq!(q.apply(&QueueOp::Push(1)), QueueRet::Pushed);
/// assert_eq!(q.apply(&QueueOp::Push(2)), QueueRet::Full(2));
/// assert_eq!(q.apply(&QueueOp::Pop), QueueRet::Popped(Some(1)));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct QueueModel<T> {
    /// Front of the queue at index 0.
    items: VecDeque<T>,
    /// `None`: unbounded.
    capacity: Option<usize>,
    /// Closed by [`QueueOp::Close`]: pushes are refused, pops drain.
    closed: bool,
}

impl<T: Element> QueueModel<T> {
    /// An empty unbounded queue.
    #[must_use]
    pub fn new() -> Self {
        Self {
            items: VecDeque::new(),
            capacity: None,
            closed: false,
        }
    }

    /// An empty queue that holds at most `capacity` items.
    #[must_use]
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            items: VecDeque::new(),
            capacity: Some(capacity),
            closed: false,
        }
    }

    /// The items, front first.
    #[must_use]
    pub fn items(&self) -> &VecDeque<T> {
        &self.items
    }

    /// The capacity (`None` when unbounded).
    #[must_use]
    pub fn capacity(&self) -> Option<usize> {
        self.capacity
    }

    /// Whether [`QueueOp::Close`] was applied.
    #[must_use]
    pub fn is_closed(&self) -> bool {
        self.closed
    }
}

/// An operation on a [`QueueModel`]. Each variant names the [`QueueRet`] variants it returns.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum QueueOp<T> {
    /// Appends at the back; returns [`QueueRet::Pushed`], [`QueueRet::Full`] with the item
    /// when the queue is at capacity, or [`QueueRet::Closed`] with the item once it is closed
    /// (closed wins over full).
    Push(T),
    /// Removes the front; returns [`QueueRet::Popped`] (`None` when empty, closed or not).
    Pop,
    /// Removes the front, telling empty from closed: [`QueueRet::Popped`] (`None` when empty
    /// and open) or [`QueueRet::Drained`] (closed and empty).
    TryPop,
    /// Closes the queue for good: returns [`QueueRet::Close`] with whether this op closed it.
    Close,
}

/// What a [`QueueOp`] returns.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum QueueRet<T> {
    /// The push succeeded.
    Pushed,
    /// The push failed because the queue was full; the item is handed back.
    Full(T),
    /// The push failed because the queue was closed; the item is handed back.
    Closed(T),
    /// The popped item, or `None` if the queue was empty.
    Popped(Option<T>),
    /// A [`QueueOp::TryPop`] on a closed, empty queue.
    Drained,
    /// What [`QueueOp::Close`] returns: whether it was the close (`false`: already closed).
    Close(bool),
}

impl<T: Element> Model for QueueModel<T> {
    type Op = QueueOp<T>;
    type Ret = QueueRet<T>;

    fn apply(&mut self, op: &QueueOp<T>) -> QueueRet<T> {
        match op {
            QueueOp::Push(x) => {
                if self.closed {
                    QueueRet::Closed(x.clone())
                } else if self.capacity.is_some_and(|c| self.items.len() >= c) {
                    QueueRet::Full(x.clone())
                } else {
                    self.items.push_back(x.clone());
                    QueueRet::Pushed
                }
            }
            QueueOp::Pop => QueueRet::Popped(self.items.pop_front()),
            QueueOp::TryPop => match self.items.pop_front() {
                None if self.closed => QueueRet::Drained,
                got => QueueRet::Popped(got),
            },
            QueueOp::Close => QueueRet::Close(!core::mem::replace(&mut self.closed, true)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifo_and_capacity() {
        let mut q = QueueModel::with_capacity(2);
        let rets = q.run(&[QueueOp::Push(1), QueueOp::Push(2), QueueOp::Push(3)]);
        assert_eq!(
            rets,
            [QueueRet::Pushed, QueueRet::Pushed, QueueRet::Full(3)]
        );
        let rets = q.run(&[QueueOp::Pop, QueueOp::Pop, QueueOp::Pop]);
        assert_eq!(
            rets,
            [
                QueueRet::Popped(Some(1)),
                QueueRet::Popped(Some(2)),
                QueueRet::Popped(None)
            ]
        );
        assert_eq!(q.capacity(), Some(2));
        assert!(q.items().is_empty());
        assert_eq!(QueueModel::<u8>::new().capacity(), None);
    }

    #[test]
    fn close_refuses_pushes_and_drains() {
        let mut q = QueueModel::with_capacity(1);
        let rets = q.run(&[
            QueueOp::Push(1),
            QueueOp::TryPop,
            QueueOp::TryPop,
            QueueOp::Push(2),
            QueueOp::Close,
            QueueOp::Push(3),
            QueueOp::Close,
            QueueOp::TryPop,
            QueueOp::TryPop,
            QueueOp::Pop,
        ]);
        assert_eq!(
            rets,
            [
                QueueRet::Pushed,
                QueueRet::Popped(Some(1)),
                QueueRet::Popped(None),
                QueueRet::Pushed,
                QueueRet::Close(true),
                QueueRet::Closed(3),
                QueueRet::Close(false),
                QueueRet::Popped(Some(2)),
                QueueRet::Drained,
                QueueRet::Popped(None),
            ]
        );
        assert!(q.is_closed());
    }
}
