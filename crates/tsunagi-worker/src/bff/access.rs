//! A connection's access rules (least privilege, RFC 10017 §6.1): which HTTP methods and which
//! API path prefixes the browser may call through `/api/{connection}/…`. Checked before anything
//! is read or forwarded; a refusal names the rule that refused (docs/configuration.md "access").

use tsunagi_core::{Error, ErrorCode, Result};

/// The methods a rule may name. `HEAD` is answered as a `GET` without its body.
pub const METHODS: [&str; 6] = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"];

/// The methods allowed when a connection names none: read-only.
pub const DEFAULT_METHODS: [&str; 2] = ["GET", "HEAD"];

/// What `/api/{connection}/…` may reach.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccessRules {
    /// Upper-case method names from [`METHODS`]; default [`DEFAULT_METHODS`].
    pub methods: Vec<String>,
    /// Path prefixes, each starting with `/`, matched segment by segment (`/a/b` allows `/a/b`
    /// and `/a/b/c`, not `/a/bc`); a segment `*` matches any one segment. Default `["/"]`: every
    /// path.
    pub paths: Vec<String>,
}

impl Default for AccessRules {
    fn default() -> Self {
        AccessRules { methods: DEFAULT_METHODS.map(str::to_owned).to_vec(), paths: vec!["/".to_owned()] }
    }
}

impl AccessRules {
    /// Validates methods and paths as configured (`field` names the problem: `access.methods` or
    /// `access.paths`); answers the rules with methods upper-cased.
    pub fn new(methods: Option<Vec<String>>, paths: Option<Vec<String>>) -> std::result::Result<Self, (&'static str, String)> {
        let mut rules = AccessRules::default();
        if let Some(methods) = methods {
            rules.methods = Vec::new();
            for m in methods {
                let upper = m.trim().to_ascii_uppercase();
                if !METHODS.contains(&upper.as_str()) {
                    return Err(("access.methods", format!("'{m}' is not one of {}", METHODS.join(", "))));
                }
                if !rules.methods.contains(&upper) {
                    rules.methods.push(upper);
                }
            }
        }
        if let Some(paths) = paths {
            for p in &paths {
                let ok = p.starts_with('/') && !p.starts_with("//") && p.bytes().all(|b| b.is_ascii_graphic()) && !p.contains(['?', '#', '\\', '%']);
                let dots = p.split('/').any(|s| s == "." || s == "..");
                if !ok || dots {
                    return Err(("access.paths", format!("'{p}' is not a path prefix like /v1/users (printable ASCII, no ?, #, %, \\ or dot segments)")));
                }
            }
            rules.paths = paths;
        }
        Ok(rules)
    }

    /// Whether `method` (upper case) on `path` (the API path after `/api/{connection}`, query
    /// allowed) passes: [`ErrorCode::MethodRefused`] or [`ErrorCode::PathRefused`] naming the
    /// connection's rule otherwise.
    pub fn check(&self, connection: &str, method: &str, path: &str) -> Result<()> {
        if !self.methods.iter().any(|m| m == method) {
            return Err(Error::new(
                ErrorCode::MethodRefused,
                format!("connection '{connection}': access.methods allows {} only (default GET, HEAD: read-only)", self.methods.join(", ")),
            ));
        }
        let route = path.split('?').next().unwrap_or_default();
        if !self.paths.iter().any(|prefix| prefix_matches(prefix, route)) {
            return Err(Error::new(ErrorCode::PathRefused, format!("connection '{connection}': access.paths does not allow this path")));
        }
        Ok(())
    }
}

/// `prefix` matches `path` segment by segment (`*` = any one segment that is non-empty before
/// any `;`: servers that strip `;params` per segment, Tomcat, Spring, Jetty, read `;x` as empty).
fn prefix_matches(prefix: &str, path: &str) -> bool {
    let want = prefix.trim_end_matches('/').split('/').skip(1);
    let mut have = path.split('/').skip(1);
    for w in want {
        match have.next() {
            Some(h) if w == "*" && !h.split(';').next().unwrap_or_default().is_empty() => {}
            Some(h) if h == w => {}
            _ => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_table_of_allowed_and_refused_pairs() {
        let rules = AccessRules::new(Some(vec!["get".into(), "POST".into()]), Some(vec!["/v1/users".into(), "/v1/matters/*/notes/".into()]))
            .unwrap_or_else(|(f, e)| panic!("{f}: {e}"));
        let table: [(&str, &str, Option<ErrorCode>); 14] = [
            ("GET", "/v1/users", None),
            ("GET", "/v1/users/", None),
            ("GET", "/v1/users/7?x=1", None),
            ("POST", "/v1/users", None),
            ("GET", "/v1/usersX", Some(ErrorCode::PathRefused)),
            ("GET", "/v1/user", Some(ErrorCode::PathRefused)),
            ("GET", "/v1", Some(ErrorCode::PathRefused)),
            ("GET", "/v2/users", Some(ErrorCode::PathRefused)),
            ("GET", "/v1/matters/42/notes", None),
            ("GET", "/v1/matters/42/notes/9", None),
            ("GET", "/v1/matters//notes", Some(ErrorCode::PathRefused)),
            ("GET", "/v1/matters/42", Some(ErrorCode::PathRefused)),
            ("DELETE", "/v1/users", Some(ErrorCode::MethodRefused)),
            ("HEAD", "/v1/users", Some(ErrorCode::MethodRefused)),
        ];
        for (method, path, want) in table {
            assert_eq!(rules.check("c", method, path).err().map(|e| e.code()), want, "{method} {path}");
        }
        let open = AccessRules::default();
        assert_eq!(open.check("c", "GET", "/anything/at/all").map_err(|e| e.code()), Ok(()));
        assert_eq!(open.check("c", "HEAD", "/").map_err(|e| e.code()), Ok(()));
        assert_eq!(open.check("c", "PUT", "/x").map_err(|e| e.code()), Err(ErrorCode::MethodRefused));
        let e = open.check("lawvu-prod", "PATCH", "/x").err().map(|e| e.message().to_owned()).unwrap_or_default();
        assert!(e.contains("lawvu-prod") && e.contains("access.methods"), "{e}");
    }

    /// Issue 21 item 7: servers that strip `;params` per segment read `x;y` as `x`; `*` matches a
    /// segment only when what such a server reads of it is a non-empty segment, never by `;`.
    #[test]
    fn a_wildcard_never_matches_by_a_path_parameter() {
        let rules = AccessRules::new(None, Some(vec!["/v1/matters/*/notes".into()])).unwrap_or_else(|(f, e)| panic!("{f}: {e}"));
        for (path, ok) in
            [("/v1/matters/42/notes", true), ("/v1/matters/42;v=1/notes", true), ("/v1/matters/;/notes", false), ("/v1/matters/;x=1/notes", false)]
        {
            assert_eq!(rules.check("c", "GET", path).is_ok(), ok, "{path}");
        }
    }

    #[test]
    fn bad_rules_name_their_field() {
        assert_eq!(AccessRules::new(Some(vec!["TRACE".into()]), None).err().map(|e| e.0), Some("access.methods"));
        for bad in ["v1", "//v1", "/v1/../admin", "/v1?x", "/v1/%2e", "/a b"] {
            assert_eq!(AccessRules::new(None, Some(vec![bad.into()])).err().map(|e| e.0), Some("access.paths"), "{bad}");
        }
    }
}
