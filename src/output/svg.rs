//! Charts as inline SVG for HTML pages, from the same [`ChartData`] the terminal draws.
//!
//! Every mark is an element of its own with a class and a `<title>` (read out by screen
//! readers, shown on hover): `rect.bar` for a bar, `circle.point` for a point of a line, so
//! that a page can be checked against its data by counting. Colours are SVG presentation
//! attributes, not `style`, so a page's Content-Security-Policy needs no inline styles for
//! them. Text is left to the browser's own shaping (Devanagari included); widths are
//! estimated from terminal columns, which is close enough to lay labels out.
//!
//! Drawn by hand rather than with a plotting crate: each mark must carry its label and a
//! class, text must stay text, and the drawing is a few hundred lines.

use std::fmt::Write as _;

use super::chart::{ChartData, ChartKind, number};
use super::html::escape;
use super::rows_text;
use super::text::{display_width, truncate};

/// The drawing's width in SVG units; pages scale it to their column.
pub const WIDTH: f64 = 760.0;
/// The most bars drawn; the rest are counted under the chart.
pub const MAX_BARS: usize = 150;
/// Pixels of an average character at the charts' 12px font.
const CHAR: f64 = 6.6;

/// Colours told apart by colour-blind readers (Okabe and Ito), then four more.
pub const PALETTE: [&str; 12] = [
    "#0072b2", "#e69f00", "#009e73", "#d55e00", "#cc79a7", "#56b4e9", "#f0e442", "#000000",
    "#8c564b", "#7f7f7f", "#bcbd22", "#17becf",
];

/// A chart drawn: the `<svg>` element, its title, the legend's entries, and notes on what
/// was left out.
#[derive(Debug, Clone, Default)]
pub struct Drawing {
    pub svg: String,
    pub title: String,
    pub legend: Vec<Key>,
    pub notes: Vec<String>,
}

/// One entry of a legend: a series' name and how it is drawn.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    pub name: String,
    pub colour: &'static str,
    /// A dashed line, for lines past the palette's colours.
    pub dashed: bool,
}

/// The chart of `data`.
pub fn chart(data: &ChartData) -> Drawing {
    let mut drawing = match data.spec.kind {
        ChartKind::Bar => bars(data),
        ChartKind::Line => lines(data),
    };
    if data.skipped > 0 {
        drawing.notes.push(format!(
            "{} without a number in {} not drawn.",
            rows_text(data.skipped),
            data.spec.y
        ));
    }
    drawing
}

