//! FakeTLS specifics: record sizes, the ChangeCipherSpec, ordering rules,
//! and rejection of wrong keys, stale clocks and tampered answers.

mod transport_common;

use paperplane_mtproto::transport::fake_tls::{
    CLIENT_RECORD_PAYLOAD, MAX_RECORD_PAYLOAD, TimeWindow, client_hello,
};
use paperplane_mtproto::transport::{
    ClientConfig, ClientMode, ClientTransport, Detected, ErrorCode, FakeTlsConfig, FakeTlsError,
    Frame, ObfuscatedFraming, ReadBuf, SecretKey, ServerConfig, ServerTransport, TransportError,
};
use transport_common::{NOW, encrypted_message, rng};

fn key() -> SecretKey {
    SecretKey::new([0x24; 16])
}

fn mode(key: SecretKey) -> ClientMode {
    ClientMode::FakeTls {
        framing: ObfuscatedFraming::PaddedIntermediate,
        dc_id: Some(2),
        key,
        domain: "example.org".into(),
    }
}

fn server_config() -> ServerConfig {
    ServerConfig {
        fake_tls: Some(FakeTlsConfig {
            key: key(),
            time_window: TimeWindow::default(),
        }),
        ..ServerConfig::new()
    }
}

/// Split TLS records: (type, payload length) of each.
fn records(mut wire: &[u8]) -> Vec<(u8, usize)> {
    let mut out = Vec::new();
    while wire.len() >= 5 {
        assert_eq!(&wire[1..3], &[0x03, 0x03], "record version");
        let len = usize::from(u16::from_be_bytes([wire[3], wire[4]]));
        out.push((wire[0], len));
        wire = &wire[5 + len..];
    }
    assert!(wire.is_empty(), "a partial record");
    out
}

/// A client and server through the handshake: (client, server, client's
/// unread input).
fn handshake() -> (ClientTransport, ServerTransport, ReadBuf) {
    let mut r = rng(1);
    let mut hello = Vec::new();
    let client =
        ClientTransport::new(&ClientConfig::new(mode(key())), NOW, &mut r, &mut hello).unwrap();
    let mut input = ReadBuf::from(hello);
    let mut answer = Vec::new();
    let server = ServerTransport::accept(&server_config(), &mut input, NOW, &mut r, &mut answer)
        .unwrap()
        .unwrap();
    let mut client = client;
    let mut client_in = ReadBuf::from(answer);
    assert_eq!(client.decode(&mut client_in).unwrap(), None);
    assert!(client.is_ready());
    (client, server, client_in)
}

#[test]
fn client_records_follow_tdlib_and_server_records_tls() {
    let (mut client, mut server, mut client_in) = handshake();
    let mut r = rng(2);
    let packet = encrypted_message(&mut r, 1000); // 16 024 bytes
    let mut wire = Vec::new();
    client.encode(&packet, false, &mut r, &mut wire).unwrap();
    // Dummy ChangeCipherSpec once, then application data of at most 2878.
    assert_eq!(&wire[..6], &[0x14, 0x03, 0x03, 0x00, 0x01, 0x01]);
    let recs = records(&wire[6..]);
    assert!(
        recs.iter()
            .all(|&(kind, len)| kind == 0x17 && len <= CLIENT_RECORD_PAYLOAD)
    );
    // The 64-byte obfuscated2 header, then the framed packet.
    let framed = 4 + packet.len();
    let total: usize = recs.iter().map(|r| r.1).sum();
    assert!((64 + framed..=64 + framed + 15).contains(&total));
    let mut second = Vec::new();
    client.encode(&packet, false, &mut r, &mut second).unwrap();
    assert_eq!(second[0], 0x17, "no second ChangeCipherSpec");

    let mut input = ReadBuf::from([wire, second].concat());
    assert_eq!(server.decode(&mut input).unwrap().unwrap().payload, packet);
    assert_eq!(server.decode(&mut input).unwrap().unwrap().payload, packet);
    assert_eq!(server.dc_id(), Some(2));

    let big = encrypted_message(&mut r, 4000); // 64 024 bytes
    let mut reply = Vec::new();
    server.encode(&big, &mut r, &mut reply).unwrap();
    let recs = records(&reply);
    assert!(
        recs.iter()
            .all(|&(kind, len)| kind == 0x17 && len <= MAX_RECORD_PAYLOAD)
    );
    assert!(recs.len() >= 4);
    client_in.extend_from_slice(&reply);
    assert_eq!(
        client.decode(&mut client_in).unwrap(),
        Some(Frame::Packet(big))
    );
}

