//! Typed cases: applications (create, list, show, update, start, stop, delete).

use sparkrtc::model::*;
use sparkrtc::ops::*;
use sparkrtc::{Endpoint, OperationId};

use super::fixture::Response;
use super::typed::*;

/// The typed case of `id`, if it is an application operation.
pub fn case(id: OperationId, ep: &Endpoint, r: &Response) -> Option<Typed> {
    use OperationId as Id;
    Some(match id {
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
        _ => return None,
    })
}
