//! One-time links: issued to everyone who has not answered, reissued or revoked one by one.

use super::create::{get, Heading};
use super::{citywide, CampaignError};
use crate::clock::wall_now;
use crate::db::campaigns::{self as rows, Campaign, Respondent, CLOSED};
use crate::db::{audit, write_transaction};
use crate::features::Actor;
use crate::secrets::NewToken;
use crate::spreadsheet::text_cell;
use crate::state::AppState;
use serde_json::json;

/// A link just issued: shown once, stored nowhere.
#[derive(Debug, Clone)]
pub struct IssuedLink {
    pub name: String,
    pub group: String,
    pub unit: String,
    pub token: String,
}

/// The campaign, refused once closed: a closed campaign's links never work again.
fn not_closed(state: &AppState, id: &str) -> Result<Campaign, CampaignError> {
    let campaign = get(state, id)?;
    if campaign.status == CLOSED {
        return Err(CampaignError::Refused(
            "đợt khảo sát đã đóng: không cấp đường dẫn được nữa".into(),
        ));
    }
    Ok(campaign)
}

/// (Re)issues a link to everyone who has not answered, revoking their earlier ones.
pub fn issue_links(
    state: &AppState,
    actor: impl Into<Actor>,
    id: &str,
) -> Result<(Campaign, Vec<IssuedLink>), CampaignError> {
    let actor = citywide(actor)?;
    let campaign = not_closed(state, id)?;
    let links = state.db_blocking(|conn| {
        write_transaction(conn, |c| {
            let mut out = Vec::new();
            for p in rows::respondents(c, id)?
                .into_iter()
                .filter(|p| !p.answered)
            {
                let link = NewToken::generate();
                if rows::issue(c, &p.id, &link.hash, wall_now())? {
                    out.push(IssuedLink {
                        name: p.name,
                        group: p.group,
                        unit: p.unit,
                        token: link.token,
                    });
                }
            }
            let detail = json!({"campaign": id, "links": out.len()});
            audit::record(
                c,
                &actor.name,
                "campaign.links",
                &detail.to_string(),
                wall_now(),
            )?;
            Ok::<_, CampaignError>(out)
        })
    })?;
    Ok((campaign, links))
}

/// Issues a new link to one person (the earlier one stops working).
pub fn reissue(
    state: &AppState,
    actor: impl Into<Actor>,
    id: &str,
    respondent: &str,
) -> Result<IssuedLink, CampaignError> {
    let actor = citywide(actor)?;
    not_closed(state, id)?;
    state.db_blocking(|conn| {
        write_transaction(conn, |c| {
            let p = rows::respondent(c, id, respondent)?.ok_or(CampaignError::NotFound)?;
            if p.answered {
                return Err(CampaignError::Refused(format!(
                    "{} đã trả lời: không cần đường dẫn mới",
                    p.name
                )));
            }
            let link = NewToken::generate();
            if !rows::issue(c, &p.id, &link.hash, wall_now())? {
                return Err(CampaignError::NotFound);
            }
            let detail = json!({"campaign": id, "respondent": p.id});
            audit::record(
                c,
                &actor.name,
                "campaign.reissue",
                &detail.to_string(),
                wall_now(),
            )?;
            Ok(IssuedLink {
                name: p.name,
                group: p.group,
                unit: p.unit,
                token: link.token,
            })
        })
    })
}

/// [`reissue`], with the campaign the printed link is for.
pub fn reissue_for_sheet(
    state: &AppState,
    actor: impl Into<Actor>,
    id: &str,
    respondent: &str,
) -> Result<(Heading, IssuedLink), CampaignError> {
    let link = reissue(state, actor, id, respondent)?;
    Ok((get(state, id)?.into(), link))
}

/// Revokes one person's link.
pub fn revoke(
    state: &AppState,
    actor: impl Into<Actor>,
    id: &str,
    respondent: &str,
) -> Result<Respondent, CampaignError> {
    let actor = citywide(actor)?;
    state.db_blocking(|conn| {
        write_transaction(conn, |c| {
            let p = rows::respondent(c, id, respondent)?.ok_or(CampaignError::NotFound)?;
            if !rows::revoke(c, &p.id, wall_now())? {
                return Err(CampaignError::Refused(format!(
                    "{} không có đường dẫn nào đang dùng được",
                    p.name
                )));
            }
            let detail = json!({"campaign": id, "respondent": p.id});
            audit::record(
                c,
                &actor.name,
                "campaign.revoke",
                &detail.to_string(),
                wall_now(),
            )?;
            Ok(p)
        })
    })
}

/// Links as CSV (`name,group,link`), UTF-8 with a BOM for spreadsheets; names are written so
/// that none is run as a formula.
pub fn links_csv(links: &[IssuedLink], base_url: &str) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(["name", "group", "link"]);
    for l in links {
        let _ = w.write_record([
            text_cell(&l.name).into_owned(),
            text_cell(&l.group).into_owned(),
            format!("{base_url}/i/{}", l.token),
        ]);
    }
    String::from_utf8_lossy(&w.into_inner().unwrap_or_default()).to_string()
}
