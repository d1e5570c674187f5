//! Processing token endpoint responses (RFC 6749 §5.1, §5.2) into a [`TokenSet`]: tolerant
//! where real servers are sloppy (content types, numeric strings, missing `token_type`, Logiless'
//! unquoted value), strict where it matters (an `error` in a 200, no access token, a non-Bearer
//! token type, a refresh reply that must not lose the stored refresh token).

use crate::client::Client;
use crate::codec::lenient_json::{self, NotAnObject};
use crate::error_body::{classify_sent, Exchange};
use crate::http::{HttpRequest, HttpResponse};
use crate::json::{Json, Number};
use crate::profile::{ApiBase, GrantType};
use crate::secret::{AccessToken, RefreshToken, SentSecrets};
use crate::time::Timestamp;
use crate::token_set::{TokenGrant, TokenSet};
use crate::{Error, ErrorCode, Result};

/// Fields this module interprets; everything else (but the profile's own
/// [`token_fields`](crate::profile::Profile::token_fields)) goes to [`TokenSet::extra`].
const KNOWN: &[&str] = &["access_token", "token_type", "expires_in", "refresh_token", "refresh_token_expires_in", "scope", "api_base_url"];

/// Longest lifetime accepted from a server (100 years), so hostile values cannot overflow.
const MAX_LIFETIME_SECS: u64 = 100 * 365 * 86_400;

fn invalid(resp: &HttpResponse, sent: &SentSecrets<'_>, why: &str) -> Error {
    Error::new(ErrorCode::TokenResponseInvalid, format!("the token response {why}"))
        .with_status(resp.status)
        .with_request_id(resp.request_id().map(|id| crate::scrub::scrub_text(&sent.redact(&id), 128)))
        .with_body_excerpt(&sent.redact(&resp.body))
}

/// Seconds from a number or numeric string (`expires_in` is sometimes a string). `Ok(None)` when
/// absent or null; an error for negative, fractional-garbage or non-numeric values.
fn seconds(value: Option<&Json>) -> std::result::Result<Option<u64>, ()> {
    let secs = match value {
        None | Some(Json::Null) => return Ok(None),
        Some(Json::Number(n)) => Number::to_u64_saturating(n),
        Some(Json::String(s)) => crate::decimal::parse_scaled(s.trim(), 0),
        Some(_) => None,
    };
    secs.map(|s| Some(s.min(MAX_LIFETIME_SECS))).ok_or(())
}

impl Client {
    /// Processes a token endpoint response at `now`. `previous` is the set being refreshed: a
    /// reply without `refresh_token` keeps its refresh token and that token's expiry (nango #298).
    /// Non-2xx responses, and 2xx bodies carrying `error`, become the classified [`Error`]
    /// (LawVu's documented messages map to their own codes). No error keeps this client's secret
    /// or Basic credentials, or `previous`' refresh token, wherever the server echoes them (issue
    /// 13); [`Client::parse_token_response_to`] covers the code and PKCE verifier too.
    ///
    /// The set's [`TokenGrant`] is inferred: a refresh (`previous` given) keeps the grant it
    /// refreshes; a profile without the authorization-code grant (LegalOn) can only have used
    /// client credentials; anything else is taken as a user's (RFC 6749 §4.1). A client that can
    /// do both (a generic confidential client) says which with
    /// [`Client::parse_token_response_for`] when it used client credentials (§4.4).
    pub fn parse_token_response(&self, resp: &HttpResponse, now: Timestamp, previous: Option<&TokenSet>) -> Result<TokenSet> {
        let grant = match previous {
            Some(_) => GrantType::RefreshToken,
            None if self.profile.supports(GrantType::AuthorizationCode) => GrantType::AuthorizationCode,
            None => GrantType::ClientCredentials,
        };
        self.parse_token_response_for(grant, resp, now, previous)
    }

