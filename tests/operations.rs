//! Per-operation tests: every one of the 42 operations, through both the
//! typed and the dynamic entry points, against the fixtures in
//! `tests/fixtures/ops/<Operation>.json` (see the README there).
//!
//! For each fixture:
//! - `dynamic::build(operation, params)` sends exactly the fixture's method,
//!   URI and JSON body (compact, no `null`), with the JSON content type and
//!   the endpoint's project id;
//! - the typed request, built with constructors and chained setters in
//!   [`typed_case`], sends byte-for-byte the same request and serializes to
//!   the fixture's `params`;
//! - the fixture's response parses, through `dynamic::parse` and through the
//!   typed `Operation::parse`, to the fixture's `output`, and a few typed
//!   fields are spot-checked.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // a test may read files and clocks

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use http::{HeaderMap, HeaderName, HeaderValue, Request, StatusCode};
use serde_json::Value;
use sparkrtc::model::*;
use sparkrtc::ops::*;
use sparkrtc::{dynamic, Endpoint, Operation, OperationId, Output};

// Values shared by the fixtures (most from the API reference's examples).
const APP: &str = "123456789abcdefghijklmno";
const APP2: &str = "5ff9701f2346968bb306cb43";
const RULE: &str = "5f5e172b9016ed5b0961a43";
const RULE2: &str = "6080f4b7fa163e19fe301cc8180e2b31";
const JOB_MIX: &str = "607824b4fa163e19fe301cc817dda855";
const JOB_IND: &str = "6078279afa163e19fe301cc817f4c4a1";
const OBS_PROJECT: &str = "ad7456ce8ef89adf567";
const PROJECT: &str = "0b3c0ef8d28026f22f6bc0010da5b6a1";
const PREFIX: &str =
    "{app_id}/{record_format}/{stream}_{file_start_time}/{stream}_{file_start_time}";
const IMG: &str = "s3://rtc-bucket-cn-north-4/img/";
const T6: &str = "2020-04-23T06:00:00Z";
const T7: &str = "2020-04-23T07:00:00Z";

/// One fixture file, read.
struct Fixture {
    id: OperationId,
    json: Value,
}

impl Fixture {
    fn name(&self) -> &'static str {
        self.id.name()
    }

    fn get(&self, pointer: &str) -> &Value {
        self.json
            .pointer(pointer)
            .unwrap_or_else(|| panic!("{}: fixture has no `{pointer}`", self.name()))
    }

    fn str(&self, pointer: &str) -> &str {
        self.get(pointer)
            .as_str()
            .unwrap_or_else(|| panic!("{}: fixture `{pointer}` is not a string", self.name()))
    }

    fn endpoint(&self) -> Endpoint {
        Endpoint::new(self.str("/endpoint/url"))
            .and_then(|e| e.with_project_id(self.str("/endpoint/project_id")))
            .unwrap_or_else(|e| panic!("{}: bad fixture endpoint: {e}", self.name()))
    }

    /// The canned response: status, headers, body bytes (a JSON body is sent
    /// pretty-printed; a string body is sent as is, `""` for no body).
    fn response(&self) -> Response {
        let status = self.get("/response/status").as_u64().expect("status") as u16;
        let mut headers = HeaderMap::new();
        for (k, v) in self.get("/response/headers").as_object().expect("headers") {
            headers.append(
                HeaderName::try_from(k.as_str()).expect("header name"),
                HeaderValue::try_from(v.as_str().expect("header value")).expect("header value"),
            );
        }
        let body = match self.get("/response/body") {
            Value::String(s) => s.clone().into_bytes(),
            v => serde_json::to_vec_pretty(v).unwrap(),
        };
        Response {
            status: StatusCode::from_u16(status).expect("status"),
            headers,
            body,
        }
    }
}

