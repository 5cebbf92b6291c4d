//! One event: the envelope of POET_SPEC §6 (ids, metadata, payload), its size limit and
//! how an oversized one is cut to fit, the filter reads apply, and the damage a read reports.

use crate::events::error::EventError;
use crate::events::schema::{EVENT_TYPES, SCHEMA_VERSION, SERVICE};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

/// A new UUID v7 in lowercase hyphenated form. Ids made by one process are strictly
/// increasing; across processes they are ordered by their millisecond timestamps. Made
/// without a system call (see `id.rs`).
pub fn new_id() -> String {
    super::id::new_id_ms().0
}

/// Whether `id` is a UUID written the way [`new_id`] writes them: 32 lowercase hex digits in
/// groups of 8-4-4-4-12. Segment sidecars rely on ids having exactly this shape.
pub(crate) fn is_canonical_id(id: &str) -> bool {
    id.len() == 36
        && id.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_digit() || (b'a'..=b'f').contains(&b),
        })
}

/// The milliseconds since the Unix epoch in a UUID v7 (or v1/v6) id.
pub fn id_timestamp_ms(id: &str) -> Option<i64> {
    let ts = uuid::Uuid::try_parse(id).ok()?.get_timestamp()?;
    let (secs, nanos) = ts.to_unix();
    i64::try_from(secs)
        .ok()?
        .checked_mul(1000)?
        .checked_add(i64::from(nanos / 1_000_000))
}

pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// The `metadata` of an envelope.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventMetadata {
    /// The envelope schema, [`SCHEMA_VERSION`].
    pub version: String,
    /// `$DANA_ENV`, or `"development"`.
    pub environment: String,
    /// [`SERVICE`].
    pub service: String,
}

impl EventMetadata {
    /// The metadata of an event made now, in this process's environment.
    pub fn current() -> EventMetadata {
        let environment = match std::env::var("DANA_ENV") {
            Ok(e) if !e.trim().is_empty() => e,
            _ => "development".to_string(),
        };
        EventMetadata {
            version: SCHEMA_VERSION.to_string(),
            environment,
            service: SERVICE.to_string(),
        }
    }
}

/// One event: the envelope of POET_SPEC §6 around a type-specific payload.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// UUID v7 (see [`new_id`]).
    pub id: String,
    /// One of [`EVENT_TYPES`]; `type` in JSON.
    #[serde(rename = "type")]
    pub kind: String,
    /// Milliseconds since the Unix epoch; for events made by [`Event::new`], the time in `id`.
    pub timestamp: i64,
    /// Groups the events of one flow (an execution and its feedback, a request and its
    /// outcome). A flow's first event carries its own id.
    pub correlation_id: String,
    /// The id of the event that caused this one, if any.
    pub causation_id: Option<String>,
    pub metadata: EventMetadata,
    pub payload: Value,
}

impl Event {
    /// A new event with a fresh id. Without a `correlation_id` the event starts a flow: its
    /// correlation id is its own id.
    pub fn new(
        kind: &str,
        correlation_id: Option<&str>,
        causation_id: Option<&str>,
        payload: Value,
    ) -> Event {
        let (id, timestamp) = super::id::new_id_ms();
        Event {
            correlation_id: correlation_id.map_or_else(|| id.clone(), str::to_string),
            causation_id: causation_id.map(str::to_string),
            id,
            kind: kind.to_string(),
            timestamp,
            metadata: EventMetadata::current(),
            payload,
        }
    }

