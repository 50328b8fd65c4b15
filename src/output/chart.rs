//! Charts drawn with Unicode blocks under a result in the terminal, from a report's
//! `-- output: chart KIND X Y [by SERIES]` hint.
//!
//! - `bar`: one bar per row, `X` as its label and `Y` its length, in the result's order;
//!   with `by SERIES` the label is `X · SERIES`.
//! - `line`: one line of the chart per series (`by SERIES`, or `Y` alone), a sparkline of `Y`
//!   over the values of `X` in the order they first appear; all lines share one scale, so
//!   their heights compare.
//!
//! Labels are measured in terminal columns (Devanagari's combining marks take none), so bars
//! and lines start in one column whatever the script.

use std::collections::HashMap;
use std::fmt::Write as _;

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, Float64Array, RecordBatch};
use arrow::compute::cast;
use arrow::datatypes::DataType;
use arrow::util::display::{ArrayFormatter, FormatOptions};

use super::text::{display_width, truncate};

/// What a report's chart hint asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartSpec {
    pub kind: ChartKind,
    /// The column along the axis: a bar's label, a line's steps.
    pub x: String,
    /// The column of values.
    pub y: String,
    /// The column whose values make separate lines (or label bars further).
    pub series: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChartKind {
    Bar,
    Line,
}

impl ChartSpec {
    /// The chart the first readable chart hint among `hints` asks for.
    pub fn from_hints(hints: &[String]) -> Option<ChartSpec> {
        hints.iter().find_map(|hint| ChartSpec::parse(hint)?.ok())
    }

    /// Reads an `-- output:` hint: `None` if it is not a chart hint, an error (what is wrong,
    /// and the form) if it is one that cannot be read.
    pub fn parse(hint: &str) -> Option<Result<ChartSpec, String>> {
        let mut words = hint.split_whitespace();
        if words.next() != Some("chart") {
            return None;
        }
        let words: Vec<&str> = words.collect();
        const FORM: &str = "write `chart bar|line X Y [by SERIES]`";
        let kind = match words.first() {
            Some(&"bar") => ChartKind::Bar,
            Some(&"line") => ChartKind::Line,
            Some(other) => {
                return Some(Err(format!("unknown chart kind `{other}` ({FORM})")));
            }
            None => return Some(Err(format!("the chart hint names no kind ({FORM})"))),
        };
        let spec = match words[1..] {
            [x, y] => ChartSpec {
                kind,
                x: x.to_string(),
                y: y.to_string(),
                series: None,
            },
            [x, y, "by", series] => ChartSpec {
                kind,
                x: x.to_string(),
                y: y.to_string(),
                series: Some(series.to_string()),
            },
            _ => return Some(Err(format!("cannot read the chart hint `{hint}` ({FORM})"))),
        };
        Some(Ok(spec))
    }
}

/// The numbers and labels a chart draws, read from a result.
#[derive(Debug, Clone, PartialEq)]
pub struct ChartData {
    pub spec: ChartSpec,
    /// One point per row with a value: (x label, series label, value).
    pub points: Vec<(String, Option<String>, f64)>,
    /// Rows left out because their value is NULL or not a number.
    pub skipped: usize,
}

impl ChartData {
    /// The chart's points from a result's batches; an error names a column the result lacks,
    /// or a value column that holds no numbers.
    pub fn from_batches(spec: &ChartSpec, batches: &[RecordBatch]) -> Result<ChartData, String> {
        let mut data = ChartData::empty(spec);
        for batch in batches {
            data.add(batch)?;
        }
        Ok(data)
    }

    /// A chart with no points yet, to [`add`](Self::add) batches to as they arrive.
    pub fn empty(spec: &ChartSpec) -> ChartData {
        ChartData {
            spec: spec.clone(),
            points: Vec::new(),
            skipped: 0,
        }
    }

