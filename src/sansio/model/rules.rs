//! The rules a request is checked against before anything is sent: required
//! fields, documented ranges, nested models. Errors name the field's path.

use std::fmt;
use std::ops::RangeInclusive;

use crate::Error;

/// Which checks to run. Required fields, path segments and control
/// characters are always checked; documented ranges can be switched off
/// (see [`Unchecked`](crate::Unchecked)).
///
/// Part of the sealed operation plumbing: public in type only, not nameable
/// outside the crate.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(unreachable_pub)]
pub struct Checks {
    /// Whether documented ranges are enforced.
    pub(crate) ranges: bool,
}

impl Checks {
    /// Every check.
    pub(crate) const ALL: Checks = Checks { ranges: true };
    /// Every check but the documented ranges.
    pub(crate) const WITHOUT_RANGES: Checks = Checks { ranges: false };
}

/// A path to a field, for error messages: `body.mix_param.layout_panes[2].x`.
/// Built on the stack while validating; rendered only when something fails.
#[derive(Clone, Copy)]
pub(crate) struct FieldPath<'a> {
    parent: Option<&'a FieldPath<'a>>,
    name: &'static str,
    index: Option<usize>,
}

impl<'a> FieldPath<'a> {
    pub(crate) fn root(name: &'static str) -> Self {
        FieldPath {
            parent: None,
            name,
            index: None,
        }
    }

    pub(crate) fn field(&'a self, name: &'static str) -> FieldPath<'a> {
        FieldPath {
            parent: Some(self),
            name,
            index: None,
        }
    }

    pub(crate) fn index(&'a self, index: usize) -> FieldPath<'a> {
        FieldPath {
            parent: Some(self),
            name: "",
            index: Some(index),
        }
    }

    pub(crate) fn invalid(&self, reason: impl Into<String>) -> Error {
        Error::invalid(self.to_string(), reason)
    }
}

impl fmt::Display for FieldPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(parent) = self.parent {
            parent.fmt(f)?;
        }
        match self.index {
            Some(i) => write!(f, "[{i}]"),
            None if self.parent.is_some() => write!(f, ".{}", self.name),
            None => f.write_str(self.name),
        }
    }
}

/// A value a request can hold: how it counts as missing, and what it checks
/// inside itself (a nested model validates its fields).
pub(crate) trait Field {
    /// Whether the value counts as "not given" for a required field (an
    /// empty string, list or value set).
    fn is_missing(&self) -> bool {
        false
    }

    /// The value's own rules (a nested model's fields, list items).
    fn check(&self, at: &FieldPath<'_>, checks: Checks) -> Result<(), Error> {
        let _ = (at, checks);
        Ok(())
    }

    /// The rules of the value as a required field: for a list, every item
    /// must be given too.
    fn check_required(&self, at: &FieldPath<'_>, checks: Checks) -> Result<(), Error> {
        self.check(at, checks)
    }
}

impl Field for String {
    fn is_missing(&self) -> bool {
        self.is_empty()
    }
}

impl Field for crate::Secret {
    fn is_missing(&self) -> bool {
        self.is_empty()
    }
}

macro_rules! plain_fields {
    ($($t:ty),*) => {$( impl Field for $t {} )*};
}
plain_fields!(u8, u16, u32, u64, i32, i64, f64, bool);

/// A list is missing when empty; its items are checked, and in a required
/// list every item must be given.
impl<T: Field> Field for Vec<T> {
    fn is_missing(&self) -> bool {
        self.is_empty()
    }

    fn check(&self, at: &FieldPath<'_>, checks: Checks) -> Result<(), Error> {
        for (i, item) in self.iter().enumerate() {
            item.check(&at.index(i), checks)?;
        }
        Ok(())
    }

    fn check_required(&self, at: &FieldPath<'_>, checks: Checks) -> Result<(), Error> {
        for (i, item) in self.iter().enumerate() {
            require(&at.index(i), item, checks)?;
        }
        Ok(())
    }
}

