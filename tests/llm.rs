//! The LLM client against the scripted fake server on 127.0.0.1: answers, retries,
//! Retry-After, timeouts, unusable bodies, both wire formats and their headers, and that the
//! API key never shows in an error. Configuration precedence from a dana.toml on disk.

mod support;

use dana_llm::{ChatRequest, LlmClient, LlmConfig, LlmError, Message, Provider, Secret};
use std::collections::HashMap;
use std::time::{Duration, Instant};
use support::fake_llm::{FakeLlm, Reply};
use support::llm_client::{ask, client, config, run_dana};

const KEY: &str = "sk-test-Zq8XJ4distinctive0key9";

/// A loopback port with nothing listening on it.
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("bind: {e}"));
    l.local_addr().map(|a| a.port()).unwrap_or(9)
}

#[test]
fn openai_answer_request_and_headers() {
    let server = FakeLlm::start(vec![Reply::openai_text("Paris")]);
    let c = client(LlmConfig {
        model: Some("gpt-test".into()),
        temperature: Some(0.25),
        ..config(&server, Provider::OpenAi, Some(KEY))
    });
    let req = ChatRequest {
        max_tokens: Some(77),
        ..ChatRequest::user("Capital of France?").with_system("Be brief.")
    };
    let r = c.complete_blocking(&req);
    assert_eq!(
        r,
        Ok(dana_llm::ChatResponse {
            text: "Paris".into(),
            model: "fake-model".into(),
            attempts: 1
        })
    );
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    let got = &reqs[0];
    assert_eq!(
        (got.method.as_str(), got.path.as_str()),
        ("POST", "/v1/chat/completions")
    );
    assert_eq!(
        got.header("authorization"),
        Some(format!("Bearer {KEY}").as_str())
    );
    assert_eq!(got.header("content-type"), Some("application/json"));
    assert_eq!(got.header("x-api-key"), None);
    assert_eq!(got.body["model"], "gpt-test");
    assert_eq!(got.body["max_tokens"], 77);
    assert_eq!(got.body["temperature"], 0.25);
    assert_eq!(got.body["messages"][0]["role"], "system");
    assert_eq!(got.body["messages"][1]["content"], "Capital of France?");
}

#[test]
fn no_key_no_auth_header_and_trailing_slash_base_url() {
    let server = FakeLlm::start(vec![Reply::openai_text("ok")]);
    let c = client(LlmConfig {
        base_url: Some(format!("{}/", server.base_url())),
        ..config(&server, Provider::OpenAi, None)
    });
    assert_eq!(ask(&c, "hi").map(|r| r.text), Ok("ok".into()));
    let reqs = server.requests();
    assert_eq!(reqs[0].path, "/v1/chat/completions");
    assert_eq!(reqs[0].header("authorization"), None);
    assert_eq!(reqs[0].body["model"], "gpt-4o-mini");
}

#[test]
fn model_override_and_missing_model_in_answer() {
    let server = FakeLlm::start(vec![Reply::json(serde_json::json!({
        "choices": [{"message": {"content": "x"}}]
    }))]);
    let c = client(config(&server, Provider::OpenAi, None));
    let req = ChatRequest {
        model: Some("llama3.1".into()),
        ..ChatRequest::user("hi")
    };
    let r = c.complete_blocking(&req);
    assert_eq!(r.map(|r| r.model), Ok("llama3.1".into()));
    assert_eq!(server.requests()[0].body["model"], "llama3.1");
}

#[test]
fn rate_limit_honours_retry_after() {
    let server = FakeLlm::start(vec![
        Reply::status(429).with_header("Retry-After", "1"),
        Reply::openai_text("after the wait"),
    ]);
    let c = client(config(&server, Provider::OpenAi, None));
    let start = Instant::now();
    let r = ask(&c, "hi");
    let waited = start.elapsed();
    assert_eq!(
        r.as_ref().map(|r| (r.text.as_str(), r.attempts)),
        Ok(("after the wait", 2))
    );
    assert_eq!(server.request_count(), 2);
    assert!(
        waited >= Duration::from_millis(950),
        "waited only {waited:?}"
    );
    assert!(waited < Duration::from_secs(5), "waited {waited:?}");
}

