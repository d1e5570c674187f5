//! DPoP (RFC 9449) in a page: the flows' requests go through `tsunagi_flows::dpop::DpopTransport`
//! with the page's key — a non-extractable WebCrypto ECDSA P-256 pair (`tsunagi-webcrypto`) that
//! `js/oidc.js` keeps in IndexedDB (one per client and origin; in memory where there is none, as
//! in Node) and forgets at logout; the servers' nonces live as long as the client's handle. A
//! client without DPoP gets the same transport without a key.
//! Builds without OpenID Connect (`tsunagi/lawvu`) have none of it: their transport is the page's.

#[cfg(feature = "oidc")]
mod on {
    use crate::js::http::{HttpAnswer, HttpTransport};
    use crate::js::ports::Page;
    use std::cell::RefCell;
    use std::rc::Rc;
    use tsunagi_core::dpop::NonceBook;
    use tsunagi_core::{Client, Error, ErrorCode, Result};
    use tsunagi_flows::dpop::{DpopAnswer, DpopTransport};
    use tsunagi_webcrypto::{generate_pair, WebCryptoProofKey};

    /// The page's key, when the client uses DPoP.
    pub(crate) type Key = Option<WebCryptoProofKey>;
    /// Each server origin's latest nonce, kept by the client's handle for its life.
    pub(crate) type Nonces = Rc<RefCell<NonceBook>>;
    /// The transport the flows run on.
    pub(crate) type Proving<'a> = DpopTransport<'a, HttpTransport, WebCryptoProofKey, Page>;

    /// The key of `client` in this page: the kept pair, else a new one, kept before it is used (or
    /// the one another tab kept first).
    pub(crate) async fn key(client: &Client, page: &Page) -> Result<Key> {
        if !client.uses_dpop() {
            return Ok(None);
        }
        if let Some(pair) = page.dpop_pair().await? {
            if let Ok(key) = WebCryptoProofKey::from_pair(&pair).await {
                return Ok(Some(key));
            }
        }
        let pair = generate_pair(false).await?;
        // a pair another tab kept first wins: both tabs then prove with the same key
        let pair = page.keep_dpop_pair(&pair).await?.unwrap_or(pair);
        WebCryptoProofKey::from_pair(&pair).await.map(Some)
    }

    pub(crate) fn nonces() -> Nonces {
        Rc::new(RefCell::new(NonceBook::new()))
    }

    /// `http` with the key (none: unchanged).
    pub(crate) fn proving<'a>(http: &'a HttpTransport, key: &'a Key, nonces: &'a Nonces, page: &'a Page) -> Proving<'a> {
        DpopTransport { inner: http, key: key.as_ref(), nonces: nonces.as_ref(), clock: page }
    }

    /// The page's answer (an API answer is never read on the way).
    pub(crate) fn answer(a: DpopAnswer<HttpAnswer>) -> Result<HttpAnswer> {
        a.into_unread().map_err(|_| Error::new(ErrorCode::HttpError, "the API's answer was read before it reached the app"))
    }
}

#[cfg(not(feature = "oidc"))]
mod on {
    use crate::js::http::{HttpAnswer, HttpTransport};
    use crate::js::ports::Page;
    use tsunagi_core::{Client, Result};

    /// No key: tsunagi/lawvu has no DPoP.
    pub(crate) struct Key;
    /// No nonces.
    #[derive(Clone)]
    pub(crate) struct Nonces;
    pub(crate) type Proving<'a> = HttpTransport;

    /// No key, at once (a plain ready future: no async state machine in tsunagi/lawvu).
    pub(crate) fn key(_client: &Client, _page: &Page) -> std::future::Ready<Result<Key>> {
        std::future::ready(Ok(Key))
    }

    pub(crate) fn nonces() -> Nonces {
        Nonces
    }

    pub(crate) fn proving(http: &HttpTransport, _key: &Key, _nonces: &Nonces, _page: &Page) -> Proving<'static> {
        http.clone()
    }

    pub(crate) fn answer(a: HttpAnswer) -> Result<HttpAnswer> {
        Ok(a)
    }
}

pub(crate) use on::*;
