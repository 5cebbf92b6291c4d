//! Containment of generated code, end to end: `dana run` with a fake LLM server on 127.0.0.1
//! that answers with hostile code. Whatever the answer does, the program prints what it prints
//! without POET, exits 0, and the function answers (through the offline version or the
//! original).

mod support;

use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};
use support::fake_llm::{FakeLlm, Reply};

struct Case {
    dir: PathBuf,
}

impl Case {
    fn new(name: &str, files: &[(&str, &str)]) -> Case {
        let dir =
            std::env::temp_dir().join(format!("dana-poet-contain-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        for (path, text) in files {
            std::fs::write(dir.join(path), text).unwrap();
        }
        std::fs::write(
            dir.join("dana.toml"),
            "[llm]\nmax_retries = 1\ntimeout = 20\nread_timeout = 5\n",
        )
        .unwrap();
        Case { dir }
    }

    fn run(&self, fake: &FakeLlm) -> (i32, String, String) {
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
        let out = cmd.output().unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    fn metadata(&self, f: &str) -> String {
        std::fs::read_to_string(self.dir.join(format!(".poet/{f}/v1/metadata.json")))
            .unwrap_or_default()
    }
}

impl Drop for Case {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Serves `answer` to every generation attempt of `app.na` (plus `files`) and checks that the
/// program prints `expected`, exits 0, does not hang, and that the LLM's version was not
/// accepted; returns the metadata of the stored version.
fn contained(name: &str, files: &[(&str, &str)], answer: &str, expected: &str) -> String {
    let fake = FakeLlm::start(vec![Reply::openai_text(&format!("```dana\n{answer}\n```"))]);
    let c = Case::new(name, files);
    let start = Instant::now();
    let (code, out, err) = c.run(&fake);
    assert!(
        start.elapsed() < Duration::from_secs(60),
        "{name}: too slow"
    );
    assert_eq!((code, out.as_str()), (0, expected), "{name}: {err}");
    let fname = files
        .iter()
        .find(|(p, _)| *p == "app.na")
        .and_then(|(_, t)| t.split("def ").nth(1))
        .and_then(|s| s.split('(').next())
        .unwrap()
        .to_string();
    let m = c.metadata(&fname);
    assert!(m.contains("\"generator\": \"offline\""), "{name}: {m}");
    m
}

const AUTH: &str = "def is_admin(user: str) -> bool:\n    return user == \"root\"\n";

const APP: &str = "\
import auth
import json
LIMITS = {\"max_transfer\": 100}
LOG = []
struct Account:
    owner: str
    balance: float = 0.0

@poet(retries=0)
def fee(amount: float) -> float:
    return amount * 0.01

print(fee(100.0))
print(auth.is_admin(\"bob\"), LIMITS[\"max_transfer\"], len(LOG), json.dumps([1]))
try:
    print(public:flag)
except:
    print(\"no public flag\")
a = Account(owner=\"ann\")
try:
    print(a._can_withdraw(5.0))
except AttributeError:
    print(\"no method\")
";

const APP_OUT: &str = "1.0\nFalse 100 0 [1]\nno public flag\nno method\n";

fn app_case(name: &str, answer: &str) -> String {
    contained(name, &[("app.na", APP), ("auth.na", AUTH)], answer, APP_OUT)
}

#[test]
fn a_rejected_candidate_leaves_no_trace_at_module_level() {
    let op = "def operate(amount: float) -> float:\n    return amount * 0.01\n";
    for (name, top) in [
        (
            "module-attr",
            "def _yes(user: str) -> bool:\n    return True\nauth.is_admin = _yes\n",
        ),
        (
            "std-module-attr",
            "def _fake(x) -> str:\n    return \"pwned\"\njson.dumps = _fake\n",
        ),
        ("public", "public:flag = 1\n"),
        (
            "receiver",
            "def (a: Account) _can_withdraw(n: float) -> bool:\n    return True\n",
        ),
        ("data", "_X = LIMITS.update({\"max_transfer\": 999999})\n"),
    ] {
        app_case(name, &format!("{top}\n{op}"));
    }
}

#[test]
fn a_candidate_cannot_change_the_program_from_its_stages() {
    for (name, body) in [
        ("limits", "    LIMITS[\"max_transfer\"] = 999999\n"),
        ("append", "    LOG.append(amount)\n"),
        ("alias", "    d = LIMITS\n    d[\"max_transfer\"] = 1\n"),
        ("module-attr-op", "    auth.is_admin = _original\n"),
        ("public-op", "    public:flag = 2\n"),
        ("print", "    print(\"pwned\")\n"),
    ] {
        app_case(
            name,
            &format!("def operate(amount: float) -> float:\n{body}    return amount * 0.01\n"),
        );
    }
}

#[test]
fn the_trial_run_undoes_what_the_original_does() {
    // The original records its calls in program data; the trial runs it on invented inputs,
    // which must leave no record.
    let app = "\
LOG = []
@poet(retries=0)
def record(n: int) -> int:
    LOG.append(n)
    return n * 2

print(record(5))
print(LOG)
";
    let fake = FakeLlm::start(vec![Reply::openai_text(
        "```dana\ndef operate(n: int) -> int:\n    return n * 2\n```",
    )]);
    let c = Case::new("trial-undo", &[("app.na", app)]);
    let (code, out, err) = c.run(&fake);
    assert_eq!((code, out.as_str()), (0, "10\n[]\n"), "{err}");
    assert!(c.metadata("record").contains("llm:test-model"));
}

#[test]
fn struct_parameters_get_a_trial_run() {
    let app = "\
struct Point:
    x: int
    y: int

@poet(retries=0)
def norm1(p: Point) -> int:
    return abs(p.x) + abs(p.y)

print(norm1(Point(x=3, y=-4)))
";
    contained(
        "struct-endless",
        &[("app.na", app)],
        "def operate(p: Point) -> int:\n    n = 0\n    while True:\n        n += 1\n    return n\n",
        "7\n",
    );
}

#[test]
fn a_stage_that_calls_the_function_itself_gets_the_original() {
    let app = "\
@poet(retries=0)
def double(n: int) -> int:
    return n * 2

print(double(21))
";
    let fake = FakeLlm::start(vec![Reply::openai_text(
        "```dana\ndef operate(n: int) -> int:\n    return double(n)\n```",
    )]);
    let c = Case::new("self-call", &[("app.na", app)]);
    let start = Instant::now();
    let (code, out, err) = c.run(&fake);
    assert!(start.elapsed() < Duration::from_secs(30));
    assert_eq!((code, out.as_str()), (0, "42\n"), "{err}");
}

#[test]
fn loading_generated_code_is_bounded() {
    let app = "\
@poet(retries=0)
def inc(n: int) -> int:
    return n + 1

print(inc(1))
";
    contained(
        "load-comprehension",
        &[("app.na", app)],
        "_T = [x for x in range(10 ** 12)]\ndef operate(n: int) -> int:\n    return n + 1\n",
        "2\n",
    );
}

#[test]
fn the_original_is_the_oracle_of_the_trial() {
    let app = "\
@poet(retries=0)
def words(text: str) -> int:
    return len(text.split())

print(words(\"a b c\"))
";
    let m = contained(
        "wrong-answer",
        &[("app.na", app)],
        "def operate(text: str) -> int:\n    return len(text.split()) + 10\n",
        "3\n",
    );
    assert!(m.contains("but the original answers"), "{m}");
}
