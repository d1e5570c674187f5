//! The compact JSON writer: strings escaped as serde_json escapes them (`\"`, `\\`, the short
//! control escapes, `\u00XX` for the rest), optionally every non-ASCII character as `\uNNNN`
//! (RFC 8259 §7), numbers written back as sent.

use super::{Json, JsonObject};

/// How strings are escaped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Escape {
    /// Only what RFC 8259 §7 requires: `"`, `\` and control characters.
    Minimal,
    /// Also every non-ASCII character, as `\uNNNN` (a surrogate pair above U+FFFF): the output is
    /// ASCII (Logiless' API bodies, `BodyEncoding::AsciiOnlyJson`).
    AsciiOnly,
}

const HEX: &[u8; 16] = b"0123456789abcdef";

fn push_unit(out: &mut String, unit: u16) {
    out.push_str("\\u");
    for shift in [12, 8, 4, 0] {
        out.push(HEX.get(usize::from((unit >> shift) & 0xf)).map_or('0', |b| char::from(*b)));
    }
}

/// Appends `s` as a JSON string (quotes included). Runs that need no escape are copied whole.
pub fn write_string(out: &mut String, s: &str, escape: Escape) {
    out.reserve(s.len() + 2);
    out.push('"');
    let ascii_only = escape == Escape::AsciiOnly;
    let mut rest = s;
    loop {
        let i = super::scan::plain_len(rest.as_bytes(), ascii_only);
        if i == rest.len() {
            break;
        }
        out.push_str(rest.get(..i).unwrap_or_default());
        let tail = rest.get(i..).unwrap_or_default();
        let Some(c) = tail.chars().next() else { break };
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => push_unit(out, c as u16),
            c => {
                // non-ASCII under Escape::AsciiOnly
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    push_unit(out, *unit);
                }
            }
        }
        rest = tail.get(c.len_utf8()..).unwrap_or_default();
    }
    out.push_str(rest);
    out.push('"');
}

impl Json {
    /// Compact JSON text (RFC 8259), every string escaped as [`Escape`] says. Here, with the
    /// writer, so the value type does not import its writer back.
    pub fn to_json(&self, escape: Escape) -> String {
        let mut out = String::new();
        write_value(&mut out, self, escape);
        out
    }
}

fn write_value(out: &mut String, v: &Json, escape: Escape) {
    match v {
        Json::Null => out.push_str("null"),
        Json::Bool(true) => out.push_str("true"),
        Json::Bool(false) => out.push_str("false"),
        Json::Number(n) => out.push_str(n.as_str()),
        Json::String(s) => write_string(out, s, escape),
        Json::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item, escape);
            }
            out.push(']');
        }
        Json::Object(o) => write_object(out, o, escape),
    }
}

fn write_object(out: &mut String, o: &JsonObject, escape: Escape) {
    out.push('{');
    for (i, (k, item)) in o.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        write_string(out, k, escape);
        out.push(':');
        write_value(out, item, escape);
    }
    out.push('}');
}

/// Writes one JSON object member by member, straight into text: for answers built from borrowed
/// fields (a `TokenSet`, an error) without building a [`Json`] first.
#[derive(Debug)]
pub struct ObjectWriter {
    out: String,
    empty: bool,
}

impl Default for ObjectWriter {
    fn default() -> Self {
        ObjectWriter::new()
    }
}

impl ObjectWriter {
    /// An empty object.
    pub fn new() -> ObjectWriter {
        ObjectWriter::with_capacity(64)
    }

    /// An empty object whose text is expected to take about `bytes` (one allocation, not a
    /// series of regrowths, for a token set holding a long access token).
    pub fn with_capacity(bytes: usize) -> ObjectWriter {
        let mut out = String::with_capacity(bytes);
        out.push('{');
        ObjectWriter { out, empty: true }
    }

    fn name(&mut self, name: &str) -> &mut String {
        if !self.empty {
            self.out.push(',');
        }
        self.empty = false;
        write_string(&mut self.out, name, Escape::Minimal);
        self.out.push(':');
        &mut self.out
    }

    /// A string member.
    pub fn str(&mut self, name: &str, value: &str) -> &mut Self {
        write_string(self.name(name), value, Escape::Minimal);
        self
    }

    /// A string member, or `null`.
    pub fn str_or_null(&mut self, name: &str, value: Option<&str>) -> &mut Self {
        match value {
            Some(v) => self.str(name, v),
            None => self.raw(name, "null"),
        }
    }

