//! The line editor's helper: completion, highlighting, and the Python-style rules for when an
//! input is complete.

use dana_grammar::ast::Sym;
use dana_interpreter::value::{methods, Globals, Value};
use rustyline::completion::{Completer, Pair};
use rustyline::highlight::{CmdKind, Highlighter};
use rustyline::hint::Hinter;
use rustyline::validate::Validator;
use rustyline::Context;
use std::borrow::Cow;
use std::cell::RefCell;
use std::rc::Rc;

/// Dana's keywords (completion and highlighting).
pub(crate) const KEYWORDS: &[&str] = &[
    "agent",
    "and",
    "as",
    "assert",
    "break",
    "continue",
    "def",
    "del",
    "elif",
    "else",
    "except",
    "False",
    "finally",
    "for",
    "from",
    "if",
    "import",
    "in",
    "interface",
    "is",
    "lambda",
    "None",
    "not",
    "or",
    "pass",
    "raise",
    "resource",
    "return",
    "struct",
    "True",
    "try",
    "while",
    "with",
    "workflow",
];

/// The meta commands (completion at the start of a line).
pub(crate) const COMMANDS: &[&str] = &[
    ":help", ":type", ":vars", ":load", ":reset", ":poet", ":quit",
];

/// Completion and highlighting against the session's current globals.
pub(crate) struct DanaHelper {
    /// The session's module globals (replaced on `:reset`).
    pub(crate) globals: Rc<RefCell<Rc<Globals>>>,
    /// The builtin names (`print`, `len`, …).
    pub(crate) builtins: Vec<String>,
    /// Colour the input with ANSI escapes.
    pub(crate) color: bool,
}

impl rustyline::Helper for DanaHelper {}

impl Hinter for DanaHelper {
    type Hint = String;
}

impl Validator for DanaHelper {}

impl DanaHelper {
    /// The completions of the word ending at `pos`: its start and the candidates.
    pub(crate) fn candidates(&self, line: &str, pos: usize) -> (usize, Vec<String>) {
        let before = &line[..pos];
        let start = before
            .char_indices()
            .rev()
            .take_while(|(_, c)| c.is_alphanumeric() || *c == '_' || *c == '.' || *c == ':')
            .last()
            .map(|(i, _)| i)
            .unwrap_or(pos);
        let word = &before[start..];
        if word.starts_with(':') {
            if start != 0 || before[..start].trim() != "" {
                return (pos, Vec::new());
            }
            let c = COMMANDS
                .iter()
                .filter(|c| c.starts_with(word))
                .map(|c| c.to_string())
                .collect();
            return (start, c);
        }
        let word = word.trim_start_matches(':');
        let start = pos - word.len();
        if let Some(dot) = word.rfind('.') {
            let (base, prefix) = (&word[..dot], &word[dot + 1..]);
            let mut names = self.attributes(base);
            names.retain(|n| n.starts_with(prefix) && !n.starts_with("__"));
            names.sort();
            names.dedup();
            return (start + dot + 1, names);
        }
        let globals = self.globals.borrow().clone();
        let mut names: Vec<String> = globals
            .names()
            .into_iter()
            .map(|s| s.as_str().to_string())
            .filter(|n| !n.starts_with("__"))
            .chain(self.builtins.iter().cloned())
            .chain(KEYWORDS.iter().map(|k| k.to_string()))
            .filter(|n| n.starts_with(word))
            .collect();
        names.sort();
        names.dedup();
        (start, names)
    }

