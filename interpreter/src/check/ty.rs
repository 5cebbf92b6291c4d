//! Static types: what the checker knows about a value. Separate from the runtime
//! [`crate::value::TypeAnn`] (which says what a value must be when a program runs): a static
//! type also describes functions, modules, struct types as values and "unknown" (`any`).

use crate::builtins::signatures::Signature;
use dana_grammar::ast::{ParamKind, Sym, TypeExpr, TypeExprKind};
use std::fmt;
use std::sync::Arc;

/// A static type. `Any` is the gradual type: compatible with everything, in both directions.
#[derive(Clone, Debug, PartialEq)]
pub enum Type {
    Any,
    /// No value: the type of an expression that never completes, and of the items of `[]`.
    Never,
    Int,
    Float,
    Str,
    Bool,
    None,
    List(Box<Type>),
    Dict(Box<Type>, Box<Type>),
    Set(Box<Type>),
    /// `tuple[int, str]`: fixed length.
    Tuple(Vec<Type>),
    /// `tuple[int, ...]` and plain `tuple` (`TupleOf(Any)`).
    TupleOf(Box<Type>),
    Union(Vec<Type>),
    /// An instance of a struct (or agent/resource/workflow) type.
    Struct(Sym),
    /// A value satisfying an interface (structurally).
    Interface(Sym),
    /// A function with a known signature.
    Func(Arc<FnType>),
    /// `function` / `callable`: something callable, signature unknown.
    Callable,
    /// An imported module (by module key).
    Module(Sym),
    /// A struct type used as a value (`Point`, callable as the constructor).
    StructType(Sym),
    /// A builtin type name used as a value (`int`, `str`, `range`: callable as a conversion).
    BuiltinType(Sym),
    /// Values the checker does not model further (`range`, `type`, exceptions, host values,
    /// interface types as values, annotations naming unknown types). Compatible with anything.
    Opaque(Sym),
    /// A dict view (`dict_keys`, `dict_values`, `dict_items`) with the type of its items.
    View(Sym, Box<Type>),
}

/// A function's parameters and return type.
#[derive(Clone, Debug, PartialEq)]
pub struct Sig {
    pub params: Vec<ParamT>,
    pub ret: Type,
    /// `true` when the return type was written (`-> R`); an unannotated return is `any`.
    pub ret_annotated: bool,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ParamT {
    pub name: Sym,
    pub ty: Type,
    pub annotated: bool,
    pub has_default: bool,
    pub kind: ParamKind,
    pub keyword_only: bool,
}

/// A callable: a name (for messages) and one signature per overload.
#[derive(Clone, Debug, PartialEq)]
pub struct FnType {
    pub name: String,
    pub sigs: Vec<Sig>,
    /// A user `def`: binding errors name it like the runtime does.
    pub user: bool,
}

impl FnType {
    pub fn single(name: impl Into<String>, sig: Sig, user: bool) -> Arc<FnType> {
        Arc::new(FnType {
            name: name.into(),
            sigs: vec![sig],
            user,
        })
    }
    /// The return type when every overload agrees, else `any`.
    pub fn ret(&self) -> Type {
        match self.sigs.as_slice() {
            [s] => s.ret.clone(),
            _ => Type::Any,
        }
    }
}

/// How far a value of one type can be used where another is expected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compat {
    Yes,
    /// Could be fine at run time (unions, unknowns): never reported.
    Maybe,
    /// Can never be fine: reported.
    No,
}

impl Compat {
    fn best(self, o: Compat) -> Compat {
        match (self, o) {
            (Compat::Yes, _) | (_, Compat::Yes) => Compat::Yes,
            (Compat::Maybe, _) | (_, Compat::Maybe) => Compat::Maybe,
            _ => Compat::No,
        }
    }
    fn worst(self, o: Compat) -> Compat {
        match (self, o) {
            (Compat::No, _) | (_, Compat::No) => Compat::No,
            (Compat::Maybe, _) | (_, Compat::Maybe) => Compat::Maybe,
            _ => Compat::Yes,
        }
    }
}

/// What the compatibility test needs to know about named types.
pub trait TypeWorld {
    /// `Some(true/false)` when the struct `s` (its fields, methods and `_` delegates) is known
    /// to satisfy / not satisfy the interface `i`; `None` when that cannot be decided.
    fn satisfies(&self, s: Sym, i: Sym) -> Option<bool>;
}

