//! What POET knows about a decorated function: its name, parameters, return annotation,
//! docstring, its source text and its body, taken from the text of the `def` as it appears in
//! its file.
//!
//! The generators (offline rules, LLM prompts) and the validation gate work from a
//! [`FunctionShape`]; annotations and defaults stay source text so that generated code can
//! repeat them exactly.

use dana_grammar::ast::{self, FuncBody, StmtKind};
use dana_interpreter::check::{check_module, CheckOptions, Code};

/// How a parameter receives its arguments (a bare `*` is a `VarArgs` parameter named `*`).
pub use dana_grammar::ast::ParamKind;

/// One parameter of the decorated function.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamShape {
    pub name: String,
    /// The annotation's source text (`list[float]`).
    pub ann: Option<String>,
    /// The default's source text (`0.5`, `None`, `DEFAULT_LIMIT`).
    pub default: Option<String>,
    pub kind: ParamKind,
}

impl ParamShape {
    /// `true` for the bare `*` that makes the following parameters keyword-only.
    pub fn is_keyword_marker(&self) -> bool {
        self.kind == ParamKind::VarArgs && self.name == "*"
    }

    /// The parameter as written in a signature: `name: T = d`, `*args: T`, `**kw`, `*`.
    pub fn render(&self, with_default: bool) -> String {
        if self.is_keyword_marker() {
            return "*".into();
        }
        let mut s = match self.kind {
            ParamKind::Normal => String::new(),
            ParamKind::VarArgs => "*".into(),
            ParamKind::KwArgs => "**".into(),
        };
        s.push_str(&self.name);
        if let Some(a) = &self.ann {
            s.push_str(": ");
            s.push_str(a);
        }
        if with_default {
            if let Some(d) = &self.default {
                s.push_str(" = ");
                s.push_str(d);
            }
        }
        s
    }
}

/// Columns beyond this are treated as this (no file is indented that deep).
const MAX_COLUMN: usize = 1024;

/// The decorated function as POET sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct FunctionShape {
    pub name: String,
    /// The receiver first for a receiver method `def (p: Point) area() -> float`.
    pub params: Vec<ParamShape>,
    /// The return annotation's source text.
    pub returns: Option<String>,
    pub doc: Option<String>,
    /// The whole `def` (from `def`, or `sync def`; no decorators), dedented to column 0.
    pub source: String,
    /// The body statements without the docstring, dedented to column 0, ending in `"\n"`
    /// (`"pass\n"` when the body is only a docstring). For a pipeline definition
    /// (`def f(x) = a | b`) it is the pipeline's text.
    pub body: String,
    /// A receiver method (`def (p: Point) f()`), or a struct-block method taking `self`.
    pub is_method: bool,
    /// The body cannot run in another module: it is a pipeline definition, a nested
    /// function reading names of its enclosing function (a closure), or it writes program
    /// state (an item or attribute of a global, a `public:`/`private:`/`system:` name), which
    /// generated code may not ([`crate::make::gate::writes_program_state`]). Generated code then
    /// calls the original (`_original`) instead of copying the body.
    pub delegate: bool,
}

impl FunctionShape {
    /// Reads the text of one `def` as it appears in its file: `def_text` starts at the `def`
    /// (or `sync`) keyword and runs to the end of the body; `def_column` is the 0-based column
    /// of that keyword in the file, so the following lines keep their file indentation.
    pub fn from_source(def_text: &str, def_column: usize) -> Result<FunctionShape, String> {
        let text = def_text.replace("\r\n", "\n");
        let text = text.trim_end();
        if text.trim().is_empty() {
            return Err("no function definition: the text is empty".into());
        }
        // A column beyond any real indentation would only pad the text with blanks.
        let def_column = def_column.min(MAX_COLUMN);
        let src = normalise(text, def_column);
        let module = dana_grammar::parse_module(&src).map_err(|e| {
            let (line, col) = dana_interpreter::check::line_col(&src, e.span.start as usize);
            format!("the function does not parse: {line}:{col}: {}", e.message)
        })?;
        let def = single_def(&module)?;
        if !def.decorators.is_empty() {
            // The text started at a decorator: keep the definition from `def` on.
            let start = line_start(&src, def.header_span.start as usize);
            let rest = src.get(start..).unwrap_or_default();
            if rest.len() >= src.len() {
                return Err("cannot find the 'def' after the decorators".into());
            }
            return FunctionShape::from_source(rest, 0);
        }
        let params = def
            .receiver
            .iter()
            .chain(def.params.iter())
            .map(|p| ParamShape {
                name: p.name.name.as_str().to_string(),
                ann: p.ann.as_ref().map(|t| slice(&src, t.span)),
                default: p.default.as_ref().map(|d| slice(&src, d.span)),
                kind: match p.kind {
                    ast::ParamKind::Normal => ParamKind::Normal,
                    ast::ParamKind::VarArgs => ParamKind::VarArgs,
                    ast::ParamKind::KwArgs => ParamKind::KwArgs,
                },
            })
            .collect::<Vec<_>>();
        let is_method = def.receiver.is_some()
            || (def_column > 0 && params.first().is_some_and(|p| p.name == "self"));
        let (body, pipeline) = match &def.body {
            FuncBody::Block(stmts) => (block_body(&src, def, stmts), false),
            FuncBody::Pipeline(p) => (format!("{}\n", slice(&src, p.span).trim()), true),
        };
        let delegate = pipeline
            || (def_column > 0 && reads_enclosing_names(&module))
            || crate::make::gate::writes_program_state(def);
        Ok(FunctionShape {
            name: def.name.name.as_str().to_string(),
            params,
            returns: def.returns.as_ref().map(|t| slice(&src, t.span)),
            doc: def.docstring.clone(),
            source: src,
            body,
            is_method,
            delegate,
        })
    }

