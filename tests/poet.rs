//! POET end to end through `dana run`, in temporary directories: the stored versions, the
//! cache key, argument passing, retries, timeouts, the breaker (persisted across runs), the
//! fallback and recovery from a damaged store.

use dana_interpreter::check::serde_json;
use std::path::{Path, PathBuf};
use std::process::Command;

struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Dir {
        let d = std::env::temp_dir().join(format!("dana-poet-e2e-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        Dir(d)
    }
    fn path(&self, rel: &str) -> PathBuf {
        self.0.join(rel)
    }
    fn write(&self, rel: &str, text: &str) {
        std::fs::write(self.path(rel), text).unwrap();
    }
    /// `dana ARGS…` from this directory, with the store next to the files: (exit code,
    /// stdout, stderr).
    fn dana(&self, args: &[&str]) -> (i32, String, String) {
        let out = Command::new(env!("CARGO_BIN_EXE_dana"))
            .args(args)
            .current_dir(&self.0)
            .env("NO_COLOR", "1")
            .env_remove("DANA_POET_DIR")
            .output()
            .unwrap();
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }
    fn run(&self, file: &str) -> (i32, String, String) {
        self.dana(&["run", file])
    }
    fn poet(&self, args: &[&str]) -> (i32, String, String) {
        let mut all = vec!["poet"];
        all.extend_from_slice(args);
        self.dana(&all)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn versions(fdir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(fdir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('v') && n[1..].chars().all(|c| c.is_ascii_digit()))
        .collect();
    v.sort();
    v
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

const PROFILE: &str = r#"
@poet(domain="customer_service")
def profile(name: str, age: int, height: float, tags: list[str], active: bool = True) -> str:
    return name + "|" + str(age) + "|" + str(height) + "|" + ",".join(tags) + "|" + str(active)

def plain(name: str, age: int, height: float, tags: list[str], active: bool = True) -> str:
    return name + "|" + str(age) + "|" + str(height) + "|" + ",".join(tags) + "|" + str(active)

print(profile("Ada", 36, 1.7, ["x", "y"]))
print(profile("Ada", 36, 1.7, ["x"], False) == plain("Ada", 36, 1.7, ["x"], False))
print(profile(tags=["t"], height=2.0, age=5, name="Bo") == plain("Bo", 5, 2.0, ["t"]))
print(profile("Cy", 7, height=1.25, active=False, tags=[]) == plain("Cy", 7, 1.25, [], False))
print(type(profile("a", 1, 1.0, [])))
"#;

#[test]
fn arguments_keep_their_order_and_versions_are_stored_by_cache_key() {
    let d = Dir::new("order");
    d.write("app.na", PROFILE);
    let (code, out, err) = d.run("app.na");
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "Ada|36|1.7|x,y|True\nTrue\nTrue\nTrue\nstr\n", "{err}");
    assert!(err.is_empty(), "no warnings expected: {err}");

    // The layout of POET_SPEC §5, next to the file.
    let f = d.path(".poet/profile");
    assert_eq!(versions(&f), ["v1"]);
    for file in ["code.na", "params.json", "state.json", "metadata.json"] {
        assert!(f.join("v1").join(file).is_file(), "missing {file}");
    }
    assert_eq!(
        std::fs::read_link(f.join("current")).unwrap(),
        Path::new("v1")
    );
    assert!(d.path(".poet/profile/feedback/pending").is_dir());
    assert!(d.path(".poet/events/pending").is_dir());
    let meta = json(&f.join("v1/metadata.json"));
    assert_eq!(meta["generator"], "offline");
    assert_eq!(meta["domain"], "customer_service");
    assert_eq!(meta["version"], 1);
    let code_na = std::fs::read_to_string(f.join("v1/code.na")).unwrap();
    assert!(code_na.contains("def operate(name: str, age: int, height: float, tags: list[str], active: bool = True) -> str:"), "{code_na}");
    let state = json(&f.join("v1/state.json"));
    assert_eq!(state["calls"], 5, "{state}");
    assert_eq!(state["successes"], 5, "{state}");
    let params = json(&f.join("v1/params.json"));
    assert_eq!(params["decorator"]["domain"], "customer_service");

    // Same source, same decorator: the version is reused.
    let (code, out2, _) = d.run("app.na");
    assert_eq!((code, out2.as_str()), (0, out.as_str()));
    assert_eq!(versions(&f), ["v1"]);
    assert_eq!(json(&f.join("v1/state.json"))["calls"], 10);

    // Editing the function makes v2 (parent v1); editing the decorator makes v3.
    d.write(
        "app.na",
        &PROFILE.replace("\"|\" + str(active)", "\"|\" + str(not not active)"),
    );
    assert_eq!(d.run("app.na").0, 0);
    assert_eq!(versions(&f), ["v1", "v2"]);
    let meta2 = json(&f.join("v2/metadata.json"));
    assert_eq!(meta2["parent"], 1);
    assert_ne!(meta2["cache_key"], meta["cache_key"]);
    d.write(
        "app.na",
        &PROFILE.replace(
            "domain=\"customer_service\"",
            "domain=\"customer_service\", retries=4",
        ),
    );
    assert_eq!(d.run("app.na").0, 0);
    assert_eq!(versions(&f), ["v1", "v2", "v3"]);
    assert_eq!(
        std::fs::read_link(f.join("current")).unwrap(),
        Path::new("v3")
    );

    // Going back to the first source finds v1 again by its key: no new version.
    d.write("app.na", PROFILE);
    assert_eq!(d.run("app.na").0, 0);
    assert_eq!(versions(&f), ["v1", "v2", "v3"]);
    assert_eq!(
        std::fs::read_link(f.join("current")).unwrap(),
        Path::new("v1")
    );

    // The admin commands see it.
    let (code, list, err) = d.poet(&["list"]);
    assert_eq!(code, 0, "{err}");
    assert!(list.contains("profile"), "{list}");
    let (code, diff, _) = d.poet(&["diff", "profile", "1", "2"]);
    assert_eq!(code, 0);
    assert!(diff.contains("not not active"), "{diff}");
}

#[test]
fn receiver_methods_and_different_domains() {
    let d = Dir::new("methods");
    d.write(
        "shapes.na",
        r#"
struct Rect:
    w: float
    h: float

@poet(domain="financial_risk")
def (r: Rect) area() -> float:
    return r.w * r.h

@poet(domain="ml_monitoring")
def mean(xs: list[float]) -> float:
    return sum(xs) / len(xs)

r = Rect(w=2.0, h=3.5)
print(r.area())
print(area(r))
print(mean([1.0, 2.0, 4.5]))
"#,
    );
    let (code, out, err) = d.run("shapes.na");
    assert_eq!(code, 0, "{err}");
    assert_eq!(out, "7.0\n7.0\n2.5\n");
    let area = std::fs::read_to_string(d.path(".poet/Rect.area/v1/code.na")).unwrap();
    assert!(area.contains("def operate(r: Rect) -> float:"), "{area}");
    let mean = std::fs::read_to_string(d.path(".poet/mean/v1/code.na")).unwrap();
    assert!(mean.contains("ml_monitoring") && area.contains("financial_risk"));
    assert_ne!(
        json(&d.path(".poet/mean/v1/metadata.json"))["domain"],
        json(&d.path(".poet/Rect.area/v1/metadata.json"))["domain"]
    );
}

#[test]
fn retries_timeouts_fallback_and_the_breaker_persist_across_runs() {
    let d = Dir::new("breaker");
    d.write(
        "svc.na",
        r#"
calls = {"n": 0}

@poet(retries=2, backoff=0.0, fallback="raise", breaker={"failures": 2, "cooldown": 60.0})
def flaky(x: int) -> int:
    calls["n"] += 1
    if x < 0:
        raise RuntimeError("negative")
    return x * 2

@poet(timeout=0.1, retries=0, fallback="raise")
def spin(n: int) -> int:
    while True:
        n += 1
    return n

print(flaky(4), calls["n"])
for i in range(3):
    try:
        flaky(-1)
    except RuntimeError as e:
        print(e.message.split(";")[0], calls["n"])
try:
    spin(1)
except TimeoutError as e:
    print("timeout:", e.message)
"#,
    );
    let (code, out, err) = d.run("svc.na");
    assert_eq!(code, 0, "{err}");
    // 1 call; then 2 failing calls × 3 attempts open the breaker; the third call is refused
    // without running the function.
    assert_eq!(
        out,
        "8 1\nnegative 4\nnegative 7\nthe circuit breaker of flaky is open after repeated failures 7\n\
         timeout: spin() took longer than its 0.1 s timeout\n"
    );
    let state = json(&d.path(".poet/flaky/v1/state.json"));
    assert_eq!(state["breaker"]["state"], "open", "{state}");
    assert_eq!(state["failed_stages"]["operate"], 2);
    assert_eq!(state["retries"], 4);
    let spin = json(&d.path(".poet/spin/v1/state.json"));
    assert_eq!(spin["timeouts"], 1, "{spin}");

    // The open breaker is remembered by the next process (the functions are unchanged, only
    // the top-level code differs, so the version and its breaker are the same).
    d.write(
        "svc.na",
        &std::fs::read_to_string(d.path("svc.na")).unwrap().replace(
            "print(flaky(4), calls[\"n\"])",
            "try:\n    flaky(4)\nexcept RuntimeError as e:\n    print(\"still open\")",
        ),
    );
    let (code, out, err) = d.run("svc.na");
    assert_eq!(code, 0, "{err}");
    assert!(out.starts_with("still open\n"), "{out}");
}

#[test]
fn fallback_to_the_original_and_perceive_rejections() {
    let d = Dir::new("fallback");
    d.write(
        "f.na",
        r#"
left = {"n": 3}

@poet(retries=2, backoff=0.0)
def price(q: int) -> float:
    if left["n"] > 0:
        left["n"] -= 1
        raise RuntimeError("down")
    return 2.5 * q

print(price(4))

@poet(domain="ml_monitoring", fallback="raise")
def spread(xs: list[float]) -> float:
    return max(xs) - min(xs)

print(spread([1.0, 3.0]))
for bad in [[], [1.0, float("nan")], None]:
    try:
        spread(bad)
    except ValueError as e:
        print("ValueError", "xs" in e.message)
    except TypeError as e:
        print("TypeError", "xs" in e.message)
"#,
    );
    let (code, out, err) = d.run("f.na");
    assert_eq!(code, 0, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "10.0", "{out}");
    assert_eq!(lines[1], "2.0", "{out}");
    assert_eq!(lines.len(), 5, "{out}");
    for l in &lines[2..] {
        assert!(l.ends_with("True"), "the error names the argument: {out}");
    }
    let state = json(&d.path(".poet/price/v1/state.json"));
    assert_eq!(state["fallbacks"], 1, "{state}");
    let spread = json(&d.path(".poet/spread/v1/state.json"));
    assert_eq!(spread["rejected_inputs"], 3, "{spread}");
}

/// A way to damage one file of a version.
type Damage = Box<dyn Fn(&Path)>;

#[test]
fn a_damaged_store_is_reported_and_recovered() {
    let d = Dir::new("damage");
    d.write(
        "m.na",
        "@poet()\ndef double(x: int) -> int:\n    return 2 * x\n\nprint(double(21))\n",
    );
    assert_eq!(d.run("m.na").1, "42\n");
    let v1 = d.path(".poet/double/v1");
    let cases: Vec<(&str, Damage)> = vec![
        (
            "metadata.json",
            Box::new(|p| std::fs::write(p, "{\"version\": 1, \"gen").unwrap()),
        ),
        (
            "state.json",
            Box::new(|p| std::fs::write(p, "not json").unwrap()),
        ),
        (
            "params.json",
            Box::new(|p| std::fs::remove_file(p).unwrap()),
        ),
        (
            "code.na",
            Box::new(|p| {
                std::fs::write(p, "def operate(x: int) -> int:\n    return ((\n").unwrap()
            }),
        ),
        (
            "code.na",
            Box::new(|p| {
                std::fs::write(p, "def perceive(x: int) -> dict:\n    return {\"x\": x}\n").unwrap()
            }),
        ),
    ];
    for (i, (file, damage)) in cases.iter().enumerate() {
        // Damage the current version, run again: same output, a warning naming the file, and a
        // new good version.
        let cur = std::fs::read_link(d.path(".poet/double/current")).unwrap();
        let dir = d.path(".poet/double").join(&cur);
        damage(&dir.join(file));
        let (code, out, err) = d.run("m.na");
        assert_eq!((code, out.as_str()), (0, "42\n"), "case {i}: {err}");
        assert!(
            err.contains(file) || err.contains("code.na"),
            "case {i}: {err}"
        );
        let now = std::fs::read_link(d.path(".poet/double/current")).unwrap();
        assert_ne!(now, cur, "case {i}: a new version replaces the damaged one");
    }
    assert!(v1.exists());
    // A dangling `current`.
    let cur = std::fs::read_link(d.path(".poet/double/current")).unwrap();
    std::fs::remove_dir_all(d.path(".poet/double").join(&cur)).unwrap();
    let (code, out, err) = d.run("m.na");
    assert_eq!((code, out.as_str()), (0, "42\n"), "{err}");
    assert!(err.contains("current"), "{err}");
}

#[test]
fn decorator_errors_point_at_the_decorator() {
    let d = Dir::new("errors");
    d.write(
        "e.na",
        "@poet(domain=\"ml_monitorng\")\ndef f(x: int) -> int:\n    return x\n",
    );
    let (code, _, err) = d.run("e.na");
    assert_eq!(code, 1);
    assert!(
        err.contains("ml_monitoring") && err.contains("e.na:1:1"),
        "{err}"
    );
    d.write(
        "e.na",
        "@poet(retires=3)\ndef f(x: int) -> int:\n    return x\n",
    );
    let (code, _, err) = d.run("e.na");
    assert_eq!(code, 1);
    assert!(err.contains("did you mean 'retries'"), "{err}");
    d.write("e.na", "x = poet(1)\n");
    let (code, _, err) = d.run("e.na");
    assert_eq!(code, 1);
    assert!(err.contains("decorates a function"), "{err}");
}

#[test]
fn the_example_shows_retries_timeout_breaker_and_fallback() {
    let d = Dir::new("example");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/poet_basics.na");
    std::fs::copy(&src, d.path("poet_basics.na")).unwrap();
    let (code, out, err) = d.run("poet_basics.na");
    assert_eq!(code, 0, "{err}");
    let expected = std::fs::read_to_string(src.with_extension("out")).unwrap();
    assert_eq!(out, expected);
    let (code, list, _) = d.poet(&["list", "--json"]);
    assert_eq!(code, 0);
    for f in [
        "fetch_status",
        "unit_price",
        "triangle",
        "parse_amount",
        "greeting",
    ] {
        assert!(list.contains(f), "{f} missing from {list}");
    }
    // `greeting(visits=1, name="Linus")` leaves out a defaulted argument: the stages still run
    // (no rejection, no fallback).
    let g = json(&d.path(".poet/greeting/v1/state.json"));
    assert_eq!(
        (&g["successes"], &g["fallbacks"], &g["rejected_inputs"]),
        (&2.into(), &0.into(), &0.into()),
        "{g}"
    );
}
