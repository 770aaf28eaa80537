//! The simulated service's state: applications, recording rules, jobs,
//! rooms, OBS buckets, rate-limit windows, the request log; and the
//! timeline of recording jobs, from which callback events are collected.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use crate::callback::{EventType, RecordingEvent};
use crate::model::{
    AppStatus, AutoRecordMode, EncodeTemplate, IndividualStreamJobReq, JobState, MixParam,
    RecordFormat, RecordParam, RecordRuleReq, StopReason, StreamResolution,
};
use crate::throttle::{ThrottleCategory, Window};
use crate::Secret;

use super::util::{epoch_secs, hash_str, hex_digits, iso_secs, mix};
use super::LoggedRequest;

/// A moment on both of the clock's scales: monotonic (for ordering and
/// delays) and wall (for timestamps in answers).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Stamp {
    pub(super) mono: Duration,
    pub(super) wall: SystemTime,
}

impl Stamp {
    pub(super) fn after(self, d: Duration) -> Stamp {
        Stamp {
            mono: self.mono.saturating_add(d),
            wall: self.wall.checked_add(d).unwrap_or(self.wall),
        }
    }
}

/// Id spaces, so that ids of different kinds never collide.
#[derive(Clone, Copy)]
pub(super) enum IdKind {
    App = 1,
    AppKey = 2,
    Rule = 3,
    Job = 4,
    Session = 5,
    Request = 6,
    /// The `X-Rtc-Rand` of signed callbacks.
    CallbackRand = 7,
}

pub(super) struct AppRec {
    pub(super) seq: u64,
    pub(super) id: String,
    pub(super) name: String,
    pub(super) status: AppStatus,
    pub(super) created: SystemTime,
    pub(super) status_updated: SystemTime,
    pub(super) app_key: String,
    pub(super) auto_mode: AutoRecordMode,
    pub(super) auto_rule: Option<String>,
    pub(super) auto_updated: SystemTime,
    pub(super) callback: Option<CallbackRec>,
    pub(super) rules: BTreeMap<String, RuleRec>,
}

pub(super) struct CallbackRec {
    pub(super) url: String,
    pub(super) auth_key: Option<Secret>,
    pub(super) updated: SystemTime,
}

pub(super) struct RuleRec {
    pub(super) seq: u64,
    pub(super) id: String,
    pub(super) req: RecordRuleReq,
    pub(super) created: SystemTime,
    pub(super) updated: SystemTime,
}

pub(super) enum JobKind {
    Mix(MixParam),
    Individual(IndividualStreamJobReq),
}

pub(super) struct JobRec {
    pub(super) id: String,
    pub(super) app_id: String,
    pub(super) room_id: String,
    pub(super) kind: JobKind,
    pub(super) record: Option<RecordParam>,
    pub(super) created: Stamp,
    pub(super) updated: SystemTime,
    /// When it leaves `INIT` (if it is not stopped first).
    pub(super) runs_at: Stamp,
    /// Set once it is `RUNNING` (at `runs_at`, not when that was noticed).
    pub(super) started: Option<Stamp>,
    pub(super) stopped: Option<(Stamp, StopReason)>,
    pub(super) files: Vec<RecordFile>,
    /// How many of the job's callback events were collected already.
    pub(super) events_collected: usize,
}

impl JobRec {
    pub(super) fn state(&self) -> JobState {
        match (&self.stopped, &self.started) {
            (Some(_), _) => JobState::Stopped,
            (None, Some(_)) => JobState::Running,
            (None, None) => JobState::Init,
        }
    }

    pub(super) fn stream_name(&self) -> String {
        match &self.kind {
            JobKind::Mix(_) => format!("m_{}_{}", self.id, self.room_id),
            JobKind::Individual(req) => format!("s_{}_{}_{}", self.id, self.room_id, req.user_id),
        }
    }

