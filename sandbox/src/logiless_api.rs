//! Logiless API (`/api/v1/merchant/{merchant_id}/...`): bearer check, the
//! fixed-window rate limit with `X-RateLimit-*` on every response, paged
//! stores, and sales-order creation that rejects raw non-ASCII JSON bytes.

use crate::clock::iso_utc;
use crate::fault_layer;
use crate::faults::{Endpoint, Provider};
use crate::seed;
use crate::state::App;
use crate::util::{self, content_type_is, Params};
use axum::body::Bytes;
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Map, Value};
use std::sync::Arc;

/// Router mounted at `/api/v1`.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/merchant/{merchant_id}/stores", get(stores))
        .route("/merchant/{merchant_id}/sales_orders/new", post(create_sales_order))
        .fallback(|| async { util::oauth_error(StatusCode::NOT_FOUND, "not_found", "No such API endpoint") })
        .layer(middleware::from_fn_with_state(app.clone(), guard))
        .layer(middleware::from_fn_with_state((app.clone(), Provider::Logiless, Endpoint::Api), fault_layer::middleware))
        .with_state(app)
}

/// The 400 envelope Logiless uses for validation errors.
pub fn validation_failed(errors: Value) -> Response {
    util::json(StatusCode::BAD_REQUEST, &json!({"code": 400, "message": "Validation Failed", "errors": errors}))
}

/// Counts the call, applies the rate limit (every request counts except those
/// answered 429), then checks the bearer token; adds `X-RateLimit-*`.
async fn guard(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let now_ms = app.clock.now_ms();
    let now = app.now();
    let token = util::bearer(req.headers());
    let (decision, auth) = app.with(|s| {
        s.stats.logiless.api_calls += 1;
        let d = s.logiless_window.hit(now_ms);
        if !d.allowed {
            s.stats.logiless.rate_limited += 1;
        }
        let auth = match &token {
            None => Err("Missing bearer access token"),
            Some(t) => match s.logiless.access.get(t) {
                None => Err("The access token is invalid"),
                Some(rec) if rec.expires_at <= now => Err("The access token has expired"),
                Some(_) => Ok(()),
            },
        };
        (d, auth)
    });
    let mut resp = if !decision.allowed {
        util::oauth_error(StatusCode::TOO_MANY_REQUESTS, "too_many_requests", "API rate limit exceeded; retry after X-RateLimit-Reset seconds")
    } else {
        match auth {
            Err(d) => {
                let mut r = util::oauth_error(StatusCode::UNAUTHORIZED, "invalid_token", d);
                let challenge = format!("Bearer error=\"invalid_token\", error_description=\"{d}\"");
                if let Ok(v) = HeaderValue::from_str(&challenge) {
                    r.headers_mut().insert(header::WWW_AUTHENTICATE, v);
                }
                r
            }
            Ok(()) => next.run(req).await,
        }
    };
    decision.apply(resp.headers_mut());
    resp
}

/// `Some(403)` when the path's merchant is not the token's merchant.
fn check_merchant(app: &App, merchant_id: &str) -> Option<Response> {
    (merchant_id != app.cfg.logiless.merchant_id)
        .then(|| util::oauth_error(StatusCode::FORBIDDEN, "forbidden", "The access token does not grant access to this merchant"))
}

fn int_param(p: &Params, name: &str, default: u64, max: u64, errors: &mut Map<String, Value>) -> u64 {
    match p.get(name) {
        None => default,
        Some(v) => match v.parse::<u64>() {
            Ok(n) if (1..=max).contains(&n) => n,
            _ => {
                errors.insert(name.to_string(), json!([format!("{name} must be an integer between 1 and {max}")]));
                default
            }
        },
    }
}

/// `GET /api/v1/merchant/{merchant_id}/stores?limit=&page=`.
async fn stores(State(app): State<Arc<App>>, Path(merchant_id): Path<String>, uri: Uri) -> Response {
    if let Some(r) = check_merchant(&app, &merchant_id) {
        return r;
    }
    let p = Params::parse(uri.query().unwrap_or("").as_bytes());
    let mut errors = Map::new();
    let limit = int_param(&p, "limit", 20, 100, &mut errors);
    let page = int_param(&p, "page", 1, 1_000_000, &mut errors);
    if !errors.is_empty() {
        return validation_failed(Value::Object(errors));
    }
    let all = seed::logiless_stores();
    let skip = usize::try_from((page - 1).saturating_mul(limit)).unwrap_or(usize::MAX);
    let data: Vec<Value> = all.iter().skip(skip).take(limit as usize).cloned().collect();
    util::json(StatusCode::OK, &json!({"data": data, "current_page": page, "limit": limit, "total_count": all.len()}))
}

/// `POST /api/v1/merchant/{merchant_id}/sales_orders/new`.
async fn create_sales_order(State(app): State<Arc<App>>, Path(merchant_id): Path<String>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(r) = check_merchant(&app, &merchant_id) {
        return r;
    }
    if !content_type_is(&headers, "application/json") {
        return validation_failed(json!({"Content-Type": ["Content-Type must be application/json"]}));
    }
    if let Some(pos) = body.iter().position(|b| !b.is_ascii()) {
        return validation_failed(json!({"body": [format!(
            "Non-ASCII characters must be sent as \\uNNNN escapes (raw byte 0x{:02X} at offset {pos})",
            body.get(pos).copied().unwrap_or(0)
        )]}));
    }
    let value: Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => return validation_failed(json!({"body": [format!("Malformed JSON: {e}")]})),
    };
    let Value::Object(fields) = value else {
        return validation_failed(json!({"body": ["The request body must be a JSON object"]}));
    };
    let id = app.with(|s| {
        let id = s.logiless.next_order_id;
        s.logiless.next_order_id += 1;
        id
    });
    let mut order = Map::new();
    order.insert("id".into(), json!(id));
    order.insert("merchant_id".into(), json!(merchant_id));
    for (k, v) in fields {
        if k != "id" && k != "merchant_id" {
            order.insert(k, v);
        }
    }
    order.insert("created_at".into(), json!(iso_utc(app.now())));
    util::json(StatusCode::CREATED, &Value::Object(order))
}
