//! Waiters (`Client::wait_for`, `wait_mix_job`, `wait_individual_job`,
//! `wait_app`) against the in-memory simulator on a virtual clock: the
//! polls the schedule implies, at the times it implies (read from the
//! simulator's request log), what ends a wait, and what its errors say.
#![cfg(feature = "simulator")]
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use crate::support;

use sparkrtc::client::WaitError;
use sparkrtc::simulator::{FaultEffect, FaultRule};
use sparkrtc::wait::WaitSchedule;
use support::*;

const S: Duration = Duration::from_secs(1);

fn mix_job(s: &Setup, app_id: &str, room_id: &str) -> String {
    let job = MixJobReq::new(MixParam::new(room_id, EncodeTemplate::AudioOnly));
    let created = s.client.call(&CreateMixJob::new(app_id, job)).unwrap();
    created.body.job_id.unwrap()
}

/// When the simulator answered each call of `op`.
fn poll_times(sim: &Simulator, op: OperationId) -> Vec<Duration> {
    sim.request_log()
        .iter()
        .filter(|r| r.operation == Some(op))
        .map(|r| r.at)
        .collect()
}

/// The poll times a schedule gives (from 0), up to the first poll at which
/// `done` holds or the end of the schedule.
fn scheduled(schedule: WaitSchedule, seed: u64, done: impl Fn(Duration) -> bool) -> Vec<Duration> {
    let mut t = Duration::ZERO;
    let mut times = vec![t];
    let mut poll = 1;
    while !done(t) {
        let Some(delay) = schedule.next(poll, t, seed) else {
            break;
        };
        t += delay;
        times.push(t);
        poll += 1;
    }
    times
}

fn gaps(times: &[Duration]) -> Vec<Duration> {
    times.windows(2).map(|w| w[1] - w[0]).collect()
}

#[test]
fn waiting_for_running_polls_exactly_as_the_schedule_says() {
    let s = setup_with(SimulatorConfig::default().with_job_start_delay(20 * S));
    let app_id = create_app(&s.client, "waits");
    let job_id = mix_job(&s, &app_id, "room-1");
    let start = s.clock.now();

    let job = s
        .client
        .wait_for(ShowMixJob::new(&app_id, &job_id))
        .until(|job| job.state == Some(JobState::Running))
        .seed(42)
        .wait()
        .unwrap();
    assert_eq!(job.state, Some(JobState::Running));
    assert_eq!(job.start_time.as_deref(), Some("2024-01-02T03:04:25Z"));

    // Polls at 0, then after each delay of the schedule, until one at or
    // after the job's start at 20 s.
    let schedule = WaitSchedule::new();
    let expected = scheduled(schedule, 42, |t| t >= 20 * S);
    let polls = poll_times(&s.sim, OperationId::ShowMixJob);
    assert_eq!(
        polls,
        expected.iter().map(|t| start + *t).collect::<Vec<_>>()
    );
    // The delays are the schedule's draws: 1 s, then growing, no cut.
    let delays: Vec<Duration> = (1..polls.len() as u32)
        .map(|n| schedule.delay(n, 42))
        .collect();
    assert_eq!(gaps(&polls), delays);
    assert_eq!(delays[0], S);
    assert_eq!(polls.len(), 8, "{delays:?}");
    assert!(polls[6] - start < 20 * S && polls[7] - start >= 20 * S);
}

#[test]
fn a_job_runs_after_the_start_delay_the_second_poll_sees_it() {
    let s = setup();
    let app_id = create_app(&s.client, "waits");
    let job_id = mix_job(&s, &app_id, "room-1");
    let start = s.clock.now();

    let job = s
        .client
        .wait_mix_job(&app_id, &job_id, JobState::Running, 60 * S)
        .unwrap();
    assert_eq!(job.state, Some(JobState::Running));
    assert_eq!(job.job_id.as_deref(), Some(job_id.as_str()));
    assert!(job.request_id.is_some());
    // INIT at once, RUNNING at 1 s: the first delay is exactly the least.
    assert_eq!(
        poll_times(&s.sim, OperationId::ShowMixJob),
        [start, start + S]
    );
    assert_eq!(s.clock.now(), start + S);
}

