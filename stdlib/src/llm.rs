//! The builtins `reason(prompt, options={...})` and `llm(prompt, model, options={...})`
//! (POET_SPEC §7, DANA_SPEC §10).
//!
//! `llm` is the raw call: the answer text. `reason` is type-directed: on the right of a typed
//! assignment (`n: int = reason("…")`) the prompt asks for that type — a JSON Schema line,
//! and for a struct its fields with their annotations and comments — and the answer is
//! converted by the typed-assignment rules (DANA_SPEC §5.3). Both take the options
//! `temperature`, `max_tokens`, `system`, `format` (`"text"` or `"json"`) and `model`, in the
//! `options` dict or as keyword arguments (`system_prompt=` for `system`, a reserved word).
//!
//! The client is made once per interpreter, on the first call: from the environment and the
//! nearest dana.toml ([`install`]) or from an explicit configuration ([`install_with`]).

use dana_grammar::ast::Sym;
use dana_interpreter::check::HostNames;
use dana_interpreter::error::{runtime_error, timeout_error, type_error, value_error, Exc};
use dana_interpreter::eval::Interp;
use dana_interpreter::value::{
    coerce, Args, Globals, NativeFn, NativeImpl, StructType, TypeAnn, Value,
};
use dana_llm::schema::{example_value, schema_line, EXAMPLE_MARKER, SCHEMA_MARKER};
use dana_llm::{
    AnswerShape, ChatRequest, ChatResponse, LlmClient, LlmConfig, LlmError, Message, Provider,
};
use serde_json::{json, Map, Value as J};
use std::cell::OnceCell;
use std::rc::Rc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

const REASON_DOC: &str =
    "reason(prompt: str, options: dict = None)\n\n\
Asks the configured LLM. options: temperature, max_tokens, system, format ('text' or 'json': \
the answer parsed as JSON), model (also as keyword arguments; system_prompt= for system). On the right of a typed assignment (n: int = reason(\"...\")) the \
prompt asks for that type and the answer is converted to it; a struct type's fields and their \
comments go into the prompt. Configure the LLM with DANA_LLM_PROVIDER, DANA_LLM_BASE_URL, \
DANA_LLM_MODEL, DANA_LLM_API_KEY (or OPENAI_API_KEY / ANTHROPIC_API_KEY) or dana.toml [llm]; \
DANA_MOCK_LLM=true gives deterministic answers without a network.";

const LLM_DOC: &str = "llm(prompt: str, model: str = None, options: dict = None) -> str\n\n\
Sends the prompt to the configured LLM and returns its answer text as it is (format='json' \
parses it). options: as reason().";

/// The system message `reason` uses unless `system_prompt=` replaces it.
const REASON_SYSTEM: &str = "You are a precise assistant inside a program. Answer the request \
directly: no preamble, no explanation, no follow-up questions.";

/// Structs nested deeper than this are described as plain objects.
const MAX_SCHEMA_DEPTH: usize = 8;

/// The keyword arguments of both builtins. `system` is a reserved word in Dana, so `system=`
/// is reachable only through `**options` or the `options` dict; `system_prompt=` is the
/// spelling a call can write.
const OPTIONS: &[&str] = &[
    "prompt",
    "model",
    "options",
    "temperature",
    "max_tokens",
    "system",
    "system_prompt",
    "format",
];

/// The keys of the `options` dict (as the reference documents them, plus `model`).
const OPTION_KEYS: &[&str] = &[
    "temperature",
    "max_tokens",
    "system",
    "system_prompt",
    "format",
    "model",
];

/// Where the client comes from, and the client once made.
struct LlmState {
    config: Option<LlmConfig>,
    client: OnceCell<Result<LlmClient, LlmError>>,
}

