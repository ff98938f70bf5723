//! The grace period after a campaign closes: closed by mistake, it may be reopened by an admin
//! until `campaign_grace_hours` have passed, and its answers stay sealed meanwhile; after it
//! the closing is final and the answers are counted (the server looks every minute).

use super::create::get;
use super::sealing::unseal_on_close;
use super::{citywide, CampaignError};
use crate::clock::wall_now;
use crate::db::campaigns::{self as rows, Campaign, CLOSED};
use crate::db::{audit, write_transaction};
use crate::features::Actor;
use crate::state::AppState;
use chrono::{DateTime, Duration, Utc};
use serde_json::json;

/// Who the audit trail names when a closing becomes final on its own.
const SYSTEM: &str = "chiso";

fn grace(state: &AppState) -> Duration {
    Duration::hours(i64::from(state.settings.campaign_grace_hours))
}

/// Until when a campaign closed in grace may be reopened; none once its closing is final.
pub fn reopen_until(state: &AppState, c: &Campaign) -> Option<DateTime<Utc>> {
    if c.status != CLOSED || !c.in_grace {
        return None;
    }
    let closed = c.closed_at.as_deref()?;
    let at = DateTime::parse_from_rfc3339(closed)
        .ok()?
        .with_timezone(&Utc);
    Some(at + grace(state)).filter(|until| *until > wall_now())
}

/// Reopens a campaign closed within the grace period: its links (those not answered, revoked
/// or replaced) work again. Refused once the closing is final.
pub fn reopen(
    state: &AppState,
    actor: impl Into<Actor>,
    id: &str,
) -> Result<Campaign, CampaignError> {
    let actor = citywide(actor)?;
    let campaign = get(state, id)?;
    let final_now = || {
        CampaignError::Refused(
            "đợt khảo sát không ở thời hạn mở lại: việc đóng đợt đã là chính thức".into(),
        )
    };
    reopen_until(state, &campaign).ok_or_else(final_now)?;
    state.db_blocking(|conn| {
        write_transaction(conn, |c| {
            if !rows::reopen(c, id, wall_now() - grace(state))? {
                return Err(final_now());
            }
            let detail = json!({"campaign": id}).to_string();
            audit::record(c, &actor.name, "campaign.reopen", &detail, wall_now())?;
            Ok(())
        })
    })?;
    get(state, id)
}

/// Makes final every closing whose grace period is over, counting the answers it held sealed;
/// returns how many became final.
pub fn finalise_due(state: &AppState) -> Result<usize, CampaignError> {
    let due = state.db_blocking(|conn| rows::grace_over(conn, wall_now() - grace(state)))?;
    let mut done = 0;
    for campaign in due {
        let made = state.db_blocking(|conn| {
            write_transaction(conn, |c| {
                if !rows::make_final(c, &campaign.id)? {
                    return Ok::<_, CampaignError>(false);
                }
                unseal_on_close(state, c, &campaign)?;
                let detail = json!({"campaign": campaign.id}).to_string();
                audit::record(c, SYSTEM, "campaign.close.final", &detail, wall_now())?;
                Ok(true)
            })
        })?;
        done += usize::from(made);
    }
    Ok(done)
}
