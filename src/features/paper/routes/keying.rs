//! The keying screen: a blank form, saving a keying and opening the next blank one, and the
//! screen's script.

use super::AnyForm;
use crate::features::paper::page as view;
use crate::features::paper::service::{keying as service, Keyed1, KeyedForm, DATE};
use crate::survey::paper::KeyError;
use crate::text::Lang;
use crate::ui::notice::Notice;
use crate::web::error::PageError;
use crate::web::extract::{CsrfForm, Surveyor};
use crate::web::flash;
use crate::web::reader::Reader;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};

/// What the keying screen shows besides the batch: the form as last posted and its errors,
/// or what the last save did.
#[derive(Default)]
struct Posted {
    form: KeyedForm,
    errors: Vec<KeyError>,
    saved: Option<Notice>,
}

async fn page(
    desk: &Reader<Surveyor>,
    batch_id: String,
    status: StatusCode,
    posted: Posted,
) -> Result<HttpResponse, PageError> {
    let here = format!("/entry/batches/{batch_id}/key");
    let screen = desk
        .run(move |st, u| service::screen(st, u, &batch_id))
        .await?;
    let page = view::keying(&view::KeyingPage {
        staff: desk.staff_at(&here),
        batch: &screen.progress,
        survey: super::survey(&desk.state, &screen.progress.batch.survey_id)?,
        fields: &screen.fields,
        serial: &posted.form.serial,
        date: &posted.form.date,
        keys: &posted.form.keys,
        started_at: &screen.started_at,
        dates: (&screen.dates.0, &screen.dates.1),
        errors: &posted.errors,
        saved: posted.saved.as_ref(),
    });
    Ok(desk.page_with(status, page))
}

pub async fn screen(
    desk: Reader<Surveyor>,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    // What the last save did, carried across the redirect to this blank form.
    let posted = Posted {
        saved: desk.notice.clone(),
        ..Posted::default()
    };
    page(&desk, id.into_inner(), StatusCode::OK, posted).await
}

pub async fn save(
    desk: Reader<Surveyor>,
    id: web::Path<String>,
    CsrfForm(form): CsrfForm<AnyForm>,
) -> Result<HttpResponse, PageError> {
    let (id, keyed) = (id.into_inner(), keyed(form));
    let (batch, input) = (id.clone(), keyed.clone());
    let saved = desk
        .run(move |st, u| service::key_form(st, u, &batch, input))
        .await;
    let errors = match saved {
        Ok((f, outcome)) => return Ok(next_blank(&desk, &id, &f.serial, &outcome)),
        Err(e) => e.into_marks("serial")?,
    };
    let posted = Posted {
        form: keyed,
        errors,
        saved: None,
    };
    page(&desk, id, StatusCode::UNPROCESSABLE_ENTITY, posted).await
}

/// A keying as posted: the serial, the date, when the blank form was opened, and the keys.
fn keyed(form: AnyForm) -> KeyedForm {
    let ([serial, date, started_at, blank_ok], keys) =
        form.take(["serial", DATE, "started_at", service::BLANK_OK]);
    KeyedForm {
        serial,
        date,
        keys,
        started_at: Some(started_at),
        blank_ok: blank_ok == "1",
    }
}

/// The next blank form of the batch, saying what the save did.
fn next_blank(
    desk: &Reader<Surveyor>,
    batch_id: &str,
    serial: &str,
    outcome: &Keyed1,
) -> HttpResponse {
    let [vi, en] = [Lang::Vi, Lang::En].map(|l| view::saved_message(l, serial, outcome));
    let next = format!("/entry/batches/{batch_id}/key");
    flash::redirect(&desk.state.forms_key, &next, &Notice::saved((vi, en)))
}

#[derive(serde::Deserialize)]
pub struct SerialQuery {
    #[serde(default)]
    serial: String,
}

/// The serial as the keyer leaves its field (the screen's script asks): `{"message": …}`
/// with why a save would refuse it, in the reader's language, or `{"message": null}`.
pub async fn serial(
    desk: Reader<Surveyor>,
    id: web::Path<String>,
    q: web::Query<SerialQuery>,
) -> Result<HttpResponse, PageError> {
    let (id, serial) = (id.into_inner(), q.into_inner().serial);
    let said = desk
        .run(move |st, u| service::serial_on_entry(st, u, &id, &serial))
        .await?;
    let message = said.map(|t| format!("{}.", desk.lang.text(&t)));
    Ok(HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(serde_json::json!({ "message": message })))
}

/// The keying screen's script: served by the binary, so pages need no inline script.
pub async fn script() -> HttpResponse {
    crate::web::assets::script(crate::ui::assets::ENTRY_JS)
}
