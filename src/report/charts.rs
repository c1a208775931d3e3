//! Charts: laid out here once as a list of shapes in pixels, then written as inline SVG for
//! the HTML report (colours and fonts from the page's CSS, so they follow its light and dark
//! schemes; each bar carries its exact value as a tooltip) or drawn into a PNG by plotters'
//! bitmap backend for `--png-dir`. Text is measured with DejaVu Sans, compiled in (the PNG
//! font, and wider than most system fonts, so SVG labels fit too). Everything is drawn in
//! input order, so output is byte-identical run to run.

use super::doc::Chart;
use anyhow::{anyhow, Result};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::fmt::Write as _;

/// Width of a chart that spans the page, and of one in a half-width panel.
pub const WIDE: u32 = 1100;
pub const NARROW: u32 = 540;
const FONT: &str = "sans-serif";
/// Font sizes in pixels: the page's table text is 14px.
const TITLE: f64 = 15.0;
const LABEL: f64 = 13.0;
const TICK: f64 = 12.0;
const PAD: f64 = 12.0;
/// Plotters sizes text by the font's height (ascent + descent), CSS by its em: DejaVu
/// Sans is 1.164 em high, so a CSS size is this much larger in plotters' units.
const EM_HEIGHT: f64 = 1.164;

/// What a shape is; its colour comes from this (CSS classes in SVG, a palette in PNG).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Class {
    Title,
    Label,
    Tick,
    Axis,
    Grid,
    /// A series, by name (`events`, `failures`, ...).
    Series(&'static str),
    /// A series drawn as a line.
    Line(&'static str),
}

impl Class {
    fn css(self) -> String {
        match self {
            Class::Title => "t".into(),
            Class::Label => "l".into(),
            Class::Tick => "k".into(),
            Class::Axis => "ax".into(),
            Class::Grid => "gr".into(),
            Class::Series(s) => format!("s-{}", series_class(s)),
            Class::Line(s) => format!("ln s-{}", series_class(s)),
        }
    }

    fn rgb(self) -> RGBColor {
        match self {
            Class::Title | Class::Label => RGBColor(29, 36, 51),
            Class::Tick => RGBColor(70, 78, 94),
            Class::Axis => RGBColor(120, 128, 140),
            Class::Grid => RGBColor(226, 230, 236),
            Class::Series(s) | Class::Line(s) => match series_class(s) {
                "fail" => RGBColor(200, 55, 45),
                "ok" => RGBColor(46, 140, 70),
                "anom" => RGBColor(230, 130, 20),
                "crit" => RGBColor(122, 20, 60),
                "high" => RGBColor(200, 55, 45),
                "med" => RGBColor(230, 130, 20),
                "low" => RGBColor(200, 170, 40),
                _ => RGBColor(52, 101, 164),
            },
        }
    }
}

/// The colour family of a series name.
fn series_class(name: &str) -> &'static str {
    match name {
        "failures" | "alerts" => "fail",
        "successes" => "ok",
        "anomalies" => "anom",
        "critical" => "crit",
        "high" => "high",
        "medium" => "med",
        "low" => "low",
        _ => "ev",
    }
}

#[derive(Clone, Copy)]
enum Anchor {
    Start,
    Middle,
    End,
}

enum Shape {
    Rect {
        x: f64,
        y: f64,
        w: f64,
        h: f64,
        class: Class,
        tip: Option<String>,
    },
    Line {
        x1: f64,
        y1: f64,
        x2: f64,
        y2: f64,
        class: Class,
    },
    Path {
        points: Vec<(f64, f64)>,
        class: Class,
        tip: Option<String>,
    },
    Dot {
        x: f64,
        y: f64,
        class: Class,
        tip: Option<String>,
    },
    /// Text centred vertically on `y`.
    Text {
        x: f64,
        y: f64,
        text: String,
        anchor: Anchor,
        size: f64,
        class: Class,
    },
}

/// A laid-out chart.
pub struct Figure {
    pub width: u32,
    pub height: u32,
    title: String,
    shapes: Vec<Shape>,
}

impl Figure {
    fn new(width: u32, title: &str) -> Figure {
        let mut f = Figure { width, height: 0, title: title.to_string(), shapes: Vec::new() };
        f.text(PAD, 16.0, title, Anchor::Start, TITLE, Class::Title);
        f
    }

