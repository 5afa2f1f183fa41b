//! `scaled`, shared by `common/mod.rs` and `common/tracked.rs` (test binaries include one or
//! the other, so each declares this module instead of defining its own).

/// Iteration counts: `normal` natively, `miri` under Miri, a tenth of `normal` on aarch64.
pub const fn scaled(normal: usize, miri: usize) -> usize {
    if cfg!(miri) {
        miri
    } else if cfg!(target_arch = "aarch64") {
        // The gate runs aarch64 under qemu-user, which keeps memory per thread it ever ran
        // (about a megabyte each): a tenth of the rounds keeps the thread-heavy suites in a
        // few hundred megabytes instead of tens of gigabytes.
        let tenth = normal / 10;
        if tenth > miri { tenth } else { miri }
    } else {
        normal
    }
}
