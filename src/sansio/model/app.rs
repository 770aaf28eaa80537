//! Applications.

use super::{AppScope, AppStatus, AutoRecordMode, NotifyEvent};
use crate::Secret;

request_model! {
    /// Body of `CreateApp` (SDK model `AppReq`).
    pub struct AppReq {
        required {
            /// Application name (UTF-8).
            app_name: String,
        }
        optional {}
    }
}

response_model! {
    /// An application (output of `ShowApp`; items of `ListApps`).
    pub struct App {
        fields {
            /// Application name.
            app_name: String,
            /// Application id.
            app_id: String,
            /// State and when it last changed.
            state: AppState,
            /// Coverage.
            scope: AppScope,
            /// Account name.
            tenant_name: String,
            /// The application's domain.
            domain: String,
            /// Creation time, UTC, like `2006-01-02T15:04:05.075Z`.
            create_time: String,
            /// URL authentication settings.
            authentication: AppAuth,
            /// Callback settings.
            callbacks: AppCallbacks,
            /// Automatic recording settings.
            auto_record_mode: AppAutoRecordMode,
        }
    }
}

response_model! {
    /// An application's state (SDK model `AppState`).
    pub struct AppState {
        fields {
            /// The state.
            state: AppStatus,
            /// When it last changed, UTC.
            update_time: String,
        }
    }
}

response_model! {
    /// URL authentication settings of an application (SDK model `AppAuth`).
    pub struct AppAuth {
        fields {
            /// Whether URL authentication is on.
            enable: bool,
            /// Validity of the join signature, seconds (default 300).
            expire: i64,
            /// The key join signatures are made with. Secret.
            app_key: Secret,
            /// When the settings last changed, UTC.
            update_time: String,
        }
    }
}

response_model! {
    /// Callback settings of an application (SDK model `AppCallbacks`).
    pub struct AppCallbacks {
        fields {
            /// Stream-push callback.
            push_callback: AppCallbackUrl,
            /// Recording callback.
            record_callback: AppCallbackUrl,
        }
    }
}

response_model! {
    /// A configured callback (SDK model `AppCallbackUrl`).
    pub struct AppCallbackUrl {
        fields {
            /// Callback URL (`http://` or `https://`, receives POSTs).
            url: String,
            /// Key the callbacks are authenticated with. Secret.
            auth_key: Secret,
            /// When the settings last changed, UTC.
            update_time: String,
        }
        lists {
            /// Subscribed recording events.
            notify_event_subscription: NotifyEvent,
        }
    }
}

response_model! {
    /// Automatic recording settings (SDK model `AppAutoRecordMode`).
    pub struct AppAutoRecordMode {
        fields {
            /// Recording mode.
            mode: AutoRecordMode,
            /// Recording rule used when the mode records.
            record_rule_id: String,
            /// When the settings last changed, UTC.
            update_time: String,
        }
    }
}

response_model! {
    /// Output of `ListApps` (SDK model `ListAppsResponse`).
    pub struct AppList {
        fields {
            /// Total number of applications.
            count: i64,
        }
        lists {
            /// This page of applications.
            apps: App,
        }
    }
}

response_model! {
    /// Output of `CreateApp` (SDK model `CreateAppResponse`).
    pub struct CreatedApp {
        fields {
            /// The new application's id.
            app_id: String,
        }
    }
}

response_model! {
    /// Output of `StartApp` and `StopApp` (SDK models `StartAppResponse`, `StopAppResponse`).
    pub struct AppStateChange {
        fields {
            /// Application id.
            app_id: String,
            /// The new state.
            state: AppState,
        }
    }
}
