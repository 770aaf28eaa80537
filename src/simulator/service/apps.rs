//! Applications: create, list, show, delete, enable (`StartApp`) and disable
//! (`StopApp`).

use http::StatusCode;

use crate::model::{self, AppAuth, AppCallbacks, AppScope, AppStatus, AutoRecordMode, StopReason};
use crate::{ops, Secret};

use super::super::codes;
use super::super::util::{iso_millis, Fail};
use super::super::world::{AppRec, AutoRecordRec, IdKind};
use super::common::{app, app_mut, empty, json, page_of, Ctx, Reply};
use super::rules::{auto_mode_model, callback_url_model};

/// How long a room-join signature made with an application's key is valid
/// by default, as `authentication.expire` reports it (seconds).
pub(crate) const JOIN_SIGNATURE_EXPIRE: i64 = 300;

pub(super) fn create(ctx: &mut Ctx<'_>, op: ops::CreateApp) -> Result<Reply, Fail> {
    if ctx.world.apps.len() >= ctx.config.max_apps {
        return Err(Fail::new(
            StatusCode::BAD_REQUEST,
            codes::APPS_EXCEED,
            "AppsExceed: app num exceed",
        ));
    }
    if ctx.world.apps.iter().any(|a| a.name == op.body.app_name) {
        return Err(Fail::new(
            StatusCode::BAD_REQUEST,
            codes::APP_EXIST,
            "AppExist: app exists",
        ));
    }
    let id = ctx.world.next_id(IdKind::App, 24);
    let app_key = ctx.world.next_id(IdKind::AppKey, 32);
    let seq = ctx.world.next_seq();
    let now = ctx.now;
    ctx.world.apps.push(AppRec {
        seq,
        id: id.clone(),
        name: op.body.app_name,
        // A new application is enabled.
        status: AppStatus::Activation,
        created: now,
        status_updated: now,
        app_key: Secret::new(app_key),
        auto_record: AutoRecordRec {
            mode: AutoRecordMode::Off,
            record_rule_id: None,
            updated: now,
        },
        callback: None,
        rules: Vec::new(),
    });
    let out = model::CreatedApp {
        app_id: Some(id),
        ..Default::default()
    };
    json(StatusCode::CREATED, &out)
}

pub(crate) fn app_model(a: &AppRec) -> model::App {
    let state = model::AppState {
        state: Some(a.status.clone()),
        update_time: Some(iso_millis(a.status_updated)),
        ..Default::default()
    };
    let auth = AppAuth {
        enable: Some(true),
        expire: Some(JOIN_SIGNATURE_EXPIRE),
        app_key: Some(a.app_key.clone()),
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

pub(super) fn show(ctx: &mut Ctx<'_>, op: ops::ShowApp) -> Result<Reply, Fail> {
    json(StatusCode::OK, &app_model(app(ctx.world, &op.app_id)?))
}

/// `offset` is a page number (from 0) of `limit` applications.
pub(super) fn list(ctx: &mut Ctx<'_>, op: ops::ListApps) -> Result<Reply, Fail> {
    let mut apps: Vec<&AppRec> = ctx
        .world
        .apps
        .iter()
        .filter(|a| op.state.as_ref().is_none_or(|s| *s == a.status))
        .collect();
    apps.sort_by_key(|a| a.seq);
    let page = page_of(&apps, op.offset.unwrap_or(0), op.limit.unwrap_or(100));
    let out = model::AppList {
        count: Some(apps.len() as i64),
        apps: page.iter().map(|a| app_model(a)).collect(),
        ..Default::default()
    };
    json(StatusCode::OK, &out)
}

/// Deletes the application with its rules, jobs and rooms.
pub(super) fn delete(ctx: &mut Ctx<'_>, op: ops::DeleteApp) -> Result<Reply, Fail> {
    app(ctx.world, &op.app_id)?;
    ctx.world.apps.retain(|a| a.id != op.app_id);
    ctx.world.jobs.retain(|j| j.app_id != op.app_id);
    ctx.world.rooms.retain(|r| r.app_id != op.app_id);
    empty(StatusCode::NO_CONTENT)
}

/// `StartApp` enables, `StopApp` disables. Disabling stops the
/// application's jobs (`TENANT_STOP`); until it is enabled again, new jobs,
/// job calls and room joins are refused with `RTC.00001016`.
pub(super) fn set_status(
    ctx: &mut Ctx<'_>,
    app_id: &str,
    status: AppStatus,
) -> Result<Reply, Fail> {
    let now = ctx.now;
    let a = app_mut(ctx.world, app_id)?;
    if a.status != status {
        a.status = status.clone();
        a.status_updated = now;
    }
    if status == AppStatus::Deactivation {
        let running: Vec<String> = ctx
            .world
            .jobs
            .iter()
            .filter(|j| j.app_id == app_id && j.stopped.is_none())
            .map(|j| j.id.clone())
            .collect();
        for id in running {
            ctx.world
                .stop_job(&id, now, StopReason::TenantStop, &ctx.config.limits);
        }
    }
    let a = app(ctx.world, app_id)?;
    let state = model::AppState {
        state: Some(a.status.clone()),
        update_time: Some(iso_millis(a.status_updated)),
        ..Default::default()
    };
    let out = model::AppStateChange {
        app_id: Some(a.id.clone()),
        state: Some(state),
        ..Default::default()
    };
    json(StatusCode::OK, &out)
}
