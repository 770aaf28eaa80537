//! Every operation answers, in memory and over loopback; the same seed gives the same run.

#![allow(unused_imports)]
use super::support::*;

// ------------------------------------------------------ every operation

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/ops/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The order the operations run in: creations first, stops and deletions
/// last, so that each finds what it needs.
fn rank(op: OperationId) -> u8 {
    match op.name() {
        "CreateApp" => 0,
        "CreateRecordRule" => 1,
        "CreateMixJob" | "CreateIndividualStreamJob" => 2,
        "StopMixJob" | "StopIndividualStreamJob" => 7,
        "DeleteRecordRule" | "StopApp" => 8,
        "StartApp" => 9,
        "DeleteApp" => 10,
        _ => 5,
    }
}

#[derive(Default)]
struct Ids {
    app: String,
    spare_app: String,
    rule: String,
    spare_rule: String,
    mix_job: String,
    individual_job: String,
}

/// The fixture's parameters, pointed at what exists in the simulator.
fn adapt(op: OperationId, params: &mut Value, ids: &Ids) {
    let obj = params.as_object_mut().unwrap();
    for key in ["app_id", "app"] {
        if obj.contains_key(key) {
            obj[key] = json!(ids.app);
        }
    }
    if op == OperationId::DeleteApp {
        obj["app_id"] = json!(ids.spare_app);
    }
    if obj.contains_key("job_id") {
        let job = if op.name().contains("Individual") {
            &ids.individual_job
        } else {
            &ids.mix_job
        };
        obj["job_id"] = json!(job);
    }
    if obj.contains_key("rule_id") {
        let rule = if op == OperationId::DeleteRecordRule {
            &ids.spare_rule
        } else {
            &ids.rule
        };
        obj["rule_id"] = json!(rule);
    }
    if obj.contains_key("project_id") {
        obj["project_id"] = json!(DEFAULT_PROJECT_ID);
    }
    if op == OperationId::ListObsBucketObjects {
        obj["bucket"] = json!("sparkrtc-record");
        obj["location"] = json!("cn-north-4");
        obj["prefix"] = json!("record/");
    }
    if let Some(body) = obj.get_mut("body").and_then(Value::as_object_mut) {
        if let Some(record) = body.get_mut("record_param") {
            record["record_rule_id"] = json!(ids.rule);
        }
        if body.contains_key("record_rule_id") {
            body["record_rule_id"] = json!(ids.rule);
        }
        if op == OperationId::UpdateObsBucketAuthority {
            body["bucket"] = json!("sparkrtc-backup");
            body["location"] = json!("cn-north-4");
        }
    }
}

#[test]
fn every_operation_answers_through_the_client() {
    let s = setup();
    every_operation(&s.client, &s.sim);
}

/// Every operation over real loopback HTTP, through the ureq transport
/// (the simulator served on a free port, the same virtual clock on both
/// sides).
#[cfg(feature = "ureq")]
#[test]
fn every_operation_answers_over_loopback_through_ureq() {
    let clock = VirtualClock::new(start());
    let sim = Simulator::new(SimulatorConfig::default().with_clock(Arc::new(clock.clone())));
    let server = sim.serve("127.0.0.1:0").unwrap();
    let client = Client::builder(sparkrtc::transport::UreqTransport::default())
        .endpoint(
            Endpoint::new(&server.url())
                .unwrap()
                .with_project_id(DEFAULT_PROJECT_ID)
                .unwrap(),
        )
        .credentials(Credentials::ak_sk(DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY).unwrap())
        .clock(Arc::new(clock))
        .seed(1)
        .build()
        .unwrap();
    every_operation(&client, &sim);
}

