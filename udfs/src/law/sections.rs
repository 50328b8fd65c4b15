//! Reading section references out of the free text of an FIR: `379, 411 IPC`,
//! `u/s 303(2) BNS`, `3/25 Arms Act`, `धारा 379 भादवि`, `IPC 379 r/w 34`, `NDPS 8/21`.
//!
//! The text is read once into tokens — section numbers (`379`, `498-A` → `498A`, `303 (2)` →
//! `303(2)`, ASCII or Devanagari digits), words (case-folded, dots dropped: `I.P.C.` → `ipc`,
//! `भा०द०वि०` → `भादवि`), joiners (`/`, `r/w`, `read with`) and separators (`,`, `and`, `व`, any
//! unknown word). Words are then matched against the names of acts ([`Act`]), and each run of
//! sections is given to an act:
//!
//! * if the text starts with a section (`379, 411 IPC, 3/25 Arms Act`), each run belongs to the
//!   act written after it, and a run after the last act to that act (`302 IPC r/w 34`);
//! * if it starts with an act (`IPC 379, 411`), each run belongs to the act before it; an act
//!   written after the last sections of a run (`IPC 379, 411 and 3/25 Arms Act`) takes the last
//!   item of that run (`3/25`);
//! * sections with no act at all are kept bare (`379`).
//!
//! An item joined by `/` or `r/w` is split into its sections for the penal and procedure codes
//! (`302/34 IPC` → `IPC 302`, `IPC 34`) and kept whole for other acts, where `3/25` names one
//! offence (prohibition / penalty): `Arms Act 3/25`. An act not in [`Act`] but written as
//! `... Act` keeps its sections under the name as written (`13 Gambling Act` → `Gambling Act 13`),
//! so they are never given to a neighbouring act.
//!
//! A section number's suffix may be written apart (`498 A`, `376 AB`, `498 ए`), and its
//! sub-section after a dash (`303-2`); both can also be something else (`379 a case`,
//! `25 A. Act`, `323-34`), so they are read only where the correspondence table confirms them or
//! nothing else is plausible: see `SectionParser::lex_suffix` and
//! `SectionParser::lex_dashed_sub_section`.
//!
//! Numbers of four digits or more are not sections (no act has a section above 999): they are
//! years, FIR or phone numbers. A section joined to one (`123/2024`, `12/03/2024`) is a case
//! number or a date and is dropped.

use std::collections::HashMap;
use std::ops::Range;
use std::sync::LazyLock;

use super::correspondence::{BNS_TO_IPC, IPC_TO_BNS};

/// An act recognised by name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Act {
    /// Indian Penal Code 1860: `IPC`, `I.P.C.`, `Indian Penal Code`, `भादवि`, `भा.द.वि.`, `भादसं`,
    /// `भा.द.स.`, `भा.दं.सं.`, `आईपीसी`, `भारतीय दंड संहिता` (or `दण्ड`, `विधान`).
    Ipc,
    /// Bharatiya Nyaya Sanhita 2023: `BNS`, `Bharatiya Nyaya Sanhita`, `भा.न्या.सं.`, `भान्यास`,
    /// `बीएनएस`.
    Bns,
    /// Code of Criminal Procedure 1973: `CrPC`, `Cr.P.C.`, `द.प्र.सं.`, `दं.प्र.सं.`, `सीआरपीसी`.
    Crpc,
    /// Bharatiya Nagarik Suraksha Sanhita 2023: `BNSS`, `बीएनएसएस`, `भानासुसं`.
    Bnss,
    /// Arms Act 1959: `Arms Act`, `A. Act`, `A.Act`, `आर्म्स एक्ट`, `आयुध अधिनियम`, `शस्त्र अधिनियम`.
    Arms,
    /// Narcotic Drugs and Psychotropic Substances Act 1985: `NDPS`, `N.D.P.S. Act`, `एनडीपीएस`.
    Ndps,
    /// Information Technology Act 2000: `IT Act`, `I.T. Act`, `I.T.Act`, `आईटी एक्ट`.
    It,
    /// Motor Vehicles Act 1988: `MV Act`, `M.V. Act`, `M.V.Act`, `Motor Vehicles Act`, `एमवी एक्ट`.
    Mv,
    /// (Rajasthan) Excise Act 1950: `Excise Act`, `Raj. Excise Act`, `आबकारी अधिनियम`.
    Excise,
    /// Protection of Children from Sexual Offences Act 2012: `POCSO`, `पॉक्सो`.
    Pocso,
    /// SC/ST (Prevention of Atrocities) Act 1989: `SC/ST Act`, `SC ST Act`, `एससी/एसटी`.
    ScSt,
    /// Dowry Prohibition Act 1961: `DP Act`, `D.P.Act`, `Dowry Prohibition Act`, `Dowry Act`,
    /// `दहेज प्रतिषेध अधिनियम`.
    DowryProhibition,
    /// Rajasthan Public Gambling Ordinance 1949: `RPGO`, `R.P.G.O.`, `RPG Ordinance`, `Public
    /// Gambling Ordinance`, `सार्वजनिक जुआ अध्यादेश`. (The central Public Gambling Act 1867 is
    /// another law and keeps its name as written.)
    Rpgo,
}

impl Act {
    /// The name written in a normalised reference.
    pub fn name(self) -> &'static str {
        match self {
            Act::Ipc => "IPC",
            Act::Bns => "BNS",
            Act::Crpc => "CrPC",
            Act::Bnss => "BNSS",
            Act::Arms => "Arms Act",
            Act::Ndps => "NDPS Act",
            Act::It => "IT Act",
            Act::Mv => "MV Act",
            Act::Excise => "Excise Act",
            Act::Pocso => "POCSO Act",
            Act::ScSt => "SC/ST Act",
            Act::DowryProhibition => "DP Act",
            Act::Rpgo => "RPG Ordinance",
        }
    }

    /// Whether `302/34` under this act means two sections (the codes) rather than one offence
    /// named by a prohibition and its penalty (`3/25 Arms Act`, `8/21 NDPS`).
    fn splits_joined(self) -> bool {
        matches!(self, Act::Ipc | Act::Bns | Act::Crpc | Act::Bnss)
    }
}

