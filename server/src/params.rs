//! Values a client binds to a prepared statement: one row of a record batch, a column per
//! placeholder. They reach the engine as typed values, never as SQL text.

use arrow::array::RecordBatch;
use arrow::datatypes::{DataType, Field};
use arrow_flight::decode::FlightRecordBatchStream;
use arrow_flight::error::FlightError;
use arrow_flight::sql::server::PeekableFlightDataStream;
use datafusion::common::ScalarValue;
use futures::TryStreamExt;
use jaanch::Params;
use tonic::Status;

/// The batches of parameter values a client sends; more than one row is refused as soon as
/// it arrives.
pub(crate) async fn read(stream: PeekableFlightDataStream) -> Result<Vec<RecordBatch>, Status> {
    let unreadable = |e: FlightError| {
        Status::invalid_argument(format!("the parameter values cannot be read: {e}"))
    };
    let mut batches =
        FlightRecordBatchStream::new_from_flight_data(stream.map_err(FlightError::from));
    let mut read = Vec::new();
    let mut rows = 0;
    while let Some(batch) = batches.try_next().await.map_err(unreadable)? {
        rows += batch.num_rows();
        if rows > 1 {
            return Err(more_than_one_row());
        }
        read.push(batch);
    }
    Ok(read)
}

fn more_than_one_row() -> Status {
    Status::invalid_argument(
        "a query binds one row of parameter values; more were sent (this server runs no updates)",
    )
}

/// The values of `batches` for the placeholders `parameters` (as [`jaanch::Prepared`] lists
/// them), each cast to the placeholder's type where the statement gives one. Columns are
/// matched by position, or by name when they are named after `$name` placeholders.
pub(crate) fn bind(parameters: &[Field], batches: &[RecordBatch]) -> Result<Params, Status> {
    let names = || {
        let names: Vec<&str> = parameters.iter().map(|p| p.name().as_str()).collect();
        names.join(", ")
    };
    let Some(batch) = batches.iter().find(|b| b.num_rows() > 0) else {
        return match parameters.is_empty() {
            true => Ok(Params::Positional(Vec::new())),
            false => Err(Status::invalid_argument(format!(
                "no parameter values were sent: the statement takes {}",
                names()
            ))),
        };
    };
    if batches.iter().map(RecordBatch::num_rows).sum::<usize>() > 1 {
        return Err(more_than_one_row());
    }
    let schema = batch.schema();
    if schema.fields().len() != parameters.len() {
        return Err(Status::invalid_argument(format!(
            "{} parameter values were sent; the statement takes {} ({})",
            schema.fields().len(),
            parameters.len(),
            if parameters.is_empty() {
                "none".to_string()
            } else {
                names()
            }
        )));
    }
    let positional = parameters
        .iter()
        .all(|p| p.name()[1..].parse::<usize>().is_ok());
    let by_name = !positional
        && schema.fields().iter().all(|column| {
            let name = column.name().trim_start_matches('$');
            parameters.iter().any(|p| &p.name()[1..] == name)
        });
    let mut values = Vec::with_capacity(parameters.len());
    for (i, parameter) in parameters.iter().enumerate() {
        let column = match by_name {
            true => schema
                .fields()
                .iter()
                .position(|c| c.name().trim_start_matches('$') == &parameter.name()[1..])
                .expect("every column was matched to a parameter"),
            false => i,
        };
        let value = ScalarValue::try_from_array(batch.column(column), 0).map_err(|e| {
            Status::invalid_argument(format!("parameter {}: {e}", parameter.name()))
        })?;
        values.push(cast(parameter, value)?);
    }
    Ok(match positional {
        true => Params::Positional(values),
        false => Params::Named(
            parameters
                .iter()
                .map(|p| p.name()[1..].to_string())
                .zip(values)
                .collect(),
        ),
    })
}

/// The type a client is told a placeholder takes: text and bytes as every client knows them
/// (the lake reads them as views, which older clients do not have). Values are cast back.
pub(crate) fn advertised(data_type: &DataType) -> DataType {
    match data_type {
        DataType::Utf8View => DataType::Utf8,
        DataType::BinaryView => DataType::Binary,
        other => other.clone(),
    }
}

