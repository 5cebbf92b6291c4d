//! The house rules of the workspace, checked on the source text (ARCHITECTURE.md, "House
//! rules"): no Rust file over 800 lines, one module-file style (`foo.rs` beside `foo/`, never
//! `foo/mod.rs`), a `//!` header on every library file, and no import circle between the files of
//! a crate.
//!
//! "File A imports file B" when A names an item that B defines: through a `use` or through a
//! path (`crate::…`, `super::…`, `self::…`, a child module's name, or a module imported by a
//! `use`). Re-exports are followed to the file that defines the item. `mod x;` declarations are
//! not imports, and method calls are not seen, so an `impl` spread over several files is fine.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs;
use std::path::{Path, PathBuf};

const MAX_LINES: usize = 800;

/// The library and binary roots whose module trees are checked for circles.
const CRATE_ROOTS: &[&str] = &[
    "grammar/src/lib.rs",
    "llm/src/lib.rs",
    "interpreter/src/lib.rs",
    "stdlib/src/lib.rs",
    "poet/src/lib.rs",
    "src/lib.rs",
    "src/main.rs",
];

/// Folders whose Rust files must respect the size and style rules.
const SOURCE_DIRS: &[&str] = &[
    "grammar",
    "llm",
    "interpreter",
    "stdlib",
    "poet",
    "src",
    "tests",
    "benches",
    "examples",
    "fuzz",
];

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name();
        if path.is_dir() {
            if name != "target" && name != "corpus" && name != "artifacts" {
                rust_files(&path, out);
            }
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

fn all_rust_files() -> Vec<PathBuf> {
    let root = workspace();
    let mut files = Vec::new();
    for dir in SOURCE_DIRS {
        rust_files(&root.join(dir), &mut files);
    }
    files.sort();
    files
}

fn shown(path: &Path) -> String {
    path.strip_prefix(workspace())
        .unwrap_or(path)
        .display()
        .to_string()
}

#[test]
fn no_file_is_over_800_lines() {
    let long: Vec<String> = all_rust_files()
        .iter()
        .filter_map(|f| {
            let n = fs::read_to_string(f).ok()?.lines().count();
            (n > MAX_LINES).then(|| format!("{} ({n} lines)", shown(f)))
        })
        .collect();
    assert!(
        long.is_empty(),
        "files over {MAX_LINES} lines (split them by job):\n  {}",
        long.join("\n  ")
    );
}

/// The Rust files of the crates' source trees (not `tests/`, where cargo needs `foo/mod.rs` for
/// a module shared by several test files).
fn library_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for root in CRATE_ROOTS {
        rust_files(workspace().join(root).parent().unwrap(), &mut files);
    }
    files.sort();
    files.dedup();
    files
}

#[test]
fn modules_use_the_file_beside_folder_style() {
    let old: Vec<String> = library_files()
        .iter()
        .filter(|f| f.file_name().is_some_and(|n| n == "mod.rs"))
        .map(|f| shown(f))
        .collect();
    assert!(
        old.is_empty(),
        "modules written as `foo/mod.rs` (the workspace writes `foo.rs` beside `foo/`):\n  {}",
        old.join("\n  ")
    );
}

#[test]
fn every_library_file_says_what_it_holds() {
    let mut bare = Vec::new();
    for f in library_files() {
        let text = fs::read_to_string(&f).unwrap();
        let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
        if !(first.starts_with("//!") || first.starts_with("#![doc")) {
            bare.push(shown(&f));
        }
    }
    assert!(
        bare.is_empty(),
        "files that do not open with a `//!` comment saying what they hold:\n  {}",
        bare.join("\n  ")
    );
}

#[test]
fn no_import_circle_between_the_files_of_a_crate() {
    let mut report = String::new();
    for root in CRATE_ROOTS {
        let krate = Crate::load(&workspace().join(root));
        for circle in krate.circles() {
            report.push_str(&format!("{root}:\n{circle}\n"));
        }
    }
    assert!(
        report.is_empty(),
        "import circles (every arrow should point down; move what both sides need into a \
         file below them):\n{report}"
    );
}

