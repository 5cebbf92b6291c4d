//! `.na` modules and imports (DANA_SPEC §8): loading packages and modules along the search of
//! `load.rs`, caching, cycles, `from … import` and `import *`.

use super::{Frame, Interp};
use crate::error::{import_error, Exc};
use crate::ir::ImportSt;
use crate::load::{self, ModuleEntry};
use crate::value::{Globals, Value};
use dana_grammar::ast::Sym;
use std::path::Path;
use std::rc::Rc;
use std::sync::Arc;

impl Interp {
    /// Out of line: inlined into the statement dispatch, the import code's registers and stack
    /// slots made every statement's dispatch slower.
    #[inline(never)]
    pub(crate) fn exec_import(&mut self, fr: &mut Frame<'_>, i: &ImportSt) -> Result<(), Exc> {
        let (r, span) = match i {
            ImportSt::Module {
                path,
                bind,
                leaf,
                span,
            } => (
                self.resolve_module(fr, 0, path).map(|chain| {
                    let v = if *leaf { chain.last() } else { chain.first() };
                    if let Some(m) = v {
                        self.write_place(fr, *bind, Value::Module(m.clone()));
                    }
                }),
                *span,
            ),
            ImportSt::From {
                level,
                path,
                names,
                span,
            } => (self.import_from(fr, *level, path, names), *span),
            ImportSt::Star { level, path, span } => (
                self.resolve_module(fr, *level, path).map(|chain| {
                    if let Some(m) = chain.last() {
                        for (name, v) in exports(m) {
                            fr.globals.set(name, v);
                        }
                    }
                }),
                *span,
            ),
        };
        // Located at the import, and the import is this module's frame in the stack (an error
        // inside the imported module keeps its own location: the stack shows the chain).
        r.map_err(|e| self.call_error(e, span, fr.src))
    }

    fn import_from(
        &mut self,
        fr: &mut Frame<'_>,
        level: u32,
        path: &[Sym],
        names: &[(Sym, crate::ir::Place, dana_grammar::ast::Span)],
    ) -> Result<(), Exc> {
        let chain = self.resolve_module(fr, level, path)?;
        let Some(m) = chain.last().cloned() else {
            return Err(import_error("empty module path"));
        };
        for (name, place, span) in names {
            if name.as_str().starts_with('_') {
                let e = import_error(format!(
                    "cannot import private name '{name}' from '{}'",
                    m.name
                ))
                .with_help("names starting with '_' are private to their module");
                return Err(self.locate(e, *span, fr.src));
            }
            let v = match m.get(*name) {
                Some(v) => v,
                None => {
                    // `from pkg import sub` imports a submodule.
                    let mut sub = path.to_vec();
                    sub.push(*name);
                    match self.resolve_module(fr, level, &sub) {
                        Ok(c) => match c.last() {
                            Some(g) => Value::Module(g.clone()),
                            None => return Err(import_error("empty module path")),
                        },
                        // A submodule that exists but fails while loading reports its own error.
                        Err(e) if !e.message.starts_with("No module named") => return Err(e),
                        Err(_) => {
                            let e = import_error(format!(
                                "cannot import name '{name}' from '{}'",
                                m.name
                            ));
                            let e = match crate::error::did_you_mean(
                                name.as_str(),
                                m.names().iter().map(|s| s.as_str()),
                            ) {
                                Some(s) => e.with_help(format!("did you mean '{s}'?")),
                                None => e,
                            };
                            return Err(self.locate(e, *span, fr.src));
                        }
                    }
                }
            };
            self.write_place(fr, *place, v);
        }
        Ok(())
    }

    /// Finds and loads `path` (relative with `level` leading dots); returns the module of each
    /// component (packages first, the leaf last).
    fn resolve_module(
        &mut self,
        fr: &Frame<'_>,
        level: u32,
        path: &[Sym],
    ) -> Result<Vec<Rc<Globals>>, Exc> {
        let dotted = format!(
            "{}{}",
            ".".repeat(level as usize),
            path.iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(".")
        );
        let here = load::importer_dir(fr.globals.file.as_deref().map(Path::new));
        let bases = load::search_roots(&here, level, &self.search_path);
        for base in &bases {
            if let Some(chain) = self.try_load_from(base, path, level > 0)? {
                return Ok(chain);
            }
        }
        if level == 0 {
            let name = path
                .iter()
                .map(|s| s.as_str())
                .collect::<Vec<_>>()
                .join(".");
            if let Some(m) = self.native_module(&name) {
                return Ok(vec![m]);
            }
        }
        if level > 0 {
            let (root, past_top) = load::relative_root(&here, level);
            let e = if past_top {
                import_error("attempted relative import beyond top-level package").with_help(
                    format!(
                        "it climbs {} folder{} up, past the top; it searched {}",
                        level - 1,
                        if level == 2 { "" } else { "s" },
                        root.display()
                    ),
                )
            } else {
                import_error(format!("No module named '{dotted}'")).with_help(format!(
                    "a relative import looks only in {}",
                    root.display()
                ))
            };
            return Err(e);
        }
        let searched: Vec<String> = bases.iter().map(|b| b.display().to_string()).collect();
        Err(
            import_error(format!("No module named '{dotted}'")).with_help(format!(
                "searched {} and the standard modules; set DANAPATH to add folders",
                searched.join(", ")
            )),
        )
    }

