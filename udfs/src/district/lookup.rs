//! Resolution of a free-text district name to one of the 41 current districts.
//!
//! Every known spelling is reduced to a *key*: ASCII letters folded to lower case, spaces and
//! punctuation removed, Devanagari nukta dropped (`ड़` = `ड`), chandrabindu read as anusvara,
//! Latin letters with diacritics folded to plain ones. The keys of every name, Hindi name,
//! alias, police district and abolished district go into one hash map built once. A value is
//! resolved in three steps, each tried only when the previous one found nothing:
//!
//! 1. exact: the value's key is looked up in the map;
//! 2. affixes: words such as `district`, `Distt.`, `जिला`, `(Rural)`, `City`, `Raj.` are
//!    stripped from either end of the key, one at a time, with a lookup after each strip;
//! 3. typos: the stripped key is compared with every known key by optimal-string-alignment
//!    distance (Levenshtein plus adjacent transpositions,
//!    counted in characters). A known key matches if its distance is within the bound for the
//!    longer of the two keys: 1 edit for 5–8 characters, 2 for 9–12, 3 beyond; none when either
//!    key has fewer than 4 characters or both have 4. The best distance must point to one
//!    district only: if two different districts are equally close, the value is ambiguous and
//!    gives no district; and one of its spellings must start with the value's first letter.
//!
//! Names of other places that are a typo away from a district (`Raipur`, `Nagpur`, `Bhiwani`,
//! `Srimadhopur`) and names qualified by another state (`Pratapgarh (UP)`) give no district.

use std::cell::RefCell;
use std::sync::LazyLock;

use crate::memo::{Answers, KeyMap, Memo};
use crate::reference::{DISTRICTS, District, POLICE_DISTRICTS};

/// Identifies a current district: an index into [`CURRENT`].
pub type DistrictId = u8;

/// The current districts, in the order of the embedded table.
pub static CURRENT: LazyLock<Vec<&'static District>> =
    LazyLock::new(|| DISTRICTS.iter().filter(|d| d.is_current()).collect());

/// The current district of a [`DistrictId`].
pub fn district(id: DistrictId) -> &'static District {
    CURRENT[id as usize]
}

/// The id of a current district by its exact name.
pub fn current_id(name: &str) -> Option<DistrictId> {
    CURRENT
        .iter()
        .position(|d| d.name == name)
        .map(|i| i as DistrictId)
}

/// Spellings not in the district table: common Hindi variants (vowel length, half letters,
/// `ौ`/`ो`), short forms and the headquarters towns of the 2023 double-named districts.
const EXTRA_ALIASES: &[(&str, &str)] = &[
    ("S. Ganganagar", "Sri Ganganagar"),
    ("गंगानगर", "Sri Ganganagar"),
    ("चित्तोड़गढ़", "Chittorgarh"),
    ("चितौड़गढ़", "Chittorgarh"),
    ("चित्तौड़", "Chittorgarh"),
    ("चित्तौरगढ़", "Chittorgarh"),
    ("झुंझुनू", "Jhunjhunu"),
    ("झुन्झुनू", "Jhunjhunu"),
    ("झुंझुनु", "Jhunjhunu"),
    ("जालौर", "Jalore"),
    ("धोलपुर", "Dholpur"),
    ("स. माधोपुर", "Sawai Madhopur"),
    ("सलूंबर", "Salumbar"),
    ("सलुम्बर", "Salumbar"),
    ("सलुंबर", "Salumbar"),
    ("Dig", "Deeg"),
    ("Behrod", "Kotputli-Behror"),
    ("कोटपुतली", "Kotputli-Behror"),
    ("कोटपूतली", "Kotputli-Behror"),
    ("बहरोड़", "Kotputli-Behror"),
    ("खैरथल", "Khairthal-Tijara"),
    ("तिजारा", "Khairthal-Tijara"),
    ("डीडवाना", "Didwana-Kuchaman"),
    ("कुचामन", "Didwana-Kuchaman"),
    ("सांचोर", "Jalore"),
    ("भिवाड़ी", "Khairthal-Tijara"),
    ("Kotah", "Kota"),
    ("Kekadi", "Ajmer"),
    ("केकड़ी", "Ajmer"),
    ("Anoopgarh", "Sri Ganganagar"),
    ("Falaudi", "Phalodi"),
    ("Balotara", "Balotra"),
];

