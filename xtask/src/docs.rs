//! Man pages and shell completions, generated from the program's own clap
//! definition ([`ec2_dns_updater::cmd::cli::Cli`]): a new subcommand or flag shows
//! up in both without touching this file.

use crate::Result;
use clap::CommandFactory;
use clap_complete::Shell;
use ec2_dns_updater::cmd::cli::Cli;
use flate2::{Compression, GzBuilder};
use roff::{Roff, italic, roman};
use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The shells we ship completions for, and where each package puts them is
/// decided in Cargo.toml (`[package.metadata.deb]`, `[package.metadata.generate-rpm]`).
const SHELLS: [Shell; 3] = [Shell::Bash, Shell::Zsh, Shell::Fish];

/// Writes `ec2-dns-updater.1` and one page per (visible) subcommand, such as
/// `ec2-dns-updater-update.1`, into `out_dir`; `NAME.1.gz` with `gzip`.
/// Returns the paths written.
/// `epoch` (seconds) dates the pages; `None` leaves the date empty.
pub fn write_man_pages(out_dir: &Path, gzip: bool, epoch: Option<u64>) -> Result<Vec<PathBuf>> {
    fs::create_dir_all(out_dir).map_err(|e| format!("cannot create {}: {e}", out_dir.display()))?;
    let mut top = Cli::command().disable_help_subcommand(true);
    // Building sets each subcommand's display name to "ec2-dns-updater-SUB".
    top.build();
    let date = epoch.map(iso_date);

    let mut commands = vec![top.clone()];
    let mut i = 0;
    while i < commands.len() {
        let subs: Vec<_> = commands[i]
            .get_subcommands()
            .filter(|s| !s.is_hide_set())
            .cloned()
            .collect();
        commands.extend(subs);
        i += 1;
    }

    let mut written = Vec::with_capacity(commands.len());
    for (index, cmd) in commands.into_iter().enumerate() {
        let mut man = clap_mangen::Man::new(cmd).manual("ec2-dns-updater manual");
        if let Some(date) = &date {
            man = man.date(date);
        }
        let mut page = Vec::new();
        man.render(&mut page)?;
        if index == 0 {
            page.extend_from_slice(extra_sections().as_bytes());
        }
        let mut name = man.get_filename();
        if gzip {
            name.push_str(".gz");
        }
        let path = out_dir.join(name);
        write_file(&path, &page, gzip)?;
        written.push(path);
    }
    Ok(written)
}

/// Writes `ec2-dns-updater.bash`, `_ec2-dns-updater` (zsh) and
/// `ec2-dns-updater.fish` into `out_dir`. Returns the paths written.
pub fn write_completions(out_dir: &Path) -> Result<Vec<PathBuf>> {
    fs::create_dir_all(out_dir).map_err(|e| format!("cannot create {}: {e}", out_dir.display()))?;
    let mut cmd = Cli::command();
    let bin = cmd.get_name().to_owned();
    let mut written = Vec::with_capacity(SHELLS.len());
    for shell in SHELLS {
        let path = clap_complete::generate_to(shell, &mut cmd, &bin, out_dir).map_err(|e| {
            format!(
                "cannot write {shell} completions into {}: {e}",
                out_dir.display()
            )
        })?;
        written.push(path);
    }
    Ok(written)
}

