//! Arbitrary text (raw, or assembled from scheme, user info, host, port,
//! path, query and fragment pieces) into `Endpoint::new`, and an arbitrary
//! project id into `with_project_id`. Neither may panic, and when
//! `Endpoint::new` accepts a URL:
//! - the scheme is `http` or `https`;
//! - the URL was exactly `scheme://authority` or `scheme://authority/` (the
//!   scheme in any case): no user info, path, query or fragment;
//! - a port, when named, is 1 to 65535 in digits (not empty, not 0);
//! - `base_url()` parses again to an equal endpoint;
//! - the endpoint forms requests: a built and signed request goes to its
//!   scheme and authority, with `Host` the authority.
//!
//! `with_project_id` accepts exactly 1 to 64 visible ASCII characters
//! without `/`, keeps them verbatim, changes nothing else, and the project
//! id reaches `X-Project-Id`.
#![no_main]

use std::time::{Duration, UNIX_EPOCH};

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use sparkrtc::sign::sign;
use sparkrtc::{dynamic, Credentials, Endpoint, Error};

#[derive(Arbitrary, Debug)]
enum HostIn<'a> {
    Name(&'a str),
    Ipv4([u8; 4]),
    Ipv6([u16; 8]),
    Default,
}

#[derive(Arbitrary, Debug)]
enum PortIn<'a> {
    Number(u32),
    Raw(&'a str),
}

#[derive(Arbitrary, Debug)]
enum UrlIn<'a> {
    Raw(&'a str),
    Parts {
        scheme: u8,
        userinfo: Option<&'a str>,
        host: HostIn<'a>,
        port: Option<PortIn<'a>>,
        path: Option<&'a str>,
        query: Option<&'a str>,
        fragment: Option<&'a str>,
    },
}

#[derive(Arbitrary, Debug)]
struct Input<'a> {
    url: UrlIn<'a>,
    project_id: &'a str,
}

const SCHEMES: &[&str] = &[
    "https", "http", "HTTPS", "Http", "ftp", "", "h", "https:", "ws",
];

fn url(input: &UrlIn<'_>) -> String {
    match input {
        UrlIn::Raw(s) => (*s).to_owned(),
        UrlIn::Parts {
            scheme,
            userinfo,
            host,
            port,
            path,
            query,
            fragment,
        } => {
            let mut u = String::new();
            u.push_str(SCHEMES[usize::from(*scheme) % SCHEMES.len()]);
            u.push_str("://");
            if let Some(info) = userinfo {
                u.push_str(info);
                u.push('@');
            }
            match host {
                HostIn::Name(n) => u.push_str(n),
                HostIn::Ipv4([a, b, c, d]) => u.push_str(&format!("{a}.{b}.{c}.{d}")),
                HostIn::Ipv6(s) => {
                    let groups: Vec<String> = s.iter().map(|g| format!("{g:x}")).collect();
                    u.push_str(&format!("[{}]", groups.join(":")));
                }
                HostIn::Default => u.push_str("rtc-api.myhuaweicloud.com"),
            }
            match port {
                None => {}
                Some(PortIn::Number(n)) => u.push_str(&format!(":{n}")),
                Some(PortIn::Raw(p)) => {
                    u.push(':');
                    u.push_str(p);
                }
            }
            if let Some(p) = path {
                u.push_str(p);
            }
            if let Some(q) = query {
                u.push('?');
                u.push_str(q);
            }
            if let Some(f) = fragment {
                u.push('#');
                u.push_str(f);
            }
            u
        }
    }
}

fn valid_project_id(id: &str) -> bool {
    (1..=64).contains(&id.len()) && !id.contains('/') && id.bytes().all(|b| b.is_ascii_graphic())
}

fuzz_target!(|input: Input<'_>| {
    let url = url(&input.url);
    let endpoint = match Endpoint::new(&url) {
        Ok(e) => e,
        Err(e) => {
            assert!(matches!(e, Error::InvalidEndpoint(_)), "{e:?}");
            let _ = e.to_string();
            return;
        }
    };

    // Scheme.
    let scheme = endpoint.scheme();
    assert!(
        scheme == "http" || scheme == "https",
        "scheme `{scheme}` from `{url}`"
    );

    // Nothing but scheme and authority (and a bare `/`).
    let authority = endpoint.authority();
    let (given_scheme, rest) = url.split_once("://").expect("accepted a URL without `://`");
    assert!(given_scheme.eq_ignore_ascii_case(scheme), "`{url}`");
    assert!(
        rest == authority || rest.strip_suffix('/') == Some(authority),
        "`{url}` has more than scheme and authority `{authority}`"
    );
    assert!(!authority.contains('@'), "user info in `{url}`");
    assert!(!url.contains('#') && !url.contains('?'), "`{url}`");

    // Host and port.
    let parsed: http::uri::Authority = authority.parse().expect("the authority parses");
    let host = parsed.host();
    assert!(!host.is_empty(), "no host in `{url}`");
    let after_host = &authority[host.len()..];
    if let Some(port) = after_host.strip_prefix(':') {
        assert!(
            !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()),
            "port `{port}` in `{url}`"
        );
        let n: u32 = port.parse().unwrap_or(u32::MAX);
        assert!((1..=65535).contains(&n), "port `{port}` in `{url}`");
        assert_eq!(parsed.port_u16().map(u32::from), Some(n));
    } else {
        assert_eq!(after_host, "", "`{url}`: `{after_host}` after the host");
    }

    // base_url round trip.
    let base = endpoint.base_url();
    assert_eq!(base, format!("{scheme}://{authority}"));
    let again = Endpoint::new(&base).unwrap_or_else(|e| panic!("`{base}` from `{url}`: {e}"));
    assert_eq!(again, endpoint);
    assert_eq!(endpoint.project_id(), None);

    // The endpoint forms requests, and signs them.
    let mut request = dynamic::build("ListApps", &serde_json::json!({}), &endpoint)
        .unwrap_or_else(|e| panic!("`{url}` cannot form a request: {e}"));
    assert_eq!(request.uri().scheme_str(), Some(scheme));
    assert_eq!(
        request.uri().authority().map(|a| a.as_str()),
        Some(authority)
    );
    let creds = Credentials::ak_sk("AK", "SK").unwrap();
    sign(
        &mut request,
        &creds,
        UNIX_EPOCH + Duration::from_secs(1_704_164_645),
    )
    .unwrap_or_else(|e| panic!("`{url}`: a request cannot be signed: {e}"));
    assert_eq!(request.headers()["host"], authority);

    // Project id.
    let pid = input.project_id;
    match endpoint.clone().with_project_id(pid) {
        Ok(with) => {
            assert!(valid_project_id(pid), "accepted project id {pid:?}");
            assert_eq!(with.project_id(), Some(pid));
            assert_eq!(with.base_url(), base);
            assert_eq!(with.scheme(), scheme);
            assert_eq!(with.authority(), authority);
            assert_eq!(
                Endpoint::new(&base).unwrap().with_project_id(pid).unwrap(),
                with
            );
            let request = dynamic::build("ListApps", &serde_json::json!({}), &with)
                .unwrap_or_else(|e| panic!("project id {pid:?}: {e}"));
            assert_eq!(request.headers()["x-project-id"], pid);
        }
        Err(e) => {
            assert!(!valid_project_id(pid), "refused project id {pid:?}: {e}");
            assert!(
                matches!(&e, Error::InvalidParameter { field, .. } if field == "project_id"),
                "{e:?}"
            );
        }
    }
});
