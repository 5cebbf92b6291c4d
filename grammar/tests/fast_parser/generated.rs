//! Programs from a small random generator (mostly valid, with odd spacing, line breaks and
//! comments inside brackets, and the occasional invalid piece): the fast parser bails or
//! agrees, and never bails on a valid program.

use super::common::Rng;
use super::{compare, mutants_per_file, Outcome};

/// Random expressions and statements from a small generator (mostly valid, with odd spacing,
/// line breaks and comments inside brackets, and the occasional invalid piece).
struct Gen {
    rng: Rng,
    out: String,
    /// Open brackets (line breaks and comments are only whitespace inside them).
    brackets: usize,
}

impl Gen {
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.rng.below(items.len())]
    }

    fn space(&mut self) {
        let s = match self.rng.below(12) {
            0..=5 => " ",
            6..=8 => "",
            9 => "  ",
            10 if self.brackets > 0 => "\n    ",
            11 if self.brackets > 0 => "  # note\n  ",
            _ => " ",
        };
        self.out.push_str(s);
    }

    fn tok(&mut self, t: &str) {
        self.out.push_str(t);
        self.space();
    }

    fn open(&mut self, t: &str) {
        self.brackets += 1;
        self.tok(t);
    }

    fn close(&mut self, t: &str) {
        self.brackets -= 1;
        self.tok(t);
    }

    fn expr(&mut self, depth: usize) {
        if depth == 0 || self.rng.below(3) == 0 {
            return self.atom();
        }
        match self.rng.below(14) {
            0 => {
                let op = self.pick(&["-", "+", "~", "not "]);
                self.tok(op);
                self.expr(depth - 1);
            }
            1..=4 => {
                self.expr(depth - 1);
                let op = self.pick(&[
                    "+", "-", "*", "/", "//", "%", "**", "|", "^", "&", "<<", ">>", "==", "!=",
                    "<", "<=", ">", ">=", " in ", " not in ", " is ", " is not ", " and ", " or ",
                ]);
                self.tok(op);
                self.expr(depth - 1);
            }
            5 => {
                self.expr(depth - 1);
                self.tok(" if ");
                self.expr(depth - 1);
                self.tok(" else ");
                self.expr(depth - 1);
            }
            6 => {
                self.open("(");
                match self.rng.below(5) {
                    0 => {}
                    1 => {
                        self.expr(depth - 1);
                        self.tok(",");
                    }
                    2 => self.list(depth - 1, 3),
                    3 => {
                        self.expr(depth - 1);
                        self.comp(depth - 1);
                    }
                    _ => self.expr(depth - 1),
                }
                self.close(")");
            }
            7 => {
                self.open("[");
                if self.rng.below(3) == 0 {
                    self.expr(depth - 1);
                    self.comp(depth - 1);
                } else {
                    self.list(depth - 1, 4);
                }
                self.close("]");
            }
            8 => {
                self.open("{");
                match self.rng.below(5) {
                    0 => self.list(depth - 1, 3),
                    1 => {
                        self.expr(depth - 1);
                        self.tok(":");
                        self.expr(depth - 1);
                        self.comp(depth - 1);
                    }
                    2 => {
                        self.open("(");
                        self.expr(depth - 1);
                        self.tok(":");
                        self.expr(depth - 1);
                        self.close(")");
                        self.comp(depth - 1);
                    }
                    _ => {
                        for i in 0..self.rng.below(4) {
                            if i > 0 {
                                self.tok(",");
                            }
                            if self.rng.below(4) == 0 {
                                self.tok("**");
                                self.expr(depth - 1);
                            } else {
                                self.expr(depth - 1);
                                self.tok(":");
                                self.expr(depth - 1);
                            }
                        }
                        if self.rng.below(3) == 0 {
                            self.tok(",");
                        }
                    }
                }
                self.close("}");
            }
            9 => {
                self.tok("lambda ");
                for i in 0..self.rng.below(4) {
                    if i > 0 {
                        self.tok(",");
                    }
                    let p =
                        self.pick(&["a", "b", "*c", "**d", "*", "e: int", "f=1", "g: str = 'x'"]);
                    self.tok(p);
                }
                self.tok(" :: ");
                self.expr(depth - 1);
            }
            10 => {
                self.atom();
                self.open("(");
                for i in 0..self.rng.below(4) {
                    if i > 0 {
                        self.tok(",");
                    }
                    let prefix = self.pick(&["", "", "*", "**", "k=", "j ="]);
                    self.tok(prefix);
                    self.expr(depth - 1);
                }
                if self.rng.below(4) == 0 {
                    self.comp(depth - 1);
                }
                self.close(")");
            }
            11 => {
                self.atom();
                self.open("[");
                for i in 0..1 + self.rng.below(2) {
                    if i > 0 {
                        self.tok(",");
                    }
                    match self.rng.below(4) {
                        0 => {
                            self.expr(depth - 1);
                            self.tok(":");
                            self.expr(depth - 1);
                        }
                        1 => self.tok("::"),
                        2 => {
                            self.tok(":");
                            self.expr(depth - 1);
                            self.tok(":");
                        }
                        _ => self.expr(depth - 1),
                    }
                }
                self.close("]");
            }
            12 => {
                self.atom();
                self.tok(".");
                let a = self.pick(&["attr", "b", "c"]);
                self.tok(a);
            }
            _ => {
                let f = self.pick(&[
                    "f'{x}'",
                    "f\"{a + b!r:>{w}}\"",
                    "f'{x=}'",
                    "f'{ {**d} }'",
                    "f'''{\n a\n}'''",
                    "'a' 'b'",
                    "'a' f'{b}'",
                    "f'{f\"{1}\"}'",
                ]);
                self.tok(f);
            }
        }
    }

    fn atom(&mut self) {
        let a = self.pick(&[
            "x",
            "y",
            "_z",
            "True",
            "None",
            "null",
            "1",
            "0",
            "2.5",
            ".5",
            "1e3",
            "0x1f",
            "1_0",
            "'s'",
            "\"t\"",
            "r'\\d'",
            "private:p",
            "local:l",
            "$$",
            "0o7",
            "1.",
            "a1",
        ]);
        self.tok(a);
    }

    fn list(&mut self, depth: usize, max: usize) {
        for i in 0..self.rng.below(max + 1) {
            if i > 0 {
                self.tok(",");
            }
            if self.rng.below(6) == 0 {
                self.tok("*");
            }
            self.expr(depth);
        }
        if self.rng.below(3) == 0 {
            self.tok(",");
        }
    }

    fn comp(&mut self, depth: usize) {
        for _ in 0..1 + self.rng.below(2) {
            self.tok(" for ");
            let t = self.pick(&["i", "i, j", "(i, j)", "i,", "*i, j", "a.b", "k[0]"]);
            self.tok(t);
            self.tok(" in ");
            self.expr(depth);
            if self.rng.below(2) == 0 {
                self.tok(" if ");
                self.expr(depth);
            }
        }
    }

    /// A statement line (or a small block).
    fn stmt(&mut self, indent: &str) {
        self.out.push_str(indent);
        match self.rng.below(10) {
            0..=3 => {
                let t = self.pick(&["v = ", "v: int = ", "v += ", "a, b = ", "v.w[0] = ", ""]);
                self.tok(t);
                self.expr(4);
            }
            4 => {
                self.tok("return ");
                self.expr(3);
            }
            5 => {
                self.tok("if ");
                self.expr(3);
                self.out.push_str(":\n");
                self.stmt(&format!("{indent}    "));
                return;
            }
            6 => {
                self.tok("for ");
                let t = self.pick(&["i", "i, j", "i,"]);
                self.tok(t);
                self.tok(" in ");
                self.expr(3);
                self.out.push_str(":\n");
                self.stmt(&format!("{indent}    "));
                return;
            }
            7 => {
                self.tok("assert ");
                self.expr(3);
                self.tok(",");
                self.expr(2);
            }
            8 => {
                self.tok("raise ");
                self.expr(2);
                self.tok(" from ");
                self.expr(2);
            }
            _ => {
                self.expr(3);
                self.tok(";");
                self.expr(3);
            }
        }
        if self.rng.below(5) == 0 {
            self.out.push_str("  # trailing");
        }
        self.out.push('\n');
    }
}

