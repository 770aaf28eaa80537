//! The control plane, each route over real HTTP, as a test in another
//! language would use it: unsigned requests to `/_sparkrtc/...`.

use sparkrtc::simulator::SimulatorServer;
use sparkrtc::transport::{Transport, UreqTransport};

use super::support::*;

struct Served {
    sim: Simulator,
    server: SimulatorServer,
    http: UreqTransport,
}

fn served(config: SimulatorConfig) -> Served {
    let sim = Simulator::new(config);
    let server = sim.serve("127.0.0.1:0").unwrap();
    Served {
        sim,
        server,
        http: UreqTransport::default(),
    }
}

fn served_virtual() -> Served {
    served(SimulatorConfig::default().with_virtual_clock(VirtualClock::unattended(start())))
}

impl Served {
    /// An unsigned request to the control plane: status and JSON body.
    fn control(&self, method: &str, route: &str, body: impl AsRef<[u8]>) -> (u16, Value) {
        let request = Request::builder()
            .method(method)
            .uri(format!("{}/_sparkrtc/{route}", self.server.url()))
            .header("content-type", "application/json")
            .body(body.as_ref().to_vec())
            .unwrap();
        let response = self.http.send(request).unwrap();
        let status = response.status().as_u16();
        assert_eq!(
            response.headers()["content-type"],
            "application/json;charset=UTF-8"
        );
        let body = if response.body().is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(response.body()).unwrap()
        };
        (status, body)
    }

    /// A signed API call over the same server.
    fn client(&self) -> Client<UreqTransport> {
        let builder = Client::builder(UreqTransport::default());
        // The simulator's own (virtual) time, so that signatures are fresh.
        let builder = match self.sim.config().virtual_clock() {
            Some(clock) => builder.clock(Arc::new(clock.clone())),
            None => builder,
        };
        builder
            .endpoint(
                Endpoint::new(&self.server.url())
                    .unwrap()
                    .with_project_id(DEFAULT_PROJECT_ID)
                    .unwrap(),
            )
            .credentials(Credentials::ak_sk(DEFAULT_ACCESS_KEY, DEFAULT_SECRET_KEY).unwrap())
            .seed(1)
            .build()
            .unwrap()
    }
}

#[test]
fn health() {
    let s = served_virtual();
    let (status, body) = s.control("GET", "health", "");
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({
            "status": "ok",
            "version": env!("CARGO_PKG_VERSION"),
            "seed": 0,
            "project_id": DEFAULT_PROJECT_ID,
            "virtual_clock": true,
            "now": "2024-01-02T03:04:05.000Z",
        })
    );
    // Control requests are not logged.
    assert!(s.sim.request_log().is_empty());
}

