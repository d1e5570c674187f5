//! Building token requests as plain values (RFC 6749 §4.1.3, §6, §4.4.2): the grant's
//! parameters, the client's authentication (§2.3.1), and the provider's method (form POST, or
//! Logiless' GET with query parameters).

use crate::base64url;
use crate::client::{Client, ClientAuth};
use crate::http::{HttpRequest, Method};
use crate::pkce::PkceVerifier;
use crate::profile::{GrantType, TokenMethod};
use crate::scope::ScopeParams;
use crate::secret::{AuthorizationCode, RefreshToken};
use crate::Result;

/// A grant to exchange at the token endpoint.
#[derive(Clone, Copy, Debug)]
pub enum Grant<'a> {
    /// RFC 6749 §4.1.3: the code from the callback, and the PKCE verifier if one was sent.
    AuthorizationCode {
        /// The authorization code.
        code: &'a AuthorizationCode,
        /// The PKCE verifier (RFC 7636 §4.5).
        pkce_verifier: Option<&'a PkceVerifier>,
    },
    /// RFC 6749 §6: the refresh token.
    RefreshToken(&'a RefreshToken),
    /// RFC 6749 §4.4.2.
    ClientCredentials,
}

impl Grant<'_> {
    /// The grant type.
    pub fn grant_type(&self) -> GrantType {
        match self {
            Grant::AuthorizationCode { .. } => GrantType::AuthorizationCode,
            Grant::RefreshToken(_) => GrantType::RefreshToken,
            Grant::ClientCredentials => GrantType::ClientCredentials,
        }
    }
}

/// `Authorization: Basic` for `client_secret_basic`: each part form-encoded first (RFC 6749 §2.3.1).
fn basic_for(id: &str, secret: &str) -> String {
    let id: String = form_urlencoded::byte_serialize(id.as_bytes()).collect();
    let secret: String = form_urlencoded::byte_serialize(secret.as_bytes()).collect();
    base64url::encode_standard(format!("{id}:{secret}").as_bytes())
}

impl Client {
    /// The token request for `grant`. Public clients send `client_id` only (so LawVu gives 1-day
    /// refresh tokens); `client_secret_post` adds `client_secret`; Basic methods use the header
    /// and omit both from the parameters. The authorization-code grant repeats the exact
    /// redirect URI of the authorize step.
    ///
    /// Client credentials also carry the client's default [`ScopeParams`] (`scope`, `resource`,
    /// `audience`). The code exchange and the refresh carry its default resources only (RFC 8707
    /// §2.2: the token is minted for them), never `scope` (a refresh keeps the granted scope,
    /// RFC 6749 §6) or `audience`.
    pub fn token_request(&self, grant: Grant<'_>) -> Result<HttpRequest> {
        if matches!(grant, Grant::ClientCredentials) {
            return self.token_request_with(grant, Some(&self.scope_params));
        }
        let resources = ScopeParams { resources: self.scope_params.resources.clone(), ..ScopeParams::default() };
        self.token_request_with(grant, Some(&resources).filter(|p| !p.is_empty()))
    }

    /// [`Client::token_request`] with `params` (checked, [`ScopeParams::check`]) sent instead of
    /// the defaults: a refresh narrowed to a scope or a resource (RFC 6749 §6, RFC 8707 §2.2),
    /// client credentials for another scope or resource (RFC 6749 §4.4.2).
    pub fn token_request_with(&self, grant: Grant<'_>, params: Option<&ScopeParams>) -> Result<HttpRequest> {
        self.require_grant(grant.grant_type())?;
        if let Some(p) = params {
            p.check()?;
        }
        let mut q = form_urlencoded::Serializer::new(String::new());
        q.append_pair("grant_type", grant.grant_type().as_str());
        match grant {
            Grant::AuthorizationCode { code, pkce_verifier } => {
                q.append_pair("code", code.secret());
                q.append_pair("redirect_uri", self.require_redirect_uri()?.as_str());
                if let Some(v) = pkce_verifier {
                    q.append_pair("code_verifier", v.secret());
                }
            }
            Grant::RefreshToken(rt) => {
                q.append_pair("refresh_token", rt.secret());
            }
            Grant::ClientCredentials => {}
        }
        if let Some(p) = params {
            p.append(&mut q, &[]);
        }
        let mut headers = vec![("accept".to_owned(), "application/json".to_owned())];
        self.authenticate(&mut q, &mut headers);
        for (k, v) in &self.profile.token_params {
            q.append_pair(k, v);
        }
        let params = q.finish();
        let endpoint = &self.profile.token_endpoint;
        Ok(match self.profile.token_method {
            TokenMethod::Post => {
                headers.push(("content-type".to_owned(), "application/x-www-form-urlencoded".to_owned()));
                HttpRequest { method: Method::Post, url: endpoint.as_str().to_owned(), headers, body: Some(params) }
            }
            TokenMethod::Get => HttpRequest { method: Method::Get, url: endpoint.with_query(&params), headers, body: None },
        })
    }

