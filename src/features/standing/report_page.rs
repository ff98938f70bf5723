//! The printable report: the standing on A4 for a leaders' meeting, with SIPAS by unit.

use crate::features::standing::page::{
    gaps_table, indices_table, paths, projection, selection_form, shell,
};
use crate::features::standing::service::{Selection, SipasByUnit, Standing};
use crate::survey::plan::Plan;
use crate::text::Lang;
use crate::ui::staff::Staff;
use chrono::{DateTime, Utc};
use maud::{html, Markup};

/// What each chance assumes, written out: on paper there is no "Assumptions" to open.
fn assumptions(lang: Lang, st: &Standing) -> Markup {
    let top =
        |t: &crate::scoring::top20::Top20| lang.pick(&t.top20_basis, &t.top20_basis_en).to_string();
    html! {
        h3 { (lang.pick("Giả định của từng khả năng", "What each chance assumes")) }
        ol.assumptions {
            li { strong { "PAR INDEX" } ": " (top(&st.par.projection.top20)) }
            @for s in &st.surveys { @for n in &s.scores.nodes { @if let Some(t) = &n.top20 {
                li { strong { (lang.titled(&s.title, s.title_en.as_deref())) } ": " (top(t)) }
            } } }
        }
    }
}

pub fn report(
    c: &Staff,
    s: &Selection,
    plan: Option<&Plan>,
    st: &Standing,
    sipas: &SipasByUnit,
    read_at: DateTime<Utc>,
) -> Markup {
    let local = crate::clock::vietnam_time(read_at);
    let lang = c.lang;
    let gaps = st.par.gaps();
    let o = crate::features::standing::owners::Owners::of_report(lang, plan, &st.par);
    shell(
        c,
        lang.pick("Báo cáo tình hình chỉ số", "Standing report"),
        "report",
        html! {
            h1 { (lang.pick("Tình hình các chỉ số năm ", "The indices in ")) (s.period) " — " (s.unit_name) }
            p.read-at { (lang.pick("Số liệu đọc lúc ", "Data read at ")) (local.format("%H:%M")) (lang.pick(" ngày ", " on ")) (local.format("%d/%m/%Y")) (lang.pick(" (giờ Việt Nam).", " (Vietnam time).")) }
            (selection_form(c, s, "/report"))
            p.noprint { (lang.pick("Trang này được soạn để in trên giấy A4 (Ctrl+P).", "This page is laid out for A4 paper (Ctrl+P).")) }
            (projection(lang, &st.par, &st.paths[0]))
            h2 { (lang.pick("Khả năng vào top 20", "Chance of the top 20")) }
            (indices_table(lang, st))
            (assumptions(lang, st))
            (paths(lang, st))
            h2 { (lang.pick("Mười chỗ mất điểm lớn nhất và cơ quan chủ trì", "The ten largest gaps and their owners")) }
            @if gaps.is_empty() { p.empty { (lang.pick("Chưa có dữ liệu…", "No data yet…")) } } @else { (gaps_table(c, &o, &gaps.into_iter().take(10).collect::<Vec<_>>())) }
            h2 { "SIPAS " (lang.pick("theo đơn vị", "by unit")) " — " (sipas.title) }
            @if sipas.rows.is_empty() { p.empty { (lang.pick("Chưa có dữ liệu…", "No data yet…")) } } @else {
                table.sipas {
                    thead { tr { th { (lang.pick("Đơn vị", "Unit")) } th.num { (lang.pick("Chỉ số phục vụ", "Service index")) } th.num { (lang.pick("Khoảng 95 %", "95 % interval")) } th.num { "n" } th.num { (lang.pick("Điểm 8.1", "8.1 points")) } } }
                    tbody { @for r in &sipas.rows { tr {
                        td { (r.unit) }
                        td.num { @if let Some(v) = r.value { (lang.percent(v, 2)) } @else { "—" } }
                        td.num { @if let Some((l, h)) = r.ci { (lang.number(l, 2)) "–" (lang.number(h, 2)) } }
                        td.num { (lang.count(r.n)) }
                        td.num { @if let Some(p) = &r.points { (lang.decimal_text(p)) } }
                    } } }
                }
                p.note {
                @if sipas.few > 0 { (lang.count(sipas.few as i64)) (lang.pick(" đơn vị khác có phiếu nhưng không hiện: dưới ", " other units have forms but are not shown: fewer than ")) (lang.count(sipas.min_cell)) (lang.pick(" câu trả lời, hoặc ẩn cùng một đơn vị như vậy để không ai suy ra được nó bằng phép trừ. ", " answers, or withheld with such a unit so that no one can work it out by subtraction. ")) }
                @else { (lang.pick("Đơn vị có dưới ", "Units with fewer than ")) (lang.count(sipas.min_cell)) (lang.pick(" câu trả lời không hiện giá trị. ", " answers show no value. ")) }
                @if sipas.without > 0 { (lang.count(sipas.without as i64)) (lang.pick(" đơn vị khác chưa có phiếu nào.", " other units have no forms yet.")) }
            }
            }
        },
    )
}
