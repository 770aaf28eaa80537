//! Typed request and response bodies for every operation.
//!
//! Naming: request bodies keep the official SDK's model names (`MixJobReq`,
//! `RecordRuleReq`, ...). Response bodies that several operations share one
//! type: `ShowMixJobResponse`, `CreateMixJobResponse` and
//! `UpdateMixJobResponse` are all [`MixJob`]; each operation's docs name its
//! output type.
//!
//! Conventions:
//! - Optional request fields are `Option` and are omitted from the JSON when
//!   unset (never `null`). Setters take what converts into the field
//!   ([`IntoField`]): `&str` or `String` for text, integer literals for
//!   integers, any iterator (an array, a `Vec`) for lists.
//! - Response-only models have every field optional (`Option`, or an empty
//!   `Vec` for lists, where `null` also reads as empty), and unknown fields
//!   are ignored, so a server that adds or omits a field never breaks parsing.
//! - Documented value sets are enums with an `Unknown(String)` fallback.
//! - Secret values (`app_key`, `auth_key`) are [`Secret`](crate::Secret)s.

#[macro_use]
mod macros;
#[macro_use]
pub(crate) mod rules;
pub(crate) mod lenient;

mod app;
mod enums;
mod job;
mod obs;
mod record;
mod stats;

pub use app::*;
pub use enums::*;
pub use job::*;
pub use obs::*;
pub use record::*;
pub use stats::*;

use serde::{Deserialize, Serialize};

/// An empty response body (`{}` or no body at all).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Empty {}

/// A value a setter or constructor accepts for a field of type `T`.
///
/// Text fields take anything `Into<String>`, value sets take their variants
/// or their wire text, integers take integer literals (`.limit(10)`), lists
/// take any iterator of such values (`.state([UserState::Online])`,
/// `.region(vec!["GD", "SH"])`), nested models take themselves.
///
/// ```
/// use sparkrtc::model::UserState;
/// use sparkrtc::ops::ListRtcUserList;
///
/// let request = ListRtcUserList::new("app-1")
///     .limit(10)
///     .state([UserState::Online, UserState::Fail])
///     .region(["GD", "SH"]);
/// assert_eq!(request.limit, Some(10));
/// assert_eq!(request.region, Some(vec!["GD".to_owned(), "SH".to_owned()]));
/// ```
pub trait IntoField<T> {
    /// Converts the value into the field's type.
    fn into_field(self) -> T;
}

macro_rules! exact_fields {
    ($($t:ty),*) => {$(
        impl IntoField<$t> for $t {
            fn into_field(self) -> $t {
                self
            }
        }
    )*};
}
exact_fields!(u8, u16, u32, u64, i32, i64, f64, bool, ObsOperation);

impl<S: Into<String>> IntoField<String> for S {
    fn into_field(self) -> String {
        self.into()
    }
}

impl<S: Into<crate::Secret>> IntoField<crate::Secret> for S {
    fn into_field(self) -> crate::Secret {
        self.into()
    }
}

impl<T, I> IntoField<Vec<T>> for I
where
    I: IntoIterator,
    I::Item: IntoField<T>,
{
    fn into_field(self) -> Vec<T> {
        self.into_iter().map(IntoField::into_field).collect()
    }
}
