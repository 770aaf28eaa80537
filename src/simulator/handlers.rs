//! The operations: what each does to the state and what it answers.

use http::StatusCode;
use serde::Serialize;

use crate::dynamic::Incoming;
use crate::model::{
    self, AppAutoRecordMode, AppCallbackUrl, AppCallbacks, AppScope, AppStatus, AutoRecordMode,
    JobState, NotifyEvent, ObsOperation, StopReason, StreamResolution,
};
use crate::{ops, Operation, OperationId, Secret};

use super::codes;
use super::state::{
    AppRec, CallbackRec, IdKind, JobKind, JobRec, RoomRec, RuleRec, Stamp, State, UserRec,
};
use super::util::{hex_digits, iso_millis, iso_secs, mix, obs_date, Fail};
use super::{stats, SimulatorConfig};

/// A successful answer.
pub(super) struct Reply {
    pub(super) status: StatusCode,
    pub(super) body: Vec<u8>,
}

/// What an operation works with.
pub(super) struct Ctx<'a> {
    pub(super) state: &'a mut State,
    pub(super) config: &'a SimulatorConfig,
    pub(super) now: Stamp,
}

pub(super) fn json<T: Serialize>(status: StatusCode, value: &T) -> Result<Reply, Fail> {
    let body = serde_json::to_vec(value).map_err(|e| internal(e.to_string()))?;
    Ok(Reply { status, body })
}

fn empty(status: StatusCode) -> Result<Reply, Fail> {
    Ok(Reply {
        status,
        body: Vec::new(),
    })
}

pub(super) fn internal(detail: impl std::fmt::Display) -> Fail {
    Fail::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        codes::INTERNAL,
        format!("InternalError: {detail}"),
    )
}

fn typed<O: Operation>(incoming: &Incoming) -> Result<O, Fail> {
    incoming
        .typed::<O>()
        .ok_or_else(|| internal(format!("cannot read the parameters of {}", O::ID.name())))
}

/// Runs the operation of `incoming`.
pub(super) fn dispatch(ctx: &mut Ctx<'_>, incoming: &Incoming) -> Result<Reply, Fail> {
    use OperationId as Id;
    match incoming.operation {
        Id::CreateApp => create_app(ctx, typed(incoming)?),
        Id::ListApps => list_apps(ctx, typed(incoming)?),
        Id::ShowApp => {
            let op: ops::ShowApp = typed(incoming)?;
            json(StatusCode::OK, &app_model(app(ctx.state, &op.app_id)?))
        }
        Id::DeleteApp => delete_app(ctx, typed(incoming)?),
        Id::StartApp => {
            let op: ops::StartApp = typed(incoming)?;
            set_app_status(ctx, &op.app_id, AppStatus::Activation)
        }
        Id::StopApp => {
            let op: ops::StopApp = typed(incoming)?;
            set_app_status(ctx, &op.app_id, AppStatus::Deactivation)
        }
        Id::CreateRecordRule => create_rule(ctx, typed(incoming)?),
        Id::ListRecordRules => list_rules(ctx, typed(incoming)?),
        Id::ShowRecordRule => {
            let op: ops::ShowRecordRule = typed(incoming)?;
            let a = app(ctx.state, &op.app_id)?;
            json(StatusCode::OK, &rule_model(a, rule(a, &op.rule_id)?))
        }
        Id::UpdateRecordRule => update_rule(ctx, typed(incoming)?),
        Id::DeleteRecordRule => delete_rule(ctx, typed(incoming)?),
        Id::ShowAutoRecord => {
            let op: ops::ShowAutoRecord = typed(incoming)?;
            json(
                StatusCode::OK,
                &auto_record_model(app(ctx.state, &op.app_id)?),
            )
        }
        Id::UpdateAutoRecord => update_auto_record(ctx, typed(incoming)?),
        Id::ShowRecordCallback => {
            let op: ops::ShowRecordCallback = typed(incoming)?;
            json(StatusCode::OK, &callback_model(app(ctx.state, &op.app_id)?))
        }
        Id::UpdateRecordCallback => update_callback(ctx, typed(incoming)?),
        Id::CreateMixJob => create_mix_job(ctx, typed(incoming)?),
        Id::ShowMixJob => {
            let op: ops::ShowMixJob = typed(incoming)?;
            let job = job(ctx.state, &op.app_id, &op.job_id, false)?;
            json(StatusCode::OK, &mix_model(job))
        }
        Id::UpdateMixJob => update_mix_job(ctx, typed(incoming)?),
        Id::StopMixJob => {
            let op: ops::StopMixJob = typed(incoming)?;
            stop_job(ctx, &op.app_id, &op.job_id, false)
        }
        Id::CreateIndividualStreamJob => create_individual_job(ctx, typed(incoming)?),
        Id::ShowIndividualStreamJob => {
            let op: ops::ShowIndividualStreamJob = typed(incoming)?;
            let job = job(ctx.state, &op.app_id, &op.job_id, true)?;
            json(StatusCode::OK, &individual_model(job))
        }
        Id::UpdateIndividualStreamJob => update_individual_job(ctx, typed(incoming)?),
        Id::StopIndividualStreamJob => {
            let op: ops::StopIndividualStreamJob = typed(incoming)?;
            stop_job(ctx, &op.app_id, &op.job_id, true)
        }
        Id::RemoveRoom => {
            let op: ops::RemoveRoom = typed(incoming)?;
            remove_users(ctx, &op.app_id, &op.room_id, None)
        }
        Id::RemoveUsers => {
            let op: ops::RemoveUsers = typed(incoming)?;
            remove_users(ctx, &op.app_id, &op.room_id, Some(&op.body.user_ids))
        }
        Id::ListObsBuckets => list_buckets(ctx),
        Id::ListObsBucketObjects => list_objects(ctx, typed(incoming)?),
        Id::UpdateObsBucketAuthority => update_bucket_authority(ctx, typed(incoming)?),
        other => stats::dispatch(ctx, other, incoming),
    }
}

