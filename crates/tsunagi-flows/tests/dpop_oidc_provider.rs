#![cfg(all(feature = "dpop", not(target_arch = "wasm32")))]
//! DPoP (RFC 9449) through the flows against a real authorization server: panva's oidc-provider
//! (`tests/oidc/serve-dpop.mjs`), whose client must use DPoP (`dpop_bound_access_tokens`) and
//! whose userinfo endpoint checks proofs as a resource server does. The proof key is a P-256 key
//! signed with the `p256` crate here (WebCrypto's in the browser): sign-in, the API call, refresh
//! keeping the binding, the server's nonces (one retry each at the token endpoint and the resource
//! server), and a stolen token or replayed proof refused by the server.

use p256::ecdsa::signature::{Signer, Verifier};
use p256::ecdsa::{Signature, SigningKey};
use serde_json::Value;
use std::cell::{Cell, RefCell};
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{SystemTime, UNIX_EPOCH};
use tsunagi_core::api::RetryPolicy;
use tsunagi_core::discovery::ServerMetadata;
use tsunagi_core::dpop::{self, NonceBook, PublicJwk};
use tsunagi_core::providers::generic::GenericConfig;
use tsunagi_core::scope::ScopeParams;
use tsunagi_core::{base64url, Client, Error, ErrorCode, HttpRequest, HttpResponse, Method, Result, Timestamp};
use tsunagi_flows::dpop::{DpopTransport, ProofKey};
use tsunagi_flows::memory::{LocalLock, MemoryStore};
use tsunagi_flows::{Answer, ApiCall, Clock, Flow, Outcome, Sleep, Transport};

/// The two issuers `serve-dpop.mjs` printed; the node process ends with this value.
struct Servers {
    child: Child,
    issuer: String,
    nonce_issuer: String,
    control: String,
    redirect: String,
}

impl Drop for Servers {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start() -> Servers {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut child = Command::new(std::env::var("NODE").unwrap_or_else(|_| "node".into()))
        .arg("tests/oidc/serve-dpop.mjs")
        .current_dir(&root)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("node tests/oidc/serve-dpop.mjs (scripts/setup.sh installs node and oidc-provider): {e}"));
    let stdout = child.stdout.take().unwrap_or_else(|| panic!("no stdout"));
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line).unwrap_or_else(|e| panic!("serve-dpop.mjs: {e}"));
    let v: Value = serde_json::from_str(&line).unwrap_or_else(|e| panic!("serve-dpop.mjs printed {line:?}: {e}"));
    let s = |k: &str| v.get(k).and_then(Value::as_str).unwrap_or_else(|| panic!("serve-dpop.mjs: no {k}")).to_owned();
    Servers { issuer: s("issuer"), nonce_issuer: s("nonceIssuer"), control: s("control"), redirect: s("redirect"), child }
}

/// Sends with reqwest (no redirects) and records what went out and what came back.
struct Http {
    client: reqwest::Client,
    sent: RefCell<Vec<(HttpRequest, u16)>>,
}

impl Http {
    fn new() -> Self {
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap_or_else(|e| panic!("{e}"));
        Http { client, sent: RefCell::new(Vec::new()) }
    }
    /// How many requests went to `url` (query ignored).
    fn count(&self, url: &str) -> usize {
        self.sent.borrow().iter().filter(|(r, _)| r.url.split('?').next() == Some(url)).count()
    }
    fn last_to(&self, url: &str) -> Option<(HttpRequest, u16)> {
        self.sent.borrow().iter().rev().find(|(r, _)| r.url == url).cloned()
    }
}

