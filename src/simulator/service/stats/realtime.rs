//! Realtime statistics, one value a minute: scale (users and rooms online,
//! from the world), quality and network (drawn, for minutes with someone
//! online), and users online by a dimension at one moment.

use std::time::SystemTime;

use http::StatusCode;

use crate::model::{self, NetworkMetric, RealtimeQualityMetric, ScaleDimension, ScaleMetric};
use crate::ops;

use super::super::super::util::{at_secs, epoch_secs, hash_str, iso_secs, parse_time, Fail};
use super::super::common::{app, json, Ctx, Reply};
use super::{float_series, minutes, profile, scale_at, stays, stays_in, time_range, DAY, MINUTE};

/// Users online (or rooms in use) each minute, at the start of the minute.
pub(in super::super) fn realtime_scale(
    ctx: &mut Ctx<'_>,
    op: ops::ListRtcRealtimeScale,
) -> Result<Reply, Fail> {
    app(ctx.world, &op.app)?;
    let (start, end) = time_range(ctx, op.start_time.as_deref(), op.end_time.as_deref(), DAY)?;
    let room = op.room_id.as_deref();
    let out = model::RealtimeScale {
        scale: minutes(start, end)
            .map(|t| {
                let (users, rooms) = scale_at(ctx.world, &op.app, room, at_secs(t));
                model::TimeIntValue {
                    time: Some(iso_secs(at_secs(t))),
                    value: Some(if op.metric == ScaleMetric::RoomCount {
                        rooms
                    } else {
                        users
                    }),
                    ..Default::default()
                }
            })
            .collect(),
        ..Default::default()
    };
    json(StatusCode::OK, &out)
}

/// Whether anyone was in the application's rooms (or one of them) in
/// `[from, to)`.
fn someone<'w>(
    ctx: &'w Ctx<'_>,
    app_id: &str,
    room: Option<&str>,
) -> impl Fn(SystemTime, SystemTime) -> bool + 'w {
    let stays = stays(ctx.world, app_id, room);
    move |from, to| stays.iter().any(|s| s.period().overlaps(from, to))
}

pub(in super::super) fn realtime_quality(
    ctx: &mut Ctx<'_>,
    op: ops::ListRtcRealtimeQuality,
) -> Result<Reply, Fail> {
    app(ctx.world, &op.app)?;
    let (start, end) = time_range(ctx, op.start_time.as_deref(), op.end_time.as_deref(), DAY)?;
    let range = match op.metric {
        RealtimeQualityMetric::JoinSuccessRate => (0.97, 1.0),
        RealtimeQualityMetric::JoinSuccess5SecsRate => (0.95, 0.999),
        RealtimeQualityMetric::VideoFreezeRate => (0.0, 0.05),
        _ => (0.0, 0.03),
    };
    let salt = hash_str(&op.app)
        ^ hash_str(op.metric.as_str())
        ^ hash_str(op.sdk_type.as_str())
        ^ hash_str(op.room_id.as_deref().unwrap_or(""));
    let online = someone(ctx, &op.app, op.room_id.as_deref());
    let out = model::RealtimeQuality {
        quality: float_series(ctx.world.seed, salt, start, end, range, online),
        ..Default::default()
    };
    json(StatusCode::OK, &out)
}

pub(in super::super) fn realtime_network(
    ctx: &mut Ctx<'_>,
    op: ops::ListRtcRealtimeNetwork,
) -> Result<Reply, Fail> {
    app(ctx.world, &op.app)?;
    let (start, end) = time_range(ctx, op.start_time.as_deref(), op.end_time.as_deref(), DAY)?;
    let lo = match op.metric {
        NetworkMetric::VideoUpstreamExcellentTransRate
        | NetworkMetric::AudioUpstreamExcellentTransRate => 0.92,
        _ => 0.9,
    };
    let salt = hash_str(&op.app)
        ^ hash_str(op.metric.as_str()).rotate_left(1)
        ^ hash_str(op.sdk_type.as_str())
        ^ hash_str(op.room_id.as_deref().unwrap_or("")).rotate_left(2);
    let online = someone(ctx, &op.app, op.room_id.as_deref());
    let out = model::RealtimeNetwork {
        network: float_series(ctx.world.seed, salt, start, end, (lo, 1.0), online),
        ..Default::default()
    };
    json(StatusCode::OK, &out)
}

/// The users online at the start of the minute of `time`, counted by the
/// dimension's value (drawn per user: region, network, platform, SDK).
pub(in super::super) fn scale_dimension(
    ctx: &mut Ctx<'_>,
    op: ops::ListRtcRealtimeScaleDimension,
) -> Result<Reply, Fail> {
    app(ctx.world, &op.app)?;
    let t = at_secs(epoch_secs(parse_time("time", &op.time)?) / MINUTE * MINUTE);
    let seed = ctx.world.seed;
    let mut counts: Vec<(&'static str, i64)> = Vec::new();
    for stay in stays_in(
        ctx.world,
        &op.app,
        op.room_id.as_deref(),
        t,
        t + std::time::Duration::from_secs(1),
    ) {
        if !stay.period().covers(t) {
            continue;
        }
        let p = profile(seed, stay.user());
        let value = match op.dimension {
            ScaleDimension::Region => p.region,
            ScaleDimension::AccessNet => p.access_net,
            ScaleDimension::Platform => p.platform,
            ScaleDimension::Sdk => p.sdk,
            _ => continue,
        };
        match counts.iter_mut().find(|(v, _)| *v == value) {
            Some((_, n)) => *n += 1,
            None => counts.push((value, 1)),
        }
    }
    let out = model::RealtimeScaleDimensions {
        dimensions: counts
            .into_iter()
            .map(|(v, n)| model::RealtimeScaleDimensionValue {
                dimension: Some(v.to_owned()),
                online_users: Some(n),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    };
    json(StatusCode::OK, &out)
}