    /// Adds one batch's points.
    pub fn add(&mut self, batch: &RecordBatch) -> Result<(), String> {
        let spec = &self.spec;
        let options = FormatOptions::default().with_null("NULL");
        let x = column_of(batch, &spec.x, "chart")?;
        let series = spec
            .series
            .as_deref()
            .map(|name| column_of(batch, name, "chart"))
            .transpose()?;
        let values = numbers_of(batch, &spec.y, "chart")?;
        let x_text = ArrayFormatter::try_new(x.as_ref(), &options).map_err(|e| e.to_string())?;
        let series_text = series
            .as_ref()
            .map(|s| ArrayFormatter::try_new(s.as_ref(), &options))
            .transpose()
            .map_err(|e| e.to_string())?;
        for row in 0..batch.num_rows() {
            if values.is_null(row) || !values.value(row).is_finite() {
                self.skipped += 1;
                continue;
            }
            self.points.push((
                x_text.value(row).to_string(),
                series_text.as_ref().map(|s| s.value(row).to_string()),
                values.value(row),
            ));
        }
        Ok(())
    }

    /// The points of a line chart as lines over shared steps: the steps in the order they
    /// first appear, the lines largest total first (at most [`MAX_LINES`]), and how many
    /// smaller lines were left out.
    pub fn lines_over_steps(&self) -> (Vec<&str>, Vec<Line<'_>>, usize) {
        let mut steps: Vec<&str> = Vec::new();
        let mut step_of: HashMap<&str, usize> = HashMap::new();
        for (x, _, _) in &self.points {
            step_of.entry(x).or_insert_with(|| {
                steps.push(x);
                steps.len() - 1
            });
        }
        let mut lines: Vec<Line> = Vec::new();
        let mut line_of: HashMap<&str, usize> = HashMap::new();
        for (x, series, value) in &self.points {
            let name = series.as_deref().unwrap_or(&self.spec.y);
            let step = step_of[x.as_str()];
            let index = *line_of.entry(name).or_insert_with(|| {
                lines.push(Line {
                    name,
                    values: vec![None; steps.len()],
                    total: 0.0,
                });
                lines.len() - 1
            });
            let line = &mut lines[index];
            line.values[step] = Some(line.values[step].unwrap_or(0.0) + value);
            line.total += value;
        }
        lines.sort_by(|a, b| b.total.total_cmp(&a.total));
        let hidden = lines.len().saturating_sub(MAX_LINES);
        lines.truncate(MAX_LINES);
        (steps, lines, hidden)
    }

