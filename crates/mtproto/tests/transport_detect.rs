//! The server's transport detector, fed the real first bytes of each
//! transport one byte at a time: it must answer "need more" until it can
//! decide, then decide right, as early as the table in `detect.rs` says, and
//! never change its mind.

mod transport_common;

use paperplane_mtproto::transport::fake_tls::TimeWindow;
use paperplane_mtproto::transport::obfuscated2::{client_header_from_random, is_reserved};
use paperplane_mtproto::transport::{
    ClientConfig, ClientMode, ClientTransport, Detected, FakeTlsConfig, Framing, ObfuscatedFraming,
    ReadBuf, SecretKey, ServerConfig, ServerTransport, TransportError, detect,
};
use rand_core::RngCore;
use transport_common::{NOW, encrypted_message, plain_message, rng};

fn config_with_everything() -> ServerConfig {
    ServerConfig {
        fake_tls: Some(FakeTlsConfig {
            key: SecretKey::new([3; 16]),
            time_window: TimeWindow::default(),
        }),
        ..ServerConfig::new()
    }
}

/// The first bytes a client in `mode` sends, with its first packet.
fn opening(mode: ClientMode, seed: u64) -> Vec<u8> {
    let mut r = rng(seed);
    let mut wire = Vec::new();
    let mut client =
        ClientTransport::new(&ClientConfig::new(mode), NOW, &mut r, &mut wire).unwrap();
    if client.is_ready() {
        let data_len = (r.next_u32() % 64) as usize * 4;
        let packet = plain_message(&mut r, data_len);
        client.encode(&packet, false, &mut r, &mut wire).unwrap();
    }
    wire
}

/// Feed `wire` one byte at a time; return the decision and how many bytes
/// it took, checking the decision never changes afterwards.
fn detect_bytewise(
    config: &ServerConfig,
    wire: &[u8],
) -> (Result<Detected, TransportError>, usize) {
    for n in 0..=wire.len() {
        match detect(config, &wire[..n]) {
            Ok(None) => continue,
            Ok(Some(kind)) => {
                // Every longer prefix (sampled past the first 16, as each
                // obfuscated2 check runs AES).
                let longer =
                    (n..=wire.len()).filter(|m| m - n < 16 || m % 29 == 0 || *m == wire.len());
                for more in longer {
                    assert_eq!(
                        detect(config, &wire[..more]),
                        Ok(Some(kind)),
                        "changed its mind at {more}"
                    );
                }
                return (Ok(kind), n);
            }
            Err(e) => return (Err(e), n),
        }
    }
    panic!("undecided after {} bytes", wire.len());
}

#[test]
fn plain_framings() {
    let config = config_with_everything();
    for seed in 0..50 {
        for (framing, detected, at) in [
            (Framing::Abridged, Detected::Abridged, 1),
            (Framing::Intermediate, Detected::Intermediate, 4),
            (Framing::PaddedIntermediate, Detected::PaddedIntermediate, 4),
            (Framing::Full, Detected::Full, 8),
        ] {
            let wire = opening(ClientMode::Plain(framing), seed);
            assert_eq!(
                detect_bytewise(&config, &wire),
                (Ok(detected), at),
                "{framing:?} seed {seed}"
            );
        }
    }
}

#[test]
fn full_with_every_first_packet_size() {
    let config = ServerConfig::new();
    let mut r = rng(1);
    for words in 1..600 {
        let mut wire = Vec::new();
        let mut client = ClientTransport::new(
            &ClientConfig::new(ClientMode::Plain(Framing::Full)),
            NOW,
            &mut r,
            &mut wire,
        )
        .unwrap();
        let mut packet = vec![0u8; words * 4];
        r.fill_bytes(&mut packet);
        client.encode(&packet, false, &mut r, &mut wire).unwrap();
        assert_eq!(
            detect_bytewise(&config, &wire),
            (Ok(Detected::Full), 8),
            "{words} words"
        );
    }
    let big = encrypted_message(&mut r, 65_536);
    let mut wire = Vec::new();
    let mut client = ClientTransport::new(
        &ClientConfig::new(ClientMode::Plain(Framing::Full)),
        NOW,
        &mut r,
        &mut wire,
    )
    .unwrap();
    client.encode(&big, false, &mut r, &mut wire).unwrap();
    assert_eq!(detect(&config, &wire[..8]), Ok(Some(Detected::Full)));
}

