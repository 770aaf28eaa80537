//! Scopes: per category, per credential, per operation; credential fingerprints.

use sparkrtc::throttle::ThrottleCategory;
use sparkrtc::throttle::{Admission, CredentialId, Scope, Throttle};
use sparkrtc::OperationId;

use super::secs;

#[test]
fn scopes_split_by_credential_and_optionally_by_operation() {
    let mut t = Throttle::default();
    assert!(t.is_empty());
    let a = CredentialId::from_access_key("AK-ONE");
    let b = CredentialId::from_access_key("AK-TWO");
    assert_ne!(a, b);
    let create = Scope::of(OperationId::CreateMixJob).with_credential(a);
    let show = Scope::of(OperationId::ShowMixJob).with_credential(a);
    assert_eq!(create, show, "one category, one budget");
    for _ in 0..10 {
        assert!(t.acquire(create, secs(5)).is_send());
    }
    let refused = t.acquire(show, secs(5));
    assert_eq!(refused, Admission::Wait(secs(1)));
    assert!(!refused.is_send());
    assert_eq!(refused.wait(), secs(1));
    assert_eq!(Admission::Send.wait(), secs(0));
    // Another credential has its own budget.
    assert!(t.acquire(show.with_credential(b), secs(5)).is_send());
    // So does a per-operation scope.
    let only_show = Scope::only(OperationId::ShowMixJob).with_credential(a);
    assert_ne!(only_show, show);
    assert_eq!(
        only_show.category(),
        ThrottleCategory::MixStreamJobManagement
    );
    assert_eq!(only_show.credential(), a);
    assert_eq!(only_show.operation(), Some(OperationId::ShowMixJob));
    assert_eq!(show.operation(), None);
    assert!(t.acquire(only_show, secs(5)).is_send());
    assert_eq!(t.len(), 3);
    assert!(!t.is_empty());
}

#[test]
fn debug_output_holds_no_credential() {
    let id = CredentialId::from_access_key("AKSENTINEL0123456789");
    let mut t = Throttle::default();
    assert!(t
        .acquire(
            Scope::of(OperationId::ListApps).with_credential(id),
            secs(1),
        )
        .is_send());
    let debug = format!("{t:?} {id:?}");
    assert!(!debug.contains("SENTINEL"), "{debug}");
    assert_eq!(
        format!("{:?}", CredentialId::new(0xab)),
        "CredentialId(0x00000000000000ab)"
    );
    // The fingerprint is stable across versions and platforms: FNV-1a 64 of
    // the bytes, then the SplitMix64 finaliser. These values were computed
    // apart from the crate (Python, wrapping 64-bit arithmetic); the empty
    // key is the FNV offset basis, finalised.
    let pinned = [
        ("QTWAOYTTINDUT2QVKYUC", 0x700c_0965_249f_c6ea),
        ("", 0xc381_7c01_6ba4_ff30),
        ("a", 0x5f29_c2aa_dd9b_8527),
        ("AKSENTINEL0123456789", 0x9e9b_9e8f_15e2_432c),
    ];
    for (access_key, fingerprint) in pinned {
        assert_eq!(
            CredentialId::from_access_key(access_key).get(),
            fingerprint,
            "{access_key:?}"
        );
    }
    assert_ne!(
        CredentialId::from_access_key("a"),
        CredentialId::from_access_key("b")
    );
}

#[test]
fn every_category_and_operation_scope_hashes_differently() {
    use std::collections::HashSet;
    use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
    // The hash is what spreads scopes over the throttle's table: two words,
    // the credential and the kind (category, and operation when per
    // operation). A constant kind would put every scope in one bucket.
    let hasher = BuildHasherDefault::<DefaultHasher>::default();
    let credential = CredentialId::from_access_key("AK");
    let scopes: Vec<Scope> = ThrottleCategory::ALL
        .iter()
        .map(|c| Scope::new(*c).with_credential(credential))
        .chain(
            OperationId::ALL
                .iter()
                .map(|op| Scope::only(*op).with_credential(credential)),
        )
        .collect();
    let hashes: HashSet<u64> = scopes.iter().map(|s| hasher.hash_one(s)).collect();
    assert_eq!(hashes.len(), scopes.len());
    // Equal scopes hash equally.
    assert_eq!(
        hasher.hash_one(Scope::of(OperationId::CreateMixJob)),
        hasher.hash_one(Scope::of(OperationId::ShowMixJob))
    );
}
