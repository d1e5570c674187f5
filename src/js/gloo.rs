//! The token endpoint's transport over **gloo-net** instead of the page's `fetch` port: built only
//! with the `gloo-net` feature, so `make bench` can weigh the design card's HTTP crate inside the
//! real package (BENCHMARKS.md). The shipped package keeps the port: the app's own `fetch` is an
//! `OAuthClient` option, and the port costs no wasm bytes.

use gloo_net::http::{Method as GlooMethod, RequestBuilder};
use tsunagi_core::{Error, ErrorCode, HttpRequest, HttpResponse, Method, Result};
use tsunagi_flows::{Answer, Transport};
use web_sys::RequestRedirect;

/// `fetch` through gloo-net: no redirects followed (RFC 6749 §3.2 endpoints answer directly).
pub(crate) struct GlooTransport;

/// A gloo-net response: status and headers read, the body still unread.
pub(crate) struct GlooAnswer {
    head: HttpResponse,
    response: gloo_net::http::Response,
}

fn transport() -> Error {
    Error::new(ErrorCode::Transport, "the request could not be sent")
}

impl Answer for GlooAnswer {
    fn head(&self) -> &HttpResponse {
        &self.head
    }
    async fn read(self) -> Result<HttpResponse> {
        let mut full = self.head;
        full.body = self.response.text().await.map_err(|_| transport())?;
        Ok(full)
    }
}

impl Transport for GlooTransport {
    type Answer = GlooAnswer;
    async fn send(&self, request: &HttpRequest) -> Result<GlooAnswer> {
        let method = match request.method {
            Method::Get => GlooMethod::GET,
            Method::Post => GlooMethod::POST,
            Method::Put => GlooMethod::PUT,
            Method::Patch => GlooMethod::PATCH,
            Method::Delete => GlooMethod::DELETE,
        };
        let mut builder = RequestBuilder::new(&request.url).method(method).redirect(RequestRedirect::Manual);
        for (k, v) in &request.headers {
            builder = builder.header(k, v);
        }
        let response = match &request.body {
            Some(body) => builder.body(body.as_str()).map_err(|_| transport())?.send().await,
            None => builder.send().await,
        }
        .map_err(|_| transport())?;
        let headers = response.headers().entries().map(|(k, v)| (k.to_ascii_lowercase(), v)).collect();
        Ok(GlooAnswer { head: HttpResponse::new(response.status(), headers, ""), response })
    }
}
