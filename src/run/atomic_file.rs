//! Replacing a small file so that readers see the old content or the new one,
//! never a mix, and nobody else's file is touched on the way.
//!
//! [`write_atomic`] creates a temporary file beside the target with a random
//! name and `O_CREAT|O_EXCL` (`create_new`): an existing file or symlink of
//! that name makes the open fail (and a fresh name is tried) instead of being
//! followed, so a link planted in a shared directory cannot redirect the
//! write. Then: write, fsync the file, rename over the target (a symlink at
//! the target is replaced, not followed), fsync the directory so the rename
//! survives a power cut. A failure removes the temporary file.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// Permissions of the new file (before the umask): world-readable, as
/// node_exporter and other readers expect.
pub(crate) const MODE: u32 = 0o644;

/// Names tried before giving up when every random name is taken.
const ATTEMPTS: u32 = 16;

/// Writes `bytes` to `path` atomically (see the module doc).
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let name = path.file_name().ok_or_else(|| {
        io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} does not name a file", path.display()),
        )
    })?;
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let (tmp, mut file) = create_temporary(dir, &name.to_string_lossy())?;
    let written = file
        .write_all(bytes)
        .and_then(|()| file.sync_all())
        .and_then(|()| {
            drop(file);
            std::fs::rename(&tmp, path)
        });
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    File::open(dir)?.sync_all()
}

/// A new, empty file `.<name>.<random>.tmp` in `dir`, created exclusively.
fn create_temporary(dir: &Path, name: &str) -> io::Result<(PathBuf, File)> {
    let mut last = None;
    for _ in 0..ATTEMPTS {
        let tmp = dir.join(format!(".{name}.{:016x}.tmp", fastrand::u64(..)));
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(MODE)
            .open(&tmp)
        {
            Ok(file) => return Ok((tmp, file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::other("no temporary name available")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::{MetadataExt, PermissionsExt};

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn replaces_the_file_and_leaves_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("m.prom");
        write_atomic(&path, b"one\n").unwrap();
        write_atomic(&path, b"two\n").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "two\n");
        assert_eq!(names(dir.path()), ["m.prom"]);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode & !0o644, 0, "at most 0644: {mode:o}");
    }

    #[test]
    fn a_symlink_at_the_target_is_replaced_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, "precious").unwrap();
        let path = dir.path().join("m.prom");
        std::os::unix::fs::symlink(&victim, &path).unwrap();
        write_atomic(&path, b"metrics").unwrap();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious");
        assert!(!std::fs::symlink_metadata(&path).unwrap().is_symlink());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "metrics");
    }

    #[test]
    fn a_failed_rename_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        // A non-empty directory at the target: rename(2) refuses.
        let path = dir.path().join("m.prom");
        std::fs::create_dir(&path).unwrap();
        std::fs::write(path.join("inside"), "x").unwrap();
        let inode = std::fs::metadata(&path).unwrap().ino();
        assert!(write_atomic(&path, b"metrics").is_err());
        assert_eq!(names(dir.path()), ["m.prom"]);
        assert_eq!(std::fs::metadata(&path).unwrap().ino(), inode);
    }

    #[test]
    fn an_unwritable_directory_is_an_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing").join("m.prom");
        assert!(write_atomic(&path, b"x").is_err());
        assert!(write_atomic(Path::new("/"), b"x").is_err());
    }
}