#[test]
fn obfuscated2_with_and_without_a_secret() {
    for secret in [None, Some(SecretKey::new([9; 16]))] {
        let config = ServerConfig {
            obfuscation_secret: secret.clone(),
            ..config_with_everything()
        };
        for seed in 0..100 {
            for framing in [
                ObfuscatedFraming::Abridged,
                ObfuscatedFraming::Intermediate,
                ObfuscatedFraming::PaddedIntermediate,
            ] {
                let dc_id = if seed % 2 == 0 { Some(2) } else { None };
                let mode = ClientMode::Obfuscated {
                    framing,
                    dc_id,
                    secret: secret.clone(),
                };
                let wire = opening(mode, seed);
                assert_eq!(
                    detect_bytewise(&config, &wire),
                    (Ok(Detected::Obfuscated2(framing)), 64),
                    "{framing:?} seed {seed}"
                );
            }
        }
    }
}

#[test]
fn fake_tls() {
    let config = config_with_everything();
    let mode = ClientMode::FakeTls {
        framing: ObfuscatedFraming::PaddedIntermediate,
        dc_id: Some(1),
        key: SecretKey::new([3; 16]),
        domain: "example.com".into(),
    };
    for seed in 0..20 {
        let wire = opening(mode.clone(), seed);
        assert_eq!(detect_bytewise(&config, &wire), (Ok(Detected::FakeTls), 4));
    }
    // Without a FakeTLS key the hello is recognised but refused.
    let wire = opening(mode, 0);
    assert_eq!(
        detect_bytewise(&ServerConfig::new(), &wire),
        (Err(TransportError::TransportDisabled(Detected::FakeTls)), 4)
    );
}

#[test]
fn http_post_is_the_http_transport_and_other_methods_are_refused() {
    let config = ServerConfig::new();
    assert_eq!(
        detect_bytewise(&config, b"POST /api HTTP/1.1\r\n"),
        (Ok(Detected::Http), 4)
    );
    let proxy = ServerConfig {
        allow_plain: false,
        ..ServerConfig::new()
    };
    let mut input = ReadBuf::from(&b"POST /api HTTP/1.1\r\n"[..]);
    assert_eq!(
        ServerTransport::accept(&proxy, &mut input, 0, &mut rng(1), &mut Vec::new()).err(),
        Some(TransportError::TransportDisabled(Detected::Http))
    );
    for request in [
        "GET /api HTTP/1.1\r\n",
        "HEAD / HTTP/1.1\r\n",
        "OPTIONS * HTTP/1.1\r\n",
    ] {
        assert_eq!(
            detect_bytewise(&config, request.as_bytes()),
            (Err(TransportError::HttpUnsupported), 4),
            "{request}"
        );
    }
}

#[test]
fn headers_that_look_like_other_transports_are_never_drawn() {
    // Random 64-byte strings that are not reserved and carry a valid tag
    // always detect as obfuscated2 — never as full, FakeTLS or a plain tag.
    let config = ServerConfig::new();
    let mut r = rng(2);
    let mut checked = 0;
    while checked < 2000 {
        let mut random = [0u8; 64];
        r.fill_bytes(&mut random);
        // Bias towards the tricky prefixes.
        match r.next_u32() % 6 {
            0 => random[..3].copy_from_slice(&[0x16, 0x03, 0x01]),
            1 => random[..3].copy_from_slice(&[0xee, 0xee, 0xee]),
            2 => random[..3].copy_from_slice(&[0xdd, 0xdd, 0xdd]),
            3 => random[4..7].copy_from_slice(&[0, 0, 0]),
            4 => random[0] = 0xee,
            _ => {}
        }
        if is_reserved(&random) {
            assert!(
                client_header_from_random(&random, ObfuscatedFraming::Abridged, None, None)
                    .is_err()
            );
            continue;
        }
        let (header, _) =
            client_header_from_random(&random, ObfuscatedFraming::Intermediate, None, None)
                .unwrap();
        assert_eq!(
            detect_bytewise(&config, &header),
            (
                Ok(Detected::Obfuscated2(ObfuscatedFraming::Intermediate)),
                64
            )
        );
        checked += 1;
    }
}

