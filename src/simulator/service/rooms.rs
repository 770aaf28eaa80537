//! Rooms: who is in them. End users join through the client SDKs, which the
//! simulator stands in for with its control plane
//! ([`Simulator::join`](crate::simulator::Simulator::join)); the API removes
//! users and dismisses rooms.

use std::time::SystemTime;

use http::StatusCode;

use crate::ops;

use crate::model::AutoRecordMode;

use super::super::config::SimulatorConfig;
use super::super::util::Fail;
use super::super::world::World;
use super::common::{active_app, app, cap_reached, empty, Ctx, Reply};
use super::jobs;

/// A room the application has used (it may be empty now), or 404
/// `RTC.00001003` as the reference answers for an unknown room.
fn known_room(world: &World, app_id: &str, room_id: &str) -> Result<(), Fail> {
    app(world, app_id)?;
    match world.room(app_id, room_id) {
        Some(_) => Ok(()),
        None => Err(Fail::not_found("room_id", room_id)),
    }
}

/// Everyone leaves; 202.
pub(super) fn remove_room(ctx: &mut Ctx<'_>, op: ops::RemoveRoom) -> Result<Reply, Fail> {
    known_room(ctx.world, &op.app_id, &op.room_id)?;
    ctx.world.leave(&op.app_id, &op.room_id, None, ctx.now);
    empty(StatusCode::ACCEPTED)
}

/// The users named leave (those not in the room are ignored); 202.
pub(super) fn remove_users(ctx: &mut Ctx<'_>, op: ops::RemoveUsers) -> Result<Reply, Fail> {
    known_room(ctx.world, &op.app_id, &op.room_id)?;
    ctx.world
        .leave(&op.app_id, &op.room_id, Some(&op.body.user_ids), ctx.now);
    empty(StatusCode::ACCEPTED)
}

/// Users join a room. A disabled application takes no new rooms (rooms in
/// use go on). With automatic recording on, each user who joins starts a
/// single-stream job recording them.
pub(crate) fn join(
    world: &mut World,
    config: &SimulatorConfig,
    app_id: &str,
    room_id: &str,
    users: &[String],
    now: SystemTime,
) -> Result<(), Fail> {
    let limits = &config.limits;
    let open = world.room(app_id, room_id).is_some_and(|r| r.is_open());
    if !open {
        active_app(world, app_id)?;
    } else {
        app(world, app_id)?;
    }
    if room_id.is_empty() || users.iter().any(String::is_empty) {
        return Err(Fail::invalid("room_id and user ids must not be empty"));
    }
    if world.room(app_id, room_id).is_none() {
        while world.rooms.len() >= limits.max_rooms {
            let oldest_closed = world
                .rooms
                .iter()
                .enumerate()
                .filter(|(_, r)| !r.is_open())
                .min_by_key(|(_, r)| r.seq)
                .map(|(i, _)| i);
            match oldest_closed {
                Some(i) => {
                    world.rooms.remove(i);
                }
                None => return Err(cap_reached("rooms with someone in them", limits.max_rooms)),
            }
        }
    }
    let mut arriving: Vec<String> = Vec::new();
    for user in users {
        let present = world.room(app_id, room_id).is_some_and(|r| r.has(user));
        if !present && !arriving.contains(user) {
            arriving.push(user.clone());
        }
    }
    let present = world
        .room(app_id, room_id)
        .map_or(0, |r| r.present().count());
    if present + arriving.len() > limits.max_users_per_room {
        return Err(cap_reached("users in one room", limits.max_users_per_room));
    }
    world.join(
        app_id,
        room_id,
        &arriving,
        now,
        limits.max_sessions_per_room,
    );
    let auto = world.app(app_id).and_then(|a| {
        (a.is_active() && a.auto_record.mode == AutoRecordMode::Individual)
            .then(|| a.auto_record.record_rule_id.clone())
            .flatten()
    });
    if let Some(rule_id) = auto {
        let mut ctx = Ctx { world, config, now };
        for user in arriving {
            jobs::auto_record(&mut ctx, app_id, room_id, &user, &rule_id)?;
        }
    }
    Ok(())
}

/// Users leave a room (all of them when `users` is `None`); how many left.
pub(crate) fn leave(
    world: &mut World,
    app_id: &str,
    room_id: &str,
    users: Option<&[String]>,
    now: SystemTime,
) -> Result<usize, Fail> {
    app(world, app_id)?;
    Ok(world.leave(app_id, room_id, users, now))
}
