//! Waiting for a job or an application to reach a state: the client's side
//! of a waiter, over the pure [`WaitSchedule`] and [`Acceptors`] of
//! [`crate::wait`].
//!
//! ```no_run
//! use std::time::Duration;
//!
//! use sparkrtc::client::Client;
//! use sparkrtc::model::JobState;
//! use sparkrtc::ops::ShowMixJob;
//!
//! let client = Client::from_env()?;
//! // The typed way: RUNNING, or an error saying why not (stopped first,
//! // timed out with the last state seen, not found, ...).
//! let job = client.wait_mix_job("my-app", "job-1", JobState::Running, Duration::from_secs(60))?;
//! println!("running since {:?}", job.start_time);
//!
//! // Any condition on any operation's output.
//! let job = client
//!     .wait_for(ShowMixJob::new("my-app", "job-1"))
//!     .until(|job| job.state == Some(JobState::Running) && job.stream_name.is_some())
//!     .fail_if(|job| job.state == Some(JobState::Stopped))
//!     .max_wait(Duration::from_secs(60))
//!     .wait()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::sync::atomic::Ordering;
use std::time::Duration;

use serde::Serialize;

use super::Client;
use crate::model::{App, AppStatus, IndividualStreamJob, JobState, MixJob};
use crate::ops::{ShowApp, ShowIndividualStreamJob, ShowMixJob};
use crate::sansio::pacing::splitmix64;
use crate::sansio::wait::job_state_passed;
use crate::transport::Transport;
use crate::wait::{Acceptors, Verdict, WaitSchedule};
use crate::{Error, Operation, Output};

/// Keeps the seeds of waits apart from those of calls (both are drawn from
/// the client's seed).
const WAIT_STREAM: u64 = 0x7761_6974_7761_6974;

