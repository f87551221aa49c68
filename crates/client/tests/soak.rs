//! The soak: users and a bot exchange messages through TCP fault proxies
//! (refused connects, FINs and RSTs mid-frame, stalls, trickles) and the
//! server's own faults (withheld, swapped and too-long updates, lost
//! answers, bad_msg_notifications, flood waits, connections dropped or cut
//! after a few bytes or messages, the server's clock stepped about),
//! drawn from a seed, in private chats, a supergroup and a channel;
//! afterwards nothing may be lost, delivered twice or out of order.
//!
//! The default run is short. The long one:
//! `SOAK_MESSAGES=2000 SOAK_CLIENTS=4 cargo test --release -p paperplane --test soak -- --nocapture`
//! (`SOAK_SEED` replays a run).

#[path = "../examples/faults_soak/exchange.rs"]
mod exchange;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use paperplane_testserver::fault_proxy::FaultProxy;
use paperplane_testserver::{Options, TestServer};

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A small deterministic generator (SplitMix64), so a seed replays the
/// same server faults.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// The server's faults the soak draws from: each leaves the client
/// something to recover without losing or repeating a message.
const SERVER_FAULTS: [&str; 14] = [
    "withhold updates",
    "swap updates",
    "updatesTooLong",
    "withhold channel updates",
    "updateChannelTooLong",
    "lost answer",
    "bad_msg_notification",
    "bad_server_salt",
    "FLOOD_WAIT",
    "getDifference error",
    "connections dropped",
    "cut after bytes",
    "cut after messages",
    "server clock skewed",
];

/// Injects one server fault, drawn from `rng`, on one of `users` (and
/// `chats`); returns its kind.
fn server_fault(
    control: &paperplane_testserver::Control,
    rng: &mut Rng,
    users: &[i64],
    chats: &[i64],
) -> &'static str {
    let kind = SERVER_FAULTS[rng.below(SERVER_FAULTS.len() as u64) as usize];
    let user = users[rng.below(users.len() as u64) as usize];
    let chat = chats[rng.below(chats.len() as u64) as usize];
    let count = 1 + rng.below(3) as u32;
    match kind {
        "withhold updates" => control.inject_withhold_updates(user, count),
        "swap updates" => control.inject_swap_updates(user, 1, Duration::from_millis(100)),
        "updatesTooLong" => control.push_updates_too_long(user),
        "withhold channel updates" => control.inject_withhold_channel_updates(user, chat, count),
        "updateChannelTooLong" => {
            let _ = control.push_channel_too_long(user, chat);
        }
        "lost answer" => control.inject_drop_after_request("messages.sendMessage", 1),
        "bad_msg_notification" => {
            let code = [16, 17, 32, 33][rng.below(4) as usize];
            control.inject_bad_msg_notification(code, 1);
        }
        "bad_server_salt" => control.inject_bad_msg_notification(48, 1),
        "FLOOD_WAIT" => control.inject_flood_wait("messages.sendMessage", 1, 1),
        "getDifference error" => {
            control.inject_error("updates.getDifference", 500, "INTERNAL_SERVER_ERROR", 1)
        }
        "cut after bytes" => control.drop_connection_after_bytes(rng.below(2_000)),
        "cut after messages" => control.drop_connection_after_messages(rng.below(8)),
        // Ahead by up to an hour or behind by up to ten minutes: clients
        // must learn the server's time from its messages.
        "server clock skewed" => control.skew_clock(rng.below(4_200) as i64 - 600),
        _ => control.drop_connections(),
    }
    kind
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
    let control = server.control();
    let bot_id = control.user_by_username("soak_bot").unwrap().id;
    let group = control
        .create_supergroup(bot_id, "Soak group", Some("soak_group"))
        .unwrap();
    let channel = control
        .create_channel(bot_id, "Soak channel", Some("soak_channel"))
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

    // The server's faults, drawn from the seed while the faults are on.
    let on = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicBool::new(false));
    let injected: Arc<Mutex<BTreeMap<&'static str, usize>>> = Arc::default();
    let injector = {
        let (control, on, done, injected) =
            (control.clone(), on.clone(), done.clone(), injected.clone());
        let phones: Vec<String> = (0..clients)
            .map(|u| format!("99966{:05}", 27001 + u))
            .collect();
        let chats = [group.id, channel.id];
        tokio::spawn(async move {
            let mut rng = Rng(seed ^ 0x5eed);
            while !done.load(Ordering::Relaxed) {
                tokio::time::sleep(Duration::from_millis(150 + rng.below(450))).await;
                if !on.load(Ordering::Relaxed) {
                    continue;
                }
                let mut users: Vec<i64> = phones
                    .iter()
                    .filter_map(|p| control.user_by_phone(p).map(|u| u.id))
                    .collect();
                users.push(bot_id);
                let kind = server_fault(&control, &mut rng, &users, &chats);
                *injected.lock().unwrap().entry(kind).or_default() += 1;
            }
        })
    };

    let toggled: Vec<Arc<FaultProxy>> = proxies.iter().map(|(_, p)| p.clone()).collect();
    let switch = on.clone();
    let faults = move |on: bool| {
        for proxy in &toggled {
            proxy.set_faults(on);
        }
        switch.store(on, Ordering::Relaxed);
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
        chats: Some(exchange::Chats {
            group: "soak_group".into(),
            channel: "soak_channel".into(),
        }),
    };
    let outcome = exchange::run(soak).await.expect("the soak ran");
    done.store(true, Ordering::Relaxed);
    let _ = injector.await;
    println!("{outcome} reordered={}", outcome.reordered);
    let mut tcp = BTreeMap::new();
    for (_, proxy) in &proxies {
        let c = proxy.counts();
        for (kind, n) in [
            ("refused", c.refused),
            ("fin", c.fin),
            ("rst", c.rst),
            ("stalls", c.stalls),
            ("trickles", c.trickles),
            ("expired", c.expired),
        ] {
            *tcp.entry(kind).or_insert(0) += n;
        }
    }
    println!("tcp faults: {tcp:?}");
    println!("server faults: {:?}", injected.lock().unwrap());
    for missing in &outcome.missing {
        println!("lost: {missing}");
    }
    let _ = std::fs::remove_dir_all(&workdir);
    assert!(outcome.sent > 0, "nothing was sent (seed {seed})");
    assert_eq!(
        (outcome.lost, outcome.duplicated, outcome.reordered),
        (0, 0, 0),
        "seed {seed}: {outcome}"
    );
}
