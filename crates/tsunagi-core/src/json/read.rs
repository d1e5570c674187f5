//! The strict JSON reader (RFC 8259): one value, surrounded by whitespace only; strings checked
//! for escapes and surrogate pairs; numbers checked against §6 and kept as text; nesting bounded so
//! hostile input cannot exhaust the stack.

use super::number::is_json_number;
use super::{Json, JsonObject, Number};

/// Deepest nesting of arrays and objects accepted (serde_json's default limit too).
const MAX_DEPTH: usize = 128;

/// Why a text is not JSON: the byte offset where reading stopped and a fixed reason.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct JsonError {
    /// Byte offset into the text.
    pub at: usize,
    /// What was wrong there.
    pub reason: &'static str,
}

impl std::fmt::Display for JsonError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at byte {}", self.reason, self.at)
    }
}

/// Reads `text` as one JSON value (RFC 8259 §2: whitespace around it is allowed, nothing else).
pub fn parse(text: &str) -> Result<Json, JsonError> {
    let mut r = Reader { s: text.as_bytes(), i: 0, text };
    let value = r.value(0)?;
    r.ws();
    if r.i != r.s.len() {
        return Err(r.err("trailing characters"));
    }
    Ok(value)
}

struct Reader<'a> {
    s: &'a [u8],
    i: usize,
    text: &'a str,
}

