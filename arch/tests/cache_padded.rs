//! `CACHE_LINE_SIZE` per target and the behaviour of `CachePadded`.

extern crate alloc;

use alloc::rc::Rc;
use core::{
    cell::Cell,
    hash::{Hash, Hasher},
    mem::{align_of, size_of},
};
use std::collections::hash_map::DefaultHasher;

use ccol_arch::{CACHE_LINE_SIZE, CachePadded};

/// The size documented for this target, restated independently of the crate's cfg tree.
fn expected_line_size() -> usize {
    if cfg!(target_arch = "s390x") {
        256
    } else if cfg!(any(
        target_arch = "x86_64",
        target_arch = "x86",
        target_arch = "aarch64",
        target_arch = "powerpc64",
        target_arch = "mips64",
        target_arch = "mips64r6"
    )) {
        128
    } else if cfg!(any(
        all(target_arch = "arm", not(target_has_atomic = "64")),
        all(target_arch = "riscv32", not(target_has_atomic = "ptr")),
        target_arch = "mips",
        target_arch = "mips32r6"
    )) {
        32
    } else if cfg!(target_arch = "m68k") {
        16
    } else {
        64
    }
}

#[test]
fn line_size_matches_the_documented_table() {
    assert_eq!(CACHE_LINE_SIZE, expected_line_size());
}

#[test]
fn alignment_and_size() {
    assert_eq!(align_of::<CachePadded<u8>>(), CACHE_LINE_SIZE);
    assert_eq!(align_of::<CachePadded<u64>>(), CACHE_LINE_SIZE);
    assert_eq!(size_of::<CachePadded<u8>>(), CACHE_LINE_SIZE);
    assert_eq!(
        size_of::<CachePadded<[u8; CACHE_LINE_SIZE]>>(),
        CACHE_LINE_SIZE
    );
    assert_eq!(
        size_of::<CachePadded<[u8; CACHE_LINE_SIZE + 1]>>(),
        2 * CACHE_LINE_SIZE
    );
    // A type more aligned than a line keeps its own alignment.
    #[repr(align(512))]
    struct Big(#[allow(dead_code)] u8);
    assert_eq!(align_of::<CachePadded<Big>>(), 512);
}

#[test]
fn neighbours_never_share_a_line() {
    let slots: Vec<CachePadded<u32>> = (0..4).map(CachePadded::new).collect();
    let addrs: Vec<usize> = slots
        .iter()
        .map(|s| core::ptr::from_ref::<u32>(s).addr())
        .collect();
    for (i, a) in addrs.iter().enumerate() {
        assert_eq!(a % CACHE_LINE_SIZE, 0, "slot {i} misaligned");
        if let Some(b) = addrs.get(i + 1) {
            assert!(b - a >= CACHE_LINE_SIZE);
        }
    }
    let boxed = Box::new(CachePadded::new(1u8));
    assert_eq!(
        core::ptr::from_ref::<CachePadded<u8>>(&boxed).addr() % CACHE_LINE_SIZE,
        0
    );
}

static COUNTER: CachePadded<u32> = CachePadded::new(7);

#[test]
fn const_construction_and_access() {
    assert_eq!(*COUNTER, 7);
    let mut padded = CachePadded::new(vec![1, 2]);
    padded.push(3);
    assert_eq!(padded.len(), 3);
    assert_eq!(padded.into_inner(), vec![1, 2, 3]);
}

#[test]
fn conversions_and_common_traits() {
    let from: CachePadded<i32> = 5.into();
    assert_eq!(from, CachePadded::new(5));
    assert_ne!(from, CachePadded::new(6));
    assert_eq!(CachePadded::<i32>::default().into_inner(), 0);
    let copy = from;
    assert_eq!(*copy + *from, 10);
    let cloned = CachePadded::new(String::from("x")).clone();
    assert_eq!(cloned.as_str(), "x");
    assert_eq!(
        format!("{:?}", CachePadded::new(3)),
        "CachePadded { value: 3 }"
    );
    assert_eq!(format!("{:>3}", CachePadded::new(4)), "  4");
}

#[test]
fn hashes_like_the_inner_value() {
    fn hash_of(value: impl Hash) -> u64 {
        let mut h = DefaultHasher::new();
        value.hash(&mut h);
        h.finish()
    }
    assert_eq!(hash_of(CachePadded::new("key")), hash_of("key"));
    assert_ne!(hash_of(CachePadded::new("key")), hash_of("other"));
}

#[test]
fn drops_the_value_exactly_once() {
    let drops = Rc::new(Cell::new(0));
    struct Probe(Rc<Cell<u32>>);
    impl Drop for Probe {
        fn drop(&mut self) {
            self.0.set(self.0.get() + 1);
        }
    }
    drop(CachePadded::new(Probe(drops.clone())));
    assert_eq!(drops.get(), 1);
    let inner = CachePadded::new(Probe(drops.clone())).into_inner();
    assert_eq!(drops.get(), 1);
    drop(inner);
    assert_eq!(drops.get(), 2);
}
