//! Scrubbing of server-provided text before it is kept in an [`Error`](crate::Error).
//!
//! Error bodies are kept as excerpts for diagnosis, but a misbehaving server may echo a token or
//! secret back; this module redacts token-shaped values and bounds the length.

/// Keys whose values are secrets wherever they appear (`key=value`, `"key":"value"`, `key: value`).
const SECRET_KEYS: &[&str] = &["access_token", "refresh_token", "id_token", "client_secret", "code_verifier", "assertion", "password", "code", "credentials"];

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
    let mut text: String = head.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
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
///
/// Every occurrence of every key is looked at, and the redacted ranges are merged, so a key inside
/// another key's value (`"access_token":"access_token":"…"`) still has its own value redacted.
fn redact_keyed_values(s: &str) -> String {
    let lower = s.to_ascii_lowercase();
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    for key in SECRET_KEYS {
        for (at, _) in lower.match_indices(key) {
            if let Some(range) = keyed_value(s, at + key.len()) {
                ranges.push(range);
            }
        }
    }
    // at most a few hundred: `scrub_text` works on a bounded prefix
    crate::short_sort::sort_short(&mut ranges);
    let mut out = String::with_capacity(s.len());
    let mut cursor = 0usize; // byte index in `s` up to which `out` is filled
    for (start, end) in ranges {
        if start < cursor {
            // overlaps (or sits inside) the value just redacted: extend it
            cursor = cursor.max(end);
            continue;
        }
        out.push_str(s.get(cursor..start).unwrap_or_default());
        out.push_str(REDACTED);
        cursor = end;
    }
    out.push_str(s.get(cursor..).unwrap_or_default());
    out
}

/// The byte range of the value after a key ending at `after_key`, if a separator and a
/// non-empty value follow. A value already reading `[redacted]` is not a value again: scrubbing
/// twice (the Worker rebuilds errors from its session object's scrubbed JSON) must not turn
/// `refresh_token=[redacted]` into `refresh_token=[redacted]]` (issue 13). Anything after such a
/// marker is still a value.
fn keyed_value(s: &str, after_key: usize) -> Option<(usize, usize)> {
    // The key must end the word (`access_tokens` is another key) but may end a longer one:
    // `upstream_access_token` holds a token too (a fuzz finding: prefixed keys leaked).
    let rest = s.get(after_key..)?;
    if rest.chars().next().is_some_and(is_word_char) {
        return None;
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
        return None;
    }
    // skip an opening quote, then any marker left by an earlier scrub
    let mut value_start = after_key
        + match rest.get(offset..).and_then(|r| r.chars().next()) {
            Some('"') | Some('\'') => offset + 1,
            _ => offset,
        };
    while s.get(value_start..).is_some_and(|v| v.starts_with(REDACTED)) {
        value_start += REDACTED.len();
    }
    let value_rest = s.get(value_start..)?;
    let value_len = value_rest.find(is_value_end).unwrap_or(value_rest.len());
    if value_len == 0 {
        return None;
    }
    Some((value_start, value_start + value_len))
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
            redact_next = false;
            // a credential already redacted by an earlier scrub stays as it is (issue 13)
            let fresh = w.trim_start_matches(REDACTED);
            let keep: String = fresh.chars().rev().take_while(|c| is_value_end(*c)).collect();
            if fresh.len() == keep.len() {
                out.push_str(w);
                continue;
            }
            out.push_str(REDACTED);
            out.extend(keep.chars().rev());
            continue;
        }
        let bare = w.trim_matches(|c: char| !c.is_ascii_alphabetic());
        redact_next = bare.eq_ignore_ascii_case("bearer") || bare.eq_ignore_ascii_case("basic");
        out.push_str(w);
    }
    out
}

/// Where the next JWT-shaped run may start: `eyJ`, the base64url of `{"` (a JOSE header). Matched
/// byte by byte rather than with a string needle, so the three letters never sit in the binary's
/// data next to other text, where they would read as a token to a bundle scan (tests/secrets/).
fn next_jwt_start(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    (0..b.len()).find(|&i| matches!(b.get(i..), Some([b'e', b'y', b'J', ..])))
}

/// Any `eyJ….….…` JWT-shaped run → redacted.
fn redact_jwts(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(pos) = next_jwt_start(rest) {
        let (head, tail) = rest.split_at(pos);
        out.push_str(head);
        let len = tail.find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '='))).unwrap_or(tail.len());
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
    fn scrubbing_twice_changes_nothing() {
        // issue 13: the Worker rebuilds an Error from its session object's already scrubbed JSON,
        // which scrubbed the description again and printed `refresh_token=[redacted]]`.
        let once = scrub_text("error: refresh_token=RT-1 rejected; Authorization: Bearer abc, code=\"C\"", 512);
        assert_eq!(once, "error: refresh_token=[redacted] rejected; Authorization: Bearer [redacted], code=\"[redacted]\"");
        assert_eq!(scrub_text(&once, 512), once);
        assert_eq!(scrub_text(r#"{"refresh_token":"[redacted]"}"#, 512), r#"{"refresh_token":"[redacted]"}"#);
        // a marker is not a hiding place: what follows it is still the value
        assert_eq!(scrub_text("refresh_token=[redacted]RT-2 Bearer [redacted]AT", 512), "refresh_token=[redacted][redacted] Bearer [redacted]");
    }

    #[test]
    fn a_key_inside_another_keys_value_still_redacts_its_own() {
        let out = scrub_text(r#"access_token":"access_token":"FUZZSECRET""#, 512);
        assert_eq!(out, r#"access_token":"[redacted]":"[redacted]""#);
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
