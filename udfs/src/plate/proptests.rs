//! Property tests: valid plates of every kind and many states, rendered the way people and
//! cameras write them, must read back as specified.

use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;

use super::ocr;
use super::parse::{Kind, Plate};
use crate::reference::STATE_CODES;
use crate::rng::Rng;

/// What a group of a generated plate holds, for rendering noise in the right places.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Role {
    State,
    /// Digits; with `padded`, leading zeros are zero padding a writer may leave out.
    Digits {
        padded: bool,
    },
    Series,
    Letters,
    Fixed,
}

#[derive(Clone, Debug)]
struct Generated {
    kind: Kind,
    groups: Vec<(String, Role)>,
}

impl Generated {
    fn canonical(&self) -> String {
        self.groups.iter().map(|(g, _)| g.as_str()).collect()
    }
}

const SERIES_LETTERS: &[char] = &[
    'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'J', 'K', 'L', 'M', 'N', 'P', 'Q', 'R', 'S', 'T', 'U',
    'V', 'W', 'X', 'Y', 'Z',
];

fn series(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(SERIES_LETTERS), 1..=max)
        .prop_map(|letters| letters.into_iter().collect())
}

fn letters(n: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(prop::char::range('A', 'Z'), n).prop_map(|l| l.into_iter().collect())
}

/// Any state code, current or old, with Rajasthan and Delhi more often.
fn state() -> impl Strategy<Value = String> {
    let codes: Vec<String> = STATE_CODES.iter().map(|s| s.code.clone()).collect();
    prop_oneof![
        2 => Just("RJ".to_string()),
        1 => Just("DL".to_string()),
        4 => prop::sample::select(codes),
    ]
}

fn standard() -> impl Strategy<Value = Generated> {
    (state(), 1u32..=99, series(3), 1u32..=9999).prop_map(|(state, rto, series, number)| {
        let delhi = state == "DL";
        // Rajasthan's offices are RJ01-RJ60.
        let rto = if state == "RJ" {
            (rto - 1) % 60 + 1
        } else {
            rto
        };
        let rto = if delhi {
            rto.to_string()
        } else {
            format!("{rto:02}")
        };
        Generated {
            kind: Kind::Standard,
            groups: vec![
                (state, Role::State),
                (rto, Role::Digits { padded: !delhi }),
                (series, Role::Series),
                (format!("{number:04}"), Role::Digits { padded: true }),
            ],
        }
    })
}

fn bharat() -> impl Strategy<Value = Generated> {
    (21u32..=99, 1u32..=9999, series(2)).prop_map(|(year, number, series)| Generated {
        kind: Kind::Bharat,
        groups: vec![
            (year.to_string(), Role::Digits { padded: false }),
            ("BH".into(), Role::Fixed),
            (format!("{number:04}"), Role::Digits { padded: true }),
            (series, Role::Series),
        ],
    })
}

fn temporary() -> impl Strategy<Value = Generated> {
    (1u32..=12, 0u32..=99, state(), 1u32..=9999, series(2)).prop_map(
        |(month, year, state, number, series)| Generated {
            kind: Kind::Temporary,
            groups: vec![
                ("T".into(), Role::Fixed),
                (
                    format!("{month:02}{year:02}"),
                    Role::Digits { padded: false },
                ),
                (state, Role::State),
                (format!("{number:04}"), Role::Digits { padded: true }),
                (series, Role::Series),
            ],
        },
    )
}

fn old() -> impl Strategy<Value = Generated> {
    (letters(3), 1u32..=9999).prop_map(|(letters, number)| Generated {
        kind: Kind::Old,
        groups: vec![
            (letters, Role::Letters),
            (format!("{number:04}"), Role::Digits { padded: true }),
        ],
    })
}

fn defence() -> impl Strategy<Value = Generated> {
    (0u32..=99, letters(1), 0u32..=999_999, letters(1)).prop_map(|(year, class, serial, check)| {
        Generated {
            kind: Kind::Defence,
            groups: vec![
                (format!("{year:02}"), Role::Digits { padded: false }),
                (class, Role::Letters),
                (format!("{serial:06}"), Role::Digits { padded: false }),
                (check, Role::Letters),
            ],
        }
    })
}

