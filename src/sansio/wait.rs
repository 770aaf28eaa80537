//! Waiting for a resource to reach a state: the pure half of a waiter.
//!
//! A waiter polls a read operation (`ShowMixJob`, `ShowIndividualStreamJob`,
//! `ShowApp`, ...) until its output says the state waited for is reached,
//! sleeping a growing delay between polls, within a bound. Two pure pieces
//! decide everything, and [`Client::wait_for`](crate::client::Client::wait_for)
//! drives them (every poll an ordinary call: throttled, signed, retried):
//!
//! - [`WaitSchedule`]: how long to sleep after each poll, and when to give
//!   up. It reads no clock: the time spent so far comes in as an argument,
//!   and the jitter is drawn from a seed.
//! - [`Acceptors`]: what the result of a poll means ([`Verdict`]): the wait
//!   succeeded, it failed (the resource is in a state from which the one
//!   waited for cannot come), or poll again.
//!
//! # The schedule
//!
//! The first poll is made at once. After poll `n` (from 1) the delay is
//! drawn uniformly from `min_delay..=min(max_delay, min_delay * 2^(n-1))`:
//! exactly `min_delay` after the first poll, then up to twice, four times
//! ... as long, never more than `max_delay` (the shape of Smithy's
//! `@waitable` waiters). No wait ends after `max_wait` from the first poll:
//! the last delay is cut to end at the bound, and when less than
//! `min_delay` is left the wait is over (timed out). Polls are never closer
//! together than `min_delay`.
//!
//! The defaults fit SparkRTC: a recording job goes from `INIT` to `RUNNING`
//! within a second or a few, so the first look again comes after
//! [`DEFAULT_MIN_DELAY`] (1 s); the delays grow to at most
//! [`DEFAULT_MAX_DELAY`] (10 s), so a state reached late is seen within
//! 10 s; [`DEFAULT_MAX_WAIT`] is 2 minutes. One waiter polls at most once a
//! second, a tenth of the job operations' documented limit (10 requests a
//! second per account) and under the application operations' (60 a minute);
//! the client's throttle holds the limits whatever the delays.
//!
//! # Driving it by hand
//!
//! The loop [`Client::wait_for`](crate::client::Client::wait_for) runs, with a
//! canned series of answers and simulated time:
//!
//! ```
//! use std::time::Duration;
//!
//! use sparkrtc::model::{JobState, MixJob};
//! use sparkrtc::wait::{Acceptors, Verdict, WaitSchedule};
//! use sparkrtc::Error;
//!
//! let schedule = WaitSchedule::new().with_max_wait(Duration::from_secs(30));
//! let acceptors = Acceptors::new()
//!     .on_output(Verdict::Success, |job: &MixJob| job.state == Some(JobState::Running))
//!     .on_output(Verdict::Failure, |job: &MixJob| job.state == Some(JobState::Stopped));
//! let seed = 7; // any value: it spreads the polls of different waiters
//!
//! // What ShowMixJob answers at each poll (a stand-in for the client).
//! let job = |state| {
//!     let mut job = MixJob::default();
//!     job.state = Some(state);
//!     job
//! };
//! let mut answers = vec![job(JobState::Running), job(JobState::Init), job(JobState::Init)];
//!
//! let mut elapsed = Duration::ZERO;
//! let mut poll = 0;
//! let verdict = loop {
//!     poll += 1;
//!     let answer: Result<MixJob, Error> = Ok(answers.pop().unwrap());
//!     match acceptors.judge(answer.as_ref()) {
//!         Verdict::Retry => {}
//!         done => break done,
//!     }
//!     match schedule.next(poll, elapsed, seed) {
//!         Some(delay) => elapsed += delay, // sleep(delay)
//!         None => panic!("timed out"),
//!     }
//! };
//! assert_eq!(verdict, Verdict::Success);
//! assert_eq!(poll, 3);
//! // 1 s after the first poll, then 1 to 2 s.
//! let second = schedule.delay(2, seed);
//! assert!(second >= Duration::from_secs(1) && second <= Duration::from_secs(2));
//! assert_eq!(elapsed, Duration::from_secs(1) + second);
//! ```

use std::fmt;
use std::time::Duration;

use crate::model::JobState;
use crate::sansio::pacing::{nanos, splitmix64, uniform};
use crate::Error;