#[test]
fn nothing_is_sent_before_the_handshake_completes() {
    let mut r = rng(3);
    let mut hello = Vec::new();
    let mut client =
        ClientTransport::new(&ClientConfig::new(mode(key())), NOW, &mut r, &mut hello).unwrap();
    let mut out = Vec::new();
    assert_eq!(
        client.encode(&[0; 24], false, &mut r, &mut out),
        Err(TransportError::HandshakeInProgress)
    );
    assert!(out.is_empty());

    let mut input = ReadBuf::from(hello);
    let mut server = ServerTransport::accept(&server_config(), &mut input, NOW, &mut r, &mut out)
        .unwrap()
        .unwrap();
    assert_eq!(server.framing(), None);
    assert_eq!(server.dc_id(), None);
    let mut nothing = Vec::new();
    assert_eq!(
        server.encode(&[0; 24], &mut r, &mut nothing),
        Err(TransportError::HandshakeInProgress)
    );
    assert_eq!(
        server.encode_error(ErrorCode::TRANSPORT_FLOOD, &mut nothing),
        Err(TransportError::HandshakeInProgress)
    );
    assert!(nothing.is_empty());
    assert_eq!(server.decode(&mut ReadBuf::new()).unwrap(), None);
}

#[test]
fn the_hello_is_517_bytes_and_exposes_its_random_for_replay_checks() {
    let mut r = rng(4);
    let mut hello = Vec::new();
    ClientTransport::new(&ClientConfig::new(mode(key())), NOW, &mut r, &mut hello).unwrap();
    assert_eq!(hello.len(), 517);
    assert_eq!(&hello[..5], &[0x16, 0x03, 0x01, 0x02, 0x00]);
    let mut input = ReadBuf::from(hello.clone());
    let server =
        ServerTransport::accept(&server_config(), &mut input, NOW, &mut r, &mut Vec::new())
            .unwrap()
            .unwrap();
    let verified = server.fake_tls_hello().unwrap();
    assert_eq!(&verified.client_random[..], &hello[11..43]);
    assert_eq!(verified.timestamp, NOW as u32);
}

#[test]
fn a_wrong_key_or_clock_is_refused() {
    let mut r = rng(5);
    let mut hello = Vec::new();
    ClientTransport::new(
        &ClientConfig::new(mode(SecretKey::new([1; 16]))),
        NOW,
        &mut r,
        &mut hello,
    )
    .unwrap();
    let result = ServerTransport::accept(
        &server_config(),
        &mut ReadBuf::from(hello),
        NOW,
        &mut r,
        &mut Vec::new(),
    );
    assert_eq!(
        result.unwrap_err(),
        TransportError::FakeTls(FakeTlsError::BadDigest)
    );

    for (client_time, server_time) in [(NOW - 601, NOW), (NOW + 121, NOW)] {
        let mut hello = Vec::new();
        ClientTransport::new(
            &ClientConfig::new(mode(key())),
            client_time,
            &mut r,
            &mut hello,
        )
        .unwrap();
        let mut out = Vec::new();
        let result = ServerTransport::accept(
            &server_config(),
            &mut ReadBuf::from(hello),
            server_time,
            &mut r,
            &mut out,
        );
        assert_eq!(
            result.unwrap_err(),
            TransportError::FakeTls(FakeTlsError::StaleTimestamp {
                timestamp: client_time as u32,
                now: server_time
            })
        );
        assert!(out.is_empty(), "no answer to a refused hello");
    }
}

#[test]
fn a_tampered_answer_is_refused_by_the_client() {
    let mut r = rng(6);
    let mut hello = Vec::new();
    let mut client =
        ClientTransport::new(&ClientConfig::new(mode(key())), NOW, &mut r, &mut hello).unwrap();
    let mut answer = Vec::new();
    ServerTransport::accept(
        &server_config(),
        &mut ReadBuf::from(hello),
        NOW,
        &mut r,
        &mut answer,
    )
    .unwrap()
    .unwrap();
    for at in [11, 50, 100, answer.len() - 1] {
        let mut bad = answer.clone();
        bad[at] ^= 0x01;
        let mut fresh_hello = Vec::new();
        // A fresh client with the same randomness produces the same hello.
        let mut r2 = rng(6);
        let mut c = ClientTransport::new(
            &ClientConfig::new(mode(key())),
            NOW,
            &mut r2,
            &mut fresh_hello,
        )
        .unwrap();
        assert_eq!(
            c.decode(&mut ReadBuf::from(bad)),
            Err(TransportError::FakeTls(FakeTlsError::BadDigest)),
            "byte {at}"
        );
    }
    assert_eq!(client.decode(&mut ReadBuf::from(answer)).unwrap(), None);
    assert!(client.is_ready());
}

#[test]
fn the_client_must_open_with_change_cipher_spec() {
    let mut r = rng(7);
    let (mut client, _, _) = handshake();
    let mut wire = Vec::new();
    client
        .encode(&encrypted_message(&mut r, 2), false, &mut r, &mut wire)
        .unwrap();

    let (_, mut server, _) = handshake();
    let result = server.decode(&mut ReadBuf::from(wire[6..].to_vec()));
    assert!(matches!(
        result,
        Err(TransportError::FakeTls(
            FakeTlsError::MissingChangeCipherSpec { .. }
        ))
    ));
}

#[test]
fn hellos_need_a_configured_key() {
    let mut r = rng(8);
    let hello = client_hello(&key(), "example.org", NOW, &mut r).unwrap();
    let result = ServerTransport::accept(
        &ServerConfig::new(),
        &mut ReadBuf::from(hello.bytes),
        NOW,
        &mut r,
        &mut Vec::new(),
    );
    assert_eq!(
        result.unwrap_err(),
        TransportError::TransportDisabled(Detected::FakeTls)
    );
}
