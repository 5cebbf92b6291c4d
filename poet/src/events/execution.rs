//! The `function.execution` event as the calling thread captures it: numbers, static names
//! and the ids as integers, no JSON. The event writer turns it into the envelope's JSON (one
//! serialisation, fields in the order of POET_SPEC §6), so a call pays for neither.
//!
//! The usual event (no error, no `train` metrics) is written by [`Encoder`]: the parts that
//! never change in a process are encoded once, the ids and numbers straight into the
//! writer's buffer; the bytes are those of the general serialisation ([`Execution::write_json`],
//! which writes the others).

use super::event::EventMetadata;
use super::id::{format_id, write_id, ID_LEN};
use serde::Serialize;
use std::sync::Arc;

/// What the calling thread knows of one finished call (train on).
#[derive(Clone, Debug)]
pub(crate) struct Execution {
    pub function_name: Arc<str>,
    pub version: Option<u32>,
    /// The event's own id and the execution's (the flow's correlation id), UUID v7 numbers.
    pub event_id: u128,
    pub event_ms: i64,
    pub execution_id: u128,
    pub start_ms: i64,
    pub end_ms: i64,
    pub ok: bool,
    pub duration_ms: f64,
    pub memory_mb: f64,
    pub cpu_percent: f64,
    pub attempts: u32,
    pub failed_stage: Option<&'static str>,
    pub fallback: bool,
    pub breaker: &'static str,
    pub error: Option<Box<ExecutionError>>,
    pub train: Option<serde_json::Value>,
}

/// The `error` of an execution event.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct ExecutionError {
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub message: String,
    pub stack_trace: Vec<String>,
}

#[derive(Serialize)]
struct Envelope<'a> {
    id: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    timestamp: i64,
    correlation_id: &'a str,
    causation_id: Option<&'a str>,
    metadata: &'a EventMetadata,
    payload: Payload<'a>,
}

#[derive(Serialize)]
struct Payload<'a> {
    function_name: &'a str,
    version: Option<u32>,
    execution_id: &'a str,
    start_time: i64,
    end_time: i64,
    status: &'static str,
    metrics: Metrics,
    attempts: u32,
    failed_stage: Option<&'static str>,
    fallback_used: bool,
    breaker: &'static str,
    error: Option<&'a ExecutionError>,
    train: &'a Option<serde_json::Value>,
}

#[derive(Serialize)]
struct Metrics {
    duration_ms: f64,
    memory_mb: f64,
    cpu_percent: f64,
}

impl Execution {
    /// Appends the event's JSON (the envelope with `metadata`) to `out`.
    pub(crate) fn write_json(&self, metadata: &EventMetadata, out: &mut Vec<u8>) {
        let id = format_id(self.event_id);
        let execution_id = format_id(self.execution_id);
        let envelope = Envelope {
            id: &id,
            kind: "function.execution",
            timestamp: self.event_ms,
            correlation_id: &execution_id,
            causation_id: None,
            metadata,
            payload: Payload {
                function_name: &self.function_name,
                version: self.version,
                execution_id: &execution_id,
                start_time: self.start_ms,
                end_time: self.end_ms,
                status: if self.ok { "success" } else { "failure" },
                metrics: Metrics {
                    duration_ms: self.duration_ms,
                    memory_mb: self.memory_mb,
                    cpu_percent: self.cpu_percent,
                },
                attempts: self.attempts,
                failed_stage: self.failed_stage,
                fallback_used: self.fallback,
                breaker: self.breaker,
                error: self.error.as_deref(),
                train: &self.train,
            },
        };
        // Strings, numbers and a JSON value: writing to a vector cannot fail.
        let _ = serde_json::to_writer(out, &envelope);
    }
}

/// Writes the JSON of the usual execution event with the fixed parts encoded once.
pub(crate) struct Encoder {
    /// `,"metadata":{…},"payload":{"function_name":`.
    middle: Vec<u8>,
}

impl Encoder {
    pub(crate) fn new(metadata: &EventMetadata) -> Encoder {
        let mut middle = b",\"causation_id\":null,\"metadata\":".to_vec();
        let _ = serde_json::to_writer(&mut middle, metadata);
        middle.extend_from_slice(b",\"payload\":{\"function_name\":");
        Encoder { middle }
    }

    /// Whether [`Encoder::write`] writes `x` (no error, no metrics of a `train` stage, no
    /// registered secret in the name); the others go through [`Execution::write_json`].
    pub(crate) fn takes(x: &Execution) -> bool {
        x.error.is_none()
            && x.train.is_none()
            && !dana_llm::secrets::contains_secret(&x.function_name)
    }

