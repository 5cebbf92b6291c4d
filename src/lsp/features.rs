//! The answers that need one document only: hover (inferred type, docstring, and POET's
//! stored version for `@poet` functions), completion, signature help, document symbols, the
//! did-you-mean code actions and the "show enhanced version" code lens.

use super::analysis::{signature_label, Analysis, MemberKind, World};
use super::index::{Def, DefKind};
use super::navigate::{remote_definition, Sources};
use super::poet::{self, PoetInfo};
use super::text::{chain_before, path_uri, word_at, LineIndex};
use dana_grammar::ast::Span;
use dana_interpreter::check::{ParamT, Sig, Type};
use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeLens, Command, CompletionItem,
    CompletionItemKind, Diagnostic, DocumentSymbol, Hover, HoverContents, MarkupContent,
    MarkupKind, ParameterInformation, ParameterLabel, SignatureHelp, SignatureInformation,
    SymbolKind, TextEdit, Uri, WorkspaceEdit,
};
use std::collections::HashMap;

/// The command of the code lens on `@poet` functions; its argument is the URI of `code.na`.
pub(crate) const SHOW_ENHANCED: &str = "dana.showEnhancedVersion";

fn is_poet(d: &Def) -> bool {
    d.decorators
        .iter()
        .any(|n| n == "poet" || n.ends_with(".poet"))
}

fn code_block(text: &str) -> String {
    format!("```dana\n{text}\n```")
}

// ---- hover ----

pub(crate) fn hover(world: &World, a: &Analysis, offset: usize, sources: Sources) -> Option<Hover> {
    let word = word_at(&a.text, offset)?;
    let name = a.slice(word).to_string();
    let ix = &a.index;
    let def = ix
        .def_at(offset)
        .filter(|&d| ix.defs[d].span == word)
        .or_else(|| ix.use_at(offset).and_then(|u| ix.resolve(u.name, u.scope)))
        .or_else(|| {
            let at = ix.attr_at(offset)?;
            match a.type_of_span(at.value)? {
                Type::Struct(s) | Type::StructType(s) => ix.member(*s, at.attr.name),
                _ => None,
            }
        });
    // The type recorded for the word itself, or for the attribute access it ends.
    let ty = a
        .type_of_span(word)
        .cloned()
        .or_else(|| {
            a.type_around(offset)
                .filter(|(s, _)| s.end == word.end)
                .map(|(_, t)| t.clone())
        })
        .or_else(|| def.and_then(|d| a.def_type(d)))
        // A callee `m.f` or `x.method` (calls type their callee without recording it).
        .or_else(|| {
            let at = ix.attr_at(offset)?;
            a.member_type(a.type_of_span(at.value)?, at.attr.name)
        })
        .or_else(|| {
            (def.is_none() && ix.attr_at(offset).is_none())
                .then(|| world.builtins.get(name.as_str()).cloned())
                .flatten()
        });
    // A name of another module: `from m import name`, or `m.name`.
    let remote = match def.map(|d| &ix.defs[d]) {
        Some(d) if d.kind == DefKind::FromImport => d
            .module
            .as_deref()
            .zip(d.member)
            .and_then(|(m, n)| remote_definition(&a.path, m, n, sources)),
        None => ix
            .attr_at(offset)
            .and_then(|at| match a.type_of_span(at.value)? {
                Type::Module(key) => {
                    remote_definition(&a.path, key.as_str(), at.attr.name, sources)
                }
                _ => None,
            }),
        _ => None,
    };
    let mut sections = Vec::new();
    if let Some(r) = &remote {
        if let Some(h) = &r.header {
            sections.push(code_block(h));
        }
        if let Some(doc) = &r.docstring {
            sections.push(doc.trim().to_string());
        }
        if r.decorators
            .iter()
            .any(|n| n == "poet" || n.ends_with(".poet"))
        {
            sections.push(poet::hover_text(&poet::lookup(&r.path, &name)));
        }
        if r.header.is_some() {
            return Some(Hover {
                contents: HoverContents::Markup(MarkupContent {
                    kind: MarkupKind::Markdown,
                    value: sections.join("\n\n---\n\n"),
                }),
                range: Some(a.lines.range(&a.text, word)),
            });
        }
    }
    match def.map(|d| &ix.defs[d]) {
        Some(d) if matches!(d.kind, DefKind::Function | DefKind::Method) && d.header.is_some() => {
            let header = a.slice(d.header.unwrap_or_default()).trim_end();
            sections.push(code_block(header.strip_suffix(':').unwrap_or(header)));
        }
        Some(d) if d.kind == DefKind::Struct => {
            let fields: Vec<String> = ix
                .defs
                .iter()
                .filter(|f| f.owner == Some(d.name) && f.kind == DefKind::Field)
                .map(|f| {
                    let t = a.member_type(&Type::Struct(d.name), f.name);
                    format!(
                        "    {}: {}",
                        f.name,
                        t.map_or("any".into(), |t| t.to_string())
                    )
                })
                .collect();
            sections.push(code_block(&format!(
                "struct {}:\n{}",
                d.name,
                fields.join("\n")
            )));
        }
        Some(d) => {
            let what = match d.kind {
                DefKind::Param => "(parameter) ",
                DefKind::Field => "(field) ",
                DefKind::Import => "(module) ",
                DefKind::Interface => "interface ",
                _ => "",
            };
            let t = ty.as_ref().map_or("any".to_string(), |t| t.to_string());
            sections.push(code_block(&format!("{what}{name}: {t}")));
        }
        None => sections.push(code_block(&format!(
            "{name}: {}",
            ty.as_ref().map_or("any".to_string(), |t| t.to_string())
        ))),
    }
    if let Some(d) = def.map(|d| &ix.defs[d]) {
        if let Some(doc) = &d.docstring {
            sections.push(doc.trim().to_string());
        }
        if is_poet(d) {
            sections.push(poet::hover_text(&poet::lookup(&a.path, d.name.as_str())));
        }
    }
    Some(Hover {
        contents: HoverContents::Markup(MarkupContent {
            kind: MarkupKind::Markdown,
            value: sections.join("\n\n---\n\n"),
        }),
        range: Some(a.lines.range(&a.text, word)),
    })
}

