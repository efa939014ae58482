//! What one boot leaves for the next: which signing scheme Route 53 accepts,
//! so `signing = "auto"` pays for the AWS3-HTTPS attempt once; and the ids of
//! changes submitted but not yet seen INSYNC, so a rerun waits for them
//! before it says a name is live.
//!
//! The directory is `--state-dir`, else `$STATE_DIRECTORY` (set by systemd's
//! `StateDirectory=`; the first entry when it lists several), else
//! `/var/lib/ec2-dns-updater`. An unwritable state directory is a warning,
//! never a failure: the update matters more than the memo.

use aws_sign::sign::Scheme;
use std::path::{Path, PathBuf};

pub(crate) const DEFAULT_STATE_DIR: &str = "/var/lib/ec2-dns-updater";
const SIGNING_FILE: &str = "signing-scheme";
const PENDING_FILE: &str = "pending-changes";
const WRITTEN_FILE: &str = "written-records";

/// A single-value record set this instance wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Written {
    pub(crate) rtype: String,
    pub(crate) ttl: u32,
    pub(crate) value: String,
}

#[derive(Debug, Clone)]
pub(crate) struct StateDir {
    path: PathBuf,
}

impl StateDir {
    /// Picks the directory from the flag, the environment or the default.
    pub(crate) fn locate(flag: Option<&Path>, state_directory_env: Option<&str>) -> Self {
        let path = match (flag, state_directory_env) {
            (Some(p), _) => p.to_owned(),
            (None, Some(env)) if !env.is_empty() => {
                PathBuf::from(env.split(':').next().unwrap_or(env))
            }
            _ => PathBuf::from(DEFAULT_STATE_DIR),
        };
        StateDir { path }
    }

    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// The scheme a previous run settled on, if any.
    pub(crate) fn signing_scheme(&self) -> Option<Scheme> {
        let text = std::fs::read_to_string(self.path.join(SIGNING_FILE)).ok()?;
        match text.trim() {
            "sigv4" => Some(Scheme::SigV4),
            "aws3-https" => Some(Scheme::Aws3Https),
            _ => None,
        }
    }

    /// Remembers `scheme` (written to a temporary file, then renamed).
    pub(crate) fn save_signing_scheme(&self, scheme: Scheme) -> std::io::Result<()> {
        self.write(SIGNING_FILE, &format!("{}\n", scheme.name()))
    }

    fn write(&self, file_name: &str, text: &str) -> std::io::Result<()> {
        std::fs::create_dir_all(&self.path)?;
        crate::run::atomic_file::write_atomic(&self.path.join(file_name), text.as_bytes())
    }