    /// [`Client::parse_token_response`] for a response to a `grant` request, recorded in the
    /// set: the authorization code (RFC 6749 §4.1.4) → [`TokenGrant::User`]; a refresh (§6) →
    /// the grant of `previous` (a user's without one); client credentials (§4.4.3) →
    /// [`TokenGrant::ClientCredentials`].
    pub fn parse_token_response_for(&self, grant: GrantType, resp: &HttpResponse, now: Timestamp, previous: Option<&TokenSet>) -> Result<TokenSet> {
        self.token_set(grant, resp, now, previous, SentSecrets::new(), self.dpop_expected(None))
    }

    /// [`Client::parse_token_response`] for the answer to `request`, the token request as built
    /// and sent: its `grant_type` says which grant the set records, and every secret it carried
    /// ([`SentSecrets::from_request`]: client secret, Basic credentials, code, PKCE verifier,
    /// refresh token) is redacted wherever it appears in an error's description, `error`,
    /// `error_uri`, request id or body excerpt (RFC 6749 §10.3, §10.5, §10.6; RFC 7636 §4.5).
    /// A response without `scope` records the requested one ([`Client::record_requested_scope`]).
    pub fn parse_token_response_to(&self, request: &HttpRequest, resp: &HttpResponse, now: Timestamp, previous: Option<&TokenSet>) -> Result<TokenSet> {
        let query = request.url.split_once('?').map(|(_, q)| q.split('#').next().unwrap_or_default());
        let sent_grant = query
            .into_iter()
            .chain(request.body.as_deref())
            .flat_map(|form| form_urlencoded::parse(form.as_bytes()))
            .find(|(k, _)| k == "grant_type")
            .and_then(|(_, v)| [GrantType::AuthorizationCode, GrantType::RefreshToken, GrantType::ClientCredentials].into_iter().find(|g| g.as_str() == v));
        let grant = match (sent_grant, previous) {
            (Some(g), _) => g,
            (None, Some(_)) => GrantType::RefreshToken,
            (None, None) if self.profile.supports(GrantType::AuthorizationCode) => GrantType::AuthorizationCode,
            (None, None) => GrantType::ClientCredentials,
        };
        self.token_set(grant, resp, now, previous, SentSecrets::from_request(request), self.dpop_expected(Some(request)))
            .map(|set| self.record_requested_scope(request, resp, set))
    }

    /// Whether a `DPoP` token type may answer `request` (RFC 9449 §5): the client uses DPoP, or the
    /// request carried a proof.
    fn dpop_expected(&self, request: Option<&HttpRequest>) -> bool {
        cfg!(feature = "dpop") && (self.dpop || request.is_some_and(|r| r.header("dpop").is_some()))
    }

    /// The scope a token set records when the response has no `scope` member (RFC 6749 §5.1:
    /// then the granted scope is the requested one): the `scope` the token request sent, else, for
    /// the authorization-code grant, the configured scope the authorization request sent.
    /// A response that names its scope, or a refresh without one (the set keeps the previous
    /// scope), is left as the response parser made it.
    pub fn record_requested_scope(&self, request: &HttpRequest, resp: &HttpResponse, mut set: TokenSet) -> TokenSet {
        let sent = |name: &str| {
            let query = request.url.split_once('?').map(|(_, q)| q.split('#').next().unwrap_or_default());
            query
                .into_iter()
                .chain(request.body.as_deref())
                .flat_map(|f| form_urlencoded::parse(f.as_bytes()))
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
        };
        let requested = sent("scope").or_else(|| {
            let code_grant = sent("grant_type").as_deref() == Some(GrantType::AuthorizationCode.as_str());
            code_grant.then(|| self.scope_params.scope.clone()).flatten()
        });
        let named = crate::json_fields::object(&resp.body).is_some_and(|o| crate::json_fields::has(&o, "scope"));
        if let (Some(requested), false) = (requested, named) {
            set.scope = Some(requested);
        }
        set
    }

