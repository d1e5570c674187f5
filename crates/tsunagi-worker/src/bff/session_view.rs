//! What a session shows and how long it lasts: the `/session` view of a token set (identity and
//! expiries, never a token) and a session's end from the token sets it holds.

use tsunagi_core::json::{Json, JsonObject};
use tsunagi_core::jwt::decode_claims_unverified;
use tsunagi_core::time::Timestamp;
use tsunagi_core::token_set::TokenSet;

/// When a session holding these token sets ends: the latest refresh-token expiry (a set without
/// a refresh token lives as long as its access token). `None` if nothing is held.
pub fn session_expiry<'a>(sets: impl IntoIterator<Item = &'a TokenSet>) -> Option<Timestamp> {
    sets.into_iter().filter_map(|t| if t.refresh_token.is_some() { t.refresh_expires_at } else { t.expires_at }).max()
}

/// What `/session` shows for one provider: who, decoded claims (LawVu JWTs), expiries — never a
/// token. Only the documented identity fields of the token response are copied.
pub fn session_view(tokens: &TokenSet) -> JsonObject {
    let mut v = JsonObject::new();
    if let Ok(claims) = decode_claims_unverified(tokens.access_token.secret()) {
        let mut c = JsonObject::new();
        for key in ["sub", "name", "organisationId", "email", "exp", "iat", "client_id"] {
            if let Some(val) = claims.raw.get(key) {
                c.insert(key, val.clone());
            }
        }
        v.insert("claims", c);
    }
    for key in ["userName", "userId", "emailDomain"] {
        if let Some(val) = tokens.extra.get_str(key) {
            v.insert(key, val);
        }
    }
    let ms = |t: Option<Timestamp>| t.map_or(Json::Null, |t| Json::from(t.as_millis()));
    v.insert("access_expires_at", ms(tokens.expires_at));
    v.insert("refresh_expires_at", ms(tokens.refresh_expires_at));
    v.insert("scope", tokens.scope.as_deref().map_or(Json::Null, Json::from));
    // fingerprints (8 hex characters of SHA-256) let a page show rotation without the tokens
    v.insert("access_fingerprint", tokens.access_token.fingerprint());
    v.insert("refresh_fingerprint", tokens.refresh_token.as_ref().map_or(Json::Null, |r| Json::from(r.fingerprint())));
    // a DPoP-bound set (RFC 9449 §5: `token_type` `DPoP`) says so; a Bearer set's view is unchanged
    if tsunagi_core::dpop::is_dpop_token_type(&tokens.token_type) {
        v.insert("dpop_bound", true);
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};
    use tsunagi_core::base64url;
    use tsunagi_core::secret::{AccessToken, RefreshToken};

    fn set(at: &str) -> TokenSet {
        TokenSet {
            access_token: AccessToken::new(at),
            token_type: "Bearer".into(),
            issued_at: Timestamp::from_secs(0),
            expires_at: Some(Timestamp::from_secs(3600)),
            refresh_token: Some(RefreshToken::new("rt-secret")),
            refresh_expires_at: Some(Timestamp::from_secs(86_400)),
            scope: None,
            api_base_url: None,
            extra: tsunagi_core::json::JsonObject::new(),
            grant: tsunagi_core::token_set::TokenGrant::User,
        }
    }

    #[test]
    fn session_ends_with_its_last_grant() {
        let held = set("at-2");
        let mut no_refresh = set("x");
        no_refresh.refresh_token = None;
        assert_eq!(session_expiry([&held, &no_refresh]), Some(Timestamp::from_secs(86_400)));
        assert_eq!(session_expiry([&no_refresh]), Some(Timestamp::from_secs(3600)));
        assert_eq!(session_expiry(std::iter::empty()), None);
    }

    #[test]
    fn a_dpop_bound_set_says_so() {
        let mut t = set("at");
        assert_eq!(session_view(&t).get("dpop_bound"), None);
        t.token_type = "DPoP".into();
        assert_eq!(session_view(&t).get("dpop_bound"), Some(&Json::Bool(true)));
    }

    #[test]
    fn session_view_never_shows_tokens() {
        // LawVu's documented JWT example payload
        let jwt = format!("e30.{}.sig", base64url::encode(br#"{"sub":"user-id-123","name":"Jane Smith","organisationId":"org-id-456","exp":1}"#));
        let mut t = set(&jwt);
        t.extra.insert("userName", "Jane Smith");
        t.extra.insert("id_token", "secret-id-token");
        let v = Json::from(session_view(&t)).to_json(tsunagi_core::json::Escape::Minimal);
        assert!(v.contains("Jane Smith") && v.contains("org-id-456") && v.contains("3600000"), "{v}");
        for secret in [jwt.as_str(), "rt-secret", "secret-id-token"] {
            assert!(!v.contains(secret), "{secret} leaked in {v}");
        }
        let parsed: Value = serde_json::from_str(&v).unwrap_or_default();
        assert_eq!(parsed["refresh_fingerprint"], json!(RefreshToken::new("rt-secret").fingerprint()));
        assert_eq!(parsed["access_fingerprint"], json!(AccessToken::new(&jwt).fingerprint()));
        assert_eq!(parsed["refresh_fingerprint"].as_str().map(str::len), Some(8));
    }
}
