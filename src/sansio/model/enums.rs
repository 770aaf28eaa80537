//! The documented value sets. Each has an `Unknown(String)` fallback.

string_enum! {
    /// An application's status: the value set itself (`ACTIVATION`,
    /// `DEACTIVATION`, ...), also the `state` filter of `ListApps`.
    ///
    /// In answers it sits inside an [`AppState`](crate::model::AppState),
    /// the struct that pairs it with the time it last changed (`state.state`
    /// of an [`App`](crate::model::App)); [`App::status`](crate::model::App::status)
    /// and [`AppStateChange::status`](crate::model::AppStateChange::status)
    /// read it in one step. The names are the official SDK's.
    pub enum AppStatus {
        /// Enabled.
        Activation = "ACTIVATION",
        /// Disabled.
        Deactivation = "DEACTIVATION",
        /// Suspended for arrears.
        Arrears = "ARREARS",
        /// Deleted.
        Deleted = "DELETED",
    }
}

string_enum! {
    /// Where an application serves users.
    pub enum AppScope {
        /// Chinese mainland.
        Domestic = "DOMESTIC",
        /// Outside the Chinese mainland.
        Oversea = "OVERSEA",
        /// Worldwide.
        Global = "GLOBAL",
    }
}

string_enum! {
    /// Automatic recording mode.
    pub enum AutoRecordMode {
        /// Automatic recording off.
        Off = "AUTO_RECORD_OFF",
        /// Every stream recorded individually; needs a `record_rule_id`.
        Individual = "AUTO_INDIVIDUAL_RECORD",
    }
}

string_enum! {
    /// A recording event a callback subscribes to.
    pub enum NotifyEvent {
        /// A new recording file was started.
        RecordNewFileStart = "RECORD_NEW_FILE_START",
        /// A recording file is complete.
        RecordFileComplete = "RECORD_FILE_COMPLETE",
    }
}

string_enum! {
    /// A recording job's state.
    pub enum JobState {
        /// Initialising.
        Init = "INIT",
        /// Running.
        Running = "RUNNING",
        /// Stopped.
        Stopped = "STOPPED",
    }
}

string_enum! {
    /// Why a recording job stopped.
    pub enum StopReason {
        /// Stopped by the tenant.
        TenantStop = "TENANT_STOP",
        /// Nobody was publishing for `max_idle_time` seconds.
        ExceedMaxIdleTime = "EXCEED_MAX_IDLE_TIME",
        /// An internal error.
        InternalError = "INTERNAL_ERROR",
    }
}

string_enum! {
    /// Which video stream of a user.
    pub enum VideoType {
        /// Camera stream (the default).
        CameraStream = "CAMERASTREAM",
        /// Screen-sharing stream.
        ScreenStream = "SCREENSTREAM",
    }
}

string_enum! {
    /// Resolution tier pulled for a single-stream recording (default `FHD`).
    pub enum StreamResolution {
        /// Low definition.
        Ld = "LD",
        /// Standard definition.
        Sd = "SD",
        /// High definition.
        Hd = "HD",
        /// Full high definition.
        Fhd = "FHD",
    }
}

string_enum! {
    /// Output encoding template of a mixed stream: `{width}x{height}_{fps}_{kbps}`.
    ///
    /// The SDK's field description writes the templates with `*`
    /// (`1280*720_30_1710`) while every example request of the API reference
    /// and its change log write `x` (`1280x720_30_1710`). This crate sends the
    /// `x` form and reads both.
    pub enum EncodeTemplate {
        /// Audio only: the three loudest speakers are mixed; no video fields.
        AudioOnly = "audio_only",
        /// 1080p, 30 fps, 4.62 Mbit/s.
        P1080Fps30Kbps4620 = "1920x1080_30_4620" | "1920*1080_30_4620",
        /// 1080p, 30 fps, 3.15 Mbit/s.
        P1080Fps30Kbps3150 = "1920x1080_30_3150" | "1920*1080_30_3150",
        /// 1080p, 15 fps, 3.46 Mbit/s.
        P1080Fps15Kbps3460 = "1920x1080_15_3460" | "1920*1080_15_3460",
        /// 1080p, 15 fps, 2.08 Mbit/s.
        P1080Fps15Kbps2080 = "1920x1080_15_2080" | "1920*1080_15_2080",
        /// 720p, 30 fps, 3.42 Mbit/s.
        P720Fps30Kbps3420 = "1280x720_30_3420" | "1280*720_30_3420",
        /// 720p, 30 fps, 1.71 Mbit/s.
        P720Fps30Kbps1710 = "1280x720_30_1710" | "1280*720_30_1710",
        /// 720p, 15 fps, 2.26 Mbit/s.
        P720Fps15Kbps2260 = "1280x720_15_2260" | "1280*720_15_2260",
        /// 720p, 15 fps, 1.13 Mbit/s.
        P720Fps15Kbps1130 = "1280x720_15_1130" | "1280*720_15_1130",
        /// 480p, 30 fps, 1.5 Mbit/s.
        P480Fps30Kbps1500 = "640x480_30_1500" | "640*480_30_1500",
        /// 480p, 15 fps, 500 kbit/s.
        P480Fps15Kbps500 = "640x480_15_500" | "640*480_15_500",
        /// 480p, 30 fps, 1000 kbit/s.
        P480Fps30Kbps1000 = "640x480_30_1000" | "640*480_30_1000",
        /// 360p, 30 fps, 490 kbit/s.
        P360Fps30Kbps490 = "480x360_30_490" | "480*360_30_490",
        /// 360p, 15 fps, 320 kbit/s.
        P360Fps15Kbps320 = "480x360_15_320" | "480*360_15_320",
    }
}

