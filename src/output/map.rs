//! A map of Rajasthan's 41 districts coloured by a result's value per district, drawn as
//! inline SVG for HTML pages.
//!
//! No district boundary data set could be shipped with jaanch under a licence it can carry,
//! so each district is a bubble at its headquarters (the coordinates of the embedded district
//! table, `ref.districts`), placed by an equirectangular projection true to scale at the
//! state's middle latitude. District names in the result are resolved as
//! `district_canonical` resolves them: variants, Hindi, police and abolished districts all
//! land on today's district.
//!
//! What is coloured comes from a report's `-- output: map DISTRICT [VALUE [sum|max|min|avg]]`
//! hint: the value's sum (or maximum, ...) over the rows of each district, or with no VALUE
//! the number of rows. Without a hint, a result with a column named `district` (or
//! `…_district`) is mapped by its number of rows, or by the chart's value when a chart is
//! drawn.

use std::collections::HashMap;
use std::fmt::{self, Write as _};

use arrow::array::{Array, RecordBatch};
use arrow::datatypes::{DataType, Schema};
use arrow::util::display::{ArrayFormatter, FormatOptions};
use jaanch_udfs::district::lookup::{CURRENT, DistrictId, Matcher};

use super::chart::{ChartSpec, column_of, number, numbers_of};
use super::html::escape;

/// What a map shows: which column names the district, and what is coloured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MapSpec {
    pub district: String,
    /// The column of values; `None` counts rows.
    pub value: Option<String>,
    pub how: Aggregate,
}

/// How a district's values are combined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Aggregate {
    Sum,
    Max,
    Min,
    Avg,
    /// Rows per district.
    Count,
}

impl Aggregate {
    fn parse(word: &str) -> Option<Aggregate> {
        Some(match word.to_ascii_lowercase().as_str() {
            "sum" => Aggregate::Sum,
            "max" => Aggregate::Max,
            "min" => Aggregate::Min,
            "avg" | "mean" => Aggregate::Avg,
            _ => return None,
        })
    }
}

impl fmt::Display for MapSpec {
    /// What the colours mean: `sum of firs`, `rows`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let how = match self.how {
            Aggregate::Count => return f.write_str("rows"),
            Aggregate::Sum => "sum",
            Aggregate::Max => "largest",
            Aggregate::Min => "smallest",
            Aggregate::Avg => "mean",
        };
        write!(f, "{how} of {}", self.value.as_deref().unwrap_or("rows"))
    }
}

impl MapSpec {
    /// The map the first readable map hint among `hints` asks for.
    pub fn from_hints(hints: &[String]) -> Option<MapSpec> {
        hints.iter().find_map(|hint| MapSpec::parse(hint)?.ok())
    }

    /// Reads an `-- output:` hint: `None` if it is not a map hint, an error (what is wrong,
    /// and the form) if it is one that cannot be read.
    pub fn parse(hint: &str) -> Option<Result<MapSpec, String>> {
        let mut words = hint.split_whitespace();
        if words.next() != Some("map") {
            return None;
        }
        const FORM: &str = "write `map DISTRICT [VALUE [sum|max|min|avg]]`";
        let words: Vec<&str> = words.collect();
        let spec = match words[..] {
            [district] => MapSpec {
                district: district.to_string(),
                value: None,
                how: Aggregate::Count,
            },
            [district, value] => MapSpec {
                district: district.to_string(),
                value: Some(value.to_string()),
                how: Aggregate::Sum,
            },
            [district, value, how] => match Aggregate::parse(how) {
                Some(how) => MapSpec {
                    district: district.to_string(),
                    value: Some(value.to_string()),
                    how,
                },
                None => {
                    return Some(Err(format!(
                        "unknown way `{how}` to combine a district's values ({FORM})"
                    )));
                }
            },
            _ => return Some(Err(format!("cannot read the map hint `{hint}` ({FORM})"))),
        };
        Some(Ok(spec))
    }

