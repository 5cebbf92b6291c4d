//! Fleet mode's configuration: `dana.toml [poet]` (`backend`, `url`, `namespace`, `lease_ms`)
//! and the environment (`DANA_POET_BACKEND`, `DANA_POET_REDIS_URL`), and the redaction of
//! credentials in every text that may show a URL.

use std::path::Path;

/// The default time a generation lease lasts without renewal.
pub const DEFAULT_LEASE_MS: u64 = 10_000;

/// Where the shared store is and how it is used.
#[derive(Clone, Debug, PartialEq)]
pub struct FleetConfig {
    /// `redis://[user:password@]host:port[/db]` or `rediss://…` (TLS).
    pub url: String,
    /// Prefix of every key (`dana:poet:<namespace>:…`): the replicas of one program share it.
    pub namespace: String,
    /// How long a generation lease lasts unless renewed (renewed every third of it).
    pub lease_ms: u64,
}

impl FleetConfig {
    /// The configuration of the process: the environment, then the `[poet]` table of the
    /// project's `dana.toml`. `Ok(None)`: the local backend.
    pub fn from_env(dana_toml: Option<&Path>) -> Result<Option<FleetConfig>, String> {
        let text = match dana_toml {
            Some(p) => match std::fs::read_to_string(p) {
                Ok(t) => Some(t),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
                Err(e) => return Err(format!("{}: {e}", p.display())),
            },
            None => None,
        };
        Self::from_parts(|k| std::env::var(k).ok(), text.as_deref(), None)
    }

    /// The configuration from an environment lookup, the text of a dana.toml and a backend
    /// named on the command line (which wins).
    pub fn from_parts(
        env: impl Fn(&str) -> Option<String>,
        dana_toml: Option<&str>,
        backend_flag: Option<&str>,
    ) -> Result<Option<FleetConfig>, String> {
        let table = match dana_toml {
            Some(t) => t
                .parse::<toml::Table>()
                .map_err(|e| format!("dana.toml: {}", e.message()))?,
            None => toml::Table::new(),
        };
        let poet = match table.get("poet") {
            Some(toml::Value::Table(t)) => t.clone(),
            Some(_) => return Err("dana.toml: [poet] must be a table".into()),
            None => toml::Table::new(),
        };
        let str_key = |k: &str| -> Result<Option<String>, String> {
            match poet.get(k) {
                None => Ok(None),
                Some(toml::Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(format!("dana.toml [poet] {k} must be a string")),
            }
        };
        let env = |k: &str| env(k).filter(|v| !v.trim().is_empty());
        let url = env("DANA_POET_REDIS_URL").or(str_key("url")?);
        let backend = backend_flag
            .map(str::to_string)
            .or_else(|| env("DANA_POET_BACKEND"))
            .or(str_key("backend")?)
            .unwrap_or_else(|| if url.is_some() { "redis" } else { "local" }.to_string());
        match backend.as_str() {
            "local" => return Ok(None),
            "redis" => {}
            other => {
                return Err(format!(
                    "unknown POET backend {other:?} (dana.toml [poet] backend, \
                     DANA_POET_BACKEND or --backend): use \"local\" or \"redis\""
                ))
            }
        }
        let Some(url) = url else {
            return Err(
                "the redis backend needs a URL: set DANA_POET_REDIS_URL or url = \
                        \"redis://host:6379\" in dana.toml [poet]"
                    .into(),
            );
        };
        if !(url.starts_with("redis://") || url.starts_with("rediss://")) {
            return Err(format!(
                "the Redis URL {} must start with redis:// or rediss://",
                redact_url(&url)
            ));
        }
        if let Some(pw) = url_password(&url) {
            // Every warning and error of the process redacts it from now on.
            dana_llm::secrets::register_secret(&pw);
        }
        let namespace = str_key("namespace")?.unwrap_or_else(|| "default".to_string());
        if namespace.is_empty()
            || !namespace
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c))
        {
            return Err(format!(
                "dana.toml [poet] namespace {namespace:?}: use letters, digits, '-', '_' or '.'"
            ));
        }
        let lease_ms = match poet.get("lease_ms") {
            None => DEFAULT_LEASE_MS,
            Some(toml::Value::Integer(n)) if (100..=3_600_000).contains(n) => *n as u64,
            Some(_) => {
                return Err(
                    "dana.toml [poet] lease_ms must be an integer from 100 to 3600000".into(),
                )
            }
        };
        Ok(Some(FleetConfig {
            url,
            namespace,
            lease_ms,
        }))
    }

    /// The URL with its credentials replaced by `***`.
    pub fn shown_url(&self) -> String {
        redact_url(&self.url)
    }
}

