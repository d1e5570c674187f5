//! The JSON object reader of every server's token responses and error bodies: strict JSON first,
//! then one repair — bare-word member values quoted, the defect Logiless' sample token response prints
//! (`"refresh_token":d461ab8…,`). Not under `providers/`: strict JSON reads the same, so it serves all.

use serde_json::{Map, Value};

/// Why a body is not a JSON object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NotAnObject {
    /// Not JSON, even after quoting bare-word values.
    NotJson,
    /// JSON, but not an object.
    NotObject,
}

/// Parses `body` as a JSON object (a leading BOM and surrounding whitespace are ignored).
pub(crate) fn parse_object(body: &str) -> Result<Map<String, Value>, NotAnObject> {
    let text = body.trim_start_matches('\u{feff}').trim();
    let value = match serde_json::from_str::<Value>(text) {
        Ok(v) => v,
        Err(_) => {
            let repaired = quote_bare_values(text).ok_or(NotAnObject::NotJson)?;
            serde_json::from_str::<Value>(&repaired).map_err(|_| NotAnObject::NotJson)?
        }
    };
    match value {
        Value::Object(map) => Ok(map),
        _ => Err(NotAnObject::NotObject),
    }
}

fn is_json_scalar(token: &str) -> bool {
    matches!(token, "true" | "false" | "null") || is_json_number(token)
}

/// RFC 8259 §6: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
fn is_json_number(token: &str) -> bool {
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

/// Quotes bare-word member values (`:abc,` → `:"abc",`). `None` if nothing needed quoting or a
/// bare word holds a quote or backslash (then the text is simply not JSON).
fn quote_bare_values(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len() + 8);
    let mut in_string = false;
    let mut escaped = false;
    let mut expect_value = false;
    let mut changed = false;
    let mut skip_until = 0usize;
    for (i, c) in s.char_indices() {
        if i < skip_until {
            continue;
        }
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
            continue;
        }
        if c.is_whitespace() {
            out.push(c);
            continue;
        }
        if c == '"' {
            in_string = true;
            expect_value = false;
            out.push(c);
            continue;
        }
        if c == ':' {
            expect_value = true;
            out.push(c);
            continue;
        }
        if expect_value && !matches!(c, '{' | '[') {
            expect_value = false;
            let rest = s.get(i..)?;
            let len = rest.find(|ch: char| matches!(ch, ',' | '}' | ']') || ch.is_whitespace()).unwrap_or(rest.len());
            let token = rest.get(..len)?;
            if token.is_empty() {
                return None;
            }
            if is_json_scalar(token) {
                out.push_str(token);
            } else {
                if token.contains(['"', '\\']) {
                    return None;
                }
                out.push('"');
                out.push_str(token);
                out.push('"');
                changed = true;
            }
            skip_until = i + len;
            continue;
        }
        expect_value = false;
        out.push(c);
    }
    changed.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_number_grammar() {
        for good in ["0", "-0", "12", "1.5", "-1.25e+3", "2E-2", "1e9"] {
            assert!(is_json_number(good), "{good}");
            assert!(serde_json::from_str::<serde_json::Number>(good).is_ok(), "{good}");
        }
        for bad in ["", "-", "01", "1.", ".5", "1e", "1e+", "+1", "0x1", "1_0", "NaN", "1.5.2", "d461ab8"] {
            assert!(!is_json_number(bad), "{bad}");
            assert!(serde_json::from_str::<serde_json::Number>(bad).is_err(), "{bad}");
        }
    }
    use proptest::prelude::*;

    #[test]
    fn logiless_sample_parses_exactly_as_printed() {
        let sample = r#"{"access_token":"d461ab8XXXXXXXXXXXXXXXXXXXXXXXXX","token_type":"bearer","expires_in":2592000,"refresh_token":d461ab8XXXXXXXXXXXXXXXXXXXXXXXXX,"scope":""}"#;
        let map = parse_object(sample).unwrap_or_default();
        assert_eq!(map.get("refresh_token").and_then(Value::as_str), Some("d461ab8XXXXXXXXXXXXXXXXXXXXXXXXX"));
        assert_eq!(map.get("expires_in").and_then(Value::as_u64), Some(2592000));
        assert_eq!(map.get("scope").and_then(Value::as_str), Some(""));
    }

    #[test]
    fn numbers_and_literals_stay_typed() {
        let map = parse_object(r#"{"a":1.5e3,"b":true,"c":null,"d":bare, "e": x1 }"#).unwrap_or_default();
        assert_eq!(map.get("a").and_then(Value::as_f64), Some(1500.0));
        assert_eq!(map.get("b"), Some(&Value::Bool(true)));
        assert_eq!(map.get("c"), Some(&Value::Null));
        assert_eq!(map.get("d").and_then(Value::as_str), Some("bare"));
        assert_eq!(map.get("e").and_then(Value::as_str), Some("x1"));
    }

    #[test]
    fn rejects_what_is_not_an_object() {
        assert_eq!(parse_object("[1,2]"), Err(NotAnObject::NotObject));
        assert_eq!(parse_object("\"s\""), Err(NotAnObject::NotObject));
        assert_eq!(parse_object("<html>"), Err(NotAnObject::NotJson));
        assert_eq!(parse_object(""), Err(NotAnObject::NotJson));
        assert_eq!(parse_object(r#"{"a":b"c}"#), Err(NotAnObject::NotJson));
        assert_eq!(parse_object("\u{feff} {\"a\":1} ").map(|m| m.len()), Ok(1));
    }

    proptest! {
        #[test]
        fn never_panics(s in ".{0,200}") {
            let _ = parse_object(&s);
        }

        #[test]
        fn bare_words_round_trip(word in "[A-Za-z][A-Za-z0-9_.-]{0,40}") {
            prop_assume!(!matches!(word.as_str(), "true" | "false" | "null"));
            let map = parse_object(&format!("{{\"refresh_token\":{word},\"n\":1}}")).unwrap_or_default();
            prop_assert_eq!(map.get("refresh_token").and_then(Value::as_str), Some(word.as_str()));
        }
    }
}
