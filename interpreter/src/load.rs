//! Loading Dana source: the one way from text to a running module, shared by `dana run`,
//! `dana check`, the REPL, the embedding engine and `import`.
//!
//! - [`parse`]: text and the name it is shown under, parsed into a [`Parsed`] (or a
//!   [`ParseError`] that can render or become a Dana `SyntaxError`);
//! - [`Parsed::resolve`]: name resolution alone, as `dana check` does before type checking;
//! - [`Interp::run_parsed`]: resolves and runs a [`Parsed`] as the module of given globals;
//!   [`Interp::run_source`]: parse and run in one step, a syntax error as a Dana exception;
//! - the module search of DANA_SPEC §8 ([`importer_dir`], [`search_roots`], [`module_entry`],
//!   [`find_module_file`], [`program_search_path`], [`danapath`]): `import` walks it while loading, and `dana check`
//!   asks it which file an import names, so both see the same module.

use crate::error::{Exc, ExcKind, RtError};
use crate::eval::Interp;
use crate::resolve::Resolver;
use crate::source::SourceFile;
use crate::value::Globals;
use dana_grammar::ast::{Expr, ExprKind, Module, Stmt, StmtKind, Sym};
use dana_grammar::SyntaxError;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

/// Source text parsed into its syntax tree, with the name errors show it under (a path,
/// `<repl:3>`, `<string>`). It holds no runtime values: `Send + Sync`, run any number of times.
#[derive(Clone, Debug)]
pub struct Parsed {
    /// The display name.
    pub name: Arc<str>,
    /// The source text.
    pub text: Arc<str>,
    /// The syntax tree (a caller may rewrite it before running, spans unchanged).
    pub module: Module,
}

/// Text that does not parse: the syntax error, with the text it is about.
#[derive(Clone, Debug)]
pub struct ParseError {
    /// The parser's error (message, span, help).
    pub error: SyntaxError,
    /// The display name of the text.
    pub name: Arc<str>,
    /// The text.
    pub text: Arc<str>,
}

/// Parses `text`, shown as `name` in errors.
pub fn parse(name: impl Into<Arc<str>>, text: impl Into<Arc<str>>) -> Result<Parsed, ParseError> {
    let name = name.into();
    let text = text.into();
    match dana_grammar::parse_module(&text) {
        Ok(module) => Ok(Parsed { name, text, module }),
        Err(error) => Err(ParseError { error, name, text }),
    }
}

impl Parsed {
    /// The source file of this text (line starts for locations and snippets).
    pub fn source_file(&self) -> SourceFile {
        SourceFile::new(self.name.clone(), self.text.clone())
    }

    /// Turns the last statement, when it is an expression, into an assignment of its value to
    /// `name` (spans unchanged), so that a run leaves the value in the globals (the REPL's echo,
    /// the engine's `eval`). `false` when the last statement is not an expression.
    pub fn assign_last_expr(&mut self, name: Sym) -> bool {
        let Some(Stmt {
            kind: StmtKind::Expr(_),
            ..
        }) = self.module.body.last()
        else {
            return false;
        };
        let Some(Stmt {
            kind: StmtKind::Expr(value),
            span,
        }) = self.module.body.pop()
        else {
            unreachable!("checked just above")
        };
        let target = Expr {
            kind: ExprKind::Name { scope: None, name },
            span: value.span,
        };
        self.module.body.push(Stmt {
            kind: StmtKind::Assign {
                targets: vec![target],
                value,
            },
            span,
        });
        true
    }

    /// Resolves the names of the module as the module of `globals` without running it: the
    /// errors a run would report before its first statement (`nonlocal` without a binding,
    /// `return` outside a function, …).
    pub fn resolve(&self, globals: Rc<Globals>) -> Result<(), Exc> {
        Resolver::new(globals, Rc::new(self.source_file()))
            .module(&self.module)
            .map(|_| ())
    }
}

impl ParseError {
    /// The source file of the text (line starts for locations and snippets).
    pub fn source_file(&self) -> SourceFile {
        SourceFile::new(self.name.clone(), self.text.clone())
    }

    /// The error as a Dana `SyntaxError` located in `src`.
    pub fn to_exc(&self, src: &SourceFile) -> Exc {
        syntax_exc(&self.error, src)
    }
}

/// A syntax error as a Dana exception located in `src`.
pub fn syntax_exc(e: &SyntaxError, src: &SourceFile) -> Exc {
    let mut x = RtError::new(ExcKind::SyntaxError, e.message.clone());
    x.location = Some(src.location(e.span));
    x.help = e.help.clone();
    x
}

impl Interp {
    /// Resolves and runs `parsed` as the module `globals` (its source is registered, so that
    /// errors show snippets of it).
    pub fn run_parsed(&mut self, parsed: &Parsed, globals: &Rc<Globals>) -> Result<(), Exc> {
        let src = Rc::new(parsed.source_file());
        self.run_ast(&parsed.module, globals, &src)
    }

    /// Parses, resolves and runs source text as the module `globals`.
    pub fn run_source(&mut self, name: &str, text: &str, globals: &Rc<Globals>) -> Result<(), Exc> {
        let parsed = self.parse_source(name, text)?;
        self.run_parsed(&parsed, globals)
    }

