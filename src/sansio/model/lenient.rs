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
    use serde_json::{json, Value};

    use super::{lenient, null_as_default, Lenient, Placeholder};
    use crate::ops::{ListApps, ShowApp};
    use crate::{Error, Operation, Secret};

    /// Reads `text` leniently, from JSON text (borrowed strings) and from a
    /// `Value` (owned strings): both must agree.
    fn read<T: Lenient + PartialEq + std::fmt::Debug>(text: &str) -> Result<T, String> {
        let from_text = T::deserialize_lenient(&mut serde_json::Deserializer::from_str(text))
            .map_err(|e| e.to_string());
        let value: Value = serde_json::from_str(text).unwrap();
        let from_value = T::deserialize_lenient(value).map_err(|e| e.to_string());
        match (&from_text, &from_value) {
            (Ok(a), Ok(b)) => assert_eq!(a, b, "{text}"),
            (Err(_), Err(_)) => {}
            _ => panic!("{text}: {from_text:?} from text, {from_value:?} from a value"),
        }
        from_text
    }

    #[test]
    fn strings_take_numbers_and_booleans_as_their_text() {
        assert_eq!(read::<String>(r#""room-1""#).unwrap(), "room-1");
        assert_eq!(read::<String>(r#""a\"b""#).unwrap(), "a\"b");
        assert_eq!(read::<String>("7").unwrap(), "7");
        assert_eq!(read::<String>("-7").unwrap(), "-7");
        assert_eq!(
            read::<String>("18446744073709551615").unwrap(),
            "18446744073709551615"
        );
        assert_eq!(read::<String>("1.5").unwrap(), "1.5");
        assert_eq!(read::<String>("true").unwrap(), "true");
        assert_eq!(read::<String>("false").unwrap(), "false");
        // An integral float is written without a fraction, up to 2^53
        // (exclusive): floats given exactly, as a `Value` holds them.
        assert_eq!(read::<String>("2.0").unwrap(), "2");
        let float = |f: f64| String::deserialize_lenient(Value::from(f)).map_err(|e| e.to_string());
        assert_eq!(float(9_007_199_254_740_991.0).unwrap(), "9007199254740991");
        assert_eq!(
            float(-9_007_199_254_740_991.0).unwrap(),
            "-9007199254740991"
        );
        for lost in [9_007_199_254_740_992.0, -9_007_199_254_740_992.0, 1e300] {
            let e = float(lost).unwrap_err();
            assert!(
                e.starts_with("invalid value: floating point")
                    && e.contains(
                        "expected a string, or a number whose digits can be kept exactly"
                    ),
                "{lost}: {e}"
            );
        }
        for other in ["null", "[]", "{}"] {
            assert!(
                read::<String>(other)
                    .unwrap_err()
                    .contains("expected a string"),
                "{other}"
            );
        }
        assert_eq!(read::<Secret>("5").unwrap().expose_secret(), "5");
        assert_eq!(read::<Secret>(r#""sk""#).unwrap().expose_secret(), "sk");
    }

    #[test]
    fn integers_take_exact_floats_and_numeric_strings_never_saturating() {
        assert_eq!(read::<i64>("5"), Ok(5));
        assert_eq!(read::<i64>("-5"), Ok(-5));
        assert_eq!(read::<i64>("9223372036854775807"), Ok(i64::MAX));
        assert!(read::<i64>("9223372036854775808")
            .unwrap_err()
            .contains("expected an integer"));
        let float = |f: f64| i64::deserialize_lenient(Value::from(f)).map_err(|e| e.to_string());
        assert_eq!(float(9_007_199_254_740_992.0), Ok(1 << 53));
        assert_eq!(float(-9_007_199_254_740_992.0), Ok(-(1 << 53)));
        assert!(float(9_007_199_254_740_994.0)
            .unwrap_err()
            .contains("expected an integer"));
        assert!(float(-9_007_199_254_740_994.0).is_err());
        assert_eq!(read::<i64>("3.0"), Ok(3));
        assert!(read::<i64>("1.5").is_err());
        assert!(read::<i64>("-0.5").is_err());
        assert_eq!(read::<i64>(r#"" 12 ""#), Ok(12));
        assert_eq!(read::<i64>(r#""-3""#), Ok(-3));
        assert!(read::<i64>(r#""x""#)
            .unwrap_err()
            .contains("expected an integer"));
        assert!(read::<i64>("true").is_err());

        assert_eq!(read::<u32>("4294967295"), Ok(u32::MAX));
        assert_eq!(read::<u32>(r#""7""#), Ok(7));
        assert!(read::<u32>("4294967296")
            .unwrap_err()
            .contains("expected a u32"));
        assert!(read::<u32>("-1").unwrap_err().contains("expected a u32"));
        assert_eq!(read::<i32>("-2147483648"), Ok(i32::MIN));
        assert_eq!(read::<i32>("2147483647"), Ok(i32::MAX));
        assert!(read::<i32>("2147483648")
            .unwrap_err()
            .contains("expected an i32"));
        assert!(read::<i32>("-2147483649")
            .unwrap_err()
            .contains("expected an i32"));
    }

    #[test]
    fn floats_take_integers_and_finite_numeric_strings() {
        assert_eq!(read::<f64>("1.5"), Ok(1.5));
        assert_eq!(read::<f64>("-3"), Ok(-3.0));
        assert_eq!(
            read::<f64>("18446744073709551615"),
            Ok(18_446_744_073_709_551_615.0)
        );
        assert_eq!(read::<f64>(r#"" 2.5 ""#), Ok(2.5));
        for bad in [r#""inf""#, r#""NaN""#, r#""x""#, "true", "null"] {
            assert!(
                read::<f64>(bad).unwrap_err().contains("expected a number"),
                "{bad}"
            );
        }
    }

    #[test]
    fn booleans_take_their_two_strings_and_nothing_else() {
        assert_eq!(read::<bool>("true"), Ok(true));
        assert_eq!(read::<bool>("false"), Ok(false));
        assert_eq!(read::<bool>(r#""true""#), Ok(true));
        assert_eq!(read::<bool>(r#""false""#), Ok(false));
        for bad in [r#""yes""#, r#""True""#, r#""1""#, "1", "0", "null"] {
            assert!(
                read::<bool>(bad)
                    .unwrap_err()
                    .contains("expected a boolean"),
                "{bad}"
            );
        }
    }

    #[test]
    fn lists_read_each_element_leniently() {
        assert_eq!(read::<Vec<u32>>(r#"[1, "2", 3.0]"#), Ok(vec![1, 2, 3]));
        assert_eq!(
            read::<Vec<String>>(r#"["a", 1, true]"#),
            Ok(vec!["a".into(), "1".into(), "true".into()])
        );
        assert_eq!(read::<Vec<u32>>("[]"), Ok(vec![]));
        assert!(read::<Vec<u32>>(r#""1""#)
            .unwrap_err()
            .contains("expected a list"));
        assert!(read::<Vec<u32>>("[1, -1]").is_err());
    }

    #[test]
    fn optional_fields_and_defaults() {
        let opt = |text: &str| lenient::<_, u32>(&mut serde_json::Deserializer::from_str(text));
        assert_eq!(opt("null").unwrap(), None);
        assert_eq!(opt(r#""5""#).unwrap(), Some(5));
        assert!(opt("-5").is_err());
        let list = |v: Value| null_as_default::<_, Vec<u32>>(v).unwrap();
        assert_eq!(list(json!(null)), Vec::<u32>::new());
        assert_eq!(list(json!([4, 5])), vec![4, 5]);
        assert_eq!(String::placeholder(), "");
        assert_eq!(u32::placeholder(), 0);
        assert_eq!(Vec::<u8>::placeholder(), Vec::<u8>::new());
    }

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
