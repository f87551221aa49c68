//! Hostile input: absurd lengths, truncation, bad checksums and sequence
//! numbers, wrong FakeTLS digests, garbage and mutated streams. Every case
//! must end in `Ok(None)`, a frame, or a typed error — never a panic, and
//! never a wait for (let alone an allocation of) a body the limit forbids.

mod transport_common;

use paperplane_mtproto::transport::fake_tls::TimeWindow;
use paperplane_mtproto::transport::{
    ClientConfig, ClientFramer, ClientMode, ClientTransport, ErrorCode, FakeTlsConfig,
    FakeTlsError, Frame, Framing, FramingOptions, ObfuscatedFraming, ReadBuf, SecretKey,
    ServerConfig, ServerFramer, ServerTransport, TransportError,
};
use rand_chacha::ChaCha20Rng;
use rand_core::RngCore;
use transport_common::{NOW, encrypted_message, plain_message, rng};

const ALL: [Framing; 4] = [
    Framing::Abridged,
    Framing::Intermediate,
    Framing::PaddedIntermediate,
    Framing::Full,
];

fn too_large(result: Result<impl std::fmt::Debug, TransportError>) -> bool {
    matches!(result, Err(TransportError::FrameTooLarge { .. }))
}

#[test]
fn absurd_lengths_fail_on_the_header_alone() {
    for (framing, header) in [
        (Framing::Abridged, vec![0x7f, 0xff, 0xff, 0xff]),
        (Framing::Abridged, vec![0xff, 0xff, 0xff, 0xff]),
        (Framing::Intermediate, vec![0xff, 0xff, 0xff, 0x7f]),
        (Framing::Intermediate, vec![0xff, 0xff, 0xff, 0xff]),
        (Framing::PaddedIntermediate, vec![0xff, 0xff, 0xff, 0xff]),
        (Framing::Full, vec![0xff, 0xff, 0xff, 0xff]),
        (Framing::Full, vec![0xfc, 0xff, 0xff, 0x7f]),
    ] {
        let mut s = ServerFramer::new(framing, FramingOptions::server());
        assert!(
            too_large(s.decode(&mut ReadBuf::from(header.clone()))),
            "{framing:?} {header:02x?}"
        );
    }
    for (framing, header) in [
        (Framing::Abridged, vec![0x7f, 0xff, 0xff, 0xff]),
        (Framing::Intermediate, vec![0xfc, 0xff, 0xff, 0x7f]),
        (Framing::PaddedIntermediate, vec![0xff, 0xff, 0xff, 0x7f]),
        (Framing::Full, vec![0xfc, 0xff, 0xff, 0x7f]),
    ] {
        let mut c = ClientFramer::new(framing, FramingOptions::client());
        assert!(
            too_large(c.decode(&mut ReadBuf::from(header.clone()))),
            "{framing:?} {header:02x?}"
        );
    }
    // From a server, 0xffffffff is a quick-ack (abridged/intermediate) or an
    // error code (full), never a length.
    let mut c = ClientFramer::new(Framing::Full, FramingOptions::client());
    assert_eq!(
        c.decode(&mut ReadBuf::from(vec![0xff; 4])),
        Ok(Some(Frame::Error(ErrorCode(-1))))
    );

    // Just over a configured limit.
    let small = FramingOptions {
        max_frame_len: 1024,
        ..FramingOptions::server()
    };
    for (framing, header) in [
        (Framing::Abridged, vec![0x7f, 0x01, 0x01, 0x00]),
        (Framing::Intermediate, 1028u32.to_le_bytes().to_vec()),
        (
            Framing::PaddedIntermediate,
            (1024u32 + 16).to_le_bytes().to_vec(),
        ),
        (Framing::Full, (1024u32 + 16).to_le_bytes().to_vec()),
    ] {
        let mut s = ServerFramer::new(framing, small);
        assert!(
            too_large(s.decode(&mut ReadBuf::from(header))),
            "{framing:?}"
        );
    }
    // Padding may exceed the payload limit by 15, no more.
    let mut s = ServerFramer::new(Framing::PaddedIntermediate, small);
    assert_eq!(
        s.decode(&mut ReadBuf::from((1024u32 + 15).to_le_bytes().to_vec())),
        Ok(None)
    );

    // A limit near usize::MAX overflows nothing.
    let huge = FramingOptions {
        max_frame_len: usize::MAX,
        ..FramingOptions::server()
    };
    for framing in ALL {
        for header in [
            vec![0xff; 4],
            vec![0x7f, 0xff, 0xff, 0xff],
            vec![0xfc, 0xff, 0xff, 0x7f],
        ] {
            let _ = ServerFramer::new(framing, huge).decode(&mut ReadBuf::from(header.clone()));
            let _ = ClientFramer::new(framing, huge).decode(&mut ReadBuf::from(header));
        }
    }
    let config = ServerConfig {
        framing: huge,
        ..ServerConfig::new()
    };
    let mut wire = vec![0xfc, 0xff, 0xff, 0xff, 0, 0, 0, 0];
    assert!(
        ServerTransport::accept(
            &config,
            &mut ReadBuf::from(wire.clone()),
            NOW,
            &mut rng(0),
            &mut Vec::new()
        )
        .is_ok()
    );
    wire[0] = 0xfd;
    assert!(
        ServerTransport::accept(
            &config,
            &mut ReadBuf::from(wire),
            NOW,
            &mut rng(0),
            &mut Vec::new()
        )
        .is_err()
    );
}

