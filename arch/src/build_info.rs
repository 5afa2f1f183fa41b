//! [`BuildInfo`]: what a bug report about the ccol family should include.

use core::fmt;

use crate::{Arch, CACHE_LINE_SIZE, CpuFeatures, config::Config};

/// The build and platform facts that matter for a bug report: crate version, target,
/// cache-line size, CPU features (compile time and detected), enabled features and the
/// configuration in effect.
///
/// `Display` writes one line, meant to be pasted into an issue:
///
/// ```
/// use ccol_arch::{BuildInfo, config::Config};
///
/// let info = BuildInfo::new(Config::DEFAULT);
/// let line = info.to_string();
/// assert!(line.starts_with("ccol-arch "));
/// assert!(line.contains(info.arch().name()));
/// println!("{line}");
/// ```
///
/// # Progress
///
/// Plain `Copy` data. [`BuildInfo::new`] runs [`CpuFeatures::detect`] (blocking on its first
/// call in the process); everything else is wait-free.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct BuildInfo {
    version: &'static str,
    arch: Arch,
    pointer_width: u32,
    big_endian: bool,
    cache_line_size: usize,
    compile_time: CpuFeatures,
    detected: CpuFeatures,
    std: bool,
    debug_assertions: bool,
    config: Config,
}

impl BuildInfo {
    /// The facts of this build, with `config` as the configuration in effect.
    #[must_use]
    pub fn new(config: Config) -> BuildInfo {
        BuildInfo {
            version: env!("CARGO_PKG_VERSION"),
            arch: Arch::CURRENT,
            pointer_width: Arch::pointer_width(),
            big_endian: cfg!(target_endian = "big"),
            cache_line_size: CACHE_LINE_SIZE,
            compile_time: CpuFeatures::COMPILE_TIME,
            detected: CpuFeatures::detect(),
            std: cfg!(feature = "std"),
            debug_assertions: cfg!(debug_assertions),
            config,
        }
    }

    /// The version of ccol-arch.
    #[must_use]
    pub const fn version(&self) -> &'static str {
        self.version
    }

    /// [`Arch::CURRENT`].
    #[must_use]
    pub const fn arch(&self) -> Arch {
        self.arch
    }

    /// [`Arch::pointer_width`].
    #[must_use]
    pub const fn pointer_width(&self) -> u32 {
        self.pointer_width
    }

    /// Whether the target is big-endian.
    #[must_use]
    pub const fn big_endian(&self) -> bool {
        self.big_endian
    }

    /// [`CACHE_LINE_SIZE`].
    #[must_use]
    pub const fn cache_line_size(&self) -> usize {
        self.cache_line_size
    }

    /// [`CpuFeatures::COMPILE_TIME`].
    #[must_use]
    pub const fn compile_time_features(&self) -> CpuFeatures {
        self.compile_time
    }

    /// [`CpuFeatures::detect`] at the time of [`BuildInfo::new`].
    #[must_use]
    pub const fn detected_features(&self) -> CpuFeatures {
        self.detected
    }

    /// Whether ccol-arch was built with its `std` feature.
    #[must_use]
    pub const fn std(&self) -> bool {
        self.std
    }

    /// Whether ccol-arch was built with debug assertions.
    #[must_use]
    pub const fn debug_assertions(&self) -> bool {
        self.debug_assertions
    }

    /// The configuration given to [`BuildInfo::new`].
    #[must_use]
    pub const fn config(&self) -> Config {
        self.config
    }
}

impl fmt::Display for BuildInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let yes_no = |b: bool| if b { "yes" } else { "no" };
        write!(
            f,
            "ccol-arch {} on {} ({}-bit, {}-endian, cache line {} B); cpu: {} (compile time: {}, \
             run-time detection: {}); double-width CAS: {}; std: {}; debug assertions: {}; \
             config: {}",
            self.version,
            self.arch,
            self.pointer_width,
            if self.big_endian { "big" } else { "little" },
            self.cache_line_size,
            self.detected,
            self.compile_time,
            yes_no(CpuFeatures::DETECTED_AT_RUN_TIME),
            yes_no(self.detected.double_width_cas()),
            yes_no(self.std),
            yes_no(self.debug_assertions),
            self.config,
        )
    }
}

impl Config {
    /// [`BuildInfo`] with `self` as the configuration in effect.
    #[must_use]
    pub fn build_info(&self) -> BuildInfo {
        BuildInfo::new(*self)
    }
}
