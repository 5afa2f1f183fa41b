//! The ordered set model, on `BTreeSet`.

use std::collections::BTreeSet;

use super::{Element, Model, Partitioned};

/// A sequential ordered set: the specification of the family's ordered sets.
///
/// # Example
///
/// ```
/// use ccol_specs::model::{Model, SetModel, SetOp, SetRet};
///
/// let mut s = SetModel::<u8>::new();
/// assert_eq!(s.apply(&SetOp::Insert(4)), SetRet::Bool(true));
/// assert_eq!(s.apply(&SetOp::Insert(4)), SetRet::Bool(false));
/// assert_eq!(s.apply(&SetOp::Higher(2)), SetRet::Elem(Some(4)));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct SetModel<T> {
    set: BTreeSet<T>,
}

impl<T: Element> SetModel<T> {
    /// An empty set.
    #[must_use]
    pub fn new() -> Self {
        Self {
            set: BTreeSet::new(),
        }
    }

    /// A set holding `items`.
    #[must_use]
    pub fn from_items(items: impl IntoIterator<Item = T>) -> Self {
        Self {
            set: items.into_iter().collect(),
        }
    }

    /// The current contents.
    #[must_use]
    pub fn as_set(&self) -> &BTreeSet<T> {
        &self.set
    }
}

/// An operation on a [`SetModel`]. Each variant names the [`SetRet`] variant it returns.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SetOp<T> {
    /// Returns [`SetRet::Bool`]: whether the element was newly inserted.
    Insert(T),
    /// Returns [`SetRet::Bool`]: whether the element was present (and is now removed).
    Remove(T),
    /// Returns [`SetRet::Bool`]: whether the element is present.
    Contains(T),
    /// Returns [`SetRet::Elem`] with the smallest element.
    First,
    /// Returns [`SetRet::Elem`] with the largest element.
    Last,
    /// Removes and returns ([`SetRet::Elem`]) the smallest element.
    PopFirst,
    /// Removes and returns ([`SetRet::Elem`]) the largest element.
    PopLast,
    /// Returns [`SetRet::Elem`] with the greatest element `<=` the argument.
    Floor(T),
    /// Returns [`SetRet::Elem`] with the least element `>=` the argument.
    Ceiling(T),
    /// Returns [`SetRet::Elem`] with the greatest element `<` the argument.
    Lower(T),
    /// Returns [`SetRet::Elem`] with the least element `>` the argument.
    Higher(T),
    /// Returns [`SetRet::Len`] with the number of elements.
    Len,
}

/// What a [`SetOp`] returns.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum SetRet<T> {
    /// A yes/no answer.
    Bool(bool),
    /// An element, or its absence.
    Elem(Option<T>),
    /// A count.
    Len(usize),
}

impl<T: Element> Model for SetModel<T> {
    type Op = SetOp<T>;
    type Ret = SetRet<T>;

    fn apply(&mut self, op: &SetOp<T>) -> SetRet<T> {
        use std::ops::Bound::{Excluded, Included, Unbounded};
        let s = &mut self.set;
        match op {
            SetOp::Insert(x) => SetRet::Bool(s.insert(x.clone())),
            SetOp::Remove(x) => SetRet::Bool(s.remove(x)),
            SetOp::Contains(x) => SetRet::Bool(s.contains(x)),
            SetOp::First => SetRet::Elem(s.first().cloned()),
            SetOp::Last => SetRet::Elem(s.last().cloned()),
            SetOp::PopFirst => SetRet::Elem(s.pop_first()),
            SetOp::PopLast => SetRet::Elem(s.pop_last()),
            SetOp::Floor(x) => SetRet::Elem(s.range((Unbounded, Included(x))).next_back().cloned()),
            SetOp::Ceiling(x) => SetRet::Elem(s.range((Included(x), Unbounded)).next().cloned()),
            SetOp::Lower(x) => SetRet::Elem(s.range((Unbounded, Excluded(x))).next_back().cloned()),
            SetOp::Higher(x) => SetRet::Elem(s.range((Excluded(x), Unbounded)).next().cloned()),
            SetOp::Len => SetRet::Len(s.len()),
        }
    }
}

impl<T: Element> Partitioned for SetModel<T> {
    type Key = T;

    fn partition(op: &SetOp<T>) -> Option<T> {
        match op {
            SetOp::Insert(x) | SetOp::Remove(x) | SetOp::Contains(x) => Some(x.clone()),
            SetOp::First
            | SetOp::Last
            | SetOp::PopFirst
            | SetOp::PopLast
            | SetOp::Floor(_)
            | SetOp::Ceiling(_)
            | SetOp::Lower(_)
            | SetOp::Higher(_)
            | SetOp::Len => None,
        }
    }

    fn project(&self, key: &T) -> Self {
        Self {
            set: self.set.get(key).cloned().into_iter().collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn navigation_and_removal() {
        let mut s = SetModel::from_items([1u8, 5, 9]);
        assert_eq!(s.apply(&SetOp::Floor(4)), SetRet::Elem(Some(1)));
        assert_eq!(s.apply(&SetOp::Ceiling(5)), SetRet::Elem(Some(5)));
        assert_eq!(s.apply(&SetOp::Lower(1)), SetRet::Elem(None));
        assert_eq!(s.apply(&SetOp::Higher(9)), SetRet::Elem(None));
        assert_eq!(s.apply(&SetOp::Remove(5)), SetRet::Bool(true));
        assert_eq!(s.apply(&SetOp::Remove(5)), SetRet::Bool(false));
        assert_eq!(s.apply(&SetOp::Contains(9)), SetRet::Bool(true));
        assert_eq!(s.apply(&SetOp::PopLast), SetRet::Elem(Some(9)));
        assert_eq!(s.apply(&SetOp::PopFirst), SetRet::Elem(Some(1)));
        assert_eq!(s.apply(&SetOp::First), SetRet::Elem(None));
        assert_eq!(s.apply(&SetOp::Last), SetRet::Elem(None));
        assert_eq!(s.apply(&SetOp::Len), SetRet::Len(0));
        assert_eq!(
            SetModel::from_items([3u8, 4]).project(&4),
            SetModel::from_items([4])
        );
    }
}