/// Places that are not Rajasthan districts but are one typo away from one: towns of Rajasthan
/// (`Srimadhopur` is in Sikar, `Ratangarh` in Churu, `Nagar` in Deeg) and cities elsewhere.
/// Their names give no district rather than the wrong one.
const NOT_DISTRICTS: &[&str] = &[
    "Raipur",
    "Nagpur",
    "Bhiwani",
    "Srimadhopur",
    "Shrimadhopur",
    "Ratangarh",
    "Nagar",
    "Rampur",
    "Sirsa",
    "Kotra",
    "Tonka",
    "Baroda",
    "Bhilai",
    "Ujjain",
    "Dewas",
    "Karnal",
    "Jaunpur",
    "Udaipurwati",
    "Hanumanganj",
];

/// Words after a name that place it in another state: `Pratapgarh (UP)` is not Rajasthan's.
const OTHER_STATES: &[&str] = &[
    "up",
    "mp",
    "uttarpradesh",
    "madhyapradesh",
    "gujarat",
    "haryana",
    "punjab",
    "delhi",
    "maharashtra",
    "bihar",
    "उत्तरप्रदेश",
    "मध्यप्रदेश",
];

/// Hindi for the words that make a police district's name out of a district's name.
const POLICE_WORDS_HI: &[(&str, &str)] = &[
    ("East", "पूर्व"),
    ("West", "पश्चिम"),
    ("North", "उत्तर"),
    ("South", "दक्षिण"),
    ("Rural", "ग्रामीण"),
    ("City", "शहर"),
];

/// Words stripped from the end of a key (in key form) when the whole key is unknown.
const SUFFIXES: &[&str] = &[
    "district",
    "distt",
    "dist",
    "zila",
    "zilla",
    "jila",
    "jilla",
    "जिला",
    "rural",
    "ग्रामीण",
    "city",
    "शहर",
    "east",
    "west",
    "north",
    "south",
    "पूर्व",
    "पश्चिम",
    "उत्तर",
    "दक्षिण",
    "commissionerate",
    "कमिश्नरेट",
    "police",
    "पुलिस",
    "grp",
    "जीआरपी",
    "rajasthan",
    "raj",
    "राजस्थान",
    "india",
    "gramin",
    "grameen",
    // "Jaipur ke paas", "जयपुर के पास": near Jaipur.
    "kepaas",
    "kepas",
    "केपास",
];

/// Words stripped from the start of a key when the whole key is unknown. "near Tonk", as a
/// call-taker writes it, is attributed to Tonk: the call is handled by that district's police.
const PREFIXES: &[&str] = &[
    "near",
    "nr",
    "district",
    "distt",
    "dist",
    "zila",
    "zilla",
    "jila",
    "jilla",
    "जिला",
    "police",
    "पुलिस",
    "grp",
    "जीआरपी",
];

/// Keys longer than this (in bytes) cannot be a district name with its affixes.
const MAX_KEY_BYTES: usize = 96;

/// Typos are looked for only in keys of at most this many characters.
const MAX_FUZZY_CHARS: usize = 31;

/// The allowed edit distance between keys of `n` and `m` characters.
fn allowed_edits(n: usize, m: usize) -> usize {
    if n.min(m) < 4 {
        return 0;
    }
    match n.max(m) {
        0..=4 => 0,
        5..=8 => 1,
        9..=12 => 2,
        _ => 3,
    }
}

/// Whether `c` is dropped from keys: spacing, punctuation and invisible characters.
fn is_dropped(c: char) -> bool {
    matches!(c,
        '\u{00A0}'..='\u{00BF}' // no-break space, Latin-1 punctuation and signs
        | '\u{00D7}' | '\u{00F7}'
        | '\u{093C}' // Devanagari nukta
        | '\u{0964}' | '\u{0965}' | '\u{0970}' // danda, double danda, abbreviation sign
        | '\u{2000}'..='\u{206F}' // general punctuation, zero-width characters, dashes, quotes
        | '\u{3000}' | '\u{FEFF}')
}

