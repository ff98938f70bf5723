use maud::{html, Markup, PreEscaped, DOCTYPE};

const CSS: &str = r#"
*{box-sizing:border-box}
[hidden]{display:none!important}
body{font-family:system-ui,"Segoe UI",Roboto,"Noto Sans",sans-serif;margin:0;color:#1a1a1a;background:#f6f7f9;line-height:1.45}
header.bar{background:#9b1c1c;color:#fff;padding:.6rem 1rem;display:flex;flex-wrap:wrap;gap:.4rem 1rem;align-items:center}
header.bar a{color:#fff;white-space:nowrap}
header.bar form{margin-left:auto}
main{max-width:72rem;margin:0 auto;padding:1rem}
h1{font-size:1.5rem}
.error{background:#fde8e8;border:2px solid #c81e1e;padding:.75rem;border-radius:.5rem}
.note{color:#555;font-size:.9rem}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{border-bottom:1px solid #ddd;padding:.35rem .5rem;text-align:left;vertical-align:top}
th.num{text-align:right}
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
body.kiosk h2{font-size:1.4rem;margin:1.2rem 0 .8rem;border-bottom:3px solid #9b1c1c}
body.kiosk h1{font-size:1.35rem;margin:.3rem 0 .6rem}
body.kiosk .unit{margin:0}
body.kiosk .kprogress{margin:.4rem 0 1rem;font-size:1.1rem}
body.kiosk .kprogress progress{height:1.1rem;accent-color:#9b1c1c}
body.kiosk fieldset.bad{border-left:5px solid #c81e1e;padding-left:.7rem}
body.kiosk .fielderror{color:#c81e1e;font-weight:600;margin:0 0 .5rem}
body.kiosk .choices{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:.6rem}
body.kiosk .choices.scale{grid-template-columns:repeat(6,minmax(0,1fr))}
body.kiosk .choices span{min-height:3.6rem;padding:.5rem .4rem;line-height:1.25}
body.kiosk .choices label.na span{border-style:dashed;color:#444}
body.kiosk fieldset{margin:0 0 1rem}
body.kiosk legend{font-size:1.2rem;margin-bottom:.4rem}
body.kiosk button,body.kiosk a.button{font-family:inherit}
body.kiosk .knav{display:flex;flex-direction:row-reverse;justify-content:space-between;align-items:center;gap:1rem;margin:1.6rem 0 2rem}
body.kiosk .knav button{font-size:1.3rem;padding:.9rem 1.6rem;min-height:4rem}
body.kiosk .knav button.big,a.button.big{font-size:1.6rem;padding:1rem 3rem;min-width:12rem}
body.kiosk .summary{margin:.8rem 0 0}
body.kiosk main.thanks h1{font-size:1.9rem}
body.kiosk main.stale p{font-size:1.35rem}
body.kiosk main.stale p.note{font-size:1rem}
@media (max-width:40rem){
  body.kiosk{font-size:1.15rem}
  body.kiosk .choices,body.kiosk .choices.scale{grid-template-columns:1fr;gap:.45rem}
  body.kiosk .choices span{min-height:2.9rem;padding:.35rem}
  body.kiosk .knav button.big{min-width:0;flex:1;padding:1rem}
}
/* one-time links: officials on phones */
body.invite main{max-width:44rem}
body.invite fieldset{border:0;margin:0 0 1.4rem;padding:0}
body.invite fieldset.bad{border-left:4px solid #c81e1e;padding-left:.6rem}
body.invite legend{font-weight:600;margin-bottom:.5rem}
body.invite h2{font-size:1.25rem;border-bottom:3px solid #9b1c1c;padding-bottom:.3rem}
body.invite .choices label{flex:1 1 6.5rem}
body.invite .choices span{min-height:3rem}
@media (max-width:40rem){body.invite .choices{flex-direction:column}body.invite .choices label{flex:none}}
.promise{background:#fff;border:1px solid #ccc;border-left:4px solid #046c4e;padding:.5rem 1rem;border-radius:.4rem}
.progress{display:flex;gap:.8rem;align-items:center;font-weight:600}
.progress progress{flex:1;height:1rem}
.nav{display:flex;gap:.8rem;justify-content:space-between;margin:1.5rem 0}
.nav button{font-size:1.1rem;padding:.8rem 1.2rem}
.nav button.primary{margin-left:auto}
/* printed links: a card per person, QR code beside the address */
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(20rem,1fr));gap:.8rem}
.card{background:#fff;border:1px dashed #888;padding:.6rem;display:flex;gap:.8rem;align-items:center;break-inside:avoid}
.card svg{width:8rem;height:8rem;flex:none}
.card .url{font-family:ui-monospace,monospace;font-size:.7rem;word-break:break-all}
td.hidden{color:#777}
.choices{display:flex;flex-wrap:wrap;gap:.5rem}
.choices label{flex:1 1 8.5rem;position:relative;display:flex}
.choices input{position:absolute;opacity:0}
.choices span{flex:1;display:flex;align-items:center;justify-content:center;min-height:3.6rem;padding:.8rem .5rem;border:2px solid #999;border-radius:.6rem;background:#fff;text-align:center}
.choices input:checked+span{background:#9b1c1c;color:#fff;border-color:#9b1c1c}
.choices input:focus-visible+span{outline:3px solid #f0b429}
.submit{font-size:1.6rem;padding:1rem 3rem;margin:1rem 0 3rem}
.thanks{text-align:center;padding-top:20vh;font-size:1.8rem}
/* staff pages */
nav.tabs{display:flex;flex-wrap:wrap;gap:.3rem 1rem;margin:.2rem 0 .5rem;font-size:.95rem}
code.secret{display:inline-block;font-size:1.05rem;background:#fff;border:1px solid #999;padding:.3rem .5rem;word-break:break-all;user-select:all}
.secret .qr svg{width:12rem;height:12rem}
tr.disabled td{color:#777}
table.admin details form{margin:.4rem 0}
table.admin button{white-space:nowrap}
table.admin details form.stack{padding:.6rem;min-width:14rem}
main.admin form.stack input[type=text],main.admin form.stack input[type=password]{display:block;width:100%}
h2{font-size:1.2rem;margin:1.5rem 0 .5rem}
.scroll{overflow-x:auto;max-width:100%}
.crumbs{font-size:.9rem;color:#555}
.links{margin-top:2rem}
a.button{display:inline-block;padding:.45rem .9rem;border:1px solid #888;border-radius:.4rem;background:#fff;color:#1a1a1a;text-decoration:none}
a.button.primary{background:#9b1c1c;color:#fff;border-color:#9b1c1c}
form.stack{display:grid;gap:.6rem;max-width:32rem;background:#fff;padding:1rem;border:1px solid #ddd;border-radius:.5rem}
form.stack>*{min-width:0}
form.stack select,form.stack fieldset{width:100%;min-width:0}
form.inline{display:flex;flex-wrap:wrap;gap:.6rem;align-items:end}
form.inline label{display:inline-block}
dl.progress{display:grid;gap:.3rem;margin:1rem 0}
dl.progress div{display:flex;flex-wrap:wrap;gap:.5rem;align-items:center}
dl.progress dt{min-width:14rem}
dl.progress dd{margin:0}
meter{width:10rem}
.saved{background:#e6f4ea;border:2px solid #046c4e;padding:.6rem;border-radius:.5rem}
kbd{border:1px solid #999;border-bottom-width:2px;border-radius:.25rem;padding:0 .3rem;font-size:.85em;background:#fff}
/* keying screen: dense, one row per question, the codes beside the box */
.keyrow{display:grid;grid-template-columns:minmax(0,1fr) 3.2rem;gap:.15rem .6rem;align-items:center;padding:.3rem .4rem;border-bottom:1px solid #e3e3e3;background:#fff}
.keyrow label{font-size:.95rem}
.keyrow input{font-size:1.15rem;font-family:ui-monospace,monospace;text-align:center;width:3.2rem}
.keyrow.wide,.keyrow.text{grid-template-columns:minmax(0,1fr) minmax(8rem,14rem)}
.keyrow.wide input,.keyrow.text input{width:100%;text-align:left}
.keyrow .codes{grid-column:1/-1;font-size:.8rem;color:#555;display:flex;flex-wrap:wrap;gap:0 .9rem}
.keyrow .code{white-space:nowrap}
.keyrow.current{background:#fff8e1}
.keyrow.skipped{opacity:.4}
.keyrow.skipped input{background:#eee}
.qnum{font-weight:600;white-space:nowrap}
.fielderror{grid-column:1/-1;color:#c81e1e;font-weight:600;font-size:.9rem}
input.bad{border:2px solid #c81e1e;background:#fde8e8}
.skip{color:#555;font-style:italic}
table.dispute td{vertical-align:middle}
/* the printed paper form */
main.paper{max-width:48rem;background:#fff;padding:1.5rem}
.formhead{text-align:center}
.formhead .nation{font-weight:600;font-size:.9rem}
.formhead h1{font-size:1.25rem;text-transform:uppercase}
.boxes{display:flex;flex-wrap:wrap;gap:1rem;justify-content:center;margin:.5rem 0 1rem}
.box{display:inline-block;width:2.2rem;height:1.4rem;border:1px solid #000;vertical-align:middle}
.box.wide{width:6rem}
.q{break-inside:avoid;margin:.4rem 0 .7rem}
.qtext{margin:.2rem 0}
ol.codes{list-style:none;display:flex;flex-wrap:wrap;gap:.2rem 1.2rem;padding-left:1.5rem;margin:.2rem 0}
ol.codes .code{display:inline-block;min-width:1.4rem;height:1.4rem;border:1px solid #000;border-radius:50%;text-align:center;line-height:1.3rem;font-weight:600}
.lines span{display:block;border-bottom:1px dotted #000;height:1.6rem}
.footer{font-size:.75rem;color:#555;margin-top:2rem}
@media (max-width:40rem){
  header.bar{flex-wrap:wrap}
  main{padding:.6rem}
  .keyrow{grid-template-columns:minmax(0,1fr) 3rem}
  /* admin lists: a card per row, each value under its heading's name */
  table.admin thead{display:none}
  table.admin tr{display:block;padding:.4rem 0;border-bottom:1px solid #ccc}
  table.admin td{display:block;border:0;padding:.1rem .5rem}
  table.admin td.num{text-align:left}
  table.admin td[data-label]::before{content:attr(data-label) ": ";color:#555}
}
@media print{
  header.bar,.noprint,.links,form.stack,a.button,.keyhelp{display:none}
  body{background:#fff;font-size:11pt}
  main,main.paper{max-width:none;padding:0}
  table{font-size:9.5pt}
  a{color:#000;text-decoration:none}
  h2{break-after:avoid}
  .cards{grid-template-columns:1fr 1fr}
}
@page{size:A4;margin:15mm 14mm}
/* where the city stands: home, /parindex, /parindex/criteria/…, /agencies, /report */
main.standing .langsw{float:right;margin:0}
form.filters{display:flex;gap:1rem;flex-wrap:wrap;align-items:end;margin-bottom:1rem}
.kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(14rem,1fr));gap:.8rem;margin:1rem 0}
.kpi{background:#fff;border:1px solid #ddd;border-left:4px solid #9b1c1c;border-radius:.4rem;padding:.6rem .8rem;display:flex;flex-direction:column;gap:.15rem}
.kpi .label{font-size:.9rem;color:#444}
.kpi strong.big{font-size:1.8rem;font-variant-numeric:tabular-nums}
p.empty{background:#fff;border:1px dashed #999;padding:.6rem;border-radius:.4rem}
table.par tr.group td{font-weight:600;background:#f3f4f6}
table.par td.name{min-width:14rem}
ol.costliest li{margin:.4rem 0}
ol.tasks li{margin:.6rem 0}
td.basis details{max-width:22rem}
textarea{font:inherit;width:100%;padding:.4rem}
@media (max-width:40rem){
  .kpi strong.big{font-size:1.4rem}
  form.filters{gap:.5rem}
}
@media print{
  main.standing .langsw,form.filters,details.basis,td.basis{display:none}
  .kpis{grid-template-columns:repeat(3,1fr)}
  body.report table{font-size:8.5pt}
  body.report h2{margin:.8rem 0 .3rem}
  body.report th,body.report td{padding:.15rem .3rem}
  body.report .note,body.report p{font-size:8.5pt}
  .kpi strong.big{font-size:16pt}
  .kpi{padding:.3rem .5rem}
  table.par td.name{min-width:0}
}
"#;

/// Results pages: /scores, /sipas, /papi, /public, and the error pages.
const VIEWS_CSS: &str = r#"
/* results pages (/scores, /sipas, /papi, /public) */
figure.data{margin:1rem 0 1.5rem;overflow-x:auto}
figure.data figcaption{margin:.3rem 0;display:flex;flex-wrap:wrap;gap:.2rem .8rem;align-items:baseline}
.downloads{font-size:.85rem}
table.data td.num,table.data th.num{text-align:right}
p.empty{background:#fff;border:1px dashed #999;padding:.8rem;border-radius:.4rem}
form.filters{display:flex;gap:.6rem 1rem;flex-wrap:wrap;align-items:end;margin-bottom:1rem}
.crumbs a{white-space:nowrap}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(22rem,1fr));gap:1rem;align-items:start}
tr.item td.name,tr.item td:nth-child(2){padding-left:1.5rem}
.lang{margin-left:.5rem}
@media (max-width:40rem){
  .charts{grid-template-columns:1fr}
  table.data thead{display:none}
  table.data,table.data tbody,table.data tr,table.data td{display:block;width:100%}
  table.data tr{padding:.4rem 0;border-bottom:1px solid #bbb}
  table.data td{border:0;padding:.1rem .5rem;text-align:left}
  table.data td.num{text-align:left;white-space:normal}
  table.data td[data-label]::before{content:attr(data-label) ": ";color:#555}
  tr.item td.name,tr.item td:nth-child(2){padding-left:.5rem}
}
@media print{
  form.filters,.downloads,.lang,nav.crumbs a.up{display:none}
  figure.data{overflow:visible}
  table.data{font-size:8.5pt}
  table.data .note,table.data .up,table.data .down{font-size:inherit;white-space:normal}
  table.data td,table.data th{padding:.15rem .3rem}
  table.data td:nth-child(2){min-width:14em}
  tr{break-inside:avoid}
}
"#;

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
                style { (PreEscaped(CSS)) (PreEscaped(VIEWS_CSS)) (PreEscaped(super::chart::CSS)) }
                (head_extra)
            }
            body class=(body_class) { (content) }
        }
    }
}

/// The top bar of signed-in pages, in the page's language, with the switch to the other
/// language returning to `here` (the page's path and query).
pub fn staff_bar(
    lang: crate::views::i18n::Lang,
    here: &str,
    username: &str,
    role: &str,
    csrf: &str,
) -> Markup {
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
            @if role != "viewer" { a href="/entry" { (l.pick("Nhập phiếu giấy", "Paper forms")) } }
            @if matches!(role, "supervisor" | "admin") { a href="/import" { (l.pick("Nhập tệp", "Import a file")) } a href="/campaigns" { (l.pick("Đợt khảo sát", "Campaigns")) } }
            @if role == "admin" { a href="/codes" { (l.pick("Mã phiếu hẹn", "Slip codes")) } }
            @if matches!(role, "supervisor" | "admin") { a href="/audit" { (l.pick("Nhật ký", "Audit log")) } a href="/admin/users" { (l.pick("Quản trị", "Administration")) } }
            (lang_switch(lang, here))
            span.note style="color:#fdd" { (username) " (" (role) ")" }
            form method="post" action="/logout" {
                input type="hidden" name="csrf" value=(csrf);
                button type="submit" { (l.pick("Đăng xuất", "Sign out")) }
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