    /// Appends the JSON of `x` (one that [`Encoder::takes`]) to `out`: the bytes
    /// [`Execution::write_json`] would write.
    pub(crate) fn write(&self, x: &Execution, out: &mut Vec<u8>) {
        debug_assert!(Encoder::takes(x));
        out.extend_from_slice(b"{\"id\":\"");
        push_id(out, x.event_id);
        out.extend_from_slice(b"\",\"type\":\"function.execution\",\"timestamp\":");
        push_int(out, x.event_ms);
        out.extend_from_slice(b",\"correlation_id\":\"");
        let correlation = out.len();
        push_id(out, x.execution_id);
        out.push(b'"');
        out.extend_from_slice(&self.middle);
        push_str(out, &x.function_name);
        out.extend_from_slice(b",\"version\":");
        match x.version {
            Some(v) => push_int(out, i64::from(v)),
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"execution_id\":\"");
        // The same id as the correlation id: copied.
        out.extend_from_within(correlation..correlation + ID_LEN);
        out.extend_from_slice(b"\",\"start_time\":");
        push_int(out, x.start_ms);
        out.extend_from_slice(b",\"end_time\":");
        push_int(out, x.end_ms);
        out.extend_from_slice(if x.ok {
            b",\"status\":\"success\",\"metrics\":{\"duration_ms\":"
        } else {
            b",\"status\":\"failure\",\"metrics\":{\"duration_ms\":"
        });
        push_float(out, x.duration_ms);
        out.extend_from_slice(b",\"memory_mb\":");
        push_float(out, x.memory_mb);
        out.extend_from_slice(b",\"cpu_percent\":");
        push_float(out, x.cpu_percent);
        out.extend_from_slice(b"},\"attempts\":");
        push_int(out, i64::from(x.attempts));
        out.extend_from_slice(b",\"failed_stage\":");
        match x.failed_stage {
            Some(s) => push_str(out, s),
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(if x.fallback {
            b",\"fallback_used\":true,\"breaker\":"
        } else {
            b",\"fallback_used\":false,\"breaker\":"
        });
        push_str(out, x.breaker);
        out.extend_from_slice(b",\"error\":null,\"train\":null}}");
    }
}

/// A UUID in lowercase hyphenated form, quotes not included.
fn push_id(out: &mut Vec<u8>, id: u128) {
    let mut buf = [0u8; ID_LEN];
    write_id(id, &mut buf);
    out.extend_from_slice(&buf);
}

/// An integer in decimal, two digits at a time (a millisecond timestamp has 13).
fn push_int(out: &mut Vec<u8>, n: i64) {
    /// "00" to "99".
    const DIGITS2: [[u8; 2]; 100] = {
        let mut t = [[0u8; 2]; 100];
        let mut i = 0;
        while i < 100 {
            t[i] = [b'0' + (i / 10) as u8, b'0' + (i % 10) as u8];
            i += 1;
        }
        t
    };
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut m = n.unsigned_abs();
    while m >= 100 {
        let [hi, lo] = DIGITS2[(m % 100) as usize];
        m /= 100;
        i -= 2;
        buf[i] = hi;
        buf[i + 1] = lo;
    }
    if m >= 10 {
        let [hi, lo] = DIGITS2[m as usize];
        i -= 2;
        buf[i] = hi;
        buf[i + 1] = lo;
    } else {
        i -= 1;
        buf[i] = b'0' + m as u8;
    }
    if n < 0 {
        out.push(b'-');
    }
    out.extend_from_slice(&buf[i..]);
}

/// A float as serde_json writes it (`null` for NaN and infinities).
fn push_float(out: &mut Vec<u8>, f: f64) {
    let _ = serde_json::to_writer(&mut *out, &f);
}

/// A JSON string: copied between quotes when nothing needs escaping, else by serde_json.
fn push_str(out: &mut Vec<u8>, s: &str) {
    if s.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
    } else {
        let _ = serde_json::to_writer(&mut *out, s);
    }
}

