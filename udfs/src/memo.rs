//! Answers remembered by the text they were found for, one memo per function and thread.
//!
//! The columns police functions read most repeat a few hundred values over millions of rows:
//! district names (typos included), FIR section texts (`379 IPC`, `303(2) BNS`), statuses.
//! A function whose answer costs more than a hash of its input keeps a [`Memo`]: each batch
//! takes its thread's memo when it starts (so that a lookup needs no thread-local access) and
//! gives it back when done, for the next batch on that thread. A memo holds at most
//! [`MEMO_LIMIT`] answers and starts afresh past it, so its memory is bounded.
//!
//! Remembering costs where texts do not repeat (free text, identifiers): a hash and a copy of
//! each text and answer, more than a third of `law_sections`' time on such a column. So a memo
//! counts its hits: when fewer than one lookup in eight of a [`WINDOW`] finds an answer, it
//! is left alone for the rest of the batch and the [`REST`] batches after it, then tried
//! again (the answers it holds are kept meanwhile).

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::thread::LocalKey;

use hashbrown::hash_map::{Entry, EntryRef};

/// How many answers a memo holds before it starts afresh.
pub(crate) const MEMO_LIMIT: usize = 16 * 1024;

/// How many lookups of a batch a memo counts before judging whether texts repeat.
pub(crate) const WINDOW: u32 = 1024;

/// How many batches a memo is left alone after one whose texts did not repeat.
pub(crate) const REST: u8 = 7;

/// A fast hash for short byte keys (the FxHash mixing step over 8-byte words).
#[derive(Default)]
pub struct KeyHasher(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl KeyHasher {
    /// One step: a word mixed into the state.
    #[inline]
    fn mix(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for KeyHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.mix(u64::from_le_bytes(chunk.try_into().unwrap_or_default()));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.mix(u64::from_le_bytes(word));
        }
    }

    /// The end mark `str`'s hash writes after the bytes: one step, not a word of its own.
    #[inline]
    fn write_u8(&mut self, n: u8) {
        self.mix(u64::from(n));
    }

    #[inline]
    fn write_u64(&mut self, n: u64) {
        self.mix(n);
    }

    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.mix(n as u64);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

/// A hash map keyed by short texts or bytes, hashed with [`KeyHasher`].
pub(crate) type KeyMap<K, V> = HashMap<K, V, BuildHasherDefault<KeyHasher>>;

/// A text of at most 16 bytes, as a key that compares and hashes as numbers: its bytes read
/// as two words that may overlap (the first and the last eight, or four), and its length.
/// Most texts a memo sees are this short (`Jaipur`, `379 IPC`, `303(2) BNS`), and a lookup by
/// this key is two multiplications and three comparisons, not a loop and a call to `memcmp`.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Short {
    first: u64,
    last: u64,
    len: u8,
}

impl Short {
    #[inline]
    fn of(text: &str) -> Option<Short> {
        let b = text.as_bytes();
        let len = b.len();
        let word = |at: usize| u64::from_le_bytes(b[at..at + 8].try_into().unwrap_or_default());
        let half = |at: usize| u32::from_le_bytes(b[at..at + 4].try_into().unwrap_or_default());
        let (first, last) = match len {
            0 => (0, 0),
            1..4 => {
                let bytes = [b[0], b[len / 2], b[len - 1]];
                (
                    u64::from(bytes[0]) | u64::from(bytes[1]) << 8 | u64::from(bytes[2]) << 16,
                    0,
                )
            }
            4..8 => (u64::from(half(0)), u64::from(half(len - 4))),
            8..=16 => (word(0), word(len - 8)),
            _ => return None,
        };
        Some(Short {
            first,
            last,
            len: len as u8,
        })
    }
}

impl Hash for Short {
    #[inline]
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.first);
        state.write_u64(self.last ^ u64::from(self.len) << 56);
    }
}

/// A map whose entries can be looked up by a borrowed key and made with an owned one
/// (`entry_ref`): a memo's miss hashes its text once.
type EntryMap<K, V> = hashbrown::HashMap<K, V, BuildHasherDefault<KeyHasher>>;

/// The answers of one function, by the text they were found for.
pub(crate) struct Answers<V> {
    short: EntryMap<Short, V>,
    long: EntryMap<String, V>,
    /// Batches left before the memo is tried again (see [`REST`]).
    rest: u8,
}

impl<V> Default for Answers<V> {
    fn default() -> Self {
        Answers {
            short: EntryMap::default(),
            long: EntryMap::default(),
            rest: 0,
        }
    }
}

