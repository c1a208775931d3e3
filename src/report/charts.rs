//! Charts drawn with plotters, as SVG for the HTML report and as PNG for `--png-dir`. Bars
//! are drawn one by one in input order (not through plotters' `Histogram`, which iterates a
//! hash map), so the output is byte-identical run to run. Text is laid out and (in PNGs)
//! rendered with DejaVu Sans, compiled in: no system font, no browser.

use super::doc::Chart;
use anyhow::{anyhow, Result};
use plotters::coord::ranged1d::SegmentValue;
use plotters::coord::Shift;
use plotters::prelude::*;

const WIDTH: u32 = 860;
const FONT: &str = "sans-serif";

fn palette(series: &str) -> RGBColor {
    match series {
        "failures" | "alerts" => RGBColor(200, 55, 45),
        "successes" => RGBColor(46, 140, 70),
        "anomalies" => RGBColor(230, 130, 20),
        _ => RGBColor(52, 101, 164),
    }
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

pub fn svg(chart: &Chart) -> Result<String> {
    register_font()?;
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (WIDTH, height(chart))).into_drawing_area();
        draw(chart, &root)?;
    }
    Ok(out)
}

/// Writes the chart as a PNG file.
pub fn png(chart: &Chart, path: &std::path::Path) -> Result<()> {
    register_font()?;
    let root = BitMapBackend::new(path, (WIDTH, height(chart))).into_drawing_area();
    draw(chart, &root).map_err(|e| anyhow!("{}: {e}", path.display()))
}

fn height(chart: &Chart) -> u32 {
    match chart {
        Chart::Bars { labels, .. } => 70 + 26 * labels.len().max(1) as u32,
        Chart::Histogram { .. } => 320,
        Chart::Timeline { .. } => 340,
    }
}

fn draw<DB: DrawingBackend>(chart: &Chart, root: &DrawingArea<DB, Shift>) -> Result<()> {
    root.fill(&WHITE).map_err(err)?;
    match chart {
        Chart::Bars { title, labels, series } => bars(root, title, labels, series)?,
        Chart::Histogram { title, x_label, labels, counts } => histogram(root, title, x_label, labels, counts)?,
        Chart::Timeline { title, starts, series } => timeline(root, title, starts, series)?,
    }
    root.present().map_err(err)
}

fn bars<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    labels: &[String],
    series: &[(&str, Vec<u64>)],
) -> Result<()> {
    let n = labels.len().max(1);
    let totals: Vec<u64> = (0..labels.len()).map(|i| series.iter().map(|s| s.1[i]).sum()).collect();
    let max = totals.iter().copied().max().unwrap_or(0).max(1);
    let label_width = labels.iter().map(|l| l.chars().count().min(36)).max().unwrap_or(4) as u32 * 7 + 16;
    let mut chart = frame(root, title)
        .x_label_area_size(24)
        .y_label_area_size(label_width.min(300))
        .build_cartesian_2d(0u64..max + max / 20 + 1, (0usize..n).into_segmented())
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(n)
        // The first label goes on top: segment i shows label n-1-i.
        .y_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => {
                n.checked_sub(1 + i).and_then(|j| labels.get(j)).map(|l| label(l, 36)).unwrap_or_default()
            }
            _ => String::new(),
        })
        .x_label_formatter(&|v| v.to_string())
        .label_style((FONT, 13))
        .draw()
        .map_err(err)?;
    let mut base = vec![0u64; labels.len()];
    for (name, values) in series {
        let color = palette(name);
        let rects: Vec<Rectangle<(u64, SegmentValue<usize>)>> = values
            .iter()
            .enumerate()
            .filter(|(_, &v)| v > 0)
            .map(|(i, &v)| {
                let at = n - 1 - i;
                let mut r = Rectangle::new(
                    [(base[i], SegmentValue::Exact(at)), (base[i] + v, SegmentValue::Exact(at + 1))],
                    color.filled(),
                );
                r.set_margin(4, 4, 0, 0);
                base[i] += v;
                r
            })
            .collect();
        let drawn = chart.draw_series(rects).map_err(err)?;
        if series.len() > 1 {
            drawn.label(*name).legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], color.filled()));
        }
    }
    if series.len() > 1 {
        legend(&mut chart)?;
    }
    Ok(())
}

