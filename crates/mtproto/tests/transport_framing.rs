//! Framing codecs, client ↔ server, in both directions: round trips with
//! many sizes (to 1 MiB), any split of the byte stream, quick-acks,
//! transport error codes, padding and sequence numbers.

mod transport_common;

use paperplane_mtproto::transport::{
    ClientFramer, ErrorCode, Frame, Framing, FramingOptions, ReadBuf, ServerFramer, TransportError,
};
use rand_core::RngCore;
use transport_common::{encrypted_message, feed, packets, plain_message, rng};

const ALL: [Framing; 4] = [
    Framing::Abridged,
    Framing::Intermediate,
    Framing::PaddedIntermediate,
    Framing::Full,
];

fn framers(framing: Framing) -> (ClientFramer, ServerFramer) {
    (
        ClientFramer::new(framing, FramingOptions::client()),
        ServerFramer::new(framing, FramingOptions::server()),
    )
}

/// A token as the session layer would compute it (any u32).
fn token_for(payload: &[u8]) -> u32 {
    u32::from_le_bytes(payload[..4].try_into().unwrap()) ^ payload.len() as u32
}

/// Client → server → client for `payloads`, delivering bytes in `chunks`.
fn round_trip(framing: Framing, payloads: &[Vec<u8>], chunks: &[usize], seed: u64) {
    let mut rng = rng(seed);
    let (mut client, mut server) = framers(framing);

    // Client → server, asking for a quick-ack on every third packet.
    let mut wire = Vec::new();
    for (i, payload) in payloads.iter().enumerate() {
        let ack = framing.has_quick_ack() && i % 3 == 0;
        client.encode(payload, ack, &mut rng, &mut wire).unwrap();
    }
    let mut input = ReadBuf::new();
    let received = feed(&wire, chunks, &mut input, |buf| server.decode(buf)).unwrap();
    assert!(input.is_empty(), "{framing:?}: bytes left over");
    assert_eq!(received.len(), payloads.len(), "{framing:?}");

    // Server → client: echo each packet, answering quick-acks first, then a
    // transport error.
    let mut wire = Vec::new();
    let mut expected = Vec::new();
    for (i, (packet, sent)) in received.into_iter().zip(payloads).enumerate() {
        assert_eq!(&packet.payload, sent, "{framing:?} packet {i}");
        let asked = framing.has_quick_ack() && i % 3 == 0;
        assert_eq!(packet.quick_ack.is_some(), asked, "{framing:?} packet {i}");
        if let Some(request) = packet.quick_ack {
            let token = token_for(&packet.payload);
            server.encode_quick_ack(request, token, &mut wire).unwrap();
            expected.push(Frame::QuickAck(token | 0x8000_0000));
        }
        server.encode(&packet.payload, &mut rng, &mut wire).unwrap();
        expected.push(Frame::Packet(packet.payload));
    }
    server.encode_error(ErrorCode::AUTH_KEY_NOT_FOUND, &mut wire);
    expected.push(Frame::Error(ErrorCode(-404)));

    let mut input = ReadBuf::new();
    let frames = feed(&wire, chunks, &mut input, |buf| client.decode(buf)).unwrap();
    assert!(input.is_empty(), "{framing:?}: bytes left over");
    assert_eq!(frames, expected, "{framing:?}");
}

#[test]
fn round_trips_with_random_sizes_and_chunks() {
    for framing in ALL {
        for seed in 0..4 {
            let mut r = rng(seed);
            let payloads = packets(&mut r, 40, seed == 0);
            let chunks: Vec<usize> = (0..16)
                .map(|_| 1 + (r.next_u32() % 3000) as usize)
                .collect();
            round_trip(framing, &payloads, &chunks, seed);
        }
    }
}

#[test]
fn one_mebibyte_frames_in_large_and_single_byte_chunks() {
    for framing in ALL {
        let mut r = rng(7);
        let payloads = vec![
            encrypted_message(&mut r, (1 << 20) / 16),
            plain_message(&mut r, 1 << 20),
        ];
        round_trip(framing, &payloads, &[65_536, 1, 100_000, 3], 7);
    }
}

#[test]
fn byte_at_a_time() {
    for framing in ALL {
        let mut r = rng(11);
        let payloads = packets(&mut r, 10, false);
        round_trip(framing, &payloads, &[1], 11);
    }
}

