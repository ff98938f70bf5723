//! A notice carried across the redirect after a POST (a flash message): the change answers
//! 303 to the page's own address with the notice in a short-lived cookie, signed with the
//! forms key so that no other site can word it, and [`Reader`](crate::web::reader::Reader)
//! reads it once. A reload of the page then neither posts again nor says it again.

use crate::secrets::Key;
use crate::text::Text;
use crate::ui::notice::{Kind, Notice};
use crate::web::extract::cookie;
use actix_web::{HttpRequest, HttpResponse};

pub const NOTICE_COOKIE: &str = "chiso_notice";

/// How long a notice waits for the page it was meant for.
const NOTICE_SECONDS: i64 = 60;

/// 303 to `to` (the page's own address), carrying `notice` for it to say once.
pub fn redirect(key: &Key, to: &str, notice: &Notice) -> HttpResponse {
    let kind = match notice.kind {
        Kind::Saved => "saved",
        Kind::Refused => "refused",
    };
    let parts = [kind, notice.text.vi.as_str(), notice.text.en.as_str()];
    let payload = hex::encode(serde_json::to_vec(&parts).unwrap_or_default());
    let mut c = cookie(
        NOTICE_COOKIE,
        format!("{payload}.{}", key.sign(&["notice", &payload])),
    );
    c.set_max_age(actix_web::cookie::time::Duration::seconds(NOTICE_SECONDS));
    HttpResponse::SeeOther()
        .insert_header(("Location", to.to_string()))
        .cookie(c)
        .finish()
}

/// The notice a redirect left for this page, when its signature holds.
pub fn read(req: &HttpRequest, key: &Key) -> Option<Notice> {
    let value = req.cookie(NOTICE_COOKIE)?;
    let (payload, signature) = value.value().split_once('.')?;
    if !key.verify(&["notice", payload], signature) {
        return None;
    }
    let [kind, vi, en]: [String; 3] = serde_json::from_slice(&hex::decode(payload).ok()?).ok()?;
    let kind = match kind.as_str() {
        "saved" => Kind::Saved,
        "refused" => Kind::Refused,
        _ => return None,
    };
    Some(Notice {
        kind,
        text: Text::new(vi, en),
    })
}
