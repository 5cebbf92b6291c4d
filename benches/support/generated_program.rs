// The parse benchmark's generated Dana program: `generate(lines)` gives realistic code
// (structs with receiver methods, loops, comprehensions, f-strings with format specs, lambdas,
// try/except, dicts and sets), section after section, cut to exactly `lines` lines.
//
// Included with `include!` by `benches/parse.rs` (which parses and loads it) and by
// `grammar/tests/fast_parser/` (which checks that both parsers build the same tree for it),
// so that both use the same program. A plain file of items, not a module: no inner attributes.

/// One section of realistic Dana code: a struct with a receiver method, functions with loops,
/// comprehensions, f-strings with format specs, lambdas, try/except, dicts and sets.
fn section(out: &mut String, i: usize) {
    use std::fmt::Write as _;
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