/// Names of acts as normalised word sequences (lower case, no dots).
const PHRASES: &[(&[&str], Act)] = &[
    (&["ipc"], Act::Ipc),
    (&["indian", "penal", "code"], Act::Ipc),
    (&["भादवि"], Act::Ipc),
    (&["भादसं"], Act::Ipc),
    (&["भादस"], Act::Ipc),
    (&["भादंस"], Act::Ipc),
    (&["भादंसं"], Act::Ipc),
    (&["भादंवि"], Act::Ipc),
    (&["आईपीसी"], Act::Ipc),
    (&["भारतीय", "दंड", "संहिता"], Act::Ipc),
    (&["भारतीय", "दण्ड", "संहिता"], Act::Ipc),
    (&["भारतीय", "दंड", "विधान"], Act::Ipc),
    (&["भारतीय", "दण्ड", "विधान"], Act::Ipc),
    (&["bns"], Act::Bns),
    (&["bharatiya", "nyaya", "sanhita"], Act::Bns),
    (&["bhartiya", "nyaya", "sanhita"], Act::Bns),
    (&["भान्यासं"], Act::Bns),
    (&["भान्यास"], Act::Bns),
    (&["बीएनएस"], Act::Bns),
    (&["भारतीय", "न्याय", "संहिता"], Act::Bns),
    (&["crpc"], Act::Crpc),
    (&["code", "of", "criminal", "procedure"], Act::Crpc),
    (&["दप्रसं"], Act::Crpc),
    (&["दंप्रसं"], Act::Crpc),
    (&["सीआरपीसी"], Act::Crpc),
    (&["bnss"], Act::Bnss),
    (&["bharatiya", "nagarik", "suraksha", "sanhita"], Act::Bnss),
    (&["bhartiya", "nagarik", "suraksha", "sanhita"], Act::Bnss),
    (&["बीएनएसएस"], Act::Bnss),
    (&["भानासुसं"], Act::Bnss),
    (&["भारतीय", "नागरिक", "सुरक्षा", "संहिता"], Act::Bnss),
    (&["arms"], Act::Arms),
    (&["आर्म्स"], Act::Arms),
    (&["आयुध"], Act::Arms),
    (&["शस्त्र"], Act::Arms),
    // `A.Act`, `A. Act`: a capital written apart from a section is not its suffix before `Act`.
    (&["aact"], Act::Arms),
    (&["a", "act"], Act::Arms),
    (&["armsact"], Act::Arms),
    (&["ndps"], Act::Ndps),
    (&["ndpsact"], Act::Ndps),
    (&["एनडीपीएस"], Act::Ndps),
    (&["it", "act"], Act::It),
    (&["itact"], Act::It),
    (&["information", "technology"], Act::It),
    (&["आईटी"], Act::It),
    (&["सूचना", "प्रौद्योगिकी"], Act::It),
    (&["mv"], Act::Mv),
    (&["mvact"], Act::Mv),
    (&["motor", "vehicles"], Act::Mv),
    (&["motor", "vehicle"], Act::Mv),
    (&["एमवी"], Act::Mv),
    (&["मोटर", "वाहन"], Act::Mv),
    (&["मोटरयान"], Act::Mv),
    (&["excise"], Act::Excise),
    (&["आबकारी"], Act::Excise),
    (&["pocso"], Act::Pocso),
    (&["पॉक्सो"], Act::Pocso),
    (&["पोक्सो"], Act::Pocso),
    (&["sc/st"], Act::ScSt),
    (&["sc", "st"], Act::ScSt),
    (&["scst"], Act::ScSt),
    (&["एससी/एसटी"], Act::ScSt),
    (&["एससी", "एसटी"], Act::ScSt),
    (&["dp", "act"], Act::DowryProhibition),
    (&["dpact"], Act::DowryProhibition),
    (&["dowry", "prohibition"], Act::DowryProhibition),
    (&["dowry"], Act::DowryProhibition),
    (&["दहेज", "प्रतिषेध"], Act::DowryProhibition),
    (&["दहेज"], Act::DowryProhibition),
    (&["rpgo"], Act::Rpgo),
    (&["rpg"], Act::Rpgo),
    (&["public", "gambling", "ordinance"], Act::Rpgo),
    (&["rajasthan", "public", "gambling", "ordinance"], Act::Rpgo),
    (&["आरपीजीओ"], Act::Rpgo),
    (&["सार्वजनिक", "जुआ", "अध्यादेश"], Act::Rpgo),
    (&["राजस्थान", "सार्वजनिक", "जुआ", "अध्यादेश"], Act::Rpgo),
];

/// What a word means to the parser.
#[derive(Debug, Clone)]
enum WordKind {
    /// `u/s`, `sec`, `section`, `धारा`, `of`: no effect.
    Filler,
    /// `r/w`, `with`: joins two sections into one item.
    Joiner,
    /// `and`, `व`: ends an item.
    Separator,
    /// `act`, `अधिनियम`: ends an act's name; alone, names an act not in the list.
    ActWord,
    /// The first word of these phrases (indices into [`PHRASES`], longest first).
    Phrase(Vec<usize>),
}

static WORDS: LazyLock<HashMap<&'static str, WordKind>> = LazyLock::new(|| {
    let mut words = HashMap::new();
    for word in [
        "u/s",
        "us",
        "u/sec",
        "sec",
        "secs",
        "section",
        "sections",
        "s",
        "dhara",
        "धारा",
        "धाराएं",
        "धाराएँ",
        "धाराओं",
        "of",
        "the",
        "under",
        "in",
        "no",
        "read",
        "में",
        "के",
        "की",
        "का",
        "अंतर्गत",
        "अन्तर्गत",
        "तहत",
        "sub",
    ] {
        words.insert(word, WordKind::Filler);
    }
    for word in ["r/w", "rw", "with", "सपठित"] {
        words.insert(word, WordKind::Joiner);
    }
    for word in ["and", "or", "to", "व", "एवं", "तथा", "और"] {
        words.insert(word, WordKind::Separator);
    }
    for word in ["act", "एक्ट", "अधिनियम", "ordinance", "अध्यादेश", "poa"]
    {
        words.insert(word, WordKind::ActWord);
    }
    let mut order: Vec<usize> = (0..PHRASES.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(PHRASES[i].0.len()));
    for i in order {
        let first = PHRASES[i].0[0];
        match words
            .entry(first)
            .or_insert_with(|| WordKind::Phrase(Vec::new()))
        {
            WordKind::Phrase(list) => list.push(i),
            other => unreachable!("{first} is both a phrase and {other:?}"),
        }
    }
    words
});

