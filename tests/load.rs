//! Load: threads sharing one client against the simulator, paced by the
//! client's throttle. In virtual time, 8 threads over four categories for
//! ten simulated minutes; over real loopback HTTP, a few seconds of the
//! 10-per-second categories. The simulator must count no 429, and the
//! client must get at least 90% of each category's documented rate.
#![cfg(feature = "simulator")]
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // threads, clocks

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant, UNIX_EPOCH};

use sparkrtc::client::Client;
use sparkrtc::model::{AppReq, EncodeTemplate, MixJobReq, MixParam};
use sparkrtc::ops::{
    CreateApp, CreateMixJob, ListApps, ListObsBuckets, ListRtcRealtimeScale, ShowMixJob,
};
use sparkrtc::simulator::{
    Limits, Simulator, SimulatorConfig, DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY,
};
use sparkrtc::throttle::ThrottleCategory;
use sparkrtc::time::{Clock, VirtualClock};
use sparkrtc::transport::Transport;
use sparkrtc::{Credentials, Endpoint, OperationId};

fn client_for<T: Transport>(
    transport: T,
    url: &str,
    sim: &Simulator,
) -> sparkrtc::client::ClientBuilder<T> {
    Client::builder(transport)
        .endpoint(
            Endpoint::new(url)
                .unwrap()
                .with_project_id(sim.config().project_id())
                .unwrap(),
        )
        .credentials(Credentials::ak_sk(DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY).unwrap())
}

/// An app and a running mixed-stream job to show.
fn setup<T: Transport>(client: &Client<T>) -> (String, String) {
    let app = client.call(&CreateApp::new(AppReq::new("load"))).unwrap();
    let app_id = app.body.app_id.unwrap();
    let job = client
        .call(&CreateMixJob::new(
            &app_id,
            MixJobReq::new(MixParam::new("room", EncodeTemplate::AudioOnly)),
        ))
        .unwrap();
    (app_id, job.body.job_id.unwrap())
}

/// Successful calls per category in the simulator's log, from `since`.
fn admitted(sim: &Simulator, since: Duration) -> BTreeMap<ThrottleCategory, usize> {
    let mut out = BTreeMap::new();
    for entry in sim.request_log() {
        if entry.at >= since && entry.status.is_some_and(|s| s.is_success()) {
            if let Some(op) = entry.operation {
                *out.entry(op.category()).or_default() += 1;
            }
        }
    }
    out
}

#[test]
fn eight_threads_ten_simulated_minutes_no_429_and_the_full_rate() {
    let clock = VirtualClock::new(UNIX_EPOCH + Duration::from_secs(1_704_164_645));
    // Every request of the run stays in the log (it is read back below).
    let limits = Limits {
        max_log_entries: 1_000_000,
        ..Limits::default()
    };
    let sim = Simulator::new(
        SimulatorConfig::default()
            .with_clock(Arc::new(clock.clone()))
            .with_limits(limits),
    );
    let client = client_for(sim.clone(), "http://sim.local", &sim)
        .clock(Arc::new(clock.clone()))
        .seed(3)
        .build()
        .unwrap();
    let (app_id, job_id) = setup(&client);
    let start = clock.now();
    let run = Duration::from_secs(600);

    clock.set_participants(8);
    let started = Instant::now();
    std::thread::scope(|s| {
        for thread in 0..8 {
            let (client, clock, app_id, job_id) = (&client, clock.clone(), &app_id, &job_id);
            s.spawn(move || {
                while clock.now() < start + run {
                    match thread % 4 {
                        0 => drop(client.call(&ShowMixJob::new(app_id, job_id)).unwrap()),
                        1 => drop(client.call(&ListApps::new().limit(10)).unwrap()),
                        2 => drop(client.call(&ListObsBuckets::new()).unwrap()),
                        _ => drop(
                            client
                                .call(&ListRtcRealtimeScale::new(app_id, "OnlineUsers"))
                                .unwrap(),
                        ),
                    }
                }
                clock.leave();
            });
        }
    });
    let real = started.elapsed();

    assert_eq!(
        sim.throttled_count(),
        0,
        "no 429 with the client's throttle on"
    );
    let counts = admitted(&sim, start);
    let minutes = run.as_secs_f64() / 60.0;
    for (category, ops) in [
        (
            ThrottleCategory::MixStreamJobManagement,
            OperationId::ShowMixJob,
        ),
        (
            ThrottleCategory::ApplicationManagement,
            OperationId::ListApps,
        ),
        (
            ThrottleCategory::ObsBucketManagement,
            OperationId::ListObsBuckets,
        ),
        (
            ThrottleCategory::StatisticalAnalysis,
            OperationId::ListRtcRealtimeScale,
        ),
    ] {
        assert_eq!(ops.category(), category);
        let limit = category.documented_limit();
        let per_minute = f64::from(limit.requests) * 60.0 / limit.window.as_secs_f64();
        let achieved = counts.get(&category).copied().unwrap_or(0) as f64 / minutes;
        eprintln!(
            "{category:?}: {achieved:.1} calls per minute of {per_minute:.0} documented ({:.1}%)",
            100.0 * achieved / per_minute
        );
        assert!(
            achieved >= 0.9 * per_minute,
            "{category:?}: {achieved} < 90% of {per_minute}"
        );
        assert!(
            achieved <= per_minute * 1.01 + 60.0 / minutes,
            "{category:?}: {achieved} over the limit"
        );
    }
    eprintln!("ten simulated minutes took {real:?} of real time");
}

