//! Publication-style SVG figures, written by hand (no plotting crate, no
//! font files).
//!
//! * [`timecourse_svg`]: the classic slice-physiology figure — fEPSP slope in
//!   % of baseline against time, one symbol set per pathway, a dashed 100 %
//!   line, arrows at tetanus times and a grey bar for a drug application.
//!   It also serves for any sampled state variable (weights, voltages).
//! * [`raster_svg`]: a spike raster.
//!
//! The figures use open axes (left and bottom spines only, offset slightly
//! from the data), outward ticks at "nice" values (1, 2 or 5 × 10ᵏ, see
//! [`nice_axis`]), no grid and no frame. Text is emitted as `<text>`
//! elements with `font-family="sans-serif"`, so any SVG viewer renders it
//! with its default sans font. Non-finite values are skipped, and empty,
//! single-point or constant data never panic. Labels are XML-escaped.

use std::fmt::Write as _;

// ------------------------------------------------------------------ specs --

/// A time-course figure: one or more series against a common x axis.
///
/// ```
/// use engram_io::plot::{timecourse_svg, Marker, Series, SeriesStyle, TimecourseSpec};
///
/// let t: Vec<f64> = (0..60).map(|i| i as f64 * 5.0).collect();
/// let spec = TimecourseSpec {
///     title: "Late LTP".into(),
///     x_label: "Time (min)".into(),
///     y_label: "fEPSP slope (% of baseline)".into(),
///     series: vec![Series {
///         label: "S1 (tetanized)".into(),
///         y: t.iter().map(|&x| if x < 30.0 { 100.0 } else { 160.0 }).collect(),
///         x: t,
///         style: SeriesStyle::Points,
///     }],
///     markers: vec![Marker::Event { x: 30.0, label: "STET".into() }],
///     hline: Some(100.0),
///     y_range: None,
/// };
/// let svg = timecourse_svg(&spec);
/// assert!(svg.starts_with("<svg"));
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TimecourseSpec {
    /// Figure title (may be empty).
    pub title: String,
    /// X-axis label including the unit, e.g. `"Time (h)"`.
    pub x_label: String,
    /// Y-axis label including the unit, e.g. `"fEPSP slope (%)"`.
    pub y_label: String,
    /// Data series, drawn in order; colours are assigned by position.
    pub series: Vec<Series>,
    /// Stimulus arrows and application bars drawn above the data.
    pub markers: Vec<Marker>,
    /// Horizontal dashed reference line, e.g. `Some(100.0)` for baseline.
    pub hline: Option<f64>,
    /// Fixed y range `(min, max)`; `None` (or an invalid range) chooses one
    /// from the data. Data outside a fixed range is clipped.
    pub y_range: Option<(f64, f64)>,
}

/// One data series of a [`TimecourseSpec`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Series {
    /// Legend label; series with an empty label are left out of the legend.
    pub label: String,
    /// X values. Pairs where `x` or `y` is not finite are skipped (and break
    /// a line). If `x` and `y` differ in length the extra values are ignored.
    pub x: Vec<f64>,
    /// Y values.
    pub y: Vec<f64>,
    /// How to draw the series.
    pub style: SeriesStyle,
}

/// Drawing style of a [`Series`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SeriesStyle {
    /// A polyline (dense traces are reduced per pixel column without
    /// visible loss).
    #[default]
    Line,
    /// Filled circles, as in fEPSP time courses.
    Points,
    /// Open circles (white fill), e.g. for the control pathway.
    OpenPoints,
}

/// An annotation drawn in a band above the data.
#[derive(Debug, Clone, PartialEq)]
pub enum Marker {
    /// A downward arrow at `x`, e.g. a tetanus; `label` is written above.
    Event {
        /// Position on the x axis.
        x: f64,
        /// Text above the arrow (may be empty).
        label: String,
    },
    /// A grey bar from `x0` to `x1`, e.g. a drug application.
    Window {
        /// Start on the x axis.
        x0: f64,
        /// End on the x axis.
        x1: f64,
        /// Text above the bar (may be empty).
        label: String,
    },
}

/// A spike raster: one row per neuron, one tick per spike.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RasterSpec {
    /// Figure title (may be empty). A note is appended when spikes are
    /// subsampled.
    pub title: String,
    /// Spike times in ms, paired with `neurons` (extra entries of the longer
    /// vector are ignored).
    pub times_ms: Vec<f64>,
    /// Neuron index of each spike.
    pub neurons: Vec<u32>,
    /// Number of neurons (rows). Indices at or above it extend the axis.
    pub n_neurons: u32,
    /// Start of the time window in ms; spikes outside the window are not drawn.
    pub t_start_ms: f64,
    /// End of the time window in ms. If the window is empty or not finite,
    /// it is taken from the data.
    pub t_stop_ms: f64,
}

/// At most this many spikes are drawn by [`raster_svg`]; above it every
/// k-th spike (in input order) is kept.
pub const RASTER_MAX_SPIKES: usize = 200_000;

// ------------------------------------------------------------ nice ticks --

/// An axis range expanded to whole multiples of a "nice" step, with its ticks.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    /// Lower end of the axis (the first tick).
    pub lo: f64,
    /// Upper end of the axis (the last tick).
    pub hi: f64,
    /// Distance between ticks: 1, 2 or 5 × 10ᵏ.
    pub step: f64,
    /// Tick positions from `lo` to `hi`.
    pub ticks: Vec<f64>,
}

/// The 1-2-5 step closest to `span / target` (from above when halfway).
///
/// Returns 1 for non-positive or non-finite input.
///
/// ```
/// use engram_io::plot::nice_step;
/// assert_eq!(nice_step(100.0, 5), 20.0);
/// assert_eq!(nice_step(8.0, 4), 2.0);
/// assert_eq!(nice_step(0.7, 5), 0.1);
/// ```
pub fn nice_step(span: f64, target: usize) -> f64 {
    let raw = span / target.clamp(1, 1000) as f64;
    if !(raw.is_finite() && raw > 0.0) {
        return 1.0;
    }
    let mag = raw.log10().floor();
    let norm = raw / pow10(mag);
    let q = if norm < 1.5 {
        1.0
    } else if norm < 3.0 {
        2.0
    } else if norm < 7.0 {
        5.0
    } else {
        10.0
    };
    let step = renice(q * pow10(mag));
    if step.is_finite() && step > 0.0 {
        step
    } else {
        1.0
    }
}

/// Cleans up a data extent: non-finite → `(0, 1)`, swapped → sorted,
/// zero-width → padded by 10 % of the value (or ±1 around zero).
fn sanitize_extent(min: f64, max: f64) -> (f64, f64) {
    if !(min.is_finite() && max.is_finite()) {
        return (0.0, 1.0);
    }
    let (min, max) = if min <= max { (min, max) } else { (max, min) };
    let scale = min.abs().max(max.abs());
    if max - min <= scale * 1e-12 {
        let pad = if scale == 0.0 { 1.0 } else { scale * 0.1 };
        return (min - pad, max + pad);
    }
    (min, max)
}

