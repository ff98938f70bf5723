//! HTTP handlers, by audience. Handlers are thin: extract, validate, call db/scoring, render.

pub mod api;
pub mod auth;
pub mod dashboard;
pub mod kiosk;

use crate::db::responses::Stored;
use crate::db::DbError;
use crate::ingest::{self, Checked, IngestError, Provenance};
use crate::report::{self, ParReport, ReportError, ScoreQuery};
use crate::scoring::Scores;
use crate::startup::AppState;
use crate::survey::RawSubmission;
use actix_web::{web, HttpResponse};

/// Scores of a query, off the async threads.
pub async fn scores_of(state: &AppState, q: ScoreQuery) -> Result<Scores, ReportError> {
    let st = state.clone();
    web::block(move || {
        let mut conn = st.pool.get().map_err(|e| ReportError::Db(e.into()))?;
        report::scores(&mut conn, &st.catalog, &st.units, &q)
    })
    .await
    .map_err(|_| ReportError::Db(DbError::Worker("the task computing scores")))?
}

/// The PAR INDEX report of a query (the first tree loaded), off the async threads.
pub async fn par_of(state: &AppState, q: ScoreQuery) -> Result<ParReport, ReportError> {
    let st = state.clone();
    web::block(move || {
        let tree = st.trees.first().ok_or_else(|| {
            ReportError::Invalid(crate::survey::FieldError::new(
                "survey",
                "no PAR INDEX tree is loaded",
            ))
        })?;
        let mut conn = st.pool.get().map_err(|e| ReportError::Db(e.into()))?;
        report::par_report(&mut conn, &st.catalog, &st.units, tree, &q)
    })
    .await
    .map_err(|_| ReportError::Db(DbError::Worker("the task computing the PAR INDEX report")))?
}

/// Why a submission was not stored.
pub enum SubmitError {
    Invalid(crate::survey::FieldError),
    Db(DbError),
    /// The writer's queue is full; nothing was stored.
    Busy,
}

/// Checks a submission, then hands it to the writer and waits for the commit.
pub async fn submit(state: &AppState, raw: RawSubmission) -> Result<Stored, SubmitError> {
    // The happy path touches the database only in the writer.
    let pending = match ingest::prepare(
        &state.catalog,
        &state.layouts,
        &state.units,
        &raw,
        &Provenance::default(),
    ) {
        Ok(p) => p,
        Err(invalid) => {
            let st = state.clone();
            let checked = web::block(move || -> Result<Checked, IngestError> {
                let mut conn = st.pool.get().map_err(DbError::from)?;
                ingest::check(
                    &mut conn,
                    &st.catalog,
                    &st.layouts,
                    &st.units,
                    &raw,
                    &Provenance::default(),
                )
            })
            .await
            .map_err(|_| SubmitError::Busy)?;
            return match checked {
                Ok(Checked::Already(id)) => Ok(Stored::Existing(id)),
                Ok(Checked::Pending(_)) | Err(IngestError::Invalid(_)) => {
                    Err(SubmitError::Invalid(invalid))
                }
                Err(IngestError::Db(e)) => Err(SubmitError::Db(e)),
            };
        }
    };
    let ack = state
        .writer
        .submit(pending)
        .map_err(|_| SubmitError::Busy)?;
    match ack.await {
        Ok(Ok(stored)) => Ok(stored),
        Ok(Err(e)) => Err(SubmitError::Db(e)),
        Err(_) => Err(SubmitError::Busy),
    }
}

pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain").body("ok")
}

pub async fn home() -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header(("Location", "/scores"))
        .finish()
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/healthz", web::get().to(healthz))
        .route("/", web::get().to(home))
        .route("/login", web::get().to(auth::login_page))
        .route("/login", web::post().to(auth::login))
        .route("/logout", web::post().to(auth::logout))
        .route("/scores", web::get().to(dashboard::scores_page))
        .route("/parindex", web::get().to(dashboard::parindex_page))
        .route("/k/{token}", web::get().to(kiosk::form))
        .route("/k/{token}", web::post().to(kiosk::submit))
        .route("/k/{token}/cam-on", web::get().to(kiosk::thanks))
        .service(
            web::scope("/api/v1")
                .route("/responses", web::post().to(api::post_response))
                .route("/surveys", web::get().to(api::surveys))
                .route("/units", web::get().to(api::units))
                .route("/scores", web::get().to(api::scores))
                .route("/parindex", web::get().to(api::parindex)),
        );
}
