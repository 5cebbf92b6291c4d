//! Domain templates (POET_SPEC §4): data files that describe a domain for the generators.
//!
//! A template is a TOML file. The built-in ones live in `poet/domains/*.toml` (compiled in);
//! users add or override templates in other folders ([`Domains::load`]). Schema (every key but
//! `check`/`message`/`value` has a default):
//!
//! ```toml
//! name = "ml_monitoring"        # defaults to the file name without `.toml`
//! description = "…"
//! parent = "base"               # optional; the child inherits everything of the parent
//! version = 1                   # bump on every change: part of POET's cache key
//! capabilities = ["time"]       # capabilities the domain's generated code may be granted
//! generate = ["enforce"]        # stages the model writes besides `operate` (default: none;
//!                               # `perceive`, `enforce`, `train`); the others are offline rules
//!
//! [requirements]                # lines for the generation prompt, per stage
//! perceive = ["…"]
//! operate = ["…"]
//! enforce = ["…"]
//! train = ["…"]
//!
//! [[input_rules]]               # offline Perceive checks
//! applies_to = "numbers"        # a type pattern over the parameter's annotation (below)
//! names = ["*"]                 # globs over the parameter name (`*` any run, `?` one char)
//! check = "len({p}) > 0"        # a Dana boolean expression; {p} is the parameter
//! message = "must not be empty" # raised as ValueError("<param>: <message>")
//!
//! [[output_rules]]              # offline Enforce checks
//! applies_to = "dict"           # a type pattern over the return annotation
//! names = ["*drift*"]           # globs over the function name
//! check = "\"drift_detected\" in result"
//! message = "must contain 'drift_detected'"   # raised as ValueError("result: <message>")
//!
//! [[metrics]]                   # what the offline Train stage reports
//! name = "score"
//! applies_to = "dict"
//! value = "result[\"score\"]"   # a Dana expression over `result`; skipped when it fails
//! ```
//!
//! Type patterns: `any` (every annotated parameter), `number` (`int`, `float` or a union of
//! them), `numbers` (a `list`, `set` or `tuple` of numbers), `list`, `dict`, `set`, `tuple`,
//! `str`, `bool`, `collection` (list, dict, set or tuple), or an annotation written out
//! (`list[float]`, `dict[str, int]`), compared after normalisation. `None` in a union is
//! ignored for matching; the generated check then skips a `None` argument. Unannotated
//! parameters and results are never checked.
//!
//! Checks may call the helpers the offline generator defines on demand: `_poet_number(x)`,
//! `_poet_finite(x)`, `_poet_all_finite(xs)`, `_poet_in_range(x, low, high)` and
//! `_poet_key_in_range(d, key, low, high)` (true when the key is absent or None).
//!
//! Inheritance: requirements are the parent's lines followed by the child's, capabilities and
//! generated stages the union, rules and metrics the parent's followed by the child's (a child's metric replaces
//! the parent's of the same name). The resolved `version` is the sum of the chain's versions.

use dana_interpreter::check::expect::parse_annotation;
use dana_interpreter::error::did_you_mean;
use dana_interpreter::value::TypeAnn;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};

/// The stages besides `operate` that a template may ask the model to write.
pub(crate) const GENERATED_STAGES: &[&str] = &["perceive", "enforce", "train"];

/// The capabilities a template may list (POET_SPEC §1).
pub(crate) const CAPABILITIES: &[&str] = &[
    "reason", "http", "fs_read", "fs_write", "time", "random", "env",
];

/// The type-pattern families (see the module documentation).
pub(crate) const TYPE_FAMILIES: &[&str] = &[
    "any",
    "number",
    "numbers",
    "list",
    "dict",
    "set",
    "tuple",
    "str",
    "bool",
    "collection",
];

const BUILTIN_FILES: &[(&str, &str)] = &[
    ("base.toml", include_str!("../../domains/base.toml")),
    (
        "ml_monitoring.toml",
        include_str!("../../domains/ml_monitoring.toml"),
    ),
    ("api.toml", include_str!("../../domains/api.toml")),
    (
        "financial_risk.toml",
        include_str!("../../domains/financial_risk.toml"),
    ),
    (
        "customer_service.toml",
        include_str!("../../domains/customer_service.toml"),
    ),
    (
        "prompt_optimization.toml",
        include_str!("../../domains/prompt_optimization.toml"),
    ),
];

