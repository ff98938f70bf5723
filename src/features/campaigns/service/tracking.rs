//! Following a campaign: who is on its list, who has not answered, response rates.
//!
//! The rates show every count, small ones too: staff see each person's answered/not answered
//! (to remind them), so hiding a count under 5 would hide nothing they cannot count on the list.
//! The small-cell rule protects answers — scores and breakdowns of what was answered — and a
//! campaign's answers stay under it wherever they are shown.

use super::create::{count, get, Heading};
use super::CampaignError;
pub use crate::db::campaigns::LinkState;
use crate::db::campaigns::{self as rows, Respondent};
use crate::db::AnyConnection;
use crate::spreadsheet::text_cell;
use crate::state::AppState;
use std::collections::BTreeMap;

pub fn respondents(state: &AppState, id: &str) -> Result<Vec<Respondent>, CampaignError> {
    Ok(state.db_blocking(|conn| rows::respondents(conn, id))?)
}

/// Those who have not answered, for a reminder.
pub fn reminders(state: &AppState, id: &str) -> Result<Vec<Respondent>, CampaignError> {
    get(state, id)?;
    Ok(respondents(state, id)?
        .into_iter()
        .filter(|p| !p.answered)
        .collect())
}

/// One line of a response-rate table.
#[derive(Debug, Clone, PartialEq)]
pub struct Rate {
    pub code: String,
    pub invited: i64,
    /// Answered (always shown: see the module's note).
    pub answered: Option<i64>,
}

impl Rate {
    /// Percent answered, where the count may be shown.
    pub fn percent(&self) -> Option<f64> {
        match self.answered {
            Some(a) if self.invited > 0 => Some(a as f64 * 100.0 / self.invited as f64),
            _ => None,
        }
    }
}

/// Response rates by group and by agency: counts only. No answers by day: who answered is a
/// flag, never a day.
#[derive(Debug, Clone, PartialEq)]
pub struct Tracking {
    pub total: Rate,
    pub by_group: Vec<Rate>,
    pub by_unit: Vec<Rate>,
}

pub fn tracking(state: &AppState, id: &str) -> Result<Tracking, CampaignError> {
    let people = state.db_blocking(|conn: &mut AnyConnection| rows::respondents(conn, id))?;
    let rates = |key: &dyn Fn(&Respondent) -> String| {
        let mut m: BTreeMap<String, (i64, i64)> = BTreeMap::new();
        for p in &people {
            let e = m.entry(key(p)).or_default();
            e.0 += 1;
            e.1 += i64::from(p.answered);
        }
        m.into_iter()
            .map(|(code, (invited, answered))| Rate {
                code,
                invited,
                answered: Some(answered),
            })
            .collect::<Vec<_>>()
    };
    let answered = people.iter().filter(|p| p.answered).count();
    Ok(Tracking {
        total: Rate {
            code: String::new(),
            invited: count(people.len()),
            answered: Some(count(answered)),
        },
        by_group: rates(&|p| p.group.clone()),
        by_unit: rates(&|p| p.unit.clone()),
    })
}

/// Those who have not answered as CSV (`name,group,unit,contact`), every cell written so that
/// none is run as a formula.
pub fn reminders_csv(state: &AppState, id: &str) -> Result<String, CampaignError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(["name", "group", "unit", "contact"]);
    for p in &reminders(state, id)? {
        let _ = w.write_record(
            [&p.name, &p.group, &p.unit, &p.contact].map(|t| text_cell(t).into_owned()),
        );
    }
    Ok(String::from_utf8_lossy(&w.into_inner().unwrap_or_default()).to_string())
}

/// What one campaign's page shows of it.
#[derive(Debug, Clone)]
pub struct Overview {
    pub campaign: Heading,
    /// Closed in grace: until when an admin may reopen it (stored time); its answers stay
    /// sealed until then.
    pub reopen_until: Option<String>,
    pub people: Vec<Person>,
    pub tracking: Tracking,
}

/// A person on the list as staff see them: whether they answered, never when or what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Person {
    pub id: String,
    pub name: String,
    pub group: String,
    pub unit: String,
    pub contact: String,
    pub link: LinkState,
    pub answered: bool,
}

impl From<Respondent> for Person {
    fn from(r: Respondent) -> Self {
        Person {
            id: r.id,
            name: r.name,
            group: r.group,
            unit: r.unit,
            contact: r.contact,
            link: r.link,
            answered: r.answered,
        }
    }
}

pub fn overview(state: &AppState, id: &str) -> Result<Overview, CampaignError> {
    let campaign = get(state, id)?;
    Ok(Overview {
        reopen_until: super::reopen_until(state, &campaign).map(crate::clock::stored),
        campaign: campaign.into(),
        people: respondents(state, id)?
            .into_iter()
            .map(Person::from)
            .collect(),
        tracking: tracking(state, id)?,
    })
}
