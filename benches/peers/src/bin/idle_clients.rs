//! Resident memory of many idle, logged-in clients in one process.
//!
//! Usage: `idle_clients HOST:PORT SERVER_PEM COUNT`
//! Each client connects, makes its key, signs in as its own bot and stays
//! connected. Prints the process's resident set before and after, and
//! the difference per client. Run by `benches/peers/idle_clients.sh`.

use std::time::Duration;

use paperplane::Client;

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, addr, pem, count] = args.as_slice() else {
        return Err("usage: idle_clients HOST:PORT SERVER_PEM COUNT".into());
    };
    let count: usize = count.parse()?;
    let pem = std::fs::read_to_string(pem)?;
    let builder = || {
        Client::builder()
            .api_id(1)
            .api_hash("bench")
            .in_memory()
            .dc_addr(addr.as_str())
            .server_key(pem.clone())
    };
    // One client first, so the runtime and allocator are warm.
    let (first, _s) = builder().connect().await?;
    first.bot_sign_in("1000000:warmup").await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let before = rss_kib();

    let mut clients = Vec::with_capacity(count);
    for chunk in 0..count.div_ceil(16) {
        let mut batch = tokio::task::JoinSet::new();
        for i in chunk * 16..((chunk + 1) * 16).min(count) {
            let b = builder();
            batch.spawn(async move {
                let (client, shutdown) = b.connect().await?;
                client
                    .bot_sign_in(&format!("{}:idle{i}", 2_000_000 + i))
                    .await?;
                Ok::<_, Box<dyn std::error::Error + Send + Sync>>((client, shutdown))
            });
        }
        while let Some(done) = batch.join_next().await {
            clients.push(done?.map_err(|e| e.to_string())?);
        }
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = rss_kib();
    let per = (after.saturating_sub(before)) as f64 / count as f64;
    println!(
        "clients={count} rss_before_kib={before} rss_after_kib={after} per_client_kib={per:.1}"
    );
    drop(clients);
    Ok(())
}
