//! The allowlist's parts: the builtins that reach outside the computation, the standard
//! modules that only compute, and what each capability opens.

/// Builtins that write output, read input or reach outside the computation.
pub const IMPURE_BUILTINS: &[&str] = &[
    "print",
    "input",
    "help",
    "log_level",
    "feedback",
    "poet_last_execution",
    "poet",
    "reason",
    "llm",
];

/// Standard modules that only compute.
pub const PURE_MODULES: &[&str] = &["math.*", "json.*", "re.*", "stats.*"];

/// What each capability adds to the allowlist.
pub const CAPABILITY_GRANTS: &[(&str, &[&str])] = &[
    ("reason", &["reason", "llm"]),
    ("time", &["time.*"]),
    ("random", &["random.*"]),
    ("http", &["http.*"]),
    ("fs_read", &["fs.*"]),
    ("fs_write", &["fs.*"]),
    ("env", &["env.*"]),
];