// ---- completion ----

fn member_item(name: String, kind: MemberKind, ty: Option<Type>) -> CompletionItem {
    CompletionItem {
        label: name,
        kind: Some(match kind {
            MemberKind::Field => CompletionItemKind::FIELD,
            MemberKind::Method => CompletionItemKind::METHOD,
            MemberKind::Function => CompletionItemKind::FUNCTION,
            MemberKind::Struct => CompletionItemKind::STRUCT,
            MemberKind::Module => CompletionItemKind::MODULE,
            MemberKind::Variable => CompletionItemKind::VARIABLE,
        }),
        detail: ty.map(|t| t.to_string()),
        ..CompletionItem::default()
    }
}

/// Completions at byte `offset` of `text` (the document as it is now; `a` may be an analysis
/// of a slightly older or repaired text).
pub(crate) fn completion(
    world: &World,
    a: &Analysis,
    text: &str,
    offset: usize,
) -> Vec<CompletionItem> {
    let offset = offset.min(text.len());
    let word_start = word_at(text, offset).map_or(offset, |w| (w.start as usize).min(offset));
    let prefix = &text[word_start..offset];
    let scope = a.index.scope_at(offset);
    if text[..word_start].ends_with('.') {
        let parts = chain_before(text, word_start);
        let parts = &parts[..parts.len().saturating_sub(1)];
        if parts.is_empty() || parts.iter().any(|p| p.is_empty()) {
            return Vec::new();
        }
        let Some(t) = a.chain_type(world, parts, scope) else {
            return Vec::new();
        };
        return a
            .members(&t)
            .into_iter()
            .filter(|(n, _, _)| n.starts_with(prefix) && !n.starts_with("__"))
            .map(|(n, k, t)| member_item(n, k, t))
            .collect();
    }
    let mut items: Vec<CompletionItem> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for i in a.index.visible(scope) {
        let d = &a.index.defs[i];
        let n = d.name.as_str();
        if !n.starts_with(prefix) || !seen.insert(n.to_string()) {
            continue;
        }
        let kind = match d.kind {
            DefKind::Function => CompletionItemKind::FUNCTION,
            DefKind::Struct => CompletionItemKind::STRUCT,
            DefKind::Interface => CompletionItemKind::INTERFACE,
            DefKind::Import => CompletionItemKind::MODULE,
            DefKind::Param | DefKind::Variable | DefKind::FromImport => {
                CompletionItemKind::VARIABLE
            }
            DefKind::Field => CompletionItemKind::FIELD,
            DefKind::Method => CompletionItemKind::METHOD,
        };
        items.push(CompletionItem {
            label: n.to_string(),
            kind: Some(kind),
            detail: a.def_type(i).map(|t| t.to_string()),
            ..CompletionItem::default()
        });
    }
    let mut builtins: Vec<(&String, &Type)> = world.builtins.iter().collect();
    builtins.sort_by_key(|(n, _)| n.as_str());
    for (n, t) in builtins {
        if n.starts_with(prefix) && !n.starts_with("__") && seen.insert(n.clone()) {
            items.push(CompletionItem {
                label: n.clone(),
                kind: Some(match t {
                    Type::BuiltinType(_) => CompletionItemKind::CLASS,
                    _ => CompletionItemKind::FUNCTION,
                }),
                detail: Some(t.to_string()),
                ..CompletionItem::default()
            });
        }
    }
    for k in crate::repl::KEYWORDS {
        if k.starts_with(prefix) && seen.insert(k.to_string()) {
            items.push(CompletionItem {
                label: k.to_string(),
                kind: Some(CompletionItemKind::KEYWORD),
                ..CompletionItem::default()
            });
        }
    }
    items
}

