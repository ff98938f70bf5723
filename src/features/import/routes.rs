//! The import page: a supervisor uploads a CSV or XLSX file of paper forms and sees the same
//! report as `chiso import` gives.

use crate::db::auth::User;
use crate::features::import::page as view;
use crate::features::import::service::{self as import, kept, ImportError, Outcome};
use crate::features::paper::page::Staff;
use crate::state::AppState;
use crate::text::Lang;
use crate::web::error::PageError;
use crate::web::extract::{check_csrf, Csrf, SignedIn, Supervisor};
use crate::web::respond::download;
use crate::web::upload;
use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

impl From<ImportError> for PageError {
    /// Only a failure to store reaches a handler: the others are what the page shows.
    fn from(e: ImportError) -> Self {
        match e {
            ImportError::Store(e) => e.into(),
            other => {
                log::error!("import: {other}");
                PageError::busy()
            }
        }
    }
}

/// The page, with the outcome of an upload if there was one, answered with its status.
fn render(
    state: &AppState,
    (user, csrf, lang): (&User, &Csrf, Lang),
    outcome: Option<Outcome>,
    chosen: Option<&str>,
    batches: &[(String, String)],
) -> HttpResponse {
    let status = match &outcome {
        None | Some(Outcome::Stored(..)) => StatusCode::OK,
        Some(Outcome::Refused(_) | Outcome::Unreadable(_)) => StatusCode::UNPROCESSABLE_ENTITY,
        Some(Outcome::SameOpening(_)) => StatusCode::CONFLICT,
    };
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

async fn batch_choices(state: &AppState, user: &User) -> Result<Vec<(String, String)>, PageError> {
    let user = user.clone();
    Ok(state
        .run(move |st| import::batch_choices(st, &user))
        .await?)
}

pub async fn form(
    state: web::Data<AppState>,
    SignedIn { user, .. }: SignedIn<Supervisor>,
    csrf: Csrf,
    lang: Lang,
) -> Result<HttpResponse, PageError> {
    let batches = batch_choices(&state, &user).await?;
    Ok(render(&state, (&user, &csrf, lang), None, None, &batches))
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
    let by = user.clone();
    let outcome = state
        .run(move |st| import::upload(st, &by, lang, up))
        .await?;
    let at = (&user, &csrf, lang);
    Ok(render(&state, at, Some(outcome), Some(&survey), &batches))
}

/// The rejected rows of an import made with "skip invalid rows", to correct and import again:
/// for the user who imported them only, while their unit scope is the same.
pub async fn rejected(
    state: web::Data<AppState>,
    SignedIn { user, .. }: SignedIn<Supervisor>,
    token: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    let owner = kept::owner(&user.id, user.unit.as_deref());
    let read = state
        .run(move |_| Ok::<_, crate::db::DbError>(kept::read(&owner, &token)))
        .await?;
    let bytes = read?;
    Ok(download("dong-bi-loai.csv", "text/csv; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(bytes))
}

/// A rejected-rows file that is not there: a malformed address, or one past its day.
impl From<kept::Missing> for PageError {
    fn from(missing: kept::Missing) -> Self {
        match missing {
            kept::Missing::Malformed => PageError::not_found(),
            kept::Missing::Gone => PageError::new(
                StatusCode::NOT_FOUND,
                ("Không còn tệp này", "This file is gone"),
                (
                    "Các dòng bị loại chỉ được giữ một ngày, cho người đã nhập tệp. Xin nhập lại tệp gốc với lựa chọn “bỏ qua dòng lỗi”.",
                    "Rejected rows are kept for one day, for whoever imported the file. Import the original file again, choosing to skip the wrong rows.",
                ),
            ),
        }
    }
}
