//! The retry budget: a bound across calls on the retries a client sends
//! (documented on [`RetryBudget`], re-exported by `retry`).

use std::sync::atomic::{AtomicU32, Ordering};

use super::retry::Outcome;

/// Default: the tokens a budget holds at most, and starts with.
pub const DEFAULT_BUDGET_CAPACITY: u32 = 500;
/// Default: the tokens a retry after a 429 (throttled for a rate) costs.
pub const DEFAULT_THROTTLED_RETRY_COST: u32 = 5;
/// Default: the tokens any other retry costs.
pub const DEFAULT_RETRY_COST: u32 = 10;
/// Default: the tokens a call that succeeds on its first attempt gives back.
pub const DEFAULT_SUCCESS_REFILL: u32 = 1;

/// Which price a retry pays: see [`RetryBudget`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RetryKind {
    /// After a 429: the service answered, and asked for less.
    Throttled,
    /// After anything else: a server error, a connection failure, a timeout.
    Failure,
}

impl RetryKind {
    /// [`Throttled`](RetryKind::Throttled) for a 429, else
    /// [`Failure`](RetryKind::Failure).
    pub fn of(outcome: Outcome<'_>) -> RetryKind {
        match outcome {
            Outcome::Status { status: 429, .. } => RetryKind::Throttled,
            _ => RetryKind::Failure,
        }
    }
}

/// A retry budget: a bound across calls on the retries a client sends; its
/// settings and the tokens it holds.
///
/// The [`RetryPolicy`](super::retry::RetryPolicy) decides about one call: it
/// retries a 503 up to its attempt limit, whatever the calls before it met.
/// During an outage every call then sends `max_attempts` requests (four, by
/// default), and a service trying to recover meets four times its load. The
/// budget bounds what all calls together add: it holds tokens, a retry takes
/// some, a success gives some back, and a retry the budget cannot pay for is
/// not made. First attempts never draw from it.
///
/// | event | tokens (defaults) |
/// | --- | --- |
/// | start | [`DEFAULT_BUDGET_CAPACITY`] (500), the most it holds |
/// | a retry after a 429 (throttled for a rate) | − [`DEFAULT_THROTTLED_RETRY_COST`] (5) |
/// | a retry after anything else (500, 502, 503, 504, a connection failure, a timeout) | − [`DEFAULT_RETRY_COST`] (10) |
/// | a call that succeeds on a retry | + what that retry cost |
/// | a call that succeeds on its first attempt | + [`DEFAULT_SUCCESS_REFILL`] (1) |
///
/// A retry whose cost is more than the tokens left is refused, and the
/// tokens stay as they were; the call ends with its last error
/// ([`StopReason::BudgetExhausted`](super::retry::StopReason::BudgetExhausted)).
///
/// What the defaults give:
///
/// - **An outage**: from a full budget, 50 retries of server errors (100
///   after 429s) in all, then none: 2,000 calls that all fail send at most
///   2,050 requests (2,100 for 429s), 1.03 per call instead of 4.
/// - **Isolated failures are retried in full**: one failing call's three
///   retries cost 30 of 500 tokens, and a retry that succeeds is refunded.
///   With 5% of answers failing at random, the budget stays full.
/// - **In the long run**: failed retries are paid for by successes, one
///   token each, so they are at most one per ten successful calls (the SRE
///   book's client-side 10%; one per five for 429s, which a service sends
///   when it is up).
/// - **Recovery**: first attempts are never refused, so calls succeed as soon
///   as the service does; retries come back as successes refill the tokens.
///
/// This is the arithmetic of the AWS SDKs' standard retry mode (a quota of
/// 500 tokens per client, a retry costs 5, a timeout 10, a success gives 1
/// back), with throttling cheaper than failures as in their later revision:
/// a 429 shows a service that answers, and the throttle already holds the
/// scope for the time the service asked.
///
/// One budget per [`Client`](crate::client::Client), shared by all its
/// threads and all rate-limit categories. Not one per category: an outage
/// of the service (its gateway, its backend) hits every category at once,
/// and a budget per category would let nine times the retries through
/// then (there are nine categories); throttling is per category already (the throttle holds the scope
/// a 429 named, no other). A category that fails alone spends the shared
/// tokens, and the other categories' successes refill them; their first
/// attempts are never refused.
///
/// Pure and exact: no clock, no randomness, integer tokens, the same events
/// in the same order give the same answers. A client shares one between
/// threads with an atomic (see [`RetryBudget::withdraw_from`] and
/// [`RetryBudget::deposit_into`]).
///
/// ```
/// use sparkrtc::retry::{Outcome, RetryBudget, RetryKind};
///
/// let mut budget = RetryBudget::new().with_capacity(20);
/// let unavailable = Outcome::Status { status: 503, error_code: None };
/// assert_eq!(budget.try_withdraw(RetryKind::of(unavailable)), Some(10));
/// assert_eq!(budget.try_withdraw(RetryKind::of(unavailable)), Some(10));
/// assert_eq!(budget.tokens(), 0);
/// assert_eq!(budget.try_withdraw(RetryKind::Failure), None); // refused: no retry
/// budget.on_success(None); // a first attempt succeeded
/// assert_eq!(budget.tokens(), 1);
/// budget.on_success(Some(RetryKind::Failure)); // a retry succeeded: refunded
/// assert_eq!(budget.tokens(), 11);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RetryBudget {
    capacity: u32,
    tokens: u32,
    throttled_cost: u32,
    failure_cost: u32,
    success_refill: u32,
}

