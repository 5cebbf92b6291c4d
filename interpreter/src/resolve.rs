//! Names → places: compiles the AST into the resolved form of `ir.rs`.
//!
//! Python's scoping rules: a name assigned anywhere in a function body is local to that function
//! (a slot); a local that an inner function or lambda mentions becomes a cell shared with the
//! closure; a name found in an enclosing function is a free variable of the closure; anything
//! else is a module global, whose slot falls back at run time to `private:`, `public:` and the
//! builtins. Comprehension variables get fresh slots visible only inside the comprehension.

//!
//! `scope.rs` holds the resolver's state and name lookup; `stmt.rs`, `function.rs` and
//! `expr.rs` compile statements, function bodies and expressions; `names.rs` has the syntactic
//! pre-passes (which names a body binds or mentions) shared with the checker.

mod expr;
mod function;
pub(crate) mod names;
mod scope;
mod stmt;

pub use names::visit_expr;
pub use scope::Resolver;
