//! The version store on a real file system: layout, numbering, rollback, pruning and limits,
//! damage of every kind, the lock between threads, the marker and foreign folders. Crash safety
//! under SIGKILL and the lock between processes are in `store_processes.rs`.

use dana_poet::store::{PoetDir, StoreError, MAX_FILE_BYTES, MAX_FUNCTION_BYTES, MAX_VERSIONS};
use serde_json::json;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

#[path = "../../tests/support/temp_dir.rs"]
mod temp_dir;
use temp_dir::TempDir;
#[path = "support/store_kit.rs"]
#[allow(dead_code)]
mod kit;
use kit::{create, entry_names, metadata, temp_entries, version_with, CODE};

#[test]
fn create_load_roundtrip_numbering_and_current() {
    let tmp = TempDir::new("roundtrip");
    let poet = PoetDir::new(tmp.poet());
    assert!(!poet.root().exists(), "nothing is created before a write");
    let f = poet.function("detect_drift").expect("valid name");
    assert_eq!(f.versions().expect("versions"), Vec::<u32>::new());
    assert_eq!(f.current().expect("current"), None);

    let v1 = create(&f, CODE, "k1");
    assert_eq!(v1, 1);
    let loaded = f.load(1).expect("load v1");
    assert_eq!(loaded.number, 1);
    assert_eq!(loaded.dir, f.dir().join("v1"));
    assert_eq!(loaded.code, CODE);
    assert_eq!(
        loaded.params,
        json!({"retries": 2, "timeout": 5.0, "key": "k1"})
    );
    assert_eq!(loaded.state, json!({"calls": 0, "failures": 0}));
    let mut expected = metadata("k1");
    expected.version = 1;
    expected.created_at = loaded.metadata.created_at.clone();
    assert_eq!(loaded.metadata, expected);
    assert_eq!(loaded.metadata.parent, None);
    assert!(
        loaded.metadata.created_at.ends_with('Z') && loaded.metadata.created_at.len() == 20,
        "{}",
        loaded.metadata.created_at
    );

    let v2 = create(&f, "def operate(x: int) -> int:\n    return x + 2\n", "k2");
    assert_eq!(v2, 2);
    assert_eq!(f.versions().expect("versions"), vec![1, 2]);
    assert_eq!(f.current().expect("current"), Some(2));
    assert_eq!(
        fs::read_link(f.dir().join("current")).expect("current is a symlink"),
        PathBuf::from("v2"),
        "current must be a relative link"
    );
    assert_eq!(f.load(2).expect("load v2").metadata.parent, Some(1));

    // The layout of POET_SPEC §5.
    for d in ["feedback/pending", "feedback/processed"] {
        assert!(f.dir().join(d).is_dir(), "{d}");
    }
    for d in ["events/pending", "events/processed"] {
        assert!(poet.root().join(d).is_dir(), "{d}");
    }
    assert_eq!(
        entry_names(&f.dir().join("v2")),
        vec!["code.na", "metadata.json", "params.json", "state.json"]
    );
    assert!(temp_entries(f.dir()).is_empty());
    assert_eq!(poet.functions().expect("functions"), vec!["detect_drift"]);
    assert!(f.size_bytes() > 2 * CODE.len() as u64);
}

#[test]
fn find_by_key_returns_the_newest_clean_match() {
    let tmp = TempDir::new("findkey");
    let f = PoetDir::new(tmp.poet()).function("f").expect("name");
    assert_eq!(f.find_by_key("a"), None);
    create(&f, CODE, "a");
    create(&f, CODE, "b");
    create(&f, CODE, "a");
    assert_eq!(f.find_by_key("a"), Some(3));
    assert_eq!(f.find_by_key("b"), Some(2));
    assert_eq!(f.find_by_key("c"), None);
    // A damaged match is no match: the older clean one answers.
    fs::write(f.dir().join("v3/state.json"), "{\"calls\": ").expect("damage");
    assert_eq!(f.find_by_key("a"), Some(1));
}

