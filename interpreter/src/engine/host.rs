//! Host types: Rust values living inside Dana values.
//!
//! `Value` has no variant for foreign objects (its 16-byte layout and exhaustive matches stay
//! as they are), so a registered type `T` is a Dana **struct type** of kind `"host"`:
//!
//! - each instance holds the Rust value in a hidden last field `_host`: a native function
//!   closing over an `Rc<HostCell<T>>` (so the value is freed with the instance). Calling
//!   that native hands the cell back to the engine; nothing else can reach it.
//! - each getter/setter name is a visible field that **mirrors** the Rust value: after a
//!   method call (and when the value enters Dana) the fields are refreshed from the getters;
//!   before a method call (and when the value goes back to Rust) a field that Dana reassigned
//!   is written back through its setter (or is an `AttributeError` when it has none).
//!   Mutating a mirrored list in place (`obj.items.append(x)`) is not seen by the host:
//!   assign the field instead.
//! - methods are natives in the struct type's method table, called with the instance first.
//! - the type name is a builtin, so annotations (`c: Counter`) work; a constructor registered
//!   with [`TypeBuilder::constructor`] is called as `Counter.new(...)`.
//!
//! Rust code passes such values with [`Host<T>`], which is [`IntoValue`] and [`FromValue`].

use super::convert::{FromValue, IntoValue};
use super::register::{arg, check_arity, IntoNativeResult};
use crate::error::{attribute_error, type_error, Exc};
use crate::eval::Interp;
use crate::value::{
    Args, FxBuild, NativeFn, NativeImpl, StructField, StructInstance, StructType, Value,
};
use dana_grammar::ast::Sym;
use std::any::{Any, TypeId};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

/// A registered host value crossing the Rust/Dana boundary.
///
/// `Host(value).into_value()` wraps a Rust value as an instance of its registered type;
/// `Host::<T>::from_value(v)` returns a clone of the Rust value (after writing back fields
/// that Dana assigned).
///
/// ```
/// use dana_interpreter::engine::{Engine, Host};
///
/// #[derive(Clone)]
/// struct Counter { n: i64 }
///
/// let mut engine = Engine::new();
/// engine
///     .register_type::<Counter>("Counter")
///     .constructor(|start: i64| Counter { n: start })
///     .method("incr", |c: &mut Counter, by: i64| c.n += by)
///     .getter("n", |c: &Counter| c.n)
///     .setter("n", |c: &mut Counter, v: i64| c.n = v)
///     .build();
/// let c: Host<Counter> = engine.eval("c = Counter.new(1)\nc.incr(2)\nc.n = c.n * 10\nc").unwrap();
/// assert_eq!(c.0.n, 30);
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Host<T>(pub T);

type Getter<T> = Box<dyn Fn(&T) -> Value>;
type Setter<T> = Box<dyn Fn(&mut T, Value) -> Result<(), Exc>>;

/// Getters and setters by field index.
struct Accessors<T> {
    type_name: Sym,
    names: Vec<Sym>,
    getters: Vec<Option<Getter<T>>>,
    setters: Vec<Option<Setter<T>>>,
}

/// The Rust value of one instance and the field values last mirrored from it.
struct HostCell<T> {
    obj: RefCell<T>,
    mirror: RefCell<Vec<Value>>,
}

struct HostTypeInfo<T> {
    ty: Rc<StructType>,
    acc: Rc<Accessors<T>>,
}

thread_local! {
    /// Registered host types of this thread (engines are single-threaded).
    static HOST_TYPES: RefCell<HashMap<TypeId, Rc<dyn Any>>> = RefCell::new(HashMap::new());
    /// Where a `_host` native drops its cell when the engine asks for it.
    static STASH: RefCell<Option<Rc<dyn Any>>> = const { RefCell::new(None) };
    /// An interpreter to call `_host` natives with when no running one is at hand (they do
    /// not use it).
    static SPARE: RefCell<Option<Interp>> = const { RefCell::new(None) };
}

fn info_of<T: 'static>() -> Option<Rc<HostTypeInfo<T>>> {
    let any = HOST_TYPES.with(|t| t.borrow().get(&TypeId::of::<T>()).cloned())?;
    any.downcast::<HostTypeInfo<T>>().ok()
}

