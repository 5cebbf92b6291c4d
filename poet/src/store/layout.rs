//! What a store looks like on disk: the limits, the file and directory names, the marker,
//! valid function and version names, folder ownership, and the check that a function folder
//! holds only what POET writes there.

use std::fs;
use std::io;
use std::path::Path;
use std::time::Duration;

/// Versions kept per function.
pub const MAX_VERSIONS: usize = 10;
/// Bytes kept per function, all its versions together.
pub const MAX_FUNCTION_BYTES: u64 = 1 << 20;
/// The largest file the store reads; anything bigger is damage (the store never writes one).
pub const MAX_FILE_BYTES: u64 = 1 << 20;

pub(super) const CODE_FILE: &str = "code.na";
pub(super) const PARAMS_FILE: &str = "params.json";
pub(super) const STATE_FILE: &str = "state.json";
pub(super) const METADATA_FILE: &str = "metadata.json";
pub(super) const CURRENT_LINK: &str = "current";
pub(super) const LOCK_FILE: &str = ".lock";
/// Prefix of the temporary directories of `create` and `prune`; never a version.
pub(super) const TEMP_PREFIX: &str = ".tmp-";
/// Prefix of the temporary symlink of `set_current`.
pub(super) const CURRENT_TEMP_PREFIX: &str = ".current.tmp-";
/// Key of `metadata.json` holding the SHA-256 of `code.na`.
pub(super) const CODE_HASH_KEY: &str = "code_sha256";
/// The marker file at the root of every store POET made or uses: destructive commands
/// (`gc`, `rollback`, …) touch only folders that carry it.
pub const MARKER_FILE: &str = ".dana-poet-store";
/// The store format the marker declares; a marker naming a higher one was written by a newer
/// dana, and destructive commands leave such a store alone.
pub const STORE_FORMAT: u32 = 1;
/// Directory names under `.poet` that belong to the store itself.
pub(super) const RESERVED_NAMES: [&str; 2] = ["events", "domains"];
/// A temp file of [`write_atomic`] inside a version directory may belong to a writer that is
/// still running (those writes take no lock); older than this, its writer is gone.
pub(super) const STALE_TEMP_FILE_AGE: Duration = Duration::from_secs(600);

/// The file in a function folder naming the source file that defines the function.
pub const OWNER_FILE: &str = "owner";

/// Claims the function folder `dir` for the functions of `file`: `Ok(true)` when it is free
/// (the folder or its owner file does not exist yet: both are written now; a folder made before
/// owners were recorded is adopted) or already `file`'s, `Ok(false)` when another file owns it.
/// An owner file naming a file that no longer exists is taken over (a renamed script keeps its
/// versions). Two processes claiming one folder for two files at the same moment may both win; the names
/// of later runs follow the file that wrote last.
pub fn claim_owner(dir: &Path, file: &str) -> io::Result<bool> {
    let path = dir.join(OWNER_FILE);
    match fs::read_to_string(&path) {
        // An empty file is a write that a crash cut short: claim it again.
        // An owner that no longer exists (the file was renamed or moved) gives the folder up.
        Ok(owner)
            if !owner.trim().is_empty() && Path::new(owner.trim_end_matches('\n')).exists() =>
        {
            return Ok(owner.trim_end_matches('\n') == file)
        }
        Ok(_) => {}
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
        Err(_) => {}
    }
    fs::create_dir_all(dir)?;
    fs::write(&path, format!("{file}\n"))?;
    Ok(true)
}

/// An unreadable directory counts as a function: listing it then reports the damage.
pub(super) fn holds_versions(dir: &Path) -> bool {
    let Ok(entries) = fs::read_dir(dir) else {
        return true;
    };
    entries.flatten().any(|e| {
        let name = e.file_name();
        let name = name.to_string_lossy();
        name == CURRENT_LINK
            || (parse_version_name(&name).is_some() && e.file_type().is_ok_and(|t| t.is_dir()))
    })
}

/// Why `dir` does not look exactly like a function folder POET made, or `None` when it does:
/// a `.lock` file, and nothing but `v<N>` directories (holding only the version files and
/// their temp files), `current`, `feedback/` and POET's own temporary entries. Destructive
/// commands skip any other folder, so user files that happen to sit in a store are never
/// taken for versions.
pub fn foreign_entry(dir: &Path) -> Option<String> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) => return Some(format!("it cannot be listed ({e})")),
    };
    if !fs::symlink_metadata(dir.join(LOCK_FILE)).is_ok_and(|m| m.is_file()) {
        return Some(format!("it has no {LOCK_FILE} file"));
    }
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let Ok(ty) = entry.file_type() else {
            return Some(format!("{name} cannot be inspected"));
        };
        let ok = match name.as_ref() {
            LOCK_FILE | OWNER_FILE => ty.is_file(),
            CURRENT_LINK => ty.is_symlink(),
            "feedback" => ty.is_dir(),
            n if parse_version_name(n).is_some() => {
                ty.is_dir() && version_files_only(&entry.path())
            }
            n => is_store_temp_name(n),
        };
        if !ok {
            return Some(format!("it holds {name:?}, which POET never writes there"));
        }
    }
    None
}

/// The temporary names of `create` (`.tmp-v<N>-…`), `prune` (`.tmp-pruned-v<N>-…`) and
/// `set_current` (`.current.tmp-<pid>`).
pub(super) fn is_store_temp_name(name: &str) -> bool {
    if let Some(pid) = name.strip_prefix(CURRENT_TEMP_PREFIX) {
        return !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit());
    }
    let Some(rest) = name.strip_prefix(TEMP_PREFIX) else {
        return false;
    };
    let rest = rest.strip_prefix("pruned-").unwrap_or(rest);
    let Some((v, suffix)) = rest.split_once('-') else {
        return false;
    };
    parse_version_name(v).is_some()
        && !suffix.is_empty()
        && suffix.bytes().all(|b| b.is_ascii_digit() || b == b'-')
}

/// A version directory holds the four files and, briefly, [`write_atomic`]'s temp files.
pub(super) fn version_files_only(dir: &Path) -> bool {
    let Ok(entries) = fs::read_dir(dir) else {
        return false;
    };
    entries.flatten().all(|e| {
        let name = e.file_name();
        let name = name.to_string_lossy();
        let file = e.file_type().is_ok_and(|t| t.is_file());
        file && ([CODE_FILE, PARAMS_FILE, STATE_FILE, METADATA_FILE].contains(&name.as_ref())
            || [CODE_FILE, PARAMS_FILE, STATE_FILE, METADATA_FILE]
                .iter()
                .any(|f| name.starts_with(&format!(".{f}.tmp-"))))
    })
}

/// `v<N>` with `N` ≥ 1 in plain decimal (no sign, no leading zero) → `N`.
pub fn parse_version_name(name: &str) -> Option<u32> {
    let digits = name.strip_prefix('v')?;
    if digits.is_empty() || digits.starts_with('0') || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_names() {
        assert_eq!(parse_version_name("v1"), Some(1));
        assert_eq!(parse_version_name("v12"), Some(12));
        for bad in [
            "v0",
            "v01",
            "v",
            "1",
            "v-1",
            "v+1",
            "v1a",
            ".tmp-v1",
            "v99999999999",
        ] {
            assert_eq!(parse_version_name(bad), None, "{bad}");
        }
    }
}
