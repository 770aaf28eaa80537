//! An arbitrary small environment into `Credentials::from_lookup`. It must
//! never panic, and:
//! - it succeeds exactly when the AK is set and valid (1 to 128 visible
//!   ASCII characters without `,`), the SK is set, and the security token
//!   and project id, when set, are valid (empty values count as unset); the
//!   credentials then carry exactly those values;
//! - the SK and the security token are secret: with other values of the
//!   same validity, the outcome is the same and the error's `Display` and
//!   `Debug`, or the credentials' `Debug`, print the same; none of them
//!   contains the SK or token given (at least 4 characters long, and not
//!   already part of the text for other reasons).
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use sparkrtc::{Credentials, Error};

#[derive(Arbitrary, Debug)]
enum Key<'a> {
    Ak,
    Sk,
    ProjectId,
    SecurityToken,
    Other(&'a str),
}

impl Key<'_> {
    fn name(&self) -> &str {
        match self {
            Key::Ak => Credentials::ENV_AK,
            Key::Sk => Credentials::ENV_SK,
            Key::ProjectId => Credentials::ENV_PROJECT_ID,
            Key::SecurityToken => Credentials::ENV_SECURITY_TOKEN,
            Key::Other(k) => k,
        }
    }
}

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    env: Vec<(Key<'a>, &'a str)>,
}

/// The last value set for `name`, as an environment holds one.
fn lookup<'a>(env: &'a [(String, String)]) -> impl Fn(&str) -> Option<String> + 'a {
    move |name| {
        env.iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    }
}

/// A value of the same validity as a secret: visible ASCII characters
/// become `x`, anything else stays (so the first invalid byte stays where
/// it was), and the length is kept.
fn same_shape(secret: &str) -> String {
    secret
        .chars()
        .map(|c| if c.is_ascii_graphic() { 'x' } else { c })
        .collect()
}

fn shown(r: &Result<Credentials, Error>) -> String {
    match r {
        Ok(c) => format!("Ok({c:?})"),
        Err(e) => format!("Err({e} / {e:?})"),
    }
}

fuzz_target!(|input: Input<'_>| {
    let env: Vec<(String, String)> = input
        .env
        .iter()
        .take(12)
        .map(|(k, v)| (k.name().to_owned(), (*v).to_owned()))
        .collect();
    let get = lookup(&env);
    let set = |name: &str| get(name).filter(|v| !v.is_empty());
    let ak = set(Credentials::ENV_AK);
    let sk = set(Credentials::ENV_SK);
    let token = set(Credentials::ENV_SECURITY_TOKEN);
    let project = set(Credentials::ENV_PROJECT_ID);

    let result = Credentials::from_lookup(&get);

    // The reference.
    let ak_ok = ak
        .as_deref()
        .is_some_and(|a| a.len() <= 128 && a.bytes().all(|b| b.is_ascii_graphic() && b != b','));
    let token_ok = token
        .as_deref()
        .is_none_or(|t| t.bytes().all(|b| b.is_ascii_graphic()));
    let project_ok = project.as_deref().is_none_or(|p| {
        p.len() <= 64 && !p.contains('/') && p.bytes().all(|b| b.is_ascii_graphic())
    });
    let valid = ak_ok && sk.is_some() && token_ok && project_ok;
    match &result {
        Ok(c) => {
            assert!(valid, "accepted {env:?}");
            assert_eq!(c.access_key(), ak.as_deref());
            assert_eq!(c.project_id(), project.as_deref());
            assert_eq!(c.is_temporary(), token.is_some());
        }
        Err(e) => {
            assert!(!valid, "refused {env:?}: {e}");
            assert!(
                matches!(
                    e,
                    Error::InvalidCredentials(_) | Error::InvalidParameter { .. }
                ),
                "{e:?}"
            );
        }
    }

    // The same environment with other secrets of the same validity.
    let replaced: Vec<(String, String)> = env
        .iter()
        .map(|(k, v)| {
            let secret = k == Credentials::ENV_SK || k == Credentials::ENV_SECURITY_TOKEN;
            (k.clone(), if secret { same_shape(v) } else { v.clone() })
        })
        .collect();
    let other = Credentials::from_lookup(lookup(&replaced));
    let (text, other_text) = (shown(&result), shown(&other));
    assert_eq!(text, other_text, "the secrets show or shape the outcome");

    // No secret in the text, unless it is there for other reasons (it is in
    // the text printed with other secrets, or in a non-secret value).
    let public: Vec<&str> = env
        .iter()
        .filter(|(k, _)| k == Credentials::ENV_AK || k == Credentials::ENV_PROJECT_ID)
        .map(|(_, v)| v.as_str())
        .collect();
    for secret in [sk.as_deref(), token.as_deref()].into_iter().flatten() {
        if secret.len() >= 4
            && !other_text.contains(secret)
            && !public.iter().any(|p| p.contains(secret))
        {
            assert!(!text.contains(secret), "a secret shows in {text}");
        }
    }
});
