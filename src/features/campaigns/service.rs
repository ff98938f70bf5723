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

use crate::db::campaigns::{
    self as rows, Campaign, NewRespondent, Respondent, CLOSED, DRAFT, OPEN,
};
use crate::db::{audit, now, write_transaction, AnyConnection, DbError};
use crate::features::Actor;
use crate::state::AppState;
use crate::survey::{Survey, Unit};
use crate::text::FieldProblem;
use crate::text::Text;
use serde_json::json;
use std::collections::{BTreeMap, HashMap};
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
    let unit = if new.unit.trim().is_empty() {
        city(state).ok_or_else(|| {
            invalid(
                "unit",
                "không tìm thấy đơn vị cấp thành phố",
                "no city-level unit was found",
            )
        })?
    } else {
        let code = new.unit.trim();
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
        u
    };
    let title = match new.title.trim() {
        "" => format!("{} – năm {}", survey.title, new.period),
        t => t.to_string(),
    };
    if title.chars().count() > 200 {
        return Err(invalid(
            "title",
            "tên đợt khảo sát dài quá 200 ký tự",
            "the campaign title is longer than 200 characters",
        ));
    }
    let organiser = match new.organiser.trim() {
        "" => DEFAULT_ORGANISER.to_string(),
        o => o.to_string(),
    };
    if organiser.chars().count() > 300 {
        return Err(invalid(
            "organiser",
            "tên cơ quan tổ chức dài quá 300 ký tự",
            "the organiser's name is longer than 300 characters",
        ));
    }
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
    };
    let people = match list {
        Some(source) => {
            check_list(state, survey, source, &[], false).map_err(CampaignError::Rows)?
        }
        None => Vec::new(),
    };
    state.db_blocking(|conn| {
        write_transaction(conn, |c| {
            rows::insert(c, &campaign)?;
            rows::add_respondents(c, &campaign.id, &people)?;
            let detail = json!({"campaign": campaign.id, "survey": campaign.survey_id,
                "period": campaign.period, "unit": campaign.unit_code, "respondents": people.len()});
            audit::record(c, actor, "campaign.create", &detail.to_string())?;
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
    pub campaign: Campaign,
    pub invited: i64,
    /// Answered, when at least [`MIN_CELL`].
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
                campaign: c,
                invited: count(people.len()),
                answered: shown(count(answered)),
            });
        }
        Ok(out)
    })
}

fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// A count of answers as a breakdown may show it.
pub fn shown(n: i64) -> Option<i64> {
    (n >= MIN_CELL).then_some(n)
}

fn key(name: &str, unit: &str) -> (String, String) {
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    (name.to_lowercase(), unit.to_string())
}

fn find_group<'a>(survey: &'a Survey, given: &str) -> Option<&'a str> {
    let g = given.trim().to_lowercase();
    survey
        .groups
        .iter()
        .find(|c| c.code.to_lowercase() == g || c.label.to_lowercase() == g)
        .map(|c| c.code.as_str())
}

fn find_unit<'a>(state: &'a AppState, given: &str) -> Option<&'a Unit> {
    let g = given.trim();
    state.units.get(g).or_else(|| {
        let lower = g.to_lowercase();
        let today = state.clock.today();
        state
            .units
            .units
            .iter()
            .find(|u| u.name.to_lowercase() == lower && state.units.valid_on(u, today))
    })
}

/// Checks one person; `line` names the row in messages.
fn check_person(
    state: &AppState,
    survey: &Survey,
    line: u64,
    fields: [&str; 4],
) -> Result<NewRespondent, Vec<RowError>> {
    let [name, group, unit, contact] = fields.map(str::trim);
    let err = |field: &str, message: String| RowError {
        line,
        field: field.into(),
        message,
    };
    let mut errors = Vec::new();
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        errors.push(err("name", "thiếu họ tên".into()));
    } else if name.chars().count() > 200 {
        errors.push(err("name", "họ tên dài quá 200 ký tự".into()));
    }
    let group_code = find_group(survey, group);
    if group_code.is_none() {
        let known: Vec<String> = survey
            .groups
            .iter()
            .map(|g| format!("{} ({})", g.code, g.label))
            .collect();
        errors.push(err(
            "group",
            if group.is_empty() {
                format!("thiếu nhóm; các nhóm: {}", known.join(", "))
            } else {
                format!("không có nhóm “{group}”; các nhóm: {}", known.join(", "))
            },
        ));
    }
    let unit_code = match find_unit(state, unit) {
        Some(u) if state.units.valid_on(u, state.clock.today()) => Some(u.code.clone()),
        Some(u) => {
            errors.push(err(
                "unit",
                format!("{} ({}) không còn là đơn vị hiện nay", u.name, u.code),
            ));
            None
        }
        None if unit.is_empty() => {
            errors.push(err("unit", "thiếu đơn vị công tác (mã đơn vị)".into()));
            None
        }
        None => {
            errors.push(err("unit", format!("không có đơn vị “{unit}”")));
            None
        }
    };
    if contact.chars().count() > 200 {
        errors.push(err("contact", "thông tin liên hệ dài quá 200 ký tự".into()));
    }
    match (group_code, unit_code) {
        (Some(g), Some(u)) if errors.is_empty() => Ok(NewRespondent {
            name,
            group: g.to_string(),
            unit: u,
            contact: contact.to_string(),
        }),
        _ => Err(errors),
    }
}

