//! The operations: what each does to the world and what it answers, by
//! area. [`dispatch`] runs the operation of a request the gateway let
//! through.

mod apps;
mod common;
mod jobs;
mod obs;
mod rooms;
mod rules;
mod stats;

use crate::dynamic::Incoming;
use crate::model::AppStatus;
use crate::{ops, OperationId};

use super::util::Fail;

pub(crate) use common::{Ctx, Reply};
pub(crate) use rooms::{join, leave};

/// A recording job's `max_idle_time` when the request leaves it out
/// (seconds), as documented.
pub(crate) const DEFAULT_MAX_IDLE_TIME: u32 = 30;

/// Runs the operation of `incoming`.
pub(crate) fn dispatch(ctx: &mut Ctx<'_>, incoming: &Incoming) -> Result<Reply, Fail> {
    use common::typed;
    use OperationId as Id;
    match incoming.operation {
        Id::CreateApp => apps::create(ctx, typed(incoming)?),
        Id::ListApps => apps::list(ctx, typed(incoming)?),
        Id::ShowApp => apps::show(ctx, typed(incoming)?),
        Id::DeleteApp => apps::delete(ctx, typed(incoming)?),
        Id::StartApp => {
            let op: ops::StartApp = typed(incoming)?;
            apps::set_status(ctx, &op.app_id, AppStatus::Activation)
        }
        Id::StopApp => {
            let op: ops::StopApp = typed(incoming)?;
            apps::set_status(ctx, &op.app_id, AppStatus::Deactivation)
        }
        Id::CreateRecordRule => rules::create(ctx, typed(incoming)?),
        Id::ListRecordRules => rules::list(ctx, typed(incoming)?),
        Id::ShowRecordRule => rules::show(ctx, typed(incoming)?),
        Id::UpdateRecordRule => rules::update(ctx, typed(incoming)?),
        Id::DeleteRecordRule => rules::delete(ctx, typed(incoming)?),
        Id::ShowAutoRecord => rules::show_auto_record(ctx, typed(incoming)?),
        Id::UpdateAutoRecord => rules::update_auto_record(ctx, typed(incoming)?),
        Id::ShowRecordCallback => rules::show_callback(ctx, typed(incoming)?),
        Id::UpdateRecordCallback => rules::update_callback(ctx, typed(incoming)?),
        Id::CreateMixJob => jobs::create_mix(ctx, typed(incoming)?),
        Id::ShowMixJob => jobs::show_mix(ctx, typed(incoming)?),
        Id::UpdateMixJob => jobs::update_mix(ctx, typed(incoming)?),
        Id::StopMixJob => {
            let op: ops::StopMixJob = typed(incoming)?;
            jobs::stop(ctx, &op.app_id, &op.job_id, false)
        }
        Id::CreateIndividualStreamJob => jobs::create_individual(ctx, typed(incoming)?),
        Id::ShowIndividualStreamJob => jobs::show_individual(ctx, typed(incoming)?),
        Id::UpdateIndividualStreamJob => jobs::update_individual(ctx, typed(incoming)?),
        Id::StopIndividualStreamJob => {
            let op: ops::StopIndividualStreamJob = typed(incoming)?;
            jobs::stop(ctx, &op.app_id, &op.job_id, true)
        }
        Id::RemoveRoom => rooms::remove_room(ctx, typed(incoming)?),
        Id::RemoveUsers => rooms::remove_users(ctx, typed(incoming)?),
        Id::ListObsBuckets => obs::list_buckets(ctx),
        Id::ListObsBucketObjects => obs::list_objects(ctx, typed(incoming)?),
        Id::UpdateObsBucketAuthority => obs::update_authority(ctx, typed(incoming)?),
        Id::ListRtcAbnormalEvent => stats::client_abnormal_event(ctx, typed(incoming)?),
        Id::ListRtcEvent => stats::client_event(ctx, typed(incoming)?),
        Id::ListRtcAbnormalEventDimension => stats::abnormal_dimensions(ctx, typed(incoming)?),
        Id::ListRtcAbnormalEvents => stats::abnormal_events(ctx, typed(incoming)?),
        Id::ListRtcClientQosDetails => stats::qos_details(ctx, typed(incoming)?),
        Id::ListRtcHistoryQuality => stats::history_quality(ctx, typed(incoming)?),
        Id::ListRtcHistoryScale => stats::history_scale(ctx, typed(incoming)?),
        Id::ListRtcHistoryUsage => stats::history_usage(ctx, typed(incoming)?),
        Id::ListRtcRealtimeNetwork => stats::realtime_network(ctx, typed(incoming)?),
        Id::ListRtcRealtimeQuality => stats::realtime_quality(ctx, typed(incoming)?),
        Id::ListRtcRealtimeScale => stats::realtime_scale(ctx, typed(incoming)?),
        Id::ListRtcRealtimeScaleDimension => stats::scale_dimension(ctx, typed(incoming)?),
        Id::ListRtcRoomList => stats::room_list(ctx, typed(incoming)?),
        Id::ListRtcUserList => stats::user_list(ctx, typed(incoming)?),
    }
}
