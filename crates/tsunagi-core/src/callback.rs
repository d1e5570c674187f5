//! Parsing the redirect back from the authorization server (RFC 6749 §4.1.2, §4.1.2.1): the code
//! or the error, with the state checked in constant time. Accepts the parameters in the query or,
//! for hash-router SPAs, in a query inside the fragment (`/#/callback?code=…`).

use crate::client::Client;
use crate::issuer::AuthServer;
use crate::secret::AuthorizationCode;
use crate::state::State;
use crate::uri;
use crate::{Error, ErrorCode, Result};

const CALLBACK_PARAMS: &[&str] = &["code", "state", "error", "error_description", "error_uri", "iss"];

/// Parses a callback URL. With `expected_state`, a missing state is [`ErrorCode::StateMissing`]
/// and a different one [`ErrorCode::StateMismatch`] (checked before anything else, so a forged
/// callback reveals nothing). An `error` parameter becomes its RFC 6749 code (unknown values:
/// [`ErrorCode::OAuthError`] with the raw value kept). A repeated parameter, or neither `code`
/// nor `error`, is [`ErrorCode::CallbackInvalid`].
pub fn parse_callback(url: &str, expected_state: Option<&State>) -> Result<AuthorizationCode> {
    parse_callback_from(url, expected_state, &AuthServer::default())
}

/// [`parse_callback`] for a response from `server`: after the state, its `iss` is checked
/// (RFC 9207 §2.4, [`crate::issuer::check_iss`]) — for an error response too — so a response
/// from another issuer ([`ErrorCode::IssuerMismatch`]) or without `iss` where the server sends it
/// ([`ErrorCode::IssuerMissing`]) gives no code to exchange.
pub fn parse_callback_from(url: &str, expected_state: Option<&State>, server: &AuthServer) -> Result<AuthorizationCode> {
    let parts = uri::split(url.trim()).ok_or_else(|| Error::new(ErrorCode::InvalidUrl, "the callback URL is not an absolute URL"))?;
    let from_query = parts.query.map(params).unwrap_or_default();
    let params = if has_callback_params(&from_query) {
        from_query
    } else {
        let fragment = parts.fragment.unwrap_or_default();
        let inner = match fragment.split_once('?') {
            Some((_, q)) => q,
            None if fragment.contains('=') => fragment,
            None => "",
        };
        params(inner)
    };
    let mut code = None;
    let mut state = None;
    let mut error = None;
    let mut description = None;
    let mut error_uri = None;
    let mut iss = None;
    for (k, v) in params {
        let slot = match k.as_str() {
            "code" => &mut code,
            "state" => &mut state,
            "error" => &mut error,
            "error_description" => &mut description,
            "error_uri" => &mut error_uri,
            "iss" => &mut iss,
            _ => continue,
        };
        if slot.replace(v).is_some() {
            return Err(Error::new(ErrorCode::CallbackInvalid, format!("the callback repeats the '{k}' parameter (RFC 6749 §3.1)")));
        }
    }
    if let Some(expected) = expected_state {
        match state.as_deref() {
            // a provider error without state (Logiless on cancel) still reports the provider's error
            None if error.is_some() => {}
            None => return Err(Error::new(ErrorCode::StateMissing, "the callback has no state: the response cannot be tied to this session")),
            Some(got) if !expected.matches(got) => {
                return Err(Error::new(ErrorCode::StateMismatch, "the callback's state does not match: possible CSRF, nothing was exchanged"))
            }
            Some(_) => {}
        }
    }
    crate::issuer::check_iss(server, iss.as_deref())?;
    if let Some(err) = error {
        let code = ErrorCode::from_oauth_error(&err).unwrap_or(ErrorCode::OAuthError);
        let message = match code {
            ErrorCode::AccessDenied => "the user declined the authorization request".to_owned(),
            _ => "the authorization server returned an error".to_owned(),
        };
        return Err(Error::new(code, message).with_oauth_error(Some(err)).with_description(description).with_error_uri(error_uri));
    }
    match code {
        Some(c) if !c.is_empty() => Ok(AuthorizationCode::new(c)),
        _ => Err(Error::new(ErrorCode::CallbackInvalid, "the callback has neither a code nor an error")),
    }
}