/// Calls every operation once, in an order that creates what the next
/// ones need, and checks each answer against its fixture.
fn every_operation<T: sparkrtc::transport::Transport>(client: &Client<T>, sim: &Simulator) {
    let mut ops: Vec<OperationId> = OperationId::ALL.to_vec();
    ops.sort_by_key(|op| rank(*op));
    assert_eq!(ops.len(), 42);
    let mut ids = Ids::default();
    for op in ops {
        match op {
            OperationId::DeleteApp => ids.spare_app = create_app(client, "spare"),
            OperationId::DeleteRecordRule => {
                ids.spare_rule = create_rule(client, &ids.app, "spare-bucket", "cn-east-3")
            }
            _ => {}
        }
        let fixture = fixture(op.name());
        let mut params = fixture["params"].clone();
        adapt(op, &mut params, &ids);
        let out = client
            .call_json(op.name(), &params)
            .unwrap_or_else(|e| panic!("{}: {e}", op.name()));
        assert!(
            is_request_id(out["X-Request-Id"].as_str().unwrap()),
            "{}",
            op.name()
        );
        let last = sim.request_log().last().cloned().unwrap();
        assert_eq!(last.operation, Some(op));
        assert_eq!(
            u64::from(last.status.unwrap().as_u16()),
            fixture["response"]["status"].as_u64().unwrap(),
            "{}",
            op.name()
        );
        assert_eq!(last.access_key.as_deref(), Some(DEFAULT_ACCESS_KEY));
        match op {
            OperationId::CreateApp => {
                ids.app = out["app_id"].as_str().unwrap().to_owned();
                // The users of the fixtures' room, for RemoveUsers and
                // RemoveRoom (an unknown room is 404).
                sim.join(&ids.app, "room001", &["user001", "user002", "user003"])
                    .unwrap();
            }
            OperationId::CreateRecordRule => ids.rule = out["rule_id"].as_str().unwrap().to_owned(),
            OperationId::CreateMixJob => {
                ids.mix_job = out["job_id"].as_str().unwrap().to_owned();
                assert_eq!(
                    out["stream_name"],
                    json!(format!("m_{}_room001", ids.mix_job))
                );
            }
            OperationId::CreateIndividualStreamJob => {
                ids.individual_job = out["job_id"].as_str().unwrap().to_owned();
                assert_eq!(
                    out["stream_name"],
                    json!(format!("s_{}_100_user001", ids.individual_job))
                );
            }
            OperationId::ShowApp => assert_eq!(out["app_name"], json!("rtctest")),
            OperationId::ListApps => assert_eq!(out["count"], json!(1)),
            OperationId::ListRecordRules => assert_eq!(out["rules"][0]["rule_id"], json!(ids.rule)),
            OperationId::ListObsBuckets => assert_eq!(out["count"], json!(3)),
            OperationId::ListObsBucketObjects => assert_eq!(
                out["objects"][0]["file_name"],
                json!("record/room001/m_demo_room001_20240101T080000Z.mp4")
            ),
            OperationId::ListRtcRealtimeScale => {
                assert_eq!(out["scale"].as_array().unwrap().len(), 60)
            }
            _ => {}
        }
    }
    // Everything the sequence deleted is gone, the rest is there.
    assert_eq!(sim.app_count(), 1);
    assert_eq!(sim.request_log().len(), 44);
    assert_eq!(sim.throttled_count(), 0);
}

// ---------------------------------------------------------- determinism

/// A fixed scenario; returns the log and every body.
fn scenario(seed: u64) -> (Vec<sparkrtc::simulator::LoggedRequest>, Vec<Vec<u8>>) {
    let s = setup_with(SimulatorConfig::default().with_seed(seed));
    let wall = s.clock.wall();
    let send = |request: Request<Vec<u8>>| s.sim.respond(&request).into_body();
    let mut bodies = vec![send(signed(&CreateApp::new(AppReq::new("one")), wall))];
    let created: Value = serde_json::from_slice(&bodies[0]).unwrap();
    let app_id = created["app_id"].as_str().unwrap().to_owned();
    bodies.push(send(signed(&CreateApp::new(AppReq::new("two")), wall)));
    bodies.push(send(signed(&ListApps::new(), wall)));
    bodies.push(send(signed(&ShowApp::new(&app_id), wall)));
    bodies.push(send(signed(&ListRtcRoomList::new(&app_id), wall)));
    bodies.push(send(signed(&ListRtcRoomList::new("nope"), wall)));
    bodies.push(send(raw("GET", "/v2/nothing", "", wall)));
    (s.sim.request_log(), bodies)
}

