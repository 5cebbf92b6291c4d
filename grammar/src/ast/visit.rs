//! The one traversal of the AST: the [`Visitor`] trait, with one method per node family, and
//! the `walk_*` functions that visit a node's children in source order.
//!
//! A walker is a struct holding whatever it collects. It implements [`Visitor`], overrides the
//! methods of the nodes it cares about, and calls the matching `walk_*` function from an
//! override to keep descending (or leaves it out to stop at that node: a scope-aware walker
//! stops at nested functions, lambdas or comprehensions this way). The tree is only read; every
//! reference handed to a visitor lives as long as the tree (`'ast`), so a walker may keep them.
//!
//! ```
//! use dana_grammar::ast::visit::{self, Visitor};
//! use dana_grammar::ast::{Expr, ExprKind, FunctionDef, Sym};
//!
//! /// The names a module reads, outside function bodies.
//! #[derive(Default)]
//! struct Reads(Vec<Sym>);
//!
//! impl<'ast> Visitor<'ast> for Reads {
//!     fn visit_expr(&mut self, e: &'ast Expr) {
//!         if let ExprKind::Name { name, .. } = e.kind {
//!             self.0.push(name);
//!         }
//!         visit::walk_expr(self, e);
//!     }
//!     fn visit_target(&mut self, _target: &'ast Expr) {
//!         // Assigned, not read: do not descend.
//!     }
//!     fn visit_function_def(&mut self, _def: &'ast FunctionDef) {
//!         // Another scope: do not descend.
//!     }
//! }
//!
//! let module = dana_grammar::parse_module("x = a + b\ndef f():\n    return c\nprint(x)\n").unwrap();
//! let mut reads = Reads::default();
//! reads.visit_module(&module);
//! let names: Vec<&str> = reads.0.iter().map(|s| s.as_str()).collect();
//! assert_eq!(names, ["a", "b", "print", "x"]);
//! ```
//!
//! Order: children are visited in the order they appear in the source text, not in evaluation
//! order: `body if test else orelse` visits `body` first, a comprehension visits its element
//! before its `for` clauses, decorators come before the `def` they decorate, and a receiver
//! before the function's name. The fields and methods of a struct or niche block, and the method
//! signatures and embedded names of an interface, are interleaved by position.

use super::*;