// ---- signature help ----

/// The `(` of the call the cursor is in, and the number of commas before the cursor at that
/// call's level.
fn open_call(text: &str, offset: usize) -> Option<(usize, u32)> {
    let mut depth = 0i32;
    let mut commas = 0u32;
    let bytes = text.as_bytes();
    let mut i = offset.min(bytes.len());
    let floor = offset.saturating_sub(4000);
    while i > floor {
        i -= 1;
        match bytes[i] {
            b')' | b']' | b'}' => depth += 1,
            b'[' | b'{' if depth == 0 => return None,
            b'(' | b'[' | b'{' if depth > 0 => depth -= 1,
            b'(' => return Some((i, commas)),
            b',' if depth == 0 => commas += 1,
            b':' if depth == 0 && text[i..].starts_with(":\n") => return None,
            _ => {}
        }
    }
    None
}

pub(crate) fn signature_help(
    world: &World,
    a: &Analysis,
    text: &str,
    offset: usize,
) -> Option<SignatureHelp> {
    let (paren, commas) = open_call(text, offset)?;
    let parts = chain_before(text, paren);
    if parts.iter().any(|p| p.is_empty()) {
        return None;
    }
    let scope = a.index.scope_at(offset);
    let t = a.chain_type(world, &parts, scope)?;
    let name = parts.last()?.clone();
    let sigs: Vec<Sig> = match &t {
        Type::Func(ft) => ft.sigs.clone(),
        Type::StructType(s) => {
            let info = a.struct_info(*s)?;
            vec![Sig {
                params: info
                    .fields
                    .iter()
                    .map(|f| ParamT {
                        name: f.name,
                        ty: f.ty.clone(),
                        annotated: true,
                        has_default: f.has_default,
                        kind: dana_grammar::ast::ParamKind::Normal,
                        keyword_only: false,
                    })
                    .collect(),
                ret: Type::Struct(*s),
                ret_annotated: true,
            }]
        }
        _ => return None,
    };
    let signatures = sigs
        .iter()
        .map(|s| {
            let (label, spans) = signature_label(&name, s);
            SignatureInformation {
                label,
                documentation: None,
                parameters: Some(
                    spans
                        .into_iter()
                        .map(|sp| ParameterInformation {
                            label: ParameterLabel::LabelOffsets(sp),
                            documentation: None,
                        })
                        .collect(),
                ),
                active_parameter: None,
            }
        })
        .collect();
    // The first overload that takes that many arguments.
    let active = sigs
        .iter()
        .position(|s| s.params.len() as u32 > commas)
        .unwrap_or(0);
    Some(SignatureHelp {
        signatures,
        active_signature: Some(active as u32),
        active_parameter: Some(commas),
    })
}

// ---- document symbols ----

#[allow(deprecated)]
fn symbol(
    a: &Analysis,
    d: &Def,
    kind: SymbolKind,
    children: Vec<DocumentSymbol>,
) -> DocumentSymbol {
    let full = if d.full.start <= d.span.start && d.full.end >= d.span.end {
        d.full
    } else {
        d.span
    };
    DocumentSymbol {
        name: d.name.to_string(),
        detail: d
            .header
            .map(|h| a.slice(h).trim_end_matches(':').to_string()),
        kind,
        tags: None,
        deprecated: None,
        range: a.lines.range(&a.text, full),
        selection_range: a.lines.range(&a.text, d.span),
        children: (!children.is_empty()).then_some(children),
    }
}