    /// The smallest and largest value of `lines` (0 and 0 when there is none).
    pub fn range(lines: &[Line]) -> (f64, f64) {
        let (low, high) = lines
            .iter()
            .flat_map(|line| line.values.iter().flatten())
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                (lo.min(*v), hi.max(*v))
            });
        match low.is_finite() {
            true => (low, high),
            false => (0.0, 0.0),
        }
    }

    /// The chart in `width` terminal columns, each line ending in a newline.
    pub fn terminal(&self, width: usize) -> String {
        let mut out = match self.spec.kind {
            ChartKind::Bar => self.bars(width),
            ChartKind::Line => self.lines(width),
        };
        if self.skipped > 0 {
            let _ = writeln!(
                out,
                "({} without a number in {} not drawn)",
                super::rows_text(self.skipped),
                self.spec.y
            );
        }
        // Titles and notes are cut to the width too; the chart's own lines fit already.
        out.lines()
            .map(|line| truncate(line, width) + "\n")
            .collect()
    }

    fn bars(&self, width: usize) -> String {
        let shown = &self.points[..self.points.len().min(MAX_BARS)];
        let labels: Vec<String> = shown
            .iter()
            .map(|(x, series, _)| match series {
                Some(series) => format!("{x} · {series}"),
                None => x.clone(),
            })
            .collect();
        let values: Vec<String> = shown.iter().map(|(_, _, v)| number(*v)).collect();
        let label_width = labels
            .iter()
            .map(|l| display_width(l))
            .max()
            .unwrap_or(0)
            .min(width / 3)
            .max(1);
        let value_width = values.iter().map(|v| v.len()).max().unwrap_or(0);
        let area = width.saturating_sub(label_width + value_width + 3).max(10);
        let largest = shown.iter().map(|p| p.2).fold(0.0_f64, f64::max);
        let mut out = match &self.spec.series {
            Some(series) => format!("{} by {} and {series}\n", self.spec.y, self.spec.x),
            None => format!("{} by {}\n", self.spec.y, self.spec.x),
        };
        for ((label, value), (_, _, v)) in labels.iter().zip(&values).zip(shown) {
            let label = truncate(label, label_width);
            let pad = label_width - display_width(&label);
            let eighths = match largest > 0.0 {
                true => (v.max(0.0) / largest * (area * 8) as f64).round() as usize,
                false => 0,
            };
            let bar = bar(eighths);
            let gap = area - display_width(&bar);
            let _ = writeln!(
                out,
                "{label}{} {bar}{} {value:>value_width$}",
                " ".repeat(pad),
                " ".repeat(gap)
            );
        }
        if self.points.len() > shown.len() {
            let _ = writeln!(
                out,
                "… {} more rows not drawn",
                self.points.len() - shown.len()
            );
        }
        out
    }

    fn lines(&self, width: usize) -> String {
        let (steps, lines, hidden) = self.lines_over_steps();
        let (low, high) = Self::range(&lines);
        let label_width = lines
            .iter()
            .map(|line| display_width(line.name))
            .max()
            .unwrap_or(0)
            .min(width / 3)
            .max(1);
        let totals: Vec<String> = lines.iter().map(|line| number(line.total)).collect();
        let total_width = totals.iter().map(|t| t.len()).max().unwrap_or(0);
        let area = width.saturating_sub(label_width + total_width + 3).max(10);
        let mut out = format!(
            "{} by {}, {} … {}, from {} to {}; sums right\n",
            self.spec.y,
            self.spec.x,
            steps.first().copied().unwrap_or(""),
            steps.last().copied().unwrap_or(""),
            number(low),
            number(high),
        );
        for (Line { name, values, .. }, total) in lines.iter().zip(&totals) {
            let label = truncate(name, label_width);
            let pad = label_width - display_width(&label);
            // Few steps are widened, up to four columns each, to be read at a glance.
            let per_step = (area / values.len().max(1)).clamp(1, 4);
            let spark: String = sparkline(&squeeze(values, area), low, high)
                .chars()
                .flat_map(|c| std::iter::repeat_n(c, per_step))
                .collect();
            let gap = area - spark.chars().count();
            let _ = writeln!(
                out,
                "{label}{} {spark}{} {total:>total_width$}",
                " ".repeat(pad),
                " ".repeat(gap)
            );
        }
        if hidden > 0 {
            let _ = writeln!(out, "… {hidden} smaller lines not drawn");
        }
        out
    }
}

/// The column `name` of `batch` (its case ignored); an error says `whose` column is missing
/// (the chart's, the map's) and lists those there are.
pub(super) fn column_of(batch: &RecordBatch, name: &str, whose: &str) -> Result<ArrayRef, String> {
    let schema = batch.schema();
    let index = schema
        .fields()
        .iter()
        .position(|f| f.name().eq_ignore_ascii_case(name))
        .ok_or_else(|| {
            let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
            format!(
                "the {whose}'s column `{name}` is not in the result (its columns: {})",
                names.join(", ")
            )
        })?;
    Ok(Arc::clone(batch.column(index)))
}