impl<T: Transport> Client<T> {
    /// A waiter that polls `operation` (a read: `ShowMixJob`,
    /// `ShowIndividualStreamJob`, `ShowApp`, ...) until its output passes
    /// a test given with [`Waiter::until`].
    ///
    /// Every poll is an ordinary [`call`](Client::call): throttled to the
    /// documented limits, signed afresh, retried per the client's retry
    /// policy within its deadline. Between polls the waiter sleeps on the
    /// client's [`Clock`](crate::time::Clock) (a
    /// [`VirtualClock`](crate::time::VirtualClock) makes a test's waits
    /// instant) the delays of its [`WaitSchedule`] (default
    /// [`WaitSchedule::new`]: from 1 s growing to 10 s, within 2 minutes),
    /// with jitter drawn from the client's seed.
    ///
    /// Rooms have no read operation of their own: their state (`RUNNING`,
    /// `CLOSED`) is in the statistics, `ListRtcRoomList`, limited to 30
    /// requests a minute and some time behind. Poll it with a longer
    /// `min_delay`:
    ///
    /// ```no_run
    /// use std::time::Duration;
    ///
    /// use sparkrtc::client::Client;
    /// use sparkrtc::model::RoomState;
    /// use sparkrtc::ops::ListRtcRoomList;
    ///
    /// let client = Client::from_env()?;
    /// let closed = |list: &sparkrtc::model::RoomList| {
    ///     list.room_info_list.iter().any(|room| room.state == Some(RoomState::Closed))
    /// };
    /// client
    ///     .wait_for(ListRtcRoomList::new("my-app").room_id("class-42"))
    ///     .until(closed)
    ///     .min_delay(Duration::from_secs(10))
    ///     .max_delay(Duration::from_secs(60))
    ///     .max_wait(Duration::from_secs(600))
    ///     .wait()?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn wait_for<O: Operation>(&self, operation: O) -> Waiter<'_, T, O> {
        Waiter {
            client: self,
            operation,
            acceptors: Acceptors::new(),
            schedule: WaitSchedule::new(),
            seed: None,
        }
    }

    /// Waits for a mixed-stream job to be in `state`, at most `max_wait`;
    /// its last answer.
    ///
    /// Jobs go `INIT`, `RUNNING`, `STOPPED` and never back: a job found
    /// past `state` (stopped, while waiting for `RUNNING`) ends the wait
    /// with [`WaitError::Failed`] carrying it. An unknown job (or
    /// application) ends it with [`WaitError::Call`], whose error
    /// [`is_not_found`](Error::is_not_found). The delays are those of
    /// [`WaitSchedule::new`]; see [`wait_for`](Self::wait_for) for another
    /// schedule or condition.
    pub fn wait_mix_job(
        &self,
        app_id: impl Into<String>,
        job_id: impl Into<String>,
        state: JobState,
        max_wait: Duration,
    ) -> Result<Output<MixJob>, WaitError<MixJob>> {
        let passed = state.clone();
        self.wait_for(ShowMixJob::new(app_id, job_id))
            .until(move |job| job.state.as_ref() == Some(&state))
            .fail_if(move |job| {
                job.state
                    .as_ref()
                    .is_some_and(|s| job_state_passed(s, &passed))
            })
            .max_wait(max_wait)
            .wait()
    }

    /// Waits for a single-stream job to be in `state`, at most `max_wait`;
    /// its last answer. As [`wait_mix_job`](Self::wait_mix_job).
    pub fn wait_individual_job(
        &self,
        app_id: impl Into<String>,
        job_id: impl Into<String>,
        state: JobState,
        max_wait: Duration,
    ) -> Result<Output<IndividualStreamJob>, WaitError<IndividualStreamJob>> {
        let passed = state.clone();
        self.wait_for(ShowIndividualStreamJob::new(app_id, job_id))
            .until(move |job| job.state.as_ref() == Some(&state))
            .fail_if(move |job| {
                job.state
                    .as_ref()
                    .is_some_and(|s| job_state_passed(s, &passed))
            })
            .max_wait(max_wait)
            .wait()
    }

    /// Waits for an application to be in `status` (`ACTIVATION` after
    /// `StartApp`, `DEACTIVATION` after `StopApp`), at most `max_wait`; its
    /// last answer. A deleted application (`DELETED`) never comes back: it
    /// ends a wait for any other status with [`WaitError::Failed`]. An
    /// unknown application ends it with [`WaitError::Call`], whose error
    /// [`is_not_found`](Error::is_not_found).
    pub fn wait_app(
        &self,
        app_id: impl Into<String>,
        status: AppStatus,
        max_wait: Duration,
    ) -> Result<Output<App>, WaitError<App>> {
        fn status_of(app: &App) -> Option<&AppStatus> {
            app.state.as_ref().and_then(|s| s.state.as_ref())
        }
        let deleted_is_final = status != AppStatus::Deleted;
        self.wait_for(ShowApp::new(app_id))
            .until(move |app| status_of(app) == Some(&status))
            .fail_if(move |app| deleted_is_final && status_of(app) == Some(&AppStatus::Deleted))
            .max_wait(max_wait)
            .wait()
    }

    /// The seed of the next wait's jitter: the client's, mixed with the
    /// wait's number.
    fn wait_seed(&self) -> u64 {
        self.seed ^ splitmix64(WAIT_STREAM ^ self.waits.fetch_add(1, Ordering::Relaxed))
    }
}

/// A wait being set up: the operation polled, its acceptors, its schedule;
/// from [`Client::wait_for`]. [`wait`](Self::wait) runs it.
///
/// Acceptors are tried in the order given, the first that matches decides:
/// [`until`](Self::until) ends the wait with success,
/// [`fail_if`](Self::fail_if) with [`WaitError::Failed`]; an output no
/// acceptor matches means "poll again". An error ends the wait
/// ([`WaitError::Call`]) unless [`retry_on_error`](Self::retry_on_error)
/// accepts it. (Nothing in SparkRTC is removed in the background, so no
/// error means success: a deletion is done when its call answers.)
pub struct Waiter<'a, T, O: Operation> {
    client: &'a Client<T>,
    operation: O,
    acceptors: Acceptors<'a, O::Output>,
    schedule: WaitSchedule,
    seed: Option<u64>,
}

impl<T, O: Operation> fmt::Debug for Waiter<'_, T, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Waiter")
            .field("operation", &self.operation)
            .field("acceptors", &self.acceptors)
            .field("schedule", &self.schedule)
            .field("seed", &self.seed)
            .finish_non_exhaustive()
    }
}

