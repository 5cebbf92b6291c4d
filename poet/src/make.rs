//! Making the version a decorated function serves: what POET reads from the function
//! (`shape`), the domain templates, the docstring's examples, the offline enhancement, LLM generation and its prompt,
//! the validation gate, the trial run, the runtime containment policy, and finding or creating
//! the stored version and compiling it (`prepare`).

pub(crate) mod answer;
pub(crate) mod contain;
pub mod domains;
pub mod examples;
pub mod gate;
pub(crate) mod generate;
pub(crate) mod job;
pub mod offline;
pub(crate) mod prepare;
pub(crate) mod prompt;
pub mod shape;
pub(crate) mod trial;
