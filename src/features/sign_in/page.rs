use crate::text::Lang;
use crate::ui::layout::{alert, lang_switch, page};
use maud::{html, Markup};

pub fn login(lang: Lang, csrf: &str, error: Option<&str>, username: &str) -> Markup {
    let l = lang;
    page(
        l,
        l.pick("Đăng nhập", "Sign in"),
        "",
        html! {
            main.narrow {
                p.noprint { (lang_switch(l, "/login")) }
                h1 { (l.pick("Đăng nhập chiso", "Sign in to chiso")) }
                (alert(error))
                form method="post" action="/login" {
                    input type="hidden" name="csrf" value=(csrf);
                    label { (l.pick("Tên đăng nhập", "User name")) br; input type="text" name="username" value=(username) autocomplete="username" required autofocus; }
                    br;
                    label { (l.pick("Mật khẩu", "Password")) br; input type="password" name="password" autocomplete="current-password" required; }
                    br;
                    button.primary type="submit" { (l.pick("Đăng nhập", "Sign in")) }
                }
            }
        },
    )
}
