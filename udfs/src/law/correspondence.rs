//! The IPC 1860 ↔ BNS 2023 correspondence, parsed from the MHA table in
//! `data/bns_ipc_correspondence.csv`.
//!
//! The table has one row per BNS provision (first column) and the IPC provision it replaced
//! (second column). A cell holds a section number and title (`303. Theft.`), a sub-section
//! (`303(2)`, `8(6)(a)`, `309(1)(2)(3)`, `351(2), 351(3)`, `228A (3)`), several of them separated
//! by `<para>` (`303. Theft.<para>303(1)`: section 303 titled Theft, this row is its
//! sub-section 1), `New Section` / `New Sub-Section` (no IPC counterpart), `Deleted` (no BNS
//! counterpart), an `Explanation` of a section, or a chapter / group heading (rows of headings
//! only are skipped). [`CORRESPONDENCE`] holds one clean row per (IPC, BNS) pair.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use arrow::array::{RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};

use crate::memo::KeyMap;
use crate::reference::csv_records;

/// One IPC provision and the BNS provision that replaced it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Correspondence {
    /// `379`, `498A`, `376(3)`; `None` for a BNS provision that is new.
    pub ipc_section: Option<String>,
    pub ipc_title: Option<String>,
    /// `303(2)`, `103`, `8(6)(a)`; `None` for an IPC provision that was deleted.
    pub bns_section: Option<String>,
    pub bns_title: Option<String>,
    /// `new section`, `new sub-section`, `deleted`, `from the Explanation to IPC 498A`, or a
    /// remark of the table.
    pub note: Option<String>,
    /// The IPC side is only the Explanation (a definition) of `ipc_section`, which itself maps
    /// elsewhere: such rows answer `bns_to_ipc` but not `ipc_to_bns`.
    pub ipc_explanation: bool,
}

/// The whole correspondence, in the order of the table.
pub static CORRESPONDENCE: LazyLock<Vec<Correspondence>> =
    LazyLock::new(|| parse(include_str!("../../data/bns_ipc_correspondence.csv")));

/// A section reference in a cell: `303`, `303(2)`, `8(6)(a)`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Ref {
    section: String,
    /// The title written next to this reference in its own cell.
    title: Option<String>,
    /// Text after a sub-section, such as a defined term: `2(1) ‘act’`.
    extra: Option<String>,
    explanation: bool,
}

impl Ref {
    fn new(section: String) -> Self {
        Self {
            section,
            title: None,
            extra: None,
            explanation: false,
        }
    }
}

/// What one cell says.
#[derive(Debug, Default, PartialEq, Eq)]
struct Cell {
    refs: Vec<Ref>,
    /// `new section`, `new sub-section`.
    new: Option<&'static str>,
    deleted: bool,
    /// A remark in brackets: `(reference to ‘Indian coin’ removed)`.
    remark: Option<String>,
    /// Section titles given in this cell: (section number, title).
    titles: Vec<(String, String)>,
}

/// The section number of a reference: `376(3)` → `376`.
pub(crate) fn base_of(section: &str) -> &str {
    section.split('(').next().unwrap_or(section)
}

/// Reads a section number at the start of `text`: digits and an optional suffix of one or two
/// capitals (`498A`, `376DA`, `171-I`). Returns the number and the rest of the text.
fn leading_section(text: &str) -> Option<(String, &str)> {
    let bytes = text.as_bytes();
    let digits = bytes.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 {
        return None;
    }
    let capitals = |from: usize| {
        bytes[from.min(bytes.len())..]
            .iter()
            .take_while(|b| b.is_ascii_uppercase())
            .count()
    };
    let not_letter = |at: usize| bytes.get(at).is_none_or(|b| !b.is_ascii_alphabetic());
    let mut section = text[..digits].to_string();
    let mut end = digits;
    let n = capitals(digits);
    if (1..=2).contains(&n) && not_letter(digits + n) {
        section.push_str(&text[digits..digits + n]);
        end = digits + n;
    } else if bytes.get(digits) == Some(&b'-') {
        // `171-I.`: a dash, a suffix, then the full stop of the title.
        let n = capitals(digits + 1);
        if (1..=2).contains(&n) && bytes.get(digits + 1 + n) == Some(&b'.') {
            section.push_str(&text[digits + 1..digits + 1 + n]);
            end = digits + 1 + n;
        }
    }
    Some((section, &text[end..]))
}