#[test]
fn rollback_to_parent_explicit_and_past_damage() {
    let tmp = TempDir::new("rollback");
    let f = PoetDir::new(tmp.poet()).function("f").expect("name");
    for k in ["a", "b", "c"] {
        create(&f, CODE, k);
    }
    let lock = f.lock().expect("lock");
    assert_eq!(f.rollback(&lock, None).expect("rollback"), 2);
    assert_eq!(f.current().expect("current"), Some(2));
    assert_eq!(f.rollback(&lock, None).expect("rollback"), 1);
    let err = f.rollback(&lock, None).expect_err("nothing before v1");
    assert!(err.to_string().contains("no version before v1"), "{err}");
    assert_eq!(f.rollback(&lock, Some(3)).expect("forward"), 3);
    assert_eq!(f.current().expect("current"), Some(3));

    let err = f.rollback(&lock, Some(9)).expect_err("no v9");
    assert!(err.to_string().contains("v9"), "{err}");
    assert_eq!(
        f.current().expect("current"),
        Some(3),
        "a failed rollback changes nothing"
    );

    // The parent (v2) is damaged: the default target is the next loadable version below.
    fs::write(f.dir().join("v2/params.json"), "").expect("damage");
    let err = f.rollback(&lock, Some(2)).expect_err("damaged target");
    assert!(err.to_string().contains("params.json"), "{err}");
    assert_eq!(f.rollback(&lock, None).expect("rollback"), 1);

    // A new version records the current one (after rollback) as its parent.
    let v4 = f.create(&lock, version_with(CODE, "d")).expect("create");
    assert_eq!(f.load(v4).expect("load").metadata.parent, Some(1));
}

#[test]
fn prune_keeps_at_most_ten_and_protects_current_and_parent() {
    let tmp = TempDir::new("prune");
    let f = PoetDir::new(tmp.poet()).function("f").expect("name");
    for i in 0..15 {
        create(&f, CODE, &format!("k{i}"));
    }
    assert_eq!(
        f.versions().expect("versions"),
        (6..=15).collect::<Vec<_>>()
    );
    assert_eq!(f.current().expect("current"), Some(15));

    // current = v6 (the oldest), so v6 survives the next prune although it is the oldest.
    let lock = f.lock().expect("lock");
    f.set_current(&lock, 6).expect("set current");
    // v16 records v6 as its parent; pruning after it must keep v6 and drop v7.
    let v16 = f.create(&lock, version_with(CODE, "k16")).expect("create");
    assert_eq!(v16, 16);
    assert_eq!(f.load(16).expect("load").metadata.parent, Some(6));
    let versions = f.versions().expect("versions");
    assert_eq!(versions.len(), MAX_VERSIONS);
    assert!(versions.contains(&6), "the parent was pruned: {versions:?}");
    assert!(!versions.contains(&7), "{versions:?}");

    // With current pointing at the oldest and an eleventh version, the oldest stays.
    f.set_current(&lock, 6).expect("set current");
    fs::create_dir(f.dir().join("v17")).expect("extra version");
    let removed = f.prune(&lock).expect("prune");
    assert_eq!(removed, vec![8]);
    let versions = f.versions().expect("versions");
    assert_eq!(versions.len(), MAX_VERSIONS);
    assert_eq!(versions.first(), Some(&6));
    assert!(temp_entries(f.dir()).is_empty());
}

#[test]
fn one_mebibyte_per_function() {
    let tmp = TempDir::new("cap");
    let f = PoetDir::new(tmp.poet()).function("f").expect("name");
    let lock = f.lock().expect("lock");

    let huge = "#".repeat(MAX_FUNCTION_BYTES as usize + 1);
    let err = f
        .create(&lock, version_with(&huge, "huge"))
        .expect_err("a version over the cap is refused");
    assert!(matches!(err, StoreError::FunctionTooLarge { .. }), "{err}");
    assert!(err.to_string().contains("over the limit"), "{err}");
    assert!(f.versions().expect("versions").is_empty());
    assert!(temp_entries(f.dir()).is_empty());

    let big = format!("{CODE}{}", "# padding\n".repeat(30_000)); // ~300 KB
    for i in 0..4 {
        f.create(&lock, version_with(&big, &format!("k{i}")))
            .expect("create");
    }
    // Four versions of ~300 KB exceed 1 MiB: the oldest goes, current and parent stay.
    assert_eq!(f.versions().expect("versions"), vec![2, 3, 4]);
    assert!(f.size_bytes() <= MAX_FUNCTION_BYTES, "{}", f.size_bytes());
}

/// The ways a file gets damaged.
#[derive(Clone, Copy, Debug)]
enum Damage {
    Truncate,
    Delete,
    Garbage,
}

