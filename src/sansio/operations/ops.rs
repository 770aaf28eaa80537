//! Every SparkRTC operation, one table entry each.
//!
//! This file is the one place that holds each endpoint's own facts: method,
//! path, rate-limit category, whether it is safe to retry, its parameters, its
//! body and output types, and any documented checks. The `operations!` macro
//! turns the table into a request struct per operation (named after the
//! upstream operation, for example [`CreateMixJob`]), its
//! [`Operation`](crate::Operation) impl, [`OperationId`](crate::OperationId) and the dynamic
//! dispatch. To add an endpoint, add an entry here (and its body models in
//! [`model`](crate::model) if it has new ones). Sections an entry leaves out
//! take their defaults: no parameters, no body, safe to retry.
//!
//! ```
//! use sparkrtc::{ops::ListRtcUserList, model::UserState, Endpoint, Operation};
//!
//! let endpoint = Endpoint::default().with_project_id("proj123")?;
//! let request = ListRtcUserList::new("app-1")
//!     .room_id("room 1")
//!     .state([UserState::Online, UserState::Fail])
//!     .limit(50)
//!     .build(&endpoint)?;
//! assert_eq!(
//!     request.uri(),
//!     "https://rtc-api.myhuaweicloud.com/v1/proj123/rtc/users?app=app-1&limit=50&room_id=room%201&state=FAIL&state=ONLINE"
//! );
//! # Ok::<(), sparkrtc::Error>(())
//! ```

use crate::model::*;

