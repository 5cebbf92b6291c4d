//! The evidence `dana poet worker` keeps per function (`events/worker/<function>.json`) and
//! the request in it that programs in worker mode carry out (in fleet mode, the evidence the
//! workers share in Redis).

use crate::state::Live;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// A function's evidence as the worker keeps it.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct Evidence {
    pub version: u32,
    pub live: Live,
    /// A regeneration asked of the programs: the id of its `enhancement.requested` event and
    /// the reason.
    pub request: Option<(String, String)>,
}

/// `events/worker/<function>.json`.
pub(crate) fn evidence_path(poet_dir: &Path, function: &str) -> PathBuf {
    poet_dir
        .join("events")
        .join("worker")
        .join(format!("{function}.json"))
}

/// The worker's open request for `version` of `function`: (request id, reason).
pub(crate) fn open_request(
    poet_dir: &Path,
    function: &str,
    version: u32,
) -> Option<(String, String)> {
    // In fleet mode the workers keep the evidence in Redis (any replica carries it out).
    let shared = crate::store::backend_for(poet_dir).and_then(|b| b.worker_evidence(function));
    let text = match shared {
        Some(t) => t,
        None => std::fs::read(evidence_path(poet_dir, function)).ok()?,
    };
    let ev: Evidence = serde_json::from_slice(&text).ok()?;
    ev.request.filter(|_| ev.version == version)
}
