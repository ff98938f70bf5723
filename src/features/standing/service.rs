//! Where the city stands: the PAR INDEX this year, every index's chance of the top 20, the
//! gaps by owner, and the values owners enter for criteria no survey measures.

use crate::db::auth::{Role, User};
use crate::db::DbError;
use crate::report::{self, ParReport, ReportError, ScoreQuery};
use crate::scoring::Scores;
use crate::state::AppState;
use crate::text::FieldProblem;
use rust_decimal::Decimal;

/// One survey's scores beside the PAR INDEX.
#[derive(Debug, Clone)]
pub struct Scored {
    pub survey: String,
    pub title: String,
    /// The English title, where the definition gives one.
    pub title_en: Option<String>,
    pub instrument: String,
    pub scores: Scores,
}

/// The PAR INDEX report and the scores of every other survey, for one query.
#[derive(Debug, Clone)]
pub struct Standing {
    pub par: ParReport,
    pub surveys: Vec<Scored>,
}

pub async fn standing(state: &AppState, q: ScoreQuery) -> Result<Standing, ReportError> {
    let st = state.clone();
    state
        .db(move |conn| {
            let tree = st.trees.first().ok_or(ReportError::NoParTree)?;
            let par = report::par_report(
                conn,
                &st.catalog,
                &st.units,
                tree,
                st.plan.as_ref().as_ref(),
                &q,
                st.settings.min_cell,
            )?;
            let mut surveys = Vec::new();
            for s in st.catalog.surveys.values() {
                if s.instrument == "parindex" {
                    continue;
                }
                let scores = report::scores(
                    conn,
                    &st.catalog,
                    &st.units,
                    &ScoreQuery {
                        survey: s.id.clone(),
                        ..q.clone()
                    },
                    st.settings.min_cell,
                )?;
                surveys.push(Scored {
                    survey: s.id.clone(),
                    title: s.title.clone(),
                    title_en: s.title_en.clone(),
                    instrument: s.instrument.clone(),
                    scores,
                });
            }
            Ok(Standing { par, surveys })
        })
        .await
}

#[derive(Debug, thiserror::Error)]
pub enum EntryError {
    #[error("{0}")]
    Invalid(FieldProblem),
    #[error("not the owner of this criterion")]
    Forbidden,
    #[error("unknown criterion")]
    NotFound,
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Whether `user` may enter values for a criterion owned by `owner`: the city's admins for
/// every criterion; surveyors, supervisors and admins scoped to the unit of an agency the
/// owner names (an admin limited to a unit is no admin of the city's criteria).
pub fn may_enter(state: &AppState, user: &User, owner: &str) -> bool {
    if user.role == Role::Admin && user.unit.is_none() {
        return true;
    }
    if user.role < Role::Surveyor {
        return false;
    }
    let (Some(unit), Some(plan)) = (user.unit.as_deref(), state.plan.as_ref().as_ref()) else {
        return false;
    };
    plan.split_owner(owner)
        .0
        .iter()
        .any(|a| a.unit.as_deref() == Some(unit))
}

/// The form as posted.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct EntryForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub period: String,
    #[serde(default)]
    pub points: String,
    #[serde(default)]
    pub evidence: String,
}

pub const EVIDENCE_MAX: usize = 2000;

/// Checks and stores an entry (with its audit line); nothing is stored on any error.
pub async fn enter(
    state: &AppState,
    user: &User,
    criterion: &str,
    form: &EntryForm,
) -> Result<(), EntryError> {
    let tree = state.trees.first().ok_or(EntryError::NotFound)?;
    let c = tree
        .criteria
        .iter()
        .find(|c| c.code == criterion)
        .filter(|c| matches!(c.method.as_str(), "appraisal" | "socioeconomic"))
        .ok_or(EntryError::NotFound)?;
    if !may_enter(state, user, &c.owner) {
        return Err(EntryError::Forbidden);
    }
    let invalid =
        |f: &str, vi: String, en: String| EntryError::Invalid(FieldProblem::new(f, vi, en));
    let period: i32 = form
        .period
        .trim()
        .parse()
        .ok()
        .filter(|p| (2000..=2100).contains(p))
        .ok_or_else(|| {
            invalid(
                "period",
                "Năm đánh giá phải là một năm, ví dụ 2025.".into(),
                "The year assessed must be a year, e.g. 2025.".into(),
            )
        })?;
    let text = form.points.trim().replace(',', ".");
    let points: Decimal = text.parse().map_err(|_| {
        invalid(
            "points",
            format!(
                "Điểm “{}” không phải là một số (ví dụ 1,25).",
                form.points.trim()
            ),
            format!(
                "“{}” is not a number of points (e.g. 1.25).",
                form.points.trim()
            ),
        )
    })?;
    let max = c.max.unwrap_or(Decimal::ONE_HUNDRED);
    if points < Decimal::ZERO || points > max || points.scale() > 4 {
        return Err(invalid(
            "points",
            format!(
                "Điểm phải từ 0 đến {} (điểm tối đa của tiêu chí {}), tối đa 4 chữ số thập phân.",
                max.to_string().replace('.', ","),
                c.code
            ),
            format!(
                "Points must be from 0 to {} (the maximum of criterion {}), with at most 4 decimals.",
                max, c.code
            ),
        ));
    }
    let evidence = form.evidence.trim();
    if evidence.chars().count() < 5 {
        return Err(invalid(
            "evidence",
            "Xin ghi căn cứ của điểm (văn bản, số liệu, nơi lưu), ít nhất 5 ký tự.".into(),
            "Write what the points rest on (documents, figures, where they are kept), at least 5 characters.".into(),
        ));
    }
    if evidence.chars().count() > EVIDENCE_MAX {
        return Err(invalid(
            "evidence",
            format!("Căn cứ dài quá {EVIDENCE_MAX} ký tự; xin tóm tắt và ghi nơi lưu văn bản."),
            format!("The evidence is longer than {EVIDENCE_MAX} characters; summarise it and say where the documents are kept."),
        ));
    }
    let (tree_id, code, by) = (tree.id.clone(), c.code.clone(), user.username.clone());
    let points = format!("{:.4}", points);
    let evidence = evidence.to_string();
    state
        .db(move |conn| {
            crate::db::par_entries::add(conn, &tree_id, period, &code, &points, &evidence, &by)
        })
        .await?;
    Ok(())
}

/// Every entry of a criterion in a period, oldest first.
pub async fn history(
    state: &AppState,
    criterion: &str,
    period: i32,
) -> Result<Vec<crate::db::par_entries::Entry>, DbError> {
    let Some(tree) = state.trees.first() else {
        return Ok(Vec::new());
    };
    let (id, code) = (tree.id.clone(), criterion.to_string());
    state
        .db(move |conn| {
            Ok(crate::db::par_entries::history(conn, &id, period)?
                .into_iter()
                .filter(|e| e.criterion == code)
                .collect())
        })
        .await
}