// ------------------------------------------------------------------ apps

pub(super) fn app<'s>(state: &'s State, app_id: &str) -> Result<&'s AppRec, Fail> {
    state
        .apps
        .get(app_id)
        .ok_or_else(|| Fail::not_found("app_id", app_id))
}

fn app_mut<'s>(state: &'s mut State, app_id: &str) -> Result<&'s mut AppRec, Fail> {
    state
        .apps
        .get_mut(app_id)
        .ok_or_else(|| Fail::not_found("app_id", app_id))
}

/// An application that jobs may run in: it exists and is enabled.
fn active_app<'s>(state: &'s State, app_id: &str) -> Result<&'s AppRec, Fail> {
    let a = app(state, app_id)?;
    if a.status != AppStatus::Activation {
        return Err(Fail::new(
            StatusCode::BAD_REQUEST,
            codes::APP_DEACTIVATION,
            "AppDeactivation: app is stopped",
        ));
    }
    Ok(a)
}

fn create_app(ctx: &mut Ctx<'_>, op: ops::CreateApp) -> Result<Reply, Fail> {
    if ctx.state.apps.len() >= ctx.config.max_apps {
        return Err(Fail::new(
            StatusCode::BAD_REQUEST,
            codes::APPS_EXCEED,
            "AppsExceed: app num exceed",
        ));
    }
    if ctx.state.apps.values().any(|a| a.name == op.body.app_name) {
        return Err(Fail::new(
            StatusCode::BAD_REQUEST,
            codes::APP_EXIST,
            "AppExist: app exists",
        ));
    }
    let id = ctx.state.next_id(IdKind::App, 24);
    let app_key = ctx.state.next_id(IdKind::AppKey, 32);
    let seq = ctx.state.next_seq();
    let now = ctx.now.wall;
    ctx.state.apps.insert(
        id.clone(),
        AppRec {
            seq,
            id: id.clone(),
            name: op.body.app_name,
            status: AppStatus::Activation,
            created: now,
            status_updated: now,
            app_key,
            auto_mode: AutoRecordMode::Off,
            auto_rule: None,
            auto_updated: now,
            callback: None,
            rules: Default::default(),
        },
    );
    let out = model::CreatedApp {
        app_id: Some(id),
        ..Default::default()
    };
    json(StatusCode::CREATED, &out)
}

