//! The Dana abstract syntax tree.
//!
//! Every node carries a [`Span`]: a byte range into the *original* source text (the layout
//! pre-pass keeps an offset map so spans never point into the rewritten text). Names are
//! interned [`Sym`]s. The AST holds no runtime types, is `Send + Sync`, and is shared by the
//! resolver, the type checker and tooling. [`visit`] is the one traversal every walker over it
//! uses.

use std::fmt;
use std::sync::{OnceLock, RwLock};

pub mod spanless;
pub mod visit;

/// A byte range `[start, end)` into the original source file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span {
            start: start as u32,
            end: end as u32,
        }
    }
    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }
    pub fn is_empty(self) -> bool {
        self.end == self.start
    }
    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }
}

impl From<Span> for miette::SourceSpan {
    fn from(s: Span) -> Self {
        (s.start as usize, s.len()).into()
    }
}

/// An interned identifier. Equality and hashing are on the id, so comparing names is cheap.
/// Interned strings live for the life of the process (names come from source text and are few).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Sym(u32);

struct Interner {
    map: std::collections::HashMap<&'static str, u32>,
    names: Vec<&'static str>,
}

fn interner() -> &'static RwLock<Interner> {
    static INTERNER: OnceLock<RwLock<Interner>> = OnceLock::new();
    INTERNER.get_or_init(|| {
        RwLock::new(Interner {
            map: Default::default(),
            names: Vec::new(),
        })
    })
}

impl Sym {
    /// Interns `s` and returns its symbol.
    pub fn intern(s: &str) -> Sym {
        {
            let r = interner().read().unwrap_or_else(|e| e.into_inner());
            if let Some(&id) = r.map.get(s) {
                return Sym(id);
            }
        }
        let mut w = interner().write().unwrap_or_else(|e| e.into_inner());
        if let Some(&id) = w.map.get(s) {
            return Sym(id);
        }
        let leaked: &'static str = Box::leak(s.to_string().into_boxed_str());
        let id = w.names.len() as u32;
        w.names.push(leaked);
        w.map.insert(leaked, id);
        Sym(id)
    }
    /// The text of the symbol.
    pub fn as_str(self) -> &'static str {
        let r = interner().read().unwrap_or_else(|e| e.into_inner());
        r.names[self.0 as usize]
    }
    /// The numeric id (stable within one process).
    pub fn id(self) -> u32 {
        self.0
    }
}

impl fmt::Debug for Sym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.as_str())
    }
}

