//! The README tells the truth: its exit-code table, retry table, commands and
//! example configs are checked against the code.

use clap::CommandFactory;
use ec2_dns_updater::aws::retry::{Action, ROUTE53_ERROR_CODES};
use ec2_dns_updater::cmd::cli::Cli;
use ec2_dns_updater::config::Config;
use ec2_dns_updater::run::error::EXIT_CODES;
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
            Action::SlowDown => "slow down",
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

/// Every file of the checkout that a test, a script or a reader may open,
/// skipping build output and git's own files.
fn repository_files() -> Vec<std::path::PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let skip = ["target", ".git", "corpus", "artifacts"];
    let mut out = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            let name = entry.file_name();
            if entry.file_type().unwrap().is_dir() {
                if !skip.iter().any(|s| name == *s) {
                    dirs.push(path);
                }
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// A clone with nothing beside it must build, test and document itself: no
/// file may reach for a sibling directory of the checkout.
#[test]
fn repository_is_self_contained() {
    // Built from pieces so that this file does not match itself.
    let outside = [
        ["..", "/shared/"].concat(),
        ["shared", "/docs/"].concat(),
        ["shared", "/vectors"].concat(),
        ["/work", "/shared"].concat(),
        ["\"shared\"", ", \"vectors\""].concat(),
    ];
    let mut found = Vec::new();
    for path in repository_files() {
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue; // binary (fuzz seeds, images)
        };
        for needle in &outside {
            if text.contains(needle.as_str()) {
                found.push(format!("{}: {needle}", path.display()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "references outside the repository:\n{found:#?}"
    );
    let vectors = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/aws-sign/vectors");
    for file in [
        "README.md",
        "aws4_testsuite/LICENSE",
        "aws4_testsuite/NOTICE",
    ] {
        assert!(
            vectors.join(file).is_file(),
            "crates/aws-sign/vectors/{file} is missing"
        );
    }
}

/// Relative links in the Markdown documents point at files that exist.
#[test]
fn markdown_links_resolve() {
    let mut broken = Vec::new();
    let mut checked = 0;
    for path in repository_files() {
        if path.extension().is_none_or(|e| e != "md") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for (start, _) in text.match_indices("](") {
            let rest = &text[start + 2..];
            let Some(end) = rest.find(')') else { continue };
            let target = rest[..end].split('#').next().unwrap();
            if target.is_empty() || target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            checked += 1;
            if !path.parent().unwrap().join(target).exists() {
                broken.push(format!("{}: {target}", path.display()));
            }
        }
    }
    assert!(
        checked >= 10,
        "only {checked} links found: is the scan broken?"
    );
    assert!(broken.is_empty(), "broken links:\n{broken:#?}");
}

/// docs/PROTOCOL.md describes every Route 53 error code the retry policy
/// knows.
#[test]
fn protocol_notes_cover_every_route53_error_code() {
    let notes =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/PROTOCOL.md"))
            .unwrap();
    for (code, _) in ROUTE53_ERROR_CODES {
        assert!(
            notes.contains(&format!("`{code}`")),
            "docs/PROTOCOL.md does not mention {code}"
        );
    }
}