#[test]
fn split_at_every_position() {
    for framing in ALL {
        let mut r = rng(13);
        let payloads = vec![
            plain_message(&mut r, 8),
            encrypted_message(&mut r, 2),
            plain_message(&mut r, 0),
        ];

        // Client → server stream.
        let (mut client, _) = framers(framing);
        let mut wire = Vec::new();
        for (i, p) in payloads.iter().enumerate() {
            client
                .encode(p, framing.has_quick_ack() && i == 1, &mut r, &mut wire)
                .unwrap();
        }
        for split in 0..=wire.len() {
            let (_, mut server) = framers(framing);
            let mut input = ReadBuf::new();
            let got = feed(&wire, &[split.max(1), wire.len()], &mut input, |b| {
                server.decode(b)
            })
            .unwrap();
            let got: Vec<_> = got
                .into_iter()
                .map(|p| (p.payload, p.quick_ack.is_some()))
                .collect();
            let want: Vec<_> = payloads
                .iter()
                .enumerate()
                .map(|(i, p)| (p.clone(), framing.has_quick_ack() && i == 1))
                .collect();
            assert_eq!(got, want, "{framing:?} split at {split}");
        }

        // Server → client stream: packets, a quick-ack (where supported), an
        // error.
        let mut wire = Vec::new();
        let mut expected = Vec::new();
        {
            // Obtain a quick-ack request the only way there is: from a client.
            let (mut c, mut s) = framers(framing);
            let mut w = Vec::new();
            for p in &payloads {
                s.encode(p, &mut r, &mut wire).unwrap();
                expected.push(Frame::Packet(p.clone()));
            }
            if framing.has_quick_ack() {
                c.encode(&payloads[0], true, &mut r, &mut w).unwrap();
                let request = s
                    .decode(&mut ReadBuf::from(w))
                    .unwrap()
                    .unwrap()
                    .quick_ack
                    .unwrap();
                s.encode_quick_ack(request, 0x1234_5678, &mut wire).unwrap();
                expected.push(Frame::QuickAck(0x9234_5678));
            }
            s.encode_error(ErrorCode::TRANSPORT_FLOOD, &mut wire);
            expected.push(Frame::Error(ErrorCode(-429)));
        }
        for split in 0..=wire.len() {
            let (mut client, _) = framers(framing);
            let mut input = ReadBuf::new();
            let got = feed(&wire, &[split.max(1), wire.len()], &mut input, |b| {
                client.decode(b)
            })
            .unwrap();
            assert_eq!(got, expected, "{framing:?} split at {split}");
        }
    }
}

#[test]
fn quick_ack_wire_format() {
    // Client requests: the top bit of the length.
    let mut r = rng(1);
    let payload = plain_message(&mut r, 0);
    let big = plain_message(&mut r, 508 - 20);
    let mut wire = Vec::new();
    let (mut c, _) = framers(Framing::Abridged);
    c.encode(&payload, true, &mut r, &mut wire).unwrap();
    assert_eq!(wire[0], 0x80 | 5);
    wire.clear();
    c.encode(&big, true, &mut r, &mut wire).unwrap();
    assert_eq!(&wire[..4], &[0xff, 127, 0, 0]);
    for framing in [Framing::Intermediate, Framing::PaddedIntermediate] {
        wire.clear();
        let (mut c, _) = framers(framing);
        c.encode(&payload, true, &mut r, &mut wire).unwrap();
        assert_eq!(wire[3] & 0x80, 0x80, "{framing:?}");
    }

    // Server answers: 4 bytes, top bit set; big-endian in abridged.
    for (framing, bytes) in [
        (Framing::Abridged, [0x81, 0x02, 0x03, 0x04]),
        (Framing::Intermediate, [0x04, 0x03, 0x02, 0x81]),
        (Framing::PaddedIntermediate, [0x04, 0x03, 0x02, 0x81]),
    ] {
        let (mut c, mut s) = framers(framing);
        let mut w = Vec::new();
        c.encode(&payload, true, &mut r, &mut w).unwrap();
        let request = s
            .decode(&mut ReadBuf::from(w))
            .unwrap()
            .unwrap()
            .quick_ack
            .unwrap();
        let mut answer = Vec::new();
        s.encode_quick_ack(request, 0x0102_0304, &mut answer)
            .unwrap();
        assert_eq!(answer, bytes, "{framing:?}");
        assert_eq!(
            c.decode(&mut ReadBuf::from(answer)).unwrap(),
            Some(Frame::QuickAck(0x8102_0304)),
            "{framing:?}"
        );
    }
}

