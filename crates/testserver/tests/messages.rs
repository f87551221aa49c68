//! Private chats over TCP: sending between a user and a bot with pushed
//! updates on every session, history, edits, deletes, dialogs, reads, and
//! the update state agreeing with what was pushed.

mod common;

use common::{Client, bot_login, input_peer, new_message, send_text, sign_in};
use paperplane_testserver::{Options, TestServer};
use paperplane_tl::{enums, functions, types};

const BOT_TOKEN: &str = "5005:bot-secret";

async fn world() -> (TestServer, Client, Client, types::User, types::User) {
    let options = Options {
        bots: vec![("helper_bot".into(), BOT_TOKEN.into())],
        ..Options::default()
    };
    let server = TestServer::start(options).await.unwrap();
    let mut user = Client::connect(&server, 2).await;
    let me = sign_in(&mut user, "9996621234").await.unwrap();
    let mut bot = Client::connect(&server, 2).await;
    let bot_user = bot_login(&mut bot, BOT_TOKEN).await.unwrap();
    (server, user, bot, me, bot_user)
}

fn history(
    peer: enums::InputPeer,
    offset_id: i32,
    add_offset: i32,
    limit: i32,
) -> functions::messages::GetHistory {
    functions::messages::GetHistory {
        peer,
        offset_id,
        offset_date: 0,
        add_offset,
        limit,
        max_id: 0,
        min_id: 0,
        hash: 0,
    }
}

fn ids(messages: &enums::messages::Messages) -> Vec<i32> {
    let list = match messages {
        enums::messages::Messages::Messages(m) => &m.messages,
        enums::messages::Messages::Slice(m) => &m.messages,
        other => panic!("unexpected {other:?}"),
    };
    list.iter()
        .map(|m| match m {
            enums::Message::Message(m) => m.id,
            enums::Message::Empty(m) => -m.id,
            enums::Message::Service(m) => m.id,
        })
        .collect()
}

fn sent(updates: enums::Updates) -> types::UpdateShortSentMessage {
    match updates {
        enums::Updates::UpdateShortSentMessage(s) => *s,
        other => panic!("expected updateShortSentMessage, got {other:?}"),
    }
}

#[tokio::test]
async fn user_and_bot_talk_and_every_session_hears_it() {
    let (server, mut user, mut bot, me, bot_user) = world().await;
    // A second session of the same user, on its own key.
    let mut user2 = Client::connect(&server, 2).await;
    sign_in(&mut user2, "9996621234").await.unwrap();

    let enums::contacts::ResolvedPeer::ResolvedPeer(resolved) = user
        .call(&functions::contacts::ResolveUsername {
            username: "helper_bot".into(),
            referer: None,
        })
        .await
        .unwrap();
    let enums::User::User(found) = &resolved.users[0] else {
        panic!("no user");
    };
    assert_eq!(found.id, bot_user.id);
    let hash = found.access_hash.unwrap();

    let result = sent(
        user.call(&send_text(input_peer(bot_user.id, hash), "/start", 11))
            .await
            .unwrap(),
    );
    assert!(result.out);
    assert_eq!(result.pts_count, 1);

    // The bot gets the message with the sender's User and access hash.
    let (msg, pts, pts_count, users) = new_message(bot.next_update().await);
    assert!(!msg.out);
    assert_eq!(msg.message, "/start");
    assert_eq!(
        msg.peer_id,
        enums::Peer::User(types::PeerUser { user_id: me.id })
    );
    assert_eq!(pts_count, 1);
    let sender = users.iter().find(|u| u.id == me.id).expect("sender's User");
    let sender_hash = sender.access_hash.expect("with access hash");
    // The sender's other session sees its own message go out.
    let (mine, mine_pts, _, _) = new_message(user2.next_update().await);
    assert!(mine.out);
    assert_eq!((mine.id, mine_pts), (result.id, result.pts));

    // The bot answers with what the update gave it.
    let reply = sent(
        bot.call(&send_text(input_peer(me.id, sender_hash), "hello!", 12))
            .await
            .unwrap(),
    );
    assert_eq!(reply.pts, pts + 1);
    for session in [&mut user, &mut user2] {
        let (incoming, in_pts, _, _) = new_message(session.next_update().await);
        assert!(!incoming.out);
        assert_eq!(incoming.message, "hello!");
        assert_eq!(in_pts, result.pts + 1);
    }
    let control = server.control();
    let mine: Vec<_> = control
        .messages_of(me.id)
        .iter()
        .map(|m| (m.out, m.text.clone()))
        .collect();
    assert_eq!(
        mine,
        vec![(true, "/start".into()), (false, "hello!".into())]
    );
    assert_eq!(control.messages_of(bot_user.id).len(), 2);
}

