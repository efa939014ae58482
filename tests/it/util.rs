//! Shared test helpers: start the simulator in-process on 127.0.0.1:0, write
//! a config, run the real `ec2-dns-updater` binary against it and capture
//! what an operator would see (exit code, stdout, stderr).

#![allow(dead_code)]

use ec2_dns_sim::{ImdsConfig, Route53Config, Sim, SimConfig};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

pub const BIN: &str = env!("CARGO_BIN_EXE_ec2-dns-updater");
pub const ZONE: &str = ec2_dns_sim::config::DEFAULT_ZONE_ID;
pub const HOSTNAME: &str = ec2_dns_sim::config::DEFAULT_PUBLIC_HOSTNAME;

/// What a run showed the operator.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Run {
    /// Panics with the whole output when the exit code is not `code`.
    #[track_caller]
    pub fn expect_code(&self, code: i32) -> &Self {
        assert_eq!(
            self.code, code,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }

    #[track_caller]
    pub fn expect_stderr(&self, needle: &str) -> &Self {
        assert!(
            self.stderr.contains(needle),
            "stderr lacks {needle:?}\n--- stderr\n{}",
            self.stderr
        );
        self
    }

    /// The summary line (the last info line).
    pub fn summary(&self) -> &str {
        self.stderr
            .lines()
            .rev()
            .find(|l| l.contains("Route 53 API call"))
            .unwrap_or("")
    }
}

/// A simulator plus a scratch directory (config, state dir, HOME).
pub struct Env {
    pub sim: Sim,
    pub dir: tempfile::TempDir,
}

impl Env {
    pub async fn start(config: SimConfig) -> Env {
        Env {
            sim: Sim::start(config).await.expect("simulator starts"),
            dir: tempfile::tempdir().unwrap(),
        }
    }

    pub async fn default() -> Env {
        Self::start(SimConfig::default()).await
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A config for one CNAME `web.example.com` pointing at the simulator,
    /// with `extra` TOML appended to the `[route53]` table.
    pub fn config(&self, route53_extra: &str) -> PathBuf {
        PathBuf::from(self.config_file().route53(route53_extra).write())
    }

    /// The one config builder: a config pointing at this simulator with
    /// `deadline = "60s"`, one CNAME `web.example.com` (TTL 60) in the
    /// default zone and `imds.wait_timeout = "10s"`; each part can be
    /// replaced, and [`ConfigFile::write`] writes it to the scratch directory.
    pub fn config_file(&self) -> ConfigFile<'_> {
        ConfigFile {
            env: self,
            deadline: Some("60s".into()),
            top: String::new(),
            records: format!(
                "[[record]]\nzone = \"{ZONE}\"\nname = \"web.example.com\"\nttl = 60\n"
            ),
            route53: String::new(),
            imds: "wait_timeout = \"10s\"".into(),
        }
    }

    pub fn write_config(&self, text: &str) -> PathBuf {
        let path = self.path("config.toml");
        std::fs::write(&path, text).unwrap();
        path
    }

    /// Runs the updater with `args` plus `--state-dir`, with a clean
    /// environment (no AWS_* variables, HOME in the scratch directory) plus `env`.
    pub async fn run(&self, args: &[&str], env: &[(&str, &str)]) -> Run {
        run_bin(&self.isolated(args), self.dir.path(), env).await
    }

    /// `program` (the updater, or a wrapper that passes its arguments on)
    /// as a child process with `args` plus this test's `--state-dir`, in the
    /// clean environment of [`run_bin`]: for tests that signal it or do
    /// something while it runs.
    pub fn command(&self, program: &str, args: &[&str]) -> tokio::process::Command {
        command(program, &self.isolated(args), self.dir.path(), &[])
    }

    /// `args` plus `--state-dir` in the scratch directory: no run reads or
    /// writes the state directory of another test or of the machine. The
    /// one place that adds it.
    fn isolated(&self, args: &[&str]) -> Vec<String> {
        let mut full: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        full.push("--state-dir".into());
        full.push(self.path("state").display().to_string());
        full
    }

    /// The CNAME value of `name` in the default zone, if any.
    pub fn cname(&self, name: &str) -> Option<String> {
        self.sim
            .record(ZONE, name, "CNAME")
            .map(|r| r.values.join(","))
    }

    /// How many Route 53 requests of `op` the simulator received.
    pub fn count(&self, op: ec2_dns_sim::Operation) -> usize {
        self.sim
            .requests()
            .iter()
            .filter(|r| r.operation == Some(op))
            .count()
    }

