//! Shared evaluation of per-value string functions over every string encoding.
//!
//! A police function is written once as a [`Kernel`] that maps one `&str` to one output value.
//! [`evaluate`] dispatches on the argument's type once per batch — `Utf8`, `LargeUtf8`,
//! `Utf8View` or a dictionary of those — and handles scalars without expanding them, so each
//! function only has to be correct for a single value. NULL in gives NULL out.

use std::sync::Arc;

use arrow::array::{
    Array, ArrayBuilder, ArrayRef, AsArray, BooleanBuilder, PrimitiveBuilder, StringArrayType,
    StringBuilder,
};
use arrow::compute::take;
use arrow::datatypes::{ArrowPrimitiveType, DataType};
use datafusion::common::types::{NativeType, logical_string};
use datafusion::common::{Result, ScalarValue, exec_err};
use datafusion::logical_expr::{
    Coercion, ColumnarValue, Signature, TypeSignatureClass, Volatility,
};

/// One function of one string value, with its own output builder.
pub trait Kernel {
    type Builder: ArrayBuilder;

    /// An empty builder for `rows` values whose inputs hold `bytes` bytes in all.
    fn builder(rows: usize, bytes: usize) -> Self::Builder;

    /// Appends the result for one non-null input value.
    fn append(&mut self, value: &str, out: &mut Self::Builder);

    /// Appends the NULL that a NULL input gives.
    fn append_null(out: &mut Self::Builder);
}

/// Evaluates `kernel` over a string argument: an array of any string type, or a scalar.
pub fn evaluate<K: Kernel>(kernel: &mut K, arg: &ColumnarValue) -> Result<ColumnarValue> {
    match arg {
        ColumnarValue::Array(array) => Ok(ColumnarValue::Array(evaluate_array(kernel, array)?)),
        ColumnarValue::Scalar(scalar) => {
            let mut builder = K::builder(1, 32);
            match scalar_str(scalar)? {
                Some(value) => kernel.append(value, &mut builder),
                None => K::append_null(&mut builder),
            }
            let array = builder.finish();
            Ok(ColumnarValue::Scalar(ScalarValue::try_from_array(
                &array, 0,
            )?))
        }
    }
}

/// Evaluates `kernel` over every value of a string array.
pub fn evaluate_array<K: Kernel>(kernel: &mut K, array: &ArrayRef) -> Result<ArrayRef> {
    match array.data_type() {
        DataType::Utf8 => Ok(run(kernel, array.as_string::<i32>())),
        DataType::LargeUtf8 => Ok(run(kernel, array.as_string::<i64>())),
        DataType::Utf8View => Ok(run(kernel, array.as_string_view())),
        DataType::Dictionary(_, _) => {
            // Each distinct value is computed once; the keys then pick the results.
            let dictionary = array.as_any_dictionary();
            let values = evaluate_array(kernel, dictionary.values())?;
            Ok(take(&values, dictionary.keys(), None)?)
        }
        DataType::Null => {
            let mut builder = K::builder(array.len(), 0);
            (0..array.len()).for_each(|_| K::append_null(&mut builder));
            Ok(builder.finish())
        }
        other => exec_err!("expected a string argument, got {other}"),
    }
}

fn run<'a, K: Kernel, S: StringArrayType<'a>>(kernel: &mut K, strings: S) -> ArrayRef {
    let rows = strings.len();
    let mut builder = K::builder(rows, rows * 12);
    match strings.logical_nulls() {
        None => {
            for i in 0..rows {
                // SAFETY: `i` is within the array's bounds.
                kernel.append(unsafe { strings.value_unchecked(i) }, &mut builder);
            }
        }
        Some(nulls) => {
            for i in 0..rows {
                if nulls.is_null(i) {
                    K::append_null(&mut builder);
                } else {
                    // SAFETY: `i` is within the array's bounds.
                    kernel.append(unsafe { strings.value_unchecked(i) }, &mut builder);
                }
            }
        }
    }
    Arc::new(builder.finish()) as ArrayRef
}

/// The string held by a scalar argument; `None` for NULL.
pub fn scalar_str(scalar: &ScalarValue) -> Result<Option<&str>> {
    match scalar {
        ScalarValue::Utf8(v) | ScalarValue::LargeUtf8(v) | ScalarValue::Utf8View(v) => {
            Ok(v.as_deref())
        }
        ScalarValue::Dictionary(_, inner) => scalar_str(inner),
        ScalarValue::Null => Ok(None),
        other => exec_err!("expected a string argument, got {}", other.data_type()),
    }
}

/// A kernel producing text: `f` writes the result into its buffer and returns `false` for NULL.
pub struct ToText<F>(pub F, String);

impl<F: FnMut(&str, &mut String) -> bool> ToText<F> {
    pub fn new(f: F) -> Self {
        Self(f, String::with_capacity(64))
    }
}

impl<F: FnMut(&str, &mut String) -> bool> Kernel for ToText<F> {
    type Builder = StringBuilder;

    fn builder(rows: usize, bytes: usize) -> StringBuilder {
        StringBuilder::with_capacity(rows, bytes)
    }

    #[inline]
    fn append(&mut self, value: &str, out: &mut StringBuilder) {
        self.1.clear();
        if (self.0)(value, &mut self.1) {
            out.append_value(&self.1);
        } else {
            out.append_null();
        }
    }

    fn append_null(out: &mut StringBuilder) {
        out.append_null();
    }
}