/// The password (or lone token) of `scheme://[user:]password@host…`.
fn url_password(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split('/').next()?;
    let (userinfo, _) = authority.rsplit_once('@')?;
    let pw = match userinfo.split_once(':') {
        Some((_, pw)) => pw,
        None => userinfo,
    };
    (!pw.is_empty()).then(|| pw.to_string())
}

/// `text` with the user information of every `redis://`/`rediss://` URL in it replaced by
/// `***` (and every registered secret redacted).
pub fn redact_url(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        let end = tail
            .find(|c: char| c.is_whitespace() || c == '/' || c == '"' || c == '\'')
            .unwrap_or(tail.len());
        let authority = &tail[..end];
        match authority.rfind('@') {
            Some(at) => {
                out.push_str("***");
                out.push_str(&authority[at..]);
            }
            None => out.push_str(authority),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    dana_llm::redact_secrets(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(env: &[(&str, &str)], toml: Option<&str>) -> Result<Option<FleetConfig>, String> {
        let env: Vec<(String, String)> = env
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        FleetConfig::from_parts(
            |k| env.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone()),
            toml,
            None,
        )
    }

    #[test]
    fn local_unless_configured() {
        assert_eq!(parse(&[], None), Ok(None));
        assert_eq!(parse(&[], Some("[poet]\nbackend = \"local\"\n")), Ok(None));
    }

    #[test]
    fn redis_from_toml_or_env() {
        let c = parse(
            &[],
            Some("[poet]\nbackend = \"redis\"\nurl = \"redis://127.0.0.1:7000\"\nnamespace = \"shop\"\nlease_ms = 500\n"),
        )
        .unwrap()
        .unwrap();
        assert_eq!(c.url, "redis://127.0.0.1:7000");
        assert_eq!((c.namespace.as_str(), c.lease_ms), ("shop", 500));
        let c = parse(&[("DANA_POET_REDIS_URL", "redis://h:1")], None)
            .unwrap()
            .unwrap();
        assert_eq!(
            (c.url.as_str(), c.namespace.as_str()),
            ("redis://h:1", "default")
        );
        // An explicit local backend wins over a URL in the environment.
        let c = parse(
            &[("DANA_POET_REDIS_URL", "redis://h:1")],
            Some("[poet]\nbackend = \"local\"\n"),
        );
        assert_eq!(c, Ok(None));
    }

    #[test]
    fn bad_settings_are_explained() {
        let e = parse(&[], Some("[poet]\nbackend = \"redis\"\n")).unwrap_err();
        assert!(e.contains("DANA_POET_REDIS_URL"), "{e}");
        let e = parse(&[], Some("[poet]\nbackend = \"mongo\"\n")).unwrap_err();
        assert!(e.contains("\"mongo\"") && e.contains("\"redis\""), "{e}");
        let e = parse(&[("DANA_POET_REDIS_URL", "http://u:hunter2@h")], None).unwrap_err();
        assert!(e.contains("***@h") && !e.contains("hunter2"), "{e}");
    }

    #[test]
    fn credentials_never_shown() {
        assert_eq!(
            redact_url("cannot reach redis://alice:s3cr3t-pw@db.example:6379/2 (refused)"),
            "cannot reach redis://***@db.example:6379/2 (refused)"
        );
        assert_eq!(
            redact_url("redis://127.0.0.1:6379"),
            "redis://127.0.0.1:6379"
        );
        assert_eq!(url_password("rediss://:tok@h:1").as_deref(), Some("tok"));
        assert_eq!(url_password("redis://h:1"), None);
    }
}
