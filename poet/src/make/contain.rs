//! The runtime half of containment (POET_SPEC §2, §8): what a generated module may call.
//!
//! The gate refuses what it can see in the text; this policy is what the interpreter enforces
//! while the module's code runs (see `dana_interpreter::sandbox`): whatever the code reaches at
//! run time (a callable stored in program data, a name bound after the gate ran), a call is
//! made only when its target is one of these, found by identity:
//! - the builtins that only compute (not `print`, `input`, the POET hooks, …);
//! - the members of the pure standard modules and of the modules the granted capabilities
//!   open, and the methods of the types those modules define;
//! - every builtin, module member and program function the original function's body names
//!   (an offline version is the original's body, so it can always run), including receiver
//!   methods of program types called by name, and the original itself.
//!
//! Program data a generated module could reach and change is protected by the interpreter
//! (only containers the module's call created, or the caller's arguments, may be changed).

use crate::function::PoetFunction;
use crate::make::gate::{CAPABILITY_GRANTS, IMPURE_BUILTINS, PURE_MODULES};
use dana_grammar::ast::Sym;
use dana_interpreter::eval::Interp;
use dana_interpreter::sandbox::Policy;
use dana_interpreter::value::Function;
use dana_interpreter::value::{Globals, NativeFn, Value};
use std::collections::HashSet;
use std::rc::Rc;

/// What one generated module may call.
pub(crate) struct CandidatePolicy {
    natives: HashSet<usize>,
    functions: HashSet<usize>,
    capabilities: String,
    /// The defining module, to name refused values in errors.
    program: std::rc::Weak<Globals>,
}

fn addr<T>(rc: &Rc<T>) -> usize {
    Rc::as_ptr(rc) as *const () as usize
}

impl Policy for CandidatePolicy {
    fn may_call_native(&self, f: &NativeFn) -> Result<(), String> {
        if self
            .natives
            .contains(&(f as *const NativeFn as *const () as usize))
        {
            Ok(())
        } else {
            Err(format!(
                "it is not among the builtins and modules allowed here ({})",
                self.capabilities
            ))
        }
    }

    fn name_of(&self, target: &Value) -> Option<String> {
        let g = self.program.upgrade()?;
        let same = |v: &Value| same_object(v, target);
        for name in g.names() {
            let Some(v) = g.get(name) else { continue };
            if same(&v) {
                return Some(name.to_string());
            }
            // One level down: `CONFIG['db']`, `SETTINGS.limits`, `ITEMS[3]`.
            match &v {
                Value::Dict(d) => {
                    if let Some((k, _)) = d.borrow().iter().find(|(_, x)| same(x)) {
                        return Some(format!(
                            "{name}[{}]",
                            dana_interpreter::value::repr::repr(&k.0)
                        ));
                    }
                }
                Value::List(l) => {
                    if let Some(i) = l.borrow().iter().position(same) {
                        return Some(format!("{name}[{i}]"));
                    }
                }
                Value::Struct(s) => {
                    if let Some(i) = s.fields.borrow().iter().position(same) {
                        return Some(format!("{name}.{}", s.ty.fields[i].name));
                    }
                }
                _ => {}
            }
        }
        None
    }

    fn may_call_function(&self, f: &Function) -> Result<(), String> {
        if self
            .functions
            .contains(&(f as *const Function as *const () as usize))
        {
            Ok(())
        } else {
            Err("it is a program function that the original function does not call".into())
        }
    }
}