/// Default: the delay after the first poll, and the least between polls.
pub const DEFAULT_MIN_DELAY: Duration = Duration::from_secs(1);
/// Default: the longest delay between polls.
pub const DEFAULT_MAX_DELAY: Duration = Duration::from_secs(10);
/// Default: the bound on a whole wait, from its first poll.
pub const DEFAULT_MAX_WAIT: Duration = Duration::from_secs(120);

/// The delays between the polls of a wait, and its bound. See the
/// [module documentation](self) for the rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct WaitSchedule {
    min_delay: Duration,
    max_delay: Duration,
    max_wait: Duration,
}

impl Default for WaitSchedule {
    fn default() -> Self {
        WaitSchedule::new()
    }
}

impl WaitSchedule {
    /// The defaults: delays from [`DEFAULT_MIN_DELAY`] (1 s) growing to
    /// [`DEFAULT_MAX_DELAY`] (10 s), within [`DEFAULT_MAX_WAIT`] (2 minutes).
    pub const fn new() -> WaitSchedule {
        WaitSchedule {
            min_delay: DEFAULT_MIN_DELAY,
            max_delay: DEFAULT_MAX_DELAY,
            max_wait: DEFAULT_MAX_WAIT,
        }
    }

    /// The delay after the first poll, and the least between any two
    /// (more than zero; see [`check`](Self::check)).
    pub const fn with_min_delay(mut self, delay: Duration) -> Self {
        self.min_delay = delay;
        self
    }

    /// The longest delay between polls (at least the least one).
    pub const fn with_max_delay(mut self, delay: Duration) -> Self {
        self.max_delay = delay;
        self
    }

    /// The bound on the whole wait, from its first poll.
    pub const fn with_max_wait(mut self, max_wait: Duration) -> Self {
        self.max_wait = max_wait;
        self
    }

    /// The delay after the first poll, and the least between polls.
    pub const fn min_delay(&self) -> Duration {
        self.min_delay
    }

    /// The longest delay between polls.
    pub const fn max_delay(&self) -> Duration {
        self.max_delay
    }

    /// The bound on the whole wait.
    pub const fn max_wait(&self) -> Duration {
        self.max_wait
    }

    /// Whether the schedule can be used: `min_delay` more than zero (a
    /// waiter would otherwise poll as fast as the throttle lets it), and
    /// `max_delay` at least `min_delay`. An [`Error::InvalidParameter`]
    /// naming the setting otherwise.
    ///
    /// ```
    /// use std::time::Duration;
    /// use sparkrtc::wait::WaitSchedule;
    ///
    /// assert!(WaitSchedule::new().check().is_ok());
    /// let err = WaitSchedule::new().with_max_delay(Duration::from_millis(500)).check().unwrap_err();
    /// assert_eq!(err.to_string(), "invalid parameter `max_delay`: must be at least min_delay (1s), got 500ms");
    /// ```
    pub fn check(&self) -> Result<(), Error> {
        if self.min_delay.is_zero() {
            return Err(Error::invalid("min_delay", "must be more than zero"));
        }
        if self.max_delay < self.min_delay {
            return Err(Error::invalid(
                "max_delay",
                format!(
                    "must be at least min_delay ({:?}), got {:?}",
                    self.min_delay, self.max_delay
                ),
            ));
        }
        Ok(())
    }

    /// The delay after poll `poll` (from 1; 0 reads as 1), before the
    /// bound: uniform in `min_delay..=min(max_delay, min_delay * 2^(poll-1))`,
    /// drawn from the `poll`-th SplitMix64 output of `seed`. The same
    /// arguments give the same delay.
    pub fn delay(&self, poll: u32, seed: u64) -> Duration {
        let poll = poll.max(1);
        let shift = poll - 1;
        let min = nanos(self.min_delay);
        let max = nanos(self.max_delay).max(min);
        let ceiling = if shift >= 63 {
            max
        } else {
            min.saturating_mul(1u64 << shift).min(max)
        };
        let r = splitmix64(seed.wrapping_add(u64::from(poll).wrapping_mul(0x9E37_79B9_7F4A_7C15)));
        Duration::from_nanos(uniform(r, min, ceiling))
    }