#[test]
fn truncated_frames_wait_and_consume_nothing() {
    let mut r = rng(1);
    for framing in ALL {
        let payload = encrypted_message(&mut r, 40);
        let mut c = ClientFramer::new(framing, FramingOptions::client());
        let mut s = ServerFramer::new(framing, FramingOptions::server());
        let mut up = Vec::new();
        c.encode(&payload, framing.has_quick_ack(), &mut r, &mut up)
            .unwrap();
        let mut down = Vec::new();
        s.encode(&payload, &mut r, &mut down).unwrap();
        for cut in 0..up.len() {
            let mut input = ReadBuf::from(up[..cut].to_vec());
            assert_eq!(
                ServerFramer::new(framing, FramingOptions::server()).decode(&mut input),
                Ok(None)
            );
            assert_eq!(input.len(), cut, "{framing:?}: nothing consumed");
        }
        for cut in 0..down.len() {
            let mut input = ReadBuf::from(down[..cut].to_vec());
            assert_eq!(
                ClientFramer::new(framing, FramingOptions::client()).decode(&mut input),
                Ok(None)
            );
            assert_eq!(input.len(), cut, "{framing:?}: nothing consumed");
        }
    }
}

#[test]
fn bad_checksums_and_sequence_numbers() {
    let mut r = rng(2);
    let payload = plain_message(&mut r, 12);
    let mut c = ClientFramer::new(Framing::Full, FramingOptions::client());
    let mut wire = Vec::new();
    c.encode(&payload, false, &mut r, &mut wire).unwrap();
    let last = wire.len() - 1;
    wire[last] ^= 0xff;
    let mut s = ServerFramer::new(Framing::Full, FramingOptions::server());
    assert!(matches!(
        s.decode(&mut ReadBuf::from(wire)),
        Err(TransportError::BadChecksum { .. })
    ));

    // A correct checksum over a skipped sequence number.
    let mut c = ClientFramer::new(Framing::Full, FramingOptions::client());
    let mut wire = Vec::new();
    c.encode(&payload, false, &mut r, &mut Vec::new()).unwrap();
    c.encode(&payload, false, &mut r, &mut wire).unwrap();
    let mut s = ServerFramer::new(Framing::Full, FramingOptions::server());
    assert_eq!(
        s.decode(&mut ReadBuf::from(wire)),
        Err(TransportError::BadSequence {
            expected: 0,
            found: 1
        })
    );
}