fn diplomatic() -> impl Strategy<Value = Generated> {
    (
        1u32..=999,
        prop::sample::select(&["CD", "CC", "UN"][..]),
        1u32..=9999,
    )
        .prop_map(|(country, code, number)| Generated {
            kind: Kind::Diplomatic,
            groups: vec![
                (format!("{country:03}"), Role::Digits { padded: true }),
                (code.to_string(), Role::Fixed),
                (format!("{number:04}"), Role::Digits { padded: true }),
            ],
        })
}

fn plate() -> impl Strategy<Value = Generated> {
    prop_oneof![
        6 => standard(),
        1 => bharat(),
        1 => temporary(),
        1 => old(),
        1 => defence(),
        1 => diplomatic(),
    ]
}

const SEPARATORS: &[&str] = &[" ", "-", ".", "/", "_", "  ", " - ", "\u{a0}"];

/// How a plate is written: `drop_padding` leaves out all zero padding of padded groups.
fn render(groups: &[(String, Role)], rng: &mut Rng, drop_padding: bool, ind: bool) -> String {
    let mut out = String::new();
    if ind {
        out.push_str("IND ");
    }
    if rng.one_in(5) {
        out.push_str(rng.pick(&[" ", "  ", "\t"]));
    }
    for (i, (group, role)) in groups.iter().enumerate() {
        if i > 0 && !rng.one_in(3) {
            out.push_str(rng.pick(SEPARATORS));
        }
        let mut text = group.as_str();
        if drop_padding && matches!(role, Role::Digits { padded: true }) {
            let trimmed = text.trim_start_matches('0');
            // A group of digits keeps at least one digit.
            text = if trimmed.is_empty() {
                &text[text.len() - 1..]
            } else {
                trimmed
            };
        }
        for (j, c) in text.chars().enumerate() {
            if j > 0 && rng.one_in(12) {
                out.push_str(rng.pick(SEPARATORS));
            }
            match c {
                '0'..='9' if rng.one_in(6) => {
                    out.push(char::from_u32(0x0966 + (c as u32 - '0' as u32)).unwrap())
                }
                'A'..='Z' if rng.one_in(3) => out.push(c.to_ascii_lowercase()),
                _ => out.push(c),
            }
        }
    }
    if rng.one_in(5) {
        out.push_str(rng.pick(&[" ", "  ", "\n"]));
    }
    out
}

/// The look-alikes of `c` that an OCR reading of a `role` slot may give.
fn confusions(c: char, role: Role) -> Vec<char> {
    const CLASSES: [&str; 7] = ["O0DQ", "I1LTJ", "Z2", "S5", "B8", "G6", "A4"];
    let Some(class) = CLASSES.iter().find(|class| class.contains(c)) else {
        return Vec::new();
    };
    class
        .chars()
        .filter(|&o| o != c)
        .filter(|o| match role {
            // Letters in digit slots, digits or look-alike letters in letter slots.
            Role::Digits { .. } => o.is_ascii_uppercase(),
            _ => true,
        })
        .collect()
}

