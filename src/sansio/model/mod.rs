//! Typed request and response bodies for every operation.
//!
//! Naming: request bodies keep the official SDK's model names (`MixJobReq`,
//! `RecordRuleReq`, ...). Response bodies that several operations share one
//! type: `ShowMixJobResponse`, `CreateMixJobResponse` and
//! `UpdateMixJobResponse` are all [`MixJob`]; each operation's docs name its
//! output type.
//!
//! Conventions:
//! - Optional request fields are `Option` and are omitted from the JSON when
//!   unset (never `null`). Setters take what converts into the field
//!   ([`IntoField`]): `&str` or `String` for text, integer literals for
//!   integers, any iterator (an array, a `Vec`) for lists, a
//!   [`SystemTime`](std::time::SystemTime) or the text for times
//!   ([`UtcTime`], [`UtcDate`]).
//! - Response-only models have every field optional (`Option`, or an empty
//!   `Vec` for lists, where `null` also reads as empty), and unknown fields
//!   are ignored, so a server that adds or omits a field never breaks parsing.
//! - Documented value sets are enums with an `Unknown(String)` fallback.
//! - Secret values (`app_key`, `auth_key`) are [`Secret`](crate::Secret)s.
//!
//! # Reading an answer
//!
//! One rule says how a field of an answer is read:
//!
//! - **Fields the service always returns** have an accessor of the same
//!   name that returns the value, or [`Error::Decode`](crate::Error::Decode)
//!   naming the missing field, so `out.job_id()?` reads what is there. They
//!   are what identifies and describes a resource: ids, names, states and
//!   modes, the parts it is made of (a mixed job's `mix_param`, a rule's
//!   `obs_addr`), its creation time, a sample's time and value, what the
//!   catalog marks as required. Text comes back as `&str`, value sets and
//!   nested models by reference (`&JobState`, `&AppState`), numbers and
//!   booleans by value, times parsed into a
//!   [`SystemTime`](std::time::SystemTime) (an error naming the field when
//!   the text is not in its form).
//! - **Truly optional fields** stay `Option` and are read directly:
//!   settings that may be unset (`record_param`, `app_key`), what may not
//!   have happened yet (`stop_reason`), descriptions, metrics a query did
//!   not ask for. Those holding a time also have an accessor that parses it,
//!   `Ok(None)` when absent or "not yet" (`-`, or the zero time
//!   `0001-01-01T00:00:00Z` some answers carry): `job.stop_time()?`.
//! - **Lists** are `Vec`s, empty when absent, read directly: `&out.apps`.
//! - The field itself stays there too: `job.create_time` is the text as the
//!   service sent it, `job.state` the `Option<JobState>`.
//!
//! An accessor's error is an [`Error::Decode`](crate::Error::Decode) whose
//! [`DecodeError`](crate::DecodeError) has the field in `path`, the model's
//! name in `operation` (a model can answer several operations: `MixJob`
//! answers three), status 200 and no body snippet; the output's
//! `request_id` is the answer's request id.
//!
//! Outputs deref to their body and value sets are not `Copy`: match them by
//! reference, through an accessor or on the field with `&`:
//!
//! ```
//! use http::{HeaderMap, StatusCode};
//! use sparkrtc::model::{AppStatus, JobState};
//! use sparkrtc::ops::{ShowMixJob, StartApp};
//! use sparkrtc::Operation;
//!
//! let body = br#"{"job_id":"j-1","app_id":"a-1","room_id":"r-1","state":"RUNNING",
//!     "create_time":"2021-04-16T16:22:44Z","stop_time":"0001-01-01T00:00:00Z"}"#;
//! let job = ShowMixJob::parse(StatusCode::OK, &HeaderMap::new(), body)?;
//!
//! // Always returned: the value, or an error naming the field.
//! let id: &str = job.job_id()?;
//! let running = match job.state()? {
//!     JobState::Running => true,
//!     JobState::Init | JobState::Stopped => false,
//!     other => panic!("a state this crate does not know: {other}"),
//! };
//! assert!(running && id == "j-1");
//! let created = job.create_time()?; // a SystemTime
//! assert_eq!(sparkrtc::timefmt::format_utc_seconds(created)?, "2021-04-16T16:22:44Z");
//! assert_eq!(job.stop_time()?, None, "the zero time: not stopped yet");
//!
//! // Truly optional: read the field, matched by reference (`match job.state`
//! // would move out of the output: E0507).
//! assert_eq!(job.record_param, None);
//! match &job.state {
//!     Some(JobState::Running) => {}
//!     _ => unreachable!(),
//! }
//!
//! // An application's status is the value set `AppStatus`, inside the
//! // `AppState` struct (with the time it changed): `status()` reads it directly.
//! let body = br#"{"app_id":"a-1","state":{"state":"DEACTIVATION","update_time":"2020-07-26T07:03:05.075Z"}}"#;
//! let app = StartApp::parse(StatusCode::OK, &HeaderMap::new(), body)?;
//! assert_eq!(app.status()?, &AppStatus::Deactivation);
//! assert_eq!(app.state()?.state()?, &AppStatus::Deactivation);
//!
//! // A field the service always returns, left out: an error naming it.
//! let e = ShowMixJob::parse(StatusCode::OK, &HeaderMap::new(), b"{}")?.job_id().unwrap_err();
//! assert_eq!(
//!     e.to_string(),
//!     "cannot decode MixJob response (HTTP 200) at `job_id`: absent, though the service always returns it; body \"\""
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#[macro_use]
mod macros;
#[macro_use]
pub(crate) mod rules;
pub(crate) mod access;
pub(crate) mod lenient;