/// Reads bracketed sub-section groups `(1)(a)` at the start of `text` (after optional spaces).
fn groups(text: &str) -> (Vec<&str>, &str) {
    let mut found = Vec::new();
    let mut rest = text.trim_start();
    while let Some(inner) = rest.strip_prefix('(') {
        let Some(close) = inner.find(')') else { break };
        let group = &inner[..close];
        if group.is_empty() || !group.bytes().all(|b| b.is_ascii_alphanumeric()) {
            break;
        }
        found.push(group);
        rest = &inner[close + 1..];
    }
    if found.is_empty() {
        (found, text)
    } else {
        (found, rest)
    }
}

/// A title as written, without surrounding space and final full stops.
fn clean_title(title: &str) -> String {
    title.trim().trim_end_matches(['.', ' ']).trim().to_string()
}

fn is_heading(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower.starts_with("chapter") || lower.starts_with("of ") || lower == "explanation"
}

/// Parses one cell of the table.
fn parse_cell(cell: &str) -> Cell {
    let mut out = Cell::default();
    let mut pending_title: Option<String> = None;
    let mut headers: Vec<Ref> = Vec::new();
    let mut sub_refs: Vec<Ref> = Vec::new();
    for part in cell
        .split("<para>")
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let lower = part.to_ascii_lowercase();
        if lower == "deleted" {
            out.deleted = true;
        } else if lower.starts_with("new section") {
            out.new = Some("new section");
        } else if lower.starts_with("new sub") {
            out.new = Some("new sub-section");
        } else if let Some(section) = part.strip_prefix("Explanation to ") {
            if let Some((section, _)) = leading_section(section.trim()) {
                out.refs.push(Ref {
                    explanation: true,
                    ..Ref::new(section)
                });
            }
        } else if let Some((number, rest)) = leading_section(part) {
            let (found, rest) = groups(rest);
            if !found.is_empty() {
                // `309(1)(2)(3)` lists three sub-sections; `8(6)(a)` is one clause.
                let list =
                    found.len() > 1 && found.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()));
                let mut sections: Vec<String> = if list {
                    found.iter().map(|g| format!("{number}({g})")).collect()
                } else {
                    vec![format!("{number}({})", found.join(")("))]
                };
                // `351(2), 351(3)`: more references after a comma.
                let mut rest = rest.trim();
                while let Some(more) = rest.strip_prefix(',') {
                    let Some((next, after)) = leading_section(more.trim()) else {
                        break;
                    };
                    let (found, after) = groups(after);
                    if found.is_empty() {
                        break;
                    }
                    sections.push(format!("{next}({})", found.join(")(")));
                    rest = after.trim();
                }
                let extra = rest
                    .trim_matches(|c: char| c == '(' || c == ')' || c == '.' || c.is_whitespace());
                if let Some(title) = pending_title.take() {
                    out.titles.push((number.clone(), title));
                }
                for section in sections {
                    sub_refs.push(Ref {
                        extra: (!extra.is_empty()).then(|| extra.to_string()),
                        ..Ref::new(section)
                    });
                }
            } else if let Some(title) = rest.trim_start().strip_prefix(['.', '-']) {
                let title = clean_title(title);
                if title.eq_ignore_ascii_case("explanation") {
                    // `498A. Explanation`: the definition clause of a section mapped elsewhere.
                    out.refs.push(Ref {
                        explanation: true,
                        ..Ref::new(number)
                    });
                } else {
                    out.titles.push((number.clone(), title.clone()));
                    headers.push(Ref {
                        title: Some(title),
                        ..Ref::new(number)
                    });
                }
            } else if rest.trim().is_empty() {
                headers.push(Ref::new(number));
            }
        } else if part.starts_with('(') {
            out.remark = Some(part.trim_matches(['(', ')']).trim().to_string());
        } else if !is_heading(part) {
            // A title without a number, for the sub-section that follows:
            // `Cheating by personation<para>319(1)`.
            pending_title = Some(clean_title(part));
        }
    }
    // A cell naming a section and then one of its sub-sections stands for the sub-section.
    out.refs.splice(
        0..0,
        if sub_refs.is_empty() {
            headers
        } else {
            sub_refs
        },
    );
    out
}

