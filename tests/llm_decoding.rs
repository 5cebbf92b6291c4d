//! Generation settings on the wire, against the fake server on 127.0.0.1: a hung stream cut
//! at the deadline (the connection closed), a stream stopped at its stop text, the
//! constrained-decoding fields per server (llama.cpp's schema, Anthropic's tool), and
//! `reason()` converting answers that echo the schema or come wrapped as `{"value": …}`.

mod support;

use dana_llm::{ChatRequest, LlmConfig, LlmError, Provider};
use std::time::Duration;
use support::fake_llm::{FakeLlm, Reply};
use support::llm_client::{ask, client, config, run_dana};

const KEY: &str = "sk-test-Vb3decoding7key";

#[test]
fn a_hung_stream_is_cut_at_the_deadline_and_the_connection_closed() {
    let mut hung = support::fake_llm::HungServer::start();
    let c = client(LlmConfig {
        provider: Provider::OpenAi,
        base_url: Some(hung.base_url()),
        timeout: Duration::from_millis(800),
        read_timeout: Duration::from_secs(30),
        max_retries: 0,
        ..LlmConfig::default()
    });
    let r = ask(&c, "write a poem");
    assert!(matches!(r, Err(LlmError::Timeout(_))), "{r:?}");
    // The client is still alive: the connection was closed by the deadline, so a streaming
    // server stops generating.
    assert!(hung.wait_closed(Duration::from_secs(10)));
    drop(c);
}

#[test]
fn a_stream_stops_at_the_stop_text() {
    let server = FakeLlm::start(vec![Reply::openai_sse(&[
        "```dana\ndef operate() -> int:\n    return 1\n",
        "```\nAnd now a long explanation",
        " that nobody reads.",
    ])]);
    let c = client(config(&server, Provider::OpenAi, None));
    let req = ChatRequest {
        stop: vec!["\n```\n".into()],
        ..ChatRequest::user("code")
    };
    let r = c.complete_blocking(&req);
    assert_eq!(
        r.map(|a| a.text),
        Ok("```dana\ndef operate() -> int:\n    return 1".to_string())
    );
    let body = &server.requests()[0].body;
    assert_eq!(
        (body["stream"].as_bool(), body["stop"][0].as_str()),
        (Some(true), Some("\n```\n"))
    );
}

#[test]
fn reason_converts_echoed_and_wrapped_answers() {
    let server = FakeLlm::start_llamacpp(vec![
        Reply::openai_text("JSON Schema of the answer: {\"type\":\"integer\"}\n42"),
        Reply::openai_text("{\"value\": 2.5}"),
        Reply::openai_text("Example answer: true"),
        Reply::openai_text("```json\n{\"value\": [1, 2]}\n```"),
    ]);
    let out = run_dana(
        config(&server, Provider::OpenAi, None),
        "\
n: int = reason(\"How many?\")
x: float = reason(\"How much?\")
b: bool = reason(\"Is it?\")
xs: list[int] = reason(\"Which?\")
print(n, x, b, xs)
",
    );
    assert_eq!(out, "42 2.5 True [1, 2]\n");
    let reqs = server.requests();
    // A llama.cpp server gets the schema as response_format; the prompt shows an example.
    let rf = &reqs[0].body["response_format"];
    assert_eq!(
        rf["json_schema"]["schema"],
        serde_json::json!({"type": "integer"}),
        "{rf}"
    );
    let asked = reqs[0].body["messages"][1]["content"]
        .as_str()
        .unwrap_or("");
    assert!(asked.contains("Example answer: 42"), "{asked}");
    assert_eq!(reqs[3].body["max_tokens"], 512);
}

#[test]
fn reason_through_an_anthropic_tool() {
    let server = FakeLlm::start(vec![Reply::json(serde_json::json!({
        "type": "message",
        "model": "fake-claude",
        "content": [{"type": "tool_use", "id": "t1", "name": "answer", "input": {"value": 8}}],
        "stop_reason": "tool_use"
    }))]);
    let out = run_dana(
        LlmConfig {
            stream: false,
            ..config(&server, Provider::Anthropic, Some(KEY))
        },
        "n: int = reason(\"How many planets?\")\nprint(n)\n",
    );
    assert_eq!(out, "8\n");
    let body = &server.requests()[0].body;
    assert_eq!(body["tool_choice"]["name"], "answer", "{body}");
    assert_eq!(
        body["tools"][0]["input_schema"]["properties"]["value"]["type"],
        "integer"
    );
}