#[test]
fn rate_limit_that_outlasts_the_deadline_fails_at_once() {
    let server = FakeLlm::start(vec![Reply::status(429).with_header("Retry-After", "120")]);
    let c = client(LlmConfig {
        timeout: Duration::from_secs(5),
        ..config(&server, Provider::OpenAi, None)
    });
    let start = Instant::now();
    let r = ask(&c, "hi");
    assert_eq!(
        r,
        Err(LlmError::RateLimited {
            retry_after: Some(Duration::from_secs(120))
        })
    );
    assert!(start.elapsed() < Duration::from_secs(2));
    assert_eq!(server.request_count(), 1);
}

#[test]
fn server_errors_are_retried_until_give_up() {
    let server = FakeLlm::start(vec![Reply::status(500)]);
    let c = client(LlmConfig {
        max_retries: 3,
        ..config(&server, Provider::OpenAi, None)
    });
    let r = ask(&c, "hi");
    assert!(
        matches!(&r, Err(LlmError::Http { status: 500, body }) if body.contains("fake error 500")),
        "{r:?}"
    );
    assert_eq!(server.request_count(), 4);
}

#[test]
fn a_server_error_then_success() {
    let server = FakeLlm::start(vec![Reply::status(503), Reply::openai_text("fine")]);
    let c = client(config(&server, Provider::OpenAi, None));
    assert_eq!(
        ask(&c, "hi").map(|r| (r.text, r.attempts)),
        Ok(("fine".into(), 2))
    );
}

#[test]
fn client_errors_are_not_retried() {
    for code in [400, 401, 404, 422] {
        let server = FakeLlm::start(vec![Reply::status(code), Reply::openai_text("never")]);
        let c = client(config(&server, Provider::OpenAi, None));
        let r = ask(&c, "hi");
        assert!(
            matches!(&r, Err(LlmError::Http { status, .. }) if *status == code),
            "{r:?}"
        );
        assert_eq!(server.request_count(), 1, "HTTP {code} was retried");
    }
}

#[test]
fn long_error_bodies_are_truncated() {
    let server = FakeLlm::start(vec![Reply::raw("e".repeat(5000)).with_status(400)]);
    let c = client(config(&server, Provider::OpenAi, None));
    match ask(&c, "hi") {
        Err(LlmError::Http { body, .. }) => assert!(body.chars().count() <= 301, "{}", body.len()),
        other => panic!("{other:?}"),
    }
}

#[test]
fn newer_openai_models_get_max_completion_tokens() {
    let server = FakeLlm::start(vec![
        Reply::raw(
            r#"{"error":{"message":"Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead."}}"#,
        )
        .with_status(400),
        Reply::openai_text("ok"),
    ]);
    let c = client(config(&server, Provider::OpenAi, None));
    assert_eq!(ask(&c, "hi").map(|r| r.text), Ok("ok".into()));
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    assert!(reqs[1].body.get("max_tokens").is_none());
    assert_eq!(reqs[1].body["max_completion_tokens"], 4096);
}

#[test]
fn slow_reply_hits_the_read_timeout() {
    let server = FakeLlm::start(vec![
        Reply::openai_text("late").with_delay(Duration::from_secs(5))
    ]);
    let c = client(LlmConfig {
        read_timeout: Duration::from_millis(300),
        max_retries: 1,
        ..config(&server, Provider::OpenAi, None)
    });
    let start = Instant::now();
    let r = ask(&c, "hi");
    assert_eq!(r, Err(LlmError::Timeout(Duration::from_millis(300))));
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "{:?}",
        start.elapsed()
    );
    // The client gave up on the second request; the server may still be recording it.
    let until = Instant::now() + Duration::from_secs(2);
    while server.request_count() < 2 && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert_eq!(server.request_count(), 2);
}

