//! Turning a non-success HTTP response into an [`Error`]: RFC 6749 §5.2 bodies, RFC 9457 problem
//! documents (LawVu API), Logiless' validation and error bodies, plain text, and the provider's
//! documented messages (via the profile hook), keeping status, `X-Request-Id` and an excerpt.

use crate::codec::lenient_json;
use crate::http::HttpResponse;
use crate::json::{Json, JsonObject};
use crate::profile::{JsonReading, ProviderMessage};
use crate::rate_limit::RateLimit;
use crate::scrub;
use crate::secret::SentSecrets;
use crate::time::Timestamp;
use crate::{Error, ErrorCode};

/// Which exchange the response answered, for the message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Exchange {
    /// A token endpoint.
    Token,
    /// An API call.
    Api,
    /// An RFC 7009 revocation endpoint.
    Revocation,
    /// An RFC 9126 pushed authorization request endpoint.
    #[cfg(feature = "oidc")]
    PushedAuthorization,
}

fn str_field(obj: &JsonObject, key: &str) -> Option<String> {
    obj.get(key).and_then(Json::as_str).map(str::to_owned).filter(|s| !s.trim().is_empty())
}

fn looks_like_html(text: &str) -> bool {
    let t = text.trim_start().to_ascii_lowercase();
    t.starts_with('<')
}

fn message_for(code: ErrorCode, exchange: Exchange, status: u16) -> String {
    match code {
        c if c.requires_reauthorization() => "the grant can no longer be used: send the user through authorization again".to_owned(),
        ErrorCode::RateLimited => "rate limited: wait before retrying".to_owned(),
        ErrorCode::Unauthorized => "the access token was rejected".to_owned(),
        ErrorCode::ValidationFailed => "the request body failed validation".to_owned(),
        ErrorCode::UpstreamError => format!("the provider failed (HTTP {status}): try again later"),
        ErrorCode::HttpError if (300..400).contains(&status) => format!("the provider answered with a redirect (HTTP {status}), which is not followed"),
        _ => match exchange {
            Exchange::Token => "the token endpoint rejected the request".to_owned(),
            Exchange::Api => format!("the API answered HTTP {status}"),
            Exchange::Revocation => "the revocation endpoint rejected the request".to_owned(),
            #[cfg(feature = "oidc")]
            Exchange::PushedAuthorization => "the pushed authorization request endpoint rejected the request (RFC 9126 §2.3)".to_owned(),
        },
    }
}

/// Classifies `resp` (any status; a 2xx whose body carries `error` counts too, arctic #305), its
/// body read strictly (RFC 8259): API answers are nobody's documented defect.
pub(crate) fn classify(resp: &HttpResponse, hook: fn(&str) -> Option<ProviderMessage>, exchange: Exchange, now: Option<Timestamp>) -> Error {
    classify_sent(resp, hook, JsonReading::Strict, exchange, now, &SentSecrets::new())
}

