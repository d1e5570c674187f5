//! Scrubbing of server-provided text before it is kept in an [`Error`](crate::Error).
//!
//! Error bodies are kept as excerpts for diagnosis, but a misbehaving server may echo a token or
//! secret back; this module redacts token-shaped values and bounds the length.

/// Keys whose values are secrets wherever they appear (`key=value`, `"key":"value"`, `key: value`).
const SECRET_KEYS: &[&str] = &[
    "access_token",
    "refresh_token",
    "id_token",
    "client_secret",
    "code_verifier",
    "assertion",
    "password",
    "code",
    "credentials",
];

const REDACTED: &str = "[redacted]";

/// Truncates `s` to at most `max` bytes on a character boundary, marking the cut with `…`.
pub(crate) fn bound(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max;
    while end > 0 && !s.is_char_boundary(end) {
        end -= 1;
    }
    let mut out = s.get(..end).unwrap_or_default().to_owned();
    out.push('…');
    out
}

/// Redacts secret-bearing values, JWT-shaped strings and `Bearer`/`Basic` credentials in `s`,
/// then bounds it to `max` bytes. Control characters become spaces so excerpts stay one line.
pub(crate) fn scrub_text(s: &str, max: usize) -> String {
    // Work on a bounded prefix first so hostile megabyte bodies cost little.
    let head = bound(s, max.saturating_mul(4));
    let mut text: String = head
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    text = redact_auth_schemes(&text);
    text = redact_keyed_values(&text);
    text = redact_jwts(&text);
    bound(text.trim(), max)
}

fn is_value_end(c: char) -> bool {
    matches!(c, '"' | '\'' | ',' | '}' | ']' | '&' | ';' | ' ' | '\t' | '\r' | '\n' | '<' | ')')
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// `key=value`, `"key":"value"`, `"key": value`, `key: value` → value redacted.
fn redact_keyed_values(s: &str) -> String {
    let lower = s.to_ascii_lowercase();
    let mut out = String::with_capacity(s.len());
    let mut cursor = 0usize; // byte index in `s` up to which `out` is filled
    let mut search_from = 0usize;
    loop {
        // earliest occurrence of any key at or after search_from
        let mut best: Option<(usize, usize)> = None;
        for key in SECRET_KEYS {
            if let Some(rest) = lower.get(search_from..) {
                if let Some(pos) = rest.find(key) {
                    let at = search_from + pos;
                    if best.is_none_or(|(b, _)| at < b) {
                        best = Some((at, key.len()));
                    }
                }
            }
        }
        let Some((at, key_len)) = best else { break };
        let after_key = at + key_len;
        search_from = after_key;
        // The key must end the word (`access_tokens` is another key) but may end a longer one:
        // `upstream_access_token` holds a token too (a fuzz finding: prefixed keys leaked).
        let rest = s.get(after_key..).unwrap_or_default();
        if rest.chars().next().is_some_and(is_word_char) {
            continue;
        }
        // optional closing quote of the key, spaces, then ':' or '='
        let mut offset = 0usize;
        let mut saw_sep = false;
        for (i, c) in rest.char_indices() {
            offset = i;
            match c {
                '"' | '\'' if !saw_sep => continue,
                ' ' | '\t' => continue,
                ':' | '=' if !saw_sep => {
                    saw_sep = true;
                    continue;
                }
                _ => break,
            }
        }
        if !saw_sep {
            continue;
        }
        // skip an opening quote
        let value_start_rel = match rest.get(offset..).and_then(|r| r.chars().next()) {
            Some('"') | Some('\'') => offset + 1,
            _ => offset,
        };
        let value_rest = rest.get(value_start_rel..).unwrap_or_default();
        let value_len = value_rest.find(is_value_end).unwrap_or(value_rest.len());
        if value_len == 0 {
            continue;
        }
        let value_start = after_key + value_start_rel;
        out.push_str(s.get(cursor..value_start).unwrap_or_default());
        out.push_str(REDACTED);
        cursor = value_start + value_len;
        search_from = cursor;
    }
    out.push_str(s.get(cursor..).unwrap_or_default());
    out
}

/// `Bearer abc`, `Basic abc` → credential redacted.
fn redact_auth_schemes(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let words = s.split(' ');
    let mut first = true;
    let mut redact_next = false;
    for w in words {
        if !first {
            out.push(' ');
        }
        first = false;
        if redact_next && !w.is_empty() {
            let keep: String = w.chars().rev().take_while(|c| is_value_end(*c)).collect();
            out.push_str(REDACTED);
            out.extend(keep.chars().rev());
            redact_next = false;
            continue;
        }
        let bare = w.trim_matches(|c: char| !c.is_ascii_alphabetic());
        redact_next = bare.eq_ignore_ascii_case("bearer") || bare.eq_ignore_ascii_case("basic");
        out.push_str(w);
    }
    out
}

/// Any `eyJ….….…` JWT-shaped run → redacted.
fn redact_jwts(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(pos) = rest.find("eyJ") {
        let (head, tail) = rest.split_at(pos);
        out.push_str(head);
        let len = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '=')))
            .unwrap_or(tail.len());
        let candidate = tail.get(..len).unwrap_or_default();
        if candidate.matches('.').count() >= 1 && len >= 16 {
            out.push_str(REDACTED);
        } else {
            out.push_str(candidate);
        }
        rest = tail.get(len..).unwrap_or_default();
        if len == 0 {
            // cannot happen ("eyJ" is alphanumeric) but never loop forever
            out.push_str(rest);
            return out;
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_json_and_form_values() {
        let s = r#"{"access_token":"AT-123","refresh_token": "RT-456","expires_in":3600}"#;
        let out = scrub_text(s, 512);
        assert!(!out.contains("AT-123") && !out.contains("RT-456"), "{out}");
        assert!(out.contains("expires_in"));
        let q = "client_id=abc&client_secret=s3cr3t&code=xyz&grant_type=authorization_code";
        let out = scrub_text(q, 512);
        assert!(!out.contains("s3cr3t") && !out.contains("xyz"), "{out}");
        assert!(out.contains("client_id=abc"));
    }

    #[test]
    fn redacts_prefixed_keys() {
        // regression: fuzz/artifacts api_error, `funaccess_token":"FUZZSECRET`
        let out = scrub_text(r#"{"funaccess_token":"FUZZSECRETu","upstream_refresh_token":"RT9"}"#, 512);
        assert!(!out.contains("FUZZSECRET") && !out.contains("RT9"), "{out}");
    }

    #[test]
    fn keeps_non_secret_words_containing_keys() {
        let out = scrub_text(r#"{"code":400,"message":"Validation Failed","errorcode":"x"}"#, 512);
        assert!(out.contains("Validation Failed"));
        assert!(out.contains("errorcode"));
    }

    #[test]
    fn redacts_bearer_basic_and_jwts() {
        let out = scrub_text("Authorization: Bearer abc.def and Basic Zm9vOmJhcg==", 512);
        assert!(!out.contains("abc.def") && !out.contains("Zm9vOmJhcg"), "{out}");
        let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln";
        assert!(!scrub_text(&format!("token {jwt} here"), 512).contains(jwt));
    }

    #[test]
    fn bounds_on_char_boundary() {
        let s = "日本語".repeat(100);
        let out = bound(&s, 10);
        assert!(out.len() <= 10 + '…'.len_utf8());
        assert!(out.ends_with('…'));
    }
}
