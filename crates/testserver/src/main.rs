//! `paperplane-testserver`: a local Telegram for people and other clients.
//!
//! ```text
//! paperplane-testserver [--listen HOST:PORT] [--rsa-key FILE] [--rsa-pub-out FILE]
//!     [--data-dir DIR] [--world FILE] [--bot USERNAME=TOKEN]... [--strict-bots]
//!     [--require-signup] [--proxy-secret HEX]...
//! ```
//!
//! Prints `dc <id> <host>:<port>` for each DC, `proxy <host>:<port>` when
//! an MTProxy secret was given, then `ready`, and serves
//! until Ctrl-C (then saves to `--data-dir`, if given).

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;

use paperplane_crypto::rsa::RsaPrivateKey;
use paperplane_mtproto::transport::ProxySecret;
use paperplane_testserver::{Options, TestServer};

const USAGE: &str = "\
usage: paperplane-testserver [OPTIONS]

  --listen HOST:PORT     where DC 2 listens; DCs 1, 3, 4, 5 take the next ports
                         (default 127.0.0.1:0: any free ports)
  --rsa-key FILE         the server's RSA private key (PEM); a fresh one by default
  --rsa-pub-out FILE     write the public key (PKCS#1 PEM) for clients to trust
  --data-dir DIR         load the world and auth keys from DIR/world.json at start,
                         save them there on Ctrl-C
  --world FILE           accounts to create at start, one per line:
                           user PHONE FIRST_NAME [@USERNAME] [password=PW] [hint=HINT]
                           bot @USERNAME TOKEN
                           fault KIND ARGS... [times=N]  (armed at start)
                             flood_wait METHOD SECONDS | error METHOD CODE MESSAGE
                             drop_after_request METHOD | silence METHOD
                             undecodable METHOD | bad_msg_notification CODE
                             withhold_updates PHONE COUNT | skew_clock SECONDS
                             drop_connection_after_bytes N [connections=C]
                             drop_connection_after_messages N [connections=C]
                         (`#` starts a comment line)
  --bot USERNAME=TOKEN   register a bot (repeatable); its token always logs in
  --strict-bots          refuse unknown bot tokens instead of creating the bot
  --require-signup       new test numbers must auth.signUp (as on Telegram)
                         instead of being created by auth.signIn
  --proxy-secret HEX     also listen as an MTProxy (on the port after DC 5's) with
                         this secret (repeatable, any of them is accepted):
                         32 hex digits (simple), dd + 32 (padded intermediate)
                         or ee + 32 + the hex of a domain (FakeTLS); the
                         obfuscated2 header's DC id picks the DC

Test phone numbers are 99966XYYYY, living on DC X; the login code is X five
times (9996621234 -> 22222). Bot tokens are <id>:<secret>.";

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
            "--data-dir" => options.data_dir = Some(value("--data-dir")?.into()),
            "--world" => {
                let path = value("--world")?;
                let text = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
                let world = paperplane_testserver::seed::parse(&text)
                    .map_err(|e| format!("{path}: {e}"))?;
                options.users.extend(world.users);
                options.bots.extend(world.bots);
                options.faults.extend(world.faults);
            }
            "--bot" => {
                let v = value("--bot")?;
                let (name, token) = v
                    .split_once('=')
                    .ok_or(format!("--bot {v}: expected USERNAME=TOKEN\n{USAGE}"))?;
                let name = name.strip_prefix('@').unwrap_or(name);
                options.bots.push((name.to_owned(), token.to_owned()));
            }
            "--strict-bots" => options.strict_bots = true,
            "--require-signup" => options.require_signup = true,
            "--proxy-secret" => {
                let v = value("--proxy-secret")?;
                let secret = ProxySecret::from_hex(&v)
                    .map_err(|e| format!("--proxy-secret: {e}\n{USAGE}"))?;
                options.proxy_secrets.push(secret);
            }
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
    if let Some(addr) = server.proxy_addr() {
        let _ = writeln!(stdout, "proxy {addr}");
    }
    let _ = writeln!(stdout, "ready");
    let _ = stdout.flush();
    drop(stdout);
    let _ = tokio::signal::ctrl_c().await;
    if let Err(e) = server.close().await {
        eprintln!("saving the world failed: {e}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