struct Response {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

/// What the typed API produced for one fixture.
struct Typed {
    request: Request<Vec<u8>>,
    /// The typed request, serialized (the dynamic parameter shape).
    params: Value,
    /// The typed output, re-serialized.
    output: Value,
}

/// Builds `op`, serializes it, parses the fixture's response with
/// `O::parse`, spot-checks the typed output with `check`, re-serializes it.
fn typed<O: Operation>(
    op: O,
    endpoint: &Endpoint,
    response: &Response,
    check: impl FnOnce(&Output<O::Output>),
) -> Typed {
    let name = O::ID.name();
    let request = op
        .build(endpoint)
        .unwrap_or_else(|e| panic!("{name}: typed build failed: {e}"));
    let params = serde_json::to_value(&op).unwrap();
    let out = O::parse(response.status, &response.headers, &response.body)
        .unwrap_or_else(|e| panic!("{name}: typed parse failed: {e}"));
    check(&out);
    let output = serde_json::to_value(&out).unwrap();
    Typed {
        request,
        params,
        output,
    }
}

fn pane(
    id: u32,
    user: &str,
    video: VideoType,
    rect: [f64; 4],
    zorder: u32,
    crop: CropMode,
) -> MixLayoutPane {
    let [x, y, width, height] = rect;
    MixLayoutPane::new()
        .id(id)
        .user_id(user)
        .video_type(video)
        .x(x)
        .y(y)
        .width(width)
        .height(height)
        .zorder(zorder)
        .crop_mode(crop)
}

fn strings<const N: usize>(values: [&str; N]) -> Vec<String> {
    values.map(String::from).to_vec()
}

/// The fixture's request built through the typed API, and typed spot checks
/// of its response. One arm per operation.
fn typed_case(id: OperationId, ep: &Endpoint, r: &Response) -> Typed {
    use OperationId as Id;
    match id {
        // ------------------------------------------------------------ apps
        Id::CreateApp => typed(CreateApp::new(AppReq::new("rtctest")), ep, r, |out| {
            assert_eq!(out.app_id.as_deref(), Some(APP2));
        }),
        Id::ListApps => typed(
            ListApps::new()
                .state(AppStatus::Activation)
                .offset(0u32)
                .limit(20u32),
            ep,
            r,
            |out| {
                assert_eq!(out.count, Some(2));
                assert_eq!(out.apps.len(), 2);
                let state = out.apps[0].state.as_ref().and_then(|s| s.state.as_ref());
                assert_eq!(state, Some(&AppStatus::Activation));
                let auto = out.apps[1].auto_record_mode.as_ref().unwrap();
                assert_eq!(auto.mode, Some(AutoRecordMode::Individual));
                assert_eq!(auto.record_rule_id.as_deref(), Some(RULE));
            },
        ),
        Id::ShowApp => typed(ShowApp::new(APP2), ep, r, |out| {
            assert_eq!(out.scope, Some(AppScope::Global));
            let auth = out.authentication.as_ref().unwrap();
            assert_eq!(auth.enable, Some(true));
            assert_eq!(auth.expire, Some(300));
            assert_eq!(
                auth.app_key.as_ref().map(|k| k.expose_secret()),
                Some("4b2f7c9e1a3d5f60718293a4b5c6d7e8")
            );
            let record = out
                .callbacks
                .as_ref()
                .unwrap()
                .record_callback
                .as_ref()
                .unwrap();
            assert_eq!(
                record.notify_event_subscription,
                [
                    NotifyEvent::RecordNewFileStart,
                    NotifyEvent::RecordFileComplete
                ]
            );
        }),
        Id::DeleteApp => typed(DeleteApp::new(APP2), ep, r, |out| {
            assert_eq!(out.body, Empty {});
        }),
        Id::StartApp => typed(StartApp::new(APP), ep, r, |out| {
            assert_eq!(out.app_id.as_deref(), Some(APP));
            let state = out.state.as_ref().and_then(|s| s.state.as_ref());
            assert_eq!(state, Some(&AppStatus::Activation));
        }),
        Id::StopApp => typed(StopApp::new(APP), ep, r, |out| {
            let state = out.state.as_ref().and_then(|s| s.state.as_ref());
            assert_eq!(state, Some(&AppStatus::Deactivation));
        }),

        // ---------------------------------------------------- record rules
        Id::CreateRecordRule => typed(
            CreateRecordRule::new(
                "123456abc",
                RecordRuleReq::new(
                    RecordObsFileAddr::new("cn-north-4", OBS_PROJECT, "obsName").object("Record/"),
                    vec![RecordFormat::Hls, RecordFormat::Mp4],
                )
                .hls_config(
                    HlsRecordConfig::new(3600u32)
                        .record_prefix(PREFIX)
                        .record_slice_duration(10u32)
                        .record_max_duration_to_merge_file(-1),
                )
                .mp4_config(Mp4RecordConfig::new(60u32).record_max_duration_to_merge_file(0u32)),
            ),
            ep,
            r,
            |out| {
                assert_eq!(out.rule_id.as_deref(), Some("456789abc"));
                assert_eq!(out.record_formats, [RecordFormat::Mp4]);
                assert_eq!(out.mp4_config.as_ref().map(|c| c.record_cycle), Some(60));
                assert!(out.hls_config.is_none());
            },
        ),
        Id::ListRecordRules => typed(
            ListRecordRules::new(APP).offset(0u32).limit(10u32),
            ep,
            r,
            |out| {
                assert_eq!(out.rules.len(), 2);
                assert_eq!(
                    out.rules[0].record_formats,
                    [RecordFormat::Hls, RecordFormat::Mp4]
                );
                let hls = out.rules[1].hls_config.as_ref().unwrap();
                assert_eq!(
                    (hls.record_cycle, hls.record_max_duration_to_merge_file),
                    (0, Some(-1))
                );
                assert_eq!(out.rules[1].obs_addr.as_ref().unwrap().object, None);
            },
        ),
        Id::ShowRecordRule => typed(ShowRecordRule::new(APP, RULE), ep, r, |out| {
            assert_eq!(out.rule_id.as_deref(), Some(RULE));
            let hls = out.hls_config.as_ref().unwrap();
            assert_eq!(hls.record_slice_duration, Some(10));
            assert_eq!(out.mp4_config.as_ref().map(|c| c.record_cycle), Some(1800));
        }),
        Id::UpdateRecordRule => typed(
            UpdateRecordRule::new(
                APP,
                RULE,
                RecordRuleReq::new(
                    RecordObsFileAddr::new("cn-north-4", OBS_PROJECT, "obsName")
                        .object("Record/hls/"),
                    vec![RecordFormat::Hls],
                )
                .hls_config(
                    HlsRecordConfig::new(0u32)
                        .record_slice_duration(6u32)
                        .record_max_duration_to_merge_file(300),
                ),
            ),
            ep,
            r,
            |out| {
                assert!(out.mp4_config.is_none(), "`mp4_config: null` reads as None");
                assert_eq!(out.hls_config.as_ref().map(|c| c.record_cycle), Some(0));
                assert_eq!(out.record_formats, [RecordFormat::Hls]);
            },
        ),
        Id::DeleteRecordRule => typed(DeleteRecordRule::new(APP, RULE), ep, r, |out| {
            assert_eq!(out.body, Empty {});
        }),

        // ----------------------------------------------------- auto-record
        Id::ShowAutoRecord => typed(ShowAutoRecord::new(APP), ep, r, |out| {
            let mode = out.auto_record_mode.as_ref().unwrap();
            assert_eq!(mode.mode, Some(AutoRecordMode::Individual));
            assert_eq!(mode.record_rule_id.as_deref(), Some(RULE));
        }),
        Id::UpdateAutoRecord => typed(
            UpdateAutoRecord::new(
                APP,
                AutoRecordModeReq::new(AutoRecordMode::Individual).record_rule_id(RULE),
            ),
            ep,
            r,
            |out| {
                let mode = out.auto_record_mode.as_ref().unwrap();
                assert_eq!(mode.mode, Some(AutoRecordMode::Individual));
                assert_eq!(
                    mode.update_time.as_deref(),
                    Some("2021-04-17T09:30:00.075Z")
                );
            },
        ),

        // ------------------------------------------------------- callbacks
        Id::ShowRecordCallback => typed(ShowRecordCallback::new(APP), ep, r, |out| {
            let cb = out.record_callback.as_ref().unwrap();
            assert_eq!(cb.notify_event_subscription.len(), 7);
            assert_eq!(
                cb.notify_event_subscription[2],
                NotifyEvent::Unknown("RTC_USER_ROLE_CHANGED".into())
            );
        }),
        Id::UpdateRecordCallback => typed(
            UpdateRecordCallback::new(
                APP,
                AppCallbackUrlReq::new("http://mydomain.com").auth_key("78912374ae8cdb38"),
            ),
            ep,
            r,
            |out| {
                let cb = out.record_callback.as_ref().unwrap();
                assert_eq!(cb.url.as_deref(), Some("http://mydomain.com"));
                assert_eq!(
                    cb.auth_key.as_ref().map(|k| k.expose_secret()),
                    Some("78912374ae8cdb38")
                );
                assert_eq!(
                    cb.notify_event_subscription[0],
                    NotifyEvent::RecordNewFileStart
                );
            },
        ),

        // -------------------------------------------------- mixed streams
        Id::CreateMixJob => typed(
            CreateMixJob::new(
                APP,
                MixJobReq::new(
                    MixParam::new("room001", EncodeTemplate::P720Fps30Kbps1710)
                        .max_idle_time(30u32)
                        .layout_template(LayoutTemplate::Custom)
                        .default_user_background_image(format!("{IMG}default-user.jpg"))
                        .screen_background_image(format!("{IMG}screen.jpg"))
                        .background_image(format!("{IMG}testImg.jpg"))
                        .layout_panes(vec![
                            pane(
                                1,
                                "user1",
                                VideoType::CameraStream,
                                [0.0, 0.0, 0.5, 0.5],
                                1,
                                CropMode::KeepRatioCrop,
                            ),
                            pane(
                                2,
                                "user2",
                                VideoType::CameraStream,
                                [0.5, 0.0, 0.5, 0.5],
                                1,
                                CropMode::KeepRatioPadding,
                            ),
                            pane(
                                3,
                                "user3",
                                VideoType::ScreenStream,
                                [0.0, 0.5, 1.0, 0.5],
                                0,
                                CropMode::KeepRatioPadding,
                            ),
                        ])
                        .user_background_images(vec![MixUserBackgroundImage::new(
                            "user2",
                            format!("{IMG}user2.jpg"),
                        )]),
                )
                .record_param(RecordParam::new(RULE)),
            ),
            ep,
            r,
            |out| {
                assert_eq!(
                    out.job_id.as_deref(),
                    Some("60782b6cfa163e19fe301cc8180e2a59")
                );
                assert_eq!(out.state, Some(JobState::Init));
                let mix = out.mix_param.as_ref().unwrap();
                assert_eq!(mix.encode_template, EncodeTemplate::P720Fps30Kbps1710);
                let panes = mix.layout_panes.as_ref().unwrap();
                assert_eq!(panes.len(), 3);
                assert_eq!((panes[2].x, panes[2].width), (Some(0.0), Some(1.0)));
            },
        ),
        Id::ShowMixJob => typed(ShowMixJob::new(APP, JOB_MIX), ep, r, |out| {
            assert_eq!(out.state, Some(JobState::Running));
            assert_eq!(out.stop_reason, None);
            let mix = out.mix_param.as_ref().unwrap();
            assert_eq!(mix.encode_template, EncodeTemplate::P1080Fps30Kbps4620);
            assert_eq!(mix.layout_template, Some(LayoutTemplate::NineGridsView));
        }),
        Id::UpdateMixJob => typed(
            UpdateMixJob::new(
                APP,
                JOB_MIX,
                UpdateMixJobReq::new(
                    UpdateMixParam::new()
                        .layout_template(LayoutTemplate::Custom)
                        .background_image(format!("{IMG}testImg.jpg"))
                        .default_user_background_image(format!("{IMG}default-user.jpg"))
                        .screen_background_image(format!("{IMG}screen.jpg"))
                        .max_idle_time(60u32)
                        .layout_panes(vec![
                            pane(
                                1,
                                "user1",
                                VideoType::CameraStream,
                                [0.0, 0.0, 0.5, 1.0],
                                0,
                                CropMode::KeepRatioCrop,
                            ),
                            pane(
                                2,
                                "user2",
                                VideoType::ScreenStream,
                                [0.5, 0.25, 0.5, 0.5],
                                25,
                                CropMode::KeepRatioPadding,
                            ),
                        ])
                        .user_background_images(vec![MixUserBackgroundImage::new(
                            "user1",
                            format!("{IMG}user1.jpg"),
                        )]),
                ),
            ),
            ep,
            r,
            |out| {
                assert_eq!(
                    out.stream_name.as_deref(),
                    Some("m_607824b4fa163e19fe301cc817dda855_gigu")
                );
                let mix = out.mix_param.as_ref().unwrap();
                assert_eq!(mix.max_idle_time, Some(0));
                assert_eq!(mix.layout_template, Some(LayoutTemplate::NineGridsView));
                assert_eq!(out.stop_time.as_deref(), Some("0001-01-01T00:00:00Z"));
            },
        ),
        Id::StopMixJob => typed(StopMixJob::new(APP, JOB_MIX), ep, r, |out| {
            assert_eq!(out.body, Empty {});
        }),

        // ------------------------------------------------- single streams
        Id::CreateIndividualStreamJob => typed(
            CreateIndividualStreamJob::new(
                APP,
                IndividualStreamJobReq::new("100", "user001")
                    .is_record_audio(true)
                    .video_type(VideoType::CameraStream)
                    .select_stream_type(StreamResolution::Fhd)
                    .max_idle_time(30u32)
                    .record_param(RecordParam::new(RULE)),
            ),
            ep,
            r,
            |out| {
                // Numbers in the reference's example, read as strings.
                assert_eq!(out.job_id.as_deref(), Some("1"));
                assert_eq!(out.room_id.as_deref(), Some("100"));
                assert_eq!(out.select_stream_type, Some(StreamResolution::Fhd));
                assert_eq!(out.max_idle_time, Some(30));
            },
        ),
        Id::ShowIndividualStreamJob => {
            typed(ShowIndividualStreamJob::new(APP, JOB_IND), ep, r, |out| {
                assert_eq!(out.state, Some(JobState::Running));
                assert_eq!(out.video_type, Some(VideoType::CameraStream));
                assert_eq!(out.is_record_audio, Some(true));
            })
        }
        Id::UpdateIndividualStreamJob => typed(
            UpdateIndividualStreamJob::new(
                APP,
                JOB_IND,
                UpdateIndividualJobReq::new().record_param(RecordParam::new(RULE2)),
            ),
            ep,
            r,
            |out| {
                let rule = out.record_param.as_ref().map(|p| p.record_rule_id.as_str());
                assert_eq!(rule, Some(RULE2));
                assert_eq!(out.job_id.as_deref(), Some(JOB_IND));
            },
        ),
        Id::StopIndividualStreamJob => {
            typed(StopIndividualStreamJob::new(APP, JOB_IND), ep, r, |out| {
                assert_eq!(out.body, Empty {});
            })
        }

        // ---------------------------------------------------------- rooms
        Id::RemoveRoom => typed(RemoveRoom::new(APP, "room001"), ep, r, |out| {
            assert_eq!(out.body, Empty {});
        }),
        Id::RemoveUsers => typed(
            RemoveUsers::new(
                APP,
                "room001",
                RemoveUsersReq::new(strings(["user001", "user002", "user003"])),
            ),
            ep,
            r,
            |out| assert_eq!(out.body, Empty {}),
        ),

        // ---------------------------------------------------- OBS buckets
        Id::ListObsBuckets => typed(ListObsBuckets::new(), ep, r, |out| {
            assert_eq!(out.count, Some(2));
            assert_eq!(out.buckets[1].is_authorized, Some(false));
            assert_eq!(
                out.buckets[0].creation_date.as_deref(),
                Some("2020/07/16 15:11:55 GMT+08:00")
            );
        }),
        Id::ListObsBucketObjects => typed(
            ListObsBucketObjects::new("obsName", ObsListType::Objects, "cn-north-4")
                .prefix("Record/"),
            ep,
            r,
            |out| {
                assert_eq!(out.objects.len(), 2);
                assert_eq!(out.objects[0].size, Some(20480));
            },
        ),
        Id::UpdateObsBucketAuthority => typed(
            UpdateObsBucketAuthority::new(
                ObsAuthorityConfig::new("obsName", ObsOperation::Grant, "cn-north-4")
                    .project_id(PROJECT),
            ),
            ep,
            r,
            |out| assert_eq!(out.body, Empty {}),
        ),

        // ------------------------------------------- statistical analysis
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
        other => panic!("{other}: no typed case in tests/operations.rs"),
    }
}

/// Where two JSON values differ, as `path: got …, expected …` lines (at most 12).
fn json_diff(at: &str, got: &Value, expected: &Value, out: &mut Vec<String>) {
    if out.len() >= 12 || got == expected {
        return;
    }
    match (got, expected) {
        (Value::Object(g), Value::Object(e)) => {
            for (k, ev) in e {
                match g.get(k) {
                    Some(gv) => json_diff(&format!("{at}.{k}"), gv, ev, out),
                    None => out.push(format!("{at}.{k}: missing, expected {ev}")),
                }
            }
            for (k, gv) in g.iter().filter(|(k, _)| !e.contains_key(*k)) {
                out.push(format!("{at}.{k}: unexpected {gv}"));
            }
        }
        (Value::Array(g), Value::Array(e)) if g.len() == e.len() => {
            for (i, (gv, ev)) in g.iter().zip(e).enumerate() {
                json_diff(&format!("{at}[{i}]"), gv, ev, out);
            }
        }
        _ => out.push(format!("{at}: got {got}, expected {expected}")),
    }
}

/// `assert_eq!` for JSON, naming the operation and the paths that differ.
fn assert_json_eq(name: &str, what: &str, got: &Value, expected: &Value) {
    let mut diffs = Vec::new();
    json_diff("$", got, expected, &mut diffs);
    assert!(
        diffs.is_empty(),
        "{name}: {what} differs from the fixture:\n  {}\ngot: {}",
        diffs.join("\n  "),
        serde_json::to_string_pretty(got).unwrap()
    );
}

/// Asserts that `v` holds no JSON `null` anywhere.
fn assert_no_nulls(name: &str, at: &str, v: &Value) {
    match v {
        Value::Null => panic!("{name}: request body has a null at `{at}`"),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                assert_no_nulls(name, &format!("{at}[{i}]"), item);
            }
        }
        Value::Object(map) => {
            for (k, item) in map {
                assert_no_nulls(name, &format!("{at}.{k}"), item);
            }
        }
        _ => {}
    }
}

