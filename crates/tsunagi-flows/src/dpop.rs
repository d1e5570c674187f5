//! DPoP for the flows (RFC 9449): a [`Transport`] that puts a fresh proof on every request it
//! sends — token, refresh and API requests alike (§4, §7.1) — signed by the runtime's
//! [`ProofKey`], keeps each server's latest `DPoP-Nonce` (§8, §9), and sends a request once more
//! with a new proof when the server answers `use_dpop_nonce` (§8 token endpoint 400, §9.1 resource
//! server 401 `WWW-Authenticate: DPoP error="use_dpop_nonce"`).

#![allow(async_fn_in_trait)]

use crate::ports::{Answer, Clock, Transport};
use std::cell::RefCell;
use tsunagi_core::dpop::nonce::{resource_wants_nonce, token_endpoint_wants_nonce};
use tsunagi_core::dpop::{NonceBook, ProofClaims, PublicJwk, UnsignedProof, DPOP_HEADER};
use tsunagi_core::secret::AccessToken;
use tsunagi_core::{HttpRequest, HttpResponse, Result};

/// The runtime's DPoP key: an ES256 (P-256) key pair whose private half never leaves it
/// (WebCrypto `extractable: false` in a browser or Worker).
pub trait ProofKey {
    /// The public half, as the proof's `jwk` header carries it.
    fn public_jwk(&self) -> &PublicJwk;
    /// The ES256 signature of `input`: raw `r || s`, 64 bytes (RFC 7518 §3.4; WebCrypto's
    /// ECDSA output is already this form).
    async fn sign(&self, input: &[u8]) -> Result<Vec<u8>>;
    /// 16 fresh random bytes for a proof's `jti` (the platform's CSPRNG).
    fn jti_entropy(&self) -> Result<[u8; 16]>;
}

/// `inner` with DPoP: every request gets a proof by `key` (none: `inner` unchanged, for a client
/// without DPoP, so a runtime has one transport type either way); `nonces` are the servers' latest
/// (shared by the token and API transports of one client, so a nonce learnt at one serves the
/// next request to the same origin).
pub struct DpopTransport<'a, T, P, C> {
    /// The runtime's transport.
    pub inner: &'a T,
    /// Signs the proofs; `None`: no DPoP.
    pub key: Option<&'a P>,
    /// Each origin's latest nonce.
    pub nonces: &'a RefCell<NonceBook>,
    /// The proofs' `iat`.
    pub clock: &'a C,
}

/// An answer through [`DpopTransport`]: the runtime's, unread, or — when a token endpoint's 400
/// had to be read to see whether it asked for a nonce — the read response.
pub enum DpopAnswer<A> {
    /// The runtime's answer as it came.
    Unread(A),
    /// The answer, body read.
    Read(HttpResponse),
}

impl<A: Answer> Answer for DpopAnswer<A> {
    fn head(&self) -> &HttpResponse {
        match self {
            DpopAnswer::Unread(a) => a.head(),
            DpopAnswer::Read(r) => r,
        }
    }
    async fn read(self) -> Result<HttpResponse> {
        match self {
            DpopAnswer::Unread(a) => a.read().await,
            DpopAnswer::Read(r) => Ok(r),
        }
    }
}

impl<A> DpopAnswer<A> {
    /// The runtime's answer, unless it was read here (only a token endpoint's 400 is).
    pub fn into_unread(self) -> std::result::Result<A, HttpResponse> {
        match self {
            DpopAnswer::Unread(a) => Ok(a),
            DpopAnswer::Read(r) => Err(r),
        }
    }
}

/// The access token of a request to a resource server (`Authorization: DPoP …`, RFC 9449 §7.1).
fn bound_token(request: &HttpRequest) -> Option<AccessToken> {
    let value = request.header("authorization")?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("dpop").then(|| AccessToken::new(token.trim()))
}

impl<T: Transport, P: ProofKey, C: Clock> DpopTransport<'_, T, P, C> {
    /// `request` with a new proof (replacing any): the current nonce of its origin, `ath` for
    /// `token` (a resource request).
    async fn proven(&self, key: &P, request: &HttpRequest, token: Option<&AccessToken>) -> Result<HttpRequest> {
        let nonce = self.nonces.borrow().get(&request.url);
        let mut claims = ProofClaims::new(request.method, &request.url, self.clock.now(), &key.jti_entropy()?)?.with_nonce(nonce);
        if let Some(token) = token {
            claims = claims.with_access_token(token);
        }
        let unsigned = UnsignedProof::new(key.public_jwk(), &claims);
        let signature = key.sign(unsigned.signing_input()).await?;
        let proof = unsigned.finish(&signature)?;
        let mut signed = request.clone();
        signed.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(DPOP_HEADER));
        signed.headers.push((DPOP_HEADER.to_owned(), proof.as_str().to_owned()));
        Ok(signed)
    }
}

impl<T: Transport, P: ProofKey, C: Clock> Transport for DpopTransport<'_, T, P, C> {
    type Answer = DpopAnswer<T::Answer>;

    /// Sends `request` with a proof. A `use_dpop_nonce` answer that brought a nonce other than
    /// the one just used gets one more try with a new proof (a new `jti`); a second refusal is the
    /// caller's answer.
    async fn send(&self, request: &HttpRequest) -> Result<Self::Answer> {
        let Some(key) = self.key else {
            return Ok(DpopAnswer::Unread(self.inner.send(request).await?));
        };
        let token = bound_token(request);
        let mut retried = false;
        loop {
            let used = self.nonces.borrow().get(&request.url);
            let answer = self.inner.send(&self.proven(key, request, token.as_ref()).await?).await?;
            let fresh_nonce = self.nonces.borrow_mut().remember(&request.url, answer.head()) && self.nonces.borrow().get(&request.url) != used;
            let may_retry = !retried && fresh_nonce;
            retried = true;
            if token.is_some() {
                if may_retry && resource_wants_nonce(answer.head()) {
                    continue;
                }
                return Ok(DpopAnswer::Unread(answer));
            }
            if !may_retry || answer.head().status != 400 {
                return Ok(DpopAnswer::Unread(answer));
            }
            let read = answer.read().await?;
            if !token_endpoint_wants_nonce(&read) {
                return Ok(DpopAnswer::Read(read));
            }
        }
    }
}
