//! The admin routes of held connections: granting an unattended connection once (`POST
//! /admin/connections/{name}/grant` → the provider's authorize URL; its callback completes in the
//! connection's object, which keeps the `state`), its health (`GET /connections/{name}`, never a
//! token) and disconnecting it (revoked where the provider offers RFC 7009). Every route needs
//! the administrator's secret header ([`bff::check_admin`]).

use crate::bff::{self, PendingLogin};
use crate::config::SERVER_ORIGIN;
use crate::messages::HeldOp;
use crate::objects::{call_held, field, held_stub};
use crate::runtime::Fetcher;
use crate::{config, http, now};
use tsunagi_core::json::{Escape, Json, ObjectWriter};
use tsunagi_core::{Error, ErrorCode, Result};
use worker::{Env, Headers, Response};

fn respond(status: u16, text: &str) -> Result<Response> {
    http::built(http::json(status, text))
}

/// The administrator's secret header against `ADMIN_TOKEN`.
pub fn authorize(env: &Env, headers: &Headers) -> Result<()> {
    let presented = headers.get(bff::ADMIN_HEADER).ok().flatten();
    bff::check_admin(config::var(env, "ADMIN_TOKEN").as_deref(), presented.as_deref())
}

/// The held connection `name`'s object stub.
async fn object(env: &Env, name: &str) -> Result<(crate::connections::Connection, crate::objects::ObjectStub)> {
    let c = config::connection(env, name)?;
    if !c.is_held() {
        return Err(Error::new(ErrorCode::NotFound, format!("connection '{name}' lives in browser sessions: it has no health or grant of its own")));
    }
    let client = config::client(env, &c, SERVER_ORIGIN).await?;
    let stub = held_stub(env, &config::held_object_name(env, &c, &client)?)?;
    Ok((c, stub))
}

/// Starts an unattended grant: a fresh `state` (and PKCE verifier) kept sealed in the
/// connection's object for 10 minutes; answers the URL the administrator opens.
pub async fn grant(env: &Env, name: &str, origin: &str) -> Result<Response> {
    let (c, stub) = object(env, name).await?;
    if !c.unattended {
        return Err(Error::new(ErrorCode::NotFound, format!("connection '{name}' is not unattended: it has no administrator grant")));
    }
    let client = config::client(env, &c, origin).await?;
    let params = c.authorize_params();
    let extra: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
    // through PAR (RFC 9126) when the connection's policy says so: pushed with its client authentication
    let (step, pending) = client.begin_authorization_step(&extra)?;
    let authorize_url = tsunagi_flows::par::authorize_url(&Fetcher::new(config::timeout_ms(env)), &client, step).await?;
    let expires_at = now().plus_secs(bff::PENDING_LOGIN_SECS);
    let pending = PendingLogin {
        connection: c.name.clone(),
        state: pending.state,
        pkce_verifier: pending.pkce_verifier,
        nonce: pending.nonce,
        return_to: "/".into(),
        expires_at,
    };
    let _: Json = call_held(&stub, &HeldOp::Begin { connection: c.name.clone(), origin: origin.to_owned(), pending }).await?;
    let mut w = ObjectWriter::new();
    w.str("connection", &c.name).str("authorize_url", &authorize_url).u64("expires_at", expires_at.as_millis());
    respond(200, &w.finish())
}

/// The provider's callback for an administrator's grant.
pub async fn complete(env: &Env, name: &str, callback_url: &str) -> Result<Response> {
    let (c, stub) = object(env, name).await?;
    let h: Json = call_held(&stub, &HeldOp::Complete { connection: c.name.clone(), callback_url: callback_url.to_owned() }).await?;
    let mut w = ObjectWriter::new();
    w.bool("granted", true).str("connection", &c.name).value("status", field(&h, "status")).value("next_refresh_at", field(&h, "next_refresh_at"));
    respond(200, &w.finish())
}

/// A held connection's health: connected or not, expiries, last and next refresh, last error.
pub async fn health(env: &Env, name: &str) -> Result<Response> {
    let (c, stub) = object(env, name).await?;
    let v: Json = call_held(&stub, &HeldOp::Health { connection: c.name }).await?;
    respond(200, &v.to_json(Escape::Minimal))
}

/// Forgets an unattended grant (revoking it where the provider offers it).
pub async fn disconnect(env: &Env, name: &str) -> Result<Response> {
    let (c, stub) = object(env, name).await?;
    let v: Json = call_held(&stub, &HeldOp::Disconnect { connection: c.name }).await?;
    respond(200, &v.to_json(Escape::Minimal))
}