/// The character `c` stands for in a key (`None`: dropped).
fn fold(c: char) -> Option<char> {
    if is_dropped(c) {
        return None;
    }
    Some(match c {
        // Devanagari letters with a precomposed nukta, read without it.
        '\u{0929}' => '\u{0928}',
        '\u{0931}' => '\u{0930}',
        '\u{0934}' => '\u{0933}',
        '\u{0958}' => '\u{0915}',
        '\u{0959}' => '\u{0916}',
        '\u{095A}' => '\u{0917}',
        '\u{095B}' => '\u{091C}',
        '\u{095C}' => '\u{0921}',
        '\u{095D}' => '\u{0922}',
        '\u{095E}' => '\u{092B}',
        '\u{095F}' => '\u{092F}',
        '\u{0901}' => '\u{0902}', // chandrabindu as anusvara
        '\u{0966}'..='\u{096F}' => char::from(b'0' + (c as u32 - 0x0966) as u8),
        // Romanised names with diacritics (IAST and Latin-1).
        'ā' | 'Ā' | 'á' | 'Á' | 'à' | 'À' | 'â' | 'Â' | 'ä' | 'Ä' => 'a',
        'ī' | 'Ī' | 'í' | 'Í' | 'ì' | 'Ì' | 'î' | 'Î' | 'ï' | 'Ï' => 'i',
        'ū' | 'Ū' | 'ú' | 'Ú' | 'ù' | 'Ù' | 'û' | 'Û' | 'ü' | 'Ü' => 'u',
        'ē' | 'Ē' | 'é' | 'É' | 'è' | 'È' | 'ê' | 'Ê' | 'ë' | 'Ë' => 'e',
        'ō' | 'Ō' | 'ó' | 'Ó' | 'ò' | 'Ò' | 'ô' | 'Ô' | 'ö' | 'Ö' => 'o',
        'ḍ' | 'Ḍ' => 'd',
        'ṭ' | 'Ṭ' => 't',
        'ṇ' | 'Ṇ' | 'ñ' | 'Ñ' => 'n',
        'ṛ' | 'Ṛ' | 'ṝ' => 'r',
        'ś' | 'Ś' | 'ṣ' | 'Ṣ' => 's',
        'ṁ' | 'ṃ' | 'Ṁ' | 'Ṃ' => 'm',
        'ḥ' | 'Ḥ' => 'h',
        _ => c,
    })
}

/// Writes the key of `text` into `key`; `false` if it is longer than any district name could be.
pub fn normalise(text: &str, key: &mut Vec<u8>) -> bool {
    key.clear();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if b < 0x80 {
            if b.is_ascii_alphanumeric() {
                key.push(b.to_ascii_lowercase());
            }
            i += 1;
        } else {
            // `i` is at a character boundary: ASCII bytes advance by one, others by their length.
            let c = text[i..].chars().next().unwrap_or_default();
            i += c.len_utf8();
            if let Some(folded) = fold(c) {
                let mut utf8 = [0; 4];
                key.extend_from_slice(folded.encode_utf8(&mut utf8).as_bytes());
            }
        }
        if key.len() > MAX_KEY_BYTES {
            return false;
        }
    }
    true
}

/// A known key prepared for typo matching.
struct FuzzyKey {
    chars: Vec<char>,
    /// Which characters occur (see [`char_mask`]).
    mask: u64,
    /// How often each character class occurs (see [`char_counts`]).
    counts: [u8; CLASSES],
    id: DistrictId,
}

/// A bit per character class: present characters of a key. For two keys, each character present
/// in one and absent from the other needs its own edit, so the larger count of such bits is a
/// lower bound of the edit distance (shared bits only make the bound smaller).
fn char_mask(chars: &[char]) -> u64 {
    chars.iter().fold(0, |mask, &c| mask | 1 << char_class(c))
}

/// The number of character classes: 26 letters, 6 for digits, 32 for other characters.
const CLASSES: usize = 64;

#[inline]
fn char_class(c: char) -> u32 {
    match c {
        'a'..='z' => c as u32 - 'a' as u32,
        '0'..='9' => 26 + (c as u32 - '0' as u32) % 6,
        _ => 32 + c as u32 % 32,
    }
}

/// How often each character class occurs in a key. A substitution changes two counts by one,
/// an insertion or deletion one count, so half the summed count differences (rounded up) is a
/// lower bound of the edit distance; a transposition changes none, and the same bound holds for
/// OSA because it never needs more edits than that.
fn char_counts(chars: &[char]) -> [u8; CLASSES] {
    let mut counts = [0u8; CLASSES];
    for &c in chars {
        let slot = &mut counts[char_class(c) as usize];
        *slot = slot.saturating_add(1);
    }
    counts
}