    /// What to do after poll `poll` ended, `elapsed` after the first poll
    /// began: sleep `Some(delay)` and poll again, or `None`: the wait is
    /// out of time. The delay is [`delay`](Self::delay), cut so that it
    /// ends no later than `max_wait`; `None` when less than `min_delay` is
    /// left.
    pub fn next(&self, poll: u32, elapsed: Duration, seed: u64) -> Option<Duration> {
        let left = self.max_wait.saturating_sub(elapsed);
        if left < self.min_delay {
            return None;
        }
        Some(self.delay(poll, seed).min(left))
    }
}

/// What the result of one poll means for a wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// The state waited for is reached.
    Success,
    /// It cannot be reached any more (or the poll failed with an error no
    /// acceptor retries): the wait ends in failure.
    Failure,
    /// Not yet: poll again.
    Retry,
}

/// A test of a poll's output.
type OutputMatcher<'a, T> = Box<dyn Fn(&T) -> bool + Send + 'a>;
/// A test of a poll's error.
type ErrorMatcher<'a> = Box<dyn Fn(&Error) -> bool + Send + 'a>;

/// The acceptors of a wait: tests of a poll's output, each with the
/// [`Verdict`] it gives, and tests of the errors that mean "poll again".
///
/// [`judge`](Self::judge) reads a poll's result: an output gets the verdict
/// of the first acceptor (in the order added) whose test it passes, or
/// [`Verdict::Retry`] when none; an error is [`Verdict::Retry`] when a
/// [`retry_on_error`](Self::retry_on_error) test accepts it, and
/// [`Verdict::Failure`] otherwise (the wait ends with that error).
pub struct Acceptors<'a, T> {
    outputs: Vec<(Verdict, OutputMatcher<'a, T>)>,
    retry_errors: Vec<ErrorMatcher<'a>>,
}

impl<T> fmt::Debug for Acceptors<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdicts: Vec<Verdict> = self.outputs.iter().map(|(v, _)| *v).collect();
        f.debug_struct("Acceptors")
            .field("outputs", &verdicts)
            .field("retry_errors", &self.retry_errors.len())
            .finish()
    }
}

impl<T> Default for Acceptors<'_, T> {
    fn default() -> Self {
        Acceptors::new()
    }
}

impl<'a, T> Acceptors<'a, T> {
    /// None yet: every output means "poll again", every error ends the wait.
    pub fn new() -> Self {
        Acceptors {
            outputs: Vec::new(),
            retry_errors: Vec::new(),
        }
    }

    /// An output that passes `test` gets `verdict` (unless an acceptor
    /// added earlier decided it).
    pub fn on_output(mut self, verdict: Verdict, test: impl Fn(&T) -> bool + Send + 'a) -> Self {
        self.outputs.push((verdict, Box::new(test)));
        self
    }

    /// An error that passes `test` means "poll again" rather than the end
    /// of the wait (say, a job that reads as not found for a moment after
    /// its creation on an eventually consistent service).
    pub fn retry_on_error(mut self, test: impl Fn(&Error) -> bool + Send + 'a) -> Self {
        self.retry_errors.push(Box::new(test));
        self
    }

    /// Whether any acceptor can say [`Verdict::Success`]; a wait without
    /// one could only time out or fail.
    pub fn can_succeed(&self) -> bool {
        self.outputs.iter().any(|(v, _)| *v == Verdict::Success)
    }

    /// The verdict on a poll's result.
    pub fn judge(&self, result: Result<&T, &Error>) -> Verdict {
        match result {
            Ok(output) => self
                .outputs
                .iter()
                .find(|(_, test)| test(output))
                .map_or(Verdict::Retry, |(verdict, _)| *verdict),
            Err(error) => {
                if self.retry_errors.iter().any(|test| test(error)) {
                    Verdict::Retry
                } else {
                    Verdict::Failure
                }
            }
        }
    }
}

