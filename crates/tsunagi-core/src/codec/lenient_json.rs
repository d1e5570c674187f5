//! The JSON object reader of token responses and token-endpoint error bodies, as a profile's
//! [`JsonReading`] says: strict RFC 8259, and after that, for a profile that has one, the
//! provider's own repair of a documented defect (the repairs live in `providers/`).

use crate::json::{self, Json, JsonObject};

/// How a provider's token responses and token-endpoint error bodies are read as JSON.
#[derive(Clone, Copy, Debug)]
pub enum JsonReading {
    /// RFC 8259 as it is: a malformed body is not JSON (`token_response_invalid`).
    Strict,
    /// Strict first, then the provider's repair of a body that is not JSON (`None`: nothing to
    /// repair), parsed strictly again.
    Repair(fn(&str) -> Option<String>),
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
        Err(_) => {
            let JsonReading::Repair(repair) = reading else { return Err(NotAnObject::NotJson) };
            let repaired = repair(text).ok_or(NotAnObject::NotJson)?;
            json::parse(&repaired).map_err(|_| NotAnObject::NotJson)?
        }
    };
    match value {
        Json::Object(map) => Ok(map),
        _ => Err(NotAnObject::NotObject),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_reading_repairs_nothing() {
        assert_eq!(parse_object(r#"{"a":bare}"#, JsonReading::Strict), Err(NotAnObject::NotJson));
        assert_eq!(parse_object(r#"{"a":"b"}"#, JsonReading::Strict).map(|m| m.len()), Ok(1));
        assert_eq!(parse_object("[1]", JsonReading::Strict), Err(NotAnObject::NotObject));
        assert_eq!(parse_object("\u{feff} {\"a\":1} ", JsonReading::Strict).map(|m| m.len()), Ok(1));
    }

    #[test]
    fn a_repair_runs_only_on_what_is_not_json() {
        let reading = JsonReading::Repair(|_| Some(r#"{"repaired":true}"#.to_owned()));
        assert_eq!(parse_object(r#"{"a":1}"#, reading).map(|m| m.contains_key("repaired")), Ok(false));
        assert_eq!(parse_object("{a", reading).map(|m| m.contains_key("repaired")), Ok(true));
        assert_eq!(parse_object("{a", JsonReading::Repair(|_| None)), Err(NotAnObject::NotJson));
    }
}
