//! The declarative macros behind the models: value sets, request bodies,
//! response bodies. Each model's own facts (fields, types, required or not,
//! documented ranges, extra rules) stay in its declaration; the mechanics
//! live here.

/// Declares a string value set with an `Unknown(String)` fallback, so a value
/// the service adds later parses instead of failing.
///
/// Generates `as_str`, `KNOWN`, `From<&str>`, `From<String>`, `Display`,
/// serde (as a plain JSON string, no allocation for known values), the query
/// encoding, and the field rules (an empty value counts as missing).
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $wire:literal $(| $alias:literal)*, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[cfg_attr(feature = "arbitrary", derive(::arbitrary::Arbitrary))]
        pub enum $name {
            $( $(#[$vmeta])* #[doc = concat!("`", $wire, "`")] $variant, )+
            /// A value this version of the crate does not know, kept verbatim.
            Unknown(String),
        }

        impl $name {
            /// Every documented value.
            pub const KNOWN: &'static [$name] = &[$($name::$variant),+];

            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $wire, )+
                    $name::Unknown(s) => s,
                }
            }

            fn from_known(s: &str) -> Option<Self> {
                match s {
                    $( $wire $(| $alias)* => Some($name::$variant), )+
                    _ => None,
                }
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self::from_known(s).unwrap_or_else(|| $name::Unknown(s.to_owned()))
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                Self::from_known(&s).unwrap_or($name::Unknown(s))
            }
        }

        impl<S: Into<$name>> $crate::model::IntoField<$name> for S {
            fn into_field(self) -> $name {
                self.into()
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl ::serde::de::Visitor<'_> for V {
                    type Value = $name;
                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str(concat!("a string (", stringify!($name), ")"))
                    }
                    fn visit_str<E: ::serde::de::Error>(self, v: &str) -> Result<$name, E> {
                        Ok($name::from(v))
                    }
                    fn visit_string<E: ::serde::de::Error>(self, v: String) -> Result<$name, E> {
                        Ok($name::from(v))
                    }
                    // Lenient: a number where a string is documented reads as its text.
                    fn visit_u64<E: ::serde::de::Error>(self, v: u64) -> Result<$name, E> {
                        Ok($name::from(v.to_string()))
                    }
                    fn visit_i64<E: ::serde::de::Error>(self, v: i64) -> Result<$name, E> {
                        Ok($name::from(v.to_string()))
                    }
                }
                d.deserialize_any(V)
            }
        }

        impl $crate::sansio::wire::encoding::QueryValue for $name {
            fn append_to<'a>(
                &'a self,
                key: &'static str,
                out: &mut Vec<$crate::sansio::wire::encoding::QueryPair<'a>>,
            ) {
                out.push((key, ::std::borrow::Cow::Borrowed(self.as_str())));
            }
        }

        impl $crate::sansio::model::rules::Field for $name {
            fn is_missing(&self) -> bool {
                self.as_str().is_empty()
            }
        }

        impl $crate::sansio::operations::incoming::QueryScalar for $name {
            fn from_text(text: &str) -> Result<Self, String> {
                Ok($name::from(text))
            }
        }

        impl $crate::sansio::model::lenient::Lenient for $name {
            fn deserialize_lenient<'de, D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                ::serde::Deserialize::deserialize(d)
            }
        }

        impl $crate::sansio::model::lenient::Placeholder for $name {
            fn placeholder() -> Self {
                $name::Unknown(String::new())
            }
        }
    };
}

