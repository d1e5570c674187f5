//! Time as plain values: a millisecond timestamp type and the date formats providers send.
//!
//! The core never reads a clock: every function that needs "now" takes a [`Timestamp`] so the
//! runtime (browser, Worker, test) decides what now is, and tests can move it freely.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Milliseconds since the Unix epoch (UTC). Arithmetic saturates instead of overflowing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(u64);

impl Timestamp {
    /// From epoch milliseconds.
    pub const fn from_millis(ms: u64) -> Self {
        Timestamp(ms)
    }
    /// From epoch seconds.
    pub const fn from_secs(secs: u64) -> Self {
        Timestamp(secs.saturating_mul(1000))
    }
    /// Epoch milliseconds.
    pub const fn as_millis(self) -> u64 {
        self.0
    }
    /// Epoch seconds (rounded down).
    pub const fn as_secs(self) -> u64 {
        self.0 / 1000
    }
    /// `self + secs` seconds, saturating.
    pub const fn plus_secs(self, secs: u64) -> Self {
        Timestamp(self.0.saturating_add(secs.saturating_mul(1000)))
    }
    /// `self + ms` milliseconds, saturating.
    pub const fn plus_millis(self, ms: u64) -> Self {
        Timestamp(self.0.saturating_add(ms))
    }
    /// Milliseconds from `self` until `later` (0 if `later` is not later).
    pub const fn millis_until(self, later: Timestamp) -> u64 {
        later.0.saturating_sub(self.0)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_iso8601(*self))
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

/// The civil date of a day count since 1970-01-01 (inverse of [`days_from_civil`]).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719468;
    let era = if z >= 0 { z } else { z - 146096 } / 146097;
    let doe = z - era * 146097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

/// A civil UTC date-time as parsed, before validation.
pub(crate) struct Civil {
    pub(crate) y: i64,
    pub(crate) mo: u32,
    pub(crate) d: u32,
    pub(crate) h: u32,
    pub(crate) mi: u32,
    pub(crate) s: u32,
    pub(crate) ms: u32,
}

/// The instant of `c` at `offset_secs` east of UTC; `None` for an invalid date or time.
pub(crate) fn to_timestamp(c: Civil, offset_secs: i64) -> Option<Timestamp> {
    let Civil { y, mo, d, h, mi, s, ms } = c;
    if !(1..=12).contains(&mo) || d == 0 || d > days_in_month(y, mo) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let secs =
        days_from_civil(y, mo, d).checked_mul(86400)?.checked_add(i64::from(h) * 3600 + i64::from(mi) * 60 + i64::from(s.min(59)))?.checked_sub(offset_secs)?;
    let ms_total = secs.checked_mul(1000)?.checked_add(i64::from(ms))?;
    u64::try_from(ms_total).ok().map(Timestamp)
}

/// A tiny cursor over ASCII digits and literals.
pub(crate) struct Cursor<'a> {
    s: &'a [u8],
    /// The position of the next byte.
    pub(crate) i: usize,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(s: &'a str) -> Self {
        Cursor { s: s.as_bytes(), i: 0 }
    }
    pub(crate) fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    pub(crate) fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    pub(crate) fn digits(&mut self, min: usize, max: usize) -> Option<u32> {
        let mut n: u32 = 0;
        let mut count = 0;
        while count < max {
            match self.peek() {
                Some(c @ b'0'..=b'9') => {
                    n = n * 10 + u32::from(c - b'0');
                    self.i += 1;
                    count += 1;
                }
                _ => break,
            }
        }
        (count >= min).then_some(n)
    }
    pub(crate) fn done(&self) -> bool {
        self.i >= self.s.len()
    }
}

/// Parses an ISO 8601 / RFC 3339 date-time as providers send it (LawVu's `expires`):
/// `YYYY-MM-DD[T| ]HH:MM[:SS[.fraction]][Z|±HH[:MM]]`. A missing offset means UTC (LawVu
/// documents its times as UTC). Returns `None` for anything else.
pub fn parse_iso8601(input: &str) -> Option<Timestamp> {
    let mut c = Cursor::new(input.trim());
    let y = c.digits(4, 4)?;
    if !c.eat(b'-') {
        return None;
    }
    let mo = c.digits(2, 2)?;
    if !c.eat(b'-') {
        return None;
    }
    let d = c.digits(2, 2)?;
    if !(c.eat(b'T') || c.eat(b't') || c.eat(b' ')) {
        return None;
    }
    let h = c.digits(2, 2)?;
    if !c.eat(b':') {
        return None;
    }
    let mi = c.digits(2, 2)?;
    let mut s = 0;
    let mut ms = 0;
    if c.eat(b':') {
        s = c.digits(2, 2)?;
        if c.eat(b'.') || c.eat(b',') {
            let start = c.i;
            let frac = c.digits(1, 9)?;
            let n = c.i - start;
            // keep milliseconds: scale the fraction to 3 digits
            ms = match n {
                1 => frac * 100,
                2 => frac * 10,
                3 => frac,
                _ => frac / 10u32.pow(u32::try_from(n - 3).ok()?),
            };
            // skip extra fraction digits beyond 9 (e.g. .NET's 7 digits are within 9)
            while matches!(c.peek(), Some(b'0'..=b'9')) {
                c.i += 1;
            }
        }
    }
    let mut offset: i64 = 0;
    if c.eat(b'Z') || c.eat(b'z') {
    } else if let Some(sign) = c.peek().filter(|b| *b == b'+' || *b == b'-') {
        c.i += 1;
        let oh = c.digits(2, 2)?;
        c.eat(b':');
        let om = if c.done() { 0 } else { c.digits(2, 2)? };
        if oh > 23 || om > 59 {
            return None;
        }
        offset = i64::from(oh * 3600 + om * 60);
        if sign == b'-' {
            offset = -offset;
        }
    }
    if !c.done() {
        return None;
    }
    to_timestamp(Civil { y: i64::from(y), mo, d, h, mi, s, ms }, offset)
}

