//! What an access token is for: `scope` (RFC 6749 §3.3), `resource` (RFC 8707 resource
//! indicators, repeatable) and `audience` (used by some servers instead), sent on the authorization
//! request and on client-credentials and refresh requests; and the scope a token set records.

use crate::{Error, ErrorCode, Result};

/// `scope`, `resource` and `audience` parameters. Empty (the default) sends nothing, which is
/// every vendor profile's behaviour.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScopeParams {
    /// Space-separated scope tokens (RFC 6749 §3.3); `openid` makes it an OpenID Connect request.
    pub scope: Option<String>,
    /// RFC 8707 §2 resource indicators: absolute URIs without a fragment, one `resource`
    /// parameter each.
    pub resources: Vec<String>,
    /// A server-specific `audience` value (Auth0 and others), sent as is.
    pub audience: Option<String>,
}

impl ScopeParams {
    /// Whether nothing would be sent.
    pub fn is_empty(&self) -> bool {
        self.scope.is_none() && self.resources.is_empty() && self.audience.is_none()
    }

    /// Whether `scope` holds the `openid` token (OIDC Core §3.1.2.1).
    pub fn requests_openid(&self) -> bool {
        self.scope.as_deref().is_some_and(has_openid)
    }

    /// Checks the values: scope tokens of RFC 6749 §3.3 characters (`%x21 / %x23-5B / %x5D-7E`)
    /// separated by single spaces; resources absolute URIs without a fragment (RFC 8707 §2);
    /// an audience non-empty. [`ErrorCode::InvalidParameter`] naming what is wrong.
    pub fn check(&self) -> Result<()> {
        if let Some(scope) = &self.scope {
            let token_ok = |t: &str| !t.is_empty() && t.bytes().all(|b| b == 0x21 || (0x23..=0x5b).contains(&b) || (0x5d..=0x7e).contains(&b));
            if !scope.split(' ').all(token_ok) {
                return Err(Error::new(ErrorCode::InvalidParameter, "scope must be scope tokens separated by single spaces (RFC 6749 §3.3)"));
            }
        }
        for r in &self.resources {
            if !is_absolute_uri(r) {
                return Err(Error::new(ErrorCode::InvalidParameter, "a resource is an absolute URI without a fragment (RFC 8707 §2)"));
            }
        }
        if self.audience.as_deref().is_some_and(|a| a.trim().is_empty()) {
            return Err(Error::new(ErrorCode::InvalidParameter, "audience must not be empty"));
        }
        Ok(())
    }

    /// Appends the parameters (`scope`, each `resource`, `audience`) to a form, leaving out the
    /// names in `skip` (set by the caller's own extra parameters).
    pub(crate) fn append(&self, q: &mut form_urlencoded::Serializer<'_, String>, skip: &[&str]) {
        if let Some(scope) = self.scope.as_deref().filter(|_| !skip.contains(&"scope")) {
            q.append_pair("scope", scope);
        }
        if !skip.contains(&"resource") {
            for r in &self.resources {
                q.append_pair("resource", r);
            }
        }
        if let Some(audience) = self.audience.as_deref().filter(|_| !skip.contains(&"audience")) {
            q.append_pair("audience", audience);
        }
    }
}

/// RFC 3986 §4.3 absolute-URI (`scheme ":" hier-part [ "?" query ]`, no fragment), printable ASCII:
/// `https://api.example/` and `urn:example:api` alike.
fn is_absolute_uri(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else { return false };
    let mut sc = scheme.bytes();
    sc.next().is_some_and(|b| b.is_ascii_alphabetic())
        && sc.all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
        && !rest.is_empty()
        && s.bytes().all(|b| b.is_ascii_graphic() && !matches!(b, b'#' | b'\\' | b'<' | b'>' | b'"' | b'{' | b'}' | b'|' | b'^' | b'`'))
}

/// Whether a space-separated scope holds `openid`.
pub fn has_openid(scope: &str) -> bool {
    scope.split(' ').any(|t| t == "openid")
}

#[cfg(all(test, feature = "all-providers"))]
mod tests {
    use super::*;
    use crate::client::Client;
    use crate::client::ClientAuthMethod;
    use crate::http::HttpResponse;
    use crate::providers::generic::GenericConfig;
    use crate::secret::{ClientSecret, RefreshToken};
    use crate::time::Timestamp;

    fn client() -> Client {
        let mut cfg = GenericConfig::new(Some("https://as.example/auth".into()), "https://as.example/token", "cid");
        cfg.redirect_uri = Some("https://app.example/cb".into());
        cfg.client_auth = ClientAuthMethod::SecretBasic;
        cfg.client_secret = Some(ClientSecret::new("s"));
        cfg.issuer = Some("https://as.example".into());
        cfg.scope_params = ScopeParams {
            scope: Some("openid api:read".into()),
            resources: vec!["https://api.example/".into(), "urn:example:b".into()],
            audience: Some("aud-1".into()),
        };
        cfg.client().unwrap_or_else(|e| panic!("{e}"))
    }

