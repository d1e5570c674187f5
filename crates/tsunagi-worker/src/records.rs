//! The Worker's records as JSON text, written and read by the core's codec ([`tsunagi_core::json`]:
//! numbers kept as text, no floating point, no serde_json in the Worker's wasm; issue 24): a token
//! set as its object stores it, the sign-in in progress. The shapes are the ones serde wrote
//! before (same names, same order, `null` for an absent value), so every stored record still reads.

use crate::bff::PendingLogin;
use tsunagi_core::json::{self, Json, JsonObject, ObjectWriter};
use tsunagi_core::nonce::Nonce;
use tsunagi_core::pkce::PkceVerifier;
use tsunagi_core::secret::{AccessToken, RefreshToken};
use tsunagi_core::state::State;
use tsunagi_core::time::Timestamp;
use tsunagi_core::token_set::{TokenGrant, TokenSet};

/// A JSON object's text read into its members (`None`: not JSON, or not an object).
pub fn object(text: &str) -> Option<JsonObject> {
    match json::parse(text).ok()? {
        Json::Object(o) => Some(o),
        _ => None,
    }
}

/// A required string member.
pub fn req_str<'a>(o: &'a JsonObject, name: &str) -> Option<&'a str> {
    o.get_str(name)
}

/// An optional string member: absent or `null` is `Some(None)`; any other type is `None` (not
/// this record).
pub fn opt_str<'a>(o: &'a JsonObject, name: &str) -> Option<Option<&'a str>> {
    match o.get(name) {
        None | Some(Json::Null) => Some(None),
        Some(Json::String(s)) => Some(Some(s)),
        Some(_) => None,
    }
}

/// A required non-negative integer member.
pub fn req_u64(o: &JsonObject, name: &str) -> Option<u64> {
    o.get(name).and_then(Json::as_u64)
}

/// An optional non-negative integer member: absent or `null` is `Some(None)`; anything else that
/// is not such an integer is `None` (not this record).
pub fn opt_u64(o: &JsonObject, name: &str) -> Option<Option<u64>> {
    match o.get(name) {
        None | Some(Json::Null) => Some(None),
        Some(v) => v.as_u64().map(Some),
    }
}

/// `t` as stored: `{"access_token", "token_type", "issued_at", "expires_at", "refresh_token",
/// "refresh_expires_at", "scope", "api_base_url", "extra", "grant"}` (times in epoch ms, absent
/// values `null`). Secrets in clear: the caller seals it.
pub fn token_set_json(t: &TokenSet) -> String {
    token_set_writer(t).finish()
}

/// [`token_set_json`] as a writer, to nest it in a message.
pub fn token_set_writer(t: &TokenSet) -> ObjectWriter {
    let mut w = ObjectWriter::new();
    w.str("access_token", t.access_token.secret()).str("token_type", &t.token_type).u64("issued_at", t.issued_at.as_millis());
    w.u64_or_null("expires_at", t.expires_at.map(Timestamp::as_millis));
    w.str_or_null("refresh_token", t.refresh_token.as_ref().map(RefreshToken::secret));
    w.u64_or_null("refresh_expires_at", t.refresh_expires_at.map(Timestamp::as_millis));
    w.str_or_null("scope", t.scope.as_deref()).str_or_null("api_base_url", t.api_base_url.as_deref());
    w.object("extra", &t.extra).str("grant", t.grant.as_str());
    w
}

/// Reads [`token_set_json`]'s text. Records written before a field existed read as before:
/// no `extra` is empty, no `grant` is [`TokenGrant::User`]. `None`: not a token set.
pub fn token_set_from_json(text: &str) -> Option<TokenSet> {
    token_set_from(&object(text)?)
}

/// [`token_set_from_json`] from an object already read.
pub fn token_set_from(o: &JsonObject) -> Option<TokenSet> {
    let extra = match o.get("extra") {
        None => JsonObject::new(),
        Some(Json::Object(m)) => m.clone(),
        Some(_) => return None,
    };
    let grant = match o.get("grant") {
        None => TokenGrant::User,
        Some(g) => TokenGrant::parse(g.as_str()?)?,
    };
    Some(TokenSet {
        access_token: AccessToken::new(req_str(o, "access_token")?),
        token_type: req_str(o, "token_type")?.to_owned(),
        issued_at: Timestamp::from_millis(req_u64(o, "issued_at")?),
        expires_at: opt_u64(o, "expires_at")?.map(Timestamp::from_millis),
        refresh_token: opt_str(o, "refresh_token")?.map(RefreshToken::new),
        refresh_expires_at: opt_u64(o, "refresh_expires_at")?.map(Timestamp::from_millis),
        scope: opt_str(o, "scope")?.map(str::to_owned),
        api_base_url: opt_str(o, "api_base_url")?.map(str::to_owned),
        extra,
        grant,
    })
}

/// The sign-in in progress as sealed into its cookie (and an administrator's grant record):
/// `{"connection", "state", "pkce_verifier", "nonce", "return_to", "expires_at"}`.
pub fn pending_login_writer(p: &PendingLogin) -> ObjectWriter {
    let mut w = ObjectWriter::new();
    w.str("connection", &p.connection).str("state", p.state.as_str());
    w.str_or_null("pkce_verifier", p.pkce_verifier.as_ref().map(PkceVerifier::secret));
    w.str_or_null("nonce", p.nonce.as_ref().map(Nonce::as_str));
    w.str("return_to", &p.return_to).u64("expires_at", p.expires_at.as_millis());
    w
}

