//! The browser runtime's flows: `OAuthClient`'s exchange, usable-token-with-refresh and API loop
//! are the shared `tsunagi_flows` (the same code the Worker runs), over the page's ports
//! (`page.rs`) and HTTP through gloo-net or the app's `fetch` (`http.rs`). Exported as Promises on
//! a [`WasmClient`] handle; a core error rejects with the one error shape (`error.rs`), a caller's
//! abort with its signal's reason unchanged.

use super::dpop::{self, Proving};
use super::handle::WasmClient;
use super::http::{Endpoint, HttpTransport};
use super::ports::{Page, Ports, Settle};
use super::{args, ops, tokens, value};
use js_sys::Promise;
use std::rc::Rc;
use tsunagi_core::secret::AccessToken;
use tsunagi_core::time::Timestamp;
use tsunagi_core::token_set::DEFAULT_LEEWAY_SECS;
use tsunagi_core::{Client, ErrorCode, PendingAuthorization, PkceVerifier, Result, State};
use tsunagi_flows::{Answer, ApiCall, Flow, Outcome, Transport};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

/// The flow over `page` for `client`, and what it needs.
async fn with_flow<T>(
    (client, nonces): (Rc<Client>, dpop::Nonces),
    page: Rc<Page>,
    leeway_secs: Option<f64>,
    run: impl AsyncFnOnce(&Flow<'_, Proving<'_>, Page, Page, Page>, &Call<'_>) -> Result<T>,
) -> std::result::Result<T, JsValue> {
    let result = async {
        // DPoP (src/js/dpop.rs): the page's key when the client uses it, the client's nonces
        let key = dpop::key(&client, &page).await?;
        let http = HttpTransport::new(&page, Endpoint::Token);
        let transport = dpop::proving(&http, &key, &nonces, &page);
        let leeway_secs = leeway(leeway_secs);
        let flow = Flow { client: &client, transport: &transport, store: &*page, lock: &*page, clock: &*page, leeway_secs };
        run(&flow, &Call { key: &key, nonces: &nonces }).await
    }
    .await;
    result.map_err(|e| page.reject(&e))
}

/// What an API call of the same flow proves with: its key and nonces.
struct Call<'a> {
    key: &'a dpop::Key,
    nonces: &'a dpop::Nonces,
}

/// The page's `leewaySecs` option (absent or invalid: the default).
fn leeway(secs: Option<f64>) -> u64 {
    secs.filter(|s| s.is_finite() && *s >= 0.0).map_or(DEFAULT_LEEWAY_SECS, |s| s as u64)
}

fn page(ports: Ports) -> Rc<Page> {
    Rc::new(Page::new(ports, None))
}

/// The page of a flow that may take the refresh lock: after waiting for another tab's, it waits for
/// that tab's tokens to be usable for `client` (not `stale`, a token the API just refused).
fn page_for(ports: Ports, client: &Rc<Client>, leeway_secs: Option<f64>, stale: Option<String>) -> Rc<Page> {
    Rc::new(Page::new(ports, Some(Settle { client: Rc::clone(client), leeway_secs: leeway(leeway_secs), stale })))
}

/// A usable `TokenSet` (JSON text): the stored one if fresh and not `rejected` (an access token
/// the API refused), else one refresh — or, for the client's own token, one client-credentials
/// request — under the page's lock, stored before it resolves. A user's set that cannot be
/// refreshed is cleared and rejects with `login_required` (RFC 6749 §6; RFC 9700 §4.14.2).
#[wasm_bindgen(js_name = flowAccessToken, unchecked_return_type = "Promise<string>")]
pub fn flow_access_token(client: &WasmClient, ports: Ports, rejected: Option<String>, leeway_secs: Option<f64>) -> Promise {
    let (nonces, client) = (client.nonces(), client.client());
    let (page, fingerprint) = (page_for(ports, &client, leeway_secs, rejected.clone()), rejected.map(|t| AccessToken::new(t).fingerprint()));
    future_to_promise(async move {
        with_flow((client, nonces), page, leeway_secs, async |flow, _| flow.access_token(fingerprint.as_deref()).await.map(|t| tokens::to_json(&t)))
            .await
            .map(JsValue::from)
    })
}

