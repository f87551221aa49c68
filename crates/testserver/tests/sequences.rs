//! The account's other sequences over TCP: a bot's `qts` events pushed
//! with their numbers and replayed by `updates.getDifference` (in slices
//! with `qts_limit`), `seq` numbering the pushed containers one by one,
//! blocking, and channels in the dialogs and in the difference.

mod common;

use common::{Client, bot_login, input_peer, send_text, sign_in};
use paperplane_testserver::{Options, TestServer};
use paperplane_tl::{enums, functions, types};

const BOT_TOKEN: &str = "6006:seq-secret";

async fn world() -> (TestServer, Client, Client, types::User, types::User) {
    let options = Options {
        bots: vec![("seq_bot".into(), BOT_TOKEN.into())],
        ..Options::default()
    };
    let server = TestServer::start(options).await.unwrap();
    let mut user = Client::connect(&server, 2).await;
    let me = sign_in(&mut user, "9996621301").await.unwrap();
    let mut bot = Client::connect(&server, 2).await;
    let bot_user = bot_login(&mut bot, BOT_TOKEN).await.unwrap();
    (server, user, bot, me, bot_user)
}

fn block(peer: enums::InputPeer) -> functions::contacts::Block {
    functions::contacts::Block {
        my_stories_from: false,
        id: peer,
    }
}

fn unblock(peer: enums::InputPeer) -> functions::contacts::Unblock {
    functions::contacts::Unblock {
        my_stories_from: false,
        id: peer,
    }
}

fn difference(pts: i32, qts: i32, qts_limit: Option<i32>) -> functions::updates::GetDifference {
    functions::updates::GetDifference {
        pts,
        pts_limit: None,
        pts_total_limit: None,
        date: 0,
        qts,
        qts_limit,
    }
}

/// The container's seq and its one update.
fn numbered(updates: enums::Updates) -> (i32, enums::Update) {
    match updates {
        enums::Updates::Updates(mut u) if u.updates.len() == 1 => (u.seq, u.updates.remove(0)),
        other => panic!("expected one numbered update, got {other:?}"),
    }
}

fn qts_of(update: &enums::Update) -> i32 {
    match update {
        enums::Update::BotStopped(u) => u.qts,
        enums::Update::ChannelParticipant(u) => u.qts,
        other => panic!("not a qts update: {other:?}"),
    }
}

#[tokio::test]
async fn bot_events_carry_qts_and_seq_and_the_difference_replays_them() {
    let (_server, mut user, mut bot, me, bot_user) = world().await;
    let peer = input_peer(bot_user.id, bot_user.access_hash.unwrap());
    for round in 0..3 {
        assert!(user.call(&block(peer.clone())).await.unwrap());
        // Blocking twice changes nothing, and tells nobody.
        assert!(user.call(&block(peer.clone())).await.unwrap());
        assert!(user.call(&unblock(peer.clone())).await.unwrap());
        for (n, stopped) in [(1, true), (2, false)] {
            let (seq, update) = numbered(bot.next_update().await);
            let enums::Update::BotStopped(u) = update else {
                panic!("expected updateBotStopped, got {update:?}");
            };
            let qts = round * 2 + n;
            assert_eq!(
                (seq, u.qts, u.user_id, u.stopped),
                (qts, qts, me.id, stopped)
            );
        }
    }
    let enums::updates::State::State(state) =
        bot.call(&functions::updates::GetState {}).await.unwrap();
    assert_eq!((state.qts, state.seq), (6, 6));
    // Four from qts 2, in slices of three.
    let enums::updates::Difference::Slice(slice) =
        bot.call(&difference(state.pts, 2, Some(3))).await.unwrap()
    else {
        panic!("expected a slice");
    };
    let qts: Vec<i32> = slice.other_updates.iter().map(qts_of).collect();
    assert_eq!(qts, [3, 4, 5]);
    assert!(
        slice
            .users
            .iter()
            .any(|u| matches!(u, enums::User::User(u) if u.id == me.id))
    );
    let enums::updates::State::State(mid) = &slice.intermediate_state;
    assert_eq!((mid.pts, mid.qts), (state.pts, 5));
    let enums::updates::Difference::Difference(rest) = bot
        .call(&difference(mid.pts, mid.qts, Some(3)))
        .await
        .unwrap()
    else {
        panic!("expected the rest");
    };
    assert_eq!(
        rest.other_updates.iter().map(qts_of).collect::<Vec<_>>(),
        [6]
    );
    let enums::updates::State::State(end) = &rest.state;
    assert_eq!((end.qts, end.seq), (6, 6));
    assert_eq!(
        bot.call(&difference(end.pts, 6, None)).await.unwrap(),
        types::updates::DifferenceEmpty {
            date: match bot.call(&difference(end.pts, 6, None)).await.unwrap() {
                enums::updates::Difference::Empty(e) => e.date,
                other => panic!("expected empty, got {other:?}"),
            },
            seq: 6,
        }
        .into()
    );
}

