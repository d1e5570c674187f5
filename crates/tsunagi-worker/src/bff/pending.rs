//! A sign-in in progress between `/login` and `/callback`: what the sealed sign-in cookie holds
//! (connection, `state`, PKCE verifier, `return_to`) and how long it may take.

use serde::{Deserialize, Serialize};
use tsunagi_core::nonce::Nonce;
use tsunagi_core::pkce::PkceVerifier;
use tsunagi_core::state::State;
use tsunagi_core::time::Timestamp;

/// How long a login may take between `/login` and `/callback`.
pub const PENDING_LOGIN_SECS: u64 = 600;

/// A sign-in in progress, sealed into the browser's sign-in cookie
/// ([`login_cookie_name`](super::login_cookie_name)) until the callback (single use: the callback
/// spends the cookie whatever the outcome).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingLogin {
    /// The connection signed in to.
    pub connection: String,
    /// The state sent to the provider.
    pub state: State,
    /// The PKCE verifier, when the profile uses PKCE.
    pub pkce_verifier: Option<PkceVerifier>,
    /// The OpenID Connect nonce sent with an `openid` request to a known issuer, which the
    /// id_token must carry back (OIDC Core §3.1.2.1); absent in sign-ins sealed before it existed.
    #[serde(default)]
    pub nonce: Option<Nonce>,
    /// Where to send the browser afterwards (checked by [`check_return_to`](super::check_return_to)).
    pub return_to: String,
    /// When the login stops being accepted.
    pub expires_at: Timestamp,
}

impl PendingLogin {
    /// Whether the login may still complete at `now`.
    pub fn is_live(&self, now: Timestamp) -> bool {
        now < self.expires_at
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pending_login_expires_and_survives_its_cookie() {
        let at = Timestamp::from_secs(1_000);
        let p = PendingLogin {
            connection: "lawvu".into(),
            state: State::from_entropy(&[1; 32]),
            pkce_verifier: Some(PkceVerifier::from_entropy(&[2; 32])),
            nonce: Some(Nonce::from_entropy(&[3; 32])),
            return_to: "/app".into(),
            expires_at: at.plus_secs(PENDING_LOGIN_SECS),
        };
        assert!(p.is_live(at) && p.is_live(at.plus_secs(PENDING_LOGIN_SECS - 1)));
        assert!(!p.is_live(at.plus_secs(PENDING_LOGIN_SECS)));
        let text = serde_json::to_string(&p).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(serde_json::from_str::<PendingLogin>(&text).ok(), Some(p));
    }
}
