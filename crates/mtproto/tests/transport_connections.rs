//! Whole connections: `ClientTransport` ↔ `ServerTransport` for every
//! wrapping (plain, obfuscated2 with and without an MTProxy secret,
//! FakeTLS) over every framing it can carry, with the byte stream cut in
//! random pieces, single bytes, or not at all.

mod transport_common;

use paperplane_mtproto::transport::fake_tls::TimeWindow;
use paperplane_mtproto::transport::{
    ClientConfig, ClientMode, ClientPacket, ClientTransport, ErrorCode, FakeTlsConfig, Frame,
    Framing, ObfuscatedFraming, ProxySecret, ReadBuf, SecretKey, ServerConfig, ServerTransport,
    Wrapping,
};
use rand_chacha::ChaCha20Rng;
use rand_core::RngCore;
use transport_common::{NOW, encrypted_message, feed, packets, plain_message, rng};

const OBFUSCATED: [ObfuscatedFraming; 3] = [
    ObfuscatedFraming::Abridged,
    ObfuscatedFraming::Intermediate,
    ObfuscatedFraming::PaddedIntermediate,
];

fn key() -> SecretKey {
    SecretKey::new([0x42; 16])
}

/// Every client mode with the server configuration that accepts it and
/// the wrapping the server should see.
fn cases() -> Vec<(ClientMode, ServerConfig, Wrapping)> {
    let mut cases = Vec::new();
    for framing in [
        Framing::Abridged,
        Framing::Intermediate,
        Framing::PaddedIntermediate,
        Framing::Full,
    ] {
        cases.push((
            ClientMode::Plain(framing),
            ServerConfig::new(),
            Wrapping::Plain,
        ));
    }
    for framing in OBFUSCATED {
        cases.push((
            ClientMode::obfuscated(framing, Some(4)),
            ServerConfig::new(),
            Wrapping::Obfuscated2,
        ));
        cases.push((
            ClientMode::Obfuscated {
                framing,
                dc_id: Some(-4),
                secret: Some(key()),
            },
            ServerConfig {
                obfuscation_secret: Some(key()),
                ..ServerConfig::new()
            },
            Wrapping::Obfuscated2,
        ));
        cases.push((
            ClientMode::FakeTls {
                framing,
                dc_id: Some(5),
                key: key(),
                domain: "example.com".into(),
            },
            ServerConfig {
                fake_tls: Some(FakeTlsConfig {
                    key: key(),
                    time_window: TimeWindow::default(),
                }),
                ..ServerConfig::new()
            },
            Wrapping::FakeTls,
        ));
    }
    cases
}

/// The server end of a connection being driven by a test.
struct ServerEnd {
    config: ServerConfig,
    transport: Option<ServerTransport>,
    input: ReadBuf,
    out: Vec<u8>,
}

impl ServerEnd {
    fn new(config: ServerConfig) -> Self {
        Self {
            config,
            transport: None,
            input: ReadBuf::new(),
            out: Vec::new(),
        }
    }

    /// Deliver `wire` in `chunks`, accepting the connection when possible
    /// and decoding every packet.
    fn receive(
        &mut self,
        wire: &[u8],
        chunks: &[usize],
        rng: &mut ChaCha20Rng,
    ) -> Vec<ClientPacket> {
        let mut packets = Vec::new();
        let mut at = 0;
        let mut i = 0;
        while at < wire.len() {
            let n = chunks[i % chunks.len()].clamp(1, wire.len() - at);
            i += 1;
            self.input.extend_from_slice(&wire[at..at + n]);
            at += n;
            if self.transport.is_none() {
                self.transport =
                    ServerTransport::accept(&self.config, &mut self.input, NOW, rng, &mut self.out)
                        .unwrap();
            }
            if let Some(server) = &mut self.transport {
                while let Some(packet) = server.decode(&mut self.input).unwrap() {
                    packets.push(packet);
                }
            }
        }
        packets
    }
}

