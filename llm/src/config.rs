//! Which provider, where, which model, which key: from the environment and `dana.toml`.

use crate::error::LlmError;
use crate::provider::Provider;
use crate::suggest::did_you_mean;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// An API key. It prints as `***` and offers no serialisation, so it cannot leak through a
/// log line, an event or an error by accident; [`Secret::expose`] is the one way to read it.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(key: impl Into<String>) -> Secret {
        Secret(key.into())
    }
    /// The key itself, for the request header.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// The LLM configuration. [`LlmConfig::default`] is the offline provider with the default
/// limits; [`LlmConfig::from_env`] reads the environment and `dana.toml`.
#[derive(Clone, Debug, PartialEq)]
pub struct LlmConfig {
    pub provider: Provider,
    /// OpenAI-compatible: the client appends `/chat/completions`; Anthropic: `/messages`
    /// (default `https://api.anthropic.com/v1`). A trailing `/` is tolerated.
    pub base_url: Option<String>,
    pub model: Option<String>,
    pub api_key: Option<Secret>,
    pub connect_timeout: Duration,
    /// The longest wait for the next bytes of a response (headers included).
    pub read_timeout: Duration,
    /// The overall deadline of one generation, retries and their waits included.
    pub timeout: Duration,
    /// Retries after a network error, HTTP 429 or 5xx.
    pub max_retries: u32,
    pub max_tokens: u32,
    /// Sampling temperature (default 0.1: generated code and typed answers want little
    /// randomness; `None` leaves it to the server).
    pub temperature: Option<f32>,
    /// The first backoff step (doubled per retry, capped at 8 s, full jitter).
    pub backoff: Duration,
    /// Which constrained-decoding field requests carry (`[llm] constrained`).
    pub constrained: Constrained,
    /// Stream answers (server-sent events), so that a timeout closes the connection and the
    /// server stops generating (`[llm] stream`, default true).
    pub stream: bool,
    /// How long a first `@poet` call waits for an LLM version, across all attempts, before
    /// the offline version serves and the generation goes on in the background
    /// (`[llm] generation_deadline`, `DANA_LLM_GENERATION_DEADLINE`; default 30 s).
    pub generation_deadline: Duration,
}

/// How answers are constrained to their shape (`dana.toml [llm] constrained`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Constrained {
    /// Probe the server once per process: a llama.cpp server (`GET /props`) gets `grammar`,
    /// an Ollama server (`GET /api/version`) `format`, api.openai.com `response_format`,
    /// Anthropic a tool schema; anything else the plain prompt.
    Auto,
    /// llama.cpp's `grammar` (GBNF), or its `response_format` when only a schema is known.
    Grammar,
    /// `response_format` with a JSON Schema (OpenAI-compatible); Anthropic: a tool schema.
    Json,
    /// Ollama's `format` with a JSON Schema.
    Ollama,
    /// The plain prompt only.
    Off,
}

impl Constrained {
    /// Every mode with its configuration name.
    pub const ALL: [(Constrained, &'static str); 5] = [
        (Constrained::Auto, "auto"),
        (Constrained::Grammar, "grammar"),
        (Constrained::Json, "json"),
        (Constrained::Ollama, "ollama"),
        (Constrained::Off, "off"),
    ];

    /// Parses a configuration name; the error lists the valid ones.
    pub fn parse(name: &str) -> Result<Constrained, String> {
        let lower = name.trim().to_ascii_lowercase();
        Constrained::ALL
            .iter()
            .find(|(_, n)| *n == lower)
            .map(|(c, _)| *c)
            .ok_or_else(|| {
                let names: Vec<&str> = Constrained::ALL.iter().map(|(_, n)| *n).collect();
                format!("must be one of {}, not {name:?}", names.join(", "))
            })
    }
}

impl Default for LlmConfig {
    fn default() -> LlmConfig {
        LlmConfig {
            provider: Provider::Offline,
            base_url: None,
            model: None,
            api_key: None,
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(60),
            timeout: Duration::from_secs(60),
            max_retries: 3,
            max_tokens: 4096,
            temperature: Some(0.1),
            backoff: Duration::from_millis(500),
            constrained: Constrained::Auto,
            stream: true,
            generation_deadline: Duration::from_secs(30),
        }
    }
}

/// The `[llm]` keys of dana.toml.
const TOML_KEYS: &[&str] = &[
    "provider",
    "base_url",
    "model",
    "api_key_env",
    "timeout",
    "connect_timeout",
    "read_timeout",
    "max_retries",
    "max_tokens",
    "temperature",
    "backoff",
    "constrained",
    "stream",
    "generation_deadline",
];

/// What the `[llm]` table of dana.toml says.
#[derive(Default)]
struct FileSettings {
    provider: Option<Provider>,
    base_url: Option<String>,
    model: Option<String>,
    api_key_env: Option<String>,
}

impl LlmConfig {
    /// The configuration from the process environment and, when given, a dana.toml file
    /// (see [`LlmConfig::from_sources`] for the rules).
    pub fn from_env(dana_toml: Option<&Path>) -> Result<LlmConfig, LlmError> {
        let text =
            match dana_toml {
                Some(path) => Some(std::fs::read_to_string(path).map_err(|e| {
                    LlmError::Config(format!("cannot read {}: {e}", path.display()))
                })?),
                None => None,
            };
        let env = |name: &str| std::env::var(name).ok();
        LlmConfig::from_sources(&env, text.as_deref())
    }

