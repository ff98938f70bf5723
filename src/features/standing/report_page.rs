//! The printable report: the standing on A4 for a leaders' meeting, with SIPAS by unit.

use crate::features::standing::page::{
    gaps_table, indices_table, projection, selection_form, shell,
};
use crate::features::standing::service::{Selection, SipasByUnit, Standing};
use crate::survey::plan::Plan;
use crate::ui::staff::Staff;
use maud::{html, Markup};

pub fn report(
    c: &Staff,
    s: &Selection,
    plan: Option<&Plan>,
    st: &Standing,
    sipas: &SipasByUnit,
) -> Markup {
    let lang = c.lang;
    let gaps = st.par.gaps();
    let o = crate::features::standing::owners::Owners::of_report(lang, plan, &st.par);
    shell(
        c,
        lang.pick("Báo cáo tình hình chỉ số", "Standing report"),
        "report",
        html! {
            h1 { (lang.pick("Tình hình các chỉ số năm ", "The indices in ")) (s.period) " — " (s.unit_name) }
            (selection_form(c, s, "/report"))
            p.noprint { (lang.pick("Trang này được soạn để in trên giấy A4 (Ctrl+P).", "This page is laid out for A4 paper (Ctrl+P).")) }
            (projection(lang, &st.par))
            h2 { (lang.pick("Khả năng vào top 20", "Chance of the top 20")) }
            (indices_table(lang, st))
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
