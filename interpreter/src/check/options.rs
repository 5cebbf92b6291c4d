//! What the checker is told about the world outside the module: [`CheckOptions`] (globals,
//! host names, importable modules, strictness) and [`ModuleInfo`], the summary of what a
//! module offers its importers (its members, structs and interfaces).

use super::ty::{FnType, Type};
use dana_grammar::ast::Sym;
use std::collections::HashMap;
use std::sync::Arc;

/// What the checker may assume about the world outside the module.
#[derive(Clone, Debug, Default)]
pub struct CheckOptions {
    /// Extra names visible as globals (the globals of the module a generated function will
    /// join, a session's names), with their types (`Type::Any` when unknown). They shadow the
    /// builtins and the host's names.
    pub globals: Vec<(String, Type)>,
    /// The names the host binds in every program beside the builtins (see [`HostNames`]).
    pub host: HostNames,
    /// Modules that imports may name, by dotted path (`math`, `utils`, `pkg.text`; a relative
    /// import `from .util import f` is looked up as `.util`). An unknown module is `any`.
    pub modules: HashMap<String, ModuleInfo>,
    /// Leave out the warnings (unused names, unreachable code, downgraded errors).
    pub no_warnings: bool,
}

/// What a host installs into every program beside the builtins, as the checker must know it:
/// whoever installs a host function or decorator lists it here (the standard library its LLM
/// calls, an extension its own functions), and whoever builds the [`CheckOptions`] gathers
/// the lists of what it installed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HostNames {
    /// Host functions and values with their types (`Type::Any`: calls are not checked). They
    /// count as builtins: the module may shadow them, and a gate's allowlist sees them as
    /// builtin references.
    pub functions: Vec<(String, Type)>,
    /// Decorators that keep the decorated function's signature (a host decorator that
    /// replaces how the function runs, not how it is called). A function under any other
    /// decorator is `any`: the decorator may return anything.
    pub decorators: Vec<String>,
}

impl HostNames {
    /// Host functions typed `any`, and no decorators.
    pub fn functions(names: &[&str]) -> HostNames {
        HostNames {
            functions: names.iter().map(|n| (n.to_string(), Type::Any)).collect(),
            decorators: Vec::new(),
        }
    }

    /// Adds `decorator` as a signature-keeping decorator (and as a name typed `any`).
    pub fn with_decorator(mut self, decorator: &str) -> HostNames {
        self.functions.push((decorator.to_string(), Type::Any));
        self.decorators.push(decorator.to_string());
        self
    }

    /// Both lists, `self`'s first.
    pub fn and(mut self, other: HostNames) -> HostNames {
        self.functions.extend(other.functions);
        self.decorators.extend(other.decorators);
        self
    }
}

/// What a module offers to its importers.
#[derive(Clone, Debug, Default)]
pub struct ModuleInfo {
    /// Public members and their types.
    pub members: HashMap<String, Type>,
    /// The struct types the module defines (members may be `Type::StructType` of them).
    pub structs: Vec<StructInfo>,
    pub interfaces: Vec<InterfaceInfo>,
    /// `true` when `members` is exhaustive (standard modules): a missing member is an error.
    pub complete: bool,
}

/// A struct (or agent/resource/workflow) type as the checker sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct StructInfo {
    pub name: Sym,
    pub fields: Vec<FieldInfo>,
    /// Methods without their receiver parameter.
    pub methods: HashMap<Sym, Arc<FnType>>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FieldInfo {
    pub name: Sym,
    pub ty: Type,
    pub has_default: bool,
}

impl StructInfo {
    pub fn field(&self, n: Sym) -> Option<&FieldInfo> {
        self.fields.iter().find(|f| f.name == n)
    }
    /// Fields whose names start with `_` receive the lookups that miss (DANA_SPEC §7).
    pub fn delegates(&self) -> impl Iterator<Item = &FieldInfo> {
        self.fields
            .iter()
            .filter(|f| f.name.as_str().starts_with('_'))
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct InterfaceInfo {
    pub name: Sym,
    pub methods: Vec<Sym>,
    pub embeds: Vec<Sym>,
}