/// One lexical token.
#[derive(Debug, Clone)]
enum Token {
    /// A section reference; its normalised text is `sections[range]`.
    Section(Range<usize>),
    Joiner,
    Separator,
    /// A number too long to be a section: a year, an FIR or phone number.
    LongNumber,
    /// A word: normalised in `words[norm]`, written as `text[raw]`.
    Word {
        norm: Range<usize>,
        raw: Range<usize>,
    },
}

/// The act an item belongs to.
#[derive(Debug, Clone, PartialEq)]
enum ActRef {
    Known(Act),
    /// An act not in the list, named by the words `name_words[range]` (byte ranges of the text).
    Named(Range<usize>),
}

#[derive(Debug, Clone, PartialEq)]
enum Element {
    Act(ActRef),
    /// Sections `item_sections[range]`, joined by `/` or `r/w`.
    Item(Range<usize>),
}

/// Reads section references; holds scratch buffers reused from one value to the next.
#[derive(Debug, Default)]
pub struct SectionParser {
    chars: Vec<(usize, char)>,
    tokens: Vec<Token>,
    sections: String,
    words: String,
    /// Byte ranges in the input of words that name an unknown act.
    name_words: Vec<Range<usize>>,
    item_sections: Vec<Range<usize>>,
    elements: Vec<Element>,
    /// For each element that is an item: the index of the act element it belongs to.
    owners: Vec<Option<usize>>,
    output: String,
    output_ranges: Vec<Range<usize>>,
}

fn digit_value(c: char) -> Option<u8> {
    match c {
        '0'..='9' => Some(c as u8 - b'0'),
        '\u{966}'..='\u{96f}' => Some((c as u32 - 0x966) as u8),
        _ => None,
    }
}

/// A Devanagari character that can be part of a word: letters, vowel signs, virama, nukta.
fn is_devanagari_letter(c: char) -> bool {
    matches!(c, '\u{900}'..='\u{963}' | '\u{971}'..='\u{97f}')
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphabetic() || is_devanagari_letter(c)
}

impl SectionParser {
    pub fn new() -> Self {
        Self::default()
    }

    /// Reads `text` and returns its references in normalised form (`IPC 379`, `Arms Act 3/25`,
    /// `379` for a section without an act), in order of appearance, without duplicates.
    pub fn references(&mut self, text: &str) -> impl Iterator<Item = &str> {
        self.analyse(text);
        self.output.clear();
        self.output_ranges.clear();
        for e in 0..self.elements.len() {
            let Element::Item(item) = self.elements[e].clone() else {
                continue;
            };
            let act = self.owners[e].and_then(|a| match &self.elements[a] {
                Element::Act(act) => Some(act.clone()),
                Element::Item(_) => None,
            });
            let split = match &act {
                Some(ActRef::Known(act)) => act.splits_joined(),
                Some(ActRef::Named(_)) => false,
                None => true,
            };
            if split {
                for s in item {
                    self.emit(text, act.as_ref(), s..s + 1);
                }
            } else {
                self.emit(text, act.as_ref(), item);
            }
        }
        self.output_ranges.iter().map(|r| &self.output[r.clone()])
    }

    /// The one section `text` names, with its act if one is written (`u/s 498-A IPC` →
    /// `(Some(Ipc), "498A")`); `None` if it names no section, several, or an act not in the list.
    pub fn single_section(&mut self, text: &str) -> Option<(Option<Act>, &str)> {
        self.analyse(text);
        let mut found = None;
        let mut acts = 0;
        for (e, element) in self.elements.iter().enumerate() {
            match element {
                Element::Act(ActRef::Known(_)) => acts += 1,
                Element::Act(ActRef::Named(_)) => return None,
                Element::Item(item) => {
                    if found.is_some() || item.len() != 1 {
                        return None;
                    }
                    found = Some((e, item.start));
                }
            }
        }
        let (e, s) = found?;
        if acts > 1 {
            return None;
        }
        let act = self.owners[e].and_then(|a| match self.elements[a] {
            Element::Act(ActRef::Known(act)) => Some(act),
            _ => None,
        });
        if acts == 1 && act.is_none() {
            return None;
        }
        Some((act, &self.sections[self.item_sections[s].clone()]))
    }

    /// Appends one reference to the output unless it is already there.
    /// `sections` indexes `item_sections`; several are written joined by `/`.
    fn emit(&mut self, text: &str, act: Option<&ActRef>, sections: Range<usize>) {
        let start = self.output.len();
        match act {
            Some(ActRef::Known(act)) => {
                self.output.push_str(act.name());
                self.output.push(' ');
            }
            Some(ActRef::Named(words)) => {
                for w in words.clone() {
                    self.output.push_str(&text[self.name_words[w].clone()]);
                    self.output.push(' ');
                }
            }
            None => {}
        }
        for s in sections.clone() {
            if s > sections.start {
                self.output.push('/');
            }
            let section = self.item_sections[s].clone();
            self.output.push_str(&self.sections[section]);
        }
        let new = &self.output[start..];
        if self
            .output_ranges
            .iter()
            .any(|r| &self.output[r.clone()] == new)
        {
            self.output.truncate(start);
        } else {
            self.output_ranges.push(start..self.output.len());
        }
    }

    /// Tokenises `text`, groups sections into items and gives each item its act.
    fn analyse(&mut self, text: &str) {
        self.lex(text);
        self.group();
        self.assign();
    }

