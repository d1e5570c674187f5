//! The flows against a scripted authorization server and API, in memory, on a single-threaded
//! executor where hundreds of callers interleave at every await: exactly one refresh for any
//! number of concurrent callers, rotated pairs stored before anyone is answered, no token lost to
//! a fault mid-refresh, a user's set never swapped for the client's own token, 401 once, 429
//! bounded.

use futures_executor::LocalPool;
use futures_util::future::join_all;
use std::cell::{Cell, RefCell};
use std::collections::{HashSet, VecDeque};
use tsunagi_core::api::RetryPolicy;
use tsunagi_core::client::ClientAuthMethod;
use tsunagi_core::providers::generic::GenericConfig;
use tsunagi_core::secret::{ClientSecret, RefreshToken};
use tsunagi_core::token_set::TokenGrant;
use tsunagi_core::{Client, ErrorCode, HttpRequest, HttpResponse, Method, PendingAuthorization, Result, State, Timestamp, TokenSet};
use tsunagi_flows::memory::{yield_now, LocalLock, ManualClock, MemoryStore};
use tsunagi_flows::{ApiCall, Clock, Flow, Outcome, Transport};

const T0: Timestamp = Timestamp::from_secs(1_800_000_000);

/// What the next token request meets.
#[derive(Clone, Copy)]
enum Fault {
    Status(u16),
    Dropped,
}

/// A strict little authorization server and API: single-use refresh tokens (reuse counted),
/// bearer tokens checked, faults and 429s on demand.
#[derive(Default)]
struct Server {
    next: Cell<u64>,
    access: RefCell<HashSet<String>>,
    refresh: RefCell<HashSet<String>>,
    spent: RefCell<HashSet<String>>,
    refreshes: Cell<u64>,
    reuse: Cell<u64>,
    codes: Cell<u64>,
    client_credentials: Cell<u64>,
    api_calls: Cell<u64>,
    faults: RefCell<VecDeque<Fault>>,
    rate_limits: RefCell<VecDeque<&'static str>>,
}

