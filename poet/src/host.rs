//! The names POET installs into every program beside the builtins, as the static checker
//! must know them ([`CheckOptions::host`](dana_interpreter::check::CheckOptions::host)).

use dana_interpreter::check::HostNames;

/// The names [`crate::install_with`] binds, as the static checker must know them: `feedback`,
/// `poet_last_execution` and the `@poet` decorator, which keeps the decorated function's
/// signature.
pub fn host_names() -> HostNames {
    HostNames::functions(&["feedback", "poet_last_execution"]).with_decorator("poet")
}

/// The host names the gate's type check knows beside the builtins (the allowlist decides
/// which generated code may use): POET's own and the LLM calls the `reason` capability grants,
/// which the standard library installs.
pub(crate) fn gate_host_names() -> HostNames {
    HostNames::functions(&["reason", "llm"]).and(host_names())
}
