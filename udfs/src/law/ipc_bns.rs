//! `ipc_to_bns`, `bns_to_ipc`: one section translated through the correspondence table.

use std::cell::RefCell;

use arrow::array::StringBuilder;
use datafusion::common::Result;
use datafusion::logical_expr::{ColumnarValue, ScalarFunctionArgs};

use super::correspondence::{BNS_TO_IPC, IPC_TO_BNS, Lookup};
use super::sections::{Act, SectionParser};
use super::{ToTextList, text_list_type};
use crate::function::police_function;
use crate::kernel;
use crate::memo::{Answers, Home, Memo};

/// The targets a translation found, by the text of its section.
type Targets = Option<&'static [String]>;

thread_local! {
    /// A thread's translations of IPC sections, by text: a column of sections (often
    /// `law_sections` unnested) repeats a few hundred of them.
    static FROM_IPC: RefCell<Answers<Targets>> = RefCell::default();
    /// A thread's translations of BNS sections, by text.
    static FROM_BNS: RefCell<Answers<Targets>> = RefCell::default();
}

/// Evaluates a translation: the text must name exactly one section, of `act` or of no act.
fn translate(
    args: &ScalarFunctionArgs,
    act: Act,
    lookup: &'static Lookup,
    home: &'static Home<Targets>,
) -> Result<ColumnarValue> {
    let mut parser = SectionParser::new();
    let mut memo = Memo::take(home);
    let mut kernel = ToTextList(|value: &str, out: &mut StringBuilder| {
        let targets = *memo.answer(value, |value| match parser.single_section(value) {
            Some((written, section)) if written.is_none_or(|w| w == act) => lookup.get(section),
            _ => None,
        });
        match targets {
            Some(targets) => {
                for target in targets {
                    out.append_value(target);
                }
                true
            }
            None => false,
        }
    });
    kernel::evaluate(&mut kernel, &args.args[0])
}