/// The code exchange (RFC 6749 §4.1.3): `callbackUrl` checked against `state`, the code and PKCE
/// verifier sent, the `TokenSet` stored and returned as JSON text.
#[wasm_bindgen(js_name = flowExchange, unchecked_return_type = "Promise<string>")]
pub fn flow_exchange(client: &WasmClient, ports: Ports, callback_url: String, state: String, code_verifier: Option<String>) -> Promise {
    let (nonces, client) = (client.nonces(), client.client());
    future_to_promise(async move {
        with_flow((client, nonces), page(ports), None, async |flow, _| {
            let pending = PendingAuthorization { state: State::new(state)?, pkce_verifier: code_verifier.map(PkceVerifier::new).transpose()?, nonce: None };
            flow.exchange(&callback_url, &pending).await.map(|t| tokens::to_json(&t))
        })
        .await
        .map(JsValue::from)
    })
}

/// `fetch` against the provider's API with the stored token: `path` relative to the API base (or a
/// URL under it); 401 → one fresh token and one retry, 429 → bounded waits (`policy`: the
/// `retryPolicy` object, or `undefined`). Resolves to the provider's `Response` whatever its
/// status; rejects when the policy gives up (`unauthorized`, `rate_limited`).
#[wasm_bindgen(js_name = flowFetch, unchecked_return_type = "Promise<Response>")]
pub fn flow_fetch(
    client: &WasmClient,
    ports: Ports,
    path: String,
    method: Option<String>,
    body: Option<String>,
    #[wasm_bindgen(unchecked_param_type = "{ maxRateLimitRetries?: number; maxWaitMs?: number; defaultWaitMs?: number } | undefined")] policy: JsValue,
    leeway_secs: Option<f64>,
) -> Promise {
    let (nonces, client) = (client.nonces(), client.client());
    let page = page_for(ports, &client, leeway_secs, None);
    let api_page = Rc::clone(&page);
    let policy = value::object(&policy, "retryPolicy")
        .and_then(|p| ops::retry_policy(p.as_ref().map(|m| args::Args::new(m, "retryPolicy", ErrorCode::InvalidParameter)).as_ref()));
    future_to_promise(with_flow((client, nonces), page, leeway_secs, async move |flow, proof| {
        let method = ops::method_of(method.as_deref())?;
        let policy = policy?;
        // a URL under the API base is taken as its path (the base may come with the token)
        let tokens = flow.access_token(None).await?;
        let path = ops::relative_api_path(flow.client, &tokens, &path)?.to_owned();
        let http = HttpTransport::new(&api_page, Endpoint::Api);
        let transport = dpop::proving(&http, proof.key, proof.nonces, &api_page);
        let call = ApiCall { client: flow.client, transport: &transport, tokens: flow, clock: &*api_page, sleep: &*api_page, policy };
        match call.send(method, &path, body.as_deref()).await? {
            Outcome::Delivered(answer) => Ok(dpop::answer(answer)?.into_response()),
            Outcome::Refused { error, .. } => Err(error),
        }
    }))
}

/// Revokes `token` (RFC 7009 §2.1; `tokenTypeHint`: `refresh_token`, the default, or
/// `access_token`) at the client's revocation endpoint, sent as the token endpoint's requests are
/// (no redirect followed, no cookies, `requestTimeoutMs` over the whole exchange). Resolves when
/// the endpoint answers revoked (§2.2); rejects with its error, `timeout` or `transport`.
#[wasm_bindgen(js_name = flowRevoke, unchecked_return_type = "Promise<void>")]
pub fn flow_revoke(client: &WasmClient, ports: Ports, token: String, hint: Option<String>) -> Promise {
    let (client, page) = (client.client(), page(ports));
    future_to_promise(async move {
        let result = async {
            let request = ops::revocation(&client, &token, hint.as_deref())?;
            let answer = HttpTransport::new(&page, Endpoint::Revocation).send(&request).await?.read().await?;
            client.parse_revocation_response(&request, &answer)
        }
        .await;
        result.map(|()| JsValue::UNDEFINED).map_err(|e| page.reject(&e))
    })
}

