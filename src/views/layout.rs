use maud::{html, Markup, DOCTYPE};

/// The page shell.
pub fn page(title: &str, body_class: &str, head_extra: Markup, content: Markup) -> Markup {
    page_in(
        crate::views::i18n::Lang::Vi,
        title,
        body_class,
        head_extra,
        content,
    )
}

/// The page shell, in a language.
pub fn page_in(
    lang: crate::views::i18n::Lang,
    title: &str,
    body_class: &str,
    head_extra: Markup,
    content: Markup,
) -> Markup {
    html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · chiso" }
                // One stylesheet, a file of its own: the Content-Security-Policy allows no inline style.
                link rel="stylesheet" href=(super::assets::css_url());
                (head_extra)
            }
            body class=(body_class) { (content) }
        }
    }
}

/// The top bar of signed-in pages.
pub fn staff_bar(username: &str, role: &str, csrf: &str) -> Markup {
    html! {
        header.bar {
            strong { "chiso" }
            a href="/" { "Trang chủ" }
            a href="/scores" { "Kết quả chỉ số" }
            a href="/sipas" { "SIPAS" }
            a href="/papi" { "PAPI" }
            a href="/parindex" { "PAR INDEX" }
            a href="/agencies" { "Cơ quan chủ trì" }
            a href="/report" { "Báo cáo" }
            @if role != "viewer" { a href="/entry" { "Nhập phiếu giấy" } }
            @if matches!(role, "supervisor" | "admin") { a href="/import" { "Nhập tệp" } a href="/campaigns" { "Đợt khảo sát" } }
            @if role == "admin" { a href="/codes" { "Mã phiếu hẹn" } }
            @if matches!(role, "supervisor" | "admin") { a href="/audit" { "Nhật ký" } a href="/admin/users" { "Quản trị" } }
            span.note.who { (username) " (" (role) ")" }
            form method="post" action="/logout" {
                input type="hidden" name="csrf" value=(csrf);
                button type="submit" { "Đăng xuất" }
            }
        }
    }
}

/// The link to read this page in the other language; `here` is the page's path and query.
pub fn lang_switch(lang: crate::views::i18n::Lang, here: &str) -> Markup {
    let other = lang.other();
    let href = format!(
        "/lang/{}?{}",
        other.code(),
        serde_urlencoded::to_string([("back", here)]).unwrap_or_default()
    );
    html! {
        a.lang href=(href) hreflang=(other.code()) lang=(other.code()) {
            (other.pick("Tiếng Việt", "English"))
        }
    }
}
