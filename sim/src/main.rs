//! `ec2-dns-sim`: runs the simulator until SIGTERM or SIGINT.
//!
//! Exit codes: 0 stopped by a signal; 1 could not start or write a file;
//! 2 invalid command line.

mod cli;

use clap::Parser;
use ec2_dns_sim::{IpStack, STATIC_ACCESS_KEY_ID, STATIC_SECRET_ACCESS_KEY, Sim, SimConfig};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use thiserror::Error;

#[derive(Debug, Error)]
enum RunError {
    #[error("cannot start the simulator")]
    Start(#[source] std::io::Error),
    #[error("cannot write {path}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot wait for signals")]
    Signal(#[source] std::io::Error),
    #[error("cannot start the async runtime")]
    Runtime(#[source] std::io::Error),
}

fn main() -> ExitCode {
    let args = cli::Args::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let config = match args.to_config() {
        Ok(c) => c,
        Err(e) => {
            eprintln!("ec2-dns-sim: {e}");
            return ExitCode::from(2);
        }
    };
    match run(&args, config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let mut message = format!("ec2-dns-sim: {e}");
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                message.push_str(&format!(": {s}"));
                source = s.source();
            }
            eprintln!("{message}");
            ExitCode::from(1)
        }
    }
}

fn run(args: &cli::Args, config: SimConfig) -> Result<(), RunError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(RunError::Runtime)?;
    runtime.block_on(serve(args, config))
}

async fn serve(args: &cli::Args, config: SimConfig) -> Result<(), RunError> {
    let static_key = config.route53.static_keys.first().cloned();
    let v6 = |addr: std::net::SocketAddr, stack: IpStack| match stack {
        IpStack::Ipv6 if addr == "127.0.0.1:0".parse().expect("a socket address") => {
            "[::1]:0".parse().expect("a socket address")
        }
        _ => addr,
    };
    let imds = v6(args.imds_listen, args.imds_stack);
    let route53 = v6(args.route53_listen, args.route53_stack);
    let sim = Sim::start_on(config, imds, route53)
        .await
        .map_err(RunError::Start)?;
    if let (Some(path), Some(pem)) = (&args.ca_out, sim.ca_pem()) {
        write_atomically(path, pem.as_bytes())?;
    }
    let (key_id, secret) = match &static_key {
        Some(k) => (
            k.access_key_id.clone(),
            k.secret_access_key.expose().to_owned(),
        ),
        None => (
            STATIC_ACCESS_KEY_ID.to_owned(),
            STATIC_SECRET_ACCESS_KEY.to_owned(),
        ),
    };
    // The static pair is a simulator value, printed on purpose so that
    // scripts can sign with it; it opens nothing real.
    let mut ready = serde_json::json!({
        "imds": sim.imds_url(),
        "route53": sim.route53_url(),
        "static_access_key_id": key_id,
        "static_secret_access_key": secret,
    });
    if let Some(url) = sim.imds_url_v6() {
        ready["imds_v6"] = url.into();
    }
    if let Some(url) = sim.route53_url_v6() {
        ready["route53_v6"] = url.into();
    }
    let line = ready.to_string();
    // The file first: whoever reads the stdout line may look for the file.
    if let Some(path) = &args.ready_file {
        write_atomically(path, format!("{line}\n").as_bytes())?;
    }
    {
        let mut stdout = std::io::stdout().lock();
        let _ = writeln!(stdout, "{line}");
        let _ = stdout.flush();
    }
    wait_for_signal().await.map_err(RunError::Signal)?;
    tracing::info!("signal received, stopping");
    sim.shutdown().await;
    Ok(())
}

/// Writes `data` to a temporary file beside `path`, then renames it over
/// `path`, so a reader never sees a partial file.
fn write_atomically(path: &Path, data: &[u8]) -> Result<(), RunError> {
    let err = |source| RunError::Write {
        path: path.to_owned(),
        source,
    };
    let mut tmp_name = path.file_name().unwrap_or_default().to_owned();
    tmp_name.push(format!(".tmp.{}", std::process::id()));
    let tmp = path.with_file_name(tmp_name);
    std::fs::write(&tmp, data).map_err(err)?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        err(e)
    })
}

async fn wait_for_signal() -> std::io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
    }
    Ok(())
}