string_enum! {
    /// Video layout template of a mixed stream.
    pub enum LayoutTemplate {
        /// Nine-grid, adaptive; no `layout_panes` needed.
        NineGridsView = "nine_grids_view",
        /// Screen sharing with the main view on the left, adaptive.
        ScreenShareLeft = "screen_share_left",
        /// Screen sharing with the main view on the right, adaptive.
        ScreenShareRight = "screen_share_right",
        /// Custom layout from `layout_panes`.
        Custom = "custom",
    }
}

string_enum! {
    /// How a custom-layout pane fits its video.
    pub enum CropMode {
        /// Keep the aspect ratio and pad.
        KeepRatioPadding = "KEEP_RATIO_PADDING",
        /// Keep the aspect ratio and crop.
        KeepRatioCrop = "KEEP_RATIO_CROP",
    }
}

string_enum! {
    /// How a screen-sharing template fills its main pane.
    pub enum FillingPolicy {
        /// Fill with a fixed user.
        FixedUser = "FIXED_USER",
        /// Fill with the shared screen.
        SharedScreen = "SHARED_SCREEN",
    }
}

string_enum! {
    /// Recording file format.
    pub enum RecordFormat {
        /// HLS (needs `hls_config`).
        Hls = "HLS",
        /// MP4 (needs `mp4_config`).
        Mp4 = "MP4",
    }
}

string_enum! {
    /// What `ListObsBucketObjects` lists.
    pub enum ObsListType {
        /// Folders.
        Folders = "folders",
        /// Objects.
        Objects = "objects",
    }
}

string_enum! {
    /// A room's state in the statistics.
    pub enum RoomState {
        /// Open.
        Running = "RUNNING",
        /// Closed.
        Closed = "CLOSED",
    }
}

string_enum! {
    /// A user's state in the statistics.
    pub enum UserState {
        /// Failed to join.
        Fail = "FAIL",
        /// Online.
        Online = "ONLINE",
        /// Left.
        Offline = "OFFLINE",
    }
}

string_enum! {
    /// `ListRtcUserList` query mode.
    pub enum UserListMode {
        /// One row per session.
        Detail = "detail",
        /// One row per user (the default).
        Summary = "summary",
    }
}

string_enum! {
    /// Client SDK family.
    pub enum SdkType {
        /// Native (non-web) SDKs.
        Native = "native",
        /// The web SDK.
        Webrtc = "webrtc",
    }
}

string_enum! {
    /// Metrics of `ListRtcHistoryQuality`.
    pub enum HistoryQualityMetric {
        /// Join success rate.
        JoinSuccessRate = "JoinSuccessRate",
        /// Rate of joins within 5 s.
        JoinSuccess5SecsRate = "JoinSuccess5SecsRate",
        /// Video freeze rate.
        VideoFreezeRate = "VideoFreezeRate",
        /// Audio freeze rate.
        AudioFreezeRate = "AudioFreezeRate",
        /// Time to first video frame (ms).
        FirstVideoRecvTime = "FirstVideoRecvTime",
        /// Time to first audio frame (ms).
        FirstAudioRecvTime = "FirstAudioRecvTime",
        /// Stream pull success rate.
        PullStreamSuccessRate = "PullStreamSuccessRate",
        /// Stream push success rate.
        PushStreamSuccessRate = "PushStreamSuccessRate",
        /// Client video upstream excellent-transmission rate.
        VideoUpstreamExcellentTransRate = "VideoUpstreamExcellentTransRate",
        /// Client audio upstream excellent-transmission rate.
        AudioUpstreamExcellentTransRate = "AudioUpstreamExcellentTransRate",
        /// End-to-end video excellent-transmission rate.
        VideoExcellentTransRate = "VideoExcellentTransRate",
        /// End-to-end audio excellent-transmission rate.
        AudioExcellentTransRate = "AudioExcellentTransRate",
        /// End-to-end video network delay (median, ms).
        VideoTransDelay = "VideoTransDelay",
        /// End-to-end audio network delay (median, ms).
        AudioTransDelay = "AudioTransDelay",
    }
}

