//! Respondent lists: pasted, from a file, or one person typed in; every row checked, all or
//! nothing.

use super::{citywide, CampaignError, RowError, MAX_RESPONDENTS};
use crate::clock::wall_now;
use crate::db::campaigns::{self as rows, Campaign, NewRespondent, Respondent, CLOSED};
use crate::db::{audit, write_transaction};
use crate::features::Actor;
use crate::state::AppState;
use crate::survey::{Survey, Unit};
use crate::text::Lang;
use crate::web::upload::Upload;
use serde_json::json;
use std::collections::HashMap;

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

/// A group given for a campaign of `period` that no longer exists then (the district
/// leaders from 1 July 2025), said with why and the groups of the version to use.
pub(super) fn ended_group(
    state: &AppState,
    survey: &Survey,
    period: i32,
    given: &str,
) -> Option<String> {
    let g = given.trim().to_lowercase();
    let today = state.clock.today();
    let ended = state.catalog.ended_groups_for(survey, period, today);
    let (e, now) = ended
        .into_iter()
        .find(|(e, _)| e.code.to_lowercase() == g || e.label.to_lowercase() == g)?;
    let groups: Vec<String> = now
        .groups
        .iter()
        .map(|c| format!("{} ({})", c.code, c.label))
        .collect();
    Some(format!(
        "nhóm “{}” ({}) không còn: {}; đợt khảo sát năm {period} hỏi các nhóm của phiếu “{}”: {}",
        e.label,
        e.code,
        e.reason,
        now.id,
        groups.join(", ")
    ))
}

/// Checks one person of a campaign for `period`; `line` names the row in messages.
fn check_person(
    state: &AppState,
    survey: &Survey,
    (line, period): (u64, i32),
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
    let ended = ended_group(state, survey, period, group);
    let group_code = find_group(survey, group).filter(|_| ended.is_none());
    if let Some(message) = ended {
        errors.push(err("group", message));
    } else if group_code.is_none() {
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
/// XLSX) for a campaign of `period`: every problem of every row, or the people to add. A
/// person already on the list (`existing`) or twice in the file is an error; so is a group
/// that no longer exists in the period, and any row when the campaign is closed.
pub fn check_list(
    state: &AppState,
    (survey, period): (&Survey, i32),
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
            (line, period),
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
    add(
        state,
        &actor.name,
        id,
        |state, (survey, period), existing, closed| {
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
                (1, period),
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
        },
    )
}

fn add(
    state: &AppState,
    actor: &str,
    id: &str,
    check: impl FnOnce(
        &AppState,
        (&Survey, i32),
        &[Respondent],
        bool,
    ) -> Result<Vec<NewRespondent>, Vec<RowError>>,
) -> Result<usize, CampaignError> {
    state.db_blocking(|conn| {
        write_transaction(conn, |c| {
            let campaign = rows::get(c, id)?.ok_or(CampaignError::NotFound)?;
            let survey = survey_of(state, &campaign)?;
            let existing = rows::respondents(c, id)?;
            let of = (survey, campaign.period);
            let people = check(state, of, &existing, campaign.status == CLOSED)
                .map_err(CampaignError::Rows)?;
            rows::add_respondents(c, id, &people)?;
            let detail = json!({"campaign": id, "added": people.len()});
            audit::record(
                c,
                actor,
                "campaign.respondents",
                &detail.to_string(),
                wall_now(),
            )?;
            Ok(people.len())
        })
    })
}

/// Largest respondent list accepted in one paste or file (about 10,000 people).
pub const LIST_LIMIT: usize = 2 * 1024 * 1024;

/// Adds the people of a list file, checked as a pasted list is; a file too large, missing or
/// empty is refused as a row of the list would be, in the page's language.
pub fn add_list_file(
    state: &AppState,
    actor: impl Into<Actor>,
    id: &str,
    sent: Upload,
    lang: Lang,
) -> Result<usize, CampaignError> {
    let refuse = |message: String| {
        Err(CampaignError::Rows(vec![RowError {
            line: 1,
            field: "file".into(),
            message,
        }]))
    };
    if sent.too_large {
        let mb = LIST_LIMIT / (1024 * 1024);
        return refuse(match lang {
            Lang::Vi => format!("tệp quá lớn: trang này nhận danh sách đến {mb} MB"),
            Lang::En => format!("the file is too large: this page takes lists up to {mb} MB"),
        });
    }
    match sent.file.filter(|_| sent.size > 0) {
        Some((name, file)) => {
            let source = ListSource::File {
                path: file.path(),
                name: &name,
            };
            add_list(state, actor, id, source)
        }
        None => refuse(
            lang.pick(
                "chưa chọn tệp, hoặc tệp trống: hãy chọn một tệp CSV hoặc Excel (.xlsx)",
                "no file chosen, or an empty one: choose a CSV or Excel (.xlsx) file",
            )
            .into(),
        ),
    }
}
