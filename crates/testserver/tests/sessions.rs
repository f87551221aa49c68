//! MTProto sessions outlive their connections: a replayed packet is never
//! executed twice, whatever connection carries it; and the connection-level
//! service requests (`ping_delay_disconnect`) do what they say.

mod common;

use std::time::Duration;

use common::{Client, RawClient};
use paperplane_mtproto::transport::{ClientMode, Framing};
use paperplane_testserver::{Options, TestServer, unix_now_ms};
use paperplane_tl::{Deserializable, Serializable, enums, functions};

#[tokio::test]
async fn a_packet_replayed_on_a_new_connection_is_not_executed_again() {
    let server = TestServer::start(Options::default()).await.unwrap();
    let control = server.control();
    let mut client = Client::connect(&server, 2).await;
    assert_eq!(control.executions("help.getNearestDc"), 1);

    // A request whose packet an eavesdropper records.
    let request = client
        .session
        .request(functions::help::GetNearestDc {}.to_bytes());
    let captured = client
        .session
        .poll_transmit(unix_now_ms(), &mut client.raw.rng)
        .unwrap();
    let answer = client
        .raw
        .await_answer(
            &mut client.session,
            request,
            Some(captured.clone()),
            &mut client.updates,
        )
        .await
        .unwrap();
    enums::NearestDc::from_bytes(&answer).unwrap();
    assert_eq!(control.executions("help.getNearestDc"), 2);

    // The same bytes on a fresh connection, within the 300 s window.
    let mut replayer = RawClient::connect(
        server.dc(2).unwrap(),
        ClientMode::Plain(Framing::Intermediate),
    )
    .await;
    replayer.send(&captured).await;
    // Whatever comes back (at most the cached answer), nothing ran again.
    let _ = tokio::time::timeout(Duration::from_secs(2), replayer.try_recv()).await;
    // The legitimate client goes on, and the server is still consistent.
    client
        .call(&functions::help::GetNearestDc {})
        .await
        .unwrap();
    assert_eq!(control.executions("help.getNearestDc"), 3);
}

#[tokio::test]
async fn ping_delay_disconnect_closes_a_quiet_connection() {
    let server = TestServer::start(Options::default()).await.unwrap();
    let mut client = Client::connect(&server, 2).await;
    let pong = client
        .call(&functions::PingDelayDisconnect {
            ping_id: 7,
            disconnect_delay: 1,
        })
        .await
        .unwrap();
    let enums::Pong::Pong(pong) = pong;
    assert_eq!(pong.ping_id, 7);
    assert!(
        client.closed_by_server().await,
        "still open long after disconnect_delay"
    );
}

#[tokio::test]
async fn ping_delay_disconnect_is_put_off_by_each_new_ping() {
    let server = TestServer::start(Options::default()).await.unwrap();
    let mut client = Client::connect(&server, 2).await;
    // Pings every 300 ms, each putting the disconnect 2 s off: the
    // connection must outlive several delays' worth of pings.
    for id in 0..12 {
        client
            .call(&functions::PingDelayDisconnect {
                ping_id: id,
                disconnect_delay: 2,
            })
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    // A plain request still goes through on the same connection.
    client
        .call(&functions::help::GetNearestDc {})
        .await
        .unwrap();
    // A disconnect_delay of 0 disconnects at once... after the pong.
    client
        .call(&functions::PingDelayDisconnect {
            ping_id: 99,
            disconnect_delay: 0,
        })
        .await
        .unwrap();
    assert!(client.closed_by_server().await);
}

#[tokio::test]
async fn a_client_resending_in_its_session_on_a_new_connection_gets_the_cached_answer() {
    let server = TestServer::start(Options::default()).await.unwrap();
    let control = server.control();
    let mut client = Client::connect(&server, 2).await;
    let request = client
        .session
        .request(functions::help::GetConfig {}.to_bytes());
    let packet = client
        .session
        .poll_transmit(unix_now_ms(), &mut client.raw.rng)
        .unwrap();
    client.raw.send(&packet).await;
    // The connection dies before the answer is read.
    while control.executions("help.getConfig") == 0 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    client.raw = RawClient::connect(
        server.dc(2).unwrap(),
        ClientMode::Plain(Framing::Intermediate),
    )
    .await;
    client.session.resend_unanswered(unix_now_ms());
    let answer = tokio::time::timeout(
        common::WAIT,
        client
            .raw
            .await_answer(&mut client.session, request, None, &mut client.updates),
    )
    .await
    .expect("answered on the new connection")
    .unwrap();
    enums::Config::from_bytes(&answer).unwrap();
    assert_eq!(control.executions("help.getConfig"), 1);
}