    /// The attribute names of the value that a dotted name (`x`, `m.sub`) is bound to.
    fn attributes(&self, dotted: &str) -> Vec<String> {
        let globals = self.globals.borrow().clone();
        let mut parts = dotted.split('.');
        let Some(first) = parts.next().filter(|s| !s.is_empty()) else {
            return Vec::new();
        };
        let Some(mut v) = globals.get(Sym::intern(first)) else {
            return Vec::new();
        };
        for p in parts {
            let next = match &v {
                Value::Module(g) => g.get(Sym::intern(p)),
                Value::Struct(s) => {
                    s.ty.fields
                        .iter()
                        .position(|f| f.name.as_str() == p)
                        .and_then(|i| s.fields.borrow().get(i).cloned())
                }
                _ => None,
            };
            match next {
                Some(n) => v = n,
                None => return Vec::new(),
            }
        }
        match &v {
            Value::Module(g) => g.names().iter().map(|s| s.as_str().to_string()).collect(),
            Value::Struct(s) => {
                s.ty.fields
                    .iter()
                    .map(|f| f.name.as_str().to_string())
                    .chain(s.ty.methods.borrow().keys().map(|k| k.as_str().to_string()))
                    .collect()
            }
            Value::StructType(t) => t
                .methods
                .borrow()
                .keys()
                .map(|k| k.as_str().to_string())
                .collect(),
            other => methods::method_names(&other.type_name())
                .iter()
                .map(|s| s.to_string())
                .collect(),
        }
    }
}

impl Completer for DanaHelper {
    type Candidate = Pair;

    fn complete(
        &self,
        line: &str,
        pos: usize,
        _ctx: &Context<'_>,
    ) -> rustyline::Result<(usize, Vec<Pair>)> {
        let (start, names) = self.candidates(line, pos);
        let pairs = names
            .into_iter()
            .map(|n| Pair {
                display: n.clone(),
                replacement: n,
            })
            .collect();
        Ok((start, pairs))
    }
}

impl Highlighter for DanaHelper {
    fn highlight<'l>(&self, line: &'l str, _pos: usize) -> Cow<'l, str> {
        if !self.color {
            return Cow::Borrowed(line);
        }
        Cow::Owned(highlight(line))
    }

    fn highlight_char(&self, _line: &str, _pos: usize, _kind: CmdKind) -> bool {
        self.color
    }
}

