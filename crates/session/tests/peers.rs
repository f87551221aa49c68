//! Peer cache semantics: min vs full hashes, username and phone lookups.

use paperplane_session::{CachedPeer, PeerId, PeerKind, Session};

#[test]
fn full_hash_replaces_min_but_not_the_reverse() {
    let mut s = Session::new();
    let id = PeerId::User(7);

    s.cache_peer(CachedPeer::min_user(7, 111));
    assert_eq!(s.peer(id).unwrap().access_hash(), Some(111));
    assert!(s.peer(id).unwrap().is_min());

    // A newer min hash replaces an older min one.
    s.cache_peer(CachedPeer::min_user(7, 112));
    assert_eq!(s.peer(id).unwrap().access_hash(), Some(112));

    // Full replaces min.
    s.cache_peer(CachedPeer::user(7, 222));
    assert_eq!(s.peer(id).unwrap().access_hash(), Some(222));
    assert!(!s.peer(id).unwrap().is_min());

    // Min never replaces full.
    s.cache_peer(CachedPeer::min_user(7, 333));
    assert_eq!(s.peer(id).unwrap().access_hash(), Some(222));
    assert!(!s.peer(id).unwrap().is_min());

    // A newer full hash replaces the full one.
    s.cache_peer(CachedPeer::user(7, 444));
    assert_eq!(s.peer(id).unwrap().access_hash(), Some(444));
}

#[test]
fn channels_follow_the_same_min_rules() {
    let mut s = Session::new();
    s.cache_peer(CachedPeer::channel(9, 1));
    s.cache_peer(CachedPeer::min_channel(9, 2));
    assert_eq!(s.peer(PeerId::Channel(9)).unwrap().access_hash(), Some(1));
    // User 9 and channel 9 are different peers.
    s.cache_peer(CachedPeer::user(9, 3));
    assert_eq!(s.peer(PeerId::Channel(9)).unwrap().access_hash(), Some(1));
    assert_eq!(s.peer(PeerId::User(9)).unwrap().access_hash(), Some(3));
    assert_eq!(s.peer(PeerId::Chat(9)), None);
    assert_eq!(s.peer_count(), 2);
}

#[test]
fn min_updates_add_but_never_clear_usernames_and_phones() {
    let mut s = Session::new();
    s.cache_peer(
        CachedPeer::user(1, 10)
            .with_username("alice")
            .with_phone("111"),
    );

    // A min object without username/phone keeps them.
    s.cache_peer(CachedPeer::min_user(1, 20));
    let p = s.peer(PeerId::User(1)).unwrap();
    assert_eq!(
        (p.username(), p.phone(), p.access_hash()),
        (Some("alice"), Some("111"), Some(10))
    );

    // A min object with a new username updates it (and the index).
    s.cache_peer(CachedPeer::min_user(1, 20).with_username("alice2"));
    assert_eq!(s.peer(PeerId::User(1)).unwrap().username(), Some("alice2"));
    assert_eq!(s.peer(PeerId::User(1)).unwrap().access_hash(), Some(10));
    assert!(s.peer_by_username("alice").is_none());
    assert_eq!(s.peer_by_username("alice2").unwrap().id(), PeerId::User(1));

    // A full object is authoritative: no username now means none.
    s.cache_peer(CachedPeer::user(1, 30));
    assert_eq!(s.peer(PeerId::User(1)).unwrap().username(), None);
    assert!(s.peer_by_username("alice2").is_none());
    assert!(s.peer_by_phone("111").is_none());
}

#[test]
fn username_lookup_is_case_insensitive_and_ignores_at() {
    let mut s = Session::new();
    s.cache_peer(CachedPeer::channel(5, 55).with_username("@TelegramNews"));
    let by = |name| s.peer_by_username(name).map(CachedPeer::id);
    for query in [
        "TelegramNews",
        "telegramnews",
        "@TELEGRAMNEWS",
        " @telegramNews ",
    ] {
        assert_eq!(by(query), Some(PeerId::Channel(5)), "{query}");
    }
    assert_eq!(by("telegram"), None);
    assert_eq!(by(""), None);
    assert_eq!(by("@"), None);
    // The display case is kept.
    assert_eq!(
        s.peer(PeerId::Channel(5)).unwrap().username(),
        Some("TelegramNews")
    );
}

