//! History statistics: quality, scale and usage, one value a day.

use crate::model::{HistoryQualityMetric, HistoryScaleMetric};
use http::StatusCode;

use crate::model;
use crate::ops;

use super::super::super::util::*;
use super::super::common::{app, json, Ctx, Reply};
use super::*;

pub(in super::super) fn history_quality(
    ctx: &mut Ctx<'_>,
    op: ops::ListRtcHistoryQuality,
) -> Result<Reply, Fail> {
    app(ctx.world, &op.app)?;
    let days = days(ctx, op.start_date.as_deref(), op.end_date.as_deref())?;
    let seed = ctx.world.seed;
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

pub(in super::super) fn history_scale(
    ctx: &mut Ctx<'_>,
    op: ops::ListRtcHistoryScale,
) -> Result<Reply, Fail> {
    app(ctx.world, &op.app)?;
    let days = days(ctx, op.start_date.as_deref(), op.end_date.as_deref())?;
    let seed = ctx.world.seed;
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

pub(in super::super) fn history_usage(
    ctx: &mut Ctx<'_>,
    op: ops::ListRtcHistoryUsage,
) -> Result<Reply, Fail> {
    app(ctx.world, &op.app)?;
    let days = days(ctx, Some(&op.start_date), Some(&op.end_date))?;
    let seed = ctx.world.seed;
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
