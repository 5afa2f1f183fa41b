//! Concurrent histories of the double-width atomic and the tagged atomic pointer, recorded on
//! real threads and checked for linearizability against a read/write/CAS register model
//! (`ccol-specs`).
//!
//! What these catch: a torn double-width load (a pair no write ever stored, which no
//! linearization can explain), a compare-and-swap that is not atomic (two CAS with the same
//! expected value both succeeding), a lost store, and a tag or pointer half that is updated
//! separately from the other.

use ccol_specs::{
    linearizability::Checker,
    model::{RegisterModel, RegisterOp, RegisterRet},
    recorder::run_concurrent,
    rng::SplitMix64,
};

/// Rounds × threads × operations: histories short enough that the exact checker is fast, many
/// enough rounds that interleavings vary.
const ROUNDS: u64 = if cfg!(miri) { 2 } else { 40 };
const THREADS: usize = 3;
const OPS: usize = if cfg!(miri) { 5 } else { 12 };

/// A register operation over the small value domain `0..4`, so that compare-and-swaps hit.
fn register_op(rng: &mut SplitMix64) -> RegisterOp<usize> {
    let value = rng.below(4) as usize;
    match rng.below(3) {
        0 => RegisterOp::Read,
        1 => RegisterOp::Write(value),
        _ => RegisterOp::Cas {
            expected: rng.below(4) as usize,
            new: value,
        },
    }
}

/// A cell under test, seen as a register of the values `0..4`.
trait RegisterCell: Sync {
    fn read(&self) -> usize;
    fn write(&self, value: usize);
    fn cas(&self, expected: usize, new: usize) -> bool;
}

/// Records [`ROUNDS`] concurrent histories on fresh cells from `make` (each starting at 0) and
/// checks each against the register model.
fn check_register_histories<C: RegisterCell>(seed: u64, make: impl Fn() -> C) {
    for round in 0..ROUNDS {
        let cell = make();
        let history = run_concurrent::<RegisterModel<usize>, _, _>(
            THREADS,
            OPS,
            seed + round,
            |_, rng| register_op(rng),
            |_, op| match op {
                RegisterOp::Read => RegisterRet::Read(cell.read()),
                RegisterOp::Write(v) => {
                    cell.write(*v);
                    RegisterRet::Written
                }
                RegisterOp::Cas { expected, new } => RegisterRet::Cas(cell.cas(*expected, *new)),
            },
        );
        if let Err(error) = Checker::new().check(&history, &RegisterModel::new(0)) {
            panic!("round {round}: {error}\n{history}");
        }
    }
}

#[cfg(any(
    target_arch = "x86_64",
    target_arch = "aarch64",
    all(target_pointer_width = "32", target_has_atomic = "64")
))]
mod double_word {
    use ccol_atomics::{AtomicDoubleWord, DoubleWord, sync::atomic::Ordering};

    use super::*;

    /// Each logical value `v` is stored as the pair `(v, !v)`: a torn read shows up as a pair
    /// that decodes to no value at all.
    fn encode(v: usize) -> DoubleWord {
        DoubleWord::new(v, !v)
    }

    fn decode(pair: DoubleWord) -> usize {
        assert_eq!(pair.hi, !pair.lo, "torn double-word value {pair:?}");
        pair.lo
    }

    impl RegisterCell for AtomicDoubleWord {
        fn read(&self) -> usize {
            decode(self.load(Ordering::Acquire))
        }
        fn write(&self, value: usize) {
            self.store(encode(value), Ordering::Release);
        }
        fn cas(&self, expected: usize, new: usize) -> bool {
            let (expected, new) = (encode(expected), encode(new));
            self.compare_exchange(expected, new, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
        }
    }

    #[test]
    fn concurrent_double_word_histories_are_linearizable() {
        if AtomicDoubleWord::try_new(encode(0)).is_err() {
            // No lock-free double-width CAS on this CPU: nothing to check, and the type
            // refusing to exist is the contract (tested in tests/dwcas.rs).
            return;
        }
        check_register_histories(0xD0C_0000, || {
            AtomicDoubleWord::try_new(encode(0)).expect("probed above")
        });
    }
}

mod tagged {
    use ccol_atomics::{AtomicTaggedPtr, TaggedPtr, sync::atomic::Ordering};

    use super::*;

    /// Four pointer targets, aligned so that two tag bits are free.
    #[repr(align(4))]
    struct Slot(#[allow(dead_code, reason = "only the address matters")] u8);

    /// Value `v` in `0..4` is the pointer to `SLOTS[v]` tagged with `3 - v`, so a value whose
    /// pointer and tag halves came from different stores decodes to nothing.
    static SLOTS: [Slot; 4] = [Slot(0), Slot(1), Slot(2), Slot(3)];

    fn encode(v: usize) -> TaggedPtr<Slot> {
        TaggedPtr::new(core::ptr::from_ref(&SLOTS[v]).cast_mut(), 3 - v)
    }

    fn decode(p: TaggedPtr<Slot>) -> usize {
        let v = SLOTS
            .iter()
            .position(|slot| core::ptr::eq(slot, p.ptr()))
            .unwrap_or_else(|| panic!("pointer to no slot: {p:?}"));
        assert_eq!(
            p.tag(),
            3 - v,
            "pointer and tag from different values: {p:?}"
        );
        v
    }

    impl RegisterCell for AtomicTaggedPtr<Slot> {
        fn read(&self) -> usize {
            decode(self.load(Ordering::Acquire))
        }
        fn write(&self, value: usize) {
            self.store(encode(value), Ordering::Release);
        }
        fn cas(&self, expected: usize, new: usize) -> bool {
            let (expected, new) = (encode(expected), encode(new));
            self.compare_exchange(expected, new, Ordering::AcqRel, Ordering::Acquire)
                .is_ok()
        }
    }

    #[test]
    fn concurrent_tagged_pointer_histories_are_linearizable() {
        check_register_histories(0x7A6_0000, || AtomicTaggedPtr::new(encode(0)));
    }
}
