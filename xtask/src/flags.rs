//! The command line (xflags).

xflags::xflags! {
    /// Automation for the ccol workspace. `cargo xtask ci` is the CI gate.
    cmd xtask {
        /// The CI gate: install, fmt --check, lint, test, docs, features, no-std, embedded,
        /// aarch64, loom, miri, san, specs, bench --smoke, tidy; stops at the first failure.
        cmd ci {
            /// Leave a step out (local use only; repeatable).
            repeated --skip step: String
        }
        /// Install missing tools: Debian packages, the pinned nightly, cross targets.
        cmd install {}
        /// Format the workspace and the firmware (nightly import grouping when available).
        cmd fmt {
            /// Check only, with stable rustfmt.
            optional --check
        }
        /// Clippy with default, no and all features, and on the firmware.
        cmd lint {}
        /// Workspace tests, then the no_std crates without default features.
        cmd test {
            /// Optimized build.
            optional --release
        }
        /// rustdoc with warnings denied, on stable and with the nightly `--cfg docsrs`.
        cmd docs {}
        /// Each library crate with no features, each feature alone, and all features.
        cmd features {}
        /// Bare-metal builds of the no_std crates (thumbv6m/v7m/v7em, riscv32imc).
        cmd no-std {}
        /// Build the firmware and run it under qemu-system-arm.
        cmd embedded {
            /// Only this target triple.
            optional target: String
        }
        /// Tests for aarch64-unknown-linux-gnu under qemu-user.
        cmd aarch64 {}
        /// loom models (`tests/loom.rs` and `tests/loom_*.rs`).
        cmd loom {
            /// Only this crate.
            optional crate_name: String
            /// LOOM_MAX_PREEMPTIONS (default 2).
            optional --preemptions n: u32
        }
        /// Miri: default flags, Tree Borrows, many seeds on concurrency tests, 32-bit.
        cmd miri {
            /// Seeds of the many-seeds run (default 8; 0 skips it).
            optional --seeds n: u32
            /// Interpret for this target instead (for example s390x-unknown-linux-gnu).
            optional --target target: String
            /// Seed both schemes' instances of every concurrency test (the gate seeds only
            /// the IBR ones in crates marked `miri_seeds_one_scheme`).
            optional --all-schemes
        }
        /// ThreadSanitizer and/or AddressSanitizer (nightly, -Zbuild-std).
        cmd san {
            /// asan, tsan or all.
            required sanitizer: String
        }
        /// SPIN models in specs/formal, then ccol-specs' tests.
        cmd specs {}
        /// The family benchmark harness (facade/benches/family.rs).
        cmd bench {
            /// 200 ms per repetition.
            optional --quick
            /// A few seconds in all: proves every benchmark runs (what ci uses).
            optional --smoke
            /// Run with mimalloc as the global allocator (the facade's `mimalloc` feature).
            optional --mimalloc
            /// Only benchmarks whose id contains this.
            optional filter: String
        }
        /// Repository rules (the `tidy` integration test).
        cmd tidy {}
    }
}
