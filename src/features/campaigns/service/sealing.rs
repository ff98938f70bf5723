//! Opening and closing a campaign; its answers stay sealed while it is open.

use super::create::get;
use super::{citywide, CampaignError};
use crate::clock::wall_now;
use crate::db::campaigns::{self as rows, Campaign, CLOSED, DRAFT, OPEN};
use crate::db::{audit, write_transaction, AnyConnection, DbError};
use crate::features::Actor;
use crate::state::AppState;
use serde_json::json;

/// A step in a campaign's life: the statuses it may leave, the one it reaches, and what the
/// audit trail calls it.
#[derive(Clone, Copy)]
struct Step {
    from: &'static [&'static str],
    to: &'static str,
    action: &'static str,
}

/// Opens a draft campaign: its links work from now on.
pub fn open(
    state: &AppState,
    actor: impl Into<Actor>,
    id: &str,
) -> Result<Campaign, CampaignError> {
    let opening = Step {
        from: &[DRAFT],
        to: OPEN,
        action: "campaign.open",
    };
    take(state, actor, id, opening, |c| counts_today(state, c))
}

/// An answer counts under today: today must fit the campaign's period.
fn counts_today(state: &AppState, campaign: &Campaign) -> Result<(), CampaignError> {
    let probe = crate::survey::RawSubmission {
        survey: campaign.survey_id.clone(),
        unit: campaign.unit_code.clone(),
        channel: "invitation".into(),
        submission_id: String::new(),
        period: campaign.period,
        group: None,
        background: Default::default(),
        answers: Default::default(),
        comments: Default::default(),
        date: None,
    };
    if let Err(e) = state.intake().day_of(&probe) {
        return Err(CampaignError::Refused(format!(
            "không mở được đợt khảo sát năm {}: câu trả lời hôm nay ({}) không thuộc năm này ({})",
            campaign.period,
            state.clock.today().format("%d/%m/%Y"),
            e.message
        )));
    }
    Ok(())
}

/// Closes a campaign: its links stop working and no one can be added. With a grace period
/// (`campaign_grace_hours`), an admin may reopen it until the period ends, and its answers stay
/// sealed until then ([`super::grace`] makes the closing final). Without one, the closing is
/// final at once: its answers, sealed while it was open, are counted in the same transaction,
/// all at once — unless another campaign of the same survey, period and unit is still open (or
/// closed in grace): answers through links to them are indistinguishable, so they stay sealed
/// until the last of those closes for good. A closing once final is never undone.
pub fn close(
    state: &AppState,
    actor: impl Into<Actor>,
    id: &str,
) -> Result<Campaign, CampaignError> {
    let closing = Step {
        from: &[DRAFT, OPEN],
        to: CLOSED,
        action: "campaign.close",
    };
    take(state, actor, id, closing, |_| Ok(()))
}

/// Takes campaign `id` a `step` on, as a citywide `actor`, once `check` allows it.
fn take(
    state: &AppState,
    actor: impl Into<Actor>,
    id: &str,
    step: Step,
    check: impl FnOnce(&Campaign) -> Result<(), CampaignError>,
) -> Result<Campaign, CampaignError> {
    let actor = citywide(actor)?;
    let campaign = get(state, id)?;
    check(&campaign)?;
    transition(state, &actor.name, &campaign, &step)
}

/// Whether a closing now is final at once (no grace period is set).
fn final_at_once(state: &AppState) -> bool {
    state.settings.campaign_grace_hours == 0
}

/// Inside the transaction that makes a closing final: counts the sealed answers once no
/// campaign holds them.
pub(super) fn unseal_on_close(
    state: &AppState,
    c: &mut AnyConnection,
    campaign: &Campaign,
) -> Result<(), DbError> {
    if rows::others_open(c, campaign)? == 0 {
        let n = crate::db::responses::unseal(
            c,
            &state.layouts,
            &campaign.survey_id,
            campaign.period,
            &campaign.unit_code,
        )?;
        log::info!(
            "campaign {} closed: {n} sealed answers counted",
            campaign.id
        );
    }
    Ok(())
}

fn transition(
    state: &AppState,
    actor: &str,
    campaign: &Campaign,
    step: &Step,
) -> Result<Campaign, CampaignError> {
    let (id, Step { from, to, action }) = (campaign.id.clone(), *step);
    state.db_blocking(|conn| {
        write_transaction(conn, |c| {
            if to == CLOSED {
                // Locks the campaigns of the same survey, period and unit first.
                rows::others_open(c, campaign)?;
            }
            let moved = match to {
                CLOSED if !final_at_once(state) => rows::close_in_grace(c, &id, from, wall_now())?,
                _ => rows::set_status(c, &id, from, to, wall_now())?,
            };
            if !moved {
                return Err(CampaignError::Refused(format!(
                    "đợt khảo sát đang ở trạng thái “{}”, không chuyển sang “{}” được",
                    status_label(&campaign.status),
                    status_label(to)
                )));
            }
            if to == CLOSED && final_at_once(state) {
                unseal_on_close(state, c, campaign)?;
            }
            audit::record(
                c,
                actor,
                action,
                &json!({"campaign": id}).to_string(),
                wall_now(),
            )?;
            Ok(())
        })
    })?;
    get(state, &campaign.id)
}

pub fn status_label(status: &str) -> &'static str {
    match status {
        DRAFT => "đang chuẩn bị",
        OPEN => "đang mở",
        CLOSED => "đã đóng",
        _ => "không rõ",
    }
}
