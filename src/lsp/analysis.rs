//! One document as the language server understands it: its names
//! ([`Index`]) and the types the checker inferred at each span (`check::analyse`), with the
//! modules it imports as the checker sees them. Hover, completion, signature help and
//! navigation all ask an [`Analysis`].

use super::index::{DefKind, Index};
use super::text::LineIndex;
use dana_grammar::ast::{Module, Span, Sym};
use dana_interpreter::check::{self, ModuleInfo, StructInfo, Type};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// What every analysis shares: the standard modules and the builtin names as the checker sees
/// them (computed once per thread: they need an interpreter with the standard library).
pub(crate) struct World {
    pub(crate) stdlib: HashMap<String, ModuleInfo>,
    pub(crate) builtins: HashMap<String, Type>,
}

impl World {
    pub(crate) fn new() -> World {
        let mut it = crate::runner::new_interp();
        World {
            stdlib: check::stdlib_module_infos(&mut it, &dana_stdlib::module_names()),
            builtins: check::builtin_types(&crate::runner::host_names()),
        }
    }
}

pub(crate) struct Analysis {
    pub(crate) path: PathBuf,
    pub(crate) text: String,
    pub(crate) lines: LineIndex,
    pub(crate) index: Index,
    /// The inferred type at each span (the last one recorded for a span wins).
    types: HashMap<(u32, u32), Type>,
    pub(crate) summary: ModuleInfo,
    /// The modules the document imports, by the name it imports them with.
    pub(crate) modules: HashMap<String, ModuleInfo>,
}

impl Analysis {
    /// Parses and checks `text` (the document at `path`); `None` when it does not parse.
    pub(crate) fn new(world: &World, path: &Path, text: &str) -> Option<Analysis> {
        let module = dana_grammar::parse_module(text).ok()?;
        Some(Analysis::of_module(world, path, text, module))
    }

    pub(crate) fn of_module(world: &World, path: &Path, text: &str, module: Module) -> Analysis {
        let opts = crate::runner::check_options(path, &module, &world.stdlib);
        let result = check::analyse(&module, &opts);
        let index = Index::build(&module, text.len());
        Analysis::of_check(
            path,
            text,
            LineIndex::new(text),
            index,
            result,
            opts.modules,
        )
    }

    /// The analysis of a module parsed from `text` (its line starts `lines` and the index of
    /// its names `index`), from a run of the checker on it with types recorded, and the
    /// modules it imports.
    pub(crate) fn of_check(
        path: &Path,
        text: &str,
        lines: LineIndex,
        index: Index,
        result: check::Analysis,
        modules: HashMap<String, ModuleInfo>,
    ) -> Analysis {
        let types = result
            .types
            .into_iter()
            .map(|(s, t)| ((s.start, s.end), t))
            .collect();
        Analysis {
            path: path.to_path_buf(),
            text: text.to_string(),
            lines,
            index,
            types,
            summary: result.summary,
            modules,
        }
    }

    pub(crate) fn slice(&self, span: Span) -> &str {
        self.text
            .get(span.start as usize..span.end as usize)
            .unwrap_or("")
    }

    pub(crate) fn type_of_span(&self, span: Span) -> Option<&Type> {
        self.types.get(&(span.start, span.end))
    }

    /// The type recorded on the smallest span holding `offset`.
    pub(crate) fn type_around(&self, offset: usize) -> Option<(Span, &Type)> {
        self.types
            .iter()
            .filter(|((s, e), _)| (*s as usize) <= offset && offset <= *e as usize)
            .min_by_key(|((s, e), _)| (e - s, *s))
            .map(|((s, e), t)| (Span::new(*s as usize, *e as usize), t))
    }

    /// The type of definition `def`.
    pub(crate) fn def_type(&self, def: usize) -> Option<Type> {
        let d = &self.index.defs[def];
        match d.kind {
            DefKind::Struct => Some(Type::StructType(d.name)),
            DefKind::Field | DefKind::Method => {
                let owner = d.owner?;
                self.member_type(&Type::Struct(owner), d.name)
            }
            _ => self.type_of_span(d.span).cloned(),
        }
    }

    /// The type of `name` as read in `scope`: its definition's, else the builtin's.
    pub(crate) fn name_type(&self, world: &World, name: Sym, scope: usize) -> Option<Type> {
        match self.index.resolve(name, scope) {
            Some(d) => self.def_type(d),
            None => world.builtins.get(name.as_str()).cloned(),
        }
    }

    /// The type of a dotted name (`p`, `m.Point`, `cfg.items`) read in `scope`.
    pub(crate) fn chain_type(&self, world: &World, parts: &[String], scope: usize) -> Option<Type> {
        let (first, rest) = parts.split_first()?;
        let mut t = self.name_type(world, Sym::intern(first), scope)?;
        for p in rest {
            t = self.member_type(&t, Sym::intern(p))?;
        }
        Some(t)
    }

    /// A struct known to this document: its own, or one of an imported module.
    pub(crate) fn struct_info(&self, name: Sym) -> Option<&StructInfo> {
        self.summary
            .structs
            .iter()
            .chain(self.modules.values().flat_map(|m| m.structs.iter()))
            .find(|s| s.name == name)
    }

