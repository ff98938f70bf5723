//! Which ranges of days may be published. Two ranges that differ by one day give that day's
//! forms by subtraction, so a range narrower than the period is published only when it is
//! made of blocks — days, else whole months, else whole quarters — such that every block of
//! the period holds no form or at least the smallest cell, in every respondent group. Then any
//! two published figures (ranges, months, quarters, the period) differ by whole blocks, and
//! their difference holds no form or at least the smallest cell.

use std::collections::BTreeMap;

/// What the range rule reads of one period, for the unit asked about.
#[derive(Debug, Clone, Default)]
pub struct PeriodForms {
    /// Each dated day (`YYYY-MM-DD`) with forms: its forms per respondent group (one entry
    /// for surveys without groups), the groups in the same order every day.
    pub days: BTreeMap<String, Vec<i64>>,
    /// Forms of the period with no day (answers through links), per group: in the period's
    /// figures and in no range.
    pub undated: Vec<i64>,
    /// Months (`YYYY-MM`) published in the month table (false: withheld there).
    pub months: BTreeMap<String, bool>,
    /// Quarters (`Q1`…`Q4`) published in the quarter table.
    pub quarters: BTreeMap<String, bool>,
}

/// Why a range's figures are withheld, in Vietnamese and in English.
pub const WITHHELD_VI: &str = "Khoảng ngày này không hiển thị: so với một khoảng ngày khác nó có thể cho biết câu trả lời của vài người (có ngày dưới số phiếu tối thiểu). Để xem chi tiết hơn cả năm, xin chọn trọn tháng (từ ngày 1 đến ngày cuối tháng) hoặc trọn quý.";
pub const WITHHELD_EN: &str = "This range of days is withheld: set against another range it could give a few people's answers (some day holds fewer forms than the smallest cell). For a finer view than the year, choose whole months (from the 1st to the last day of a month) or a whole quarter.";

fn safe(forms: &[i64], min_cell: i64) -> bool {
    forms.iter().all(|f| *f <= 0 || *f >= min_cell)
}

fn add(into: &mut Vec<i64>, v: &[i64]) {
    if into.len() < v.len() {
        into.resize(v.len(), 0);
    }
    for (a, b) in into.iter_mut().zip(v) {
        *a += b;
    }
}

/// The forms per group of each block of the period, keyed by `block_of(day)`.
fn blocks(p: &PeriodForms, block_of: impl Fn(&str) -> String) -> BTreeMap<String, Vec<i64>> {
    let mut out: BTreeMap<String, Vec<i64>> = BTreeMap::new();
    for (day, forms) in &p.days {
        add(out.entry(block_of(day)).or_default(), forms);
    }
    out
}

fn month_of(day: &str) -> String {
    day.get(..7).unwrap_or(day).to_string()
}

/// The quarter (`Q1`…`Q4`) a day (`YYYY-MM-DD`) or month (`YYYY-MM`) falls in; `Q0` for a
/// date it cannot read.
pub fn quarter_of(day: &str) -> String {
    let q = day
        .get(5..7)
        .and_then(|m| m.parse::<u32>().ok())
        .map(|m| m.div_ceil(3))
        .unwrap_or(0);
    format!("Q{q}")
}

fn date(d: &str) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()
}

/// Whether a range starts on the first day of a month (or at the beginning) and ends on the
/// last day of one (or at the end).
fn whole_months(from: Option<&str>, to: Option<&str>) -> bool {
    use chrono::Datelike;
    let starts = from.is_none_or(|f| date(f).is_some_and(|d| d.day() == 1));
    let ends = to.is_none_or(|t| {
        date(t)
            .and_then(|d| d.succ_opt())
            .is_some_and(|d| d.day() == 1)
    });
    starts && ends
}

/// Whether a range of days may be published: the whole period always; a narrower range when
/// every day of the period holds no form or at least `min_cell` in each group; else when it
/// is made of whole months, every month of the period holds no form or at least `min_cell` in
/// each group, and every month of the range with forms is published in the month table; else
/// when it is one whole quarter, every quarter holds so, and the quarter is published. The
/// forms with no day count as one more block every range leaves out.
pub fn range_published(
    from: Option<&str>,
    to: Option<&str>,
    p: &PeriodForms,
    min_cell: i64,
) -> bool {
    if from.is_none() && to.is_none() {
        return true;
    }
    if !safe(&p.undated, min_cell) {
        return false;
    }
    let within = |d: &str| from.is_none_or(|f| d >= f) && to.is_none_or(|t| d <= t);
    // Every dated form: the period's figures less the undated block.
    if p.days.keys().all(|d| within(d)) {
        return true;
    }
    if p.days.values().all(|f| safe(f, min_cell)) {
        return true;
    }
    let months = blocks(p, month_of);
    if whole_months(from, to)
        && months.values().all(|f| safe(f, min_cell))
        && months
            .keys()
            .filter(|m| {
                p.days
                    .keys()
                    .any(|d| within(d) && d.starts_with(m.as_str()))
            })
            .all(|m| p.months.get(m).copied().unwrap_or(false))
    {
        return true;
    }
    match one_quarter(from, to) {
        Some(q) => {
            blocks(p, quarter_of).values().all(|f| safe(f, min_cell))
                && p.quarters.get(&q).copied().unwrap_or(false)
        }
        None => false,
    }
}

