//! The statistical-analysis operations: plausible numbers, the same for the
//! same seed, application and time range, plus what the state knows (rooms
//! and users of recording jobs).

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, SystemTime};

use http::StatusCode;

use crate::dynamic::Incoming;
use crate::model::{
    self, AbnormalStage, EventLocation, HistoryQualityMetric, HistoryScaleMetric, NetworkMetric,
    RealtimeQualityMetric, RoomState, ScaleDimension, ScaleMetric, UserListMode, UserState,
};
use crate::{ops, Operation, OperationId};

use super::handlers::{app, internal, json, Ctx, Reply};
use super::state::{RoomRec, State, UserRec};
use super::util::{
    at_secs, day, epoch_secs, fraction, hash_str, hex_digits, iso_secs, mix, parse_day, parse_time,
    range, round4, Fail,
};

const MINUTE: u64 = 60;
const HOUR: Duration = Duration::from_secs(3600);
const DAY: Duration = Duration::from_secs(86_400);

fn typed<O: Operation>(incoming: &Incoming) -> Result<O, Fail> {
    incoming
        .typed::<O>()
        .ok_or_else(|| internal(format!("cannot read the parameters of {}", O::ID.name())))
}

/// Runs a statistical operation.
pub(super) fn dispatch(
    ctx: &mut Ctx<'_>,
    id: OperationId,
    incoming: &Incoming,
) -> Result<Reply, Fail> {
    use OperationId as Id;
    match id {
        Id::ListRtcAbnormalEvent => client_abnormal_event(ctx, typed(incoming)?),
        Id::ListRtcEvent => client_event(ctx, typed(incoming)?),
        Id::ListRtcAbnormalEventDimension => abnormal_dimensions(ctx, typed(incoming)?),
        Id::ListRtcAbnormalEvents => abnormal_events(ctx, typed(incoming)?),
        Id::ListRtcClientQosDetails => qos_details(ctx, typed(incoming)?),
        Id::ListRtcHistoryQuality => history_quality(ctx, typed(incoming)?),
        Id::ListRtcHistoryScale => history_scale(ctx, typed(incoming)?),
        Id::ListRtcHistoryUsage => history_usage(ctx, typed(incoming)?),
        Id::ListRtcRealtimeNetwork => realtime_network(ctx, typed(incoming)?),
        Id::ListRtcRealtimeQuality => realtime_quality(ctx, typed(incoming)?),
        Id::ListRtcRealtimeScale => realtime_scale(ctx, typed(incoming)?),
        Id::ListRtcRealtimeScaleDimension => scale_dimension(ctx, typed(incoming)?),
        Id::ListRtcRoomList => room_list(ctx, typed(incoming)?),
        Id::ListRtcUserList => user_list(ctx, typed(incoming)?),
        other => Err(internal(format!("{} is not simulated", other.name()))),
    }
}

// ------------------------------------------------------------ time ranges

fn describe(span: Duration) -> String {
    match span.as_secs() {
        s if s.is_multiple_of(86_400) => format!("{} day(s)", s / 86_400),
        s => format!("{} hour(s)", s / 3600),
    }
}

/// The `[start, end)` range asked for: the defaults are one hour ago and
/// now; the span must be within `max`.
fn time_range(
    ctx: &Ctx<'_>,
    start: Option<&str>,
    end: Option<&str>,
    max: Duration,
) -> Result<(SystemTime, SystemTime), Fail> {
    let end = match end {
        Some(e) => parse_time("end_time", e)?,
        None => ctx.now.wall,
    };
    let start = match start {
        Some(s) => parse_time("start_time", s)?,
        None => end.checked_sub(HOUR).unwrap_or(end),
    };
    let span = end
        .duration_since(start)
        .map_err(|_| Fail::invalid("start_time must not be after end_time"))?;
    if span > max {
        return Err(Fail::invalid(format!(
            "the span from start_time to end_time must be at most {}",
            describe(max)
        )));
    }
    Ok((start, end))
}

/// The minutes `t` with `start <= t < end`, from the minute `start` is in
/// (at most one day of them).
fn minutes(start: SystemTime, end: SystemTime) -> impl Iterator<Item = u64> {
    let first = epoch_secs(start) / MINUTE * MINUTE;
    let end = epoch_secs(end);
    (0..1440u64)
        .map(move |i| first + i * MINUTE)
        .take_while(move |&t| t < end)
}

