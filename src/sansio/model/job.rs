//! Mixed-stream and single-stream recording jobs, and room management bodies.

use super::{
    CropMode, EncodeTemplate, FillingPolicy, JobState, LayoutTemplate, StopReason,
    StreamResolution, VideoType,
};

request_model! {
    /// Body of `CreateMixJob` (SDK model `MixJobReq`).
    ///
    /// ```
    /// use sparkrtc::model::*;
    /// let job = MixJobReq::new(
    ///     MixParam::new("room-1", EncodeTemplate::P720Fps30Kbps1710)
    ///         .layout_template(LayoutTemplate::Custom)
    ///         .layout_panes(vec![MixLayoutPane::new().id(1u32).user_id("alice").x(0.0).y(0.0).width(0.5).height(1.0)]),
    /// )
    /// .record_param(RecordParam::new("rule-1"));
    /// assert_eq!(
    ///     serde_json::to_string(&job).unwrap(),
    ///     r#"{"mix_param":{"room_id":"room-1","encode_template":"1280x720_30_1710","layout_template":"custom","layout_panes":[{"id":1,"user_id":"alice","x":0.0,"y":0.0,"width":0.5,"height":1.0}]},"record_param":{"record_rule_id":"rule-1"}}"#
    /// );
    /// ```
    pub struct MixJobReq {
        required {
            /// What to mix.
            mix_param: MixParam,
        }
        optional {
            /// Recording settings.
            record_param: RecordParam,
        }
    }
}

request_model! {
    /// Mixing settings (SDK model `MixParam`).
    ///
    /// Audio-only mixing uses [`EncodeTemplate::AudioOnly`] and no video
    /// fields; any other template needs a `layout_template` (and, for
    /// `custom`, `layout_panes`).
    pub struct MixParam {
        required {
            /// Room id.
            room_id: String,
            /// Output encoding template.
            encode_template: EncodeTemplate,
        }
        optional {
            /// Seconds without any publisher before the job stops, 5..=43200 (default 30).
            max_idle_time: u32 [5..=43200],
            /// Video layout template; not needed for audio-only mixing.
            layout_template: LayoutTemplate,
            /// Default user background image, `s3://bucket/object` in OBS.
            default_user_background_image: String,
            /// Background image of the shared screen, `s3://bucket/object` in OBS.
            screen_background_image: String,
            /// Canvas background image, `s3://bucket/object` in OBS.
            background_image: String,
            /// Video panes to mix; not needed for `nine_grids_view`.
            layout_panes: Vec<MixLayoutPane>,
            /// Per-user background images (override the default one).
            user_background_images: Vec<MixUserBackgroundImage>,
        }
        rules: |m, at, _| {
            if m.encode_template != EncodeTemplate::AudioOnly && m.layout_template.is_none() {
                return Err(at
                    .field("layout_template")
                    .invalid("is required unless encode_template is audio_only"));
            }
            Ok(())
        },
    }
}

request_model! {
    /// One pane of a mixed layout (SDK model `MixLayoutPane`). Coordinates and
    /// sizes are fractions of the canvas, 0.0..=1.0.
    pub struct MixLayoutPane {
        required {}
        optional {
            /// Pane id, from 1.
            id: u32 [1..=u32::MAX],
            /// The user shown.
            user_id: String,
            /// Which of the user's video streams.
            video_type: VideoType,
            /// Left edge, 0.0 (left) ..= 1.0 (right).
            x: f64 [0.0..=1.0, "a fraction of the canvas"],
            /// Top edge, 0.0 (top) ..= 1.0 (bottom).
            y: f64 [0.0..=1.0, "a fraction of the canvas"],
            /// Width, 0.0..=1.0.
            width: f64 [0.0..=1.0, "a fraction of the canvas"],
            /// Height, 0.0..=1.0.
            height: f64 [0.0..=1.0, "a fraction of the canvas"],
            /// Stacking order, 0 (bottom) ..= 25.
            zorder: u32 [0..=25],
            /// How the video fits the pane (custom layouts).
            crop_mode: CropMode,
            /// Fill policy (screen-sharing templates only).
            filling_policy: FillingPolicy,
        }
    }
}

request_model! {
    /// A background image for one user (SDK model `MixUserBackgroundImage`).
    pub struct MixUserBackgroundImage {
        required {
            /// The user.
            user_id: String,
            /// Image in OBS, `s3://bucket/object`.
            image_uri: String,
        }
        optional {}
    }
}

request_model! {
    /// Recording settings of a job (SDK model `RecordParam`).
    pub struct RecordParam {
        required {
            /// The recording rule to apply.
            record_rule_id: String,
        }
        optional {}
    }
}

