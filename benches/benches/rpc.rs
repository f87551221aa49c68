//! Round trips of a small RPC (`help.getNearestDc`) through the public
//! client against the local test server in this process, over TCP
//! loopback with the real encryption: 1 and 256 requests in flight.
//!
//! `cargo bench -p paperplane-benches --bench rpc`. The side-by-side
//! comparison with Telethon is `benches/peers/rpc_vs_telethon.sh`.
#![allow(missing_docs)] // criterion's macros generate undocumented items

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use paperplane::Client;
use paperplane::tl::functions;
use paperplane_testserver::TestServer;

fn rpc(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let (server, client) = runtime.block_on(async {
        let server = TestServer::start(Default::default()).await.expect("server");
        let (client, _shutdown) = Client::builder()
            .api_id(1)
            .api_hash("bench")
            .in_memory()
            .dc_addr(server.dc(2).expect("dc 2").to_string())
            .server_key(server.public_key().to_pkcs1_pem())
            .connect()
            .await
            .expect("connect");
        (server, client)
    });

    let mut group = c.benchmark_group("rpc_round_trips");
    group.throughput(Throughput::Elements(1));
    group.bench_function("in_flight_1", |b| {
        b.to_async(&runtime).iter(|| async {
            client
                .invoke(&functions::help::GetNearestDc {})
                .await
                .expect("answer")
        })
    });
    group.throughput(Throughput::Elements(256));
    group.bench_function("in_flight_256", |b| {
        b.to_async(&runtime).iter(|| async {
            let mut calls = tokio::task::JoinSet::new();
            for _ in 0..256 {
                let client = client.clone();
                calls.spawn(async move { client.invoke(&functions::help::GetNearestDc {}).await });
            }
            while let Some(done) = calls.join_next().await {
                done.expect("task").expect("answer");
            }
        })
    });
    group.finish();
    drop(client);
    runtime.block_on(server.shutdown());
}

criterion_group!(benches, rpc);
criterion_main!(benches);
