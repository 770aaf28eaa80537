//! The throttle calculator: documented limits, exact waits, server feedback
//! (Retry-After in every format, the APIG.0308 message, daily quotas), clamped
//! time, pruning, and a property test over arbitrary call sequences against
//! the reference model shared with the fuzz target
//! (`tests/support/throttle_model.rs`).

use crate::catalog;
mod categories;
mod clock;
mod memory;
mod properties;
mod retry_after;
mod scopes;
mod server_limits;
#[path = "../../support/throttle_model.rs"]
mod throttle_model;

use std::time::Duration;

use http::{HeaderMap, HeaderValue, StatusCode};
use sparkrtc::throttle::{Blocked, RateLimit, Scope, Throttle};

const NS: Duration = Duration::from_nanos(1);

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn ms(m: u64) -> Duration {
    Duration::from_millis(m)
}

fn limit(requests: u32, window: Duration) -> RateLimit {
    RateLimit { requests, window }
}

fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (name, value) in pairs {
        h.append(
            http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            HeaderValue::from_str(value).unwrap(),
        );
    }
    h
}

const THROTTLED: &[u8] = br#"{"error_code":"APIG.0308","error_msg":"The throttling threshold has been reached: policy user over ratelimit,limit:60,time:1 minute"}"#;

fn throttled_body(message: &str) -> Vec<u8> {
    serde_json::to_vec(&serde_json::json!({"error_code": "APIG.0308", "error_msg": message}))
        .unwrap()
}

/// Feeds a 429 with the headers `h` (and the `THROTTLED` body) to `scope`.
fn feed(t: &mut Throttle, scope: Scope, now: Duration, h: &[(&str, &str)]) -> Blocked {
    t.on_response(
        scope,
        now,
        StatusCode::TOO_MANY_REQUESTS,
        &headers(h),
        THROTTLED,
    )
    .unwrap()
    .expect("a 429 blocks")
}
