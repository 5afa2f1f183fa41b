//! The family's one sync facade: atomics, `UnsafeCell`, hints, `Arc` and thread helpers.
//!
//! Family-internal and outside semver: other ccol crates alias this module once
//! (`use ccol_atomics::sync;`) and write `crate::sync::...` everywhere, so a single choice of
//! backend holds for the whole dependency graph (STYLE.md G4).
//!
//! Selection, in order:
//! 1. `--cfg ccol_loom` (with the unstable `loom` feature): [loom]'s model-checked primitives.
//! 2. feature `portable-atomic`: `portable_atomic`'s types (full CAS API on targets without
//!    native CAS when the final binary enables its `critical-section` or single-core option).
//! 3. otherwise `core::sync::atomic`, with each type present only where the target has
//!    compare-and-swap of that width (`target_has_atomic`).
//!
//! [`cell::UnsafeCell`] has loom's closure-based `with`/`with_mut` shape on every backend, so
//! payload accesses are race-checked under loom and cost nothing elsewhere.
//!
//! [loom]: https://docs.rs/loom
#![allow(
    clippy::disallowed_types,
    reason = "the facade is the one place allowed to name the raw atomic and cell types"
)]

#[cfg(all(ccol_loom, not(feature = "loom")))]
compile_error!(
    "`--cfg ccol_loom` is set but the `loom` feature of ccol-atomics is not: run the models with \
     `cargo xtask loom`, which sets both"
);

/// Atomic types, `Ordering` and fences from the selected backend.
///
/// The atomic types are type aliases, not `pub use` re-exports: clippy's `disallowed-types`
/// (`.clippy.toml`) resolves a re-export to the original core/portable-atomic type and would
/// flag every use of the facade, while an alias is a type of its own to the lint.
pub mod atomic {
    /// Declares `pub type Name = backend::Name;` for each listed name, where `backend` is the
    /// module the selected branch below imports under that name.
    macro_rules! aliases {
        ($($name:ident),+ $(,)?) => {
            $(pub type $name = backend::$name;)+
        };
    }

    cfg_if::cfg_if! {
        if #[cfg(ccol_loom)] {
            use loom::sync::atomic as backend;
            pub use loom::sync::atomic::{fence, Ordering};
            /// loom has no compiler fence; a full fence is the conservative stand-in
            /// (it orders at least as much).
            pub use loom::sync::atomic::fence as compiler_fence;
            aliases!(AtomicBool, AtomicI8, AtomicU8, AtomicI16, AtomicU16);
            aliases!(AtomicI32, AtomicU32, AtomicIsize, AtomicUsize);
            #[cfg(target_has_atomic = "64")]
            aliases!(AtomicI64, AtomicU64);
            pub type AtomicPtr<T> = loom::sync::atomic::AtomicPtr<T>;
        } else if #[cfg(feature = "portable-atomic")] {
            use portable_atomic as backend;
            pub use portable_atomic::{compiler_fence, fence, Ordering};
            aliases!(AtomicBool, AtomicI8, AtomicU8, AtomicI16, AtomicU16);
            aliases!(AtomicI32, AtomicU32, AtomicIsize, AtomicUsize);
            pub type AtomicPtr<T> = portable_atomic::AtomicPtr<T>;
            // 64-bit atomics are provided only where the target has them natively, so the
            // facade's API does not depend on options the final binary sets on portable-atomic.
            #[cfg(target_has_atomic = "64")]
            aliases!(AtomicI64, AtomicU64);
        } else {
            use core::sync::atomic as backend;
            pub use core::sync::atomic::{compiler_fence, fence, Ordering};
            #[cfg(target_has_atomic = "8")]
            aliases!(AtomicBool, AtomicI8, AtomicU8);
            #[cfg(target_has_atomic = "16")]
            aliases!(AtomicI16, AtomicU16);
            #[cfg(target_has_atomic = "32")]
            aliases!(AtomicI32, AtomicU32);
            #[cfg(target_has_atomic = "64")]
            aliases!(AtomicI64, AtomicU64);
            #[cfg(target_has_atomic = "ptr")]
            aliases!(AtomicIsize, AtomicUsize);
            #[cfg(target_has_atomic = "ptr")]
            pub type AtomicPtr<T> = core::sync::atomic::AtomicPtr<T>;
        }
    }
}

/// `UnsafeCell` with loom's closure-based access API on every backend.
pub mod cell {
    #[cfg(ccol_loom)]
    pub use loom::cell::UnsafeCell;

    /// A `core::cell::UnsafeCell` with loom's `with`/`with_mut` API.
    ///
    /// Accessing the contents only through closures lets loom track every read and write of
    /// the payload; outside loom the closures inline to a plain pointer access.
    #[cfg(not(ccol_loom))]
    #[repr(transparent)]
    pub struct UnsafeCell<T: ?Sized>(core::cell::UnsafeCell<T>);

    #[cfg(not(ccol_loom))]
    impl<T> UnsafeCell<T> {
        /// Wraps `value`.
        #[inline]
        pub const fn new(value: T) -> Self {
            Self(core::cell::UnsafeCell::new(value))
        }

        /// Unwraps the value; ownership proves no access is outstanding.
        #[inline]
        pub fn into_inner(self) -> T {
            self.0.into_inner()
        }
    }

