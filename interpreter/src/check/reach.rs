//! Which failures a function's callers expect: for each function name, the exceptions that
//! every one of its call sites catches (an enclosing `try` at the site, or the protection of
//! the function the site is in, transitively). A valid program may call a function precisely
//! to show that it fails (`try: broken() except TypeError: …`); the errors the checker finds
//! inside such a function are then reported as warnings.

use super::scan::walk_stmts;
use dana_grammar::ast::visit::{self, Visitor};
use dana_grammar::ast::{self, ExprKind, FuncBody, Module, Stmt, StmtKind, Sym};
use std::collections::HashMap;

/// A set of exception families, as bits.
pub(crate) type Protect = u8;
pub(crate) const TYPE_ERROR: Protect = 1;
pub(crate) const NAME_ERROR: Protect = 2;
pub(crate) const ATTRIBUTE_ERROR: Protect = 4;
pub(crate) const IMPORT_ERROR: Protect = 8;
pub(crate) const ALL: Protect = 15;

pub(crate) fn bit_of(exc: &str) -> Protect {
    match exc {
        "TypeError" => TYPE_ERROR,
        "NameError" => NAME_ERROR,
        "AttributeError" => ATTRIBUTE_ERROR,
        "ImportError" => IMPORT_ERROR,
        "*" | "Exception" | "BaseException" => ALL,
        _ => 0,
    }
}

/// What the module tells about one function name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Reach {
    /// Exceptions every caller catches (none for a function nothing in the module calls).
    pub protect: Protect,
}

struct Site {
    /// The function the site is in (`None`: module level).
    within: Option<Sym>,
    catches: Protect,
    /// Mentioned as a value (passed, stored, decorated): callers unknown.
    escapes: bool,
}

