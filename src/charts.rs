//! Charts as SVG text, drawn on the server with plotters. They carry no
//! meaning that is not also in the page's text: every chart is decorative
//! to assistive technology (`aria-hidden`) and sits beside a summary and a
//! table. Lines differ by dash and marker, not only colour, so they survive
//! black-and-white printing.

use crate::stats::compare::{Judgement, Tone};
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

const INK: RGBColor = RGBColor(11, 12, 12);
const GREY: RGBColor = RGBColor(80, 90, 95);
const LIGHT: RGBColor = RGBColor(177, 180, 182);
const HOME: RGBColor = RGBColor(0, 48, 120);
const REGION: RGBColor = RGBColor(145, 43, 136);
const FONT: &str = "Arial, Helvetica, sans-serif";

/// The fill Fingertips-style colour of a judgement (always shown with its
/// word elsewhere).
pub fn judgement_colour(j: Judgement) -> RGBColor {
    match j {
        Judgement::Better | Judgement::Best | Judgement::Green => RGBColor(0, 112, 60),
        Judgement::Similar | Judgement::Amber => RGBColor(255, 191, 71),
        Judgement::Worse | Judgement::Worst | Judgement::Red => RGBColor(212, 53, 28),
        Judgement::Higher => RGBColor(29, 112, 184),
        Judgement::Lower => RGBColor(140, 190, 230),
        Judgement::NotCompared => LIGHT,
    }
}

/// Which of the three comparators a line is; decides its look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Home,
    Region,
    Nation,
}

/// A point of a trend line: period index, value, 95% limits.
pub type LinePoint = (usize, f64, Option<(f64, f64)>);

/// One line of a trend chart.
pub struct Line {
    pub name: String,
    pub role: Role,
    pub points: Vec<LinePoint>,
}

/// Makes plotters' fixed-size SVG scale with its container. The fixed
/// `width` and `height` are dropped from plotters' own opening tag before
/// anything of ours is added, so a title holding `width=` cannot be cut.
fn finish(svg: String, title: &str) -> String {
    let (head, rest) = svg.split_once('>').unwrap_or((&svg, ""));
    // CSS sizes the chart; viewBox keeps its proportions.
    let head: Vec<&str> = head
        .split(' ')
        .filter(|a| !a.starts_with("width=") && !a.starts_with("height="))
        .collect();
    let head = head.join(" ").replacen(
        "<svg ",
        &format!(
            "<svg class=\"chart\" aria-hidden=\"true\" focusable=\"false\" preserveAspectRatio=\"xMinYMin meet\" data-title=\"{}\" ",
            escape(title)
        ),
        1,
    );
    format!("{head}>{rest}")
}

pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn range(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for v in values.filter(|v| v.is_finite()) {
        lo = lo.min(v);
        hi = hi.max(v);
    }
    if !lo.is_finite() {
        return None;
    }
    // Start at zero unless that squashes the lines; pad the top.
    let lo = if lo >= 0.0 && lo < (hi - lo) * 2.0 {
        0.0
    } else {
        lo
    };
    let pad = ((hi - lo) * 0.08).max(hi.abs() * 0.01).max(1e-9);
    Some((if lo == 0.0 { 0.0 } else { lo - pad }, hi + pad))
}

/// Axis and bar labels: the table's one decimal place (none in the
/// thousands, where axis ticks are whole).
fn short(v: f64) -> String {
    crate::numbers::number(v, if v.abs() >= 1000.0 { 0 } else { 1 })
}

/// The large trend chart: the area with its 95% interval, the region and
/// the nation, over every period.
pub fn trend(title: &str, periods: &[String], lines: &[Line], unit: &str) -> String {
    trend_with_target(title, periods, lines, unit, None)
}

/// A local target on a trend chart: a dotted level line with its label.
#[derive(Debug, Clone)]
pub struct TargetLine {
    pub label: String,
    pub value: f64,
}

/// `trend`, with the Board's local target drawn across it.
pub fn trend_with_target(
    title: &str,
    periods: &[String],
    lines: &[Line],
    unit: &str,
    target: Option<&TargetLine>,
) -> String {
    let mut svg = String::new();
    let size = (760u32, 360u32);
    let values = lines
        .iter()
        .flat_map(|l| {
            l.points
                .iter()
                .flat_map(|(_, v, ci)| [Some(*v), ci.map(|c| c.0), ci.map(|c| c.1)])
                .flatten()
        })
        .chain(target.map(|t| t.value));
    if let Some((lo, hi)) = range(values) {
        let _ = draw_trend(&mut svg, size, periods, lines, unit, (lo, hi), target);
    } else {
        let _ = empty(&mut svg, size, "No values to chart");
    }
    finish(svg, title)
}

