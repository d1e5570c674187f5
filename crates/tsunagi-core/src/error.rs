//! The one error type of tsunagi and its stable string codes.
//!
//! Every failure, from a bad configuration to a provider's refusal, is an [`Error`] carrying an
//! [`ErrorCode`] whose string form never changes between versions, plus what is known of the HTTP
//! exchange (status, `X-Request-Id`, a scrubbed body excerpt). No field ever holds a secret.

use crate::time::Timestamp;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

macro_rules! error_codes {
    ($( $(#[$doc:meta])* $variant:ident = $text:literal, )*) => {
        /// Stable, documented error codes. The string form (`as_str`) is part of the public API:
        /// it is what the JS package exposes as `TsunagiError.code` and what the Worker returns.
        /// `Display` (`{code}`, `to_string()`) writes that string form; `Debug` the variant name.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum ErrorCode {
            $( $(#[$doc])* $variant, )*
        }

        impl ErrorCode {
            /// Every code, in declaration order (for documentation and exhaustive tests).
            pub const ALL: &'static [ErrorCode] = &[ $( ErrorCode::$variant, )* ];

            /// The stable string form of the code.
            pub const fn as_str(self) -> &'static str {
                match self { $( ErrorCode::$variant => $text, )* }
            }

            /// The code whose string form is `s`, if any.
            pub fn parse(s: &str) -> Option<ErrorCode> {
                match s { $( $text => Some(ErrorCode::$variant), )* _ => None }
            }
        }
    };
}

error_codes! {
    // --- configuration and caller input ---------------------------------------------------
    /// The client configuration is incomplete or contradictory (e.g. LegalOn without credentials).
    InvalidConfig = "invalid_config",
    /// A redirect URI breaks the profile's rules (relative, fragment, plain HTTP off loopback…).
    InvalidRedirectUri = "invalid_redirect_uri",
    /// An endpoint URL is not an absolute `https` URL (or `http` on loopback).
    InvalidEndpoint = "invalid_endpoint",
    /// A caller-supplied parameter is malformed or collides with a reserved OAuth parameter.
    InvalidParameter = "invalid_parameter",
    /// A URL given to a parser is not an absolute URL.
    InvalidUrl = "invalid_url",
    /// The operation is not offered by this provider (e.g. an authorization URL for LegalOn).
    UnsupportedOperation = "unsupported_operation",

    // --- callback (RFC 6749 §4.1.2, §10.12) ------------------------------------------------
    /// The callback carries no `state` although one was sent.
    StateMissing = "state_missing",
    /// The callback's `state` differs from the one sent: possible CSRF, nothing was exchanged.
    StateMismatch = "state_mismatch",
    /// The callback has neither `code` nor `error`, or repeats a parameter (RFC 6749 §3.1).
    CallbackInvalid = "callback_invalid",

    /// RFC 9207 §2.4: the authorization response has no `iss` although the server sends one
    /// (it advertises `authorization_response_iss_parameter_supported`, or the configuration says so).
    IssuerMissing = "issuer_missing",
    /// RFC 9207 §2.4: the authorization response's `iss` is not the configured issuer: a possible
    /// mix-up attack; the code was not exchanged.
    IssuerMismatch = "issuer_mismatch",

    // --- OAuth error responses (RFC 6749 §4.1.2.1 and §5.2) --------------------------------
    /// RFC 6749 §5.2 `invalid_request`.
    InvalidRequest = "invalid_request",
    /// RFC 6749 §5.2 `invalid_client`.
    InvalidClient = "invalid_client",
    /// RFC 6749 §5.2 `invalid_grant`.
    InvalidGrant = "invalid_grant",
    /// RFC 6749 §5.2 `unauthorized_client`.
    UnauthorizedClient = "unauthorized_client",
    /// RFC 6749 §5.2 `unsupported_grant_type`.
    UnsupportedGrantType = "unsupported_grant_type",
    /// RFC 6749 §5.2 `invalid_scope`.
    InvalidScope = "invalid_scope",
    /// RFC 6749 §4.1.2.1 `access_denied`: the user declined consent.
    AccessDenied = "access_denied",
    /// RFC 6749 §4.1.2.1 `unsupported_response_type`.
    UnsupportedResponseType = "unsupported_response_type",
    /// RFC 6749 §4.1.2.1 `server_error`.
    ServerError = "server_error",
    /// RFC 6749 §4.1.2.1 `temporarily_unavailable`.
    TemporarilyUnavailable = "temporarily_unavailable",
    /// The redirect URI differs from the one used at the authorize step (Logiless
    /// `redirect_uri_mismatch`; LawVu "Supplied redirect URI doesn't match the one used for
    /// authorize endpoint").
    RedirectUriMismatch = "redirect_uri_mismatch",
    /// The server sent an `error` value this crate does not know; see [`Error::oauth_error`].
    OAuthError = "oauth_error",

    // --- LawVu's documented messages (lawvu-authentication.txt, "Handling errors") --------
    /// LawVu: "Required parameter missing from request url: redirect_uri".
    MissingRedirectUriInUrl = "missing_redirect_uri_in_url",
    /// LawVu: "Required parameter missing from request url: client_id".
    MissingClientIdInUrl = "missing_client_id_in_url",
    /// LawVu: "Supplied parameter does not match a whitelisted value: redirect_uri".
    RedirectUriNotWhitelisted = "redirect_uri_not_whitelisted",
    /// LawVu: "Required parameter missing from request body: grant_type".
    MissingGrantType = "missing_grant_type",
    /// LawVu: "Required parameter missing from request body: client_id".
    MissingClientId = "missing_client_id",
    /// LawVu: "Required parameter missing from request body: code".
    MissingCode = "missing_code",
    /// LawVu: "Supplied authorization_code is not valid or has expired".
    AuthorizationCodeInvalid = "authorization_code_invalid",
    /// LawVu: "Client is not valid: \"{client_id}\"".
    ClientNotValid = "client_not_valid",
    /// LawVu: "Supplied parameter is not correct: client_secret".
    ClientSecretIncorrect = "client_secret_incorrect",
    /// LawVu: "Refresh token is not valid" (unknown, revoked or already spent): authorize again.
    RefreshTokenInvalid = "refresh_token_invalid",
    /// LawVu: "Supplied refresh_token expired at '{utc_time}'" (time in
    /// [`Error::refresh_expired_at`]), or a refresh token known locally to be past its lifetime:
    /// authorize again.
    RefreshTokenExpired = "refresh_token_expired",

    // --- token responses --------------------------------------------------------------------
    /// A token response could not be understood (not JSON, no `access_token`, wrong types).
    TokenResponseInvalid = "token_response_invalid",
    /// The token response names a `token_type` other than `Bearer` (RFC 6750).
    UnsupportedTokenType = "unsupported_token_type",
    /// There is no usable token and no way to get one without the user: authorize again.
    LoginRequired = "login_required",

    // --- JWT claims (decoded without verification) ----------------------------------------
    /// A JWT does not have three dot-separated segments.
    JwtMalformed = "jwt_malformed",
    /// A JWT segment is not base64url.
    JwtInvalidBase64 = "jwt_invalid_base64",
    /// A JWT payload is not UTF-8.
    JwtInvalidUtf8 = "jwt_invalid_utf8",
    /// A JWT payload is not JSON.
    JwtInvalidJson = "jwt_invalid_json",
    /// A JWT payload is JSON but not an object.
    JwtNotObject = "jwt_not_object",

    // --- server metadata (RFC 8414, OpenID Connect Discovery 1.0) -----------------------------
    /// The metadata document could not be used: not a JSON object, a required member missing or
    /// of the wrong type, or an endpoint that is not `https`.
    MetadataInvalid = "metadata_invalid",
    /// The metadata's `issuer` is not exactly the configured issuer (RFC 8414 §3.3, OIDC
    /// Discovery §4.3): the document is not used.
    MetadataIssuerMismatch = "metadata_issuer_mismatch",
    /// A pushed authorization request endpoint's answer could not be used (RFC 9126 §2.2): a
    /// success other than `201 Created`, or no `request_uri` string or positive integer `expires_in`.
    ParResponseInvalid = "par_response_invalid",

    // --- OpenID Connect id_token (OIDC Core §3.1.3.7) ----------------------------------------
    /// `openid` was requested but the token response has no `id_token`.
    IdTokenMissing = "id_token_missing",
    /// The id_token is malformed or a claim check failed (`iss`, `aud`, `azp`, `iat`, `typ`, `sub`).
    IdTokenInvalid = "id_token_invalid",
    /// The id_token's `exp` has passed (beyond the leeway).
    IdTokenExpired = "id_token_expired",
    /// The id_token's `nonce` is not the one stored with the request's `state` (replay or mix-up).
    NonceMismatch = "nonce_mismatch",
    /// The id_token's signature does not verify with the issuer's key.
    IdTokenSignatureInvalid = "id_token_signature_invalid",
    /// The id_token's `alg` is not one tsunagi verifies (RS256, PS256, ES256, EdDSA; never `none`
    /// or an HMAC), or the runtime's WebCrypto lacks it.
    UnsupportedAlgorithm = "unsupported_algorithm",
    /// The issuer's JWKS (RFC 7517) is not a JSON object with a `keys` array.
    JwksInvalid = "jwks_invalid",
    /// No key of the issuer's JWKS fits the id_token (`kid`, `kty`, `alg`), even after refetching
    /// the JWKS once.
    JwkNotFound = "jwk_not_found",

    // --- API calls and transport ------------------------------------------------------------
    /// HTTP 401 from an API after the one allowed refresh (RFC 6750 §3.1 `invalid_token`).
    Unauthorized = "unauthorized",
    /// HTTP 403 from an API.
    Forbidden = "forbidden",
    /// HTTP 423 from an API (Logiless: the resource is locked).
    Locked = "locked",
    /// HTTP 429: rate limited; [`Error::retry_after_ms`] says how long to wait when known.
    RateLimited = "rate_limited",
    /// Logiless `{"code":400,"message":"Validation Failed","errors":{…}}`.
    ValidationFailed = "validation_failed",
    /// An RFC 9457 problem document (`application/problem+json`) not covered by another code.
    Problem = "problem",
    /// Any other unexpected HTTP status below 500.
    HttpError = "http_error",
    /// The upstream answered 5xx.
    UpstreamError = "upstream_error",
    /// The request never got an HTTP answer (network failure, connection closed).
    Transport = "transport",
    /// The request or the body read took longer than allowed.
    Timeout = "timeout",
    /// A body was larger than the configured bound.
    BodyTooLarge = "body_too_large",

    // --- backend-for-frontend (the Worker, `bff` module) --------------------------------------
    /// The request's `Origin` is not in the allowlist (`ALLOWED_ORIGINS`): nothing was done.
    ForbiddenOrigin = "forbidden_origin",
    /// The request lacks the anti-CSRF header `X-Tsunagi: 1`: nothing was done.
    CsrfHeaderMissing = "csrf_header_missing",
    /// No valid session: cookie absent, forged, expired, logged out, or not signed in to that provider.
    SessionMissing = "session_missing",
    /// A secret or setting the route needs is not configured (e.g. `LAWVU_CLIENT_SECRET`).
    ConfigMissing = "config_missing",
    /// No such route.
    NotFound = "not_found",
    /// The route exists but not for this HTTP method.
    MethodNotAllowed = "method_not_allowed",
    /// The Worker's access rules keep this method off this provider's API (least privilege, RFC
    /// 10017 §6.1; a connection's `access.methods`, default `GET`, `HEAD`): nothing was forwarded.
    MethodRefused = "method_refused",
    /// The Worker's access rules keep this session off this provider's API: a client-credentials
    /// connection serves only sessions signed in to the connections its `allowed_for` names
    /// (default: none). Nothing was forwarded.
    ConnectionNotAllowed = "connection_not_allowed",
    /// The Worker's access rules keep this path off this connection's API (its `access.paths`
    /// prefixes, docs/configuration.md): nothing was forwarded.
    PathRefused = "path_refused",
    /// A connection in the Worker's configuration (`TSUNAGI_CONNECTIONS`) is invalid; the message
    /// names the connection and the field. Only that connection's routes fail.
    ConfigInvalid = "config_invalid",
    /// An admin route of the Worker without the administrator's secret (`X-Tsunagi-Admin`, the
    /// `ADMIN_TOKEN` secret): nothing was done.
    AdminUnauthorized = "admin_unauthorized",
    /// The connection's tokens are DPoP-bound (RFC 9449) to a key that never leaves the Worker:
    /// the broker does not hand out such an access token (useless without the key's proofs); its
    /// API is called through the broker's `fetchApi`, which adds them.
    TokenBound = "token_bound",
}

/// The stable string form ([`ErrorCode::as_str`]).
impl Serialize for ErrorCode {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// From the stable string form; an unknown code is an error.
impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        ErrorCode::parse(&s).ok_or_else(|| serde::de::Error::custom("unknown error code"))
    }
}

/// The stable string form ([`ErrorCode::as_str`]), e.g. `invalid_parameter`.
impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl ErrorCode {
    /// The code for an RFC 6749 `error` value (§4.1.2.1, §5.2, plus Logiless'
    /// `redirect_uri_mismatch`), or `None` for values outside the standard set.
    pub fn from_oauth_error(value: &str) -> Option<ErrorCode> {
        Some(match value {
            "invalid_request" => ErrorCode::InvalidRequest,
            "invalid_client" => ErrorCode::InvalidClient,
            "invalid_grant" => ErrorCode::InvalidGrant,
            "unauthorized_client" => ErrorCode::UnauthorizedClient,
            "unsupported_grant_type" => ErrorCode::UnsupportedGrantType,
            "invalid_scope" => ErrorCode::InvalidScope,
            "access_denied" => ErrorCode::AccessDenied,
            "unsupported_response_type" => ErrorCode::UnsupportedResponseType,
            "server_error" => ErrorCode::ServerError,
            "temporarily_unavailable" => ErrorCode::TemporarilyUnavailable,
            "redirect_uri_mismatch" => ErrorCode::RedirectUriMismatch,
            _ => return None,
        })
    }

    /// Whether the only way forward is a new interactive authorization (the stored grant is gone).
    pub const fn requires_reauthorization(self) -> bool {
        matches!(self, ErrorCode::InvalidGrant | ErrorCode::RefreshTokenInvalid | ErrorCode::RefreshTokenExpired | ErrorCode::LoginRequired)
    }
}

/// A tsunagi error: a stable [`ErrorCode`], a human-readable message and what is known of the
/// HTTP exchange. Guarantees: no field contains a client secret, credentials value, code or
/// token; server-provided text is scrubbed of token-shaped fields and bounded in length.
#[derive(Clone, PartialEq, Eq)]
pub struct Error(Box<Details>);

#[derive(Clone, PartialEq, Eq)]
struct Details {
    code: ErrorCode,
    message: String,
    status: Option<u16>,
    request_id: Option<String>,
    oauth_error: Option<String>,
    description: Option<String>,
    error_uri: Option<String>,
    body_excerpt: Option<String>,
    refresh_expired_at: Option<Timestamp>,
    retry_after_ms: Option<u64>,
}

/// Every field of an [`Error`], named as the npm package's `TsunagiError` names them (camelCase):
/// the one shape an error has wherever it crosses a boundary — wasm to JavaScript (`src/js`), a
/// Durable Object to the Worker. Only values the core already scrubbed and bounded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorFields {
    /// [`Error::code`].
    pub code: ErrorCode,
    /// [`Error::message`].
    pub message: String,
    /// [`Error::status`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// [`Error::request_id`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// [`Error::oauth_error`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oauth_error: Option<String>,
    /// [`Error::description`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// [`Error::error_uri`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_uri: Option<String>,
    /// [`Error::body_excerpt`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_excerpt: Option<String>,
    /// [`Error::refresh_expired_at`], ms since the epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_expired_at: Option<u64>,
    /// [`Error::retry_after_ms`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_ms: Option<u64>,
    /// [`Error::requires_reauthorization`] (derived from the code; ignored when read back).
    #[serde(default)]
    pub requires_reauthorization: bool,
}

