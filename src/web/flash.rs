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

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    fn carried(key: &Key, notice: &Notice) -> actix_web::cookie::Cookie<'static> {
        let res = redirect(key, "/admin/users", notice);
        assert_eq!(res.status(), actix_web::http::StatusCode::SEE_OTHER);
        let c = res.cookies().find(|c| c.name() == NOTICE_COOKIE);
        c.expect("the notice travels in its cookie").into_owned()
    }

    #[test]
    fn a_notice_comes_back_as_it_was_said_and_a_forged_one_is_dropped() {
        let key = Key::from_hex(&Key::generate()).unwrap();
        let said = Notice::saved(("Đã lưu “vai trò”; xong.", "Role saved; done."));
        let c = carried(&key, &said);
        assert!(c.http_only().unwrap_or(false));
        let req = TestRequest::default().cookie(c.clone()).to_http_request();
        assert_eq!(read(&req, &key), Some(said));

        let other = Key::from_hex(&Key::generate()).unwrap();
        assert_eq!(read(&req, &other), None, "signed with another key");
        let (_, signature) = c.value().split_once('.').unwrap();
        let other_words = hex::encode(r#"["saved","Khác","Other"]"#);
        let forged = format!("{other_words}.{signature}");
        let forged = TestRequest::default()
            .cookie(actix_web::cookie::Cookie::new(NOTICE_COOKIE, forged))
            .to_http_request();
        assert_eq!(read(&forged, &key), None, "words changed");
    }
}
