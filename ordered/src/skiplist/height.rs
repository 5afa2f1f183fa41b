//! Random tower heights: geometric with p = 1/2 (half the nodes have one level), capped at
//! [`MAX_HEIGHT`].
//!
//! Why 1/2 and not Java's 1/4: a search visits about `(1/p)·log_{1/p}(n)` nodes either way,
//! but with p = 1/4 it takes about three steps per level on the lowest, largest levels, whose
//! nodes are not in cache; with p = 1/2 about one. Measured here on a 2^19-entry map, a lookup
//! took 2.3 µs with p = 1/2 against 3.5 µs with p = 1/4 (34 nodes visited in both). The
//! price is memory: 16 + 8·h bytes per `u64 → u64` node (DEBRA), 42.7 B/entry of glibc
//! footprint against 36.3 with p = 1/4.
//!
//! Under `std` each thread draws from its own xorshift state (no shared write per insert).
//! Without `std` a map draws from a seed word it loads and stores with Relaxed ordering: racing
//! inserts may draw the same height, which costs nothing but randomness (the seed is never a
//! correctness input). Under `ccol_loom` heights are not random: see [`Heights::next`].

use super::node::MAX_HEIGHT;
use crate::sync::atomic::AtomicUsize;
#[cfg(not(all(feature = "std", not(ccol_loom))))]
use crate::sync::atomic::Ordering;

/// The no_std generator's initial state (also the origin of the loom cycle).
const SEED: usize = 0x9E37_79B9;

/// One step of a 64-bit xorshift* generator (Vigna, "An experimental exploration of
/// Marsaglia's xorshift generators, scrambled", 2016); never maps a non-zero state to zero.
#[cfg_attr(ccol_loom, allow(dead_code, reason = "loom draws a fixed cycle"))]
#[inline]
fn step(state: u64) -> u64 {
    let mut x = state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    x
}

/// The height one random bit per level gives: 1 + (trailing zeros of `bits`), capped.
#[cfg_attr(ccol_loom, allow(dead_code, reason = "loom draws a fixed cycle"))]
#[inline]
fn height_from(bits: u64) -> usize {
    let scrambled = bits.wrapping_mul(0x2545_F491_4F6C_DD1D);
    // Bit MAX_HEIGHT − 1 is forced to one, so the count stops at the cap.
    let capped = scrambled | (1u64 << (MAX_HEIGHT - 1));
    1 + capped.trailing_zeros() as usize
}

/// The per-map source of heights.
pub(crate) struct Heights {
    /// The no_std generator state (unused under `std`).
    #[cfg_attr(feature = "std", allow(dead_code, reason = "std draws per thread"))]
    seed: AtomicUsize,
}

impl Heights {
    ccol_atomics::const_fn! {
        pub(crate) const fn new() -> Self {
            Self {
                seed: AtomicUsize::new(SEED),
            }
        }
    }

    /// A random height in `1..=MAX_HEIGHT`.
    #[cfg(not(ccol_loom))]
    #[inline]
    pub(crate) fn next(&self) -> usize {
        height_from(self.bits())
    }

    /// Under loom: 1, 2, 1, 2, ... in the order of this map's draws, so that the models
    /// (`tests/loom.rs`) can make the node they need tall whatever the generator and p.
    #[cfg(ccol_loom)]
    #[inline]
    pub(crate) fn next(&self) -> usize {
        // Relaxed: a counter; racing draws still get one step each.
        1 + (self.seed.fetch_add(1, Ordering::Relaxed).wrapping_sub(SEED) & 1)
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

    #[cfg(not(feature = "std"))]
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
    fn heights_are_geometric_with_a_half() {
        let heights = Heights::new();
        let mut counts = [0usize; MAX_HEIGHT + 1];
        for _ in 0..100_000 {
            let h = heights.next();
            assert!((1..=MAX_HEIGHT).contains(&h));
            counts[h] += 1;
        }
        // Expected 50 000 / 25 000 / 12 500: allow generous slack, catch a wrong p.
        assert!((48_000..52_000).contains(&counts[1]), "{counts:?}");
        assert!((23_500..26_500).contains(&counts[2]), "{counts:?}");
        assert!((11_500..13_500).contains(&counts[3]), "{counts:?}");
    }

    #[test]
    fn the_cap_holds_for_all_zero_bits() {
        assert_eq!(height_from(0), MAX_HEIGHT);
    }
}