impl Transport for Http {
    type Answer = HttpResponse;
    async fn send(&self, request: &HttpRequest) -> Result<HttpResponse> {
        let method = reqwest::Method::from_bytes(request.method.as_str().as_bytes()).unwrap_or(reqwest::Method::GET);
        let mut builder = self.client.request(method, &request.url);
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        if let Some(body) = &request.body {
            builder = builder.body(body.clone());
        }
        let r = builder.send().await.map_err(|e| Error::new(ErrorCode::Transport, e.to_string()))?;
        let status = r.status().as_u16();
        let headers = r.headers().iter().map(|(k, v)| (k.to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned())).collect();
        let body = r.text().await.map_err(|e| Error::new(ErrorCode::Transport, e.to_string()))?;
        self.sent.borrow_mut().push((request.clone(), status));
        Ok(HttpResponse::new(status, headers, body))
    }
}

struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::from_millis(SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64))
    }
}

impl Sleep for SystemClock {
    async fn sleep(&self, ms: u64) {
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    }
}

/// A P-256 proof key in memory (the browser's is a non-extractable WebCrypto key).
struct Key {
    signing: SigningKey,
    jwk: PublicJwk,
    proofs: Cell<u64>,
}

impl Key {
    fn new(seed: u8) -> Self {
        let signing = SigningKey::from_slice(&[seed; 32]).unwrap_or_else(|e| panic!("{e}"));
        let point = signing.verifying_key().to_encoded_point(false);
        let (x, y) = (point.x().unwrap_or_else(|| panic!("x")), point.y().unwrap_or_else(|| panic!("y")));
        let jwk = PublicJwk::new(&base64url::encode(x), &base64url::encode(y)).unwrap_or_else(|e| panic!("{e}"));
        Key { signing, jwk, proofs: Cell::new(0) }
    }
}

impl ProofKey for Key {
    fn public_jwk(&self) -> &PublicJwk {
        &self.jwk
    }
    async fn sign(&self, input: &[u8]) -> Result<Vec<u8>> {
        let signature: Signature = self.signing.sign(input);
        Ok(signature.to_bytes().to_vec())
    }
    fn jti_entropy(&self) -> Result<[u8; 16]> {
        self.proofs.set(self.proofs.get() + 1);
        let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
        let mut out = [0; 16];
        for (o, b) in out.iter_mut().zip(nanos.to_le_bytes().iter().zip(self.proofs.get().to_le_bytes().iter().cycle()).map(|(a, b)| a ^ b)) {
            *o = b;
        }
        Ok(out)
    }
}

impl Servers {
    async fn metadata(&self, http: &Http, issuer: &str) -> ServerMetadata {
        tsunagi_flows::discovery::discover(http, issuer).await.unwrap_or_else(|e| panic!("{e}")).0
    }

    fn client(&self, meta: &ServerMetadata) -> Client {
        let mut cfg = GenericConfig::from_metadata(meta, "spa-dpop");
        cfg.redirect_uri = Some(self.redirect.clone());
        cfg.api_base = Some(meta.issuer.clone());
        cfg.dpop = dpop::DpopMode::Auto; // the metadata lists ES256
        cfg.scope_params = ScopeParams { scope: Some("openid offline_access".into()), ..ScopeParams::default() };
        cfg.client().unwrap_or_else(|e| panic!("{e}"))
    }

    /// The scripted login: the callback URL with a code.
    async fn sign_in(&self, client: &Client, issuer: &str) -> (String, tsunagi_core::PendingAuthorization) {
        let entropy = |n: u8| {
            let nanos = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos()).to_le_bytes();
            let mut e = [n; 32];
            e[..16].copy_from_slice(&nanos);
            e
        };
        let (url, pending) = client.begin_authorization_with_entropy(&entropy(1), &entropy(2), &[("prompt", "consent")]).unwrap_or_else(|e| panic!("{e}"));
        let body = serde_json::json!({ "url": url, "issuer": issuer }).to_string();
        let r = reqwest::Client::new().post(format!("{}/authorize", self.control)).body(body).send().await.unwrap_or_else(|e| panic!("{e}"));
        let v: Value = serde_json::from_str(&r.text().await.unwrap_or_default()).unwrap_or(Value::Null);
        (v.get("callback").and_then(Value::as_str).unwrap_or_else(|| panic!("no callback: {v}")).to_owned(), pending)
    }
}

