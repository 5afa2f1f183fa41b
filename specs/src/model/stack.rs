//! The LIFO stack model, on `Vec`.

use super::{Element, Model};

/// A sequential LIFO stack, unbounded or with a capacity: the specification of the family's
/// stacks.
///
/// # Example
///
/// ```
/// use ccol_specs::model::{Model, StackModel, StackOp, StackRet};
///
/// let mut s = StackModel::new();
/// s.apply(&StackOp::Push(1));
/// s.apply(&StackOp::Push(2));
/// assert_eq!(s.apply(&StackOp::Pop), StackRet::Popped(Some(2)));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct StackModel<T> {
    /// Top of the stack at the end.
    items: Vec<T>,
    /// `None`: unbounded.
    capacity: Option<usize>,
}

impl<T: Element> StackModel<T> {
    /// An empty unbounded stack.
    #[must_use]
    pub fn new() -> Self {
        Self {
            items: Vec::new(),
            capacity: None,
        }
    }

    /// An empty stack that holds at most `capacity` items.
    #[must_use]
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            items: Vec::new(),
            capacity: Some(capacity),
        }
    }

    /// The items, bottom first.
    #[must_use]
    pub fn items(&self) -> &[T] {
        &self.items
    }

    /// The capacity (`None` when unbounded).
    #[must_use]
    pub fn capacity(&self) -> Option<usize> {
        self.capacity
    }
}

/// An operation on a [`StackModel`]. Each variant names the [`StackRet`] variants it returns.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum StackOp<T> {
    /// Pushes on top; returns [`StackRet::Pushed`], or [`StackRet::Full`] with the item when the
    /// stack is at capacity.
    Push(T),
    /// Removes the top; returns [`StackRet::Popped`] (`None` when empty).
    Pop,
}

/// What a [`StackOp`] returns.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum StackRet<T> {
    /// The push succeeded.
    Pushed,
    /// The push failed because the stack was full; the item is handed back.
    Full(T),
    /// The popped item, or `None` if the stack was empty.
    Popped(Option<T>),
}

impl<T: Element> Model for StackModel<T> {
    type Op = StackOp<T>;
    type Ret = StackRet<T>;

    fn apply(&mut self, op: &StackOp<T>) -> StackRet<T> {
        match op {
            StackOp::Push(x) => {
                if self.capacity.is_some_and(|c| self.items.len() >= c) {
                    StackRet::Full(x.clone())
                } else {
                    self.items.push(x.clone());
                    StackRet::Pushed
                }
            }
            StackOp::Pop => StackRet::Popped(self.items.pop()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifo_and_capacity() {
        let mut s = StackModel::with_capacity(2);
        let rets = s.run(&[StackOp::Push(1), StackOp::Push(2), StackOp::Push(3)]);
        assert_eq!(
            rets,
            [StackRet::Pushed, StackRet::Pushed, StackRet::Full(3)]
        );
        assert_eq!(s.items(), [1, 2]);
        let rets = s.run(&[StackOp::Pop, StackOp::Pop, StackOp::Pop]);
        assert_eq!(
            rets,
            [
                StackRet::Popped(Some(2)),
                StackRet::Popped(Some(1)),
                StackRet::Popped(None)
            ]
        );
        assert_eq!(s.capacity(), Some(2));
        assert_eq!(StackModel::<u8>::new().capacity(), None);
    }
}