/// Drive one connection: open, handshake, packets both ways (with
/// quick-acks where the framing has them), a transport error.
fn converse(
    mode: ClientMode,
    config: ServerConfig,
    wrapping: Wrapping,
    payloads: &[Vec<u8>],
    chunks: &[usize],
    seed: u64,
) {
    let label = format!("{mode:?}");
    let framing = mode.framing();
    let mut r = rng(seed);
    let mut to_server = Vec::new();
    let mut client =
        ClientTransport::new(&ClientConfig::new(mode), NOW, &mut r, &mut to_server).unwrap();
    assert_eq!(client.framing(), framing);
    let mut server = ServerEnd::new(config);

    // Opening bytes; FakeTLS needs the server's answer before data.
    assert!(
        server.receive(&to_server, chunks, &mut r).is_empty(),
        "{label}"
    );
    let answer = std::mem::take(&mut server.out);
    let mut client_in = ReadBuf::new();
    assert_eq!(client.is_ready(), wrapping != Wrapping::FakeTls, "{label}");
    let frames = feed(&answer, chunks, &mut client_in, |b| client.decode(b)).unwrap();
    assert!(frames.is_empty() && client.is_ready(), "{label}");

    // Client → server.
    let mut wire = Vec::new();
    for (i, payload) in payloads.iter().enumerate() {
        let ack = framing.has_quick_ack() && i % 4 == 1;
        client.encode(payload, ack, &mut r, &mut wire).unwrap();
    }
    let received = server.receive(&wire, chunks, &mut r);
    assert_eq!(received.len(), payloads.len(), "{label}");
    let transport = server.transport.as_mut().unwrap();
    assert_eq!(transport.wrapping(), wrapping, "{label}");
    assert_eq!(transport.framing(), Some(framing), "{label}");
    assert_eq!(
        transport.dc_id().is_some(),
        wrapping != Wrapping::Plain,
        "{label}"
    );

    // Server → client.
    let mut wire = Vec::new();
    let mut expected = Vec::new();
    for (i, (packet, sent)) in received.into_iter().zip(payloads).enumerate() {
        assert_eq!(&packet.payload, sent, "{label} packet {i}");
        assert_eq!(
            packet.quick_ack.is_some(),
            framing.has_quick_ack() && i % 4 == 1,
            "{label}"
        );
        if let Some(request) = packet.quick_ack {
            transport
                .encode_quick_ack(request, i as u32, &mut wire)
                .unwrap();
            expected.push(Frame::QuickAck(i as u32 | 0x8000_0000));
        }
        transport
            .encode(&packet.payload, &mut r, &mut wire)
            .unwrap();
        expected.push(Frame::Packet(packet.payload));
    }
    transport
        .encode_error(ErrorCode::AUTH_KEY_NOT_FOUND, &mut wire)
        .unwrap();
    expected.push(Frame::Error(ErrorCode::AUTH_KEY_NOT_FOUND));
    let frames = feed(&wire, chunks, &mut client_in, |b| client.decode(b)).unwrap();
    assert_eq!(frames, expected, "{label}");
    assert!(client_in.is_empty() && server.input.is_empty(), "{label}");
}

#[test]
fn every_wrapping_and_framing_in_random_pieces() {
    for (n, (mode, config, wrapping)) in cases().into_iter().enumerate() {
        let seed = n as u64;
        let mut r = rng(seed);
        let payloads = packets(&mut r, 30, false);
        let chunks: Vec<usize> = (0..32)
            .map(|_| 1 + (r.next_u32() % 1500) as usize)
            .collect();
        converse(mode, config, wrapping, &payloads, &chunks, seed);
    }
}

#[test]
fn every_wrapping_byte_at_a_time() {
    for (n, (mode, config, wrapping)) in cases().into_iter().enumerate() {
        let mut r = rng(100 + n as u64);
        let payloads = vec![
            plain_message(&mut r, 0),
            encrypted_message(&mut r, 40),
            plain_message(&mut r, 600),
        ];
        converse(mode, config, wrapping, &payloads, &[1], 100 + n as u64);
    }
}

#[test]
fn each_wrapping_all_at_once_with_one_mebibyte_packets() {
    // One framing per wrapping: every framing carries 1 MiB in
    // transport_framing.rs, and AES is slow in unoptimised test builds.
    let picked = cases().into_iter().enumerate().filter(|(_, (mode, _, _))| {
        matches!(
            mode,
            ClientMode::Plain(Framing::Full)
                | ClientMode::Obfuscated {
                    framing: ObfuscatedFraming::PaddedIntermediate,
                    secret: Some(_),
                    ..
                }
                | ClientMode::FakeTls {
                    framing: ObfuscatedFraming::Abridged,
                    ..
                }
        )
    });
    for (n, (mode, config, wrapping)) in picked {
        let mut r = rng(200 + n as u64);
        let payloads = vec![
            encrypted_message(&mut r, (1 << 20) / 16),
            plain_message(&mut r, 8),
            plain_message(&mut r, 1 << 20),
        ];
        converse(
            mode,
            config,
            wrapping,
            &payloads,
            &[usize::MAX],
            200 + n as u64,
        );
    }
}

#[test]
fn mtproxy_secrets_configure_both_ends() {
    let key_hex = "00112233445566778899aabbccddeeff";
    for (secret, wrapping, framing) in [
        (
            key_hex.to_string(),
            Wrapping::Obfuscated2,
            Framing::Intermediate,
        ),
        (
            format!("dd{key_hex}"),
            Wrapping::Obfuscated2,
            Framing::PaddedIntermediate,
        ),
        (
            format!("ee{key_hex}{}", "7777772e676f6f676c652e636f6d"),
            Wrapping::FakeTls,
            Framing::PaddedIntermediate,
        ),
    ] {
        let secret = ProxySecret::from_hex(&secret).unwrap();
        let mode = ClientMode::mtproxy(&secret, 2);
        assert_eq!(mode.framing(), framing);
        let config = ServerConfig::mtproxy(&secret);
        assert!(!config.allow_plain);
        let mut r = rng(300);
        let payloads = packets(&mut r, 5, false);
        converse(mode, config, wrapping, &payloads, &[5, 300, 1], 300);
    }
}

#[test]
fn the_dc_id_is_carried_but_not_required() {
    for dc_id in [Some(2), Some(-2), None] {
        let mut r = rng(9);
        let mut wire = Vec::new();
        let mode = ClientMode::obfuscated(ObfuscatedFraming::Abridged, dc_id);
        ClientTransport::new(&ClientConfig::new(mode), NOW, &mut r, &mut wire).unwrap();
        let mut input = ReadBuf::from(wire);
        let server = ServerTransport::accept(
            &ServerConfig::new(),
            &mut input,
            NOW,
            &mut r,
            &mut Vec::new(),
        )
        .unwrap()
        .unwrap();
        if let Some(dc_id) = dc_id {
            assert_eq!(server.dc_id(), Some(dc_id));
        }
    }
}
