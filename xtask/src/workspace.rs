//! The one table of crates, features, targets, tools and flags every task reads.
//!
//! Adding a crate to the family means adding one [`Crate`] row here; `tests/tidy.rs` checks
//! that the rows agree with the workspace members and each crate's `[features]` table.

/// The pinned nightly (TOOLING.md §8: the newest build known to ship miri and work for every
/// check here). Used for Miri, the sanitizers, `--cfg docsrs` docs and nightly rustfmt.
pub(crate) const NIGHTLY: &str = "nightly-2026-05-20";

/// Components of [`NIGHTLY`]: Miri and `-Zbuild-std` need `rust-src`; `fmt` uses `rustfmt`.
pub(crate) const NIGHTLY_COMPONENTS: &[&str] = &["miri", "rust-src", "rustfmt"];

/// Components of the stable toolchain `lint` and `fmt` need.
pub(crate) const STABLE_COMPONENTS: &[&str] = &["clippy", "rustfmt"];

/// Debian packages: SPIN, QEMU for Cortex-M and for aarch64 user mode, the aarch64 linker and
/// its C library (for `+crt-static` links).
pub(crate) const DEBIAN_PACKAGES: &[&str] = &[
    "spin",
    "qemu-system-arm",
    "qemu-user",
    "gcc-aarch64-linux-gnu",
    "libc6-dev-arm64-cross",
];

/// One workspace member and what each task does with it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Crate {
    /// Package name (`-p`).
    pub(crate) name: &'static str,
    /// Folder, relative to the workspace root.
    pub(crate) dir: &'static str,
    /// A published library (`features`, `lint` feature sets, tidy's feature-comment rule).
    pub(crate) library: bool,
    /// Builds with `--no-default-features` for bare-metal targets (`no-std`, `test` no-std run).
    pub(crate) no_std: bool,
    /// Every feature of its `[features]` table except `default`, in table order.
    pub(crate) features: &'static [&'static str],
    /// Has `tests/loom.rs`, and maybe more `tests/loom_*.rs` (`cargo xtask loom`).
    pub(crate) loom: bool,
    /// Tested under Miri (`cargo xtask miri`): all tests with the default flags, and the
    /// concurrency tests under many seeds.
    pub(crate) miri: bool,
    /// Tested under Miri's Tree Borrows too: crates with `unsafe` code (the aliasing model
    /// only matters there, and the run costs minutes).
    pub(crate) miri_tree_borrows: bool,
    /// Tested under Miri with 32-bit pointers too (`--target i686-unknown-linux-gnu`).
    pub(crate) miri_32bit: bool,
    /// The gate's many-seeds Miri pass repeats only this crate's IBR instances of its
    /// scheme-generic concurrency tests (it skips test paths containing
    /// [`MIRI_SEEDS_SKIPPED_SCHEME`]); its DEBRA instances run in the single-seed passes, and
    /// under every seed with `cargo xtask miri --all-schemes`. For crates whose structure code
    /// is the same under both schemes and whose seeded suites cost many minutes.
    pub(crate) miri_seeds_one_scheme: bool,
    /// Tested under ThreadSanitizer and AddressSanitizer (`cargo xtask san`).
    pub(crate) san: bool,
    /// Tested on aarch64 under qemu-user (`cargo xtask aarch64`).
    pub(crate) aarch64: bool,
}

const NONE: Crate = Crate {
    name: "",
    dir: "",
    library: false,
    no_std: false,
    features: &[],
    loom: false,
    miri: false,
    miri_tree_borrows: false,
    miri_32bit: false,
    miri_seeds_one_scheme: false,
    san: false,
    aarch64: false,
};

