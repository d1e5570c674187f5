//! What the core's loopback tests share: sending a request the core built with a plain HTTP client
//! (no redirects followed, as a runtime's transport does) and handing the answer back to the core.

use tsunagi_core::{HttpRequest, HttpResponse};

/// Sends `req` with `http` and returns status, headers and body; panics (a test failure) when the
/// server cannot be reached, naming the URL without its query.
pub async fn send(http: &reqwest::Client, req: &HttpRequest) -> HttpResponse {
    let method = reqwest::Method::from_bytes(req.method.as_str().as_bytes()).unwrap_or(reqwest::Method::GET);
    let mut b = http.request(method, &req.url);
    for (k, v) in &req.headers {
        b = b.header(k, v);
    }
    if let Some(body) = &req.body {
        b = b.body(body.clone());
    }
    let resp = b.send().await.unwrap_or_else(|e| panic!("send {}: {e}", tsunagi_core::http::redact_query(&req.url)));
    let status = resp.status().as_u16();
    let headers = resp.headers().iter().map(|(k, v)| (k.to_string(), v.to_str().unwrap_or_default().to_owned())).collect();
    HttpResponse::new(status, headers, resp.text().await.unwrap_or_default())
}
