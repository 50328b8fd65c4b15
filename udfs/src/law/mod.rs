//! Law: the IPC 1860 ↔ BNS 2023 correspondence and section references in FIR text.
//!
//! FIRs registered before 1 July 2024 cite the Indian Penal Code, later ones the Bharatiya Nyaya
//! Sanhita. `ipc_to_bns` / `bns_to_ipc` translate one section; `law_sections` reads every
//! section reference out of free text; `ref.ipc_bns` is the correspondence table itself.
//!
//! The translations return a list (`List<Utf8>`) rather than text: one IPC section often maps
//! to several BNS provisions and back (IPC 376 → BNS 64, 65(1); BNS 178 ← IPC 231, 255, 489A),
//! and a list composes in SQL — `unnest` to join with `ref.ipc_bns`, `array_has` to filter,
//! `array_to_string(ipc_to_bns(s), ', ')` for display — where joined text would have to be
//! split again. It matches `law_sections`, whose output feeds them.

use std::sync::Arc;

use arrow::array::{ArrayBuilder, ListBuilder, StringBuilder};
use arrow::datatypes::{DataType, Field};
use datafusion::logical_expr::ScalarUDF;

use crate::kernel::Kernel;

pub mod correspondence;
mod ipc_bns;
mod law_sections;
pub mod sections;

/// Every function of this family.
pub fn functions() -> Vec<Arc<ScalarUDF>> {
    vec![
        Arc::clone(&ipc_bns::IPC_TO_BNS_UDF),
        Arc::clone(&ipc_bns::BNS_TO_IPC_UDF),
        Arc::clone(&law_sections::LAW_SECTIONS),
    ]
}

/// This family's tables in the `ref` schema: (table name, what builds its contents).
pub fn reference_tables() -> Vec<(&'static str, crate::BuildTable)> {
    vec![("ipc_bns", correspondence::ipc_bns_table)]
}

/// The type of a list of text values, as the functions of this family return.
pub(crate) fn text_list_type() -> DataType {
    DataType::List(Arc::new(Field::new_list_field(DataType::Utf8, true)))
}

/// A kernel producing a list of text values: `f` appends the items to the builder and returns
/// `true`, or appends nothing and returns `false` for NULL.
pub(crate) struct ToTextList<F>(pub F);

impl<F: FnMut(&str, &mut StringBuilder) -> bool> Kernel for ToTextList<F> {
    type Builder = ListBuilder<StringBuilder>;

    fn builder(rows: usize, bytes: usize) -> ListBuilder<StringBuilder> {
        ListBuilder::with_capacity(StringBuilder::with_capacity(rows, bytes), rows)
    }

    #[inline]
    fn append(&mut self, value: &str, out: &mut ListBuilder<StringBuilder>) {
        let before = out.values().len();
        let valid = (self.0)(value, out.values());
        debug_assert!(
            valid || out.values().len() == before,
            "a NULL list has no items"
        );
        out.append(valid);
    }

    fn append_null(out: &mut ListBuilder<StringBuilder>) {
        out.append(false);
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Results of a list function over every encoding, as plain Rust values.

    use arrow::array::{Array, AsArray};
    use datafusion::logical_expr::ScalarUDF;

    use crate::kernel::test_util::run_all_encodings;

    /// The list results of `udf` on `inputs` (checked to agree across encodings).
    pub fn lists(udf: &ScalarUDF, inputs: &[Option<&str>]) -> Vec<Option<Vec<String>>> {
        let out = run_all_encodings(udf, inputs);
        let out = out.as_list::<i32>();
        (0..out.len())
            .map(|i| {
                out.is_valid(i).then(|| {
                    let items = out.value(i);
                    items
                        .as_string::<i32>()
                        .iter()
                        .map(|s| s.unwrap().to_string())
                        .collect()
                })
            })
            .collect()
    }
}
