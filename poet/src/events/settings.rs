//! The queue's settings from the project's `dana.toml` (beside the `.poet` directory): the
//! caps of `pending/` and whether a `dana poet worker` runs the learning loop.
//!
//! ```toml
//! [poet]
//! worker = true              # programs leave the learning loop to `dana poet worker`
//!
//! [poet.events]
//! max_pending_mb = 64        # warn past this many MiB of pending events; gc trims to it
//! max_pending_days = 7       # warn when the oldest pending event is older; gc drops them
//! ```
//!
//! Other keys are left to whoever reads them. A missing file or table means the defaults; a
//! value of the wrong type is reported (once, by the caller) and the default used.

use serde::Deserialize;
use std::path::Path;
use std::time::Duration;

/// Default cap of `pending/` in MiB.
pub const DEFAULT_MAX_PENDING_MB: u64 = 64;
/// Default age cap of pending events in days.
pub const DEFAULT_MAX_PENDING_DAYS: f64 = 7.0;

/// What `dana.toml` says about the queue of one `.poet` directory.
#[derive(Clone, Debug, PartialEq)]
pub struct EventSettings {
    /// `pending/` past this many bytes warns (nothing consuming) and is trimmed by gc.
    pub max_pending_bytes: u64,
    /// A pending event older than this warns and is dropped by gc.
    pub max_pending_age: Duration,
    /// `[poet] worker = true`: programs leave the learning loop to `dana poet worker`.
    pub worker: bool,
}

impl Default for EventSettings {
    fn default() -> Self {
        EventSettings {
            max_pending_bytes: DEFAULT_MAX_PENDING_MB << 20,
            max_pending_age: Duration::from_secs_f64(DEFAULT_MAX_PENDING_DAYS * 86_400.0),
            worker: false,
        }
    }
}

#[derive(Deserialize, Default)]
struct File {
    #[serde(default)]
    poet: Option<toml::Value>,
}

impl EventSettings {
    /// The settings for `poet_dir`, read from `dana.toml` in the folder holding it, with the
    /// problems found (a value of the wrong type keeps its default).
    pub fn load(poet_dir: &Path) -> (EventSettings, Vec<String>) {
        let mut s = EventSettings::default();
        let mut problems = Vec::new();
        let Some(path) = poet_dir.parent().map(|p| p.join("dana.toml")) else {
            return (s, problems);
        };
        let Ok(text) = std::fs::read_to_string(&path) else {
            return (s, problems);
        };
        let file: File = match toml::from_str(&text) {
            Ok(f) => f,
            Err(e) => {
                problems.push(format!("{}: {e}", path.display()));
                return (s, problems);
            }
        };
        let Some(poet) = file.poet.as_ref().and_then(toml::Value::as_table) else {
            return (s, problems);
        };
        let shown = path.display();
        if let Some(w) = poet.get("worker") {
            match w.as_bool() {
                Some(b) => s.worker = b,
                None => problems.push(format!(
                    "{shown}: [poet] worker = {} is not true or false",
                    shown_value(w)
                )),
            }
        }
        if let Some(ev) = poet.get("events").and_then(toml::Value::as_table) {
            if let Some(v) = ev.get("max_pending_mb") {
                match v.as_integer() {
                    Some(n) if n > 0 => s.max_pending_bytes = (n as u64).saturating_mul(1 << 20),
                    _ => problems.push(format!(
                        "{shown}: [poet.events] max_pending_mb = {} is not a positive integer",
                        shown_value(v)
                    )),
                }
            }
            if let Some(v) = ev.get("max_pending_days") {
                let days = v.as_float().or_else(|| v.as_integer().map(|i| i as f64));
                match days {
                    Some(d) if d > 0.0 && d <= 36_500.0 => {
                        s.max_pending_age = Duration::from_secs_f64(d * 86_400.0)
                    }
                    _ => problems.push(format!(
                        "{shown}: [poet.events] max_pending_days = {} is not a number of days from 0 to 36500",
                        shown_value(v)
                    )),
                }
            }
        }
        (s, problems)
    }
}

/// A TOML value as written in the file (scalars), else its type.
fn shown_value(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => format!("{s:?}"),
        toml::Value::Integer(i) => i.to_string(),
        toml::Value::Float(f) => f.to_string(),
        toml::Value::Boolean(b) => b.to_string(),
        other => format!("a {}", other.type_str()),
    }
}
