//! Error-body classification (RFC 6749 §5.2, RFC 9457 problem+json, Logiless, plain text, LawVu
//! messages), for API calls and token requests, never panics and never keeps a secret:
//!
//! 1. a value that followed a secret key in the body (`access_token":"…`, `client_secret=…`);
//! 2. a secret the client itself sent in the request being answered (client secret, code, PKCE
//!    verifier, refresh token), wherever the body echoes it (issue 13).
//!
//! The first version asserted that `FUZZSECRET` never survived once the body held
//! `access_token":"FUZZSECRET` anywhere, and so failed on a body that also held
//! `ccess_token":"FUZZSECRET` — not a secret key, rightly kept (fuzz/corpus/api_error/regress-ccess-token).
#![no_main]
use libfuzzer_sys::fuzz_target;
use tsunagi_core::providers::lawvu::{LawVuConfig, LawVuEnvironment};
use tsunagi_core::{AuthorizationCode, ClientSecret, HttpResponse, PkceVerifier, RefreshToken, Timestamp};

/// The scrubber's secret keys (src/scrub.rs), which may end a longer word
/// (`upstream_access_token`). Not `code`: it is also every gateway's error-code key
/// (`{"error":{"code":"invalid_grant"}}`, Logiless' `{"code":400}`), whose value tsunagi keeps on
/// purpose as the `oauth_error`; the code the client sent is covered by property 2.
const SECRET_KEYS: &[&str] = &["access_token", "refresh_token", "id_token", "client_secret", "code_verifier", "assertion", "password", "credentials"];
/// How a value follows its key in the texts the scrubber reads.
const SEPARATORS: &[&str] = &["\":\"", "\": \"", "=", ": "];
/// The value property 1 watches.
const MARK: &str = "FUZZSECRET";

/// What the confidential client sends (each at least `SentSecrets::MIN_LEN` bytes).
const SENT_SECRET: &str = "FUZZCLIENTSECRET";
const SENT_CODE: &str = "FUZZCODE0001";
const SENT_VERIFIER: &str = "FUZZVERIFIER-dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1";
const SENT_REFRESH: &str = "FUZZREFRESH0001";

/// Whether `body` holds `FUZZSECRET` and every one directly follows a secret key and a
/// separator: then none may survive. One anywhere else is ordinary text that may be kept, so then
/// nothing is asserted; nor when a JSON `\u` escape could spell one out of sight of this check.
fn only_after_secret_keys(body: &str) -> bool {
    if body.contains("\\u") {
        return false;
    }
    let mut seen = false;
    for (at, _) in body.match_indices(MARK) {
        let before = body.get(..at).unwrap_or_default();
        let keyed = SECRET_KEYS.iter().any(|k| SEPARATORS.iter().any(|sep| before.ends_with(&format!("{k}{sep}"))));
        if !keyed {
            return false;
        }
        seen = true;
    }
    seen
}

fn check(kept: &str, body: &str, sent: &[&str]) {
    if only_after_secret_keys(body) {
        assert!(!kept.contains(MARK), "a value after a secret key survived scrubbing");
    }
    for secret in sent {
        assert!(!kept.contains(secret), "a secret the client sent survived: {secret}");
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&s, body)) = data.split_first() else { return };
    let body = String::from_utf8_lossy(body).into_owned();
    let media = ["application/json", "application/problem+json", "text/plain", "text/html"][usize::from(s % 4)];
    let now = Timestamp::from_secs(1);

    // An API call's error (the public client sent no secret).
    let Ok(public) = LawVuConfig::new(LawVuEnvironment::Sandbox, "c", "https://a.example/cb").client() else { return };
    let resp = HttpResponse::new(400 + u16::from(s), vec![("content-type".into(), media.into())], body.clone());
    let err = public.api_error(&resp, now);
    check(&format!("{err:?}{err}"), &body, &[]);

    // A token request's error: a code exchange or a refresh by a confidential client.
    let mut cfg = LawVuConfig::new(LawVuEnvironment::Production, "c", "https://a.example/cb");
    cfg.client_secret = Some(ClientSecret::new(SENT_SECRET));
    let Ok(client) = cfg.client() else { return };
    let Ok(verifier) = PkceVerifier::new(SENT_VERIFIER) else { return };
    let (request, sent) = if s & 0x80 == 0 {
        (client.authorization_code_request(&AuthorizationCode::new(SENT_CODE), Some(&verifier)), [SENT_SECRET, SENT_CODE, SENT_VERIFIER].as_slice())
    } else {
        (client.refresh_request(&RefreshToken::new(SENT_REFRESH)), [SENT_SECRET, SENT_REFRESH].as_slice())
    };
    let Ok(request) = request else { return };
    let status = if s < 32 { 200 + u16::from(s % 8) } else { 400 + u16::from(s) };
    let resp = HttpResponse::new(status, vec![("content-type".into(), media.into())], body.clone());
    if let Err(err) = client.parse_token_response_to(&request, &resp, now, None) {
        // only what this request carried: a refresh token echoed in a code exchange's answer is
        // just text (the first run of this oracle flagged exactly that)
        check(&format!("{err:?}{err}"), &body, sent);
    }
});