impl ErrorFields {
    /// The fields as compact JSON text, byte-identical to their serde form (same names, same order,
    /// absent fields left out), written by the core's own writer so the browser build needs no
    /// serde_json.
    pub fn to_json(&self) -> String {
        let mut w = crate::json::ObjectWriter::new();
        w.str("code", self.code.as_str()).str("message", &self.message).opt_u64("status", self.status.map(u64::from));
        w.opt_str("requestId", self.request_id.as_deref()).opt_str("oauthError", self.oauth_error.as_deref());
        w.opt_str("description", self.description.as_deref()).opt_str("errorUri", self.error_uri.as_deref());
        w.opt_str("bodyExcerpt", self.body_excerpt.as_deref()).opt_u64("refreshExpiredAt", self.refresh_expired_at);
        w.opt_u64("retryAfterMs", self.retry_after_ms).bool("requiresReauthorization", self.requires_reauthorization);
        w.finish()
    }

    /// Reads [`Self::to_json`]'s object back with the core's reader (the Worker reads its
    /// objects' errors so, without serde_json). `None` when `code` or `message` is missing, the
    /// code is unknown, or a member has the wrong type (absent and `null` are `None`).
    pub fn from_object(o: &crate::json::JsonObject) -> Option<ErrorFields> {
        use crate::json::Json;
        let s = |name: &str| match o.get(name) {
            None | Some(Json::Null) => Ok(None),
            Some(Json::String(v)) => Ok(Some(v.clone())),
            Some(_) => Err(()),
        };
        let n = |name: &str| match o.get(name) {
            None | Some(Json::Null) => Ok(None),
            Some(v) => v.as_u64().map(Some).ok_or(()),
        };
        Some(ErrorFields {
            code: ErrorCode::parse(o.get_str("code")?)?,
            message: o.get_str("message")?.to_owned(),
            status: n("status").ok()?.map(u16::try_from).transpose().ok()?,
            request_id: s("requestId").ok()?,
            oauth_error: s("oauthError").ok()?,
            description: s("description").ok()?,
            error_uri: s("errorUri").ok()?,
            body_excerpt: s("bodyExcerpt").ok()?,
            refresh_expired_at: n("refreshExpiredAt").ok()?,
            retry_after_ms: n("retryAfterMs").ok()?,
            requires_reauthorization: match o.get("requiresReauthorization") {
                None => false,
                Some(v) => v.as_bool()?,
            },
        })
    }
}