/// The column `name` of `batch` as numbers; an error if it holds no numbers.
pub(super) fn numbers_of(
    batch: &RecordBatch,
    name: &str,
    whose: &str,
) -> Result<Float64Array, String> {
    let column = column_of(batch, name, whose)?;
    let not_numbers = || {
        format!(
            "the {whose}'s value column `{name}` holds {}, not numbers",
            column.data_type()
        )
    };
    if !column.data_type().is_numeric() {
        return Err(not_numbers());
    }
    let values = cast(&column, &DataType::Float64).map_err(|_| not_numbers())?;
    Ok(values
        .as_any()
        .downcast_ref::<Float64Array>()
        .expect("cast to Float64 gives a Float64Array")
        .clone())
}

/// One line of a line chart: its name, its value at each step, and its sum.
#[derive(Debug, Clone, PartialEq)]
pub struct Line<'a> {
    pub name: &'a str,
    pub values: Vec<Option<f64>>,
    pub total: f64,
}

/// The most bars drawn; the rest are counted.
const MAX_BARS: usize = 40;
/// The most lines drawn, the largest; the rest are counted.
pub const MAX_LINES: usize = 15;

/// A bar `eighths` eighths of a column long: full blocks and one partial block.
fn bar(eighths: usize) -> String {
    const PARTS: [char; 8] = [' ', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];
    let mut bar = "█".repeat(eighths / 8);
    if !eighths.is_multiple_of(8) {
        bar.push(PARTS[eighths % 8]);
    }
    bar
}

/// One block per step, its height the value between `low` and `high`; a step without a value
/// is blank.
fn sparkline(values: &[Option<f64>], low: f64, high: f64) -> String {
    const LEVELS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    values
        .iter()
        .map(|value| match value {
            None => ' ',
            Some(v) if high > low => {
                LEVELS[(((v - low) / (high - low)) * 7.0).round().clamp(0.0, 7.0) as usize]
            }
            Some(_) => LEVELS[3],
        })
        .collect()
}

/// `values` in at most `width` steps: neighbours averaged where there are more.
fn squeeze(values: &[Option<f64>], width: usize) -> Vec<Option<f64>> {
    if values.len() <= width {
        return values.to_vec();
    }
    (0..width)
        .map(|i| {
            let (start, end) = (i * values.len() / width, (i + 1) * values.len() / width);
            let known: Vec<f64> = values[start..end.max(start + 1)]
                .iter()
                .flatten()
                .copied()
                .collect();
            (!known.is_empty()).then(|| known.iter().sum::<f64>() / known.len() as f64)
        })
        .collect()
}

