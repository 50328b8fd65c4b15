//! Shared evaluation of per-value string functions over every string encoding.
//!
//! A police function is written once as a [`Kernel`] that maps one `&str` to one output value.
//! [`evaluate`] dispatches on the argument's type once per batch — `Utf8`, `LargeUtf8`,
//! `Utf8View` or a dictionary of those — and handles scalars without expanding them, so each
//! function only has to be correct for a single value. NULL in gives NULL out.
//!
//! The default loop appends each result to an Arrow builder. Functions on the hot path of
//! queries have loops of their own, which keep their place in registers: a [`ShortText`]
//! kernel (results of at most 16 bytes, such as a canonical plate) writes each result with one
//! 16-byte store into a buffer sized for the batch up front, and a [`Predicate`] builds 64
//! results in a word. Both loops may be compiled a second time for SSSE3 and POPCNT, so that
//! the plate parser's vector code becomes part of them. All loops walk the rows 64 at a time
//! with the input's validity a word at a time (`blocks`).

use std::ops::Range;
use std::sync::Arc;

use arrow::array::{
    Array, ArrayBuilder, ArrayRef, AsArray, BooleanArray, BooleanBuilder, GenericStringArray,
    OffsetSizeTrait, PrimitiveBuilder, StringArray, StringBuilder, StringViewArray,
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
pub(crate) trait Kernel {
    type Builder: ArrayBuilder;

    /// An empty builder for `rows` values whose inputs hold `bytes` bytes in all.
    fn builder(rows: usize, bytes: usize) -> Self::Builder;

    /// Appends the result for one non-null input value.
    fn append(&mut self, value: &str, out: &mut Self::Builder);

    /// Appends the NULL that a NULL input gives.
    fn append_null(out: &mut Self::Builder);

    /// Evaluates the kernel over every value of one array. The default appends each result
    /// to a [`Kernel::Builder`]; a kernel may bring a faster loop of its own.
    fn run<V: Values>(&mut self, strings: V) -> ArrayRef
    where
        Self: Sized,
    {
        append_each(self, strings)
    }
}

/// Evaluates `kernel` over a string argument: an array of any string type, or a scalar.
pub(crate) fn evaluate<K: Kernel>(kernel: &mut K, arg: &ColumnarValue) -> Result<ColumnarValue> {
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
fn evaluate_array<K: Kernel>(kernel: &mut K, array: &ArrayRef) -> Result<ArrayRef> {
    match array.data_type() {
        DataType::Utf8 => Ok(kernel.run(array.as_string::<i32>())),
        DataType::LargeUtf8 => Ok(kernel.run(array.as_string::<i64>())),
        DataType::Utf8View => Ok(kernel.run(Views::new(array.as_string_view()))),
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

/// The values of a string array by index, as the loops read them.
pub(crate) trait Values {
    fn rows(&self) -> usize;

    fn logical_nulls(&self) -> Option<NullBuffer>;

    /// Value `i`, NULL or not.
    ///
    /// # Safety
    ///
    /// `i < self.rows()`.
    unsafe fn value(&self, i: usize) -> &str;
}

impl<O: OffsetSizeTrait> Values for &GenericStringArray<O> {
    fn rows(&self) -> usize {
        Array::len(*self)
    }

    fn logical_nulls(&self) -> Option<NullBuffer> {
        Array::logical_nulls(*self)
    }

    #[inline(always)]
    unsafe fn value(&self, i: usize) -> &str {
        // SAFETY: the caller keeps `i` in bounds.
        unsafe { self.value_unchecked(i) }
    }
}

/// A `StringViewArray` read without a branch on where each value is held. A value of up to 12
/// bytes is in its view, a longer one in a data buffer; which is which looks random to the
/// processor in a column of plates (6-16 bytes), and a missed branch per value cost more
/// than reading a plate. Both places are computed and one is picked.
struct Views<'a> {
    array: &'a StringViewArray,
    views: &'a [u128],
    /// Where each data buffer starts, never empty.
    data: Vec<*const u8>,
}

impl<'a> Views<'a> {
    fn new(array: &'a StringViewArray) -> Views<'a> {
        let mut data: Vec<*const u8> = array.data_buffers().iter().map(|b| b.as_ptr()).collect();
        if data.is_empty() {
            // Every value is in its view; this pointer is never read.
            data.push(std::ptr::null());
        }
        Views {
            array,
            views: array.views(),
            data,
        }
    }
}

impl Values for Views<'_> {
    fn rows(&self) -> usize {
        self.views.len()
    }

    fn logical_nulls(&self) -> Option<NullBuffer> {
        self.array.logical_nulls()
    }

    #[inline(always)]
    unsafe fn value(&self, i: usize) -> &str {
        // SAFETY: `i` is in bounds (the caller's contract). A view holds the length in its
        // bytes 0-3, then either the value in bytes 4-15 (up to 12 bytes) or the data
        // buffer's index in bytes 8-11 and the offset in it in bytes 12-15. For a value held
        // in its view those are text: the index is clamped into `data`, and the pointer made
        // from them (with wrapping arithmetic, so it is only a number) is not the one picked.
        unsafe {
            let view = self.views.get_unchecked(i);
            let len = *view as u32 as usize;
            let inline = (view as *const u128).cast::<u8>().wrapping_add(4);
            let buffer = ((*view >> 64) as u32 as usize).min(self.data.len() - 1);
            let offset = (*view >> 96) as u32 as usize;
            let outside = self.data.get_unchecked(buffer).wrapping_add(offset);
            let at = std::hint::select_unpredictable(len <= 12, inline, outside);
            std::str::from_utf8_unchecked(std::slice::from_raw_parts(at, len))
        }
    }
}

/// The default [`Kernel::run`]: each result appended to a builder.
fn append_each<K: Kernel, V: Values>(kernel: &mut K, strings: V) -> ArrayRef {
    let rows = strings.rows();
    let mut builder = K::builder(rows, rows * 12);
    let nulls = strings.logical_nulls();
    for (block, valid) in blocks(rows, nulls.as_ref()) {
        for i in block.clone() {
            if valid >> (i - block.start) & 1 == 1 {
                // SAFETY: `i` is within the array's bounds.
                kernel.append(unsafe { strings.value(i) }, &mut builder);
            } else {
                K::append_null(&mut builder);
            }
        }
    }
    Arc::new(builder.finish()) as ArrayRef
}

/// Whether this processor has SSSE3 and POPCNT, which the loops of [`ShortText::SSSE3`] and
/// [`Predicate::SSSE3`] kernels and the plate parser's first pass are compiled for.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
pub(crate) fn has_ssse3() -> bool {
    std::arch::is_x86_feature_detected!("ssse3") && std::arch::is_x86_feature_detected!("popcnt")
}

/// The string held by a scalar argument; `None` for NULL.
fn scalar_str(scalar: &ScalarValue) -> Result<Option<&str>> {
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
pub(crate) struct ToText<F>(pub(crate) F, String);

impl<F: FnMut(&str, &mut String) -> bool> ToText<F> {
    pub(crate) fn new(f: F) -> Self {
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
pub(crate) struct ToStr<F>(pub(crate) F);

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

/// Text of at most 16 bytes held in a 16-byte buffer (a parsed plate), so that it can be
/// written out as one 16-byte store.
///
/// # Safety
///
/// `byte_len() <= 16`, and the first `byte_len()` bytes of `padded()` are valid UTF-8: the
/// output array is built without checking them again.
pub(crate) unsafe trait ShortStr {
    fn padded(&self) -> &[u8; 16];
    fn byte_len(&self) -> usize;

    fn as_str(&self) -> &str {
        // SAFETY: the contract of the trait.
        unsafe { std::str::from_utf8_unchecked(self.padded().get_unchecked(..self.byte_len())) }
    }
}

/// Up to 16 bytes of text held inline: a [`ShortStr`] of its own, for results cut from a
/// parsed value or taken from a small set of names.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct InlineStr {
    padded: [u8; 16],
    len: u8,
}

impl InlineStr {
    /// `text`, which must fit (for constants: a longer text fails to compile there).
    pub(crate) const fn new(text: &str) -> InlineStr {
        let bytes = text.as_bytes();
        assert!(bytes.len() <= 16, "an InlineStr holds at most 16 bytes");
        let mut padded = [0; 16];
        let mut i = 0;
        while i < bytes.len() {
            padded[i] = bytes[i];
            i += 1;
        }
        InlineStr {
            padded,
            len: bytes.len() as u8,
        }
    }

    /// The first `len` bytes of `padded`, which are known to be ASCII, without a check.
    ///
    /// # Safety
    ///
    /// `len <= 16` and the first `len` bytes of `padded` are ASCII.
    #[inline(always)]
    pub(crate) unsafe fn from_ascii_unchecked(padded: [u8; 16], len: usize) -> InlineStr {
        debug_assert!(len <= 16 && padded[..len].is_ascii());
        InlineStr {
            padded,
            len: len as u8,
        }
    }

    /// The first `len` bytes of `bytes`; `None` if `len > 16` or they are not all ASCII.
    #[inline(always)]
    pub(crate) fn ascii(bytes: [u8; 16], len: usize) -> Option<InlineStr> {
        if len > 16 {
            return None;
        }
        let kept = u128::MAX.checked_shr(8 * (16 - len) as u32).unwrap_or(0);
        let text = u128::from_le_bytes(bytes) & kept;
        (text & u128::from_le_bytes([0x80; 16]) == 0).then_some(InlineStr {
            padded: text.to_le_bytes(),
            len: len as u8,
        })
    }
}

// SAFETY: `new` copies a `str` of at most 16 bytes, `ascii` checks its bytes and length.
unsafe impl ShortStr for InlineStr {
    #[inline(always)]
    fn padded(&self) -> &[u8; 16] {
        &self.padded
    }

    #[inline(always)]
    fn byte_len(&self) -> usize {
        self.len as usize
    }
}

/// A kernel whose result for each value is a [`ShortStr`] or NULL. Its arrays are evaluated by
/// a loop of its own (see [`evaluate_short`]).
pub(crate) trait ShortText {
    type Text: ShortStr;

    /// The result for one non-null value; `None` for NULL.
    fn text(&mut self, value: &str) -> Option<Self::Text>;

    /// Whether the loop over the values is compiled a second time for x86-64 processors with
    /// SSSE3 and POPCNT, calling [`ShortText::text_ssse3`], and that copy used where the
    /// processor has them: code that uses these instructions (the plate parser's first pass) is
    /// then inlined into the loop instead of being called once per value.
    const SSSE3: bool = false;

    /// [`ShortText::text`] in the loop compiled for SSSE3 and POPCNT. It must be
    /// `#[inline(always)]`, and so must everything it calls down to the code that uses those
    /// instructions (no closures in between).
    ///
    /// # Safety
    ///
    /// Called only where the processor has SSSE3 and POPCNT.
    #[inline(always)]
    unsafe fn text_ssse3(&mut self, value: &str) -> Option<Self::Text> {
        self.text(value)
    }
}

/// Evaluates a [`ShortText`] kernel over a string argument, as [`evaluate`] does. Over an array,
/// each result is written with one 16-byte store into a buffer sized for the whole batch up
/// front: the loop keeps its place in registers and checks no capacity per value.
pub(crate) fn evaluate_short<K: ShortText>(
    kernel: &mut K,
    arg: &ColumnarValue,
) -> Result<ColumnarValue> {
    evaluate(&mut Short(kernel), arg)
}

/// A [`ShortText`] kernel as a [`Kernel`]: scalars go through a `StringBuilder`, arrays through
/// [`short_loop`].
struct Short<'k, K>(&'k mut K);

impl<K: ShortText> Kernel for Short<'_, K> {
    type Builder = StringBuilder;

    fn builder(rows: usize, bytes: usize) -> StringBuilder {
        StringBuilder::with_capacity(rows, bytes)
    }

    fn append(&mut self, value: &str, out: &mut StringBuilder) {
        match self.0.text(value) {
            Some(text) => out.append_value(text.as_str()),
            None => out.append_null(),
        }
    }

    fn append_null(out: &mut StringBuilder) {
        out.append_null();
    }

    fn run<V: Values>(&mut self, strings: V) -> ArrayRef {
        run_fast(self, strings)
    }
}

impl<K: ShortText> FastLoop for Short<'_, K> {
    const SSSE3: bool = K::SSSE3;

    #[inline(always)]
    fn run_loop<V: Values, const SSSE3: bool>(&mut self, strings: V) -> ArrayRef {
        short_loop::<K, V, SSSE3>(self.0, strings)
    }
}

/// The loop over the values of a [`ShortText`] kernel; with `SSSE3` (only in
/// [`run_fast_ssse3`]), it calls [`ShortText::text_ssse3`].
#[inline(always)]
fn short_loop<K: ShortText, V: Values, const SSSE3: bool>(kernel: &mut K, strings: V) -> ArrayRef {
    let rows = strings.rows();
    // A result takes at most 16 bytes and is written as 16: `16 * rows` bytes hold them all,
    // and their offsets fit in `i32` when that does.
    let Some(capacity) = rows.checked_mul(16).filter(|&c| c <= i32::MAX as usize) else {
        return append_each(&mut Short(kernel), strings);
    };
    let mut values = Vec::<u8>::with_capacity(capacity);
    let mut offsets = Vec::<i32>::with_capacity(rows + 1);
    let (out, ends) = (values.as_mut_ptr(), offsets.as_mut_ptr());
    // The values written so far take `at` bytes.
    let mut at = 0usize;
    // SAFETY: `offsets` has room for `rows + 1`.
    unsafe { ends.write(0) };
    let mut validity = Validity::with_rows(rows);
    let nulls_in = strings.logical_nulls();
    for (block, valid) in blocks(rows, nulls_in.as_ref()) {
        let mut bits = 0u64;
        for i in block.clone() {
            let bit = 1 << (i - block.start);
            if valid & bit != 0 {
                // SAFETY: `i < rows`; `text_ssse3` only in `run_fast_ssse3`.
                let text = unsafe {
                    let value = strings.value(i);
                    if SSSE3 {
                        kernel.text_ssse3(value)
                    } else {
                        kernel.text(value)
                    }
                };
                if let Some(text) = text {
                    // SAFETY: each value before row `i` took at most 16 bytes, so `at + 16 <=
                    // 16 * (i + 1) <= capacity`.
                    unsafe {
                        out.add(at)
                            .cast::<[u8; 16]>()
                            .write_unaligned(*text.padded())
                    };
                    at += text.byte_len();
                    bits |= bit;
                }
            }
            // SAFETY: `i + 1 <= rows`; `at <= capacity` fits in `i32`.
            unsafe { ends.add(i + 1).write(at as i32) };
        }
        validity.push(bits, block.len());
    }
    // SAFETY: the first `at` bytes of `values` and `rows + 1` offsets are written.
    unsafe {
        values.set_len(at);
        offsets.set_len(rows + 1);
    }
    // Results are mostly shorter than 16 bytes (a plate, 10): give back the rest rather than
    // hold it as long as the array lives (allocators shrink a block in place).
    values.shrink_to_fit();
    // SAFETY: the offsets start at 0 and never decrease, the last is the length of the values,
    // and every value is valid UTF-8 (the contract of `ShortStr`).
    let array = unsafe {
        let offsets = OffsetBuffer::new_unchecked(ScalarBuffer::from(offsets));
        StringArray::new_unchecked(offsets, Buffer::from_vec(values), validity.finish(rows))
    };
    Arc::new(array)
}

/// A kernel producing booleans, with a loop of its own that builds each 64 results in a word
/// (see [`evaluate_bool`]).
pub(crate) trait Predicate {
    /// The result for one non-null value; `None` for NULL.
    fn test(&mut self, value: &str) -> Option<bool>;

    /// As [`ShortText::SSSE3`].
    const SSSE3: bool = false;

    /// [`Predicate::test`] in the loop compiled for SSSE3 and POPCNT, as
    /// [`ShortText::text_ssse3`].
    ///
    /// # Safety
    ///
    /// Called only where the processor has SSSE3 and POPCNT.
    #[inline(always)]
    unsafe fn test_ssse3(&mut self, value: &str) -> Option<bool> {
        self.test(value)
    }
}

/// Evaluates a [`Predicate`] over a string argument, as [`evaluate`] does.
pub(crate) fn evaluate_bool<P: Predicate>(
    predicate: &mut P,
    arg: &ColumnarValue,
) -> Result<ColumnarValue> {
    evaluate(&mut Bool(predicate), arg)
}

/// A [`Predicate`] as a [`Kernel`]: scalars go through a `BooleanBuilder`, arrays through
/// [`bool_loop`].
struct Bool<'p, P>(&'p mut P);

impl<P: Predicate> Kernel for Bool<'_, P> {
    type Builder = BooleanBuilder;

    fn builder(rows: usize, _bytes: usize) -> BooleanBuilder {
        BooleanBuilder::with_capacity(rows)
    }

    fn append(&mut self, value: &str, out: &mut BooleanBuilder) {
        out.append_option(self.0.test(value));
    }

    fn append_null(out: &mut BooleanBuilder) {
        out.append_null();
    }

    fn run<V: Values>(&mut self, strings: V) -> ArrayRef {
        run_fast(self, strings)
    }
}

