//! The tokens a client holds, with absolute expiry times computed from an injected clock, and the
//! decision of what to do next (use, refresh, re-acquire, or send the user to authorize).
//!
//! A set records the grant that produced it ([`TokenGrant`]): a user's tokens are never replaced
//! by the client's own (client credentials, RFC 6749 §4.4), which act for no user.
//!
//! Expiry uses a leeway (60 s by default, as auth0-spa-js) so a token is never sent in its last
//! seconds, capped at half the token's lifetime so short-lived tokens stay usable.

use crate::json::JsonObject;
use crate::secret::{AccessToken, RefreshToken};
use crate::time::Timestamp;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Default refresh leeway in seconds.
pub const DEFAULT_LEEWAY_SECS: u64 = 60;

/// Whose tokens a [`TokenSet`] holds: the grant that produced it (RFC 6749 §1.3).
/// Stored with the set as `"user"` / `"client_credentials"`; records written before the field
/// existed read as [`TokenGrant::User`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenGrant {
    /// A user's: the authorization-code grant (RFC 6749 §4.1) or a refresh of it (§6).
    #[default]
    User,
    /// The client's own: the client-credentials grant (RFC 6749 §4.4); it acts for no user.
    ClientCredentials,
}

impl TokenGrant {
    /// The name stored and shown to JS: `user` or `client_credentials`.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenGrant::User => "user",
            TokenGrant::ClientCredentials => "client_credentials",
        }
    }

    /// Parses [`TokenGrant::as_str`]'s names.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "user" => Some(TokenGrant::User),
            "client_credentials" => Some(TokenGrant::ClientCredentials),
            _ => None,
        }
    }
}

/// A token set as returned by a token endpoint and kept by the client or the Worker.
/// Serialises (for storage) with the secrets in clear: encrypt it at rest.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenSet {
    /// The access token.
    pub access_token: AccessToken,
    /// The token type; `Bearer` when the server omitted it.
    pub token_type: String,
    /// When the response was processed.
    pub issued_at: Timestamp,
    /// When the access token expires (from `expires_in`, else the profile's
    /// [`expiry_fallback`](crate::profile::Profile::expiry_fallback): LawVu's `expires`), if known.
    pub expires_at: Option<Timestamp>,
    /// The refresh token, if any (kept from the previous set when a refresh reply omits it).
    pub refresh_token: Option<RefreshToken>,
    /// When the refresh token expires, where the provider documents it.
    pub refresh_expires_at: Option<Timestamp>,
    /// Granted scope, if sent.
    pub scope: Option<String>,
    /// The `api_base_url` a token response carries (a profile whose API base comes with each token
    /// needs it: LegalOn). Kept here, not in `extra`: stored sets and the package's `apiBaseUrl` read it.
    pub api_base_url: Option<String>,
    /// Every other field of the response (LawVu `userName`, `userId`, …), kept as sent.
    #[serde(default)]
    pub extra: JsonObject,
    /// The grant that produced the set (a refresh keeps the grant it refreshes); absent in old
    /// records, which read as [`TokenGrant::User`].
    #[serde(default)]
    pub grant: TokenGrant,
}

impl fmt::Debug for TokenSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSet")
            .field("access_token", &self.access_token)
            .field("token_type", &self.token_type)
            .field("issued_at", &self.issued_at)
            .field("expires_at", &self.expires_at)
            .field("refresh_token", &self.refresh_token)
            .field("refresh_expires_at", &self.refresh_expires_at)
            .field("scope", &self.scope)
            .field("api_base_url", &self.api_base_url)
            .field("grant", &self.grant)
            .field("extra_keys", &self.extra.keys().collect::<Vec<_>>())
            .finish()
    }
}

/// What a client should do to make an authenticated call now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NextStep {
    /// The access token is fresh: use it.
    UseAccessToken,
    /// Refresh with the refresh token (single-flight: LawVu's are single-use).
    Refresh,
    /// Ask for a new token with the client-credentials grant (RFC 6749 §4.4; LegalOn). Only
    /// ever in place of the client's own token, never of a user's.
    Reacquire,
    /// Nothing usable is left: the user must authorize again.
    Reauthorize,
}

impl TokenSet {
    /// The leeway actually applied: `leeway_secs`, but at most half the token's lifetime.
    pub fn effective_leeway_ms(&self, leeway_secs: u64) -> u64 {
        let wanted = leeway_secs.saturating_mul(1000);
        match self.expires_at {
            Some(exp) => wanted.min(self.issued_at.millis_until(exp) / 2),
            None => wanted,
        }
    }