/// A value as a person reads it: whole numbers with thousands separators, others to two
/// places.
pub(super) fn number(value: f64) -> String {
    let sign = if value < 0.0 { "-" } else { "" };
    if value.fract() == 0.0 && value.abs() < 1e15 {
        format!("{sign}{}", super::thousands(value.abs() as usize))
    } else if value.abs() < 1e15 {
        let text = format!("{:.2}", value.abs());
        let (whole, fraction) = text.split_once('.').expect("two places");
        let whole: usize = whole.parse().expect("digits");
        format!("{sign}{}.{fraction}", super::thousands(whole))
    } else {
        format!("{value:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Int64Array, StringArray};
    use std::sync::Arc;

    fn spec(hint: &str) -> ChartSpec {
        ChartSpec::parse(hint).unwrap().unwrap()
    }

    #[test]
    fn hints_are_read_or_refused_with_the_form() {
        assert_eq!(ChartSpec::parse("sort firs desc"), None);
        assert_eq!(
            spec("chart line month firs by offence"),
            ChartSpec {
                kind: ChartKind::Line,
                x: "month".into(),
                y: "firs".into(),
                series: Some("offence".into()),
            }
        );
        assert_eq!(spec("chart bar district firs").series, None);
        let error = |hint| ChartSpec::parse(hint).unwrap().unwrap_err();
        assert_eq!(
            error("chart pie district firs"),
            "unknown chart kind `pie` (write `chart bar|line X Y [by SERIES]`)"
        );
        assert!(error("chart").contains("names no kind"));
        assert!(error("chart bar district").starts_with("cannot read the chart hint"));
        assert!(error("chart bar a b per c").starts_with("cannot read the chart hint"));
    }

    fn districts() -> Vec<RecordBatch> {
        let names = StringArray::from(vec!["Jaipur", "जोधपुर", "Sri Ganganagar", "Kota"]);
        let firs = Int64Array::from(vec![Some(120), Some(60), None, Some(15)]);
        vec![
            RecordBatch::try_from_iter([
                ("district", Arc::new(names) as _),
                ("firs", Arc::new(firs) as _),
            ])
            .unwrap(),
        ]
    }

    #[test]
    fn bars_line_up_whatever_the_script_and_fit_the_width() {
        let data = ChartData::from_batches(&spec("chart bar district firs"), &districts()).unwrap();
        for width in [40, 80] {
            let chart = data.terminal(width);
            for line in chart.lines() {
                assert!(display_width(line) <= width, "{width}: {line:?}");
            }
            insta_like(&format!("bars at {width}"), &chart);
        }
        assert_eq!(
            data.terminal(40),
            "\
firs by district
Jaipur ████████████████████████████ 120
जोधपुर  ██████████████                60
Kota   ███▌                          15
(1 row without a number in firs not dra…
"
        );
        assert_eq!(
            data.terminal(80).lines().nth(1).unwrap(),
            "Jaipur ████████████████████████████████████████████████████████████████████ 120"
        );
    }

    /// Checks a chart's lines all end in the same column (the values' right edge).
    fn insta_like(name: &str, chart: &str) {
        let widths: Vec<usize> = chart
            .lines()
            .skip(1)
            .filter(|l| !l.starts_with('(') && !l.starts_with('…'))
            .map(display_width)
            .collect();
        assert!(widths.windows(2).all(|w| w[0] == w[1]), "{name}: {chart}");
    }

    #[test]
    fn lines_share_one_scale_and_put_the_largest_first() {
        let months = StringArray::from(vec!["2024-06", "2024-07", "2024-06", "2024-07", "2024-08"]);
        let offence = StringArray::from(vec!["चोरी", "चोरी", "Cheating", "Cheating", "Cheating"]);
        let firs = Int64Array::from(vec![10, 0, 1, 3, 5]);
        let batch = RecordBatch::try_from_iter([
            ("month", Arc::new(months) as _),
            ("offence", Arc::new(offence) as _),
            ("firs", Arc::new(firs) as _),
        ])
        .unwrap();
        let data =
            ChartData::from_batches(&spec("chart line month firs by offence"), &[batch]).unwrap();
        assert_eq!(
            data.terminal(60),
            "\
firs by month, 2024-06 … 2024-08, from 0 to 10; sums right
चोरी     ████▁▁▁▁                                        10
Cheating ▂▂▂▂▃▃▃▃▅▅▅▅                                     9
"
        );
    }

    #[test]
    fn a_missing_or_wordy_column_is_named() {
        let error =
            ChartData::from_batches(&spec("chart bar district cases"), &districts()).unwrap_err();
        assert_eq!(
            error,
            "the chart's column `cases` is not in the result (its columns: district, firs)"
        );
        let error =
            ChartData::from_batches(&spec("chart bar firs district"), &districts()).unwrap_err();
        assert_eq!(
            error,
            "the chart's value column `district` holds Utf8, not numbers"
        );
    }

    #[test]
    fn many_steps_are_squeezed_into_the_width() {
        let values: Vec<Option<f64>> = (0..100).map(|v| Some(v as f64)).collect();
        let squeezed = squeeze(&values, 10);
        assert_eq!(squeezed.len(), 10);
        assert_eq!(squeezed[0], Some(4.5));
        assert_eq!(sparkline(&squeezed, 0.0, 99.0).chars().count(), 10);
    }
}