/// A read-only walk over the AST. Every method defaults to the `walk_*` function of the same
/// node family, which visits all its children; override a method to act on a node, and call
/// the `walk_*` function from the override to continue below it.
///
/// Node families and where they occur:
/// * [`visit_module`](Self::visit_module): the root;
/// * [`visit_block`](Self::visit_block): every statement list (module, `if`/`elif`/`else`,
///   loop and `else` bodies, `try`/`except`/`finally`, `with`, function bodies);
/// * [`visit_stmt`](Self::visit_stmt), [`visit_expr`](Self::visit_expr);
/// * [`visit_target`](Self::visit_target): the expression an assignment, an augmented
///   assignment, a typed assignment, a `for`, a comprehension clause, a `with … as`, an
///   assignment expression (`n := …`) or a `del` binds (or unbinds);
///   the default visits it as an expression;
/// * [`visit_type`](Self::visit_type): annotations and return types, and each member of a
///   generic or union type;
/// * [`visit_function_def`](Self::visit_function_def): `def` statements and the methods of
///   struct and niche blocks; [`visit_param`](Self::visit_param) (receivers, parameters,
///   lambda and method-signature parameters), [`visit_decorator`](Self::visit_decorator),
///   [`visit_pipeline`](Self::visit_pipeline) and [`visit_pipe_stage`](Self::visit_pipe_stage);
/// * [`visit_arg`](Self::visit_arg): call and decorator arguments;
/// * [`visit_lambda`](Self::visit_lambda), [`visit_comprehension`](Self::visit_comprehension)
///   (one `for … in … if …` clause), [`visit_fstring_part`](Self::visit_fstring_part);
/// * [`visit_except_handler`](Self::visit_except_handler),
///   [`visit_with_item`](Self::visit_with_item), [`visit_import_name`](Self::visit_import_name);
/// * [`visit_struct_def`](Self::visit_struct_def), [`visit_interface_def`](Self::visit_interface_def),
///   [`visit_niche_def`](Self::visit_niche_def), [`visit_field`](Self::visit_field),
///   [`visit_method_sig`](Self::visit_method_sig);
/// * [`visit_ident`](Self::visit_ident): every [`Ident`] of the tree (names being defined:
///   functions, types, fields, parameters, `except … as`, pipeline captures, `global` and
///   `nonlocal` names; attribute names,
///   keyword-argument names, import paths, aliases and imported names, embedded interfaces).
///   Names *used* in expressions are [`ExprKind::Name`] expressions, not `Ident`s.
pub trait Visitor<'ast> {
    fn visit_module(&mut self, module: &'ast Module) {
        walk_module(self, module)
    }
    fn visit_block(&mut self, block: &'ast [Stmt]) {
        walk_block(self, block)
    }
    fn visit_stmt(&mut self, stmt: &'ast Stmt) {
        walk_stmt(self, stmt)
    }
    fn visit_expr(&mut self, expr: &'ast Expr) {
        walk_expr(self, expr)
    }
    fn visit_target(&mut self, target: &'ast Expr) {
        walk_target(self, target)
    }
    fn visit_type(&mut self, ty: &'ast TypeExpr) {
        walk_type(self, ty)
    }
    fn visit_ident(&mut self, _ident: &'ast Ident) {}
    fn visit_function_def(&mut self, def: &'ast FunctionDef) {
        walk_function_def(self, def)
    }
    fn visit_param(&mut self, param: &'ast Param) {
        walk_param(self, param)
    }
    fn visit_decorator(&mut self, decorator: &'ast Decorator) {
        walk_decorator(self, decorator)
    }
    fn visit_pipeline(&mut self, pipeline: &'ast Pipeline) {
        walk_pipeline(self, pipeline)
    }
    fn visit_pipe_stage(&mut self, stage: &'ast PipeStage) {
        walk_pipe_stage(self, stage)
    }
    fn visit_arg(&mut self, arg: &'ast Arg) {
        walk_arg(self, arg)
    }
    fn visit_lambda(&mut self, lambda: &'ast Lambda) {
        walk_lambda(self, lambda)
    }
    fn visit_comprehension(&mut self, clause: &'ast Comprehension) {
        walk_comprehension(self, clause)
    }
    fn visit_fstring_part(&mut self, part: &'ast FPart) {
        walk_fstring_part(self, part)
    }
    fn visit_except_handler(&mut self, handler: &'ast ExceptHandler) {
        walk_except_handler(self, handler)
    }
    fn visit_with_item(&mut self, item: &'ast WithItem) {
        walk_with_item(self, item)
    }
    fn visit_import_name(&mut self, name: &'ast ImportName) {
        walk_import_name(self, name)
    }
    fn visit_struct_def(&mut self, def: &'ast StructDef) {
        walk_struct_def(self, def)
    }
    fn visit_interface_def(&mut self, def: &'ast InterfaceDef) {
        walk_interface_def(self, def)
    }
    fn visit_niche_def(&mut self, def: &'ast NicheDef) {
        walk_niche_def(self, def)
    }
    fn visit_field(&mut self, field: &'ast FieldDef) {
        walk_field(self, field)
    }
    fn visit_method_sig(&mut self, sig: &'ast MethodSig) {
        walk_method_sig(self, sig)
    }
}

/// The module's body, as one block.
pub fn walk_module<'ast, V: Visitor<'ast> + ?Sized>(v: &mut V, module: &'ast Module) {
    v.visit_block(&module.body);
}

/// Each statement of the block.
pub fn walk_block<'ast, V: Visitor<'ast> + ?Sized>(v: &mut V, block: &'ast [Stmt]) {
    for s in block {
        v.visit_stmt(s);
    }
}

