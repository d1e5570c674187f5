//! Keeps the README true: every stable error code is documented there.

use tsunagi::ErrorCode;

#[test]
fn readme_documents_every_error_code() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap_or_default();
    assert!(readme.contains("make demo") && readme.contains("make test"));
    let missing: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).filter(|c| !readme.contains(&format!("`{c}`"))).collect();
    assert!(missing.is_empty(), "README.md lacks error codes: {missing:?}");
}
