//! Building the authorization request URL (RFC 6749 §4.1.1), including hash-route endpoints whose
//! query must live inside the fragment (LawVu: `https://{web_host}/#/authorize?…`).

use crate::client::Client;
use crate::nonce::Nonce;
use crate::pkce::{PkceChallenge, PkceVerifier};
use crate::profile::{AuthorizeParamOrder, GrantType};
use crate::state::State;
use crate::uri::Endpoint;
use crate::{Error, ErrorCode, Result};
use serde::{Deserialize, Serialize};

/// Parameters this crate sets itself; extra parameters may not override them.
const RESERVED: &[&str] = &["response_type", "client_id", "redirect_uri", "state", "code_challenge", "code_challenge_method"];

/// What varies per authorization request.
#[derive(Clone, Copy, Debug, Default)]
pub struct AuthorizationRequest<'a> {
    /// The CSRF `state` (RFC 6749 §10.12); strongly recommended.
    pub state: Option<&'a State>,
    /// The PKCE challenge, required when the profile enables PKCE.
    pub code_challenge: Option<&'a PkceChallenge>,
    /// Additional parameters, appended in order after the standard ones.
    pub extra_params: &'a [(&'a str, &'a str)],
}

/// What must be remembered between the redirect out and the callback (e.g. in sessionStorage).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingAuthorization {
    /// The state sent.
    pub state: State,
    /// The PKCE verifier, when PKCE is on. Secret until the exchange.
    pub pkce_verifier: Option<PkceVerifier>,
    /// The OpenID Connect nonce sent with this state, when `openid` was requested (OIDC Core
    /// §3.1.2.1); the id_token must carry it ([`crate::id_token::IdToken::check_claims`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<Nonce>,
}

/// The nonce entropy of a request begun from two caller entropies: SHA-256 of both, so the nonce
/// reveals neither.
pub(crate) fn derived_nonce_entropy(state_entropy: &[u8; 32], verifier_entropy: &[u8; 32]) -> [u8; 32] {
    use sha2::Digest;
    sha2::Sha256::new().chain_update(b"tsunagi nonce").chain_update(state_entropy).chain_update(verifier_entropy).finalize().into()
}

impl Client {
    /// The authorization URL. Values are form-encoded as the vendor examples show (LawVu's
    /// example comes out byte for byte), with a space written `%20` (RFC 3986 §2.1), not `+`:
    /// that reads as a space both to form decoders (RFC 6749 Appendix B) and to a plain
    /// percent-decoder such as a hash-route page's `decodeURIComponent`, so a `state` of any
    /// `VSCHAR`s (Appendix A.5) comes back unchanged. Errors: the provider has no authorization
    /// endpoint, PKCE is required but missing, or an extra parameter is empty or reserved.
    pub fn authorization_url(&self, request: &AuthorizationRequest<'_>) -> Result<String> {
        let (endpoint, query) = self.authorization_query(request)?;
        Ok(endpoint.with_query(&query))
    }