#[tokio::test]
async fn sending_checks_peers_text_and_random_ids() {
    let (_server, mut user, _bot, me, bot_user) = world().await;
    let wrong = input_peer(bot_user.id, 12345);
    assert_eq!(
        user.call_err(&send_text(wrong, "hi", 1)).await,
        (400, "PEER_ID_INVALID".into())
    );
    assert_eq!(
        user.call_err(&send_text(input_peer(424242, 0), "hi", 1))
            .await,
        (400, "PEER_ID_INVALID".into())
    );
    let me_peer = enums::InputPeer::InputPeerSelf;
    assert_eq!(
        user.call_err(&send_text(me_peer.clone(), "  ", 1)).await,
        (400, "MESSAGE_EMPTY".into())
    );
    assert_eq!(
        user.call_err(&send_text(me_peer.clone(), &"x".repeat(4097), 1))
            .await,
        (400, "MESSAGE_TOO_LONG".into())
    );
    // Saved Messages, then the same random_id again: the original message.
    let first = sent(
        user.call(&send_text(me_peer.clone(), &"x".repeat(4096), 7))
            .await
            .unwrap(),
    );
    let again = sent(
        user.call(&send_text(me_peer.clone(), "different", 7))
            .await
            .unwrap(),
    );
    assert_eq!((again.id, again.pts), (first.id, first.pts));
    let h = user.call(&history(me_peer, 0, 0, 10)).await.unwrap();
    assert_eq!(ids(&h), vec![first.id]);
    let _ = me;
}

