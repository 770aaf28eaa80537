//! What a request's parameters look like, read from the types themselves:
//! a deserializer that answers nothing but asks each type which fields it
//! has (serde passes every struct's field names to `deserialize_struct`),
//! whether a field is optional, and what kind of JSON value it takes. The
//! dynamic entry point uses it to list an operation's parameters and to
//! suggest the name meant by a misspelt one.

use std::fmt;

use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, MapAccess, SeqAccess};
use serde::de::{Deserializer, Visitor};

use crate::OperationId;

/// One step of a path into the parameters: a field, or any item of a list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Seg<'a> {
    Key(&'a str),
    Index,
}

/// What a type asked for at the probed path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    String,
    Integer,
    Number,
    Boolean,
    Struct(&'static [&'static str]),
    Map,
    Any,
}

/// The answer at a path: the value's kind, how many lists wrap it, and
/// whether the field there may be left out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Found {
    pub(crate) optional: bool,
    pub(crate) lists: u8,
    pub(crate) kind: Kind,
}

/// How the probe ends: with the answer, or lost (a path the type does not
/// have).
#[derive(Debug)]
enum ProbeError {
    Found(Found),
    Lost,
}

impl fmt::Display for ProbeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("probe")
    }
}

impl std::error::Error for ProbeError {}

impl de::Error for ProbeError {
    fn custom<T: fmt::Display>(_: T) -> Self {
        ProbeError::Lost
    }
}

/// What `T` reads at `path`, or `None` when `T` has no such path.
pub(crate) fn probe<T: DeserializeOwned>(path: &[Seg<'_>]) -> Option<Found> {
    match T::deserialize(Probe::new(path)) {
        Err(ProbeError::Found(found)) => Some(found),
        _ => None,
    }
}

/// A deserializer that walks `path` and then reports what is asked of it.
struct Probe<'p> {
    path: &'p [Seg<'p>],
    optional: bool,
    lists: u8,
}

impl<'p> Probe<'p> {
    fn new(path: &'p [Seg<'p>]) -> Self {
        Probe {
            path,
            optional: false,
            lists: 0,
        }
    }

    fn found(&self, kind: Kind) -> ProbeError {
        ProbeError::Found(Found {
            optional: self.optional,
            lists: self.lists,
            kind,
        })
    }

    /// At the end of the path: anything asked for but a wrapper is the answer.
    fn leaf<T>(&self, kind: Kind) -> Result<T, ProbeError> {
        if self.path.is_empty() {
            Err(self.found(kind))
        } else {
            Err(ProbeError::Lost)
        }
    }
}

macro_rules! leaf_kinds {
    ($($method:ident => $kind:ident),* $(,)?) => {$(
        fn $method<V: Visitor<'de>>(self, _: V) -> Result<V::Value, ProbeError> {
            self.leaf(Kind::$kind)
        }
    )*};
}

impl<'de> Deserializer<'de> for Probe<'_> {
    type Error = ProbeError;

    leaf_kinds! {
        deserialize_bool => Boolean,
        deserialize_i8 => Integer,
        deserialize_i16 => Integer,
        deserialize_i32 => Integer,
        deserialize_i64 => Integer,
        deserialize_i128 => Integer,
        deserialize_u8 => Integer,
        deserialize_u16 => Integer,
        deserialize_u32 => Integer,
        deserialize_u64 => Integer,
        deserialize_u128 => Integer,
        deserialize_f32 => Number,
        deserialize_f64 => Number,
        deserialize_char => String,
        deserialize_str => String,
        deserialize_string => String,
        deserialize_bytes => Any,
        deserialize_byte_buf => Any,
        deserialize_unit => Any,
        deserialize_map => Map,
        deserialize_identifier => Any,
        deserialize_ignored_any => Any,
    }

    /// Value sets read any scalar: one that takes a string is a string.
    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ProbeError> {
        if !self.path.is_empty() {
            return Err(ProbeError::Lost);
        }
        let takes_a_string = visitor.visit_str::<ProbeError>("").is_ok();
        Err(self.found(if takes_a_string {
            Kind::String
        } else {
            Kind::Any
        }))
    }

    fn deserialize_option<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, ProbeError> {
        if self.path.is_empty() && self.lists == 0 {
            self.optional = true;
        }
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, ProbeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ProbeError> {
        match self.path.split_first() {
            None => visitor.visit_seq(OneItem(Some(Probe {
                path: self.path,
                optional: self.optional,
                lists: self.lists.saturating_add(1),
            }))),
            Some((Seg::Index, rest)) => visitor.visit_seq(OneItem(Some(Probe::new(rest)))),
            Some(_) => Err(ProbeError::Lost),
        }
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ProbeError> {
        match self.path.split_first() {
            None => Err(self.found(Kind::Struct(fields))),
            Some((Seg::Key(key), rest)) if fields.contains(key) => visitor.visit_map(OneEntry {
                key: Some(key),
                value: Some(Probe::new(rest)),
            }),
            Some(_) => Err(ProbeError::Lost),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: V,
    ) -> Result<V::Value, ProbeError> {
        self.leaf(Kind::Any)
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _: usize, _: V) -> Result<V::Value, ProbeError> {
        self.leaf(Kind::Any)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: usize,
        _: V,
    ) -> Result<V::Value, ProbeError> {
        self.leaf(Kind::Any)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, ProbeError> {
        self.leaf(Kind::Any)
    }
}

/// A list of one item: the rest of the walk.
struct OneItem<'p>(Option<Probe<'p>>);

impl<'de> SeqAccess<'de> for OneItem<'_> {
    type Error = ProbeError;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, ProbeError> {
        match self.0.take() {
            Some(probe) => seed.deserialize(probe).map(Some),
            None => Ok(None),
        }
    }
}

/// An object of one field: the next key of the walk, and the rest of it.
struct OneEntry<'p> {
    key: Option<&'p str>,
    value: Option<Probe<'p>>,
}

