//! History statistics, one value a day: quality (drawn, for days someone
//! was there), scale and usage (from the world).

use http::StatusCode;

use crate::model::{self, HistoryQualityMetric, HistoryScaleMetric, UsageMetric};
use crate::ops;

use super::super::super::util::{day, epoch_secs, fraction, hash_str, mix, range, round4, Fail};
use super::super::super::world::{JobKind, Period};
use super::super::common::{app, json, Ctx, Reply};
use super::{days, peak, profile, rooms_of, stays, Stay, DAY};

pub(in super::super) fn history_quality(
    ctx: &mut Ctx<'_>,
    op: ops::ListRtcHistoryQuality,
) -> Result<Reply, Fail> {
    app(ctx.world, &op.app)?;
    let days = days(ctx, op.start_date.as_deref(), op.end_date.as_deref())?;
    let seed = ctx.world.seed;
    let a = hash_str(&op.app);
    let all = stays(ctx.world, &op.app, None);
    let out = model::HistoryQuality {
        quality: days
            .into_iter()
            .filter(|d| all.iter().any(|s| s.period().overlaps(*d, *d + DAY)))
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

/// Each day, from the world: users (a user in two rooms counts twice),
/// joins, rooms in use (from the first join to the last leave), the peaks,
/// and the seconds spent in rooms, split into video and audio by what each
/// user sends.
pub(in super::super) fn history_scale(
    ctx: &mut Ctx<'_>,
    op: ops::ListRtcHistoryScale,
) -> Result<Reply, Fail> {
    app(ctx.world, &op.app)?;
    let days = days(ctx, op.start_date.as_deref(), op.end_date.as_deref())?;
    let seed = ctx.world.seed;
    let now = ctx.now;
    let all = stays(ctx.world, &op.app, None);
    let rooms = rooms_of(ctx.world, &op.app, None);
    let out = model::HistoryScale {
        scale: days
            .into_iter()
            .map(|d| {
                let (from, to) = (d, d + DAY);
                let today: Vec<&Stay<'_>> = all
                    .iter()
                    .filter(|s| s.period().overlaps(from, to))
                    .collect();
                let mut users: Vec<(&str, &str)> = today
                    .iter()
                    .map(|s| (s.room.room_id.as_str(), s.user()))
                    .collect();
                users.sort_unstable();
                users.dedup();
                let sessions = today
                    .iter()
                    .filter(|s| s.session.joined >= from && s.session.joined < to)
                    .count();
                let periods: Vec<Period> = rooms
                    .iter()
                    .flat_map(|r| r.periods.iter().copied())
                    .filter(|p| p.overlaps(from, to))
                    .collect();
                let stay_periods: Vec<Period> = today.iter().map(|s| s.period()).collect();
                let seconds = |video: Option<bool>| -> i64 {
                    today
                        .iter()
                        .filter(|s| {
                            video.is_none_or(|v| (profile(seed, s.user()).media != "audio") == v)
                        })
                        .map(|s| s.period().within(from, to, now).as_secs() as i64)
                        .sum()
                };
                let mut v = model::HistoryScaleValue {
                    date: Some(day(d)),
                    ..Default::default()
                };
                for metric in &op.metric {
                    use HistoryScaleMetric as M;
                    match metric {
                        M::UserCount => v.user_count = Some(users.len() as i64),
                        M::SessionCount => v.session_count = Some(sessions as i64),
                        M::RoomCount => v.room_count = Some(periods.len() as i64),
                        M::MaxOnlineUserCount => {
                            v.max_online_user_count = Some(peak(&stay_periods, from, to))
                        }
                        M::MaxOnlineRoomCount => {
                            v.max_online_room_count = Some(peak(&periods, from, to))
                        }
                        M::CommunicationDuration => v.communication_duration = Some(seconds(None)),
                        M::VideoCommunicationDuration => {
                            v.video_communication_duration = Some(seconds(Some(true)))
                        }
                        M::AudioCommunicationDuration => {
                            v.audio_communication_duration = Some(seconds(Some(false)))
                        }
                        _ => {}
                    }
                }
                v
            })
            .collect(),
        ..Default::default()
    };
    json(StatusCode::OK, &out)
}

/// The resolution tier of a recorded or mixed video: `audio`, `sd` (up to
/// 640x360), `hd` (up to 1280x720), `hdp` (larger).
fn tier(size: Option<(i64, i64)>) -> &'static str {
    match size {
        None => "audio",
        Some((w, h)) if w * h <= 640 * 360 => "sd",
        Some((w, h)) if w * h <= 1280 * 720 => "hd",
        Some(_) => "hdp",
    }
}

/// Each day, in seconds by tier, from the world: time users spent in rooms
/// (`CommunicationDuration`, by what each user sends), time mixed-stream
/// jobs ran (`TranscodeDuration`), time recorded into files
/// (`RecordDuration`).
pub(in super::super) fn history_usage(
    ctx: &mut Ctx<'_>,
    op: ops::ListRtcHistoryUsage,
) -> Result<Reply, Fail> {
    app(ctx.world, &op.app)?;
    let days = days(ctx, Some(&op.start_date), Some(&op.end_date))?;
    let seed = ctx.world.seed;
    let now = ctx.now;
    // (tier, when) of everything that counts for the metric.
    let mut spans: Vec<(&'static str, Period)> = Vec::new();
    match op.metric {
        UsageMetric::TranscodeDuration => {
            for j in ctx.world.jobs.iter().filter(|j| j.app_id == op.app) {
                if let (JobKind::Mix(_), Some(start)) = (&j.kind, j.started) {
                    let end = j.stopped.as_ref().map(|s| s.at);
                    spans.push((tier(j.video_size()), Period { start, end }));
                }
            }
        }
        UsageMetric::RecordDuration => {
            for j in ctx.world.jobs.iter().filter(|j| j.app_id == op.app) {
                for f in &j.files {
                    let when = Period {
                        start: f.started,
                        end: f.completed,
                    };
                    spans.push((tier(j.video_size()), when));
                }
            }
        }
        _ => {
            for stay in stays(ctx.world, &op.app, None) {
                spans.push((profile(seed, stay.user()).media, stay.period()));
            }
        }
    }
    let out = model::HistoryUsage {
        usage: days
            .into_iter()
            .map(|d| {
                let (from, to) = (d, d + DAY);
                let secs = |t: &str| -> i64 {
                    spans
                        .iter()
                        .filter(|(tier, _)| *tier == t)
                        .map(|(_, p)| p.within(from, to, now).as_secs() as i64)
                        .sum()
                };
                let (sd, hd, hdp, audio) = (secs("sd"), secs("hd"), secs("hdp"), secs("audio"));
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