#[test]
fn full_has_no_quick_acks() {
    let mut r = rng(2);
    let (mut c, _) = framers(Framing::Full);
    let mut wire = Vec::new();
    assert_eq!(
        c.encode(&plain_message(&mut r, 4), true, &mut r, &mut wire),
        Err(TransportError::QuickAckUnsupported)
    );
    assert!(wire.is_empty());
    assert!(!Framing::Full.has_quick_ack());
}

#[test]
fn four_byte_bodies_are_transport_errors_on_the_client() {
    for framing in ALL {
        let (mut c, mut s) = framers(framing);
        let mut wire = Vec::new();
        s.encode_error(ErrorCode::INVALID_DC, &mut wire);
        s.encode(&(-429i32).to_le_bytes(), &mut rng(0), &mut wire)
            .unwrap();
        let mut input = ReadBuf::from(wire);
        assert_eq!(
            c.decode(&mut input).unwrap(),
            Some(Frame::Error(ErrorCode(-444))),
            "{framing:?}"
        );
        assert_eq!(
            c.decode(&mut input).unwrap(),
            Some(Frame::Error(ErrorCode(-429))),
            "{framing:?}"
        );
        assert_eq!(c.decode(&mut input).unwrap(), None);
    }
    // Padded: an error code followed by padding is still an error.
    for padding in 0..=15 {
        let mut wire = ((4 + padding) as u32).to_le_bytes().to_vec();
        wire.extend_from_slice(&(-404i32).to_le_bytes());
        wire.extend(std::iter::repeat_n(0x5a, padding));
        let (mut c, _) = framers(Framing::PaddedIntermediate);
        assert_eq!(
            c.decode(&mut ReadBuf::from(wire)).unwrap(),
            Some(Frame::Error(ErrorCode::AUTH_KEY_NOT_FOUND)),
            "padding {padding}"
        );
    }
    // Full: a bare negative length (seen from Telegram as -429).
    let (mut c, _) = framers(Framing::Full);
    let mut input = ReadBuf::from((-429i32).to_le_bytes().to_vec());
    assert_eq!(
        c.decode(&mut input).unwrap(),
        Some(Frame::Error(ErrorCode(-429)))
    );
    assert_eq!(ErrorCode(-429).to_string(), "-429 (transport flood)");
    assert_eq!(ErrorCode(-1).description(), "unknown transport error");
}

#[test]
fn a_server_reads_four_byte_bodies_as_packets() {
    for framing in ALL {
        let (mut c, mut s) = framers(framing);
        let mut wire = Vec::new();
        c.encode(&[1, 2, 3, 4], false, &mut rng(0), &mut wire)
            .unwrap();
        let packet = s.decode(&mut ReadBuf::from(wire)).unwrap().unwrap();
        assert_eq!(packet.payload, [1, 2, 3, 4], "{framing:?}");
    }
}

#[test]
fn encoders_reject_empty_unaligned_and_oversized_payloads() {
    let options = FramingOptions {
        max_frame_len: 64,
        ..FramingOptions::client()
    };
    for framing in ALL {
        let mut c = ClientFramer::new(framing, options);
        let mut s = ServerFramer::new(framing, options);
        let mut out = Vec::new();
        let mut r = rng(3);
        assert_eq!(
            c.encode(&[], false, &mut r, &mut out),
            Err(TransportError::EmptyFrame)
        );
        assert_eq!(
            s.encode(&[], &mut r, &mut out),
            Err(TransportError::EmptyFrame)
        );
        assert_eq!(
            c.encode(&[0; 6], false, &mut r, &mut out),
            Err(TransportError::Unaligned { len: 6 })
        );
        assert_eq!(
            s.encode(&[0; 68], &mut r, &mut out),
            Err(TransportError::FrameTooLarge { len: 68, max: 64 })
        );
        assert!(out.is_empty(), "{framing:?}: nothing is written on error");
        assert!(c.encode(&[0; 64], false, &mut r, &mut out).is_ok());
    }
}

