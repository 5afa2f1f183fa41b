//! [`TotalOrd`]: floats as keys, in the IEEE 754 total order.
//!
//! `f32` and `f64` are only `PartialOrd` (`NaN` is unordered, `-0.0 == 0.0`), so they cannot
//! be keys of an ordered collection under their own comparison: a `NaN` would break
//! reflexivity and lose itself. IEEE 754 §5.10 defines a total order for them, which std
//! exposes as `f64::total_cmp`; this wrapper makes it the key's `Ord`, so float keys work with
//! [`Natural`](super::Natural) and [`Reverse`](super::Reverse).

use core::{
    cmp::Ordering,
    hash::{Hash, Hasher},
};

/// A float ordered by the IEEE 754 total order (`total_cmp`): a key type for ordered
/// collections.
///
/// The order, ascending: negative `NaN`s, `-∞`, negative numbers, `-0.0`, `+0.0`, positive
/// numbers, `+∞`, positive `NaN`s (`NaN`s among themselves by payload). Every value, `NaN`
/// included, is equal only to itself, bit for bit: `-0.0` and `+0.0` are different keys, and so
/// are two `NaN`s with different payloads. `Eq` and `Hash` agree with `Ord` (all three look at
/// the bits). Ordinary numbers keep their usual order.
///
/// `#[repr(transparent)]`: the float and nothing else. Implemented for `f32` and `f64`.
///
/// # Examples
///
/// ```
/// use ccol_ordered::TotalOrd;
///
/// // `abs`: a NaN's sign bit is unspecified, and it decides the end the NaN sorts to.
/// let positive_nan = f64::NAN.abs();
/// let mut values = [2.5, positive_nan, -0.0, f64::NEG_INFINITY, 0.0, -1.0].map(TotalOrd);
/// values.sort();
/// let sorted = values.map(|TotalOrd(x)| x);
/// assert_eq!(sorted[..5], [f64::NEG_INFINITY, -1.0, -0.0, 0.0, 2.5]);
/// assert!(sorted[5].is_nan());
/// assert!(sorted[2].is_sign_negative() && sorted[3].is_sign_positive());
///
/// // Unlike `f64`, a NaN key finds itself.
/// assert_eq!(TotalOrd(f64::NAN), TotalOrd(f64::NAN));
/// assert_ne!(TotalOrd(-0.0_f32), TotalOrd(0.0_f32));
/// ```
#[derive(Clone, Copy, Debug, Default)]
#[repr(transparent)]
pub struct TotalOrd<F>(pub F);

/// `Eq`, `Ord`, `Hash` and `From` for `TotalOrd<$float>`. Equality and hashing use the bits:
/// `total_cmp` reports `Equal` exactly for identical bit patterns, so comparing bits agrees
/// with it and is cheaper.
macro_rules! total_ord {
    ($($float:ty),+) => {$(
        impl PartialEq for TotalOrd<$float> {
            #[inline]
            fn eq(&self, other: &Self) -> bool {
                self.0.to_bits() == other.0.to_bits()
            }
        }

        impl Eq for TotalOrd<$float> {}

        impl PartialOrd for TotalOrd<$float> {
            #[inline]
            fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
                Some(self.cmp(other))
            }
        }

        impl Ord for TotalOrd<$float> {
            #[inline]
            fn cmp(&self, other: &Self) -> Ordering {
                self.0.total_cmp(&other.0)
            }
        }

        impl Hash for TotalOrd<$float> {
            #[inline]
            fn hash<H: Hasher>(&self, state: &mut H) {
                self.0.to_bits().hash(state);
            }
        }

        impl From<$float> for TotalOrd<$float> {
            #[inline]
            fn from(value: $float) -> Self {
                Self(value)
            }
        }
    )+};
}

total_ord!(f32, f64);