/// Parses the correspondence table (CSV text with a header line).
pub(crate) fn parse(csv: &str) -> Vec<Correspondence> {
    let cells: Vec<(Cell, Cell)> = csv_records(csv)
        .iter()
        .filter(|record| record.len() >= 2)
        .map(|record| (parse_cell(&record[0]), parse_cell(&record[1])))
        .collect();
    // Titles of whole sections, for rows that only name a sub-section: first one given wins.
    let mut bns_titles: HashMap<String, String> = HashMap::new();
    let mut ipc_titles: HashMap<String, String> = HashMap::new();
    for (bns, ipc) in &cells {
        for (number, title) in &bns.titles {
            bns_titles
                .entry(number.clone())
                .or_insert_with(|| title.clone());
        }
        for (number, title) in &ipc.titles {
            ipc_titles
                .entry(number.clone())
                .or_insert_with(|| title.clone());
        }
    }
    let bns_title = |r: &Ref| -> Option<String> {
        let parent = r
            .title
            .clone()
            .or_else(|| bns_titles.get(base_of(&r.section)).cloned());
        match (parent, &r.extra) {
            (Some(parent), Some(extra)) => Some(format!("{parent}: {extra}")),
            (parent, extra) => parent.or_else(|| extra.clone()),
        }
    };
    let ipc_title = |r: &Ref| {
        r.title
            .clone()
            .or_else(|| ipc_titles.get(base_of(&r.section)).cloned())
    };

    let mut rows = Vec::new();
    for (bns, ipc) in &cells {
        let row = |i: Option<&Ref>, b: Option<&Ref>, note: Option<String>| Correspondence {
            ipc_section: i.map(|r| r.section.clone()),
            ipc_title: i.and_then(ipc_title),
            bns_section: b.map(|r| r.section.clone()),
            bns_title: b.and_then(bns_title),
            note: note.or_else(|| {
                i.filter(|r| r.explanation)
                    .map(|r| format!("from the Explanation to IPC {}", r.section))
            }),
            ipc_explanation: i.is_some_and(|r| r.explanation),
        };
        if bns.deleted {
            rows.extend(
                ipc.refs
                    .iter()
                    .map(|i| row(Some(i), None, Some("deleted".into()))),
            );
        } else if let Some(new) = ipc.new {
            rows.extend(
                bns.refs
                    .iter()
                    .map(|b| row(None, Some(b), Some(new.into()))),
            );
        } else {
            for b in &bns.refs {
                rows.extend(
                    ipc.refs
                        .iter()
                        .map(|i| row(Some(i), Some(b), ipc.remark.clone())),
                );
            }
        }
    }
    rows
}

/// Answers for one direction of the correspondence.
#[derive(Debug, Default)]
pub struct Lookup {
    /// Every target of a section number, its own row and its sub-sections' rows: `376`.
    by_number: KeyMap<String, Vec<String>>,
    /// Targets of one exact reference, whole section or sub-section: `376(3)`, `302`.
    exact: KeyMap<String, Vec<String>>,
}

impl Lookup {
    fn build<'a>(pairs: impl Iterator<Item = (&'a str, Option<&'a str>)>) -> Self {
        fn add(map: &mut KeyMap<String, Vec<String>>, key: &str, target: Option<&str>) {
            let targets = map.entry(key.to_string()).or_default();
            if let Some(target) = target
                && !targets.iter().any(|t| t == target)
            {
                targets.push(target.to_string());
            }
        }
        let mut lookup = Self::default();
        for (source, target) in pairs {
            add(&mut lookup.by_number, base_of(source), target);
            add(&mut lookup.exact, source, target);
        }
        lookup
    }

    /// Whether the table lists `section` itself: a section number (`498A`, also when only its
    /// sub-sections are listed) or exactly this sub-section (`303(2)`), without the fallbacks of
    /// [`Lookup::get`].
    pub fn lists(&self, section: &str) -> bool {
        if section.contains('(') {
            self.exact.contains_key(section)
        } else {
            self.by_number.contains_key(section)
        }
    }

    /// The targets of a normalised reference; `None` for a section the table does not know.
    ///
    /// A section number (`376`) gives the targets of the section and of all its sub-sections.
    /// A sub-section (`376(3)`) gives its own targets; one the table does not list falls back to
    /// its parent clause and finally to the whole section's own row (`303(9)` → NULL when
    /// section 303 only appears through its sub-sections).
    pub fn get(&self, section: &str) -> Option<&[String]> {
        if !section.contains('(') {
            return self.by_number.get(section).map(Vec::as_slice);
        }
        let mut reference = section;
        loop {
            if let Some(targets) = self.exact.get(reference) {
                return Some(targets);
            }
            match reference.rfind('(') {
                Some(open) => reference = &reference[..open],
                None => return None,
            }
        }
    }
}

