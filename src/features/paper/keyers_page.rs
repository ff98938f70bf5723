//! Keyer statistics: speed and accuracy by keyer and by batch.

use crate::features::paper::page::{under_entry, Staff};
use crate::features::paper::service::statistics::{KeyerStats, Report};
use crate::survey::Survey;
use crate::text::Lang;
use maud::{html, Markup};

pub struct KeyersPage<'a> {
    pub staff: Staff<'a>,
    pub surveys: Vec<&'a Survey>,
    pub survey: &'a Survey,
    pub report: &'a Report,
}

pub fn keyers(p: &KeyersPage) -> Markup {
    let (st, r) = (&p.staff, p.report);
    let l = st.lang;
    let batch_label = |id: &str| {
        r.batch_labels
            .get(id)
            .cloned()
            .unwrap_or_else(|| l.pick("(nhập từ tệp)", "(imported from a file)").into())
    };
    under_entry(
        st,
        st.t("Thống kê người nhập", "Keyer statistics"),
        st.t("thống kê người nhập", "keyer statistics"),
        html! {
            h1 { (st.t("Thống kê người nhập phiếu", "Keyer statistics")) }
            form.inline method="get" action="/entry/keyers" {
                label { (st.t("Phiếu khảo sát ", "Survey ")) select name="survey" {
                    @for s in &p.surveys { option value=(s.id) selected[s.id == p.survey.id] { (s.id) " — " (s.title_in(l)) } }
                } }
                label { (st.t("Năm ", "Year ")) input type="number" name="period" value=(r.period) min="2000" max="2100"; }
                button type="submit" { (st.t("Xem", "Show")) }
            }
            p.note {
                @match l {
                    Lang::Vi => {
                        "Thời gian là thời gian mở màn hình nhập đến khi lưu (mỗi phiếu tính tối đa 30 phút). "
                        "Ô khác nhau: số ô mà hai lần nhập của cùng một phiếu không trùng nhau, trên 1.000 ô đã nhập. "
                        "Ô nhập sai: sau khi người giám sát đối chiếu, số ô của lần nhập này khác với giá trị đúng, trên 1.000 ô."
                    }
                    Lang::En => {
                        "Time runs from opening the keying screen to saving (at most 30 minutes a form). "
                        "Fields that differ: fields where a form's two keyings disagree, per 1,000 fields keyed. "
                        "Fields keyed wrong: after a supervisor settled the form, fields of this keying that differ from the right value, per 1,000 fields."
                    }
                }
            }
            h2 { (st.t("Theo người nhập", "By keyer")) }
            (table(l, st.t("Người nhập", "Keyer"), &r.by_keyer, &|s: &str| s.to_string()))
            h2 { (st.t("Theo lô phiếu", "By batch")) }
            (table(l, st.t("Lô phiếu", "Batch"), &r.by_batch, &batch_label))
        },
    )
}

fn rate(l: Lang, x: Option<f64>, decimals: usize) -> String {
    x.map_or("—".into(), |v| l.number(v, decimals))
}

fn table(l: Lang, first: &str, rows: &[KeyerStats], name: &dyn Fn(&str) -> String) -> Markup {
    html! {
        @if rows.is_empty() {
            p { (l.pick("Chưa có phiếu nào được nhập trong năm này.", "No form has been keyed for this year yet.")) }
        } @else {
            div.scroll { table {
                thead { tr {
                    th { (first) } th.num { (l.pick("Lần nhập", "Keyings")) } th.num { (l.pick("Ô đã nhập", "Fields keyed")) } th.num { (l.pick("Giờ", "Hours")) }
                    th.num { (l.pick("Phiếu/giờ", "Forms/hour")) } th.num { (l.pick("Ô/giờ", "Fields/hour")) } th.num { (l.pick("Ô khác nhau /1.000", "Fields that differ /1,000")) } th.num { (l.pick("Ô nhập sai /1.000", "Fields keyed wrong /1,000")) }
                } }
                tbody { @for r in rows {
                    tr {
                        td { (name(&r.name)) }
                        td.num { (l.count(r.forms)) }
                        td.num { (l.count(r.fields)) }
                        td.num { (l.number(r.seconds as f64 / 3600.0, 2)) }
                        td.num { (rate(l, r.forms_per_hour(), 1)) }
                        td.num { (rate(l, r.fields_per_hour(), 0)) }
                        td.num { (rate(l, r.differences_per_1000(), 1)) }
                        td.num { (rate(l, r.wrong_per_1000(), 1)) }
                    }
                } }
            } }
        }
    }
}
