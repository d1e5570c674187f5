//! LegalOn's configuration fields, declared once for both runtimes (the package's camelCase
//! config, the Worker's connection; `legalon-getting-started.txt`), and their reader.

use super::{LegalOnConfig, LegalOnRegion, GRANTS};
use crate::client::Client;
use crate::providers::fields::{Field, Fields, Registered, Settings};
use crate::secret::BasicCredentials;
use crate::Result;

/// The contracted region; the Worker defaults to jp.
const REGION: Field = Field::new("region", "region").worker_default("jp");
/// The API credentials value, sent as Basic credentials as issued; the Worker names its secret.
const CREDENTIALS: Field = Field::new("credentials", "secret");
const TOKEN_URL: Field = Field::new("tokenUrl", "token_url");

/// Every field above.
const FIELDS: &[Field] = &[REGION, CREDENTIALS, TOKEN_URL];

/// LegalOn's line of the registry.
pub(crate) const REGISTERED: Registered = Registered { id: super::ID, grants: GRANTS, fields: FIELDS, read };

fn read(f: &Fields<'_>) -> Result<Box<dyn Settings>> {
    let region = f.choice(&REGION, LegalOnRegion::parse, &["us", "jp"])?.ok_or_else(|| f.missing(&REGION, "is required"))?;
    let credentials =
        f.secret(&CREDENTIALS)?.ok_or_else(|| f.missing(&CREDENTIALS, "is required: the name of the secret holding LegalOn's API credentials"))?;
    let mut cfg = LegalOnConfig::new(region, BasicCredentials::new(credentials));
    cfg.token_url = f.url(&TOKEN_URL)?;
    Ok(Box::new(cfg))
}

impl Settings for LegalOnConfig {
    fn client(&self) -> Result<Client> {
        LegalOnConfig::client(self)
    }
}
