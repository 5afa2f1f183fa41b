//! Repository rules, checked by `cargo test` (and `cargo xtask tidy`), after rust-analyzer's
//! `tidy.rs`.
//!
//! For every `.rs` file of the library crates, `ccol-specs`, xtask's sources and the firmware:
//! a `//!` module doc first; a `// SAFETY:` comment on every `unsafe {` and `unsafe impl`; a
//! `# Safety` section on every `unsafe fn`/`unsafe trait` (trait-impl methods excepted, they
//! refer to the trait's); no `todo!`, `unimplemented!` or `dbg!`; at most 1,000 lines (a
//! warning is printed past 600). For each library `Cargo.toml`: a comment line directly above
//! every feature. And `xtask/src/workspace.rs` must agree with the manifests and files it
//! describes. The checkers are plain functions on strings, unit-tested below on small inputs.

use std::{
    fs,
    path::{Path, PathBuf},
};

#[path = "../src/workspace.rs"]
#[allow(
    dead_code,
    reason = "the table is shared with the xtask binary; tidy reads only part"
)]
mod workspace;

use workspace::{BARE_METAL, CRATES, EMBEDDED_DIR};

/// Files longer than this fail.
const MAX_LINES: usize = 1000;
/// Files longer than this get a warning.
const WARN_LINES: usize = 600;
/// How far above an `unsafe` line a `// SAFETY:` comment may sit when no comment block
/// directly precedes it (an `unsafe` block on the continuation line of a statement).
const SAFETY_REACH: usize = 3;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// Whether `line` is a comment (so needles in it do not count).
fn is_comment(line: &str) -> bool {
    line.trim_start().starts_with("//")
}

/// Rule: the file starts with its module doc: a `//!` comment or a `#![doc = ...]` attribute
/// (a crate root including its README, STYLE.md G2.1). Only `#![cfg(...)]` attributes (a whole
/// test file gated on a cfg, such as `tests/loom.rs`), possibly spread over several lines,
/// may come before it.
fn has_module_doc(text: &str) -> bool {
    let mut lines = text.lines();
    // Open brackets of a `#![cfg(...)]` attribute that continues on the next line.
    let mut depth = 0_i32;
    lines
        .find(|line| {
            if depth == 0 && !line.starts_with("#![cfg(") {
                return true;
            }
            for c in line.chars() {
                match c {
                    '(' | '[' => depth += 1,
                    ')' | ']' => depth -= 1,
                    _ => {}
                }
            }
            false
        })
        .is_some_and(|line| line.starts_with("//!") || line.starts_with("#![doc = "))
}

/// Rule: 1-based line numbers of `unsafe {` / `unsafe impl` lines without a `// SAFETY:`
/// comment, either in the comment block directly above (attributes may sit in between), on
/// the line itself, or within [`SAFETY_REACH`] lines above.
fn unsafe_without_safety(text: &str) -> Vec<usize> {
    const UNSAFE_BLOCK: &str = concat!("unsafe", " {");
    let lines: Vec<&str> = text.lines().collect();
    let mut missing = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        // (`UNSAFE_BLOCK` rather than the literal keeps this line from matching itself.)
        if is_comment(line) || !(line.contains(UNSAFE_BLOCK) || line.contains("unsafe impl")) {
            continue;
        }
        let mut documented = line.contains("SAFETY:");
        // The contiguous comment block above, skipping attributes.
        let mut j = i;
        while !documented && j > 0 {
            j -= 1;
            let above = lines[j].trim_start();
            if above.starts_with("#[") || above.starts_with("#![") {
                continue;
            }
            if !is_comment(above) {
                break;
            }
            documented = above.contains("SAFETY:");
        }
        documented |= lines[i.saturating_sub(SAFETY_REACH)..i]
            .iter()
            .any(|l| l.contains("// SAFETY:"));
        if !documented {
            missing.push(i + 1);
        }
    }
    missing
}