string_enum! {
    /// Metrics of `ListRtcHistoryScale`.
    pub enum HistoryScaleMetric {
        /// Distinct users.
        UserCount = "UserCount",
        /// Sessions (joins).
        SessionCount = "SessionCount",
        /// Rooms.
        RoomCount = "RoomCount",
        /// Peak concurrent users.
        MaxOnlineUserCount = "MaxOnlineUserCount",
        /// Peak concurrent rooms.
        MaxOnlineRoomCount = "MaxOnlineRoomCount",
        /// Total audio and video call time.
        CommunicationDuration = "CommunicationDuration",
        /// Total video call time.
        VideoCommunicationDuration = "VideoCommunicationDuration",
        /// Total audio call time.
        AudioCommunicationDuration = "AudioCommunicationDuration",
    }
}

string_enum! {
    /// Metrics of `ListRtcHistoryUsage`.
    pub enum UsageMetric {
        /// Call time.
        CommunicationDuration = "CommunicationDuration",
        /// Transcoding time.
        TranscodeDuration = "TranscodeDuration",
        /// Recording time.
        RecordDuration = "RecordDuration",
    }
}

string_enum! {
    /// Metrics of `ListRtcRealtimeNetwork`.
    pub enum NetworkMetric {
        /// Client video upstream excellent-transmission rate.
        VideoUpstreamExcellentTransRate = "VideoUpstreamExcellentTransRate",
        /// Client audio upstream excellent-transmission rate.
        AudioUpstreamExcellentTransRate = "AudioUpstreamExcellentTransRate",
        /// End-to-end video excellent-transmission rate.
        VideoExcellentTransRate = "VideoExcellentTransRate",
        /// End-to-end audio excellent-transmission rate.
        AudioExcellentTransRate = "AudioExcellentTransRate",
    }
}

string_enum! {
    /// Metrics of `ListRtcRealtimeQuality`.
    pub enum RealtimeQualityMetric {
        /// Join success rate.
        JoinSuccessRate = "JoinSuccessRate",
        /// Rate of joins within 5 s.
        JoinSuccess5SecsRate = "JoinSuccess5SecsRate",
        /// Video freeze rate.
        VideoFreezeRate = "VideoFreezeRate",
        /// Audio freeze rate.
        AudioFreezeRate = "AudioFreezeRate",
    }
}

string_enum! {
    /// Metrics of `ListRtcRealtimeScale` and `ListRtcRealtimeScaleDimension`
    /// (the latter documents only `OnlineUsers`).
    pub enum ScaleMetric {
        /// Users online.
        OnlineUsers = "OnlineUsers",
        /// Rooms online.
        RoomCount = "RoomCount",
    }
}

string_enum! {
    /// Dimension of `ListRtcRealtimeScaleDimension`.
    pub enum ScaleDimension {
        /// Province.
        Region = "region",
        /// Network type.
        AccessNet = "access_net",
        /// OS platform.
        Platform = "platform",
        /// SDK version.
        Sdk = "sdk",
    }
}

string_enum! {
    /// Where in a call an abnormality happened.
    pub enum AbnormalStage {
        /// While joining the room.
        JoinRoom = "join_room",
        /// During the call.
        Communication = "communication",
    }
}

string_enum! {
    /// Whether an abnormal event happened on this client or a remote one.
    pub enum EventLocation {
        /// On the local client.
        Local = "local",
        /// On the remote side.
        Remote = "remote",
    }
}

string_enum! {
    /// The client metrics `ListRtcClientQosDetails` reports (its `mid`
    /// parameter takes them separated by `,`, or `all`). Audio metrics
    /// start with `a`, video with `v`, the auxiliary (screen-sharing)
    /// stream with `d`.
    pub enum QosMetric {
        /// The app's CPU use on the device.
        AppCpu = "appcpu",
        /// The device's CPU use.
        SysCpu = "syscpu",
        /// Audio bitrate, kbps.
        AudioBitrate = "abit",
        /// Video bitrate, kbps.
        VideoBitrate = "vbit",
        /// Auxiliary-stream bitrate, kbps.
        AuxBitrate = "dbit",
        /// Video frame rate, fps.
        VideoFps = "vfps",
        /// Auxiliary-stream frame rate, fps.
        AuxFps = "dfps",
        /// Video freeze rate (freezes of 600 ms or more).
        VideoFreeze = "vblock",
        /// Auxiliary-stream freeze rate (freezes of 600 ms or more).
        AuxFreeze = "dblock",
        /// Audio packet loss.
        AudioLoss = "aloss",
        /// Video packet loss.
        VideoLoss = "vloss",
        /// Auxiliary-stream packet loss.
        AuxLoss = "dloss",
        /// Video width.
        VideoWidth = "vwidth",
        /// Video height.
        VideoHeight = "vheight",
        /// Auxiliary-stream width.
        AuxWidth = "dwidth",
        /// Auxiliary-stream height.
        AuxHeight = "dheight",
        /// Audio jitter.
        AudioJitter = "ajitter",
        /// Audio delay (round trip).
        AudioRtt = "artt",
        /// Video jitter.
        VideoJitter = "vjitter",
        /// Video delay (round trip).
        VideoRtt = "vrtt",
        /// Auxiliary-stream jitter.
        AuxJitter = "djitter",
        /// Auxiliary-stream delay (round trip).
        AuxRtt = "drtt",
    }
}
