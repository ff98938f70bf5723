use super::layout::page;
use maud::{html, Markup};

pub fn login(csrf: &str, error: Option<&str>, username: &str) -> Markup {
    page(
        "Đăng nhập",
        "",
        html! {},
        html! {
            main.narrow {
                h1 { "Đăng nhập chiso" }
                @if let Some(e) = error { p.error role="alert" { (e) } }
                form method="post" action="/login" {
                    input type="hidden" name="csrf" value=(csrf);
                    label { "Tên đăng nhập" br; input type="text" name="username" value=(username) autocomplete="username" required autofocus; }
                    br;
                    label { "Mật khẩu" br; input type="password" name="password" autocomplete="current-password" required; }
                    br;
                    button.primary type="submit" { "Đăng nhập" }
                }
            }
        },
    )
}
