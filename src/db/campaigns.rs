//! Campaigns and their respondents. Only the hash of a person's current link is stored;
//! whether a person answered is a flag (never a day, which would match the answer's), kept
//! apart from the answer, and nothing here names a response.

use super::schema::{campaigns, replaced_links, respondents};
use super::{stored_time, AnyConnection, DbError};
use chrono::{DateTime, Utc};
use diesel::prelude::*;

pub const DRAFT: &str = "draft";
pub const OPEN: &str = "open";
pub const CLOSED: &str = "closed";

#[derive(Debug, Clone, PartialEq, Queryable, Selectable, Insertable)]
#[diesel(table_name = campaigns, treat_none_as_default_value = false)]
pub struct Campaign {
    pub id: String,
    pub survey_id: String,
    pub period: i32,
    pub title: String,
    pub organiser: String,
    pub unit_code: String,
    pub status: String,
    pub created_by: String,
    pub created_at: String,
    pub opened_at: Option<String>,
    pub closed_at: Option<String>,
    /// Closed, and still within the grace period in which an admin may reopen it: its
    /// answers stay sealed until the closing becomes final.
    pub in_grace: bool,
}

/// A person on a campaign's list as staff see them: whether they answered, never when or what.
#[derive(Debug, Clone, PartialEq)]
pub struct Respondent {
    pub id: String,
    pub name: String,
    pub group: String,
    pub unit: String,
    pub contact: String,
    /// A link was issued and is neither revoked nor used.
    pub link: LinkState,
    pub answered: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkState {
    None,
    Issued,
    Revoked,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = respondents)]
struct Row {
    id: String,
    name: String,
    group_code: String,
    unit_code: String,
    contact: String,
    token_hash: Option<String>,
    revoked_at: Option<String>,
    answered: bool,
}

impl Row {
    fn into_respondent(self) -> Respondent {
        let link = match (&self.token_hash, &self.revoked_at) {
            (None, _) => LinkState::None,
            (Some(_), Some(_)) => LinkState::Revoked,
            (Some(_), None) => LinkState::Issued,
        };
        Respondent {
            id: self.id,
            name: self.name,
            group: self.group_code,
            unit: self.unit_code,
            contact: self.contact,
            link,
            answered: self.answered,
        }
    }
}

/// A person to add to a list.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRespondent {
    pub name: String,
    pub group: String,
    pub unit: String,
    pub contact: String,
}

pub fn insert(conn: &mut AnyConnection, c: &Campaign) -> Result<(), DbError> {
    diesel::insert_into(campaigns::table)
        .values(c)
        .execute(conn)?;
    Ok(())
}

pub fn get(conn: &mut AnyConnection, id: &str) -> Result<Option<Campaign>, DbError> {
    Ok(campaigns::table
        .find(id)
        .select(Campaign::as_select())
        .first(conn)
        .optional()?)
}

/// Every campaign, newest first.
pub fn list(conn: &mut AnyConnection) -> Result<Vec<Campaign>, DbError> {
    Ok(campaigns::table
        .order(campaigns::created_at.desc())
        .select(Campaign::as_select())
        .load(conn)?)
}

/// Moves a campaign to `to` if it is in one of `from`; returns whether it moved.
pub fn set_status(
    conn: &mut AnyConnection,
    id: &str,
    from: &[&str],
    to: &str,
    at: DateTime<Utc>,
) -> Result<bool, DbError> {
    let target = campaigns::table
        .filter(campaigns::id.eq(id))
        .filter(campaigns::status.eq_any(from));
    let n = match to {
        OPEN => diesel::update(target)
            .set((
                campaigns::status.eq(to),
                campaigns::opened_at.eq(stored_time(at)),
            ))
            .execute(conn)?,
        CLOSED => diesel::update(target)
            .set((
                campaigns::status.eq(to),
                campaigns::closed_at.eq(stored_time(at)),
                campaigns::in_grace.eq(false),
            ))
            .execute(conn)?,
        _ => diesel::update(target)
            .set(campaigns::status.eq(to))
            .execute(conn)?,
    };
    Ok(n > 0)
}

/// Closes a campaign in one of `from` for now: it may be reopened while in grace. Returns
/// whether it closed.
pub fn close_in_grace(
    conn: &mut AnyConnection,
    id: &str,
    from: &[&str],
    at: DateTime<Utc>,
) -> Result<bool, DbError> {
    let n = diesel::update(
        campaigns::table
            .filter(campaigns::id.eq(id))
            .filter(campaigns::status.eq_any(from)),
    )
    .set((
        campaigns::status.eq(CLOSED),
        campaigns::closed_at.eq(stored_time(at)),
        campaigns::in_grace.eq(true),
    ))
    .execute(conn)?;
    Ok(n > 0)
}

