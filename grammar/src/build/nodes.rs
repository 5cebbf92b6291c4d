//! The AST nodes whose span or shape follows a rule, built the same way by both parsers: statements
//! (assignments, compound statements and their spans, which end at their last body statement;
//! `import` statements; struct, niche and interface statements), `def` statements and their spans,
//! interface method signatures, decorators and their dotted names, parameters, union and generic
//! types, pipelines and their stages, docstrings, struct fields and the members of struct-like
//! blocks, generator arguments and `**m` dict entries. Changing one of these spans is an edit here.

use super::checks::{check_param, check_target};
use super::kit::{boxed, Result};
use crate::ast::*;

/// `del t1, t2, …`, each target checked; the statement ends with its last target.
pub(crate) fn delete_node(targets: Vec<Expr>) -> Result<(StmtKind, u32)> {
    for t in &targets {
        super::checks::check_del_target(t)?;
    }
    let end = targets.last().map_or(0, |t| t.span.end);
    Ok((StmtKind::Delete(targets), end))
}

/// `global a, b` (`global`: true) or `nonlocal a, b`; the statement ends with its last name.
pub(crate) fn scope_decl_node(global: bool, names: Vec<Ident>) -> (StmtKind, u32) {
    let end = names.last().map_or(0, |n| n.span.end);
    let kind = if global {
        StmtKind::Global(names)
    } else {
        StmtKind::Nonlocal(names)
    };
    (kind, end)
}

/// `target: ann [= value]` (the target already checked with [`single_target`]).
#[inline]
pub(crate) fn typed_assign_node(
    target: Expr,
    ann: TypeExpr,
    value: Option<Expr>,
) -> (StmtKind, u32) {
    let end = value.as_ref().map_or(ann.span.end, |v| v.span.end);
    (StmtKind::TypedAssign { target, ann, value }, end)
}

/// `target op= value` (the target already checked with [`single_target`]).
#[inline]
pub(crate) fn aug_assign_node(target: Expr, op: BinOp, value: Expr) -> (StmtKind, u32) {
    let end = value.span.end;
    (StmtKind::AugAssign { target, op, value }, end)
}

/// `t1 = t2 = … = value`, its targets checked.
#[inline]
pub(crate) fn assign_node(src: &str, targets: Vec<Expr>, value: Expr) -> Result<(StmtKind, u32)> {
    for t in &targets {
        check_target(src, t, false)?;
    }
    let end = value.span.end;
    Ok((StmtKind::Assign { targets, value }, end))
}

/// Where a `from … import` statement ends, given the end of its last name: a parenthesised
/// list ends with its `)` (unless a comment stands between the name and the `)`).
pub(crate) fn from_import_end(src: &str, end: u32) -> u32 {
    match src.get(end as usize..).and_then(|r| {
        let t = r.trim_start_matches(|c: char| c.is_whitespace() || c == ',');
        t.starts_with(')').then(|| r.len() - t.len())
    }) {
        Some(close) => end + close as u32 + 1,
        None => end,
    }
}

/// Where a list of statements ends (0 when empty).
pub(crate) fn body_end(stmts: &[Stmt]) -> u32 {
    stmts.last().map_or(0, |s| s.span.end)
}

/// A `def` as a statement.
#[inline]
pub(crate) fn def_node(start: u32, def: FunctionDef) -> Stmt {
    let end = def_end(&def);
    Stmt {
        kind: StmtKind::FunctionDef(Box::new(def)),
        span: Span { start, end },
    }
}

/// `if cond: body`, its `elif`s (keyword start, condition, block) and `else` block; each
/// `elif` becomes a nested `If`, the only statement of the `orelse` before it.
#[inline]
pub(crate) fn if_node(
    start: u32,
    cond: Expr,
    body: Vec<Stmt>,
    elifs: Vec<(u32, Expr, Vec<Stmt>)>,
    mut orelse: Vec<Stmt>,
) -> Stmt {
    // Built from the last `elif` backwards.
    for (estart, econd, ebody) in elifs.into_iter().rev() {
        let end = body_end(&orelse).max(body_end(&ebody)).max(econd.span.end);
        orelse = vec![Stmt {
            kind: StmtKind::If {
                cond: econd,
                body: ebody,
                orelse,
            },
            span: Span { start: estart, end },
        }];
    }
    let end = body_end(&orelse).max(body_end(&body)).max(cond.span.end);
    Stmt {
        kind: StmtKind::If { cond, body, orelse },
        span: Span { start, end },
    }
}

