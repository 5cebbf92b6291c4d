//! Helpers shared by the grammar tests: parse-or-panic wrappers, a byte offset → line:column
//! converter, and a compact S-expression printer so expected AST shapes fit on one line.
#![allow(dead_code)]

use dana_grammar::ast::*;
use dana_grammar::{parse_expr, parse_module, SyntaxError};
use dana_grammar::{
    parse_expr_fast, parse_expr_reference, parse_module_fast, parse_module_reference,
};

/// Checks the fast parser against the pest path on `src`: the same tree when the reference
/// parses it, a bail when the reference rejects it. Every helper below runs it, so each test
/// input is also a differential test.
pub fn cross_check(src: &str) {
    agree("", src, parse_module_reference(src), parse_module_fast(src));
}

/// [`cross_check`] for `parse_expr`.
pub fn cross_check_expr(src: &str) {
    agree(
        "the expression ",
        src,
        parse_expr_reference(src),
        parse_expr_fast(src),
    );
}

/// Panics unless the fast result (`None`: bailed) agrees with the reference on `src`.
fn agree<T: PartialEq + std::fmt::Debug>(
    what: &str,
    src: &str,
    reference: Result<T, SyntaxError>,
    fast: Option<T>,
) {
    match (reference, fast) {
        (Ok(r), Some(f)) => assert_eq!(r, f, "fast and reference ASTs differ for {src:?}"),
        (Err(e), Some(_)) => panic!(
            "the fast parser accepted {what}{src:?}, which the reference rejects ({})",
            e.message
        ),
        _ => {}
    }
}

/// A small deterministic PRNG (xorshift64) for generated and mutated test inputs.
pub struct Rng(pub u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A number below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// 1-based line and 1-based column (in characters) of a byte offset.
pub fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let before = &src[..offset.min(src.len())];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let col = before[line_start..].chars().count() + 1;
    (line, col)
}

/// `(line, col)` of both ends of a span.
pub fn lc(src: &str, span: Span) -> ((usize, usize), (usize, usize)) {
    (
        line_col(src, span.start as usize),
        line_col(src, span.end as usize),
    )
}

/// The source text a span covers.
pub fn text(src: &str, span: Span) -> &str {
    &src[span.range()]
}

pub fn module(src: &str) -> Module {
    cross_check(src);
    match parse_module(src) {
        Ok(m) => m,
        Err(e) => panic!(
            "parse failed: {} at {:?} ({:?}) label={:?} help={:?}\n--- source ---\n{src}",
            e.message,
            e.span,
            line_col(src, e.span.start as usize),
            e.label,
            e.help
        ),
    }
}

pub fn expr_ast(src: &str) -> Expr {
    cross_check_expr(src);
    match parse_expr(src) {
        Ok(e) => e,
        Err(e) => panic!(
            "parse_expr failed: {} at {:?} for {src:?}",
            e.message, e.span
        ),
    }
}

/// The S-expression of a single expression.
pub fn ex(src: &str) -> String {
    sx(&expr_ast(src))
}

/// The S-expressions of a module's statements, one per line.
pub fn st(src: &str) -> String {
    module(src)
        .body
        .iter()
        .map(sx_stmt)
        .collect::<Vec<_>>()
        .join("\n")
}

pub fn err(src: &str) -> SyntaxError {
    cross_check(src);
    match parse_module(src) {
        Ok(m) => panic!("expected a syntax error for {src:?}, got {m:#?}"),
        Err(e) => e,
    }
}

pub fn expr_err(src: &str) -> SyntaxError {
    cross_check_expr(src);
    match parse_expr(src) {
        Ok(e) => panic!("expected a syntax error for {src:?}, got {}", sx(&e)),
        Err(e) => e,
    }
}

fn list(items: &[Expr]) -> String {
    items.iter().map(sx).collect::<Vec<_>>().join(" ")
}