fn draw_trend(
    svg: &mut String,
    size: (u32, u32),
    periods: &[String],
    lines: &[Line],
    unit: &str,
    (lo, hi): (f64, f64),
    target: Option<&TargetLine>,
) -> Result<(), Box<dyn std::error::Error>> {
    let root = SVGBackend::with_string(svg, size).into_drawing_area();
    root.fill(&WHITE)?;
    let n = periods.len().max(1);
    let mut chart = ChartBuilder::on(&root)
        .margin(12)
        .x_label_area_size(48)
        .y_label_area_size(64)
        .build_cartesian_2d(-0.5f64..(n as f64 - 0.5), lo..hi)?;
    // Show at most ~8 period labels so they never overlap.
    let step = n.div_ceil(8).max(1);
    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(RGBColor(243, 242, 241))
        .bold_line_style(RGBColor(222, 224, 226))
        .axis_style(GREY)
        .x_labels(n)
        .x_label_formatter(&|x| {
            let i = x.round();
            if (x - i).abs() > 1e-6
                || i < 0.0
                || (i as usize) >= n
                || !(i as usize).is_multiple_of(step)
            {
                return String::new();
            }
            periods.get(i as usize).cloned().unwrap_or_default()
        })
        .y_label_formatter(&|y| short(*y))
        .y_desc(unit)
        .label_style((FONT, 17, &INK))
        .axis_desc_style((FONT, 17, &INK))
        .draw()?;

    if let Some(t) = target {
        // Dotted, so it reads as a level, not as another area's line.
        let ends = vec![(-0.5, t.value), (n as f64 - 0.5, t.value)];
        chart
            .draw_series(DashedLineSeries::new(ends, 2, 4, GREY.stroke_width(2)))?
            .label(t.label.clone())
            .legend(|(x, y)| PathElement::new([(x, y), (x + 8, y)], GREY.stroke_width(2)));
    }
    for line in lines {
        let pts: Vec<(f64, f64)> = line
            .points
            .iter()
            .map(|(x, v, _)| (*x as f64, *v))
            .collect();
        match line.role {
            Role::Nation => {
                chart
                    .draw_series(DashedLineSeries::new(
                        pts.clone(),
                        8,
                        5,
                        INK.stroke_width(2),
                    ))?
                    .label(line.name.clone())
                    .legend(|(x, y)| PathElement::new([(x, y), (x + 8, y)], INK.stroke_width(2)));
            }
            Role::Region => {
                chart
                    .draw_series(LineSeries::new(pts.clone(), REGION.stroke_width(2)))?
                    .label(line.name.clone())
                    .legend(|(x, y)| TriangleMarker::new((x + 8, y), 5, REGION.filled()));
                chart.draw_series(
                    pts.iter()
                        .map(|p| TriangleMarker::new(*p, 5, REGION.filled())),
                )?;
            }
            Role::Home => {
                // 95% intervals as whiskers with caps.
                for (x, _, ci) in &line.points {
                    let Some((l, u)) = ci else { continue };
                    let x = *x as f64;
                    let s = HOME.stroke_width(1);
                    chart.draw_series([
                        PathElement::new([(x, *l), (x, *u)], s),
                        PathElement::new([(x - 0.08, *l), (x + 0.08, *l)], s),
                        PathElement::new([(x - 0.08, *u), (x + 0.08, *u)], s),
                    ])?;
                }
                chart
                    .draw_series(LineSeries::new(pts.clone(), HOME.stroke_width(3)))?
                    .label(line.name.clone())
                    .legend(|(x, y)| Circle::new((x + 8, y), 5, HOME.filled()));
                chart.draw_series(pts.iter().map(|p| Circle::new(*p, 5, HOME.filled())))?;
            }
        }
    }
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperRight)
        .background_style(WHITE.mix(0.9))
        .border_style(LIGHT)
        .label_font((FONT, 17, &INK))
        .draw()?;
    root.present()?;
    Ok(())
}

/// One bar of the compare-areas chart.
pub struct Bar {
    pub name: String,
    pub value: f64,
    pub ci: Option<(f64, f64)>,
    pub judgement: Judgement,
    pub highlight: bool,
}

