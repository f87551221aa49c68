//! Channel updates end to end: posts in supergroups and broadcast
//! channels reach a member's stream once and in order, gaps in a
//! channel's pts are filled with `updates.getChannelDifference` (in
//! slices, or with `channelDifferenceTooLong` when too far behind), and a
//! channel the account was removed from is forgotten.

use std::time::Duration;

use paperplane::tl::{enums, functions, types};
use paperplane::{Client, Update};
use paperplane_testserver::{ChannelInfo, Control, UserInfo};

mod common;
use common::{WAIT, builder, login, server};

/// The channel a message was posted in, if any.
fn channel_of(m: &paperplane::IncomingMessage) -> Option<i64> {
    match m.peer_id() {
        Some(enums::Peer::Channel(c)) => Some(c.channel_id),
        _ => None,
    }
}

/// The next `n` new messages with text on `stream`, as (channel, text);
/// service messages (joins, creation) are skipped.
async fn next_posts(stream: &mut paperplane::UpdateStream, n: usize) -> Vec<(Option<i64>, String)> {
    let mut posts = Vec::new();
    while posts.len() < n {
        match tokio::time::timeout(WAIT, stream.next()).await {
            Ok(Some(Update::NewMessage(m))) => {
                if let Some(text) = m.text() {
                    posts.push((channel_of(&m), text.to_owned()));
                }
            }
            Ok(Some(Update::ChannelTooLong { channel_id, .. })) => {
                panic!("channel {channel_id} too long after {} posts", posts.len())
            }
            Ok(Some(_)) => {}
            Ok(None) => panic!("the stream ended"),
            Err(_) => panic!("only {} of {n} arrived: {posts:?}", posts.len()),
        }
    }
    posts
}

/// The next new message with text on `stream`.
async fn next_new_message(stream: &mut paperplane::UpdateStream) -> paperplane::IncomingMessage {
    loop {
        match tokio::time::timeout(WAIT, stream.next()).await {
            Ok(Some(Update::NewMessage(m))) if m.text().is_some() => return m,
            Ok(Some(_)) => {}
            Ok(None) => panic!("the stream ended"),
            Err(_) => panic!("no message arrived"),
        }
    }
}

/// The texts of `posts` in `channel`, in the order they came.
fn texts_in(posts: &[(Option<i64>, String)], channel: i64) -> Vec<String> {
    posts
        .iter()
        .filter(|(c, _)| *c == Some(channel))
        .map(|(_, t)| t.clone())
        .collect()
}

/// No message with text arrives on `stream` for a while.
async fn assert_quiet(stream: &mut paperplane::UpdateStream) {
    let deadline = tokio::time::Instant::now() + Duration::from_millis(700);
    while let Ok(Some(update)) = tokio::time::timeout_at(deadline, stream.next()).await {
        match update {
            Update::NewMessage(m) if m.text().is_some() => {
                panic!("delivered again or unexpected: {:?}", m.text())
            }
            Update::ChannelTooLong { channel_id, .. } => {
                panic!("unexpected ChannelTooLong for {channel_id}")
            }
            _ => {}
        }
    }
}

/// The `InputChannel` for a channel the client has seen.
fn input_channel(client: &Client, channel_id: i64) -> enums::InputChannel {
    let peer = types::PeerChannel { channel_id }.into();
    match client.input_peer(&peer).expect("the channel is cached") {
        enums::InputPeer::Channel(c) => types::InputChannel {
            channel_id: c.channel_id,
            access_hash: c.access_hash,
        }
        .into(),
        other => panic!("not a channel: {other:?}"),
    }
}

/// A server with Bob (who owns the channels, through the control API) and
/// Alice's client, logged in and listening.
struct World {
    _server: paperplane_testserver::TestServer,
    control: Control,
    bob: UserInfo,
    alice: Client,
    alice_id: i64,
    stream: paperplane::UpdateStream,
    _shutdown: paperplane::ShutdownToken,
}

async fn world(n: u32) -> World {
    world_with(n, |b| b).await
}