#[tokio::test]
async fn blocking_is_listed_and_stops_messages_both_ways() {
    let (server, mut user, mut bot, me, bot_user) = world().await;
    let bot_peer = input_peer(bot_user.id, bot_user.access_hash.unwrap());
    user.call(&send_text(bot_peer.clone(), "hello", 1))
        .await
        .unwrap();
    assert!(user.call(&block(bot_peer.clone())).await.unwrap());
    let listed = user
        .call(&functions::contacts::GetBlocked {
            my_stories_from: false,
            offset: 0,
            limit: 10,
        })
        .await
        .unwrap();
    let enums::contacts::Blocked::Blocked(listed) = listed else {
        panic!("expected the whole list, got {listed:?}");
    };
    assert_eq!(listed.blocked.len(), 1);
    let enums::PeerBlocked::PeerBlocked(entry) = &listed.blocked[0];
    assert_eq!(
        entry.peer_id,
        types::PeerUser {
            user_id: bot_user.id
        }
        .into()
    );
    let me_peer = input_peer(me.id, me.access_hash.unwrap());
    assert_eq!(
        bot.call_err(&send_text(me_peer, "still there?", 2)).await,
        (403, "USER_IS_BLOCKED".into())
    );
    assert_eq!(
        user.call_err(&send_text(bot_peer.clone(), "hm", 3)).await,
        (400, "YOU_BLOCKED_USER".into())
    );
    assert_eq!(
        user.call_err(&block(enums::InputPeer::InputPeerSelf)).await,
        (400, "CONTACT_ID_INVALID".into())
    );
    assert_eq!(
        bot.call_err(&block(input_peer(me.id, me.access_hash.unwrap())))
            .await,
        (400, "BOT_METHOD_INVALID".into())
    );
    assert!(user.call(&unblock(bot_peer.clone())).await.unwrap());
    user.call(&send_text(bot_peer, "hi again", 4))
        .await
        .unwrap();
    // The bot was stopped and restarted: two qts events.
    assert_eq!(server.control().update_counters(bot_user.id).1, 2);
}