mod app;
mod enums;
mod job;
mod obs;
mod record;
mod stats;
mod time;

pub use app::*;
pub use enums::*;
pub use job::*;
pub use obs::*;
pub use record::*;
pub use stats::*;
pub use time::{UtcDate, UtcTime};

use serde::{Deserialize, Serialize};

/// An empty response body (`{}` or no body at all).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Empty {}

/// A value a setter or constructor accepts for a field of type `T`.
///
/// Text fields take anything `Into<String>`, value sets take their variants
/// or their wire text, integers take integer literals (`.limit(10)`), lists
/// take any iterator of such values (`.state([UserState::Online])`,
/// `.region(vec!["GD", "SH"])`), nested models take themselves.
///
/// ```
/// use sparkrtc::model::UserState;
/// use sparkrtc::ops::ListRtcUserList;
///
/// let request = ListRtcUserList::new("app-1")
///     .limit(10)
///     .state([UserState::Online, UserState::Fail])
///     .region(["GD", "SH"]);
/// assert_eq!(request.limit, Some(10));
/// assert_eq!(request.region, Some(vec!["GD".to_owned(), "SH".to_owned()]));
/// ```
pub trait IntoField<T> {
    /// Converts the value into the field's type.
    fn into_field(self) -> T;
}

macro_rules! exact_fields {
    ($($t:ty),*) => {$(
        impl IntoField<$t> for $t {
            fn into_field(self) -> $t {
                self
            }
        }
    )*};
}
exact_fields!(u8, u16, u32, u64, i32, i64, f64, bool, ObsOperation);

impl<S: Into<String>> IntoField<String> for S {
    fn into_field(self) -> String {
        self.into()
    }
}

impl<S: Into<crate::Secret>> IntoField<crate::Secret> for S {
    fn into_field(self) -> crate::Secret {
        self.into()
    }
}

impl<T, I> IntoField<Vec<T>> for I
where
    I: IntoIterator,
    I::Item: IntoField<T>,
{
    fn into_field(self) -> Vec<T> {
        self.into_iter().map(IntoField::into_field).collect()
    }
}
