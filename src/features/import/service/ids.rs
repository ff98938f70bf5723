//! The "same forms or new forms" identity of a file: ids derived from its contents for rows
//! without one of their own, and the earlier imports (`db::file_imports`) that decide what
//! they are derived with.

use super::options::{Forms, ImportOptions, SameOpening};
use super::report::ImportError;
use super::rows::Plan;
use crate::db::file_imports::Fingerprints;
use crate::db::{keys, AnyConnection, DbError};
use crate::state::AppState;
use crate::survey::Survey;
use sha2::{Digest, Sha256};

/// Ids for rows without a `submission_id` or `serial`: a hash chained over the header and
/// every row so far, so a row's id depends on the file's contents up to it, then (unless the
/// seed is empty, as for a file unlike any imported before) hashed again with the seed the
/// import was given. The `loi` column of a file of rejected rows is left out.
pub(super) struct ContentIds {
    chain: Sha256,
    skip: Option<usize>,
    seed: String,
}

impl ContentIds {
    pub(super) fn new(survey: &str, header: &[String], skip: Option<usize>, seed: &str) -> Self {
        let mut chain = Sha256::new();
        chain.update(survey.as_bytes());
        Self::feed(&mut chain, header, skip);
        ContentIds {
            chain,
            skip,
            seed: seed.to_string(),
        }
    }

    /// The header and every row so far, as a SHA-256 (hex): no cell can be read from it.
    pub(super) fn fingerprint(&self) -> String {
        hex::encode(self.chain.clone().finalize())
    }

    fn feed(chain: &mut Sha256, record: &[String], skip: Option<usize>) {
        for (i, cell) in record.iter().enumerate() {
            if Some(i) != skip {
                chain.update(cell.trim().as_bytes());
                chain.update([0x1f]);
            }
        }
        chain.update([0x1e]);
    }

    pub(super) fn next(&mut self, record: &[String]) -> String {
        Self::feed(&mut self.chain, record, self.skip);
        let digest = self.chain.clone().finalize();
        let mut bytes = [0u8; 16];
        for (b, d) in bytes.iter_mut().zip(digest.iter()) {
            *b = *d;
        }
        let id = uuid::Builder::from_random_bytes(bytes)
            .into_uuid()
            .hyphenated()
            .to_string();
        seeded(&self.seed, &id)
    }
}

/// The id a row derived as `id` has under `seed`: `id` itself under the empty seed (the ids
/// of files imported before imports were remembered), another for every other seed.
pub(super) fn seeded(seed: &str, id: &str) -> String {
    if seed.is_empty() {
        return id.to_string();
    }
    let mut h = Sha256::new();
    for part in ["chiso import id", seed, id] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    let digest = h.finalize();
    let mut bytes = [0u8; 16];
    for (b, d) in bytes.iter_mut().zip(digest.iter()) {
        *b = *d;
    }
    uuid::Builder::from_random_bytes(bytes)
        .into_uuid()
        .hyphenated()
        .to_string()
}

/// A file's fingerprints (SHA-256, hex) once it has been read through.
pub(super) struct Prints {
    opening: String,
    content: String,
}

impl Prints {
    /// The fingerprints of a file for `survey` as stored: keyed under the imports key.
    pub(super) fn keyed(
        &self,
        conn: &mut AnyConnection,
        survey: &str,
    ) -> Result<Fingerprints, DbError> {
        let key = keys::get_or_create(conn, keys::IMPORTS)?;
        Ok(Fingerprints {
            opening: key.sign(&["opening", survey, &self.opening]),
            content: key.sign(&["content", survey, &self.content]),
        })
    }
}

/// What this import's derived ids are derived with, and the fingerprints to remember it by
/// (none when it is a file imported before, or holds no form).
pub(super) struct Seed {
    pub(super) id_seed: String,
    pub(super) record: Option<Prints>,
}