/// Rounds `v` to a multiple of `step`, snapping float noise: the exact
/// product `k · step` of integer `k`.
fn tick_at(k: f64, step: f64) -> f64 {
    // For sub-unit steps divide by the (integer) reciprocal: 6 / 10 gives
    // exactly 0.6, whereas 6 * 0.1 gives 0.6000000000000001.
    let inv = (1.0 / step).round();
    let v = if step < 1.0 && inv.is_finite() && (1.0 / inv - step).abs() <= step * 1e-12 {
        k / inv
    } else {
        k * step
    };
    if v == 0.0 {
        0.0 // no "-0"
    } else {
        v
    }
}

/// A nice axis covering `[min, max]` with roughly `target` intervals.
///
/// The range is widened to whole multiples of a 1-2-5 step. Among candidate
/// steps the one with the best balance of little wasted range and an
/// interval count near `target` is chosen. Degenerate input never panics:
/// non-finite bounds give `0..1`, equal bounds are padded, swapped bounds
/// are sorted.
///
/// ```
/// use engram_io::plot::nice_axis;
/// let a = nice_axis(0.0, 480.0, 5);
/// assert_eq!((a.lo, a.hi, a.step), (0.0, 500.0, 100.0));
/// let a = nice_axis(83.0, 187.0, 5);
/// assert_eq!(a.ticks, vec![80.0, 100.0, 120.0, 140.0, 160.0, 180.0, 200.0]);
/// ```
pub fn nice_axis(min: f64, max: f64, target: usize) -> Axis {
    let target = target.clamp(1, 100);
    let (min, max) = sanitize_extent(min, max);
    let span = max - min;
    if !span.is_finite() {
        // Beyond f64 range (|values| near f64::MAX): just the end points.
        return Axis {
            lo: min,
            hi: max,
            step: max / 2.0 - min / 2.0,
            ticks: vec![min, max],
        };
    }
    let e = (span / target as f64).log10().floor();
    let candidates = [e - 1.0, e, e + 1.0]
        .into_iter()
        .flat_map(|e| [1.0, 2.0, 5.0].map(|q| renice(q * pow10(e))));
    let mut best: Option<(f64, Axis)> = None;
    for step in candidates {
        if !(step.is_finite() && step > 0.0) {
            continue;
        }
        let k0 = (min / step + 1e-9).floor();
        let k1 = (max / step - 1e-9).ceil();
        let n = k1 - k0; // intervals
        if !(n >= 1.0 && n <= (4 * target).max(8) as f64) {
            continue;
        }
        let coverage = span / (n * step);
        let score = 2.0 * (1.0 - coverage) + 0.5 * (n - target as f64).abs() / target as f64;
        if best.as_ref().is_some_and(|(s, _)| *s <= score) {
            continue;
        }
        let ticks = (0..=n as usize)
            .map(|i| tick_at(k0 + i as f64, step))
            .collect();
        let axis = Axis {
            lo: tick_at(k0, step),
            hi: tick_at(k1, step),
            step,
            ticks,
        };
        best = Some((score, axis));
    }
    best.map(|(_, a)| a).unwrap_or(Axis {
        lo: min,
        hi: max,
        step: span,
        ticks: vec![min, max],
    })
}

/// Snaps a value that is mathematically a 1-2-5 step back onto one
/// (removes float noise such as 0.30000000000000004).
fn renice(step: f64) -> f64 {
    let e = step.log10().floor();
    let q = (step / pow10(e)).round();
    if e < 0.0 {
        q / pow10(-e)
    } else {
        q * pow10(e)
    }
}

/// 10^e for integral `e`, exact where the result is representable.
fn pow10(e: f64) -> f64 {
    if e >= 0.0 {
        10f64.powi(e as i32)
    } else {
        1.0 / 10f64.powi(-e as i32)
    }
}

/// Like [`nice_axis`], but an end is only widened to the next tick when
/// that adds at most 5 % of the data span; otherwise the axis ends at the
/// data (e.g. a recording that starts at −0.5 h gets an axis from −0.5 with
/// ticks 0, 2, 4, ... rather than an empty stretch from −2).
fn snug_axis(min: f64, max: f64, target: usize) -> Axis {
    let (min, max) = sanitize_extent(min, max);
    let mut ax = nice_axis(min, max, target);
    let slack = (max - min) * 0.05;
    if min - ax.lo > slack {
        ax.lo = min;
    }
    if ax.hi - max > slack {
        ax.hi = max;
    }
    let eps = ax.step * 1e-9;
    let (lo, hi) = (ax.lo, ax.hi);
    ax.ticks.retain(|&t| t >= lo - eps && t <= hi + eps);
    ax
}

/// Nice ticks inside a fixed range `[lo, hi]` (the range is not widened).
///
/// ```
/// use engram_io::plot::nice_ticks;
/// assert_eq!(nice_ticks(0.0, 230.0, 5), vec![0.0, 50.0, 100.0, 150.0, 200.0]);
/// assert!(!nice_ticks(5.0, 5.0, 5).is_empty()); // padded, no panic
/// ```
pub fn nice_ticks(lo: f64, hi: f64, target: usize) -> Vec<f64> {
    nice_ticks_step(lo, hi, target, 0.0).0
}

/// As [`nice_ticks`], with a lower bound on the step; also returns the step.
fn nice_ticks_step(lo: f64, hi: f64, target: usize, min_step: f64) -> (Vec<f64>, f64) {
    let (lo, hi) = sanitize_extent(lo, hi);
    let span = hi - lo;
    if !span.is_finite() {
        return (vec![lo, hi], hi / 2.0 - lo / 2.0);
    }
    let step = nice_step(span, target.clamp(1, 100)).max(min_step);
    let k0 = (lo / step - 1e-9).ceil();
    let k1 = (hi / step + 1e-9).floor();
    if k1 < k0 || k1 - k0 > 1000.0 || k1.is_nan() || k0.is_nan() {
        return (Vec::new(), step);
    }
    let ticks = (0..=(k1 - k0) as usize)
        .map(|i| tick_at(k0 + i as f64, step))
        .collect();
    (ticks, step)
}

/// Formats a tick value for a given tick step: fixed decimals matching the
/// step, exponent notation for very large or small magnitudes, and a true
/// minus sign (U+2212).
fn fmt_tick(v: f64, step: f64) -> String {
    if v == 0.0 || !v.is_finite() || !step.is_finite() || step <= 0.0 {
        return if v.is_finite() {
            "0".into()
        } else {
            String::new()
        };
    }
    let step_exp = (step.log10() + 1e-9).floor();
    let s = if step >= 1e-3 && v.abs() < 1e6 {
        let decimals = (-step_exp).max(0.0) as usize;
        format!("{v:.decimals$}")
    } else {
        let v_exp = v.abs().log10().floor();
        let digits = (v_exp - step_exp).clamp(0.0, 15.0) as usize;
        let s = format!("{v:.digits$e}");
        // Strip trailing zeros of the mantissa: "3.50e-7" -> "3.5e-7".
        match s.split_once('e') {
            Some((m, e)) if m.contains('.') => {
                format!("{}e{e}", m.trim_end_matches('0').trim_end_matches('.'))
            }
            _ => s,
        }
    };
    s.replace('-', "\u{2212}")
}

// ---------------------------------------------------------- SVG helpers --

/// Escapes `&`, `<`, `>`, `"` and `'` for text and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters not allowed in XML 1.0.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}

