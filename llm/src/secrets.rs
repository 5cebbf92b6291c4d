//! The process-wide list of secrets (API keys) that must never be written or printed.
//!
//! A client registers its key when it is built; everything POET writes (`code.na`,
//! `metadata.json`, `state.json`, events) and prints (warnings, errors) goes through
//! [`redact_secrets`]. An endpoint that echoes the key inside an answer therefore gets `***`
//! stored instead of the key.

use std::borrow::Cow;
use std::sync::RwLock;

/// Shorter "secrets" are not registered: blanking every occurrence of a short word would
/// mangle ordinary text (and code), and real keys are long.
pub const MIN_SECRET_LEN: usize = 8;

/// What replaces a secret.
pub const REDACTED: &str = "***";

static SECRETS: RwLock<Vec<String>> = RwLock::new(Vec::new());
/// Whether any secret was registered: the common case (no key) skips the lock.
static ANY: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Adds `secret` to the list; short or already listed ones are ignored.
pub fn register_secret(secret: &str) {
    if secret.len() < MIN_SECRET_LEN {
        return;
    }
    let mut list = SECRETS.write().unwrap_or_else(|p| p.into_inner());
    if !list.iter().any(|s| s == secret) {
        list.push(secret.to_string());
        // Longest first, so a secret that contains another is replaced whole.
        list.sort_by_key(|s| std::cmp::Reverse(s.len()));
        ANY.store(true, std::sync::atomic::Ordering::Relaxed);
    }
}

/// `text` with every registered secret replaced by [`REDACTED`]; borrowed when there is none.
pub fn redact_secrets(text: &str) -> Cow<'_, str> {
    if !ANY.load(std::sync::atomic::Ordering::Relaxed) {
        return Cow::Borrowed(text);
    }
    let list = SECRETS.read().unwrap_or_else(|p| p.into_inner());
    if !list.iter().any(|s| text.contains(s.as_str())) {
        return Cow::Borrowed(text);
    }
    let mut out = text.to_string();
    for s in list.iter() {
        if out.contains(s.as_str()) {
            out = out.replace(s.as_str(), REDACTED);
        }
    }
    Cow::Owned(out)
}

/// Whether any registered secret occurs in `text`.
pub fn contains_secret(text: &str) -> bool {
    if !ANY.load(std::sync::atomic::Ordering::Relaxed) {
        return false;
    }
    let list = SECRETS.read().unwrap_or_else(|p| p.into_inner());
    list.iter().any(|s| text.contains(s.as_str()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registered_secrets_are_redacted_and_short_ones_ignored() {
        register_secret("sk-test-secrets-0123456789");
        register_secret("short");
        let t = "key sk-test-secrets-0123456789 twice sk-test-secrets-0123456789 short";
        assert_eq!(redact_secrets(t), "key *** twice *** short");
        assert!(contains_secret(t));
        assert!(matches!(redact_secrets("nothing here"), Cow::Borrowed(_)));
    }
}
