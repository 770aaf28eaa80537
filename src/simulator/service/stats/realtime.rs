//! Realtime statistics: scale (users and rooms online), quality, network,
//! scale by dimension; one value a minute.

use crate::model::{NetworkMetric, RealtimeQualityMetric, ScaleDimension, ScaleMetric};
use http::StatusCode;

use crate::model;
use crate::ops;

use super::super::super::util::*;
use super::super::common::{app, json, Ctx, Reply};
use super::*;

pub(in super::super) fn realtime_scale(
    ctx: &mut Ctx<'_>,
    op: ops::ListRtcRealtimeScale,
) -> Result<Reply, Fail> {
    app(ctx.world, &op.app)?;
    let (start, end) = time_range(ctx, op.start_time.as_deref(), op.end_time.as_deref(), DAY)?;
    let seed = ctx.world.seed;
    let a = hash_str(&op.app);
    let base = range(mix(seed, &[a, 1]), 20, 200) as i64;
    let out = model::RealtimeScale {
        scale: minutes(start, end)
            .map(|t| {
                let (users, rooms) =
                    known_scale(ctx.world, &op.app, op.room_id.as_deref(), at_secs(t));
                let wave = range(mix(seed, &[a, 2, t]), 0, 20) as i64 - 10;
                let value = match (&op.metric, op.room_id.is_some()) {
                    (_, true) if op.metric == ScaleMetric::RoomCount => rooms.min(1),
                    (_, true) => users,
                    (ScaleMetric::RoomCount, false) => (base / 8 + wave / 4).max(0) + rooms,
                    (_, false) => (base + wave).max(0) + users,
                };
                model::TimeIntValue {
                    time: Some(iso_secs(at_secs(t))),
                    value: Some(value),
                    ..Default::default()
                }
            })
            .collect(),
        ..Default::default()
    };
    json(StatusCode::OK, &out)
}

pub(in super::super) fn realtime_quality(
    ctx: &mut Ctx<'_>,
    op: ops::ListRtcRealtimeQuality,
) -> Result<Reply, Fail> {
    app(ctx.world, &op.app)?;
    let (start, end) = time_range(ctx, op.start_time.as_deref(), op.end_time.as_deref(), DAY)?;
    let (lo, hi) = match op.metric {
        RealtimeQualityMetric::JoinSuccessRate => (0.97, 1.0),
        RealtimeQualityMetric::JoinSuccess5SecsRate => (0.95, 0.999),
        RealtimeQualityMetric::VideoFreezeRate => (0.0, 0.05),
        _ => (0.0, 0.03),
    };
    let salt = hash_str(&op.app)
        ^ hash_str(op.metric.as_str())
        ^ hash_str(op.sdk_type.as_str())
        ^ hash_str(op.room_id.as_deref().unwrap_or(""));
    let out = model::RealtimeQuality {
        quality: float_series(ctx.world.seed, salt, start, end, lo, hi),
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
    let out = model::RealtimeNetwork {
        network: float_series(ctx.world.seed, salt, start, end, lo, 1.0),
        ..Default::default()
    };
    json(StatusCode::OK, &out)
}

pub(in super::super) fn scale_dimension(
    ctx: &mut Ctx<'_>,
    op: ops::ListRtcRealtimeScaleDimension,
) -> Result<Reply, Fail> {
    app(ctx.world, &op.app)?;
    let t = epoch_secs(parse_time("time", &op.time)?) / MINUTE * MINUTE;
    let values: &[&str] = match op.dimension {
        ScaleDimension::Region => &["GD", "BJ", "SH", "ZJ", "JS", "SC"],
        ScaleDimension::AccessNet => &["wifi", "5g", "4g", "ethernet"],
        ScaleDimension::Platform => &["android", "ios", "windows", "mac", "web"],
        ScaleDimension::Sdk => &["2.0.9", "2.0.8", "1.4.0"],
        _ => &[],
    };
    let seed = ctx.world.seed;
    let salt = hash_str(&op.app) ^ hash_str(op.room_id.as_deref().unwrap_or("")).rotate_left(3);
    let max = if op.room_id.is_some() { 5 } else { 60 };
    let out = model::RealtimeScaleDimensions {
        dimensions: values
            .iter()
            .map(|v| model::RealtimeScaleDimensionValue {
                dimension: Some((*v).to_owned()),
                online_users: Some(range(mix(seed, &[salt, hash_str(v), t]), 0, max) as i64),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    };
    json(StatusCode::OK, &out)
}
