//! Random tower heights: geometric with p = 1/4 (three nodes in four have one level, as in
//! Java's ConcurrentSkipListMap), capped at [`MAX_HEIGHT`].
//!
//! Under `std` each thread draws from its own xorshift state (no shared write per insert).
//! Without `std` a map draws from a seed word it loads and stores with Relaxed ordering: racing
//! inserts may draw the same height, which costs nothing but randomness (the seed is never a
//! correctness input).

use super::node::MAX_HEIGHT;
use crate::sync::atomic::AtomicUsize;
#[cfg(not(all(feature = "std", not(ccol_loom))))]
use crate::sync::atomic::Ordering;

/// One step of a 64-bit xorshift* generator (Vigna, "An experimental exploration of
/// Marsaglia's xorshift generators, scrambled", 2016); never maps a non-zero state to zero.
#[inline]
fn step(state: u64) -> u64 {
    let mut x = state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    x
}

/// The height two random bits per level give: 1 + (trailing zero pairs of `bits`), capped.
#[inline]
fn height_from(bits: u64) -> usize {
    let scrambled = bits.wrapping_mul(0x2545_F491_4F6C_DD1D);
    // Bits above 2·(MAX_HEIGHT − 1) are forced to one, so the count stops at the cap.
    let capped = scrambled | (1u64 << (2 * (MAX_HEIGHT - 1)));
    1 + (capped.trailing_zeros() as usize) / 2
}

/// The per-map source of heights.
pub(crate) struct Heights {
    /// The no_std generator state (unused under `std`).
    #[cfg_attr(feature = "std", allow(dead_code, reason = "std draws per thread"))]
    seed: AtomicUsize,
}

impl Heights {
    pub(crate) const fn new() -> Self {
        Self {
            seed: AtomicUsize::new(0x9E37_79B9),
        }
    }

    /// A random height in `1..=MAX_HEIGHT`.
    #[inline]
    pub(crate) fn next(&self) -> usize {
        height_from(self.bits())
    }

    #[cfg(all(feature = "std", not(ccol_loom)))]
    #[inline]
    fn bits(&self) -> u64 {
        std::thread_local! {
            static STATE: core::cell::Cell<u64> = const { core::cell::Cell::new(0) };
        }
        STATE.with(|state| {
            let mut current = state.get();
            if current == 0 {
                // Seed from the state's own address: distinct per live thread, never zero.
                current = (core::ptr::from_ref(state) as u64) | 1;
            }
            let next = step(current);
            state.set(next);
            next
        })
    }

    #[cfg(not(all(feature = "std", not(ccol_loom))))]
    #[inline]
    fn bits(&self) -> u64 {
        // Relaxed: the seed orders nothing; a lost update only repeats a height.
        let current = self.seed.load(Ordering::Relaxed) as u64 | 1;
        let next = step(current);
        // Relaxed: as above.
        self.seed.store(next as usize, Ordering::Relaxed);
        next
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heights_are_geometric_with_a_quarter() {
        let heights = Heights::new();
        let mut counts = [0usize; MAX_HEIGHT + 1];
        for _ in 0..100_000 {
            let h = heights.next();
            assert!((1..=MAX_HEIGHT).contains(&h));
            counts[h] += 1;
        }
        // Expected 75 000 / 18 750 / 4 688: allow generous slack, catch a wrong p.
        assert!((72_000..78_000).contains(&counts[1]), "{counts:?}");
        assert!((17_000..20_500).contains(&counts[2]), "{counts:?}");
        assert!((4_000..5_400).contains(&counts[3]), "{counts:?}");
    }

    #[test]
    fn the_cap_holds_for_all_zero_bits() {
        assert_eq!(height_from(0), MAX_HEIGHT);
    }
}
