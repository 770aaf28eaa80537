//! Parameters from the command line: `--json` for all of them, `--param
//! NAME=VALUE` for one at any depth, typed by what the operation reads there.

use std::io::Read;

use serde_json::{Map, Value};
use sparkrtc::dynamic::{Field, Shape};

use crate::failure::Failure;

/// The parameters of `--json` (inline, `@FILE` or `-`), then each `--param`.
pub(crate) fn collect(
    fields: &[Field],
    json: Option<&str>,
    params: &[String],
) -> Result<Value, Failure> {
    let mut root = match json {
        None => Map::new(),
        Some(source) => match read_json(source)? {
            Value::Object(map) => map,
            other => {
                return Err(Failure::usage(format!(
                    "--json must be a JSON object, not {}",
                    kind(&other)
                )))
            }
        },
    };
    for param in params {
        let (name, text) = param
            .split_once('=')
            .ok_or_else(|| Failure::usage(format!("--param `{param}`: expected NAME=VALUE")))?;
        if name.is_empty() || name.split('.').any(str::is_empty) {
            return Err(Failure::usage(format!(
                "--param `{param}`: the name must be a field or a path of fields (`body.mix_param.room_id`)"
            )));
        }
        let path: Vec<&str> = name.split('.').collect();
        set(&mut root, &path, shape_at(fields, &path), text, name)?;
    }
    Ok(Value::Object(root))
}

/// Reads `--json`: inline text, `@FILE`, or `-` for standard input.
fn read_json(source: &str) -> Result<Value, Failure> {
    let (text, origin) = if source == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| Failure::usage(format!("--json -: cannot read standard input: {e}")))?;
        (text, "standard input".to_owned())
    } else if let Some(file) = source.strip_prefix('@') {
        let text = std::fs::read_to_string(file)
            .map_err(|e| Failure::usage(format!("--json @{file}: {e}")))?;
        (text, file.to_owned())
    } else {
        (source.to_owned(), "--json".to_owned())
    };
    serde_json::from_str(&text)
        .map_err(|e| Failure::usage(format!("{origin} is not valid JSON: {e}")))
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// The shape of the parameter at `path`, when the operation has one there.
fn shape_at<'f>(fields: &'f [Field], path: &[&str]) -> Option<&'f Shape> {
    let (first, rest) = path.split_first()?;
    let field = fields.iter().find(|f| f.name == *first)?;
    if rest.is_empty() {
        return Some(&field.shape);
    }
    match &field.shape {
        Shape::Object(inner) => shape_at(inner, rest),
        _ => None,
    }
}

/// The value of `text` for a parameter of `shape`: a string where a string
/// is read; else JSON when it parses, else the string.
fn value_of(shape: Option<&Shape>, text: &str) -> Value {
    match shape {
        Some(Shape::String) => Value::String(text.to_owned()),
        _ => serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_owned())),
    }
}

/// Sets `path` in `root` to the value of `text`; a list parameter given
/// again gets the value appended (a JSON list's items, or one item).
fn set(
    root: &mut Map<String, Value>,
    path: &[&str],
    shape: Option<&Shape>,
    text: &str,
    name: &str,
) -> Result<(), Failure> {
    let mut map = root;
    let (last, parents) = path.split_last().unwrap_or((&"", &[]));
    for (i, key) in parents.iter().enumerate() {
        let slot = map
            .entry((*key).to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        map = match slot {
            Value::Object(inner) => inner,
            other => {
                return Err(Failure::usage(format!(
                    "--param {name}: `{}` is {}, not an object",
                    path[..=i].join("."),
                    kind(other)
                )))
            }
        };
    }
    match shape {
        Some(Shape::List(item)) => {
            let new = match value_of(None, text) {
                Value::Array(items) if text.trim_start().starts_with('[') => items,
                _ => vec![value_of(Some(item), text)],
            };
            match map.get_mut(*last) {
                Some(Value::Array(items)) => items.extend(new),
                _ => {
                    map.insert((*last).to_owned(), Value::Array(new));
                }
            }
        }
        _ => {
            map.insert((*last).to_owned(), value_of(shape, text));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn params(op: &str, json: Option<&str>, list: &[&str]) -> Result<Value, Failure> {
        let fields = sparkrtc::dynamic::fields(op).unwrap();
        let list: Vec<String> = list.iter().map(|s| s.to_string()).collect();
        collect(&fields, json, &list)
    }

    #[test]
    fn values_take_the_parameters_shape() {
        assert_eq!(
            params("ListApps", None, &["limit=10", "state=ACTIVATION"]).unwrap(),
            json!({"limit": 10, "state": "ACTIVATION"})
        );
        // A string parameter keeps digits as text.
        assert_eq!(
            params("ShowApp", None, &["app_id=123"]).unwrap(),
            json!({"app_id": "123"})
        );
        // Lists: repeated, or a JSON list.
        assert_eq!(
            params(
                "ListRtcUserList",
                None,
                &[
                    "app=a",
                    "state=ONLINE",
                    "state=FAIL",
                    r#"region=["GD","SH"]"#
                ]
            )
            .unwrap(),
            json!({"app": "a", "state": ["ONLINE", "FAIL"], "region": ["GD", "SH"]})
        );
        // At depth, over --json.
        let base = r#"{"app_id": "a", "body": {"mix_param": {"room_id": "r"}}}"#;
        assert_eq!(
            params(
                "CreateMixJob",
                Some(base),
                &[
                    "body.mix_param.encode_template=audio_only",
                    "body.record_param={\"record_rule_id\":\"x\"}"
                ]
            )
            .unwrap(),
            json!({"app_id": "a", "body": {
                "mix_param": {"room_id": "r", "encode_template": "audio_only"},
                "record_param": {"record_rule_id": "x"}
            }})
        );
        // Unknown names pass through, for the library to name.
        assert_eq!(
            params("ListApps", None, &["limt=5", "x.y=true"]).unwrap(),
            json!({"limt": 5, "x": {"y": true}})
        );
        // An `=` in the value stays in it.
        assert_eq!(
            params("ShowApp", None, &["app_id=a=b"]).unwrap(),
            json!({"app_id": "a=b"})
        );
    }

    #[test]
    fn bad_input_is_a_usage_error() {
        let message = |r: Result<Value, Failure>| r.unwrap_err().message;
        assert_eq!(
            message(params("ListApps", None, &["limit"])),
            "--param `limit`: expected NAME=VALUE"
        );
        assert!(message(params("ListApps", None, &[".x=1"]))
            .starts_with("--param `.x=1`: the name must be"));
        assert_eq!(
            message(params("ListApps", Some("[1]"), &[])),
            "--json must be a JSON object, not a list"
        );
        assert!(
            message(params("ListApps", Some("{"), &[])).starts_with("--json is not valid JSON: ")
        );
        assert_eq!(
            message(params(
                "ShowApp",
                Some(r#"{"app_id": "a"}"#),
                &["app_id.x=1"]
            )),
            "--param app_id.x: `app_id` is a string, not an object"
        );
        assert!(
            message(params("ListApps", Some("@/nonexistent/file.json"), &[]))
                .starts_with("--json @/nonexistent/file.json: ")
        );
    }
}
