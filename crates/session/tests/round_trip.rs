//! Sessions survive encoding to bytes and strings unchanged, and never
//! print their keys.

mod common;

use common::full_session;
use paperplane_crypto::AuthKey;
use paperplane_session::{
    BinaryFileBackend, DcOption, InMemoryBackend, PeerId, Session, SessionError,
    StringSessionBackend, export_session_string,
};

#[test]
fn full_session_round_trips_through_bytes() {
    let session = full_session(3);
    let bytes = session.to_bytes();
    let decoded = Session::from_bytes(&bytes).unwrap();
    assert_eq!(decoded, session);

    // Field by field, so a broken PartialEq could not hide a loss.
    assert_eq!(decoded.home_dc(), Some(2));
    assert_eq!(decoded.user().map(|u| (u.id, u.bot)), Some((1_003, true)));
    assert_eq!(decoded.dc(2).unwrap().options().len(), 3);
    assert_eq!(
        decoded.auth(2).unwrap().server_salt,
        0x0123_4567_89ab_cdef ^ 3
    );
    assert_eq!(decoded.auth(2).unwrap().time_offset, -17);
    assert_eq!(decoded.auth_key(2), session.auth_key(2));
    assert_eq!(decoded.auth_key(4).unwrap().as_bytes(), &[4; 256]);
    assert!(decoded.dc(4).unwrap().options().is_empty());
    assert!(decoded.dc(203).unwrap().options()[0].cdn);
    assert!(decoded.dc(10_002).unwrap().options()[0].test);
    assert_eq!(decoded.update_state(), session.update_state());
    assert_eq!(decoded.channel_pts(1_234_567_890), Some(42));
    assert_eq!(decoded.channel_pts(102), Some(-1));
    assert_eq!(decoded.peer_count(), 6);
    assert_eq!(
        decoded.peer_by_username("alice").unwrap().id(),
        PeerId::User(13)
    );
    assert_eq!(
        decoded.peer_by_phone("+15550100").unwrap().id(),
        PeerId::User(13)
    );
    assert!(decoded.peer(PeerId::User(11)).unwrap().is_min());
    assert_eq!(
        decoded.peer(PeerId::User(12)).unwrap().access_hash(),
        Some(i64::MIN)
    );
    assert_eq!(decoded.peer(PeerId::Chat(30)).unwrap().access_hash(), None);

    // Re-encoding is byte-identical (entries are written sorted).
    assert_eq!(decoded.to_bytes(), bytes);
}

#[test]
fn empty_session_round_trips() {
    let empty = Session::new();
    assert_eq!(Session::from_bytes(&empty.to_bytes()).unwrap(), empty);
    assert_eq!(
        Session::from_string(&empty.to_session_string()).unwrap(),
        empty
    );
}

#[test]
fn encoding_is_deterministic() {
    // Same content inserted in a different order gives the same bytes.
    let mut a = Session::new();
    let mut b = Session::new();
    for id in 0..50 {
        a.set_channel_pts(id, id as i32);
        b.set_channel_pts(49 - id, (49 - id) as i32);
    }
    assert_eq!(a.to_bytes(), b.to_bytes());
}

#[test]
fn full_session_round_trips_through_string() {
    let session = full_session(9);
    let s = export_session_string(&session);
    assert_eq!(s, session.to_session_string());
    assert!(
        s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
        "URL-safe alphabet without padding"
    );
    assert_eq!(Session::from_string(&s).unwrap(), session);
    // Whitespace around it (an env file's newline) and padding are tolerated.
    assert_eq!(Session::from_string(&format!("  {s}\n")).unwrap(), session);
    assert_eq!(Session::from_string(&format!("{s}==")).unwrap(), session);
}

#[test]
fn invalid_strings_are_errors() {
    assert!(matches!(
        Session::from_string("not base64!"),
        Err(SessionError::InvalidString(_))
    ));
    assert!(matches!(
        Session::from_string(""),
        Err(SessionError::Truncated { .. })
    ));
    // Valid base64 of something that is not a session.
    assert!(matches!(
        Session::from_string("aGVsbG8gd29ybGQ"),
        Err(SessionError::BadMagic)
    ));
}

#[test]
fn ipv6_scope_is_dropped() {
    let mut session = Session::new();
    session.set_dc_option(DcOption::new(1, "[fe80::1%3]:443".parse().unwrap()));
    let stored = session.dc(1).unwrap().options()[0].addr;
    assert_eq!(stored, "[fe80::1]:443".parse().unwrap());
    assert_eq!(Session::from_bytes(&session.to_bytes()).unwrap(), session);
}

/// Every way a key's bytes could leak through `Debug`.
fn assert_no_key_bytes(debug: &str, key: &AuthKey) {
    let bytes = key.as_bytes();
    let decimal = format!("{:?}", &bytes[..8]);
    let decimal_tail = decimal.trim_start_matches('[').trim_end_matches(']');
    assert!(!debug.contains(decimal_tail), "key bytes in {debug}");
    let hex: String = bytes[..8].iter().map(|b| format!("{b:02x}")).collect();
    assert!(!debug.contains(&hex), "key hex in {debug}");
}

#[tokio::test]
async fn debug_never_prints_secrets() {
    use paperplane_session::SessionBackend;

    let session = full_session(0x5a);
    let key = session.auth_key(2).unwrap().clone();

    let debug = format!("{session:?} {session:#?}");
    assert_no_key_bytes(&debug, &key);
    assert!(debug.contains("key_id"), "{debug}");
    assert_no_key_bytes(&format!("{:?}", session.dc(2).unwrap()), &key);
    assert_no_key_bytes(&format!("{:?}", session.auth(2).unwrap()), &key);

    let memory = InMemoryBackend::with_session(session.clone());
    assert_no_key_bytes(&format!("{memory:?}"), &key);

    let string = session.to_session_string();
    let backend = StringSessionBackend::new(string.clone());
    let debug = format!("{backend:?}");
    assert!(!debug.contains(&string[..20]), "{debug}");
    assert!(debug.contains("redacted"), "{debug}");
    backend.save(&session).await.unwrap();
    assert!(!format!("{backend:?}").contains(&string[..20]));

    let file = BinaryFileBackend::new("/nonexistent/x.session");
    assert!(format!("{file:?}").contains("x.session"));
}
