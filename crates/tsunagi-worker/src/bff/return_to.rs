//! Where the browser goes after signing in: `return_to` is a same-origin relative path only, checked
//! in its raw and percent-decoded forms, so the Worker is never an open redirect.

use tsunagi_core::{Error, ErrorCode, Result};

/// Longest accepted `return_to`.
pub const MAX_RETURN_TO_LEN: usize = 2048;

/// Checks `return_to`: a same-origin relative path (`/…`) only. Rejects scheme-relative
/// (`//evil`), backslash (`/\evil`, browsers read `\` as `/`), absolute URLs, control characters
/// and whitespace, and the percent-encoded forms of all of these. `None` or empty → `/`.
pub fn check_return_to(raw: Option<&str>) -> Result<String> {
    let bad = |why: &str| Error::new(ErrorCode::InvalidParameter, format!("return_to {why}"));
    let value = match raw {
        None | Some("") => return Ok("/".to_owned()),
        Some(v) => v,
    };
    if value.len() > MAX_RETURN_TO_LEN {
        return Err(bad("is too long"));
    }
    let decoded = percent_decode_lossy(value);
    for candidate in [value, decoded.as_str(), percent_decode_lossy(&decoded).as_str()] {
        if !candidate.starts_with('/') {
            return Err(bad("must be a path starting with '/'"));
        }
        if candidate.starts_with("//") || candidate.contains('\\') {
            return Err(bad("must not start with '//' or contain '\\'"));
        }
        if candidate.chars().any(char::is_control) {
            return Err(bad("must not contain control characters"));
        }
    }
    if !value.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(bad("must be printable ASCII (percent-encode the rest)"));
    }
    Ok(value.to_owned())
}

fn percent_decode_lossy(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok()).and_then(|h| u8::from_str_radix(h, 16).ok());
            if let Some(v) = hex {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn return_to_is_same_origin_only() {
        for bad in [
            "//evil.example",
            "https://evil.example",
            "/\\evil",
            "\\\\evil",
            "/%2F/evil.example",
            "/%2f%2fevil",
            "%2F%2Fevil",
            "/%5Cevil",
            "/%255C%255Cevil",
            "/%252F/evil",
            "javascript:alert(1)",
            "evil",
            "/a b",
            "/a\tb",
            "/%0d%0aSet-Cookie:x",
            "/\u{3042}",
            "/%09/evil.example",
        ] {
            assert_eq!(check_return_to(Some(bad)).map_err(|e| e.code()), Err(ErrorCode::InvalidParameter), "{bad}");
        }
        assert_eq!(check_return_to(Some(&format!("/{}", "a".repeat(MAX_RETURN_TO_LEN)))).map_err(|e| e.code()), Err(ErrorCode::InvalidParameter));
        for good in ["/", "/app", "/app/matters?id=7&tab=a%20b", "/#/dashboard", "/a/b/"] {
            assert_eq!(check_return_to(Some(good)).ok().as_deref(), Some(good), "{good}");
        }
        assert_eq!(check_return_to(None).ok().as_deref(), Some("/"));
    }
}
