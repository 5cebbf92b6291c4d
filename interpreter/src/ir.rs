//! The resolved form that the evaluator walks: the AST with every name turned into a slot
//! (function locals), a cell (captured locals), a free variable (a closure's captured cell) or a
//! module global slot, and with constants already turned into values.
//!
//! The resolved form holds `Rc` values, so it is built per interpreter (compiling is cheap);
//! the `Send + Sync` unit of reuse is the AST.

use crate::source::SourceFile;
use crate::value::{Function, StructType, TypeAnn, Value};
use dana_grammar::ast::{BinOp, CmpOp, NicheKind, ParamKind, ScopeKind, Span, Sym, UnaryOp};
use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

/// Where a name lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// A frame slot of the running function.
    Local(u32),
    /// A cell of the running function (a local captured by an inner function).
    Cell(u32),
    /// A captured cell of the running closure.
    Free(u32),
    /// A module global slot.
    Global(u32),
}

pub enum Ex {
    Const(Value),
    /// A name read; the `Sym` is for errors and for the global fallback chain.
    Name(Place, Sym, Span),
    /// `private:x`, `public:x`, `system:x` reads.
    Scoped(ScopeKind, Sym, Span),
    List(Vec<Ex>),
    Tuple(Vec<Ex>),
    Set(Vec<Ex>),
    Dict(Vec<(Ex, Ex)>),
    /// `*xs` inside a display.
    Starred(Box<Ex>),
    FString(Vec<FPart>),
    Comp(Box<Comp>),
    /// A lambda, with its default-value expressions.
    MakeFunction(Rc<FuncCode>, Vec<Ex>),
    IfExp(Box<(Ex, Ex, Ex)>),
    And(Box<(Ex, Ex)>),
    Or(Box<(Ex, Ex)>),
    Not(Box<Ex>),
    Unary(UnaryOp, Box<Ex>, Span),
    Binary(BinOp, Box<(Ex, Ex)>, Span),
    /// `a | g(3)`, `a | [g, h]`: a pipe whose right operand reads as a stage (see [`Pipe`]).
    Pipe(Box<Pipe>),
    Compare(Box<Ex>, Vec<(CmpOp, Ex)>, Span),
    /// `x is None` (`true`) or `x is not None` (`false`): a test that reads a local in place.
    IsNone(Box<Ex>, bool),
    Call(Box<Call>),
    /// `obj.name(args)`: dispatched without building a bound method.
    MethodCall(Box<MethodCall>),
    Attr(Box<Ex>, Sym, Span, FieldHint),
    Index(Box<(Ex, Ex)>, Span),
    Slice(Box<SliceEx>, Span),
    /// `name := value`: stores the value (the target is a `Target::Name`) and gives it.
    Walrus(Box<(Target, Ex)>),
}

pub struct SliceEx {
    pub value: Ex,
    pub lower: Option<Ex>,
    pub upper: Option<Ex>,
    pub step: Option<Ex>,
}

pub enum FPart {
    Lit(Rc<String>),
    Expr {
        expr: Ex,
        conversion: Option<char>,
        spec: Option<Vec<FPart>>,
        debug_text: Option<String>,
        span: Span,
    },
}

pub enum CompKind {
    List(Ex),
    Set(Ex),
    Dict(Ex, Ex),
}

pub struct Comp {
    pub kind: CompKind,
    pub gens: Vec<CompGen>,
    pub span: Span,
}

pub struct CompGen {
    pub target: Target,
    pub iter: Ex,
    pub ifs: Vec<Ex>,
}

pub enum Arg {
    Pos(Ex),
    Kw(Sym, Ex),
    Star(Ex),
    StarStar(Ex),
}

pub struct Call {
    pub func: Ex,
    pub args: Vec<Arg>,
    /// All arguments positional (the fast path).
    pub simple: bool,
    pub span: Span,
}

pub struct MethodCall {
    pub recv: Ex,
    pub name: Sym,
    pub args: Vec<Arg>,
    pub simple: bool,
    /// How `name` resolves as a plain name here (for uniform call syntax: `x.m()` → `m(x)`).
    pub fallback: Option<(Place, Sym)>,
    /// `x.append(v)` with one positional argument: a list receiver appends without dispatch.
    pub append: bool,
    pub span: Span,
    /// The struct method found by the last call here (see [`MethodCache`]).
    pub cache: MethodCache,
}

