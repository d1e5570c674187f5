//! Authorization URLs with arbitrary state and extra parameter values re-parse to the same values,
//! inside LawVu's hash-route fragment too. A state is accepted exactly when it is 1-512
//! characters of `VSCHAR` (%x20-7E, RFC 6749 Appendix A.5), and an accepted one comes back
//! through a callback (query or hash route) whether the server echoes it as sent or re-encodes it.
#![no_main]
use libfuzzer_sys::fuzz_target;
use tsunagi_core::providers::lawvu::{LawVuConfig, LawVuEnvironment};
use tsunagi_core::{parse_callback, AuthorizationRequest, State};

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let mid = s.char_indices().nth(s.chars().count() / 2).map_or(s.len(), |(i, _)| i);
    let (a, b) = s.split_at(mid);
    let Ok(client) = LawVuConfig::new(LawVuEnvironment::Sandbox, "acme-inc", "https://acme-inc.com/auth").client() else { return };
    let candidate = if a.is_empty() { "s" } else { a };
    let state = State::new(candidate).ok();
    let vschar = (1..=512).contains(&candidate.len()) && candidate.bytes().all(|c| (0x20..=0x7e).contains(&c));
    assert_eq!(state.is_some(), vschar, "State::new accepts exactly 1*VSCHAR: {candidate:?}");
    let extra = [("prompt", b)];
    let Ok(url) = client.authorization_url(&AuthorizationRequest { state: state.as_ref(), code_challenge: None, extra_params: &extra }) else { return };
    let (_, query) = url.split_once("#/authorize?").expect("the query lives inside the fragment");
    assert!(!query.contains(' ') && !query.contains('+') && !query.contains('#'), "a space is %20, a '+' %2B: {query}");
    let pairs: Vec<(String, String)> = form_urlencoded::parse(query.as_bytes()).into_owned().collect();
    assert!(pairs.contains(&("prompt".to_owned(), b.to_owned())));
    if let Some(st) = &state {
        assert!(pairs.contains(&("state".to_owned(), st.as_str().to_owned())));
        let sent = query.split('&').find_map(|p| p.strip_prefix("state=")).expect("state is in the query");
        let reencoded = form_urlencoded::Serializer::new(String::new()).append_pair("state", st.as_str()).finish();
        for echoed in [format!("state={sent}"), reencoded] {
            for callback in [format!("https://acme-inc.com/auth?code=c&{echoed}"), format!("https://acme-inc.com/auth#/cb?code=c&{echoed}")] {
                assert!(parse_callback(&callback, Some(st)).is_ok(), "{callback}");
            }
        }
    }
});
