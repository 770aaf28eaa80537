//! What the generated accessors of response models do (see the rule in the
//! [`model`](crate::model) docs): a field the service always returns, or
//! an [`Error::Decode`] naming it; a time parsed, or an error naming it.

use std::time::SystemTime;

use http::{HeaderMap, StatusCode};

use crate::timefmt::TimeError;
use crate::{DecodeError, Error};

/// The texts an optional time holds for "not yet": nothing, `-` (a room
/// still open, a user still in it), and the zero time some answers carry
/// for a job not stopped.
const NOT_YET: &[&str] = &["", "-", "0001-01-01T00:00:00Z", "0001-01-01T00:00:00.000Z"];

/// The error of an accessor: a decode error at `model`'s `field`. The
/// model stands in for the operation (several operations answer with the
/// same model); the status is 200, the answer was a success.
fn decode_error(model: &'static str, field: &'static str, message: String) -> Error {
    DecodeError::error(
        model,
        StatusCode::OK,
        &HeaderMap::new(),
        b"",
        field.to_owned(),
        message,
    )
}

/// The error for an always-returned field an answer left out.
pub(crate) fn missing(model: &'static str, field: &'static str) -> Error {
    decode_error(
        model,
        field,
        "absent, though the service always returns it".to_owned(),
    )
}

/// An always-returned field: the value, or the error naming it.
pub(crate) fn required<'a, T: ?Sized>(
    value: Option<&'a T>,
    model: &'static str,
    field: &'static str,
) -> Result<&'a T, Error> {
    value.ok_or_else(|| missing(model, field))
}

fn parsed(
    text: &str,
    model: &'static str,
    field: &'static str,
    parse: fn(&str) -> Result<SystemTime, TimeError>,
) -> Result<SystemTime, Error> {
    parse(text).map_err(|e| decode_error(model, field, e.to_string()))
}

/// An always-returned time: parsed, or the error naming the field (absent,
/// or not in its form).
pub(crate) fn time(
    text: Option<&str>,
    model: &'static str,
    field: &'static str,
    parse: fn(&str) -> Result<SystemTime, TimeError>,
) -> Result<SystemTime, Error> {
    parsed(required(text, model, field)?, model, field, parse)
}

/// An optional time: `None` when absent or "not yet", parsed otherwise, or
/// the error naming the field.
pub(crate) fn optional_time(
    text: Option<&str>,
    model: &'static str,
    field: &'static str,
    parse: fn(&str) -> Result<SystemTime, TimeError>,
) -> Result<Option<SystemTime>, Error> {
    match text {
        None => Ok(None),
        Some(t) if NOT_YET.contains(&t) => Ok(None),
        Some(t) => parsed(t, model, field, parse).map(Some),
    }
}
