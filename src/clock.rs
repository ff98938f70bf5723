//! One clock for the whole application, in Vietnam time (UTC+7): the day an answer counts
//! under, the default period of every page and the kiosk's period all come from here, so they
//! never disagree around midnight or New Year. Tests can fix it at a chosen instant.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};

/// Vietnam has no daylight saving time: a fixed offset is exact.
const VIETNAM_OFFSET_HOURS: i64 = 7;

#[derive(Debug, Clone, Copy, Default)]
pub enum Clock {
    #[default]
    System,
    /// Always this instant (tests).
    Fixed(DateTime<Utc>),
}

impl Clock {
    pub fn now_utc(&self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::Fixed(t) => *t,
        }
    }

    /// Today's date in Vietnam.
    pub fn today(&self) -> NaiveDate {
        vietnam_date(self.now_utc())
    }

    /// This year in Vietnam: the default period.
    pub fn year(&self) -> i32 {
        self.today().year()
    }

    /// Seconds since the epoch, for stamping forms (a difference of two, never a date).
    pub fn timestamp(&self) -> i64 {
        self.now_utc().timestamp()
    }
}

/// The calendar date in Vietnam at a UTC instant.
pub fn vietnam_date(at: DateTime<Utc>) -> NaiveDate {
    (at + Duration::hours(VIETNAM_OFFSET_HOURS)).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_year_comes_seven_hours_before_utc() {
        let eve = "2026-12-31T16:59:59Z".parse::<DateTime<Utc>>().unwrap();
        let new_year = "2026-12-31T17:00:00Z".parse::<DateTime<Utc>>().unwrap();
        assert_eq!(Clock::Fixed(eve).year(), 2026);
        assert_eq!(Clock::Fixed(new_year).year(), 2027);
        assert_eq!(Clock::Fixed(new_year).today().to_string(), "2027-01-01");
    }
}
