//! Reading a multipart form with one file: the file goes to a temporary file, up to a size
//! limit (the rest is read and dropped, so the page can say it was too large); the other
//! fields are short text.

use crate::web::error::PageError;
use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use futures_util::StreamExt;
use std::collections::HashMap;
use std::io::Write;

/// Longest text field accepted beside the file.
const FIELD_LIMIT: usize = 4096;
/// Most fields beside the file.
const MAX_FIELDS: usize = 32;

#[derive(Default)]
pub struct Upload {
    /// The form's text fields by name.
    pub fields: HashMap<String, String>,
    /// The file's name as the browser gave it (without folders), and where it was written.
    pub file: Option<(String, tempfile::NamedTempFile)>,
    pub size: u64,
    /// Larger than the page takes: the rest was not read.
    pub too_large: bool,
}

impl Upload {
    pub fn field(&self, name: &str) -> &str {
        self.fields.get(name).map_or("", String::as_str)
    }
}

pub fn malformed() -> PageError {
    PageError::new(
        StatusCode::BAD_REQUEST,
        ("Biểu mẫu không đúng", "Malformed form"),
        (
            "Trình duyệt gửi biểu mẫu không đúng dạng. Xin tải lại trang và gửi lại.",
            "The browser sent a malformed form. Reload the page and send it again.",
        ),
    )
}

/// Reads the form whose file part is named `file`.
pub async fn read(mut parts: Multipart, limit: u64) -> Result<Upload, PageError> {
    let mut up = Upload::default();
    while let Some(part) = parts.next().await {
        let mut part = part.map_err(|_| malformed())?;
        let name = part.name().unwrap_or_default().to_string();
        if name == "file" {
            let filename = part
                .content_disposition()
                .and_then(|d| d.get_filename())
                .map(|f| f.rsplit(['/', '\\']).next().unwrap_or(f).to_string())
                .unwrap_or_default();
            let mut tmp = tempfile::NamedTempFile::new().map_err(|e| {
                log::error!("upload: cannot make a temporary file: {e}");
                PageError::busy()
            })?;
            while let Some(chunk) = part.next().await {
                let chunk = chunk.map_err(|_| malformed())?;
                up.size += chunk.len() as u64;
                if up.size > limit {
                    up.too_large = true;
                    continue;
                }
                tmp.write_all(&chunk).map_err(|e| {
                    log::error!("upload: cannot write a temporary file: {e}");
                    PageError::busy()
                })?;
            }
            if !filename.is_empty() || up.size > 0 {
                up.file = Some((filename, tmp));
            }
            continue;
        }
        // A form has a few short fields: their number is bounded as their length is.
        if up.fields.len() >= MAX_FIELDS {
            return Err(malformed());
        }
        let mut value = Vec::new();
        while let Some(chunk) = part.next().await {
            let chunk = chunk.map_err(|_| malformed())?;
            if value.len() + chunk.len() > FIELD_LIMIT {
                return Err(malformed());
            }
            value.extend_from_slice(&chunk);
        }
        let value = String::from_utf8(value).map_err(|_| malformed())?;
        up.fields.insert(name, value);
    }
    Ok(up)
}