impl PoetFunction {
    /// The policy for this function's generated modules, from the interpreter's builtins and
    /// modules as they are now and the names the original's body uses.
    pub(crate) fn containment_policy(&self, it: &mut Interp) -> Rc<CandidatePolicy> {
        let granted: Vec<&str> = self
            .config
            .capabilities
            .iter()
            .map(String::as_str)
            .collect();
        let mut allowed_names: HashSet<&str> = HashSet::new();
        let mut modules: Vec<&str> = PURE_MODULES
            .iter()
            .filter_map(|m| m.strip_suffix(".*"))
            .collect();
        for (cap, grants) in CAPABILITY_GRANTS {
            if granted.contains(cap) {
                for g in *grants {
                    match g.strip_suffix(".*") {
                        Some(m) => modules.push(m),
                        None => {
                            allowed_names.insert(g);
                        }
                    }
                }
            }
        }
        let mut p = CandidatePolicy {
            natives: HashSet::new(),
            functions: HashSet::new(),
            program: Rc::downgrade(&self.globals),
            capabilities: if granted.is_empty() {
                "no capabilities granted".into()
            } else {
                format!("capabilities: {}", granted.join(", "))
            },
        };
        for (name, v) in it.builtins() {
            let n = name.as_str();
            if !IMPURE_BUILTINS.contains(&n) || allowed_names.contains(n) {
                p.allow(v);
            }
        }
        for m in modules {
            if let Some(g) = it.native_module(m) {
                p.allow_module(&g);
            }
        }
        // What the original names: globals of its module (program functions, aliases of
        // builtins, modules and their members) and method names.
        let used = crate::make::gate::names_used_by(&self.shape);
        for name in &used {
            let (head, member) = match name.split_once('.') {
                Some((h, m)) => (h, Some(m)),
                None => (name.as_str(), None),
            };
            if let Some(v) = self
                .globals
                .get(Sym::intern(head))
                .or_else(|| it.builtin(head))
            {
                match (&v, member) {
                    (Value::Module(g), Some(m)) => {
                        // `m.f` or `m.sub.f`: the last segment's value in the module chain.
                        if let Some(x) = member_value(g, m) {
                            p.allow(&x);
                        }
                    }
                    (Value::Module(_), None) => {}
                    _ => p.allow(&v),
                }
            }
            // `x.m(...)` where x is not a module: a receiver method `m` of a program type.
            let method = member.map(|m| m.rsplit('.').next().unwrap_or(m));
            if let Some(m) = method {
                p.allow_methods_named(&self.globals, Sym::intern(m));
            }
        }
        p.allow(&self.original);
        Rc::new(p)
    }
}

/// `true` when `a` and `b` are the same container.
fn same_object(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::List(x), Value::List(y)) => Rc::ptr_eq(x, y),
        (Value::Dict(x), Value::Dict(y)) => Rc::ptr_eq(x, y),
        (Value::Set(x), Value::Set(y)) => Rc::ptr_eq(x, y),
        (Value::Struct(x), Value::Struct(y)) => Rc::ptr_eq(x, y),
        _ => false,
    }
}

fn member_value(g: &Rc<Globals>, dotted: &str) -> Option<Value> {
    let mut parts = dotted.split('.');
    let mut v = g.get(Sym::intern(parts.next()?))?;
    for part in parts {
        let Value::Module(m) = &v else { return None };
        v = m.get(Sym::intern(part))?;
    }
    Some(v)
}

impl CandidatePolicy {
    fn allow(&mut self, v: &Value) {
        match v {
            Value::Native(f) => {
                self.natives.insert(addr(f));
            }
            Value::Func(f) => {
                self.functions.insert(addr(f));
            }
            Value::Method(m) => {
                if let dana_interpreter::value::MethodTarget::Func(f) = &m.target {
                    self.allow(f);
                }
            }
            // A receiver dispatch or a struct type: its methods.
            Value::StructType(st) => {
                for m in st.methods.borrow().values() {
                    self.allow(m);
                }
            }
            _ => {}
        }
    }

    fn allow_module(&mut self, g: &Rc<Globals>) {
        for name in g.names() {
            if let Some(v) = g.get(name) {
                self.allow(&v);
            }
        }
    }

    /// Receiver methods called `name` of the struct types the module binds.
    fn allow_methods_named(&mut self, g: &Globals, name: Sym) {
        let mut seen = HashSet::new();
        for n in g.names() {
            if let Some(Value::StructType(st)) = g.get(n) {
                if seen.insert(addr(&st)) {
                    if let Some(m) = st.methods.borrow().get(&name) {
                        self.allow(m);
                    }
                }
            }
        }
        if let Some(v) = g.get(name) {
            // `def (p: T) m()` also binds `m` (a dispatcher) in the module.
            self.allow(&v);
        }
    }
}