/// The count lower bound of the edit distance between two keys (see [`char_counts`]).
#[inline]
fn count_bound(a: &[u8; CLASSES], b: &[u8; CLASSES]) -> usize {
    let differences: u32 = a
        .iter()
        .zip(b)
        .map(|(x, y)| u32::from(x.abs_diff(*y)))
        .sum();
    differences.div_ceil(2) as usize
}

/// All known spellings.
pub struct Index {
    exact: KeyMap<Box<[u8]>, DistrictId>,
    /// Keys of at most [`MAX_FUZZY_CHARS`] characters, shortest first.
    fuzzy: Vec<FuzzyKey>,
    /// `fuzzy[by_length[n]..by_length[n + 1]]` are the keys of `n` characters.
    by_length: [usize; MAX_FUZZY_CHARS + 2],
    /// Keys of places that are not districts ([`NOT_DISTRICTS`]).
    not_districts: KeyMap<Box<[u8]>, ()>,
    /// Spellings whose key was already taken by another district (must be empty).
    pub conflicts: Vec<String>,
}

impl Index {
    fn build() -> Self {
        let mut index = Index {
            exact: KeyMap::default(),
            fuzzy: Vec::new(),
            by_length: [0; MAX_FUZZY_CHARS + 2],
            not_districts: KeyMap::default(),
            conflicts: Vec::new(),
        };
        let id_of = |name: &str| current_id(name).unwrap_or_else(|| panic!("no district {name}"));
        let hindi_of = |name: &str| district(id_of(name)).name_hi.as_str();
        for d in DISTRICTS.iter() {
            let id = match (d.is_current(), &d.successor) {
                (true, _) => current_id(&d.name),
                (false, Some(successor)) => current_id(successor),
                (false, None) => None,
            };
            let Some(id) = id else { continue };
            index.add(&d.name, id);
            index.add(&d.name_hi, id);
            d.aliases.iter().for_each(|a| index.add(a, id));
        }
        for p in POLICE_DISTRICTS.iter() {
            let id = id_of(&p.revenue_district);
            index.add(&p.police_district, id);
            // `Jaipur East` → `जयपुर पूर्व`; `GRP Ajmer` → `जीआरपी अजमेर`.
            if let Some((base, word)) = p.police_district.rsplit_once(' ')
                && let Some((_, hindi)) = POLICE_WORDS_HI.iter().find(|(w, _)| *w == word)
                && current_id(base).is_some()
            {
                index.add(&format!("{} {hindi}", hindi_of(base)), id);
            }
            if let Some(base) = p.police_district.strip_prefix("GRP ")
                && current_id(base).is_some()
            {
                index.add(&format!("जीआरपी {}", hindi_of(base)), id);
            }
        }
        for (alias, name) in EXTRA_ALIASES {
            index.add(alias, id_of(name));
        }
        for place in NOT_DISTRICTS {
            let mut key = Vec::new();
            if normalise(place, &mut key) && !index.exact.contains_key(key.as_slice()) {
                index.not_districts.insert(key.into(), ());
            } else {
                index
                    .conflicts
                    .push(format!("{place:?} is a district spelling"));
            }
        }
        index.fuzzy.sort_by_key(|k| k.chars.len());
        for n in 0..=MAX_FUZZY_CHARS + 1 {
            index.by_length[n] = index.fuzzy.partition_point(|k| k.chars.len() < n);
        }
        index
    }

    fn add(&mut self, spelling: &str, id: DistrictId) {
        let mut key = Vec::new();
        if !normalise(spelling, &mut key) || key.is_empty() {
            self.conflicts
                .push(format!("unusable spelling {spelling:?}"));
            return;
        }
        match self.exact.get(key.as_slice()) {
            Some(&existing) if existing != id => self.conflicts.push(format!(
                "{spelling:?} is both {} and {}",
                district(existing).name,
                district(id).name
            )),
            Some(_) => {}
            None => {
                let chars: Vec<char> = String::from_utf8_lossy(&key).chars().collect();
                if chars.len() <= MAX_FUZZY_CHARS {
                    self.fuzzy.push(FuzzyKey {
                        mask: char_mask(&chars),
                        counts: char_counts(&chars),
                        chars,
                        id,
                    });
                }
                self.exact.insert(key.into_boxed_slice(), id);
            }
        }
    }
}

/// The index of every known spelling, built on first use.
pub static INDEX: LazyLock<Index> = LazyLock::new(Index::build);