    /// Parses source text; a syntax error becomes a Dana exception whose source is
    /// registered (so that its report shows the line).
    pub(crate) fn parse_source(
        &mut self,
        name: impl Into<Arc<str>>,
        text: impl Into<Arc<str>>,
    ) -> Result<Parsed, Exc> {
        parse(name, text).map_err(|e| {
            let src = Rc::new(e.source_file());
            self.sources.insert(src.name.clone(), src.clone());
            e.to_exc(&src)
        })
    }
}

/// The `DANAPATH` folders (the extra module search folders of the command line), in order.
pub fn danapath() -> Vec<PathBuf> {
    match std::env::var_os("DANAPATH") {
        Some(p) => std::env::split_paths(&p)
            .filter(|p| !p.as_os_str().is_empty())
            .collect(),
        None => Vec::new(),
    }
}

/// The module search path of a program run from the file `entry` (DANA_SPEC §8): the entry
/// script's folder, then the `DANAPATH` folders. (Each import looks in its own file's folder
/// before these, and in the standard modules after them.) `dana run` and `dana check` both
/// search this way, so `core/workflows.na` finds `core.methods` when run from the project root.
pub fn program_search_path(entry: &Path) -> Vec<PathBuf> {
    let mut v = vec![importer_dir(Some(entry))];
    v.extend(danapath());
    v
}

/// The folder imports are relative to for a module loaded from `file`: the file's folder
/// (`.` for a bare file name); for source text without a file, the current directory.
pub fn importer_dir(file: Option<&Path>) -> PathBuf {
    let here = match file {
        Some(f) => f.parent().map(Path::to_path_buf).unwrap_or_default(),
        None => std::env::current_dir().unwrap_or_default(),
    };
    if here.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        here
    }
}

/// The folders a module path is looked up in, in order. A relative import (`level` leading
/// dots) looks only in `here` gone up `level - 1` folders (staying at the top); an absolute
/// one in `here`, then each folder of `search_path`. (The standard modules come after all of
/// them: see `Interp::native_module`.)
pub fn search_roots(here: &Path, level: u32, search_path: &[PathBuf]) -> Vec<PathBuf> {
    if level > 0 {
        vec![relative_root(here, level).0]
    } else {
        let mut v = vec![here.to_path_buf()];
        for d in search_path {
            if !v.contains(d) {
                v.push(d.clone());
            }
        }
        v
    }
}

/// The one folder a relative import with `level` leading dots looks in from `here` (`.` is
/// `here`, each further dot one folder up), and whether the dots climb past the top of the
/// file system (the folder is then the top, where the climb stopped).
pub fn relative_root(here: &Path, level: u32) -> (PathBuf, bool) {
    // An absolute folder, so that `..` from `a/b.na` climbs past `a` to the current folder's
    // parents instead of stopping at the empty path.
    let mut d = std::path::absolute(here).unwrap_or_else(|_| here.to_path_buf());
    for _ in 1..level {
        match d.parent() {
            Some(p) => d = p.to_path_buf(),
            None => return (d, true),
        }
    }
    (d, false)
}

/// What one component of a module path names in a folder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ModuleEntry {
    /// A module file, `name.na`.
    File(PathBuf),
    /// A package folder, `name/` (its module is `__init__.na` when there is one, else an
    /// empty namespace).
    Package(PathBuf),
}

/// Component `name` of a module path in `dir`: the last component is the file `name.na`,
/// else the package folder `name/`; a component before the last is a package folder only.
pub fn module_entry(dir: &Path, name: &str, last: bool) -> Option<ModuleEntry> {
    let file = dir.join(format!("{name}.na"));
    if last && file.is_file() {
        return Some(ModuleEntry::File(file));
    }
    let pkg = dir.join(name);
    pkg.is_dir().then_some(ModuleEntry::Package(pkg))
}