fn get(url: &str, authorization: &str) -> HttpRequest {
    HttpRequest { method: Method::Get, url: url.to_owned(), headers: vec![("authorization".into(), authorization.to_owned())], body: None }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn dpop_bound_tokens_from_a_real_server() {
    let s = start();
    runtime().block_on(async {
        let http = Http::new();
        let meta = s.metadata(&http, &s.issuer).await;
        assert!(dpop::server_supports(&meta.dpop_signing_alg_values_supported), "{:?}", meta.dpop_signing_alg_values_supported);
        let client = s.client(&meta);
        assert!(client.uses_dpop());
        let (key, nonces) = (Key::new(7), RefCell::new(NonceBook::new()));
        let transport = DpopTransport { inner: &http, key: Some(&key), nonces: &nonces, clock: &SystemClock };
        let (store, lock) = (MemoryStore::default(), LocalLock::default());
        let flow = Flow { client: &client, transport: &transport, store: &store, lock: &lock, clock: &SystemClock, leeway_secs: 60 };

        // sign-in: the code exchange with a proof; the token is bound (token_type DPoP)
        let (callback, pending) = s.sign_in(&client, &s.issuer).await;
        let tokens = flow.exchange(&callback, &pending).await.unwrap_or_else(|e| panic!("{e}"));
        assert!(dpop::is_dpop_token_type(&tokens.token_type), "{}", tokens.token_type);
        let token_endpoint = meta.token_endpoint.clone();
        let (sent, _) = http.last_to(&token_endpoint).unwrap_or_else(|| panic!("a token request"));
        let proof = sent.header("dpop").unwrap_or_else(|| panic!("a proof on the token request"));
        // the proof verifies with the public key alone (what the server does)
        let (input, sig) = proof.rsplit_once('.').unwrap_or_else(|| panic!("compact JWS"));
        let sig = Signature::from_slice(&base64url::decode(sig).unwrap_or_default()).unwrap_or_else(|e| panic!("{e}"));
        assert!(key.signing.verifying_key().verify(input.as_bytes(), &sig).is_ok());

        // the API call (userinfo checks the proof and its ath): Authorization: DPoP
        let userinfo = format!("{}/me", s.issuer);
        let api = ApiCall { client: &client, transport: &transport, tokens: &flow, clock: &SystemClock, sleep: &SystemClock, policy: RetryPolicy::default() };
        let me = match api.send(Method::Get, "/me", None).await.unwrap_or_else(|e| panic!("{e}")) {
            Outcome::Delivered(a) => a.read().await.unwrap_or_else(|e| panic!("{e}")),
            Outcome::Refused { error, .. } => panic!("{error}"),
        };
        assert_eq!(me.status, 200, "{}", me.body);
        assert!(me.body.contains("\"sub\":\"user-1\""));
        let (used, _) = http.last_to(&userinfo).unwrap_or_else(|| panic!("a userinfo request"));
        assert!(used.header("authorization").is_some_and(|a| a.starts_with("DPoP ")));

        // a replayed proof (the same request again, jti and all) is refused
        let again = http.send(&used).await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(again.status, 401, "a replayed proof: {}", again.body);

        // a token stolen from storage is useless without the key: as a Bearer token, without a
        // proof, with a proof by another key
        let at = tokens.access_token.secret();
        for authorization in [format!("Bearer {at}"), format!("DPoP {at}")] {
            let r = http.send(&get(&userinfo, &authorization)).await.unwrap_or_else(|e| panic!("{e}"));
            // 401 for the Bearer, 400 invalid_request for a DPoP token without its proof header
            assert!(matches!(r.status, 400 | 401), "{authorization:.10}…: HTTP {} {}", r.status, r.body);
        }
        let (thief, thief_nonces) = (Key::new(9), RefCell::new(NonceBook::new()));
        let stolen = DpopTransport { inner: &http, key: Some(&thief), nonces: &thief_nonces, clock: &SystemClock };
        let r = stolen.send(&get(&userinfo, &format!("DPoP {at}"))).await.unwrap_or_else(|e| panic!("{e}")).read().await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status, 401, "another key's proof: {}", r.body);

        // refresh keeps the binding: a new DPoP token that works with the same key
        let refreshed = flow.access_token(Some(&tokens.access_token.fingerprint())).await.unwrap_or_else(|e| panic!("{e}"));
        assert_ne!(refreshed.access_token, tokens.access_token);
        assert!(dpop::is_dpop_token_type(&refreshed.token_type));
        let Outcome::Delivered(me) = api.send(Method::Get, "/me", None).await.unwrap_or_else(|e| panic!("{e}")) else { panic!("refused") };
        assert_eq!(me.head().status, 200);

        // the refresh token is bound too (a public client's, RFC 9449 §5): another key's refresh fails
        let thief_store = MemoryStore::with(Some(refreshed.clone()));
        let thief_flow = Flow { client: &client, transport: &stolen, store: &thief_store, lock: &lock, clock: &SystemClock, leeway_secs: 60 };
        let taken = thief_flow.access_token(Some(&refreshed.access_token.fingerprint())).await.map(|_| ()).map_err(|e| e.code());
        assert_eq!(taken, Err(ErrorCode::InvalidGrant));
    });
}