#[inline]
pub(crate) fn while_node(start: u32, cond: Expr, body: Vec<Stmt>, orelse: Vec<Stmt>) -> Stmt {
    let end = body_end(&orelse).max(body_end(&body)).max(cond.span.end);
    Stmt {
        kind: StmtKind::While { cond, body, orelse },
        span: Span { start, end },
    }
}

#[inline]
pub(crate) fn for_node(
    start: u32,
    target: Expr,
    iter: Expr,
    body: Vec<Stmt>,
    orelse: Vec<Stmt>,
) -> Stmt {
    let end = body_end(&orelse).max(body_end(&body)).max(iter.span.end);
    Stmt {
        kind: StmtKind::For {
            target,
            iter,
            body,
            orelse,
        },
        span: Span { start, end },
    }
}

/// `except [types [as name]]: body`, from the start of its `except`.
#[inline]
pub(crate) fn handler_node(
    start: u32,
    types: Option<Expr>,
    name: Option<Ident>,
    body: Vec<Stmt>,
) -> ExceptHandler {
    let end = body_end(&body).max(start + 6);
    ExceptHandler {
        types,
        name,
        body,
        span: Span { start, end },
    }
}

/// A `try` statement; a missing `else` or `finally` block is empty.
#[inline]
pub(crate) fn try_node(
    start: u32,
    body: Vec<Stmt>,
    handlers: Vec<ExceptHandler>,
    orelse: Vec<Stmt>,
    finalbody: Vec<Stmt>,
) -> Stmt {
    let end = body_end(&body)
        .max(handlers.last().map_or(0, |h| h.span.end))
        .max(body_end(&orelse))
        .max(body_end(&finalbody));
    Stmt {
        kind: StmtKind::Try {
            body,
            handlers,
            orelse,
            finalbody,
        },
        span: Span { start, end },
    }
}

#[inline]
pub(crate) fn with_node(start: u32, items: Vec<WithItem>, body: Vec<Stmt>) -> Stmt {
    let end = body_end(&body).max(start + 4);
    Stmt {
        kind: StmtKind::With { items, body },
        span: Span { start, end },
    }
}

/// A decorator's dotted name read so far (`None` before its first name), extended by `id`:
/// a `Name`, then `Attribute`s of it.
#[inline]
pub(crate) fn dotted_func(func: Option<Expr>, id: Ident) -> Expr {
    match func {
        None => Expr {
            kind: ExprKind::Name {
                scope: None,
                name: id.name,
            },
            span: id.span,
        },
        Some(v) => Expr {
            span: v.span.to(id.span),
            kind: ExprKind::Attribute {
                value: Box::new(v),
                attr: id,
            },
        },
    }
}

/// Where a parameter or a struct field ends: at its default, else its annotation, else its
/// name.
#[inline]
pub(crate) fn annotated_end(name: &Ident, ann: Option<&TypeExpr>, default: Option<&Expr>) -> u32 {
    default
        .map(|d| d.span.end)
        .or(ann.map(|a| a.span.end))
        .unwrap_or(name.span.end)
}

/// A parameter starting at `start` (its `*` or `**`, if any), checked.
#[inline]
pub(crate) fn param_node(
    start: u32,
    kind: ParamKind,
    name: Ident,
    ann: Option<TypeExpr>,
    default: Option<Expr>,
) -> Result<Param> {
    let end = annotated_end(&name, ann.as_ref(), default.as_ref());
    let param = Param {
        name,
        ann,
        default,
        kind,
        span: Span { start, end },
    };
    check_param(&param)?;
    Ok(param)
}