/// A finite coordinate with one decimal (callers check finiteness).
fn c(v: f64) -> String {
    let s = format!("{v:.1}");
    if s == "-0.0" {
        "0.0".into()
    } else {
        s
    }
}

/// Rough rendered width of `s` at `size` px in a typical sans-serif font.
fn text_width(s: &str, size: f64) -> f64 {
    s.chars().count() as f64 * size * 0.58
}

/// Deterministic id, so several figures can be inlined in one HTML page.
fn clip_id(seed: &str, n: usize) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in seed.bytes().chain(n.to_le_bytes()) {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    format!("engram-clip-{:08x}", h as u32)
}

/// Linear map from data to pixels (robust to huge ranges).
#[derive(Clone, Copy)]
struct Scale {
    lo: f64,
    hi: f64,
    p0: f64,
    p1: f64,
}

impl Scale {
    fn map(&self, v: f64) -> f64 {
        let den = self.hi / 2.0 - self.lo / 2.0;
        let f = if den > 0.0 {
            (v / 2.0 - self.lo / 2.0) / den
        } else {
            0.5
        };
        self.p0 + f * (self.p1 - self.p0)
    }
}

const FONT_TICK: f64 = 12.0;
const FONT_LABEL: f64 = 13.0;
const FONT_TITLE: f64 = 14.0;
const FONT_SMALL: f64 = 11.0;
const TICK_LEN: f64 = 5.0;
/// Gap between the data area and the axis spines.
const OFFSET: f64 = 6.0;
const AXIS_COLOR: &str = "#222";
/// Okabe–Ito colour-blind-safe palette, black first.
const PALETTE: [&str; 7] = [
    "#000000", "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9",
];

fn svg_open(out: &mut String, w: f64, h: f64) {
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" \
         viewBox=\"0 0 {w} {h}\" font-family=\"sans-serif\" fill=\"{AXIS_COLOR}\">\n\
         <rect width=\"{w}\" height=\"{h}\" fill=\"white\"/>\n"
    );
}

fn title(out: &mut String, text: &str, cx: f64, y: f64) {
    if !text.is_empty() {
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" font-size=\"{FONT_TITLE}\" font-weight=\"bold\" \
             text-anchor=\"middle\">{}</text>",
            c(cx),
            c(y),
            esc(text)
        );
    }
}

/// Bottom axis: spine from `lo` to `hi`, ticks, tick labels and label.
fn x_axis(out: &mut String, s: Scale, ticks: &[f64], step: f64, y: f64, label: &str) {
    let (a, b) = (s.map(s.lo), s.map(s.hi));
    let mut path = format!("M{} {}H{}", c(a), c(y), c(b));
    for &t in ticks {
        let _ = write!(path, "M{} {}v{TICK_LEN}", c(s.map(t)), c(y));
    }
    let _ = writeln!(
        out,
        "<path d=\"{path}\" fill=\"none\" stroke=\"{AXIS_COLOR}\" stroke-width=\"1\"/>"
    );
    let _ = writeln!(out, "<g font-size=\"{FONT_TICK}\" text-anchor=\"middle\">");
    let ty = y + TICK_LEN + 3.0 + FONT_TICK * 0.8;
    for &t in ticks {
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\">{}</text>",
            c(s.map(t)),
            c(ty),
            fmt_tick(t, step)
        );
    }
    out.push_str("</g>\n");
    if !label.is_empty() {
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\" font-size=\"{FONT_LABEL}\" text-anchor=\"middle\">{}</text>",
            c((a + b) / 2.0),
            c(ty + 8.0 + FONT_LABEL),
            esc(label)
        );
    }
}

/// Left axis; `label_x` is the x position of the rotated axis label.
#[allow(clippy::too_many_arguments)]
fn y_axis(out: &mut String, s: Scale, ticks: &[f64], step: f64, x: f64, label: &str, label_x: f64) {
    let (a, b) = (s.map(s.lo), s.map(s.hi));
    let mut path = format!("M{} {}V{}", c(x), c(a), c(b));
    for &t in ticks {
        let _ = write!(path, "M{} {}h-{TICK_LEN}", c(x), c(s.map(t)));
    }
    let _ = writeln!(
        out,
        "<path d=\"{path}\" fill=\"none\" stroke=\"{AXIS_COLOR}\" stroke-width=\"1\"/>"
    );
    let _ = writeln!(out, "<g font-size=\"{FONT_TICK}\" text-anchor=\"end\">");
    for &t in ticks {
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\">{}</text>",
            c(x - TICK_LEN - 3.0),
            c(s.map(t) + FONT_TICK * 0.35),
            fmt_tick(t, step)
        );
    }
    out.push_str("</g>\n");
    if !label.is_empty() {
        let _ = writeln!(
            out,
            "<text transform=\"translate({},{}) rotate(-90)\" font-size=\"{FONT_LABEL}\" \
             text-anchor=\"middle\">{}</text>",
            c(label_x),
            c((a + b) / 2.0),
            esc(label)
        );
    }
}

/// Widest tick label, for the left margin.
fn max_tick_width(ticks: &[f64], step: f64) -> f64 {
    ticks
        .iter()
        .map(|&t| text_width(&fmt_tick(t, step), FONT_TICK))
        .fold(0.0, f64::max)
}

/// Greedy row assignment for horizontally placed labels: returns the row of
/// each `(centre, width)` so that labels in one row do not overlap.
fn label_rows(items: &[(f64, f64)], max_rows: usize) -> Vec<usize> {
    let max_rows = max_rows.max(1);
    let mut right_edges: Vec<f64> = Vec::new();
    items
        .iter()
        .map(|&(cx, w)| {
            let left = cx - w / 2.0;
            let row = right_edges.iter().position(|&r| left > r + 4.0);
            let row = match row {
                Some(r) => r,
                None if right_edges.len() < max_rows => {
                    right_edges.push(f64::NEG_INFINITY);
                    right_edges.len() - 1
                }
                None => max_rows - 1,
            };
            right_edges[row] = cx + w / 2.0;
            row
        })
        .collect()
}

// ------------------------------------------------------------ timecourse --

/// Finite `(x, y)` runs of a series: non-finite points split the runs.
fn finite_runs(s: &Series) -> Vec<Vec<(f64, f64)>> {
    let mut runs = vec![Vec::new()];
    for (&x, &y) in s.x.iter().zip(&s.y) {
        if x.is_finite() && y.is_finite() {
            if let Some(r) = runs.last_mut() {
                r.push((x, y));
            }
        } else if runs.last().is_some_and(|r| !r.is_empty()) {
            runs.push(Vec::new());
        }
    }
    runs.retain(|r| !r.is_empty());
    runs
}

/// Per-pixel-column min/max reduction of a pixel polyline (keeps first,
/// min, max and last of each column, in order): visually lossless.
fn decimate(px: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < px.len() {
        let col = px[i].0.round();
        let mut j = i;
        let (mut lo, mut hi) = (i, i);
        while j < px.len() && px[j].0.round() == col {
            if px[j].1 < px[lo].1 {
                lo = j;
            }
            if px[j].1 > px[hi].1 {
                hi = j;
            }
            j += 1;
        }
        let mut idx = [i, lo, hi, j - 1];
        idx.sort_unstable();
        let mut last = usize::MAX;
        for k in idx {
            if k != last {
                out.push(px[k]);
                last = k;
            }
        }
        i = j;
    }
    out
}