/// The `.na` file that importing the dotted module `name` (`a.b`, `.sibling`, `..pkg.m`) from
/// a module in `here` loads: the search of `import`, without loading anything. A package is
/// its `__init__.na`; `None` for a module found nowhere (the standard modules are not files),
/// for a namespace package (a folder without `__init__.na`) and for `.` alone.
pub fn find_module_file(here: &Path, name: &str, search_path: &[PathBuf]) -> Option<PathBuf> {
    let level = name.chars().take_while(|c| *c == '.').count();
    let parts: Vec<&str> = name[level..].split('.').filter(|s| !s.is_empty()).collect();
    if parts.is_empty() {
        return None;
    }
    'roots: for root in search_roots(here, level as u32, search_path) {
        let mut dir = root;
        for (i, part) in parts.iter().enumerate() {
            let last = i + 1 == parts.len();
            match module_entry(&dir, part, last) {
                None => continue 'roots,
                Some(ModuleEntry::File(f)) => return Some(f),
                Some(ModuleEntry::Package(p)) if last => {
                    let init = p.join("__init__.na");
                    return init.is_file().then_some(init);
                }
                Some(ModuleEntry::Package(p)) => dir = p,
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(files: &[&str]) -> PathBuf {
        static N: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let root = std::env::temp_dir().join(format!(
            "dana-load-{}-{}",
            std::process::id(),
            N.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        ));
        for f in files {
            let p = root.join(f);
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            if !f.ends_with('/') {
                std::fs::write(&p, "x = 1\n").unwrap();
            }
        }
        std::fs::create_dir_all(&root).unwrap();
        root
    }

    #[test]
    fn a_module_file_comes_before_a_package_and_the_importer_before_the_search_path() {
        let root = tree(&[
            "app/m.na",
            "app/m/__init__.na",
            "app/pkg/__init__.na",
            "app/pkg/sub.na",
            "lib/m.na",
            "lib/only.na",
            "app/ns/",
        ]);
        let app = root.join("app");
        let lib = vec![root.join("lib")];
        assert_eq!(find_module_file(&app, "m", &lib), Some(app.join("m.na")));
        assert_eq!(
            find_module_file(&app, "pkg", &lib),
            Some(app.join("pkg/__init__.na"))
        );
        assert_eq!(
            find_module_file(&app, "pkg.sub", &lib),
            Some(app.join("pkg/sub.na"))
        );
        assert_eq!(
            find_module_file(&app, "only", &lib),
            Some(root.join("lib/only.na"))
        );
        assert_eq!(find_module_file(&app, "ns", &lib), None);
        assert_eq!(find_module_file(&app, "missing", &lib), None);
        assert_eq!(find_module_file(&app, ".", &lib), None);
        let _ = std::fs::remove_dir_all(root);
    }

    #[test]
    fn relative_imports_go_up_and_skip_the_search_path() {
        let root = tree(&["top.na", "a/b/here.na", "lib/top.na"]);
        let here = root.join("a/b");
        let lib = vec![root.join("lib")];
        assert_eq!(
            find_module_file(&here, ".here", &lib),
            Some(here.join("here.na"))
        );
        assert_eq!(
            find_module_file(&here, "...top", &lib),
            Some(root.join("top.na"))
        );
        assert_eq!(find_module_file(&here, ".top", &lib), None);
        assert_eq!(
            search_roots(Path::new("/"), 3, &lib),
            vec![PathBuf::from("/")]
        );
        let _ = std::fs::remove_dir_all(root);
    }

    #[test]
    #[cfg(unix)]
    fn a_relative_import_says_when_it_climbs_past_the_top() {
        let (d, past) = relative_root(Path::new("/a/b"), 2);
        assert_eq!((d, past), (PathBuf::from("/a"), false));
        let (d, past) = relative_root(Path::new("/a/b"), 3);
        assert_eq!((d, past), (PathBuf::from("/"), false));
        let (d, past) = relative_root(Path::new("/a/b"), 4);
        assert_eq!((d, past), (PathBuf::from("/"), true));
        // A relative folder climbs from where it is, not from the empty path.
        let (d, _) = relative_root(Path::new("."), 2);
        assert!(d.is_absolute());
    }

    #[test]
    fn the_entry_folder_comes_before_danapath_and_is_searched_once() {
        let v = program_search_path(Path::new("proj/main.na"));
        assert_eq!(v[0], PathBuf::from("proj"));
        let lib = vec![PathBuf::from("proj"), PathBuf::from("lib")];
        assert_eq!(
            search_roots(Path::new("proj"), 0, &lib),
            vec![PathBuf::from("proj"), PathBuf::from("lib")]
        );
    }

    #[test]
    fn a_file_in_the_current_folder_imports_from_dot() {
        assert_eq!(importer_dir(Some(Path::new("prog.na"))), PathBuf::from("."));
        assert_eq!(
            importer_dir(Some(Path::new("a/prog.na"))),
            PathBuf::from("a")
        );
    }

    #[test]
    fn a_syntax_error_keeps_its_text_and_becomes_a_located_exception() {
        let e = parse("bad.na", "x = (1,\n").unwrap_err();
        assert_eq!(&*e.name, "bad.na");
        let exc = e.to_exc(&e.source_file());
        assert_eq!(exc.kind, ExcKind::SyntaxError);
        assert_eq!(exc.location.as_ref().map(|l| &*l.file), Some("bad.na"));
        let ok = parse("ok.na", "x = 1\n").unwrap();
        assert_eq!(ok.module.body.len(), 1);
    }

    #[test]
    fn only_a_last_expression_becomes_an_assignment() {
        let v = Sym::intern("__v__");
        let mut p = parse("<t>", "x = 1\nx + 1\n").unwrap();
        let span = p.module.body[1].span;
        assert!(p.assign_last_expr(v));
        assert_eq!(p.module.body.len(), 2);
        assert_eq!(p.module.body[1].span, span);
        assert!(matches!(
            &p.module.body[1].kind,
            StmtKind::Assign { targets, .. }
                if matches!(&targets[0].kind, ExprKind::Name { name, .. } if *name == v)
        ));
        let mut q = parse("<t>", "x + 1\nx = 1\n").unwrap();
        assert!(!q.assign_last_expr(v));
        assert!(matches!(&q.module.body[1].kind, StmtKind::Assign { .. }));
    }
}
