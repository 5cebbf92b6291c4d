//! Names → places: compiles the AST into the resolved form of [`crate::eval::ir`].
//!
//! Python's scoping rules: a name assigned anywhere in a function body is local to that function
//! (a slot); a local that an inner function or lambda mentions becomes a cell shared with the
//! closure; a name found in an enclosing function is a free variable of the closure; anything
//! else is a module global, whose slot falls back at run time to `private:`, `public:` and the
//! builtins. Comprehension variables get fresh slots visible only inside the comprehension.

use crate::error::{Exc, ExcKind, RtError};
pub(crate) mod names;

pub use names::visit_expr;
use names::{assigned_names, nested_refs_block, nested_refs_expr, target_names, BindKind};

use crate::eval::ir::*;
use crate::source::SourceFile;
use crate::value::{Globals, TypeAnn, Value};
use dana_grammar::ast::{self, ExprKind, ParamKind, ScopeKind, Span, StmtKind, Sym};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

#[derive(PartialEq)]
enum ScopeType {
    Module,
    Function,
}

struct Scope {
    ty: ScopeType,
    locals: HashMap<Sym, Place>,
    /// Comprehension scopes, innermost last.
    blocks: Vec<HashMap<Sym, Place>>,
    /// Names mentioned inside nested functions (their locals here become cells).
    captured: HashSet<Sym>,
    free: Vec<Place>,
    free_map: HashMap<Sym, u32>,
    slot_names: Vec<Sym>,
    cell_names: Vec<Sym>,
    /// Names of `as` captures of a pipeline body (they decide whether a stage inserts its value).
    pipeline_captures: HashSet<Sym>,
    pipeline_slot: Option<u32>,
}

impl Scope {
    fn new(ty: ScopeType, captured: HashSet<Sym>) -> Scope {
        Scope {
            ty,
            locals: HashMap::new(),
            blocks: Vec::new(),
            captured,
            free: Vec::new(),
            free_map: HashMap::new(),
            slot_names: Vec::new(),
            cell_names: Vec::new(),
            pipeline_captures: HashSet::new(),
            pipeline_slot: None,
        }
    }
    fn new_slot(&mut self, name: Sym) -> Place {
        self.slot_names.push(name);
        Place::Local(self.slot_names.len() as u32 - 1)
    }
    fn new_cell(&mut self, name: Sym) -> Place {
        self.cell_names.push(name);
        Place::Cell(self.cell_names.len() as u32 - 1)
    }
    fn declare(&mut self, name: Sym) -> Place {
        if let Some(p) = self.locals.get(&name) {
            return *p;
        }
        let p = if self.captured.contains(&name) {
            self.new_cell(name)
        } else {
            self.new_slot(name)
        };
        self.locals.insert(name, p);
        p
    }
}

/// Compiles module ASTs and function bodies against one module's globals.
pub struct Resolver {
    scopes: Vec<Scope>,
    globals: Rc<Globals>,
    src: Rc<SourceFile>,
}

type R<T> = Result<T, Exc>;

fn syntax_error(src: &SourceFile, span: Span, msg: impl Into<String>) -> Exc {
    let mut e = RtError::new(ExcKind::SyntaxError, msg);
    e.location = Some(src.location(span));
    e
}

impl Resolver {
    pub fn new(globals: Rc<Globals>, src: Rc<SourceFile>) -> Resolver {
        Resolver {
            scopes: Vec::new(),
            globals,
            src,
        }
    }

    /// Compiles a module body; its names become globals.
    pub fn module(&mut self, m: &ast::Module) -> R<ModuleCode> {
        let mut captured = HashSet::new();
        nested_refs_block(&m.body, &mut captured);
        self.scopes.push(Scope::new(ScopeType::Module, captured));
        let body = self.block(&m.body);
        let scope = self.scopes.pop().expect("module scope pushed above");
        Ok(ModuleCode {
            body: body?,
            n_slots: scope.slot_names.len() as u32,
            n_cells: scope.cell_names.len() as u32,
            src: self.src.clone(),
        })
    }

