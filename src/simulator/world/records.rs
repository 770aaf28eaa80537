//! The records the world keeps: applications, their rules, recording jobs
//! and their files, rooms and their users, OBS buckets. They serialize as
//! the simulator's state JSON (see the control plane's `/_sparkrtc/state`).

use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use crate::model::{
    AppStatus, AutoRecordMode, EncodeTemplate, IndividualStreamJobReq, JobState, MixParam,
    RecordFormat, RecordParam, RecordRuleReq, StopReason, StreamResolution,
};
use crate::Secret;

use super::super::util::wall_time;
use super::JobEvent;

/// An application.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AppRec {
    pub(crate) seq: u64,
    #[serde(rename = "app_id")]
    pub(crate) id: String,
    #[serde(rename = "app_name")]
    pub(crate) name: String,
    #[serde(rename = "state")]
    pub(crate) status: AppStatus,
    #[serde(with = "wall_time")]
    pub(crate) created: SystemTime,
    #[serde(with = "wall_time")]
    pub(crate) status_updated: SystemTime,
    pub(crate) app_key: Secret,
    pub(crate) auto_record: AutoRecordRec,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) callback: Option<CallbackRec>,
    #[serde(default)]
    pub(crate) rules: Vec<RuleRec>,
}

impl AppRec {
    pub(crate) fn rule(&self, rule_id: &str) -> Option<&RuleRec> {
        self.rules.iter().find(|r| r.id == rule_id)
    }

    pub(crate) fn rule_mut(&mut self, rule_id: &str) -> Option<&mut RuleRec> {
        self.rules.iter_mut().find(|r| r.id == rule_id)
    }

    /// Whether jobs may run in it (it is not stopped).
    pub(crate) fn is_active(&self) -> bool {
        self.status == AppStatus::Activation
    }
}

/// An application's automatic-recording setting.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AutoRecordRec {
    pub(crate) mode: AutoRecordMode,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) record_rule_id: Option<String>,
    #[serde(with = "wall_time")]
    pub(crate) updated: SystemTime,
}

/// An application's record-callback setting.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct CallbackRec {
    pub(crate) url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) auth_key: Option<Secret>,
    #[serde(with = "wall_time")]
    pub(crate) updated: SystemTime,
}

/// A recording rule of an application.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RuleRec {
    pub(crate) seq: u64,
    #[serde(rename = "rule_id")]
    pub(crate) id: String,
    #[serde(rename = "rule")]
    pub(crate) req: RecordRuleReq,
    #[serde(with = "wall_time")]
    pub(crate) created: SystemTime,
    #[serde(with = "wall_time")]
    pub(crate) updated: SystemTime,
}

/// What a job records: a mix of the room, or one user's streams.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum JobKind {
    /// A mixed-stream job.
    Mix(MixParam),
    /// A single-stream job.
    Individual(IndividualStreamJobReq),
}

/// A recording job.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct JobRec {
    pub(crate) seq: u64,
    #[serde(rename = "job_id")]
    pub(crate) id: String,
    pub(crate) app_id: String,
    pub(crate) room_id: String,
    pub(crate) kind: JobKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) record: Option<RecordParam>,
    #[serde(with = "wall_time")]
    pub(crate) created: SystemTime,
    #[serde(with = "wall_time")]
    pub(crate) updated: SystemTime,
    /// When it leaves `INIT` (if it is not stopped first).
    #[serde(with = "wall_time")]
    pub(crate) runs_at: SystemTime,
    /// Set once it is `RUNNING` (at `runs_at`, not when that was noticed).
    #[serde(default, with = "wall_time::option")]
    pub(crate) started: Option<SystemTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) stopped: Option<Stop>,
    /// Since when nobody publishes in its room (for `max_idle_time`).
    #[serde(default, with = "wall_time::option")]
    pub(crate) idle_since: Option<SystemTime>,
    #[serde(default)]
    pub(crate) files: Vec<RecordFile>,
    /// The job's callback events, in the order they happened.
    #[serde(default)]
    pub(crate) events: Vec<JobEvent>,
    /// How many of `events` were collected already.
    #[serde(default)]
    pub(crate) events_collected: usize,
}

/// When and why a job stopped.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Stop {
    #[serde(with = "wall_time")]
    pub(crate) at: SystemTime,
    pub(crate) reason: StopReason,
}

impl JobRec {
    pub(crate) fn state(&self) -> JobState {
        match (&self.stopped, &self.started) {
            (Some(_), _) => JobState::Stopped,
            (None, Some(_)) => JobState::Running,
            (None, None) => JobState::Init,
        }
    }

    pub(crate) fn is_individual(&self) -> bool {
        matches!(self.kind, JobKind::Individual(_))
    }

