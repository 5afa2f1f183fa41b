//! Hand-written SVG line plots: Mops/s against threads, one line per implementation.
//!
//! No plotting crate: a plot is a few dozen SVG elements. Thread counts sit at equal spacing
//! (1, 2, 4, 8 double each step, so this is a log₂ axis); the y axis starts at 0 so ratios read
//! true. Each point is the median with a min–max bar. Ceilings are dashed black, ours are thick,
//! peers thin, baselines dotted. Every string is XML-escaped.
//!
//! One-shot tables (one thread count) get a horizontal bar chart instead ([`bars`]): of the
//! peak pending count (reclaim `stall`) on a log₁₀ axis since it spans 1 to 10⁶, each bar with
//! its min–max whisker; or of the footprint per entry (map `memory`) on a linear axis from 0.
//! Each bar is labelled with its value and the Mops/s.

use core::fmt::Write as _;

use crate::harness::Point;
use crate::output::sig3;
use crate::registry::Role;

/// One line of a plot.
#[derive(Debug)]
pub(crate) struct Series<'a> {
    pub(crate) name: &'static str,
    pub(crate) role: Role,
    /// One entry per thread count of the plot (`None`: not measured).
    pub(crate) points: Vec<Option<&'a Point>>,
}

/// Size of the plotting area and its margins (the legend's width is added on the right).
const PLOT_W: f64 = 480.0;
const PLOT_H: f64 = 330.0;
const LEFT: f64 = 70.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 50.0;
/// Horizontal padding inside the frame, so the first and last thread counts sit off the edges.
const PAD: f64 = 24.0;
/// Rough advance of one 12 px sans-serif character, to size the legend.
const CHAR_W: f64 = 7.0;

/// Colour-blind-friendly palette (Okabe–Ito), used in series order after the ceiling's black.
const PALETTE: [&str; 7] = [
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442",
];