    /// The original signature on one line: `def f(a: int, b: float = 0.5) -> float`
    /// (`def (p: Point) area() -> float` for a receiver method).
    pub fn signature(&self) -> String {
        let receiver = self.is_method && self.params.first().is_some_and(|p| p.name != "self");
        let (head, rest) = if receiver {
            let r = self.params.first().map(|p| p.render(false));
            (
                format!("def ({}) {}", r.unwrap_or_default(), self.name),
                &self.params[1..],
            )
        } else {
            (format!("def {}", self.name), &self.params[..])
        };
        let params: Vec<String> = rest.iter().map(|p| p.render(true)).collect();
        let mut s = format!("{head}({})", params.join(", "));
        if let Some(r) = &self.returns {
            s.push_str(" -> ");
            s.push_str(r);
        }
        s
    }

    /// The parameters that take arguments (without the bare `*` marker).
    pub fn arg_params(&self) -> impl Iterator<Item = &ParamShape> {
        self.params.iter().filter(|p| !p.is_keyword_marker())
    }
}

/// The text with its first line moved back to `def_column` and everything dedented by that
/// column, leaving the inside of multi-line strings untouched; ends in a newline.
fn normalise(text: &str, def_column: usize) -> String {
    let unit = text
        .lines()
        .skip(1)
        .find(|l| !l.trim().is_empty())
        .and_then(|l| l.chars().next())
        .filter(|c| *c == '\t')
        .unwrap_or(' ');
    let full: String = std::iter::repeat_n(unit, def_column)
        .chain(text.chars())
        .collect();
    let inside = lines_in_strings(&full);
    let mut out = String::with_capacity(full.len());
    for (i, line) in full.split('\n').enumerate() {
        if inside.get(i).copied().unwrap_or(false) {
            out.push_str(line);
        } else {
            out.push_str(strip_indent(line, def_column).trim_end());
        }
        out.push('\n');
    }
    out
}

/// Removes up to `n` leading spaces or tabs.
fn strip_indent(line: &str, n: usize) -> &str {
    let cut = line
        .char_indices()
        .take(n)
        .take_while(|(_, c)| *c == ' ' || *c == '\t')
        .last()
        .map_or(0, |(i, c)| i + c.len_utf8());
    &line[cut..]
}

/// For each line of `text`, whether it starts inside a triple-quoted string (such lines must
/// keep their exact text when code is re-indented).
pub(crate) fn lines_in_strings(text: &str) -> Vec<bool> {
    #[derive(Clone, Copy, PartialEq)]
    enum St {
        Code,
        Str(char, bool),
    }
    let mut out = Vec::new();
    let mut st = St::Code;
    for line in text.split('\n') {
        out.push(matches!(st, St::Str(_, true)));
        let chars: Vec<char> = line.chars().collect();
        let mut i = 0;
        while i < chars.len() {
            let c = chars[i];
            match st {
                St::Code => match c {
                    '#' => break,
                    '"' | '\'' => {
                        let triple = chars.get(i + 1) == Some(&c) && chars.get(i + 2) == Some(&c);
                        st = St::Str(c, triple);
                        i += if triple { 3 } else { 1 };
                        continue;
                    }
                    _ => {}
                },
                St::Str(q, triple) => {
                    if c == '\\' {
                        i += 2;
                        continue;
                    }
                    if c == q {
                        if !triple {
                            st = St::Code;
                        } else if chars.get(i + 1) == Some(&q) && chars.get(i + 2) == Some(&q) {
                            st = St::Code;
                            i += 3;
                            continue;
                        }
                    }
                }
            }
            i += 1;
        }
        // A single-quoted string never spans lines.
        if matches!(st, St::Str(_, false)) {
            st = St::Code;
        }
    }
    out
}

