//! A tiny seeded pseudo-random generator for reproducible workloads.
//!
//! SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators",
//! OOPSLA 2014): a 64-bit counter advanced by the golden-ratio increment, passed through a
//! variant of the MurmurHash3 finalizer. It is not cryptographic; it is fast, has a full
//! 2^64 period, and distinct seeds give unrelated streams, which is all workload generation
//! needs. Implemented here from the published description so that the recorder needs no extra
//! dependency.

/// A SplitMix64 generator. Equal seeds give equal streams on every platform.
///
/// # Example
///
/// ```
/// use ccol_specs::SplitMix64;
///
/// let mut a = SplitMix64::new(7);
/// let mut b = SplitMix64::new(7);
/// assert_eq!(a.next_u64(), b.next_u64());
/// assert!(a.below(10) < 10);
/// ```
#[derive(Clone, Debug)]
pub struct SplitMix64 {
    state: u64,
}

/// 2^64 divided by the golden ratio, rounded to odd.
const GOLDEN_GAMMA: u64 = 0x9E37_79B9_7F4A_7C15;

impl SplitMix64 {
    /// A generator seeded with `seed`.
    #[must_use]
    pub fn new(seed: u64) -> Self {
        Self { state: seed }
    }

    /// A generator for stream `stream` of `seed` (e.g. one per thread), unrelated to the
    /// streams of other indices.
    #[must_use]
    pub fn for_stream(seed: u64, stream: u64) -> Self {
        let mut mixer = Self::new(seed ^ stream.wrapping_mul(GOLDEN_GAMMA).rotate_left(17));
        Self::new(mixer.next_u64())
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN_GAMMA);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A value uniform in `0..bound` (by widening multiplication; the bias is below 2^-32 for
    /// the small bounds workloads use).
    ///
    /// # Panics
    ///
    /// If `bound == 0`.
    pub fn below(&mut self, bound: u64) -> u64 {
        assert!(bound > 0, "SplitMix64::below(0)");
        let wide = u128::from(self.next_u64()) * u128::from(bound);
        // The high half of a 64x64 product is below `bound`, so it fits in u64.
        (wide >> 64) as u64
    }

    /// `true` with probability `percent / 100` (values above 100 count as 100).
    pub fn percent(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streams_are_deterministic_and_distinct() {
        let take = |mut r: SplitMix64| (0..4).map(|_| r.next_u64()).collect::<Vec<_>>();
        assert_eq!(take(SplitMix64::new(1)), take(SplitMix64::new(1)));
        assert_ne!(take(SplitMix64::new(1)), take(SplitMix64::new(2)));
        assert_ne!(
            take(SplitMix64::for_stream(1, 0)),
            take(SplitMix64::for_stream(1, 1))
        );
    }

    #[test]
    fn below_covers_the_range() {
        let mut r = SplitMix64::new(42);
        let mut seen = [false; 6];
        for _ in 0..200 {
            seen[usize::try_from(r.below(6)).expect("below(6) < 6")] = true;
        }
        assert!(seen.iter().all(|&s| s), "{seen:?}");
        assert!((0..50).all(|_| !r.percent(0)) && (0..50).all(|_| r.percent(100)));
    }
}
