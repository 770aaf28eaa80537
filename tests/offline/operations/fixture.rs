//! The fixtures `tests/fixtures/ops/<Operation>.json`: loading them, and
//! every check of one fixture against the dynamic and the typed API.

use std::path::Path;

use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use serde_json::Value;
use sparkrtc::{dynamic, Endpoint, OperationId};

use super::typed::typed_case;

/// One fixture file, read.
pub struct Fixture {
    pub id: OperationId,
    json: Value,
}

impl Fixture {
    pub fn name(&self) -> &'static str {
        self.id.name()
    }

    fn get(&self, pointer: &str) -> &Value {
        self.json
            .pointer(pointer)
            .unwrap_or_else(|| panic!("{}: fixture has no `{pointer}`", self.name()))
    }

    fn str(&self, pointer: &str) -> &str {
        self.get(pointer)
            .as_str()
            .unwrap_or_else(|| panic!("{}: fixture `{pointer}` is not a string", self.name()))
    }

    fn endpoint(&self) -> Endpoint {
        Endpoint::new(self.str("/endpoint/url"))
            .and_then(|e| e.with_project_id(self.str("/endpoint/project_id")))
            .unwrap_or_else(|e| panic!("{}: bad fixture endpoint: {e}", self.name()))
    }

    /// The canned response: status, headers, body bytes (a JSON body is sent
    /// pretty-printed; a string body is sent as is, `""` for no body).
    fn response(&self) -> Response {
        let status = self.get("/response/status").as_u64().expect("status") as u16;
        let mut headers = HeaderMap::new();
        for (k, v) in self.get("/response/headers").as_object().expect("headers") {
            headers.append(
                HeaderName::try_from(k.as_str()).expect("header name"),
                HeaderValue::try_from(v.as_str().expect("header value")).expect("header value"),
            );
        }
        let body = match self.get("/response/body") {
            Value::String(s) => s.clone().into_bytes(),
            v => serde_json::to_vec_pretty(v).unwrap(),
        };
        Response {
            status: StatusCode::from_u16(status).expect("status"),
            headers,
            body,
        }
    }
}

pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

/// What the typed API produced for one fixture.
/// Where two JSON values differ, as `path: got …, expected …` lines (at most 12).
fn json_diff(at: &str, got: &Value, expected: &Value, out: &mut Vec<String>) {
    if out.len() >= 12 || got == expected {
        return;
    }
    match (got, expected) {
        (Value::Object(g), Value::Object(e)) => {
            for (k, ev) in e {
                match g.get(k) {
                    Some(gv) => json_diff(&format!("{at}.{k}"), gv, ev, out),
                    None => out.push(format!("{at}.{k}: missing, expected {ev}")),
                }
            }
            for (k, gv) in g.iter().filter(|(k, _)| !e.contains_key(*k)) {
                out.push(format!("{at}.{k}: unexpected {gv}"));
            }
        }
        (Value::Array(g), Value::Array(e)) if g.len() == e.len() => {
            for (i, (gv, ev)) in g.iter().zip(e).enumerate() {
                json_diff(&format!("{at}[{i}]"), gv, ev, out);
            }
        }
        _ => out.push(format!("{at}: got {got}, expected {expected}")),
    }
}

/// `assert_eq!` for JSON, naming the operation and the paths that differ.
fn assert_json_eq(name: &str, what: &str, got: &Value, expected: &Value) {
    let mut diffs = Vec::new();
    json_diff("$", got, expected, &mut diffs);
    assert!(
        diffs.is_empty(),
        "{name}: {what} differs from the fixture:\n  {}\ngot: {}",
        diffs.join("\n  "),
        serde_json::to_string_pretty(got).unwrap()
    );
}

/// Asserts that `v` holds no JSON `null` anywhere.
fn assert_no_nulls(name: &str, at: &str, v: &Value) {
    match v {
        Value::Null => panic!("{name}: request body has a null at `{at}`"),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                assert_no_nulls(name, &format!("{at}[{i}]"), item);
            }
        }
        Value::Object(map) => {
            for (k, item) in map {
                assert_no_nulls(name, &format!("{at}.{k}"), item);
            }
        }
        _ => {}
    }
}