    /// The recorded video's width and height: from the mixing template, or
    /// the resolution tier of a single stream with video; `None` for audio.
    pub(super) fn video_size(&self) -> Option<(i64, i64)> {
        match &self.kind {
            JobKind::Mix(param) => match &param.encode_template {
                EncodeTemplate::AudioOnly => None,
                template => {
                    let (w, rest) = template.as_str().split_once(['x', '*'])?;
                    let h = rest.split('_').next()?;
                    Some((w.parse().ok()?, h.parse().ok()?))
                }
            },
            JobKind::Individual(req) => {
                req.video_type.as_ref()?;
                match req.select_stream_type.as_ref()? {
                    StreamResolution::Ld => Some((320, 180)),
                    StreamResolution::Sd => Some((640, 360)),
                    StreamResolution::Hd => Some((1280, 720)),
                    StreamResolution::Fhd => Some((1920, 1080)),
                    StreamResolution::Unknown(_) => None,
                }
            }
        }
    }

    /// Every callback event of the job so far, in order.
    fn events(&self) -> Vec<(Stamp, CallbackEventKind, Option<&RecordFile>)> {
        let mut out: Vec<_> = self
            .files
            .iter()
            .map(|f| (f.started, CallbackEventKind::RecordNewFileStart, Some(f)))
            .collect();
        for f in &self.files {
            if let Some(done) = f.completed {
                out.push((done, CallbackEventKind::RecordFileComplete, Some(f)));
            }
        }
        if let (Some(_), Some((stop, _))) = (self.started, &self.stopped) {
            if self.record.is_some() {
                out.push((*stop, CallbackEventKind::CloudRecordServerOver, None));
            }
        }
        out
    }
}

/// A file a recording job writes.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct RecordFile {
    pub(super) format: RecordFormat,
    pub(super) bucket: String,
    pub(super) location: String,
    /// The object name in the bucket.
    pub(super) object: String,
    pub(super) started: Stamp,
    pub(super) completed: Option<Stamp>,
}

/// The size of a completed file: in KB (as the bucket lists it) and in
/// bytes (as its callback says), the same for a seed and an object name.
pub(super) fn file_size(seed: u64, object: &str) -> (i64, i64) {
    let kb = 1 + (mix(seed, &[hash_str(object)]) % 20_480) as i64;
    let short = (mix(seed, &[hash_str(object), 1]) % 1024) as i64;
    (kb, kb * 1024 - short)
}

pub(super) struct RoomRec {
    pub(super) seq: u64,
    pub(super) started: SystemTime,
    pub(super) closed: Option<SystemTime>,
    pub(super) users: BTreeMap<String, UserRec>,
}

pub(super) struct UserRec {
    pub(super) seq: u64,
    pub(super) session: String,
    pub(super) joined: SystemTime,
    pub(super) left: Option<SystemTime>,
}

pub(super) struct BucketRec {
    pub(super) name: String,
    pub(super) location: String,
    pub(super) created: SystemTime,
    pub(super) authorized: bool,
    /// Object name, size in KB, last modified.
    pub(super) objects: Vec<(String, i64, SystemTime)>,
}

/// The whole simulated service.
pub(super) struct State {
    pub(super) seed: u64,
    counters: BTreeMap<u8, u64>,
    pub(super) apps: BTreeMap<String, AppRec>,
    pub(super) jobs: BTreeMap<String, JobRec>,
    /// By (application, room).
    pub(super) rooms: BTreeMap<(String, String), RoomRec>,
    pub(super) buckets: Vec<BucketRec>,
    /// Rate-limit windows by (account, category).
    pub(super) windows: BTreeMap<(String, ThrottleCategory), Window>,
    pub(super) log: Vec<LoggedRequest>,
    pub(super) throttled: u64,
    pub(super) seq: u64,
}

impl State {
    pub(super) fn new(seed: u64, wall: SystemTime) -> State {
        State {
            seed,
            counters: BTreeMap::new(),
            apps: BTreeMap::new(),
            jobs: BTreeMap::new(),
            rooms: BTreeMap::new(),
            buckets: initial_buckets(seed, wall),
            windows: BTreeMap::new(),
            log: Vec::new(),
            throttled: 0,
            seq: 0,
        }
    }

    /// The next id of a kind: `len` hex digits from the seed and a counter.
    pub(super) fn next_id(&mut self, kind: IdKind, len: usize) -> String {
        let counter = self.counters.entry(kind as u8).or_insert(0);
        *counter += 1;
        hex_digits(mix(self.seed, &[kind as u64, *counter]), len)
    }

