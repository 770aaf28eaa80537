//! Paging through list operations, as a pure state machine: which request
//! comes next, and when to stop. The client drives it; any other driver can.

use std::fmt;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::Operation;

/// How a list operation counts its `offset`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PageOffset {
    /// `offset` is the page number, from 0 (`ListApps`, `ListRecordRules`).
    PageNumber,
    /// `offset` is the number of items to skip (the statistical lists).
    ItemOffset,
}

/// A list operation that pages with `offset` and `limit`: its item type,
/// how its offset counts, where the items and the total are in its output.
/// Implemented by the table for every such operation.
pub trait Paginated: Operation {
    /// One item of a page.
    type Item: Clone + PartialEq + fmt::Debug + Serialize + DeserializeOwned;

    /// How `offset` counts.
    const OFFSET: PageOffset;

    /// The request's `offset` and `limit`, if set.
    fn page_params(&self) -> (Option<u32>, Option<u32>);

    /// The same request for another `offset`.
    fn with_offset(&self, offset: u32) -> Self;

    /// The items of a page.
    fn items(output: &Self::Output) -> &[Self::Item];

    /// The total number of items, when the answer says.
    fn total(output: &Self::Output) -> Option<i64>;
}

/// The most pages a [`Pager`] asks for before it stops anyway: a server
/// that never ends a list cannot make a caller loop forever.
pub const MAX_PAGES: u32 = 10_000;

/// Which page to ask for next, and when to stop.
///
/// It stops after a page that reaches the total the server gave, a page
/// shorter than the requested `limit`, an empty page, a page that repeats
/// the previous one (a server that ignores `offset`; the repeat is not
/// yielded), an offset that would overflow, or [`MAX_PAGES`] pages.
///
/// ```
/// use serde_json::json;
/// use sparkrtc::model::AppList;
/// use sparkrtc::ops::ListApps;
/// use sparkrtc::pages::Pager;
///
/// let mut pager = Pager::new(ListApps::new().limit(2));
/// let page = |ids: &[&str]| -> AppList {
///     let apps: Vec<_> = ids.iter().map(|id| json!({"app_id": id})).collect();
///     serde_json::from_value(json!({"count": 3, "apps": apps})).unwrap()
/// };
/// assert_eq!(pager.next_request().unwrap().offset, None);
/// assert!(pager.on_page(&page(&["a", "b"])));
/// assert_eq!(pager.next_request().unwrap().offset, Some(1)); // ListApps counts pages
/// assert!(pager.on_page(&page(&["c"])));
/// assert!(pager.next_request().is_none()); // 3 of 3
/// ```
#[derive(Clone, Debug)]
pub struct Pager<O: Paginated> {
    next: Option<O>,
    /// The offset the next request carries.
    offset: u32,
    limit: Option<u32>,
    seen: u64,
    pages: u32,
    previous: Option<Vec<O::Item>>,
}

impl<O: Paginated> Pager<O> {
    /// A pager starting at `first` (its own `offset`, or the first page).
    pub fn new(first: O) -> Self {
        let (offset, limit) = first.page_params();
        Pager {
            next: Some(first),
            offset: offset.unwrap_or(0),
            limit,
            seen: 0,
            pages: 0,
            previous: None,
        }
    }

    /// The request for the next page, or `None` when the list is done.
    pub fn next_request(&self) -> Option<&O> {
        self.next.as_ref()
    }

    /// Items yielded so far.
    pub fn seen(&self) -> u64 {
        self.seen
    }

    /// Takes the answer to [`next_request`](Pager::next_request): returns
    /// whether the page is new (to be yielded), and sets up the next request
    /// or ends the list.
    pub fn on_page(&mut self, output: &O::Output) -> bool {
        let Some(current) = self.next.take() else {
            return false;
        };
        let items = O::items(output);
        if !items.is_empty() && self.previous.as_deref() == Some(items) {
            return false;
        }
        self.pages += 1;
        self.seen += items.len() as u64;
        let total_reached = O::total(output)
            .is_some_and(|total| i64::try_from(self.seen).map_or(true, |seen| seen >= total));
        let short = self
            .limit
            .is_some_and(|limit| (items.len() as u64) < u64::from(limit));
        let step = match O::OFFSET {
            PageOffset::PageNumber => Some(1),
            PageOffset::ItemOffset => u32::try_from(items.len()).ok(),
        };
        let next_offset = step.and_then(|s| self.offset.checked_add(s));
        let done = items.is_empty() || total_reached || short || self.pages >= MAX_PAGES;
        match next_offset {
            Some(offset) if !done => {
                self.offset = offset;
                self.next = Some(current.with_offset(offset));
            }
            _ => self.next = None,
        }
        self.previous = Some(items.to_vec());
        true
    }
}
