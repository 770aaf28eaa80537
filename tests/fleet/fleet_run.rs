//! Four OS processes with two threads each share one scope of a
//! 10-per-second category against the simulator for five seconds: through
//! Redis the simulator counts no 429 and no second holds more than ten
//! calls, at 90% of the rate or more; each process pacing alone overruns it.
//!
//! The processes are this test binary run again with `fleet_worker`
//! selected; the parent starts the simulator and Redis and reads the
//! simulator's own request log.

use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sparkrtc::client::Client;
use sparkrtc::fleet::{FaultPolicy, RedisPacer};
use sparkrtc::model::{AppReq, EncodeTemplate, MixJobReq, MixParam};
use sparkrtc::ops::{CreateApp, CreateMixJob, ShowMixJob};
use sparkrtc::simulator::{Simulator, SimulatorConfig, DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY};
use sparkrtc::throttle::{RateLimit, ThrottleCategory, ThrottleConfig};
use sparkrtc::transport::UreqTransport;
use sparkrtc::{Credentials, Endpoint, OperationId};

use super::RedisServer;

const PROCESSES: usize = 4;
const THREADS: usize = 2;
const RUN: Duration = Duration::from_secs(5);

/// Over a network a call reaches the server a little after the pacer
/// admits it, by a delay that varies between processes: a 50 ms margin on
/// the window keeps every second at the server within the limit, for 5% of
/// the rate.
fn config() -> ThrottleConfig {
    ThrottleConfig::documented()
        .with_limit(
            ThrottleCategory::MixStreamJobManagement,
            RateLimit {
                requests: 10,
                window: Duration::from_millis(1_050),
            },
        )
        .unwrap()
}

fn client(url: &str, project: &str) -> sparkrtc::client::ClientBuilder<UreqTransport> {
    Client::builder(UreqTransport::default())
        .endpoint(
            Endpoint::new(url)
                .unwrap()
                .with_project_id(project)
                .unwrap(),
        )
        .credentials(Credentials::ak_sk(DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY).unwrap())
        .throttle(config())
}

/// One process of the fleet (run by the parent test with the FLEET_*
/// variables set; ignored otherwise).
#[test]
#[ignore = "a worker process of the fleet tests"]
fn fleet_worker() {
    let Ok(url) = std::env::var("FLEET_SIM_URL") else {
        return;
    };
    let var = |name: &str| std::env::var(name).unwrap();
    let (project, app, job) = (var("FLEET_PROJECT"), var("FLEET_APP"), var("FLEET_JOB"));
    let mut builder = client(&url, &project);
    if let Ok(redis) = std::env::var("FLEET_REDIS_URL") {
        let pacer = RedisPacer::builder(redis)
            .key_prefix("fleet")
            .throttle(config())
            .on_fault(FaultPolicy::Fail)
            .build()
            .unwrap();
        builder = builder.pacer(Arc::new(pacer));
    }
    let client = builder.build().unwrap();
    let started = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..THREADS {
            s.spawn(|| {
                while started.elapsed() < RUN {
                    let _ = client.call(&ShowMixJob::new(&app, &job));
                }
            });
        }
    });
}

struct Outcome {
    throttled: u64,
    calls: usize,
    busiest_second: usize,
    seconds: f64,
}

fn run(redis: Option<&RedisServer>) -> Outcome {
    let sim = Simulator::new(SimulatorConfig::default());
    let server = sim.serve("127.0.0.1:0").unwrap();
    let project = sim.config().project_id().to_owned();
    let setup = client(&server.url(), &project).build().unwrap();
    let app = setup
        .call(&CreateApp::new(AppReq::new("fleet")))
        .unwrap()
        .body
        .app_id
        .unwrap();
    let job = setup
        .call(&CreateMixJob::new(
            &app,
            MixJobReq::new(MixParam::new("room", EncodeTemplate::AudioOnly)),
        ))
        .unwrap()
        .body
        .job_id
        .unwrap();
    // A fresh window at the simulator.
    std::thread::sleep(Duration::from_millis(1_200));
    let start = sim.now();

    let exe = std::env::current_exe().unwrap();
    let mut workers: Vec<Child> = (0..PROCESSES)
        .map(|_| {
            let mut cmd = Command::new(&exe);
            cmd.args([
                "--exact",
                "fleet_run::fleet_worker",
                "--ignored",
                "--test-threads=1",
            ])
            .env("FLEET_SIM_URL", server.url())
            .env("FLEET_PROJECT", &project)
            .env("FLEET_APP", &app)
            .env("FLEET_JOB", &job)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
            match redis {
                Some(r) => cmd.env("FLEET_REDIS_URL", r.url()),
                None => cmd.env_remove("FLEET_REDIS_URL"),
            };
            cmd.spawn().unwrap()
        })
        .collect();
    let deadline = Instant::now() + RUN + Duration::from_secs(30);
    for worker in &mut workers {
        loop {
            if let Some(status) = worker.try_wait().unwrap() {
                assert!(status.success(), "a worker failed: {status}");
                break;
            }
            if Instant::now() > deadline {
                let _ = worker.kill();
                panic!("a worker hung");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    let times: Vec<Duration> = sim
        .request_log()
        .into_iter()
        .filter(|e| {
            e.at >= start
                && e.operation == Some(OperationId::ShowMixJob)
                && e.status.is_some_and(|s| s.is_success())
        })
        .map(|e| e.at)
        .collect();
    let busiest_second = times
        .iter()
        .enumerate()
        .map(|(i, t)| {
            times[i..]
                .iter()
                .take_while(|u| **u < *t + Duration::from_secs(1))
                .count()
        })
        .max()
        .unwrap_or(0);
    let seconds = match (times.first(), times.last()) {
        (Some(a), Some(b)) => (*b - *a).as_secs_f64(),
        _ => 0.0,
    };
    Outcome {
        throttled: sim.throttled_count(),
        calls: times.len(),
        busiest_second,
        seconds,
    }
}

#[test]
fn through_redis_the_fleet_keeps_the_limit_at_the_full_rate() {
    let redis = RedisServer::start();
    let o = run(Some(&redis));
    eprintln!(
        "fleet through Redis: {} calls in {:.2} s ({:.2}/s of 10), busiest second {}, {} answered 429",
        o.calls,
        o.seconds,
        o.calls as f64 / o.seconds.max(1e-9),
        o.busiest_second,
        o.throttled
    );
    assert_eq!(o.throttled, 0, "the simulator answered 429");
    assert!(
        o.busiest_second <= 10,
        "{} calls in one second",
        o.busiest_second
    );
    assert!(o.seconds >= 4.5, "{:.2} s", o.seconds);
    let achieved = o.calls as f64 / RUN.as_secs_f64();
    assert!(
        achieved >= 9.0,
        "{achieved:.2} calls per second over the run"
    );
}

#[test]
fn pacing_alone_the_same_fleet_overruns_the_limit() {
    let o = run(None);
    eprintln!(
        "fleet pacing alone: {} calls in {:.2} s, busiest second {}, {} answered 429",
        o.calls, o.seconds, o.busiest_second, o.throttled
    );
    assert!(
        o.throttled > 0,
        "four processes at 10 per second each did not overrun 10 per second"
    );
}
