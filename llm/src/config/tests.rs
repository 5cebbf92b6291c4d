//! Tests of the LLM configuration: environment, config file and their precedence.

use super::*;
use std::collections::HashMap;

fn cfg(env: &[(&str, &str)], toml: Option<&str>) -> Result<LlmConfig, LlmError> {
    let map: HashMap<String, String> = env
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    LlmConfig::from_sources(&|k| map.get(k).cloned(), toml)
}

fn ok(env: &[(&str, &str)], toml: Option<&str>) -> LlmConfig {
    cfg(env, toml).unwrap_or_else(|e| panic!("unexpected error: {e}"))
}

fn err(env: &[(&str, &str)], toml: Option<&str>) -> String {
    match cfg(env, toml) {
        Ok(c) => format!("unexpectedly ok: {c:?}"),
        Err(e) => e.to_string(),
    }
}

fn key(c: &LlmConfig) -> Option<&str> {
    c.api_key.as_ref().map(Secret::expose)
}

#[test]
fn nothing_configured_is_offline() {
    let c = ok(&[], None);
    assert_eq!(c.provider, Provider::Offline);
    assert!(c.is_offline());
    assert_eq!(c.model_name(), "offline");
    assert_eq!(c.endpoint(), None);
    assert_eq!(c.timeout, Duration::from_secs(60));
    assert_eq!(c.connect_timeout, Duration::from_secs(10));
    assert_eq!(c.max_retries, 3);
    assert_eq!(c.max_tokens, 4096);
    // Empty variables count as unset.
    assert!(ok(&[("OPENAI_API_KEY", ""), ("DANA_LLM_PROVIDER", " ")], None).is_offline());
    // A dana.toml without [llm] changes nothing.
    assert!(ok(&[], Some("[poet]\nx = 1\n")).is_offline());
}

#[test]
fn provider_keys_select_their_provider() {
    let c = ok(&[("OPENAI_API_KEY", "sk-o")], None);
    assert_eq!((c.provider, key(&c)), (Provider::OpenAi, Some("sk-o")));
    assert_eq!(c.model_name(), "gpt-4o-mini");
    assert_eq!(
        c.endpoint().as_deref(),
        Some("https://api.openai.com/v1/chat/completions")
    );
    let c = ok(&[("ANTHROPIC_API_KEY", "sk-a")], None);
    assert_eq!((c.provider, key(&c)), (Provider::Anthropic, Some("sk-a")));
    assert_eq!(c.model_name(), "claude-sonnet-4-5");
    assert_eq!(
        c.endpoint().as_deref(),
        Some("https://api.anthropic.com/v1/messages")
    );
    // Both: OpenAI is checked first.
    let c = ok(&[("ANTHROPIC_API_KEY", "a"), ("OPENAI_API_KEY", "o")], None);
    assert_eq!((c.provider, key(&c)), (Provider::OpenAi, Some("o")));
    // An explicit provider picks its own key.
    let c = ok(
        &[
            ("DANA_LLM_PROVIDER", "anthropic"),
            ("OPENAI_API_KEY", "o"),
            ("ANTHROPIC_API_KEY", "a"),
        ],
        None,
    );
    assert_eq!((c.provider, key(&c)), (Provider::Anthropic, Some("a")));
}

#[test]
fn base_url_alone_implies_openai() {
    let c = ok(
        &[
            ("DANA_LLM_BASE_URL", "http://127.0.0.1:11434/v1/"),
            ("DANA_LLM_MODEL", "llama3.1"),
        ],
        None,
    );
    assert_eq!(c.provider, Provider::OpenAi);
    assert_eq!(c.api_key, None);
    assert_eq!(c.model_name(), "llama3.1");
    assert_eq!(
        c.endpoint().as_deref(),
        Some("http://127.0.0.1:11434/v1/chat/completions")
    );
    // ... even with an Anthropic key around.
    let c = ok(
        &[
            ("DANA_LLM_BASE_URL", "http://127.0.0.1:8080/v1"),
            ("ANTHROPIC_API_KEY", "a"),
        ],
        None,
    );
    assert_eq!((c.provider, key(&c)), (Provider::OpenAi, None));
    assert!(err(&[("DANA_LLM_BASE_URL", "127.0.0.1:8080")], None).contains("http://"));
}

#[test]
fn mock_switch_wins() {
    let c = ok(
        &[("DANA_MOCK_LLM", "true"), ("DANA_LLM_PROVIDER", "openai")],
        Some("[llm]\nprovider = \"anthropic\"\n"),
    );
    assert_eq!(c.provider, Provider::Mock);
    assert_eq!(c.model_name(), "mock");
    assert!(ok(&[("DANA_MOCK_LLM", "false")], None).is_offline());
    assert!(err(&[("DANA_MOCK_LLM", "maybe")], None).contains("DANA_MOCK_LLM"));
}