impl fmt::Display for Sym {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An identifier with its span.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Ident {
    pub name: Sym,
    pub span: Span,
}

/// A parsed `.na` file.
#[derive(Clone, Debug, PartialEq)]
pub struct Module {
    pub body: Vec<Stmt>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Stmt {
    pub kind: StmtKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum StmtKind {
    /// An expression evaluated for its effect.
    Expr(Expr),
    /// `a = b = value` (targets in source order); targets are Name, Scoped name, Attribute,
    /// Index (including slices), Tuple or List expressions.
    Assign {
        targets: Vec<Expr>,
        value: Expr,
    },
    /// `name: T = value` (value optional: `name: T` declares only).
    TypedAssign {
        target: Expr,
        ann: TypeExpr,
        value: Option<Expr>,
    },
    /// `target op= value`.
    AugAssign {
        target: Expr,
        op: BinOp,
        value: Expr,
    },
    If {
        cond: Expr,
        body: Vec<Stmt>,
        /// `elif` is represented as a nested `If` as the only statement of `orelse`.
        orelse: Vec<Stmt>,
    },
    While {
        cond: Expr,
        body: Vec<Stmt>,
        orelse: Vec<Stmt>,
    },
    For {
        target: Expr,
        iter: Expr,
        body: Vec<Stmt>,
        orelse: Vec<Stmt>,
    },
    FunctionDef(Box<FunctionDef>),
    Return(Option<Expr>),
    Pass,
    Break,
    Continue,
    Try {
        body: Vec<Stmt>,
        handlers: Vec<ExceptHandler>,
        orelse: Vec<Stmt>,
        finalbody: Vec<Stmt>,
    },
    /// `raise`, `raise e`, `raise e from c`.
    Raise {
        exc: Option<Expr>,
        cause: Option<Expr>,
    },
    Assert {
        test: Expr,
        msg: Option<Expr>,
    },
    /// `import a.b.c` / `import a.b as c`.
    Import {
        path: Vec<Ident>,
        alias: Option<Ident>,
    },
    /// `from ..a.b import x, y as z` / `from m import *` (`names` empty when `star`).
    FromImport {
        /// Number of leading dots (0 = absolute).
        level: u32,
        path: Vec<Ident>,
        names: Vec<ImportName>,
        star: bool,
    },
    Struct(Box<StructDef>),
    Interface(Box<InterfaceDef>),
    /// `with a as b, c:` [niche].
    With {
        items: Vec<WithItem>,
        body: Vec<Stmt>,
    },
    /// `agent`, `agent_blueprint`, `resource`, `workflow` blocks [niche]: struct-like.
    Niche(Box<NicheDef>),
    /// `del a, b[0], c.d, e[1:3]`: targets are Name, Attribute, Index (including slices),
    /// Tuple or List expressions.
    Delete(Vec<Expr>),
    /// `global a, b`.
    Global(Vec<Ident>),
    /// `nonlocal a, b`.
    Nonlocal(Vec<Ident>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct ImportName {
    pub name: Ident,
    pub alias: Option<Ident>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct WithItem {
    pub context: Expr,
    pub target: Option<Expr>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ExceptHandler {
    /// `None` for a bare `except:`; otherwise a name, a dotted name or a tuple of them.
    pub types: Option<Expr>,
    pub name: Option<Ident>,
    pub body: Vec<Stmt>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FunctionDef {
    pub name: Ident,
    /// `def (p: Point) move(...)`: the receiver parameter.
    pub receiver: Option<Param>,
    pub params: Vec<Param>,
    pub returns: Option<TypeExpr>,
    pub body: FuncBody,
    /// In source order (top first); applied bottom-up.
    pub decorators: Vec<Decorator>,
    /// `sync def` [niche].
    pub is_sync: bool,
    /// The leading string literal of a block body.
    pub docstring: Option<String>,
    /// The span of the `def ... :` header (for diagnostics).
    pub header_span: Span,
}

impl FunctionDef {
    /// The span from the `def` (or `sync`) keyword to the end of the body: the definition's
    /// text without its decorators.
    pub fn def_span(&self) -> Span {
        let end = match &self.body {
            FuncBody::Block(stmts) => stmts.last().map_or(0, |s| s.span.end),
            FuncBody::Pipeline(p) => p.span.end,
        };
        Span {
            start: self.header_span.start,
            end: end.max(self.header_span.end),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum FuncBody {
    Block(Vec<Stmt>),
    /// `def f(x) = a | b(2) as y | c($$)`.
    Pipeline(Pipeline),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Pipeline {
    pub stages: Vec<PipeStage>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct PipeStage {
    pub kind: PipeStageKind,
    /// `stage as name`.
    pub capture: Option<Ident>,
    pub span: Span,
}

impl PipeStage {
    /// The right operand of `|` read as a pipeline stage (DANA_SPEC §6.4), when it has the
    /// form only a stage gives meaning to: a call `g(3)` (a partial stage: no call is made
    /// when the pipe is built) or a list `[g, h]` (a fan-out, each element a stage). `None`
    /// for any other operand: a name or other value is composed as it is (or `|` is an
    /// ordinary operator, when the left operand is no callable).
    pub fn from_operand(e: &Expr) -> Option<PipeStage> {
        let kind = match &e.kind {
            ExprKind::Call { .. } => PipeStageKind::Expr(e.clone()),
            ExprKind::List(items)
                if !items.iter().any(|x| matches!(x.kind, ExprKind::Starred(_))) =>
            {
                PipeStageKind::FanOut(
                    items
                        .iter()
                        .map(|x| {
                            PipeStage::from_operand(x).unwrap_or_else(|| PipeStage {
                                kind: PipeStageKind::Expr(x.clone()),
                                capture: None,
                                span: x.span,
                            })
                        })
                        .collect(),
                )
            }
            _ => return None,
        };
        Some(PipeStage {
            kind,
            capture: None,
            span: e.span,
        })
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum PipeStageKind {
    /// A name, attribute, call or any other expression producing a callable (a `Call` expression
    /// is a partial application: see DANA_SPEC §6.4).
    Expr(Expr),
    /// `[f, g]`: fan-out.
    FanOut(Vec<PipeStage>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParamKind {
    Normal,
    /// `*args`. A bare `*` (keyword-only marker, `def f(a, *, b)`) is a `VarArgs` parameter
    /// named `*`: it accepts no arguments, and the parameters after it are keyword-only.
    VarArgs,
    /// `**kwargs`
    KwArgs,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Param {
    pub name: Ident,
    pub ann: Option<TypeExpr>,
    pub default: Option<Expr>,
    pub kind: ParamKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Decorator {
    /// A name or dotted name (`poet`, `mod.deco`).
    pub func: Expr,
    /// `None` for `@d`, `Some(args)` for `@d(...)`.
    pub args: Option<Vec<Arg>>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct StructDef {
    pub name: Ident,
    pub docstring: Option<String>,
    pub fields: Vec<FieldDef>,
    /// `def` inside the block: receiver methods of this struct (the receiver is implicit when
    /// the def has none: the first parameter then is the receiver if it is named `self`).
    pub methods: Vec<FunctionDef>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FieldDef {
    pub name: Ident,
    pub ann: Option<TypeExpr>,
    pub default: Option<Expr>,
    /// The trailing `# comment` on the field's line, without the `#` and surrounding spaces.
    pub comment: Option<String>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub struct InterfaceDef {
    pub name: Ident,
    pub docstring: Option<String>,
    pub methods: Vec<MethodSig>,
    /// Embedded interfaces (a bare name on its own line).
    pub embeds: Vec<Ident>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct MethodSig {
    pub name: Ident,
    pub params: Vec<Param>,
    pub returns: Option<TypeExpr>,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NicheKind {
    Agent,
    AgentBlueprint,
    Resource,
    Workflow,
}

#[derive(Clone, Debug, PartialEq)]
pub struct NicheDef {
    pub kind: NicheKind,
    pub name: Ident,
    pub docstring: Option<String>,
    pub fields: Vec<FieldDef>,
    pub methods: Vec<FunctionDef>,
}

/// A type annotation.
#[derive(Clone, Debug, PartialEq)]
pub struct TypeExpr {
    pub kind: TypeExprKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum TypeExprKind {
    /// `int`, `str`, `any`, `Point`, `mod.Type` (dotted names joined with `.`).
    Name(Sym),
    /// `None` in a type position.
    None,
    /// `list[str]`, `dict[str, int]`, `tuple[int, ...]` (an `...` argument is `Name("...")`).
    Generic(Sym, Vec<TypeExpr>),
    /// `A | B | None`.
    Union(Vec<TypeExpr>),
}

/// The four Dana scopes of a scoped name (`private:x`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScopeKind {
    Local,
    Private,
    Public,
    System,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// Fits in i64.
    Int(i64),
    /// An integer literal too large for i64, as decimal digits.
    BigInt(String),
    Float(f64),
    Str(String),
    Bool(bool),
    None,
    FString(Vec<FPart>),
    /// A name, optionally scoped (`private:x`). `scope: None` is an unscoped name.
    Name {
        scope: Option<ScopeKind>,
        name: Sym,
    },
    /// `$$` (only valid inside a pipeline stage's arguments).
    Placeholder,
    List(Vec<Expr>),
    Tuple(Vec<Expr>),
    Set(Vec<Expr>),
    /// `{k: v, …}`. A `**m` entry (dict unpacking, merged at its position as in Python) is
    /// stored as the pair `(Starred(m), None)`; a starred key cannot occur otherwise.
    Dict(Vec<(Expr, Expr)>),
    ListComp {
        elt: Box<Expr>,
        gens: Vec<Comprehension>,
    },
    SetComp {
        elt: Box<Expr>,
        gens: Vec<Comprehension>,
    },
    /// Both `{k: v for …}` and `{(k: v) for …}`.
    DictComp {
        key: Box<Expr>,
        value: Box<Expr>,
        gens: Vec<Comprehension>,
    },
    Lambda(Box<Lambda>),
    /// `body if test else orelse`.
    IfExp {
        test: Box<Expr>,
        body: Box<Expr>,
        orelse: Box<Expr>,
    },
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Unary(UnaryOp, Box<Expr>),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    /// `a < b <= c`: `left` then each `(op, right)` in order.
    Compare {
        left: Box<Expr>,
        ops: Vec<(CmpOp, Expr)>,
    },
    Call {
        func: Box<Expr>,
        args: Vec<Arg>,
    },
    Attribute {
        value: Box<Expr>,
        attr: Ident,
    },
    /// `value[index]`; a slice index is an `ExprKind::Slice`.
    Index {
        value: Box<Expr>,
        index: Box<Expr>,
    },
    /// `lower:upper:step` inside brackets.
    Slice {
        lower: Option<Box<Expr>>,
        upper: Option<Box<Expr>>,
        step: Option<Box<Expr>>,
    },
    /// `*xs` in a list/tuple/set display or an assignment target.
    Starred(Box<Expr>),
    /// `name := value` (an assignment expression); the target is an unscoped `Name`.
    NamedExpr {
        target: Box<Expr>,
        value: Box<Expr>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub enum FPart {
    Lit(String),
    Expr {
        expr: Box<Expr>,
        /// `!r`, `!s` or `!a`.
        conversion: Option<char>,
        /// The format spec after `:`; may contain nested `{expr}` fields.
        spec: Option<Vec<FPart>>,
        /// `{x=}` self-documenting form: the text to print before the value.
        debug_text: Option<String>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Comprehension {
    pub target: Expr,
    pub iter: Expr,
    pub ifs: Vec<Expr>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Lambda {
    /// `lambda (p: Point) dx :: …`: the receiver parameter (it comes first when called).
    pub receiver: Option<Param>,
    pub params: Vec<Param>,
    pub body: Expr,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Arg {
    pub kind: ArgKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ArgKind {
    Positional(Expr),
    Keyword(Ident, Expr),
    /// `*xs`
    Star(Expr),
    /// `**kw`
    StarStar(Expr),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    Neg,
    Pos,
    Invert,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    FloorDiv,
    Mod,
    Pow,
    BitOr,
    BitXor,
    BitAnd,
    Shl,
    Shr,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::FloorDiv => "//",
            BinOp::Mod => "%",
            BinOp::Pow => "**",
            BinOp::BitOr => "|",
            BinOp::BitXor => "^",
            BinOp::BitAnd => "&",
            BinOp::Shl => "<<",
            BinOp::Shr => ">>",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CmpOp {
    Eq,
    NotEq,
    Lt,
    LtE,
    Gt,
    GtE,
    In,
    NotIn,
    Is,
    IsNot,
}

impl CmpOp {
    pub fn symbol(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::NotEq => "!=",
            CmpOp::Lt => "<",
            CmpOp::LtE => "<=",
            CmpOp::Gt => ">",
            CmpOp::GtE => ">=",
            CmpOp::In => "in",
            CmpOp::NotIn => "not in",
            CmpOp::Is => "is",
            CmpOp::IsNot => "is not",
        }
    }
}