/// Declares a request body model.
///
/// Required fields go through `new`; optional ones are `Option`s with chained
/// setters, omitted from the JSON when unset. A field may carry its
/// documented range in brackets (`zorder: u32 [0..=25]`); an extra rule that
/// involves several fields goes in `rules: |model, at, checks| ...`.
///
/// The generated validation refuses a required field that is missing or empty
/// (always), checks the documented ranges (unless the request is sent
/// [`Unchecked`](crate::ops::Unchecked)), validates nested models, and runs
/// the extra rule.
macro_rules! request_model {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            required { $( $(#[doc = $rdoc:literal])* $r:ident : $rty:ty $([$($rrange:tt)*])? ),* $(,)? }
            optional { $( $(#[doc = $odoc:literal])* $o:ident : $oty:ty $([$($orange:tt)*])? ),* $(,)? }
            $( rules: $rules:expr, )?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
        #[cfg_attr(feature = "arbitrary", derive(::arbitrary::Arbitrary))]
        #[non_exhaustive]
        pub struct $name {
            $( $(#[doc = $rdoc])* pub $r: $rty, )*
            $(
                $(#[doc = $odoc])*
                #[serde(default, skip_serializing_if = "Option::is_none")]
                pub $o: Option<$oty>,
            )*
        }

        #[allow(clippy::new_without_default)]
        impl $name {
            /// Creates the value from its required fields; optional fields are unset.
            pub fn new($( $r: impl $crate::model::IntoField<$rty> ),*) -> Self {
                $name {
                    $( $r: $r.into_field(), )*
                    $( $o: None, )*
                }
            }

            $(
                $(#[doc = $odoc])*
                pub fn $o(mut self, value: impl $crate::model::IntoField<$oty>) -> Self {
                    self.$o = Some(value.into_field());
                    self
                }
            )*
        }

        impl $crate::model::IntoField<$name> for $name {
            fn into_field(self) -> $name {
                self
            }
        }

        impl $crate::sansio::model::rules::Field for $name {
            fn check(
                &self,
                at: &$crate::sansio::model::rules::FieldPath<'_>,
                checks: $crate::sansio::model::rules::Checks,
            ) -> Result<(), $crate::Error> {
                #[allow(unused_imports)]
                use $crate::sansio::model::rules::{require, Field};
                let _ = (&at, &checks);
                $(
                    let field = at.field(stringify!($r));
                    require(&field, &self.$r, checks)?;
                    $( check_range!(&field, &self.$r, checks; $($rrange)*)?; )?
                )*
                $(
                    if let Some(value) = &self.$o {
                        let field = at.field(stringify!($o));
                        value.check(&field, checks)?;
                        $( check_range!(&field, value, checks; $($orange)*)?; )?
                    }
                )*
                $(
                    let rules: fn(
                        &$name,
                        &$crate::sansio::model::rules::FieldPath<'_>,
                        $crate::sansio::model::rules::Checks,
                    ) -> Result<(), $crate::Error> = $rules;
                    rules(self, at, checks)?;
                )?
                Ok(())
            }
        }

        // Inside a response (a job's `mix_param`, a rule's `hls_config`) the
        // model is read like response models are: scalars leniently, and a
        // missing required field as a placeholder (empty, zero, `Unknown("")`)
        // instead of failing the whole answer. Requests stay strict.
        impl $crate::sansio::model::lenient::Lenient for $name {
            fn deserialize_lenient<'de, D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                #[derive(::serde::Deserialize)]
                struct Shadow {
                    $(
                        #[serde(default, deserialize_with = "crate::sansio::model::lenient::lenient")]
                        $r: Option<$rty>,
                    )*
                    $(
                        #[serde(default, deserialize_with = "crate::sansio::model::lenient::lenient")]
                        $o: Option<$oty>,
                    )*
                }
                let _shadow = <Shadow as ::serde::Deserialize>::deserialize(d)?;
                Ok($name {
                    $( $r: _shadow.$r.unwrap_or_else($crate::sansio::model::lenient::Placeholder::placeholder), )*
                    $( $o: _shadow.$o, )*
                })
            }
        }

        impl $crate::sansio::model::lenient::Placeholder for $name {
            fn placeholder() -> Self {
                $name {
                    $( $r: $crate::sansio::model::lenient::Placeholder::placeholder(), )*
                    $( $o: None, )*
                }
            }
        }
    };
}

/// Declares a response-only model: every field optional, lists empty when
/// missing or `null`, unknown fields ignored, `Default` for building fakes.
/// Scalars are read leniently (see `lenient::Lenient`).
///
/// A field may carry an accessor in brackets after its type, generated by
/// [`field_accessor!`] (the rule is in the [`model`](crate::model) docs):
/// `job_id: String [always text]`, `state: JobState [always value]`,
/// `size: i64 [always copy]`, `create_time: String [always utc]`,
/// `date: String [always date]`, `creation_date: String [always obs]`,
/// `stop_time: String [optional utc]`.
macro_rules! response_model {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            fields { $( $(#[doc = $doc:literal])* $f:ident : $t:ty $([$($acc:tt)*])?, )* }
            $( lists { $( $(#[doc = $ldoc:literal])* $l:ident : $lt:ty, )* } )?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Default, PartialEq, ::serde::Serialize, ::serde::Deserialize)]
        #[cfg_attr(feature = "arbitrary", derive(::arbitrary::Arbitrary))]
        #[non_exhaustive]
        pub struct $name {
            $(
                $(#[doc = $doc])*
                #[serde(
                    default,
                    deserialize_with = "crate::sansio::model::lenient::lenient",
                    skip_serializing_if = "Option::is_none"
                )]
                pub $f: Option<$t>,
            )*
            $($(
                $(#[doc = $ldoc])*
                #[serde(
                    default,
                    deserialize_with = "crate::sansio::model::lenient::null_as_default",
                    skip_serializing_if = "Vec::is_empty"
                )]
                pub $l: Vec<$lt>,
            )*)?
        }

        impl $crate::sansio::model::lenient::Lenient for $name {
            fn deserialize_lenient<'de, D: ::serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                ::serde::Deserialize::deserialize(d)
            }
        }

        impl $name {
            $( field_accessor!($name, $f, $t, [$($doc)*] $(, $($acc)*)?); )*
        }
    };
}

/// The accessor of a response model's field, by the kind its declaration
/// gives (nothing without one). Each repeats the field's docs and says what
/// it returns:
///
/// - `always text`: `Result<&str, Error>`;
/// - `always value`: `Result<&T, Error>` (value sets, nested models, secrets);
/// - `always copy`: `Result<T, Error>` (numbers, booleans);
/// - `always utc` / `always date` / `always obs`: `Result<SystemTime, Error>`,
///   the text parsed with [`timefmt::parse_utc`](crate::timefmt::parse_utc),
///   [`parse_date`](crate::timefmt::parse_date) or
///   [`parse_obs`](crate::timefmt::parse_obs);
/// - `optional utc`: `Result<Option<SystemTime>, Error>`, `None` when absent
///   or "not yet" (`-`, the zero time `0001-01-01T00:00:00Z`).
///
/// The error is [`Error::Decode`](crate::Error::Decode) naming the field:
/// absent (for `always`), or not a time in its form.
macro_rules! field_accessor {
    ($model:ident, $f:ident, $t:ty, [$($doc:literal)*]) => {};
    ($model:ident, $f:ident, $t:ty, [$($doc:literal)*], always text) => {
        $(#[doc = $doc])*
        #[doc = ""]
        #[doc = concat!(
            "Always returned: the text, or [`Error::Decode`](crate::Error::Decode) naming `",
            stringify!($f), "` when an answer leaves it out."
        )]
        pub fn $f(&self) -> Result<&str, $crate::Error> {
            $crate::sansio::model::access::required(
                self.$f.as_deref(),
                stringify!($model),
                stringify!($f),
            )
        }
    };
    ($model:ident, $f:ident, $t:ty, [$($doc:literal)*], always value) => {
        $(#[doc = $doc])*
        #[doc = ""]
        #[doc = concat!(
            "Always returned: the value, by reference (`match x.", stringify!($f),
            "()? { .. }` needs no clone), or [`Error::Decode`](crate::Error::Decode) naming `",
            stringify!($f), "` when an answer leaves it out."
        )]
        pub fn $f(&self) -> Result<&$t, $crate::Error> {
            $crate::sansio::model::access::required(
                self.$f.as_ref(),
                stringify!($model),
                stringify!($f),
            )
        }
    };
    ($model:ident, $f:ident, $t:ty, [$($doc:literal)*], always copy) => {
        $(#[doc = $doc])*
        #[doc = ""]
        #[doc = concat!(
            "Always returned: the value, or [`Error::Decode`](crate::Error::Decode) naming `",
            stringify!($f), "` when an answer leaves it out."
        )]
        pub fn $f(&self) -> Result<$t, $crate::Error> {
            $crate::sansio::model::access::required(
                self.$f.as_ref(),
                stringify!($model),
                stringify!($f),
            )
            .copied()
        }
    };
    ($model:ident, $f:ident, $t:ty, [$($doc:literal)*], always utc) => {
        field_accessor!(@time $model, $f, [$($doc)*], parse_utc,
            "`YYYY-MM-DDThh:mm:ssZ`, or with a fraction of a second");
    };
    ($model:ident, $f:ident, $t:ty, [$($doc:literal)*], always date) => {
        field_accessor!(@time $model, $f, [$($doc)*], parse_date, "`YYYY-MM-DD`, the start of that UTC day");
    };
    ($model:ident, $f:ident, $t:ty, [$($doc:literal)*], always obs) => {
        field_accessor!(@time $model, $f, [$($doc)*], parse_obs, "`YYYY/MM/DD hh:mm:ss GMT+08:00`");
    };
    (@time $model:ident, $f:ident, [$($doc:literal)*], $parse:ident, $form:literal) => {
        $(#[doc = $doc])*
        #[doc = ""]
        #[doc = concat!(
            "Always returned: the time, parsed from ", $form, " ([`timefmt::", stringify!($parse),
            "`](crate::timefmt::", stringify!($parse), ")), or [`Error::Decode`](crate::Error::Decode) naming `",
            stringify!($f), "` when an answer leaves it out or it is not in that form. The text ",
            "itself is the field."
        )]
        pub fn $f(&self) -> Result<::std::time::SystemTime, $crate::Error> {
            $crate::sansio::model::access::time(
                self.$f.as_deref(),
                stringify!($model),
                stringify!($f),
                $crate::timefmt::$parse,
            )
        }
    };
    ($model:ident, $f:ident, $t:ty, [$($doc:literal)*], optional utc) => {
        $(#[doc = $doc])*
        #[doc = ""]
        #[doc = concat!(
            "Optional: `Ok(None)` when absent or not yet (`-`, or the zero time ",
            "`0001-01-01T00:00:00Z`); otherwise the time, parsed from `YYYY-MM-DDThh:mm:ssZ` ",
            "or with a fraction of a second ([`timefmt::parse_utc`](crate::timefmt::parse_utc)), ",
            "or [`Error::Decode`](crate::Error::Decode) naming `", stringify!($f),
            "` when it is not in that form. The text itself is the field."
        )]
        pub fn $f(&self) -> Result<Option<::std::time::SystemTime>, $crate::Error> {
            $crate::sansio::model::access::optional_time(
                self.$f.as_deref(),
                stringify!($model),
                stringify!($f),
                $crate::timefmt::parse_utc,
            )
        }
    };
}
