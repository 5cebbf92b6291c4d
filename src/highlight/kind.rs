//! The kinds of highlighted tokens, their legend in LSP's standard names, and the token itself.

/// The kind of a highlighted token. Its position in [`TOKEN_TYPES`] is `kind as u32`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// A module: imported, or used as `mod.name`.
    Namespace,
    /// A type in an annotation (`int`, `list[str]`).
    Type,
    /// A struct (or agent, resource, workflow): where defined, annotated, constructed.
    Struct,
    Interface,
    Parameter,
    Variable,
    /// A struct field, or an attribute that is read.
    Property,
    /// A function: where defined, called or named.
    Function,
    /// A method: where defined in a struct, or called as `x.m()`.
    Method,
    /// `@` and the decorator's name.
    Decorator,
    /// Reserved words (`True`, `False` and `None` included), and `del`, `global`,
    /// `nonlocal` at the start of their statement.
    Keyword,
    Comment,
    /// A string literal, and the literal parts of an f-string (with the field braces,
    /// conversions and format specs).
    String,
    Number,
    Operator,
}

/// The legend: LSP's standard token type names, in [`TokenKind`] order.
pub const TOKEN_TYPES: &[&str] = &[
    "namespace",
    "type",
    "struct",
    "interface",
    "parameter",
    "variable",
    "property",
    "function",
    "method",
    "decorator",
    "keyword",
    "comment",
    "string",
    "number",
    "operator",
];

impl TokenKind {
    /// Every kind, in legend order.
    pub const ALL: [TokenKind; 15] = [
        TokenKind::Namespace,
        TokenKind::Type,
        TokenKind::Struct,
        TokenKind::Interface,
        TokenKind::Parameter,
        TokenKind::Variable,
        TokenKind::Property,
        TokenKind::Function,
        TokenKind::Method,
        TokenKind::Decorator,
        TokenKind::Keyword,
        TokenKind::Comment,
        TokenKind::String,
        TokenKind::Number,
        TokenKind::Operator,
    ];

    /// The LSP name of the kind (its entry in [`TOKEN_TYPES`]).
    pub fn name(self) -> &'static str {
        TOKEN_TYPES[self as usize]
    }
}

/// One highlighted token, on one line (a string over several lines gives one token per line).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SemanticToken {
    /// 0-based line.
    pub line: u32,
    /// 0-based column, in UTF-16 code units.
    pub start: u32,
    /// Length in UTF-16 code units.
    pub length: u32,
    pub kind: TokenKind,
}
