//! The control plane under `/__sandbox/` on every port (CORS-enabled): the
//! endpoints document, the clock, stats, reset, fault injection, runtime
//! options and the browser-less approve endpoints.

use crate::faults::FaultRequest;
use crate::options::OptionsPatch;
use crate::state::App;
use crate::util;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::middleware;
use axum::response::Response;
use axum::routing::{any, get, post};
use axum::Router;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::json;
use std::sync::Arc;

/// The control-plane routes (merged into every host's router).
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/__sandbox/endpoints", get(endpoints))
        .route("/__sandbox/clock", get(clock).post(advance_clock))
        .route("/__sandbox/stats", get(stats))
        .route("/__sandbox/reset", post(reset))
        .route("/__sandbox/faults", get(list_faults).post(inject_fault))
        .route("/__sandbox/options", get(options).post(set_options))
        .route("/__sandbox/lawvu/approve", post(crate::lawvu_web::control_approve))
        .route("/__sandbox/logiless/approve", post(crate::logiless::control_approve))
        .route("/__sandbox", any(unknown))
        .route("/__sandbox/{*rest}", any(unknown))
        .with_state(app)
        .layer(middleware::from_fn(crate::layers::cors))
}

fn bad(message: impl std::fmt::Display) -> Response {
    util::oauth_error(StatusCode::BAD_REQUEST, "invalid_request", &message.to_string())
}

fn parse<T: DeserializeOwned>(body: &Bytes) -> Result<T, String> {
    serde_json::from_slice(body).map_err(|e| format!("Bad request body: {e}"))
}

async fn unknown() -> Response {
    util::oauth_error(StatusCode::NOT_FOUND, "not_found", "Unknown control-plane endpoint")
}

async fn endpoints(State(app): State<Arc<App>>) -> Response {
    util::json(StatusCode::OK, &app.endpoints)
}

fn clock_body(app: &App) -> serde_json::Value {
    json!({"now": app.clock.now(), "offset_secs": app.clock.offset_secs()})
}

async fn clock(State(app): State<Arc<App>>) -> Response {
    util::json(StatusCode::OK, &clock_body(&app))
}

async fn advance_clock(State(app): State<Arc<App>>, body: Bytes) -> Response {
    #[derive(Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Advance {
        advance_secs: i64,
    }
    match parse::<Advance>(&body) {
        Ok(a) => {
            app.clock.advance(a.advance_secs);
            util::json(StatusCode::OK, &clock_body(&app))
        }
        Err(m) => bad(m),
    }
}

async fn stats(State(app): State<Arc<App>>) -> Response {
    let s = app.with(|s| s.stats.clone());
    util::json(StatusCode::OK, &s)
}

async fn reset(State(app): State<Arc<App>>) -> Response {
    app.reset();
    util::json(StatusCode::OK, &json!({"reset": true}))
}

async fn list_faults(State(app): State<Arc<App>>) -> Response {
    let pending = app.with(|s| s.faults.snapshot());
    util::json(StatusCode::OK, &json!({"pending": pending}))
}

async fn inject_fault(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let req: FaultRequest = match parse(&body) {
        Ok(r) => r,
        Err(m) => return bad(m),
    };
    match app.with(|s| s.faults.inject(&req)) {
        Ok(queued) => util::json(StatusCode::OK, &json!({"queued": queued})),
        Err(m) => bad(m),
    }
}

async fn options(State(app): State<Arc<App>>) -> Response {
    let o = app.with(|s| s.options.clone());
    util::json(StatusCode::OK, &o)
}

async fn set_options(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let patch: OptionsPatch = match parse(&body) {
        Ok(p) => p,
        Err(m) => return bad(m),
    };
    let result = app.with(|s| {
        let next = s.options.patched(&patch)?;
        if next.logiless_rate_limit != s.options.logiless_rate_limit {
            s.logiless_window = crate::rate_limit::FixedWindow::new(next.logiless_rate_limit);
        }
        if next.legalon_rate_limit != s.options.legalon_rate_limit {
            s.legalon_window = crate::rate_limit::FixedWindow::new(next.legalon_rate_limit);
        }
        s.options = next.clone();
        Ok::<_, String>(next)
    });
    match result {
        Ok(o) => util::json(StatusCode::OK, &o),
        Err(m) => bad(m),
    }
}