    /// The configuration from an environment lookup and the text of a dana.toml.
    ///
    /// The environment overrides the file. The provider is, in order: `DANA_MOCK_LLM=true` →
    /// mock; `DANA_LLM_PROVIDER`; the file's `provider`; a base URL (`DANA_LLM_BASE_URL` or
    /// the file's `base_url`) or `DANA_LLM_API_KEY` or the file's `api_key_env` → openai;
    /// `OPENAI_API_KEY` → openai; `ANTHROPIC_API_KEY` → anthropic; else offline. The key is
    /// `DANA_LLM_API_KEY`, else the variable the file's `api_key_env` names, else the
    /// provider's own variable (`OPENAI_API_KEY` / `ANTHROPIC_API_KEY`). Empty variables count
    /// as unset. The file never holds a key itself: an `api_key` entry is an error.
    pub fn from_sources(
        env: &dyn Fn(&str) -> Option<String>,
        toml_text: Option<&str>,
    ) -> Result<LlmConfig, LlmError> {
        let var = |name: &str| {
            env(name)
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
        };
        let mut cfg = LlmConfig::default();
        let file = match toml_text {
            Some(text) => parse_file(text, &mut cfg)?,
            None => FileSettings::default(),
        };

        let mock = match var("DANA_MOCK_LLM") {
            Some(v) => parse_flag(&v).ok_or_else(|| {
                LlmError::Config(format!("DANA_MOCK_LLM must be true or false, not {v:?}"))
            })?,
            None => false,
        };
        let env_provider = match var("DANA_LLM_PROVIDER") {
            Some(p) => Some(
                Provider::parse(&p)
                    .map_err(|e| LlmError::Config(format!("DANA_LLM_PROVIDER: {e}")))?,
            ),
            None => None,
        };
        let base_url = var("DANA_LLM_BASE_URL").or(file.base_url);
        let dana_key = var("DANA_LLM_API_KEY");
        let openai_key = var("OPENAI_API_KEY");
        let anthropic_key = var("ANTHROPIC_API_KEY");
        let file_key = match &file.api_key_env {
            Some(name) => var(name),
            None => None,
        };

        cfg.provider = if mock {
            Provider::Mock
        } else if let Some(p) = env_provider.or(file.provider) {
            p
        } else if base_url.is_some()
            || dana_key.is_some()
            || file.api_key_env.is_some()
            || openai_key.is_some()
        {
            Provider::OpenAi
        } else if anthropic_key.is_some() {
            Provider::Anthropic
        } else {
            Provider::Offline
        };
        let own_key = match cfg.provider {
            Provider::OpenAi => openai_key,
            Provider::Anthropic => anthropic_key,
            Provider::Offline | Provider::Mock => None,
        };
        cfg.api_key = dana_key.or(file_key).or(own_key).map(Secret::new);
        cfg.base_url = base_url;
        cfg.model = var("DANA_LLM_MODEL").or(file.model);
        if let Some(t) = var("DANA_LLM_TIMEOUT") {
            cfg.timeout = parse_seconds(&t).ok_or_else(|| {
                LlmError::Config(format!("DANA_LLM_TIMEOUT: not a number of seconds: {t:?}"))
            })?;
        }
        if let Some(t) = var("DANA_LLM_GENERATION_DEADLINE") {
            cfg.generation_deadline = parse_seconds(&t).ok_or_else(|| {
                LlmError::Config(format!(
                    "DANA_LLM_GENERATION_DEADLINE: not a number of seconds: {t:?}"
                ))
            })?;
        }
        if let Some(c) = var("DANA_LLM_CONSTRAINED") {
            cfg.constrained = Constrained::parse(&c)
                .map_err(|e| LlmError::Config(format!("DANA_LLM_CONSTRAINED {e}")))?;
        }
        if let Some(url) = &cfg.base_url {
            if !(url.starts_with("http://") || url.starts_with("https://")) {
                return Err(LlmError::Config(format!(
                    "the LLM base URL must start with http:// or https://, not {url:?}"
                )));
            }
        }
        Ok(cfg)
    }

    /// The project's `dana.toml`: in the project folder of `start` (the nearest folder upward
    /// holding `dana.toml` or `.poet`, [`crate::project`]); `None` when it has none.
    pub fn find_dana_toml(start: &Path) -> Option<PathBuf> {
        crate::project::find_anchor(start)
            .map(|dir| dir.join("dana.toml"))
            .filter(|p| p.is_file())
    }

