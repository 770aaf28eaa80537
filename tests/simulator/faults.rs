//! Fault rules, one effect at a time, driving the crate's client: what it
//! retries, what it does not repeat, what it reports; and a seeded run that
//! reproduces exactly.

use sparkrtc::ops::ListRecordRules;
use sparkrtc::simulator::{FaultEffect, FaultRule, Limits, LoggedRequest};
use sparkrtc::transport::TransportErrorKind;

use super::support::*;

fn rule(text: &str) -> FaultRule {
    text.parse().unwrap()
}

/// The log entries of one operation.
fn calls(sim: &Simulator, op: OperationId) -> Vec<LoggedRequest> {
    sim.request_log()
        .into_iter()
        .filter(|e| e.operation == Some(op))
        .collect()
}

fn statuses(entries: &[LoggedRequest]) -> Vec<Option<u16>> {
    entries
        .iter()
        .map(|e| e.status.map(|s| s.as_u16()))
        .collect()
}

fn faults(entries: &[LoggedRequest]) -> Vec<Vec<String>> {
    entries.iter().map(|e| e.faults.clone()).collect()
}

fn transport_kind(result: Result<impl std::fmt::Debug, Error>) -> TransportErrorKind {
    match result {
        Err(Error::Transport(e)) => e.kind(),
        other => panic!("expected a transport error, got {other:?}"),
    }
}

fn mix_job(app_id: &str, room: &str) -> CreateMixJob {
    CreateMixJob::new(
        app_id,
        MixJobReq::new(MixParam::new(room, EncodeTemplate::AudioOnly)),
    )
}

fn job_count(sim: &Simulator) -> usize {
    sim.state()["jobs"].as_array().unwrap().len()
}

#[test]
fn an_error_answer_is_retried_and_then_succeeds() {
    let s = setup();
    let id = s.sim.faults().add(rule("ListApps:500:1:2")).unwrap();
    assert_eq!(id, "r1");
    let out = s.client.call(&ListApps::new()).unwrap();
    let log = calls(&s.sim, OperationId::ListApps);
    assert_eq!(statuses(&log), [Some(500), Some(500), Some(200)]);
    assert_eq!(
        faults(&log),
        [vec!["r1".to_owned()], vec!["r1".to_owned()], vec![]]
    );
    assert_eq!(
        log.iter()
            .map(|e| e.error_code.as_deref())
            .collect::<Vec<_>>(),
        [Some("RTC.00002001"), Some("RTC.00002001"), None]
    );
    assert_eq!(out.request_id.as_deref(), Some(log[2].request_id.as_str()));
    let listed = s.sim.faults().list();
    assert_eq!((listed[0].matched, listed[0].fired), (2, 2));
}

#[test]
fn an_error_that_persists_is_the_calls_error_with_its_request_id() {
    let s = setup();
    s.sim
        .faults()
        .add(
            FaultRule::new(
                FaultEffect::error(503)
                    .code("APIGW.0201")
                    .message("Backend unavailable."),
            )
            .operation(OperationId::ShowApp),
        )
        .unwrap();
    let app_id = create_app(&s.client, "a");
    let error = s.client.call(&ShowApp::new(&app_id)).unwrap_err();
    let api = error.api().unwrap();
    assert_eq!(
        (
            api.status,
            api.error_code.as_deref(),
            api.error_msg.as_deref()
        ),
        (503, Some("APIGW.0201"), Some("Backend unavailable."))
    );
    let log = calls(&s.sim, OperationId::ShowApp);
    // The default policy makes 4 attempts.
    assert_eq!(statuses(&log), [Some(503); 4]);
    assert_eq!(error.request_id(), Some(log[3].request_id.as_str()));
}

#[test]
fn a_429_with_retry_after_holds_the_next_attempt() {
    let s = setup();
    s.sim
        .faults()
        .add(rule("mix_stream_job_management:429,retry-after=3:1:1"))
        .unwrap();
    let app_id = create_app(&s.client, "throttled");
    let before = s.clock.now();
    s.client.call(&mix_job(&app_id, "r")).unwrap();
    let log = calls(&s.sim, OperationId::CreateMixJob);
    assert_eq!(statuses(&log), [Some(429), Some(201)]);
    assert_eq!(log[0].error_code.as_deref(), Some("APIG.0308"));
    // Not before the 3 s the service asked for.
    assert!(
        log[1].at - before >= Duration::from_secs(3),
        "{:?}",
        log[1].at - before
    );
    // A rate-limit fault is not the simulator's own throttling.
    assert_eq!(s.sim.throttled_count(), 0);
}

