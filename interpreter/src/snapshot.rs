//! [`Snapshot`]: every container reachable from the program's state, recorded and put back
//! (the gate's trial run), so whatever the trial did, the program sees its data as it was.

use crate::eval::Interp;
use crate::value::{Cell, DictMap, Globals, SetMap, StructInstance, Value};
use dana_grammar::ast::Sym;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

/// Shared cells with the contents they had.
type Saved<T> = Vec<(Rc<RefCell<T>>, T)>;

/// Every container reachable from an interpreter's program state, with its contents, so that
/// the state can be put back exactly (the gate's trial run).
pub struct Snapshot {
    lists: Saved<Vec<Value>>,
    dicts: Saved<DictMap>,
    sets: Saved<SetMap>,
    structs: Vec<(Rc<StructInstance>, Vec<Value>)>,
    cells: Vec<(Cell, Option<Value>)>,
    modules: Vec<(Rc<Globals>, Vec<Option<Value>>)>,
    methods: Vec<(
        Rc<crate::value::StructType>,
        indexmap::IndexMap<Sym, Value, crate::value::FxBuild>,
    )>,
    scopes: [HashMap<Sym, Value, crate::value::FxBuild>; 3],
    module_cache: HashMap<std::path::PathBuf, Rc<Globals>>,
}

#[derive(Default)]
struct Walk {
    seen: HashSet<usize>,
    todo: Vec<Value>,
}

impl Walk {
    fn first(&mut self, addr: usize) -> bool {
        self.seen.insert(addr)
    }
}

impl Snapshot {
    /// Records the program's state: every loaded module and `extra` (modules not loaded through
    /// imports, like a host's or the main script's), the scoped names, the values on the
    /// stack, and everything they reach.
    pub fn take(it: &Interp, extra: &[Rc<Globals>]) -> Snapshot {
        let mut s = Snapshot {
            lists: Vec::new(),
            dicts: Vec::new(),
            sets: Vec::new(),
            structs: Vec::new(),
            cells: Vec::new(),
            modules: Vec::new(),
            methods: Vec::new(),
            scopes: [it.private.clone(), it.public.clone(), it.system.clone()],
            module_cache: it.modules.clone(),
        };
        let mut w = Walk::default();
        for g in it
            .modules
            .values()
            .chain(it.native_modules.values())
            .chain(extra)
        {
            s.module(g, &mut w);
        }
        for m in &s.scopes {
            w.todo.extend(m.values().cloned());
        }
        w.todo.extend(it.stack.iter().flatten().cloned());
        w.todo.extend(it.handling.iter().cloned());
        while let Some(v) = w.todo.pop() {
            s.value(&v, &mut w);
        }
        s
    }

    fn module(&mut self, g: &Rc<Globals>, w: &mut Walk) {
        if !w.first(Rc::as_ptr(g) as *const () as usize) {
            return;
        }
        let Ok(slots) = g.slots.try_borrow().map(|s| s.clone()) else {
            return;
        };
        w.todo.extend(slots.iter().flatten().cloned());
        self.modules.push((g.clone(), slots));
        if let Some(p) = &g.parent {
            self.module(p, w);
        }
    }

    fn value(&mut self, v: &Value, w: &mut Walk) {
        let addr = |p: *const ()| p as usize;
        match v {
            Value::List(l) if w.first(addr(Rc::as_ptr(l) as *const ())) => {
                if let Ok(items) = l.try_borrow().map(|x| x.clone()) {
                    w.todo.extend(items.iter().cloned());
                    self.lists.push((l.clone(), items));
                }
            }
            Value::Dict(d) if w.first(addr(Rc::as_ptr(d) as *const ())) => {
                if let Ok(items) = d.try_borrow().map(|x| x.clone()) {
                    for (k, x) in &items {
                        w.todo.push(k.0.clone());
                        w.todo.push(x.clone());
                    }
                    self.dicts.push((d.clone(), items));
                }
            }
            Value::Set(st) if w.first(addr(Rc::as_ptr(st) as *const ())) => {
                if let Ok(items) = st.try_borrow().map(|x| x.clone()) {
                    w.todo.extend(items.iter().map(|k| k.0.clone()));
                    self.sets.push((st.clone(), items));
                }
            }
            Value::Struct(inst) if w.first(addr(Rc::as_ptr(inst) as *const ())) => {
                if let Ok(fields) = inst.fields.try_borrow().map(|x| x.clone()) {
                    w.todo.extend(fields.iter().cloned());
                    w.todo.push(Value::StructType(inst.ty.clone()));
                    self.structs.push((inst.clone(), fields));
                }
            }
            Value::Tuple(t) if w.first(addr(Rc::as_ptr(t) as *const ())) => {
                w.todo.extend(t.iter().cloned());
            }
            Value::Func(f) if w.first(addr(Rc::as_ptr(f) as *const ())) => {
                w.todo.extend(f.defaults.iter().cloned());
                for c in &f.captures {
                    if w.first(addr(Rc::as_ptr(c) as *const ())) {
                        if let Ok(v) = c.try_borrow().map(|x| x.clone()) {
                            w.todo.extend(v.iter().cloned());
                            self.cells.push((c.clone(), v));
                        }
                    }
                }
                self.module(&f.globals, w);
            }
            Value::Method(m) => {
                w.todo.push(m.recv.clone());
                if let crate::value::MethodTarget::Func(f) = &m.target {
                    w.todo.push(f.clone());
                }
            }
            Value::Module(g) => self.module(g, w),
            Value::StructType(st) if w.first(addr(Rc::as_ptr(st) as *const ())) => {
                if let Ok(methods) = st.methods.try_borrow().map(|x| x.clone()) {
                    w.todo.extend(methods.values().cloned());
                    self.methods.push((st.clone(), methods));
                }
                w.todo
                    .extend(st.fields.iter().filter_map(|f| f.default.clone()));
            }
            _ => {}
        }
    }

    /// Puts every recorded container, module, cell and scope back as it was recorded (the
    /// snapshot stays usable for the next restore).
    pub fn restore(&self, it: &mut Interp) {
        // A container borrowed right now (by a native further up the stack) is left as it is
        // rather than panicking; Dana code holds no borrow across a call.
        fn put<T: Clone>(cell: &RefCell<T>, saved: &T) {
            if let Ok(mut now) = cell.try_borrow_mut() {
                *now = saved.clone();
            }
        }
        for (l, items) in &self.lists {
            put(l, items);
        }
        for (d, items) in &self.dicts {
            put(d, items);
        }
        for (st, items) in &self.sets {
            put(st, items);
        }
        for (inst, fields) in &self.structs {
            put(&inst.fields, fields);
        }
        for (c, v) in &self.cells {
            put(c, v);
        }
        // Slots are only ever added (resolved code holds their numbers): the recorded ones get
        // their values back, later ones are unbound again.
        for (g, slots) in &self.modules {
            if let Ok(mut now) = g.slots.try_borrow_mut() {
                for (i, v) in now.iter_mut().enumerate() {
                    *v = slots.get(i).cloned().flatten();
                }
            }
        }
        for (st, methods) in &self.methods {
            put(&st.methods, methods);
        }
        it.private = self.scopes[0].clone();
        it.public = self.scopes[1].clone();
        it.system = self.scopes[2].clone();
        it.modules = self.module_cache.clone();
    }
}