#[cfg(feature = "ureq")]
#[test]
fn four_threads_over_loopback_no_429_and_the_full_rate() {
    use sparkrtc::throttle::{RateLimit, ThrottleConfig};
    use sparkrtc::transport::UreqTransport;

    let sim = Simulator::new(SimulatorConfig::default());
    let server = sim.serve("127.0.0.1:0").unwrap();
    // Over a network a request reaches the server a little after the client
    // admits it, by a varying delay: a 20 ms margin on the window keeps the
    // server's count under the limit while costing 2% of the rate.
    let margin = RateLimit {
        requests: 10,
        window: Duration::from_millis(1_020),
    };
    let throttle = ThrottleConfig::documented()
        .with_limit(ThrottleCategory::MixStreamJobManagement, margin)
        .unwrap()
        .with_limit(ThrottleCategory::IndividualStreamJobManagement, margin)
        .unwrap();
    let client = client_for(UreqTransport::default(), &server.url(), &sim)
        .throttle(throttle)
        .build()
        .unwrap();
    let (app_id, job_id) = setup(&client);
    let single = client
        .call(&sparkrtc::ops::CreateIndividualStreamJob::new(
            &app_id,
            sparkrtc::model::IndividualStreamJobReq::new("room", "alice"),
        ))
        .unwrap()
        .body
        .job_id
        .unwrap();
    // A fresh window for both categories.
    std::thread::sleep(Duration::from_millis(1_100));
    let start = sim.now();
    let run = Duration::from_secs(3);
    let t0 = Instant::now();
    std::thread::scope(|s| {
        for thread in 0..4 {
            let (client, app_id, job_id, single) = (&client, &app_id, &job_id, &single);
            s.spawn(move || {
                while t0.elapsed() < run {
                    if thread % 2 == 0 {
                        client.call(&ShowMixJob::new(app_id, job_id)).unwrap();
                    } else {
                        client
                            .call(&sparkrtc::ops::ShowIndividualStreamJob::new(app_id, single))
                            .unwrap();
                    }
                }
            });
        }
    });
    let elapsed = sim.now() - start;
    assert_eq!(sim.throttled_count(), 0);
    let counts = admitted(&sim, start);
    for category in [
        ThrottleCategory::MixStreamJobManagement,
        ThrottleCategory::IndividualStreamJobManagement,
    ] {
        let achieved = counts.get(&category).copied().unwrap_or(0) as f64 / elapsed.as_secs_f64();
        eprintln!("{category:?} over loopback: {achieved:.2} calls per second of 10");
        assert!(achieved >= 9.0, "{category:?}: {achieved}/s");
    }
    drop(server);
}
