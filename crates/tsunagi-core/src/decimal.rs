//! Non-negative decimal numbers from headers and token fields (`expires_in` sent as a string,
//! `Retry-After`, `X-RateLimit-Reset`), read without floating point: the `f64` parser and its
//! tables would otherwise be in every wasm build for these three fields.

/// Most significant digits kept: 10^20 > u64::MAX, so more saturate.
const MAX_DIGITS: usize = 20;

/// `s` times 10^`scale`, truncated toward zero and saturating at `u64::MAX`: digits with an
/// optional `.` fraction and an optional `e`/`E` exponent, an optional leading `+` (the forms
/// Rust's float parser reads, without `inf`/`nan`). `None` for anything else, negative numbers
/// included.
pub(crate) fn parse_scaled(s: &str, scale: u32) -> Option<u64> {
    let s = s.strip_prefix('+').unwrap_or(s);
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (s.get(..i)?, exponent(s.get(i + 1..)?)?),
        None => (s, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all_digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if int.len() + frac.len() == 0 || !all_digits(int) || !all_digits(frac) {
        return None;
    }
    // the value is DIGITS × 10^shift, DIGITS being int and frac written together
    let shift = exponent.saturating_sub(frac.len() as i64).saturating_add(i64::from(scale));
    let digits = int.bytes().chain(frac.bytes()).skip_while(|&b| b == b'0');
    let count = int.len() + frac.len() - int.bytes().chain(frac.bytes()).take_while(|&b| b == b'0').count();
    // keep the digits above the decimal point once shifted
    let keep = if shift >= 0 { count } else { count.saturating_sub(usize::try_from(shift.unsigned_abs()).unwrap_or(usize::MAX)) };
    if keep == 0 {
        return Some(0);
    }
    let zeros = u64::try_from(shift.max(0)).unwrap_or(u64::MAX);
    if keep as u64 + zeros > MAX_DIGITS as u64 {
        return Some(u64::MAX);
    }
    let mut value: u64 = 0;
    for b in digits.take(keep).chain(std::iter::repeat_n(b'0', zeros as usize)) {
        match value.checked_mul(10).and_then(|v| v.checked_add(u64::from(b - b'0'))) {
            Some(v) => value = v,
            None => return Some(u64::MAX),
        }
    }
    Some(value)
}

/// An exponent: optional sign, then digits; very large ones saturate.
fn exponent(s: &str) -> Option<i64> {
    let (negative, digits) = match s.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let magnitude = digits.bytes().fold(0i64, |acc, b| acc.saturating_mul(10).saturating_add(i64::from(b - b'0')));
    Some(if negative { -magnitude } else { magnitude })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn forms_and_scales() {
        for (s, scale, want) in [
            ("3600", 0, Some(3600)),
            ("+3600", 0, Some(3600)),
            ("3600.9", 0, Some(3600)),
            ("2.5", 3, Some(2500)),
            ("0.0015", 3, Some(1)),
            (".5", 3, Some(500)),
            ("5.", 0, Some(5)),
            ("1e3", 0, Some(1000)),
            ("1.5E+2", 3, Some(150_000)),
            ("25e-1", 0, Some(2)),
            ("000120", 0, Some(120)),
            ("0", 0, Some(0)),
            ("0e999999999999999999999", 0, Some(0)),
            ("1e300", 0, Some(u64::MAX)),
            ("18446744073709551615", 0, Some(u64::MAX)),
            ("18446744073709551616", 0, Some(u64::MAX)),
            ("99999999999999999999", 0, Some(u64::MAX)),
            ("1e-999999999999999999999", 3, Some(0)),
        ] {
            assert_eq!(parse_scaled(s, scale), want, "{s} × 10^{scale}");
        }
        for bad in ["", ".", "-1", "- 1", "1e", "e3", "1e+", "1.2.3", "0x10", "inf", "NaN", "1_000", " 1", "１"] {
            assert_eq!(parse_scaled(bad, 0), None, "{bad:?}");
        }
    }

    proptest! {
        #[test]
        fn agrees_with_the_float_parser_on_ordinary_values(int in 0u64..10_000_000, frac in 0u32..1000, exp in -3i32..4) {
            let s = format!("{int}.{frac:03}e{exp}");
            let want = s.parse::<f64>().ok().map(|f| (f * 1000.0).trunc());
            let got = parse_scaled(&s, 3).map(|v| v as f64);
            // the float product can round either way at exact boundaries: allow one unit
            prop_assert!(matches!((got, want), (Some(g), Some(w)) if (g - w).abs() <= 1.0), "{s}: {got:?} vs {want:?}");
        }

        #[test]
        fn never_panics(s in "[-+0-9.eE]{0,40}", scale in 0u32..6) {
            let _ = parse_scaled(&s, scale);
        }
    }
}
