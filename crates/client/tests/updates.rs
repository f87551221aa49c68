//! Updates survive what the network and the server do to them: withheld
//! pushes (a pts gap), `updatesTooLong`; each delivered once, in order.

use std::time::Duration;

use paperplane::Update;

mod common;
use common::{WAIT, builder, login, server};

/// The texts of the next `n` new messages on `stream`.
async fn next_texts(stream: &mut paperplane::UpdateStream, n: usize) -> Vec<String> {
    let mut texts = Vec::new();
    while texts.len() < n {
        match tokio::time::timeout(WAIT, stream.next()).await {
            Ok(Some(Update::NewMessage(m))) => texts.push(m.text().unwrap_or_default().to_owned()),
            Ok(Some(_)) => {}
            Ok(None) => panic!("the stream ended"),
            Err(_) => panic!("only {texts:?} arrived"),
        }
    }
    texts
}

/// Nothing more arrives on `stream` for a while.
async fn assert_quiet(stream: &mut paperplane::UpdateStream) {
    if let Ok(Some(Update::NewMessage(m))) =
        tokio::time::timeout(Duration::from_millis(700), stream.next()).await
    {
        panic!("delivered again: {:?}", m.text());
    }
}

#[tokio::test]
async fn withheld_updates_are_fetched_and_delivered_once_in_order() {
    let server = server().await;
    let control = server.control();
    let bob = control.add_user("9996627101", "Bob", None).unwrap();
    let (alice, _s) = builder(&server).connect().await.unwrap();
    let me = login(&alice, "9996627102").await;
    let mut stream = alice.stream_updates();
    let to = me.id().to_string();
    control.send_as(bob.id, &to, "one").unwrap();
    assert_eq!(next_texts(&mut stream, 1).await, ["one"]);
    // The next two are never pushed: the third shows the gap.
    control.inject_withhold_updates(me.id(), 2);
    for text in ["two", "three", "four"] {
        control.send_as(bob.id, &to, text).unwrap();
    }
    assert_eq!(next_texts(&mut stream, 3).await, ["two", "three", "four"]);
    assert_quiet(&mut stream).await;
}

#[tokio::test]
async fn updates_too_long_makes_the_client_fetch_what_it_missed() {
    let server = server().await;
    let control = server.control();
    let bob = control.add_user("9996627103", "Bob", None).unwrap();
    let (alice, _s) = builder(&server).connect().await.unwrap();
    let me = login(&alice, "9996627104").await;
    let mut stream = alice.stream_updates();
    control.inject_withhold_updates(me.id(), 1);
    control
        .send_as(bob.id, &me.id().to_string(), "missed")
        .unwrap();
    control.push_updates_too_long(me.id());
    assert_eq!(next_texts(&mut stream, 1).await, ["missed"]);
    assert_quiet(&mut stream).await;
}

#[tokio::test]
async fn updates_pushed_out_of_order_are_delivered_in_order() {
    let server = server().await;
    let control = server.control();
    let bob = control.add_user("9996627105", "Bob", None).unwrap();
    let (alice, _s) = builder(&server).connect().await.unwrap();
    let me = login(&alice, "9996627106").await;
    let mut stream = alice.stream_updates();
    // Each early update waits 200 ms for the one before it: well within
    // the 500 ms an out-of-order update is held.
    control.inject_swap_updates(me.id(), 2, Duration::from_millis(200));
    let to = me.id().to_string();
    let texts = ["a", "b", "c", "d", "e"];
    for text in texts {
        control.send_as(bob.id, &to, text).unwrap();
    }
    assert_eq!(next_texts(&mut stream, 5).await, texts);
    assert_quiet(&mut stream).await;
    // Put back in order by holding, not by fetching the difference.
    assert_eq!(control.executions("updates.getDifference"), 0);
}