impl<'a, T: Transport, O: Operation> Waiter<'a, T, O> {
    /// Success when an output passes `test`.
    pub fn until(mut self, test: impl Fn(&O::Output) -> bool + Send + 'a) -> Self {
        self.acceptors = self.acceptors.on_output(Verdict::Success, test);
        self
    }

    /// Failure when an output passes `test`: the resource is in a state
    /// from which the one waited for cannot come (a job stopped while
    /// waiting for it to run). The wait ends with [`WaitError::Failed`].
    pub fn fail_if(mut self, test: impl Fn(&O::Output) -> bool + Send + 'a) -> Self {
        self.acceptors = self.acceptors.on_output(Verdict::Failure, test);
        self
    }

    /// Poll again after an error that passes `test`, instead of ending the
    /// wait (for example [`Error::is_not_found`] just after creating the
    /// resource, on a service that is slow to show it). The client has
    /// already retried what its retry policy retries.
    pub fn retry_on_error(mut self, test: impl Fn(&Error) -> bool + Send + 'a) -> Self {
        self.acceptors = self.acceptors.retry_on_error(test);
        self
    }

    /// The delay after the first poll and the least between polls
    /// (default 1 s; more than zero).
    pub fn min_delay(mut self, delay: Duration) -> Self {
        self.schedule = self.schedule.with_min_delay(delay);
        self
    }

    /// The longest delay between polls (default 10 s; at least the least
    /// one).
    pub fn max_delay(mut self, delay: Duration) -> Self {
        self.schedule = self.schedule.with_max_delay(delay);
        self
    }

    /// The bound on the whole wait, from the first poll (default 2
    /// minutes). No sleep ends after it; a poll sent before it may end
    /// after it, by at most the client's deadline.
    pub fn max_wait(mut self, max_wait: Duration) -> Self {
        self.schedule = self.schedule.with_max_wait(max_wait);
        self
    }

    /// The whole schedule at once.
    pub fn schedule(mut self, schedule: WaitSchedule) -> Self {
        self.schedule = schedule;
        self
    }

    /// The seed of the delays' jitter (default: drawn from the client's
    /// seed, different for each wait). Fix it to know the delays in
    /// advance: they are [`WaitSchedule::delay`]`(poll, seed)`.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = Some(seed);
        self
    }

    /// Polls until an acceptor decides or the bound passes: the output
    /// that passed an [`until`](Self::until) test, or why not.
    ///
    /// Before the first poll, a waiter without an `until` test, or with a
    /// schedule that [`WaitSchedule::check`] refuses, fails with
    /// [`WaitError::Call`] (an [`Error::InvalidParameter`]), having sent
    /// nothing.
    pub fn wait(self) -> Result<Output<O::Output>, WaitError<O::Output>> {
        let operation = O::ID.name();
        let refused = |error: Error| WaitError::Call {
            operation,
            error: error.in_operation(operation),
            polls: 0,
            waited: Duration::ZERO,
        };
        self.schedule.check().map_err(refused)?;
        if !self.acceptors.can_succeed() {
            return Err(refused(Error::invalid(
                "until",
                "a wait needs a condition to succeed on: give one with Waiter::until",
            )));
        }
        let seed = self.seed.unwrap_or_else(|| self.client.wait_seed());
        let clock = &self.client.clock;
        let started = clock.now();
        let mut polls = 0u32;
        let mut last: Option<Box<Output<O::Output>>> = None;
        loop {
            polls += 1;
            let result = self.client.call(&self.operation);
            let verdict = self.acceptors.judge(result.as_ref().map(|out| &out.body));
            let waited = clock.now().saturating_sub(started);
            // The error of this poll, when it is retried.
            let last_error = match (verdict, result) {
                (Verdict::Success, Ok(output)) => return Ok(output),
                (Verdict::Failure, Ok(output)) => {
                    return Err(WaitError::Failed {
                        operation,
                        state: Box::new(output),
                        polls,
                        waited,
                    })
                }
                (Verdict::Retry, Ok(output)) => {
                    last = Some(Box::new(output));
                    None
                }
                (Verdict::Retry, Err(error)) => Some(Box::new(error)),
                (_, Err(error)) => {
                    return Err(WaitError::Call {
                        operation,
                        error,
                        polls,
                        waited,
                    })
                }
            };
            match self.schedule.next(polls, waited, seed) {
                Some(delay) => clock.sleep(delay),
                None => {
                    return Err(WaitError::TimedOut {
                        operation,
                        last,
                        last_error,
                        polls,
                        waited,
                    })
                }
            }
        }
    }
}

