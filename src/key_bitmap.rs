//! A run-time filter's list of integer keys tested as a bitmap over the keys' range.
//!
//! A hash join's dynamic filter lists its build side's keys when they are few
//! (`key IN (SET) ([…])`), and [`crate::run_time_filters`] joins the lists of a partitioned
//! join's partitions into one. DataFusion tests such a list with a hash set: hashing each row's
//! key and probing the set took 14 ns a row, 22 % of TPC-H q17's time (its run-time filters
//! read all six million rows of `lineitem` twice, keeping 6,000). Keys are integers in a range
//! the bitmap of which fits in the processor's cache far more often than not (q17's 204 part
//! keys span 197,000 values: 25 KiB), and a bit is found with one subtraction and one load.

use std::fmt;
use std::hash::Hash;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, ArrowPrimitiveType, AsArray, BooleanArray, PrimitiveArray};
use arrow::buffer::BooleanBuffer;
use arrow::datatypes::{
    DataType, Int8Type, Int16Type, Int32Type, Int64Type, Schema, UInt8Type, UInt16Type, UInt32Type,
    UInt64Type,
};
use datafusion::common::{Result, ScalarValue};
use datafusion::logical_expr::ColumnarValue;
use datafusion::physical_expr::PhysicalExpr;

use crate::filter_conditions::shown_as_written;

/// The widest range of listed keys a bitmap covers: 2²² bits, 512 KiB.
const MAX_BITS: u64 = 1 << 22;

/// A set of integer keys as a bitmap of their range; shared by the copies a plan rewrite makes.
#[derive(Debug, Clone)]
pub(crate) struct KeySet {
    /// The lowest value the bitmap covers, and how many values from it on.
    lowest: i128,
    span: u128,
    /// Bit `k - lowest` is set for each key `k`.
    bits: Arc<[u64]>,
}

impl KeySet {
    /// The set of `keys`, if they lie within `max_bits` values of each other.
    fn of(keys: &[i128], max_bits: u64) -> Option<KeySet> {
        let (lowest, highest) = (*keys.iter().min()?, *keys.iter().max()?);
        let span = u128::try_from(highest - lowest + 1).ok()?;
        if span > u128::from(max_bits) {
            return None;
        }
        let mut bits = vec![0u64; span.div_ceil(64) as usize];
        for key in keys {
            let at = (key - lowest) as usize;
            bits[at / 64] |= 1 << (at % 64);
        }
        Some(KeySet::from_bits(lowest, bits))
    }

    /// The set whose bit `k - lowest` of `bits` is set for each key `k`.
    pub(crate) fn from_bits(lowest: i128, bits: Vec<u64>) -> KeySet {
        KeySet {
            lowest,
            span: 64 * bits.len() as u128,
            bits: bits.into(),
        }
    }

    /// The memory the bitmap holds.
    #[cfg(test)]
    pub(crate) fn size(&self) -> usize {
        std::mem::size_of_val(&*self.bits)
    }

    /// Whether `key` is in the set.
    #[inline]
    pub(crate) fn contains(&self, key: i128) -> bool {
        // Keys below the lowest wrap to beyond the span.
        let at = key.wrapping_sub(self.lowest) as u128;
        at < self.span && self.bits[(at / 64) as usize] >> (at % 64) & 1 == 1
    }
}

/// `column IN (keys)` for integer keys, tested on a bitmap of the keys' range; shown (and
/// compared) as the expression it stands for: the `IN` list, or the probe of a join's table
/// whose keys were recorded (see [`crate::build_keys`]).
#[derive(Debug)]
pub(crate) struct KeyBitmap {
    /// The expression as DataFusion writes it; its first child is `column`.
    shown: Arc<dyn PhysicalExpr>,
    column: Arc<dyn PhysicalExpr>,
    keys: KeySet,
}

impl KeyBitmap {
    /// `shown`, the list `column IN (keys)`, as a bitmap: if `column` is of an integer type and
    /// the keys are integers, none NULL, within [`MAX_BITS`] of each other.
    pub(crate) fn of(
        shown: Arc<dyn PhysicalExpr>,
        column: Arc<dyn PhysicalExpr>,
        keys: &[ScalarValue],
        schema: &Schema,
    ) -> Option<KeyBitmap> {
        let keys: Vec<i128> = keys.iter().map(integer).collect::<Option<_>>()?;
        let keys = KeySet::of(&keys, MAX_BITS)?;
        KeyBitmap::over(shown, column, keys, schema)
    }

