//! A JSON number kept as its text (RFC 8259 §6), read as an integer on demand — the core never
//! needs a fraction, and keeping the text loses nothing when a value is written back.

use crate::decimal::parse_scaled;

/// A JSON number as sent, validated against RFC 8259 §6's grammar
/// (`-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Number(String);

impl Number {
    /// `text` as a number if it follows RFC 8259 §6 exactly (no sign `+`, no leading zeros, no
    /// `NaN`/`Infinity`).
    pub fn parse(text: &str) -> Option<Number> {
        is_json_number(text).then(|| Number(text.to_owned()))
    }

    /// The number as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The value if it is a non-negative integer written without fraction or exponent and fits
    /// a `u64` (`3600`, not `3600.0`).
    pub fn as_u64(&self) -> Option<u64> {
        if self.0.bytes().all(|b| b.is_ascii_digit()) {
            self.0.parse().ok()
        } else {
            None
        }
    }

    /// The value truncated toward zero, saturating at `u64::MAX` (`3600.9` → 3600, `1e3` → 1000);
    /// `None` when negative (`-0` is zero; `-0.5` is negative).
    pub fn to_u64_saturating(&self) -> Option<u64> {
        match self.0.strip_prefix('-') {
            // `-0`, `-0.0e5`: zero written with a sign
            Some(rest) => rest.bytes().take_while(|b| *b != b'e' && *b != b'E').all(|b| b == b'0' || b == b'.').then_some(0),
            None => parse_scaled(&self.0, 0),
        }
    }

    /// The value truncated toward zero and clamped to `i64` (`-1.5` → -1): for epoch-second
    /// claims, which some issuers write with a fraction.
    pub fn to_i64_saturating(&self) -> i64 {
        let (negative, magnitude) = match self.0.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, self.0.as_str()),
        };
        let m = parse_scaled(magnitude, 0).unwrap_or(0);
        let m = i64::try_from(m).unwrap_or(i64::MAX);
        if negative {
            -m
        } else {
            m
        }
    }
}

impl From<u64> for Number {
    fn from(n: u64) -> Number {
        Number(n.to_string())
    }
}

impl From<i64> for Number {
    fn from(n: i64) -> Number {
        Number(n.to_string())
    }
}

impl std::fmt::Display for Number {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// RFC 8259 §6: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
pub(crate) fn is_json_number(token: &str) -> bool {
    fn digits(s: &str) -> (usize, &str) {
        let n = s.bytes().take_while(u8::is_ascii_digit).count();
        (n, s.get(n..).unwrap_or_default())
    }
    let s = token.strip_prefix('-').unwrap_or(token);
    let (n, mut rest) = digits(s);
    if n == 0 || (n > 1 && s.starts_with('0')) {
        return false;
    }
    if let Some(f) = rest.strip_prefix('.') {
        let (n, r) = digits(f);
        if n == 0 {
            return false;
        }
        rest = r;
    }
    if let Some(e) = rest.strip_prefix(['e', 'E']) {
        let (n, r) = digits(e.strip_prefix(['+', '-']).unwrap_or(e));
        if n == 0 {
            return false;
        }
        rest = r;
    }
    rest.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grammar_is_rfc_8259() {
        for good in ["0", "-0", "1", "10", "1.5", "-1.5e10", "1E+2", "1e-2", "123456789012345678901234567890"] {
            assert!(Number::parse(good).is_some(), "{good}");
        }
        for bad in ["", "-", "+1", "01", "1.", ".5", "1e", "1e+", "NaN", "Infinity", "0x10", "1 ", " 1", "1.5.5"] {
            assert!(Number::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn integers_without_floating_point() {
        let n = |s: &str| Number::parse(s).unwrap_or_else(|| panic!("{s}"));
        assert_eq!(n("3600").as_u64(), Some(3600));
        assert_eq!(n("3600.0").as_u64(), None);
        assert_eq!(n("3600.9").to_u64_saturating(), Some(3600));
        assert_eq!(n("1e3").to_u64_saturating(), Some(1000));
        assert_eq!(n("-1").to_u64_saturating(), None);
        assert_eq!(n("-0.5").to_u64_saturating(), None);
        assert_eq!(n("-0.0").to_u64_saturating(), Some(0));
        assert_eq!(n("99999999999999999999999").to_u64_saturating(), Some(u64::MAX));
        assert_eq!(n("-1.5").to_i64_saturating(), -1);
        assert_eq!(n("1700000000.25").to_i64_saturating(), 1_700_000_000);
        assert_eq!(n("-99999999999999999999").to_i64_saturating(), -i64::MAX);
    }
}
