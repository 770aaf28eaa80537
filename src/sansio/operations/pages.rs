//! Paging through list operations, as a pure state machine: which request
//! comes next, and when to stop. The client drives it; any other driver can.

use std::fmt;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

use crate::{Error, Operation, OperationId};

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

/// A [`Pager`] for a list operation named at run time, with JSON
/// parameters and outputs: for command-line tools and scripts that call
/// operations by name (see [`crate::dynamic`]).
///
/// Give it the first request's parameters; send the parameters
/// [`next_params`](JsonPager::next_params) returns (with
/// `Client::call_json`, say), and hand each output to
/// [`on_page`](JsonPager::on_page), which returns the page's items, until
/// `next_params` is `None`. The rules for stopping are [`Pager`]'s.
///
/// ```
/// use serde_json::json;
/// use sparkrtc::pages::JsonPager;
///
/// let mut pager = JsonPager::new("ListApps", &json!({"limit": 2}))?;
/// assert_eq!(pager.next_params(), Some(json!({"limit": 2})));
/// let items = pager.on_page(&json!({"count": 3, "apps": [{"app_id": "a"}, {"app_id": "b"}]}))?;
/// assert_eq!(items, Some(vec![json!({"app_id": "a"}), json!({"app_id": "b"})]));
/// assert_eq!(pager.next_params(), Some(json!({"limit": 2, "offset": 1})));
/// pager.on_page(&json!({"count": 3, "apps": [{"app_id": "c"}]}))?;
/// assert_eq!(pager.next_params(), None);
/// assert_eq!((pager.pages(), pager.seen()), (2, 3));
///
/// let err = JsonPager::new("ShowApp", &json!({"app_id": "a"})).unwrap_err();
/// assert_eq!(err.to_string(), "invalid parameter `offset` of ShowApp: ShowApp is not a list operation that pages");
/// # Ok::<(), sparkrtc::Error>(())
/// ```
pub struct JsonPager {
    inner: Box<dyn ErasedPager + Send + Sync>,
    pages: u32,
}

impl fmt::Debug for JsonPager {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JsonPager")
            .field("operation", &self.inner.id())
            .field("pages", &self.pages)
            .field("seen", &self.inner.seen())
            .finish_non_exhaustive()
    }
}

impl JsonPager {
    /// A pager for the operation `name`, starting at `params` (read
    /// strictly, as [`crate::dynamic::build`] reads them). Fails for an
    /// unknown operation, invalid parameters, or an operation that does not
    /// page ([`OperationInfo::items`](crate::OperationInfo::items) is `None`).
    pub fn new(name: &str, params: &Value) -> Result<JsonPager, Error> {
        let id = crate::dynamic::operation(name)?;
        id.json_pager(params)?.ok_or_else(|| {
            Error::invalid("offset", format!("{id} is not a list operation that pages"))
                .in_operation(id.name())
        })
    }

    /// The pager of the typed list operation `O` (what the table
    /// generates for each).
    pub(crate) fn of<O>(params: &Value) -> Result<JsonPager, Error>
    where
        O: Paginated + Send + Sync + 'static,
        O::Item: Send + Sync,
    {
        let first = crate::dynamic::from_params::<O>(params)?;
        Ok(JsonPager {
            inner: Box::new(Pager::new(first)),
            pages: 0,
        })
    }

    /// The operation.
    pub fn operation(&self) -> OperationId {
        self.inner.id()
    }

    /// The parameters of the next page's request (normalized, as
    /// `OperationId::normalize_json` writes them), or `None` when the list
    /// is done.
    pub fn next_params(&self) -> Option<Value> {
        self.inner.next_params()
    }

    /// Takes the output of the request for
    /// [`next_params`](JsonPager::next_params) (as `Client::call_json` or
    /// [`crate::dynamic::parse`] give it): the page's items, or `None` for a
    /// page that repeats the previous one (not to be shown). Fails when the
    /// output is not the operation's.
    pub fn on_page(&mut self, output: &Value) -> Result<Option<Vec<Value>>, Error> {
        let items = self.inner.on_page(output)?;
        if items.is_some() {
            self.pages += 1;
        }
        Ok(items)
    }

