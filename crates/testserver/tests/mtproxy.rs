//! The MTProxy endpoint: clients with a simple, `dd` or `ee` (FakeTLS)
//! secret reach the DC their obfuscated2 header names; anything else is
//! closed, and the direct ports work as before.

mod common;

use std::net::SocketAddr;

use common::{Client, Key, RawClient, WAIT};
use paperplane_mtproto::transport::{
    self, ClientMode, ClientTransport, Framing, ObfuscatedFraming, ProxySecret, SecretKey,
};
use paperplane_testserver::{Options, TestServer, proxy_target_dc, unix_now};
use paperplane_tl::{enums, functions};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const SIMPLE: &str = "00112233445566778899aabbccddeeff";
const PADDED: &str = "dd0123456789abcdef0123456789abcdef";
/// `ee`, a key, and "example.com".
const FAKE_TLS: &str = "eefedcba9876543210fedcba98765432106578616d706c652e636f6d";

fn secrets() -> Vec<ProxySecret> {
    [SIMPLE, PADDED, FAKE_TLS]
        .iter()
        .map(|hex| ProxySecret::from_hex(hex).unwrap())
        .collect()
}

async fn proxy_server() -> TestServer {
    TestServer::start(Options {
        proxy_secrets: secrets(),
        ..Options::default()
    })
    .await
    .unwrap()
}

/// Connects through the proxy with `secret` to `header_dc`, creates a key
/// and returns the client of DC `dc_id`.
async fn through_proxy(
    server: &TestServer,
    secret: &ProxySecret,
    header_dc: i16,
    dc_id: i32,
) -> Client {
    let proxy = server.proxy_addr().unwrap();
    let mut raw = RawClient::connect(proxy, ClientMode::mtproxy(secret, header_dc)).await;
    let done = raw.create_key(server, dc_id).await;
    let key = Key {
        auth_key: done.auth_key,
        salt: done.first_salt,
        time_offset: done.time_offset,
    };
    Client::with_key(raw, key, dc_id, proxy).await
}

async fn nearest_dc(client: &mut Client) -> i32 {
    let enums::NearestDc::NearestDc(nearest) = client
        .call(&functions::help::GetNearestDc {})
        .await
        .unwrap();
    nearest.this_dc
}

/// Whether the server closes a connection that opens with `mode` (and, if
/// the transport is ready, one packet) without answering anything.
async fn closed_without_answer(addr: SocketAddr, mode: ClientMode) -> bool {
    let mut rng = ChaCha20Rng::from_entropy();
    let mut out = Vec::new();
    let mut client = ClientTransport::new(
        &transport::ClientConfig::new(mode),
        unix_now() as u64,
        &mut rng,
        &mut out,
    )
    .unwrap();
    if client.is_ready() {
        client
            .encode(&[0u8; 40], false, &mut rng, &mut out)
            .unwrap();
    }
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(&out).await.unwrap();
    let mut buf = [0u8; 1024];
    match tokio::time::timeout(WAIT, stream.read(&mut buf)).await {
        Ok(Ok(0) | Err(_)) => true,
        Ok(Ok(_)) | Err(_) => false,
    }
}

#[tokio::test]
async fn every_secret_reaches_the_dc_its_header_names() {
    let server = proxy_server().await;
    let proxy = server.proxy_addr().unwrap();
    assert!(server.dcs().iter().all(|dc| dc.addr != proxy));
    for secret in secrets() {
        for dc_id in [2, 4] {
            let mut client = through_proxy(&server, &secret, dc_id as i16, dc_id).await;
            assert_eq!(nearest_dc(&mut client).await, dc_id, "{secret:?}");
        }
    }
    // Test DCs (+10000) and media DCs (negative) are the same DCs here.
    let simple = ProxySecret::from_hex(SIMPLE).unwrap();
    let mut client = through_proxy(&server, &simple, 10004, 4).await;
    assert_eq!(nearest_dc(&mut client).await, 4);
    let padded = ProxySecret::from_hex(PADDED).unwrap();
    let mut client = through_proxy(&server, &padded, -10002, 2).await;
    assert_eq!(nearest_dc(&mut client).await, 2);
    assert_eq!(server.proxied_connections(2), 4);
    assert_eq!(server.proxied_connections(4), 4);
    assert_eq!(server.proxied_connections(1), 0);
}