/// Reads [`pending_login_writer`]'s object; values are checked as when they were made (a state,
/// verifier or nonce out of its grammar is no sign-in). Sign-ins sealed before the nonce existed
/// read without one.
pub fn pending_login_from(o: &JsonObject) -> Option<PendingLogin> {
    Some(PendingLogin {
        connection: req_str(o, "connection")?.to_owned(),
        state: State::new(req_str(o, "state")?).ok()?,
        pkce_verifier: opt_str(o, "pkce_verifier")?.map(PkceVerifier::new).transpose().ok()?,
        nonce: opt_str(o, "nonce")?.map(Nonce::new).transpose().ok()?,
        return_to: req_str(o, "return_to")?.to_owned(),
        expires_at: Timestamp::from_millis(req_u64(o, "expires_at")?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full() -> TokenSet {
        let mut extra = JsonObject::new();
        extra.insert("userName", "ann \"o\" ü");
        extra.insert("userId", 7u64);
        TokenSet {
            access_token: AccessToken::new("at-1"),
            token_type: "Bearer".into(),
            issued_at: Timestamp::from_millis(1_700_000_000_123),
            expires_at: Some(Timestamp::from_millis(1_700_000_360_000)),
            refresh_token: Some(RefreshToken::new("rt-1")),
            refresh_expires_at: Some(Timestamp::from_millis(1_800_000_000_000)),
            scope: Some("read write".into()),
            api_base_url: Some("https://api.example".into()),
            extra,
            grant: TokenGrant::ClientCredentials,
        }
    }

    fn bare() -> TokenSet {
        TokenSet {
            access_token: AccessToken::new("at"),
            token_type: "Bearer".into(),
            issued_at: Timestamp::from_millis(0),
            expires_at: None,
            refresh_token: None,
            refresh_expires_at: None,
            scope: None,
            api_base_url: None,
            extra: JsonObject::new(),
            grant: TokenGrant::User,
        }
    }

    #[test]
    fn token_sets_are_written_as_serde_wrote_them() {
        for t in [full(), bare()] {
            let serde_text = serde_json::to_string(&t).unwrap_or_default();
            assert_eq!(token_set_json(&t), serde_text);
            assert_eq!(token_set_from_json(&serde_text), Some(t));
        }
    }

    #[test]
    fn numbers_in_extra_are_kept_as_sent() {
        // serde wrote `1.5e3` back as `1500.0` (through f64); the core's codec keeps the text
        let text = r#"{"access_token":"a","token_type":"Bearer","issued_at":1,"extra":{"n":1.5e3}}"#;
        let t = token_set_from_json(text).unwrap_or_else(|| panic!("set"));
        assert!(token_set_json(&t).contains(r#""extra":{"n":1.5e3}"#));
    }

    #[test]
    fn records_written_by_the_serde_code_still_read() {
        // a set stored before `grant` and `api_base_url` existed (issue 15 and earlier)
        let old = r#"{"access_token":"a","token_type":"Bearer","issued_at":5,"expires_at":9,"refresh_token":"r","refresh_expires_at":null,"scope":null,"extra":{"userId":7}}"#;
        let t = token_set_from_json(old).unwrap_or_else(|| panic!("old record"));
        assert_eq!(t.grant, TokenGrant::User);
        assert_eq!(t.api_base_url, None);
        assert_eq!(t.extra.get("userId").and_then(Json::as_u64), Some(7));
        assert_eq!(Some(t), serde_json::from_str::<TokenSet>(old).ok());
    }

    #[test]
    fn what_is_not_a_token_set_is_refused() {
        for bad in [
            "[]",
            "{}",
            r#"{"access_token":"a","token_type":"Bearer"}"#,
            r#"{"access_token":"a","token_type":"Bearer","issued_at":1.5}"#,
            r#"{"access_token":"a","token_type":"Bearer","issued_at":1,"grant":"admin"}"#,
            r#"{"access_token":"a","token_type":"Bearer","issued_at":1,"extra":[]}"#,
            r#"{"access_token":"a","token_type":"Bearer","issued_at":1,"scope":3}"#,
        ] {
            assert!(token_set_from_json(bad).is_none(), "{bad}");
            assert!(serde_json::from_str::<TokenSet>(bad).is_err(), "serde also refused {bad}");
        }
    }

    #[test]
    fn sign_ins_in_progress_round_trip_in_the_serde_shape() {
        let with = PendingLogin {
            connection: "lawvu".into(),
            state: State::new("st").unwrap_or_else(|e| panic!("{e}")),
            pkce_verifier: Some(PkceVerifier::new("v".repeat(43)).unwrap_or_else(|e| panic!("{e}"))),
            nonce: Some(Nonce::new("n0").unwrap_or_else(|e| panic!("{e}"))),
            return_to: "/app".into(),
            expires_at: Timestamp::from_millis(42),
        };
        let without = PendingLogin { pkce_verifier: None, nonce: None, ..with.clone() };
        for p in [with, without] {
            let text = pending_login_writer(&p).finish();
            assert_eq!(text, serde_json::to_string(&p).unwrap_or_default());
            assert_eq!(object(&text).as_ref().and_then(pending_login_from), Some(p));
        }
        // sealed before the nonce existed
        let old = r#"{"connection":"c","state":"s","pkce_verifier":null,"return_to":"/","expires_at":1}"#;
        assert_eq!(object(old).as_ref().and_then(pending_login_from).map(|p| p.nonce), Some(None));
    }
}
