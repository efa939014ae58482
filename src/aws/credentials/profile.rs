//! The AWS shared credentials file (`~/.aws/credentials`), an INI file:
//!
//! ```ini
//! [default]
//! aws_access_key_id = AKIA...
//! aws_secret_access_key = ...
//! aws_session_token = ...      ; optional
//! ```
//!
//! Errors give the file and line but never the line's text (it may hold a key).

use super::Credentials;
use aws_sign::secret::Secret;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Settings that point at credential sources this program does not implement.
const UNSUPPORTED_KEYS: &[&str] = &[
    "role_arn",
    "source_profile",
    "credential_process",
    "sso_start_url",
    "sso_session",
    "web_identity_token_file",
];

/// Why the shared credentials file cannot give credentials.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// The file exists but cannot be read.
    #[error("cannot read the shared credentials file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// What reading it said.
        source: std::io::Error,
    },
    /// A line is neither a section, a `key = value` nor a comment.
    #[error("the shared credentials file {path} is malformed at line {line}: {problem}")]
    Malformed {
        /// The file.
        path: PathBuf,
        /// The line, from 1.
        line: usize,
        /// What is wrong with it.
        problem: &'static str,
    },
    #[error(
        "profile [{profile}] is not in the shared credentials file {path} (AWS_PROFILE names it)"
    )]
    /// `AWS_PROFILE` names a profile the file does not have.
    NotFound {
        /// The file.
        path: PathBuf,
        /// The profile asked for.
        profile: String,
    },
    /// The profile lacks a key.
    #[error("profile [{profile}] in {path} has no {missing}")]
    Incomplete {
        /// The file.
        path: PathBuf,
        /// The profile.
        profile: String,
        /// The missing key.
        missing: &'static str,
    },
    #[error(
        "profile [{profile}] in {path} uses {key}, which this program does not support: give it aws_access_key_id and aws_secret_access_key, or use the instance role"
    )]
    /// The profile gets its credentials in a way this program does not implement.
    Unsupported {
        /// The file.
        path: PathBuf,
        /// The profile.
        profile: String,
        /// The unsupported key (`role_arn`, `credential_process`...).
        key: &'static str,
    },
}

/// Sections of an INI file: name → (key → value, line of the section header).
struct Sections(BTreeMap<String, (BTreeMap<String, Secret>, usize)>);

fn parse_ini(text: &str, path: &Path) -> Result<Sections, ProfileError> {
    let malformed = |line: usize, problem: &'static str| ProfileError::Malformed {
        path: path.to_owned(),
        line,
        problem,
    };
    let mut sections: BTreeMap<String, (BTreeMap<String, Secret>, usize)> = BTreeMap::new();
    let mut current: Option<String> = None;
    for (i, raw_line) in text.lines().enumerate() {
        let n = i + 1;
        let line = raw_line.trim_end();
        let trimmed = line.trim_start();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        if line.starts_with([' ', '\t']) {
            // A continuation (nested settings such as `s3 =` blocks).
            if current.is_none() {
                return Err(malformed(n, "indented line before any [section]"));
            }
            continue;
        }
        if let Some(rest) = trimmed.strip_prefix('[') {
            let Some(name) = rest.strip_suffix(']') else {
                return Err(malformed(n, "a section header must end with ']'"));
            };
            let name = name.trim();
            if name.is_empty() {
                return Err(malformed(n, "empty section name"));
            }
            sections
                .entry(name.to_owned())
                .or_insert_with(|| (BTreeMap::new(), n));
            current = Some(name.to_owned());
            continue;
        }
        let Some((key, value)) = trimmed.split_once('=') else {
            return Err(malformed(n, "expected `[profile]` or `key = value`"));
        };
        let key = key.trim();
        if key.is_empty() {
            return Err(malformed(n, "a setting has no name before '='"));
        }
        let Some(section) = &current else {
            return Err(malformed(n, "a setting appears before any [section]"));
        };
        if let Some((values, _)) = sections.get_mut(section) {
            values.insert(key.to_ascii_lowercase(), Secret::new(value.trim()));
        }
    }
    Ok(Sections(sections))
}

