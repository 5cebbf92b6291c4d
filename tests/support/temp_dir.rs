//! A directory under the system temp dir, removed when dropped. Shared by the POET tests of
//! the root package and of the poet crate (included with `#[path]`).

use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

pub struct TempDir(pub PathBuf);

impl TempDir {
    /// A fresh directory; `tag` names the test, the process id and the clock keep it unique.
    pub fn new(tag: &str) -> TempDir {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let path =
            std::env::temp_dir().join(format!("dana-test-{tag}-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&path).expect("create temp dir");
        TempDir(path)
    }

    /// The `.poet` store inside it.
    pub fn poet(&self) -> PathBuf {
        self.0.join(".poet")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
