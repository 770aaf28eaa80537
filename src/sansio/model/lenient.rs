//! How response fields are read: leniently where the service is known to
//! bend the documented types, but never changing a value silently.

use std::fmt;

use serde::de::{self, Unexpected, Visitor};
use serde::{Deserialize, Deserializer};

/// The largest integer magnitude an `f64` holds exactly: 2^53.
const EXACT_F64_INT: f64 = 9_007_199_254_740_992.0;

/// How a response field is read: like `Deserialize`, but a scalar of a
/// neighbouring JSON type is accepted where the documented type is a string
/// or a number. The API reference's own examples send ids documented as
/// strings as numbers (`"room_id": 1`), so a strict reader would reject
/// answers the service documents.
///
/// - strings (and [`Secret`](crate::Secret)s, and value sets) also accept
///   numbers and booleans, as their JSON text; a number too large for its
///   digits to survive (an integer beyond 2^53 that JSON parsing had to read
///   as a float) is an error, not a rounded text;
/// - integers also accept integral floats up to 2^53 and numeric strings;
///   anything out of the type's range is an error, never a saturated value;
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
        // Integers within i64/u64 arrive through visit_i64/visit_u64; an
        // integral float this large came from digits an f64 cannot keep.
        if v.fract() == 0.0 && v.abs() >= EXACT_F64_INT {
            return Err(E::invalid_value(
                Unexpected::Float(v),
                &"a string, or a number whose digits can be kept exactly",
            ));
        }
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
        // Integral and exact: an integer out of i64's range arrives here as
        // the nearest float, which would silently saturate.
        if v.fract() == 0.0 && v.abs() <= EXACT_F64_INT {
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
    use http::{HeaderMap, StatusCode};

    use crate::ops::{ListApps, ShowApp};
    use crate::{Error, Operation};

    fn decode_path(result: Result<impl std::fmt::Debug, Error>) -> String {
        match result {
            Err(Error::Decode(e)) => e.path,
            other => panic!("expected a decode error, got {other:?}"),
        }
    }

    #[test]
    fn numbers_keep_their_digits_or_fail_naming_the_field() {
        let parse = |body: &str| ShowApp::parse(StatusCode::OK, &HeaderMap::new(), body.as_bytes());
        // Exact: integers in range, and fractions.
        let out = parse(r#"{"app_name": 18446744073709551615}"#).unwrap();
        assert_eq!(out.app_name.as_deref(), Some("18446744073709551615"));
        let out = parse(r#"{"app_name": -42}"#).unwrap();
        assert_eq!(out.app_name.as_deref(), Some("-42"));
        let out = parse(r#"{"app_name": 1.5}"#).unwrap();
        assert_eq!(out.app_name.as_deref(), Some("1.5"));
        // Too many digits for a float: an error, not "12345678901234568000000".
        assert_eq!(
            decode_path(parse(r#"{"app_name": 12345678901234567890123}"#)),
            "app_name"
        );

        let count =
            |body: &str| ListApps::parse(StatusCode::OK, &HeaderMap::new(), body.as_bytes());
        assert_eq!(
            count(r#"{"count": 9007199254740992.0}"#).unwrap().count,
            Some(1 << 53)
        );
        assert_eq!(count(r#"{"count": "-7"}"#).unwrap().count, Some(-7));
        // Below i64::MIN: an error, not a saturated i64::MIN.
        assert_eq!(
            decode_path(count(r#"{"count": -9223372036854775809}"#)),
            "count"
        );
        assert_eq!(
            decode_path(count(r#"{"count": 9223372036854775808}"#)),
            "count"
        );
        assert_eq!(decode_path(count(r#"{"count": 1e300}"#)), "count");
    }
}
