//! `dana poet push` / `pull`: copying a whole local store into the shared one and back.
//! Both are idempotent (a version already there with the same code and metadata is left
//! alone) and refuse to overwrite a different version of the same number.

use super::stream::forward;
use super::{Fleet, FleetError};
use crate::store::{PoetDir, VersionFiles};
use redis::Script;
use std::path::Path;

/// Raises the number counter to at least ARGV[1].
const RAISE: &str = r#"
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n < tonumber(ARGV[1]) then redis.call('SET', KEYS[1], ARGV[1]) end
return 1
"#;

/// What a push or a pull did.
#[derive(Debug, Default, PartialEq)]
pub struct SyncReport {
    /// Functions looked at.
    pub functions: usize,
    /// Versions copied.
    pub copied: usize,
    /// Versions already there.
    pub unchanged: usize,
    /// `current` pointers moved.
    pub moved: usize,
    /// Events forwarded (push only).
    pub events: usize,
    /// Versions left alone because the other side has a different one under that number.
    pub conflicts: Vec<String>,
}

fn same_version(a: &VersionFiles, b: &VersionFiles) -> bool {
    a.file("code.na") == b.file("code.na") && a.file("metadata.json") == b.file("metadata.json")
}

fn store_err(e: impl std::fmt::Display) -> FleetError {
    FleetError::other(e.to_string())
}

/// Copies every version, `current` and the pending events of the local store at `poet_dir`
/// into the shared store.
pub fn push(fleet: &Fleet, poet_dir: &Path) -> Result<SyncReport, FleetError> {
    let dir = PoetDir::new(poet_dir);
    let mut report = SyncReport::default();
    for name in dir.functions().map_err(store_err)? {
        let store = dir.function(&name).map_err(store_err)?;
        let _lock = store.lock().map_err(store_err)?;
        report.functions += 1;
        let versions = store.versions().map_err(store_err)?;
        for &v in &versions {
            let Ok(files) = store.read_files(v) else {
                report
                    .conflicts
                    .push(format!("{name} v{v}: unreadable locally, not pushed"));
                continue;
            };
            match fleet.fetch(&name, v)? {
                Some(theirs) if same_version(&theirs, &files) => report.unchanged += 1,
                Some(_) => report.conflicts.push(format!(
                    "{name} v{v}: the shared store has a different v{v}; not pushed"
                )),
                None => {
                    fleet.push_version(&name, &files, None, false)?;
                    report.copied += 1;
                }
            }
        }
        if let Some(&max) = versions.last() {
            let next = fleet.fkey(&name, "next");
            fleet.run(|c| Script::new(RAISE).key(&next).arg(max).invoke::<i64>(c))?;
        }
        if let Ok(Some(cur)) = store.current() {
            if fleet.current(&name)? != Some(cur) && fleet.fetch(&name, cur)?.is_some() {
                fleet.swap_current(&name, cur)?;
                report.moved += 1;
            }
        }
    }
    report.events = forward(fleet, poet_dir)?;
    Ok(report)
}

/// Copies every shared version and `current` into the local store at `poet_dir`.
pub fn pull(fleet: &Fleet, poet_dir: &Path) -> Result<SyncReport, FleetError> {
    let dir = PoetDir::new(poet_dir);
    let mut report = SyncReport::default();
    for name in fleet.functions()? {
        let store = dir.function(&name).map_err(store_err)?;
        let lock = store.lock().map_err(store_err)?;
        report.functions += 1;
        for v in fleet.versions(&name)? {
            let Some(files) = fleet.fetch(&name, v)? else {
                continue;
            };
            match store.read_files(v) {
                Ok(mine) if same_version(&mine, &files) => {
                    report.unchanged += 1;
                    continue;
                }
                Ok(_) => {
                    report.conflicts.push(format!(
                        "{name} v{v}: the local store has a different v{v}; not pulled"
                    ));
                    continue;
                }
                Err(_) => {}
            }
            store
                .install_files(&lock, &files, false)
                .map_err(store_err)?;
            report.copied += 1;
        }
        if let Some(cur) = fleet.current(&name)? {
            if store.current().ok().flatten() != Some(cur) && store.read_files(cur).is_ok() {
                if let Some(files) = fleet.fetch(&name, cur)? {
                    store
                        .install_files(&lock, &files, true)
                        .map_err(store_err)?;
                    report.moved += 1;
                }
            }
        }
    }
    Ok(report)
}