/// Computes [`Reach`] for every function name defined in the module.
pub(crate) fn analyse(m: &Module) -> HashMap<Sym, Reach> {
    let mut defs: Vec<Sym> = Vec::new();
    walk_stmts(&m.body, &mut |s| match &s.kind {
        StmtKind::FunctionDef(f) => defs.push(f.name.name),
        StmtKind::Struct(d) => defs.extend(d.methods.iter().map(|f| f.name.name)),
        StmtKind::Niche(d) => defs.extend(d.methods.iter().map(|f| f.name.name)),
        _ => {}
    });
    let mut sites: HashMap<Sym, Vec<Site>> = HashMap::new();
    for d in &defs {
        sites.entry(*d).or_default();
    }
    // `dana run` calls `main` after the module body.
    if let Some(v) = sites.get_mut(&Sym::intern("main")) {
        v.push(Site {
            within: None,
            catches: 0,
            escapes: false,
        });
    }
    let mut cx = Collect {
        sites: &mut sites,
        catches: Vec::new(),
        within: None,
    };
    cx.block(&m.body);
    // Greatest fixed point: start from "everything caught" and shrink.
    let mut protect: HashMap<Sym, Protect> = sites.keys().map(|k| (*k, ALL)).collect();
    for _ in 0..(defs.len() + 2) {
        let mut changed = false;
        for (name, ss) in &sites {
            if ss.is_empty() {
                continue;
            }
            let mut p = ALL;
            for s in ss {
                let outer = if s.escapes {
                    0
                } else {
                    match s.within {
                        None => 0,
                        Some(w) => protect.get(&w).copied().unwrap_or(0),
                    }
                };
                p &= s.catches | outer;
            }
            if protect.get(name) != Some(&p) {
                protect.insert(*name, p);
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    sites
        .iter()
        .map(|(n, ss)| {
            (
                *n,
                Reach {
                    protect: if ss.is_empty() { 0 } else { protect[n] },
                },
            )
        })
        .collect()
}

struct Collect<'s> {
    sites: &'s mut HashMap<Sym, Vec<Site>>,
    catches: Vec<Protect>,
    within: Option<Sym>,
}

impl Collect<'_> {
    fn here(&self) -> Protect {
        self.catches.iter().fold(0, |a, b| a | b)
    }

    fn add(&mut self, name: Sym, escapes: bool) {
        let catches = self.here();
        let within = self.within;
        if let Some(v) = self.sites.get_mut(&name) {
            v.push(Site {
                within,
                catches,
                escapes,
            });
        }
    }

    fn block(&mut self, body: &[Stmt]) {
        self.visit_block(body);
    }

    fn func(&mut self, f: &ast::FunctionDef) {
        if !f.decorators.is_empty() {
            self.add(f.name.name, true);
        }
        let saved = (std::mem::take(&mut self.catches), self.within);
        self.within = Some(f.name.name);
        match &f.body {
            FuncBody::Block(b) => self.block(b),
            FuncBody::Pipeline(p) => {
                for st in &p.stages {
                    self.stage(st);
                }
            }
        }
        self.catches = saved.0;
        self.within = saved.1;
    }

    fn stage(&mut self, st: &ast::PipeStage) {
        match &st.kind {
            ast::PipeStageKind::Expr(e) => {
                // A stage is called by the pipeline: a call site of the function it names.
                match &e.kind {
                    ExprKind::Name { name, .. } => self.add(*name, false),
                    ExprKind::Call { func, args } => {
                        if let ExprKind::Name { name, .. } = &func.kind {
                            self.add(*name, false);
                        }
                        for a in args {
                            self.expr(super::scan::arg_expr(a));
                        }
                    }
                    _ => self.expr(e),
                }
            }
            ast::PipeStageKind::FanOut(v) => {
                for s in v {
                    self.stage(s);
                }
            }
        }
    }

    fn expr(&mut self, e: &ast::Expr) {
        // Names in call position are call sites; other mentions let the function escape.
        let mut called: Vec<*const ast::Expr> = Vec::new();
        let mut events: Vec<(Sym, bool)> = Vec::new();
        crate::resolve::visit_expr(e, &mut |x| match &x.kind {
            ExprKind::Call { func, .. } => match &func.kind {
                ExprKind::Name { .. } => called.push(&**func as *const ast::Expr),
                ExprKind::Attribute { attr, .. } => events.push((attr.name, false)),
                _ => {}
            },
            ExprKind::Name { name, .. } => {
                let is_call = called.contains(&(x as *const ast::Expr));
                events.push((*name, !is_call));
            }
            _ => {}
        });
        for (n, escapes) in events {
            self.add(n, escapes);
        }
    }
}

/// The walk over statements: expressions go whole to [`Collect::expr`]; a `try` body is
/// walked with what its handlers catch; function bodies (methods included) are walked by
/// [`Collect::func`], inside the function. Annotations, field defaults, interfaces and the
/// types of `except` clauses mention no call site.
impl<'a> Visitor<'a> for Collect<'_> {
    fn visit_stmt(&mut self, s: &'a Stmt) {
        let StmtKind::Try {
            body,
            handlers,
            orelse,
            finalbody,
        } = &s.kind
        else {
            return visit::walk_stmt(self, s);
        };
        let mut caught = 0;
        for h in handlers {
            caught |= match &h.types {
                None => ALL,
                Some(t) => exc_bits(t),
            };
        }
        self.catches.push(caught);
        self.block(body);
        self.catches.pop();
        for h in handlers {
            self.block(&h.body);
        }
        self.block(orelse);
        self.block(finalbody);
    }

    fn visit_expr(&mut self, e: &'a ast::Expr) {
        self.expr(e);
    }

    fn visit_target(&mut self, e: &'a ast::Expr) {
        self.expr(e);
    }

    fn visit_type(&mut self, _: &'a ast::TypeExpr) {}

    fn visit_function_def(&mut self, f: &'a ast::FunctionDef) {
        // Defaults and decorators run where the `def` is, not inside the function.
        for p in f.receiver.iter().chain(f.params.iter()) {
            if let Some(d) = &p.default {
                self.expr(d);
            }
        }
        for dec in &f.decorators {
            self.expr(&dec.func);
        }
        self.func(f);
    }

    fn visit_struct_def(&mut self, d: &'a ast::StructDef) {
        for f in &d.methods {
            self.func(f);
        }
    }

    fn visit_niche_def(&mut self, d: &'a ast::NicheDef) {
        for f in &d.methods {
            self.func(f);
        }
    }

    fn visit_interface_def(&mut self, _: &'a ast::InterfaceDef) {}
}

fn exc_bits(t: &ast::Expr) -> Protect {
    match &t.kind {
        ExprKind::Name { name, .. } => bit_of(name.as_str()),
        ExprKind::Attribute { attr, .. } => bit_of(attr.name.as_str()),
        ExprKind::Tuple(items) | ExprKind::List(items) => {
            items.iter().fold(0, |a, i| a | exc_bits(i))
        }
        _ => ALL,
    }
}
