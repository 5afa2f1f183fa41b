//! Reading `CCOL_*` from the process environment, and the process-wide [`Config::global`]
//! (`std` only).

use alloc::{string::String, vec::Vec};
use std::{ffi::OsString, sync::OnceLock};

use super::{Config, EnvIssueKind, OwnedEnvIssue, env::PREFIX};

impl Config {
    /// [`Config::DEFAULT`] with the process environment's `CCOL_*` overrides applied
    /// ([`Config::apply_env`] rules), reporting ignored variables on stderr.
    ///
    /// Each issue is one `eprintln!` line prefixed `ccol: `. Issues are printed **at most once
    /// per process**: by the first call that finds any (normally the one behind
    /// [`Config::global`]); later calls stay silent. Use
    /// [`from_env_with_issues`](Self::from_env_with_issues) to get them every time.
    ///
    /// Variables whose name starts with `CCOL_` but whose name or value is not valid Unicode
    /// are reported as [`EnvIssueKind::NotUnicode`] and ignored; this never panics.
    #[must_use]
    #[cfg_attr(docsrs, doc(cfg(feature = "std")))]
    pub fn from_env() -> Config {
        static REPORTED: OnceLock<()> = OnceLock::new();
        let (config, issues) = Config::from_env_with_issues();
        if !issues.is_empty() && REPORTED.set(()).is_ok() {
            for issue in &issues {
                std::eprintln!("ccol: {issue}");
            }
        }
        config
    }

    /// [`Config::DEFAULT`] with the process environment's `CCOL_*` overrides applied, and the
    /// variables that were ignored. Prints nothing.
    ///
    /// Issue order: the [`EnvIssueKind::NotUnicode`] ones first, then the rest in environment
    /// order, except that inconsistent backoff limits are reported last (they are checked as a
    /// pair after all variables, see [`Config::apply_env`]).
    #[must_use]
    #[cfg_attr(docsrs, doc(cfg(feature = "std")))]
    pub fn from_env_with_issues() -> (Config, Vec<OwnedEnvIssue>) {
        let mut issues = Vec::new();
        let mut vars: Vec<(String, String)> = Vec::new();
        for (name, value) in std::env::vars_os() {
            match (name.into_string(), value.into_string()) {
                (Ok(name), Ok(value)) => {
                    if name.starts_with(PREFIX) {
                        vars.push((name, value));
                    }
                }
                (name, value) => {
                    let name = lossy(name);
                    if name.starts_with(PREFIX) {
                        let issue =
                            OwnedEnvIssue::from_parts(name, lossy(value), EnvIssueKind::NotUnicode);
                        issues.push(issue);
                    }
                }
            }
        }
        let pairs = vars
            .iter()
            .map(|(name, value)| (name.as_str(), value.as_str()));
        let config = Config::DEFAULT.apply_env(pairs, |issue| issues.push(issue.into()));
        (config, issues)
    }

    /// The process-wide configuration: [`Config::from_env`], computed once on first use and
    /// never changed afterwards (so issues are reported once).
    ///
    /// Structures built without an explicit `Config` copy this one. Code-level settings go on
    /// top of it and win over the environment:
    ///
    /// ```
    /// use ccol_arch::config::Config;
    ///
    /// let config = Config::global().with_retire_threshold(256).expect("in range");
    /// assert_eq!(config.retire_threshold(), 256);
    /// assert!(std::ptr::eq(Config::global(), Config::global()));
    /// ```
    ///
    /// # Progress
    ///
    /// Blocking on the first call (concurrent first callers wait for the one that reads the
    /// environment); wait-free afterwards.
    #[must_use]
    #[cfg_attr(docsrs, doc(cfg(feature = "std")))]
    pub fn global() -> &'static Config {
        static GLOBAL: OnceLock<Config> = OnceLock::new();
        GLOBAL.get_or_init(Config::from_env)
    }
}

/// The string itself, or its lossy conversion if it is not valid Unicode.
fn lossy(s: Result<String, OsString>) -> String {
    s.unwrap_or_else(|os| os.to_string_lossy().into_owned())
}