    fn lex(&mut self, text: &str) {
        self.chars.clear();
        self.chars.extend(text.char_indices());
        self.tokens.clear();
        self.sections.clear();
        self.words.clear();
        let mut i = 0;
        while i < self.chars.len() {
            let c = self.chars[i].1;
            if digit_value(c).is_some() {
                i = self.lex_number(i);
            } else if is_word_char(c) {
                i = self.lex_word(i, text.len());
            } else {
                match c {
                    '/' | '\\' => self.tokens.push(Token::Joiner),
                    c if c.is_whitespace() => {}
                    '.' | ':' | '(' | ')' | '[' | ']' | '{' | '}' | '"' | '\'' | '‘' | '’'
                    | '“' | '”' | '\u{200c}' | '\u{200d}' | '\u{970}' => {}
                    _ => self.tokens.push(Token::Separator),
                }
                i += 1;
            }
        }
    }

    fn char_at(&self, i: usize) -> Option<char> {
        self.chars.get(i).map(|&(_, c)| c)
    }

    /// Reads a section number starting at char `i`; returns the index after it.
    fn lex_number(&mut self, mut i: usize) -> usize {
        let start = self.sections.len();
        let mut digits = 0;
        while let Some(d) = self.char_at(i).and_then(digit_value) {
            if digits > 0 || d != 0 {
                self.sections.push((b'0' + d) as char);
                digits += 1;
            }
            i += 1;
        }
        // No act has a section above 999: longer numbers are years, FIR or phone numbers.
        let section = (1..=3).contains(&digits);
        i = self.lex_suffix(i, start, section);
        let groups = self.sections.len();
        i = self.lex_groups(i);
        if section && self.sections.len() == groups {
            i = self.lex_dashed_sub_section(i, start);
        }
        if section {
            self.tokens.push(Token::Section(start..self.sections.len()));
        } else {
            self.sections.truncate(start);
            self.tokens.push(Token::LongNumber);
        }
        i
    }

    /// Reads the letter suffix of the section number `sections[start..]` at char `i`; returns
    /// the index after it.
    ///
    /// Written against the number (`498A`, `66C`, `376DA`, `498-A`, `498ए`) any one or two
    /// letters ending the word are a suffix. Written apart (`498 A`, `376 AB`, `498 ए`) they may
    /// also be a word or an act's abbreviation (`25 A. Act`, `302 rw 34`, `379 a case`), so they
    /// are a suffix only if the correspondence table lists the section so written (`498A`,
    /// `376AB`, in any case), or if they are one capital A to F (or ए, बी, सी, डी), the suffixes
    /// of other acts (`66 C IT Act`, `41 A CrPC`) — and never when `Act` follows them.
    fn lex_suffix(&mut self, i: usize, start: usize, section: bool) -> usize {
        let n = self.ascii_letters_at(i);
        if n > 0 {
            // The letters must end the word: not `379IPC` or the `r` of `379r/w`.
            if n <= 2 && self.suffix_ends(i + n) {
                self.push_upper(i, n);
                return i + n;
            }
            return i;
        }
        if matches!(self.char_at(i), Some('-' | '–')) {
            let n = self.ascii_letters_at(i + 1);
            if (1..=2).contains(&n) && self.suffix_ends(i + 1 + n) {
                self.push_upper(i + 1, n);
                return i + 1 + n;
            }
            return self.devanagari_suffix(i + 1).map_or(i, |(end, _)| end);
        }
        if let Some((end, _)) = self.devanagari_suffix(i) {
            return end;
        }
        if !section || self.char_at(i) != Some(' ') {
            return i;
        }
        let mut k = i;
        while self.char_at(k) == Some(' ') {
            k += 1;
        }
        let (end, n, capitals) = match self.ascii_letters_at(k) {
            n @ 1..=2 if self.suffix_ends(k + n) && !self.abbreviation_goes_on(k + n) => {
                let capitals = (k..k + n).all(|j| self.chars[j].1.is_ascii_uppercase());
                self.push_upper(k, n);
                (k + n, n, capitals)
            }
            0 => match self.devanagari_suffix(k) {
                Some((end, n)) => (end, n, true),
                None => return i,
            },
            _ => return i,
        };
        let suffix = &self.sections[self.sections.len() - n..];
        let other_act_suffix =
            n == 1 && capitals && matches!(suffix, "A" | "B" | "C" | "D" | "E" | "F");
        if !self.act_word_follows(end)
            && (IPC_TO_BNS.lists(&self.sections[start..]) || other_act_suffix)
        {
            end
        } else {
            self.sections.truncate(self.sections.len() - n);
            i
        }
    }

    /// The number of ASCII letters from char `at`.
    fn ascii_letters_at(&self, at: usize) -> usize {
        (at..)
            .take_while(|&k| self.char_at(k).is_some_and(|c| c.is_ascii_alphabetic()))
            .count()
    }

    /// Whether a suffix ending before char `at` ends its word (`498A,`, `498A/406`), unlike the
    /// `r` of `379r/w`.
    fn suffix_ends(&self, at: usize) -> bool {
        match self.char_at(at) {
            None => true,
            Some('/') => !self.char_at(at + 1).is_some_and(is_word_char),
            Some(c) => !is_word_char(c),
        }
    }

    /// Whether the letters before char `at` go on as an abbreviation: `A.Act`, `सी.आर.पी.सी.`.
    fn abbreviation_goes_on(&self, at: usize) -> bool {
        matches!(self.char_at(at), Some('.' | '\u{970}'))
            && self.char_at(at + 1).is_some_and(is_word_char)
    }

    /// Whether the next word from char `at`, after dots and spaces, is `Act` or another word that
    /// ends an act's name (so that what comes before is the act's abbreviation: `25 A. Act`).
    fn act_word_follows(&self, mut at: usize) -> bool {
        while matches!(self.char_at(at), Some('.' | '\u{970}' | ' ')) {
            at += 1;
        }
        ["act", "एक्ट", "अधिनियम", "ordinance", "अध्यादेश"]
            .iter()
            .any(|word| self.word_is(at, word))
    }

    /// Whether the word at char `at` is `word` (a lower-case word; ASCII letters of the text are
    /// compared without case).
    fn word_is(&self, mut at: usize, word: &str) -> bool {
        for w in word.chars() {
            match self.char_at(at) {
                Some(c) if c.to_ascii_lowercase() == w => at += 1,
                _ => return false,
            }
        }
        !self.char_at(at).is_some_and(is_word_char)
    }

