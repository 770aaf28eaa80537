//! The statistical-analysis operations (`/v1`), by kind: realtime,
//! history, rooms and users, events and client details.
//!
//! What the world knows is answered as it is: which rooms were in use and
//! when, who was in them and when, what recording and mixing jobs ran.
//! Counts, peaks and durations come from that alone: a room nobody joined
//! has no users, and a room is running only while someone is in it. What
//! the world cannot know (quality and network rates, client metrics,
//! abnormal events, a user's region, device and whether they send video) is
//! drawn from the seed and the ids, the same every time, and given only for
//! times when someone was there.

mod events;
mod history;
mod realtime;
mod rooms;

use std::time::{Duration, SystemTime};

use crate::model;

use super::super::util::{
    at_secs, epoch_secs, fraction, hash_str, iso_secs, mix, parse_day, parse_time, Fail,
};
use super::super::world::{Period, RoomRec, SessionRec, World};
use super::common::Ctx;

pub(super) use events::{
    abnormal_dimensions, abnormal_events, client_abnormal_event, client_event, qos_details,
};
pub(super) use history::{history_quality, history_scale, history_usage};
pub(super) use realtime::{realtime_network, realtime_quality, realtime_scale, scale_dimension};
pub(super) use rooms::{room_list, user_list};

const MINUTE: u64 = 60;
const HOUR: Duration = Duration::from_secs(3600);
const DAY: Duration = Duration::from_secs(86_400);

fn describe(span: Duration) -> String {
    match span.as_secs() {
        s if s.is_multiple_of(86_400) => format!("{} day(s)", s / 86_400),
        s => format!("{} hour(s)", s / 3600),
    }
}

/// The `[start, end)` range asked for: the defaults are one hour ago and
/// now; the span must be within `max`.
pub(super) fn time_range(
    ctx: &Ctx<'_>,
    start: Option<&str>,
    end: Option<&str>,
    max: Duration,
) -> Result<(SystemTime, SystemTime), Fail> {
    let end = match end {
        Some(e) => parse_time("end_time", e)?,
        None => ctx.now,
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
pub(super) fn minutes(start: SystemTime, end: SystemTime) -> impl Iterator<Item = u64> {
    let first = epoch_secs(start) / MINUTE * MINUTE;
    let end = epoch_secs(end);
    (0..1440u64)
        .map(move |i| first + i * MINUTE)
        .take_while(move |&t| t < end)
}

/// The days asked for (at most 31, today and later left out: the day is not
/// over). The default is yesterday.
pub(super) fn days(
    ctx: &Ctx<'_>,
    start: Option<&str>,
    end: Option<&str>,
) -> Result<Vec<SystemTime>, Fail> {
    let today = epoch_secs(ctx.now) / 86_400 * 86_400;
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

pub(super) fn page<T: Clone>(
    items: &[T],
    offset: Option<u32>,
    limit: Option<u32>,
) -> (Vec<T>, i64, i64) {
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

// ------------------------------------------------------ what the world knows

/// The application's rooms (one of them, with `room`), in the order they
/// were first used.
pub(super) fn rooms_of<'w>(world: &'w World, app_id: &str, room: Option<&str>) -> Vec<&'w RoomRec> {
    let mut rooms: Vec<&RoomRec> = world
        .rooms
        .iter()
        .filter(|r| r.app_id == app_id && room.is_none_or(|want| want == r.room_id))
        .collect();
    rooms.sort_by_key(|r| r.seq);
    rooms
}

/// A user's stay in a room.
#[derive(Clone, Copy)]
pub(super) struct Stay<'w> {
    pub(super) room: &'w RoomRec,
    pub(super) session: &'w SessionRec,
}

impl Stay<'_> {
    pub(super) fn period(&self) -> Period {
        self.session.period()
    }

    pub(super) fn user(&self) -> &str {
        &self.session.user_id
    }
}