/// Where a respondent list comes from: text pasted into the page, or a CSV or XLSX file.
#[derive(Debug, Clone, Copy)]
pub enum ListSource<'a> {
    Text(&'a str),
    File {
        path: &'a std::path::Path,
        name: &'a str,
    },
}

impl ListSource<'_> {
    /// The list's rows, header first, numbered as a spreadsheet numbers them. Pasted text is
    /// read as a file would be, so a list copied out of Excel (tab-separated) reads too.
    fn rows(self) -> Result<Vec<(u64, Vec<String>)>, Vec<RowError>> {
        // A file the reader refuses (its format, a limit) is said in both languages.
        let unreadable = |p: crate::features::import::service::Problem| {
            vec![RowError {
                line: 1,
                field: "file".into(),
                message: format!("{} — {}", p.vi, p.en),
            }]
        };
        // A list has four columns (a few more are ignored) and at most MAX_RESPONDENTS people;
        // blank rows count too, so twice that many rows are read before a list is refused.
        let limits = crate::features::import::read::Limits::new(64, 2 * MAX_RESPONDENTS as u64);
        match self {
            ListSource::File { path, name } => {
                crate::features::import::service::table_rows(path, name, &limits)
                    .map_err(unreadable)
            }
            ListSource::Text(text) => {
                let unwritable = |e: std::io::Error| {
                    vec![RowError {
                        line: 1,
                        field: "list".into(),
                        message: format!("không ghi được danh sách tạm ({e}); xin thử lại"),
                    }]
                };
                let mut tmp = tempfile::NamedTempFile::new().map_err(unwritable)?;
                std::io::Write::write_all(&mut tmp, text.trim().as_bytes()).map_err(unwritable)?;
                crate::features::import::service::table_rows(tmp.path(), "danh sách", &limits)
                    .map_err(unreadable)
            }
        }
    }
}

/// Checks a respondent list with the header `name,group,unit,contact` (in any order, CSV or
/// XLSX): every problem of every row, or the people to add. A person already on the list
/// (`existing`) or twice in the file is an error; so is any row when the campaign is closed.
pub fn check_list(
    state: &AppState,
    survey: &Survey,
    source: ListSource,
    existing: &[Respondent],
    closed: bool,
) -> Result<Vec<NewRespondent>, Vec<RowError>> {
    let header_error = |message: String| {
        vec![RowError {
            line: 1,
            field: "header".into(),
            message,
        }]
    };
    let mut rows = source.rows()?.into_iter();
    let headers: Vec<String> = rows
        .next()
        .map(|(_, cells)| cells.into_iter().map(|c| c.trim().to_string()).collect())
        .ok_or_else(|| {
            header_error("danh sách trống: dòng đầu phải là tiêu đề name,group,unit,contact".into())
        })?;
    let column = |name: &str| headers.iter().position(|h| h.eq_ignore_ascii_case(name));
    let (Some(ni), Some(gi), Some(ui)) = (column("name"), column("group"), column("unit")) else {
        return Err(header_error(format!(
            "dòng đầu phải là tiêu đề name,group,unit,contact (đang là “{}”)",
            headers.join(",")
        )));
    };
    let ci = column("contact");
    let mut seen: HashMap<(String, String), u64> = HashMap::new();
    let on_list: HashMap<(String, String), &Respondent> = existing
        .iter()
        .map(|r| (key(&r.name, &r.unit), r))
        .collect();
    let mut people = Vec::new();
    let mut errors = Vec::new();
    for (line, record) in rows {
        let record: Vec<&str> = record.iter().map(|c| c.trim()).collect();
        if record.iter().all(|c| c.is_empty()) {
            continue;
        }
        if people.len() + errors.len() >= MAX_RESPONDENTS {
            errors.push(RowError {
                line,
                field: "row".into(),
                message: format!("một danh sách có nhiều nhất {MAX_RESPONDENTS} người"),
            });
            break;
        }
        if closed {
            errors.push(RowError {
                line,
                field: "row".into(),
                message: "đợt khảo sát đã đóng, không thêm người được nữa".into(),
            });
            continue;
        }
        let get = |i: Option<usize>| i.and_then(|i| record.get(i).copied()).unwrap_or("");
        match check_person(
            state,
            survey,
            line,
            [get(Some(ni)), get(Some(gi)), get(Some(ui)), get(ci)],
        ) {
            Ok(p) => {
                let k = key(&p.name, &p.unit);
                if let Some(first) = seen.get(&k) {
                    errors.push(RowError {
                        line,
                        field: "name".into(),
                        message: format!("“{}” ({}) trùng với dòng {first}", p.name, p.unit),
                    });
                } else if on_list.contains_key(&k) {
                    errors.push(RowError {
                        line,
                        field: "name".into(),
                        message: format!("“{}” ({}) đã có trong danh sách", p.name, p.unit),
                    });
                } else {
                    seen.insert(k, line);
                    people.push(p);
                }
            }
            Err(mut e) => errors.append(&mut e),
        }
    }
    if errors.is_empty() && people.is_empty() {
        errors.push(RowError {
            line: 2,
            field: "row".into(),
            message: "danh sách không có ai".into(),
        });
    }
    if errors.is_empty() {
        Ok(people)
    } else {
        Err(errors)
    }
}