impl<P: Predicate> FastLoop for Bool<'_, P> {
    const SSSE3: bool = P::SSSE3;

    #[inline(always)]
    fn run_loop<V: Values, const SSSE3: bool>(&mut self, strings: V) -> ArrayRef {
        bool_loop::<P, V, SSSE3>(self.0, strings)
    }
}

/// The loop over the values of a [`Predicate`]; with `SSSE3` (only in [`run_fast_ssse3`]), it
/// calls [`Predicate::test_ssse3`].
#[inline(always)]
fn bool_loop<P: Predicate, V: Values, const SSSE3: bool>(
    predicate: &mut P,
    strings: V,
) -> ArrayRef {
    let rows = strings.rows();
    let mut values = Vec::<u64>::with_capacity(rows.div_ceil(64));
    let mut validity = Validity::with_rows(rows);
    let nulls_in = strings.logical_nulls();
    for (block, valid) in blocks(rows, nulls_in.as_ref()) {
        let (mut bits, mut trues) = (0u64, 0u64);
        for i in block.clone() {
            let bit = 1 << (i - block.start);
            if valid & bit != 0 {
                // SAFETY: `i < rows`; `test_ssse3` only in `run_fast_ssse3`.
                let result = unsafe {
                    let value = strings.value(i);
                    if SSSE3 {
                        predicate.test_ssse3(value)
                    } else {
                        predicate.test(value)
                    }
                };
                if let Some(result) = result {
                    bits |= bit;
                    trues |= if result { bit } else { 0 };
                }
            }
        }
        values.push(trues);
        validity.push(bits, block.len());
    }
    let values = BooleanBuffer::new(Buffer::from_vec(values), 0, rows);
    Arc::new(BooleanArray::new(values, validity.finish(rows)))
}

