//! Versions of one instrument: a definition may replace an earlier one (`supersedes`) and
//! say which of its respondent groups no longer exist (`[[ended_groups]]`): the officials'
//! survey of 2025, written for the two-tier local government, has no district leaders.
//! Answers to each version keep the version they were given; campaigns refuse an ended
//! group for a period after it ended.

use super::check::Checker;
use super::load::Catalog;
use super::raw::RawSurvey;
use super::{DefinitionError, Survey};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// A respondent group of an earlier version that no longer exists.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EndedGroup {
    pub code: String,
    pub label: String,
    /// The last day the group existed.
    pub last_day: NaiveDate,
    /// Why, in a few words, for the refusal's message.
    pub reason: String,
}

impl EndedGroup {
    /// Whether a campaign for `period`, run on `today`, can no longer ask this group: the
    /// year assessed is after the one it ended in, or the day it ended has passed.
    pub fn gone_for(&self, period: i32, today: NaiveDate) -> bool {
        period > self.last_day.year() || today > self.last_day
    }
}

impl Checker<'_> {
    /// A definition's ended groups: not groups of its own, and only with `supersedes`.
    pub(super) fn ended_groups(&mut self, raw: &RawSurvey) -> Vec<EndedGroup> {
        let mut out = Vec::new();
        for g in &raw.ended_groups {
            let e = g.get_ref();
            if raw.groups.iter().any(|c| c.code.get_ref() == &e.code) {
                self.err(
                    g,
                    format!(
                        "ended group '{}' is still one of this survey's [[groups]]",
                        e.code
                    ),
                );
            }
            if raw.supersedes.is_none() {
                self.err(
                    g,
                    format!(
                        "ended group '{}' needs supersedes = \"<the earlier version's id>\"",
                        e.code
                    ),
                );
            }
            out.push(e.clone());
        }
        out
    }
}

/// Across the catalog: what `supersedes` names is a loaded survey of the same instrument,
/// and every ended group is one of its groups.
pub(super) fn check_catalog(catalog: &Catalog) -> Vec<DefinitionError> {
    let mut errors = Vec::new();
    for s in catalog.surveys.values() {
        let Some(old) = &s.supersedes else { continue };
        let err = |message: String| DefinitionError {
            file: s.file.clone(),
            line: 0,
            message,
        };
        match catalog.get(old) {
            None => errors.push(err(format!(
                "supersedes '{old}', which is not a loaded survey"
            ))),
            Some(o) if o.instrument != s.instrument => errors.push(err(format!(
                "supersedes '{old}', a survey of another instrument ({})",
                o.instrument
            ))),
            Some(o) => {
                for g in &s.ended_groups {
                    if !o.groups.iter().any(|c| c.code == g.code) {
                        errors.push(err(format!(
                            "ended group '{}' is not a group of '{old}'",
                            g.code
                        )));
                    }
                }
            }
        }
    }
    errors
}

impl Catalog {
    /// The groups of `survey` (or of the versions it replaced) that are gone for a campaign
    /// of `period` run on `today`, each with the version that replaces them.
    pub fn ended_groups_for(
        &self,
        survey: &Survey,
        period: i32,
        today: NaiveDate,
    ) -> Vec<(&EndedGroup, &Survey)> {
        self.surveys
            .values()
            .filter(|s| s.id == survey.id || s.supersedes.as_deref() == Some(survey.id.as_str()))
            .flat_map(|s| s.ended_groups.iter().map(move |g| (g, s)))
            .filter(|(g, _)| g.gone_for(period, today))
            .collect()
    }
}
