//! `paperplane-testserver`: a local Telegram for people and other clients.
//!
//! ```text
//! paperplane-testserver [--listen HOST:PORT] [--rsa-key FILE] [--rsa-pub-out FILE]
//! ```
//!
//! Prints `dc <id> <host>:<port>` for each DC, then `ready`, and serves
//! until Ctrl-C.

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;

use paperplane_crypto::rsa::RsaPrivateKey;
use paperplane_testserver::{Options, TestServer};

const USAGE: &str =
    "usage: paperplane-testserver [--listen HOST:PORT] [--rsa-key FILE] [--rsa-pub-out FILE]";

struct Args {
    options: Options,
    rsa_pub_out: Option<String>,
}

fn parse_args() -> Result<Args, String> {
    let mut options = Options::default();
    let mut rsa_pub_out = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value\n{USAGE}"));
        match arg.as_str() {
            "--listen" => {
                let v = value("--listen")?;
                options.listen = v
                    .parse::<SocketAddr>()
                    .map_err(|e| format!("--listen {v}: {e}"))?;
            }
            "--rsa-key" => {
                let path = value("--rsa-key")?;
                let pem = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
                options.rsa =
                    Some(RsaPrivateKey::from_pem(&pem).map_err(|e| format!("{path}: {e}"))?);
            }
            "--rsa-pub-out" => rsa_pub_out = Some(value("--rsa-pub-out")?),
            "-h" | "--help" => return Err(USAGE.into()),
            other => return Err(format!("unknown argument `{other}`\n{USAGE}")),
        }
    }
    Ok(Args {
        options,
        rsa_pub_out,
    })
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let server = match TestServer::start(args.options).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Some(path) = args.rsa_pub_out {
        if let Err(e) = std::fs::write(&path, server.public_key().to_pkcs1_pem()) {
            eprintln!("{path}: {e}");
            return ExitCode::FAILURE;
        }
    }
    let mut stdout = std::io::stdout().lock();
    for dc in server.dcs() {
        let _ = writeln!(stdout, "dc {} {}", dc.id, dc.addr);
    }
    let _ = writeln!(stdout, "ready");
    let _ = stdout.flush();
    drop(stdout);
    let _ = tokio::signal::ctrl_c().await;
    server.shutdown().await;
    ExitCode::SUCCESS
}