operations! {
    // ---------------------------------------------------------------- apps
    CreateApp {
        summary: "Create an application.",
        aliases: ["NewApp", "application"],
        /// A new application starts enabled (`ACTIVATION`): the reference has
        /// no enabling step after creation, and the simulator creates it so.
        /// Rooms, recording and mixing work without [`StartApp`];
        /// [`App::status`] on a `ShowApp` answer reads the state, and
        /// [`StopApp`] disables the application.
        ///
        /// Not safe to retry: a timeout after sending may have created the
        /// application, and a second request would create another.
        method: POST,
        path: "/v2/apps",
        category: ApplicationManagement,
        retry_safe: false,
        body: AppReq,
        output: CreatedApp,
    }

    ListApps {
        summary: "List applications.",
        aliases: ["applications", "GetApps"],
        method: GET,
        path: "/v2/apps",
        category: ApplicationManagement,
        optional: [
            /// Only applications in this state.
            state: AppStatus,
            /// Page number, from 0 (default 0): the page skips `offset * limit`
            /// applications. A page number here, as on `ListRecordRules`; the
            /// statistical lists take an item offset instead.
            offset: u32,
            /// Page size, 1..=100 (default 100).
            limit: u32 [1..=100],
        ],
        output: AppList,
        pages: { offset: PageNumber, items: apps: App, total: count },
    }

    ShowApp {
        summary: "Show one application.",
        aliases: ["GetApp", "DescribeApp", "application"],
        /// An unknown `app_id` answers 404 `RTC.00001003` ([`Error::is_not_found`](crate::Error::is_not_found)).
        /// Wait for a status with [`Client::wait_app`](crate::client::Client::wait_app).
        method: GET,
        path: "/v2/apps/{app_id}",
        category: ApplicationManagement,
        path_params: [
            /// Application id.
            app_id,
        ],
        output: App,
    }

    DeleteApp {
        summary: "Delete an application.",
        aliases: ["RemoveApp", "application"],
        /// An unknown `app_id` answers 404 `RTC.00001003` ([`Error::is_not_found`](crate::Error::is_not_found)).
        method: DELETE,
        path: "/v2/apps/{app_id}",
        category: ApplicationManagement,
        path_params: [
            /// Application id.
            app_id,
        ],
        output: Empty,
    }

    StartApp {
        summary: "Enable an application.",
        aliases: ["enable", "EnableApp", "activate", "resume"],
        /// An unknown `app_id` answers 404 `RTC.00001003` ([`Error::is_not_found`](crate::Error::is_not_found)).
        method: POST,
        path: "/v2/apps/{app_id}/enable",
        category: ApplicationManagement,
        path_params: [
            /// Application id.
            app_id,
        ],
        output: AppStateChange,
    }

    StopApp {
        summary: "Disable an application: no new rooms; joined rooms continue; mixing and recording stop working.",
        aliases: ["disable", "DisableApp", "deactivate", "suspend"],
        /// An unknown `app_id` answers 404 `RTC.00001003` ([`Error::is_not_found`](crate::Error::is_not_found)).
        method: POST,
        path: "/v2/apps/{app_id}/disable",
        category: ApplicationManagement,
        path_params: [
            /// Application id.
            app_id,
        ],
        output: AppStateChange,
    }

    // -------------------------------------------------------- record rules
    CreateRecordRule {
        summary: "Create a recording rule, or update the application's rule for the same OBS location.",
        aliases: ["template", "RecordTemplate", "CreateRecordTemplate", "recording"],
        /// An unknown `app_id` answers 404 `RTC.00001003` ([`Error::is_not_found`](crate::Error::is_not_found)).
        method: POST,
        path: "/v2/apps/{app_id}/record-rules",
        category: RecordRuleManagement,
        path_params: [
            /// Application id.
            app_id,
        ],
        body: RecordRuleReq,
        output: RecordRule,
    }

    ListRecordRules {
        summary: "List recording rules.",
        aliases: ["template", "ListRecordTemplates", "recording"],
        /// An unknown `app_id` answers 404 `RTC.00001003` ([`Error::is_not_found`](crate::Error::is_not_found)).
        method: GET,
        path: "/v2/apps/{app_id}/record-rules",
        category: RecordRuleManagement,
        path_params: [
            /// Application id.
            app_id,
        ],
        optional: [
            /// Page number, from 0: the page skips `offset * limit` rules. A page
            /// number here, as on `ListApps`; the statistical lists take an
            /// item offset instead.
            offset: u32,
            /// Page size.
            limit: u32,
        ],
        output: RecordRuleList,
        pages: { offset: PageNumber, items: rules: RecordRule },
    }

    ShowRecordRule {
        summary: "Show a recording rule.",
        aliases: ["template", "GetRecordRule", "recording"],
        /// An unknown `app_id` or `rule_id` answers 404 `RTC.00001003` ([`Error::is_not_found`](crate::Error::is_not_found)).
        method: GET,
        path: "/v2/apps/{app_id}/record-rules/{rule_id}",
        category: RecordRuleManagement,
        path_params: [
            /// Application id.
            app_id,
            /// Rule id.
            rule_id,
        ],
        output: RecordRule,
    }

    UpdateRecordRule {
        summary: "Update a recording rule.",
        aliases: ["template", "UpdateRecordTemplate", "recording"],
        /// An unknown `app_id` or `rule_id` answers 404 `RTC.00001003` ([`Error::is_not_found`](crate::Error::is_not_found)).
        method: PUT,
        path: "/v2/apps/{app_id}/record-rules/{rule_id}",
        category: RecordRuleManagement,
        path_params: [
            /// Application id.
            app_id,
            /// Rule id.
            rule_id,
        ],
        body: RecordRuleReq,
        output: RecordRule,
    }

    DeleteRecordRule {
        summary: "Delete a recording rule (not allowed while it is in use).",
        aliases: ["template", "DeleteRecordTemplate", "recording"],
        /// An unknown `app_id` or `rule_id` answers 404 `RTC.00001003` ([`Error::is_not_found`](crate::Error::is_not_found)).
        method: DELETE,
        path: "/v2/apps/{app_id}/record-rules/{rule_id}",
        category: RecordRuleManagement,
        path_params: [
            /// Application id.
            app_id,
            /// Rule id.
            rule_id,
        ],
        output: Empty,
    }

    // ---------------------------------------------------------- auto-record
    ShowAutoRecord {
        summary: "Show the automatic recording settings.",
        aliases: ["automatic", "auto_recording", "GetAutoRecord", "recording"],
        /// An unknown `app_id` answers 404 `RTC.00001003` ([`Error::is_not_found`](crate::Error::is_not_found)).
        method: GET,
        path: "/v2/apps/{app_id}/auto-record-mode",
        category: AutoRecordConfiguration,
        path_params: [
            /// Application id.
            app_id,
        ],
        output: AutoRecordConfig,
    }

    UpdateAutoRecord {
        summary: "Turn automatic single-stream recording on or off.",
        aliases: ["automatic", "auto_recording", "EnableAutoRecord", "DisableAutoRecord", "recording"],
        /// An unknown `app_id` answers 404 `RTC.00001003` ([`Error::is_not_found`](crate::Error::is_not_found)).
        method: PUT,
        path: "/v2/apps/{app_id}/auto-record-mode",
        category: AutoRecordConfiguration,
        path_params: [
            /// Application id.
            app_id,
        ],
        body: AutoRecordModeReq,
        output: AutoRecordConfig,
    }

    // ------------------------------------------------------------ callbacks
    ShowRecordCallback {
        summary: "Show the recording-event callback.",
        aliases: ["webhook", "notification", "GetRecordCallback"],
        /// An unknown `app_id` answers 404 `RTC.00001003` ([`Error::is_not_found`](crate::Error::is_not_found)).
        method: GET,
        path: "/v2/apps/{app_id}/record-callback",
        category: CallbackManagement,
        path_params: [
            /// Application id.
            app_id,
        ],
        output: RecordCallbackConfig,
    }

    UpdateRecordCallback {
        summary: "Set the recording-event callback.",
        aliases: ["webhook", "notification", "SetRecordCallback", "callback_url"],
        /// An unknown `app_id` answers 404 `RTC.00001003` ([`Error::is_not_found`](crate::Error::is_not_found)).
        method: PUT,
        path: "/v2/apps/{app_id}/record-callback",
        category: CallbackManagement,
        path_params: [
            /// Application id.
            app_id,
        ],
        body: AppCallbackUrlReq,
        output: RecordCallbackConfig,
    }

    // ------------------------------------------------------- mixed streams
    CreateMixJob {
        summary: "Start a mixed-stream (transcoding and recording) job.",
        aliases: ["StartMixJob", "mix", "composite", "transcode", "recording"],
        /// Audio-only mixing uses `encode_template` `audio_only` and no video
        /// fields; otherwise `layout_template` is required. The stream is named
        /// `m_{job_id}_{room_id}`.
        ///
        /// An unknown `app_id` answers 404 `RTC.00001003` ([`Error::is_not_found`](crate::Error::is_not_found)).
        /// A disabled application answers `RTC.00001016`
        /// ([`Error::is_app_disabled`](crate::Error::is_app_disabled)). Wait for the job to run with
        /// [`Client::wait_mix_job`](crate::client::Client::wait_mix_job).
        method: POST,
        path: "/v2/apps/{app_id}/mix-stream-jobs",
        category: MixStreamJobManagement,
        retry_safe: false,
        path_params: [
            /// Application id.
            app_id,
        ],
        body: MixJobReq,
        output: MixJob,
    }

    ShowMixJob {
        summary: "Show a mixed-stream job.",
        aliases: ["GetMixJob", "DescribeMixJob", "mix", "status"],
        /// An unknown `app_id` or `job_id` (or a single-stream job's id) answers
        /// 404 `RTC.00001003`, the code of a bad parameter with 404
        /// ([`Error::is_not_found`](crate::Error::is_not_found)). Wait for a state with
        /// [`Client::wait_mix_job`](crate::client::Client::wait_mix_job).
        method: GET,
        path: "/v2/apps/{app_id}/mix-stream-jobs/{job_id}",
        category: MixStreamJobManagement,
        path_params: [
            /// Application id.
            app_id,
            /// Job id.
            job_id,
        ],
        output: MixJob,
    }

    UpdateMixJob {
        summary: "Change the layout of a mixed-stream job.",
        aliases: ["layout", "relayout", "UpdateLayout", "mix"],
        /// An unknown `app_id` or `job_id` answers 404 `RTC.00001003`
        /// ([`Error::is_not_found`](crate::Error::is_not_found)); a stopped job, `RTC.00001009`
        /// ([`Error::is_job_done`](crate::Error::is_job_done)).
        method: PUT,
        path: "/v2/apps/{app_id}/mix-stream-jobs/{job_id}",
        category: MixStreamJobManagement,
        path_params: [
            /// Application id.
            app_id,
            /// Job id.
            job_id,
        ],
        body: UpdateMixJobReq,
        output: MixJob,
    }

    StopMixJob {
        summary: "Stop a mixed-stream job.",
        aliases: ["EndMixJob", "mix"],
        /// An unknown `app_id` or `job_id` answers 404 `RTC.00001003`
        /// ([`Error::is_not_found`](crate::Error::is_not_found)); a stopped job, `RTC.00001009`
        /// ([`Error::is_job_done`](crate::Error::is_job_done)).
        method: DELETE,
        path: "/v2/apps/{app_id}/mix-stream-jobs/{job_id}",
        category: MixStreamJobManagement,
        path_params: [
            /// Application id.
            app_id,
            /// Job id.
            job_id,
        ],
        output: Empty,
    }

    // ------------------------------------------------------ single streams
    CreateIndividualStreamJob {
        summary: "Start a single-stream recording job.",
        aliases: ["StartIndividualStreamJob", "single", "individual", "recording"],
        /// The stream is named `s_{job_id}_{room_id}_{user_id}`.
        ///
        /// An unknown `app_id` answers 404 `RTC.00001003` ([`Error::is_not_found`](crate::Error::is_not_found)).
        /// A disabled application answers `RTC.00001016`
        /// ([`Error::is_app_disabled`](crate::Error::is_app_disabled)). Wait for the job to run with
        /// [`Client::wait_individual_job`](crate::client::Client::wait_individual_job).
        method: POST,
        path: "/v2/apps/{app_id}/individual-stream-jobs",
        category: IndividualStreamJobManagement,
        retry_safe: false,
        path_params: [
            /// Application id.
            app_id,
        ],
        body: IndividualStreamJobReq,
        output: IndividualStreamJob,
    }

    ShowIndividualStreamJob {
        summary: "Show a single-stream job.",
        aliases: ["GetIndividualStreamJob", "single", "individual", "status"],
        /// An unknown `app_id` or `job_id` (or a mixed-stream job's id) answers
        /// 404 `RTC.00001003`, the code of a bad parameter with 404
        /// ([`Error::is_not_found`](crate::Error::is_not_found)). Wait for a state with
        /// [`Client::wait_individual_job`](crate::client::Client::wait_individual_job).
        method: GET,
        path: "/v2/apps/{app_id}/individual-stream-jobs/{job_id}",
        category: IndividualStreamJobManagement,
        path_params: [
            /// Application id.
            app_id,
            /// Job id.
            job_id,
        ],
        output: IndividualStreamJob,
    }

    UpdateIndividualStreamJob {
        summary: "Update a single-stream job (only some changes are supported).",
        aliases: ["single", "individual"],
        /// An unknown `app_id` or `job_id` answers 404 `RTC.00001003`
        /// ([`Error::is_not_found`](crate::Error::is_not_found)); a stopped job, `RTC.00001009`
        /// ([`Error::is_job_done`](crate::Error::is_job_done)).
        method: PUT,
        path: "/v2/apps/{app_id}/individual-stream-jobs/{job_id}",
        category: IndividualStreamJobManagement,
        path_params: [
            /// Application id.
            app_id,
            /// Job id.
            job_id,
        ],
        body: UpdateIndividualJobReq,
        output: IndividualStreamJob,
    }

    StopIndividualStreamJob {
        summary: "Stop a single-stream job.",
        aliases: ["EndIndividualStreamJob", "single", "individual"],
        /// An unknown `app_id` or `job_id` answers 404 `RTC.00001003`
        /// ([`Error::is_not_found`](crate::Error::is_not_found)); a stopped job, `RTC.00001009`
        /// ([`Error::is_job_done`](crate::Error::is_job_done)).
        method: DELETE,
        path: "/v2/apps/{app_id}/individual-stream-jobs/{job_id}",
        category: IndividualStreamJobManagement,
        path_params: [
            /// Application id.
            app_id,
            /// Job id.
            job_id,
        ],
        output: Empty,
    }

    // --------------------------------------------------------------- rooms
    RemoveRoom {
        summary: "Dismiss a room, removing every user in it.",
        aliases: ["dismiss", "DismissRoom", "close", "CloseRoom", "DeleteRoom"],
        /// An unknown `app_id`, or a room the service cannot find, answers 404
        /// `RTC.00001003` ([`Error::is_not_found`](crate::Error::is_not_found)).
        method: POST,
        path: "/v2/apps/{app_id}/rooms/{room_id}/dismiss",
        category: RoomManagement,
        path_params: [
            /// Application id.
            app_id,
            /// Room id.
            room_id,
        ],
        output: Empty,
    }

    RemoveUsers {
        summary: "Remove users from a room.",
        aliases: ["kick", "KickUsers", "KickUser", "RemoveUser", "expel"],
        /// An unknown `app_id` answers 404 `RTC.00001003` ([`Error::is_not_found`](crate::Error::is_not_found)).
        method: POST,
        path: "/v2/apps/{app_id}/rooms/{room_id}/batch-remove-users",
        category: RoomManagement,
        path_params: [
            /// Application id.
            app_id,
            /// Room id.
            room_id,
        ],
        body: RemoveUsersReq,
        output: Empty,
    }

    // ---------------------------------------------------------- OBS buckets
    ListObsBuckets {
        summary: "List OBS buckets.",
        aliases: ["storage", "bucket"],
        method: GET,
        path: "/v2/rtc-ops/buckets",
        category: ObsBucketManagement,
        output: ObsBucketList,
    }

    ListObsBucketObjects {
        summary: "List the folders or objects in an OBS bucket.",
        aliases: ["storage", "bucket", "folders", "objects"],
        method: GET,
        path: "/v2/rtc-ops/buckets/objects",
        category: ObsBucketManagement,
        query: [
            /// Bucket name.
            bucket: String,
            /// Folders or objects (wire name `type`).
            list_type as "type": ObsListType,
            /// Region of the bucket.
            location: String,
        ],
        optional: [
            /// Object-name prefix (a folder path).
            prefix: String,
        ],
        output: ObsObjectList,
    }

    UpdateObsBucketAuthority {
        summary: "Grant or revoke SparkRTC's access to an OBS bucket.",
        aliases: ["grant", "revoke", "authorize", "permission", "bucket"],
        method: PUT,
        path: "/v2/rtc-ops/buckets/authentication",
        category: ObsBucketManagement,
        body: ObsAuthorityConfig,
        output: Empty,
    }

    // ------------------------------------------------ statistical analysis
    ListRtcAbnormalEvent {
        summary: "Show a user's abnormal-experience events (data of the last 5 days).",
        aliases: ["abnormal", "statistics"],
        method: GET,
        path: "/v1/{project_id}/rtc/client/abnormalevent",
        category: StatisticalAnalysis,
        project_id: optional,
        query: [
            /// Application id.
            app_id: String,
            /// Start, UTC, `YYYY-MM-DDThh:mm:ssZ`; at most 1 hour before `end_time`.
            start_time: UtcTime,
            /// End, UTC, `YYYY-MM-DDThh:mm:ssZ`.
            end_time: UtcTime,
        ],
        optional: [
            /// Room id.
            room_id: String,
        ],
        output: AbnormalEventDetail,
    }

    ListRtcEvent {
        summary: "Show event details (data of the last 5 days).",
        aliases: ["events", "statistics"],
        method: GET,
        path: "/v1/{project_id}/rtc/client/event",
        category: StatisticalAnalysis,
        project_id: optional,
        query: [
            /// Application id.
            app_id: String,
            /// Start, UTC, `YYYY-MM-DDThh:mm:ssZ`; at most 1 hour before `end_time`.
            start_time: UtcTime,
            /// End, UTC, `YYYY-MM-DDThh:mm:ssZ`.
            end_time: UtcTime,
        ],
        optional: [
            /// Room id.
            room_id: String,
        ],
        output: RtcEventDetail,
    }

    ListRtcAbnormalEventDimension {
        summary: "Show how abnormal events are distributed (span at most 1 day).",
        aliases: ["abnormal", "statistics"],
        method: GET,
        path: "/v1/rtc/data/abnormal-event/dimension",
        category: StatisticalAnalysis,
        query: [
            /// Application id.
            app: String,
        ],
        optional: [
            /// Room id.
            room_id: String,
            /// Grouping: `abnormal_type`, `abnormal_factor`, or both.
            dimension: String,
            /// Start, UTC, `YYYY-MM-DDThh:mm:ssZ` (default: one hour ago).
            start_time: UtcTime,
            /// End, UTC, `YYYY-MM-DDThh:mm:ssZ` (default: now).
            end_time: UtcTime,
        ],
        output: AbnormalEventDimensions,
    }

    ListRtcAbnormalEvents {
        summary: "List abnormal-experience events (span at most 1 day).",
        aliases: ["abnormal", "statistics"],
        method: GET,
        path: "/v1/rtc/data/abnormal-events",
        category: StatisticalAnalysis,
        query: [
            /// Application id.
            app: String,
        ],
        optional: [
            /// Room id.
            room_id: String,
            /// User id.
            uid: String,
            /// Start, UTC, `YYYY-MM-DDThh:mm:ssZ` (default: one hour ago).
            start_time: UtcTime,
            /// End, UTC, `YYYY-MM-DDThh:mm:ssZ` (default: now).
            end_time: UtcTime,
            /// Page size.
            limit: u32,
            /// Item offset, from 0: the number of items to skip (not a page
            /// number, unlike `ListApps`); [`pages`](crate::pages) advances it
            /// by the items each page returned.
            offset: u32,
        ],
        output: AbnormalEvents,
        pages: { offset: ItemOffset, items: events: AbnormalEvent, total: total },
    }

    ListRtcClientQosDetails {
        summary: "Show a user's call-quality metrics (data of the last 5 days).",
        aliases: ["qos", "quality", "statistics", "metrics"],
        method: GET,
        path: "/v1/{project_id}/rtc/client/qos/details",
        category: StatisticalAnalysis,
        project_id: optional,
        query: [
            /// Application id.
            app_id: String,
            /// Room id.
            room_id: String,
            /// Metric ids separated by `,` (the values of [`QosMetric`](crate::model::QosMetric): `appcpu`, `vbit`, `aloss`, ...), or `all`.
            mid: String,
            /// Start, UTC, `YYYY-MM-DDThh:mm:ssZ`.
            start_time: UtcTime,
            /// End, UTC, `YYYY-MM-DDThh:mm:ssZ`; at most 24 hours after `start_time`.
            end_time: UtcTime,
        ],
        optional: [
            /// Domain.
            domain: String,
            /// Sending user.
            user_id: String,
            /// Receiving user.
            peer_id: String,
            /// Stream id.
            stream_id: String,
            /// Upstream or downstream.
            direction: String,
            /// `stime` to query by storage time (default: client time, `ctime`).
            time_type: String,
            /// Page size.
            limit: u32,
            /// Item offset, from 0: the number of items to skip (not a page
            /// number, unlike `ListApps`); [`pages`](crate::pages) advances it
            /// by the items each page returned.
            offset: u32,
        ],
        output: ClientQosDetails,
        pages: { offset: ItemOffset, items: data: QosQualityData },
    }

    ListRtcHistoryQuality {
        summary: "Show daily quality metrics (last 31 days; today is not available).",
        aliases: ["quality", "statistics", "metrics"],
        method: GET,
        path: "/v1/{project_id}/rtc/history/quality",
        category: StatisticalAnalysis,
        project_id: optional,
        query: [
            /// Application id.
            app: String,
            /// Metrics (sent as repeated `metric` keys).
            metric: Vec<HistoryQualityMetric>,
        ],
        optional: [
            /// First day, `YYYY-MM-DD`, UTC (default: yesterday).
            start_date: UtcDate,
            /// Last day, `YYYY-MM-DD`, UTC.
            end_date: UtcDate,
        ],
        output: HistoryQuality,
    }

    ListRtcHistoryScale {
        summary: "Show daily scale metrics (last 31 days; today is not available).",
        aliases: ["scale", "statistics", "metrics"],
        method: GET,
        path: "/v1/{project_id}/rtc/history/scale",
        category: StatisticalAnalysis,
        project_id: optional,
        query: [
            /// Application id.
            app: String,
            /// Metrics (sent as repeated `metric` keys).
            metric: Vec<HistoryScaleMetric>,
        ],
        optional: [
            /// First day, `YYYY-MM-DD`, UTC (default: yesterday).
            start_date: UtcDate,
            /// Last day, `YYYY-MM-DD`, UTC.
            end_date: UtcDate,
        ],
        output: HistoryScale,
    }

    ListRtcHistoryUsage {
        summary: "Show usage over a period.",
        aliases: ["usage", "billing", "minutes", "statistics"],
        method: GET,
        path: "/v1/{project_id}/rtc/history/usage",
        category: StatisticalAnalysis,
        project_id: optional,
        query: [
            /// Application id.
            app: String,
            /// What to measure.
            metric: UsageMetric,
            /// First day, `YYYY-MM-DD`, UTC.
            start_date: UtcDate,
            /// Last day, `YYYY-MM-DD`, UTC.
            end_date: UtcDate,
        ],
        output: HistoryUsage,
    }

    ListRtcRealtimeNetwork {
        summary: "Show per-minute network metrics (span at most 1 day).",
        aliases: ["network", "statistics", "metrics"],
        method: GET,
        path: "/v1/{project_id}/rtc/realtime/network",
        category: StatisticalAnalysis,
        project_id: optional,
        query: [
            /// Application id.
            app: String,
            /// What to measure.
            metric: NetworkMetric,
            /// Native or web SDKs.
            sdk_type: SdkType,
        ],
        optional: [
            /// Room id.
            room_id: String,
            /// Start, UTC, `YYYY-MM-DDThh:mm:ssZ` (default: one hour ago).
            start_time: UtcTime,
            /// End, UTC, `YYYY-MM-DDThh:mm:ssZ` (default: now).
            end_time: UtcTime,
        ],
        output: RealtimeNetwork,
    }

    ListRtcRealtimeQuality {
        summary: "Show per-minute quality metrics (span at most 1 day).",
        aliases: ["quality", "statistics", "metrics"],
        method: GET,
        path: "/v1/{project_id}/rtc/realtime/quality",
        category: StatisticalAnalysis,
        project_id: optional,
        query: [
            /// Application id.
            app: String,
            /// What to measure.
            metric: RealtimeQualityMetric,
            /// Native or web SDKs.
            sdk_type: SdkType,
        ],
        optional: [
            /// Room id.
            room_id: String,
            /// Start, UTC, `YYYY-MM-DDThh:mm:ssZ` (default: one hour ago).
            start_time: UtcTime,
            /// End, UTC, `YYYY-MM-DDThh:mm:ssZ` (default: now).
            end_time: UtcTime,
        ],
        output: RealtimeQuality,
    }

    ListRtcRealtimeScale {
        summary: "Show per-minute scale metrics (span at most 1 day).",
        aliases: ["online", "concurrent", "scale", "statistics"],
        method: GET,
        path: "/v1/{project_id}/rtc/realtime/scale",
        category: StatisticalAnalysis,
        project_id: optional,
        query: [
            /// Application id.
            app: String,
            /// What to count.
            metric: ScaleMetric,
        ],
        optional: [
            /// Room id.
            room_id: String,
            /// Start, UTC, `YYYY-MM-DDThh:mm:ssZ` (default: one hour ago).
            start_time: UtcTime,
            /// End, UTC, `YYYY-MM-DDThh:mm:ssZ` (default: now).
            end_time: UtcTime,
        ],
        output: RealtimeScale,
    }

    ListRtcRealtimeScaleDimension {
        summary: "Show online users by a dimension (region, network, platform, SDK) at one moment.",
        aliases: ["online", "concurrent", "scale", "statistics"],
        method: GET,
        path: "/v1/{project_id}/rtc/realtime/scale/dimension",
        category: StatisticalAnalysis,
        project_id: optional,
        query: [
            /// Application id.
            app: String,
            /// What to count (documented: `OnlineUsers`).
            metric: ScaleMetric,
            /// The dimension.
            dimension: ScaleDimension,
            /// The moment, UTC, `YYYY-MM-DDThh:mm:ssZ`.
            time: UtcTime,
        ],
        optional: [
            /// Room id.
            room_id: String,
        ],
        output: RealtimeScaleDimensions,
    }

    ListRtcRoomList {
        summary: "List the rooms created in a period (span at most 90 days).",
        aliases: ["rooms", "ListRooms", "statistics"],
        method: GET,
        path: "/v1/{project_id}/rtc/rooms",
        category: StatisticalAnalysis,
        project_id: optional,
        query: [
            /// Application id.
            app: String,
        ],
        optional: [
            /// Room id.
            room_id: String,
            /// Room state.
            state: RoomState,
            /// Start, UTC, `YYYY-MM-DDThh:mm:ssZ` (default: one hour ago).
            start_time: UtcTime,
            /// End, UTC, `YYYY-MM-DDThh:mm:ssZ` (default: now).
            end_time: UtcTime,
            /// Page size.
            limit: u32,
            /// Item offset, from 0: the number of items to skip (not a page
            /// number, unlike `ListApps`); [`pages`](crate::pages) advances it
            /// by the items each page returned.
            offset: u32,
        ],
        output: RoomList,
        pages: { offset: ItemOffset, items: room_info_list: RtcRoomInfo, total: total },
    }

    ListRtcUserList {
        summary: "List the users who joined rooms in a period (span at most 90 days).",
        aliases: ["users", "ListUsers", "participants", "statistics"],
        method: GET,
        path: "/v1/{project_id}/rtc/users",
        category: StatisticalAnalysis,
        project_id: optional,
        query: [
            /// Application id.
            app: String,
        ],
        optional: [
            /// Room id.
            room_id: String,
            /// User id.
            uid: String,
            /// Nickname.
            nickname: String,
            /// Provinces, by name or code such as `GD` (repeated `region` keys).
            region: Vec<String>,
            /// Carriers (repeated `isp` keys).
            isp: Vec<String>,
            /// User states (repeated `state` keys).
            state: Vec<UserState>,
            /// Start, UTC, `YYYY-MM-DDThh:mm:ssZ` (default: one hour ago).
            start_time: UtcTime,
            /// End, UTC, `YYYY-MM-DDThh:mm:ssZ` (default: now).
            end_time: UtcTime,
            /// Page size.
            limit: u32,
            /// Item offset, from 0: the number of items to skip (not a page
            /// number, unlike `ListApps`); [`pages`](crate::pages) advances it
            /// by the items each page returned.
            offset: u32,
            /// Per session (`detail`) or per user (`summary`, the default); wire name `type`.
            mode as "type": UserListMode,
        ],
        output: UserList,
        pages: { offset: ItemOffset, items: users: RtcUser, total: total },
    }
}
