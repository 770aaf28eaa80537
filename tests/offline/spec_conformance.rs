//! Every operation, parameter and model field of the API catalog
//! (`tests/data/sparkrtc-api.json`, derived from the official SDK) is
//! modelled, with the catalog's method, path, rate-limit category, required
//! flags and types. The test generates a value for every catalog field and
//! checks that it survives the crate unchanged.

use std::collections::BTreeSet;

use http::{HeaderMap, HeaderValue, StatusCode};
use serde_json::{json, Map, Value};
use sparkrtc::{Error, OperationId};

fn catalog() -> Value {
    serde_json::from_str(include_str!("../data/sparkrtc-api.json")).unwrap()
}

fn ops(cat: &Value) -> &Vec<Value> {
    cat["operations"].as_array().unwrap()
}

fn op_named<'a>(cat: &'a Value, name: &str) -> &'a Value {
    ops(cat)
        .iter()
        .find(|o| o["operation"] == name)
        .unwrap_or_else(|| panic!("{name} not in the catalog"))
}

/// A sample value of a catalog type. `list[T]` gets two elements so that
/// order is checked; a model gets every field.
fn sample(cat: &Value, ty: &str, depth: usize) -> Value {
    match ty {
        "str" => json!("v1 é/?"),
        "int" => json!(1),
        "float" => json!(0.25),
        "bool" => json!(true),
        t if t.starts_with("list[") => {
            let inner = &t[5..t.len() - 1];
            let a = sample(cat, inner, depth + 1);
            let b = match inner {
                "str" => json!("v2"),
                _ => a.clone(),
            };
            json!([a, b])
        }
        model => {
            assert!(depth < 10, "model recursion at {model}");
            let m = &cat["models"][model];
            assert!(m.is_object(), "unknown catalog type {model}");
            let mut obj = Map::new();
            for f in m["fields"].as_array().unwrap() {
                let name = f["name"].as_str().unwrap();
                if name.eq_ignore_ascii_case("x-request-id") {
                    continue;
                }
                obj.insert(
                    name.to_owned(),
                    sample(cat, f["type"].as_str().unwrap(), depth + 1),
                );
            }
            Value::Object(obj)
        }
    }
}

/// An operation's path and query parameters, as catalog entries.
fn path_and_query_params(op: &Value) -> impl Iterator<Item = &Value> {
    op["path_params"]
        .as_array()
        .unwrap()
        .iter()
        .chain(op["query_params"].as_array().unwrap())
}

/// Every parameter of an operation, as the dynamic entry point takes them.
fn full_params(cat: &Value, op: &Value) -> Value {
    let mut params = Map::new();
    for p in path_and_query_params(op) {
        let name = p["name"].as_str().unwrap();
        params.insert(name.to_owned(), sample(cat, p["type"].as_str().unwrap(), 0));
    }
    if let Some(body) = op["body"]["type"].as_str() {
        params.insert("body".into(), sample(cat, body, 0));
    }
    Value::Object(params)
}

#[test]
fn the_crate_has_exactly_the_catalog_operations() {
    let cat = catalog();
    let ours: BTreeSet<&str> = OperationId::ALL.iter().map(|o| o.name()).collect();
    let theirs: BTreeSet<&str> = ops(&cat)
        .iter()
        .map(|o| o["operation"].as_str().unwrap())
        .collect();
    assert_eq!(ours, theirs);
    assert_eq!(ours.len(), ops(&cat).len(), "duplicate names");
}

#[test]
fn metadata_matches_the_catalog() {
    let cat = catalog();
    for &id in OperationId::ALL {
        let op = op_named(&cat, id.name());
        let info = id.info();
        assert_eq!(info.method.as_str(), op["method"], "{id} method");
        assert_eq!(info.path, op["path"], "{id} path");
        assert_eq!(info.has_body, !op["body"].is_null(), "{id} body");
        let category = cat["throttling"]["categories"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| {
                c["operations"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|o| o == id.name())
            })
            .unwrap_or_else(|| panic!("{id} has no throttle category"));
        assert_eq!(info.category.name(), category["category"], "{id} category");
        let limit = info.category.documented_limit();
        assert_eq!(
            u64::from(limit.requests),
            category["requests"].as_u64().unwrap()
        );
        assert_eq!(
            limit.window.as_secs(),
            category["per_seconds"].as_u64().unwrap()
        );
        assert_eq!(OperationId::from_name(id.name()), Some(id));
        // Only the POSTs that create something are unsafe to repeat.
        let creates = matches!(
            id.name(),
            "CreateApp" | "CreateMixJob" | "CreateIndividualStreamJob"
        );
        assert_eq!(info.retry_safe, !creates, "{id} retry_safe");
        // The accessors read the same table.
        assert_eq!(id.method().as_str(), op["method"], "{id} method()");
        assert_eq!(id.path_template(), op["path"], "{id} path_template()");
        assert_eq!(id.category(), info.category, "{id} category()");
        assert_eq!(id.retry_safe(), !creates, "{id} retry_safe()");
    }
}

#[test]
fn every_catalog_parameter_and_body_field_round_trips() {
    let cat = catalog();
    for &id in OperationId::ALL {
        let op = op_named(&cat, id.name());
        let params = full_params(&cat, op);
        let normalized = id
            .normalize_json(&params)
            .unwrap_or_else(|e| panic!("{id}: {e}"));
        assert_eq!(
            normalized, params,
            "{id}: parameters changed on the way through"
        );
    }
}

