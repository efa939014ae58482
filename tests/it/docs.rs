//! The README tells the truth: its exit-code table, retry table, commands and
//! example configs are checked against the code.

use clap::CommandFactory;
use ec2_dns_updater::cli::Cli;
use ec2_dns_updater::config::Config;
use ec2_dns_updater::error::EXIT_CODES;
use ec2_dns_updater::retry::{Action, ROUTE53_ERROR_CODES};
use std::path::Path;

fn readme() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap()
}

/// The rows of the first table after `heading`, as cells.
fn table_after(text: &str, heading: &str) -> Vec<Vec<String>> {
    let start = text
        .find(heading)
        .unwrap_or_else(|| panic!("README has {heading:?}"));
    text[start..]
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2)
        .map(|l| {
            l.trim_matches('|')
                .split(" | ")
                .map(|c| c.trim().to_owned())
                .collect()
        })
        .collect()
}

#[test]
fn exit_code_table_matches_the_code() {
    let rows = table_after(&readme(), "### Exit codes");
    let expected: Vec<Vec<String>> = EXIT_CODES
        .iter()
        .map(|(code, name, meaning)| vec![code.to_string(), name.to_string(), meaning.to_string()])
        .collect();
    assert_eq!(rows, expected);
}

#[test]
fn retry_table_matches_the_code() {
    let rows = table_after(&readme(), "**Retry policy**");
    for (code, action) in ROUTE53_ERROR_CODES {
        let mentions: Vec<_> = rows
            .iter()
            .filter(|r| r[0] == "Route 53" && r[1].contains(&format!("`{code}`")))
            .collect();
        assert!(!mentions.is_empty(), "README retry table lacks {code}");
        let want = match action {
            Action::Backoff => "back off",
            Action::ResyncClock => "resync the clock",
            Action::RefreshCredentials => "refresh credentials",
            Action::SchemeRefused => "re-send once with SigV4",
            Action::SettleIam => "retry twice within",
            Action::Fail => "no retry",
        };
        // A code may also appear in a row for one of its messages
        // ("Signature expired"); the row without qualifiers must agree.
        assert!(
            mentions.iter().any(|r| r[2].contains(want)),
            "{code}: README says {mentions:?}, code says {action:?}"
        );
    }
}

#[test]
fn every_command_is_documented() {
    let text = readme();
    for sub in Cli::command().get_subcommands() {
        let name = sub.get_name();
        if name == "help" {
            continue;
        }
        assert!(
            text.contains(&format!("| `{name}")),
            "README's command table lacks {name}"
        );
    }
    for flag in ["--config", "--state-dir", "--log-format", "--dry-run"] {
        assert!(text.contains(flag), "README lacks {flag}");
    }
}

#[test]
fn readme_configs_parse() {
    let text = readme();
    let mut n = 0;
    for block in text.split("```toml").skip(1) {
        let toml = block.split("```").next().unwrap();
        // Indented inside a list item: dedent.
        let dedented: String = toml
            .lines()
            .map(|l| l.trim_start())
            .collect::<Vec<_>>()
            .join("\n");
        let config = Config::parse(&dedented, Path::new("README.md"))
            .unwrap_or_else(|e| panic!("{e}\n{dedented}"));
        config.require_records().unwrap();
        n += 1;
    }
    assert!(n >= 1);
}
