//! A token store that verifies what a refresh brings before it is kept: a new id_token in the set
//! is verified (signature, claims, and OIDC Core §12.2 against the id_token the grant started with)
//! and a set that fails is refused — nothing stored, the old set kept. A refresh without an
//! id_token keeps the previous one, so the grant's original identity stays known.

use crate::connections::Connection;
use crate::sign_in;
use tsunagi_core::id_token::IdToken;
use tsunagi_core::{Client, Result, TokenSet};
use tsunagi_flows::TokenStore;
use worker::Env;

/// `inner`, with every stored set's id_token checked first (see the module).
pub struct Verified<'a, S> {
    /// The Worker's environment (JWKS location, time-out).
    pub env: &'a Env,
    /// The connection the set belongs to.
    pub connection: &'a Connection,
    /// Its client (issuer, client id).
    pub client: &'a Client,
    /// Where the set is kept.
    pub inner: S,
}

impl<S: TokenStore> TokenStore for Verified<'_, S> {
    async fn load(&self) -> Result<Option<TokenSet>> {
        self.inner.load().await
    }

    async fn store(&self, fresh: &TokenSet) -> Result<()> {
        let held = self.inner.load().await?;
        let before = held.as_ref().and_then(|t| t.extra.get_str("id_token"));
        match fresh.extra.get_str("id_token") {
            None => match before {
                // OIDC Core §12.2: a refresh may omit the id_token; the grant's stays with the set
                Some(id_token) => {
                    let mut kept = fresh.clone();
                    kept.extra.insert("id_token", id_token);
                    self.inner.store(&kept).await
                }
                None => self.inner.store(fresh).await,
            },
            Some(id_token) if Some(id_token) == before => self.inner.store(fresh).await,
            Some(id_token) => {
                if self.client.server().issuer.is_some() {
                    // the stored id_token was verified when it was kept: its claims are the original's
                    let original = before.and_then(|t| IdToken::parse(t).ok()).map(|t| t.claims_json_unverified().to_owned());
                    sign_in::verify_id_token(self.env, self.connection, self.client, id_token, None, original.as_deref()).await?;
                }
                self.inner.store(fresh).await
            }
        }
    }

    async fn clear(&self) -> Result<()> {
        self.inner.clear().await
    }
}