#[test]
fn server_nonces_are_retried_once_and_remembered_per_origin() {
    let s = start();
    runtime().block_on(async {
        let http = Http::new();
        let meta = s.metadata(&http, &s.nonce_issuer).await;
        let client = s.client(&meta);
        let (key, nonces) = (Key::new(11), RefCell::new(NonceBook::new()));
        let transport = DpopTransport { inner: &http, key: Some(&key), nonces: &nonces, clock: &SystemClock };
        let (store, lock) = (MemoryStore::default(), LocalLock::default());
        let flow = Flow { client: &client, transport: &transport, store: &store, lock: &lock, clock: &SystemClock, leeway_secs: 60 };

        // the token endpoint: 400 use_dpop_nonce with a DPoP-Nonce, then the same request with it
        let (callback, pending) = s.sign_in(&client, &s.nonce_issuer).await;
        let tokens = flow.exchange(&callback, &pending).await.unwrap_or_else(|e| panic!("{e}"));
        assert!(dpop::is_dpop_token_type(&tokens.token_type));
        assert_eq!(http.count(&meta.token_endpoint), 2, "one use_dpop_nonce, one retry");
        assert!(http.sent.borrow().iter().any(|(_, status)| *status == 400));

        // the resource server on the same origin: the nonce learnt at the token endpoint serves
        let userinfo = format!("{}/me", s.nonce_issuer);
        let api = ApiCall { client: &client, transport: &transport, tokens: &flow, clock: &SystemClock, sleep: &SystemClock, policy: RetryPolicy::default() };
        let Outcome::Delivered(me) = api.send(Method::Get, "/me", None).await.unwrap_or_else(|e| panic!("{e}")) else { panic!("refused") };
        assert_eq!(me.head().status, 200);
        assert_eq!(http.count(&userinfo), 1);

        // a transport that knows no nonce yet: 401 WWW-Authenticate: DPoP error="use_dpop_nonce", one retry
        let fresh = RefCell::new(NonceBook::new());
        let api_transport = DpopTransport { inner: &http, key: Some(&key), nonces: &fresh, clock: &SystemClock };
        let api =
            ApiCall { client: &client, transport: &api_transport, tokens: &flow, clock: &SystemClock, sleep: &SystemClock, policy: RetryPolicy::default() };
        let Outcome::Delivered(me) = api.send(Method::Get, "/me", None).await.unwrap_or_else(|e| panic!("{e}")) else { panic!("refused") };
        assert_eq!(me.head().status, 200);
        assert_eq!(http.count(&userinfo), 3, "one use_dpop_nonce, one retry");
    });
}
