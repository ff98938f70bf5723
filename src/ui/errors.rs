use maud::{html, Markup};

/// An error page in the reader's language, with a link back (`back`, or the home page).
pub fn error_page_in(
    lang: crate::text::Lang,
    title: &str,
    message: &str,
    back: Option<&str>,
) -> Markup {
    crate::ui::layout::page(
        lang,
        title,
        "",
        html! {
            main {
                h1 { (title) }
                p { (message) }
                p.links {
                    a.button href=(back.unwrap_or("/")) {
                        @if back.is_some() { (lang.pick("← Quay lại và sửa", "← Go back and correct it")) }
                        @else { (lang.pick("← Về trang chủ", "← Home page")) }
                    }
                }
            }
        },
    )
}