/// The days asked for (at most 31, today and later left out: the day is not
/// over). The default is yesterday.
fn days(ctx: &Ctx<'_>, start: Option<&str>, end: Option<&str>) -> Result<Vec<SystemTime>, Fail> {
    let today = epoch_secs(ctx.now.wall) / 86_400 * 86_400;
    let yesterday = at_secs(today.saturating_sub(86_400));
    let start = match start {
        Some(s) => parse_day("start_date", s)?,
        None => yesterday,
    };
    let end = match end {
        Some(e) => parse_day("end_date", e)?,
        None => start.max(yesterday),
    };
    let span = end
        .duration_since(start)
        .map_err(|_| Fail::invalid("start_date must not be after end_date"))?;
    if span >= DAY * 31 {
        return Err(Fail::invalid(
            "the span from start_date to end_date must be at most 31 days",
        ));
    }
    let (first, last) = (epoch_secs(start), epoch_secs(end));
    Ok((0..31u64)
        .map(|i| first + i * 86_400)
        .take_while(|&d| d <= last && d < today)
        .map(at_secs)
        .collect())
}

fn page<T: Clone>(items: &[T], offset: Option<u32>, limit: Option<u32>) -> (Vec<T>, i64, i64) {
    let offset = offset.unwrap_or(0);
    let limit = limit.unwrap_or(10);
    let out = items
        .iter()
        .skip(offset as usize)
        .take(limit as usize)
        .cloned()
        .collect();
    (out, i64::from(offset), i64::from(limit))
}

// ------------------------------------------------- rooms and users known

fn rooms_of<'s>(state: &'s State, app_id: &str) -> Vec<(&'s String, &'s RoomRec)> {
    let mut rooms: Vec<(&String, &RoomRec)> = state
        .rooms
        .iter()
        .filter(|((a, _), _)| a == app_id)
        .map(|((_, r), room)| (r, room))
        .collect();
    rooms.sort_by_key(|(_, r)| (r.started, r.seq));
    rooms
}

fn online_at(u: &UserRec, t: SystemTime) -> bool {
    u.joined <= t && u.left.is_none_or(|l| l > t)
}

fn overlaps(from: SystemTime, to: Option<SystemTime>, start: SystemTime, end: SystemTime) -> bool {
    from <= end && to.is_none_or(|t| t >= start)
}

/// (users online, rooms open) at `t` in the application's known rooms.
fn known_scale(state: &State, app_id: &str, room: Option<&str>, t: SystemTime) -> (i64, i64) {
    let mut users = 0;
    let mut rooms = 0;
    for (id, r) in rooms_of(state, app_id) {
        if room.is_some_and(|want| want != id.as_str()) {
            continue;
        }
        if r.started <= t && r.closed.is_none_or(|c| c > t) {
            rooms += 1;
        }
        users += r.users.values().filter(|u| online_at(u, t)).count() as i64;
    }
    (users, rooms)
}

// ------------------------------------------------------------- realtime

