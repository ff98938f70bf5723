//! The import page's use case: an upload as sent (its fields and file) imported for the
//! signed-in supervisor, and what the page then shows.

use super::kept;
use super::options::{Entry, Forms, ImportOptions};
use super::report::{ImportError, ImportReport, Quiet};
use super::run::import_file;
use crate::db::auth::User;
use crate::db::DbError;
use crate::features::submit::SubmitError;
use crate::state::AppState;
use crate::text::Lang;
use crate::web::upload::Upload;

/// What happened to the last upload.
pub enum Outcome {
    /// Stored (all of it, or the good rows), with the link to the rejected rows.
    Stored(Box<ImportReport>, Option<String>),
    /// Problems found: nothing stored.
    Refused(Box<ImportReport>),
    /// The file could not be read, or was not sent as it should be: what to do, in the
    /// page's language.
    Unreadable(String),
    /// The file begins like an earlier import: nothing stored until the importer says whether
    /// it holds the same forms or new ones.
    SameOpening(Box<Again>),
}

/// A stopped upload, to send again with a choice: the message and the fields it was sent with.
pub struct Again {
    pub message: String,
    pub survey: String,
    pub period: String,
    pub mode: String,
    pub batch: String,
}

/// The batches `user` may import into as keyed once: id and a label naming survey and unit.
pub fn batch_choices(state: &AppState, user: &User) -> Result<Vec<(String, String)>, DbError> {
    let scope = user.unit.as_ref().map(|u| state.units.subtree(u));
    let all = state.db_blocking(|conn| crate::db::paper::batches(conn, None, None))?;
    Ok(all
        .into_iter()
        .filter(|b| scope.as_ref().is_none_or(|s| s.contains(&b.unit_code)))
        .map(|b| {
            let unit = state
                .units
                .get(&b.unit_code)
                .map_or(b.unit_code.clone(), |u| u.name.clone());
            let label = format!("{} — {} · {} · {}", b.label, b.survey_id, unit, b.period);
            (b.id, label)
        })
        .collect())
}

/// Imports what was sent from the page for `user`: a file too large, missing, empty or with
/// a period that is no year is refused before it is read; rejected rows (when the importer
/// chose to skip them) are kept for the user to download for a day.
pub fn upload(
    state: &AppState,
    user: &User,
    lang: Lang,
    sent: Upload,
) -> Result<Outcome, ImportError> {
    let refuse = |vi: String, en: String| Ok(Outcome::Unreadable(said(lang, vi, en)));
    if sent.too_large {
        let (size, max) = (
            sent.size.div_ceil(1024 * 1024),
            state.settings.import_max_bytes.div_ceil(1024 * 1024),
        );
        return refuse(
            format!(
                "Tệp quá lớn ({size} MB): trang này nhận tệp đến {max} MB. Không phiếu nào được lưu. \
                 Hãy chia tệp thành nhiều tệp nhỏ hơn, hoặc nhập bằng lệnh chiso import."
            ),
            format!(
                "The file is too large ({size} MB): this page takes files up to {max} MB. No form was stored. \
                 Split it into smaller files, or import it with the command chiso import."
            ),
        );
    }
    let Some((filename, file)) = &sent.file else {
        return refuse(
            "Chưa chọn tệp: hãy chọn một tệp CSV hoặc Excel (.xlsx).".into(),
            "No file chosen: choose a CSV or Excel (.xlsx) file.".into(),
        );
    };
    if sent.size == 0 {
        return refuse(
            format!("Tệp {filename} trống: không có phiếu nào để nhập."),
            format!("{filename} is empty: there is no form to import."),
        );
    }
    let period = match sent.field("period").trim() {
        "" => None,
        p => match p.parse::<i32>() {
            Ok(y) => Some(y),
            Err(_) => {
                return refuse(
                    format!("Năm khảo sát “{p}” không phải là một năm."),
                    format!("The survey year “{p}” is not a year."),
                )
            }
        },
    };
    let skip_invalid = sent.field("mode") == "skip";
    let kept = skip_invalid.then(|| keep_rejects(user)).transpose()?;
    let opts = options(&sent, user, period, kept.as_ref().map(|(_, p)| p.clone()));
    let name = if filename.is_empty() {
        lang.pick("tệp", "file").to_string()
    } else {
        filename.clone()
    };
    let result = import_file(state, file.path(), &name, &opts, &Quiet);
    // A kept file no rejected row went into is removed at once.
    if let Some((_, path)) = kept
        .as_ref()
        .filter(|_| !matches!(&result, Ok(report) if report.rejects.is_some()))
    {
        let _ = std::fs::remove_file(path);
    }
    outcome(&sent, lang, result, kept.map(|(token, _)| token))
}

/// A new private file for the rejected rows, and its token.
fn keep_rejects(user: &User) -> Result<(String, std::path::PathBuf), ImportError> {
    let owner = kept::owner(&user.id, user.unit.as_deref());
    kept::new_file(&owner).map_err(|e| {
        log::error!("import: cannot keep rejected rows: {e}");
        ImportError::Store(SubmitError::Busy)
    })
}

/// The import the page asks for: of paper forms, within the user's unit.
fn options(
    sent: &Upload,
    user: &User,
    period: Option<i32>,
    rejects: Option<std::path::PathBuf>,
) -> ImportOptions {
    let batch = sent.field("batch").trim();
    ImportOptions {
        survey: sent.field("survey").to_string(),
        unit: None,
        period,
        channel: "paper".into(),
        skip_invalid: sent.field("mode") == "skip",
        rejects,
        scope: user.unit.clone(),
        entry: if batch.is_empty() {
            Entry::Verified
        } else {
            Entry::KeyedOnce {
                batch: batch.to_string(),
                by: user.username.clone(),
            }
        },
        forms: match sent.field("forms") {
            "same" => Forms::Same,
            "new" => Forms::New,
            _ => Forms::Ask,
        },
    }
}

/// What the page shows of an import: only a failure to store is an error.
fn outcome(
    sent: &Upload,
    lang: Lang,
    result: Result<ImportReport, ImportError>,
    kept: Option<String>,
) -> Result<Outcome, ImportError> {
    Ok(match result {
        Ok(report) => {
            let link = report
                .rejects
                .as_ref()
                .and(kept.map(|token| format!("/import/rejected/{token}")));
            Outcome::Stored(Box::new(report), link)
        }
        Err(ImportError::Invalid(report)) => Outcome::Refused(report),
        Err(ImportError::Unreadable(p)) => Outcome::Unreadable(said(lang, p.vi, p.en)),
        Err(ImportError::SameOpening(stop)) => {
            let p = stop.problem(
                lang.pick("“Cùng các phiếu”", "“The same forms”"),
                lang.pick("“Phiếu mới”", "“New forms”"),
            );
            Outcome::SameOpening(Box::new(Again {
                message: said(lang, p.vi, p.en),
                survey: sent.field("survey").to_string(),
                period: sent.field("period").trim().to_string(),
                mode: sent.field("mode").to_string(),
                batch: sent.field("batch").trim().to_string(),
            }))
        }
        Err(e) => return Err(e),
    })
}

fn said(lang: Lang, vi: String, en: String) -> String {
    match lang {
        Lang::Vi => vi,
        Lang::En => en,
    }
}