/// One horizontal bar per point, in the result's order; with a series, bars of one label are
/// drawn together, coloured by series, the label written once.
fn bars(data: &ChartData) -> Drawing {
    let mut series: Vec<&str> = Vec::new();
    for (_, name, _) in &data.points[..data.points.len().min(MAX_BARS)] {
        if let Some(name) = name.as_deref()
            && !series.contains(&name)
        {
            series.push(name);
        }
    }
    // Within a run of one label, bars follow the legend's order, so that groups compare.
    let mut shown = data.points[..data.points.len().min(MAX_BARS)].to_vec();
    let rank = |name: &Option<String>| {
        name.as_deref()
            .and_then(|n| series.iter().position(|s| *s == n))
    };
    let mut start = 0;
    while start < shown.len() {
        let end = start
            + shown[start..]
                .iter()
                .take_while(|p| p.0 == shown[start].0)
                .count();
        shown[start..end].sort_by_key(|p| rank(&p.1));
        start = end;
    }
    let shown = &shown[..];
    let colour = |name: &Option<String>| match name {
        Some(name) => PALETTE[series.iter().position(|s| s == name).unwrap_or(0) % PALETTE.len()],
        None => PALETTE[0],
    };
    let label_chars = shown
        .iter()
        .map(|(x, _, _)| display_width(x))
        .max()
        .unwrap_or(0)
        .clamp(4, 32);
    let label_width = label_chars as f64 * CHAR + 8.0;
    let value_width = shown
        .iter()
        .map(|(_, _, v)| number(*v).len())
        .max()
        .unwrap_or(1) as f64
        * CHAR
        + 8.0;
    let area = WIDTH - label_width - value_width;
    let (low, high) = shown
        .iter()
        .fold((0.0_f64, 0.0_f64), |(lo, hi), (_, _, v)| {
            (lo.min(*v), hi.max(*v))
        });
    let scale = if high > low { area / (high - low) } else { 0.0 };
    let zero = label_width + (0.0 - low) * scale;
    let (bar, gap) = if series.is_empty() {
        (16.0, 4.0)
    } else {
        (10.0, 2.0)
    };
    let mut body = String::new();
    let mut y = 4.0;
    let mut previous: Option<&str> = None;
    for (x, name, value) in shown {
        if previous.is_some_and(|p| p != x) && !series.is_empty() {
            y += 8.0;
        }
        if previous != Some(x.as_str()) {
            let _ = write!(
                body,
                r#"<text class="label" x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
                label_width - 6.0,
                y + bar - 2.0,
                escape(&truncate(x, label_chars))
            );
        }
        previous = Some(x);
        let (left, right) = (
            zero.min(zero + value * scale),
            zero.max(zero + value * scale),
        );
        let title = match name {
            Some(name) => format!("{x} · {name}: {}", number(*value)),
            None => format!("{x}: {}", number(*value)),
        };
        let _ = write!(
            body,
            r#"<rect class="bar" x="{left:.1}" y="{y:.1}" width="{:.1}" height="{bar}" fill="{}"><title>{}</title></rect>"#,
            (right - left).max(0.5),
            colour(name),
            escape(&title)
        );
        let _ = write!(
            body,
            r#"<text class="value" x="{:.1}" y="{:.1}">{}</text>"#,
            right + 4.0,
            y + bar - 2.0,
            number(*value)
        );
        y += bar + gap;
    }
    let _ = write!(
        body,
        "<line class=\"axis\" x1=\"{zero:.1}\" y1=\"0\" x2=\"{zero:.1}\" y2=\"{:.1}\" stroke=\"#444\"/>",
        y + 2.0
    );
    let mut drawing = Drawing {
        svg: svg(y + 4.0, &title(data), &body),
        title: title(data),
        legend: series
            .iter()
            .map(|name| Key {
                name: name.to_string(),
                colour: colour(&Some(name.to_string())),
                dashed: false,
            })
            .collect(),
        notes: Vec::new(),
    };
    if data.points.len() > shown.len() {
        drawing.notes.push(format!(
            "The first {} bars are drawn; {} more are not.",
            shown.len(),
            rows_text(data.points.len() - shown.len())
        ));
    }
    drawing
}