/// [`world`] with Alice's client built with `options`.
async fn world_with(
    n: u32,
    options: impl FnOnce(paperplane::ClientBuilder) -> paperplane::ClientBuilder,
) -> World {
    let server = server().await;
    let control = server.control();
    let bob = control
        .add_user(&format!("99966280{n:02}"), "Bob", None)
        .unwrap();
    let (alice, shutdown) = options(builder(&server)).connect().await.unwrap();
    let me = login(&alice, &format!("99966281{n:02}")).await;
    let stream = alice.stream_updates();
    World {
        _server: server,
        control,
        bob,
        alice,
        alice_id: me.id(),
        stream,
        _shutdown: shutdown,
    }
}

impl World {
    /// A private supergroup of Bob's with Alice added, whose first update
    /// (the service message of her addition) she has received, so her
    /// client follows its pts.
    async fn private_group(&mut self) -> ChannelInfo {
        let group = self
            .control
            .create_supergroup(self.bob.id, "Private group", None)
            .unwrap();
        self.control
            .add_channel_member(group.id, self.alice_id)
            .unwrap();
        self.control
            .post_as(self.bob.id, group.id, "hello")
            .unwrap();
        assert_eq!(
            next_posts(&mut self.stream, 1).await,
            [(Some(group.id), "hello".to_owned())]
        );
        group
    }
}

#[tokio::test]
async fn posts_in_a_supergroup_and_a_channel_arrive_once_and_in_order() {
    let mut w = world(1).await;
    let group = w
        .control
        .create_supergroup(w.bob.id, "Bob's group", Some("bobs_group"))
        .unwrap();
    let channel = w
        .control
        .create_channel(w.bob.id, "Bob's channel", None)
        .unwrap();
    // Alice joins the public supergroup herself and is added to the
    // private channel.
    let peer = w.alice.resolve_peer("@bobs_group").await.unwrap();
    assert!(matches!(peer, enums::Peer::Channel(ref c) if c.channel_id == group.id));
    w.alice
        .invoke(&functions::channels::JoinChannel {
            channel: input_channel(&w.alice, group.id),
        })
        .await
        .unwrap();
    w.control
        .add_channel_member(channel.id, w.alice_id)
        .unwrap();
    assert!(
        w.control
            .channel(group.id)
            .unwrap()
            .members
            .contains(&w.alice_id)
    );

    let mut expected_group = Vec::new();
    let mut expected_channel = Vec::new();
    for i in 1..=15 {
        let g = format!("group {i}");
        let c = format!("channel {i}");
        w.control.post_as(w.bob.id, group.id, &g).unwrap();
        w.control.post_as(w.bob.id, channel.id, &c).unwrap();
        expected_group.push(g);
        expected_channel.push(c);
    }
    let posts = next_posts(&mut w.stream, 30).await;
    assert_eq!(texts_in(&posts, group.id), expected_group);
    assert_eq!(texts_in(&posts, channel.id), expected_channel);

    // Her own post in the supergroup is delivered once, as outgoing.
    let group_peer: enums::Peer = types::PeerChannel {
        channel_id: group.id,
    }
    .into();
    let sent = w
        .alice
        .send_message_to_peer(group_peer, "mine")
        .await
        .unwrap();
    assert_eq!(sent.text(), Some("mine"));
    let mine = next_new_message(&mut w.stream).await;
    assert_eq!((mine.text(), mine.outgoing()), (Some("mine"), true));
    assert_eq!(channel_of(&mine), Some(group.id));
    // A subscriber may not post in a broadcast channel.
    let channel_peer = types::PeerChannel {
        channel_id: channel.id,
    }
    .into();
    let refused = w
        .alice
        .send_message_to_peer(channel_peer, "may I?")
        .await
        .unwrap_err();
    assert!(refused.is("CHAT_WRITE_FORBIDDEN"), "{refused}");
    assert_quiet(&mut w.stream).await;
    // Pushes alone were enough.
    assert_eq!(w.control.executions("updates.getChannelDifference"), 0);
}