impl LlmState {
    fn client(&self) -> Result<&LlmClient, Exc> {
        let made = self.client.get_or_init(|| {
            let config = match &self.config {
                Some(c) => Ok(c.clone()),
                None => {
                    let start = dana_llm::project::start_folder();
                    let toml = LlmConfig::find_dana_toml(&start);
                    LlmConfig::from_env(toml.as_deref())
                }
            };
            config.and_then(LlmClient::new)
        });
        made.as_ref().map_err(dana_error)
    }
}

/// The names [`install`] binds, as the static checker must know them: `reason` and `llm`,
/// typed `any` (the answer is converted by the typed assignment the call stands in, and the
/// options are checked when the call runs).
pub fn host_names() -> HostNames {
    HostNames::functions(&["reason", "llm"])
}

/// Binds `reason` and `llm`, configured from the environment and the project's dana.toml
/// ([`dana_llm::project`]: from the running program's folder, else the working folder) on
/// their first call.
pub fn install(it: &mut Interp) {
    install_state(
        it,
        LlmState {
            config: None,
            client: OnceCell::new(),
        },
    );
}

/// Binds `reason` and `llm` with an explicit configuration (tests, embedding).
pub fn install_with(it: &mut Interp, config: LlmConfig) {
    install_state(
        it,
        LlmState {
            config: Some(config),
            client: OnceCell::new(),
        },
    );
}

fn install_state(it: &mut Interp, state: LlmState) {
    let state = Rc::new(state);
    let s = state.clone();
    it.set_builtin(
        "reason",
        builtin("reason", REASON_DOC, move |it, args| reason(it, args, &s)),
    );
    it.set_builtin(
        "llm",
        builtin("llm", LLM_DOC, move |it, args| llm(it, args, &state)),
    );
}

