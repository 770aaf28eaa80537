//! Recording jobs, mixed-stream and single-stream: create, show, update,
//! stop. Their timeline (start, files, idle timeout) is the world's.

use http::StatusCode;

use crate::model::{self, JobState, StopReason, StreamResolution};
use crate::ops;

use super::super::codes;
use super::super::util::{iso_secs, Fail};
use super::super::world::{AppRec, IdKind, JobKind, JobRec, World};
use super::common::{active_app, app, cap_reached, empty, json, Ctx, Reply};
use super::DEFAULT_MAX_IDLE_TIME;

/// A job of the application, of the kind asked for, or 404
/// `RTC.00001003`.
fn job<'w>(
    world: &'w World,
    app_id: &str,
    job_id: &str,
    individual: bool,
) -> Result<&'w JobRec, Fail> {
    app(world, app_id)?;
    world
        .job(job_id)
        .filter(|j| j.app_id == app_id && j.is_individual() == individual)
        .ok_or_else(|| Fail::not_found("job_id", job_id))
}

/// A job that may still be changed: its application is enabled and it has
/// not stopped (400 `RTC.00001009` JobDone).
fn live_job<'w>(
    world: &'w World,
    app_id: &str,
    job_id: &str,
    individual: bool,
) -> Result<&'w JobRec, Fail> {
    let j = job(world, app_id, job_id, individual)?;
    if j.stopped.is_some() {
        return Err(job_done());
    }
    active_app(world, app_id)?;
    Ok(j)
}

fn job_done() -> Fail {
    Fail::new(
        StatusCode::BAD_REQUEST,
        codes::JOB_DONE,
        "JobDone: task canceled or completed",
    )
}

fn check_record_rule(a: &AppRec, record: Option<&model::RecordParam>) -> Result<(), Fail> {
    match record {
        Some(r) if a.rule(&r.record_rule_id).is_none() => Err(Fail::invalid(format!(
            "record_param.record_rule_id `{}` does not exist",
            r.record_rule_id
        ))),
        _ => Ok(()),
    }
}

/// Adds a job, making room for it by forgetting the oldest stopped jobs
/// when the cap is reached.
fn add_job(
    ctx: &mut Ctx<'_>,
    app_id: &str,
    room_id: &str,
    kind: JobKind,
    record: Option<model::RecordParam>,
) -> Result<String, Fail> {
    let max = ctx.limits().max_jobs;
    while ctx.world.jobs.len() >= max {
        let oldest_stopped = ctx
            .world
            .jobs
            .iter()
            .enumerate()
            .filter(|(_, j)| j.stopped.is_some())
            .min_by_key(|(_, j)| (j.created, j.seq))
            .map(|(i, _)| i);
        match oldest_stopped {
            Some(i) => {
                ctx.world.jobs.remove(i);
            }
            None => return Err(cap_reached("recording jobs that have not stopped", max)),
        }
    }
    let id = ctx.world.next_id(IdKind::Job, 32);
    let seq = ctx.world.next_seq();
    let now = ctx.now;
    let runs_at = now.checked_add(ctx.config.job_start_delay).unwrap_or(now);
    ctx.world.jobs.push(JobRec {
        seq,
        id: id.clone(),
        app_id: app_id.to_owned(),
        room_id: room_id.to_owned(),
        kind,
        record,
        created: now,
        updated: now,
        runs_at,
        started: None,
        stopped: None,
        idle_since: None,
        files: Vec::new(),
        events: Vec::new(),
        events_collected: 0,
    });
    // A zero delay has passed already.
    ctx.world.refresh(now, &ctx.config.limits);
    Ok(id)
}

fn stop_time(job: &JobRec) -> String {
    job.stopped
        .as_ref()
        .map_or_else(|| "0001-01-01T00:00:00Z".to_owned(), |s| iso_secs(s.at))
}

