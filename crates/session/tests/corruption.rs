//! Damaged, truncated, foreign and future session data is always an error,
//! never a panic or a wrong session; unknown sections are skipped.

mod common;

use common::full_session;
use paperplane_crypto::hash::sha256;
use paperplane_session::format::{CHECKSUM_LEN, HEADER_LEN, MAGIC};
use paperplane_session::{FORMAT_VERSION, Session, SessionError};

/// Split a real encoding into its sections: (tag, payload) pairs.
fn sections(bytes: &[u8]) -> Vec<(u16, Vec<u8>)> {
    let mut body = &bytes[HEADER_LEN..bytes.len() - CHECKSUM_LEN];
    let mut out = Vec::new();
    while !body.is_empty() {
        let tag = u16::from_le_bytes(body[..2].try_into().unwrap());
        let len = u64::from_le_bytes(body[2..10].try_into().unwrap()) as usize;
        out.push((tag, body[10..10 + len].to_vec()));
        body = &body[10 + len..];
    }
    out
}

/// Frame sections the way the format describes, with a valid checksum.
fn frame(version: u16, sections: &[(u16, Vec<u8>)]) -> Vec<u8> {
    let mut body = Vec::new();
    for (tag, payload) in sections {
        body.extend_from_slice(&tag.to_le_bytes());
        body.extend_from_slice(&(payload.len() as u64).to_le_bytes());
        body.extend_from_slice(payload);
    }
    let mut out = MAGIC.to_vec();
    out.extend_from_slice(&version.to_le_bytes());
    out.extend_from_slice(&(body.len() as u64).to_le_bytes());
    out.extend_from_slice(&body);
    let sum = sha256(&[&out]);
    out.extend_from_slice(&sum);
    out
}

#[test]
fn hand_framing_matches_the_documented_format() {
    let session = full_session(1);
    let bytes = session.to_bytes();
    assert_eq!(&bytes[..4], b"PPSS");
    assert_eq!(frame(FORMAT_VERSION, &sections(&bytes)), bytes);
}

#[test]
fn every_truncation_is_an_error() {
    let bytes = full_session(2).to_bytes();
    for len in 0..bytes.len() {
        match Session::from_bytes(&bytes[..len]) {
            Err(SessionError::Truncated { expected, actual }) => {
                assert_eq!(actual, len as u64);
                assert!(expected > actual);
            }
            other => panic!("truncated to {len}: {other:?}"),
        }
    }
    // And through a string session.
    let s = full_session(2).to_session_string();
    for len in 0..s.len() {
        assert!(
            Session::from_string(&s[..len]).is_err(),
            "string truncated to {len}"
        );
    }
}

#[test]
fn every_bit_flip_is_an_error() {
    let bytes = full_session(4).to_bytes();
    for i in 0..bytes.len() {
        for bit in 0..8 {
            let mut damaged = bytes.clone();
            damaged[i] ^= 1 << bit;
            let result = Session::from_bytes(&damaged);
            let expected_kind = match i {
                0..4 => matches!(result, Err(SessionError::BadMagic)),
                4..6 => matches!(result, Err(SessionError::UnsupportedVersion { .. })),
                6..HEADER_LEN => matches!(
                    result,
                    Err(SessionError::Truncated { .. } | SessionError::TrailingData { .. })
                ),
                _ => matches!(result, Err(SessionError::ChecksumMismatch)),
            };
            assert!(expected_kind, "byte {i} bit {bit}: {result:?}");
        }
    }
}

#[test]
fn bit_flips_in_a_string_session_are_errors() {
    let s = full_session(5).to_session_string();
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    for i in 0..s.len() {
        let mut damaged = s.clone().into_bytes();
        let pos = alphabet.iter().position(|&c| c == damaged[i]).unwrap();
        damaged[i] = alphabet[(pos + 1) % 64];
        let damaged = String::from_utf8(damaged).unwrap();
        assert!(Session::from_string(&damaged).is_err(), "char {i}");
    }
}

