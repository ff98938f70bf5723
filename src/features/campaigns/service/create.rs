//! Creating a campaign, and the list of campaigns.

use super::people::{check_list, ListSource};
use super::{citywide, invalid, CampaignError, DEFAULT_ORGANISER};
use crate::clock::{wall_now, wall_stored as now};
use crate::db::campaigns::{self as rows, Campaign, DRAFT};
use crate::db::{audit, write_transaction};
use crate::features::Actor;
use crate::state::AppState;
use crate::survey::Unit;
use serde_json::json;

/// A campaign as an admin describes it.
#[derive(Debug, Clone, Default)]
pub struct NewCampaign {
    pub survey: String,
    pub period: i32,
    pub title: String,
    pub organiser: String,
    /// The unit the answers count under; the city when empty.
    pub unit: String,
}

/// The city: the top unit of today's map.
fn city(state: &AppState) -> Option<&Unit> {
    let today = state.clock.today();
    state
        .units
        .units
        .iter()
        .find(|u| u.parent.is_none() && u.level == "city" && state.units.valid_on(u, today))
}

/// The unit a campaign's answers count under: `code`, or the city when it is empty.
fn unit_of<'s>(state: &'s AppState, code: &str) -> Result<&'s Unit, CampaignError> {
    if code.is_empty() {
        return city(state).ok_or_else(|| {
            invalid(
                "unit",
                "không tìm thấy đơn vị cấp thành phố",
                "no city-level unit was found",
            )
        });
    }
    let u = state.units.get(code).ok_or_else(|| {
        invalid(
            "unit",
            format!("không có đơn vị “{code}”"),
            format!("there is no unit “{code}”"),
        )
    })?;
    if !state.units.valid_on(u, state.clock.today()) {
        return Err(invalid(
            "unit",
            format!("{} ({code}) không còn là đơn vị hiện nay", u.name),
            format!("{} ({code}) is no longer a unit today", u.name),
        ));
    }
    Ok(u)
}

/// `given`, or the default when it is empty; refused when longer than `max` characters.
fn within(
    given: &str,
    default: impl FnOnce() -> String,
    max: usize,
    too_long: CampaignError,
) -> Result<String, CampaignError> {
    let text = match given {
        "" => default(),
        t => t.to_string(),
    };
    if text.chars().count() > max {
        return Err(too_long);
    }
    Ok(text)
}

/// Creates a campaign in draft, with the people of `list` (CSV or XLSX) when given.
pub fn create(
    state: &AppState,
    actor: impl Into<Actor>,
    new: NewCampaign,
    list: Option<ListSource>,
) -> Result<(Campaign, usize), CampaignError> {
    let actor = citywide(actor)?;
    let actor = actor.name.as_str();
    let survey = state.catalog.get(new.survey.trim()).ok_or_else(|| {
        invalid(
            "survey",
            format!("không có phiếu khảo sát “{}”", new.survey.trim()),
            format!("there is no survey “{}”", new.survey.trim()),
        )
    })?;
    if survey.groups.is_empty() {
        return Err(invalid(
            "survey",
            format!(
                "phiếu “{}” không có nhóm người trả lời, nên không gửi theo danh sách được",
                survey.id
            ),
            format!(
                "survey “{}” has no respondent groups, so it cannot be sent to a list of people",
                survey.id
            ),
        ));
    }
    if !(2000..=2100).contains(&new.period) {
        return Err(invalid(
            "period",
            "năm khảo sát phải trong khoảng 2000–2100",
            "the survey year must be between 2000 and 2100",
        ));
    }
    let unit = unit_of(state, new.unit.trim())?;
    let title = within(
        new.title.trim(),
        || format!("{} – năm {}", survey.title, new.period),
        200,
        invalid(
            "title",
            "tên đợt khảo sát dài quá 200 ký tự",
            "the campaign title is longer than 200 characters",
        ),
    )?;
    let organiser = within(
        new.organiser.trim(),
        || DEFAULT_ORGANISER.to_string(),
        300,
        invalid(
            "organiser",
            "tên cơ quan tổ chức dài quá 300 ký tự",
            "the organiser's name is longer than 300 characters",
        ),
    )?;
    let campaign = Campaign {
        id: uuid::Uuid::new_v4().to_string(),
        survey_id: survey.id.clone(),
        period: new.period,
        title,
        organiser,
        unit_code: unit.code.clone(),
        status: DRAFT.into(),
        created_by: actor.to_string(),
        created_at: now(),
        opened_at: None,
        closed_at: None,
        in_grace: false,
    };
    let people = match list {
        Some(source) => check_list(state, (survey, new.period), source, &[], false)
            .map_err(CampaignError::Rows)?,
        None => Vec::new(),
    };
    state.db_blocking(|conn| {
        write_transaction(conn, |c| {
            rows::insert(c, &campaign)?;
            rows::add_respondents(c, &campaign.id, &people)?;
            let detail = json!({"campaign": campaign.id, "survey": campaign.survey_id,
                "period": campaign.period, "unit": campaign.unit_code, "respondents": people.len()});
            audit::record(c, actor, "campaign.create", &detail.to_string(), wall_now())?;
            Ok::<_, CampaignError>(())
        })
    })?;
    Ok((campaign, people.len()))
}

pub fn get(state: &AppState, id: &str) -> Result<Campaign, CampaignError> {
    let id = id.to_string();
    state
        .db_blocking(|conn| rows::get(conn, &id))?
        .ok_or(CampaignError::NotFound)
}

/// A campaign with the counts its list page shows.
#[derive(Debug, Clone)]
pub struct Summary {
    pub campaign: Heading,
    pub invited: i64,
    /// Answered: always shown, as on the campaign's page (who answered is no answer).
    pub answered: Option<i64>,
}

pub fn list(state: &AppState) -> Result<Vec<Summary>, CampaignError> {
    state.db_blocking(|conn| {
        let all = rows::list(conn)?;
        let mut out = Vec::with_capacity(all.len());
        for c in all {
            let people = rows::respondents(conn, &c.id)?;
            let answered = people.iter().filter(|p| p.answered).count();
            out.push(Summary {
                campaign: Heading::from(c),
                invited: count(people.len()),
                // As on the campaign's page: who answered is no answer (see `tracking`).
                answered: Some(count(answered)),
            });
        }
        Ok(out)
    })
}

pub(super) fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// A campaign as its pages and the command line show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heading {
    pub id: String,
    pub survey_id: String,
    pub period: i32,
    pub title: String,
    pub organiser: String,
    /// The unit its answers count under.
    pub unit_code: String,
    pub status: String,
}

impl From<Campaign> for Heading {
    fn from(c: Campaign) -> Self {
        Heading {
            id: c.id,
            survey_id: c.survey_id,
            period: c.period,
            title: c.title,
            organiser: c.organiser,
            unit_code: c.unit_code,
            status: c.status,
        }
    }
}
