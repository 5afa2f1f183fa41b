//! Results: the table on stdout, `results.jsonl`, `table.md`, and where they go.
//!
//! One table per `(group, workload)`: a row per implementation (ceiling first, then ours, peers,
//! baselines), a column per thread count with `median (min–max)` Mops/s, and a ratio column
//! `impl ÷ reference` at each thread count. The reference is the group's ceiling (DESIGN.md §4:
//! "ratios to a ceiling are how we say close to the limit"), taken from the same workload when
//! the ceiling has it, else from the ceiling's first workload; a group without a ceiling uses
//! the row registered with [`Bench::ratio_reference`]. A `†` marks a point with a repetition that stayed disturbed by
//! background load after its re-runs.
//!
//! A one-shot benchmark's table (reclaim `stall`) has the one thread count it ran at, and a
//! `peak pending` column (median (min–max) objects retired but not yet freed); its plot is a bar
//! chart of that count rather than a line plot. A table whose rows report a footprint (map
//! `memory`, one thread) has its Mops/s column (the insert rate) followed by the footprint
//! columns: glibc footprint, requested bytes, live allocations and peak footprint, each per
//! entry; its plot is a bar chart of the footprint.
//!
//! JSON lines follow DESIGN.md §4 exactly — `group`, `impl`, `workload`, `threads`, `mops` —
//! plus optional fields: `min`, `max`, `reps`, `role`, `bg` (median background cores),
//! `disturbed` (count, only when non-zero), `peak_pending` (median, for benchmarks that report
//! it), `unfreed` (objects a repetition left unfreed, only when non-zero), for benchmarks that
//! report a footprint (map `memory`; medians) `bytes_per_entry` (glibc footprint),
//! `requested_bytes_per_entry`, `allocs_per_entry` and `peak_bytes_per_entry`, and `note` (only
//! when the benchmark has one).

use core::fmt::Write as _;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use crate::cli::Options;
use crate::harness::Point;
use crate::registry::{Bench, Registry, Role};

/// Where results go: `--out`, else `<target>/ccol-bench`.
///
/// The target directory is `$CARGO_TARGET_DIR` when set to an absolute path at run time,
/// else the parent of the `CARGO_TARGET_TMPDIR` cargo gives benchmarks at build time (which
/// already follows `CARGO_TARGET_DIR` and `build.target-dir`), else the workspace's `target/`.
pub(crate) fn out_dir(opts: &Options) -> PathBuf {
    if let Some(out) = &opts.out {
        return out.clone();
    }
    let from_env = std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from);
    let target = match from_env.filter(|p| p.is_absolute()) {
        Some(dir) => dir,
        None => option_env!("CARGO_TARGET_TMPDIR")
            .and_then(|tmp| Path::new(tmp).parent().map(Path::to_path_buf))
            .unwrap_or_else(|| {
                Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("..")
                    .join("target")
            }),
    };
    target.join("ccol-bench")
}

/// The rows and columns of one `(group, workload)` table.
struct Cell<'a> {
    group: &'static str,
    workload: &'static str,
    /// The thread counts, one column each.
    threads: Vec<usize>,
    /// Whether the rows report a peak pending count (one-shot reclamation runs).
    pending: bool,
    /// Whether the rows report a footprint per entry (map `memory`).
    memory: bool,
    /// Benchmarks shown, in row order, with their points (one per thread count, or none).
    rows: Vec<(&'a Bench, Vec<Option<&'a Point>>)>,
    /// The reference row's name and its points, when there is one.
    reference: Option<(&'static str, Vec<Option<&'a Point>>)>,
}