    /// A sequence number for ordering records by creation.
    pub(super) fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// Moves every job whose start delay has passed at `now` to `RUNNING`,
    /// as of the moment the delay ended, opening its recording files.
    pub(super) fn refresh(&mut self, now: Duration) {
        let due: Vec<String> = self
            .jobs
            .values()
            .filter(|j| j.started.is_none() && j.stopped.is_none() && j.runs_at.mono <= now)
            .map(|j| j.id.clone())
            .collect();
        for id in due {
            let files = self.files_for(&id);
            if let Some(job) = self.jobs.get_mut(&id) {
                job.started = Some(job.runs_at);
                job.files = files;
            }
        }
    }

    /// The files a job starts writing when it starts: one per format of its
    /// recording rule.
    fn files_for(&self, job_id: &str) -> Vec<RecordFile> {
        let Some(job) = self.jobs.get(job_id) else {
            return Vec::new();
        };
        let Some(rule) = job
            .record
            .as_ref()
            .and_then(|r| self.apps.get(&job.app_id)?.rules.get(&r.record_rule_id))
        else {
            return Vec::new();
        };
        let stream = job.stream_name();
        let started = job.runs_at;
        let stamp = super::util::iso_secs(started.wall).replace([':', '-'], "");
        rule.req
            .record_formats
            .iter()
            .map(|format| {
                let (prefix, ext) = match format {
                    RecordFormat::Mp4 => (
                        rule.req
                            .mp4_config
                            .as_ref()
                            .and_then(|c| c.record_prefix.clone()),
                        "mp4",
                    ),
                    _ => (
                        rule.req
                            .hls_config
                            .as_ref()
                            .and_then(|c| c.record_prefix.clone()),
                        "m3u8",
                    ),
                };
                let name = prefix
                    .unwrap_or_else(|| "{app_id}/{record_format}/{stream}_{file_start_time}".into())
                    .replace("{app_id}", &job.app_id)
                    .replace("{record_format}", format.as_str())
                    .replace("{stream}", &stream)
                    .replace("{file_start_time}", &stamp);
                let folder = rule.req.obs_addr.object.clone().unwrap_or_default();
                RecordFile {
                    format: format.clone(),
                    bucket: rule.req.obs_addr.bucket.clone(),
                    location: rule.req.obs_addr.location.clone(),
                    object: format!("{folder}{name}.{ext}"),
                    started,
                    completed: None,
                }
            })
            .collect()
    }

    /// Stops a job at `at`: its files are complete, and those in a
    /// simulated bucket appear there.
    pub(super) fn stop_job(&mut self, job_id: &str, at: Stamp, reason: StopReason) {
        let Some(job) = self.jobs.get_mut(job_id) else {
            return;
        };
        if job.stopped.is_some() {
            return;
        }
        job.stopped = Some((at, reason));
        job.updated = at.wall;
        let seed = self.seed;
        for file in &mut job.files {
            file.completed = Some(at);
            let (size, _) = file_size(seed, &file.object);
            if let Some(bucket) = self
                .buckets
                .iter_mut()
                .find(|b| b.name == file.bucket && b.location == file.location)
            {
                bucket.objects.push((file.object.clone(), size, at.wall));
            }
        }
    }

