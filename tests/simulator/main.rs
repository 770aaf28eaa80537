//! The offline simulator (`sparkrtc::simulator`), driven through the crate's
//! client with an in-memory transport and a virtual clock, through raw
//! signed requests, and once over real loopback HTTP.
#![cfg(feature = "simulator")]
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

mod support;

mod apps;
mod behaviours;
mod callbacks;
mod control;
mod every_op;
mod faults;
mod gateway;
mod jobs;
mod stats;
