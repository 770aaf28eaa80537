//! What a video-classroom integration does, in eight steps, against the
//! offline simulator (in memory, on a virtual clock, so waits take no time):
//!
//! 1. create an application with a signed recording callback, and make sure
//!    it is enabled;
//! 2. an MP4 recording rule, and automatic recording of each participant;
//! 3. a mixed-stream recording of the class: started, waited for until it
//!    runs, re-laid out, stopped;
//! 4. every application, over all pages;
//! 5. the statistics of the last hour;
//! 6. what a missing job answers;
//! 7. the room-join signatures the end users join with;
//! 8. the recording callbacks, verified.
//!
//! ```sh
//! cargo run --example classroom
//! ```
#![allow(clippy::disallowed_types)] // a Mutex in the callback receiver

use std::error::Error;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use http::{Request, Response};
use sparkrtc::callback::{acknowledgement, CallbackEvent, Verifier};
use sparkrtc::client::Client;
use sparkrtc::model::*;
use sparkrtc::ops::*;
use sparkrtc::simulator::{Simulator, SimulatorConfig, DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY};
use sparkrtc::time::{Clock, VirtualClock};
use sparkrtc::transport::TransportError;
use sparkrtc::{join, Credentials, Endpoint};

const CALLBACK_KEY: &str = "classroom-callback-key-0123456789";
const ROOM: &str = "class-42";