/// The statement's expressions, targets, types, names, nested blocks and definitions.
pub fn walk_stmt<'ast, V: Visitor<'ast> + ?Sized>(v: &mut V, stmt: &'ast Stmt) {
    match &stmt.kind {
        StmtKind::Expr(e) => v.visit_expr(e),
        StmtKind::Assign { targets, value } => {
            for t in targets {
                v.visit_target(t);
            }
            v.visit_expr(value);
        }
        StmtKind::TypedAssign { target, ann, value } => {
            v.visit_target(target);
            v.visit_type(ann);
            if let Some(e) = value {
                v.visit_expr(e);
            }
        }
        StmtKind::AugAssign { target, value, .. } => {
            v.visit_target(target);
            v.visit_expr(value);
        }
        StmtKind::If { cond, body, orelse } | StmtKind::While { cond, body, orelse } => {
            v.visit_expr(cond);
            v.visit_block(body);
            v.visit_block(orelse);
        }
        StmtKind::For {
            target,
            iter,
            body,
            orelse,
        } => {
            v.visit_target(target);
            v.visit_expr(iter);
            v.visit_block(body);
            v.visit_block(orelse);
        }
        StmtKind::FunctionDef(def) => v.visit_function_def(def),
        StmtKind::Return(value) => {
            if let Some(e) = value {
                v.visit_expr(e);
            }
        }
        StmtKind::Pass | StmtKind::Break | StmtKind::Continue => {}
        StmtKind::Try {
            body,
            handlers,
            orelse,
            finalbody,
        } => {
            v.visit_block(body);
            for h in handlers {
                v.visit_except_handler(h);
            }
            v.visit_block(orelse);
            v.visit_block(finalbody);
        }
        StmtKind::Raise { exc, cause } => {
            for e in exc.iter().chain(cause) {
                v.visit_expr(e);
            }
        }
        StmtKind::Assert { test, msg } => {
            v.visit_expr(test);
            if let Some(e) = msg {
                v.visit_expr(e);
            }
        }
        StmtKind::Import { path, alias } => {
            for id in path.iter().chain(alias) {
                v.visit_ident(id);
            }
        }
        StmtKind::FromImport { path, names, .. } => {
            for id in path {
                v.visit_ident(id);
            }
            for n in names {
                v.visit_import_name(n);
            }
        }
        StmtKind::Struct(def) => v.visit_struct_def(def),
        StmtKind::Interface(def) => v.visit_interface_def(def),
        StmtKind::With { items, body } => {
            for item in items {
                v.visit_with_item(item);
            }
            v.visit_block(body);
        }
        StmtKind::Niche(def) => v.visit_niche_def(def),
        StmtKind::Delete(targets) => {
            for t in targets {
                v.visit_target(t);
            }
        }
        StmtKind::Global(names) | StmtKind::Nonlocal(names) => {
            for id in names {
                v.visit_ident(id);
            }
        }
    }
}

/// The expression's sub-expressions (and its arguments, clauses, f-string parts, lambda and
/// attribute name).
pub fn walk_expr<'ast, V: Visitor<'ast> + ?Sized>(v: &mut V, expr: &'ast Expr) {
    match &expr.kind {
        ExprKind::Int(_)
        | ExprKind::BigInt(_)
        | ExprKind::Float(_)
        | ExprKind::Str(_)
        | ExprKind::Bool(_)
        | ExprKind::None
        | ExprKind::Name { .. }
        | ExprKind::Placeholder => {}
        ExprKind::FString(parts) => {
            for p in parts {
                v.visit_fstring_part(p);
            }
        }
        ExprKind::List(items) | ExprKind::Tuple(items) | ExprKind::Set(items) => {
            for e in items {
                v.visit_expr(e);
            }
        }
        ExprKind::Dict(entries) => {
            for (k, val) in entries {
                v.visit_expr(k);
                v.visit_expr(val);
            }
        }
        ExprKind::ListComp { elt, gens } | ExprKind::SetComp { elt, gens } => {
            v.visit_expr(elt);
            for g in gens {
                v.visit_comprehension(g);
            }
        }
        ExprKind::DictComp { key, value, gens } => {
            v.visit_expr(key);
            v.visit_expr(value);
            for g in gens {
                v.visit_comprehension(g);
            }
        }
        ExprKind::Lambda(l) => v.visit_lambda(l),
        ExprKind::IfExp { test, body, orelse } => {
            v.visit_expr(body);
            v.visit_expr(test);
            v.visit_expr(orelse);
        }
        ExprKind::And(a, b) | ExprKind::Or(a, b) | ExprKind::Binary(_, a, b) => {
            v.visit_expr(a);
            v.visit_expr(b);
        }
        ExprKind::Not(e) | ExprKind::Unary(_, e) | ExprKind::Starred(e) => v.visit_expr(e),
        ExprKind::NamedExpr { target, value } => {
            v.visit_target(target);
            v.visit_expr(value);
        }
        ExprKind::Compare { left, ops } => {
            v.visit_expr(left);
            for (_, e) in ops {
                v.visit_expr(e);
            }
        }
        ExprKind::Call { func, args } => {
            v.visit_expr(func);
            for a in args {
                v.visit_arg(a);
            }
        }
        ExprKind::Attribute { value, attr } => {
            v.visit_expr(value);
            v.visit_ident(attr);
        }
        ExprKind::Index { value, index } => {
            v.visit_expr(value);
            v.visit_expr(index);
        }
        ExprKind::Slice { lower, upper, step } => {
            for e in [lower, upper, step].into_iter().flatten() {
                v.visit_expr(e);
            }
        }
    }
}