/// Resolves an annotation name to a struct, an interface or something else.
pub trait NameKinds {
    fn is_struct(&self, n: Sym) -> bool;
    fn is_interface(&self, n: Sym) -> bool;
}

impl Type {
    pub fn list(t: Type) -> Type {
        Type::List(Box::new(t))
    }
    pub fn set(t: Type) -> Type {
        Type::Set(Box::new(t))
    }
    pub fn dict(k: Type, v: Type) -> Type {
        Type::Dict(Box::new(k), Box::new(v))
    }

    /// The static type of an annotation. Unknown names become [`Type::Opaque`] (never an
    /// error: they may be imported types or host types).
    pub fn from_ann(t: &TypeExpr, names: &dyn NameKinds) -> Type {
        match &t.kind {
            TypeExprKind::None => Type::None,
            TypeExprKind::Name(n) => match n.as_str() {
                "int" => Type::Int,
                "float" => Type::Float,
                "str" => Type::Str,
                "bool" => Type::Bool,
                "None" | "none" | "null" | "NoneType" => Type::None,
                "any" | "Any" | "object" => Type::Any,
                "list" | "List" => Type::list(Type::Any),
                "dict" | "Dict" => Type::dict(Type::Any, Type::Any),
                "set" | "Set" => Type::set(Type::Any),
                "tuple" | "Tuple" => Type::TupleOf(Box::new(Type::Any)),
                "function" | "callable" | "Callable" => Type::Callable,
                _ if names.is_struct(*n) => Type::Struct(*n),
                _ if names.is_interface(*n) => Type::Interface(*n),
                _ => Type::Opaque(*n),
            },
            TypeExprKind::Generic(n, args) => {
                let a: Vec<Type> = args.iter().map(|x| Type::from_ann(x, names)).collect();
                match (n.as_str(), a.len()) {
                    ("list" | "List", 1) => Type::list(a[0].clone()),
                    ("set" | "Set", 1) => Type::set(a[0].clone()),
                    ("dict" | "Dict", 2) => Type::dict(a[0].clone(), a[1].clone()),
                    ("tuple" | "Tuple", _) => {
                        let variadic = matches!(args.last(), Some(TypeExpr { kind: TypeExprKind::Name(s), .. }) if s.as_str() == "...");
                        if variadic {
                            Type::TupleOf(Box::new(a.first().cloned().unwrap_or(Type::Any)))
                        } else {
                            Type::Tuple(a)
                        }
                    }
                    ("Optional", 1) => Type::union(vec![a[0].clone(), Type::None]),
                    ("list" | "List", _) => Type::list(Type::Any),
                    ("dict" | "Dict", _) => Type::dict(Type::Any, Type::Any),
                    ("set" | "Set", _) => Type::set(Type::Any),
                    _ => Type::Opaque(*n),
                }
            }
            TypeExprKind::Union(parts) => {
                Type::union(parts.iter().map(|x| Type::from_ann(x, names)).collect())
            }
        }
    }

    /// A normalised union: flattened, without duplicates or `Never`; `Any` absorbs all.
    pub fn union(ts: Vec<Type>) -> Type {
        let mut out: Vec<Type> = Vec::new();
        fn add(out: &mut Vec<Type>, t: Type) {
            match t {
                Type::Union(v) => {
                    for x in v {
                        add(out, x);
                    }
                }
                Type::Never => {}
                t => {
                    if !out.contains(&t) {
                        out.push(t)
                    }
                }
            }
        }
        for t in ts {
            add(&mut out, t);
        }
        if out.contains(&Type::Any) || out.len() > 6 {
            return Type::Any;
        }
        match out.len() {
            0 => Type::Never,
            1 => out.pop().unwrap_or(Type::Never),
            _ => Type::Union(out),
        }
    }

    /// The type of either value (used where control flow merges).
    pub fn join(a: &Type, b: &Type) -> Type {
        if a == b {
            return a.clone();
        }
        match (a, b) {
            (Type::Never, t) | (t, Type::Never) => t.clone(),
            (Type::Any, _) | (_, Type::Any) => Type::Any,
            (Type::List(x), Type::List(y)) => Type::list(Type::join(x, y)),
            (Type::Set(x), Type::Set(y)) => Type::set(Type::join(x, y)),
            (Type::Dict(k1, v1), Type::Dict(k2, v2)) => {
                Type::dict(Type::join(k1, k2), Type::join(v1, v2))
            }
            _ => Type::union(vec![a.clone(), b.clone()]),
        }
    }

