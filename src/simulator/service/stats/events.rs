//! Abnormal events, client events and client QoS details.

use std::collections::{BTreeMap, BTreeSet};
use std::time::SystemTime;

use crate::model::{AbnormalStage, EventLocation, QosMetric};
use http::StatusCode;

use crate::model;
use crate::ops;

use super::super::super::util::*;
use super::super::common::{app, json, Ctx, Reply};
use super::*;

/// An abnormality factor: code and description.
type Factor = (i64, &'static str);

/// (type, description, [(factor, description)]).
const ABNORMAL: &[(i64, &str, &[Factor])] = &[
    (
        1,
        "Slow room joining",
        &[
            (1, "Weak network on the client"),
            (2, "Slow server response"),
        ],
    ),
    (
        2,
        "Video freeze",
        &[
            (12, "Upstream video packet loss"),
            (14, "Downstream video packet loss"),
        ],
    ),
    (
        3,
        "Audio freeze",
        &[
            (11, "Upstream audio packet loss"),
            (13, "Downstream audio packet loss"),
        ],
    ),
];

/// The abnormal events of an application in `[start, end)`: up to two per
/// 10-minute slot, for the room and user asked about (or made-up ones).
fn abnormal(
    seed: u64,
    app_id: &str,
    room: Option<&str>,
    uid: Option<&str>,
    start: SystemTime,
    end: SystemTime,
) -> Vec<model::AbnormalEvent> {
    let a = hash_str(app_id)
        ^ hash_str(room.unwrap_or("")).rotate_left(5)
        ^ hash_str(uid.unwrap_or("")).rotate_left(9);
    let (from, to) = (epoch_secs(start), epoch_secs(end));
    let mut out = Vec::new();
    let mut slot = from / 600 * 600;
    while slot < to && out.len() < 10_000 {
        let n = mix(seed, &[a, slot]) % 3;
        for k in 0..n {
            let h = mix(seed, &[a, slot, k]);
            let t = slot + h % 600;
            if t < from || t >= to {
                continue;
            }
            let (ty, ty_desc, factors) = ABNORMAL[((h >> 12) % 3) as usize];
            let (factor, factor_desc) = factors[((h >> 16) % 2) as usize];
            let local = (h >> 20).is_multiple_of(2) || ty == 1;
            let mut e = model::AbnormalEvent {
                time: Some(iso_secs(at_secs(t))),
                ..Default::default()
            };
            e.uid =
                Some(uid.map_or_else(|| format!("user-{}", hex_digits(h >> 24, 6)), str::to_owned));
            e.room_id = Some(
                room.map_or_else(|| format!("room-{}", hex_digits(h >> 28, 4)), str::to_owned),
            );
            e.stage = Some(if ty == 1 {
                AbnormalStage::JoinRoom
            } else {
                AbnormalStage::Communication
            });
            e.location = Some(if local {
                EventLocation::Local
            } else {
                EventLocation::Remote
            });
            e.peer_uid = Some(if local {
                String::new()
            } else {
                format!("user-{}", hex_digits(h >> 32, 6))
            });
            e.abnormal_type = Some(ty);
            e.abnormal_type_desc = Some(ty_desc.into());
            e.abnormal_factor = Some(factor);
            e.abnormal_factor_desc = Some(factor_desc.into());
            out.push((t, k, e));
        }
        slot += 600;
    }
    out.sort_by_key(|(t, k, _)| (*t, *k));
    out.into_iter().map(|(_, _, e)| e).collect()
}

pub(in super::super) fn abnormal_events(
    ctx: &mut Ctx<'_>,
    op: ops::ListRtcAbnormalEvents,
) -> Result<Reply, Fail> {
    app(ctx.world, &op.app)?;
    let (start, end) = time_range(ctx, op.start_time.as_deref(), op.end_time.as_deref(), DAY)?;
    let events = abnormal(
        ctx.world.seed,
        &op.app,
        op.room_id.as_deref(),
        op.uid.as_deref(),
        start,
        end,
    );
    let (items, _, _) = page(&events, op.offset, op.limit);
    let out = model::AbnormalEvents {
        total: Some(events.len() as i64),
        events: items,
        ..Default::default()
    };
    json(StatusCode::OK, &out)
}

pub(in super::super) fn abnormal_dimensions(
    ctx: &mut Ctx<'_>,
    op: ops::ListRtcAbnormalEventDimension,
) -> Result<Reply, Fail> {
    app(ctx.world, &op.app)?;
    let (start, end) = time_range(ctx, op.start_time.as_deref(), op.end_time.as_deref(), DAY)?;
    let dimension = op.dimension.as_deref().unwrap_or("abnormal_type");
    let by_type = dimension.contains("abnormal_type");
    let by_factor = dimension.contains("abnormal_factor");
    if !by_type && !by_factor {
        return Err(Fail::invalid(format!(
            "dimension `{dimension}` must be abnormal_type, abnormal_factor or both"
        )));
    }
    let events = abnormal(
        ctx.world.seed,
        &op.app,
        op.room_id.as_deref(),
        None,
        start,
        end,
    );
    let mut groups: BTreeMap<(i64, i64), (model::AbnormalEventDimensionValue, BTreeSet<String>)> =
        BTreeMap::new();
    for e in events {
        let ty = if by_type {
            e.abnormal_type.unwrap_or(0)
        } else {
            0
        };
        let factor = if by_factor {
            e.abnormal_factor.unwrap_or(0)
        } else {
            0
        };
        let entry = groups.entry((ty, factor)).or_insert_with(|| {
            let mut v = model::AbnormalEventDimensionValue::default();
            if by_type {
                v.abnormal_type = e.abnormal_type;
                v.abnormal_type_desc = e.abnormal_type_desc.clone();
            }
            if by_factor {
                v.abnormal_factor = e.abnormal_factor;
                v.abnormal_factor_desc = e.abnormal_factor_desc.clone();
            }
            (v, BTreeSet::new())
        });
        entry.1.insert(e.uid.clone().unwrap_or_default());
    }
    let out = model::AbnormalEventDimensions {
        dimensions: groups
            .into_values()
            .map(|(mut v, users)| {
                v.user_count = Some(users.len() as i64);
                v
            })
            .collect(),
        ..Default::default()
    };
    json(StatusCode::OK, &out)
}

// ------------------------------------------------------- client details

pub(in super::super) fn client_abnormal_event(
    ctx: &mut Ctx<'_>,
    op: ops::ListRtcAbnormalEvent,
) -> Result<Reply, Fail> {
    app(ctx.world, &op.app_id)?;
    let (start, end) = time_range(ctx, Some(&op.start_time), Some(&op.end_time), HOUR)?;
    let seed = ctx.world.seed;
    let room = op.room_id.clone().unwrap_or_else(|| "room001".to_owned());
    let uid = some_user(ctx.world, &op.app_id, Some(&room));
    let h = mix(
        seed,
        &[hash_str(&op.app_id), hash_str(&room), epoch_secs(start)],
    );
    let hex = hex_digits(h, 32);
    let mut out = model::AbnormalEventDetail {
        room_id: Some(room),
        uid: Some(uid),
        exp_id: Some(format!(
            "{}-{}-{}-{}-{}",
            &hex[..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..]
        )),
        ..Default::default()
    };
    let span = epoch_secs(end).saturating_sub(epoch_secs(start)).max(1);
    out.abnormal_list = (0..mix(seed, &[h, 1]) % 4)
        .map(|k| {
            let hk = mix(seed, &[h, 2, k]);
            let ts = epoch_secs(start) + hk % span;
            model::RtcCause {
                ts: Some((ts * 1000).to_string()),
                event_id: Some(["2001", "2002", "2003"][(hk >> 20) as usize % 3].to_owned()),
                peer_id: Some(format!("user-{}", hex_digits(hk >> 24, 6))),
                ..Default::default()
            }
        })
        .collect();
    out.abnormal_list.sort_by(|a, b| a.ts.cmp(&b.ts));
    json(StatusCode::OK, &out)
}

pub(in super::super) fn client_event(
    ctx: &mut Ctx<'_>,
    op: ops::ListRtcEvent,
) -> Result<Reply, Fail> {
    app(ctx.world, &op.app_id)?;
    let (start, end) = time_range(ctx, Some(&op.start_time), Some(&op.end_time), HOUR)?;
    let seed = ctx.world.seed;
    let room = op.room_id.as_deref().unwrap_or("");
    let h = mix(
        seed,
        &[hash_str(&op.app_id), hash_str(room), epoch_secs(start), 3],
    );
    let span = epoch_secs(end).saturating_sub(epoch_secs(start)).max(1);
    let uid = some_user(ctx.world, &op.app_id, op.room_id.as_deref());
    let (id, what) = [
        ("1001", "joined the room"),
        ("1002", "left the room"),
        ("1003", "published video"),
    ][(h >> 8) as usize % 3];
    let out = model::RtcEventDetail {
        ctime: Some(iso_secs(at_secs(epoch_secs(start) + h % span))),
        event_id: Some(id.into()),
        event_info: Some(format!("user {uid} {what}")),
        ..Default::default()
    };
    json(StatusCode::OK, &out)
}

/// The range the simulator draws a client metric from (a width or height
/// is constant).
fn qos_range(metric: &QosMetric) -> (f64, f64) {
    use QosMetric as Q;
    match metric {
        Q::AppCpu => (1.0, 30.0),
        Q::SysCpu => (10.0, 60.0),
        Q::AudioBitrate => (24.0, 64.0),
        Q::VideoBitrate => (300.0, 1800.0),
        Q::AuxBitrate => (300.0, 1500.0),
        Q::VideoFps => (15.0, 30.0),
        Q::AuxFps => (5.0, 15.0),
        Q::VideoFreeze | Q::AuxFreeze | Q::AudioLoss | Q::VideoLoss | Q::AuxLoss => (0.0, 0.05),
        Q::VideoWidth => (1280.0, 1280.0),
        Q::VideoHeight => (720.0, 720.0),
        Q::AuxWidth => (1920.0, 1920.0),
        Q::AuxHeight => (1080.0, 1080.0),
        Q::AudioJitter | Q::VideoJitter | Q::AuxJitter => (0.0, 30.0),
        Q::AudioRtt | Q::VideoRtt | Q::AuxRtt => (20.0, 200.0),
        Q::Unknown(_) => (0.0, 0.0),
    }
}

/// `mid`: exactly the documented metrics, separated by `,`, or `all`.
pub(in super::super) fn qos_details(
    ctx: &mut Ctx<'_>,
    op: ops::ListRtcClientQosDetails,
) -> Result<Reply, Fail> {
    app(ctx.world, &op.app_id)?;
    let (start, end) = time_range(ctx, Some(&op.start_time), Some(&op.end_time), DAY)?;
    let wanted: Vec<QosMetric> = if op.mid.trim() == "all" {
        QosMetric::KNOWN.to_vec()
    } else {
        let mut list = Vec::new();
        for mid in op.mid.split(',').map(str::trim).filter(|m| !m.is_empty()) {
            match QosMetric::from(mid) {
                QosMetric::Unknown(_) => {
                    return Err(Fail::invalid(format!(
                        "mid `{mid}` is not a documented metric ({})",
                        QosMetric::KNOWN
                            .iter()
                            .map(QosMetric::as_str)
                            .collect::<Vec<_>>()
                            .join(", ")
                    )))
                }
                known => list.push(known),
            }
        }
        if list.is_empty() {
            return Err(Fail::invalid("mid names no metric"));
        }
        list
    };
    let seed = ctx.world.seed;
    let uid = op
        .user_id
        .clone()
        .unwrap_or_else(|| some_user(ctx.world, &op.app_id, Some(&op.room_id)));
    let peer = op.peer_id.clone().unwrap_or_else(|| "0".to_owned());
    let salt = hash_str(&op.app_id)
        ^ hash_str(&op.room_id).rotate_left(7)
        ^ hash_str(&uid).rotate_left(11);
    let series: Vec<model::QosQualityData> = wanted
        .into_iter()
        .map(|metric| {
            let (lo, hi) = qos_range(&metric);
            (metric, lo, hi)
        })
        .map(|(metric, lo, hi)| model::QosQualityData {
            uid: Some(uid.clone()),
            peerid: Some(peer.clone()),
            mid: Some(metric.as_str().to_owned()),
            data: float_series(seed, salt ^ hash_str(metric.as_str()), start, end, lo, hi)
                .into_iter()
                .map(|mut v| {
                    v.value = v.value.map(|x| (x * 100.0).round() / 100.0);
                    v
                })
                .collect(),
            ..Default::default()
        })
        .collect();
    let (items, _, _) = page(&series, op.offset, Some(op.limit.unwrap_or(100)));
    let out = model::ClientQosDetails {
        room_id: Some(op.room_id.clone()),
        data: items,
        ..Default::default()
    };
    json(StatusCode::OK, &out)
}
