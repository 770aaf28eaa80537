//! The times a request carries: [`UtcTime`] and [`UtcDate`].

use std::borrow::Cow;
use std::fmt;
use std::ops::Deref;
use std::str::FromStr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::sansio::model::rules::{Checks, Field, FieldPath};
use crate::sansio::operations::incoming::QueryScalar;
use crate::sansio::wire::encoding::{QueryPair, QueryValue};
use crate::timefmt::{self, TimeError};
use crate::Error;

/// Declares a request time type: its text as sent, and the time it names
/// (or why it names none), checked when the request is built.
macro_rules! request_time {
    (
        $(#[$meta:meta])*
        pub struct $name:ident;
        format: $format:path,
        parse: $parse:path,
        truncate: $unit:expr,
    ) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, Hash)]
        pub struct $name {
            text: String,
            time: Result<SystemTime, TimeError>,
        }

        impl $name {
            /// The text sent on the wire. Empty for a `SystemTime` out of
            /// the form's range (which the request refuses when built).
            pub fn as_str(&self) -> &str {
                &self.text
            }

            /// The time the value names, or why it names none (what the
            /// request reports, naming the field, when it is built).
            pub fn time(&self) -> Result<SystemTime, TimeError> {
                self.time.clone()
            }
        }

        /// The time, truncated to the form's precision. A time before 1970
        /// or after 9999 is kept as an error that `build` reports.
        impl From<SystemTime> for $name {
            fn from(time: SystemTime) -> Self {
                match $format(time) {
                    Ok(text) => {
                        let secs = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
                        let unit: u64 = $unit;
                        let kept = UNIX_EPOCH + Duration::from_secs(secs - secs % unit);
                        $name { text, time: Ok(kept) }
                    }
                    Err(e) => $name { text: String::new(), time: Err(e) },
                }
            }
        }

        /// The text as given: `build` refuses it, naming the field, when it
        /// is not in the form.
        impl From<&str> for $name {
            fn from(text: &str) -> Self {
                $name::from(text.to_owned())
            }
        }

        /// The text as given: `build` refuses it, naming the field, when it
        /// is not in the form.
        impl From<String> for $name {
            fn from(text: String) -> Self {
                let time = $parse(&text);
                $name { text, time }
            }
        }

        /// The text as given: `build` refuses it, naming the field, when it
        /// is not in the form.
        impl From<&String> for $name {
            fn from(text: &String) -> Self {
                $name::from(text.clone())
            }
        }

        /// The text as given: `build` refuses it, naming the field, when it
        /// is not in the form.
        impl From<Cow<'_, str>> for $name {
            fn from(text: Cow<'_, str>) -> Self {
                $name::from(text.into_owned())
            }
        }

        /// The text, checked now.
        impl FromStr for $name {
            type Err = TimeError;
            fn from_str(text: &str) -> Result<Self, TimeError> {
                let value = $name::from(text);
                value.time.clone().map(|_| value)
            }
        }

        impl<T: Into<$name>> $crate::model::IntoField<$name> for T {
            fn into_field(self) -> $name {
                self.into()
            }
        }

        /// Reads as the text sent, so a value passes where a `&str` is taken.
        impl Deref for $name {
            type Target = str;
            fn deref(&self) -> &str {
                &self.text
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.text
            }
        }

        /// The text sent.
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.text)
            }
        }

        /// `Name("2020-04-23T06:00:00Z")`, with the error when the value names no time.
        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let mut t = f.debug_tuple(stringify!($name));
                t.field(&self.text);
                if let Err(e) = &self.time {
                    t.field(e);
                }
                t.finish()
            }
        }

        /// As the text, exactly as given.
        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&self.text)
            }
        }

        /// Any string: like a value given to a setter, it is checked when
        /// the request is built.
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                String::deserialize(d).map($name::from)
            }
        }

        impl QueryValue for $name {
            fn append_to<'a>(&'a self, key: &'static str, out: &mut Vec<QueryPair<'a>>) {
                out.push((key, Cow::Borrowed(&self.text)));
            }
        }

        impl QueryScalar for $name {
            fn from_text(text: &str) -> Result<Self, String> {
                Ok($name::from(text))
            }
        }

        /// Missing when empty; otherwise it must name a time in the form
        /// (always checked, [`Unchecked`](crate::Unchecked) or not: the form
        /// is the value's type, not a documented range).
        impl Field for $name {
            fn is_missing(&self) -> bool {
                self.text.is_empty() && !matches!(self.time, Err(TimeError::OutOfRange { .. }))
            }

            fn check(&self, at: &FieldPath<'_>, _: Checks) -> Result<(), Error> {
                match &self.time {
                    Ok(_) => Ok(()),
                    Err(e) => Err(at.invalid(reason(e))),
                }
            }
        }
    };
}

/// Why a request refuses a time: `must be a UTC time YYYY-MM-DDThh:mm:ssZ
/// (like 2020-04-23T06:00:00Z), got `2020-04-23 06:00``.
fn reason(error: &TimeError) -> String {
    match error {
        TimeError::Malformed { form, text } => format!(
            "must be {form} (like {}), got `{}`",
            form.example(),
            text.escape_debug()
        ),
        TimeError::OutOfRange { form } => {
            format!("must be a time from 1970 to 9999 to be sent as {form}")
        }
    }
}