fn app_model(a: &AppRec) -> model::App {
    let state = model::AppState {
        state: Some(a.status.clone()),
        update_time: Some(iso_millis(a.status_updated)),
        ..Default::default()
    };
    let auth = model::AppAuth {
        enable: Some(true),
        expire: Some(300),
        app_key: Some(Secret::new(a.app_key.clone())),
        update_time: Some(iso_millis(a.created)),
        ..Default::default()
    };
    let callbacks = AppCallbacks {
        record_callback: a.callback.as_ref().map(callback_url_model),
        ..Default::default()
    };
    model::App {
        app_name: Some(a.name.clone()),
        app_id: Some(a.id.clone()),
        state: Some(state),
        scope: Some(AppScope::Global),
        tenant_name: Some("simulator_tenant".into()),
        domain: Some(format!("{}.sparkrtc.myhuaweicloud.com", a.id)),
        create_time: Some(iso_millis(a.created)),
        authentication: Some(auth),
        callbacks: Some(callbacks),
        auto_record_mode: Some(auto_mode_model(a)),
        ..Default::default()
    }
}

fn list_apps(ctx: &mut Ctx<'_>, op: ops::ListApps) -> Result<Reply, Fail> {
    let mut apps: Vec<&AppRec> = ctx
        .state
        .apps
        .values()
        .filter(|a| op.state.as_ref().is_none_or(|s| *s == a.status))
        .collect();
    apps.sort_by_key(|a| a.seq);
    let limit = op.limit.unwrap_or(100) as usize;
    let page = op.offset.unwrap_or(0) as usize;
    let out = model::AppList {
        count: Some(apps.len() as i64),
        apps: apps
            .iter()
            .skip(page.saturating_mul(limit))
            .take(limit)
            .map(|a| app_model(a))
            .collect(),
        ..Default::default()
    };
    json(StatusCode::OK, &out)
}

fn delete_app(ctx: &mut Ctx<'_>, op: ops::DeleteApp) -> Result<Reply, Fail> {
    app(ctx.state, &op.app_id)?;
    ctx.state.apps.remove(&op.app_id);
    ctx.state.jobs.retain(|_, j| j.app_id != op.app_id);
    empty(StatusCode::NO_CONTENT)
}

fn set_app_status(ctx: &mut Ctx<'_>, app_id: &str, status: AppStatus) -> Result<Reply, Fail> {
    let now = ctx.now.wall;
    let a = app_mut(ctx.state, app_id)?;
    a.status = status;
    a.status_updated = now;
    let state = model::AppState {
        state: Some(a.status.clone()),
        update_time: Some(iso_millis(now)),
        ..Default::default()
    };
    let out = model::AppStateChange {
        app_id: Some(a.id.clone()),
        state: Some(state),
        ..Default::default()
    };
    json(StatusCode::OK, &out)
}

// --------------------------------------------------------- record rules

fn rule<'a>(a: &'a AppRec, rule_id: &str) -> Result<&'a RuleRec, Fail> {
    a.rules
        .get(rule_id)
        .ok_or_else(|| Fail::not_found("rule_id", rule_id))
}

fn rule_model(a: &AppRec, r: &RuleRec) -> model::RecordRule {
    model::RecordRule {
        rule_id: Some(r.id.clone()),
        app_id: Some(a.id.clone()),
        obs_addr: Some(r.req.obs_addr.clone()),
        record_formats: r.req.record_formats.clone(),
        hls_config: r.req.hls_config.clone(),
        mp4_config: r.req.mp4_config.clone(),
        create_time: Some(iso_millis(r.created)),
        update_time: Some(iso_millis(r.updated)),
        ..Default::default()
    }
}

fn create_rule(ctx: &mut Ctx<'_>, op: ops::CreateRecordRule) -> Result<Reply, Fail> {
    app(ctx.state, &op.app_id)?;
    let now = ctx.now.wall;
    let existing = ctx.state.apps[&op.app_id]
        .rules
        .values()
        .find(|r| r.req.obs_addr.location == op.body.obs_addr.location)
        .map(|r| r.id.clone());
    let (rule_id, status) = match existing {
        Some(id) => (id, StatusCode::OK),
        None => (ctx.state.next_id(IdKind::Rule, 24), StatusCode::CREATED),
    };
    let seq = ctx.state.next_seq();
    let a = app_mut(ctx.state, &op.app_id)?;
    match a.rules.get_mut(&rule_id) {
        Some(r) => {
            r.req = op.body;
            r.updated = now;
        }
        None => {
            a.rules.insert(
                rule_id.clone(),
                RuleRec {
                    seq,
                    id: rule_id.clone(),
                    req: op.body,
                    created: now,
                    updated: now,
                },
            );
        }
    }
    let a = app(ctx.state, &op.app_id)?;
    json(status, &rule_model(a, rule(a, &rule_id)?))
}