    /// The map a result without a map hint gets: by its first column named `district` or
    /// `…_district` (text), coloured by the chart's value when there is a chart, else by rows.
    pub fn guess(schema: &Schema, chart: Option<&ChartSpec>) -> Option<MapSpec> {
        let text = |t: &DataType| {
            matches!(
                t,
                DataType::Utf8
                    | DataType::LargeUtf8
                    | DataType::Utf8View
                    | DataType::Dictionary(..)
            )
        };
        let names = |f: &&std::sync::Arc<arrow::datatypes::Field>| text(f.data_type());
        let fields: Vec<_> = schema.fields().iter().filter(names).collect();
        let district = fields
            .iter()
            .find(|f| f.name().eq_ignore_ascii_case("district"))
            .or_else(|| {
                fields.iter().find(|f| {
                    let name = f.name().to_ascii_lowercase();
                    name.ends_with("_district") || name.starts_with("district_")
                })
            })?
            .name()
            .clone();
        Some(match chart {
            Some(chart) => MapSpec {
                district,
                value: Some(chart.y.clone()),
                how: Aggregate::Sum,
            },
            None => MapSpec {
                district,
                value: None,
                how: Aggregate::Count,
            },
        })
    }
}

/// A district's values so far.
#[derive(Debug, Clone, Copy)]
struct Tally {
    sum: f64,
    count: usize,
    max: f64,
    min: f64,
}

/// The values per district read from a result.
#[derive(Debug, Clone)]
pub struct MapData {
    pub spec: MapSpec,
    tallies: HashMap<DistrictId, Tally>,
    /// Rows whose district is not one of today's 41, by the text they hold.
    unplaced: HashMap<String, usize>,
    /// Rows whose value is NULL.
    no_value: usize,
}

impl MapData {
    pub fn empty(spec: &MapSpec) -> MapData {
        MapData {
            spec: spec.clone(),
            tallies: HashMap::new(),
            unplaced: HashMap::new(),
            no_value: 0,
        }
    }

    /// Adds one batch's rows; an error names a column the result lacks or a value column
    /// without numbers.
    pub fn add(&mut self, batch: &RecordBatch) -> Result<(), String> {
        let districts = column_of(batch, &self.spec.district, "map")?;
        let values = self
            .spec
            .value
            .as_deref()
            .map(|name| numbers_of(batch, name, "map"))
            .transpose()?;
        let values = values.as_ref();
        let options = FormatOptions::default();
        let names =
            ArrayFormatter::try_new(districts.as_ref(), &options).map_err(|e| e.to_string())?;
        let mut matcher = Matcher::new();
        for row in 0..batch.num_rows() {
            let value = match values {
                Some(values) if values.is_null(row) || !values.value(row).is_finite() => {
                    self.no_value += 1;
                    continue;
                }
                Some(values) => values.value(row),
                None => 1.0,
            };
            let name = match districts.is_null(row) {
                true => "NULL".to_string(),
                false => names.value(row).to_string(),
            };
            let Some(id) = districts
                .is_valid(row)
                .then(|| matcher.resolve(&name))
                .flatten()
            else {
                *self.unplaced.entry(name).or_default() += 1;
                continue;
            };
            let tally = self.tallies.entry(id).or_insert(Tally {
                sum: 0.0,
                count: 0,
                max: f64::NEG_INFINITY,
                min: f64::INFINITY,
            });
            tally.sum += value;
            tally.count += 1;
            tally.max = tally.max.max(value);
            tally.min = tally.min.min(value);
        }
        Ok(())
    }

    /// The value drawn for each district with rows, by district name.
    pub fn values(&self) -> Vec<(&'static str, f64)> {
        let mut values: Vec<_> = self
            .tallies
            .iter()
            .map(|(id, t)| {
                let value = match self.spec.how {
                    Aggregate::Sum => t.sum,
                    Aggregate::Count => t.count as f64,
                    Aggregate::Max => t.max,
                    Aggregate::Min => t.min,
                    Aggregate::Avg => t.sum / t.count as f64,
                };
                (CURRENT[*id as usize].name.as_str(), value)
            })
            .collect();
        values.sort_by(|a, b| a.0.cmp(b.0));
        values
    }