fn survey_of<'a>(state: &'a AppState, c: &Campaign) -> Result<&'a Survey, CampaignError> {
    state.catalog.get(&c.survey_id).ok_or_else(|| {
        CampaignError::Refused(format!(
            "phiếu khảo sát “{}” của đợt này không còn được nạp",
            c.survey_id
        ))
    })
}

/// Adds the people of a CSV list; all or nothing. Returns how many were added.
pub fn add_list(
    state: &AppState,
    actor: impl Into<Actor>,
    id: &str,
    source: ListSource,
) -> Result<usize, CampaignError> {
    let actor = citywide(actor)?;
    add(state, &actor.name, id, |state, survey, existing, closed| {
        check_list(state, survey, source, existing, closed)
    })
}

/// Adds one person typed in by hand.
pub fn add_one(
    state: &AppState,
    actor: impl Into<Actor>,
    id: &str,
    person: &NewRespondent,
) -> Result<usize, CampaignError> {
    let actor = citywide(actor)?;
    add(state, &actor.name, id, |state, survey, existing, closed| {
        if closed {
            return Err(vec![RowError {
                line: 1,
                field: "row".into(),
                message: "đợt khảo sát đã đóng, không thêm người được nữa".into(),
            }]);
        }
        let p = check_person(
            state,
            survey,
            1,
            [&person.name, &person.group, &person.unit, &person.contact],
        )?;
        if existing
            .iter()
            .any(|r| key(&r.name, &r.unit) == key(&p.name, &p.unit))
        {
            return Err(vec![RowError {
                line: 1,
                field: "name".into(),
                message: format!("“{}” ({}) đã có trong danh sách", p.name, p.unit),
            }]);
        }
        Ok(vec![p])
    })
}

fn add(
    state: &AppState,
    actor: &str,
    id: &str,
    check: impl FnOnce(
        &AppState,
        &Survey,
        &[Respondent],
        bool,
    ) -> Result<Vec<NewRespondent>, Vec<RowError>>,
) -> Result<usize, CampaignError> {
    state.db_blocking(|conn| {
        write_transaction(conn, |c| {
            let campaign = rows::get(c, id)?.ok_or(CampaignError::NotFound)?;
            let survey = survey_of(state, &campaign)?;
            let existing = rows::respondents(c, id)?;
            let people = check(state, survey, &existing, campaign.status == CLOSED)
                .map_err(CampaignError::Rows)?;
            rows::add_respondents(c, id, &people)?;
            let detail = json!({"campaign": id, "added": people.len()});
            audit::record(c, actor, "campaign.respondents", &detail.to_string())?;
            Ok(people.len())
        })
    })
}

/// Opens a draft campaign: its links work from now on.
pub fn open(
    state: &AppState,
    actor: impl Into<Actor>,
    id: &str,
) -> Result<Campaign, CampaignError> {
    let actor = citywide(actor)?;
    let campaign = get(state, id)?;
    // An answer counts under today: today must fit the campaign's period.
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
    transition(
        state,
        &actor.name,
        &campaign,
        &[DRAFT],
        OPEN,
        "campaign.open",
    )
}

