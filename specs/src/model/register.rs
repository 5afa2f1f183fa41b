//! The register model: one value with read, write and compare-and-swap. Used by the checker's
//! self-tests and for atomic cells.

use super::{Element, Model};

/// A sequential read/write/CAS register.
///
/// # Example
///
/// ```
/// use ccol_specs::model::{Model, RegisterModel, RegisterOp, RegisterRet};
///
/// let mut r = RegisterModel::new(0);
/// assert_eq!(r.apply(&RegisterOp::Cas { expected: 0, new: 5 }), RegisterRet::Cas(true));
/// assert_eq!(r.apply(&RegisterOp::Read), RegisterRet::Read(5));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct RegisterModel<T> {
    value: T,
}

impl<T: Element> RegisterModel<T> {
    /// A register holding `value`.
    #[must_use]
    pub fn new(value: T) -> Self {
        Self { value }
    }

    /// The current value.
    #[must_use]
    pub fn value(&self) -> &T {
        &self.value
    }
}

/// An operation on a [`RegisterModel`]. Each variant names the [`RegisterRet`] variant it
/// returns.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum RegisterOp<T> {
    /// Returns [`RegisterRet::Read`] with the value.
    Read,
    /// Stores a value; returns [`RegisterRet::Written`].
    Write(T),
    /// Stores `new` if the value equals `expected`; returns [`RegisterRet::Cas`]: whether it did.
    Cas {
        /// The value the register must hold.
        expected: T,
        /// The replacement.
        new: T,
    },
}

/// What a [`RegisterOp`] returns.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum RegisterRet<T> {
    /// The value read.
    Read(T),
    /// The write happened.
    Written,
    /// Whether the compare-and-swap succeeded.
    Cas(bool),
}

impl<T: Element> Model for RegisterModel<T> {
    type Op = RegisterOp<T>;
    type Ret = RegisterRet<T>;

    fn apply(&mut self, op: &RegisterOp<T>) -> RegisterRet<T> {
        match op {
            RegisterOp::Read => RegisterRet::Read(self.value.clone()),
            RegisterOp::Write(v) => {
                self.value = v.clone();
                RegisterRet::Written
            }
            RegisterOp::Cas { expected, new } => {
                let hit = self.value == *expected;
                if hit {
                    self.value = new.clone();
                }
                RegisterRet::Cas(hit)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_write_cas() {
        let mut r = RegisterModel::new(1u8);
        assert_eq!(
            r.apply(&RegisterOp::Cas {
                expected: 2,
                new: 3
            }),
            RegisterRet::Cas(false)
        );
        assert_eq!(r.apply(&RegisterOp::Write(2)), RegisterRet::Written);
        assert_eq!(
            r.apply(&RegisterOp::Cas {
                expected: 2,
                new: 3
            }),
            RegisterRet::Cas(true)
        );
        assert_eq!(*r.value(), 3);
        assert_eq!(r.apply(&RegisterOp::Read), RegisterRet::Read(3));
    }
}
