//! `dana lsp` driven as an editor drives it: the built binary is spawned and spoken to in
//! JSON-RPC over its stdin/stdout (tests/support/lsp_client.rs). Lifecycle, document sync and
//! diagnostics, hover, completion, signature help, definition, references, rename, symbols,
//! quick fixes and POET's code lens; then malformed input, unknown methods, a request before
//! `initialize`, and a client that disappears.

#[path = "support/lsp_client.rs"]
mod lsp_client;
#[path = "support/temp_dir.rs"]
mod temp_dir;

use dana_poet::admin::serde_json::{json, Value};
use dana_poet::store::{rfc3339_now, Metadata, NewVersion, PoetDir};
use lsp_client::{file_uri, pos, LspClient};
use std::path::Path;
use temp_dir::TempDir;

fn workspace(tag: &str, files: &[(&str, &str)]) -> TempDir {
    let tmp = TempDir::new(tag);
    std::fs::write(tmp.0.join("dana.toml"), "").expect("dana.toml");
    for (name, text) in files {
        std::fs::write(tmp.0.join(name), text).expect("write file");
    }
    tmp
}

fn started(tmp: &TempDir) -> LspClient {
    let mut c = LspClient::spawn(&tmp.0);
    c.initialize(&tmp.0);
    c
}

fn labels(items: &Value) -> Vec<String> {
    let items = match items {
        Value::Array(a) => a.clone(),
        other => other["items"].as_array().cloned().unwrap_or_default(),
    };
    items
        .iter()
        .map(|i| i["label"].as_str().unwrap_or("").to_string())
        .collect()
}

fn at(uri: &str, p: Value) -> Value {
    json!({"textDocument": {"uri": uri}, "position": p})
}

