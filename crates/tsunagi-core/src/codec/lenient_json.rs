//! The JSON object reader of token responses and token-endpoint error bodies, as a profile's
//! [`JsonReading`] says: strict RFC 8259 for every server, and for Logiless alone one repair after
//! that — bare-word member values quoted, the defect its sample token response prints
//! (`"refresh_token":d461ab8…,`).

use crate::json::{self, Json, JsonObject};

/// How a provider's token responses and token-endpoint error bodies are read as JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonReading {
    /// RFC 8259 as it is: a malformed body is not JSON (`token_response_invalid`). Every server
    /// but Logiless.
    Strict,
    /// Strict first, then one repair: bare-word member values quoted, the defect Logiless'
    /// documented sample token response prints (`"refresh_token":d461ab8…,`,
    /// `logiless-authentication.ja.txt`).
    QuoteBareValues,
}

/// Why a body is not a JSON object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NotAnObject {
    /// Not JSON, even after quoting bare-word values.
    NotJson,
    /// JSON, but not an object.
    NotObject,
}

/// Parses `body` as a JSON object (a leading BOM and surrounding whitespace are ignored), repairing
/// it only where `reading` allows.
pub(crate) fn parse_object(body: &str, reading: JsonReading) -> Result<JsonObject, NotAnObject> {
    let text = body.trim_start_matches('\u{feff}').trim();
    let value = match json::parse(text) {
        Ok(v) => v,
        Err(_) if reading == JsonReading::Strict => return Err(NotAnObject::NotJson),
        Err(_) => {
            let repaired = quote_bare_values(text).ok_or(NotAnObject::NotJson)?;
            json::parse(&repaired).map_err(|_| NotAnObject::NotJson)?
        }
    };
    match value {
        Json::Object(map) => Ok(map),
        _ => Err(NotAnObject::NotObject),
    }
}

fn is_json_scalar(token: &str) -> bool {
    matches!(token, "true" | "false" | "null") || json::Number::parse(token).is_some()
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

    use proptest::prelude::*;

    const LENIENT: JsonReading = JsonReading::QuoteBareValues;

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
    fn strict_reading_repairs_nothing() {
        assert_eq!(parse_object(r#"{"a":bare}"#, JsonReading::Strict), Err(NotAnObject::NotJson));
        assert_eq!(parse_object(r#"{"a":"b"}"#, JsonReading::Strict).map(|m| m.len()), Ok(1));
        assert_eq!(parse_object("[1]", JsonReading::Strict), Err(NotAnObject::NotObject));
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