/// A template file is refused beyond this size.
const MAX_TEMPLATE_BYTES: u64 = 1024 * 1024;

/// Requirement lines per stage, for the generation prompt.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Requirements {
    #[serde(default)]
    pub perceive: Vec<String>,
    #[serde(default)]
    pub operate: Vec<String>,
    #[serde(default)]
    pub enforce: Vec<String>,
    #[serde(default)]
    pub train: Vec<String>,
}

/// An offline Perceive check.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputRule {
    pub applies_to: String,
    #[serde(default = "all_names")]
    pub names: Vec<String>,
    pub check: String,
    pub message: String,
}

/// An offline Enforce check.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputRule {
    pub applies_to: String,
    /// Globs over the function's name.
    #[serde(default = "all_names")]
    pub names: Vec<String>,
    pub check: String,
    pub message: String,
}

/// A metric the offline Train stage reports.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Metric {
    pub name: String,
    pub applies_to: String,
    pub value: String,
}

fn all_names() -> Vec<String> {
    vec!["*".into()]
}

/// The file as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TemplateFile {
    name: Option<String>,
    #[serde(default)]
    description: String,
    parent: Option<String>,
    #[serde(default = "one")]
    version: u32,
    #[serde(default)]
    capabilities: Vec<String>,
    #[serde(default)]
    generate: Vec<String>,
    #[serde(default)]
    requirements: Requirements,
    #[serde(default)]
    input_rules: Vec<InputRule>,
    #[serde(default)]
    output_rules: Vec<OutputRule>,
    #[serde(default)]
    metrics: Vec<Metric>,
}

fn one() -> u32 {
    1
}

/// A domain template; from [`Domains::resolve`], merged along its parent chain.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DomainTemplate {
    pub name: String,
    pub description: String,
    pub parent: Option<String>,
    /// Resolved: the sum of the versions along the chain.
    pub version: u32,
    pub requirements: Requirements,
    pub capabilities: Vec<String>,
    /// The stages besides `operate` the model writes (in [`GENERATED_STAGES`]); the others
    /// come from the offline rules. Left out of the fingerprint when empty, so templates
    /// that do not use it keep their cache keys.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub generate: Vec<String>,
    pub input_rules: Vec<InputRule>,
    pub output_rules: Vec<OutputRule>,
    pub metrics: Vec<Metric>,
    /// The chain of template names, root first (`["base", "ml_monitoring"]`).
    pub chain: Vec<String>,
    /// Where the template came from (`built-in` or the file's path); resolved: the child's.
    pub origin: String,
    /// A hash of the resolved content (16 hex digits): changes whenever any rule, requirement
    /// or version along the chain changes, even when an author forgot to bump a version.
    pub fingerprint: String,
}

impl DomainTemplate {
    /// The requested capabilities this domain allows, and the ones it does not.
    pub fn grant(&self, requested: &[String]) -> (Vec<String>, Vec<String>) {
        requested
            .iter()
            .cloned()
            .partition(|c| self.capabilities.contains(c))
    }

    fn compute_fingerprint(&mut self) {
        // Where the template was read from does not change what it generates.
        let content = DomainTemplate {
            origin: String::new(),
            fingerprint: String::new(),
            ..self.clone()
        };
        let json = serde_json::to_string(&content).unwrap_or_default();
        let digest = Sha256::digest(json.as_bytes());
        self.fingerprint = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
    }
}

