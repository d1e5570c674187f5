//! ASCII-only JSON (RFC 8259 §7 lets any character be written `\uNNNN`): generic, since every JSON
//! reader gets the same value, and chosen by [`BodyEncoding::AsciiOnlyJson`](crate::profile::BodyEncoding)
//! for Logiless' API bodies ("文字コードはUTF-8、\uNNNN 形式でエンコードされている必要があります", `logiless-authentication.ja.txt`).

use crate::json::{Escape, Json};
use std::fmt::Write as _;

/// Escapes every non-ASCII character of a JSON text as `\uNNNN` (a surrogate pair above U+FFFF);
/// ASCII is copied unchanged. The output is ASCII, and for any valid JSON text it parses to the
/// same value (RFC 8259 §7): non-ASCII characters can only occur inside strings.
pub fn escape_non_ascii(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + json.len() / 2);
    for c in json.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                // writing to a String cannot fail
                let _ = write!(out, "\\u{unit:04x}");
            }
        }
    }
    out
}

/// Writes `value` as compact, ASCII-only JSON: strings escaped as serde_json escapes them, and
/// every non-ASCII character as `\uNNNN` ([`Escape::AsciiOnly`]), so the output is byte-identical
/// to [`escape_non_ascii`] of the compact text.
pub fn to_ascii_json(value: &Json) -> String {
    value.to_json(Escape::AsciiOnly)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::{json, Value};

    fn ours(v: &Value) -> Json {
        crate::json::parse(&v.to_string()).unwrap_or_default()
    }

    #[test]
    fn japanese_and_astral() {
        let v = json!({"name": "山田 太郎", "emoji": "📦", "plain": "abc\"\n"});
        let s = to_ascii_json(&ours(&v));
        assert!(s.is_ascii());
        assert!(s.contains(r#""name":"\u5c71\u7530 \u592a\u90ce""#), "{s}");
        assert!(s.contains(r#""emoji":"\ud83d\udce6""#), "{s}");
        assert!(s.contains(r#""plain":"abc\"\n""#));
        assert_eq!(serde_json::from_str::<Value>(&s).ok(), Some(v));
    }

    #[test]
    fn ascii_input_is_byte_identical() {
        let v = json!({"a": [1, 2.5, null, true], "b": "x/y"});
        assert_eq!(Some(to_ascii_json(&ours(&v))), serde_json::to_string(&v).ok());
    }

    proptest! {
        #[test]
        fn output_is_ascii_and_decodes_to_input(s in ".{0,64}", k in "\\PC{0,8}") {
            let v = json!({ k.clone(): s.clone(), "n": [s.clone()] });
            let out = to_ascii_json(&ours(&v));
            prop_assert_eq!(&out, &escape_non_ascii(&v.to_string()));
            prop_assert!(out.is_ascii());
            prop_assert_eq!(serde_json::from_str::<Value>(&out).ok(), Some(v));
        }
    }
}
