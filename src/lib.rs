//! # sparkrtc
//!
//! A client for the [Huawei Cloud SparkRTC](https://support.huaweicloud.com/intl/en-us/api-rtc/rtc_04_0002.html)
//! REST API (real-time audio and video): applications, recording rules,
//! automatic recording, recording callbacks, mixed-stream and single-stream
//! recording jobs, rooms, OBS buckets and the statistical-analysis API, every
//! operation of it.
//!
//! The crate is built around a **sans-io core**: every operation is a plain
//! value that turns into an `http::Request<Vec<u8>>`, and every response
//! (status, headers, bytes) turns into a typed output or a typed error.
//! Signing, pacing and retry decisions are pure functions too. The core reads
//! no clock, sleeps never, draws no random numbers, keeps no global state and
//! touches no network or file: time, seeds and bytes come in as arguments. A
//! build check (clippy's `disallowed-methods`, configured in `clippy.toml`)
//! fails when core code tries.
//!
//! ```
//! use sparkrtc::model::{EncodeTemplate, JobState, MixJobReq, MixParam, RecordParam};
//! use sparkrtc::ops::CreateMixJob;
//! use sparkrtc::{Endpoint, Operation};
//!
//! let endpoint = Endpoint::default().with_project_id("0123456789abcdef0123456789abcdef")?;
//!
//! // Build the request.
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
//! // Parse a response (here a canned one).
//! let body = br#"{"job_id":"j-1","state":"INIT","room_id":"room-1"}"#;
//! let out = CreateMixJob::parse(http::StatusCode::CREATED, &http::HeaderMap::new(), body)?;
//! assert_eq!(out.job_id.as_deref(), Some("j-1"));
//! assert_eq!(out.state, Some(JobState::Init));
//! # Ok::<(), sparkrtc::Error>(())
//! ```
//!
//! # Map
//!
//! The sans-io core (no I/O anywhere; `src/sansio/`):
//! - [`ops`]: one request type per operation, all declared in one table;
//!   [`Operation`] turns one into a request and parses its answer
//!   ([`Unchecked`] leaves documented ranges to the service);
//!   [`OperationId`] names an operation and carries its metadata;
//! - [`model`]: request and response bodies, value sets, and what a
//!   user reads from an answer (see its docs for the accessors' rule);
//! - [`timefmt`]: the API's time forms, formatted and parsed;
//! - [`dynamic`]: the same operations by name with JSON parameters, and
//!   requests read back as the service would ([`dynamic::decode_request`]);
//! - [`pages`]: paging through list operations;
//! - [`sign`], [`Credentials`], [`Secret`], [`iam`], [`clock`]: authentication;
//! - [`throttle`], [`retry`]: pacing to the documented rate limits, retry decisions;
//! - [`callback`]: recording callbacks, verified and parsed; [`join`]:
//!   room-join signatures;
//! - [`wait`]: waiting for a job or an application to reach a state, the
//!   delays between polls and what each answer means;
//! - [`Endpoint`], [`Error`], [`headers`]: where requests go, what can fail,
//!   the header names the API uses; [`redact`]: secrets hidden from what is
//!   shown.
//!
//! Around it, doing I/O:
//! - [`client`]: the blocking [`Client`](client::Client) that drives the loop;
//! - [`pacer`]: where the client's throttle lives, in this process or
//!   shared (the [`Pacer`](pacer::Pacer) trait, [`LocalPacer`](pacer::LocalPacer));
//! - [`transport`]: the [`Transport`](transport::Transport) trait and, with
//!   the `ureq` feature (default), `UreqTransport`;
//! - [`time`]: the clocks the client and the simulator wait on, virtual
//!   time for tests;
//! - `simulator` (feature `simulator`): the offline SparkRTC;
//! - `fleet` (feature `redis`): one throttle shared by a fleet through Redis;
//! - `testing` (feature `test-util`): test doubles for your application, a
//!   mock transport and record and replay (see
//!   [below](#testing-your-application)).
//!
//! # The drive loop
//!
//! One call is: **build** the request; **acquire** a slot from the
//! [`throttle`] (send now, or wait exactly `d`); **sign** it with the current
//! time; **send** it; **feed** the response back to the throttle (a 429's
//! `Retry-After` holds the scope); **parse** it; on an error, let the
//! [`retry`] policy decide: stop, or retry after `d`, back to *build*. Every
//! attempt is signed afresh, because the signature carries the time.
//!
//! Written out with the core alone, a stand-in for the HTTP client, and a
//! simulated clock:
//!
//! ```
//! use std::time::{Duration, UNIX_EPOCH};
//!
//! use http::{HeaderMap, Request, StatusCode};
//! use sparkrtc::model::{EncodeTemplate, MixJobReq, MixParam};
//! use sparkrtc::ops::CreateMixJob;
//! use sparkrtc::retry::{Outcome, RetryDecision, RetryPolicy};
//! use sparkrtc::sign::sign;
//! use sparkrtc::throttle::{Admission, CredentialId, Scope, Throttle};
//! use sparkrtc::{Credentials, Endpoint, Operation};
//!
//! let endpoint = Endpoint::default();
//! let mut throttle = Throttle::default(); // the documented limits
//! let policy = RetryPolicy::default();
//! // Scopes are per credential: pass the AK (an identifier), never the SK or a token.
//! let scope = Scope::of(CreateMixJob::ID).with_credential(CredentialId::from_access_key("MY-AK"));
//! let job = CreateMixJob::new(
//!     "my-app",
//!     MixJobReq::new(MixParam::new("room-1", EncodeTemplate::AudioOnly)),
//! );
//!
//! // The caller's monotonic clock and sleep (simulated here: sleeping moves the clock).
//! let mut now = Duration::ZERO;
//! // The caller's wall clock, for the signature date (simulated too).
//! let wall_clock = |now: Duration| UNIX_EPOCH + Duration::from_secs(1_704_164_645) + now;
//! let credentials = Credentials::ak_sk("MY-AK", "MY-SK")?;
//! // A stand-in for the HTTP client: the server first says 429 with
//! // `Retry-After: 3`, then accepts the job.
//! let mut throttled = HeaderMap::new();
//! throttled.insert("retry-after", "3".parse().unwrap());
//! let mut answers = vec![
//!     (StatusCode::CREATED, HeaderMap::new(), br#"{"job_id":"j-1","state":"INIT"}"#.to_vec()),
//!     (StatusCode::TOO_MANY_REQUESTS, throttled, br#"{"error_code":"APIG.0308",
//!       "error_msg":"The throttling threshold has been reached: policy user over ratelimit,limit:10,time:1 second"}"#.to_vec()),
//! ];
//! let mut send = |_request: Request<Vec<u8>>| answers.pop().unwrap();
//! let seed = 0x5eed; // any per-process value: it only spreads retries of different clients
//!
//! let started = now;
//! let mut attempt = 0;
//! let output = loop {
//!     attempt += 1;
//!     // 1. Build.
//!     let mut request = job.build(&endpoint)?;
//!     // 2. Acquire: wait until the scope may send.
//!     while let Admission::Wait(d) = throttle.acquire(scope, now) {
//!         now += d; // sleep(d)
//!     }
//!     // 3. Sign, with the current date: every attempt is signed afresh.
//!     sign(&mut request, &credentials, wall_clock(now))?;
//!     // 4. Send.
//!     let (status, headers, body) = send(request);
//!     // 5. Feed the answer back: a 429 blocks the scope until Retry-After; a
//!     //    daily quota is an error (`?`), not a wait.
//!     throttle.on_response(scope, now, status, &headers, &body)?;
//!     // 6. Parse.
//!     let error = match CreateMixJob::parse(status, &headers, &body) {
//!         Ok(output) => break output,
//!         Err(error) => error,
//!     };
//!     // 7. Retry or give up.
//!     match policy.decide(CreateMixJob::ID, attempt, now - started, Outcome::from(&error), seed) {
//!         RetryDecision::Retry(d) => now += d, // sleep(d), then loop: acquire waits out Retry-After
//!         RetryDecision::Stop(_) => return Err(error),
//!     }
//! };
//! assert_eq!(output.job_id.as_deref(), Some("j-1"));
//! assert_eq!(attempt, 2);
//! assert!(now >= Duration::from_secs(3), "the second attempt honoured Retry-After");
//! # Ok::<(), sparkrtc::Error>(())
//! ```
//!
//! # Testing your application
//!
//! Three test doubles stand in for the service, each a
//! [`Transport`](transport::Transport) a [`Client`](client::Client) takes:
//!
//! - the simulator (feature `simulator`), for behaviour across calls: what
//!   exists after it is created, jobs that start and stop, rate limits,
//!   faults by rule;
//! - `testing::MockTransport` (feature `test-util`), for the answers a test
//!   scripts: "503 three times, then a job", "this exact page", "a timeout
//!   after the POST left"; it keeps every request, read back into operation
//!   and parameters;
//! - `testing::Recorder` and `testing::Replayer` (feature `test-util`), for
//!   what the real service said, recorded once into a cassette with its
//!   secrets scrubbed, replayed on every run with no account or network.
//!
//! The `testing` module documents each, with examples; the README's
//! "Testing your application" shows the three side by side.
//!
//! # Fuzzing your application
//!
//! With the `arbitrary` feature, every operation's request type and every
//! model implements `arbitrary::Arbitrary`, and
//! `OperationId::arbitrary_request` draws any operation's request and
//! builds it. A fuzz target of your own (cargo fuzz) can feed arbitrary yet
//! well-formed answers through the mock transport into your code, which
//! must never panic whatever the service says:
//!
//! ```
//! # #[cfg(all(feature = "arbitrary", feature = "test-util"))] {
//! use arbitrary::{Arbitrary, Unstructured};
//! use sparkrtc::client::Client;
//! use sparkrtc::model::MixJob;
//! use sparkrtc::ops::ShowMixJob;
//! use sparkrtc::retry::RetryPolicy;
//! use sparkrtc::testing::{Answer, MockTransport};
//! use sparkrtc::transport::Transport;
//! use sparkrtc::{Credentials, Error};
//!
//! /// The application code under test.
//! fn is_recording<T: Transport>(client: &Client<T>, app: &str, job: &str) -> Result<bool, Error> {
//!     let job = client.call(&ShowMixJob::new(app, job))?;
//!     Ok(job.state()?.as_str() == "RUNNING")
//! }
//!
//! // In fuzz/fuzz_targets/is_recording.rs:
//! // libfuzzer_sys::fuzz_target!(|data: &[u8]| fuzz_is_recording(data));
//! fn fuzz_is_recording(data: &[u8]) {
//!     let mut u = Unstructured::new(data);
//!     let (Ok(job), Ok(status)) = (MixJob::arbitrary(&mut u), u.int_in_range(200..=599)) else {
//!         return;
//!     };
//!     let mock = MockTransport::new();
//!     let answer = if status < 300 { Answer::output(&job).status(status) } else { Answer::api_error(status) };
//!     let _rule = mock.on::<ShowMixJob>().then(answer).build();
//!     let client = Client::builder(mock)
//!         .credentials(Credentials::ak_sk("AK", "SK").unwrap())
//!         .retry(RetryPolicy::never())
//!         .build()
//!         .unwrap();
//!     // Any answer: a state, or an error the application handles; no panic.
//!     let _ = is_recording(&client, "app-1", "job-1");
//! }
//!
//! fuzz_is_recording(b"any bytes at all: the fuzzer's");
//! fuzz_is_recording(&[0x5a; 512]);
//! # }
//! ```

