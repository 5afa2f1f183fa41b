//! Automation for the ccol workspace.
fn main() {}