/// Why a wait did not succeed. `T` is the output of the operation polled
/// ([`MixJob`] for `ShowMixJob`).
///
/// `Display` names the operation, the number of polls, the time waited and
/// the last state seen (the output's `state`, as the service wrote it,
/// escaped and cut to 64 characters), or the error; never the output
/// itself. `Debug` shows the outputs, whose secrets (an application's
/// `app_key`) are redacted.
#[derive(Debug)]
#[non_exhaustive]
pub enum WaitError<T> {
    /// The bound passed before an output passed an `until` test.
    TimedOut {
        /// The operation polled (`ShowMixJob`).
        operation: &'static str,
        /// The last output seen, if any poll answered.
        last: Option<Box<Output<T>>>,
        /// The error of the last poll, when it failed with an error the
        /// waiter retries.
        last_error: Option<Box<Error>>,
        /// Polls made.
        polls: u32,
        /// Time from the first poll to the last answer.
        waited: Duration,
    },
    /// An output passed a `fail_if` test: the state waited for cannot
    /// come any more.
    Failed {
        /// The operation polled.
        operation: &'static str,
        /// That output.
        state: Box<Output<T>>,
        /// Polls made.
        polls: u32,
        /// Time from the first poll to that answer.
        waited: Duration,
    },
    /// A poll failed with an error the waiter does not retry (an unknown
    /// job: [`Error::is_not_found`]), or the waiter was refused before
    /// polling (`polls` is 0).
    Call {
        /// The operation polled.
        operation: &'static str,
        /// The error.
        error: Error,
        /// Polls made, the failed one included.
        polls: u32,
        /// Time from the first poll to the failure.
        waited: Duration,
    },
}

impl<T> WaitError<T> {
    /// The error a poll failed with ([`WaitError::Call`]), or that of the
    /// last poll of a wait that timed out retrying errors.
    pub fn error(&self) -> Option<&Error> {
        match self {
            WaitError::Call { error, .. } => Some(error),
            WaitError::TimedOut { last_error, .. } => last_error.as_deref(),
            WaitError::Failed { .. } => None,
        }
    }

    /// The last output seen: the one that failed the wait, or the last of
    /// a wait that timed out.
    pub fn last(&self) -> Option<&Output<T>> {
        match self {
            WaitError::TimedOut { last, .. } => last.as_deref(),
            WaitError::Failed { state, .. } => Some(state),
            WaitError::Call { .. } => None,
        }
    }

    /// Polls made.
    pub fn polls(&self) -> u32 {
        match self {
            WaitError::TimedOut { polls, .. }
            | WaitError::Failed { polls, .. }
            | WaitError::Call { polls, .. } => *polls,
        }
    }

    /// Time from the first poll to the last answer.
    pub fn waited(&self) -> Duration {
        match self {
            WaitError::TimedOut { waited, .. }
            | WaitError::Failed { waited, .. }
            | WaitError::Call { waited, .. } => *waited,
        }
    }

    /// Whether the wait timed out.
    pub fn is_timed_out(&self) -> bool {
        matches!(self, WaitError::TimedOut { .. })
    }

    /// Whether a poll found the resource missing: a [`WaitError::Call`]
    /// whose error [`is_not_found`](Error::is_not_found).
    pub fn is_not_found(&self) -> bool {
        matches!(self, WaitError::Call { error, .. } if error.is_not_found())
    }
}

/// How many characters of a state a message shows.
const STATE_CHARS: usize = 64;

/// The `state` an output reports, for a message: a text field `state`
/// (a job's), or the `state` inside an object `state` (an application's
/// `{"state": "ACTIVATION", ...}`); escaped, cut to [`STATE_CHARS`].
fn state_of<T: Serialize>(output: &T) -> Option<String> {
    let value = serde_json::to_value(output).ok()?;
    let state = match value.get("state")? {
        serde_json::Value::Object(inner) => inner.get("state")?.as_str()?.to_owned(),
        other => other.as_str()?.to_owned(),
    };
    let mut shown: String = state
        .chars()
        .take(STATE_CHARS)
        .collect::<String>()
        .escape_debug()
        .collect();
    if state.chars().nth(STATE_CHARS).is_some() {
        shown.push('…');
    }
    Some(shown)
}