/// ANSI colouring: keywords, strings, numbers, comments.
pub(crate) fn highlight(line: &str) -> String {
    const KW: &str = "\x1b[1;35m";
    const STR: &str = "\x1b[32m";
    const NUM: &str = "\x1b[36m";
    const COMMENT: &str = "\x1b[90m";
    const RESET: &str = "\x1b[0m";
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len() + 16);
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '#' {
            out.push_str(COMMENT);
            out.extend(&chars[i..]);
            out.push_str(RESET);
            break;
        }
        if c == '"' || c == '\'' {
            let start = i;
            i += 1;
            while i < chars.len() && chars[i] != c {
                if chars[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i = (i + 1).min(chars.len());
            out.push_str(STR);
            out.extend(&chars[start..i]);
            out.push_str(RESET);
            continue;
        }
        if c.is_alphabetic() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            let word: String = chars[start..i].iter().collect();
            if KEYWORDS.contains(&word.as_str()) {
                out.push_str(KW);
                out.push_str(&word);
                out.push_str(RESET);
            } else {
                out.push_str(&word);
            }
            continue;
        }
        if c.is_ascii_digit() {
            let start = i;
            while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '.') {
                i += 1;
            }
            out.push_str(NUM);
            out.extend(&chars[start..i]);
            out.push_str(RESET);
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

/// Whether the lines typed so far need more (Python's rules): an open bracket or an open
/// string (a single- or double-quoted string may span lines too), a trailing `\`, or a block
/// (a line ending in `:`) not yet closed by an empty line. Lines are judged with the text of
/// their strings blanked out, so a `:` or `#` inside a string spanning lines counts for nothing.
pub(crate) fn needs_more(text: &str) -> bool {
    let mut depth: i32 = 0;
    let mut chars = text.chars().peekable();
    let mut in_str: Option<(char, bool)> = None;
    // The text with each string's contents replaced by `_` (newlines included).
    let mut skeleton = String::with_capacity(text.len());
    while let Some(c) = chars.next() {
        if let Some((q, triple)) = in_str {
            if c == '\\' {
                chars.next();
                skeleton.push_str("__");
            } else if c == q {
                if !triple {
                    in_str = None;
                    skeleton.push(c);
                } else {
                    let rest: String = chars.clone().take(2).collect();
                    if rest.chars().all(|r| r == q) && rest.len() == 2 {
                        chars.next();
                        chars.next();
                        in_str = None;
                        skeleton.extend([q, q, q]);
                    } else {
                        skeleton.push('_');
                    }
                }
            } else {
                skeleton.push('_');
            }
            continue;
        }
        skeleton.push(c);
        match c {
            '#' => {
                for n in chars.by_ref() {
                    skeleton.push(n);
                    if n == '\n' {
                        break;
                    }
                }
            }
            '"' | '\'' => {
                let rest: String = chars.clone().take(2).collect();
                if rest.len() == 2 && rest.chars().all(|r| r == c) {
                    chars.next();
                    chars.next();
                    skeleton.extend([c, c]);
                    in_str = Some((c, true));
                } else {
                    in_str = Some((c, false));
                }
            }
            '(' | '[' | '{' => depth += 1,
            ')' | ']' | '}' => depth -= 1,
            _ => {}
        }
    }
    if depth > 0 || in_str.is_some() {
        return true;
    }
    let lines: Vec<&str> = skeleton.split('\n').collect();
    let last = lines.last().copied().unwrap_or("");
    if strip_comment(last).trim_end().ends_with('\\') {
        return true;
    }
    // A decorator line waits for the `def` it decorates.
    if last.trim_start().starts_with('@') {
        return true;
    }
    let opens_block = lines
        .iter()
        .any(|l| strip_comment(l).trim_end().ends_with(':'));
    opens_block && !last.trim().is_empty()
}

/// The indentation for the next line: the last line's, one level deeper after a `:`.
pub(crate) fn next_indent(text: &str) -> String {
    let last = text.lines().last().unwrap_or("");
    let indent: String = last.chars().take_while(|c| *c == ' ').collect();
    if strip_comment(last).trim_end().ends_with(':') {
        format!("{indent}    ")
    } else {
        indent
    }
}

/// A line without its `#` comment (ignoring `#` inside simple strings).
fn strip_comment(line: &str) -> &str {
    let mut quote: Option<char> = None;
    for (i, c) in line.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == '#' => return &line[..i],
            None => {}
        }
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn completeness() {
        assert!(!needs_more("1 + 1"));
        assert!(needs_more("def f(x):"));
        assert!(needs_more("def f(x):\n    return x"));
        assert!(!needs_more("def f(x):\n    return x\n"));
        assert!(needs_more("xs = [1,\n2"));
        assert!(!needs_more("xs = [1,\n2]"));
        assert!(needs_more("s = \"\"\"abc"));
        assert!(!needs_more("d = {'a:': 1}"));
        assert!(!needs_more("x = 1  # note:"));
        assert!(needs_more("x = 1 + \\"));
        // A string spanning lines: open until its closing quote.
        assert!(needs_more("s = 'abc"));
        assert!(needs_more("s = \"first\nsecond"));
        assert!(!needs_more("s = 'first\nsecond'"));
        // A `:` at the end of a line inside such a string opens no block.
        assert!(!needs_more("s = 'note:\nend'"));
        assert!(!needs_more("print(f'{private:x}')"));
    }

    #[test]
    fn indentation() {
        assert_eq!(next_indent("def f():"), "    ");
        assert_eq!(next_indent("def f():\n    if x:"), "        ");
        assert_eq!(next_indent("def f():\n    y = 1"), "    ");
    }

    #[test]
    fn colours() {
        let h = highlight("if x: 'a' # c");
        assert!(h.contains("\x1b[1;35mif\x1b[0m"));
        assert!(h.contains("\x1b[32m'a'\x1b[0m"));
    }
}
