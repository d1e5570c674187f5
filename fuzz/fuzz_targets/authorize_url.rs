//! Authorization URLs with arbitrary state and extra parameter values re-parse to the same values,
//! inside LawVu's hash-route fragment too.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tsunagi::providers::lawvu::{LawVuConfig, LawVuEnvironment};
use tsunagi::{AuthorizationRequest, State};

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let mid = s.char_indices().nth(s.chars().count() / 2).map_or(s.len(), |(i, _)| i);
    let (a, b) = s.split_at(mid);
    let Ok(client) = LawVuConfig::new(LawVuEnvironment::Sandbox, "acme-inc", "https://acme-inc.com/auth").client() else { return };
    let state = State::new(if a.is_empty() { "s" } else { a }).ok();
    let extra = [("prompt", b)];
    let Ok(url) = client.authorization_url(&AuthorizationRequest { state: state.as_ref(), code_challenge: None, extra_params: &extra }) else { return };
    let (_, query) = url.split_once("#/authorize?").expect("the query lives inside the fragment");
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes()).into_owned().collect();
    assert!(pairs.contains(&("prompt".to_owned(), b.to_owned())));
    if let Some(st) = &state {
        assert!(pairs.contains(&("state".to_owned(), st.as_str().to_owned())));
    }
});
