//! Typed cases: statistical analysis.

use sparkrtc::model::*;
use sparkrtc::ops::*;
use sparkrtc::{Endpoint, OperationId};

use super::fixture::Response;
use super::typed::*;

/// The typed case of `id`, if it is a statistics operation.
pub fn case(id: OperationId, ep: &Endpoint, r: &Response) -> Option<Typed> {
    use OperationId as Id;
    Some(match id {
        Id::ListRtcAbnormalEvent => typed(
            ListRtcAbnormalEvent::new(APP2, T6, T7).room_id("room001"),
            ep,
            r,
            |out| {
                assert_eq!(out.uid.as_deref(), Some("user001"));
                assert_eq!(out.abnormal_list.len(), 2);
                assert_eq!(out.abnormal_list[1].event_id.as_deref(), Some("2002"));
            },
        ),
        Id::ListRtcEvent => typed(
            ListRtcEvent::new(APP2, "2021-04-23T09:00:00Z", "2021-04-23T10:00:00Z")
                .room_id("room001"),
            ep,
            r,
            |out| {
                assert_eq!(
                    out.event_id.as_deref(),
                    Some("1001"),
                    "a number, read as a string"
                );
                assert_eq!(out.event_info.as_deref(), Some("xxx"));
            },
        ),
        Id::ListRtcAbnormalEventDimension => typed(
            ListRtcAbnormalEventDimension::new(APP2)
                .room_id("3b48d9db05cc11ecb1e78fe304a40b8f")
                .dimension("abnormal_type,abnormal_factor")
                .start_time("2021-08-25T17:00:00Z")
                .end_time("2021-08-25T18:00:00Z"),
            ep,
            r,
            |out| {
                assert_eq!(out.dimensions.len(), 2);
                assert_eq!(out.dimensions[0].abnormal_type, Some(3));
                assert_eq!(out.dimensions[0].user_count, Some(5));
            },
        ),
        Id::ListRtcAbnormalEvents => typed(
            ListRtcAbnormalEvents::new(APP2)
                .room_id("3b48d9db05cc11ecb1e78fe304a40b8f")
                .uid("3d00ea7405cc11eca3b919d9aaa81457")
                .start_time("2021-08-25T17:00:00Z")
                .end_time("2021-08-25T18:00:00Z")
                .limit(10u32)
                .offset(0u32),
            ep,
            r,
            |out| {
                assert_eq!(out.total, Some(2));
                assert_eq!(out.events[0].stage, Some(AbnormalStage::Communication));
                assert_eq!(out.events[0].location, Some(EventLocation::Remote));
                assert_eq!(
                    out.events[1].abnormal_factor_desc.as_deref(),
                    Some("下行视频丢包")
                );
            },
        ),
        Id::ListRtcClientQosDetails => typed(
            ListRtcClientQosDetails::new(APP2, "room001", "vbit,aloss", T6, T7)
                .user_id("user001")
                .time_type("stime")
                .limit(100u32)
                .offset(0u32),
            ep,
            r,
            |out| {
                assert_eq!(out.data.len(), 2);
                assert_eq!(out.data[0].mid.as_deref(), Some("vbit"));
                assert_eq!(out.data[0].data[1].value, Some(1187.0));
            },
        ),
        Id::ListRtcHistoryQuality => typed(
            ListRtcHistoryQuality::new(
                APP2,
                vec![
                    HistoryQualityMetric::JoinSuccessRate,
                    HistoryQualityMetric::VideoFreezeRate,
                    HistoryQualityMetric::FirstVideoRecvTime,
                    HistoryQualityMetric::AudioTransDelay,
                ],
            )
            .start_date("2020-06-03")
            .end_date("2020-06-04"),
            ep,
            r,
            |out| {
                assert_eq!(out.quality.len(), 2);
                assert_eq!(out.quality[1].join_success_rate, Some(1.0));
                assert_eq!(out.quality[1].first_video_recv_time, Some(548));
            },
        ),
        Id::ListRtcHistoryScale => typed(
            ListRtcHistoryScale::new(
                APP2,
                vec![
                    HistoryScaleMetric::UserCount,
                    HistoryScaleMetric::SessionCount,
                    HistoryScaleMetric::RoomCount,
                    HistoryScaleMetric::MaxOnlineUserCount,
                    HistoryScaleMetric::MaxOnlineRoomCount,
                    HistoryScaleMetric::CommunicationDuration,
                    HistoryScaleMetric::VideoCommunicationDuration,
                    HistoryScaleMetric::AudioCommunicationDuration,
                ],
            )
            .start_date("2020-06-04")
            .end_date("2020-06-04"),
            ep,
            r,
            |out| {
                assert_eq!(out.scale.len(), 1);
                assert_eq!(out.scale[0].room_count, Some(3));
                assert_eq!(out.scale[0].video_communication_duration, Some(234));
            },
        ),
        Id::ListRtcHistoryUsage => typed(
            ListRtcHistoryUsage::new(
                APP2,
                UsageMetric::CommunicationDuration,
                "2020-06-04",
                "2020-06-04",
            )
            .project_id("5f0d3c2b1a4e4f6a8b9c0d1e2f3a4b5c"),
            ep,
            r,
            |out| {
                assert_eq!(out.usage[0].date.as_deref(), Some("2020-06-04"));
                assert_eq!(out.usage[0].total_duration, Some(4));
            },
        ),
        Id::ListRtcRealtimeNetwork => typed(
            ListRtcRealtimeNetwork::new(
                APP2,
                NetworkMetric::VideoExcellentTransRate,
                SdkType::Native,
            )
            .room_id("room001")
            .start_time(T6)
            .end_time("2020-04-23T06:03:00Z"),
            ep,
            r,
            |out| {
                assert_eq!(out.network.len(), 3);
                assert_eq!(out.network[1].value, Some(1.0));
            },
        ),
        Id::ListRtcRealtimeQuality => typed(
            ListRtcRealtimeQuality::new(
                APP2,
                RealtimeQualityMetric::JoinSuccessRate,
                SdkType::Webrtc,
            )
            .start_time(T6)
            .end_time("2020-04-23T06:02:00Z"),
            ep,
            r,
            |out| {
                assert_eq!(out.quality.len(), 2);
                assert_eq!(out.quality[0].value, Some(0.9952));
            },
        ),
        Id::ListRtcRealtimeScale => typed(
            ListRtcRealtimeScale::new(APP2, ScaleMetric::OnlineUsers)
                .room_id("room001")
                .start_time(T6)
                .end_time(T7),
            ep,
            r,
            |out| {
                assert_eq!(out.scale.len(), 2);
                assert_eq!(out.scale[0].value, Some(120));
            },
        ),
        Id::ListRtcRealtimeScaleDimension => typed(
            ListRtcRealtimeScaleDimension::new(
                APP2,
                ScaleMetric::OnlineUsers,
                ScaleDimension::Region,
                T6,
            )
            .room_id("room001"),
            ep,
            r,
            |out| {
                assert_eq!(out.dimensions[0].dimension.as_deref(), Some("GD"));
                assert_eq!(out.dimensions[0].online_users, Some(10));
            },
        ),
        Id::ListRtcRoomList => typed(
            ListRtcRoomList::new(APP2)
                .state(RoomState::Running)
                .start_time(T6)
                .end_time(T7)
                .limit(10u32)
                .offset(0u32),
            ep,
            r,
            |out| {
                assert_eq!(
                    (out.total, out.limit, out.offset),
                    (Some(2), Some(10), Some(0))
                );
                assert_eq!(out.room_info_list[0].state, Some(RoomState::Running));
                assert_eq!(out.room_info_list[0].end_time.as_deref(), Some("-"));
            },
        ),
        Id::ListRtcUserList => typed(
            ListRtcUserList::new(APP2)
                .region(strings(["GD", "陕西"]))
                .isp(strings(["CTCC", "CMCC"]))
                .state(vec![UserState::Online, UserState::Fail])
                .start_time("2021-04-23T09:00:00Z")
                .end_time("2021-04-23T10:00:00Z")
                .limit(10u32)
                .offset(0u32)
                .mode(UserListMode::Detail),
            ep,
            r,
            |out| {
                assert_eq!(out.total, Some(1000));
                assert_eq!(out.users.len(), 1);
                assert_eq!(out.users[0].state, Some(UserState::Online));
                assert_eq!(out.users[0].region.as_deref(), Some("陕西"));
            },
        ),
        _ => return None,
    })
}
