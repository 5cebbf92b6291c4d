//! What the original function uses, for the allowlist: every plain name it reads, the dotted
//! member chains (`math.sqrt`, with import aliases resolved to module paths) and the members it
//! imports. One pass over the definition collects its expressions and imports, a second walks
//! each expression; both are [`Visitor`]s.

use dana_grammar::ast::visit::{self, Visitor};
use dana_grammar::ast::{self, Expr, ExprKind, InterfaceDef, Stmt, StmtKind};
use dana_interpreter::check::{CheckOptions, Type};
use std::collections::{HashMap, HashSet};

/// The names the original function uses: plain names, dotted member chains (`math.sqrt`,
/// with import aliases resolved to module paths) and imported members.
pub(super) fn names_used(f: &ast::FunctionDef, options: &CheckOptions) -> HashSet<String> {
    let mut def = Definition {
        exprs: Vec::new(),
        imports: Vec::new(),
        aliases: options
            .globals
            .iter()
            .filter_map(|(n, t)| match t {
                Type::Module(k) => Some((n.clone(), k.as_str().to_string())),
                _ => None,
            })
            .collect(),
    };
    def.visit_function_def(f);
    let mut out: HashSet<String> = def.imports.into_iter().collect();
    for e in def.exprs {
        let mut reads = Reads {
            aliases: &def.aliases,
            roots: HashSet::new(),
            out: &mut out,
        };
        reads.visit_expr(e);
    }
    out
}

/// The outermost expressions of a definition (parameter defaults, decorators, statements,
/// nested definitions, the fields and methods of struct and niche blocks; interfaces hold no
/// code) and what its imports bring in.
struct Definition<'ast> {
    exprs: Vec<&'ast Expr>,
    /// `from m import x` as `m.x` (`m.*` for a star import).
    imports: Vec<String>,
    /// Local name → module path, for `import m as a` and the defining module's imports.
    aliases: HashMap<String, String>,
}

impl<'ast> Visitor<'ast> for Definition<'ast> {
    fn visit_expr(&mut self, e: &'ast Expr) {
        // Walked by `Reads`, with the aliases of the whole definition.
        self.exprs.push(e);
    }

    fn visit_interface_def(&mut self, _def: &'ast InterfaceDef) {}

    fn visit_stmt(&mut self, s: &'ast Stmt) {
        match &s.kind {
            StmtKind::Import { path, alias } => {
                let full = path
                    .iter()
                    .map(|i| i.name.as_str())
                    .collect::<Vec<_>>()
                    .join(".");
                // Only the members used are allowed (collected from the attribute chains): the
                // import itself passes when any member of the module is allowed.
                if let Some(a) = alias {
                    self.aliases.insert(a.name.as_str().to_string(), full);
                }
            }
            StmtKind::FromImport {
                level,
                path,
                names,
                star,
            } => {
                let key = format!(
                    "{}{}",
                    ".".repeat(*level as usize),
                    path.iter()
                        .map(|i| i.name.as_str())
                        .collect::<Vec<_>>()
                        .join(".")
                );
                if *star {
                    self.imports.push(format!("{key}.*"));
                }
                for n in names {
                    self.imports.push(format!("{key}.{}", n.name.name));
                }
            }
            _ => visit::walk_stmt(self, s),
        }
    }
}

/// The names one expression reads: an attribute chain rooted at a plain name counts as its
/// dotted path (not as the root name).
struct Reads<'a> {
    aliases: &'a HashMap<String, String>,
    /// The spans of the names that root a chain already counted.
    roots: HashSet<(u32, u32)>,
    out: &'a mut HashSet<String>,
}

impl<'ast> Visitor<'ast> for Reads<'_> {
    fn visit_expr(&mut self, x: &'ast Expr) {
        match &x.kind {
            ExprKind::Attribute { .. } => {
                if let Some((root, chain)) = dotted(x) {
                    self.roots.insert((root.start, root.end));
                    let (head, rest) = chain.split_once('.').unwrap_or((chain.as_str(), ""));
                    let head = self
                        .aliases
                        .get(head)
                        .cloned()
                        .unwrap_or_else(|| head.to_string());
                    self.out.insert(if rest.is_empty() {
                        head
                    } else {
                        format!("{head}.{rest}")
                    });
                }
            }
            ExprKind::Name { scope: None, name }
                if !self.roots.contains(&(x.span.start, x.span.end)) =>
            {
                self.out.insert(name.as_str().to_string());
            }
            _ => {}
        }
        visit::walk_expr(self, x);
    }
}

/// `a.b.c` for an attribute chain rooted at a plain name, with the root's span.
fn dotted(e: &ast::Expr) -> Option<(ast::Span, String)> {
    match &e.kind {
        ExprKind::Name { scope: None, name } => Some((e.span, name.as_str().to_string())),
        ExprKind::Attribute { value, attr } => {
            let (span, head) = dotted(value)?;
            Some((span, format!("{head}.{}", attr.name)))
        }
        _ => None,
    }
}