fn list_rules(ctx: &mut Ctx<'_>, op: ops::ListRecordRules) -> Result<Reply, Fail> {
    let a = app(ctx.state, &op.app_id)?;
    let mut rules: Vec<&RuleRec> = a.rules.values().collect();
    rules.sort_by_key(|r| r.seq);
    let limit = op.limit.unwrap_or(100).max(1) as usize;
    let page = op.offset.unwrap_or(0) as usize;
    let out = model::RecordRuleList {
        rules: rules
            .iter()
            .skip(page.saturating_mul(limit))
            .take(limit)
            .map(|r| rule_model(a, r))
            .collect(),
        ..Default::default()
    };
    json(StatusCode::OK, &out)
}

fn update_rule(ctx: &mut Ctx<'_>, op: ops::UpdateRecordRule) -> Result<Reply, Fail> {
    let a = app(ctx.state, &op.app_id)?;
    rule(a, &op.rule_id)?;
    let clash = a
        .rules
        .values()
        .any(|r| r.id != op.rule_id && r.req.obs_addr.location == op.body.obs_addr.location);
    if clash {
        return Err(Fail::new(
            StatusCode::BAD_REQUEST,
            codes::RECORD_RULE_EXIST,
            "RecordRuleExist: record rule of the app exists",
        ));
    }
    let now = ctx.now.wall;
    let a = app_mut(ctx.state, &op.app_id)?;
    if let Some(r) = a.rules.get_mut(&op.rule_id) {
        r.req = op.body;
        r.updated = now;
    }
    let a = app(ctx.state, &op.app_id)?;
    json(StatusCode::OK, &rule_model(a, rule(a, &op.rule_id)?))
}

fn delete_rule(ctx: &mut Ctx<'_>, op: ops::DeleteRecordRule) -> Result<Reply, Fail> {
    let a = app(ctx.state, &op.app_id)?;
    rule(a, &op.rule_id)?;
    let user = ctx.state.jobs.values().find(|j| {
        j.app_id == op.app_id
            && j.stopped.is_none()
            && j.record
                .as_ref()
                .is_some_and(|r| r.record_rule_id == op.rule_id)
    });
    if let Some(j) = user {
        return Err(Fail::invalid(format!(
            "record rule `{}` is in use by job `{}`",
            op.rule_id, j.id
        )));
    }
    if a.auto_mode == AutoRecordMode::Individual
        && a.auto_rule.as_deref() == Some(op.rule_id.as_str())
    {
        return Err(Fail::invalid(format!(
            "record rule `{}` is in use by automatic recording",
            op.rule_id
        )));
    }
    app_mut(ctx.state, &op.app_id)?.rules.remove(&op.rule_id);
    empty(StatusCode::NO_CONTENT)
}

// ---------------------------------------------------------- auto-record

fn auto_mode_model(a: &AppRec) -> AppAutoRecordMode {
    AppAutoRecordMode {
        mode: Some(a.auto_mode.clone()),
        record_rule_id: a.auto_rule.clone(),
        update_time: Some(iso_millis(a.auto_updated)),
        ..Default::default()
    }
}

fn auto_record_model(a: &AppRec) -> model::AutoRecordConfig {
    model::AutoRecordConfig {
        app_id: Some(a.id.clone()),
        auto_record_mode: Some(auto_mode_model(a)),
        ..Default::default()
    }
}

fn update_auto_record(ctx: &mut Ctx<'_>, op: ops::UpdateAutoRecord) -> Result<Reply, Fail> {
    let a = app(ctx.state, &op.app_id)?;
    if let Some(rule_id) = op.body.record_rule_id.as_deref().filter(|r| !r.is_empty()) {
        if !a.rules.contains_key(rule_id) {
            return Err(Fail::invalid(format!(
                "record_rule_id `{rule_id}` does not exist"
            )));
        }
    }
    let now = ctx.now.wall;
    let a = app_mut(ctx.state, &op.app_id)?;
    a.auto_mode = op.body.mode;
    a.auto_rule = op.body.record_rule_id.filter(|r| !r.is_empty());
    a.auto_updated = now;
    json(StatusCode::OK, &auto_record_model(a))
}