    fn token_set<'s>(
        &'s self,
        grant: GrantType,
        resp: &HttpResponse,
        now: Timestamp,
        previous: Option<&'s TokenSet>,
        mut sent: SentSecrets<'s>,
        dpop_allowed: bool,
    ) -> Result<TokenSet> {
        sent.extend(SentSecrets::of_client(self));
        if let Some(rt) = previous.and_then(|p| p.refresh_token.as_ref()) {
            sent.add(rt.secret());
        }
        let sent = &sent;
        let grant = match grant {
            GrantType::AuthorizationCode => TokenGrant::User,
            GrantType::RefreshToken => previous.map_or(TokenGrant::User, |p| p.grant),
            GrantType::ClientCredentials => TokenGrant::ClientCredentials,
        };
        let (hook, reading) = (self.profile.classify_message, self.profile.json_reading);
        if !resp.is_success() {
            return Err(classify_sent(resp, hook, reading, Exchange::Token, Some(now), sent));
        }
        let mut obj = match lenient_json::parse_object(&resp.body, self.profile.json_reading) {
            Ok(obj) => obj,
            Err(NotAnObject::NotObject) => return Err(invalid(resp, sent, "is JSON but not an object")),
            Err(NotAnObject::NotJson) => {
                let media = resp.media_type().unwrap_or_else(|| "no content type".into());
                return Err(invalid(resp, sent, &format!("is not JSON ({media})")));
            }
        };
        if obj.get("error").is_some_and(|e| !e.is_null()) {
            return Err(classify_sent(resp, hook, reading, Exchange::Token, Some(now), sent));
        }
        let access_token = match obj.get("access_token") {
            Some(Json::String(s)) if !s.trim().is_empty() => AccessToken::new(s.trim()),
            Some(_) => return Err(invalid(resp, sent, "has an access_token that is not a non-empty string")),
            None => return Err(invalid(resp, sent, "has no access_token")),
        };
        let token_type = match obj.get("token_type") {
            None | Some(Json::Null) => "Bearer".to_owned(),
            Some(Json::String(t)) if t.eq_ignore_ascii_case("bearer") => t.clone(),
            // RFC 9449 §5: a DPoP-bound token, only in answer to a request that carried a proof
            Some(Json::String(t)) if dpop_allowed && t.eq_ignore_ascii_case("dpop") => t.clone(),
            Some(Json::String(t)) => {
                let expected = if dpop_allowed { "Bearer or DPoP (RFC 6750, RFC 9449)" } else { "Bearer (RFC 6750)" };
                return Err(Error::new(
                    ErrorCode::UnsupportedTokenType,
                    format!("token_type '{}' is not {expected}", crate::scrub::scrub_text(&sent.redact(t), 40)),
                )
                .with_status(resp.status)
                .with_request_id(resp.request_id()));
            }
            Some(_) => return Err(invalid(resp, sent, "has a token_type that is not a string")),
        };
        let expires_in = seconds(obj.get("expires_in")).map_err(|_| invalid(resp, sent, "has an expires_in that is not a non-negative number"))?;
        // expires_in wins over a provider's own member: it does not depend on clock agreement
        let expires_at = expires_in.map(|s| now.plus_secs(s)).or_else(|| (self.profile.expiry_fallback)(&obj));
        let refresh_expires_in = seconds(obj.get("refresh_token_expires_in")).ok().flatten();
        let (refresh_token, refresh_expires_at) = match obj.get("refresh_token") {
            Some(Json::String(s)) if !s.trim().is_empty() => {
                let lifetime = refresh_expires_in.or_else(|| self.profile.refresh_lifetime.seconds(self.is_confidential()));
                (Some(RefreshToken::new(s.trim())), lifetime.map(|l| now.plus_secs(l)))
            }
            None | Some(Json::Null) | Some(Json::String(_)) => match previous {
                Some(p) => (p.refresh_token.clone(), p.refresh_expires_at),
                None => (None, None),
            },
            Some(_) => return Err(invalid(resp, sent, "has a refresh_token that is not a string")),
        };
        let scope = match obj.get("scope") {
            Some(Json::String(s)) => Some(s.clone()),
            _ => previous.and_then(|p| p.scope.clone()),
        };
        let api_base_url = obj.get("api_base_url").and_then(Json::as_str).map(str::to_owned);
        if let ApiBase::FromTokenResponse(resolve) = self.profile.api_base {
            match &api_base_url {
                Some(url) => {
                    resolve(url).map_err(|e| e.with_status(resp.status).with_request_id(resp.request_id()))?;
                }
                None => {
                    let why = format!("has no api_base_url ({} sends the API base with every token)", self.profile.name);
                    return Err(invalid(resp, sent, &why));
                }
            }
        }
        for key in KNOWN.iter().chain(self.profile.token_fields) {
            obj.remove(key);
        }
        Ok(TokenSet { access_token, token_type, issued_at: now, expires_at, refresh_token, refresh_expires_at, scope, api_base_url, extra: obj, grant })
    }
}