pub fn sx(e: &Expr) -> String {
    match &e.kind {
        ExprKind::Int(v) => v.to_string(),
        ExprKind::BigInt(d) => format!("big:{d}"),
        ExprKind::Float(f) => format!("{f:?}"),
        ExprKind::Str(s) => format!("{s:?}"),
        ExprKind::Bool(b) => if *b { "True" } else { "False" }.into(),
        ExprKind::None => "None".into(),
        ExprKind::FString(parts) => format!("(f {})", fparts(parts)),
        ExprKind::Name { scope, name } => match scope {
            None => name.to_string(),
            Some(s) => format!("{}:{name}", format!("{s:?}").to_lowercase()),
        },
        ExprKind::Placeholder => "$$".into(),
        ExprKind::List(items) => format!("[{}]", list(items)),
        ExprKind::Tuple(items) => format!("(tuple {})", list(items)).replace(" )", ")"),
        ExprKind::Set(items) => format!("{{set {}}}", list(items)),
        ExprKind::Dict(pairs) => format!(
            "{{dict{}}}",
            pairs
                .iter()
                .map(|(k, v)| format!(" ({} {})", sx(k), sx(v)))
                .collect::<String>()
        ),
        ExprKind::ListComp { elt, gens } => format!("(listcomp {}{})", sx(elt), comps(gens)),
        ExprKind::SetComp { elt, gens } => format!("(setcomp {}{})", sx(elt), comps(gens)),
        ExprKind::DictComp { key, value, gens } => {
            format!("(dictcomp {} {}{})", sx(key), sx(value), comps(gens))
        }
        ExprKind::Lambda(l) => match &l.receiver {
            Some(r) => format!(
                "(lambda [{}] ({}) {})",
                params(std::slice::from_ref(r)),
                params(&l.params),
                sx(&l.body)
            ),
            None => format!("(lambda ({}) {})", params(&l.params), sx(&l.body)),
        },
        ExprKind::IfExp { test, body, orelse } => {
            format!("(if {} {} {})", sx(test), sx(body), sx(orelse))
        }
        ExprKind::And(a, b) => format!("(and {} {})", sx(a), sx(b)),
        ExprKind::Or(a, b) => format!("(or {} {})", sx(a), sx(b)),
        ExprKind::Not(a) => format!("(not {})", sx(a)),
        ExprKind::Unary(op, a) => {
            let o = match op {
                UnaryOp::Neg => "neg",
                UnaryOp::Pos => "pos",
                UnaryOp::Invert => "inv",
            };
            format!("({o} {})", sx(a))
        }
        ExprKind::Binary(op, a, b) => format!("({} {} {})", op.symbol(), sx(a), sx(b)),
        ExprKind::Compare { left, ops } => format!(
            "(cmp {}{})",
            sx(left),
            ops.iter()
                .map(|(o, r)| format!(" {} {}", o.symbol(), sx(r)))
                .collect::<String>()
        ),
        ExprKind::Call { func, args } => {
            let mut s = format!("(call {}", sx(func));
            for a in args {
                s.push(' ');
                s.push_str(&arg(a));
            }
            s.push(')');
            s
        }
        ExprKind::Attribute { value, attr } => format!("(. {} {})", sx(value), attr.name),
        ExprKind::Index { value, index } => format!("(idx {} {})", sx(value), sx(index)),
        ExprKind::Slice { lower, upper, step } => {
            let o = |x: &Option<Box<Expr>>| x.as_ref().map_or("_".to_string(), |e| sx(e));
            format!("(slice {} {} {})", o(lower), o(upper), o(step))
        }
        ExprKind::Starred(a) => format!("*{}", sx(a)),
        ExprKind::NamedExpr { target, value } => format!("(:= {} {})", sx(target), sx(value)),
    }
}

pub fn arg(a: &Arg) -> String {
    match &a.kind {
        ArgKind::Positional(e) => sx(e),
        ArgKind::Keyword(k, v) => format!("{}={}", k.name, sx(v)),
        ArgKind::Star(e) => format!("*{}", sx(e)),
        ArgKind::StarStar(e) => format!("**{}", sx(e)),
    }
}