/// The cell of a host instance of `T`.
fn cell_of<T: 'static>(v: &Value) -> Result<(Rc<StructInstance>, Rc<HostCell<T>>), Exc> {
    let not_host = || {
        type_error(format!(
            "expected {}, got {}",
            type_label::<T>(),
            v.type_name()
        ))
    };
    let Value::Struct(inst) = v else {
        return Err(not_host());
    };
    if inst.ty.kind != "host" {
        return Err(not_host());
    }
    let handle = inst.fields.borrow().last().cloned();
    let Some(Value::Native(f)) = handle else {
        return Err(not_host());
    };
    let NativeImpl::Closure(call) = &f.imp else {
        return Err(not_host());
    };
    if f.name.as_str() != "_host" {
        return Err(not_host());
    }
    STASH.with(|s| s.borrow_mut().take());
    SPARE.with(|spare| {
        let mut spare = spare.borrow_mut();
        let it = spare.get_or_insert_with(|| {
            // Should Dana code have planted another native here, it cannot run Dana code
            // in this interpreter: every call fails at once.
            let mut it = Interp::new();
            it.limits.max_call_depth = 0;
            it.limits.max_operations = Some(0);
            it
        });
        call(it, Args::positional(&[]))
    })?;
    let any = STASH.with(|s| s.borrow_mut().take()).ok_or_else(not_host)?;
    let cell = any.downcast::<HostCell<T>>().map_err(|_| not_host())?;
    Ok((inst.clone(), cell))
}

fn type_label<T: 'static>() -> String {
    info_of::<T>()
        .map(|i| i.acc.type_name.as_str().to_string())
        .unwrap_or_else(|| std::any::type_name::<T>().to_string())
}

/// Writes fields that Dana reassigned back through their setters.
fn sync_in<T: 'static>(
    inst: &StructInstance,
    cell: &HostCell<T>,
    acc: &Accessors<T>,
) -> Result<(), Exc> {
    let fields = inst.fields.borrow().clone();
    let mut mirror = cell.mirror.borrow_mut();
    for (i, name) in acc.names.iter().enumerate() {
        let (Some(now), Some(seen)) = (fields.get(i), mirror.get(i)) else {
            continue;
        };
        if now.is_same(seen) {
            continue;
        }
        match &acc.setters[i] {
            Some(set) => {
                set(&mut cell.obj.borrow_mut(), now.clone()).map_err(|mut e| {
                    e.message = format!("{}.{name}: {}", acc.type_name, e.message);
                    e
                })?;
                mirror[i] = now.clone();
            }
            None => {
                return Err(attribute_error(format!(
                    "field '{name}' of '{}' is read-only",
                    acc.type_name
                )))
            }
        }
    }
    Ok(())
}

/// Refreshes the mirrored fields from the getters.
fn sync_out<T: 'static>(inst: &StructInstance, cell: &HostCell<T>, acc: &Accessors<T>) {
    let obj = cell.obj.borrow();
    let mut fields = inst.fields.borrow_mut();
    let mut mirror = cell.mirror.borrow_mut();
    for (i, get) in acc.getters.iter().enumerate() {
        if let Some(get) = get {
            let v = get(&obj);
            fields[i] = v.clone();
            mirror[i] = v;
        }
    }
}

fn wrap<T: 'static>(info: &HostTypeInfo<T>, value: T) -> Value {
    let n = info.acc.names.len();
    let cell = Rc::new(HostCell {
        obj: RefCell::new(value),
        mirror: RefCell::new(vec![Value::None; n]),
    });
    let hidden = cell.clone();
    let handle = NativeFn::closure("_host", move |_, _| {
        STASH.with(|s| *s.borrow_mut() = Some(hidden.clone() as Rc<dyn Any>));
        Ok(Value::None)
    });
    let mut fields = vec![Value::None; n];
    fields.push(handle);
    let inst = StructInstance {
        ty: info.ty.clone(),
        fields: RefCell::new(fields),
    };
    sync_out(&inst, &cell, &info.acc);
    Value::Struct(Rc::new(inst))
}

