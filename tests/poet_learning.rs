//! POET's learning loop end to end through `dana run`: ratings trigger an offline re-tuning that
//! is replayed and promoted; errors trigger more retries; a promoted version that does worse is
//! rolled back; feedback finds its execution after a restart. Every decision is an event.

use dana_interpreter::check::serde_json::{self, Value};
use dana_poet::events::{Event, EventFilter, EventQueue};
use std::path::{Path, PathBuf};
use std::process::Command;

struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        let d = std::env::temp_dir().join(format!("dana-poet-learn-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        Dir(d)
    }
    fn run(&self, file: &str, src: &str) -> (i32, String, String) {
        std::fs::write(self.0.join(file), src).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_dana"))
            .args(["run", file])
            .current_dir(&self.0)
            .env("NO_COLOR", "1")
            .env_remove("DANA_POET_DIR")
            .env_remove("DANA_LLM_BASE_URL")
            .env_remove("DANA_LLM_PROVIDER")
            .env_remove("DANA_MOCK_LLM")
            .env_remove("OPENAI_API_KEY")
            .env_remove("ANTHROPIC_API_KEY")
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
    fn json(&self, rel: &str) -> Value {
        serde_json::from_str(&std::fs::read_to_string(self.0.join(rel)).unwrap()).unwrap()
    }
    fn events(&self, kind: &str) -> Vec<Event> {
        EventQueue::open(&self.0.join(".poet"))
            .unwrap()
            .all(&EventFilter::default().kind(kind))
            .unwrap()
    }
    fn current(&self, f: &str) -> PathBuf {
        std::fs::read_link(self.0.join(format!(".poet/{f}/current"))).unwrap()
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn ratings_retune_a_threshold_which_is_replayed_and_promoted() {
    let d = Dir::new("drift");
    let src = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/drift_monitoring.na"),
    )
    .unwrap();
    let (code, out, err) = d.run("drift_monitoring.na", &src);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 3, "{out}");
    let false_alarms = |l: &str| -> usize {
        l.rsplit(", ")
            .next()
            .unwrap()
            .trim_end_matches(" false")
            .parse()
            .unwrap()
    };
    // v1 raises false alarms; after the learned threshold they (almost) stop.
    assert!(false_alarms(lines[0]) >= 2, "{out}");
    assert!(false_alarms(lines[2]) <= 1, "{out}");

    assert_eq!(d.current("detect_drift"), Path::new("v2"));
    let params = d.json(".poet/detect_drift/v2/params.json");
    assert_eq!(params["learned"]["defaults"]["threshold"], 0.3, "{params}");
    let meta = d.json(".poet/detect_drift/v2/metadata.json");
    assert_eq!(meta["parent"], 1);
    assert!(
        meta["reason"].as_str().unwrap().contains("mean rating"),
        "{meta}"
    );
    // Same code, new parameters.
    assert_eq!(
        std::fs::read_to_string(d.0.join(".poet/detect_drift/v1/code.na")).unwrap(),
        std::fs::read_to_string(d.0.join(".poet/detect_drift/v2/code.na")).unwrap()
    );

    // The decisions are events, linked: requested → completed → promoted.
    let requested = d.events("enhancement.requested");
    let completed = d.events("enhancement.completed");
    let promoted = d.events("version.promoted");
    assert_eq!(
        (requested.len(), completed.len(), promoted.len()),
        (1, 1, 1)
    );
    assert_eq!(completed[0].correlation_id, requested[0].id);
    assert_eq!(promoted[0].correlation_id, requested[0].id);
    assert_eq!(
        promoted[0].causation_id.as_deref(),
        Some(completed[0].id.as_str())
    );
    assert_eq!(promoted[0].payload["to"], 2);
    // Every feedback event points at its execution.
    let executions = d.events("function.execution");
    let feedback = d.events("function.feedback");
    assert_eq!(executions.len(), 90);
    assert!(feedback.len() >= 10);
    for f in &feedback {
        let exec = executions
            .iter()
            .find(|e| e.id == f.causation_id.clone().unwrap())
            .expect("the feedback's execution");
        assert_eq!(exec.correlation_id, f.correlation_id);
        assert_eq!(exec.payload["execution_id"], f.payload["execution_id"]);
        let m = &exec.payload["metrics"];
        assert!(m["duration_ms"].as_f64().unwrap() > 0.0);
        assert!(m["memory_mb"].as_f64().unwrap() > 1.0);
        assert!(m["cpu_percent"].as_f64().is_some());
    }

    // A second run starts from the learned version.
    let (code, out2, _) = d.run("drift_monitoring.na", &src);
    assert_eq!(code, 0);
    assert!(false_alarms(out2.lines().next().unwrap()) <= 1, "{out2}");
}

const FLAKY: &str = r#"
mode = {"fail_every": 3}

@poet(retries=0, backoff=0.0, breaker={"failures": 1000, "window": 0})
def work(x: int) -> int:
    if x % mode["fail_every"] == 0:
        raise ValueError("unlucky " + str(x))
    return x

def run(n: int, start: int) -> int:
    failed = 0
    for i in range(n):
        try:
            work(start + i)
        except ValueError:
            failed += 1
    return failed

print(run(21, 1))
mode["fail_every"] = 2
print(run(24, 100))
"#;

#[test]
fn errors_add_retries_and_a_worse_promotion_is_rolled_back() {
    let d = Dir::new("rollback");
    let (code, out, err) = d.run("flaky.na", FLAKY);
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "7\n12\n");
    // 7 failures in 21 calls (> 0.2) promoted v2 with one more retry ...
    let promoted = d.events("version.promoted");
    assert_eq!(promoted.len(), 1, "{err}");
    let v2 = d.json(".poet/work/v2/params.json");
    assert_eq!(v2["learned"]["retries"], 1, "{v2}");
    // ... which then failed every second call (worse than its parent's third): back to v1.
    let rolled = d.events("version.rolled_back");
    assert_eq!(rolled.len(), 1);
    assert_eq!(
        (
            rolled[0].payload["from"].clone(),
            rolled[0].payload["to"].clone()
        ),
        (2.into(), 1.into())
    );
    assert_eq!(d.current("work"), Path::new("v1"));
}

