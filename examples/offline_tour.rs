//! An offline tour of the core: each provider's authorization URL, the token requests it would
//! send (printed redacted, as `Debug` always is), the vendor samples parsed, and a JWT decoded.
//! Run with `cargo run --example offline_tour`.

use tsunagi::http::HttpResponse;
use tsunagi::jwt::decode_claims_unverified;
use tsunagi::providers::lawvu::{LawVuConfig, LawVuEnvironment};
use tsunagi::providers::legalon::{LegalOnConfig, LegalOnRegion};
use tsunagi::providers::logiless::LogilessConfig;
use tsunagi::{base64url, AuthorizationCode, AuthorizationRequest, BasicCredentials, ClientSecret, RefreshToken, Timestamp};

fn main() -> Result<(), tsunagi::Error> {
    let now = Timestamp::from_secs(1_739_996_400);

    println!("== LawVu (public client, 1-day refresh tokens)");
    let lawvu = LawVuConfig::new(LawVuEnvironment::Sandbox, "acme-inc", "https://acme-inc.com/auth").client()?;
    println!("document example : {}", lawvu.authorization_url(&AuthorizationRequest::default())?);
    let (url, pending) = lawvu.begin_authorization(&[])?;
    println!("with fresh state : {url}");
    println!("pending          : state {} (kept in sessionStorage)", pending.state.as_str());
    println!("code exchange    : {:?}", lawvu.authorization_code_request(&AuthorizationCode::new("SplxlOBeZQQYbYS6WxSbIA"), None)?);
    println!("refresh          : {:?}", lawvu.refresh_request(&RefreshToken::new("tGzv3JOkF0XG5Qx2TlKWIA"))?);

    println!("\n== Logiless (confidential, GET token endpoint)");
    let logiless = LogilessConfig::new("your-client-id", ClientSecret::new("your-client-secret"), "https://app.example/callback").client()?;
    println!("authorize        : {}", logiless.authorization_url(&AuthorizationRequest::default())?);
    println!("code exchange    : {:?}", logiless.authorization_code_request(&AuthorizationCode::new("the-code"), None)?);
    let sample = r#"{"access_token":"d461ab8XXXXXXXXXXXXXXXXXXXXXXXXX","token_type":"bearer","expires_in":2592000,"refresh_token":d461ab8XXXXXXXXXXXXXXXXXXXXXXXXX,"scope":""}"#;
    let tokens = logiless.parse_token_response(&HttpResponse::new(200, vec![], sample), now, None)?;
    println!(
        "document sample  : parsed; access expires {:?}, refresh fingerprint {}",
        tokens.expires_at.map(|t| t.to_string()),
        tokens.refresh_token.as_ref().map(|r| r.fingerprint()).unwrap_or_default()
    );

    println!("\n== LegalOn (client credentials, raw Basic)");
    let legalon = LegalOnConfig::new(LegalOnRegion::Jp, BasicCredentials::new("value-from-the-admin-console")).client()?;
    println!("token request    : {:?}", legalon.client_credentials_request()?);
    let body = r#"{"access_token":"<ACCESS_TOKEN>","expires_in":1200,"token_type":"Bearer","api_base_url":"https://api.legalon.example"}"#;
    let tokens = legalon.parse_token_response(&HttpResponse::new(200, vec![], body), now, None)?;
    println!("API base         : {}", legalon.api_base(Some(&tokens))?);

    println!("\n== JWT claims (unverified), the LawVu document's example");
    let payload = r#"{"sub":"user-id-123","name":"Jane Smith","organisationId":"org-id-456","exp":1740000000,"iat":1739996400}"#;
    let jwt = format!("{}.{}.signature", base64url::encode(br#"{"alg":"HS256"}"#), base64url::encode(payload.as_bytes()));
    let claims = decode_claims_unverified(&jwt)?;
    println!("name {:?}, organisation {:?}, user {:?}, expires {:?}", claims.name, claims.organisation_id, claims.sub, claims.exp);
    Ok(())
}
