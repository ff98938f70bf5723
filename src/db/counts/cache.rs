//! The count rows a server's writers wrote last, kept decoded between batches: a batch adds
//! to the kept slice instead of decoding the stored bytes again.
//!
//! What is kept is only ever used after the row has been read under the batch's lock and its
//! bytes found equal to the bytes kept with it, so another server's write, a recount's fix or
//! a rolled-back batch can make an entry useless but never wrong: equal bytes are equal counts.

use crate::counts::{Dense, SliceKey};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Rows kept at most (about 10 KB each for a counter form); past it the cache starts over.
const CAP: usize = 2_048;

/// A count row as last written: its bytes, and the slice they read as.
pub(super) struct Kept {
    pub(super) bytes: Vec<u8>,
    pub(super) dense: Dense,
}

/// Shared by one server's writer threads.
#[derive(Default)]
pub struct RowCache {
    rows: Mutex<HashMap<SliceKey, Arc<Kept>>>,
}

impl RowCache {
    pub fn new() -> RowCache {
        RowCache::default()
    }

    fn rows(&self) -> std::sync::MutexGuard<'_, HashMap<SliceKey, Arc<Kept>>> {
        // A poisoned lock only means a writer panicked; entries are checked before use.
        self.rows.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The slice kept for `key` when `stored`, read under the batch's lock, is exactly the
    /// bytes it was kept with.
    pub(super) fn get(&self, key: &SliceKey, stored: &[u8]) -> Option<Arc<Kept>> {
        let kept = self.rows().get(key).cloned()?;
        (kept.bytes == stored).then_some(kept)
    }

    /// Whether a row was written or read for `key` (so it existed then).
    pub(super) fn knows(&self, key: &SliceKey) -> bool {
        self.rows().contains_key(key)
    }

    /// Keeps what a batch wrote.
    pub(super) fn keep(&self, rows: Vec<(SliceKey, Kept)>) {
        let mut map = self.rows();
        if map.len() + rows.len() > CAP {
            map.clear();
        }
        for (key, kept) in rows {
            map.insert(key, Arc::new(kept));
        }
    }

    /// Rows kept now.
    pub fn len(&self) -> usize {
        self.rows().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(day: &str) -> SliceKey {
        SliceKey {
            survey_id: "s".into(),
            survey_version: "1".into(),
            unit_code: "U".into(),
            period: 2026,
            day: day.into(),
            respondent_group: String::new(),
            channel: String::new(),
            field: String::new(),
        }
    }

    fn kept(bytes: &[u8]) -> Kept {
        Kept {
            bytes: bytes.to_vec(),
            dense: Dense::default(),
        }
    }

    #[test]
    fn an_entry_serves_only_the_bytes_it_was_kept_with() {
        let c = RowCache::new();
        c.keep(vec![(key("a"), kept(&[1, 2, 3]))]);
        assert!(c.knows(&key("a")) && !c.knows(&key("b")));
        assert!(c.get(&key("a"), &[1, 2, 3]).is_some());
        assert!(c.get(&key("a"), &[1, 2, 4]).is_none());
        assert!(c.get(&key("b"), &[1, 2, 3]).is_none());
        c.keep((0..CAP).map(|i| (key(&i.to_string()), kept(&[]))).collect());
        assert_eq!(c.len(), CAP);
        assert!(!c.knows(&key("a")), "past the cap the cache starts over");
    }
}
