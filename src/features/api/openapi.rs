//! The OpenAPI 3 description of the API, generated from the handlers' types and their
//! `#[utoipa::path]` attributes, served at `GET /api/v1/openapi.json`.

use crate::features::api::routes as api;
use crate::web::error::ErrorBody;
use actix_web::HttpResponse;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "chiso API",
        description = "Submit questionnaires, read the survey definitions and units, the scores, \
            the PAR INDEX this year and the responses themselves. Every failure, including an \
            address with no route (404) and a method an address does not take (405), is an \
            `ErrorBody`: `{\"error\": message, \"field\": name or null}`."
    ),
    paths(
        api::post_response,
        crate::features::api::batch::post_batch,
        api::surveys,
        api::units,
        api::scores,
        api::parindex,
        crate::features::api::published::published,
        api::export,
        openapi_json
    ),
    components(schemas(ErrorBody)),
    modifiers(&Security, &Refusals),
    tags(
        (name = "responses", description = "Questionnaires in and out"),
        (name = "definitions", description = "What a submission may contain"),
        (name = "scores", description = "Indices, points and the PAR INDEX projection"),
        (name = "description", description = "This document")
    )
)]
pub struct ApiDoc;

/// The ways a caller proves who it is: a bearer token (`chiso token create`), or, for the
/// downloads pages link to, the session cookie of a signed-in user.
struct Security;

impl Modify for Security {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                crate::web::extract::SESSION_COOKIE,
            ))),
        );
    }
}

/// Answers every operation can give whatever its handler does: 429 from the abuse limits
/// (every `/api/` route is limited, per address or per token), 400 for a request the server
/// cannot read or answer (a line break in a parameter that would go into a header).
struct Refusals;

impl Modify for Refusals {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{header::Header, ContentBuilder, Ref, ResponseBuilder};
        let error = || {
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build()
        };
        let too_many = ResponseBuilder::new()
            .description(
                "Too many requests: an address's quota (anonymous calls, unknown tokens) or a \
                 valid token's own quota is spent; retry after `Retry-After` seconds",
            )
            .header(
                "Retry-After",
                Header::new(
                    utoipa::openapi::ObjectBuilder::new()
                        .schema_type(utoipa::openapi::schema::Type::Integer),
                ),
            )
            .content("application/json", error())
            .build();
        let bad = ResponseBuilder::new()
            .description("The request cannot be read")
            .content("application/json", error())
            .build();
        for item in doc.paths.paths.values_mut() {
            for op in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                let r = &mut op.responses.responses;
                r.entry("429".into())
                    .or_insert_with(|| too_many.clone().into());
                r.entry("400".into()).or_insert_with(|| bad.clone().into());
            }
        }
    }
}

/// This description. No token needed: it documents the API and holds no data.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "description",
    responses(
        (status = 200, description = "The OpenAPI 3 description of every /api/v1 route", content_type = "application/json", body = Object),
    )
)]
pub async fn openapi_json(state: actix_web::web::Data<crate::state::AppState>) -> HttpResponse {
    let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
    let ids: Vec<&String> = state.catalog.surveys.keys().collect();
    with_surveys(&mut doc, &ids);
    empty_is_absent(&mut doc);
    HttpResponse::Ok().json(doc)
}

/// An optional query parameter sent empty (`from=`, as a page's form sends a field left
/// blank) is read as left out; the description says so beside its format or pattern.
fn empty_is_absent(doc: &mut serde_json::Value) {
    let Some(paths) = doc.get_mut("paths").and_then(|p| p.as_object_mut()) else {
        return;
    };
    for op in paths.values_mut().filter_map(|i| i.as_object_mut()) {
        for params in op.values_mut().filter_map(|o| o.get_mut("parameters")) {
            for p in params.as_array_mut().into_iter().flatten() {
                let optional = p.get("required").and_then(|r| r.as_bool()) != Some(true);
                let shaped = p
                    .get("schema")
                    .is_some_and(|s| s.get("format").is_some() || s.get("pattern").is_some());
                if optional && shaped {
                    let schema = p["schema"].take();
                    p["schema"] = serde_json::json!({
                        "anyOf": [schema, {"type": "string", "maxLength": 0}]
                    });
                }
            }
        }
    }
}

/// The surveys this server has loaded, as the only values `survey` takes (in the query of
/// every operation and in a submission): which exist is known only at start.
fn with_surveys(doc: &mut serde_json::Value, ids: &[&String]) {
    let known = serde_json::json!({"type": "string", "enum": ids});
    if let Some(paths) = doc.get_mut("paths").and_then(|p| p.as_object_mut()) {
        for op in paths.values_mut().filter_map(|i| i.as_object_mut()) {
            for params in op.values_mut().filter_map(|o| o.get_mut("parameters")) {
                for p in params.as_array_mut().into_iter().flatten() {
                    if p.get("name").and_then(|n| n.as_str()) == Some("survey") {
                        p["schema"] = known.clone();
                    }
                }
            }
        }
    }
    if let Some(field) = doc
        .pointer_mut("/components/schemas/Submission/properties/survey")
        .and_then(|f| f.as_object_mut())
    {
        field.insert("enum".into(), serde_json::json!(ids));
    }
}