police_function! {
    #[user_doc(
        doc_section(label = "Law functions"),
        description = "The Bharatiya Nyaya Sanhita 2023 provisions that replaced an Indian Penal \
Code 1860 section, from the official correspondence table (`ref.ipc_bns`), as a list: \
`ipc_to_bns('379')` → `[303(2)]`, `ipc_to_bns('376')` → `[64, 65(1)]`. Accepts one section \
written as `379`, `IPC 379`, `u/s 379`, `sec. 379`, ` 498-A `, `498a`, `498 A`, `धारा 498ए भादसं`, \
`धारा ३७९ भादवि` or with a sub-section (`376(3)`, `376 (3)`, `376-3`; a sub-section the table \
does not list gives its section's own row). A \
section number gives the provisions of the section and of all its sub-sections, in table \
order. An empty list for an IPC section the table marks deleted (`377`, `124A`, `497`); NULL \
for a section the table does not know, a text naming several sections, or one of another act.",
        syntax_example = "ipc_to_bns(section)",
        sql_example = r#"```sql
> select ipc_to_bns('u/s 379 IPC');
+---------------------------------+
| ipc_to_bns(Utf8("u/s 379 IPC")) |
+---------------------------------+
| [303(2)]                        |
+---------------------------------+
> select array_to_string(ipc_to_bns('506'), ', ');
+-----------------------------------------------------+
| array_to_string(ipc_to_bns(Utf8("506")),Utf8(", ")) |
+-----------------------------------------------------+
| 351(2), 351(3)                                      |
+-----------------------------------------------------+
```"#,
        argument(name = "section", description = "One IPC section, as text or integer.")
    )]
    struct IpcToBns;
    pub(super) static IPC_TO_BNS_UDF = "ipc_to_bns";
    signature = kernel::one_text_argument();
    return_type = text_list_type();
    fn invoke_with_args(args) {
        translate(&args, Act::Ipc, &IPC_TO_BNS, &FROM_IPC)
    }
}

police_function! {
    #[user_doc(
        doc_section(label = "Law functions"),
        description = "The Indian Penal Code 1860 sections that a Bharatiya Nyaya Sanhita 2023 \
provision replaced, from the official correspondence table (`ref.ipc_bns`), as a list: \
`bns_to_ipc('303(2)')` → `[379]`, `bns_to_ipc('303')` → `[378, 379]`. Accepts one section \
written as `303(2)`, `BNS 303(2)`, `u/s 303 (2)`, `303-2` (a sub-section the table lists), \
`धारा 303(2) भान्यासं`. A section number gives \
the IPC sections of the provision and of all its sub-sections, in table order; a sub-section \
the table does not list gives its section's own row. An empty list for a BNS provision that \
is new (`111` organised crime, `304` snatching); NULL for one the table does not know, a text \
naming several sections, or one of another act.",
        syntax_example = "bns_to_ipc(section)",
        sql_example = r#"```sql
> select bns_to_ipc('BNS 303(2)');
+--------------------------------+
| bns_to_ipc(Utf8("BNS 303(2)")) |
+--------------------------------+
| [379]                          |
+--------------------------------+
```"#,
        argument(name = "section", description = "One BNS section, as text or integer.")
    )]
    struct BnsToIpc;
    pub(super) static BNS_TO_IPC_UDF = "bns_to_ipc";
    signature = kernel::one_text_argument();
    return_type = text_list_type();
    fn invoke_with_args(args) {
        translate(&args, Act::Bns, &BNS_TO_IPC, &FROM_BNS)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::law::test_support::lists;

    fn list(items: &[&str]) -> Option<Vec<String>> {
        Some(items.iter().map(|s| s.to_string()).collect())
    }

    /// Each direction remembers its own translations: texts met again, on one thread and in
    /// later batches, keep the answer a fresh thread gives in each direction.
    #[test]
    fn each_direction_remembers_its_own() {
        let inputs = [
            Some("303"),
            Some("379"),
            Some("BNS 303(2)"),
            Some("303"),
            Some("x"),
        ];
        let afresh = |udf: &'static datafusion::logical_expr::ScalarUDF| {
            std::thread::spawn(move || lists(udf, &inputs))
                .join()
                .unwrap()
        };
        let (from_ipc, from_bns) = (afresh(&IPC_TO_BNS_UDF), afresh(&BNS_TO_IPC_UDF));
        assert_eq!(from_bns[0], list(&["378", "379"]));
        assert_ne!(from_ipc[0], from_bns[0]);
        assert_eq!(from_ipc[2], None);
        for round in 0..2 {
            assert_eq!(lists(&IPC_TO_BNS_UDF, &inputs), from_ipc, "round {round}");
            assert_eq!(lists(&BNS_TO_IPC_UDF, &inputs), from_bns, "round {round}");
        }
    }

    #[test]
    fn ipc_to_bns_over_every_encoding() {
        let long = "3".repeat(10_000);
        let cases: &[(Option<&str>, Option<Vec<String>>)] = &[
            (Some("379"), list(&["303(2)"])),
            (Some("IPC 379"), list(&["303(2)"])),
            (Some("379 IPC"), list(&["303(2)"])),
            (Some("u/s 379"), list(&["303(2)"])),
            (Some("sec. 379"), list(&["303(2)"])),
            (Some("Section 379 I.P.C."), list(&["303(2)"])),
            (Some("धारा ३७९ भादवि"), list(&["303(2)"])),
            (Some(" 498-A "), list(&["85"])),
            (Some("498a"), list(&["85"])),
            (Some("120-B"), list(&["61(2)"])),
            // A suffix written apart, or in Devanagari.
            (Some("498 A"), list(&["85"])),
            (Some("498 A IPC"), list(&["85"])),
            (Some("धारा 498ए भादसं"), list(&["85"])),
            (Some("धारा 498 ए भा.द.स."), list(&["85"])),
            (Some("120 B"), list(&["61(2)"])),
            (Some("376 AB"), list(&["65(2)"])),
            (Some("376 DA IPC"), list(&["70(2)"])),
            (Some("304 b"), list(&["80"])),
            // A sub-section after a dash or a dot.
            (Some("376-3"), list(&["65(1)"])),
            (Some("376.3"), list(&["65(1)"])),
            (Some("302"), list(&["103"])),
            (Some("420"), list(&["318(4)"])),
            (Some("307"), list(&["109"])),
            (Some("354"), list(&["74"])),
            (Some("304B"), list(&["80"])),
            (Some("363"), list(&["137(2)"])),
            (Some("34"), list(&["3(5)"])),
            (Some("376"), list(&["64", "65(1)"])),
            (Some("376 (3)"), list(&["65(1)"])),
            (Some("506"), list(&["351(2)", "351(3)"])),
            // Deleted from the code: known, nothing to translate to.
            (Some("377"), list(&[])),
            (Some("124-A"), list(&[])),
            // Unknown, several, or another act's sections: NULL.
            (Some("999"), None),
            (Some("302/34"), None),
            (Some("379, 411"), None),
            (Some("BNS 303"), None),
            (Some("3/25 Arms Act"), None),
            (Some("25 Arms Act"), None),
            (Some(""), None),
            (Some("theft"), None),
            (Some(long.as_str()), None),
            (Some("😀३७९"), list(&["303(2)"])),
            (None, None),
        ];
        let inputs: Vec<Option<&str>> = cases.iter().map(|(input, _)| *input).collect();
        let results = lists(&IPC_TO_BNS_UDF, &inputs);
        for (i, (input, expected)) in cases.iter().enumerate() {
            assert_eq!(&results[i], expected, "ipc_to_bns({input:?})");
        }
    }

    #[test]
    fn bns_to_ipc_over_every_encoding() {
        let cases: &[(Option<&str>, Option<Vec<String>>)] = &[
            (Some("303(2)"), list(&["379"])),
            (Some("BNS 303(2)"), list(&["379"])),
            (Some("u/s 303 (2) BNS"), list(&["379"])),
            (Some("धारा 303(2) भान्यासं"), list(&["379"])),
            (Some("303-2"), list(&["379"])),
            (Some("303 - 2"), None),
            (Some("303.2"), list(&["379"])),
            (Some("BNS 303–2"), list(&["379"])),
            (Some("351-3"), list(&["506"])),
            (Some("303"), list(&["378", "379"])),
            (Some("103"), list(&["302"])),
            (Some("103(1)"), list(&["302"])),
            (Some("318(4)"), list(&["420"])),
            (Some("85"), list(&["498A"])),
            (Some("86"), list(&["498A"])),
            (Some("61(2)"), list(&["120B"])),
            (Some("65(1)"), list(&["376(3)"])),
            // New in BNS: known, no IPC counterpart.
            (Some("304"), list(&[])),
            (Some("111"), list(&[])),
            (Some("IPC 379"), None),
            (Some("359"), None),
            (Some("103/3(5)"), None),
            (None, None),
        ];
        let inputs: Vec<Option<&str>> = cases.iter().map(|(input, _)| *input).collect();
        let results = lists(&BNS_TO_IPC_UDF, &inputs);
        for (i, (input, expected)) in cases.iter().enumerate() {
            assert_eq!(&results[i], expected, "bns_to_ipc({input:?})");
        }
    }
}
