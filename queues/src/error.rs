//! The error a push returns: the value comes back with the reason.

use core::fmt;

/// Why a push failed; either way the value is handed back, never dropped.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub enum PushError<T> {
    /// The queue held its capacity of values.
    Full(T),
    /// The queue was closed (reserved for the closable queues; the bounded queues of this
    /// release are never closed).
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
}
