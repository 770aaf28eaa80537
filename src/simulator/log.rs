//! The request log: what the simulator answered, bounded, never with
//! signatures, tokens or bodies.

use std::collections::VecDeque;
use std::time::Duration;

use http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::OperationId;

/// One request the simulator answered (or, under a fault, did not), from
/// [`Simulator::request_log`](super::Simulator::request_log).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoggedRequest {
    /// Its number: 1 for the first request after the simulator started or
    /// was reset, counting up (entries past the log's cap are dropped, the
    /// numbers go on).
    pub seq: u64,
    /// When it was answered, on the clock's monotonic scale.
    pub at: Duration,
    /// The `X-Request-Id` of the answer (kept for requests whose answer a
    /// fault withheld too).
    pub request_id: String,
    /// The method.
    pub method: Method,
    /// The path (without the query).
    pub path: String,
    /// The operation, when the route is known.
    pub operation: Option<OperationId>,
    /// The status answered; `None` when a fault closed the connection
    /// before any answer.
    pub status: Option<StatusCode>,
    /// The access key the `Authorization` header names, whether or not its
    /// signature verified; `None` for tokens and unsigned requests.
    pub access_key: Option<String>,
    /// The `error_code` answered, for errors.
    pub error_code: Option<String>,
    /// The fault rules that acted on it (their ids), in order.
    pub faults: Vec<String>,
}

impl LoggedRequest {
    /// The entry as the control plane lists it.
    pub(crate) fn to_json(&self) -> Value {
        json!({
            "seq": self.seq,
            "at_ms": u64::try_from(self.at.as_millis()).unwrap_or(u64::MAX),
            "request_id": self.request_id,
            "method": self.method.as_str(),
            "path": self.path,
            "operation": self.operation.map(OperationId::name),
            "status": self.status.map(|s| s.as_u16()),
            "access_key": self.access_key,
            "error_code": self.error_code,
            "faults": self.faults,
        })
    }
}

/// The log, keeping the newest `max` entries.
pub(crate) struct RequestLog {
    entries: VecDeque<LoggedRequest>,
    next: u64,
    max: usize,
}

impl RequestLog {
    pub(crate) fn new(max: usize) -> RequestLog {
        RequestLog {
            entries: VecDeque::new(),
            next: 1,
            max,
        }
    }

    /// The number the next entry gets.
    pub(crate) fn next_seq(&self) -> u64 {
        self.next
    }

    pub(crate) fn push(&mut self, mut entry: LoggedRequest) {
        entry.seq = self.next;
        self.next += 1;
        self.entries.push_back(entry);
        while self.entries.len() > self.max {
            self.entries.pop_front();
        }
    }

    pub(crate) fn entries(&self) -> impl Iterator<Item = &LoggedRequest> {
        self.entries.iter()
    }

    pub(crate) fn clear(&mut self) {
        self.entries.clear();
    }
}