    /// Reads one or two suffix letters written in Devanagari at char `at` into `sections`
    /// (`ए` A, `बी` B, `सी` C, `डी` D), if they are the whole word; returns the index after them
    /// and the number of letters.
    fn devanagari_suffix(&mut self, mut at: usize) -> Option<(usize, usize)> {
        let mut n = 0;
        while n < 2 {
            let (letter, len) = match (self.char_at(at), self.char_at(at + 1)) {
                (Some('ए'), _) => ('A', 1),
                (Some('ब'), Some('ी')) => ('B', 2),
                (Some('स'), Some('ी')) => ('C', 2),
                (Some('ड'), Some('ी')) => ('D', 2),
                _ => break,
            };
            self.sections.push(letter);
            n += 1;
            at += len;
        }
        // The word ends here, unless a dot or a zero marks an abbreviation going on (`सी.आर.`).
        let mark_goes_on = matches!(self.char_at(at), Some('0' | '०'))
            && self.char_at(at + 1).is_some_and(is_word_char);
        let ends = !(self.char_at(at).is_some_and(is_word_char)
            || self.abbreviation_goes_on(at)
            || mark_goes_on);
        if n > 0 && ends {
            Some((at, n))
        } else {
            self.sections.truncate(self.sections.len() - n);
            None
        }
    }

    /// Reads sub-sections and clauses at char `i`, also after spaces: `(2)`, `(1)(r)`, `(ii)`,
    /// `(1-B)(a)`; returns the index after them.
    ///
    /// A group opening with a digit is a sub-section number, whose suffix is written in capitals
    /// without a dash like a section's (`(1-B)` → `(1B)`); a group of letters is a clause, in
    /// lower case (`(a)`, `(va)`).
    fn lex_groups(&mut self, mut i: usize) -> usize {
        loop {
            let mut k = i;
            while self.char_at(k) == Some(' ') {
                k += 1;
            }
            if self.char_at(k) != Some('(') {
                return i;
            }
            k += 1;
            let group = self.sections.len();
            self.sections.push('(');
            let mut len = 0;
            let mut numbered = false;
            while let Some(c) = self.char_at(k) {
                match (c, digit_value(c)) {
                    (_, Some(d)) => {
                        numbered |= len == 0;
                        self.sections.push((b'0' + d) as char);
                    }
                    (c, None) if c.is_ascii_alphabetic() => self.sections.push(if numbered {
                        c.to_ascii_uppercase()
                    } else {
                        c.to_ascii_lowercase()
                    }),
                    ('-' | '–', None)
                        if numbered
                            && self.sections.ends_with(|c: char| c.is_ascii_digit())
                            && self.char_at(k + 1).is_some_and(|c| c.is_ascii_alphabetic()) =>
                    {
                        k += 1;
                        continue;
                    }
                    _ => break,
                }
                len += 1;
                k += 1;
            }
            if (1..=4).contains(&len) && self.char_at(k) == Some(')') {
                self.sections.push(')');
                i = k + 1;
            } else {
                self.sections.truncate(group);
                return i;
            }
        }
    }

    /// Reads a sub-section written after a dash or a dot at char `i` (`303-2`, `303.2` →
    /// `303(2)`), if the correspondence table lists it; returns the index after it.
    ///
    /// Otherwise the dash separates two sections (`323-34`, `147-149`). A sub-section never
    /// starts with 0 and is one or two digits not followed by another dash or dot and digit, so
    /// that the parts of a date (`12-03-2024`, `1.3.2024`) are not read as one.
    fn lex_dashed_sub_section(&mut self, i: usize, start: usize) -> usize {
        if !matches!(self.char_at(i), Some('-' | '–' | '.')) {
            return i;
        }
        let mut k = i + 1;
        let group = self.sections.len();
        self.sections.push('(');
        while let Some(d) = self.char_at(k).and_then(digit_value) {
            if (k == i + 1 && d == 0) || k > i + 2 {
                break;
            }
            self.sections.push((b'0' + d) as char);
            k += 1;
        }
        self.sections.push(')');
        let read = k - (i + 1);
        let ends = match self.char_at(k) {
            None => true,
            Some('-' | '–' | '.') => self.char_at(k + 1).is_none_or(|c| digit_value(c).is_none()),
            Some(c) => digit_value(c).is_none() && !is_word_char(c),
        };
        let section = &self.sections[start..];
        if read > 0 && ends && (IPC_TO_BNS.lists(section) || BNS_TO_IPC.lists(section)) {
            k
        } else {
            self.sections.truncate(group);
            i
        }
    }

    fn push_upper(&mut self, from: usize, n: usize) {
        for k in from..from + n {
            let c = self.chars[k].1.to_ascii_uppercase();
            self.sections.push(c);
        }
    }

    /// Reads a word starting at char `i`; returns the index after it.
    fn lex_word(&mut self, mut i: usize, text_len: usize) -> usize {
        let raw_start = self.chars[i].0;
        let norm_start = self.words.len();
        let mut letters = 0;
        let mut devanagari = false;
        while let Some(c) = self.char_at(i) {
            let next_is_letter = self.char_at(i + 1).is_some_and(is_word_char);
            if c.is_ascii_alphabetic() {
                self.words.push(c.to_ascii_lowercase());
                devanagari = false;
            } else if is_devanagari_letter(c) {
                self.words.push(c);
                devanagari = true;
            } else if c == '\u{200c}' || c == '\u{200d}' {
                // Zero-width (non-)joiners are invisible spelling choices.
            } else if c == '.' || c == '\u{970}' || (devanagari && matches!(c, '0' | '०')) {
                // Abbreviation marks: `I.P.C.`, `भा.द.वि.`, `भा०द०वि०`.
                i += 1;
                if next_is_letter {
                    continue;
                }
                break;
            } else if c == '/' && next_is_letter && letters <= if devanagari { 4 } else { 2 } {
                // `u/s`, `r/w`, `sc/st`.
                self.words.push('/');
            } else {
                break;
            }
            letters += 1;
            i += 1;
        }
        let raw_end = self.chars.get(i).map_or(text_len, |&(at, _)| at);
        self.tokens.push(Token::Word {
            norm: norm_start..self.words.len(),
            raw: raw_start..raw_end,
        });
        i
    }