impl<'de> MapAccess<'de> for OneEntry<'_> {
    type Error = ProbeError;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, ProbeError> {
        match self.key.take() {
            Some(key) => seed.deserialize(key.into_deserializer()).map(Some),
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, ProbeError> {
        match self.value.take() {
            Some(probe) => seed.deserialize(probe),
            None => Err(ProbeError::Lost),
        }
    }
}

/// The field names of the object at `path` in `id`'s parameters.
pub(crate) fn names_at(id: OperationId, path: &[Seg<'_>]) -> Option<&'static [&'static str]> {
    match id.probe(path)? {
        Found {
            lists: 0,
            kind: Kind::Struct(names),
            ..
        } => Some(names),
        _ => None,
    }
}

/// Splits a parameter path as errors render it (`body.mix_param.layout_panes[1].x`)
/// into its steps, each with the byte offset where it starts. Field names
/// the path's syntax cannot hold end up split; the caller only trusts
/// prefixes that the types confirm.
fn split_path(path: &str) -> Vec<(usize, Seg<'_>)> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = path.as_bytes();
    let mut i = 0;
    while i <= bytes.len() {
        let at_end = i == bytes.len();
        if at_end || bytes[i] == b'.' || bytes[i] == b'[' {
            if i > start {
                out.push((start, Seg::Key(&path[start..i])));
            }
            if !at_end && bytes[i] == b'[' {
                let close = path[i..].find(']').map_or(bytes.len(), |c| i + c);
                out.push((i, Seg::Index));
                // A `.` after the `]` is a separator like any other.
                i = close + 1;
                start = i;
                continue;
            }
            start = i + 1;
        }
        i += 1;
    }
    out
}

/// The known field closest to the unknown one that `path` ends with (as an
/// unknown-parameter error names it), among its siblings.
pub(crate) fn suggest(id: OperationId, path: &str) -> Option<&'static str> {
    let steps = split_path(path);
    let mut walked: Vec<Seg<'_>> = Vec::with_capacity(steps.len());
    for (start, seg) in steps {
        if let Seg::Key(key) = seg {
            let names = names_at(id, &walked)?;
            if !names.contains(&key) {
                return closest(&path[start..], names.iter().copied());
            }
        }
        walked.push(seg);
    }
    None
}

/// The candidate closest to `name` by edit distance, ignoring ASCII case,
/// when it is close enough to be what was meant: at most a third of the
/// name's length apart (at least one edit). Ties go to the first candidate.
pub(crate) fn closest<'a>(
    name: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    /// Longer names are not compared: the work is quadratic.
    const MAX_CHARS: usize = 64;
    let typed: Vec<char> = name.chars().map(|c| c.to_ascii_lowercase()).collect();
    if typed.is_empty() || typed.len() > MAX_CHARS {
        return None;
    }
    let limit = (typed.len() / 3).max(1);
    let mut best: Option<(usize, &str)> = None;
    for candidate in candidates {
        let known: Vec<char> = candidate.chars().map(|c| c.to_ascii_lowercase()).collect();
        if known.len() > MAX_CHARS {
            continue;
        }
        let d = distance(&typed, &known);
        if d <= limit && best.is_none_or(|(b, _)| d < b) {
            best = Some((d, candidate));
        }
    }
    best.map(|(_, name)| name)
}

/// Levenshtein distance: insertions, deletions and substitutions.
fn distance(a: &[char], b: &[char]) -> usize {
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if ca == cb {
                diagonal
            } else {
                1 + diagonal.min(above).min(row[j])
            };
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn probe_errors_say_what_they_are() {
        assert_eq!(ProbeError::Lost.to_string(), "probe");
        assert!(matches!(
            <ProbeError as de::Error>::custom("x"),
            ProbeError::Lost
        ));
    }

    #[test]
    fn edit_distance() {
        for (a, b, d) in [
            ("", "", 0),
            ("abc", "", 3),
            ("", "ab", 2),
            ("kitten", "sitting", 3),
            ("flaw", "lawn", 2),
            ("job_id", "jobid", 1),
            ("abc", "acb", 2),
            ("same", "same", 0),
        ] {
            assert_eq!(distance(&chars(a), &chars(b)), d, "{a} {b}");
            assert_eq!(distance(&chars(b), &chars(a)), d, "{b} {a}");
        }
    }

    #[test]
    fn closest_names() {
        let names = ["app_id", "job_id", "room_id", "limit"];
        assert_eq!(closest("jobid", names), Some("job_id"));
        assert_eq!(closest("Limit", names), Some("limit"));
        assert_eq!(closest("LIMITS", names), Some("limit"));
        assert_eq!(
            closest("app", names),
            None,
            "3 edits from app_id is too far for 3 letters"
        );
        assert_eq!(closest("roomid", names), Some("room_id"));
        assert_eq!(closest("zzzzzz", names), None);
        assert_eq!(closest("", names), None);
        assert_eq!(closest(&"x".repeat(65), names), None);
        // An empty name, and a name over the limit, are not compared.
        assert_eq!(closest("", ["a"]), None);
        assert_eq!(closest(&"x".repeat(65), ["x".repeat(64).as_str()]), None);
        // The length limit is inclusive, for the name and the candidates.
        let long = "y".repeat(64);
        assert_eq!(closest(&long, [long.as_str()]), Some(long.as_str()));
        let longer = "y".repeat(65);
        assert_eq!(closest(&long, [longer.as_str(), "yy"]), None);
        // A third of the length: two edits for six letters.
        assert_eq!(closest("jobxyd", names), Some("job_id"));
        // Ties: the first candidate wins; a closer later one replaces it.
        assert_eq!(closest("ab_id", ["ap_id", "ab_ix", "ab_id"]), Some("ab_id"));
        assert_eq!(
            closest("ab_iq", ["ap_ix", "xb_iz"]),
            None,
            "two edits, limit one"
        );
        assert_eq!(closest("abc_iq", ["abc_ix", "abd_iq"]), Some("abc_ix"));
    }

    #[test]
    fn paths_split_into_steps() {
        assert_eq!(
            split_path("body.mix_param.layout_panes[12].x"),
            vec![
                (0, Seg::Key("body")),
                (5, Seg::Key("mix_param")),
                (15, Seg::Key("layout_panes")),
                (27, Seg::Index),
                (32, Seg::Key("x")),
            ]
        );
        assert_eq!(split_path("limit"), vec![(0, Seg::Key("limit"))]);
        assert_eq!(split_path(""), vec![]);
        assert_eq!(
            split_path("a[0][1]"),
            vec![(0, Seg::Key("a")), (1, Seg::Index), (4, Seg::Index)]
        );
        assert_eq!(split_path("a[0"), vec![(0, Seg::Key("a")), (1, Seg::Index)]);
        assert_eq!(
            split_path("a..b"),
            vec![(0, Seg::Key("a")), (3, Seg::Key("b"))]
        );
    }

    #[test]
    fn probes_report_kinds_and_optionality() {
        use crate::ops::{CreateMixJob, ListRtcUserList};
        let found = |path: &[Seg<'_>]| probe::<CreateMixJob>(path);
        let top = found(&[]).unwrap();
        assert_eq!(top.kind, Kind::Struct(&["app_id", "body"]));
        assert_eq!(
            found(&[Seg::Key("app_id")]),
            Some(Found {
                optional: false,
                lists: 0,
                kind: Kind::String
            })
        );
        assert_eq!(
            found(&[Seg::Key("body"), Seg::Key("record_param")]).map(|f| f.optional),
            Some(true)
        );
        let panes = found(&[
            Seg::Key("body"),
            Seg::Key("mix_param"),
            Seg::Key("layout_panes"),
        ])
        .unwrap();
        assert!(panes.optional);
        assert_eq!(panes.lists, 1);
        assert!(matches!(panes.kind, Kind::Struct(names) if names.contains(&"zorder")));
        let x = [
            Seg::Key("body"),
            Seg::Key("mix_param"),
            Seg::Key("layout_panes"),
            Seg::Index,
            Seg::Key("x"),
        ];
        assert_eq!(
            found(&x),
            Some(Found {
                optional: true,
                lists: 0,
                kind: Kind::Number
            })
        );
        let zorder = [
            Seg::Key("body"),
            Seg::Key("mix_param"),
            Seg::Key("layout_panes"),
            Seg::Index,
            Seg::Key("zorder"),
        ];
        assert_eq!(found(&zorder).map(|f| f.kind), Some(Kind::Integer));
        // A value set reads a string.
        assert_eq!(
            found(&[
                Seg::Key("body"),
                Seg::Key("mix_param"),
                Seg::Key("encode_template")
            ]),
            Some(Found {
                optional: false,
                lists: 0,
                kind: Kind::String
            })
        );
        assert_eq!(found(&[Seg::Key("nope")]), None);
        assert_eq!(found(&[Seg::Index]), None);
        assert_eq!(found(&[Seg::Key("app_id"), Seg::Key("deeper")]), None);
        let states = probe::<ListRtcUserList>(&[Seg::Key("state")]).unwrap();
        assert_eq!(
            (states.optional, states.lists, states.kind),
            (true, 1, Kind::String)
        );
        let mode = probe::<ListRtcUserList>(&[Seg::Key("type")]).unwrap();
        assert_eq!((mode.optional, mode.kind), (true, Kind::String));
        let limit = probe::<ListRtcUserList>(&[Seg::Key("limit")]).unwrap();
        assert_eq!((limit.optional, limit.kind), (true, Kind::Integer));
    }

    #[test]
    fn optional_means_the_field_not_its_items() {
        #[derive(serde::Deserialize)]
        #[allow(dead_code)]
        struct Lists {
            items_optional: Vec<Option<String>>,
            list_optional: Option<Vec<u32>>,
            nested: Vec<Vec<bool>>,
        }
        let found = |key| probe::<Lists>(&[Seg::Key(key)]).unwrap();
        assert_eq!(
            found("items_optional"),
            Found {
                optional: false,
                lists: 1,
                kind: Kind::String
            }
        );
        assert_eq!(
            found("list_optional"),
            Found {
                optional: true,
                lists: 1,
                kind: Kind::Integer
            }
        );
        assert_eq!(
            found("nested"),
            Found {
                optional: false,
                lists: 2,
                kind: Kind::Boolean
            }
        );
        assert_eq!(
            probe::<Lists>(&[Seg::Key("nested"), Seg::Index, Seg::Index]).map(|f| f.kind),
            Some(Kind::Boolean)
        );
        assert_eq!(
            probe::<Lists>(&[Seg::Key("nested"), Seg::Index, Seg::Key("x")]),
            None
        );
        // Maps, and types that read anything.
        assert_eq!(
            probe::<std::collections::BTreeMap<String, u8>>(&[]).map(|f| f.kind),
            Some(Kind::Map)
        );
        assert_eq!(
            probe::<serde_json::Value>(&[]).map(|f| f.kind),
            Some(Kind::String)
        );
        assert_eq!(probe::<()>(&[]).map(|f| f.kind), Some(Kind::Any));
        // A type that reads any value but a string.
        assert_eq!(
            probe::<serde_json::Number>(&[]).map(|f| f.kind),
            Some(Kind::Any)
        );
        assert_eq!(probe::<(u8, u8)>(&[]).map(|f| f.kind), Some(Kind::Any));
        assert_eq!(probe::<u8>(&[Seg::Key("x")]), None);
        assert_eq!(probe::<Option<u8>>(&[Seg::Index]), None);
    }

    #[test]
    fn suggestions_at_any_depth() {
        let id = OperationId::CreateMixJob;
        assert_eq!(suggest(id, "appid"), Some("app_id"));
        assert_eq!(suggest(id, "body.mix_parm"), Some("mix_param"));
        assert_eq!(
            suggest(id, "body.mix_param.layout_panes[1].zordr"),
            Some("zorder")
        );
        assert_eq!(suggest(id, "body.mix_param.layout_panes[1].colour"), None);
        // An unknown key holding the path's own syntax is taken whole.
        assert_eq!(suggest(id, "body.mix_param.room.id"), Some("room_id"));
        // A path the types do not confirm gives nothing.
        assert_eq!(suggest(id, "body.nothing.here"), None);
        assert_eq!(suggest(id, "app_id"), None);
        assert_eq!(suggest(OperationId::ListApps, "Limit"), Some("limit"));
        assert_eq!(suggest(OperationId::ListApps, ""), None);
    }
}