    /// The envelope as compact JSON, fields in the order of POET_SPEC §6.
    pub fn to_json(&self) -> String {
        // Serialising strings, integers and a `Value` cannot fail; the fallback is unreachable.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Makes the event fit `limit` bytes of JSON, so that one huge value (a multi-megabyte
    /// error message) never costs the event, let alone the batch it is written with. The
    /// longest strings of the payload are cut first, each keeping its start and a marker
    /// saying how many bytes were cut; a payload that still does not fit (thousands of small
    /// values) is replaced by its identifying fields and a note. Returns the bytes removed
    /// (0 when the event already fitted).
    pub fn fit(&mut self, limit: usize) -> usize {
        let before = self.to_json().len();
        let mut size = before;
        let mut rounds = 0;
        while size > limit && rounds < 64 {
            rounds += 1;
            // Cutting short strings would save little and lose what identifies the event.
            let Some((pointer, len)) = longest_string(&self.payload).filter(|(_, n)| *n >= 1024)
            else {
                break;
            };
            // Every byte cut removes at least one byte of JSON; the margin covers the marker.
            let excess = size - limit + 64;
            let keep = if len > excess { len - excess } else { len / 2 };
            if keep >= len {
                break;
            }
            if let Some(Value::String(text)) = self.payload.pointer_mut(&pointer) {
                *text = cut_with_marker(text, keep);
            }
            size = self.to_json().len();
        }
        if size > limit {
            let keep = |k: &str| self.payload.get(k).cloned().unwrap_or(Value::Null);
            let mut small = serde_json::Map::new();
            for k in ["function_name", "version", "execution_id", "status"] {
                let v = keep(k);
                if v.is_string() && v.as_str().is_some_and(|s| s.len() > 1024) {
                    continue;
                }
                if !v.is_null() {
                    small.insert(k.to_string(), v);
                }
            }
            small.insert(
                "truncated".to_string(),
                Value::String(format!(
                    "the payload of {before} bytes did not fit the {limit}-byte event limit and was dropped"
                )),
            );
            self.payload = Value::Object(small);
            size = self.to_json().len();
        }
        before.saturating_sub(size)
    }

    /// `payload.function_name`, when there is one.
    pub fn function_name(&self) -> Option<&str> {
        self.payload.get("function_name").and_then(Value::as_str)
    }
}

/// The JSON pointer and byte length of the longest string in `v` (depth-bounded).
fn longest_string(v: &Value) -> Option<(String, usize)> {
    fn walk(v: &Value, path: &mut String, depth: u32, best: &mut Option<(String, usize)>) {
        match v {
            Value::String(s) if best.as_ref().is_none_or(|(_, n)| s.len() > *n) => {
                *best = Some((path.clone(), s.len()));
            }
            Value::Array(items) if depth > 0 => {
                for (i, item) in items.iter().enumerate() {
                    let len = path.len();
                    path.push_str(&format!("/{i}"));
                    walk(item, path, depth - 1, best);
                    path.truncate(len);
                }
            }
            Value::Object(map) if depth > 0 => {
                for (k, item) in map {
                    let len = path.len();
                    path.push('/');
                    path.push_str(&k.replace('~', "~0").replace('/', "~1"));
                    walk(item, path, depth - 1, best);
                    path.truncate(len);
                }
            }
            _ => {}
        }
    }
    let mut best = None;
    walk(v, &mut String::new(), 32, &mut best);
    best
}

/// The first `keep` bytes of `text` (on a character boundary) and a marker with the count of
/// bytes cut.
pub(crate) fn cut_with_marker(text: &str, keep: usize) -> String {
    let mut end = keep.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… [{} bytes cut]", &text[..end], text.len() - end)
}

/// Which events [`EventQueue::all`] and [`EventQueue::scan`] return; `None` fields match all.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EventFilter {
    /// `payload.function_name`, exactly.
    pub function: Option<String>,
    /// The type, exactly; or every type under a prefix written with a final dot or `.*`
    /// (`"enhancement."`, `"enhancement.*"`).
    pub kind: Option<String>,
    pub correlation_id: Option<String>,
}

impl EventFilter {
    pub fn function(mut self, name: &str) -> EventFilter {
        self.function = Some(name.to_string());
        self
    }

    pub fn kind(mut self, kind: &str) -> EventFilter {
        self.kind = Some(kind.to_string());
        self
    }

    pub fn correlation(mut self, id: &str) -> EventFilter {
        self.correlation_id = Some(id.to_string());
        self
    }

    /// Refuses a type that is neither one of [`EVENT_TYPES`] nor a prefix of some of them, so
    /// a typo is an error rather than an empty result.
    pub fn check(&self) -> Result<(), EventError> {
        let Some(k) = &self.kind else {
            return Ok(());
        };
        let prefix = k.strip_suffix('*').unwrap_or(k);
        let known = if prefix.ends_with('.') {
            EVENT_TYPES.iter().any(|t| t.starts_with(prefix))
        } else {
            EVENT_TYPES.contains(&k.as_str())
        };
        if known {
            return Ok(());
        }
        Err(EventError::UnknownType {
            kind: k.clone(),
            suggestion: dana_interpreter::error::did_you_mean(k, EVENT_TYPES.iter().copied())
                .map(str::to_string),
        })
    }

    pub fn matches(&self, e: &Event) -> bool {
        if let Some(f) = &self.function {
            if e.function_name() != Some(f.as_str()) {
                return false;
            }
        }
        if let Some(k) = &self.kind {
            let prefix = k.strip_suffix('*').unwrap_or(k);
            let ok = if prefix.ends_with('.') {
                e.kind.starts_with(prefix)
            } else {
                e.kind == *k
            };
            if !ok {
                return false;
            }
        }
        if let Some(c) = &self.correlation_id {
            if e.correlation_id != *c {
                return false;
            }
        }
        true
    }
}

/// A line of a segment that is not a valid record although valid records follow it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Damage {
    pub file: PathBuf,
    /// 1-based line number.
    pub line: usize,
    /// Byte offset of the line in the file.
    pub offset: u64,
    pub reason: String,
}

impl std::fmt::Display for Damage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} line {} (byte {}): {}; the line was skipped",
            self.file.display(),
            self.line,
            self.offset,
            self.reason
        )
    }
}

pub(crate) fn check_event(e: &Event) -> Result<(), EventError> {
    if !EVENT_TYPES.contains(&e.kind.as_str()) {
        return Err(EventError::UnknownType {
            kind: e.kind.clone(),
            suggestion: dana_interpreter::error::did_you_mean(&e.kind, EVENT_TYPES.iter().copied())
                .map(str::to_string),
        });
    }
    if !is_canonical_id(&e.id) {
        return Err(EventError::BadId { id: e.id.clone() });
    }
    Ok(())
}