#[test]
fn slow_reply_hits_the_overall_timeout() {
    let server = FakeLlm::start(vec![
        Reply::openai_text("late").with_delay(Duration::from_secs(5))
    ]);
    let c = client(LlmConfig {
        timeout: Duration::from_millis(400),
        ..config(&server, Provider::OpenAi, None)
    });
    let start = Instant::now();
    assert_eq!(
        ask(&c, "hi"),
        Err(LlmError::Timeout(Duration::from_millis(400)))
    );
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
    // A request's own tighter deadline applies too.
    let c = client(config(&server, Provider::OpenAi, None));
    let req = ChatRequest {
        timeout: Some(Duration::from_millis(200)),
        ..ChatRequest::user("hi")
    };
    let start = Instant::now();
    assert_eq!(
        c.complete_blocking(&req),
        Err(LlmError::Timeout(Duration::from_millis(200)))
    );
    assert!(start.elapsed() < Duration::from_secs(2));
}

#[test]
fn unusable_bodies_are_bad_responses() {
    let cases = [
        Reply::raw("<html>gateway</html>"),
        Reply::json(serde_json::json!({"choices": [{"message": {"content": ""}}]})),
        Reply::json(serde_json::json!({"choices": [{"message": {"content": null}}]})),
        Reply::json(serde_json::json!({"choices": [{"message": {}}]})),
        Reply::json(serde_json::json!({"choices": []})),
        Reply::json(serde_json::json!({"object": "list"})),
    ];
    for reply in cases {
        let body = reply.body.clone();
        let server = FakeLlm::start(vec![reply]);
        let c = client(config(&server, Provider::OpenAi, None));
        let r = ask(&c, "hi");
        assert!(matches!(r, Err(LlmError::BadResponse(_))), "{body}: {r:?}");
        assert_eq!(server.request_count(), 1, "{body} was retried");
    }
}

#[test]
fn lenient_openai_content() {
    let cases = [
        (
            serde_json::json!({"choices": [{"message": {"content": [
                {"type": "text", "text": "part one, "}, {"type": "text", "text": "part two"}]}}]}),
            "part one, part two",
        ),
        (
            serde_json::json!({"choices": [{"message": {"content": null}, "text": "legacy"}]}),
            "legacy",
        ),
        (
            serde_json::json!({"choices": [{"text": "completion"}]}),
            "completion",
        ),
    ];
    for (body, want) in cases {
        let server = FakeLlm::start(vec![Reply::json(body)]);
        let c = client(config(&server, Provider::OpenAi, None));
        assert_eq!(ask(&c, "hi").map(|r| r.text), Ok(want.to_string()));
    }
}

#[test]
fn anthropic_format_and_headers() {
    let server = FakeLlm::start(vec![Reply::json(serde_json::json!({
        "type": "message",
        "model": "claude-test",
        "content": [{"type": "text", "text": "Bon"}, {"type": "text", "text": "jour"}]
    }))]);
    let c = client(config(&server, Provider::Anthropic, Some(KEY)));
    let req = ChatRequest {
        messages: vec![
            Message::system("You translate."),
            Message::user("Hello"),
            Message::assistant("Bon"),
            Message::user("Again"),
        ],
        max_tokens: Some(50),
        ..ChatRequest::default()
    };
    let r = c.complete_blocking(&req);
    assert_eq!(
        r.map(|r| (r.text, r.model)),
        Ok(("Bonjour".into(), "claude-test".into()))
    );
    let got = &server.requests()[0];
    assert_eq!(got.path, "/v1/messages");
    assert_eq!(got.header("x-api-key"), Some(KEY));
    assert_eq!(got.header("anthropic-version"), Some("2023-06-01"));
    assert_eq!(got.header("authorization"), None);
    assert_eq!(got.body["system"], "You translate.");
    assert_eq!(got.body["max_tokens"], 50);
    assert_eq!(got.body["model"], "claude-sonnet-4-5");
    assert_eq!(got.body["messages"].as_array().map(Vec::len), Some(3));
    assert_eq!(got.body["messages"][0]["role"], "user");

    let server = FakeLlm::start(vec![Reply::anthropic_text("hi")]);
    let c = client(config(&server, Provider::Anthropic, None));
    assert_eq!(ask(&c, "x").map(|r| r.text), Ok("hi".into()));
    assert_eq!(server.requests()[0].header("x-api-key"), None);

    let server = FakeLlm::start(vec![Reply::json(serde_json::json!({"content": []}))]);
    let c = client(config(&server, Provider::Anthropic, None));
    assert!(matches!(ask(&c, "x"), Err(LlmError::BadResponse(_))));
}

