//! Server-provided DPoP nonces (RFC 9449 §8 for authorization servers, §9 for resource servers):
//! the `DPoP-Nonce` header of any answer, and the two ways a server asks for one — a token
//! endpoint's 400 `{"error":"use_dpop_nonce"}` (§8) and a resource server's 401 with
//! `WWW-Authenticate: DPoP error="use_dpop_nonce"` (§9). Nonces are kept per origin ([`NonceBook`]).

use crate::http::HttpResponse;
use crate::json::{self, Json};
use crate::{uri, Error, ErrorCode, Result};

/// The error code a server answers when a proof lacks its current nonce (RFC 9449 §8, §9, §12.2).
pub const USE_DPOP_NONCE: &str = "use_dpop_nonce";

/// The response header carrying a nonce (RFC 9449 §8.1), lowercase.
pub const DPOP_NONCE_HEADER: &str = "dpop-nonce";

/// The longest nonce kept (a server's nonce is opaque; a bound keeps a hostile one small).
const MAX_NONCE_LEN: usize = 1024;

/// A server's nonce: `1*NQCHAR` (RFC 9449 §8.1: `%x21 / %x23-5B / %x5D-7E`, no space, `"` or `\`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DpopNonce(String);

impl DpopNonce {
    /// The value, checked against §8.1's syntax (at most 1024 characters).
    pub fn new(value: &str) -> Result<Self> {
        let ok = !value.is_empty() && value.len() <= MAX_NONCE_LEN && value.bytes().all(|b| matches!(b, 0x21 | 0x23..=0x5B | 0x5D..=0x7E));
        if !ok {
            return Err(Error::new(ErrorCode::InvalidParameter, "a DPoP nonce is 1*NQCHAR (RFC 9449 §8.1)"));
        }
        Ok(DpopNonce(value.to_owned()))
    }

    /// The value.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The nonce an answer carries in `DPoP-Nonce` (any status: §8.2 lets a server send the next
    /// one with a success), if it is well formed.
    pub fn from_response(resp: &HttpResponse) -> Option<Self> {
        resp.header(DPOP_NONCE_HEADER).and_then(|v| DpopNonce::new(v.trim()).ok())
    }
}

/// Whether a token endpoint's answer asks for a nonce (RFC 9449 §8): HTTP 400 whose JSON body's
/// `error` is `use_dpop_nonce`. The caller retries once with the answer's `DPoP-Nonce`.
pub fn token_endpoint_wants_nonce(resp: &HttpResponse) -> bool {
    if resp.status != 400 {
        return false;
    }
    matches!(json::parse(&resp.body), Ok(Json::Object(o)) if o.get_str("error") == Some(USE_DPOP_NONCE))
}

/// Whether a resource server's answer asks for a nonce (RFC 9449 §9): HTTP 401 with a
/// `WWW-Authenticate` challenge of scheme `DPoP` whose `error` is `use_dpop_nonce`.
pub fn resource_wants_nonce(resp: &HttpResponse) -> bool {
    resp.status == 401
        && resp
            .headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("www-authenticate"))
            .any(|(_, v)| challenge_params(v, "dpop").iter().any(|(k, v)| k.eq_ignore_ascii_case("error") && v == USE_DPOP_NONCE))
}

/// The auth-params of the challenge named `scheme` in a `WWW-Authenticate` value (RFC 9110
/// §11.6.1: `scheme [param=value *( "," param=value )]`, challenges separated by commas; values
/// tokens or quoted strings).
fn challenge_params(header: &str, scheme: &str) -> Vec<(String, String)> {
    let mut params = Vec::new();
    let mut in_scheme = false;
    let mut rest = header.trim_start_matches([' ', ',']);
    while !rest.is_empty() {
        let name_end = rest.find(['=', ' ', ',']).unwrap_or(rest.len());
        let (name, after) = rest.split_at(name_end);
        let after_ws = after.trim_start_matches(' ');
        if let Some(value_text) = after_ws.strip_prefix('=').filter(|v| !v.starts_with('=')) {
            let value_text = value_text.trim_start_matches(' ');
            let (value, tail) = match value_text.strip_prefix('"') {
                Some(q) => quoted(q),
                None => {
                    let end = value_text.find([',', ' ']).unwrap_or(value_text.len());
                    let (v, t) = value_text.split_at(end);
                    (v.to_owned(), t)
                }
            };
            if in_scheme {
                params.push((name.to_owned(), value));
            }
            rest = tail.trim_start_matches([' ', ',']);
        } else if name.is_empty() {
            // a stray '=' (a token68's padding, junk): skip it, so every turn moves on
            rest = rest.get(1..).unwrap_or_default().trim_start_matches([' ', ',']);
        } else {
            // a token not followed by '=' names a new challenge (token68 values are skipped alike)
            in_scheme = name.eq_ignore_ascii_case(scheme);
            rest = after.trim_start_matches([' ', ',']);
        }
    }
    params
}

/// A quoted string's value (after its opening `"`), unescaped, and what follows its closing `"`.
fn quoted(text: &str) -> (String, &str) {
    let mut value = String::new();
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                if let Some((_, e)) = chars.next() {
                    value.push(e);
                }
            }
            '"' => return (value, text.get(i + 1..).unwrap_or_default()),
            c => value.push(c),
        }
    }
    (value, "")
}

/// The origin of `url` (`scheme://host[:port]`, lowercase), the key nonces are kept under: a
/// nonce is one server's (RFC 9449 §8, §9), and the authorization and resource servers may differ.
pub fn origin(url: &str) -> Option<String> {
    Some(uri::split(url)?.origin().to_ascii_lowercase())
}