/// Every check of one fixture.
fn check(f: &Fixture) {
    let name = f.name();
    let endpoint = f.endpoint();
    let params = f.get("/params");

    // (a) dynamic build: exact method, URI, body and headers.
    let request = dynamic::build(name, params, &endpoint)
        .unwrap_or_else(|e| panic!("{name}: dynamic::build failed: {e}"));
    assert_eq!(
        request.method().as_str(),
        f.str("/request/method"),
        "{name}: method"
    );
    assert_eq!(
        request.uri().to_string(),
        f.str("/request/uri"),
        "{name}: URI"
    );
    match f.get("/request/body") {
        Value::Null => {
            assert!(
                !f.id.info().has_body,
                "{name}: fixture has no body, the operation has one"
            );
            assert!(
                request.body().is_empty(),
                "{name}: expected no body, got {}",
                String::from_utf8_lossy(request.body())
            );
        }
        expected => {
            assert!(
                f.id.info().has_body,
                "{name}: fixture has a body, the operation has none"
            );
            let sent: Value = serde_json::from_slice(request.body()).unwrap_or_else(|e| {
                panic!(
                    "{name}: body is not JSON ({e}): {}",
                    String::from_utf8_lossy(request.body())
                )
            });
            assert_json_eq(name, "dynamic request body", &sent, expected);
            assert_no_nulls(name, "body", &sent);
            assert_eq!(
                serde_json::to_vec(&sent).unwrap().len(),
                request.body().len(),
                "{name}: body is not compact JSON: {}",
                String::from_utf8_lossy(request.body())
            );
        }
    }
    let header = |h: &str| request.headers().get(h).and_then(|v| v.to_str().ok());
    assert_eq!(
        header("content-type"),
        Some("application/json;charset=UTF-8"),
        "{name}: Content-Type"
    );
    assert_eq!(
        header("x-project-id"),
        endpoint.project_id(),
        "{name}: X-Project-Id"
    );
    let normalized = f.id.normalize_json(params).unwrap();
    assert_json_eq(
        name,
        "normalized params (fixture params must be canonical)",
        &normalized,
        params,
    );

    // (b) typed: the same request, byte for byte, and the same parameter shape.
    let response = f.response();
    let typed = typed_case(f.id, &endpoint, &response);
    assert_eq!(
        typed.request.method(),
        request.method(),
        "{name}: typed method"
    );
    assert_eq!(typed.request.uri(), request.uri(), "{name}: typed URI");
    assert_eq!(
        String::from_utf8_lossy(typed.request.body()),
        String::from_utf8_lossy(request.body()),
        "{name}: typed body bytes"
    );
    assert_eq!(
        typed.request.headers(),
        request.headers(),
        "{name}: typed headers"
    );
    assert_json_eq(name, "typed request serialized", &typed.params, params);

    // (c) response, dynamic and typed.
    let expected = f.get("/output");
    let parsed = dynamic::parse(name, response.status, &response.headers, &response.body)
        .unwrap_or_else(|e| panic!("{name}: dynamic::parse failed: {e}"));
    assert_json_eq(name, "dynamic::parse output", &parsed, expected);
    assert_json_eq(name, "typed output re-serialized", &typed.output, expected);
}