impl<V> Answers<V> {
    fn len(&self) -> usize {
        self.short.len() + self.long.len()
    }

    /// The answer for `text`, whose short key is `short`.
    fn get(&self, short: Option<Short>, text: &str) -> Option<&V> {
        match short {
            Some(short) => self.short.get(&short),
            None => self.long.get(text),
        }
    }
}

/// Where a function keeps its thread's answers between batches: a `thread_local!` static.
pub(crate) type Home<V> = LocalKey<RefCell<Answers<V>>>;

/// A thread's answers for one function, held by a batch's kernel and given back when dropped.
pub(crate) struct Memo<V: 'static> {
    answers: Answers<V>,
    home: &'static Home<V>,
    /// Lookups and hits of the current window.
    looked: u32,
    hits: u32,
    /// Left alone for this batch: `answer` keeps what it finds in `scratch` only.
    resting: bool,
    scratch: Option<V>,
}

impl<V> Memo<V> {
    /// The answers this thread kept in `home` (none if the thread is ending).
    pub(crate) fn take(home: &'static Home<V>) -> Self {
        let mut answers: Answers<V> = home.try_with(RefCell::take).unwrap_or_default();
        let resting = answers.rest > 0;
        answers.rest = answers.rest.saturating_sub(1);
        Memo {
            answers,
            home,
            looked: 0,
            hits: 0,
            resting,
            scratch: None,
        }
    }

    /// The answer for `text`: the one found for it before, else `find(text)`, remembered.
    #[inline]
    pub(crate) fn answer(&mut self, text: &str, find: impl FnOnce(&str) -> V) -> &V {
        if self.resting || self.judged_unrepeated() {
            return self.scratch.insert(find(text));
        }
        self.looked += 1;
        let short = Short::of(text);
        // Full: a text not held is one too many, and the memo starts afresh.
        if self.answers.len() >= MEMO_LIMIT && self.answers.get(short, text).is_none() {
            self.answers.short.clear();
            self.answers.long.clear();
        }
        let hits = &mut self.hits;
        match short {
            Some(short) => match self.answers.short.entry(short) {
                Entry::Occupied(found) => {
                    *hits += 1;
                    found.into_mut()
                }
                Entry::Vacant(new) => new.insert(find(text)),
            },
            None => match self.answers.long.entry_ref(text) {
                EntryRef::Occupied(found) => {
                    *hits += 1;
                    found.into_mut()
                }
                EntryRef::Vacant(new) => new.insert(find(text)),
            },
        }
    }

    /// Whether a window of lookups has just ended with fewer than one in eight found: the
    /// memo then rests (see [`REST`]). Else a window that ended starts the next.
    #[inline]
    fn judged_unrepeated(&mut self) -> bool {
        if self.looked < WINDOW {
            return false;
        }
        if self.hits * 8 < WINDOW {
            self.resting = true;
            self.answers.rest = REST;
            return true;
        }
        (self.looked, self.hits) = (0, 0);
        false
    }

    /// The answer found before for `text`, without counting the lookup.
    #[cfg(test)]
    fn remembered(&self, text: &str) -> Option<&V> {
        self.answers.get(Short::of(text), text)
    }

    /// How many answers are remembered.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.answers.len()
    }

    /// Whether the memo is left alone for this batch: a function whose answer is costly to
    /// hold may then skip making it one.
    #[inline]
    pub(crate) fn resting(&self) -> bool {
        self.resting
    }
}

