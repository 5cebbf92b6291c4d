//! Runtime errors: Dana exceptions with their location and the Dana call stack.
//!
//! Inside the evaluator an error travels as [`Exc`] (a boxed [`RtError`], so `Result`s stay
//! small). `RtError` holds no runtime values, so it is `Send + Sync` and can leave the engine.

use dana_grammar::ast::Span;
use std::fmt;
use std::sync::Arc;

/// The built-in exception classes (DANA_SPEC §9), with Python's hierarchy.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ExcKind {
    /// The root: `except BaseException` catches everything, as a bare `except:` does.
    BaseException,
    /// Ctrl-C (a [`crate::limits::Limits::interrupt`]); not an `Exception`.
    KeyboardInterrupt,
    Exception,
    ArithmeticError,
    ZeroDivisionError,
    OverflowError,
    LookupError,
    IndexError,
    KeyError,
    TypeError,
    ValueError,
    NameError,
    AttributeError,
    AssertionError,
    RuntimeError,
    ImportError,
    TimeoutError,
    RecursionError,
    LimitError,
    MemoryError,
    SyntaxError,
    StopIteration,
    NotImplementedError,
    PermissionError,
}

impl ExcKind {
    pub const ALL: [ExcKind; 24] = [
        ExcKind::BaseException,
        ExcKind::KeyboardInterrupt,
        ExcKind::Exception,
        ExcKind::ArithmeticError,
        ExcKind::ZeroDivisionError,
        ExcKind::OverflowError,
        ExcKind::LookupError,
        ExcKind::IndexError,
        ExcKind::KeyError,
        ExcKind::TypeError,
        ExcKind::ValueError,
        ExcKind::NameError,
        ExcKind::AttributeError,
        ExcKind::AssertionError,
        ExcKind::RuntimeError,
        ExcKind::ImportError,
        ExcKind::TimeoutError,
        ExcKind::RecursionError,
        ExcKind::LimitError,
        ExcKind::MemoryError,
        ExcKind::SyntaxError,
        ExcKind::StopIteration,
        ExcKind::NotImplementedError,
        ExcKind::PermissionError,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ExcKind::BaseException => "BaseException",
            ExcKind::KeyboardInterrupt => "KeyboardInterrupt",
            ExcKind::Exception => "Exception",
            ExcKind::ArithmeticError => "ArithmeticError",
            ExcKind::ZeroDivisionError => "ZeroDivisionError",
            ExcKind::OverflowError => "OverflowError",
            ExcKind::LookupError => "LookupError",
            ExcKind::IndexError => "IndexError",
            ExcKind::KeyError => "KeyError",
            ExcKind::TypeError => "TypeError",
            ExcKind::ValueError => "ValueError",
            ExcKind::NameError => "NameError",
            ExcKind::AttributeError => "AttributeError",
            ExcKind::AssertionError => "AssertionError",
            ExcKind::RuntimeError => "RuntimeError",
            ExcKind::ImportError => "ImportError",
            ExcKind::TimeoutError => "TimeoutError",
            ExcKind::RecursionError => "RecursionError",
            ExcKind::LimitError => "LimitError",
            ExcKind::MemoryError => "MemoryError",
            ExcKind::SyntaxError => "SyntaxError",
            ExcKind::StopIteration => "StopIteration",
            ExcKind::NotImplementedError => "NotImplementedError",
            ExcKind::PermissionError => "PermissionError",
        }
    }

    pub(crate) fn from_name(name: &str) -> Option<ExcKind> {
        ExcKind::ALL.iter().copied().find(|k| k.name() == name)
    }

    pub fn parent(self) -> Option<ExcKind> {
        use ExcKind::*;
        match self {
            BaseException => None,
            Exception | KeyboardInterrupt => Some(BaseException),
            ZeroDivisionError | OverflowError => Some(ArithmeticError),
            IndexError | KeyError => Some(LookupError),
            RecursionError | NotImplementedError => Some(RuntimeError),
            _ => Some(Exception),
        }
    }

    /// `true` when an `except other:` clause catches an exception of this kind.
    pub(crate) fn is_subclass_of(self, other: ExcKind) -> bool {
        let mut k = Some(self);
        while let Some(c) = k {
            if c == other {
                return true;
            }
            k = c.parent();
        }
        false
    }
}

impl fmt::Display for ExcKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A location in a source file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Location {
    /// The file's display name (path as given, or `<repl>`, `<string>`).
    pub file: Arc<str>,
    pub span: Span,
    /// 1-based line and column (in characters), computed when the location is attached.
    pub line: u32,
    pub column: u32,
}

/// One entry of the Dana call stack.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StackEntry {
    /// The function's name (`<module>` for top-level code).
    pub function: String,
    /// Where the call happened, in the caller.
    pub location: Option<Location>,
}

/// A Dana exception.
#[derive(Clone, Debug, PartialEq)]
pub struct RtError {
    pub kind: ExcKind,
    pub message: String,
    pub location: Option<Location>,
    /// A likely fix.
    pub help: Option<String>,
    /// The Dana call stack, innermost first (pushed as the error unwinds).
    pub stack: Vec<StackEntry>,
}