fn tls_config() -> ServerConfig {
    ServerConfig {
        fake_tls: Some(FakeTlsConfig {
            key: SecretKey::new([5; 16]),
            time_window: TimeWindow::default(),
        }),
        ..ServerConfig::new()
    }
}

fn tls_mode(key: u8) -> ClientMode {
    ClientMode::FakeTls {
        framing: ObfuscatedFraming::PaddedIntermediate,
        dc_id: None,
        key: SecretKey::new([key; 16]),
        domain: "example.net".into(),
    }
}

#[test]
fn wrong_fake_tls_digests() {
    let mut r = rng(3);
    // Server side: a hello made with another key, or altered anywhere.
    let mut hello = Vec::new();
    ClientTransport::new(&ClientConfig::new(tls_mode(5)), NOW, &mut r, &mut hello).unwrap();
    let mut wrong = Vec::new();
    ClientTransport::new(&ClientConfig::new(tls_mode(6)), NOW, &mut r, &mut wrong).unwrap();
    let accept = |bytes: Vec<u8>, r: &mut ChaCha20Rng| {
        ServerTransport::accept(
            &tls_config(),
            &mut ReadBuf::from(bytes),
            NOW,
            r,
            &mut Vec::new(),
        )
        .map(|s| s.is_some())
    };
    assert_eq!(
        accept(wrong, &mut r),
        Err(TransportError::FakeTls(FakeTlsError::BadDigest))
    );
    for at in (5..hello.len()).step_by(7) {
        let mut bad = hello.clone();
        bad[at] ^= 0x80;
        let result = accept(bad, &mut r);
        assert!(result.is_err(), "byte {at}: {result:?}");
    }
    assert_eq!(accept(hello, &mut r), Ok(true));

    // Client side: an answer made for another hello.
    let mut hello_a = Vec::new();
    let mut client =
        ClientTransport::new(&ClientConfig::new(tls_mode(5)), NOW, &mut r, &mut hello_a).unwrap();
    let mut hello_b = Vec::new();
    ClientTransport::new(&ClientConfig::new(tls_mode(5)), NOW, &mut r, &mut hello_b).unwrap();
    let mut answer_b = Vec::new();
    ServerTransport::accept(
        &tls_config(),
        &mut ReadBuf::from(hello_b),
        NOW,
        &mut r,
        &mut answer_b,
    )
    .unwrap()
    .unwrap();
    assert_eq!(
        client.decode(&mut ReadBuf::from(answer_b)),
        Err(TransportError::FakeTls(FakeTlsError::BadDigest))
    );
}

/// Every kind of decoder, fresh, fed `bytes` in `chunk`-sized pieces;
/// results are ignored — only panics matter.
fn feed_everything(bytes: &[u8], chunk: usize, r: &mut ChaCha20Rng) {
    let chunk = chunk.max(1);
    for framing in ALL {
        let mut c = ClientFramer::new(framing, FramingOptions::client());
        let mut s = ServerFramer::new(framing, FramingOptions::server());
        let (mut ci, mut si) = (ReadBuf::new(), ReadBuf::new());
        for piece in bytes.chunks(chunk) {
            ci.extend_from_slice(piece);
            si.extend_from_slice(piece);
            while let Ok(Some(_)) = c.decode(&mut ci) {}
            while let Ok(Some(_)) = s.decode(&mut si) {}
        }
    }
    // Servers with every transport enabled.
    for config in [tls_config(), ServerConfig::new()] {
        let mut input = ReadBuf::new();
        let mut server = None;
        for piece in bytes.chunks(chunk) {
            input.extend_from_slice(piece);
            if server.is_none() {
                match ServerTransport::accept(&config, &mut input, NOW, r, &mut Vec::new()) {
                    Ok(s) => server = s,
                    Err(_) => break,
                }
            }
            if let Some(server) = &mut server {
                while let Ok(Some(_)) = server.decode(&mut input) {}
            }
        }
    }
    // Clients in every mode, receiving garbage from the "server".
    for mode in [
        ClientMode::Plain(Framing::Abridged),
        ClientMode::Plain(Framing::Full),
        ClientMode::obfuscated(ObfuscatedFraming::PaddedIntermediate, None),
        tls_mode(5),
    ] {
        let mut client =
            ClientTransport::new(&ClientConfig::new(mode), NOW, r, &mut Vec::new()).unwrap();
        let mut input = ReadBuf::new();
        for piece in bytes.chunks(chunk) {
            input.extend_from_slice(piece);
            while let Ok(Some(_)) = client.decode(&mut input) {}
        }
    }
}