/// Every stay in the application's rooms (one room with `room`), by the
/// time it began.
pub(super) fn stays<'w>(world: &'w World, app_id: &str, room: Option<&str>) -> Vec<Stay<'w>> {
    let mut out: Vec<Stay<'w>> = rooms_of(world, app_id, room)
        .into_iter()
        .flat_map(|r| {
            r.sessions.iter().map(move |s| Stay {
                room: r,
                session: s,
            })
        })
        .collect();
    out.sort_by_key(|s| (s.session.joined, s.session.seq));
    out
}

/// The stays that overlap `[from, to)`.
pub(super) fn stays_in<'w>(
    world: &'w World,
    app_id: &str,
    room: Option<&str>,
    from: SystemTime,
    to: SystemTime,
) -> Vec<Stay<'w>> {
    stays(world, app_id, room)
        .into_iter()
        .filter(|s| s.period().overlaps(from, to))
        .collect()
}

/// (users online, rooms in use) at `t`.
pub(super) fn scale_at(
    world: &World,
    app_id: &str,
    room: Option<&str>,
    t: SystemTime,
) -> (i64, i64) {
    let rooms = rooms_of(world, app_id, room);
    let users = rooms.iter().map(|r| r.online_at(t)).sum::<usize>();
    let open = rooms
        .iter()
        .filter(|r| r.periods.iter().any(|p| p.covers(t)))
        .count();
    (users as i64, open as i64)
}

/// The most of `periods` that overlap at one moment within `[from, to)`.
pub(super) fn peak(periods: &[Period], from: SystemTime, to: SystemTime) -> i64 {
    let mut moments: Vec<SystemTime> = periods
        .iter()
        .map(|p| p.start.max(from))
        .filter(|t| *t < to)
        .collect();
    moments.sort();
    moments
        .iter()
        .map(|t| periods.iter().filter(|p| p.covers(*t)).count())
        .max()
        .unwrap_or(0) as i64
}

/// What the simulator makes up about a user, the same for a seed and a
/// user id: where they are, on what, and what they send.
pub(super) struct Profile {
    pub(super) ip: String,
    pub(super) region: &'static str,
    pub(super) isp: &'static str,
    pub(super) device: &'static str,
    pub(super) platform: &'static str,
    pub(super) sdk: &'static str,
    pub(super) access_net: &'static str,
    /// What the user sends: `audio`, or video in `sd`, `hd`, `hdp`.
    pub(super) media: &'static str,
}

pub(super) fn profile(seed: u64, uid: &str) -> Profile {
    let h = mix(seed, &[hash_str(uid), 7]);
    let pick =
        |list: &[&'static str], shift: u32| list[((h >> shift) % list.len() as u64) as usize];
    Profile {
        ip: format!(
            "10.{}.{}.{}",
            (h >> 8) & 0xff,
            (h >> 16) & 0xff,
            1 + (h >> 24) % 254
        ),
        region: pick(&["GD", "BJ", "SH", "ZJ", "JS", "SC"], 32),
        isp: pick(&["CTCC", "CMCC", "CUCC"], 36),
        device: pick(&["iphone", "HUAWEI P40", "MacBookPro16,1", "PC"], 40),
        platform: pick(&["ios", "android", "web-Mac10_15_7", "windows"], 44),
        sdk: pick(&["2.0.9", "2.0.8", "1.4.0"], 48),
        access_net: pick(&["wifi", "5g", "4g", "ethernet"], 52),
        media: pick(&["audio", "sd", "hd", "hdp"], 56),
    }
}

/// A value drawn for each minute of `[start, end)` in which `online` says
/// someone was there.
pub(super) fn float_series(
    seed: u64,
    salt: u64,
    start: SystemTime,
    end: SystemTime,
    (lo, hi): (f64, f64),
    online: impl Fn(SystemTime, SystemTime) -> bool,
) -> Vec<model::TimeFloatValue> {
    minutes(start, end)
        .filter(|t| online(at_secs(*t), at_secs(*t + MINUTE)))
        .map(|t| model::TimeFloatValue {
            time: Some(iso_secs(at_secs(t))),
            value: Some(fraction(mix(seed, &[salt, t]), lo, hi)),
            ..Default::default()
        })
        .collect()
}
