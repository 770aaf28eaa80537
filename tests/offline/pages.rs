//! The pager alone, without a client: its offsets, its counts and the
//! page cap that keeps a server that never ends a list from looping a
//! caller forever.

use serde_json::json;
use sparkrtc::ops::{ListApps, ListRtcUserList};
use sparkrtc::pages::{Pager, MAX_PAGES};
use sparkrtc::Operation;

fn users(ids: &[String]) -> <ListRtcUserList as Operation>::Output {
    let users: Vec<_> = ids.iter().map(|id| json!({"uid": id})).collect();
    serde_json::from_value(json!({ "users": users })).unwrap()
}

/// A page of `ListApps`, with the total `count` when given.
fn apps(ids: &[&str], count: Option<u64>) -> <ListApps as Operation>::Output {
    let apps: Vec<_> = ids.iter().map(|id| json!({"app_id": id})).collect();
    let mut page = json!({ "apps": apps });
    if let Some(count) = count {
        page["count"] = json!(count);
    }
    serde_json::from_value(page).unwrap()
}

#[test]
fn a_list_that_never_ends_stops_after_max_pages() {
    let mut pager = Pager::new(ListRtcUserList::new("app"));
    let mut taken = 0u32;
    while pager.next_request().is_some() {
        let page = users(&[format!("u{taken}a"), format!("u{taken}b")]);
        assert!(pager.on_page(&page), "page {taken}");
        taken += 1;
        assert!(taken <= MAX_PAGES, "no end");
    }
    assert_eq!(taken, MAX_PAGES);
    assert_eq!(pager.seen(), 2 * u64::from(MAX_PAGES));
    // Nothing more is taken once it is done.
    assert!(!pager.on_page(&users(&["late".to_owned()])));
    assert_eq!(pager.seen(), 2 * u64::from(MAX_PAGES));
    assert!(pager.next_request().is_none());
}

#[test]
fn offsets_count_items_or_pages_as_the_operation_does() {
    // ListRtcUserList's offset counts items.
    let mut items = Pager::new(ListRtcUserList::new("app").offset(5));
    assert_eq!(items.next_request().unwrap().offset, Some(5));
    assert!(items.on_page(&users(&["a".to_owned(), "b".to_owned()])));
    assert_eq!(items.next_request().unwrap().offset, Some(7));
    assert_eq!(items.seen(), 2);
    // ListApps' counts pages.
    let mut pages = Pager::new(ListApps::new().limit(2).offset(3));
    assert!(pages.on_page(&apps(&["a", "b"], None)));
    assert_eq!(pages.next_request().unwrap().offset, Some(4));
    assert_eq!(pages.seen(), 2);
}

#[test]
fn a_full_page_that_reaches_the_total_ends_the_list() {
    let apps = |ids: &[&str]| apps(ids, Some(4));
    let mut pager = Pager::new(ListApps::new().limit(2));
    assert!(pager.on_page(&apps(&["a", "b"])));
    assert_eq!(pager.next_request().unwrap().offset, Some(1));
    assert!(pager.on_page(&apps(&["c", "d"])));
    assert!(pager.next_request().is_none(), "4 of 4");
    assert_eq!(pager.seen(), 4);
}

#[test]
fn a_page_shorter_than_the_limit_ends_the_list_and_a_longer_one_does_not() {
    let apps = |ids: &[&str]| apps(ids, None);
    // No total: only the page's length tells.
    let mut pager = Pager::new(ListApps::new().limit(2));
    assert!(pager.on_page(&apps(&["a", "b"])), "a full page");
    assert!(
        pager.on_page(&apps(&["c", "d", "e"])),
        "a page over the limit"
    );
    assert_eq!(pager.next_request().unwrap().offset, Some(2));
    assert!(pager.on_page(&apps(&["f"])), "a short page is yielded");
    assert!(pager.next_request().is_none(), "and is the last");
    assert_eq!(pager.seen(), 6);
    // Without a limit, no page is short.
    let mut unlimited = Pager::new(ListApps::new());
    assert!(unlimited.on_page(&apps(&["a"])));
    assert!(unlimited.next_request().is_some());
}
