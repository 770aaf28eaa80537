//! Credentials and the endpoint: from flags, the environment and named
//! profiles in the config file, in that order of precedence; and
//! `sparkrtc configure`, which writes a profile.
//!
//! ```toml
//! [profiles.default]
//! endpoint = "https://rtc-api.myhuaweicloud.com"
//! ak = "..."
//! sk = "..."
//! project_id = "..."
//! ```

use std::fs;
use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};

use sparkrtc::{Credentials, Endpoint, Secret};
use toml_edit::{value, DocumentMut, Item, Table};

use crate::args::{ConfigureArgs, ConnectionArgs, Global};
use crate::failure::Failure;

/// The keys a profile may hold.
const KEYS: &[&str] = &["endpoint", "ak", "sk", "security_token", "project_id"];

/// The profile used when none is named.
const DEFAULT_PROFILE: &str = "default";

/// Environment variables.
const ENV_ENDPOINT: &str = "SPARKRTC_ENDPOINT";

/// Where the config file is: `--config` (or `SPARKRTC_CONFIG`), else
/// `$XDG_CONFIG_HOME/sparkrtc/config.toml`, else `~/.config/sparkrtc/config.toml`.
pub(crate) fn config_path(global: &Global) -> Option<PathBuf> {
    if let Some(path) = &global.config {
        return Some(path.clone());
    }
    let base = match std::env::var_os("XDG_CONFIG_HOME").filter(|v| !v.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(std::env::var_os("HOME").filter(|v| !v.is_empty())?).join(".config"),
    };
    Some(base.join("sparkrtc").join("config.toml"))
}

/// One profile's settings, as written in the file.
#[derive(Debug, Default)]
pub(crate) struct Profile {
    endpoint: Option<String>,
    ak: Option<String>,
    sk: Option<Secret>,
    security_token: Option<Secret>,
    project_id: Option<String>,
}