    /// The client's authentication (RFC 6749 §2.3.1), the same at every endpoint that takes it
    /// (token, RFC 7009 revocation): `client_id` alone for public clients, plus `client_secret`
    /// for `client_secret_post`, or the `Authorization: Basic` header and neither parameter.
    pub(crate) fn authenticate(&self, q: &mut form_urlencoded::Serializer<'_, String>, headers: &mut Vec<(String, String)>) {
        if let (ClientAuth::None | ClientAuth::SecretPost(_), Some(id)) = (&self.auth, &self.client_id) {
            q.append_pair("client_id", id.as_str());
        }
        self.authenticate_secret(q, headers);
    }

    /// [`Client::authenticate`] without `client_id`, for a request whose parameters already carry
    /// it (RFC 9126 §2.1's pushed authorization request): `client_secret`, or the Basic header.
    pub(crate) fn authenticate_secret(&self, q: &mut form_urlencoded::Serializer<'_, String>, headers: &mut Vec<(String, String)>) {
        let client_id = self.client_id.as_ref().map(|c| c.as_str());
        match &self.auth {
            ClientAuth::None => {}
            ClientAuth::SecretPost(secret) => {
                q.append_pair("client_secret", secret.secret());
            }
            ClientAuth::SecretBasic(secret) => {
                headers.push(("authorization".to_owned(), format!("Basic {}", basic_for(client_id.unwrap_or_default(), secret.secret()))));
            }
            ClientAuth::RawBasic(credentials) => {
                headers.push(("authorization".to_owned(), format!("Basic {}", credentials.secret().trim())));
            }
        }
    }

    /// [`Client::token_request`] for the authorization-code grant.
    pub fn authorization_code_request(&self, code: &AuthorizationCode, pkce_verifier: Option<&PkceVerifier>) -> Result<HttpRequest> {
        self.token_request(Grant::AuthorizationCode { code, pkce_verifier })
    }

    /// [`Client::token_request`] for the refresh-token grant.
    pub fn refresh_request(&self, refresh_token: &RefreshToken) -> Result<HttpRequest> {
        self.token_request(Grant::RefreshToken(refresh_token))
    }

    /// [`Client::token_request`] for the client-credentials grant.
    pub fn client_credentials_request(&self) -> Result<HttpRequest> {
        self.token_request(Grant::ClientCredentials)
    }

    /// A refresh that asks for `params` (a narrower scope, RFC 6749 §6; a resource, RFC 8707 §2.2).
    pub fn refresh_request_with(&self, refresh_token: &RefreshToken, params: &ScopeParams) -> Result<HttpRequest> {
        self.token_request_with(Grant::RefreshToken(refresh_token), Some(params))
    }
}

#[cfg(all(test, feature = "all-providers"))]
mod tests {
    use super::*;
    use crate::client::ClientAuthMethod;
    use crate::providers::generic::GenericConfig;
    use crate::providers::lawvu::{LawVuConfig, LawVuEnvironment};
    use crate::providers::legalon::{LegalOnConfig, LegalOnRegion};
    use crate::providers::logiless::LogilessConfig;
    use crate::secret::{BasicCredentials, ClientSecret};
    use crate::ErrorCode;
    use std::collections::BTreeMap;

    fn form(s: &str) -> BTreeMap<String, String> {
        form_urlencoded::parse(s.as_bytes()).into_owned().collect()
    }
    fn ok<T>(r: Result<T>) -> T {
        r.unwrap_or_else(|e| panic!("{e}"))
    }

    fn lawvu(secret: Option<&str>) -> Client {
        let mut cfg = LawVuConfig::new(LawVuEnvironment::Sandbox, "acme-inc", "https://acme-inc.com/auth");
        cfg.client_secret = secret.map(ClientSecret::new);
        ok(cfg.client())
    }

