//! The value types: [`Value`] and everything it can hold that refers back to values (keys,
//! functions, natives, struct types and instances, module globals, the containment policy).
//! They refer to each other, so they live together; their behaviour lives in the sibling files
//! (`hash.rs`, `repr.rs`, `ops/`, `methods/`, `guarded.rs`, …).
//!
//! [`Value`] is 16 bytes: small scalars inline, everything else behind one `Rc`. Lists, dicts,
//! sets and struct instances are shared references (Python semantics); strings are immutable to
//! programs but mutated in place by the evaluator when it holds the only reference (so `s += x`
//! in a loop is linear).

use super::annotation::TypeAnn;
use super::fxhash::FxBuild;
use super::runtime::{FuncCode, Interp};
use crate::error::{Exc, ExcKind, RtError};
use dana_grammar::ast::{BinOp, CmpOp, Sym, UnaryOp};
use num_bigint::BigInt;
use std::cell::RefCell;
use std::rc::Rc;

/// A hashable value used as a dict key or set element. Construct with `Key::new` (in `hash.rs`), which
/// rejects unhashable values (lists, dicts, sets) with Python's `TypeError`.
#[derive(Clone)]
pub struct Key(pub Value);

/// An insertion-ordered dict.
pub type DictMap = indexmap::IndexMap<Key, Value, FxBuild>;
/// An empty dict for `n` entries (a dict display), made with the room its hash table has
/// anyway (3, 7, then 7/8 of a power of two buckets), so that its entries fit at once and a
/// key added later (`r["net"] = …` on a record) still finds room, as after the growth steps
/// of a dict filled one key at a time. Room for exactly `n` would make that key reallocate
/// the entries of every such record (170 MB more for a million 5-key records).
pub(crate) fn dict_with_room(n: usize) -> DictMap {
    let room = match n {
        0 => 0,
        1..=3 => 3,
        4..=7 => 7,
        _ => (n * 8 / 7).next_power_of_two() / 8 * 7,
    };
    DictMap::with_capacity_and_hasher(room, Default::default())
}

/// An insertion-ordered set.
pub type SetMap = indexmap::IndexSet<Key, FxBuild>;

/// A Dana value.
///
/// The tag is a full word (`repr(u64)`): every payload then sits at offset 8, so a `Value` (and
/// a `Result<Value, Exc>`, which reuses spare tag values) moves as two aligned words. With a
/// byte tag, `bool` and enum payloads sit at offset 1 and copies are split into overlapping
/// unaligned moves that defeat store-to-load forwarding on the hot paths.
#[derive(Default)]
#[repr(u64)]
pub enum Value {
    #[default]
    None,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// Only for values outside the i64 range (always normalised back to `Int` when they fit).
    BigInt(Rc<BigInt>),
    Str(Rc<String>),
    List(Rc<RefCell<Vec<Value>>>),
    Tuple(Rc<Vec<Value>>),
    Dict(Rc<RefCell<DictMap>>),
    Set(Rc<RefCell<SetMap>>),
    Struct(Rc<StructInstance>),
    /// A user-defined function or lambda (a closure).
    Func(Rc<Function>),
    /// A function implemented in Rust (builtins, stdlib, host functions).
    Native(Rc<NativeFn>),
    /// `obj.method` taken as a value.
    Method(Rc<BoundMethod>),
    /// `int`, `str`, `list`, … : types that are also conversion functions.
    Type(BuiltinType),
    StructType(Rc<StructType>),
    Interface(Rc<InterfaceType>),
    /// `ValueError`, … : exception classes (callable: they build an exception value).
    ExcType(ExcKind),
    /// An exception value (`except E as e`, or `ValueError("x")` before it is raised).
    Exception(Rc<RtError>),
    Module(Rc<Globals>),
    /// `range(a, b, step)`.
    Range(Rc<RangeValue>),
    /// A value defined in Rust with behaviour of its own (see [`Object`]); boxed so that the
    /// pointer stays thin.
    Object(ObjRef),
}

