//! The simulated service's world: applications, recording rules, jobs,
//! rooms and OBS buckets, and the timeline of recording jobs (start,
//! recording cycles, the idle timeout), from which callback events come.
//!
//! Everything here is a function of the seed, the requests and the times
//! they carry: no clock is read. Times are wall times (what answers show);
//! the world moves forward only when [`World::refresh`] is given a later
//! time.

mod buckets;
mod events;
mod records;

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use crate::model::{RecordFormat, StopReason};

use super::config::Limits;

use super::util::{hex_digits, iso_secs, mix};

pub(crate) use buckets::file_size;
pub(crate) use events::JobEvent;
pub use events::{CallbackEvent, CallbackEventKind};
pub(crate) use records::*;

/// The version of the state JSON this simulator reads and writes.
pub(crate) const STATE_VERSION: u32 = 1;

/// Id spaces, so that ids of different kinds never collide.
#[derive(Clone, Copy, Debug)]
pub(crate) enum IdKind {
    App = 1,
    AppKey = 2,
    Rule = 3,
    Job = 4,
    Session = 5,
    Request = 6,
    /// The `X-Rtc-Rand` of signed callbacks.
    CallbackRand = 7,
}

impl IdKind {
    fn name(self) -> &'static str {
        match self {
            IdKind::App => "app",
            IdKind::AppKey => "app_key",
            IdKind::Rule => "rule",
            IdKind::Job => "job",
            IdKind::Session => "session",
            IdKind::Request => "request",
            IdKind::CallbackRand => "callback_rand",
        }
    }
}

/// The whole simulated service, as the state JSON shows it.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct World {
    /// [`STATE_VERSION`].
    pub(crate) version: u32,
    pub(crate) seed: u64,
    /// How many ids of each kind were drawn.
    #[serde(default)]
    counters: BTreeMap<String, u64>,
    /// The last sequence number given to a record.
    #[serde(default)]
    pub(crate) seq: u64,
    #[serde(default)]
    pub(crate) apps: Vec<AppRec>,
    #[serde(default)]
    pub(crate) jobs: Vec<JobRec>,
    #[serde(default)]
    pub(crate) rooms: Vec<RoomRec>,
    #[serde(default)]
    pub(crate) buckets: Vec<BucketRec>,
}

impl World {
    /// The initial world of a seed: no applications, the seeded buckets.
    pub(crate) fn new(seed: u64, wall: SystemTime) -> World {
        World {
            version: STATE_VERSION,
            seed,
            counters: BTreeMap::new(),
            seq: 0,
            apps: Vec::new(),
            jobs: Vec::new(),
            rooms: Vec::new(),
            buckets: buckets::initial(seed, wall),
        }
    }

    /// The next id of a kind: `len` hex digits from the seed and a counter.
    pub(crate) fn next_id(&mut self, kind: IdKind, len: usize) -> String {
        let counter = self.counters.entry(kind.name().to_owned()).or_insert(0);
        *counter += 1;
        hex_digits(mix(self.seed, &[kind as u64, *counter]), len)
    }

    /// A sequence number for ordering records by creation.
    pub(crate) fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    pub(crate) fn app(&self, app_id: &str) -> Option<&AppRec> {
        self.apps.iter().find(|a| a.id == app_id)
    }

    pub(crate) fn app_mut(&mut self, app_id: &str) -> Option<&mut AppRec> {
        self.apps.iter_mut().find(|a| a.id == app_id)
    }

    pub(crate) fn job(&self, job_id: &str) -> Option<&JobRec> {
        self.jobs.iter().find(|j| j.id == job_id)
    }

    pub(crate) fn job_mut(&mut self, job_id: &str) -> Option<&mut JobRec> {
        self.jobs.iter_mut().find(|j| j.id == job_id)
    }

    pub(crate) fn room(&self, app_id: &str, room_id: &str) -> Option<&RoomRec> {
        self.rooms
            .iter()
            .find(|r| r.app_id == app_id && r.room_id == room_id)
    }

    fn room_mut(&mut self, app_id: &str, room_id: &str) -> Option<&mut RoomRec> {
        self.rooms
            .iter_mut()
            .find(|r| r.app_id == app_id && r.room_id == room_id)
    }

    /// Whether anyone is in the room now.
    fn occupied(&self, app_id: &str, room_id: &str) -> bool {
        self.room(app_id, room_id).is_some_and(RoomRec::is_open)
    }

    /// Moves every job forward to `now`: jobs whose start delay has passed
    /// start (as of the moment it ended) and open their files; files whose
    /// recording cycle ended roll over; jobs idle for their
    /// `max_idle_time` stop. A job that would write more files than
    /// [`Limits::max_files_per_job`] stops with `INTERNAL_ERROR`.
    pub(crate) fn refresh(&mut self, now: SystemTime, limits: &Limits) {
        for i in 0..self.jobs.len() {
            self.advance_job(i, now, limits);
        }
    }