/// A required value must be given (not empty), and valid.
pub(crate) fn require<T: Field + ?Sized>(
    at: &FieldPath<'_>,
    value: &T,
    checks: Checks,
) -> Result<(), Error> {
    if value.is_missing() {
        return Err(at.invalid("is required and must not be empty"));
    }
    value.check_required(at, checks)
}

/// A value must lie in its documented range (checked only with
/// `checks.ranges`). `what` describes the value (`"a fraction of the canvas "`),
/// or is empty. A NaN is outside every range.
pub(crate) fn in_range<T>(
    at: &FieldPath<'_>,
    value: &T,
    range: RangeInclusive<T>,
    what: &str,
    checks: Checks,
) -> Result<(), Error>
where
    T: PartialOrd + fmt::Display + fmt::Debug,
{
    if !checks.ranges || range.contains(value) {
        return Ok(());
    }
    Err(at.invalid(format!(
        "must be {what}within {:?}..={:?}, got {value}",
        range.start(),
        range.end()
    )))
}

/// `check_range!(at, value, checks; lo..=hi)` or
/// `check_range!(at, value, checks; lo..=hi, "a fraction of the canvas")`:
/// the form a documented range takes in a model or table declaration.
macro_rules! check_range {
    ($at:expr, $value:expr, $checks:expr; $range:expr) => {
        $crate::sansio::model::rules::in_range($at, $value, $range, "", $checks)
    };
    ($at:expr, $value:expr, $checks:expr; $range:expr, $what:literal) => {
        $crate::sansio::model::rules::in_range($at, $value, $range, concat!($what, " "), $checks)
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_paths_render() {
        let body = FieldPath::root("body");
        let mp = body.field("mix_param");
        let panes = mp.field("layout_panes");
        let pane = panes.index(2);
        let x = pane.field("x");
        assert_eq!(x.to_string(), "body.mix_param.layout_panes[2].x");
        assert_eq!(body.to_string(), "body");
    }

    #[test]
    fn ranges() {
        let p = FieldPath::root("n");
        assert!(check_range!(&p, &5u32, Checks::ALL; 5..=10).is_ok());
        let e = check_range!(&p, &11u32, Checks::ALL; 5..=10).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid parameter `n`: must be within 5..=10, got 11"
        );
        assert!(check_range!(&p, &11u32, Checks::WITHOUT_RANGES; 5..=10).is_ok());
        let e = check_range!(&p, &f64::NAN, Checks::ALL; 0.0..=1.0, "a fraction").unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid parameter `n`: must be a fraction within 0.0..=1.0, got NaN"
        );
        assert!(check_range!(&p, &1.0, Checks::ALL; 0.0..=1.0).is_ok());
        assert!(check_range!(&p, &-0.1, Checks::ALL; 0.0..=1.0).is_err());
    }

    #[test]
    fn required_values_and_lists() {
        let p = FieldPath::root("ids");
        let e = require(&p, &Vec::<String>::new(), Checks::ALL).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid parameter `ids`: is required and must not be empty"
        );
        let e = require(&p, &vec!["a".to_owned(), String::new()], Checks::ALL).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid parameter `ids[1]`: is required and must not be empty"
        );
        // Required stays required without range checks.
        assert!(require(&p, &String::new(), Checks::WITHOUT_RANGES).is_err());
        // Items of an optional list may be empty.
        assert!(vec![String::new()].check(&p, Checks::ALL).is_ok());
    }

    #[test]
    fn a_required_secret_is_missing_when_empty() {
        let p = FieldPath::root("auth_key");
        let e = require(&p, &crate::Secret::new(""), Checks::ALL).unwrap_err();
        assert_eq!(
            e.to_string(),
            "invalid parameter `auth_key`: is required and must not be empty"
        );
        assert!(require(&p, &crate::Secret::new("k"), Checks::ALL).is_ok());
    }
}
