//! Pushed Authorization Requests (RFC 9126): the authorization request's parameters sent to the
//! server's PAR endpoint in the back channel, with the client's authentication (§2.1); its
//! `request_uri` answer read (§2.2, errors §2.3); the authorize URL that then carries only
//! `client_id` and `request_uri` (§4). A runtime sends the request and hands the answer back.

use crate::authorize::{derived_nonce_entropy, AuthorizationRequest, PendingAuthorization};
use crate::client::Client;
use crate::error_body::{classify_sent, Exchange};
use crate::http::{HttpRequest, HttpResponse, Method};
use crate::json::Json;
use crate::json_fields as json;
use crate::secret::SentSecrets;
use crate::uri::Endpoint;
use crate::{Error, ErrorCode, Result};

/// A pushed request's handle (RFC 9126 §2.2): the `request_uri` to send the user with, and how
/// long the server keeps it. Used once: every authorization pushes its own request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PushedRequest {
    /// The `request_uri` (e.g. `urn:ietf:params:oauth:request_uri:…`), opaque to the client.
    pub request_uri: String,
    /// Its lifetime in seconds (positive).
    pub expires_in: u64,
}

/// The first step of an authorization, by the client's PAR policy: the URL to send the user to
/// (RFC 6749 §4.1.1), or the request to push first (RFC 9126 §2.1; its answer gives the URL,
/// [`Client::parse_push_response`] then [`Client::pushed_authorization_url`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AuthorizeStep {
    /// Redirect the user here.
    Redirect(String),
    /// Send this to the PAR endpoint first.
    Push(HttpRequest),
}

impl Client {
    /// A fresh authorization (state, PKCE verifier, nonce: [`Client::begin_authorization_with_entropy`]'s
    /// rules) as this client's PAR policy wants it: pushed ([`Client::par_endpoint`]) or a plain
    /// URL. Errors: the policy's `invalid_config` before anything is sent, or the URL's.
    pub fn begin_authorization_step_with_entropy(
        &self,
        state_entropy: &[u8; 32],
        verifier_entropy: &[u8; 32],
        extra_params: &[(&str, &str)],
    ) -> Result<(AuthorizeStep, PendingAuthorization)> {
        let nonce = derived_nonce_entropy(state_entropy, verifier_entropy);
        self.begin_step(state_entropy, verifier_entropy, &nonce, extra_params)
    }

    /// [`Client::begin_authorization_step_with_entropy`] with entropy from the platform CSPRNG.
    #[cfg(feature = "getrandom")]
    pub fn begin_authorization_step(&self, extra_params: &[(&str, &str)]) -> Result<(AuthorizeStep, PendingAuthorization)> {
        let [a, b, c] = crate::state::random_blocks::<3>()?;
        self.begin_step(&a, &b, &c, extra_params)
    }

    fn begin_step(&self, s: &[u8; 32], v: &[u8; 32], n: &[u8; 32], extra_params: &[(&str, &str)]) -> Result<(AuthorizeStep, PendingAuthorization)> {
        let endpoint = self.par_endpoint()?;
        let (url, query, pending) = self.begin_parts(s, v, n, extra_params)?;
        Ok(match endpoint {
            Some(e) => (AuthorizeStep::Push(self.push_request_with(e, query)), pending),
            None => (AuthorizeStep::Redirect(url), pending),
        })
    }

    /// The PAR endpoint this client pushes to, or `None` when it sends the plain authorize URL:
    /// its [`ParPolicy`](crate::par_policy::ParPolicy) against the server's metadata (RFC 9126 §5).
    /// Errors: `invalid_config` when the configuration and the server disagree (`par: false` and
    /// a server that requires PAR; `par: true` and no PAR endpoint), before anything is sent.
    pub fn par_endpoint(&self) -> Result<Option<&Endpoint>> {
        self.par.endpoint_to_use()
    }

    /// The pushed authorization request (RFC 9126 §2.1): a form POST to `endpoint` of exactly the
    /// parameters [`Client::authorization_url`] would put in the URL (PKCE challenge, state, nonce,
    /// scope, redirect URI, resource…, `client_id` included), plus the client's authentication as
    /// at the token endpoint (`client_secret`, or `Authorization: Basic`; a public client sends
    /// `client_id` alone).
    pub fn push_request_to(&self, endpoint: &Endpoint, request: &AuthorizationRequest<'_>) -> Result<HttpRequest> {
        let (_, query) = self.authorization_query(request)?;
        Ok(self.push_request_with(endpoint, query))
    }