/// `value` as the type the statement gives the placeholder (an integer for an `int` column
/// sent as a 64-bit one, a date sent as text).
fn cast(parameter: &Field, value: ScalarValue) -> Result<ScalarValue, Status> {
    let wanted = parameter.data_type();
    if *wanted == DataType::Null || value.data_type() == *wanted {
        return Ok(value);
    }
    value.cast_to(wanted).map_err(|_| {
        let name = match parameter.metadata().get(jaanch::REPORT_PARAMETER) {
            Some(report) if report != &parameter.name()[1..] => {
                format!("{} ({report})", parameter.name())
            }
            _ => parameter.name().to_string(),
        };
        Status::invalid_argument(format!(
            "parameter {name}: {value} ({}) cannot be read as {wanted}",
            value.data_type()
        ))
    })
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use arrow::array::{ArrayRef, Int64Array, StringArray};

    use super::*;

    fn batch(columns: &[(&str, ArrayRef)]) -> RecordBatch {
        RecordBatch::try_from_iter(columns.iter().cloned()).unwrap()
    }

    fn texts(values: &[&str]) -> ArrayRef {
        Arc::new(StringArray::from(values.to_vec()))
    }

    #[test]
    fn values_are_cast_to_the_placeholder_types() {
        let parameters = [
            Field::new("$1", DataType::Int32, true),
            Field::new("$2", DataType::Date32, true),
            Field::new("$3", DataType::Null, true),
        ];
        let values = batch(&[
            ("0", Arc::new(Int64Array::from(vec![2024]))),
            ("1", texts(&["2024-06-30"])),
            ("2", texts(&["Kota' OR '1'='1"])),
        ]);
        let Params::Positional(bound) = bind(&parameters, &[values]).unwrap() else {
            panic!("positional placeholders bind by position");
        };
        assert_eq!(bound[0], ScalarValue::Int32(Some(2024)));
        assert_eq!(bound[1], ScalarValue::Date32(Some(19904)));
        assert_eq!(bound[2], ScalarValue::from("Kota' OR '1'='1"));
    }

    #[test]
    fn named_placeholders_bind_by_column_name_or_in_their_order() {
        let parameters = [
            Field::new("$district", DataType::Utf8, true),
            Field::new("$year", DataType::Int64, true),
        ];
        let by_name = batch(&[
            ("year", Arc::new(Int64Array::from(vec![2024]))),
            ("$district", texts(&["Kota"])),
        ]);
        let in_order = batch(&[
            ("a", texts(&["Kota"])),
            ("b", Arc::new(Int64Array::from(vec![2024]))),
        ]);
        for values in [by_name, in_order] {
            assert_eq!(
                bind(&parameters, &[values]).unwrap(),
                Params::Named(vec![
                    ("district".to_string(), ScalarValue::from("Kota")),
                    ("year".to_string(), ScalarValue::Int64(Some(2024))),
                ])
            );
        }
    }

    #[test]
    fn wrong_values_are_refused_with_a_reason() {
        let parameters = [Field::new("$1", DataType::Int32, true)];
        let message = |batches: &[RecordBatch]| {
            bind(&parameters, batches)
                .unwrap_err()
                .message()
                .to_string()
        };
        assert_eq!(
            message(&[]),
            "no parameter values were sent: the statement takes $1"
        );
        assert_eq!(
            message(&[batch(&[("0", texts(&["two thousand"]))])]),
            "parameter $1: two thousand (Utf8) cannot be read as Int32"
        );
        assert_eq!(
            message(&[batch(&[("0", texts(&["1"])), ("1", texts(&["2"]))])]),
            "2 parameter values were sent; the statement takes 1 ($1)"
        );
        assert_eq!(
            message(&[batch(&[("0", texts(&["1", "2"]))])]),
            "a query binds one row of parameter values; more were sent (this server runs no updates)"
        );
    }
}
