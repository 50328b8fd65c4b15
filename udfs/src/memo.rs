//! Answers remembered by the text they were found for, one memo per function and thread.
//!
//! The columns police functions read most repeat a few hundred values over millions of rows:
//! district names (typos included), FIR section texts (`379 IPC`, `303(2) BNS`), statuses.
//! A function whose answer costs more than a hash of its input keeps a [`Memo`]: each batch
//! takes its thread's memo when it starts (so that a lookup needs no thread-local access) and
//! gives it back when done, for the next batch on that thread. A memo holds at most
//! [`MEMO_LIMIT`] answers and starts afresh past it, so that a column of texts that do not
//! repeat (free text, identifiers) costs a little hashing and bounded memory.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::thread::LocalKey;

/// How many answers a memo holds before it starts afresh.
pub(crate) const MEMO_LIMIT: usize = 16 * 1024;

/// A fast hash for short byte keys (the FxHash mixing step over 8-byte words).
#[derive(Default)]
pub struct KeyHasher(u64);

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl Hasher for KeyHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            let word = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
            self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(SEED);
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut word = [0u8; 8];
            word[..rest.len()].copy_from_slice(rest);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(word)).wrapping_mul(SEED);
        }
    }

    #[inline]
    fn write_usize(&mut self, n: usize) {
        self.0 = (self.0.rotate_left(5) ^ n as u64).wrapping_mul(SEED);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

/// A hash map keyed by short texts or bytes, hashed with [`KeyHasher`].
pub(crate) type KeyMap<K, V> = HashMap<K, V, BuildHasherDefault<KeyHasher>>;

/// The answers of one function, by the text they were found for.
pub(crate) type Answers<V> = KeyMap<Box<str>, V>;

/// Where a function keeps its thread's answers between batches: a `thread_local!` static.
pub(crate) type Home<V> = LocalKey<RefCell<Answers<V>>>;

/// A thread's answers for one function, held by a batch's kernel and given back when dropped.
pub(crate) struct Memo<V: 'static> {
    answers: Answers<V>,
    home: &'static Home<V>,
}

impl<V> Memo<V> {
    /// The answers this thread kept in `home` (none if the thread is ending).
    pub(crate) fn take(home: &'static Home<V>) -> Self {
        Memo {
            answers: home.try_with(RefCell::take).unwrap_or_default(),
            home,
        }
    }

    /// The answer found before for `text`.
    #[inline]
    pub(crate) fn get(&self, text: &str) -> Option<&V> {
        self.answers.get(text)
    }

    /// Remembers the answer for `text` (not yet remembered) and returns it.
    pub(crate) fn insert(&mut self, text: &str, answer: V) -> &V {
        if self.answers.len() >= MEMO_LIMIT {
            self.answers.clear();
        }
        self.answers.entry(text.into()).or_insert(answer)
    }

    /// How many answers are remembered.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.answers.len()
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
        assert_eq!(memo.get("jaipur"), None);
        assert_eq!(*memo.insert("jaipur", 6), 6);
        drop(memo);
        // The thread's next memo starts with what the last one found.
        let mut memo = Memo::take(&LENGTHS);
        assert_eq!(memo.get("jaipur"), Some(&6));
        for i in 0..MEMO_LIMIT + 10 {
            let text = format!("x{i}");
            memo.insert(&text, text.len());
            assert!(memo.len() <= MEMO_LIMIT);
        }
        // Started afresh past the limit: the first answer is gone, the last is kept.
        assert_eq!(memo.get("jaipur"), None);
        let last = format!("x{}", MEMO_LIMIT + 9);
        assert_eq!(memo.get(&last), Some(&last.len()));
        // Another thread has answers of its own.
        std::thread::spawn(|| assert_eq!(Memo::take(&LENGTHS).get("x0"), None))
            .join()
            .unwrap();
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
