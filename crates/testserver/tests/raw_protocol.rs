//! The server over real TCP, driven by the sans-IO client pieces of
//! `paperplane-mtproto` (no client library yet): transport, key exchange,
//! encrypted session and the first RPCs.

mod common;

use std::collections::VecDeque;

use common::{RawClient, wrapped};
use paperplane_crypto::AuthKey;
use paperplane_mtproto::handshake::{ClientConfig, ClientHandshake, KeyKind};
use paperplane_mtproto::session::envelope;
use paperplane_mtproto::session::{ClientSession, RpcError};
use paperplane_mtproto::transport::{ClientMode, ErrorCode, Frame, Framing, ObfuscatedFraming};
use paperplane_testserver::{Options, TestServer, unix_now_ms};
use paperplane_tl::{Deserializable, Serializable, enums, functions};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

/// Sends one request and waits for its answer.
async fn invoke(
    client: &mut RawClient,
    session: &mut ClientSession,
    body: Vec<u8>,
) -> Result<Vec<u8>, RpcError> {
    client.invoke(session, body, &mut VecDeque::new()).await
}

async fn session_with(server: &TestServer, mode: ClientMode) -> (RawClient, ClientSession) {
    let mut client = RawClient::connect(server.dc(2).unwrap(), mode).await;
    let done = client.create_key(server, 2).await;
    let session = ClientSession::new(done.auth_key, 0x5e55, done.first_salt, done.time_offset);
    (client, session)
}

#[tokio::test]
async fn get_config_lists_the_servers_own_dcs_over_every_transport() {
    let server = TestServer::start(Options::default()).await.unwrap();
    let modes = [
        ClientMode::Plain(Framing::Abridged),
        ClientMode::Plain(Framing::Intermediate),
        ClientMode::Plain(Framing::PaddedIntermediate),
        ClientMode::Plain(Framing::Full),
        ClientMode::obfuscated(ObfuscatedFraming::Abridged, Some(2)),
        ClientMode::obfuscated(ObfuscatedFraming::Intermediate, None),
        ClientMode::obfuscated(ObfuscatedFraming::PaddedIntermediate, Some(-2)),
    ];
    for mode in modes {
        let (mut client, mut session) = session_with(&server, mode).await;
        let answer = invoke(
            &mut client,
            &mut session,
            wrapped(functions::help::GetConfig {}),
        )
        .await
        .unwrap();
        let enums::Config::Config(config) = enums::Config::from_bytes(&answer).unwrap();
        assert_eq!(config.this_dc, 2);
        for dc in server.dcs() {
            let listed = config.dc_options.iter().any(|o| {
                let enums::DcOption::DcOption(o) = o;
                o.id == dc.id
                    && o.ip_address == dc.addr.ip().to_string()
                    && o.port == i32::from(dc.addr.port())
            });
            assert!(listed, "dc {} missing from {:?}", dc.id, config.dc_options);
        }
        // Later requests need no wrapper.
        let answer = invoke(
            &mut client,
            &mut session,
            functions::help::GetNearestDc {}.to_bytes(),
        )
        .await
        .unwrap();
        let enums::NearestDc::NearestDc(nearest) = enums::NearestDc::from_bytes(&answer).unwrap();
        assert_eq!(nearest.this_dc, 2);
    }
    assert_eq!(server.auth_key_count(), 7);
}

#[tokio::test]
async fn unknown_methods_get_telegrams_error_not_silence() {
    let server = TestServer::start(Options::default()).await.unwrap();
    let (mut client, mut session) =
        session_with(&server, ClientMode::Plain(Framing::Intermediate)).await;
    let err = invoke(
        &mut client,
        &mut session,
        0xdeadbeef_u32.to_le_bytes().to_vec(),
    )
    .await
    .unwrap_err();
    assert_eq!(
        (err.code, err.message.as_str()),
        (400, "INPUT_METHOD_INVALID")
    );
    // A real method that needs a login, on a key that has none.
    let err = invoke(
        &mut client,
        &mut session,
        functions::updates::GetState {}.to_bytes(),
    )
    .await
    .unwrap_err();
    assert_eq!(
        (err.code, err.message.as_str()),
        (401, "AUTH_KEY_UNREGISTERED")
    );
    // initConnection cut short after its flags.
    let mut cut = 0xc1cd5ea9_u32.to_le_bytes().to_vec();
    cut.extend([0; 4]);
    let err = invoke(&mut client, &mut session, cut).await.unwrap_err();
    assert_eq!((err.code, err.message.as_str()), (400, "INPUT_FETCH_ERROR"));
    // Ping is answered by the session layer itself.
    let pong = invoke(
        &mut client,
        &mut session,
        functions::Ping { ping_id: 7 }.to_bytes(),
    )
    .await
    .unwrap();
    let enums::Pong::Pong(p) = enums::Pong::from_bytes(&pong).unwrap();
    assert_eq!(p.ping_id, 7);
}

#[tokio::test]
async fn an_unknown_key_gets_transport_error_404() {
    let server = TestServer::start(Options::default()).await.unwrap();
    let mut client = RawClient::connect(
        server.dc(2).unwrap(),
        ClientMode::Plain(Framing::Intermediate),
    )
    .await;
    let stranger = AuthKey::from_bytes([7; 256]);
    let mut session = ClientSession::new(stranger, 1, 0, 0);
    session.request(functions::help::GetNearestDc {}.to_bytes());
    let packet = session
        .poll_transmit(unix_now_ms(), &mut client.rng)
        .unwrap();
    client.send(&packet).await;
    assert_eq!(
        client.recv().await,
        Frame::Error(ErrorCode::AUTH_KEY_NOT_FOUND)
    );
}

#[tokio::test]
async fn garbage_and_abandoned_handshakes_do_not_disturb_other_clients() {
    let server = TestServer::start(Options::default()).await.unwrap();
    let addr = server.dc(2).unwrap();
    // Garbage, a truncated frame and an abandoned handshake, all at once.
    let mut garbage = TcpStream::connect(addr).await.unwrap();
    garbage.write_all(&[0x13; 300]).await.unwrap();
    let mut truncated = TcpStream::connect(addr).await.unwrap();
    truncated
        .write_all(&[0xee, 0xee, 0xee, 0xee, 0xff, 0xff, 0x00, 0x00, 1, 2, 3])
        .await
        .unwrap();
    let mut half = RawClient::connect(addr, ClientMode::Plain(Framing::Abridged)).await;
    let config = ClientConfig::telegram(2, KeyKind::Permanent).trust(server.public_key().clone());
    let (_hs, body) = ClientHandshake::start(config, &mut half.rng);
    half.send(&envelope::plain(4 << 32, &body)).await;
    let _res_pq = half.recv_packet().await;
    // A well-behaved client is served all the while.
    let (mut client, mut session) =
        session_with(&server, ClientMode::Plain(Framing::Intermediate)).await;
    let answer = invoke(
        &mut client,
        &mut session,
        wrapped(functions::help::GetNearestDc {}),
    )
    .await
    .unwrap();
    assert!(enums::NearestDc::from_bytes(&answer).is_ok());
    // And the half-done client can start over on its connection.
    let done = half.create_key(&server, 2).await;
    let mut session = ClientSession::new(done.auth_key, 9, done.first_salt, done.time_offset);
    assert!(
        invoke(
            &mut half,
            &mut session,
            functions::help::GetNearestDc {}.to_bytes()
        )
        .await
        .is_ok()
    );
    drop((garbage, truncated));
}