/// Where the field `name` was in the last struct an attribute node met: the index is tried
/// first and used only when the field there has that name, so a stale hint costs one
/// comparison and never gives a wrong field.
#[derive(Default)]
pub struct FieldHint(Cell<u32>);

impl FieldHint {
    /// The index of field `name` in `ty`.
    #[inline]
    pub fn find(&self, ty: &StructType, name: Sym) -> Option<usize> {
        let h = self.0.get() as usize;
        if ty.fields.get(h).is_some_and(|f| f.name == name) {
            return Some(h);
        }
        let i = ty.field_index(name)?;
        self.0.set(i as u32);
        Some(i)
    }
}

/// The receiver type of the last struct-method call at a call site and the position of the
/// method in that type's method table. It is used only for the same type (the `Weak` keeps
/// the address from being reused) and when the entry at that position still has the
/// method's name; the function is read from the table, so a redefined method is seen.
#[derive(Default)]
pub struct MethodCache(RefCell<Option<(Weak<StructType>, u32)>>);

impl MethodCache {
    /// The method `name` of `ty` when this site found it there before.
    #[inline]
    pub fn get(&self, ty: &Rc<StructType>, name: Sym) -> Option<Rc<Function>> {
        let c = self.0.borrow();
        let (w, i) = c.as_ref()?;
        if !std::ptr::eq(w.as_ptr(), Rc::as_ptr(ty)) {
            return None;
        }
        match ty.methods.borrow().get_index(*i as usize) {
            Some((k, Value::Func(f))) if *k == name => Some(f.clone()),
            _ => None,
        }
    }
    /// Remembers that `ty` has no field `name` and its method `name` is at `index`.
    pub fn set(&self, ty: &Rc<StructType>, index: usize) {
        *self.0.borrow_mut() = Some((Rc::downgrade(ty), index as u32));
    }
}

/// An assignment target.
pub enum Target {
    Name(Place, Sym),
    Scoped(ScopeKind, Sym),
    Attr(Ex, Sym, Span, FieldHint),
    Index(Ex, Ex, Span),
    Slice(Box<SliceEx>, Span),
    /// Tuple/list unpacking; `Some(i)` marks a starred target at position `i`.
    Unpack(Vec<Target>, Option<usize>, Span),
}

pub enum St {
    Expr(Ex, Span),
    Assign(Target, Ex, Span),
    /// `a = b = v`.
    AssignMany(Vec<Target>, Ex, Span),
    /// `n: T = v`: the target's display name for errors.
    TypedAssign(Target, Rc<TypeAnn>, Option<Ex>, String, Span),
    AugAssign(Target, BinOp, Ex, Span),
    If(Ex, Vec<St>, Vec<St>),
    While(Ex, Vec<St>, Vec<St>, Span),
    For(Box<ForSt>),
    Return(Option<Ex>, Span),
    Break,
    Continue,
    Pass,
    Try(Box<TrySt>),
    Raise(Option<Ex>, Option<Ex>, Span),
    Assert(Ex, Option<Ex>, Span),
    FuncDef(Box<FuncDef>),
    StructDef(Box<StructDefIr>),
    InterfaceDef(Box<InterfaceDefIr>),
    Import(Box<ImportSt>),
    With(Box<WithSt>),
    /// `del t1, t2`: each target in order.
    Del(Vec<Target>, Span),
}

pub struct ForSt {
    pub target: Target,
    pub iter: Ex,
    pub body: Vec<St>,
    pub orelse: Vec<St>,
    pub span: Span,
}

pub struct Handler {
    pub types: Option<Ex>,
    pub name: Option<Place>,
    pub body: Vec<St>,
    pub span: Span,
}

pub struct TrySt {
    pub body: Vec<St>,
    pub handlers: Vec<Handler>,
    pub orelse: Vec<St>,
    pub finalbody: Vec<St>,
}

pub struct WithSt {
    pub items: Vec<(Ex, Option<Target>)>,
    pub body: Vec<St>,
    pub span: Span,
}