/// Parses an HTTP-date in IMF-fixdate form (RFC 9110 §5.6.7), e.g. `Sun, 06 Nov 1994 08:49:37 GMT`,
/// as `Retry-After` may carry.
pub fn parse_http_date(input: &str) -> Option<Timestamp> {
    let mut parts = input.split_whitespace();
    let _weekday = parts.next()?;
    let day: u32 = parts.next()?.parse().ok()?;
    let month = match parts.next()? {
        "Jan" => 1,
        "Feb" => 2,
        "Mar" => 3,
        "Apr" => 4,
        "May" => 5,
        "Jun" => 6,
        "Jul" => 7,
        "Aug" => 8,
        "Sep" => 9,
        "Oct" => 10,
        "Nov" => 11,
        "Dec" => 12,
        _ => return None,
    };
    let year: i64 = parts.next()?.parse().ok()?;
    let mut hms = parts.next()?.split(':');
    let h: u32 = hms.next()?.parse().ok()?;
    let mi: u32 = hms.next()?.parse().ok()?;
    let s: u32 = hms.next()?.parse().ok()?;
    if hms.next().is_some() || parts.next()? != "GMT" || parts.next().is_some() {
        return None;
    }
    to_timestamp(Civil { y: year, mo: month, d: day, h, mi, s, ms: 0 }, 0)
}

/// Formats as RFC 3339 UTC with second precision: `2026-11-22T13:25:00Z`.
pub fn format_iso8601(t: Timestamp) -> String {
    let secs = i64::try_from(t.as_secs()).unwrap_or(i64::MAX);
    let days = secs.div_euclid(86400);
    let rem = secs.rem_euclid(86400);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rem / 3600, (rem % 3600) / 60, rem % 60)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn iso_variants() {
        let t = Timestamp::from_secs(1_740_000_000); // 2025-02-19T21:20:00Z
        assert_eq!(format_iso8601(t), "2025-02-19T21:20:00Z");
        for s in [
            "2025-02-19T21:20:00Z",
            "2025-02-19T21:20:00",
            "2025-02-19 21:20:00",
            "2025-02-19T21:20:00.000Z",
            "2025-02-19T21:20:00.0000000Z",
            "2025-02-19T22:20:00+01:00",
            "2025-02-19T20:20:00-0100",
            "2025-02-19T21:20Z",
        ] {
            assert_eq!(parse_iso8601(s), Some(t), "{s}");
        }
        assert_eq!(parse_iso8601("2025-02-19T21:20:00.5Z"), Some(t.plus_millis(500)));
        for bad in
            ["", "2025-02-30T00:00:00Z", "2025-13-01T00:00:00Z", "2025-02-19", "2025-02-19T25:00:00Z", "1969-12-31T23:59:59Z", "2025-02-19T21:20:00Zjunk"]
        {
            assert_eq!(parse_iso8601(bad), None, "{bad}");
        }
    }

    #[test]
    fn http_dates() {
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), Some(Timestamp::from_secs(784_111_777)));
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 PST"), None);
    }

    #[test]
    fn saturating_arithmetic() {
        let t = Timestamp::from_millis(u64::MAX - 1);
        assert_eq!(t.plus_secs(10).as_millis(), u64::MAX);
        assert_eq!(Timestamp::from_secs(5).millis_until(Timestamp::from_secs(1)), 0);
    }

    proptest! {
        #[test]
        fn format_parse_round_trip(secs in 0u64..253_402_300_799) {
            let t = Timestamp::from_secs(secs);
            prop_assert_eq!(parse_iso8601(&format_iso8601(t)), Some(t));
        }

        #[test]
        fn parsers_never_panic(s in ".{0,40}") {
            let _ = parse_iso8601(&s);
            let _ = parse_http_date(&s);
        }
    }
}