impl Default for RetryBudget {
    fn default() -> Self {
        RetryBudget::new()
    }
}

impl RetryBudget {
    /// The defaults, full: 500 tokens, a retry after a 429 costs 5, any
    /// other 10, a first-attempt success gives 1 back.
    pub const fn new() -> RetryBudget {
        RetryBudget {
            capacity: DEFAULT_BUDGET_CAPACITY,
            tokens: DEFAULT_BUDGET_CAPACITY,
            throttled_cost: DEFAULT_THROTTLED_RETRY_COST,
            failure_cost: DEFAULT_RETRY_COST,
            success_refill: DEFAULT_SUCCESS_REFILL,
        }
    }

    /// The most tokens it holds; it is filled to that.
    pub const fn with_capacity(mut self, capacity: u32) -> Self {
        self.capacity = capacity;
        self.tokens = capacity;
        self
    }

    /// What a retry costs after a 429, and after anything else. A cost of 0
    /// is never refused.
    pub const fn with_costs(mut self, throttled: u32, failure: u32) -> Self {
        self.throttled_cost = throttled;
        self.failure_cost = failure;
        self
    }

    /// What a call that succeeds on its first attempt gives back.
    pub const fn with_success_refill(mut self, tokens: u32) -> Self {
        self.success_refill = tokens;
        self
    }

    /// The same settings holding `tokens` (at most the capacity).
    pub fn with_tokens(mut self, tokens: u32) -> Self {
        self.tokens = tokens.min(self.capacity);
        self
    }

    /// The tokens it holds.
    pub const fn tokens(&self) -> u32 {
        self.tokens
    }

    /// The most tokens it holds.
    pub const fn capacity(&self) -> u32 {
        self.capacity
    }

    /// What a retry of `kind` costs.
    pub const fn cost(&self, kind: RetryKind) -> u32 {
        match kind {
            RetryKind::Throttled => self.throttled_cost,
            RetryKind::Failure => self.failure_cost,
        }
    }

    /// What a call that succeeds on its first attempt gives back.
    pub const fn success_refill(&self) -> u32 {
        self.success_refill
    }

    /// Pays for a retry of `kind`: `Some(cost)`, the tokens taken, or
    /// `None` when fewer than the cost are left (nothing is taken, and the
    /// retry is not to be made).
    pub fn try_withdraw(&mut self, kind: RetryKind) -> Option<u32> {
        let cost = self.cost(kind);
        self.tokens = self.tokens.checked_sub(cost)?;
        Some(cost)
    }

    /// A call succeeded: on a retry of `kind` (`Some`: that retry's cost
    /// comes back), or on its first attempt (`None`: the success refill).
    /// Never above the capacity.
    pub fn on_success(&mut self, retried: Option<RetryKind>) {
        let amount = match retried {
            Some(kind) => self.cost(kind),
            None => self.success_refill,
        };
        self.tokens = self.tokens.saturating_add(amount).min(self.capacity);
    }

    /// [`try_withdraw`](Self::try_withdraw) on tokens kept in an atomic,
    /// these settings applying: the whole step is one compare-and-swap, so
    /// that threads sharing the atomic never spend a token twice.
    pub fn withdraw_from(&self, tokens: &AtomicU32, kind: RetryKind) -> Option<u32> {
        // The closure's last run is the one that counts: it paid, and the
        // swap succeeded, or it refused, and nothing was written.
        let mut paid = None;
        let _ = tokens.fetch_update(Ordering::AcqRel, Ordering::Acquire, |held| {
            let mut budget = self.with_tokens(held);
            paid = budget.try_withdraw(kind);
            paid.map(|_| budget.tokens)
        });
        paid
    }

    /// [`on_success`](Self::on_success) on tokens kept in an atomic, these
    /// settings applying.
    pub fn deposit_into(&self, tokens: &AtomicU32, retried: Option<RetryKind>) {
        let _ = tokens.fetch_update(Ordering::AcqRel, Ordering::Acquire, |held| {
            let mut budget = self.with_tokens(held);
            budget.on_success(retried);
            // Full already: no write, no contention.
            (budget.tokens != held).then_some(budget.tokens)
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults() {
        let b = RetryBudget::default();
        assert_eq!(b, RetryBudget::new());
        assert_eq!(b.tokens(), 500);
        assert_eq!(b.capacity(), 500);
        assert_eq!(b.cost(RetryKind::Throttled), 5);
        assert_eq!(b.cost(RetryKind::Failure), 10);
        assert_eq!(b.success_refill(), 1);
    }

    #[test]
    fn atomic_steps_match_the_value_steps() {
        let settings = RetryBudget::new().with_capacity(12).with_costs(5, 10);
        let atomic = AtomicU32::new(12);
        let mut value = settings;
        for kind in [
            RetryKind::Failure,
            RetryKind::Throttled,
            RetryKind::Throttled,
        ] {
            assert_eq!(
                settings.withdraw_from(&atomic, kind),
                value.try_withdraw(kind)
            );
            assert_eq!(atomic.load(Ordering::Relaxed), value.tokens());
        }
        assert_eq!(atomic.load(Ordering::Relaxed), 2);
        for retried in [None, Some(RetryKind::Failure), Some(RetryKind::Failure)] {
            settings.deposit_into(&atomic, retried);
            value.on_success(retried);
            assert_eq!(atomic.load(Ordering::Relaxed), value.tokens());
        }
        assert_eq!(atomic.load(Ordering::Relaxed), 12);
    }
}