    /// Collects the callback events due at `now` that were not collected
    /// before, in order (by job creation, then by time).
    ///
    /// The callback sender (`callbacks.rs`) calls this, then posts each
    /// event to its `callback` URL with the state unlocked.
    pub(super) fn collect_due_events(&mut self, now: Duration) -> Vec<CallbackEvent> {
        let mut order: Vec<(&String, &JobRec)> = self.jobs.iter().collect();
        order.sort_by_key(|(_, j)| j.created.mono);
        let ids: Vec<String> = order.into_iter().map(|(id, _)| id.clone()).collect();
        let mut out = Vec::new();
        for id in ids {
            let Some(job) = self.jobs.get(&id) else {
                continue;
            };
            let callback = self.apps.get(&job.app_id).and_then(|a| {
                a.callback
                    .as_ref()
                    .map(|c| (c.url.clone(), c.auth_key.clone()))
            });
            let events = job.events();
            let mut taken = 0;
            for (at, kind, file) in events.iter().skip(job.events_collected) {
                if at.mono > now {
                    break;
                }
                taken += 1;
                let completed = file.filter(|_| *kind == CallbackEventKind::RecordFileComplete);
                out.push(CallbackEvent {
                    kind: *kind,
                    at: at.wall,
                    app_id: job.app_id.clone(),
                    job_id: job.id.clone(),
                    room_id: job.room_id.clone(),
                    stream_name: job.stream_name(),
                    record_format: file.map(|f| f.format.clone()),
                    bucket: file.map(|f| f.bucket.clone()),
                    location: file.map(|f| f.location.clone()),
                    object: file.map(|f| f.object.clone()),
                    file_started_at: file.map(|f| f.started.wall),
                    file_completed_at: completed.and_then(|f| f.completed).map(|c| c.wall),
                    file_size: completed.map(|f| file_size(self.seed, &f.object).1),
                    video_size: job.video_size().filter(|_| file.is_some()),
                    stop_reason: match kind {
                        CallbackEventKind::CloudRecordServerOver => {
                            job.stopped.as_ref().map(|(_, r)| r.clone())
                        }
                        _ => None,
                    },
                    callback_url: callback.as_ref().map(|c| c.0.clone()),
                    auth_key: callback.as_ref().and_then(|c| c.1.clone()),
                });
            }
            if let Some(job) = self.jobs.get_mut(&id) {
                job.events_collected += taken;
            }
        }
        out
    }
}

/// A few buckets and objects, the same for a seed.
fn initial_buckets(seed: u64, wall: SystemTime) -> Vec<BucketRec> {
    let day = Duration::from_secs(86_400);
    let back = |days: u64, salt: u64| {
        let secs = mix(seed, &[salt]) % 86_400;
        wall.checked_sub(day * days as u32 + Duration::from_secs(secs))
            .unwrap_or(wall)
    };
    let objects = |salt: u64, names: &[&str]| {
        names
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let h = mix(seed, &[salt, i as u64]);
                let size = if n.ends_with('/') {
                    0
                } else {
                    1 + (h % 40_960) as i64
                };
                ((*n).to_owned(), size, back(1 + i as u64, salt + i as u64))
            })
            .collect()
    };
    vec![
        BucketRec {
            name: "sparkrtc-record".into(),
            location: "cn-north-4".into(),
            created: back(120, 1),
            authorized: true,
            objects: objects(
                10,
                &[
                    "record/",
                    "record/room001/",
                    "record/room001/m_demo_room001_20240101T080000Z.mp4",
                    "record/room001/m_demo_room001_20240101T080000Z.m3u8",
                    "images/",
                    "images/background.jpg",
                ],
            ),
        },
        BucketRec {
            name: "sparkrtc-backup".into(),
            location: "cn-north-4".into(),
            created: back(90, 2),
            authorized: false,
            objects: objects(
                20,
                &["archive/", "archive/2023/", "archive/2023/summary.json"],
            ),
        },
        BucketRec {
            name: "sparkrtc-east".into(),
            location: "cn-east-3".into(),
            created: back(30, 3),
            authorized: false,
            objects: Vec::new(),
        },
    ]
}

/// What a recording callback announces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum CallbackEventKind {
    /// `RECORD_NEW_FILE_START`: a recording file was started.
    RecordNewFileStart,
    /// `RECORD_FILE_COMPLETE`: a recording file is complete.
    RecordFileComplete,
    /// `CLOUD_RECORD_SERVER_OVER`: the recording job is over.
    CloudRecordServerOver,
}

impl CallbackEventKind {
    /// The `event_type` on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            CallbackEventKind::RecordNewFileStart => "RECORD_NEW_FILE_START",
            CallbackEventKind::RecordFileComplete => "RECORD_FILE_COMPLETE",
            CallbackEventKind::CloudRecordServerOver => "CLOUD_RECORD_SERVER_OVER",
        }
    }
}