fn cells<'a>(registry: &'a Registry, points: &'a [Point], opts: &Options) -> Vec<Cell<'a>> {
    let benches = registry.benches();
    let point_of = |bench: &Bench, threads: usize| {
        points
            .iter()
            .find(|p| p.threads == threads && core::ptr::eq(&benches[p.bench], bench))
    };
    let row = |bench: &'a Bench| -> Vec<Option<&'a Point>> {
        let threads = bench.thread_counts(&opts.threads);
        threads.into_iter().map(|t| point_of(bench, t)).collect()
    };
    let mut out = Vec::new();
    for (group, workload) in registry.cells() {
        let mut members: Vec<&Bench> = benches
            .iter()
            .filter(|b| b.group == group && b.workload == workload && opts.selects(&b.id()))
            .collect();
        members.sort_by_key(|b| b.role); // stable: registration order within a role
        let threads = members
            .first()
            .map_or_else(Vec::new, |b| b.thread_counts(&opts.threads));
        let rows: Vec<_> = members.into_iter().map(|b| (b, row(b))).collect();
        if rows
            .iter()
            .all(|(b, pts)| b.unavailable.is_none() && pts.iter().all(Option::is_none))
        {
            continue;
        }
        let ceiling = benches
            .iter()
            .filter(|b| b.group == group && b.role == Role::Ceiling);
        let same_workload = ceiling.clone().find(|b| b.workload == workload);
        let reference = same_workload
            .or_else(|| ceiling.clone().next())
            .or_else(|| {
                benches
                    .iter()
                    .find(|b| b.group == group && b.workload == workload && b.reference)
            })
            .map(|b| (b.name, row(b)))
            .filter(|(_, pts)| pts.iter().any(Option::is_some));
        let pending = rows
            .iter()
            .flat_map(|(_, pts)| pts.iter().flatten())
            .any(|p| p.peak_pending.is_some());
        let memory = rows
            .iter()
            .flat_map(|(_, pts)| pts.iter().flatten())
            .any(|p| p.memory.is_some());
        out.push(Cell {
            group,
            workload,
            threads,
            pending,
            memory,
            rows,
            reference,
        });
    }
    out
}

/// Three significant digits, like `reference/PEERS.md` (241, 56.7, 0.386).
pub(crate) fn sig3(x: f64) -> String {
    if !x.is_finite() {
        return "-".to_owned();
    }
    if x == 0.0 {
        return "0".to_owned();
    }
    let a = x.abs();
    if a >= 100.0 {
        format!("{x:.0}")
    } else if a >= 10.0 {
        format!("{x:.1}")
    } else if a >= 1.0 {
        format!("{x:.2}")
    } else {
        format!("{x:.3}")
    }
}

fn cell_text(p: Option<&Point>, unavailable: bool) -> String {
    match p {
        Some(p) => spread_text(p, [p.median, p.min, p.max]),
        None if unavailable => "n/a".to_owned(),
        None => "—".to_owned(),
    }
}

/// `median (min–max)` of one of `p`'s quantities, with `p`'s disturbed mark.
fn spread_text(p: &Point, [median, min, max]: [f64; 3]) -> String {
    let dagger = if p.disturbed > 0 { "†" } else { "" };
    if p.reps > 1 {
        format!("{} ({}–{}){dagger}", sig3(median), sig3(min), sig3(max))
    } else {
        format!("{}{dagger}", sig3(median))
    }
}

fn pending_text(p: Option<&Point>) -> String {
    p.and_then(|p| p.peak_pending.map(|spread| spread_text(p, spread)))
        .unwrap_or_else(|| "—".to_owned())
}

/// The footprint columns' header names, in [`memory_texts`] order.
const MEMORY_COLUMNS: [&str; 4] = [
    "footprint (B/entry)",
    "requested (B/entry)",
    "allocations (per entry)",
    "peak footprint (B/entry)",
];

fn memory_texts(p: Option<&Point>) -> [String; 4] {
    match p.and_then(|p| p.memory) {
        Some(m) => [
            format!("{:.1}", m.bytes),
            format!("{:.1}", m.requested),
            format!("{:.3}", m.allocs),
            format!("{:.1}", m.peak),
        ],
        None => core::array::from_fn(|_| "—".to_owned()),
    }
}

fn ratio_text(row: &[Option<&Point>], reference: &[Option<&Point>]) -> String {
    let parts: Vec<String> = row
        .iter()
        .zip(reference)
        .map(|(p, r)| match (p, r) {
            (Some(p), Some(r)) if r.median > 0.0 => format!("{:.2}", p.median / r.median),
            _ => "—".to_owned(),
        })
        .collect();
    parts.join(" / ")
}