    /// Notes on rows the map could not place.
    pub fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if !self.unplaced.is_empty() {
            let mut names: Vec<_> = self.unplaced.iter().collect();
            names.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            let rows: usize = names.iter().map(|(_, n)| **n).sum();
            let shown: Vec<String> = names
                .iter()
                .take(5)
                .map(|(name, n)| format!("“{name}” ({n})"))
                .collect();
            let more = match names.len() > 5 {
                true => format!(" and {} more", names.len() - 5),
                false => String::new(),
            };
            notes.push(format!(
                "{} {} no district of Rajasthan in {}: {}{more}.",
                super::thousands(rows),
                if rows == 1 { "row names" } else { "rows name" },
                self.spec.district,
                shown.join(", ")
            ));
        }
        if self.no_value > 0 {
            notes.push(format!(
                "{} without a number in {} left out.",
                super::rows_text(self.no_value),
                self.spec.value.as_deref().unwrap_or("")
            ));
        }
        notes
    }

    /// The map: every district a bubble at its headquarters, those with rows coloured by
    /// their value in five equal steps, a legend of the steps.
    pub fn svg(&self) -> String {
        let values: HashMap<&str, f64> = self.values().into_iter().collect();
        let (low, high) = values
            .values()
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                (lo.min(*v), hi.max(*v))
            });
        // Bins between round numbers, shaded from light to dark.
        let edges = super::svg::ticks(low.min(high), high, 5);
        let bins = edges.len() - 1;
        let shade = |bin: usize| {
            SHADES[(bin * (SHADES.len() - 1))
                .div_ceil(bins.max(2) - 1)
                .min(SHADES.len() - 1)]
        };
        let bin_of = |value: f64| {
            edges[1..]
                .iter()
                .position(|edge| value < *edge)
                .unwrap_or(bins - 1)
        };
        let mut body = String::new();
        let places: Vec<_> = CURRENT
            .iter()
            .filter_map(|d| Some((d.name.as_str(), project(d.hq_lat?, d.hq_lon?))))
            .collect();
        let spots = label_spots(&places);
        for ((name, (x, y)), (lx, ly, anchor)) in places.iter().zip(spots) {
            let (class, fill, title) = match values.get(name) {
                Some(value) => (
                    "district has-value",
                    shade(bin_of(*value)),
                    format!("{name}: {} ({})", number(*value), self.spec),
                ),
                None => ("district", "#ffffff", format!("{name}: no rows")),
            };
            let _ = write!(
                body,
                r##"<circle class="{class}" data-district="{}" cx="{x:.1}" cy="{y:.1}" r="{RADIUS}" fill="{fill}" stroke="#555" stroke-width="1"><title>{}</title></circle>"##,
                escape(name),
                escape(&title)
            );
            let _ = write!(
                body,
                r#"<text class="district-name" x="{lx:.1}" y="{ly:.1}" text-anchor="{anchor}">{}</text>"#,
                escape(name)
            );
        }
        let mut legend = String::new();
        let top = MAP_HEIGHT + 8.0;
        let steps: Vec<(String, &str)> = match low.is_finite() {
            true => (0..bins)
                .map(|bin| {
                    let (from, to) = (edges[bin], edges[bin + 1]);
                    (format!("{} – {}", number(from), number(to)), shade(bin))
                })
                .collect(),
            false => Vec::new(),
        };
        let mut x = 8.0;
        for (text, fill) in steps
            .iter()
            .map(|(t, f)| (t.as_str(), *f))
            .chain([("no rows", "#ffffff")])
        {
            let _ = write!(
                legend,
                r##"<rect class="legend-step" x="{x:.1}" y="{top:.1}" width="14" height="14" fill="{fill}" stroke="#555"/><text x="{:.1}" y="{:.1}">{}</text>"##,
                x + 18.0,
                top + 11.0,
                escape(text)
            );
            x += 18.0 + text.chars().count() as f64 * 5.6 + 14.0;
        }
        let title = format!("{} by district", self.spec);
        format!(
            "<svg class=\"map\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {MAP_WIDTH} {:.0}\" \
             role=\"img\" aria-label=\"{title}\" font-family=\"sans-serif\" font-size=\"10\">\
             <title>{title}</title>{body}{legend}</svg>",
            top + 22.0,
            title = escape(&title)
        )
    }
}

/// Shades from light to dark (ColorBrewer's seven-class YlOrRd), low values lightest.
const SHADES: [&str; 7] = [
    "#ffffb2", "#fed976", "#feb24c", "#fd8d3c", "#fc4e2a", "#e31a1c", "#b10026",
];

const MAP_WIDTH: f64 = 620.0;
const MAP_HEIGHT: f64 = 640.0;
const RADIUS: f64 = 9.0;
/// The state's extent with a margin for labels: longitude and latitude, west to east and
/// north to south.
const WEST: f64 = 69.9;
const EAST: f64 = 78.6;
const NORTH: f64 = 30.5;
const SOUTH: f64 = 22.9;

/// A point's place on the map: longitudes shrunk by the cosine of the middle latitude, so a
/// kilometre is as long east–west as north–south.
fn project(lat: f64, lon: f64) -> (f64, f64) {
    let shrink = ((NORTH + SOUTH) / 2.0).to_radians().cos();
    let scale = (MAP_WIDTH / ((EAST - WEST) * shrink)).min(MAP_HEIGHT / (NORTH - SOUTH));
    ((lon - WEST) * shrink * scale, (NORTH - lat) * scale)
}