    /// The type of member `name` of a value of type `t`.
    pub(crate) fn member_type(&self, t: &Type, name: Sym) -> Option<Type> {
        match t {
            Type::Struct(s) => {
                let info = self.struct_info(*s)?;
                if let Some(f) = info.field(name) {
                    return Some(f.ty.clone());
                }
                if let Some(m) = info.methods.get(&name) {
                    return Some(Type::Func(m.clone()));
                }
                info.delegates().find_map(|f| self.member_type(&f.ty, name))
            }
            Type::StructType(s) => self
                .struct_info(*s)?
                .methods
                .get(&name)
                .map(|m| Type::Func(m.clone())),
            Type::Module(key) => {
                let info = self.modules.get(key.as_str())?;
                match info.members.get(name.as_str()) {
                    Some(t) => Some(t.clone()),
                    None => {
                        let sub = format!("{key}.{name}");
                        self.modules
                            .contains_key(&sub)
                            .then(|| Type::Module(Sym::intern(&sub)))
                    }
                }
            }
            Type::Union(ts) => {
                let found: Vec<Type> = ts
                    .iter()
                    .filter(|t| **t != Type::None)
                    .filter_map(|t| self.member_type(t, name))
                    .collect();
                (found.len() == 1).then(|| found[0].clone())
            }
            _ => None,
        }
    }

    /// The members of a value of type `t`: name, kind, and the member's type.
    pub(crate) fn members(&self, t: &Type) -> Vec<(String, MemberKind, Option<Type>)> {
        let mut out = Vec::new();
        match t {
            Type::Struct(s) | Type::StructType(s) => {
                let Some(info) = self.struct_info(*s) else {
                    return out;
                };
                if matches!(t, Type::Struct(_)) {
                    for f in &info.fields {
                        out.push((f.name.to_string(), MemberKind::Field, Some(f.ty.clone())));
                    }
                    for f in info.delegates() {
                        for m in self.members(&f.ty) {
                            if !out.iter().any(|o| o.0 == m.0) {
                                out.push(m);
                            }
                        }
                    }
                }
                let mut methods: Vec<_> = info.methods.iter().collect();
                methods.sort_by_key(|(n, _)| n.as_str());
                for (n, ft) in methods {
                    out.push((
                        n.to_string(),
                        MemberKind::Method,
                        Some(Type::Func(ft.clone())),
                    ));
                }
            }
            Type::Module(key) => {
                if let Some(info) = self.modules.get(key.as_str()) {
                    let mut names: Vec<_> = info.members.iter().collect();
                    names.sort_by_key(|(n, _)| n.as_str());
                    for (n, ty) in names {
                        let kind = match ty {
                            Type::Func(_) | Type::Callable => MemberKind::Function,
                            Type::StructType(_) => MemberKind::Struct,
                            Type::Module(_) => MemberKind::Module,
                            _ => MemberKind::Variable,
                        };
                        out.push((n.clone(), kind, Some(ty.clone())));
                    }
                }
                let prefix = format!("{key}.");
                for sub in self.modules.keys() {
                    if let Some(rest) = sub.strip_prefix(&prefix) {
                        if !rest.contains('.') && !out.iter().any(|o| o.0 == rest) {
                            out.push((rest.to_string(), MemberKind::Module, None));
                        }
                    }
                }
            }
            Type::Union(ts) => {
                for t in ts.iter().filter(|t| **t != Type::None) {
                    for m in self.members(t) {
                        if !out.iter().any(|o| o.0 == m.0) {
                            out.push(m);
                        }
                    }
                }
            }
            other => {
                if let Some(tn) = builtin_type_name(other) {
                    for m in dana_interpreter::value::methods::method_names(tn) {
                        out.push((m.to_string(), MemberKind::Method, None));
                    }
                }
            }
        }
        out
    }
}

/// What kind of member a completion offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum MemberKind {
    Field,
    Method,
    Function,
    Struct,
    Module,
    Variable,
}

/// The runtime's name of a builtin value type (whose methods the runtime lists).
fn builtin_type_name(t: &Type) -> Option<&'static str> {
    Some(match t {
        Type::Str => "str",
        Type::List(_) => "list",
        Type::Dict(..) => "dict",
        Type::Set(_) => "set",
        Type::Tuple(_) | Type::TupleOf(_) => "tuple",
        Type::Int => "int",
        Type::Float => "float",
        _ => return None,
    })
}

/// A callable's signature as one line, and where each parameter is in it (for signature
/// help): `name(a: int, b: str = …) -> bool`.
pub(crate) fn signature_label(name: &str, sig: &check::Sig) -> (String, Vec<[u32; 2]>) {
    use dana_grammar::ast::ParamKind;
    let mut s = format!("{name}(");
    let mut spans = Vec::new();
    for (i, p) in sig.params.iter().enumerate() {
        if i > 0 {
            s.push_str(", ");
        }
        let start = s.encode_utf16().count() as u32;
        match p.kind {
            ParamKind::VarArgs => s.push('*'),
            ParamKind::KwArgs => s.push_str("**"),
            ParamKind::Normal => {}
        }
        s.push_str(p.name.as_str());
        if p.annotated {
            s.push_str(&format!(": {}", p.ty));
        }
        if p.has_default {
            s.push_str(" = …");
        }
        spans.push([start, s.encode_utf16().count() as u32]);
    }
    s.push(')');
    if sig.ret_annotated {
        s.push_str(&format!(" -> {}", sig.ret));
    }
    (s, spans)
}