fn realtime_scale(ctx: &mut Ctx<'_>, op: ops::ListRtcRealtimeScale) -> Result<Reply, Fail> {
    app(ctx.state, &op.app)?;
    let (start, end) = time_range(ctx, op.start_time.as_deref(), op.end_time.as_deref(), DAY)?;
    let seed = ctx.state.seed;
    let a = hash_str(&op.app);
    let base = range(mix(seed, &[a, 1]), 20, 200) as i64;
    let out = model::RealtimeScale {
        scale: minutes(start, end)
            .map(|t| {
                let (users, rooms) =
                    known_scale(ctx.state, &op.app, op.room_id.as_deref(), at_secs(t));
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

fn float_series(
    seed: u64,
    salt: u64,
    start: SystemTime,
    end: SystemTime,
    lo: f64,
    hi: f64,
) -> Vec<model::TimeFloatValue> {
    minutes(start, end)
        .map(|t| model::TimeFloatValue {
            time: Some(iso_secs(at_secs(t))),
            value: Some(fraction(mix(seed, &[salt, t]), lo, hi)),
            ..Default::default()
        })
        .collect()
}

fn realtime_quality(ctx: &mut Ctx<'_>, op: ops::ListRtcRealtimeQuality) -> Result<Reply, Fail> {
    app(ctx.state, &op.app)?;
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
        quality: float_series(ctx.state.seed, salt, start, end, lo, hi),
        ..Default::default()
    };
    json(StatusCode::OK, &out)
}

fn realtime_network(ctx: &mut Ctx<'_>, op: ops::ListRtcRealtimeNetwork) -> Result<Reply, Fail> {
    app(ctx.state, &op.app)?;
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
        network: float_series(ctx.state.seed, salt, start, end, lo, 1.0),
        ..Default::default()
    };
    json(StatusCode::OK, &out)
}

fn scale_dimension(
    ctx: &mut Ctx<'_>,
    op: ops::ListRtcRealtimeScaleDimension,
) -> Result<Reply, Fail> {
    app(ctx.state, &op.app)?;
    let t = epoch_secs(parse_time("time", &op.time)?) / MINUTE * MINUTE;
    let values: &[&str] = match op.dimension {
        ScaleDimension::Region => &["GD", "BJ", "SH", "ZJ", "JS", "SC"],
        ScaleDimension::AccessNet => &["wifi", "5g", "4g", "ethernet"],
        ScaleDimension::Platform => &["android", "ios", "windows", "mac", "web"],
        ScaleDimension::Sdk => &["2.0.9", "2.0.8", "1.4.0"],
        _ => &[],
    };
    let seed = ctx.state.seed;
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

// -------------------------------------------------------------- history

fn history_quality(ctx: &mut Ctx<'_>, op: ops::ListRtcHistoryQuality) -> Result<Reply, Fail> {
    app(ctx.state, &op.app)?;
    let days = days(ctx, op.start_date.as_deref(), op.end_date.as_deref())?;
    let seed = ctx.state.seed;
    let a = hash_str(&op.app);
    let out = model::HistoryQuality {
        quality: days
            .into_iter()
            .map(|d| {
                let t = epoch_secs(d);
                let f = |salt: &str, lo: f64, hi: f64| {
                    fraction(mix(seed, &[a, hash_str(salt), t]), lo, hi)
                };
                let n = |salt: &str, lo: u64, hi: u64| {
                    range(mix(seed, &[a, hash_str(salt), t]), lo, hi) as i64
                };
                let mut q = model::HistoryQualityValue {
                    date: Some(day(d)),
                    ..Default::default()
                };
                for metric in &op.metric {
                    use HistoryQualityMetric as M;
                    match metric {
                        M::JoinSuccessRate => q.join_success_rate = Some(f("jsr", 0.97, 1.0)),
                        M::JoinSuccess5SecsRate => {
                            q.join_success_in5secs_rate = Some(f("j5", 0.95, 0.999))
                        }
                        M::VideoFreezeRate => q.video_freeze_rate = Some(f("vfr", 0.0, 0.05)),
                        M::AudioFreezeRate => q.audio_freeze_rate = Some(f("afr", 0.0, 0.03)),
                        M::FirstVideoRecvTime => q.first_video_recv_time = Some(n("fv", 300, 900)),
                        M::FirstAudioRecvTime => q.first_audio_recv_time = Some(n("fa", 200, 700)),
                        M::PullStreamSuccessRate => {
                            q.pull_stream_success_rate = Some(f("pull", 0.97, 1.0))
                        }
                        M::PushStreamSuccessRate => {
                            q.push_stream_success_rate = Some(f("push", 0.97, 1.0))
                        }
                        M::VideoUpstreamExcellentTransRate => {
                            q.video_upstream_excellent_trans_rate = Some(f("vu", 0.9, 1.0))
                        }
                        M::AudioUpstreamExcellentTransRate => {
                            q.audio_upstream_excellent_trans_rate = Some(f("au", 0.9, 1.0))
                        }
                        M::VideoExcellentTransRate => {
                            q.video_excellent_trans_rate = Some(f("ve", 0.9, 1.0))
                        }
                        M::AudioExcellentTransRate => {
                            q.audio_excellent_trans_rate = Some(f("ae", 0.9, 1.0))
                        }
                        M::VideoTransDelay => {
                            q.video_trans_delay = Some(round4(f("vd", 60.0, 200.0)))
                        }
                        M::AudioTransDelay => {
                            q.audio_trans_delay = Some(round4(f("ad", 50.0, 150.0)))
                        }
                        _ => {}
                    }
                }
                q
            })
            .collect(),
        ..Default::default()
    };
    json(StatusCode::OK, &out)
}

fn history_scale(ctx: &mut Ctx<'_>, op: ops::ListRtcHistoryScale) -> Result<Reply, Fail> {
    app(ctx.state, &op.app)?;
    let days = days(ctx, op.start_date.as_deref(), op.end_date.as_deref())?;
    let seed = ctx.state.seed;
    let a = hash_str(&op.app);
    let out = model::HistoryScale {
        scale: days
            .into_iter()
            .map(|d| {
                let t = epoch_secs(d);
                let n =
                    |salt: u64, lo: u64, hi: u64| range(mix(seed, &[a, salt, t]), lo, hi) as i64;
                let users = n(1, 50, 2000);
                let sessions = users + n(2, 0, users as u64);
                let rooms = (users / 4).max(1) + n(3, 0, 20);
                let max_users = (users / 3).max(1);
                let max_rooms = (rooms / 3).max(1);
                let video = sessions * n(4, 300, 1800);
                let audio = sessions * n(5, 60, 600);
                let mut s = model::HistoryScaleValue {
                    date: Some(day(d)),
                    ..Default::default()
                };
                for metric in &op.metric {
                    use HistoryScaleMetric as M;
                    match metric {
                        M::UserCount => s.user_count = Some(users),
                        M::SessionCount => s.session_count = Some(sessions),
                        M::RoomCount => s.room_count = Some(rooms),
                        M::MaxOnlineUserCount => s.max_online_user_count = Some(max_users),
                        M::MaxOnlineRoomCount => s.max_online_room_count = Some(max_rooms),
                        M::CommunicationDuration => s.communication_duration = Some(video + audio),
                        M::VideoCommunicationDuration => {
                            s.video_communication_duration = Some(video)
                        }
                        M::AudioCommunicationDuration => {
                            s.audio_communication_duration = Some(audio)
                        }
                        _ => {}
                    }
                }
                s
            })
            .collect(),
        ..Default::default()
    };
    json(StatusCode::OK, &out)
}

fn history_usage(ctx: &mut Ctx<'_>, op: ops::ListRtcHistoryUsage) -> Result<Reply, Fail> {
    app(ctx.state, &op.app)?;
    let days = days(ctx, Some(&op.start_date), Some(&op.end_date))?;
    let seed = ctx.state.seed;
    let a = hash_str(&op.app) ^ hash_str(op.metric.as_str());
    let out = model::HistoryUsage {
        usage: days
            .into_iter()
            .map(|d| {
                let t = epoch_secs(d);
                let n = |salt: u64, hi: u64| range(mix(seed, &[a, salt, t]), 0, hi) as i64;
                let (sd, hd, hdp, audio) =
                    (n(1, 90_000), n(2, 60_000), n(3, 20_000), n(4, 120_000));
                model::HistoryUsageValue {
                    date: Some(day(d)),
                    video_sd: Some(sd),
                    video_hd: Some(hd),
                    video_hdp: Some(hdp),
                    audio: Some(audio),
                    total_duration: Some(sd + hd + hdp + audio),
                    ..Default::default()
                }
            })
            .collect(),
        ..Default::default()
    };
    json(StatusCode::OK, &out)
}

// -------------------------------------------------------- rooms, users

fn room_list(ctx: &mut Ctx<'_>, op: ops::ListRtcRoomList) -> Result<Reply, Fail> {
    app(ctx.state, &op.app)?;
    let (start, end) = time_range(
        ctx,
        op.start_time.as_deref(),
        op.end_time.as_deref(),
        DAY * 90,
    )?;
    let now = ctx.now.wall;
    let rooms: Vec<model::RtcRoomInfo> = rooms_of(ctx.state, &op.app)
        .into_iter()
        .filter(|(id, r)| {
            op.room_id.as_deref().is_none_or(|want| want == id.as_str())
                && overlaps(r.started, r.closed, start, end)
        })
        .map(|(id, r)| {
            let state = if r.closed.is_some() {
                RoomState::Closed
            } else {
                RoomState::Running
            };
            let until = r.closed.unwrap_or(now);
            model::RtcRoomInfo {
                domain: Some(format!("{}.sparkrtc.myhuaweicloud.com", op.app)),
                app: Some(op.app.clone()),
                room_id: Some(id.clone()),
                state: Some(state),
                duration: Some(until.duration_since(r.started).map_or(0, |d| d.as_secs()) as i64),
                start_time: Some(iso_secs(r.started)),
                end_time: Some(r.closed.map_or_else(|| "-".to_owned(), iso_secs)),
                ..Default::default()
            }
        })
        .filter(|m| {
            op.state
                .as_ref()
                .is_none_or(|s| m.state.as_ref() == Some(s))
        })
        .collect();
    let (items, offset, limit) = page(&rooms, op.offset, op.limit);
    let out = model::RoomList {
        total: Some(rooms.len() as i64),
        offset: Some(offset),
        limit: Some(limit),
        room_info_list: items,
        ..Default::default()
    };
    json(StatusCode::OK, &out)
}

/// Where a user seems to be: (ip, region, isp, device, platform, sdk).
fn user_profile(
    seed: u64,
    uid: &str,
) -> (
    String,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
) {
    let h = mix(seed, &[hash_str(uid), 7]);
    let pick =
        |list: &[&'static str], shift: u32| list[((h >> shift) % list.len() as u64) as usize];
    let ip = format!(
        "10.{}.{}.{}",
        (h >> 8) & 0xff,
        (h >> 16) & 0xff,
        1 + (h >> 24) % 254
    );
    (
        ip,
        pick(&["GD", "BJ", "SH", "ZJ", "JS", "SC"], 32),
        pick(&["CTCC", "CMCC", "CUCC"], 36),
        pick(&["iphone", "HUAWEI P40", "MacBookPro16,1", "PC"], 40),
        pick(&["ios", "android", "web-Mac10_15_7", "windows"], 44),
        pick(&["2.0.9", "2.0.8", "1.4.0"], 48),
    )
}

fn user_list(ctx: &mut Ctx<'_>, op: ops::ListRtcUserList) -> Result<Reply, Fail> {
    app(ctx.state, &op.app)?;
    let (start, end) = time_range(
        ctx,
        op.start_time.as_deref(),
        op.end_time.as_deref(),
        DAY * 90,
    )?;
    let seed = ctx.state.seed;
    let _summary = op.mode.as_ref().is_none_or(|m| *m == UserListMode::Summary);
    let mut users = Vec::new();
    for (room_id, r) in rooms_of(ctx.state, &op.app) {
        if op
            .room_id
            .as_deref()
            .is_some_and(|want| want != room_id.as_str())
        {
            continue;
        }
        let mut list: Vec<(&String, &UserRec)> = r.users.iter().collect();
        list.sort_by_key(|(_, u)| u.seq);
        for (uid, u) in list {
            let state = if u.left.is_none() {
                UserState::Online
            } else {
                UserState::Offline
            };
            let (ip, region, isp, device, platform, sdk) = user_profile(seed, uid);
            let keep = overlaps(u.joined, u.left, start, end)
                && op.uid.as_deref().is_none_or(|w| w == uid.as_str())
                && op.nickname.as_deref().is_none_or(|w| w == uid.as_str())
                && op
                    .region
                    .as_ref()
                    .is_none_or(|l| l.iter().any(|v| v == region))
                && op.isp.as_ref().is_none_or(|l| l.iter().any(|v| v == isp))
                && op.state.as_ref().is_none_or(|l| l.contains(&state));
            if !keep {
                continue;
            }
            let m = model::RtcUser {
                domain: Some(format!("{}.sparkrtc.myhuaweicloud.com", op.app)),
                app: Some(op.app.clone()),
                room_id: Some(room_id.clone()),
                uid: Some(uid.clone()),
                session: Some(u.session.clone()),
                state: Some(state),
                nick_name: Some(uid.clone()),
                ip: Some(ip),
                region: Some(region.into()),
                isp: Some(isp.into()),
                device_model: Some(device.into()),
                platform: Some(platform.into()),
                sdk: Some(sdk.into()),
                join_time: Some(iso_secs(u.joined)),
                leave_time: Some(u.left.map_or_else(|| "-".to_owned(), iso_secs)),
                ..Default::default()
            };
            users.push(m);
        }
    }
    let (items, offset, limit) = page(&users, op.offset, op.limit);
    let out = model::UserList {
        total: Some(users.len() as i64),
        offset: Some(offset),
        limit: Some(limit),
        users: items,
        ..Default::default()
    };
    json(StatusCode::OK, &out)
}

// ------------------------------------------------------ abnormal events

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

fn abnormal_events(ctx: &mut Ctx<'_>, op: ops::ListRtcAbnormalEvents) -> Result<Reply, Fail> {
    app(ctx.state, &op.app)?;
    let (start, end) = time_range(ctx, op.start_time.as_deref(), op.end_time.as_deref(), DAY)?;
    let events = abnormal(
        ctx.state.seed,
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

fn abnormal_dimensions(
    ctx: &mut Ctx<'_>,
    op: ops::ListRtcAbnormalEventDimension,
) -> Result<Reply, Fail> {
    app(ctx.state, &op.app)?;
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
        ctx.state.seed,
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

/// A user of the room the statistics are about: the first one known, or a
/// made-up one.
fn some_user(state: &State, app_id: &str, room: Option<&str>) -> String {
    rooms_of(state, app_id)
        .into_iter()
        .filter(|(id, _)| room.is_none_or(|r| r == id.as_str()))
        .flat_map(|(_, r)| {
            let mut users: Vec<(&String, &UserRec)> = r.users.iter().collect();
            users.sort_by_key(|(_, u)| u.seq);
            users.into_iter().map(|(uid, _)| uid.clone())
        })
        .next()
        .unwrap_or_else(|| "user001".to_owned())
}

fn client_abnormal_event(ctx: &mut Ctx<'_>, op: ops::ListRtcAbnormalEvent) -> Result<Reply, Fail> {
    app(ctx.state, &op.app_id)?;
    let (start, end) = time_range(ctx, Some(&op.start_time), Some(&op.end_time), HOUR)?;
    let seed = ctx.state.seed;
    let room = op.room_id.clone().unwrap_or_else(|| "room001".to_owned());
    let uid = some_user(ctx.state, &op.app_id, Some(&room));
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

fn client_event(ctx: &mut Ctx<'_>, op: ops::ListRtcEvent) -> Result<Reply, Fail> {
    app(ctx.state, &op.app_id)?;
    let (start, end) = time_range(ctx, Some(&op.start_time), Some(&op.end_time), HOUR)?;
    let seed = ctx.state.seed;
    let room = op.room_id.as_deref().unwrap_or("");
    let h = mix(
        seed,
        &[hash_str(&op.app_id), hash_str(room), epoch_secs(start), 3],
    );
    let span = epoch_secs(end).saturating_sub(epoch_secs(start)).max(1);
    let uid = some_user(ctx.state, &op.app_id, op.room_id.as_deref());
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

/// The metric ids of `ListRtcClientQosDetails` and their ranges.
const QOS_METRICS: &[(&str, f64, f64)] = &[
    ("appcpu", 1.0, 30.0),
    ("syscpu", 10.0, 60.0),
    ("abit", 24.0, 64.0),
    ("vbit", 300.0, 1800.0),
    ("aloss", 0.0, 0.05),
    ("vloss", 0.0, 0.05),
    ("rtt", 20.0, 200.0),
    ("jitter", 0.0, 30.0),
    ("fps", 15.0, 30.0),
];

fn qos_details(ctx: &mut Ctx<'_>, op: ops::ListRtcClientQosDetails) -> Result<Reply, Fail> {
    app(ctx.state, &op.app_id)?;
    let (start, end) = time_range(ctx, Some(&op.start_time), Some(&op.end_time), DAY)?;
    let wanted: Vec<&(&str, f64, f64)> = if op.mid.trim() == "all" {
        QOS_METRICS.iter().collect()
    } else {
        let mut list = Vec::new();
        for mid in op.mid.split(',').map(str::trim).filter(|m| !m.is_empty()) {
            let metric = QOS_METRICS
                .iter()
                .find(|(name, _, _)| name.eq_ignore_ascii_case(mid))
                .ok_or_else(|| Fail::invalid(format!("mid `{mid}` is not a known metric")))?;
            list.push(metric);
        }
        list
    };
    let seed = ctx.state.seed;
    let uid = op
        .user_id
        .clone()
        .unwrap_or_else(|| some_user(ctx.state, &op.app_id, Some(&op.room_id)));
    let peer = op.peer_id.clone().unwrap_or_else(|| "0".to_owned());
    let salt = hash_str(&op.app_id)
        ^ hash_str(&op.room_id).rotate_left(7)
        ^ hash_str(&uid).rotate_left(11);
    let series: Vec<model::QosQualityData> = wanted
        .into_iter()
        .map(|(mid, lo, hi)| model::QosQualityData {
            uid: Some(uid.clone()),
            peerid: Some(peer.clone()),
            mid: Some((*mid).to_owned()),
            data: float_series(seed, salt ^ hash_str(mid), start, end, *lo, *hi)
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
