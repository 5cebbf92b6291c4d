//! Examples in a decorated function's docstring (POET_SPEC §4, "The oracle"), doctest style:
//! a line `>>> f(2)` (the function called with Dana literals or expressions), then the
//! expected answer's repr on the next line (`4`). Several may follow one another.
//!
//! This module only reads the text: it finds the examples and reports those that do not parse
//! (what `dana check` shows); the trial run evaluates them ([`crate::make::trial`]).

use dana_grammar::ast::{ArgKind, ExprKind};

/// One example: the call and the expected answer, as written.
#[derive(Clone, Debug, PartialEq)]
pub struct Example {
    /// 1-based line of the `>>>` line within the docstring.
    pub line: usize,
    /// The call's text: `f(2)`.
    pub call: String,
    /// The positional arguments' texts.
    pub args: Vec<String>,
    /// The keyword arguments: name and text.
    pub kwargs: Vec<(String, String)>,
    /// The expected answer's text: `4`.
    pub expected: String,
}

/// An example that cannot be used, with the docstring line it starts on (1-based).
#[derive(Clone, Debug, PartialEq)]
pub struct ExampleError {
    pub line: usize,
    pub message: String,
}

/// At most this many examples are read from one docstring.
pub const MAX_EXAMPLES: usize = 20;

/// The examples of `doc` for the function `name`, and the problems of those that do not
/// parse (a call that is not a call of `name`, an argument or an answer that is not a Dana
/// expression, a `>>>` line without an answer after it).
pub fn parse(doc: &str, name: &str) -> (Vec<Example>, Vec<ExampleError>) {
    let lines: Vec<&str> = doc.lines().collect();
    let mut examples = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let Some(call) = line.trim_start().strip_prefix(">>>") else {
            continue;
        };
        let call = call.trim();
        let n = i + 1;
        let err = |message: String| ExampleError { line: n, message };
        let expected = lines
            .get(i + 1)
            .map(|l| l.trim())
            .filter(|l| !l.is_empty() && !l.starts_with(">>>"));
        let Some(expected) = expected else {
            errors.push(err(format!(
                "the example '>>> {call}' has no expected answer on the next line"
            )));
            continue;
        };
        match call_parts(call, name) {
            Err(why) => errors.push(err(why)),
            Ok((args, kwargs)) => match dana_grammar::parse_expr(expected) {
                Err(e) => errors.push(err(format!(
                    "the expected answer '{expected}' of the example '>>> {call}' is not a Dana expression: {}",
                    e.message
                ))),
                Ok(_) if examples.len() >= MAX_EXAMPLES => {}
                Ok(_) => examples.push(Example {
                    line: n,
                    call: call.to_string(),
                    args,
                    kwargs,
                    expected: expected.to_string(),
                }),
            },
        }
    }
    (examples, errors)
}

/// The argument texts of a call of `name` (or of a method `x.name`).
#[allow(clippy::type_complexity)]
fn call_parts(call: &str, name: &str) -> Result<(Vec<String>, Vec<(String, String)>), String> {
    let e = dana_grammar::parse_expr(call).map_err(|e| {
        format!(
            "the example '>>> {call}' is not a Dana expression: {}",
            e.message
        )
    })?;
    let not_a_call = || format!("the example '>>> {call}' must be a call of {name}(...)");
    let ExprKind::Call { func, args } = &e.kind else {
        return Err(not_a_call());
    };
    let called = match &func.kind {
        ExprKind::Name { name: n, .. } => n.as_str() == name,
        ExprKind::Attribute { attr, .. } => attr.name.as_str() == name,
        _ => false,
    };
    if !called {
        return Err(not_a_call());
    }
    let text = |s: dana_grammar::ast::Span| {
        call.get(s.start as usize..s.end as usize)
            .unwrap_or_default()
            .to_string()
    };
    let mut pos = Vec::new();
    let mut kw = Vec::new();
    if let ExprKind::Attribute { value, .. } = &func.kind {
        // A method called on a receiver: the receiver is the first argument.
        pos.push(text(value.span));
    }
    for a in args {
        match &a.kind {
            ArgKind::Positional(x) => pos.push(text(x.span)),
            ArgKind::Keyword(k, x) => kw.push((k.name.as_str().to_string(), text(x.span))),
            ArgKind::Star(_) | ArgKind::StarStar(_) => {
                return Err(format!(
                    "the example '>>> {call}' unpacks arguments (*, **); write them out"
                ))
            }
        }
    }
    Ok((pos, kw))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn examples_are_read_with_their_lines() {
        let doc = "Counts words.\n\n>>> count(\"a b\")\n2\n>>> count(text=\"\")\n0\n";
        let (ex, errs) = parse(doc, "count");
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(ex.len(), 2);
        assert_eq!(
            (ex[0].line, ex[0].args.clone(), ex[0].expected.as_str()),
            (3, vec!["\"a b\"".to_string()], "2")
        );
        assert_eq!(ex[1].kwargs, vec![("text".to_string(), "\"\"".to_string())]);
    }

    #[test]
    fn broken_examples_are_reported_with_their_line() {
        let doc = ">>> count(\"a\"\n1\n>>> other(1)\n1\n>>> count(1)\n\n>>> count(2)\n[1,\n";
        let (ex, errs) = parse(doc, "count");
        assert!(ex.is_empty());
        let got: Vec<(usize, bool)> = errs
            .iter()
            .map(|e| (e.line, e.message.contains("count")))
            .collect();
        assert_eq!(got, vec![(1, true), (3, true), (5, true), (7, true)]);
        assert!(errs[1].message.contains("must be a call of count"));
        assert!(errs[2].message.contains("no expected answer"));
        assert!(errs[3].message.contains("expected answer '[1,'"));
    }

    #[test]
    fn a_method_call_passes_its_receiver_first() {
        let (ex, errs) = parse(">>> Point(x=1, y=2).norm()\n2.0", "norm");
        assert!(errs.is_empty(), "{errs:?}");
        assert_eq!(ex[0].args, vec!["Point(x=1, y=2)".to_string()]);
    }
}
