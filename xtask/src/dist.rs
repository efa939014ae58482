//! `cargo xtask dist`: the one command that builds a release.
//!
//! 1. installs what is missing (see `setup`);
//! 2. builds static release binaries for each target;
//! 3. checks that they are static (no ELF interpreter);
//! 4. writes man pages and completions where the package metadata expects
//!    them: `<target dir>/<triple>/release/dist-assets/` (cargo-deb and
//!    cargo-generate-rpm rewrite the `target/release/` prefix of an asset to
//!    that directory);
//! 5. runs cargo-deb and cargo-generate-rpm for each target, into
//!    `<target dir>/dist/`, replacing what was there.
//!
//! The package contents (paths, modes, conffiles, maintainer scripts) are
//! declared in the root Cargo.toml, `[package.metadata.deb]` and
//! `[package.metadata.generate-rpm]`; `packaging/test-packages.sh` checks them.

use crate::Result;
use crate::run::{cargo, exec, output};
use crate::setup::{self, TARGETS, Target};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const PACKAGE: &str = "ec2-dns-updater";

#[derive(Debug, clap::Args)]
pub struct Options {
    /// Build only this target (repeatable) [default: all of them].
    #[arg(long = "target", value_name = "TRIPLE", value_parser = TARGETS.map(|t| t.triple))]
    targets: Vec<String>,
    /// Fail, naming the command to run, instead of installing a missing tool.
    #[arg(long)]
    no_install: bool,
}

/// Where cargo puts things, from `cargo metadata` (so CARGO_TARGET_DIR and
/// `build.target-dir` are honoured).
struct Layout {
    workspace_root: PathBuf,
    target_dir: PathBuf,
}

pub fn run(options: &Options) -> Result<()> {
    let started = Instant::now();
    let targets: Vec<Target> = TARGETS
        .into_iter()
        .filter(|t| options.targets.is_empty() || options.targets.iter().any(|o| o == t.triple))
        .collect();
    let layout = layout()?;
    let root = &layout.workspace_root;
    // The packages ship these as documentation; say so before a long build.
    for doc in ["README.md", "packaging/README.md", "packaging/config.toml"] {
        if !root.join(doc).is_file() {
            return Err(format!(
                "{} is missing: the packages ship it",
                root.join(doc).display()
            )
            .into());
        }
    }

    setup::ensure(&targets, !options.no_install)?;
    let epoch = crate::run::source_date_epoch().or_else(|| last_commit_time(root));

    let mut build = cargo();
    build
        .current_dir(root)
        .args(["build", "--release", "--locked", "-p", PACKAGE]);
    for target in &targets {
        build.args(["--target", target.triple]);
        for (key, value) in target.env {
            if std::env::var_os(key).is_none() {
                build.env(key, value);
            }
        }
    }
    exec(&mut build)?;

    let mut binaries = Vec::new();
    for target in &targets {
        let release = layout.target_dir.join(target.triple).join("release");
        let binary = release.join(PACKAGE);
        if !crate::elf::is_static(&binary)? {
            return Err(format!(
                "{} is dynamically linked; a musl build must be static",
                binary.display()
            )
            .into());
        }
        let assets = release.join("dist-assets");
        if assets.exists() {
            std::fs::remove_dir_all(&assets)
                .map_err(|e| format!("cannot clear {}: {e}", assets.display()))?;
        }
        crate::docs::write_man_pages(&assets.join("man"), true, epoch)?;
        crate::docs::write_completions(&assets.join("completions"))?;
        binaries.push((target.triple, binary));
    }

    let dist = layout.target_dir.join("dist");
    if dist.exists() {
        std::fs::remove_dir_all(&dist)
            .map_err(|e| format!("cannot clear {}: {e}", dist.display()))?;
    }
    std::fs::create_dir_all(&dist).map_err(|e| format!("cannot create {}: {e}", dist.display()))?;
    for target in &targets {
        let mut deb = cargo();
        deb.current_dir(root)
            .args(["deb", "-p", PACKAGE, "--no-build", "--no-strip"]);
        deb.args(["--target", target.triple, "--output"]).arg(&dist);
        let mut rpm = cargo();
        rpm.current_dir(root)
            .args(["generate-rpm", "--target", target.triple, "--target-dir"]);
        rpm.arg(&layout.target_dir);
        // gzip, not the default zstd: any rpm can unpack it.
        rpm.args(["--payload-compress", "gzip", "--output"])
            .arg(&dist);
        for cmd in [&mut deb, &mut rpm] {
            if let Some(epoch) = epoch {
                cmd.env("SOURCE_DATE_EPOCH", epoch.to_string());
            }
            exec(cmd)?;
        }
    }

    summary(&dist, &binaries, started.elapsed().as_secs_f64())
}

fn layout() -> Result<Layout> {
    let json = output(cargo().args(["metadata", "--format-version", "1", "--no-deps"]))?;
    let meta: serde_json::Value = serde_json::from_str(&json)?;
    let path = |key: &str| {
        meta[key]
            .as_str()
            .map(PathBuf::from)
            .ok_or_else(|| format!("cargo metadata has no {key}"))
    };
    Ok(Layout {
        workspace_root: path("workspace_root")?,
        target_dir: path("target_directory")?,
    })
}

/// The last commit's time, so package timestamps follow the source, not the
/// clock (reproducible builds). None outside a git checkout.
fn last_commit_time(root: &Path) -> Option<u64> {
    let out = output(
        Command::new("git")
            .arg("-C")
            .arg(root)
            .args(["log", "-1", "--format=%ct"]),
    )
    .ok()?;
    out.trim().parse().ok()
}

fn summary(dist: &Path, binaries: &[(&str, PathBuf)], seconds: f64) -> Result<()> {
    println!();
    println!("binaries:");
    for (triple, binary) in binaries {
        println!("  {:>10}  {triple}  {}", size(binary)?, binary.display());
    }
    println!("packages in {}:", dist.display());
    let mut entries: Vec<_> = std::fs::read_dir(dist)?.collect::<std::io::Result<_>>()?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        println!(
            "  {:>10}  {}",
            size(&entry.path())?,
            entry.file_name().to_string_lossy()
        );
    }
    println!("dist took {seconds:.0} s");
    Ok(())
}

fn size(path: &Path) -> Result<String> {
    let bytes = std::fs::metadata(path)
        .map_err(|e| format!("cannot stat {}: {e}", path.display()))?
        .len();
    Ok(format!("{bytes} B"))
}