#[test]
fn initialize_announces_the_capabilities_and_shutdown_exits_zero() {
    let tmp = workspace("lsp-init", &[]);
    let mut c = LspClient::spawn(&tmp.0);
    let r = c.initialize(&tmp.0);
    let caps = &r["capabilities"];
    assert_eq!(r["serverInfo"]["name"], "dana");
    // Incremental sync.
    assert_eq!(caps["textDocumentSync"]["change"], 2);
    for cap in [
        "hoverProvider",
        "definitionProvider",
        "referencesProvider",
        "renameProvider",
        "documentSymbolProvider",
    ] {
        assert_eq!(caps[cap], true, "{cap}");
    }
    assert_eq!(
        caps["completionProvider"]["triggerCharacters"],
        json!(["."])
    );
    assert_eq!(caps["documentFormattingProvider"], true);
    let legend = &caps["semanticTokensProvider"]["legend"]["tokenTypes"];
    assert!(legend
        .as_array()
        .is_some_and(|l| l.contains(&json!("keyword"))));
    let (status, stderr) = c.shutdown();
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn diagnostics_follow_incremental_edits_in_utf16() {
    let text = "greeting = \"héllo 𝄞\" + nmae\nprint(greeting)\n";
    let tmp = workspace("lsp-diag", &[]);
    let path = tmp.0.join("main.na");
    let mut c = started(&tmp);
    let uri = c.open(&path, text);
    let diags = c.diagnostics(&uri, 1);
    assert_eq!(diags.len(), 1, "{diags:?}");
    let d = &diags[0];
    assert_eq!(d["code"], "undefined-name");
    assert_eq!(d["severity"], 1);
    // `nmae` starts after 'é' (1 unit) and '𝄞' (2 units): column 24 in UTF-16 code units
    // (23 in characters, 28 in bytes).
    assert_eq!(d["range"]["start"], pos(text, "nmae", 0));
    assert_eq!(d["range"]["start"]["character"], 24);
    assert_eq!(d["range"]["end"]["character"], 28);
    // Replace `nmae` by `"!"` with a ranged edit: the error goes away.
    let start = pos(text, "nmae", 0);
    let end = pos(text, "nmae", 4);
    c.notify(
        "textDocument/didChange",
        json!({
            "textDocument": {"uri": uri, "version": 2},
            "contentChanges": [{"range": {"start": start, "end": end}, "text": "\"!\""}],
        }),
    );
    assert_eq!(c.diagnostics(&uri, 2), Vec::<Value>::new());
    // A syntax error is reported at its place.
    c.notify(
        "textDocument/didChange",
        json!({
            "textDocument": {"uri": uri, "version": 3},
            "contentChanges": [{"text": "def f(:\n"}],
        }),
    );
    let diags = c.diagnostics(&uri, 3);
    assert_eq!(diags[0]["code"], "syntax", "{diags:?}");
    assert_eq!(diags[0]["range"]["start"]["line"], 0);
    c.shutdown();
}

#[test]
fn a_burst_of_changes_publishes_nothing_stale() {
    let tmp = workspace("lsp-stale", &[]);
    let mut c = started(&tmp);
    let uri = c.open(&tmp.0.join("main.na"), "x = 1\n");
    c.diagnostics(&uri, 1);
    // Versions 2..=30, each naming another undefined variable; the last one is clean.
    for v in 2..=30 {
        let text = if v == 30 {
            "x = 1\nprint(x)\n".to_string()
        } else {
            format!("x = 1\nprint(missing_{v})\n")
        };
        c.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": v}, "contentChanges": [{"text": text}]}),
        );
    }
    assert_eq!(c.diagnostics(&uri, 30), Vec::<Value>::new());
    // A request after the last result: anything published before it is in the backlog now.
    c.result(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": uri}}),
    );
    let published: Vec<i64> = c
        .backlog
        .iter()
        .filter(|m| m["method"] == "textDocument/publishDiagnostics")
        .filter_map(|m| m["params"]["version"].as_i64())
        .collect();
    // Nothing older than version 30 arrives after it, and every result matches its version.
    assert!(published.iter().all(|&v| v >= 30), "{published:?}");
    for m in &c.backlog {
        if let Some(v) = m["params"]["version"].as_i64() {
            for d in m["params"]["diagnostics"].as_array().into_iter().flatten() {
                let msg = d["message"].as_str().unwrap_or("");
                assert!(msg.contains(&format!("missing_{v}'")), "{msg} for v{v}");
            }
        }
    }
    c.shutdown();
}

const SHAPES: &str = "\
import math
from geometry import area

struct Point:
    x: int
    y: int

def norm(p: Point) -> float:
    \"\"\"The distance from the origin.\"\"\"
    total = p.x * p.x + p.y * p.y
    return math.sqrt(total)