    /// `shown`, a test that `column` is among `keys`, as a bitmap: if `column` is of an integer
    /// type and the first child of `shown`.
    pub(crate) fn over(
        shown: Arc<dyn PhysicalExpr>,
        column: Arc<dyn PhysicalExpr>,
        keys: KeySet,
        schema: &Schema,
    ) -> Option<KeyBitmap> {
        let first_child = shown.children().first().map(|c| Arc::clone(c));
        if !is_integer(&column.data_type(schema).ok()?) || first_child.as_ref() != Some(&column) {
            return None;
        }
        Some(KeyBitmap {
            shown,
            column,
            keys,
        })
    }

    /// Which values of `keys` are in the bitmap; NULL where a key is NULL, as for `IN`.
    fn test<T: ArrowPrimitiveType>(&self, keys: &PrimitiveArray<T>) -> BooleanArray
    where
        T::Native: Into<i128>,
    {
        let values = keys.values();
        let kept =
            BooleanBuffer::collect_bool(values.len(), |i| self.keys.contains(values[i].into()));
        BooleanArray::new(kept, keys.nulls().cloned())
    }
}

shown_as_written!(KeyBitmap);

pub(crate) fn is_integer(data_type: &DataType) -> bool {
    use DataType::*;
    matches!(
        data_type,
        Int8 | Int16 | Int32 | Int64 | UInt8 | UInt16 | UInt32 | UInt64
    )
}

/// An integer key's value; `None` for NULL and other types.
fn integer(key: &ScalarValue) -> Option<i128> {
    use ScalarValue::*;
    match *key {
        Int8(Some(v)) => Some(v.into()),
        Int16(Some(v)) => Some(v.into()),
        Int32(Some(v)) => Some(v.into()),
        Int64(Some(v)) => Some(v.into()),
        UInt8(Some(v)) => Some(v.into()),
        UInt16(Some(v)) => Some(v.into()),
        UInt32(Some(v)) => Some(v.into()),
        UInt64(Some(v)) => Some(v.into()),
        _ => None,
    }
}

impl PhysicalExpr for KeyBitmap {
    fn data_type(&self, _input_schema: &Schema) -> Result<DataType> {
        Ok(DataType::Boolean)
    }

    fn nullable(&self, input_schema: &Schema) -> Result<bool> {
        self.column.nullable(input_schema)
    }

    fn evaluate(&self, batch: &arrow::array::RecordBatch) -> Result<ColumnarValue> {
        let keys = self.column.evaluate(batch)?.into_array(batch.num_rows())?;
        let kept: BooleanArray = match keys.data_type() {
            DataType::Int8 => self.test(keys.as_primitive::<Int8Type>()),
            DataType::Int16 => self.test(keys.as_primitive::<Int16Type>()),
            DataType::Int32 => self.test(keys.as_primitive::<Int32Type>()),
            DataType::Int64 => self.test(keys.as_primitive::<Int64Type>()),
            DataType::UInt8 => self.test(keys.as_primitive::<UInt8Type>()),
            DataType::UInt16 => self.test(keys.as_primitive::<UInt16Type>()),
            DataType::UInt32 => self.test(keys.as_primitive::<UInt32Type>()),
            DataType::UInt64 => self.test(keys.as_primitive::<UInt64Type>()),
            // Another type than planned: the list as DataFusion tests it.
            _ => return self.shown.evaluate(batch),
        };
        Ok(ColumnarValue::Array(Arc::new(kept) as ArrayRef))
    }

    fn children(&self) -> Vec<&Arc<dyn PhysicalExpr>> {
        vec![&self.column]
    }

    fn with_new_children(
        self: Arc<Self>,
        children: Vec<Arc<dyn PhysicalExpr>>,
    ) -> Result<Arc<dyn PhysicalExpr>> {
        let [column] = <[_; 1]>::try_from(children).map_err(|children| {
            datafusion::common::internal_datafusion_err!(
                "a key bitmap has one column, not {}",
                children.len()
            )
        })?;
        // The shown expression's children: the column, then (a list's) the keys.
        let mut listed: Vec<_> = self.shown.children().into_iter().cloned().collect();
        listed[0] = Arc::clone(&column);
        let shown = Arc::clone(&self.shown).with_new_children(listed)?;
        Ok(Arc::new(KeyBitmap {
            shown,
            column,
            keys: self.keys.clone(),
        }))
    }

    fn fmt_sql(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.shown.fmt_sql(f)
    }
}

#[cfg(test)]
mod tests {
    use arrow::array::{
        Float64Array, Int8Array, Int64Array, RecordBatch, StringArray, UInt64Array,
    };
    use arrow::datatypes::Field;
    use datafusion::physical_expr::expressions::{Column, InListExpr, lit};

    use super::*;

    /// A batch of one column `k` of `values`.
    fn batch(values: ArrayRef) -> RecordBatch {
        let schema = Schema::new(vec![Field::new("k", values.data_type().clone(), true)]);
        RecordBatch::try_new(Arc::new(schema), vec![values]).unwrap()
    }