thread_local! {
    /// The answers a thread's matchers found, kept from one batch to the next: a column of
    /// district names repeats a few hundred spellings (typos included), and looking one up
    /// again costs a hash of its bytes instead of folding it and measuring edit distances.
    static MEMO: RefCell<Answers<Option<DistrictId>>> = RefCell::default();
}

/// Resolves district names, reusing its buffers from one value to the next and the answers
/// its thread found before.
pub struct Matcher {
    buffers: Buffers,
    /// The thread's answers, held while the matcher lives.
    memo: Memo<Option<DistrictId>>,
}

/// What a matcher works a new name out in, kept from one to the next.
#[derive(Default)]
struct Buffers {
    key: Vec<u8>,
    chars: Vec<char>,
}

impl Default for Matcher {
    fn default() -> Self {
        Matcher {
            buffers: Buffers::default(),
            memo: Memo::take(&MEMO),
        }
    }
}

impl Matcher {
    pub fn new() -> Self {
        Self::default()
    }

    /// The current district `text` names, if exactly one can be told.
    pub fn resolve(&mut self, text: &str) -> Option<DistrictId> {
        let Matcher { buffers, memo } = self;
        *memo.answer(text, |text| buffers.resolve(text))
    }
}

impl Buffers {
    fn resolve(&mut self, text: &str) -> Option<DistrictId> {
        let index = &*INDEX;
        if !normalise(text, &mut self.key) {
            return None;
        }
        if let Some(&id) = index.exact.get(self.key.as_slice()) {
            return Some(id);
        }
        let (start, end) = self.strip_affixes(index);
        let rest = &self.key[start..end];
        if let Some(&id) = index.exact.get(rest) {
            return Some(id);
        }
        if index.not_districts.contains_key(rest)
            || OTHER_STATES
                .iter()
                .any(|s| rest.len() > s.len() + 2 && rest.ends_with(s.as_bytes()))
        {
            return None;
        }
        self.closest(start, end)
    }

    /// Strips known words from both ends of the key, one at a time, until the rest is a known
    /// key or no known word is left at either end; gives the bounds of the rest.
    fn strip_affixes(&self, index: &Index) -> (usize, usize) {
        let (mut start, mut end) = (0, self.key.len());
        loop {
            let key = &self.key[start..end];
            let suffix = SUFFIXES
                .iter()
                .find(|s| key.len() >= s.len() + 2 && key.ends_with(s.as_bytes()));
            let prefix = PREFIXES
                .iter()
                .find(|p| key.len() >= p.len() + 2 && key.starts_with(p.as_bytes()));
            match (suffix, prefix) {
                (Some(s), _) => end -= s.len(),
                (None, Some(p)) => start += p.len(),
                (None, None) => return (start, end),
            }
            if index.exact.contains_key(&self.key[start..end]) {
                return (start, end);
            }
        }
    }

    /// The single district whose spelling is nearest to `key[start..end]` within the bound.
    fn closest(&mut self, start: usize, end: usize) -> Option<DistrictId> {
        let Ok(text) = std::str::from_utf8(&self.key[start..end]) else {
            return None;
        };
        self.chars.clear();
        self.chars.extend(text.chars());
        let n = self.chars.len();
        if !(4..=MAX_FUZZY_CHARS).contains(&n) {
            return None;
        }
        let mask = char_mask(&self.chars);
        let counts = char_counts(&self.chars);
        // The best distance, its district, and whether one of its spellings starts with the
        // value's first letter.
        let mut best: Option<(usize, DistrictId, bool)> = None;
        let mut ambiguous = false;
        // Only keys whose length is within the largest bound can be near enough.
        let index = &*INDEX;
        let widest = (n.saturating_sub(3)..=n + 3)
            .map(|m| allowed_edits(n, m))
            .max()
            .unwrap_or(0);
        let lengths = n.saturating_sub(widest)..=(n + widest).min(MAX_FUZZY_CHARS);
        let candidates =
            &index.fuzzy[index.by_length[*lengths.start()]..index.by_length[*lengths.end() + 1]];
        for candidate in candidates {
            let m = candidate.chars.len();
            let mut bound = allowed_edits(n, m);
            if let Some((best_distance, _, _)) = best {
                bound = bound.min(best_distance);
            }
            if bound == 0 || n.abs_diff(m) > bound {
                continue;
            }
            let lower = (mask & !candidate.mask)
                .count_ones()
                .max((candidate.mask & !mask).count_ones()) as usize;
            if lower > bound || count_bound(&counts, &candidate.counts) > bound {
                continue;
            }
            let Some(distance) = osa_distance(&self.chars, &candidate.chars, bound) else {
                continue;
            };
            let same_first = candidate.chars[0] == self.chars[0];
            match &mut best {
                Some((d, id, first)) if *d == distance => {
                    ambiguous |= *id != candidate.id;
                    *first |= same_first;
                }
                _ => {
                    best = Some((distance, candidate.id, same_first));
                    ambiguous = false;
                }
            }
        }
        // A typo rarely changes the first letter: a name nearest to a district but starting
        // differently is another name (Raipur is not Jaipur).
        match best {
            Some((_, id, true)) if !ambiguous => Some(id),
            _ => None,
        }
    }
}

