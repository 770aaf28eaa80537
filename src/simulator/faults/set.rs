//! The rules in force: matching, seeded draws, counts and windows.

use std::time::Duration;

use http::Method;
use serde::Serialize;

use crate::OperationId;

use super::super::util::mix;
use super::{FaultEffect, FaultError, FaultRule};

/// A rule in force, with what it did so far; from
/// [`Faults::list`](crate::simulator::Faults::list).
#[derive(Clone, Debug, PartialEq, Serialize)]
#[non_exhaustive]
pub struct ActiveFault {
    /// The rule, with its id.
    #[serde(flatten)]
    pub rule: FaultRule,
    /// Requests it matched (inside its window, while it could still fire).
    pub matched: u64,
    /// Times it fired.
    pub fired: u64,
}

impl FaultRule {
    /// Whether the rule applies to a request.
    pub(super) fn matches(&self, request: &FaultTarget<'_>) -> bool {
        self.operation.is_none_or(|o| request.operation == Some(o))
            && self
                .category
                .is_none_or(|c| request.operation.map(OperationId::category) == Some(c))
            && self
                .method
                .as_deref()
                .is_none_or(|m| m.eq_ignore_ascii_case(request.method.as_str()))
            && self
                .path
                .as_deref()
                .is_none_or(|p| path_matches(p, request.path))
    }
}

/// What a request looks like to the fault rules.
pub(crate) struct FaultTarget<'a> {
    pub(crate) operation: Option<OperationId>,
    pub(crate) method: &'a Method,
    pub(crate) path: &'a str,
}

/// What the rules decided for one request.
#[derive(Debug, Default)]
pub(crate) struct Decision {
    /// The delay to add before answering.
    pub(crate) latency: Duration,
    /// The rule that decides the outcome, and its effect.
    pub(crate) effect: Option<(String, FaultEffect)>,
    /// The ids of the latency rules that fired.
    pub(crate) delayed_by: Vec<String>,
}

struct Entry {
    state: ActiveFault,
    /// The rule's number, for its draws.
    uid: u64,
    /// When it was added, on the clock's monotonic scale.
    added: Duration,
}

/// The rules in force.
pub(crate) struct FaultSet {
    seed: u64,
    entries: Vec<Entry>,
    next_uid: u64,
}

impl FaultSet {
    pub(crate) fn new(seed: u64) -> FaultSet {
        FaultSet {
            seed,
            entries: Vec::new(),
            next_uid: 0,
        }
    }

    /// Adds a rule at `now` (after checking it), giving it an id when it has
    /// none. Fails on a bad rule, a duplicate id, or more than `max` rules.
    pub(crate) fn add(
        &mut self,
        mut rule: FaultRule,
        now: Duration,
        max: usize,
    ) -> Result<String, FaultError> {
        rule.check()?;
        if self.entries.len() >= max {
            return Err(FaultError::new(format!(
                "at most {max} fault rules at once; remove some first"
            )));
        }
        self.next_uid += 1;
        let id = match rule.id.clone() {
            Some(id) => {
                if self
                    .entries
                    .iter()
                    .any(|e| e.state.rule.id.as_deref() == Some(&id))
                {
                    return Err(FaultError::new(format!("a rule with id `{id}` exists")));
                }
                id
            }
            None => {
                let mut n = self.next_uid;
                while self
                    .entries
                    .iter()
                    .any(|e| e.state.rule.id.as_deref() == Some(&format!("r{n}")))
                {
                    n += 1;
                }
                format!("r{n}")
            }
        };
        rule.id = Some(id.clone());
        self.entries.push(Entry {
            state: ActiveFault {
                rule,
                matched: 0,
                fired: 0,
            },
            uid: self.next_uid,
            added: now,
        });
        Ok(id)
    }

    pub(crate) fn remove(&mut self, id: &str) -> bool {
        let before = self.entries.len();
        self.entries
            .retain(|e| e.state.rule.id.as_deref() != Some(id));
        self.entries.len() != before
    }

    pub(crate) fn clear(&mut self) {
        self.entries.clear();
        self.next_uid = 0;
    }

    pub(crate) fn list(&self) -> Vec<ActiveFault> {
        self.entries.iter().map(|e| e.state.clone()).collect()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Decides what happens to a request at `now`.
    pub(crate) fn decide(&mut self, target: &FaultTarget<'_>, now: Duration) -> Decision {
        let mut decision = Decision::default();
        for entry in &mut self.entries {
            let rule = &entry.state.rule;
            let start = entry
                .added
                .saturating_add(Duration::from_millis(rule.after_ms.unwrap_or(0)));
            let active = now >= start
                && rule
                    .for_ms
                    .is_none_or(|f| now < start.saturating_add(Duration::from_millis(f)));
            let spent = rule.times.is_some_and(|t| entry.state.fired >= t);
            if !active || spent || !rule.matches(target) {
                continue;
            }
            let n = entry.state.matched;
            entry.state.matched += 1;
            let fires = rule.probability >= 1.0
                || ((mix(self.seed, &[0xfa17, entry.uid, n]) >> 11) as f64 / (1u64 << 53) as f64)
                    < rule.probability;
            if !fires {
                continue;
            }
            entry.state.fired += 1;
            let id = rule.id.clone().unwrap_or_default();
            match &rule.effect {
                FaultEffect::Latency { ms, min_ms, max_ms } => {
                    let delay = match (ms, min_ms, max_ms) {
                        (Some(ms), _, _) => *ms,
                        (None, Some(lo), Some(hi)) => {
                            lo + mix(self.seed, &[0xfa17, entry.uid, n, 1]) % (hi - lo + 1)
                        }
                        _ => 0,
                    };
                    decision.latency += Duration::from_millis(delay);
                    decision.delayed_by.push(id);
                }
                effect => {
                    decision.effect = Some((id, effect.clone()));
                    break;
                }
            }
        }
        decision
    }
}

/// Whether `path` fits `pattern` (`*` one segment, `**` any number).
fn path_matches(pattern: &str, path: &str) -> bool {
    let pattern: Vec<&str> = pattern.trim_end_matches('/').split('/').collect();
    let path: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    fn go(p: &[&str], s: &[&str]) -> bool {
        match p.split_first() {
            None => s.is_empty(),
            Some((&"**", rest)) => (0..=s.len()).any(|k| go(rest, &s[k..])),
            Some((seg, rest)) => s
                .split_first()
                .is_some_and(|(first, tail)| (*seg == "*" || seg == first) && go(rest, tail)),
        }
    }
    go(&pattern, &path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_patterns() {
        assert!(path_matches(
            "/v2/apps/*/mix-stream-jobs",
            "/v2/apps/a1/mix-stream-jobs"
        ));
        assert!(!path_matches(
            "/v2/apps/*/mix-stream-jobs",
            "/v2/apps/a1/mix-stream-jobs/j"
        ));
        assert!(path_matches("/v2/apps/**", "/v2/apps/a1/mix-stream-jobs/j"));
        assert!(path_matches("/v2/**/j", "/v2/apps/a1/mix-stream-jobs/j"));
        assert!(path_matches("/v2/apps/**", "/v2/apps"));
        assert!(!path_matches("/v2/apps/*", "/v2/apps"));
        assert!(path_matches("/v2/apps/", "/v2/apps"));
        assert!(!path_matches("/v1/**", "/v2/apps"));
    }
}