#[test]
fn the_checker_sees_circles_and_follows_re_exports() {
    let dir = std::env::temp_dir().join(format!("dana-house-{}", std::process::id()));
    let write = |rel: &str, text: &str| {
        let p = dir.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    };
    // lib re-exports `a::Thing`; b uses it through the re-export and a names b's item: a circle
    // a <-> b, while lib -> a is only a re-export and c -> lib follows it to a.
    write(
        "lib.rs",
        "//! root\nmod a;\nmod b;\nmod c;\npub use a::Thing;\n",
    );
    write(
        "a.rs",
        "//! a\npub struct Thing;\nfn f() { crate::b::helper(); }\n",
    );
    write(
        "b.rs",
        "//! b\nuse crate::Thing;\npub fn helper() -> Option<Thing> { None }\n",
    );
    write(
        "c.rs",
        "//! c\nuse super::{a, Thing};\nfn g() { let s = \"crate::b::helper\"; a::Thing; }\n",
    );
    let krate = Crate::load(&dir.join("lib.rs"));
    let circles = krate.circles();
    fs::remove_dir_all(&dir).ok();
    assert_eq!(circles.len(), 1, "{circles:?}");
    assert!(circles[0].contains("a.rs") && circles[0].contains("b.rs"));
    assert!(!circles[0].contains("c.rs"), "{}", circles[0]);
    let c_edges: Vec<_> = krate
        .edges
        .iter()
        .filter(|((from, _), _)| krate.files[*from].ends_with("c.rs"))
        .map(|((_, to), _)| krate.files[*to].clone())
        .collect();
    assert_eq!(c_edges.len(), 1, "c.rs imports only a.rs: {c_edges:?}");
    assert!(c_edges[0].ends_with("a.rs"));
}

// ---------------------------------------------------------------------------------------------
// The checker: a token scan of each file, a module tree, and path resolution.

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Ident(String),
    Punct(char),
    PathSep,
}

/// Tokens of a Rust file with comments, strings and character literals removed; each with its
/// line number.
fn tokens(src: &str) -> Vec<(Tok, usize)> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let mut line = 1;
    let n = chars.len();
    let at = |i: usize| chars.get(i).copied().unwrap_or('\0');
    while i < n {
        let c = chars[i];
        if c == '\n' {
            line += 1;
            i += 1;
        } else if c.is_whitespace() {
            i += 1;
        } else if c == '/' && at(i + 1) == '/' {
            while i < n && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && at(i + 1) == '*' {
            let mut depth = 0;
            while i < n {
                if chars[i] == '/' && at(i + 1) == '*' {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && at(i + 1) == '/' {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    if chars[i] == '\n' {
                        line += 1;
                    }
                    i += 1;
                }
            }
        } else if c == '"' || ((c == 'b' || c == 'c') && at(i + 1) == '"') {
            i += if c == '"' { 1 } else { 2 };
            while i < n && chars[i] != '"' {
                if chars[i] == '\\' {
                    i += 1;
                }
                if at(i) == '\n' {
                    line += 1;
                }
                i += 1;
            }
            i += 1;
        } else if let Some(skip) = raw_string_start(&chars, i) {
            let hashes = skip.1;
            i += skip.0;
            loop {
                if i >= n {
                    break;
                }
                if chars[i] == '"' && (1..=hashes).all(|k| at(i + k) == '#') {
                    i += 1 + hashes;
                    break;
                }
                if chars[i] == '\n' {
                    line += 1;
                }
                i += 1;
            }
        } else if c == '\'' {
            // A character literal ('a', '\n', '\u{1F600}') or a lifetime ('a).
            if at(i + 1) == '\\' {
                i += 2;
                while i < n && chars[i] != '\'' {
                    i += 1;
                }
                i += 1;
            } else if at(i + 2) == '\'' {
                i += 3;
            } else {
                i += 1;
                while i < n && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
            }
        } else if c.is_alphabetic() || c == '_' {
            if c == 'r' && at(i + 1) == '#' {
                i += 2;
            }
            let word_start = i;
            while i < n && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push((Tok::Ident(chars[word_start..i].iter().collect()), line));
        } else if c.is_ascii_digit() {
            while i < n && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
        } else if c == ':' && at(i + 1) == ':' {
            out.push((Tok::PathSep, line));
            i += 2;
        } else {
            out.push((Tok::Punct(c), line));
            i += 1;
        }
    }
    out
}

/// `r"…"`, `r#"…"#`, `br"…"`: the length of the opening and the number of hashes.
fn raw_string_start(chars: &[char], i: usize) -> Option<(usize, usize)> {
    let mut j = i;
    if chars.get(j) == Some(&'b') {
        j += 1;
    }
    if chars.get(j) != Some(&'r') {
        return None;
    }
    if i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_') {
        return None;
    }
    j += 1;
    let mut hashes = 0;
    while chars.get(j) == Some(&'#') {
        hashes += 1;
        j += 1;
    }
    (chars.get(j) == Some(&'"')).then_some((j + 1 - i, hashes))
}

