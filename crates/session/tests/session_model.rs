//! The session model's DC, key, update-state and account APIs.

use paperplane_crypto::AuthKey;
use paperplane_session::{DcAuth, DcOption, Session, UpdateState};

#[test]
fn fresh_session_is_empty() {
    let s = Session::new();
    assert_eq!(s.home_dc(), None);
    assert_eq!(s.user(), None);
    assert_eq!(s.update_state(), None);
    assert_eq!(s.dcs().count(), 0);
    assert_eq!(s.peer_count(), 0);
    assert!(s.auth_key(2).is_none());
}

#[test]
fn dc_options_are_upserted_by_flags() {
    let mut s = Session::new();
    s.set_dc_option(DcOption::new(2, "1.1.1.1:443".parse().unwrap()));
    s.set_dc_option(DcOption::new(2, "[::1]:443".parse().unwrap()));
    s.set_dc_option(DcOption {
        media_only: true,
        ..DcOption::new(2, "2.2.2.2:443".parse().unwrap())
    });
    // Same flags: replaces the first IPv4 address.
    s.set_dc_option(DcOption::new(2, "3.3.3.3:80".parse().unwrap()));

    let dc = s.dc(2).unwrap();
    assert_eq!(dc.id(), 2);
    assert_eq!(dc.options().len(), 3);
    assert_eq!(dc.options()[0].addr, "3.3.3.3:80".parse().unwrap());
    assert!(dc.options()[1].is_ipv6());

    let pick = |v6, media| dc.preferred_option(v6, media).map(|o| o.addr.to_string());
    assert_eq!(pick(false, false).as_deref(), Some("3.3.3.3:80"));
    assert_eq!(pick(true, false).as_deref(), Some("[::1]:443"));
    assert_eq!(pick(false, true).as_deref(), Some("2.2.2.2:443"));
    // No IPv6 media address: media preference wins over the family.
    assert_eq!(pick(true, true).as_deref(), Some("2.2.2.2:443"));

    s.clear_dc_options(2);
    assert!(s.dc(2).is_none(), "no key, no addresses: the record goes");
}

#[test]
fn auth_keys_carry_salt_and_offset() {
    let mut s = Session::new();
    s.set_dc_option(DcOption::new(1, "1.1.1.1:443".parse().unwrap()));
    s.set_auth_key(1, AuthKey::from_bytes([1; 256]));
    assert_eq!(s.auth(1).unwrap().server_salt, 0);
    assert_eq!(s.auth(1).unwrap().time_offset, 0);

    let auth = s.auth_mut(1).unwrap();
    auth.server_salt = 99;
    auth.time_offset = -3;
    assert_eq!(s.auth(1).unwrap().server_salt, 99);
    assert_eq!(s.dc(1).unwrap().auth_key().unwrap().as_bytes(), &[1; 256]);

    s.set_auth(5, DcAuth::new(AuthKey::from_bytes([5; 256]), 7, 8));
    assert_eq!(s.auth(5).unwrap().key().as_bytes(), &[5; 256]);
    assert_eq!(s.dcs().map(|d| d.id()).collect::<Vec<_>>(), [1, 5]);

    // Removing a key keeps the addresses; removing the last thing drops the record.
    assert_eq!(s.remove_auth_key(1).unwrap().server_salt, 99);
    assert!(s.auth_key(1).is_none());
    assert_eq!(s.dc(1).unwrap().options().len(), 1);
    assert!(s.remove_auth_key(5).is_some());
    assert!(s.dc(5).is_none());
    assert!(s.remove_auth_key(5).is_none());
    assert!(s.auth_mut(5).is_none());
}

#[test]
fn update_state_and_channel_pts() {
    let mut s = Session::new();
    let state = UpdateState {
        pts: 1,
        qts: 2,
        date: 3,
        seq: 4,
    };
    s.set_update_state(state);
    assert_eq!(s.update_state(), Some(state));
    s.set_channel_pts(10, 100);
    s.set_channel_pts(10, 101);
    s.set_channel_pts(11, 5);
    assert_eq!(s.channel_pts(10), Some(101));
    assert_eq!(s.channels_pts().count(), 2);
    assert_eq!(s.remove_channel_pts(11), Some(5));
    assert_eq!(s.channel_pts(11), None);
}

#[test]
fn account_and_home_dc() {
    let mut s = Session::new();
    s.set_home_dc(4);
    s.set_user(123, true);
    assert_eq!(s.home_dc(), Some(4));
    let user = s.user().unwrap();
    assert_eq!((user.id, user.bot), (123, true));
    s.clear_user();
    assert_eq!(s.user(), None);
}
