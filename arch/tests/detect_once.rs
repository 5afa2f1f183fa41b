//! Concurrent first calls to `CpuFeatures::detect` agree. This file holds a single test so
//! that its threads really make the process's first calls.

use std::sync::Barrier;

use ccol_arch::CpuFeatures;

#[test]
fn concurrent_first_calls_agree() {
    let threads = if cfg!(miri) { 3 } else { 8 };
    let barrier = Barrier::new(threads);
    let results: Vec<CpuFeatures> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    barrier.wait();
                    ccol_arch::cpu_features()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("detection must not panic"))
            .collect()
    });
    let first = results[0];
    assert!(results.iter().all(|r| *r == first), "{results:?}");
    assert_eq!(CpuFeatures::detect(), first);
    assert!(first.contains(CpuFeatures::COMPILE_TIME));
    // Not just consistent but right: a cache that hands out a placeholder while another
    // thread is still detecting would agree with itself only by luck.
    #[cfg(all(feature = "std", target_arch = "x86_64"))]
    assert_eq!(
        first.cmpxchg16b(),
        std::is_x86_feature_detected!("cmpxchg16b"),
        "{results:?}"
    );
    #[cfg(all(feature = "std", target_arch = "aarch64"))]
    assert_eq!(
        first.lse(),
        std::arch::is_aarch64_feature_detected!("lse"),
        "{results:?}"
    );
}
