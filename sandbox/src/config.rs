//! Sandbox configuration: seeded users, clients, credentials, lifetimes and
//! rate limits. Everything has a default, so no file is needed; a JSON file
//! given with `--config` overrides any subset of it.

use serde::{Deserialize, Serialize};
use std::path::Path;

/// Content types LawVu is known to serve token responses with.
pub const CONTENT_TYPES: [&str; 3] = ["application/json", "text/plain", "text/json"];

/// Everything the sandbox is seeded with.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// First port; the five hosts use `base_port + 0..=4`. `0` = ephemeral ports.
    pub base_port: u16,
    /// Users shared by all three providers (LawVu login, Logiless consent).
    pub users: Vec<User>,
    pub lawvu: LawvuConfig,
    pub logiless: LogilessConfig,
    pub legalon: LegalonConfig,
}

/// A seeded user who can log in on the LawVu and Logiless pages.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct User {
    pub id: String,
    pub name: String,
    pub organisation_id: String,
    pub email: String,
}

/// LawVu: clients, signing key and lifetimes.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LawvuConfig {
    pub clients: Vec<LawvuClient>,
    /// HS256 key for access-token JWTs.
    pub jwt_signing_key: String,
    pub code_lifetime_secs: i64,
    pub access_token_lifetime_secs: i64,
    /// Refresh lifetime when a client_secret was used (30 days).
    pub refresh_lifetime_with_secret_secs: i64,
    /// Refresh lifetime when no client_secret was used (1 day).
    pub refresh_lifetime_without_secret_secs: i64,
    /// `application/json`, `text/plain` or `text/json` for token successes.
    pub token_content_type: String,
    /// Revoke a whole refresh family when a spent refresh token is replayed.
    pub revoke_family_on_reuse: bool,
}

/// A registered LawVu integration client.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct LawvuClient {
    pub client_id: String,
    #[serde(default)]
    pub client_secret: Option<String>,
    /// `sandbox` (any valid redirect URI) or `production` (whitelist only).
    pub environment: String,
    #[serde(default)]
    pub redirect_uris: Vec<String>,
    #[serde(default)]
    pub name: Option<String>,
}

/// Logiless: the one registered application and its merchant.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogilessConfig {
    pub client_id: String,
    pub client_secret: String,
    pub redirect_uri: String,
    pub merchant_id: String,
    pub code_lifetime_secs: i64,
    /// Lifetime of both access and refresh tokens (30 days).
    pub token_lifetime_secs: i64,
    /// Serve token successes in the vendor sample's exact (invalid JSON) form.
    pub sample_format: bool,
    pub rate_limit: RateLimitConfig,
}

/// LegalOn: console-issued credentials and lifetimes.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LegalonConfig {
    pub credentials: Vec<LegalonCredential>,
    pub token_lifetime_secs: i64,
    pub rate_limit: RateLimitConfig,
}

/// One API credentials value as shown once by the LegalOn admin console.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct LegalonCredential {
    pub value: String,
    #[serde(default)]
    pub expired: bool,
    #[serde(default)]
    pub display_name: Option<String>,
}

/// A fixed-window rate limit: `limit` requests per `window_secs`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RateLimitConfig {
    pub limit: u32,
    pub window_secs: u32,
}

impl Default for Config {
    fn default() -> Self {
        Self { base_port: 9400, users: default_users(), lawvu: LawvuConfig::default(), logiless: LogilessConfig::default(), legalon: LegalonConfig::default() }
    }
}

fn user(id: &str, name: &str, org: &str, email: &str) -> User {
    User { id: id.into(), name: name.into(), organisation_id: org.into(), email: email.into() }
}

fn default_users() -> Vec<User> {
    vec![
        user("user-id-123", "Jane Smith", "org-id-456", "jane.smith@acme-legal.example"),
        user("user-id-124", "Tom Baker", "org-id-456", "tom.baker@acme-legal.example"),
        user("user-id-125", "山田 太郎", "org-id-456", "taro.yamada@acme-legal.example"),
        user("user-id-789", "Aroha Ngata", "org-id-789", "aroha.ngata@kiwi-counsel.example"),
    ]
}