fn builtin(
    name: &str,
    doc: &'static str,
    f: impl Fn(&mut Interp, Args<'_>) -> Result<Value, Exc> + 'static,
) -> Value {
    Value::Native(Rc::new(NativeFn {
        name: Sym::intern(name),
        imp: NativeImpl::Closure(Box::new(f)),
        doc: Some(doc),
    }))
}

/// The prompt and the options of a call.
struct Call {
    /// `reason` or `llm` (for messages and the progress line).
    fname: &'static str,
    prompt: String,
    model: Option<String>,
    temperature: Option<f32>,
    max_tokens: Option<u32>,
    system: Option<String>,
    /// `format="json"`: the answer is parsed as JSON into Dana values.
    json: bool,
    /// The JSON Schema of a typed answer, for servers that constrain decoding.
    schema: Option<J>,
}

/// Reads a call: `reason(prompt, options={...})`, `llm(prompt, model, options={...})`, and the
/// same options as keyword arguments (a keyword argument wins over the dict).
fn parse_call(fname: &'static str, args: &Args<'_>) -> Result<Call, Exc> {
    args.check(fname, 0, 2, OPTIONS)?;
    let text = |name: &str, v: Option<&Value>| -> Result<Option<String>, Exc> {
        match v {
            None | Some(Value::None) => Ok(None),
            Some(Value::Str(s)) => Ok(Some(s.to_string())),
            Some(other) => Err(type_error(format!(
                "{fname}() argument '{name}' must be str, not {}",
                other.type_name()
            ))),
        }
    };
    let prompt = text("prompt", args.get(0, "prompt"))?.ok_or_else(|| {
        type_error(format!(
            "{fname}() missing required argument 'prompt' (pos 1)"
        ))
    })?;
    // The second positional argument: `llm`'s model, `reason`'s options.
    let (model_arg, options_arg) = match fname {
        "llm" => (args.get(1, "model"), args.kw("options")),
        _ => (args.kw("model"), args.get(1, "options")),
    };
    let mut options: Vec<(String, Value)> = Vec::new();
    match options_arg {
        None | Some(Value::None) => {}
        Some(Value::Dict(d)) => {
            for (k, v) in d.borrow().iter() {
                let Value::Str(key) = k.value() else {
                    return Err(type_error(format!(
                        "{fname}() options keys must be str, not {}",
                        k.value().type_name()
                    )));
                };
                if !OPTION_KEYS.contains(&key.as_str()) {
                    return Err(value_error(format!(
                        "{fname}() got an unknown option '{key}' (options: {})",
                        OPTION_KEYS.join(", ")
                    )));
                }
                options.push((key.to_string(), v.clone()));
            }
        }
        Some(other) => {
            return Err(type_error(format!(
                "{fname}() argument 'options' must be a dict, not {}",
                other.type_name()
            )))
        }
    }
    let option = |names: &[&str], kw: Option<&Value>| -> Option<Value> {
        kw.filter(|v| !matches!(v, Value::None))
            .cloned()
            .or_else(|| {
                options
                    .iter()
                    .find(|(k, _)| names.contains(&k.as_str()))
                    .map(|(_, v)| v.clone())
            })
    };
    let temperature = match option(&["temperature"], args.kw("temperature")) {
        None | Some(Value::None) => None,
        Some(v) => {
            let t = match v {
                Value::Int(i) => i as f64,
                Value::Float(f) => f,
                other => {
                    return Err(type_error(format!(
                        "{fname}() argument 'temperature' must be a number, not {}",
                        other.type_name()
                    )))
                }
            };
            if !(0.0..=2.0).contains(&t) {
                return Err(value_error(format!(
                    "{fname}() argument 'temperature' must be between 0 and 2, not {t}"
                )));
            }
            Some(t as f32)
        }
    };
    let max_tokens = match option(&["max_tokens"], args.kw("max_tokens")) {
        None | Some(Value::None) => None,
        Some(Value::Int(n)) if n > 0 && n <= i64::from(u32::MAX) => Some(n as u32),
        Some(Value::Int(n)) => {
            return Err(value_error(format!(
                "{fname}() argument 'max_tokens' must be a positive int, not {n}"
            )))
        }
        Some(other) => {
            return Err(type_error(format!(
                "{fname}() argument 'max_tokens' must be int, not {}",
                other.type_name()
            )))
        }
    };
    let json = match text("format", option(&["format"], args.kw("format")).as_ref())?.as_deref() {
        None | Some("text") => false,
        Some("json") => true,
        Some(other) => {
            return Err(value_error(format!(
                "{fname}() argument 'format' must be 'text' or 'json', not '{other}'"
            )))
        }
    };
    let model_kw = model_arg.filter(|v| !matches!(v, Value::None)).cloned();
    let model = model_kw.or_else(|| option(&["model"], None));
    let system = option(
        &["system_prompt", "system"],
        args.kw("system_prompt").or(args.kw("system")),
    );
    Ok(Call {
        fname,
        prompt,
        model: text("model", model.as_ref())?,
        temperature,
        max_tokens,
        system: text("system", system.as_ref())?,
        json,
        schema: None,
    })
}

/// The instruction added to the prompt of a `format="json"` call.
const JSON_ONLY: &str = "Answer with one JSON value only: no prose, no code fence.";

/// The answer of a `format="json"` call as Dana values.
fn json_answer(fname: &str, text: &str) -> Result<Value, Exc> {
    crate::json::decode(unfence(text)).map_err(|_| {
        let shown: String = text.chars().take(200).collect();
        value_error(format!(
            "{fname}() asked for JSON (format='json') and the answer is not JSON: {shown:?}"
        ))
    })
}

fn llm(it: &mut Interp, args: Args<'_>, state: &LlmState) -> Result<Value, Exc> {
    let call = parse_call("llm", &args)?;
    let mut messages = Vec::new();
    if let Some(s) = &call.system {
        messages.push(Message::system(s.as_str()));
    }
    let mut prompt = call.prompt.clone();
    if call.json {
        prompt.push_str("\n\n");
        prompt.push_str(JSON_ONLY);
    }
    messages.push(Message::user(prompt));
    let answer = send(it, state, &call, messages)?;
    if call.json {
        return json_answer("llm", &answer.text);
    }
    Ok(Value::str(answer.text))
}

fn reason(it: &mut Interp, args: Args<'_>, state: &LlmState) -> Result<Value, Exc> {
    // First, before anything else can run and take it.
    let expected = it.take_expected_type();
    let mut call = parse_call("reason", &args)?;
    let want = expected.filter(|e| !is_text(&e.ann));
    let (messages, schema) =
        reason_messages(it, &call, want.as_ref().map(|e| (&*e.ann, &e.globals)));
    if let Some(e) = &want {
        // A scalar answer is a few tokens: a small budget ends a rambling answer early.
        if call.max_tokens.is_none() {
            call.max_tokens = Some(match &*e.ann {
                TypeAnn::Int | TypeAnn::Float | TypeAnn::Bool => 64,
                _ => 512,
            });
        }
        call.schema = schema;
    }
    let answer = send(it, state, &call, messages)?;
    let text = answer.text.trim();
    if call.json && want.is_none() {
        return json_answer("reason", text);
    }
    Ok(match want {
        Some(e) => convert(it, text, &e.ann, &e.globals),
        None => Value::str(text),
    })
}

/// `true` for the types whose answer is plain text (no JSON asked for).
fn is_text(ann: &TypeAnn) -> bool {
    match ann {
        TypeAnn::Any | TypeAnn::Str => true,
        TypeAnn::Union(ts) => ts.iter().all(|t| matches!(t, TypeAnn::Str | TypeAnn::None)),
        _ => false,
    }
}

/// The messages of a `reason` call, asking for `ann` when given.
/// The messages of a `reason` call, asking for `ann` when given with an example value and
/// the JSON Schema (also returned, for constrained decoding).
fn reason_messages(
    it: &Interp,
    call: &Call,
    want: Option<(&TypeAnn, &Rc<Globals>)>,
) -> (Vec<Message>, Option<J>) {
    let system = call.system.clone().unwrap_or_else(|| REASON_SYSTEM.into());
    let mut user = call.prompt.clone();
    let mut wanted = None;
    if let Some((ann, globals)) = want {
        let lookup = |s: Sym| it.lookup_name(globals, s);
        let schema = schema_of(ann, &lookup, "", &mut Vec::new());
        user.push_str("\n\n");
        user.push_str(&answer_instruction(ann, &lookup));
        user.push('\n');
        user.push_str(&format!("{EXAMPLE_MARKER} {}\n", example_value(&schema)));
        user.push_str(&schema_line(&schema));
        wanted = Some(schema);
    } else if call.json {
        user.push_str("\n\n");
        user.push_str(JSON_ONLY);
    }
    (vec![Message::system(system), Message::user(user)], wanted)
}

/// What to answer with, in words, for a value of type `ann`.
fn answer_instruction(ann: &TypeAnn, lookup: &dyn Fn(Sym) -> Option<Value>) -> String {
    match ann {
        TypeAnn::Int => "Answer with a single integer and nothing else.".into(),
        TypeAnn::Float => "Answer with a single number and nothing else.".into(),
        TypeAnn::Bool => "Answer with true or false and nothing else.".into(),
        TypeAnn::Named(sym) => match lookup(*sym) {
            Some(Value::StructType(st)) => struct_instruction(&st),
            _ => JSON_INSTRUCTION.into(),
        },
        _ => JSON_INSTRUCTION.into(),
    }
}

const JSON_INSTRUCTION: &str =
    "Answer with JSON only (no prose, no code fence), matching the JSON Schema below.";

/// The struct's fields with their annotations and comments, as the prompt lists them.
fn struct_instruction(st: &StructType) -> String {
    let mut s = format!("Answer with one JSON object for a `{}`", st.name);
    if let Some(doc) = st.doc.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        s.push_str(&format!(" ({doc})"));
    }
    s.push_str(" with these fields, and nothing else:");
    for f in &st.fields {
        s.push_str(&format!("\n- {}", f.name));
        if let Some(a) = &f.ann {
            s.push_str(&format!(": {a}"));
        }
        if let Some(c) = f
            .comment
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            s.push_str(&format!(" — {c}"));
        }
        if f.default.is_some() {
            s.push_str(" (optional)");
        }
    }
    s
}