/// One line per series over the steps of `X`, on one scale with labelled ticks; each value a
/// point.
fn lines(data: &ChartData) -> Drawing {
    let (steps, lines, hidden) = data.lines_over_steps();
    let (low, high) = ChartData::range(&lines);
    let ticks = ticks(low.min(0.0), high, 5);
    let (bottom, top) = (ticks[0], *ticks.last().expect("ticks are never empty"));
    let (left, right, upper, lower) = (64.0, WIDTH - 16.0, 12.0, 300.0);
    let x_of = |step: usize| match steps.len() {
        0 | 1 => (left + right) / 2.0,
        n => left + (right - left) * step as f64 / (n - 1) as f64,
    };
    let y_of = |value: f64| match top > bottom {
        true => lower - (lower - upper) * (value - bottom) / (top - bottom),
        false => lower,
    };
    let mut body = String::new();
    for tick in &ticks {
        let y = y_of(*tick);
        let _ = write!(
            body,
            "<line class=\"grid\" x1=\"{left}\" y1=\"{y:.1}\" x2=\"{right}\" y2=\"{y:.1}\" stroke=\"#ddd\"/>\
             <text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            left - 6.0,
            y + 4.0,
            number(*tick)
        );
    }
    // At most eight step labels, evenly spread, the first and last among them.
    let every = steps.len().div_ceil(8).max(1);
    for (i, step) in steps.iter().enumerate() {
        if i % every == 0 {
            let _ = write!(
                body,
                r#"<text class="step" x="{:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
                x_of(i),
                lower + 18.0,
                escape(&truncate(short_step(step), 14))
            );
        }
    }
    let mut legend = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        let colour = PALETTE[index % PALETTE.len()];
        // Lines past the palette's colours are dashed, so that no two look alike.
        let dash = match index >= PALETTE.len() {
            true => r#" stroke-dasharray="6 3""#,
            false => "",
        };
        let mut path = String::new();
        let mut pen_down = false;
        for (step, value) in line.values.iter().enumerate() {
            match value {
                Some(value) => {
                    let command = if pen_down { 'L' } else { 'M' };
                    let _ = write!(path, "{command}{:.1} {:.1} ", x_of(step), y_of(*value));
                    pen_down = true;
                }
                None => pen_down = false,
            }
        }
        let _ = write!(
            body,
            r#"<path class="line" d="{}" fill="none" stroke="{colour}" stroke-width="2"{dash}><title>{}</title></path>"#,
            path.trim_end(),
            escape(line.name)
        );
        for (step, value) in line.values.iter().enumerate() {
            if let Some(value) = value {
                let _ = write!(
                    body,
                    r#"<circle class="point" cx="{:.1}" cy="{:.1}" r="2.5" fill="{colour}"><title>{}</title></circle>"#,
                    x_of(step),
                    y_of(*value),
                    escape(&format!(
                        "{} · {}: {}",
                        line.name,
                        steps[step],
                        number(*value)
                    ))
                );
            }
        }
        legend.push(Key {
            name: line.name.to_string(),
            colour,
            dashed: !dash.is_empty(),
        });
    }
    let _ = write!(
        body,
        "<line class=\"axis\" x1=\"{left}\" y1=\"{lower}\" x2=\"{right}\" y2=\"{lower}\" stroke=\"#444\"/>"
    );
    let mut notes = Vec::new();
    if hidden > 0 {
        notes.push(format!(
            "The {} largest lines are drawn; {hidden} smaller are not.",
            lines.len()
        ));
    }
    Drawing {
        svg: svg(lower + 28.0, &title(data), &body),
        title: title(data),
        legend,
        notes,
    }
}

/// A timestamp step without a midnight time: `2024-07-01T00:00:00` reads `2024-07-01`.
fn short_step(step: &str) -> &str {
    step.strip_suffix("T00:00:00")
        .or_else(|| step.strip_suffix(" 00:00:00"))
        .unwrap_or(step)
}

fn title(data: &ChartData) -> String {
    match &data.spec.series {
        Some(series) => format!("{} by {} and {series}", data.spec.y, data.spec.x),
        None => format!("{} by {}", data.spec.y, data.spec.x),
    }
}

fn svg(height: f64, title: &str, body: &str) -> String {
    format!(
        "<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {height:.0}\" \
         role=\"img\" aria-label=\"{title}\" font-family=\"sans-serif\" font-size=\"12\">\
         <title>{title}</title>{body}</svg>",
        title = escape(title)
    )
}