fn description(job: &JobRec) -> &'static str {
    match (job.state(), job.stopped.as_ref().map(|s| &s.reason)) {
        (JobState::Running, _) => "job is running",
        (_, Some(StopReason::ExceedMaxIdleTime)) => {
            "job is stopped: nobody published for max_idle_time"
        }
        (_, Some(StopReason::InternalError)) => "job is stopped by an internal error",
        (JobState::Stopped, _) => "job is stopped by the tenant",
        _ => "job is initializing",
    }
}

pub(crate) fn mix_model(job: &JobRec) -> model::MixJob {
    let mut m = model::MixJob {
        job_id: Some(job.id.clone()),
        stream_name: Some(job.stream_name()),
        app_id: Some(job.app_id.clone()),
        room_id: Some(job.room_id.clone()),
        ..Default::default()
    };
    if let JobKind::Mix(param) = &job.kind {
        m.mix_param = Some(param.clone());
    }
    m.record_param = job.record.clone();
    m.create_time = Some(iso_secs(job.created));
    m.update_time = Some(iso_secs(job.updated));
    m.state = Some(job.state());
    m.stop_reason = job.stopped.as_ref().map(|s| s.reason.clone());
    m.description = Some(description(job).into());
    m.start_time = Some(iso_secs(job.started.unwrap_or(job.created)));
    m.stop_time = Some(stop_time(job));
    m
}

pub(crate) fn individual_model(job: &JobRec) -> model::IndividualStreamJob {
    let mut m = model::IndividualStreamJob {
        job_id: Some(job.id.clone()),
        stream_name: Some(job.stream_name()),
        app_id: Some(job.app_id.clone()),
        room_id: Some(job.room_id.clone()),
        ..Default::default()
    };
    if let JobKind::Individual(req) = &job.kind {
        m.user_id = Some(req.user_id.clone());
        m.is_record_audio = req.is_record_audio;
        m.video_type = req.video_type.clone();
        m.select_stream_type = req.select_stream_type.clone();
        m.max_idle_time = req.max_idle_time.map(i64::from);
    }
    m.record_param = job.record.clone();
    m.create_time = Some(iso_secs(job.created));
    m.update_time = Some(iso_secs(job.updated));
    m.state = Some(job.state());
    m.stop_reason = job.stopped.as_ref().map(|s| s.reason.clone());
    m.description = Some(description(job).into());
    m.start_time = Some(iso_secs(job.started.unwrap_or(job.created)));
    m.stop_time = Some(stop_time(job));
    m
}

pub(super) fn create_mix(ctx: &mut Ctx<'_>, op: ops::CreateMixJob) -> Result<Reply, Fail> {
    let a = active_app(ctx.world, &op.app_id)?;
    check_record_rule(a, op.body.record_param.as_ref())?;
    let mut param = op.body.mix_param;
    param.max_idle_time.get_or_insert(DEFAULT_MAX_IDLE_TIME);
    let room_id = param.room_id.clone();
    let id = add_job(
        ctx,
        &op.app_id,
        &room_id,
        JobKind::Mix(param),
        op.body.record_param,
    )?;
    json(
        StatusCode::CREATED,
        &mix_model(
            ctx.world
                .job(&id)
                .ok_or_else(|| Fail::not_found("job_id", &id))?,
        ),
    )
}

pub(super) fn show_mix(ctx: &mut Ctx<'_>, op: ops::ShowMixJob) -> Result<Reply, Fail> {
    json(
        StatusCode::OK,
        &mix_model(job(ctx.world, &op.app_id, &op.job_id, false)?),
    )
}

/// The fields given replace the job's; the others are kept.
pub(super) fn update_mix(ctx: &mut Ctx<'_>, op: ops::UpdateMixJob) -> Result<Reply, Fail> {
    live_job(ctx.world, &op.app_id, &op.job_id, false)?;
    let now = ctx.now;
    let update = op.body.mix_param;
    let Some(job) = ctx.world.job_mut(&op.job_id) else {
        return Err(Fail::not_found("job_id", &op.job_id));
    };
    if let JobKind::Mix(param) = &mut job.kind {
        macro_rules! take {
            ($($f:ident),*) => {$(
                if update.$f.is_some() {
                    param.$f = update.$f;
                }
            )*};
        }
        take!(
            layout_template,
            background_image,
            default_user_background_image,
            screen_background_image,
            max_idle_time,
            layout_panes,
            user_background_images
        );
    }
    job.updated = now;
    json(StatusCode::OK, &mix_model(job))
}

