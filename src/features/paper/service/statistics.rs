//! Keyer statistics: how fast each keyer and batch went, and how often the keyings disagreed
//! or were found wrong.

use super::batches::batches;
use super::PaperError;
use crate::db::auth::User;
use crate::db::paper as rows;
use crate::state::AppState;
use std::collections::BTreeMap;

/// A keyer's or a batch's work: forms and fields keyed, the time it took, and how often the
/// keyings disagreed or were found wrong.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KeyerStats {
    pub name: String,
    pub forms: i64,
    pub fields: i64,
    /// Time spent on the keying screen, each form capped at 30 minutes (a form left open
    /// over lunch is not an hour of work).
    pub seconds: i64,
    /// Fields of forms keyed twice, and how many of them differed between the two keyings.
    pub compared_fields: i64,
    pub differences: i64,
    /// Fields of settled forms, and how many this keyer had wrong.
    pub settled_fields: i64,
    pub wrong: i64,
}

impl KeyerStats {
    fn per_hour(&self, n: i64) -> Option<f64> {
        (self.seconds > 0).then(|| n as f64 * 3600.0 / self.seconds as f64)
    }
    pub fn forms_per_hour(&self) -> Option<f64> {
        self.per_hour(self.forms)
    }
    pub fn fields_per_hour(&self) -> Option<f64> {
        self.per_hour(self.fields)
    }
    /// Differences between the two keyings per 1,000 fields compared.
    pub fn differences_per_1000(&self) -> Option<f64> {
        (self.compared_fields > 0)
            .then(|| self.differences as f64 * 1000.0 / self.compared_fields as f64)
    }
    /// Fields found wrong at settlement per 1,000 fields of settled forms.
    pub fn wrong_per_1000(&self) -> Option<f64> {
        (self.settled_fields > 0).then(|| self.wrong as f64 * 1000.0 / self.settled_fields as f64)
    }
}

const LONGEST_KEYING_SECS: i64 = 30 * 60;

/// Sums keyings by keyer and by batch.
pub fn summarise(rows: &[rows::KeyingStat]) -> (Vec<KeyerStats>, Vec<KeyerStats>) {
    let mut by_keyer: BTreeMap<String, KeyerStats> = BTreeMap::new();
    let mut by_batch: BTreeMap<String, KeyerStats> = BTreeMap::new();
    for r in rows {
        let seconds = match (
            chrono::DateTime::parse_from_rfc3339(&r.started_at),
            chrono::DateTime::parse_from_rfc3339(&r.saved_at),
        ) {
            (Ok(a), Ok(b)) => (b - a).num_seconds().clamp(0, LONGEST_KEYING_SECS),
            _ => 0,
        };
        let batch = r.batch_id.clone().unwrap_or_default();
        for (map, name) in [(&mut by_keyer, r.keyed_by.clone()), (&mut by_batch, batch)] {
            let s = map.entry(name.clone()).or_insert_with(|| KeyerStats {
                name,
                ..KeyerStats::default()
            });
            s.forms += 1;
            s.fields += i64::from(r.fields);
            s.seconds += seconds;
            if let Some(d) = r.differences {
                s.compared_fields += i64::from(r.fields);
                // A difference is the pair's, counted once per keying: both keyers share it.
                s.differences += i64::from(d);
            }
            if let Some(w) = r.wrong_fields {
                s.settled_fields += i64::from(r.fields);
                s.wrong += i64::from(w);
            }
        }
    }
    (
        by_keyer.into_values().collect(),
        by_batch.into_values().collect(),
    )
}

/// The keying of a survey and year, by keyer and by batch, as the user may see it.
pub fn keyer_stats(
    state: &AppState,
    user: &User,
    survey: &str,
    period: i32,
) -> Result<(Vec<KeyerStats>, Vec<KeyerStats>), PaperError> {
    // A unit's staff see the keying of their unit and the units below it only.
    let units = user.unit.as_deref().map(|u| state.units.subtree(u));
    let rows =
        state.db_blocking(|conn| rows::keying_stats(conn, survey, period, units.as_deref()))?;
    Ok(summarise(&rows))
}

/// The statistics page: the survey and year asked for (else those of the newest batch being
/// keyed).
#[derive(Debug, Clone)]
pub struct Report {
    pub survey_id: String,
    pub period: i32,
    pub by_keyer: Vec<KeyerStats>,
    /// Named by batch id; forms imported from a file have none.
    pub by_batch: Vec<KeyerStats>,
    /// Batch id → label, of the batches the user may see.
    pub batch_labels: BTreeMap<String, String>,
}

/// None when there is no survey at all.
pub fn report(
    state: &AppState,
    user: &User,
    survey: Option<&str>,
    period: Option<&str>,
) -> Result<Option<Report>, PaperError> {
    let visible = batches(state, user)?;
    // Unasked, the page opens on what is being keyed: the newest batch with forms keyed
    // (else the newest batch), not on whichever survey sorts first.
    let keyed = visible
        .iter()
        .find(|b| b.keyed() > 0)
        .or(visible.first())
        .map(|b| &b.batch);
    let Some(survey) = survey
        .and_then(|s| state.catalog.get(s))
        .or_else(|| keyed.and_then(|b| state.catalog.get(&b.survey_id)))
        .or_else(|| state.catalog.surveys.values().next())
    else {
        return Ok(None);
    };
    let period = period
        .and_then(|p| p.trim().parse().ok())
        .or_else(|| keyed.filter(|b| b.survey_id == survey.id).map(|b| b.period))
        .unwrap_or_else(|| state.clock.year());
    let (by_keyer, by_batch) = keyer_stats(state, user, &survey.id, period)?;
    let batch_labels = visible
        .into_iter()
        .map(|b| (b.batch.id, b.batch.label))
        .collect();
    Ok(Some(Report {
        survey_id: survey.id.clone(),
        period,
        by_keyer,
        by_batch,
        batch_labels,
    }))
}