    /// Turns tokens into elements: acts (phrases matched) and items of joined sections.
    fn group(&mut self) {
        self.elements.clear();
        self.item_sections.clear();
        self.name_words.clear();
        let mut item_open = false;
        let mut joined = false;
        // Unknown words just before an `Act`: the name of an act not in the list.
        let mut unknown_from = 0;
        let mut t = 0;
        while t < self.tokens.len() {
            let mut next = t + 1;
            let mut is_unknown_word = false;
            match self.tokens[t].clone() {
                Token::Section(range) => {
                    if item_open && joined {
                        if let Some(Element::Item(item)) = self.elements.last_mut() {
                            item.end += 1;
                        }
                    } else {
                        let s = self.item_sections.len();
                        self.elements.push(Element::Item(s..s + 1));
                    }
                    self.item_sections.push(range);
                    item_open = true;
                    joined = false;
                }
                Token::Joiner => joined = true,
                Token::Separator => {
                    item_open = false;
                    joined = false;
                }
                Token::LongNumber => {
                    // `123/2024`, `12/03/2024`: an FIR number or a date, not sections.
                    if item_open
                        && joined
                        && let Some(Element::Item(item)) = self.elements.pop()
                    {
                        self.item_sections.truncate(item.start);
                    }
                    item_open = false;
                    joined = false;
                }
                Token::Word { norm, raw } => match WORDS.get(&self.words[norm]) {
                    Some(WordKind::Filler) => {}
                    Some(WordKind::Joiner) => joined = true,
                    Some(WordKind::Separator) => item_open = false,
                    Some(WordKind::ActWord) => {
                        let name = unknown_from.min(self.name_words.len())..self.name_words.len();
                        let first = name.start;
                        self.name_words.push(raw);
                        self.elements
                            .push(Element::Act(ActRef::Named(first..name.end + 1)));
                        item_open = false;
                    }
                    Some(WordKind::Phrase(candidates)) => match self.match_phrase(t, candidates) {
                        Some((act, end)) => {
                            next = self.skip_act_words(end);
                            self.elements.push(Element::Act(ActRef::Known(act)));
                            item_open = false;
                        }
                        None => {
                            is_unknown_word = true;
                            self.name_words.push(raw);
                            item_open = false;
                        }
                    },
                    None => {
                        is_unknown_word = true;
                        self.name_words.push(raw);
                        item_open = false;
                    }
                },
            }
            if !is_unknown_word {
                unknown_from = self.name_words.len();
            } else if self.name_words.len() - unknown_from > 4 {
                // A name is at most four words before `Act`.
                unknown_from = self.name_words.len() - 4;
            }
            t = next;
        }
    }

    /// The act whose name starts at token `t`, and the token after the name.
    fn match_phrase(&self, t: usize, candidates: &[usize]) -> Option<(Act, usize)> {
        candidates.iter().find_map(|&p| {
            let (words, act) = PHRASES[p];
            let matches = words.iter().enumerate().all(|(k, word)| {
                matches!(self.tokens.get(t + k), Some(Token::Word { norm, .. }) if &self.words[norm.clone()] == *word)
            });
            matches.then_some((act, t + words.len()))
        })
    }

    /// Skips `Act`, `अधिनियम`, `(PoA)` after a recognised name.
    fn skip_act_words(&self, mut t: usize) -> usize {
        while let Some(Token::Word { norm, .. }) = self.tokens.get(t) {
            if !matches!(
                WORDS.get(&self.words[norm.clone()]),
                Some(WordKind::ActWord)
            ) {
                break;
            }
            t += 1;
        }
        t
    }