/// A loop of its own over the values of an array, which may be compiled a second time for
/// SSSE3 and POPCNT ([`ShortText`] and [`Predicate`] kernels).
trait FastLoop {
    /// Whether the copy compiled for SSSE3 and POPCNT is used where the processor has them.
    const SSSE3: bool;

    /// The loop. With `SSSE3` it may call code that needs those instructions: it is then called
    /// only from [`run_fast_ssse3`]. Must be `#[inline(always)]`.
    fn run_loop<V: Values, const SSSE3: bool>(&mut self, strings: V) -> ArrayRef;
}

/// Runs a [`FastLoop`], in its SSSE3 copy where it has one and the processor can.
fn run_fast<L: FastLoop, V: Values>(fast: &mut L, strings: V) -> ArrayRef {
    #[cfg(target_arch = "x86_64")]
    if L::SSSE3 && has_ssse3() {
        // SAFETY: the processor has the instructions `run_fast_ssse3` is compiled for.
        return unsafe { run_fast_ssse3(fast, strings) };
    }
    fast.run_loop::<V, false>(strings)
}

/// [`FastLoop::run_loop`] compiled for SSSE3 and POPCNT.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "ssse3,popcnt")]
fn run_fast_ssse3<L: FastLoop, V: Values>(fast: &mut L, strings: V) -> ArrayRef {
    fast.run_loop::<V, true>(strings)
}

