//! A node_exporter textfile (`metrics_file`), rewritten after every pass so
//! fleets can alert on instances whose name did not update.
//!
//! The last success time survives failed runs: it is carried over from the
//! previous file.

use crate::run::atomic_file;
use aws_sign::timestamp::Timestamp;
use std::path::Path;
use std::time::Duration;

const LAST_SUCCESS: &str = "ec2_dns_updater_last_success_timestamp_seconds";

/// What one pass did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Report {
    pub exit_code: u8,
    pub duration: Duration,
    pub api_calls: u32,
    pub retries: u32,
    pub throttled: u32,
    pub changed: u32,
}

/// The file's text for `report`, finished at `now`.
pub(crate) fn render(report: &Report, now: Timestamp, previous_success: Option<i64>) -> String {
    let success = report.exit_code == 0;
    let last_success = if success {
        Some(now.unix())
    } else {
        previous_success
    };
    let mut out = String::new();
    let mut metric = |name: &str, help: &str, kind: &str, value: String| {
        out.push_str(&format!(
            "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}\n"
        ));
    };
    metric(
        "ec2_dns_updater_last_run_timestamp_seconds",
        "When the last run ended.",
        "gauge",
        now.unix().to_string(),
    );
    if let Some(t) = last_success {
        metric(
            LAST_SUCCESS,
            "When a run last ended with every record right.",
            "gauge",
            t.to_string(),
        );
    }
    metric(
        "ec2_dns_updater_last_run_success",
        "1 if the last run ended with every record right.",
        "gauge",
        u8::from(success).to_string(),
    );
    metric(
        "ec2_dns_updater_last_run_exit_code",
        "The last run's exit code (see the README).",
        "gauge",
        report.exit_code.to_string(),
    );
    metric(
        "ec2_dns_updater_last_run_duration_seconds",
        "How long the last run took.",
        "gauge",
        format!("{:.3}", report.duration.as_secs_f64()),
    );
    metric(
        "ec2_dns_updater_last_run_api_calls",
        "Route 53 requests the last run sent, retries included.",
        "gauge",
        report.api_calls.to_string(),
    );
    metric(
        "ec2_dns_updater_last_run_retries",
        "Route 53 retries (backoff sleeps) in the last run.",
        "gauge",
        report.retries.to_string(),
    );
    metric(
        "ec2_dns_updater_last_run_throttled",
        "Route 53 answers in the last run that said the account's request budget was spent.",
        "gauge",
        report.throttled.to_string(),
    );
    metric(
        "ec2_dns_updater_last_run_records_changed",
        "Records the last run changed or deleted.",
        "gauge",
        report.changed.to_string(),
    );
    out
}

/// The last success time recorded in an existing file.
pub(crate) fn previous_success(text: &str) -> Option<i64> {
    text.lines()
        .find_map(|l| l.strip_prefix(LAST_SUCCESS)?.trim().parse().ok())
}

/// Writes the file atomically: [`atomic_file::write_atomic`] (an exclusive
/// temporary file with a random name, fsync, rename, fsync of the directory).
pub(crate) fn write(path: &Path, report: &Report) -> std::io::Result<()> {
    let previous = std::fs::read_to_string(path)
        .ok()
        .as_deref()
        .and_then(previous_success);
    let text = render(report, Timestamp::now(), previous);
    atomic_file::write_atomic(path, text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_time_survives_failures() {
        let ok = Report {
            exit_code: 0,
            duration: Duration::from_millis(1500),
            api_calls: 3,
            retries: 0,
            throttled: 0,
            changed: 1,
        };
        let text = render(&ok, Timestamp::from_unix(1000), None);
        assert!(text.contains("ec2_dns_updater_last_run_success 1\n"));
        assert!(text.contains("ec2_dns_updater_last_run_duration_seconds 1.500\n"));
        assert_eq!(previous_success(&text), Some(1000));
        let failed = Report {
            exit_code: 75,
            ..ok
        };
        let text = render(&failed, Timestamp::from_unix(2000), previous_success(&text));
        assert!(text.contains("ec2_dns_updater_last_run_success 0\n"));
        assert!(text.contains("ec2_dns_updater_last_run_exit_code 75\n"));
        assert_eq!(previous_success(&text), Some(1000));
        assert!(!render(&failed, Timestamp::from_unix(1), None).contains(LAST_SUCCESS));
    }

    #[test]
    fn writes_atomically() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ec2_dns_updater.prom");
        let r = Report {
            exit_code: 0,
            duration: Duration::ZERO,
            api_calls: 1,
            retries: 0,
            throttled: 2,
            changed: 0,
        };
        write(&path, &r).unwrap();
        write(&path, &Report { exit_code: 77, ..r }).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("ec2_dns_updater_last_run_exit_code 77"));
        assert!(text.contains("ec2_dns_updater_last_run_throttled 2\n"));
        assert!(previous_success(&text).is_some());
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary file left"
        );
    }
}
