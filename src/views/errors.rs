use super::layout::page;
use maud::{html, Markup};

/// An error page for citizens and staff alike: what happened and what to do.
pub fn error_page(title: &str, message: &str) -> Markup {
    page(
        title,
        "",
        html! {},
        html! {
            main {
                h1 { (title) }
                p { (message) }
            }
        },
    )
}
