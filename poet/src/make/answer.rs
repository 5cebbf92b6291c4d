//! What is done with an LLM's answer before the gate sees it: the code taken from its one
//! fenced block, the cheap certain repairs (the original's name kept with the exact signature
//! → `operate`), the merge with the offline version's checks (the answer's definitions
//! first, so the gate's line numbers point into the answer), and, for a retry, the answer
//! with its failing lines marked. Also the answer's shape for constrained decoding: a GBNF
//! grammar (llama.cpp) and a JSON Schema (`{"code": …}`).

use std::collections::HashSet;

/// The JSON Schema of a code answer for servers that constrain to a schema.
pub fn code_schema() -> serde_json::Value {
    serde_json::json!({
        "type": "object",
        "properties": {"code": {"type": "string", "description": "the Dana code of operate"}},
        "required": ["code"],
        "additionalProperties": false
    })
}

/// A GBNF grammar of the answer: the ```dana fence, exactly `first_line` (the operate line),
/// an indented body of at least one line (blank lines allowed), then `_helper` definitions
/// and the stages of `stage_lines` (each its exact first line and a body), and the closing
/// fence.
pub fn grammar(first_line: &str, stage_lines: &[String]) -> String {
    let mut g = format!(
        "root ::= \"```dana\\n\" {sig} \"\\n\" body \"```\"\n\
         body ::= line+ part*\n\
         line ::= \"    \" [^\\n]* \"\\n\" | \"\\n\"\n\
         helper ::= \"def _\" [a-zA-Z0-9_]+ \"(\" [^\\n]* \"\\n\" line+\n",
        sig = gbnf_literal(first_line)
    );
    if stage_lines.is_empty() {
        g.push_str("part ::= helper\n");
    } else {
        let heads: Vec<String> = stage_lines.iter().map(|l| gbnf_literal(l)).collect();
        g.push_str(&format!(
            "part ::= helper | stage\nstage ::= ({}) \"\\n\" line+\n",
            heads.join(" | ")
        ));
    }
    g
}

