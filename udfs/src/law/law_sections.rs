//! `law_sections`: the section references in the free text of an FIR, as a list.

use std::cell::RefCell;

use arrow::array::StringBuilder;

use super::sections::SectionParser;
use super::{ToTextList, text_list_type};
use crate::function::police_function;
use crate::kernel;
use crate::memo::{Answers, Memo};

thread_local! {
    /// The references a thread found, by text: an FIR's sections column repeats a few hundred
    /// texts (`379 IPC`, `303(2) BNS`, `3/25 Arms Act`) over all its rows.
    static FOUND: RefCell<Answers<Box<[Box<str>]>>> = RefCell::default();
}

police_function! {
    #[user_doc(
        doc_section(label = "Law functions"),
        description = "The section references in free text such as an FIR's sections column, as a \
list of normalised references `<act> <section>` in order of appearance, without duplicates: \
`IPC 379`, `BNS 303(2)`, `Arms Act 3/25`. Sections may come before or after their act \
(`379, 411 IPC`, `IPC 379 r/w 34`, `u/s 303(2) BNS`), several acts may share one text \
(`379 IPC, 3/25 Arms Act`); English and Hindi spellings (`धारा 379 भादवि`, `379 भा.द.स.`), \
Devanagari digits, suffixes and sub-sections are read: `498-A`, `498 A`, `498ए` → `498A`; \
`303 (2)`, `303-2` → `303(2)` (after a dash or dot only a sub-section the correspondence \
table lists: `323-34` is two sections); `25(1-B)(a)` → `25(1B)(a)`. A suffix written apart from its \
number is read only when the IPC has that section (`376 AB`) or it is one capital A-F \
(`66 C IT Act`), never before `Act` (`25 A. Act` is the Arms Act). `302/34` and `r/w` give \
separate sections under IPC, BNS, CrPC and BNSS, and stay one reference under other acts, \
where they name one offence (`Arms Act 3/25`, `NDPS Act 8/21`). Acts recognised: IPC, BNS, \
CrPC, BNSS, Arms Act (also `A.Act`), NDPS Act, IT Act, MV Act, Excise Act (Rajasthan Excise \
Act), POCSO Act, SC/ST Act, DP Act (Dowry Prohibition), RPG Ordinance (Rajasthan Public \
Gambling Ordinance, `RPGO`); another act written as `... Act` keeps its own name \
(`Gambling Act 13`); sections with no act at all are given bare (`379`). Numbers of four \
digits or more (years, FIR and phone numbers) are not sections, and `123/2024` is a case \
number. NULL for NULL, and NULL when nothing is recognisable (an empty or blank text, words \
without sections): the list is never empty.",
        syntax_example = "law_sections(text)",
        sql_example = r#"```sql
> select law_sections('302/34 IPC, 3/25 Arms Act');
+-------------------------------------------------+
| law_sections(Utf8("302/34 IPC, 3/25 Arms Act")) |
+-------------------------------------------------+
| [IPC 302, IPC 34, Arms Act 3/25]                |
+-------------------------------------------------+
```"#,
        argument(name = "text", description = "Free text naming sections and acts.")
    )]
    struct LawSections;
    pub(super) static LAW_SECTIONS = "law_sections";
    signature = kernel::one_text_argument();
    return_type = text_list_type();
    fn invoke_with_args(args) {
        let mut parser = SectionParser::new();
        let mut memo = Memo::take(&FOUND);
        let mut kernel = ToTextList(|value: &str, out: &mut StringBuilder| {
            if memo.resting() {
                // Texts that do not repeat: read straight into the output.
                return append_all(out, parser.references(value));
            }
            let references =
                memo.answer(value, |value| parser.references(value).map(Box::from).collect());
            append_all(out, references.iter().map(|r| &**r))
        });
        kernel::evaluate(&mut kernel, &args.args[0])
    }
}

/// Appends `references` as a list's items; whether there was one. Nothing recognisable is
/// unparseable: NULL, like NULL itself.
fn append_all<'a>(out: &mut StringBuilder, references: impl Iterator<Item = &'a str>) -> bool {
    let mut found = false;
    for reference in references {
        out.append_value(reference);
        found = true;
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::law::test_support::lists;

    fn list(items: &[&str]) -> Option<Vec<String>> {
        Some(items.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn over_every_encoding() {
        let long = "धारा ".repeat(2_000);
        let inputs = [
            Some("379, 411 IPC"),
            None,
            Some(""),
            Some("u/s 303(2) BNS"),
            Some("3/25 Arms Act"),
            Some("302/34 IPC"),
            Some("धारा 379 भादवि"),
            Some("IPC 379 r/w 34"),
            Some("NDPS 8/21"),
            Some("Sec 66C IT Act"),
            Some("379 IPC, 3/25 Arms Act"),
            Some("no sections here"),
            Some(long.as_str()),
            Some("\u{0}\u{fffd}😀"),
            Some("498 A IPC"),
            Some("धारा 498ए भादसं"),
            Some("376 AB IPC"),
            Some("U/S 3/25 A.ACT"),
            Some("Sec. 25(1-B)(a) Arms Act"),
            Some("379 भा.द.स."),
            Some("13 RPGO"),
            Some("   "),
            Some("IPC"),
        ];
        assert_eq!(
            lists(&LAW_SECTIONS, &inputs),
            [
                list(&["IPC 379", "IPC 411"]),
                None,
                None,
                list(&["BNS 303(2)"]),
                list(&["Arms Act 3/25"]),
                list(&["IPC 302", "IPC 34"]),
                list(&["IPC 379"]),
                list(&["IPC 379", "IPC 34"]),
                list(&["NDPS Act 8/21"]),
                list(&["IT Act 66C"]),
                list(&["IPC 379", "Arms Act 3/25"]),
                None,
                None,
                None,
                list(&["IPC 498A"]),
                list(&["IPC 498A"]),
                list(&["IPC 376AB"]),
                list(&["Arms Act 3/25"]),
                list(&["Arms Act 25(1B)(a)"]),
                list(&["IPC 379"]),
                list(&["RPG Ordinance 13"]),
                None,
                None,
            ]
        );
    }

    /// Texts met before are answered from the thread's memo: the same lists as read afresh,
    /// within a batch and in the batches after it.
    #[test]
    fn repeated_texts_read_as_afresh() {
        let texts = [
            "379 IPC",
            "",
            "303(2) BNS",
            "379 IPC",
            "no sections",
            "303(2) BNS",
        ];
        let afresh: Vec<Option<Vec<String>>> = texts
            .iter()
            .map(|text| {
                let found: Vec<String> = SectionParser::new()
                    .references(text)
                    .map(String::from)
                    .collect();
                (!found.is_empty()).then_some(found)
            })
            .collect();
        let inputs: Vec<Option<&str>> = texts.iter().copied().map(Some).collect();
        for batch in 0..3 {
            assert_eq!(lists(&LAW_SECTIONS, &inputs), afresh, "batch {batch}");
        }
        assert_eq!(afresh[0], list(&["IPC 379"]));
        assert_eq!(afresh[1], None);
    }
}
