//! LawVu's configuration fields, declared once for both runtimes (the package's camelCase
//! config, the Worker's connection; `lawvu-authentication.txt`), and their reader.

use super::{LawVuConfig, LawVuEnvironment, GRANTS};
use crate::client::Client;
use crate::providers::fields::{Field, Fields, Registered, Settings};
use crate::secret::ClientSecret;
use crate::Result;

/// Sandbox or production hosts; the Worker defaults to production. Not needed when
/// `authorizeUrl`, `tokenUrl` and `apiBase` are all given (no host of it is used then).
const ENVIRONMENT: Field = Field::new("environment", "environment").worker_default("production");
const CLIENT_ID: Field = Field::new("clientId", "client_id");
/// The Worker supplies `{its origin}/auth/{name}/callback` when absent.
const REDIRECT_URI: Field = Field::new("redirectUri", "redirect_uri");
/// Optional: a confidential client (30-day refresh tokens); the Worker names its secret.
const CLIENT_SECRET: Field = Field::new("clientSecret", "secret");
const REGION_HINT: Field = Field::package("regionHint");
const AUTHORIZE_URL: Field = Field::new("authorizeUrl", "authorize_url");
const TOKEN_URL: Field = Field::new("tokenUrl", "token_url");
const API_BASE: Field = Field::new("apiBase", "api_base");

/// Every field above.
const FIELDS: &[Field] = &[ENVIRONMENT, CLIENT_ID, REDIRECT_URI, CLIENT_SECRET, REGION_HINT, AUTHORIZE_URL, TOKEN_URL, API_BASE];

/// LawVu's line of the registry.
pub(crate) const REGISTERED: Registered = Registered { id: super::ID, grants: GRANTS, fields: FIELDS, read };

fn read(f: &Fields<'_>) -> Result<Box<dyn Settings>> {
    let environment = f.choice(&ENVIRONMENT, LawVuEnvironment::parse, &["sandbox", "production"])?;
    let (authorize_url, token_url, api_base) = (f.url(&AUTHORIZE_URL)?, f.url(&TOKEN_URL)?, f.url(&API_BASE)?);
    let environment = match environment {
        Some(environment) => environment,
        // every endpoint is overridden: the environment's hosts are never used
        None if authorize_url.is_some() && token_url.is_some() && api_base.is_some() => LawVuEnvironment::Production,
        None => return Err(f.missing(&ENVIRONMENT, "is required unless authorizeUrl, tokenUrl and apiBase are all given")),
    };
    let mut cfg = LawVuConfig::new(environment, f.required(&CLIENT_ID, "is required")?, f.required_url(&REDIRECT_URI, "is required")?);
    cfg.client_secret = f.secret(&CLIENT_SECRET)?.map(ClientSecret::new);
    cfg.region_hint = f.string(&REGION_HINT)?;
    (cfg.authorize_url, cfg.token_url, cfg.api_base) = (authorize_url, token_url, api_base);
    Ok(Box::new(cfg))
}

impl Settings for LawVuConfig {
    fn client(&self) -> Result<Client> {
        LawVuConfig::client(self)
    }
}

#[cfg(test)]
mod tests {
    use crate::json::{self, Json};
    use crate::providers::fields::{Spelling, TestRuntime};
    use crate::providers::{client_from, ConfigSource};

    fn client(spelling: Spelling, text: &str) -> crate::Result<crate::Client> {
        let Ok(Json::Object(fields)) = json::parse(text) else { panic!("{text}") };
        client_from(&ConfigSource { provider: super::super::ID, fields: &fields, runtime: &TestRuntime(spelling, None) })
    }

    #[test]
    fn both_spellings_one_declaration() {
        let package =
            client(Spelling::Package, r#"{"environment": "sandbox", "clientId": "cid", "redirectUri": "https://app.example/cb", "clientSecret": "s"}"#);
        assert!(package.as_ref().is_ok_and(|c| c.is_confidential() && c.profile().token_endpoint.as_str().contains("api-sandbox")), "{package:?}");
        // the Worker: environment defaults to production, the redirect URI to the runtime's
        let worker = client(Spelling::Worker, r#"{"client_id": " cid ", "secret": "LAWVU_SECRET"}"#);
        assert!(worker.as_ref().is_ok_and(|c| c.profile().token_endpoint.as_str().contains("api.lawvu.com")), "{worker:?}");
        assert_eq!(worker.ok().and_then(|c| c.redirect_uri().map(|r| r.as_str().to_owned())).as_deref(), Some("https://worker.example/auth/x/callback"));
        // the package requires what the Worker defaults; each error names its field in the runtime's spelling
        let missing = client(Spelling::Package, r#"{"clientId": "cid", "redirectUri": "https://app.example/cb"}"#).err().map(|e| e.message().to_owned());
        let why = "is required unless authorizeUrl, tokenUrl and apiBase are all given";
        assert_eq!(missing, Some(format!("environment: Missing({why:?})")));
        let wrong = client(Spelling::Worker, r#"{"client_id": "cid", "environment": "staging"}"#).err().map(|e| e.message().to_owned());
        assert!(wrong.as_deref().is_some_and(|m| m.starts_with("environment: NotOneOf(\"staging\"")), "{wrong:?}");
        let typed = client(Spelling::Package, r#"{"environment": "sandbox", "clientId": 42, "redirectUri": "https://app.example/cb"}"#)
            .err()
            .map(|e| e.message().to_owned());
        assert_eq!(typed.as_deref(), Some("clientId: NotString"));
    }

    /// Issue 23: with all three URLs (the local sandbox's endpoints.json) no host of the
    /// environment is used, so the package does not ask for one; with fewer it still does.
    #[test]
    fn environment_not_needed_when_every_url_is_given() {
        let urls = r#""authorizeUrl": "http://127.0.0.1:9400/#/authorize", "tokenUrl": "http://127.0.0.1:9400/token", "apiBase": "http://127.0.0.1:9400/api""#;
        let all = client(Spelling::Package, &format!(r#"{{"clientId": "cid", "redirectUri": "https://app.example/cb", {urls}}}"#));
        let profile = all.as_ref().map(|c| c.profile());
        assert!(profile.is_ok_and(|p| p.token_endpoint.as_str() == "http://127.0.0.1:9400/token"), "{all:?}");
        let two = r#"{"clientId": "cid", "redirectUri": "https://app.example/cb", "authorizeUrl": "http://127.0.0.1:9400/#/authorize", "tokenUrl": "http://127.0.0.1:9400/token"}"#;
        let missing = client(Spelling::Package, two).err().map(|e| e.message().to_owned());
        assert_eq!(missing.as_deref(), Some("environment: Missing(\"is required unless authorizeUrl, tokenUrl and apiBase are all given\")"));
    }
}
