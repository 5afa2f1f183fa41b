//! The target architecture, known at compile time.
//!
//! [`Arch::CURRENT`] is derived from `cfg(target_arch)` alone, so it costs nothing at run time
//! and is available without `std`. The set of variants covers the architectures the family
//! tunes for (cache-line size, double-width CAS); every other target is [`Arch::Other`].

use core::fmt;

/// A CPU architecture, as selected by `cfg(target_arch)`.
///
/// The enum is `#[non_exhaustive]`: new architectures may get their own variant in a minor
/// release (they are [`Arch::Other`] until then).
///
/// # Progress
///
/// Plain data; every method is `const` and wait-free.
///
/// # Examples
///
/// ```
/// use ccol_arch::Arch;
///
/// let arch = Arch::CURRENT;
/// println!("running on {arch} with {}-bit pointers", Arch::pointer_width());
/// assert_eq!(arch.to_string(), arch.name());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Arch {
    /// x86-64 (AMD64, Intel 64), including the x32 ABI.
    X86_64,
    /// 32-bit x86 (i386 to i686).
    X86,
    /// 64-bit Arm (AArch64, Armv8-A and later), including ILP32 ABIs.
    AArch64,
    /// 32-bit Arm (A32/T32: Armv4T to Armv8-M, A-, R- and M-profile).
    Arm,
    /// 64-bit RISC-V (RV64).
    RiscV64,
    /// 32-bit RISC-V (RV32).
    RiscV32,
    /// 64-bit PowerPC (POWER, ppc64 and ppc64le).
    PowerPc64,
    /// 32-bit PowerPC.
    PowerPc,
    /// IBM z/Architecture (s390x).
    S390x,
    /// 64-bit LoongArch.
    LoongArch64,
    /// 64-bit MIPS (mips64, mips64r6).
    Mips64,
    /// 32-bit MIPS (mips, mips32r6).
    Mips,
    /// 32-bit WebAssembly.
    Wasm32,
    /// 64-bit WebAssembly (memory64).
    Wasm64,
    /// Any architecture without a variant of its own.
    Other,
}

impl Arch {
    /// Every variant, in declaration order.
    pub const ALL: [Arch; 15] = [
        Arch::X86_64,
        Arch::X86,
        Arch::AArch64,
        Arch::Arm,
        Arch::RiscV64,
        Arch::RiscV32,
        Arch::PowerPc64,
        Arch::PowerPc,
        Arch::S390x,
        Arch::LoongArch64,
        Arch::Mips64,
        Arch::Mips,
        Arch::Wasm32,
        Arch::Wasm64,
        Arch::Other,
    ];

    /// The architecture this crate was compiled for.
    pub const CURRENT: Arch = current();

    /// The lowercase name, equal to the variant's `target_arch` value, with two exceptions:
    /// [`Arch::Other`] is `"unknown"`, and [`Arch::Mips`] and [`Arch::Mips64`] are `"mips"` and
    /// `"mips64"` also when the target is `mips32r6` or `mips64r6`.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Arch::X86_64 => "x86_64",
            Arch::X86 => "x86",
            Arch::AArch64 => "aarch64",
            Arch::Arm => "arm",
            Arch::RiscV64 => "riscv64",
            Arch::RiscV32 => "riscv32",
            Arch::PowerPc64 => "powerpc64",
            Arch::PowerPc => "powerpc",
            Arch::S390x => "s390x",
            Arch::LoongArch64 => "loongarch64",
            Arch::Mips64 => "mips64",
            Arch::Mips => "mips",
            Arch::Wasm32 => "wasm32",
            Arch::Wasm64 => "wasm64",
            Arch::Other => "unknown",
        }
    }

    /// The width in bits of the architecture's general-purpose registers, or `None` for
    /// [`Arch::Other`].
    ///
    /// This is a property of the architecture, not of the ABI: x86-64 with the x32 ABI has
    /// 64-bit registers but 32-bit pointers. For the pointer width of the current target use
    /// [`Arch::pointer_width`].
    #[must_use]
    pub const fn register_width(self) -> Option<u32> {
        match self {
            Arch::X86_64
            | Arch::AArch64
            | Arch::RiscV64
            | Arch::PowerPc64
            | Arch::S390x
            | Arch::LoongArch64
            | Arch::Mips64
            | Arch::Wasm64 => Some(64),
            Arch::X86 | Arch::Arm | Arch::RiscV32 | Arch::PowerPc | Arch::Mips | Arch::Wasm32 => {
                Some(32)
            }
            Arch::Other => None,
        }
    }

    /// The pointer width in bits of the current target (`usize::BITS`, i.e.
    /// `cfg(target_pointer_width)`).
    #[must_use]
    pub const fn pointer_width() -> u32 {
        usize::BITS
    }

    /// Whether this is the architecture the crate was compiled for.
    #[must_use]
    pub const fn is_current(self) -> bool {
        self as u8 == Arch::CURRENT as u8
    }
}

impl fmt::Display for Arch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

/// Maps `cfg(target_arch)` to a variant.
const fn current() -> Arch {
    cfg_if::cfg_if! {
        if #[cfg(target_arch = "x86_64")] {
            Arch::X86_64
        } else if #[cfg(target_arch = "x86")] {
            Arch::X86
        } else if #[cfg(target_arch = "aarch64")] {
            Arch::AArch64
        } else if #[cfg(target_arch = "arm")] {
            Arch::Arm
        } else if #[cfg(target_arch = "riscv64")] {
            Arch::RiscV64
        } else if #[cfg(target_arch = "riscv32")] {
            Arch::RiscV32
        } else if #[cfg(target_arch = "powerpc64")] {
            Arch::PowerPc64
        } else if #[cfg(target_arch = "powerpc")] {
            Arch::PowerPc
        } else if #[cfg(target_arch = "s390x")] {
            Arch::S390x
        } else if #[cfg(target_arch = "loongarch64")] {
            Arch::LoongArch64
        } else if #[cfg(any(target_arch = "mips64", target_arch = "mips64r6"))] {
            Arch::Mips64
        } else if #[cfg(any(target_arch = "mips", target_arch = "mips32r6"))] {
            Arch::Mips
        } else if #[cfg(target_arch = "wasm32")] {
            Arch::Wasm32
        } else if #[cfg(target_arch = "wasm64")] {
            Arch::Wasm64
        } else {
            Arch::Other
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Arch;

    #[test]
    fn names_are_distinct_and_nonempty() {
        for (i, a) in Arch::ALL.iter().enumerate() {
            assert!(!a.name().is_empty());
            for b in &Arch::ALL[i + 1..] {
                assert_ne!(a, b);
                assert_ne!(a.name(), b.name());
            }
        }
    }

    /// `ALL` lists every variant in declaration order; `Other` is declared last, so a variant
    /// added before it and forgotten in `ALL` fails here.
    #[test]
    fn all_is_complete_and_in_declaration_order() {
        for (i, arch) in Arch::ALL.iter().enumerate() {
            assert_eq!(*arch as usize, i, "{arch}");
        }
        assert_eq!(Arch::ALL.len(), Arch::Other as usize + 1);
    }

    #[test]
    fn exactly_one_variant_is_current() {
        let current = Arch::ALL.iter().filter(|a| a.is_current()).count();
        assert_eq!(current, 1);
        assert!(Arch::CURRENT.is_current());
    }

    #[test]
    fn register_width_bounds_pointer_width_on_known_arches() {
        if let Some(bits) = Arch::CURRENT.register_width() {
            assert!(Arch::pointer_width() <= bits);
        }
    }
}
