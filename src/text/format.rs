//! Numbers and dates as a Vietnamese page writes them: 79,10 and 1.234 and 15/06/2025.

/// A number with `decimals` places, a decimal comma and dots between thousands.
pub fn number(x: f64, decimals: usize) -> String {
    let s = format!("{:.*}", decimals, x.abs());
    let (int, frac) = s.split_once('.').unwrap_or((&s, ""));
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push('.');
        }
        grouped.push(c);
    }
    let sign = if x < 0.0 && s.chars().any(|c| c.is_ascii_digit() && c != '0') {
        "-"
    } else {
        ""
    };
    if frac.is_empty() {
        format!("{sign}{grouped}")
    } else {
        format!("{sign}{grouped},{frac}")
    }
}

/// A count, with dots between thousands.
pub fn count(n: i64) -> String {
    number(n as f64, 0)
}

/// A stored day (YYYY-MM-DD) or time (RFC 3339) as dd/mm/yyyy [hh:mm], in Vietnam time.
pub fn when(stored: &str) -> String {
    when_as(stored, "%d/%m/%Y", "%d/%m/%Y %H:%M")
}

/// A stored day or time as YYYY-MM-DD [hh:mm], in Vietnam time: the English pages' way, which
/// no reader takes for month/day.
pub fn when_iso(stored: &str) -> String {
    when_as(stored, "%Y-%m-%d", "%Y-%m-%d %H:%M")
}

/// A day as a person types it: dd/mm/yyyy (or d/m/yyyy, dd-mm-yyyy, dd.mm.yyyy, ddmmyyyy), or
/// yyyy-mm-dd as the English pages and the API write it.
pub fn typed_day(text: &str) -> Option<chrono::NaiveDate> {
    use chrono::Datelike;
    // A year of four digits: "15/06/25" is not the year 25.
    day_of(text).filter(|d| (1000..=9999).contains(&d.year()))
}

fn day_of(text: &str) -> Option<chrono::NaiveDate> {
    use chrono::NaiveDate;
    let t = text.trim();
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Some(d);
    }
    let t = t.replace(['-', '.'], "/");
    if let Ok(d) = NaiveDate::parse_from_str(&t, "%d/%m/%Y") {
        return Some(d);
    }
    if t.len() == 8 && t.chars().all(|c| c.is_ascii_digit()) {
        return NaiveDate::parse_from_str(&t, "%d%m%Y").ok();
    }
    None
}

fn when_as(stored: &str, day: &str, time: &str) -> String {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(stored) {
        let local =
            t.with_timezone(&chrono::FixedOffset::east_opt(7 * 3600).unwrap_or(*t.offset()));
        return local.format(time).to_string();
    }
    match chrono::NaiveDate::parse_from_str(stored, "%Y-%m-%d") {
        Ok(d) => d.format(day).to_string(),
        Err(_) => stored.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_day_typed_either_way() {
        let june = chrono::NaiveDate::from_ymd_opt(2025, 6, 15);
        for typed in [
            "15/06/2025",
            "15/6/2025",
            "15-06-2025",
            "15062025",
            "2025-06-15",
            " 15.06.2025 ",
        ] {
            assert_eq!(typed_day(typed), june, "{typed}");
        }
        for wrong in ["31/02/2026", "06/15/2025", "2025-13-01", "15/06/25", ""] {
            assert_eq!(typed_day(wrong), None, "{wrong}");
        }
    }

    #[test]
    fn writes_numbers_the_vietnamese_way() {
        assert_eq!(number(79.1, 2), "79,10");
        assert_eq!(number(1234567.0, 0), "1.234.567");
        assert_eq!(number(-0.001, 1), "0,0");
        assert_eq!(count(12000), "12.000");
        assert_eq!(when("2025-06-15"), "15/06/2025");
        assert_eq!(when("2025-06-15T01:30:00.000Z"), "15/06/2025 08:30");
        assert_eq!(when_iso("2025-06-15T01:30:00.000Z"), "2025-06-15 08:30");
    }
}
