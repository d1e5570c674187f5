//! Authorization server metadata from an issuer (RFC 8414; OpenID Connect Discovery 1.0): where
//! the documents are (RFC 8414 §3.1's path rule, OIDC Discovery §4.1's), and the checked document,
//! whose `issuer` must be exactly the configured one (RFC 8414 §3.3, OIDC Discovery §4.3) — the
//! defence against a document that names another server's endpoints. Runtimes fetch and cache.

use crate::http::{HttpRequest, HttpResponse, Method};
use crate::issuer::AuthServer;
use crate::json_fields as json;
use crate::uri::{self, Endpoint};
use crate::{Error, ErrorCode, Result};
use serde::{Deserialize, Serialize};

/// Which well-known document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetadataKind {
    /// RFC 8414 `/.well-known/oauth-authorization-server`, inserted before the issuer's path.
    OAuth,
    /// OIDC Discovery `/.well-known/openid-configuration`, appended to the issuer.
    OpenId,
}

/// The metadata tsunagi uses (RFC 8414 §2 names; serialised with them, so a runtime can cache the
/// checked document and hand it back). Endpoints are checked like configured ones (`https`, or
/// `http` on loopback).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServerMetadata {
    /// The issuer identifier, equal to the configured one.
    pub issuer: String,
    /// Authorization endpoint (absent on servers without user consent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_endpoint: Option<String>,
    /// Token endpoint (required here).
    pub token_endpoint: String,
    /// JWKS URL, for id_token signatures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwks_uri: Option<String>,
    /// RFC 7009 revocation endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocation_endpoint: Option<String>,
    /// Scopes the server names.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes_supported: Vec<String>,
    /// Client authentication methods at the token endpoint (absent: `client_secret_basic`, RFC 8414 §2).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub token_endpoint_auth_methods_supported: Vec<String>,
    /// PKCE methods (RFC 7636 `S256`, `plain`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub code_challenge_methods_supported: Vec<String>,
    /// RFC 9207: every authorization response carries `iss`.
    #[serde(default)]
    pub authorization_response_iss_parameter_supported: bool,
    /// id_token signature algorithms (OIDC Discovery §3).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub id_token_signing_alg_values_supported: Vec<String>,
    /// RFC 9126 §5: the pushed authorization request endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pushed_authorization_request_endpoint: Option<String>,
    /// RFC 9126 §5: the server takes authorization requests only through PAR.
    #[serde(default)]
    pub require_pushed_authorization_requests: bool,
    /// DPoP proof algorithms the server takes (RFC 9449 §5.1); tsunagi signs with `ES256`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dpop_signing_alg_values_supported: Vec<String>,
}

/// The URL of `kind`'s document for `issuer` (checked by [`AuthServer::check_issuer`]). A path
/// loses its terminating `/` first; RFC 8414 §3.1 puts the well-known segment between host and
/// path (`https://as.example/.well-known/oauth-authorization-server/tenant`), OIDC Discovery §4.1
/// after the path (`https://as.example/tenant/.well-known/openid-configuration`).
pub fn metadata_url(issuer: &str, kind: MetadataKind) -> Result<String> {
    let issuer = AuthServer::check_issuer(issuer)?;
    let parts = uri::split(issuer).ok_or_else(|| Error::new(ErrorCode::InvalidConfig, "the issuer is not an absolute URL"))?;
    let path = parts.path.trim_end_matches('/');
    let origin = issuer.get(..issuer.len() - parts.path.len()).unwrap_or(issuer);
    Ok(match kind {
        MetadataKind::OAuth => format!("{origin}/.well-known/oauth-authorization-server{path}"),
        MetadataKind::OpenId => format!("{origin}{path}/.well-known/openid-configuration"),
    })
}

/// The GET requests for `issuer`'s metadata, in the order to try them: RFC 8414 first, then OIDC
/// Discovery. A runtime sends the next when one answers anything but 200, and stops at the
/// first 200 (its document is then accepted or refused by [`parse_metadata`]).
pub fn metadata_requests(issuer: &str) -> Result<Vec<HttpRequest>> {
    [MetadataKind::OAuth, MetadataKind::OpenId]
        .into_iter()
        .map(|kind| {
            Ok(HttpRequest {
                method: Method::Get,
                url: metadata_url(issuer, kind)?,
                headers: vec![("accept".to_owned(), "application/json".to_owned())],
                body: None,
            })
        })
        .collect()
}

fn invalid(resp: &HttpResponse, why: &'static str) -> Error {
    Error::new(ErrorCode::MetadataInvalid, why).with_status(resp.status).with_request_id(resp.request_id())
}

const WRONG_TYPE: &str = "the server metadata has a member of the wrong type (RFC 8414 §2)";

