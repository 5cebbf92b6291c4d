//! Go to definition, find references and rename, across the modules of the workspace.
//!
//! A module-level name of file F is referenced in F, and in every `.na` file of the workspace
//! that imports F (found by the module search of `import`, `load::find_module_file`): through
//! `import F` (`F.name`) or `from F import name`. Locals and parameters are referenced in their
//! function only; struct fields and methods through the accesses whose receiver the checker
//! typed as that struct, in the document.

use super::analysis::Analysis;
use super::index::{DefKind, Index};
use super::text::is_identifier;
use dana_grammar::ast::{Span, Sym};
use dana_interpreter::check::Type;
use dana_interpreter::load;
use std::path::{Path, PathBuf};

/// The text of a file: the editor's copy when the file is open, else the disk's.
pub(crate) type Sources<'s> = &'s dyn Fn(&Path) -> Option<String>;

/// A place in some file: its path, its text and the span there.
#[derive(Clone, Debug)]
pub(crate) struct Place {
    pub(crate) path: PathBuf,
    pub(crate) span: Span,
}

/// A parsed module of the workspace with its names.
struct ModuleFile {
    path: PathBuf,
    index: Index,
}

fn open_module(path: &Path, sources: Sources) -> Option<ModuleFile> {
    let text = sources(path)?;
    let m = dana_grammar::parse_module(&text).ok()?;
    Some(ModuleFile {
        path: path.to_path_buf(),
        index: Index::build(&m, text.len()),
    })
}

/// A module-level definition of another file, as hover shows it.
pub(crate) struct RemoteDef {
    /// `def f(x: int) -> str` for a function.
    pub(crate) header: Option<String>,
    pub(crate) docstring: Option<String>,
    pub(crate) decorators: Vec<String>,
    pub(crate) path: PathBuf,
}

/// The top-level definition `name` of module `module` as imported from `importer`.
pub(crate) fn remote_definition(
    importer: &Path,
    module: &str,
    name: Sym,
    sources: Sources,
) -> Option<RemoteDef> {
    let path = module_path(importer, module)?;
    let text = sources(&path)?;
    let m = dana_grammar::parse_module(&text).ok()?;
    let index = Index::build(&m, text.len());
    let d = &index.defs[index.top_level(name)?];
    let header = d
        .header
        .and_then(|h| text.get(h.start as usize..h.end as usize));
    Some(RemoteDef {
        header: header.map(|h| h.trim_end().trim_end_matches(':').to_string()),
        docstring: d.docstring.clone(),
        decorators: d.decorators.clone(),
        path,
    })
}

