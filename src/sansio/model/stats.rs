//! Statistical analysis (`/v1`): quality, scale, usage, rooms, users, events.

use super::{AbnormalStage, EventLocation, RoomState, UserState};

response_model! {
    /// Output of `ListRtcAbnormalEvent`.
    pub struct AbnormalEventDetail {
        fields {
            /// Room id.
            room_id: String,
            /// User id.
            uid: String,
            /// Experience id.
            exp_id: String,
        }
        lists {
            /// The abnormalities (the service may answer `null`: read as empty).
            abnormal_list: RtcCause,
        }
    }
}

response_model! {
    /// One abnormality (SDK model `RTCCause`).
    pub struct RtcCause {
        fields {
            /// Timestamp.
            ts: String,
            /// Event id.
            event_id: String,
            /// The peer's user id.
            peer_id: String,
        }
    }
}

response_model! {
    /// Output of `ListRtcEvent`.
    pub struct RtcEventDetail {
        fields {
            /// Time.
            ctime: String [optional utc],
            /// Event id.
            event_id: String,
            /// Event information.
            event_info: String,
        }
    }
}

response_model! {
    /// Output of `ListRtcAbnormalEventDimension`.
    pub struct AbnormalEventDimensions {
        fields {
        }
        lists {
            /// The distribution.
            dimensions: AbnormalEventDimensionValue,
        }
    }
}

response_model! {
    /// Users affected per abnormality type and factor.
    pub struct AbnormalEventDimensionValue {
        fields {
            /// Type: 1 slow join, 2 video freeze, 3 audio freeze.
            abnormal_type: i64 [always copy],
            /// Description of the type (localized).
            abnormal_type_desc: String [always text],
            /// Factor (see the API reference for the codes).
            abnormal_factor: i64 [always copy],
            /// Description of the factor (localized).
            abnormal_factor_desc: String [always text],
            /// Users affected.
            user_count: i64 [always copy],
        }
    }
}

response_model! {
    /// Output of `ListRtcAbnormalEvents`.
    pub struct AbnormalEvents {
        fields {
            /// Total number of events.
            total: i64,
        }
        lists {
            /// The events.
            events: AbnormalEvent,
        }
    }
}

response_model! {
    /// One abnormal experience event.
    pub struct AbnormalEvent {
        fields {
            /// Sample time, UTC, `YYYY-MM-DDThh:mm:ssZ`.
            time: String [always utc],
            /// The affected user.
            uid: String [always text],
            /// The room.
            room_id: String [always text],
            /// Stage of the call.
            stage: AbnormalStage [always value],
            /// Local or remote.
            location: EventLocation [always value],
            /// The remote user at fault, or empty when the cause is local.
            peer_uid: String [always text],
            /// Type: 1 slow join, 2 video freeze, 3 audio freeze.
            abnormal_type: i64 [always copy],
            /// Description of the type (localized).
            abnormal_type_desc: String [always text],
            /// Factor (see the API reference for the codes).
            abnormal_factor: i64 [always copy],
            /// Description of the factor (localized).
            abnormal_factor_desc: String [always text],
        }
    }
}

response_model! {
    /// Output of `ListRtcClientQosDetails`.
    pub struct ClientQosDetails {
        fields {
            /// Room id.
            room_id: String,
        }
        lists {
            /// QoS series.
            data: QosQualityData,
        }
    }
}

response_model! {
    /// One QoS metric series of a user.
    pub struct QosQualityData {
        fields {
            /// User id.
            uid: String [always text],
            /// Peer user id; `0` for this user's upstream.
            peerid: String,
            /// Metric id.
            mid: String [always text],
        }
        lists {
            /// Samples.
            data: TimeFloatValue,
        }
    }
}

response_model! {
    /// A sample with a fractional value (SDK models `TimeFloatValueData`, `TimeDoubleValueData`).
    pub struct TimeFloatValue {
        fields {
            /// Sample time, UTC, `YYYY-MM-DDThh:mm:ssZ`.
            time: String [always utc],
            /// Value.
            value: f64 [always copy],
        }
    }
}

response_model! {
    /// A sample with an integer value (SDK model `TimeValueData`).
    pub struct TimeIntValue {
        fields {
            /// Sample time, UTC, `YYYY-MM-DDThh:mm:ssZ`.
            time: String [always utc],
            /// Value.
            value: i64 [always copy],
        }
    }
}

response_model! {
    /// Output of `ListRtcHistoryQuality`.
    pub struct HistoryQuality {
        fields {
        }
        lists {
            /// One entry per day.
            quality: HistoryQualityValue,
        }
    }
}

response_model! {
    /// Quality of one day (SDK model `RtcHistoryQualityTimeValue`). Rates are
    /// fractions (1 is 100%).
    pub struct HistoryQualityValue {
        fields {
            /// Day, `YYYY-MM-DD`, UTC.
            date: String [always date],
            /// Join success rate.
            join_success_rate: f64,
            /// Rate of joins within 5 s.
            join_success_in5secs_rate: f64,
            /// Video freeze rate.
            video_freeze_rate: f64,
            /// Audio freeze rate.
            audio_freeze_rate: f64,
            /// Time to first video frame, ms.
            first_video_recv_time: i64,
            /// Time to first audio frame, ms.
            first_audio_recv_time: i64,
            /// Stream pull success rate.
            pull_stream_success_rate: f64,
            /// Stream push success rate.
            push_stream_success_rate: f64,
            /// Client video upstream excellent-transmission rate.
            video_upstream_excellent_trans_rate: f64,
            /// Client audio upstream excellent-transmission rate.
            audio_upstream_excellent_trans_rate: f64,
            /// End-to-end video excellent-transmission rate.
            video_excellent_trans_rate: f64,
            /// End-to-end audio excellent-transmission rate.
            audio_excellent_trans_rate: f64,
            /// End-to-end video delay, median, ms.
            video_trans_delay: f64,
            /// End-to-end audio delay, median, ms.
            audio_trans_delay: f64,
        }
    }
}

