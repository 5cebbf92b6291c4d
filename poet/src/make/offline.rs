//! The offline enhancement (POET_SPEC §4 "Offline rules"): `code.na` generated from the
//! function's annotations and its domain template, without an LLM.
//!
//! The module defines, for `def f(p1: T1, p2: T2 = d) -> R`:
//! - `perceive(p1: T1, p2: T2) -> dict`: each annotated argument's type, `None` (refused
//!   unless the annotation allows it), NaN and infinity for float parameters, then the
//!   domain's input rules whose type pattern and name globs match; a failure raises
//!   `ValueError("<param>: <message>")`. Returns the arguments unchanged, by name.
//! - `operate(...)`: exactly the original parameters, defaults and return type; the original
//!   body unchanged, or a call of `_original` (bound by the runtime) when the body cannot run
//!   outside its defining scope ([`FunctionShape::delegate`]).
//! - `enforce(result: R, p1: T1, p2: T2) -> R`: the result's type and `None`, then the domain's
//!   output rules; raises `ValueError("result: <message>")`, returns the result unchanged.
//! - `train(result: R, metrics: dict) -> dict`: the domain's metrics of the result; never
//!   raises.
//!
//! A stage with nothing to check is left out (the pipeline then skips it), so a call pays only
//! for checks that exist. Offline rules only check: they never change an argument or a result.
//! Unannotated parameters and `*args`/`**kwargs` pass through unchecked. Helpers are named
//! `_poet_…` so that they do not shadow the defining module's own `_` names, which the copied
//! body may call.

use crate::make::domains::{names_match, pattern_matches, strip_none, DomainTemplate};
use crate::make::shape::{indent, FunctionShape, ParamKind, ParamShape};
use dana_grammar::ast;
use dana_interpreter::check::expect::parse_annotation;
use dana_interpreter::value::TypeAnn;
use std::collections::HashSet;
use std::fmt::Write as _;

/// The helpers checks may call, with their definitions and the helpers each one uses.
const HELPERS: &[(&str, &str, &[&str])] = &[
    (
        "_poet_number",
        "def _poet_number(x) -> bool:\n    \"\"\"True for an int, a float or a bool.\"\"\"\n    return isinstance(x, (int, float))\n",
        &[],
    ),
    (
        "_poet_finite",
        "def _poet_finite(x) -> bool:\n    \"\"\"True for a number that is neither NaN nor infinite.\"\"\"\n    return _poet_number(x) and x == x and x != float(\"inf\") and x != float(\"-inf\")\n",
        &["_poet_number"],
    ),
    (
        "_poet_all_finite",
        "def _poet_all_finite(xs) -> bool:\n    \"\"\"True when every item of xs is a finite number.\"\"\"\n    for x in xs:\n        if not _poet_finite(x):\n            return False\n    return True\n",
        &["_poet_finite"],
    ),
    (
        "_poet_in_range",
        "def _poet_in_range(x, low, high) -> bool:\n    \"\"\"True for a finite number from low to high (inclusive).\"\"\"\n    return _poet_finite(x) and low <= x <= high\n",
        &["_poet_finite"],
    ),
    (
        "_poet_key_in_range",
        "def _poet_key_in_range(d, key, low, high) -> bool:\n    \"\"\"True when d has no such key, its value is None, or a number from low to high.\"\"\"\n    return not (key in d) or d[key] is None or _poet_in_range(d[key], low, high)\n",
        &["_poet_in_range"],
    ),
];

/// One generated check: raise `ValueError(message)` unless `cond` holds.
struct Check {
    cond: String,
    /// A Dana string expression (a literal or an f-string).
    message: String,
    /// What the check tests, for [`plain_stages`].
    kind: CheckKind,
}

/// What a generated check tests.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CheckKind {
    /// The value is not `None`.
    NotNone,
    /// The runtime type, which the stage's own parameter annotation already ensures.
    Type,
    /// A float is neither NaN nor infinite.
    Finite,
    /// A rule of the domain template.
    Rule,
}