fn main() -> Result<(), Box<dyn Error>> {
    // The simulator posts recording callbacks to this receiver, which stands
    // in for the application's web server.
    let received = Arc::new(Mutex::new(Vec::<Request<Vec<u8>>>::new()));
    let inbox = Arc::clone(&received);
    let receiver = move |request| -> Result<Response<Vec<u8>>, TransportError> {
        inbox
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(request);
        Ok(acknowledgement())
    };
    let clock =
        VirtualClock::unattended(SystemTime::UNIX_EPOCH + Duration::from_secs(1_790_000_000));
    let config = SimulatorConfig::default().with_virtual_clock(clock.clone());
    let sim = Simulator::new(config.with_callback_transport(receiver));
    let client = Client::builder(sim.clone())
        .endpoint(Endpoint::new("http://sim.local")?.with_project_id(sim.config().project_id())?)
        .credentials(Credentials::ak_sk(DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY)?)
        .clock(Arc::new(clock.clone()))
        .build()?;

    // 1. An application, enabled, with a signed recording callback.
    let app_id = client
        .call(&CreateApp::new(AppReq::new("classroom")))?
        .app_id()?
        .to_owned();
    let callback =
        AppCallbackUrlReq::new("https://classroom.example.com/rtc/callback").auth_key(CALLBACK_KEY);
    client.call(&UpdateRecordCallback::new(&app_id, callback))?;
    let status = client.call(&StartApp::new(&app_id))?.status()?.clone();
    println!("1. app {app_id}: {status}");

    // 2. An MP4 rule in the first OBS bucket, and automatic recording.
    let buckets = client.call(&ListObsBuckets::new())?;
    let bucket = buckets.buckets.first().ok_or("no OBS bucket")?;
    let project = sim.config().project_id().to_owned();
    let obs =
        RecordObsFileAddr::new(bucket.location()?, project, bucket.bucket()?).object("classes/");
    let rule =
        RecordRuleReq::new(obs, [RecordFormat::Mp4]).mp4_config(Mp4RecordConfig::new(1800u32));
    let rule_id = client
        .call(&CreateRecordRule::new(&app_id, rule))?
        .rule_id()?
        .to_owned();
    let auto = AutoRecordModeReq::new(AutoRecordMode::Individual).record_rule_id(&rule_id);
    let mode = client
        .call(&UpdateAutoRecord::new(&app_id, auto))?
        .auto_record_mode()?
        .mode()?
        .clone();
    println!("2. rule {rule_id}, automatic recording {mode}");

    // 7. (before the class) join signatures for the end users, who join.
    let app_key = client.call(&ShowApp::new(&app_id))?.app_key()?.clone();
    for user in ["teacher", "student-1"] {
        let token = join::sign(
            &app_id,
            ROOM,
            user,
            &app_key,
            clock.wall(),
            join::RECOMMENDED_VALIDITY,
        )?;
        println!("7. {user} joins {ROOM} with ctime {}", token.ctime);
    }
    sim.join(&app_id, ROOM, &["teacher", "student-1"])?; // what the client SDKs do

    // 3. The class recorded as one mixed stream: teacher left, student right.
    let pane = |id: u32, user: &str, x: f64| {
        MixLayoutPane::new()
            .id(id)
            .user_id(user)
            .x(x)
            .y(0.0)
            .width(0.5)
            .height(1.0)
    };
    let mix = MixParam::new(ROOM, EncodeTemplate::P720Fps30Kbps1710)
        .layout_template(LayoutTemplate::Custom)
        .layout_panes([pane(1, "teacher", 0.0), pane(2, "student-1", 0.5)]);
    let job = MixJobReq::new(mix).record_param(RecordParam::new(&rule_id));
    let job_id = client
        .call(&CreateMixJob::new(&app_id, job))?
        .job_id()?
        .to_owned();
    let running = client.wait_mix_job(
        &app_id,
        &job_id,
        JobState::Running,
        Duration::from_secs(120),
    )?;
    println!("3. job {job_id} {}", running.state()?);
    let grid = UpdateMixParam::new().layout_template(LayoutTemplate::NineGridsView);
    client.call(&UpdateMixJob::new(
        &app_id,
        &job_id,
        UpdateMixJobReq::new(grid),
    ))?;
    clock.sleep(Duration::from_secs(40 * 60)); // the lesson
    client.call(&StopMixJob::new(&app_id, &job_id))?;
    let stopped = client.wait_mix_job(
        &app_id,
        &job_id,
        JobState::Stopped,
        Duration::from_secs(120),
    )?;
    if let (Some(start), Some(stop)) = (running.start_time()?, stopped.stop_time()?) {
        let minutes = stop.duration_since(start)?.as_secs() / 60;
        println!(
            "3. re-laid out, then {} after {minutes} min",
            stopped.state()?
        );
    }

    // 4. Every application, across pages.
    let apps = client
        .items(ListApps::new().limit(50))
        .collect::<Result<Vec<App>, _>>()?;
    let names = apps
        .iter()
        .map(App::app_name)
        .collect::<Result<Vec<_>, _>>()?;
    println!("4. {} application(s): {}", apps.len(), names.join(", "));

    // 5. Online users over the last hour.
    let now = clock.wall(); // SystemTime::now() against the real service
    let scale = client.call(
        &ListRtcRealtimeScale::new(&app_id, ScaleMetric::OnlineUsers)
            .start_time(now - Duration::from_secs(3600))
            .end_time(now),
    )?;
    let values = scale
        .scale
        .iter()
        .map(TimeIntValue::value)
        .collect::<Result<Vec<_>, _>>()?;
    let peak = values.iter().max().unwrap_or(&0);
    println!(
        "5. {} samples in the last hour, peak {peak} online",
        scale.scale.len()
    );

    // 6. A job that does not exist.
    let missing = client
        .call(&ShowMixJob::new(&app_id, "no-such-job"))
        .unwrap_err();
    assert!(missing.is_not_found());
    println!("6. missing job: {missing}");

    // 8. The recording callbacks, verified as the web server would.
    sim.deliver_callbacks();
    let verifier = Verifier::new(CALLBACK_KEY)?;
    for request in received.lock().unwrap_or_else(|e| e.into_inner()).iter() {
        let (what, e) = match verifier.verify_request(request, clock.wall())? {
            CallbackEvent::FileStarted(e) => ("file started", e),
            CallbackEvent::FileCompleted(e) => ("file complete", e),
            CallbackEvent::JobEnded(e) => ("job ended", e),
            other => return Err(format!("unexpected callback {other:?}").into()),
        };
        let stream = e.stream_name.unwrap_or_default();
        println!("8. {what}: {stream} {}", e.obs_object.unwrap_or_default());
    }
    Ok(())
}