const _: () = assert!(std::mem::size_of::<Value>() == 16);
const _: () = assert!(std::mem::size_of::<Option<Value>>() == 16);
const _: () = assert!(std::mem::size_of::<Result<Value, crate::error::Exc>>() == 16);

impl Clone for Value {
    /// Scalars are copied inline; only reference values take the out-of-line path (an `Rc`
    /// increment). Cloning is on every name read, so this matters.
    #[inline(always)]
    fn clone(&self) -> Self {
        match self {
            Value::Int(i) => Value::Int(*i),
            Value::Float(f) => Value::Float(*f),
            Value::Bool(b) => Value::Bool(*b),
            Value::None => Value::None,
            _ => self.clone_ref(),
        }
    }
}

impl Value {
    /// `true` for the values that own no heap data (dropping them is a no-op).
    #[inline(always)]
    pub(crate) fn is_scalar(&self) -> bool {
        matches!(
            self,
            Value::None
                | Value::Bool(_)
                | Value::Int(_)
                | Value::Float(_)
                | Value::Type(_)
                | Value::ExcType(_)
        )
    }

    #[inline(never)]
    fn clone_ref(&self) -> Value {
        match self {
            Value::None => Value::None,
            Value::Bool(b) => Value::Bool(*b),
            Value::Int(i) => Value::Int(*i),
            Value::Float(f) => Value::Float(*f),
            Value::BigInt(x) => Value::BigInt(x.clone()),
            Value::Str(x) => Value::Str(x.clone()),
            Value::List(x) => Value::List(x.clone()),
            Value::Tuple(x) => Value::Tuple(x.clone()),
            Value::Dict(x) => Value::Dict(x.clone()),
            Value::Set(x) => Value::Set(x.clone()),
            Value::Struct(x) => Value::Struct(x.clone()),
            Value::Func(x) => Value::Func(x.clone()),
            Value::Native(x) => Value::Native(x.clone()),
            Value::Method(x) => Value::Method(x.clone()),
            Value::Type(t) => Value::Type(*t),
            Value::StructType(x) => Value::StructType(x.clone()),
            Value::Interface(x) => Value::Interface(x.clone()),
            Value::ExcType(k) => Value::ExcType(*k),
            Value::Exception(x) => Value::Exception(x.clone()),
            Value::Module(x) => Value::Module(x.clone()),
            Value::Range(x) => Value::Range(x.clone()),
            Value::Object(x) => Value::Object(x.clone()),
        }
    }
}

/// Built-in types usable as values (`type(5) == int`) and as conversion functions (`int("3")`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BuiltinType {
    Int,
    Float,
    Str,
    Bool,
    NoneType,
    List,
    Dict,
    Set,
    Tuple,
    Function,
    Module,
    Type,
    Range,
    Any,
}

impl BuiltinType {
    pub fn name(self) -> &'static str {
        match self {
            BuiltinType::Int => "int",
            BuiltinType::Float => "float",
            BuiltinType::Str => "str",
            BuiltinType::Bool => "bool",
            BuiltinType::NoneType => "NoneType",
            BuiltinType::List => "list",
            BuiltinType::Dict => "dict",
            BuiltinType::Set => "set",
            BuiltinType::Tuple => "tuple",
            BuiltinType::Function => "function",
            BuiltinType::Module => "module",
            BuiltinType::Type => "type",
            BuiltinType::Range => "range",
            BuiltinType::Any => "any",
        }
    }
}

/// `range(start, stop, step)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RangeValue {
    pub start: i64,
    pub stop: i64,
    pub step: i64,
}

