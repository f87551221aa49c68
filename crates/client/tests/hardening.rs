//! Protocol hardening, end to end against the local test server: a client
//! whose clock is wrong, requests whose answers are lost with the
//! connection, answers that never come or do not decode.

use std::path::PathBuf;
use std::time::Duration;

use paperplane::session::{BinaryFileBackend, SessionBackend};
use paperplane::tl::{enums, functions};
use paperplane::{Clock, InvocationError, TransportKind};

mod common;
use common::{WAIT, builder, login, server};

const TEN_MINUTES_BEHIND: i64 = -10 * 60 * 1000;
const AN_HOUR_AHEAD: i64 = 60 * 60 * 1000;

/// A fresh directory for one test's session file.
fn session_path(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "paperplane-hardening-{}-{name}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("bot.session")
}

/// A bot signs in and works with its clock `skew_ms` off.
async fn fresh_session_with_skew(skew_ms: i64) {
    let server = server().await;
    let (client, _s) = tokio::time::timeout(
        WAIT,
        builder(&server).clock(Clock::skewed(skew_ms)).connect(),
    )
    .await
    .expect("connects in time")
    .unwrap();
    let me = tokio::time::timeout(WAIT, client.bot_sign_in("777001:AAHskew"))
        .await
        .expect("signs in in time")
        .unwrap();
    assert_eq!(me.id(), 777001);
    let nearest = client
        .invoke(&functions::help::GetNearestDc {})
        .await
        .unwrap();
    let enums::NearestDc::NearestDc(nearest) = nearest;
    assert_eq!(nearest.this_dc, 2);
}

#[tokio::test]
async fn a_fresh_session_works_with_the_clock_ten_minutes_behind() {
    fresh_session_with_skew(TEN_MINUTES_BEHIND).await;
}

#[tokio::test]
async fn a_fresh_session_works_with_the_clock_an_hour_ahead() {
    fresh_session_with_skew(AN_HOUR_AHEAD).await;
}

