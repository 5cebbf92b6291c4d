use std::fmt::Write;
pub fn sample() -> String {
    let chunk = r#"
# A chunk of typical Dana code.
import math
from .util import helper, other as o

struct Point:
    """A point in the plane."""
    x: float = 0.0  # horizontal
    y: float = 0.0  # vertical

def (p: Point) norm() -> float:
    return math.sqrt(p.x ** 2 + p.y ** 2)

def classify(values: list[int], limit: int = 10) -> dict[str, int]:
    counts = {"small": 0, "large": 0}
    for v in values:
        if v < limit and v >= 0:
            counts["small"] += 1
        elif v > limit * 2:
            counts["large"] += 1
        else:
            pass
    total = sum([c for c in counts.values() if c > 0])
    print(f"total={total} ratio={total / (len(values) + 1):.2f}")
    return counts

def clean(t: str) -> str = strip_it | lower_it | tag("x")

result = classify([1, 2, 3, 40, 50], limit=5)
private:state = {"step": 1, "name": 'demo', "items": [1, 2, 3]}
message = "done" if result["small"] > 1 else "empty"
try:
    value = int("42")
except (ValueError, TypeError) as e:
    log(f"bad value: {e}", level="warn")
"#;
    let mut s = String::new();
    while s.lines().count() < 5000 {
        s.push_str(chunk);
    }
    s
}
#[test]
fn bench() {
    let src = sample();
    let n: u32 = std::env::var("N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20);
    let _ = dana_grammar::parse_module(&src).unwrap();
    let t = std::time::Instant::now();
    for _ in 0..n {
        let m = dana_grammar::parse_module(&src).unwrap();
        std::hint::black_box(m);
    }
    let el = t.elapsed() / n;
    println!(
        "BENCH {} bytes {} lines in {:?} => {:.1} MB/s",
        src.len(),
        src.lines().count(),
        el,
        src.len() as f64 / el.as_secs_f64() / 1e6
    );
}
#[repr(C)]
struct Ts {
    s: i64,
    ns: i64,
}
extern "C" {
    fn clock_gettime(id: i32, ts: *mut Ts) -> i32;
}
fn cpu() -> f64 {
    let mut t = Ts { s: 0, ns: 0 };
    unsafe { clock_gettime(3, &mut t) };
    t.s as f64 + t.ns as f64 * 1e-9
}
#[test]
fn cpu_split() {
    let src = std::fs::read_to_string("/tmp/lead_bench.na").unwrap_or_else(|_| sample());
    let n = 30;
    let _ = dana_grammar::__timings(&src);
    let c0 = cpu();
    let mut tot = [std::time::Duration::ZERO; 3];
    for _ in 0..n {
        let t = dana_grammar::__timings(&src);
        for i in 0..3 {
            tot[i] += t[i];
        }
    }
    let c1 = cpu();
    let per = (c1 - c0) / n as f64;
    let wall: f64 = tot.iter().map(|d| d.as_secs_f64()).sum::<f64>() / n as f64;
    let f = per / wall;
    println!("CPU {} bytes: total {:.2}ms cpu => {:.1} MB/s | layout {:.2} pest {:.2} build {:.2} (ms, cpu-scaled)", src.len(), per*1e3, src.len() as f64 / per / 1e6,
        tot[0].as_secs_f64()/n as f64*f*1e3, tot[1].as_secs_f64()/n as f64*f*1e3, tot[2].as_secs_f64()/n as f64*f*1e3);
}
#[test]
fn split() {
    let src = sample();
    let mut tot = [std::time::Duration::MAX; 3];
    for _ in 0..30 {
        let t = dana_grammar::__timings(&src);
        for i in 0..3 {
            tot[i] = tot[i].min(t[i]);
        }
    }
    println!(
        "SPLIT(min) layout {:?} pest {:?} build {:?}",
        tot[0], tot[1], tot[2]
    );
}
#[test]
fn dump() {
    std::fs::write("/tmp/sample.na", sample()).unwrap();
}

/// One section of realistic Dana code: a struct with a receiver method, functions with loops,
/// comprehensions, f-strings with format specs, lambdas, try/except, dicts and sets.
fn section(out: &mut String, i: usize) {
    write!(
        out,
        r#"
# ---- section {i}: an inventory of items ----
struct Item{i}:
    """An item on a shelf (section {i})."""
    name: str
    qty: int = 0  # units on hand
    price: float = 1.5
    tags: list[str] = []

def (it: Item{i}) total() -> float:
    return it.qty * it.price

def (it: Item{i}) label(width: int = 12) -> str:
    return f"{{it.name:<12}} x{{it.qty:>4}} @ {{it.price:.2f}}"

def make_items_{i}(n: int) -> list:
    """Builds n items with varied quantities."""
    items = []
    for k in range(n):
        items.append(Item{i}(name=f"item-{i}-{{k}}", qty=k % 7, price=k * 0.5 + {i}))
    return items

def summarize_{i}(items: list, limit: float = 10.0) -> dict:
    totals = {{it.name: it.total() for it in items if it.qty > 0}}
    big = [name for name, t in totals.items() if t > limit]
    count = 0
    while count < len(big):
        if count % 2 == 0:
            log(f"big item {{big[count]!r}} at {{count:>4}}", "info")
        elif count % 3 == 0:
            pass
        else:
            count += 1
            continue
        count += 1
    try:
        ratio = len(big) / len(totals)
    except ZeroDivisionError as e:
        ratio = 0.0
    finally:
        done = True
    return {{"count": len(big), "ratio": f"{{ratio:.1%}}", "keys": sorted(big, key=lambda s :: len(s), reverse=True)}}

def check_{i}(x: int | None = None, *rest, **opts) -> bool:
    assert x is None or x >= 0, f"negative: {{x}}"
    scale = lambda a, b: int = 2 :: a * b + {i}
    values = [scale(v) for v in range(10) if v not in {{3, 5}}]
    pairs = {{(k: v) for k, v in enumerate(values)}}
    a, (b, c) = 1, (2, 3)
    values[0] += a + b * c - (7 // 2) ** 2
    return any([v > 100 for v in values]) and not all([v < 0 for v in pairs.values()])
"#
    )
    .expect("writing to a String");
}

/// A Dana program of exactly `lines` lines.
fn generate(lines: usize) -> String {
    let mut out = String::from("# Generated for the parse benchmark: realistic Dana code.\n");
    let mut i = 0;
    while out.lines().count() < lines {
        section(&mut out, i);
        i += 1;
    }
    let mut text: String = out.lines().take(lines).collect::<Vec<_>>().join("\n");
    text.push('\n');
    text
}

#[test]
fn dump_lead() {
    std::fs::write("/tmp/lead_bench.na", generate(5000)).unwrap();
}
#[test]
fn micro() {
    let cases = [
        ("x = y", "x = y\n"),
        ("long idents", "abcdefghijkl = mnopqrstuvwx\n"),
        ("binops", "x = a + b * c - d\n"),
        ("call", "f(a, b, c)\n"),
        ("attr call", "x = a.b(c).d\n"),
        ("string", "x = \"hello world string\"\n"),
        ("fstring", "x = f\"a {b} c {d:>4}\"\n"),
        ("number", "x = 12345\n"),
        ("pass", "pass\n"),
        ("return", "def f():\n    return a\n"),
        ("if", "if a:\n    b\n"),
        ("list", "x = [a, b, c, d]\n"),
        ("dict", "x = {\"a\": 1, \"b\": 2}\n"),
        ("comment", "# just a comment line here\n"),
        ("blank", "\n"),
    ];
    for (name, line) in cases {
        let src = line.repeat(40_000 / line.len().max(1) * 4);
        let n = 5;
        let _ = dana_grammar::__timings(&src);
        let c0 = cpu();
        let mut tot = [std::time::Duration::ZERO; 3];
        for _ in 0..n {
            let t = dana_grammar::__timings(&src);
            for i in 0..3 {
                tot[i] += t[i];
            }
        }
        let per = (cpu() - c0) / n as f64;
        let wall: f64 = tot.iter().map(|d| d.as_secs_f64()).sum::<f64>() / n as f64;
        let f = per / wall;
        let lines = src.len() / line.len();
        println!(
            "{name:12} {:6.1} MB/s | per line: pest {:6.0}ns build {:6.0}ns ({} bytes/line)",
            src.len() as f64 / per / 1e6,
            tot[1].as_secs_f64() / n as f64 * f * 1e9 / lines as f64,
            tot[2].as_secs_f64() / n as f64 * f * 1e9 / lines as f64,
            line.len()
        );
    }
}
