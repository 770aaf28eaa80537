//! Applications.

use super::{access, AppScope, AppStatus, AutoRecordMode, NotifyEvent};
use crate::{Error, Secret};

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
            app_name: String [always text],
            /// Application id.
            app_id: String [always text],
            /// State and when it last changed.
            state: AppState [always value],
            /// Coverage.
            scope: AppScope,
            /// Account name.
            tenant_name: String,
            /// The application's domain.
            domain: String,
            /// Creation time, UTC, like `2006-01-02T15:04:05.075Z`.
            create_time: String [always utc],
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
    /// An application's state and when it last changed (SDK model
    /// `AppState`): the `state` of an [`App`] and of an [`AppStateChange`].
    ///
    /// Not the status itself: that is the value set [`AppStatus`]
    /// (`ACTIVATION`, `DEACTIVATION`, ...), in this struct's `state` field.
    /// [`App::status`] and [`AppStateChange::status`] read it in one step;
    /// the names are the official SDK's.
    pub struct AppState {
        fields {
            /// The state.
            state: AppStatus [always value],
            /// When it last changed, UTC.
            update_time: String [optional utc],
        }
    }
}

response_model! {
    /// URL authentication settings of an application (SDK model `AppAuth`).
    pub struct AppAuth {
        fields {
            /// Whether URL authentication is on.
            enable: bool,
            /// The signature validity the application reports for URL
            /// authentication, seconds (default 300). A join signature's
            /// expiry is the `ctime` the application server signs (the
            /// reference recommends now plus 2 hours, under 12): see
            /// [`join`](crate::join) for which governs. Read-only here: no
            /// operation sets it.
            expire: i64,
            /// The key join signatures are made with. Secret.
            app_key: Secret,
            /// When the settings last changed, UTC.
            update_time: String [optional utc],
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
            url: String [always text],
            /// Key the callbacks are authenticated with. Secret.
            auth_key: Secret,
            /// When the settings last changed, UTC.
            update_time: String [optional utc],
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
            mode: AutoRecordMode [always value],
            /// Recording rule used when the mode records.
            record_rule_id: String,
            /// When the settings last changed, UTC.
            update_time: String [optional utc],
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
            app_id: String [always text],
        }
    }
}

response_model! {
    /// Output of `StartApp` and `StopApp` (SDK models `StartAppResponse`, `StopAppResponse`).
    pub struct AppStateChange {
        fields {
            /// Application id.
            app_id: String [always text],
            /// The new state.
            state: AppState [always value],
        }
    }
}

impl App {
    /// The application's status ([`AppStatus`], `state.state`), straight
    /// from the [`AppState`] the service always returns: by reference, or
    /// [`Error::Decode`](crate::Error::Decode) naming `state` or
    /// `state.state` when an answer leaves it out.
    ///
    /// ```
    /// use sparkrtc::model::{App, AppStatus};
    ///
    /// let app: App = serde_json::from_str(r#"{"app_id":"a-1","state":{"state":"ACTIVATION"}}"#).unwrap();
    /// match app.status()? {
    ///     AppStatus::Activation => {}
    ///     other => panic!("{other}"),
    /// }
    /// # Ok::<(), sparkrtc::Error>(())
    /// ```
    pub fn status(&self) -> Result<&AppStatus, Error> {
        status_of("App", self.state.as_ref())
    }

    /// The key room-join signatures are made with
    /// (`authentication.app_key`, for [`join::sign`](crate::join::sign)), or
    /// [`Error::Decode`](crate::Error::Decode) naming `authentication` or
    /// `authentication.app_key` when an answer leaves it out. A
    /// [`Secret`]: its `Debug` and `Display` never show it.
    ///
    /// ```
    /// use sparkrtc::model::App;
    ///
    /// let app: App = serde_json::from_str(
    ///     r#"{"app_id":"a-1","authentication":{"app_key":"0123456789abcdef0123456789abcdef"}}"#,
    /// ).unwrap();
    /// assert_eq!(app.app_key()?.expose_secret(), "0123456789abcdef0123456789abcdef");
    /// let bare: App = serde_json::from_str(r#"{"app_id":"a-1"}"#).unwrap();
    /// assert!(bare.app_key().unwrap_err().to_string().contains("authentication"));
    /// # Ok::<(), sparkrtc::Error>(())
    /// ```
    pub fn app_key(&self) -> Result<&Secret, Error> {
        let auth = access::required(self.authentication.as_ref(), "App", "authentication")?;
        access::required(auth.app_key.as_ref(), "App", "authentication.app_key")
    }
}

impl AppStateChange {
    /// The application's new status ([`AppStatus`], `state.state`), straight
    /// from the [`AppState`] the service always returns: by reference, or
    /// [`Error::Decode`](crate::Error::Decode) naming `state` or
    /// `state.state` when an answer leaves it out.
    pub fn status(&self) -> Result<&AppStatus, Error> {
        status_of("AppStateChange", self.state.as_ref())
    }
}

fn status_of<'a>(model: &'static str, state: Option<&'a AppState>) -> Result<&'a AppStatus, Error> {
    let state = access::required(state, model, "state")?;
    access::required(state.state.as_ref(), model, "state.state")
}
