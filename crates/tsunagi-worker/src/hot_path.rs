//! The proxied call's hot path: `worker/shim.mjs` makes one synchronous call into wasm
//! ([`api_plan`]) that checks every rule of `/api` and takes the token from the isolate's copies
//! (or has JavaScript ask the session's object first, [`Ask`]), then sends the request and builds
//! the `Response` in JavaScript. A request body (`POST`, `PUT`, `PATCH` with a declared length
//! within [`proxy::MAX_REQUEST_BODY`]) is read by JavaScript once the call has passed every rule
//! before it ([`ReadBody`]), and checked here as the whole path checks it. Whatever needs more (a
//! held token not in memory, a DPoP-bound token, a body of undeclared length, a refusal) takes the
//! whole path ([`crate::entry::answer`]), and so does an answer the API loop must act on, with its
//! [`Forward`]: no request is sent twice.

use crate::admission::{admit, api_path, cors, Admitted};
use crate::bff;
use crate::bff::SessionKeys;
use crate::config;
use crate::held_copy;
use crate::messages::Wire;
use crate::messages::{SessionOp, TokenAnswer};
use crate::objects::{copied_session, session_answered, session_object_name, SESSIONS};
use crate::proxy::{self, Prefetched};
use crate::request_target::RequestTarget;
use crate::routes::Route;
use crate::session_copy;
use crate::{http, now};
use tsunagi_core::{Error, ErrorCode, Method, Result, TokenSet};
use wasm_bindgen::prelude::*;
use worker::worker_sys::web_sys;
use worker::Env;

/// A proxied call the hot path may send itself: the upstream request, and what its answer
/// carries back. Held by JavaScript until the answer is delivered (`free()`) or handed back
/// ([`crate::entry::answer`] takes it). The token it was made with stays in wasm, except as the request's
/// `authorization` header.
#[wasm_bindgen]
pub struct Forward {
    url: String,
    method: &'static str,
    headers: Vec<String>,
    timeout_ms: u32,
    head: bool,
    answer_headers: Vec<String>,
    /// The upstream request's body, as the connection's provider takes it (Logiless: ASCII-only).
    body: Option<String>,
    /// The browser's body as [`proxy::checked_body`] answered it: what a resend sends again.
    checked: Option<String>,
    token: TokenSet,
    session_expires_at: Option<u64>,
}

impl Forward {
    /// What the API loop takes as its first send's answer: `upstream`, or why none came
    /// (`signal` fired: a time-out; else the provider could not be reached).
    pub fn answered(self, upstream: Option<web_sys::Response>, signal: Option<web_sys::AbortSignal>) -> Prefetched {
        let answer = match signal {
            Some(signal) => http::answered(upstream, signal, u64::from(self.timeout_ms)),
            None => Err(tsunagi_core::Error::new(tsunagi_core::ErrorCode::Transport, "the provider could not be reached")),
        };
        Prefetched { token: self.token, session_expires_at: self.session_expires_at, answer, body: self.checked }
    }
}

#[wasm_bindgen]
impl Forward {
    /// The upstream URL: the connection's API base and the call's path and query.
    #[wasm_bindgen(getter)]
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// The upstream method (`HEAD` is sent as `GET`).
    #[wasm_bindgen(getter)]
    pub fn method(&self) -> String {
        self.method.to_owned()
    }

    /// The upstream request's headers as `[name, value, name, value, …]`: only the core's
    /// (`accept`, `authorization`), never the browser's.
    #[wasm_bindgen(getter)]
    pub fn headers(&self) -> Vec<String> {
        self.headers.clone()
    }

    /// `UPSTREAM_TIMEOUT_MS`: the request's `AbortSignal.timeout`, head and body.
    #[wasm_bindgen(getter, js_name = timeoutMs)]
    pub fn timeout_ms(&self) -> u32 {
        self.timeout_ms
    }

    /// The upstream request's body, if any (its `content-type` is among [`Forward::headers`]).
    #[wasm_bindgen(getter)]
    pub fn body(&self) -> Option<String> {
        self.body.clone()
    }

    /// Whether the browser asked with `HEAD` (the answer's body is not delivered).
    #[wasm_bindgen(getter)]
    pub fn head(&self) -> bool {
        self.head
    }

    /// Headers added to the delivered answer as `[name, value, …]`: the renewed session cookie
    /// (`set-cookie`), and CORS for an allowed origin.
    #[wasm_bindgen(getter, js_name = answerHeaders)]
    pub fn answer_headers(&self) -> Vec<String> {
        self.answer_headers.clone()
    }
}

/// What the hot path needs to know of the Worker's answers, read once per isolate.
#[wasm_bindgen]
pub struct HotPathRules {
    safe: Vec<String>,
}

#[wasm_bindgen]
impl HotPathRules {
    /// The upstream answer's headers passed to the browser: these names, and any starting with
    /// [`bff::FORWARDABLE_PREFIX`] (`bff::forwardable_response_header`).
    #[wasm_bindgen(getter, js_name = safeHeaders)]
    pub fn safe_headers(&self) -> Vec<String> {
        self.safe.clone()
    }

