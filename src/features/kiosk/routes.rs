//! Kiosk pages: the tablet at a one-stop counter (`/k/TOKEN`). The rules are the kiosk
//! service's; these handlers read the post and draw the screen.

use crate::features::answer_once::public::{html, Posted, Visit};
use crate::features::kiosk::page::{form as form_view, stale, thanks as thanks_view, FormState};
use crate::features::kiosk::service::{self as kiosk, Counter, KioskError, Reply, Screen};
use crate::features::submit::SubmitError;
use crate::state::AppState;
use crate::text::Lang;
use crate::web::error::PageError;
use crate::web::respond::see_other;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use std::collections::HashMap;

/// What a citizen at the counter is told when the kiosk or the answer cannot be taken.
impl From<KioskError> for PageError {
    fn from(e: KioskError) -> Self {
        match e {
            KioskError::Unknown => PageError::not_found(),
            KioskError::Gone(unit) => PageError::new(
                StatusCode::GONE,
                ("Thiết bị cần được đăng ký lại", "The device must be registered again"),
                (
                    format!(
                        "{unit} không còn là đơn vị hành chính sau khi sắp xếp. Xin báo cán bộ tại quầy để đăng ký lại thiết bị cho đơn vị mới."
                    ),
                    format!(
                        "{unit} is no longer an administrative unit after the reorganisation. Please tell the staff at the counter, who will register the device for the new unit."
                    ),
                ),
            ),
            KioskError::Submit(SubmitError::Busy) => PageError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                ("Hệ thống đang bận", "The system is busy"),
                (
                    "Phiếu chưa được ghi nhận. Xin chạm “Gửi đánh giá” lại sau một giây.",
                    "Your answer was not recorded. Please touch “Send” again in a second.",
                ),
            ),
            KioskError::Submit(e) => e.into(),
            KioskError::Db(e) => e.into(),
        }
    }
}

/// A screen of the kiosk's form, with the status its state calls for.
fn screen(
    state: &AppState,
    lang: Lang,
    token: &str,
    at: &Counter,
    s: &Screen,
) -> Result<HttpResponse, PageError> {
    let status = match () {
        _ if s.too_soon => StatusCode::TOO_MANY_REQUESTS,
        _ if !s.errors.is_empty() => StatusCode::UNPROCESSABLE_ENTITY,
        _ => StatusCode::OK,
    };
    let error = s.too_soon.then(|| {
        lang.pick(
        "Thiết bị vừa nhận một phiếu. Xin đợi vài giây rồi chạm “Gửi đánh giá” lại.",
        "This device has just taken an answer. Please wait a few seconds, then touch “Send” again.",
    )
    });
    let page = form_view(
        at.survey(state)?,
        &FormState {
            token,
            unit_name: &at.unit_name,
            submission_id: &s.submission_id,
            issued: s.issued,
            signature: &s.signature,
            chosen: &s.chosen,
            step: s.step,
            error,
            errors: &s.errors,
            online: false,
            lang,
        },
    );
    Ok(html(status, page))
}

/// A kiosk page's language: the citizen's choice on this form (`?lang=en`, or the form's
/// `lang` field), never a cookie the tablet would keep for the next citizen.
fn citizen_lang(chosen: Option<&str>) -> Lang {
    Lang::from_code(chosen.unwrap_or("vi"))
}

fn query_lang(req: &HttpRequest) -> Lang {
    let q = web::Query::<HashMap<String, String>>::from_query(req.query_string()).ok();
    citizen_lang(q.as_ref().and_then(|q| q.get("lang")).map(String::as_str))
}

pub async fn form(v: Visit, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let (at, s) = v.open(kiosk::open).await?;
    screen(&v.state, query_lang(&req), &v.ticket, &at, &s)
}

pub async fn thanks(v: Visit, req: HttpRequest) -> Result<HttpResponse, PageError> {
    let at = v.open(kiosk::counter).await?;
    let page = thanks_view(query_lang(&req), at.survey(&v.state)?, &v.ticket);
    Ok(html(StatusCode::OK, page))
}

/// Every screen posts here (see [`kiosk::post`]). The kiosk is known before the post is read:
/// an unknown or abolished kiosk is told so whatever was sent.
pub async fn submit(v: Visit, payload: web::Payload) -> Result<HttpResponse, PageError> {
    let at = v.open(kiosk::counter).await?;
    let posted = Posted::read(payload).await?;
    let lang = citizen_lang(posted.get("lang"));
    let (at, reply) = v
        .state
        .run(move |st| kiosk::post(st, &at, lang, &posted.0).map(|r| (at, r)))
        .await?;
    match reply {
        Reply::Thanks => Ok(see_other(match lang {
            Lang::Vi => format!("/k/{}/cam-on", v.ticket),
            Lang::En => format!("/k/{}/cam-on?lang=en", v.ticket),
        })),
        Reply::Stale => Ok(html(StatusCode::CONFLICT, stale(lang, &v.ticket))),
        Reply::Screen(s) => screen(&v.state, lang, &v.ticket, &at, &s),
    }
}

/// Forms issued ahead, for the tablet to open while its network is down (see the service
/// worker). Like every kiosk address, counted against the kiosk's limit.
pub async fn tickets(v: Visit) -> Result<HttpResponse, PageError> {
    let at = v.open(kiosk::counter).await?;
    let list = kiosk::tickets(&v.state, &at, kiosk::TICKETS);
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(serde_json::json!({ "tickets": list })))
}

/// What makes the kiosk an app a tablet installs: its own window, opening on its form.
pub async fn manifest(v: Visit) -> Result<HttpResponse, PageError> {
    let at = v.open(kiosk::counter).await?;
    let body = crate::features::kiosk::page::manifest(v.lang, &v.ticket, &at.unit_name);
    Ok(HttpResponse::Ok()
        .content_type("application/manifest+json")
        .insert_header(("Cache-Control", "no-store"))
        .body(body.to_string()))
}

/// The kiosk's service worker, checked by the browser for updates on every visit.
pub async fn service_worker() -> HttpResponse {
    crate::web::assets::worker(crate::ui::assets::KIOSK_SW_JS.into(), "/k/")
}

pub async fn icon() -> HttpResponse {
    crate::web::assets::kept("image/svg+xml", crate::ui::assets::ICON_SVG)
}

/// The kiosk form's script: served by the binary, so pages need no inline script.
pub async fn kiosk_js() -> HttpResponse {
    crate::web::assets::script(crate::ui::assets::KIOSK_JS)
}
