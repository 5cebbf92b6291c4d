//! Feedback (POET_SPEC §6): `feedback(...)` and `poet_last_execution(...)` let the program
//! rate an execution of a `@poet(train=True)` function, `PoetRuntime::feedback` is the same for
//! a host, and a rating becomes a `feedback.received` event and evidence for the learning loop.

use crate::events::event::{Event, EventFilter};
use crate::events::queue::EventQueue;
use crate::events::sink::EventSink;
use crate::function::{PoetFunction, PoetRuntime};
use dana_interpreter::error::{type_error, value_error, Exc};
use dana_interpreter::eval::Interp;
use dana_interpreter::value::{Args, NativeFn, Value};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::rc::{Rc, Weak};

/// Longest feedback comment kept.
pub const MAX_COMMENT: usize = 4096;

/// Binds `feedback(...)` and `poet_last_execution(fn)`.
pub(crate) fn install_builtins(it: &mut Interp, rt: &Rc<PoetRuntime>) {
    let weak = Rc::downgrade(rt);
    it.set_builtin(
        "poet_last_execution",
        NativeFn::closure("poet_last_execution", move |_, args| {
            args.check("poet_last_execution", 1, 1, &["fn"])?;
            let f = function_of(&weak, args.get(0, "fn"))?;
            let last = f.last_execution();
            Ok(last.map(|(id, _)| Value::str(id)).unwrap_or(Value::None))
        }),
    );
    let weak = Rc::downgrade(rt);
    it.set_builtin(
        "feedback",
        NativeFn::closure("feedback", move |_, args| feedback(&weak, args)),
    );
}

fn function_of(rt: &Weak<PoetRuntime>, v: Option<&Value>) -> Result<Rc<PoetFunction>, Exc> {
    let rt = rt
        .upgrade()
        .ok_or_else(|| type_error("POET is not installed"))?;
    if let Some(Value::Func(f)) = v {
        return Err(type_error(format!(
            "{}() is not a @poet function: feedback is recorded for @poet functions only",
            f.name
        )));
    }
    let Some(Value::Native(nf)) = v else {
        return Err(type_error(
            "expected a @poet function (the decorated name, e.g. feedback(detect_drift, rating=1))",
        ));
    };
    rt.function_by_wrapper(nf).ok_or_else(|| {
        type_error(format!(
            "{}() is not a @poet function: feedback is recorded for @poet functions only",
            nf.name
        ))
    })
}

/// `feedback(fn, rating=, comment=, kind=, execution_id=, regenerate=)`: records a
/// `function.feedback` event linked to the execution; returns its id.
fn feedback(rt: &Weak<PoetRuntime>, args: Args<'_>) -> Result<Value, Exc> {
    args.check(
        "feedback",
        0,
        1,
        &[
            "fn",
            "rating",
            "comment",
            "kind",
            "execution_id",
            "regenerate",
            "suggestions",
        ],
    )?;
    let runtime = rt
        .upgrade()
        .ok_or_else(|| type_error("POET is not installed"))?;
    let rating = match args.get(99, "rating") {
        None | Some(Value::None) => None,
        Some(Value::Int(r)) if (1..=5).contains(r) => Some(*r),
        Some(other) => {
            return Err(value_error(format!(
                "feedback rating= must be an int from 1 to 5, got {}",
                dana_interpreter::value::repr::repr(other)
            )))
        }
    };
    let text = |name: &str| -> Result<Option<String>, Exc> {
        match args.get(99, name) {
            None | Some(Value::None) => Ok(None),
            Some(Value::Str(s)) => Ok(Some(s.to_string())),
            Some(other) => Err(type_error(format!(
                "feedback {name}= must be a str, got {}",
                other.type_name()
            ))),
        }
    };
    let comment = text("comment")?.unwrap_or_default();
    let kind = text("kind")?.unwrap_or_else(|| "user".into());
    if !["performance", "error", "user", "system"].contains(&kind.as_str()) {
        return Err(value_error(format!(
            "feedback kind={kind:?} is not valid; expected one of: performance, error, user, system"
        )));
    }
    let regenerate = matches!(args.get(99, "regenerate"), Some(Value::Bool(true)));
    let execution_id = text("execution_id")?;
    let func = match args.get(0, "fn") {
        Some(v) if !v.is_none() => Some(function_of(rt, Some(v))?),
        _ => None,
    };
    if let Some(f) = &func {
        let unavailable = matches!(&*f.slot.borrow(), crate::function::Slot::Unavailable);
        if unavailable || runtime.store_refused(&f.poet_dir) {
            // The function runs its original code (why was reported once): there is no
            // execution to rate and no store to keep a rating in, and the program goes on.
            return Ok(Value::None);
        }
    }
    // Which execution: the one named, else the function's latest in this process.
    let (function_name, poet_dir, exec_id, exec_event) = match (&func, &execution_id) {
        (Some(f), None) => {
            let Some((id, ev)) = f.last_execution() else {
                return Err(value_error(format!(
                    "{}() has not run yet in this program: call it first, or pass execution_id=",
                    f.display
                )));
            };
            (f.store_name.clone(), f.poet_dir.clone(), id, Some(ev))
        }
        (f, Some(id)) => {
            let found = runtime.find_execution(id, f.as_deref());
            match found {
                Some((name, dir, ev)) => (name, dir, id.clone(), Some(ev)),
                None => {
                    return Err(value_error(format!(
                        "no execution {id:?} is recorded in the POET event store"
                    )))
                }
            }
        }
        (None, None) => {
            return Err(type_error(
                "feedback needs the function (feedback(f, rating=…)) or execution_id=",
            ))
        }
    };
    let version = func.as_ref().and_then(|f| f.current_version());
    let suggestions = match args.get(99, "suggestions") {
        Some(v) if !v.is_none() => dana_interpreter::engine::from_value::<serde_json::Value>(v)
            .unwrap_or(serde_json::Value::Null),
        _ => serde_json::Value::Null,
    };
    let record = FeedbackRecord {
        function_name,
        version,
        execution_id: exec_id,
        execution_event: exec_event,
        kind,
        rating,
        comment,
        suggestions,
        regenerate,
    };
    let id = runtime
        .write_feedback(&poet_dir, record, func.as_deref())
        .map_err(|e| {
            dana_interpreter::error::runtime_error(format!("feedback was not saved: {e}"))
        })?;
    Ok(Value::str(id))
}