#[test]
fn garbage_is_unknown() {
    let config = ServerConfig::new();
    let mut r = rng(3);
    for _ in 0..200 {
        let mut garbage = [0u8; 64];
        r.fill_bytes(&mut garbage);
        if is_reserved(&garbage) {
            continue;
        }
        let (result, at) = detect_bytewise(&config, &garbage);
        assert!(
            matches!(result, Err(TransportError::UnknownTransport { .. })),
            "{result:?}"
        );
        assert_eq!(at, 64);
    }
    // A zero seq_no with an implausible length: not full, and obfuscated2
    // never has zeros there.
    for len in [0u32, 4, 12, 13, 0xffff_ffff, 0x0200_0000] {
        let mut wire = len.to_le_bytes().to_vec();
        wire.extend_from_slice(&[0; 60]);
        let (result, at) = detect_bytewise(&config, &wire);
        assert!(
            matches!(result, Err(TransportError::UnknownTransport { .. })),
            "{len:#x}"
        );
        assert_eq!(at, 8);
    }
    // An obfuscated2 header under the wrong secret is garbage too.
    let wire = opening(
        ClientMode::Obfuscated {
            framing: ObfuscatedFraming::Abridged,
            dc_id: None,
            secret: Some(SecretKey::new([1; 16])),
        },
        0,
    );
    assert!(matches!(
        detect(&config, &wire),
        Err(TransportError::UnknownTransport { .. })
    ));
}

#[test]
fn accept_applies_the_policy() {
    let mut r = rng(4);
    let no_plain = ServerConfig {
        allow_plain: false,
        ..ServerConfig::new()
    };
    for (framing, detected) in [
        (Framing::Abridged, Detected::Abridged),
        (Framing::Intermediate, Detected::Intermediate),
        (Framing::PaddedIntermediate, Detected::PaddedIntermediate),
        (Framing::Full, Detected::Full),
    ] {
        let wire = opening(ClientMode::Plain(framing), 0);
        let result = ServerTransport::accept(
            &no_plain,
            &mut ReadBuf::from(wire),
            NOW,
            &mut r,
            &mut Vec::new(),
        );
        assert_eq!(
            result.unwrap_err(),
            TransportError::TransportDisabled(detected)
        );
    }
    let no_obfuscation = ServerConfig {
        allow_obfuscated: false,
        ..ServerConfig::new()
    };
    let wire = opening(ClientMode::obfuscated(ObfuscatedFraming::Abridged, None), 0);
    let result = ServerTransport::accept(
        &no_obfuscation,
        &mut ReadBuf::from(wire),
        NOW,
        &mut r,
        &mut Vec::new(),
    );
    assert_eq!(
        result.unwrap_err(),
        TransportError::TransportDisabled(Detected::Obfuscated2(ObfuscatedFraming::Abridged))
    );
    // Undecided: nothing consumed.
    let mut input = ReadBuf::from(vec![0xee, 0xee]);
    let result = ServerTransport::accept(
        &ServerConfig::new(),
        &mut input,
        NOW,
        &mut r,
        &mut Vec::new(),
    );
    assert!(result.unwrap().is_none());
    assert_eq!(input.len(), 2);
}

#[test]
fn http_transport_answers_one_response_per_request() {
    let config = ServerConfig::new();
    let mut input = ReadBuf::new();
    let mut out = Vec::new();
    let mut r = rng(3);
    let request = |body: &[u8]| {
        let mut wire = format!(
            "POST /api HTTP/1.1\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .into_bytes();
        wire.extend_from_slice(body);
        wire
    };
    input.extend_from_slice(&request(&[1; 8])[..3]);
    assert!(matches!(
        ServerTransport::accept(&config, &mut input, NOW, &mut r, &mut out),
        Ok(None)
    ));
    input.extend_from_slice(&request(&[1; 8])[3..]);
    input.extend_from_slice(&request(&[2; 4]));
    let mut server = ServerTransport::accept(&config, &mut input, NOW, &mut r, &mut out)
        .unwrap()
        .unwrap();
    assert_eq!(
        server.wrapping(),
        paperplane_mtproto::transport::Wrapping::Http
    );
    assert_eq!(server.framing(), None);
    assert!(!server.can_send());
    assert_eq!(
        server.encode(&[9; 4], &mut r, &mut out),
        Err(TransportError::HttpNoRequest)
    );
    assert_eq!(
        server.decode(&mut input).unwrap().unwrap().payload,
        vec![1; 8]
    );
    assert_eq!(
        server.decode(&mut input).unwrap().unwrap().payload,
        vec![2; 4]
    );
    assert_eq!(server.decode(&mut input).unwrap(), None);
    server.encode(&[9; 4], &mut r, &mut out).unwrap();
    assert!(server.can_send());
    server.encode(&[8; 4], &mut r, &mut out).unwrap();
    assert!(!server.can_send());
    let text = String::from_utf8_lossy(&out);
    assert_eq!(text.matches("HTTP/1.1 200 OK\r\n").count(), 2, "{text}");
    assert!(out.ends_with(b"Content-Length: 4\r\n\r\n\x08\x08\x08\x08"));
}