#[test]
fn required_parameters_are_required_and_optional_ones_are_not() {
    let cat = catalog();
    for &id in OperationId::ALL {
        let op = op_named(&cat, id.name());
        let params = full_params(&cat, op);
        for p in path_and_query_params(op) {
            let name = p["name"].as_str().unwrap();
            let mut without = params.clone();
            without.as_object_mut().unwrap().remove(name);
            let result = id.normalize_json(&without);
            // `project_id` is the one path parameter the endpoint supplies.
            if p["required"].as_bool().unwrap() && name != "project_id" {
                match result {
                    Err(Error::InvalidParameter {
                        operation, field, ..
                    }) => {
                        assert_eq!(operation, id.name());
                        assert_eq!(field, name, "{id}");
                    }
                    other => panic!("{id}: removing required `{name}` gave {other:?}"),
                }
            } else {
                assert!(
                    result.is_ok(),
                    "{id}: removing optional `{name}`: {result:?}"
                );
            }
        }
        if let Some(body) = op["body"]["type"].as_str() {
            check_body_fields(&cat, id, &params, body, &["body"]);
        }
    }
}

/// Removes each field of the body model at `path` in turn: required ones
/// must be reported by their full path, optional ones must be accepted.
fn check_body_fields(cat: &Value, id: OperationId, params: &Value, model: &str, path: &[&str]) {
    for f in cat["models"][model]["fields"].as_array().unwrap() {
        let name = f["name"].as_str().unwrap();
        let mut without = params.clone();
        let mut node = &mut without;
        for seg in path {
            node = node.get_mut(*seg).unwrap();
        }
        node.as_object_mut().unwrap().remove(name);
        let field = format!("{}.{name}", path.join("."));
        let result = id.normalize_json(&without);
        if f["required"].as_bool().unwrap() {
            match result {
                Err(Error::InvalidParameter { field: got, .. }) => {
                    assert_eq!(got, field, "{id}")
                }
                other => panic!("{id}: removing required `{field}` gave {other:?}"),
            }
        } else {
            assert!(
                result.is_ok(),
                "{id}: removing optional `{field}`: {result:?}"
            );
        }
        // Recurse into nested models (not into lists).
        let ty = f["type"].as_str().unwrap();
        if cat["models"][ty].is_object() {
            let mut deeper = path.to_vec();
            deeper.push(name);
            check_body_fields(cat, id, params, ty, &deeper);
        }
    }
}

#[test]
fn unknown_parameters_are_rejected_at_any_depth() {
    let cat = catalog();
    for &id in OperationId::ALL {
        let op = op_named(&cat, id.name());
        let mut params = full_params(&cat, op);
        params["no_such_param"] = json!(1);
        match id.normalize_json(&params) {
            Err(Error::InvalidParameter { field, reason, .. }) => {
                assert_eq!(field, "no_such_param", "{id}");
                assert_eq!(reason, "unknown parameter");
            }
            other => panic!("{id}: {other:?}"),
        }
    }
    let mut params = full_params(&cat, op_named(&cat, "CreateMixJob"));
    params["body"]["mix_param"]["layout_panes"][1]["colour"] = json!("red");
    let err = OperationId::CreateMixJob
        .normalize_json(&params)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "invalid parameter `body.mix_param.layout_panes[1].colour` of CreateMixJob: unknown parameter"
    );
}

#[test]
fn every_catalog_response_field_is_parsed_and_kept() {
    let cat = catalog();
    for &id in OperationId::ALL {
        let op = op_named(&cat, id.name());
        let body = sample(&cat, op["response"].as_str().unwrap(), 0);
        let mut headers = HeaderMap::new();
        headers.insert("X-request-Id", HeaderValue::from_static("req-1"));
        let parsed = id
            .parse_json(
                StatusCode::OK,
                &headers,
                &serde_json::to_vec(&body).unwrap(),
            )
            .unwrap_or_else(|e| panic!("{id}: {e}"));
        let mut expected = body.clone();
        expected["X-Request-Id"] = json!("req-1");
        assert_eq!(
            parsed, expected,
            "{id}: response fields changed on the way through"
        );

        // The catalog's response headers are the request id, in some spelling.
        let headers = op["response_headers"].as_array().unwrap();
        assert_eq!(headers.len(), 1);
        assert!(headers[0]
            .as_str()
            .unwrap()
            .eq_ignore_ascii_case("x-request-id"));
    }
}

#[test]
fn responses_tolerate_missing_fields_and_nulls() {
    let cat = catalog();
    for &id in OperationId::ALL {
        let op = op_named(&cat, id.name());
        let model = &cat["models"][op["response"].as_str().unwrap()];
        let mut nulls = Map::new();
        for f in model["fields"].as_array().unwrap() {
            nulls.insert(f["name"].as_str().unwrap().to_owned(), Value::Null);
        }
        for body in [json!({}), Value::Object(nulls)] {
            let parsed = id
                .parse_json(
                    StatusCode::OK,
                    &HeaderMap::new(),
                    &serde_json::to_vec(&body).unwrap(),
                )
                .unwrap_or_else(|e| panic!("{id} {body}: {e}"));
            assert_eq!(parsed, json!({}), "{id}");
        }
    }
}
