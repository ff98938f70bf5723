//! The import page: a supervisor uploads a CSV or XLSX file of paper forms and sees the same
//! report as `chiso import` gives.

use crate::features::import::page::{self as view, Outcome};
use crate::features::import::service::{self as import, ImportError, ImportOptions, Quiet};
use crate::features::paper::page::Staff;
use crate::state::AppState;
use crate::text::Lang;
use crate::web::error::PageError;
use crate::web::extract::{check_csrf, Csrf, SignedIn, Supervisor};
use crate::web::upload;
use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

#[allow(clippy::too_many_arguments)]
fn render(
    state: &AppState,
    user: &crate::db::auth::User,
    csrf: &Csrf,
    lang: Lang,
    status: StatusCode,
    outcome: Option<Outcome>,
    chosen: Option<&str>,
    batches: &[(String, String)],
) -> HttpResponse {
    let page = view::page(&view::ImportPage {
        staff: Staff {
            username: &user.username,
            role: user.role,
            csrf: &csrf.token,
            lang,
            here: "/import",
        },
        surveys: state.catalog.surveys.values().collect(),
        chosen,
        period: state.clock.year(),
        max_mb: state.settings.import_max_bytes.div_ceil(1024 * 1024),
        outcome,
        batches,
    });
    csrf.page(status, page)
}

/// The batches the user may import into as keyed once: id and a label naming survey and unit.
async fn batch_choices(
    state: &AppState,
    user: &crate::db::auth::User,
) -> Result<Vec<(String, String)>, PageError> {
    let user = user.clone();
    Ok(state
        .run(move |st| crate::features::paper::service::batches(st, &user))
        .await?
        .into_iter()
        .map(|b| {
            let unit = state
                .units
                .get(&b.batch.unit_code)
                .map_or(b.batch.unit_code.clone(), |u| u.name.clone());
            let label = format!(
                "{} — {} · {} · {}",
                b.batch.label, b.batch.survey_id, unit, b.batch.period
            );
            (b.batch.id, label)
        })
        .collect())
}

pub async fn form(
    state: web::Data<AppState>,
    SignedIn { user, .. }: SignedIn<Supervisor>,
    csrf: Csrf,
    lang: Lang,
) -> Result<HttpResponse, PageError> {
    let batches = batch_choices(&state, &user).await?;
    Ok(render(
        &state,
        &user,
        &csrf,
        lang,
        StatusCode::OK,
        None,
        None,
        &batches,
    ))
}

