//! What the names of the program are bound to when the gate runs: the containment audit
//! resolves every name the generated module reads against this (an alias `out = print` is
//! `print`, a program helper is a program function, …).

use dana_interpreter::value::{Globals, Value};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

/// What one global of the defining module is bound to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Binding {
    /// A native function that is not a member of a module the program imported, by its own
    /// name (`out = print` is `Builtin("print")`).
    Builtin(String),
    /// A native function of an imported module (`from json import dumps` is `json.dumps`).
    ModuleMember { module: String, member: String },
    /// A function or lambda the program defines.
    Function,
    /// A method bound to a value (`add = items.append`).
    BoundMethod,
    /// A module (its name).
    Module(String),
    /// A struct (or agent/resource/workflow) type, with its field and method names.
    Struct {
        fields: Vec<String>,
        methods: Vec<String>,
    },
    /// A builtin type, an exception class or an interface.
    Type,
    /// Any other value (numbers, strings, containers, struct instances).
    Data,
}

impl Binding {
    /// `true` for the bindings a call runs program or host code through.
    pub fn is_callable_code(&self) -> bool {
        matches!(
            self,
            Binding::Builtin(_)
                | Binding::ModuleMember { .. }
                | Binding::Function
                | Binding::BoundMethod
        )
    }
}

/// The globals of the module that defines the original function, as bound at gate time.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ProgramNames {
    pub names: HashMap<String, Binding>,
}

impl ProgramNames {
    /// Describes `g`'s bound names (and those of the modules it reads through to).
    pub fn from_globals(g: &Globals) -> ProgramNames {
        let mut chain: Vec<&Globals> = vec![g];
        let mut seen: HashSet<*const Globals> = HashSet::new();
        seen.insert(g as *const Globals);
        while let Some(p) = chain.last().and_then(|c| c.parent.as_deref()) {
            if !seen.insert(p as *const Globals) {
                break;
            }
            chain.push(p);
        }
        let mut modules: Vec<Rc<Globals>> = Vec::new();
        for level in &chain {
            for n in level.names() {
                if let Some(Value::Module(m)) = level.get(n) {
                    modules.push(m);
                }
            }
        }
        let mut names = HashMap::new();
        // Outermost first, so the module's own bindings win.
        for level in chain.iter().rev() {
            for n in level.names() {
                let Some(v) = level.get(n) else { continue };
                names.insert(n.as_str().to_string(), classify(&v, &modules));
            }
        }
        ProgramNames { names }
    }

    pub fn get(&self, name: &str) -> Option<&Binding> {
        self.names.get(name)
    }

    /// Names every struct type of the program (for the shadowing check).
    pub fn struct_names(&self) -> impl Iterator<Item = &str> {
        self.names
            .iter()
            .filter(|(_, b)| matches!(b, Binding::Struct { .. }))
            .map(|(n, _)| n.as_str())
    }
}

fn classify(v: &Value, modules: &[Rc<Globals>]) -> Binding {
    match v {
        Value::Native(f) => {
            for m in modules {
                for n in m.names() {
                    if let Some(Value::Native(g)) = m.get(n) {
                        if Rc::ptr_eq(f, &g) {
                            return Binding::ModuleMember {
                                module: m.name.clone(),
                                member: n.as_str().to_string(),
                            };
                        }
                    }
                }
            }
            Binding::Builtin(f.name.as_str().to_string())
        }
        Value::Func(_) => Binding::Function,
        Value::Method(_) => Binding::BoundMethod,
        Value::Module(m) => Binding::Module(m.name.clone()),
        Value::StructType(t) => Binding::Struct {
            fields: t
                .fields
                .iter()
                .map(|f| f.name.as_str().to_string())
                .collect(),
            methods: t
                .methods
                .borrow()
                .keys()
                .map(|k| k.as_str().to_string())
                .collect(),
        },
        Value::Type(_) | Value::ExcType(_) | Value::Interface(_) => Binding::Type,
        _ => Binding::Data,
    }
}