    /// `k IN (keys)` as DataFusion builds it, and as a bitmap if one can be made.
    fn lists(
        batch: &RecordBatch,
        keys: &[ScalarValue],
    ) -> (Arc<dyn PhysicalExpr>, Option<KeyBitmap>) {
        let column: Arc<dyn PhysicalExpr> = Arc::new(Column::new("k", 0));
        let list = keys.iter().cloned().map(lit).collect();
        let in_list: Arc<dyn PhysicalExpr> = Arc::new(
            InListExpr::try_new(Arc::clone(&column), list, false, &batch.schema()).unwrap(),
        );
        let bitmap = KeyBitmap::of(Arc::clone(&in_list), column, keys, &batch.schema());
        (in_list, bitmap)
    }

    fn evaluated(expr: &dyn PhysicalExpr, batch: &RecordBatch) -> BooleanArray {
        let kept = expr
            .evaluate(batch)
            .unwrap()
            .into_array(batch.num_rows())
            .unwrap();
        kept.as_boolean().clone()
    }

    /// On every row — keys, values between them, below and above the range, the type's
    /// extremes, NULL — the bitmap answers as DataFusion's list does, NULL for NULL.
    #[test]
    fn a_bitmap_answers_as_the_list_does() {
        let cases: Vec<(ArrayRef, Vec<ScalarValue>)> = vec![
            (
                Arc::new(Int64Array::from(vec![
                    Some(i64::MIN),
                    Some(-7),
                    Some(-6),
                    Some(0),
                    Some(1),
                    Some(63),
                    Some(64),
                    Some(65),
                    Some(200),
                    Some(201),
                    None,
                    Some(i64::MAX),
                    Some(130),
                ])),
                [-6i64, 1, 64, 130, 200]
                    .map(|k| ScalarValue::Int64(Some(k)))
                    .to_vec(),
            ),
            (
                Arc::new(Int8Array::from(vec![
                    Some(i8::MIN),
                    Some(-1),
                    Some(0),
                    Some(5),
                    Some(6),
                    None,
                    Some(i8::MAX),
                ])),
                [i8::MIN, 5, i8::MAX]
                    .map(|k| ScalarValue::Int8(Some(k)))
                    .to_vec(),
            ),
            (
                Arc::new(UInt64Array::from(vec![
                    Some(0),
                    Some(u64::MAX - 1),
                    Some(u64::MAX),
                    None,
                    Some(u64::MAX - 100),
                ])),
                [u64::MAX, u64::MAX - 100]
                    .map(|k| ScalarValue::UInt64(Some(k)))
                    .to_vec(),
            ),
        ];
        for (values, keys) in cases {
            let batch = batch(values);
            let (in_list, bitmap) = lists(&batch, &keys);
            let bitmap = bitmap.expect("integer keys close together");
            let expected = evaluated(in_list.as_ref(), &batch);
            assert_eq!(evaluated(&bitmap, &batch), expected, "{keys:?}");
            assert!(expected.true_count() > 0 && expected.null_count() > 0);
            // Shown as the list it stands for, after a rewrite of its column too.
            assert_eq!(bitmap.to_string(), in_list.to_string());
            let rewritten = Arc::new(bitmap)
                .with_new_children(vec![Arc::new(Column::new("k", 0))])
                .unwrap();
            assert_eq!(evaluated(rewritten.as_ref(), &batch), expected);
            assert_eq!(rewritten.to_string(), in_list.to_string());
        }
    }

    /// Keys too far apart, a NULL key, and columns of other types keep DataFusion's list.
    #[test]
    fn lists_a_bitmap_would_not_fit_stay_lists() {
        let integers = batch(Arc::new(Int64Array::from(vec![1, 2, 3])));
        let far = [0, MAX_BITS as i64].map(|k| ScalarValue::Int64(Some(k)));
        assert!(lists(&integers, &far).1.is_none());
        let just_fits = [0, MAX_BITS as i64 - 1].map(|k| ScalarValue::Int64(Some(k)));
        assert!(lists(&integers, &just_fits).1.is_some());
        let with_null = [ScalarValue::Int64(Some(1)), ScalarValue::Int64(None)];
        assert!(lists(&integers, &with_null).1.is_none());

        let texts = batch(Arc::new(StringArray::from(vec!["1", "2"])));
        assert!(lists(&texts, &[ScalarValue::from("1")]).1.is_none());
        let floats = batch(Arc::new(Float64Array::from(vec![1.0, 2.0])));
        assert!(
            lists(&floats, &[ScalarValue::Float64(Some(1.0))])
                .1
                .is_none()
        );
    }
}