/// The docstring of a function: the leading string literal of a block body.
pub(crate) fn docstring_of(body: &FuncBody) -> Option<String> {
    match body {
        FuncBody::Block(stmts) => match stmts.first().map(|s| &s.kind) {
            Some(StmtKind::Expr(Expr {
                kind: ExprKind::Str(s),
                ..
            })) => Some(s.clone()),
            _ => None,
        },
        FuncBody::Pipeline(_) => None,
    }
}

/// Where a definition ends: its last body statement, pipeline stage or header.
pub(crate) fn def_end(def: &FunctionDef) -> u32 {
    def.def_span().end
}

/// The members of a struct-like block, gathered in source order (shared with the fast
/// parser).
#[derive(Default)]
pub(crate) struct Members {
    docstring: Option<String>,
    fields: Vec<FieldDef>,
    methods: Vec<FunctionDef>,
    /// Where the last member read ends.
    end: u32,
    /// Whether a member was read already.
    started: bool,
}

impl Members {
    /// A string literal alone on its line (its text unless an f-string, and its end): the
    /// docstring when it is the first member; later ones are no-ops.
    #[inline]
    pub(crate) fn string_line(&mut self, (doc, end): (Option<String>, u32)) {
        if !self.started {
            self.docstring = doc;
        }
        self.read(end);
    }

    #[inline]
    pub(crate) fn field(&mut self, f: FieldDef) {
        self.read(f.span.end);
        self.fields.push(f);
    }

    #[inline]
    pub(crate) fn method(&mut self, def: FunctionDef) {
        self.read(def_end(&def));
        self.methods.push(def);
    }

    /// A `pass` line ending at `end`.
    #[inline]
    pub(crate) fn pass(&mut self, end: u32) {
        self.read(end);
    }

    #[inline]
    fn read(&mut self, end: u32) {
        self.end = self.end.max(end);
        self.started = true;
    }

    /// The `struct` (no `niche`) or niche block `name` with these members, and where it ends.
    #[inline]
    pub(crate) fn finish(self, niche: Option<NicheKind>, name: Ident) -> (StmtKind, u32) {
        let Members {
            docstring,
            fields,
            methods,
            end,
            ..
        } = self;
        let kind = match niche {
            None => StmtKind::Struct(Box::new(StructDef {
                name,
                docstring,
                fields,
                methods,
            })),
            Some(kind) => StmtKind::Niche(Box::new(NicheDef {
                kind,
                name,
                docstring,
                fields,
                methods,
            })),
        };
        (kind, end.max(name.span.end))
    }
}

/// A struct field `name: T = default  # comment` (the comment from the original source `src`).
#[inline]
pub(crate) fn field_node(
    src: &str,
    name: Ident,
    ann: Option<TypeExpr>,
    default: Option<Expr>,
) -> FieldDef {
    let end = annotated_end(&name, ann.as_ref(), default.as_ref());
    FieldDef {
        comment: trailing_comment(src, end as usize),
        name,
        ann,
        default,
        span: Span {
            start: name.span.start,
            end,
        },
    }
}

/// The kind of a niche block from its keyword.
pub(crate) fn niche_kind(word: &str) -> NicheKind {
    match word {
        "agent" => NicheKind::Agent,
        "agent_blueprint" => NicheKind::AgentBlueprint,
        "resource" => NicheKind::Resource,
        _ => NicheKind::Workflow,
    }
}

/// The `# comment` after offset `end` on the same line of the original source `src`.
pub(crate) fn trailing_comment(src: &str, end: usize) -> Option<String> {
    let rest = src.get(end..)?;
    let line = rest.split('\n').next()?;
    let text = line.trim_start().strip_prefix('#')?;
    Some(text.trim().to_string())
}

/// The dict entry of `**m`, spanning `span`: `(Starred(m), None)` (see `ExprKind::Dict`).
#[inline]
pub(crate) fn dict_unpack(m: Expr, span: Span) -> (Expr, Expr) {
    let key = Expr {
        kind: ExprKind::Starred(boxed(m)),
        span,
    };
    let unit = Expr {
        kind: ExprKind::None,
        span,
    };
    (key, unit)
}

