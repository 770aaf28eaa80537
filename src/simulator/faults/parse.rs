//! The short form of fault rules, `MATCH:EFFECT[:PROBABILITY[:TIMES]]`,
//! and durations like `250ms`.

use std::str::FromStr;
use std::time::Duration;

use http::Method;

use crate::throttle::ThrottleCategory;
use crate::OperationId;

use super::{FaultEffect, FaultError, FaultRule};

impl FromStr for FaultRule {
    type Err = FaultError;

    /// The short form, `MATCH:EFFECT[:PROBABILITY[:TIMES]]`.
    fn from_str(text: &str) -> Result<FaultRule, FaultError> {
        let mut parts = text.split(':');
        let matcher = parts.next().unwrap_or("").trim();
        let effect = parts.next().ok_or_else(|| {
            FaultError::new(format!(
                "`{text}` is not MATCH:EFFECT[:PROBABILITY[:TIMES]]"
            ))
        })?;
        let mut rule = FaultRule::new(parse_effect(effect.trim())?);
        if let Some(p) = parts.next() {
            let p: f64 = p
                .trim()
                .parse()
                .map_err(|_| FaultError::new(format!("probability `{p}` is not a number")))?;
            rule = rule.probability(p)?;
        }
        if let Some(n) = parts.next() {
            let n: u64 = n
                .trim()
                .parse()
                .map_err(|_| FaultError::new(format!("times `{n}` is not a whole number")))?;
            rule = rule.times(n);
        }
        if parts.next().is_some() {
            return Err(FaultError::new(format!(
                "`{text}` has more than MATCH:EFFECT:PROBABILITY:TIMES"
            )));
        }
        rule = match matcher {
            "*" => rule,
            m if m.contains(' ') => {
                let (method, path) = m.split_once(' ').unwrap_or((m, ""));
                let method = Method::from_bytes(method.as_bytes())
                    .map_err(|_| FaultError::new(format!("`{method}` is not an HTTP method")))?;
                rule.method(method).path(path.trim())
            }
            m if m.starts_with('/') => rule.path(m),
            m => match (
                OperationId::from_name(m),
                ThrottleCategory::ALL.iter().find(|c| c.name() == m),
            ) {
                (Some(op), _) => rule.operation(op),
                (None, Some(c)) => rule.category(*c),
                (None, None) => {
                    return Err(FaultError::new(format!(
                        "`{m}` is not `*`, an operation, a rate-limit category or `METHOD /path`"
                    )))
                }
            },
        };
        rule.check()?;
        Ok(rule)
    }
}

pub(super) fn parse_effect(text: &str) -> Result<FaultEffect, FaultError> {
    match text {
        "close" => return Ok(FaultEffect::Close),
        "truncate" => return Ok(FaultEffect::Truncate),
        "lose" => return Ok(FaultEffect::Lose),
        _ => {}
    }
    if let Some(spec) = text.strip_prefix("latency=") {
        return match spec.split_once("..") {
            Some((lo, hi)) => Ok(FaultEffect::latency_between(
                parse_duration(lo)?,
                parse_duration(hi)?,
            )),
            None => Ok(FaultEffect::latency(parse_duration(spec)?)),
        };
    }
    let mut parts = text.split(',');
    let status = parts.next().unwrap_or("");
    let status: u16 = status.trim().parse().map_err(|_| {
        FaultError::new(format!(
            "effect `{text}` is not a status, latency=..., close, truncate or lose"
        ))
    })?;
    let mut effect = FaultEffect::error(status);
    for option in parts {
        let (key, value) = option
            .split_once('=')
            .ok_or_else(|| FaultError::new(format!("`{option}` is not key=value")))?;
        effect = match key.trim() {
            "code" => effect.code(value.trim()),
            "msg" => effect.message(value),
            "retry-after" => effect.retry_after(value.trim().parse().map_err(|_| {
                FaultError::new(format!("retry-after `{value}` is not whole seconds"))
            })?),
            other => {
                return Err(FaultError::new(format!(
                    "unknown option `{other}` (code, msg, retry-after)"
                )))
            }
        };
    }
    effect.check()?;
    Ok(effect)
}

/// `250ms`, `2s`, `1m`, or a bare number of milliseconds.
pub(crate) fn parse_duration(text: &str) -> Result<Duration, FaultError> {
    let text = text.trim();
    let bad = || FaultError::new(format!("`{text}` is not a duration like 250ms, 2s or 1m"));
    let (digits, unit) = text
        .find(|c: char| !c.is_ascii_digit())
        .map_or((text, ""), |i| text.split_at(i));
    let n: u64 = digits.parse().map_err(|_| bad())?;
    match unit {
        "" | "ms" => Ok(Duration::from_millis(n)),
        "s" => Ok(Duration::from_secs(n)),
        "m" => Ok(Duration::from_secs(n.saturating_mul(60))),
        _ => Err(bad()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("250").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("2s").unwrap(), Duration::from_secs(2));
        assert_eq!(parse_duration("3m").unwrap(), Duration::from_secs(180));
        assert!(parse_duration("2h").is_err());
        assert!(parse_duration("s").is_err());
        assert!(parse_duration("").is_err());
    }
}