/// The rows of an array in blocks of 64: each block's range, and a word whose bit
/// `i - start` is set where row `i` is not NULL.
fn blocks(
    rows: usize,
    nulls: Option<&NullBuffer>,
) -> impl Iterator<Item = (Range<usize>, u64)> + '_ {
    let mut words = nulls.map(|n| {
        let chunks = n.inner().bit_chunks();
        chunks.iter().chain([chunks.remainder_bits()])
    });
    (0..rows).step_by(64).map(move |start| {
        let valid = words.as_mut().map_or(u64::MAX, |w| w.next().unwrap_or(0));
        (start..rows.min(start + 64), valid)
    })
}

/// The validity of an output array, built a word at a time.
struct Validity {
    words: Vec<u64>,
    nulls: usize,
}

impl Validity {
    fn with_rows(rows: usize) -> Validity {
        Validity {
            words: Vec::with_capacity(rows.div_ceil(64)),
            nulls: 0,
        }
    }

    /// Adds a block of `len <= 64` rows whose bits are set in `bits` where they are not NULL.
    #[inline(always)]
    fn push(&mut self, bits: u64, len: usize) {
        self.words.push(bits);
        self.nulls += len - bits.count_ones() as usize;
    }

    fn finish(self, rows: usize) -> Option<NullBuffer> {
        (self.nulls > 0).then(|| {
            let bits = BooleanBuffer::new(Buffer::from_vec(self.words), 0, rows);
            // SAFETY: `nulls` counts the zero bits among the first `rows`.
            unsafe { NullBuffer::new_unchecked(bits, self.nulls) }
        })
    }
}