/// What the offline perceive or enforce of a signature checks of one value, when the stage
/// checks nothing beyond its parameter annotations, `None` and NaN/infinity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct PlainCheck {
    /// `None` is refused (`ValueError("<name>: must not be None")`).
    pub not_none: bool,
    /// A float NaN or infinity is refused.
    pub finite: bool,
}

/// The offline stages of a signature that are plain: every check they make is one of
/// [`PlainCheck`]'s or a type test that the stage's parameter annotations make anyway, so on
/// arguments that fit the annotations and pass these, the stage returns its input unchanged.
/// The pipeline then decides such a call natively (`call/plain.rs`), and runs the stage's
/// code only when it would refuse the input (so the error is the stage's own).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct PlainStages {
    /// perceive is plain: what it checks of each parameter, in order.
    pub perceive: Option<Vec<PlainCheck>>,
    /// enforce is plain: what it checks of the result.
    pub enforce: Option<PlainCheck>,
}

/// Which stages of [`enhance`]'s text for `shape` under `domain` are plain. Only signatures
/// of plain parameters (no `*args`, `**kwargs` or keyword-only ones) qualify.
pub(crate) fn plain_stages(shape: &FunctionShape, domain: &DomainTemplate) -> PlainStages {
    if shape.params.iter().any(|p| p.kind != ParamKind::Normal) {
        return PlainStages::default();
    }
    let shadowing = shadowing_names(shape);
    let summarize = |checks: &[(usize, CheckKind)], n: usize| -> Option<Vec<PlainCheck>> {
        let mut out = vec![PlainCheck::default(); n];
        for &(i, kind) in checks {
            match kind {
                CheckKind::NotNone => out[i].not_none = true,
                CheckKind::Finite => out[i].finite = true,
                CheckKind::Type => {}
                CheckKind::Rule => return None,
            }
        }
        Some(out)
    };
    let inputs: Vec<(usize, CheckKind)> = input_checks(shape, domain, &shadowing)
        .into_iter()
        .map(|(i, c)| (i, c.kind))
        .collect();
    let perceive = if inputs.is_empty() {
        None
    } else {
        summarize(&inputs, shape.params.len())
    };
    let ret = shape.returns.as_deref().and_then(annotation);
    let has_result_param = shape.arg_params().any(|p| p.name == "result");
    let enforce = match &ret {
        Some(r) if !has_result_param => {
            let outputs: Vec<(usize, CheckKind)> = output_checks(shape, domain, r, &shadowing)
                .iter()
                .map(|c| (0, c.kind))
                .collect();
            if outputs.is_empty() {
                None
            } else {
                summarize(&outputs, 1).map(|v| v[0])
            }
        }
        _ => None,
    };
    PlainStages { perceive, enforce }
}