fn damage(path: &Path, how: Damage) {
    match how {
        Damage::Truncate => {
            let bytes = fs::read(path).expect("read");
            fs::write(path, &bytes[..bytes.len() / 2]).expect("truncate");
        }
        Damage::Delete => fs::remove_file(path).expect("delete"),
        Damage::Garbage => fs::write(path, b"\x00\xff\xfegarbage{{[").expect("garbage"),
    }
}

#[test]
fn every_damaged_file_is_reported_and_a_new_version_recovers() {
    for file in ["code.na", "params.json", "state.json", "metadata.json"] {
        for how in [Damage::Truncate, Damage::Delete, Damage::Garbage] {
            let tmp = TempDir::new("damage");
            let f = PoetDir::new(tmp.poet()).function("f").expect("name");
            create(&f, CODE, "k1");
            create(&f, CODE, "k2");
            damage(&f.dir().join("v2").join(file), how);

            let err = f
                .load(2)
                .expect_err(&format!("{file} {how:?} must not load"));
            let msg = err.to_string();
            assert!(msg.contains(&format!("v2/{file}")), "{file} {how:?}: {msg}");
            assert!(err.is_damage(), "{file} {how:?}: {msg}");
            let expected = match (file, how) {
                (_, Damage::Delete) => "is missing",
                ("code.na", Damage::Garbage) => "not valid UTF-8",
                ("code.na", Damage::Truncate) => "does not parse",
                _ => "is not valid JSON",
            };
            assert!(msg.contains(expected), "{file} {how:?}: {msg}");

            // The directory is still there, so `current` is valid; the key no longer hits.
            assert_eq!(f.current().expect("current"), Some(2));
            assert_eq!(f.find_by_key("k2"), None);
            assert!(f.load(1).is_ok());
            // Recovery: a new version is stored and becomes current.
            let v3 = create(&f, CODE, "k2");
            assert_eq!(v3, 3, "numbering counts the damaged version");
            assert_eq!(f.current().expect("current"), Some(3));
            assert_eq!(f.find_by_key("k2"), Some(3));
        }
    }
}

#[test]
fn json_errors_give_line_and_column() {
    let tmp = TempDir::new("jsonpos");
    let f = PoetDir::new(tmp.poet()).function("f").expect("name");
    create(&f, CODE, "k");
    let path = f.dir().join("v1/metadata.json");
    fs::write(&path, "{\"version\": 1,").expect("write");
    let msg = f.load(1).expect_err("truncated").to_string();
    assert!(
        msg.ends_with(
            "metadata.json is not valid JSON (line 1, column 14): truncated or corrupted"
        ),
        "{msg}"
    );
}

#[test]
fn incomplete_or_mismatched_metadata_and_oversized_files() {
    let tmp = TempDir::new("metadata");
    let f = PoetDir::new(tmp.poet()).function("f").expect("name");
    create(&f, CODE, "k");
    let path = f.dir().join("v1/metadata.json");
    let original = fs::read_to_string(&path).expect("read");
    let mut value: serde_json::Value = serde_json::from_str(&original).expect("json");

    let mut no_domain = value.clone();
    if let Some(o) = no_domain.as_object_mut() {
        o.remove("domain");
    }
    fs::write(&path, no_domain.to_string()).expect("write");
    let msg = f.load(1).expect_err("missing field").to_string();
    assert!(
        msg.contains("metadata.json") && msg.contains("domain"),
        "{msg}"
    );

    value["version"] = json!(7);
    fs::write(&path, value.to_string()).expect("write");
    let msg = f.load(1).expect_err("wrong number").to_string();
    assert!(
        msg.contains("says version 7") && msg.contains("v1"),
        "{msg}"
    );

    fs::write(&path, &original).expect("restore");
    assert!(f.load(1).is_ok());
    let state = f.dir().join("v1/state.json");
    fs::write(&state, vec![b' '; MAX_FILE_BYTES as usize + 1]).expect("write");
    let msg = f.load(1).expect_err("too big").to_string();
    assert!(
        msg.contains("state.json") && msg.contains("over the limit"),
        "{msg}"
    );
}