/// Areas side by side, sorted by the caller, with 95% intervals, the
/// benchmark as a dashed line and the home area outlined and in bold.
pub fn compare(title: &str, bars: &[Bar], benchmark: Option<(&str, f64)>, unit: &str) -> String {
    let mut svg = String::new();
    let row = 26u32;
    let size = (760u32, 60 + row * bars.len().max(1) as u32);
    let values = bars
        .iter()
        .flat_map(|b| [Some(b.value), b.ci.map(|c| c.0), b.ci.map(|c| c.1)])
        .flatten()
        .chain(benchmark.map(|b| b.1));
    match range(values) {
        Some(r) if !bars.is_empty() => {
            let _ = draw_compare(&mut svg, size, row, bars, benchmark, unit, r);
        }
        _ => {
            let _ = empty(&mut svg, (760, 80), "No values to compare");
        }
    }
    finish(svg, title)
}

fn draw_compare(
    svg: &mut String,
    size: (u32, u32),
    row: u32,
    bars: &[Bar],
    benchmark: Option<(&str, f64)>,
    unit: &str,
    (lo, hi): (f64, f64),
) -> Result<(), Box<dyn std::error::Error>> {
    let root = SVGBackend::with_string(svg, size).into_drawing_area();
    root.fill(&WHITE)?;
    let (left, right, top) = (230i32, 150i32, 34i32);
    let width = size.0 as i32 - left - right;
    let x = |v: f64| left + ((v - lo) / (hi - lo) * width as f64).round() as i32;
    let label = |size: u32, bold: bool| {
        let style = if bold {
            (FONT, size).into_font().style(FontStyle::Bold)
        } else {
            (FONT, size).into_font()
        };
        style.color(&INK)
    };
    root.draw(&Text::new(
        unit.to_owned(),
        (left, 8),
        label(13, false).pos(Pos::new(HPos::Left, VPos::Top)),
    ))?;
    for (i, bar) in bars.iter().enumerate() {
        let y0 = top + (i as u32 * row) as i32;
        let (y1, y2) = (y0 + 4, y0 + row as i32 - 4);
        root.draw(&Text::new(
            bar.name.clone(),
            (left - 8, (y1 + y2) / 2),
            label(14, bar.highlight).pos(Pos::new(HPos::Right, VPos::Center)),
        ))?;
        let colour = judgement_colour(bar.judgement);
        root.draw(&Rectangle::new(
            [(x(lo.max(0.0).min(hi)), y1), (x(bar.value), y2)],
            colour.filled(),
        ))?;
        if bar.highlight {
            root.draw(&Rectangle::new(
                [(x(lo.max(0.0).min(hi)), y1), (x(bar.value), y2)],
                INK.stroke_width(2),
            ))?;
        }
        if let Some((l, u)) = bar.ci {
            let mid = (y1 + y2) / 2;
            let s = INK.stroke_width(1);
            root.draw(&PathElement::new([(x(l), mid), (x(u), mid)], s))?;
            root.draw(&PathElement::new([(x(l), mid - 5), (x(l), mid + 5)], s))?;
            root.draw(&PathElement::new([(x(u), mid - 5), (x(u), mid + 5)], s))?;
        }
        let word = match bar.judgement.tone() {
            Tone::NotCompared => String::new(),
            _ => format!(" ({})", bar.judgement.label().to_lowercase()),
        };
        root.draw(&Text::new(
            format!("{}{word}", short(bar.value)),
            (left + width + 8, (y1 + y2) / 2),
            label(13, bar.highlight).pos(Pos::new(HPos::Left, VPos::Center)),
        ))?;
    }
    if let Some((name, v)) = benchmark {
        let bottom = top + (bars.len() as u32 * row) as i32;
        root.draw(&PathElement::new(
            [(x(v), top - 6), (x(v), bottom)],
            INK.stroke_width(2),
        ))?;
        root.draw(&Text::new(
            format!("{name} {}", short(v)),
            (x(v), bottom + 6),
            label(13, false).pos(Pos::new(HPos::Center, VPos::Top)),
        ))?;
    }
    root.present()?;
    Ok(())
}

/// A small trend line for tables (values only, oldest first).
pub fn sparkline(values: &[Option<f64>]) -> String {
    let mut svg = String::new();
    let size = (120u32, 32u32);
    let _ = draw_sparkline(&mut svg, size, values);
    finish(svg, "")
}

