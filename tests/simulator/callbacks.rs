//! Recording callback events: collected once, posted signed, logged.

#![allow(unused_imports)]
use super::support::*;

/// A callback key of the documented 32 to 64 characters.
pub(crate) const CALLBACK_KEY: &str = "k1k1k1k1k1k1k1k1k1k1k1k1k1k1k1k1";

#[test]
pub(crate) fn recording_callback_events_are_collected_once() {
    let s = setup();
    let app_id = create_app(&s.client, "callbacks");
    s.client
        .call(&UpdateRecordCallback::new(
            &app_id,
            AppCallbackUrlReq::new("https://example.test/cb").auth_key(CALLBACK_KEY),
        ))
        .unwrap();
    let rule_id = create_rule(&s.client, &app_id, "sparkrtc-record", "cn-north-4");
    let job = CreateMixJob::new(
        &app_id,
        MixJobReq::new(MixParam::new("room-c", EncodeTemplate::AudioOnly))
            .record_param(RecordParam::new(&rule_id)),
    );
    let job_id = s.client.call(&job).unwrap().body.job_id.unwrap();
    s.sim.join(&app_id, "room-c", &["u1"]).unwrap();
    assert!(s.sim.due_callback_events().is_empty());
    s.clock.advance(Duration::from_secs(1));
    let started = s.sim.due_callback_events();
    assert_eq!(started.len(), 1);
    assert_eq!(started[0].kind, CallbackEventKind::RecordNewFileStart);
    assert_eq!(
        started[0].callback_url.as_deref(),
        Some("https://example.test/cb")
    );
    assert_eq!(
        started[0].auth_key.as_ref().map(|k| k.expose_secret()),
        Some(CALLBACK_KEY)
    );
    let object = format!("rec/{app_id}/MP4/m_{job_id}_room-c_20240102T030406Z.mp4");
    assert_eq!(started[0].object.as_deref(), Some(object.as_str()));
    assert!(s.sim.due_callback_events().is_empty());

    s.clock.advance(Duration::from_secs(59));
    s.client.call(&StopMixJob::new(&app_id, &job_id)).unwrap();
    let kinds: Vec<_> = s.sim.due_callback_events().iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        [
            CallbackEventKind::RecordFileComplete,
            CallbackEventKind::CloudRecordServerOver
        ]
    );
    assert!(s.sim.due_callback_events().is_empty());

    // The finished file is in the (simulated) bucket.
    let objects = s
        .client
        .call(
            &ListObsBucketObjects::new("sparkrtc-record", ObsListType::Objects, "cn-north-4")
                .prefix("rec/"),
        )
        .unwrap()
        .body;
    assert_eq!(objects.count, Some(1));
    assert_eq!(
        objects.objects[0].file_name.as_deref(),
        Some(object.as_str())
    );
}

// --------------------------------------------------- callback delivery

/// The requests a callback transport was given.
pub(crate) type Posted = Arc<std::sync::Mutex<Vec<Request<Vec<u8>>>>>;

/// A callback transport that keeps the requests and answers `status`.
pub(crate) struct Recorder {
    posted: Posted,
    status: StatusCode,
}

impl sparkrtc::transport::Transport for Recorder {
    fn send(
        &self,
        request: Request<Vec<u8>>,
    ) -> Result<Response<Vec<u8>>, sparkrtc::transport::TransportError> {
        self.posted.lock().unwrap().push(request);
        let mut ack = sparkrtc::callback::acknowledgement();
        *ack.status_mut() = self.status;
        Ok(ack)
    }
}

pub(crate) fn recording_transport(status: u16) -> (Posted, Recorder) {
    let posted: Posted = Arc::default();
    let recorder = Recorder {
        posted: Arc::clone(&posted),
        status: StatusCode::from_u16(status).unwrap(),
    };
    (posted, recorder)
}