#[test]
fn code_edited_by_hand_is_accepted_while_it_parses() {
    let tmp = TempDir::new("handedit");
    let f = PoetDir::new(tmp.poet()).function("f").expect("name");
    create(&f, CODE, "k");
    let edited = "def operate(x: int) -> int:\n    return x * 2\n";
    fs::write(f.dir().join("v1/code.na"), edited).expect("edit");
    assert_eq!(
        f.load(1).expect("a hand edit that parses loads").code,
        edited
    );

    fs::write(
        f.dir().join("v1/code.na"),
        "def operate(x: int) -> int:\n    return (x\n",
    )
    .expect("edit");
    let msg = f.load(1).expect_err("does not parse").to_string();
    assert!(
        msg.contains("code.na is damaged") && msg.contains("line"),
        "{msg}"
    );
    fs::write(f.dir().join("v1/code.na"), "  \n").expect("edit");
    assert!(f.load(1).expect_err("empty").to_string().contains("empty"));
}

#[test]
fn dangling_current_is_reported_and_repaired() {
    let tmp = TempDir::new("dangling");
    let f = PoetDir::new(tmp.poet()).function("f").expect("name");
    create(&f, CODE, "a");
    create(&f, CODE, "b");
    fs::remove_dir_all(f.dir().join("v2")).expect("remove v2");

    let err = f.current().expect_err("dangling");
    let msg = err.to_string();
    assert!(
        msg.contains("current") && msg.contains("v2") && msg.contains("dangling"),
        "{msg}"
    );
    assert!(err.is_damage());
    let lock = f.lock().expect("lock");
    assert!(
        f.rollback(&lock, None).is_err(),
        "no default target without a current"
    );
    assert!(f.set_current(&lock, 2).is_err(), "v2 does not exist");
    assert!(f.prune(&lock).expect("prune").is_empty());
    assert_eq!(f.versions().expect("versions"), vec![1]);

    f.set_current(&lock, 1).expect("repair");
    assert_eq!(f.current().expect("current"), Some(1));

    // A damaged `current` is also repaired by creating a version, which has no parent then.
    f.create(&lock, version_with(CODE, "c")).expect("create");
    fs::remove_dir_all(f.dir().join("v2")).expect("remove v2");
    assert!(f.current().is_err());
    let v = f.create(&lock, version_with(CODE, "d")).expect("create");
    assert_eq!(v, 2, "numbering follows the directories present");
    assert_eq!(f.current().expect("current"), Some(2));
    assert_eq!(f.load(2).expect("load").metadata.parent, None);
}

#[cfg(unix)]
#[test]
fn current_that_is_not_a_version_symlink_is_an_error() {
    let tmp = TempDir::new("notlink");
    let f = PoetDir::new(tmp.poet()).function("f").expect("name");
    create(&f, CODE, "a");
    let link = f.dir().join("current");
    let lock = f.lock().expect("lock");

    fs::remove_file(&link).expect("remove");
    fs::write(&link, "v1\n").expect("file");
    let msg = f.current().expect_err("a file").to_string();
    assert!(msg.contains("current is a file, not a symlink"), "{msg}");
    f.set_current(&lock, 1).expect("replaces the file");
    assert_eq!(f.current().expect("current"), Some(1));

    fs::remove_file(&link).expect("remove");
    std::os::unix::fs::symlink("../elsewhere", &link).expect("symlink");
    let msg = f.current().expect_err("elsewhere").to_string();
    assert!(msg.contains("not at a version directory"), "{msg}");

    fs::remove_file(&link).expect("remove");
    fs::create_dir(&link).expect("dir");
    fs::write(link.join("x"), "x").expect("file");
    let msg = f.current().expect_err("a directory").to_string();
    assert!(msg.contains("is a directory"), "{msg}");
    let err = f
        .create(&lock, version_with(CODE, "b"))
        .expect_err("cannot replace a directory");
    assert!(err.to_string().contains("current"), "{err}");
    assert!(f.load(2).is_ok(), "the version itself is complete");
}

#[test]
fn names_and_function_discovery() {
    let tmp = TempDir::new("names");
    let poet = PoetDir::new(tmp.poet());
    for bad in [
        "", "../x", "a/b", "a\\b", "..", ".hidden", "events", "domains",
    ] {
        let err = poet.function(bad).expect_err(bad);
        assert!(
            err.to_string().contains("invalid POET function name"),
            "{err}"
        );
    }
    assert_eq!(
        poet.functions().expect("missing root"),
        Vec::<String>::new()
    );
    create(&poet.function("m.f").expect("name"), CODE, "k");
    create(&poet.function("a").expect("name"), CODE, "k");
    for d in [
        "domains/x",
        "events/pending",
        "empty",
        ".hidden/v1",
        "only_feedback/feedback",
    ] {
        fs::create_dir_all(poet.root().join(d)).expect("dir");
    }
    assert_eq!(poet.functions().expect("functions"), vec!["a", "m.f"]);
}