fn draw_sparkline(
    svg: &mut String,
    size: (u32, u32),
    values: &[Option<f64>],
) -> Result<(), Box<dyn std::error::Error>> {
    let root = SVGBackend::with_string(svg, size).into_drawing_area();
    let present: Vec<(usize, f64)> = values
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.map(|v| (i, v)))
        .collect();
    let (lo, hi) = present
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), (_, v)| {
            (a.min(*v), b.max(*v))
        });
    if present.is_empty() {
        root.present()?;
        return Ok(());
    }
    let span = if hi > lo { hi - lo } else { 1.0 };
    let n = values.len().max(2) - 1;
    let pt = |(i, v): (usize, f64)| {
        (
            4 + (i as f64 / n as f64 * (size.0 - 8) as f64) as i32,
            (size.1 as i32 - 4) - ((v - lo) / span * (size.1 - 8) as f64) as i32,
        )
    };
    let pts: Vec<(i32, i32)> = present.iter().copied().map(pt).collect();
    root.draw(&PathElement::new(pts.clone(), HOME.stroke_width(2)))?;
    if let Some(last) = pts.last() {
        root.draw(&Circle::new(*last, 3, HOME.filled()))?;
    }
    root.present()?;
    Ok(())
}

/// A spine-chart row: the range of areas (lightest), their middle half
/// (darker), the benchmark (a vertical line) and the area (a circle in its
/// judgement's colour, outlined).
pub struct Spine {
    pub min: f64,
    pub q1: f64,
    pub q3: f64,
    pub max: f64,
    pub benchmark: Option<f64>,
    pub value: f64,
    pub judgement: Judgement,
}

pub fn spine(title: &str, s: &Spine) -> String {
    let mut svg = String::new();
    let _ = draw_spine(&mut svg, (760, 70), s);
    finish(svg, title)
}

fn draw_spine(
    svg: &mut String,
    size: (u32, u32),
    s: &Spine,
) -> Result<(), Box<dyn std::error::Error>> {
    let root = SVGBackend::with_string(svg, size).into_drawing_area();
    root.fill(&WHITE)?;
    let (left, right) = (20i32, size.0 as i32 - 20);
    let span = if s.max > s.min { s.max - s.min } else { 1.0 };
    let x = |v: f64| left + ((v - s.min) / span * (right - left) as f64).round() as i32;
    let text = |t: String, at: (i32, i32), h: HPos| {
        Text::new(
            t,
            at,
            (FONT, 13)
                .into_font()
                .color(&INK)
                .pos(Pos::new(h, VPos::Top)),
        )
    };
    root.draw(&Rectangle::new(
        [(x(s.min), 14), (x(s.max), 38)],
        RGBColor(222, 224, 226).filled(),
    ))?;
    root.draw(&Rectangle::new(
        [(x(s.q1), 14), (x(s.q3), 38)],
        RGBColor(140, 146, 150).filled(),
    ))?;
    if let Some(b) = s.benchmark {
        root.draw(&PathElement::new(
            [(x(b), 8), (x(b), 44)],
            INK.stroke_width(3),
        ))?;
    }
    root.draw(&Circle::new(
        (x(s.value), 26),
        8,
        judgement_colour(s.judgement).filled(),
    ))?;
    root.draw(&Circle::new((x(s.value), 26), 8, INK.stroke_width(2)))?;
    root.draw(&text(
        format!("Lowest {}", short(s.min)),
        (left, 48),
        HPos::Left,
    ))?;
    root.draw(&text(
        format!("Highest {}", short(s.max)),
        (right, 48),
        HPos::Right,
    ))?;
    root.present()?;
    Ok(())
}

/// The partnership self-assessment: a row per descriptor, a column per
/// level (lowest left), and a marker per assessment, each assessment its
/// own shape (named in the legend) so the chart reads without colour.
/// `marks[a][d]` is assessment `a`'s level index for descriptor `d`.
pub fn levels(
    title: &str,
    descriptors: &[String],
    levels: &[String],
    assessments: &[String],
    marks: &[Vec<Option<usize>>],
) -> String {
    let mut svg = String::new();
    let rows = descriptors.len().max(1) as u32;
    let size = (760u32, 70 + 30 * rows);
    let _ = draw_levels(&mut svg, size, descriptors, levels, assessments, marks);
    finish(svg, title)
}