/// One `use` leaf: its full path and the name it binds (`None` for a glob).
#[derive(Debug, Clone)]
struct UseLeaf {
    path: Vec<String>,
    bound: Option<String>,
    /// A `pub use` (recorded by the scan; the circle check follows every `use` alike).
    line: usize,
}

/// What a scan of one file yields.
#[derive(Debug, Default)]
struct FileScan {
    /// `mod x;` declarations at the file's top level.
    children: Vec<String>,
    /// Items defined at the file's top level.
    items: BTreeSet<String>,
    /// `use` leaves, with the inline-module depth they sit in (0 = the file's own module).
    uses: Vec<(UseLeaf, usize)>,
    /// Paths written in code (`crate::a::b`, `super::x`, `child::y`, `alias::z`).
    paths: Vec<(Vec<String>, usize, usize)>,
}

const ITEM_KEYWORDS: &[&str] = &[
    "fn", "struct", "enum", "trait", "type", "const", "static", "union",
];

fn scan(src: &str) -> FileScan {
    let toks = tokens(src);
    let mut scan = FileScan::default();
    let mut depth = 0usize;
    // Brace depths at which inline modules opened.
    let mut inline: Vec<usize> = Vec::new();
    let mut i = 0;
    let ident = |k: usize| match toks.get(k) {
        Some((Tok::Ident(s), _)) => Some(s.as_str()),
        _ => None,
    };
    while i < toks.len() {
        let (tok, line) = &toks[i];
        match tok {
            Tok::Punct('{') => depth += 1,
            Tok::Punct('}') => {
                depth = depth.saturating_sub(1);
                if inline.last() == Some(&depth) {
                    inline.pop();
                }
            }
            Tok::Ident(word) if word == "mod" => {
                if let Some(name) = ident(i + 1) {
                    match toks.get(i + 2) {
                        Some((Tok::Punct(';'), _)) if depth == 0 => {
                            scan.children.push(name.to_string())
                        }
                        Some((Tok::Punct('{'), _)) => {
                            inline.push(depth);
                            depth += 1;
                            i += 3;
                            continue;
                        }
                        _ => {}
                    }
                }
            }
            Tok::Ident(word) if word == "use" => {
                let mut j = i + 1;
                let mut leaves = Vec::new();
                use_tree(&toks, &mut j, Vec::new(), *line, &mut leaves);
                for leaf in leaves {
                    scan.uses.push((leaf, inline.len()));
                }
                i = j;
                continue;
            }
            Tok::Ident(word) if depth == 0 && ITEM_KEYWORDS.contains(&word.as_str()) => {
                if let Some(name) = ident(i + 1) {
                    scan.items.insert(name.to_string());
                }
            }
            Tok::Ident(word) if word == "macro_rules" => {
                if let (Some((Tok::Punct('!'), _)), Some(name)) = (toks.get(i + 1), ident(i + 2)) {
                    scan.items.insert(name.to_string());
                }
            }
            Tok::Ident(word) if matches!(toks.get(i + 1), Some((Tok::PathSep, _))) => {
                let after_sep = i > 0 && matches!(toks[i - 1].0, Tok::PathSep);
                if !after_sep {
                    let mut path = vec![word.clone()];
                    let mut j = i + 1;
                    while matches!(toks.get(j), Some((Tok::PathSep, _))) {
                        match ident(j + 1) {
                            Some(s) => path.push(s.to_string()),
                            None => break,
                        }
                        j += 2;
                    }
                    scan.paths.push((path, inline.len(), *line));
                    i = j;
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
    scan
}

/// Parses a use tree starting at `toks[*j]`, up to its `;` (or the `,`/`}` that ends a nested
/// part), pushing one leaf per imported name.
fn use_tree(
    toks: &[(Tok, usize)],
    j: &mut usize,
    mut prefix: Vec<String>,
    line: usize,
    out: &mut Vec<UseLeaf>,
) {
    loop {
        match toks.get(*j).map(|t| &t.0) {
            Some(Tok::Ident(s)) if s == "as" => {
                *j += 1;
                if let Some((Tok::Ident(alias), _)) = toks.get(*j) {
                    *j += 1;
                    out.push(UseLeaf {
                        path: prefix.clone(),
                        bound: Some(alias.clone()),
                        line,
                    });
                    return;
                }
            }
            Some(Tok::Ident(s)) => {
                prefix.push(s.clone());
                *j += 1;
            }
            Some(Tok::PathSep) => *j += 1,
            Some(Tok::Punct('*')) => {
                *j += 1;
                out.push(UseLeaf {
                    path: prefix.clone(),
                    bound: None,
                    line,
                });
                return;
            }
            Some(Tok::Punct('{')) => {
                *j += 1;
                loop {
                    use_tree(toks, j, prefix.clone(), line, out);
                    match toks.get(*j).map(|t| &t.0) {
                        Some(Tok::Punct(',')) => {
                            *j += 1;
                            if matches!(toks.get(*j).map(|t| &t.0), Some(Tok::Punct('}'))) {
                                *j += 1;
                                return;
                            }
                        }
                        Some(Tok::Punct('}')) => {
                            *j += 1;
                            return;
                        }
                        _ => return,
                    }
                }
            }
            Some(Tok::Punct(';')) | Some(Tok::Punct(',')) | Some(Tok::Punct('}')) | None => {
                if matches!(toks.get(*j).map(|t| &t.0), Some(Tok::Punct(';'))) {
                    *j += 1;
                }
                if let Some(last) = prefix.last().cloned() {
                    let bound = if last == "self" {
                        prefix.pop();
                        prefix.last().cloned()
                    } else {
                        Some(last)
                    };
                    out.push(UseLeaf {
                        path: prefix,
                        bound,
                        line,
                    });
                }
                return;
            }
            Some(_) => {
                *j += 1;
            }
        }
    }
}

/// A crate's module tree, the files behind it, and the import edges between them.
struct Crate {
    files: Vec<String>,
    scans: Vec<FileScan>,
    /// Module path → file index (a file's own module).
    modules: BTreeMap<Vec<String>, usize>,
    /// File index → its module path.
    module_of: Vec<Vec<String>>,
    /// (from, to) → the first path that made the edge, with its line.
    edges: BTreeMap<(usize, usize), String>,
}

#[derive(Clone, Copy)]
enum Target {
    /// The path names an item defined in this file.
    Item(usize),
    /// The path names a whole module (this file).
    Module(usize),
}

impl Crate {
    fn load(root: &Path) -> Crate {
        let mut krate = Crate {
            files: Vec::new(),
            scans: Vec::new(),
            modules: BTreeMap::new(),
            module_of: Vec::new(),
            edges: BTreeMap::new(),
        };
        krate.add(root.to_path_buf(), Vec::new(), true);
        krate.link();
        krate
    }

    fn add(&mut self, file: PathBuf, module: Vec<String>, is_root: bool) {
        let text = fs::read_to_string(&file)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
        let scan = scan(&text);
        let id = self.files.len();
        self.files.push(shown(&file));
        self.modules.insert(module.clone(), id);
        self.module_of.push(module.clone());
        let children = scan.children.clone();
        self.scans.push(scan);
        let dir = if is_root || file.file_name().is_some_and(|n| n == "mod.rs") {
            file.parent().unwrap().to_path_buf()
        } else {
            file.with_extension("")
        };
        for child in children {
            let beside = dir.join(format!("{child}.rs"));
            let inside = dir.join(&child).join("mod.rs");
            let path = if beside.exists() { beside } else { inside };
            let mut m = module.clone();
            m.push(child);
            self.add(path, m, false);
        }
    }

    /// The module a path starts from, with the segments left, as seen from `file` (inside
    /// `inline` levels of inline modules).
    fn start(&self, file: usize, inline: usize, path: &[String]) -> Option<(Vec<String>, usize)> {
        let here = &self.module_of[file];
        let first = path.first()?.as_str();
        match first {
            "crate" => Some((Vec::new(), 1)),
            "self" if inline == 0 => Some((here.clone(), 1)),
            "self" => None,
            "super" => {
                let mut supers = path.iter().take_while(|s| *s == "super").count();
                if supers <= inline {
                    return None; // stays inside this file
                }
                supers -= inline;
                let mut m = here.clone();
                for _ in 0..supers {
                    m.pop()?;
                }
                Some((m, supers + inline))
            }
            _ if inline == 0 => {
                let mut child = here.clone();
                child.push(first.to_string());
                self.modules.contains_key(&child).then(|| (here.clone(), 0))
            }
            _ => None,
        }
    }

    fn resolve(&self, module: Vec<String>, rest: &[String], hops: usize) -> Option<Target> {
        if hops > 16 {
            return None;
        }
        let mut m = module;
        for (k, seg) in rest.iter().enumerate() {
            let mut child = m.clone();
            child.push(seg.clone());
            if self.modules.contains_key(&child) {
                m = child;
                continue;
            }
            let file = *self.modules.get(&m)?;
            let scan = &self.scans[file];
            if scan.items.contains(seg) {
                return Some(Target::Item(file));
            }
            // Followed through the module's `use` declarations, which its descendants see and
            // which `pub use` re-exports to everyone.
            for (leaf, depth) in &scan.uses {
                if *depth != 0 {
                    continue;
                }
                if leaf.bound.as_deref() == Some(seg.as_str()) {
                    if let Some((base, skip)) = self.start(file, 0, &leaf.path) {
                        let mut full: Vec<String> = leaf.path[skip..].to_vec();
                        full.extend_from_slice(&rest[k + 1..]);
                        return self.resolve(base, &full, hops + 1);
                    }
                }
            }
            for (leaf, depth) in &scan.uses {
                if *depth != 0 || leaf.bound.is_some() {
                    continue;
                }
                if let Some((base, skip)) = self.start(file, 0, &leaf.path) {
                    let mut full: Vec<String> = leaf.path[skip..].to_vec();
                    full.extend_from_slice(&rest[k..]);
                    if let Some(Target::Item(f)) = self.resolve(base, &full, hops + 1) {
                        return Some(Target::Item(f));
                    }
                }
            }
            return Some(Target::Item(file));
        }
        self.modules.get(&m).map(|f| Target::Module(*f))
    }

    fn link(&mut self) {
        let mut edges = BTreeMap::new();
        for file in 0..self.files.len() {
            let scan = &self.scans[file];
            // Names bound to whole modules by a `use`, per inline depth.
            let mut aliases: HashMap<(String, usize), Vec<String>> = HashMap::new();
            let mut add = |to: usize, why: String| {
                if to != file {
                    edges.entry((file, to)).or_insert(why);
                }
            };
            for (leaf, inline) in &scan.uses {
                let Some((base, skip)) = self.start(file, *inline, &leaf.path) else {
                    continue;
                };
                let why = format!("use {} (line {})", leaf.path.join("::"), leaf.line);
                match self.resolve(base.clone(), &leaf.path[skip..], 0) {
                    Some(Target::Item(to)) => add(to, why),
                    Some(Target::Module(to)) => match &leaf.bound {
                        Some(name) => {
                            let mut m = base.clone();
                            m.extend_from_slice(&leaf.path[skip..]);
                            aliases.insert((name.clone(), *inline), m);
                        }
                        None => add(to, why),
                    },
                    None => {}
                }
            }
            for (path, inline, line) in &scan.paths {
                let why = format!("{} (line {line})", path.join("::"));
                let target = if let Some(m) = aliases.get(&(path[0].clone(), *inline)) {
                    self.resolve(m.clone(), &path[1..], 0)
                } else if let Some((base, skip)) = self.start(file, *inline, path) {
                    self.resolve(base, &path[skip..], 0)
                } else {
                    None
                };
                if let Some(Target::Item(to) | Target::Module(to)) = target {
                    add(to, why);
                }
            }
        }
        self.edges = edges;
    }

    /// Each strongly connected group of more than one file, shown with its edges.
    fn circles(&self) -> Vec<String> {
        let n = self.files.len();
        let mut next: Vec<Vec<usize>> = vec![Vec::new(); n];
        for &(a, b) in self.edges.keys() {
            next[a].push(b);
        }
        // Tarjan's algorithm, iterative.
        let mut index = vec![usize::MAX; n];
        let mut low = vec![0; n];
        let mut on_stack = vec![false; n];
        let mut stack = Vec::new();
        let mut groups = Vec::new();
        let mut counter = 0;
        for start in 0..n {
            if index[start] != usize::MAX {
                continue;
            }
            let mut work = vec![(start, 0usize)];
            while let Some(&mut (v, ref mut k)) = work.last_mut() {
                if *k == 0 && index[v] == usize::MAX {
                    index[v] = counter;
                    low[v] = counter;
                    counter += 1;
                    stack.push(v);
                    on_stack[v] = true;
                }
                if *k < next[v].len() {
                    let w = next[v][*k];
                    *k += 1;
                    if index[w] == usize::MAX {
                        work.push((w, 0));
                    } else if on_stack[w] {
                        low[v] = low[v].min(index[w]);
                    }
                } else {
                    work.pop();
                    if let Some(&(parent, _)) = work.last() {
                        low[parent] = low[parent].min(low[v]);
                    }
                    if low[v] == index[v] {
                        let mut group = Vec::new();
                        while let Some(w) = stack.pop() {
                            on_stack[w] = false;
                            group.push(w);
                            if w == v {
                                break;
                            }
                        }
                        if group.len() > 1 {
                            groups.push(group);
                        }
                    }
                }
            }
        }
        groups
            .into_iter()
            .map(|group| {
                let members: BTreeSet<usize> = group.iter().copied().collect();
                let mut text = String::new();
                for ((a, b), why) in &self.edges {
                    if members.contains(a) && members.contains(b) {
                        text.push_str(&format!(
                            "  {} -> {}: {why}\n",
                            self.files[*a], self.files[*b]
                        ));
                    }
                }
                text
            })
            .collect()
    }
}