request_model! {
    /// Body of `UpdateMixJob` (SDK model `UpdateMixJobReq`).
    pub struct UpdateMixJobReq {
        required {
            /// The new layout.
            mix_param: UpdateMixParam,
        }
        optional {}
    }
}

request_model! {
    /// Layout changes of a running mixed-stream job (SDK model `UpdateMixParam`).
    pub struct UpdateMixParam {
        required {}
        optional {
            /// Layout template; only changes between custom templates are supported.
            layout_template: LayoutTemplate,
            /// Canvas background image, `s3://bucket/object` in OBS.
            background_image: String,
            /// Default user background image, `s3://bucket/object` in OBS.
            default_user_background_image: String,
            /// Background image of the shared screen, `s3://bucket/object` in OBS.
            screen_background_image: String,
            /// Seconds without any publisher before the job stops, 5..=43200.
            max_idle_time: u32 [5..=43200],
            /// Video panes to mix.
            layout_panes: Vec<MixLayoutPane>,
            /// Per-user background images.
            user_background_images: Vec<MixUserBackgroundImage>,
        }
    }
}

response_model! {
    /// A mixed-stream job (output of `CreateMixJob`, `ShowMixJob`, `UpdateMixJob`).
    pub struct MixJob {
        fields {
            /// Job id, for updating, showing and stopping the job.
            job_id: String [always text],
            /// Stream name (`m_{job_id}_{room_id}`).
            stream_name: String [always text],
            /// Application id.
            app_id: String [always text],
            /// Room id.
            room_id: String [always text],
            /// Mixing settings.
            mix_param: MixParam [always value],
            /// Recording settings.
            record_param: RecordParam,
            /// Creation time, UTC.
            create_time: String [always utc],
            /// Last layout change, UTC.
            update_time: String [optional utc],
            /// Job state.
            state: JobState [always value],
            /// Why the job stopped.
            stop_reason: StopReason,
            /// Human-readable detail on the state.
            description: String,
            /// Start time, UTC.
            start_time: String [optional utc],
            /// Stop time, UTC.
            stop_time: String [optional utc],
        }
    }
}

request_model! {
    /// Body of `CreateIndividualStreamJob` (SDK model `IndividualStreamJobReq`).
    pub struct IndividualStreamJobReq {
        required {
            /// Room id.
            room_id: String,
            /// The user to record (unique within a job).
            user_id: String,
        }
        optional {
            /// Whether to record audio (default true).
            is_record_audio: bool,
            /// Which video stream; no video is recorded when unset.
            video_type: VideoType,
            /// Resolution tier to pull (default `FHD`).
            select_stream_type: StreamResolution,
            /// Seconds without any publisher before the job stops, 5..=43200 (default 30).
            max_idle_time: u32 [5..=43200],
            /// Recording settings.
            record_param: RecordParam,
        }
    }
}

request_model! {
    /// Body of `UpdateIndividualStreamJob` (SDK model `UpdateIndividualJobReq`).
    pub struct UpdateIndividualJobReq {
        required {}
        optional {
            /// Recording settings.
            record_param: RecordParam,
        }
    }
}

response_model! {
    /// A single-stream job (output of `CreateIndividualStreamJob`,
    /// `ShowIndividualStreamJob`, `UpdateIndividualStreamJob`).
    pub struct IndividualStreamJob {
        fields {
            /// Job id.
            job_id: String [always text],
            /// Stream name (`s_{job_id}_{room_id}_{user_id}`).
            stream_name: String,
            /// Application id.
            app_id: String [always text],
            /// Room id.
            room_id: String [always text],
            /// The recorded user.
            user_id: String [always text],
            /// Whether audio is recorded.
            is_record_audio: bool,
            /// Which video stream.
            video_type: VideoType,
            /// Resolution tier.
            select_stream_type: StreamResolution,
            /// Idle timeout, seconds.
            max_idle_time: i64,
            /// Recording settings.
            record_param: RecordParam,
            /// Creation time, UTC.
            create_time: String [always utc],
            /// Last update, UTC.
            update_time: String [optional utc],
            /// Job state.
            state: JobState [always value],
            /// Why the job stopped.
            stop_reason: StopReason,
            /// Human-readable detail on the state.
            description: String,
            /// Start time, UTC.
            start_time: String [optional utc],
            /// Stop time, UTC.
            stop_time: String [optional utc],
        }
    }
}

request_model! {
    /// Body of `RemoveUsers` (SDK model `RemoveUsersReq`).
    pub struct RemoveUsersReq {
        required {
            /// The users to remove from the room.
            user_ids: Vec<String>,
        }
        optional {}
    }
}
