//! `paperplane-fault-proxy`: TCP proxies that break connections on
//! purpose, for soak tests against any client and server.
//!
//! ```text
//! paperplane-fault-proxy --route 127.0.0.1:0=127.0.0.1:40002 [--route …] [--seed S] [--faults-on]
//! ```
//!
//! Prints `route LISTEN UPSTREAM` per route and `ready`. SIGUSR2 turns
//! faults on, SIGUSR1 off; on SIGTERM or Ctrl-C it prints what it did
//! (`faults connections=… refused=… fin=… rst=… stalls=… trickles=… expired=…`)
//! and exits.

use std::net::SocketAddr;
use std::process::ExitCode;

use paperplane_testserver::fault_proxy::{FaultCounts, FaultProxy};
use tokio::signal::unix::{SignalKind, signal};

const USAGE: &str =
    "usage: paperplane-fault-proxy --route LISTEN=UPSTREAM [--route …] [--seed S] [--faults-on]";

struct Args {
    routes: Vec<(SocketAddr, SocketAddr)>,
    seed: u64,
    faults_on: bool,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut parsed = Args {
        routes: Vec::new(),
        seed: 0,
        faults_on: false,
    };
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--route" => {
                let value = args.next().ok_or("--route needs LISTEN=UPSTREAM")?;
                let (listen, upstream) = value
                    .split_once('=')
                    .ok_or_else(|| format!("--route {value}: expected LISTEN=UPSTREAM"))?;
                let addr = |s: &str| {
                    s.parse::<SocketAddr>()
                        .map_err(|e| format!("--route {value}: {s}: {e}"))
                };
                parsed.routes.push((addr(listen)?, addr(upstream)?));
            }
            "--seed" => {
                let value = args.next().ok_or("--seed needs a number")?;
                parsed.seed = value.parse().map_err(|e| format!("--seed {value}: {e}"))?;
            }
            "--faults-on" => parsed.faults_on = true,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    if parsed.routes.is_empty() {
        return Err("at least one --route is needed".into());
    }
    Ok(parsed)
}

fn total(proxies: &[FaultProxy]) -> FaultCounts {
    proxies.iter().fold(FaultCounts::default(), |mut sum, p| {
        let c = p.counts();
        sum.connections += c.connections;
        sum.refused += c.refused;
        sum.fin += c.fin;
        sum.rst += c.rst;
        sum.stalls += c.stalls;
        sum.trickles += c.trickles;
        sum.expired += c.expired;
        sum
    })
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = match parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(e) => {
            eprintln!("{e}\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let mut proxies = Vec::new();
    for (i, (listen, upstream)) in args.routes.iter().enumerate() {
        // One generator per route, all from the seed.
        match FaultProxy::start(*listen, *upstream, args.seed.wrapping_add(i as u64)).await {
            Ok(proxy) => {
                proxy.set_faults(args.faults_on);
                println!("route {} {}", proxy.addr(), upstream);
                proxies.push(proxy);
            }
            Err(e) => {
                eprintln!("cannot listen on {listen}: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    println!("ready");
    let (Ok(mut on), Ok(mut off), Ok(mut term)) = (
        signal(SignalKind::user_defined2()),
        signal(SignalKind::user_defined1()),
        signal(SignalKind::terminate()),
    ) else {
        eprintln!("cannot install signal handlers");
        return ExitCode::FAILURE;
    };
    loop {
        tokio::select! {
            _ = on.recv() => proxies.iter().for_each(|p| p.set_faults(true)),
            _ = off.recv() => proxies.iter().for_each(|p| p.set_faults(false)),
            _ = term.recv() => break,
            _ = tokio::signal::ctrl_c() => break,
        }
    }
    let c = total(&proxies);
    println!(
        "faults connections={} refused={} fin={} rst={} stalls={} trickles={} expired={}",
        c.connections, c.refused, c.fin, c.rst, c.stalls, c.trickles, c.expired
    );
    ExitCode::SUCCESS
}