    /// A string member, left out when `None`.
    pub fn opt_str(&mut self, name: &str, value: Option<&str>) -> &mut Self {
        if let Some(v) = value {
            self.str(name, v);
        }
        self
    }

    /// An integer member.
    pub fn u64(&mut self, name: &str, value: u64) -> &mut Self {
        let text = value.to_string();
        self.raw(name, &text)
    }

    /// An integer member, or `null`.
    pub fn u64_or_null(&mut self, name: &str, value: Option<u64>) -> &mut Self {
        match value {
            Some(v) => self.u64(name, v),
            None => self.raw(name, "null"),
        }
    }

    /// An integer member, left out when `None`.
    pub fn opt_u64(&mut self, name: &str, value: Option<u64>) -> &mut Self {
        if let Some(v) = value {
            self.u64(name, v);
        }
        self
    }

    /// A boolean member.
    pub fn bool(&mut self, name: &str, value: bool) -> &mut Self {
        self.raw(name, if value { "true" } else { "false" })
    }

    /// A member holding `value`.
    pub fn value(&mut self, name: &str, value: &Json) -> &mut Self {
        write_value(self.name(name), value, Escape::Minimal);
        self
    }

    /// A member holding `object`.
    pub fn object(&mut self, name: &str, object: &JsonObject) -> &mut Self {
        write_object(self.name(name), object, Escape::Minimal);
        self
    }

    /// A member holding an object of string members, in order.
    pub fn str_pairs<'a>(&mut self, name: &str, pairs: impl IntoIterator<Item = (&'a str, &'a str)>) -> &mut Self {
        let mut inner = ObjectWriter::new();
        for (k, v) in pairs {
            inner.str(k, v);
        }
        let text = inner.finish();
        self.raw(name, &text)
    }

    /// A member holding the object `inner` wrote (records nested in a message).
    pub fn nested(&mut self, name: &str, inner: ObjectWriter) -> &mut Self {
        let text = inner.finish();
        self.raw(name, &text)
    }

    /// A member holding an array of the objects `items` wrote, in order.
    pub fn objects(&mut self, name: &str, items: impl IntoIterator<Item = ObjectWriter>) -> &mut Self {
        let text = object_array(items);
        self.raw(name, &text)
    }

    /// A member holding `json`, which the caller guarantees is one JSON value.
    fn raw(&mut self, name: &str, json: &str) -> &mut Self {
        self.name(name).push_str(json);
        self
    }

    /// The object's text.
    pub fn finish(mut self) -> String {
        self.out.push('}');
        self.out
    }
}

/// An array of the objects `items` wrote, in order, as JSON text.
pub fn object_array(items: impl IntoIterator<Item = ObjectWriter>) -> String {
    let mut out = String::from("[");
    for (i, w) in items.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&w.finish());
    }
    out.push(']');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn objects_member_by_member() {
        let mut w = ObjectWriter::new();
        w.str("a", "x\"y").opt_str("skipped", None).str_or_null("b", None).u64("c", 7).opt_u64("d", Some(1)).bool("e", true);
        w.str_pairs("h", [("k", "v")]).value("j", &Json::Array(vec![Json::Null]));
        assert_eq!(w.finish(), r#"{"a":"x\"y","b":null,"c":7,"d":1,"e":true,"h":{"k":"v"},"j":[null]}"#);
        assert_eq!(ObjectWriter::new().finish(), "{}");
        let mut inner = ObjectWriter::new();
        inner.u64("n", 1);
        let mut w = ObjectWriter::new();
        w.nested("o", inner).objects("a", [ObjectWriter::new(), ObjectWriter::new()]).objects("none", []);
        assert_eq!(w.finish(), r#"{"o":{"n":1},"a":[{},{}],"none":[]}"#);
        assert_eq!(object_array([]), "[]");
    }

    proptest! {
        /// Byte for byte what serde_json writes for the same string.
        #[test]
        fn strings_as_serde_json_writes_them(s in "\\PC{0,16}|[\\u{0}-\\u{7f}]{0,16}") {
            let mut out = String::new();
            write_string(&mut out, &s, Escape::Minimal);
            prop_assert_eq!(out, serde_json::to_string(&s).unwrap_or_default());
        }

        /// ASCII-only output reads back to the same string.
        #[test]
        fn ascii_only_round_trips(s in "\\PC{0,16}") {
            let mut out = String::new();
            write_string(&mut out, &s, Escape::AsciiOnly);
            prop_assert!(out.is_ascii());
            prop_assert_eq!(crate::json::parse(&out).ok(), Some(Json::String(s)));
        }
    }
}