fn extent(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    values
        .filter(|v| v.is_finite())
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((a, b)) => Some((a.min(v), b.max(v))),
        })
}

/// Renders a time-course figure as an SVG document (640 × 420 px).
///
/// Layout, from top: title, a band with [`Marker`]s (bars above arrows),
/// the data area with an optional dashed [`TimecourseSpec::hline`], the
/// x axis. The legend sits in the data-area corner that covers the fewest
/// data points. See the [module docs](self).
pub fn timecourse_svg(spec: &TimecourseSpec) -> String {
    const W: f64 = 640.0;
    const H: f64 = 420.0;

    let runs: Vec<Vec<Vec<(f64, f64)>>> = spec.series.iter().map(finite_runs).collect();
    let all_points = || runs.iter().flatten().flatten();

    // ---- x range: data and markers.
    let marker_xs = spec.markers.iter().flat_map(|m| match m {
        Marker::Event { x, .. } => vec![*x],
        Marker::Window { x0, x1, .. } => vec![*x0, *x1],
    });
    let (xmin, xmax) = extent(all_points().map(|p| p.0).chain(marker_xs)).unwrap_or((0.0, 1.0));
    let xa = snug_axis(xmin, xmax, 5);

    // ---- y range: fixed or data + reference line.
    let hline = spec.hline.filter(|h| h.is_finite());
    let fixed = spec
        .y_range
        .filter(|(a, b)| a.is_finite() && b.is_finite() && a < b && (b - a).is_finite());
    let (ylo, yhi, yticks, ystep) = match fixed {
        Some((a, b)) => {
            let (ticks, step) = nice_ticks_step(a, b, 5, 0.0);
            (a, b, ticks, step)
        }
        None => {
            let (a, b) = extent(all_points().map(|p| p.1).chain(hline)).unwrap_or((0.0, 1.0));
            let ya = nice_axis(a, b, 5);
            (ya.lo, ya.hi, ya.ticks, ya.step)
        }
    };

    // ---- marker band layout (rows of labels above bars / arrows).
    let events: Vec<(f64, &str)> = spec
        .markers
        .iter()
        .filter_map(|m| match m {
            Marker::Event { x, label } if x.is_finite() => Some((*x, label.as_str())),
            _ => None,
        })
        .collect();
    let windows: Vec<(f64, f64, &str)> = spec
        .markers
        .iter()
        .filter_map(|m| match m {
            Marker::Window { x0, x1, label } if x0.is_finite() && x1.is_finite() => {
                Some((x0.min(*x1), x0.max(*x1), label.as_str()))
            }
            _ => None,
        })
        .collect();

    // Horizontal layout first (independent of the band height).
    let y_tick_w = max_tick_width(&yticks, ystep);
    let left = 14.0 + FONT_LABEL + 10.0 + y_tick_w + TICK_LEN + 3.0 + OFFSET;
    let last_x_label = xa
        .ticks
        .last()
        .map_or(0.0, |&t| text_width(&fmt_tick(t, xa.step), FONT_TICK));
    let right = W - (16.0f64).max(last_x_label / 2.0 + 6.0);
    let sx = Scale {
        lo: xa.lo,
        hi: xa.hi,
        p0: left,
        p1: right,
    };

    let row_h = FONT_SMALL + 3.0;
    let mut sorted_events = events.clone();
    sorted_events.sort_by(|a, b| a.0.total_cmp(&b.0));
    let ev_items: Vec<(f64, f64)> = sorted_events
        .iter()
        .map(|&(x, l)| (sx.map(x), text_width(l, FONT_SMALL)))
        .collect();
    let ev_rows = label_rows(&ev_items, 3);
    let ev_nrows = sorted_events
        .iter()
        .zip(&ev_rows)
        .filter(|((_, l), _)| !l.is_empty())
        .map(|(_, &r)| r + 1)
        .max()
        .unwrap_or(0);
    let mut sorted_windows = windows.clone();
    sorted_windows.sort_by(|a, b| a.0.total_cmp(&b.0));
    let win_items: Vec<(f64, f64)> = sorted_windows
        .iter()
        .map(|&(a, b, l)| ((sx.map(a) + sx.map(b)) / 2.0, text_width(l, FONT_SMALL)))
        .collect();
    let win_rows = label_rows(&win_items, 3);
    let win_nrows = sorted_windows
        .iter()
        .zip(&win_rows)
        .filter(|((_, _, l), _)| !l.is_empty())
        .map(|(_, &r)| r + 1)
        .max()
        .unwrap_or(0);
    const ARROW_H: f64 = 14.0;
    const BAR_H: f64 = 6.0;
    let ev_band = if events.is_empty() {
        0.0
    } else {
        ARROW_H + 3.0 + ev_nrows as f64 * row_h
    };
    let win_band = if windows.is_empty() {
        0.0
    } else {
        BAR_H + 4.0 + win_nrows as f64 * row_h
    };
    let band = ev_band + win_band + if ev_band + win_band > 0.0 { 6.0 } else { 0.0 };

    let title_h = if spec.title.is_empty() {
        0.0
    } else {
        FONT_TITLE + 10.0
    };
    let top = 12.0 + title_h + band;
    let bottom = H - (OFFSET + TICK_LEN + 3.0 + FONT_TICK + 8.0 + FONT_LABEL + 12.0);
    let sy = Scale {
        lo: ylo,
        hi: yhi,
        p0: bottom,
        p1: top,
    };

    let mut out = String::new();
    svg_open(&mut out, W, H);
    title(
        &mut out,
        &spec.title,
        (left + right) / 2.0,
        12.0 + FONT_TITLE,
    );

    // ---- clip region: data area plus room for half a symbol.
    let clip = clip_id(&spec.title, spec.series.len());
    let _ = writeln!(
        out,
        "<defs><clipPath id=\"{clip}\"><rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\"/></clipPath></defs>",
        c(left - OFFSET + 1.0),
        c(top - OFFSET + 1.0),
        c(right - left + 2.0 * OFFSET - 2.0),
        c(bottom - top + 2.0 * OFFSET - 2.0)
    );

    // ---- reference line.
    if let Some(h) = hline.filter(|&h| h >= ylo && h <= yhi) {
        let y = sy.map(h);
        let _ = writeln!(
            out,
            "<path d=\"M{} {}H{}\" stroke=\"#888\" stroke-width=\"1\" stroke-dasharray=\"5 4\" fill=\"none\"/>",
            c(left),
            c(y),
            c(right)
        );
    }

    // ---- data.
    let n_points: usize = all_points().count();
    let radius = if n_points <= 150 {
        3.2
    } else if n_points <= 600 {
        2.6
    } else {
        2.0
    };
    let _ = writeln!(out, "<g clip-path=\"url(#{clip})\">");
    for (i, (s, runs)) in spec.series.iter().zip(&runs).enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        match s.style {
            SeriesStyle::Line => {
                let mut d = String::new();
                for run in runs {
                    let px: Vec<(f64, f64)> =
                        run.iter().map(|&(x, y)| (sx.map(x), sy.map(y))).collect();
                    let px = if px.len() > 4 * (right - left) as usize {
                        decimate(&px)
                    } else {
                        px
                    };
                    for (k, (x, y)) in px.iter().enumerate() {
                        let _ = write!(d, "{}{} {}", if k == 0 { 'M' } else { 'L' }, c(*x), c(*y));
                    }
                    if px.len() == 1 {
                        // A lone point would be invisible as a path.
                        let _ = write!(d, "h0.01");
                    }
                }
                if !d.is_empty() {
                    let _ = writeln!(
                        out,
                        "<path d=\"{d}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"1.5\" \
                         stroke-linejoin=\"round\" stroke-linecap=\"round\"/>"
                    );
                }
            }
            SeriesStyle::Points | SeriesStyle::OpenPoints => {
                let fill = if s.style == SeriesStyle::Points {
                    color
                } else {
                    "white"
                };
                let _ = writeln!(
                    out,
                    "<g fill=\"{fill}\" stroke=\"{color}\" stroke-width=\"1\">"
                );
                for &(x, y) in runs.iter().flatten() {
                    let _ = writeln!(
                        out,
                        "<circle cx=\"{}\" cy=\"{}\" r=\"{radius}\"/>",
                        c(sx.map(x)),
                        c(sy.map(y))
                    );
                }
                out.push_str("</g>\n");
            }
        }
    }
    out.push_str("</g>\n");

    // ---- axes.
    x_axis(
        &mut out,
        sx,
        &xa.ticks,
        xa.step,
        bottom + OFFSET,
        &spec.x_label,
    );
    y_axis(
        &mut out,
        sy,
        &yticks,
        ystep,
        left - OFFSET,
        &spec.y_label,
        14.0 + FONT_LABEL * 0.5,
    );

    // ---- markers: events just above the data, windows above them.
    let label = |out: &mut String, x: f64, y: f64, text: &str| {
        if !text.is_empty() {
            let x = x.clamp(
                text_width(text, FONT_SMALL) / 2.0 + 2.0,
                W - text_width(text, FONT_SMALL) / 2.0 - 2.0,
            );
            let _ = writeln!(
                out,
                "<text x=\"{}\" y=\"{}\" font-size=\"{FONT_SMALL}\" text-anchor=\"middle\">{}</text>",
                c(x),
                c(y),
                esc(text)
            );
        }
    };
    let ev_base = top - OFFSET - 2.0; // arrow tips
    for (&(x, l), &row) in sorted_events.iter().zip(&ev_rows) {
        let px = sx.map(x);
        let _ = writeln!(
            out,
            "<path d=\"M{x} {y0}V{y1}M{xl} {y1}L{x} {tip}L{xr} {y1}Z\" stroke=\"{AXIS_COLOR}\" \
             stroke-width=\"1.2\" stroke-linejoin=\"miter\"/>",
            x = c(px),
            y0 = c(ev_base - ARROW_H),
            y1 = c(ev_base - 5.0),
            xl = c(px - 3.5),
            xr = c(px + 3.5),
            tip = c(ev_base)
        );
        label(
            &mut out,
            px,
            ev_base - ARROW_H - 4.0 - row as f64 * row_h,
            l,
        );
    }
    let win_base = ev_base - ev_band - 3.0; // bottom of the bars
    for &(a, b, _) in &sorted_windows {
        let (pa, pb) = (sx.map(a), sx.map(b).max(sx.map(a) + 1.0));
        let _ = writeln!(
            out,
            "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{BAR_H}\" fill=\"#9a9a9a\"/>",
            c(pa),
            c(win_base - BAR_H),
            c(pb - pa)
        );
    }
    for (&(a, b, l), &row) in sorted_windows.iter().zip(&win_rows) {
        label(
            &mut out,
            (sx.map(a) + sx.map(b)) / 2.0,
            win_base - BAR_H - 4.0 - row as f64 * row_h,
            l,
        );
    }

    // ---- legend.
    legend(
        &mut out,
        spec,
        &runs,
        sx,
        sy,
        (left, top, right, bottom),
        radius,
    );

    out.push_str("</svg>\n");
    out
}