/// The structs being described, with the JSON pointer of each description: a struct that
/// contains itself refers back with `$ref` instead of being described again.
type Seen = Vec<(Sym, String)>;

/// The JSON Schema of a value of type `ann`, found at the JSON pointer `path` of the whole.
fn schema_of(
    ann: &TypeAnn,
    lookup: &dyn Fn(Sym) -> Option<Value>,
    path: &str,
    seen: &mut Seen,
) -> J {
    let sub = |a: &TypeAnn, at: &str, seen: &mut Seen| {
        schema_of(a, lookup, &format!("{path}/{at}"), seen)
    };
    match ann {
        TypeAnn::Any | TypeAnn::Callable => json!({}),
        TypeAnn::Int => json!({"type": "integer"}),
        TypeAnn::Float => json!({"type": "number"}),
        TypeAnn::Str => json!({"type": "string"}),
        TypeAnn::Bool => json!({"type": "boolean"}),
        TypeAnn::None => json!({"type": "null"}),
        TypeAnn::List(t) => match t {
            Some(t) => json!({"type": "array", "items": sub(t, "items", seen)}),
            None => json!({"type": "array"}),
        },
        TypeAnn::Set(t) => match t {
            Some(t) => {
                json!({"type": "array", "uniqueItems": true, "items": sub(t, "items", seen)})
            }
            None => json!({"type": "array", "uniqueItems": true}),
        },
        TypeAnn::Tuple(spec) => match spec {
            None => json!({"type": "array"}),
            Some((ts, true)) => match ts.first() {
                Some(t) => json!({"type": "array", "items": sub(t, "items", seen)}),
                None => json!({"type": "array"}),
            },
            Some((ts, false)) => {
                let items: Vec<J> = ts
                    .iter()
                    .enumerate()
                    .map(|(i, t)| sub(t, &format!("prefixItems/{i}"), seen))
                    .collect();
                json!({"type": "array", "prefixItems": items, "minItems": ts.len(), "maxItems": ts.len()})
            }
        },
        TypeAnn::Dict(kv) => match kv {
            Some(kv) => {
                json!({"type": "object", "additionalProperties": sub(&kv.1, "additionalProperties", seen)})
            }
            None => json!({"type": "object"}),
        },
        TypeAnn::Union(ts) => {
            let alts: Vec<J> = ts
                .iter()
                .enumerate()
                .map(|(i, t)| sub(t, &format!("anyOf/{i}"), seen))
                .collect();
            json!({ "anyOf": alts })
        }
        TypeAnn::Named(sym) => match lookup(*sym) {
            Some(Value::StructType(st)) => struct_schema(&st, lookup, path, seen),
            _ => json!({}),
        },
    }
}