/// The plate's groups with up to `count` characters replaced by look-alikes, and how many
/// characters differ from the plate. A group of two or more characters keeps at least one of
/// its own kind (a digit in a number, a letter in a series), as `plate_repair` requires, except
/// the RTO part after an unchanged state code.
fn with_confusions(g: &Generated, rng: &mut Rng, count: usize) -> (Vec<(String, Role)>, usize) {
    let mut groups = g.groups.clone();
    let mut done = 0;
    for _ in 0..count * 4 {
        if done == count {
            break;
        }
        let gi = rng.index(groups.len());
        // The RTO part after a state code read exactly is digits by position: it may be all
        // look-alike letters (`RJOA` for `RJ04`), as long as the state code stays exact.
        let standard = g.kind == Kind::Standard;
        let rto_by_position = standard && gi == 1 && groups[0].0 == g.groups[0].0;
        let rto_needs_state = standard
            && gi == 0
            && groups[1].0.len() > 1
            && !groups[1].0.chars().any(|c| c.is_ascii_digit());
        if rto_needs_state {
            continue;
        }
        let (text, role) = &mut groups[gi];
        let mut chars: Vec<char> = text.chars().collect();
        let ci = rng.index(chars.len());
        let options = confusions(chars[ci], *role);
        if options.is_empty() {
            continue;
        }
        chars[ci] = rng.pick(&options);
        let own_kind = |c: &char| match role {
            Role::Digits { .. } => c.is_ascii_digit(),
            _ => c.is_ascii_uppercase(),
        };
        if *role != Role::Fixed
            && chars.len() > 1
            && !chars.iter().any(own_kind)
            && !rto_by_position
        {
            continue;
        }
        *text = chars.into_iter().collect();
        done += 1;
    }
    let canonical = g.canonical();
    let noisy: String = groups.iter().map(|(t, _)| t.as_str()).collect();
    let differ = canonical
        .chars()
        .zip(noisy.chars())
        .filter(|(a, b)| a != b)
        .count();
    (groups, differ)
}

fn normalize(s: &str) -> Option<String> {
    Plate::parse(s).map(|p| p.as_str().to_string())
}

fn repair(s: &str) -> Option<String> {
    ocr::repair(s).map(|p| p.as_str().to_string())
}

