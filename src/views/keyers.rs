//! Keyer statistics: speed and accuracy by keyer and by batch.

use super::entry::Staff;
use super::format::{count, number};
use super::layout::{page, staff_bar};
use crate::app::paper::KeyerStats;
use crate::survey::Survey;
use maud::{html, Markup};

pub struct KeyersPage<'a> {
    pub staff: Staff<'a>,
    pub surveys: Vec<&'a Survey>,
    pub survey: &'a Survey,
    pub period: i32,
    pub by_keyer: &'a [KeyerStats],
    pub by_batch: &'a [KeyerStats],
    pub batch_label: &'a dyn Fn(&str) -> String,
}

pub fn keyers(p: &KeyersPage) -> Markup {
    page(
        "Thống kê người nhập",
        "",
        html! {},
        html! {
            (staff_bar(p.staff.username, p.staff.role, p.staff.csrf))
            main {
                p.crumbs { a href="/entry" { "Nhập phiếu giấy" } " › thống kê người nhập" }
                h1 { "Thống kê người nhập phiếu" }
                form.inline method="get" action="/entry/keyers" {
                    label { "Phiếu khảo sát " select name="survey" {
                        @for s in &p.surveys { option value=(s.id) selected[s.id == p.survey.id] { (s.title) } }
                    } }
                    label { "Năm " input type="number" name="period" value=(p.period) min="2000" max="2100"; }
                    button type="submit" { "Xem" }
                }
                p.note {
                    "Thời gian là thời gian mở màn hình nhập đến khi lưu (mỗi phiếu tính tối đa 30 phút). "
                    "Ô khác nhau: số ô mà hai lần nhập của cùng một phiếu không trùng nhau, trên 1.000 ô đã nhập. "
                    "Ô nhập sai: sau khi người giám sát đối chiếu, số ô của lần nhập này khác với giá trị đúng, trên 1.000 ô."
                }
                h2 { "Theo người nhập" }
                (table("Người nhập", p.by_keyer, &|s: &str| s.to_string()))
                h2 { "Theo lô phiếu" }
                (table("Lô phiếu", p.by_batch, p.batch_label))
            }
        },
    )
}

fn rate(x: Option<f64>, decimals: usize) -> String {
    x.map_or("—".into(), |v| number(v, decimals))
}

fn table(first: &str, rows: &[KeyerStats], name: &dyn Fn(&str) -> String) -> Markup {
    html! {
        @if rows.is_empty() {
            p { "Chưa có phiếu nào được nhập trong năm này." }
        } @else {
            div.scroll { table {
                thead { tr {
                    th { (first) } th.num { "Lần nhập" } th.num { "Ô đã nhập" } th.num { "Giờ" }
                    th.num { "Phiếu/giờ" } th.num { "Ô/giờ" } th.num { "Ô khác nhau /1.000" } th.num { "Ô nhập sai /1.000" }
                } }
                tbody { @for r in rows {
                    tr {
                        td { (name(&r.name)) }
                        td.num { (count(r.forms)) }
                        td.num { (count(r.fields)) }
                        td.num { (number(r.seconds as f64 / 3600.0, 2)) }
                        td.num { (rate(r.forms_per_hour(), 1)) }
                        td.num { (rate(r.fields_per_hour(), 0)) }
                        td.num { (rate(r.differences_per_1000(), 1)) }
                        td.num { (rate(r.wrong_per_1000(), 1)) }
                    }
                } }
            } }
        }
    }
}