fn params(q: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(q.as_bytes()).map(|(k, v)| (k.into_owned(), v.into_owned())).collect()
}

fn has_callback_params(p: &[(String, String)]) -> bool {
    p.iter().any(|(k, _)| CALLBACK_PARAMS.contains(&k.as_str()))
}

impl Client {
    /// [`parse_callback_from`] this client's server: the state, then `iss` when the client knows
    /// its issuer (RFC 9207; vendor profiles know none, so nothing changes for them).
    pub fn parse_callback(&self, url: &str, expected_state: Option<&State>) -> Result<AuthorizationCode> {
        parse_callback_from(url, expected_state, &self.server)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn st(s: &str) -> State {
        State::new(s).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn code_and_state_from_query() {
        let c = parse_callback("https://acme-inc.com/auth?code=SplxlOBeZQQYbYS6WxSbIA&state=xyz", Some(&st("xyz")));
        assert_eq!(c.map(|c| c.secret().to_owned()).ok().as_deref(), Some("SplxlOBeZQQYbYS6WxSbIA"));
    }

    #[test]
    fn code_from_hash_router_fragment() {
        let c = parse_callback("http://localhost:5173/#/callback?code=abc&state=s1", Some(&st("s1")));
        assert_eq!(c.map(|c| c.secret().to_owned()).ok().as_deref(), Some("abc"));
        let c = parse_callback("http://localhost:5173/app#code=abc&state=s1", Some(&st("s1")));
        assert!(c.is_ok());
    }

    #[test]
    fn state_checks() {
        let e = |r: Result<AuthorizationCode>| r.map(|_| ()).map_err(|e| e.code());
        assert_eq!(e(parse_callback("https://a.example/cb?code=c", Some(&st("s")))), Err(ErrorCode::StateMissing));
        assert_eq!(e(parse_callback("https://a.example/cb?code=c&state=t", Some(&st("s")))), Err(ErrorCode::StateMismatch));
        assert_eq!(e(parse_callback("https://a.example/cb?error=access_denied&state=t", Some(&st("s")))), Err(ErrorCode::StateMismatch));
        assert_eq!(e(parse_callback("https://a.example/cb?code=c", None)), Ok(()));
    }

    #[test]
    fn errors_are_typed() {
        let r = parse_callback("https://a.example/cb?error=access_denied&error_description=User+said+no&state=s", Some(&st("s")));
        let err = r.err().unwrap_or_else(|| panic!("expected error"));
        assert_eq!(err.code(), ErrorCode::AccessDenied);
        assert_eq!(err.description(), Some("User said no"));
        // Logiless: "an alphanumeric string", possibly without state
        let r = parse_callback("https://a.example/cb?error=cancel1", Some(&st("s")));
        let err = r.err().unwrap_or_else(|| panic!("expected error"));
        assert_eq!((err.code(), err.oauth_error()), (ErrorCode::OAuthError, Some("cancel1")));
    }

    #[test]
    fn malformed_callbacks() {
        let e = |u: &str| parse_callback(u, None).map(|_| ()).map_err(|e| e.code());
        assert_eq!(e("https://a.example/cb?code=a&code=b"), Err(ErrorCode::CallbackInvalid));
        assert_eq!(e("https://a.example/cb?foo=bar"), Err(ErrorCode::CallbackInvalid));
        assert_eq!(e("https://a.example/cb?code="), Err(ErrorCode::CallbackInvalid));
        assert_eq!(e("/cb?code=a"), Err(ErrorCode::InvalidUrl));
    }

    #[test]
    fn plus_and_percent_20_are_both_a_space_and_percent_2b_a_plus() {
        // issue 13 item 5: state "a b/c" as a server may send it, in the query or a hash route
        let e = |r: Result<AuthorizationCode>| r.map(|c| c.secret().to_owned()).map_err(|e| e.code());
        for q in ["state=a+b%2Fc", "state=a%20b%2Fc", "state=a%20b/c", "state=a+b/c"] {
            for url in [format!("https://a.example/cb?code=c&{q}"), format!("https://a.example/#/cb?code=c&{q}")] {
                assert_eq!(e(parse_callback(&url, Some(&st("a b/c")))), Ok("c".to_owned()), "{url}");
            }
        }
        // a literal '+' is "%2B" on the wire; a bare '+' is a space and does not match it
        assert_eq!(e(parse_callback("https://a.example/cb?code=c&state=a%2Bb", Some(&st("a+b")))), Ok("c".to_owned()));
        assert_eq!(e(parse_callback("https://a.example/cb?code=c&state=a+b", Some(&st("a+b")))), Err(ErrorCode::StateMismatch));
        assert_eq!(e(parse_callback("https://a.example/cb?code=c&state=a%2Bb", Some(&st("a b")))), Err(ErrorCode::StateMismatch));
        // exact comparison: no trimming, no case folding
        assert_eq!(e(parse_callback("https://a.example/cb?code=c&state=a+b+", Some(&st("a b")))), Err(ErrorCode::StateMismatch));
        assert_eq!(e(parse_callback("https://a.example/cb?code=c&state=+", Some(&st(" ")))), Ok("c".to_owned()));
    }

    #[test]
    fn iss_checked_after_state_and_before_the_code_or_error() {
        let server = AuthServer { issuer: Some("https://as.example".into()), require_iss: true, ..AuthServer::default() };
        let e = |u: &str| parse_callback_from(u, Some(&st("s")), &server).map(|c| c.secret().to_owned()).map_err(|e| e.code());
        assert_eq!(e("https://app.example/cb?code=c&state=s&iss=https%3A%2F%2Fas.example"), Ok("c".to_owned()));
        assert_eq!(e("https://app.example/cb?code=c&state=s&iss=https%3A%2F%2Fevil.example"), Err(ErrorCode::IssuerMismatch));
        assert_eq!(e("https://app.example/cb?error=access_denied&state=s&iss=https%3A%2F%2Fevil.example"), Err(ErrorCode::IssuerMismatch));
        assert_eq!(e("https://app.example/cb?code=c&state=s"), Err(ErrorCode::IssuerMissing));
        assert_eq!(e("https://app.example/cb?code=c&state=x&iss=https%3A%2F%2Fevil.example"), Err(ErrorCode::StateMismatch), "state first");
        assert_eq!(e("https://app.example/cb?code=c&state=s&iss=https%3A%2F%2Fas.example&iss=https%3A%2F%2Fas.example"), Err(ErrorCode::CallbackInvalid));
        assert_eq!(e("https://app.example/#/cb?code=c&state=s&iss=https%3A%2F%2Fas.example"), Ok("c".to_owned()), "hash route");
        // without a configured issuer (every vendor profile) iss is ignored as before
        assert_eq!(
            parse_callback("https://app.example/cb?code=c&state=s&iss=https%3A%2F%2Fevil.example", Some(&st("s"))).map_err(|e| e.code()).map(|_| ()),
            Ok(())
        );
    }

    proptest! {
        #[test]
        fn never_panics(s in ".{0,120}") {
            let _ = parse_callback(&s, Some(&st("s")));
            let _ = parse_callback(&format!("https://a.example/cb?{s}"), None);
            let _ = parse_callback(&format!("https://a.example/#/cb?{s}"), None);
        }

        #[test]
        fn encoded_values_round_trip(code in "[ -~]{1,40}", state in "[ -~]{1,40}") {
            let q = form_urlencoded::Serializer::new(String::new()).append_pair("code", &code).append_pair("state", &state).finish();
            let got = parse_callback(&format!("https://a.example/cb?{q}"), Some(&st(&state)));
            prop_assert_eq!(got.map(|c| c.secret().to_owned()).ok(), Some(code));
        }
    }
}
