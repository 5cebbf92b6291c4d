//! The context-free checks both parsers apply to what they built: assignment targets (single
//! targets of typed and augmented assignments, starred targets, literals), parameters (`*` and
//! `**` defaults, receivers, Python's parameter-list rules).

use std::collections::HashSet;

use super::kit::Result;
use crate::ast::*;
use crate::error::SyntaxError;

/// Targets of typed and augmented assignment: one name, attribute or item.
pub(crate) fn single_target(src: &str, e: &Expr, what: &str) -> Result<()> {
    match e.kind {
        ExprKind::Name { .. } | ExprKind::Attribute { .. } | ExprKind::Index { .. } => Ok(()),
        ExprKind::Tuple(_) | ExprKind::List(_) => Err(SyntaxError::new(
            format!("{what} needs a single target"),
            e.span,
        )
        .with_label("several targets")
        .with_help("assign to one name, attribute or item")),
        _ => check_target(src, e, false),
    }
}

/// Checks that `e` can be assigned to (DANA_SPEC §2); `src` is the source it was parsed from.
pub(crate) fn check_target(src: &str, e: &Expr, in_sequence: bool) -> Result<()> {
    match &e.kind {
        ExprKind::Name { .. } | ExprKind::Attribute { .. } | ExprKind::Index { .. } => Ok(()),
        ExprKind::Tuple(items) | ExprKind::List(items) => {
            let mut stars = 0;
            for item in items {
                if matches!(item.kind, ExprKind::Starred(_)) {
                    stars += 1;
                    if stars > 1 {
                        return Err(SyntaxError::new(
                            "multiple starred expressions in assignment",
                            item.span,
                        )
                        .with_label("second starred target"));
                    }
                }
                check_target(src, item, true)?;
            }
            Ok(())
        }
        ExprKind::Starred(inner) if in_sequence => check_target(src, inner, false),
        ExprKind::Starred(_) => Err(SyntaxError::new(
            "a starred assignment target must be in a list or tuple",
            e.span,
        )
        .with_label("starred target")
        .with_help("add a comma: `*rest, = values`")),
        ExprKind::Bool(_) | ExprKind::None => {
            let word = src.get(e.span.range()).unwrap_or("this literal");
            Err(SyntaxError::new(
                format!("cannot assign to '{word}': it is a reserved word"),
                e.span,
            )
            .with_label("reserved word")
            .with_help(format!("choose another name, e.g. '{word}_'")))
        }
        _ => Err(
            SyntaxError::new(format!("cannot assign to {}", describe(e)), e.span)
                .with_label("not assignable")
                .with_help(
                    "assign to a name, an attribute (`p.x`), an item (`d[k]`) or a tuple of them",
                ),
        ),
    }
}

fn describe(e: &Expr) -> &'static str {
    match &e.kind {
        ExprKind::Int(_)
        | ExprKind::BigInt(_)
        | ExprKind::Float(_)
        | ExprKind::Str(_)
        | ExprKind::Bool(_)
        | ExprKind::None => "a literal",
        ExprKind::FString(_) => "an f-string",
        ExprKind::Call { .. } => "a function call",
        ExprKind::Compare { .. } => "a comparison",
        ExprKind::Lambda(_) => "a lambda",
        ExprKind::IfExp { .. } => "a conditional expression",
        ExprKind::Dict(_) | ExprKind::Set(_) => "a dict or set display",
        ExprKind::ListComp { .. } | ExprKind::SetComp { .. } | ExprKind::DictComp { .. } => {
            "a comprehension"
        }
        ExprKind::Placeholder => "the '$$' placeholder",
        _ => "an expression",
    }
}

/// Checks that `e` can be deleted (`del`): a name, an attribute, an item or slice, or a tuple
/// or list of them; otherwise Python's message (`cannot delete function call`).
pub(crate) fn check_del_target(e: &Expr) -> Result<()> {
    match &e.kind {
        ExprKind::Name {
            scope: None | Some(ScopeKind::Local),
            ..
        }
        | ExprKind::Attribute { .. }
        | ExprKind::Index { .. } => Ok(()),
        ExprKind::Tuple(items) | ExprKind::List(items) => {
            items.iter().try_for_each(check_del_target)
        }
        ExprKind::Name { .. } => Err(SyntaxError::new("cannot delete a scoped name", e.span)
            .with_label("not deletable")
            .with_help("only local names, attributes and items can be deleted")),
        ExprKind::Starred(_) => {
            Err(SyntaxError::new("cannot delete starred", e.span).with_label("not deletable"))
        }
        _ => {
            let what = describe(e);
            let what = what
                .strip_prefix("a ")
                .or_else(|| what.strip_prefix("an "))
                .unwrap_or(what);
            Err(SyntaxError::new(format!("cannot delete {what}"), e.span)
                .with_label("not deletable")
                .with_help("delete a name, an attribute (`del p.x`) or an item (`del d[k]`)"))
        }
    }
}

/// A `*` or `**` parameter has no default.
pub(crate) fn check_param(param: &Param) -> Result<()> {
    if param.kind != ParamKind::Normal {
        if let Some(d) = &param.default {
            return Err(SyntaxError::new(
                "a '*' or '**' parameter cannot have a default value",
                d.span,
            )
            .with_label("default not allowed here"));
        }
    }
    Ok(())
}

/// A receiver is one plain parameter without a default.
pub(crate) fn check_receiver(param: &Param) -> Result<()> {
    if param.kind != ParamKind::Normal || param.default.is_some() {
        return Err(SyntaxError::new(
            "a receiver is a single parameter `(name: Type)`",
            param.span,
        )
        .with_label("invalid receiver"));
    }
    Ok(())
}

/// Python's rules for a parameter list.
pub(crate) fn check_params(params: &[Param]) -> Result<()> {
    let mut names = HashSet::with_capacity(params.len());
    let mut seen_default = false;
    let mut seen_varargs = false;
    let mut seen_kwargs = false;
    let star = Sym::intern("*");
    for (i, p) in params.iter().enumerate() {
        if p.name.name == star {
            let named_follows = params
                .get(i + 1)
                .is_some_and(|q| q.kind == ParamKind::Normal);
            if !named_follows {
                return Err(SyntaxError::new(
                    "a bare '*' must be followed by a named parameter",
                    p.span,
                )
                .with_label("keyword-only marker with nothing after it")
                .with_help("add a parameter after '*', or remove the '*'"));
            }
        }
        if !names.insert(p.name.name) {
            return Err(SyntaxError::new(
                format!("duplicate parameter '{}'", p.name.name),
                p.name.span,
            )
            .with_label("already a parameter")
            .with_help("give each parameter a different name"));
        }
        if seen_kwargs {
            return Err(
                SyntaxError::new("'**' parameter must be the last one", p.span)
                    .with_label("after the '**' parameter")
                    .with_help("move this parameter before the '**' parameter"),
            );
        }
        match p.kind {
            ParamKind::KwArgs => seen_kwargs = true,
            ParamKind::VarArgs => {
                if seen_varargs {
                    return Err(
                        SyntaxError::new("only one '*' parameter is allowed", p.span)
                            .with_label("second '*' parameter"),
                    );
                }
                seen_varargs = true;
            }
            ParamKind::Normal => {
                if p.default.is_some() {
                    seen_default = true;
                } else if seen_default && !seen_varargs {
                    return Err(SyntaxError::new(
                        "parameter without a default follows a parameter with a default",
                        p.span,
                    )
                    .with_label("needs a default value")
                    .with_help(
                        "give it a default, or move it before the parameters with defaults",
                    ));
                }
            }
        }
    }
    Ok(())
}
