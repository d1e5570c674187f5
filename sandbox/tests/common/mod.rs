//! Shared test helpers: an in-process sandbox on ephemeral loopback ports,
//! a non-redirecting HTTP client and shortcuts for the control plane.
#![allow(dead_code)]

use reqwest::{Client, Response};
use serde_json::{json, Value};
use tsunagi_sandbox::{start, Config, Endpoints, Handle};

pub struct Sbx {
    pub handle: Handle,
    pub ep: Endpoints,
    pub http: Client,
}

pub async fn sandbox() -> Sbx {
    sandbox_with(Config::default()).await
}

pub async fn sandbox_with(mut cfg: Config) -> Sbx {
    cfg.base_port = 0;
    let handle = start(cfg).await.expect("sandbox starts");
    let ep = handle.endpoints().clone();
    let http = Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    Sbx { handle, ep, http }
}

/// Decodes `application/x-www-form-urlencoded` query of a URL into pairs.
pub fn query_pairs(url: &str) -> Vec<(String, String)> {
    let q = url.split('#').next().unwrap_or("");
    let q = q.split_once('?').map(|(_, q)| q).unwrap_or("");
    form_urlencoded::parse(q.as_bytes()).into_owned().collect()
}

pub fn query_get(url: &str, name: &str) -> Option<String> {
    query_pairs(url).into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

pub fn enc(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

pub const LAWVU_CB: &str = "http://localhost:8787/auth/lawvu/callback";

impl Sbx {
    pub fn control(&self, path: &str) -> String {
        format!("{}/{}", self.ep.control_url, path)
    }

    pub async fn post_control(&self, path: &str, body: Value) -> Response {
        self.http.post(self.control(path)).json(&body).send().await.expect("control request")
    }

    pub async fn control_ok(&self, path: &str, body: Value) -> Value {
        let r = self.post_control(path, body).await;
        assert_eq!(r.status(), 200, "control {path}");
        r.json().await.expect("json")
    }

    /// `GET {control_url}/{path}` as JSON.
    pub async fn get_control(&self, path: &str) -> Value {
        self.http.get(self.control(path)).send().await.expect("control request").json().await.expect("json")
    }

    pub async fn stats(&self) -> Value {
        self.get_control("stats").await
    }

    pub async fn advance(&self, secs: i64) {
        self.control_ok("clock", json!({"advance_secs": secs})).await;
    }

    pub async fn now(&self) -> i64 {
        let v: Value = self.http.get(self.control("clock")).send().await.unwrap().json().await.unwrap();
        v["now"].as_i64().unwrap()
    }

    pub async fn fault(&self, provider: &str, endpoint: &str, kind: &str, count: u32, delay_ms: Option<u64>) {
        let mut body = json!({"provider": provider, "endpoint": endpoint, "kind": kind, "count": count});
        if let Some(d) = delay_ms {
            body["delay_ms"] = json!(d);
        }
        self.control_ok("faults", body).await;
    }

    pub fn confidential_id(&self) -> String {
        self.ep.lawvu.confidential_client.as_ref().unwrap().client_id.clone()
    }

    pub fn confidential_secret(&self) -> String {
        self.ep.lawvu.confidential_client.as_ref().unwrap().client_secret.clone().unwrap()
    }

    pub fn public_id(&self) -> String {
        self.ep.lawvu.public_client.as_ref().unwrap().client_id.clone()
    }

    /// The LawVu authorize URL a correct client builds (query inside the fragment).
    pub fn lawvu_authorize_url(&self, client_id: &str, redirect_uri: &str, state: Option<&str>) -> String {
        let mut url = format!("{}?response_type=code&client_id={}&redirect_uri={}", self.ep.lawvu.authorize_url, enc(client_id), enc(redirect_uri));
        if let Some(s) = state {
            url.push_str(&format!("&state={}", enc(s)));
        }
        url
    }

    /// Runs the LawVu approve flow; returns the redirect URL.
    pub async fn lawvu_redirect(&self, client_id: &str, redirect_uri: &str, state: Option<&str>) -> String {
        let url = self.lawvu_authorize_url(client_id, redirect_uri, state);
        let v = self.control_ok("lawvu/approve", json!({"authorize_url": url, "user_id": "user-id-123"})).await;
        v["redirect_url"].as_str().unwrap().to_string()
    }

    pub async fn lawvu_code(&self, client_id: &str, redirect_uri: &str) -> String {
        let r = self.lawvu_redirect(client_id, redirect_uri, Some("st")).await;
        query_get(&r, "code").expect("code in redirect")
    }

    pub async fn lawvu_token(&self, form: &[(&str, &str)]) -> Response {
        self.http.post(&self.ep.lawvu.token_url).form(form).send().await.unwrap()
    }

    /// Exchanges a fresh code; `secret` selects the 30-day family.
    pub async fn lawvu_tokens(&self, with_secret: bool) -> Value {
        let id = self.confidential_id();
        let secret = self.confidential_secret();
        let code = self.lawvu_code(&id, LAWVU_CB).await;
        let mut form = vec![("grant_type", "authorization_code"), ("client_id", id.as_str()), ("code", code.as_str()), ("redirect_uri", LAWVU_CB)];
        if with_secret {
            form.push(("client_secret", secret.as_str()));
        }
        let r = self.lawvu_token(&form).await;
        assert_eq!(r.status(), 200);
        r.json().await.unwrap()
    }

    pub async fn logiless_code(&self, state: Option<&str>) -> String {
        let mut params = json!({
            "client_id": self.ep.logiless.client_id,
            "redirect_uri": self.ep.logiless.redirect_uri,
            "response_type": "code",
        });
        if let Some(s) = state {
            params["state"] = json!(s);
        }
        let v = self.control_ok("logiless/approve", json!({"params": params, "user_id": "user-id-125"})).await;
        query_get(v["redirect_url"].as_str().unwrap(), "code").expect("code")
    }

    pub async fn logiless_token(&self, params: &[(&str, &str)]) -> Response {
        self.http.get(&self.ep.logiless.token_url).query(params).send().await.unwrap()
    }

    /// Code → tokens; returns the parsed body.
    pub async fn logiless_tokens(&self) -> Value {
        let code = self.logiless_code(None).await;
        let l = &self.ep.logiless;
        let r = self
            .logiless_token(&[
                ("client_id", &l.client_id),
                ("client_secret", &l.client_secret),
                ("code", &code),
                ("grant_type", "authorization_code"),
                ("redirect_uri", &l.redirect_uri),
            ])
            .await;
        assert_eq!(r.status(), 200);
        r.json().await.unwrap()
    }

    pub async fn legalon_token_with(&self, auth: Option<&str>, body: &str) -> Response {
        let mut req = self.http.post(&self.ep.legalon.token_url).header("Content-Type", "application/x-www-form-urlencoded").body(body.to_string());
        if let Some(a) = auth {
            req = req.header("Authorization", a);
        }
        req.send().await.unwrap()
    }

    pub async fn legalon_access(&self) -> String {
        let cred = self.ep.legalon.credentials.clone().unwrap();
        let r = self.legalon_token_with(Some(&format!("Basic {cred}")), "grant_type=client_credentials").await;
        assert_eq!(r.status(), 200);
        let v: Value = r.json().await.unwrap();
        v["access_token"].as_str().unwrap().to_string()
    }
}

pub async fn error_of(r: Response) -> (u16, String, String) {
    let status = r.status().as_u16();
    let v: Value = r.json().await.expect("json error body");
    (status, v["error"].as_str().unwrap_or_default().to_string(), v["error_description"].as_str().unwrap_or_default().to_string())
}
