//! Is this shutdown a reboot? `delete` runs from `ExecStop=` at every
//! shutdown, but after a reboot the instance comes back with the same public
//! hostname a minute later: removing its name would only cause an outage.
//! systemd queues a job for `reboot.target` (or `kexec.target`,
//! `soft-reboot.target`) when rebooting; `systemctl list-jobs` shows it.
//!
//! When systemd cannot answer (no systemctl, not booted with systemd, D-Bus
//! gone, no answer in [`LIST_JOBS_TIMEOUT`]) the check fails closed: it
//! counts as a reboot, because a name kept too long is repaired by the next
//! boot, while a name deleted at a reboot is an outage. `delete --on-reboot`
//! skips the check.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const REBOOT_TARGETS: &[&str] = &["reboot.target", "kexec.target", "soft-reboot.target"];

/// How long `systemctl list-jobs` may take before it counts as no answer.
pub(crate) const LIST_JOBS_TIMEOUT: Duration = Duration::from_secs(10);

/// What systemd says about the shutdown under way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Shutdown {
    /// A reboot job is queued.
    Reboot,
    /// No reboot job: a power-off, or no shutdown at all (a manual `delete`).
    NotReboot,
    /// systemd could not be asked; the reason, for the log.
    Unknown(String),
}

/// Asks `systemctl list-jobs`.
pub(crate) fn shutdown_kind() -> Shutdown {
    ask("systemctl", LIST_JOBS_TIMEOUT)
}

/// Runs `program list-jobs --no-legend --no-pager` for at most `timeout`.
fn ask(program: &str, timeout: Duration) -> Shutdown {
    let mut child = match Command::new(program)
        .args(["list-jobs", "--no-legend", "--no-pager"])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Shutdown::Unknown(format!("{program} is not installed (not in PATH)"));
        }
        Err(e) => return Shutdown::Unknown(format!("cannot run {program}: {e}")),
    };
    // Readers on threads, so a long job list cannot fill the pipe and stall it.
    let reader = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut text = String::new();
            if let Some(mut p) = pipe {
                let _ = p.read_to_string(&mut text);
            }
            text
        })
    };
    let stdout = reader(child.stdout.take().map(|p| Box::new(p) as _));
    let stderr = reader(child.stderr.take().map(|p| Box::new(p) as _));
    let started = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if started.elapsed() < timeout => {
                std::thread::sleep(Duration::from_millis(20));
            }
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                return Shutdown::Unknown(format!(
                    "{program} list-jobs did not answer within {}s",
                    timeout.as_secs()
                ));
            }
            Err(e) => return Shutdown::Unknown(format!("cannot wait for {program}: {e}")),
        }
    };
    let out = stdout.join().unwrap_or_default();
    let err = stderr.join().unwrap_or_default();
    if !status.success() {
        let first = err.lines().map(str::trim).find(|l| !l.is_empty());
        let said: String = first.unwrap_or("no message").chars().take(200).collect();
        return Shutdown::Unknown(format!("{program} list-jobs failed ({status}): {said}"));
    }
    if jobs_mean_reboot(&out) {
        Shutdown::Reboot
    } else {
        Shutdown::NotReboot
    }
}

/// `list-jobs` lines are `JOB UNIT TYPE STATE`.
fn jobs_mean_reboot(jobs: &str) -> bool {
    jobs.lines()
        .filter_map(|l| l.split_whitespace().nth(1))
        .any(|unit| REBOOT_TARGETS.contains(&unit))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn reads_list_jobs() {
        assert!(jobs_mean_reboot(
            "1234 reboot.target start waiting\n1240 ec2-dns-updater.service stop running\n"
        ));
        assert!(!jobs_mean_reboot("1234 poweroff.target start waiting\n"));
        assert!(!jobs_mean_reboot(""));
    }

    fn script(dir: &std::path::Path, body: &str) -> String {
        let path = dir.join("systemctl");
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path.display().to_string()
    }

    #[test]
    fn no_answer_is_unknown_never_a_power_off() {
        let dir = tempfile::tempdir().unwrap();
        let t = Duration::from_secs(5);
        let missing = dir.path().join("absent").display().to_string();
        assert!(matches!(ask(&missing, t), Shutdown::Unknown(r) if r.contains("not installed")));
        let failing = script(
            dir.path(),
            "echo 'System has not been booted with systemd as init system (PID 1).' >&2; exit 1",
        );
        assert!(
            matches!(ask(&failing, t), Shutdown::Unknown(r) if r.contains("not been booted with systemd"))
        );
        let hanging = script(dir.path(), "exec sleep 30");
        let started = Instant::now();
        assert!(
            matches!(ask(&hanging, Duration::from_millis(300)), Shutdown::Unknown(r) if r.contains("did not answer"))
        );
        assert!(started.elapsed() < Duration::from_secs(10));
        let reboot = script(dir.path(), "echo '812 reboot.target start waiting'");
        assert_eq!(ask(&reboot, t), Shutdown::Reboot);
        let poweroff = script(dir.path(), "echo '812 poweroff.target start waiting'");
        assert_eq!(ask(&poweroff, t), Shutdown::NotReboot);
    }
}
