//! Command-line options of the harness.
//!
//! `cargo bench -p ccol --bench family -- [OPTIONS] [FILTER...]`. Cargo appends `--bench`;
//! without it (as under `cargo test --benches`, which builds unoptimized) the harness runs in
//! *test mode*: smoke settings and no files written, so a test run neither takes minutes nor
//! overwrites real results with debug-build numbers. Unknown `--options` are ignored with a
//! note, so flags cargo or libtest conventions add do not break the run.

use core::time::Duration;
use std::path::PathBuf;

/// How long and how often to measure.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Mode {
    /// 1 s per repetition, 3 repetitions: the numbers to quote.
    Full,
    /// 200 ms per repetition, 3 repetitions (DESIGN.md §4: the whole suite in < 10 min).
    Quick,
    /// 20 ms, 1 repetition, 1 and 2 threads: proves every benchmark runs (CI).
    Smoke,
    /// Smoke settings without `--bench` from cargo (e.g. `cargo test --benches`); writes nothing.
    Test,
}

/// Parsed options.
#[derive(Debug)]
pub(crate) struct Options {
    pub(crate) mode: Mode,
    /// Timed window of one repetition.
    pub(crate) duration: Duration,
    /// Untimed run of the same closure before a point's first repetition.
    pub(crate) warmup: Duration,
    /// Repetitions per point; the point is their median.
    pub(crate) reps: usize,
    /// Thread counts, in order.
    pub(crate) threads: Vec<usize>,
    /// Substrings of `group/impl/workload`; empty runs everything.
    pub(crate) filters: Vec<String>,
    /// A repetition is disturbed when other processes used more than this many cores beyond
    /// the ones our threads leave idle.
    pub(crate) max_background: f64,
    /// How often a disturbed repetition is re-run before it is kept and flagged.
    pub(crate) retries: usize,
    /// Output directory override (default `<target>/ccol-bench`).
    pub(crate) out: Option<PathBuf>,
    /// Print the benchmark ids and exit.
    pub(crate) list: bool,
    /// Print every repetition (ops, elapsed, background), not only the medians.
    pub(crate) verbose: bool,
}

pub(crate) const USAGE: &str = "\
ccol family benchmark harness (DESIGN.md section 4)

usage: cargo bench -p ccol --bench family -- [OPTIONS] [FILTER...]

  --quick            200 ms per repetition (default: 1 s)
  --smoke            20 ms, 1 repetition, threads 1,2: proves every benchmark runs
                     (one-shot benchmarks, e.g. reclaim/stall, do 1/100 of their work,
                     and map *-1m workloads use 1/100 of the key range)
  --reps N           repetitions per point (default 3, smoke 1); the point is their median
  --duration-ms N    timed window per repetition
  --warmup-ms N      untimed run before each point (default a quarter window, smoke 0)
  --threads LIST     comma-separated thread counts (default 1,2,4,8)
  --max-bg F         background cores tolerated before a repetition is re-run (default 0.25)
  --retries N        re-runs of a disturbed repetition before it is kept with a dagger (default 2)
  --out DIR          output directory (default <target>/ccol-bench)
  --list             list benchmark ids (group/impl/workload) and exit
  --verbose          print every repetition (ops, elapsed, background) on stderr
  FILTER             run only ids containing one of these substrings

Outputs: a table on stdout, and in the output directory results.jsonl, table.md and one
<group>-<workload>.svg per table.";

