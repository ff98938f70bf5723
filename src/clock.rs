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

/// A time as the database stores it (RFC 3339, UTC, to the millisecond).
pub fn stored(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The wall clock, whatever the application clock says: what rows are stamped with when made
/// (audit lines, users, sessions, tokens, kiosks, codes, links). Tests fix the application
/// clock at dates their own fixtures' rows must not share, and sessions their fixtures open
/// must stay live under it.
pub fn wall_now() -> DateTime<Utc> {
    Utc::now()
}

/// [`wall_now`] as stored: also for records listed in the order they were made (paper
/// batches and forms, campaigns), which a fixed clock would leave tied.
pub fn wall_stored() -> String {
    stored(wall_now())
}

/// The calendar date in Vietnam at a UTC instant.
/// The wall-clock time in Vietnam at `at`, as people there read it.
pub fn vietnam_time(at: DateTime<Utc>) -> chrono::NaiveDateTime {
    (at + Duration::hours(VIETNAM_OFFSET_HOURS)).naive_utc()
}

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
