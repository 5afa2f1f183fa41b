//! loom model: a `loom::sync::Mutex<DoubleWord>` (the family's algorithm notes, §0.5).
//!
//! loom has no 128-bit atomics. The mutex makes each operation one indivisible step that loom
//! can interleave with the other threads' steps, which is what checking an algorithm's logic
//! needs. It is not a model of the hardware: every operation synchronizes like `SeqCst`
//! (lock and unlock are acquire and release), so a too-weak ordering on a DWCAS is invisible
//! to loom; Miri checks those. This is the only lock-based form of `AtomicDoubleWord`, and it
//! exists only under `--cfg ccol_loom`.

use std::sync::PoisonError;

use loom::sync::{Mutex, MutexGuard};

use crate::{dwcas::DoubleWord, sync::atomic::Ordering};

/// The value behind loom's mutex.
pub(super) struct Inner {
    value: Mutex<DoubleWord>,
}

impl Inner {
    pub(super) fn new(value: DoubleWord) -> Self {
        Self {
            value: Mutex::new(value),
        }
    }

    pub(super) fn into_inner(self) -> DoubleWord {
        self.value
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Locks; a panic in another model thread fails the model anyway, so poisoning is ignored.
    fn lock(&self) -> MutexGuard<'_, DoubleWord> {
        self.value.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(super) fn load(&self, _order: Ordering) -> DoubleWord {
        *self.lock()
    }

    pub(super) fn store(&self, value: DoubleWord, _order: Ordering) {
        *self.lock() = value;
    }

    pub(super) fn swap(&self, value: DoubleWord, _order: Ordering) -> DoubleWord {
        core::mem::replace(&mut *self.lock(), value)
    }

    pub(super) fn compare_exchange(
        &self,
        current: DoubleWord,
        new: DoubleWord,
        _success: Ordering,
        _failure: Ordering,
    ) -> Result<DoubleWord, DoubleWord> {
        let mut guard = self.lock();
        if *guard == current {
            *guard = new;
            Ok(current)
        } else {
            Err(*guard)
        }
    }

    /// Never fails spuriously in the model.
    pub(super) fn compare_exchange_weak(
        &self,
        current: DoubleWord,
        new: DoubleWord,
        success: Ordering,
        failure: Ordering,
    ) -> Result<DoubleWord, DoubleWord> {
        self.compare_exchange(current, new, success, failure)
    }
}