response_model! {
    /// Output of `ListRtcHistoryScale`.
    pub struct HistoryScale {
        fields {
        }
        lists {
            /// One entry per day.
            scale: HistoryScaleValue,
        }
    }
}

response_model! {
    /// Scale of one day (SDK model `RtcHistoryScaleTimeValue`).
    pub struct HistoryScaleValue {
        fields {
            /// Day, `YYYY-MM-DD`, UTC.
            date: String [always date],
            /// Distinct users.
            user_count: i64,
            /// Sessions.
            session_count: i64,
            /// Rooms.
            room_count: i64,
            /// Peak concurrent users.
            max_online_user_count: i64,
            /// Peak concurrent rooms.
            max_online_room_count: i64,
            /// Total call time, s.
            communication_duration: i64,
            /// Video call time, s.
            video_communication_duration: i64,
            /// Audio call time, s.
            audio_communication_duration: i64,
        }
    }
}

response_model! {
    /// Output of `ListRtcHistoryUsage`.
    pub struct HistoryUsage {
        fields {
        }
        lists {
            /// One entry per day.
            usage: HistoryUsageValue,
        }
    }
}

response_model! {
    /// Usage of one day (SDK model `RtcHistoryUsage`), seconds.
    pub struct HistoryUsageValue {
        fields {
            /// Day, `YYYY-MM-DD`, UTC.
            date: String [always date],
            /// SD video.
            video_sd: i64,
            /// HD video.
            video_hd: i64,
            /// Full-HD-plus video.
            video_hdp: i64,
            /// Audio.
            audio: i64,
            /// Audio and video together.
            total_duration: i64,
        }
    }
}

response_model! {
    /// Output of `ListRtcRealtimeNetwork`.
    pub struct RealtimeNetwork {
        fields {
        }
        lists {
            /// Per-minute samples.
            network: TimeFloatValue,
        }
    }
}

response_model! {
    /// Output of `ListRtcRealtimeQuality`.
    pub struct RealtimeQuality {
        fields {
        }
        lists {
            /// Per-minute samples.
            quality: TimeFloatValue,
        }
    }
}

response_model! {
    /// Output of `ListRtcRealtimeScale`.
    pub struct RealtimeScale {
        fields {
        }
        lists {
            /// Per-minute samples.
            scale: TimeIntValue,
        }
    }
}

response_model! {
    /// Output of `ListRtcRealtimeScaleDimension`.
    pub struct RealtimeScaleDimensions {
        fields {
        }
        lists {
            /// Online users per dimension value.
            dimensions: RealtimeScaleDimensionValue,
        }
    }
}

response_model! {
    /// Online users for one dimension value.
    pub struct RealtimeScaleDimensionValue {
        fields {
            /// The dimension value, for example `GD` for the region dimension.
            dimension: String [always text],
            /// Users online.
            online_users: i64 [always copy],
        }
    }
}

response_model! {
    /// Output of `ListRtcRoomList`.
    pub struct RoomList {
        fields {
            /// Total number of rooms.
            total: i64,
            /// Page size.
            limit: i64,
            /// Page offset.
            offset: i64,
        }
        lists {
            /// The rooms.
            room_info_list: RtcRoomInfo,
        }
    }
}

response_model! {
    /// A room (SDK model `RtcServerRoomInfo`).
    pub struct RtcRoomInfo {
        fields {
            /// Domain.
            domain: String,
            /// Application id.
            app: String,
            /// Room id.
            room_id: String [always text],
            /// State.
            state: RoomState [always value],
            /// Duration.
            duration: i64,
            /// When the first user joined, UTC.
            start_time: String [always utc],
            /// When the room closed, UTC, or `-` while open.
            end_time: String [optional utc],
        }
    }
}

response_model! {
    /// Output of `ListRtcUserList`.
    pub struct UserList {
        fields {
            /// Total number of users.
            total: i64,
            /// Page size.
            limit: i64,
            /// Page offset.
            offset: i64,
        }
        lists {
            /// The users.
            users: RtcUser,
        }
    }
}

response_model! {
    /// A user or session (SDK model `RtcUser`).
    pub struct RtcUser {
        fields {
            /// Domain.
            domain: String,
            /// Application id.
            app: String,
            /// Room id.
            room_id: String [always text],
            /// User id.
            uid: String [always text],
            /// Session id.
            session: String,
            /// State.
            state: UserState [always value],
            /// Nickname.
            nick_name: String,
            /// Client IP.
            ip: String,
            /// Province of the client IP.
            region: String,
            /// Carrier of the client IP.
            isp: String,
            /// Device model.
            device_model: String,
            /// Device platform.
            platform: String,
            /// SDK version.
            sdk: String,
            /// Join time, UTC.
            join_time: String [always utc],
            /// Leave time, UTC, or `-` while in the room.
            leave_time: String [optional utc],
        }
    }
}