    /// `true` when a value of this type may be `None`.
    pub fn allows_none(&self) -> bool {
        match self {
            Type::Any | Type::None | Type::Opaque(_) => true,
            Type::Union(v) => v.iter().any(|t| t.allows_none()),
            _ => false,
        }
    }

    /// `true` for types whose values can never be called.
    pub fn is_never_callable(&self) -> bool {
        match self {
            Type::Int
            | Type::Float
            | Type::Str
            | Type::Bool
            | Type::None
            | Type::List(_)
            | Type::Dict(..)
            | Type::Set(_)
            | Type::Tuple(_)
            | Type::TupleOf(_)
            | Type::Module(_) => true,
            Type::Union(v) => v.iter().all(|t| t.is_never_callable()),
            _ => false,
        }
    }

    /// The type of the items produced by iterating a value of this type.
    pub fn item_type(&self) -> Type {
        match self {
            Type::List(t) | Type::Set(t) | Type::TupleOf(t) => (**t).clone(),
            Type::Dict(k, _) => (**k).clone(),
            Type::Str => Type::Str,
            Type::Tuple(ts) => Type::union(ts.clone()),
            Type::Opaque(n) if n.as_str() == "range" => Type::Int,
            Type::View(_, t) => (**t).clone(),
            Type::Union(v) => Type::union(v.iter().map(|t| t.item_type()).collect()),
            _ => Type::Any,
        }
    }

    /// The name the runtime prints for values of this type (`int`, `list`, `Point`).
    pub fn runtime_name(&self) -> String {
        match self {
            Type::List(_) => "list".into(),
            Type::Dict(..) => "dict".into(),
            Type::Set(_) => "set".into(),
            Type::Tuple(_) | Type::TupleOf(_) => "tuple".into(),
            Type::Func(_) | Type::Callable => "function".into(),
            other => other.to_string(),
        }
    }

    /// Whether a value of type `self` can be used where `expected` is required.
    pub fn compat(&self, expected: &Type, w: &dyn TypeWorld) -> Compat {
        use Type::*;
        match (self, expected) {
            (Any, _) | (_, Any) | (Never, _) => Compat::Yes,
            (Opaque(_) | View(..), _) | (_, Opaque(_) | View(..)) => Compat::Maybe,
            (_, Union(es)) => {
                let mut r = Compat::No;
                for e in es {
                    r = r.best(self.compat(e, w));
                    if r == Compat::Yes {
                        break;
                    }
                }
                // A union actual against a union expected: each member may match another one.
                if r != Compat::Yes {
                    if let Union(xs) = self {
                        let mut all = Compat::Yes;
                        for x in xs {
                            all = all.worst(x.compat(expected, w));
                        }
                        r = r.best(all);
                    }
                }
                r
            }
            (Union(xs), e) => {
                let mut all_yes = true;
                let mut any_ok = false;
                for x in xs {
                    match x.compat(e, w) {
                        Compat::Yes => any_ok = true,
                        Compat::Maybe => {
                            any_ok = true;
                            all_yes = false
                        }
                        Compat::No => all_yes = false,
                    }
                }
                if all_yes {
                    Compat::Yes
                } else if any_ok {
                    Compat::Maybe
                } else {
                    Compat::No
                }
            }
            (Int, Int) | (Bool, Int) | (Int | Float | Bool, Float) => Compat::Yes,
            (Str, Str) | (Bool, Bool) | (None, None) => Compat::Yes,
            (List(a), List(b)) | (Set(a), Set(b)) | (TupleOf(a), TupleOf(b)) => a.compat(b, w),
            (Dict(k1, v1), Dict(k2, v2)) => k1.compat(k2, w).worst(v1.compat(v2, w)),
            (Tuple(xs), Tuple(ys)) => {
                if xs.len() != ys.len() {
                    return Compat::No;
                }
                xs.iter()
                    .zip(ys)
                    .fold(Compat::Yes, |acc, (x, y)| acc.worst(x.compat(y, w)))
            }
            (Tuple(xs), TupleOf(t)) => xs
                .iter()
                .fold(Compat::Yes, |acc, x| acc.worst(x.compat(t, w))),
            (TupleOf(t), Tuple(ys)) => ys
                .iter()
                .fold(Compat::Maybe, |acc, y| acc.worst(t.compat(y, w))),
            (Struct(a), Struct(b)) => {
                if a == b {
                    Compat::Yes
                } else {
                    Compat::No
                }
            }
            (Struct(s), Interface(i)) => match w.satisfies(*s, *i) {
                Some(true) => Compat::Yes,
                Some(false) => Compat::No,
                Option::None => Compat::Maybe,
            },
            (Interface(a), Interface(b)) if a == b => Compat::Yes,
            (Interface(_), _) | (_, Interface(_)) => Compat::Maybe,
            (Func(_) | Callable | StructType(_) | BuiltinType(_), Callable) => Compat::Yes,
            (Func(_) | Callable, Func(_)) => Compat::Maybe,
            _ => Compat::No,
        }
    }
}

