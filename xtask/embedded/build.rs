//! Puts `memory.x` on the linker search path and links with cortex-m-rt's `link.x`.
//!
//! The link argument is emitted here rather than in `.cargo/config.toml` rustflags because an
//! environment `RUSTFLAGS` (xtask sets one in CI mode) replaces config rustflags entirely.

use std::{env, fs, path::PathBuf};

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    fs::write(out.join("memory.x"), include_bytes!("memory.x")).expect("writing memory.x");
    println!("cargo:rustc-link-search={}", out.display());
    println!("cargo:rustc-link-arg=-Tlink.x");
    println!("cargo:rerun-if-changed=memory.x");
    println!("cargo:rerun-if-changed=build.rs");
}