#[tokio::test]
async fn a_revoked_login_ends_the_stream_with_the_error() {
    let server = server().await;
    let control = server.control();
    let (alice, _s) = builder(&server).connect().await.unwrap();
    let me = login(&alice, "9996627107").await;
    let mut stream = alice.stream_updates();
    control.inject_error("updates.getDifference", 401, "AUTH_KEY_UNREGISTERED", 1);
    control.push_updates_too_long(me.id());
    loop {
        match tokio::time::timeout(WAIT, stream.next()).await {
            Ok(Some(Update::Fatal(error))) => {
                assert!(error.is("AUTH_KEY_UNREGISTERED"), "{error}");
                break;
            }
            Ok(Some(_)) => {}
            other => panic!("no fatal update: {other:?}"),
        }
    }
    let end = tokio::time::timeout(WAIT, stream.next()).await;
    assert!(matches!(end, Ok(None)), "the stream ends after it");
}

#[tokio::test]
async fn a_full_backlog_leaves_updates_on_the_server_and_drops_none() {
    let server = server().await;
    let control = server.control();
    let bob = control.add_user("9996627108", "Bob", None).unwrap();
    let (alice, _s) = builder(&server).connect().await.unwrap();
    let me = login(&alice, "9996627109").await;
    // Nobody listens while more than the backlog's 10,000 arrive.
    let total = 10_100;
    let to = me.id().to_string();
    for i in 0..total {
        control.send_as(bob.id, &to, &format!("m{i}")).unwrap();
    }
    // Let the pushes land (the first 10,000 in the backlog).
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mut stream = alice.stream_updates();
    let got = next_texts(&mut stream, total).await;
    let want: Vec<String> = (0..total).map(|i| format!("m{i}")).collect();
    assert!(got == want, "out of order or missing");
    assert_quiet(&mut stream).await;
}

#[tokio::test]
async fn a_slow_stream_holds_updates_on_the_server_not_in_memory() {
    let server = server().await;
    let control = server.control();
    let bob = control.add_user("9996627120", "Bob", None).unwrap();
    let limit = 200;
    let (alice, _s) = builder(&server)
        .update_queue_limit(limit)
        .connect()
        .await
        .unwrap();
    let me = login(&alice, "9996627121").await;
    let mut stream = alice.stream_updates();
    let total = 3_000;
    let to = me.id().to_string();
    for i in 0..total {
        control.send_as(bob.id, &to, &format!("m{i}")).unwrap();
    }
    // Nobody reads while they are pushed: the client stops at the limit.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert!(
        stream.unread() <= limit,
        "{} unread with a limit of {limit}",
        stream.unread()
    );
    let got = next_texts(&mut stream, total).await;
    let want: Vec<String> = (0..total).map(|i| format!("m{i}")).collect();
    assert!(got == want, "out of order or missing");
    assert_quiet(&mut stream).await;
}