    fn advance_job(&mut self, i: usize, now: SystemTime, limits: &Limits) {
        if self.jobs[i].stopped.is_some() {
            return;
        }
        if self.jobs[i].started.is_none() {
            let at = self.jobs[i].runs_at;
            if at > now {
                return;
            }
            let occupied = self.occupied(&self.jobs[i].app_id, &self.jobs[i].room_id);
            let files = self.files_for(&self.jobs[i], at, &[]);
            let job = &mut self.jobs[i];
            job.started = Some(at);
            job.updated = at;
            job.idle_since = (!occupied).then_some(at);
            for file in files {
                job.open(file);
            }
        }
        loop {
            let job = &self.jobs[i];
            let idle_end = job
                .idle_since
                .and_then(|t| t.checked_add(Duration::from_secs(job.max_idle_time().into())));
            let cycle_end = self.next_rollover(job);
            let next = match (idle_end, &cycle_end) {
                (Some(a), Some((b, _))) => a.min(*b),
                (Some(a), None) => a,
                (None, Some((b, _))) => *b,
                (None, None) => return,
            };
            if next > now {
                return;
            }
            if idle_end == Some(next) {
                self.stop_job_at(i, next, StopReason::ExceedMaxIdleTime, limits);
                return;
            }
            if self.jobs[i].files.len() >= limits.max_files_per_job {
                self.stop_job_at(i, next, StopReason::InternalError, limits);
                return;
            }
            let formats = cycle_end.map(|(_, f)| f).unwrap_or_default();
            self.roll_over(i, next, &formats, limits);
        }
    }

    /// When the next file of a job completes by its recording cycle, and
    /// which formats roll over then.
    fn next_rollover(&self, job: &JobRec) -> Option<(SystemTime, Vec<RecordFormat>)> {
        let rule = self.rule_of(job)?;
        let mut best: Option<(SystemTime, Vec<RecordFormat>)> = None;
        for file in job.files.iter().filter(|f| f.completed.is_none()) {
            let cycle = match file.format {
                RecordFormat::Mp4 => rule.req.mp4_config.as_ref().map(|c| c.record_cycle),
                _ => rule.req.hls_config.as_ref().map(|c| c.record_cycle),
            };
            let Some(cycle) = cycle.filter(|c| *c > 0) else {
                continue;
            };
            let Some(end) = file.started.checked_add(Duration::from_secs(cycle.into())) else {
                continue;
            };
            match &mut best {
                Some((t, formats)) if *t == end => formats.push(file.format.clone()),
                Some((t, _)) if *t < end => {}
                _ => best = Some((end, vec![file.format.clone()])),
            }
        }
        best
    }

    fn rule_of(&self, job: &JobRec) -> Option<&RuleRec> {
        let record = job.record.as_ref()?;
        self.app(&job.app_id)?.rule(&record.record_rule_id)
    }

    /// Completes the open files of these formats at `at` and opens their
    /// successors.
    fn roll_over(&mut self, i: usize, at: SystemTime, formats: &[RecordFormat], limits: &Limits) {
        let files = self.files_for(&self.jobs[i], at, formats);
        let seed = self.seed;
        let mut done = Vec::new();
        let job = &mut self.jobs[i];
        for (k, file) in job.files.iter_mut().enumerate() {
            if file.completed.is_none() && formats.contains(&file.format) {
                file.completed = Some(at);
                done.push(k);
            }
        }
        for &k in &done {
            job.events.push(JobEvent::complete(at, k));
        }
        let completed: Vec<RecordFile> = done.iter().map(|&k| job.files[k].clone()).collect();
        for file in &completed {
            self.publish(file, seed, at, limits);
        }
        let job = &mut self.jobs[i];
        for file in files {
            job.open(file);
        }
        job.updated = at;
    }