/// Header and body strings of one table (shared by stdout and markdown).
fn table_strings(cell: &Cell<'_>) -> (Vec<String>, Vec<Vec<String>>) {
    let mut header = vec!["impl".to_owned(), "role".to_owned()];
    header.extend(cell.threads.iter().map(|t| format!("{t} thr")));
    if cell.pending {
        header.extend(
            cell.threads
                .iter()
                .map(|t| format!("peak pending ({t} thr)")),
        );
    }
    if cell.memory {
        header.extend(MEMORY_COLUMNS.iter().map(|c| (*c).to_owned()));
    }
    if let Some((name, _)) = &cell.reference {
        let ts: Vec<String> = cell.threads.iter().map(ToString::to_string).collect();
        header.push(format!("÷ {name} ({} thr)", ts.join("/")));
    }
    let body = cell
        .rows
        .iter()
        .map(|(b, pts)| {
            let mut line = vec![b.name.to_owned(), b.role.as_str().to_owned()];
            line.extend(pts.iter().map(|p| cell_text(*p, b.unavailable.is_some())));
            if cell.pending {
                line.extend(pts.iter().map(|p| pending_text(*p)));
            }
            if cell.memory {
                // One-shot tables have one thread column, so one point per row.
                line.extend(memory_texts(pts.iter().flatten().next().copied()));
            }
            if let Some((_, reference)) = &cell.reference {
                line.push(ratio_text(pts, reference));
            }
            line
        })
        .collect();
    (header, body)
}

fn notes(cell: &Cell<'_>) -> Vec<String> {
    let unfreed = cell.rows.iter().flat_map(|(b, pts)| {
        pts.iter().flatten().filter(|p| p.unfreed > 0).map(|p| {
            format!(
                "{}: WARNING: a repetition at {} thr left {} objects unfreed",
                b.name, p.threads, p.unfreed
            )
        })
    });
    cell.rows
        .iter()
        .filter_map(|(b, _)| match (&b.unavailable, &b.note) {
            (Some(why), _) => Some(format!("{}: not run: {why}", b.name)),
            (None, Some(note)) => Some(format!("{}: {note}", b.name)),
            (None, None) => None,
        })
        .chain(unfreed)
        .collect()
}

/// The human table, for stdout.
pub(crate) fn text_tables(registry: &Registry, points: &[Point], opts: &Options) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "\nccol family benchmarks: {}", opts.describe());
    let _ = writeln!(
        s,
        "cells: median Mops/s (min–max) over the repetitions; † = disturbed"
    );
    for cell in cells(registry, points, opts) {
        let (header, body) = table_strings(&cell);
        let widths: Vec<usize> = (0..header.len())
            .map(|c| {
                body.iter()
                    .map(|r| r[c].chars().count())
                    .chain([header[c].chars().count()])
                    .max()
                    .unwrap_or(0)
            })
            .collect();
        let _ = writeln!(s, "\n== {} / {} ==", cell.group, cell.workload);
        for line in core::iter::once(&header).chain(&body) {
            for (c, text) in line.iter().enumerate() {
                let pad = widths[c] - text.chars().count();
                if c < 2 {
                    let _ = write!(s, "{text}{}  ", " ".repeat(pad));
                } else {
                    let _ = write!(s, "{}{text}  ", " ".repeat(pad));
                }
            }
            s.truncate(s.trim_end().len());
            s.push('\n');
        }
        for note in notes(&cell) {
            let _ = writeln!(s, "  note: {note}");
        }
    }
    s
}

/// `table.md`: the same tables in markdown, with the settings and the machine.
pub(crate) fn markdown(registry: &Registry, points: &[Point], opts: &Options) -> String {
    let mut s = String::from("# ccol family benchmarks\n\n");
    let _ = writeln!(s, "- settings: {}", opts.describe());
    let _ = writeln!(s, "- machine: {}", machine());
    let _ = writeln!(
        s,
        "- cells: median Mops/s (min–max) over the repetitions (peak pending: objects retired \
         but not yet freed; footprint columns: medians per entry, glibc footprint = \
         malloc_usable_size + 8 per live allocation); † = a repetition stayed disturbed by \
         background load; ratio columns divide by the named reference at the same thread count\n"
    );
    for cell in cells(registry, points, opts) {
        let (header, body) = table_strings(&cell);
        let _ = writeln!(s, "## {} / {}\n", cell.group, cell.workload);
        let _ = writeln!(s, "| {} |", header.join(" | "));
        let aligns: Vec<&str> = (0..header.len())
            .map(|c| if c < 2 { "---" } else { "---:" })
            .collect();
        let _ = writeln!(s, "|{}|", aligns.join("|"));
        for line in body {
            let _ = writeln!(s, "| {} |", line.join(" | "));
        }
        let notes = notes(&cell);
        if !notes.is_empty() {
            s.push('\n');
            for note in notes {
                let _ = writeln!(s, "- {note}");
            }
        }
        s.push('\n');
    }
    s
}