impl PoetRuntime {
    /// The function, store directory and event id of an execution, from this process or the
    /// event store (feedback after a restart).
    fn find_execution(
        &self,
        execution_id: &str,
        hint: Option<&PoetFunction>,
    ) -> Option<(String, PathBuf, String)> {
        self.flush_events();
        let dirs: Vec<PathBuf> = match hint {
            Some(f) => vec![f.poet_dir.clone()],
            None => {
                let mut d: Vec<PathBuf> = self.sinks.borrow().keys().cloned().collect();
                d.push(self.default_dir());
                d
            }
        };
        for dir in dirs {
            let Ok(q) = EventQueue::open(&dir) else {
                continue;
            };
            let filter = EventFilter::default()
                .kind("function.execution")
                .correlation(execution_id);
            if let Ok(events) = q.all(&filter) {
                if let Some(e) = events.into_iter().next() {
                    let name = e.function_name().unwrap_or_default().to_string();
                    return Some((name, dir, e.id));
                }
            }
        }
        None
    }
}

impl PoetRuntime {
    /// Feedback from the host (Rust): rates the latest execution of the `@poet` function named
    /// `function` (its name in the program or in the store) and writes the `function.feedback`
    /// event at once; returns the event's id.
    pub fn feedback(
        &self,
        function: &str,
        rating: Option<u8>,
        comment: &str,
        regenerate: bool,
    ) -> Result<String, String> {
        if let Some(r) = rating {
            if !(1..=5).contains(&r) {
                return Err(format!("a rating is from 1 to 5, got {r}"));
            }
        }
        let f = self
            .function_named(function)
            .ok_or_else(|| format!("no @poet function named {function:?} has been defined"))?;
        let Some((exec_id, event_id)) = f.last_execution() else {
            return Err(format!(
                "{function}() has not run yet (with train=True) in this engine"
            ));
        };
        let record = FeedbackRecord {
            function_name: f.store_name.clone(),
            version: f.current_version(),
            execution_id: exec_id,
            execution_event: Some(event_id),
            kind: "user".into(),
            rating: rating.map(i64::from),
            comment: comment.to_string(),
            suggestions: serde_json::Value::Null,
            regenerate,
        };
        self.write_feedback(&f.poet_dir, record, Some(&f))
    }

    /// Writes a feedback event now (feedback is rare, and people expect it kept) and gives
    /// the rating to the learning loop of `func`.
    fn write_feedback(
        &self,
        poet_dir: &Path,
        record: FeedbackRecord,
        func: Option<&PoetFunction>,
    ) -> Result<String, String> {
        let (exec_id, rating, regenerate) = (
            record.execution_id.clone(),
            record.rating,
            record.regenerate,
        );
        let e = record.to_event();
        let id = e.id.clone();
        let err = {
            let mut sinks = self.sinks.borrow_mut();
            let sink = sinks
                .entry(poet_dir.to_path_buf())
                .or_insert_with(|| EventSink::new(poet_dir));
            sink.write_now(e)
        };
        err?;
        if let Some(f) = func {
            f.note_feedback(&exec_id, rating, regenerate);
        }
        Ok(id)
    }
}

/// One rating of one execution: the payload of a `function.feedback` event.
pub struct FeedbackRecord {
    pub function_name: String,
    pub version: Option<u32>,
    pub execution_id: String,
    /// The id of the execution's event (the feedback's cause).
    pub execution_event: Option<String>,
    /// `performance`, `error`, `user` or `system`.
    pub kind: String,
    pub rating: Option<i64>,
    pub comment: String,
    pub suggestions: serde_json::Value,
    pub regenerate: bool,
}

impl FeedbackRecord {
    /// The event, in the execution's flow; the comment is cut to [`MAX_COMMENT`] bytes.
    pub fn to_event(mut self) -> Event {
        if self.comment.len() > MAX_COMMENT {
            let mut cut = MAX_COMMENT;
            while !self.comment.is_char_boundary(cut) {
                cut -= 1;
            }
            self.comment.truncate(cut);
        }
        Event::new(
            "function.feedback",
            Some(&self.execution_id),
            self.execution_event.as_deref(),
            json!({
                "function_name": self.function_name,
                "version": self.version,
                "execution_id": self.execution_id,
                "feedback_type": self.kind,
                "rating": self.rating,
                "comments": self.comment,
                "metrics": {},
                "suggestions": self.suggestions,
                "regenerate": self.regenerate,
            }),
        )
    }
}