/// The latest nonce of each server origin, most recently used first, at most 16.
#[derive(Clone, Debug, Default)]
pub struct NonceBook {
    entries: Vec<(String, DpopNonce)>,
}

const MAX_ORIGINS: usize = 16;

impl NonceBook {
    /// An empty book.
    pub fn new() -> Self {
        NonceBook::default()
    }

    /// The nonce to put in a proof for a request to `url`, if its server gave one.
    pub fn get(&self, url: &str) -> Option<DpopNonce> {
        let o = origin(url)?;
        self.entries.iter().find(|(k, _)| *k == o).map(|(_, n)| n.clone())
    }

    /// Keeps the `DPoP-Nonce` of `resp`, the answer to a request to `url`; whether it had one.
    pub fn remember(&mut self, url: &str, resp: &HttpResponse) -> bool {
        let (Some(o), Some(n)) = (origin(url), DpopNonce::from_response(resp)) else { return false };
        self.entries.retain(|(k, _)| *k != o);
        self.entries.insert(0, (o, n));
        self.entries.truncate(MAX_ORIGINS);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(status: u16, headers: &[(&str, &str)], body: &str) -> HttpResponse {
        HttpResponse::new(status, headers.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(), body)
    }

    #[test]
    fn nonce_syntax_is_nqchar() {
        assert!(DpopNonce::new("eyJ7S_zG.eyJH0-Z.HX4w-7v").is_ok());
        for bad in ["", "a b", "a\"b", "a\\b", "é", &"n".repeat(1025)] {
            assert!(DpopNonce::new(bad).is_err(), "{bad:?}");
        }
        assert_eq!(DpopNonce::from_response(&resp(200, &[("DPoP-Nonce", " abc ")], "")).map(|n| n.0), Some("abc".into()));
        assert_eq!(DpopNonce::from_response(&resp(200, &[("DPoP-Nonce", "a b")], "")), None);
    }

    #[test]
    fn token_endpoint_400_use_dpop_nonce() {
        // RFC 9449 §8's example answer
        let r = resp(
            400,
            &[("DPoP-Nonce", "eyJ7S_zG.eyJH0-Z.HX4w-7v")],
            r#"{"error":"use_dpop_nonce","error_description":"Authorization server requires nonce in DPoP proof"}"#,
        );
        assert!(token_endpoint_wants_nonce(&r));
        assert!(!token_endpoint_wants_nonce(&resp(400, &[], r#"{"error":"invalid_dpop_proof"}"#)));
        assert!(!token_endpoint_wants_nonce(&resp(200, &[], r#"{"error":"use_dpop_nonce"}"#)));
        assert!(!token_endpoint_wants_nonce(&resp(400, &[], "use_dpop_nonce")));
    }

    #[test]
    fn resource_401_www_authenticate() {
        // RFC 9449 §9's example, and oidc-provider's form
        let rfc = resp(401, &[("WWW-Authenticate", r#"DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof""#)], "");
        assert!(resource_wants_nonce(&rfc));
        let two = resp(401, &[("www-authenticate", r#"Bearer realm="x", DPoP algs="ES256", error="use_dpop_nonce""#)], "");
        assert!(resource_wants_nonce(&two));
        // the error belongs to the Bearer challenge, not DPoP's
        let other = resp(401, &[("www-authenticate", r#"DPoP algs="ES256", Bearer error="use_dpop_nonce""#)], "");
        assert!(!resource_wants_nonce(&other));
        assert!(!resource_wants_nonce(&resp(401, &[("www-authenticate", r#"DPoP error="invalid_token""#)], "")));
        assert!(!resource_wants_nonce(&resp(403, &[("www-authenticate", r#"DPoP error="use_dpop_nonce""#)], "")));
        assert!(resource_wants_nonce(&resp(401, &[("WWW-Authenticate", "dpop error=use_dpop_nonce")], "")));
        assert!(resource_wants_nonce(&resp(401, &[("WWW-Authenticate", r#"DPoP error="use\_dpop_nonce""#)], "")));
        for junk in ["", "=", "DPoP ==", "DPoP a==,", "\"", "DPoP error=\"", ", , ,", "DPoP error = =x"] {
            assert!(!resource_wants_nonce(&resp(401, &[("www-authenticate", junk)], "")), "{junk:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn any_challenge_text_ends(h in "[ ,=\"\\\\a-zA-Z_]{0,40}") {
            let _ = resource_wants_nonce(&resp(401, &[("www-authenticate", &h)], ""));
        }
    }

    #[test]
    fn book_keeps_the_latest_nonce_per_origin() {
        let mut book = NonceBook::new();
        assert!(book.remember("https://AS.example/token?x", &resp(400, &[("dpop-nonce", "n1")], "")));
        assert!(!book.remember("https://as.example/token", &resp(200, &[], "")));
        assert_eq!(book.get("https://as.example/other").map(|n| n.0), Some("n1".into()));
        assert_eq!(book.get("https://as.example:444/token"), None);
        book.remember("https://rs.example/api", &resp(200, &[("dpop-nonce", "r1")], ""));
        book.remember("https://as.example/token", &resp(200, &[("dpop-nonce", "n2")], ""));
        assert_eq!(book.get("https://as.example/token").map(|n| n.0), Some("n2".into()));
        assert_eq!(book.get("https://rs.example/x").map(|n| n.0), Some("r1".into()));
        for i in 0..20 {
            book.remember(&format!("https://h{i}.example/"), &resp(200, &[("dpop-nonce", "x")], ""));
        }
        assert_eq!(book.entries.len(), MAX_ORIGINS);
    }
}