/// An app with its callback at `url` (signed with `key`), a rule, and a
/// mixed-stream job of `param` recorded with it, started at T0 + 1 s and
/// stopped 65 s later, callbacks delivered after each step. Returns the
/// app and job ids and the deliveries of each step.
pub(crate) fn record_with_callbacks(
    s: &Setup,
    url: &str,
    key: Option<&str>,
    param: MixParam,
) -> (String, String, Vec<sparkrtc::simulator::Delivery>) {
    let app_id = create_app(&s.client, "delivered");
    let mut callback = AppCallbackUrlReq::new(url);
    if let Some(key) = key {
        callback = callback.auth_key(key);
    }
    s.client
        .call(&UpdateRecordCallback::new(&app_id, callback))
        .unwrap();
    let rule_id = create_rule(&s.client, &app_id, "sparkrtc-record", "cn-north-4");
    let room_id = param.room_id.clone();
    let job = CreateMixJob::new(
        &app_id,
        MixJobReq::new(param).record_param(RecordParam::new(&rule_id)),
    );
    let job_id = s.client.call(&job).unwrap().body.job_id.unwrap();
    s.sim.join(&app_id, &room_id, &["u1"]).unwrap();
    let mut deliveries = s.sim.deliver_callbacks();
    assert!(deliveries.is_empty(), "nothing is due before the job runs");
    s.clock.advance(Duration::from_secs(1));
    deliveries.extend(s.sim.deliver_callbacks());
    s.clock.advance(Duration::from_secs(65));
    s.client.call(&StopMixJob::new(&app_id, &job_id)).unwrap();
    deliveries.extend(s.sim.deliver_callbacks());
    assert!(s.sim.deliver_callbacks().is_empty(), "each event once");
    (app_id, job_id, deliveries)
}

#[test]
pub(crate) fn callbacks_are_posted_signed_in_the_documented_shape() {
    let (posted, transport) = recording_transport(200);
    let s = setup_with(SimulatorConfig::default().with_callback_transport(transport));
    let url = "http://127.0.0.1:9/cb";
    let param = MixParam::new("room01", EncodeTemplate::P720Fps30Kbps1710)
        .layout_template(LayoutTemplate::NineGridsView);
    let (app_id, job_id, deliveries) = record_with_callbacks(&s, url, Some(CALLBACK_KEY), param);

    assert_eq!(deliveries, s.sim.callback_log());
    assert_eq!(
        deliveries.iter().map(|d| d.kind).collect::<Vec<_>>(),
        [
            CallbackEventKind::RecordNewFileStart,
            CallbackEventKind::RecordFileComplete,
            CallbackEventKind::CloudRecordServerOver
        ]
    );
    assert!(deliveries.iter().all(|d| d.is_acknowledged()
        && d.signed
        && d.url == url
        && d.job_id == job_id
        && d.status() == Some(StatusCode::OK)));
    assert_eq!(
        deliveries.iter().map(|d| d.at).collect::<Vec<_>>(),
        [
            Duration::from_secs(1),
            Duration::from_secs(66),
            Duration::from_secs(66)
        ]
    );

    let requests = posted.lock().unwrap().clone();
    assert_eq!(requests.len(), 3);
    let verifier = sparkrtc::callback::Verifier::new(CALLBACK_KEY).unwrap();
    let mut rands = Vec::new();
    for (request, sent) in requests.iter().zip([T0 + 1, T0 + 66, T0 + 66]) {
        assert_eq!(request.method(), http::Method::POST);
        assert_eq!(request.uri(), url);
        let h = request.headers();
        assert_eq!(h["content-type"], "application/json");
        assert_eq!(h["x-rtc-timestamp"], sent.to_string().as_str());
        let rand = h["x-rtc-rand"].to_str().unwrap().to_owned();
        assert!(is_request_id(&rand), "32 lower-case hex digits: {rand}");
        rands.push(rand);
        verifier.verify_request(request, s.clock.wall()).unwrap();
    }
    rands.dedup();
    assert_eq!(rands.len(), 3);

    let body = |i: usize| serde_json::from_slice::<Value>(requests[i].body()).unwrap();
    let stream = format!("m_{job_id}_room01");
    let object = format!("rec/{app_id}/MP4/{stream}_20240102T030406Z.mp4");
    assert_eq!(
        body(0),
        json!({
            "event_type": "RECORD_NEW_FILE_START",
            "job_id": job_id,
            "stream_name": stream,
            "app_id": app_id,
            "room_id": "room01",
            "record_format": "MP4",
            "start_time": "2024-01-02T03:04:06Z",
        })
    );
    let complete = body(1);
    let size = complete["file_size"].as_i64().unwrap();
    assert!(size > 0 && size <= 20_480 * 1024, "{size}");
    assert_eq!(
        complete,
        json!({
            "event_type": "RECORD_FILE_COMPLETE",
            "job_id": job_id,
            "stream_name": stream,
            "app_id": app_id,
            "room_id": "room01",
            "record_format": "MP4",
            "download_url": format!("https://sparkrtc-record.obs.cn-north-4.myhuaweicloud.com/{object}"),
            "file_size": size,
            "record_duration": 65,
            "start_time": "2024-01-02T03:04:06Z",
            "end_time": "2024-01-02T03:05:11Z",
            "width": 1280,
            "height": 720,
            "obs_location": "http://obs.cn-north-4.myhuaweicloud.com",
            "obs_bucket": "sparkrtc-record",
            "obs_object": object,
        })
    );
    assert_eq!(
        body(2),
        json!({
            "event_type": "CLOUD_RECORD_SERVER_OVER",
            "job_id": job_id,
            "stream_name": stream,
            "app_id": app_id,
            "room_id": "room01",
            "end_time": "2024-01-02T03:05:11Z",
            "detail_message": "TENANT_STOP",
        })
    );
    // The bucket lists the same file, in KB.
    let objects = s
        .client
        .call(
            &ListObsBucketObjects::new("sparkrtc-record", ObsListType::Objects, "cn-north-4")
                .prefix("rec/"),
        )
        .unwrap()
        .body;
    assert_eq!(objects.objects[0].size, Some((size + 1023) / 1024));
}

