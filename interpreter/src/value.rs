//! Runtime values: the types (`data.rs`) and what is done with them (hashing, `repr`/`str`,
//! formatting, operators, coercion, builtin-value methods, iteration, native objects).
//!
//! This file only declares the children and re-exports the types every layer uses.

pub(crate) mod annotation;
pub mod coerce;
pub(crate) mod data;
pub mod format;
pub(crate) mod fxhash;
mod guarded;
pub(crate) mod hash;
pub mod iter;
pub mod methods;
pub mod object;
pub mod ops;
pub mod repr;
pub mod runtime;
pub(crate) mod strkey;
pub mod views;

pub use annotation::TypeAnn;
pub use data::{
    exception_value, Args, BoundMethod, BuiltinType, Cell, DictMap, Function, Globals,
    InterfaceType, Key, MethodTarget, NativeClosure, NativeFn, NativeFnPtr, NativeImpl, ObjRef,
    Object, Policy, RangeValue, SetMap, StructField, StructInstance, StructType, Value,
};
pub use fxhash::FxBuild;
pub use iter::{collect, ValueIter};
pub use object::{Constructor, NativeIter, NativeType, NextFn};
pub use views::{DictView, ViewKind};