    /// Whether the access token may be used at `now` (unknown expiry counts as fresh: the API's
    /// 401 will tell).
    pub fn access_token_is_fresh(&self, now: Timestamp, leeway_secs: u64) -> bool {
        match self.expires_at {
            Some(exp) => now.plus_millis(self.effective_leeway_ms(leeway_secs)) < exp,
            None => true,
        }
    }

    /// Whether a refresh can be attempted at `now`: there is a refresh token not known to be expired.
    pub fn can_refresh(&self, now: Timestamp) -> bool {
        self.refresh_token.is_some() && self.refresh_expires_at.is_none_or(|t| now < t)
    }

    /// Milliseconds until the access token should be refreshed (0 if now).
    pub fn refresh_due_in_ms(&self, now: Timestamp, leeway_secs: u64) -> Option<u64> {
        self.expires_at.map(|exp| {
            let due = Timestamp::from_millis(exp.as_millis().saturating_sub(self.effective_leeway_ms(leeway_secs)));
            now.millis_until(due)
        })
    }
}

#[cfg(all(test, feature = "all-providers"))]
mod tests {
    use super::*;
    use crate::client::Client;
    use crate::client::ClientAuthMethod;
    use crate::http::HttpResponse;
    use crate::profile::GrantType;
    use crate::providers::generic::GenericConfig;
    use crate::providers::legalon::{LegalOnConfig, LegalOnRegion};
    use crate::secret::{BasicCredentials, ClientSecret};

    fn set(issued: u64, lifetime: Option<u64>, refresh: Option<u64>) -> TokenSet {
        let t0 = Timestamp::from_secs(issued);
        TokenSet {
            access_token: AccessToken::new("at"),
            token_type: "Bearer".into(),
            issued_at: t0,
            expires_at: lifetime.map(|l| t0.plus_secs(l)),
            refresh_token: refresh.map(|_| RefreshToken::new("rt")),
            refresh_expires_at: refresh.map(|r| t0.plus_secs(r)),
            scope: None,
            api_base_url: None,
            extra: JsonObject::new(),
            grant: TokenGrant::User,
        }
    }

    #[test]
    fn leeway_and_freshness() {
        let t = set(1000, Some(3600), Some(86400));
        assert!(t.access_token_is_fresh(Timestamp::from_secs(1000 + 3539), 60));
        assert!(!t.access_token_is_fresh(Timestamp::from_secs(1000 + 3540), 60));
        assert_eq!(t.refresh_due_in_ms(Timestamp::from_secs(1000), 60), Some(3540 * 1000));
        // a 60-second token with a 60-second leeway is still usable for its first 30 seconds
        let short = set(0, Some(60), None);
        assert_eq!(short.effective_leeway_ms(60), 30_000);
        assert!(short.access_token_is_fresh(Timestamp::from_secs(29), 60));
        assert!(set(0, None, None).access_token_is_fresh(Timestamp::from_secs(u64::MAX / 2000), 60));
    }

    #[test]
    fn refresh_window() {
        let t = set(0, Some(3600), Some(86400));
        assert!(t.can_refresh(Timestamp::from_secs(86399)));
        assert!(!t.can_refresh(Timestamp::from_secs(86400)));
        assert!(!set(0, Some(3600), None).can_refresh(Timestamp::from_secs(1)));
    }

