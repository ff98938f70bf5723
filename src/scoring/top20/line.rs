//! The published rank-20 line a chance is drawn against, said in words with its year, bounds,
//! how it is known and its sources.

use crate::text::Lang::{self, En, Vi};
use rust_decimal::prelude::ToPrimitive;

/// The published line a chance is drawn against, in words, with its year, bounds and sources;
/// `movement`, where the other provinces' values are drawn moving by it.
pub fn line_words(
    a: &crate::survey::published::Against,
    movement: Option<f64>,
) -> (String, String) {
    let l = &a.line;
    let year = l.year;
    let digits = if a.field.is_empty() { 2 } else { 4 };
    let words = |lang: Lang| {
        let low = lang.number(l.low.to_f64().unwrap_or(0.0), digits);
        let high = lang.number(l.high.to_f64().unwrap_or(0.0), digits);
        let note = lang.pick(&l.note, &l.note_en);
        let line = match (lang, l.estimate) {
            (Vi, true) => format!("Ngưỡng hạng 20 năm {year} (ước tính, không được công bố): trong khoảng {low}–{high}, {note}; mỗi lần mô phỏng lấy ngưỡng đều trong khoảng này."),
            (En, true) => format!("The rank-20 line of {year} (an estimate, not published): between {low} and {high}, {note}; each simulation draws the line uniformly between them."),
            (Vi, false) => format!("Ngưỡng hạng 20 năm {year}: {low} ({note})."),
            (En, false) => format!("The rank-20 line of {year}: {low} ({note})."),
        };
        let moved = match (a.field.is_empty(), movement, a.measured_movement) {
            (false, Some(m), Some((sd, n))) => {
                let (m, n, sd) = (lang.number(m, 2), lang.count(n as i64), lang.number(sd, 2));
                match lang {
                    Vi => format!(" Các tỉnh khác lấy tổng điểm năm {year} cộng thay đổi một năm theo phân phối chuẩn, độ lệch chuẩn {m} (đo trên {n} thay đổi giữa hai năm liền nhau trong bảng: {sd})."),
                    En => format!(" The other provinces take their {year} totals plus a one-year change drawn from a normal distribution with standard deviation {m} (measured over {n} changes between consecutive years in the table: {sd})."),
                }
            }
            _ => String::new(),
        };
        let (source, cited) = (
            lang.pick("Nguồn", "Source"),
            lang.pick(&a.cited.0, &a.cited.1),
        );
        format!("{line}{moved} {source}: {cited}. ")
    };
    (words(Vi), words(En))
}
