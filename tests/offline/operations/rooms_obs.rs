//! Typed cases: rooms and users, and OBS buckets.

use sparkrtc::model::*;
use sparkrtc::ops::*;
use sparkrtc::{Endpoint, OperationId};

use super::fixture::Response;
use super::typed::*;

/// The typed case of `id`, if it is a room or OBS bucket operation.
pub fn case(id: OperationId, ep: &Endpoint, r: &Response) -> Option<Typed> {
    use OperationId as Id;
    Some(match id {
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
        _ => return None,
    })
}