fn key(s: &str) -> Option<String> {
    ocr::match_key(s).map(|k| crate::kernel::ShortStr::as_str(&k).to_string())
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 3000,
        // Failing cases are kept beside this file, in `proptests.regressions`.
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource("regressions"))),
        ..ProptestConfig::default()
    })]

    /// Case, spaces, separators, Devanagari digits, missing padding and an `IND` strip are
    /// formatting: every function reads the plate itself.
    #[test]
    fn formatting_is_dropped(g in plate(), seed in any::<u64>(), drop_padding in any::<bool>(), ind in any::<bool>()) {
        let mut rng = Rng::new(seed);
        let canonical = g.canonical();
        let written = render(&g.groups, &mut rng, drop_padding, ind);
        prop_assert_eq!(normalize(&canonical), Some(canonical.clone()));
        prop_assert_eq!(normalize(&written), Some(canonical.clone()), "written {:?}", written);
        prop_assert_eq!(repair(&written), Some(canonical.clone()), "written {:?}", written);
        let plate = Plate::parse(&written).unwrap();
        prop_assert_eq!(plate.kind(), g.kind);
        if let Some((state, Role::State)) = g.groups.iter().find(|(_, r)| *r == Role::State) {
            prop_assert_eq!(plate.state(), Some(state.as_str()));
            prop_assert!(plate.state_name().is_some());
        } else {
            prop_assert_eq!(plate.state(), None);
        }
        prop_assert_eq!(key(&written), key(&canonical), "written {:?}", written);
    }

    /// The key built in registers (16 classes at once, the kept ones moved together by a
    /// shuffle) and its portable twin are each group's classes without its zero padding,
    /// taken a character at a time.
    #[test]
    fn keys_are_the_groups_without_padding(g in plate()) {
        let plate = Plate::parse(&g.canonical()).unwrap();
        let expected = ocr::key_by_groups(&plate);
        for key in ocr::keys_of(&plate) {
            let key = key.map(|k| crate::kernel::ShortStr::as_str(&k).to_string());
            prop_assert_eq!(key.as_deref(), Some(expected.as_str()), "{}", g.canonical());
        }
    }

    /// OCR confusions in the right slots: the key is the plate's unless another plate with
    /// another key is at least as close to the read, and there is one unless the beginning of
    /// a plate without its number (a fragment) is closer; a repair gives back the plate or
    /// nothing after one confusion (unless the read is itself a valid plate, which is never
    /// changed).
    #[test]
    fn ocr_confusions_key_back(g in plate(), seed in any::<u64>(), count in 1usize..=3) {
        let mut rng = Rng::new(seed);
        let canonical = g.canonical();
        let (noisy_groups, differ) = with_confusions(&g, &mut rng, count);
        let read = render(&noisy_groups, &mut rng, false, false);
        // The plate itself is a reading with `differ` replacements at full width: cost 2 per
        // replacement, score 32 × cost (see `ocr::Search::groups`).
        let plate_cost = 2 * differ as u32;
        let Some(reading) = ocr::read_for_key(&read) else {
            let fragment = ocr::fragment_cost(&read);
            prop_assert!(fragment.is_some_and(|cost| cost < plate_cost),
                "read {:?}: no key, closest fragment {:?}", read, fragment);
            prop_assert_eq!(repair(&read), None, "read {:?}", read);
            return Ok(());
        };
        if key(&read) != key(&canonical) {
            let closer = reading.score < 32 * plate_cost;
            prop_assert!(closer || reading.key_tie,
                "read {:?}: key {:?}, plate {:?} key {:?}, best reading {:?}",
                read, key(&read), canonical, key(&canonical), reading);
        }
        let repaired = repair(&read);
        if let Some(as_written) = normalize(&read) {
            prop_assert_eq!(repaired, Some(as_written), "read {:?}", read);
        } else if differ <= 1 {
            prop_assert!(repaired.is_none() || repaired.as_ref() == Some(&canonical),
                "read {:?} repaired to {:?}", read, repaired);
        }
        if let Some(repaired) = repair(&read) {
            prop_assert!(Plate::parse(&repaired).is_some());
            if normalize(&read).is_none() {
                prop_assert_eq!(key(&repaired), key(&read), "read {:?}", read);
            }
        }
    }

    /// The functions' batch loops, which read a plate as written with the parser's fast pass
    /// and search only the other values, give what the functions give value by value: over
    /// batches of plates written every way (padding dropped, `IND`, separators, Devanagari
    /// digits), with look-alikes, and short texts.
    #[test]
    fn batch_kernels_agree_with_the_functions(
        plates in proptest::collection::vec((plate(), any::<u64>(), 0usize..=2, any::<bool>(), any::<bool>()), 1..24),
        texts in proptest::collection::vec("[A-Z0-9a-z -]{0,14}", 0..8),
    ) {
        use crate::kernel::test_util::texts as evaluate;
        let mut values: Vec<String> = plates
            .iter()
            .map(|(g, seed, confusions, drop_padding, ind)| {
                let mut rng = Rng::new(*seed);
                let (groups, _) = with_confusions(g, &mut rng, *confusions);
                render(&groups, &mut rng, *drop_padding, *ind)
            })
            .collect();
        values.extend(texts);
        let inputs: Vec<Option<&str>> = values.iter().map(|v| Some(v.as_str())).collect();
        let repaired: Vec<Option<String>> = values.iter().map(|v| repair(v)).collect();
        prop_assert_eq!(evaluate(&super::repair::PLATE_REPAIR, &inputs), repaired);
        let keys: Vec<Option<String>> = values.iter().map(|v| key(v)).collect();
        prop_assert_eq!(evaluate(&super::match_key::PLATE_MATCH_KEY, &inputs), keys);
        // A plate short of one group's padding is keyed as written without a search: the
        // search would find the same plate.
        for value in &values {
            let searched = ocr::read_for_key_by_search(value).map(|r| r.plate);
            prop_assert_eq!(ocr::read_for_key(value).map(|r| r.plate), searched, "{:?}", value);
        }
    }

    /// A plate is never repaired into another one: on any short text, `plate_repair` agrees
    /// with `plate_normalize` wherever that reads a plate; a repair is a valid plate, with the
    /// key of the text where that is no plate as written; and nothing panics.
    #[test]
    fn valid_plates_are_never_changed(s in "[A-Z0-9a-z -]{0,14}") {
        let normalized = normalize(&s);
        let repaired = repair(&s);
        if normalized.is_some() {
            prop_assert_eq!(&repaired, &normalized);
        }
        if let Some(r) = &repaired {
            prop_assert_eq!(normalize(r), Some(r.clone()));
            prop_assert_eq!(repair(r), Some(r.clone()));
            if normalized.is_none() {
                prop_assert_eq!(key(r), key(&s));
            }
        }
        if let Some(n) = &normalized {
            prop_assert_eq!(normalize(n), Some(n.clone()));
        }
        prop_assert_eq!(key(&s).is_some(), ocr::read(&s).is_some());
    }

    /// Arbitrary text (any Unicode) never panics and gives either NULL or a canonical plate.
    #[test]
    fn any_text_is_safe(s in "\\PC{0,40}") {
        if let Some(n) = normalize(&s) {
            prop_assert_eq!(normalize(&n), Some(n.clone()));
        }
        if let Some(r) = repair(&s) {
            prop_assert!(Plate::parse(&r).is_some());
        }
        let _ = key(&s);
    }

    /// The parser (its fast first pass, and its general path alone) reads every value as the
    /// plain, format-by-format [`reference_parse`] does: plates as written, with characters
    /// inserted, replaced or removed, and arbitrary short text.
    #[test]
    fn parser_agrees_with_reference(
        g in plate(),
        seed in any::<u64>(),
        drop_padding in any::<bool>(),
        edits in edits(2),
        text in "[A-Za-z0-9 ./_#\\-]{0,18}",
    ) {
        let mut rng = Rng::new(seed);
        let written = render(&g.groups, &mut rng, drop_padding, false);
        let written = edited(&written, &edits);
        for value in [written.as_str(), text.as_str()] {
            let (fast, general) = (Plate::parse(value), Plate::parse_general(value));
            prop_assert_eq!(fast, general, "{:?}", value);
            let groups = fast.map(|p| p.groups().map(|g| String::from_utf8(g.to_vec()).unwrap()).collect::<Vec<_>>());
            prop_assert_eq!(groups.clone(), reference_parse(value), "{:?}", value);
            if let Some(general) = general {
                prop_assert!(general.groups().eq(fast.unwrap().groups()), "{:?}", value);
            }
        }
    }

    /// The search by layouts, cheapest lower bound first, finds what the recursive search
    /// format by format finds (the same plate, padding, score and flags), searched alone and
    /// beside the plate a value is as written: over plates with look-alikes, short of their
    /// padding or behind `IND`, with characters edited, and short text of look-alikes.
    #[test]
    fn search_agrees_with_the_recursive_search(
        g in plate(),
        seed in any::<u64>(),
        confusions in 0usize..=4,
        drop_padding in any::<bool>(),
        ind in any::<bool>(),
        edits in edits(1),
        text in "[0-9A-Z]{1,14}",
        lookalikes in "[0-9ODQILTJZSBGA]{1,14}",
    ) {
        let mut rng = Rng::new(seed);
        let (groups, _) = with_confusions(&g, &mut rng, confusions);
        let written = render(&groups, &mut rng, drop_padding, ind);
        let written = edited(&written, &edits);
        for value in [written.as_str(), text.as_str(), lookalikes.as_str()] {
            let [by_layouts, by_groups] = ocr::searches(value);
            prop_assert_eq!(by_layouts, by_groups, "{:?}", value);
        }
    }
}