    fn scope(&mut self) -> &mut Scope {
        self.scopes
            .last_mut()
            .expect("a scope is always pushed while compiling")
    }

    /// Resolves a read of an unscoped name.
    fn lookup(&mut self, name: Sym) -> Place {
        let depth = self.scopes.len() - 1;
        if let Some(p) = self.lookup_in(depth, name) {
            return p;
        }
        Place::Global(self.globals.slot_of(name))
    }

    fn lookup_in(&mut self, i: usize, name: Sym) -> Option<Place> {
        let s = &self.scopes[i];
        for b in s.blocks.iter().rev() {
            if let Some(p) = b.get(&name) {
                return Some(*p);
            }
        }
        if s.ty == ScopeType::Function {
            if let Some(p) = s.locals.get(&name) {
                return Some(*p);
            }
            if let Some(&f) = s.free_map.get(&name) {
                return Some(Place::Free(f));
            }
        }
        if i == 0 {
            return None;
        }
        if s.ty == ScopeType::Module {
            return None;
        }
        // Not ours: look in the enclosing scopes; a hit becomes a free variable of ours.
        let outer = self.lookup_in(i - 1, name)?;
        if let Place::Global(_) = outer {
            return Some(outer);
        }
        let s = &mut self.scopes[i];
        let idx = s.free.len() as u32;
        s.free.push(outer);
        s.free_map.insert(name, idx);
        Some(Place::Free(idx))
    }

    /// Resolves an assignment to an unscoped name.
    fn store_place(&mut self, name: Sym) -> Place {
        let s = self.scopes.last().expect("scope");
        for b in s.blocks.iter().rev() {
            if let Some(p) = b.get(&name) {
                return *p;
            }
        }
        match s.ty {
            ScopeType::Module => Place::Global(self.globals.slot_of(name)),
            ScopeType::Function => self.scope().declare(name),
        }
    }

    fn block(&mut self, stmts: &[ast::Stmt]) -> R<Vec<St>> {
        let mut out = Vec::with_capacity(stmts.len());
        for s in stmts {
            out.push(self.stmt(s)?);
        }
        Ok(out)
    }

