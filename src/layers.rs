//! The layering check: a module imports only from its own layer or from the
//! layers the table below lists for it (`docs/ARCHITECTURE.md`). Run it with
//! `cargo test --lib layers`.

use std::path::{Path, PathBuf};

/// Each layer (a folder of `src/`) and the layers it may import from.
/// Everything may use the `aws_sign` crate.
const ALLOWED: &[(&str, &[&str])] = &[
    ("dns", &[]),
    ("aws", &[]),
    ("route53", &["aws", "dns"]),
    ("config", &["aws", "dns"]),
    ("run", &["config", "route53", "aws", "dns"]),
    ("cmd", &["run", "config", "route53", "aws", "dns"]),
];

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The layers `text` names as `crate::<layer>`, outside comments.
fn referenced_layers(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        let mut rest = code;
        while let Some(i) = rest.find("crate::") {
            rest = &rest[i + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            found.push((n + 1, name));
        }
    }
    found
}

#[test]
fn imports_only_point_down() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut upward = Vec::new();
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !path.is_dir() {
            assert!(
                ["lib.rs", "main.rs", "layers.rs"].contains(&name.as_str()),
                "src/{name}: code lives in a layer's folder (add it to ALLOWED if it is a new layer)"
            );
            continue;
        }
        let Some((_, allowed)) = ALLOWED.iter().find(|(layer, _)| *layer == name) else {
            panic!("src/{name}/ is not a layer of ALLOWED");
        };
        let mut files = Vec::new();
        rust_files(&path, &mut files);
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for (line, target) in referenced_layers(&text) {
                if target != name && !allowed.contains(&target.as_str()) {
                    upward.push(format!(
                        "{}:{line}: {name} imports crate::{target}",
                        file.strip_prefix(&src).unwrap().display()
                    ));
                }
            }
        }
    }
    assert!(
        upward.is_empty(),
        "imports against the layering (src/layers.rs, docs/ARCHITECTURE.md):\n{}",
        upward.join("\n")
    );
}

/// The signing crate stays a leaf: no async runtime, no HTTP, no path
/// dependency on the updater.
#[test]
fn the_signing_crate_is_a_leaf() {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/aws-sign/Cargo.toml");
    let text = std::fs::read_to_string(manifest).unwrap();
    let mut section = "";
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            section = line;
            continue;
        }
        if !section.contains("dependencies") || line.is_empty() || line.starts_with('#') {
            continue;
        }
        let name = line.split('=').next().unwrap_or("").trim();
        assert!(
            !["tokio", "reqwest", "hyper", "ec2-dns-updater"].contains(&name)
                && !line.contains("path"),
            "crates/aws-sign must stay a leaf: {section} {line}"
        );
    }
}

#[test]
fn the_check_sees_an_upward_import() {
    let found = referenced_layers(
        "use crate::dns::name::DnsName;\n// crate::cmd in a comment\nlet x = crate::run::context::Context::new();",
    );
    assert_eq!(found, [(1, "dns".to_owned()), (3, "run".to_owned())]);
}
