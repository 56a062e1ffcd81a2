//! Points in time as the core sees them: milliseconds since the Unix epoch, always passed in by
//! the caller (the core never reads a clock), shown in China Standard Time (UTC+8), the zone in
//! which the ministry sets its deadlines.
//!
//! Parsing accepts RFC 3339 date-times with an explicit offset, such as
//! `2016-03-15T23:59:59+08:00`; an offset is required so that a deadline never silently moves
//! with the machine's zone.

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// China Standard Time's offset from UTC, in seconds.
const CST_OFFSET_SECS: i64 = 8 * 3600;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("'{text}' is not a date-time like 2016-03-15T23:59:59+08:00: {problem}")]
pub struct TimestampError {
    pub text: String,
    pub problem: &'static str,
}

/// Milliseconds since 1970-01-01T00:00:00Z.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(pub i64);

impl Timestamp {
    pub fn from_millis(millis: i64) -> Self {
        Self(millis)
    }

    pub fn millis(self) -> i64 {
        self.0
    }

    /// Parses an RFC 3339 date-time with an explicit offset (`Z` or `±HH:MM`).
    pub fn parse_rfc3339(text: &str) -> Result<Self, TimestampError> {
        let fail = |problem| TimestampError {
            text: text.to_string(),
            problem,
        };
        let bytes = text.trim().as_bytes();
        if bytes.len() < 20 {
            return Err(fail("too short"));
        }
        let number = |range: std::ops::Range<usize>| -> Result<i64, TimestampError> {
            let part = std::str::from_utf8(&bytes[range]).map_err(|_| fail("not ASCII"))?;
            if !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(fail("expected digits"));
            }
            part.parse().map_err(|_| fail("expected digits"))
        };
        if bytes[4] != b'-' || bytes[7] != b'-' || !matches!(bytes[10], b'T' | b't' | b' ') {
            return Err(fail("expected YYYY-MM-DDTHH:MM:SS"));
        }
        if bytes[13] != b':' || bytes[16] != b':' {
            return Err(fail("expected YYYY-MM-DDTHH:MM:SS"));
        }
        let (year, month, day) = (number(0..4)?, number(5..7)?, number(8..10)?);
        let (hour, minute, second) = (number(11..13)?, number(14..16)?, number(17..19)?);
        if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
            return Err(fail("no such date"));
        }
        if hour > 23 || minute > 59 || second > 59 {
            return Err(fail("no such time of day"));
        }
        let mut rest = 19;
        let mut millis = 0i64;
        if bytes[rest] == b'.' {
            let start = rest + 1;
            let mut end = start;
            while end < bytes.len() && bytes[end].is_ascii_digit() {
                end += 1;
            }
            if end == start {
                return Err(fail("expected digits after '.'"));
            }
            let digits = &bytes[start..end.min(start + 3)];
            millis = digits
                .iter()
                .fold(0i64, |acc, digit| acc * 10 + i64::from(digit - b'0'));
            millis *= 10i64.pow(3 - digits.len() as u32);
            rest = end;
        }
        let offset_secs = match &bytes[rest..] {
            [b'Z' | b'z'] => 0,
            [sign @ (b'+' | b'-'), _, _, b':', _, _] => {
                let hours = number(rest + 1..rest + 3)?;
                let minutes = number(rest + 4..rest + 6)?;
                if hours > 23 || minutes > 59 {
                    return Err(fail("offset out of range"));
                }
                let magnitude = hours * 3600 + minutes * 60;
                if *sign == b'-' { -magnitude } else { magnitude }
            }
            _ => return Err(fail("an offset such as +08:00 or Z is required")),
        };
        let days = days_from_civil(year, month, day);
        let secs = days * 86_400 + hour * 3600 + minute * 60 + second - offset_secs;
        Ok(Self(secs * 1000 + millis))
    }

    /// The civil date and time in China Standard Time.
    fn cst_parts(self) -> (i64, i64, i64, i64, i64, i64, i64) {
        let local_millis = self.0 + CST_OFFSET_SECS * 1000;
        let days = local_millis.div_euclid(86_400_000);
        let in_day = local_millis.rem_euclid(86_400_000);
        let (year, month, day) = civil_from_days(days);
        let secs = in_day / 1000;
        (
            year,
            month,
            day,
            secs / 3600,
            secs / 60 % 60,
            secs % 60,
            in_day % 1000,
        )
    }

    /// RFC 3339 in China Standard Time, to the second: `2016-03-15T23:59:59+08:00`.
    pub fn to_rfc3339_cst(self) -> String {
        let (y, mo, d, h, mi, s, _) = self.cst_parts();
        format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}+08:00")
    }
}

impl fmt::Display for Timestamp {
    /// A reader's form in China Standard Time: `2016-03-15 23:59:59 CST`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, mo, d, h, mi, s, _) = self.cst_parts();
        write!(f, "{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02} CST")
    }
}

fn is_leap(year: i64) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub(crate) fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let month_index = (month + 9) % 12;
    let day_of_year = (153 * month_index + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Checks a plain `YYYY-MM-DD` calendar date, as written in the form's 填表日期 box.
pub fn is_valid_date(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return false;
    }
    let parse = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = text.get(range)?;
        part.bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| part.parse().ok())
            .flatten()
    };
    match (parse(0..4), parse(5..7), parse(8..10)) {
        (Some(year), Some(month), Some(day)) => {
            (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_offsets_and_round_trips_in_cst() {
        let deadline = Timestamp::parse_rfc3339("2016-03-15T23:59:59+08:00").unwrap();
        assert_eq!(deadline.millis(), 1_458_057_599_000);
        assert_eq!(deadline.to_rfc3339_cst(), "2016-03-15T23:59:59+08:00");
        assert_eq!(deadline.to_string(), "2016-03-15 23:59:59 CST");
        let utc = Timestamp::parse_rfc3339("2016-03-15T15:59:59Z").unwrap();
        assert_eq!(utc, deadline);
        let fraction = Timestamp::parse_rfc3339("2016-03-15T15:59:59.25Z").unwrap();
        assert_eq!(fraction.millis(), deadline.millis() + 250);
    }

    #[test]
    fn rejects_what_is_not_a_date_time() {
        for bad in [
            "2016-03-15",
            "2016-03-15T23:59:59",
            "2016-02-30T00:00:00+08:00",
            "2016-03-15T24:00:00+08:00",
            "2016/03/15T00:00:00+08:00",
            "2016-03-15T00:00:00+8",
            "二〇一六年三月十五日",
        ] {
            assert!(Timestamp::parse_rfc3339(bad).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn civil_conversion_agrees_both_ways() {
        for days in (-800_000..800_000).step_by(997) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn dates_are_checked() {
        assert!(is_valid_date("2016-02-29"));
        assert!(!is_valid_date("2015-02-29"));
        assert!(!is_valid_date("2016-3-1"));
    }
}