#[cfg(all(test, feature = "all-providers"))]
mod tests {
    use super::*;
    use crate::providers::lawvu::{LawVuConfig, LawVuEnvironment};
    use crate::providers::legalon::{LegalOnConfig, LegalOnRegion};
    use crate::providers::logiless::LogilessConfig;
    use crate::secret::{BasicCredentials, ClientSecret};
    use proptest::prelude::*;

    const NOW: Timestamp = Timestamp::from_secs(1_700_000_000);

    fn ok<T>(r: Result<T>) -> T {
        r.unwrap_or_else(|e| panic!("{e}"))
    }
    fn lawvu(secret: bool) -> Client {
        let mut cfg = LawVuConfig::new(LawVuEnvironment::Sandbox, "acme-inc", "https://acme-inc.com/auth");
        cfg.client_secret = secret.then(|| ClientSecret::new("s"));
        ok(cfg.client())
    }
    fn logiless() -> Client {
        ok(LogilessConfig::new("cid", ClientSecret::new("s"), "https://app.example/cb").client())
    }
    fn legalon() -> Client {
        ok(LegalOnConfig::new(LegalOnRegion::Jp, BasicCredentials::new("c")).client())
    }
    fn generic_public() -> Client {
        let mut cfg = crate::providers::generic::GenericConfig::new(Some("https://as.example/authorize".into()), "https://as.example/token", "cid");
        cfg.redirect_uri = Some("https://app.example/cb".into());
        ok(cfg.client())
    }
    fn resp(ct: &str, body: &str) -> HttpResponse {
        HttpResponse::new(200, vec![("content-type".into(), ct.into())], body)
    }

    const LAWVU_BODY: &str = r#"{"access_token":"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1c2VyLWlkLTEyMyJ9.c2ln","token_type":"Bearer","expires_in":3600,"refresh_token":"tGzv3JOkF0XG5Qx2TlKWIA","userName":"Jane Smith","userId":"user-id-123","expires":"2023-11-14T23:13:20Z","gateway":"https://api-sandbox.lawvu.com","emailDomain":"acme-inc.com"}"#;

    #[test]
    fn lawvu_response_in_every_content_type() {
        for ct in ["application/json", "text/json", "text/plain; charset=utf-8", ""] {
            let t = ok(lawvu(false).parse_token_response(&resp(ct, LAWVU_BODY), NOW, None));
            assert_eq!(t.expires_at, Some(NOW.plus_secs(3600)));
            assert_eq!(t.refresh_token.as_ref().map(|r| r.secret()), Some("tGzv3JOkF0XG5Qx2TlKWIA"));
            assert_eq!(t.refresh_expires_at, Some(NOW.plus_secs(86_400)), "public: 1 day");
            assert_eq!(t.extra.get("userName").and_then(Json::as_str), Some("Jane Smith"));
            assert!(t.extra.contains_key("gateway") && !t.extra.contains_key("expires"));
        }
        let t = ok(lawvu(true).parse_token_response(&resp("application/json", LAWVU_BODY), NOW, None));
        assert_eq!(t.refresh_expires_at, Some(NOW.plus_secs(30 * 86_400)), "confidential: 30 days");
    }

