//! Domain templates: every built-in one loads and resolves, inheritance, user folders that
//! override and extend, and the errors of cycles, unknown parents and malformed files.

use dana_poet::make::domains::{DomainError, Domains};
use dana_poet::make::offline::enhance;
use dana_poet::make::shape::FunctionShape;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

#[path = "support/offline_kit.rs"]
#[allow(dead_code)]
mod kit;
use kit::*;

// ---- templates ----

#[test]
fn every_builtin_template_loads_and_resolves() {
    let d = domains();
    assert_eq!(d.names().len(), DOMAINS.len());
    for name in DOMAINS {
        let t = d.resolve(name).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(t.name, *name);
        assert!(!t.description.is_empty());
        assert!(!t.requirements.operate.is_empty(), "{name}");
        assert_eq!(t.fingerprint.len(), 16);
        if *name != "base" {
            assert_eq!(t.parent.as_deref(), Some("base"));
            assert_eq!(t.chain, vec!["base".to_string(), name.to_string()]);
            assert!(
                !t.input_rules.is_empty() && !t.output_rules.is_empty(),
                "{name}"
            );
        }
    }
    // Loading with no extra folder, or one that does not exist, gives the built-in set.
    let loaded = Domains::load(&[PathBuf::from("/nonexistent/poet/domains")]).unwrap();
    assert_eq!(loaded.names(), d.names());
}

#[test]
fn inheritance_merges_the_parent_first() {
    let d = domains();
    let base = d.resolve("base").unwrap();
    let ml = d.resolve("ml_monitoring").unwrap();
    assert_eq!(ml.version, base.version + 1);
    assert_eq!(
        ml.requirements.perceive[..base.requirements.perceive.len()],
        base.requirements.perceive[..]
    );
    assert!(ml.requirements.perceive.len() > base.requirements.perceive.len());
    for c in &base.capabilities {
        assert!(ml.capabilities.contains(c), "{c}");
    }
    assert!(ml.capabilities.contains(&"time".to_string()));
    assert_eq!(
        ml.capabilities.iter().filter(|c| *c == "time").count(),
        1,
        "capabilities are a union"
    );
    let (granted, refused) = ml.grant(&["time".into(), "fs_write".into()]);
    assert_eq!(
        (granted, refused),
        (vec!["time".to_string()], vec!["fs_write".to_string()])
    );
}

#[test]
fn unknown_domain_lists_the_known_ones() {
    let e = domains().resolve("ml_monitorin").unwrap_err();
    let text = e.to_string();
    assert!(text.contains("did you mean 'ml_monitoring'"), "{text}");
    assert!(text.contains("base, customer_service"), "{text}");
}

static DIRS: AtomicUsize = AtomicUsize::new(0);

struct TempDir(PathBuf);