#[cfg(test)]
impl Execution {
    /// A successful call of `f` (version 3) that ended now, with fresh ids, for tests: a test
    /// sets what it is about with `Execution { …, ..Execution::sample() }`.
    pub(crate) fn sample() -> Execution {
        let ([execution_id, event_id], ms) = super::id::new_ids::<2>();
        Execution {
            function_name: Arc::from("f"),
            version: Some(3),
            event_id,
            event_ms: ms,
            execution_id,
            start_ms: ms - 2,
            end_ms: ms,
            ok: true,
            duration_ms: 0.004_25,
            memory_mb: 12.0,
            cpu_percent: 97.5,
            attempts: 1,
            failed_stage: None,
            fallback: false,
            breaker: "closed",
            error: None,
            train: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::event::{check_event, id_timestamp_ms, Event};

    #[test]
    fn an_execution_is_written_as_the_envelope_of_the_spec() {
        let x = Execution {
            ok: false,
            duration_ms: 2.5,
            cpu_percent: 97.0,
            attempts: 2,
            failed_stage: Some("operate"),
            fallback: true,
            error: Some(Box::new(ExecutionError {
                kind: "ValueError",
                message: "bad \"x\"".into(),
                stack_trace: vec!["operate".into()],
            })),
            train: Some(serde_json::json!({"seen": 1})),
            ..Execution::sample()
        };
        let (event_id, execution_id, ms) = (x.event_id, x.execution_id, x.event_ms);
        let meta = EventMetadata::current();
        let mut out = Vec::new();
        x.write_json(&meta, &mut out);
        let e: Event = serde_json::from_slice(&out).unwrap();
        check_event(&e).unwrap();
        assert_eq!(e.kind, "function.execution");
        assert_eq!(e.id, format_id(event_id));
        assert_eq!(id_timestamp_ms(&e.id), Some(e.timestamp));
        assert_eq!(e.correlation_id, format_id(execution_id));
        assert_eq!(e.causation_id, None);
        assert_eq!(e.metadata, meta);
        let p = &e.payload;
        assert_eq!(p["execution_id"], e.correlation_id.as_str());
        assert_eq!(p["function_name"], "f");
        assert_eq!(p["version"], 3);
        assert_eq!(p["status"], "failure");
        assert_eq!(p["start_time"].as_i64(), Some(ms - 2));
        assert_eq!(p["metrics"]["cpu_percent"], 97.0);
        assert_eq!(p["metrics"]["memory_mb"], 12.0);
        assert_eq!(p["attempts"], 2);
        assert_eq!(p["failed_stage"], "operate");
        assert_eq!(p["fallback_used"], true);
        assert_eq!(p["error"]["type"], "ValueError");
        assert_eq!(p["error"]["message"], "bad \"x\"");
        assert_eq!(p["error"]["stack_trace"][0], "operate");
        assert_eq!(p["train"]["seen"], 1);
        // The serialisation of the envelope gives the same bytes as the event read back.
        assert_eq!(e.to_json().as_bytes(), &out[..]);
    }

    #[test]
    fn the_encoder_writes_the_bytes_of_the_general_serialisation() {
        let meta = EventMetadata::current();
        let enc = Encoder::new(&meta);
        let base = Execution::sample();
        let variants = [
            base.clone(),
            Execution {
                function_name: Arc::from("naïve \"q\"\\\n\u{1}"),
                version: None,
                ok: false,
                start_ms: -5,
                duration_ms: f64::NAN,
                memory_mb: f64::INFINITY,
                cpu_percent: 1e300,
                attempts: 0,
                failed_stage: Some("perceive"),
                fallback: true,
                breaker: "half_open",
                ..base.clone()
            },
            Execution {
                event_ms: 0,
                end_ms: i64::MAX,
                duration_ms: 0.0,
                cpu_percent: -0.0,
                attempts: u32::MAX,
                ..base.clone()
            },
        ];
        for x in &variants {
            assert!(Encoder::takes(x));
            let (mut fast, mut general) = (Vec::new(), Vec::new());
            enc.write(x, &mut fast);
            x.write_json(&meta, &mut general);
            assert_eq!(
                String::from_utf8_lossy(&fast),
                String::from_utf8_lossy(&general)
            );
        }
        // Integers of every length and sign, as serde_json writes them.
        for n in [
            0,
            7,
            10,
            99,
            100,
            101,
            1_796_697_861_601,
            -1,
            -10,
            -100,
            i64::MAX,
            i64::MIN,
        ]
        .into_iter()
        .chain((0..19).flat_map(|k| {
            let p = 10i64.pow(k);
            [p - 1, p, p + 1, -p]
        })) {
            let mut out = Vec::new();
            push_int(&mut out, n);
            assert_eq!(String::from_utf8(out).unwrap(), n.to_string());
        }
        // An error or train metrics go the general way.
        let with_train = Execution {
            train: Some(serde_json::json!({"n": 1})),
            ..base
        };
        assert!(!Encoder::takes(&with_train));
    }
}
