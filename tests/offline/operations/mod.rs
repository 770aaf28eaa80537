//! Per-operation tests: every operation of the catalog, through both the
//! typed and the dynamic entry points, against the fixtures in
//! `tests/fixtures/ops/<Operation>.json` (see the README there).
//!
//! For each fixture:
//! - `dynamic::build(operation, params)` sends exactly the fixture's method,
//!   URI and JSON body (compact, no `null`), with the JSON content type and
//!   the endpoint's project id;
//! - the typed request, built with constructors and chained setters in
//!   [`typed::typed_case`] (one module per area: `apps`, `records`, `jobs`,
//!   `rooms_obs`, `statistics`), sends byte-for-byte the same request and serializes to
//!   the fixture's `params`;
//! - the fixture's response parses, through `dynamic::parse` and through the
//!   typed `Operation::parse`, to the fixture's `output`, and a few typed
//!   fields are spot-checked.
//!
//! The fixture loader and the checks are in `fixture`.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // a test may read files and clocks

mod apps;
use crate::catalog;
mod fixture;
mod jobs;
mod records;
mod rooms_obs;
mod statistics;
mod typed;

use std::panic::{catch_unwind, AssertUnwindSafe};

use sparkrtc::OperationId;

use fixture::{check, load_fixtures};

#[test]
fn one_fixture_per_operation() {
    let fixtures = load_fixtures();
    let ids: Vec<OperationId> = fixtures.iter().map(|f| f.id).collect();
    let mut all = OperationId::ALL.to_vec();
    all.sort();
    assert_eq!(ids, all, "exactly one fixture per OperationId::ALL");
    let catalog = catalog::catalog();
    assert_eq!(fixtures.len(), catalog::operations(&catalog).len());
}

#[test]
fn every_operation_matches_its_fixture() {
    let fixtures = load_fixtures();
    assert_eq!(fixtures.len(), OperationId::ALL.len());
    let failed: Vec<&str> = fixtures
        .iter()
        .filter(|f| catch_unwind(AssertUnwindSafe(|| check(f))).is_err())
        .map(|f| f.name())
        .collect();
    assert!(
        failed.is_empty(),
        "{} of {} operations failed (messages above): {failed:?}",
        failed.len(),
        fixtures.len()
    );
}
