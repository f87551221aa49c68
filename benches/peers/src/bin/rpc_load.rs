//! Round trips per second of a small RPC (`help.getNearestDc`) against a
//! running server, with N requests in flight, through the public client.
//!
//! Usage: `rpc_load HOST:PORT SERVER_PEM INFLIGHT REQUESTS`
//! Prints one line: `paperplane inflight=N requests=M seconds=S rps=R`.
//! Run by `benches/peers/rpc_vs_telethon.sh`, next to Telethon.

use std::time::Instant;

use paperplane::Client;
use paperplane::tl::functions;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, addr, pem, inflight, requests] = args.as_slice() else {
        return Err("usage: rpc_load HOST:PORT SERVER_PEM INFLIGHT REQUESTS".into());
    };
    let inflight: usize = inflight.parse()?;
    let requests: usize = requests.parse()?;
    let (client, _shutdown) = Client::builder()
        .api_id(1)
        .api_hash("bench")
        .in_memory()
        .dc_addr(addr.as_str())
        .server_key(std::fs::read_to_string(pem)?)
        .connect()
        .await?;
    // Warm up: the connection and key exist before timing starts.
    for _ in 0..100 {
        client.invoke(&functions::help::GetNearestDc {}).await?;
    }
    let per_worker = requests / inflight;
    let started = Instant::now();
    let mut workers = tokio::task::JoinSet::new();
    for _ in 0..inflight {
        let client = client.clone();
        workers.spawn(async move {
            for _ in 0..per_worker {
                client.invoke(&functions::help::GetNearestDc {}).await?;
            }
            Ok::<_, paperplane::InvocationError>(())
        });
    }
    while let Some(done) = workers.join_next().await {
        done??;
    }
    let secs = started.elapsed().as_secs_f64();
    let total = per_worker * inflight;
    println!(
        "paperplane inflight={inflight} requests={total} seconds={secs:.3} rps={:.0}",
        total as f64 / secs
    );
    Ok(())
}
