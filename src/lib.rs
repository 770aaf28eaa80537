//! # sparkrtc
//!
//! A client for the [Huawei Cloud SparkRTC](https://support.huaweicloud.com/intl/en-us/api-rtc/rtc_04_0002.html)
//! REST API (real-time audio and video): applications, recording rules,
//! automatic recording, recording callbacks, mixed-stream and single-stream
//! recording jobs, rooms, OBS buckets and the statistical-analysis API. All
//! 42 operations.
//!
//! The crate is built around a **sans-io core** ([`proto`]): every operation
//! is a plain value that turns into an `http::Request<Vec<u8>>`, and every
//! response (status, headers, bytes) turns into a typed output or a typed
//! error. No I/O, no clock, no randomness, no global state: plug in any HTTP
//! stack.
//!
//! ```
//! use sparkrtc::{model::*, ops::CreateMixJob, Endpoint, Operation};
//!
//! let endpoint = Endpoint::default().with_project_id("0123456789abcdef0123456789abcdef")?;
//!
//! // 1. Build the request.
//! let job = CreateMixJob::new(
//!     "my-app",
//!     MixJobReq::new(MixParam::new("room-1", EncodeTemplate::AudioOnly))
//!         .record_param(RecordParam::new("rule-1")),
//! );
//! let request = job.build(&endpoint)?;
//! assert_eq!(request.method(), "POST");
//! assert_eq!(request.uri().path(), "/v2/apps/my-app/mix-stream-jobs");
//! assert_eq!(
//!     request.body(),
//!     br#"{"mix_param":{"room_id":"room-1","encode_template":"audio_only"},"record_param":{"record_rule_id":"rule-1"}}"#
//! );
//!
//! // 2. Sign it and send it with any HTTP client; here, a canned answer.
//! let status = http::StatusCode::CREATED;
//! let headers = http::HeaderMap::new();
//! let body = br#"{"job_id":"j-1","state":"INIT","room_id":"room-1"}"#;
//!
//! // 3. Parse the response.
//! let out = CreateMixJob::parse(status, &headers, body)?;
//! assert_eq!(out.job_id.as_deref(), Some("j-1"));
//! assert_eq!(out.state, Some(JobState::Init));
//! # Ok::<(), sparkrtc::Error>(())
//! ```
//!
//! Every operation is also reachable by its upstream name with JSON
//! parameters, through [`dynamic`], for scripts, configuration-driven calls
//! and command-line tools. Signing is in [`sign`], pacing to the documented
//! rate limits in [`throttle`], retry decisions in [`retry`]; [`proto`]
//! describes the whole drive loop.

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![warn(rust_2018_idioms, unreachable_pub)]

mod env;
pub mod proto;

pub use proto::{dynamic, model, ops, retry, sign, throttle};
pub use proto::{
    ApiError, Credentials, DecodeError, Endpoint, Error, Operation, OperationId, OperationInfo,
    Output, RateLimit, Secret, ThrottleCategory,
};