#[test]
fn generated_programs_parse_identically_or_are_left_to_pest() {
    let n = mutants_per_file() * 500;
    let mut g = Gen {
        rng: Rng(0xD1B5_4A32_D192_ED03),
        out: String::new(),
        brackets: 0,
    };
    let (mut same, mut rejected, mut bailed) = (0usize, 0usize, 0usize);
    let mut bails = Vec::new();
    for _ in 0..n {
        g.out.clear();
        g.brackets = 0;
        let pipeline = g.rng.below(8) == 0;
        if pipeline {
            g.out.push_str("def f(x) = ");
            g.expr(3);
            g.out.push_str(" | g($$, h($$)) as y\n");
        } else {
            g.out.push_str("def f():\n");
            for _ in 0..1 + g.rng.below(3) {
                g.stmt("    ");
            }
        }
        let src = g.out.clone();
        match compare("generated program", &src) {
            Outcome::Same => same += 1,
            Outcome::Rejected => rejected += 1,
            Outcome::BailedOnValid => {
                bailed += 1;
                if bails.len() < 5 {
                    bails.push(src);
                }
            }
        }
    }
    eprintln!("{n} generated programs: {same} parsed identically, {rejected} rejected, {bailed} left to pest");
    assert!(
        bails.is_empty(),
        "the fast parser bailed on {bailed} valid programs, e.g.:\n{}",
        bails.join("\n---\n")
    );
    assert!(
        same > n / 10,
        "only {same} of {n} generated programs are valid"
    );
}