#[test]
fn file_settings_and_env_precedence() {
    let file = r#"
[llm]
provider = "openai"
base_url = "http://127.0.0.1:11434/v1"
model = "llama3.1"
api_key_env = "MY_KEY_VAR"
timeout = 30
connect_timeout = 2.5
read_timeout = 20
max_retries = 1
max_tokens = 512
temperature = 0.2
backoff = 0.05
"#;
    let c = ok(&[("MY_KEY_VAR", "k-file")], Some(file));
    assert_eq!(c.provider, Provider::OpenAi);
    assert_eq!(c.base_url.as_deref(), Some("http://127.0.0.1:11434/v1"));
    assert_eq!(c.model.as_deref(), Some("llama3.1"));
    assert_eq!(key(&c), Some("k-file"));
    assert_eq!(c.timeout, Duration::from_secs(30));
    assert_eq!(c.connect_timeout, Duration::from_millis(2500));
    assert_eq!(c.read_timeout, Duration::from_secs(20));
    assert_eq!(c.max_retries, 1);
    assert_eq!(c.max_tokens, 512);
    assert_eq!(c.temperature, Some(0.2));
    assert_eq!(c.backoff, Duration::from_millis(50));

    // The environment overrides the file.
    let c = ok(
        &[
            ("MY_KEY_VAR", "k-file"),
            ("DANA_LLM_API_KEY", "k-env"),
            ("DANA_LLM_MODEL", "qwen"),
            ("DANA_LLM_BASE_URL", "http://127.0.0.1:8080/v1"),
            ("DANA_LLM_PROVIDER", "mock"),
            ("DANA_LLM_TIMEOUT", "5"),
        ],
        Some(file),
    );
    assert_eq!(c.provider, Provider::Mock);
    assert_eq!(key(&c), Some("k-env"));
    assert_eq!(c.model.as_deref(), Some("qwen"));
    assert_eq!(c.base_url.as_deref(), Some("http://127.0.0.1:8080/v1"));
    assert_eq!(c.timeout, Duration::from_secs(5));

    // api_key_env names a variable; unset, the provider's own variable is next.
    let c = ok(
        &[("OPENAI_API_KEY", "k-openai")],
        Some("[llm]\napi_key_env = \"UNSET_VAR\"\n"),
    );
    assert_eq!((c.provider, key(&c)), (Provider::OpenAi, Some("k-openai")));
    // The file's provider beats a key-implied one.
    let c = ok(
        &[("OPENAI_API_KEY", "o")],
        Some("[llm]\nprovider = \"offline\"\n"),
    );
    assert!(c.is_offline());
}

#[test]
fn bad_settings_are_clear_errors() {
    let e = err(&[("DANA_LLM_PROVIDER", "antropic")], None);
    assert!(e.contains("DANA_LLM_PROVIDER"), "{e}");
    assert!(e.contains("did you mean \"anthropic\""), "{e}");
    assert!(e.contains("openai, anthropic, offline, mock"), "{e}");
    let e = err(&[], Some("[llm]\nprovider = \"olama\"\n"));
    assert!(e.contains("dana.toml") && e.contains("openai"), "{e}");
    let e = err(&[], Some("[llm]\nmodle = \"x\"\n"));
    assert!(e.contains("did you mean `model`"), "{e}");
    let e = err(&[], Some("[llm]\napi_key = \"sk-secret\"\n"));
    assert!(e.contains("api_key_env") && !e.contains("sk-secret"), "{e}");
    for (bad, word) in [
        ("timeout = -1", "timeout"),
        ("timeout = \"x\"", "timeout"),
        ("max_retries = -2", "max_retries"),
        ("max_tokens = 0", "max_tokens"),
        ("temperature = 3.5", "temperature"),
        ("model = 5", "model"),
    ] {
        let e = err(&[], Some(&format!("[llm]\n{bad}\n")));
        assert!(e.contains(word), "{bad}: {e}");
    }
    assert!(err(&[], Some("[llm\n")).contains("dana.toml"));
    assert!(err(&[], Some("llm = 3\n")).contains("table"));
    assert!(err(&[("DANA_LLM_TIMEOUT", "soon")], None).contains("DANA_LLM_TIMEOUT"));
}

#[test]
fn secrets_never_print() {
    let c = ok(&[("OPENAI_API_KEY", "sk-very-secret-1234")], None);
    let shown = format!(
        "{c:?} {}",
        c.api_key
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default()
    );
    assert!(!shown.contains("sk-very-secret-1234"), "{shown}");
    assert!(shown.contains("***"));
}

#[test]
fn provider_names() {
    for (p, n) in Provider::ALL {
        assert_eq!(p.to_string(), n);
        assert_eq!(Provider::parse(&n.to_uppercase()), Ok(p));
        assert_eq!(n.parse::<Provider>(), Ok(p));
    }
}

#[test]
fn finds_dana_toml_in_parents() {
    let base = std::env::temp_dir().join(format!("dana-llm-find-{}", std::process::id()));
    let deep = base.join("a").join("b");
    assert!(std::fs::create_dir_all(&deep).is_ok());
    assert!(std::fs::write(base.join("dana.toml"), "[llm]\nprovider = \"mock\"\n").is_ok());
    assert_eq!(
        LlmConfig::find_dana_toml(&deep),
        Some(base.join("dana.toml"))
    );
    let found = LlmConfig::find_dana_toml(&deep);
    let from_file = LlmConfig::from_env(found.as_deref());
    let _ = std::fs::remove_dir_all(&base);
    // The process environment may hold any variables here; only the file's provider is
    // certain to be honoured unless DANA_MOCK_LLM or DANA_LLM_PROVIDER override it.
    assert!(from_file.is_ok());
    assert!(LlmConfig::from_env(Some(&base.join("missing.toml")))
        .is_err_and(|e| e.to_string().contains("missing.toml")));
}
