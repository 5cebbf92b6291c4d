//! The project anchor: where `dana run`, `dana poet` and the `dana.toml` lookup all find "the
//! project". It is the nearest folder, from a starting folder upward, that holds a `dana.toml`
//! or a `.poet` store; with neither, the starting folder itself. `dana run` starts from the
//! folder of the script it runs ([`set_entry_folder`]); everything else from the working
//! folder.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The files that mark a project folder.
pub const MARKERS: [&str; 2] = ["dana.toml", ".poet"];

static ENTRY: OnceLock<PathBuf> = OnceLock::new();

/// Records the folder of the program being run (once per process; later calls are ignored),
/// so that lookups made while it runs start there rather than in the working folder.
pub fn set_entry_folder(dir: &Path) {
    let _ = ENTRY.set(absolute(dir));
}

/// Where lookups start: the entry program's folder when one was recorded, else the working
/// folder.
pub fn start_folder() -> PathBuf {
    match ENTRY.get() {
        Some(d) => d.clone(),
        None => std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
    }
}

/// The nearest folder from `start` upward holding `dana.toml` or `.poet`.
pub fn find_anchor(start: &Path) -> Option<PathBuf> {
    absolute(start)
        .ancestors()
        .find(|d| MARKERS.iter().any(|m| d.join(m).exists()))
        .map(Path::to_path_buf)
}

/// The project folder for `start`: [`find_anchor`], else `start` itself.
pub fn project_dir(start: &Path) -> PathBuf {
    find_anchor(start).unwrap_or_else(|| absolute(start))
}

/// The folders [`find_anchor`] looks in, nearest first (for a message saying where it looked).
pub fn searched(start: &Path) -> Vec<PathBuf> {
    absolute(start).ancestors().map(Path::to_path_buf).collect()
}

fn absolute(p: &Path) -> PathBuf {
    let p = if p.as_os_str().is_empty() {
        Path::new(".")
    } else {
        p
    };
    std::fs::canonicalize(p).unwrap_or_else(|_| {
        std::env::current_dir()
            .map(|c| c.join(p))
            .unwrap_or_else(|_| p.to_path_buf())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_nearest_marked_folder_is_the_project() {
        let root = std::env::temp_dir().join(format!("dana-anchor-{}", std::process::id()));
        let deep = root.join("a/b/c");
        std::fs::create_dir_all(&deep).unwrap();
        // Nothing marked below the temp folder's own ancestors: the start itself (unless an
        // ancestor of the temp folder is marked, which the assertions allow for).
        let outer = find_anchor(&root);
        assert_eq!(project_dir(&deep), outer.clone().unwrap_or(absolute(&deep)));
        std::fs::write(root.join("dana.toml"), "").unwrap();
        assert_eq!(find_anchor(&deep), Some(absolute(&root)));
        std::fs::create_dir_all(root.join("a/.poet")).unwrap();
        assert_eq!(find_anchor(&deep), Some(absolute(&root.join("a"))));
        assert_eq!(project_dir(&deep), absolute(&root.join("a")));
        assert_eq!(searched(&deep)[0], absolute(&deep));
        let _ = std::fs::remove_dir_all(&root);
    }
}
