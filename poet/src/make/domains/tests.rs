//! Tests of the domain templates: globs, type patterns, the generated stages.

use super::*;

fn ann(s: &str) -> TypeAnn {
    TypeAnn::from_ast(&parse_annotation(s).expect(s))
}

#[test]
fn globs() {
    assert!(glob_match("*", "x"));
    assert!(glob_match("*threshold*", "drift_threshold_hi"));
    assert!(glob_match("*_id", "user_id"));
    assert!(!glob_match("*_id", "idx"));
    assert!(glob_match("a?c", "ABC"));
    assert!(!glob_match("a?c", "ac"));
    assert!(glob_match("**a**b", "xxaxxb"));
    assert!(!glob_match("", "a"));
    assert!(glob_match("", ""));
}

#[test]
fn patterns() {
    assert!(pattern_matches("number", &ann("float")));
    assert!(pattern_matches("number", &ann("int | float | None")));
    assert!(!pattern_matches("number", &ann("int | str")));
    assert!(pattern_matches("numbers", &ann("list[float]")));
    assert!(pattern_matches("numbers", &ann("tuple[float, ...]")));
    assert!(!pattern_matches("numbers", &ann("list")));
    assert!(pattern_matches("list", &ann("list[str] | None")));
    assert!(pattern_matches("list[float]", &ann("list[ float ]")));
    assert!(pattern_matches("float", &ann("float | None")));
    assert!(!pattern_matches("float", &ann("int")));
    assert!(pattern_matches("any", &ann("Point")));
    assert!(!pattern_matches("any", &ann("None")));
    assert!(pattern_matches("collection", &ann("dict[str, int]")));
    assert!(pattern_matches(
        "dict[str, float]",
        &ann("dict[str, float]")
    ));
}

/// A user's template over `base`, parsed as a file would be.
fn user(text: &str) -> Result<DomainTemplate, DomainError> {
    parse_template(text, "strict.toml", "/tmp/strict.toml")
}

#[test]
fn generated_stages_are_checked_inherited_and_kept_out_of_old_fingerprints() {
    let t = user("parent = \"base\"\ngenerate = [\"enforce\"]\n").expect("parses");
    assert_eq!(t.generate, vec!["enforce".to_string()]);
    let mut d = Domains::builtin();
    d.templates.insert(t.name.clone(), t);
    let child =
        user("name = \"stricter\"\nparent = \"strict\"\ngenerate = [\"perceive\", \"enforce\"]\n")
            .expect("parses");
    d.templates.insert(child.name.clone(), child);
    let r = d.resolve("stricter").expect("resolves");
    assert_eq!(
        r.generate,
        vec!["enforce".to_string(), "perceive".to_string()]
    );
    // A template that does not use the key has the fingerprint it had before the key existed.
    let base = Domains::builtin().resolve("base").expect("base");
    assert!(base.generate.is_empty());
    let json = serde_json::to_string(&base).expect("json");
    assert!(!json.contains("generate"), "{json}");

    let e = user("generate = [\"enforc\"]\n").expect_err("refused");
    let msg = e.to_string();
    assert!(
        msg.contains("unknown stage 'enforc'") && msg.contains("did you mean 'enforce'?"),
        "{msg}"
    );
    let e = user("generate = [\"operate\"]\n").expect_err("refused");
    assert!(
        e.to_string().contains("`operate` is always generated"),
        "{e}"
    );
}
