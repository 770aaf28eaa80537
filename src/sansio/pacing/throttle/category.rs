//! The documented rate-limit categories and their limits.

use std::time::Duration;

/// A documented request limit: at most `requests` calls in any `window`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RateLimit {
    /// Calls allowed per window.
    pub requests: u32,
    /// Window length.
    pub window: Duration,
}

macro_rules! throttle_categories {
    ($( $(#[doc = $doc:literal])* $variant:ident = $name:literal, $requests:literal per $secs:literal s; )+) => {
        /// The server-side rate-limit categories of the API reference
        /// ("Before You Start", API call limits).
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum ThrottleCategory {
            $( $(#[doc = $doc])* #[doc = concat!("\n\nDocumented limit: ", $requests, " requests per ", $secs, " s.")] $variant, )+
        }

        impl ThrottleCategory {
            /// Every category.
            pub const ALL: &'static [ThrottleCategory] = &[$(ThrottleCategory::$variant),+];

            /// The category's name in the API catalog, e.g. `mix_stream_job_management`.
            pub fn name(self) -> &'static str {
                match self { $( ThrottleCategory::$variant => $name, )+ }
            }

            /// The documented limit.
            pub fn documented_limit(self) -> RateLimit {
                match self {
                    $( ThrottleCategory::$variant => RateLimit {
                        requests: $requests,
                        window: Duration::from_secs($secs),
                    }, )+
                }
            }
        }
    };
}

throttle_categories! {
    /// Application management.
    ApplicationManagement = "application_management", 60 per 60 s;
    /// Recording rules.
    RecordRuleManagement = "record_rule_management", 60 per 60 s;
    /// Auto-recording configuration.
    AutoRecordConfiguration = "auto_record_configuration", 60 per 60 s;
    /// Recording-callback configuration.
    CallbackManagement = "callback_management", 60 per 60 s;
    /// Mixed-stream recording jobs.
    MixStreamJobManagement = "mix_stream_job_management", 10 per 1 s;
    /// Single-stream recording jobs.
    IndividualStreamJobManagement = "individual_stream_job_management", 10 per 1 s;
    /// Rooms (dismissing rooms, removing users).
    RoomManagement = "room_management", 60 per 60 s;
    /// OBS bucket management.
    ObsBucketManagement = "obs_bucket_management", 2 per 1 s;
    /// Statistical analysis (`/v1`).
    StatisticalAnalysis = "statistical_analysis", 30 per 60 s;
}
