//! `sparkrtc ops` and `sparkrtc describe`: the operations, from the same
//! table the library builds requests with.

use std::fmt::Write as _;
use std::time::Duration;

use comfy_table::Table;
use serde_json::{json, Map, Value};
use sparkrtc::dynamic::{self, Field, Shape};
use sparkrtc::throttle::RateLimit;
use sparkrtc::{OperationId, OperationInfo, ParamLocation};

use crate::args::{Format, Global, OpsArgs};
use crate::failure::Failure;
use crate::output::Out;

/// `10/s`, `60/min`, `30/min`.
fn limit_text(limit: RateLimit) -> String {
    let window = match limit.window {
        w if w == Duration::from_secs(1) => "s".to_owned(),
        w if w == Duration::from_secs(60) => "min".to_owned(),
        w => humantime::format_duration(w).to_string(),
    };
    format!("{}/{window}", limit.requests)
}

fn info_json(info: &OperationInfo) -> Map<String, Value> {
    let limit = info.category.documented_limit();
    let params: Vec<Value> = info
        .params
        .iter()
        .map(|p| {
            json!({
                "name": p.name,
                "in": p.location.as_str(),
                "required": p.required,
                "type": p.type_name,
                "description": p.doc,
                "range": p.range,
            })
        })
        .collect();
    let mut map = Map::new();
    map.insert("name".into(), info.name.into());
    map.insert("summary".into(), info.summary.into());
    map.insert("aliases".into(), info.aliases.into());
    map.insert("method".into(), info.method.as_str().into());
    map.insert("path".into(), info.path.into());
    map.insert("category".into(), info.category.name().into());
    map.insert(
        "rate_limit".into(),
        json!({"requests": limit.requests, "window_seconds": limit.window.as_secs_f64()}),
    );
    map.insert("retry_safe".into(), info.retry_safe.into());
    map.insert("items".into(), info.items.into());
    map.insert("params".into(), Value::Array(params));
    map
}

/// `sparkrtc ops [--category C]`.
pub(crate) fn list(global: &Global, args: &OpsArgs) -> Result<(), Failure> {
    let found = args.word.as_deref().map(dynamic::search_operations);
    let infos: Vec<&OperationInfo> = OperationId::ALL
        .iter()
        .filter(|id| found.as_ref().is_none_or(|found| found.contains(id)))
        .map(|id| id.info())
        .filter(|info| {
            args.category
                .as_deref()
                .is_none_or(|c| info.category.name() == c)
        })
        .collect();
    let mut out = Out::new();
    match global.output.unwrap_or(Format::Table) {
        Format::Table => {
            let mut table = Table::new();
            table.set_header(["operation", "method", "path", "limit", "parameters"]);
            for info in infos {
                let params: Vec<String> = info
                    .params
                    .iter()
                    .map(|p| {
                        if p.required {
                            p.name.to_owned()
                        } else {
                            format!("[{}]", p.name)
                        }
                    })
                    .collect();
                table.add_row([
                    info.name.to_owned(),
                    info.method.to_string(),
                    info.path.to_owned(),
                    limit_text(info.category.documented_limit()),
                    params.join(" "),
                ]);
            }
            out.table(table)
        }
        Format::Json => out.json(&Value::Array(
            infos
                .into_iter()
                .map(|i| Value::Object(info_json(i)))
                .collect(),
        )),
        Format::Jsonl => infos
            .into_iter()
            .try_for_each(|i| out.json_line(&Value::Object(info_json(i)))),
    }
}

fn shape_name(shape: &Shape) -> String {
    match shape {
        Shape::String => "string".into(),
        Shape::Integer => "integer".into(),
        Shape::Number => "number".into(),
        Shape::Boolean => "boolean".into(),
        Shape::List(item) => format!("list of {}", shape_name(item)),
        Shape::Object(_) => "object".into(),
        Shape::Map => "map".into(),
        _ => "any".into(),
    }
}

/// The fields inside a shape (an object's, or a list's items').
fn inner_fields(shape: &Shape) -> Option<&[Field]> {
    match shape {
        Shape::Object(fields) => Some(fields),
        Shape::List(item) => inner_fields(item),
        _ => None,
    }
}

fn fields_json(fields: &[Field]) -> Value {
    Value::Array(
        fields
            .iter()
            .map(|f| {
                let mut map = Map::new();
                map.insert("name".into(), f.name.into());
                map.insert("required".into(), f.required.into());
                map.insert("type".into(), shape_name(&f.shape).into());
                if let Some(inner) = inner_fields(&f.shape) {
                    map.insert("fields".into(), fields_json(inner));
                }
                Value::Object(map)
            })
            .collect(),
    )
}

