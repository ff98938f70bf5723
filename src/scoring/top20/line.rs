//! The published rank-20 line a chance is drawn against, said in words with its year, bounds,
//! how it is known and its sources.

use crate::text::Lang::{En, Vi};
use rust_decimal::prelude::ToPrimitive;

/// The published line a chance is drawn against, in words, with its year, bounds and sources;
/// `movement`, where the other provinces' values are drawn moving by it.
pub fn line_words(
    a: &crate::survey::published::Against,
    movement: Option<f64>,
) -> (String, String) {
    let l = &a.line;
    let (low, high) = (
        l.low.to_f64().unwrap_or(0.0),
        l.high.to_f64().unwrap_or(0.0),
    );
    let digits = if a.field.is_empty() { 2 } else { 4 };
    let (vi, en) = if l.estimate {
        (
            format!(
                "Ngưỡng hạng 20 năm {} (ước tính, không được công bố): trong khoảng {}–{}, {}; mỗi lần mô phỏng lấy ngưỡng đều trong khoảng này.",
                l.year,
                Vi.number(low, digits),
                Vi.number(high, digits),
                l.note
            ),
            format!(
                "The rank-20 line of {} (an estimate, not published): between {} and {}, {}; each simulation draws the line uniformly between them.",
                l.year,
                En.number(low, digits),
                En.number(high, digits),
                l.note_en
            ),
        )
    } else {
        (
            format!(
                "Ngưỡng hạng 20 năm {}: {} ({}).",
                l.year,
                Vi.number(low, digits),
                l.note
            ),
            format!(
                "The rank-20 line of {}: {} ({}).",
                l.year,
                En.number(low, digits),
                l.note_en
            ),
        )
    };
    let moved = match (&a.field.is_empty(), movement, a.measured_movement) {
        (false, Some(m), Some((sd, n))) => (
            format!(
                " Các tỉnh khác lấy tổng điểm năm {} cộng thay đổi một năm theo phân phối chuẩn, độ lệch chuẩn {} (đo trên {} thay đổi giữa hai năm liền nhau trong bảng: {}).",
                l.year,
                Vi.number(m, 2),
                Vi.count(n as i64),
                Vi.number(sd, 2)
            ),
            format!(
                " The other provinces take their {} totals plus a one-year change drawn from a normal distribution with standard deviation {} (measured over {} changes between consecutive years in the table: {}).",
                l.year,
                En.number(m, 2),
                En.count(n as i64),
                En.number(sd, 2)
            ),
        ),
        _ => (String::new(), String::new()),
    };
    (
        format!("{vi}{} Nguồn: {}. ", moved.0, a.cited.0),
        format!("{en}{} Source: {}. ", moved.1, a.cited.1),
    )
}