impl<T: Serialize> fmt::Display for WaitError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let polls = |n: u32| {
            if n == 1 {
                "1 poll".to_owned()
            } else {
                format!("{n} polls")
            }
        };
        match self {
            WaitError::TimedOut {
                operation,
                last,
                last_error,
                polls: n,
                waited,
            } => {
                write!(
                    f,
                    "{operation}: timed out after {waited:?} and {}",
                    polls(*n)
                )?;
                match last.as_deref().and_then(|out| state_of(&out.body)) {
                    Some(state) => write!(f, "; last state {state}")?,
                    None if last.is_some() => write!(f, "; the last answer has no state")?,
                    None => write!(f, "; no answer")?,
                }
                match last_error {
                    Some(error) => write!(f, "; last error: {error}"),
                    None => Ok(()),
                }
            }
            WaitError::Failed {
                operation,
                state,
                polls: n,
                waited,
            } => {
                let shown = state_of(&state.body).unwrap_or_else(|| "without a state".to_owned());
                write!(
                    f,
                    "{operation}: the state waited for cannot come: {shown} after {waited:?} and {}",
                    polls(*n)
                )
            }
            WaitError::Call {
                operation,
                error,
                polls: 0,
                ..
            } => write!(f, "{operation}: cannot wait: {error}"),
            WaitError::Call {
                operation,
                error,
                polls: n,
                waited,
            } => write!(f, "{operation}: poll {n} failed after {waited:?}: {error}"),
        }
    }
}

impl<T: Serialize + fmt::Debug> std::error::Error for WaitError<T> {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.error()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn out(body: Value) -> Box<Output<Value>> {
        Box::new(Output {
            request_id: Some("r-1".into()),
            body,
        })
    }

    #[test]
    fn the_state_shown_is_the_outputs_own_escaped_and_cut() {
        let mut job = MixJob::default();
        assert_eq!(state_of(&job), None);
        job.state = Some(JobState::Running);
        assert_eq!(state_of(&job).as_deref(), Some("RUNNING"));
        job.state = Some(JobState::Unknown(format!(
            "A\u{1b}[2J\n{}",
            "x".repeat(100)
        )));
        let shown = state_of(&job).unwrap();
        assert_eq!(shown, format!("A\\u{{1b}}[2J\\n{}…", "x".repeat(58)));
        job.state = Some(JobState::Unknown("y".repeat(64)));
        assert_eq!(state_of(&job), Some("y".repeat(64)));

        let app: App = serde_json::from_value(json!({"state": {"state": "DEACTIVATION"}})).unwrap();
        assert_eq!(state_of(&app).as_deref(), Some("DEACTIVATION"));
        assert_eq!(state_of(&json!({"state": {"other": "x"}})), None);
        assert_eq!(state_of(&json!({"state": 3})), None);
        assert_eq!(state_of(&json!([1])), None);
    }

    #[test]
    fn messages_without_a_state() {
        let timed_out: WaitError<Value> = WaitError::TimedOut {
            operation: "ShowApp",
            last: Some(out(json!({}))),
            last_error: None,
            polls: 2,
            waited: Duration::from_secs(3),
        };
        assert_eq!(
            timed_out.to_string(),
            "ShowApp: timed out after 3s and 2 polls; the last answer has no state"
        );
        assert!(std::error::Error::source(&timed_out).is_none());
        let failed: WaitError<Value> = WaitError::Failed {
            operation: "ShowApp",
            state: out(json!({"state": null})),
            polls: 1,
            waited: Duration::ZERO,
        };
        assert_eq!(
            failed.to_string(),
            "ShowApp: the state waited for cannot come: without a state after 0ns and 1 poll"
        );
        assert_eq!(failed.last().unwrap().request_id.as_deref(), Some("r-1"));
        assert_eq!((failed.polls(), failed.waited()), (1, Duration::ZERO));
    }
}