impl RangeValue {
    pub fn len(&self) -> usize {
        let (start, stop, step) = (self.start as i128, self.stop as i128, self.step as i128);
        let n = if step > 0 {
            (stop - start + step - 1) / step
        } else {
            (start - stop - step - 1) / (-step)
        };
        n.max(0) as usize
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    pub fn get(&self, i: usize) -> i64 {
        self.start + (i as i64) * self.step
    }
}

/// A shared native object (a thin pointer: [`Value`] stays 16 bytes).
pub type ObjRef = Rc<Box<dyn Object>>;

/// A value defined in Rust: a host's or the standard library's type with behaviour of its own
/// (`collections.deque`, dict views, itertools iterators). Every hook has a default, so a type
/// writes only what it supports. A hook returning `None` means "not supported here": the
/// operation then applies to [`Object::base`] when there is one, and otherwise fails with
/// Python's message (`'deque' object is not callable`). Mutable state goes in a `RefCell`.
/// `value/object.rs` has the dispatch, a type value ([`crate::value::NativeType`]) and a lazy
/// iterator ([`crate::value::NativeIter`]).
#[allow(clippy::len_without_is_empty)]
pub trait Object: std::any::Any {
    /// The type name in messages and `type()` (`deque`, `Counter`, `dict_keys`).
    fn type_name(&self) -> &str;
    /// The object itself, for downcasting (`fn as_any(&self) -> &dyn Any { self }`).
    fn as_any(&self) -> &dyn std::any::Any;
    /// The type value: `type(x)`, `isinstance(x, T)`. `None`: a plain type of [`Self::type_name`].
    fn class(&self) -> Option<Value> {
        None
    }
    /// A builtin value this object extends (the `dict` of a Counter, the `tuple` of a
    /// namedtuple): what the object does not handle applies to it, `isinstance(x, dict)` holds
    /// and `json.dumps` writes it.
    fn base(&self) -> Option<Value> {
        None
    }
    /// `repr(x)`.
    fn repr(&self) -> String;
    /// `str(x)` (defaults to the repr).
    fn to_str(&self) -> String {
        self.repr()
    }
    /// `x.name` for a field (methods go through [`Self::call_method`]).
    fn get_attr(&self, _this: &Value, _name: &str) -> Option<Value> {
        None
    }
    /// `x.name = v`, when the type allows it.
    fn set_attr(&self, _name: &str, _v: Value) -> Option<Result<(), Exc>> {
        None
    }
    /// The method names (`x.m` binds them; `dir`, suggestions).
    fn method_names(&self) -> &[&'static str] {
        &[]
    }
    /// `x.name(args)` for a name in [`Self::method_names`]; `this` is `x` itself.
    fn call_method(
        &self,
        _it: &mut Interp,
        _this: &Value,
        _name: &str,
        _args: Args<'_>,
    ) -> Option<Result<Value, Exc>> {
        None
    }
    /// `true` when [`Self::call`] handles calls.
    fn is_callable(&self) -> bool {
        false
    }
    /// `x(args)`.
    fn call(&self, _it: &mut Interp, _this: &Value, _args: Args<'_>) -> Result<Value, Exc> {
        Err(crate::error::type_error(format!(
            "'{}' object is not callable",
            self.type_name()
        )))
    }
    /// `iter(x)`: an iterator value (one whose [`Self::next`] works). An iterator returns
    /// `this` itself.
    fn iter(&self, _this: &Value) -> Option<Result<Value, Exc>> {
        None
    }
    /// The next item of an iterator, `None` when exhausted. Lazy: it may call back into the
    /// program through `it` and may never end.
    fn next(&self, _it: &mut Interp) -> Result<Option<Value>, Exc> {
        Err(crate::error::type_error(format!(
            "'{}' object is not an iterator",
            self.type_name()
        )))
    }
    /// The items of a finite collection (a deque, a dict view) as a snapshot: lets the
    /// operations that have no evaluator iterate it, and is its iteration when [`Self::iter`]
    /// is not given.
    fn to_vec(&self) -> Option<Vec<Value>> {
        None
    }
    /// `len(x)`.
    fn len(&self) -> Option<usize> {
        None
    }
    /// `item in x`.
    fn contains(&self, _item: &Value) -> Option<Result<bool, Exc>> {
        None
    }
    /// `x[key]` (an index or key; slices of an object are a `TypeError`).
    fn get_item(&self, _it: &mut Interp, _key: &Value) -> Option<Result<Value, Exc>> {
        None
    }
    /// `x[key] = v`.
    fn set_item(&self, _key: &Value, _v: &Value) -> Option<Result<(), Exc>> {
        None
    }
    /// `del x[key]`.
    fn del_item(&self, _key: &Value) -> Option<Result<(), Exc>> {
        None
    }
    /// `x == other` (`None`: identity, or the base's equality).
    fn eq(&self, _other: &Value) -> Option<bool> {
        None
    }
    /// The hash for dict keys and set members (`Err` for an unhashable type; `None`: the
    /// base's hash, else identity). Equal values must hash equally.
    fn hash(&self) -> Option<Result<u64, Exc>> {
        None
    }
    /// `x < other` and the other orderings (`op` is one of `<`, `<=`, `>`, `>=`; `x` is on
    /// the left, the evaluator flips the operator when it is on the right).
    fn compare(&self, _op: CmpOp, _other: &Value) -> Option<Result<bool, Exc>> {
        None
    }
    /// An ordering that runs program code (`functools.cmp_to_key`'s keys): used where the
    /// evaluator is at hand (`sorted`, `list.sort`, `min`, `max`, `heapq`, `bisect`), before
    /// [`Self::compare`].
    fn compare_in(
        &self,
        _it: &mut Interp,
        _op: CmpOp,
        _other: &Value,
    ) -> Option<Result<bool, Exc>> {
        None
    }
    /// Truthiness (`None`: `len(x) != 0` when there is a len, else the base's, else true).
    fn truthy(&self) -> Option<bool> {
        None
    }
    /// `x op other`, or `other op x` when `reflected`.
    fn binary(&self, _op: BinOp, _other: &Value, _reflected: bool) -> Option<Result<Value, Exc>> {
        None
    }
    /// `-x`, `+x`, `~x`.
    fn unary(&self, _op: UnaryOp) -> Option<Result<Value, Exc>> {
        None
    }
    /// `abs(x)`.
    fn abs(&self) -> Option<Result<Value, Exc>> {
        None
    }
    /// For a type value: `isinstance(v, x)` (`this` is `x`).
    fn instance_check(&self, _this: &Value, _v: &Value) -> Option<bool> {
        None
    }
}

/// Positional and keyword arguments handed to a native function.
#[derive(Clone, Copy)]
pub struct Args<'a> {
    pub pos: &'a [Value],
    pub kw: &'a [(Sym, Value)],
}