#[test]
fn unreachable_server_is_a_network_error_after_retries() {
    let c = client(LlmConfig {
        provider: Provider::OpenAi,
        base_url: Some(format!("http://127.0.0.1:{}/v1", closed_port())),
        max_retries: 2,
        backoff: Duration::from_millis(5),
        ..LlmConfig::default()
    });
    let r = ask(&c, "hi");
    assert!(matches!(&r, Err(LlmError::Network(_))), "{r:?}");
}

#[test]
fn blocking_calls_work_inside_a_runtime_and_async_calls_too() {
    let server = FakeLlm::start(vec![Reply::openai_text("from inside")]);
    let c = client(config(&server, Provider::OpenAi, None));
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("runtime: {e}"));
    let blocking = rt.block_on(async { ask(&c, "hi") });
    assert_eq!(blocking.map(|r| r.text), Ok("from inside".into()));
    let asynchronous = rt.block_on(c.complete(&ChatRequest::user("hi")));
    assert_eq!(asynchronous.map(|r| r.text), Ok("from inside".into()));
    // The client may be dropped inside a runtime.
    rt.block_on(async move { drop(c) });
    assert_eq!(server.request_count(), 2);
}

#[test]
fn one_client_serves_many_threads() {
    let server = FakeLlm::start(vec![Reply::openai_text("shared")]);
    let c = client(config(&server, Provider::OpenAi, None));
    let results: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..4).map(|_| s.spawn(|| ask(&c, "hi"))).collect();
        handles.into_iter().map(|h| h.join().ok()).collect()
    });
    for r in results {
        assert_eq!(
            r.and_then(Result::ok).map(|r| r.text),
            Some("shared".into())
        );
    }
    assert_eq!(server.request_count(), 4);
}