/// Reopens a campaign closed in grace at or after `since`; returns whether it reopened.
pub fn reopen(conn: &mut AnyConnection, id: &str, since: DateTime<Utc>) -> Result<bool, DbError> {
    let n = diesel::update(
        campaigns::table
            .filter(campaigns::id.eq(id))
            .filter(campaigns::status.eq(CLOSED))
            .filter(campaigns::in_grace.eq(true))
            .filter(campaigns::closed_at.ge(stored_time(since))),
    )
    .set((
        campaigns::status.eq(OPEN),
        campaigns::closed_at.eq(None::<String>),
        campaigns::in_grace.eq(false),
    ))
    .execute(conn)?;
    Ok(n > 0)
}

/// Campaigns whose closing became final before now: closed in grace before `closed_before`.
pub fn grace_over(
    conn: &mut AnyConnection,
    closed_before: DateTime<Utc>,
) -> Result<Vec<Campaign>, DbError> {
    Ok(campaigns::table
        .filter(campaigns::status.eq(CLOSED))
        .filter(campaigns::in_grace.eq(true))
        .filter(campaigns::closed_at.lt(stored_time(closed_before)))
        .order(campaigns::id)
        .select(Campaign::as_select())
        .load(conn)?)
}

/// Makes a closing final, if it was still in grace; returns whether this call did.
pub fn make_final(conn: &mut AnyConnection, id: &str) -> Result<bool, DbError> {
    let n = diesel::update(
        campaigns::table
            .filter(campaigns::id.eq(id))
            .filter(campaigns::status.eq(CLOSED))
            .filter(campaigns::in_grace.eq(true)),
    )
    .set(campaigns::in_grace.eq(false))
    .execute(conn)?;
    Ok(n > 0)
}

/// A campaign's list, by name.
pub fn respondents(
    conn: &mut AnyConnection,
    campaign_id: &str,
) -> Result<Vec<Respondent>, DbError> {
    let rows: Vec<Row> = respondents::table
        .filter(respondents::campaign_id.eq(campaign_id))
        .order((respondents::name, respondents::id))
        .select(Row::as_select())
        .load(conn)?;
    Ok(rows.into_iter().map(Row::into_respondent).collect())
}