/// The SVG document for one `(group, workload)`.
pub(crate) fn plot(title: &str, threads: &[usize], series: &[Series<'_>]) -> String {
    let (plot_w, plot_h) = (PLOT_W, PLOT_H);
    let longest = series
        .iter()
        .map(|l| l.name.len() + l.role.as_str().len() + 3)
        .max()
        .unwrap_or(0);
    // Precision: label lengths are small.
    let legend_w = 50.0 + CHAR_W * longest as f64;
    let width = LEFT + plot_w + legend_w;
    let height = TOP + plot_h + BOTTOM;
    let top_value = series
        .iter()
        .flat_map(|s| s.points.iter().flatten())
        .map(|p| p.max.max(p.median))
        .fold(0.0, f64::max);
    let (y_max, step) = nice_axis(top_value);
    let x_of = |i: usize| {
        if threads.len() <= 1 {
            LEFT + plot_w / 2.0
        } else {
            // Precision: a handful of thread counts.
            LEFT + PAD + (plot_w - 2.0 * PAD) * i as f64 / (threads.len() - 1) as f64
        }
    };
    let y_of = |v: f64| TOP + plot_h * (1.0 - v / y_max);

    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="{}" y="22" text-anchor="middle" font-size="15" font-weight="bold">{}</text>"#,
        LEFT + plot_w / 2.0,
        escape(title)
    );

    // Grid and y ticks.
    let mut v = 0.0;
    while v <= y_max * (1.0 + 1e-9) {
        let y = y_of(v);
        let _ = writeln!(
            s,
            r##"<line x1="{LEFT}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#ddd"/><text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"##,
            LEFT + plot_w,
            LEFT - 6.0,
            y + 4.0,
            sig3(v)
        );
        v += step;
    }
    // X ticks.
    for (i, t) in threads.iter().enumerate() {
        let x = x_of(i);
        let _ = writeln!(
            s,
            r##"<line x1="{x:.1}" y1="{TOP}" x2="{x:.1}" y2="{:.1}" stroke="#eee"/><text x="{x:.1}" y="{:.1}" text-anchor="middle">{t}</text>"##,
            TOP + plot_h,
            TOP + plot_h + 18.0
        );
    }
    // Axes and labels.
    let _ = writeln!(
        s,
        r#"<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" fill="none" stroke="black"/>"#
    );
    let _ = writeln!(
        s,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">threads</text>"#,
        LEFT + plot_w / 2.0,
        height - 10.0
    );
    let _ = writeln!(
        s,
        r#"<text x="18" y="{:.1}" text-anchor="middle" transform="rotate(-90 18 {:.1})">Mops/s (median, min–max)</text>"#,
        TOP + plot_h / 2.0,
        TOP + plot_h / 2.0
    );

    let mut colour_index = 0;
    for (k, line) in series.iter().enumerate() {
        let (colour, width, dash) = match line.role {
            Role::Ceiling => ("#000000", 1.5, r#" stroke-dasharray="6 4""#),
            role => {
                let c = PALETTE[colour_index % PALETTE.len()];
                colour_index += 1;
                match role {
                    Role::Ours => (c, 2.5, ""),
                    Role::Baseline => (c, 1.5, r#" stroke-dasharray="2 3""#),
                    _ => (c, 1.5, ""),
                }
            }
        };
        // Spread the error bars of different series a little so they do not hide each other.
        // Precision: small series counts.
        let jitter = (k as f64 - (series.len() as f64 - 1.0) / 2.0) * 3.0;
        let coords: Vec<(f64, &Point)> = line
            .points
            .iter()
            .enumerate()
            .filter_map(|(i, p)| p.map(|p| (x_of(i) + jitter, p)))
            .collect();
        let path: Vec<String> = coords
            .iter()
            .map(|(x, p)| format!("{x:.1},{:.1}", y_of(p.median)))
            .collect();
        let _ = writeln!(
            s,
            r#"<polyline points="{}" fill="none" stroke="{colour}" stroke-width="{width}"{dash}/>"#,
            path.join(" ")
        );
        for (x, p) in &coords {
            let _ = writeln!(
                s,
                r#"<line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{:.1}" stroke="{colour}"/><circle cx="{x:.1}" cy="{:.1}" r="3" fill="{colour}"><title>{} @ {} thr: {} Mops/s ({}–{})</title></circle>"#,
                y_of(p.min),
                y_of(p.max),
                y_of(p.median),
                escape(line.name),
                p.threads,
                sig3(p.median),
                sig3(p.min),
                sig3(p.max)
            );
        }
        // Legend entry.
        // Precision: small series counts.
        let ly = TOP + 10.0 + 20.0 * k as f64;
        let lx = LEFT + plot_w + 15.0;
        let _ = writeln!(
            s,
            r#"<line x1="{lx}" y1="{ly}" x2="{}" y2="{ly}" stroke="{colour}" stroke-width="{width}"{dash}/><text x="{}" y="{}">{} ({})</text>"#,
            lx + 24.0,
            lx + 30.0,
            ly + 4.0,
            escape(line.name),
            line.role.as_str()
        );
    }
    s.push_str("</svg>\n");
    s
}

/// Height of one bar's row.
const BAR_ROW: f64 = 30.0;

/// What a bar chart shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Bars {
    /// The peak pending count, on a log₁₀ axis, with min–max whiskers.
    Pending,
    /// The glibc footprint per entry (medians), on a linear axis from 0.
    Footprint,
}

impl Bars {
    /// `[median, min, max]` of the charted quantity.
    fn value(self, p: &Point) -> [f64; 3] {
        match self {
            Bars::Pending => p.peak_pending.unwrap_or([0.0; 3]),
            Bars::Footprint => [p.memory.map_or(0.0, |m| m.bytes); 3],
        }
    }

    fn unit(self) -> &'static str {
        match self {
            Bars::Pending => "pending",
            Bars::Footprint => "B/entry",
        }
    }

    fn axis_label(self) -> &'static str {
        match self {
            Bars::Pending => "peak pending objects (log scale; median, min–max)",
            Bars::Footprint => "glibc footprint per entry, bytes (malloc_usable_size + 8; median)",
        }
    }
}