#[tokio::test]
async fn a_slow_stream_puts_off_the_next_slice_of_a_difference() {
    let server = server().await;
    let control = server.control();
    let bob = control.add_user("9996627122", "Bob", None).unwrap();
    let limit = 200;
    let (alice, _s) = builder(&server)
        .update_queue_limit(limit)
        .connect()
        .await
        .unwrap();
    let me = login(&alice, "9996627123").await;
    let mut stream = alice.stream_updates();
    // A gap of 4,000: fetched in slices of 1,000 by getDifference.
    let total = 4_001;
    control.inject_withhold_updates(me.id(), total as u32 - 1);
    let to = me.id().to_string();
    for i in 0..total {
        control.send_as(bob.id, &to, &format!("m{i}")).unwrap();
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    // One slice came in; the next waits until the stream is read.
    let unread = stream.unread();
    assert!(unread <= limit + 1_000, "{unread} unread");
    let got = next_texts(&mut stream, total).await;
    let want: Vec<String> = (0..total).map(|i| format!("m{i}")).collect();
    assert!(got == want, "out of order or missing");
    assert_quiet(&mut stream).await;
}

#[tokio::test]
async fn a_short_message_from_an_unknown_sender_is_fetched_with_the_sender() {
    let server = server().await;
    let control = server.control();
    let bob = control.add_user("9996627124", "Bob", None).unwrap();
    let (alice, _s) = builder(&server).connect().await.unwrap();
    let me = login(&alice, "9996627125").await;
    let mut stream = alice.stream_updates();
    // updateShortMessage names Bob by id alone, and Alice never saw him.
    control.push_short_forms_always(true);
    control.send_as(bob.id, &me.id().to_string(), "hi").unwrap();
    assert_eq!(next_texts(&mut stream, 1).await, ["hi"]);
    assert_quiet(&mut stream).await;
    assert_eq!(control.executions("updates.getDifference"), 1);
    // The difference brought Bob's access hash: Alice can answer him.
    let bob_peer = paperplane::tl::types::PeerUser { user_id: bob.id }.into();
    tokio::time::timeout(WAIT, alice.send_message_to_peer(bob_peer, "hello"))
        .await
        .unwrap()
        .unwrap();
    assert!(
        control
            .messages_of(bob.id)
            .iter()
            .any(|m| m.text == "hello")
    );
}

/// What a bot's qts event says, in short.
#[derive(Debug, PartialEq, Eq)]
enum BotEvent {
    /// `updateBotStopped`: blocked (`true`) or unblocked by `user`.
    Stopped { user: i64, stopped: bool },
    /// `updateChannelParticipant`: `user` joined (`true`) or left `channel`.
    Member {
        channel: i64,
        user: i64,
        joined: bool,
    },
}

/// The next `n` qts events on `stream`, with their qts.
async fn next_bot_events(stream: &mut paperplane::UpdateStream, n: usize) -> Vec<(i32, BotEvent)> {
    use paperplane::tl::enums::Update as U;
    let mut events = Vec::new();
    while events.len() < n {
        let update = match tokio::time::timeout(WAIT, stream.next()).await {
            Ok(Some(Update::Raw(update))) => *update,
            Ok(Some(_)) => continue,
            Ok(None) => panic!("the stream ended"),
            Err(_) => panic!("only {events:?} arrived"),
        };
        match update {
            U::BotStopped(u) => events.push((
                u.qts,
                BotEvent::Stopped {
                    user: u.user_id,
                    stopped: u.stopped,
                },
            )),
            U::ChannelParticipant(u) => events.push((
                u.qts,
                BotEvent::Member {
                    channel: u.channel_id,
                    user: u.user_id,
                    joined: u.new_participant.is_some(),
                },
            )),
            _ => {}
        }
    }
    events
}

/// No qts event arrives on `stream` for a while.
async fn assert_no_bot_event(stream: &mut paperplane::UpdateStream) {
    let deadline = tokio::time::Instant::now() + Duration::from_millis(700);
    while let Ok(Some(update)) = tokio::time::timeout_at(deadline, stream.next()).await {
        if let Update::Raw(u) = &update {
            use paperplane::tl::enums::Update as U;
            if matches!(**u, U::BotStopped(_) | U::ChannelParticipant(_)) {
                panic!("delivered again or unexpected: {u:?}");
            }
        }
    }
}

/// `contacts.block` (or `contacts.unblock`) of `peer` by `client`.
async fn block(
    client: &paperplane::Client,
    peer: &paperplane::tl::enums::InputPeer,
    blocked: bool,
) -> bool {
    use paperplane::tl::functions::contacts;
    let id = peer.clone();
    let answer = match blocked {
        true => {
            client
                .invoke(&contacts::Block {
                    my_stories_from: false,
                    id,
                })
                .await
        }
        false => {
            client
                .invoke(&contacts::Unblock {
                    my_stories_from: false,
                    id,
                })
                .await
        }
    };
    answer.unwrap()
}

#[tokio::test]
async fn withheld_bot_events_are_fetched_by_qts_once_and_in_order() {
    let server = server().await;
    let control = server.control();
    let dave = control.add_user("9996627110", "Dave", None).unwrap();
    let token = "7001:qts-secret";
    control.add_bot("qts_bot", token).unwrap();
    let (bot, _b) = builder(&server).connect().await.unwrap();
    let bot_id = bot.bot_sign_in(token).await.unwrap().id();
    let mut stream = bot.stream_updates();

    // Carol blocks the bot over the protocol: it is stopped (qts 1).
    let (carol, _c) = builder(&server).connect().await.unwrap();
    let carol_id = login(&carol, "9996627111").await.id();
    let peer = carol.resolve_peer("@qts_bot").await.unwrap();
    let input = carol.input_peer(&peer).unwrap();
    assert!(block(&carol, &input, true).await);
    let stopped = |stopped| BotEvent::Stopped {
        user: carol_id,
        stopped,
    };
    assert_eq!(next_bot_events(&mut stream, 1).await, [(1, stopped(true))]);

    // The next two are never pushed; the bot's addition to a supergroup
    // (qts 4) shows the gap.
    control.inject_withhold_updates(bot_id, 2);
    assert!(block(&carol, &input, false).await);
    assert!(block(&carol, &input, true).await);
    let group = control
        .create_supergroup(dave.id, "Bots welcome", None)
        .unwrap();
    control.add_channel_member(group.id, bot_id).unwrap();
    let joined = BotEvent::Member {
        channel: group.id,
        user: bot_id,
        joined: true,
    };
    assert_eq!(
        next_bot_events(&mut stream, 3).await,
        [(2, stopped(false)), (3, stopped(true)), (4, joined)]
    );
    assert_no_bot_event(&mut stream).await;
    assert!(control.executions("updates.getDifference") >= 1);
    assert_eq!(control.update_counters(bot_id).1, 4);
}

#[tokio::test]
async fn a_withheld_numbered_push_is_a_seq_gap_and_is_recovered() {
    let server = server().await;
    let control = server.control();
    let bob = control
        .add_user("9996627112", "Bob", Some("bob_seq"))
        .unwrap();
    let (alice, _s) = builder(&server).connect().await.unwrap();
    let me = login(&alice, "9996627113").await;
    let mut stream = alice.stream_updates();
    alice.send_message("@bob_seq", "hi").await.unwrap();
    // Alice's addition to a group is numbered on her seq and never
    // pushed; it has no pts, so only the seq can tell it is missing.
    control.inject_withhold_updates(me.id(), 1);
    let group = control.create_supergroup(bob.id, "Group", None).unwrap();
    control.add_channel_member(group.id, me.id()).unwrap();
    let seq_before = control.update_counters(me.id()).2;
    // Bob reads "hi": the next seq, and the next pts, which alone would
    // not show any gap.
    control.read_as(bob.id, &me.id().to_string()).unwrap();
    assert_eq!(control.update_counters(me.id()).2, seq_before + 1);
    let mut reads = 0;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
    while let Ok(Some(update)) = tokio::time::timeout_at(deadline, stream.next()).await {
        if let Update::Raw(u) = &update {
            if let paperplane::tl::enums::Update::ReadHistoryOutbox(r) = &**u {
                assert_eq!(
                    r.peer,
                    paperplane::tl::types::PeerUser { user_id: bob.id }.into()
                );
                reads += 1;
            }
        }
    }
    assert_eq!(reads, 1, "the read arrives exactly once");
    // The gap was seen by its seq and filled with the difference.
    assert_eq!(control.executions("updates.getDifference"), 1);
}

#[tokio::test]
async fn a_lost_last_update_is_found_when_the_account_stays_silent() {
    let server = server().await;
    let control = server.control();
    let bob = control.add_user("9996627126", "Bob", None).unwrap();
    let (alice, _s) = builder(&server)
        .update_idle_timeout(Duration::from_secs(1))
        .connect()
        .await
        .unwrap();
    let me = login(&alice, "9996627127").await;
    let mut stream = alice.stream_updates();
    // Never pushed, and nothing after it shows the gap.
    control.inject_withhold_updates(me.id(), 1);
    control
        .send_as(bob.id, &me.id().to_string(), "last")
        .unwrap();
    assert_eq!(next_texts(&mut stream, 1).await, ["last"]);
    assert_quiet(&mut stream).await;
}