/// The text of `code.na` for `shape` under `domain`.
pub fn enhance(
    shape: &FunctionShape,
    domain: &DomainTemplate,
    optimize_for: Option<&str>,
) -> String {
    let mut out = String::new();
    header(&mut out, shape, domain, optimize_for);
    let ret = shape.returns.as_deref().and_then(annotation);
    let shadowing = shadowing_names(shape);

    let inputs: Vec<Check> = input_checks(shape, domain, &shadowing)
        .into_iter()
        .map(|(_, c)| c)
        .collect();
    if inputs.is_empty() {
        out.push_str("# perceive: no input checks apply to these parameters.\n\n");
    } else {
        let _ = writeln!(out, "{}", stage_line(shape, "perceive").unwrap_or_default());
        let _ = writeln!(
            out,
            "    \"\"\"Checks the arguments of {}; returns them unchanged.\"\"\"",
            shape.name
        );
        emit_checks(&mut out, &inputs);
        let fields: Vec<String> = shape
            .arg_params()
            .map(|p| format!("\"{}\": {}", p.name, p.name))
            .collect();
        let _ = writeln!(out, "    return {{{}}}\n\n", fields.join(", "));
    }

    operate(&mut out, shape);

    let has_result_param = shape.arg_params().any(|p| p.name == "result");
    let outputs = match &ret {
        Some(r) if !has_result_param => output_checks(shape, domain, r, &shadowing),
        _ => Vec::new(),
    };
    if has_result_param {
        out.push_str(
            "# enforce: left out, because a parameter is named 'result' (the name the stage\n# contract gives the result).\n\n",
        );
    } else if outputs.is_empty() {
        out.push_str("# enforce: no output checks apply to the result.\n\n");
    } else {
        let _ = writeln!(out, "{}", stage_line(shape, "enforce").unwrap_or_default());
        let _ = writeln!(
            out,
            "    \"\"\"Checks the result of {}; returns it unchanged.\"\"\"",
            shape.name
        );
        emit_checks(&mut out, &outputs);
        out.push_str("    return result\n\n\n");
    }

    if let (Some(r), Some(rtext)) = (&ret, shape.returns.as_deref()) {
        train(&mut out, domain, r, rtext);
    }

    helpers(&mut out);
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

fn header(out: &mut String, shape: &FunctionShape, d: &DomainTemplate, optimize_for: Option<&str>) {
    let _ = writeln!(
        out,
        "# Enhancement of {} generated by POET's offline rules.",
        one_line(&shape.name)
    );
    let _ = writeln!(
        out,
        "# Domain: {} ({}), template version {}.",
        one_line(&d.name),
        one_line(&d.chain.join(" -> ")),
        d.version
    );
    if !d.description.trim().is_empty() {
        let _ = writeln!(out, "# {}", one_line(&d.description));
    }
    let _ = writeln!(out, "# Original: {}", one_line(&shape.signature()));
    if let Some(o) = optimize_for.filter(|o| !o.trim().is_empty()) {
        let _ = writeln!(out, "# Optimize for: {}", one_line(o));
    }
    out.push_str(
        "#\n# Offline rules only check: perceive and enforce raise ValueError naming the argument\n# (or the result) and return what they were given unchanged; operate is the original.\n\n",
    );
}

/// Text fit for one comment line, at most 300 characters.
fn one_line(s: &str) -> String {
    let flat: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let flat = flat.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(300) {
        Some((i, _)) => format!("{}…", &flat[..i]),
        None => flat,
    }
}

fn annotation(text: &str) -> Option<TypeAnn> {
    parse_annotation(text).map(|t| TypeAnn::from_ast(&t))
}

/// The exact first line of a stage besides `operate` (POET_SPEC §2): `def perceive(p1: T1) ->
/// dict:`, `def enforce(result: R, p1: T1) -> R:` or `def train(result: R, metrics: dict) ->
/// dict:`. `None` for enforce when a parameter is named `result` (the contract's name for the
/// result), and for a stage that is not one of the three.
pub(crate) fn stage_line(shape: &FunctionShape, stage: &str) -> Option<String> {
    let rtext = shape.returns.as_deref().unwrap_or("any");
    match stage {
        "perceive" => Some(format!("def perceive({}) -> dict:", stage_params(shape))),
        "enforce" if shape.arg_params().any(|p| p.name == "result") => None,
        "enforce" => {
            let mut params = vec![format!("result: {rtext}")];
            if !shape.params.is_empty() {
                params.push(stage_params(shape));
            }
            Some(format!("def enforce({}) -> {rtext}:", params.join(", ")))
        }
        "train" => Some(format!(
            "def train(result: {rtext}, metrics: dict) -> dict:"
        )),
        _ => None,
    }
}

/// The parameters as perceive and enforce take them: annotated, without defaults.
fn stage_params(shape: &FunctionShape) -> String {
    shape
        .params
        .iter()
        .map(|p| p.render(false))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Parameter names that shadow a builtin: checks mentioning them are left out, since inside
/// the stage the name is the argument, not the builtin.
fn shadowing_names(shape: &FunctionShape) -> HashSet<String> {
    let builtins: HashSet<&str> = dana_interpreter::builtins::all()
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    shape
        .arg_params()
        .filter(|p| builtins.contains(p.name.as_str()))
        .map(|p| p.name.clone())
        .collect()
}

fn mentions_any(text: &str, names: &HashSet<String>) -> bool {
    !names.is_empty()
        && text
            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
            .any(|w| names.contains(w))
}

/// The checks of perceive, each with the index of the parameter it checks (in
/// `shape.arg_params()`).
fn input_checks(
    shape: &FunctionShape,
    d: &DomainTemplate,
    shadowing: &HashSet<String>,
) -> Vec<(usize, Check)> {
    // Checks are written for a placeholder name first: a parameter that shadows a builtin
    // (`id`, `type`) is fine where the check means the parameter, but a check that calls the
    // builtin itself would call the argument instead, so only the template is tested.
    const PARAM: &str = "__poet_param__";
    let mut checks: Vec<(usize, Check)> = Vec::new();
    for (i, p) in shape
        .arg_params()
        .enumerate()
        .filter(|(_, p)| p.kind == ParamKind::Normal)
    {
        let Some(ann) = p.ann.as_deref().and_then(annotation) else {
            continue;
        };
        let mut templates = value_checks(PARAM, PARAM, &ann, true);
        let guard = ann.allows_none() && ann != TypeAnn::Any;
        for r in &d.input_rules {
            if pattern_matches(&r.applies_to, &ann) && names_match(&r.names, &p.name) {
                let cond = r.check.replace("{p}", PARAM);
                let message = literal(&format!("{PARAM}: {}", r.message.replace("{p}", PARAM)));
                templates.push(rule_check(PARAM, &cond, guard, message));
            }
        }
        for c in templates {
            if mentions_any(&format!("{} {}", c.cond, c.message), shadowing) {
                continue;
            }
            let c = Check {
                cond: c.cond.replace(PARAM, &p.name),
                message: c.message.replace(PARAM, &p.name),
                kind: c.kind,
            };
            if !checks.iter().any(|(_, x)| x.cond == c.cond) {
                checks.push((i, c));
            }
        }
    }
    checks
}

/// Whether `domain` has an output rule for `shape`'s answers: the offline enforce stage then
/// checks more than the return type (the trial's `enforce+domain` oracle).
pub(crate) fn domain_rules_output(shape: &FunctionShape, domain: &DomainTemplate) -> bool {
    let Some(ret) = shape.returns.as_deref().and_then(annotation) else {
        return false;
    };
    domain
        .output_rules
        .iter()
        .any(|r| pattern_matches(&r.applies_to, &ret) && names_match(&r.names, &shape.name))
}

fn output_checks(
    shape: &FunctionShape,
    d: &DomainTemplate,
    ret: &TypeAnn,
    shadowing: &HashSet<String>,
) -> Vec<Check> {
    let mut checks: Vec<Check> = value_checks("result", "result", ret, false);
    let guard = ret.allows_none() && *ret != TypeAnn::Any;
    for r in &d.output_rules {
        if pattern_matches(&r.applies_to, ret) && names_match(&r.names, &shape.name) {
            let message = literal(&format!("result: {}", r.message));
            push_unique(
                &mut checks,
                rule_check("result", &r.check, guard, message),
                shadowing,
            );
        }
    }
    checks.retain(|c| !mentions_any(&format!("{} {}", c.cond, c.message), shadowing));
    checks
}

fn push_unique(checks: &mut Vec<Check>, c: Check, shadowing: &HashSet<String>) {
    if mentions_any(&format!("{} {}", c.cond, c.message), shadowing) {
        return;
    }
    if !checks.iter().any(|x| x.cond == c.cond) {
        checks.push(c);
    }
}

fn rule_check(name: &str, cond: &str, guard: bool, message: String) -> Check {
    Check {
        cond: if guard {
            format!("{name} is None or ({cond})")
        } else {
            cond.to_string()
        },
        message,
        kind: CheckKind::Rule,
    }
}

/// The checks an annotation implies for the value named `name` (shown as `label`): None,
/// type, and NaN/infinity for floats (`finite`).
fn value_checks(name: &str, label: &str, ann: &TypeAnn, finite: bool) -> Vec<Check> {
    let mut out = Vec::new();
    if *ann == TypeAnn::Any {
        return out;
    }
    let allows_none = ann.allows_none();
    let base = strip_none(ann.clone());
    if base == TypeAnn::None {
        return out;
    }
    if !allows_none {
        out.push(Check {
            cond: format!("{name} is not None"),
            message: literal(&format!("{label}: must not be None")),
            kind: CheckKind::NotNone,
        });
    }
    if let Some(test) = type_test(name, &base) {
        let cond = if allows_none {
            format!("{name} is None or {}", paren_if_or(&test))
        } else {
            test
        };
        out.push(Check {
            cond,
            message: format!(
                "f\"{}: expected {}, got {{type({name})}}\"",
                escape_f(label),
                escape_f(&ann.to_string())
            ),
            kind: CheckKind::Type,
        });
    }
    if finite && has_float(&base) {
        let test = format!("_poet_finite({name})");
        let cond = if allows_none {
            format!("{name} is None or {test}")
        } else {
            test
        };
        out.push(Check {
            cond,
            message: literal(&format!(
                "{label}: must be a finite number (not NaN or infinity)"
            )),
            kind: CheckKind::Finite,
        });
    }
    out
}

fn has_float(t: &TypeAnn) -> bool {
    match t {
        TypeAnn::Float => true,
        TypeAnn::Union(v) => {
            v.contains(&TypeAnn::Float)
                && v.iter()
                    .all(|t| matches!(t, TypeAnn::Int | TypeAnn::Float | TypeAnn::None))
        }
        _ => false,
    }
}

fn paren_if_or(test: &str) -> String {
    if test.contains(" or ") {
        format!("({test})")
    } else {
        test.to_string()
    }
}

/// A Dana boolean expression testing the runtime type of `v`, or `None` when the type cannot
/// be tested with builtins alone (named types, `any`).
fn type_test(v: &str, t: &TypeAnn) -> Option<String> {
    Some(match t {
        TypeAnn::Int => format!("isinstance({v}, int)"),
        TypeAnn::Float => format!("isinstance({v}, (int, float))"),
        TypeAnn::Str => format!("isinstance({v}, str)"),
        TypeAnn::Bool => format!("isinstance({v}, bool)"),
        TypeAnn::List(_) => format!("isinstance({v}, list)"),
        TypeAnn::Dict(_) => format!("isinstance({v}, dict)"),
        TypeAnn::Set(_) => format!("isinstance({v}, set)"),
        TypeAnn::Tuple(_) => format!("isinstance({v}, tuple)"),
        TypeAnn::Callable => format!("callable({v})"),
        TypeAnn::None => format!("{v} is None"),
        TypeAnn::Any | TypeAnn::Named(_) => return None,
        TypeAnn::Union(members) => {
            let tests = members
                .iter()
                .map(|m| type_test(v, m))
                .collect::<Option<Vec<_>>>()?;
            tests.join(" or ")
        }
    })
}

fn emit_checks(out: &mut String, checks: &[Check]) {
    for c in checks {
        let _ = writeln!(out, "    if {}:", negate(&c.cond));
        let _ = writeln!(out, "        raise ValueError({})", c.message);
    }
}

/// The failure condition of a check, as a person would write it: `x is None`,
/// `not isinstance(x, list)`, `not (len(x) > 0)`.
fn negate(cond: &str) -> String {
    if let Some(name) = cond.strip_suffix(" is not None") {
        if name.chars().all(|c| c.is_alphanumeric() || c == '_') {
            return format!("{name} is None");
        }
    }
    let simple = dana_grammar::parse_expr(cond).is_ok_and(|e| {
        matches!(
            e.kind,
            ast::ExprKind::Call { .. }
                | ast::ExprKind::Name { .. }
                | ast::ExprKind::Attribute { .. }
        )
    });
    if simple {
        format!("not {cond}")
    } else {
        format!("not ({cond})")
    }
}

fn operate(out: &mut String, shape: &FunctionShape) {
    let params: Vec<String> = shape.params.iter().map(|p| p.render(true)).collect();
    let _ = write!(out, "def operate({})", params.join(", "));
    if let Some(r) = &shape.returns {
        let _ = write!(out, " -> {r}");
    }
    out.push_str(":\n");
    if shape.delegate {
        out.push_str(
            "    # The body cannot run outside its defining scope (a closure or a pipeline\n    # definition): the runtime binds _original to the undecorated function.\n",
        );
        let _ = writeln!(out, "    return _original({})", forward_args(&shape.params));
    } else {
        let _ = writeln!(out, "    # The body of {}, unchanged.", shape.name);
        out.push_str(&indent(&shape.body, "    "));
    }
    out.push_str("\n\n");
}

/// The arguments that pass every parameter on: positional before `*`/`*args`, by keyword
/// after it, `*args` and `**kwargs` spread.
fn forward_args(params: &[ParamShape]) -> String {
    let mut keyword = false;
    let mut args: Vec<String> = Vec::new();
    for p in params {
        match p.kind {
            ParamKind::VarArgs => {
                keyword = true;
                if !p.is_keyword_marker() {
                    args.push(format!("*{}", p.name));
                }
            }
            ParamKind::KwArgs => args.push(format!("**{}", p.name)),
            ParamKind::Normal if keyword => args.push(format!("{0}={0}", p.name)),
            ParamKind::Normal => args.push(p.name.clone()),
        }
    }
    args.join(", ")
}

fn train(out: &mut String, d: &DomainTemplate, ret: &TypeAnn, rtext: &str) {
    let metrics: Vec<_> = d
        .metrics
        .iter()
        .filter(|m| pattern_matches(&m.applies_to, ret))
        .collect();
    if metrics.is_empty() {
        return;
    }
    let _ = writeln!(out, "def train(result: {rtext}, metrics: dict) -> dict:");
    out.push_str(
        "    \"\"\"Domain metrics of one call, for its execution event; never raises.\"\"\"\n    found = {}\n",
    );
    for m in metrics {
        let _ = writeln!(
            out,
            "    try:\n        found[{}] = {}\n    except Exception:\n        pass",
            literal(&m.name),
            m.value
        );
    }
    out.push_str("    return {k: v for k, v in found.items() if v is not None}\n\n\n");
}

/// Appends the helpers the text calls, with the helpers they call.
fn helpers(out: &mut String) {
    let mut needed: Vec<&str> = HELPERS
        .iter()
        .filter(|(n, _, _)| out.contains(&format!("{n}(")))
        .map(|(n, _, _)| *n)
        .collect();
    let mut i = 0;
    while i < needed.len() {
        if let Some((_, _, deps)) = HELPERS.iter().find(|(n, _, _)| *n == needed[i]) {
            for d in *deps {
                if !needed.contains(d) {
                    needed.push(d);
                }
            }
        }
        i += 1;
    }
    for (n, def, _) in HELPERS {
        if needed.contains(n) {
            out.push_str(def);
            out.push_str("\n\n");
        }
    }
}

/// A Dana string literal of `s`.
fn literal(s: &str) -> String {
    format!("\"{}\"", escape(s))
}

fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out
}

/// [`escape`] for the literal text of an f-string (braces doubled).
fn escape_f(s: &str) -> String {
    escape(s).replace('{', "{{").replace('}', "}}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::make::domains::Domains;

    #[test]
    fn forwarding_covers_every_parameter_kind() {
        let s = FunctionShape::from_source(
            "def f(a, b: int = 2, *rest, c: int = 3, **kw):\n    return a\n",
            0,
        )
        .unwrap();
        assert_eq!(forward_args(&s.params), "a, b, *rest, c=c, **kw");
        let s = FunctionShape::from_source("def f(a, *, b):\n    return a\n", 0).unwrap();
        assert_eq!(forward_args(&s.params), "a, b=b");
    }

    #[test]
    fn messages_are_escaped() {
        assert_eq!(literal("a \"b\" {c}\\"), "\"a \\\"b\\\" {c}\\\\\"");
        assert_eq!(escape_f("{x}"), "{{x}}");
    }

    #[test]
    fn helpers_come_with_their_dependencies() {
        let mut s = String::from("x = _poet_key_in_range(d, \"k\", 0, 1)\n");
        helpers(&mut s);
        for n in ["_poet_in_range", "_poet_finite", "_poet_number"] {
            assert!(s.contains(&format!("def {n}(")), "{n}");
        }
        assert!(!s.contains("def _poet_all_finite("));
    }

    #[test]
    fn a_parameter_named_like_a_builtin_drops_the_checks_that_mention_it() {
        let s = FunctionShape::from_source("def f(type: str, n: int) -> int:\n    return n\n", 0)
            .unwrap();
        let d = Domains::builtin().resolve("base").unwrap();
        let code = enhance(&s, &d, None);
        assert!(!code.contains("{type(type)}"), "{code}");
        assert!(!code.contains("{type(n)}"), "{code}");
        assert!(code.contains("if n is None:"), "{code}");
    }

    #[test]
    fn a_parameter_named_like_a_builtin_keeps_the_checks_that_mean_the_parameter() {
        let s = FunctionShape::from_source("def f(id: str) -> str:\n    return id\n", 0).unwrap();
        let d = Domains::builtin().resolve("base").unwrap();
        let code = enhance(&s, &d, None);
        assert!(code.contains("if id is None:"), "{code}");
        assert!(code.contains("id: must not be None"), "{code}");
    }

    #[test]
    fn stages_with_only_implied_checks_are_plain_and_domain_rules_are_not() {
        let d = Domains::builtin().resolve("base").unwrap();
        let s = FunctionShape::from_source(
            "def f(x: int, y: float, z: str | None = None) -> int:\n    return x\n",
            0,
        )
        .unwrap();
        let p = plain_stages(&s, &d);
        let strict = PlainCheck {
            not_none: true,
            finite: false,
        };
        let float = PlainCheck {
            not_none: true,
            finite: true,
        };
        assert_eq!(
            p.perceive.as_deref(),
            Some(&[strict, float, PlainCheck::default()][..])
        );
        assert_eq!(p.enforce, Some(strict));
        // *args, or a parameter without checks only: nothing plain on the perceive side.
        let s = FunctionShape::from_source("def f(*xs: int) -> int:\n    return 1\n", 0).unwrap();
        assert_eq!(plain_stages(&s, &d), PlainStages::default());
        let s = FunctionShape::from_source("def f(x) -> int:\n    return 1\n", 0).unwrap();
        assert_eq!(plain_stages(&s, &d).perceive, None);
        // A domain's input rule is a real check: that stage runs its code.
        let ml = Domains::builtin().resolve("ml_monitoring").unwrap();
        let s = FunctionShape::from_source(
            "def total(xs: list[float]) -> float:\n    return sum(xs)\n",
            0,
        )
        .unwrap();
        assert!(enhance(&s, &ml, None).contains("def perceive("));
        assert_eq!(plain_stages(&s, &ml).perceive, None);
    }
}