    /// Scope and audience go on the authorization request and client credentials; the resources
    /// (RFC 8707 §2.2) go on every token request too — the code exchange and the refresh — so a
    /// server that follows §2.2 mints the token for them (issue 21 item 5: they were left out).
    #[test]
    fn scope_on_authorize_and_client_credentials_resources_on_every_token_request() {
        let c = client();
        let (url, pending) = c.begin_authorization_with_entropy(&[1; 32], &[2; 32], &[]).unwrap_or_else(|e| panic!("{e}"));
        let nonce = pending.nonce.unwrap_or_else(|| panic!("openid requested: a nonce"));
        assert!(url.contains("&scope=openid%20api%3Aread&resource=https%3A%2F%2Fapi.example%2F&resource=urn%3Aexample%3Ab&audience=aud-1&nonce="), "{url}");
        assert!(url.ends_with(&format!("&nonce={}", nonce.as_str())));
        // an extra scope replaces the default; without openid, no nonce
        let (url, pending) = c.begin_authorization_with_entropy(&[1; 32], &[2; 32], &[("scope", "api:write")]).unwrap_or_else(|e| panic!("{e}"));
        assert!(pending.nonce.is_none() && url.matches("scope=").count() == 1 && url.ends_with("&audience=aud-1&scope=api%3Awrite"), "{url}");
        let cc = c.client_credentials_request().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            cc.body.as_deref(),
            Some("grant_type=client_credentials&scope=openid+api%3Aread&resource=https%3A%2F%2Fapi.example%2F&resource=urn%3Aexample%3Ab&audience=aud-1")
        );
        let rt = RefreshToken::new("rt");
        assert_eq!(
            c.refresh_request(&rt).map(|r| r.body).ok().flatten().as_deref(),
            Some("grant_type=refresh_token&refresh_token=rt&resource=https%3A%2F%2Fapi.example%2F&resource=urn%3Aexample%3Ab")
        );
        let code = crate::secret::AuthorizationCode::new("c");
        assert_eq!(
            c.authorization_code_request(&code, None).map(|r| r.body).ok().flatten().as_deref(),
            Some("grant_type=authorization_code&code=c&redirect_uri=https%3A%2F%2Fapp.example%2Fcb&resource=https%3A%2F%2Fapi.example%2F&resource=urn%3Aexample%3Ab")
        );
        let narrow = ScopeParams { scope: Some("api:read".into()), ..Default::default() };
        assert_eq!(
            c.refresh_request_with(&rt, &narrow).map(|r| r.body).ok().flatten().as_deref(),
            Some("grant_type=refresh_token&refresh_token=rt&scope=api%3Aread")
        );
        // no issuer (every vendor profile, an endpoints-only config): no nonce, the URL as before
        let lawvu = crate::providers::lawvu::LawVuConfig::new(crate::providers::lawvu::LawVuEnvironment::Sandbox, "acme-inc", "https://acme-inc.com/auth");
        let (url, pending) =
            lawvu.client().and_then(|c| c.begin_authorization_with_entropy(&[1; 32], &[2; 32], &[("scope", "openid")])).unwrap_or_else(|e| panic!("{e}"));
        assert!(pending.nonce.is_none() && !url.contains("nonce"), "{url}");
        let bad = ScopeParams { resources: vec!["nope".into()], ..Default::default() };
        assert_eq!(c.refresh_request_with(&rt, &bad).map_err(|e| e.code()).map(|_| ()), Err(ErrorCode::InvalidParameter));
    }

    #[test]
    fn absent_response_scope_is_the_requested_one() {
        let c = client();
        let now = Timestamp::from_secs(1);
        let json = |body: &str| HttpResponse::new(200, vec![("content-type".into(), "application/json".into())], body);
        let cc = c.client_credentials_request().unwrap_or_else(|e| panic!("{e}"));
        let set = c.parse_token_response_to(&cc, &json(r#"{"access_token":"a","token_type":"Bearer"}"#), now, None).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(set.scope.as_deref(), Some("openid api:read"));
        let set = c
            .parse_token_response_to(&cc, &json(r#"{"access_token":"a","token_type":"Bearer","scope":"api:read"}"#), now, None)
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(set.scope.as_deref(), Some("api:read"), "the server's answer wins");
        let code = crate::secret::AuthorizationCode::new("c");
        let req = c.authorization_code_request(&code, None).unwrap_or_else(|e| panic!("{e}"));
        let set = c.parse_token_response_to(&req, &json(r#"{"access_token":"a"}"#), now, None).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(set.scope.as_deref(), Some("openid api:read"), "code grant: the configured scope the authorization request sent");
    }

    #[test]
    fn checks() {
        let ok = |scope: &str, resources: &[&str]| {
            ScopeParams { scope: Some(scope.into()), resources: resources.iter().map(|s| (*s).to_owned()).collect(), audience: None }.check().is_ok()
        };
        assert!(ok("openid offline_access api:read", &["https://api.example/", "urn:example:x"]));
        assert!(!ok("openid  profile", &[]), "double space");
        assert!(!ok("a\"b", &[]), "quote is not a scope character");
        assert!(!ok("openid", &["https://api.example/#f"]));
        assert!(!ok("openid", &["/relative"]));
        assert!(ScopeParams { scope: Some("openid profile".into()), ..Default::default() }.requests_openid());
        assert!(!ScopeParams { scope: Some("openidx".into()), ..Default::default() }.requests_openid());
    }
}