/// Adds people to a list (the caller checked them, in the same transaction).
pub fn add_respondents(
    conn: &mut AnyConnection,
    campaign_id: &str,
    people: &[NewRespondent],
) -> Result<(), DbError> {
    for p in people {
        diesel::insert_into(respondents::table)
            .values((
                respondents::id.eq(uuid::Uuid::new_v4().to_string()),
                respondents::campaign_id.eq(campaign_id),
                respondents::name.eq(&p.name),
                respondents::group_code.eq(&p.group),
                respondents::unit_code.eq(&p.unit),
                respondents::contact.eq(&p.contact),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// Gives one person a new link, the one whose token hashes to `token_hash` (the token is
/// stored nowhere), replacing and so invalidating any earlier one, whose hash is kept among the
/// replaced links of the campaign. Returns whether the person got it: not when they have
/// answered.
pub fn issue(
    conn: &mut AnyConnection,
    respondent_id: &str,
    token_hash: &str,
    at: DateTime<Utc>,
) -> Result<bool, DbError> {
    let earlier: Option<(String, Option<String>)> = respondents::table
        .filter(respondents::id.eq(respondent_id))
        .filter(respondents::answered.eq(false))
        .select((respondents::campaign_id, respondents::token_hash))
        .first(conn)
        .optional()?;
    if let Some((campaign, Some(old))) = earlier {
        diesel::insert_into(replaced_links::table)
            .values((
                replaced_links::token_hash.eq(old),
                replaced_links::campaign_id.eq(campaign),
            ))
            .execute(conn)?;
    }
    let n = diesel::update(
        respondents::table
            .filter(respondents::id.eq(respondent_id))
            .filter(respondents::answered.eq(false)),
    )
    .set((
        respondents::token_hash.eq(token_hash),
        respondents::issued_at.eq(stored_time(at)),
        respondents::revoked_at.eq(None::<String>),
    ))
    .execute(conn)?;
    Ok(n > 0)
}

/// Revokes one person's link; returns whether there was one to revoke.
pub fn revoke(
    conn: &mut AnyConnection,
    respondent_id: &str,
    at: DateTime<Utc>,
) -> Result<bool, DbError> {
    let n = diesel::update(
        respondents::table
            .filter(respondents::id.eq(respondent_id))
            .filter(respondents::token_hash.is_not_null())
            .filter(respondents::revoked_at.is_null())
            .filter(respondents::answered.eq(false)),
    )
    .set(respondents::revoked_at.eq(stored_time(at)))
    .execute(conn)?;
    Ok(n > 0)
}

/// The respondent of a campaign, by id.
pub fn respondent(
    conn: &mut AnyConnection,
    campaign_id: &str,
    respondent_id: &str,
) -> Result<Option<Respondent>, DbError> {
    let row: Option<Row> = respondents::table
        .filter(respondents::campaign_id.eq(campaign_id))
        .filter(respondents::id.eq(respondent_id))
        .select(Row::as_select())
        .first(conn)
        .optional()?;
    Ok(row.map(Row::into_respondent))
}

/// What a link opens: the person's group, and the state of the link and of its campaign.
#[derive(Debug, Clone, PartialEq)]
pub struct Link {
    pub group: String,
    pub revoked: bool,
    pub answered: bool,
    pub campaign: Campaign,
}

/// The link whose token hashes to `token_hash`.
pub fn by_token(conn: &mut AnyConnection, token_hash: &str) -> Result<Option<Link>, DbError> {
    let row: Option<(String, Option<String>, bool, Campaign)> = respondents::table
        .inner_join(campaigns::table)
        .filter(respondents::token_hash.eq(token_hash))
        .select((
            respondents::group_code,
            respondents::revoked_at,
            respondents::answered,
            Campaign::as_select(),
        ))
        .first(conn)
        .optional()?;
    Ok(row.map(|(group, revoked, answered, campaign)| Link {
        group,
        revoked: revoked.is_some(),
        answered,
        campaign,
    }))
}

/// The campaign of a link replaced by a newer one, if the token hashing to `token_hash` was one.
pub fn replaced(conn: &mut AnyConnection, token_hash: &str) -> Result<Option<Campaign>, DbError> {
    Ok(replaced_links::table
        .inner_join(campaigns::table)
        .filter(replaced_links::token_hash.eq(token_hash))
        .select(Campaign::as_select())
        .first(conn)
        .optional()?)
}

/// Marks the person behind the link whose token hashes to `token_hash` as having answered (a
/// flag, no day), if the link is unused, not revoked and its campaign open — in one statement,
/// so that of two submissions racing only one succeeds. Returns whether this call marked it.
pub fn consume(conn: &mut AnyConnection, token_hash: &str) -> Result<bool, DbError> {
    let open = campaigns::table
        .filter(campaigns::status.eq(OPEN))
        .select(campaigns::id);
    let n = diesel::update(
        respondents::table
            .filter(respondents::token_hash.eq(token_hash))
            .filter(respondents::answered.eq(false))
            .filter(respondents::revoked_at.is_null())
            .filter(respondents::campaign_id.eq_any(open)),
    )
    .set(respondents::answered.eq(true))
    .execute(conn)?;
    Ok(n > 0)
}

/// Undoes [`consume`] when the answer is known not to have been stored.
pub fn release(conn: &mut AnyConnection, token_hash: &str) -> Result<(), DbError> {
    diesel::update(respondents::table.filter(respondents::token_hash.eq(token_hash)))
        .set(respondents::answered.eq(false))
        .execute(conn)?;
    Ok(())
}

/// Inside the writer's transaction: whether an answer through a link to `survey`, `period` and
/// `unit` is to stay sealed, that is whether a campaign of them is open. PostgreSQL keeps
/// those campaign rows share-locked until the answer commits, so a close waits for it and
/// then finds it among the sealed answers to count; a close that came first is seen as such.
pub fn sealing(
    conn: &mut AnyConnection,
    survey: &str,
    period: i32,
    unit: &str,
) -> Result<bool, DbError> {
    let q = campaigns::table
        .filter(campaigns::survey_id.eq(survey))
        .filter(campaigns::period.eq(period))
        .filter(campaigns::unit_code.eq(unit))
        .filter(campaigns::status.eq(OPEN))
        .order(campaigns::id)
        .select(campaigns::id);
    let open: Vec<String> = match conn {
        AnyConnection::Sqlite(c) => q.load(c)?,
        AnyConnection::Postgresql(c) => q.for_share().load(c)?,
    };
    Ok(!open.is_empty())
}

/// Inside a write transaction, before a campaign closes: locks every campaign of its survey,
/// period and unit (PostgreSQL; SQLite's write transaction already excludes other writers),
/// so that two closing at once see each other's close; returns how many of them stay open, or
/// closed in grace (their answers still sealed), besides `id`.
pub fn others_open(conn: &mut AnyConnection, c: &Campaign) -> Result<usize, DbError> {
    let q = campaigns::table
        .filter(campaigns::survey_id.eq(&c.survey_id))
        .filter(campaigns::period.eq(c.period))
        .filter(campaigns::unit_code.eq(&c.unit_code))
        .order(campaigns::id)
        .select((campaigns::id, campaigns::status, campaigns::in_grace));
    let rows: Vec<(String, String, bool)> = match conn {
        AnyConnection::Sqlite(c) => q.load(c)?,
        AnyConnection::Postgresql(c) => q.for_update().load(c)?,
    };
    Ok(rows
        .iter()
        .filter(|(other, status, grace)| *other != c.id && (status == OPEN || *grace))
        .count())
}