impl fmt::Display for Type {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Type::Any => f.write_str("any"),
            Type::Never => f.write_str("never"),
            Type::Int => f.write_str("int"),
            Type::Float => f.write_str("float"),
            Type::Str => f.write_str("str"),
            Type::Bool => f.write_str("bool"),
            Type::None => f.write_str("None"),
            Type::List(t) if **t == Type::Any => f.write_str("list"),
            Type::List(t) => write!(f, "list[{t}]"),
            Type::Set(t) if **t == Type::Any => f.write_str("set"),
            Type::Set(t) => write!(f, "set[{t}]"),
            Type::Dict(k, v) if **k == Type::Any && **v == Type::Any => f.write_str("dict"),
            Type::Dict(k, v) => write!(f, "dict[{k}, {v}]"),
            Type::Tuple(ts) => {
                f.write_str("tuple[")?;
                for (i, t) in ts.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{t}")?;
                }
                f.write_str("]")
            }
            Type::TupleOf(t) if **t == Type::Any => f.write_str("tuple"),
            Type::TupleOf(t) => write!(f, "tuple[{t}, ...]"),
            Type::Union(ts) => {
                for (i, t) in ts.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" | ")?;
                    }
                    write!(f, "{t}")?;
                }
                Ok(())
            }
            Type::Struct(n) | Type::Interface(n) | Type::Opaque(n) | Type::View(n, _) => {
                f.write_str(n.as_str())
            }
            Type::Func(ft) => match ft.sigs.as_slice() {
                [s] => {
                    f.write_str("function(")?;
                    for (i, p) in s.params.iter().enumerate() {
                        if i > 0 {
                            f.write_str(", ")?;
                        }
                        write!(f, "{}", p.ty)?;
                    }
                    write!(f, ") -> {}", s.ret)
                }
                _ => f.write_str("function"),
            },
            Type::Callable => f.write_str("function"),
            Type::Module(n) => write!(f, "module {n}"),
            Type::StructType(n) => write!(f, "type {n}"),
            Type::BuiltinType(n) => write!(f, "type {n}"),
        }
    }
}

/// Builds a function type from parsed signature lines (builtins, methods, stdlib members).
pub(crate) fn fn_type_from_signatures(name: &str, sigs: &[Signature]) -> FnType {
    struct NoNames;
    impl NameKinds for NoNames {
        fn is_struct(&self, _: Sym) -> bool {
            false
        }
        fn is_interface(&self, _: Sym) -> bool {
            false
        }
    }
    let sigs = sigs
        .iter()
        .map(|s| Sig {
            params: s
                .params
                .iter()
                .map(|p| ParamT {
                    name: Sym::intern(&p.name),
                    ty: p
                        .ann
                        .as_ref()
                        .map(|a| Type::from_ann(a, &NoNames))
                        .unwrap_or(Type::Any),
                    annotated: p.ann.is_some(),
                    has_default: p.default.is_some(),
                    kind: p.kind,
                    keyword_only: p.keyword_only,
                })
                .collect(),
            ret: s
                .returns
                .as_ref()
                .map(|r| Type::from_ann(r, &NoNames))
                .unwrap_or(Type::Any),
            ret_annotated: s.returns.is_some(),
        })
        .collect();
    FnType {
        name: name.to_string(),
        sigs,
        user: false,
    }
}
