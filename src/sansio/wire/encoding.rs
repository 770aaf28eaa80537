//! Percent-encoding of path segments and query strings, exactly as the
//! official SDK does it (Python's `urllib.parse.quote(value, safe='')` for
//! path parameters, `quote(value, safe='~')` for query keys and values).

use std::borrow::Cow;

use percent_encoding::{percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Every byte except the RFC 3986 unreserved characters
/// (`A-Z a-z 0-9 - . _ ~`) is percent-encoded, `/` and space (`%20`) included.
pub(crate) const RFC3986_UNRESERVED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Appends `value` to `out`, percent-encoding every byte outside the RFC 3986
/// unreserved set with upper-case hex digits: `a/../b?x y` becomes
/// `a%2F..%2Fb%3Fx%20y`.
pub(crate) fn encode_into(value: &str, out: &mut String) {
    out.extend(percent_encode(value.as_bytes(), RFC3986_UNRESERVED));
}

/// A query pair before encoding: the wire name and the value.
pub(crate) type QueryPair<'a> = (&'static str, Cow<'a, str>);

/// A value that can be sent as a query parameter.
///
/// Lists (`Vec<T>`) are sent as the key repeated once per value; `None` is
/// not sent; booleans are `true`/`false`.
pub(crate) trait QueryValue {
    /// Appends this value's pairs under `key`.
    fn append_to<'a>(&'a self, key: &'static str, out: &mut Vec<QueryPair<'a>>);
}

impl QueryValue for String {
    fn append_to<'a>(&'a self, key: &'static str, out: &mut Vec<QueryPair<'a>>) {
        out.push((key, Cow::Borrowed(self)));
    }
}

macro_rules! query_value_display {
    ($($t:ty),*) => {$(
        impl QueryValue for $t {
            fn append_to<'a>(&'a self, key: &'static str, out: &mut Vec<QueryPair<'a>>) {
                out.push((key, Cow::Owned(self.to_string())));
            }
        }
    )*};
}
query_value_display!(u8, u16, u32, u64, i32, i64, bool);

impl<T: QueryValue> QueryValue for Option<T> {
    fn append_to<'a>(&'a self, key: &'static str, out: &mut Vec<QueryPair<'a>>) {
        if let Some(v) = self {
            v.append_to(key, out);
        }
    }
}

impl<T: QueryValue> QueryValue for Vec<T> {
    fn append_to<'a>(&'a self, key: &'static str, out: &mut Vec<QueryPair<'a>>) {
        for v in self {
            v.append_to(key, out);
        }
    }
}

/// Sorts pairs by key, then value (what the official SDK puts on the wire, and
/// the canonical order for signing) and appends `?k=v&k=v` to `out`; appends
/// nothing when there are no pairs.
pub(crate) fn write_sorted_query(pairs: &mut [QueryPair<'_>], out: &mut String) {
    if pairs.is_empty() {
        return;
    }
    pairs.sort_unstable_by(|a, b| a.0.cmp(b.0).then_with(|| a.1.cmp(&b.1)));
    let mut sep = '?';
    for (key, value) in pairs.iter() {
        out.push(sep);
        sep = '&';
        encode_into(key, out);
        out.push('=');
        encode_into(value, out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_dot_segments_and_delimiters() {
        let mut s = String::new();
        encode_into("a/../b?x y", &mut s);
        assert_eq!(s, "a%2F..%2Fb%3Fx%20y");
    }

    #[test]
    fn encodes_everything_but_unreserved() {
        let mut s = String::new();
        encode_into("AZaz09-._~ /?#[]@!$&'()*+,;=%房", &mut s);
        assert_eq!(
            s,
            "AZaz09-._~%20%2F%3F%23%5B%5D%40%21%24%26%27%28%29%2A%2B%2C%3B%3D%25%E6%88%BF"
        );
    }

    #[test]
    fn sorted_query_repeats_list_keys_and_sorts_values() {
        let region = vec!["SH".to_string(), "BJ".to_string()];
        let room = "room 1".to_string();
        let mut pairs = Vec::new();
        room.append_to("room_id", &mut pairs);
        region.append_to("region", &mut pairs);
        Some(true).append_to("flag", &mut pairs);
        None::<u32>.append_to("limit", &mut pairs);
        let mut out = String::new();
        write_sorted_query(&mut pairs, &mut out);
        assert_eq!(out, "?flag=true&region=BJ&region=SH&room_id=room%201");
    }

    #[test]
    fn empty_query_writes_nothing() {
        let mut out = String::from("/v2/apps");
        write_sorted_query(&mut [], &mut out);
        assert_eq!(out, "/v2/apps");
    }
}