    fn push_request_with(&self, endpoint: &Endpoint, query: String) -> HttpRequest {
        let mut q = form_urlencoded::Serializer::for_suffix(query, 0);
        let mut headers = vec![("accept".to_owned(), "application/json".to_owned())];
        self.authenticate_secret(&mut q, &mut headers);
        headers.push(("content-type".to_owned(), "application/x-www-form-urlencoded".to_owned()));
        HttpRequest { method: Method::Post, url: endpoint.as_str().to_owned(), headers, body: Some(q.finish()) }
    }

    /// [`Client::begin_authorization_with_entropy`] through PAR: a fresh state, PKCE verifier and
    /// nonce (the same rules), and the request that pushes them to `endpoint` (RFC 9126 §2.1).
    /// After the push, [`Client::parse_push_response`] then [`Client::pushed_authorization_url`].
    pub fn begin_pushed_authorization_with_entropy(
        &self,
        endpoint: &Endpoint,
        state_entropy: &[u8; 32],
        verifier_entropy: &[u8; 32],
        extra_params: &[(&str, &str)],
    ) -> Result<(HttpRequest, PendingAuthorization)> {
        let nonce = derived_nonce_entropy(state_entropy, verifier_entropy);
        let (_, query, pending) = self.begin_parts(state_entropy, verifier_entropy, &nonce, extra_params)?;
        Ok((self.push_request_with(endpoint, query), pending))
    }

    /// The answer to `request` (as built above), read per RFC 9126 §2.2–2.3 ([`process_response`]);
    /// an error keeps none of the secrets the request sent (client secret, PKCE challenge aside).
    pub fn parse_push_response(&self, request: &HttpRequest, resp: &HttpResponse) -> Result<PushedRequest> {
        let mut sent = SentSecrets::from_request(request);
        sent.extend(SentSecrets::of_client(self));
        read_response(resp, self.profile.classify_message, &sent)
    }

    /// The authorize URL for a pushed request (RFC 9126 §4): the authorization endpoint with
    /// `client_id` and `request_uri` only; every other parameter is in the pushed request.
    pub fn pushed_authorization_url(&self, pushed: &PushedRequest) -> Result<String> {
        self.require_grant(crate::profile::GrantType::AuthorizationCode)?;
        let endpoint = self
            .profile
            .authorization_endpoint
            .as_ref()
            .ok_or_else(|| Error::new(ErrorCode::UnsupportedOperation, format!("{} has no authorization endpoint", self.profile.id)))?;
        let client_id = self.client_id.as_ref().ok_or_else(|| Error::new(ErrorCode::InvalidConfig, "the authorization request needs a client id"))?;
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("client_id", client_id.as_str())
            .append_pair("request_uri", &pushed.request_uri)
            .finish();
        // form_urlencoded writes a space as '+' and a '+' as "%2B": every '+' left is a space
        Ok(endpoint.with_query(&query.replace('+', "%20")))
    }
}

fn invalid(resp: &HttpResponse, why: &str) -> Error {
    Error::new(ErrorCode::ParResponseInvalid, why).with_status(resp.status).with_request_id(resp.request_id())
}

/// Reads a PAR endpoint's answer (RFC 9126 §2.2): `201 Created` with a JSON object whose
/// `request_uri` is a non-empty string and `expires_in` a positive integer. An error response
/// (§2.3: 400, 401, 405, 413, 429, 5xx, or any answer carrying `error`) is the typed OAuth error
/// the token endpoint's would be (`invalid_request`, `invalid_client`, `rate_limited`, …, the
/// server's `error` kept); another success status, or missing or malformed members, is
/// [`ErrorCode::ParResponseInvalid`].
pub fn process_response(resp: &HttpResponse) -> Result<PushedRequest> {
    read_response(resp, crate::profile::no_messages, &SentSecrets::new())
}

fn read_response(resp: &HttpResponse, hook: fn(&str) -> Option<crate::profile::ProviderMessage>, sent: &SentSecrets<'_>) -> Result<PushedRequest> {
    let obj = json::object(&resp.body);
    let has_error = obj.as_ref().is_some_and(|o| json::has(o, "error"));
    if !(200..300).contains(&resp.status) || has_error {
        return Err(classify_sent(resp, hook, crate::profile::JsonReading::Strict, Exchange::PushedAuthorization, None, sent));
    }
    if resp.status != 201 {
        return Err(invalid(resp, "the PAR endpoint answered a success other than 201 Created (RFC 9126 §2.2)"));
    }
    let obj = obj.ok_or_else(|| invalid(resp, "the PAR response is not a JSON object (RFC 9126 §2.2)"))?;
    let request_uri = match json::string(&obj, "request_uri") {
        Ok(Some(u)) if !u.trim().is_empty() && u.trim() == u => u.to_owned(),
        _ => return Err(invalid(resp, "the PAR response has no request_uri string (RFC 9126 §2.2)")),
    };
    let expires_in = match obj.get("expires_in").and_then(Json::as_number).and_then(|n| n.as_u64()) {
        Some(s) if s > 0 => s,
        _ => return Err(invalid(resp, "the PAR response has no positive integer expires_in (RFC 9126 §2.2)")),
    };
    Ok(PushedRequest { request_uri, expires_in })
}