#[tokio::test]
async fn history_edit_delete_dialogs_read() {
    let (server, mut user, mut bot, me, bot_user) = world().await;
    let control = server.control();
    let bob = control
        .add_user("9996629999", "Bob", Some("bobby"))
        .unwrap();
    let bot_peer = input_peer(bot_user.id, control.user(bot_user.id).unwrap().access_hash);
    let bob_peer = input_peer(bob.id, bob.access_hash);
    let mut sent_ids = Vec::new();
    for i in 0..5 {
        let s = sent(
            user.call(&send_text(bot_peer.clone(), &format!("m{i}"), 100 + i))
                .await
                .unwrap(),
        );
        sent_ids.push(s.id);
    }
    control.send_as(bob.id, "9996621234", "from bob").unwrap();
    // History: newest first, limit, offset_id, add_offset, min/max.
    let page = user
        .call(&history(bot_peer.clone(), 0, 0, 3))
        .await
        .unwrap();
    assert_eq!(ids(&page), vec![5, 4, 3]);
    let enums::messages::Messages::Slice(slice) = &page else {
        panic!("expected a slice, got {page:?}");
    };
    assert_eq!(slice.count, 5);
    assert_eq!(
        ids(&user
            .call(&history(bot_peer.clone(), 3, 0, 10))
            .await
            .unwrap()),
        vec![2, 1]
    );
    assert_eq!(
        ids(&user
            .call(&history(bot_peer.clone(), 3, -2, 3))
            .await
            .unwrap()),
        vec![4, 3, 2]
    );
    let mut bounded = history(bot_peer.clone(), 0, 0, 10);
    bounded.max_id = 5;
    bounded.min_id = 2;
    assert_eq!(ids(&user.call(&bounded).await.unwrap()), vec![4, 3]);
    // getMessages: present and missing.
    let got = user
        .call(&functions::messages::GetMessages {
            id: vec![
                enums::InputMessage::Id(types::InputMessageId { id: 2 }),
                enums::InputMessage::Id(types::InputMessageId { id: 99 }),
            ],
        })
        .await
        .unwrap();
    assert_eq!(ids(&got), vec![2, -99]);

    // Edits.
    let edit = |peer: enums::InputPeer, id: i32, text: &str| functions::messages::EditMessage {
        no_webpage: false,
        invert_media: false,
        peer,
        id,
        message: Some(text.into()),
        media: None,
        reply_markup: None,
        entities: None,
        schedule_date: None,
        schedule_repeat_period: None,
        quick_reply_shortcut_id: None,
        rich_message: None,
    };
    assert_eq!(
        user.call_err(&edit(bot_peer.clone(), 5, "m4")).await,
        (400, "MESSAGE_NOT_MODIFIED".into())
    );
    assert_eq!(
        user.call_err(&edit(bot_peer.clone(), 77, "x")).await,
        (400, "MESSAGE_ID_INVALID".into())
    );
    assert_eq!(
        user.call_err(&edit(bob_peer.clone(), 6, "mine now")).await,
        (400, "MESSAGE_AUTHOR_REQUIRED".into())
    );
    let edited = user
        .call(&edit(bot_peer.clone(), 5, "m4 (edited)"))
        .await
        .unwrap();
    let enums::Updates::Updates(edited) = edited else {
        panic!("expected updates");
    };
    assert!(matches!(edited.updates[0], enums::Update::EditMessage(_)));
    // The bot got five messages, then the edit of its copy.
    for _ in 0..5 {
        new_message(bot.next_update().await);
    }
    let enums::Updates::Updates(pushed) = bot.next_update().await else {
        panic!("expected updates");
    };
    let enums::Update::EditMessage(e) = &pushed.updates[0] else {
        panic!("expected updateEditMessage, got {:?}", pushed.updates);
    };
    let enums::Message::Message(m) = &e.message else {
        panic!()
    };
    assert_eq!(
        (m.message.as_str(), m.edit_date.is_some()),
        ("m4 (edited)", true)
    );

    // Dialogs: bob's chat first, every peer's User with its access hash.
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
    let peers: Vec<_> = dialogs
        .dialogs
        .iter()
        .map(|d| match d {
            enums::Dialog::Dialog(d) => (d.peer.clone(), d.unread_count),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        peers,
        vec![
            (enums::Peer::User(types::PeerUser { user_id: bob.id }), 1),
            (
                enums::Peer::User(types::PeerUser {
                    user_id: bot_user.id
                }),
                0
            ),
        ]
    );
    for id in [bob.id, bot_user.id, me.id] {
        let listed = dialogs
            .users
            .iter()
            .any(|u| matches!(u, enums::User::User(u) if u.id == id && u.access_hash.is_some()));
        assert!(listed, "user {id} missing from {:?}", dialogs.users);
    }
    assert_eq!(dialogs.messages.len(), 2);
    assert_eq!(
        bot.call_err(&functions::messages::GetDialogs {
            exclude_pinned: false,
            folder_id: None,
            offset_date: 0,
            offset_id: 0,
            offset_peer: enums::InputPeer::Empty,
            limit: 20,
            hash: 0,
        })
        .await,
        (400, "BOT_METHOD_INVALID".into())
    );

    // The bot reads the chat: the user is told its messages were read.
    let enums::messages::AffectedMessages::AffectedMessages(read) = bot
        .call(&functions::messages::ReadHistory {
            peer: input_peer(me.id, control.user(me.id).unwrap().access_hash),
            max_id: 0,
        })
        .await
        .unwrap();
    assert_eq!(read.pts_count, 1);
    // Skip the user's pushes up to the outbox read.
    loop {
        let enums::Updates::Updates(u) = user.next_update().await else {
            continue;
        };
        if let Some(enums::Update::ReadHistoryOutbox(r)) = u.updates.first() {
            assert_eq!(r.max_id, 5);
            break;
        }
    }

    // Delete with revoke: both sides lose the message.
    let enums::messages::AffectedMessages::AffectedMessages(deleted) = user
        .call(&functions::messages::DeleteMessages {
            revoke: true,
            id: vec![1, 2, 999],
        })
        .await
        .unwrap();
    assert_eq!(deleted.pts_count, 2);
    let bot_left: Vec<i32> = control
        .messages_of(bot_user.id)
        .iter()
        .map(|m| m.id)
        .collect();
    assert_eq!(bot_left, vec![3, 4, 5]);
    assert_eq!(
        ids(&user.call(&history(bot_peer, 0, 0, 10)).await.unwrap()),
        vec![5, 4, 3]
    );
    let enums::updates::State::State(state) =
        user.call(&functions::updates::GetState {}).await.unwrap();
    assert_eq!(state.pts, deleted.pts);
}

#[tokio::test]
async fn get_difference_agrees_with_pushes() {
    let (server, mut user, mut bot, me, bot_user) = world().await;
    let enums::updates::State::State(start) =
        user.call(&functions::updates::GetState {}).await.unwrap();
    assert!(start.pts >= 1);
    assert_eq!(
        user.call(&functions::updates::GetDifference {
            pts: start.pts,
            pts_limit: None,
            pts_total_limit: None,
            date: start.date,
            qts: 0,
            qts_limit: None,
        })
        .await
        .unwrap(),
        enums::updates::Difference::Empty(types::updates::DifferenceEmpty {
            date: match user.call(&functions::updates::GetState {}).await.unwrap() {
                enums::updates::State::State(s) => s.date,
            },
            seq: 0,
        })
    );
    let control = server.control();
    let mut pts = start.pts;
    for i in 0..3 {
        control
            .send_as(bot_user.id, &me.id.to_string(), &format!("tick {i}"))
            .unwrap();
        let (msg, new_pts, count, _) = new_message(user.next_update().await);
        assert_eq!(new_pts - count, pts, "contiguous pts");
        pts = new_pts;
        assert_eq!(msg.message, format!("tick {i}"));
    }
    let diff = |pts, limit| functions::updates::GetDifference {
        pts,
        pts_limit: None,
        pts_total_limit: limit,
        date: 0,
        qts: 0,
        qts_limit: None,
    };
    let enums::updates::Difference::Difference(d) =
        user.call(&diff(start.pts, None)).await.unwrap()
    else {
        panic!("expected a difference");
    };
    assert_eq!(d.new_messages.len(), 3);
    let enums::updates::State::State(end) = &d.state;
    assert_eq!(end.pts, pts);
    assert!(
        d.users
            .iter()
            .any(|u| matches!(u, enums::User::User(u) if u.id == bot_user.id))
    );
    let enums::updates::Difference::Slice(s) = user.call(&diff(start.pts, Some(2))).await.unwrap()
    else {
        panic!("expected a slice");
    };
    assert_eq!(s.new_messages.len(), 2);
    let enums::updates::State::State(mid) = &s.intermediate_state;
    assert_eq!(mid.pts, start.pts + 2);
    // The bot's own state went up by its three sends.
    let enums::updates::State::State(bot_state) =
        bot.call(&functions::updates::GetState {}).await.unwrap();
    assert_eq!(bot_state.pts, 4);
}