/// Draws the legend in the data-area corner with the fewest data points.
fn legend(
    out: &mut String,
    spec: &TimecourseSpec,
    runs: &[Vec<Vec<(f64, f64)>>],
    sx: Scale,
    sy: Scale,
    (left, top, right, bottom): (f64, f64, f64, f64),
    radius: f64,
) {
    let entries: Vec<(usize, &Series)> = spec
        .series
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.label.is_empty())
        .collect();
    if entries.is_empty() {
        return;
    }
    const ROW: f64 = 17.0;
    const SYM: f64 = 22.0;
    let w = SYM
        + 6.0
        + entries
            .iter()
            .map(|(_, s)| text_width(&s.label, FONT_TICK))
            .fold(0.0, f64::max)
        + 8.0;
    let h = entries.len() as f64 * ROW + 6.0;
    let inset = 4.0;
    let corners = [
        (right - w - inset, top + inset),        // top right
        (left + inset, top + inset),             // top left
        (right - w - inset, bottom - h - inset), // bottom right
        (left + inset, bottom - h - inset),      // bottom left
    ];
    let mut pts: Vec<(f64, f64)> = runs
        .iter()
        .flatten()
        .flatten()
        .map(|&(x, y)| (sx.map(x), sy.map(y)))
        .collect();
    if let Some(hl) = spec.hline.filter(|h| h.is_finite()) {
        let y = sy.map(hl);
        pts.extend((0..=20).map(|i| (left + (right - left) * f64::from(i) / 20.0, y)));
    }
    let (lx, ly) = corners
        .iter()
        .copied()
        .min_by_key(|&(x, y)| {
            pts.iter()
                .filter(|&&(px, py)| {
                    px >= x - 4.0 && px <= x + w + 4.0 && py >= y - 4.0 && py <= y + h + 4.0
                })
                .count()
        })
        .unwrap_or(corners[0]);
    let _ = writeln!(
        out,
        "<g font-size=\"{FONT_TICK}\">\n<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"white\" fill-opacity=\"0.85\"/>",
        c(lx),
        c(ly),
        c(w),
        c(h)
    );
    for (k, (i, s)) in entries.iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        let cy = ly + 3.0 + ROW * (k as f64 + 0.5);
        let sx0 = lx + 4.0;
        match s.style {
            SeriesStyle::Line => {
                let _ = writeln!(
                    out,
                    "<path d=\"M{} {}h{SYM}\" stroke=\"{color}\" stroke-width=\"1.5\"/>",
                    c(sx0),
                    c(cy)
                );
            }
            SeriesStyle::Points | SeriesStyle::OpenPoints => {
                let fill = if s.style == SeriesStyle::Points {
                    color
                } else {
                    "white"
                };
                let _ = writeln!(
                    out,
                    "<circle cx=\"{}\" cy=\"{}\" r=\"{}\" fill=\"{fill}\" stroke=\"{color}\"/>",
                    c(sx0 + SYM / 2.0),
                    c(cy),
                    radius.max(3.0)
                );
            }
        }
        let _ = writeln!(
            out,
            "<text x=\"{}\" y=\"{}\">{}</text>",
            c(sx0 + SYM + 6.0),
            c(cy + FONT_TICK * 0.35),
            esc(&s.label)
        );
    }
    out.push_str("</g>\n");
}