fn fields_text(fields: &[Field], depth: usize, out: &mut String) {
    for f in fields {
        let name = format!("{}{}", "  ".repeat(depth + 1), f.name);
        let need = if f.required { "required" } else { "optional" };
        let _ = writeln!(out, "{name:<36} {:<20} {need}", shape_name(&f.shape));
        if let Some(inner) = inner_fields(&f.shape) {
            fields_text(inner, depth + 1, out);
        }
    }
}

/// A value for the example: the required fields, with placeholders.
fn skeleton(shape: &Shape, name: &str) -> Value {
    match shape {
        Shape::Object(fields) => Value::Object(
            fields
                .iter()
                .filter(|f| f.required)
                .map(|f| (f.name.to_owned(), skeleton(&f.shape, f.name)))
                .collect(),
        ),
        Shape::List(item) => Value::Array(vec![skeleton(item, name)]),
        Shape::Integer => json!(0),
        Shape::Number => json!(0.0),
        Shape::Boolean => json!(false),
        _ => Value::String(name.to_ascii_uppercase()),
    }
}

/// `sparkrtc call ...` with the required parameters.
fn example(info: &OperationInfo, fields: &[Field]) -> String {
    let mut line = format!("sparkrtc call {}", info.name);
    for p in info.params.iter().filter(|p| p.required) {
        match p.location {
            ParamLocation::Body => {
                if let Some(body) = fields.iter().find(|f| f.name == "body") {
                    let body = json!({ "body": skeleton(&body.shape, "body") });
                    let _ = write!(line, " --json '{body}'");
                }
            }
            _ => {
                let _ = write!(line, " -p {}={}", p.name, p.name.to_ascii_uppercase());
            }
        }
    }
    line
}

/// `sparkrtc describe OPERATION`.
pub(crate) fn describe(global: &Global, name: &str) -> Result<(), Failure> {
    let id = dynamic::operation(name)?;
    let info = id.info();
    let fields = dynamic::fields(id.name())?;
    let mut out = Out::new();
    let format = global.output.unwrap_or(Format::Table);
    if format != Format::Table {
        let mut map = info_json(info);
        map.insert("fields".into(), fields_json(&fields));
        map.insert("example".into(), example(info, &fields).into());
        let value = Value::Object(map);
        return if format == Format::Json {
            out.json(&value)
        } else {
            out.json_line(&value)
        };
    }
    let limit = info.category.documented_limit();
    let mut text = format!(
        "{}: {}\n  {} {}\n  rate limit {} ({}); safe to retry: {}\n",
        info.name,
        info.summary,
        info.method,
        info.path,
        limit_text(limit),
        info.category.name(),
        if info.retry_safe {
            "yes"
        } else {
            "no (it creates something)"
        },
    );
    if let Some(items) = info.items {
        let _ = writeln!(text, "  a list: --all-pages pages through `{items}`");
    }
    let _ = writeln!(text, "  also found as: {}", info.aliases.join(", "));
    text.push('\n');
    out.write(&text)?;
    let mut table = Table::new();
    table.set_header(["parameter", "in", "required", "type", "description"]);
    for p in info.params {
        let mut doc = p.doc.to_owned();
        if let Some(range) = p.range {
            let _ = write!(doc, " Range {range}.");
        }
        table.add_row([
            p.name.to_owned(),
            p.location.as_str().to_owned(),
            if p.required { "yes" } else { "no" }.to_owned(),
            p.type_name.to_owned(),
            doc,
        ]);
    }
    out.table(table)?;
    let mut text = String::new();
    if let Some(body) = fields.iter().find(|f| f.name == "body") {
        let type_name = info.param("body").map_or("", |p| p.type_name);
        let _ = writeln!(text, "\nbody ({type_name}):");
        if let Some(inner) = inner_fields(&body.shape) {
            fields_text(inner, 0, &mut text);
        }
    }
    let _ = writeln!(text, "\nexample:\n  {}", example(info, &fields));
    out.write(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_read_as_rates() {
        let limit = |requests, secs| RateLimit {
            requests,
            window: Duration::from_secs(secs),
        };
        assert_eq!(limit_text(limit(10, 1)), "10/s");
        assert_eq!(limit_text(limit(30, 60)), "30/min");
        assert_eq!(limit_text(limit(5, 3600)), "5/1h");
    }

    #[test]
    fn examples_fill_the_required_parameters() {
        let info = OperationId::ShowMixJob.info();
        let fields = dynamic::fields("ShowMixJob").unwrap();
        assert_eq!(
            example(info, &fields),
            "sparkrtc call ShowMixJob -p app_id=APP_ID -p job_id=JOB_ID"
        );
        let info = OperationId::CreateMixJob.info();
        let fields = dynamic::fields("CreateMixJob").unwrap();
        assert_eq!(
            example(info, &fields),
            r#"sparkrtc call CreateMixJob -p app_id=APP_ID --json '{"body":{"mix_param":{"encode_template":"ENCODE_TEMPLATE","room_id":"ROOM_ID"}}}'"#
        );
    }
}