/// One JSON object per measured point (DESIGN.md §4 schema plus optional fields).
pub(crate) fn json_lines(registry: &Registry, points: &[Point]) -> String {
    let mut s = String::new();
    for p in points {
        let b = &registry.benches()[p.bench];
        let _ = write!(
            s,
            "{{\"group\": {}, \"impl\": {}, \"workload\": {}, \"threads\": {}, \"mops\": {}, \
             \"min\": {}, \"max\": {}, \"reps\": {}, \"role\": {}",
            json_str(b.group),
            json_str(b.name),
            json_str(b.workload),
            p.threads,
            json_num(p.median),
            json_num(p.min),
            json_num(p.max),
            p.reps,
            json_str(b.role.as_str()),
        );
        if let Some(bg) = p.background {
            let _ = write!(s, ", \"bg\": {}", json_num(bg));
        }
        if p.disturbed > 0 {
            let _ = write!(s, ", \"disturbed\": {}", p.disturbed);
        }
        if let Some([median, ..]) = p.peak_pending {
            let _ = write!(s, ", \"peak_pending\": {median:.0}");
        }
        if p.unfreed > 0 {
            let _ = write!(s, ", \"unfreed\": {}", p.unfreed);
        }
        if let Some(m) = p.memory {
            let _ = write!(
                s,
                ", \"bytes_per_entry\": {}, \"requested_bytes_per_entry\": {}, \
                 \"allocs_per_entry\": {}, \"peak_bytes_per_entry\": {}",
                json_num(m.bytes),
                json_num(m.requested),
                json_num(m.allocs),
                json_num(m.peak)
            );
        }
        if let Some(note) = &b.note {
            let _ = write!(s, ", \"note\": {}", json_str(note));
        }
        s.push_str("}\n");
    }
    s
}

fn json_num(x: f64) -> String {
    if x.is_finite() {
        format!("{x:.4}")
    } else {
        "null".to_owned()
    }
}

/// A JSON string literal.
pub(crate) fn json_str(v: &str) -> String {
    let mut s = String::with_capacity(v.len() + 2);
    s.push('"');
    for c in v.chars() {
        match c {
            '"' => s.push_str("\\\""),
            '\\' => s.push_str("\\\\"),
            '\n' => s.push_str("\\n"),
            c if (c as u32) < 0x20 => {
                let _ = write!(s, "\\u{:04x}", c as u32);
            }
            c => s.push(c),
        }
    }
    s.push('"');
    s
}

/// CPU model and count, from `/proc/cpuinfo` where available.
fn machine() -> String {
    let model = fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, m)| m.trim().to_owned())
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_owned());
    format!(
        "{model}, {} CPUs, {}-{}",
        crate::load::cpus(),
        std::env::consts::ARCH,
        std::env::consts::OS
    )
}

/// Writes `results.jsonl`, `table.md` and the plots into `dir` (replacing earlier plots).
pub(crate) fn write_files(
    dir: &Path,
    registry: &Registry,
    points: &[Point],
    opts: &Options,
) -> io::Result<()> {
    fs::create_dir_all(dir)?;
    fs::write(dir.join("results.jsonl"), json_lines(registry, points))?;
    fs::write(dir.join("table.md"), markdown(registry, points, opts))?;
    // Plots of an earlier run with other filters would be stale next to this run's table.
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "svg") {
            fs::remove_file(path)?;
        }
    }
    for cell in cells(registry, points, opts) {
        let series: Vec<crate::svg::Series<'_>> = cell
            .rows
            .iter()
            .filter(|(_, pts)| pts.iter().any(Option::is_some))
            .map(|(b, pts)| crate::svg::Series {
                name: b.name,
                role: b.role,
                points: pts.clone(),
            })
            .collect();
        let title = format!("{} / {}", cell.group, cell.workload);
        let svg = if cell.pending {
            crate::svg::bars(&title, &series, crate::svg::Bars::Pending)
        } else if cell.memory {
            crate::svg::bars(&title, &series, crate::svg::Bars::Footprint)
        } else {
            crate::svg::plot(&title, &cell.threads, &series)
        };
        fs::write(
            dir.join(format!("{}-{}.svg", cell.group, cell.workload)),
            svg,
        )?;
    }
    Ok(())
}
