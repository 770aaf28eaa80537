//! A whole recording flow, one line per step with its request id.
//!
//! ```sh
//! cargo run --example quickstart
//! ```
//!
//! With no `HUAWEICLOUD_SDK_AK` / `HUAWEICLOUD_SDK_SK` /
//! `HUAWEICLOUD_SDK_PROJECT_ID` in the environment, it starts the offline
//! simulator on a free loopback port and talks to it over real HTTP, through
//! the same ureq transport a production client uses. With them set, it runs
//! against the real service (`SPARKRTC_ENDPOINT` overrides the endpoint):
//! it creates an application and recording resources in your account.
#![allow(clippy::disallowed_methods)] // an example may read the environment

use std::process::ExitCode;

use sparkrtc::client::Client;
use sparkrtc::model::*;
use sparkrtc::ops::*;
use sparkrtc::simulator::{Simulator, SimulatorConfig, SimulatorServer};
use sparkrtc::transport::UreqTransport;
use sparkrtc::{Credentials, Endpoint, Error, Output};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("quickstart failed: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Where the calls go: the real service, or a simulator started here (kept
/// alive while the client runs).
fn connect() -> Result<(Client<UreqTransport>, Option<SimulatorServer>), String> {
    let configured = [
        "HUAWEICLOUD_SDK_AK",
        "HUAWEICLOUD_SDK_SK",
        "HUAWEICLOUD_SDK_PROJECT_ID",
    ]
    .iter()
    .all(|name| std::env::var(name).is_ok_and(|v| !v.is_empty()));
    if configured {
        let client = Client::from_env().map_err(|e| format!("reading the environment: {e}"))?;
        println!("Using the real service at {}", client.endpoint().base_url());
        return Ok((client, None));
    }
    let simulator = Simulator::new(SimulatorConfig::default());
    let server = simulator
        .serve("127.0.0.1:0")
        .map_err(|e| format!("starting the simulator: {e}"))?;
    let config = simulator.config();
    println!(
        "No HUAWEICLOUD_SDK_AK/SK/PROJECT_ID set: using the offline simulator at {}",
        server.url()
    );
    let build = || -> Result<Client<UreqTransport>, Error> {
        Client::builder(UreqTransport::default())
            .endpoint(Endpoint::new(&server.url())?.with_project_id(config.project_id())?)
            .credentials(Credentials::ak_sk(
                sparkrtc::simulator::DEFAULT_ACCESS_KEY,
                sparkrtc::simulator::DEFAULT_SECRET_KEY,
            )?)
            .build()
    };
    let client = build().map_err(|e| e.to_string())?;
    Ok((client, Some(server)))
}

/// Runs one step: prints its line with the request id, or says which step
/// failed and why.
fn step<T>(
    what: &str,
    result: Result<Output<T>, Error>,
    detail: impl FnOnce(&T) -> String,
) -> Result<Output<T>, String> {
    match result {
        Ok(out) => {
            println!(
                "{what:<34} {:<40} request id {}",
                detail(&out.body),
                out.request_id.as_deref().unwrap_or("-")
            );
            Ok(out)
        }
        Err(e) => Err(format!("{what}: {e}")),
    }
}

fn run() -> Result<(), String> {
    let (client, _server) = connect()?;

    let app = step(
        "create an application",
        client.call(&CreateApp::new(AppReq::new("quickstart"))),
        |a| format!("app {}", a.app_id.as_deref().unwrap_or("?")),
    )?;
    let app_id = app.body.app_id.clone().unwrap_or_default();

    step(
        "configure the recording callback",
        client.call(&UpdateRecordCallback::new(
            &app_id,
            AppCallbackUrlReq::new("https://example.com/sparkrtc/recordings"),
        )),
        |c| {
            format!(
                "-> {}",
                c.record_callback
                    .as_ref()
                    .and_then(|c| c.url.as_deref())
                    .unwrap_or("?")
            )
        },
    )?;

    let buckets = step(
        "list OBS buckets",
        client.call(&ListObsBuckets::new()),
        |b| format!("{} bucket(s)", b.buckets.len()),
    )?;
    let Some(bucket) = buckets.body.buckets.first().cloned() else {
        println!("No OBS bucket in this account: create one to record, then run again.");
        return Ok(());
    };
    let location = bucket.location.unwrap_or_else(|| "cn-north-4".into());
    let project = client
        .endpoint()
        .project_id()
        .unwrap_or_default()
        .to_owned();

    let rule = step(
        "create a recording rule",
        client.call(&CreateRecordRule::new(
            &app_id,
            RecordRuleReq::new(
                RecordObsFileAddr::new(&location, &project, bucket.bucket.unwrap_or_default())
                    .object("quickstart/"),
                [RecordFormat::Hls],
            )
            .hls_config(HlsRecordConfig::new(3600).record_slice_duration(10)),
        )),
        |r| format!("rule {}", r.rule_id.as_deref().unwrap_or("?")),
    )?;
    let rule_id = rule.body.rule_id.clone().unwrap_or_default();

    step(
        "turn automatic recording off",
        client.call(&UpdateAutoRecord::new(
            &app_id,
            AutoRecordModeReq::new(AutoRecordMode::Off),
        )),
        |a| {
            let mode = a.auto_record_mode.as_ref().and_then(|m| m.mode.as_ref());
            format!("mode {}", mode.map_or("?", AutoRecordMode::as_str))
        },
    )?;

    let room = "quickstart-room";
    let pane = |id: u32, user: &str, x: f64| {
        MixLayoutPane::new()
            .id(id)
            .user_id(user)
            .x(x)
            .y(0.0)
            .width(0.5)
            .height(1.0)
    };
    let job = step(
        "start a mixed-stream recording",
        client.call(&CreateMixJob::new(
            &app_id,
            MixJobReq::new(
                MixParam::new(room, EncodeTemplate::P720Fps30Kbps1710)
                    .layout_template(LayoutTemplate::Custom)
                    .layout_panes([pane(1, "alice", 0.0), pane(2, "bob", 0.5)]),
            )
            .record_param(RecordParam::new(&rule_id)),
        )),
        |j| {
            format!(
                "job {} {}",
                j.job_id.as_deref().unwrap_or("?"),
                state(&j.state)
            )
        },
    )?;
    let job_id = job.body.job_id.clone().unwrap_or_default();

    step(
        "show it",
        client.call(&ShowMixJob::new(&app_id, &job_id)),
        |j| {
            format!(
                "{} stream {}",
                state(&j.state),
                j.stream_name.as_deref().unwrap_or("?")
            )
        },
    )?;
    step(
        "swap its panes",
        client.call(&UpdateMixJob::new(
            &app_id,
            &job_id,
            UpdateMixJobReq::new(
                UpdateMixParam::new()
                    .layout_template(LayoutTemplate::Custom)
                    .layout_panes([pane(1, "bob", 0.0), pane(2, "alice", 0.5)]),
            ),
        )),
        |j| {
            format!(
                "{} panes",
                j.mix_param
                    .as_ref()
                    .map_or(0, |p| p.layout_panes.as_ref().map_or(0, Vec::len))
            )
        },
    )?;
    step(
        "stop it",
        client.call(&StopMixJob::new(&app_id, &job_id)),
        |_| "stopped".into(),
    )?;

    let single = step(
        "start a single-stream recording",
        client.call(&CreateIndividualStreamJob::new(
            &app_id,
            IndividualStreamJobReq::new(room, "alice")
                .video_type(VideoType::CameraStream)
                .record_param(RecordParam::new(&rule_id)),
        )),
        |j| {
            format!(
                "job {} {}",
                j.job_id.as_deref().unwrap_or("?"),
                state(&j.state)
            )
        },
    )?;
    let single_id = single.body.job_id.clone().unwrap_or_default();
    step(
        "stop it",
        client.call(&StopIndividualStreamJob::new(&app_id, &single_id)),
        |_| "stopped".into(),
    )?;

    step(
        "list rooms",
        client.call(&ListRtcRoomList::new(&app_id).limit(10)),
        |r| {
            format!(
                "{} room(s)",
                r.total.unwrap_or(r.room_info_list.len() as i64)
            )
        },
    )?;
    step(
        "list users",
        client.call(&ListRtcUserList::new(&app_id).room_id(room).limit(10)),
        |u| format!("{} user(s)", u.total.unwrap_or(u.users.len() as i64)),
    )?;
    step(
        "query real-time scale",
        client.call(&ListRtcRealtimeScale::new(
            &app_id,
            ScaleMetric::OnlineUsers,
        )),
        |s| {
            let latest = s.scale.last().and_then(|p| p.value).unwrap_or(0);
            format!("{} minute(s), {latest} online now", s.scale.len())
        },
    )?;

    // Every end user joins the room with a signature the app server mints
    // with the app's key (from ShowApp; CreateApp does not return it).
    let shown = step(
        "show the application",
        client.call(&ShowApp::new(&app_id)),
        |a| {
            let on = a.authentication.as_ref().and_then(|auth| auth.enable);
            format!(
                "join authentication {}",
                on.map_or("?", |on| if on { "on" } else { "off" })
            )
        },
    )?;
    let app_key = shown
        .authentication
        .as_ref()
        .and_then(|a| a.app_key.clone());
    match app_key {
        Some(key) => {
            let token = sparkrtc::join::sign(
                &app_id,
                room,
                "alice",
                &key,
                std::time::SystemTime::now(),
                sparkrtc::join::RECOMMENDED_VALIDITY,
            )
            .map_err(|e| format!("join signature: {e}"))?;
            println!(
                "{:<34} alice in {room}: signature {} ctime {}",
                "join signature", token.signature, token.ctime
            );
        }
        None => println!("{:<34} the application has no app_key", "join signature"),
    }

    println!("Done.");
    Ok(())
}

fn state(state: &Option<JobState>) -> &str {
    state.as_ref().map_or("?", JobState::as_str)
}