    /// The authorization endpoint and the request's parameters, form-encoded as
    /// [`Client::authorization_url`] writes them (also the body of a pushed request, RFC 9126 §2.1).
    pub(crate) fn authorization_query(&self, request: &AuthorizationRequest<'_>) -> Result<(&Endpoint, String)> {
        self.require_grant(GrantType::AuthorizationCode)?;
        let endpoint = self
            .profile
            .authorization_endpoint
            .as_ref()
            .ok_or_else(|| Error::new(ErrorCode::UnsupportedOperation, format!("{} has no authorization endpoint", self.profile.id)))?;
        let client_id = self.client_id.as_ref().ok_or_else(|| Error::new(ErrorCode::InvalidConfig, "the authorization request needs a client id"))?;
        if self.profile.pkce && request.code_challenge.is_none() {
            return Err(Error::new(ErrorCode::InvalidParameter, "this profile requires PKCE: pass a code challenge"));
        }
        for (name, _) in request.extra_params {
            if name.is_empty() || RESERVED.contains(name) {
                return Err(Error::new(ErrorCode::InvalidParameter, format!("extra parameter '{name}' is empty or reserved")));
            }
        }
        let mut q = form_urlencoded::Serializer::new(String::new());
        match self.profile.authorize_param_order {
            AuthorizeParamOrder::ResponseTypeFirst => {
                q.append_pair("response_type", "code").append_pair("client_id", client_id.as_str());
            }
            AuthorizeParamOrder::ClientIdFirst => {
                q.append_pair("client_id", client_id.as_str()).append_pair("response_type", "code");
            }
        }
        if let Some(redirect) = &self.redirect_uri {
            q.append_pair("redirect_uri", redirect.as_str());
        }
        if let Some(state) = request.state {
            q.append_pair("state", state.as_str());
        }
        if let Some(challenge) = request.code_challenge {
            q.append_pair("code_challenge", challenge.as_str()).append_pair("code_challenge_method", PkceChallenge::METHOD);
        }
        let named: Vec<&str> = request.extra_params.iter().map(|(n, _)| *n).collect();
        self.scope_params.append(&mut q, &named);
        for (name, value) in request.extra_params {
            q.append_pair(name, value);
        }
        // form_urlencoded writes a space as '+' and a '+' as "%2B": every '+' left is a space
        Ok((endpoint, q.finish().replace('+', "%20")))
    }

    /// A fresh state (and PKCE verifier when the profile enables it) from caller entropy, and
    /// the URL to send the user to. When the client knows its issuer (the id_token can be
    /// checked) and the request asks for `openid` (the extra `scope`, else the client's default),
    /// a nonce goes with it (OIDC Core §3.1.2.1) and into the pending state: the caller's own
    /// `nonce` extra parameter when given, else one derived from both entropies (SHA-256, so it
    /// reveals neither). Vendor profiles know no issuer: their URLs are unchanged. The URL ignores
    /// the client's PAR policy (RFC 9126): a client that may push begins with
    /// `begin_authorization_step_with_entropy` instead.
    pub fn begin_authorization_with_entropy(
        &self,
        state_entropy: &[u8; 32],
        verifier_entropy: &[u8; 32],
        extra_params: &[(&str, &str)],
    ) -> Result<(String, PendingAuthorization)> {
        self.begin_with(state_entropy, verifier_entropy, &derived_nonce_entropy(state_entropy, verifier_entropy), extra_params)
    }

    fn begin_with(
        &self,
        state_entropy: &[u8; 32],
        verifier_entropy: &[u8; 32],
        nonce_entropy: &[u8; 32],
        extra_params: &[(&str, &str)],
    ) -> Result<(String, PendingAuthorization)> {
        self.begin_parts(state_entropy, verifier_entropy, nonce_entropy, extra_params).map(|(url, _, pending)| (url, pending))
    }

    /// A fresh request's authorize URL, its parameters alone (form-encoded) and its pending state.
    pub(crate) fn begin_parts(
        &self,
        state_entropy: &[u8; 32],
        verifier_entropy: &[u8; 32],
        nonce_entropy: &[u8; 32],
        extra_params: &[(&str, &str)],
    ) -> Result<(String, String, PendingAuthorization)> {
        let state = State::from_entropy(state_entropy);
        let verifier = self.profile.pkce.then(|| PkceVerifier::from_entropy(verifier_entropy));
        let challenge = verifier.as_ref().map(PkceVerifier::challenge);
        let extra = |name: &str| extra_params.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
        let openid = extra("scope").map_or_else(|| self.scope_params.requests_openid(), crate::scope::has_openid);
        let nonce = match extra("nonce") {
            Some(own) if self.server.issuer.is_some() => Some(Nonce::new(own)?),
            Some(_) => None,
            None => (openid && self.server.issuer.is_some()).then(|| Nonce::from_entropy(nonce_entropy)),
        };
        let mut params = extra_params.to_vec();
        if let (Some(n), None) = (&nonce, extra("nonce")) {
            params.push(("nonce", n.as_str()));
        }
        let (endpoint, query) =
            self.authorization_query(&AuthorizationRequest { state: Some(&state), code_challenge: challenge.as_ref(), extra_params: &params })?;
        Ok((endpoint.with_query(&query), query, PendingAuthorization { state, pkce_verifier: verifier, nonce }))
    }