#[cfg(unix)]
#[test]
fn temp_dirs_are_never_versions_and_prune_removes_them() {
    let tmp = TempDir::new("tempdirs");
    let f = PoetDir::new(tmp.poet()).function("f").expect("name");
    create(&f, CODE, "a");
    fs::create_dir(f.dir().join(".tmp-v7-123-456")).expect("temp");
    fs::write(f.dir().join(".tmp-v7-123-456/code.na"), "half").expect("temp file");
    std::os::unix::fs::symlink("v1", f.dir().join(".current.tmp-99")).expect("temp link");
    assert_eq!(f.versions().expect("versions"), vec![1]);
    let v = create(&f, CODE, "b"); // prunes as well
    assert_eq!(v, 2);
    assert!(
        temp_entries(f.dir()).is_empty(),
        "{:?}",
        entry_names(f.dir())
    );
}

#[test]
fn state_and_params_are_replaced_atomically() {
    let tmp = TempDir::new("state");
    let f = PoetDir::new(tmp.poet()).function("f").expect("name");
    create(&f, CODE, "a");
    f.write_state(1, &json!({"calls": 12, "failures": 1}))
        .expect("state");
    f.write_params(1, &json!({"threshold": 0.7}))
        .expect("params");
    let v = f.load(1).expect("load");
    assert_eq!(v.state, json!({"calls": 12, "failures": 1}));
    assert_eq!(v.params, json!({"threshold": 0.7}));
    assert_eq!(
        entry_names(&f.dir().join("v1")),
        vec!["code.na", "metadata.json", "params.json", "state.json"],
        "no temp file is left behind"
    );
    let msg = f.write_state(5, &json!({})).expect_err("no v5").to_string();
    assert!(msg.contains("no version v5") && msg.contains("v1"), "{msg}");
    let huge = json!({"x": "y".repeat(MAX_FILE_BYTES as usize)});
    assert!(f.write_state(1, &huge).is_err(), "over the file limit");
    assert_eq!(f.load(1).expect("load").state["calls"], json!(12));
}

#[test]
fn a_lock_protects_only_its_own_function() {
    let tmp = TempDir::new("wronglock");
    let poet = PoetDir::new(tmp.poet());
    let a = poet.function("a").expect("name");
    let b = poet.function("b").expect("name");
    let lock = a.lock().expect("lock");
    let err = b
        .create(&lock, version_with(CODE, "k"))
        .expect_err("wrong lock");
    assert!(matches!(err, StoreError::WrongLock { .. }), "{err}");
    assert!(b.versions().expect("versions").is_empty());
    // Another spelling of the same directory is the same function.
    fs::create_dir_all(tmp.0.join("x")).expect("dir");
    let same = PoetDir::new(tmp.0.join("x/../.poet"))
        .function("a")
        .expect("name");
    assert_eq!(
        same.create(&lock, version_with(CODE, "k")).expect("create"),
        1
    );
}

#[test]
fn hashes_are_length_prefixed() {
    let h = PoetDir::sha256_hex(&["ab", "c"]);
    assert_eq!(h.len(), 64);
    assert!(h.bytes().all(|b| b.is_ascii_hexdigit()));
    assert_ne!(h, PoetDir::sha256_hex(&["a", "bc"]));
    assert_ne!(h, PoetDir::sha256_hex(&["abc"]));
    assert_eq!(h, dana_poet::store::hash_hex(&["ab", "c"]));
}

#[test]
fn threads_of_one_process_exclude_each_other() {
    let tmp = TempDir::new("threads");
    let poet = PoetDir::new(tmp.poet());
    std::thread::scope(|s| {
        for _ in 0..4 {
            s.spawn(|| {
                let f = poet.function("f").expect("name");
                let lock = f.lock().expect("lock");
                if f.find_by_key("same").is_none() {
                    std::thread::sleep(Duration::from_millis(20));
                    f.create(&lock, version_with(CODE, "same")).expect("create");
                }
            });
        }
    });
    let f = poet.function("f").expect("name");
    assert_eq!(f.versions().expect("versions"), vec![1]);
}

// ---- the marker and foreign folders --------------------------------------------------------

