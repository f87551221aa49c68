//! Generated enums stay narrow: a constructor wider than the generator's
//! inline limit (`Config::box_variants_over`, 96 bytes) is held in a `Box`.
//!
//! Enums used to hold every constructor inline, so `Update` was as wide as
//! its widest variant (over 5 KiB): a `Vec<Update>` of 100 elements was
//! half a megabyte, four bytes of `updateConfig` on the wire decoded to
//! 5 KiB of memory, and encoding read whole kilobyte-wide values.

use paperplane_tl::{enums, types};

/// The inline limit plus the discriminant (eight bytes, for alignment).
const WIDEST: usize = 96 + 8;

#[test]
fn everyday_enums_are_at_most_the_inline_limit_wide() {
    let sizes = [
        ("Update", size_of::<enums::Update>()),
        ("Updates", size_of::<enums::Updates>()),
        ("Message", size_of::<enums::Message>()),
        ("MessageMedia", size_of::<enums::MessageMedia>()),
        ("MessageAction", size_of::<enums::MessageAction>()),
        ("Chat", size_of::<enums::Chat>()),
        ("ChatFull", size_of::<enums::ChatFull>()),
        ("User", size_of::<enums::User>()),
        ("UserFull", size_of::<enums::UserFull>()),
        ("Peer", size_of::<enums::Peer>()),
        ("InputPeer", size_of::<enums::InputPeer>()),
        ("Document", size_of::<enums::Document>()),
        ("Photo", size_of::<enums::Photo>()),
        ("messages.Messages", size_of::<enums::messages::Messages>()),
        (
            "ChannelAdminLogEventAction",
            size_of::<enums::ChannelAdminLogEventAction>(),
        ),
    ];
    for (name, size) in sizes {
        println!("{name}: {size} bytes");
    }
    let wide: Vec<_> = sizes.iter().filter(|(_, s)| *s > WIDEST).collect();
    assert!(wide.is_empty(), "wider than {WIDEST} bytes: {wide:?}");
}

#[test]
fn small_constructors_stay_inline() {
    // Boxing these would cost an allocation for no memory saved.
    let peer = enums::InputPeer::User(types::InputPeerUser {
        user_id: 1,
        access_hash: 2,
    });
    assert!(matches!(
        peer,
        enums::InputPeer::User(types::InputPeerUser { user_id: 1, .. })
    ));
    let entity = enums::MessageEntity::Bold(types::MessageEntityBold {
        offset: 0,
        length: 1,
    });
    assert!(matches!(
        entity,
        enums::MessageEntity::Bold(types::MessageEntityBold { .. })
    ));
    assert!(size_of::<enums::Peer>() <= 16);
    assert!(size_of::<enums::InputPeer>() <= 24);
}

#[test]
fn large_constructors_are_boxed_and_convert_from_their_struct() {
    let user: enums::User = types::User {
        id: 7,
        ..Default::default()
    }
    .into();
    assert_eq!(types::User::try_from(user.clone()).map(|u| u.id), Ok(7));
    let enums::User::User(boxed) = user else {
        panic!("not a user: {user:?}");
    };
    // A `Box<types::User>`: field access goes through it.
    let boxed: Box<types::User> = boxed;
    assert_eq!(boxed.id, 7);
}