// ---------------------------------------------------------------- raster --

/// Renders a spike raster as an SVG document (640 × 400 px).
///
/// Time runs along x in ms, or in s when the window is longer than 10 s;
/// neuron 0 is the bottom row. Each spike is a short vertical tick (all
/// ticks form one `<path>`, so large rasters stay compact). Above
/// [`RASTER_MAX_SPIKES`] spikes only every k-th spike is drawn and the title
/// says so.
///
/// ```
/// use engram_io::plot::{raster_svg, RasterSpec};
/// let svg = raster_svg(&RasterSpec {
///     title: "Input layer".into(),
///     times_ms: vec![1.0, 5.5, 7.25],
///     neurons: vec![0, 2, 1],
///     n_neurons: 3,
///     t_start_ms: 0.0,
///     t_stop_ms: 10.0,
/// });
/// assert!(svg.contains("Time (ms)"));
/// ```
pub fn raster_svg(spec: &RasterSpec) -> String {
    const W: f64 = 640.0;
    const H: f64 = 400.0;

    // ---- time window.
    let (mut t0, mut t1) = (spec.t_start_ms, spec.t_stop_ms);
    if !(t0.is_finite() && t1.is_finite() && t1 > t0) {
        let (a, b) = extent(spec.times_ms.iter().copied()).unwrap_or((0.0, 1.0));
        (t0, t1) = sanitize_extent(a, b);
    }
    let in_window = |t: f64| t.is_finite() && t >= t0 && t <= t1;
    let spikes: Vec<(f64, u32)> = spec
        .times_ms
        .iter()
        .zip(&spec.neurons)
        .filter(|(t, _)| in_window(**t))
        .map(|(&t, &n)| (t, n))
        .collect();
    let k = spikes.len().div_ceil(RASTER_MAX_SPIKES).max(1);
    let n_rows = spikes
        .iter()
        .map(|&(_, n)| u64::from(n) + 1)
        .max()
        .unwrap_or(0)
        .max(u64::from(spec.n_neurons))
        .max(1);

    // ---- units.
    let seconds = t1 - t0 > 10_000.0;
    let (div, x_label) = if seconds {
        (1000.0, "Time (s)")
    } else {
        (1.0, "Time (ms)")
    };
    let (xlo, xhi) = (t0 / div, t1 / div);
    let (xticks, xstep) = nice_ticks_step(xlo, xhi, 6, 0.0);
    let (ylo, yhi) = (-0.5, n_rows as f64 - 0.5);
    let (yticks, ystep) = nice_ticks_step(0.0, (n_rows - 1) as f64, 5, 1.0);
    let yticks: Vec<f64> = if n_rows == 1 { vec![0.0] } else { yticks };

    let mut title_text = spec.title.clone();
    if k > 1 {
        let note = format!("(1 in {k} spikes shown)");
        title_text = if title_text.is_empty() {
            note
        } else {
            format!("{title_text} {note}")
        };
    }

    // ---- layout.
    let y_tick_w = max_tick_width(&yticks, ystep);
    let left = 14.0 + FONT_LABEL + 10.0 + y_tick_w + TICK_LEN + 3.0 + OFFSET;
    let last_x_label = xticks
        .last()
        .map_or(0.0, |&t| text_width(&fmt_tick(t, xstep), FONT_TICK));
    let right = W - (16.0f64).max(last_x_label / 2.0 + 6.0);
    let title_h = if title_text.is_empty() {
        0.0
    } else {
        FONT_TITLE + 10.0
    };
    let top = 12.0 + title_h + 4.0;
    let bottom = H - (OFFSET + TICK_LEN + 3.0 + FONT_TICK + 8.0 + FONT_LABEL + 12.0);
    let sx = Scale {
        lo: xlo,
        hi: xhi,
        p0: left,
        p1: right,
    };
    let sy = Scale {
        lo: ylo,
        hi: yhi,
        p0: bottom,
        p1: top,
    };

    let mut out = String::new();
    svg_open(&mut out, W, H);
    title(
        &mut out,
        &title_text,
        (left + right) / 2.0,
        12.0 + FONT_TITLE,
    );

    // ---- spikes: one path of vertical ticks.
    let row_px = (bottom - top) / n_rows as f64;
    let n_drawn = spikes.len().div_ceil(k);
    // Sparse rasters get clearly visible ticks; dense ones (many neurons
    // per pixel row, or very many spikes) thin ones, so structure survives.
    let min_h = if row_px >= 0.5 { 2.5 } else { 1.0 };
    let tick_h = (row_px * 0.8).clamp(min_h, 12.0);
    let stroke_w = if n_drawn > 50_000 || row_px < 0.5 {
        0.5
    } else if row_px < 2.0 {
        0.9
    } else {
        1.0
    };
    let mut d = String::with_capacity(spikes.len() / k * 16);
    for &(t, n) in spikes.iter().step_by(k) {
        let x = sx.map(t / div);
        let y = sy.map(f64::from(n)) - tick_h / 2.0;
        if x.is_finite() && y.is_finite() {
            let _ = write!(d, "M{} {}v{}", c(x), c(y), c(tick_h));
        }
    }
    if !d.is_empty() {
        let _ = writeln!(out, "<path class=\"spikes\" d=\"{d}\" fill=\"none\" stroke=\"#000\" stroke-width=\"{stroke_w}\"/>");
    }

    x_axis(&mut out, sx, &xticks, xstep, bottom + OFFSET, x_label);
    y_axis(
        &mut out,
        sy,
        &yticks,
        ystep,
        left - OFFSET,
        "Neuron",
        14.0 + FONT_LABEL * 0.5,
    );
    out.push_str("</svg>\n");
    out
}

// ----------------------------------------------------------------- tests --

#[cfg(test)]
mod tests {
    use super::*;

    /// Parse-level well-formedness: balanced tags, quoted attributes, no
    /// stray `<` / `&` in text, no non-finite numbers.
    pub(crate) fn assert_well_formed(svg: &str) {
        assert!(svg.starts_with("<svg "), "does not start with <svg");
        assert!(svg.trim_end().ends_with("</svg>"));
        let mut stack: Vec<String> = Vec::new();
        let mut rest = svg;
        while let Some(open) = rest.find('<') {
            let text = &rest[..open];
            check_text(text);
            let close = rest[open..].find('>').expect("unterminated tag") + open;
            let tag = &rest[open + 1..close];
            assert!(!tag.contains('<'), "nested < in tag: {tag}");
            assert_eq!(tag.matches('"').count() % 2, 0, "unbalanced quotes: {tag}");
            if let Some(name) = tag.strip_prefix('/') {
                assert_eq!(
                    stack.pop().as_deref(),
                    Some(name.trim()),
                    "mismatched </{name}>"
                );
            } else if !tag.ends_with('/') {
                let name = tag.split_whitespace().next().expect("empty tag");
                stack.push(name.to_string());
            }
            // Attribute values must be escaped too.
            for (i, part) in tag.split('"').enumerate() {
                if i % 2 == 1 {
                    check_text(part);
                }
            }
            rest = &rest[close + 1..];
        }
        check_text(rest);
        assert!(stack.is_empty(), "unclosed: {stack:?}");
        for bad in ["NaN", "inf"] {
            assert!(!svg.contains(bad), "found {bad} in output");
        }
    }