#[test]
pub(crate) fn callback_deliveries_are_deterministic() {
    let run = || {
        let (posted, transport) = recording_transport(200);
        let s = setup_with(SimulatorConfig::default().with_callback_transport(transport));
        let param = MixParam::new("room01", EncodeTemplate::AudioOnly);
        let (_, _, deliveries) =
            record_with_callbacks(&s, "http://localhost:9/cb", Some(CALLBACK_KEY), param);
        let requests = posted.lock().unwrap().clone();
        let wire: Vec<_> = requests
            .iter()
            .map(|r| (format!("{:?}", r.headers()), r.body().clone()))
            .collect();
        (deliveries, wire, s.sim.request_log())
    };
    let (a, b) = (run(), run());
    assert_eq!(a.0, b.0);
    assert_eq!(a.1, b.1);
    assert_eq!(a.2, b.2);
}

#[test]
pub(crate) fn unsigned_callbacks_when_the_app_has_no_key() {
    let (posted, transport) = recording_transport(200);
    let s = setup_with(SimulatorConfig::default().with_callback_transport(transport));
    let param = MixParam::new("room01", EncodeTemplate::AudioOnly);
    let (_, _, deliveries) = record_with_callbacks(&s, "http://[::1]:9/cb", None, param);
    assert_eq!(deliveries.len(), 3);
    assert!(deliveries.iter().all(|d| !d.signed && d.is_acknowledged()));
    let requests = posted.lock().unwrap().clone();
    let verifier = sparkrtc::callback::Verifier::unsigned();
    for request in &requests {
        assert!(request.headers().get("x-rtc-signature").is_none());
        assert!(request.headers().get("x-rtc-rand").is_none());
        verifier.verify_request(request, s.clock.wall()).unwrap();
    }
    // Audio only: the completed file has no video size.
    let complete: Value = serde_json::from_slice(requests[1].body()).unwrap();
    assert!(complete.get("width").is_none() && complete.get("height").is_none());
}