/// `text` as a GBNF string literal.
fn gbnf_literal(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The `code` of a JSON answer `{"code": "…"}`.
fn json_code(answer: &str) -> Option<String> {
    let t = answer.trim();
    if !t.starts_with('{') {
        return None;
    }
    let j: serde_json::Value = serde_json::from_str(t).ok()?;
    j.get("code")?.as_str().map(str::to_string)
}

/// The cheap, certain repair: an answer that defines no `operate` but a function with the
/// exact signature of `operate` under another name (usually the original's) gets it renamed.
/// The note says what was changed, for the attempt's record.
pub fn repair(code: &str, operate_line: &str) -> (String, Option<String>) {
    let defines = |name: &str| top_level_defs(code).iter().any(|d| d == name);
    if defines("operate") {
        return (code.to_string(), None);
    }
    let tail = operate_line.trim_start_matches("def operate");
    let mut renamed = None;
    let lines: Vec<String> = code
        .lines()
        .map(|l| {
            if renamed.is_none() {
                if let Some(rest) = l.strip_prefix("def ") {
                    if let Some(i) = rest.find('(') {
                        let name = &rest[..i];
                        if !name.starts_with('_') && rest[i..].trim_end() == tail {
                            renamed = Some(name.to_string());
                            return format!("def operate{}", &rest[i..]);
                        }
                    }
                }
            }
            l.to_string()
        })
        .collect();
    match renamed {
        Some(name) => {
            let mut out = lines.join("\n");
            out.push('\n');
            (
                out,
                Some(format!("renamed `{name}` to `operate` (same signature)")),
            )
        }
        None => (code.to_string(), None),
    }
}

/// The names defined by `def` at the top level of `code`.
fn top_level_defs(code: &str) -> Vec<String> {
    code.lines()
        .filter_map(|l| l.strip_prefix("def "))
        .filter_map(|rest| rest.find('(').map(|i| rest[..i].trim().to_string()))
        .collect()
}

/// The module to validate: the answer first, then the offline version without the
/// definitions the answer gives itself (its `operate` always). The answer's lines keep their
/// numbers, so the gate's diagnostics point into the answer.
pub fn merge(answer: &str, offline: &str) -> String {
    let mut own: HashSet<String> = top_level_defs(answer).into_iter().collect();
    own.insert("operate".into());
    let mut out = answer.trim_end().to_string();
    out.push_str("\n\n\n# The offline version's checks (perceive, enforce, train) and helpers.\n");
    let mut skipping = false;
    for l in offline.lines() {
        let top = !l.is_empty() && !l.starts_with([' ', '\t']);
        if top {
            skipping = l
                .strip_prefix("def ")
                .and_then(|r| r.find('(').map(|i| r[..i].trim().to_string()))
                .is_some_and(|n| own.contains(&n));
        }
        if !skipping {
            out.push_str(l);
            out.push('\n');
        }
    }
    out
}

/// The line numbers `problems` name (`code.na:3:5: …`, `3:5: …`, `line 3`).
fn lines_named(problems: &[String]) -> HashSet<usize> {
    let mut out = HashSet::new();
    for p in problems {
        let mut rest = p.as_str();
        if let Some(i) = rest.find("code.na:") {
            rest = &rest[i + "code.na:".len()..];
        } else if let Some(i) = rest.find("line ") {
            rest = &rest[i + "line ".len()..];
        }
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        if let Ok(n) = digits.parse() {
            out.insert(n);
        }
    }
    out
}

/// `code` with numbered lines, the ones `problems` name marked `>>`.
pub fn mark_lines(code: &str, problems: &[String]) -> String {
    let bad = lines_named(problems);
    let mut out = String::new();
    for (i, l) in code.lines().enumerate() {
        let n = i + 1;
        let mark = if bad.contains(&n) { ">>" } else { "  " };
        out.push_str(&format!("{mark}{n:>3} | {l}\n"));
    }
    out
}

/// Finds the code in an answer: its one fenced block (```dana, ```na, ```python or bare; a
/// JSON answer `{"code": …}` from a schema-constrained server is unwrapped first);
/// an answer without a fence is taken whole. Text around the block is ignored, and so are
/// blocks in other languages (```json, ```text). An answer with two or more code blocks is
/// refused, since which one was meant to run would be a guess; so is one whose only block is
/// empty. The error is the precise reason, for the attempt's record and the retry prompt.
pub fn extract_code(answer: &str) -> Result<String, String> {
    // A JSON-constrained answer: `{"code": "…"}`.
    if let Some(code) = json_code(answer) {
        return extract_code(&code);
    }
    #[derive(PartialEq)]
    enum At {
        Outside,
        /// Inside a block in another language (skipped).
        Foreign,
        Code,
    }
    let mut at = At::Outside;
    let mut code = String::new();
    // (first line of the block, its code) of every non-empty code block.
    let mut blocks: Vec<(usize, String)> = Vec::new();
    let mut empty_blocks = 0usize;
    let mut opened_at = 0usize;
    for (n, l) in answer.lines().enumerate() {
        let fence = l.trim_start().strip_prefix("```");
        match (&at, fence) {
            (At::Outside, Some(label)) => {
                let label = label.trim().to_ascii_lowercase();
                at = if label.is_empty() || ["dana", "na", "python", "py"].contains(&label.as_str())
                {
                    opened_at = n + 1;
                    At::Code
                } else {
                    At::Foreign
                };
            }
            (At::Foreign, Some(_)) => at = At::Outside,
            (At::Code, Some(_)) => {
                if code.trim().is_empty() {
                    empty_blocks += 1;
                } else {
                    blocks.push((opened_at, std::mem::take(&mut code)));
                }
                code.clear();
                at = At::Outside;
            }
            (At::Code, None) => {
                code.push_str(l);
                code.push('\n');
            }
            _ => {}
        }
    }
    if at == At::Code && !code.trim().is_empty() {
        // An unterminated fence (a cut-off answer): the gate decides whether it parses.
        blocks.push((opened_at, code));
    }
    match blocks.len() {
        1 => Ok(blocks.pop().map(|(_, c)| c).unwrap_or_default()),
        0 if answer.contains("```") => Err(if empty_blocks > 0 {
            "the answer's code block is empty".to_string()
        } else {
            "the answer contains no ```dana code block".to_string()
        }),
        0 => {
            let whole = answer.trim();
            if whole.is_empty() {
                Err("the answer is empty".to_string())
            } else {
                Ok(format!("{whole}\n"))
            }
        }
        n => {
            let lines: Vec<String> = blocks.iter().map(|(l, _)| l.to_string()).collect();
            Err(format!(
                "the answer holds {n} code blocks (opening at lines {}); it must hold exactly \
                 one ```dana block with the whole module",
                lines.join(", ")
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_is_taken_from_the_one_fence() {
        let a = "Here it is:\n```dana\ndef operate(x: int) -> int:\n    return x\n```\nBye";
        assert_eq!(
            extract_code(a).unwrap(),
            "def operate(x: int) -> int:\n    return x\n"
        );
        let py = "```python\ndef operate():\n    pass\n```";
        assert!(extract_code(py).unwrap().starts_with("def operate"));
        assert_eq!(
            extract_code("def f():\n    pass").unwrap(),
            "def f():\n    pass\n"
        );
        assert_eq!(
            extract_code("```dana\n\n```").unwrap_err(),
            "the answer's code block is empty"
        );
        assert_eq!(extract_code("   ").unwrap_err(), "the answer is empty");
        // A block in another language is skipped.
        let mixed = "```json\n{}\n```\n```dana\ndef operate():\n    pass\n```";
        assert!(extract_code(mixed).unwrap().starts_with("def operate"));
        // Cut off before the closing fence.
        assert!(extract_code("```dana\ndef operate():\n    pass\n").is_ok());
        assert!(extract_code("```json\n{}\n```")
            .unwrap_err()
            .contains("no ```dana code block"));
    }

    #[test]
    fn two_code_blocks_are_refused_with_their_lines() {
        let two = "```dana\ndef operate(x: int) -> int:\n    return x\n```\nor better:\n\
                   ```dana\ndef operate(x: int) -> int:\n    return x + 1\n```";
        let e = extract_code(two).unwrap_err();
        assert!(
            e.contains("2 code blocks") && e.contains("lines 1, 6"),
            "{e}"
        );
        assert!(e.contains("exactly one"), "{e}");
        // A bare fence counts as code too, and so does a cut-off second block.
        let bare = "```\ndef operate():\n    pass\n```\n```dana\ndef operate():\n    pass\n";
        assert!(extract_code(bare).unwrap_err().contains("2 code blocks"));
        // An empty extra block does not make the answer ambiguous.
        let with_empty = "```dana\n```\n```dana\ndef operate():\n    pass\n```";
        assert!(extract_code(with_empty).is_ok());
    }

    #[test]
    fn a_json_answer_is_unwrapped() {
        let a = r#"{"code": "```dana\ndef operate(x: int) -> int:\n    return x\n```"}"#;
        assert_eq!(
            extract_code(a).unwrap(),
            "def operate(x: int) -> int:\n    return x\n"
        );
    }

    #[test]
    fn the_original_name_with_the_exact_signature_is_renamed() {
        let line = "def operate(a: int, b: int = 2) -> int:";
        let (code, note) = repair(
            "def add(a: int, b: int = 2) -> int:\n    return a + b\n",
            line,
        );
        assert!(
            code.starts_with("def operate(a: int, b: int = 2) -> int:"),
            "{code}"
        );
        assert!(note.unwrap_or_default().contains("`add`"));
        // Another signature, a helper, or an operate already there: left alone.
        for keep in [
            "def add(a: int) -> int:\n    return a\n",
            "def _add(a: int, b: int = 2) -> int:\n    return a\n",
            "def operate(a: int, b: int = 2) -> int:\n    return a\ndef add(a: int, b: int = 2) -> int:\n    return 1\n",
        ] {
            let (code, note) = repair(keep, line);
            assert_eq!((code.as_str(), note), (keep, None));
        }
    }

    #[test]
    fn the_answer_comes_first_and_replaces_the_offline_definitions() {
        let offline = "# header\ndef perceive(x: int) -> dict:\n    return {\"x\": x}\n\n\
                       def operate(x: int) -> int:\n    return x\n\n\
                       def enforce(result: int, x: int) -> int:\n    return result\n";
        let m = merge("def operate(x: int) -> int:\n    return x + 0\n", offline);
        assert!(
            m.starts_with("def operate(x: int) -> int:\n    return x + 0\n"),
            "{m}"
        );
        assert_eq!(m.matches("def operate").count(), 1, "{m}");
        assert!(
            m.contains("def perceive") && m.contains("def enforce"),
            "{m}"
        );
        let own = merge("def operate(x: int) -> int:\n    return x\ndef enforce(result: int, x: int) -> int:\n    return 0\n", offline);
        assert_eq!(own.matches("def enforce").count(), 1, "{own}");
        assert!(own.contains("return 0"), "{own}");
    }

    #[test]
    fn failing_lines_are_marked() {
        let code = "def operate(x: int) -> int:\n    y = (x +\n    return y\n";
        let m = mark_lines(code, &["code.na:2:9: error: unexpected end".into()]);
        assert!(m.contains(">>  2 |     y = (x +"), "{m}");
        assert!(m.contains("    1 | def operate"), "{m}");
        assert!(mark_lines(code, &["2:9: bad".into()]).contains(">>  2"));
    }

    #[test]
    fn the_grammar_pins_the_exact_first_line() {
        let g = grammar("def operate(s: str = \"a\\b\") -> str:", &[]);
        assert!(
            g.starts_with(
                "root ::= \"```dana\\n\" \"def operate(s: str = \\\"a\\\\b\\\") -> str:\""
            ),
            "{g}"
        );
        assert!(g.contains("line ::= \"    \""), "{g}");
        assert!(
            g.contains("part ::= helper\n") && !g.contains("stage"),
            "{g}"
        );
    }

    #[test]
    fn the_grammar_allows_the_domains_extra_stages_by_their_exact_lines() {
        let g = grammar(
            "def operate(x: int) -> int:",
            &["def enforce(result: int, x: int) -> int:".to_string()],
        );
        assert!(g.contains("part ::= helper | stage\n"), "{g}");
        assert!(
            g.contains("stage ::= (\"def enforce(result: int, x: int) -> int:\") \"\\n\" line+"),
            "{g}"
        );
    }
}