#[test]
fn trailing_data_is_an_error() {
    let mut bytes = full_session(6).to_bytes();
    bytes.push(0);
    assert!(matches!(
        Session::from_bytes(&bytes),
        Err(SessionError::TrailingData { .. })
    ));
}

#[test]
fn foreign_data_is_bad_magic() {
    assert!(matches!(
        Session::from_bytes(b"SQLite format 3\0......................................"),
        Err(SessionError::BadMagic)
    ));
    assert!(matches!(
        Session::from_bytes(b"X"),
        Err(SessionError::BadMagic)
    ));
    assert!(matches!(
        Session::from_bytes(b"PP"),
        Err(SessionError::Truncated { .. })
    ));
}

#[test]
fn future_versions_are_unsupported() {
    let bytes = full_session(7).to_bytes();
    for version in [0, FORMAT_VERSION + 1, u16::MAX] {
        let framed = frame(version, &sections(&bytes));
        match Session::from_bytes(&framed) {
            Err(SessionError::UnsupportedVersion { found, supported }) => {
                assert_eq!((found, supported), (version, FORMAT_VERSION));
            }
            other => panic!("version {version}: {other:?}"),
        }
        // Even a bare header says which version it is.
        assert!(matches!(
            Session::from_bytes(&framed[..6]),
            Err(SessionError::UnsupportedVersion { .. })
        ));
    }
    let err = Session::from_bytes(&frame(9, &[])).unwrap_err();
    assert!(err.to_string().contains("version 9"), "{err}");
}

#[test]
fn unknown_sections_are_skipped() {
    let session = full_session(8);
    let known = sections(&session.to_bytes());
    assert_eq!(known.len(), 4);
    let unknown = |tag: u16, len: usize| (tag, (0..len).map(|i| i as u8).collect::<Vec<_>>());

    let mut with_extra = vec![unknown(0x7001, 300)];
    for section in &known {
        with_extra.push(section.clone());
        with_extra.push(unknown(0x7002, 0));
    }
    with_extra.push(unknown(u16::MAX, 17));
    assert_eq!(
        Session::from_bytes(&frame(FORMAT_VERSION, &with_extra)).unwrap(),
        session
    );

    // Sections in another order are fine too.
    let mut reversed = known.clone();
    reversed.reverse();
    assert_eq!(
        Session::from_bytes(&frame(FORMAT_VERSION, &reversed)).unwrap(),
        session
    );

    // A missing section just means "nothing of that kind".
    let core_only: Vec<_> = known.iter().filter(|(tag, _)| *tag == 1).cloned().collect();
    let partial = Session::from_bytes(&frame(FORMAT_VERSION, &core_only)).unwrap();
    assert_eq!(partial.home_dc(), Some(2));
    assert_eq!(partial.peer_count(), 0);
}

#[test]
fn truncated_sections_under_a_valid_checksum_are_malformed() {
    // The checksum is recomputed, so only the section parsers can notice.
    let known = sections(&full_session(10).to_bytes());
    for (index, (tag, payload)) in known.iter().enumerate() {
        for len in 0..payload.len() {
            let mut damaged = known.clone();
            damaged[index] = (*tag, payload[..len].to_vec());
            match Session::from_bytes(&frame(FORMAT_VERSION, &damaged)) {
                Err(SessionError::Malformed { .. }) => {}
                other => panic!("section {tag} cut to {len}: {other:?}"),
            }
        }
    }
}

#[test]
fn bit_flips_under_a_valid_checksum_never_panic() {
    // Flip every bit of every section payload and re-sign: each result is
    // either an error or a session that round-trips as itself.
    let known = sections(&full_session(11).to_bytes());
    for (index, (tag, payload)) in known.iter().enumerate() {
        for i in 0..payload.len() {
            for bit in 0..8 {
                let mut damaged = known.clone();
                damaged[index].1[i] ^= 1 << bit;
                if let Ok(session) = Session::from_bytes(&frame(FORMAT_VERSION, &damaged)) {
                    let again = Session::from_bytes(&session.to_bytes()).unwrap();
                    assert_eq!(again, session, "section {tag} byte {i} bit {bit}");
                }
            }
        }
    }
}
