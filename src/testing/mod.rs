//! Test doubles for applications built on this crate (feature `test-util`):
//! a [`MockTransport`] that answers by rules, and record and replay of real
//! exchanges at the transport ([`Recorder`], [`Replayer`], the [`cassette`]
//! format).
//!
//! Which one to pick:
//!
//! - the **simulator** (feature `simulator`) when the test needs a service
//!   that behaves like SparkRTC across calls: applications and jobs that
//!   exist after they are created, rate limits, faults by rule;
//! - the **mock transport** when the test is about one answer, or a short
//!   sequence of them: "503 three times, then a job", "this exact page",
//!   "a timeout after the POST left"; nothing else has to be set up;
//! - **record and replay** when the test should see what the real service
//!   said, once recorded, without the account or the network afterwards.
//!
//! None of them touches the network unless it wraps a transport that does.
//!
//! # The mock transport
//!
//! Rules match an operation (typed with [`MockTransport::on`], or by
//! [`OperationId`] with [`MockTransport::on_operation`]), optionally with a
//! predicate on the request, and answer with a sequence of [`Answer`]s:
//!
//! ```
//! use std::sync::Arc;
//! use std::time::{Duration, UNIX_EPOCH};
//!
//! use sparkrtc::client::Client;
//! use sparkrtc::model::{EncodeTemplate, JobState, MixJob, MixJobReq, MixParam};
//! use sparkrtc::ops::CreateMixJob;
//! use sparkrtc::testing::{Answer, MockTransport};
//! use sparkrtc::time::VirtualClock;
//! use sparkrtc::{Credentials, OperationId};
//!
//! let mock = MockTransport::new();
//! let mut job = MixJob::default();
//! job.job_id = Some("job-1".into());
//! job.state = Some(JobState::Init);
//! let rule = mock
//!     .on::<CreateMixJob>()
//!     .match_requests(|op| op.body.mix_param.room_id == "room-1")
//!     .then(Answer::api_error(503).code("RTC.00002001")).times(3)
//!     .then(Answer::output(&job).request_id("req-ok"))
//!     .build();
//!
//! // A virtual clock: the retries' backoff takes no real time.
//! let clock = VirtualClock::unattended(UNIX_EPOCH + Duration::from_secs(1_704_164_645));
//! let client = Client::builder(mock.clone())
//!     .credentials(Credentials::ak_sk("AK", "SK")?)
//!     .clock(Arc::new(clock))
//!     .build()?;
//! let out = client.call(&CreateMixJob::new(
//!     "app-1",
//!     MixJobReq::new(MixParam::new("room-1", EncodeTemplate::AudioOnly)),
//! ))?;
//! assert_eq!(out.job_id().unwrap(), "job-1");
//! assert_eq!(out.request_id.as_deref(), Some("req-ok"));
//! assert_eq!(rule.calls(), 4);
//! assert_eq!(mock.requests()[0].operation(), Some(OperationId::CreateMixJob));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Record and replay
//!
//! A [`Recorder`] wraps any [`Transport`] and writes each exchange to a
//! cassette, secrets scrubbed; a [`Replayer`] serves a test from it. See
//! [`cassette`] for the file format and the scrubbing.

pub mod cassette;
mod mock;
mod requests;

pub use cassette::{
    Cassette, CassetteError, MatchOn, Offline, RecordMode, Recorder, ReplayMiss, Replayer,
    ACCESS_KEY_PLACEHOLDER,
};
pub use mock::{Answer, MockTransport, RuleBuilder, RuleHandle, RuleMode, Unmatched};
pub use requests::{assert_requests_match, CapturedRequest, RequestMatcher};

#[allow(unused_imports)] // the docs' links
use crate::{transport::Transport, OperationId};
