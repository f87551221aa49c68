//! The channel rules of the world, without the protocol.

use paperplane_tl::enums;
use paperplane_tl::enums::updates::ChannelDifference as D;

use super::NewChannel;
use super::difference::{DifferenceQuery, LIMIT_USER, REPLAY_USER};
use crate::world::chat::Origin;
use crate::world::users::TestPhone;
use crate::world::{Pushes, State};

fn person(state: &mut State, phone: &str) -> i64 {
    let phone = TestPhone::parse(phone).unwrap();
    state.create_person(&phone, "Test", None, None).unwrap().id
}

fn origin(user_id: i64) -> Origin {
    Origin {
        user_id,
        conn: None,
        now: 1_700_000_000,
    }
}

fn create(state: &mut State, creator: i64, megagroup: bool, username: Option<&str>) -> i64 {
    let new = NewChannel {
        title: "Test",
        about: "",
        megagroup,
        username,
    };
    state
        .create_channel(&mut Pushes::default(), origin(creator), new)
        .unwrap()
        .0
}

fn post(state: &mut State, from: i64, channel: i64, text: &str) -> Result<i32, String> {
    state
        .post_channel_message(
            &mut Pushes::default(),
            origin(from),
            channel,
            text,
            None,
            None,
        )
        .map(|p| p.message.pts)
        .map_err(|e| e.message)
}

fn add(state: &mut State, channel: i64, user: i64) {
    let creator = state.channel(channel).unwrap().creator;
    state
        .add_channel_member(&mut Pushes::default(), origin(creator), channel, user)
        .unwrap();
}

fn difference(state: &State, viewer: i64, channel: i64, pts: i32, limit: i32, bot: bool) -> D {
    state
        .channel_difference(DifferenceQuery {
            viewer,
            bot,
            channel_id: channel,
            pts,
            limit,
        })
        .unwrap()
}

#[test]
fn who_may_post_where() {
    let mut state = State::default();
    let (owner, member, outsider) = (
        person(&mut state, "9996620001"),
        person(&mut state, "9996620002"),
        person(&mut state, "9996620003"),
    );
    let broadcast = create(&mut state, owner, false, None);
    let group = create(&mut state, owner, true, None);
    let public = create(&mut state, owner, true, Some("public_group"));
    add(&mut state, broadcast, member);
    add(&mut state, group, member);

    assert!(post(&mut state, owner, broadcast, "news").is_ok());
    assert_eq!(
        post(&mut state, member, broadcast, "hi"),
        Err("CHAT_WRITE_FORBIDDEN".into())
    );
    assert!(post(&mut state, member, group, "hi").is_ok());
    assert_eq!(
        post(&mut state, outsider, group, "hi"),
        Err("CHANNEL_PRIVATE".into())
    );
    assert_eq!(
        post(&mut state, outsider, public, "hi"),
        Err("CHAT_WRITE_FORBIDDEN".into())
    );
    // Joining is for public channels; the private one needs an addition.
    let joined =
        state.add_channel_member(&mut Pushes::default(), origin(outsider), public, outsider);
    assert!(joined.is_ok());
    assert!(post(&mut state, outsider, public, "hi").is_ok());
    let refused =
        state.add_channel_member(&mut Pushes::default(), origin(outsider), group, outsider);
    assert_eq!(refused.unwrap_err().message, "CHANNEL_PRIVATE");
}

#[test]
fn messages_edits_and_deletions_move_the_channel_pts_not_the_accounts() {
    let mut state = State::default();
    let owner = person(&mut state, "9996620011");
    let channel = create(&mut state, owner, false, None);
    // The creation's service message took pts 2.
    assert_eq!(state.channel(channel).unwrap().pts(), 2);
    assert_eq!(post(&mut state, owner, channel, "one"), Ok(3));
    assert_eq!(post(&mut state, owner, channel, "two"), Ok(4));
    let ids: Vec<i32> = state
        .channel(channel)
        .unwrap()
        .messages()
        .map(|m| m.id)
        .collect();
    let edited = state.edit_channel_message(
        &mut Pushes::default(),
        origin(owner),
        channel,
        ids[1],
        Some("one!"),
        None,
    );
    assert!(matches!(edited, Ok(enums::Update::EditChannelMessage(ref u)) if u.pts == 5));
    let deleted = state
        .delete_channel_messages(&mut Pushes::default(), origin(owner), channel, &ids[1..])
        .unwrap();
    assert_eq!(deleted, (7, 2));
    assert_eq!(state.channel(channel).unwrap().pts(), 7);
    assert!(state.logs.get(&owner).is_none_or(|l| l.since(0).is_empty()));
}