/// A rectangle on the map.
#[derive(Debug, Clone, Copy)]
struct Area {
    left: f64,
    top: f64,
    right: f64,
    bottom: f64,
}

impl Area {
    fn around(x: f64, y: f64, r: f64) -> Area {
        Area {
            left: x - r,
            top: y - r,
            right: x + r,
            bottom: y + r,
        }
    }

    fn overlaps(&self, other: &Area) -> bool {
        self.left < other.right
            && other.left < self.right
            && self.top < other.bottom
            && other.top < self.bottom
    }
}

/// Where each place's label goes: the longest names are placed first, since they are the
/// hardest to fit. `places` are (name, bubble centre).
fn label_spots(places: &[(&str, (f64, f64))]) -> Vec<(f64, f64, &'static str)> {
    let mut labels = Labels {
        taken: places
            .iter()
            .map(|(_, (x, y))| Area::around(*x, *y, RADIUS))
            .collect(),
    };
    let mut order: Vec<usize> = (0..places.len()).collect();
    order.sort_by_key(|i| std::cmp::Reverse(places[*i].0.chars().count()));
    let mut spots = vec![(0.0, 0.0, "middle"); places.len()];
    for i in order {
        let (name, (x, y)) = places[i];
        spots[i] = labels.place(name, x, y);
    }
    spots
}

/// Labels placed so far, each beside its bubble where it covers no other label or bubble.
#[derive(Default)]
struct Labels {
    taken: Vec<Area>,
}

impl Labels {
    /// Where `name`'s label goes beside the bubble at (x, y): below, above, right, left or
    /// at a corner, then the same a little further out, the first spot that is free (below
    /// if none is).
    fn place(&mut self, name: &str, x: f64, y: f64) -> (f64, f64, &'static str) {
        let width = name.chars().count() as f64 * 5.4;
        let mut spots = Vec::with_capacity(24);
        for ring in [0.0, 8.0, 16.0] {
            let gap = RADIUS + 2.0 + ring;
            // (text x, baseline y, anchor); text is 10 high, its baseline 8 below its top.
            spots.extend([
                (x, y + gap + 8.0, "middle"),
                (x, y - gap - 2.0, "middle"),
                (x + gap, y + 3.5, "start"),
                (x - gap, y + 3.5, "end"),
                (x + gap - 3.0, y + gap + 6.0, "start"),
                (x - gap + 3.0, y + gap + 6.0, "end"),
                (x + gap - 3.0, y - gap, "start"),
                (x - gap + 3.0, y - gap, "end"),
            ]);
        }
        let area = |(tx, ty, anchor): (f64, f64, &str)| {
            let left = match anchor {
                "start" => tx,
                "end" => tx - width,
                _ => tx - width / 2.0,
            };
            Area {
                left,
                top: ty - 8.0,
                right: left + width,
                bottom: ty + 2.0,
            }
        };
        let inside = |b: &Area| b.left >= 0.0 && b.right <= MAP_WIDTH && b.top >= 0.0;
        let chosen = spots
            .iter()
            .copied()
            .find(|spot| {
                let covered = area(*spot);
                inside(&covered) && !self.taken.iter().any(|t| t.overlaps(&covered))
            })
            .unwrap_or(spots[0]);
        self.taken.push(area(chosen));
        chosen
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Int64Array, StringArray};
    use std::sync::Arc;

    fn batch(districts: &[Option<&str>], values: &[Option<i64>]) -> RecordBatch {
        RecordBatch::try_from_iter(vec![
            (
                "district",
                Arc::new(StringArray::from(districts.to_vec())) as _,
            ),
            ("firs", Arc::new(Int64Array::from(values.to_vec())) as _),
        ])
        .unwrap()
    }

    #[test]
    fn hints_are_read_or_refused_with_the_form() {
        assert_eq!(MapSpec::parse("chart bar a b"), None);
        assert_eq!(
            MapSpec::parse("map district p90 max"),
            Some(Ok(MapSpec {
                district: "district".into(),
                value: Some("p90".into()),
                how: Aggregate::Max
            }))
        );
        let error = MapSpec::parse("map district p90 median")
            .unwrap()
            .unwrap_err();
        assert!(
            error.contains("`median`") && error.contains("map DISTRICT"),
            "{error}"
        );
        assert!(MapSpec::parse("map").unwrap().is_err());
    }