#[tokio::test]
async fn withheld_channel_updates_are_fetched_and_delivered_once_in_order() {
    let mut w = world(2).await;
    let group = w.private_group().await;
    // The next three are never pushed: the fourth shows the gap.
    w.control
        .inject_withhold_channel_updates(w.alice_id, group.id, 3);
    let texts = ["two", "three", "four", "five"];
    for text in texts {
        w.control.post_as(w.bob.id, group.id, text).unwrap();
    }
    let posts = next_posts(&mut w.stream, 4).await;
    assert_eq!(texts_in(&posts, group.id), texts);
    assert_quiet(&mut w.stream).await;
    assert!(w.control.executions("updates.getChannelDifference") > 0);
    // The account's own sequence had no gap.
    assert_eq!(w.control.executions("updates.getDifference"), 0);
}

#[tokio::test]
async fn a_gap_longer_than_one_answer_is_fetched_in_slices() {
    let mut w = world(3).await;
    let channel = w
        .control
        .create_channel(w.bob.id, "Busy channel", None)
        .unwrap();
    w.control
        .add_channel_member(channel.id, w.alice_id)
        .unwrap();
    w.control.post_as(w.bob.id, channel.id, "first").unwrap();
    assert_eq!(next_posts(&mut w.stream, 1).await.len(), 1);
    // 250 missing: more than the 100 one answer carries for a person.
    w.control
        .inject_withhold_channel_updates(w.alice_id, channel.id, 250);
    let texts: Vec<String> = (1..=251).map(|i| format!("post {i}")).collect();
    for text in &texts {
        w.control.post_as(w.bob.id, channel.id, text).unwrap();
    }
    let posts = next_posts(&mut w.stream, texts.len()).await;
    assert_eq!(texts_in(&posts, channel.id), texts);
    assert_quiet(&mut w.stream).await;
    assert!(w.control.executions("updates.getChannelDifference") >= 3);
}

#[tokio::test]
async fn a_gap_past_what_the_server_replays_is_channel_too_long() {
    let mut w = world(4).await;
    let group = w.private_group().await;
    // More than the 1,000 pts a person is replayed.
    w.control
        .inject_withhold_channel_updates(w.alice_id, group.id, 1_001);
    for i in 1..=1_002 {
        w.control
            .post_as(w.bob.id, group.id, &format!("missed {i}"))
            .unwrap();
    }
    let (channel_id, recent) = loop {
        match tokio::time::timeout(WAIT, w.stream.next()).await {
            Ok(Some(Update::ChannelTooLong { channel_id, recent })) => break (channel_id, recent),
            Ok(Some(Update::NewMessage(m))) => panic!("delivered {:?} one by one", m.text()),
            Ok(Some(_)) => {}
            Ok(None) => panic!("the stream ended"),
            Err(_) => panic!("no ChannelTooLong"),
        }
    };
    assert_eq!(channel_id, group.id);
    let newest = recent.iter().map(|m| m.id()).max();
    assert_eq!(
        newest,
        w.control.channel_messages(group.id).last().map(|m| m.id)
    );
    assert!(recent.iter().any(|m| m.text() == Some("missed 1002")));
    // The client follows on from the channel's pts: the next post comes
    // through as usual.
    w.control.post_as(w.bob.id, group.id, "after").unwrap();
    assert_eq!(
        next_posts(&mut w.stream, 1).await,
        [(Some(group.id), "after".to_owned())]
    );
    assert_quiet(&mut w.stream).await;
}

