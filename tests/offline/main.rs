//! The offline tests: the sans-io core and the client's glue through the
//! public API, with no server, socket or real clock (the simulator they use
//! runs in memory on a virtual clock). They are one test binary so that it
//! links once: this is the binary that judges a mutant of the core
//! (`.cargo/mutants.toml`), and one link per mutant instead of one per file
//! halves the time of a mutation run.
//!
//! Run them alone with `cargo test --all-features --test offline`, one area
//! with a filter: `cargo test --all-features --test offline -- throttle::`.

// Helpers shared by several modules, loaded once.
#[path = "../support/catalog.rs"]
mod catalog;
#[cfg(feature = "simulator")]
#[path = "../simulator/support.rs"]
mod support;

mod accessors;
mod budget;
mod callback;
mod client_glue;
mod error_classes;
mod errors;
mod names;
mod operations;
mod outage;
mod pages;
mod properties;
mod requests;
mod retry;
mod sdk_crosscheck;
mod sign;
mod spec_conformance;
mod spec_values;
mod throttle;
mod time_values;
mod waiters;