    /// [`Client::begin_authorization_with_entropy`] with entropy from the platform CSPRNG.
    #[cfg(feature = "getrandom")]
    pub fn begin_authorization(&self, extra_params: &[(&str, &str)]) -> Result<(String, PendingAuthorization)> {
        let [a, b, c] = crate::state::random_blocks::<3>()?;
        self.begin_with(&a, &b, &c, extra_params)
    }
}

#[cfg(all(test, feature = "all-providers"))]
mod tests {
    use super::*;
    use crate::providers::generic::GenericConfig;
    use crate::providers::lawvu::{LawVuConfig, LawVuEnvironment};
    use crate::providers::logiless::LogilessConfig;
    use crate::secret::ClientSecret;

    fn lawvu() -> Client {
        LawVuConfig::new(LawVuEnvironment::Sandbox, "acme-inc", "https://acme-inc.com/auth").client().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn lawvu_document_example_byte_for_byte() {
        let url = lawvu().authorization_url(&AuthorizationRequest::default());
        assert_eq!(
            url.as_deref().ok(),
            Some("https://demo.lawvu.com/#/authorize?response_type=code&client_id=acme-inc&redirect_uri=https%3A%2F%2Facme-inc.com%2Fauth")
        );
    }

    #[test]
    fn lawvu_state_inside_the_fragment() {
        let state = State::new("xyz").unwrap_or_else(|e| panic!("{e}"));
        let url = lawvu().authorization_url(&AuthorizationRequest { state: Some(&state), ..Default::default() });
        let url = url.unwrap_or_default();
        assert!(url.starts_with("https://demo.lawvu.com/#/authorize?"), "{url}");
        assert!(url.ends_with("&state=xyz"));
        assert_eq!(url.matches('?').count(), 1);
    }

    #[test]
    fn logiless_parameter_order() {
        let c = LogilessConfig::new("cid", ClientSecret::new("s"), "https://app.example/cb").client().unwrap_or_else(|e| panic!("{e}"));
        let url = c.authorization_url(&AuthorizationRequest::default()).unwrap_or_default();
        assert_eq!(url, "https://app2.logiless.com/oauth/v2/auth?client_id=cid&response_type=code&redirect_uri=https%3A%2F%2Fapp.example%2Fcb");
    }

    #[test]
    fn generic_requires_pkce_and_rejects_reserved_extras() {
        let mut cfg = GenericConfig::new(Some("https://as.example/authorize".into()), "https://as.example/token", "cid");
        cfg.redirect_uri = Some("https://app.example/cb".into());
        let c = cfg.client().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.authorization_url(&AuthorizationRequest::default()).map_err(|e| e.code()), Err(ErrorCode::InvalidParameter));
        let (url, pending) = c.begin_authorization_with_entropy(&[1; 32], &[2; 32], &[("scope", "read write")]).unwrap_or_else(|e| panic!("{e}"));
        let verifier = pending.pkce_verifier.unwrap_or_else(|| panic!("no verifier"));
        assert!(url.contains(&format!("code_challenge={}&code_challenge_method=S256", verifier.challenge().as_str())));
        assert!(url.ends_with("&scope=read%20write"), "{url}");
        let bad = c.begin_authorization_with_entropy(&[1; 32], &[2; 32], &[("state", "x")]);
        assert_eq!(bad.map(|_| ()).map_err(|e| e.code()), Err(ErrorCode::InvalidParameter));
    }