/// The SVG document for a one-shot table (one point per series), charting `what`.
pub(crate) fn bars(title: &str, series: &[Series<'_>], what: Bars) -> String {
    let rows: Vec<(&Series<'_>, &Point)> = series
        .iter()
        .filter_map(|l| l.points.iter().flatten().next().map(|p| (l, *p)))
        .collect();
    let label = |p: &Point| {
        let [value, ..] = what.value(p);
        format!(
            "{} {} · {} Mops/s",
            sig3(value),
            what.unit(),
            sig3(p.median)
        )
    };
    let widest = |texts: &mut dyn Iterator<Item = usize>| {
        // Precision: label lengths are small.
        20.0 + CHAR_W * texts.max().unwrap_or(0) as f64
    };
    let names = &mut rows
        .iter()
        .map(|(l, _)| l.name.len() + l.role.as_str().len() + 3);
    let left = widest(names);
    let right = widest(&mut rows.iter().map(|(_, p)| label(p).chars().count()));
    let top = rows
        .iter()
        .map(|(_, p)| what.value(p)[2])
        .fold(1.0, f64::max);
    // Log axis: whole decades, at least one (10^0 to 10^decades). Linear axis: 0 to a round
    // number.
    let decades = top.log10().ceil().max(1.0);
    let (linear_top, linear_step) = nice_axis(top);
    // Precision: a handful of rows.
    let plot_h = BAR_ROW * rows.len().max(1) as f64;
    let width = left + PLOT_W + right;
    let height = TOP + plot_h + BOTTOM;
    let x_of = |v: f64| match what {
        Bars::Pending => left + PLOT_W * v.max(1.0).log10() / decades,
        Bars::Footprint => left + PLOT_W * v.max(0.0) / linear_top,
    };
    let ticks: Vec<f64> = match what {
        // Precision: at most a dozen ticks.
        Bars::Pending => (0..=decades as u32).map(|k| 10f64.powi(k as i32)).collect(),
        Bars::Footprint => (0..)
            .map(|k| f64::from(k) * linear_step)
            .take_while(|t| *t <= linear_top * (1.0 + 1e-9))
            .collect(),
    };

    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="{}" y="22" text-anchor="middle" font-size="15" font-weight="bold">{}</text>"#,
        left + PLOT_W / 2.0,
        escape(title)
    );
    for tick in ticks {
        let x = x_of(tick);
        let _ = writeln!(
            s,
            r##"<line x1="{x:.1}" y1="{TOP}" x2="{x:.1}" y2="{:.1}" stroke="#ddd"/><text x="{x:.1}" y="{:.1}" text-anchor="middle">{tick}</text>"##,
            TOP + plot_h,
            TOP + plot_h + 18.0,
        );
    }
    let _ = writeln!(
        s,
        r#"<rect x="{left}" y="{TOP}" width="{PLOT_W}" height="{plot_h}" fill="none" stroke="black"/>"#
    );
    let _ = writeln!(
        s,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
        left + PLOT_W / 2.0,
        height - 10.0,
        what.axis_label()
    );
    let mut colour_index = 0;
    for (i, (line, p)) in rows.iter().enumerate() {
        let colour = if line.role == Role::Ceiling {
            "#000000"
        } else {
            colour_index += 1;
            PALETTE[(colour_index - 1) % PALETTE.len()]
        };
        // Precision: a handful of rows.
        let y = TOP + BAR_ROW * i as f64;
        let [median, min, max] = what.value(p);
        let _ = writeln!(
            s,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{} ({})</text>"#,
            left - 8.0,
            y + BAR_ROW / 2.0 + 4.0,
            escape(line.name),
            line.role.as_str()
        );
        let _ = writeln!(
            s,
            r#"<rect x="{left}" y="{:.1}" width="{:.1}" height="{:.1}" fill="{colour}"><title>{}: {} {} ({}–{}), {} Mops/s</title></rect>"#,
            y + 6.0,
            x_of(median) - left,
            BAR_ROW - 12.0,
            escape(line.name),
            what.unit(),
            sig3(median),
            sig3(min),
            sig3(max),
            sig3(p.median)
        );
        let mid = y + BAR_ROW / 2.0;
        let _ = writeln!(
            s,
            r#"<line x1="{:.1}" y1="{mid:.1}" x2="{:.1}" y2="{mid:.1}" stroke="black"/>"#,
            x_of(min),
            x_of(max)
        );
        let _ = writeln!(
            s,
            r#"<text x="{:.1}" y="{:.1}">{}</text>"#,
            left + PLOT_W + 8.0,
            mid + 4.0,
            label(p)
        );
    }
    s.push_str("</svg>\n");
    s
}

/// A y range `[0, max]` ending on a round number, and its tick step (1, 2 or 5 × 10ᵏ).
fn nice_axis(top: f64) -> (f64, f64) {
    if !(top > 0.0 && top.is_finite()) {
        return (1.0, 0.2);
    }
    let raw_step = top * 1.05 / 5.0;
    let magnitude = 10f64.powf(raw_step.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * magnitude)
        .find(|s| *s >= raw_step)
        .unwrap_or(10.0 * magnitude);
    ((top * 1.05 / step).ceil() * step, step)
}

fn escape(v: &str) -> String {
    v.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
