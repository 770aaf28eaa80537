//! Recording callback events: what a job's timeline produced, and the
//! events handed to the callback sender.

use std::time::SystemTime;

use serde::{Deserialize, Serialize};

use crate::callback::{EventType, RecordingEvent};
use crate::model::{RecordFormat, StopReason};
use crate::Secret;

use super::super::util::{epoch_secs, iso_secs, wall_time};
use super::{file_size, World};

/// What a recording callback announces.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
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

/// One event of a job's timeline, as the world keeps it.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct JobEvent {
    #[serde(with = "wall_time")]
    pub(crate) at: SystemTime,
    pub(crate) kind: CallbackEventKind,
    /// The index of the job's file it is about (file events).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) file: Option<usize>,
}

impl JobEvent {
    pub(crate) fn start(at: SystemTime, file: usize) -> JobEvent {
        JobEvent {
            at,
            kind: CallbackEventKind::RecordNewFileStart,
            file: Some(file),
        }
    }

    pub(crate) fn complete(at: SystemTime, file: usize) -> JobEvent {
        JobEvent {
            at,
            kind: CallbackEventKind::RecordFileComplete,
            file: Some(file),
        }
    }

    pub(crate) fn over(at: SystemTime) -> JobEvent {
        JobEvent {
            at,
            kind: CallbackEventKind::CloudRecordServerOver,
            file: None,
        }
    }
}

/// A recording event that is due to be posted to an application's record
/// callback, from [`Simulator::due_callback_events`](crate::simulator::Simulator::due_callback_events).
///
/// [`Simulator::deliver_callbacks`](crate::simulator::Simulator::deliver_callbacks)
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

impl World {
    /// Collects the callback events due at `now` that were not collected
    /// before, in order (by job creation, then by time).
    ///
    /// The callback sender calls this, then posts each event to its
    /// `callback_url` with the world unlocked.
    pub(crate) fn collect_due_events(&mut self, now: SystemTime) -> Vec<CallbackEvent> {
        let mut order: Vec<usize> = (0..self.jobs.len()).collect();
        order.sort_by_key(|&i| (self.jobs[i].created, self.jobs[i].seq));
        let mut out = Vec::new();
        for i in order {
            let job = &self.jobs[i];
            let callback = self.app(&job.app_id).and_then(|a| {
                a.callback
                    .as_ref()
                    .map(|c| (c.url.clone(), c.auth_key.clone()))
            });
            let mut taken = 0;
            for event in job.events.iter().skip(job.events_collected) {
                if event.at > now {
                    break;
                }
                taken += 1;
                let file = event.file.and_then(|k| job.files.get(k));
                let completed =
                    file.filter(|_| event.kind == CallbackEventKind::RecordFileComplete);
                out.push(CallbackEvent {
                    kind: event.kind,
                    at: event.at,
                    app_id: job.app_id.clone(),
                    job_id: job.id.clone(),
                    room_id: job.room_id.clone(),
                    stream_name: job.stream_name(),
                    record_format: file.map(|f| f.format.clone()),
                    bucket: file.map(|f| f.bucket.clone()),
                    location: file.map(|f| f.location.clone()),
                    object: file.map(|f| f.object.clone()),
                    file_started_at: file.map(|f| f.started),
                    file_completed_at: completed.and_then(|f| f.completed),
                    file_size: completed.map(|f| file_size(self.seed, &f.object).1),
                    video_size: job.video_size().filter(|_| file.is_some()),
                    stop_reason: match event.kind {
                        CallbackEventKind::CloudRecordServerOver => {
                            job.stopped.as_ref().map(|s| s.reason.clone())
                        }
                        _ => None,
                    },
                    callback_url: callback.as_ref().map(|c| c.0.clone()),
                    auth_key: callback.as_ref().and_then(|c| c.1.clone()),
                });
            }
            self.jobs[i].events_collected += taken;
        }
        out
    }
}