    fn stmt(&mut self, s: &ast::Stmt) -> R<St> {
        let span = s.span;
        Ok(match &s.kind {
            StmtKind::Expr(e) => St::Expr(self.expr(e)?, span),
            StmtKind::Assign { targets, value } => {
                let v = self.expr(value)?;
                if targets.len() == 1 {
                    St::Assign(self.target(&targets[0])?, v, span)
                } else {
                    let ts = targets
                        .iter()
                        .map(|t| self.target(t))
                        .collect::<R<Vec<_>>>()?;
                    St::AssignMany(ts, v, span)
                }
            }
            StmtKind::TypedAssign { target, ann, value } => {
                let v = value.as_ref().map(|v| self.expr(v)).transpose()?;
                let display = target_display(target);
                St::TypedAssign(
                    self.target(target)?,
                    Rc::new(TypeAnn::from_ast(ann)),
                    v,
                    display,
                    span,
                )
            }
            StmtKind::AugAssign { target, op, value } => {
                let v = self.expr(value)?;
                St::AugAssign(self.target(target)?, *op, v, span)
            }
            StmtKind::If { cond, body, orelse } => {
                St::If(self.expr(cond)?, self.block(body)?, self.block(orelse)?)
            }
            StmtKind::While { cond, body, orelse } => St::While(
                self.expr(cond)?,
                self.block(body)?,
                self.block(orelse)?,
                span,
            ),
            StmtKind::For {
                target,
                iter,
                body,
                orelse,
            } => {
                let iter = self.expr(iter)?;
                St::For(Box::new(ForSt {
                    target: self.target(target)?,
                    iter,
                    body: self.block(body)?,
                    orelse: self.block(orelse)?,
                    span,
                }))
            }
            StmtKind::FunctionDef(f) => St::FuncDef(Box::new(self.func_def(f, None)?)),
            StmtKind::Return(e) => {
                if self.scopes.len() == 1 {
                    return Err(syntax_error(&self.src, span, "'return' outside function"));
                }
                St::Return(e.as_ref().map(|e| self.expr(e)).transpose()?, span)
            }
            StmtKind::Pass => St::Pass,
            StmtKind::Break => St::Break,
            StmtKind::Continue => St::Continue,
            StmtKind::Try {
                body,
                handlers,
                orelse,
                finalbody,
            } => {
                let body = self.block(body)?;
                let mut hs = Vec::new();
                for h in handlers {
                    let types = h.types.as_ref().map(|t| self.expr(t)).transpose()?;
                    let name = h.name.map(|n| self.store_place(n.name));
                    hs.push(Handler {
                        types,
                        name,
                        body: self.block(&h.body)?,
                        span: h.span,
                    });
                }
                St::Try(Box::new(TrySt {
                    body,
                    handlers: hs,
                    orelse: self.block(orelse)?,
                    finalbody: self.block(finalbody)?,
                }))
            }
            StmtKind::Raise { exc, cause } => St::Raise(
                exc.as_ref().map(|e| self.expr(e)).transpose()?,
                cause.as_ref().map(|e| self.expr(e)).transpose()?,
                span,
            ),
            StmtKind::Assert { test, msg } => St::Assert(
                self.expr(test)?,
                msg.as_ref().map(|e| self.expr(e)).transpose()?,
                span,
            ),
            StmtKind::Import { path, alias } => {
                let syms: Vec<Sym> = path.iter().map(|i| i.name).collect();
                let (bind_name, leaf) = match alias {
                    Some(a) => (a.name, true),
                    None => (syms[0], false),
                };
                St::Import(Box::new(ImportSt::Module {
                    path: syms,
                    bind: self.store_place(bind_name),
                    leaf,
                    span,
                }))
            }
            StmtKind::FromImport {
                level,
                path,
                names,
                star,
            } => {
                let syms: Vec<Sym> = path.iter().map(|i| i.name).collect();
                if *star {
                    if self.scopes.len() > 1 {
                        return Err(syntax_error(
                            &self.src,
                            span,
                            "'from ... import *' is only allowed at module level",
                        ));
                    }
                    St::Import(Box::new(ImportSt::Star {
                        level: *level,
                        path: syms,
                        span,
                    }))
                } else {
                    let mut ns = Vec::new();
                    for n in names {
                        let bind = n.alias.unwrap_or(n.name).name;
                        ns.push((n.name.name, self.store_place(bind), n.name.span));
                    }
                    St::Import(Box::new(ImportSt::From {
                        level: *level,
                        path: syms,
                        names: ns,
                        span,
                    }))
                }
            }
            StmtKind::Struct(d) => St::StructDef(Box::new(self.struct_def(
                d.name,
                None,
                &d.docstring,
                &d.fields,
                &d.methods,
                span,
            )?)),
            StmtKind::Niche(d) => St::StructDef(Box::new(self.struct_def(
                d.name,
                Some(d.kind),
                &d.docstring,
                &d.fields,
                &d.methods,
                span,
            )?)),
            StmtKind::Interface(d) => {
                let methods = d
                    .methods
                    .iter()
                    .map(|m| (m.name.name, m.params.len()))
                    .collect();
                let embeds = d
                    .embeds
                    .iter()
                    .map(|e| (Ex::Name(self.lookup(e.name), e.name, e.span), e.span))
                    .collect();
                St::InterfaceDef(Box::new(InterfaceDefIr {
                    name: d.name.name,
                    doc: d.docstring.clone(),
                    methods,
                    embeds,
                    bind: self.store_place(d.name.name),
                }))
            }
            StmtKind::With { items, body } => {
                let mut its = Vec::new();
                for it in items {
                    let c = self.expr(&it.context)?;
                    let t = it.target.as_ref().map(|t| self.target(t)).transpose()?;
                    its.push((c, t));
                }
                St::With(Box::new(WithSt {
                    items: its,
                    body: self.block(body)?,
                    span,
                }))
            }
        })
    }

