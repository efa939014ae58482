//! Makes sure the tools `dist` needs are there, installing what is missing:
//! rustup targets, C cross compilers from Debian packages (ring compiles C
//! and assembly), cargo-deb and cargo-generate-rpm at pinned versions.
//! Idempotent: a second run checks and installs nothing.

use crate::Result;
use crate::run::{cargo, exec, is_root, on_path, output};
use std::process::Command;

/// A Rust target that `dist` builds, and how to cross-compile for it on a
/// Debian or Ubuntu x86_64 host.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    pub triple: &'static str,
    /// The C compiler ring's build script uses, and the Debian package
    /// that provides it.
    pub cc: &'static str,
    pub cc_package: &'static str,
    /// Environment for `cargo build`, unless already set by the caller.
    pub env: &'static [(&'static str, &'static str)],
}

/// Static musl binaries: one package runs on any distribution and any glibc
/// (Amazon Linux 2023, Debian, Ubuntu, RHEL...).
pub const TARGETS: [Target; 2] = [
    Target {
        triple: "x86_64-unknown-linux-musl",
        cc: "musl-gcc",
        cc_package: "musl-tools",
        env: &[("CC_x86_64_unknown_linux_musl", "musl-gcc")],
    },
    // Graviton. Debian has no aarch64 musl cross compiler, but ring's C needs
    // no libc headers and rustc links musl's own crt and libc (the target's
    // self-contained objects), so the glibc cross gcc does as compiler and
    // linker driver.
    Target {
        triple: "aarch64-unknown-linux-musl",
        cc: "aarch64-linux-gnu-gcc",
        cc_package: "gcc-aarch64-linux-gnu",
        env: &[
            ("CC_aarch64_unknown_linux_musl", "aarch64-linux-gnu-gcc"),
            ("AR_aarch64_unknown_linux_musl", "aarch64-linux-gnu-ar"),
            (
                "CARGO_TARGET_AARCH64_UNKNOWN_LINUX_MUSL_LINKER",
                "aarch64-linux-gnu-gcc",
            ),
        ],
    },
];

/// A cargo subcommand installed with `cargo install`.
struct CargoTool {
    subcommand: &'static str,
    krate: &'static str,
    /// Pinned: the packages are only as reproducible as the tool that makes
    /// them, and the metadata in Cargo.toml relies on features of these
    /// versions (`config = "noreplace"` in cargo-generate-rpm, for one).
    version: &'static str,
}

const CARGO_TOOLS: [CargoTool; 2] = [
    CargoTool {
        subcommand: "deb",
        krate: "cargo-deb",
        version: "3.8.0",
    },
    CargoTool {
        subcommand: "generate-rpm",
        krate: "cargo-generate-rpm",
        version: "0.21.1",
    },
];

/// Checks, and with `install` installs, everything needed to build
/// `targets` and package them.
pub fn ensure(targets: &[Target], install: bool) -> Result<()> {
    ensure_rust_targets(targets, install)?;
    ensure_debian_packages(targets, install)?;
    for tool in &CARGO_TOOLS {
        ensure_cargo_tool(tool, install)?;
    }
    Ok(())
}

fn ensure_rust_targets(targets: &[Target], install: bool) -> Result<()> {
    if !on_path("rustup") {
        // No rustup: the toolchain must already have the targets.
        let sysroot = output(Command::new("rustc").args(["--print", "sysroot"]))?;
        let missing: Vec<_> = targets
            .iter()
            .filter(|t| {
                !std::path::Path::new(sysroot.trim())
                    .join("lib/rustlib")
                    .join(t.triple)
                    .is_dir()
            })
            .map(|t| t.triple)
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        return Err(format!(
            "the Rust standard library for {} is missing and rustup is not installed",
            missing.join(", ")
        )
        .into());
    }
    let installed = output(Command::new("rustup").args(["target", "list", "--installed"]))?;
    let missing: Vec<_> = targets
        .iter()
        .map(|t| t.triple)
        .filter(|triple| !installed.lines().any(|l| l.trim() == *triple))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    if !install {
        return Err(format!(
            "missing Rust targets: rustup target add {}",
            missing.join(" ")
        )
        .into());
    }
    exec(
        Command::new("rustup")
            .args(["target", "add"])
            .args(&missing),
    )
}

fn ensure_debian_packages(targets: &[Target], install: bool) -> Result<()> {
    let mut missing: Vec<&str> = targets
        .iter()
        .filter(|t| !on_path(t.cc))
        .map(|t| t.cc_package)
        .collect();
    missing.dedup();
    if missing.is_empty() {
        return Ok(());
    }
    let hint = format!("apt-get install {}", missing.join(" "));
    if !install {
        return Err(format!("missing C compilers: {hint}").into());
    }
    if !on_path("apt-get") {
        return Err(format!(
            "missing C compilers and no apt-get here; on Debian or Ubuntu: {hint}"
        )
        .into());
    }
    if !is_root() {
        return Err(format!("missing C compilers; as root: {hint}").into());
    }
    exec(Command::new("apt-get").args(["update", "-qq"]))?;
    exec(
        Command::new("apt-get")
            .env("DEBIAN_FRONTEND", "noninteractive")
            .args(["install", "-y", "-qq", "--no-install-recommends"])
            .args(&missing),
    )
}

fn ensure_cargo_tool(tool: &CargoTool, install: bool) -> Result<()> {
    let wanted = format!("{} {}", tool.krate, tool.version);
    // `cargo deb --version` prints "cargo-deb 3.8.0".
    let found = output(cargo().args([tool.subcommand, "--version"]))
        .ok()
        .map(|v| v.trim().to_owned());
    if found.as_deref() == Some(wanted.as_str()) {
        return Ok(());
    }
    let spec = format!("{}@{}", tool.krate, tool.version);
    if !install {
        let have = found.unwrap_or_else(|| "not installed".into());
        return Err(format!("need {wanted} ({have}): cargo install --locked {spec}").into());
    }
    if let Some(other) = found {
        eprintln!("xtask: {other} found, installing the pinned {wanted}");
    }
    exec(cargo().args(["install", "--locked", &spec]))
}