    #[cfg(not(ccol_loom))]
    impl<T: ?Sized> UnsafeCell<T> {
        /// Runs `f` with a shared raw pointer to the contents.
        ///
        /// Dereferencing the pointer is the caller's `unsafe` duty: no `with_mut` write may
        /// race with it.
        #[inline(always)]
        pub fn with<R>(&self, f: impl FnOnce(*const T) -> R) -> R {
            f(self.0.get())
        }

        /// Runs `f` with a mutable raw pointer to the contents.
        ///
        /// Dereferencing the pointer is the caller's `unsafe` duty: the access must be
        /// exclusive for its duration.
        #[inline(always)]
        pub fn with_mut<R>(&self, f: impl FnOnce(*mut T) -> R) -> R {
            f(self.0.get())
        }
    }

    /// Prints no contents, but asks for `T: Debug` as loom's derived impl does, so code that
    /// compiles here compiles under loom too.
    #[cfg(not(ccol_loom))]
    impl<T: ?Sized + core::fmt::Debug> core::fmt::Debug for UnsafeCell<T> {
        fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
            f.write_str("UnsafeCell { .. }")
        }
    }

    #[cfg(not(ccol_loom))]
    impl<T: Default> Default for UnsafeCell<T> {
        fn default() -> Self {
            Self::new(T::default())
        }
    }
}

/// Spin-loop hint.
pub mod hint {
    #[cfg(ccol_loom)]
    pub use loom::hint::spin_loop;

    #[cfg(not(ccol_loom))]
    pub use core::hint::spin_loop;
}

/// Thread helpers (std only): yielding, and parking for blocking waits.
#[cfg(feature = "std")]
pub mod thread {
    #[cfg(ccol_loom)]
    pub use loom::thread::{Thread, current, park, yield_now};

    #[cfg(not(ccol_loom))]
    pub use std::thread::{Thread, current, park, yield_now};

    /// `std::thread::park_timeout`; loom has no clock, so its form parks without one (models
    /// only use waits that a notification ends).
    #[cfg(not(ccol_loom))]
    pub use std::thread::park_timeout;

    /// `std::thread::park_timeout`; loom has no clock, so its form parks without one (models
    /// only use waits that a notification ends).
    #[cfg(ccol_loom)]
    pub fn park_timeout(_timeout: core::time::Duration) {
        park();
    }
}

/// `Mutex` from the selected backend (std only; loom's is model-checked).
#[cfg(all(ccol_loom, feature = "std"))]
pub use loom::sync::Mutex;

/// `Mutex` from the selected backend (std only; loom's is model-checked).
#[cfg(all(not(ccol_loom), feature = "std"))]
pub use std::sync::Mutex;

/// `Arc` from the selected backend (loom's is leak-checked).
#[cfg(all(ccol_loom, feature = "alloc"))]
pub use loom::sync::Arc;

/// `Arc` from the selected backend (loom's is leak-checked).
#[cfg(all(not(ccol_loom), feature = "alloc", target_has_atomic = "ptr"))]
pub use alloc::sync::Arc;

/// `thread_local!` from the selected backend (loom's resets per model execution).
#[cfg(all(ccol_loom, feature = "std"))]
pub use loom::thread_local;

/// `thread_local!` from the selected backend (loom's resets per model execution).
#[cfg(all(not(ccol_loom), feature = "std"))]
pub use std::thread_local;

/// Declares a function that is `const` except under loom, whose constructors are not `const`.
///
/// Family-internal and outside semver, like the rest of the facade. Takes `const fn` and
/// `const unsafe fn`. The choice is made where this macro is defined, in ccol-atomics, so it
/// always agrees with the atomic types the facade selected, and the expansion names no cfg
/// (a calling crate needs no `check-cfg` entry for `ccol_loom`).
///
/// ```
/// # use ccol_atomics::sync::atomic::AtomicUsize;
/// struct Counter(AtomicUsize);
/// impl Counter {
///     ccol_atomics::const_fn! {
///         /// A zeroed counter, usable in a `static` outside loom.
///         pub const fn new() -> Self {
///             Self(AtomicUsize::new(0))
///         }
///     }
/// }
/// static COUNTER: Counter = Counter::new();
/// # let _ = &COUNTER;
/// ```
#[cfg(not(ccol_loom))]
#[doc(hidden)]
#[macro_export]
macro_rules! const_fn {
    ($(#[$attr:meta])* $vis:vis const unsafe fn $($rest:tt)*) => {
        $(#[$attr])* $vis const unsafe fn $($rest)*
    };
    ($(#[$attr:meta])* $vis:vis const fn $($rest:tt)*) => {
        $(#[$attr])* $vis const fn $($rest)*
    };
}

/// Declares a function that is `const` except under loom: this is the loom form, which drops
/// the `const`.
#[cfg(ccol_loom)]
#[doc(hidden)]
#[macro_export]
macro_rules! const_fn {
    ($(#[$attr:meta])* $vis:vis const unsafe fn $($rest:tt)*) => {
        $(#[$attr])* $vis unsafe fn $($rest)*
    };
    ($(#[$attr:meta])* $vis:vis const fn $($rest:tt)*) => {
        $(#[$attr])* $vis fn $($rest)*
    };
}