/// A kernel producing text that `f` returns in a value of its own (a parsed plate, a static
/// name); `None` is NULL. Unlike [`ToText`], the text goes straight into the output.
pub struct ToStr<F>(pub F);

impl<T: AsRef<str>, F: FnMut(&str) -> Option<T>> Kernel for ToStr<F> {
    type Builder = StringBuilder;

    fn builder(rows: usize, bytes: usize) -> StringBuilder {
        StringBuilder::with_capacity(rows, bytes)
    }

    #[inline]
    fn append(&mut self, value: &str, out: &mut StringBuilder) {
        out.append_option((self.0)(value));
    }

    fn append_null(out: &mut StringBuilder) {
        out.append_null();
    }
}

/// A kernel producing booleans; `None` is NULL.
pub struct ToBool<F>(pub F);

impl<F: FnMut(&str) -> Option<bool>> Kernel for ToBool<F> {
    type Builder = BooleanBuilder;

    fn builder(rows: usize, _bytes: usize) -> BooleanBuilder {
        BooleanBuilder::with_capacity(rows)
    }

    #[inline]
    fn append(&mut self, value: &str, out: &mut BooleanBuilder) {
        out.append_option((self.0)(value));
    }

    fn append_null(out: &mut BooleanBuilder) {
        out.append_null();
    }
}

/// A kernel producing numbers of Arrow type `T`; `None` is NULL.
pub struct ToPrimitive<T, F>(pub F, std::marker::PhantomData<T>);

impl<T: ArrowPrimitiveType, F: FnMut(&str) -> Option<T::Native>> ToPrimitive<T, F> {
    pub fn new(f: F) -> Self {
        Self(f, std::marker::PhantomData)
    }
}

impl<T: ArrowPrimitiveType, F: FnMut(&str) -> Option<T::Native>> Kernel for ToPrimitive<T, F> {
    type Builder = PrimitiveBuilder<T>;

    fn builder(rows: usize, _bytes: usize) -> PrimitiveBuilder<T> {
        PrimitiveBuilder::with_capacity(rows)
    }

    #[inline]
    fn append(&mut self, value: &str, out: &mut PrimitiveBuilder<T>) {
        out.append_option((self.0)(value));
    }

    fn append_null(out: &mut PrimitiveBuilder<T>) {
        out.append_null();
    }
}

/// The signature of a function of one text argument: strings of every encoding are taken as
/// they are (dictionaries stay dictionaries), other types are cast to text first, so that a
/// phone number or pincode stored as an integer works too.
pub fn one_text_argument() -> Signature {
    Signature::coercible(
        vec![
            Coercion::new_implicit(
                TypeSignatureClass::Native(logical_string()),
                vec![TypeSignatureClass::Any],
                NativeType::String,
            )
            .with_encoding_preservation(
                datafusion::logical_expr::EncodingPreservation::dictionary(),
            ),
        ],
        Volatility::Immutable,
    )
}

#[cfg(test)]
pub(crate) mod test_util {
    //! Runs a function over every string encoding and checks that all agree.

    use super::*;
    use arrow::array::{DictionaryArray, LargeStringArray, StringArray, StringViewArray};
    use arrow::datatypes::{Field, Int32Type};
    use datafusion::config::ConfigOptions;
    use datafusion::logical_expr::{ScalarFunctionArgs, ScalarUDF};

    /// Calls `udf` on `inputs` as Utf8, LargeUtf8, Utf8View, a dictionary and one scalar per
    /// value; asserts that every encoding gives the same answer and returns it.
    pub fn run_all_encodings(udf: &ScalarUDF, inputs: &[Option<&str>]) -> ArrayRef {
        let encodings: Vec<ArrayRef> = vec![
            Arc::new(StringArray::from(inputs.to_vec())),
            Arc::new(LargeStringArray::from(inputs.to_vec())),
            Arc::new(StringViewArray::from(inputs.to_vec())),
            Arc::new(
                inputs
                    .iter()
                    .copied()
                    .collect::<DictionaryArray<Int32Type>>(),
            ),
        ];
        let mut results = encodings.iter().map(|array| {
            let out = invoke(udf, ColumnarValue::Array(Arc::clone(array)), inputs.len());
            out.into_array(inputs.len()).unwrap()
        });
        let first = results.next().unwrap();
        for other in results {
            assert_eq!(&first, &other, "encodings disagree for {inputs:?}");
        }
        for (i, input) in inputs.iter().enumerate() {
            let scalar = ColumnarValue::Scalar(ScalarValue::Utf8(input.map(str::to_string)));
            let out = invoke(udf, scalar, 1);
            let ColumnarValue::Scalar(value) = out else {
                panic!("a scalar argument must give a scalar result")
            };
            assert_eq!(
                value,
                ScalarValue::try_from_array(&first, i).unwrap(),
                "scalar {input:?}"
            );
        }
        first
    }

    fn invoke(udf: &ScalarUDF, arg: ColumnarValue, rows: usize) -> ColumnarValue {
        let arg_field = Arc::new(Field::new("a", arg.data_type(), true));
        let return_type = udf.return_type(&[arg.data_type()]).unwrap();
        udf.invoke_with_args(ScalarFunctionArgs {
            args: vec![arg],
            arg_fields: vec![arg_field],
            number_rows: rows,
            return_field: Arc::new(Field::new("r", return_type, true)),
            config_options: Arc::new(ConfigOptions::default()),
        })
        .unwrap()
    }
}