fn histogram<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    x_label: &str,
    labels: &[String],
    counts: &[u64],
) -> Result<()> {
    let n = labels.len().max(1);
    let max = counts.iter().copied().max().unwrap_or(0).max(1);
    let mut chart = frame(root, title)
        .x_label_area_size(40)
        .y_label_area_size(56)
        .build_cartesian_2d((0usize..n).into_segmented(), 0u64..max + max / 10 + 1)
        .map_err(err)?;
    let step = n.div_ceil(12);
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(n)
        .x_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) if i % step == 0 => labels.get(*i).cloned().unwrap_or_default(),
            _ => String::new(),
        })
        .x_desc(x_label)
        .y_desc("count")
        .label_style((FONT, 12))
        .draw()
        .map_err(err)?;
    let color = palette("");
    chart
        .draw_series(counts.iter().enumerate().filter(|(_, &c)| c > 0).map(|(i, &c)| {
            let mut r = Rectangle::new([(SegmentValue::Exact(i), 0), (SegmentValue::Exact(i + 1), c)], color.filled());
            r.set_margin(0, 0, 2, 2);
            r
        }))
        .map_err(err)?;
    Ok(())
}

fn timeline<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    title: &str,
    starts: &[String],
    series: &[(&str, Vec<u64>)],
) -> Result<()> {
    let n = starts.len().max(1);
    let events = &series[0].1;
    let max = events.iter().copied().max().unwrap_or(0).max(1);
    let max2 = series[1..].iter().flat_map(|s| s.1.iter().copied()).max().unwrap_or(0).max(1);
    let mut chart = frame(root, title)
        .x_label_area_size(40)
        .y_label_area_size(56)
        .right_y_label_area_size(if series.len() > 1 { 56 } else { 0 })
        .build_cartesian_2d(0f64..n as f64, 0u64..max + max / 10 + 1)
        .map_err(err)?
        .set_secondary_coord(0f64..n as f64, 0u64..max2 + max2 / 10 + 1);
    let day_or_more = starts.len() > 1
        && starts[0].get(..10) != starts.get(1).and_then(|s| s.get(..10))
        && starts[0].ends_with("00:00:00Z");
    let short = |i: usize| -> String {
        starts
            .get(i)
            .map_or(String::new(), |s| if day_or_more { s[..10].to_string() } else { s[5..16].replace('T', " ") })
    };
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(6)
        .x_label_formatter(&|x| short(*x as usize))
        .y_desc("events")
        .label_style((FONT, 12))
        .draw()
        .map_err(err)?;
    let color = palette("events");
    chart
        .draw_series(events.iter().enumerate().filter(|(_, &c)| c > 0).map(|(i, &c)| {
            let mut r = Rectangle::new([(i as f64, 0), (i as f64 + 1.0, c)], color.mix(0.75).filled());
            r.set_margin(0, 0, 1, 1);
            r
        }))
        .map_err(err)?
        .label("events")
        .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 12, y + 5)], color.filled()));
    if series.len() > 1 {
        chart.configure_secondary_axes().y_desc("alerts / anomalies").label_style((FONT, 12)).draw().map_err(err)?;
        for (name, values) in &series[1..] {
            let c = palette(name);
            chart
                // Points at bucket centres, over the bars of the same bucket.
                .draw_secondary_series(LineSeries::new(
                    values.iter().enumerate().map(|(i, &v)| (i as f64 + 0.5, v)),
                    c.stroke_width(2),
                ))
                .map_err(err)?
                .label(*name)
                .legend(move |(x, y)| PathElement::new([(x, y), (x + 12, y)], c.stroke_width(2)));
        }
    }
    legend(&mut chart)?;
    Ok(())
}

fn legend<'a, DB: DrawingBackend + 'a, X: plotters::coord::ranged1d::Ranged, Y: plotters::coord::ranged1d::Ranged>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
) -> Result<()> {
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .label_font((FONT, 12))
        .draw()
        .map_err(err)
}

/// The title and margin every chart has; the caller adds the axes.
fn frame<'a, 'b, DB: DrawingBackend>(root: &'a DrawingArea<DB, Shift>, title: &'b str) -> ChartBuilder<'a, 'b, DB> {
    let mut b = ChartBuilder::on(root);
    b.caption(title, (FONT, 17)).margin(10);
    b
}

/// A label from log data, clipped, with control characters (which XML cannot hold) replaced.
fn label(s: &str, max: usize) -> String {
    super::clip(s, max).replace(char::is_control, "\u{fffd}")
}