/// A bot signs in with the machine's clock and saves its session; then the
/// clock is `skew_ms` off and the same session must still connect, and
/// the corrected offset is saved.
async fn saved_session_with_skew(skew_ms: i64, name: &str) {
    let server = server().await;
    let path = session_path(name);
    let (client, _s) = builder(&server).session(&path).connect().await.unwrap();
    let me = client.bot_sign_in("777002:AAHsaved").await.unwrap();
    client.save_session().await.unwrap();
    client.disconnect();
    drop(client);

    let (skewed, _s) = tokio::time::timeout(
        WAIT,
        builder(&server)
            .session(&path)
            .clock(Clock::skewed(skew_ms))
            .connect(),
    )
    .await
    .expect("connects in time")
    .unwrap();
    let again = tokio::time::timeout(WAIT, skewed.get_me())
        .await
        .expect("answered in time (not stuck on a wrong clock)")
        .unwrap();
    assert_eq!(again.id, me.id());
    assert_eq!(server.auth_key_count(), 1, "the saved key was used");
    skewed.save_session().await.unwrap();
    skewed.disconnect();

    // The offset the server taught is what the file now holds.
    let saved = BinaryFileBackend::new(&path)
        .load()
        .await
        .unwrap()
        .expect("saved");
    let offset = i64::from(saved.auth(2).expect("a key for dc 2").time_offset);
    assert!(
        (offset * 1000 + skew_ms).abs() <= 2000,
        "stored offset {offset} s for a clock {skew_ms} ms off"
    );
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

#[tokio::test]
async fn a_session_saved_at_the_true_clock_works_ten_minutes_behind() {
    saved_session_with_skew(TEN_MINUTES_BEHIND, "behind").await;
}

#[tokio::test]
async fn a_session_saved_at_the_true_clock_works_an_hour_ahead() {
    saved_session_with_skew(AN_HOUR_AHEAD, "ahead").await;
}

#[tokio::test]
async fn a_session_saved_at_the_true_clock_works_a_minute_behind() {
    // The case the server does not complain about (its window reaches 300 s
    // back) while the client sees the server 60 s in the future.
    saved_session_with_skew(-60 * 1000, "minute").await;
}

fn edit(peer: enums::InputPeer, id: i32, text: &str) -> functions::messages::EditMessage {
    functions::messages::EditMessage {
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
    }
}

#[tokio::test]
async fn an_edit_whose_answer_is_lost_is_executed_once_and_answered() {
    let server = server().await;
    let control = server.control();
    let (alice, _s) = builder(&server)
        .transport(TransportKind::Intermediate)
        .connect()
        .await
        .unwrap();
    login(&alice, "9996627001").await;
    let peer = alice.resolve_peer("me").await.unwrap();
    let sent = alice
        .send_message_to_peer(peer.clone(), "first")
        .await
        .unwrap();
    // The server edits, then the connection breaks before the answer gets
    // out. Executed again, the edit would fail with MESSAGE_NOT_MODIFIED.
    control.inject_drop_after_request("messages.editMessage", 1);
    let answer = tokio::time::timeout(
        WAIT,
        alice.invoke(&edit(alice.input_peer(&peer).unwrap(), sent.id(), "second")),
    )
    .await
    .expect("answered after the reconnect");
    assert!(answer.is_ok(), "{answer:?}");
    assert_eq!(control.executions("messages.editMessage"), 1);
}

#[tokio::test]
async fn a_read_mark_whose_answer_is_lost_is_executed_once() {
    let server = server().await;
    let control = server.control();
    let bob = control.add_user("9996627003", "Bob", None).unwrap();
    let (alice, _s) = builder(&server).connect().await.unwrap();
    let me = login(&alice, "9996627002").await;
    control
        .send_as(bob.id, &me.id().to_string(), "hello")
        .unwrap();
    let peer = alice.resolve_peer("+9996627003").await.unwrap();
    control.inject_drop_after_request("messages.readHistory", 1);
    let read = tokio::time::timeout(
        WAIT,
        alice.invoke(&functions::messages::ReadHistory {
            peer: alice.input_peer(&peer).unwrap(),
            max_id: 0,
        }),
    )
    .await
    .expect("answered after the reconnect")
    .unwrap();
    let enums::messages::AffectedMessages::AffectedMessages(read) = read;
    assert_eq!(read.pts_count, 1, "the answer of the one execution");
    assert_eq!(control.executions("messages.readHistory"), 1);
}

#[tokio::test]
async fn a_sign_in_whose_answer_is_lost_is_executed_once() {
    let server = server().await;
    let control = server.control();
    let (client, _s) = builder(&server).connect().await.unwrap();
    let token = client.request_login_code("9996627004").await.unwrap();
    control.inject_drop_after_request("auth.signIn", 1);
    let user = tokio::time::timeout(WAIT, client.sign_in(&token, "22222"))
        .await
        .expect("answered after the reconnect")
        .expect("signed in by the one execution");
    assert!(!user.is_bot());
    assert_eq!(control.executions("auth.signIn"), 1);
}

#[tokio::test]
async fn a_request_never_answered_fails_with_a_timeout() {
    let server = server().await;
    let (client, _s) = builder(&server)
        .request_timeout(Duration::from_millis(1500))
        .connect()
        .await
        .unwrap();
    server.control().inject_silence("help.getNearestDc", 1);
    let outcome = tokio::time::timeout(WAIT, client.invoke(&functions::help::GetNearestDc {}))
        .await
        .expect("the caller is not left waiting");
    assert!(
        matches!(outcome, Err(InvocationError::Timeout(_))),
        "{outcome:?}"
    );
    // The connection is fine; the next call is answered.
    client
        .invoke(&functions::help::GetNearestDc {})
        .await
        .unwrap();
}

#[tokio::test]
async fn an_answer_that_does_not_decode_names_its_constructor() {
    let server = server().await;
    let (client, _s) = builder(&server).connect().await.unwrap();
    server
        .control()
        .inject_undecodable_answer("help.getNearestDc", 1);
    let outcome = tokio::time::timeout(WAIT, client.invoke(&functions::help::GetNearestDc {}))
        .await
        .expect("the caller is not left waiting");
    let error = outcome.unwrap_err();
    assert!(
        matches!(
            error,
            InvocationError::Deserialize {
                constructor: Some(0xdead_beef),
                ..
            }
        ),
        "{error:?}"
    );
    assert!(error.to_string().contains("0xdeadbeef"), "{error}");
}

#[tokio::test]
async fn a_clock_that_jumps_back_mid_session_loses_nothing() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicI64, Ordering};

    let server = server().await;
    let control = server.control();
    let bob = control.add_user("9996627301", "Bob", None).unwrap();
    let skew = Arc::new(AtomicI64::new(0));
    let read = skew.clone();
    let clock = Clock::from_fn(move || Clock::system().now_ms() + read.load(Ordering::Relaxed));
    let (alice, _s) = builder(&server).clock(clock).connect().await.unwrap();
    let me = login(&alice, "9996627302").await;
    let mut stream = alice.stream_updates();
    let to = me.id().to_string();
    control.send_as(bob.id, &to, "before").unwrap();
    assert_eq!(next_text(&mut stream).await, "before");

    // NTP steps the machine's clock back ten minutes.
    skew.store(TEN_MINUTES_BEHIND, Ordering::Relaxed);
    // A push now looks ten minutes early to the client and is refused;
    // the client must notice, fix its clock and fetch it.
    control.send_as(bob.id, &to, "after the jump").unwrap();
    assert_eq!(next_text(&mut stream).await, "after the jump");
    // Requests keep working.
    tokio::time::timeout(WAIT, alice.get_me())
        .await
        .expect("answered after the jump")
        .unwrap();
}