    /// The model to request: the configured one, else the provider's default.
    pub fn model_name(&self) -> String {
        match &self.model {
            Some(m) => m.clone(),
            None => match self.provider {
                Provider::OpenAi => "gpt-4o-mini",
                Provider::Anthropic => "claude-sonnet-4-5",
                Provider::Offline => "offline",
                Provider::Mock => "mock",
            }
            .to_string(),
        }
    }

    /// `true` for the offline provider (no LLM: callers use their built-in rules).
    pub fn is_offline(&self) -> bool {
        self.provider == Provider::Offline
    }

    /// The endpoint requests go to (`None` for offline and mock).
    pub fn endpoint(&self) -> Option<String> {
        let (default, path) = match self.provider {
            Provider::OpenAi => ("https://api.openai.com/v1", "/chat/completions"),
            Provider::Anthropic => ("https://api.anthropic.com/v1", "/messages"),
            Provider::Offline | Provider::Mock => return None,
        };
        let base = self.base_url.as_deref().unwrap_or(default);
        Some(format!("{}{path}", base.trim_end_matches('/')))
    }
}

/// Reads the `[llm]` table: the limits go straight into `cfg`, the rest is returned for the
/// precedence rules.
fn parse_file(text: &str, cfg: &mut LlmConfig) -> Result<FileSettings, LlmError> {
    let doc: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| LlmError::Config(format!("dana.toml: {}", e.message())))?;
    let mut out = FileSettings::default();
    let table = match doc.get("llm") {
        None => return Ok(out),
        Some(toml::Value::Table(t)) => t,
        Some(_) => return Err(LlmError::Config("dana.toml: [llm] must be a table".into())),
    };
    let bad =
        |key: &str, want: &str| LlmError::Config(format!("dana.toml: [llm] {key} must be {want}"));
    for (key, value) in table {
        let text = || {
            value
                .as_str()
                .map(str::to_string)
                .ok_or_else(|| bad(key, "a string"))
        };
        let seconds = || {
            number(value)
                .filter(|s| *s > 0.0 && s.is_finite() && *s < 1e9)
                .map(Duration::from_secs_f64)
                .ok_or_else(|| bad(key, "a positive number of seconds"))
        };
        let count = || {
            value
                .as_integer()
                .and_then(|n| u32::try_from(n).ok())
                .ok_or_else(|| bad(key, "a non-negative integer"))
        };
        match key.as_str() {
            "provider" => {
                out.provider = Some(
                    Provider::parse(&text()?)
                        .map_err(|e| LlmError::Config(format!("dana.toml: [llm] provider: {e}")))?,
                )
            }
            "base_url" => out.base_url = Some(text()?).filter(|s| !s.trim().is_empty()),
            "model" => out.model = Some(text()?).filter(|s| !s.trim().is_empty()),
            "api_key_env" => out.api_key_env = Some(text()?).filter(|s| !s.trim().is_empty()),
            "timeout" => cfg.timeout = seconds()?,
            "connect_timeout" => cfg.connect_timeout = seconds()?,
            "read_timeout" => cfg.read_timeout = seconds()?,
            "backoff" => cfg.backoff = seconds()?,
            "generation_deadline" => cfg.generation_deadline = seconds()?,
            "constrained" => {
                cfg.constrained = Constrained::parse(&text()?)
                    .map_err(|e| LlmError::Config(format!("dana.toml: [llm] constrained {e}")))?
            }
            "stream" => cfg.stream = value.as_bool().ok_or_else(|| bad(key, "true or false"))?,
            "max_retries" => cfg.max_retries = count()?,
            "max_tokens" => {
                cfg.max_tokens = count()?;
                if cfg.max_tokens == 0 {
                    return Err(bad(key, "at least 1"));
                }
            }
            "temperature" => {
                cfg.temperature = Some(
                    number(value)
                        .filter(|t| (0.0..=2.0).contains(t))
                        .ok_or_else(|| bad(key, "a number from 0 to 2"))?
                        as f32,
                )
            }
            "api_key" => {
                return Err(LlmError::Config(
                    "dana.toml must not hold an API key: put the key in an environment variable \
                     and name that variable with `api_key_env = \"VAR\"`"
                        .into(),
                ))
            }
            other => {
                let mut msg = format!(
                    "dana.toml: unknown key `{other}` in [llm]; known keys: {}",
                    TOML_KEYS.join(", ")
                );
                if let Some(s) = did_you_mean(other, TOML_KEYS) {
                    msg.push_str(&format!(" (did you mean `{s}`?)"));
                }
                return Err(LlmError::Config(msg));
            }
        }
    }
    Ok(out)
}

fn number(v: &toml::Value) -> Option<f64> {
    match v {
        toml::Value::Integer(i) => Some(*i as f64),
        toml::Value::Float(f) => Some(*f),
        _ => None,
    }
}

fn parse_seconds(s: &str) -> Option<Duration> {
    let f: f64 = s.trim().parse().ok()?;
    (f > 0.0 && f < 1e9).then(|| Duration::from_secs_f64(f))
}

fn parse_flag(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Some(true),
        "0" | "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