#[test]
fn decoders_reject_zero_length_frames() {
    for (framing, wire) in [
        (Framing::Abridged, vec![0x00]),
        (Framing::Abridged, vec![0x7f, 0, 0, 0]),
        (Framing::Intermediate, vec![0, 0, 0, 0]),
        (Framing::PaddedIntermediate, vec![0, 0, 0, 0]),
        (Framing::Full, vec![12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]),
    ] {
        let (mut c, mut s) = framers(framing);
        assert_eq!(
            s.decode(&mut ReadBuf::from(wire.clone())),
            Err(TransportError::EmptyFrame),
            "{framing:?}"
        );
        assert_eq!(
            c.decode(&mut ReadBuf::from(wire)),
            Err(TransportError::EmptyFrame),
            "{framing:?}"
        );
    }
    // Abridged 0x80 from a client: a quick-ack request for an empty frame.
    let (_, mut s) = framers(Framing::Abridged);
    assert_eq!(
        s.decode(&mut ReadBuf::from(vec![0x80])),
        Err(TransportError::EmptyFrame)
    );
}

#[test]
fn padding_lengths_follow_the_options() {
    let mut r = rng(4);
    let payload = encrypted_message(&mut r, 2);
    for (options, max) in [
        (FramingOptions::client(), 15),
        (FramingOptions::server(), 3),
    ] {
        let mut c = ClientFramer::new(Framing::PaddedIntermediate, options);
        let mut seen = [false; 16];
        for _ in 0..2000 {
            let mut wire = Vec::new();
            c.encode(&payload, false, &mut r, &mut wire).unwrap();
            let padding = wire.len() - 4 - payload.len();
            assert_eq!(
                u32::from_le_bytes(wire[..4].try_into().unwrap()) as usize,
                payload.len() + padding
            );
            seen[padding] = true;
        }
        assert!(
            seen[..=max].iter().all(|&s| s),
            "every padding 0..={max} occurs"
        );
        assert!(seen[max + 1..].iter().all(|&s| !s), "nothing above {max}");
    }
    // The Telethon view: the server's padding is below 4, so `len % 4` is all of it.
    let mut s = ServerFramer::new(Framing::PaddedIntermediate, FramingOptions::server());
    for _ in 0..100 {
        let mut wire = Vec::new();
        s.encode(&payload, &mut r, &mut wire).unwrap();
        let len = u32::from_le_bytes(wire[..4].try_into().unwrap()) as usize;
        assert_eq!(len - len % 4, payload.len());
    }
}

#[test]
fn full_sequence_numbers_and_checksums() {
    let mut r = rng(5);
    let (mut c, mut s) = framers(Framing::Full);
    let payload = plain_message(&mut r, 4);
    let mut wire = Vec::new();
    for _ in 0..3 {
        c.encode(&payload, false, &mut r, &mut wire).unwrap();
    }
    let each = payload.len() + 12;
    for (i, packet) in wire.chunks(each).enumerate() {
        assert_eq!(
            u32::from_le_bytes(packet[4..8].try_into().unwrap()),
            i as u32
        );
    }
    let mut input = ReadBuf::from(wire.clone());
    for _ in 0..3 {
        assert_eq!(s.decode(&mut input).unwrap().unwrap().payload, payload);
    }

    // Replaying the first packet: wrong sequence number.
    let mut replay = ReadBuf::from(wire[..each].to_vec());
    assert_eq!(
        s.decode(&mut replay),
        Err(TransportError::BadSequence {
            expected: 3,
            found: 0
        })
    );

    // Without the check (Telethon's behaviour towards servers) it passes.
    let options = FramingOptions {
        check_full_seq: false,
        ..FramingOptions::client()
    };
    let mut lenient = ClientFramer::new(Framing::Full, options);
    let mut skipped = Vec::new();
    let mut server = ServerFramer::new(Framing::Full, FramingOptions::server());
    for _ in 0..3 {
        server.encode(&payload, &mut r, &mut skipped).unwrap();
    }
    let mut input = ReadBuf::from(skipped[each..].to_vec());
    assert_eq!(
        lenient.decode(&mut input).unwrap(),
        Some(Frame::Packet(payload.clone()))
    );
    let mut strict = ClientFramer::new(Framing::Full, FramingOptions::client());
    let mut input = ReadBuf::from(skipped[each..].to_vec());
    assert_eq!(
        strict.decode(&mut input),
        Err(TransportError::BadSequence {
            expected: 0,
            found: 1
        })
    );

    // Any flipped bit fails the checksum.
    for byte in 4..each {
        let mut bad = wire[..each].to_vec();
        bad[byte] ^= 0x10;
        let (_, mut s) = framers(Framing::Full);
        assert!(
            matches!(
                s.decode(&mut ReadBuf::from(bad)),
                Err(TransportError::BadChecksum { .. })
            ),
            "byte {byte}"
        );
    }
}