    #[test]
    fn lawvu_confidential_code_exchange_matches_the_document() {
        let req = ok(lawvu(Some("your-client-secret")).authorization_code_request(&AuthorizationCode::new("SplxlOBeZQQYbYS6WxSbIA"), None));
        assert_eq!(req.method, Method::Post);
        assert_eq!(req.url, "https://api-sandbox.lawvu.com/account-apis/v1/auth/token");
        assert_eq!(req.header("content-type"), Some("application/x-www-form-urlencoded"));
        let body = form(req.body.as_deref().unwrap_or_default());
        let want: BTreeMap<String, String> = [
            ("code", "SplxlOBeZQQYbYS6WxSbIA"),
            ("grant_type", "authorization_code"),
            ("client_id", "acme-inc"),
            ("client_secret", "your-client-secret"),
            ("redirect_uri", "https://acme-inc.com/auth"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        assert_eq!(body, want);
        assert!(req.body.as_deref().unwrap_or_default().contains("redirect_uri=https%3A%2F%2Facme-inc.com%2Fauth"));
    }

    #[test]
    fn lawvu_public_client_omits_client_secret_entirely() {
        let req = ok(lawvu(None).refresh_request(&RefreshToken::new("tGzv3JOkF0XG5Qx2TlKWIA")));
        let body = req.body.unwrap_or_default();
        assert_eq!(body, "grant_type=refresh_token&refresh_token=tGzv3JOkF0XG5Qx2TlKWIA&client_id=acme-inc");
        assert!(!body.contains("client_secret"));
        // an empty secret is no secret
        assert!(!lawvu(Some("")).is_confidential());
    }

    #[test]
    fn lawvu_region_hint() {
        let mut cfg = LawVuConfig::new(LawVuEnvironment::Production, "acme-inc", "https://acme-inc.com/auth");
        cfg.region_hint = Some("eu".into());
        let req = ok(ok(cfg.client()).refresh_request(&RefreshToken::new("r")));
        assert!(req.body.unwrap_or_default().ends_with("&region_hint=eu"));
    }

    #[test]
    fn logiless_get_with_exactly_the_documented_parameters() {
        let c = ok(LogilessConfig::new("cid", ClientSecret::new("csecret"), "https://app.example/cb").client());
        let req = ok(c.authorization_code_request(&AuthorizationCode::new("the-code"), None));
        assert_eq!(req.method, Method::Get);
        assert!(req.body.is_none() && req.header("content-type").is_none());
        let (base, query) = req.url.split_once('?').unwrap_or_default();
        assert_eq!(base, "https://app2.logiless.com/oauth2/token");
        let keys: Vec<String> = form(query).into_keys().collect();
        assert_eq!(keys, ["client_id", "client_secret", "code", "grant_type", "redirect_uri"]);
        let req = ok(c.refresh_request(&RefreshToken::new("rt")));
        let keys: Vec<String> = form(req.url.split_once('?').unwrap_or_default().1).into_keys().collect();
        assert_eq!(keys, ["client_id", "client_secret", "grant_type", "refresh_token"]);
        assert!(!format!("{req:?}").contains("csecret"));
    }

    #[test]
    fn legalon_raw_basic_unchanged() {
        let c = ok(LegalOnConfig::new(LegalOnRegion::Us, BasicCredentials::new("abc+/=:raw")).client());
        let req = ok(c.client_credentials_request());
        assert_eq!(req.header("authorization"), Some("Basic abc+/=:raw"));
        assert_eq!(req.body.as_deref(), Some("grant_type=client_credentials"));
        assert_eq!(req.url, "https://public-api.legalontech.com/oauth/token");
        assert_eq!(c.refresh_request(&RefreshToken::new("x")).map(|_| ()).map_err(|e| e.code()), Err(ErrorCode::UnsupportedOperation));
    }

    #[test]
    fn client_secret_basic_form_encodes_both_parts() {
        let mut cfg = GenericConfig::new(None, "https://as.example/token", "id with:colon");
        cfg.client_auth = ClientAuthMethod::SecretBasic;
        cfg.client_secret = Some(ClientSecret::new("s&cr=t é"));
        let req = ok(ok(cfg.client()).client_credentials_request());
        // form("id with:colon") = "id+with%3Acolon", form("s&cr=t é") = "s%26cr%3Dt+%C3%A9"
        let expected = base64url::encode_standard(b"id+with%3Acolon:s%26cr%3Dt+%C3%A9");
        assert_eq!(req.header("authorization").map(str::to_owned), Some(format!("Basic {expected}")));
        assert_eq!(req.body.as_deref(), Some("grant_type=client_credentials"));
    }

    #[test]
    fn pkce_verifier_is_sent() {
        let mut cfg = GenericConfig::new(Some("https://as.example/a".into()), "https://as.example/token", "cid");
        cfg.redirect_uri = Some("https://app.example/cb".into());
        let v = PkceVerifier::from_entropy(&[9; 32]);
        let req = ok(ok(cfg.client()).authorization_code_request(&AuthorizationCode::new("c"), Some(&v)));
        assert_eq!(form(req.body.as_deref().unwrap_or_default()).get("code_verifier").map(String::as_str), Some(v.secret()));
    }
}
