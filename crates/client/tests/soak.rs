//! The soak: users and a bot exchange messages through TCP fault proxies
//! (refused connects, FINs and RSTs mid-frame, stalls, trickles) and the
//! server's own faults (lost answers, withheld and swapped updates), from
//! a seed; afterwards nothing may be lost or delivered twice.
//!
//! The default run is short. The long one:
//! `SOAK_MESSAGES=2000 SOAK_CLIENTS=4 cargo test --release -p paperplane --test soak -- --nocapture`
//! (`SOAK_SEED` replays a run).

#[path = "../examples/faults_soak/exchange.rs"]
mod exchange;

use std::sync::Arc;
use std::time::Duration;

use paperplane_testserver::fault_proxy::FaultProxy;
use paperplane_testserver::{Options, TestServer};

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_survive_a_hostile_network_exactly_once() {
    let seed = env(
        "SOAK_SEED",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_secs()),
    );
    let clients = env("SOAK_CLIENTS", 2) as usize;
    let messages = env("SOAK_MESSAGES", 60) as usize;
    println!("soak seed {seed}: {clients} clients, {messages} messages");

    let bot_token = "777900:AAHsoak";
    let server = TestServer::start(Options {
        bots: vec![("soak_bot".into(), bot_token.into())],
        ..Options::default()
    })
    .await
    .unwrap();
    let any = "127.0.0.1:0".parse().unwrap();
    let mut proxies = Vec::new();
    for dc in server.dcs() {
        let proxy = FaultProxy::start(any, dc.addr, seed.wrapping_add(dc.id as u64))
            .await
            .unwrap();
        proxies.push((dc.id, Arc::new(proxy)));
    }
    let dcs = proxies
        .iter()
        .map(|(id, p)| (*id, p.addr().to_string()))
        .collect();
    let toggled: Vec<Arc<FaultProxy>> = proxies.iter().map(|(_, p)| p.clone()).collect();
    let control = server.control();
    let faults = move |on: bool| {
        for proxy in &toggled {
            proxy.set_faults(on);
        }
        if on {
            // The server's own faults, once each per run.
            control.inject_drop_after_request("messages.sendMessage", 2);
        }
    };
    let workdir =
        std::env::temp_dir().join(format!("paperplane-soak-{}-{seed}", std::process::id()));
    let soak = exchange::Soak {
        dcs,
        rsa_key: server.public_key().to_pkcs1_pem(),
        workdir: workdir.clone(),
        seed,
        clients,
        messages,
        max: Duration::from_secs(env("SOAK_SECONDS", 120)),
        pace: Duration::from_millis(env("SOAK_PACE_MS", 50)),
        bot: ("soak_bot".into(), bot_token.into()),
        faults: Box::new(faults),
    };
    let outcome = exchange::run(soak).await.expect("the soak ran");
    println!("{outcome}");
    let caused = proxies.iter().fold(0, |n, (_, p)| {
        let c = p.counts();
        n + c.refused + c.fin + c.rst + c.stalls + c.trickles + c.expired
    });
    println!("tcp faults caused: {caused}");
    let _ = std::fs::remove_dir_all(&workdir);
    assert!(outcome.sent > 0, "nothing was sent (seed {seed})");
    assert_eq!(
        (outcome.lost, outcome.duplicated),
        (0, 0),
        "seed {seed}: {outcome}"
    );
}