    fn struct_def(
        &mut self,
        name: ast::Ident,
        kind: Option<ast::NicheKind>,
        doc: &Option<String>,
        fields: &[ast::FieldDef],
        methods: &[ast::FunctionDef],
        span: Span,
    ) -> R<StructDefIr> {
        let bind = self.store_place(name.name);
        let mut fs = Vec::new();
        for f in fields {
            fs.push(FieldIr {
                name: f.name.name,
                ann: f.ann.as_ref().map(TypeAnn::from_ast),
                default: f.default.as_ref().map(|d| self.expr(d)).transpose()?,
                comment: f.comment.clone(),
            });
        }
        let mut ms = Vec::new();
        for m in methods {
            ms.push(self.func_def(m, Some(name))?);
        }
        Ok(StructDefIr {
            name: name.name,
            kind,
            doc: doc.clone(),
            fields: fs,
            methods: ms,
            bind,
            span,
        })
    }

    /// A `def`; `block_of` is the struct whose block contains it (its implicit receiver type).
    fn func_def(&mut self, f: &ast::FunctionDef, block_of: Option<ast::Ident>) -> R<FuncDef> {
        // Decorators, defaults and receiver types are evaluated in the defining scope.
        let mut decorators = Vec::new();
        for d in &f.decorators {
            decorators.push(Decorator {
                func: self.expr(&d.func)?,
                args: d
                    .args
                    .as_ref()
                    .map(|a| self.args(a).map(|x| x.0))
                    .transpose()?,
                span: d.span,
            });
        }
        let mut params: Vec<&ast::Param> = Vec::new();
        if let Some(r) = &f.receiver {
            params.push(r);
        }
        params.extend(f.params.iter());
        let mut defaults = Vec::new();
        for p in &params {
            if let Some(d) = &p.default {
                defaults.push(self.expr(d)?);
            }
        }
        let mut receivers = Vec::new();
        if let Some(r) = &f.receiver {
            if let Some(t) = &r.ann {
                for n in type_names(t) {
                    receivers.push((n, Ex::Name(self.lookup(n), n, t.span)));
                }
            }
        } else if let Some(s) = block_of {
            receivers.push((s.name, Ex::Name(self.lookup(s.name), s.name, s.span)));
        }
        // Methods are also plain functions in the enclosing scope (`move(pt, 1)`).
        let bind_place = Some(self.store_place(f.name.name));
        let code = match &f.body {
            ast::FuncBody::Block(body) => self.function_code(
                f.name.name,
                &params,
                FnBody::Block(body),
                f.returns.as_ref(),
                f.docstring.clone(),
                f.header_span,
            )?,
            ast::FuncBody::Pipeline(p) => self.function_code(
                f.name.name,
                &params,
                FnBody::Pipeline(p),
                f.returns.as_ref(),
                f.docstring.clone(),
                f.header_span,
            )?,
        };
        Ok(FuncDef {
            code,
            defaults,
            decorators,
            bind: bind_place,
            receivers,
            span: f.header_span,
            def_span: f.def_span(),
        })
    }