/// Decides what the derived ids of this file are: those of an earlier import of the same
/// cells; when the file only begins like an earlier import, those of that import (the same
/// forms) or its own (new forms), as the importer said — and when they did not, it stops.
pub(super) fn ids_seed(
    state: &AppState,
    source: &str,
    survey: &Survey,
    opts: &ImportOptions,
    plan: &Plan,
) -> Result<Seed, ImportError> {
    let (Some(opening), Some(ids)) = (&plan.opening, &plan.ids) else {
        return Ok(Seed {
            id_seed: String::new(),
            record: None,
        });
    };
    let prints = Prints {
        opening: opening.clone(),
        content: ids.fingerprint(),
    };
    let (same_file, same_opening) = state.db_blocking(|conn| {
        let keyed = prints.keyed(conn, &survey.id)?;
        crate::db::file_imports::earlier(conn, &survey.id, &keyed)
    })?;
    if let Some(earlier) = same_file {
        return Ok(Seed {
            id_seed: earlier.id_seed,
            record: None,
        });
    }
    // Only a form without an id of its own can be taken for another file's.
    let id_seed = match same_opening.filter(|_| plan.derived) {
        None => String::new(),
        Some(earlier) => match opts.forms {
            Forms::Ask => {
                return Err(ImportError::SameOpening(Box::new(SameOpening {
                    source: source.to_string(),
                    earlier,
                })))
            }
            Forms::Same => earlier.id_seed,
            // Its own seed, random: kept only in the record of this import.
            Forms::New => uuid::Uuid::new_v4().to_string(),
        },
    };
    Ok(Seed {
        id_seed,
        record: Some(prints),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(c: &[&str]) -> Vec<String> {
        c.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn row_ids_follow_the_contents_up_to_the_row() {
        let header = cells(&["unit", "E1.1"]);
        let ids = |rows: &[&[&str]]| -> Vec<String> {
            let mut c = ContentIds::new("s", &header, None, "");
            rows.iter().map(|r| c.next(&cells(r))).collect()
        };
        let first = ids(&[&["NK", "5"], &["NK", "5"]]);
        // Two identical forms in one file are two forms.
        assert_ne!(first[0], first[1]);
        // The same file again, or with a row added at the end, gives the same ids.
        let again = ids(&[&["NK", "5"], &["NK", "5"], &["CR", "4"]]);
        assert_eq!(first[..], again[..2]);
        // Another file starting differently gives other ids, even for identical rows.
        let other = ids(&[&["CR", "4"], &["NK", "5"]]);
        assert!(!other.contains(&first[0]) && !other.contains(&first[1]));
    }

    #[test]
    fn a_seed_gives_every_row_another_id_and_the_empty_seed_the_old_one() {
        let header = cells(&["unit", "E1.1"]);
        let ids = |seed: &str| -> Vec<String> {
            let mut c = ContentIds::new("s", &header, None, seed);
            [["NK", "5"], ["CR", "4"]]
                .iter()
                .map(|r| c.next(&cells(r)))
                .collect()
        };
        let (plain, one, other) = (ids(""), ids("week2"), ids("week3"));
        assert!(one
            .iter()
            .all(|id| !plain.contains(id) && !other.contains(id)));
        assert_eq!(one, ids("week2"));
        let legacy = &plain[0];
        assert_eq!(&seeded("", legacy), legacy);
        assert_eq!(seeded("week2", legacy), one[0]);
    }

    #[test]
    fn the_reasons_column_does_not_change_the_ids() {
        let plain =
            ContentIds::new("s", &cells(&["unit", "E1.1"]), None, "").next(&cells(&["NK", "5"]));
        let with_reasons = ContentIds::new("s", &cells(&["unit", "E1.1", "loi"]), Some(2), "")
            .next(&cells(&["NK", "5", "E1.1: 9 is not a value"]));
        assert_eq!(plain, with_reasons);
    }
}