def describe(p: Point, label: str = \"pt\") -> str:
    words = [\"a\", \"b\"]
    name = label.upper()
    return name + str(norm(p)) + str(area(2))

origin = Point(x=0, y=0)
";

const GEOMETRY: &str = "\
def area(r: float) -> float:
    \"\"\"The area of a circle of radius r.\"\"\"
    return 3.14 * r * r

def ring(a: float, b: float) -> float:
    return area(a) - area(b)
";

#[test]
fn hover_shows_inferred_types_and_docstrings() {
    let tmp = workspace("lsp-hover", &[("geometry.na", GEOMETRY)]);
    let mut c = started(&tmp);
    let uri = c.open(&tmp.0.join("shapes.na"), SHAPES);
    let hover = |c: &mut LspClient, needle: &str, plus: usize| -> String {
        let r = c.result("textDocument/hover", at(&uri, pos(SHAPES, needle, plus)));
        r["contents"]["value"].as_str().unwrap_or("").to_string()
    };
    let words = hover(&mut c, "words =", 1);
    assert!(words.contains("words: list[str]"), "{words}");
    let p = hover(&mut c, "p.x * p.x", 0);
    assert!(p.contains("(parameter) p: Point"), "{p}");
    let f = hover(&mut c, "norm(p))", 1);
    assert!(f.contains("def norm(p: Point) -> float"), "{f}");
    assert!(f.contains("The distance from the origin."), "{f}");
    let name = hover(&mut c, "name = label", 0);
    assert!(name.contains("name: str"), "{name}");
    let field = hover(&mut c, "p.y * p.y", 2);
    assert!(field.contains("int"), "{field}");
    let st = hover(&mut c, "struct Point", 8);
    assert!(st.contains("struct Point") && st.contains("x: int"), "{st}");
    // A function of another module: its signature and docstring from that file.
    let area = hover(&mut c, "area(2)", 1);
    assert!(area.contains("def area(r: float) -> float"), "{area}");
    assert!(area.contains("The area of a circle of radius r."), "{area}");
    // A standard module's function: its type.
    let sqrt = hover(&mut c, "sqrt(total)", 1);
    assert!(
        sqrt.contains("sqrt: function(") && sqrt.contains("-> float"),
        "{sqrt}"
    );
    c.shutdown();
}

#[test]
fn completion_offers_scope_fields_methods_modules_and_keywords() {
    let tmp = workspace("lsp-complete", &[("geometry.na", GEOMETRY)]);
    let mut c = started(&tmp);
    let uri = c.open(&tmp.0.join("shapes.na"), SHAPES);
    // Names in scope (parameters, locals, module names), builtins and keywords.
    let inside = pos(SHAPES, "    return name +", 4);
    let names = labels(&c.result("textDocument/completion", at(&uri, inside)));
    for want in [
        "p", "label", "words", "name", "norm", "Point", "origin", "math", "len", "return",
    ] {
        assert!(names.iter().any(|n| n == want), "{want} in {names:?}");
    }
    // While typing `origin.` (the line does not parse yet): the struct's fields.
    let typed = format!("{SHAPES}origin.\n");
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": typed}]}),
    );
    let after = pos(&typed, "origin.\n", 7);
    let fields = labels(&c.result("textDocument/completion", at(&uri, after)));
    assert_eq!(fields, ["x", "y"]);
    // Builtin-value methods (`label` is a str), module members.
    for (version, line, want, not) in [
        (3, "label.", "upper", "append"),
        (4, "words.", "append", "upper"),
        (5, "math.", "sqrt", "append"),
    ] {
        let typed = SHAPES.replace(
            "    return name +",
            &format!("    {line}\n    return name +"),
        );
        c.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [{"text": typed}]}),
        );
        let p = pos(&typed, &format!("    {line}\n"), 4 + line.len());
        let got = labels(&c.result("textDocument/completion", at(&uri, p)));
        assert!(
            got.iter().any(|n| n == want),
            "{want} after {line}: {got:?}"
        );
        assert!(!got.iter().any(|n| n == not), "{not} after {line}: {got:?}");
    }
    c.shutdown();
}

#[test]
fn signature_help_and_document_symbols() {
    let tmp = workspace("lsp-sig", &[("geometry.na", GEOMETRY)]);
    let mut c = started(&tmp);
    let uri = c.open(&tmp.0.join("shapes.na"), SHAPES);
    let symbols = c.result(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": uri}}),
    );
    let names: Vec<&str> = symbols
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Point", "norm", "describe", "origin"]);
    let point = &symbols[0];
    assert_eq!(point["kind"], 23); // Struct
    let fields: Vec<&str> = point["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["x", "y"]);
    // While the call is being typed (the file does not parse).
    let typed = format!("{SHAPES}describe(origin, ");
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 2}, "contentChanges": [{"text": typed}]}),
    );
    let p = pos(&typed, "describe(origin, ", 17);
    let help = c.result("textDocument/signatureHelp", at(&uri, p));
    assert_eq!(
        help["signatures"][0]["label"],
        "describe(p: Point, label: str = …) -> str"
    );
    assert_eq!(help["activeParameter"], 1);
    // The struct's constructor takes its fields.
    let typed = format!("{SHAPES}Point(1, ");
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": uri, "version": 3}, "contentChanges": [{"text": typed}]}),
    );
    let p = pos(&typed, "Point(1, ", 9);
    let help = c.result("textDocument/signatureHelp", at(&uri, p));
    assert_eq!(
        help["signatures"][0]["label"],
        "Point(x: int, y: int) -> Point"
    );
    c.shutdown();
}