fn load_fixtures() -> Vec<Fixture> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ops");
    let mut fixtures = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let json: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{}: invalid JSON: {e}", path.display()));
        let stem = path.file_stem().unwrap().to_str().unwrap();
        let op = json["operation"].as_str().unwrap_or_default();
        assert_eq!(
            op,
            stem,
            "{}: `operation` must match the file name",
            path.display()
        );
        let id = OperationId::from_name(op)
            .unwrap_or_else(|| panic!("{}: unknown operation `{op}`", path.display()));
        let keys: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut expected_keys = [
            "endpoint",
            "operation",
            "output",
            "params",
            "request",
            "response",
            "source",
        ];
        expected_keys.sort_unstable();
        assert_eq!(keys, expected_keys, "{}: fixture keys", path.display());
        fixtures.push(Fixture { id, json });
    }
    fixtures.sort_by_key(|f| f.id);
    fixtures
}

#[test]
fn one_fixture_per_operation() {
    let fixtures = load_fixtures();
    let ids: Vec<OperationId> = fixtures.iter().map(|f| f.id).collect();
    let mut all = OperationId::ALL.to_vec();
    all.sort();
    assert_eq!(ids, all, "exactly one fixture per OperationId::ALL");
    assert_eq!(fixtures.len(), 42);
}

#[test]
fn every_operation_matches_its_fixture() {
    let fixtures = load_fixtures();
    assert_eq!(fixtures.len(), OperationId::ALL.len());
    let failed: Vec<&str> = fixtures
        .iter()
        .filter(|f| catch_unwind(AssertUnwindSafe(|| check(f))).is_err())
        .map(|f| f.name())
        .collect();
    assert!(
        failed.is_empty(),
        "{} of {} operations failed (messages above): {failed:?}",
        failed.len(),
        fixtures.len()
    );
}
