//! Typed cases: record rules, auto-record settings and record callbacks.

use sparkrtc::model::*;
use sparkrtc::ops::*;
use sparkrtc::{Endpoint, OperationId};

use super::fixture::Response;
use super::typed::*;

/// The typed case of `id`, if it is a record rule, auto-record or callback operation.
pub fn case(id: OperationId, ep: &Endpoint, r: &Response) -> Option<Typed> {
    use OperationId as Id;
    Some(match id {
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
                AppCallbackUrlReq::new("http://mydomain.com")
                    .auth_key("78912374ae8cdb3878912374ae8cdb38"),
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
        _ => return None,
    })
}