/// IPC reference → BNS references. Rows that only carry an IPC Explanation are left out: the
/// section itself maps elsewhere (`498A` → `85`, not also `86`, the definition of cruelty).
pub static IPC_TO_BNS: LazyLock<Lookup> = LazyLock::new(|| {
    Lookup::build(
        CORRESPONDENCE
            .iter()
            .filter(|r| !r.ipc_explanation)
            .filter_map(|r| {
                r.ipc_section
                    .as_deref()
                    .map(|ipc| (ipc, r.bns_section.as_deref()))
            }),
    )
});

/// BNS reference → IPC references.
pub static BNS_TO_IPC: LazyLock<Lookup> = LazyLock::new(|| {
    Lookup::build(CORRESPONDENCE.iter().filter_map(|r| {
        r.bns_section
            .as_deref()
            .map(|bns| (bns, r.ipc_section.as_deref()))
    }))
});

/// The `ref.ipc_bns` table: one row per (IPC, BNS) pair of the correspondence.
pub fn ipc_bns_table() -> RecordBatch {
    let column = |f: fn(&Correspondence) -> Option<&str>| {
        Arc::new(CORRESPONDENCE.iter().map(f).collect::<StringArray>()) as _
    };
    let schema = Schema::new(
        [
            "ipc_section",
            "ipc_title",
            "bns_section",
            "bns_title",
            "note",
        ]
        .map(|name| Field::new(name, DataType::Utf8, true))
        .to_vec(),
    );
    RecordBatch::try_new(
        Arc::new(schema),
        vec![
            column(|r| r.ipc_section.as_deref()),
            column(|r| r.ipc_title.as_deref()),
            column(|r| r.bns_section.as_deref()),
            column(|r| r.bns_title.as_deref()),
            column(|r| r.note.as_deref()),
        ],
    )
    .expect("the ipc_bns columns match their schema")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ipc(section: &str) -> Option<Vec<&str>> {
        IPC_TO_BNS
            .get(section)
            .map(|v| v.iter().map(String::as_str).collect())
    }

    fn bns(section: &str) -> Option<Vec<&str>> {
        BNS_TO_IPC
            .get(section)
            .map(|v| v.iter().map(String::as_str).collect())
    }

    fn row(ipc: &str, bns: &str) -> &'static Correspondence {
        CORRESPONDENCE
            .iter()
            .find(|r| {
                r.ipc_section.as_deref() == Some(ipc) && r.bns_section.as_deref() == Some(bns)
            })
            .unwrap_or_else(|| panic!("no row IPC {ipc} ↔ BNS {bns}"))
    }

    #[test]
    fn spot_checks() {
        for (from, to) in [
            ("302", "103"),
            ("379", "303(2)"),
            ("420", "318(4)"),
            ("307", "109"),
            ("354", "74"),
            ("498A", "85"),
            ("304B", "80"),
            ("363", "137(2)"),
            ("34", "3(5)"),
            ("120B", "61(2)"),
        ] {
            assert_eq!(ipc(from), Some(vec![to]), "IPC {from}");
            assert!(bns(to).unwrap().contains(&from), "BNS {to}");
        }
    }

    /// Rows checked by reading the CSV, one for each shape of cell.
    #[test]
    fn rows_read_from_the_table() {
        let cases: &[(&str, &[&str])] = &[
            // `303. Theft.<para>303(1)` ↔ `378. Theft.`
            ("378", &["303(1)"]),
            ("411", &["317(2)"]),
            ("323", &["115(2)"]),
            ("324", &["118(1)"]),
            ("325", &["117(2)"]),
            ("306", &["108"]),
            ("304A", &["106"]),
            ("392", &["309(4)"]),
            ("395", &["310(2)"]),
            ("406", &["316(2)"]),
            ("467", &["338"]),
            ("468", &["336(3)"]),
            ("471", &["340(2)"]),
            ("147", &["191(2)"]),
            ("149", &["190"]),
            ("341", &["126(2)"]),
            ("354D", &["78"]),
            ("363A", &["139"]),
            ("511", &["62"]),
            ("303", &["104"]),
            // `351(2), 351(3)` ↔ `506.`: one IPC section, two BNS sub-sections.
            ("506", &["351(2)", "351(3)"]),
            // `189(8)` and `189(9)` both come from IPC 158.
            ("158", &["189(8)", "189(9)"]),
            // `2(1) ‘act’` and `2(25) ‘omission’` both from IPC 33.
            ("33", &["2(1)", "2(25)"]),
            // IPC 376 whole → 64, its sub-section (3) → 65(1).
            ("376", &["64", "65(1)"]),
            ("376(3)", &["65(1)"]),
            ("376(2)", &["64"]),
            ("376AB", &["65(2)"]),
            ("376DA", &["70(2)"]),
            // `228A (3)` with a space.
            ("228A", &["72", "73"]),
            ("228A(3)", &["73"]),
            // `171-I.`
            ("171I", &["177"]),
            // `416.Cheating by personation.` ↔ `Cheating by personation<para>319(1)`
            ("416", &["319(1)"]),
            // Three IPC sections in one cell, each with its own explanation row elsewhere.
            ("489A", &["178"]),
            ("231", &["178"]),
            ("255", &["178"]),
            ("230", &["178(2)"]),
            ("246", &["178(5)"]),
            ("429", &["325"]),
            // `Deleted` rows: known, no BNS counterpart.
            ("377", &[]),
            ("124A", &[]),
            ("497", &[]),
            ("14", &[]),
            ("153AA", &[]),
        ];
        for (from, to) in cases {
            assert_eq!(ipc(from), Some(to.to_vec()), "ipc_to_bns {from}");
        }
        let cases: &[(&str, &[&str])] = &[
            ("303", &["378", "379"]),
            ("303(2)", &["379"]),
            ("309", &["390", "392", "393", "394"]),
            // `309. Robbery.<para>309(1)(2)(3)`: three sub-sections.
            ("309(2)", &["390"]),
            ("351(3)", &["506"]),
            ("65(1)", &["376(3)"]),
            ("70(2)", &["376DA", "376DB"]),
            ("73", &["228A(3)"]),
            ("86", &["498A"]),
            ("178(1)", &["489A"]),
            ("178(5)", &["246", "248"]),
            ("8(6)(a)", &["68"]),
            ("137(1)(b)", &["361"]),
            ("137(1)", &["359"]),
            ("125(a)", &["337"]),
            ("2(19)", &["10"]),
            ("319(1)", &["416"]),
            // A sub-section the table does not list falls back to the section's own row.
            ("106(1)", &["304A"]),
            ("103(1)", &["302"]),
            // `New Section` / `New Sub-Section`: known, no IPC counterpart.
            ("304", &[]),
            ("111", &[]),
            ("113", &[]),
            ("106(2)", &[]),
            ("2(39)", &[]),
        ];
        for (from, to) in cases {
            assert_eq!(bns(from), Some(to.to_vec()), "bns_to_ipc {from}");
        }
    }

    #[test]
    fn unknown_sections() {
        for section in ["999", "0", "512", "379Z", ""] {
            assert_eq!(ipc(section), None, "IPC {section}");
        }
        for section in ["359", "1000", "303(3)", "8(9)", "2(99)"] {
            assert_eq!(bns(section), None, "BNS {section}");
        }
    }

    #[test]
    fn explanations_translate_one_way() {
        // BNS 86 (the definition of cruelty) is the Explanation to IPC 498A; 498A itself is 85.
        let r = row("498A", "86");
        assert!(r.ipc_explanation);
        assert_eq!(r.note.as_deref(), Some("from the Explanation to IPC 498A"));
        assert_eq!(ipc("498A"), Some(vec!["85"]));
        assert_eq!(bns("86"), Some(vec!["498A"]));
    }

    #[test]
    fn titles_and_notes() {
        let theft = row("379", "303(2)");
        assert_eq!(theft.ipc_title.as_deref(), Some("Punishment for theft"));
        assert_eq!(theft.bns_title.as_deref(), Some("Theft"));
        let murder = row("302", "103");
        assert_eq!(murder.ipc_title.as_deref(), Some("Punishment for murder"));
        assert_eq!(murder.bns_title.as_deref(), Some("Punishment for murder"));
        assert_eq!(murder.note, None);
        // Titles inherited by sub-section rows, and defined terms.
        assert_eq!(
            row("376(3)", "65(1)").ipc_title.as_deref(),
            Some("Punishment for rape")
        );
        assert_eq!(
            row("33", "2(1)").bns_title.as_deref(),
            Some("Definitions: ‘act’")
        );
        assert_eq!(
            row("416", "319(1)").bns_title.as_deref(),
            Some("Cheating by personation")
        );
        assert_eq!(
            row("171I", "177").ipc_title.as_deref(),
            Some("Failure to keep election accounts")
        );
        let deleted = CORRESPONDENCE
            .iter()
            .find(|r| r.ipc_section.as_deref() == Some("377"))
            .unwrap();
        assert_eq!(
            (deleted.bns_section.as_deref(), deleted.note.as_deref()),
            (None, Some("deleted"))
        );
        assert_eq!(deleted.ipc_title.as_deref(), Some("Unnatural Offences"));
        let snatching = CORRESPONDENCE
            .iter()
            .find(|r| r.bns_section.as_deref() == Some("304"))
            .unwrap();
        assert_eq!(snatching.ipc_section, None);
        assert_eq!(snatching.bns_title.as_deref(), Some("Snatching"));
        assert_eq!(snatching.note.as_deref(), Some("new section"));
        assert_eq!(
            row("246", "178(5)").note.as_deref(),
            Some("reference to ‘Indian coin’ removed")
        );
    }

    #[test]
    fn whole_table_is_clean() {
        let rows = &*CORRESPONDENCE;
        assert!(rows.len() > 550, "{} rows", rows.len());
        let well_formed = |s: &str| {
            let number = base_of(s);
            let digits = number.bytes().take_while(u8::is_ascii_digit).count();
            (1..=3).contains(&digits)
                && number[digits..].len() <= 2
                && number[digits..].bytes().all(|b| b.is_ascii_uppercase())
                && s[number.len()..].split_terminator(')').all(|g| {
                    g.strip_prefix('(').is_some_and(|g| {
                        !g.is_empty()
                            && g.bytes()
                                .all(|b| b.is_ascii_digit() || b.is_ascii_lowercase())
                    })
                })
        };
        for r in rows {
            assert!(r.ipc_section.is_some() || r.bns_section.is_some(), "{r:?}");
            for s in [&r.ipc_section, &r.bns_section].into_iter().flatten() {
                assert!(well_formed(s), "{s:?} in {r:?}");
            }
            assert!(r.bns_section.is_none() || r.bns_title.is_some(), "{r:?}");
            assert!(r.ipc_section.is_none() || r.ipc_title.is_some(), "{r:?}");
        }
        // Every one of the 358 BNS sections appears.
        for n in 1..=358 {
            assert!(BNS_TO_IPC.get(&n.to_string()).is_some(), "BNS {n} missing");
        }
        // The IPC offences most often seen in FIRs all translate.
        for n in [
            "147", "148", "149", "279", "294", "304", "323", "341", "354", "363", "365", "366",
            "376", "380", "384", "392", "394", "395", "406", "409", "427", "447", "448", "452",
            "457", "465", "467", "468", "471", "504", "506", "509",
        ] {
            assert!(!IPC_TO_BNS.get(n).unwrap_or_default().is_empty(), "IPC {n}");
        }
    }

    #[test]
    fn table_batch_matches_rows() {
        let batch = ipc_bns_table();
        assert_eq!(batch.num_rows(), CORRESPONDENCE.len());
        assert_eq!(batch.num_columns(), 5);
        let names: Vec<_> = batch
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect();
        assert_eq!(
            names,
            [
                "ipc_section",
                "ipc_title",
                "bns_section",
                "bns_title",
                "note"
            ]
        );
    }

    #[test]
    fn cells() {
        let cell = parse_cell("303. Theft.<para>303(1)");
        assert_eq!(cell.refs, [Ref::new("303(1)".into())]);
        assert_eq!(cell.titles, [("303".to_string(), "Theft".to_string())]);
        let cell = parse_cell("351(2), 351(3)");
        assert_eq!(
            cell.refs,
            [Ref::new("351(2)".into()), Ref::new("351(3)".into())]
        );
        assert_eq!(
            parse_cell("CHAPTER IV<para>GENERAL EXCEPTIONS"),
            Cell::default()
        );
        assert!(parse_cell("Deleted").deleted);
        assert_eq!(parse_cell("New Sub- Section").new, Some("new sub-section"));
        assert_eq!(
            parse_cell("New Sub-Section<para>").new,
            Some("new sub-section")
        );
        let cell = parse_cell("14- “Servant of Government”.");
        assert_eq!(
            cell.titles,
            [("14".to_string(), "“Servant of Government”".to_string())]
        );
    }
}