#[cfg(all(test, feature = "all-providers"))]
mod tests {
    use super::*;
    use crate::client::ClientAuthMethod;
    use crate::par_policy::{ParMode, ParPolicy};
    use crate::providers::generic::GenericConfig;
    use crate::secret::ClientSecret;
    use proptest::prelude::*;
    use std::collections::BTreeMap;

    fn ok<T>(r: Result<T>) -> T {
        r.unwrap_or_else(|e| panic!("{e}"))
    }
    fn form(s: &str) -> BTreeMap<String, String> {
        form_urlencoded::parse(s.as_bytes()).into_owned().collect()
    }
    fn endpoint() -> Endpoint {
        ok(Endpoint::parse("https://as.example/par", false))
    }
    fn client(auth: ClientAuthMethod) -> Client {
        let mut cfg = GenericConfig::new(Some("https://as.example/authorize".into()), "https://as.example/token", "cid");
        cfg.redirect_uri = Some("https://app.example/cb".into());
        cfg.issuer = Some("https://as.example".into());
        cfg.client_auth = auth;
        cfg.client_secret = (auth != ClientAuthMethod::None).then(|| ClientSecret::new("s3cret-value"));
        cfg.scope_params.scope = Some("openid read".into());
        cfg.scope_params.resources = vec!["https://api.example/".into()];
        ok(cfg.client())
    }
    fn resp(status: u16, body: &str) -> HttpResponse {
        HttpResponse::new(status, vec![("content-type".into(), "application/json".into())], body)
    }

    #[test]
    fn the_push_carries_the_authorization_parameters_and_the_client_authentication() {
        for auth in [ClientAuthMethod::None, ClientAuthMethod::SecretPost, ClientAuthMethod::SecretBasic] {
            let c = client(auth);
            let (url, pending_url) = ok(c.begin_authorization_with_entropy(&[1; 32], &[2; 32], &[("prompt", "consent")]));
            let (req, pending) = ok(c.begin_pushed_authorization_with_entropy(&endpoint(), &[1; 32], &[2; 32], &[("prompt", "consent")]));
            assert_eq!(pending, pending_url, "the same state, verifier and nonce");
            assert_eq!((req.method, req.url.as_str()), (Method::Post, "https://as.example/par"));
            assert_eq!(req.header("content-type"), Some("application/x-www-form-urlencoded"));
            let mut body = form(req.body.as_deref().unwrap_or_default());
            let front = form(url.split_once('?').map(|(_, q)| q).unwrap_or_default());
            match auth {
                ClientAuthMethod::SecretPost => assert_eq!(body.remove("client_secret").as_deref(), Some("s3cret-value")),
                ClientAuthMethod::SecretBasic => assert!(req.header("authorization").is_some_and(|h| h.starts_with("Basic "))),
                _ => assert!(req.header("authorization").is_none()),
            }
            assert_eq!(body, front, "{auth:?}: exactly the front-channel parameters");
            for name in ["client_id", "redirect_uri", "state", "code_challenge", "nonce", "scope", "resource", "prompt"] {
                assert!(body.contains_key(name), "{name}");
            }
            assert!(!format!("{req:?}").contains("s3cret"));
        }
    }