#[tokio::test]
async fn a_private_channel_left_behind_is_forgotten() {
    let mut w = world(5).await;
    let group = w.private_group().await;
    w.control
        .remove_channel_member(group.id, w.alice_id)
        .unwrap();
    w.control.post_as(w.bob.id, group.id, "secret").unwrap();
    // Told there is more, the client asks (for the difference, or, having
    // seen from updateChannel that it left, for the channel), hears
    // CHANNEL_PRIVATE, and stops following the channel.
    w.control
        .push_channel_too_long(w.alice_id, group.id)
        .unwrap();
    let asked = |c: &Control| {
        c.executions("updates.getChannelDifference") + c.executions("channels.getFullChannel")
    };
    let deadline = tokio::time::Instant::now() + WAIT;
    while asked(&w.control) == 0 {
        assert!(tokio::time::Instant::now() < deadline, "never asked");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Told again, it asks at most once more: the channel is forgotten, and
    // nothing retries in a loop.
    w.control
        .push_channel_too_long(w.alice_id, group.id)
        .unwrap();
    let me = w.alice_id.to_string();
    w.control.send_as(w.bob.id, &me, "still here").unwrap();
    assert_eq!(
        next_posts(&mut w.stream, 1).await,
        [(None, "still here".to_owned())]
    );
    let quiet_until = tokio::time::Instant::now() + Duration::from_millis(1_500);
    while tokio::time::Instant::now() < quiet_until {
        assert!(asked(&w.control) <= 2, "asked {} times", asked(&w.control));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(w.control.executions("updates.getChannelDifference"), 0);
    assert_quiet(&mut w.stream).await;
}

#[tokio::test]
async fn joining_starts_following_the_channel_from_the_join() {
    let mut w = world(6).await;
    let group = w
        .control
        .create_supergroup(w.bob.id, "Open group", Some("open_group6"))
        .unwrap();
    w.alice.resolve_peer("@open_group6").await.unwrap();
    w.alice
        .invoke(&functions::channels::JoinChannel {
            channel: input_channel(&w.alice, group.id),
        })
        .await
        .unwrap();
    // The first post after the join is lost: only the join's answer tells
    // the client where the channel's pts stood.
    w.control
        .inject_withhold_channel_updates(w.alice_id, group.id, 1);
    for text in ["first", "second"] {
        w.control.post_as(w.bob.id, group.id, text).unwrap();
    }
    let posts = next_posts(&mut w.stream, 2).await;
    assert_eq!(texts_in(&posts, group.id), ["first", "second"]);
    assert_quiet(&mut w.stream).await;
}

#[tokio::test]
async fn deleting_in_a_channel_leaves_the_account_pts_alone() {
    let mut w = world(7).await;
    let group = w.private_group().await;
    let me = w.alice_id.to_string();
    // The account's pts goes from 1 to 5.
    for text in ["p1", "p2", "p3", "p4"] {
        w.control.send_as(w.bob.id, &me, text).unwrap();
    }
    assert_eq!(next_posts(&mut w.stream, 4).await.len(), 4);
    let group_peer: enums::Peer = types::PeerChannel {
        channel_id: group.id,
    }
    .into();
    let mine = w
        .alice
        .send_message_to_peer(group_peer, "oops")
        .await
        .unwrap();
    next_new_message(&mut w.stream).await;
    // The channel's pts after the deletion is 6, with pts_count 1: taken
    // for the account's, it would pass for the account's next event.
    let affected = w
        .alice
        .invoke(&functions::channels::DeleteMessages {
            channel: input_channel(&w.alice, group.id),
            id: vec![mine.id()],
        })
        .await
        .unwrap();
    let enums::messages::AffectedMessages::AffectedMessages(a) = affected;
    assert_eq!((a.pts, a.pts_count), (6, 1));
    // The account's real pts 6.
    w.control.send_as(w.bob.id, &me, "p5").unwrap();
    assert_eq!(
        next_posts(&mut w.stream, 1).await,
        [(None, "p5".to_owned())]
    );
    assert_quiet(&mut w.stream).await;
}

#[tokio::test]
async fn a_supergroup_made_and_used_over_the_protocol() {
    let mut w = world(8).await;
    let created = w
        .alice
        .invoke(&functions::channels::CreateChannel {
            broadcast: false,
            megagroup: true,
            for_import: false,
            forum: false,
            title: "Alice's group".into(),
            about: String::new(),
            geo_point: None,
            address: None,
            ttl_period: None,
        })
        .await
        .unwrap();
    let enums::Updates::Updates(created) = created else {
        panic!("not updates: {created:?}");
    };
    let Some(enums::Chat::Channel(group)) = created.chats.first() else {
        panic!("no channel in {:?}", created.chats);
    };
    assert!(group.creator && group.megagroup && !group.left);
    assert!(
        created
            .updates
            .iter()
            .any(|u| matches!(u, enums::Update::Channel(c) if c.channel_id == group.id))
    );
    let group_id = group.id;
    w.control.add_channel_member(group_id, w.bob.id).unwrap();
    w.control.post_as(w.bob.id, group_id, "hi Alice").unwrap();
    assert_eq!(
        next_posts(&mut w.stream, 1).await,
        [(Some(group_id), "hi Alice".to_owned())]
    );

    // Her message, edited: the edit reaches her stream once.
    let group_peer: enums::Peer = types::PeerChannel {
        channel_id: group_id,
    }
    .into();
    let mine = w
        .alice
        .send_message_to_peer(group_peer.clone(), "draft")
        .await
        .unwrap();
    assert_eq!(next_new_message(&mut w.stream).await.text(), Some("draft"));
    w.alice
        .invoke(&functions::messages::EditMessage {
            no_webpage: false,
            invert_media: false,
            peer: w.alice.input_peer(&group_peer).unwrap(),
            id: mine.id(),
            message: Some("final".into()),
            media: None,
            reply_markup: None,
            entities: None,
            schedule_date: None,
            schedule_repeat_period: None,
            quick_reply_shortcut_id: None,
            rich_message: None,
        })
        .await
        .unwrap();
    let edited = loop {
        match tokio::time::timeout(WAIT, w.stream.next()).await {
            Ok(Some(Update::MessageEdited(m))) => break m,
            Ok(Some(_)) => {}
            other => panic!("no edit: {other:?}"),
        }
    };
    assert_eq!((edited.id(), edited.text()), (mine.id(), Some("final")));

    // The history, newest first, with the channel's pts.
    let history = w
        .alice
        .invoke(&functions::messages::GetHistory {
            peer: w.alice.input_peer(&group_peer).unwrap(),
            offset_id: 0,
            offset_date: 0,
            add_offset: 0,
            limit: 10,
            max_id: 0,
            min_id: 0,
            hash: 0,
        })
        .await
        .unwrap();
    let enums::messages::Messages::ChannelMessages(history) = history else {
        panic!("not channel messages: {history:?}");
    };
    assert_eq!(history.pts, w.control.channel(group_id).unwrap().pts);
    let texts: Vec<&str> = history
        .messages
        .iter()
        .filter_map(|m| match m {
            enums::Message::Message(m) => Some(m.message.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(texts, ["final", "hi Alice"]);

    // Once she leaves, her private group is closed to her.
    w.alice
        .invoke(&functions::channels::LeaveChannel {
            channel: input_channel(&w.alice, group_id),
        })
        .await
        .unwrap();
    let chats = w
        .alice
        .invoke(&functions::channels::GetChannels {
            id: vec![input_channel(&w.alice, group_id)],
        })
        .await
        .unwrap();
    let enums::messages::Chats::Chats(chats) = chats else {
        panic!("{chats:?}");
    };
    assert!(matches!(
        chats.chats.as_slice(),
        [enums::Chat::ChannelForbidden(_)]
    ));
    let refused = w
        .alice
        .invoke(&functions::updates::GetChannelDifference {
            force: false,
            channel: input_channel(&w.alice, group_id),
            filter: enums::ChannelMessagesFilter::Empty,
            pts: 1,
            limit: 10,
        })
        .await
        .unwrap_err();
    assert!(refused.is("CHANNEL_PRIVATE"), "{refused}");
    assert_quiet(&mut w.stream).await;
}

#[tokio::test]
async fn posts_made_while_away_are_caught_up_through_channel_too_long() {
    let server = server().await;
    let control = server.control();
    let bob = control.add_user("9996628020", "Bob", None).unwrap();
    let (alice, _s) = builder(&server).connect().await.unwrap();
    let alice_id = login(&alice, "9996628120").await.id();
    let mut stream = alice.stream_updates();
    let channel = control.create_channel(bob.id, "News", None).unwrap();
    control.add_channel_member(channel.id, alice_id).unwrap();
    control.post_as(bob.id, channel.id, "one").unwrap();
    assert_eq!(
        next_posts(&mut stream, 1).await,
        [(Some(channel.id), "one".to_owned())]
    );
    // Let the counters reach the session before it is exported.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let session = alice.export_session_string().await.unwrap();
    alice.disconnect();
    drop(alice);

    // Posted while Alice is away: pushed to nobody.
    for text in ["two", "three"] {
        control.post_as(bob.id, channel.id, text).unwrap();
    }
    let (again, _s) = builder(&server)
        .session_string(session)
        .catch_up(true)
        .connect()
        .await
        .unwrap();
    let mut stream = again.stream_updates();
    let posts = next_posts(&mut stream, 2).await;
    assert_eq!(texts_in(&posts, channel.id), ["two", "three"]);
    assert_quiet(&mut stream).await;
    // getDifference named the channel; its difference brought the posts.
    assert!(control.executions("updates.getChannelDifference") >= 1);
}

#[tokio::test]
async fn withheld_posts_are_found_by_the_next_difference_even_past_their_date() {
    let mut w = world(21).await;
    let channel = w
        .control
        .create_channel(w.bob.id, "Quiet news", None)
        .unwrap();
    w.control
        .add_channel_member(channel.id, w.alice_id)
        .unwrap();
    w.control.post_as(w.bob.id, channel.id, "one").unwrap();
    assert_eq!(
        next_posts(&mut w.stream, 1).await,
        [(Some(channel.id), "one".to_owned())]
    );
    // Two posts are never pushed, and nothing else happens in the
    // channel to show the gap.
    w.control
        .inject_withhold_channel_updates(w.alice_id, channel.id, 2);
    for text in ["two", "three"] {
        w.control.post_as(w.bob.id, channel.id, text).unwrap();
    }
    // A later private message moves Alice's date past the posts', so
    // only what the server knows it handed her can tell.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let to = w.alice_id.to_string();
    w.control.send_as(w.bob.id, &to, "later").unwrap();
    assert_eq!(
        next_posts(&mut w.stream, 1).await,
        [(None, "later".to_owned())]
    );
    assert_eq!(w.control.executions("updates.getChannelDifference"), 0);
    w.control.push_updates_too_long(w.alice_id);
    let posts = next_posts(&mut w.stream, 2).await;
    assert_eq!(texts_in(&posts, channel.id), ["two", "three"]);
    assert_quiet(&mut w.stream).await;
}

#[tokio::test]
async fn a_lost_last_post_is_found_when_the_channel_stays_silent() {
    let mut w = world_with(20, |b| b.update_idle_timeout(Duration::from_secs(1))).await;
    let group = w.private_group().await;
    // The last post is never pushed, and nothing after it shows the gap.
    w.control
        .inject_withhold_channel_updates(w.alice_id, group.id, 1);
    w.control.post_as(w.bob.id, group.id, "last").unwrap();
    let posts = next_posts(&mut w.stream, 1).await;
    assert_eq!(texts_in(&posts, group.id), ["last"]);
    assert_quiet(&mut w.stream).await;
}

#[tokio::test]
async fn joining_a_broadcast_channel_follows_it_from_the_join() {
    let mut w = world(21).await;
    let channel = w
        .control
        .create_channel(w.bob.id, "News", Some("news_join21"))
        .unwrap();
    w.control.post_as(w.bob.id, channel.id, "before").unwrap();
    w.alice.resolve_peer("@news_join21").await.unwrap();
    w.alice
        .invoke(&functions::channels::JoinChannel {
            channel: input_channel(&w.alice, channel.id),
        })
        .await
        .unwrap();
    // A broadcast channel's join carries no pts: the client asks for it.
    tokio::time::sleep(Duration::from_millis(300)).await;
    // The first post after the join is lost; the second shows the gap.
    w.control
        .inject_withhold_channel_updates(w.alice_id, channel.id, 1);
    for text in ["first", "second"] {
        w.control.post_as(w.bob.id, channel.id, text).unwrap();
    }
    let posts = next_posts(&mut w.stream, 2).await;
    assert_eq!(texts_in(&posts, channel.id), ["first", "second"]);
    assert_quiet(&mut w.stream).await;
}