impl Server {
    fn issue(&self, with_refresh: bool) -> String {
        let n = self.next.get() + 1;
        self.next.set(n);
        self.access.borrow_mut().insert(format!("at-{n}"));
        let rt = if with_refresh {
            self.refresh.borrow_mut().insert(format!("rt-{n}"));
            format!(r#","refresh_token":"rt-{n}""#)
        } else {
            String::new()
        };
        format!(r#"{{"access_token":"at-{n}","token_type":"Bearer","expires_in":3600{rt}}}"#)
    }

    /// Makes every access token issued so far invalid (the API answers 401).
    fn revoke_access_tokens(&self) {
        self.access.borrow_mut().clear();
    }

    fn json(status: u16, body: &str) -> HttpResponse {
        HttpResponse::new(status, vec![("content-type".into(), "application/json".into())], body)
    }

    async fn token(&self, req: &HttpRequest) -> Result<HttpResponse> {
        // the answer takes a while: every concurrent caller gets its turn meanwhile
        for _ in 0..5 {
            yield_now().await;
        }
        match self.faults.borrow_mut().pop_front() {
            Some(Fault::Status(s)) => return Ok(Self::json(s, r#"{"error":"server_error"}"#)),
            Some(Fault::Dropped) => return Err(tsunagi_core::Error::new(ErrorCode::Transport, "connection closed")),
            None => {}
        }
        let form: Vec<(String, String)> = form_urlencoded::parse(req.body.as_deref().unwrap_or_default().as_bytes()).into_owned().collect();
        let get = |k: &str| form.iter().find(|(name, _)| name == k).map(|(_, v)| v.clone()).unwrap_or_default();
        match get("grant_type").as_str() {
            "refresh_token" => {
                self.refreshes.set(self.refreshes.get() + 1);
                let rt = get("refresh_token");
                if self.refresh.borrow_mut().remove(&rt) {
                    self.spent.borrow_mut().insert(rt);
                    Ok(Self::json(200, &self.issue(true)))
                } else {
                    if self.spent.borrow().contains(&rt) {
                        self.reuse.set(self.reuse.get() + 1);
                    }
                    Ok(Self::json(400, r#"{"error":"invalid_grant"}"#))
                }
            }
            "authorization_code" => {
                self.codes.set(self.codes.get() + 1);
                Ok(Self::json(200, &self.issue(true)))
            }
            "client_credentials" => {
                self.client_credentials.set(self.client_credentials.get() + 1);
                Ok(Self::json(200, &self.issue(false)))
            }
            _ => Ok(Self::json(400, r#"{"error":"unsupported_grant_type"}"#)),
        }
    }

    async fn api(&self, req: &HttpRequest) -> Result<HttpResponse> {
        yield_now().await;
        self.api_calls.set(self.api_calls.get() + 1);
        if let Some(wait) = self.rate_limits.borrow_mut().pop_front() {
            return Ok(HttpResponse::new(429, vec![("retry-after".into(), wait.into())], ""));
        }
        let bearer = req.header("authorization").and_then(|h| h.strip_prefix("Bearer ")).unwrap_or_default();
        if self.access.borrow().contains(bearer) {
            Ok(Self::json(200, r#"{"ok":true}"#))
        } else {
            Ok(HttpResponse::new(401, vec![("www-authenticate".into(), r#"Bearer error="invalid_token""#.into())], ""))
        }
    }
}

impl Transport for Server {
    type Answer = HttpResponse;
    async fn send(&self, request: &HttpRequest) -> Result<HttpResponse> {
        if request.url.starts_with("https://as.example/token") {
            self.token(request).await
        } else {
            self.api(request).await
        }
    }
}

fn config() -> GenericConfig {
    let mut cfg = GenericConfig::new(Some("https://as.example/authorize".into()), "https://as.example/token", "cid");
    cfg.redirect_uri = Some("https://app.example/cb".into());
    cfg.api_base = Some("https://api.example/v1".into());
    cfg
}

/// A public client with PKCE (the browser's LawVu flow, generic form).
fn public_client() -> Client {
    config().client().unwrap_or_else(|e| panic!("{e}"))
}

/// A confidential client that could also use client credentials (issue 13 item 4's setting).
fn confidential_client() -> Client {
    let mut cfg = config();
    cfg.client_auth = ClientAuthMethod::SecretPost;
    cfg.client_secret = Some(ClientSecret::new("s3cret"));
    cfg.client().unwrap_or_else(|e| panic!("{e}"))
}

/// A client-credentials-only client (LegalOn's shape: no redirect URI).
fn machine_client() -> Client {
    let mut cfg = config();
    cfg.redirect_uri = None;
    cfg.client_auth = ClientAuthMethod::SecretBasic;
    cfg.client_secret = Some(ClientSecret::new("s3cret"));
    cfg.client().unwrap_or_else(|e| panic!("{e}"))
}

/// A user's set issued by `server`, expired at `now` when `expired`.
fn user_set(server: &Server, expired: bool) -> TokenSet {
    let body = server.issue(true);
    let resp = HttpResponse::new(200, vec![("content-type".into(), "application/json".into())], body);
    let mut t = public_client().parse_token_response(&resp, T0, None).unwrap_or_else(|e| panic!("{e}"));
    if expired {
        t.issued_at = Timestamp::from_secs(T0.as_secs() - 7200);
        t.expires_at = Some(Timestamp::from_secs(T0.as_secs() - 3600));
    }
    t
}

fn run<F: std::future::Future>(f: F) -> F::Output {
    LocalPool::new().run_until(f)
}

macro_rules! flow {
    ($client:expr, $server:expr, $store:expr, $lock:expr, $clock:expr) => {
        Flow { client: &$client, transport: &$server, store: &$store, lock: &$lock, clock: &$clock, leeway_secs: 60 }
    };
}

#[test]
fn five_hundred_callers_on_an_expired_token_cause_one_refresh() {
    let server = Server::default();
    let store = MemoryStore::with(Some(user_set(&server, true)));
    let (lock, clock, client) = (LocalLock::default(), ManualClock::at(T0), public_client());
    let flow = flow!(client, server, store, lock, clock);
    let results = run(join_all((0..500).map(|_| flow.access_token(None))));
    let tokens: HashSet<String> = results.iter().map(|r| r.as_ref().map(|t| t.access_token.secret().to_owned()).unwrap_or_else(|e| panic!("{e}"))).collect();
    assert_eq!(server.refreshes.get(), 1, "exactly one refresh");
    assert_eq!(server.reuse.get(), 0);
    assert_eq!(tokens.len(), 1, "every caller got the same fresh token");
    let stored = store.get().unwrap_or_else(|| panic!("a set is stored"));
    assert!(tokens.contains(stored.access_token.secret()), "stored before anyone was answered");
    assert_eq!(stored.refresh_token, Some(RefreshToken::new("rt-2")), "the rotated refresh token is kept");
    assert_eq!(store.writes(), 1);
}

#[test]
fn three_hundred_callers_refused_with_401_cause_one_refresh() {
    let server = Server::default();
    let store = MemoryStore::with(Some(user_set(&server, false)));
    server.revoke_access_tokens();
    let (lock, clock, client) = (LocalLock::default(), ManualClock::at(T0), public_client());
    let flow = flow!(client, server, store, lock, clock);
    let call = ApiCall { client: &client, transport: &server, tokens: &flow, clock: &clock, sleep: &clock, policy: RetryPolicy::default() };
    let results = run(join_all((0..300).map(|_| async { call.send(Method::Get, "/things", None).await.and_then(Outcome::into_result) })));
    for r in &results {
        assert_eq!(r.as_ref().map(|r| r.status).map_err(|e| e.code()), Ok(200));
    }
    assert_eq!(server.refreshes.get(), 1, "one refresh for 300 rejected callers");
    assert_eq!(server.reuse.get(), 0);
    assert_eq!(server.api_calls.get(), 600, "each call: one 401, one retry");
}

#[test]
fn a_fault_mid_refresh_loses_no_token() {
    for fault in [Fault::Status(500), Fault::Status(503), Fault::Dropped] {
        let server = Server::default();
        let before = user_set(&server, true);
        let store = MemoryStore::with(Some(before.clone()));
        let (lock, clock, client) = (LocalLock::default(), ManualClock::at(T0), public_client());
        let flow = flow!(client, server, store, lock, clock);
        server.faults.borrow_mut().push_back(fault);
        assert!(run(flow.access_token(None)).is_err(), "the fault reaches the caller");
        assert_eq!(store.get().as_ref(), Some(&before), "the stored refresh token survives a transient failure");
        // the same fault under 50 concurrent callers: the first meets it, the next one in the
        // lock's queue refreshes with the kept token; nobody spends a token twice
        server.faults.borrow_mut().push_back(fault);
        let results = run(join_all((0..50).map(|_| flow.access_token(None))));
        assert_eq!(results.iter().filter(|r| r.is_err()).count(), 1, "only the caller that met the fault fails");
        let after = store.get().unwrap_or_else(|| panic!("held"));
        assert_ne!(after.access_token, before.access_token);
        assert_eq!(server.refreshes.get(), 1, "one refresh reached the grant (the faults answered before it)");
        assert_eq!(server.reuse.get(), 0, "the kept refresh token was never spent twice");
    }
}

#[test]
fn a_spent_grant_empties_the_store_and_asks_for_authorization() {
    let server = Server::default();
    let mut held = user_set(&server, true);
    held.refresh_token = Some(RefreshToken::new("rt-unknown"));
    let store = MemoryStore::with(Some(held));
    let (lock, clock, client) = (LocalLock::default(), ManualClock::at(T0), public_client());
    let flow = flow!(client, server, store, lock, clock);
    let err = run(flow.access_token(None)).err().unwrap_or_else(|| panic!("refused"));
    assert!(err.requires_reauthorization(), "{err}");
    assert_eq!(store.get(), None, "the dead grant is forgotten");
    assert_eq!(run(flow.access_token(None)).map_err(|e| e.code()).err(), Some(ErrorCode::LoginRequired));
}

#[test]
fn a_users_set_is_never_swapped_for_the_clients_own_token() {
    // issue 13 item 4: a confidential client that could use client credentials
    let server = Server::default();
    let mut held = user_set(&server, true);
    held.refresh_token = None;
    let store = MemoryStore::with(Some(held));
    let (lock, clock, client) = (LocalLock::default(), ManualClock::at(T0), confidential_client());
    let flow = flow!(client, server, store, lock, clock);
    let err = run(flow.access_token(None)).err().unwrap_or_else(|| panic!("refused"));
    assert_eq!(err.code(), ErrorCode::LoginRequired);
    assert!(err.requires_reauthorization());
    assert_eq!(server.client_credentials.get(), 0, "no client-credentials request");
    assert_eq!(store.get(), None);
}

#[test]
fn the_clients_own_token_is_acquired_once_for_many_callers() {
    let server = Server::default();
    let store = MemoryStore::default();
    let (lock, clock, client) = (LocalLock::default(), ManualClock::at(T0), machine_client());
    let flow = flow!(client, server, store, lock, clock);
    let results = run(join_all((0..300).map(|_| flow.access_token(None))));
    assert!(results.iter().all(|r| r.as_ref().is_ok_and(|t| t.grant == TokenGrant::ClientCredentials)));
    assert_eq!(server.client_credentials.get(), 1);
    // expired: one more, still once
    clock.advance_ms(3_600_000);
    let again = run(join_all((0..100).map(|_| flow.access_token(None))));
    assert!(again.iter().all(Result::is_ok));
    assert_eq!(server.client_credentials.get(), 2);
}

#[test]
fn the_api_loop_retries_401_once_and_waits_out_429_within_bounds() {
    let server = Server::default();
    let store = MemoryStore::with(Some(user_set(&server, false)));
    let (lock, clock, client) = (LocalLock::default(), ManualClock::at(T0), public_client());
    let flow = flow!(client, server, store, lock, clock);
    let policy = RetryPolicy { max_rate_limit_retries: 2, max_wait_ms: 5_000, default_wait_ms: 1_000 };
    let call = ApiCall { client: &client, transport: &server, tokens: &flow, clock: &clock, sleep: &clock, policy };
    // 429 twice (1 s, then 2 s), then 200
    server.rate_limits.borrow_mut().extend(["1", "2"]);
    let ok = run(async { call.send(Method::Get, "/things", None).await.and_then(Outcome::into_result) }).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(ok.status, 200);
    assert_eq!(clock.now(), T0.plus_secs(3), "waited 1 s and 2 s");
    // past the policy: the 429 is the caller's error, with the wait it asked for
    server.rate_limits.borrow_mut().extend(["1", "1", "1"]);
    let err = run(async { call.send(Method::Get, "/things", None).await.and_then(Outcome::into_result) }).err().unwrap_or_else(|| panic!("rate limited"));
    assert_eq!(err.code(), ErrorCode::RateLimited);
    server.rate_limits.borrow_mut().clear();
    // a wait longer than the policy allows is not waited
    server.rate_limits.borrow_mut().push_back("60");
    let err = run(async { call.send(Method::Get, "/things", None).await.and_then(Outcome::into_result) }).err().unwrap_or_else(|| panic!("rate limited"));
    assert_eq!((err.code(), err.retry_after_ms()), (ErrorCode::RateLimited, Some(60_000)));
    // 401 after the one refresh: unauthorized, and only one refresh was spent
    let refreshes = server.refreshes.get();
    server.revoke_access_tokens();
    let held = store.get().unwrap_or_else(|| panic!("held"));
    let stale = held.access_token.clone();
    // the refreshed token is revoked too: the API keeps refusing
    let answer = run(async {
        let first = async { call.send(Method::Get, "/things", None).await.and_then(Outcome::into_result) };
        let revoke = async {
            for _ in 0..20 {
                yield_now().await;
                server.revoke_access_tokens();
            }
        };
        futures_util::join!(first, revoke).0
    });
    assert_eq!(answer.map(|r| r.status).map_err(|e| e.code()), Err(ErrorCode::Unauthorized));
    assert_eq!(server.refreshes.get(), refreshes + 1);
    assert_ne!(store.get().map(|t| t.access_token), Some(stale));
}

#[test]
fn the_code_exchange_checks_state_then_stores() {
    let server = Server::default();
    let store = MemoryStore::default();
    let (lock, clock, client) = (LocalLock::default(), ManualClock::at(T0), public_client());
    let flow = flow!(client, server, store, lock, clock);
    let (_, pending) = client.begin_authorization_with_entropy(&[1; 32], &[2; 32], &[]).unwrap_or_else(|e| panic!("{e}"));
    let forged =
        PendingAuthorization { state: State::new("other-state").unwrap_or_else(|e| panic!("{e}")), pkce_verifier: pending.pkce_verifier.clone(), nonce: None };
    let url = format!("https://app.example/cb?code=c0de&state={}", pending.state.as_str());
    let err = run(flow.exchange(&url, &forged)).err().unwrap_or_else(|| panic!("mismatch"));
    assert_eq!(err.code(), ErrorCode::StateMismatch);
    assert_eq!(server.codes.get(), 0, "nothing sent on a mismatch");
    let t = run(flow.exchange(&url, &pending)).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(server.codes.get(), 1);
    assert_eq!(store.get().map(|s| s.access_token), Some(t.access_token.clone()));
    assert_eq!(t.grant, TokenGrant::User);
    assert!(!format!("{t:?}").contains(t.access_token.secret()), "Debug never shows a token");
}