request_time! {
    /// A time a request sends as `YYYY-MM-DDThh:mm:ssZ` (UTC, whole
    /// seconds): the statistics operations' `start_time`, `end_time` and
    /// `time`.
    ///
    /// Setters take a [`SystemTime`] (the fraction of a second dropped) or
    /// the text itself. The text is checked when the request is built: one
    /// not in the form is [`Error::InvalidParameter`] naming the field,
    /// before anything is sent. [`timefmt`] formats and parses the form.
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use sparkrtc::model::{RealtimeQualityMetric, SdkType, UtcTime};
    /// use sparkrtc::ops::ListRtcRealtimeQuality;
    /// use sparkrtc::{Endpoint, Error, Operation};
    ///
    /// let endpoint = Endpoint::default().with_project_id("proj123")?;
    /// // "The last hour" of a clock reading (here a fixed one: SystemTime::now() in real code).
    /// let now = UNIX_EPOCH + Duration::from_millis(1_587_625_200_500);
    /// let request = ListRtcRealtimeQuality::new("app-1", RealtimeQualityMetric::JoinSuccessRate, SdkType::Native)
    ///     .start_time(now - Duration::from_secs(3600))
    ///     .end_time(now)
    ///     .build(&endpoint)?;
    /// assert!(request.uri().query().unwrap().contains("end_time=2020-04-23T07%3A00%3A00Z"));
    /// assert!(request.uri().query().unwrap().contains("start_time=2020-04-23T06%3A00%3A00Z"));
    ///
    /// // The text works too, and is checked before anything is sent.
    /// let typo = ListRtcRealtimeQuality::new("app-1", RealtimeQualityMetric::JoinSuccessRate, SdkType::Native)
    ///     .start_time("2020-04-23 06:00:00")
    ///     .build(&endpoint)
    ///     .unwrap_err();
    /// assert_eq!(
    ///     typo.to_string(),
    ///     "invalid parameter `start_time` of ListRtcRealtimeQuality: must be a UTC time \
    ///      YYYY-MM-DDThh:mm:ssZ (like 2020-04-23T06:00:00Z), got `2020-04-23 06:00:00`"
    /// );
    ///
    /// let t = UtcTime::from(now);
    /// assert_eq!(t.as_str(), "2020-04-23T07:00:00Z");
    /// assert_eq!(t.time(), Ok(UNIX_EPOCH + Duration::from_secs(1_587_625_200)));
    /// assert!("2020-04-23T07:00".parse::<UtcTime>().is_err());
    /// # Ok::<(), Error>(())
    /// ```
    pub struct UtcTime;
    format: timefmt::format_utc_seconds,
    parse: timefmt::parse_utc_seconds,
    truncate: 1,
}