// ------------------------------------------------------------- callback

fn callback_url_model(c: &CallbackRec) -> AppCallbackUrl {
    AppCallbackUrl {
        url: Some(c.url.clone()),
        auth_key: c.auth_key.clone(),
        notify_event_subscription: vec![
            NotifyEvent::RecordNewFileStart,
            NotifyEvent::RecordFileComplete,
        ],
        update_time: Some(iso_millis(c.updated)),
        ..Default::default()
    }
}

fn callback_model(a: &AppRec) -> model::RecordCallbackConfig {
    model::RecordCallbackConfig {
        app_id: Some(a.id.clone()),
        record_callback: a.callback.as_ref().map(callback_url_model),
        ..Default::default()
    }
}

fn update_callback(ctx: &mut Ctx<'_>, op: ops::UpdateRecordCallback) -> Result<Reply, Fail> {
    let now = ctx.now.wall;
    let a = app_mut(ctx.state, &op.app_id)?;
    a.callback = Some(CallbackRec {
        url: op.body.url,
        auth_key: op.body.auth_key.filter(|k| !k.is_empty()),
        updated: now,
    });
    json(StatusCode::OK, &callback_model(a))
}

// ----------------------------------------------------------------- jobs

/// A job of the application, of the kind asked for; jobs may be used only
/// while the application is enabled.
fn job<'s>(
    state: &'s State,
    app_id: &str,
    job_id: &str,
    individual: bool,
) -> Result<&'s JobRec, Fail> {
    active_app(state, app_id)?;
    state
        .jobs
        .get(job_id)
        .filter(|j| j.app_id == app_id && matches!(j.kind, JobKind::Individual(_)) == individual)
        .ok_or_else(|| Fail::not_found("job_id", job_id))
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
        Some(r) if !a.rules.contains_key(&r.record_rule_id) => Err(Fail::invalid(format!(
            "record_param.record_rule_id `{}` does not exist",
            r.record_rule_id
        ))),
        _ => Ok(()),
    }
}

/// Adds a job and puts its users in its room.
fn add_job(
    ctx: &mut Ctx<'_>,
    app_id: &str,
    room_id: &str,
    kind: JobKind,
    record: Option<model::RecordParam>,
    users: Vec<String>,
) -> String {
    let id = ctx.state.next_id(IdKind::Job, 32);
    let now = ctx.now;
    ctx.state.jobs.insert(
        id.clone(),
        JobRec {
            id: id.clone(),
            app_id: app_id.to_owned(),
            room_id: room_id.to_owned(),
            kind,
            record,
            created: now,
            updated: now.wall,
            runs_at: now.after(ctx.config.job_start_delay),
            started: None,
            stopped: None,
            files: Vec::new(),
            events_collected: 0,
        },
    );
    join_room(ctx, app_id, room_id, &users);
    // A zero delay has passed already.
    ctx.state.refresh(now.mono);
    id
}

/// Opens the room if needed and puts the users in it (again).
fn join_room(ctx: &mut Ctx<'_>, app_id: &str, room_id: &str, users: &[String]) {
    let now = ctx.now.wall;
    let seed = ctx.state.seed;
    let mut seq = ctx.state.seq;
    let key = (app_id.to_owned(), room_id.to_owned());
    let room = ctx.state.rooms.entry(key).or_insert_with(|| {
        seq += 1;
        RoomRec {
            seq,
            started: now,
            closed: None,
            users: Default::default(),
        }
    });
    room.closed = None;
    for uid in users {
        if room.users.get(uid).is_none_or(|u| u.left.is_some()) {
            seq += 1;
            let session = hex_digits(mix(seed, &[IdKind::Session as u64, seq]), 32);
            room.users.insert(
                uid.clone(),
                UserRec {
                    seq,
                    session,
                    joined: now,
                    left: None,
                },
            );
        }
    }
    ctx.state.seq = seq;
}

fn stop_time(job: &JobRec) -> String {
    job.stopped.as_ref().map_or_else(
        || "0001-01-01T00:00:00Z".to_owned(),
        |(s, _)| iso_secs(s.wall),
    )
}

fn description(job: &JobRec) -> &'static str {
    match job.state() {
        JobState::Running => "job is running",
        JobState::Stopped => "job is stopped by the tenant",
        _ => "job is initializing",
    }
}

