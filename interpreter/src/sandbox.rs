//! Containment of code that the program did not write (POET_SPEC §2, §8).
//!
//! A module created with [`Globals::contained`] runs *contained*: its own code (module level,
//! functions, lambdas, and the natives they call directly) is held to these rules:
//!
//! - it may modify only containers (lists, dicts, sets, struct instances) that contained code
//!   created during the current contained call, or that are reachable from that call's
//!   arguments (the caller's values, which the original function could modify too);
//! - it may call only the natives and program functions its [`Policy`] allows (and anything it
//!   defines itself); a callable reached through the arguments counts as the caller's;
//! - it may not write `public:`/`private:`/`system:` names, nor register receiver methods on
//!   struct types it did not define.
//!
//! Everything else is a `PermissionError` that says what was refused. The interpreter gives
//! the mechanism; the host (POET) gives the policy.
//!
//! How "created during this call" is known: while a contained frame runs, every list, dict,
//! set and struct instance built through [`Value::list`] and friends is noted with a `Weak`
//! reference. A live `Weak` keeps the allocation's address from being reused, so a noted
//! address always names the object noted; dead entries are pruned as the table grows.
//! Program code called from a contained frame runs uncontained, and what it builds is not
//! noted: a fresh value a program helper returns is the program's.
//!
//! The state is thread-local because values (and their constructors) have no interpreter at
//! hand; an interpreter and its values live on one thread.
//!
//! The evaluator's side of a contained call is `eval/contain.rs`; `snapshot.rs` is the other
//! half (the gate's trial run puts back every container the program can reach).

use crate::error::{Exc, ExcKind, RtError};
use crate::value::{DictMap, Function, NativeFn, SetMap, StructInstance, Value};
use dana_grammar::ast::Sym;
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::rc::{Rc, Weak};

pub use crate::value::Policy;

/// One object noted as built by contained code.
enum Noted {
    List(Weak<RefCell<Vec<Value>>>),
    Dict(Weak<RefCell<DictMap>>),
    Set(Weak<RefCell<SetMap>>),
    Struct(Weak<StructInstance>),
}

impl Noted {
    fn alive(&self) -> bool {
        match self {
            Noted::List(w) => w.strong_count() > 0,
            Noted::Dict(w) => w.strong_count() > 0,
            Noted::Set(w) => w.strong_count() > 0,
            Noted::Struct(w) => w.strong_count() > 0,
        }
    }
}

/// One contained call, from the uncontained frame that entered it to its return.
struct CallState {
    policy: Rc<dyn Policy>,
    args: Vec<Value>,
    /// Addresses of the containers and callables reachable from `args` (computed when needed).
    args_reach: Option<HashSet<usize>>,
    created: HashMap<usize, Noted>,
    prune_at: usize,
}

const FIRST_PRUNE: usize = 4096;

thread_local! {
    /// `true` while a contained frame runs (the innermost frame's module is contained).
    static CONTAINED: Cell<bool> = const { Cell::new(false) };
    static CALLS: RefCell<Vec<CallState>> = const { RefCell::new(Vec::new()) };
}

/// `true` while contained code runs on this thread.
#[inline(always)]
pub fn is_contained() -> bool {
    CONTAINED.with(Cell::get)
}

/// Runs `f` with the innermost frame contained (`true`) or not, then restores the flag.
pub(crate) fn with_flag<R>(contained: bool, f: impl FnOnce() -> R) -> R {
    let before = CONTAINED.with(|c| c.replace(contained));
    let r = f();
    CONTAINED.with(|c| c.set(before));
    r
}

/// Enters a contained call (from uncontained code) with its arguments; the returned guard
/// leaves it.
pub(crate) fn enter(policy: Rc<dyn Policy>, args: Vec<Value>) -> CallGuard {
    CALLS.with(|c| {
        c.borrow_mut().push(CallState {
            policy,
            args,
            args_reach: None,
            created: HashMap::new(),
            prune_at: FIRST_PRUNE,
        })
    });
    let before = CONTAINED.with(|c| c.replace(true));
    CallGuard { before }
}

/// Leaves a contained call when dropped (also on an error path).
pub(crate) struct CallGuard {
    before: bool,
}

impl Drop for CallGuard {
    fn drop(&mut self) {
        CONTAINED.with(|c| c.set(self.before));
        // Dropping the state drops values; that can run no Dana code, but keep the borrow short.
        let state = CALLS.with(|c| c.borrow_mut().pop());
        drop(state);
    }
}

fn note(addr: usize, n: Noted) {
    CALLS.with(|c| {
        let mut calls = c.borrow_mut();
        let Some(top) = calls.last_mut() else { return };
        top.created.insert(addr, n);
        if top.created.len() >= top.prune_at {
            top.created.retain(|_, n| n.alive());
            top.prune_at = (top.created.len() * 2).max(FIRST_PRUNE);
        }
    });
}

#[cold]
pub(crate) fn note_list(rc: &Rc<RefCell<Vec<Value>>>) {
    note(
        Rc::as_ptr(rc) as *const () as usize,
        Noted::List(Rc::downgrade(rc)),
    );
}
#[cold]
pub(crate) fn note_dict(rc: &Rc<RefCell<DictMap>>) {
    note(
        Rc::as_ptr(rc) as *const () as usize,
        Noted::Dict(Rc::downgrade(rc)),
    );
}
#[cold]
pub(crate) fn note_set(rc: &Rc<RefCell<SetMap>>) {
    note(
        Rc::as_ptr(rc) as *const () as usize,
        Noted::Set(Rc::downgrade(rc)),
    );
}
#[cold]
pub(crate) fn note_struct(rc: &Rc<StructInstance>) {
    note(
        Rc::as_ptr(rc) as *const () as usize,
        Noted::Struct(Rc::downgrade(rc)),
    );
}

