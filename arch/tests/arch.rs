//! `Arch` against `cfg(target_arch)` and the standard library's view of the target.

use ccol_arch::Arch;

/// The variant expected for this target, written independently of the crate's mapping.
fn expected() -> Arch {
    if cfg!(target_arch = "x86_64") {
        Arch::X86_64
    } else if cfg!(target_arch = "x86") {
        Arch::X86
    } else if cfg!(target_arch = "aarch64") {
        Arch::AArch64
    } else if cfg!(target_arch = "arm") {
        Arch::Arm
    } else if cfg!(target_arch = "riscv64") {
        Arch::RiscV64
    } else if cfg!(target_arch = "riscv32") {
        Arch::RiscV32
    } else {
        // Other targets are not run here; only check that the mapping is stable.
        Arch::CURRENT
    }
}

#[test]
fn current_matches_target_arch() {
    assert_eq!(Arch::CURRENT, expected());
    assert!(Arch::CURRENT.is_current());
}

#[test]
fn name_matches_std_env_consts_arch() {
    let std_name = std::env::consts::ARCH;
    match Arch::CURRENT {
        Arch::Other => assert_eq!(Arch::Other.name(), "unknown"),
        // `mips32r6`/`mips64r6` share the plain MIPS variants.
        Arch::Mips | Arch::Mips64 => assert!(std_name.starts_with(Arch::CURRENT.name())),
        arch => assert_eq!(arch.name(), std_name),
    }
}

#[test]
fn pointer_width_matches_cfg() {
    let expected = if cfg!(target_pointer_width = "64") {
        64
    } else if cfg!(target_pointer_width = "32") {
        32
    } else {
        16
    };
    assert_eq!(Arch::pointer_width(), expected);
    assert_eq!(
        Arch::pointer_width() as usize,
        8 * core::mem::size_of::<usize>()
    );
}

#[test]
fn register_widths() {
    assert_eq!(Arch::X86_64.register_width(), Some(64));
    assert_eq!(Arch::AArch64.register_width(), Some(64));
    assert_eq!(Arch::Arm.register_width(), Some(32));
    assert_eq!(Arch::RiscV32.register_width(), Some(32));
    assert_eq!(Arch::Other.register_width(), None);
    for arch in Arch::ALL {
        if let Some(bits) = arch.register_width() {
            let expected = if arch.name().contains("64") || arch == Arch::S390x {
                64
            } else {
                32
            };
            assert_eq!(bits, expected, "{arch}");
        }
    }
}

#[test]
fn display_is_the_name_and_honours_padding() {
    for arch in Arch::ALL {
        assert_eq!(arch.to_string(), arch.name());
    }
    assert_eq!(
        format!("{:>8}|{:<5}|", Arch::X86, Arch::Arm),
        "     x86|arm  |"
    );
}

#[test]
fn all_lists_every_variant_once() {
    let mut names: Vec<_> = Arch::ALL.iter().map(|a| a.name()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), Arch::ALL.len());
    assert!(Arch::ALL.contains(&Arch::CURRENT));
}
