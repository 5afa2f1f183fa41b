//! `CpuFeatures`: compile-time set, run-time detection, and the convenience functions.

use ccol_arch::{Arch, CpuFeature, CpuFeatures};

#[test]
fn detected_is_a_superset_of_compile_time() {
    let detected = CpuFeatures::detect();
    assert!(detected.contains(CpuFeatures::COMPILE_TIME));
    for feature in CpuFeatures::COMPILE_TIME.iter() {
        assert!(detected.has(feature), "{feature}");
    }
}

#[test]
fn compile_time_matches_cfg_target_feature() {
    let c = CpuFeatures::COMPILE_TIME;
    assert_eq!(
        c.cmpxchg16b(),
        cfg!(all(target_arch = "x86_64", target_feature = "cmpxchg16b"))
    );
    assert_eq!(
        c.avx(),
        cfg!(all(
            any(target_arch = "x86_64", target_arch = "x86"),
            target_feature = "avx"
        ))
    );
    assert_eq!(
        c.avx2(),
        cfg!(all(
            any(target_arch = "x86_64", target_arch = "x86"),
            target_feature = "avx2"
        ))
    );
    assert_eq!(
        c.lse(),
        cfg!(all(target_arch = "aarch64", target_feature = "lse"))
    );
    assert_eq!(
        c.lse2(),
        cfg!(all(target_arch = "aarch64", target_feature = "lse2"))
    );
}

#[test]
fn features_of_other_arches_are_never_reported() {
    for set in [CpuFeatures::COMPILE_TIME, CpuFeatures::detect()] {
        for feature in CpuFeature::ALL {
            if !feature.applies_to(Arch::CURRENT) {
                assert!(!set.has(feature), "{feature} reported on {}", Arch::CURRENT);
            }
        }
    }
    if Arch::CURRENT != Arch::AArch64 {
        assert!(!ccol_arch::has_lse() && !ccol_arch::has_lse2());
    }
    if Arch::CURRENT != Arch::X86_64 {
        assert!(!ccol_arch::has_cmpxchg16b());
    }
}

/// On x86-64 the detected set is exactly what the standard library reports.
#[cfg(all(feature = "std", target_arch = "x86_64"))]
#[test]
fn x86_64_detection_matches_std_directly() {
    let f = CpuFeatures::detect();
    assert_eq!(f.cmpxchg16b(), std::is_x86_feature_detected!("cmpxchg16b"));
    assert_eq!(f.avx(), std::is_x86_feature_detected!("avx"));
    assert_eq!(f.avx2(), std::is_x86_feature_detected!("avx2"));
    assert!(!f.lse() && !f.lse2());
    assert_eq!(
        f.double_width_cas(),
        std::is_x86_feature_detected!("cmpxchg16b")
    );
}

#[cfg(all(feature = "std", target_arch = "aarch64"))]
#[test]
fn aarch64_detection_matches_std_directly() {
    let f = CpuFeatures::detect();
    assert_eq!(f.lse(), std::arch::is_aarch64_feature_detected!("lse"));
    assert_eq!(f.lse2(), std::arch::is_aarch64_feature_detected!("lse2"));
    assert!(f.double_width_cas());
}

/// Without `std` nothing is detected at run time.
#[cfg(not(feature = "std"))]
#[test]
fn without_std_detect_is_compile_time() {
    const _: () = assert!(!CpuFeatures::DETECTED_AT_RUN_TIME);
    assert_eq!(CpuFeatures::detect(), CpuFeatures::COMPILE_TIME);
}

#[test]
fn free_functions_agree_with_the_set() {
    let f = ccol_arch::cpu_features();
    assert_eq!(f, CpuFeatures::detect());
    assert_eq!(ccol_arch::has_cmpxchg16b(), f.cmpxchg16b());
    assert_eq!(ccol_arch::has_avx(), f.avx());
    assert_eq!(ccol_arch::has_avx2(), f.avx2());
    assert_eq!(ccol_arch::has_lse(), f.lse());
    assert_eq!(ccol_arch::has_lse2(), f.lse2());
    assert_eq!(ccol_arch::has_double_width_cas(), f.double_width_cas());
}

#[test]
fn double_width_cas_rules() {
    let f = CpuFeatures::detect();
    let expected = if cfg!(target_pointer_width = "32") {
        cfg!(target_has_atomic = "64")
    } else if cfg!(all(target_arch = "x86_64", target_pointer_width = "64")) {
        f.cmpxchg16b()
    } else {
        cfg!(all(target_arch = "aarch64", target_pointer_width = "64"))
    };
    assert_eq!(f.double_width_cas(), expected);
    // Removing CMPXCHG16B turns it off on x86-64 and changes nothing elsewhere.
    let stripped = f.without(CpuFeature::Cmpxchg16b);
    if cfg!(all(target_arch = "x86_64", target_pointer_width = "64")) {
        assert!(!stripped.double_width_cas());
    } else {
        assert_eq!(stripped.double_width_cas(), f.double_width_cas());
    }
}

#[test]
fn set_operations() {
    let f = CpuFeatures::detect();
    assert!(f.contains(CpuFeatures::NONE));
    assert!(CpuFeatures::NONE.is_empty());
    assert_eq!(CpuFeatures::default(), CpuFeatures::NONE);
    let mut stripped = f;
    for feature in CpuFeature::ALL {
        stripped = stripped.without(feature);
        assert!(!stripped.has(feature));
        assert!(f.contains(stripped));
    }
    assert!(stripped.is_empty());
    assert_eq!(
        f.iter().count(),
        CpuFeature::ALL.iter().filter(|x| f.has(**x)).count()
    );
}

#[test]
fn display_and_debug() {
    assert_eq!(CpuFeatures::NONE.to_string(), "none");
    let f = CpuFeatures::detect();
    let shown = f.to_string();
    let names: Vec<_> = f.iter().map(CpuFeature::name).collect();
    if names.is_empty() {
        assert_eq!(shown, "none");
    } else {
        assert_eq!(shown, names.join(" "));
    }
    let debug = format!("{:?}", CpuFeatures::NONE);
    assert_eq!(
        debug,
        "CpuFeatures { cmpxchg16b: false, avx: false, avx2: false, lse: false, lse2: false }"
    );
    assert_eq!(format!("{:>6}", CpuFeature::Lse), "   lse");
}

#[test]
fn feature_arch_table() {
    assert!(CpuFeature::Cmpxchg16b.applies_to(Arch::X86_64));
    assert!(!CpuFeature::Cmpxchg16b.applies_to(Arch::X86));
    assert!(CpuFeature::Avx2.applies_to(Arch::X86));
    assert!(CpuFeature::Lse2.applies_to(Arch::AArch64));
    assert!(!CpuFeature::Lse.applies_to(Arch::Arm));
    for feature in CpuFeature::ALL {
        assert!(!feature.applies_to(Arch::Other));
    }
}