/// The sections clap knows nothing about: where the package puts things and
/// what systemd hands the program.
fn extra_sections() -> String {
    let mut r = Roff::new();
    r.control("SH", ["FILES"]);
    let files: [(&str, &str); 5] = [
        (
            "/etc/ec2-dns-updater/config.toml",
            "The config: one [[record]] table per name, and optional [route53] and [imds] tables. \
             The packaged file documents every key and its default.",
        ),
        (
            "/usr/lib/systemd/system/ec2-dns-updater.service",
            "The hardened oneshot unit that runs the program at every boot. \
             Change it with a drop-in (systemctl edit ec2-dns-updater.service).",
        ),
        (
            "/var/lib/ec2-dns-updater",
            "State remembered from one boot to the next (a symbolic link into /var/lib/private \
             when run by the unit, which uses DynamicUser=yes).",
        ),
        (
            "/etc/ec2-dns-updater/aws-credentials",
            "Optional static credentials (shared-credentials INI format), handed to the unit with \
             LoadCredential=aws-credentials:/etc/ec2-dns-updater/aws-credentials in a drop-in. \
             The instance profile is used otherwise.",
        ),
        (
            "/usr/share/doc/ec2-dns-updater/",
            "README, packaging notes (drop-ins for credentials and clean-up), cloud-init examples.",
        ),
    ];
    for (path, text) in files {
        r.control("TP", []);
        r.text([italic(path)]);
        r.text([roman(text)]);
    }
    r.control("SH", ["ENVIRONMENT"]);
    let vars: [(&str, &str); 3] = [
        (
            "STATE_DIRECTORY",
            "Set by systemd from StateDirectory=; the default for --state-dir.",
        ),
        (
            "CREDENTIALS_DIRECTORY",
            "Set by systemd when the unit has LoadCredential=; the program reads aws-credentials from it.",
        ),
        (
            "EC2_DNS_UPDATER_IMDS_IPV4, EC2_DNS_UPDATER_IMDS_IPV6, EC2_DNS_UPDATER_ROUTE53_DUALSTACK",
            "Test hooks: replace the built-in IMDS addresses (169.254.169.254, [fd00:ec2::254]) and the dual-stack Route 53 endpoint used on an IPv6-only instance. Loopback URLs only; explicit config endpoints still win.",
        ),
    ];
    for (var, text) in vars {
        r.control("TP", []);
        r.text([italic(var)]);
        r.text([roman(text)]);
    }
    r.control("SH", ["SEE ALSO"]);
    r.text([roman(
        "systemctl(1), systemd.service(5), systemd.exec(5), cloud-init(1)",
    )]);
    r.to_roff()
}

fn write_file(path: &Path, data: &[u8], gzip: bool) -> Result<()> {
    let result = fs::File::create(path).and_then(|file| {
        if gzip {
            // No file name and mtime 0 in the header: the same input gives the
            // same bytes, so packages are reproducible.
            let mut encoder = GzBuilder::new().write(file, Compression::best());
            encoder.write_all(data)?;
            encoder.finish()?.sync_all()
        } else {
            let mut file = file;
            file.write_all(data)?;
            file.sync_all()
        }
    });
    result.map_err(|e| format!("cannot write {}: {e}", path.display()).into())
}

/// `YYYY-MM-DD` for seconds since the Unix epoch (UTC), for the man page date.
fn iso_date(epoch: u64) -> String {
    // Howard Hinnant's days-to-civil algorithm.
    let days = i64::try_from(epoch / 86_400).unwrap_or(i64::MAX - 719_468) + 719_468;
    let era = days.div_euclid(146_097);
    let day_of_era = days.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(iso_date(0), "1970-01-01");
        assert_eq!(iso_date(951_782_400), "2000-02-29");
        assert_eq!(iso_date(1_767_225_599), "2025-12-31");
        assert_eq!(iso_date(1_767_225_600), "2026-01-01");
    }

    #[test]
    fn man_pages_cover_every_subcommand() {
        let dir = std::env::temp_dir().join(format!("xtask-man-{}", std::process::id()));
        let pages = write_man_pages(&dir, false, Some(0)).unwrap();
        let names: Vec<_> = pages
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert!(names.contains(&"ec2-dns-updater.1".to_owned()), "{names:?}");
        for sub in Cli::command()
            .get_subcommands()
            .filter(|s| !s.is_hide_set())
        {
            let page = format!("ec2-dns-updater-{}.1", sub.get_name());
            assert!(names.contains(&page), "{page} missing from {names:?}");
        }
        let top = fs::read_to_string(dir.join("ec2-dns-updater.1")).unwrap();
        assert!(top.contains(".SH FILES"), "{top}");
        assert!(top.contains("config.toml"), "{top}");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn gzipped_pages_are_reproducible() {
        let base = std::env::temp_dir().join(format!("xtask-gz-{}", std::process::id()));
        let a = write_man_pages(&base.join("a"), true, Some(0)).unwrap();
        let b = write_man_pages(&base.join("b"), true, Some(0)).unwrap();
        assert_eq!(fs::read(&a[0]).unwrap(), fs::read(&b[0]).unwrap());
        fs::remove_dir_all(&base).unwrap();
    }

    #[test]
    fn completions_for_three_shells() {
        let dir = std::env::temp_dir().join(format!("xtask-comp-{}", std::process::id()));
        let files = write_completions(&dir).unwrap();
        let names: Vec<_> = files
            .iter()
            .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            [
                "ec2-dns-updater.bash",
                "_ec2-dns-updater",
                "ec2-dns-updater.fish"
            ]
        );
        fs::remove_dir_all(&dir).unwrap();
    }
}
