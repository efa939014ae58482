//! Makes sure the tools `dist` needs are there, installing what is missing:
//! rustup targets, C cross compilers and their C library headers from Debian
//! packages (ring compiles C and assembly), cargo-deb and cargo-generate-rpm
//! at pinned versions. A compiler counts as present only when it compiles a
//! probe that includes the headers ring's C includes, so a compiler without
//! its headers is found before ring's build script fails on it.
//! Idempotent: a second run checks and installs nothing.

use crate::Result;
use crate::run::{cargo, exec, is_root, on_path, output};
use std::process::Command;

/// A Rust target that `dist` builds, and how to cross-compile for it on a
/// Debian or Ubuntu x86_64 host.
#[derive(Debug, Clone, Copy)]
pub struct Target {
    pub triple: &'static str,
    /// The C compiler ring's build script uses.
    pub cc: &'static str,
    /// The Debian packages that make `cc` work for ring: the compiler and
    /// the target's C library headers, named explicitly because `apt-get
    /// --no-install-recommends` (and minimal images) leave recommended
    /// packages out.
    pub packages: &'static [&'static str],
    /// Environment for `cargo build`, unless already set by the caller.
    pub env: &'static [(&'static str, &'static str)],
}

/// Static musl binaries: one package runs on any distribution and any glibc
/// (Amazon Linux 2023, Debian, Ubuntu, RHEL...).
pub const TARGETS: [Target; 2] = [
    Target {
        triple: "x86_64-unknown-linux-musl",
        cc: "musl-gcc",
        // musl-gcc is a wrapper around the host's gcc (musl-tools does not
        // depend on it); musl-dev, a dependency, has the headers.
        packages: &["musl-tools", "gcc"],
        env: &[("CC_x86_64_unknown_linux_musl", "musl-gcc")],
    },
    // Graviton. Debian has no aarch64 musl cross compiler, so the glibc cross
    // gcc is the compiler and the linker driver. ring's C includes
    // <stdint.h>, <string.h> and <stdlib.h>, and gcc's own <stdint.h> pulls
    // in the C library's, so the cross glibc headers (libc6-dev-arm64-cross,
    // only a Recommends of gcc-aarch64-linux-gnu) are needed: without them
    // the build stops at a missing header (`stdint.h`, or
    // `bits/libc-header-start.h` when some other libc headers are there). The objects only use freestanding declarations (integer
    // types, memcpy), which glibc's and musl's ABIs share on aarch64; rustc
    // links musl's own crt and libc (the target's self-contained objects).
    Target {
        triple: "aarch64-unknown-linux-musl",
        cc: "aarch64-linux-gnu-gcc",
        packages: &["gcc-aarch64-linux-gnu", "libc6-dev-arm64-cross"],
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

/// What ring's C needs from a compiler: the C library headers it includes.
const PROBE_C: &str = "#include <stddef.h>\n#include <stdint.h>\n#include <stdlib.h>\n#include <string.h>\nint probe(void) { return (int)sizeof(uint64_t); }\n";

/// Compiles [`PROBE_C`] with `cc`: `Err` holds why it cannot (not installed,
/// or the compiler's own error, e.g. a missing header).
fn probe_compiler(cc: &str) -> std::result::Result<(), String> {
    if !on_path(cc) {
        return Err(format!("{cc} is not installed"));
    }
    let dir = std::env::temp_dir().join(format!("xtask-cc-probe-{}", std::process::id()));
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let source = dir.join("probe.c");
    let result = std::fs::write(&source, PROBE_C)
        .map_err(|e| format!("cannot write {}: {e}", source.display()))
        .and_then(|()| {
            output(
                Command::new(cc)
                    .arg("-c")
                    .arg(&source)
                    .arg("-o")
                    .arg(dir.join("probe.o")),
            )
            .map(drop)
            .map_err(|e| e.to_string())
        });
    let _ = std::fs::remove_dir_all(&dir);
    result
}

/// Targets whose C compiler cannot build ring yet, with the reason.
fn unusable_compilers(targets: &[Target]) -> Vec<(&Target, String)> {
    targets
        .iter()
        .filter_map(|t| probe_compiler(t.cc).err().map(|why| (t, why)))
        .collect()
}

fn ensure_debian_packages(targets: &[Target], install: bool) -> Result<()> {
    let unusable = unusable_compilers(targets);
    if unusable.is_empty() {
        return Ok(());
    }
    let mut packages: Vec<&str> = unusable
        .iter()
        .flat_map(|(t, _)| t.packages.iter().copied())
        .collect();
    packages.sort_unstable();
    packages.dedup();
    let hint = format!("apt-get install {}", packages.join(" "));
    let reasons: Vec<String> = unusable
        .iter()
        .map(|(t, why)| format!("{} ({}): {why}", t.cc, t.triple))
        .collect();
    let reasons = reasons.join("; ");
    if !install {
        return Err(format!("C compilers cannot build ring: {reasons}; {hint}").into());
    }
    if !on_path("apt-get") {
        return Err(format!(
            "C compilers cannot build ring ({reasons}) and there is no apt-get here; on Debian or Ubuntu: {hint}"
        )
        .into());
    }
    if !is_root() {
        return Err(format!("C compilers cannot build ring ({reasons}); as root: {hint}").into());
    }
    eprintln!("xtask: {reasons}");
    exec(Command::new("apt-get").args(["update", "-qq"]))?;
    exec(
        Command::new("apt-get")
            .env("DEBIAN_FRONTEND", "noninteractive")
            .args(["install", "-y", "-qq", "--no-install-recommends"])
            .args(&packages),
    )?;
    let still: Vec<String> = unusable_compilers(targets)
        .iter()
        .map(|(t, why)| format!("{} ({}): {why}", t.cc, t.triple))
        .collect();
    if still.is_empty() {
        Ok(())
    } else {
        Err(format!("after {hint}, still: {}", still.join("; ")).into())
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    /// A compiler that is installed but lacks the target's C library
    /// headers (gcc-aarch64-linux-gnu without libc6-dev-arm64-cross) is not
    /// good enough: `dist` must install the headers, not trust `which`.
    #[test]
    fn a_compiler_without_libc_headers_is_unusable() {
        let dir = std::env::temp_dir().join(format!("xtask-fake-cc-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let cc = dir.join("fake-aarch64-gcc");
        std::fs::write(
            &cc,
            "#!/bin/sh\necho '/usr/lib/gcc-cross/aarch64-linux-gnu/12/include/stdint.h:9:16: fatal error: bits/libc-header-start.h: No such file or directory' >&2\nexit 1\n",
        )
        .unwrap();
        std::fs::set_permissions(&cc, std::fs::Permissions::from_mode(0o755)).unwrap();
        let cc: &'static str = Box::leak(cc.to_str().unwrap().to_owned().into_boxed_str());
        let target = Target {
            triple: "aarch64-unknown-linux-musl",
            cc,
            packages: &["gcc-aarch64-linux-gnu", "libc6-dev-arm64-cross"],
            env: &[],
        };
        let targets = [target];
        let unusable = unusable_compilers(&targets);
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(unusable.len(), 1);
        assert!(
            unusable[0].1.contains("bits/libc-header-start.h"),
            "{}",
            unusable[0].1
        );
        let missing = probe_compiler("no-such-cross-gcc").unwrap_err();
        assert_eq!(missing, "no-such-cross-gcc is not installed");
    }

    #[test]
    fn the_cross_compiler_packages_include_the_c_library_headers() {
        let aarch64 = TARGETS
            .iter()
            .find(|t| t.triple == "aarch64-unknown-linux-musl")
            .unwrap();
        assert!(aarch64.packages.contains(&"libc6-dev-arm64-cross"));
    }

    /// The host's gcc, with its headers, passes the probe (skipped where
    /// there is none).
    #[test]
    fn the_host_compiler_passes_the_probe() {
        if on_path("gcc") {
            probe_compiler("gcc").unwrap();
        }
    }
}
