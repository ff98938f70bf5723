//! Reading the audit trail: what a supervisor asked for, within what they may see.

use crate::db::audit;
use crate::db::auth::User;
use crate::db::DbError;
use crate::features::admin::service::users_seen_by;
use crate::state::AppState;

/// Entries shown on one page of the audit trail.
pub const PAGE: i64 = 500;

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// The users a unit's supervisor may see could not be read.
    #[error("the users seen could not be read")]
    Users,
    #[error(transparent)]
    Db(#[from] DbError),
}

/// What the reader asked for, as typed: a blank field, or a day that is no day, asks nothing.
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize)]
pub struct Asked {
    pub actor: Option<String>,
    /// Actions starting with this ("paper." for every paper entry).
    pub action: Option<String>,
    pub form: Option<String>,
    /// Days, YYYY-MM-DD.
    pub from: Option<String>,
    pub to: Option<String>,
}

impl Asked {
    /// Only what asks something: trimmed, blanks and malformed days dropped.
    fn cleaned(self) -> Asked {
        let some = |s: Option<String>| s.map(|s| s.trim().to_string()).filter(|s| !s.is_empty());
        let day = |s: Option<String>| {
            some(s)
                .and_then(|d| crate::text::format::typed_day(&d))
                .map(|d| d.format("%Y-%m-%d").to_string())
        };
        Asked {
            actor: some(self.actor),
            action: some(self.action),
            form: some(self.form),
            from: day(self.from),
            to: day(self.to),
        }
    }
}

/// One entry of the trail.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub detail: String,
    pub form_id: Option<String>,
}

/// The newest entries matching what was asked, at most [`PAGE`].
#[derive(Debug, Clone)]
pub struct Trail {
    pub asked: Asked,
    pub entries: Vec<Entry>,
    /// How many entries a page holds: as many as that means there are older ones.
    pub limit: i64,
}

pub fn trail(state: &AppState, user: &User, asked: Asked) -> Result<Trail, AuditError> {
    let asked = asked.cleaned();
    // A unit's supervisor reads what the users of their unit and the units below it did.
    let actors = match user.unit {
        Some(_) => Some(
            users_seen_by(state, user)
                .map_err(|_| AuditError::Users)?
                .into_iter()
                .map(|u| u.username)
                .collect(),
        ),
        None => None,
    };
    let filter = audit::Filter {
        actor: asked.actor.clone(),
        action: asked.action.clone(),
        form_id: asked.form.clone(),
        from: asked.from.clone(),
        to: asked.to.clone(),
        actors,
    };
    let entries = state
        .db_blocking(|conn| audit::search(conn, &filter, PAGE))?
        .into_iter()
        .map(|e| Entry {
            at: e.at,
            actor: e.actor,
            action: e.action,
            detail: e.detail,
            form_id: e.form_id,
        })
        .collect();
    Ok(Trail {
        asked,
        entries,
        limit: PAGE,
    })
}