impl<T: Clone + 'static> IntoValue for Host<T> {
    /// An instance of the registered type (a bare type named after `T` when none is).
    fn into_value(self) -> Value {
        let info = info_of::<T>().unwrap_or_else(|| {
            let name = std::any::type_name::<T>();
            let short = name.rsplit("::").next().unwrap_or(name);
            install(Accessors {
                type_name: Sym::intern(short),
                names: Vec::new(),
                getters: Vec::new(),
                setters: Vec::new(),
            })
        });
        wrap(&info, self.0)
    }
}

impl<T: Clone + 'static> FromValue for Host<T> {
    fn from_value(v: Value) -> Result<Self, Exc> {
        let (inst, cell) = cell_of::<T>(&v)?;
        if let Some(info) = info_of::<T>() {
            sync_in(&inst, &cell, &info.acc)?;
        }
        let value = cell.obj.borrow().clone();
        Ok(Host(value))
    }
}

/// Builds the struct type of `acc` and records it for `T`.
fn install<T: 'static>(acc: Accessors<T>) -> Rc<HostTypeInfo<T>> {
    let mut fields: Vec<StructField> = acc
        .names
        .iter()
        .map(|&name| StructField {
            name,
            ann: None,
            default: None,
            comment: None,
        })
        .collect();
    fields.push(StructField {
        name: Sym::intern("_host"),
        ann: None,
        default: None,
        comment: Some("the Rust value (opaque)".into()),
    });
    let ty = Rc::new(StructType {
        name: acc.type_name,
        kind: "host",
        doc: None,
        fields,
        methods: RefCell::new(indexmap::IndexMap::with_hasher(FxBuild::default())),
        globals: None,
    });
    let info = Rc::new(HostTypeInfo {
        ty,
        acc: Rc::new(acc),
    });
    HOST_TYPES.with(|t| {
        t.borrow_mut()
            .insert(TypeId::of::<T>(), info.clone() as Rc<dyn Any>)
    });
    info
}

/// A method of a host type: `Fn(&mut T, A, …) -> R` with up to three arguments. `M` is an
/// inferred marker that tells the arities apart.
pub trait HostMethod<T, M>: 'static {
    /// Calls the method with converted arguments.
    fn call_method(&self, fname: &str, this: &mut T, args: Args<'_>) -> Result<Value, Exc>;
}

macro_rules! method_impl {
    ($n:expr; $($a:ident $i:tt),*) => {
        impl<T, F, R, $($a,)*> HostMethod<T, ($($a,)* R,)> for F
        where
            F: Fn(&mut T, $($a),*) -> R + 'static,
            R: IntoNativeResult,
            $($a: FromValue,)*
        {
            #[allow(unused_variables)]
            fn call_method(&self, fname: &str, this: &mut T, args: Args<'_>) -> Result<Value, Exc> {
                check_arity(fname, &args, $n)?;
                self(this, $(arg::<$a>(fname, $i, &args.pos[$i])?),*).into_native_result()
            }
        }
    };
}

method_impl!(0;);
method_impl!(1; A 0);
method_impl!(2; A 0, B 1);
method_impl!(3; A 0, B 1, C 2);

/// A constructor of a host type: `Fn(A, …) -> T` with up to three arguments.
pub trait HostConstructor<T, M>: 'static {
    /// Builds the value from converted arguments.
    fn construct(&self, fname: &str, args: Args<'_>) -> Result<T, Exc>;
}

macro_rules! constructor_impl {
    ($n:expr; $($a:ident $i:tt),*) => {
        impl<T, F, $($a,)*> HostConstructor<T, ($($a,)*)> for F
        where
            F: Fn($($a),*) -> T + 'static,
            $($a: FromValue,)*
        {
            #[allow(unused_variables)]
            fn construct(&self, fname: &str, args: Args<'_>) -> Result<T, Exc> {
                check_arity(fname, &args, $n)?;
                Ok(self($(arg::<$a>(fname, $i, &args.pos[$i])?),*))
            }
        }
    };
}

constructor_impl!(0;);
constructor_impl!(1; A 0);
constructor_impl!(2; A 0, B 1);
constructor_impl!(3; A 0, B 1, C 2);