    /// Change ids submitted by earlier runs and not yet seen INSYNC.
    pub(crate) fn pending_changes(&self) -> Vec<String> {
        std::fs::read_to_string(self.path.join(PENDING_FILE))
            .unwrap_or_default()
            .lines()
            .map(str::trim)
            .filter(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric()))
            .map(str::to_owned)
            .collect()
    }

    /// Keeps `id` until it is INSYNC. A state directory that cannot be
    /// written is a warning: the wait in this run still happens.
    pub(crate) fn remember_pending_change(&self, id: &str) {
        let mut ids = self.pending_changes();
        if !ids.iter().any(|i| i == id) {
            ids.push(id.to_owned());
        }
        self.save_pending(&ids);
    }

    /// `id` is INSYNC (or unknown to Route 53).
    pub(crate) fn forget_pending_change(&self, id: &str) {
        let ids: Vec<String> = self
            .pending_changes()
            .into_iter()
            .filter(|i| i != id)
            .collect();
        self.save_pending(&ids);
    }

    /// Every remembered change is INSYNC.
    pub(crate) fn forget_pending_changes(&self) {
        self.save_pending(&[]);
    }

    /// What this instance last wrote at `name` in `zone`: type, TTL, value.
    pub(crate) fn last_written(&self, zone: &str, name: &str) -> Option<Written> {
        self.written()
            .into_iter()
            .find_map(|(z, n, w)| (z == zone && n == name).then_some(w))
    }

    /// Remembers what this instance wrote at `name` (replacing what it
    /// remembered there), or, with `None`, that it removed it.
    pub(crate) fn remember_written(&self, zone: &str, name: &str, written: Option<Written>) {
        let mut lines: Vec<(String, String, Written)> = self
            .written()
            .into_iter()
            .filter(|(z, n, _)| !(z == zone && n == name))
            .collect();
        if let Some(w) = written {
            lines.push((zone.into(), name.into(), w));
        }
        let text: String = lines
            .iter()
            .map(|(z, n, w)| format!("{z} {n} {} {} {}\n", w.rtype, w.ttl, w.value))
            .collect();
        if let Err(e) = self.write(WRITTEN_FILE, &text) {
            tracing::warn!(
                state_dir = %self.path.display(),
                error = %e,
                "cannot record what was written in the state directory; the next changed boot reads the zone first"
            );
        }
    }

    /// `zone name type ttl value` lines; anything else is ignored.
    fn written(&self) -> Vec<(String, String, Written)> {
        std::fs::read_to_string(self.path.join(WRITTEN_FILE))
            .unwrap_or_default()
            .lines()
            .filter_map(|line| {
                let f: Vec<&str> = line.split_whitespace().collect();
                let [zone, name, rtype, ttl, value] = f[..] else {
                    return None;
                };
                let written = Written {
                    rtype: rtype.to_owned(),
                    ttl: ttl.parse().ok()?,
                    value: value.to_owned(),
                };
                Some((zone.to_owned(), name.to_owned(), written))
            })
            .collect()
    }

    fn save_pending(&self, ids: &[String]) {
        let result = if ids.is_empty() {
            match std::fs::remove_file(self.path.join(PENDING_FILE)) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
                _ => Ok(()),
            }
        } else {
            self.write(PENDING_FILE, &(ids.join("\n") + "\n"))
        };
        if let Err(e) = result {
            tracing::warn!(
                state_dir = %self.path.display(),
                error = %e,
                "cannot record the pending change in the state directory; a rerun will not know to wait for it"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_what_was_written_per_name() {
        let dir = tempfile::tempdir().unwrap();
        let state = StateDir::locate(Some(dir.path()), None);
        let w = |rtype: &str, value: &str| Written {
            rtype: rtype.into(),
            ttl: 60,
            value: value.into(),
        };
        assert_eq!(state.last_written("Z1", "web.example.com."), None);
        state.remember_written("Z1", "web.example.com.", Some(w("CNAME", "a.example.net")));
        state.remember_written("Z2", "web.example.com.", Some(w("A", "192.0.2.1")));
        state.remember_written("Z1", "web.example.com.", Some(w("A", "192.0.2.2")));
        assert_eq!(
            state.last_written("Z1", "web.example.com."),
            Some(w("A", "192.0.2.2"))
        );
        state.remember_written("Z1", "web.example.com.", None);
        assert_eq!(state.last_written("Z1", "web.example.com."), None);
        assert_eq!(
            state.last_written("Z2", "web.example.com."),
            Some(w("A", "192.0.2.1"))
        );
    }

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

    #[test]
    fn remembers_pending_changes_until_insync() {
        let dir = tempfile::tempdir().unwrap();
        let state = StateDir::locate(Some(dir.path()), None);
        assert!(state.pending_changes().is_empty());
        state.remember_pending_change("C1");
        state.remember_pending_change("C2");
        state.remember_pending_change("C1");
        assert_eq!(state.pending_changes(), ["C1", "C2"]);
        state.forget_pending_change("C1");
        assert_eq!(state.pending_changes(), ["C2"]);
        state.forget_pending_changes();
        assert!(state.pending_changes().is_empty());
        assert!(!dir.path().join(PENDING_FILE).exists());
    }
}