/// Checks a metadata response for `issuer`: status 200, a JSON object, `issuer` exactly the
/// configured value ([`ErrorCode::MetadataIssuerMismatch`] otherwise: no trailing-slash or case
/// folding), a `token_endpoint`, every endpoint `https` (or `http` on loopback), list members
/// arrays of strings, the RFC 9207 and RFC 9126 §5 flags booleans. Unknown members are ignored.
pub fn parse_metadata(issuer: &str, resp: &HttpResponse) -> Result<ServerMetadata> {
    if resp.status != 200 {
        return Err(invalid(resp, "no server metadata was found for the issuer (see the status)"));
    }
    let obj = json::object(&resp.body).ok_or_else(|| invalid(resp, "the server metadata is not a JSON object"))?;
    match json::string(&obj, "issuer") {
        Ok(Some(got)) if got == issuer => {}
        Ok(Some(_)) => {
            return Err(Error::new(ErrorCode::MetadataIssuerMismatch, "the server metadata names another issuer: it is not used (RFC 8414 §3.3)")
                .with_status(resp.status))
        }
        _ => return Err(invalid(resp, "the server metadata has no issuer")),
    }
    let mut urls: [Option<String>; 5] = Default::default();
    let url_keys = ["authorization_endpoint", "token_endpoint", "jwks_uri", "revocation_endpoint", "pushed_authorization_request_endpoint"];
    for (slot, key) in urls.iter_mut().zip(url_keys) {
        *slot = endpoint(&obj, key).map_err(|why| invalid(resp, why))?;
    }
    let mut lists: [Vec<String>; 4] = Default::default();
    let list_keys = ["scopes_supported", "token_endpoint_auth_methods_supported", "code_challenge_methods_supported", "id_token_signing_alg_values_supported"];
    for (slot, key) in lists.iter_mut().zip(list_keys) {
        *slot = json::strings(&obj, key, false).map_err(|()| invalid(resp, WRONG_TYPE))?;
    }
    let dpop_signing_alg_values_supported = json::strings(&obj, "dpop_signing_alg_values_supported", false).map_err(|()| invalid(resp, WRONG_TYPE))?;
    let iss_supported = json::boolean(&obj, "authorization_response_iss_parameter_supported").map_err(|()| invalid(resp, WRONG_TYPE))?;
    let require_par = json::boolean(&obj, "require_pushed_authorization_requests").map_err(|()| invalid(resp, WRONG_TYPE))?;
    let [authorization_endpoint, token_endpoint, jwks_uri, revocation_endpoint, pushed_authorization_request_endpoint] = urls;
    let [scopes_supported, token_endpoint_auth_methods_supported, code_challenge_methods_supported, id_token_signing_alg_values_supported] = lists;
    Ok(ServerMetadata {
        issuer: issuer.to_owned(),
        authorization_endpoint,
        token_endpoint: token_endpoint.ok_or_else(|| invalid(resp, "the server metadata has no token_endpoint"))?,
        jwks_uri,
        revocation_endpoint,
        scopes_supported,
        token_endpoint_auth_methods_supported,
        code_challenge_methods_supported,
        authorization_response_iss_parameter_supported: iss_supported.unwrap_or(false),
        id_token_signing_alg_values_supported,
        pushed_authorization_request_endpoint,
        require_pushed_authorization_requests: require_par.unwrap_or(false),
        dpop_signing_alg_values_supported,
    })
}

/// An endpoint member: absent, or an `https` URL (`http` on loopback).
fn endpoint(obj: &json::Object, key: &str) -> std::result::Result<Option<String>, &'static str> {
    match json::string(obj, key) {
        Ok(None) => Ok(None),
        Ok(Some(u)) if Endpoint::parse(u, false).is_ok() => Ok(Some(u.to_owned())),
        Ok(Some(_)) => Err("the server metadata has an endpoint that is not an https URL"),
        Err(()) => Err(WRONG_TYPE),
    }
}

impl ServerMetadata {
    /// What the client knows of the server from this document: the issuer, RFC 9207 required
    /// when advertised, the revocation endpoint and JWKS.
    pub fn auth_server(&self) -> Result<AuthServer> {
        let optional = |u: &Option<String>| u.as_deref().map(|u| Endpoint::parse(u, false)).transpose();
        Ok(AuthServer {
            issuer: Some(AuthServer::check_issuer(&self.issuer)?.to_owned()),
            require_iss: self.authorization_response_iss_parameter_supported,
            revocation_endpoint: optional(&self.revocation_endpoint)?,
            jwks_uri: optional(&self.jwks_uri)?,
        })
    }

