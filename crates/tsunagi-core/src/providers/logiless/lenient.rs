//! Logiless' lenient reader: its documented sample token response prints a bare-word member value
//! (`"refresh_token":d461ab8…,`, `logiless-authentication.ja.txt`); the profile's
//! [`JsonReading::Repair`](crate::codec::lenient_json::JsonReading) quotes such values.

use crate::json;

fn is_json_scalar(token: &str) -> bool {
    matches!(token, "true" | "false" | "null") || json::Number::parse(token).is_some()
}

/// The repair: quotes bare-word member values (`:abc,` → `:"abc",`). `None` if nothing needed quoting or a
/// bare word holds a quote or backslash (then the text is simply not JSON).
pub fn quote_bare_values(s: &str) -> Option<String> {
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
    use crate::codec::lenient_json::{parse_object, JsonReading, NotAnObject};
    use crate::json::Json;

    use proptest::prelude::*;

    const LENIENT: JsonReading = JsonReading::Repair(quote_bare_values);

    #[test]
    fn logiless_sample_parses_exactly_as_printed() {
        let sample = r#"{"access_token":"d461ab8XXXXXXXXXXXXXXXXXXXXXXXXX","token_type":"bearer","expires_in":2592000,"refresh_token":d461ab8XXXXXXXXXXXXXXXXXXXXXXXXX,"scope":""}"#;
        let map = parse_object(sample, LENIENT).unwrap_or_default();
        assert_eq!(map.get("refresh_token").and_then(Json::as_str), Some("d461ab8XXXXXXXXXXXXXXXXXXXXXXXXX"));
        assert_eq!(map.get("expires_in").and_then(Json::as_u64), Some(2592000));
        assert_eq!(map.get("scope").and_then(Json::as_str), Some(""));
    }

    #[test]
    fn numbers_and_literals_stay_typed() {
        let map = parse_object(r#"{"a":1.5e3,"b":true,"c":null,"d":bare, "e": x1 }"#, LENIENT).unwrap_or_default();
        assert_eq!(map.get("a").and_then(Json::as_number).and_then(json::Number::to_u64_saturating), Some(1500));
        assert_eq!(map.get("b"), Some(&Json::Bool(true)));
        assert_eq!(map.get("c"), Some(&Json::Null));
        assert_eq!(map.get("d").and_then(Json::as_str), Some("bare"));
        assert_eq!(map.get("e").and_then(Json::as_str), Some("x1"));
    }

    #[test]
    fn rejects_what_is_not_an_object() {
        assert_eq!(parse_object("[1,2]", LENIENT), Err(NotAnObject::NotObject));
        assert_eq!(parse_object("\"s\"", LENIENT), Err(NotAnObject::NotObject));
        assert_eq!(parse_object("<html>", LENIENT), Err(NotAnObject::NotJson));
        assert_eq!(parse_object("", LENIENT), Err(NotAnObject::NotJson));
        assert_eq!(parse_object(r#"{"a":b"c}"#, LENIENT), Err(NotAnObject::NotJson));
        assert_eq!(parse_object("\u{feff} {\"a\":1} ", LENIENT).map(|m| m.len()), Ok(1));
    }

    proptest! {
        #[test]
        fn never_panics(s in ".{0,200}") {
            let _ = parse_object(&s, LENIENT);
        }

        #[test]
        fn bare_words_round_trip(word in "[A-Za-z][A-Za-z0-9_.-]{0,40}") {
            prop_assume!(!matches!(word.as_str(), "true" | "false" | "null"));
            let map = parse_object(&format!("{{\"refresh_token\":{word},\"n\":1}}"), LENIENT).unwrap_or_default();
            prop_assert_eq!(map.get("refresh_token").and_then(Json::as_str), Some(word.as_str()));
        }
    }
}