pub enum ImportSt {
    /// `import a.b.c [as x]`: binds `bind` to the top package (or to the leaf with `as`).
    Module {
        path: Vec<Sym>,
        bind: Place,
        leaf: bool,
        span: Span,
    },
    From {
        level: u32,
        path: Vec<Sym>,
        names: Vec<(Sym, Place, Span)>,
        span: Span,
    },
    Star {
        level: u32,
        path: Vec<Sym>,
        span: Span,
    },
}

pub struct ParamIr {
    pub name: Sym,
    pub place: Place,
    pub ann: Option<TypeAnn>,
    /// Index into the function value's defaults.
    pub default: Option<usize>,
    pub kind: ParamKind,
}

pub enum Body {
    Block(Vec<St>),
    /// A lambda's expression.
    Expr(Ex),
    Pipeline(Pipeline),
}

/// `a | rhs` where `rhs` has a stage's form (a call or a list; DANA_SPEC §6.4). Which `|` it
/// is is decided when it runs, from the left operand: a callable composes with `stage` (the
/// right operand as a one-stage pipeline function, which makes no call now); anything else
/// takes `plain`, the right operand as an ordinary value, for the operator `|`.
pub struct Pipe {
    pub left: Ex,
    /// The right operand as a value (`None` when it holds `$$`, which only a stage can).
    pub plain: Option<Ex>,
    /// Makes the stage function (a [`Ex::MakeFunction`] of a pipeline body).
    pub stage: Ex,
    pub span: Span,
}

pub struct Pipeline {
    pub stages: Vec<Stage>,
    /// The slot that holds the current value (`$$`).
    pub(crate) value_slot: u32,
}

pub struct Stage {
    pub kind: StageKind,
    pub capture: Option<Place>,
    pub span: Span,
}

pub enum StageKind {
    /// `f`: called with the value.
    Callee(Ex),
    /// `f(a, b)`: partial; `insert` says whether the value goes first.
    Partial {
        func: Ex,
        args: Vec<Arg>,
        insert: bool,
    },
    FanOut(Vec<Stage>),
}

/// Compiled code of a function or lambda.
pub struct FuncCode {
    pub name: Sym,
    pub params: Vec<ParamIr>,
    /// Number of parameters that take positional arguments (the Normal ones before `*args`;
    /// those after it are keyword-only).
    pub n_positional: usize,
    pub(crate) has_varargs: bool,
    pub(crate) has_kwargs: bool,
    pub(crate) n_slots: u32,
    pub(crate) n_cells: u32,
    /// For each free variable of this function: where to take it from in the defining frame.
    pub captures: Vec<Place>,
    pub body: Body,
    pub returns: Option<TypeAnn>,
    pub doc: Option<String>,
    pub src: Rc<SourceFile>,
    pub span: Span,
    /// Slot names, for error messages (index = slot).
    pub(crate) slot_names: Vec<Sym>,
    /// Cell names (index = cell).
    pub(crate) cell_names: Vec<Sym>,
}

pub struct Decorator {
    pub func: Ex,
    pub args: Option<Vec<Arg>>,
    pub span: Span,
}

pub struct FuncDef {
    pub code: Rc<FuncCode>,
    pub defaults: Vec<Ex>,
    pub decorators: Vec<Decorator>,
    /// Where the function is bound (`None` for methods defined inside a struct block).
    pub bind: Option<Place>,
    /// Receiver type names (`def (p: A | B) m()` → [A, B]).
    pub receivers: Vec<(Sym, Ex)>,
    pub span: Span,
    /// From `def` to the end of the body (the text a decorator hook sees).
    pub def_span: Span,
}

pub struct FieldIr {
    pub name: Sym,
    pub ann: Option<TypeAnn>,
    pub default: Option<Ex>,
    pub comment: Option<String>,
}

pub struct StructDefIr {
    pub name: Sym,
    pub kind: Option<NicheKind>,
    pub doc: Option<String>,
    pub fields: Vec<FieldIr>,
    pub methods: Vec<FuncDef>,
    pub bind: Place,
    pub span: Span,
}

pub struct InterfaceDefIr {
    pub name: Sym,
    pub doc: Option<String>,
    pub methods: Vec<(Sym, usize)>,
    pub embeds: Vec<(Ex, Span)>,
    pub bind: Place,
}

/// A compiled module body.
pub struct ModuleCode {
    pub body: Vec<St>,
    pub(crate) n_slots: u32,
    pub(crate) n_cells: u32,
    pub src: Rc<SourceFile>,
}