    /// The CSRF header an `/api` call carries ([`bff::CSRF_HEADER`]).
    #[wasm_bindgen(getter, js_name = csrfHeader)]
    pub fn csrf_header(&self) -> String {
        bff::CSRF_HEADER.to_owned()
    }

    /// The prefix of forwardable rate-limit headers.
    #[wasm_bindgen(getter, js_name = safePrefix)]
    pub fn safe_prefix(&self) -> String {
        bff::FORWARDABLE_PREFIX.to_owned()
    }

    /// The largest declared `Content-Length` streamed on as it comes ([`http::MAX_UPSTREAM_BODY`]);
    /// a longer or undeclared one is read in wasm within that bound.
    #[wasm_bindgen(getter, js_name = maxStreamedBody)]
    pub fn max_streamed_body(&self) -> f64 {
        http::MAX_UPSTREAM_BODY as f64
    }

    /// The largest declared request `Content-Length` the hot path reads in JavaScript
    /// ([`proxy::MAX_REQUEST_BODY`]); a longer or undeclared one goes the whole path.
    #[wasm_bindgen(getter, js_name = maxRequestBody)]
    pub fn max_request_body(&self) -> f64 {
        proxy::MAX_REQUEST_BODY as f64
    }
}

/// The hot path's rules ([`HotPathRules`]).
#[wasm_bindgen(js_name = hotPathRules)]
pub fn hot_path_rules() -> HotPathRules {
    HotPathRules { safe: bff::FORWARDABLE_HEADERS.iter().map(|h| (*h).to_owned()).collect() }
}

/// A question for the session's object the hot path asks from JavaScript before it can plan:
/// `env[binding].get(env[binding].idFromName(object)).op(op)`, the answer given back to
/// [`api_plan`] with this `Ask`.
#[wasm_bindgen]
pub struct Ask {
    object: String,
    op: String,
    /// The session it is for.
    session: String,
    /// The isolate's change number when it was asked ([`crate::session_copy::asked`]).
    asked: u64,
}

#[wasm_bindgen]
impl Ask {
    /// The Durable Object namespace's binding (`SESSIONS`).
    #[wasm_bindgen(getter)]
    pub fn binding(&self) -> String {
        SESSIONS.to_owned()
    }

    /// The session object's name in it.
    #[wasm_bindgen(getter)]
    pub fn object(&self) -> String {
        self.object.clone()
    }

    /// The operation, as the object's `op(text)` takes it (`messages.rs`).
    #[wasm_bindgen(getter)]
    pub fn op(&self) -> String {
        self.op.clone()
    }
}

/// What the hot path does next for `method url` with these `Cookie`, `Origin`, `X-Tsunagi` and
/// `Content-Type` headers and the request body `body` JavaScript read (none: not yet): a
/// [`Forward`] to send; an [`Ask`] of the session's object first, when the isolate has no copy of
/// the answer the call needs (then this again, with the `Ask` and the object's answer `answer`);
/// `undefined` for the whole path, refusals included. Only an `/api` call that passes every rule
/// the whole path checks, with a Bearer token: the session's own, or a held connection's from the
/// isolate's memory. A `POST`, `PUT` or `PATCH` whose body JavaScript can read (`readable`) is
/// first answered [`ReadBody`] once it passes every rule before its body, then planned with it.
#[wasm_bindgen(js_name = apiPlan)]
#[allow(clippy::too_many_arguments)]
pub fn api_plan(
    env: Env,
    method: &str,
    url: &str,
    cookie: Option<String>,
    origin: Option<String>,
    csrf: Option<String>,
    content_type: Option<String>,
    readable: bool,
    body: Option<Vec<u8>>,
    asked: Option<Ask>,
    answer: Option<String>,
) -> JsValue {
    let answered = asked.zip(answer);
    let asked = Asked {
        cookie: cookie.as_deref().unwrap_or_default(),
        origin: origin.as_deref(),
        csrf: csrf.as_deref(),
        content_type: content_type.as_deref(),
        readable,
        body,
    };
    match plan(&env, &method.to_ascii_uppercase(), url, asked, answered) {
        Ok(Step::Send(f)) => f.into(),
        Ok(Step::Ask(a)) => a.into(),
        Ok(Step::ReadBody) => ReadBody {}.into(),
        Ok(Step::Whole) | Err(_) => JsValue::UNDEFINED,
    }
}

/// The hot path's next step ([`api_plan`]).
enum Step {
    Send(Forward),
    Ask(Ask),
    ReadBody,
    Whole,
}

/// The call passes every rule that comes before its body (the route, the origin and CSRF guard,
/// the session cookie, the access rules): JavaScript reads the body now and asks [`api_plan`]
/// again with it. A body is never read for a request refused before that point.
#[wasm_bindgen]
pub struct ReadBody {}

