//! The TCP fault proxy does what each fault says, and its random faults
//! replay from their seed.

use std::net::SocketAddr;
use std::time::Duration;

use paperplane_testserver::fault_proxy::{Fault, FaultProxy};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const WAIT: Duration = Duration::from_secs(10);

/// A TCP echo server on loopback.
async fn echo() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            tokio::spawn(async move {
                let (mut r, mut w) = stream.split();
                let _ = tokio::io::copy(&mut r, &mut w).await;
            });
        }
    });
    addr
}

async fn proxy() -> FaultProxy {
    FaultProxy::start("127.0.0.1:0".parse().unwrap(), echo().await, 7)
        .await
        .unwrap()
}

/// Sends `len` bytes through `proxy` and reads back until EOF or an
/// error: (bytes read, whether it ended in an error).
async fn round_trip(proxy: &FaultProxy, len: usize) -> (Vec<u8>, Option<std::io::ErrorKind>) {
    let mut stream = TcpStream::connect(proxy.addr()).await.unwrap();
    let data: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
    let _ = stream.write_all(&data).await;
    let mut got = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        match tokio::time::timeout(WAIT, stream.read(&mut chunk)).await {
            Ok(Ok(0)) => return (got, None),
            Ok(Ok(n)) => {
                got.extend_from_slice(&chunk[..n]);
                if got.len() == len {
                    return (got, None);
                }
            }
            Ok(Err(e)) => return (got, Some(e.kind())),
            Err(_) => panic!("stuck after {} bytes", got.len()),
        }
    }
}

#[tokio::test]
async fn without_faults_bytes_go_through() {
    let proxy = proxy().await;
    let (got, error) = round_trip(&proxy, 50_000).await;
    assert_eq!((got.len(), error), (50_000, None));
}

#[tokio::test]
async fn a_fin_cuts_after_the_given_bytes() {
    let proxy = proxy().await;
    proxy.force_next(Fault::Fin {
        after: 1000,
        downstream: true,
    });
    let (got, error) = round_trip(&proxy, 50_000).await;
    assert_eq!((got.len(), error), (1000, None));
    assert_eq!(proxy.counts().fin, 1);
}

#[tokio::test]
async fn an_rst_resets_the_connection() {
    let proxy = proxy().await;
    proxy.force_next(Fault::Rst {
        after: 10,
        downstream: false,
    });
    let (got, error) = round_trip(&proxy, 50_000).await;
    assert!(got.len() <= 10, "{}", got.len());
    assert_eq!(error, Some(std::io::ErrorKind::ConnectionReset));
}

#[tokio::test]
async fn a_refused_connection_closes_at_once() {
    let proxy = proxy().await;
    proxy.force_next(Fault::Refuse);
    let (got, _) = round_trip(&proxy, 100).await;
    assert!(got.is_empty());
    assert_eq!(proxy.counts().refused, 1);
}

#[tokio::test]
async fn stalls_and_trickles_deliver_everything() {
    let proxy = proxy().await;
    proxy.force_next(Fault::Stall {
        after: 100,
        ms: 300,
    });
    proxy.force_next(Fault::Trickle { chunk: 7, ms: 1 });
    for _ in 0..2 {
        let (got, error) = round_trip(&proxy, 3000).await;
        let want: Vec<u8> = (0..3000).map(|i| (i % 251) as u8).collect();
        assert_eq!((got, error), (want, None));
    }
    let counts = proxy.counts();
    assert_eq!((counts.stalls, counts.trickles), (1, 1));
}

#[tokio::test]
async fn random_faults_replay_from_their_seed() {
    let mut runs = Vec::new();
    for _ in 0..2 {
        let proxy = proxy().await;
        proxy.set_faults(true);
        for _ in 0..40 {
            let mut stream = TcpStream::connect(proxy.addr()).await.unwrap();
            let _ = stream.write_all(b"x").await;
        }
        // Every connection was drawn for as it was accepted.
        while proxy.counts().connections < 40 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        runs.push(proxy.counts());
    }
    assert_eq!(runs[0], runs[1]);
    let c = runs[0];
    assert!(
        c.refused + c.fin + c.rst + c.stalls + c.trickles > 10,
        "{c:?}"
    );
}