#[test]
fn a_429_answer_carries_retry_after_only_when_asked() {
    let s = setup();
    s.sim.faults().add(rule("ListApps:429:1:1")).unwrap();
    s.sim
        .faults()
        .add(rule("ShowApp:429,retry-after=7:1:1"))
        .unwrap();
    let wall = s.clock.wall();
    let plain = s.sim.respond(&signed(&ListApps::new(), wall));
    assert_eq!(plain.status(), 429);
    assert!(plain.headers().get("retry-after").is_none());
    let body = checked(&plain, wall);
    assert_eq!(body["error_code"], "APIG.0308");
    assert!(body["error_msg"]
        .as_str()
        .unwrap()
        .starts_with("The throttling threshold has been reached"));
    let with = s.sim.respond(&signed(&ShowApp::new("x"), wall));
    assert_eq!(with.headers()["retry-after"], "7");
}

#[test]
fn a_connection_closed_before_any_answer() {
    let s = setup();
    let app_id = create_app(&s.client, "closed");
    // A read is repeated, and succeeds.
    s.sim.faults().add(rule("ListApps:close:1:1")).unwrap();
    s.client.call(&ListApps::new()).unwrap();
    assert_eq!(
        statuses(&calls(&s.sim, OperationId::ListApps)),
        [None, Some(200)]
    );
    // A job creation is not repeated after an ambiguous failure; here
    // nothing happened.
    s.sim.faults().add(rule("CreateMixJob:close:1:1")).unwrap();
    let result = s.client.call(&mix_job(&app_id, "r"));
    assert_eq!(transport_kind(result), TransportErrorKind::FailedAfterSend);
    assert_eq!(statuses(&calls(&s.sim, OperationId::CreateMixJob)), [None]);
    assert_eq!(job_count(&s.sim), 0);
}

#[test]
fn an_answer_lost_after_the_operation_happened() {
    let s = setup();
    let app_id = create_app(&s.client, "lost");
    s.sim.faults().add(rule("CreateMixJob:lose:1:1")).unwrap();
    let result = s.client.call(&mix_job(&app_id, "r"));
    assert_eq!(transport_kind(result), TransportErrorKind::FailedAfterSend);
    let log = calls(&s.sim, OperationId::CreateMixJob);
    // Sent once, applied, answered 201 into the void.
    assert_eq!(statuses(&log), [Some(201)]);
    assert_eq!(faults(&log), [vec!["r1".to_owned()]]);
    assert_eq!(job_count(&s.sim), 1);
}

#[test]
fn an_answer_cut_off_mid_body() {
    let s = setup();
    let app_id = create_app(&s.client, "cut");
    s.sim.faults().add(rule("ShowApp:truncate:1:1")).unwrap();
    let shown = s.client.call(&ShowApp::new(&app_id)).unwrap();
    assert_eq!(shown.app_id.as_deref(), Some(app_id.as_str()));
    assert_eq!(
        statuses(&calls(&s.sim, OperationId::ShowApp)),
        [Some(200), Some(200)]
    );
    s.sim
        .faults()
        .add(rule("CreateMixJob:truncate:1:1"))
        .unwrap();
    let result = s.client.call(&mix_job(&app_id, "r"));
    assert_eq!(transport_kind(result), TransportErrorKind::FailedAfterSend);
    assert_eq!(job_count(&s.sim), 1);
    // In memory, the cut is what an HTTP client reports.
    s.sim.faults().add(rule("ListApps:truncate:1:1")).unwrap();
    let answer = s.sim.handle(&signed(&ListApps::new(), s.clock.wall()));
    let sparkrtc::simulator::Answer::Truncated { response, sent } = answer else {
        panic!("expected a cut-off answer");
    };
    assert_eq!(sent, response.body().len() / 2);
    assert!(sent > 0);
}

#[test]
fn latency_in_virtual_time() {
    let s = setup();
    s.sim.faults().add(rule("ListApps:latency=2s")).unwrap();
    let before = s.clock.now();
    s.client.call(&ListApps::new()).unwrap();
    assert_eq!(s.clock.now() - before, Duration::from_secs(2));
    // Latency adds up with an error rule's outcome.
    s.sim.faults().add(rule("ListApps:404:1:1")).unwrap();
    let before = s.clock.now();
    let error = s.client.call(&ListApps::new()).unwrap_err();
    assert_eq!(error.api().unwrap().status, 404);
    assert_eq!(s.clock.now() - before, Duration::from_secs(2));
    assert_eq!(
        calls(&s.sim, OperationId::ListApps).last().unwrap().faults,
        ["r1", "r2"]
    );
}

