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
//!   unset (never `null`).
//! - Response-only models have every field optional (`Option`, or an empty
//!   `Vec` for lists, where `null` also reads as empty), and unknown fields
//!   are ignored, so a server that adds or omits a field never breaks parsing.
//! - Documented value sets are enums with an `Unknown(String)` fallback.
//! - Secret values (`app_key`, `auth_key`) are [`Secret`](crate::Secret)s.

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

use std::fmt;

use serde::de::{self, Unexpected, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

use super::encoding::Presence;
use super::Error;

/// An empty response body (`{}` or no body at all).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Empty {}

/// A path to a field, for error messages: `body.mix_param.layout_panes[2].x`.
/// Built on the stack while validating; rendered only when something fails.
#[derive(Clone, Copy)]
pub(crate) struct FieldPath<'a> {
    parent: Option<&'a FieldPath<'a>>,
    name: &'static str,
    index: Option<usize>,
}

impl<'a> FieldPath<'a> {
    pub(crate) fn root(name: &'static str) -> Self {
        FieldPath {
            parent: None,
            name,
            index: None,
        }
    }

    pub(crate) fn field(&'a self, name: &'static str) -> FieldPath<'a> {
        FieldPath {
            parent: Some(self),
            name,
            index: None,
        }
    }

    pub(crate) fn index(&'a self, index: usize) -> FieldPath<'a> {
        FieldPath {
            parent: Some(self),
            name: "",
            index: Some(index),
        }
    }

    pub(crate) fn invalid(&self, reason: impl Into<String>) -> Error {
        Error::invalid(self.to_string(), reason)
    }
}

impl fmt::Display for FieldPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(parent) = self.parent {
            parent.fmt(f)?;
        }
        match self.index {
            Some(i) => write!(f, "[{i}]"),
            None if self.parent.is_some() => write!(f, ".{}", self.name),
            None => f.write_str(self.name),
        }
    }
}

/// Checks a request body against the documented rules.
pub(crate) trait Validate {
    fn validate(&self, at: &FieldPath<'_>) -> Result<(), Error>;
}

impl<T: Validate> Validate for Option<T> {
    fn validate(&self, at: &FieldPath<'_>) -> Result<(), Error> {
        match self {
            Some(v) => v.validate(at),
            None => Ok(()),
        }
    }
}

impl<T: Validate> Validate for Vec<T> {
    fn validate(&self, at: &FieldPath<'_>) -> Result<(), Error> {
        for (i, v) in self.iter().enumerate() {
            v.validate(&at.index(i))?;
        }
        Ok(())
    }
}

/// A required top-level parameter must not be empty.
pub(crate) fn require<T: Presence + ?Sized>(name: &str, value: &T) -> Result<(), Error> {
    if value.is_missing() {
        Err(Error::invalid(name, "is required and must not be empty"))
    } else {
        Ok(())
    }
}

/// A required body field must not be empty.
pub(crate) fn require_at<T: Presence + ?Sized>(at: &FieldPath<'_>, value: &T) -> Result<(), Error> {
    if value.is_missing() {
        Err(at.invalid("is required and must not be empty"))
    } else {
        Ok(())
    }
}

/// An integer, if set, must lie in `lo..=hi`.
pub(crate) fn in_range<T>(at: &FieldPath<'_>, value: Option<T>, lo: T, hi: T) -> Result<(), Error>
where
    T: PartialOrd + fmt::Display + Copy,
{
    match value {
        Some(v) if v < lo || v > hi => {
            Err(at.invalid(format!("must be within {lo}..={hi}, got {v}")))
        }
        _ => Ok(()),
    }
}

/// A float, if set, must be finite and lie in `0.0..=1.0`.
pub(crate) fn unit_interval(at: &FieldPath<'_>, value: Option<f64>) -> Result<(), Error> {
    match value {
        Some(v) if !(0.0..=1.0).contains(&v) => Err(at.invalid(format!(
            "must be a fraction of the canvas within 0.0..=1.0, got {v}"
        ))),
        _ => Ok(()),
    }
}

/// How a response field is read: like `Deserialize`, but a scalar of a
/// neighbouring JSON type is accepted where the documented type is a string
/// or a number. The API reference's own examples send ids documented as
/// strings as numbers (`"room_id": 1`), so a strict reader would reject
/// answers the service documents.
///
/// - strings (and [`Secret`](crate::Secret)s, and value sets) also accept
///   numbers and booleans, as their JSON text;
/// - integers also accept integral floats and numeric strings;
/// - floats also accept integers and numeric strings;
/// - booleans also accept `"true"` and `"false"`.
pub(crate) trait Lenient: Sized {
    /// Reads the value leniently.
    fn deserialize_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error>;
}

/// `deserialize_with` for optional response fields: `null` or missing is
/// `None`, anything else is read with [`Lenient`].
pub(crate) fn lenient<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Lenient,
{
    struct Wrap<T>(T);
    impl<'de, T: Lenient> Deserialize<'de> for Wrap<T> {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            T::deserialize_lenient(d).map(Wrap)
        }
    }
    Ok(Option::<Wrap<T>>::deserialize(d)?.map(|w| w.0))
}

/// The value a required field of a request model takes when a response
/// leaves it out (see `request_model!`).
pub(crate) trait Placeholder {
    fn placeholder() -> Self;
}

impl Placeholder for String {
    fn placeholder() -> Self {
        String::new()
    }
}

impl Placeholder for u32 {
    fn placeholder() -> Self {
        0
    }
}

impl<T> Placeholder for Vec<T> {
    fn placeholder() -> Self {
        Vec::new()
    }
}

impl Lenient for u32 {
    fn deserialize_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = i64::deserialize_lenient(d)?;
        u32::try_from(v).map_err(|_| de::Error::invalid_value(Unexpected::Signed(v), &"a u32"))
    }
}