/// The text of the next new message on `stream`.
async fn next_text(stream: &mut paperplane::UpdateStream) -> String {
    loop {
        match tokio::time::timeout(WAIT, stream.next()).await {
            Ok(Some(paperplane::Update::NewMessage(m))) => {
                return m.text().unwrap_or_default().to_owned();
            }
            Ok(Some(_)) => {}
            other => panic!("no message: {other:?}"),
        }
    }
}

#[tokio::test]
async fn pinned_dc_addresses_win_over_the_servers_configuration() {
    use paperplane_testserver::fault_proxy::FaultProxy;

    let server = server().await;
    let any = "127.0.0.1:0".parse().unwrap();
    let dc2 = FaultProxy::start(any, server.dc(2).unwrap(), 1)
        .await
        .unwrap();
    let dc3 = FaultProxy::start(any, server.dc(3).unwrap(), 2)
        .await
        .unwrap();
    let (client, _s) = builder(&server)
        .dc_address(2, dc2.addr().to_string())
        .dc_address(3, dc3.addr().to_string())
        .connect()
        .await
        .unwrap();
    // A DC 3 number: PHONE_MIGRATE_3, and DC 3 is reached through its
    // proxy although help.getConfig names the server's own port.
    login(&client, "9996637401").await;
    assert_eq!(client.home_dc(), 3);
    assert!(dc2.counts().connections >= 1);
    assert!(dc3.counts().connections >= 1, "DC 3 was reached directly");
}

/// The machine's Unix time in seconds.
fn real_now() -> i64 {
    paperplane_testserver::unix_now()
}

/// Asserts `date` is the machine's time plus `skew` seconds (give or take
/// a minute): the server stamped it with its skewed clock.
fn assert_dated(date: i32, skew: i64, what: &str) {
    let off = i64::from(date) - real_now();
    assert!(
        (off - skew).abs() <= 60,
        "{what}: dated {off} s from now, the server's clock is {skew} s off"
    );
}

/// The next message someone else sent on `stream`.
async fn next_incoming(stream: &mut paperplane::UpdateStream) -> paperplane::IncomingMessage {
    loop {
        match tokio::time::timeout(WAIT, stream.next()).await {
            Ok(Some(paperplane::Update::NewMessage(m))) if !m.outgoing() => return m,
            Ok(Some(_)) => {}
            other => panic!("no message: {other:?}"),
        }
    }
}

/// The clock offset `client`'s saved session at `path` holds for DC 2.
async fn saved_offset(client: &paperplane::Client, path: &std::path::Path) -> i64 {
    client.save_session().await.unwrap();
    let saved = BinaryFileBackend::new(path)
        .load()
        .await
        .unwrap()
        .expect("saved");
    i64::from(saved.auth(2).expect("a key for dc 2").time_offset)
}

/// One round with the server's clock `skew` seconds off: a request is
/// answered once, a message Bob sends arrives once (dated by the server's
/// clock) and one Alice sends is stored once.
async fn round_at(
    control: &paperplane_testserver::Control,
    alice: &paperplane::Client,
    stream: &mut paperplane::UpdateStream,
    (alice_id, bob_id): (i64, i64),
    skew: i64,
    text: &str,
) {
    let before = control.executions("users.getUsers");
    tokio::time::timeout(WAIT, alice.get_me())
        .await
        .unwrap_or_else(|_| panic!("{text}: get_me not answered"))
        .unwrap();
    assert_eq!(control.executions("users.getUsers") - before, 1, "{text}");

    let sent = control
        .send_as(bob_id, &alice_id.to_string(), text)
        .unwrap();
    assert_dated(sent.date, skew, text);
    let got = next_incoming(stream).await;
    assert_eq!(got.text(), Some(text), "in order, none repeated");
    assert_dated(got.date(), skew, text);

    let bob = alice.resolve_peer(&bob_id.to_string()).await.unwrap();
    let before = control.executions("messages.sendMessage");
    let reply = format!("re: {text}");
    let mine = tokio::time::timeout(WAIT, alice.send_message_to_peer(bob, reply.as_str()))
        .await
        .unwrap_or_else(|_| panic!("{text}: send not answered"))
        .unwrap();
    assert_eq!(control.executions("messages.sendMessage") - before, 1);
    assert_dated(mine.date(), skew, &reply);
    let copies = control
        .messages_of(bob_id)
        .iter()
        .filter(|m| m.text == reply)
        .count();
    assert_eq!(copies, 1, "{reply} stored once");
}

