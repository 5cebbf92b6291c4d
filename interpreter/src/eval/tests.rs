//! Tests of the evaluator's fast paths: each must give what the general path gives, errors
//! included.

use super::{Interp, Output};

/// The printed output of a program, or the error's kind and message.
fn run(src: &str) -> String {
    let mut it = Interp::new();
    it.set_output(Output::Capture(String::new()));
    let g = it.new_globals("__main__", None);
    match it.run_source("<test>", src, &g) {
        Ok(_) => it.take_output(),
        Err(e) => format!("{}: {}", e.kind, e.message),
    }
}

#[test]
fn float_field_updates_keep_the_field_checks() {
    let src = "\
struct P:
    x: float
    n: int
    u: float | str
    a = 1.0
p = P(x=1.0, n=2, u=1.5)
p.x += 0.5
p.x *= 2.0
p.a -= 0.25
p.u += 1.0
print(p.x, p.a, p.u)
p.x += 1
print(p.x)
p.n *= 2
print(p.n)
try:
    p.n += 0.5
except TypeError as e:
    print('TypeError', e)
print(p.n)
";
    assert_eq!(
        run(src),
        "3.0 0.75 2.5\n4.0\n4\nTypeError P.n must be int, got float\n4\n"
    );
}

#[test]
fn float_arithmetic_inline_and_its_errors() {
    assert_eq!(
        run("print(1.5 / 0.5, 2.0 - 0.5, 0.1 + 0.2, 3.0 * 1.5, -0.0 * 1.0)\n"),
        "3.0 1.5 0.30000000000000004 4.5 -0.0\n"
    );
    assert_eq!(
        run("x = 1.0\ny = 0.0\nprint(x / y)\n"),
        "ZeroDivisionError: float division by zero"
    );
}

#[test]
fn slices_of_lists_and_characters_of_strings() {
    let src = "\
xs = [0, 1, 2, 3, 4]
ys = xs[:]
ys[0] = 9
xs[:3] = xs[2::-1]
print(xs, ys, xs[3:1:-1], xs[::-1])
s = 'héllo'
t = 'hello'
print(s[0], s[1], s[4], t[1], t[-1], t[1] == 'e')
";
    assert_eq!(
        run(src),
        "[2, 1, 0, 3, 4] [9, 1, 2, 3, 4] [3, 0] [4, 3, 0, 1, 2]\nh é o e o True\n"
    );
}

#[test]
fn conditions_on_fields_read_their_truth() {
    let src = "\
struct T:
    on: bool
    items: list
    name: str | None = None
def check(t: T) -> str:
    out = ''
    if t.on:
        out += 'on '
    if not t.on:
        out += 'off '
    if t.items:
        out += 'items '
    if t.name:
        out += 'name '
    while t.on and t.items:
        t.items.pop()
    return out + str(len(t.items))
print(check(T(on=True, items=[1, 2], name='x')))
print(check(T(on=False, items=[], name='')))
print(check(T(on=False, items=[3])))
";
    assert_eq!(run(src), "on items name 0\noff 0\noff items 1\n");
}

#[test]
fn a_dict_display_has_the_room_of_its_hash_table() {
    use crate::value::data::{dict_with_room, Key};
    use crate::value::Value;
    let mut last = 0;
    for n in 0..200 {
        let mut d = dict_with_room(n);
        // The entries and the table have the same room (the capacity is the smaller of
        // the two, and the table's is never below what was asked), at least n, growing
        // with n.
        let room = d.capacity();
        assert!(room >= n && room >= last, "{n}");
        last = room;
        for i in 0..room {
            d.insert(Key(Value::Int(i as i64)), Value::None);
        }
        assert_eq!(d.capacity(), room, "{n}");
    }
}

#[test]
fn a_budget_given_later_is_named_as_given() {
    let mut it = Interp::new();
    it.set_output(Output::Capture(String::new()));
    let g = it.new_globals("__main__", None);
    // Operations already counted before the budget is given do not show in its error.
    let spend = "n = 0\nfor i in range(100000):\n    n += 1\n";
    assert!(it.run_source("<test>", spend, &g).is_ok());
    for _ in 0..2 {
        let err = it
            .with_limits(None, Some(5000), |it| {
                it.run_source("<test>", "while True:\n    pass\n", &g)
            })
            .err()
            .map(|e| format!("{}: {}", e.kind, e.message));
        assert_eq!(
            err.as_deref(),
            Some("LimitError: operation budget of 5000 exhausted")
        );
        // An outer budget that is tighter is the one named.
        let err = it
            .with_limits(None, Some(3000), |it| {
                it.with_limits(None, Some(1_000_000), |it| {
                    it.run_source("<test>", "while True:\n    pass\n", &g)
                })
            })
            .err()
            .map(|e| format!("{}: {}", e.kind, e.message));
        assert_eq!(
            err.as_deref(),
            Some("LimitError: operation budget of 3000 exhausted")
        );
    }
}