/// The optimal-string-alignment distance between `a` and `b` if it is at most `bound` (both
/// at most [`MAX_FUZZY_CHARS`] characters). Only the band of cells within `bound` of the
/// diagonal is computed; cells outside it count as `bound + 1`.
fn osa_distance(a: &[char], b: &[char], bound: usize) -> Option<usize> {
    const WIDTH: usize = MAX_FUZZY_CHARS + 1;
    let (n, m) = (a.len(), b.len());
    if n >= WIDTH || m >= WIDTH || n.abs_diff(m) > bound {
        return None;
    }
    let far = bound as u8 + 1;
    let mut before = [far; WIDTH];
    let mut previous = [far; WIDTH];
    let mut current = [far; WIDTH];
    for (j, cell) in previous.iter_mut().enumerate().take(m.min(bound) + 1) {
        *cell = j as u8;
    }
    for i in 1..=n {
        current.fill(far);
        if i <= bound {
            current[0] = i as u8;
        }
        let mut row_min = current[0];
        for j in i.saturating_sub(bound).max(1)..=(i + bound).min(m) {
            let cost = u8::from(a[i - 1] != b[j - 1]);
            let mut value = (previous[j] + 1)
                .min(current[j - 1] + 1)
                .min(previous[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                value = value.min(before[j - 2] + 1);
            }
            current[j] = value.min(far);
            row_min = row_min.min(current[j]);
        }
        if row_min > bound as u8 {
            return None;
        }
        before = previous;
        previous = current;
    }
    let distance = previous[m] as usize;
    (distance <= bound).then_some(distance)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memo::MEMO_LIMIT;

    fn resolve(text: &str) -> Option<&'static str> {
        Matcher::new()
            .resolve(text)
            .map(|id| district(id).name.as_str())
    }

    #[test]
    fn remembered_answers_are_the_answers() {
        let names = [
            "Jaipur",
            "jaipur ",
            "Jodpur",
            "जिला जोधपुर",
            "Raipur",
            "Bhopal",
            "Dudu",
            "",
            "Distt. Kota (Rural)",
        ];
        let fresh = |name: &str| {
            // A thread of its own: a memo of its own, empty.
            let name = name.to_string();
            std::thread::spawn(move || Matcher::new().resolve(&name))
                .join()
                .unwrap()
        };
        let expected: Vec<_> = names.iter().map(|n| fresh(n)).collect();
        // Past a run of names that do not repeat (the memo left alone, or started afresh),
        // names are still answered.
        let filler: Vec<String> = (0..MEMO_LIMIT + 10).map(|i| format!("x{i}")).collect();
        for round in 0..2 {
            let mut matcher = Matcher::new();
            for (name, expected) in names.iter().zip(&expected) {
                assert_eq!(
                    matcher.resolve(name),
                    *expected,
                    "{name:?} in round {round}"
                );
            }
            for name in &filler {
                assert_eq!(matcher.resolve(name), None);
            }
            assert!(matcher.memo.len() <= MEMO_LIMIT);
        }
    }

    #[test]
    fn every_spelling_has_one_district() {
        assert_eq!(INDEX.conflicts, Vec::<String>::new());
        assert_eq!(CURRENT.len(), 41);
    }

    #[test]
    fn keys_fold_case_space_punctuation_and_nukta() {
        let mut key = Vec::new();
        assert!(normalise(" Sri-Ganga nagar. ", &mut key));
        assert_eq!(key, b"sriganganagar");
        let mut other = Vec::new();
        // ड़ precomposed (U+095C) and as ड + nukta.
        normalise("बाड़मेर", &mut key);
        normalise("बाड\u{093C}मेर", &mut other);
        assert_eq!(key, other);
        normalise("बाडमेर", &mut other);
        assert_eq!(key, other);
        assert!(!normalise(&"x".repeat(200), &mut key));
        assert!(normalise(&" ".repeat(10_000), &mut key));
        assert!(key.is_empty());
    }

    #[test]
    fn names_aliases_hindi_police_and_abolished() {
        let cases = [
            ("Jaipur", "Jaipur"),
            ("JAIPUR", "Jaipur"),
            ("jaipur ", "Jaipur"),
            ("Sri Ganganagar", "Sri Ganganagar"),
            ("Shri Ganganagar", "Sri Ganganagar"),
            ("GANGANAGAR", "Sri Ganganagar"),
            ("Chittaurgarh", "Chittorgarh"),
            ("Jhunjhunun", "Jhunjhunu"),
            ("श्रीगंगानगर", "Sri Ganganagar"),
            ("जोधपुर", "Jodhpur"),
            ("Jaipur East", "Jaipur"),
            ("Jodhpur Rural", "Jodhpur"),
            ("GRP Ajmer", "Ajmer"),
            ("Bhiwadi", "Khairthal-Tijara"),
            ("जयपुर पूर्व", "Jaipur"),
            ("जीआरपी अजमेर", "Ajmer"),
            ("Dudu", "Jaipur"),
            ("Kekri", "Ajmer"),
            ("Shahpura", "Bhilwara"),
            ("Neem Ka Thana", "Sikar"),
            ("Gangapur City", "Sawai Madhopur"),
            ("Jaipur Rural", "Jaipur"),
            ("Anupgarh", "Sri Ganganagar"),
            ("Sanchore", "Jalore"),
            ("Jhālāwāṛ", "Jhalawar"),
        ];
        for (input, expected) in cases {
            assert_eq!(resolve(input), Some(expected), "{input}");
        }
    }

    #[test]
    fn affixes_are_stripped() {
        for input in [
            "Jaipur district",
            "Distt. Jaipur",
            "जिला जयपुर",
            "जयपुर जिला",
            "Jaipur (Rural)",
            "Jaipur, Rajasthan",
            "Jaipur (Raj.)",
            "District Jaipur City",
            "near Jaipur",
            "Nr. Jaipur",
            "जयपुर के पास",
            "Jaipur ke paas",
        ] {
            assert_eq!(resolve(input), Some("Jaipur"), "{input}");
        }
        assert_eq!(resolve("Kota (Rural)"), Some("Kota"));
        assert_eq!(resolve("Ajmer GRP"), Some("Ajmer"));
        // Affixes alone are not a district.
        assert_eq!(resolve("District"), None);
        assert_eq!(resolve("Rural"), None);
    }

    #[test]
    fn typos_within_the_bound_match_once() {
        assert_eq!(resolve("Jaipr"), Some("Jaipur"));
        assert_eq!(resolve("Jodpur"), Some("Jodhpur"));
        assert_eq!(resolve("Jiapur"), Some("Jaipur"));
        assert_eq!(resolve("Bhilwada"), Some("Bhilwara"));
        assert_eq!(resolve("Chittorgarh distt"), Some("Chittorgarh"));
        assert_eq!(resolve("Chitorgadh"), Some("Chittorgarh"));
        assert_eq!(resolve("Sawai Madopur"), Some("Sawai Madhopur"));
        assert_eq!(resolve("जयपूर"), Some("Jaipur"));
        // Too short to guess, too far, or not a Rajasthan district.
        assert_eq!(resolve("Kot"), None);
        assert_eq!(resolve("Tonkk"), Some("Tonk"));
        assert_eq!(resolve("Kotaa"), Some("Kota"));
        assert_eq!(resolve("Paali"), Some("Pali"));
        assert_eq!(resolve("Alwa"), Some("Alwar"));
        assert_eq!(resolve("Budi"), Some("Bundi"));
        assert_eq!(resolve("Dosa"), None, "two edits from Dausa");
        assert_eq!(resolve("Jaipur Gramin"), Some("Jaipur"));
        assert_eq!(resolve("Kekadi"), Some("Ajmer"));
        assert_eq!(resolve("Anoopgarh"), Some("Sri Ganganagar"));
        assert_eq!(resolve("Falaudi"), Some("Phalodi"));
        // Between names of 4 letters, any change makes another name.
        assert_eq!(resolve("Bali"), None);
        assert_eq!(resolve("Tank"), None);
        assert_eq!(resolve("Jaisalpur"), Some("Jaisalmer"));
        assert_eq!(resolve("Jaisalmerpur"), None);
        assert_eq!(resolve("Delhi"), None);
        assert_eq!(resolve("Bhopal"), None);
        assert_eq!(resolve("Mumbai"), None);
    }

    #[test]
    fn other_places_a_typo_away_are_not_districts() {
        for place in [
            "Raipur",
            "Nagpur",
            "Bhiwani",
            "Srimadhopur",
            "Ratangarh",
            "Nagar",
            "Pratapgarh (UP)",
            "Pratapgarh, Uttar Pradesh",
            "Bharatpur (MP)",
        ] {
            assert_eq!(resolve(place), None, "{place}");
        }
        // A different first letter is a different name, even one edit away.
        assert_eq!(resolve("Maipur"), None);
        assert!(INDEX.conflicts.is_empty(), "{:?}", INDEX.conflicts);
    }

    #[test]
    fn equally_close_to_two_districts_is_ambiguous() {
        // Each word below is one edit from two different districts.
        for word in AMBIGUOUS {
            assert_eq!(resolve(word), None, "{word}");
        }
    }

    /// One edit from Ajmer and from Barmer; from Jaipur and from Udaipur; from Bhilwara and from
    /// Bhiwadi (a police district of Khairthal-Tijara).
    const AMBIGUOUS: &[&str] = &["Armer", "Admer", "Daipur", "Ujaipur", "Bhilwadi", "Bhiwada"];

    /// The full optimal-string-alignment table, without band or bound.
    fn full_osa(a: &[char], b: &[char]) -> usize {
        let mut d = vec![vec![0; b.len() + 1]; a.len() + 1];
        for (i, row) in d.iter_mut().enumerate() {
            row[0] = i;
        }
        for (j, cell) in d[0].iter_mut().enumerate() {
            *cell = j;
        }
        for i in 1..=a.len() {
            for j in 1..=b.len() {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                d[i][j] = (d[i - 1][j] + 1)
                    .min(d[i][j - 1] + 1)
                    .min(d[i - 1][j - 1] + cost);
                if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                    d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
                }
            }
        }
        d[a.len()][b.len()]
    }

    #[test]
    fn banded_distance_and_filters_agree_with_the_full_table() {
        let keys: Vec<&[char]> = INDEX.fuzzy.iter().map(|k| k.chars.as_slice()).collect();
        // Every pair of known keys, and every key against edited copies of some keys.
        let mut words: Vec<Vec<char>> = keys.iter().map(|k| k.to_vec()).collect();
        for key in keys.iter().step_by(4) {
            for at in 0..key.len() {
                let mut dropped = key.to_vec();
                dropped.remove(at);
                words.push(dropped);
                let mut swapped = key.to_vec();
                swapped.swap(at, (at + 1) % key.len());
                words.push(swapped);
                let mut doubled = key.to_vec();
                doubled.insert(at, key[at]);
                doubled.push('x');
                words.push(doubled);
            }
        }
        let mut checked = 0;
        for word in &words {
            for key in &keys {
                let full = full_osa(word, key);
                // The filters before the table never exceed the true distance.
                assert!(count_bound(&char_counts(word), &char_counts(key)) <= full);
                let (a, b) = (char_mask(word), char_mask(key));
                assert!(((a & !b).count_ones().max((b & !a).count_ones()) as usize) <= full);
                for bound in 1..=3 {
                    let expected = (full <= bound).then_some(full);
                    assert_eq!(osa_distance(word, key, bound), expected, "{word:?} {key:?}");
                    checked += 1;
                }
            }
        }
        assert!(checked > 500_000);
    }

    #[test]
    fn osa_counts_transpositions_once() {
        let chars = |s: &str| s.chars().collect::<Vec<_>>();
        assert_eq!(osa_distance(&chars("jiapur"), &chars("jaipur"), 3), Some(1));
        assert_eq!(
            osa_distance(&chars("kitten"), &chars("sitting"), 3),
            Some(3)
        );
        assert_eq!(osa_distance(&chars("kitten"), &chars("sitting"), 2), None);
        assert_eq!(osa_distance(&chars(""), &chars("ab"), 2), Some(2));
    }
}