/// A predicate of a closure; `None` is NULL.
pub(crate) struct ToBool<F>(pub(crate) F);

impl<F: FnMut(&str) -> Option<bool>> Predicate for ToBool<F> {
    #[inline(always)]
    fn test(&mut self, value: &str) -> Option<bool> {
        (self.0)(value)
    }
}

/// A kernel producing numbers of Arrow type `T`; `None` is NULL.
pub(crate) struct ToPrimitive<T, F>(pub(crate) F, std::marker::PhantomData<T>);

impl<T: ArrowPrimitiveType, F: FnMut(&str) -> Option<T::Native>> ToPrimitive<T, F> {
    pub(crate) fn new(f: F) -> Self {
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
/// they are (dictionaries stay dictionaries), numbers are cast to text first, so that a phone
/// number or pincode stored as an integer works too. Other types (lists, structs, dates) are
/// refused when the statement is planned, naming the function and what it takes.
pub(crate) fn one_text_argument() -> Signature {
    Signature::coercible(
        vec![
            Coercion::new_implicit(
                TypeSignatureClass::Native(logical_string()),
                vec![TypeSignatureClass::Numeric],
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

    /// A short text: the first `len` bytes.
    struct Short16([u8; 16], usize);

    // SAFETY: the test kernel fills the first `len <= 16` bytes with ASCII digits.
    unsafe impl ShortStr for Short16 {
        fn padded(&self) -> &[u8; 16] {
            &self.0
        }

        fn byte_len(&self) -> usize {
            self.1
        }
    }

    #[test]
    fn inline_strs() {
        let text = *b"RJ14CA0012\0\0\0\0\0\0";
        assert_eq!(InlineStr::ascii(text, 4).unwrap().as_str(), "RJ14");
        assert_eq!(InlineStr::ascii(text, 4), Some(InlineStr::new("RJ14")));
        assert_eq!(InlineStr::ascii(text, 0).unwrap().as_str(), "");
        assert_eq!(InlineStr::ascii(text, 16).unwrap().byte_len(), 16);
        assert_eq!(InlineStr::ascii(text, 17), None);
        let mut accented = *"é".repeat(8).as_bytes().first_chunk::<16>().unwrap();
        assert_eq!(InlineStr::ascii(accented, 1), None);
        accented[0] = b'e';
        assert_eq!(InlineStr::ascii(accented, 1).unwrap().as_str(), "e");
        assert_eq!(InlineStr::new("diplomatic").as_str(), "diplomatic");
    }

    /// A kernel of short results of every length 0-16, and NULLs, from numbers; the empty
    /// string for the empty string (which NULL inputs hold in an array).
    struct Digits;

    impl ShortText for Digits {
        type Text = Short16;

        fn text(&mut self, value: &str) -> Option<Short16> {
            if value.is_empty() {
                return Some(Short16([0; 16], 0));
            }
            let n: usize = value.parse().ok()?;
            let text = (n * 7919).to_string().repeat(n % 5);
            let text = &text[..text.len().min(16)];
            let mut padded = [0; 16];
            padded[..text.len()].copy_from_slice(text.as_bytes());
            Some(Short16(padded, text.len()))
        }
    }

    /// Whether a number is even; true for the empty string (which NULL inputs hold in an
    /// array), NULL for other text.
    struct Even;

    impl Predicate for Even {
        fn test(&mut self, value: &str) -> Option<bool> {
            if value.is_empty() {
                return Some(true);
            }
            value.parse::<usize>().ok().map(|n| n % 2 == 0)
        }
    }

    /// Runs `run` on slices of numbers (short and long), NULLs, empty strings and words, across
    /// several validity words and at offsets within a word, in every string encoding, and
    /// checks each array against `expected` of the same slice.
    fn check_loop(
        mut run: impl FnMut(&ArrayRef) -> ArrayRef,
        mut expected: impl FnMut(&[Option<String>]) -> ArrayRef,
    ) {
        let inputs: Vec<Option<String>> = (0..300)
            .map(|i| match i % 7 {
                3 => None,
                5 => Some("no number".to_string()),
                6 if i % 3 == 0 => Some(String::new()),
                // Longer than a view holds: in a data buffer of a `StringViewArray`.
                _ if i % 11 == 10 => Some(format!("{i:0width$}", width = 13 + i % 4)),
                _ => Some(i.to_string()),
            })
            .collect();
        let all = StringArray::from(inputs.clone());
        let slices = [
            (0, 0),
            (0, 1),
            (0, 63),
            (0, 64),
            (0, 65),
            (3, 130),
            (61, 200),
        ];
        for (offset, rows) in slices {
            let expected = expected(&inputs[offset..offset + rows]);
            let utf8: ArrayRef = Arc::new(all.slice(offset, rows));
            let large = arrow::compute::cast(&utf8, &DataType::LargeUtf8).unwrap();
            let view = arrow::compute::cast(&utf8, &DataType::Utf8View).unwrap();
            for array in [utf8, large, view] {
                let got = run(&array);
                let context = format!("{rows} rows from {offset} of {}", array.data_type());
                assert_eq!(&got, &expected, "{context}");
                got.to_data().validate_full().unwrap();
            }
        }
    }

    /// The short loop's array equals arrow's own builder's, with NULLs in and NULLs out, and
    /// empty and 16-byte results.
    #[test]
    fn short_loop_matches_string_builder() {
        check_loop(
            |array| evaluate_array(&mut Short(&mut Digits), array).unwrap(),
            |inputs| {
                let mut theirs = StringBuilder::new();
                for input in inputs {
                    let text = input.as_deref().and_then(|v| Digits.text(v));
                    theirs.append_option(text.as_ref().map(ShortStr::as_str));
                }
                Arc::new(theirs.finish())
            },
        );
    }

    /// The same for the loop of a predicate.
    #[test]
    fn bool_loop_matches_boolean_builder() {
        check_loop(
            |array| evaluate_array(&mut Bool(&mut Even), array).unwrap(),
            |inputs| {
                let mut theirs = BooleanBuilder::new();
                for input in inputs {
                    theirs.append_option(input.as_deref().and_then(|v| Even.test(v)));
                }
                Arc::new(theirs.finish())
            },
        );
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

    /// The text results of `udf` on `inputs` (checked to agree across encodings).
    pub(crate) fn texts(udf: &ScalarUDF, inputs: &[Option<&str>]) -> Vec<Option<String>> {
        use arrow::array::AsArray;
        let out = run_all_encodings(udf, inputs);
        let out = out.as_string::<i32>();
        (0..out.len())
            .map(|i| out.is_valid(i).then(|| out.value(i).to_string()))
            .collect()
    }

    /// The boolean results of `udf` on `inputs` (checked to agree across encodings).
    pub(crate) fn bools(udf: &ScalarUDF, inputs: &[Option<&str>]) -> Vec<Option<bool>> {
        use arrow::array::AsArray;
        run_all_encodings(udf, inputs).as_boolean().iter().collect()
    }

    /// Calls `udf` on `inputs` as Utf8, LargeUtf8, Utf8View, a dictionary and one scalar per
    /// value; asserts that every encoding gives the same answer and returns it.
    pub(crate) fn run_all_encodings(udf: &ScalarUDF, inputs: &[Option<&str>]) -> ArrayRef {
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
