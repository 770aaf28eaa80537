//! Scopes: what a budget is counted over, and the credential fingerprints
//! that keep two accounts' budgets apart without holding their keys.

use std::fmt;
use std::hash::{Hash, Hasher};

use super::ThrottleCategory;
use crate::sansio::pacing::splitmix64;
use crate::OperationId;

/// Multiplies and folds the 128-bit product: the mixing step of the scope hasher.
#[inline]
fn fold_mul(a: u64, b: u64) -> u64 {
    let p = u128::from(a) * u128::from(b);
    (p as u64) ^ ((p >> 64) as u64)
}

/// Identifies the credential a scope belongs to, without holding it.
///
/// SparkRTC counts calls per account; scoping per credential keeps two
/// accounts driven by one process from sharing a budget. Build it from the
/// **access key id (AK)**, which is an identifier, not a secret, with
/// [`from_access_key`](CredentialId::from_access_key), or from any stable
/// number with [`new`](CredentialId::new). Never pass the secret key (SK) or a
/// token. For token authentication, use a stable label such as the IAM user or
/// project name (also through `from_access_key`): a token changes every time
/// it is renewed while the server's count does not, so it is no scope key
/// anyway. `Debug` shows only the 64-bit fingerprint.
///
/// ```
/// use sparkrtc::throttle::CredentialId;
/// let id = CredentialId::from_access_key("QTWAOYTTINDUT2QVKYUC");
/// assert_eq!(id, CredentialId::from_access_key("QTWAOYTTINDUT2QVKYUC"));
/// assert!(!format!("{id:?}").contains("QTWA"));
/// ```
#[derive(Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CredentialId(u64);

impl CredentialId {
    /// The credential of a process that uses only one (the default).
    pub const DEFAULT: CredentialId = CredentialId(0);

    /// A credential id chosen by the caller.
    pub const fn new(id: u64) -> CredentialId {
        CredentialId(id)
    }

    /// The fingerprint of an access key id: FNV-1a over its bytes, then a
    /// SplitMix64 finish. Stable across versions and platforms.
    pub fn from_access_key(access_key_id: &str) -> CredentialId {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in access_key_id.bytes() {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
        CredentialId(splitmix64(h))
    }

    /// The 64-bit id.
    pub const fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Debug for CredentialId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CredentialId({:#018x})", self.0)
    }
}

/// What a budget is counted over: a throttle category, per credential, and
/// optionally per operation. Small and `Copy` (16 bytes).
///
/// ```
/// use sparkrtc::throttle::{CredentialId, Scope};
/// use sparkrtc::throttle::ThrottleCategory;
/// use sparkrtc::OperationId;
///
/// // The default: the operation's category, shared by all its operations.
/// let scope = Scope::of(OperationId::ShowMixJob);
/// assert_eq!(scope, Scope::new(ThrottleCategory::MixStreamJobManagement));
/// assert_eq!(scope.operation(), None);
///
/// // Narrower: one operation of one credential.
/// let narrow = Scope::only(OperationId::ShowMixJob).with_credential(CredentialId::new(7));
/// assert_eq!(narrow.operation(), Some(OperationId::ShowMixJob));
/// assert_eq!(narrow.category(), ThrottleCategory::MixStreamJobManagement);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Scope {
    credential: CredentialId,
    category: ThrottleCategory,
    operation: Option<OperationId>,
}

impl Scope {
    /// The whole category, for the default credential.
    pub const fn new(category: ThrottleCategory) -> Scope {
        Scope {
            credential: CredentialId::DEFAULT,
            category,
            operation: None,
        }
    }

    /// The category of `operation` (the server counts per category).
    pub fn of(operation: OperationId) -> Scope {
        Scope::new(operation.category())
    }

    /// `operation` alone, with its category's limit: for a caller that wants
    /// one operation's calls not to starve the others of its category.
    pub fn only(operation: OperationId) -> Scope {
        Scope {
            operation: Some(operation),
            ..Scope::of(operation)
        }
    }

    /// The same scope for `credential`.
    pub const fn with_credential(self, credential: CredentialId) -> Scope {
        Scope { credential, ..self }
    }

    /// The credential.
    pub const fn credential(self) -> CredentialId {
        self.credential
    }

    /// The throttle category; its limit applies.
    pub const fn category(self) -> ThrottleCategory {
        self.category
    }

    /// The operation, for a per-operation scope.
    pub const fn operation(self) -> Option<OperationId> {
        self.operation
    }

    /// Category and operation in one word, for hashing.
    #[inline]
    fn kind_word(self) -> u64 {
        let op = match self.operation {
            Some(op) => op as u64 + 1,
            None => 0,
        };
        (self.category as u64) | (op << 8)
    }
}

impl Hash for Scope {
    // Two words, whatever the hasher; consistent with the derived `Eq` (equal
    // scopes write equal words).
    #[inline]
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(self.credential.0);
        state.write_u64(self.kind_word());
    }
}

/// The scope table's hasher: a fixed multiply-fold over 64-bit words.
///
/// Deterministic (std's `RandomState` draws random keys when created, which
/// the core must not do) and two multiplications per scope. Not
/// collision-resistant against chosen keys; scopes are the caller's own
/// categories and credentials, not attacker input.
#[derive(Default, Clone, Copy)]
pub(super) struct ScopeHasher(pub(super) u64);

const HASH_K: u64 = 0x9E37_79B9_7F4A_7C15;

impl Hasher for ScopeHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }

    #[inline]
    fn write_u64(&mut self, x: u64) {
        self.0 = fold_mul(self.0 ^ x, HASH_K);
    }

    #[inline]
    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hasher_reads_bytes_as_little_endian_words_zero_padded() {
        let words = |xs: &[u64]| {
            let mut h = ScopeHasher(7);
            for x in xs {
                h.write_u64(*x);
            }
            h.finish()
        };
        let bytes = |b: &[u8]| {
            let mut h = ScopeHasher(7);
            h.write(b);
            h.finish()
        };
        assert_eq!(bytes(&[]), 7);
        assert_eq!(
            bytes(&[1, 2, 3, 4, 5, 6, 7, 8]),
            words(&[0x0807_0605_0403_0201])
        );
        assert_eq!(
            bytes(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]),
            words(&[0x0807_0605_0403_0201, 0x0a09])
        );
        assert_ne!(bytes(&[1]), 7);
    }
}
