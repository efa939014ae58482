//! The TOML config: `Config::parse` on any text returns a config or an error
//! (with a line number inside the file), never panics.
#![no_main]

use ec2_dns_updater::config::{Config, ConfigError};
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let text = text.as_ref();
    match Config::parse(text, Path::new("fuzz.toml")) {
        Ok(config) => {
            let _ = format!("{config:?}");
            let _ = config.require_records();
            for record in &config.records {
                let _ = record.types();
                let _ = record.zone.to_string();
                let _ = record.name.iam_pattern();
                let _ = record.name.render(|_| Some("i-0123456789abcdef0".into()));
            }
        }
        Err(error) => {
            let shown = error.to_string();
            assert!(shown.starts_with("fuzz.toml"), "{shown}");
            if let ConfigError::Parse { line, .. } | ConfigError::Invalid { line, .. } = error {
                let lines = text.split('\n').count();
                assert!(
                    line >= 1 && line <= lines,
                    "line {line} of {lines}: {shown}"
                );
            }
        }
    }
});