    /// The client authentication method to use with a secret: `client_secret_basic` when the
    /// server lists it or lists nothing (RFC 8414 §2's default), else `client_secret_post` when
    /// listed, else `None` (the server takes neither).
    pub fn secret_auth_method(&self) -> Option<&'static str> {
        let listed = |m: &str| self.token_endpoint_auth_methods_supported.iter().any(|x| x == m);
        if self.token_endpoint_auth_methods_supported.is_empty() || listed("client_secret_basic") {
            Some("client_secret_basic")
        } else if listed("client_secret_post") {
            Some("client_secret_post")
        } else {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resp(status: u16, body: &str) -> HttpResponse {
        HttpResponse::new(status, vec![("content-type".into(), "application/json".into())], body)
    }

    #[test]
    fn well_known_locations() {
        let url = |i, k| metadata_url(i, k).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(url("https://as.example", MetadataKind::OAuth), "https://as.example/.well-known/oauth-authorization-server");
        assert_eq!(url("https://as.example/", MetadataKind::OAuth), "https://as.example/.well-known/oauth-authorization-server");
        assert_eq!(url("https://as.example/tenant/a", MetadataKind::OAuth), "https://as.example/.well-known/oauth-authorization-server/tenant/a");
        assert_eq!(url("https://as.example/tenant/", MetadataKind::OAuth), "https://as.example/.well-known/oauth-authorization-server/tenant");
        assert_eq!(url("https://as.example/tenant/", MetadataKind::OpenId), "https://as.example/tenant/.well-known/openid-configuration");
        assert_eq!(url("http://127.0.0.1:9/t", MetadataKind::OpenId), "http://127.0.0.1:9/t/.well-known/openid-configuration");
        assert_eq!(metadata_url("https://as.example?x", MetadataKind::OAuth).map_err(|e| e.code()), Err(ErrorCode::InvalidConfig));
        let reqs = metadata_requests("https://as.example/t").unwrap_or_default();
        assert_eq!(reqs.iter().map(|r| r.url.as_str()).collect::<Vec<_>>().len(), 2);
    }

    #[test]
    fn issuer_must_match_exactly() {
        let body =
            |iss: &str| format!(r#"{{"issuer":"{iss}","token_endpoint":"https://as.example/token","authorization_response_iss_parameter_supported":true}}"#);
        let m = parse_metadata("https://as.example", &resp(200, &body("https://as.example"))).unwrap_or_else(|e| panic!("{e}"));
        assert!(m.authorization_response_iss_parameter_supported);
        assert_eq!(m.auth_server().map(|s| s.require_iss).ok(), Some(true));
        for other in ["https://as.example/", "https://AS.example", "https://evil.example"] {
            assert_eq!(parse_metadata("https://as.example", &resp(200, &body(other))).map_err(|e| e.code()), Err(ErrorCode::MetadataIssuerMismatch), "{other}");
        }
    }

    #[test]
    fn documents_that_cannot_be_used() {
        let code = |status, body: &str| parse_metadata("https://as.example", &resp(status, body)).map(|_| ()).map_err(|e| e.code());
        assert_eq!(code(404, "{}"), Err(ErrorCode::MetadataInvalid));
        assert_eq!(code(200, "<html>"), Err(ErrorCode::MetadataInvalid));
        assert_eq!(code(200, r#"{"issuer":"https://as.example"}"#), Err(ErrorCode::MetadataInvalid), "no token endpoint");
        assert_eq!(code(200, r#"{"issuer":"https://as.example","token_endpoint":"http://as.example/token"}"#), Err(ErrorCode::MetadataInvalid));
        assert_eq!(
            code(200, r#"{"issuer":"https://as.example","token_endpoint":"https://as.example/t","scopes_supported":"openid"}"#),
            Err(ErrorCode::MetadataInvalid)
        );
        assert_eq!(
            code(200, r#"{"issuer":"https://as.example","token_endpoint":"https://as.example/t","authorization_response_iss_parameter_supported":"yes"}"#),
            Err(ErrorCode::MetadataInvalid)
        );
        assert_eq!(code(200, r#"{"issuer":"https://as.example","token_endpoint":"https://as.example/t","x":[1]}"#), Ok(()));
        assert_eq!(
            code(
                200,
                r#"{"issuer":"https://as.example","token_endpoint":"https://as.example/t","pushed_authorization_request_endpoint":"http://as.example/par"}"#
            ),
            Err(ErrorCode::MetadataInvalid)
        );
        assert_eq!(
            code(200, r#"{"issuer":"https://as.example","token_endpoint":"https://as.example/t","require_pushed_authorization_requests":"true"}"#),
            Err(ErrorCode::MetadataInvalid)
        );
    }

    #[test]
    fn pushed_authorization_members() {
        // RFC 9126 §5
        let body = r#"{"issuer":"https://as.example","token_endpoint":"https://as.example/t","pushed_authorization_request_endpoint":"https://as.example/par","require_pushed_authorization_requests":true}"#;
        let m = parse_metadata("https://as.example", &resp(200, body)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((m.pushed_authorization_request_endpoint.as_deref(), m.require_pushed_authorization_requests), (Some("https://as.example/par"), true));
        let m = parse_metadata("https://as.example", &resp(200, r#"{"issuer":"https://as.example","token_endpoint":"https://as.example/t"}"#));
        assert_eq!(m.map(|m| (m.pushed_authorization_request_endpoint, m.require_pushed_authorization_requests)).ok(), Some((None, false)));
    }

    #[test]
    fn auth_method_from_the_list() {
        let m = |l: &[&str]| ServerMetadata { token_endpoint_auth_methods_supported: l.iter().map(|s| (*s).to_owned()).collect(), ..Default::default() };
        assert_eq!(m(&[]).secret_auth_method(), Some("client_secret_basic"));
        assert_eq!(m(&["client_secret_post", "private_key_jwt"]).secret_auth_method(), Some("client_secret_post"));
        assert_eq!(m(&["private_key_jwt"]).secret_auth_method(), None);
    }
}
