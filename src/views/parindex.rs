//! The PAR INDEX page: every criterion the plan lists, its 2022 points, the gap to the
//! maximum, who owns it, and this period's estimate where the city's own surveys measure it.

use super::layout::{page, staff_bar};
use crate::report::{ParReport, ParRow};
use maud::{html, Markup};

pub fn method_label(method: &str) -> &'static str {
    match method {
        "officials_survey" => "Điều tra xã hội học",
        "sipas" => "SIPAS",
        "appraisal" => "Thẩm định",
        "socioeconomic" => "Kinh tế - xã hội",
        "group" => "Tổng các tiêu chí thành phần",
        _ => "",
    }
}

pub fn parindex(r: &ParReport, username: &str, role: &str, csrf: &str, unit_name: &str) -> Markup {
    page(
        "PAR INDEX",
        "",
        html! {},
        html! {
            (staff_bar(username, role, csrf))
            main {
                h1 { (r.title) }
                p {
                    "Kết quả công bố năm 2022: " strong { (r.published_total.replace('.', ",")) " %" }
                    ", xếp hạng " (r.published_rank) "/" (r.provinces) ". "
                    @if let Some(t) = &r.target_total { "Mục tiêu nhóm 20 tỉnh dẫn đầu: " strong { (t.replace('.', ",")) " %" } " " }
                    @if let Some(n) = &r.target_note { span.note { "(" (n) ")" } }
                }
                p.note {
                    "Tổng điểm là số đã công bố, không tính lại từ các dòng dưới. Ước tính năm " (r.period)
                    " (" (unit_name) ") lấy từ phiếu khảo sát cán bộ lãnh đạo và phiếu SIPAS đã thu; các tiêu chí thẩm định và kinh tế - xã hội không ước tính được từ khảo sát."
                }
                form method="get" action="/parindex" style="margin-bottom:1rem" {
                    label { "Năm " input type="number" name="period" value=(r.period) min="2000" max="2100"; }
                    " " button type="submit" { "Xem" }
                }
                @for f in &r.fields {
                    @if !f.rows.is_empty() {
                        h2 { "Lĩnh vực " (f.code) ". " (f.name) }
                        table {
                            thead { tr {
                                th { "Mã" } th { "Tiêu chí" } th { "Tối đa" } th { "Điểm 2022" } th { "Còn thiếu" }
                                th { "Cách đánh giá" } th { "Ước tính " (r.period) } th { "n" } th { "So với 2022" } th { "Cơ quan chủ trì" }
                            } }
                            tbody { @for row in &f.rows { (par_row(row)) } }
                        }
                    }
                }
            }
        },
    )
}

fn par_row(r: &ParRow) -> Markup {
    html! {
        tr {
            td { (r.code) }
            td { (r.name) @if let Some(n) = &r.note { br; span.note { (n) } } }
            td.num { (r.max.as_deref().unwrap_or("?")) }
            td.num { (r.points_2022) }
            td.num { (r.shortfall_2022.as_deref().unwrap_or("?")) }
            td { (method_label(&r.method)) }
            td.num { (r.estimate.as_deref().unwrap_or("—")) }
            td.num { @if r.estimate.is_some() { (r.estimate_n) } }
            td.num { (r.delta.as_deref().unwrap_or("")) }
            td { (r.owner) }
        }
    }
}
