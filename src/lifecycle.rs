//! Is this shutdown a reboot? `delete` runs from `ExecStop=` at every
//! shutdown, but after a reboot the instance comes back with the same public
//! hostname a minute later: removing its name would only cause an outage.
//! systemd queues a job for `reboot.target` (or `kexec.target`,
//! `soft-reboot.target`) when rebooting; `systemctl list-jobs` shows it.

use std::process::Command;

const REBOOT_TARGETS: &[&str] = &["reboot.target", "kexec.target", "soft-reboot.target"];

/// True when systemd has a reboot queued. False when it has not, or when
/// systemctl cannot be asked (not running under systemd: a manual `delete`).
pub fn reboot_in_progress() -> bool {
    match Command::new("systemctl")
        .args(["list-jobs", "--no-legend", "--no-pager"])
        .output()
    {
        Ok(out) if out.status.success() => jobs_mean_reboot(&String::from_utf8_lossy(&out.stdout)),
        _ => false,
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

    #[test]
    fn reads_list_jobs() {
        assert!(jobs_mean_reboot(
            "1234 reboot.target start waiting\n1240 ec2-dns-updater.service stop running\n"
        ));
        assert!(!jobs_mean_reboot("1234 poweroff.target start waiting\n"));
        assert!(!jobs_mean_reboot(""));
    }
}