    fn text(&mut self, x: f64, y: f64, text: &str, anchor: Anchor, size: f64, class: Class) {
        self.shapes.push(Shape::Text { x, y, text: text.to_string(), anchor, size, class });
    }

    fn line(&mut self, x1: f64, y1: f64, x2: f64, y2: f64, class: Class) {
        self.shapes.push(Shape::Line { x1, y1, x2, y2, class });
    }

    fn rect(&mut self, x: f64, y: f64, w: f64, h: f64, class: Class, tip: String) {
        self.shapes.push(Shape::Rect { x, y, w, h, class, tip: Some(tip) });
    }

    /// Swatches and names of the series, in one row at `y` from `x`.
    fn legend(&mut self, mut x: f64, y: f64, series: &[(&'static str, bool)]) {
        for &(name, line) in series {
            if line {
                self.line(x, y, x + 14.0, y, Class::Line(name));
            } else {
                self.shapes.push(Shape::Rect {
                    x,
                    y: y - 5.0,
                    w: 12.0,
                    h: 10.0,
                    class: Class::Series(name),
                    tip: None,
                });
            }
            self.text(x + 18.0, y, name, Anchor::Start, LABEL, Class::Label);
            x += 18.0 + text_width(name, LABEL) + 18.0;
        }
    }
}

pub fn layout(chart: &Chart) -> Figure {
    match chart {
        Chart::Bars { title, labels, series, width } => bars(title, labels, series, *width),
        Chart::Histogram { title, x_label, y_label, labels, edges, counts } => {
            histogram(title, x_label, y_label, labels, *edges, counts)
        }
        Chart::Timeline { title, starts, bucket_seconds, series, right_axis } => {
            timeline(title, starts, *bucket_seconds, series, right_axis.as_deref())
        }
    }
}

/// Width of `text` in pixels at `size`, measured with the built-in font (a fallback estimate
/// when it cannot be read).
fn text_width(text: &str, size: f64) -> f64 {
    if register_font().is_ok() {
        if let Ok((w, _)) = (FONT, size * EM_HEIGHT).into_font().box_size(text) {
            return f64::from(w);
        }
    }
    text.chars().count() as f64 * size * 0.6
}

/// `text` cut with `…` to fit `max` pixels.
fn fit(text: &str, max: f64, size: f64) -> String {
    let clean = text.replace(char::is_control, "\u{fffd}");
    if text_width(&clean, size) <= max {
        return clean;
    }
    let chars: Vec<char> = clean.chars().collect();
    let (mut lo, mut hi) = (0, chars.len());
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        let s: String = chars[..mid].iter().collect::<String>() + "…";
        if text_width(&s, size) <= max {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    chars[..lo].iter().collect::<String>() + "…"
}

/// Tick values 0, step, 2·step, ... covering `max` with at most about `n` ticks, the step
/// a 1, 2 or 5 times a power of ten (whole numbers: these are counts).
fn ticks(max: u64, n: u64) -> (u64, Vec<u64>) {
    let max = max.max(1);
    let mut step = 1u64;
    'find: for p in 0..19 {
        for m in [1u64, 2, 5] {
            let s = m * 10u64.pow(p);
            if max.div_ceil(s) <= n {
                step = s;
                break 'find;
            }
        }
    }
    let top = max.div_ceil(step) * step;
    (top, (0..=top / step).map(|i| i * step).collect())
}

/// `1,234` for counts on axes and bars.
pub fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::with_capacity(s.len() + s.len() / 3);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn bars(title: &str, labels: &[String], series: &[(&'static str, Vec<u64>)], width: u32) -> Figure {
    let mut f = Figure::new(width, title);
    let w = f64::from(width);
    let mut top = 34.0;
    let n = labels.len();
    // A legend for several series, unless each series is the bar of the same name.
    if series.len() > 1 && !series.iter().zip(labels).all(|(s, l)| s.0 == l) {
        f.legend(PAD, 40.0, &series.iter().map(|s| (s.0, false)).collect::<Vec<_>>());
        top = 56.0;
    }
    let totals: Vec<u64> = (0..n).map(|i| series.iter().map(|s| s.1[i]).sum()).collect();
    let (axis_max, tick_values) = ticks(totals.iter().copied().max().unwrap_or(0), 6);
    let label_w = labels.iter().map(|l| text_width(l, LABEL)).fold(0.0, f64::max).min(w * 0.38) + 4.0;
    let value_w = text_width(&thousands(axis_max), TICK) + 10.0;
    let (x0, x1) = (PAD + label_w + 8.0, w - PAD - value_w);
    let row = 26.0;
    let bottom = top + row * n.max(1) as f64;
    let x_of = |v: u64| x0 + (x1 - x0) * v as f64 / axis_max as f64;
    for &t in &tick_values {
        let x = x_of(t);
        f.line(x, top, x, bottom, if t == 0 { Class::Axis } else { Class::Grid });
        f.text(x, bottom + 12.0, &thousands(t), Anchor::Middle, TICK, Class::Tick);
    }
    for (i, label) in labels.iter().enumerate() {
        let y = top + row * i as f64;
        f.text(PAD + label_w, y + row / 2.0, &fit(label, label_w, LABEL), Anchor::End, LABEL, Class::Label);
        let mut at = 0u64;
        for (name, values) in series {
            let v = values[i];
            if v > 0 {
                let tip = if series.len() > 1 && name != label {
                    format!("{label}: {} {name}", thousands(v))
                } else {
                    format!("{label}: {}", thousands(v))
                };
                f.rect(x_of(at), y + 4.0, x_of(at + v) - x_of(at), row - 8.0, Class::Series(name), tip);
            }
            at += v;
        }
        f.text(x_of(at) + 5.0, y + row / 2.0, &thousands(totals[i]), Anchor::Start, TICK, Class::Tick);
    }
    f.height = (bottom + 26.0) as u32;
    f
}

fn histogram(title: &str, x_label: &str, y_label: &str, labels: &[String], edges: bool, counts: &[u64]) -> Figure {
    let mut f = Figure::new(NARROW, title);
    let w = f64::from(NARROW);
    let (top, height) = (52.0, 190.0);
    let bottom = top + height;
    let (axis_max, tick_values) = ticks(counts.iter().copied().max().unwrap_or(0), 5);
    let y_w = text_width(&thousands(axis_max), TICK) + 16.0;
    let n = counts.len().max(1);
    let x0 = PAD + y_w;
    // Bars no wider than 72 px: a few bins do not stretch over the whole width.
    let slot = ((w - PAD - 8.0 - x0) / n as f64).min(72.0);
    let x1 = x0 + slot * n as f64;
    let y_of = |v: u64| bottom - height * v as f64 / axis_max as f64;
    for &t in &tick_values {
        let y = y_of(t);
        f.line(x0, y, x1, y, if t == 0 { Class::Axis } else { Class::Grid });
        f.text(x0 - 6.0, y, &thousands(t), Anchor::End, TICK, Class::Tick);
    }
    let bin = |i: usize| -> String {
        if edges {
            format!("{}–{}", labels[i], labels[i + 1])
        } else {
            labels[i].clone()
        }
    };
    for (i, &c) in counts.iter().enumerate() {
        let x = x0 + slot * i as f64;
        if c > 0 {
            let gap = (slot * 0.12).min(4.0);
            f.rect(
                x + gap / 2.0,
                y_of(c),
                slot - gap,
                bottom - y_of(c),
                Class::Series(""),
                format!("{}: {}", bin(i), thousands(c)),
            );
            if n <= 24 {
                f.text(x + slot / 2.0, y_of(c) - 8.0, &thousands(c), Anchor::Middle, TICK, Class::Tick);
            }
        }
    }
    // Labels at bin centres, or at the edges between bins (the last edge included); every
    // k-th when they would touch.
    let positions: Vec<(f64, &str)> = if edges {
        labels.iter().enumerate().map(|(i, l)| (x0 + slot * i as f64, l.as_str())).collect()
    } else {
        labels.iter().enumerate().map(|(i, l)| (x0 + slot * (i as f64 + 0.5), l.as_str())).collect()
    };
    let widest = positions.iter().map(|p| text_width(p.1, TICK)).fold(0.0, f64::max) + 8.0;
    let step = ((widest / slot).ceil() as usize).max(1);
    let last = positions.len().saturating_sub(1);
    for (i, &(x, l)) in positions.iter().enumerate() {
        let shown = i % step == 0 && (i == last || last - i >= step || !edges);
        if shown || (edges && i == last) {
            if edges {
                f.line(x, bottom, x, bottom + 4.0, Class::Axis);
            }
            f.text(x, bottom + 14.0, l, Anchor::Middle, TICK, Class::Tick);
        }
    }
    f.text((x0 + x1) / 2.0, bottom + 34.0, x_label, Anchor::Middle, LABEL, Class::Label);
    f.text(PAD, top - 18.0, y_label, Anchor::Start, TICK, Class::Tick);
    f.height = (bottom + 48.0) as u32;
    f
}

/// Short labels for bucket starts (`2024-03-05T10:00:00Z`): dates when buckets are a day or
/// more, else times, with the date where it changes.
fn time_labels(starts: &[String], bucket_seconds: i64) -> Vec<String> {
    let mut prev_day = "";
    starts
        .iter()
        .map(|s| {
            let (day, time) = (s.get(..10).unwrap_or(s), s.get(11..16).unwrap_or(""));
            let label = if bucket_seconds >= 86_400 {
                day.to_string()
            } else if day != prev_day {
                format!("{} {time}", day.get(5..).unwrap_or(day))
            } else {
                time.to_string()
            };
            prev_day = day;
            label
        })
        .collect()
}

fn timeline(
    title: &str,
    starts: &[String],
    bucket_seconds: i64,
    series: &[(&'static str, Vec<u64>)],
    right_axis: Option<&str>,
) -> Figure {
    let mut f = Figure::new(WIDE, title);
    let w = f64::from(WIDE);
    f.legend(PAD, 40.0, &series.iter().enumerate().map(|(i, s)| (s.0, i > 0)).collect::<Vec<_>>());
    let (top, height) = (72.0, 210.0);
    let bottom = top + height;
    let bars = &series[0].1;
    let lines = &series[1..];
    let (axis_max, tick_values) = ticks(bars.iter().copied().max().unwrap_or(0), 5);
    let line_max = lines.iter().flat_map(|s| s.1.iter().copied()).max().unwrap_or(0);
    let (right_max, right_ticks) = match right_axis {
        Some(_) => ticks(line_max, 5),
        None => (axis_max, Vec::new()),
    };
    let left_w = text_width(&thousands(axis_max), TICK) + 14.0;
    let right_w = if right_axis.is_some() { text_width(&thousands(right_max), TICK) + 14.0 } else { 0.0 };
    let (x0, x1) = (PAD + left_w, w - PAD - right_w.max(8.0));
    let n = bars.len().max(1);
    let slot = (x1 - x0) / n as f64;
    let y_left = |v: u64| bottom - height * v as f64 / axis_max as f64;
    let y_right = |v: u64| bottom - height * v as f64 / right_max.max(1) as f64;
    for &t in &tick_values {
        let y = y_left(t);
        f.line(x0, y, x1, y, if t == 0 { Class::Axis } else { Class::Grid });
        f.text(x0 - 6.0, y, &thousands(t), Anchor::End, TICK, Class::Tick);
    }
    if let Some(name) = right_axis {
        for &t in &right_ticks {
            f.text(x1 + 6.0, y_right(t), &thousands(t), Anchor::Start, TICK, Class::Tick);
        }
        f.text(w - PAD, top - 16.0, &format!("{name} (right axis)"), Anchor::End, TICK, Class::Tick);
        f.line(x1, top, x1, bottom, Class::Axis);
    }
    let labels = time_labels(starts, bucket_seconds);
    let name = series[0].0;
    for (i, &v) in bars.iter().enumerate() {
        if v > 0 {
            let gap = (slot * 0.15).min(3.0);
            let x = x0 + slot * i as f64;
            let tip = format!("{}: {} {name}", starts.get(i).map_or("", |s| s), thousands(v));
            f.rect(x + gap / 2.0, y_left(v), slot - gap, bottom - y_left(v), Class::Series(name), tip);
        }
    }
    let y_line = |v: u64| if right_axis.is_some() { y_right(v) } else { y_left(v) };
    for (name, values) in lines {
        let points: Vec<(f64, f64)> =
            values.iter().enumerate().map(|(i, &v)| (x0 + slot * (i as f64 + 0.5), y_line(v))).collect();
        f.shapes.push(Shape::Path { points: points.clone(), class: Class::Line(name), tip: Some((*name).to_string()) });
        for (i, &v) in values.iter().enumerate().filter(|(_, &v)| v > 0) {
            let tip = format!("{}: {} {name}", starts.get(i).map_or("", |s| s), thousands(v));
            f.shapes.push(Shape::Dot { x: points[i].0, y: points[i].1, class: Class::Series(name), tip: Some(tip) });
        }
    }
    // About eight time labels, at whole multiples of a step, never touching.
    let widest = labels.iter().map(|l| text_width(l, TICK)).fold(0.0, f64::max) + 16.0;
    let step = ((widest / slot).ceil() as usize).max(1);
    for (i, l) in labels.iter().enumerate().filter(|(i, _)| i % step == 0) {
        let x = x0 + slot * i as f64;
        f.line(x, bottom, x, bottom + 4.0, Class::Axis);
        // Labels that would stick out of the chart start (or end) at their tick.
        let half = text_width(l, TICK) / 2.0;
        let (at, anchor) = if x - half < 2.0 {
            (x, Anchor::Start)
        } else if x + half > w - 2.0 {
            (x, Anchor::End)
        } else {
            (x, Anchor::Middle)
        };
        f.text(at, bottom + 15.0, l, anchor, TICK, Class::Tick);
    }
    f.text(
        x1,
        bottom + 34.0,
        &format!("UTC, {} per bar", super::tally::duration(bucket_seconds)),
        Anchor::End,
        TICK,
        Class::Tick,
    );
    f.height = (bottom + 46.0) as u32;
    f
}

/// The figure as an inline SVG element (styled by the page's CSS classes).
pub fn svg(chart: &Chart) -> String {
    let f = layout(chart);
    let mut out = String::with_capacity(8192);
    let _ = write!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" role=\"img\" aria-label=\"{}\">",
        esc(&f.title),
        w = f.width,
        h = f.height
    );
    for s in &f.shapes {
        match s {
            Shape::Rect { x, y, w, h, class, tip } => {
                let _ = write!(
                    out,
                    "<rect class=\"{}\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{h:.1}\"",
                    class.css()
                );
                match tip {
                    Some(t) => {
                        let _ = write!(out, "><title>{}</title></rect>", esc(t));
                    }
                    None => out.push_str("/>"),
                }
            }
            Shape::Line { x1, y1, x2, y2, class } => {
                let _ = write!(
                    out,
                    "<line class=\"{}\" x1=\"{x1:.1}\" y1=\"{y1:.1}\" x2=\"{x2:.1}\" y2=\"{y2:.1}\"/>",
                    class.css()
                );
            }
            Shape::Path { points, class, tip } => {
                let pts: Vec<String> = points.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
                let _ = write!(out, "<polyline class=\"{}\" points=\"{}\">", class.css(), pts.join(" "));
                if let Some(t) = tip {
                    let _ = write!(out, "<title>{}</title>", esc(t));
                }
                out.push_str("</polyline>");
            }
            Shape::Dot { x, y, class, tip } => {
                let _ = write!(out, "<circle class=\"{}\" cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"3\">", class.css());
                if let Some(t) = tip {
                    let _ = write!(out, "<title>{}</title>", esc(t));
                }
                out.push_str("</circle>");
            }
            Shape::Text { x, y, text, anchor, size, class } => {
                if text.is_empty() {
                    continue;
                }
                let anchor = match anchor {
                    Anchor::Start => "start",
                    Anchor::Middle => "middle",
                    Anchor::End => "end",
                };
                let _ = write!(
                    out,
                    "<text class=\"{}\" x=\"{x:.1}\" y=\"{y:.1}\" text-anchor=\"{anchor}\" dominant-baseline=\"central\" font-size=\"{size}\">{}</text>",
                    class.css(),
                    esc(text)
                );
            }
        }
    }
    out.push_str("</svg>");
    out
}

/// Plotters reports errors with a backend type parameter; keep only the message.
fn err<E: std::fmt::Debug>(e: E) -> anyhow::Error {
    anyhow!("chart drawing failed: {e:?}")
}

/// DejaVu Sans (Bitstream Vera license, assets/fonts/LICENSE).
static DEJAVU_SANS: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

fn register_font() -> Result<()> {
    static REGISTERED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let ok = *REGISTERED.get_or_init(|| plotters::style::register_font(FONT, FontStyle::Normal, DEJAVU_SANS).is_ok());
    if ok {
        Ok(())
    } else {
        Err(anyhow!("the built-in chart font cannot be read"))
    }
}

/// Writes the chart as a PNG file: the same figure, on white (drawn into a temporary `.png`
/// beside it, then renamed into place, so an interrupted run leaves no half-drawn chart under
/// its name).
pub fn png(chart: &Chart, path: &std::path::Path) -> Result<()> {
    register_font()?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.logward-{}.tmp.png", std::process::id()));
    let done = draw_png(chart, &tmp)
        .map_err(|e| anyhow!("{}: {e}", path.display()))
        .and_then(|()| std::fs::rename(&tmp, path).map_err(|e| anyhow!("cannot write '{}': {e}", path.display())));
    if done.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    done
}

fn draw_png(chart: &Chart, path: &std::path::Path) -> Result<()> {
    let f = layout(chart);
    let root = BitMapBackend::new(path, (f.width, f.height)).into_drawing_area();
    root.fill(&WHITE).map_err(err)?;
    let p = |x: f64, y: f64| (x.round() as i32, y.round() as i32);
    for s in &f.shapes {
        match s {
            Shape::Rect { x, y, w, h, class, .. } => {
                root.draw(&Rectangle::new([p(*x, *y), p(x + w, y + h)], class.rgb().filled())).map_err(err)?
            }
            Shape::Line { x1, y1, x2, y2, class } => root
                .draw(&PathElement::new(vec![p(*x1, *y1), p(*x2, *y2)], class.rgb().stroke_width(1)))
                .map_err(err)?,
            Shape::Path { points, class, .. } => root
                .draw(&PathElement::new(
                    points.iter().map(|&(x, y)| p(x, y)).collect::<Vec<_>>(),
                    class.rgb().stroke_width(2),
                ))
                .map_err(err)?,
            Shape::Dot { x, y, class, .. } => {
                root.draw(&Circle::new(p(*x, *y), 3, class.rgb().filled())).map_err(err)?
            }
            Shape::Text { x, y, text, anchor, size, class } => {
                if text.is_empty() {
                    continue;
                }
                let h = match anchor {
                    Anchor::Start => HPos::Left,
                    Anchor::Middle => HPos::Center,
                    Anchor::End => HPos::Right,
                };
                let style = (FONT, size * EM_HEIGHT).into_font().color(&class.rgb()).pos(Pos::new(h, VPos::Center));
                root.draw_text(text, &style, p(*x, *y)).map_err(err)?;
            }
        }
    }
    root.present().map_err(|e| anyhow!("{e:?}"))
}

/// Escapes text for SVG inside XHTML; characters XML cannot hold become U+FFFD.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_cover_the_maximum() {
        assert_eq!(ticks(7, 6), (8, vec![0, 2, 4, 6, 8]));
        assert_eq!(ticks(5, 6), (5, vec![0, 1, 2, 3, 4, 5]));
        assert_eq!(ticks(13, 5).1, [0, 5, 10, 15]);
        assert_eq!(ticks(0, 5).1, [0, 1]);
        assert_eq!(ticks(1234, 6).1.last(), Some(&1500));
        assert_eq!(thousands(1234567), "1,234,567");
    }

    #[test]
    fn labels_are_cut_to_fit() {
        let s = fit("a-very-long-label-that-does-not-fit-anywhere", 80.0, LABEL);
        assert!(s.ends_with('…') && text_width(&s, LABEL) <= 80.0, "{s}");
        assert_eq!(fit("root", 80.0, LABEL), "root");
    }

    #[test]
    fn time_labels_name_the_day_where_it_changes() {
        let starts = ["2024-03-05T23:00:00Z", "2024-03-05T23:30:00Z", "2024-03-06T00:00:00Z"].map(String::from);
        assert_eq!(time_labels(&starts, 1800), ["03-05 23:00", "23:30", "03-06 00:00"]);
        assert_eq!(time_labels(&starts[..1], 86_400), ["2024-03-05"]);
    }

    fn texts(f: &Figure, class: Class) -> Vec<(f64, f64, String)> {
        f.shapes
            .iter()
            .filter_map(|s| match s {
                Shape::Text { x, y, text, class: c, .. } if *c == class && !text.is_empty() => {
                    Some((*x, *y, text.clone()))
                }
                _ => None,
            })
            .collect()
    }

    fn rects(f: &Figure) -> Vec<(f64, f64, f64, f64)> {
        f.shapes
            .iter()
            .filter_map(|s| match s {
                Shape::Rect { x, y, w, h, tip: Some(_), .. } => Some((*x, *y, *w, *h)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn bar_charts_label_each_bar_once_and_nothing_else() {
        let labels: Vec<String> = ["ssh_login", "web/access", "session_opened"].map(String::from).to_vec();
        let f = layout(&Chart::Bars {
            title: "Events by type".into(),
            labels: labels.clone(),
            series: vec![("events", vec![8, 5, 1])],
            width: WIDE,
        });
        let shown: Vec<String> = texts(&f, Class::Label).into_iter().map(|t| t.2).collect();
        assert_eq!(shown, labels, "one label per bar, no empty tick");
        // Grid lines only at the round ticks of the value axis.
        let grid = f.shapes.iter().filter(|s| matches!(s, Shape::Line { class: Class::Grid, .. })).count();
        assert!(grid <= 6, "{grid} grid lines");
        assert_eq!(rects(&f).len(), 3);
    }

    #[test]
    fn the_timeline_legend_stays_above_the_bars() {
        let starts: Vec<String> = (0..10).map(|i| format!("2024-01-{:02}T00:00:00Z", i + 1)).collect();
        let f = layout(&Chart::Timeline {
            title: "Events per 7d".into(),
            starts,
            bucket_seconds: 86_400,
            series: vec![
                ("events", vec![1, 2, 3, 4, 5, 6, 7, 8, 9, 40]),
                ("alerts", vec![0, 0, 1, 0, 0, 0, 0, 0, 0, 2]),
            ],
            right_axis: Some("alerts".into()),
        });
        let legend_bottom = texts(&f, Class::Label).iter().map(|t| t.1 + LABEL / 2.0).fold(0.0, f64::max);
        let tallest_top = rects(&f).iter().map(|r| r.1).fold(f64::MAX, f64::min);
        assert!(legend_bottom < tallest_top, "legend ends at {legend_bottom}, the tallest bar starts at {tallest_top}");
        let ticks = texts(&f, Class::Tick);
        assert!(ticks.iter().any(|t| t.2 == "2024-01-01"), "{ticks:?}");
        assert!(ticks.iter().all(|t| t.0 >= 0.0 && t.0 <= f64::from(WIDE)));
    }

    #[test]
    fn histograms_label_their_edges_to_the_last_and_skip_no_bin() {
        let edges: Vec<String> = (0..=12).map(|i| format!("{}", 2 + i)).collect();
        let f = layout(&Chart::Histogram {
            title: "Anomaly scores".into(),
            x_label: "logward.anomaly.score".into(),
            y_label: "records",
            labels: edges,
            edges: true,
            counts: vec![2, 0, 3, 1, 0, 1, 0, 2, 32, 1, 0, 1],
        });
        let shown: Vec<String> = texts(&f, Class::Tick).into_iter().map(|t| t.2).collect();
        assert!(
            shown.contains(&"2".to_string()) && shown.contains(&"14".to_string()),
            "first and last edge: {shown:?}"
        );
        assert_eq!(rects(&f).len(), 8, "a bar for each non-empty bin");
        // Bins: 1, 2–3, 4–7: a label under each, none empty.
        let f = layout(&Chart::Histogram {
            title: "Users by number of attempts".into(),
            x_label: "attempts per user".into(),
            y_label: "users",
            labels: ["1", "2–3", "4–7"].map(String::from).to_vec(),
            edges: false,
            counts: vec![5, 0, 1],
        });
        let shown: Vec<String> = texts(&f, Class::Tick).into_iter().map(|t| t.2).collect();
        for l in ["1", "2–3", "4–7"] {
            assert!(shown.contains(&l.to_string()), "{l}: {shown:?}");
        }
    }

    #[test]
    fn svg_text_has_the_page_sizes_and_no_fixed_colours() {
        let svg = svg(&Chart::Bars {
            title: "Alerts by level".into(),
            labels: vec!["high".into(), "<b>".into()],
            series: vec![("high", vec![2, 0]), ("medium", vec![0, 3])],
            width: NARROW,
        });
        assert!(svg.contains("font-size=\"13\"") && !svg.contains("font-size=\"9"), "{svg}");
        assert!(!svg.contains("fill=\"#") && !svg.contains("rgb("), "colours come from the page's CSS");
        assert!(svg.contains("&lt;b&gt;") && svg.contains("<title>high: 2</title>"));
    }
}
