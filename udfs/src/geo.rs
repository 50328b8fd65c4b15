//! Geographic functions.

use std::sync::Arc;

use arrow::array::{Array, AsArray, Float64Array, Float64Builder};
use arrow::compute::cast;
use arrow::datatypes::DataType;
use datafusion::common::types::{NativeType, logical_float64};
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::{
    Coercion, ColumnarValue, ScalarUDF, Signature, TypeSignatureClass, Volatility,
};

use crate::function::police_function;

/// Mean Earth radius (IUGG), in kilometres.
pub const EARTH_RADIUS_KM: f64 = 6371.0088;

/// A point in radians with the cosine of its latitude, or `None` when a coordinate is NULL,
/// not finite or out of range (latitude beyond ±90°, longitude beyond ±180°).
#[derive(Clone, Copy)]
struct Point {
    lat: f64,
    lon: f64,
    cos_lat: f64,
}

impl Point {
    #[inline]
    fn new(lat: Option<f64>, lon: Option<f64>) -> Option<Self> {
        let (lat, lon) = (lat?, lon?);
        if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
            return None;
        }
        let lat = lat.to_radians();
        Some(Self {
            lat,
            lon: lon.to_radians(),
            cos_lat: lat.cos(),
        })
    }
}

/// The great-circle distance in kilometres between two points (haversine formula).
#[inline]
fn haversine_km(a: Point, b: Point) -> f64 {
    let half_dlat = ((b.lat - a.lat) * 0.5).sin();
    let half_dlon = ((b.lon - a.lon) * 0.5).sin();
    let h = half_dlat * half_dlat + a.cos_lat * b.cos_lat * half_dlon * half_dlon;
    2.0 * EARTH_RADIUS_KM * h.sqrt().min(1.0).asin()
}

/// The great-circle distance in kilometres between two WGS84 points, or `None` when a
/// coordinate is missing or out of range.
pub fn distance_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> Option<f64> {
    Some(haversine_km(
        Point::new(Some(lat1), Some(lon1))?,
        Point::new(Some(lat2), Some(lon2))?,
    ))
}

/// One coordinate argument: a column of Float64, or one value for every row.
enum Coordinate {
    Column(Float64Array),
    Fixed(Option<f64>),
}

impl Coordinate {
    fn new(arg: &ColumnarValue) -> Result<Self> {
        Ok(match arg {
            ColumnarValue::Array(array) => {
                Coordinate::Column(cast(array, &DataType::Float64)?.as_primitive().clone())
            }
            ColumnarValue::Scalar(scalar) => match scalar.cast_to(&DataType::Float64)? {
                ScalarValue::Float64(value) => Coordinate::Fixed(value),
                _ => Coordinate::Fixed(None),
            },
        })
    }

    fn fixed(&self) -> Option<Option<f64>> {
        match self {
            Coordinate::Fixed(value) => Some(*value),
            Coordinate::Column(_) => None,
        }
    }

    #[inline]
    fn get(&self, row: usize) -> Option<f64> {
        match self {
            Coordinate::Fixed(value) => *value,
            Coordinate::Column(array) => array.is_valid(row).then(|| array.value(row)),
        }
    }
}

/// One point argument: either both coordinates fixed (computed once) or per row.
enum Points<'a> {
    Fixed(Option<Point>),
    Rows(&'a Coordinate, &'a Coordinate),
}

impl Points<'_> {
    #[inline]
    fn get(&self, row: usize) -> Option<Point> {
        match self {
            Points::Fixed(point) => *point,
            Points::Rows(lat, lon) => Point::new(lat.get(row), lon.get(row)),
        }
    }
}

fn points<'a>(lat: &'a Coordinate, lon: &'a Coordinate) -> Points<'a> {
    match (lat.fixed(), lon.fixed()) {
        (Some(lat), Some(lon)) => Points::Fixed(Point::new(lat, lon)),
        _ => Points::Rows(lat, lon),
    }
}