/// What can go wrong with templates.
#[derive(Clone, Debug, PartialEq)]
pub enum DomainError {
    /// No template of that name.
    Unknown { name: String, known: Vec<String> },
    /// A template names a parent that does not exist.
    UnknownParent {
        template: String,
        parent: String,
        known: Vec<String>,
    },
    /// Parents form a cycle (the names in order, the first repeated at the end).
    Cycle(Vec<String>),
    /// A file is not valid TOML or does not follow the schema.
    Syntax {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    /// A file is valid TOML but a value is wrong (a check that does not parse, …).
    Invalid { file: String, message: String },
    /// Two files of one folder define the same template.
    Duplicate {
        name: String,
        first: String,
        second: String,
    },
    /// A folder or file could not be read.
    Io { path: String, message: String },
}

impl fmt::Display for DomainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DomainError::Unknown { name, known } => {
                write!(f, "unknown domain '{name}'")?;
                if let Some(s) = did_you_mean(name, known.iter().map(String::as_str)) {
                    write!(f, " (did you mean '{s}'?)")?;
                }
                write!(f, "; known domains: {}", known.join(", "))
            }
            DomainError::UnknownParent {
                template,
                parent,
                known,
            } => {
                write!(f, "domain '{template}' names an unknown parent '{parent}'")?;
                if let Some(s) = did_you_mean(parent, known.iter().map(String::as_str)) {
                    write!(f, " (did you mean '{s}'?)")?;
                }
                write!(f, "; known domains: {}", known.join(", "))
            }
            DomainError::Cycle(names) => {
                write!(f, "domain parents form a cycle: {}", names.join(" -> "))
            }
            DomainError::Syntax {
                file,
                line,
                column,
                message,
            } => write!(f, "{file}:{line}:{column}: {message}"),
            DomainError::Invalid { file, message } => write!(f, "{file}: {message}"),
            DomainError::Duplicate {
                name,
                first,
                second,
            } => write!(
                f,
                "domain '{name}' is defined twice: in {first} and in {second}"
            ),
            DomainError::Io { path, message } => write!(f, "cannot read {path}: {message}"),
        }
    }
}

impl std::error::Error for DomainError {}

/// The templates known to a program: the built-in ones, overridden or extended by users'.
#[derive(Clone, Debug, Default)]
pub struct Domains {
    templates: BTreeMap<String, DomainTemplate>,
}

impl Domains {
    /// The built-in templates.
    pub fn builtin() -> Domains {
        let mut templates = BTreeMap::new();
        for (file, text) in BUILTIN_FILES {
            // Every built-in file parses (a test checks it); one that did not would be left out
            // rather than take the program down.
            if let Ok(t) = parse_template(text, file, "built-in") {
                templates.insert(t.name.clone(), t);
            }
        }
        Domains { templates }
    }

    /// The built-in templates plus the `*.toml` files of each folder, in order: a template
    /// replaces an earlier one of the same name (a user's `base.toml` replaces the built-in
    /// base). Missing folders are skipped.
    pub fn load(extra_dirs: &[PathBuf]) -> Result<Domains, DomainError> {
        let mut d = Domains::builtin();
        for dir in extra_dirs {
            for t in read_dir(dir)? {
                d.templates.insert(t.name.clone(), t);
            }
        }
        for name in d.templates.keys() {
            d.chain(name)?;
        }
        Ok(d)
    }

    /// The names of the templates, sorted.
    pub fn names(&self) -> Vec<String> {
        self.templates.keys().cloned().collect()
    }

    /// The template `name` merged with its ancestors.
    pub fn resolve(&self, name: &str) -> Result<DomainTemplate, DomainError> {
        let chain = self.chain(name)?;
        let mut out: Option<DomainTemplate> = None;
        for t in chain.iter().rev() {
            out = Some(match out {
                None => (*t).clone(),
                Some(parent) => merge(parent, t),
            });
        }
        let mut out = out.ok_or_else(|| self.unknown(name))?;
        out.chain = chain.iter().rev().map(|t| t.name.clone()).collect();
        out.compute_fingerprint();
        Ok(out)
    }

    /// The template and its ancestors, child first.
    fn chain(&self, name: &str) -> Result<Vec<&DomainTemplate>, DomainError> {
        let mut out: Vec<&DomainTemplate> = Vec::new();
        let mut next = Some(name.to_string());
        while let Some(n) = next {
            if let Some(pos) = out.iter().position(|t| t.name == n) {
                let mut names: Vec<String> = out[pos..].iter().map(|t| t.name.clone()).collect();
                names.push(n);
                return Err(DomainError::Cycle(names));
            }
            let t = match self.templates.get(&n) {
                Some(t) => t,
                None => {
                    return Err(match out.last() {
                        None => self.unknown(&n),
                        Some(child) => DomainError::UnknownParent {
                            template: child.name.clone(),
                            parent: n,
                            known: self.names(),
                        },
                    })
                }
            };
            out.push(t);
            next = t.parent.clone();
        }
        Ok(out)
    }