/// Refuses a file others may read or write: it holds secret keys.
#[cfg(unix)]
fn check_private(path: &Path) -> Result<(), Failure> {
    use std::os::unix::fs::PermissionsExt;
    let mode = fs::metadata(path)
        .map_err(|e| Failure::usage(format!("cannot read {}: {e}", path.display())))?
        .permissions()
        .mode();
    if mode & 0o077 != 0 {
        return Err(Failure::usage(format!(
            "refusing to use {}: other users can access it (mode {:o}) and it may hold secret keys; \
             run `chmod 600 {}`",
            path.display(),
            mode & 0o777,
            path.display()
        )));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_: &Path) -> Result<(), Failure> {
    Ok(())
}

/// The config file, parsed, or `None` when it does not exist.
fn read_document(path: &Path) -> Result<Option<DocumentMut>, Failure> {
    if !path.exists() {
        return Ok(None);
    }
    check_private(path)?;
    let text = fs::read_to_string(path)
        .map_err(|e| Failure::usage(format!("cannot read {}: {e}", path.display())))?;
    let doc = text.parse::<DocumentMut>().map_err(|e| {
        Failure::usage(format!(
            "{} is not valid TOML: {}",
            path.display(),
            e.to_string().trim()
        ))
    })?;
    Ok(Some(doc))
}

/// The profile `name` of the document; `None` when it has none.
fn profile_of(doc: &DocumentMut, name: &str, path: &Path) -> Result<Option<Profile>, Failure> {
    let Some(table) = doc
        .get("profiles")
        .and_then(Item::as_table_like)
        .and_then(|profiles| profiles.get(name))
    else {
        return Ok(None);
    };
    let table = table.as_table_like().ok_or_else(|| {
        Failure::usage(format!(
            "{}: profiles.{name} is not a table",
            path.display()
        ))
    })?;
    let mut profile = Profile::default();
    for (key, item) in table.iter() {
        let text = item.as_str().ok_or_else(|| {
            Failure::usage(format!(
                "{}: profiles.{name}.{key} must be a string",
                path.display()
            ))
        })?;
        let text = Some(text.to_owned()).filter(|t| !t.is_empty());
        match key {
            "endpoint" => profile.endpoint = text,
            "ak" => profile.ak = text,
            "sk" => profile.sk = text.map(Secret::new),
            "security_token" => profile.security_token = text.map(Secret::new),
            "project_id" => profile.project_id = text,
            other => {
                return Err(Failure::usage(format!(
                    "{}: unknown key `{other}` in profiles.{name} (known: {})",
                    path.display(),
                    KEYS.join(", ")
                )))
            }
        }
    }
    Ok(Some(profile))
}

/// The profile the command uses: the one named by `--profile` (or
/// `SPARKRTC_PROFILE`), which must exist, else `default` if the file has it.
fn load_profile(global: &Global) -> Result<Profile, Failure> {
    let named = global.profile.as_deref();
    let Some(path) = config_path(global) else {
        return match named {
            Some(name) => Err(Failure::usage(format!(
                "no profile `{name}`: no config file (set HOME, XDG_CONFIG_HOME or --config)"
            ))),
            None => Ok(Profile::default()),
        };
    };
    let doc = read_document(&path)?;
    if doc.is_none() && global.config.is_some() {
        return Err(Failure::usage(format!(
            "no config file at {} (--config or SPARKRTC_CONFIG)",
            path.display()
        )));
    }
    let name = named.unwrap_or(DEFAULT_PROFILE);
    let found = match &doc {
        Some(doc) => profile_of(doc, name, &path)?,
        None => None,
    };
    match (found, named) {
        (Some(profile), _) => Ok(profile),
        (None, None) => Ok(Profile::default()),
        (None, Some(name)) => Err(Failure::usage(format!(
            "no profile `{name}` in {} (`sparkrtc configure --profile {name}` writes one)",
            path.display()
        ))),
    }
}

/// Reads a secret from a file, or standard input for `-`; one trailing
/// line break is dropped.
pub(crate) fn read_secret_file(path: &Path, what: &str) -> Result<Secret, Failure> {
    let mut text = String::new();
    if path == Path::new("-") {
        std::io::stdin().read_to_string(&mut text).map_err(|e| {
            Failure::usage(format!("cannot read the {what} from standard input: {e}"))
        })?;
    } else {
        text = fs::read_to_string(path).map_err(|e| {
            Failure::usage(format!(
                "cannot read the {what} from {}: {e}",
                path.display()
            ))
        })?;
    }
    let trimmed = text.strip_suffix('\n').unwrap_or(&text);
    let trimmed = trimmed.strip_suffix('\r').unwrap_or(trimmed);
    if trimmed.is_empty() {
        return Err(Failure::usage(format!(
            "the {what} in {} is empty",
            shown_path(path)
        )));
    }
    Ok(Secret::new(trimmed))
}

/// Reads a secret from the environment variable `name`.
pub(crate) fn read_secret_env(name: &str, what: &str) -> Result<Secret, Failure> {
    match std::env::var(name) {
        Ok(v) if !v.is_empty() => Ok(Secret::new(v)),
        Ok(_) | Err(std::env::VarError::NotPresent) => Err(Failure::usage(format!(
            "the {what} variable {name} is not set"
        ))),
        Err(std::env::VarError::NotUnicode(_)) => Err(Failure::usage(format!(
            "the {what} variable {name} is not valid UTF-8"
        ))),
    }
}

fn shown_path(path: &Path) -> String {
    if path == Path::new("-") {
        "standard input".to_owned()
    } else {
        path.display().to_string()
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Where the calls go and who makes them.
#[derive(Debug)]
pub(crate) struct Settings {
    pub(crate) endpoint: Endpoint,
    /// `None` when nothing gives an AK and an SK.
    pub(crate) credentials: Option<Credentials>,
    /// The project id, also kept in the credentials.
    pub(crate) project_id: Option<String>,
}

/// Resolves the settings: each from its flag, else the environment, else the profile.
pub(crate) fn settings(global: &Global, flags: &ConnectionArgs) -> Result<Settings, Failure> {
    let profile = load_profile(global)?;
    let endpoint_url = flags
        .endpoint
        .clone()
        .or_else(|| env(ENV_ENDPOINT))
        .or(profile.endpoint);
    let endpoint = match endpoint_url {
        Some(url) => Endpoint::new(&url)?,
        None => Endpoint::default(),
    };
    let ak = flags
        .ak
        .clone()
        .or_else(|| env(Credentials::ENV_AK))
        .or(profile.ak);
    let sk = match &flags.sk_file {
        Some(path) => Some(read_secret_file(path, "secret key")?),
        None => env(Credentials::ENV_SK).map(Secret::new).or(profile.sk),
    };
    let token = match &flags.security_token_file {
        Some(path) => Some(read_secret_file(path, "security token")?),
        None => env(Credentials::ENV_SECURITY_TOKEN)
            .map(Secret::new)
            .or(profile.security_token),
    };
    let project_id = flags
        .project_id
        .clone()
        .or_else(|| env(Credentials::ENV_PROJECT_ID))
        .or(profile.project_id);
    let credentials = match (ak, sk) {
        (Some(ak), Some(sk)) => {
            let mut credentials = Credentials::ak_sk(ak, sk)?;
            if let Some(token) = token {
                credentials = credentials.with_security_token(token)?;
            }
            if let Some(project_id) = &project_id {
                credentials = credentials.with_project_id(project_id.as_str())?;
            }
            Some(credentials)
        }
        (None, None) => None,
        (Some(_), None) => {
            return Err(Failure::usage(
                "an access key is set but no secret key (--sk-file, HUAWEICLOUD_SDK_SK or the profile's sk)",
            ))
        }
        (None, Some(_)) => {
            return Err(Failure::usage(
                "a secret key is set but no access key (--ak, HUAWEICLOUD_SDK_AK or the profile's ak)",
            ))
        }
    };
    Ok(Settings {
        endpoint,
        credentials,
        project_id,
    })
}

/// `sparkrtc configure`: sets the given keys of a profile (the SK from a
/// file, standard input or a prompt that does not echo), keeps the others,
/// and writes the file readable by its owner only.
pub(crate) fn configure(global: &Global, args: &ConfigureArgs) -> Result<(), Failure> {
    let path = config_path(global).ok_or_else(|| {
        Failure::usage("no config file location: set HOME, XDG_CONFIG_HOME or --config")
    })?;
    let name = global.profile.as_deref().unwrap_or(DEFAULT_PROFILE);
    if name.is_empty() {
        return Err(Failure::usage("the profile name is empty"));
    }
    if let Some(url) = &args.endpoint {
        Endpoint::new(url)?;
    }
    if let Some(ak) = &args.ak {
        Credentials::ak_sk(ak.as_str(), "checked")?;
    }
    if let Some(id) = &args.project_id {
        Endpoint::default().with_project_id(id.as_str())?;
    }
    let mut doc = read_document(&path)?.unwrap_or_default();
    // Check what is there before changing it.
    profile_of(&doc, name, &path)?;
    let sk = match &args.sk_file {
        Some(file) => Some(read_secret_file(file, "secret key")?),
        None if std::io::stdin().is_terminal() => {
            let answer = rpassword::prompt_password(format!(
                "SK for profile `{name}` (not shown; empty keeps the current one): "
            ))
            .map_err(|e| Failure::usage(format!("cannot read the secret key: {e}")))?;
            Some(answer).filter(|a| !a.is_empty()).map(Secret::new)
        }
        None => None,
    };
    let token = match &args.security_token_file {
        Some(file) => Some(read_secret_file(file, "security token")?),
        None => None,
    };

    let profiles = doc
        .entry("profiles")
        .or_insert_with(|| {
            let mut t = Table::new();
            t.set_implicit(true);
            Item::Table(t)
        })
        .as_table_mut()
        .ok_or_else(|| Failure::usage(format!("{}: `profiles` is not a table", path.display())))?;
    let profile = profiles
        .entry(name)
        .or_insert_with(|| Item::Table(Table::new()))
        .as_table_mut()
        .ok_or_else(|| {
            Failure::usage(format!(
                "{}: profiles.{name} is not a table",
                path.display()
            ))
        })?;
    let mut changed = Vec::new();
    for (key, new) in [
        ("endpoint", args.endpoint.as_deref()),
        ("ak", args.ak.as_deref()),
        ("project_id", args.project_id.as_deref()),
        ("sk", sk.as_ref().map(Secret::expose_secret)),
        ("security_token", token.as_ref().map(Secret::expose_secret)),
    ] {
        if let Some(new) = new {
            profile.insert(key, value(new));
            changed.push(key);
        }
    }
    write_private(&path, doc.to_string().as_bytes())?;
    let set = if changed.is_empty() {
        "nothing changed".to_owned()
    } else {
        format!("set {}", changed.join(", "))
    };
    eprintln!("sparkrtc: profile `{name}` in {}: {set}", path.display());
    Ok(())
}

/// Writes `bytes` to `path` through a file created readable by its owner
/// only, then renamed over it; the directory is created (owner only) when
/// missing.
fn write_private(path: &Path, bytes: &[u8]) -> Result<(), Failure> {
    let fail = |e: std::io::Error| Failure::other(format!("cannot write {}: {e}", path.display()));
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !dir.exists() {
        let mut builder = fs::DirBuilder::new();
        builder.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(dir).map_err(fail)?;
    }
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{file_name}.{}.tmp", std::process::id()));
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let written = options.open(&temp).and_then(|mut file| {
        file.write_all(bytes)?;
        file.sync_all()
    });
    if let Err(e) = written.and_then(|()| fs::rename(&temp, path)) {
        let _ = fs::remove_file(&temp);
        return Err(fail(e));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> DocumentMut {
        text.parse().unwrap()
    }

    #[test]
    fn profiles_are_read_strictly() {
        let path = Path::new("config.toml");
        let d = doc("[profiles.a]\nak = \"AK\"\nsk = \"SK\"\nendpoint = \"\"\n[profiles.b]\nak = 1\n[profiles.c]\nsk_id = \"x\"\n");
        let a = profile_of(&d, "a", path).unwrap().unwrap();
        assert_eq!(a.ak.as_deref(), Some("AK"));
        assert_eq!(a.sk.as_ref().map(Secret::expose_secret), Some("SK"));
        assert_eq!(a.endpoint, None, "empty is unset");
        assert!(profile_of(&d, "none", path).unwrap().is_none());
        assert_eq!(
            profile_of(&d, "b", path).unwrap_err().message,
            "config.toml: profiles.b.ak must be a string"
        );
        assert_eq!(
            profile_of(&d, "c", path).unwrap_err().message,
            "config.toml: unknown key `sk_id` in profiles.c (known: endpoint, ak, sk, security_token, project_id)"
        );
        let d = doc("profiles = 3\n");
        assert!(profile_of(&d, "a", path).unwrap().is_none());
        let d = doc("[profiles]\na = 3\n");
        assert_eq!(
            profile_of(&d, "a", path).unwrap_err().message,
            "config.toml: profiles.a is not a table"
        );
    }
}
