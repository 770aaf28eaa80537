//! The simulated service's state: applications, recording rules, jobs,
//! rooms, OBS buckets, rate-limit windows, the request log; and the
//! timeline of recording jobs, from which callback events are collected.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use crate::model::{
    AppStatus, AutoRecordMode, IndividualStreamJobReq, JobState, MixParam, RecordFormat,
    RecordParam, RecordRuleReq, StopReason,
};
use crate::throttle::{ThrottleCategory, Window};
use crate::Secret;

use super::util::{hex_digits, mix};
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
            let size = 1 + (mix(seed, &[super::util::hash_str(&file.object)]) % 20_480) as i64;
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
    /// This is where a sender of signed callback POSTs plugs in: it calls
    /// this periodically and posts each event to its `callback` URL.
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
                out.push(CallbackEvent {
                    kind: *kind,
                    at: at.wall,
                    app_id: job.app_id.clone(),
                    job_id: job.id.clone(),
                    room_id: job.room_id.clone(),
                    stream_name: job.stream_name(),
                    record_format: file.map(|f| f.format.clone()),
                    bucket: file.map(|f| f.bucket.clone()),
                    object: file.map(|f| f.object.clone()),
                    file_started_at: file.map(|f| f.started.wall),
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
/// The simulator does not post these yet; a sender would sign each (with
/// `auth_key`) and POST it to `callback_url`.
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
    /// The file's object name (file events only).
    pub object: Option<String>,
    /// When the file was started (file events only).
    pub file_started_at: Option<SystemTime>,
    /// The application's record-callback URL when the event was collected,
    /// if one is configured.
    pub callback_url: Option<String>,
    /// The callback's authentication key, if one is configured.
    pub auth_key: Option<Secret>,
}