fn struct_schema(
    st: &Rc<StructType>,
    lookup: &dyn Fn(Sym) -> Option<Value>,
    path: &str,
    seen: &mut Seen,
) -> J {
    if let Some((_, at)) = seen.iter().find(|(n, _)| *n == st.name) {
        return json!({"$ref": format!("#{at}")});
    }
    if seen.len() >= MAX_SCHEMA_DEPTH {
        return json!({"type": "object", "title": st.name.as_str()});
    }
    seen.push((st.name, path.to_string()));
    // Field annotations name types of the struct's own module.
    let home = st.globals.as_ref().and_then(std::rc::Weak::upgrade);
    let field_lookup = |s: Sym| home.as_ref().and_then(|g| g.get(s)).or_else(|| lookup(s));
    let mut props = Map::new();
    let mut required = Vec::new();
    for f in &st.fields {
        let name = f.name.as_str();
        let mut p = match &f.ann {
            Some(a) => schema_of(a, &field_lookup, &format!("{path}/properties/{name}"), seen),
            None => json!({}),
        };
        if let (Some(c), J::Object(o)) = (f.comment.as_deref().map(str::trim), &mut p) {
            if !c.is_empty() {
                o.insert("description".into(), json!(c));
            }
        }
        props.insert(name.to_string(), p);
        if f.default.is_none() {
            required.push(json!(name));
        }
    }
    seen.pop();
    let mut out = Map::new();
    out.insert("type".into(), json!("object"));
    out.insert("title".into(), json!(st.name.as_str()));
    if let Some(doc) = st.doc.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        out.insert("description".into(), json!(doc));
    }
    out.insert("properties".into(), J::Object(props));
    out.insert("required".into(), J::Array(required));
    out.insert("additionalProperties".into(), json!(false));
    J::Object(out)
}

