//! The trial's oracle (POET_SPEC §4): `dana run` against a fake OpenAI-compatible server on
//! 127.0.0.1 that answers with wrong rewrites (each must be rejected with a problem naming the
//! input, the original's answer and the candidate's), with correct ones (accepted), and with
//! `improve=True` functions judged by their docstring examples. The oracle and the inputs
//! are checked in `metadata.json` and in `dana poet show`; `dana check` reports examples that
//! do not parse.

mod support;

use dana_interpreter::check::serde_json::{self, Value};
use std::path::PathBuf;
use std::process::Command;
use support::fake_llm::{FakeLlm, Reply};

struct Case {
    dir: PathBuf,
}

impl Case {
    fn new(name: &str, program: &str) -> Case {
        let dir =
            std::env::temp_dir().join(format!("dana-poet-oracle-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("app.na"), program).unwrap();
        std::fs::write(
            dir.join("dana.toml"),
            "[llm]\nmax_retries = 1\ntimeout = 20\nread_timeout = 5\n",
        )
        .unwrap();
        Case { dir }
    }

    fn dana(&self, fake: Option<&FakeLlm>, args: &[&str]) -> (i32, String, String) {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_dana"));
        cmd.args(args).current_dir(&self.dir).env("NO_COLOR", "1");
        for k in [
            "DANA_POET_DIR",
            "DANA_LLM_PROVIDER",
            "DANA_LLM_API_KEY",
            "DANA_LLM_BASE_URL",
            "OPENAI_API_KEY",
            "ANTHROPIC_API_KEY",
            "DANA_MOCK_LLM",
        ] {
            cmd.env_remove(k);
        }
        if let Some(f) = fake {
            cmd.env("DANA_LLM_BASE_URL", f.base_url())
                .env("DANA_LLM_MODEL", "test-model");
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
}

impl Drop for Case {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn answer(code: &str) -> Reply {
    Reply::openai_text(&format!("```dana\n{code}```\n"))
}

fn user_prompt(req: &support::fake_llm::RecordedRequest) -> String {
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

/// Runs `program` with the fake answering `code` every time: the LLM versions are refused,
/// the offline version serves; the first attempt's problems (as JSON text) and the prompt of
/// the retry.
fn rejected(name: &str, function: &str, program: &str, code: &str) -> (String, String) {
    let fake = FakeLlm::start(vec![answer(code)]);
    let c = Case::new(name, program);
    let (status, _, err) = c.dana(Some(&fake), &["run", "app.na"]);
    assert_eq!(status, 0, "{name}: {err}");
    assert!(err.contains("offline version serves"), "{name}: {err}");
    let m = c.metadata(function, 1);
    assert_eq!(m["generator"], "offline", "{name}: {m}");
    let attempts = m["validation"]["attempts"].as_array().unwrap();
    assert_eq!(attempts[0]["outcome"], "rejected", "{name}: {m}");
    let retry = user_prompt(&fake.requests()[1]);
    (attempts[0]["problems"].to_string(), retry)
}

const WORD_COUNT: &str = "\
@poet(retries=0)
def word_count(text: str) -> int:
    return len(text.split())

print(word_count(\"one two three\"))
";

#[test]
fn a_word_count_off_by_ten_is_rejected_naming_the_input() {
    let (problems, retry) = rejected(
        "words",
        "word_count",
        WORD_COUNT,
        "def operate(text: str) -> int:\n    return len(text.split()) + 10\n",
    );
    let want = "word_count('The quick brown fox jumps over the lazy dog.'): the candidate answered 19, but the original answers 9";
    assert!(problems.contains(want), "{problems}");
    // The retry prompt quotes the problem.
    assert!(retry.contains("the original answers 9"), "{retry}");
}

#[test]
fn a_clamp_giving_0_8_for_0_5_is_rejected() {
    let program = "\
@poet(retries=0)
def clamp01(x: float) -> float:
    if x < 0.0:
        return 0.0
    if x > 1.0:
        return 1.0
    return x

print(clamp01(2.0))
";
    let (problems, _) = rejected(
        "clamp",
        "clamp01",
        program,
        "def operate(x: float) -> float:\n    if x == 0.5:\n        return 0.8\n    return max(0.0, min(1.0, x))\n",
    );
    assert!(
        problems.contains("clamp01(0.5): the candidate answered 0.8, but the original answers 0.5"),
        "{problems}"
    );
}

#[test]
fn a_case_sensitive_palindrome_check_is_rejected() {
    // The program's first call is a non-palindrome, so the trial's own strings must include
    // palindromes with capitals for the difference to show.
    let program = "\
@poet(retries=0)
def is_palindrome(word: str) -> bool:
    w = word.lower()
    return w == w[::-1]

print(is_palindrome(\"dana\"))
";
    let (problems, _) = rejected(
        "palindrome",
        "is_palindrome",
        program,
        "def operate(word: str) -> bool:\n    return word == word[::-1]\n",
    );
    assert!(
        problems.contains(
            "is_palindrome('Level'): the candidate answered False, but the original answers True"
        ),
        "{problems}"
    );
}

#[test]
fn a_risk_score_of_1_for_everything_is_rejected() {
    let program = "\
@poet(domain=\"financial_risk\", retries=0)
def risk_score(debt: float, income: float) -> float:
    if income <= 0.0:
        return 1.0
    return min(1.0, debt / income)

print(risk_score(1.0, 4.0))
";
    let (problems, _) = rejected(
        "risk",
        "risk_score",
        program,
        "def operate(debt: float, income: float) -> float:\n    return 1.0\n",
    );
    assert!(
        problems.contains("risk_score(")
            && problems.contains("the candidate answered 1.0, but the original answers 0."),
        "{problems}"
    );
}

#[test]
fn raising_against_a_picky_parser_is_rejected() {
    // The parser answers only digit strings: a synthesised "42" is one.
    let program = "\
@poet(retries=0)
def parse_port(spec: str) -> int:
    if not spec.isdigit():
        raise ValueError(\"not a port: \" + spec)
    return int(spec)

print(parse_port(\"8080\"))
";
    let (problems, _) = rejected(
        "port",
        "parse_port",
        program,
        "def operate(spec: str) -> int:\n    raise RuntimeError(\"boom\")\n",
    );
    assert!(
        problems.contains(
            "parse_port('42'): operate failed: RuntimeError: boom, where the original answers 42"
        ),
        "{problems}"
    );
    // A parser that answers no synthesised input (nor the call that makes the version), and
    // no example: nothing judges the candidate, so the trial fails.
    let program = "\
@poet(retries=0)
def parse_tag(tag: str) -> int:
    if not tag.startswith(\"release/v\"):
        raise ValueError(\"not a release tag\")
    return int(tag[9:])

try:
    print(parse_tag(\"v3\"))
except ValueError:
    print(\"refused\")
";
    let (problems, _) = rejected(
        "tag",
        "parse_tag",
        program,
        "def operate(tag: str) -> int:\n    raise RuntimeError(\"boom\")\n",
    );
    assert!(
        problems.contains("the original answered none of the")
            && problems.contains("parse_tag('hello')")
            && problems.contains("the docstring has no example"),
        "{problems}"
    );
}

#[test]
fn a_correct_rewrite_is_accepted_and_the_oracle_recorded() {
    let fake = FakeLlm::start(vec![answer(
        "def operate(text: str) -> int:\n    words = text.split()\n    return len(words)\n",
    )]);
    let c = Case::new("correct", WORD_COUNT);
    let (status, out, err) = c.dana(Some(&fake), &["run", "app.na"]);
    assert_eq!((status, out.as_str()), (0, "3\n"), "{err}");
    assert_eq!(fake.request_count(), 1);
    let m = c.metadata("word_count", 1);
    assert_eq!(m["generator"], "llm:test-model", "{m}");
    assert_eq!(m["validation"]["oracle"], "original", "{m}");
    let trial = &m["validation"]["trial"];
    let inputs: Vec<&str> = trial["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(
        inputs.contains(&"'The quick brown fox jumps over the lazy dog.'"),
        "{inputs:?}"
    );
    assert!(inputs.len() <= 12);
    // The call that made the version gave the first input.
    assert_eq!(inputs[0], "'one two three'", "{inputs:?}");
    assert_eq!(trial["recorded_inputs"], 1, "{trial}");
    assert!(
        trial["agreed_with_original"].as_u64().unwrap() >= 3,
        "{trial}"
    );
    // `dana poet show` names the oracle.
    let (status, out, err) = c.dana(None, &["poet", "show", "word_count"]);
    assert_eq!(status, 0, "{err}");
    let line = out.lines().find(|l| l.starts_with("oracle:")).unwrap_or("");
    assert!(
        line.contains("original (") && line.contains("inputs"),
        "{out}"
    );
}

const DRIFT: &str = "\
@poet(improve=True, retries=0)
def detect_drift(a: list[float], b: list[float]) -> float:
    \"\"\"How far the mean of b moved from the mean of a.

    >>> detect_drift([1.0, 2.0], [1.0, 2.0])
    0.0
    >>> detect_drift([0.0, 0.0], [1.0, 3.0])
    2.0
    \"\"\"
    return 0.0

print(detect_drift([1.0], [4.0]))
";

const BETTER_DRIFT: &str = "\
def operate(a: list[float], b: list[float]) -> float:
    if len(a) == 0 or len(b) == 0:
        return 0.0
    return abs(sum(b) / len(b) - sum(a) / len(a))
";

#[test]
fn improve_accepts_a_better_answer_that_keeps_the_examples() {
    let fake = FakeLlm::start(vec![answer(BETTER_DRIFT)]);
    let c = Case::new("improve", DRIFT);
    let (status, out, err) = c.dana(Some(&fake), &["run", "app.na"]);
    assert_eq!((status, out.as_str()), (0, "3.0\n"), "{err}");
    let m = c.metadata("detect_drift", 1);
    assert_eq!(m["generator"], "llm:test-model", "{m}");
    assert_eq!(m["validation"]["oracle"], "examples", "{m}");
    assert_eq!(m["validation"]["trial"]["examples"]["checked"], 2, "{m}");
    assert_eq!(m["validation"]["trial"]["improve"], true, "{m}");

    // The same answer for the original as the oracle: the constant original refuses it.
    let fake = FakeLlm::start(vec![answer(BETTER_DRIFT)]);
    let c = Case::new("no-improve", &DRIFT.replace("improve=True, ", ""));
    let (status, _, err) = c.dana(Some(&fake), &["run", "app.na"]);
    assert_eq!(status, 0, "{err}");
    let m = c.metadata("detect_drift", 1);
    assert_eq!(m["generator"], "offline", "{m}");
    let problems = m["validation"]["attempts"][0]["problems"].to_string();
    assert!(
        problems.contains("but the original answers 0.0"),
        "{problems}"
    );
}

#[test]
fn improve_rejects_an_answer_that_breaks_an_example() {
    let fake = FakeLlm::start(vec![answer(
        "def operate(a: list[float], b: list[float]) -> float:\n    return 1.0\n",
    )]);
    let c = Case::new("breaks", DRIFT);
    let (status, _, err) = c.dana(Some(&fake), &["run", "app.na"]);
    assert_eq!(status, 0, "{err}");
    let m = c.metadata("detect_drift", 1);
    assert_eq!(m["generator"], "offline", "{m}");
    let problems = m["validation"]["attempts"][0]["problems"].to_string();
    assert!(
        problems.contains(
            "docstring line 3: detect_drift([1.0, 2.0], [1.0, 2.0]) should answer 0.0; the candidate answered 1.0"
        ),
        "{problems}"
    );
    // The offline version runs the original's body; the oracle is recorded for it too.
    assert_eq!(m["validation"]["oracle"], "original", "{m}");
}

#[test]
fn improve_without_examples_records_an_unverified_version() {
    let program = "\
@poet(improve=True, retries=0)
def score(x: float) -> float:
    return 0.0

print(score(0.25))
";
    let fake = FakeLlm::start(vec![answer(
        "def operate(x: float) -> float:\n    return x * 2.0\n",
    )]);
    let c = Case::new("unverified", program);
    let (status, out, err) = c.dana(Some(&fake), &["run", "app.na"]);
    assert_eq!((status, out.as_str()), (0, "0.5\n"), "{err}");
    let m = c.metadata("score", 1);
    assert_eq!(m["generator"], "llm:test-model", "{m}");
    assert_eq!(m["validation"]["oracle"], "unverified", "{m}");
}

#[test]
fn a_failing_example_of_the_offline_version_is_a_warning() {
    let program = "\
@poet(generate=\"off\")
def double(n: int) -> int:
    \"\"\"Twice n.

    >>> double(2)
    5
    \"\"\"
    return n * 2

print(double(21))
";
    let c = Case::new("offline-example", program);
    let (status, out, err) = c.dana(None, &["run", "app.na"]);
    assert_eq!((status, out.as_str()), (0, "42\n"), "{err}");
    assert!(
        err.contains("docstring line 3: double(2) should answer 5; the offline version answered 4"),
        "{err}"
    );
    let m = c.metadata("double", 1);
    assert_eq!(m["validation"]["oracle"], "original", "{m}");
    assert_eq!(m["validation"]["trial"]["examples"]["checked"], 1, "{m}");
}

#[test]
fn dana_check_knows_improve_and_reports_broken_examples_at_their_line() {
    let program = "\
@poet(improve=True)
def double(n: int) -> int:
    \"\"\"Twice n.

    >>> double(2
    4
    >>> triple(2)
    6
    \"\"\"
    return n * 2
";
    let c = Case::new("check", program);
    let (status, out, err) = c.dana(None, &["check", "app.na"]);
    let all = format!("{out}{err}");
    assert_ne!(status, 0, "{all}");
    assert!(all.contains("app.na:5:5"), "{all}");
    assert!(
        all.contains("'>>> double(2' is not a Dana expression"),
        "{all}"
    );
    assert!(all.contains("app.na:7:5"), "{all}");
    assert!(all.contains("must be a call of double(...)"), "{all}");
    assert!(!all.contains("unknown argument"), "{all}");

    let c = Case::new(
        "check-ok",
        &program
            .replace("double(2\n", "double(2)\n")
            .replace("triple", "double")
            .replace("    6\n", "    4\n"),
    );
    let (status, out, err) = c.dana(None, &["check", "app.na"]);
    assert_eq!(status, 0, "{out}{err}");
    let c = Case::new("check-bad", &program.replace("improve=True", "improve=1"));
    let (_, out, err) = c.dana(None, &["check", "app.na"]);
    assert!(
        format!("{out}{err}").contains("@poet improve= must be a bool"),
        "{out}{err}"
    );
}

#[test]
fn recorded_calls_of_the_previous_version_are_trial_inputs() {
    let program = "\
@poet(generate=\"off\")
def word_count(text: str) -> int:
    return len(text.split())

print(word_count(\"alpha beta\"))
print(word_count(\"x y z w\"))
";
    let c = Case::new("recorded", program);
    let (status, out, err) = c.dana(None, &["run", "app.na"]);
    assert_eq!((status, out.as_str()), (0, "2\n4\n"), "{err}");
    // The decorator changes: a new version, generated by the LLM, tried on the calls v1 saw.
    std::fs::write(
        c.dir.join("app.na"),
        program.replace("generate=\"off\"", "retries=0"),
    )
    .unwrap();
    let fake = FakeLlm::start(vec![answer(
        "def operate(text: str) -> int:\n    return len(text.split())\n",
    )]);
    let (status, out, err) = c.dana(Some(&fake), &["run", "app.na"]);
    assert_eq!((status, out.as_str()), (0, "2\n4\n"), "{err}");
    let m = c.metadata("word_count", 2);
    assert_eq!(m["generator"], "llm:test-model", "{m}");
    let trial = &m["validation"]["trial"];
    let inputs = trial["inputs"].to_string();
    assert!(
        inputs.starts_with("[\"'alpha beta'\",") && inputs.contains("'x y z w'"),
        "{inputs}"
    );
    assert_eq!(trial["recorded_inputs"], 2, "{trial}");
}