/// The error type that flows through the evaluator.
pub type Exc = Box<RtError>;

impl RtError {
    pub fn new(kind: ExcKind, message: impl Into<String>) -> Exc {
        Box::new(RtError {
            kind,
            message: message.into(),
            location: None,
            help: None,
            stack: Vec::new(),
        })
    }
    pub fn with_help(mut self: Box<Self>, help: impl Into<String>) -> Exc {
        self.help = Some(help.into());
        self
    }

    /// What is wrong when this is an arity error (a call with too many or too few arguments,
    /// an unknown keyword, an argument given twice): the `TypeError`s whose messages have
    /// Python's wording for them. `None` for any other error.
    pub fn arity_problem(&self) -> Option<&'static str> {
        if self.kind != ExcKind::TypeError {
            return None;
        }
        let m = self.message.as_str();
        if m.contains("got an unexpected keyword argument") || m.contains("takes no keyword") {
            Some("unknown keyword argument")
        } else if m.contains("got multiple values for argument") {
            Some("argument given twice")
        } else if m.contains("() missing ") && m.contains(" required ") {
            Some("missing arguments")
        } else if (m.contains("() takes ") && (m.contains(" given") || m.contains("takes no")))
            || m.contains(" expected at most ")
            || m.contains(" expected at least ")
        {
            Some("wrong number of arguments")
        } else {
            None
        }
    }
}

/// `word` with its indefinite article, for messages: `an int`, `a str`, `an Engine`.
pub fn with_article(word: &str) -> String {
    let vowel = word
        .chars()
        .next()
        .is_some_and(|c| "aeiouAEIOU".contains(c));
    format!("{} {word}", if vowel { "an" } else { "a" })
}

impl fmt::Display for RtError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.message.is_empty() {
            write!(f, "{}", self.kind)
        } else {
            write!(f, "{}: {}", self.kind, self.message)
        }
    }
}

impl std::error::Error for RtError {}

macro_rules! ctor {
    ($fn:ident, $kind:ident) => {
        #[doc = concat!("A new `", stringify!($kind), "`.")]
        pub fn $fn(msg: impl Into<String>) -> Exc {
            RtError::new(ExcKind::$kind, msg)
        }
    };
}

ctor!(type_error, TypeError);
ctor!(value_error, ValueError);
ctor!(index_error, IndexError);
ctor!(key_error, KeyError);
ctor!(name_error, NameError);
ctor!(attribute_error, AttributeError);
ctor!(zero_division, ZeroDivisionError);
ctor!(overflow_error, OverflowError);
ctor!(runtime_error, RuntimeError);
ctor!(import_error, ImportError);
ctor!(assertion_error, AssertionError);
ctor!(recursion_error, RecursionError);
ctor!(limit_error, LimitError);
ctor!(memory_error, MemoryError);
ctor!(timeout_error, TimeoutError);

/// The closest candidate to `name` among `candidates` (edit distance ≤ 1/3 of the length, at
/// least 1), for "did you mean" help lines.
pub fn did_you_mean<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let max = (name.chars().count() / 3).max(1);
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        if c == name {
            continue;
        }
        let d = edit_distance(name, c);
        if d <= max && best.is_none_or(|(bd, bc)| d < bd || (d == bd && c < bc)) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

/// Levenshtein distance over characters.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for i in 1..=a.len() {
        cur[0] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            cur[j] = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hierarchy() {
        assert!(ExcKind::ZeroDivisionError.is_subclass_of(ExcKind::ArithmeticError));
        assert!(ExcKind::KeyError.is_subclass_of(ExcKind::LookupError));
        assert!(ExcKind::KeyError.is_subclass_of(ExcKind::Exception));
        assert!(!ExcKind::KeyError.is_subclass_of(ExcKind::IndexError));
    }

    #[test]
    fn arity_errors_are_told_apart_from_other_type_errors() {
        let p = |m: &str| type_error(m).arity_problem();
        assert_eq!(
            p("f() takes 1 positional argument but 2 were given"),
            Some("wrong number of arguments")
        );
        assert_eq!(
            p("f() missing 1 required positional argument: 'x'"),
            Some("missing arguments")
        );
        assert_eq!(
            p("f() got an unexpected keyword argument 'z'"),
            Some("unknown keyword argument")
        );
        assert_eq!(
            p("f() got multiple values for argument 'x'"),
            Some("argument given twice")
        );
        assert_eq!(
            p("copy() takes no arguments (2 given)"),
            Some("wrong number of arguments")
        );
        assert_eq!(p("f() argument 'n' must be int, got str 'a'"), None);
        assert_eq!(
            value_error("f() takes 1 positional argument but 2 were given").arity_problem(),
            None
        );
    }

    #[test]
    fn articles() {
        assert_eq!(with_article("int"), "an int");
        assert_eq!(with_article("str"), "a str");
        assert_eq!(with_article("Engine"), "an Engine");
        assert_eq!(with_article("float"), "a float");
    }

    #[test]
    fn suggestions() {
        assert_eq!(
            did_you_mean("lenght", ["len", "length", "list"]),
            Some("length")
        );
        assert_eq!(did_you_mean("zzz", ["len", "list"]), None);
    }
}