impl<'a> Args<'a> {
    pub fn new(pos: &'a [Value], kw: &'a [(Sym, Value)]) -> Args<'a> {
        Args { pos, kw }
    }
    pub fn positional(pos: &'a [Value]) -> Args<'a> {
        Args { pos, kw: &[] }
    }
    /// The keyword argument `name`, if given.
    pub fn kw(&self, name: &str) -> Option<&'a Value> {
        self.kw
            .iter()
            .find(|(k, _)| k.as_str() == name)
            .map(|(_, v)| v)
    }
    /// Positional argument `i`, else keyword `name`.
    pub fn get(&self, i: usize, name: &str) -> Option<&'a Value> {
        self.pos.get(i).or_else(|| self.kw(name))
    }
    /// Fails unless the call has between `min` and `max` positional arguments and only the
    /// keyword arguments in `allowed_kw`.
    pub fn check(
        &self,
        fname: &str,
        min: usize,
        max: usize,
        allowed_kw: &[&str],
    ) -> Result<(), Exc> {
        let n = self.pos.len();
        if n < min || n > max {
            let expected = if min == max {
                format!("{min}")
            } else if max == usize::MAX {
                format!("at least {min}")
            } else {
                format!("from {min} to {max}")
            };
            return Err(crate::error::type_error(format!(
                "{fname}() takes {expected} positional argument{} but {n} {} given",
                if expected == "1" { "" } else { "s" },
                if n == 1 { "was" } else { "were" }
            )));
        }
        for (k, _) in self.kw {
            if !allowed_kw.contains(&k.as_str()) {
                let mut e = crate::error::type_error(format!(
                    "{fname}() got an unexpected keyword argument '{k}'"
                ));
                if let Some(s) = crate::error::did_you_mean(k.as_str(), allowed_kw.iter().copied())
                {
                    e = e.with_help(format!("did you mean '{s}'?"));
                }
                return Err(e);
            }
        }
        Ok(())
    }
}