impl<V> Drop for Memo<V> {
    fn drop(&mut self) {
        let answers = std::mem::take(&mut self.answers);
        let _ = self.home.try_with(|kept| kept.replace(answers));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    thread_local! {
        static LENGTHS: RefCell<Answers<usize>> = RefCell::default();
    }

    #[test]
    fn answers_outlive_a_batch_and_stay_bounded() {
        let mut memo = Memo::take(&LENGTHS);
        assert_eq!(memo.remembered("jaipur"), None);
        assert_eq!(*memo.answer("jaipur", |_| 6), 6);
        drop(memo);
        // The thread's next memo starts with what the last one found.
        let mut memo = Memo::take(&LENGTHS);
        assert_eq!(*memo.answer("jaipur", |_| unreachable!("remembered")), 6);
        for i in 0..MEMO_LIMIT + 10 {
            // Each text twice, so that the memo finds one lookup in two and does not rest.
            let text = format!("x{i}");
            assert_eq!(*memo.answer(&text, str::len), text.len());
            assert_eq!(
                *memo.answer(&text, |_| unreachable!("remembered")),
                text.len()
            );
            assert!(memo.len() <= MEMO_LIMIT);
        }
        // Started afresh past the limit: the first answer is gone, the last is kept.
        assert_eq!(memo.remembered("jaipur"), None);
        let last = format!("x{}", MEMO_LIMIT + 9);
        assert_eq!(memo.remembered(&last), Some(&last.len()));
        // Another thread has answers of its own.
        std::thread::spawn(|| assert_eq!(Memo::take(&LENGTHS).remembered("x0"), None))
            .join()
            .unwrap();
    }

    /// The length of `text`, remembered, as a kernel finds its answers.
    fn length(memo: &mut Memo<usize>, text: &str) -> usize {
        *memo.answer(text, str::len)
    }

    thread_local! {
        static RESTING: RefCell<Answers<usize>> = RefCell::default();
    }

    /// A batch whose texts do not repeat leaves the memo alone for the rest of it and the
    /// batches after it, answering all the same; then the memo is tried again. A batch whose
    /// texts repeat keeps it.
    #[test]
    fn texts_that_do_not_repeat_leave_the_memo_alone() {
        let mut memo = Memo::take(&RESTING);
        for i in 0..WINDOW {
            let text = format!("free text {i}");
            assert_eq!(length(&mut memo, &text), text.len());
        }
        assert!(!memo.resting());
        assert_eq!(length(&mut memo, "free text 0"), 11);
        assert!(memo.resting(), "no hit in a window");
        let remembered = memo.len();
        for i in 0..3 * WINDOW {
            let text = format!("more free text {i}");
            assert_eq!(length(&mut memo, &text), text.len());
        }
        assert_eq!(memo.len(), remembered, "nothing remembered while resting");
        drop(memo);
        for _ in 0..REST {
            let mut memo = Memo::take(&RESTING);
            assert!(memo.resting());
            assert_eq!(length(&mut memo, "free text 1"), 11);
        }
        // Tried again: what it held is still there.
        let mut memo = Memo::take(&RESTING);
        assert!(!memo.resting());
        assert_eq!(memo.remembered("free text 1"), Some(&11));
        // A column that repeats (its 512 texts twice in each window): the memo stays.
        for i in 0..4 * WINDOW {
            let text = format!("district {}", i % (WINDOW / 2));
            assert_eq!(length(&mut memo, &text), text.len());
        }
        assert!(!memo.resting());
        assert_eq!(memo.len(), remembered + WINDOW as usize / 2);
    }

    /// Texts of at most 16 bytes are keys of their own: equal keys for equal texts only, at
    /// every length, where the words read overlap.
    #[test]
    fn short_keys_tell_texts_apart() {
        let mut rng = crate::rng::Rng::new(7);
        // A small alphabet, so that texts share most of their bytes.
        let texts: Vec<String> = (0..4000)
            .map(|_| {
                let len = rng.below(19) as usize;
                (0..len).map(|_| rng.pick(&['a', 'b', '0', ' '])).collect()
            })
            .collect();
        let mut by_key = HashMap::new();
        for text in &texts {
            let Some(key) = Short::of(text) else {
                assert!(text.len() > 16, "{text:?}");
                continue;
            };
            let seen = by_key.entry((key.first, key.last, key.len)).or_insert(text);
            assert_eq!(*seen, text, "one key for two texts");
        }
        assert!(by_key.len() > 2000, "{} distinct short texts", by_key.len());
        // And the memo answers each text with its own answer.
        let mut memo = Memo::take(&LENGTHS);
        for text in &texts {
            assert_eq!(*memo.answer(text, str::len), text.len(), "{text:?}");
            let again = memo.answer(text, |_| unreachable!("{text:?} remembered"));
            assert_eq!(*again, text.len(), "{text:?}");
        }
        let long = "जिला जोधपुर (ग्रामीण)";
        assert_eq!(memo.remembered(long), None);
        assert_eq!(*memo.answer(long, |_| 1), 1);
        assert_eq!(*memo.answer(long, |_| unreachable!("remembered")), 1);
    }

    #[test]
    fn equal_bytes_hash_alike() {
        let hash = |bytes: &[u8]| {
            let mut h = KeyHasher::default();
            h.write(bytes);
            h.finish()
        };
        assert_eq!(hash(b"303(2) BNS"), hash(b"303(2) BNS"));
        assert_ne!(hash(b"379 IPC"), hash(b"378 IPC"));
        assert_ne!(hash(b"12345678"), hash(b"12345679"));
    }
}