/// Round values from at or below `low` to at or above `high`, a round step apart (1, 2, 2.5
/// or 5 times a power of ten), the step giving the number of intervals nearest `count`.
pub fn ticks(low: f64, high: f64, count: usize) -> Vec<f64> {
    // Equal ends, or no values at all (infinite or NaN ends).
    if high.partial_cmp(&low) != Some(std::cmp::Ordering::Greater) || !(high - low).is_finite() {
        return vec![low, low + 1.0];
    }
    let intervals = |step: f64| (high / step).ceil() - (low / step).floor();
    let magnitude = 10f64.powf(((high - low) / count.max(1) as f64).log10().floor());
    let step = [0.1, 1.0, 10.0]
        .into_iter()
        .flat_map(|scale| [1.0, 2.0, 2.5, 5.0].map(|m| m * scale * magnitude))
        .min_by(|a, b| {
            let off = |step: f64| (intervals(step) - count as f64).abs();
            // Nearest the count; of two as near, the one with fewer intervals.
            off(*a).total_cmp(&off(*b)).then(b.total_cmp(a))
        })
        .expect("candidates are never empty");
    let first = (low / step).floor() as i64;
    let last = (high / step).ceil() as i64;
    (first..=last).map(|i| i as f64 * step).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::chart::ChartSpec;

    fn data(hint: &str, points: &[(&str, Option<&str>, f64)]) -> ChartData {
        ChartData {
            spec: ChartSpec::parse(hint).unwrap().unwrap(),
            points: points
                .iter()
                .map(|(x, s, v)| (x.to_string(), s.map(str::to_string), *v))
                .collect(),
            skipped: 0,
        }
    }

    #[test]
    fn every_bar_is_a_titled_rect_and_labels_are_escaped() {
        let chart = data(
            "chart bar district firs",
            &[
                ("जयपुर", None, 12.0),
                ("<script>alert(1)</script>", None, 3.0),
            ],
        );
        let drawing = super::chart(&chart);
        assert_eq!(drawing.svg.matches("<rect class=\"bar\"").count(), 2);
        assert!(
            drawing.svg.contains("<title>जयपुर: 12</title>"),
            "{}",
            drawing.svg
        );
        assert!(!drawing.svg.contains("<script>"), "{}", drawing.svg);
        assert!(drawing.svg.contains("&lt;script&gt;"), "{}", drawing.svg);
        assert!(drawing.legend.is_empty());
    }

    #[test]
    fn series_colour_bars_and_fill_the_legend() {
        let chart = data(
            "chart bar district firs by category",
            &[
                ("Jaipur", Some("theft"), 5.0),
                ("Jaipur", Some("assault"), 2.0),
                ("Kota", Some("theft"), 1.0),
            ],
        );
        let drawing = super::chart(&chart);
        assert_eq!(drawing.svg.matches("class=\"bar\"").count(), 3);
        // A label is written once for its group of bars.
        assert_eq!(drawing.svg.matches(">Jaipur</text>").count(), 1);
        let legend: Vec<(&str, &str)> = drawing
            .legend
            .iter()
            .map(|key| (key.name.as_str(), key.colour))
            .collect();
        assert_eq!(legend, vec![("theft", PALETTE[0]), ("assault", PALETTE[1])]);
    }

    #[test]
    fn bars_past_the_limit_are_counted() {
        let points: Vec<(String, Option<&str>, f64)> = (0..MAX_BARS + 3)
            .map(|i| (format!("d{i}"), None, i as f64))
            .collect();
        let points: Vec<(&str, Option<&str>, f64)> = points
            .iter()
            .map(|(x, s, v)| (x.as_str(), *s, *v))
            .collect();
        let drawing = super::chart(&data("chart bar d n", &points));
        assert_eq!(drawing.svg.matches("class=\"bar\"").count(), MAX_BARS);
        assert_eq!(
            drawing.notes,
            vec![format!(
                "The first {MAX_BARS} bars are drawn; 3 rows more are not."
            )]
        );
    }

    #[test]
    fn lines_have_a_point_per_value_and_break_at_gaps() {
        let chart = data(
            "chart line month firs by offence",
            &[
                ("2024-06-01T00:00:00", Some("BNS 303"), 10.0),
                ("2024-07-01T00:00:00", Some("BNS 303"), 12.0),
                ("2024-06-01T00:00:00", Some("BNS 115"), 4.0),
                ("2024-08-01T00:00:00", Some("BNS 115"), 6.0),
            ],
        );
        let drawing = super::chart(&chart);
        assert_eq!(drawing.svg.matches("class=\"point\"").count(), 4);
        assert_eq!(drawing.svg.matches("class=\"line\"").count(), 2);
        // BNS 115 has no July: its path lifts the pen.
        let path = drawing
            .svg
            .split("class=\"line\" d=\"")
            .nth(2)
            .and_then(|rest| rest.split('"').next())
            .unwrap();
        assert_eq!(path.matches('M').count(), 2, "{path}");
        assert!(
            drawing.svg.contains(">2024-06-01</text>"),
            "{}",
            drawing.svg
        );
        assert_eq!(drawing.legend[0].name, "BNS 303");
    }

    #[test]
    fn ticks_are_round() {
        assert_eq!(
            ticks(0.0, 97.0, 5),
            vec![0.0, 20.0, 40.0, 60.0, 80.0, 100.0]
        );
        assert_eq!(ticks(0.0, 0.9, 4), vec![0.0, 0.25, 0.5, 0.75, 1.0]);
        assert_eq!(
            ticks(3.0, 30.0, 5),
            vec![0.0, 5.0, 10.0, 15.0, 20.0, 25.0, 30.0]
        );
        assert_eq!(ticks(3.0, 3.0, 5), vec![3.0, 4.0]);
    }
}