    fn function_code(
        &mut self,
        name: Sym,
        params: &[&ast::Param],
        body: FnBody<'_>,
        returns: Option<&ast::TypeExpr>,
        doc: Option<String>,
        span: Span,
    ) -> R<Rc<FuncCode>> {
        let mut captured = HashSet::new();
        let mut assigned = Vec::new();
        match body {
            FnBody::Block(b) => {
                nested_refs_block(b, &mut captured);
                let mut bound = Vec::new();
                assigned_names(b, &mut bound);
                assigned.extend(bound.into_iter().map(|(n, _, _)| n));
            }
            FnBody::Expr(e) => nested_refs_expr(e, &mut captured),
            FnBody::Pipeline(p) => {
                for st in &p.stages {
                    stage_refs(st, &mut captured, &mut assigned);
                }
            }
        }
        let mut scope = Scope::new(ScopeType::Function, captured);
        // Parameters occupy slots 0..n in order (the call fast path pushes them there); a
        // captured parameter also gets a cell that the call binder fills from its slot.
        let mut ps = Vec::new();
        let mut default_idx = 0;
        let mut n_positional = 0;
        for p in params {
            let slot = scope.new_slot(p.name.name);
            let place = if scope.captured.contains(&p.name.name) {
                scope.new_cell(p.name.name)
            } else {
                slot
            };
            scope.locals.insert(p.name.name, place);
            let default = if p.default.is_some() {
                default_idx += 1;
                Some(default_idx - 1)
            } else {
                None
            };
            // Parameters after `*args` are keyword-only.
            if p.kind == ParamKind::Normal
                && !ps.iter().any(|q: &ParamIr| q.kind == ParamKind::VarArgs)
            {
                n_positional += 1;
            }
            ps.push(ParamIr {
                name: p.name.name,
                place,
                ann: p.ann.as_ref().map(TypeAnn::from_ast),
                default,
                kind: p.kind,
            });
        }
        for n in assigned {
            scope.declare(n);
        }
        if let FnBody::Pipeline(p) = body {
            let mut caps = HashSet::new();
            for st in &p.stages {
                collect_captures(st, &mut caps);
            }
            scope.pipeline_captures = caps;
            let dollar = Sym::intern("$$");
            if let Place::Local(s) = scope.new_slot(dollar) {
                scope.pipeline_slot = Some(s);
            }
        }
        self.scopes.push(scope);
        let body_ir = match body {
            FnBody::Block(b) => self.block(b).map(Body::Block),
            FnBody::Expr(e) => self.expr(e).map(Body::Expr),
            FnBody::Pipeline(p) => self.pipeline(p).map(Body::Pipeline),
        };
        let scope = self.scopes.pop().expect("function scope pushed above");
        let body_ir = body_ir?;
        Ok(Rc::new(FuncCode {
            name,
            // A bare `*` (stored as a VarArgs parameter named `*`) takes no arguments.
            has_varargs: ps
                .iter()
                .any(|p| p.kind == ParamKind::VarArgs && p.name.as_str() != "*"),
            has_kwargs: ps.iter().any(|p| p.kind == ParamKind::KwArgs),
            params: ps,
            n_positional,
            n_slots: scope.slot_names.len() as u32,
            n_cells: scope.cell_names.len() as u32,
            captures: scope.free,
            body: body_ir,
            returns: returns.map(TypeAnn::from_ast),
            doc,
            src: self.src.clone(),
            span,
            slot_names: scope.slot_names,
            cell_names: scope.cell_names,
        }))
    }

    fn pipeline(&mut self, p: &ast::Pipeline) -> R<Pipeline> {
        let value_slot = self.scope().pipeline_slot.unwrap_or(0);
        let mut stages = Vec::new();
        for st in &p.stages {
            stages.push(self.stage(st)?);
        }
        Ok(Pipeline { stages, value_slot })
    }

    fn stage(&mut self, st: &ast::PipeStage) -> R<Stage> {
        let kind = match &st.kind {
            ast::PipeStageKind::FanOut(v) => {
                StageKind::FanOut(v.iter().map(|s| self.stage(s)).collect::<R<Vec<_>>>()?)
            }
            ast::PipeStageKind::Expr(e) => match &e.kind {
                ExprKind::Call { func, args } => {
                    let caps = &self.scope().pipeline_captures;
                    let explicit = args.iter().any(|a| match &a.kind {
                        ast::ArgKind::Positional(x) | ast::ArgKind::Keyword(_, x) => {
                            contains_placeholder(x)
                                || matches!(&x.kind, ExprKind::Name { scope: None, name } if caps.contains(name))
                        }
                        _ => false,
                    });
                    let func = self.expr(func)?;
                    let (args, _) = self.args(args)?;
                    StageKind::Partial {
                        func,
                        args,
                        insert: !explicit,
                    }
                }
                _ => StageKind::Callee(self.expr(e)?),
            },
        };
        let capture = st.capture.map(|c| self.store_place(c.name));
        Ok(Stage {
            kind,
            capture,
            span: st.span,
        })
    }