impl Reader<'_> {
    fn err(&self, reason: &'static str) -> JsonError {
        JsonError { at: self.i, reason }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn eat(&mut self, b: u8) -> bool {
        if self.peek() == Some(b) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn literal(&mut self, word: &'static str, value: Json) -> Result<Json, JsonError> {
        if self.s.get(self.i..self.i + word.len()) == Some(word.as_bytes()) {
            self.i += word.len();
            Ok(value)
        } else {
            Err(self.err("unexpected word"))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Json, JsonError> {
        self.ws();
        match self.peek() {
            None => Err(self.err("unexpected end")),
            Some(b'{') => self.object(depth + 1),
            Some(b'[') => self.array(depth + 1),
            Some(b'"') => self.string().map(Json::String),
            Some(b't') => self.literal("true", Json::Bool(true)),
            Some(b'f') => self.literal("false", Json::Bool(false)),
            Some(b'n') => self.literal("null", Json::Null),
            Some(b'-' | b'0'..=b'9') => self.number().map(Json::Number),
            Some(_) => Err(self.err("unexpected character")),
        }
    }

    fn object(&mut self, depth: usize) -> Result<Json, JsonError> {
        if depth > MAX_DEPTH {
            return Err(self.err("nested too deeply"));
        }
        self.i += 1;
        let mut o = JsonObject::new();
        self.ws();
        if self.eat(b'}') {
            return Ok(Json::Object(o));
        }
        loop {
            self.ws();
            if self.peek() != Some(b'"') {
                return Err(self.err("expected a member name"));
            }
            let name = self.string()?;
            self.ws();
            if !self.eat(b':') {
                return Err(self.err("expected ':'"));
            }
            let value = self.value(depth)?;
            o.insert(name, value);
            self.ws();
            if self.eat(b',') {
                continue;
            }
            if self.eat(b'}') {
                return Ok(Json::Object(o));
            }
            return Err(self.err("expected ',' or '}'"));
        }
    }

    fn array(&mut self, depth: usize) -> Result<Json, JsonError> {
        if depth > MAX_DEPTH {
            return Err(self.err("nested too deeply"));
        }
        self.i += 1;
        let mut items = Vec::new();
        self.ws();
        if self.eat(b']') {
            return Ok(Json::Array(items));
        }
        loop {
            items.push(self.value(depth)?);
            self.ws();
            if self.eat(b',') {
                continue;
            }
            if self.eat(b']') {
                return Ok(Json::Array(items));
            }
            return Err(self.err("expected ',' or ']'"));
        }
    }

    fn number(&mut self) -> Result<Number, JsonError> {
        let start = self.i;
        while matches!(self.peek(), Some(b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')) {
            self.i += 1;
        }
        let token = self.text.get(start..self.i).unwrap_or_default();
        if !is_json_number(token) {
            self.i = start;
            return Err(self.err("invalid number"));
        }
        Number::parse(token).ok_or_else(|| self.err("invalid number"))
    }

    fn hex4(&mut self) -> Result<u16, JsonError> {
        let digits = self.text.get(self.i..self.i + 4).ok_or_else(|| self.err("short \\u escape"))?;
        if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(self.err("invalid \\u escape"));
        }
        let v = u16::from_str_radix(digits, 16).map_err(|_| self.err("invalid \\u escape"))?;
        self.i += 4;
        Ok(v)
    }

    fn string(&mut self) -> Result<String, JsonError> {
        self.i += 1; // the opening quote
        let mut out = String::new();
        loop {
            // copy the run of plain characters at once (the text is UTF-8 already)
            let start = self.i;
            self.i = start + super::scan::plain_len(self.s.get(start..).unwrap_or_default(), false);
            out.push_str(self.text.get(start..self.i).ok_or_else(|| self.err("invalid UTF-8 boundary"))?);
            match self.peek() {
                None => return Err(self.err("unterminated string")),
                Some(b'"') => {
                    self.i += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.i += 1;
                    let escaped = self.peek().ok_or_else(|| self.err("unterminated string"))?;
                    self.i += 1;
                    match escaped {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let unit = self.hex4()?;
                            let c = match unit {
                                0xD800..=0xDBFF => {
                                    if !(self.eat(b'\\') && self.eat(b'u')) {
                                        return Err(self.err("lone surrogate"));
                                    }
                                    let low = self.hex4()?;
                                    if !(0xDC00..=0xDFFF).contains(&low) {
                                        return Err(self.err("lone surrogate"));
                                    }
                                    0x10000 + ((u32::from(unit) - 0xD800) << 10) + (u32::from(low) - 0xDC00)
                                }
                                0xDC00..=0xDFFF => return Err(self.err("lone surrogate")),
                                _ => u32::from(unit),
                            };
                            out.push(char::from_u32(c).ok_or_else(|| self.err("invalid \\u escape"))?);
                        }
                        _ => return Err(self.err("invalid escape")),
                    }
                }
                Some(_) => return Err(self.err("control character in string")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_what_rfc_8259_allows() {
        let v = parse(" {\"a\":[1,-2.5e3,true,false,null],\"b\":\"x\\u00e9\\ud83d\\ude00\\n\\/\",\"a\":{}} ").unwrap_or_else(|e| panic!("{e}"));
        let o = v.as_object().unwrap_or_else(|| panic!("object"));
        assert_eq!(o.len(), 2, "a repeated name keeps one member");
        assert_eq!(o.get("a"), Some(&Json::Object(JsonObject::new())), "the last value wins, as in JSON.parse");
        assert_eq!(o.get_str("b"), Some("xé😀\n/"));
        assert_eq!(parse("\"\"").ok(), Some(Json::String(String::new())));
        assert_eq!(parse("0").ok().and_then(|v| v.as_u64()), Some(0));
    }

    #[test]
    fn refuses_what_it_does_not() {
        for bad in [
            "",
            " ",
            "{",
            "}",
            "[1,]",
            "{\"a\":1,}",
            "{a:1}",
            "'a'",
            "01",
            "1.",
            "+1",
            "NaN",
            "tru",
            "nul",
            "\"\\x\"",
            "\"\\ud800\"",
            "\"\\udc00x\"",
            "\"a\nb\"",
            "\"abc",
            "[1 2]",
            "{\"a\" 1}",
            "1 2",
            "\u{feff}{}",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
        let deep = "[".repeat(129) + &"]".repeat(129);
        assert_eq!(parse(&deep).err().map(|e| e.reason), Some("nested too deeply"));
        assert!(parse(&("[".repeat(128) + &"]".repeat(128))).is_ok());
    }

    proptest! {
        /// The reader agrees with serde_json on every text serde_json writes, and refuses nothing
        /// serde_json reads (strings, integers, nesting).
        #[test]
        fn agrees_with_serde_json(v in arb_value()) {
            let text = serde_json::to_string(&v).unwrap_or_default();
            let ours = parse(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let back: serde_json::Value = serde_json::from_str(&ours.to_json(crate::json::Escape::Minimal)).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(back, v);
        }

        /// Arbitrary text never panics the reader.
        #[test]
        fn never_panics(s in ".{0,64}") {
            let _ = parse(&s);
        }
    }

    fn arb_value() -> impl Strategy<Value = serde_json::Value> {
        use serde_json::Value;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| Value::Number(n.into())),
            any::<u64>().prop_map(|n| Value::Number(n.into())),
            "\\PC{0,12}".prop_map(Value::String),
            "[\\u{0}-\\u{1f}\"\\\\]{0,4}".prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::btree_map("\\PC{0,6}", inner, 0..6).prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }
}