#[test]
fn the_key_never_appears_in_an_error() {
    let mut errors: Vec<LlmError> = Vec::new();
    let echo = format!(r#"{{"error": {{"message": "Incorrect API key provided: {KEY}"}}}}"#);
    for reply in [
        Reply::raw(echo.clone()).with_status(401),
        Reply::raw(echo.clone()).with_status(500),
        Reply::raw(format!("not json {KEY}")),
        Reply::raw(echo.clone()),
        Reply::status(429),
        Reply::openai_text("late").with_delay(Duration::from_secs(3)),
    ] {
        for provider in [Provider::OpenAi, Provider::Anthropic] {
            let server = FakeLlm::start(vec![reply.clone()]);
            let c = client(LlmConfig {
                max_retries: 0,
                timeout: Duration::from_millis(500),
                ..config(&server, provider, Some(KEY))
            });
            errors.extend(ask(&c, "hi").err());
        }
    }
    // A key inside the URL (some gateways want it there) is redacted from network errors.
    let c = client(LlmConfig {
        provider: Provider::OpenAi,
        base_url: Some(format!("http://127.0.0.1:{}/{KEY}", closed_port())),
        api_key: Some(Secret::new(KEY)),
        max_retries: 0,
        ..LlmConfig::default()
    });
    errors.extend(ask(&c, "hi").err());
    // Configuration errors.
    let bad = LlmClient::new(LlmConfig {
        provider: Provider::OpenAi,
        api_key: Some(Secret::new(format!("{KEY}\n"))),
        ..LlmConfig::default()
    });
    errors.extend(bad.err());
    let env: HashMap<&str, String> = [("OPENAI_API_KEY", KEY.to_string())].into();
    let file = format!("[llm]\napi_key = \"{KEY}\"\n");
    errors.extend(LlmConfig::from_sources(&|k| env.get(k).cloned(), Some(&file)).err());
    errors.push(LlmError::Offline);

    let kinds: Vec<&str> = errors
        .iter()
        .map(|e| match e {
            LlmError::Config(_) => "config",
            LlmError::Offline => "offline",
            LlmError::Network(_) => "network",
            LlmError::Timeout(_) => "timeout",
            LlmError::Http { .. } => "http",
            LlmError::RateLimited { .. } => "rate",
            LlmError::BadResponse(_) => "bad",
            LlmError::Redirect { .. } => "redirect",
        })
        .collect();
    for k in [
        "config", "offline", "network", "timeout", "http", "rate", "bad",
    ] {
        assert!(kinds.contains(&k), "no {k} error was produced: {kinds:?}");
    }
    for e in &errors {
        let shown = format!("{e} | {e:?}");
        assert!(!shown.contains(KEY), "the key leaked: {shown}");
        assert!(!shown.contains("Zq8XJ4"), "part of the key leaked: {shown}");
    }
    let cfg = LlmConfig {
        api_key: Some(Secret::new(KEY)),
        ..LlmConfig::default()
    };
    assert!(!format!("{cfg:?}").contains(KEY));
}

#[test]
fn redirects_are_not_followed_and_name_only_the_target_origin() {
    // The second server would happily answer; it must never see the prompt or the key.
    let elsewhere = FakeLlm::start(vec![Reply::openai_text("stolen")]);
    for code in [301u16, 302, 307, 308] {
        let target = format!(
            "{}/chat/completions?token=secret-query",
            elsewhere.base_url().replace("http://", "http://user:pw@")
        );
        let server = FakeLlm::start(vec![Reply::status(code).with_header("location", &target)]);
        let c = client(config(&server, Provider::OpenAi, Some(KEY)));
        let r = ask(&c, "the prompt");
        let origin = elsewhere
            .base_url()
            .trim_end_matches("/v1")
            .trim_end_matches('/')
            .to_string();
        match &r {
            Err(e @ LlmError::Redirect { status, target }) => {
                assert_eq!(*status, code);
                assert_eq!(target, &origin, "{e}");
                let shown = format!("{e}");
                assert!(shown.contains("do not follow redirects"), "{shown}");
                assert!(
                    !shown.contains("secret-query") && !shown.contains("pw@"),
                    "{shown}"
                );
                assert!(!shown.contains(KEY), "{shown}");
            }
            other => panic!("HTTP {code}: expected a redirect error, got {other:?}"),
        }
        // Not retried either: one request, to the configured server only.
        assert_eq!(server.request_count(), 1, "HTTP {code}");
    }
    assert_eq!(elsewhere.request_count(), 0);
}

#[test]
fn a_key_echoed_in_a_successful_answer_is_redacted() {
    const ECHO_KEY: &str = "sk-echo-9fQ2unique7key";
    let server = FakeLlm::start(vec![
        Reply::openai_text(&format!(
            "```dana\n# key: {ECHO_KEY}\ndef operate(): pass\n```"
        )),
        Reply::anthropic_text(&format!("your key is {ECHO_KEY}.")),
    ]);
    let c = client(config(&server, Provider::OpenAi, Some(ECHO_KEY)));
    let r = ask(&c, "x").unwrap_or_else(|e| panic!("{e}"));
    assert!(
        !r.text.contains(ECHO_KEY) && r.text.contains("# key: ***"),
        "{}",
        r.text
    );
    let a = client(config(&server, Provider::Anthropic, Some(ECHO_KEY)));
    let r = ask(&a, "x").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.text, "your key is ***.");
    // Registered process-wide: whatever else would print it redacts it too.
    assert_eq!(dana_llm::redact_secrets(&format!("[{ECHO_KEY}]")), "[***]");
}

