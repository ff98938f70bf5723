//! Campaigns: a survey answered by a list of people through one-time links (the officials'
//! PAR INDEX survey). Admins create a campaign, load its list (CSV `name,group,unit,contact`)
//! or add people by hand, open it, issue links, follow who has not answered, and close it.
//!
//! Anonymity: a link's token is printed once and only its hash is kept; the day a person
//! answered is recorded on their row, apart from the answer, which carries the group and the
//! campaign's unit and nothing else about them. Breakdowns of answers hide cells under
//! [`MIN_CELL`].
//!
//! A campaign spans the city (its people, rates and reminders cover every unit): an actor
//! limited to a unit neither creates nor changes one (`CampaignError::Forbidden`).
//!
//! Every function here blocks on the database: the web layer runs them off its threads.

mod create;
mod grace;
mod links;
mod people;
mod sealing;
mod tracking;

pub use create::{create, get, list, Heading, NewCampaign, Summary};
pub use grace::{finalise_due, reopen, reopen_until};
pub use links::{issue_links, links_csv, reissue, reissue_for_sheet, revoke, IssuedLink};
pub use people::{add_list, add_list_file, add_one, check_list, ListSource, LIST_LIMIT};
pub use sealing::{close, open, status_label};
pub use tracking::{
    overview, reminders, reminders_csv, respondents, tracking, LinkState, Overview, Person, Rate,
    Tracking,
};

use crate::db::DbError;
use crate::features::Actor;
use crate::text::FieldProblem;
use crate::text::Text;
use std::fmt;

/// Breakdowns show a count of answers only from this many up.
pub const MIN_CELL: i64 = 5;
/// Most people one list may hold.
pub const MAX_RESPONDENTS: usize = 20_000;
/// Who runs the survey, unless the admin says otherwise.
pub const DEFAULT_ORGANISER: &str = "Sở Nội vụ thành phố Cần Thơ";

#[derive(Debug, thiserror::Error)]
pub enum CampaignError {
    /// A field of the campaign (survey, period, title…).
    #[error("{0}")]
    Invalid(FieldProblem),
    /// Rows of a respondent list, every problem at once; nothing was stored.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Rows(Vec<RowError>),
    /// The action does not fit the campaign's state.
    #[error("{0}")]
    Refused(String),
    #[error("không có đợt khảo sát này")]
    NotFound,
    /// The actor is limited to a unit; campaigns span the city.
    #[error("{}", .0.en)]
    Forbidden(Text),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl From<diesel::result::Error> for CampaignError {
    fn from(e: diesel::result::Error) -> Self {
        CampaignError::Db(e.into())
    }
}

/// A problem with one row of a respondent list (line 1 is the header).
#[derive(Debug, Clone, PartialEq)]
pub struct RowError {
    pub line: u64,
    pub field: String,
    pub message: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "dòng {}: {}: {}", self.line, self.field, self.message)
    }
}

fn invalid(field: &str, vi: impl Into<String>, en: impl Into<String>) -> CampaignError {
    CampaignError::Invalid(FieldProblem::new(field, vi, en))
}

/// The actor, refused when limited to a unit: a campaign spans the city.
pub fn citywide(actor: impl Into<Actor>) -> Result<Actor, CampaignError> {
    let actor = actor.into();
    if actor.is_scoped() {
        return Err(CampaignError::Forbidden(Text::new(
            "Đợt khảo sát trải trên mọi đơn vị; tài khoản giới hạn trong một đơn vị không xem và không thay đổi được. Xin liên hệ quản trị viên nếu cần.",
            "Campaigns span every unit; an account limited to one unit can neither see nor change them. Ask an administrator if you need to.",
        )));
    }
    Ok(actor)
}