/// Characters the agreement tests insert into plates: letters, digits, formatting, `IND`'s
/// letters, a byte that is no formatting, a Devanagari digit.
const EDIT_CHARS: &[char] = &[
    'A', 'I', 'N', 'D', 'O', 'z', '0', '1', '9', ' ', '-', '.', '/', '_', '\t', '#', '१',
];

/// A character of [`EDIT_CHARS`] inserted (0), or the character at an index replaced by it
/// (1) or removed (2).
type Edit = (prop::sample::Index, char, u8);

/// Up to `max` edits.
fn edits(max: usize) -> impl Strategy<Value = Vec<Edit>> {
    prop::collection::vec(
        (
            any::<prop::sample::Index>(),
            prop::sample::select(EDIT_CHARS),
            0u8..3,
        ),
        0..=max,
    )
}

/// `written` with `edits` applied in turn.
fn edited(written: &str, edits: &[Edit]) -> String {
    let mut written: Vec<char> = written.chars().collect();
    for (at, c, how) in edits {
        let at = at.index(written.len() + 1);
        match how {
            0 => written.insert(at, *c),
            1 if at < written.len() => written[at] = *c,
            _ if at < written.len() => {
                written.remove(at);
            }
            _ => {}
        }
    }
    written.into_iter().collect()
}

