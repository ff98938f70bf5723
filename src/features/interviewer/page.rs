//! The interviewer app's page: a frame the script fills from the pack kept on the tablet.
//! Every label is here, in the page's language; the script adds the forms.

use crate::ui::assets;
use crate::ui::staff::Staff;
use maud::{html, Markup};

pub const MANIFEST: &str = r##"{
  "name": "chiso — Phỏng vấn",
  "short_name": "Phỏng vấn",
  "description": "Phỏng vấn hộ gia đình, kể cả khi không có mạng / Household interviews, also offline",
  "lang": "vi",
  "start_url": "/phong-van",
  "scope": "/phong-van",
  "display": "standalone",
  "background_color": "#ffffff",
  "theme_color": "#0b4f8a",
  "icons": [{"src": "/phong-van/icon.svg", "sizes": "any", "type": "image/svg+xml"}]
}"##;

/// The app's icon: a clipboard, drawn in SVG.
pub const ICON: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" rx="12" fill="#0b4f8a"/><rect x="16" y="12" width="32" height="42" rx="4" fill="#fff"/><rect x="24" y="8" width="16" height="8" rx="2" fill="#cfe0f0"/><path d="M22 28h20M22 36h20M22 44h12" stroke="#0b4f8a" stroke-width="3"/></svg>"##;

pub fn app(s: &Staff) -> Markup {
    let title = s.t("Phỏng vấn tại hộ", "Household interviews");
    let head = html! {
        link rel="manifest" href="/phong-van/manifest.webmanifest";
        meta name="theme-color" content="#0b4f8a";
        script src=(assets::interviewer_js_url()) defer {}
    };
    s.page(title, "interviewer", head, html! {
        main #phong-van data-lang=(s.lang.code()) {
            h1 { (title) }
            p #trang-thai role="status" aria-live="polite" tabindex="-1" {
                (s.t("Đang tải ứng dụng…", "Loading the app…"))
            }
            noscript {
                p.error { (s.t(
                    "Ứng dụng phỏng vấn cần JavaScript. Phiếu giấy vẫn nhập được ở trang Nhập phiếu giấy.",
                    "The interviewer app needs JavaScript. Paper forms can still be keyed on the Paper forms page."
                )) }
            }
            section aria-labelledby="moi-h" {
                h2 #moi-h { (s.t("Phiếu mới", "New form")) }
                form #phieu-moi {
                    p {
                        label for="chon-phieu" { (s.t("Bộ câu hỏi", "Questionnaire")) }
                        select #chon-phieu name="survey" {}
                    }
                    p {
                        label for="chon-don-vi" { (s.t("Địa bàn (phường, xã)", "Where (ward, commune)")) }
                        select #chon-don-vi name="unit" {}
                    }
                    button.primary type="submit" { (s.t("Bắt đầu phiếu", "Start a form")) }
                }
            }
            section #vung-phieu aria-labelledby="phieu-h" hidden {
                h2 #phieu-h tabindex="-1" { (s.t("Phiếu đang điền", "Form being filled")) }
                form #phieu novalidate {}
            }
            section aria-labelledby="ds-h" {
                h2 #ds-h { (s.t("Phiếu trên máy", "Forms on this tablet")) }
                p.note { (s.t(
                    "Phiếu đã xong được mã hoá trên máy; phiếu đã gửi được xoá khỏi máy.",
                    "Finished forms are encrypted on the tablet; sent forms are removed from it."
                )) }
                table #danh-sach {
                    caption.note { (s.t("Nháp, đã xong, cần sửa", "Drafts, finished, to correct")) }
                    thead { tr {
                        th scope="col" { (s.t("Phiếu", "Form")) }
                        th scope="col" { (s.t("Địa bàn", "Where")) }
                        th scope="col" { (s.t("Trạng thái", "State")) }
                        th scope="col" { (s.t("Việc cần làm", "Action")) }
                    } }
                    tbody {}
                }
                p #da-gui.note {}
                p.links.row {
                    button.primary #gui type="button" { (s.t("Gửi", "Send")) }
                }
            }
        }
    })
}
