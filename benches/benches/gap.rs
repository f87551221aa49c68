//! How long a client takes to recover a gap of 10,000 updates: the server
//! withholds 10,000 new messages, then says `updatesTooLong`; timed from
//! there until the last message is on the client's update stream (the
//! client pages through `updates.getDifference` slices).
//!
//! `cargo bench -p paperplane-benches --bench gap`
#![allow(missing_docs)] // criterion's macros generate undocumented items

use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use paperplane::{Client, Update};
use paperplane_testserver::TestServer;

const GAP: u32 = 10_000;

fn gap(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let mut group = c.benchmark_group("gap_recovery");
    group.sample_size(10);
    group.throughput(Throughput::Elements(u64::from(GAP)));
    group.bench_function("10k_updates_through_get_difference", |b| {
        b.to_async(&runtime).iter_custom(|iterations| async move {
            let mut total = Duration::ZERO;
            for _ in 0..iterations {
                total += one_recovery().await;
            }
            total
        })
    });
    group.finish();
}

/// Sets up a logged-in client with a gap of [`GAP`] messages and times
/// its recovery.
async fn one_recovery() -> Duration {
    let server = TestServer::start(Default::default()).await.expect("server");
    let control = server.control();
    let bob = control.add_user("9996627201", "Bob", None).expect("bob");
    let (client, _shutdown) = Client::builder()
        .api_id(1)
        .api_hash("bench")
        .in_memory()
        .dc_addr(server.dc(2).expect("dc 2").to_string())
        .server_key(server.public_key().to_pkcs1_pem())
        .connect()
        .await
        .expect("connect");
    let token = client.request_login_code("9996627202").await.expect("code");
    let me = client.sign_in(&token, "22222").await.expect("sign in");
    let mut stream = client.stream_updates();
    control.inject_withhold_updates(me.id(), GAP);
    let to = me.id().to_string();
    for i in 0..GAP {
        control
            .send_as(bob.id, &to, &format!("m{i}"))
            .expect("send");
    }
    let start = Instant::now();
    control.push_updates_too_long(me.id());
    let mut got = 0;
    while got < GAP {
        match stream.next().await {
            Some(Update::NewMessage(_)) => got += 1,
            Some(_) => {}
            None => panic!("stream ended after {got}"),
        }
    }
    let took = start.elapsed();
    client.disconnect();
    server.shutdown().await;
    took
}

criterion_group!(benches, gap);
criterion_main!(benches);
