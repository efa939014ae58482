//! What one boot leaves for the next: today only which signing scheme Route 53
//! accepts, so `signing = "auto"` pays for the AWS3-HTTPS attempt once.
//!
//! The directory is `--state-dir`, else `$STATE_DIRECTORY` (set by systemd's
//! `StateDirectory=`; the first entry when it lists several), else
//! `/var/lib/ec2-dns-updater`. An unwritable state directory is a warning,
//! never a failure: the update matters more than the memo.

use crate::sign::Scheme;
use std::io::Write;
use std::path::{Path, PathBuf};

pub const DEFAULT_STATE_DIR: &str = "/var/lib/ec2-dns-updater";
const SIGNING_FILE: &str = "signing-scheme";

#[derive(Debug, Clone)]
pub struct StateDir {
    path: PathBuf,
}

impl StateDir {
    /// Picks the directory from the flag, the environment or the default.
    pub fn locate(flag: Option<&Path>, state_directory_env: Option<&str>) -> Self {
        let path = match (flag, state_directory_env) {
            (Some(p), _) => p.to_owned(),
            (None, Some(env)) if !env.is_empty() => {
                PathBuf::from(env.split(':').next().unwrap_or(env))
            }
            _ => PathBuf::from(DEFAULT_STATE_DIR),
        };
        StateDir { path }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The scheme a previous run settled on, if any.
    pub fn signing_scheme(&self) -> Option<Scheme> {
        let text = std::fs::read_to_string(self.path.join(SIGNING_FILE)).ok()?;
        match text.trim() {
            "sigv4" => Some(Scheme::SigV4),
            "aws3-https" => Some(Scheme::Aws3Https),
            _ => None,
        }
    }

    /// Remembers `scheme` (written to a temporary file, then renamed).
    pub fn save_signing_scheme(&self, scheme: Scheme) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.path)?;
        let tmp = self.path.join(format!(".{SIGNING_FILE}.tmp"));
        let mut file = std::fs::File::create(&tmp)?;
        writeln!(file, "{}", scheme.name())?;
        file.sync_all()?;
        std::fs::rename(&tmp, self.path.join(SIGNING_FILE))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_like_systemd_expects() {
        assert_eq!(
            StateDir::locate(Some(Path::new("/x")), Some("/y")).path(),
            Path::new("/x")
        );
        assert_eq!(
            StateDir::locate(None, Some("/a:/b")).path(),
            Path::new("/a")
        );
        assert_eq!(
            StateDir::locate(None, None).path(),
            Path::new(DEFAULT_STATE_DIR)
        );
    }

    #[test]
    fn remembers_the_scheme() {
        let dir = tempfile::tempdir().unwrap();
        let state = StateDir::locate(Some(&dir.path().join("sub")), None);
        assert_eq!(state.signing_scheme(), None);
        state.save_signing_scheme(Scheme::SigV4).unwrap();
        assert_eq!(state.signing_scheme(), Some(Scheme::SigV4));
    }
}
