//! The statistical-analysis operations (`/v1`), by kind: realtime,
//! history, rooms and users, events and client details. What the world
//! knows (rooms, users, their times) is answered as it is; what it cannot
//! know (quality, network, client metrics) is drawn from the seed, the
//! application and the time range, the same every time.

mod events;
mod history;
mod realtime;
mod rooms;

use std::time::{Duration, SystemTime};

use crate::model;

use super::super::util::{
    at_secs, epoch_secs, fraction, iso_secs, mix, parse_day, parse_time, Fail,
};
use super::super::world::{RoomRec, UserRec, World};
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

// ------------------------------------------------- rooms and users known

pub(super) fn rooms_of<'w>(world: &'w World, app_id: &str) -> Vec<&'w RoomRec> {
    let mut rooms: Vec<&RoomRec> = world.rooms.iter().filter(|r| r.app_id == app_id).collect();
    rooms.sort_by_key(|r| (r.started, r.seq));
    rooms
}

pub(super) fn overlaps(
    from: SystemTime,
    to: Option<SystemTime>,
    start: SystemTime,
    end: SystemTime,
) -> bool {
    from <= end && to.is_none_or(|t| t >= start)
}

/// (users online, rooms open) at `t` in the application's known rooms.
pub(super) fn known_scale(
    world: &World,
    app_id: &str,
    room: Option<&str>,
    t: SystemTime,
) -> (i64, i64) {
    let mut users = 0;
    let mut rooms = 0;
    for r in rooms_of(world, app_id) {
        if room.is_some_and(|want| want != r.room_id) {
            continue;
        }
        if r.started <= t && r.closed.is_none_or(|c| c > t) {
            rooms += 1;
        }
        users += r.users.values().filter(|u| u.online_at(t)).count() as i64;
    }
    (users, rooms)
}

pub(super) fn float_series(
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

/// A user of the room the statistics are about: the first one known, or a
/// made-up one.
pub(super) fn some_user(world: &World, app_id: &str, room: Option<&str>) -> String {
    rooms_of(world, app_id)
        .into_iter()
        .filter(|r| room.is_none_or(|want| want == r.room_id))
        .flat_map(|r| {
            let mut users: Vec<(&String, &UserRec)> = r.users.iter().collect();
            users.sort_by_key(|(_, u)| u.seq);
            users.into_iter().map(|(uid, _)| uid.clone())
        })
        .next()
        .unwrap_or_else(|| "user001".to_owned())
}
