//! Pacing: the throttle that keeps calls under the documented limits, the
//! retry policy, the retry budget that bounds retries across calls, and the
//! seeded jitter the throttle and the policy draw from.

mod budget;
mod jitter;
pub mod retry;
pub mod throttle;

pub(crate) use jitter::{nanos, splitmix64, uniform, MAX_TIME_NS};
