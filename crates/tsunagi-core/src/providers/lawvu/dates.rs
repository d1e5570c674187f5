//! LawVu's dates: the `expires` member of its token responses (ISO 8601, UTC), read when
//! `expires_in` is missing, and .NET's invariant-culture date-time its .NET-built API interpolates
//! into messages ("Supplied refresh_token expired at '{utc_time}'", `lawvu-authentication.txt`).

use crate::json::{Json, JsonObject};
use crate::time::{parse_iso8601, to_timestamp, Civil, Cursor, Timestamp};

/// The profile's expiry fallback: LawVu's `expires` (UTC) when the response has no `expires_in`
/// (which wins: it does not depend on clock agreement).
pub fn expires(response: &JsonObject) -> Option<Timestamp> {
    response.get("expires").and_then(Json::as_str).and_then(parse_iso8601)
}

/// Parses .NET's invariant-culture date-time (`M/d/yyyy h:mm:ss [AM|PM]`, UTC), which a
/// .NET-built API may interpolate into messages such as LawVu's
/// "Supplied refresh_token expired at '{utc_time}'".
pub fn parse_us_datetime(input: &str) -> Option<Timestamp> {
    let mut c = Cursor::new(input.trim());
    let mo = c.digits(1, 2)?;
    if !c.eat(b'/') {
        return None;
    }
    let d = c.digits(1, 2)?;
    if !c.eat(b'/') {
        return None;
    }
    let y = c.digits(4, 4)?;
    if !c.eat(b' ') {
        return None;
    }
    let mut h = c.digits(1, 2)?;
    if !c.eat(b':') {
        return None;
    }
    let mi = c.digits(2, 2)?;
    let s = if c.eat(b':') { c.digits(2, 2)? } else { 0 };
    if c.eat(b' ') {
        let rest = input.trim().get(c.i..)?.trim();
        match rest.to_ascii_uppercase().as_str() {
            "AM" if (1..=12).contains(&h) => h %= 12,
            "PM" if (1..=12).contains(&h) => h = h % 12 + 12,
            _ => return None,
        }
    } else if !c.done() {
        return None;
    }
    to_timestamp(Civil { y: i64::from(y), mo, d, h, mi, s, ms: 0 }, 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn net_dates() {
        let t = parse_iso8601("2025-02-19T21:20:00Z");
        assert_eq!(parse_us_datetime("2/19/2025 9:20:00 PM"), t);
        assert_eq!(parse_us_datetime("2/19/2025 21:20:00"), t);
        assert_eq!(parse_us_datetime("2/19/2025 12:00:00 AM").map(|x| x.as_secs() % 86400), Some(0));
        assert_eq!(parse_us_datetime("13/19/2025 9:20:00 PM"), None);
    }

    proptest! {
        #[test]
        fn never_panics(s in ".{0,40}") {
            let _ = parse_us_datetime(&s);
        }
    }
}
