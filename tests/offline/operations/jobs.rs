//! Typed cases: mixed-stream and individual-stream recording jobs.

use sparkrtc::model::*;
use sparkrtc::ops::*;
use sparkrtc::{Endpoint, OperationId};

use super::fixture::Response;
use super::typed::*;

/// The typed case of `id`, if it is a recording job operation.
pub fn case(id: OperationId, ep: &Endpoint, r: &Response) -> Option<Typed> {
    use OperationId as Id;
    Some(match id {
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
        _ => return None,
    })
}