    fn unknown(&self, name: &str) -> DomainError {
        DomainError::Unknown {
            name: name.to_string(),
            known: self.names(),
        }
    }
}

fn merge(parent: DomainTemplate, child: &DomainTemplate) -> DomainTemplate {
    let mut out = child.clone();
    out.version = parent.version.saturating_add(child.version);
    let cat = |a: &[String], b: &[String]| -> Vec<String> { a.iter().chain(b).cloned().collect() };
    out.requirements = Requirements {
        perceive: cat(&parent.requirements.perceive, &child.requirements.perceive),
        operate: cat(&parent.requirements.operate, &child.requirements.operate),
        enforce: cat(&parent.requirements.enforce, &child.requirements.enforce),
        train: cat(&parent.requirements.train, &child.requirements.train),
    };
    let union = |a: &[String], b: &[String]| -> Vec<String> {
        let mut out = a.to_vec();
        for x in b {
            if !out.contains(x) {
                out.push(x.clone());
            }
        }
        out
    };
    out.capabilities = union(&parent.capabilities, &child.capabilities);
    out.generate = union(&parent.generate, &child.generate);
    out.input_rules = parent
        .input_rules
        .iter()
        .chain(&child.input_rules)
        .cloned()
        .collect();
    out.output_rules = parent
        .output_rules
        .iter()
        .chain(&child.output_rules)
        .cloned()
        .collect();
    out.metrics = parent
        .metrics
        .iter()
        .filter(|m| !child.metrics.iter().any(|c| c.name == m.name))
        .chain(&child.metrics)
        .cloned()
        .collect();
    out
}

fn read_dir(dir: &Path) -> Result<Vec<DomainTemplate>, DomainError> {
    let io = |path: &Path, e: std::io::Error| DomainError::Io {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io(dir, e)),
    };
    let mut files: Vec<PathBuf> = Vec::new();
    for e in entries {
        let path = e.map_err(|e| io(dir, e))?.path();
        if path.extension().is_some_and(|x| x == "toml") && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    let mut out: Vec<DomainTemplate> = Vec::new();
    for path in files {
        let shown = path.display().to_string();
        let size = std::fs::metadata(&path).map_err(|e| io(&path, e))?.len();
        if size > MAX_TEMPLATE_BYTES {
            return Err(DomainError::Invalid {
                file: shown,
                message: format!("the file has {size} bytes; templates are limited to 1 MiB"),
            });
        }
        let text = std::fs::read_to_string(&path).map_err(|e| io(&path, e))?;
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let t = parse_template(&text, &format!("{stem}.toml"), &shown)?;
        if let Some(prev) = out.iter().find(|p| p.name == t.name) {
            return Err(DomainError::Duplicate {
                name: t.name.clone(),
                first: prev.origin.clone(),
                second: shown,
            });
        }
        out.push(t);
    }
    Ok(out)
}