#[test]
fn definition_and_references_cross_modules() {
    let tmp = workspace("lsp-nav", &[("geometry.na", GEOMETRY)]);
    let user = "import geometry\n\nprint(geometry.area(1.0) + geometry.ring(2.0, 1.0))\n";
    std::fs::write(tmp.0.join("user.na"), user).unwrap();
    let mut c = started(&tmp);
    let uri = c.open(&tmp.0.join("shapes.na"), SHAPES);
    let geo = file_uri(&tmp.0.join("geometry.na"));
    // `area(2)` in shapes.na (imported with `from geometry import area`) → geometry.na.
    let def = c.result(
        "textDocument/definition",
        at(&uri, pos(SHAPES, "area(2)", 1)),
    );
    assert_eq!(def[0]["uri"], geo.as_str());
    assert_eq!(def[0]["range"]["start"], json!({"line": 0, "character": 4}));
    // A local: `total` → its assignment.
    let def = c.result(
        "textDocument/definition",
        at(&uri, pos(SHAPES, "sqrt(total)", 6)),
    );
    assert_eq!(def[0]["range"]["start"], pos(SHAPES, "total =", 0));
    // A field through the checker's type of `p`.
    let def = c.result(
        "textDocument/definition",
        at(&uri, pos(SHAPES, "p.y * p.y", 2)),
    );
    assert_eq!(def[0]["range"]["start"], pos(SHAPES, "y: int", 0));
    // References of `area`: its definition and the two uses in geometry.na, the import and
    // the call in shapes.na, the attribute in user.na.
    let refs = c.result(
        "textDocument/references",
        json!({"textDocument": {"uri": uri}, "position": pos(SHAPES, "area(2)", 0),
               "context": {"includeDeclaration": true}}),
    );
    let mut found: Vec<(String, u64)> = refs
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            let u = l["uri"].as_str().unwrap();
            let file = u.rsplit('/').next().unwrap().to_string();
            (file, l["range"]["start"]["line"].as_u64().unwrap())
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            ("geometry.na".to_string(), 0),
            ("geometry.na".to_string(), 5),
            ("geometry.na".to_string(), 5),
            ("shapes.na".to_string(), 1),
            ("shapes.na".to_string(), 15),
            ("user.na".to_string(), 2),
        ]
    );
    c.shutdown();
}