police_function! {
    #[user_doc(
        doc_section(label = "Geo Functions"),
        description = "Great-circle distance in kilometres between two WGS84 points (haversine \
formula, mean Earth radius 6371.0088 km). Arguments are degrees of any numeric type. NULL when a \
coordinate is NULL, NaN, or out of range (latitude outside -90..90, longitude outside \
-180..180).",
        syntax_example = "geo_distance_km(lat1, lon1, lat2, lon2)",
        sql_example = r#"```sql
> SELECT round(geo_distance_km(26.9149, 75.8097, 26.2897, 73.0166), 1) AS jaipur_jodhpur_km;
+-------------------+
| jaipur_jodhpur_km |
+-------------------+
| 286.3             |
+-------------------+
```"#,
        argument(
            name = "lat1",
            description = "Latitude of the first point, in degrees."
        ),
        argument(
            name = "lon1",
            description = "Longitude of the first point, in degrees."
        ),
        argument(
            name = "lat2",
            description = "Latitude of the second point, in degrees."
        ),
        argument(
            name = "lon2",
            description = "Longitude of the second point, in degrees."
        )
    )]
    struct GeoDistanceKm;
    pub static GEO_DISTANCE_KM = "geo_distance_km";
    signature = {
        let degrees = Coercion::new_implicit(
            TypeSignatureClass::Native(logical_float64()),
            vec![TypeSignatureClass::Numeric],
            NativeType::Float64,
        );
        Signature::coercible(vec![degrees; 4], Volatility::Immutable)
    };
    return_type = DataType::Float64;
    fn invoke_with_args(args) {
        let coordinates = args
            .args
            .iter()
            .map(Coordinate::new)
            .collect::<Result<Vec<_>>>()?;
        let [lat1, lon1, lat2, lon2] = coordinates.as_slice() else {
            return datafusion::common::exec_err!("geo_distance_km takes 4 arguments");
        };
        let (a, b) = (points(lat1, lon1), points(lat2, lon2));
        if let (Points::Fixed(a), Points::Fixed(b)) = (&a, &b) {
            let distance = a.zip(*b).map(|(a, b)| haversine_km(a, b));
            return Ok(ColumnarValue::Scalar(ScalarValue::Float64(distance)));
        }
        let rows = args.number_rows;
        let mut out = Float64Builder::with_capacity(rows);
        for row in 0..rows {
            out.append_option(a.get(row).zip(b.get(row)).map(|(a, b)| haversine_km(a, b)));
        }
        Ok(ColumnarValue::Array(Arc::new(out.finish())))
    }
}

/// Every function of this family.
pub fn functions() -> Vec<Arc<ScalarUDF>> {
    vec![Arc::clone(&GEO_DISTANCE_KM)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Float64Array, Int64Array};
    use arrow::datatypes::Field;
    use datafusion::config::ConfigOptions;
    use datafusion::logical_expr::ScalarFunctionArgs;

    fn invoke(args: Vec<ColumnarValue>, rows: usize) -> ColumnarValue {
        let arg_fields = args
            .iter()
            .map(|a| Arc::new(Field::new("a", a.data_type(), true)))
            .collect();
        GEO_DISTANCE_KM
            .invoke_with_args(ScalarFunctionArgs {
                args,
                arg_fields,
                number_rows: rows,
                return_field: Arc::new(Field::new("r", DataType::Float64, true)),
                config_options: Arc::new(ConfigOptions::default()),
            })
            .unwrap()
    }

    fn scalar(v: Option<f64>) -> ColumnarValue {
        ColumnarValue::Scalar(ScalarValue::Float64(v))
    }

    #[test]
    fn known_distances() {
        let jaipur_jodhpur = distance_km(26.9149, 75.8097, 26.2897, 73.0166).unwrap();
        assert!((jaipur_jodhpur - 286.2617).abs() < 1e-3, "{jaipur_jodhpur}");
        // One degree of arc on the mean sphere.
        let degree = distance_km(0.0, 0.0, 0.0, 1.0).unwrap();
        assert!((degree - EARTH_RADIUS_KM.to_radians()).abs() < 1e-9);
        // Antipodes: half the circumference, without NaN from rounding.
        let half = distance_km(90.0, 0.0, -90.0, 0.0).unwrap();
        assert!((half - EARTH_RADIUS_KM * std::f64::consts::PI).abs() < 1e-6);
        assert_eq!(distance_km(10.0, 20.0, 10.0, 20.0), Some(0.0));
        // Across the antimeridian.
        let short = distance_km(0.0, 179.5, 0.0, -179.5).unwrap();
        assert!((short - degree).abs() < 1e-6);
        assert_eq!(distance_km(90.5, 0.0, 0.0, 0.0), None);
        assert_eq!(distance_km(0.0, -180.5, 0.0, 0.0), None);
        assert_eq!(distance_km(f64::NAN, 0.0, 0.0, 0.0), None);
        assert_eq!(distance_km(0.0, 0.0, f64::INFINITY, 0.0), None);
    }

    #[test]
    fn columns_and_fixed_points() {
        let lat = Arc::new(Float64Array::from(vec![
            Some(26.2897),
            None,
            Some(95.0),
            Some(0.0),
        ]));
        let lon = Arc::new(Int64Array::from(vec![Some(73), Some(1), Some(0), Some(0)]));
        let out = invoke(
            vec![
                ColumnarValue::Array(lat),
                ColumnarValue::Array(lon),
                scalar(Some(26.9149)),
                scalar(Some(75.8097)),
            ],
            4,
        )
        .into_array(4)
        .unwrap();
        let out = out.as_primitive::<arrow::datatypes::Float64Type>();
        let expected = distance_km(26.2897, 73.0, 26.9149, 75.8097).unwrap();
        assert_eq!(out.value(0), expected);
        assert!(out.is_null(1) && out.is_null(2));
        assert_eq!(
            out.value(3),
            distance_km(0.0, 0.0, 26.9149, 75.8097).unwrap()
        );

        // All scalars stay scalar; a NULL or out-of-range fixed point gives NULL for every row.
        let all_scalar = invoke(
            vec![
                scalar(Some(0.0)),
                scalar(Some(0.0)),
                scalar(Some(0.0)),
                scalar(Some(1.0)),
            ],
            1,
        );
        let ColumnarValue::Scalar(ScalarValue::Float64(Some(d))) = all_scalar else {
            panic!("scalar arguments must give a scalar")
        };
        assert_eq!(d, distance_km(0.0, 0.0, 0.0, 1.0).unwrap());
        let lat = Arc::new(Float64Array::from(vec![1.0, 2.0]));
        let out = invoke(
            vec![
                ColumnarValue::Array(lat.clone()),
                ColumnarValue::Array(lat),
                scalar(None),
                scalar(Some(0.0)),
            ],
            2,
        )
        .into_array(2)
        .unwrap();
        assert_eq!(out.null_count(), 2);
    }
}