#[test]
fn a_username_moves_to_its_new_owner() {
    let mut s = Session::new();
    s.cache_peer(CachedPeer::user(1, 1).with_username("shared"));
    s.cache_peer(CachedPeer::channel(2, 2).with_username("SHARED"));
    assert_eq!(
        s.peer_by_username("shared").unwrap().id(),
        PeerId::Channel(2)
    );
    assert_eq!(s.peer(PeerId::User(1)).unwrap().username(), None);

    // The old owner's update without the name does not steal it back.
    s.cache_peer(CachedPeer::user(1, 1));
    assert_eq!(
        s.peer_by_username("shared").unwrap().id(),
        PeerId::Channel(2)
    );
}

#[test]
fn phone_lookup_normalises_notation() {
    let mut s = Session::new();
    s.cache_peer(CachedPeer::user(3, 33).with_phone("+44 7700 900123"));
    for query in ["447700900123", "+447700900123", "+44 (7700) 900-123"] {
        assert_eq!(
            s.peer_by_phone(query).unwrap().id(),
            PeerId::User(3),
            "{query}"
        );
    }
    assert_eq!(
        s.peer(PeerId::User(3)).unwrap().phone(),
        Some("447700900123")
    );
    assert!(s.peer_by_phone("447700900124").is_none());
    assert!(s.peer_by_phone("not a phone").is_none());

    // Phones move too.
    s.cache_peer(CachedPeer::user(4, 44).with_phone("447700900123"));
    assert_eq!(
        s.peer_by_phone("447700900123").unwrap().id(),
        PeerId::User(4)
    );
    assert_eq!(s.peer(PeerId::User(3)).unwrap().phone(), None);
}

#[test]
fn chats_have_no_hash_username_or_phone() {
    let mut s = Session::new();
    s.cache_peer(CachedPeer::chat(8).with_username("group").with_phone("123"));
    let chat = s.peer(PeerId::Chat(8)).unwrap();
    assert_eq!(chat.kind(), PeerKind::Chat);
    assert_eq!(chat.access_hash(), None);
    assert!(!chat.is_min());
    assert!(s.peer_by_username("group").is_none());
    assert!(s.peer_by_phone("123").is_none());
}

#[test]
fn invalid_usernames_and_phones_are_ignored() {
    let mut s = Session::new();
    s.cache_peer(
        CachedPeer::user(1, 1)
            .with_username("bad name!")
            .with_phone("call me"),
    );
    let p = s.peer(PeerId::User(1)).unwrap();
    assert_eq!((p.username(), p.phone()), (None, None));
}

#[test]
fn removing_a_peer_clears_its_lookups() {
    let mut s = Session::new();
    s.cache_peer(
        CachedPeer::user(1, 1)
            .with_username("gone")
            .with_phone("999"),
    );
    let removed = s.remove_peer(PeerId::User(1)).unwrap();
    assert_eq!(removed.username(), Some("gone"));
    assert!(s.peer_by_username("gone").is_none());
    assert!(s.peer_by_phone("999").is_none());
    assert_eq!(s.peer_count(), 0);
    assert!(s.remove_peer(PeerId::User(1)).is_none());
}

#[test]
fn peer_ids_know_their_kind() {
    assert_eq!(PeerId::User(1).kind(), PeerKind::User);
    assert_eq!(PeerId::Chat(2).kind(), PeerKind::Chat);
    assert_eq!(PeerId::Channel(3).kind(), PeerKind::Channel);
    assert_eq!(PeerId::Channel(3).bare_id(), 3);
}

#[test]
fn lookups_survive_a_round_trip() {
    let mut s = Session::new();
    s.cache_peer(
        CachedPeer::user(1, 1)
            .with_username("One")
            .with_phone("+1 000"),
    );
    s.cache_peer(CachedPeer::min_channel(2, 2).with_username("two"));
    let back = Session::from_bytes(&s.to_bytes()).unwrap();
    assert_eq!(back.peer_by_username("ONE").unwrap().id(), PeerId::User(1));
    assert_eq!(back.peer_by_phone("1000").unwrap().id(), PeerId::User(1));
    assert!(back.peer_by_username("@two").unwrap().is_min());
}