impl Lenient for i32 {
    fn deserialize_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = i64::deserialize_lenient(d)?;
        i32::try_from(v).map_err(|_| de::Error::invalid_value(Unexpected::Signed(v), &"an i32"))
    }
}

impl<T: Lenient> Lenient for Vec<T> {
    fn deserialize_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Elem<T>(T);
        impl<'de, T: Lenient> Deserialize<'de> for Elem<T> {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                T::deserialize_lenient(d).map(Elem)
            }
        }
        struct Seq<T>(std::marker::PhantomData<T>);
        impl<'de, T: Lenient> Visitor<'de> for Seq<T> {
            type Value = Vec<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a list")
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
                while let Some(Elem(v)) = seq.next_element::<Elem<T>>()? {
                    out.push(v);
                }
                Ok(out)
            }
        }
        d.deserialize_seq(Seq(std::marker::PhantomData))
    }
}

struct ScalarVisitor<T>(std::marker::PhantomData<T>);

impl<T> ScalarVisitor<T> {
    fn new() -> Self {
        ScalarVisitor(std::marker::PhantomData)
    }
}

impl Lenient for String {
    fn deserialize_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ScalarVisitor::<String>::new())
    }
}

impl Lenient for crate::Secret {
    fn deserialize_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize_lenient(d).map(crate::Secret::new)
    }
}

impl Lenient for i64 {
    fn deserialize_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ScalarVisitor::<i64>::new())
    }
}

impl Lenient for f64 {
    fn deserialize_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ScalarVisitor::<f64>::new())
    }
}

impl Lenient for bool {
    fn deserialize_lenient<'de, D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ScalarVisitor::<bool>::new())
    }
}

impl Visitor<'_> for ScalarVisitor<String> {
    type Value = String;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
        Ok(v.to_owned())
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
        Ok(v)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<String, E> {
        Ok(v.to_string())
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<String, E> {
        Ok(v.to_string())
    }
}

impl Visitor<'_> for ScalarVisitor<i64> {
    type Value = i64;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an integer")
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<i64, E> {
        Ok(v)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<i64, E> {
        i64::try_from(v).map_err(|_| E::invalid_value(Unexpected::Unsigned(v), &self))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<i64, E> {
        // Integral and in range (2^63 itself is not).
        const LIMIT: f64 = 9_223_372_036_854_775_808.0;
        if v.fract() == 0.0 && (-LIMIT..LIMIT).contains(&v) {
            Ok(v as i64)
        } else {
            Err(E::invalid_value(Unexpected::Float(v), &self))
        }
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<i64, E> {
        v.trim()
            .parse()
            .map_err(|_| E::invalid_value(Unexpected::Str(v), &self))
    }
}

impl Visitor<'_> for ScalarVisitor<f64> {
    type Value = f64;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a number")
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<f64, E> {
        Ok(v)
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<f64, E> {
        Ok(v as f64)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<f64, E> {
        Ok(v as f64)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<f64, E> {
        match v.trim().parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(f),
            _ => Err(E::invalid_value(Unexpected::Str(v), &self)),
        }
    }
}

impl Visitor<'_> for ScalarVisitor<bool> {
    type Value = bool;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a boolean")
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<bool, E> {
        Ok(v)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<bool, E> {
        match v {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(E::invalid_value(Unexpected::Str(v), &self)),
        }
    }
}

/// Reads `null` as the default value (for response lists the service may
/// answer as `null`).
pub(crate) fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_paths_render() {
        let body = FieldPath::root("body");
        let mp = body.field("mix_param");
        let panes = mp.field("layout_panes");
        let pane = panes.index(2);
        let x = pane.field("x");
        assert_eq!(x.to_string(), "body.mix_param.layout_panes[2].x");
        assert_eq!(body.to_string(), "body");
    }

    #[test]
    fn ranges() {
        let p = FieldPath::root("n");
        assert!(in_range(&p, Some(5u32), 5, 10).is_ok());
        assert!(in_range(&p, None, 5u32, 10).is_ok());
        let e = in_range(&p, Some(11u32), 5, 10).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid parameter `n`: must be within 5..=10, got 11"
        );
        assert!(unit_interval(&p, Some(f64::NAN)).is_err());
        assert!(unit_interval(&p, Some(1.0)).is_ok());
        assert!(unit_interval(&p, Some(-0.1)).is_err());
    }
}
