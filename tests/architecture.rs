//! The layout's promise, checked: nothing under `src/sansio/` opts out of
//! the no-I/O rule that `clippy.toml` enforces, and the rule names the
//! calls it must.
#![allow(clippy::disallowed_methods)] // reads the source tree

use std::path::Path;

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn the_core_never_allows_itself_io() {
    let mut files = Vec::new();
    rust_files(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src/sansio"),
        &mut files,
    );
    assert!(files.len() > 20, "{files:?}");
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for banned in ["clippy::disallowed_methods", "clippy::disallowed_types"] {
            assert!(
                !text.contains(banned),
                "{} mentions {banned}: the core may not opt out of the no-I/O rule",
                file.display()
            );
        }
    }
}

#[test]
fn the_rule_covers_clocks_sleep_environment_files_and_sockets() {
    let config =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("clippy.toml")).unwrap();
    for path in [
        "std::time::SystemTime::now",
        "std::time::Instant::now",
        "std::thread::sleep",
        "std::env::var",
        "std::fs::read",
        "std::net::TcpStream",
        "std::net::UdpSocket",
        "std::collections::HashMap::new",
    ] {
        assert!(
            config.contains(&format!("path = \"{path}\"")),
            "clippy.toml does not forbid {path}"
        );
    }
}