impl Default for LawvuConfig {
    fn default() -> Self {
        Self {
            clients: vec![
                LawvuClient {
                    client_id: "sbx-lawvu-backend".into(),
                    client_secret: Some("sbx_lawvu_secret_Q7m2vX9pL4rT8wK3nZ6bY1cF5hJ0dS2a".into()),
                    environment: "production".into(),
                    redirect_uris: vec!["http://localhost:8787/auth/lawvu/callback".into(), "http://127.0.0.1:8787/auth/lawvu/callback".into()],
                    name: Some("tsunagi backend (sandbox)".into()),
                },
                LawvuClient {
                    client_id: "sbx-lawvu-spa".into(),
                    client_secret: None,
                    environment: "sandbox".into(),
                    redirect_uris: vec![],
                    name: Some("tsunagi browser app (sandbox)".into()),
                },
            ],
            jwt_signing_key: "sbx_lawvu_jwt_hs256_key_do_not_use_in_production_3f9a1c7e".into(),
            code_lifetime_secs: 300,
            access_token_lifetime_secs: 3600,
            refresh_lifetime_with_secret_secs: 30 * 86_400,
            refresh_lifetime_without_secret_secs: 86_400,
            token_content_type: "application/json".into(),
            revoke_family_on_reuse: false,
        }
    }
}

impl Default for LogilessConfig {
    fn default() -> Self {
        Self {
            client_id: "sbx_logiless_client_6d2f9a41".into(),
            client_secret: "sbx_logiless_secret_b8E3kR7wP2nV5xL9qT4mZ1cY6hA0dJ3s".into(),
            redirect_uri: "http://localhost:8787/auth/logiless/callback".into(),
            merchant_id: "1024".into(),
            code_lifetime_secs: 600,
            token_lifetime_secs: 2_592_000,
            sample_format: false,
            rate_limit: RateLimitConfig { limit: 5, window_secs: 5 },
        }
    }
}

impl Default for LegalonConfig {
    fn default() -> Self {
        Self {
            credentials: vec![
                LegalonCredential {
                    value: "sbx_legalon_cred_Zk4Pq8Wm2Xr6Tn1Vb5Yc9Hd3Lf7Js0Ga".into(),
                    expired: false,
                    display_name: Some("sbx-batch-integration".into()),
                },
                LegalonCredential {
                    value: "sbx_legalon_expired_Mv3Nb7Qw1Er5Ty9Ui2Op6As4Df8Gh0Jk".into(),
                    expired: true,
                    display_name: Some("sbx-expired-test-client".into()),
                },
            ],
            token_lifetime_secs: 1200,
            rate_limit: RateLimitConfig { limit: 100, window_secs: 60 },
        }
    }
}

/// Why a configuration could not be loaded.
#[derive(Debug)]
pub enum ConfigError {
    Io(std::io::Error),
    Parse(serde_json::Error),
    Invalid(String),
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Io(e) => write!(f, "cannot read config file: {e}"),
            Self::Parse(e) => write!(f, "cannot parse config file: {e}"),
            Self::Invalid(m) => write!(f, "invalid config: {m}"),
        }
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    /// Reads and validates a JSON config file.
    pub fn from_file(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(ConfigError::Io)?;
        Self::from_json(&text)
    }

    /// Parses and validates a JSON config.
    pub fn from_json(text: &str) -> Result<Self, ConfigError> {
        let cfg: Config = serde_json::from_str(text).map_err(ConfigError::Parse)?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Checks the invariants the handlers rely on.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let bad = |m: &str| Err(ConfigError::Invalid(m.to_string()));
        if self.users.is_empty() {
            return bad("at least one user is required");
        }
        for c in &self.lawvu.clients {
            if c.environment != "sandbox" && c.environment != "production" {
                return bad("lawvu client environment must be \"sandbox\" or \"production\"");
            }
        }
        if !CONTENT_TYPES.contains(&self.lawvu.token_content_type.as_str()) {
            return bad("lawvu.token_content_type must be application/json, text/plain or text/json");
        }
        for rl in [self.logiless.rate_limit, self.legalon.rate_limit] {
            if rl.limit == 0 || rl.window_secs == 0 {
                return bad("rate limits need limit >= 1 and window_secs >= 1");
            }
        }
        let lifetimes = [
            self.lawvu.code_lifetime_secs,
            self.lawvu.access_token_lifetime_secs,
            self.lawvu.refresh_lifetime_with_secret_secs,
            self.lawvu.refresh_lifetime_without_secret_secs,
            self.logiless.code_lifetime_secs,
            self.logiless.token_lifetime_secs,
            self.legalon.token_lifetime_secs,
        ];
        if lifetimes.iter().any(|l| *l <= 0) {
            return bad("lifetimes must be positive");
        }
        if self.lawvu.jwt_signing_key.len() < 16 {
            return bad("lawvu.jwt_signing_key must be at least 16 bytes");
        }
        Ok(())
    }

    /// Finds a seeded user by id.
    pub fn user(&self, id: &str) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }

    /// Finds a LawVu client by id.
    pub fn lawvu_client(&self, id: &str) -> Option<&LawvuClient> {
        self.lawvu.clients.iter().find(|c| c.client_id == id)
    }
}