    pub fn route53_requests(&self) -> Vec<ec2_dns_sim::RequestLog> {
        self.sim
            .requests()
            .into_iter()
            .filter(|r| r.service == ec2_dns_sim::Service::Route53)
            .collect()
    }
}

/// A config being built ([`Env::config_file`]); the endpoints are always
/// the simulator's.
#[derive(Clone)]
pub struct ConfigFile<'a> {
    env: &'a Env,
    deadline: Option<String>,
    top: String,
    records: String,
    route53: String,
    imds: String,
}

impl ConfigFile<'_> {
    /// `deadline = "<d>"`; `None`: no `deadline` key (the default applies).
    pub fn deadline(mut self, d: Option<&str>) -> Self {
        self.deadline = d.map(str::to_owned);
        self
    }

    /// Other top-level keys.
    pub fn top(mut self, lines: &str) -> Self {
        self.top = lines.to_owned();
        self
    }

    /// The `[[record]]` tables, whole, instead of the default one.
    pub fn records(mut self, tables: &str) -> Self {
        self.records = tables.to_owned();
        self
    }

    /// Lines for `[route53]`, after its `endpoint`.
    pub fn route53(mut self, lines: &str) -> Self {
        self.route53 = lines.to_owned();
        self
    }

    /// Lines for `[imds]`, after its `endpoint`, instead of the default
    /// `wait_timeout = "10s"`.
    pub fn imds(mut self, lines: &str) -> Self {
        self.imds = lines.to_owned();
        self
    }

    /// The TOML text.
    pub fn text(&self) -> String {
        let deadline = self
            .deadline
            .as_ref()
            .map(|d| format!("deadline = \"{d}\"\n"))
            .unwrap_or_default();
        format!(
            "{deadline}{}\n\n{}\n\n[route53]\nendpoint = \"{}\"\n{}\n\n[imds]\nendpoint = \"{}\"\n{}\n",
            self.top,
            self.records,
            self.env.sim.route53_url(),
            self.route53,
            self.env.sim.imds_url(),
            self.imds,
        )
    }

    /// Writes it as `config.toml` in the scratch directory; returns its path.
    pub fn write(&self) -> String {
        let path = self.env.write_config(&self.text());
        path.to_str().unwrap().to_owned()
    }
}

/// Changes are INSYNC at once: the change answer says so and no GetChange
/// is sent (tests of the wait set their own propagation).
pub fn fast() -> SimConfig {
    SimConfig {
        route53: Route53Config {
            propagation: Duration::ZERO,
            ..Default::default()
        },
        ..Default::default()
    }
}

/// Changes take a second to propagate: the run polls GetChange once (at
/// 6 s, `wait::poll_after`). For tests about every request of a run.
pub fn propagating() -> SimConfig {
    with_route53(|r| r.propagation = Duration::from_secs(1))
}

/// [`fast`] with this IMDS.
pub fn with_imds(imds: ImdsConfig) -> SimConfig {
    SimConfig { imds, ..fast() }
}

/// [`fast`] with its Route 53 changed by `f`.
pub fn with_route53(f: impl FnOnce(&mut Route53Config)) -> SimConfig {
    let mut c = fast();
    f(&mut c.route53);
    c
}

/// `program` with `args` and a clean environment: `HOME=home`, `PATH`, plus
/// `env`; output piped, killed when dropped.
pub fn command(
    program: &str,
    args: &[String],
    home: &Path,
    env: &[(&str, &str)],
) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(program);
    cmd.args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

/// What a finished child showed, `started` being when it was started (or signalled).
pub fn finished(out: std::process::Output, started: Instant) -> Run {
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        elapsed: started.elapsed(),
    }
}

/// Runs the binary with a clean environment: `HOME=home`, `PATH`, plus `env`.
pub async fn run_bin(args: &[String], home: &Path, env: &[(&str, &str)]) -> Run {
    let started = Instant::now();
    let out = tokio::time::timeout(
        Duration::from_secs(180),
        command(BIN, args, home, env).output(),
    )
    .await
    .expect("the updater finishes within 180 s")
    .expect("the updater runs");
    finished(out, started)
}

/// Runs with string arguments.
pub async fn run_args(args: &[&str], home: &Path) -> Run {
    let owned: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    run_bin(&owned, home, &[]).await
}
