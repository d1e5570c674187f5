//! The pushed authorization step (RFC 9126) against a scripted PAR endpoint: one push per
//! authorization, the URL built from its `request_uri`, a refusal typed with the server's code.
#![cfg(feature = "oidc")]

use futures_executor::block_on;
use std::cell::RefCell;
use tsunagi_core::par::AuthorizeStep;
use tsunagi_core::providers::generic::GenericConfig;
use tsunagi_core::{Client, ErrorCode, HttpRequest, HttpResponse, Result};
use tsunagi_flows::par::authorize_url;
use tsunagi_flows::Transport;

/// Answers pushes with `answer`, recording each request.
struct Par {
    answer: (u16, &'static str),
    seen: RefCell<Vec<HttpRequest>>,
}

impl Transport for Par {
    type Answer = HttpResponse;
    async fn send(&self, request: &HttpRequest) -> Result<HttpResponse> {
        self.seen.borrow_mut().push(request.clone());
        Ok(HttpResponse::new(self.answer.0, vec![("content-type".into(), "application/json".into())], self.answer.1))
    }
}

fn client(par: Option<bool>) -> Client {
    let mut cfg = GenericConfig::new(Some("https://as.example/authorize".into()), "https://as.example/token", "cid");
    cfg.redirect_uri = Some("https://app.example/cb".into());
    cfg.par = par;
    cfg.par_endpoint = Some("https://as.example/par".into());
    cfg.client().unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn a_push_becomes_a_request_uri_url() {
    let server = Par { answer: (201, r#"{"request_uri":"urn:ietf:params:oauth:request_uri:abc","expires_in":60}"#), seen: RefCell::default() };
    let c = client(Some(true));
    let (step, _) = c.begin_authorization_step_with_entropy(&[1; 32], &[2; 32], &[]).unwrap_or_else(|e| panic!("{e}"));
    let url = block_on(authorize_url(&server, &c, step));
    assert_eq!(url.ok().as_deref(), Some("https://as.example/authorize?client_id=cid&request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3Aabc"));
    assert_eq!(server.seen.borrow().len(), 1);
    assert!(server.seen.borrow().iter().all(|r| r.url == "https://as.example/par" && r.body.as_deref().is_some_and(|b| b.contains("code_challenge="))));
}

#[test]
fn a_refused_push_is_the_servers_error_and_a_redirect_sends_nothing() {
    let server = Par { answer: (400, r#"{"error":"invalid_request","error_description":"redirect_uri mismatch"}"#), seen: RefCell::default() };
    let c = client(Some(true));
    let (step, _) = c.begin_authorization_step_with_entropy(&[1; 32], &[2; 32], &[]).unwrap_or_else(|e| panic!("{e}"));
    let e = block_on(authorize_url(&server, &c, step)).err();
    assert_eq!(e.as_ref().map(|e| (e.code(), e.oauth_error())), Some((ErrorCode::InvalidRequest, Some("invalid_request"))));
    assert_eq!(server.seen.borrow().len(), 1, "sent once, never retried");
    let plain = client(None);
    let (step, _) = plain.begin_authorization_step_with_entropy(&[1; 32], &[2; 32], &[]).unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(step, AuthorizeStep::Redirect(_)), "a PAR endpoint the server does not require: not used by default");
    assert!(block_on(authorize_url(&server, &plain, step)).is_ok());
    assert_eq!(server.seen.borrow().len(), 1);
}
