//! The question before revoking a kiosk or an API token: which one, what stops, and that it
//! cannot be undone, beside the way back.

use crate::ui::staff::Staff;
use maud::{html, Markup};

/// What is about to be revoked, in words for the page.
pub struct Revoking<'a> {
    /// `/admin/kiosks/ID/revoke` or `/admin/tokens/ID/revoke`.
    pub action: String,
    /// The list it comes from, to go back to.
    pub back: &'static str,
    pub kiosk: bool,
    pub label: &'a str,
    /// The unit (and, for a kiosk, its form), as people name them.
    pub place: String,
}

pub fn revoke(st: &Staff, r: &Revoking) -> Markup {
    let l = st.lang;
    let (section, title) = if r.kiosk {
        (
            ("/admin/kiosks", l.pick("Kiosk", "Kiosks")),
            l.pick("Thu hồi kiosk?", "Revoke the kiosk?"),
        )
    } else {
        (
            ("/admin/tokens", l.pick("Khoá API", "API tokens")),
            l.pick("Thu hồi khoá API?", "Revoke the API token?"),
        )
    };
    st.under(
        section,
        title,
        r.label,
        html! {
            h1 { (title) }
            p { strong { (r.label) } " · " (r.place) }
            div.warning role="note" {
                @if r.kiosk {
                    p { (l.pick("Máy tính bảng đang mở đường dẫn của kiosk này sẽ không nhận phiếu nữa, kể cả phiếu người dân đang điền dở.", "The tablet holding this kiosk's address stops taking forms, including one a citizen is filling in.")) }
                    p { strong { (l.pick("Không hoàn tác được: muốn dùng lại, phải thêm kiosk mới và đặt đường dẫn mới trên máy.", "It cannot be undone: to use the tablet again, add a new kiosk and set its new address on the device.")) } }
                } @else {
                    p { (l.pick("Mọi chương trình dùng khoá này bị từ chối trong vòng 30 giây.", "Every program using this token is refused within 30 seconds.")) }
                    p { strong { (l.pick("Không hoàn tác được: muốn dùng lại, phải tạo khoá mới.", "It cannot be undone: to go on, create a new token.")) } }
                }
            }
            (st.confirm_or_back(&r.action, &[], l.pick("Thu hồi", "Revoke"), r.back))
        },
    )
}