/// The answer as a value of `ann` (§5.3), else the text itself: the typed assignment then
/// fails with its usual `cannot assign … to 'n: int'`, naming the variable.
fn convert(it: &Interp, text: &str, ann: &TypeAnn, globals: &Rc<Globals>) -> Value {
    let lookup = |s: Sym| it.lookup_name(globals, s);
    let attempt = |t: &str| coerce::coerce(Value::str(t), ann, "", &lookup).ok();
    if let Some(v) = attempt(text) {
        return v;
    }
    // Small models echo the schema or example line back; a constrained server may wrap a
    // scalar as {"value": …}.
    let cleaned = without_echo(text);
    if cleaned != text {
        if let Some(v) = attempt(&cleaned) {
            return v;
        }
    }
    let text = cleaned.as_str();
    if let Some(inner) = wrapped_value(unfence(text)) {
        if let Some(v) = attempt(&inner) {
            return v;
        }
    }
    // Models often wrap a number or a word in prose, quotes or a code fence.
    let inner = unfence(text);
    if let Some(v) = attempt(inner) {
        return v;
    }
    if matches!(ann, TypeAnn::Int | TypeAnn::Float) {
        if let Some(v) = first_number(inner).and_then(attempt) {
            return v;
        }
    }
    Value::str(text)
}

/// `text` without the lines that echo the prompt's schema line, and with an echoed
/// `Example answer:` label taken off.
fn without_echo(text: &str) -> String {
    let kept: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim_start().starts_with(SCHEMA_MARKER))
        .map(|l| {
            let t = l.trim_start();
            t.strip_prefix(EXAMPLE_MARKER).map_or(l, str::trim)
        })
        .filter(|l| !l.trim().is_empty())
        .collect();
    kept.join("\n").trim().to_string()
}

/// The JSON text of `v` in an answer `{"value": v}` (the object a constrained server wraps a
/// non-object answer in).
fn wrapped_value(text: &str) -> Option<String> {
    let j: J = serde_json::from_str(text.trim()).ok()?;
    let o = j.as_object()?;
    if o.len() != 1 {
        return None;
    }
    o.get("value").map(J::to_string)
}

/// The body of a ```` ``` ```` fence, or the text without surrounding quotes.
fn unfence(text: &str) -> &str {
    let t = text.trim();
    if let Some(rest) = t.strip_prefix("```") {
        let body = rest.find('\n').map(|i| &rest[i + 1..]).unwrap_or("");
        return body.rfind("```").map(|i| &body[..i]).unwrap_or(body).trim();
    }
    t.trim_matches(|c| c == '"' || c == '\'' || c == '`').trim()
}

/// The first number written in `text` (`-12`, `3.5`).
fn first_number(text: &str) -> Option<&str> {
    let bytes = text.as_bytes();
    let start = bytes.iter().position(u8::is_ascii_digit)?;
    let start = if start > 0 && bytes[start - 1] == b'-' {
        start - 1
    } else {
        start
    };
    let mut end = start + 1;
    let mut seen_dot = false;
    while end < bytes.len() {
        match bytes[end] {
            b'0'..=b'9' => end += 1,
            b'.' if !seen_dot && bytes.get(end + 1).is_some_and(u8::is_ascii_digit) => {
                seen_dot = true;
                end += 1;
            }
            _ => break,
        }
    }
    text.get(start..end)
}