    fn check_text(t: &str) {
        assert!(!t.contains('>'), "raw > in text: {t}");
        for (i, _) in t.match_indices('&') {
            let ent = &t[i..];
            assert!(
                ["&amp;", "&lt;", "&gt;", "&quot;", "&apos;"]
                    .iter()
                    .any(|e| ent.starts_with(e)),
                "bad entity in {t}"
            );
        }
    }

    fn is_125(step: f64) -> bool {
        let mag = 10f64.powf(step.log10().floor());
        let q = step / mag;
        [1.0, 2.0, 5.0].iter().any(|n| (q - n).abs() < 1e-9)
    }

    #[test]
    fn nice_step_values() {
        assert_eq!(nice_step(10.0, 5), 2.0);
        assert_eq!(nice_step(1.0, 10), 0.1);
        assert_eq!(nice_step(300.0, 5), 50.0);
        assert_eq!(nice_step(9000.0, 3), 5000.0);
        assert_eq!(nice_step(0.0, 5), 1.0);
        assert_eq!(nice_step(f64::NAN, 5), 1.0);
        assert_eq!(nice_step(-3.0, 5), 1.0);
    }

    #[test]
    fn nice_axis_properties() {
        let cases = [
            (0.0, 1.0),
            (0.0, 480.0),
            (-20.0, 180.0),
            (83.0, 187.0),
            (0.013, 0.0171),
            (-7.3e-9, 2.2e-9),
            (1e6, 1e6 + 3.0),
            (-65.2, -40.1),
            (0.0, 8.0),
            (3.0, 1e9),
        ];
        for (a, b) in cases {
            let ax = nice_axis(a, b, 5);
            assert!(ax.lo <= a && ax.hi >= b, "{a}..{b}: {ax:?}");
            assert!(is_125(ax.step), "{a}..{b}: step {}", ax.step);
            assert!((2..=21).contains(&ax.ticks.len()), "{a}..{b}: {ax:?}");
            assert_eq!(ax.ticks.first(), Some(&ax.lo));
            assert_eq!(ax.ticks.last(), Some(&ax.hi));
            for w in ax.ticks.windows(2) {
                assert!(((w[1] - w[0]) / ax.step - 1.0).abs() < 1e-6);
            }
            // Labels are distinct and short.
            let labels: Vec<String> = ax.ticks.iter().map(|&t| fmt_tick(t, ax.step)).collect();
            let mut dedup = labels.clone();
            dedup.dedup();
            assert_eq!(labels, dedup, "{a}..{b}");
            assert!(labels.iter().all(|l| l.len() <= 12), "{labels:?}");
        }
        assert_eq!(nice_axis(0.0, 8.0, 5).ticks, vec![0.0, 2.0, 4.0, 6.0, 8.0]);
        assert_eq!(nice_axis(0.0, 480.0, 5).step, 100.0);
    }

    #[test]
    fn nice_axis_degenerate() {
        let a = nice_axis(5.0, 5.0, 5);
        assert!(a.lo < 5.0 && a.hi > 5.0);
        let a = nice_axis(0.0, 0.0, 5);
        assert!(a.lo < 0.0 && a.hi > 0.0);
        let a = nice_axis(f64::NAN, 3.0, 5);
        assert_eq!((a.lo, a.hi), (0.0, 1.0));
        let a = nice_axis(10.0, 2.0, 5);
        assert!(a.lo <= 2.0 && a.hi >= 10.0);
        let a = nice_axis(-f64::MAX, f64::MAX, 5);
        assert!(a.ticks.iter().all(|t| t.is_finite()));
        let a = nice_axis(0.0, 1.0, 0);
        assert!(!a.ticks.is_empty());
        assert!(!nice_axis(0.0, 1.0, usize::MAX).ticks.is_empty());
        assert!(nice_ticks(0.0, 1.0, usize::MAX).len() <= 1001);
        assert_eq!(label_rows(&[(0.0, 10.0), (1.0, 10.0)], 0), vec![0, 0]);
        assert_eq!(
            nice_ticks(0.0, 230.0, 5),
            vec![0.0, 50.0, 100.0, 150.0, 200.0]
        );
        assert_eq!(nice_ticks(0.5, 0.7, 2), vec![0.5, 0.6, 0.7]);
        assert!(nice_ticks(f64::INFINITY, 1.0, 5)
            .iter()
            .all(|t| t.is_finite()));
    }

    #[test]
    fn tick_labels() {
        assert_eq!(fmt_tick(0.30000000000000004, 0.1), "0.3");
        assert_eq!(fmt_tick(-0.5, 0.5), "\u{2212}0.5");
        assert_eq!(fmt_tick(200.0, 50.0), "200");
        assert_eq!(fmt_tick(0.0, 1e-9), "0");
        assert_eq!(fmt_tick(3.0000000000000004e-7, 1e-7), "3e\u{2212}7");
        assert_eq!(fmt_tick(-2.5e-7, 5e-8), "\u{2212}2.5e\u{2212}7");
        assert_eq!(fmt_tick(2e9, 1e9), "2e9");
    }

    #[test]
    fn escaping() {
        assert_eq!(
            esc("a<b & \"c\" 'd'>"),
            "a&lt;b &amp; &quot;c&quot; &apos;d&apos;&gt;"
        );
        assert_eq!(esc("x\u{1}y"), "xy");
    }

    fn ltp_spec() -> TimecourseSpec {
        let t: Vec<f64> = (0..120).map(|i| -30.0 + i as f64 * 2.5).collect();
        let s1: Vec<f64> = t
            .iter()
            .map(|&x| {
                if x < 0.0 {
                    100.0
                } else {
                    100.0 + 60.0 * (-x / 600.0).exp()
                }
            })
            .collect();
        TimecourseSpec {
            title: "LTP <S1> & control".into(),
            x_label: "Time (min)".into(),
            y_label: "fEPSP slope (% of baseline)".into(),
            series: vec![
                Series {
                    label: "S1 tetanized".into(),
                    x: t.clone(),
                    y: s1,
                    style: SeriesStyle::Points,
                },
                Series {
                    label: "S2 control".into(),
                    x: t.clone(),
                    y: vec![100.0; t.len()],
                    style: SeriesStyle::OpenPoints,
                },
            ],
            markers: vec![
                Marker::Event {
                    x: 0.0,
                    label: "STET".into(),
                },
                Marker::Window {
                    x0: -15.0,
                    x1: 30.0,
                    label: "anisomycin".into(),
                },
            ],
            hline: Some(100.0),
            y_range: None,
        }
    }

    #[test]
    fn timecourse_well_formed_with_labels() {
        let svg = timecourse_svg(&ltp_spec());
        assert_well_formed(&svg);
        for l in [
            "LTP &lt;S1&gt; &amp; control",
            "Time (min)",
            "fEPSP slope",
            "S1 tetanized",
            "S2 control",
            "STET",
            "anisomycin",
        ] {
            assert!(svg.contains(l), "missing {l}");
        }
        assert!(svg.contains("stroke-dasharray"));
    }

