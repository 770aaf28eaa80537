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

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;
    use crate::model::{App, AppStateChange, AppStatus, JobState, MixJob};
    use crate::timefmt::{parse_date, parse_utc};

    fn decode(error: Error) -> DecodeError {
        match error {
            Error::Decode(d) => *d,
            other => panic!("expected a decode error, got {other:?}"),
        }
    }

    fn expect(model: &'static str, path: &str, message: &str) -> DecodeError {
        DecodeError {
            operation: model,
            status: 200,
            path: path.to_owned(),
            message: message.to_owned(),
            body_snippet: String::new(),
            request_id: None,
        }
    }

    const ABSENT: &str = "absent, though the service always returns it";

    #[test]
    fn required_values_or_the_error_naming_them() {
        assert_eq!(required(Some("x"), "M", "f").unwrap(), "x");
        assert_eq!(
            decode(required::<str>(None, "MixJob", "job_id").unwrap_err()),
            expect("MixJob", "job_id", ABSENT)
        );
        assert_eq!(
            decode(missing("App", "state.state")).to_string(),
            "cannot decode App response (HTTP 200) at `state.state`: absent, though the service always returns it; body \"\""
        );
    }

    #[test]
    fn times_parsed_or_the_error_naming_them() {
        let at = UNIX_EPOCH + Duration::from_millis(1_618_590_164_075);
        assert_eq!(
            time(Some("2021-04-16T16:22:44.075Z"), "M", "t", parse_utc).unwrap(),
            at
        );
        assert_eq!(
            decode(time(None, "MixJob", "create_time", parse_utc).unwrap_err()),
            expect("MixJob", "create_time", ABSENT)
        );
        assert_eq!(
            decode(time(Some("-"), "RtcUser", "join_time", parse_utc).unwrap_err()),
            expect(
                "RtcUser",
                "join_time",
                "`-` is not a UTC time YYYY-MM-DDThh:mm:ss[.fff]Z"
            )
        );
        assert_eq!(
            time(Some("2021-04-16"), "M", "date", parse_date).unwrap(),
            UNIX_EPOCH + Duration::from_secs(1_618_531_200)
        );
        assert_eq!(
            decode(time(Some("2021-04-1"), "HistoryUsageValue", "date", parse_date).unwrap_err()),
            expect(
                "HistoryUsageValue",
                "date",
                "`2021-04-1` is not a date YYYY-MM-DD"
            )
        );
    }

    #[test]
    fn optional_times_are_none_when_absent_or_not_yet() {
        for not_yet in [
            None,
            Some(""),
            Some("-"),
            Some("0001-01-01T00:00:00Z"),
            Some("0001-01-01T00:00:00.000Z"),
        ] {
            assert_eq!(
                optional_time(not_yet, "M", "t", parse_utc).unwrap(),
                None,
                "{not_yet:?}"
            );
        }
        assert_eq!(
            optional_time(Some("1970-01-01T00:00:01Z"), "M", "t", parse_utc).unwrap(),
            Some(UNIX_EPOCH + Duration::from_secs(1))
        );
        assert_eq!(
            decode(
                optional_time(
                    Some("0001-01-01T00:00:01Z"),
                    "MixJob",
                    "stop_time",
                    parse_utc
                )
                .unwrap_err()
            ),
            expect(
                "MixJob",
                "stop_time",
                "a UTC time YYYY-MM-DDThh:mm:ss[.fff]Z carries times from 1970 to 9999 only"
            )
        );
        assert_eq!(
            decode(optional_time(Some("--"), "MixJob", "stop_time", parse_utc).unwrap_err()),
            expect(
                "MixJob",
                "stop_time",
                "`--` is not a UTC time YYYY-MM-DDThh:mm:ss[.fff]Z"
            )
        );
    }

    #[test]
    fn generated_accessors_and_the_status() {
        let job: MixJob = serde_json::from_str(r#"{"job_id":"j","state":"STOPPED"}"#).unwrap();
        assert_eq!(job.job_id().unwrap(), "j");
        assert_eq!(job.state().unwrap(), &JobState::Stopped);
        assert_eq!(
            decode(job.app_id().unwrap_err()),
            expect("MixJob", "app_id", ABSENT)
        );

        let app: App = serde_json::from_str(r#"{"state":{"state":"ARREARS"}}"#).unwrap();
        assert_eq!(app.status().unwrap(), &AppStatus::Arrears);
        let app: App = serde_json::from_str(r#"{"state":{}}"#).unwrap();
        assert_eq!(
            decode(app.status().unwrap_err()),
            expect("App", "state.state", ABSENT)
        );
        assert_eq!(
            decode(App::default().status().unwrap_err()),
            expect("App", "state", ABSENT)
        );

        let change: AppStateChange =
            serde_json::from_str(r#"{"state":{"state":"DELETED"}}"#).unwrap();
        assert_eq!(change.status().unwrap(), &AppStatus::Deleted);
        let change: AppStateChange = serde_json::from_str(r#"{"state":{}}"#).unwrap();
        assert_eq!(
            decode(change.status().unwrap_err()),
            expect("AppStateChange", "state.state", ABSENT)
        );
        assert_eq!(
            decode(AppStateChange::default().status().unwrap_err()),
            expect("AppStateChange", "state", ABSENT)
        );
    }
}
