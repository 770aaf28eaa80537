//! An application's test that records its exchanges with SparkRTC once and
//! replays them on every later run, with no account and no network.
//!
//! ```sh
//! cargo run --example record_replay                       # replay (records first when there is no cassette)
//! SPARKRTC_RECORD=all cargo run --example record_replay   # record again
//! SPARKRTC_RECORD=missing cargo run --example record_replay
//! ```
//!
//! `SPARKRTC_RECORD` picks the [`RecordMode`]: `replay` (the default),
//! `missing` (record what the cassette lacks) or `all` (record everything
//! again). In a real suite the live transport is `UreqTransport` against the
//! service, with the account's keys, and the cassette lives next to the
//! tests (`tests/cassettes/start_recording.jsonl`), committed: secrets are
//! scrubbed before it is written. Here the "service" is the offline
//! simulator, served on a loopback port over real HTTP, and the cassette is
//! written to the temporary directory.
#![allow(clippy::disallowed_methods)] // an example may read the environment

use std::path::PathBuf;
use std::process::ExitCode;

use sparkrtc::client::Client;
use sparkrtc::model::{AppReq, EncodeTemplate, JobState, MixJobReq, MixParam};
use sparkrtc::ops::{CreateApp, CreateMixJob, ShowMixJob};
use sparkrtc::simulator::{Simulator, DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY};
use sparkrtc::testing::{RecordMode, Replayer};
use sparkrtc::transport::{Transport, UreqTransport};
use sparkrtc::{Credentials, Endpoint, Error};

/// The application code under test: creates an app and a mixed-stream
/// recording job in a room, and returns the job's id and state.
fn start_recording<T: Transport>(
    client: &Client<T>,
    room: &str,
) -> Result<(String, JobState), Error> {
    let app = client.call(&CreateApp::new(AppReq::new("classroom")))?;
    let app_id = app.app_id()?;
    let job = CreateMixJob::new(
        app_id,
        MixJobReq::new(MixParam::new(room, EncodeTemplate::AudioOnly)),
    );
    let job_id = client.call(&job)?.job_id()?.to_owned();
    let shown = client.call(&ShowMixJob::new(app_id, &job_id))?;
    Ok((job_id, shown.state()?.clone()))
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("record_replay failed: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), String> {
    let cassette: PathBuf = std::env::temp_dir()
        .join("sparkrtc-examples")
        .join("start_recording.jsonl");
    let mode = match std::env::var("SPARKRTC_RECORD") {
        Ok(text) => text.parse::<RecordMode>()?,
        // Nothing recorded yet: record what is missing (everything).
        Err(_) if !cassette.exists() => RecordMode::RecordMissing,
        Err(_) => RecordMode::ReplayOnly,
    };

    // The live side, used only when recording. (A suite would build
    // `UreqTransport::default()` and take its keys from the environment.)
    let simulator = match mode {
        RecordMode::ReplayOnly => None,
        _ => Some(
            Simulator::default()
                .serve("127.0.0.1:0")
                .map_err(|e| format!("cannot start the simulator: {e}"))?,
        ),
    };
    let endpoint = match &simulator {
        Some(server) => Endpoint::new(&server.url()).map_err(|e| e.to_string())?,
        None => Endpoint::new("http://127.0.0.1:9").map_err(|e| e.to_string())?,
    };
    let transport =
        Replayer::new(&cassette, mode, UreqTransport::default()).map_err(|e| e.to_string())?;
    let client = Client::builder(transport)
        .endpoint(
            endpoint
                .with_project_id(sparkrtc::simulator::DEFAULT_PROJECT_ID)
                .map_err(|e| e.to_string())?,
        )
        .credentials(
            Credentials::ak_sk(DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY)
                .map_err(|e| e.to_string())?,
        )
        .build()
        .map_err(|e| e.to_string())?;

    // The test itself: the same assertions whether live or replayed.
    let (job_id, state) = start_recording(&client, "room-1").map_err(|e| e.to_string())?;
    if state != JobState::Init {
        return Err(format!("job {job_id} is {state}, expected INIT"));
    }
    let replayer = client.transport();
    println!(
        "{:?}: job {job_id} is {state}; the cassette {} holds {} exchanges, {} not served",
        replayer.mode(),
        cassette.display(),
        replayer.cassette().len(),
        replayer.unserved(),
    );
    if let Some(server) = simulator {
        server.shutdown();
    }
    Ok(())
}