/// Every workspace member, bottom tier first.
pub(crate) const CRATES: &[Crate] = &[
    Crate {
        name: "ccol-arch",
        dir: "arch",
        library: true,
        no_std: true,
        features: &["std", "alloc"],
        miri: true,
        miri_tree_borrows: true,
        san: true,
        aarch64: true,
        ..NONE
    },
    Crate {
        name: "ccol-atomics",
        dir: "atomics",
        library: true,
        no_std: true,
        features: &["std", "alloc", "portable-atomic", "loom"],
        loom: true,
        miri: true,
        miri_tree_borrows: true,
        miri_32bit: true,
        miri_seeds_one_scheme: false,
        san: true,
        aarch64: true,
    },
    Crate {
        name: "ccol-backoff",
        dir: "backoff",
        library: true,
        no_std: true,
        features: &["std", "alloc", "portable-atomic", "loom"],
        loom: true,
        miri: true,
        miri_tree_borrows: true,
        san: true,
        aarch64: true,
        ..NONE
    },
    Crate {
        name: "ccol-reclaim",
        dir: "reclaim",
        library: true,
        // Without 64-bit atomics (every bare-metal target here) only the docs compile.
        no_std: true,
        features: &[
            "std",
            "alloc",
            "ibr",
            "debra",
            "stats",
            "mimalloc",
            "portable-atomic",
            "loom",
        ],
        loom: true,
        miri: true,
        miri_tree_borrows: true,
        miri_32bit: true,
        miri_seeds_one_scheme: false,
        san: true,
        aarch64: true,
    },
    Crate {
        name: "ccol-ordered",
        dir: "ordered",
        library: true,
        // The comparators need neither std nor an allocator; the skip lists need a scheme
        // (`ibr`/`debra`, which bring `alloc`) and pointer-sized CAS, native or from
        // `portable-atomic`. Without 64-bit atomics only the comparators compile.
        no_std: true,
        features: &[
            "std",
            "alloc",
            "ibr",
            "debra",
            "stats",
            "portable-atomic",
            "loom",
        ],
        loom: true,
        miri: true,
        // One Miri pass (stacked borrows) plus the seed pass, for the gate's time budget:
        // the skip-list suites are long under Miri; tree borrows is a `cargo xtask miri` away.
        miri_tree_borrows: false,
        miri_32bit: false,
        // Measured in the gate's seeds pass (8 seeds, CPU seconds): the skip-list suites
        // took about 600 of which half were the DEBRA instances.
        miri_seeds_one_scheme: true,
        san: true,
        aarch64: true,
    },
    Crate {
        name: "ccol-stack",
        dir: "stack",
        library: true,
        // Without 64-bit atomics (every bare-metal target here) `LockFreeStack` is compiled
        // out and `StaticStack` is the whole crate: native 32-bit CAS on thumbv7m/v7em,
        // `portable-atomic` on thumbv6m and riscv32imc.
        no_std: true,
        features: &[
            "std",
            "alloc",
            "ibr",
            "debra",
            "stats",
            "portable-atomic",
            "loom",
        ],
        loom: true,
        miri: true,
        miri_tree_borrows: true,
        miri_32bit: true,
        miri_seeds_one_scheme: false,
        san: true,
        aarch64: true,
    },
    Crate {
        name: "ccol-queues",
        dir: "queues",
        library: true,
        // `StaticQueue` needs word-sized CAS: native on thumbv7m/v7em, `portable-atomic` on
        // thumbv6m and riscv32imc.
        no_std: true,
        features: &[
            "std",
            "alloc",
            "ibr",
            "debra",
            "stats",
            "portable-atomic",
            "loom",
        ],
        loom: true,
        miri: true,
        // One Miri pass (stacked borrows, strict provenance, randomized layout) for now: the
        // queues' suites take about 4 minutes of Miri run time per pass on top of their
        // build, and the gate's Miri step is the longest; the tree-borrows and i686 passes
        // are a `cargo xtask miri` away.
        miri_tree_borrows: false,
        miri_32bit: false,
        // The blocking and close suites: about 240 CPU seconds over 8 seeds, two thirds of
        // them the scheme-generic unbounded instances.
        miri_seeds_one_scheme: true,
        san: true,
        aarch64: true,
    },
    Crate {
        name: "ccol-specs",
        dir: "specs",
        miri: true,
        // Not under the sanitizers: its one concurrent part, the history recorder, runs under
        // them in every structure's linearizability tests, and its own suites are mostly the
        // checker's single-threaded search, ten to forty times slower instrumented.
        san: false,
        ..NONE
    },
    Crate {
        name: "ccol",
        dir: "facade",
        library: true,
        no_std: true,
        features: &[
            "std",
            "alloc",
            "ibr",
            "debra",
            "stats",
            "mimalloc",
            "portable-atomic",
        ],
        ..NONE
    },
    Crate {
        name: "xtask",
        dir: "xtask",
        ..NONE
    },
];

/// Crates selected by `pick`, in table order.
pub(crate) fn crates(pick: impl Fn(&Crate) -> bool) -> impl Iterator<Item = &'static Crate> {
    CRATES.iter().filter(move |krate| pick(krate))
}

/// The package (outside the workspace) holding the QEMU firmware.
pub(crate) const EMBEDDED_DIR: &str = "xtask/embedded";

/// A bare-metal target: how the no_std crates build for it and where the firmware runs.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BareMetal {
    /// Rust target triple.
    pub(crate) triple: &'static str,
    /// Has native compare-and-swap. Without it the crates build with `portable-atomic`, and
    /// library builds add [`SINGLE_CORE_CFG`] (TOOLING.md §4: a plain portable-atomic build fails
    /// with E0277 "requires atomic CAS"); the firmware uses `critical-section` instead.
    pub(crate) cas: bool,
    /// The firmware runs on it under `qemu-system-arm`; the runner line (machine, CPU) lives
    /// in `xtask/embedded/.cargo/config.toml`.
    pub(crate) qemu: bool,
}

