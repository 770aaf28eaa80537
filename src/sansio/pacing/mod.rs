//! Pacing: the throttle that keeps calls under the documented limits, the
//! retry policy, and the seeded jitter both draw from.

mod jitter;
pub mod retry;
pub mod throttle;

pub(crate) use jitter::{nanos, splitmix64, uniform, MAX_TIME_NS};
