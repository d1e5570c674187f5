//! A server's LegalOn client on tsunagi-flows: the client-credentials token (RFC 6749 §4.4) is
//! requested once and again only when it expires or the API answers 401, and each API call goes
//! through the 401/429 loop. The HTTP client is reqwest with redirects off and a timeout.
//!
//! Against the provider sandbox (`cargo run -p tsunagi-sandbox`, which prints its endpoints):
//!
//! ```sh
//! LEGALON_CREDENTIALS=… LEGALON_TOKEN_URL=http://127.0.0.1:…/oauth/token \
//!   cargo run -p tsunagi-flows --example legalon_server
//! ```
//!
//! Against LegalOn itself, leave `LEGALON_TOKEN_URL` unset, set `LEGALON_REGION` (`us`, `jp`) and
//! give reqwest a TLS feature (`rustls-tls`). `LEGALON_TIMEOUT_MS` bounds each request (10 s).
//! Prints statuses and counts, never a token; tested against the sandbox binary by
//! `tests/examples/legalon_server.test.mjs` (`make test-examples`).

use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tsunagi_core::api::RetryPolicy;
use tsunagi_core::providers::legalon::{LegalOnConfig, LegalOnRegion};
use tsunagi_core::{BasicCredentials, Error, ErrorCode, HttpRequest, HttpResponse, Method, Result, Timestamp};
use tsunagi_flows::memory::{LocalLock, MemoryStore};
use tsunagi_flows::{ApiCall, Clock, Flow, Sleep, Transport};

/// Upstream requests: never a redirect followed (a token request's credentials must not reach a
/// `Location`; the core reads a 3xx as `http_error`), each within a timeout, bodies bounded.
struct Http(reqwest::Client);

/// The largest body read from the provider.
const MAX_BODY: usize = 1024 * 1024;

impl Http {
    /// A client whose every request (connection, head and body) ends within `timeout`.
    fn new(timeout: Duration) -> Result<Self> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(timeout)
            .build()
            .map_err(|_| Error::new(ErrorCode::InvalidConfig, "the HTTP client could not be built"))?;
        Ok(Http(client))
    }
}

/// reqwest's errors name the URL, whose query may hold a secret (Logiless): only the code and the
/// redacted URL go into the error.
fn failed(e: &reqwest::Error, request: &HttpRequest) -> Error {
    let url = tsunagi_core::http::redact_query(&request.url);
    match e.is_timeout() {
        true => Error::new(ErrorCode::Timeout, format!("no answer in time from {url}")),
        false => Error::new(ErrorCode::Transport, format!("could not reach {url}")),
    }
}

impl Transport for Http {
    type Answer = HttpResponse;

    async fn send(&self, request: &HttpRequest) -> Result<HttpResponse> {
        let method = reqwest::Method::from_bytes(request.method.as_str().as_bytes()).unwrap_or(reqwest::Method::GET);
        let mut builder = self.0.request(method, &request.url);
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        if let Some(body) = &request.body {
            builder = builder.body(body.clone());
        }
        let mut response = builder.send().await.map_err(|e| failed(&e, request))?;
        let status = response.status().as_u16();
        let headers = response.headers().iter().map(|(k, v)| (k.to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned())).collect();
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| failed(&e, request))? {
            if body.len() + chunk.len() > MAX_BODY {
                return Err(Error::new(ErrorCode::HttpError, "the provider's answer is larger than 1 MiB").with_status(status));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(HttpResponse::new(status, headers, String::from_utf8_lossy(&body)))
    }
}

/// The system clock.
struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let ms = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis()).unwrap_or(0);
        Timestamp::from_millis(u64::try_from(ms).unwrap_or(u64::MAX))
    }
}

/// Waiting out a 429 (`X-RateLimit-Reset`, `Retry-After`).
struct Tokio;

impl Sleep for Tokio {
    async fn sleep(&self, ms: u64) {
        tokio::time::sleep(Duration::from_millis(ms)).await;
    }
}

/// `LEGALON_TIMEOUT_MS`, 10 s when unset.
fn timeout() -> Result<Duration> {
    match std::env::var("LEGALON_TIMEOUT_MS") {
        Err(_) => Ok(Duration::from_secs(10)),
        Ok(ms) => ms.parse().map(Duration::from_millis).map_err(|_| Error::new(ErrorCode::InvalidConfig, "LEGALON_TIMEOUT_MS is a number of milliseconds")),
    }
}

fn config() -> Result<LegalOnConfig> {
    let missing = || Error::new(ErrorCode::InvalidConfig, "LEGALON_CREDENTIALS is not set (LegalOn's API credentials, sent as given)");
    let credentials = std::env::var("LEGALON_CREDENTIALS").map_err(|_| missing())?;
    let region = match std::env::var("LEGALON_REGION").as_deref() {
        Ok("jp") => LegalOnRegion::Jp,
        Ok("us") | Err(_) => LegalOnRegion::Us,
        Ok(_) => return Err(Error::new(ErrorCode::InvalidConfig, "LEGALON_REGION is `us` or `jp`")),
    };
    let mut config = LegalOnConfig::new(region, BasicCredentials::new(credentials));
    config.token_url = std::env::var("LEGALON_TOKEN_URL").ok();
    Ok(config)
}

async fn run() -> Result<()> {
    let client = config()?.client()?;
    let http = Http::new(timeout()?)?;
    // One process: the token in memory, one refresh at a time. Several processes share a store
    // and a lock instead (a database row and its lock): implement `TokenStore` and `RefreshLock`.
    let (store, lock) = (MemoryStore::default(), LocalLock::default());
    let flow = Flow { client: &client, transport: &http, store: &store, lock: &lock, clock: &SystemClock, leeway_secs: 60 };
    let api = ApiCall { client: &client, transport: &http, tokens: &flow, clock: &SystemClock, sleep: &Tokio, policy: RetryPolicy::default() };

    // Two pages of users: the token is requested for the first and reused for the second.
    let mut path = "/users?page_size=2".to_owned();
    for page in 1..=2 {
        let response = api.send(Method::Get, &path, None).await?.into_result()?;
        if !response.is_success() {
            return Err(client.api_error(&response, SystemClock.now()));
        }
        let next = next_page_token(&response.body);
        println!("page {page}: HTTP {} (X-Request-Id {})", response.status, response.request_id().unwrap_or_default());
        match next {
            Some(token) => path = format!("/users?page_size=2&page_token={token}"),
            None => break,
        }
    }
    println!("tokens requested: {}", store.writes());
    Ok(())
}

/// LegalOn's `next_page_token`, read with the core's JSON reader.
fn next_page_token(body: &str) -> Option<String> {
    let value = tsunagi_core::json::parse(body).ok()?;
    value.as_object()?.get_str("next_page_token").map(|token| form_urlencoded::byte_serialize(token.as_bytes()).collect())
}

fn main() -> std::process::ExitCode {
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("tokio: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // `Error`'s Display holds no secret: its code, message, status and request id.
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