/// Binary-only cfg of portable-atomic that makes a library build for a target without CAS
/// compile (interrupt-disabling atomics; sound only on single-core, privileged code).
pub(crate) const SINGLE_CORE_CFG: &str = "portable_atomic_unsafe_assume_single_core";

/// Bare-metal targets of `no-std` and `embedded`.
pub(crate) const BARE_METAL: &[BareMetal] = &[
    BareMetal {
        triple: "thumbv7em-none-eabihf",
        cas: true,
        // Cortex-M4F on mps2-an386.
        qemu: true,
    },
    BareMetal {
        triple: "thumbv7m-none-eabi",
        cas: true,
        // Cortex-M3 on lm3s6965evb.
        qemu: true,
    },
    BareMetal {
        triple: "thumbv6m-none-eabi",
        cas: false,
        // The nRF51 of the BBC micro:bit: a real Cortex-M0 (TOOLING.md §5).
        qemu: true,
    },
    BareMetal {
        triple: "riscv32imc-unknown-none-elf",
        cas: false,
        qemu: false,
    },
];

/// The aarch64 Linux target tested under qemu-user.
pub(crate) const AARCH64: &str = "aarch64-unknown-linux-gnu";

/// Every target `install` adds to the stable toolchain.
pub(crate) fn rustup_targets() -> Vec<&'static str> {
    let mut targets: Vec<&str> = BARE_METAL.iter().map(|target| target.triple).collect();
    targets.push(AARCH64);
    targets
}

/// Miri interpreter flags of every run. `-Zmiri-strict-provenance`: our tagged pointers must
/// keep provenance (no integer-to-pointer casts); `-Zmiri-symbolic-alignment-check`: tag bits
/// must come from real alignment, not from where the allocator happened to put a block.
/// No exceptions are needed today; any future one gets a comment here.
pub(crate) const MIRIFLAGS: &str = "-Zmiri-strict-provenance -Zmiri-symbolic-alignment-check";

/// Compiler flags of every Miri build: shuffle field order of `repr(Rust)` types so no code
/// relies on a layout the compiler never promised (crossbeam `ci/miri.sh`).
pub(crate) const MIRI_RUSTFLAGS: &str = "-Zrandomize-layout";

/// Test-name filters (libtest substring match, any of them) that select the concurrency tests
/// the many-seeds Miri run repeats. Name multi-threaded tests so one of these matches (today:
/// `concurrent_*`, `contended_*`, `racing_*`, `release_acquire_*` in arch and atomics, the
/// stack's `*_with_forced_elimination_*` stress tests).
pub(crate) const CONCURRENCY_TEST_FILTERS: &[&str] = &[
    "concurrent",
    "contend",
    "race",
    "racing",
    "threads",
    "parallel",
    "release_acquire",
    "forced_elimination",
];

/// Target directory of the `miri` step's second lane (see `verify::miri`): separate from
/// Miri's default `target/miri` so the two lanes never wait on each other's cargo lock.
pub(crate) const MIRI_LANE_DIR: &str = "target/miri-lane";

/// What the gate's many-seeds Miri pass skips in crates with `miri_seeds_one_scheme`: the
/// DEBRA instances of tests generated for both schemes (`debra::name`, `lock_free::debra::name`).
pub(crate) const MIRI_SEEDS_SKIPPED_SCHEME: &str = "debra::";

/// The 32-bit target Miri interprets for crates with `miri_32bit`.
pub(crate) const MIRI_32BIT: &str = "i686-unknown-linux-gnu";

/// The host triple for sanitizer runs (TOOLING.md §3: `-Zbuild-std` needs an explicit target).
pub(crate) const HOST: &str = "x86_64-unknown-linux-gnu";

/// SPIN models: `specs/formal/*.pml`; names ending in [`SPIN_BAD_SUFFIX`] must fail.
pub(crate) const SPIN_DIR: &str = "specs/formal";

/// Suffix of known-bad SPIN models, which must report `errors: N` with N > 0.
pub(crate) const SPIN_BAD_SUFFIX: &str = "_bad.pml";

/// The facade's benchmark harness (`harness = false`) and where it writes its results.
pub(crate) const BENCH: (&str, &str) = ("ccol", "family");

/// JSON lines the benchmark harness writes, one object per measured point (DESIGN.md §4).
pub(crate) const BENCH_RESULTS: &str = "target/ccol-bench/results.jsonl";