#[test]
fn rename_a_function_across_modules_and_a_local() {
    let tmp = workspace("lsp-rename", &[("geometry.na", GEOMETRY)]);
    let mut c = started(&tmp);
    let uri = c.open(&tmp.0.join("shapes.na"), SHAPES);
    let geo = file_uri(&tmp.0.join("geometry.na"));
    let edit = c.result(
        "textDocument/rename",
        json!({"textDocument": {"uri": uri}, "position": pos(SHAPES, "area(2)", 0), "newName": "disc_area"}),
    );
    let changes = edit["changes"].as_object().unwrap();
    assert_eq!(changes[&uri].as_array().unwrap().len(), 2);
    assert_eq!(changes[geo.as_str()].as_array().unwrap().len(), 3);
    assert!(changes
        .values()
        .flat_map(|v| v.as_array().unwrap())
        .all(|e| e["newText"] == "disc_area"));
    // A local: only inside its function.
    let edit = c.result(
        "textDocument/rename",
        json!({"textDocument": {"uri": uri}, "position": pos(SHAPES, "total =", 0), "newName": "sq"}),
    );
    let edits = edit["changes"][&uri].as_array().unwrap();
    let lines: Vec<u64> = edits
        .iter()
        .map(|e| e["range"]["start"]["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, [9, 10]);
    // Not a name.
    let bad = c.request(
        "textDocument/rename",
        json!({"textDocument": {"uri": uri}, "position": pos(SHAPES, "total =", 0), "newName": "2x"}),
    );
    assert_eq!(bad["error"]["code"], -32602, "{bad}");
    assert!(bad["error"]["message"]
        .as_str()
        .unwrap()
        .contains("'2x' is not a valid name"));
    c.shutdown();
}

#[test]
fn did_you_mean_diagnostics_come_with_a_quick_fix() {
    let text = "def total(items: list) -> int:\n    return len(items)\n\nprint(totl([1]))\n";
    let tmp = workspace("lsp-fix", &[]);
    let mut c = started(&tmp);
    let uri = c.open(&tmp.0.join("main.na"), text);
    let diags = c.diagnostics(&uri, 1);
    assert_eq!(diags.len(), 1, "{diags:?}");
    let actions = c.result(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri}, "range": diags[0]["range"], "context": {"diagnostics": diags}}),
    );
    let a = &actions[0];
    assert_eq!(a["title"], "Replace 'totl' with 'total'");
    assert_eq!(a["kind"], "quickfix");
    let e = &a["edit"]["changes"][&uri][0];
    assert_eq!(e["newText"], "total");
    assert_eq!(e["range"]["start"], pos(text, "totl", 0));
    assert_eq!(e["range"]["end"], pos(text, "totl", 4));
    // A struct field and a keyword argument: the fix replaces only the wrong name.
    let text = "struct Pet:\n    name: str\n\npet = Pet(nmae=\"Rex\")\nprint(pet.nmae)\n";
    let uri = c.open(&tmp.0.join("pets.na"), text);
    let diags = c.diagnostics(&uri, 1);
    // The missing field (no suggestion), the unknown keyword, the unknown attribute.
    assert_eq!(diags.len(), 3, "{diags:?}");
    let actions = c.result(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": uri},
               "range": {"start": {"line": 0, "character": 0}, "end": {"line": 5, "character": 0}},
               "context": {"diagnostics": diags}}),
    );
    let edits: Vec<(String, Value)> = actions
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let e = &a["edit"]["changes"][&uri][0];
            (
                e["newText"].as_str().unwrap().to_string(),
                e["range"]["start"].clone(),
            )
        })
        .collect();
    assert_eq!(
        edits,
        [
            ("name".to_string(), pos(text, "nmae=", 0)),
            ("name".to_string(), pos(text, "pet.nmae", 4)),
        ]
    );
    c.shutdown();
}

fn store_version(poet: &Path) {
    let dir = PoetDir::new(poet);
    let f = dir.function("classify").expect("name");
    let lock = f.lock().expect("lock");
    let code = "def operate(text: str) -> str:\n    return text.lower()\n";
    f.create(
        &lock,
        NewVersion {
            code: code.into(),
            params: json!({}),
            state: json!({"calls": 7, "failures": 1}),
            metadata: Metadata {
                version: 0,
                created_at: rfc3339_now(),
                generator: "offline".into(),
                domain: "text".into(),
                template_version: 2,
                source_hash: PoetDir::sha256_hex(&["x"]),
                cache_key: PoetDir::sha256_hex(&["k"]),
                parent: None,
                reason: "first".into(),
                validation: json!({"passed": true}),
            },
        },
    )
    .expect("create");
}

const POET_FILE: &str = "\
@poet(domain=\"text\")
def classify(text: str) -> str:
    \"\"\"A label for the text.\"\"\"
    return text

@poet()
def other(x: int) -> int:
    return x
";

