use maud::{html, Markup, DOCTYPE};

/// The page shell, in a language.
pub fn page_in(
    lang: crate::text::Lang,
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
                link rel="stylesheet" href=(crate::ui::assets::css_url());
                (head_extra)
            }
            body class=(body_class) { (content) }
        }
    }
}

/// A page whose head holds the stylesheet alone; `look` is its body's class ("" for the
/// plain look, "invite" for the forms the public answer on their phones).
pub fn page(lang: crate::text::Lang, title: &str, look: &str, content: Markup) -> Markup {
    page_in(lang, title, look, html! {}, content)
}

/// Why what was sent was refused, read out as an alert; nothing when nothing was.
pub fn alert(message: Option<&str>) -> Markup {
    html! { @if let Some(e) = message { p.error role="alert" { (e) } } }
}

/// The search box a long list of units gets (`data-search` on its `select`).
pub fn unit_search(l: crate::text::Lang) -> &'static str {
    l.pick(
        "Tìm đơn vị (gõ một phần tên, không dấu cũng được):",
        "Find a unit (type part of its name):",
    )
}

/// A day to type, written as the page's language writes days (15/06/2025; 2025-06-15 in
/// English), never in the browser's own order (a date field shows mm/dd/yyyy on many
/// computers). The server reads either way.
pub fn day_input(l: crate::text::Lang, name: &str, stored: &str) -> Markup {
    let shown = if stored.is_empty() {
        String::new()
    } else {
        l.when(stored)
    };
    html! {
        input type="text" name=(name) value=(shown) inputmode="numeric" maxlength="10" size="10"
            autocomplete="off" placeholder=(l.pick("ngày/tháng/năm", "YYYY-MM-DD"));
    }
}

/// A role as the people who hold it say it.
pub fn role_name(l: crate::text::Lang, role: crate::db::auth::Role) -> &'static str {
    use crate::db::auth::Role;
    match role {
        Role::Viewer => l.pick("xem kết quả", "viewer"),
        Role::Surveyor => l.pick("điều tra viên", "surveyor"),
        Role::Supervisor => l.pick("giám sát", "supervisor"),
        Role::Admin => l.pick("quản trị", "administrator"),
    }
}

/// The top bar of signed-in pages, in the page's language, with the switch to the other
/// language returning to `here` (the page's path and query).
pub fn staff_bar(
    lang: crate::text::Lang,
    here: &str,
    username: &str,
    role: crate::db::auth::Role,
    csrf: &str,
) -> Markup {
    use crate::db::auth::Role;
    let l = lang;
    html! {
        header.bar {
            strong { "chiso" }
            a href="/" { (l.pick("Trang chủ", "Home")) }
            a href="/scores" { (l.pick("Kết quả chỉ số", "Index results")) }
            a href="/sipas" { "SIPAS" }
            a href="/papi" { "PAPI" }
            a href="/parindex" { "PAR INDEX" }
            a href="/agencies" { (l.pick("Cơ quan chủ trì", "Lead agencies")) }
            a href="/report" { (l.pick("Báo cáo", "Report")) }
            @if role >= Role::Surveyor { a href="/entry" { (l.pick("Nhập phiếu giấy", "Paper forms")) } }
            @if role >= Role::Supervisor { a href="/import" { (l.pick("Nhập tệp", "Import a file")) } a href="/campaigns" { (l.pick("Đợt khảo sát", "Campaigns")) } }
            @if role == Role::Admin { a href="/codes" { (l.pick("Mã phiếu hẹn", "Slip codes")) } }
            @if role >= Role::Supervisor { a href="/audit" { (l.pick("Nhật ký", "Audit log")) } a href="/admin/users" { (l.pick("Quản trị", "Administration")) } }
            (lang_switch(lang, here))
            span.note.who { (username) " (" (role_name(l, role)) ")" }
            form method="post" action="/logout" {
                input type="hidden" name="csrf" value=(csrf);
                button type="submit" { (l.pick("Đăng xuất", "Sign out")) }
            }
        }
    }
}

/// The link to read this page in the other language; `here` is the page's path and query.
pub fn lang_switch(lang: crate::text::Lang, here: &str) -> Markup {
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

/// The first option of a list a person must choose from: empty, so that a form sent without a
/// choice is refused (the field named) rather than taking the first entry unseen.
pub fn choose_option(lang: crate::text::Lang) -> Markup {
    html! { option value="" { (lang.pick("— Chọn —", "— Choose —")) } }
}
