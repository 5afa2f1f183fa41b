//! Cache-line size and [`CachePadded`], the unit that keeps hot data of different threads
//! apart (no false sharing).
//!
//! The per-architecture values and their sources are documented on [`CACHE_LINE_SIZE`].

use core::{
    fmt,
    hash::{Hash, Hasher},
    ops::{Deref, DerefMut},
};

// `repr(align)` needs a literal, so each branch declares the marker with its own literal;
// `CACHE_LINE_SIZE` and `CachePadded` both derive from the one marker, so they cannot disagree.
cfg_if::cfg_if! {
    if #[cfg(target_arch = "s390x")] {
        #[repr(align(256))]
        #[derive(Clone, Copy)]
        struct LineAligned;
    } else if #[cfg(any(
        target_arch = "x86_64",
        target_arch = "x86",
        target_arch = "aarch64",
        target_arch = "powerpc64",
        target_arch = "mips64",
        target_arch = "mips64r6",
    ))] {
        #[repr(align(128))]
        #[derive(Clone, Copy)]
        struct LineAligned;
    } else if #[cfg(any(
        all(target_arch = "arm", not(target_has_atomic = "64")),
        all(target_arch = "riscv32", not(target_has_atomic = "ptr")),
        target_arch = "mips",
        target_arch = "mips32r6",
    ))] {
        #[repr(align(32))]
        #[derive(Clone, Copy)]
        struct LineAligned;
    } else if #[cfg(target_arch = "m68k")] {
        #[repr(align(16))]
        #[derive(Clone, Copy)]
        struct LineAligned;
    } else {
        #[repr(align(64))]
        #[derive(Clone, Copy)]
        struct LineAligned;
    }
}

/// The false-sharing distance of the target in bytes: the alignment and size granule of
/// [`CachePadded`]. Always a power of two between 16 and 256.
///
/// It is the smallest alignment at which two values written by different cores never
/// contend for the same coherence unit. Where the cores a target may run on differ, it is the
/// largest of their line sizes ("conservative" means larger: too large wastes a little memory,
/// too small costs throughput), except where a whole class of cores cannot share memory
/// concurrently at all.
///
/// | `target_arch` | bytes | why |
/// |---|---|---|
/// | `x86_64`, `x86` | 128 | Lines are 64 bytes, but Intel's L2 *spatial prefetcher* fetches each line together with its partner in a 128-byte-aligned pair (Intel 64 and IA-32 Architectures Optimization Reference Manual, "Data prefetching"), and AMD Zen has an adjacent-line prefetcher too, so writers 64 bytes apart still ping-pong. 32-bit x86 code runs on the same cores. |
/// | `aarch64` | 128 | Apple M1–M4 use 128-byte lines (`sysctl hw.cachelinesize`), as did Cavium ThunderX; Arm Cortex-A and Neoverse cores use 64. Known outlier not covered: Fujitsu A64FX (256). |
/// | `powerpc64` | 128 | POWER7 to POWER10 use 128-byte lines. |
/// | `mips64`, `mips64r6` | 128 | Cavium Octeon uses 128-byte lines (Loongson 3: 64). |
/// | `s390x` | 256 | IBM z13 to z16 use 256-byte lines. |
/// | `arm` without 64-bit atomics | 32 | M-profile (Armv6-M to Armv8.1-M) and Armv4T/v5TE cores have no `LDREXD`; the largest line among them is 32 bytes (Cortex-M7, M55, M85, ARM9); Cortex-M0 to M33 have no data cache at all. |
/// | `arm` with 64-bit atomics | 64 | A- and R-profile cores (Cortex-A7, A15, A17, A53, A72 in AArch32, Cortex-R52) use 64-byte lines (some, like Cortex-A9, 32). |
/// | `riscv32` without atomics | 32 | No `A` extension means no atomic read-modify-write, hence no multi-core lock-free sharing and no false sharing (single-hart microcontrollers); 32 bytes keeps RAM cost low. |
/// | `mips`, `mips32r6` | 32 | MIPS32 24K, 34K, 74K and 1004K cores use 32-byte lines. |
/// | `m68k` | 16 | The 68040 and 68060 use 16-byte lines. |
/// | everything else | 64 | The common line size: `riscv64` (SiFive U74 and P550, T-Head C910), `riscv32` with atomics, `loongarch64` (LA464), 32-bit `powerpc` (e5500, e6500), `sparc64`, `wasm32`/`wasm64` (whose host cores use 64-byte L1 lines). |
///
/// The size is a compile-time constant so that it can be a `repr(align)`; the run-time line
/// size of the executing CPU is not consulted.
pub const CACHE_LINE_SIZE: usize = core::mem::align_of::<LineAligned>();