#[test]
fn garbage_never_panics() {
    let mut r = rng(4);
    let prefixes: [&[u8]; 7] = [
        &[],
        &[0xef],
        &[0xee; 4],
        &[0xdd; 4],
        &[0x16, 0x03, 0x01, 0x02, 0x00],
        &[0x14, 0x03, 0x03, 0x00, 0x01, 0x01, 0x17, 0x03, 0x03],
        &[0x16, 0x03, 0x03, 0x00, 0x7a],
    ];
    for i in 0..3000 {
        let mut bytes = prefixes[i % prefixes.len()].to_vec();
        let len = (r.next_u32() % 160) as usize;
        let start = bytes.len();
        bytes.resize(start + len, 0);
        r.fill_bytes(&mut bytes[start..]);
        let chunk = 1 + (r.next_u32() % 40) as usize;
        feed_everything(&bytes, chunk, &mut r);
    }
}

#[test]
fn mutated_streams_never_panic() {
    let mut r = rng(5);
    // Real streams: each client mode's opening and packets.
    let mut streams = Vec::new();
    for mode in [
        ClientMode::Plain(Framing::Abridged),
        ClientMode::Plain(Framing::Intermediate),
        ClientMode::Plain(Framing::PaddedIntermediate),
        ClientMode::Plain(Framing::Full),
        ClientMode::obfuscated(ObfuscatedFraming::Abridged, Some(1)),
    ] {
        let mut wire = Vec::new();
        let mut client =
            ClientTransport::new(&ClientConfig::new(mode), NOW, &mut r, &mut wire).unwrap();
        for _ in 0..3 {
            let data_len = (r.next_u32() % 200) as usize * 4;
            let packet = plain_message(&mut r, data_len);
            let ack = client.framing().has_quick_ack();
            client.encode(&packet, ack, &mut r, &mut wire).unwrap();
        }
        streams.push(wire);
    }
    let mut hello = Vec::new();
    ClientTransport::new(&ClientConfig::new(tls_mode(5)), NOW, &mut r, &mut hello).unwrap();
    streams.push(hello);

    assert!(streams.iter().all(|s| !s.is_empty()));
    for i in 0..1500 {
        let mut bytes = streams[i % streams.len()].clone();
        match r.next_u32() % 4 {
            0 => {
                for _ in 0..1 + r.next_u32() % 4 {
                    let at = (r.next_u32() as usize) % bytes.len();
                    bytes[at] ^= 1 << (r.next_u32() % 8);
                }
            }
            1 => bytes.truncate((r.next_u32() as usize) % bytes.len()),
            2 => {
                let at = (r.next_u32() as usize) % bytes.len();
                let insert: Vec<u8> = (0..r.next_u32() % 9).map(|_| r.next_u32() as u8).collect();
                bytes.splice(at..at, insert);
            }
            _ => {
                let at = (r.next_u32() as usize) % bytes.len();
                let end = (at + 1 + (r.next_u32() as usize) % 16).min(bytes.len());
                bytes.drain(at..end);
            }
        }
        let chunk = [1, 3, 64, 4096][i % 4];
        feed_everything(&bytes, chunk, &mut r);
    }
}
