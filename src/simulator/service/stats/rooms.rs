//! Rooms and users as the statistics see them: every period a room was in
//! use and every stay of a user, from the world, with what is drawn about
//! each user (where they are, on what).

use std::time::Duration;

use http::StatusCode;

use crate::model::{self, RoomState, UserListMode, UserState};
use crate::ops;

use super::super::super::util::{iso_secs, Fail};
use super::super::common::{app, json, Ctx, Reply};
use super::{page, profile, rooms_of, stays_in, time_range, Stay, DAY};

/// One entry per period a room was in use that overlaps the range: running
/// while someone is in it, closed with its end time once the last one left.
pub(in super::super) fn room_list(
    ctx: &mut Ctx<'_>,
    op: ops::ListRtcRoomList,
) -> Result<Reply, Fail> {
    app(ctx.world, &op.app)?;
    let (start, end) = time_range(
        ctx,
        op.start_time.as_deref(),
        op.end_time.as_deref(),
        DAY * 90,
    )?;
    let now = ctx.now;
    // The range's last second included: a room opened just now is listed.
    let end = end + Duration::from_secs(1);
    let mut rooms: Vec<model::RtcRoomInfo> = Vec::new();
    for r in rooms_of(ctx.world, &op.app, op.room_id.as_deref()) {
        for p in r.periods.iter().filter(|p| p.overlaps(start, end)) {
            let state = if p.end.is_some() {
                RoomState::Closed
            } else {
                RoomState::Running
            };
            if op.state.as_ref().is_some_and(|s| *s != state) {
                continue;
            }
            let until = p.end.unwrap_or(now);
            rooms.push(model::RtcRoomInfo {
                domain: Some(format!("{}.sparkrtc.myhuaweicloud.com", op.app)),
                app: Some(op.app.clone()),
                room_id: Some(r.room_id.clone()),
                state: Some(state),
                duration: Some(until.duration_since(p.start).map_or(0, |d| d.as_secs()) as i64),
                start_time: Some(iso_secs(p.start)),
                end_time: Some(p.end.map_or_else(|| "-".to_owned(), iso_secs)),
                ..Default::default()
            });
        }
    }
    rooms.sort_by(|a, b| a.start_time.cmp(&b.start_time));
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

/// The users in the range: one row per user and room (`summary`, the
/// default, their last stay), or per stay (`detail`).
pub(in super::super) fn user_list(
    ctx: &mut Ctx<'_>,
    op: ops::ListRtcUserList,
) -> Result<Reply, Fail> {
    app(ctx.world, &op.app)?;
    let (start, end) = time_range(
        ctx,
        op.start_time.as_deref(),
        op.end_time.as_deref(),
        DAY * 90,
    )?;
    let seed = ctx.world.seed;
    let end = end + Duration::from_secs(1);
    let detail = op.mode.as_ref() == Some(&UserListMode::Detail);
    let mut chosen: Vec<Stay<'_>> = Vec::new();
    for stay in stays_in(ctx.world, &op.app, op.room_id.as_deref(), start, end) {
        if !detail {
            // The last stay of each user in each room.
            chosen.retain(|s| !(s.room.room_id == stay.room.room_id && s.user() == stay.user()));
        }
        chosen.push(stay);
    }
    chosen.sort_by_key(|s| (s.room.seq, s.session.joined, s.session.seq));
    let mut users = Vec::new();
    for stay in chosen {
        let uid = stay.user();
        let state = if stay.session.left.is_none() {
            UserState::Online
        } else {
            UserState::Offline
        };
        let p = profile(seed, uid);
        let keep = op.uid.as_deref().is_none_or(|w| w == uid)
            && op.nickname.as_deref().is_none_or(|w| w == uid)
            && op
                .region
                .as_ref()
                .is_none_or(|l| l.iter().any(|v| v == p.region))
            && op.isp.as_ref().is_none_or(|l| l.iter().any(|v| v == p.isp))
            && op.state.as_ref().is_none_or(|l| l.contains(&state));
        if !keep {
            continue;
        }
        users.push(model::RtcUser {
            domain: Some(format!("{}.sparkrtc.myhuaweicloud.com", op.app)),
            app: Some(op.app.clone()),
            room_id: Some(stay.room.room_id.clone()),
            uid: Some(uid.to_owned()),
            session: Some(stay.session.session.clone()),
            state: Some(state),
            nick_name: Some(uid.to_owned()),
            ip: Some(p.ip),
            region: Some(p.region.into()),
            isp: Some(p.isp.into()),
            device_model: Some(p.device.into()),
            platform: Some(p.platform.into()),
            sdk: Some(p.sdk.into()),
            join_time: Some(iso_secs(stay.session.joined)),
            leave_time: Some(stay.session.left.map_or_else(|| "-".to_owned(), iso_secs)),
            ..Default::default()
        });
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