#[test]
fn a_single_stream_job_is_waited_for_the_same_way() {
    let s = setup();
    let app_id = create_app(&s.client, "waits");
    let req = IndividualStreamJobReq::new("room-1", "alice");
    let job_id = s
        .client
        .call(&CreateIndividualStreamJob::new(&app_id, req))
        .unwrap()
        .body
        .job_id
        .unwrap();
    let start = s.clock.now();
    let job = s
        .client
        .wait_individual_job(&app_id, &job_id, JobState::Running, 60 * S)
        .unwrap();
    assert_eq!(job.state, Some(JobState::Running));
    assert_eq!(job.user_id.as_deref(), Some("alice"));
    assert_eq!(
        poll_times(&s.sim, OperationId::ShowIndividualStreamJob),
        [start, start + S]
    );

    // Its id is not a mixed-stream job's: not found.
    let err = s
        .client
        .wait_mix_job(&app_id, &job_id, JobState::Running, 60 * S)
        .unwrap_err();
    assert!(err.is_not_found(), "{err}");
}

#[test]
fn an_idle_job_stops_and_a_wait_for_stopped_sees_it() {
    let s = setup();
    let app_id = create_app(&s.client, "waits");
    let job_id = mix_job(&s, &app_id, "empty-room");
    let start = s.clock.now();

    // Nobody joins: the job starts at 1 s and stops 30 s later.
    let job = s
        .client
        .wait_mix_job(&app_id, &job_id, JobState::Stopped, 120 * S)
        .unwrap();
    assert_eq!(job.state, Some(JobState::Stopped));
    assert_eq!(job.stop_reason, Some(StopReason::ExceedMaxIdleTime));
    assert_eq!(job.stop_time.as_deref(), Some("2024-01-02T03:04:36Z"));

    let polls = poll_times(&s.sim, OperationId::ShowMixJob);
    let n = polls.len();
    assert_eq!(polls[0], start);
    assert!(
        polls[n - 2] - start < 31 * S && polls[n - 1] - start >= 31 * S,
        "{polls:?}"
    );
    // Every delay within the schedule's bounds for its poll.
    for (i, gap) in gaps(&polls).into_iter().enumerate() {
        let ceiling = (S * (1u32 << i.min(10))).min(10 * S);
        assert!(gap >= S && gap <= ceiling, "delay {} is {gap:?}", i + 1);
    }
    assert_eq!(gaps(&polls)[0], S);
}

#[test]
fn a_wait_for_running_fails_on_a_job_that_already_stopped() {
    let s = setup();
    let app_id = create_app(&s.client, "waits");
    let job_id = mix_job(&s, &app_id, "empty-room");
    s.clock.advance(40 * S);

    let err = s
        .client
        .wait_mix_job(&app_id, &job_id, JobState::Running, 120 * S)
        .unwrap_err();
    let WaitError::Failed {
        operation,
        state,
        polls,
        waited,
    } = &err
    else {
        panic!("{err:?}");
    };
    assert_eq!(
        (*operation, *polls, *waited),
        ("ShowMixJob", 1, Duration::ZERO)
    );
    assert_eq!(state.state, Some(JobState::Stopped));
    assert_eq!(state.stop_reason, Some(StopReason::ExceedMaxIdleTime));
    assert_eq!(err.last().unwrap().state, Some(JobState::Stopped));
    assert!(err.error().is_none());
    assert!(!err.is_timed_out() && !err.is_not_found());
    assert_eq!(
        err.to_string(),
        "ShowMixJob: the state waited for cannot come: STOPPED after 0ns and 1 poll"
    );
    assert_eq!(poll_times(&s.sim, OperationId::ShowMixJob).len(), 1);

    // A wait for STOPPED succeeds at once; one for INIT fails the same way.
    let job = s
        .client
        .wait_mix_job(&app_id, &job_id, JobState::Stopped, 120 * S)
        .unwrap();
    assert_eq!(job.state, Some(JobState::Stopped));
    let err = s
        .client
        .wait_mix_job(&app_id, &job_id, JobState::Init, 120 * S)
        .unwrap_err();
    assert!(matches!(err, WaitError::Failed { polls: 1, .. }), "{err:?}");
}

#[test]
fn a_wait_for_init_fails_once_the_job_runs() {
    let s = setup();
    let app_id = create_app(&s.client, "waits");
    let job_id = mix_job(&s, &app_id, "room-1");
    s.clock.advance(S);
    let err = s
        .client
        .wait_mix_job(&app_id, &job_id, JobState::Init, 120 * S)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "ShowMixJob: the state waited for cannot come: RUNNING after 0ns and 1 poll"
    );
}