/// Reads `profile` from the file at `path`.
///
/// `Ok(None)` when the file does not exist, or when the profile is absent and
/// was not asked for explicitly (`explicit = false`): the chain moves on.
pub fn load(
    path: &Path,
    profile: &str,
    explicit: bool,
) -> Result<Option<Credentials>, ProfileError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(ProfileError::Read {
                path: path.to_owned(),
                source,
            });
        }
    };
    let sections = parse_ini(&text, path)?;
    let Some((values, _line)) = sections.0.get(profile) else {
        return if explicit {
            Err(ProfileError::NotFound {
                path: path.to_owned(),
                profile: profile.to_owned(),
            })
        } else {
            Ok(None)
        };
    };
    let get = |k: &str| values.get(k).filter(|v| !v.is_empty());
    let incomplete = |missing| ProfileError::Incomplete {
        path: path.to_owned(),
        profile: profile.to_owned(),
        missing,
    };
    match (get("aws_access_key_id"), get("aws_secret_access_key")) {
        (Some(id), Some(secret)) => {
            let token = get("aws_session_token").or_else(|| get("aws_security_token"));
            Ok(Some(Credentials {
                access_key_id: id.expose().to_owned(),
                secret_access_key: secret.clone(),
                session_token: token.cloned(),
                expiration: None,
            }))
        }
        (Some(_), None) => Err(incomplete("aws_secret_access_key")),
        (None, Some(_)) => Err(incomplete("aws_access_key_id")),
        (None, None) => {
            if let Some(key) = UNSUPPORTED_KEYS.iter().find(|k| values.contains_key(**k)) {
                Err(ProfileError::Unsupported {
                    path: path.to_owned(),
                    profile: profile.to_owned(),
                    key,
                })
            } else {
                Err(incomplete("aws_access_key_id or aws_secret_access_key"))
            }
        }
    }
}

/// Where a role profile of the shared config file gets the credentials that
/// sign its AssumeRole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RoleSource {
    /// `source_profile = NAME`: that profile's keys (credentials file).
    Profile(String),
    /// `credential_source = Ec2InstanceMetadata`: the instance role.
    InstanceRole,
}

/// A profile of the shared config file (`~/.aws/config`) that assumes a role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileRole {
    /// `role_arn`.
    pub role_arn: String,
    /// `source_profile` or `credential_source`.
    pub source: RoleSource,
    /// `external_id`.
    pub external_id: Option<String>,
    /// `role_session_name`.
    pub session_name: Option<String>,
}

