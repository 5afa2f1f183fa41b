//! Models and checkers for the ccol family's tests.
#![warn(missing_docs)]