/// `{ url, state, codeVerifier, nonce }` (JSON text) of a fresh authorization, as the client's PAR
/// policy wants it (RFC 9126): pushed first to the server's PAR endpoint (§2.1; sent as the token
/// endpoint's requests are: no redirect followed, no cookies, `requestTimeoutMs`), the URL then
/// carrying only `client_id` and `request_uri` (§4); else the plain authorize URL, nothing sent.
/// Rejects with the policy's `invalid_config` before anything is sent, or the push's typed error.
#[cfg(feature = "oidc")]
#[wasm_bindgen(js_name = flowBeginAuthorization, unchecked_return_type = "Promise<string>")]
pub fn flow_begin_authorization(
    client: &WasmClient,
    ports: Ports,
    #[wasm_bindgen(unchecked_param_type = "WasmPairs | undefined")] extra_params: JsValue,
) -> Promise {
    let (client, page) = (client.client(), page(ports));
    let extra = value::pairs(&extra_params, "options.extraParams");
    future_to_promise(async move {
        let result = async {
            let extra = extra?;
            let (step, pending) = client.begin_authorization_step(&ops::pairs_ref(&extra))?;
            let transport = HttpTransport::new(&page, Endpoint::PushedAuthorization);
            let url = tsunagi_flows::par::authorize_url(&transport, &client, step).await?;
            Ok(ops::begun(&url, &pending))
        }
        .await;
        result.map(JsValue::from).map_err(|e| page.reject(&e))
    })
}

/// When `flowAccessToken` will renew `set` (a `TokenSet` as JSON text): the milliseconds from `now`
/// until its access token stops being fresh (0: due now), or `undefined` when it has no expiry or
/// is not a `TokenSet`. `OAuthClient`'s `autoRefresh` schedules its timer from it; whether to
/// renew when the timer fires is still the flow's decision.
#[wasm_bindgen(js_name = refreshDueInMs)]
pub fn refresh_due_in_ms(set: &str, now: f64, leeway_secs: Option<f64>) -> Option<f64> {
    let map = args::parse(set).ok()?;
    let t = tokens::from_args(&args::Args::new(&map, "tokens", ErrorCode::InvalidParameter)).ok()?;
    let now = Timestamp::from_millis(if now.is_finite() { now.max(0.0) as u64 } else { 0 });
    t.refresh_due_in_ms(now, leeway(leeway_secs)).map(|ms| ms as f64)
}

#[cfg(test)]
mod tests {
    use super::refresh_due_in_ms;

    #[test]
    fn due_when_the_access_token_stops_being_fresh() {
        // issued at 1 000 s, one hour: due 60 s (the default leeway) before expiry
        let set = r#"{"accessToken":"at","tokenType":"Bearer","issuedAt":1000000,"expiresAt":4600000,"extra":{}}"#;
        assert_eq!(refresh_due_in_ms(set, 1_000_000.0, None), Some(3_540_000.0));
        assert_eq!(refresh_due_in_ms(set, 1_000_000.0, Some(600.0)), Some(3_000_000.0));
        // the leeway is capped at half the lifetime
        assert_eq!(refresh_due_in_ms(set, 1_000_000.0, Some(7200.0)), Some(1_800_000.0));
        assert_eq!(refresh_due_in_ms(set, 5_000_000.0, None), Some(0.0));
        let no_expiry = r#"{"accessToken":"at","tokenType":"Bearer","issuedAt":0,"expiresAt":null,"extra":{}}"#;
        assert_eq!(refresh_due_in_ms(no_expiry, 0.0, None), None);
        assert_eq!(refresh_due_in_ms("not json", 0.0, None), None);
        assert_eq!(refresh_due_in_ms(r#"{"accessToken":[]}"#, 0.0, None), None);
    }
}
