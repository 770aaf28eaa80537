//! OBS buckets the service may record into: list them, list their objects,
//! grant or revoke its access.

use http::StatusCode;

use crate::model::{self, ObsOperation};
use crate::ops;

use super::super::util::{obs_date, Fail};
use super::super::world::World;
use super::common::{empty, json, Ctx, Reply};

pub(super) fn list_buckets(ctx: &mut Ctx<'_>) -> Result<Reply, Fail> {
    let out = model::ObsBucketList {
        count: Some(ctx.world.buckets.len() as i64),
        buckets: ctx
            .world
            .buckets
            .iter()
            .map(|b| model::ObsBucket {
                bucket: Some(b.name.clone()),
                location: Some(b.location.clone()),
                creation_date: Some(obs_date(b.created)),
                is_authorized: Some(b.authorized),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    };
    json(StatusCode::OK, &out)
}

fn bucket_index(world: &World, bucket: &str, location: &str) -> Result<usize, Fail> {
    world
        .buckets
        .iter()
        .position(|b| b.name == bucket && b.location == location)
        .ok_or_else(|| {
            Fail::invalid(format!(
                "bucket `{bucket}` does not exist in location `{location}`"
            ))
        })
}

/// Files or folders (names ending in `/`), under a prefix.
pub(super) fn list_objects(
    ctx: &mut Ctx<'_>,
    op: ops::ListObsBucketObjects,
) -> Result<Reply, Fail> {
    let b = &ctx.world.buckets[bucket_index(ctx.world, &op.bucket, &op.location)?];
    let folders = op.list_type == model::ObsListType::Folders;
    let prefix = op.prefix.unwrap_or_default();
    let objects: Vec<model::ObsObject> = b
        .objects
        .iter()
        .filter(|o| o.name.ends_with('/') == folders && o.name.starts_with(&prefix))
        .map(|o| model::ObsObject {
            file_name: Some(o.name.clone()),
            size: Some(o.size_kb),
            last_modified: Some(obs_date(o.modified)),
        })
        .collect();
    let out = model::ObsObjectList {
        count: Some(objects.len() as i64),
        objects,
    };
    json(StatusCode::OK, &out)
}

pub(super) fn update_authority(
    ctx: &mut Ctx<'_>,
    op: ops::UpdateObsBucketAuthority,
) -> Result<Reply, Fail> {
    let i = bucket_index(ctx.world, &op.body.bucket, &op.body.location)?;
    ctx.world.buckets[i].authorized = op.body.operation == ObsOperation::Grant;
    empty(StatusCode::OK)
}