fn fparts(parts: &[FPart]) -> String {
    parts
        .iter()
        .map(|p| match p {
            FPart::Lit(s) => format!("{s:?}"),
            FPart::Expr {
                expr,
                conversion,
                spec,
                debug_text,
            } => {
                let mut s = format!("{{{}", sx(expr));
                if let Some(d) = debug_text {
                    s.push_str(&format!(" debug={d:?}"));
                }
                if let Some(c) = conversion {
                    s.push_str(&format!(" !{c}"));
                }
                if let Some(sp) = spec {
                    s.push_str(&format!(" :{}", fparts(sp)));
                }
                s.push('}');
                s
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn comps(gens: &[Comprehension]) -> String {
    gens.iter()
        .map(|g| {
            let mut s = format!(" (for {} {}", sx(&g.target), sx(&g.iter));
            for i in &g.ifs {
                s.push_str(&format!(" (if {})", sx(i)));
            }
            s.push(')');
            s
        })
        .collect()
}

pub fn ty(t: &TypeExpr) -> String {
    match &t.kind {
        TypeExprKind::Name(n) => n.to_string(),
        TypeExprKind::None => "None".into(),
        TypeExprKind::Generic(n, args) => format!(
            "{n}[{}]",
            args.iter().map(ty).collect::<Vec<_>>().join(", ")
        ),
        TypeExprKind::Union(alts) => alts.iter().map(ty).collect::<Vec<_>>().join("|"),
    }
}

pub fn param(p: &Param) -> String {
    let mut s = match p.kind {
        ParamKind::Normal => String::new(),
        ParamKind::VarArgs => "*".into(),
        ParamKind::KwArgs => "**".into(),
    };
    s.push_str(p.name.name.as_str());
    if let Some(a) = &p.ann {
        s.push(':');
        s.push_str(&ty(a));
    }
    if let Some(d) = &p.default {
        s.push('=');
        s.push_str(&sx(d));
    }
    s
}

fn params(ps: &[Param]) -> String {
    ps.iter().map(param).collect::<Vec<_>>().join(" ")
}

fn block(stmts: &[Stmt]) -> String {
    format!(
        "[{}]",
        stmts.iter().map(sx_stmt).collect::<Vec<_>>().join(" ")
    )
}

pub fn sx_def(d: &FunctionDef) -> String {
    let mut s = String::from("(def ");
    for deco in &d.decorators {
        s.push('@');
        s.push_str(&sx(&deco.func));
        if let Some(args) = &deco.args {
            s.push_str(&format!(
                "({})",
                args.iter().map(arg).collect::<Vec<_>>().join(" ")
            ));
        }
        s.push(' ');
    }
    if d.is_sync {
        s.push_str("sync ");
    }
    if let Some(r) = &d.receiver {
        s.push_str(&format!("<{}> ", param(r)));
    }
    s.push_str(d.name.name.as_str());
    s.push_str(&format!(" ({})", params(&d.params)));
    if let Some(r) = &d.returns {
        s.push_str(&format!(" -> {}", ty(r)));
    }
    match &d.body {
        FuncBody::Block(b) => {
            s.push(' ');
            s.push_str(&block(b));
        }
        FuncBody::Pipeline(p) => {
            s.push_str(" = ");
            s.push_str(&stages(&p.stages));
        }
    }
    s.push(')');
    s
}

fn stages(st: &[PipeStage]) -> String {
    st.iter()
        .map(|s| {
            let mut out = match &s.kind {
                PipeStageKind::Expr(e) => sx(e),
                PipeStageKind::FanOut(inner) => format!("[{}]", stages(inner).replace(" | ", ", ")),
            };
            if let Some(c) = &s.capture {
                out.push_str(&format!(" as {}", c.name));
            }
            out
        })
        .collect::<Vec<_>>()
        .join(" | ")
}

fn fields(fs: &[FieldDef]) -> String {
    fs.iter()
        .map(|f| {
            let mut s = f.name.name.to_string();
            if let Some(a) = &f.ann {
                s.push_str(&format!(":{}", ty(a)));
            }
            if let Some(d) = &f.default {
                s.push_str(&format!("={}", sx(d)));
            }
            if let Some(c) = &f.comment {
                s.push_str(&format!(" #{c:?}"));
            }
            s
        })
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn sx_stmt(s: &Stmt) -> String {
    match &s.kind {
        StmtKind::Expr(e) => sx(e),
        StmtKind::Assign { targets, value } => format!("(= {} {})", list(targets), sx(value)),
        StmtKind::TypedAssign { target, ann, value } => match value {
            Some(v) => format!("(typed {} {} {})", sx(target), ty(ann), sx(v)),
            None => format!("(typed {} {})", sx(target), ty(ann)),
        },
        StmtKind::AugAssign { target, op, value } => {
            format!("({}= {} {})", op.symbol(), sx(target), sx(value))
        }
        StmtKind::If { cond, body, orelse } => {
            format!("(if {} {} {})", sx(cond), block(body), block(orelse))
        }
        StmtKind::While { cond, body, orelse } => {
            format!("(while {} {} {})", sx(cond), block(body), block(orelse))
        }
        StmtKind::For {
            target,
            iter,
            body,
            orelse,
        } => format!(
            "(for {} {} {} {})",
            sx(target),
            sx(iter),
            block(body),
            block(orelse)
        ),
        StmtKind::FunctionDef(d) => sx_def(d),
        StmtKind::Return(v) => match v {
            Some(v) => format!("(return {})", sx(v)),
            None => "(return)".into(),
        },
        StmtKind::Pass => "pass".into(),
        StmtKind::Break => "break".into(),
        StmtKind::Continue => "continue".into(),
        StmtKind::Try {
            body,
            handlers,
            orelse,
            finalbody,
        } => {
            let hs = handlers
                .iter()
                .map(|h| {
                    format!(
                        "(except {}{} {})",
                        h.types.as_ref().map_or("_".into(), sx),
                        h.name.map_or(String::new(), |n| format!(" as {}", n.name)),
                        block(&h.body)
                    )
                })
                .collect::<Vec<_>>()
                .join(" ");
            format!(
                "(try {} {} else {} finally {})",
                block(body),
                hs,
                block(orelse),
                block(finalbody)
            )
        }
        StmtKind::Raise { exc, cause } => {
            let mut s = "(raise".to_string();
            if let Some(e) = exc {
                s.push_str(&format!(" {}", sx(e)));
            }
            if let Some(c) = cause {
                s.push_str(&format!(" from {}", sx(c)));
            }
            s.push(')');
            s
        }
        StmtKind::Assert { test, msg } => match msg {
            Some(m) => format!("(assert {} {})", sx(test), sx(m)),
            None => format!("(assert {})", sx(test)),
        },
        StmtKind::Import { path, alias } => format!(
            "(import {}{})",
            path.iter()
                .map(|i| i.name.as_str())
                .collect::<Vec<_>>()
                .join("."),
            alias.map_or(String::new(), |a| format!(" as {}", a.name))
        ),
        StmtKind::FromImport {
            level,
            path,
            names,
            star,
        } => {
            let names = if *star {
                "*".to_string()
            } else {
                names
                    .iter()
                    .map(|n| match n.alias {
                        Some(a) => format!("{} as {}", n.name.name, a.name),
                        None => n.name.name.to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            format!(
                "(from {}{} import {names})",
                ".".repeat(*level as usize),
                path.iter()
                    .map(|i| i.name.as_str())
                    .collect::<Vec<_>>()
                    .join(".")
            )
        }
        StmtKind::Struct(d) => format!(
            "(struct {} doc={:?} fields=[{}] methods=[{}])",
            d.name.name,
            d.docstring,
            fields(&d.fields),
            d.methods.iter().map(sx_def).collect::<Vec<_>>().join(" ")
        ),
        StmtKind::Interface(d) => format!(
            "(interface {} doc={:?} methods=[{}] embeds=[{}])",
            d.name.name,
            d.docstring,
            d.methods
                .iter()
                .map(|m| {
                    let mut s = format!("{}({})", m.name.name, params(&m.params));
                    if let Some(r) = &m.returns {
                        s.push_str(&format!(" -> {}", ty(r)));
                    }
                    s
                })
                .collect::<Vec<_>>()
                .join(", "),
            d.embeds
                .iter()
                .map(|e| e.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        StmtKind::With { items, body } => format!(
            "(with {} {})",
            items
                .iter()
                .map(|i| match &i.target {
                    Some(t) => format!("({} as {})", sx(&i.context), sx(t)),
                    None => sx(&i.context),
                })
                .collect::<Vec<_>>()
                .join(" "),
            block(body)
        ),
        StmtKind::Niche(d) => format!(
            "({:?} {} doc={:?} fields=[{}] methods=[{}])",
            d.kind,
            d.name.name,
            d.docstring,
            fields(&d.fields),
            d.methods.iter().map(sx_def).collect::<Vec<_>>().join(" ")
        ),
        StmtKind::Delete(targets) => format!("(del {})", list(targets)),
        StmtKind::Global(names) | StmtKind::Nonlocal(names) => format!(
            "({} {})",
            if matches!(s.kind, StmtKind::Global(_)) {
                "global"
            } else {
                "nonlocal"
            },
            names
                .iter()
                .map(|n| n.name.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        ),
    }
}