impl Error {
    /// The error's fields, to send across a boundary.
    pub fn fields(&self) -> ErrorFields {
        let d = &self.0;
        ErrorFields {
            code: d.code,
            message: d.message.clone(),
            status: d.status,
            request_id: d.request_id.clone(),
            oauth_error: d.oauth_error.clone(),
            description: d.description.clone(),
            error_uri: d.error_uri.clone(),
            body_excerpt: d.body_excerpt.clone(),
            refresh_expired_at: d.refresh_expired_at.map(Timestamp::as_millis),
            retry_after_ms: d.retry_after_ms,
            requires_reauthorization: self.requires_reauthorization(),
        }
    }

    /// An error received as [`ErrorFields`], bounded and scrubbed again (a receiver trusts no
    /// sender to have done it).
    pub fn from_fields(f: ErrorFields) -> Self {
        let mut e = Error::new(f.code, f.message)
            .with_request_id(f.request_id)
            .with_oauth_error(f.oauth_error)
            .with_description(f.description)
            .with_error_uri(f.error_uri)
            .with_refresh_expired_at(f.refresh_expired_at.map(Timestamp::from_millis))
            .with_retry_after_ms(f.retry_after_ms);
        if let Some(excerpt) = f.body_excerpt {
            e = e.with_body_excerpt(&excerpt);
        }
        if let Some(status) = f.status {
            e = e.with_status(status);
        }
        e
    }