#[test]
fn a_timeout_carries_the_last_state_and_no_wait_ends_after_the_bound() {
    let s = setup_with(SimulatorConfig::default().with_job_start_delay(1000 * S));
    let app_id = create_app(&s.client, "waits");
    let job_id = mix_job(&s, &app_id, "room-1");
    let start = s.clock.now();

    let schedule = WaitSchedule::new().with_max_wait(20 * S);
    let err = s
        .client
        .wait_for(ShowMixJob::new(&app_id, &job_id))
        .until(|job| job.state == Some(JobState::Running))
        .schedule(schedule)
        .seed(9)
        .wait()
        .unwrap_err();

    let expected = scheduled(schedule, 9, |_| false);
    let polls = poll_times(&s.sim, OperationId::ShowMixJob);
    assert_eq!(
        polls,
        expected.iter().map(|t| start + *t).collect::<Vec<_>>()
    );
    let waited = *expected.last().unwrap();
    assert!(waited > 19 * S && waited <= 20 * S, "{expected:?}");
    assert_eq!(s.clock.now(), start + waited);

    let WaitError::TimedOut {
        operation,
        last,
        last_error,
        polls: n,
        waited: w,
    } = &err
    else {
        panic!("{err:?}");
    };
    assert_eq!(
        (*operation, *n as usize, *w),
        ("ShowMixJob", polls.len(), waited)
    );
    assert_eq!(last.as_ref().unwrap().state, Some(JobState::Init));
    assert!(last_error.is_none());
    assert!(err.is_timed_out());
    assert_eq!(err.polls() as usize, polls.len());
    assert_eq!(err.waited(), waited);
    assert_eq!(
        err.to_string(),
        format!(
            "ShowMixJob: timed out after {waited:?} and {} polls; last state INIT",
            polls.len()
        )
    );

    // The typed wait: the same bound, its own jitter.
    let start = s.clock.now();
    let err = s
        .client
        .wait_mix_job(&app_id, &job_id, JobState::Running, 20 * S)
        .unwrap_err();
    assert!(err.is_timed_out(), "{err:?}");
    assert_eq!(err.last().unwrap().state, Some(JobState::Init));
    assert!(err.waited() > 19 * S && err.waited() <= 20 * S, "{err}");
    assert_eq!(s.clock.now(), start + err.waited());
}

#[test]
fn a_bound_shorter_than_the_least_delay_is_one_poll() {
    let s = setup();
    let app_id = create_app(&s.client, "waits");
    let job_id = mix_job(&s, &app_id, "room-1");
    let err = s
        .client
        .wait_mix_job(
            &app_id,
            &job_id,
            JobState::Running,
            Duration::from_millis(999),
        )
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "ShowMixJob: timed out after 0ns and 1 poll; last state INIT"
    );
    let err = s
        .client
        .wait_mix_job(&app_id, &job_id, JobState::Running, Duration::ZERO)
        .unwrap_err();
    assert!(
        matches!(err, WaitError::TimedOut { polls: 1, .. }),
        "{err:?}"
    );
}

#[test]
fn a_missing_job_or_application_ends_the_wait_as_not_found() {
    let s = setup();
    let app_id = create_app(&s.client, "waits");

    let err = s
        .client
        .wait_mix_job(&app_id, "no-such-job", JobState::Running, 60 * S)
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert!(!err.is_timed_out());
    assert_eq!((err.polls(), err.waited()), (1, Duration::ZERO));
    assert!(err.last().is_none());
    let api = err.error().unwrap().api().unwrap();
    assert_eq!(
        (api.status, api.error_code.as_deref()),
        (404, Some("RTC.00001003"))
    );
    let shown = err.to_string();
    assert!(
        shown.starts_with(
            "ShowMixJob: poll 1 failed after 0ns: SparkRTC API error: HTTP 404 RTC.00001003: \
             InvalidParameterValue: job_id `no-such-job` does not exist (request id "
        ),
        "{shown}"
    );
    let source = std::error::Error::source(&err).unwrap();
    assert_eq!(source.to_string(), err.error().unwrap().to_string());

    let err = s
        .client
        .wait_individual_job("no-such-app", "job", JobState::Stopped, 60 * S)
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    let err = s
        .client
        .wait_app("no-such-app", AppStatus::Activation, 60 * S)
        .unwrap_err();
    assert!(err.is_not_found(), "{err:?}");
    assert_eq!(poll_times(&s.sim, OperationId::ShowApp).len(), 1);
}

#[test]
fn errors_a_waiter_retries_are_polled_through() {
    let s = setup();
    let app_id = create_app(&s.client, "waits");
    let job_id = mix_job(&s, &app_id, "room-1");
    // The first two looks say the job does not exist (yet).
    s.sim
        .faults()
        .add(
            FaultRule::new(
                FaultEffect::error(404)
                    .code("RTC.00001003")
                    .message("InvalidParameterValue"),
            )
            .operation(OperationId::ShowMixJob)
            .times(2),
        )
        .unwrap();
    let start = s.clock.now();
    let job = s
        .client
        .wait_for(ShowMixJob::new(&app_id, &job_id))
        .until(|job| job.state == Some(JobState::Running))
        .retry_on_error(Error::is_not_found)
        .seed(3)
        .wait()
        .unwrap();
    assert_eq!(job.state, Some(JobState::Running));
    let schedule = WaitSchedule::new();
    assert_eq!(
        poll_times(&s.sim, OperationId::ShowMixJob),
        [start, start + S, start + S + schedule.delay(2, 3)]
    );
}