    /// Gives each item the act it belongs to (see the module documentation).
    fn assign(&mut self) {
        self.owners.clear();
        self.owners.resize(self.elements.len(), None);
        let Some(first_act) = self
            .elements
            .iter()
            .position(|e| matches!(e, Element::Act(_)))
        else {
            return;
        };
        if first_act > 0 {
            // Sections first: each run belongs to the act after it.
            let mut last_act = None;
            let mut pending = Vec::new();
            for e in 0..self.elements.len() {
                match self.elements[e] {
                    Element::Item(_) => pending.push(e),
                    Element::Act(_) => {
                        for &item in &pending {
                            self.owners[item] = Some(e);
                        }
                        pending.clear();
                        last_act = Some(e);
                    }
                }
            }
            for item in pending {
                self.owners[item] = last_act;
            }
        } else {
            // Act first: each run belongs to the act before it, except that an act with no
            // sections after it takes the last item of a run of several before it.
            let mut current = None;
            for e in 0..self.elements.len() {
                match self.elements[e] {
                    Element::Item(_) => self.owners[e] = current,
                    Element::Act(_) => {
                        current = Some(e);
                        let dangling = !matches!(self.elements.get(e + 1), Some(Element::Item(_)));
                        let run_of_several = e >= 2
                            && matches!(self.elements[e - 1], Element::Item(_))
                            && matches!(self.elements[e - 2], Element::Item(_));
                        if dangling && run_of_several {
                            self.owners[e - 1] = Some(e);
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refs(text: &str) -> Vec<String> {
        SectionParser::new()
            .references(text)
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn examples_of_the_documentation() {
        let cases: &[(&str, &[&str])] = &[
            ("379, 411 IPC", &["IPC 379", "IPC 411"]),
            ("u/s 303(2) BNS", &["BNS 303(2)"]),
            ("3/25 Arms Act", &["Arms Act 3/25"]),
            ("302/34 IPC", &["IPC 302", "IPC 34"]),
            ("धारा 379 भादवि", &["IPC 379"]),
            ("धारा 379 भा.द.वि.", &["IPC 379"]),
            ("धारा 302, 34 भा०द०वि०", &["IPC 302", "IPC 34"]),
            ("धारा ३०२/३४ भादवि", &["IPC 302", "IPC 34"]),
            ("धारा 303(2) भान्यासं", &["BNS 303(2)"]),
            ("धारा 303(2) बीएनएस", &["BNS 303(2)"]),
            ("धारा 303(2) भा.न्या.सं.", &["BNS 303(2)"]),
            ("IPC 379 r/w 34", &["IPC 379", "IPC 34"]),
            ("NDPS 8/21", &["NDPS Act 8/21"]),
            ("Sec 66C IT Act", &["IT Act 66C"]),
            ("379 IPC, 3/25 Arms Act", &["IPC 379", "Arms Act 3/25"]),
        ];
        for (text, expected) in cases {
            assert_eq!(refs(text), *expected, "{text:?}");
        }
    }

    #[test]
    fn spellings_of_sections() {
        let cases: &[(&str, &[&str])] = &[
            ("498-A IPC", &["IPC 498A"]),
            ("498a ipc", &["IPC 498A"]),
            ("120-B, 420 I.P.C.", &["IPC 120B", "IPC 420"]),
            ("U/S 303 (2) BNS", &["BNS 303(2)"]),
            ("sec. 376(2)(n) IPC", &["IPC 376(2)(n)"]),
            (
                "3(1)(r), 3(1)(s) SC/ST Act",
                &["SC/ST Act 3(1)(r)", "SC/ST Act 3(1)(s)"],
            ),
            ("379IPC", &["IPC 379"]),
            ("IPC379", &["IPC 379"]),
            ("IPC-379", &["IPC 379"]),
            (
                "Sections 147, 148, 149, 323 IPC",
                &["IPC 147", "IPC 148", "IPC 149", "IPC 323"],
            ),
            ("379 & 411 IPC", &["IPC 379", "IPC 411"]),
            ("379 and 411 IPC", &["IPC 379", "IPC 411"]),
            ("302 read with 34 IPC", &["IPC 302", "IPC 34"]),
            ("302/34/120-B IPC", &["IPC 302", "IPC 34", "IPC 120B"]),
            ("379, 379 IPC", &["IPC 379"]),
            ("Indian Penal Code, 1860 section 302", &["IPC 302"]),
            ("u/s 41(1)(d) Cr.P.C.", &["CrPC 41(1)(d)"]),
            ("151 CrPC", &["CrPC 151"]),
            ("170 BNSS", &["BNSS 170"]),
            ("8(c)/21 NDPS Act", &["NDPS Act 8(c)/21"]),
            ("8 r/w 21 N.D.P.S. Act", &["NDPS Act 8/21"]),
            ("3/4 POCSO", &["POCSO Act 3/4"]),
            ("185 MV Act", &["MV Act 185"]),
            ("19/54 Rajasthan Excise Act", &["Excise Act 19/54"]),
            ("3/4 DP Act", &["DP Act 3/4"]),
            ("3(2)(va) SC/ST (PoA) Act", &["SC/ST Act 3(2)(va)"]),
            ("धारा 3/25 आर्म्स एक्ट", &["Arms Act 3/25"]),
            ("धारा 8/21 एनडीपीएस एक्ट", &["NDPS Act 8/21"]),
            ("धारा 379 व 411 भादवि", &["IPC 379", "IPC 411"]),
        ];
        for (text, expected) in cases {
            assert_eq!(refs(text), *expected, "{text:?}");
        }
    }

    #[test]
    fn acts_before_and_after_sections() {
        let cases: &[(&str, &[&str])] = &[
            ("IPC 379, 411", &["IPC 379", "IPC 411"]),
            ("IPC 379, Arms Act 3/25", &["IPC 379", "Arms Act 3/25"]),
            (
                "IPC 379, 411 and 3/25 Arms Act",
                &["IPC 379", "IPC 411", "Arms Act 3/25"],
            ),
            ("302 IPC r/w 34", &["IPC 302", "IPC 34"]),
            ("379 IPC, Arms Act 3/25", &["IPC 379", "Arms Act 3/25"]),
            (
                "379, 411 IPC & 3/25 Arms Act & 8/21 NDPS",
                &["IPC 379", "IPC 411", "Arms Act 3/25", "NDPS Act 8/21"],
            ),
            // Acts not in the list keep their sections, under their own name.
            (
                "379 IPC, 13 Public Gambling Act",
                &["IPC 379", "Public Gambling Act 13"],
            ),
            (
                "13 RPG Ordinance, 379 IPC",
                &["RPG Ordinance 13", "IPC 379"],
            ),
            // No act named: bare sections.
            ("379, 411", &["379", "411"]),
            ("u/s 302/34", &["302", "34"]),
            // Case numbers and dates are not sections.
            ("FIR No. 0123/2024 u/s 379 IPC", &["IPC 379"]),
            ("dated 12/03/2024, 420 IPC", &["IPC 420"]),
        ];
        for (text, expected) in cases {
            assert_eq!(refs(text), *expected, "{text:?}");
        }
    }

    #[test]
    fn suffixes_written_apart() {
        let cases: &[(&str, &[&str])] = &[
            ("498 A", &["498A"]),
            ("498 A IPC", &["IPC 498A"]),
            ("u/s 498  A, 406 IPC", &["IPC 498A", "IPC 406"]),
            ("376 AB IPC", &["IPC 376AB"]),
            ("376 DA IPC", &["IPC 376DA"]),
            ("120 B IPC", &["IPC 120B"]),
            ("304 B/34 IPC", &["IPC 304B", "IPC 34"]),
            ("171 I IPC", &["IPC 171I"]),
            // In lower case only a section the IPC has: `498 a`, but not the article of `a case`.
            ("498 a ipc", &["IPC 498A"]),
            ("376 ab IPC", &["IPC 376AB"]),
            ("u/s 379 a case IPC", &["IPC 379"]),
            // One capital A-F: the suffixes of other acts.
            ("66 C IT Act", &["IT Act 66C"]),
            ("41 A CrPC", &["CrPC 41A"]),
            // Devanagari letters: ए A, बी B, सी C, डी D, against the number or apart.
            ("धारा 498ए भादसं", &["IPC 498A"]),
            ("धारा 498 ए भादवि", &["IPC 498A"]),
            ("धारा 120बी भादवि", &["IPC 120B"]),
            ("धारा 304-बी भादवि", &["IPC 304B"]),
            ("धारा 66सी आईटी एक्ट", &["IT Act 66C"]),
            ("धारा 376डी भादवि", &["IPC 376D"]),
            ("धारा 41 सी.आर.पी.सी.", &["CrPC 41"]),
            ("धारा 303 बीएनएस", &["BNS 303"]),
            // Words and abbreviations of acts are not suffixes.
            ("379 IPC", &["IPC 379"]),
            ("25 A.Act", &["Arms Act 25"]),
            ("25 A. Act", &["Arms Act 25"]),
            ("25 A Act", &["Arms Act 25"]),
            ("302 and 34", &["302", "34"]),
            ("302 rw 34 IPC", &["IPC 302", "IPC 34"]),
            ("302 RW 34 IPC", &["IPC 302", "IPC 34"]),
            ("66 IT Act", &["IT Act 66"]),
            ("302 I.P.C.", &["IPC 302"]),
            ("3 SC/ST Act", &["SC/ST Act 3"]),
        ];
        for (text, expected) in cases {
            assert_eq!(refs(text), *expected, "{text:?}");
        }
    }

    #[test]
    fn messy_section_strings() {
        let cases: &[(&str, &[&str])] = &[
            ("U/S 3/25 A.ACT", &["Arms Act 3/25"]),
            ("u/s 3/25 A. Act", &["Arms Act 3/25"]),
            ("A.Act 25", &["Arms Act 25"]),
            ("Sec. 25(1-B)(a) Arms Act", &["Arms Act 25(1B)(a)"]),
            ("25(1b) Arms Act", &["Arms Act 25(1B)"]),
            ("27 (1) Arms Act", &["Arms Act 27(1)"]),
            ("379 भा.द.स.", &["IPC 379"]),
            ("379 भादस", &["IPC 379"]),
            ("379 भा.दं.स.", &["IPC 379"]),
            ("379 भा.दं.सं.", &["IPC 379"]),
            ("धारा 303(2) भा.न्या.स.", &["BNS 303(2)"]),
            ("धारा 151 दं.प्र.सं.", &["CrPC 151"]),
            ("13 RPGO", &["RPG Ordinance 13"]),
            ("3/4 R.P.G.O.", &["RPG Ordinance 3/4"]),
            ("13 RPG Ordinance", &["RPG Ordinance 13"]),
            (
                "3/4 Rajasthan Public Gambling Ordinance",
                &["RPG Ordinance 3/4"],
            ),
            ("धारा 13 सार्वजनिक जुआ अध्यादेश", &["RPG Ordinance 13"]),
            // The central Public Gambling Act 1867 is another law: kept as written.
            ("13 Public Gambling Act", &["Public Gambling Act 13"]),
            ("8/21 N.D.P.S.Act", &["NDPS Act 8/21"]),
            ("66 D I.T.Act", &["IT Act 66D"]),
            ("185, 207 M.V.Act", &["MV Act 185", "MV Act 207"]),
            ("3/4 D.P.Act", &["DP Act 3/4"]),
            ("3/4 Dowry Act", &["DP Act 3/4"]),
            ("19/54 Raj. Excise Act", &["Excise Act 19/54"]),
            ("3/4 POCSO Act", &["POCSO Act 3/4"]),
            ("3(1)(r) SC/ST (PoA) Act", &["SC/ST Act 3(1)(r)"]),
            ("धारा 25 शस्त्र अधिनियम", &["Arms Act 25"]),
        ];
        for (text, expected) in cases {
            assert_eq!(refs(text), *expected, "{text:?}");
        }
    }

    #[test]
    fn sub_sections_after_a_dash_or_dot() {
        let cases: &[(&str, &[&str])] = &[
            ("303-2", &["303(2)"]),
            ("303–2 BNS", &["BNS 303(2)"]),
            ("303.2", &["303(2)"]),
            ("BNS 351-3", &["BNS 351(3)"]),
            ("IPC 376-3", &["IPC 376(3)"]),
            // Otherwise a dash separates two sections (the table has no IPC 376(2) row).
            ("323-34 IPC", &["IPC 323", "IPC 34"]),
            ("147-149 IPC", &["IPC 147", "IPC 149"]),
            ("376-2 IPC", &["IPC 376", "IPC 2"]),
        ];
        for (text, expected) in cases {
            assert_eq!(refs(text), *expected, "{text:?}");
        }
    }

    #[test]
    fn nothing_recognisable() {
        for text in [
            "",
            "   ",
            "IPC",
            "theft case",
            "FIR 2024",
            "9829012345",
            "🚓",
            "चोरी",
            "()/,",
        ] {
            assert!(refs(text).is_empty(), "{text:?} gave {:?}", refs(text));
        }
        let long = "x".repeat(10_000);
        assert!(refs(&long).is_empty());
        let long_digits = "1".repeat(10_000);
        assert!(refs(&long_digits).is_empty());
        let many = "379, ".repeat(2_000) + "IPC";
        assert_eq!(refs(&many), ["IPC 379"]);
    }

    #[test]
    fn single_section() {
        let mut parser = SectionParser::new();
        type Expected<'a> = Option<(Option<Act>, &'a str)>;
        let cases: &[(&str, Expected)] = &[
            ("379", Some((None, "379"))),
            ("IPC 379", Some((Some(Act::Ipc), "379"))),
            ("u/s 379", Some((None, "379"))),
            ("sec. 379", Some((None, "379"))),
            (" 498-A ", Some((None, "498A"))),
            ("498a", Some((None, "498A"))),
            ("303(2) BNS", Some((Some(Act::Bns), "303(2)"))),
            ("303-2", Some((None, "303(2)"))),
            ("498 A", Some((None, "498A"))),
            ("498ए", Some((None, "498A"))),
            ("13 RPGO", Some((Some(Act::Rpgo), "13"))),
            ("धारा ३७९ भादवि", Some((Some(Act::Ipc), "379"))),
            ("302/34", None),
            ("379, 411", None),
            ("IPC", None),
            ("IPC 379 BNS", None),
            ("13 Gambling Act", None),
            ("", None),
        ];
        for (text, expected) in cases {
            assert_eq!(parser.single_section(text), *expected, "{text:?}");
        }
    }
}
