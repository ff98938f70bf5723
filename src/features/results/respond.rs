//! How results leave the server: a table as a download (CSV or XLSX) with the choice of table
//! and format an export's address makes, and the public page cached by its ETag.

use crate::text::{FieldProblem, Lang};
use crate::ui::table;
use crate::web::error::PageError;
use actix_web::{HttpRequest, HttpResponse};

/// The table and format an export asks for (the score query is read by the slice).
#[derive(serde::Deserialize)]
pub struct ExportParams {
    pub table: Option<String>,
    pub format: Option<String>,
}

impl ExportParams {
    /// The table's id and the format, checked in the reader's language.
    pub fn choice(&self, back: &str) -> Result<(String, String), PageError> {
        let format = self.format.clone().unwrap_or_else(|| "csv".into());
        if !matches!(format.as_str(), "csv" | "xlsx") {
            return Err(PageError::invalid(
                &FieldProblem::new(
                    "format",
                    "Định dạng tải về là csv hoặc xlsx.",
                    "The download format is csv or xlsx.",
                ),
                back,
            ));
        }
        Ok((self.table.clone().unwrap_or_default(), format))
    }
}

/// The table `id` of `tables` as a download named `{prefix}-{id}-{period}-{unit}`: CSV (UTF-8
/// with a byte-order mark) or XLSX.
pub fn download(
    lang: Lang,
    tables: &[table::Table],
    id: &str,
    name: impl Fn(&str) -> String,
    format: &str,
) -> Result<HttpResponse, PageError> {
    let t = tables
        .iter()
        .find(|t| t.id == id)
        .ok_or_else(PageError::no_page)?;
    let name = name(&t.id);
    let (body, mime, ext) = match format {
        "xlsx" => (
            table::xlsx(lang, t).map_err(|e| {
                log::error!("xlsx of {name}: {e}");
                PageError::busy()
            })?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
        ),
        _ => (table::csv(lang, t), "text/csv; charset=utf-8", "csv"),
    };
    Ok(crate::web::respond::download(&format!("{name}.{ext}"), mime).body(body))
}

/// A public page, cacheable for five minutes with an ETag of the page itself: 304 where the
/// browser holds it already.
pub fn cached(req: &HttpRequest, body: String) -> HttpResponse {
    use sha2::Digest;
    let etag = format!(
        "\"{}\"",
        hex::encode(&sha2::Sha256::digest(body.as_bytes())[..12])
    );
    let cache = ("Cache-Control", "public, max-age=300");
    let matches = req
        .headers()
        .get("If-None-Match")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    if matches {
        return HttpResponse::NotModified()
            .insert_header(cache)
            .insert_header(("ETag", etag))
            .finish();
    }
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(cache)
        .insert_header(("ETag", etag))
        .insert_header(("Vary", "Cookie"))
        .body(body)
}

/// The survey a page is about; an unknown one has no page.
pub fn survey_page_of<'a>(
    st: &'a crate::state::AppState,
    id: &str,
) -> Result<&'a crate::survey::Survey, PageError> {
    st.catalog.get(id).ok_or_else(PageError::no_page)
}