    /// A new error with a code and a message written by tsunagi (never secret-bearing).
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Error(Box::new(Details {
            code,
            message: message.into(),
            status: None,
            request_id: None,
            oauth_error: None,
            description: None,
            error_uri: None,
            body_excerpt: None,
            refresh_expired_at: None,
            retry_after_ms: None,
        }))
    }

    /// The HTTP status of the exchange that failed (a runtime rebuilding an error it passed on).
    pub fn with_status(mut self, status: u16) -> Self {
        self.0.status = Some(status);
        self
    }
    /// The provider's request id (bounded to 128 characters).
    pub fn with_request_id(mut self, id: Option<String>) -> Self {
        self.0.request_id = id.map(|s| crate::scrub::bound(&s, 128));
        self
    }
    pub(crate) fn with_oauth_error(mut self, value: Option<String>) -> Self {
        self.0.oauth_error = value.map(|s| crate::scrub::bound(&s, 128));
        self
    }
    /// The provider's description, scrubbed of token-shaped values and bounded.
    pub fn with_description(mut self, value: Option<String>) -> Self {
        self.0.description = value.map(|s| crate::scrub::scrub_text(&s, 512));
        self
    }
    pub(crate) fn with_error_uri(mut self, value: Option<String>) -> Self {
        self.0.error_uri = value.map(|s| crate::scrub::bound(&s, 512));
        self
    }
    pub(crate) fn with_body_excerpt(mut self, body: &str) -> Self {
        let excerpt = crate::scrub::scrub_text(body, 512);
        self.0.body_excerpt = if excerpt.is_empty() { None } else { Some(excerpt) };
        self
    }
    pub(crate) fn with_refresh_expired_at(mut self, at: Option<Timestamp>) -> Self {
        self.0.refresh_expired_at = at;
        self
    }
    /// How long to wait before retrying (a 429).
    pub fn with_retry_after_ms(mut self, ms: Option<u64>) -> Self {
        self.0.retry_after_ms = ms;
        self
    }

    /// The stable code.
    pub fn code(&self) -> ErrorCode {
        self.0.code
    }
    /// tsunagi's own explanation of what went wrong and what to do.
    pub fn message(&self) -> &str {
        &self.0.message
    }
    /// The HTTP status of the response that caused this error, when there was one.
    pub fn status(&self) -> Option<u16> {
        self.0.status
    }
    /// The provider's `X-Request-Id`, to quote to its support (LegalOn recommends logging it).
    pub fn request_id(&self) -> Option<&str> {
        self.0.request_id.as_deref()
    }
    /// The raw `error` value the server sent (RFC 6749 §5.2), even when it is non-standard.
    pub fn oauth_error(&self) -> Option<&str> {
        self.0.oauth_error.as_deref()
    }
    /// The server's own description (`error_description`, problem `detail`, plain-text body).
    pub fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// RFC 6749 §5.2 `error_uri`, or an RFC 9457 problem `type`.
    pub fn error_uri(&self) -> Option<&str> {
        self.0.error_uri.as_deref()
    }
    /// A bounded excerpt of the response body with token-shaped values replaced by `[redacted]`.
    pub fn body_excerpt(&self) -> Option<&str> {
        self.0.body_excerpt.as_deref()
    }
    /// For [`ErrorCode::RefreshTokenExpired`]: when the refresh token expired, if the provider said.
    pub fn refresh_expired_at(&self) -> Option<Timestamp> {
        self.0.refresh_expired_at
    }
    /// For [`ErrorCode::RateLimited`]: how long to wait before retrying, if known.
    pub fn retry_after_ms(&self) -> Option<u64> {
        self.0.retry_after_ms
    }
    /// Whether the caller must send the user through authorization again.
    pub fn requires_reauthorization(&self) -> bool {
        self.0.code.requires_reauthorization()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.0.code, self.0.message)?;
        if let Some(status) = self.0.status {
            write!(f, " (HTTP {status})")?;
        }
        if let Some(d) = &self.0.description {
            write!(f, ": {d}")?;
        }
        if let Some(id) = &self.0.request_id {
            write!(f, " [request id {id}]")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Error");
        d.field("code", &self.0.code.as_str()).field("message", &self.0.message);
        if let Some(v) = &self.0.status {
            d.field("status", v);
        }
        if let Some(v) = &self.0.request_id {
            d.field("request_id", v);
        }
        if let Some(v) = &self.0.oauth_error {
            d.field("oauth_error", v);
        }
        if let Some(v) = &self.0.description {
            d.field("description", v);
        }
        if let Some(v) = &self.0.error_uri {
            d.field("error_uri", v);
        }
        if let Some(v) = &self.0.body_excerpt {
            d.field("body_excerpt", v);
        }
        if let Some(v) = &self.0.refresh_expired_at {
            d.field("refresh_expired_at", v);
        }
        if let Some(v) = &self.0.retry_after_ms {
            d.field("retry_after_ms", v);
        }
        d.finish()
    }
}

