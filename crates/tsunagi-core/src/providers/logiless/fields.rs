//! Logiless' configuration fields, declared once for both runtimes (the package's camelCase
//! config, the Worker's connection; `logiless-authentication.ja.txt`), and their reader.

use super::{LogilessConfig, GRANTS};
use crate::client::Client;
use crate::providers::fields::{Field, Fields, Registered, Settings};
use crate::secret::ClientSecret;
use crate::Result;

const CLIENT_ID: Field = Field::new("clientId", "client_id");
/// Required: Logiless' clients are confidential; the Worker names its secret.
const CLIENT_SECRET: Field = Field::new("clientSecret", "secret");
/// The Worker supplies `{its origin}/auth/{name}/callback` when absent.
const REDIRECT_URI: Field = Field::new("redirectUri", "redirect_uri");
const MERCHANT_ID: Field = Field::new("merchantId", "merchant_id");
const AUTHORIZE_URL: Field = Field::new("authorizeUrl", "authorize_url");
const TOKEN_URL: Field = Field::new("tokenUrl", "token_url");
const API_BASE: Field = Field::new("apiBase", "api_base");

/// Every field above.
const FIELDS: &[Field] = &[CLIENT_ID, CLIENT_SECRET, REDIRECT_URI, MERCHANT_ID, AUTHORIZE_URL, TOKEN_URL, API_BASE];

/// Logiless' line of the registry.
pub(crate) const REGISTERED: Registered = Registered { id: super::ID, grants: GRANTS, fields: FIELDS, read };

fn read(f: &Fields<'_>) -> Result<Box<dyn Settings>> {
    let client_id = f.required(&CLIENT_ID, "is required")?;
    let secret = f.secret(&CLIENT_SECRET)?.ok_or_else(|| f.missing(&CLIENT_SECRET, "is required: the name of the secret holding the client secret"))?;
    let mut cfg = LogilessConfig::new(client_id, ClientSecret::new(secret), f.required_url(&REDIRECT_URI, "is required")?);
    cfg.merchant_id = f.string(&MERCHANT_ID)?;
    cfg.authorize_url = f.url(&AUTHORIZE_URL)?;
    cfg.token_url = f.url(&TOKEN_URL)?;
    cfg.api_base = f.url(&API_BASE)?;
    Ok(Box::new(cfg))
}

impl Settings for LogilessConfig {
    fn client(&self) -> Result<Client> {
        LogilessConfig::client(self)
    }
}