fn draw_levels(
    svg: &mut String,
    size: (u32, u32),
    descriptors: &[String],
    levels: &[String],
    assessments: &[String],
    marks: &[Vec<Option<usize>>],
) -> Result<(), Box<dyn std::error::Error>> {
    let root = SVGBackend::with_string(svg, size).into_drawing_area();
    root.fill(&WHITE)?;
    let (left, right, top) = (300i32, size.0 as i32 - 10, 60i32);
    let cols = levels.len().max(1) as i32;
    let col_w = (right - left) / cols;
    let font = |px: u32, h: HPos| {
        (FONT, px)
            .into_font()
            .color(&INK)
            .pos(Pos::new(h, VPos::Center))
    };
    // Level headings and column guides.
    for (i, level) in levels.iter().enumerate() {
        let x = left + col_w * i as i32 + col_w / 2;
        root.draw(&Text::new(
            level.clone(),
            (x, top - 12),
            font(14, HPos::Center),
        ))?;
        root.draw(&PathElement::new(
            [(x, top), (x, size.1 as i32 - 4)],
            RGBColor(222, 224, 226).stroke_width(1),
        ))?;
    }
    // Legend: each assessment's shape and name.
    let mut lx = 10;
    for (i, name) in assessments.iter().enumerate() {
        draw_mark(&root, i, (lx + 6, 16))?;
        root.draw(&Text::new(
            name.clone(),
            (lx + 16, 16),
            font(13, HPos::Left),
        ))?;
        lx += 24 + 7 * name.chars().count() as i32;
    }
    let n = assessments.len().max(1) as i32;
    for (d, label) in descriptors.iter().enumerate() {
        let y = top + 15 + 30 * d as i32;
        let mut text: String = label.chars().take(40).collect();
        if label.chars().count() > 40 {
            text.push('…');
        }
        root.draw(&Text::new(text, (left - 8, y), font(13, HPos::Right)))?;
        for (a, row) in marks.iter().enumerate() {
            let Some(Some(level)) = row.get(d) else {
                continue;
            };
            // Side by side within the cell, so equal levels stay visible.
            let offset = (a as i32 - (n - 1) / 2) * 14;
            let x = left + col_w * *level as i32 + col_w / 2 + offset;
            draw_mark(&root, a, (x, y))?;
        }
    }
    root.present()?;
    Ok(())
}

/// Assessment `i`'s marker: circle, triangle, square, diamond, then again.
fn draw_mark<DB: DrawingBackend>(
    root: &DrawingArea<DB, plotters::coord::Shift>,
    i: usize,
    (x, y): (i32, i32),
) -> Result<(), Box<dyn std::error::Error>>
where
    DB::ErrorType: 'static,
{
    let colour = [HOME, REGION, INK, GREY][i % 4];
    match i % 4 {
        0 => root.draw(&Circle::new((x, y), 6, colour.filled()))?,
        1 => root.draw(&TriangleMarker::new((x, y), 7, colour.filled()))?,
        2 => root.draw(&Rectangle::new(
            [(x - 5, y - 5), (x + 5, y + 5)],
            colour.filled(),
        ))?,
        _ => root.draw(&Polygon::new(
            vec![(x, y - 7), (x + 7, y), (x, y + 7), (x - 7, y)],
            colour.filled(),
        ))?,
    }
    Ok(())
}

fn empty(
    svg: &mut String,
    size: (u32, u32),
    message: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    let root = SVGBackend::with_string(svg, size).into_drawing_area();
    root.fill(&WHITE)?;
    root.draw(&Text::new(
        message.to_owned(),
        (20, 20),
        (FONT, 14).into_font().color(&INK),
    ))?;
    root.present()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charts_are_scalable_hidden_svg_with_no_inline_styles() {
        let lines = vec![
            Line {
                name: "Halton".into(),
                role: Role::Home,
                points: vec![(0, 10.0, Some((8.0, 12.0))), (1, 11.0, None)],
            },
            Line {
                name: "England".into(),
                role: Role::Nation,
                points: vec![(0, 9.0, None), (1, 9.5, None)],
            },
        ];
        let svg = trend("t", &["2021".into(), "2022".into()], &lines, "%");
        assert!(
            svg.starts_with("<svg class=\"chart\" aria-hidden=\"true\""),
            "{svg:.200}"
        );
        assert!(svg.contains("viewBox=\"0 0 760 360\""));
        let open_tag = &svg[..svg.find('>').unwrap()];
        assert!(
            !open_tag.contains(" width="),
            "fixed size removed: {open_tag}"
        );
        assert!(!svg.contains("style="), "CSP forbids inline styles");
        // plotters writes text content on its own line.
        assert!(
            svg.contains("\n2022\n") && svg.contains("\nHalton\n"),
            "{svg}"
        );
        let bars = [Bar {
            name: "A & B".into(),
            value: 5.0,
            ci: Some((4.0, 6.0)),
            judgement: Judgement::Worse,
            highlight: true,
        }];
        let svg = compare("c", &bars, Some(("England", 4.5)), "%");
        assert!(svg.contains("5.0 (worse)"), "judgement in words: {svg}");
        assert!(svg.contains("A &amp; B"));
        assert!(sparkline(&[Some(1.0), None, Some(2.0)]).contains("<circle"));
        assert!(trend("t", &[], &[], "%").contains("No values to chart"));
    }
}
