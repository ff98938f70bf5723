//! A download streamed as it is written: the first chunk decides the answer, later failures
//! can only cut the download off.

use crate::features::export::service::Chunk;
use crate::web::error::ApiError;
use actix_web::{web, HttpResponse};
use futures_util::StreamExt;
use tokio::sync::mpsc::Receiver;

/// The chunks as an attachment named `name`, not kept by caches.
pub async fn streamed(
    mut chunks: Receiver<Chunk>,
    name: &str,
    content_type: &'static str,
) -> Result<HttpResponse, ApiError> {
    // An error found before the first byte (the database, an XLSX too large) is the answer.
    let first = match chunks.recv().await {
        Some(Err(e)) => return Err(e.into()),
        first => first,
    };
    let rest = futures_util::stream::unfold(chunks, |mut chunks| async move {
        chunks.recv().await.map(|c| (c, chunks))
    });
    let body = futures_util::stream::iter(first)
        .chain(rest)
        .map(|chunk| match chunk {
            Ok(bytes) => Ok(web::Bytes::from(bytes)),
            // Half-way through, the client can only be told by a cut-off download.
            Err(e) => Err(actix_web::error::ErrorInternalServerError(e.to_string())),
        });
    Ok(crate::web::respond::download(name, content_type)
        .insert_header(("Cache-Control", "no-store"))
        .streaming(body))
}