/// The quarter (`Q1`…`Q4`) a range is exactly, if it is one.
fn one_quarter(from: Option<&str>, to: Option<&str>) -> Option<String> {
    use chrono::Datelike;
    let (f, t) = (from.and_then(date)?, to.and_then(date)?);
    let starts = f.day() == 1 && (f.month() - 1) % 3 == 0;
    let ends = t.year() == f.year()
        && t.month() == f.month() + 2
        && t.succ_opt().is_some_and(|d| d.day() == 1);
    (starts && ends).then(|| format!("Q{}", f.month().div_ceil(3)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forms(days: &[(&str, &[i64])]) -> PeriodForms {
        let mut p = PeriodForms {
            days: days
                .iter()
                .map(|(d, f)| (d.to_string(), f.to_vec()))
                .collect(),
            undated: vec![0],
            ..PeriodForms::default()
        };
        for d in p.days.keys() {
            p.months.insert(month_of(d), true);
            p.quarters.insert(quarter_of(d), true);
        }
        p
    }

    /// Whether the days `from` to `to` may be published at the smallest cell of 5.
    fn published(p: &PeriodForms, from: &str, to: &str) -> bool {
        range_published(Some(from), Some(to), p, 5)
    }

    #[test]
    fn the_whole_period_is_always_published() {
        let p = forms(&[("2025-06-11", &[1])]);
        assert!(range_published(None, None, &p, 5));
    }

    #[test]
    fn two_ranges_a_day_apart_cannot_give_that_day() {
        // Five forms on each of the first ten days, one on the eleventh, five in July.
        let mut days: Vec<(String, Vec<i64>)> = (1..=10)
            .map(|d| (format!("2025-06-{d:02}"), vec![5]))
            .collect();
        days.push(("2025-06-11".into(), vec![1]));
        days.push(("2025-07-01".into(), vec![5]));
        let refs: Vec<(&str, &[i64])> = days
            .iter()
            .map(|(d, f)| (d.as_str(), f.as_slice()))
            .collect();
        let p = forms(&refs);
        assert!(!published(&p, "2025-06-01", "2025-06-10"));
        assert!(!published(&p, "2025-06-01", "2025-06-11"));
        // Not vacuous: with five forms on the eleventh too, both are published.
        let mut p = p;
        p.days.insert("2025-06-11".into(), vec![5]);
        assert!(published(&p, "2025-06-01", "2025-06-10"));
        assert!(published(&p, "2025-06-01", "2025-06-11"));
    }

    #[test]
    fn a_small_day_outside_the_range_still_closes_day_ranges() {
        // The period minus 2–30 June would give 1 June's one form.
        let p = forms(&[
            ("2025-06-01", &[1]),
            ("2025-06-02", &[6]),
            ("2025-07-01", &[9]),
        ]);
        assert!(!published(&p, "2025-06-02", "2025-06-30"));
        // A range holding every dated form is the period itself.
        assert!(published(&p, "2025-06-01", "2025-07-31"));
    }

    #[test]
    fn whole_months_publish_when_every_month_is_large_enough() {
        let p = forms(&[
            ("2025-06-01", &[1]),
            ("2025-06-02", &[6]),
            ("2025-07-03", &[9]),
        ]);
        assert!(published(&p, "2025-06-01", "2025-06-30"));
        assert!(published(&p, "2025-07-01", "2025-07-31"));
        assert!(!published(&p, "2025-06-01", "2025-06-29"));
        // A month withheld in the month table closes every range that takes it.
        let mut shut = p.clone();
        shut.months.insert("2025-06".into(), false);
        assert!(!published(&shut, "2025-06-01", "2025-06-30"));
        assert!(published(&shut, "2025-07-01", "2025-07-31"));
        // One month of three forms anywhere in the period closes month ranges: the period
        // minus the others would give it.
        let mut small = p.clone();
        small.days.insert("2025-09-09".into(), vec![3]);
        assert!(!published(&small, "2025-06-01", "2025-06-30"));
    }

    #[test]
    fn each_group_counts_not_only_the_day() {
        // Six forms a day, but one deputy on the 2nd: the two days minus the first give them.
        let p = forms(&[
            ("2025-06-01", &[6, 0]),
            ("2025-06-02", &[5, 1]),
            ("2025-08-02", &[5, 0]),
        ]);
        assert!(!published(&p, "2025-06-01", "2025-06-02"));
        assert!(!published(&p, "2025-06-01", "2025-06-30"));
    }

    #[test]
    fn a_published_quarter_stands_where_its_months_do_not() {
        // April is small, May and June large: the quarter table publishes Q2, the months not.
        let mut p = forms(&[
            ("2025-04-01", &[2]),
            ("2025-05-01", &[4]),
            ("2025-06-01", &[9]),
            ("2025-07-01", &[6]),
        ]);
        p.months.insert("2025-04".into(), false);
        p.months.insert("2025-05".into(), false);
        assert!(published(&p, "2025-04-01", "2025-06-30"));
        assert!(!published(&p, "2025-04-01", "2025-05-31"));
        p.quarters.insert("Q2".into(), false);
        assert!(!published(&p, "2025-04-01", "2025-06-30"));
    }

    #[test]
    fn undated_answers_close_every_range_when_few() {
        let mut p = forms(&[("2025-06-01", &[6])]);
        p.undated = vec![2];
        assert!(!published(&p, "2025-01-01", "2025-12-31"));
        assert!(range_published(None, None, &p, 5));
    }
}