#[test]
fn the_same_seed_gives_the_same_run() {
    let (log_a, bodies_a) = scenario(42);
    let (log_b, bodies_b) = scenario(42);
    assert_eq!(log_a, log_b);
    assert_eq!(bodies_a, bodies_b);
    assert_eq!(log_a.len(), 7);
    // Request ids differ in every 16-digit half.
    let halves: std::collections::BTreeSet<&str> = log_a
        .iter()
        .flat_map(|r| [&r.request_id[..16], &r.request_id[16..]])
        .collect();
    assert_eq!(halves.len(), 14);
    let (log_c, bodies_c) = scenario(43);
    assert_ne!(log_a[0].request_id, log_c[0].request_id);
    assert_ne!(bodies_a[0], bodies_c[0]);
    // Same shape, other ids.
    assert_eq!(
        log_a.iter().map(|r| r.status).collect::<Vec<_>>(),
        log_c.iter().map(|r| r.status).collect::<Vec<_>>()
    );
}

// ------------------------------------------------------------- loopback

#[cfg(feature = "ureq")]
#[test]
fn over_loopback_http_with_ureq() {
    use sparkrtc::transport::UreqTransport;

    let clock = VirtualClock::new(start());
    let sim = Simulator::new(SimulatorConfig::default().with_clock(Arc::new(clock.clone())));
    let server = sim.serve("127.0.0.1:0").unwrap();
    assert!(server.url().starts_with("http://127.0.0.1:"));
    assert_ne!(server.addr().port(), 0);
    let client = Client::builder(UreqTransport::default())
        .endpoint(
            Endpoint::new(&server.url())
                .unwrap()
                .with_project_id(DEFAULT_PROJECT_ID)
                .unwrap(),
        )
        .credentials(Credentials::ak_sk(DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY).unwrap())
        .clock(Arc::new(clock.clone()))
        .build()
        .unwrap();
    let app_id = client
        .call(&CreateApp::new(AppReq::new("over-http")))
        .unwrap()
        .body
        .app_id
        .unwrap();
    let list = client.call(&ListApps::new()).unwrap();
    assert!(is_request_id(list.request_id.as_deref().unwrap()));
    assert_eq!(list.body.count, Some(1));
    assert_eq!(list.body.apps[0].app_id.as_deref(), Some(app_id.as_str()));
    let missing = client.call(&ShowApp::new("nope"));
    assert_api(
        missing,
        404,
        "RTC.00001003",
        "InvalidParameterValue: app_id `nope` does not exist",
    );
    let log = sim.request_log();
    assert_eq!(log.len(), 3);
    assert_eq!(log[0].status, Some(StatusCode::CREATED));
    assert!(log
        .iter()
        .all(|r| r.access_key.as_deref() == Some(DEFAULT_ACCESS_KEY)));
    let url = server.url();
    server.shutdown();
    // Nobody listens any more (a fresh client: a kept-alive connection would
    // wait for an answer that never comes).
    let fresh = Client::builder(UreqTransport::default())
        .endpoint(
            Endpoint::new(&url)
                .unwrap()
                .with_project_id(DEFAULT_PROJECT_ID)
                .unwrap(),
        )
        .credentials(Credentials::ak_sk(DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY).unwrap())
        .clock(Arc::new(clock.clone()))
        .build()
        .unwrap();
    let error = fresh.call(&ListApps::new()).unwrap_err();
    assert!(error.api().is_none(), "{error}");
    assert_eq!(sim.request_log().len(), 3);
}