/// A `T` aligned to (and with its size rounded up to a multiple of) [`CACHE_LINE_SIZE`], so
/// that no other value shares its cache lines.
///
/// Use it for data written by one thread and read or written by others (per-thread counters,
/// queue head and tail indices, epoch slots) so their lines do not bounce between cores.
/// `CachePadded<T>` is `Send`/`Sync` exactly when `T` is.
///
/// # Progress
///
/// A plain wrapper: no synchronization of its own, every method is wait-free.
///
/// # Examples
///
/// ```
/// use ccol_arch::{CACHE_LINE_SIZE, CachePadded};
///
/// let counters = [CachePadded::new(0u64), CachePadded::new(0u64)];
/// let a = core::ptr::from_ref::<u64>(&counters[0]).addr();
/// let b = core::ptr::from_ref::<u64>(&counters[1]).addr();
/// assert!(b - a >= CACHE_LINE_SIZE);
/// assert_eq!(a % CACHE_LINE_SIZE, 0);
/// ```
#[derive(Clone, Copy)]
pub struct CachePadded<T> {
    /// Zero-sized; gives the struct the alignment of [`LineAligned`].
    _align: [LineAligned; 0],
    value: T,
}

impl<T> CachePadded<T> {
    /// Pads and aligns `value`.
    #[must_use]
    pub const fn new(value: T) -> CachePadded<T> {
        CachePadded { _align: [], value }
    }

    /// Returns the inner value.
    #[must_use]
    pub fn into_inner(self) -> T {
        self.value
    }
}

impl<T> Deref for CachePadded<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T> DerefMut for CachePadded<T> {
    fn deref_mut(&mut self) -> &mut T {
        &mut self.value
    }
}

impl<T: Default> Default for CachePadded<T> {
    fn default() -> Self {
        CachePadded::new(T::default())
    }
}

impl<T> From<T> for CachePadded<T> {
    fn from(value: T) -> Self {
        CachePadded::new(value)
    }
}

impl<T: fmt::Debug> fmt::Debug for CachePadded<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachePadded")
            .field("value", &self.value)
            .finish()
    }
}

impl<T: fmt::Display> fmt::Display for CachePadded<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.value, f)
    }
}

impl<T: PartialEq> PartialEq for CachePadded<T> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}

impl<T: Eq> Eq for CachePadded<T> {}

impl<T: Hash> Hash for CachePadded<T> {
    /// Hashes like the inner value.
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.value.hash(state);
    }
}

#[cfg(test)]
mod tests {
    use super::{CACHE_LINE_SIZE, CachePadded, LineAligned};

    #[test]
    fn marker_is_zero_sized_and_line_aligned() {
        assert_eq!(core::mem::size_of::<[LineAligned; 0]>(), 0);
        assert!(CACHE_LINE_SIZE.is_power_of_two());
        assert!((16..=256).contains(&CACHE_LINE_SIZE));
    }

    #[test]
    fn padding_rounds_up_to_whole_lines() {
        assert_eq!(core::mem::size_of::<CachePadded<()>>(), 0);
        assert_eq!(core::mem::size_of::<CachePadded<u8>>(), CACHE_LINE_SIZE);
        assert_eq!(
            core::mem::size_of::<CachePadded<[u8; CACHE_LINE_SIZE + 1]>>(),
            2 * CACHE_LINE_SIZE
        );
    }
}
