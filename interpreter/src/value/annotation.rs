//! Runtime type annotations: what `n: int`, `-> list[str]` and `p: Point | None` mean when a
//! program runs (typed-assignment coercion, parameter and return checks, `isinstance`).

use dana_grammar::ast::{Sym, TypeExpr, TypeExprKind};
use std::fmt;

#[derive(Clone, Debug, PartialEq)]
pub enum TypeAnn {
    Any,
    Int,
    Float,
    Str,
    Bool,
    None,
    List(Option<Box<TypeAnn>>),
    Dict(Option<Box<(TypeAnn, TypeAnn)>>),
    Set(Option<Box<TypeAnn>>),
    /// `tuple`, `tuple[int, str]`, `tuple[int, ...]` (the bool: variadic).
    Tuple(Option<(Vec<TypeAnn>, bool)>),
    Union(Vec<TypeAnn>),
    /// `function`, `callable`.
    Callable,
    /// A struct, interface or other named type, looked up when checked.
    Named(Sym),
}

impl TypeAnn {
    pub fn from_ast(t: &TypeExpr) -> TypeAnn {
        match &t.kind {
            TypeExprKind::None => TypeAnn::None,
            TypeExprKind::Name(n) => match n.as_str() {
                "int" => TypeAnn::Int,
                "float" => TypeAnn::Float,
                "str" => TypeAnn::Str,
                "bool" => TypeAnn::Bool,
                "None" | "none" | "null" | "NoneType" => TypeAnn::None,
                "any" | "Any" | "object" => TypeAnn::Any,
                "list" | "List" => TypeAnn::List(None),
                "dict" | "Dict" => TypeAnn::Dict(None),
                "set" | "Set" => TypeAnn::Set(None),
                "tuple" | "Tuple" => TypeAnn::Tuple(None),
                "function" | "callable" | "Callable" => TypeAnn::Callable,
                _ => TypeAnn::Named(*n),
            },
            TypeExprKind::Generic(n, args) => {
                let a: Vec<TypeAnn> = args.iter().map(TypeAnn::from_ast).collect();
                match (n.as_str(), a.len()) {
                    ("list" | "List", 1) => TypeAnn::List(Some(Box::new(a[0].clone()))),
                    ("set" | "Set", 1) => TypeAnn::Set(Some(Box::new(a[0].clone()))),
                    ("dict" | "Dict", 2) => {
                        TypeAnn::Dict(Some(Box::new((a[0].clone(), a[1].clone()))))
                    }
                    ("tuple" | "Tuple", _) => {
                        let variadic =
                            matches!(a.last(), Some(TypeAnn::Named(s)) if s.as_str() == "...");
                        let mut a = a;
                        if variadic {
                            a.pop();
                        }
                        TypeAnn::Tuple(Some((a, variadic)))
                    }
                    ("Optional", 1) => TypeAnn::Union(vec![a[0].clone(), TypeAnn::None]),
                    ("list" | "List", _) => TypeAnn::List(None),
                    ("dict" | "Dict", _) => TypeAnn::Dict(None),
                    ("set" | "Set", _) => TypeAnn::Set(None),
                    _ => TypeAnn::Named(*n),
                }
            }
            TypeExprKind::Union(parts) => {
                TypeAnn::Union(parts.iter().map(TypeAnn::from_ast).collect())
            }
        }
    }

    pub fn allows_none(&self) -> bool {
        match self {
            TypeAnn::Any | TypeAnn::None => true,
            TypeAnn::Union(v) => v.iter().any(|t| t.allows_none()),
            _ => false,
        }
    }
}

impl fmt::Display for TypeAnn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TypeAnn::Any => f.write_str("any"),
            TypeAnn::Int => f.write_str("int"),
            TypeAnn::Float => f.write_str("float"),
            TypeAnn::Str => f.write_str("str"),
            TypeAnn::Bool => f.write_str("bool"),
            TypeAnn::None => f.write_str("None"),
            TypeAnn::List(None) => f.write_str("list"),
            TypeAnn::List(Some(t)) => write!(f, "list[{t}]"),
            TypeAnn::Dict(None) => f.write_str("dict"),
            TypeAnn::Dict(Some(kv)) => write!(f, "dict[{}, {}]", kv.0, kv.1),
            TypeAnn::Set(None) => f.write_str("set"),
            TypeAnn::Set(Some(t)) => write!(f, "set[{t}]"),
            TypeAnn::Tuple(None) => f.write_str("tuple"),
            TypeAnn::Tuple(Some((ts, variadic))) => {
                f.write_str("tuple[")?;
                for (i, t) in ts.iter().enumerate() {
                    if i > 0 {
                        f.write_str(", ")?;
                    }
                    write!(f, "{t}")?;
                }
                if *variadic {
                    f.write_str(", ...")?;
                }
                f.write_str("]")
            }
            TypeAnn::Union(ts) => {
                for (i, t) in ts.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" | ")?;
                    }
                    write!(f, "{t}")?;
                }
                Ok(())
            }
            TypeAnn::Callable => f.write_str("function"),
            TypeAnn::Named(n) => f.write_str(n.as_str()),
        }
    }
}