    #[test]
    fn timecourse_degenerate_inputs() {
        let base = TimecourseSpec::default();
        assert_well_formed(&timecourse_svg(&base));
        let one = |x: Vec<f64>, y: Vec<f64>, style| TimecourseSpec {
            series: vec![Series {
                label: "s".into(),
                x,
                y,
                style,
            }],
            ..TimecourseSpec::default()
        };
        for style in [
            SeriesStyle::Line,
            SeriesStyle::Points,
            SeriesStyle::OpenPoints,
        ] {
            for (x, y) in [
                (vec![], vec![]),
                (vec![1.0], vec![2.0]),
                (vec![0.0, 1.0, 2.0], vec![5.0, 5.0, 5.0]),
                (
                    vec![f64::NAN, 1.0, f64::INFINITY, 3.0],
                    vec![1.0, f64::NAN, 2.0, f64::NEG_INFINITY],
                ),
                (vec![1.0, 2.0, 3.0], vec![1.0]),
                (vec![f64::NAN; 4], vec![f64::NAN; 4]),
                (
                    vec![0.0, 1.0, f64::NAN, 2.0, 3.0],
                    vec![1.0, 2.0, 3.0, 4.0, 5.0],
                ),
                (vec![-1e308, 1e308], vec![-1e308, 1e308]),
                (vec![1e-300, 2e-300], vec![0.0, 1e-300]),
            ] {
                assert_well_formed(&timecourse_svg(&one(x, y, style)));
            }
        }
        let mut s = ltp_spec();
        s.y_range = Some((f64::NAN, 3.0));
        assert_well_formed(&timecourse_svg(&s));
        s.y_range = Some((90.0, 130.0)); // clips data, hline inside
        assert_well_formed(&timecourse_svg(&s));
        s.y_range = Some((200.0, 100.0)); // inverted: ignored
        assert_well_formed(&timecourse_svg(&s));
        s.markers.push(Marker::Event {
            x: f64::NAN,
            label: String::new(),
        });
        s.markers.push(Marker::Window {
            x0: 5.0,
            x1: 5.0,
            label: String::new(),
        });
        s.hline = Some(f64::INFINITY);
        assert_well_formed(&timecourse_svg(&s));
    }

    #[test]
    fn dense_line_is_decimated() {
        let x: Vec<f64> = (0..200_000).map(|i| i as f64 * 0.05).collect();
        let y: Vec<f64> = x.iter().map(|t| (t * 0.3).sin() * 10.0 - 65.0).collect();
        let svg = timecourse_svg(&TimecourseSpec {
            series: vec![Series {
                label: "V".into(),
                x,
                y,
                style: SeriesStyle::Line,
            }],
            ..TimecourseSpec::default()
        });
        assert_well_formed(&svg);
        assert!(svg.len() < 100_000, "{} bytes", svg.len());
    }

    #[test]
    fn decimation_keeps_extremes() {
        let px = vec![(0.0, 5.0), (0.1, 1.0), (0.2, 9.0), (0.3, 4.0), (1.0, 3.0)];
        assert_eq!(
            decimate(&px),
            vec![(0.0, 5.0), (0.1, 1.0), (0.2, 9.0), (0.3, 4.0), (1.0, 3.0)]
        );
        let px: Vec<(f64, f64)> = (0..100).map(|i| (0.0, (i % 7) as f64)).collect();
        let d = decimate(&px);
        assert!(d.len() <= 4);
        assert_eq!(d.iter().map(|p| p.1).fold(f64::MAX, f64::min), 0.0);
        assert_eq!(d.iter().map(|p| p.1).fold(0.0, f64::max), 6.0);
    }

    #[test]
    fn legend_avoids_data() {
        // Data fills the top right: legend must go elsewhere.
        let x: Vec<f64> = (0..50).map(f64::from).collect();
        let y: Vec<f64> = x
            .iter()
            .map(|&v| if v < 25.0 { 0.0 } else { 10.0 })
            .collect();
        let svg = timecourse_svg(&TimecourseSpec {
            series: vec![Series {
                label: "long legend label".into(),
                x,
                y,
                style: SeriesStyle::Points,
            }],
            ..TimecourseSpec::default()
        });
        let legend_rect = svg
            .split("fill-opacity=\"0.85\"")
            .next()
            .and_then(|s| s.rsplit("<rect x=\"").next())
            .unwrap();
        let lx: f64 = legend_rect.split('"').next().unwrap().parse().unwrap();
        assert!(lx < 320.0, "legend at x={lx}");
    }

    /// Number of ticks in the raster's spike path.
    fn spike_count(svg: &str) -> usize {
        svg.split("class=\"spikes\" d=\"").nth(1).map_or(0, |rest| {
            rest.split('"').next().unwrap_or("").matches('M').count()
        })
    }

    #[test]
    fn raster_basic_and_units() {
        let spec = RasterSpec {
            title: "E & I".into(),
            times_ms: vec![1.0, 5.0, 9.0, 20.0],
            neurons: vec![0, 3, 1, 2],
            n_neurons: 4,
            t_start_ms: 0.0,
            t_stop_ms: 10.0,
        };
        let svg = raster_svg(&spec);
        assert_well_formed(&svg);
        assert!(svg.contains("E &amp; I") && svg.contains("Time (ms)") && svg.contains("Neuron"));
        assert_eq!(spike_count(&svg), 3, "{svg}");
        let long = RasterSpec {
            t_stop_ms: 60_000.0,
            ..spec
        };
        assert!(raster_svg(&long).contains("Time (s)"));
    }

    #[test]
    fn raster_degenerate() {
        for spec in [
            RasterSpec::default(),
            RasterSpec {
                times_ms: vec![f64::NAN, 3.0],
                neurons: vec![0],
                ..RasterSpec::default()
            },
            RasterSpec {
                times_ms: vec![3.0, 3.0],
                neurons: vec![7, 9],
                t_start_ms: 5.0,
                t_stop_ms: 5.0,
                ..RasterSpec::default()
            },
            RasterSpec {
                times_ms: vec![1.0],
                neurons: vec![u32::MAX],
                n_neurons: 2,
                t_start_ms: 0.0,
                t_stop_ms: 2.0,
                ..RasterSpec::default()
            },
            RasterSpec {
                t_start_ms: f64::NEG_INFINITY,
                t_stop_ms: f64::NAN,
                n_neurons: 1,
                ..RasterSpec::default()
            },
        ] {
            assert_well_formed(&raster_svg(&spec));
        }
    }

    #[test]
    fn raster_subsamples_large_input() {
        let n = 450_000;
        let spec = RasterSpec {
            title: "big".into(),
            times_ms: (0..n).map(|i| i as f64 * 0.01).collect(),
            neurons: (0..n).map(|i| (i % 1000) as u32).collect(),
            n_neurons: 1000,
            t_start_ms: 0.0,
            t_stop_ms: 4500.0,
        };
        let svg = raster_svg(&spec);
        assert!(svg.contains("big (1 in 3 spikes shown)"));
        let spikes = spike_count(&svg);
        assert!((150_000..=150_010).contains(&spikes), "{spikes}");
        assert_well_formed(&svg);
    }
}