    /// Pages taken so far (repeats not counted).
    pub fn pages(&self) -> u32 {
        self.pages
    }

    /// Items taken so far.
    pub fn seen(&self) -> u64 {
        self.inner.seen()
    }
}

/// [`Pager`] with its operation's types erased behind JSON.
trait ErasedPager {
    fn id(&self) -> OperationId;
    fn next_params(&self) -> Option<Value>;
    fn on_page(&mut self, output: &Value) -> Result<Option<Vec<Value>>, Error>;
    fn seen(&self) -> u64;
}

impl<O: Paginated> ErasedPager for Pager<O> {
    fn id(&self) -> OperationId {
        O::ID
    }

    fn next_params(&self) -> Option<Value> {
        // The typed requests serialize to plain JSON objects.
        self.next_request()
            .and_then(|r| serde_json::to_value(r).ok())
    }

    fn on_page(&mut self, output: &Value) -> Result<Option<Vec<Value>>, Error> {
        let name = O::ID.name();
        let typed: O::Output = serde_json::from_value(output.clone()).map_err(|e| {
            Error::invalid("", format!("not an output of {name}: {e}")).in_operation(name)
        })?;
        if !Pager::on_page(self, &typed) {
            return Ok(None);
        }
        O::items(&typed)
            .iter()
            .map(|item| {
                serde_json::to_value(item).map_err(|e| {
                    Error::invalid("", format!("cannot serialize an item: {e}")).in_operation(name)
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    fn seen(&self) -> u64 {
        Pager::seen(self)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Map, Value};

    use super::*;
    use crate::{ParamInfo, ParamLocation};

    /// Parameters that satisfy every required top-level parameter of `id`.
    fn required_params(id: OperationId) -> Value {
        let mut params = Map::new();
        for p in id.info().params.iter().filter(|p| p.required) {
            let value = match p.type_name {
                "u32" => json!(1),
                t if t.starts_with("Vec<") => json!(["x"]),
                _ => json!("x"),
            };
            params.insert(p.name.to_owned(), value);
        }
        Value::Object(params)
    }

    #[test]
    fn the_table_names_every_list_and_its_items() {
        let mut lists = Vec::new();
        for &id in OperationId::ALL {
            if id.info().has_body {
                assert_eq!(id.info().items, None, "{id}");
                continue;
            }
            let params = required_params(id);
            match (id.info().items, JsonPager::new(id.name(), &params)) {
                (Some(items), Ok(mut pager)) => {
                    assert_eq!(pager.operation(), id);
                    assert_eq!(
                        pager.next_params(),
                        Some(id.normalize_json(&params).unwrap())
                    );
                    // The field the table names is where the output keeps its items.
                    let page = json!({ items: [{}, {}] });
                    assert_eq!(
                        pager.on_page(&page).unwrap().map(|i| i.len()),
                        Some(2),
                        "{id}"
                    );
                    assert_eq!((pager.pages(), pager.seen()), (1, 2));
                    lists.push(id.name());
                }
                (
                    None,
                    Err(Error::InvalidParameter {
                        operation,
                        field,
                        reason,
                    }),
                ) => {
                    assert_eq!((operation, field.as_str()), (id.name(), "offset"));
                    assert_eq!(reason, format!("{id} is not a list operation that pages"));
                }
                (items, pager) => panic!("{id}: items {items:?}, pager {pager:?}"),
            }
        }
        assert_eq!(
            lists,
            [
                "ListApps",
                "ListRecordRules",
                "ListRtcAbnormalEvents",
                "ListRtcClientQosDetails",
                "ListRtcRoomList",
                "ListRtcUserList"
            ]
        );
    }

    #[test]
    fn json_pages_follow_the_pager() {
        // Item offsets: the next offset is the number of items seen.
        let mut pager =
            JsonPager::new("ListRtcRoomList", &json!({"app": "a", "limit": 2})).unwrap();
        let page = |ids: &[&str]| json!({"total": 3, "room_info_list": ids.iter().map(|r| json!({"room_id": r})).collect::<Vec<_>>()});
        assert_eq!(
            pager.on_page(&page(&["r1", "r2"])).unwrap().unwrap().len(),
            2
        );
        assert_eq!(
            pager.next_params(),
            Some(json!({"app": "a", "limit": 2, "offset": 2}))
        );
        // A repeated page is not yielded, and ends the list.
        assert_eq!(pager.on_page(&page(&["r1", "r2"])).unwrap(), None);
        assert_eq!(
            (pager.pages(), pager.seen(), pager.next_params()),
            (1, 2, None)
        );
        assert_eq!(
            pager.on_page(&page(&["r3"])).unwrap(),
            None,
            "after the end"
        );

        let mut pager = JsonPager::new("ListApps", &json!({})).unwrap();
        let err = pager.on_page(&json!({"apps": "not a list"})).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("invalid parameter `` of ListApps: not an output of ListApps: "),
            "{err}"
        );
        assert_eq!(pager.pages(), 0);
        let shown = format!("{pager:?}");
        assert_eq!(
            shown,
            "JsonPager { operation: ListApps, pages: 0, seen: 0, .. }"
        );

        assert!(matches!(
            JsonPager::new("ListAps", &json!({})),
            Err(Error::UnknownOperation(_))
        ));
        assert!(matches!(
            JsonPager::new("ListApps", &json!({"limit": "x"})),
            Err(Error::InvalidParameter { field, .. }) if field == "limit"
        ));
    }

    #[test]
    fn the_table_lists_every_parameter_required_first() {
        for &id in OperationId::ALL {
            let info = id.info();
            let params: &[ParamInfo] = info.params;
            // Required first.
            let first_optional = params
                .iter()
                .position(|p| !p.required)
                .unwrap_or(params.len());
            assert!(params[first_optional..].iter().all(|p| !p.required), "{id}");
            // The same names, and the same required ones, as the request type reads.
            let fields = crate::dynamic::fields(id.name()).unwrap();
            let mut from_type: Vec<_> = fields.iter().map(|f| (f.name, f.required)).collect();
            let mut from_table: Vec<_> = params.iter().map(|p| (p.name, p.required)).collect();
            from_type.sort_unstable();
            from_table.sort_unstable();
            assert_eq!(from_table, from_type, "{id}");
            // Path parameters are the template's placeholders.
            let mut placeholders: Vec<_> = info
                .path
                .split('{')
                .skip(1)
                .filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
                .collect();
            let mut in_path: Vec<_> = params
                .iter()
                .filter(|p| p.location == ParamLocation::Path)
                .map(|p| p.name)
                .collect();
            placeholders.sort_unstable();
            in_path.sort_unstable();
            assert_eq!(in_path, placeholders, "{id}");
            assert_eq!(
                params.iter().any(|p| p.location == ParamLocation::Body),
                info.has_body,
                "{id}"
            );
            for p in params {
                assert_eq!(info.param(p.name), Some(p));
                assert_eq!(p.doc, p.doc.trim(), "{id}.{}", p.name);
                assert!(!p.doc.is_empty(), "{id}.{}", p.name);
            }
            assert_eq!(info.param("no_such"), None);
        }
        let info = OperationId::ListRtcUserList.info();
        let mode = info.param("type").unwrap();
        assert_eq!(
            (mode.location, mode.required, mode.type_name, mode.range),
            (ParamLocation::Query, false, "UserListMode", None)
        );
        assert_eq!(info.param("state").unwrap().type_name, "Vec<UserState>");
        let body = OperationId::CreateMixJob.info().param("body").unwrap();
        assert_eq!(
            (body.location.as_str(), body.required, body.type_name),
            ("body", true, "MixJobReq")
        );
        assert_eq!(ParamLocation::Path.as_str(), "path");
        assert_eq!(ParamLocation::Query.as_str(), "query");
        let names: Vec<_> = OperationId::ListRtcClientQosDetails
            .info()
            .params
            .iter()
            .map(|p| p.name)
            .collect();
        assert_eq!(
            names,
            [
                "app_id",
                "room_id",
                "mid",
                "start_time",
                "end_time",
                "domain",
                "user_id",
                "peer_id",
                "stream_id",
                "direction",
                "time_type",
                "limit",
                "offset",
                "project_id"
            ]
        );
    }
}
