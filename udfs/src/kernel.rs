//! Shared evaluation of per-value string functions over every string encoding.
//!
//! A police function is written once as a [`Kernel`] that maps one `&str` to one output value.
//! [`evaluate`] dispatches on the argument's type once per batch — `Utf8`, `LargeUtf8`,
//! `Utf8View` or a dictionary of those — and handles scalars without expanding them, so each
//! function only has to be correct for a single value. NULL in gives NULL out.

use std::sync::Arc;

use arrow::array::{
    Array, ArrayBuilder, ArrayRef, AsArray, BooleanBuilder, PrimitiveBuilder, StringArray,
    StringArrayType, StringBuilder,
};
use arrow::buffer::{BooleanBuffer, Buffer, NullBuffer, OffsetBuffer, ScalarBuffer};
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

    /// Whether the loop over the values is compiled a second time for x86-64 processors with
    /// SSSE3 and POPCNT, calling [`Kernel::append_ssse3`], and that copy used where the
    /// processor has them: code that uses these instructions (the plate parser's first pass) is
    /// then inlined into the loop instead of being called once per value.
    const SSSE3: bool = false;

    /// [`Kernel::append`] in the loop compiled for SSSE3 and POPCNT. It must be
    /// `#[inline(always)]`, and so must everything it calls down to the code that uses those
    /// instructions (no closures in between).
    ///
    /// # Safety
    ///
    /// Called only where the processor has SSSE3 and POPCNT.
    #[inline(always)]
    unsafe fn append_ssse3(&mut self, value: &str, out: &mut Self::Builder) {
        self.append(value, out);
    }
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
    #[cfg(target_arch = "x86_64")]
    if K::SSSE3 && has_ssse3() {
        // SAFETY: the processor has the instructions `run_ssse3` is compiled for.
        return unsafe { run_ssse3(kernel, strings) };
    }
    run_loop::<K, S, false>(kernel, strings)
}

/// Whether this processor has SSSE3 and POPCNT, which [`Kernel::SSSE3`] loops and the plate
/// parser's first pass are compiled for.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub(crate) fn has_ssse3() -> bool {
    std::arch::is_x86_feature_detected!("ssse3") && std::arch::is_x86_feature_detected!("popcnt")
}

/// [`run_loop`] compiled for SSSE3 and POPCNT.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "ssse3,popcnt")]
fn run_ssse3<'a, K: Kernel, S: StringArrayType<'a>>(kernel: &mut K, strings: S) -> ArrayRef {
    run_loop::<K, S, true>(kernel, strings)
}