/// Parses and checks one template file (`file_name` gives the default name, `origin` is
/// what errors name).
fn parse_template(
    text: &str,
    file_name: &str,
    origin: &str,
) -> Result<DomainTemplate, DomainError> {
    let shown = if origin == "built-in" {
        format!("poet/domains/{file_name}")
    } else {
        origin.to_string()
    };
    let raw: TemplateFile = toml::from_str(text).map_err(|e| {
        let (line, column) = e
            .span()
            .map(|s| dana_interpreter::check::line_col(text, s.start))
            .unwrap_or((1, 1));
        DomainError::Syntax {
            file: shown.clone(),
            line,
            column,
            message: e.message().trim().to_string(),
        }
    })?;
    let invalid = |message: String| DomainError::Invalid {
        file: shown.clone(),
        message,
    };
    let name = raw
        .name
        .unwrap_or_else(|| file_name.trim_end_matches(".toml").to_string());
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        return Err(invalid(format!(
            "name '{name}': use letters, digits, '_' or '-'"
        )));
    }
    for c in &raw.capabilities {
        if !CAPABILITIES.contains(&c.as_str()) {
            let hint = did_you_mean(c, CAPABILITIES.iter().copied())
                .map(|s| format!(" (did you mean '{s}'?)"))
                .unwrap_or_default();
            return Err(invalid(format!(
                "unknown capability '{c}'{hint}; known: {}",
                CAPABILITIES.join(", ")
            )));
        }
    }
    for stage in &raw.generate {
        if !GENERATED_STAGES.contains(&stage.as_str()) {
            let hint = did_you_mean(stage, GENERATED_STAGES.iter().copied())
                .map(|s| format!(" (did you mean '{s}'?)"))
                .unwrap_or_default();
            let operate = if stage == "operate" {
                " (`operate` is always generated)"
            } else {
                ""
            };
            return Err(invalid(format!(
                "generate: unknown stage '{stage}'{hint}{operate}; known: {}",
                GENERATED_STAGES.join(", ")
            )));
        }
    }
    for (i, r) in raw.input_rules.iter().enumerate() {
        let at = format!("input_rules[{i}]");
        check_pattern(&r.applies_to).map_err(|m| invalid(format!("{at}.applies_to: {m}")))?;
        check_globs(&r.names).map_err(|m| invalid(format!("{at}.names: {m}")))?;
        check_expr(&r.check.replace("{p}", "x"))
            .map_err(|m| invalid(format!("{at}.check: {m}")))?;
        check_message(&r.message).map_err(|m| invalid(format!("{at}.message: {m}")))?;
    }
    for (i, r) in raw.output_rules.iter().enumerate() {
        let at = format!("output_rules[{i}]");
        check_pattern(&r.applies_to).map_err(|m| invalid(format!("{at}.applies_to: {m}")))?;
        check_globs(&r.names).map_err(|m| invalid(format!("{at}.names: {m}")))?;
        if r.check.contains("{p}") {
            return Err(invalid(format!(
                "{at}.check: output rules name the value `result`, not {{p}}"
            )));
        }
        check_expr(&r.check).map_err(|m| invalid(format!("{at}.check: {m}")))?;
        check_message(&r.message).map_err(|m| invalid(format!("{at}.message: {m}")))?;
    }
    for (i, m) in raw.metrics.iter().enumerate() {
        let at = format!("metrics[{i}]");
        if m.name.trim().is_empty() {
            return Err(invalid(format!("{at}.name: must not be empty")));
        }
        check_pattern(&m.applies_to).map_err(|e| invalid(format!("{at}.applies_to: {e}")))?;
        check_expr(&m.value).map_err(|e| invalid(format!("{at}.value: {e}")))?;
    }
    let mut t = DomainTemplate {
        name,
        description: raw.description,
        parent: raw.parent,
        version: raw.version,
        requirements: raw.requirements,
        capabilities: raw.capabilities,
        generate: raw.generate,
        input_rules: raw.input_rules,
        output_rules: raw.output_rules,
        metrics: raw.metrics,
        chain: Vec::new(),
        origin: origin.to_string(),
        fingerprint: String::new(),
    };
    t.chain = vec![t.name.clone()];
    t.compute_fingerprint();
    Ok(t)
}

fn check_pattern(p: &str) -> Result<(), String> {
    let p = p.trim();
    if TYPE_FAMILIES.contains(&p) {
        return Ok(());
    }
    // Any name is a valid annotation (a struct's), so a misspelt family would silently match
    // nothing: refuse names close to a family or a builtin type.
    const BUILTIN_TYPES: &[&str] = &["int", "float", "none", "None", "function", "callable"];
    if p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        if let Some(s) = did_you_mean(p, TYPE_FAMILIES.iter().chain(BUILTIN_TYPES).copied()) {
            return Err(format!("unknown type pattern '{p}' (did you mean '{s}'?)"));
        }
    }
    if parse_annotation(p).is_some() {
        Ok(())
    } else {
        Err(format!(
            "'{p}' is neither a type family ({}) nor a type annotation",
            TYPE_FAMILIES.join(", ")
        ))
    }
}

fn check_globs(names: &[String]) -> Result<(), String> {
    if names.is_empty() {
        return Err("list at least one pattern (\"*\" for all)".into());
    }
    match names
        .iter()
        .find(|n| n.is_empty() || !n.chars().all(|c| c.is_alphanumeric() || "_*?".contains(c)))
    {
        Some(bad) => Err(format!(
            "'{bad}' is not a name pattern (letters, digits, '_', '*', '?')"
        )),
        None => Ok(()),
    }
}

fn check_expr(text: &str) -> Result<(), String> {
    if text.contains('\n') {
        return Err("must be a single line".into());
    }
    dana_grammar::parse_expr(text)
        .map(|_| ())
        .map_err(|e| format!("'{text}' does not parse: {}", e.message))
}