/// Reads `profile` of the shared config file at `path` (`[default]` or
/// `[profile NAME]`): `Ok(Some)` when it has a `role_arn`, `Ok(None)` when
/// the file, the profile or the `role_arn` is absent.
pub fn load_role(path: &Path, profile: &str) -> Result<Option<ProfileRole>, ProfileError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(ProfileError::Read {
                path: path.to_owned(),
                source,
            });
        }
    };
    let sections = parse_ini(&text, path)?;
    let section = if profile == "default" {
        sections
            .0
            .get("default")
            .or_else(|| sections.0.get("profile default"))
    } else {
        sections.0.get(&format!("profile {profile}"))
    };
    let Some((values, _)) = section else {
        return Ok(None);
    };
    let get = |k: &str| {
        values
            .get(k)
            .map(|v| v.expose().to_owned())
            .filter(|v| !v.is_empty())
    };
    let Some(role_arn) = get("role_arn") else {
        return Ok(None);
    };
    let unsupported = |key| ProfileError::Unsupported {
        path: path.to_owned(),
        profile: profile.to_owned(),
        key,
    };
    let source = match (get("source_profile"), get("credential_source")) {
        (Some(p), None) => RoleSource::Profile(p),
        (None, Some(s)) if s == "Ec2InstanceMetadata" => RoleSource::InstanceRole,
        (None, Some(_)) => {
            return Err(unsupported(
                "credential_source (other than Ec2InstanceMetadata)",
            ));
        }
        (Some(_), Some(_)) => return Err(unsupported("both source_profile and credential_source")),
        (None, None) => {
            if values.contains_key("web_identity_token_file") {
                return Err(unsupported("web_identity_token_file"));
            }
            return Err(ProfileError::Incomplete {
                path: path.to_owned(),
                profile: profile.to_owned(),
                missing: "source_profile or credential_source = Ec2InstanceMetadata (with role_arn)",
            });
        }
    };
    Ok(Some(ProfileRole {
        role_arn,
        source,
        external_id: get("external_id"),
        session_name: get("role_session_name"),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("credentials");
        std::fs::write(&path, text).unwrap();
        (dir, path)
    }

    #[test]
    fn reads_the_named_profile() {
        let (_d, path) = write(
            "# comment\n[default]\naws_access_key_id = AKIADEFAULT\naws_secret_access_key = s3cr3t/default\n\n[ops]\naws_access_key_id=ASIAOPS\naws_secret_access_key=s3cr3t+ops\naws_session_token = tok==\ns3 =\n  max_concurrent_requests = 20\n",
        );
        let c = load(&path, "default", false).unwrap().unwrap();
        assert_eq!(c.access_key_id, "AKIADEFAULT");
        assert_eq!(c.secret_access_key.expose(), "s3cr3t/default");
        assert!(c.session_token.is_none());
        let c = load(&path, "ops", true).unwrap().unwrap();
        assert_eq!(c.session_token.unwrap().expose(), "tok==");
    }

    #[test]
    fn missing_file_or_implicit_profile_moves_on() {
        assert!(
            load(Path::new("/nonexistent/credentials"), "default", false)
                .unwrap()
                .is_none()
        );
        let (_d, path) = write("[other]\naws_access_key_id = A\naws_secret_access_key = B\n");
        assert!(load(&path, "default", false).unwrap().is_none());
        let e = load(&path, "prod", true).unwrap_err().to_string();
        assert!(e.contains("profile [prod] is not in"), "{e}");
    }

    #[test]
    fn malformed_files_name_the_line_but_never_its_text() {
        let (_d, path) =
            write("[default]\naws_access_key_id = AKIA1\nthis line is wrong SECRETSECRET\n");
        let e = load(&path, "default", false).unwrap_err().to_string();
        assert!(e.contains("malformed at line 3"), "{e}");
        assert!(!e.contains("SECRETSECRET"), "{e}");
        let (_d, path) = write("aws_access_key_id = A\n");
        assert!(
            load(&path, "default", false)
                .unwrap_err()
                .to_string()
                .contains("before any [section]")
        );
        let (_d, path) = write("[default\n");
        assert!(
            load(&path, "default", false)
                .unwrap_err()
                .to_string()
                .contains("must end with ']'")
        );
    }

    #[test]
    fn role_profiles_of_the_config_file() {
        let (_d, path) = write(
            "[default]\nregion = eu-west-1\n[profile dns]\nrole_arn = arn:aws:iam::111122223333:role/w\nsource_profile = base\nexternal_id = e-1\nrole_session_name = s1\n[profile ec2]\nrole_arn = arn:aws:iam::111122223333:role/w\ncredential_source = Ec2InstanceMetadata\n[profile bad]\nrole_arn = arn:aws:iam::111122223333:role/w\n",
        );
        assert_eq!(load_role(&path, "default").unwrap(), None);
        assert_eq!(load_role(&path, "missing").unwrap(), None);
        let dns = load_role(&path, "dns").unwrap().unwrap();
        assert_eq!(dns.source, RoleSource::Profile("base".into()));
        assert_eq!(dns.external_id.as_deref(), Some("e-1"));
        assert_eq!(dns.session_name.as_deref(), Some("s1"));
        assert_eq!(
            load_role(&path, "ec2").unwrap().unwrap().source,
            RoleSource::InstanceRole
        );
        let e = load_role(&path, "bad").unwrap_err().to_string();
        assert!(
            e.contains("has no source_profile or credential_source"),
            "{e}"
        );
    }

    #[test]
    fn incomplete_and_unsupported_profiles() {
        let (_d, path) = write("[default]\naws_access_key_id = AKIA1\n");
        let e = load(&path, "default", false).unwrap_err().to_string();
        assert!(e.contains("has no aws_secret_access_key"), "{e}");
        let (_d, path) =
            write("[default]\nrole_arn = arn:aws:iam::1:role/x\nsource_profile = base\n");
        let e = load(&path, "default", false).unwrap_err().to_string();
        assert!(e.contains("uses role_arn"), "{e}");
    }
}