pub async fn upload(
    state: web::Data<AppState>,
    SignedIn { user, .. }: SignedIn<Supervisor>,
    csrf: Csrf,
    lang: Lang,
    req: HttpRequest,
    parts: Multipart,
) -> Result<HttpResponse, PageError> {
    let up = upload::read(parts, state.settings.import_max_bytes).await?;
    check_csrf(&req, up.field("csrf"))?;
    let batches = batch_choices(&state, &user).await?;
    let survey = up.field("survey").to_string();
    let mode = up.field("mode").to_string();
    let skip_invalid = mode == "skip";
    let batch = up.field("batch").trim().to_string();
    let period_text = up.field("period").trim().to_string();
    let forms = match up.field("forms") {
        "same" => import::Forms::Same,
        "new" => import::Forms::New,
        _ => import::Forms::Ask,
    };
    let chosen = Some(survey.as_str());
    let refuse = |message: String| {
        Ok(render(
            &state,
            &user,
            &csrf,
            lang,
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(Outcome::Unreadable(message)),
            chosen,
            &batches,
        ))
    };
    if up.too_large {
        let (size, max) = (
            up.size.div_ceil(1024 * 1024),
            state.settings.import_max_bytes.div_ceil(1024 * 1024),
        );
        return refuse(match lang {
            Lang::Vi => format!(
                "Tệp quá lớn ({size} MB): trang này nhận tệp đến {max} MB. Không phiếu nào được lưu. \
                 Hãy chia tệp thành nhiều tệp nhỏ hơn, hoặc nhập bằng lệnh chiso import."
            ),
            Lang::En => format!(
                "The file is too large ({size} MB): this page takes files up to {max} MB. No form was stored. \
                 Split it into smaller files, or import it with the command chiso import."
            ),
        });
    }
    let Some((filename, file)) = up.file else {
        return refuse(
            lang.pick(
                "Chưa chọn tệp: hãy chọn một tệp CSV hoặc Excel (.xlsx).",
                "No file chosen: choose a CSV or Excel (.xlsx) file.",
            )
            .into(),
        );
    };
    if up.size == 0 {
        return refuse(match lang {
            Lang::Vi => format!("Tệp {filename} trống: không có phiếu nào để nhập."),
            Lang::En => format!("{filename} is empty: there is no form to import."),
        });
    }
    let period = match period_text.as_str() {
        "" => None,
        p => match p.parse::<i32>() {
            Ok(y) => Some(y),
            Err(_) => {
                return refuse(match lang {
                    Lang::Vi => format!("Năm khảo sát “{p}” không phải là một năm."),
                    Lang::En => format!("The survey year “{p}” is not a year."),
                })
            }
        },
    };
    let owner = import::kept::owner(&user.id, user.unit.as_deref());
    let kept = if skip_invalid {
        Some(import::kept::new_file(&owner).map_err(|e| {
            log::error!("import: cannot keep rejected rows: {e}");
            PageError::busy()
        })?)
    } else {
        None
    };
    let opts = ImportOptions {
        survey: survey.clone(),
        unit: None,
        period,
        channel: "paper".into(),
        skip_invalid,
        rejects: kept.as_ref().map(|(_, p)| p.clone()),
        scope: user.unit.clone(),
        entry: if batch.is_empty() {
            import::Entry::Verified
        } else {
            import::Entry::KeyedOnce {
                batch: batch.clone(),
                by: user.username.clone(),
            }
        },
        forms,
    };
    let name = if filename.is_empty() {
        lang.pick("tệp", "file").to_string()
    } else {
        filename
    };
    let result = {
        let (state, name) = (state.clone(), name.clone());
        web::block(move || import::import_file(&state, file.path(), &name, &opts, &Quiet))
            .await
            .map_err(|_| PageError::busy())?
    };
    // A kept file no rejected row went into is removed at once.
    if let Some((_, path)) = kept
        .as_ref()
        .filter(|_| !matches!(&result, Ok(report) if report.rejects.is_some()))
    {
        let _ = std::fs::remove_file(path);
    }
    let (status, outcome) = match result {
        Ok(report) => {
            let link = report
                .rejects
                .as_ref()
                .and(kept.map(|(token, _)| format!("/import/rejected/{token}")));
            (StatusCode::OK, Outcome::Stored(Box::new(report), link))
        }
        Err(ImportError::Invalid(report)) => {
            (StatusCode::UNPROCESSABLE_ENTITY, Outcome::Refused(report))
        }
        Err(ImportError::Unreadable(p)) => {
            let message = match lang {
                Lang::Vi => p.vi,
                Lang::En => p.en,
            };
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                Outcome::Unreadable(message),
            )
        }
        Err(ImportError::SameOpening(stop)) => {
            let p = stop.problem(
                lang.pick("“Cùng các phiếu”", "“The same forms”"),
                lang.pick("“Phiếu mới”", "“New forms”"),
            );
            let again = view::Again {
                message: match lang {
                    Lang::Vi => p.vi,
                    Lang::En => p.en,
                },
                survey: survey.clone(),
                period: period_text.clone(),
                mode: mode.clone(),
                batch: batch.clone(),
            };
            (StatusCode::CONFLICT, Outcome::SameOpening(Box::new(again)))
        }
        Err(ImportError::Store(e)) => return Err(e.into()),
    };
    Ok(render(
        &state,
        &user,
        &csrf,
        lang,
        status,
        Some(outcome),
        chosen,
        &batches,
    ))
}

/// The rejected rows of an import made with "skip invalid rows", to correct and import again:
/// for the user who imported them only, while their unit scope is the same.
pub async fn rejected(
    SignedIn { user, .. }: SignedIn<Supervisor>,
    token: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let owner = import::kept::owner(&user.id, user.unit.as_deref());
    let bytes = web::block(move || {
        let path = import::kept::file(&owner, &token).ok_or(None)?;
        std::fs::read(path).map_err(Some)
    })
    .await
    .map_err(|_| PageError::busy())?
    .map_err(|e| match e {
        // A malformed token: no such page.
        None => PageError::not_found(),
        // Gone (removed after a day), or never this user's.
        Some(_) => PageError::new(
            StatusCode::NOT_FOUND,
            ("Không còn tệp này", "This file is gone"),
            (
                "Các dòng bị loại chỉ được giữ một ngày, cho người đã nhập tệp. Xin nhập lại tệp gốc với lựa chọn “bỏ qua dòng lỗi”.",
                "Rejected rows are kept for one day, for whoever imported the file. Import the original file again, choosing to skip the wrong rows.",
            ),
        ),
    })?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            "Content-Disposition",
            "attachment; filename=\"dong-bi-loai.csv\"",
        ))
        .insert_header(("Cache-Control", "no-store"))
        .body(bytes))
}