#[tokio::test]
async fn a_key_made_through_the_proxy_works_on_the_direct_port() {
    let server = proxy_server().await;
    let secret = ProxySecret::from_hex(FAKE_TLS).unwrap();
    let client = through_proxy(&server, &secret, 4, 4).await;
    let mut direct = Client::reuse(client.key.copy(), 4, server.dc(4).unwrap()).await;
    assert_eq!(nearest_dc(&mut direct).await, 4);
}

#[tokio::test]
async fn wrong_secrets_unknown_dcs_and_plain_transports_are_closed() {
    let server = proxy_server().await;
    let proxy = server.proxy_addr().unwrap();
    let wrong_key = SecretKey::new([0x42; 16]);
    let refused = [
        ClientMode::mtproxy(&ProxySecret::Simple(wrong_key.clone()), 2),
        ClientMode::mtproxy(&ProxySecret::Padded(wrong_key.clone()), 2),
        ClientMode::mtproxy(
            &ProxySecret::FakeTls {
                key: wrong_key,
                domain: "example.com".into(),
            },
            2,
        ),
        // No secret at all: obfuscated2 as towards Telegram's own servers.
        ClientMode::obfuscated(ObfuscatedFraming::Intermediate, Some(2)),
        ClientMode::Plain(Framing::Intermediate),
        ClientMode::Plain(Framing::Abridged),
        // The right secret, a DC the server does not run.
        ClientMode::mtproxy(&ProxySecret::from_hex(SIMPLE).unwrap(), 7),
        ClientMode::mtproxy(&ProxySecret::from_hex(PADDED).unwrap(), 0),
    ];
    for mode in refused {
        assert!(closed_without_answer(proxy, mode.clone()).await, "{mode:?}");
    }
    // FakeTLS answers the hello before the DC is known; then it closes.
    let tls = ProxySecret::from_hex(FAKE_TLS).unwrap();
    let mut raw = RawClient::connect(proxy, ClientMode::mtproxy(&tls, 9)).await;
    raw.send(&[0u8; 40]).await;
    assert!(raw.try_recv().await.is_none());
    // The server keeps serving.
    let mut client = through_proxy(&server, &tls, 2, 2).await;
    assert_eq!(nearest_dc(&mut client).await, 2);
}

#[tokio::test]
async fn direct_ports_are_unaffected() {
    let server = proxy_server().await;
    for dc_id in [2, 4] {
        let mut client = Client::connect(&server, dc_id).await;
        assert_eq!(nearest_dc(&mut client).await, dc_id);
    }
    // An MTProxy header on a DC's own port is not accepted.
    let secret = ProxySecret::from_hex(SIMPLE).unwrap();
    assert!(closed_without_answer(server.dc(2).unwrap(), ClientMode::mtproxy(&secret, 2)).await);
    // Without secrets there is no proxy.
    let plain = TestServer::start(Options::default()).await.unwrap();
    assert_eq!(plain.proxy_addr(), None);
}

#[test]
fn header_dc_ids_map_to_the_servers_dcs() {
    for (raw, dc) in [
        (2, Some(2)),
        (-4, Some(4)),
        (10001, Some(1)),
        (-10005, Some(5)),
        (0, None),
        (6, None),
        (10000, None),
        (10006, None),
        (20002, None),
        (i16::MIN, None),
        (i16::MAX, None),
    ] {
        assert_eq!(proxy_target_dc(raw), dc, "{raw}");
    }
}