/// [`classify`] for the answer to a request that carried `sent`: those values are redacted
/// wherever they appear in what the error keeps (description, `error`, `error_uri`, request id,
/// body excerpt), besides the token-shaped values every excerpt loses. The code is decided on
/// the text as received (LawVu's messages are matched before anything is redacted).
pub(crate) fn classify_sent(
    resp: &HttpResponse,
    hook: fn(&str) -> Option<ProviderMessage>,
    reading: JsonReading,
    exchange: Exchange,
    now: Option<Timestamp>,
    sent: &SentSecrets<'_>,
) -> Error {
    let status = resp.status;
    let media = resp.media_type().unwrap_or_default();
    let body = resp.body.as_str();
    let mut oauth_error = None;
    let mut description = None;
    let mut error_uri = None;
    let mut title = None;
    let mut validation = false;
    let mut problem = media == "application/problem+json";
    let plain_text = match lenient_json::parse_object(body, reading) {
        Ok(obj) => {
            match obj.get("error") {
                Some(Json::String(s)) if !s.trim().is_empty() => oauth_error = Some(s.clone()),
                // {"error": {"code": "...", "message": "..."}} as some gateways send
                Some(Json::Object(inner)) => {
                    oauth_error = str_field(inner, "code");
                    description = str_field(inner, "message");
                }
                _ => {}
            }
            title = str_field(&obj, "title");
            description = description
                .or_else(|| str_field(&obj, "error_description"))
                .or_else(|| str_field(&obj, "detail"))
                .or_else(|| str_field(&obj, "message"))
                .or_else(|| title.clone());
            problem |= obj.contains_key("title") && (obj.contains_key("status") || obj.contains_key("type"));
            error_uri = str_field(&obj, "error_uri").or_else(|| if problem { str_field(&obj, "type") } else { None });
            validation = obj.get("code").is_some_and(Json::is_number) && obj.contains_key("errors") && obj.contains_key("message");
            None
        }
        Err(_) if !body.trim().is_empty() && !looks_like_html(body) => Some(body.trim().to_owned()),
        Err(_) => None,
    };
    if description.is_none() {
        description = plain_text.clone();
    }
    let provider = [description.as_deref(), oauth_error.as_deref(), title.as_deref(), plain_text.as_deref()].into_iter().flatten().find_map(hook);
    let rate_limit = RateLimit::from_headers(&resp.headers, now.unwrap_or(Timestamp::from_millis(0)));
    let code = if let Some(p) = provider {
        p.code
    } else if validation {
        ErrorCode::ValidationFailed
    } else if let Some(c) = oauth_error.as_deref().and_then(ErrorCode::from_oauth_error) {
        c
    } else {
        match status {
            401 => ErrorCode::Unauthorized,
            403 => ErrorCode::Forbidden,
            423 => ErrorCode::Locked,
            429 => ErrorCode::RateLimited,
            s if s >= 500 => ErrorCode::UpstreamError,
            _ if oauth_error.is_some() => ErrorCode::OAuthError,
            _ if problem => ErrorCode::Problem,
            200..=299 => ErrorCode::TokenResponseInvalid,
            _ => ErrorCode::HttpError,
        }
    };
    // Server text kept in the error: the secrets this request sent go wherever they are, then
    // the usual scrub (token-shaped values after keys, Bearer/Basic, JWTs) and bounds.
    let kept = |text: String, max: usize| scrub::scrub_text(&sent.redact(&text), max);
    Error::new(code, message_for(code, exchange, status))
        .with_status(status)
        .with_request_id(resp.request_id().map(|id| kept(id, 128)))
        .with_oauth_error(oauth_error.map(|e| kept(e, 128)))
        .with_description(description.map(|d| sent.redact(&d)))
        .with_error_uri(error_uri.map(|u| kept(u, 512)))
        .with_body_excerpt(&sent.redact(body))
        .with_refresh_expired_at(provider.and_then(|p| p.at))
        .with_retry_after_ms(if code == ErrorCode::RateLimited { rate_limit.wait_ms() } else { None })
}

#[cfg(all(test, feature = "all-providers"))]
mod tests {
    use super::*;
    use crate::profile::no_messages;
    use crate::providers::lawvu::classify_message as lawvu;
    use proptest::prelude::*;

    fn resp(status: u16, ct: &str, body: &str) -> HttpResponse {
        HttpResponse::new(status, vec![("content-type".into(), ct.into()), ("x-request-id".into(), "rid-1".into())], body)
    }