/// The address that identifies a container (or callable) value.
fn addr_of(v: &Value) -> Option<usize> {
    Some(match v {
        Value::List(l) => Rc::as_ptr(l) as *const () as usize,
        Value::Dict(d) => Rc::as_ptr(d) as *const () as usize,
        Value::Set(s) => Rc::as_ptr(s) as *const () as usize,
        Value::Struct(s) => Rc::as_ptr(s) as *const () as usize,
        Value::Func(f) => Rc::as_ptr(f) as *const () as usize,
        Value::Native(f) => Rc::as_ptr(f) as *const () as usize,
        _ => return None,
    })
}

/// Everything reachable from `roots` that [`addr_of`] identifies.
fn reach(roots: &[Value]) -> HashSet<usize> {
    let mut seen = HashSet::new();
    let mut todo: Vec<Value> = roots.to_vec();
    while let Some(v) = todo.pop() {
        if let Some(a) = addr_of(&v) {
            if !seen.insert(a) {
                continue;
            }
        }
        match &v {
            Value::List(l) => {
                if let Ok(items) = l.try_borrow() {
                    todo.extend(items.iter().cloned());
                }
            }
            Value::Tuple(t) => todo.extend(t.iter().cloned()),
            Value::Dict(d) => {
                if let Ok(d) = d.try_borrow() {
                    for (k, x) in d.iter() {
                        todo.push(k.0.clone());
                        todo.push(x.clone());
                    }
                }
            }
            Value::Set(s) => {
                if let Ok(items) = s.try_borrow() {
                    todo.extend(items.iter().map(|k| k.0.clone()));
                }
            }
            Value::Struct(s) => {
                if let Ok(fields) = s.fields.try_borrow() {
                    todo.extend(fields.iter().cloned());
                }
            }
            Value::Method(m) => {
                todo.push(m.recv.clone());
                if let crate::value::MethodTarget::Func(f) = &m.target {
                    todo.push(f.clone());
                }
            }
            _ => {}
        }
    }
    seen
}

/// `true` when the innermost contained call's arguments reach `addr`.
fn reached_by_args(addr: usize) -> bool {
    CALLS.with(|c| {
        let mut calls = c.borrow_mut();
        let Some(top) = calls.last_mut() else {
            return false;
        };
        if top.args_reach.is_none() {
            top.args_reach = Some(reach(&top.args));
        }
        top.args_reach.as_ref().is_some_and(|r| r.contains(&addr))
    })
}

fn refused(message: String, help: &str) -> Exc {
    RtError::new(ExcKind::PermissionError, message).with_help(help)
}

/// Checks that contained code may modify `target` (call only when [`is_contained`]).
#[cold]
pub fn check_mutation(target: &Value) -> Result<(), Exc> {
    let Some(addr) = addr_of(target) else {
        return Ok(());
    };
    let created = CALLS.with(|c| {
        c.borrow()
            .last()
            .is_some_and(|top| top.created.contains_key(&addr))
    });
    if created || reached_by_args(addr) {
        return Ok(());
    }
    let policy = CALLS.with(|c| c.borrow().last().map(|t| t.policy.clone()));
    let what = match policy.and_then(|p| p.name_of(target)) {
        Some(name) => format!(
            "{name} ({} of the program)",
            crate::error::with_article(&target.type_name())
        ),
        None => format!("this {}: it belongs to the program", target.type_name()),
    };
    Err(refused(
        format!("generated code may not modify {what}"),
        "work on a copy (list(x), dict(x), ...) or return the new value",
    ))
}

/// Checks a native call made by contained code (call only when [`is_contained`]).
#[cold]
pub(crate) fn check_native(f: &NativeFn) -> Result<(), Exc> {
    let policy = CALLS.with(|c| c.borrow().last().map(|t| t.policy.clone()));
    let Some(policy) = policy else {
        return Ok(());
    };
    match policy.may_call_native(f) {
        Ok(()) => Ok(()),
        Err(_) if reached_by_args(f as *const NativeFn as *const () as usize) => Ok(()),
        Err(why) => Err(refused(
            format!("generated code may not call {}(): {why}", f.name),
            "only the builtins, modules and functions allowed for this function may be called",
        )),
    }
}

/// Checks a call of a program function made by contained code.
#[cold]
pub(crate) fn check_function(f: &Rc<Function>) -> Result<(), Exc> {
    let policy = CALLS.with(|c| c.borrow().last().map(|t| t.policy.clone()));
    let Some(policy) = policy else {
        return Ok(());
    };
    match policy.may_call_function(f) {
        Ok(()) => Ok(()),
        Err(_) if reached_by_args(Rc::as_ptr(f) as *const () as usize) => Ok(()),
        Err(why) => Err(refused(
            format!("generated code may not call {}(): {why}", f.name),
            "only the program functions that the original calls may be called",
        )),
    }
}

/// The refusal of a scoped-name write (`public:x = …`) by contained code.
#[cold]
pub(crate) fn scoped_write_refused(scope: &str, name: Sym) -> Exc {
    refused(
        format!("generated code may not write {scope}:{name}"),
        "scoped names are the program's; return the value instead",
    )
}

/// The refusal of a receiver method on a type that contained code did not define.
#[cold]
pub(crate) fn receiver_refused(ty: Sym, method: Sym) -> Exc {
    refused(
        format!("generated code may not add the method {method} to the program's type {ty}"),
        "define a helper function (its name starting with _) instead",
    )
}