/// Every check of one fixture.
pub fn check(f: &Fixture) {
    let name = f.name();
    let endpoint = f.endpoint();
    let params = f.get("/params");

    // (a) dynamic build: exact method, URI, body and headers.
    let request = dynamic::build(name, params, &endpoint)
        .unwrap_or_else(|e| panic!("{name}: dynamic::build failed: {e}"));
    assert_eq!(
        request.method().as_str(),
        f.str("/request/method"),
        "{name}: method"
    );
    assert_eq!(
        request.uri().to_string(),
        f.str("/request/uri"),
        "{name}: URI"
    );
    match f.get("/request/body") {
        Value::Null => {
            assert!(
                !f.id.info().has_body,
                "{name}: fixture has no body, the operation has one"
            );
            assert!(
                request.body().is_empty(),
                "{name}: expected no body, got {}",
                String::from_utf8_lossy(request.body())
            );
        }
        expected => {
            assert!(
                f.id.info().has_body,
                "{name}: fixture has a body, the operation has none"
            );
            let sent: Value = serde_json::from_slice(request.body()).unwrap_or_else(|e| {
                panic!(
                    "{name}: body is not JSON ({e}): {}",
                    String::from_utf8_lossy(request.body())
                )
            });
            assert_json_eq(name, "dynamic request body", &sent, expected);
            assert_no_nulls(name, "body", &sent);
            assert_eq!(
                serde_json::to_vec(&sent).unwrap().len(),
                request.body().len(),
                "{name}: body is not compact JSON: {}",
                String::from_utf8_lossy(request.body())
            );
        }
    }
    let header = |h: &str| request.headers().get(h).and_then(|v| v.to_str().ok());
    assert_eq!(
        header("content-type"),
        Some("application/json;charset=UTF-8"),
        "{name}: Content-Type"
    );
    assert_eq!(
        header("x-project-id"),
        endpoint.project_id(),
        "{name}: X-Project-Id"
    );
    let normalized = f.id.normalize_json(params).unwrap();
    assert_json_eq(
        name,
        "normalized params (fixture params must be canonical)",
        &normalized,
        params,
    );

    // (b) typed: the same request, byte for byte, and the same parameter shape.
    let response = f.response();
    let typed = typed_case(f.id, &endpoint, &response);
    assert_eq!(
        typed.request.method(),
        request.method(),
        "{name}: typed method"
    );
    assert_eq!(typed.request.uri(), request.uri(), "{name}: typed URI");
    assert_eq!(
        String::from_utf8_lossy(typed.request.body()),
        String::from_utf8_lossy(request.body()),
        "{name}: typed body bytes"
    );
    assert_eq!(
        typed.request.headers(),
        request.headers(),
        "{name}: typed headers"
    );
    assert_json_eq(name, "typed request serialized", &typed.params, params);

    // (c) response, dynamic and typed.
    let expected = f.get("/output");
    let parsed = dynamic::parse(name, response.status, &response.headers, &response.body)
        .unwrap_or_else(|e| panic!("{name}: dynamic::parse failed: {e}"));
    assert_json_eq(name, "dynamic::parse output", &parsed, expected);
    assert_json_eq(name, "typed output re-serialized", &typed.output, expected);
}

pub fn load_fixtures() -> Vec<Fixture> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ops");
    let mut fixtures = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let json: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{}: invalid JSON: {e}", path.display()));
        let stem = path.file_stem().unwrap().to_str().unwrap();
        let op = json["operation"].as_str().unwrap_or_default();
        assert_eq!(
            op,
            stem,
            "{}: `operation` must match the file name",
            path.display()
        );
        let id = OperationId::from_name(op)
            .unwrap_or_else(|| panic!("{}: unknown operation `{op}`", path.display()));
        let keys: Vec<&str> = json
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut expected_keys = [
            "endpoint",
            "operation",
            "output",
            "params",
            "request",
            "response",
            "source",
        ];
        expected_keys.sort_unstable();
        assert_eq!(keys, expected_keys, "{}: fixture keys", path.display());
        fixtures.push(Fixture { id, json });
    }
    fixtures.sort_by_key(|f| f.id);
    fixtures
}