#[test]
fn drawn_latency_stays_in_its_range_and_follows_the_seed() {
    let run = |seed: u64| {
        let s = setup_with(SimulatorConfig::default().with_seed(seed));
        s.sim
            .faults()
            .add(rule("ListApps:latency=100ms..300ms"))
            .unwrap();
        (0..20)
            .map(|_| {
                let before = s.clock.now();
                s.client.call(&ListApps::new()).unwrap();
                s.clock.now() - before
            })
            .collect::<Vec<_>>()
    };
    let a = run(1);
    assert!(a
        .iter()
        .all(|d| (Duration::from_millis(100)..=Duration::from_millis(300)).contains(d)));
    assert_eq!(a, run(1));
    assert_ne!(a, run(2));
    // Not all the same.
    assert!(a.iter().any(|d| *d != a[0]));
}

#[test]
fn matching_by_category_method_and_path() {
    let s = setup_with(SimulatorConfig::default().with_rate_limits(false));
    let app_id = create_app(&s.client, "match");
    s.sim
        .faults()
        .add(rule("GET /v2/apps/*/mix-stream-jobs/*:418"))
        .unwrap();
    s.sim
        .faults()
        .add(rule("record_rule_management:409"))
        .unwrap();
    let wall = s.clock.wall();
    let answer = |request| s.sim.respond(&request).status().as_u16();
    assert_eq!(answer(signed(&ShowMixJob::new(&app_id, "j"), wall)), 418);
    assert_eq!(answer(signed(&ShowApp::new(&app_id), wall)), 200);
    assert_eq!(answer(signed(&ListRecordRules::new(&app_id), wall)), 409);
    // Other paths are not matched.
    assert_eq!(answer(signed(&StopMixJob::new(&app_id, "j"), wall)), 404);
    // An unroutable path matches `*` rules and path patterns too.
    s.sim.faults().add(rule("/v9/**:400")).unwrap();
    let unknown = raw("GET", "/v9/whatever", "", wall);
    let response = s.sim.respond(&unknown);
    assert_eq!(response.status(), 400);
    assert_eq!(checked(&response, wall)["error_code"], "RTC.00001003");
}

#[test]
fn a_rule_is_active_in_its_window_only() {
    let s = setup();
    s.sim
        .faults()
        .add(
            FaultRule::new(FaultEffect::error(500))
                .operation(OperationId::ListApps)
                .after(Duration::from_secs(10))
                .lasting(Duration::from_secs(5)),
        )
        .unwrap();
    let wall = |s: &Setup| s.clock.wall();
    let status = |s: &Setup| {
        s.sim
            .respond(&signed(&ListApps::new(), wall(s)))
            .status()
            .as_u16()
    };
    assert_eq!(status(&s), 200);
    s.clock.advance(Duration::from_secs(10));
    assert_eq!(status(&s), 500);
    s.clock.advance(Duration::from_millis(4_999));
    assert_eq!(status(&s), 500);
    s.clock.advance(Duration::from_millis(1));
    assert_eq!(status(&s), 200);
    // Requests outside the window are not counted as matched.
    let listed = s.sim.faults().list();
    assert_eq!((listed[0].matched, listed[0].fired), (2, 2));
}

#[test]
fn probability_is_drawn_from_the_seed() {
    let run = |seed: u64| {
        let s = setup_with(SimulatorConfig::default().with_seed(seed));
        s.sim.faults().add(rule("ListApps:500:0.3")).unwrap();
        (0..200)
            .map(|_| {
                s.sim
                    .respond(&signed(&ListApps::new(), s.clock.wall()))
                    .status()
                    .as_u16()
            })
            .collect::<Vec<_>>()
    };
    let a = run(5);
    let failed = a.iter().filter(|s| **s == 500).count();
    // 30% of 200, give or take what a fair draw gives.
    assert!((40..=80).contains(&failed), "{failed}");
    assert_eq!(a, run(5));
    assert_ne!(a, run(6));
    let none = {
        let s = setup();
        s.sim.faults().add(rule("ListApps:500:0")).unwrap();
        (0..50)
            .filter(|_| {
                s.sim
                    .respond(&signed(&ListApps::new(), s.clock.wall()))
                    .status()
                    != 200
            })
            .count()
    };
    assert_eq!(none, 0);
}