#[test]
fn poet_functions_show_their_stored_version_and_a_code_lens() {
    let tmp = workspace("lsp-poet", &[]);
    store_version(&tmp.poet());
    let mut c = started(&tmp);
    let uri = c.open(&tmp.0.join("app.na"), POET_FILE);
    let h = c.result(
        "textDocument/hover",
        at(&uri, pos(POET_FILE, "classify", 2)),
    );
    let text = h["contents"]["value"].as_str().unwrap();
    assert!(text.contains("current version **v1**"), "{text}");
    assert!(text.contains("generator: offline"), "{text}");
    assert!(
        text.contains("calls = 7") && text.contains("failures = 1"),
        "{text}"
    );
    assert!(text.contains("A label for the text."), "{text}");
    let h = c.result("textDocument/hover", at(&uri, pos(POET_FILE, "other", 1)));
    let text = h["contents"]["value"].as_str().unwrap();
    assert!(text.contains("no enhanced version yet"), "{text}");
    let lenses = c.result(
        "textDocument/codeLens",
        json!({"textDocument": {"uri": uri}}),
    );
    let lenses = lenses.as_array().unwrap();
    assert_eq!(lenses.len(), 2);
    let cmd = &lenses[0]["command"];
    assert_eq!(cmd["title"], "show enhanced version (v1)");
    let code_uri = cmd["arguments"][0].as_str().unwrap().to_string();
    assert!(
        code_uri.ends_with("/.poet/classify/v1/code.na"),
        "{code_uri}"
    );
    // Running the command asks the editor to show code.na.
    let r = c.result(
        "workspace/executeCommand",
        json!({"command": cmd["command"], "arguments": [code_uri]}),
    );
    assert_eq!(r, Value::Null);
    let show = c.wait_for("window/showDocument", |_| true);
    assert_eq!(show["params"]["uri"], code_uri.as_str());
    assert!(show.get("id").is_some());
    c.shutdown();
}