    #[test]
    fn lawvu_expires_used_when_expires_in_missing() {
        let body = r#"{"access_token":"a","expires":"2023-11-14T23:13:20Z"}"#;
        let t = ok(lawvu(false).parse_token_response(&resp("text/plain", body), NOW, None));
        assert_eq!(t.expires_at, crate::time::parse_iso8601("2023-11-14T23:13:20Z"));
        assert_eq!(t.token_type, "Bearer");
    }

    #[test]
    fn logiless_document_sample_as_printed() {
        let sample = r#"{"access_token":"d461ab8XXXXXXXXXXXXXXXXXXXXXXXXX","token_type":"bearer","expires_in":2592000,"refresh_token":d461ab8XXXXXXXXXXXXXXXXXXXXXXXXX,"scope":""}"#;
        let t = ok(logiless().parse_token_response(&resp("application/json", sample), NOW, None));
        assert_eq!(t.access_token.secret(), "d461ab8XXXXXXXXXXXXXXXXXXXXXXXXX");
        assert_eq!(t.refresh_token.as_ref().map(|r| r.secret()), Some("d461ab8XXXXXXXXXXXXXXXXXXXXXXXXX"));
        assert_eq!(t.expires_at, Some(NOW.plus_secs(2_592_000)));
        assert_eq!(t.refresh_expires_at, Some(NOW.plus_secs(2_592_000)));
        assert_eq!((t.token_type.as_str(), t.scope.as_deref()), ("bearer", Some("")));
    }

    #[test]
    fn legalon_response_and_forward_compatibility() {
        let body =
            r#"{"access_token":"<ACCESS_TOKEN>","expires_in":1200,"token_type":"Bearer","api_base_url":"https://api.legalon.example","new_field":{"x":1}}"#;
        let t = ok(legalon().parse_token_response(&resp("application/json", body), NOW, None));
        assert_eq!(t.expires_at, Some(NOW.plus_secs(1200)));
        assert_eq!(t.api_base_url.as_deref(), Some("https://api.legalon.example"));
        assert!(t.refresh_token.is_none() && t.refresh_expires_at.is_none());
        assert!(t.extra.contains_key("new_field"));
        let no_base = r#"{"access_token":"a","expires_in":1200,"token_type":"Bearer"}"#;
        assert_eq!(
            legalon().parse_token_response(&resp("application/json", no_base), NOW, None).map_err(|e| e.code()).map(|_| ()),
            Err(ErrorCode::TokenResponseInvalid)
        );
    }

