//! Rooms and users as the statistics see them: every room and user the
//! world knows, with their times.

use crate::model::{RoomState, UserListMode, UserState};
use http::StatusCode;

use crate::model;
use crate::ops;

use super::super::super::util::*;
use super::super::common::{app, json, Ctx, Reply};
use super::*;

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
    let rooms: Vec<model::RtcRoomInfo> = rooms_of(ctx.world, &op.app)
        .into_iter()
        .filter(|r| {
            op.room_id.as_deref().is_none_or(|want| want == r.room_id)
                && overlaps(r.started, r.closed, start, end)
        })
        .map(|r| {
            let state = if r.closed.is_some() {
                RoomState::Closed
            } else {
                RoomState::Running
            };
            let until = r.closed.unwrap_or(now);
            model::RtcRoomInfo {
                domain: Some(format!("{}.sparkrtc.myhuaweicloud.com", op.app)),
                app: Some(op.app.clone()),
                room_id: Some(r.room_id.clone()),
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
    let _summary = op.mode.as_ref().is_none_or(|m| *m == UserListMode::Summary);
    let mut users = Vec::new();
    for r in rooms_of(ctx.world, &op.app) {
        let room_id = &r.room_id;
        if op.room_id.as_deref().is_some_and(|want| want != room_id) {
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