/// `f(x for x in xs)`: the sole argument `last` (`x`) with the comprehension `gens` is an
/// (eager) generator expression ending at `end`, the start of the `)`. `None` when `last` is
/// not a positional argument.
#[inline]
pub(crate) fn generator_arg(last: Option<Arg>, gens: Vec<Comprehension>, end: u32) -> Option<Arg> {
    let Some(Arg {
        kind: ArgKind::Positional(elt),
        span,
    }) = last
    else {
        return None;
    };
    let span = Span {
        start: span.start,
        end,
    };
    let comp = Expr {
        kind: ExprKind::ListComp {
            elt: boxed(elt),
            gens,
        },
        span,
    };
    Some(Arg {
        kind: ArgKind::Positional(comp),
        span,
    })
}

/// `A | B | …` (at least two alternatives), from the first to the last.
#[inline]
pub(crate) fn union_type_node(alts: Vec<TypeExpr>) -> Option<TypeExpr> {
    let span = alts.first()?.span.to(alts.last()?.span);
    Some(TypeExpr {
        kind: TypeExprKind::Union(alts),
        span,
    })
}

/// `name[args]`, from the start of the (dotted) name at `start` to `end`, after the `]`.
#[inline]
pub(crate) fn generic_type_node(name: Sym, args: Vec<TypeExpr>, start: u32, end: u32) -> TypeExpr {
    TypeExpr {
        kind: TypeExprKind::Generic(name, args),
        span: Span { start, end },
    }
}

/// A declarative body `stage | stage | …` (at least one stage), from the first stage to the
/// last.
#[inline]
pub(crate) fn pipeline_node(stages: Vec<PipeStage>) -> Option<Pipeline> {
    let span = stages.first()?.span.to(stages.last()?.span);
    Some(Pipeline { stages, span })
}

/// A pipeline stage starting at `start` whose expression or fan-out ends at `end`: it ends
/// there, or at its `as name` capture.
#[inline]
pub(crate) fn pipe_stage_node(
    start: u32,
    kind: PipeStageKind,
    end: u32,
    capture: Option<Ident>,
) -> PipeStage {
    let end = capture.map_or(end, |c| c.span.end);
    PipeStage {
        kind,
        capture,
        span: Span { start, end },
    }
}

/// `@func` or `@func(args)`, from the `@` at `start` to `end`: the end of the name or the `)`.
#[inline]
pub(crate) fn decorator_node(
    start: u32,
    func: Expr,
    args: Option<Vec<Arg>>,
    end: u32,
) -> Decorator {
    Decorator {
        func,
        args,
        span: Span { start, end },
    }
}

/// A `struct`, niche or `interface` statement, from its keyword at `start` to `end`, where its
/// last member ends (see [`Members::finish`]).
#[inline]
pub(crate) fn block_stmt_node((kind, end): (StmtKind, u32), start: u32) -> Stmt {
    Stmt {
        kind,
        span: Span { start, end },
    }
}

/// One module of `import a.b as c, d` (each module is its own statement), from the `import`
/// keyword at `start` to the end of its alias, else of its path (`None` for an empty path).
#[inline]
pub(crate) fn import_node(start: u32, path: Vec<Ident>, alias: Option<Ident>) -> Option<Stmt> {
    let end = alias
        .map(|a| a.span.end)
        .or_else(|| path.last().map(|i| i.span.end))?;
    Some(Stmt {
        kind: StmtKind::Import { path, alias },
        span: Span { start, end },
    })
}

/// An interface's method signature, from its start (`def` or the name) to the end of its return
/// type, else of its parameter list (`params_end`, after the `)`).
#[inline]
pub(crate) fn method_sig_node(
    start: u32,
    name: Ident,
    params: Vec<Param>,
    returns: Option<TypeExpr>,
    params_end: u32,
) -> MethodSig {
    let end = returns.as_ref().map_or(params_end, |t| t.span.end);
    MethodSig {
        name,
        params,
        returns,
        span: Span { start, end },
    }
}