type Method<T> = Box<dyn Fn(&str, &mut T, Args<'_>) -> Result<Value, Exc>>;

/// Configures a host type; returned by
/// [`Engine::register_type`](super::Engine::register_type). Finish with
/// [`TypeBuilder::build`]. See [`Host`] for an example and the module notes for how the
/// value lives in Dana.
#[must_use = "call .build() to register the type"]
pub struct TypeBuilder<'e, T> {
    /// The engine's interpreter, where [`TypeBuilder::build`] binds the type.
    interp: &'e mut Interp,
    name: Sym,
    names: Vec<Sym>,
    getters: Vec<Option<Getter<T>>>,
    setters: Vec<Option<Setter<T>>>,
    methods: Vec<(Sym, Method<T>)>,
    constructor: Option<Value>,
}

impl<'e, T: Clone + 'static> TypeBuilder<'e, T> {
    pub(crate) fn new(interp: &'e mut Interp, name: &str) -> Self {
        TypeBuilder {
            interp,
            name: Sym::intern(name),
            names: Vec::new(),
            getters: Vec::new(),
            setters: Vec::new(),
            methods: Vec::new(),
            constructor: None,
        }
    }

    fn field(&mut self, name: &str) -> usize {
        let sym = Sym::intern(name);
        if let Some(i) = self.names.iter().position(|&n| n == sym) {
            return i;
        }
        self.names.push(sym);
        self.getters.push(None);
        self.setters.push(None);
        self.names.len() - 1
    }

    /// A method, called from Dana as `obj.name(args…)`.
    pub fn method<M, F: HostMethod<T, M>>(mut self, name: &str, f: F) -> Self {
        let m: Method<T> = Box::new(move |fname, this, args| f.call_method(fname, this, args));
        self.methods.push((Sym::intern(name), m));
        self
    }

    /// A readable field `obj.name`, mirrored from the Rust value.
    pub fn getter<R: IntoValue>(mut self, name: &str, f: impl Fn(&T) -> R + 'static) -> Self {
        let i = self.field(name);
        self.getters[i] = Some(Box::new(move |t| f(t).into_value()));
        self
    }

    /// Makes `obj.name = v` write through to the Rust value.
    pub fn setter<V: FromValue>(mut self, name: &str, f: impl Fn(&mut T, V) + 'static) -> Self {
        let i = self.field(name);
        self.setters[i] = Some(Box::new(move |t, v| {
            f(t, V::from_value(v)?);
            Ok(())
        }));
        self
    }

    /// A constructor `Fn(A, …) -> T` (up to three arguments), called from Dana as
    /// `TypeName.new(args…)`.
    pub fn constructor<M, F: HostConstructor<T, M>>(mut self, f: F) -> Self {
        let fname = format!("{}.new", self.name);
        self.constructor = Some(NativeFn::closure("new", move |_it, args| {
            let t = f.construct(&fname, args)?;
            Ok(Host(t).into_value())
        }));
        self
    }

    /// Registers the type: its name becomes a builtin bound to the struct type.
    pub fn build(self) {
        let TypeBuilder {
            interp,
            name,
            names,
            getters,
            setters,
            methods,
            constructor,
        } = self;
        let info = install(Accessors {
            type_name: name,
            names,
            getters,
            setters,
        });
        let mut table = info.ty.methods.borrow_mut();
        for (mname, m) in methods {
            let acc = info.acc.clone();
            let fname = format!("{name}.{mname}");
            let native = NativeFn::closure(mname.as_str(), move |_it, args| {
                let Some((recv, rest)) = args.pos.split_first() else {
                    return Err(type_error(format!("{fname}() needs a receiver")));
                };
                let (inst, cell) = cell_of::<T>(recv)?;
                sync_in(&inst, &cell, &acc)?;
                let r = m(&fname, &mut cell.obj.borrow_mut(), Args::new(rest, args.kw));
                sync_out(&inst, &cell, &acc);
                r
            });
            table.insert(mname, native);
        }
        if let Some(c) = constructor {
            table.insert(Sym::intern("new"), c);
        }
        drop(table);
        interp.set_builtin(name.as_str(), Value::StructType(info.ty.clone()));
    }
}