#[tokio::test]
async fn dialogs_list_joined_channels_with_their_pts() {
    let (server, mut user, _bot, me, bot_user) = world().await;
    let control = server.control();
    let bot_peer = input_peer(bot_user.id, bot_user.access_hash.unwrap());
    user.call(&send_text(bot_peer, "first", 1)).await.unwrap();
    let owner = control.add_user("9996621302", "Owner", None).unwrap();
    let channel = control.create_channel(owner.id, "Listed", None).unwrap();
    let other = control
        .create_channel(owner.id, "Not joined", None)
        .unwrap();
    control.add_channel_member(channel.id, me.id).unwrap();
    let post = control.post_as(owner.id, channel.id, "latest").unwrap();
    control.post_as(owner.id, other.id, "elsewhere").unwrap();
    let enums::messages::Dialogs::Dialogs(dialogs) = user
        .call(&functions::messages::GetDialogs {
            exclude_pinned: false,
            folder_id: None,
            offset_date: 0,
            offset_id: 0,
            offset_peer: enums::InputPeer::Empty,
            limit: 20,
            hash: 0,
        })
        .await
        .unwrap()
    else {
        panic!("expected all dialogs");
    };
    let listed: Vec<(enums::Peer, Option<i32>, i32)> = dialogs
        .dialogs
        .iter()
        .map(|d| match d {
            enums::Dialog::Dialog(d) => (d.peer.clone(), d.pts, d.top_message),
            other => panic!("{other:?}"),
        })
        .collect();
    let channel_peer: enums::Peer = types::PeerChannel {
        channel_id: channel.id,
    }
    .into();
    // The channel's post is the newest; the private chat follows.
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert_eq!(listed[0], (channel_peer, Some(post.pts), post.id));
    assert_eq!(
        listed[1].0,
        types::PeerUser {
            user_id: bot_user.id
        }
        .into()
    );
    assert!(dialogs.chats.iter().any(
        |c| matches!(c, enums::Chat::Channel(c) if c.id == channel.id && c.access_hash.is_some())
    ));
    let has_post = dialogs.messages.iter().any(
        |m| matches!(m, enums::Message::Message(m) if m.id == post.id && m.message == "latest"),
    );
    assert!(has_post, "{:?}", dialogs.messages);
    // Paging on from the channel's dialog gives the private chat alone.
    let enums::messages::Dialogs::Slice(next) = user
        .call(&functions::messages::GetDialogs {
            exclude_pinned: false,
            folder_id: None,
            offset_date: post.date,
            offset_id: post.id,
            offset_peer: types::InputPeerChannel {
                channel_id: channel.id,
                access_hash: channel.access_hash,
            }
            .into(),
            limit: 20,
            hash: 0,
        })
        .await
        .unwrap()
    else {
        panic!("expected a later page");
    };
    assert_eq!(next.dialogs.len(), 1);
}

#[tokio::test]
async fn the_difference_names_channels_whose_events_were_not_handed_over() {
    let (server, mut user, _bot, me, _) = world().await;
    let control = server.control();
    let owner = control.add_user("9996621303", "Owner", None).unwrap();
    let channel = control.create_channel(owner.id, "Missed", None).unwrap();
    control.add_channel_member(channel.id, me.id).unwrap();
    control.inject_withhold_channel_updates(me.id, channel.id, 1);
    let post = control.post_as(owner.id, channel.id, "withheld").unwrap();
    let enums::updates::State::State(state) =
        user.call(&functions::updates::GetState {}).await.unwrap();
    // Even with a date past the post, the channel is named: its post
    // never reached Alice.
    let mut ask = difference(state.pts, state.qts, None);
    ask.date = post.date + 10;
    let enums::updates::Difference::Difference(d) = user.call(&ask).await.unwrap() else {
        panic!("expected a difference");
    };
    assert_eq!(
        d.other_updates,
        [types::UpdateChannelTooLong {
            channel_id: channel.id,
            pts: Some(post.pts),
        }
        .into()]
    );
    assert!(
        d.chats
            .iter()
            .any(|c| matches!(c, enums::Chat::Channel(c) if c.id == channel.id))
    );
    // Once its difference was fetched, only a date at or before the
    // channel's last event names it again.
    user.call(&functions::updates::GetChannelDifference {
        force: false,
        channel: types::InputChannel {
            channel_id: channel.id,
            access_hash: channel.access_hash,
        }
        .into(),
        filter: enums::ChannelMessagesFilter::Empty,
        pts: post.pts - 1,
        limit: 10,
    })
    .await
    .unwrap();
    assert!(matches!(
        user.call(&ask).await.unwrap(),
        enums::updates::Difference::Empty(_)
    ));
    ask.date = post.date;
    assert!(matches!(
        user.call(&ask).await.unwrap(),
        enums::updates::Difference::Difference(_)
    ));
}