/// A binding target is visited as an expression.
pub fn walk_target<'ast, V: Visitor<'ast> + ?Sized>(v: &mut V, target: &'ast Expr) {
    v.visit_expr(target);
}

/// The members of a generic or union type.
pub fn walk_type<'ast, V: Visitor<'ast> + ?Sized>(v: &mut V, ty: &'ast TypeExpr) {
    match &ty.kind {
        TypeExprKind::Name(_) | TypeExprKind::None => {}
        TypeExprKind::Generic(_, items) | TypeExprKind::Union(items) => {
            for t in items {
                v.visit_type(t);
            }
        }
    }
}

/// Decorators, receiver, name, parameters, return type, then the body (a block or a pipeline).
pub fn walk_function_def<'ast, V: Visitor<'ast> + ?Sized>(v: &mut V, def: &'ast FunctionDef) {
    for d in &def.decorators {
        v.visit_decorator(d);
    }
    if let Some(r) = &def.receiver {
        v.visit_param(r);
    }
    v.visit_ident(&def.name);
    for p in &def.params {
        v.visit_param(p);
    }
    if let Some(t) = &def.returns {
        v.visit_type(t);
    }
    match &def.body {
        FuncBody::Block(body) => v.visit_block(body),
        FuncBody::Pipeline(p) => v.visit_pipeline(p),
    }
}

/// Name, annotation, default.
pub fn walk_param<'ast, V: Visitor<'ast> + ?Sized>(v: &mut V, param: &'ast Param) {
    v.visit_ident(&param.name);
    if let Some(t) = &param.ann {
        v.visit_type(t);
    }
    if let Some(e) = &param.default {
        v.visit_expr(e);
    }
}

/// The decorator's expression, then its arguments.
pub fn walk_decorator<'ast, V: Visitor<'ast> + ?Sized>(v: &mut V, decorator: &'ast Decorator) {
    v.visit_expr(&decorator.func);
    for a in decorator.args.iter().flatten() {
        v.visit_arg(a);
    }
}

/// Each stage.
pub fn walk_pipeline<'ast, V: Visitor<'ast> + ?Sized>(v: &mut V, pipeline: &'ast Pipeline) {
    for s in &pipeline.stages {
        v.visit_pipe_stage(s);
    }
}

/// The stage's expression (or the stages of a fan-out), then its `as` capture.
pub fn walk_pipe_stage<'ast, V: Visitor<'ast> + ?Sized>(v: &mut V, stage: &'ast PipeStage) {
    match &stage.kind {
        PipeStageKind::Expr(e) => v.visit_expr(e),
        PipeStageKind::FanOut(stages) => {
            for s in stages {
                v.visit_pipe_stage(s);
            }
        }
    }
    if let Some(c) = &stage.capture {
        v.visit_ident(c);
    }
}

/// The keyword's name, then the value.
pub fn walk_arg<'ast, V: Visitor<'ast> + ?Sized>(v: &mut V, arg: &'ast Arg) {
    match &arg.kind {
        ArgKind::Positional(e) | ArgKind::Star(e) | ArgKind::StarStar(e) => v.visit_expr(e),
        ArgKind::Keyword(name, e) => {
            v.visit_ident(name);
            v.visit_expr(e);
        }
    }
}

/// Parameters, then the body.
pub fn walk_lambda<'ast, V: Visitor<'ast> + ?Sized>(v: &mut V, lambda: &'ast Lambda) {
    for p in lambda.receiver.iter().chain(&lambda.params) {
        v.visit_param(p);
    }
    v.visit_expr(&lambda.body);
}

/// Target, iterable, then each `if` condition.
pub fn walk_comprehension<'ast, V: Visitor<'ast> + ?Sized>(v: &mut V, clause: &'ast Comprehension) {
    v.visit_target(&clause.target);
    v.visit_expr(&clause.iter);
    for e in &clause.ifs {
        v.visit_expr(e);
    }
}