/// Closes a campaign: its links stop working and no one can be added. Its answers, sealed
/// while it was open, are counted in the same transaction, all at once — unless another
/// campaign of the same survey, period and unit is still open: answers through links to them
/// are indistinguishable, so they stay sealed until the last of those closes. Closing is
/// final: a closed campaign is never opened again.
pub fn close(
    state: &AppState,
    actor: impl Into<Actor>,
    id: &str,
) -> Result<Campaign, CampaignError> {
    let actor = citywide(actor)?;
    let campaign = get(state, id)?;
    transition(
        state,
        &actor.name,
        &campaign,
        &[DRAFT, OPEN],
        CLOSED,
        "campaign.close",
    )
}

/// Inside the closing transaction: counts the sealed answers once no campaign holds them.
fn unseal_on_close(
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
    from: &[&str],
    to: &str,
    action: &str,
) -> Result<Campaign, CampaignError> {
    let id = campaign.id.clone();
    state.db_blocking(|conn| {
        write_transaction(conn, |c| {
            if to == CLOSED {
                // Locks the campaigns of the same survey, period and unit first.
                rows::others_open(c, campaign)?;
            }
            if !rows::set_status(c, &id, from, to)? {
                return Err(CampaignError::Refused(format!(
                    "đợt khảo sát đang ở trạng thái “{}”, không chuyển sang “{}” được",
                    status_label(&campaign.status),
                    status_label(to)
                )));
            }
            if to == CLOSED {
                unseal_on_close(state, c, campaign)?;
            }
            audit::record(c, actor, action, &json!({"campaign": id}).to_string())?;
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

/// A link just issued: shown once, stored nowhere.
#[derive(Debug, Clone)]
pub struct IssuedLink {
    pub name: String,
    pub group: String,
    pub unit: String,
    pub token: String,
}

/// (Re)issues a link to everyone who has not answered, revoking their earlier ones.
pub fn issue_links(
    state: &AppState,
    actor: impl Into<Actor>,
    id: &str,
) -> Result<(Campaign, Vec<IssuedLink>), CampaignError> {
    let actor = citywide(actor)?;
    let campaign = get(state, id)?;
    if campaign.status == CLOSED {
        return Err(CampaignError::Refused(
            "đợt khảo sát đã đóng: không cấp đường dẫn được nữa".into(),
        ));
    }
    let links = state.db_blocking(|conn| {
        write_transaction(conn, |c| {
            let mut out = Vec::new();
            for p in rows::respondents(c, id)?
                .into_iter()
                .filter(|p| !p.answered)
            {
                if let Some(token) = rows::issue(c, &p.id)? {
                    out.push(IssuedLink {
                        name: p.name,
                        group: p.group,
                        unit: p.unit,
                        token,
                    });
                }
            }
            let detail = json!({"campaign": id, "links": out.len()});
            audit::record(c, &actor.name, "campaign.links", &detail.to_string())?;
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
    let campaign = get(state, id)?;
    if campaign.status == CLOSED {
        return Err(CampaignError::Refused(
            "đợt khảo sát đã đóng: không cấp đường dẫn được nữa".into(),
        ));
    }
    state.db_blocking(|conn| {
        write_transaction(conn, |c| {
            let p = rows::respondent(c, id, respondent)?.ok_or(CampaignError::NotFound)?;
            if p.answered {
                return Err(CampaignError::Refused(format!(
                    "{} đã trả lời: không cần đường dẫn mới",
                    p.name
                )));
            }
            let token = rows::issue(c, &p.id)?.ok_or(CampaignError::NotFound)?;
            let detail = json!({"campaign": id, "respondent": p.id});
            audit::record(c, &actor.name, "campaign.reissue", &detail.to_string())?;
            Ok(IssuedLink {
                name: p.name,
                group: p.group,
                unit: p.unit,
                token,
            })
        })
    })
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
            if !rows::revoke(c, &p.id)? {
                return Err(CampaignError::Refused(format!(
                    "{} không có đường dẫn nào đang dùng được",
                    p.name
                )));
            }
            let detail = json!({"campaign": id, "respondent": p.id});
            audit::record(c, &actor.name, "campaign.revoke", &detail.to_string())?;
            Ok(p)
        })
    })
}

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
    /// Answered, when at least [`MIN_CELL`]; hidden otherwise.
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

/// Response rates by group and by agency: counts only, small cells hidden. No answers by
/// day: who answered is a flag, never a day.
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
                answered: shown(answered),
            })
            .collect::<Vec<_>>()
    };
    let answered = people.iter().filter(|p| p.answered).count();
    Ok(Tracking {
        total: Rate {
            code: String::new(),
            invited: count(people.len()),
            answered: shown(count(answered)),
        },
        by_group: rates(&|p| p.group.clone()),
        by_unit: rates(&|p| p.unit.clone()),
    })
}
