//! `@poet` with an LLM: `dana run` against a fake OpenAI-compatible (or Anthropic) server on
//! 127.0.0.1 that each test scripts. Every test asserts the version that serves (or the
//! fallback), its metadata and the number of requests. No real provider is contacted.

mod support;

use dana_interpreter::check::serde_json::{self, Value};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use support::fake_llm::{FakeLlm, Reply};

const PROGRAM: &str = "\
@poet(domain=\"api\", retries=0)
def add(a: int, b: int) -> int:
    return a + b

print(add(2, 3))
print(add(b=10, a=1))
";

const GOOD: &str = "Sure, here it is:\n```dana\n\
def perceive(a: int, b: int) -> dict:\n    return {\"a\": a, \"b\": b}\n\n\
def operate(a: int, b: int) -> int:\n    return a + b\n\n\
def enforce(result: int, a: int, b: int) -> int:\n    return result\n```\nHope it helps.";

struct Case {
    dir: PathBuf,
}

impl Case {
    fn new(name: &str, program: &str, toml: &str) -> Case {
        let dir = std::env::temp_dir().join(format!("dana-poet-llm-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("app.na"), program).unwrap();
        std::fs::write(
            dir.join("dana.toml"),
            format!("[llm]\nmax_retries = 1\ntimeout = 20\nread_timeout = 5\n{toml}"),
        )
        .unwrap();
        Case { dir }
    }

    fn run(&self, fake: &FakeLlm, extra_env: &[(&str, &str)]) -> (i32, String, String) {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_dana"));
        cmd.arg("run")
            .arg("app.na")
            .current_dir(&self.dir)
            .env("NO_COLOR", "1")
            .env("DANA_LLM_BASE_URL", fake.base_url())
            .env("DANA_LLM_MODEL", "test-model");
        for k in [
            "DANA_POET_DIR",
            "DANA_LLM_PROVIDER",
            "DANA_LLM_API_KEY",
            "OPENAI_API_KEY",
            "ANTHROPIC_API_KEY",
            "DANA_MOCK_LLM",
        ] {
            cmd.env_remove(k);
        }
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn metadata(&self, f: &str, v: u32) -> Value {
        let p = self.dir.join(format!(".poet/{f}/v{v}/metadata.json"));
        serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap()
    }

    fn current(&self, f: &str) -> PathBuf {
        std::fs::read_link(self.dir.join(format!(".poet/{f}/current"))).unwrap()
    }
}

impl Drop for Case {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn prompt_of(req: &support::fake_llm::RecordedRequest) -> String {
    req.body["messages"]
        .as_array()
        .map(|m| {
            m.iter()
                .filter_map(|x| x["content"].as_str())
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

#[test]
fn good_code_the_first_time() {
    let fake = FakeLlm::start(vec![Reply::openai_text(GOOD)]);
    let c = Case::new("good", PROGRAM, "");
    let (code, out, err) = c.run(&fake, &[]);
    assert_eq!((code, out.as_str()), (0, "5\n11\n"), "{err}");
    assert_eq!(fake.request_count(), 1);
    let m = c.metadata("add", 1);
    assert_eq!(m["generator"], "llm:test-model", "{m}");
    assert_eq!(m["validation"]["passed"], true);
    assert_eq!(m["validation"]["attempts"][0]["outcome"], "accepted");
    let req = &fake.requests()[0];
    let prompt = prompt_of(req);
    for part in [
        "def add(a: int, b: int) -> int:\n    return a + b",
        "It must start with exactly:\ndef operate(a: int, b: int) -> int:\n",
        "Example.",
    ] {
        assert!(prompt.contains(part), "prompt lacks {part:?}:\n{prompt}");
    }
    // Operate only: the offline version's code stays out of the prompt.
    assert!(
        !prompt.contains("def perceive") && !prompt.contains("_poet_"),
        "{prompt}"
    );
    // Settings that fit the task (no constrained field: the fake is no llama.cpp server).
    let b = &req.body;
    // Sized to the function: a two-line function gets the floor.
    assert_eq!(b["max_tokens"], 320, "{b}");
    assert!(
        (b["temperature"].as_f64().unwrap_or(9.0) - 0.1).abs() < 1e-6,
        "{b}"
    );
    assert_eq!(b["stop"], serde_json::json!(["\n```\n"]), "{b}");
    assert_eq!(b["stream"], true, "{b}");
    assert!(b["seed"].is_u64() && b.get("grammar").is_none(), "{b}");
    // The stored module is the answer's stages with the offline checks after them.
    let code_na = std::fs::read_to_string(c.dir.join(".poet/add/v1/code.na")).unwrap();
    assert!(
        code_na.starts_with("def perceive(a: int, b: int) -> dict:"),
        "{code_na}"
    );
    // Cache hit: a second run asks nothing.
    let (code, out2, _) = c.run(&fake, &[]);
    assert_eq!((code, out2), (0, out));
    assert_eq!(fake.request_count(), 1);
}

#[test]
fn a_syntax_error_then_good_code() {
    let fake = FakeLlm::start(vec![
        Reply::openai_text("```dana\ndef operate(a: int, b: int) -> int:\n    return (a +\n```"),
        Reply::openai_text(GOOD),
    ]);
    let c = Case::new("syntax", PROGRAM, "");
    let (code, out, err) = c.run(&fake, &[]);
    assert_eq!((code, out.as_str()), (0, "5\n11\n"), "{err}");
    assert_eq!(fake.request_count(), 2);
    let m = c.metadata("add", 1);
    assert_eq!(m["generator"], "llm:test-model");
    assert_eq!(m["validation"]["attempts"][0]["outcome"], "rejected");
    // The retry prompt carries the validator's complaint.
    let retry = prompt_of(&fake.requests()[1]);
    assert!(
        retry.contains("Your previous answer was rejected"),
        "{retry}"
    );
    // It quotes the previous answer with the failing line marked, and samples anew.
    assert!(retry.contains("|     return (a +"), "{retry}");
    assert!(retry.contains(">>"), "{retry}");
    let seeds: Vec<_> = fake
        .requests()
        .iter()
        .map(|r| r.body["seed"].clone())
        .collect();
    assert_ne!(seeds[0], seeds[1]);
    // ... and wider: the configured 0.1 first, 0.4 on the retry.
    let temps: Vec<f64> = fake
        .requests()
        .iter()
        .map(|r| r.body["temperature"].as_f64().unwrap_or(-1.0))
        .collect();
    assert!(
        (temps[0] - 0.1).abs() < 1e-6 && (temps[1] - 0.4).abs() < 1e-6,
        "{temps:?}"
    );
}

const TWO: &str = "\
@poet(domain=\"api\", retries=0)
def add(a: int, b: int) -> int:
    return a + b

@poet(retries=0)
def twice(x: int) -> int:
    return 2 * x

print(add(2, 3))
print(twice(4))
";

#[test]
fn llamacpp_gets_a_grammar_and_a_refusal_drops_it_for_the_process() {
    let refused = Reply::json(serde_json::json!({
        "error": {"message": "unknown field `grammar`", "type": "invalid_request_error"}
    }))
    .with_status(400);
    let twice = "```dana\ndef operate(x: int) -> int:\n    return x + x\n```";
    let fake = FakeLlm::start_llamacpp(vec![
        refused,
        Reply::openai_text(GOOD),
        Reply::openai_text(twice),
    ]);
    let c = Case::new("grammar", TWO, "");
    let (code, out, err) = c.run(&fake, &[]);
    assert_eq!((code, out.as_str()), (0, "5\n8\n"), "{err}");
    let reqs = fake.requests();
    assert_eq!(reqs.len(), 3, "{err}");
    let grammar = reqs[0].body["grammar"].as_str().unwrap_or("");
    assert!(
        grammar.starts_with("root ::= \"```dana\\n\" \"def operate(a: int, b: int) -> int:\""),
        "{grammar}"
    );
    // Refused: the same request again without it, and the next function never sends it.
    assert!(reqs[1].body.get("grammar").is_none());
    assert!(reqs[2].body.get("grammar").is_none());
    assert_eq!(c.metadata("add", 1)["generator"], "llm:test-model");
    assert_eq!(c.metadata("twice", 1)["generator"], "llm:test-model");
    // One probe for the endpoint.
    let probes = fake
        .all_requests()
        .iter()
        .filter(|r| r.path == "/props")
        .count();
    assert_eq!(probes, 1);
}

#[test]
fn a_streamed_answer_is_put_together() {
    let (a, b) = GOOD.split_at(GOOD.len() / 2);
    let fake = FakeLlm::start(vec![Reply::openai_sse(&[a, b])]);
    let c = Case::new("sse", PROGRAM, "");
    let (code, out, err) = c.run(&fake, &[]);
    assert_eq!((code, out.as_str()), (0, "5\n11\n"), "{err}");
    assert_eq!(c.metadata("add", 1)["generator"], "llm:test-model");
}

#[test]
fn the_original_name_and_a_python_fence_are_repaired() {
    let fake = FakeLlm::start(vec![Reply::openai_text(
        "```python\ndef add(a: int, b: int) -> int:\n    return b + a\n```",
    )]);
    let c = Case::new("repair", PROGRAM, "");
    let (code, out, err) = c.run(&fake, &[]);
    assert_eq!((code, out.as_str()), (0, "5\n11\n"), "{err}");
    assert_eq!(fake.request_count(), 1);
    let m = c.metadata("add", 1);
    assert_eq!(m["generator"], "llm:test-model", "{m}");
    let note = m["validation"]["attempts"][0]["repaired"]
        .as_str()
        .unwrap_or("");
    assert!(note.contains("`add`"), "{m}");
    let code_na = std::fs::read_to_string(c.dir.join(".poet/add/v1/code.na")).unwrap();
    assert!(
        code_na.starts_with("def operate(a: int, b: int) -> int:\n    return b + a"),
        "{code_na}"
    );
}

#[test]
fn a_hung_server_is_cut_at_the_deadline_and_the_offline_version_serves() {
    let hung = support::fake_llm::HungServer::start();
    let c = Case::new("hung", PROGRAM, "generation_deadline = 1\n");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dana"));
    cmd.arg("run")
        .arg("app.na")
        .current_dir(&c.dir)
        .env("DANA_LLM_BASE_URL", hung.base_url())
        .env("DANA_LLM_MODEL", "test-model")
        .env("DANA_LLM_CONSTRAINED", "off");
    for k in [
        "DANA_POET_DIR",
        "DANA_LLM_PROVIDER",
        "DANA_MOCK_LLM",
        "DANA_LLM_API_KEY",
    ] {
        cmd.env_remove(k);
    }
    let out = cmd.output().unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(stdout, "5\n11\n", "{stderr}");
    assert!(
        stderr.contains("gave no version within 1 s (attempt 1/3 still running)")
            && stderr.contains("offline version serves"),
        "{stderr}"
    );
    assert_eq!(c.metadata("add", 1)["generator"], "offline");
}

/// `expect_problem`: the first attempt's problems contain one of these.
fn falls_back_to_offline(name: &str, answer: &str, expect_problem: &[&str]) {
    let fake = FakeLlm::start(vec![Reply::openai_text(answer)]);
    let c = Case::new(name, PROGRAM, "");
    let start = Instant::now();
    let (code, out, err) = c.run(&fake, &[]);
    assert_eq!((code, out.as_str()), (0, "5\n11\n"), "{name}: {err}");
    assert!(start.elapsed() < Duration::from_secs(30), "{name}");
    assert_eq!(fake.request_count(), 3, "{name}: three attempts");
    assert!(err.contains("offline version serves"), "{name}: {err}");
    let m = c.metadata("add", 1);
    assert_eq!(m["generator"], "offline", "{name}");
    let attempts = m["validation"]["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 3, "{name}: {m}");
    let problems = attempts[0]["problems"].to_string();
    assert!(
        expect_problem.iter().any(|p| problems.contains(p)),
        "{name}: {problems}"
    );
}

#[test]
fn wrong_signature_forbidden_call_and_endless_loop_are_rejected() {
    falls_back_to_offline(
        "signature",
        "```dana\ndef operate(b: int, a: int) -> int:\n    return a + b\n```",
        &["operate"],
    );
    falls_back_to_offline(
        "forbidden",
        "```dana\ndef operate(a: int, b: int) -> int:\n    print(\"hi\")\n    return a + b\n```",
        &["print"],
    );
    falls_back_to_offline(
        "endless",
        "```dana\ndef operate(a: int, b: int) -> int:\n    while True:\n        a += 1\n    return a\n```",
        // Whichever limit of a trial call comes first: 500 ms, or 5,000,000 operations
        // (a fast machine gets there in less).
        &[
            "operate failed: TimeoutError: deadline exceeded, where the original answers",
            "operate failed: LimitError: operation budget of 5000000 exhausted, where the original answers",
        ],
    );
}

#[test]
fn rate_limits_are_honoured_and_server_errors_give_up() {
    let fake = FakeLlm::start(vec![
        Reply::status(429).with_header("Retry-After", "1"),
        Reply::openai_text(GOOD),
    ]);
    let c = Case::new("429", PROGRAM, "");
    let start = Instant::now();
    let (code, _, err) = c.run(&fake, &[]);
    assert_eq!(code, 0, "{err}");
    assert!(start.elapsed() >= Duration::from_millis(900));
    assert_eq!(fake.request_count(), 2);
    assert_eq!(c.metadata("add", 1)["generator"], "llm:test-model");

    let fake = FakeLlm::start(vec![Reply::status(500)]);
    let c = Case::new("500", PROGRAM, "");
    let (code, out, err) = c.run(&fake, &[]);
    assert_eq!((code, out.as_str()), (0, "5\n11\n"), "{err}");
    // 3 attempts × (1 + max_retries = 2) requests.
    assert_eq!(fake.request_count(), 6);
    let m = c.metadata("add", 1);
    assert_eq!(m["generator"], "offline");
    assert!(
        m["validation"]["attempts"][0]["error"]
            .as_str()
            .unwrap()
            .contains("500"),
        "{m}"
    );
}

#[test]
fn slow_and_malformed_answers_fall_back() {
    let fake = FakeLlm::start(vec![
        Reply::openai_text(GOOD).with_delay(Duration::from_secs(30))
    ]);
    let c = Case::new(
        "slow",
        PROGRAM,
        "read_timeout = 1\ntimeout = 2\nmax_retries = 0\n",
    );
    let start = Instant::now();
    let (code, out, err) = c.run(&fake, &[]);
    assert_eq!((code, out.as_str()), (0, "5\n11\n"), "{err}");
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(c.metadata("add", 1)["generator"], "offline");

    let fake = FakeLlm::start(vec![Reply::raw("<html>not json</html>")]);
    let c = Case::new("nonjson", PROGRAM, "");
    let (code, out, _) = c.run(&fake, &[]);
    assert_eq!((code, out.as_str()), (0, "5\n11\n"));
    assert_eq!(c.metadata("add", 1)["generator"], "offline");
}

#[test]
fn the_anthropic_format() {
    let fake = FakeLlm::start(vec![Reply::anthropic_text(GOOD)]);
    let c = Case::new("anthropic", PROGRAM, "");
    let (code, out, err) = c.run(
        &fake,
        &[
            ("DANA_LLM_PROVIDER", "anthropic"),
            ("ANTHROPIC_API_KEY", "sk-test-not-a-real-key"),
        ],
    );
    assert_eq!((code, out.as_str()), (0, "5\n11\n"), "{err}");
    assert_eq!(fake.request_count(), 1);
    let req = &fake.requests()[0];
    assert!(req.path.ends_with("/messages"), "{}", req.path);
    assert_eq!(c.metadata("add", 1)["generator"], "llm:test-model");
    assert!(!err.contains("sk-test-not-a-real-key"));
}

#[test]
fn generate_off_never_asks_and_background_upgrades_later() {
    let fake = FakeLlm::start(vec![Reply::openai_text(GOOD)]);
    let off = PROGRAM.replace("retries=0)", "retries=0, generate=\"off\")");
    let c = Case::new("off", &off, "");
    let (code, _, err) = c.run(&fake, &[]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(fake.request_count(), 0);
    assert_eq!(c.metadata("add", 1)["generator"], "offline");

    let fake = FakeLlm::start(vec![
        Reply::openai_text(GOOD).with_delay(Duration::from_millis(300))
    ]);
    let bg = "\
import time
@poet(domain=\"api\", generate=\"background\")
def add(a: int, b: int) -> int:
    return a + b

print(add(1, 1))
time.sleep(1.0)
print(add(2, 2))
";
    let c = Case::new("background", bg, "");
    let (code, out, err) = c.run(
        &fake,
        &[("DANA_POET_DIR", &c.dir.join(".poet").to_string_lossy())],
    );
    assert_eq!((code, out.as_str()), (0, "2\n4\n"), "{err}");
    assert_eq!(fake.request_count(), 1);
    assert_eq!(c.metadata("add", 1)["generator"], "offline");
    let v2 = c.metadata("add", 2);
    assert_eq!(v2["generator"], "llm:test-model", "{v2}");
    assert_eq!(v2["parent"], 1);
    assert_eq!(c.current("add"), Path::new("v2"));
}

#[test]
fn two_code_blocks_are_a_rejected_attempt_with_the_reason() {
    let two = format!("{GOOD}\n\nOr, shorter:\n```dana\ndef operate(a: int, b: int) -> int:\n    return b + a\n```");
    falls_back_to_offline("two-blocks", &two, &["2 code blocks"]);
}

#[test]
fn an_echoed_api_key_is_written_and_printed_nowhere() {
    const KEY: &str = "sk-echo-Hq7PzUnique41key";
    // The answer quotes the key in a comment of accepted code, in the model name and in text
    // around the block; then a rejected answer quotes it in its problem.
    let answer = GOOD.replace(
        "def operate(a: int, b: int) -> int:\n",
        &format!("# sent with {KEY}\ndef operate(a: int, b: int) -> int:\n"),
    );
    let mut reply = Reply::openai_text(&format!("key {KEY} received.\n{answer}"));
    reply.body = reply.body.replace("fake-model", &format!("model-{KEY}"));
    let fake = FakeLlm::start(vec![
        Reply::openai_text(&format!(
            "```dana\ndef operate(a: int) -> {KEY}:\n    pass\n```"
        )),
        reply,
    ]);
    let c = Case::new("echo-key", PROGRAM, "");
    let (code, out, err) = c.run(&fake, &[("DANA_LLM_API_KEY", KEY)]);
    assert_eq!((code, out.as_str()), (0, "5\n11\n"), "{err}");
    assert_eq!(fake.request_count(), 2);
    // It was sent (so the server could echo it) ...
    let auth = fake.requests()[0]
        .header("authorization")
        .unwrap_or_default()
        .to_string();
    assert!(auth.contains(KEY));
    // ... and it is nowhere in the store or on stderr.
    assert!(!err.contains(KEY), "{err}");
    let mut files = vec![c.dir.join(".poet")];
    let mut seen = 0;
    while let Some(p) = files.pop() {
        if p.is_dir() {
            files.extend(std::fs::read_dir(&p).unwrap().flatten().map(|e| e.path()));
        } else if let Ok(bytes) = std::fs::read(&p) {
            seen += 1;
            let text = String::from_utf8_lossy(&bytes);
            assert!(
                !text.contains(KEY),
                "{} holds the key:\n{text}",
                p.display()
            );
        }
    }
    assert!(seen >= 4, "the store was written");
    let code_na = std::fs::read_to_string(c.dir.join(".poet/add/v1/code.na")).unwrap();
    assert!(code_na.contains("# sent with ***"), "{code_na}");
    let m = c.metadata("add", 1);
    assert_eq!(m["validation"]["attempts"][0]["outcome"], "rejected", "{m}");
}

#[test]
fn a_domain_that_asks_for_enforce_gets_the_models_enforce_and_offline_perceive() {
    // A user's template over `api` that asks the model for enforce as well as operate.
    const PROGRAM: &str = "\
@poet(domain=\"strict\", retries=0)
def bump(x: int) -> int:
    return abs(x) + 1

print(bump(-4))
";
    let answer = "```dana\n\
def operate(x: int) -> int:\n    return abs(x) + 1\n\n\
def enforce(result: int, x: int) -> int:\n    if result < 1:\n        raise ValueError(\"model enforce: below one\")\n    return result\n```";
    let fake = FakeLlm::start(vec![Reply::openai_text(answer)]);
    let c = Case::new("generate-enforce", PROGRAM, "");
    std::fs::create_dir_all(c.dir.join(".poet/domains")).unwrap();
    std::fs::write(
        c.dir.join(".poet/domains/strict.toml"),
        "parent = \"api\"\ngenerate = [\"enforce\"]\n\n[requirements]\nenforce = [\"results are at least one\"]\n",
    )
    .unwrap();
    let (code, out, err) = c.run(&fake, &[]);
    assert_eq!((code, out.as_str()), (0, "5\n"), "{err}");
    assert_eq!(fake.request_count(), 1);
    let req = &fake.requests()[0];
    let prompt = prompt_of(req);
    for part in [
        "It must start with exactly:\ndef operate(x: int) -> int:\n",
        "After it, write `enforce`. It must start with exactly:\ndef enforce(result: int, x: int) -> int:\n",
        "Domain strict for enforce: ",
        "; results are at least one\n",
        "Input checks are added for you.",
    ] {
        assert!(prompt.contains(part), "prompt lacks {part:?}:\n{prompt}");
    }
    assert!(!prompt.contains("write `perceive`"), "{prompt}");
    // Room for the second stage.
    assert_eq!(req.body["max_tokens"], 320 + 300, "{}", req.body);
    // The stored module has the model's enforce; perceive is the offline rules' (the api
    // domain checks int parameters), and no second enforce follows.
    let code_na = std::fs::read_to_string(c.dir.join(".poet/bump/v1/code.na")).unwrap();
    assert!(code_na.contains("model enforce: below one"), "{code_na}");
    assert_eq!(code_na.matches("def enforce(").count(), 1, "{code_na}");
    assert_eq!(code_na.matches("def operate(").count(), 1, "{code_na}");
    assert!(
        code_na.contains("def perceive(x: int) -> dict:"),
        "{code_na}"
    );
    assert_eq!(c.metadata("bump", 1)["validation"]["passed"], true);
}