    #[test]
    fn lawvu_messages_in_any_envelope() {
        let msg = "Supplied refresh_token expired at '2026-11-23T13:25:00Z'";
        let bodies = [
            format!(r#"{{"error":"invalid_grant","error_description":"{msg}"}}"#),
            format!(r#"{{"type":"about:blank","title":"Bad Request","status":400,"detail":"{msg}"}}"#),
            msg.to_owned(),
            format!("\"{msg}\""),
        ];
        for b in bodies {
            let e = classify(&resp(400, "application/json", &b), lawvu, Exchange::Token, None);
            assert_eq!(e.code(), ErrorCode::RefreshTokenExpired, "{b}");
            assert!(e.refresh_expired_at().is_some());
            assert!(e.requires_reauthorization());
            assert_eq!((e.status(), e.request_id()), (Some(400), Some("rid-1")));
        }
    }

    #[test]
    fn rfc6749_codes_and_unknown_codes() {
        let e = classify(
            &resp(400, "application/json", r#"{"error":"invalid_grant","error_description":"nope","error_uri":"https://x/e"}"#),
            no_messages,
            Exchange::Token,
            None,
        );
        assert_eq!(
            (e.code(), e.oauth_error(), e.description(), e.error_uri()),
            (ErrorCode::InvalidGrant, Some("invalid_grant"), Some("nope"), Some("https://x/e"))
        );
        let e = classify(&resp(400, "application/json", r#"{"error":"weird_thing"}"#), no_messages, Exchange::Token, None);
        assert_eq!((e.code(), e.oauth_error()), (ErrorCode::OAuthError, Some("weird_thing")));
        let e = classify(&resp(200, "application/json", r#"{"error":"invalid_client"}"#), no_messages, Exchange::Token, None);
        assert_eq!((e.code(), e.status()), (ErrorCode::InvalidClient, Some(200)));
    }

    #[test]
    fn logiless_bodies() {
        let e = classify(
            &resp(400, "application/json", r#"{"code":400,"message":"Validation Failed","errors":{"name":["required"]}}"#),
            no_messages,
            Exchange::Api,
            None,
        );
        assert_eq!((e.code(), e.description()), (ErrorCode::ValidationFailed, Some("Validation Failed")));
        let e = classify(&resp(400, "application/json", r#"{"error":"redirect_uri_mismatch","error_description":"x"}"#), no_messages, Exchange::Token, None);
        assert_eq!(e.code(), ErrorCode::RedirectUriMismatch);
        let e = classify(&resp(423, "application/json", r#"{"error":"locked"}"#), no_messages, Exchange::Api, None);
        assert_eq!(e.code(), ErrorCode::Locked);
    }

    #[test]
    fn problem_json_and_statuses() {
        let e = classify(
            &resp(404, "application/problem+json", r#"{"type":"https://lawvu/errors/nf","title":"Not Found","status":404,"detail":"no matter 7"}"#),
            no_messages,
            Exchange::Api,
            None,
        );
        assert_eq!((e.code(), e.description(), e.error_uri()), (ErrorCode::Problem, Some("no matter 7"), Some("https://lawvu/errors/nf")));
        let e = classify(&resp(401, "application/problem+json", r#"{"title":"Unauthorized","status":401}"#), no_messages, Exchange::Api, None);
        assert_eq!(e.code(), ErrorCode::Unauthorized);
        let e = classify(&resp(503, "text/html", "<html>down</html>"), no_messages, Exchange::Api, None);
        assert_eq!((e.code(), e.description()), (ErrorCode::UpstreamError, None));
        let mut r = resp(429, "application/json", "{}");
        r.headers.push(("X-RateLimit-Reset".into(), "7".into()));
        let e = classify(&r, no_messages, Exchange::Api, None);
        assert_eq!((e.code(), e.retry_after_ms()), (ErrorCode::RateLimited, Some(7000)));
    }

    #[test]
    fn redirects_are_http_errors_never_followed() {
        let mut r = resp(307, "text/plain", "");
        r.headers.push(("location".into(), "https://elsewhere.example/token".into()));
        let e = classify(&r, no_messages, Exchange::Token, None);
        assert_eq!((e.code(), e.status()), (ErrorCode::HttpError, Some(307)));
        assert!(e.message().contains("redirect") && !e.message().contains("elsewhere"), "{}", e.message());
    }

    #[test]
    fn tokens_in_error_bodies_are_scrubbed() {
        let e = classify(
            &resp(500, "application/json", r#"{"message":"oops","access_token":"LEAKED-AT","refresh_token":"LEAKED-RT"}"#),
            no_messages,
            Exchange::Token,
            None,
        );
        let all = format!("{e:?} {e}");
        assert!(!all.contains("LEAKED"), "{all}");
    }

    #[test]
    fn fuzz_api_error_ccess_token_is_not_a_secret_key() {
        // fuzz/corpus/api_error/regress-ccess-token (issue 13): status byte 0x7f (HTTP 527,
        // text/html), then a body where `FUZZSECRET` follows both `ccess_token":"` (no secret
        // key: kept) and `access_token":"` (redacted). The old harness called the first a leak.
        let bytes = b"ccess_token\":\"FUZZSECRET\x80\x0c\xff\xeeaccess_token\":\"FUZZSECRET\x80\x0c\xff\xee\xee\xee";
        let body = String::from_utf8_lossy(bytes).into_owned();
        let e = classify(&resp(400 + 0x7f, "text/html", &body), lawvu, Exchange::Api, Some(Timestamp::from_secs(1)));
        let kept = "ccess_token\":\"FUZZSECRET\u{fffd} \u{fffd}\u{fffd}access_token\":\"[redacted] \u{fffd}\u{fffd}\u{fffd}\u{fffd}";
        assert_eq!((e.code(), e.description(), e.body_excerpt()), (ErrorCode::UpstreamError, Some(kept), Some(kept)));
    }

    #[test]
    fn secrets_the_request_sent_never_survive_anywhere() {
        let request = crate::http::HttpRequest {
            method: crate::http::Method::Post,
            url: "https://as.example/token".into(),
            headers: vec![("authorization".into(), "Basic Y2lkOnNieF9iYXNpYyUyRnNlY3JldA==".into())],
            body: Some(
                "grant_type=authorization_code&code=Splx%2FlOBeZQ&code_verifier=vvvvvvvvvv&client_secret=sbx_post_secret&refresh_token=rt-000001".into(),
            ),
        };
        let sent = SentSecrets::from_request(&request);
        let bodies = [
            r#"{"error":"invalid_client","error_description":"bad secret sbx_post_secret"}"#,
            "invalid code Splx/lOBeZQ, verifier vvvvvvvvvv, refresh rt-000001 (Splx%2FlOBeZQ)",
            r#"{"error":"sbx_basic/secret","error_uri":"https://as.example/e?s=sbx_post_secret","message":"Y2lkOnNieF9iYXNpYyUyRnNlY3JldA=="}"#,
            r#"{"type":"about:blank","title":"Bad","status":400,"detail":"sbx\u005fpost_secret sbx_basic%2Fsecret"}"#,
        ];
        for body in bodies {
            let mut r = resp(401, "application/json", body);
            r.headers.retain(|(k, _)| k != "x-request-id");
            r.headers.push(("x-request-id".into(), "req-sbx_post_secret".into()));
            let e = classify_sent(&r, no_messages, JsonReading::Strict, Exchange::Token, None, &sent);
            let all = format!("{e:?} {e}");
            for secret in ["sbx_post_secret", "Splx", "vvvvvvvvvv", "rt-000001", "sbx_basic", "Y2lkOnNi"] {
                assert!(!all.contains(secret), "{secret} survived in {all}");
            }
        }
        let e = classify_sent(&resp(401, "application/json", bodies[0]), no_messages, JsonReading::Strict, Exchange::Token, None, &sent);
        assert_eq!((e.code(), e.description()), (ErrorCode::InvalidClient, Some("bad secret [redacted]")));
    }

    proptest! {
        #[test]
        fn never_panics(status in 100u16..600, body in ".{0,200}", ct in "[a-z/+]{0,20}") {
            let _ = classify(&resp(status, &ct, &body), lawvu, Exchange::Token, Some(Timestamp::from_secs(1)));
        }
    }
}
