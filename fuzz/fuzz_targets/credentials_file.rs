//! The shared credentials file (INI): `credentials::profile::load` on any
//! file content never panics, and its errors never quote the file's text
//! (only the path, the profile name and a line number).
//!
//! The first input byte picks the profile and whether it was asked for
//! explicitly; the rest is the file, written to one temporary file per
//! process (rewritten for every input; in /dev/shm when it exists, removed
//! at exit).
#![no_main]

use ec2_dns_updater::aws::credentials::profile;
use libfuzzer_sys::fuzz_target;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

const PROFILES: [&str; 4] = ["default", "ops", "prod", "profile ops"];
const MIN_SECRET: usize = 16;

/// The scratch file, in a directory removed when the process exits (libFuzzer
/// ends with `exit`, which skips Rust destructors but runs `atexit` hooks).
fn scratch() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    static FILE: OnceLock<PathBuf> = OnceLock::new();
    extern "C" fn remove_dir() {
        if let Some(dir) = DIR.get() {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
    FILE.get_or_init(|| {
        // A RAM-backed directory when there is one: a write per input.
        let shm = Path::new("/dev/shm");
        let base = if shm.is_dir() {
            shm.to_owned()
        } else {
            std::env::temp_dir()
        };
        let dir = tempfile::Builder::new()
            .prefix("ec2-dns-updater-fuzz-")
            .tempdir_in(base)
            .expect("a temporary directory")
            .keep();
        let file = dir.join("credentials");
        DIR.set(dir).expect("set once");
        // SAFETY: registers a plain function with no captured state.
        unsafe { libc::atexit(remove_dir) };
        file
    })
}

fn key_like(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=')
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, file)) = data.split_first() else {
        return;
    };
    let name = PROFILES[usize::from(selector & 3)];
    let explicit = selector & 4 != 0;
    let path = scratch();
    std::fs::write(path, file).expect("write the scratch file");

    let Err(error) = profile::load(path, name, explicit) else {
        return;
    };
    let message = error.to_string();
    let path = path.to_string_lossy();
    for window in file.windows(MIN_SECRET) {
        if window.iter().all(|b| key_like(*b)) {
            let run = std::str::from_utf8(window).expect("ASCII");
            if !path.contains(run) && !name.contains(run) {
                assert!(
                    !message.contains(run),
                    "the error quotes {run:?} from the file: {message:?}"
                );
            }
        }
    }
});