#[test]
fn reset_state_and_load() {
    let s = served_virtual();
    let client = s.client();
    let app_id = create_app(&client, "kept");
    let rule_id = create_rule(&client, &app_id, "sparkrtc-record", "cn-north-4");
    client
        .call(&CreateMixJob::new(
            &app_id,
            MixJobReq::new(MixParam::new("room", EncodeTemplate::AudioOnly))
                .record_param(RecordParam::new(&rule_id)),
        ))
        .unwrap();
    s.control(
        "POST",
        "join",
        json!({"app_id": app_id, "room_id": "room", "user_ids": ["u1", "u2"]}).to_string(),
    );
    s.control("POST", "clock/advance", r#"{"seconds": 2}"#);
    // The served simulator's delivery thread collects due callback events
    // whenever it wakes; collected now, the state stays put while compared.
    s.sim.deliver_callbacks();

    let (status, state) = s.control("GET", "state", "");
    assert_eq!(status, 200);
    assert_eq!(state["version"], 1);
    assert_eq!(state["apps"][0]["app_id"], app_id.as_str());
    assert_eq!(state["apps"][0]["rules"][0]["rule_id"], rule_id.as_str());
    assert_eq!(state["jobs"][0]["started"], "2024-01-02T03:04:06.000Z");
    assert_eq!(state["jobs"][0]["files"].as_array().unwrap().len(), 1);
    assert_eq!(state["jobs"][0]["events_collected"], 1);
    assert_eq!(state["rooms"][0]["sessions"].as_array().unwrap().len(), 2);
    assert_eq!(
        state["rooms"][0]["periods"][0]["start"],
        "2024-01-02T03:04:05.000Z"
    );
    assert_eq!(state["buckets"].as_array().unwrap().len(), 3);
    assert_eq!(s.sim.state(), state);

    // Reset: the seeded initial state.
    let (status, body) = s.control("POST", "reset", "");
    assert_eq!((status, body), (200, json!({"status": "reset"})));
    let (_, empty) = s.control("GET", "state", "");
    assert_eq!(empty["apps"], json!([]));
    assert_eq!(empty["jobs"], json!([]));
    assert_eq!(
        empty,
        Simulator::new(SimulatorConfig::default().with_clock(Arc::new(VirtualClock::new(start()))))
            .state()
    );

    // Load the saved world back, here, and in another simulator.
    let (status, body) = s.control("PUT", "state", state.to_string());
    assert_eq!((status, body), (200, json!({"status": "loaded"})));
    assert_eq!(s.control("GET", "state", "").1, state);
    let other = served_virtual();
    assert_eq!(other.control("PUT", "state", state.to_string()).0, 200);
    let shown = other.client().call(&ShowApp::new(&app_id)).unwrap();
    assert_eq!(shown.app_name.as_deref(), Some("kept"));
    // Ids go on from the loaded counters: the next app is the next id of
    // the seed, as if it had been created in the first simulator.
    let next_here = create_app(&s.client(), "next");
    let next_there = create_app(&other.client(), "next");
    assert_eq!(next_here, next_there);
    assert_ne!(next_here, app_id);
}

#[test]
fn bad_states_are_refused_and_change_nothing() {
    let s = served_virtual();
    let client = s.client();
    let app_id = create_app(&client, "stays");
    let before = s.sim.state();
    let mut wrong_version = before.clone();
    wrong_version["version"] = json!(2);
    let mut twice = before.clone();
    let app = twice["apps"][0].clone();
    twice["apps"].as_array_mut().unwrap().push(app);
    let mut bad_time = before.clone();
    bad_time["apps"][0]["created"] = json!("yesterday");
    let cases = [
        ("not json".to_owned(), "the state is not valid: expected ident at line 1 column 2"),
        (wrong_version.to_string(), "the state is version 2, this simulator reads version 1"),
        (twice.to_string(), &*format!("application `{app_id}` appears twice")),
        (bad_time.to_string(), "the state is not valid: `yesterday` is not a UTC time YYYY-MM-DDThh:mm:ss[.mmm]Z at line 1 column"),
        (r#"{"version":1,"seed":0,"colour":1}"#.to_owned(), "the state is not valid: unknown field `colour`"),
    ];
    for (body, message) in cases {
        let (status, error) = s.control("PUT", "state", &body);
        assert_eq!(status, 400, "{body}");
        assert_eq!(error["error_code"], "SIM.0400");
        let msg = error["error_msg"].as_str().unwrap();
        assert!(msg.starts_with(message), "{msg}");
    }
    // Non-UTF-8 and deeply nested bodies too.
    let (status, _) = s.control(
        "PUT",
        "state",
        b"{\"version\":1,\"seed\":0,\"apps\":[{\"app_id\":\"\xff\"}]}",
    );
    assert_eq!(status, 400);
    let deep = "[".repeat(100_000);
    let (status, _) = s.control("PUT", "state", &deep);
    assert_eq!(status, 400);
    let deep_inside = format!(
        r#"{{"version":1,"seed":0,"apps":[{{"app_id":"a","rules":{}}}]}}"#,
        "[".repeat(100_000)
    );
    let (status, error) = s.control("PUT", "state", &deep_inside);
    assert_eq!(status, 400);
    assert!(error["error_msg"]
        .as_str()
        .unwrap()
        .starts_with("the state is not valid: "));
    assert_eq!(s.sim.state(), before);
    // Over a cap.
    let small = served(SimulatorConfig::default().with_max_apps(0));
    let (status, error) = small.control("PUT", "state", before.to_string());
    assert_eq!(status, 400);
    assert_eq!(
        error["error_msg"],
        "the state has 1 applications, more than the 0 allowed"
    );
}

#[test]
fn the_request_log_and_the_callbacks() {
    let s = served_virtual();
    let client = s.client();
    let app_id = create_app(&client, "logged");
    client.call(&ShowApp::new(&app_id)).unwrap();
    client.call(&ShowApp::new("nope")).unwrap_err();
    let (status, body) = s.control("GET", "requests", "");
    assert_eq!(status, 200);
    let list = body["requests"].as_array().unwrap();
    assert_eq!(list.len(), 3);
    assert_eq!(body["next"], 4);
    let last = &list[2];
    assert_eq!(last["seq"], 3);
    assert_eq!(last["method"], "GET");
    assert_eq!(last["path"], "/v2/apps/nope");
    assert_eq!(last["operation"], "ShowApp");
    assert_eq!(last["status"], 404);
    assert_eq!(last["error_code"], "RTC.00001003");
    assert_eq!(last["access_key"], DEFAULT_ACCESS_KEY);
    assert_eq!(last["faults"], json!([]));
    assert!(is_request_id(last["request_id"].as_str().unwrap()));
    // Never a signature or a secret.
    let text = body.to_string();
    assert!(!text.contains(DEFAULT_SECRET_KEY));
    assert!(!text.contains("Signature"));
    // Polling from where the last poll ended.
    let (_, newer) = s.control("GET", "requests?since=2", "");
    assert_eq!(newer["requests"].as_array().unwrap().len(), 1);
    let (status, _) = s.control("GET", "requests?since=x", "");
    assert_eq!(status, 400);
    assert_eq!(s.control("DELETE", "requests", "").0, 204);
    assert_eq!(s.control("GET", "requests", "").1["requests"], json!([]));

    let (status, body) = s.control("GET", "callbacks", "");
    assert_eq!((status, body), (200, json!({"deliveries": []})));
}

#[test]
fn fault_rules() {
    let s = served_virtual();
    let client = s.client();
    let (status, body) = s.control(
        "POST",
        "faults",
        r#"{"operation":"ListApps","times":1,"effect":{"type":"error","status":503}}"#,
    );
    assert_eq!((status, body), (201, json!({"id": "r1"})));
    // The client retries through it.
    client.call(&ListApps::new()).unwrap();
    let (_, listed) = s.control("GET", "faults", "");
    assert_eq!(
        listed,
        json!({"faults": [{"id": "r1", "operation": "ListApps", "probability": 1.0, "times": 1,
                            "effect": {"type": "error", "status": 503}, "matched": 1, "fired": 1}]})
    );
    let (status, body) = s.control(
        "PUT",
        "faults",
        r#"[{"effect":{"type":"close"}},{"id":"slow","effect":{"type":"latency","ms":5}}]"#,
    );
    assert_eq!((status, body), (200, json!({"ids": ["r1", "slow"]})));
    // Control requests are never faulted: `*` closes API calls only.
    assert_eq!(s.control("GET", "health", "").0, 200);
    assert_eq!(s.control("DELETE", "faults/slow", "").0, 204);
    let (status, error) = s.control("DELETE", "faults/slow", "");
    assert_eq!(
        (status, error["error_msg"].as_str()),
        (404, Some("no fault rule `slow`"))
    );
    let (status, error) = s.control(
        "POST",
        "faults",
        r#"{"effect":{"type":"error","status":99}}"#,
    );
    assert_eq!(status, 400);
    assert_eq!(
        error["error_msg"],
        "invalid fault rule: an error status must be within 400..=599, got 99"
    );
    assert_eq!(s.control("DELETE", "faults", "").0, 204);
    assert_eq!(s.control("GET", "faults", "").1, json!({"faults": []}));
}

#[test]
fn users_join_and_leave() {
    let s = served_virtual();
    let client = s.client();
    let app_id = create_app(&client, "rooms");
    let presence =
        |users: Value| json!({"app_id": app_id, "room_id": "r", "user_ids": users}).to_string();
    assert_eq!(
        s.control("POST", "join", presence(json!(["a", "b"]))),
        (200, json!({"joined": 2}))
    );
    s.control("POST", "clock/advance", r#"{"seconds": 60}"#);
    assert_eq!(
        s.control("POST", "leave", presence(json!(["a"]))),
        (200, json!({"left": 1}))
    );
    let everyone = json!({"app_id": app_id, "room_id": "r"}).to_string();
    assert_eq!(
        s.control("POST", "leave", &everyone),
        (200, json!({"left": 1}))
    );
    let rooms = client.call(&ListRtcRoomList::new(&app_id)).unwrap();
    assert_eq!(rooms.room_info_list[0].state, Some(RoomState::Closed));
    let (status, error) = s.control("POST", "join", presence(json!([])));
    assert_eq!(
        (status, error["error_code"].as_str()),
        (400, Some("SIM.0400"))
    );
    let unknown = json!({"app_id": "nope", "room_id": "r", "user_ids": ["a"]}).to_string();
    let (status, error) = s.control("POST", "join", &unknown);
    assert_eq!(
        (status, error["error_code"].as_str()),
        (404, Some("RTC.00001003"))
    );
}

#[test]
fn the_clock() {
    let s = served_virtual();
    let (status, clock) = s.control("GET", "clock", "");
    assert_eq!(
        (status, clock),
        (
            200,
            json!({"virtual": true, "now": "2024-01-02T03:04:05.000Z", "monotonic_ms": 0})
        )
    );
    let (_, clock) = s.control("POST", "clock/advance", r#"{"seconds": 90}"#);
    assert_eq!(clock["now"], "2024-01-02T03:05:35.000Z");
    let (_, clock) = s.control("POST", "clock/advance", r#"{"ms": 500}"#);
    assert_eq!(clock["monotonic_ms"], 90_500);
    let (_, clock) = s.control("PUT", "clock", r#"{"now": "2024-01-03T00:00:00Z"}"#);
    assert_eq!(clock["now"], "2024-01-03T00:00:00.000Z");
    // Forward only; one of seconds or ms.
    let (status, error) = s.control("PUT", "clock", r#"{"now": "2024-01-01T00:00:00Z"}"#);
    assert_eq!(
        (status, error["error_code"].as_str()),
        (409, Some("SIM.0409"))
    );
    let (status, _) = s.control("POST", "clock/advance", r#"{"seconds": 1, "ms": 1}"#);
    assert_eq!(status, 400);
    // Time moved for the API too.
    assert_eq!(
        s.sim.wall(),
        UNIX_EPOCH + Duration::from_secs(1_704_240_000)
    );

    // On the system clock, time cannot be set.
    let system = served(SimulatorConfig::default());
    let (_, clock) = system.control("GET", "clock", "");
    assert_eq!(clock["virtual"], false);
    let (status, error) = system.control("POST", "clock/advance", r#"{"seconds": 1}"#);
    assert_eq!(status, 409);
    assert!(error["error_msg"]
        .as_str()
        .unwrap()
        .contains("--virtual-clock"));
}

#[test]
fn unknown_routes_and_methods() {
    let s = served_virtual();
    let (status, error) = s.control("GET", "nothing", "");
    assert_eq!(
        (status, error["error_code"].as_str()),
        (404, Some("SIM.0404"))
    );
    let (status, error) = s.control("DELETE", "health", "");
    assert_eq!(status, 405);
    assert_eq!(
        error["error_msg"],
        "DELETE is not served on /_sparkrtc/health"
    );
    let (status, _) = s.control("POST", "faults", "not json");
    assert_eq!(status, 400);
    // Never rate-limited: far more than any category allows.
    for _ in 0..100 {
        assert_eq!(s.control("GET", "health", "").0, 200);
    }
    assert_eq!(s.sim.throttled_count(), 0);
}