#![forbid(unsafe_code)]
// docs.rs (`--cfg docsrs`, see Cargo.toml) marks each feature-gated item with
// the features it needs.
#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(missing_docs)]
#![warn(rust_2018_idioms, unreachable_pub)]

// The sans-io core. Nothing under `sansio/` does I/O; `clippy.toml` makes
// the build fail if it reads a clock, sleeps, reads the environment, touches
// a file or opens a socket.
mod sansio;

// `arbitrary::Arbitrary` for the types the macros do not declare (pure).
#[cfg(feature = "arbitrary")]
mod fuzzing;

// Everything that does I/O, each allowed to by name.
#[allow(clippy::disallowed_methods, clippy::disallowed_types)]
pub mod client;
#[allow(clippy::disallowed_methods, clippy::disallowed_types)]
mod env;
#[cfg(feature = "redis")]
#[cfg_attr(docsrs, doc(cfg(feature = "redis")))]
#[allow(clippy::disallowed_methods, clippy::disallowed_types)]
pub mod fleet;
#[allow(clippy::disallowed_types)]
pub mod pacer;
#[cfg(feature = "simulator")]
#[cfg_attr(docsrs, doc(cfg(feature = "simulator")))]
#[allow(clippy::disallowed_methods, clippy::disallowed_types)]
pub mod simulator;
#[cfg(feature = "test-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
#[allow(clippy::disallowed_methods, clippy::disallowed_types)]
pub mod testing;
#[allow(clippy::disallowed_methods, clippy::disallowed_types)]
pub mod time;
#[allow(clippy::disallowed_methods, clippy::disallowed_types)]
pub mod transport;

/// The `http` crate this crate's requests and responses are made of.
pub use http;

pub use sansio::auth::{clock, iam, join, sign, Credentials, Secret};
pub use sansio::callback;
pub use sansio::model;
pub use sansio::operations::{
    dynamic, ops, pages, Operation, OperationId, OperationInfo, Output, ParamInfo, ParamLocation,
    Unchecked,
};
pub use sansio::pacing::{retry, throttle};
pub use sansio::wait;
pub use sansio::wire::time as timefmt;
pub use sansio::wire::{headers, redact, ApiError, DecodeError, Endpoint, Error};

#[cfg(feature = "arbitrary")]
#[cfg_attr(docsrs, doc(cfg(feature = "arbitrary")))]
pub use fuzzing::ArbitraryRequest;

// The README's snippets are doc tests.
#[cfg(all(doctest, feature = "ureq"))]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