impl Options {
    /// Parses `args` (without the program name).
    pub(crate) fn parse(args: impl IntoIterator<Item = String>) -> Result<Options, String> {
        let mut bench_flag = false;
        let (mut quick, mut smoke, mut list, mut verbose) = (false, false, false, false);
        let mut warmup_ms: Option<u64> = None;
        let mut reps: Option<usize> = None;
        let mut duration_ms: Option<u64> = None;
        let mut threads: Option<Vec<usize>> = None;
        let mut max_background = 0.25;
        let mut retries: Option<usize> = None;
        let mut out = None;
        let mut filters = Vec::new();

        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            // Accept both `--opt value` and `--opt=value`.
            let (flag, inline) = match arg.split_once('=') {
                Some((f, v)) if f.starts_with("--") => (f.to_owned(), Some(v.to_owned())),
                _ => (arg.clone(), None),
            };
            let mut value = |name: &str| -> Result<String, String> {
                inline
                    .clone()
                    .or_else(|| args.next())
                    .ok_or(format!("{name} needs a value"))
            };
            match flag.as_str() {
                "--bench" => bench_flag = true,
                "--quick" => quick = true,
                "--smoke" => smoke = true,
                "--list" => list = true,
                "--verbose" => verbose = true,
                "--warmup-ms" => {
                    warmup_ms = Some(parse_num(&value("--warmup-ms")?, "--warmup-ms")?);
                }
                "--help" | "-h" => return Err(USAGE.to_owned()),
                "--reps" => reps = Some(parse_num(&value("--reps")?, "--reps")?),
                "--duration-ms" => {
                    duration_ms = Some(parse_num(&value("--duration-ms")?, "--duration-ms")?);
                }
                "--threads" => {
                    let list = value("--threads")?
                        .split(',')
                        .map(|t| parse_num::<usize>(t.trim(), "--threads"))
                        .collect::<Result<Vec<_>, _>>()?;
                    threads = Some(list);
                }
                "--max-bg" => {
                    max_background = value("--max-bg")?
                        .parse()
                        .map_err(|_| "--max-bg needs a number".to_owned())?;
                }
                "--retries" => retries = Some(parse_num(&value("--retries")?, "--retries")?),
                "--out" => out = Some(PathBuf::from(value("--out")?)),
                f if f.starts_with('-') => eprintln!("note: ignoring unknown option {arg}"),
                _ => filters.push(arg),
            }
        }

        let mode = if smoke {
            Mode::Smoke
        } else if quick {
            Mode::Quick
        } else if bench_flag || reps.is_some() || duration_ms.is_some() || list {
            Mode::Full
        } else {
            Mode::Test
        };
        let short = matches!(mode, Mode::Smoke | Mode::Test);
        let default_ms = match mode {
            Mode::Full => 1000,
            Mode::Quick => 200,
            Mode::Smoke | Mode::Test => 20,
        };
        let duration = Duration::from_millis(duration_ms.unwrap_or(default_ms));
        let reps = reps.unwrap_or(if short { 1 } else { 3 });
        if reps == 0 || duration.is_zero() {
            return Err("--reps and --duration-ms must be positive".to_owned());
        }
        let threads = threads.unwrap_or_else(|| if short { vec![1, 2] } else { vec![1, 2, 4, 8] });
        if threads.is_empty() || threads.contains(&0) {
            return Err("--threads needs positive counts".to_owned());
        }
        Ok(Options {
            mode,
            duration,
            // A quarter of a window warms caches, the allocator and the branch predictors;
            // smoke runs skip it.
            warmup: match warmup_ms {
                Some(ms) => Duration::from_millis(ms),
                None if short => Duration::ZERO,
                None => duration / 4,
            },
            reps,
            threads,
            filters,
            max_background,
            retries: if short { 0 } else { retries.unwrap_or(2) },
            out,
            list,
            verbose,
        })
    }

    /// Whether `id` (`group/impl/workload`) passes the filters.
    pub(crate) fn selects(&self, id: &str) -> bool {
        self.filters.is_empty() || self.filters.iter().any(|f| id.contains(f.as_str()))
    }

    /// The amount of work a one-shot benchmark does, or a scaled timed one builds for (map
    /// `*-1m`: the key range): all of it, except 1/100 in smoke and test runs (which only prove
    /// that it runs).
    pub(crate) fn work(&self, full: u64) -> u64 {
        match self.mode {
            Mode::Full | Mode::Quick => full,
            Mode::Smoke | Mode::Test => (full / 100).max(1),
        }
    }

    /// Whether result files are written (not in test mode).
    pub(crate) fn writes_files(&self) -> bool {
        self.mode != Mode::Test
    }

    /// One-line description of the settings, for the table headers.
    pub(crate) fn describe(&self) -> String {
        let threads: Vec<String> = self.threads.iter().map(ToString::to_string).collect();
        format!(
            "mode {:?}, {} ms x {} rep(s) per point (+{} ms warm-up), threads {}",
            self.mode,
            self.duration.as_millis(),
            self.reps,
            self.warmup.as_millis(),
            threads.join(",")
        )
    }
}

fn parse_num<T: core::str::FromStr>(s: &str, name: &str) -> Result<T, String> {
    s.parse()
        .map_err(|_| format!("{name}: `{s}` is not a number"))
}