pub(crate) fn document_symbols(a: &Analysis) -> Vec<DocumentSymbol> {
    let ix = &a.index;
    let mut out = Vec::new();
    for d in ix.defs.iter().filter(|d| d.scope == 0) {
        let kind = match d.kind {
            DefKind::Function => SymbolKind::FUNCTION,
            DefKind::Struct => SymbolKind::STRUCT,
            DefKind::Interface => SymbolKind::INTERFACE,
            DefKind::Variable => SymbolKind::VARIABLE,
            _ => continue,
        };
        let children = if d.kind == DefKind::Struct {
            ix.defs
                .iter()
                .filter(|m| {
                    m.owner == Some(d.name) && matches!(m.kind, DefKind::Field | DefKind::Method)
                })
                .map(|m| {
                    let k = if m.kind == DefKind::Field {
                        SymbolKind::FIELD
                    } else {
                        SymbolKind::METHOD
                    };
                    symbol(a, m, k, Vec::new())
                })
                .collect()
        } else {
            Vec::new()
        };
        out.push(symbol(a, d, kind, children));
    }
    out
}

// ---- code actions ----

/// The quoted names of a message (`name 'lenght' is not defined` gives `lenght`).
fn quoted(message: &str) -> Vec<&str> {
    message.split('\'').skip(1).step_by(2).collect()
}

/// The byte span of the last whole-word `word` inside `span` of `text`.
fn find_word(text: &str, span: Span, word: &str) -> Option<Span> {
    let (s, e) = (span.start as usize, (span.end as usize).min(text.len()));
    let hay = text.get(s..e)?;
    hay.match_indices(word)
        .filter(|(i, _)| {
            let before = hay[..*i].chars().next_back();
            let after = hay[i + word.len()..].chars().next();
            let ident = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
            !ident(before) && !ident(after)
        })
        .last()
        .map(|(i, _)| Span::new(s + i, s + i + word.len()))
}

/// Quick fixes for the did-you-mean diagnostics: replace the unknown name with the one the
/// diagnostic suggests.
// `WorkspaceEdit::changes` is keyed by `Uri` (see `server.rs`).
#[allow(clippy::mutable_key_type)]
pub(crate) fn code_actions(
    uri: &Uri,
    text: &str,
    diagnostics: &[Diagnostic],
) -> Vec<CodeActionOrCommand> {
    let lines = LineIndex::new(text);
    let mut out = Vec::new();
    for d in diagnostics {
        let suggestion = d
            .data
            .as_ref()
            .and_then(|v| v.get("suggestion"))
            .and_then(|s| s.as_str())
            .map(str::to_string)
            .or_else(|| super::diagnostics::suggestion_of(&d.message));
        let Some(suggestion) = suggestion else {
            continue;
        };
        let span = Span::new(
            lines.offset(text, d.range.start),
            lines.offset(text, d.range.end),
        );
        let first_line = d.message.lines().next().unwrap_or("");
        let Some(found) = quoted(first_line)
            .into_iter()
            .rev()
            .filter(|w| *w != suggestion)
            .find_map(|w| find_word(text, span, w).map(|s| (w, s)))
        else {
            continue;
        };
        let (wrong, at) = found;
        let edit = TextEdit {
            range: lines.range(text, at),
            new_text: suggestion.clone(),
        };
        out.push(CodeActionOrCommand::CodeAction(CodeAction {
            title: format!("Replace '{wrong}' with '{suggestion}'"),
            kind: Some(CodeActionKind::QUICKFIX),
            diagnostics: Some(vec![d.clone()]),
            edit: Some(WorkspaceEdit {
                changes: Some(HashMap::from([(uri.clone(), vec![edit])])),
                ..WorkspaceEdit::default()
            }),
            is_preferred: Some(true),
            ..CodeAction::default()
        }));
    }
    out
}

// ---- code lens ----

/// "show enhanced version" above each `@poet` function whose store holds a version (its
/// command opens `code.na`); a lens saying why there is none otherwise.
pub(crate) fn code_lenses(a: &Analysis) -> Vec<CodeLens> {
    let mut out = Vec::new();
    for d in a.index.defs.iter().filter(|d| is_poet(d)) {
        let range = a.lines.range(&a.text, d.span);
        let command = match poet::lookup(&a.path, d.name.as_str()) {
            PoetInfo::Stored(s) => match path_uri(&s.code) {
                Some(uri) => Command {
                    title: format!("show enhanced version (v{})", s.version),
                    command: SHOW_ENHANCED.into(),
                    arguments: Some(vec![serde_json::Value::String(uri.as_str().to_string())]),
                },
                None => continue,
            },
            PoetInfo::Missing(why) => Command {
                title: format!("POET: {why}"),
                command: String::new(),
                arguments: None,
            },
        };
        out.push(CodeLens {
            range,
            command: Some(command),
            data: None,
        });
    }
    out
}