fn mix_model(job: &JobRec) -> model::MixJob {
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
    m.create_time = Some(iso_secs(job.created.wall));
    m.update_time = Some(iso_secs(job.updated));
    m.state = Some(job.state());
    m.stop_reason = job.stopped.as_ref().map(|(_, r)| r.clone());
    m.description = Some(description(job).into());
    m.start_time = Some(iso_secs(job.started.unwrap_or(job.created).wall));
    m.stop_time = Some(stop_time(job));
    m
}

fn individual_model(job: &JobRec) -> model::IndividualStreamJob {
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
    m.create_time = Some(iso_secs(job.created.wall));
    m.update_time = Some(iso_secs(job.updated));
    m.state = Some(job.state());
    m.stop_reason = job.stopped.as_ref().map(|(_, r)| r.clone());
    m.description = Some(description(job).into());
    m.start_time = Some(iso_secs(job.started.unwrap_or(job.created).wall));
    m.stop_time = Some(stop_time(job));
    m
}

fn create_mix_job(ctx: &mut Ctx<'_>, op: ops::CreateMixJob) -> Result<Reply, Fail> {
    let a = active_app(ctx.state, &op.app_id)?;
    check_record_rule(a, op.body.record_param.as_ref())?;
    let mut param = op.body.mix_param;
    param.max_idle_time.get_or_insert(30);
    let mut users: Vec<String> = param
        .layout_panes
        .iter()
        .flatten()
        .filter_map(|p| p.user_id.clone())
        .chain(
            param
                .user_background_images
                .iter()
                .flatten()
                .map(|u| u.user_id.clone()),
        )
        .filter(|u| !u.is_empty())
        .collect();
    users.sort();
    users.dedup();
    let room_id = param.room_id.clone();
    let id = add_job(
        ctx,
        &op.app_id,
        &room_id,
        JobKind::Mix(param),
        op.body.record_param,
        users,
    );
    json(StatusCode::CREATED, &mix_model(&ctx.state.jobs[&id]))
}