    /// The standard (native) module `name`, loaded on first use.
    pub fn native_module(&mut self, name: &str) -> Option<Rc<Globals>> {
        if let Some(m) = self.native_modules.get(name) {
            return Some(m.clone());
        }
        let f = *self.native_factories.get(name)?;
        let m = f();
        self.native_modules.insert(name.to_string(), m.clone());
        Some(m)
    }

    fn try_load_from(
        &mut self,
        base: &Path,
        path: &[Sym],
        relative: bool,
    ) -> Result<Option<Vec<Rc<Globals>>>, Exc> {
        let mut chain: Vec<Rc<Globals>> = Vec::new();
        let mut dir = base.to_path_buf();
        // For a relative import, the package the folder is, when it was imported as one:
        // the first component is its submodule (bound on it, named under it), as for
        // `from . import shapes`. (An absolute import names a top-level module.)
        let outer = if relative {
            self.package_at(base)
        } else {
            None
        };
        if path.is_empty() {
            // `from . import x`: the package folder itself.
            if let Some(p) = outer {
                return Ok(Some(vec![p]));
            }
            let name = dir
                .file_name()
                .map(|s| s.to_string_lossy().to_string())
                .unwrap_or_default();
            return Ok(Some(vec![self.load_package(&dir, &name)?]));
        }
        let mut modname = outer
            .as_ref()
            .map(|p| p.name.to_string())
            .unwrap_or_default();
        for (i, comp) in path.iter().enumerate() {
            if !modname.is_empty() {
                modname.push('.');
            }
            modname.push_str(comp.as_str());
            let last = i + 1 == path.len();
            let m = match load::module_entry(&dir, comp.as_str(), last) {
                Some(ModuleEntry::File(file)) => self.load_file(&file, &modname)?,
                Some(ModuleEntry::Package(pkg)) => self.load_package(&pkg, &modname)?,
                None => return Ok(None),
            };
            // The import system binds a submodule on its package (programs cannot).
            if let Some(parent) = chain.last().or(outer.as_ref()) {
                parent.set(*comp, Value::Module(m.clone()));
            }
            chain.push(m);
            dir = dir.join(comp.as_str());
        }
        Ok(Some(chain))
    }

    /// The module of the package folder `dir` when it was imported (or is being imported) as
    /// a package; `None` for a folder that is no imported package (the program's own folder).
    fn package_at(&self, dir: &Path) -> Option<Rc<Globals>> {
        let init = dir.join("__init__.na");
        let key = if init.is_file() {
            init.canonicalize().ok()?
        } else {
            dir.canonicalize().ok()?
        };
        if let Some((_, _, g)) = self.loading.iter().find(|(p, _, _)| *p == key) {
            return Some(g.clone());
        }
        self.modules.get(&key).cloned()
    }

    fn load_package(&mut self, dir: &Path, modname: &str) -> Result<Rc<Globals>, Exc> {
        let init = dir.join("__init__.na");
        if init.is_file() {
            // A package whose `__init__` is running is importable by its own submodules
            // (partly initialised, as Python has it): `from . import shapes` in `__init__`.
            if let Ok(key) = init.canonicalize() {
                if let Some((_, _, g)) = self.loading.iter().find(|(p, _, _)| *p == key) {
                    return Ok(g.clone());
                }
            }
            return self.load_file(&init, modname);
        }
        let key = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
        if let Some(m) = self.modules.get(&key) {
            return Ok(m.clone());
        }
        let g = self.new_globals(modname, Some(Arc::from(init.to_string_lossy().as_ref())));
        self.modules.insert(key, g.clone());
        Ok(g)
    }

    fn load_file(&mut self, file: &Path, modname: &str) -> Result<Rc<Globals>, Exc> {
        let key = file.canonicalize().unwrap_or_else(|_| file.to_path_buf());
        if let Some(pos) = self.loading.iter().position(|(p, _, _)| *p == key) {
            let mut cycle: Vec<String> = self.loading[pos..]
                .iter()
                .map(|(_, n, _)| n.clone())
                .collect();
            cycle.push(self.loading[pos].1.clone());
            return Err(
                import_error(format!("circular import: {}", cycle.join(" -> ")))
                    .with_help("move the shared definitions into a third module that both import"),
            );
        }
        if let Some(m) = self.modules.get(&key) {
            return Ok(m.clone());
        }
        let text = std::fs::read_to_string(file).map_err(|e| {
            import_error(format!(
                "cannot read module '{modname}' ({}): {e}",
                file.display()
            ))
        })?;
        let display: Arc<str> = Arc::from(file.to_string_lossy().as_ref());
        let g = self.new_globals(modname, Some(display.clone()));
        let parsed = self.parse_source(display, text)?;
        self.loading
            .push((key.clone(), modname.to_string(), g.clone()));
        let r = self.run_parsed(&parsed, &g);
        self.loading.pop();
        r?;
        self.modules.insert(key, g.clone());
        Ok(g)
    }
}

/// The names `from m import *` binds: `__exports__` when set, else every public name.
fn exports(m: &Globals) -> Vec<(Sym, Value)> {
    if let Some(Value::List(l)) = m.get(Sym::intern("__exports__")) {
        return l
            .borrow()
            .iter()
            .filter_map(|n| n.as_str().map(Sym::intern))
            .filter_map(|n| m.get(n).map(|v| (n, v)))
            .collect();
    }
    m.names()
        .into_iter()
        .filter(|n| !n.as_str().starts_with('_'))
        .filter_map(|n| m.get(n).map(|v| (n, v)))
        .collect()
}