fn check_message(m: &str) -> Result<(), String> {
    if m.trim().is_empty() {
        Err("must not be empty".into())
    } else {
        Ok(())
    }
}

/// `true` when `name` matches the glob (`*` any run of characters, `?` one; ASCII case is
/// ignored).
pub(crate) fn glob_match(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().map(|c| c.to_ascii_lowercase()).collect();
    let n: Vec<char> = name.chars().map(|c| c.to_ascii_lowercase()).collect();
    // Iterative matching with one backtrack point: linear in practice, never recursive.
    let (mut pi, mut ni) = (0usize, 0usize);
    let mut star: Option<(usize, usize)> = None;
    while ni < n.len() {
        match p.get(pi) {
            Some('*') => {
                star = Some((pi, ni));
                pi += 1;
            }
            Some(&c) if c == '?' || c == n[ni] => {
                pi += 1;
                ni += 1;
            }
            _ => match star {
                Some((sp, sn)) => {
                    pi = sp + 1;
                    ni = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return false,
            },
        }
    }
    p[pi.min(p.len())..].iter().all(|c| *c == '*')
}

/// `true` when any of the globs matches `name`.
pub(crate) fn names_match(globs: &[String], name: &str) -> bool {
    globs.iter().any(|g| glob_match(g, name))
}

/// `true` when the type pattern matches the annotation (`None` members ignored).
pub(crate) fn pattern_matches(pattern: &str, ann: &TypeAnn) -> bool {
    let members: Vec<&TypeAnn> = match ann {
        TypeAnn::Union(v) => v.iter().filter(|t| **t != TypeAnn::None).collect(),
        TypeAnn::None => Vec::new(),
        t => vec![t],
    };
    if members.is_empty() {
        return false;
    }
    let is_number = |t: &TypeAnn| matches!(t, TypeAnn::Int | TypeAnn::Float);
    let numbers = |t: &TypeAnn| match t {
        TypeAnn::List(Some(e)) | TypeAnn::Set(Some(e)) => number_type(e),
        TypeAnn::Tuple(Some((ts, _))) => !ts.is_empty() && ts.iter().all(number_type),
        _ => false,
    };
    let all = |f: &dyn Fn(&TypeAnn) -> bool| members.iter().all(|t| f(t));
    match pattern.trim() {
        "any" => true,
        "number" => all(&is_number),
        "numbers" => all(&numbers),
        "list" => all(&|t| matches!(t, TypeAnn::List(_))),
        "dict" => all(&|t| matches!(t, TypeAnn::Dict(_))),
        "set" => all(&|t| matches!(t, TypeAnn::Set(_))),
        "tuple" => all(&|t| matches!(t, TypeAnn::Tuple(_))),
        "str" => all(&|t| matches!(t, TypeAnn::Str)),
        "bool" => all(&|t| matches!(t, TypeAnn::Bool)),
        "collection" => all(&|t| {
            matches!(
                t,
                TypeAnn::List(_) | TypeAnn::Dict(_) | TypeAnn::Set(_) | TypeAnn::Tuple(_)
            )
        }),
        other => match parse_annotation(other) {
            Some(p) => {
                let want = strip_none(TypeAnn::from_ast(&p));
                let got = strip_none(ann.clone());
                want.to_string() == got.to_string()
            }
            None => false,
        },
    }
}

fn number_type(t: &TypeAnn) -> bool {
    match t {
        TypeAnn::Int | TypeAnn::Float => true,
        TypeAnn::Union(v) => v.iter().all(|t| matches!(t, TypeAnn::Int | TypeAnn::Float)),
        _ => false,
    }
}

/// The annotation without its `None` members.
pub(crate) fn strip_none(t: TypeAnn) -> TypeAnn {
    match t {
        TypeAnn::Union(v) => {
            let mut rest: Vec<TypeAnn> = v.into_iter().filter(|t| *t != TypeAnn::None).collect();
            match rest.len() {
                0 => TypeAnn::None,
                1 => rest.pop().unwrap_or(TypeAnn::None),
                _ => TypeAnn::Union(rest),
            }
        }
        t => t,
    }
}

#[cfg(test)]
mod tests;
