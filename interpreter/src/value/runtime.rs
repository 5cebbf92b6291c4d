//! The two types the values hold but the layers above define: the evaluator ([`Interp`],
//! which every native function receives) and a function's compiled code ([`FuncCode`], the
//! resolved form in `ir.rs`, which holds values itself).
//!
//! `value/` sits at the bottom of the crate, so it names them through [`Runtime`]: the
//! evaluator implements it for [`Rt`] (in `eval.rs`), and the aliases below resolve at compile
//! time to the concrete types. Nothing is dynamic: `&mut Interp` here *is* `&mut eval::Interp`.

/// Supplies the evaluator's types to the values (implemented once, by the evaluator).
pub trait Runtime {
    /// The interpreter state natives and callbacks receive.
    type Interp;
    /// The compiled code of a Dana function.
    type Code;
}

/// The one implementor of [`Runtime`].
pub enum Rt {}

/// The evaluator (`eval::Interp`).
pub type Interp = <Rt as Runtime>::Interp;
/// The compiled code of a Dana function (`ir::FuncCode`).
pub type FuncCode = <Rt as Runtime>::Code;
