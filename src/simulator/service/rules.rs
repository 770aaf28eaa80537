//! Recording rules, automatic recording, and the record-callback setting of
//! an application.

use http::StatusCode;

use crate::model::{self, AppAutoRecordMode, AppCallbackUrl, AutoRecordMode, NotifyEvent};
use crate::ops;

use super::super::codes;
use super::super::util::{iso_millis, Fail};
use super::super::world::{AppRec, CallbackRec, IdKind, RuleRec};
use super::common::{app, app_mut, cap_reached, empty, json, page_of, Ctx, Reply};

fn rule<'a>(a: &'a AppRec, rule_id: &str) -> Result<&'a RuleRec, Fail> {
    a.rule(rule_id)
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

fn show_one(ctx: &Ctx<'_>, app_id: &str, rule_id: &str, status: StatusCode) -> Result<Reply, Fail> {
    let a = app(ctx.world, app_id)?;
    json(status, &rule_model(a, rule(a, rule_id)?))
}

pub(super) fn show(ctx: &mut Ctx<'_>, op: ops::ShowRecordRule) -> Result<Reply, Fail> {
    show_one(ctx, &op.app_id, &op.rule_id, StatusCode::OK)
}

/// An application has one rule per OBS location: creating a rule for a
/// location that has one updates it (200) instead of adding one (201).
pub(super) fn create(ctx: &mut Ctx<'_>, op: ops::CreateRecordRule) -> Result<Reply, Fail> {
    let a = app(ctx.world, &op.app_id)?;
    let existing = a
        .rules
        .iter()
        .find(|r| r.req.obs_addr.location == op.body.obs_addr.location)
        .map(|r| r.id.clone());
    if existing.is_none() && a.rules.len() >= ctx.limits().max_rules_per_app {
        return Err(cap_reached(
            "recording rules per application",
            ctx.limits().max_rules_per_app,
        ));
    }
    let now = ctx.now;
    let (rule_id, status) = match existing {
        Some(id) => (id, StatusCode::OK),
        None => (ctx.world.next_id(IdKind::Rule, 24), StatusCode::CREATED),
    };
    let seq = ctx.world.next_seq();
    let a = app_mut(ctx.world, &op.app_id)?;
    match a.rule_mut(&rule_id) {
        Some(r) => {
            r.req = op.body;
            r.updated = now;
        }
        None => a.rules.push(RuleRec {
            seq,
            id: rule_id.clone(),
            req: op.body,
            created: now,
            updated: now,
        }),
    }
    show_one(ctx, &op.app_id, &rule_id, status)
}

/// `offset` is a page number (from 0) of `limit` rules.
pub(super) fn list(ctx: &mut Ctx<'_>, op: ops::ListRecordRules) -> Result<Reply, Fail> {
    let a = app(ctx.world, &op.app_id)?;
    let mut rules: Vec<&RuleRec> = a.rules.iter().collect();
    rules.sort_by_key(|r| r.seq);
    let page = page_of(
        &rules,
        op.offset.unwrap_or(0),
        op.limit.unwrap_or(100).max(1),
    );
    let out = model::RecordRuleList {
        rules: page.iter().map(|r| rule_model(a, r)).collect(),
        ..Default::default()
    };
    json(StatusCode::OK, &out)
}

pub(super) fn update(ctx: &mut Ctx<'_>, op: ops::UpdateRecordRule) -> Result<Reply, Fail> {
    let a = app(ctx.world, &op.app_id)?;
    rule(a, &op.rule_id)?;
    let clash = a
        .rules
        .iter()
        .any(|r| r.id != op.rule_id && r.req.obs_addr.location == op.body.obs_addr.location);
    if clash {
        return Err(Fail::new(
            StatusCode::BAD_REQUEST,
            codes::RECORD_RULE_EXIST,
            "RecordRuleExist: record rule of the app exists",
        ));
    }
    let now = ctx.now;
    if let Some(r) = app_mut(ctx.world, &op.app_id)?.rule_mut(&op.rule_id) {
        r.req = op.body;
        r.updated = now;
    }
    show_one(ctx, &op.app_id, &op.rule_id, StatusCode::OK)
}

/// A rule in use by a job that has not stopped, or by automatic recording,
/// cannot be deleted.
pub(super) fn delete(ctx: &mut Ctx<'_>, op: ops::DeleteRecordRule) -> Result<Reply, Fail> {
    let a = app(ctx.world, &op.app_id)?;
    rule(a, &op.rule_id)?;
    let user = ctx.world.jobs.iter().find(|j| {
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
    if a.auto_record.mode == AutoRecordMode::Individual
        && a.auto_record.record_rule_id.as_deref() == Some(op.rule_id.as_str())
    {
        return Err(Fail::invalid(format!(
            "record rule `{}` is in use by automatic recording",
            op.rule_id
        )));
    }
    app_mut(ctx.world, &op.app_id)?
        .rules
        .retain(|r| r.id != op.rule_id);
    empty(StatusCode::NO_CONTENT)
}

pub(crate) fn auto_mode_model(a: &AppRec) -> AppAutoRecordMode {
    AppAutoRecordMode {
        mode: Some(a.auto_record.mode.clone()),
        record_rule_id: a.auto_record.record_rule_id.clone(),
        update_time: Some(iso_millis(a.auto_record.updated)),
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

pub(super) fn show_auto_record(ctx: &mut Ctx<'_>, op: ops::ShowAutoRecord) -> Result<Reply, Fail> {
    json(
        StatusCode::OK,
        &auto_record_model(app(ctx.world, &op.app_id)?),
    )
}

/// The rule named must exist.
pub(super) fn update_auto_record(
    ctx: &mut Ctx<'_>,
    op: ops::UpdateAutoRecord,
) -> Result<Reply, Fail> {
    let a = app(ctx.world, &op.app_id)?;
    if let Some(rule_id) = op.body.record_rule_id.as_deref().filter(|r| !r.is_empty()) {
        if a.rule(rule_id).is_none() {
            return Err(Fail::invalid(format!(
                "record_rule_id `{rule_id}` does not exist"
            )));
        }
    }
    let now = ctx.now;
    let a = app_mut(ctx.world, &op.app_id)?;
    a.auto_record.mode = op.body.mode;
    a.auto_record.record_rule_id = op.body.record_rule_id.filter(|r| !r.is_empty());
    a.auto_record.updated = now;
    json(StatusCode::OK, &auto_record_model(a))
}

pub(crate) fn callback_url_model(c: &CallbackRec) -> AppCallbackUrl {
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

pub(super) fn show_callback(ctx: &mut Ctx<'_>, op: ops::ShowRecordCallback) -> Result<Reply, Fail> {
    json(StatusCode::OK, &callback_model(app(ctx.world, &op.app_id)?))
}

pub(super) fn update_callback(
    ctx: &mut Ctx<'_>,
    op: ops::UpdateRecordCallback,
) -> Result<Reply, Fail> {
    let now = ctx.now;
    let a = app_mut(ctx.world, &op.app_id)?;
    a.callback = Some(CallbackRec {
        url: op.body.url,
        auth_key: op.body.auth_key.filter(|k| !k.is_empty()),
        updated: now,
    });
    json(StatusCode::OK, &callback_model(a))
}