/// The loop over the values; with `SSSE3`, it calls [`Kernel::append_ssse3`].
#[inline(always)]
fn run_loop<'a, K: Kernel, S: StringArrayType<'a>, const SSSE3: bool>(
    kernel: &mut K,
    strings: S,
) -> ArrayRef {
    let rows = strings.len();
    let mut builder = K::builder(rows, rows * 12);
    let mut append = |i: usize, builder: &mut K::Builder| {
        // SAFETY: `i` is within the array's bounds; `append_ssse3` only in `run_ssse3`.
        unsafe {
            let value = strings.value_unchecked(i);
            if SSSE3 {
                kernel.append_ssse3(value, builder);
            } else {
                kernel.append(value, builder);
            }
        }
    };
    match strings.logical_nulls() {
        None => {
            for i in 0..rows {
                append(i, &mut builder);
            }
        }
        Some(nulls) => {
            for i in 0..rows {
                if nulls.is_null(i) {
                    K::append_null(&mut builder);
                } else {
                    append(i, &mut builder);
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

    #[inline(always)]
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

    #[inline(always)]
    fn append(&mut self, value: &str, out: &mut StringBuilder) {
        out.append_option((self.0)(value));
    }

    fn append_null(out: &mut StringBuilder) {
        out.append_null();
    }
}

/// Text of at most 16 bytes held in a 16-byte buffer, zeros after it (a parsed plate), so that
/// it can be written out as one 16-byte store.
///
/// # Safety
///
/// `byte_len() <= 16`, and the first `byte_len()` bytes of `padded()` are valid UTF-8: the
/// output array is built without checking them again.
pub unsafe trait ShortStr {
    fn padded(&self) -> &[u8; 16];
    fn byte_len(&self) -> usize;
}

/// Builds a `StringArray` of [`ShortStr`] values.
#[derive(Clone, Debug)]
pub struct ShortStrBuilder {
    /// The values written so far; the capacity always leaves room for 16 more bytes.
    values: Vec<u8>,
    offsets: Vec<i32>,
    /// Validity bits, a word at a time: full words, then the bits of the next word so far.
    validity: Vec<u64>,
    bits: u64,
    nulls: usize,
}

impl ShortStrBuilder {
    pub fn with_capacity(rows: usize) -> Self {
        let mut offsets = Vec::with_capacity(rows + 1);
        offsets.push(0);
        ShortStrBuilder {
            values: Vec::with_capacity(16 * (rows + 1)),
            offsets,
            validity: Vec::with_capacity(rows.div_ceil(64)),
            bits: 0,
            nulls: 0,
        }
    }

    /// Appends `text`, or NULL for `None`.
    #[inline(always)]
    pub fn append_option<T: ShortStr>(&mut self, text: Option<&T>) {
        let at = self.values.len();
        if self.values.capacity() - at < 16 {
            self.values.reserve(16 + at);
        }
        let (padded, len) = match text {
            Some(text) => (*text.padded(), text.byte_len().min(16)),
            None => ([0; 16], 0),
        };
        // SAFETY: the capacity leaves room for the 16 bytes written; the first `len <= 16` of
        // them are initialised and become part of the values.
        unsafe {
            let end = self.values.as_mut_ptr().add(at);
            end.cast::<[u8; 16]>().write_unaligned(padded);
            self.values.set_len(at + len);
        }
        let end = i32::try_from(self.values.len()).expect("byte array offset overflow");
        self.push(end, text.is_some());
    }

    #[inline(always)]
    pub fn append_null(&mut self) {
        self.push(*self.offsets.last().unwrap(), false);
    }

    #[inline(always)]
    fn push(&mut self, end: i32, valid: bool) {
        let row = self.offsets.len() - 1;
        self.offsets.push(end);
        self.bits |= (valid as u64) << (row % 64);
        self.nulls += !valid as usize;
        if row % 64 == 63 {
            self.validity.push(self.bits);
            self.bits = 0;
        }
    }

    fn into_array(self) -> ArrayRef {
        let ShortStrBuilder {
            values,
            offsets,
            validity: mut words,
            bits,
            nulls,
        } = self;
        let rows = offsets.len() - 1;
        let nulls = (nulls > 0).then(|| {
            if rows % 64 != 0 {
                words.push(bits);
            }
            let bits = BooleanBuffer::new(Buffer::from_vec(words), 0, rows);
            // SAFETY: `nulls` counts the zero bits among the first `rows`.
            unsafe { NullBuffer::new_unchecked(bits, nulls) }
        });
        // SAFETY: the offsets start at 0 and never decrease, the last is the length of the
        // values, and every value is valid UTF-8 (the contract of `ShortStr`).
        let array = unsafe {
            let offsets = OffsetBuffer::new_unchecked(ScalarBuffer::from(offsets));
            StringArray::new_unchecked(offsets, Buffer::from_vec(values), nulls)
        };
        Arc::new(array)
    }
}

impl ArrayBuilder for ShortStrBuilder {
    fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    fn finish(&mut self) -> ArrayRef {
        std::mem::replace(self, ShortStrBuilder::with_capacity(0)).into_array()
    }

    fn finish_cloned(&self) -> ArrayRef {
        self.clone().into_array()
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }

    fn into_box_any(self: Box<Self>) -> Box<dyn std::any::Any> {
        self
    }
}

/// A kernel producing booleans; `None` is NULL.
pub struct ToBool<F>(pub F);

impl<F: FnMut(&str) -> Option<bool>> Kernel for ToBool<F> {
    type Builder = BooleanBuilder;

    fn builder(rows: usize, _bytes: usize) -> BooleanBuilder {
        BooleanBuilder::with_capacity(rows)
    }

    #[inline(always)]
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

    #[inline(always)]
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
mod tests {
    use super::*;

    /// A short text for the builder.
    struct Short([u8; 16], usize);

    // SAFETY: the tests below fill the first `len` bytes with ASCII digits.
    unsafe impl ShortStr for Short {
        fn padded(&self) -> &[u8; 16] {
            &self.0
        }

        fn byte_len(&self) -> usize {
            self.1
        }
    }

    /// The builder's array equals arrow's own over several validity words, with NULLs and
    /// empty values among them, and after `finish_cloned`.
    #[test]
    fn short_str_builder_matches_string_builder() {
        for rows in [0, 1, 63, 64, 65, 130, 200] {
            let mut ours = ShortStrBuilder::with_capacity(rows / 3);
            let mut theirs = StringBuilder::new();
            for i in 0..rows {
                if i % 7 == 3 {
                    ours.append_null();
                    theirs.append_null();
                } else if i % 5 == 1 {
                    ours.append_option::<Short>(None);
                    theirs.append_null();
                } else {
                    let text = (i * 7919).to_string().repeat(i % 4);
                    let text = &text[..text.len().min(16)];
                    let mut padded = [0; 16];
                    padded[..text.len()].copy_from_slice(text.as_bytes());
                    ours.append_option(Some(&Short(padded, text.len())));
                    theirs.append_value(text);
                }
            }
            let expected: ArrayRef = Arc::new(theirs.finish());
            assert_eq!(ours.len(), rows);
            assert_eq!(&ours.finish_cloned(), &expected, "{rows} rows");
            assert_eq!(&ours.finish(), &expected, "{rows} rows");
            assert_eq!(ours.len(), 0);
        }
    }
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