    /// The value of `name` in `url`'s authorize query, exactly as encoded there.
    fn raw_param<'u>(url: &'u str, name: &str) -> &'u str {
        let query = url.split_once('?').map_or("", |(_, q)| q);
        query.split('&').find_map(|p| p.strip_prefix(name).and_then(|r| r.strip_prefix('='))).unwrap_or_else(|| panic!("no {name} in {url}"))
    }

    /// Plain RFC 3986 percent-decoding (what `decodeURIComponent` does: `+` stays `+`).
    fn percent_decode(s: &str) -> String {
        let b = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < b.len() {
            match (b.get(i), b.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok()).and_then(|h| u8::from_str_radix(h, 16).ok())) {
                (Some(b'%'), Some(v)) => {
                    out.push(v);
                    i += 3;
                }
                (Some(&c), _) => {
                    out.push(c);
                    i += 1;
                }
                (None, _) => break,
            }
        }
        String::from_utf8(out).unwrap_or_default()
    }

    #[test]
    fn every_vschar_state_round_trips_through_query_and_hash_route() {
        // issue 13 item 5: RFC 6749 Appendix A.5 allows %x20-7E in state, space included
        let logiless = LogilessConfig::new("cid", ClientSecret::new("s"), "https://app.example/cb").client().unwrap_or_else(|e| panic!("{e}"));
        let all: String = (0x20u8..=0x7e).map(char::from).collect();
        let mut states: Vec<String> = (0x20u8..=0x7e).map(|b| format!("a{}b", char::from(b))).collect();
        states.extend([all, "a b/c".to_owned(), " ".to_owned(), "+".to_owned(), "%20".to_owned(), "a+b c".to_owned()]);
        for (client, hash) in [(lawvu(), true), (logiless, false)] {
            for value in &states {
                let state = State::new(value.as_str()).unwrap_or_else(|e| panic!("{value:?}: {e}"));
                let url = client.authorization_url(&AuthorizationRequest { state: Some(&state), ..Default::default() }).unwrap_or_else(|e| panic!("{e}"));
                assert_eq!(url.contains("#/authorize?"), hash, "{url}");
                let raw = raw_param(&url, "state");
                // only unreserved characters go out unescaped: no space, '+', '&', '#', '=' or '%' as such
                assert!(raw.bytes().all(|b| b.is_ascii_alphanumeric() || b"%-._*".contains(&b)), "{value:?} → {raw}");
                // one meaning under form decoding (URLSearchParams) and plain percent-decoding (decodeURIComponent)
                assert_eq!(form_urlencoded::parse(format!("state={raw}").as_bytes()).next().map(|(_, v)| v.into_owned()).as_deref(), Some(value.as_str()));
                assert_eq!(percent_decode(raw), *value, "{raw}");
                // the server echoes it as it came, or re-encodes it (form: space → '+'): both match
                let form: String = form_urlencoded::Serializer::new(String::new()).append_pair("state", value).finish();
                for echoed in [format!("state={raw}"), form] {
                    for callback in [format!("https://app.example/cb?code=c1&{echoed}"), format!("https://app.example/#/cb?code=c1&{echoed}")] {
                        let code = crate::callback::parse_callback(&callback, Some(&state)).map(|c| c.secret().to_owned());
                        assert_eq!(code.as_deref().ok(), Some("c1"), "{value:?} via {callback}");
                    }
                }
            }
        }
    }

    #[test]
    fn pending_authorization_round_trips_through_storage() {
        let (_, pending) = lawvu().begin_authorization_with_entropy(&[3; 32], &[4; 32], &[]).unwrap_or_else(|e| panic!("{e}"));
        assert!(pending.pkce_verifier.is_none(), "LawVu does not document PKCE");
        let json = serde_json::to_string(&pending).unwrap_or_default();
        let back: Option<PendingAuthorization> = serde_json::from_str(&json).ok();
        assert_eq!(back, Some(pending));
    }
}