    fn target(&mut self, t: &ast::Expr) -> R<Target> {
        Ok(match &t.kind {
            ExprKind::Name { scope, name } => match scope {
                None | Some(ScopeKind::Local) => Target::Name(self.store_place(*name), *name),
                Some(s) => Target::Scoped(*s, *name),
            },
            ExprKind::Attribute { value, attr } => {
                Target::Attr(self.expr(value)?, attr.name, t.span)
            }
            ExprKind::Index { value, index } => {
                if let ExprKind::Slice { lower, upper, step } = &index.kind {
                    Target::Slice(Box::new(self.slice(value, lower, upper, step)?), t.span)
                } else {
                    Target::Index(self.expr(value)?, self.expr(index)?, t.span)
                }
            }
            ExprKind::Tuple(items) | ExprKind::List(items) => {
                let mut ts = Vec::new();
                let mut star = None;
                for (i, it) in items.iter().enumerate() {
                    if let ExprKind::Starred(inner) = &it.kind {
                        if star.is_some() {
                            return Err(syntax_error(
                                &self.src,
                                it.span,
                                "multiple starred expressions in assignment",
                            ));
                        }
                        star = Some(i);
                        ts.push(self.target(inner)?);
                    } else {
                        ts.push(self.target(it)?);
                    }
                }
                Target::Unpack(ts, star, t.span)
            }
            _ => {
                return Err(syntax_error(
                    &self.src,
                    t.span,
                    "cannot assign to expression",
                ))
            }
        })
    }

    fn slice(
        &mut self,
        value: &ast::Expr,
        lower: &Option<Box<ast::Expr>>,
        upper: &Option<Box<ast::Expr>>,
        step: &Option<Box<ast::Expr>>,
    ) -> R<SliceEx> {
        Ok(SliceEx {
            value: self.expr(value)?,
            lower: lower.as_ref().map(|e| self.expr(e)).transpose()?,
            upper: upper.as_ref().map(|e| self.expr(e)).transpose()?,
            step: step.as_ref().map(|e| self.expr(e)).transpose()?,
        })
    }

    fn args(&mut self, args: &[ast::Arg]) -> R<(Vec<Arg>, bool)> {
        let mut out = Vec::with_capacity(args.len());
        let mut simple = true;
        for a in args {
            out.push(match &a.kind {
                ast::ArgKind::Positional(e) => Arg::Pos(self.expr(e)?),
                ast::ArgKind::Keyword(n, e) => {
                    simple = false;
                    Arg::Kw(n.name, self.expr(e)?)
                }
                ast::ArgKind::Star(e) => {
                    simple = false;
                    Arg::Star(self.expr(e)?)
                }
                ast::ArgKind::StarStar(e) => {
                    simple = false;
                    Arg::StarStar(self.expr(e)?)
                }
            });
        }
        Ok((out, simple))
    }

    fn exprs(&mut self, es: &[ast::Expr]) -> R<Vec<Ex>> {
        es.iter().map(|e| self.expr(e)).collect()
    }

    fn bx(&mut self, e: &ast::Expr) -> R<Box<Ex>> {
        Ok(Box::new(self.expr(e)?))
    }

