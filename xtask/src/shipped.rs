//! Test-only: the files the packages ship agree with the program. The systemd
//! unit with its config path, deadline and exit codes (which are worth a
//! restart); the example config parses, every commented key included.
//! `systemd/test-unit.sh` checks the unit against systemd itself.

#[cfg(test)]
mod unit {
    use ec2_dns_updater::config::{DEFAULT_CONFIG_PATH, DEFAULT_DEADLINE};
    use ec2_dns_updater::run::error::{EXIT_CODES, EXIT_OK, EXIT_TEMPFAIL};
    use std::collections::BTreeSet;

    const UNIT: &str = include_str!("../../systemd/ec2-dns-updater.service");

    /// The value of `key=` in the unit (the last one, as systemd reads it).
    fn setting(key: &str) -> String {
        let prefix = format!("{key}=");
        UNIT.lines()
            .filter_map(|l| l.strip_prefix(&prefix))
            .next_back()
            .unwrap_or_else(|| panic!("the unit has no {key}="))
            .to_owned()
    }

    #[test]
    fn every_exit_code_but_tempfail_prevents_a_restart() {
        let in_unit: BTreeSet<u8> = setting("RestartPreventExitStatus")
            .split_whitespace()
            .map(|c| c.parse().expect("a numeric exit status"))
            .collect();
        let wanted: BTreeSet<u8> = EXIT_CODES
            .iter()
            .map(|(code, _, _)| *code)
            .filter(|c| *c != EXIT_OK && *c != EXIT_TEMPFAIL)
            .collect();
        assert_eq!(
            in_unit, wanted,
            "RestartPreventExitStatus= must list every exit code of the program except 0 and {EXIT_TEMPFAIL}"
        );
    }

    #[test]
    fn start_timeout_is_above_the_deadline() {
        let value = setting("TimeoutStartSec");
        let seconds: u64 = value
            .strip_suffix('s')
            .unwrap_or(&value)
            .parse()
            .expect("TimeoutStartSec in seconds");
        assert!(
            seconds > DEFAULT_DEADLINE.as_secs(),
            "TimeoutStartSec={value} must stay above the {} s deadline",
            DEFAULT_DEADLINE.as_secs()
        );
    }

    #[test]
    fn runs_the_packaged_binary_on_the_packaged_config() {
        assert_eq!(
            setting("ExecStart"),
            format!("/usr/bin/ec2-dns-updater --config {DEFAULT_CONFIG_PATH}")
        );
        assert_eq!(setting("ConditionPathExists"), DEFAULT_CONFIG_PATH);
    }
}

/// The example config the packages install as /etc/ec2-dns-updater/config.toml.
#[cfg(test)]
mod example_config {
    use ec2_dns_updater::config::Config;
    use std::path::Path;

    const EXAMPLE: &str = include_str!("../../packaging/config.toml");
    const PATH: &str = "/etc/ec2-dns-updater/config.toml";

    #[test]
    fn parses_as_shipped() {
        let config = Config::parse(EXAMPLE, Path::new(PATH)).unwrap();
        assert_eq!(config.records.len(), 1);
    }

    /// Every commented-out key is a real key with a valid value: switch them
    /// all on (`private` only applies to zones given by name).
    #[test]
    fn every_commented_key_parses() {
        let mut switched_on = 0;
        let text: String = EXAMPLE
            .lines()
            .map(|line| {
                let Some(rest) = line.strip_prefix('#') else {
                    return format!("{line}\n");
                };
                let is_key = rest
                    .split_once(" = ")
                    .is_some_and(|(k, _)| k.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'));
                if (is_key && !rest.starts_with("private ")) || rest == "[[record]]" {
                    switched_on += 1;
                    format!("{rest}\n")
                } else {
                    format!("{line}\n")
                }
            })
            .collect();
        assert!(
            switched_on >= 15,
            "only {switched_on} lines switched on:\n{text}"
        );
        let config =
            Config::parse(&text, Path::new(PATH)).unwrap_or_else(|e| panic!("{e}\n---\n{text}"));
        assert_eq!(config.records.len(), 2);
        assert!(config.metrics_file.is_some());
        assert!(config.route53.ca_bundle.is_some());
    }
}