/// The plate formats written out plainly, one after the other, as the parser's documentation
/// states them: the groups of the canonical form of `s`, or `None`.
fn reference_parse(s: &str) -> Option<Vec<String>> {
    let mut chars = String::new();
    for c in s.chars() {
        match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' => chars.push(c.to_ascii_uppercase()),
            '०'..='९' => chars.push(char::from(b'0' + (c as u32 - '०' as u32) as u8)),
            ' ' | '\t' | '\n' | '\r' | '-' | '.' | '/' | '_' | '\u{a0}' | '↑' | '–' | '—' => {
            }
            _ => return None,
        }
    }
    if chars.len() > 16 {
        return None;
    }
    match reference_formats(&chars) {
        Some(groups) => Some(groups),
        None if chars.len() > 3 && chars.starts_with("IND") => reference_formats(&chars[3..]),
        None => None,
    }
}

fn reference_formats(chars: &str) -> Option<Vec<String>> {
    // Runs of letters and of digits.
    let mut runs: Vec<String> = Vec::new();
    for c in chars.chars() {
        match runs.last_mut() {
            Some(run) if run.chars().last().unwrap().is_ascii_digit() == c.is_ascii_digit() => {
                run.push(c)
            }
            _ => runs.push(c.to_string()),
        }
    }
    let digits = |r: &str| r.starts_with(|c: char| c.is_ascii_digit());
    let number = |r: &str, max: usize| digits(r) && r.len() <= max && r.chars().any(|c| c != '0');
    let series = |r: &str, max: usize| !digits(r) && r.len() <= max && !r.contains(['I', 'O']);
    let state = |r: &str| !digits(r) && crate::reference::state_code(r).is_some();
    let pad = |r: &str, width: usize| format!("{r:0>width$}");
    let value = |r: &str| r.parse::<u32>().unwrap();
    let strs = |groups: &[&str]| Some(groups.iter().map(|g| g.to_string()).collect());
    match runs.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        [s, rto, x, n]
            if s.len() == 2 && state(s) && number(rto, 2) && series(x, 3) && number(n, 4) =>
        {
            if s == "RJ" && !(1..=60).contains(&value(rto)) {
                return None;
            }
            let rto = if s == "DL" {
                value(rto).to_string()
            } else {
                pad(rto, 2)
            };
            strs(&[s, &rto, x, &pad(n, 4)])
        }
        [y, "BH", n, x]
            if digits(y) && y.len() == 2 && value(y) >= 21 && number(n, 4) && series(x, 2) =>
        {
            strs(&[y, "BH", &pad(n, 4), x])
        }
        [y, c, n, x]
            if digits(y)
                && y.len() == 2
                && c.len() == 1
                && digits(n)
                && n.len() == 6
                && x.len() == 1 =>
        {
            strs(&[y, c, n, x])
        }
        ["T", my, s, n, x]
            if digits(my)
                && my.len() == 4
                && (1..=12).contains(&value(&my[..2]))
                && s.len() == 2
                && state(s)
                && number(n, 4)
                && series(x, 2) =>
        {
            strs(&["T", my, s, &pad(n, 4), x])
        }
        [c, "CD" | "CC" | "UN", n] if number(c, 3) && number(n, 4) => {
            strs(&[&pad(c, 3), runs[1].as_str(), &pad(n, 4)])
        }
        [x, n] if !digits(x) && x.len() == 3 && number(n, 4) => strs(&[x, &pad(n, 4)]),
        _ => None,
    }
}
