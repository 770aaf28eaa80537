//! `arbitrary::Arbitrary` (feature `arbitrary`) for the types the model and
//! operation macros do not declare: secrets, request times, the OBS
//! operation, the empty body, outputs, [`Unchecked`], [`OperationId`]; and
//! [`ArbitraryRequest`], an operation drawn at random and built.
//!
//! The request types and models derive `Arbitrary` where they are declared
//! (the macros add the derive), so every field is drawn from its type.

use std::time::{Duration, UNIX_EPOCH};

use arbitrary::{Arbitrary, Result, Unstructured};
use http::Request;
use serde_json::Value;

use crate::model::{Empty, ObsOperation, UtcDate, UtcTime};
use crate::{Endpoint, Error, Operation, OperationId, Output, Secret, Unchecked};

/// The last second the API's time forms can write: 9999-12-31T23:59:59Z.
const MAX_SECS: u64 = 253_402_300_799;

/// An operation's request drawn from fuzzer bytes, and what
/// [`Operation::build`] made of it: from
/// [`OperationId::arbitrary_request`].
///
/// ```
/// use arbitrary::{Arbitrary, Unstructured};
/// use sparkrtc::{Endpoint, OperationId};
///
/// let bytes = [7u8; 256];
/// let mut u = Unstructured::new(&bytes);
/// let id = OperationId::arbitrary(&mut u)?;
/// let drawn = id.arbitrary_request(&mut u, &Endpoint::default().with_project_id("p1").unwrap())?;
/// assert_eq!(drawn.operation, id);
/// match &drawn.request {
///     Ok(request) => assert_eq!(request.method(), id.method()),
///     Err(e) => println!("refused as the crate refuses it: {e}"),
/// }
/// # Ok::<(), arbitrary::Error>(())
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub struct ArbitraryRequest {
    /// The operation.
    pub operation: OperationId,
    /// The typed request's parameters in the SDK request shape (path and
    /// query parameters by wire name, the body under `body`), as it
    /// serializes.
    pub params: Value,
    /// The request built from it, unsigned, or the crate's error.
    pub request: std::result::Result<Request<Vec<u8>>, Error>,
}

impl ArbitraryRequest {
    /// Draws an `O` and builds it.
    pub(crate) fn of<'a, O>(u: &mut Unstructured<'a>, endpoint: &Endpoint) -> Result<Self>
    where
        O: Operation + Arbitrary<'a>,
    {
        let op = O::arbitrary(u)?;
        let params = serde_json::to_value(&op).unwrap_or(Value::Null);
        Ok(ArbitraryRequest {
            operation: O::ID,
            params,
            request: op.build(endpoint),
        })
    }
}

impl<'a> Arbitrary<'a> for OperationId {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        u.choose(OperationId::ALL).copied()
    }

    fn size_hint(_depth: usize) -> (usize, Option<usize>) {
        (1, Some(4))
    }
}

impl<'a> Arbitrary<'a> for Secret {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        String::arbitrary(u).map(Secret::new)
    }
}

/// A time in the forms' range most of the time, sometimes past it (which
/// `build` refuses), or any text (which `build` refuses unless it is a time
/// in the form).
fn arbitrary_time<'a, T>(u: &mut Unstructured<'a>) -> Result<T>
where
    T: From<std::time::SystemTime> + From<String>,
{
    Ok(if u.ratio(3u8, 4u8)? {
        let secs = u.int_in_range(0..=MAX_SECS + 400 * 86_400)?;
        T::from(UNIX_EPOCH + Duration::from_secs(secs))
    } else {
        T::from(String::arbitrary(u)?)
    })
}

impl<'a> Arbitrary<'a> for UtcTime {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        arbitrary_time(u)
    }
}

impl<'a> Arbitrary<'a> for UtcDate {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        arbitrary_time(u)
    }
}

impl<'a> Arbitrary<'a> for ObsOperation {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Ok(if bool::arbitrary(u)? {
            ObsOperation::Grant
        } else {
            ObsOperation::Revoke
        })
    }

    fn size_hint(_depth: usize) -> (usize, Option<usize>) {
        (1, Some(1))
    }
}

impl<'a> Arbitrary<'a> for Empty {
    fn arbitrary(_u: &mut Unstructured<'a>) -> Result<Self> {
        Ok(Empty {})
    }

    fn size_hint(_depth: usize) -> (usize, Option<usize>) {
        (0, Some(0))
    }
}

impl<'a, T: Arbitrary<'a>> Arbitrary<'a> for Output<T> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        Ok(Output {
            request_id: Option::<String>::arbitrary(u)?,
            body: T::arbitrary(u)?,
        })
    }
}

impl<'a, O: Arbitrary<'a>> Arbitrary<'a> for Unchecked<O> {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        O::arbitrary(u).map(Unchecked)
    }

    fn size_hint(depth: usize) -> (usize, Option<usize>) {
        O::size_hint(depth)
    }
}
