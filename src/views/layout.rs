use maud::{html, Markup, PreEscaped, DOCTYPE};

const CSS: &str = r#"
*{box-sizing:border-box}
body{font-family:system-ui,"Segoe UI",Roboto,"Noto Sans",sans-serif;margin:0;color:#1a1a1a;background:#f6f7f9;line-height:1.45}
header.bar{background:#9b1c1c;color:#fff;padding:.6rem 1rem;display:flex;gap:1rem;align-items:center}
header.bar a{color:#fff}
header.bar form{margin-left:auto}
main{max-width:72rem;margin:0 auto;padding:1rem}
h1{font-size:1.5rem}
.error{background:#fde8e8;border:2px solid #c81e1e;padding:.75rem;border-radius:.5rem}
.note{color:#555;font-size:.9rem}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{border-bottom:1px solid #ddd;padding:.35rem .5rem;text-align:left;vertical-align:top}
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.item td{font-size:.85rem;color:#444}
tr.item td.name{padding-left:2rem}
.up{color:#046c4e}.down{color:#c81e1e}
label{display:block}
input[type=text],input[type=password],input[type=number],select{font-size:1rem;padding:.4rem;max-width:100%}
form label{max-width:100%}
button{font-size:1rem;padding:.5rem 1rem;border-radius:.4rem;border:1px solid #888;background:#fff;cursor:pointer}
button.primary{background:#9b1c1c;color:#fff;border-color:#9b1c1c}
/* kiosk: readable at arm's length, large touch targets */
body.kiosk{font-size:1.3rem}
body.kiosk main{max-width:60rem}
body.kiosk fieldset{border:0;margin:0 0 1.4rem;padding:0}
body.kiosk legend{font-weight:600;margin-bottom:.5rem}
body.kiosk h2{font-size:1.4rem;margin:1.8rem 0 .8rem;border-bottom:3px solid #9b1c1c}
.choices{display:flex;flex-wrap:wrap;gap:.5rem}
.choices label{flex:1 1 8.5rem;position:relative;display:flex}
.choices input{position:absolute;opacity:0}
.choices span{flex:1;display:flex;align-items:center;justify-content:center;min-height:3.6rem;padding:.8rem .5rem;border:2px solid #999;border-radius:.6rem;background:#fff;text-align:center}
.choices input:checked+span{background:#9b1c1c;color:#fff;border-color:#9b1c1c}
.choices input:focus-visible+span{outline:3px solid #f0b429}
.submit{font-size:1.6rem;padding:1rem 3rem;margin:1rem 0 3rem}
.thanks{text-align:center;padding-top:20vh;font-size:1.8rem}
"#;

/// The page shell.
pub fn page(title: &str, body_class: &str, head_extra: Markup, content: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="vi" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · chiso" }
                style { (PreEscaped(CSS)) }
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
            a href="/scores" { "Kết quả chỉ số" }
            a href="/parindex" { "PAR INDEX" }
            span.note style="color:#fdd" { (username) " (" (role) ")" }
            form method="post" action="/logout" {
                input type="hidden" name="csrf" value=(csrf);
                button type="submit" { "Đăng xuất" }
            }
        }
    }
}