#[test]
fn feedback_finds_its_execution_after_a_restart() {
    let d = Dir::new("restart");
    let (code, out, err) = d.run(
        "first.na",
        "@poet()\ndef inc(x: int) -> int:\n    return x + 1\n\ninc(1)\nprint(poet_last_execution(inc))\n",
    );
    assert_eq!(code, 0, "{err}");
    let exec_id = out.trim().to_string();
    assert_eq!(exec_id.len(), 36, "{out}");
    let (code, out, err) = d.run(
        "second.na",
        &format!(
            "@poet()\ndef inc(x: int) -> int:\n    return x + 1\n\n\
             print(feedback(inc, execution_id=\"{exec_id}\", rating=2, comment=\"off by one?\"))\n"
        ),
    );
    assert_eq!(code, 0, "{err}");
    let feedback = d.events("function.feedback");
    assert_eq!(feedback.len(), 1);
    assert_eq!(feedback[0].id, out.trim());
    assert_eq!(feedback[0].correlation_id, exec_id);
    let exec = d.events("function.execution");
    assert_eq!(
        feedback[0].causation_id.as_deref(),
        Some(exec[0].id.as_str())
    );
    assert_eq!(feedback[0].payload["rating"], 2);
    assert_eq!(feedback[0].payload["comments"], "off by one?");

    // Bad input is a clear error.
    let (code, _, err) = d.run(
        "bad.na",
        "@poet()\ndef inc(x: int) -> int:\n    return x + 1\n\nfeedback(inc, rating=9)\n",
    );
    assert_eq!(code, 1);
    assert!(err.contains("rating"), "{err}");
    let (code, _, err) = d.run(
        "bad2.na",
        "def g(x):\n    return x\nfeedback(g, rating=1)\n",
    );
    assert_eq!(code, 1);
    assert!(err.contains("not a @poet function"), "{err}");
}

/// Fails every third call, after a first call that prepares v1 and a pause on standard input,
/// so the test can start two processes that both serve v1 before either reaches the trigger.
const RACE: &str = r#"
@poet(retries=0, backoff=0.0, breaker={"failures": 1000, "window": 0})
def work(x: int) -> int:
    if x % 3 == 0:
        raise ValueError("unlucky " + str(x))
    return x

work(1)
go = input("ready\n")
failed = 0
for i in range(21):
    try:
        work(100 + i)
    except ValueError:
        failed += 1
print(failed)
"#;

#[test]
fn two_processes_on_one_trigger_promote_once() {
    use std::io::{BufRead, BufReader, Write};
    use std::process::Stdio;
    for round in 0..3 {
        let d = Dir::new(&format!("race-{round}"));
        std::fs::write(d.0.join("race.na"), RACE).unwrap();
        let spawn = || {
            Command::new(env!("CARGO_BIN_EXE_dana"))
                .args(["run", "race.na"])
                .current_dir(&d.0)
                .env("NO_COLOR", "1")
                .env_remove("DANA_POET_DIR")
                .env_remove("DANA_LLM_BASE_URL")
                .env_remove("DANA_LLM_PROVIDER")
                .env_remove("DANA_MOCK_LLM")
                .env_remove("OPENAI_API_KEY")
                .env_remove("ANTHROPIC_API_KEY")
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        };
        let mut children = [spawn(), spawn()];
        // Both have prepared and serve v1 ...
        let mut readers = Vec::new();
        for c in children.iter_mut() {
            let mut r = BufReader::new(c.stdout.take().unwrap());
            let mut line = String::new();
            r.read_line(&mut line).unwrap();
            assert_eq!(line, "ready\n");
            readers.push(r);
        }
        // ... then both run into the error-rate trigger at the same time.
        for c in children.iter_mut() {
            c.stdin.take().unwrap().write_all(b"go\n").unwrap();
        }
        for (c, mut r) in children.into_iter().zip(readers) {
            let mut rest = String::new();
            std::io::Read::read_to_string(&mut r, &mut rest).unwrap();
            let out = c.wait_with_output().unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert_eq!(rest, "7\n");
        }
        let mut versions: Vec<String> = std::fs::read_dir(d.0.join(".poet/work"))
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with('v'))
            .collect();
        versions.sort();
        assert_eq!(versions, ["v1", "v2"], "round {round}");
        assert_eq!(d.events("version.promoted").len(), 1, "round {round}");
        assert_eq!(d.current("work"), Path::new("v2"));
    }
}