#[test]
fn differences_come_in_slices_and_too_long_past_the_replay_limit() {
    let mut state = State::default();
    let owner = person(&mut state, "9996620021");
    let channel = create(&mut state, owner, false, None);
    let start = state.channel(channel).unwrap().pts();
    for i in 0..150 {
        post(&mut state, owner, channel, &format!("m{i}")).unwrap();
    }
    // A person asking for 1,000 gets the cap.
    let D::ChannelDifference(first) = difference(&state, owner, channel, start, 1_000, false)
    else {
        panic!("not a slice");
    };
    assert_eq!(first.new_messages.len(), LIMIT_USER as usize);
    assert!(!first.r#final);
    assert_eq!(first.pts, start + LIMIT_USER);
    let D::ChannelDifference(rest) = difference(&state, owner, channel, first.pts, 1_000, false)
    else {
        panic!("not a slice");
    };
    assert_eq!(rest.new_messages.len(), 50);
    assert!(rest.r#final);
    assert!(matches!(
        difference(&state, owner, channel, rest.pts, 100, false),
        D::Empty(ref e) if e.pts == rest.pts
    ));
    // A bot gets it all at once.
    let D::ChannelDifference(all) = difference(&state, owner, channel, start, 1_000, true) else {
        panic!("not a difference");
    };
    assert_eq!((all.new_messages.len(), all.r#final), (150, true));

    // Past REPLAY_USER behind: too long for a person, with the dialog's
    // pts and the latest messages; not yet for a bot.
    let behind = state.channel(channel).unwrap().pts();
    for i in 0..REPLAY_USER {
        post(&mut state, owner, channel, &format!("n{i}")).unwrap();
    }
    let current = state.channel(channel).unwrap().pts();
    assert!(matches!(
        difference(&state, owner, channel, behind, 100, false),
        D::ChannelDifference(_)
    ));
    let D::TooLong(too_long) = difference(&state, owner, channel, behind - 1, 100, false) else {
        panic!("not too long");
    };
    let enums::Dialog::Dialog(dialog) = &too_long.dialog else {
        panic!("not a dialog");
    };
    assert_eq!(dialog.pts, Some(current));
    assert_eq!(too_long.messages.len(), 100);
    assert!(matches!(
        difference(&state, owner, channel, behind - 1, 100, true),
        D::ChannelDifference(_)
    ));
    // A client ahead of the server starts over too.
    assert!(matches!(
        difference(&state, owner, channel, current + 5, 100, false),
        D::TooLong(_)
    ));
}

#[test]
fn outsiders_of_a_private_channel_cannot_read_it() {
    let mut state = State::default();
    let owner = person(&mut state, "9996620031");
    let other = person(&mut state, "9996620032");
    let private = create(&mut state, owner, true, None);
    let public = create(&mut state, owner, true, Some("open_group"));
    let query = |channel_id| DifferenceQuery {
        viewer: other,
        bot: false,
        channel_id,
        pts: 1,
        limit: 10,
    };
    let refused = state.channel_difference(query(private)).unwrap_err();
    assert_eq!(
        (refused.code, refused.message.as_str()),
        (406, "CHANNEL_PRIVATE")
    );
    assert!(state.channel_difference(query(public)).is_ok());
    // Once removed, a member is an outsider again.
    add(&mut state, private, other);
    assert!(state.channel_difference(query(private)).is_ok());
    state
        .remove_channel_member(&mut Pushes::default(), origin(owner), private, other)
        .unwrap();
    assert!(state.channel_difference(query(private)).is_err());
}

#[test]
fn channels_survive_a_save_and_load() {
    let mut state = State::default();
    let owner = person(&mut state, "9996620041");
    let channel = create(&mut state, owner, true, Some("kept_group"));
    post(&mut state, owner, channel, "kept").unwrap();
    let json = serde_json::to_value(&state).unwrap();
    let loaded: State = serde_json::from_value(json).unwrap();
    let c = loaded.channel(channel).unwrap();
    assert_eq!(c.pts(), state.channel(channel).unwrap().pts());
    assert!(c.is_member(owner));
    assert_eq!(c.messages().last().map(|m| m.text.as_str()), Some("kept"));
    assert!(loaded.channels.by_username("kept_group").is_some());
    // A world saved before channels existed still loads.
    let mut old = serde_json::to_value(State::default()).unwrap();
    old.as_object_mut().unwrap().remove("channels");
    assert!(serde_json::from_value::<State>(old).is_ok());
}