impl TempDir {
    fn new() -> TempDir {
        let p = std::env::temp_dir().join(format!(
            "dana-poet-domains-{}-{}",
            std::process::id(),
            DIRS.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&p);
        std::fs::create_dir_all(&p).expect("temp dir");
        TempDir(p)
    }
    fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.0.join(name);
        std::fs::write(&p, text).expect("write");
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn a_user_folder_overrides_and_extends() {
    let dir = TempDir::new();
    dir.write(
        "fraud.toml",
        "description = \"Card fraud\"\nparent = \"financial_risk\"\nversion = 3\n\n[[input_rules]]\napplies_to = \"str\"\nnames = [\"*card*\"]\ncheck = \"len({p}) == 16\"\nmessage = \"must have 16 digits\"\n",
    );
    dir.write(
        "api.toml",
        "name = \"api\"\ndescription = \"Our API\"\nparent = \"base\"\nversion = 7\n",
    );
    dir.write("notes.txt", "not a template");
    let d = Domains::load(std::slice::from_ref(&dir.0)).unwrap_or_else(|e| panic!("{e}"));
    assert!(d.names().contains(&"fraud".to_string()));
    let fraud = d.resolve("fraud").unwrap();
    assert_eq!(fraud.chain, ["base", "financial_risk", "fraud"]);
    assert_eq!(fraud.version, 1 + 1 + 3);
    let fin = d.resolve("financial_risk").unwrap();
    assert_eq!(fraud.input_rules.len(), fin.input_rules.len() + 1);
    assert_eq!(
        fraud.input_rules.last().map(|r| r.check.as_str()),
        Some("len({p}) == 16")
    );
    // The user's api replaces the built-in one entirely.
    let api = d.resolve("api").unwrap();
    assert_eq!(api.description, "Our API");
    assert!(api.input_rules.is_empty());
    assert_eq!(api.version, 8);
    assert!(api.origin.ends_with("api.toml"));
    // The generated code follows the user's rule.
    let s =
        FunctionShape::from_source("def charge(card: str) -> bool:\n    return True\n", 0).unwrap();
    assert!(enhance(&s, &fraud, None).contains("len(card) == 16"));
}

#[test]
fn cycles_and_unknown_parents_are_errors() {
    let dir = TempDir::new();
    dir.write("a.toml", "parent = \"b\"\n");
    dir.write("b.toml", "parent = \"a\"\n");
    let e = Domains::load(std::slice::from_ref(&dir.0)).unwrap_err();
    assert!(matches!(e, DomainError::Cycle(_)), "{e}");
    assert!(
        e.to_string().contains("a -> b -> a") || e.to_string().contains("b -> a -> b"),
        "{e}"
    );

    let dir = TempDir::new();
    dir.write("c.toml", "parent = \"bas\"\n");
    let e = Domains::load(std::slice::from_ref(&dir.0)).unwrap_err();
    let text = e.to_string();
    assert!(matches!(e, DomainError::UnknownParent { .. }), "{text}");
    assert!(
        text.contains("'bas'") && text.contains("did you mean 'base'"),
        "{text}"
    );
}

#[test]
fn malformed_files_name_file_line_and_column() {
    let dir = TempDir::new();
    let path = dir.write("broken.toml", "name = \"broken\"\nversion = 1\nparent = \n");
    let e = Domains::load(std::slice::from_ref(&dir.0)).unwrap_err();
    match &e {
        DomainError::Syntax {
            file, line, column, ..
        } => {
            assert_eq!(file, &path.display().to_string());
            assert_eq!((*line, *column), (3, 10), "{e}");
        }
        other => panic!("{other}"),
    }
    assert!(
        e.to_string()
            .starts_with(&format!("{}:3:10: ", path.display())),
        "{e}"
    );

    let dir = TempDir::new();
    dir.write("typo.toml", "verison = 2\n");
    let e = Domains::load(std::slice::from_ref(&dir.0))
        .unwrap_err()
        .to_string();
    assert!(e.contains("typo.toml:1:1") && e.contains("verison"), "{e}");

    let dir = TempDir::new();
    dir.write(
        "bad_rule.toml",
        "[[input_rules]]\napplies_to = \"number\"\ncheck = \"{p} >=\"\nmessage = \"x\"\n",
    );
    let e = Domains::load(std::slice::from_ref(&dir.0))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("bad_rule.toml") && e.contains("input_rules[0].check"),
        "{e}"
    );

    let dir = TempDir::new();
    dir.write(
        "bad_type.toml",
        "[[output_rules]]\napplies_to = \"numbr\"\ncheck = \"True\"\nmessage = \"x\"\n",
    );
    let e = Domains::load(std::slice::from_ref(&dir.0))
        .unwrap_err()
        .to_string();
    assert!(e.contains("output_rules[0].applies_to"), "{e}");

    let dir = TempDir::new();
    dir.write("caps.toml", "capabilities = [\"tim\"]\n");
    let e = Domains::load(std::slice::from_ref(&dir.0))
        .unwrap_err()
        .to_string();
    assert!(e.contains("did you mean 'time'"), "{e}");
}