/// Rule: 1-based line numbers of `unsafe fn` / `unsafe trait` items whose doc comment has no
/// `# Safety` heading. Methods of trait impls are exempt (they follow the trait's contract).
fn unsafe_fn_without_safety_doc(text: &str) -> Vec<usize> {
    let lines: Vec<&str> = text.lines().collect();
    let mut missing = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let code = line.trim_start();
        if is_comment(code) || !(code.contains("unsafe fn ") || code.contains("unsafe trait ")) {
            continue;
        }
        // Only item definitions: `unsafe fn` after visibility/qualifiers at line start.
        let item = code.split("unsafe ").next().unwrap_or("");
        if !item
            .split_whitespace()
            .all(|w| w.starts_with("pub") || w == "const" || w == "extern")
        {
            continue;
        }
        if code.contains("unsafe fn ") && in_trait_impl(&lines, i) {
            continue;
        }
        let mut has_safety = false;
        let mut j = i;
        while j > 0 {
            j -= 1;
            let above = lines[j].trim_start();
            if above.starts_with("#[") {
                continue;
            }
            if !(above.starts_with("///") || above.starts_with("#[doc")) {
                break;
            }
            has_safety |= above.trim_start_matches('/').trim() == "# Safety";
        }
        if !has_safety {
            missing.push(i + 1);
        }
    }
    missing
}

/// Whether line `i` sits in an `impl Trait for Type` block: the nearest earlier code line
/// with smaller indentation opens that block.
fn in_trait_impl(lines: &[&str], i: usize) -> bool {
    let indent = |l: &str| l.len() - l.trim_start().len();
    let own = indent(lines[i]);
    lines[..i]
        .iter()
        .rev()
        .find(|l| !l.trim().is_empty() && !is_comment(l) && indent(l) < own)
        .is_some_and(|l| {
            let l = l.trim_start();
            (l.starts_with("impl") || l.starts_with("unsafe impl")) && l.contains(" for ")
        })
}

/// Rule: `(line, macro)` for each use of a banned macro in code.
fn banned_macros(text: &str) -> Vec<(usize, &'static str)> {
    const BANNED: &[&str] = &["todo!", "unimplemented!", "dbg!"];
    let mut found = Vec::new();
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !is_comment(l)) {
        for needle in BANNED {
            let hit = line.match_indices(needle).any(|(at, _)| {
                // `my_todo!` is another macro.
                !line[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_')
            });
            if hit {
                found.push((i + 1, *needle));
            }
        }
    }
    found
}

/// The `name = ...` keys of the `[features]` table with the line index of each.
fn feature_lines(manifest: &str) -> Vec<(usize, String)> {
    let mut in_features = false;
    let mut keys = Vec::new();
    for (i, line) in manifest.lines().enumerate() {
        let t = line.trim();
        if t.starts_with('[') {
            in_features = t == "[features]";
            continue;
        }
        // Keys start at column 0; array continuation lines are indented or start with a quote.
        if !in_features || line.starts_with(char::is_whitespace) || t.starts_with('#') {
            continue;
        }
        if let Some((key, _)) = t.split_once('=') {
            let key = key.trim().trim_matches('"');
            if !key.is_empty()
                && key
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
            {
                keys.push((i, key.to_owned()));
            }
        }
    }
    keys
}

/// Rule: features with no `#` comment line directly above them.
fn features_without_comment(manifest: &str) -> Vec<String> {
    let lines: Vec<&str> = manifest.lines().collect();
    feature_lines(manifest)
        .into_iter()
        .filter(|&(i, _)| i == 0 || !lines[i - 1].trim_start().starts_with('#'))
        .map(|(_, key)| key)
        .collect()
}

/// The feature names of a manifest, `default` excluded, in table order.
fn features_of(manifest: &str) -> Vec<String> {
    feature_lines(manifest)
        .into_iter()
        .map(|(_, k)| k)
        .filter(|k| k != "default")
        .collect()
}

/// The `members = [...]` of the root manifest.
fn members_of(manifest: &str) -> Vec<String> {
    let start = manifest.find("members").expect("root manifest has members");
    let list = &manifest[start..];
    let list = &list[list.find('[').unwrap() + 1..list.find(']').unwrap()];
    list.split(',')
        .map(|m| m.trim().trim_matches('"').to_owned())
        .filter(|m| !m.is_empty())
        .collect()
}