impl std::error::Error for Error {}

/// `Result` with tsunagi's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_unique_snake_case() {
        let mut seen = std::collections::BTreeSet::new();
        for code in ErrorCode::ALL {
            let s = code.as_str();
            assert!(seen.insert(s), "duplicate code {s}");
            assert_eq!(ErrorCode::parse(s), Some(*code));
            assert!(s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_' || b.is_ascii_digit()));
        }
        assert_eq!(ErrorCode::parse("nope"), None);
    }

    /// Issue 23: a Rust user printing a code (`{code}`, `to_string()`) gets the stable string the
    /// README's table, the JS package and the Worker use, never the variant name.
    #[test]
    fn display_is_the_stable_code() {
        assert_eq!(ErrorCode::InvalidParameter.to_string(), "invalid_parameter");
        assert_eq!(format!("{}", ErrorCode::RefreshTokenExpired), "refresh_token_expired");
        for code in ErrorCode::ALL {
            assert_eq!(code.to_string(), code.as_str());
        }
        // an error's own `Debug` names its code the same way
        assert!(format!("{:?}", Error::new(ErrorCode::InvalidParameter, "x")).contains("\"invalid_parameter\""));
    }

    #[test]
    fn oauth_error_values_map() {
        assert_eq!(ErrorCode::from_oauth_error("invalid_grant"), Some(ErrorCode::InvalidGrant));
        assert_eq!(ErrorCode::from_oauth_error("redirect_uri_mismatch"), Some(ErrorCode::RedirectUriMismatch));
        assert_eq!(ErrorCode::from_oauth_error("weird"), None);
    }

    #[test]
    fn display_includes_code_status_and_request_id() {
        let e = Error::new(ErrorCode::RateLimited, "slow down").with_status(429).with_request_id(Some("req-1".into()));
        assert_eq!(e.to_string(), "rate_limited: slow down (HTTP 429) [request id req-1]");
    }

    #[test]
    fn description_is_scrubbed() {
        let e = Error::new(ErrorCode::HttpError, "x").with_description(Some(r#"{"access_token":"abc.def.ghi"}"#.into()));
        assert!(!format!("{e:?}").contains("abc.def.ghi"));
    }

    /// An error with every optional field set.
    fn every_field(message: &str) -> Error {
        Error::new(ErrorCode::RefreshTokenExpired, message.to_owned())
            .with_status(400)
            .with_request_id(Some("req-1".into()))
            .with_oauth_error(Some("invalid_grant".into()))
            .with_description(Some("Supplied refresh_token expired".into()))
            .with_error_uri(Some("https://as.example/e".into()))
            .with_body_excerpt("{\"error\":\"invalid_grant\"}")
            .with_refresh_expired_at(Some(Timestamp::from_secs(1_700_000_000)))
            .with_retry_after_ms(Some(1500))
    }

    #[test]
    fn fields_cross_a_boundary_and_come_back_the_same() {
        let e = every_field("expired");
        let json = serde_json::to_string(&e.fields()).unwrap_or_default();
        for key in [
            "\"code\":\"refresh_token_expired\"",
            "\"requestId\"",
            "\"oauthError\"",
            "\"errorUri\"",
            "\"bodyExcerpt\"",
            "\"refreshExpiredAt\"",
            "\"retryAfterMs\"",
            "\"requiresReauthorization\":true",
        ] {
            assert!(json.contains(key), "{key} in {json}");
        }
        let back: ErrorFields = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(Error::from_fields(back).fields(), e.fields());
        // an unknown code is refused, not guessed
        assert!(serde_json::from_str::<ErrorFields>(r#"{"code":"made_up","message":"x"}"#).is_err());
        let minimal: ErrorFields = serde_json::from_str(r#"{"code":"transport","message":"x"}"#).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(Error::from_fields(minimal).code(), ErrorCode::Transport);
    }

    #[test]
    fn own_writer_writes_what_serde_writes() {
        let full = every_field("expired \"now\"\n");
        for e in [full, Error::new(ErrorCode::Transport, "x")] {
            assert_eq!(e.fields().to_json(), serde_json::to_string(&e.fields()).unwrap_or_default());
        }
    }

    #[test]
    fn own_reader_reads_what_serde_reads() {
        let read = |text: &str| match crate::json::parse(text) {
            Ok(crate::json::Json::Object(o)) => ErrorFields::from_object(&o),
            _ => None,
        };
        for e in [every_field("expired \"now\""), Error::new(ErrorCode::Transport, "x")] {
            let text = e.fields().to_json();
            assert_eq!(read(&text), serde_json::from_str::<ErrorFields>(&text).ok());
            assert_eq!(read(&text), Some(e.fields()));
        }
        for refused in [r#"{"code":"made_up","message":"x"}"#, r#"{"code":"transport"}"#, r#"{"code":"transport","message":"x","status":70000}"#, "[]"] {
            assert_eq!(read(refused), None, "{refused}");
            assert!(serde_json::from_str::<ErrorFields>(refused).is_err(), "serde refuses {refused} too");
        }
        assert_eq!(read(r#"{"code":"transport","message":"x","status":null}"#).map(|f| f.status), Some(None));
    }
}