    #[test]
    fn refresh_reply_without_refresh_token_keeps_the_old_one() {
        let first = ok(lawvu(true).parse_token_response(&resp("application/json", LAWVU_BODY), NOW, None));
        let later = NOW.plus_secs(100);
        let second = ok(lawvu(true).parse_token_response(&resp("application/json", r#"{"access_token":"new","expires_in":"3600"}"#), later, Some(&first)));
        assert_eq!(second.access_token.secret(), "new");
        assert_eq!(second.refresh_token, first.refresh_token);
        assert_eq!(second.refresh_expires_at, first.refresh_expires_at, "the kept token keeps its own expiry");
        assert_eq!(second.expires_at, Some(later.plus_secs(3600)), "numeric string expires_in");
    }

    #[test]
    fn strict_where_it_matters() {
        let code = |body: &str| lawvu(false).parse_token_response(&resp("application/json", body), NOW, None).map(|_| ()).map_err(|e| e.code());
        assert_eq!(code(r#"{"error":"invalid_grant","error_description":"Refresh token is not valid"}"#), Err(ErrorCode::RefreshTokenInvalid));
        assert_eq!(code(r#"{"token_type":"Bearer"}"#), Err(ErrorCode::TokenResponseInvalid));
        assert_eq!(code(r#"{"access_token":""}"#), Err(ErrorCode::TokenResponseInvalid));
        assert_eq!(code(r#"{"access_token":5}"#), Err(ErrorCode::TokenResponseInvalid));
        assert_eq!(code(r#"{"access_token":"a","token_type":"mac"}"#), Err(ErrorCode::UnsupportedTokenType));
        assert_eq!(code(r#"{"access_token":"a","expires_in":-5}"#), Err(ErrorCode::TokenResponseInvalid));
        assert_eq!(code(r#"{"access_token":"a","expires_in":"soon"}"#), Err(ErrorCode::TokenResponseInvalid));
        assert_eq!(code("[]"), Err(ErrorCode::TokenResponseInvalid));
        assert_eq!(code("<html>gateway</html>"), Err(ErrorCode::TokenResponseInvalid));
        assert_eq!(code(r#"{"access_token":"a","expires_in":1e300}"#), Ok(()));
    }

    /// Issue 21 item 10: only Logiless' profile repairs its documented unquoted value; every other
    /// server's malformed body is refused as it is (RFC 8259), never "repaired" into a token.
    #[test]
    fn only_logiless_reads_bare_words() {
        let bare = r#"{"access_token":abc,"token_type":"Bearer","refresh_token":def}"#;
        for client in [lawvu(false), legalon(), generic_public()] {
            let e = client.parse_token_response(&resp("application/json", bare), NOW, None).map(|_| ()).map_err(|e| e.code());
            assert_eq!(e, Err(ErrorCode::TokenResponseInvalid), "{}", client.profile().id);
        }
        let t = ok(logiless().parse_token_response(&resp("application/json", bare), NOW, None));
        assert_eq!((t.access_token.secret(), t.refresh_token.as_ref().map(|r| r.secret())), ("abc", Some("def")));
        // an error body is read the same way: strict for a generic server, so its bare word is no code
        let err = HttpResponse::new(400, vec![("content-type".into(), "application/json".into())], r#"{"error":invalid_grant}"#);
        let code = |c: Client| c.parse_token_response(&err, NOW, None).err().map(|e| e.code());
        assert_eq!(code(logiless()), Some(ErrorCode::InvalidGrant));
        assert_ne!(code(generic_public()), Some(ErrorCode::InvalidGrant));
    }

    #[test]
    fn error_status_keeps_request_id_and_no_secret() {
        let r = HttpResponse::new(
            400,
            vec![("X-Request-Id".into(), "req-9".into())],
            r#"{"error":"invalid_grant","error_description":"Supplied authorization_code is not valid or has expired"}"#,
        );
        let e = lawvu(false).parse_token_response(&r, NOW, None).err().unwrap_or_else(|| panic!("expected error"));
        assert_eq!((e.code(), e.status(), e.request_id()), (ErrorCode::AuthorizationCodeInvalid, Some(400), Some("req-9")));
    }

    #[test]
    fn echoed_client_secrets_and_refresh_tokens_never_survive() {
        // issue 13: an upstream error that echoes what the client sent — anywhere, not after a
        // known key — must not carry it into the Error (and from there to logs or a browser)
        let mut cfg = LawVuConfig::new(LawVuEnvironment::Production, "acme-inc", "https://acme-inc.com/auth");
        cfg.client_secret = Some(ClientSecret::new("sbx_lawvu_secret_echo"));
        let lawvu = ok(cfg.client());
        let held = ok(lawvu.parse_token_response(&resp("application/json", r#"{"access_token":"a","refresh_token":"rt-echo-0001"}"#), NOW, None));
        let legalon = ok(LegalOnConfig::new(LegalOnRegion::Jp, BasicCredentials::new("sbx_legalon_cred_echo")).client());
        let answers = [
            (401, "application/json", r#"{"error":"invalid_client","error_description":"bad secret sbx_lawvu_secret_echo"}"#),
            (400, "text/plain", "refresh token rt-echo-0001 was already spent (client secret sbx_lawvu_secret_echo)"),
            (400, "application/json", r#"{"error":"rt-echo-0001","error_uri":"https://as.example/e?t=rt-echo-0001"}"#),
            (200, "text/html", "<p>welcome sbx_lawvu_secret_echo</p>"),
            (200, "application/json", r#"{"access_token":"x","token_type":"sbx_lawvu_secret_echo"}"#),
            (401, "application/json", r#"{"error":"invalid_client","error_description":"unknown credentials sbx_legalon_cred_echo"}"#),
        ];
        for (status, ct, body) in answers {
            let r = HttpResponse::new(status, vec![("content-type".into(), ct.into())], body);
            let errors = [
                (lawvu.parse_token_response(&r, NOW, Some(&held)).err(), ["sbx_lawvu_secret_echo", "rt-echo-0001"].as_slice()),
                (legalon.parse_token_response(&r, NOW, None).err(), ["sbx_legalon_cred_echo"].as_slice()),
            ];
            for (e, sent) in errors {
                let all = format!("{e:?}");
                for secret in sent {
                    assert!(!all.contains(secret), "{secret} survived in {all}");
                }
            }
        }
        let r = HttpResponse::new(401, vec![("content-type".into(), "application/json".into())], answers[0].2);
        let e = lawvu.parse_token_response(&r, NOW, None).err();
        assert_eq!(e.as_ref().and_then(Error::description), Some("bad secret [redacted]"));
    }

    #[test]
    fn the_answer_to_a_request_redacts_its_code_and_verifier_and_records_its_grant() {
        use crate::pkce::PkceVerifier;
        use crate::secret::AuthorizationCode;
        use crate::token_set::TokenGrant;
        let client = lawvu(true);
        let verifier = ok(PkceVerifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"));
        let request = ok(client.authorization_code_request(&AuthorizationCode::new("SplxlOBeZQQYbYS6WxSbIA"), Some(&verifier)));
        let r = HttpResponse::new(400, vec![], "code SplxlOBeZQQYbYS6WxSbIA does not match verifier dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        let e = client.parse_token_response_to(&request, &r, NOW, None).err();
        assert_eq!(e.as_ref().and_then(Error::description), Some("code [redacted] does not match verifier [redacted]"));
        // the request's grant_type is the grant the set records: a generic confidential client can
        // do both, and only the request says which it used
        let mut cfg = crate::providers::generic::GenericConfig::new(Some("https://as.example/authorize".into()), "https://as.example/token", "cid");
        cfg.client_auth = crate::client::ClientAuthMethod::SecretBasic;
        cfg.client_secret = Some(ClientSecret::new("s"));
        cfg.redirect_uri = Some("https://app.example/cb".into());
        let generic = ok(cfg.client());
        let machine = ok(generic.client_credentials_request());
        let t = ok(generic.parse_token_response_to(&machine, &resp("application/json", r#"{"access_token":"m"}"#), NOW, None));
        assert_eq!(t.grant, TokenGrant::ClientCredentials);
        let t = ok(generic.parse_token_response(&resp("application/json", r#"{"access_token":"m"}"#), NOW, None));
        assert_eq!(t.grant, TokenGrant::User);
    }

    #[test]
    fn invalid_body_excerpt_never_holds_the_token() {
        let e = lawvu(false).parse_token_response(&resp("text/html", r#"{"access_token":"SECRET-AT","expires_in":"#), NOW, None).err();
        let all = format!("{e:?}");
        assert!(all.contains("token_response_invalid") && !all.contains("SECRET-AT"), "{all}");
    }

    proptest! {
        #[test]
        fn never_panics(body in ".{0,300}", status in 100u16..600) {
            let r = HttpResponse::new(status, vec![], body.clone());
            let _ = lawvu(false).parse_token_response(&r, NOW, None);
            let _ = logiless().parse_token_response(&r, NOW, None);
            let _ = legalon().parse_token_response(&r, NOW, None);
        }

        #[test]
        fn any_access_token_string_round_trips(at in "[!-~]{1,60}", exp in 0u64..10_000_000) {
            let body = serde_json::json!({"access_token": at, "expires_in": exp}).to_string();
            let t = lawvu(false).parse_token_response(&resp("application/json", &body), NOW, None);
            prop_assert_eq!(t.as_ref().map(|t| t.access_token.secret().to_owned()).ok(), Some(at.trim().to_owned()));
            prop_assert_eq!(t.ok().and_then(|t| t.expires_at), Some(NOW.plus_secs(exp)));
        }
    }
}
