//! Applications: lifecycle, quota, paging.

#![allow(unused_imports)]
use super::support::*;

// -------------------------------------------------------- applications

#[test]
fn application_lifecycle_and_the_quota() {
    let s = setup();
    let app_id = create_app(&s.client, "first");
    assert_eq!(app_id.len(), 24);
    assert!(app_id
        .bytes()
        .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));

    let app = s.client.call(&ShowApp::new(&app_id)).unwrap().body;
    assert_eq!(app.app_name.as_deref(), Some("first"));
    assert_eq!(
        app.state.as_ref().unwrap().state,
        Some(AppStatus::Activation)
    );
    assert_eq!(app.create_time.as_deref(), Some("2024-01-02T03:04:05.000Z"));
    let key = app.authentication.unwrap().app_key.unwrap();
    assert_eq!(key.expose_secret().len(), 32);
    assert_eq!(
        app.domain,
        Some(format!("{app_id}.sparkrtc.myhuaweicloud.com"))
    );

    // A name is used once.
    assert_api(
        s.client.call(&CreateApp::new(AppReq::new("first"))),
        400,
        "RTC.00001020",
        "AppExist: app exists",
    );

    s.clock.advance(Duration::from_secs(10));
    let stopped = s.client.call(&StopApp::new(&app_id)).unwrap().body;
    let state = stopped.state.unwrap();
    assert_eq!(state.state, Some(AppStatus::Deactivation));
    assert_eq!(
        state.update_time.as_deref(),
        Some("2024-01-02T03:04:15.000Z")
    );
    let active = s
        .client
        .call(&ListApps::new().state(AppStatus::Activation))
        .unwrap()
        .body;
    assert_eq!((active.count, active.apps.len()), (Some(0), 0));
    let inactive = s
        .client
        .call(&ListApps::new().state(AppStatus::Deactivation))
        .unwrap()
        .body;
    assert_eq!(inactive.count, Some(1));
    let started = s.client.call(&StartApp::new(&app_id)).unwrap().body;
    assert_eq!(started.state.unwrap().state, Some(AppStatus::Activation));

    // Twenty applications fit; the 21st does not.
    for i in 1..20 {
        create_app(&s.client, &format!("app-{i}"));
    }
    assert_eq!(s.sim.app_count(), 20);
    assert_api(
        s.client.call(&CreateApp::new(AppReq::new("app-21"))),
        400,
        "RTC.00001017",
        "AppsExceed: app num exceed",
    );
    // Deleting one makes room.
    s.client.call(&DeleteApp::new(&app_id)).unwrap();
    assert_api(
        s.client.call(&ShowApp::new(&app_id)),
        404,
        "RTC.00001003",
        &format!("InvalidParameterValue: app_id `{app_id}` does not exist"),
    );
    create_app(&s.client, "app-21");
    assert_eq!(s.sim.app_count(), 20);
}

#[test]
fn paging_through_applications() {
    let s = setup();
    let ids: Vec<String> = (0..7)
        .map(|i| create_app(&s.client, &format!("app-{i}")))
        .collect();
    let listed: Vec<String> = s
        .client
        .items(ListApps::new().limit(3))
        .map(|app| app.unwrap().app_id.unwrap())
        .collect();
    assert_eq!(listed, ids);
    let pages = s
        .sim
        .request_log()
        .iter()
        .filter(|r| r.operation == Some(OperationId::ListApps))
        .count();
    assert_eq!(pages, 3);
    let third = s
        .client
        .call(&ListApps::new().limit(3).offset(2))
        .unwrap()
        .body;
    assert_eq!((third.count, third.apps.len()), (Some(7), 1));
}
