//! The operations: one table entry each, the macro that turns the table into
//! types, the [`Operation`] trait, and the dynamic (by-name) dispatch.

#[macro_use]
mod macros;
pub mod dynamic;
pub(crate) mod fields;
pub(crate) mod incoming;
mod operation;
pub mod ops;
pub mod pages;

pub(crate) use operation::{serialize_body, Plumbing};
pub use operation::{Operation, OperationInfo, Output, ParamInfo, ParamLocation, Unchecked};
pub use ops::id::OperationId;