#[test]
pub(crate) fn a_failing_receiver_is_logged_and_not_retried() {
    let (posted, transport) = recording_transport(500);
    let s = setup_with(SimulatorConfig::default().with_callback_transport(transport));
    let param = MixParam::new("room01", EncodeTemplate::AudioOnly);
    let (_, _, deliveries) =
        record_with_callbacks(&s, "http://127.0.0.1:9/cb", Some(CALLBACK_KEY), param);
    assert_eq!(deliveries.len(), 3);
    assert!(deliveries.iter().all(|d| d.outcome
        == sparkrtc::simulator::DeliveryOutcome::Answered(StatusCode::INTERNAL_SERVER_ERROR)
        && !d.is_acknowledged()));
    s.clock.advance(Duration::from_secs(60));
    assert!(s.sim.deliver_callbacks().is_empty());
    assert_eq!(posted.lock().unwrap().len(), 3);

    // A receiver that cannot be reached (the default ureq transport, a
    // closed loopback port): a failure, logged.
    let s = setup();
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/cb", closed.local_addr().unwrap());
    drop(closed);
    let param = MixParam::new("room01", EncodeTemplate::AudioOnly);
    let (_, _, deliveries) = record_with_callbacks(&s, &url, Some(CALLBACK_KEY), param);
    assert_eq!(deliveries.len(), 3);
    assert!(deliveries
        .iter()
        .all(|d| matches!(d.outcome, sparkrtc::simulator::DeliveryOutcome::Failed(_))));
}

#[test]
pub(crate) fn the_default_transport_contacts_loopback_only() {
    for url in [
        "https://example.test/cb",
        "http://192.0.2.1:8080/cb",
        "http://10.0.0.1/cb",
        "http://0.0.0.0:9/cb",
        "http://localhost.example.com/cb",
        "http://127.0.0.1@example.com/cb",
        "http://127.0.0.1.nip.io/cb",
        "http://[::ffff:127.0.0.1]/cb",
    ] {
        // The default transport: nothing but loopback is ever contacted.
        let s = setup();
        let param = MixParam::new("room01", EncodeTemplate::AudioOnly);
        let (_, _, deliveries) = record_with_callbacks(&s, url, Some(CALLBACK_KEY), param);
        assert_eq!(deliveries.len(), 3, "{url}");
        assert!(
            deliveries.iter().all(|d| d.outcome
                == sparkrtc::simulator::DeliveryOutcome::NotLoopback
                && !d.signed
                && d.url == url),
            "{url}: {deliveries:?}"
        );
    }
}

#[test]
pub(crate) fn a_transport_of_ones_own_receives_every_url() {
    for url in [
        "https://example.test/cb",
        "http://10.0.0.1/cb",
        "http://127.0.0.1:9/cb",
    ] {
        let (posted, transport) = recording_transport(200);
        let s = setup_with(SimulatorConfig::default().with_callback_transport(transport));
        let param = MixParam::new("room01", EncodeTemplate::AudioOnly);
        let (_, _, deliveries) = record_with_callbacks(&s, url, Some(CALLBACK_KEY), param);
        assert_eq!(deliveries.len(), 3, "{url}");
        assert!(
            deliveries
                .iter()
                .all(|d| d.is_acknowledged() && d.signed && d.url == url),
            "{url}: {deliveries:?}"
        );
        let posted = posted.lock().unwrap();
        assert_eq!(posted.len(), 3);
        assert!(posted.iter().all(|r| r.uri() == url), "{url}");
    }
}

#[test]
pub(crate) fn no_callback_url_no_delivery() {
    let (posted, transport) = recording_transport(200);
    let s = setup_with(SimulatorConfig::default().with_callback_transport(transport));
    let app_id = create_app(&s.client, "no-callback");
    let rule_id = create_rule(&s.client, &app_id, "sparkrtc-record", "cn-north-4");
    let job = CreateMixJob::new(
        &app_id,
        MixJobReq::new(MixParam::new("room01", EncodeTemplate::AudioOnly))
            .record_param(RecordParam::new(&rule_id)),
    );
    let job_id = s.client.call(&job).unwrap().body.job_id.unwrap();
    s.clock.advance(Duration::from_secs(1));
    s.client.call(&StopMixJob::new(&app_id, &job_id)).unwrap();
    assert!(s.sim.deliver_callbacks().is_empty());
    assert!(s.sim.callback_log().is_empty());
    assert!(posted.lock().unwrap().is_empty());
}