#[test]
fn malformed_input_and_unknown_methods_are_answered_and_the_server_goes_on() {
    let tmp = workspace("lsp-bad", &[]);
    let mut c = LspClient::spawn(&tmp.0);
    // A request before initialize.
    let r = c.request("textDocument/hover", json!({}));
    assert_eq!(r["error"]["code"], -32002, "{r}");
    c.initialize(&tmp.0);
    // A body that is not JSON.
    c.send_raw(b"Content-Length: 9\r\n\r\n{not json");
    let e = c.response(&Value::Null);
    assert_eq!(e["error"]["code"], -32700, "{e}");
    // A header without a length, then one with a bad length.
    c.send_raw(b"Content-Type: x\r\n\r\n");
    let e = c.response(&Value::Null);
    assert!(
        e["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Content-Length"),
        "{e}"
    );
    c.send_raw(b"Content-Length: twelve\r\n\r\n");
    let e = c.response(&Value::Null);
    assert_eq!(e["error"]["code"], -32700, "{e}");
    // An unknown method.
    let r = c.request("textDocument/teleport", json!({}));
    assert_eq!(r["error"]["code"], -32601, "{r}");
    // Bad parameters, and a document that is not open.
    let r = c.request("textDocument/hover", json!({"nonsense": true}));
    assert_eq!(r["error"]["code"], -32602, "{r}");
    let r = c.request(
        "textDocument/hover",
        at("file:///nowhere.na", json!({"line": 0, "character": 0})),
    );
    assert_eq!(r["error"]["code"], -32602, "{r}");
    // Unknown notifications are ignored; the server still answers.
    c.notify("$/somethingNew", json!({}));
    let uri = c.open(&tmp.0.join("a.na"), "x = 1\n");
    let h = c.result(
        "textDocument/hover",
        at(&uri, json!({"line": 0, "character": 0})),
    );
    assert!(
        h["contents"]["value"].as_str().unwrap().contains("x: int"),
        "{h}"
    );
    let (status, stderr) = c.shutdown();
    assert_eq!(status.code(), Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn a_client_that_disappears_ends_the_server_cleanly() {
    let tmp = workspace("lsp-gone", &[]);
    let mut c = started(&tmp);
    c.open(&tmp.0.join("a.na"), "def f(:\n");
    // Stdin closes mid-session, without shutdown or exit.
    let (status, stderr) = c.close();
    assert!(matches!(status.code(), Some(0 | 1)), "{status:?} {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    // Half a message, then gone.
    let mut c = LspClient::spawn(&tmp.0);
    c.send_raw(b"Content-Length: 500\r\n\r\n{\"jsonrpc\"");
    let (status, stderr) = c.close();
    assert!(matches!(status.code(), Some(0 | 1)), "{status:?} {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    // `exit` without `shutdown`: code 1, as the protocol says.
    let mut c = started(&tmp);
    c.notify("exit", Value::Null);
    let (status, _) = c.close();
    assert_eq!(status.code(), Some(1));
}

#[test]
fn semantic_tokens_and_formatting_answer_for_the_open_text() {
    let tmp = workspace("lsp-style", &[]);
    let mut c = LspClient::spawn(&tmp.0);
    let init = c.initialize(&tmp.0);
    let legend = init["capabilities"]["semanticTokensProvider"]["legend"]["tokenTypes"].clone();
    let text = "def f(x):\n    return x+1  # one\n";
    let uri = c.open(&tmp.0.join("app.na"), text);
    let r = c.result(
        "textDocument/semanticTokens/full",
        json!({"textDocument": {"uri": uri}}),
    );
    let data: Vec<u64> = r["data"]
        .as_array()
        .expect("data")
        .iter()
        .map(|n| n.as_u64().expect("number"))
        .collect();
    assert_eq!(data.len() % 5, 0, "{data:?}");
    // Decode the relative groups back to (line, column, length, type).
    let (mut line, mut col) = (0, 0);
    let mut seen = Vec::new();
    for g in data.chunks(5) {
        line += g[0];
        col = if g[0] == 0 { col + g[1] } else { g[1] };
        let kind = legend[g[3] as usize].as_str().expect("type").to_string();
        seen.push((line, col, g[2], kind));
    }
    assert!(seen.contains(&(0, 0, 3, "keyword".into())), "{seen:?}");
    assert!(seen.contains(&(0, 4, 1, "function".into())), "{seen:?}");
    assert!(seen.contains(&(1, 4, 6, "keyword".into())), "{seen:?}");
    assert!(seen.contains(&(1, 13, 1, "number".into())), "{seen:?}");
    assert!(seen.contains(&(1, 16, 5, "comment".into())), "{seen:?}");

    let edits = c.result(
        "textDocument/formatting",
        json!({"textDocument": {"uri": uri}, "options": {"tabSize": 4, "insertSpaces": true}}),
    );
    assert_eq!(edits.as_array().map(Vec::len), Some(1), "{edits}");
    assert_eq!(edits[0]["newText"], "def f(x):\n    return x + 1  # one\n");
    assert_eq!(edits[0]["range"]["end"], json!({"line": 2, "character": 0}));
    let (status, stderr) = c.shutdown();
    assert_eq!(status.code(), Some(0), "{stderr}");
}

#[test]
fn dana_log_debug_shows_each_publications_phases_on_stderr() {
    let tmp = workspace("lsp-log", &[]);
    let path = tmp.0.join("main.na");
    let mut c = LspClient::spawn_with(&tmp.0, &[("DANA_LOG", "debug")]);
    c.initialize(&tmp.0);
    let uri = c.open(&path, "x = 1\nprint(x)\n");
    assert!(c.diagnostics(&uri, 1).is_empty());
    let (status, stderr) = c.shutdown();
    assert_eq!(status.code(), Some(0), "{stderr}");
    let line = stderr
        .lines()
        .find(|l| l.contains("lsp: diagnostics published"))
        .unwrap_or_else(|| panic!("no publication logged:\n{stderr}"));
    for field in [
        "version=1",
        "diagnostics=0",
        "parse_ms=",
        "check_ms=",
        "total_ms=",
    ] {
        assert!(line.contains(field), "{field} missing: {line}");
    }
    // Without DANA_LOG, stderr stays quiet.
    let mut quiet = started(&tmp);
    let uri = quiet.open(&path, "x = 1\n");
    quiet.diagnostics(&uri, 1);
    let (_, stderr) = quiet.shutdown();
    assert!(!stderr.contains("diagnostics published"), "{stderr}");
}