#[test]
fn a_wait_that_times_out_retrying_errors_carries_the_last_one() {
    let s = setup();
    let app_id = create_app(&s.client, "waits");
    let err = s
        .client
        .wait_for(ShowMixJob::new(&app_id, "no-such-job"))
        .until(|_| true)
        .retry_on_error(Error::is_not_found)
        .max_wait(3 * S)
        .wait()
        .unwrap_err();
    let WaitError::TimedOut {
        last, last_error, ..
    } = &err
    else {
        panic!("{err:?}");
    };
    assert!(last.is_none());
    assert!(last_error.as_ref().unwrap().is_not_found());
    assert!(err.error().unwrap().is_not_found());
    // A time-out is not itself "not found".
    assert!(!err.is_not_found());
    let shown = err.to_string();
    assert!(shown.starts_with("ShowMixJob: timed out after "), "{shown}");
    assert!(
        shown.contains(
            " polls; no answer; last error: SparkRTC API error: HTTP 404 RTC.00001003: \
             InvalidParameterValue: job_id `no-such-job` does not exist"
        ),
        "{shown}"
    );
}

#[test]
fn an_output_after_retried_errors_clears_the_last_error() {
    let s = setup_with(SimulatorConfig::default().with_job_start_delay(1000 * S));
    let app_id = create_app(&s.client, "waits");
    let job_id = mix_job(&s, &app_id, "room-1");
    s.sim
        .faults()
        .add(
            FaultRule::new(FaultEffect::error(404).code("RTC.00001003"))
                .operation(OperationId::ShowMixJob)
                .times(1),
        )
        .unwrap();
    let err = s
        .client
        .wait_mix_job(&app_id, &job_id, JobState::Running, 5 * S)
        .unwrap_err();
    // The typed wait retries no error: the first poll's 404 ends it.
    assert!(err.is_not_found(), "{err:?}");

    s.sim
        .faults()
        .add(
            FaultRule::new(FaultEffect::error(404).code("RTC.00001003"))
                .operation(OperationId::ShowMixJob)
                .times(1),
        )
        .unwrap();
    let err = s
        .client
        .wait_for(ShowMixJob::new(&app_id, &job_id))
        .until(|job| job.state == Some(JobState::Running))
        .retry_on_error(Error::is_not_found)
        .max_wait(5 * S)
        .wait()
        .unwrap_err();
    assert!(err.error().is_none(), "{err:?}");
    assert_eq!(err.last().unwrap().state, Some(JobState::Init));
    assert!(
        err.to_string().ends_with(" polls; last state INIT"),
        "{err}"
    );
}

#[test]
fn application_states_are_waited_for() {
    let s = setup();
    let app_id = create_app(&s.client, "waits");
    s.client.call(&StopApp::new(&app_id)).unwrap();
    let app = s
        .client
        .wait_app(&app_id, AppStatus::Deactivation, 10 * S)
        .unwrap();
    assert_eq!(
        app.state.as_ref().unwrap().state,
        Some(AppStatus::Deactivation)
    );
    assert_eq!(poll_times(&s.sim, OperationId::ShowApp).len(), 1);

    let err = s
        .client
        .wait_app(&app_id, AppStatus::Activation, 3 * S)
        .unwrap_err();
    assert!(err.is_timed_out(), "{err:?}");
    let shown = err.to_string();
    assert!(
        shown.ends_with(" polls; last state DEACTIVATION"),
        "{shown}"
    );
    // The application's key is in the output, never in what is shown.
    let key = err
        .last()
        .unwrap()
        .authentication
        .as_ref()
        .unwrap()
        .app_key
        .as_ref()
        .unwrap()
        .expose_secret()
        .to_owned();
    assert_eq!(key.len(), 32);
    assert!(!shown.contains(&key));
    assert!(!format!("{err:?}").contains(&key));

    s.client.call(&StartApp::new(&app_id)).unwrap();
    let app = s
        .client
        .wait_app(&app_id, AppStatus::Activation, 10 * S)
        .unwrap();
    assert_eq!(
        app.state.as_ref().unwrap().state,
        Some(AppStatus::Activation)
    );
}

