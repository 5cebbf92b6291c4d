//! The resolver's state and name lookup: the scope stack (function, class-like block,
//! comprehension), slot and cell allocation, and where a name read or written lives.

use super::names::{check_decls, has_comprehension, nested_refs_block, scope_decls};
use crate::error::{Exc, ExcKind, RtError};
use crate::ir::{ModuleCode, Place};
use crate::source::SourceFile;
use crate::value::Globals;
use dana_grammar::ast::{self, Span, Sym};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

#[derive(PartialEq)]
pub(super) enum ScopeType {
    Module,
    Function,
}

pub(super) struct Scope {
    pub(super) ty: ScopeType,
    pub(super) locals: HashMap<Sym, Place>,
    /// Comprehension scopes, innermost last.
    pub(super) blocks: Vec<HashMap<Sym, Place>>,
    /// Names mentioned inside nested functions (their locals here become cells).
    pub(super) captured: HashSet<Sym>,
    pub(super) free: Vec<Place>,
    pub(super) free_map: HashMap<Sym, u32>,
    pub(super) slot_names: Vec<Sym>,
    pub(super) cell_names: Vec<Sym>,
    /// Names of `as` captures of a pipeline body (they decide whether a stage inserts its value).
    pub(super) pipeline_captures: HashSet<Sym>,
    pub(super) pipeline_slot: Option<u32>,
    /// Names this function declares `global` (they live in the module's slots) and
    /// `nonlocal` (they are free variables of an enclosing function, also when assigned).
    pub(super) global_decl: HashSet<Sym>,
    pub(super) nonlocal_decl: HashSet<Sym>,
}

impl Scope {
    pub(super) fn new(ty: ScopeType, captured: HashSet<Sym>) -> Scope {
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
            global_decl: HashSet::new(),
            nonlocal_decl: HashSet::new(),
        }
    }
    pub(super) fn new_slot(&mut self, name: Sym) -> Place {
        self.slot_names.push(name);
        Place::Local(self.slot_names.len() as u32 - 1)
    }
    pub(super) fn new_cell(&mut self, name: Sym) -> Place {
        self.cell_names.push(name);
        Place::Cell(self.cell_names.len() as u32 - 1)
    }
    pub(super) fn declare(&mut self, name: Sym) -> Place {
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
    pub(super) scopes: Vec<Scope>,
    pub(super) globals: Rc<Globals>,
    pub(super) src: Rc<SourceFile>,
}

pub(super) type R<T> = Result<T, Exc>;

pub(super) fn syntax_error(src: &SourceFile, span: Span, msg: impl Into<String>) -> Exc {
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
        // Names of the module are globals; only its comprehensions' targets ask which names
        // nested functions mention (a walk through every function: skipped when there is none).
        if has_comprehension(&m.body) {
            nested_refs_block(&m.body, &mut captured);
        }
        let decls = scope_decls(&m.body);
        if let Some((msg, at)) = check_decls(&m.body, &decls, &[]) {
            return Err(syntax_error(&self.src, at, msg));
        }
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

    pub(super) fn scope(&mut self) -> &mut Scope {
        self.scopes
            .last_mut()
            .expect("a scope is always pushed while compiling")
    }

    /// Resolves a read of an unscoped name.
    pub(super) fn lookup(&mut self, name: Sym) -> Place {
        let depth = self.scopes.len() - 1;
        if let Some(p) = self.lookup_in(depth, name) {
            return p;
        }
        Place::Global(self.globals.slot_of(name))
    }

    pub(super) fn lookup_in(&mut self, i: usize, name: Sym) -> Option<Place> {
        let s = &self.scopes[i];
        for b in s.blocks.iter().rev() {
            if let Some(p) = b.get(&name) {
                return Some(*p);
            }
        }
        if s.ty == ScopeType::Function {
            if s.global_decl.contains(&name) {
                return Some(Place::Global(self.globals.slot_of(name)));
            }
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
    pub(super) fn store_place(&mut self, name: Sym) -> Place {
        let s = self.scopes.last().expect("scope");
        for b in s.blocks.iter().rev() {
            if let Some(p) = b.get(&name) {
                return *p;
            }
        }
        self.binding_place(name)
    }

    /// Where a plain assignment to `name` in the current function (or module) lands: a
    /// `global` name in the module, a `nonlocal` one in the enclosing function's cell, else a
    /// local.
    fn binding_place(&mut self, name: Sym) -> Place {
        let s = self.scopes.last().expect("scope");
        match s.ty {
            ScopeType::Module => Place::Global(self.globals.slot_of(name)),
            ScopeType::Function if s.global_decl.contains(&name) => {
                Place::Global(self.globals.slot_of(name))
            }
            ScopeType::Function if s.nonlocal_decl.contains(&name) => self.lookup(name),
            ScopeType::Function => self.scope().declare(name),
        }
    }

    /// The place a `name := value` writes: the enclosing function's (a comprehension's walrus
    /// binds outside the comprehension); rebinding an iteration variable is Python's error.
    pub(super) fn walrus_place(&mut self, name: Sym, span: Span) -> R<Place> {
        let s = self.scopes.last().expect("scope");
        if s.blocks.iter().any(|b| b.contains_key(&name)) {
            return Err(syntax_error(
                &self.src,
                span,
                format!(
                    "assignment expression cannot rebind comprehension iteration variable '{name}'"
                ),
            ));
        }
        Ok(self.binding_place(name))
    }
}