/// Sends the request within the program's deadline; Ctrl-C (the cancellation or interrupt
/// flag) stops waiting for a networked answer.
fn send(
    it: &mut Interp,
    state: &LlmState,
    call: &Call,
    messages: Vec<Message>,
) -> Result<ChatResponse, Exc> {
    it.check_limits()?;
    let client = state.client()?.clone();
    let timeout = it.limits.deadline.map(|d| {
        d.saturating_duration_since(Instant::now())
            .max(Duration::from_millis(1))
    });
    let req = ChatRequest {
        messages,
        model: call.model.clone(),
        max_tokens: call.max_tokens,
        temperature: call.temperature,
        timeout,
        shape: call.schema.as_ref().map(|s| AnswerShape {
            name: "answer".into(),
            grammar: None,
            schema: Some(s.clone()),
        }),
        ..ChatRequest::default()
    };
    if it.effects_captured() {
        // A trial run: no request leaves the process; the mock answers deterministically.
        let text = dana_llm::mock::answer(&req).map_err(|e| runtime_error(e.to_string()))?;
        return Ok(ChatResponse {
            text,
            model: "mock".into(),
            attempts: 0,
        });
    }
    let networked = matches!(
        client.config().provider,
        Provider::OpenAi | Provider::Anthropic
    );
    let stops: Vec<_> = [&it.limits.cancel, &it.limits.interrupt]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    let model = req
        .model
        .clone()
        .or_else(|| client.config().model.clone())
        .unwrap_or_else(|| "the model".into());
    let limit = req
        .timeout
        .map_or(client.config().timeout, |t| t.min(client.config().timeout));
    let label = format!(
        "{}: asking {model} (deadline {:.0} s)",
        call.fname,
        limit.as_secs_f64()
    );
    if !networked {
        return client.complete_blocking(&req).map_err(|e| dana_error(&e));
    }
    if stops.is_empty() {
        return dana_llm::progress::with_progress(&label, || client.complete_blocking(&req))
            .map_err(|e| dana_error(&e));
    }
    // Wait on a helper thread, looking at the stop flags every 50 ms.
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(client.complete_blocking(&req));
    });
    let answer = dana_llm::progress::with_progress(&label, || loop {
        match rx.recv_timeout(Duration::from_millis(50)) {
            Ok(answer) => break Some(answer),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                if stops.iter().any(|f| f.load(Ordering::Relaxed)) {
                    // The helper thread finishes (or times out) on its own.
                    break None;
                }
            }
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                break Some(Err(LlmError::Network("the request thread stopped".into())))
            }
        }
    });
    match answer {
        Some(a) => a.map_err(|e| dana_error(&e)),
        None => Err(it
            .check_limits()
            .err()
            .unwrap_or_else(|| runtime_error("the LLM call was cancelled"))),
    }
}

/// An LLM error as a Dana exception: `TimeoutError` for timeouts, else `RuntimeError`.
fn dana_error(e: &LlmError) -> Exc {
    match e {
        LlmError::Timeout(_) => timeout_error(e.to_string()),
        LlmError::Offline => runtime_error(
            "reason() and llm() need an LLM, and none is configured: set DANA_LLM_PROVIDER \
             (openai, anthropic or mock), DANA_LLM_BASE_URL for an OpenAI-compatible server such \
             as Ollama (http://127.0.0.1:11434/v1) with DANA_LLM_MODEL, OPENAI_API_KEY or \
             ANTHROPIC_API_KEY, or the [llm] table of dana.toml; DANA_MOCK_LLM=true gives \
             deterministic answers without a network",
        )
        .with_help(
            "for a local Ollama server: DANA_LLM_BASE_URL=http://127.0.0.1:11434/v1 \
             DANA_LLM_MODEL=llama3.1",
        ),
        other => runtime_error(other.to_string()),
    }
}

#[cfg(test)]
mod tests;