#[test]
fn a_waiter_is_refused_before_any_poll_when_it_cannot_work() {
    let s = setup();
    let app_id = create_app(&s.client, "waits");
    let job_id = mix_job(&s, &app_id, "room-1");

    let err = s
        .client
        .wait_for(ShowMixJob::new(&app_id, &job_id))
        .fail_if(|job| job.state == Some(JobState::Stopped))
        .wait()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "ShowMixJob: cannot wait: invalid parameter `until` of ShowMixJob: a wait needs a \
         condition to succeed on: give one with Waiter::until"
    );
    assert!(matches!(err, WaitError::Call { polls: 0, .. }));
    assert!(err.error().unwrap().is_invalid_parameter());

    let err = s
        .client
        .wait_for(ShowMixJob::new(&app_id, &job_id))
        .until(|_| true)
        .min_delay(Duration::ZERO)
        .wait()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "ShowMixJob: cannot wait: invalid parameter `min_delay` of ShowMixJob: must be more than zero"
    );
    let err = s
        .client
        .wait_for(ShowMixJob::new(&app_id, &job_id))
        .until(|_| true)
        .min_delay(5 * S)
        .max_delay(2 * S)
        .wait()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "ShowMixJob: cannot wait: invalid parameter `max_delay` of ShowMixJob: must be at least min_delay (5s), got 2s"
    );
    assert!(poll_times(&s.sim, OperationId::ShowMixJob).is_empty());
}

#[test]
fn the_settings_shape_the_delays() {
    let s = setup_with(SimulatorConfig::default().with_job_start_delay(1000 * S));
    let app_id = create_app(&s.client, "waits");
    let job_id = mix_job(&s, &app_id, "room-1");
    let start = s.clock.now();
    let waiter = s
        .client
        .wait_for(ShowMixJob::new(&app_id, &job_id))
        .until(|job| job.state == Some(JobState::Running))
        .min_delay(2 * S)
        .max_delay(2 * S)
        .max_wait(9 * S);
    assert!(format!("{waiter:?}").starts_with("Waiter { operation: ShowMixJob {"));
    let err = waiter.wait().unwrap_err();
    // Every 2 s; at 8 s less than 2 s is left.
    assert_eq!(
        poll_times(&s.sim, OperationId::ShowMixJob),
        [0, 2, 4, 6, 8].map(|t| start + t * S)
    );
    assert_eq!(err.waited(), 8 * S);
}

#[test]
fn polls_keep_to_the_rate_limits() {
    let s = setup();
    let app_id = create_app(&s.client, "waits");
    // Application operations may be called 60 times a minute; a waiter
    // asking for a poll every millisecond gets what the throttle allows.
    let err = s
        .client
        .wait_for(ShowApp::new(&app_id))
        .until(|app| app.app_name.as_deref() == Some("another name"))
        .min_delay(Duration::from_millis(1))
        .max_delay(Duration::from_millis(1))
        .max_wait(150 * S)
        .wait()
        .unwrap_err();
    assert!(err.is_timed_out(), "{err:?}");
    let polls = poll_times(&s.sim, OperationId::ShowApp);
    assert!(polls.len() > 120, "{}", polls.len());
    assert_eq!(s.sim.throttled_count(), 0);
    let app_calls: Vec<Duration> = s
        .sim
        .request_log()
        .iter()
        .filter(|r| {
            r.operation
                .is_some_and(|op| op.info().category == ThrottleCategory::ApplicationManagement)
        })
        .map(|r| r.at)
        .collect();
    for window in app_calls.windows(61) {
        assert!(
            window[60] - window[0] >= 60 * S,
            "61 calls within {:?}",
            window[60] - window[0]
        );
    }
}

#[test]
fn the_jitter_comes_from_the_clients_seed_and_differs_between_waits() {
    // The delays of two waits in a row, each for an idle job to stop.
    let run = || {
        let s = setup();
        let app_id = create_app(&s.client, "waits");
        let mut delays = Vec::new();
        for room_id in ["room-1", "room-2"] {
            let job_id = mix_job(&s, &app_id, room_id);
            let before = poll_times(&s.sim, OperationId::ShowMixJob).len();
            s.client
                .wait_mix_job(&app_id, &job_id, JobState::Stopped, 120 * S)
                .unwrap();
            delays.push(gaps(&poll_times(&s.sim, OperationId::ShowMixJob)[before..]));
        }
        delays
    };
    let delays = run();
    // The same client seed: the same delays.
    assert_eq!(delays, run());
    // Two waits of one client: different delays (the first is always 1 s).
    assert_eq!((delays[0][0], delays[1][0]), (S, S));
    assert_ne!(delays[0], delays[1]);
}