    /// The files a job opens at `at`: one per format of its recording rule
    /// (only `formats`, when not empty).
    fn files_for(&self, job: &JobRec, at: SystemTime, formats: &[RecordFormat]) -> Vec<RecordFile> {
        let Some(rule) = self.rule_of(job) else {
            return Vec::new();
        };
        let stream = job.stream_name();
        let stamp = iso_secs(at).replace([':', '-'], "");
        rule.req
            .record_formats
            .iter()
            .filter(|f| formats.is_empty() || formats.contains(f))
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
                    started: at,
                    completed: None,
                }
            })
            .collect()
    }

    /// Puts a completed file in its bucket, when the bucket is simulated
    /// (dropping its oldest objects past [`Limits::max_objects_per_bucket`]).
    fn publish(&mut self, file: &RecordFile, seed: u64, at: SystemTime, limits: &Limits) {
        let (size_kb, _) = file_size(seed, &file.object);
        if let Some(bucket) = self
            .buckets
            .iter_mut()
            .find(|b| b.name == file.bucket && b.location == file.location)
        {
            bucket.objects.push(ObjectRec {
                name: file.object.clone(),
                size_kb,
                modified: at,
            });
            let excess = bucket
                .objects
                .len()
                .saturating_sub(limits.max_objects_per_bucket);
            bucket.objects.drain(..excess);
        }
    }

    /// Stops a job at `at` (a no-op when it is stopped already): its files
    /// are complete and appear in their buckets.
    pub(crate) fn stop_job(
        &mut self,
        job_id: &str,
        at: SystemTime,
        reason: StopReason,
        limits: &Limits,
    ) {
        if let Some(i) = self.jobs.iter().position(|j| j.id == job_id) {
            self.stop_job_at(i, at, reason, limits);
        }
    }

    fn stop_job_at(&mut self, i: usize, at: SystemTime, reason: StopReason, limits: &Limits) {
        if self.jobs[i].stopped.is_some() {
            return;
        }
        let seed = self.seed;
        let job = &mut self.jobs[i];
        job.stopped = Some(Stop { at, reason });
        job.updated = at;
        job.idle_since = None;
        let mut done = Vec::new();
        for (k, file) in job.files.iter_mut().enumerate() {
            if file.completed.is_none() {
                file.completed = Some(at);
                done.push(k);
            }
        }
        for &k in &done {
            job.events.push(JobEvent::complete(at, k));
        }
        if job.started.is_some() && job.record.is_some() {
            job.events.push(JobEvent::over(at));
        }
        let files: Vec<RecordFile> = done
            .iter()
            .map(|&k| self.jobs[i].files[k].clone())
            .collect();
        for file in files {
            self.publish(&file, seed, at, limits);
        }
    }

    /// Users join a room at `now` (opening it if it was empty); jobs in the
    /// room stop waiting for a publisher. The room keeps at most
    /// `max_sessions` stays and periods, forgetting the oldest that ended.
    pub(crate) fn join(
        &mut self,
        app_id: &str,
        room_id: &str,
        users: &[String],
        now: SystemTime,
        max_sessions: usize,
    ) {
        if self.room(app_id, room_id).is_none() {
            let seq = self.next_seq();
            self.rooms.push(RoomRec {
                seq,
                app_id: app_id.to_owned(),
                room_id: room_id.to_owned(),
                periods: Vec::new(),
                sessions: Vec::new(),
            });
        }
        for uid in users {
            if self.room(app_id, room_id).is_some_and(|r| r.has(uid)) {
                continue;
            }
            let seq = self.next_seq();
            let session = hex_digits(mix(self.seed, &[IdKind::Session as u64, seq]), 32);
            if let Some(room) = self.room_mut(app_id, room_id) {
                if !room.is_open() {
                    room.periods.push(Period {
                        start: now,
                        end: None,
                    });
                }
                room.sessions.push(SessionRec {
                    seq,
                    user_id: uid.clone(),
                    session,
                    joined: now,
                    left: None,
                });
                forget_oldest(&mut room.sessions, max_sessions, |s| s.left.is_some());
                forget_oldest(&mut room.periods, max_sessions, |p| p.end.is_some());
            }
        }
        self.update_idle(app_id, room_id, now);
    }

    /// Users leave a room at `now` (all of them when `users` is `None`; the
    /// room's period ends when nobody is left). Returns how many left.
    pub(crate) fn leave(
        &mut self,
        app_id: &str,
        room_id: &str,
        users: Option<&[String]>,
        now: SystemTime,
    ) -> usize {
        let Some(room) = self.room_mut(app_id, room_id) else {
            return 0;
        };
        let mut left = 0;
        for stay in room.sessions.iter_mut().filter(|s| s.left.is_none()) {
            if users.is_none_or(|list| list.contains(&stay.user_id)) {
                stay.left = Some(now);
                left += 1;
            }
        }
        if room.present().next().is_none() {
            if let Some(period) = room.periods.last_mut().filter(|p| p.end.is_none()) {
                period.end = Some(now);
            }
        }
        self.update_idle(app_id, room_id, now);
        left
    }

    /// After a change of who is in a room: the idle timers of its jobs.
    fn update_idle(&mut self, app_id: &str, room_id: &str, now: SystemTime) {
        let occupied = self.occupied(app_id, room_id);
        for job in self.jobs.iter_mut().filter(|j| {
            j.app_id == app_id && j.room_id == room_id && j.started.is_some() && j.stopped.is_none()
        }) {
            job.idle_since = if occupied {
                None
            } else {
                Some(job.idle_since.unwrap_or(now))
            };
        }
    }
}

/// Drops the oldest entries that are `done` while there are more than `max`.
fn forget_oldest<T>(list: &mut Vec<T>, max: usize, done: impl Fn(&T) -> bool) {
    while list.len() > max {
        match list.iter().position(&done) {
            Some(i) => {
                list.remove(i);
            }
            None => break,
        }
    }
}

impl JobRec {
    fn open(&mut self, file: RecordFile) {
        self.events
            .push(JobEvent::start(file.started, self.files.len()));
        self.files.push(file);
    }
}