#[tokio::test]
async fn a_logged_in_client_follows_the_servers_clock_jumping_ahead_and_back() {
    let server = server().await;
    let control = server.control();
    let bob = control.add_user("9996627311", "Bob", None).unwrap();
    let path = session_path("server-clock");
    let (alice, _s) = builder(&server).session(&path).connect().await.unwrap();
    let me = login(&alice, "9996627312").await;
    let ids = (me.id(), bob.id);
    let mut stream = alice.stream_updates();
    round_at(&control, &alice, &mut stream, ids, 0, "on time").await;
    assert!(saved_offset(&alice, &path).await.abs() <= 2);

    // The server's clock jumps an hour ahead mid-session: the client's
    // next message is refused as too old (16), it learns the server's
    // time from the refusal and carries on.
    control.skew_clock(3600);
    round_at(&control, &alice, &mut stream, ids, 3600, "an hour ahead").await;
    let offset = saved_offset(&alice, &path).await;
    assert!((offset - 3600).abs() <= 2, "offset {offset} s");

    // Then it steps back ten minutes. Dates follow it at once; the
    // session's msg_ids cannot go back, so the client keeps the time it
    // learnt until the server's clock catches up.
    control.skew_clock(3000);
    round_at(&control, &alice, &mut stream, ids, 3000, "ten minutes back").await;
    let offset = saved_offset(&alice, &path).await;
    assert!((offset - 3600).abs() <= 2, "offset {offset} s");

    // And right again: dates at once, the session's ids once its clock
    // has caught up.
    control.clear_clock_skew();
    round_at(&control, &alice, &mut stream, ids, 0, "right again").await;
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

#[tokio::test]
async fn a_server_clock_jumping_about_between_reconnects_loses_nothing() {
    let server = server().await;
    let control = server.control();
    let bob = control.add_user("9996627331", "Bob", None).unwrap();
    let (alice, _s) = builder(&server).connect().await.unwrap();
    let me = login(&alice, "9996627332").await;
    let ids = (me.id(), bob.id);
    let mut stream = alice.stream_updates();
    // Steps of more than a session's idle time, ahead and back, with the
    // connection dropped after each: the session must stay usable (its
    // ids never going back), and if the server forgot it, the client must
    // follow the new one, numbered below what it saw.
    for (n, skew) in [3600, -600, 100, 3000, 0].into_iter().enumerate() {
        control.skew_clock(skew);
        control.drop_connections();
        let text = format!("step {n}: {skew} s");
        round_at(&control, &alice, &mut stream, ids, skew, &text).await;
    }
}

/// A client with a right clock and no saved session logs in to a server
/// whose clock is `skew` seconds off, and learns the server's time.
async fn fresh_login_to_a_skewed_server(skew: i64, name: &str) {
    let server = server().await;
    let control = server.control();
    control.skew_clock(skew);
    let bob = control.add_user("9996627321", "Bob", None).unwrap();
    let path = session_path(name);
    let (alice, _s) = tokio::time::timeout(WAIT, builder(&server).session(&path).connect())
        .await
        .expect("connects in time")
        .unwrap();
    let me = tokio::time::timeout(WAIT, login(&alice, "9996627322"))
        .await
        .expect("logs in in time");
    let offset = saved_offset(&alice, &path).await;
    assert!(
        (offset - skew).abs() <= 2,
        "offset {offset} s, skew {skew} s"
    );
    let mut stream = alice.stream_updates();
    round_at(&control, &alice, &mut stream, (me.id(), bob.id), skew, name).await;
    let _ = std::fs::remove_dir_all(path.parent().unwrap());
}

#[tokio::test]
async fn a_fresh_client_logs_in_to_a_server_an_hour_ahead() {
    fresh_login_to_a_skewed_server(3600, "server-ahead").await;
}

#[tokio::test]
async fn a_fresh_client_logs_in_to_a_server_ten_minutes_behind() {
    fresh_login_to_a_skewed_server(-600, "server-behind").await;
}