/// The signature of a native function.
pub type NativeFnPtr = fn(&mut Interp, Args<'_>) -> Result<Value, Exc>;
/// A native closure (host functions, partial applications, compositions).
pub type NativeClosure = dyn Fn(&mut Interp, Args<'_>) -> Result<Value, Exc>;

pub enum NativeImpl {
    Ptr(NativeFnPtr),
    Closure(Box<NativeClosure>),
}

/// A function implemented in Rust.
pub struct NativeFn {
    pub name: Sym,
    pub imp: NativeImpl,
    /// Shown by `help(f)`.
    pub doc: Option<&'static str>,
}

impl NativeFn {
    // Returns the wrapping `Value`: that is what every caller needs.
    #[allow(clippy::new_ret_no_self)]
    pub fn new(name: &str, f: NativeFnPtr) -> Value {
        Value::Native(Rc::new(NativeFn {
            name: Sym::intern(name),
            imp: NativeImpl::Ptr(f),
            doc: None,
        }))
    }
    pub fn closure(
        name: &str,
        f: impl Fn(&mut Interp, Args<'_>) -> Result<Value, Exc> + 'static,
    ) -> Value {
        Value::Native(Rc::new(NativeFn {
            name: Sym::intern(name),
            imp: NativeImpl::Closure(Box::new(f)),
            doc: None,
        }))
    }
}

/// `recv.name` bound for a later call.
pub struct BoundMethod {
    pub recv: Value,
    pub target: MethodTarget,
}

pub enum MethodTarget {
    /// A builtin-value method (`"abc".upper`), dispatched by `methods::call_method`.
    Builtin(Sym),
    /// A Dana or native function whose first argument is the receiver.
    Func(Value),
}

/// A captured variable shared between a function and its closures.
pub type Cell = Rc<RefCell<Option<Value>>>;

/// A user-defined function or lambda: compiled code plus its captured environment.
pub struct Function {
    pub name: Sym,
    pub code: Rc<FuncCode>,
    pub defaults: Vec<Value>,
    pub captures: Vec<Cell>,
    pub globals: Rc<Globals>,
}

impl Function {
    pub fn name(&self) -> Sym {
        self.name
    }
    pub fn doc(&self) -> Option<&str> {
        self.code.doc.as_deref()
    }
}

/// What contained code may call (given by the host that contains it).
pub trait Policy {
    /// `Ok` when contained code may call this native; otherwise why not.
    fn may_call_native(&self, f: &NativeFn) -> Result<(), String>;
    /// `Ok` when contained code may call this program function (one not defined by contained
    /// code); otherwise why not.
    fn may_call_function(&self, f: &Function) -> Result<(), String>;
    /// The program's name for a value contained code may not change (`LIMITS`,
    /// `CONFIG['db']`), for the error message.
    fn name_of(&self, _target: &Value) -> Option<String> {
        None
    }
}

/// A struct type (also used for the niche `agent`/`resource`/`workflow` kinds).
pub struct StructType {
    pub name: Sym,
    /// `"struct"`, `"agent"`, `"resource"`, `"workflow"`, `"agent_blueprint"`.
    pub kind: &'static str,
    pub doc: Option<String>,
    pub fields: Vec<StructField>,
    /// Receiver methods registered for this type (by `def (p: T) m(...)` or inside the block).
    pub methods: RefCell<indexmap::IndexMap<Sym, Value, FxBuild>>,
    /// The module that defines the type: field annotations naming other structs or
    /// interfaces are looked up there.
    pub globals: Option<std::rc::Weak<Globals>>,
}

impl StructType {
    pub(crate) fn field_index(&self, name: Sym) -> Option<usize> {
        self.fields.iter().position(|f| f.name == name)
    }
}

pub struct StructField {
    pub name: Sym,
    pub ann: Option<TypeAnn>,
    pub default: Option<Value>,
    /// The field's trailing comment (describes the field to LLMs).
    pub comment: Option<String>,
}

/// An instance of a struct: fields in declaration order.
pub struct StructInstance {
    pub ty: Rc<StructType>,
    pub fields: RefCell<Vec<Value>>,
}

/// An interface: method signatures, checked structurally.
pub struct InterfaceType {
    pub name: Sym,
    pub doc: Option<String>,
    /// Method names with their parameter count (excluding the receiver), embedded interfaces
    /// already flattened in.
    pub methods: Vec<(Sym, usize)>,
}

/// The globals of a module: named slots. Compiled code addresses slots by index; the name
/// index serves imports, `from m import *`, attribute access on modules and the host.
pub struct Globals {
    pub name: String,
    /// The file the module was loaded from (`None` for native modules).
    pub file: Option<std::sync::Arc<str>>,
    pub slots: RefCell<Vec<Option<Value>>>,
    pub index: RefCell<indexmap::IndexMap<Sym, u32, FxBuild>>,
    /// Read-only fallback for names this module does not bind: a POET enhancement module sees
    /// the globals of the module that defines the original function.
    pub parent: Option<Rc<Globals>>,
    /// Set for a module of generated code: its code runs contained (see [`crate::sandbox`]).
    pub contained: Option<Rc<dyn Policy>>,
}

impl Globals {
    pub fn new(name: impl Into<String>, file: Option<std::sync::Arc<str>>) -> Globals {
        Globals {
            name: name.into(),
            file,
            slots: RefCell::new(Vec::new()),
            index: RefCell::new(Default::default()),
            parent: None,
            contained: None,
        }
    }
    /// A module whose unbound names read through to `parent`'s.
    pub fn child(
        name: impl Into<String>,
        file: Option<std::sync::Arc<str>>,
        parent: Rc<Globals>,
    ) -> Globals {
        Globals {
            parent: Some(parent),
            ..Globals::new(name, file)
        }
    }
    /// A module of generated code: unbound names read through to `parent`'s (which it cannot
    /// change), and its code runs contained under `policy` (see [`crate::sandbox`]).
    pub fn contained(
        name: impl Into<String>,
        file: Option<std::sync::Arc<str>>,
        parent: Rc<Globals>,
        policy: Rc<dyn Policy>,
    ) -> Globals {
        Globals {
            parent: Some(parent),
            contained: Some(policy),
            ..Globals::new(name, file)
        }
    }
    /// The slot of `name`, created (unbound) if missing.
    pub fn slot_of(&self, name: Sym) -> u32 {
        if let Some(&i) = self.index.borrow().get(&name) {
            return i;
        }
        let mut slots = self.slots.borrow_mut();
        let i = slots.len() as u32;
        slots.push(None);
        self.index.borrow_mut().insert(name, i);
        i
    }
    pub fn get(&self, name: Sym) -> Option<Value> {
        let i = *self.index.borrow().get(&name)?;
        self.slots.borrow()[i as usize].clone()
    }
    pub fn set(&self, name: Sym, v: Value) {
        let i = self.slot_of(name);
        self.slots.borrow_mut()[i as usize] = Some(v);
    }
    /// Bound names in definition order.
    pub fn names(&self) -> Vec<Sym> {
        let slots = self.slots.borrow();
        self.index
            .borrow()
            .iter()
            .filter(|(_, &i)| slots[i as usize].is_some())
            .map(|(&k, _)| k)
            .collect()
    }
}

impl Value {
    pub fn str(s: impl Into<String>) -> Value {
        Value::Str(Rc::new(s.into()))
    }
    pub fn tuple(v: Vec<Value>) -> Value {
        Value::Tuple(Rc::new(v))
    }
    /// An int from a big integer, normalised to `Int` when it fits.
    pub fn from_bigint(b: BigInt) -> Value {
        use num_traits::ToPrimitive;
        match b.to_i64() {
            Some(i) => Value::Int(i),
            None => Value::BigInt(Rc::new(b)),
        }
    }

    /// The Dana type name (`int`, `str`, `Point`, …).
    pub fn type_name(&self) -> String {
        match self {
            Value::None => "NoneType".into(),
            Value::Bool(_) => "bool".into(),
            Value::Int(_) | Value::BigInt(_) => "int".into(),
            Value::Float(_) => "float".into(),
            Value::Str(_) => "str".into(),
            Value::List(_) => "list".into(),
            Value::Tuple(_) => "tuple".into(),
            Value::Dict(_) => "dict".into(),
            Value::Set(_) => "set".into(),
            Value::Struct(s) => s.ty.name.as_str().into(),
            Value::Func(_) | Value::Native(_) | Value::Method(_) => "function".into(),
            Value::Type(_) | Value::StructType(_) | Value::Interface(_) | Value::ExcType(_) => {
                "type".into()
            }
            Value::Exception(e) => e.kind.name().into(),
            Value::Module(_) => "module".into(),
            Value::Range(_) => "range".into(),
            Value::Object(o) => o.type_name().into(),
        }
    }

    /// Python truthiness (used by `if`, `while`, `not`, `and`/`or`, …).
    pub fn truthy(&self) -> bool {
        match self {
            Value::None => false,
            Value::Bool(b) => *b,
            Value::Int(i) => *i != 0,
            Value::Float(f) => *f != 0.0,
            Value::BigInt(_) => true,
            Value::Str(s) => !s.is_empty(),
            Value::List(l) => !l.borrow().is_empty(),
            Value::Tuple(t) => !t.is_empty(),
            Value::Dict(d) => !d.borrow().is_empty(),
            Value::Set(s) => !s.borrow().is_empty(),
            Value::Range(r) => !r.is_empty(),
            Value::Object(o) => o
                .truthy()
                .or_else(|| o.len().map(|n| n != 0))
                .or_else(|| o.base().map(|b| b.truthy()))
                .unwrap_or(true),
            _ => true,
        }
    }

    pub fn is_none(&self) -> bool {
        matches!(self, Value::None)
    }

    pub fn is_callable(&self) -> bool {
        matches!(
            self,
            Value::Func(_)
                | Value::Native(_)
                | Value::Method(_)
                | Value::Type(_)
                | Value::StructType(_)
                | Value::ExcType(_)
        ) || matches!(self, Value::Object(o) if o.is_callable())
    }

    /// The text of a `str` value.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s.as_str()),
            _ => None,
        }
    }

    /// Identity (`is`): same object for references, same value for scalars.
    pub fn is_same(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::None, Value::None) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::Float(a), Value::Float(b)) => a.to_bits() == b.to_bits(),
            (Value::Str(a), Value::Str(b)) => Rc::ptr_eq(a, b) || a == b,
            (Value::List(a), Value::List(b)) => Rc::ptr_eq(a, b),
            (Value::Tuple(a), Value::Tuple(b)) => {
                Rc::ptr_eq(a, b) || (a.is_empty() && b.is_empty())
            }
            (Value::Dict(a), Value::Dict(b)) => Rc::ptr_eq(a, b),
            (Value::Set(a), Value::Set(b)) => Rc::ptr_eq(a, b),
            (Value::Struct(a), Value::Struct(b)) => Rc::ptr_eq(a, b),
            (Value::Func(a), Value::Func(b)) => Rc::ptr_eq(a, b),
            (Value::Native(a), Value::Native(b)) => Rc::ptr_eq(a, b),
            (Value::Type(a), Value::Type(b)) => a == b,
            (Value::StructType(a), Value::StructType(b)) => Rc::ptr_eq(a, b),
            (Value::Interface(a), Value::Interface(b)) => Rc::ptr_eq(a, b),
            (Value::ExcType(a), Value::ExcType(b)) => a == b,
            (Value::Exception(a), Value::Exception(b)) => Rc::ptr_eq(a, b),
            (Value::Module(a), Value::Module(b)) => Rc::ptr_eq(a, b),
            (Value::Object(a), Value::Object(b)) => Rc::ptr_eq(a, b),
            _ => false,
        }
    }
}

/// An exception value of `kind` with `message` (what `ValueError("x")` evaluates to).
pub fn exception_value(kind: ExcKind, message: impl Into<String>) -> Value {
    Value::Exception(Rc::new(*RtError::new(kind, message)))
}