#[test]
fn config_from_a_dana_toml_on_disk() {
    let dir = std::env::temp_dir().join(format!("dana-llm-test-{}", std::process::id()));
    let sub = dir.join("src");
    std::fs::create_dir_all(&sub).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(
        dir.join("dana.toml"),
        "[llm]\nprovider = \"openai\"\nbase_url = \"http://127.0.0.1:11434/v1\"\n\
         model = \"llama3.1\"\napi_key_env = \"MY_LLM_KEY\"\ntimeout = 12\n",
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let found = LlmConfig::find_dana_toml(&sub);
    let text = found.as_ref().and_then(|p| std::fs::read_to_string(p).ok());
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(found, Some(dir.join("dana.toml")));

    let env: HashMap<&str, String> = [("MY_LLM_KEY", "k1".to_string())].into();
    let cfg = LlmConfig::from_sources(&|k| env.get(k).cloned(), text.as_deref())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(cfg.provider, Provider::OpenAi);
    assert_eq!(cfg.model_name(), "llama3.1");
    assert_eq!(cfg.api_key.as_ref().map(Secret::expose), Some("k1"));
    assert_eq!(cfg.timeout, Duration::from_secs(12));
    assert_eq!(
        cfg.endpoint().as_deref(),
        Some("http://127.0.0.1:11434/v1/chat/completions")
    );

    // The environment wins over the file.
    let env: HashMap<&str, String> = [
        ("DANA_LLM_PROVIDER", "anthropic".to_string()),
        ("ANTHROPIC_API_KEY", "k2".to_string()),
        ("DANA_LLM_MODEL", "claude-x".to_string()),
    ]
    .into();
    let cfg = LlmConfig::from_sources(&|k| env.get(k).cloned(), text.as_deref())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(cfg.provider, Provider::Anthropic);
    assert_eq!(cfg.model_name(), "claude-x");
    assert_eq!(cfg.api_key.as_ref().map(Secret::expose), Some("k2"));

    // A misspelt provider gets a suggestion.
    let env: HashMap<&str, String> = [("DANA_LLM_PROVIDER", "opneai".to_string())].into();
    let e = LlmConfig::from_sources(&|k| env.get(k).cloned(), None).err();
    assert!(
        e.as_ref()
            .is_some_and(|e| e.to_string().contains("did you mean \"openai\"")),
        "{e:?}"
    );
}

#[test]
fn mock_and_offline_need_no_server() {
    let mock = client(LlmConfig {
        provider: Provider::Mock,
        ..LlmConfig::default()
    });
    let a = ask(&mock, "What is 2+2?");
    assert_eq!(a, ask(&mock, "What is 2+2?"));
    assert!(a.is_ok_and(|r| r.model == "mock"));
    let offline = client(LlmConfig::default());
    assert_eq!(ask(&offline, "hi"), Err(LlmError::Offline));
}

#[test]
fn typed_reason_over_the_wire() {
    let server = FakeLlm::start(vec![
        Reply::openai_text("There are 8 planets."),
        Reply::openai_text("Here you go:\n```json\n{\"title\": \"Dune\", \"year\": \"1965\"}\n```"),
        Reply::openai_text("  plain words \n"),
    ]);
    let out = run_dana(
        config(&server, Provider::OpenAi, None),
        "\
struct Book:
    title: str  # as printed on the cover
    year: int
n: int = reason(\"How many planets?\", model=\"m1\", temperature=0)
b: Book = reason(\"A classic?\")
s = llm(\"Say something\", system_prompt=\"Be terse.\")
print(n, b, repr(s))
",
    );
    assert_eq!(out, "8 Book(title='Dune', year=1965) '  plain words \\n'\n");
    // `constrained = "auto"` probed the server once (llama.cpp's /props, the model list,
    // Ollama's /api/version: all 404 here, so the plain prompt), not once per call.
    let all = server.all_requests();
    let probes: Vec<&str> = all
        .iter()
        .filter(|r| r.method == "GET")
        .map(|r| r.path.as_str())
        .collect();
    assert_eq!(probes, ["/props", "/v1/models", "/api/version"]);
    let reqs: Vec<_> = all.into_iter().filter(|r| r.method == "POST").collect();
    assert_eq!(reqs.len(), 3);
    assert!(reqs[0].body.get("grammar").is_none() && reqs[0].body.get("response_format").is_none());
    assert_eq!(
        reqs[0].body["max_tokens"], 64,
        "a scalar answer gets a small budget"
    );
    assert_eq!(reqs[0].body["model"], "m1");
    assert_eq!(reqs[0].body["temperature"], 0.0);
    let asked = reqs[0].body["messages"][1]["content"]
        .as_str()
        .unwrap_or("");
    assert!(asked.starts_with("How many planets?"), "{asked}");
    assert!(asked.contains(r#"{"type":"integer"}"#), "{asked}");
    let asked = reqs[1].body["messages"][1]["content"]
        .as_str()
        .unwrap_or("");
    assert!(
        asked.contains("- title: str — as printed on the cover"),
        "{asked}"
    );
    assert_eq!(reqs[2].body["messages"][0]["content"], "Be terse.");
    assert_eq!(reqs[2].body["messages"][1]["content"], "Say something");
}

#[test]
fn reason_options_and_llm_model_over_the_wire() {
    let server = FakeLlm::start(vec![
        Reply::openai_text("Sure."),
        Reply::openai_text("```json\n{\"primes\": [2, 3, 5]}\n```"),
        Reply::openai_text("hello"),
        Reply::openai_text("not json at all"),
    ]);
    let out = run_dana(
        config(&server, Provider::OpenAi, None),
        "\
a = reason(\"Greet\", options={\"temperature\": 0.2, \"max_tokens\": 64, \"system\": \"Be brief.\"})
d = reason(\"Three primes\", options={\"format\": \"json\"})
s = llm(\"Say hello\", \"tiny-model\")
print(a, d[\"primes\"], s)
try:
    llm(\"Give JSON\", options={\"format\": \"json\"})
except ValueError as e:
    print(\"ValueError\", \"not JSON\" in e.message)
",
    );
    assert_eq!(out, "Sure. [2, 3, 5] hello\nValueError True\n");
    let reqs = server.requests();
    assert_eq!(reqs.len(), 4);
    let temperature = reqs[0].body["temperature"].as_f64().unwrap_or(-1.0);
    assert!((temperature - 0.2).abs() < 1e-6, "{temperature}");
    assert_eq!(reqs[0].body["max_tokens"], 64);
    assert_eq!(reqs[0].body["messages"][0]["content"], "Be brief.");
    let asked = reqs[1].body["messages"][1]["content"]
        .as_str()
        .unwrap_or("");
    assert!(
        asked.starts_with("Three primes") && asked.contains("JSON"),
        "{asked}"
    );
    assert_eq!(reqs[2].body["model"], "tiny-model");
    assert_eq!(reqs[2].body["messages"][0]["content"], "Say hello");
    // Bad options are Dana errors naming the option, made before any request.
    let bad = |src: &str| run_dana(config(&server, Provider::OpenAi, None), src);
    assert!(bad("reason(\"x\", options={\"temprature\": 1})")
        .starts_with("ValueError: reason() got an unknown option 'temprature'"));
    assert!(bad("reason(\"x\", options={\"max_tokens\": 0})")
        .contains("'max_tokens' must be a positive int"));
    assert!(bad("reason(\"x\", options={\"format\": \"xml\"})")
        .contains("'format' must be 'text' or 'json'"));
    assert!(bad("reason(\"x\", options=3)")
        .starts_with("TypeError: reason() argument 'options' must be a dict"));
    assert_eq!(server.requests().len(), 4);
}

#[test]
fn reason_errors_are_dana_exceptions() {
    let server = FakeLlm::start(vec![Reply::openai_text("no idea")]);
    let out = run_dana(
        config(&server, Provider::OpenAi, None),
        "n: int = reason(\"how many?\")",
    );
    assert_eq!(out, "TypeError: cannot assign 'no idea' to 'n: int'");

    let server = FakeLlm::start(vec![Reply::status(401)]);
    let out = run_dana(
        config(&server, Provider::OpenAi, Some(KEY)),
        "try:\n    llm(\"x\")\nexcept RuntimeError as e:\n    print(str(e))\n",
    );
    assert!(out.contains("HTTP 401") && !out.contains(KEY), "{out}");

    let server = FakeLlm::start(vec![
        Reply::openai_text("late").with_delay(Duration::from_secs(3))
    ]);
    let out = run_dana(
        LlmConfig {
            timeout: Duration::from_millis(300),
            ..config(&server, Provider::OpenAi, None)
        },
        "try:\n    llm(\"x\")\nexcept TimeoutError:\n    print(\"timed out\")\n",
    );
    assert_eq!(out, "timed out\n");
}

#[test]
fn a_password_in_the_base_url_is_redacted_like_the_key() {
    let server = FakeLlm::start(vec![Reply::openai_text("echo pw-Base9Url7Secret")]);
    let url = server
        .base_url()
        .replace("http://", "http://user:pw-Base9Url7Secret@");
    let c = client(LlmConfig {
        base_url: Some(url),
        ..config(&server, Provider::OpenAi, None)
    });
    let r = ask(&c, "x").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.text, "echo ***");
}
