//! Room-join signatures: what an application server mints for each end user
//! who joins a room, and what a gateway can check.
//!
//! The client SDKs (Web, Android, iOS, Windows) join a room with a
//! `signature` (`authorization` in the native SDKs) and a `ctime`. `ctime`
//! is the absolute expiry in Unix seconds: now plus the validity
//! (recommended 2 hours, under 12). The signature is the lower-case hex
//! HMAC-SHA256, keyed with the app's `app_key` (UTF-8), of
//! `app_id + "+" + room_id + "+" + user_id + "+" + ctime`, as the API
//! reference's code sample computes it. The user's role is not signed. The
//! `app_key` comes from `ShowApp` or `ListApps` (`authentication.app_key`).
//!
//! **Which validity governs.** The signature's own `ctime`, which the
//! application server chooses: the access-authentication reference defines
//! the expiry as `ctime` (now plus the validity, recommended 2 hours, under
//! 12), and the signature is checked against it. An application's
//! [`AppAuth::expire`](crate::model::AppAuth::expire) (300 s by default) is
//! the URL-authentication setting `ShowApp` reports; it is not an input of
//! the signature or of `ctime`, no operation of the API sets it, and this
//! module does not read it. Pass the validity you want to [`sign`].
//!
//! The format cannot tell `a+b` / `c` from `a` / `b+c`: ids that may contain
//! `+` sign ambiguously, whatever computes the signature.
//!
//! ```
//! use std::time::{Duration, UNIX_EPOCH};
//! use sparkrtc::join::{sign, verify, RECOMMENDED_VALIDITY};
//! use sparkrtc::Secret;
//!
//! let app_key = Secret::new("0123456789abcdef0123456789abcdef");
//! let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
//! let token = sign("app-1", "room-1", "alice", &app_key, now, RECOMMENDED_VALIDITY)?;
//! assert_eq!(token.ctime, 1_700_007_200);
//! assert_eq!(token.signature.len(), 64);
//! verify("app-1", "room-1", "alice", &app_key, token.ctime, &token.signature, now)?;
//! assert!(verify("app-1", "room-1", "mallory", &app_key, token.ctime, &token.signature, now).is_err());
//! # Ok::<(), sparkrtc::join::JoinError>(())
//! ```

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use super::hex::{decode32, encode};
use crate::Secret;

/// The validity the API reference recommends: 2 hours.
pub const RECOMMENDED_VALIDITY: Duration = Duration::from_secs(2 * 60 * 60);

/// The validity must be under this: 12 hours.
pub const MAX_VALIDITY: Duration = Duration::from_secs(12 * 60 * 60);

/// A join signature and its expiry, to hand to a client SDK.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JoinToken {
    /// Lower-case hex HMAC-SHA256 (`signature` / `authorization`).
    pub signature: String,
    /// Expiry, Unix seconds.
    pub ctime: u64,
}

/// Why a join signature cannot be made or does not hold. Never contains the
/// key.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JoinError {
    /// An id is empty.
    #[error("`{0}` must not be empty")]
    EmptyId(&'static str),
    /// The validity is zero, or 12 hours or more.
    #[error("the validity must be more than zero and under 12 hours, got {0:?}")]
    Validity(Duration),
    /// The app key is empty.
    #[error("the app_key is empty")]
    EmptyKey,
    /// `now` is before 1970 or `now + validity` beyond Unix seconds.
    #[error("the time is out of range")]
    Time,
    /// The signature has expired (`ctime` is not after `now`).
    #[error("the join signature expired {0:?} ago")]
    Expired(Duration),
    /// `ctime` is further ahead than any valid signature's.
    #[error("the join signature's ctime is more than 12 hours ahead")]
    TooFarAhead,
    /// The signature does not match.
    #[error("the join signature does not match")]
    BadSignature,
}

/// Mints the join signature of `user_id` in `room_id` of `app_id`, valid for
/// `validity` from `now` (the caller's time).
pub fn sign(
    app_id: &str,
    room_id: &str,
    user_id: &str,
    app_key: &Secret,
    now: SystemTime,
    validity: Duration,
) -> Result<JoinToken, JoinError> {
    if validity.is_zero() || validity >= MAX_VALIDITY {
        return Err(JoinError::Validity(validity));
    }
    let now = unix_seconds(now)?;
    let ctime = now
        .checked_add(validity.as_secs().max(1))
        .ok_or(JoinError::Time)?;
    let tag = mac(app_id, room_id, user_id, app_key, ctime)?
        .finalize()
        .into_bytes();
    Ok(JoinToken {
        signature: encode(&tag, &mut [0; 64]).to_owned(),
        ctime,
    })
}

/// Checks a join signature at `now`: it must match, and `ctime` must be
/// after `now` and at most 12 hours ahead. The comparison is in constant
/// time; upper-case hex is accepted.
pub fn verify(
    app_id: &str,
    room_id: &str,
    user_id: &str,
    app_key: &Secret,
    ctime: u64,
    signature: &str,
    now: SystemTime,
) -> Result<(), JoinError> {
    let expected = decode32(signature).ok_or(JoinError::BadSignature)?;
    mac(app_id, room_id, user_id, app_key, ctime)?
        .verify_slice(&expected)
        .map_err(|_| JoinError::BadSignature)?;
    let now = unix_seconds(now)?;
    if ctime <= now {
        return Err(JoinError::Expired(Duration::from_secs(now - ctime)));
    }
    if ctime - now >= MAX_VALIDITY.as_secs() {
        return Err(JoinError::TooFarAhead);
    }
    Ok(())
}

fn mac(
    app_id: &str,
    room_id: &str,
    user_id: &str,
    app_key: &Secret,
    ctime: u64,
) -> Result<Hmac<Sha256>, JoinError> {
    for (name, id) in [
        ("app_id", app_id),
        ("room_id", room_id),
        ("user_id", user_id),
    ] {
        if id.is_empty() {
            return Err(JoinError::EmptyId(name));
        }
    }
    if app_key.is_empty() {
        return Err(JoinError::EmptyKey);
    }
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(app_key.expose_secret().as_bytes())
        .map_err(|_| JoinError::EmptyKey)?;
    for part in [app_id, "+", room_id, "+", user_id, "+"] {
        mac.update(part.as_bytes());
    }
    mac.update(ctime.to_string().as_bytes());
    Ok(mac)
}

fn unix_seconds(time: SystemTime) -> Result<u64, JoinError> {
    time.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .map_err(|_| JoinError::Time)
}