    fn generic_confidential() -> Client {
        let mut cfg = GenericConfig::new(Some("https://as.example/authorize".into()), "https://as.example/token", "cid");
        cfg.client_auth = ClientAuthMethod::SecretPost;
        cfg.client_secret = Some(ClientSecret::new("s"));
        cfg.redirect_uri = Some("https://app.example/cb".into());
        cfg.client().unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn an_expired_user_set_is_never_swapped_for_a_client_token() {
        // issue 13 item 4: a confidential generic client supports client credentials too, but a
        // user's expired session must end in re-authorization, not in the client's own token
        let c = generic_confidential();
        let t0 = Timestamp::from_secs(1_000);
        let code_reply = HttpResponse::new(200, vec![], r#"{"access_token":"user-at","expires_in":3600}"#);
        let user = c.parse_token_response(&code_reply, t0, None).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.next_step(Some(&user), t0.plus_secs(10), 60), NextStep::UseAccessToken);
        assert_eq!(c.next_step(Some(&user), t0.plus_secs(3600), 60), NextStep::Reauthorize);
        // a refresh token that has expired is no better
        let spent = set(1_000, Some(3600), Some(7200));
        assert_eq!(c.next_step(Some(&spent), t0.plus_secs(7200), 60), NextStep::Reauthorize);
    }

    #[test]
    fn client_tokens_are_reacquired_user_tokens_never() {
        let c = generic_confidential();
        let t0 = Timestamp::from_secs(1_000);
        let reply = HttpResponse::new(200, vec![], r#"{"access_token":"client-at","expires_in":3600}"#);
        let own = c.parse_token_response_for(GrantType::ClientCredentials, &reply, t0, None).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(own.grant, TokenGrant::ClientCredentials);
        assert_eq!(c.next_step(Some(&own), t0.plus_secs(3600), 60), NextStep::Reacquire);
        let user = c.parse_token_response_for(GrantType::AuthorizationCode, &reply, t0, None).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(user.grant, TokenGrant::User);
        // a refresh keeps the grant it refreshes
        let refreshed = c.parse_token_response_for(GrantType::RefreshToken, &reply, t0, Some(&own)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(refreshed.grant, TokenGrant::ClientCredentials);
        assert_eq!(c.parse_token_response(&reply, t0, Some(&user)).map(|t| t.grant).ok(), Some(TokenGrant::User));
        // no tokens: a client set up for users sends one to authorize; one without a user flow
        // (no redirect URI; LegalOn) acquires its own, as before
        assert_eq!(c.next_step(None, t0, 60), NextStep::Reauthorize);
        let mut cfg = GenericConfig::new(None, "https://as.example/token", "cid");
        cfg.client_auth = ClientAuthMethod::SecretBasic;
        cfg.client_secret = Some(ClientSecret::new("s"));
        let machine = cfg.client().unwrap_or_else(|e| panic!("{e}"));
        assert!(!machine.authorizes_users() && c.authorizes_users());
        assert_eq!(machine.next_step(None, t0, 60), NextStep::Reacquire);
        assert_eq!(machine.next_step(Some(&set(1_000, Some(60), None)), t0.plus_secs(60), 60), NextStep::Reacquire);
        let legalon = LegalOnConfig::new(LegalOnRegion::Us, BasicCredentials::new("c")).client().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(legalon.next_step(None, t0, 60), NextStep::Reacquire);
        let body = r#"{"access_token":"a","expires_in":1200,"api_base_url":"https://api.legalon.example"}"#;
        let lo = legalon.parse_token_response(&HttpResponse::new(200, vec![], body), t0, None).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(lo.grant, TokenGrant::ClientCredentials, "LegalOn has no other grant");
        // a public client never re-acquires, whatever the set says
        let mut public = GenericConfig::new(Some("https://as.example/authorize".into()), "https://as.example/token", "cid");
        public.redirect_uri = Some("https://app.example/cb".into());
        let public = public.client().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(public.next_step(Some(&own), t0.plus_secs(3600), 60), NextStep::Reauthorize);
    }

    #[test]
    fn records_without_a_grant_read_as_a_users() {
        // stored before the field existed (browser storage, the Worker's Durable Objects)
        let old = r#"{"access_token":"at","token_type":"Bearer","issued_at":1000000,"expires_at":4600000,"refresh_token":null,"refresh_expires_at":null,"scope":null,"api_base_url":null,"extra":{}}"#;
        let t: TokenSet = serde_json::from_str(old).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(t.grant, TokenGrant::User);
        assert_eq!(generic_confidential().next_step(Some(&t), Timestamp::from_secs(4600), 60), NextStep::Reauthorize);
        // …except for a client with no user flow, whose every set is its own (LegalOn's records)
        let legalon = LegalOnConfig::new(LegalOnRegion::Jp, BasicCredentials::new("c")).client().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(legalon.next_step(Some(&t), Timestamp::from_secs(4600), 60), NextStep::Reacquire);
        // and the field round-trips
        let mut own = t.clone();
        own.grant = TokenGrant::ClientCredentials;
        let text = serde_json::to_string(&own).unwrap_or_default();
        assert!(text.contains(r#""grant":"client_credentials""#), "{text}");
        assert_eq!(serde_json::from_str::<TokenSet>(&text).ok(), Some(own));
    }

    #[test]
    fn debug_never_shows_tokens() {
        let mut t = set(0, Some(1), Some(1));
        t.extra.insert("id_token", "secret-id-token");
        let dbg = format!("{t:?}");
        assert!(!dbg.contains("\"at\"") && !dbg.contains("secret-id-token") && dbg.contains("id_token"));
    }
}