/// A field's expression, then the parts of its format spec.
pub fn walk_fstring_part<'ast, V: Visitor<'ast> + ?Sized>(v: &mut V, part: &'ast FPart) {
    match part {
        FPart::Lit(_) => {}
        FPart::Expr { expr, spec, .. } => {
            v.visit_expr(expr);
            for p in spec.iter().flatten() {
                v.visit_fstring_part(p);
            }
        }
    }
}

/// The exception types, the `as` name, then the body.
pub fn walk_except_handler<'ast, V: Visitor<'ast> + ?Sized>(
    v: &mut V,
    handler: &'ast ExceptHandler,
) {
    if let Some(e) = &handler.types {
        v.visit_expr(e);
    }
    if let Some(n) = &handler.name {
        v.visit_ident(n);
    }
    v.visit_block(&handler.body);
}

/// The context expression, then the `as` target.
pub fn walk_with_item<'ast, V: Visitor<'ast> + ?Sized>(v: &mut V, item: &'ast WithItem) {
    v.visit_expr(&item.context);
    if let Some(t) = &item.target {
        v.visit_target(t);
    }
}

/// The imported name, then its alias.
pub fn walk_import_name<'ast, V: Visitor<'ast> + ?Sized>(v: &mut V, name: &'ast ImportName) {
    v.visit_ident(&name.name);
    if let Some(a) = &name.alias {
        v.visit_ident(a);
    }
}

/// The name, then fields and methods in source order.
pub fn walk_struct_def<'ast, V: Visitor<'ast> + ?Sized>(v: &mut V, def: &'ast StructDef) {
    v.visit_ident(&def.name);
    walk_members(v, &def.fields, &def.methods);
}

/// The name, then method signatures and embedded interfaces in source order.
pub fn walk_interface_def<'ast, V: Visitor<'ast> + ?Sized>(v: &mut V, def: &'ast InterfaceDef) {
    v.visit_ident(&def.name);
    let (mut sigs, mut embeds) = (def.methods.iter().peekable(), def.embeds.iter().peekable());
    loop {
        match (sigs.peek(), embeds.peek()) {
            (Some(s), Some(e)) if s.span.start <= e.span.start => {
                v.visit_method_sig(s);
                sigs.next();
            }
            (_, Some(e)) => {
                v.visit_ident(e);
                embeds.next();
            }
            (Some(s), None) => {
                v.visit_method_sig(s);
                sigs.next();
            }
            (None, None) => break,
        }
    }
}

/// The name, then fields and methods in source order.
pub fn walk_niche_def<'ast, V: Visitor<'ast> + ?Sized>(v: &mut V, def: &'ast NicheDef) {
    v.visit_ident(&def.name);
    walk_members(v, &def.fields, &def.methods);
}

/// Name, annotation, default.
pub fn walk_field<'ast, V: Visitor<'ast> + ?Sized>(v: &mut V, field: &'ast FieldDef) {
    v.visit_ident(&field.name);
    if let Some(t) = &field.ann {
        v.visit_type(t);
    }
    if let Some(e) = &field.default {
        v.visit_expr(e);
    }
}

/// Name, parameters, return type.
pub fn walk_method_sig<'ast, V: Visitor<'ast> + ?Sized>(v: &mut V, sig: &'ast MethodSig) {
    v.visit_ident(&sig.name);
    for p in &sig.params {
        v.visit_param(p);
    }
    if let Some(t) = &sig.returns {
        v.visit_type(t);
    }
}

/// Fields and methods of a struct-like block, interleaved by where they start.
fn walk_members<'ast, V: Visitor<'ast> + ?Sized>(
    v: &mut V,
    fields: &'ast [FieldDef],
    methods: &'ast [FunctionDef],
) {
    let start = |m: &FunctionDef| {
        m.decorators
            .first()
            .map_or(m.header_span.start, |d| d.span.start)
    };
    let (mut fs, mut ms) = (fields.iter().peekable(), methods.iter().peekable());
    loop {
        match (fs.peek(), ms.peek()) {
            (Some(f), Some(m)) if f.span.start <= start(m) => {
                v.visit_field(f);
                fs.next();
            }
            (_, Some(m)) => {
                v.visit_function_def(m);
                ms.next();
            }
            (Some(f), None) => {
                v.visit_field(f);
                fs.next();
            }
            (None, None) => break,
        }
    }
}

#[cfg(test)]
mod tests;
