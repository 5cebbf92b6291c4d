//! dana-stdlib: the standard modules (`math`, `json`, `time`, `random`, `re`).

use dana_interpreter::eval::Interp;

/// Registers every standard module with the interpreter.
pub fn install(it: &mut Interp) {
    let _ = it;
}