    pub(crate) fn stream_name(&self) -> String {
        match &self.kind {
            JobKind::Mix(_) => format!("m_{}_{}", self.id, self.room_id),
            JobKind::Individual(req) => format!("s_{}_{}_{}", self.id, self.room_id, req.user_id),
        }
    }

    /// The longest time the job waits for a publisher before it stops by
    /// itself, in seconds.
    pub(crate) fn max_idle_time(&self) -> u32 {
        let set = match &self.kind {
            JobKind::Mix(p) => p.max_idle_time,
            JobKind::Individual(r) => r.max_idle_time,
        };
        set.unwrap_or(super::super::service::DEFAULT_MAX_IDLE_TIME)
    }

    /// The recorded video's width and height: from the mixing template, or
    /// the resolution tier of a single stream with video; `None` for audio.
    pub(crate) fn video_size(&self) -> Option<(i64, i64)> {
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
}

/// A file a recording job writes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RecordFile {
    pub(crate) format: RecordFormat,
    pub(crate) bucket: String,
    pub(crate) location: String,
    /// The object name in the bucket.
    pub(crate) object: String,
    #[serde(with = "wall_time")]
    pub(crate) started: SystemTime,
    #[serde(default, with = "wall_time::option")]
    pub(crate) completed: Option<SystemTime>,
}

/// A room of an application, and who was in it when.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RoomRec {
    pub(crate) seq: u64,
    pub(crate) app_id: String,
    pub(crate) room_id: String,
    /// When the room was in use: from someone joining it empty to the last
    /// one leaving (as `ListRtcRoomList` and `RoomCount` count rooms).
    #[serde(default)]
    pub(crate) periods: Vec<Period>,
    /// Every stay of a user in the room, in order (one per join, as
    /// `SessionCount` counts them).
    #[serde(default)]
    pub(crate) sessions: Vec<SessionRec>,
}

/// A span of time; `end` is `None` while it goes on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Period {
    #[serde(with = "wall_time")]
    pub(crate) start: SystemTime,
    #[serde(default, with = "wall_time::option")]
    pub(crate) end: Option<SystemTime>,
}

impl Period {
    /// Whether it covers `t`.
    pub(crate) fn covers(&self, t: SystemTime) -> bool {
        self.start <= t && self.end.is_none_or(|e| e > t)
    }

    /// Whether it overlaps `[from, to)`.
    pub(crate) fn overlaps(&self, from: SystemTime, to: SystemTime) -> bool {
        self.start < to && self.end.is_none_or(|e| e > from)
    }

    /// How long of it falls in `[from, to)`, up to `now` when it goes on.
    pub(crate) fn within(&self, from: SystemTime, to: SystemTime, now: SystemTime) -> Duration {
        let start = self.start.max(from);
        let end = self.end.unwrap_or(now).min(to);
        end.duration_since(start).unwrap_or(Duration::ZERO)
    }
}

/// One stay of a user in a room.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SessionRec {
    pub(crate) seq: u64,
    pub(crate) user_id: String,
    /// The session id, as `ListRtcUserList` shows it.
    pub(crate) session: String,
    #[serde(with = "wall_time")]
    pub(crate) joined: SystemTime,
    #[serde(default, with = "wall_time::option")]
    pub(crate) left: Option<SystemTime>,
}

impl SessionRec {
    pub(crate) fn period(&self) -> Period {
        Period {
            start: self.joined,
            end: self.left,
        }
    }
}

impl RoomRec {
    /// Whether anyone is in the room.
    pub(crate) fn is_open(&self) -> bool {
        self.periods.last().is_some_and(|p| p.end.is_none())
    }

    /// The stays going on now.
    pub(crate) fn present(&self) -> impl Iterator<Item = &SessionRec> {
        self.sessions.iter().filter(|s| s.left.is_none())
    }

    /// Whether `user` is in the room.
    pub(crate) fn has(&self, user: &str) -> bool {
        self.present().any(|s| s.user_id == user)
    }

    /// How many users are in the room at `t`.
    pub(crate) fn online_at(&self, t: SystemTime) -> usize {
        self.sessions
            .iter()
            .filter(|s| s.period().covers(t))
            .count()
    }
}

/// An OBS bucket and its objects.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct BucketRec {
    pub(crate) name: String,
    pub(crate) location: String,
    #[serde(with = "wall_time")]
    pub(crate) created: SystemTime,
    pub(crate) authorized: bool,
    #[serde(default)]
    pub(crate) objects: Vec<ObjectRec>,
}

/// An object in a bucket.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ObjectRec {
    pub(crate) name: String,
    /// Size in KB, as the bucket listing gives it.
    pub(crate) size_kb: i64,
    #[serde(with = "wall_time")]
    pub(crate) modified: SystemTime,
}