/// Whether a recording job in state `current` can no longer reach
/// `target`: jobs go `INIT`, `RUNNING`, `STOPPED` and never back, so a job
/// past the target never gets there. Unknown states are never past
/// anything, and nothing is past them.
pub(crate) fn job_state_passed(current: &JobState, target: &JobState) -> bool {
    fn rank(state: &JobState) -> Option<u8> {
        match state {
            JobState::Init => Some(0),
            JobState::Running => Some(1),
            JobState::Stopped => Some(2),
            JobState::Unknown(_) => None,
        }
    }
    matches!((rank(current), rank(target)), (Some(c), Some(t)) if c > t)
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

    #[test]
    fn delays_grow_from_the_least_to_the_ceiling() {
        let schedule = WaitSchedule::new();
        for seed in 0..200u64 {
            // The first delay is exactly the least one.
            assert_eq!(schedule.delay(1, seed), S);
            assert_eq!(schedule.delay(0, seed), S);
            for (poll, ceiling) in [
                (2, 2),
                (3, 4),
                (4, 8),
                (5, 10),
                (6, 10),
                (40, 10),
                (64, 10),
                (u32::MAX, 10),
            ] {
                let d = schedule.delay(poll, seed);
                assert!(d >= S && d <= ceiling * S, "poll {poll} seed {seed}: {d:?}");
            }
        }
        // The draws spread over the whole range: both ends are reached.
        let draws: Vec<Duration> = (0..2000u64).map(|seed| schedule.delay(5, seed)).collect();
        assert!(draws.iter().any(|d| *d < Duration::from_millis(1100)));
        assert!(draws.iter().any(|d| *d > Duration::from_millis(9900)));
    }

    #[test]
    fn delays_are_fixed_by_the_seed_and_the_poll() {
        let schedule = WaitSchedule::new();
        // uniform(r, 1e9, 2e9) for r = splitmix64(7 + 2 * golden).
        let r = splitmix64(7u64.wrapping_add(2u64.wrapping_mul(0x9E37_79B9_7F4A_7C15)));
        let expected = 1_000_000_000 + ((u128::from(r) * 1_000_000_001) >> 64) as u64;
        assert_eq!(schedule.delay(2, 7), Duration::from_nanos(expected));
        assert_eq!(schedule.delay(2, 7), schedule.delay(2, 7));
        assert_ne!(schedule.delay(2, 7), schedule.delay(2, 8));
        assert_ne!(schedule.delay(3, 7), schedule.delay(4, 7));
    }

    #[test]
    fn a_schedule_whose_least_delay_is_its_most_is_regular() {
        let schedule = WaitSchedule::new()
            .with_min_delay(3 * S)
            .with_max_delay(3 * S);
        for poll in 1..70 {
            assert_eq!(schedule.delay(poll, poll.into()), 3 * S);
        }
        // Inverted delays (refused by check) still give the least one.
        let inverted = WaitSchedule::new().with_min_delay(3 * S).with_max_delay(S);
        assert_eq!(inverted.delay(5, 1), 3 * S);
    }

    #[test]
    fn huge_delays_saturate() {
        let schedule = WaitSchedule::new()
            .with_min_delay(Duration::MAX)
            .with_max_delay(Duration::MAX);
        assert_eq!(schedule.delay(3, 1), Duration::from_nanos(u64::MAX >> 1));
    }

    #[test]
    fn no_wait_ends_after_the_bound() {
        let schedule = WaitSchedule::new().with_max_wait(20 * S);
        // Plenty of time: the drawn delay.
        assert_eq!(schedule.next(3, S, 9), Some(schedule.delay(3, 9)));
        // Cut to the bound.
        let long = schedule.delay(5, 9);
        assert!(long > 2 * S, "{long:?}");
        assert_eq!(schedule.next(5, 18 * S, 9), Some(2 * S));
        // Exactly the least delay left: one last poll at the bound.
        assert_eq!(schedule.next(5, 19 * S, 9), Some(S));
        // Less than that: out of time.
        assert_eq!(schedule.next(5, 19 * S + Duration::from_nanos(1), 9), None);
        assert_eq!(schedule.next(5, 20 * S, 9), None);
        assert_eq!(schedule.next(5, 21 * S, 9), None);
        // A bound shorter than the least delay: one poll only.
        assert_eq!(
            WaitSchedule::new()
                .with_max_wait(Duration::from_millis(999))
                .next(1, Duration::ZERO, 0),
            None
        );
        assert_eq!(
            WaitSchedule::new()
                .with_max_wait(S)
                .next(1, Duration::ZERO, 0),
            Some(S)
        );
    }

    #[test]
    fn check_refuses_a_zero_or_inverted_delay() {
        assert_eq!(
            WaitSchedule::new()
                .with_min_delay(Duration::ZERO)
                .check()
                .unwrap_err()
                .to_string(),
            "invalid parameter `min_delay`: must be more than zero"
        );
        assert_eq!(
            WaitSchedule::new()
                .with_min_delay(2 * S)
                .with_max_delay(S)
                .check()
                .unwrap_err()
                .to_string(),
            "invalid parameter `max_delay`: must be at least min_delay (2s), got 1s"
        );
    }

    #[test]
    fn defaults() {
        let schedule = WaitSchedule::default();
        assert_eq!(
            (
                schedule.min_delay(),
                schedule.max_delay(),
                schedule.max_wait()
            ),
            (S, 10 * S, 120 * S)
        );
        assert_eq!(schedule, WaitSchedule::new());
        let set = schedule
            .with_min_delay(2 * S)
            .with_max_delay(3 * S)
            .with_max_wait(4 * S);
        assert_eq!(
            (set.min_delay(), set.max_delay(), set.max_wait()),
            (2 * S, 3 * S, 4 * S)
        );
        assert!(set.check().is_ok());
        assert!(WaitSchedule::new()
            .with_min_delay(Duration::from_nanos(1))
            .check()
            .is_ok());
        assert!(WaitSchedule::new().with_max_delay(S).check().is_ok());
    }

    fn not_found() -> Error {
        Error::Api(Box::new(crate::ApiError::from_response(
            http::StatusCode::NOT_FOUND,
            &http::HeaderMap::new(),
            br#"{"error_code":"RTC.00001003","error_msg":"InvalidParameterValue"}"#,
        )))
    }

    #[test]
    fn the_first_acceptor_that_matches_decides() {
        let acceptors = Acceptors::new()
            .on_output(Verdict::Success, |n: &i32| *n == 3)
            .on_output(Verdict::Failure, |n: &i32| *n >= 3)
            .on_output(Verdict::Retry, |n: &i32| *n == 5);
        assert_eq!(acceptors.judge(Ok(&3)), Verdict::Success);
        assert_eq!(acceptors.judge(Ok(&4)), Verdict::Failure);
        assert_eq!(acceptors.judge(Ok(&5)), Verdict::Failure);
        assert_eq!(acceptors.judge(Ok(&2)), Verdict::Retry);
        assert!(acceptors.can_succeed());
        assert_eq!(
            format!("{acceptors:?}"),
            "Acceptors { outputs: [Success, Failure, Retry], retry_errors: 0 }"
        );
    }

    #[test]
    fn errors_end_the_wait_unless_an_acceptor_retries_them() {
        let none: Acceptors<'_, i32> = Acceptors::default();
        assert!(!none.can_succeed());
        assert_eq!(none.judge(Ok(&1)), Verdict::Retry);
        assert_eq!(none.judge(Err(&not_found())), Verdict::Failure);

        let retrying = Acceptors::new()
            .on_output(Verdict::Failure, |_: &i32| true)
            .retry_on_error(|e| e.is_throttled())
            .retry_on_error(Error::is_not_found);
        assert!(!retrying.can_succeed());
        assert_eq!(retrying.judge(Err(&not_found())), Verdict::Retry);
        let invalid = Error::invalid("x", "bad");
        assert_eq!(retrying.judge(Err(&invalid)), Verdict::Failure);
        assert_eq!(
            format!("{retrying:?}"),
            "Acceptors { outputs: [Failure], retry_errors: 2 }"
        );
    }

    #[test]
    fn job_states_only_move_forward() {
        use JobState::{Init, Running, Stopped};
        let other = JobState::Unknown("PAUSED".into());
        let passed: Vec<(usize, usize)> = [Init, Running, Stopped, other.clone()]
            .iter()
            .enumerate()
            .flat_map(|(i, current)| {
                [Init, Running, Stopped, other.clone()]
                    .iter()
                    .enumerate()
                    .filter(|(_, target)| job_state_passed(current, target))
                    .map(|(t, _)| (i, t))
                    .collect::<Vec<_>>()
            })
            .collect();
        // RUNNING is past INIT; STOPPED past INIT and RUNNING; nothing else.
        assert_eq!(passed, [(1, 0), (2, 0), (2, 1)]);
    }
}