    #[test]
    fn a_district_column_is_found_without_a_hint() {
        let schema = batch(&[], &[]).schema();
        let spec = MapSpec::guess(&schema, None).unwrap();
        assert_eq!(
            (spec.district.as_str(), spec.how),
            ("district", Aggregate::Count)
        );
        let chart = ChartSpec::parse("chart bar district firs")
            .unwrap()
            .unwrap();
        let spec = MapSpec::guess(&schema, Some(&chart)).unwrap();
        assert_eq!(spec.to_string(), "sum of firs");
        let other = RecordBatch::try_from_iter(vec![(
            "camera_district",
            Arc::new(StringArray::from(vec!["Kota"])) as _,
        )])
        .unwrap();
        assert_eq!(
            MapSpec::guess(&other.schema(), None).unwrap().district,
            "camera_district"
        );
        let none = RecordBatch::try_from_iter(vec![(
            "districts",
            Arc::new(Int64Array::from(vec![1])) as _,
        )])
        .unwrap();
        assert_eq!(MapSpec::guess(&none.schema(), None), None);
    }

    #[test]
    fn names_are_resolved_and_values_combined() {
        let spec = MapSpec::parse("map district firs").unwrap().unwrap();
        let mut data = MapData::empty(&spec);
        data.add(&batch(
            &[
                Some("Jaipur"),
                Some("जयपुर"),
                Some("Jaipur Rural"),
                Some("Kota"),
                Some("Nagpur"),
                None,
                Some("Kota"),
            ],
            &[Some(1), Some(2), Some(4), Some(5), Some(7), Some(8), None],
        ))
        .unwrap();
        assert_eq!(data.values(), vec![("Jaipur", 7.0), ("Kota", 5.0)]);
        assert_eq!(
            data.notes(),
            vec![
                "2 rows name no district of Rajasthan in district: “NULL” (1), “Nagpur” (1)."
                    .to_string(),
                "1 row without a number in firs left out.".to_string()
            ]
        );
        let svg = data.svg();
        assert_eq!(svg.matches("class=\"district has-value\"").count(), 2);
        assert_eq!(
            svg.matches("<circle class=\"district").count(),
            CURRENT.len()
        );
        assert!(
            svg.contains("<title>Jaipur: 7 (sum of firs)</title>"),
            "{svg}"
        );
    }

    #[test]
    fn bubbles_lie_inside_the_map_and_labels_do_not_cover_each_other() {
        let spec = MapSpec::parse("map district").unwrap().unwrap();
        let svg = MapData::empty(&spec).svg();
        let places: Vec<_> = CURRENT
            .iter()
            .map(|d| {
                (
                    d.name.as_str(),
                    project(d.hq_lat.unwrap(), d.hq_lon.unwrap()),
                )
            })
            .collect();
        for (name, (x, y)) in &places {
            assert!((RADIUS..MAP_WIDTH - RADIUS).contains(x), "{name} x {x}");
            assert!((RADIUS..MAP_HEIGHT - RADIUS).contains(y), "{name} y {y}");
        }
        let width = |name: &str| name.chars().count() as f64 * 5.4;
        let labels: Vec<Area> = places
            .iter()
            .zip(label_spots(&places))
            .map(|((name, _), (x, y, anchor))| {
                let left = match anchor {
                    "start" => x,
                    "end" => x - width(name),
                    _ => x - width(name) / 2.0,
                };
                Area {
                    left,
                    top: y - 8.0,
                    right: left + width(name),
                    bottom: y + 2.0,
                }
            })
            .collect();
        let bubbles: Vec<Area> = places
            .iter()
            .map(|(_, (x, y))| Area::around(*x, *y, RADIUS))
            .collect();
        for (i, label) in labels.iter().enumerate() {
            let name = places[i].0;
            assert!(
                label.left >= 0.0 && label.right <= MAP_WIDTH && label.top >= 0.0,
                "{name}"
            );
            assert!(
                !bubbles.iter().any(|b| b.overlaps(label)),
                "{name}'s label covers a bubble"
            );
            let others = labels.iter().enumerate().filter(|(j, _)| *j != i);
            assert!(
                !others.into_iter().any(|(_, l)| l.overlaps(label)),
                "{name}'s label covers a label"
            );
        }
        assert!(svg.contains(">no rows</text>"), "{svg}");
    }

    #[test]
    fn a_value_column_without_numbers_is_refused() {
        let spec = MapSpec::parse("map district district").unwrap().unwrap();
        let error = MapData::empty(&spec)
            .add(&batch(&[Some("Kota")], &[Some(1)]))
            .unwrap_err();
        assert_eq!(
            error,
            "the map's value column `district` holds Utf8, not numbers"
        );
    }
}