/// A whole scenario under seeded faults: the client's outcomes and the
/// simulator's log.
fn faulted_scenario(seed: u64) -> (Vec<String>, Vec<LoggedRequest>) {
    let s = setup_with(
        SimulatorConfig::default()
            .with_seed(seed)
            .with_rate_limits(false),
    );
    for text in [
        "*:latency=0ms..50ms",
        "ShowApp:503:0.3",
        "CreateMixJob:lose:0.2",
        "ListApps:truncate:0.2",
        "CreateApp:close:0.1",
    ] {
        s.sim.faults().add(rule(text)).unwrap();
    }
    let mut outcomes = Vec::new();
    let mut apps = Vec::new();
    for i in 0..6 {
        match s
            .client
            .call(&CreateApp::new(AppReq::new(format!("app-{i}"))))
        {
            Ok(out) => {
                let id = out.body.app_id.clone().unwrap();
                outcomes.push(format!("create {id} {:?}", out.request_id));
                apps.push(id);
            }
            Err(e) => outcomes.push(format!("create failed {e}")),
        }
    }
    for app_id in &apps {
        for _ in 0..3 {
            outcomes.push(format!(
                "show {:?}",
                s.client
                    .call(&ShowApp::new(app_id))
                    .map(|o| o.request_id.clone())
            ));
            outcomes.push(format!(
                "job {:?}",
                s.client
                    .call(&mix_job(app_id, "room"))
                    .map(|o| o.body.job_id.clone())
            ));
        }
        outcomes.push(format!(
            "list {:?}",
            s.client.call(&ListApps::new()).map(|o| o.count)
        ));
    }
    (outcomes, s.sim.request_log())
}

#[test]
fn a_seeded_run_reproduces_exactly() {
    let (outcomes, log) = faulted_scenario(42);
    let (again, log_again) = faulted_scenario(42);
    assert_eq!(outcomes, again);
    assert_eq!(log, log_again);
    // The faults did act, each kind of them.
    let acted: std::collections::BTreeSet<String> =
        log.iter().flat_map(|e| e.faults.iter().cloned()).collect();
    assert_eq!(acted.len(), 5, "{acted:?}");
    // Another seed, another run.
    let (other, _) = faulted_scenario(43);
    assert_ne!(outcomes, other);
}

#[test]
fn rules_are_listed_removed_replaced_and_bounded() {
    let s = setup_with(SimulatorConfig::default().with_limits(Limits {
        max_fault_rules: 2,
        ..Limits::default()
    }));
    let faults = s.sim.faults();
    assert_eq!(faults.add(rule("*:500:0.5")).unwrap(), "r1");
    assert_eq!(
        faults.add(rule("ListApps:close").id("mine")).unwrap(),
        "mine"
    );
    let full = faults.add(rule("ListApps:lose")).unwrap_err();
    assert_eq!(
        full.to_string(),
        "invalid fault rule: at most 2 fault rules at once; remove some first"
    );
    let ids: Vec<_> = faults
        .list()
        .iter()
        .map(|f| f.rule.rule_id().unwrap().to_owned())
        .collect();
    assert_eq!(ids, ["r1", "mine"]);
    assert!(faults.remove("mine"));
    assert!(!faults.remove("mine"));
    let dup = faults.add(rule("ListApps:close").id("r1")).unwrap_err();
    assert_eq!(
        dup.to_string(),
        "invalid fault rule: a rule with id `r1` exists"
    );
    // Replacing is all or nothing.
    let bad = faults.replace([
        rule("ListApps:close"),
        rule("ShowApp:close"),
        rule("ShowApp:lose"),
    ]);
    assert!(bad.is_err());
    assert_eq!(faults.list().len(), 1);
    assert_eq!(faults.replace([rule("ShowApp:lose")]).unwrap(), ["r1"]);
    faults.clear();
    assert!(faults.list().is_empty());
    // Reset brings back the configured rules only.
    let s = setup_with(SimulatorConfig::default().with_fault(rule("ListApps:500")));
    s.sim.faults().add(rule("ShowApp:500")).unwrap();
    s.sim.reset();
    let listed = s.sim.faults().list();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].rule.rule_id(), Some("r1"));
    assert_eq!(listed[0].rule.effect(), &FaultEffect::error(500));
}