/// Prefixes every line that has code (or a comment) with `prefix`, leaving blank lines empty
/// and the inside of multi-line strings untouched.
pub(crate) fn indent(text: &str, prefix: &str) -> String {
    let inside = lines_in_strings(text);
    let mut out = String::with_capacity(text.len() + 16);
    for (i, line) in text.lines().enumerate() {
        if !inside.get(i).copied().unwrap_or(false) && !line.trim().is_empty() {
            out.push_str(prefix);
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

fn single_def(m: &ast::Module) -> Result<&ast::FunctionDef, String> {
    match m.body.as_slice() {
        [s] => match &s.kind {
            StmtKind::FunctionDef(f) => Ok(f),
            _ => Err("expected a function definition ('def')".into()),
        },
        [] => Err("no function definition in the text".into()),
        _ => Err("expected exactly one function definition, found more statements".into()),
    }
}

fn slice(src: &str, span: ast::Span) -> String {
    src.get(span.range()).unwrap_or_default().to_string()
}

fn line_start(src: &str, offset: usize) -> usize {
    src.get(..offset)
        .and_then(|s| s.rfind('\n'))
        .map_or(0, |i| i + 1)
}

/// 0-based line of a byte offset.
fn line_of(src: &str, offset: usize) -> usize {
    src.get(..offset.min(src.len()))
        .map_or(0, |s| s.matches('\n').count())
}

/// The body lines after the header, without the docstring, dedented to column 0.
fn block_body(src: &str, def: &ast::FunctionDef, stmts: &[ast::Stmt]) -> String {
    let rest: Vec<&ast::Stmt> = stmts
        .iter()
        .skip(usize::from(def.docstring.is_some()))
        .collect();
    let Some(first) = rest.first() else {
        return "pass\n".into();
    };
    let header_line = line_of(src, (def.header_span.end as usize).saturating_sub(1));
    let doc_lines = match (def.docstring.is_some(), stmts.first()) {
        (true, Some(d)) => Some(
            line_of(src, d.span.start as usize)
                ..=line_of(src, (d.span.end as usize).saturating_sub(1)),
        ),
        _ => None,
    };
    let first_start = first.span.start as usize;
    let body_indent = first_start - line_start(src, first_start);
    let inside = lines_in_strings(src);
    let mut lines: Vec<String> = Vec::new();
    for (i, line) in src.split('\n').enumerate() {
        if i <= header_line || doc_lines.as_ref().is_some_and(|r| r.contains(&i)) {
            continue;
        }
        if inside.get(i).copied().unwrap_or(false) {
            lines.push(line.to_string());
        } else {
            lines.push(strip_indent(line, body_indent).to_string());
        }
    }
    while lines.first().is_some_and(|l| l.trim().is_empty()) {
        lines.remove(0);
    }
    while lines.last().is_some_and(|l| l.trim().is_empty()) {
        lines.pop();
    }
    if lines.is_empty() {
        return "pass\n".into();
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

/// `true` when the function reads a name it does not bind and no builtin provides: for a
/// nested function that may be a variable of the enclosing function, which a copy of the body
/// in another module could not see.
fn reads_enclosing_names(m: &ast::Module) -> bool {
    let opts = CheckOptions {
        host: crate::host::gate_host_names(),
        no_warnings: true,
        ..CheckOptions::default()
    };
    check_module(m, &opts)
        .iter()
        .any(|d| d.code == Code::UndefinedName)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(text: &str, col: usize) -> FunctionShape {
        FunctionShape::from_source(text, col).unwrap_or_else(|e| panic!("{e}\n{text}"))
    }

    #[test]
    fn plain_function_with_annotations_and_defaults() {
        let s = shape(
            "def detect(current: list[float], threshold: float = 0.5, *rest, **opts) -> dict:\n    return {\"n\": len(current)}\n",
            0,
        );
        assert_eq!(s.name, "detect");
        assert_eq!(s.params.len(), 4);
        assert_eq!(s.params[0].ann.as_deref(), Some("list[float]"));
        assert_eq!(s.params[1].default.as_deref(), Some("0.5"));
        assert_eq!(s.params[2].kind, ParamKind::VarArgs);
        assert_eq!(s.params[3].kind, ParamKind::KwArgs);
        assert_eq!(s.returns.as_deref(), Some("dict"));
        assert_eq!(s.body, "return {\"n\": len(current)}\n");
        assert!(!s.is_method && !s.delegate);
        assert_eq!(
            s.signature(),
            "def detect(current: list[float], threshold: float = 0.5, *rest, **opts) -> dict"
        );
    }

    #[test]
    fn a_one_line_body_is_a_syntax_error_in_dana() {
        let e = FunctionShape::from_source("def f(x): return x", 0).unwrap_err();
        assert!(e.contains("1:11"), "{e}");
        let s = shape("def f(x):\n    return x", 0);
        assert_eq!(s.body, "return x\n");
    }

    #[test]
    fn docstring_comments_and_blank_lines() {
        let s = shape(
            "def f(x: int) -> int:  # header comment\n    \"\"\"Doubles x.\n\n    Really.\n    \"\"\"\n    # leading comment\n\n    y = x * 2  # trailing\n\n    # between\n    return y\n",
            0,
        );
        assert!(s
            .doc
            .as_deref()
            .is_some_and(|d| d.starts_with("Doubles x.")));
        assert_eq!(
            s.body,
            "# leading comment\n\ny = x * 2  # trailing\n\n# between\nreturn y\n"
        );
        let only_doc = shape("def g():\n    \"\"\"Nothing.\"\"\"\n", 0);
        assert_eq!(only_doc.body, "pass\n");
        assert_eq!(only_doc.doc.as_deref(), Some("Nothing."));
    }

    #[test]
    fn nested_text_is_dedented_from_its_column() {
        let text = "def area(self) -> float:\n        if self.w > 0:\n            return self.w * self.h\n        return 0.0\n";
        let s = shape(text, 4);
        assert!(s.is_method);
        assert!(s
            .source
            .starts_with("def area(self) -> float:\n    if self.w > 0:\n"));
        assert_eq!(
            s.body,
            "if self.w > 0:\n    return self.w * self.h\nreturn 0.0\n"
        );
        assert!(!s.delegate);
    }

    #[test]
    fn multi_line_strings_keep_their_text() {
        let text = "def f() -> str:\n        s = \"\"\"\nleft\n  two\n\"\"\"\n        return s\n";
        let s = shape(text, 4);
        assert_eq!(s.body, "s = \"\"\"\nleft\n  two\n\"\"\"\nreturn s\n");
        let again = indent(&s.body, "    ");
        assert_eq!(again, "    s = \"\"\"\nleft\n  two\n\"\"\"\n    return s\n");
    }

    #[test]
    fn receiver_method() {
        let s = shape(
            "def (p: Point) area(scale: float = 1.0) -> float:\n    return p.x * p.y * scale\n",
            0,
        );
        assert!(s.is_method);
        assert_eq!(s.params[0].name, "p");
        assert_eq!(s.params[0].ann.as_deref(), Some("Point"));
        assert_eq!(
            s.signature(),
            "def (p: Point) area(scale: float = 1.0) -> float"
        );
    }

    #[test]
    fn closures_and_pipelines_delegate() {
        let inner = "def inner(x: int) -> int:\n        return x + k\n";
        assert!(shape(inner, 4).delegate);
        // The same text at top level reads a module global: copying it is fine.
        assert!(!shape("def inner(x: int) -> int:\n    return x + k\n", 0).delegate);
        let p = shape("def clean(t: str) -> str = strip_it | lower_it", 0);
        assert!(p.delegate);
        assert_eq!(p.body, "strip_it | lower_it\n");
    }

    #[test]
    fn decorators_and_sync_and_keyword_marker() {
        let s = shape(
            "@poet(domain=\"api\")\ndef f(a, *, b: int = 2):\n    return a + b\n",
            0,
        );
        assert!(s.source.starts_with("def f("));
        assert!(s.params[1].is_keyword_marker());
        assert_eq!(s.signature(), "def f(a, *, b: int = 2)");
        let s = shape("sync def g(x):\n    return x\n", 0);
        assert_eq!(s.name, "g");
    }

    #[test]
    fn tabs_and_crlf() {
        let s = shape("def f(x):\r\n\t\ty = x\r\n\t\treturn y\r\n", 1);
        assert_eq!(s.body, "y = x\nreturn y\n");
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        for t in [
            "",
            "x = 1",
            "def",
            "def f(:\n",
            "def f():\n    pass\nx = 2\n",
            "\u{0}\u{1}",
        ] {
            assert!(FunctionShape::from_source(t, 3).is_err(), "{t:?}");
        }
        assert!(lines_in_strings("\"\"\"\\").len() == 1);
        assert_eq!(strip_indent("  é", 5), "é");
    }
}