/// The file module `name` names when imported from `importer`.
fn module_path(importer: &Path, name: &str) -> Option<PathBuf> {
    let here = load::importer_dir(Some(importer));
    load::find_module_file(&here, name, &load::program_search_path(importer))
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// What a position names.
enum Target {
    /// Definition `def` of the document.
    Local(usize),
    /// A module-level name of another file.
    Remote(PathBuf, Sym),
    /// A whole module (an `import m`).
    Module(PathBuf),
    /// Member `name` of struct `owner`.
    Member(Sym, Sym),
}

fn target_at(a: &Analysis, offset: usize) -> Option<Target> {
    let ix = &a.index;
    if let Some(at) = ix.attr_at(offset) {
        return match a.type_of_span(at.value)? {
            Type::Struct(s) | Type::StructType(s) => Some(Target::Member(*s, at.attr.name)),
            Type::Module(key) => {
                let file = module_path(&a.path, key.as_str())?;
                Some(Target::Remote(file, at.attr.name))
            }
            _ => None,
        };
    }
    let def = match ix.def_at(offset) {
        Some(d) => d,
        None => {
            let u = ix.use_at(offset)?;
            ix.resolve(u.name, u.scope)?
        }
    };
    let d = &ix.defs[def];
    match d.kind {
        DefKind::Import => Some(Target::Module(module_path(&a.path, d.module.as_deref()?)?)),
        DefKind::FromImport => {
            let file = module_path(&a.path, d.module.as_deref()?)?;
            Some(Target::Remote(file, d.member?))
        }
        DefKind::Field | DefKind::Method if d.owner.is_some() => {
            Some(Target::Member(d.owner?, d.name))
        }
        _ => Some(Target::Local(def)),
    }
}

/// Where the name at `offset` is defined.
pub(crate) fn definition(a: &Analysis, offset: usize, sources: Sources) -> Vec<Place> {
    let Some(target) = target_at(a, offset) else {
        return Vec::new();
    };
    let here = |span| {
        vec![Place {
            path: a.path.clone(),
            span,
        }]
    };
    match target {
        Target::Local(d) => here(a.index.defs[d].span),
        Target::Member(owner, name) => {
            if let Some(d) = a.index.member(owner, name) {
                return here(a.index.defs[d].span);
            }
            // A struct of an imported module.
            imported_files(a)
                .into_iter()
                .filter_map(|f| open_module(&f, sources))
                .find_map(|m| {
                    let d = m.index.member(owner, name)?;
                    Some(vec![Place {
                        span: m.index.defs[d].span,
                        path: m.path,
                    }])
                })
                .unwrap_or_default()
        }
        Target::Remote(file, name) => match open_module(&file, sources) {
            Some(m) => {
                let span = m
                    .index
                    .top_level(name)
                    .map_or(Span::new(0, 0), |d| m.index.defs[d].span);
                vec![Place { path: file, span }]
            }
            None => Vec::new(),
        },
        Target::Module(file) => vec![Place {
            path: file,
            span: Span::new(0, 0),
        }],
    }
}

fn imported_files(a: &Analysis) -> Vec<PathBuf> {
    a.index
        .defs
        .iter()
        .filter(|d| matches!(d.kind, DefKind::Import | DefKind::FromImport))
        .filter_map(|d| module_path(&a.path, d.module.as_deref()?))
        .collect()
}

/// Every reference to the name at `offset` (its definition included when `declaration`).
pub(crate) fn references(
    a: &Analysis,
    offset: usize,
    declaration: bool,
    workspace: &[PathBuf],
    sources: Sources,
) -> Vec<Place> {
    let Some(target) = target_at(a, offset) else {
        return Vec::new();
    };
    let mut out: Vec<Place> = Vec::new();
    let (file, name) = match target {
        Target::Module(_) => return Vec::new(),
        Target::Member(owner, name) => {
            if let Some(d) = a.index.member(owner, name) {
                if declaration {
                    out.push(place(&a.path, a.index.defs[d].span));
                }
            }
            for at in &a.index.attrs {
                let typed = matches!(a.type_of_span(at.value),
                    Some(Type::Struct(s) | Type::StructType(s)) if *s == owner);
                if at.attr.name == name && typed {
                    out.push(place(&a.path, at.attr.span));
                }
            }
            return out;
        }
        Target::Local(d) if a.index.defs[d].scope != 0 => {
            let spans = a.index.uses_of(d);
            let skip = usize::from(!declaration);
            return spans
                .into_iter()
                .skip(skip)
                .map(|s| place(&a.path, s))
                .collect();
        }
        Target::Local(d) => (a.path.clone(), a.index.defs[d].name),
        Target::Remote(file, name) => (file, name),
    };
    // Uses inside the defining file.
    let defining = if same_file(&file, &a.path) {
        Some(ModuleFile {
            path: a.path.clone(),
            index: a.index.clone(),
        })
    } else {
        open_module(&file, sources)
    };
    if let Some(m) = &defining {
        if let Some(d) = m.index.top_level(name) {
            let spans = m.index.uses_of(d);
            let skip = usize::from(!declaration);
            out.extend(spans.into_iter().skip(skip).map(|s| place(&m.path, s)));
        }
    }
    // Uses in the files that import it.
    let mut files: Vec<PathBuf> = workspace.to_vec();
    if !files.iter().any(|f| same_file(f, &a.path)) {
        files.push(a.path.clone());
    }
    for g in files {
        if same_file(&g, &file) {
            continue;
        }
        let Some(m) = open_module(&g, sources) else {
            continue;
        };
        out.extend(uses_in_importer(&m, &file, name));
    }
    out
}

fn place(path: &Path, span: Span) -> Place {
    Place {
        path: path.to_path_buf(),
        span,
    }
}

/// The uses of `file`'s top-level `name` in module `m` (which may import `file`).
fn uses_in_importer(m: &ModuleFile, file: &Path, name: Sym) -> Vec<Place> {
    let ix = &m.index;
    let mut out = Vec::new();
    for (i, d) in ix.defs.iter().enumerate() {
        let Some(module) = d.module.as_deref() else {
            continue;
        };
        let imports_file = module_path(&m.path, module).is_some_and(|p| same_file(&p, file));
        if !imports_file {
            continue;
        }
        match d.kind {
            DefKind::Import => {
                for at in ix.attrs.iter().filter(|at| at.attr.name == name) {
                    let through = ix
                        .uses
                        .iter()
                        .find(|u| u.span == at.value)
                        .is_some_and(|u| ix.resolve(u.name, u.scope) == Some(i));
                    if through {
                        out.push(place(&m.path, at.attr.span));
                    }
                }
            }
            DefKind::FromImport if d.member == Some(name) => {
                if d.name == name {
                    out.extend(ix.uses_of(i).into_iter().map(|s| place(&m.path, s)));
                } else if let Some(u) = ix.uses.iter().find(|u| {
                    u.name == name && d.full.start <= u.span.start && u.span.end <= d.full.end
                }) {
                    // `from F import name as other`: only the imported name.
                    out.push(place(&m.path, u.span));
                }
            }
            _ => {}
        }
    }
    out
}

/// The edits of renaming the name at `offset` to `new_name`, grouped by file.
pub(crate) fn rename(
    a: &Analysis,
    offset: usize,
    new_name: &str,
    workspace: &[PathBuf],
    sources: Sources,
) -> Result<Vec<Place>, String> {
    if !is_identifier(new_name) {
        return Err(format!("'{new_name}' is not a valid name"));
    }
    let places = references(a, offset, true, workspace, sources);
    if places.is_empty() {
        let word = super::text::word_at(&a.text, offset)
            .map(|w| a.slice(w).to_string())
            .unwrap_or_default();
        return Err(format!(
            "cannot rename '{word}': it is not defined in this workspace"
        ));
    }
    Ok(places)
}

/// The `.na` files below the workspace folders (hidden folders and `.poet` stores skipped; at
/// most 5,000 files).
pub(crate) fn workspace_files(roots: &[PathBuf]) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) {
        if depth > 32 || out.len() >= 5000 {
            return;
        }
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        let mut entries: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
        entries.sort();
        for p in entries {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if name.starts_with('.') || name == "target" || name == "node_modules" {
                continue;
            }
            if p.is_dir() {
                walk(&p, out, depth + 1);
            } else if p.extension().is_some_and(|e| e == "na") && out.len() < 5000 {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    for r in roots {
        walk(r, &mut out, 0);
    }
    out
}