#[test]
fn bad_rules_are_refused_with_a_reason() {
    let cases = [
        ("ListApps", "invalid fault rule: `ListApps` is not MATCH:EFFECT[:PROBABILITY[:TIMES]]"),
        ("Nope:500", "invalid fault rule: `Nope` is not `*`, an operation, a rate-limit category or `METHOD /path`"),
        ("ListApps:600", "invalid fault rule: an error status must be within 400..=599, got 600"),
        ("ListApps:200", "invalid fault rule: an error status must be within 400..=599, got 200"),
        ("ListApps:boom", "invalid fault rule: effect `boom` is not a status, latency=..., close, truncate or lose"),
        ("ListApps:500:1.5", "invalid fault rule: probability must be within 0..=1, got 1.5"),
        ("ListApps:500:x", "invalid fault rule: probability `x` is not a number"),
        ("ListApps:500:1:-1", "invalid fault rule: times `-1` is not a whole number"),
        ("ListApps:500:1:1:1", "invalid fault rule: `ListApps:500:1:1:1` has more than MATCH:EFFECT:PROBABILITY:TIMES"),
        ("ListApps:latency=2h", "invalid fault rule: `2h` is not a duration like 250ms, 2s or 1m"),
        ("ListApps:latency=11m", "invalid fault rule: latency takes `ms`, or `min_ms` <= `max_ms`, at most 600000 ms"),
        ("ListApps:latency=3s..1s", "invalid fault rule: latency takes `ms`, or `min_ms` <= `max_ms`, at most 600000 ms"),
        ("ListApps:500,color=red", "invalid fault rule: unknown option `color` (code, msg, retry-after)"),
        ("ListApps:500,retry-after=soon", "invalid fault rule: retry-after `soon` is not whole seconds"),
        ("ListApps:500,code", "invalid fault rule: `code` is not key=value"),
        ("GE\u{7f}T /x:500", "invalid fault rule: `GE\u{7f}T` is not an HTTP method"),
    ];
    for (text, message) in cases {
        let e = text.parse::<FaultRule>().unwrap_err();
        assert_eq!(e.to_string(), message, "{text}");
    }
    // The JSON form refuses unknown fields and names.
    for (json, part) in [
        (
            r#"{"effect":{"type":"close"},"colour":1}"#,
            "unknown field `colour`",
        ),
        (
            r#"{"operation":"Nope","effect":{"type":"close"}}"#,
            "`Nope` is not an operation",
        ),
        (
            r#"{"category":"nope","effect":{"type":"close"}}"#,
            "`nope` is not a rate-limit category",
        ),
        (
            r#"{"effect":{"type":"explode"}}"#,
            "unknown variant `explode`",
        ),
        (r#"{"operation":"ListApps"}"#, "missing field `effect`"),
    ] {
        let e = serde_json::from_str::<FaultRule>(json)
            .unwrap_err()
            .to_string();
        assert!(e.contains(part), "{json}: {e}");
    }
    // A rule that parses but cannot be used is refused when added.
    let odd: FaultRule =
        serde_json::from_str(r#"{"path":"no-slash","effect":{"type":"close"}}"#).unwrap();
    assert_eq!(
        Simulator::default().faults().add(odd).unwrap_err().to_string(),
        "invalid fault rule: a path pattern starts with `/` and is at most 1024 bytes, got `no-slash`"
    );
}

#[test]
fn the_short_and_json_forms_agree() {
    let pairs = [
        (
            "CreateMixJob:503:0.2:3",
            r#"{"operation":"CreateMixJob","probability":0.2,"times":3,"effect":{"type":"error","status":503}}"#,
        ),
        (
            "*:latency=250ms",
            r#"{"effect":{"type":"latency","ms":250}}"#,
        ),
        (
            "*:latency=1s..2s",
            r#"{"effect":{"type":"latency","min_ms":1000,"max_ms":2000}}"#,
        ),
        (
            "POST /v2/apps:close",
            r#"{"method":"POST","path":"/v2/apps","effect":{"type":"close"}}"#,
        ),
        (
            "/v2/**:truncate",
            r#"{"path":"/v2/**","effect":{"type":"truncate"}}"#,
        ),
        (
            "statistical_analysis:lose",
            r#"{"category":"statistical_analysis","effect":{"type":"lose"}}"#,
        ),
        (
            "ListApps:500,code=X.1,msg=down now,retry-after=4",
            r#"{"operation":"ListApps","effect":{"type":"error","status":500,"error_code":"X.1","error_msg":"down now","retry_after":4}}"#,
        ),
    ];
    for (short, json) in pairs {
        let a: FaultRule = short.parse().unwrap();
        let b: FaultRule = serde_json::from_str(json).unwrap();
        assert_eq!(a, b, "{short}");
        // And the JSON form round-trips.
        let again: FaultRule = serde_json::from_str(&serde_json::to_string(&a).unwrap()).unwrap();
        assert_eq!(again, a, "{short}");
    }
}