/// A recording event that is due to be posted to an application's record
/// callback, from [`Simulator::due_callback_events`](super::Simulator::due_callback_events).
///
/// [`Simulator::deliver_callbacks`](super::Simulator::deliver_callbacks)
/// (and a served simulator, on its own) posts each as [`body`](Self::body),
/// signed with `auth_key`, to `callback_url`.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct CallbackEvent {
    /// What happened.
    pub kind: CallbackEventKind,
    /// When, on the simulator's wall clock.
    pub at: SystemTime,
    /// The application.
    pub app_id: String,
    /// The recording job.
    pub job_id: String,
    /// The room.
    pub room_id: String,
    /// The job's stream name.
    pub stream_name: String,
    /// The file's format (file events only).
    pub record_format: Option<RecordFormat>,
    /// The file's bucket (file events only).
    pub bucket: Option<String>,
    /// The bucket's region, `cn-north-4` say (file events only).
    pub location: Option<String>,
    /// The file's object name (file events only).
    pub object: Option<String>,
    /// When the file was started (file events only).
    pub file_started_at: Option<SystemTime>,
    /// When the file was completed (`RECORD_FILE_COMPLETE` only).
    pub file_completed_at: Option<SystemTime>,
    /// The file's size in bytes (`RECORD_FILE_COMPLETE` only).
    pub file_size: Option<i64>,
    /// The video's width and height (file events of jobs that record
    /// video).
    pub video_size: Option<(i64, i64)>,
    /// Why the job stopped (`CLOUD_RECORD_SERVER_OVER` only).
    pub stop_reason: Option<StopReason>,
    /// The application's record-callback URL when the event was collected,
    /// if one is configured.
    pub callback_url: Option<String>,
    /// The callback's authentication key, if one is configured.
    pub auth_key: Option<Secret>,
}

impl CallbackEvent {
    /// The event in the documented shape, as the crate's callback model:
    /// `event_type`, `app_id`, `room_id`, `job_id`, `stream_name` always;
    /// `record_format` and `start_time` when a file starts; the file fields
    /// (`download_url`, `obs_location`, `obs_bucket`, `obs_object`,
    /// `file_size`, `record_duration`, `start_time`, `end_time`, and
    /// `width`/`height` for video) when it is complete; `end_time` and the
    /// stop reason as `detail_message` when the job is over.
    pub fn recording_event(&self) -> RecordingEvent {
        let mut e = RecordingEvent {
            event_type: Some(EventType::from(self.kind.as_str())),
            job_id: Some(self.job_id.clone()),
            stream_name: Some(self.stream_name.clone()),
            app_id: Some(self.app_id.clone()),
            room_id: Some(self.room_id.clone()),
            ..Default::default()
        };
        match self.kind {
            CallbackEventKind::RecordNewFileStart => {
                e.record_format = self.record_format.clone();
                e.start_time = self.file_started_at.map(iso_secs);
            }
            CallbackEventKind::RecordFileComplete => {
                e.record_format = self.record_format.clone();
                if let (Some(bucket), Some(location), Some(object)) =
                    (&self.bucket, &self.location, &self.object)
                {
                    e.download_url = Some(format!(
                        "https://{bucket}.obs.{location}.myhuaweicloud.com/{object}"
                    ));
                    e.obs_location = Some(format!("http://obs.{location}.myhuaweicloud.com"));
                    e.obs_bucket = Some(bucket.clone());
                    e.obs_object = Some(object.clone());
                }
                e.file_size = self.file_size;
                e.start_time = self.file_started_at.map(iso_secs);
                e.end_time = self.file_completed_at.map(iso_secs);
                if let (Some(start), Some(end)) = (self.file_started_at, self.file_completed_at) {
                    let secs = epoch_secs(end).saturating_sub(epoch_secs(start));
                    e.record_duration = Some(i64::try_from(secs).unwrap_or(i64::MAX));
                }
                e.width = self.video_size.map(|(w, _)| w);
                e.height = self.video_size.map(|(_, h)| h);
            }
            CallbackEventKind::CloudRecordServerOver => {
                e.end_time = Some(iso_secs(self.at));
                e.detail_message = self.stop_reason.as_ref().map(|r| r.as_str().to_owned());
            }
        }
        e
    }

    /// The JSON body posted: [`recording_event`](Self::recording_event),
    /// absent fields left out.
    pub fn body(&self) -> Vec<u8> {
        // Plain strings and integers: serializing cannot fail.
        serde_json::to_vec(&self.recording_event()).unwrap_or_default()
    }
}
