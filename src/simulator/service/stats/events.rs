//! Abnormal events, client events and client QoS details: who and when
//! from the world (events happen to users in rooms, while they are there);
//! what, from the seed.

use std::collections::{BTreeMap, BTreeSet};
use std::time::SystemTime;

use http::StatusCode;

use crate::model::{self, AbnormalStage, EventLocation, QosMetric};
use crate::ops;

use super::super::super::util::{at_secs, epoch_secs, hash_str, hex_digits, iso_secs, mix, Fail};
use super::super::super::world::{Period, World};
use super::super::common::{app, json, Ctx, Reply};
use super::{float_series, page, stays_in, time_range, Stay, DAY, HOUR};

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
/// 10-minute slot, each happening to a user who was in a room then (of the
/// room and user asked about, when asked), at a moment they were there.
/// Who and when come from the world; whether and what, from the seed.
fn abnormal(
    world: &World,
    app_id: &str,
    room: Option<&str>,
    uid: Option<&str>,
    start: SystemTime,
    end: SystemTime,
) -> Vec<model::AbnormalEvent> {
    let seed = world.seed;
    let a = hash_str(app_id);
    let all: Vec<Stay<'_>> = stays_in(world, app_id, room, start, end)
        .into_iter()
        .filter(|s| uid.is_none_or(|u| u == s.user()))
        .collect();
    let (from, to) = (epoch_secs(start), epoch_secs(end));
    let mut out = Vec::new();
    let mut slot = from / 600 * 600;
    while slot < to && out.len() < 10_000 {
        let (lo, hi) = (at_secs(slot.max(from)), at_secs((slot + 600).min(to)));
        let here: Vec<&Stay<'_>> = all.iter().filter(|s| s.period().overlaps(lo, hi)).collect();
        slot += 600;
        if here.is_empty() {
            continue;
        }
        let n = mix(seed, &[a, slot]) % 3;
        for k in 0..n {
            let h = mix(seed, &[a, slot, k]);
            let stay = here[(h % here.len() as u64) as usize];
            // A moment of the stay within the slot and the range.
            let p = stay.period();
            let first = epoch_secs(p.start.max(lo));
            let last = p.end.map_or(epoch_secs(hi), |e| epoch_secs(e.min(hi)));
            if last <= first {
                continue;
            }
            let t = at_secs(first + (h >> 8) % (last - first));
            let (ty, ty_desc, factors) = ABNORMAL[((h >> 12) % 3) as usize];
            let (factor, factor_desc) = factors[((h >> 16) % 2) as usize];
            let peer = stay
                .room
                .sessions
                .iter()
                .filter(|s| s.user_id != stay.user() && s.period().covers(t))
                .map(|s| s.user_id.clone())
                .next();
            let local = (h >> 20).is_multiple_of(2) || ty == 1 || peer.is_none();
            out.push((
                t,
                k,
                model::AbnormalEvent {
                    time: Some(iso_secs(t)),
                    uid: Some(stay.user().to_owned()),
                    room_id: Some(stay.room.room_id.clone()),
                    stage: Some(if ty == 1 {
                        AbnormalStage::JoinRoom
                    } else {
                        AbnormalStage::Communication
                    }),
                    location: Some(if local {
                        EventLocation::Local
                    } else {
                        EventLocation::Remote
                    }),
                    peer_uid: Some(if local {
                        String::new()
                    } else {
                        peer.unwrap_or_default()
                    }),
                    abnormal_type: Some(ty),
                    abnormal_type_desc: Some(ty_desc.into()),
                    abnormal_factor: Some(factor),
                    abnormal_factor_desc: Some(factor_desc.into()),
                    ..Default::default()
                },
            ));
        }
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
        ctx.world,
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
    let events = abnormal(ctx.world, &op.app, op.room_id.as_deref(), None, start, end);
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

/// One user's abnormal-experience causes in a room within the hour: the
/// first user who was in the room then, and causes drawn at moments they
/// were there (with the users who were there with them as peers). With
/// nobody there, the room alone and no causes.
pub(in super::super) fn client_abnormal_event(
    ctx: &mut Ctx<'_>,
    op: ops::ListRtcAbnormalEvent,
) -> Result<Reply, Fail> {
    app(ctx.world, &op.app_id)?;
    let (start, end) = time_range(ctx, Some(&op.start_time), Some(&op.end_time), HOUR)?;
    let seed = ctx.world.seed;
    let stays = stays_in(ctx.world, &op.app_id, op.room_id.as_deref(), start, end);
    let Some(first) = stays.first() else {
        let out = model::AbnormalEventDetail {
            room_id: op.room_id.clone(),
            ..Default::default()
        };
        return json(StatusCode::OK, &out);
    };
    let room = first.room;
    let uid = first.user().to_owned();
    let h = mix(
        seed,
        &[
            hash_str(&op.app_id),
            hash_str(&room.room_id),
            hash_str(&uid),
            epoch_secs(start),
        ],
    );
    let hex = hex_digits(h, 32);
    let mut out = model::AbnormalEventDetail {
        room_id: Some(room.room_id.clone()),
        uid: Some(uid.clone()),
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
    // The user's time in the room within the range, in seconds.
    let mine: Vec<(u64, u64)> = stays
        .iter()
        .filter(|s| s.room.room_id == room.room_id && s.user() == uid)
        .map(|s| {
            let p = s.period();
            let a = epoch_secs(p.start.max(start));
            let b = p.end.map_or(epoch_secs(end), |e| epoch_secs(e.min(end)));
            (a, b.max(a))
        })
        .collect();
    let total: u64 = mine.iter().map(|(a, b)| b - a).sum();
    if total > 0 {
        for k in 0..mix(seed, &[h, 1]) % 4 {
            let hk = mix(seed, &[h, 2, k]);
            let mut offset = hk % total;
            let ts = mine
                .iter()
                .find_map(|(a, b)| {
                    if offset < b - a {
                        Some(a + offset)
                    } else {
                        offset -= b - a;
                        None
                    }
                })
                .unwrap_or(mine[0].0);
            let peer = room
                .sessions
                .iter()
                .filter(|s| s.user_id != uid && s.period().covers(at_secs(ts)))
                .map(|s| s.user_id.clone())
                .next()
                .unwrap_or_default();
            out.abnormal_list.push(model::RtcCause {
                ts: Some((ts * 1000).to_string()),
                event_id: Some(["2001", "2002", "2003"][(hk >> 20) as usize % 3].to_owned()),
                peer_id: Some(peer),
                ..Default::default()
            });
        }
    }
    out.abnormal_list.sort_by(|a, b| a.ts.cmp(&b.ts));
    json(StatusCode::OK, &out)
}

/// The first join or leave in the range (event 1001 or 1002), from the
/// world; none: an empty answer.
pub(in super::super) fn client_event(
    ctx: &mut Ctx<'_>,
    op: ops::ListRtcEvent,
) -> Result<Reply, Fail> {
    app(ctx.world, &op.app_id)?;
    let (start, end) = time_range(ctx, Some(&op.start_time), Some(&op.end_time), HOUR)?;
    let mut events: Vec<(SystemTime, &str, String)> = Vec::new();
    for stay in stays_in(ctx.world, &op.app_id, op.room_id.as_deref(), start, end) {
        let (user, room) = (stay.user(), &stay.room.room_id);
        if stay.session.joined >= start {
            events.push((
                stay.session.joined,
                "1001",
                format!("user {user} joined room {room}"),
            ));
        }
        if let Some(left) = stay.session.left.filter(|l| *l < end) {
            events.push((left, "1002", format!("user {user} left room {room}")));
        }
    }
    events.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(b.1)));
    let out = match events.into_iter().next() {
        Some((at, id, info)) => model::RtcEventDetail {
            ctime: Some(iso_secs(at)),
            event_id: Some(id.to_owned()),
            event_info: Some(info),
            ..Default::default()
        },
        None => model::RtcEventDetail::default(),
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
    let stays = stays_in(ctx.world, &op.app_id, Some(&op.room_id), start, end);
    // The user asked about, or the first one in the room in the range.
    let uid = op
        .user_id
        .clone()
        .or_else(|| stays.first().map(|s| s.user().to_owned()))
        .unwrap_or_default();
    let theirs: Vec<Period> = stays
        .iter()
        .filter(|s| s.user() == uid)
        .map(Stay::period)
        .collect();
    let online = |from: SystemTime, to: SystemTime| theirs.iter().any(|p| p.overlaps(from, to));
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
            data: float_series(
                seed,
                salt ^ hash_str(metric.as_str()),
                start,
                end,
                (lo, hi),
                online,
            )
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
