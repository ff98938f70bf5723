//! The supervisor's desk for forms whose keyings differ: the list, settling one, and deleting
//! a keying typed under the wrong serial.

use super::{done, AnyForm};
use crate::features::paper::dispute_page as view;
use crate::features::paper::said;
use crate::features::paper::service::disputes::{self as service, Decision};
use crate::features::paper::service::PaperError;
use crate::text::Lang;
use crate::web::error::PageError;
use crate::web::extract::{CsrfForm, Supervisor, WithCsrf};
use crate::web::reader::Reader;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use serde::Deserialize;
use std::collections::BTreeMap;

pub async fn list(desk: Reader<Supervisor>) -> Result<HttpResponse, PageError> {
    let forms = desk.run(service::disputes).await?;
    let page = view::disputes(
        &desk.staff_at("/entry/disputes"),
        desk.notice.as_ref(),
        &forms,
    );
    Ok(desk.page_with(StatusCode::OK, page))
}

/// The dispute's page, with what was wrong with the last settlement posted.
async fn page(
    desk: &Reader<Supervisor>,
    id: String,
    status: StatusCode,
    error: Option<&str>,
) -> Result<HttpResponse, PageError> {
    let here = format!("/entry/forms/{id}");
    let d = desk.run(move |st, u| service::dispute(st, u, &id)).await?;
    Ok(desk.page_with(status, view::dispute(&desk.staff_at(&here), &d, error)))
}

pub async fn show(
    desk: Reader<Supervisor>,
    id: web::Path<String>,
) -> Result<HttpResponse, PageError> {
    page(&desk, id.into_inner(), StatusCode::OK, None).await
}

/// The decisions posted: `NAME:source`, `NAME:value` and `NAME:reason` for each field.
fn decisions(form: AnyForm) -> Vec<Decision> {
    let mut decisions: BTreeMap<String, Decision> = BTreeMap::new();
    for (k, v) in form.0 {
        let Some((name, part)) = k.rsplit_once(':') else {
            continue;
        };
        let d = decisions
            .entry(name.to_string())
            .or_insert_with(|| Decision {
                name: name.to_string(),
                source: String::new(),
                value: String::new(),
                reason: String::new(),
            });
        match part {
            "source" => d.source = v,
            "value" => d.value = v,
            "reason" => d.reason = v,
            _ => {}
        }
    }
    decisions.into_values().collect()
}

pub async fn settle(
    desk: Reader<Supervisor>,
    id: web::Path<String>,
    CsrfForm(form): CsrfForm<AnyForm>,
) -> Result<HttpResponse, PageError> {
    let (id, decided) = (id.into_inner(), decisions(form));
    let form_id = id.clone();
    let settled = desk
        .run(move |st, u| service::settle(st, u, &form_id, decided))
        .await;
    let error = match settled {
        Ok(form) => {
            let said = said::settled(&form.serial);
            return Ok(done(&desk, &settled_to(form.batch_id), &said));
        }
        Err(e @ (PaperError::Invalid(_) | PaperError::Keys(_))) => not_saved(desk.lang, &e),
        Err(e) => return Err(e.into()),
    };
    page(&desk, id, StatusCode::UNPROCESSABLE_ENTITY, Some(&error)).await
}

/// Where a settled form goes back to: its batch, else the forms still waiting.
fn settled_to(batch_id: Option<String>) -> String {
    batch_id.map_or("/entry/disputes".into(), |b| format!("/entry/batches/{b}"))
}

/// What to put right in a settlement, in the reader's language.
fn not_saved(l: Lang, e: &PaperError) -> String {
    let what = e.to_correct().unwrap_or_default();
    format!("{} {}.", l.pick("Chưa lưu:", "Not saved:"), l.text(&what))
}

#[derive(Deserialize)]
pub struct DeleteForm {
    csrf: String,
    round: String,
    #[serde(default)]
    reason: String,
}

impl WithCsrf for DeleteForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

pub async fn delete_keying(
    desk: Reader<Supervisor>,
    id: web::Path<String>,
    CsrfForm(f): CsrfForm<DeleteForm>,
) -> Result<HttpResponse, PageError> {
    // Checked by the service, after who may touch the form.
    let round = f.round.trim().parse().unwrap_or(0);
    let id = id.into_inner();
    let serial = desk
        .run(move |st, u| service::delete_keying(st, u, &id, round, &f.reason))
        .await?;
    let said = said::keying_deleted(round, &serial);
    Ok(done(&desk, "/entry/disputes", &said))
}