/// `.rs` files under `dir`, skipping `target/` directories.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path.file_name().is_some_and(|n| n != "target") {
                rust_files(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Every file the source rules apply to.
fn checked_files(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for krate in CRATES
        .iter()
        .filter(|c| c.library || c.name == "ccol-specs")
    {
        rust_files(&root.join(krate.dir), &mut files);
    }
    rust_files(&root.join("xtask/src"), &mut files);
    rust_files(&root.join("xtask/tests"), &mut files);
    rust_files(&root.join(EMBEDDED_DIR).join("src"), &mut files);
    files.push(root.join(EMBEDDED_DIR).join("build.rs"));
    files.retain(|f| f.is_file());
    files.sort();
    files
}

#[test]
fn source_files_follow_the_rules() {
    let root = root();
    let this_file = root.join("xtask/tests/tidy.rs");
    let mut problems = Vec::new();
    for file in checked_files(&root) {
        let text = fs::read_to_string(&file).unwrap();
        let shown = file.strip_prefix(&root).unwrap().display().to_string();
        if !has_module_doc(&text) {
            problems.push(format!("{shown}:1: does not start with a `//!` module doc"));
        }
        let lines = text.lines().count();
        if lines > MAX_LINES {
            problems.push(format!(
                "{shown}: {lines} lines (limit {MAX_LINES}): split it"
            ));
        } else if lines > WARN_LINES {
            println!("tidy warning: {shown}: {lines} lines (aim for at most {WARN_LINES})");
        }
        // This file spells out the needles in its unit tests.
        if file == this_file {
            continue;
        }
        for line in unsafe_without_safety(&text) {
            problems.push(format!(
                "{shown}:{line}: `unsafe` without a `// SAFETY:` comment"
            ));
        }
        for line in unsafe_fn_without_safety_doc(&text) {
            problems.push(format!(
                "{shown}:{line}: unsafe item without a `# Safety` doc section"
            ));
        }
        for (line, name) in banned_macros(&text) {
            problems.push(format!("{shown}:{line}: `{name}` in committed code"));
        }
    }
    assert!(
        problems.is_empty(),
        "tidy found {} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn every_feature_is_commented() {
    let root = root();
    let mut problems = Vec::new();
    for krate in CRATES.iter().filter(|c| c.library) {
        let manifest = fs::read_to_string(root.join(krate.dir).join("Cargo.toml")).unwrap();
        for feature in features_without_comment(&manifest) {
            problems.push(format!(
                "{}/Cargo.toml: feature `{feature}` has no comment above it",
                krate.dir
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn workspace_table_matches_the_manifests() {
    let root = root();
    let members = members_of(&fs::read_to_string(root.join("Cargo.toml")).unwrap());
    let dirs: Vec<String> = CRATES.iter().map(|c| c.dir.to_owned()).collect();
    let (mut sorted_members, mut sorted_dirs) = (members.clone(), dirs.clone());
    sorted_members.sort();
    sorted_dirs.sort();
    assert_eq!(
        sorted_members, sorted_dirs,
        "xtask/src/workspace.rs CRATES vs workspace members"
    );
    for krate in CRATES {
        let manifest = fs::read_to_string(root.join(krate.dir).join("Cargo.toml")).unwrap();
        assert!(
            manifest.contains(&format!("name = \"{}\"", krate.name)),
            "{}/Cargo.toml is not package {}",
            krate.dir,
            krate.name
        );
        assert_eq!(
            features_of(&manifest),
            krate.features,
            "features of {} in xtask/src/workspace.rs vs {}/Cargo.toml",
            krate.name,
            krate.dir
        );
    }
}

#[test]
fn loom_table_matches_the_loom_tests() {
    let root = root();
    for krate in CRATES {
        let loom_rs = root.join(krate.dir).join("tests/loom.rs");
        // Crates still being written may lack the file; a row marked `loom` without it fails
        // in `cargo xtask loom`, an unmarked file here.
        if loom_rs.is_file() {
            assert!(
                krate.loom,
                "{} has tests/loom.rs: mark it `loom` in workspace.rs",
                krate.name
            );
            let text = fs::read_to_string(&loom_rs).unwrap();
            assert!(
                text.contains("#![cfg(ccol_loom)]"),
                "{}/tests/loom.rs must be gated on ccol_loom",
                krate.dir
            );
        }
    }
}

#[test]
fn firmware_has_a_runner_for_every_qemu_target() {
    let config = fs::read_to_string(root().join(EMBEDDED_DIR).join(".cargo/config.toml")).unwrap();
    for target in BARE_METAL.iter().filter(|t| t.qemu) {
        let section = format!("[target.{}]", target.triple);
        let at = config
            .find(&section)
            .unwrap_or_else(|| panic!("no {section} in the firmware config"));
        let body = &config[at + section.len()..];
        let body = &body[..body.find("\n[").unwrap_or(body.len())];
        assert!(
            body.contains("runner")
                && body.contains("qemu-system-arm")
                && body.contains("semihosting-config enable=on,target=native"),
            "{section} needs a qemu-system-arm semihosting runner"
        );
    }
}

mod checkers {
    use super::*;

    #[test]
    fn module_doc_must_be_first() {
        assert!(has_module_doc("//! Docs.\nfn f() {}\n"));
        assert!(!has_module_doc("#![no_std]\n//! Docs.\n"));
        assert!(has_module_doc(
            "#![doc = include_str!(\"../README.md\")]\n#![no_std]\n"
        ));
        assert!(has_module_doc("#![cfg(ccol_loom)]\n//! Models.\n"));
        assert!(has_module_doc(
            "#![cfg(all(\n    feature = \"std\",\n    not(miri),\n))]\n//! Tests.\n"
        ));
        assert!(!has_module_doc(
            "#![cfg(all(\n    feature = \"std\",\n))]\nuse std;\n//! Late.\n"
        ));
        assert!(!has_module_doc("#![cfg(ccol_loom)]\nuse loom;\n"));
        assert!(!has_module_doc("// Not a doc.\n"));
        assert!(!has_module_doc(""));
    }

    #[test]
    fn unsafe_needs_a_safety_comment() {
        let good = "// SAFETY: the pointer is valid.\nunsafe { f() }\n";
        assert!(unsafe_without_safety(good).is_empty());
        let multi = "// SAFETY: one,\n// two,\n// three,\n// four.\n#[allow(x)]\nunsafe impl Send for T {}\n";
        assert!(unsafe_without_safety(multi).is_empty());
        let continued = "let x =\n    // SAFETY: fine.\n    unsafe { g() };\n";
        assert!(unsafe_without_safety(continued).is_empty());
        assert_eq!(
            unsafe_without_safety(concat!("fn f() {\n    unsafe", " { g() }\n}\n")),
            [2]
        );
        assert_eq!(
            unsafe_without_safety("// Not it.\nunsafe impl Sync for T {}\n"),
            [2]
        );
        let far =
            "// SAFETY: too far.\nlet a = 1;\nlet b = 2;\nlet c = 3;\nlet d = 4;\nunsafe { g() }\n";
        assert_eq!(unsafe_without_safety(far), [6]);
        assert!(unsafe_without_safety("// unsafe { in a comment }\n").is_empty());
    }

    #[test]
    fn unsafe_fn_needs_a_safety_section() {
        let good = "/// Does it.\n///\n/// # Safety\n///\n/// `p` is valid.\npub unsafe fn f(p: *const u8) {}\n";
        assert!(unsafe_fn_without_safety_doc(good).is_empty());
        assert_eq!(
            unsafe_fn_without_safety_doc("/// Does it.\npub(crate) unsafe fn f() {}\n"),
            [2]
        );
        assert_eq!(
            unsafe_fn_without_safety_doc("/// A trait.\npub unsafe trait T {}\n"),
            [2]
        );
        let trait_impl = "unsafe impl Tr for X {\n    unsafe fn f() {}\n}\n";
        assert!(unsafe_fn_without_safety_doc(trait_impl).is_empty());
        let inherent = "impl X {\n    unsafe fn f() {}\n}\n";
        assert_eq!(unsafe_fn_without_safety_doc(inherent), [2]);
        // A call of an unsafe fn pointer type is not a definition.
        assert!(unsafe_fn_without_safety_doc("let f: unsafe fn() = g;\n").is_empty());
    }

    #[test]
    fn banned_macros_are_found_in_code_only() {
        // Built with `concat!` so that this file does not itself contain the banned text.
        let text = concat!(
            "fn f() {\n    to",
            "do!()\n}\n// to",
            "do!() later\nlet x = dbg!(1);\nmy_to",
            "do!();\n"
        );
        assert_eq!(banned_macros(text), [(2, "todo!"), (5, "dbg!")]);
        assert_eq!(
            banned_macros(concat!("unimplemented", "!(\"x\")")),
            [(1, "unimplemented!")]
        );
    }

    #[test]
    fn features_need_a_comment_above() {
        let manifest = "[package]\nname = \"x\"\n\n[features]\n# Default.\ndefault = [\"std\"]\n\
                        # Adds std.\nstd = [\n    \"alloc\",\n]\nalloc = []\n\n[dependencies]\nfoo = \"1\"\n";
        assert_eq!(features_without_comment(manifest), ["alloc"]);
        assert_eq!(features_of(manifest), ["std", "alloc"]);
    }

    #[test]
    fn members_are_parsed() {
        let manifest = "[workspace]\nresolver = \"2\"\nmembers = [\"arch\", \"xtask\"]\n";
        assert_eq!(members_of(manifest), ["arch", "xtask"]);
    }
}