fn update_mix_job(ctx: &mut Ctx<'_>, op: ops::UpdateMixJob) -> Result<Reply, Fail> {
    if job(ctx.state, &op.app_id, &op.job_id, false)?
        .stopped
        .is_some()
    {
        return Err(job_done());
    }
    let now = ctx.now.wall;
    let update = op.body.mix_param;
    let Some(job) = ctx.state.jobs.get_mut(&op.job_id) else {
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
    let job = &ctx.state.jobs[&op.job_id];
    let users: Vec<String> = match &job.kind {
        JobKind::Mix(p) => p
            .layout_panes
            .iter()
            .flatten()
            .filter_map(|p| p.user_id.clone())
            .filter(|u| !u.is_empty())
            .collect(),
        JobKind::Individual(_) => Vec::new(),
    };
    let (app_id, room_id) = (job.app_id.clone(), job.room_id.clone());
    join_room_keep(ctx, &app_id, &room_id, &users);
    json(StatusCode::OK, &mix_model(&ctx.state.jobs[&op.job_id]))
}

/// Puts users in an open room without reopening a dismissed one.
fn join_room_keep(ctx: &mut Ctx<'_>, app_id: &str, room_id: &str, users: &[String]) {
    let open = ctx
        .state
        .rooms
        .get(&(app_id.to_owned(), room_id.to_owned()))
        .is_some_and(|r| r.closed.is_none());
    if open {
        join_room(ctx, app_id, room_id, users);
    }
}

fn stop_job(
    ctx: &mut Ctx<'_>,
    app_id: &str,
    job_id: &str,
    individual: bool,
) -> Result<Reply, Fail> {
    if job(ctx.state, app_id, job_id, individual)?
        .stopped
        .is_some()
    {
        return Err(job_done());
    }
    ctx.state.stop_job(job_id, ctx.now, StopReason::TenantStop);
    empty(StatusCode::NO_CONTENT)
}

fn create_individual_job(
    ctx: &mut Ctx<'_>,
    op: ops::CreateIndividualStreamJob,
) -> Result<Reply, Fail> {
    let a = active_app(ctx.state, &op.app_id)?;
    check_record_rule(a, op.body.record_param.as_ref())?;
    let mut req = op.body;
    req.is_record_audio.get_or_insert(true);
    req.select_stream_type.get_or_insert(StreamResolution::Fhd);
    req.max_idle_time.get_or_insert(30);
    let record = req.record_param.clone();
    let (room_id, user_id) = (req.room_id.clone(), req.user_id.clone());
    let id = add_job(
        ctx,
        &op.app_id,
        &room_id,
        JobKind::Individual(req),
        record,
        vec![user_id],
    );
    json(StatusCode::CREATED, &individual_model(&ctx.state.jobs[&id]))
}

fn update_individual_job(
    ctx: &mut Ctx<'_>,
    op: ops::UpdateIndividualStreamJob,
) -> Result<Reply, Fail> {
    if job(ctx.state, &op.app_id, &op.job_id, true)?
        .stopped
        .is_some()
    {
        return Err(job_done());
    }
    check_record_rule(app(ctx.state, &op.app_id)?, op.body.record_param.as_ref())?;
    let now = ctx.now.wall;
    if let Some(job) = ctx.state.jobs.get_mut(&op.job_id) {
        if let Some(record) = op.body.record_param {
            if let JobKind::Individual(req) = &mut job.kind {
                req.record_param = Some(record.clone());
            }
            job.record = Some(record);
        }
        job.updated = now;
    }
    json(
        StatusCode::OK,
        &individual_model(&ctx.state.jobs[&op.job_id]),
    )
}

// ---------------------------------------------------------------- rooms

fn remove_users(
    ctx: &mut Ctx<'_>,
    app_id: &str,
    room_id: &str,
    users: Option<&[String]>,
) -> Result<Reply, Fail> {
    app(ctx.state, app_id)?;
    let now = ctx.now.wall;
    if let Some(room) = ctx
        .state
        .rooms
        .get_mut(&(app_id.to_owned(), room_id.to_owned()))
    {
        for (uid, user) in room.users.iter_mut() {
            let chosen = users.is_none_or(|list| list.iter().any(|u| u == uid));
            if chosen && user.left.is_none() {
                user.left = Some(now);
            }
        }
        if users.is_none() && room.closed.is_none() {
            room.closed = Some(now);
        }
    }
    empty(StatusCode::ACCEPTED)
}

// ------------------------------------------------------------------ OBS

fn list_buckets(ctx: &mut Ctx<'_>) -> Result<Reply, Fail> {
    let out = model::ObsBucketList {
        count: Some(ctx.state.buckets.len() as i64),
        buckets: ctx
            .state
            .buckets
            .iter()
            .map(|b| model::ObsBucket {
                bucket: Some(b.name.clone()),
                location: Some(b.location.clone()),
                creation_date: Some(obs_date(b.created)),
                is_authorized: Some(b.authorized),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    };
    json(StatusCode::OK, &out)
}

fn bucket_index(state: &State, bucket: &str, location: &str) -> Result<usize, Fail> {
    state
        .buckets
        .iter()
        .position(|b| b.name == bucket && b.location == location)
        .ok_or_else(|| {
            Fail::invalid(format!(
                "bucket `{bucket}` does not exist in location `{location}`"
            ))
        })
}

fn list_objects(ctx: &mut Ctx<'_>, op: ops::ListObsBucketObjects) -> Result<Reply, Fail> {
    let b = &ctx.state.buckets[bucket_index(ctx.state, &op.bucket, &op.location)?];
    let folders = op.list_type == model::ObsListType::Folders;
    let prefix = op.prefix.unwrap_or_default();
    let objects: Vec<model::ObsObject> = b
        .objects
        .iter()
        .filter(|(name, _, _)| name.ends_with('/') == folders && name.starts_with(&prefix))
        .map(|(name, size, modified)| model::ObsObject {
            file_name: Some(name.clone()),
            size: Some(*size),
            last_modified: Some(obs_date(*modified)),
        })
        .collect();
    let out = model::ObsObjectList {
        count: Some(objects.len() as i64),
        objects,
    };
    json(StatusCode::OK, &out)
}

fn update_bucket_authority(
    ctx: &mut Ctx<'_>,
    op: ops::UpdateObsBucketAuthority,
) -> Result<Reply, Fail> {
    let i = bucket_index(ctx.state, &op.body.bucket, &op.body.location)?;
    ctx.state.buckets[i].authorized = op.body.operation == ObsOperation::Grant;
    empty(StatusCode::OK)
}
