//! The API catalog, `tests/data/sparkrtc-api.json`, for the test crates that
//! compare the crate with it or derive expectations from it.
#![allow(dead_code)] // each user calls a part of it

use serde_json::Value;

/// The whole catalog.
pub fn catalog() -> Value {
    serde_json::from_str(include_str!("../data/sparkrtc-api.json")).unwrap()
}

/// Its `operations` array: one entry per SparkRTC operation.
pub fn operations(catalog: &Value) -> &[Value] {
    catalog["operations"].as_array().unwrap()
}