request_time! {
    /// A day a request sends as `YYYY-MM-DD` (UTC): the daily statistics'
    /// `start_date` and `end_date`.
    ///
    /// Setters take a [`SystemTime`] (its UTC day) or the text itself. The
    /// text is checked when the request is built: one not in the form is
    /// [`Error::InvalidParameter`] naming the field, before anything is
    /// sent. [`timefmt`] formats and parses the form.
    ///
    /// ```
    /// use std::time::{Duration, UNIX_EPOCH};
    /// use sparkrtc::model::{UsageMetric, UtcDate};
    /// use sparkrtc::ops::ListRtcHistoryUsage;
    /// use sparkrtc::{Endpoint, Operation};
    ///
    /// let endpoint = Endpoint::default().with_project_id("proj123")?;
    /// let now = UNIX_EPOCH + Duration::from_secs(1_587_625_200); // 2020-04-23T07:00:00Z
    /// let week_ago = now - Duration::from_secs(7 * 86_400);
    /// let request = ListRtcHistoryUsage::new("app-1", UsageMetric::CommunicationDuration, week_ago, now)
    ///     .build(&endpoint)?;
    /// assert_eq!(
    ///     request.uri().query(),
    ///     Some("app=app-1&end_date=2020-04-23&metric=CommunicationDuration&start_date=2020-04-16")
    /// );
    ///
    /// let day = UtcDate::from(now);
    /// assert_eq!(day.as_str(), "2020-04-23");
    /// assert_eq!(day.time(), Ok(UNIX_EPOCH + Duration::from_secs(1_587_600_000)));
    ///
    /// let bad = ListRtcHistoryUsage::new("app-1", UsageMetric::CommunicationDuration, "2020-4-16", now)
    ///     .build(&endpoint)
    ///     .unwrap_err();
    /// assert_eq!(
    ///     bad.to_string(),
    ///     "invalid parameter `start_date` of ListRtcHistoryUsage: must be a date YYYY-MM-DD \
    ///      (like 2020-04-23), got `2020-4-16`"
    /// );
    /// # Ok::<(), sparkrtc::Error>(())
    /// ```
    pub struct UtcDate;
    format: timefmt::format_date,
    parse: timefmt::parse_date,
    truncate: 86_400,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(secs: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn system_times_are_truncated_to_the_form() {
        let t = UtcTime::from(at(1_587_625_200) + Duration::from_millis(999));
        assert_eq!(t.as_str(), "2020-04-23T07:00:00Z");
        assert_eq!(t.time(), Ok(at(1_587_625_200)));
        let d = UtcDate::from(at(1_587_625_200));
        assert_eq!(d.as_str(), "2020-04-23");
        assert_eq!(d.time(), Ok(at(1_587_600_000)));
        // Exactly midnight stays on its day.
        assert_eq!(UtcDate::from(at(1_587_600_000)).as_str(), "2020-04-23");
        assert_eq!(UtcDate::from(at(1_587_599_999)).as_str(), "2020-04-22");
    }

    #[test]
    fn out_of_range_times_are_kept_as_errors() {
        let early = UtcTime::from(UNIX_EPOCH - Duration::from_secs(1));
        assert_eq!(early.as_str(), "");
        assert_eq!(
            early.time(),
            Err(TimeError::OutOfRange {
                form: timefmt::TimeForm::UtcSeconds
            })
        );
        assert!(!early.is_missing());
        let e = early
            .check(&FieldPath::root("start_time"), Checks::ALL)
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid parameter `start_time`: must be a time from 1970 to 9999 to be sent as a UTC time YYYY-MM-DDThh:mm:ssZ"
        );
        assert_eq!(
            format!("{early:?}"),
            "UtcTime(\"\", OutOfRange { form: UtcSeconds })"
        );
        let late = UtcDate::from(at(253_402_300_800));
        assert_eq!(
            late.time(),
            Err(TimeError::OutOfRange {
                form: timefmt::TimeForm::Date
            })
        );
    }

    #[test]
    fn text_is_kept_verbatim_and_checked_without_range_checks_too() {
        let t = UtcTime::from("2020-04-23T07:00:00Z");
        assert_eq!(&*t, "2020-04-23T07:00:00Z");
        let owned = String::from("2020-04-23T07:00:00Z");
        assert_eq!(UtcTime::from(&owned), t);
        assert_eq!(UtcTime::from(Cow::Borrowed(owned.as_str())), t);
        assert_eq!(
            UtcDate::from(&String::from("2020-04-23")).time(),
            Ok(at(1_587_600_000))
        );
        assert_eq!(UtcDate::from(Cow::Owned(String::from("x"))).as_str(), "x");
        assert_eq!(t.as_ref() as &str, "2020-04-23T07:00:00Z");
        assert_eq!(t.to_string(), "2020-04-23T07:00:00Z");
        assert_eq!(format!("{t:?}"), "UtcTime(\"2020-04-23T07:00:00Z\")");
        assert_eq!(t, "2020-04-23T07:00:00Z".parse().unwrap());
        assert!(!t.is_missing());
        assert!(t
            .check(&FieldPath::root("x"), Checks::WITHOUT_RANGES)
            .is_ok());
        let bad = UtcTime::from(String::from("2020-04-23T07:00:00.000Z"));
        assert_eq!(
            bad.check(&FieldPath::root("end_time"), Checks::WITHOUT_RANGES)
                .unwrap_err()
                .to_string(),
            "invalid parameter `end_time`: must be a UTC time YYYY-MM-DDThh:mm:ssZ (like 2020-04-23T06:00:00Z), got `2020-04-23T07:00:00.000Z`"
        );
        assert_eq!(
            "2020-04-23T07:00:00.000Z".parse::<UtcTime>(),
            Err(TimeError::Malformed {
                form: timefmt::TimeForm::UtcSeconds,
                text: "2020-04-23T07:00:00.000Z".into()
            })
        );
        // Empty text is missing (a required field reports it as such).
        assert!(UtcTime::from("").is_missing());
        assert!(UtcDate::from("").is_missing());
        // Control characters are escaped in the message.
        let e = UtcDate::from("2020\n")
            .check(&FieldPath::root("d"), Checks::ALL)
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid parameter `d`: must be a date YYYY-MM-DD (like 2020-04-23), got `2020\\n`"
        );
    }

    #[test]
    fn serde_and_query_forms_are_the_text() {
        let t = UtcTime::from("x");
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"x\"");
        let back: UtcTime = serde_json::from_str("\"2020-04-23T07:00:00Z\"").unwrap();
        assert_eq!(back.time(), Ok(at(1_587_625_200)));
        assert!(serde_json::from_str::<UtcDate>("20200423").is_err());
        let mut pairs = Vec::new();
        let day = UtcDate::from("2020-04-23");
        day.append_to("start_date", &mut pairs);
        assert_eq!(pairs, vec![("start_date", Cow::Borrowed("2020-04-23"))]);
        assert_eq!(
            UtcDate::from_text("2020-04-23"),
            Ok(UtcDate::from("2020-04-23"))
        );
        assert_eq!(UtcTime::from_text("nope"), Ok(UtcTime::from("nope")));
    }
}