    pub(crate) fn expr(&mut self, e: &ast::Expr) -> R<Ex> {
        let span = e.span;
        Ok(match &e.kind {
            ExprKind::Int(i) => Ex::Const(Value::Int(*i)),
            ExprKind::BigInt(digits) => match digits.parse::<num_bigint::BigInt>() {
                Ok(b) => Ex::Const(Value::from_bigint(b)),
                Err(_) => return Err(syntax_error(&self.src, span, "invalid integer literal")),
            },
            ExprKind::Float(f) => Ex::Const(Value::Float(*f)),
            ExprKind::Str(s) => Ex::Const(Value::str(s.clone())),
            ExprKind::Bool(b) => Ex::Const(Value::Bool(*b)),
            ExprKind::None => Ex::Const(Value::None),
            ExprKind::FString(parts) => Ex::FString(self.fparts(parts)?),
            ExprKind::Name { scope, name } => match scope {
                None | Some(ScopeKind::Local) => Ex::Name(self.lookup(*name), *name, span),
                Some(s) => Ex::Scoped(*s, *name, span),
            },
            ExprKind::Placeholder => match self.scopes.last().and_then(|s| s.pipeline_slot) {
                Some(slot) => Ex::Name(Place::Local(slot), Sym::intern("$$"), span),
                None => {
                    return Err(syntax_error(
                        &self.src,
                        span,
                        "'$$' is only valid inside a pipeline stage",
                    ))
                }
            },
            ExprKind::List(items) => Ex::List(self.exprs(items)?),
            ExprKind::Tuple(items) => Ex::Tuple(self.exprs(items)?),
            ExprKind::Set(items) => Ex::Set(self.exprs(items)?),
            ExprKind::Dict(items) => {
                let mut out = Vec::new();
                for (k, v) in items {
                    out.push((self.expr(k)?, self.expr(v)?));
                }
                Ex::Dict(out)
            }
            ExprKind::Starred(inner) => Ex::Starred(self.bx(inner)?),
            ExprKind::ListComp { elt, gens } => {
                self.comp(gens, span, |r| Ok(CompKind::List(r.expr(elt)?)))?
            }
            ExprKind::SetComp { elt, gens } => {
                self.comp(gens, span, |r| Ok(CompKind::Set(r.expr(elt)?)))?
            }
            ExprKind::DictComp { key, value, gens } => self.comp(gens, span, |r| {
                Ok(CompKind::Dict(r.expr(key)?, r.expr(value)?))
            })?,
            ExprKind::Lambda(l) => {
                let params: Vec<&ast::Param> = l.params.iter().collect();
                let mut defaults = Vec::new();
                for p in &params {
                    if let Some(d) = &p.default {
                        defaults.push(self.expr(d)?);
                    }
                }
                let code = self.function_code(
                    Sym::intern("<lambda>"),
                    &params,
                    FnBody::Expr(&l.body),
                    None,
                    None,
                    span,
                )?;
                Ex::MakeFunction(code, defaults)
            }
            ExprKind::IfExp { test, body, orelse } => Ex::IfExp(Box::new((
                self.expr(test)?,
                self.expr(body)?,
                self.expr(orelse)?,
            ))),
            ExprKind::And(a, b) => Ex::And(Box::new((self.expr(a)?, self.expr(b)?))),
            ExprKind::Or(a, b) => Ex::Or(Box::new((self.expr(a)?, self.expr(b)?))),
            ExprKind::Not(a) => Ex::Not(self.bx(a)?),
            ExprKind::Unary(op, a) => Ex::Unary(*op, self.bx(a)?, span),
            ExprKind::Binary(op, a, b) => {
                Ex::Binary(*op, Box::new((self.expr(a)?, self.expr(b)?)), span)
            }
            ExprKind::Compare { left, ops } => {
                let l = self.bx(left)?;
                let mut os = Vec::new();
                for (op, r) in ops {
                    os.push((*op, self.expr(r)?));
                }
                Ex::Compare(l, os, span)
            }
            ExprKind::Call { func, args } => {
                if let ExprKind::Attribute { value, attr } = &func.kind {
                    let recv = self.expr(value)?;
                    let (args, simple) = self.args(args)?;
                    let fallback = Some((self.lookup(attr.name), attr.name));
                    let append = simple && args.len() == 1 && attr.name.as_str() == "append";
                    Ex::MethodCall(Box::new(MethodCall {
                        recv,
                        name: attr.name,
                        args,
                        simple,
                        fallback,
                        append,
                        span,
                    }))
                } else {
                    let f = self.expr(func)?;
                    let (args, simple) = self.args(args)?;
                    Ex::Call(Box::new(Call {
                        func: f,
                        args,
                        simple,
                        span,
                    }))
                }
            }
            ExprKind::Attribute { value, attr } => Ex::Attr(self.bx(value)?, attr.name, span),
            ExprKind::Index { value, index } => {
                if let ExprKind::Slice { lower, upper, step } = &index.kind {
                    Ex::Slice(Box::new(self.slice(value, lower, upper, step)?), span)
                } else {
                    Ex::Index(Box::new((self.expr(value)?, self.expr(index)?)), span)
                }
            }
            ExprKind::Slice { .. } => {
                return Err(syntax_error(
                    &self.src,
                    span,
                    "a slice is only valid inside brackets",
                ))
            }
        })
    }

