//! Correcting a counted form: the form with its stored values, and saving the correction.

use super::{done, AnyForm};
use crate::features::paper::page as view;
use crate::features::paper::said;
use crate::features::paper::service::corrections::{self as service, Correction};
use crate::features::paper::service::DATE;
use crate::survey::paper::{KeyError, Keyed};
use crate::web::error::PageError;
use crate::web::extract::{CsrfForm, Supervisor};
use crate::web::reader::Reader;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};

/// What the correction's fields hold: the stored values, or what was posted with what was
/// wrong with it.
#[derive(Clone)]
struct Posted {
    keys: Keyed,
    date: String,
    reason: String,
    errors: Vec<KeyError>,
}

impl Posted {
    fn stored(c: &Correction) -> Posted {
        Posted {
            keys: c.keys.clone(),
            date: c.date.clone(),
            reason: String::new(),
            errors: Vec::new(),
        }
    }

    fn from(form: AnyForm) -> Posted {
        let ([date, reason], keys) = form.take([DATE, "reason"]);
        Posted {
            keys,
            date,
            reason,
            errors: Vec::new(),
        }
    }
}

async fn page(
    desk: &Reader<Supervisor>,
    form_id: String,
    status: StatusCode,
    posted: Option<Posted>,
) -> Result<HttpResponse, PageError> {
    let here = format!("/entry/forms/{form_id}/correct");
    let c = desk
        .run(move |st, u| service::correction(st, u, &form_id))
        .await?;
    let shown = posted.unwrap_or_else(|| Posted::stored(&c));
    let page = view::correction(&view::CorrectionPage {
        staff: desk.staff_at(&here),
        correction: &c,
        date: &shown.date,
        keys: &shown.keys,
        reason: &shown.reason,
        errors: &shown.errors,
    });
    Ok(desk.page_with(status, page))
}

pub async fn show(
    desk: Reader<Supervisor>,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    page(&desk, id.into_inner(), StatusCode::OK, None).await
}

pub async fn correct(
    desk: Reader<Supervisor>,
    id: web::Path<String>,
    CsrfForm(form): CsrfForm<AnyForm>,
) -> Result<HttpResponse, PageError> {
    let (id, mut posted) = (id.into_inner(), Posted::from(form));
    let (form_id, p) = (id.clone(), posted.clone());
    let corrected = desk
        .run(move |st, u| service::correct(st, u, &form_id, &p.date, &p.keys, &p.reason))
        .await;
    posted.errors = match corrected {
        Ok(f) => {
            let said = said::corrected(&f.serial);
            return Ok(done(&desk, &batch_page(f.batch_id), &said));
        }
        Err(e) => e.into_marks("")?,
    };
    page(&desk, id, StatusCode::UNPROCESSABLE_ENTITY, Some(posted)).await
}

/// Where a corrected form goes back to: its batch.
fn batch_page(batch_id: Option<String>) -> String {
    batch_id.map_or("/entry".into(), |b| format!("/entry/batches/{b}"))
}