pub(super) fn stop(
    ctx: &mut Ctx<'_>,
    app_id: &str,
    job_id: &str,
    individual: bool,
) -> Result<Reply, Fail> {
    if job(ctx.world, app_id, job_id, individual)?
        .stopped
        .is_some()
    {
        return Err(job_done());
    }
    ctx.world
        .stop_job(job_id, ctx.now, StopReason::TenantStop, &ctx.config.limits);
    empty(StatusCode::NO_CONTENT)
}

pub(super) fn create_individual(
    ctx: &mut Ctx<'_>,
    op: ops::CreateIndividualStreamJob,
) -> Result<Reply, Fail> {
    let a = active_app(ctx.world, &op.app_id)?;
    check_record_rule(a, op.body.record_param.as_ref())?;
    let mut req = op.body;
    req.is_record_audio.get_or_insert(true);
    req.select_stream_type.get_or_insert(StreamResolution::Fhd);
    req.max_idle_time.get_or_insert(DEFAULT_MAX_IDLE_TIME);
    let record = req.record_param.clone();
    let room_id = req.room_id.clone();
    let id = add_job(ctx, &op.app_id, &room_id, JobKind::Individual(req), record)?;
    json(
        StatusCode::CREATED,
        &individual_model(
            ctx.world
                .job(&id)
                .ok_or_else(|| Fail::not_found("job_id", &id))?,
        ),
    )
}

/// The single-stream job automatic recording starts for a user who joins
/// (the documented defaults: audio and video, the FHD stream).
pub(super) fn auto_record(
    ctx: &mut Ctx<'_>,
    app_id: &str,
    room_id: &str,
    user_id: &str,
    rule_id: &str,
) -> Result<(), Fail> {
    let recording = ctx.world.jobs.iter().any(|j| {
        j.app_id == app_id
            && j.room_id == room_id
            && j.stopped.is_none()
            && matches!(&j.kind, JobKind::Individual(r) if r.user_id == user_id)
    });
    if recording {
        return Ok(());
    }
    let record = model::RecordParam::new(rule_id);
    let req = model::IndividualStreamJobReq::new(room_id, user_id)
        .is_record_audio(true)
        .video_type(model::VideoType::CameraStream)
        .select_stream_type(StreamResolution::Fhd)
        .max_idle_time(DEFAULT_MAX_IDLE_TIME)
        .record_param(record.clone());
    add_job(ctx, app_id, room_id, JobKind::Individual(req), Some(record)).map(|_| ())
}

pub(super) fn show_individual(
    ctx: &mut Ctx<'_>,
    op: ops::ShowIndividualStreamJob,
) -> Result<Reply, Fail> {
    json(
        StatusCode::OK,
        &individual_model(job(ctx.world, &op.app_id, &op.job_id, true)?),
    )
}

/// Only the recording parameters can change.
pub(super) fn update_individual(
    ctx: &mut Ctx<'_>,
    op: ops::UpdateIndividualStreamJob,
) -> Result<Reply, Fail> {
    live_job(ctx.world, &op.app_id, &op.job_id, true)?;
    check_record_rule(app(ctx.world, &op.app_id)?, op.body.record_param.as_ref())?;
    let now = ctx.now;
    let Some(job) = ctx.world.job_mut(&op.job_id) else {
        return Err(Fail::not_found("job_id", &op.job_id));
    };
    if let Some(record) = op.body.record_param {
        if let JobKind::Individual(req) = &mut job.kind {
            req.record_param = Some(record.clone());
        }
        job.record = Some(record);
    }
    job.updated = now;
    json(StatusCode::OK, &individual_model(job))
}