    fn fparts(&mut self, parts: &[ast::FPart]) -> R<Vec<FPart>> {
        let mut out = Vec::new();
        for p in parts {
            out.push(match p {
                ast::FPart::Lit(s) => FPart::Lit(Rc::new(s.clone())),
                ast::FPart::Expr {
                    expr,
                    conversion,
                    spec,
                    debug_text,
                } => FPart::Expr {
                    span: expr.span,
                    expr: self.expr(expr)?,
                    conversion: *conversion,
                    spec: spec.as_ref().map(|s| self.fparts(s)).transpose()?,
                    debug_text: debug_text.clone(),
                },
            });
        }
        Ok(out)
    }

    fn comp(
        &mut self,
        gens: &[ast::Comprehension],
        span: Span,
        elt: impl FnOnce(&mut Self) -> R<CompKind>,
    ) -> R<Ex> {
        // The first iterable is evaluated in the enclosing scope (as in Python).
        let mut cgens = Vec::new();
        let depth = self.scope().blocks.len();
        let mut result = Ok(());
        for g in gens {
            let iter = self.expr(&g.iter);
            let iter = match iter {
                Ok(x) => x,
                Err(e) => {
                    result = Err(e);
                    break;
                }
            };
            let mut names = Vec::new();
            target_names(&g.target, BindKind::Other, &mut names);
            let mut block = HashMap::new();
            for (n, _, _) in names {
                let captured = self.scope().captured.contains(&n);
                let p = if captured {
                    self.scope().new_cell(n)
                } else {
                    self.scope().new_slot(n)
                };
                block.insert(n, p);
            }
            self.scope().blocks.push(block);
            let target = match self.target(&g.target) {
                Ok(t) => t,
                Err(e) => {
                    result = Err(e);
                    break;
                }
            };
            let ifs = match self.exprs(&g.ifs) {
                Ok(x) => x,
                Err(e) => {
                    result = Err(e);
                    break;
                }
            };
            cgens.push(CompGen { target, iter, ifs });
        }
        let kind = match result {
            Ok(()) => elt(self),
            Err(e) => Err(e),
        };
        self.scope().blocks.truncate(depth);
        Ok(Ex::Comp(Box::new(Comp {
            kind: kind?,
            gens: cgens,
            span,
        })))
    }
}

#[derive(Clone, Copy)]
enum FnBody<'a> {
    Block(&'a [ast::Stmt]),
    Expr(&'a ast::Expr),
    Pipeline(&'a ast::Pipeline),
}

fn target_display(t: &ast::Expr) -> String {
    match &t.kind {
        ExprKind::Name { name, .. } => name.as_str().to_string(),
        ExprKind::Attribute { attr, .. } => attr.name.as_str().to_string(),
        _ => "target".into(),
    }
}

fn type_names(t: &ast::TypeExpr) -> Vec<Sym> {
    match &t.kind {
        ast::TypeExprKind::Name(n) => vec![*n],
        ast::TypeExprKind::Generic(n, _) => vec![*n],
        ast::TypeExprKind::Union(v) => v.iter().flat_map(type_names).collect(),
        ast::TypeExprKind::None => vec![],
    }
}

fn contains_placeholder(e: &ast::Expr) -> bool {
    let mut found = false;
    visit_expr(e, &mut |x| {
        if matches!(x.kind, ExprKind::Placeholder) {
            found = true;
        }
    });
    found
}

fn collect_captures(st: &ast::PipeStage, out: &mut HashSet<Sym>) {
    if let Some(c) = st.capture {
        out.insert(c.name);
    }
    if let ast::PipeStageKind::FanOut(v) = &st.kind {
        for s in v {
            collect_captures(s, out);
        }
    }
}

fn stage_refs(st: &ast::PipeStage, captured: &mut HashSet<Sym>, assigned: &mut Vec<Sym>) {
    if let Some(c) = st.capture {
        assigned.push(c.name);
    }
    match &st.kind {
        ast::PipeStageKind::Expr(e) => nested_refs_expr(e, captured),
        ast::PipeStageKind::FanOut(v) => {
            for s in v {
                stage_refs(s, captured, assigned);
            }
        }
    }
}