#[test]
fn the_marker_is_written_with_the_first_version_and_checked() {
    let tmp = TempDir::new("marker");
    let dir = PoetDir::new(tmp.poet());
    assert!(matches!(
        dir.check_marker(),
        Err(StoreError::NotAStore { .. })
    ));
    let store = dir.function("f").expect("name");
    create(&store, CODE, "k1");
    let marker = dir.root().join(dana_poet::store::MARKER_FILE);
    assert!(fs::read_to_string(&marker)
        .expect("marker")
        .contains("format 1"));
    dir.check_marker().expect("a store POET made is marked");
    // A marker by hand (`touch`) counts; one from a newer format does not.
    fs::write(&marker, "").expect("touch");
    dir.check_marker().expect("an empty marker");
    fs::write(&marker, "format 99\n").expect("write");
    let e = dir.check_marker().expect_err("a newer format").to_string();
    assert!(
        e.contains("format 99") && e.contains("nothing in it was changed"),
        "{e}"
    );
}

#[test]
fn gc_and_rollback_refuse_an_unmarked_folder() {
    let tmp = TempDir::new("unmarked");
    let root = tmp.0.join("data");
    for f in ["f/v1/code.na", "f/v2/code.na", "f/.tmp-v3-1-2-3/x"] {
        let p = root.join(f);
        fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
        fs::write(&p, "user data").expect("write");
    }
    let dir = PoetDir::new(&root);
    let e = dana_poet::admin::gc(&dir, Duration::ZERO).expect_err("gc refuses");
    assert!(e.to_string().contains("is not a POET store"), "{e}");
    let e = dana_poet::admin::rollback(&dir, "f", Some(1)).expect_err("rollback refuses");
    assert!(e.to_string().contains("no .dana-poet-store marker"), "{e}");
    assert!(root.join("f/.tmp-v3-1-2-3/x").exists() && root.join("f/v2/code.na").exists());
}

#[test]
fn only_folders_shaped_like_poets_are_pruned() {
    let tmp = TempDir::new("foreign");
    let dir = PoetDir::new(tmp.poet());
    let store = dir.function("f").expect("name");
    create(&store, CODE, "k1");
    assert_eq!(dana_poet::store::foreign_entry(store.dir()), None);
    // A file POET never writes, in a version or next to them: the folder is left alone.
    fs::write(store.version_dir(1).join("notes.txt"), "mine").expect("write");
    let why = dana_poet::store::foreign_entry(store.dir()).expect("foreign");
    assert!(why.contains("v1"), "{why}");
    fs::create_dir(store.dir().join(".tmp-scratch")).expect("mkdir");
    let lock = store.lock().expect("lock");
    let e = store.prune(&lock).expect_err("refused");
    assert!(e.to_string().contains("does not look like POET's"), "{e}");
    drop(lock);
    assert!(store.dir().join(".tmp-scratch").exists());
    let report = dana_poet::admin::gc(&dir, Duration::ZERO).expect("gc");
    assert_eq!(report.foreign, vec!["f".to_string()]);
    assert!(report.skipped.is_empty());
    let e = dana_poet::admin::rollback(&dir, "f", Some(1)).expect_err("rollback refuses");
    assert!(e.to_string().contains("does not look like POET's"), "{e}");
    assert!(store.version_dir(1).join("notes.txt").exists());
}

#[test]
fn secrets_never_reach_the_files_of_a_version() {
    let tmp = TempDir::new("secret");
    let dir = PoetDir::new(tmp.poet());
    let store = dir.function("f").expect("name");
    let key = "sk-store-test-Wm3unique";
    dana_llm::register_secret(key);
    let mut v = version_with(&format!("# {key}\n{CODE}"), "k1");
    v.metadata.reason = format!("answer quoted {key}");
    v.state = json!({"note": key});
    let lock = store.lock().expect("lock");
    let n = store.create(&lock, v).expect("create");
    store
        .write_params(n, &json!({"learned": {}, "x": key}))
        .expect("params");
    for f in ["code.na", "params.json", "state.json", "metadata.json"] {
        let text = fs::read_to_string(store.version_dir(n).join(f)).expect("read");
        assert!(!text.contains(key), "{f}: {text}");
        assert!(text.contains("***"), "{f}: {text}");
    }
    // Still a clean version: the checksum is the redacted code's.
    store.load(n).expect("loads");
}