/// The session object's answer to `op` for `sid`: the one the hot path was given (`answered`),
/// else the isolate's copy, else an [`Ask`].
fn session_answer<T: Wire>(env: &Env, keys: &SessionKeys, sid: &str, op: &SessionOp, answered: Option<(Ask, String)>) -> Result<Result<T, Ask>> {
    let text = op.to_json();
    if let Some((ask, envelope)) = answered {
        if ask.op != text || ask.session != sid {
            return Err(Error::new(ErrorCode::InvalidParameter, "the answer is to another question"));
        }
        return Ok(Ok(session_answered(env, sid, op, &text, ask.asked, &envelope)?));
    }
    if let Some(t) = copied_session(env, sid, op, &text) {
        return Ok(Ok(t));
    }
    Ok(Err(Ask { object: session_object_name(keys, sid), op: text, session: sid.to_owned(), asked: session_copy::asked() }))
}

/// The request's headers the hot path reads, and its body as JavaScript read it.
struct Asked<'a> {
    cookie: &'a str,
    origin: Option<&'a str>,
    csrf: Option<&'a str>,
    content_type: Option<&'a str>,
    /// JavaScript can read the body (its length is declared and within the bound) when asked to.
    readable: bool,
    body: Option<Vec<u8>>,
}

impl Asked<'_> {
    /// What to do first when `m` carries a body JavaScript has not read: have it read
    /// ([`Step::ReadBody`]), or leave it to the whole path.
    fn unread(&self, m: Method) -> Option<Step> {
        (proxy::carries_body(m) && self.body.is_none()).then_some(if self.readable { Step::ReadBody } else { Step::Whole })
    }

    /// The body the proxy forwards with `m` ([`proxy::checked_body`]), checked where the whole
    /// path reads it (after the access rules and the session, before the token).
    fn body(&mut self, m: Method) -> Result<Option<String>> {
        match self.body.take() {
            Some(bytes) if proxy::carries_body(m) => proxy::checked_body(bytes, self.content_type.unwrap_or_default()),
            _ => Ok(None),
        }
    }
}

fn plan(env: &Env, method: &str, raw_url: &str, mut asked: Asked<'_>, answered: Option<(Ask, String)>) -> Result<Step> {
    if method == "OPTIONS" {
        return Ok(Step::Whole);
    }
    let url = RequestTarget::parse(raw_url)?;
    let Admitted { route, keys, cookie } = admit(env, method, &url, asked.origin, asked.csrf, asked.cookie)?;
    let Route::Api(name, path) = route else { return Ok(Step::Whole) };
    let path = api_path(&path, url.query);
    tsunagi_core::api::check_api_path(&path)?;
    let conn = config::connection(env, &name)?;
    let (m, head) = proxy::rules(&conn, method, &path)?;
    let Some(client) = config::built_client(&conn, &url.origin) else { return Ok(Step::Whole) };
    let cookie = cookie?;
    let sid = cookie.session_id.as_str();
    let (token, session_expires_at, checked) = if conn.is_held() {
        // what only the whole path can serve is known before the session's object is asked
        if conn.allowed_for.is_empty() || conn.unattended {
            return Ok(Step::Whole);
        }
        let object = config::held_object_name(env, &conn, &client)?;
        let held = match held_copy::from_memory(&object, None) {
            Some(t) if t.jwk.is_none() => t.set,
            _ => return Ok(Step::Whole),
        };
        if let Some(step) = asked.unread(m) {
            return Ok(step);
        }
        let signed_in: Vec<String> = match session_answer(env, &keys, sid, &SessionOp::SignedIn, answered)? {
            Ok(list) => list,
            Err(ask) => return Ok(Step::Ask(ask)),
        };
        proxy::held_access(&conn, &signed_in)?;
        (held, None, asked.body(m)?)
    } else {
        if let Some(step) = asked.unread(m) {
            return Ok(step);
        }
        let sent = asked.body(m)?;
        let op = SessionOp::Token { connection: conn.name.clone(), origin: url.origin.clone(), failed: None };
        let answer: TokenAnswer = match session_answer(env, &keys, sid, &op, answered)? {
            Ok(answer) => answer,
            Err(ask) => return Ok(Step::Ask(ask)),
        };
        let exp = answer.session_expires_at;
        match proxy::session_token(answer) {
            (set, None) => (set, exp, sent),
            _ => return Ok(Step::Whole),
        }
    };
    if tsunagi_core::dpop::is_dpop_token_type(&token.token_type) {
        return Ok(Step::Whole);
    }
    let request = client.api_request(&token, m, &path, checked.as_deref())?;
    let mut answer_headers = Vec::new();
    if session_expires_at.is_some() {
        if let Some(set) = bff::renewed_cookie(&keys, &cookie, session_expires_at, now()) {
            answer_headers.extend(["set-cookie".to_owned(), set]);
        }
    }
    for (k, v) in cors(env, asked.origin) {
        answer_headers.extend([k, v]);
    }
    Ok(Step::Send(Forward {
        url: request.url,
        method: request.method.as_str(),
        headers: request.headers.into_iter().flat_map(|(k, v)| [k, v]).collect(),
        timeout_ms: u32::try_from(config::timeout_ms(env)).unwrap_or(u32::MAX),
        head,
        answer_headers,
        body: request.body,
        checked,
        token,
        session_expires_at,
    }))
}