    #[test]
    fn the_authorize_url_carries_client_id_and_request_uri_only() {
        let pushed = PushedRequest { request_uri: "urn:ietf:params:oauth:request_uri:a b+c".into(), expires_in: 60 };
        let url = ok(client(ClientAuthMethod::None).pushed_authorization_url(&pushed));
        let (base, query) = url.split_once('?').unwrap_or_default();
        assert_eq!(base, "https://as.example/authorize");
        let got: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes()).into_owned().collect();
        assert_eq!(got, [("client_id".to_owned(), "cid".to_owned()), ("request_uri".to_owned(), pushed.request_uri.clone())]);
    }

    #[test]
    fn the_step_follows_the_policy() {
        let plain = client(ClientAuthMethod::None);
        let (step, pending) = ok(plain.begin_authorization_step_with_entropy(&[1; 32], &[2; 32], &[]));
        let (url, same) = ok(plain.begin_authorization_with_entropy(&[1; 32], &[2; 32], &[]));
        assert_eq!((step, pending), (AuthorizeStep::Redirect(url), same));
        let pushing = plain.with_par(ParPolicy { mode: ParMode::Always, endpoint: Some(endpoint()), required: false });
        let (step, _) = ok(pushing.begin_authorization_step_with_entropy(&[1; 32], &[2; 32], &[]));
        assert!(matches!(step, AuthorizeStep::Push(r) if r.url == "https://as.example/par"));
    }

    #[test]
    fn the_policy_is_the_clients() {
        let c = client(ClientAuthMethod::None);
        assert_eq!(c.par_endpoint().map(|e| e.is_some()).ok(), Some(false), "no metadata, no PAR");
        let c = c.with_par(ParPolicy { mode: ParMode::Never, endpoint: Some(endpoint()), required: true });
        assert_eq!(c.par_endpoint().map(|_| ()).map_err(|e| e.code()), Err(ErrorCode::InvalidConfig));
    }

    #[test]
    fn responses_table() {
        let code = |status, body: &str| process_response(&resp(status, body)).map_err(|e| (e.code(), e.oauth_error().map(str::to_owned)));
        let good = PushedRequest { request_uri: "urn:ietf:params:oauth:request_uri:6esc_11ACC5bwc014ltc14eY22c".into(), expires_in: 60 };
        assert_eq!(code(201, r#"{"request_uri":"urn:ietf:params:oauth:request_uri:6esc_11ACC5bwc014ltc14eY22c","expires_in":60}"#), Ok(good));
        let invalid = Err((ErrorCode::ParResponseInvalid, None));
        for body in [
            "",
            "<html>",
            "[]",
            r#"{"expires_in":60}"#,
            r#"{"request_uri":"","expires_in":60}"#,
            r#"{"request_uri":7,"expires_in":60}"#,
            r#"{"request_uri":"u"}"#,
            r#"{"request_uri":"u","expires_in":0}"#,
            r#"{"request_uri":"u","expires_in":-5}"#,
            r#"{"request_uri":"u","expires_in":60.5}"#,
            r#"{"request_uri":"u","expires_in":"60"}"#,
        ] {
            assert_eq!(code(201, body), invalid, "{body}");
        }
        assert_eq!(code(200, r#"{"request_uri":"u","expires_in":60}"#), invalid, "RFC 9126 §2.2: 201 only");
        assert_eq!(code(400, r#"{"error":"invalid_request","error_description":"bad"}"#), Err((ErrorCode::InvalidRequest, Some("invalid_request".into()))));
        assert_eq!(code(401, r#"{"error":"invalid_client"}"#), Err((ErrorCode::InvalidClient, Some("invalid_client".into()))));
        assert_eq!(
            code(400, r#"{"error":"invalid_redirect_uri"}"#),
            Err((ErrorCode::OAuthError, Some("invalid_redirect_uri".into()))),
            "an error this crate has no code for keeps the server's"
        );
        assert_eq!(code(201, r#"{"error":"invalid_request"}"#), Err((ErrorCode::InvalidRequest, Some("invalid_request".into()))));
        assert_eq!(code(405, ""), Err((ErrorCode::HttpError, None)));
        assert_eq!(code(413, ""), Err((ErrorCode::HttpError, None)));
        assert_eq!(code(429, ""), Err((ErrorCode::RateLimited, None)));
        assert_eq!(code(503, ""), Err((ErrorCode::UpstreamError, None)));
        assert_eq!(code(302, ""), Err((ErrorCode::HttpError, None)));
    }

    #[test]
    fn errors_keep_no_sent_secret() {
        let c = client(ClientAuthMethod::SecretPost);
        let (req, _) = ok(c.begin_pushed_authorization_with_entropy(&endpoint(), &[1; 32], &[2; 32], &[]));
        let e = c.parse_push_response(&req, &resp(401, r#"{"error":"invalid_client","error_description":"secret s3cret-value is wrong"}"#));
        let e = e.err().unwrap_or_else(|| panic!("accepted"));
        assert_eq!(e.code(), ErrorCode::InvalidClient);
        assert!(!format!("{e:?} {e}").contains("s3cret"));
    }

    proptest! {
        /// Any status and body: a result or a typed error, never a panic; success only for 201
        /// with both members valid.
        #[test]
        fn any_answer_is_read_or_refused(status in 100u16..600, uri in "\\PC{0,20}", exp in any::<i64>(), raw in "\\PC{0,40}") {
            let mut w = crate::json::ObjectWriter::new();
            w.str("request_uri", &uri);
            let with_uri = w.finish();
            let members = with_uri.strip_suffix('}').unwrap_or_default();
            for body in [format!("{members},\"expires_in\":{exp}}}"), raw] {
                match process_response(&resp(status, &body)) {
                    Ok(p) => {
                        prop_assert_eq!(status, 201);
                        prop_assert!(p.expires_in > 0 && !p.request_uri.is_empty());
                    }
                    Err(e) => prop_assert!(e.status() == Some(status)),
                }
            }
        }
    }
}
