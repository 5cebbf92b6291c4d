//! The command line's tooling options: shell completions, `--color` (with `NO_COLOR` and
//! `CLICOLOR_FORCE`), and `DANA_LOG` / `--log-level` (POET's decisions and the LLM client's
//! requests on stderr).

mod support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use support::fake_llm::{FakeLlm, Reply};

/// `dana ARGS…` in `dir` with a clean environment for colours, logging and POET.
fn dana_in(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_dana"));
    cmd.args(args).current_dir(dir);
    for k in [
        "NO_COLOR",
        "CLICOLOR_FORCE",
        "DANA_LOG",
        "DANA_POET_DIR",
        "DANA_LLM_PROVIDER",
        "DANA_LLM_BASE_URL",
        "DANA_LLM_MODEL",
        "DANA_LLM_API_KEY",
        "OPENAI_API_KEY",
        "ANTHROPIC_API_KEY",
        "DANA_MOCK_LLM",
    ] {
        cmd.env_remove(k);
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run dana")
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A fresh folder (removed at the end) holding `app.na`.
struct Project(PathBuf);

impl Project {
    fn new(tag: &str, program: &str) -> Project {
        let dir = std::env::temp_dir().join(format!("dana-cli-tools-{}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("app.na"), program).unwrap();
        // The project's root: POET's store is created here.
        std::fs::write(dir.join("dana.toml"), "").unwrap();
        Project(dir)
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn completions_for_each_shell_name_the_commands() {
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef dana"),
        ("fish", "complete -c dana"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let o = dana_in(root(), &["completions", shell], &[]);
        assert!(o.status.success(), "{shell}: {}", text(&o.stderr));
        let script = text(&o.stdout);
        assert!(
            script.contains(marker),
            "{shell}: no {marker:?} in\n{script}"
        );
        for sub in ["run", "check", "repl", "poet", "completions"] {
            assert!(
                script.contains(sub),
                "{shell}: the script does not mention {sub}"
            );
        }
        assert!(
            script.contains("color"),
            "{shell}: the global flags are completed"
        );
    }
    let o = dana_in(root(), &["completions", "tcsh"], &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("invalid value 'tcsh'"),
        "{}",
        text(&o.stderr)
    );
}

/// Whether stderr holds an ANSI escape sequence.
fn coloured(o: &Output) -> bool {
    o.stderr.windows(2).any(|w| w == b"\x1b[")
}

#[test]
fn color_flag_and_environment() {
    let p = Project::new("color", "x = 1\nprint(y)\n");
    let run = |args: &[&str], env: &[(&str, &str)]| {
        let o = dana_in(&p.0, args, env);
        assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));
        assert!(text(&o.stderr).contains("NameError"), "{}", text(&o.stderr));
        coloured(&o)
    };
    // Not a terminal: plain by default.
    assert!(!run(&["run", "app.na"], &[]));
    assert!(run(&["--color", "always", "run", "app.na"], &[]));
    assert!(run(&["run", "--color=always", "app.na"], &[]));
    assert!(
        run(&["--color", "always", "app.na"], &[]),
        "the `dana FILE.na` shorthand"
    );
    assert!(!run(&["run", "--color", "never", "app.na"], &[]));
    // CLICOLOR_FORCE colours a pipe; NO_COLOR wins over it; the flag wins over both.
    assert!(run(&["run", "app.na"], &[("CLICOLOR_FORCE", "1")]));
    assert!(!run(&["run", "app.na"], &[("CLICOLOR_FORCE", "0")]));
    assert!(!run(
        &["run", "app.na"],
        &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]
    ));
    assert!(run(
        &["--color", "always", "run", "app.na"],
        &[("NO_COLOR", "1")]
    ));
    assert!(!run(
        &["--color", "never", "run", "app.na"],
        &[("CLICOLOR_FORCE", "1")]
    ));
    // `dana check` renders through the same path.
    let o = dana_in(&p.0, &["--color", "always", "check", "app.na"], &[]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(coloured(&o), "{}", text(&o.stderr));
    let o = dana_in(&p.0, &["check", "app.na"], &[]);
    assert!(!coloured(&o), "{}", text(&o.stderr));
    // The program's own arguments are its own, even when they look like the flag.
    let q = Project::new("color-args", "def main(color: str):\n    print(color)\n");
    let o = dana_in(&q.0, &["run", "app.na", "--color", "never"], &[]);
    assert_eq!(text(&o.stdout), "never\n", "{}", text(&o.stderr));
    let o = dana_in(&q.0, &["--color", "sometimes", "run", "app.na"], &[]);
    assert_eq!(o.status.code(), Some(2));
}

const POET_PROGRAM: &str = "\
@poet(domain=\"api\", retries=0)
def add(a: int, b: int) -> int:
    return a + b

print(add(2, 3))
";

/// The lines of stderr that are log events (POET's and the LLM client's).
fn log_lines(o: &Output) -> Vec<String> {
    text(&o.stderr)
        .lines()
        .filter(|l| l.contains("poet: ") || l.contains("llm: "))
        .map(str::to_string)
        .collect()
}

#[test]
fn dana_log_prints_poet_decisions_and_nothing_without_it() {
    let p = Project::new("log-poet", POET_PROGRAM);
    // Offline: no LLM configured.
    let o = dana_in(&p.0, &["run", "app.na"], &[("DANA_LOG", "debug")]);
    assert_eq!(text(&o.stdout), "5\n", "{}", text(&o.stderr));
    let lines = log_lines(&o);
    let has = |needle: &str| lines.iter().any(|l| l.contains(needle));
    assert!(
        has("poet: version cache lookup") && has("hit=false"),
        "{lines:#?}"
    );
    assert!(
        has("poet: gate verdict on the offline version") && has("passed=true"),
        "{lines:#?}"
    );
    assert!(
        has("poet: new version") && has("generator=offline"),
        "{lines:#?}"
    );
    assert!(
        lines
            .iter()
            .all(|l| l.contains("DEBUG") || l.contains("INFO")),
        "{lines:#?}"
    );
    assert!(
        lines.iter().all(|l| l.contains("function=add")),
        "{lines:#?}"
    );
    // The second run finds the stored version.
    let o = dana_in(&p.0, &["--log-level", "debug", "run", "app.na"], &[]);
    let lines = log_lines(&o);
    assert!(
        lines
            .iter()
            .any(|l| l.contains("poet: version cache lookup")
                && l.contains("hit=true")
                && l.contains("version=Some(1)")),
        "{lines:#?}"
    );
    // A level above the events: none of them.
    let o = dana_in(&p.0, &["run", "app.na"], &[("DANA_LOG", "warn")]);
    assert_eq!(log_lines(&o), Vec::<String>::new());
    // No DANA_LOG: nothing at all on stderr.
    let o = dana_in(&p.0, &["run", "app.na"], &[]);
    assert_eq!(text(&o.stdout), "5\n");
    assert_eq!(text(&o.stderr), "");
    // --log-level wins over DANA_LOG.
    let o = dana_in(
        &p.0,
        &["--log-level", "error", "run", "app.na"],
        &[("DANA_LOG", "debug")],
    );
    assert_eq!(log_lines(&o), Vec::<String>::new());
    // Directives per target.
    let o = dana_in(&p.0, &["run", "app.na"], &[("DANA_LOG", "dana_poet=debug")]);
    assert!(!log_lines(&o).is_empty(), "{}", text(&o.stderr));
    // A value that is neither: a warning, and no logging.
    let o = dana_in(&p.0, &["run", "app.na"], &[("DANA_LOG", "loud!")]);
    assert_eq!(text(&o.stdout), "5\n");
    assert!(
        text(&o.stderr).contains("warning: DANA_LOG=\"loud!\""),
        "{}",
        text(&o.stderr)
    );
    assert_eq!(log_lines(&o), Vec::<String>::new());
}

#[test]
fn dana_log_shows_fallbacks() {
    let p = Project::new(
        "log-fallback",
        "@poet(retries=0)\ndef f(x: int) -> int:\n    if x > 0:\n        raise RuntimeError(\"down\")\n    return x\n\nprint(f(1) if False else f(0))\ntry:\n    f(2)\nexcept RuntimeError as e:\n    print(\"error:\", e)\n",
    );
    let o = dana_in(&p.0, &["run", "app.na"], &[("DANA_LOG", "debug")]);
    assert!(
        text(&o.stdout).contains("error: down"),
        "{}{}",
        text(&o.stdout),
        text(&o.stderr)
    );
    let lines = log_lines(&o);
    assert!(
        lines
            .iter()
            .any(|l| l.contains("poet: fallback to the original function")),
        "{lines:#?}"
    );
}

const GOOD: &str = "```dana\n\
def perceive(a: int, b: int) -> dict:\n    return {\"a\": a, \"b\": b}\n\n\
def operate(a: int, b: int) -> int:\n    return a + b\n\n\
def enforce(result: int, a: int, b: int) -> int:\n    return result\n```";

#[test]
fn dana_log_shows_llm_requests_without_the_key_or_the_prompt() {
    let fake = FakeLlm::start(vec![
        Reply::status(500),
        Reply::json(serde_json::json!({
            "choices": [{"index": 0, "message": {"role": "assistant", "content": GOOD}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 321, "completion_tokens": 54}
        })),
    ]);
    let p = Project::new("log-llm", POET_PROGRAM);
    std::fs::write(
        p.0.join("dana.toml"),
        "[llm]\nmax_retries = 1\nbackoff = 0.01\ntimeout = 20\n",
    )
    .unwrap();
    let key = "sk-test-0123456789abcdef";
    let base = fake.base_url();
    let env = [
        ("DANA_LLM_BASE_URL", base.as_str()),
        ("DANA_LLM_MODEL", "test-model"),
        ("DANA_LLM_API_KEY", key),
        ("DANA_LOG", "debug"),
    ];
    let o = dana_in(&p.0, &["run", "app.na"], &env);
    assert_eq!(text(&o.stdout), "5\n", "{}", text(&o.stderr));
    assert_eq!(fake.request_count(), 2);
    let err = text(&o.stderr);
    let lines = log_lines(&o);
    let has = |all: &[&str]| lines.iter().any(|l| all.iter().all(|n| l.contains(n)));
    assert!(
        has(&[
            "llm: request",
            "status=500",
            "model=test-model",
            "duration_ms="
        ]),
        "{lines:#?}"
    );
    assert!(
        has(&["llm: request", "status=200", "tokens=in=321 out=54"]),
        "{lines:#?}"
    );
    assert!(
        has(&["poet: generation started", "model=test-model"]),
        "{lines:#?}"
    );
    assert!(
        has(&["poet: generation attempt", "attempt=1"]),
        "{lines:#?}"
    );
    assert!(has(&["poet: gate verdict", "passed=true"]), "{lines:#?}");
    assert!(has(&["poet: trial verdict", "passed=true"]), "{lines:#?}");
    assert!(has(&["poet: generation accepted"]), "{lines:#?}");
    assert!(!err.contains(key), "the key leaked:\n{err}");
    assert!(
        !err.contains("def add"),
        "the prompt leaked at debug:\n{err}"
    );
    // At trace, the request body (the prompt) is shown, still without the key.
    let p2 = Project::new("log-llm-trace", POET_PROGRAM);
    std::fs::write(
        p2.0.join("dana.toml"),
        "[llm]\nmax_retries = 0\ntimeout = 20\n",
    )
    .unwrap();
    let fake2 = FakeLlm::start(vec![Reply::openai_text(GOOD)]);
    let base2 = fake2.base_url();
    let mut env2 = env;
    env2[0].1 = base2.as_str();
    env2[3].1 = "trace";
    let o = dana_in(&p2.0, &["run", "app.na"], &env2);
    let err = text(&o.stderr);
    assert!(err.contains("llm: request body"), "{err}");
    assert!(!err.contains(key), "the key leaked:\n{err}");
}
