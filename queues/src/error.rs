//! The errors of pushes and pops: a refused value comes back with the reason.

use core::fmt;

/// Why a push failed; either way the value is handed back, never dropped.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub enum PushError<T> {
    /// The queue held its capacity of values.
    Full(T),
    /// The queue was closed (`close`): no push succeeds after that.
    Closed(T),
}

impl<T> PushError<T> {
    /// The value that was not pushed.
    pub fn into_inner(self) -> T {
        match self {
            Self::Full(value) | Self::Closed(value) => value,
        }
    }

    /// Whether the queue was full.
    pub const fn is_full(&self) -> bool {
        matches!(self, Self::Full(_))
    }

    /// Whether the queue was closed.
    pub const fn is_closed(&self) -> bool {
        matches!(self, Self::Closed(_))
    }
}

/// Shows the reason, not the value (which need not be `Debug`).
impl<T> fmt::Debug for PushError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Full(_) => f.write_str("Full(..)"),
            Self::Closed(_) => f.write_str("Closed(..)"),
        }
    }
}

impl<T> fmt::Display for PushError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Full(_) => "push to a full queue",
            Self::Closed(_) => "push to a closed queue",
        })
    }
}

impl<T> core::error::Error for PushError<T> {}

/// Why a pop returned no value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PopError {
    /// The queue was empty (for a timed pop: still empty when the time ran out).
    Empty,
    /// The queue was closed and every value pushed before has been taken: no value will
    /// ever come out of it again.
    Closed,
}

impl PopError {
    /// Whether the queue was empty (and not closed).
    pub const fn is_empty(&self) -> bool {
        matches!(self, Self::Empty)
    }

    /// Whether the queue was closed and drained.
    pub const fn is_closed(&self) -> bool {
        matches!(self, Self::Closed)
    }
}

impl fmt::Display for PopError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Empty => "pop from an empty queue",
            Self::Closed => "pop from a closed and drained queue",
        })
    }
}

impl core::error::Error for PopError {}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn hands_the_value_back() {
        assert_eq!(PushError::Full(3).into_inner(), 3);
        assert_eq!(PushError::Closed("x").into_inner(), "x");
        assert!(PushError::Full(()).is_full() && !PushError::Full(()).is_closed());
        assert!(PushError::Closed(()).is_closed());
        assert_eq!(PushError::Full(1).to_string(), "push to a full queue");
        assert_eq!(alloc::format!("{:?}", PushError::Closed(1)), "Closed(..)");
    }

    #[test]
    fn pop_errors_name_their_reason() {
        assert!(PopError::Empty.is_empty() && !PopError::Empty.is_closed());
        assert!(PopError::Closed.is_closed() && !PopError::Closed.is_empty());
        assert_eq!(PopError::Empty.to_string(), "pop from an empty queue");
        assert_eq!(
            PopError::Closed.to_string(),
            "pop from a closed and drained queue"
        );
    }
}
