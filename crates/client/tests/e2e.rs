//! The client against the local test server, over TCP loopback with the
//! real key exchange, encryption and framing.

use std::sync::Arc;
use std::time::{Duration, Instant};

use paperplane::retry::NoRetries;
use paperplane::tl::{enums, functions};
use paperplane::{Client, ClientBuilder, QrLogin, SignInError, TransportKind, Update};
use paperplane_testserver::Options;

mod common;
use common::{WAIT, builder, login, server, server_with};

#[tokio::test]
async fn bot_quickstart_echoes_a_simulated_user() {
    let server = server_with(Options {
        bots: vec![("echo_bot".into(), "123456:AAHecho".into())],
        ..Options::default()
    })
    .await;
    let control = server.control();
    let alice = control
        .add_user("9996621111", "Alice", Some("alice"))
        .unwrap();

    let (client, _shutdown) = builder(&server).connect().await.unwrap();
    let me = client.bot_sign_in("123456:AAHecho").await.unwrap();
    assert_eq!(me.id(), 123456);
    assert!(me.is_bot());

    let bot = client.clone();
    let echo = tokio::spawn(async move {
        let mut stream = bot.stream_updates();
        while let Some(upd) = stream.next().await {
            if let Update::NewMessage(msg) = upd {
                if !msg.outgoing() {
                    msg.reply(msg.text().unwrap_or_default()).await.ok();
                }
            }
        }
    });

    control
        .send_as(alice.id, "@echo_bot", "hello, bot")
        .unwrap();
    let echoed = control
        .wait_message(alice.id, |m| !m.out && m.from_user_id == 123456, WAIT)
        .await
        .expect("the bot answered");
    assert_eq!(echoed.text, "hello, bot");
    client.disconnect();
    let _ = tokio::time::timeout(WAIT, echo).await;
}

#[tokio::test]
async fn user_logs_in_with_a_code_and_talks() {
    let server = server().await;
    let (client, _shutdown) = builder(&server).connect().await.unwrap();
    assert!(!client.is_authorized().await.unwrap());

    let token = client.request_login_code("+9996621234").await.unwrap();
    assert!(matches!(
        client.sign_in(&token, "12345").await,
        Err(SignInError::InvalidCode)
    ));
    let me = client.sign_in(&token, "22222").await.unwrap();
    assert!(client.is_authorized().await.unwrap());
    assert_eq!(client.get_me().await.unwrap().id, me.id());

    client.send_message("me", "note to self").await.unwrap();
    let saved = server.control().messages_of(me.id());
    assert!(saved.iter().any(|m| m.text == "note to self"));

    // Another person writes: the update arrives on the stream.
    let bob = server
        .control()
        .add_user("9996625555", "Bob", Some("bobby_b"))
        .unwrap();
    let mut stream = client.stream_updates();
    server
        .control()
        .send_as(bob.id, &me.id().to_string(), "hi there")
        .unwrap();
    let msg = next_incoming(&mut stream).await;
    assert_eq!(msg.text(), Some("hi there"));
    assert_eq!(
        msg.sender_id(),
        Some(&enums::Peer::User(paperplane::tl::types::PeerUser {
            user_id: bob.id
        }))
    );
    // Bob came with his access hash: his id now resolves from the cache.
    assert_eq!(
        client.resolve_peer(&bob.id.to_string()).await.unwrap(),
        enums::Peer::User(paperplane::tl::types::PeerUser { user_id: bob.id })
    );
    assert!(
        client
            .resolve_peer("@nobody_here")
            .await
            .unwrap_err()
            .is("USERNAME_NOT_OCCUPIED")
    );
    // And we can answer by username, resolved on the server.
    client.send_message("@bobby_b", "hello bob").await.unwrap();
    let got = server
        .control()
        .wait_message(bob.id, |m| m.text == "hello bob" && !m.out, WAIT)
        .await;
    assert!(got.is_some());
}

async fn next_incoming(stream: &mut paperplane::UpdateStream) -> paperplane::IncomingMessage {
    loop {
        let update = tokio::time::timeout(WAIT, stream.next())
            .await
            .expect("an update in time")
            .expect("stream open");
        if let Update::NewMessage(msg) = update {
            if !msg.outgoing() {
                return msg;
            }
        }
    }
}

#[tokio::test]
async fn two_step_password() {
    let server = server().await;
    let user = server
        .control()
        .add_user("9996627777", "Carol", None)
        .unwrap();
    server
        .control()
        .set_password(user.id, "correct horse", Some("horse"))
        .unwrap();
    let (client, _shutdown) = builder(&server).connect().await.unwrap();
    let token = client.request_login_code("9996627777").await.unwrap();
    let password = match client.sign_in(&token, "22222").await {
        Err(SignInError::PasswordRequired(t)) => t,
        other => panic!("expected a password request, got {other:?}"),
    };
    assert_eq!(password.hint(), Some("horse"));
    let wrong = client
        .check_password((*password).clone(), "battery staple")
        .await
        .unwrap_err();
    assert!(wrong.is("PASSWORD_HASH_INVALID"), "{wrong}");
    // A fresh SRP challenge for the second try.
    let token = client.request_login_code("9996627777").await.unwrap();
    let Err(SignInError::PasswordRequired(password)) = client.sign_in(&token, "22222").await else {
        panic!("expected a password request");
    };
    let me = client
        .check_password(*password, "correct horse")
        .await
        .unwrap();
    assert_eq!(me.id(), user.id);
}

#[tokio::test]
async fn qr_login_approved_by_another_session() {
    let server = server().await;
    let (phone, _s1) = builder(&server).connect().await.unwrap();
    let me = login(&phone, "9996623333").await;

    let (desktop, _s2) = builder(&server).connect().await.unwrap();
    let QrLogin::Pending { token, .. } = desktop.qr_login().await.unwrap() else {
        panic!("expected a token to show");
    };
    phone.accept_login_token(&token).await.unwrap();
    let QrLogin::Done(user) = desktop.qr_login().await.unwrap() else {
        panic!("expected the login to be done");
    };
    assert_eq!(user.id(), me.id());
    assert!(desktop.is_authorized().await.unwrap());
}

#[tokio::test]
async fn phone_migrate_moves_home() {
    let server = server().await;
    let (client, _shutdown) = builder(&server).connect().await.unwrap();
    assert_eq!(client.home_dc(), 2);
    let me = login(&client, "9996641234").await;
    assert_eq!(client.home_dc(), 4);
    client.send_message("me", "from dc 4").await.unwrap();
    assert!(
        server
            .control()
            .messages_of(me.id())
            .iter()
            .any(|m| m.text == "from dc 4")
    );
    // A request aimed at another DC carries the login there.
    let enums::NearestDc::NearestDc(n) = client
        .invoke_on_dc(2, &functions::help::GetNearestDc {})
        .await
        .unwrap();
    assert_eq!(n.this_dc, 2);
    let users = client
        .invoke_on_dc(
            1,
            &functions::users::GetUsers {
                id: vec![enums::InputUser::InputUserSelf],
            },
        )
        .await
        .unwrap();
    assert_eq!(users.len(), 1);
}

#[tokio::test]
async fn file_session_is_reused_without_a_new_login() {
    let server = server().await;
    let dir = std::env::temp_dir().join(format!("paperplane-e2e-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("user.session");
    let _ = std::fs::remove_file(&path);

    let (client, _s) = builder(&server).session(&path).connect().await.unwrap();
    let me = login(&client, "9996632222").await;
    client.save_session().await.unwrap();
    let keys = server.auth_key_count();
    client.disconnect();
    drop(client);

    let (again, _s) = builder(&server).session(&path).connect().await.unwrap();
    assert!(again.is_authorized().await.unwrap());
    assert_eq!(again.get_me().await.unwrap().id, me.id());
    assert_eq!(again.home_dc(), 3);
    assert_eq!(server.auth_key_count(), keys, "no new key was made");
    again.disconnect();
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn string_session_is_reused_without_a_new_login() {
    let server = server().await;
    let (client, _s) = builder(&server).connect().await.unwrap();
    let me = login(&client, "9996624444").await;
    let exported = client.export_session_string().await.unwrap();
    client.disconnect();

    let (again, _s) = builder(&server)
        .session_string(exported)
        .connect()
        .await
        .unwrap();
    assert_eq!(again.get_me().await.unwrap().id, me.id());

    let broken = builder(&server)
        .session_string("not a session")
        .connect()
        .await;
    assert!(broken.is_err());
}

#[tokio::test]
async fn flood_wait_is_slept_through_or_surfaced() {
    let server = server().await;
    let (client, _s) = builder(&server).connect().await.unwrap();
    server
        .control()
        .inject_flood_wait("help.getNearestDc", 1, 1);
    let started = Instant::now();
    client
        .invoke(&functions::help::GetNearestDc {})
        .await
        .unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1));

    let (strict, _s) = builder(&server)
        .retry_policy(Arc::new(NoRetries))
        .connect()
        .await
        .unwrap();
    server
        .control()
        .inject_flood_wait("help.getNearestDc", 7, 1);
    let err = strict
        .invoke(&functions::help::GetNearestDc {})
        .await
        .unwrap_err();
    let rpc = err.rpc().expect("an rpc error");
    assert_eq!(
        (rpc.code, rpc.name.as_str(), rpc.value),
        (420, "FLOOD_WAIT", Some(7))
    );
}

#[tokio::test]
async fn a_request_cut_off_mid_flight_is_answered_once() {
    let server = server().await;
    let (client, _s) = builder(&server)
        .transport(TransportKind::Intermediate)
        .connect()
        .await
        .unwrap();
    let me = login(&client, "9996625656").await;
    server
        .control()
        .inject_drop_after_request("messages.sendMessage", 1);
    // Answered after the reconnect, by the resend (a lost request would
    // never be answered: the timeout turns that into a failure).
    tokio::time::timeout(WAIT, client.send_message("me", "exactly once"))
        .await
        .expect("answered after the reconnect")
        .unwrap();
    let copies = server
        .control()
        .messages_of(me.id())
        .into_iter()
        .filter(|m| m.text == "exactly once")
        .count();
    assert_eq!(copies, 1);
}

#[tokio::test]
async fn edits_and_deletions_reach_the_stream() {
    let server = server().await;
    let (alice, _s1) = builder(&server).connect().await.unwrap();
    let (bob, _s2) = builder(&server).connect().await.unwrap();
    let a = login(&alice, "9996621010").await;
    let _b = login(&bob, "9996622020").await;
    let mut stream = bob.stream_updates();

    let peer = alice.resolve_peer("+9996622020").await.unwrap();
    let sent = alice
        .send_message_to_peer(peer.clone(), "first draft")
        .await
        .unwrap();
    let got = next_incoming(&mut stream).await;
    assert_eq!(got.text(), Some("first draft"));

    alice
        .invoke(&functions::messages::EditMessage {
            no_webpage: false,
            invert_media: false,
            peer: alice.input_peer(&peer).unwrap(),
            id: sent.id(),
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
    alice
        .invoke(&functions::messages::DeleteMessages {
            revoke: true,
            id: vec![sent.id()],
        })
        .await
        .unwrap();
    let mut edited = None;
    let mut deleted = None;
    while edited.is_none() || deleted.is_none() {
        match tokio::time::timeout(WAIT, stream.next())
            .await
            .unwrap()
            .unwrap()
        {
            Update::MessageEdited(m) => edited = Some(m),
            Update::MessageDeleted(d) => deleted = Some(d),
            _ => {}
        }
    }
    let edited = edited.unwrap();
    assert_eq!((edited.id(), edited.text()), (got.id(), Some("final")));
    assert_eq!(deleted.unwrap().message_ids, vec![got.id()]);
    let _ = a;
}

#[tokio::test]
async fn missed_updates_are_caught_up() {
    let server = server().await;
    let control = server.control();
    let dave = control.add_user("9996628888", "Dave", None).unwrap();
    let (client, _s) = builder(&server).connect().await.unwrap();
    let me = login(&client, "9996621919").await;
    let session = client.export_session_string().await.unwrap();
    client.disconnect();
    drop(client);

    // Written while the client was away.
    for i in 0..3 {
        control
            .send_as(dave.id, &me.id().to_string(), &format!("while away {i}"))
            .unwrap();
    }
    let (again, _s) = builder(&server)
        .session_string(session)
        .catch_up(true)
        .connect()
        .await
        .unwrap();
    let mut stream = again.stream_updates();
    for i in 0..3 {
        let msg = next_incoming(&mut stream).await;
        assert_eq!(msg.text(), Some(format!("while away {i}").as_str()));
    }
}

#[tokio::test]
async fn pfs_runs_on_bound_temporary_keys() {
    let server = server().await;
    let (client, _s) = builder(&server).pfs(true).connect().await.unwrap();
    let me = login(&client, "9996621515").await;
    client.send_message("me", "forward secret").await.unwrap();
    assert!(
        server
            .control()
            .messages_of(me.id())
            .iter()
            .any(|m| m.text == "forward secret")
    );
    // A permanent and a temporary key.
    assert_eq!(server.auth_key_count(), 2);
    let session = client.export_session_string().await.unwrap();
    client.disconnect();

    // A new temporary key, bound to the same permanent key: still logged in.
    let (again, _s) = builder(&server)
        .pfs(true)
        .session_string(session)
        .connect()
        .await
        .unwrap();
    assert_eq!(again.get_me().await.unwrap().id, me.id());
    assert_eq!(server.auth_key_count(), 3);
}

#[tokio::test]
async fn the_client_is_shareable_and_the_stream_is_a_stream() {
    fn shareable<T: Send + Sync + Clone + 'static>() {}
    shareable::<Client>();

    let server = server().await;
    let control = server.control();
    let erin = control.add_user("9996621717", "Erin", None).unwrap();
    let (client, _s) = builder(&server).connect().await.unwrap();
    let me = login(&client, "9996621818").await;
    let mut stream = client.stream_updates();
    control
        .send_as(erin.id, &me.id().to_string(), "via poll_next")
        .unwrap();
    // Driven only through `futures_core::Stream::poll_next`.
    let next = std::future::poll_fn(|cx| {
        futures_core::Stream::poll_next(std::pin::Pin::new(&mut stream), cx)
    });
    let update = tokio::time::timeout(WAIT, next).await.unwrap().unwrap();
    let Update::NewMessage(msg) = update else {
        panic!("expected a message, got {update:?}");
    };
    assert_eq!(msg.text(), Some("via poll_next"));
    client.disconnect();
    assert!(
        tokio::time::timeout(WAIT, stream.next())
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn updates_keep_coming_after_the_network_drops() {
    let server = server().await;
    let control = server.control();
    let fred = control.add_user("9996621616", "Fred", None).unwrap();
    let (client, _s) = builder(&server).connect().await.unwrap();
    let me = login(&client, "9996621414").await;
    let mut stream = client.stream_updates();
    control
        .send_as(fred.id, &me.id().to_string(), "before")
        .unwrap();
    assert_eq!(next_incoming(&mut stream).await.text(), Some("before"));

    control.drop_connections();
    // The client reconnects by itself; a request proves it is back.
    client.get_me().await.unwrap();
    control
        .send_as(fred.id, &me.id().to_string(), "after")
        .unwrap();
    assert_eq!(next_incoming(&mut stream).await.text(), Some("after"));
}

#[tokio::test]
async fn formatting_survives_the_trip() {
    let server = server().await;
    let (alice, _s1) = builder(&server).connect().await.unwrap();
    let (bob, _s2) = builder(&server).connect().await.unwrap();
    login(&alice, "9996621212").await;
    login(&bob, "9996621313").await;
    let mut stream = bob.stream_updates();
    let peer = alice.resolve_peer("+9996621313").await.unwrap();
    alice
        .send_message_to_peer(
            peer.clone(),
            paperplane::InputMessage::markdown("**bold** and `code`"),
        )
        .await
        .unwrap();
    let got = next_incoming(&mut stream).await;
    assert_eq!(got.text(), Some("bold and code"));
    assert_eq!(got.entities().len(), 2);
    assert_eq!(got.markdown_text().as_deref(), Some("**bold** and `code`"));
    assert_eq!(
        got.html_text().as_deref(),
        Some("<b>bold</b> and <code>code</code>")
    );

    alice
        .send_message_to_peer(peer, paperplane::InputMessage::html("<i>x</i> &lt; y"))
        .await
        .unwrap();
    let got = next_incoming(&mut stream).await;
    assert_eq!(got.text(), Some("x < y"));
    assert_eq!(got.html_text().as_deref(), Some("<i>x</i> &lt; y"));
}

#[tokio::test]
async fn mtproxy_carries_login_messages_and_migration() {
    use paperplane::{BuildError, ProxySecret};
    let dd = "dd00112233445566778899aabbccddeeff";
    // ee + key + "example.com"
    let ee = "eeffeeddccbbaa99887766554433221100".to_owned() + "6578616d706c652e636f6d";
    let server = server_with(Options {
        proxy_secrets: vec![
            ProxySecret::from_hex(dd).unwrap(),
            ProxySecret::from_hex(&ee).unwrap(),
        ],
        ..Options::default()
    })
    .await;
    let proxy = server.proxy_addr().unwrap();
    // DC 2's own address is unreachable: only the proxy can be used.
    let through = |b: ClientBuilder| b.dc_addr("127.0.0.1:1");

    // dd secret from a t.me link; the user lives on DC 4 (PHONE_MIGRATE).
    let link = format!(
        "https://t.me/proxy?server={}&port={}&secret={dd}",
        proxy.ip(),
        proxy.port()
    );
    let (client, _shutdown) = through(builder(&server))
        .proxy_link(link)
        .connect()
        .await
        .unwrap();
    let me = login(&client, "9996641234").await;
    assert_eq!(client.home_dc(), 4);
    client.send_message("me", "via dd proxy").await.unwrap();
    assert!(
        server
            .control()
            .messages_of(me.id())
            .iter()
            .any(|m| m.text == "via dd proxy")
    );
    assert!(server.proxied_connections(2) >= 1);
    assert!(server.proxied_connections(4) >= 1);

    // ee (FakeTLS) secret given directly, test DC numbering (+10000).
    let before = server.proxied_connections(2);
    let (client, _shutdown) = through(builder(&server))
        .mtproxy(proxy.to_string(), ProxySecret::from_hex(&ee).unwrap())
        .test_mode(true)
        .connect()
        .await
        .unwrap();
    let me = login(&client, "9996627777").await;
    client.send_message("me", "via FakeTLS").await.unwrap();
    assert!(
        server
            .control()
            .messages_of(me.id())
            .iter()
            .any(|m| m.text == "via FakeTLS")
    );
    assert!(server.proxied_connections(2) > before);

    // A bad link is refused before anything connects.
    for bad in [
        "https://t.me/proxy?server=h&port=1&secret=00".to_owned(),
        "https://t.me/socks?server=h&port=1".to_owned(),
        format!("tg://proxy?server=h&port=70000&secret={dd}"),
    ] {
        assert!(
            matches!(
                builder(&server).proxy_link(bad.clone()).connect().await,
                Err(BuildError::InvalidProxy(_))
            ),
            "{bad}"
        );
    }
    let secret = ProxySecret::from_hex(dd).unwrap();
    assert!(matches!(
        builder(&server).mtproxy("no-port", secret).connect().await,
        Err(BuildError::InvalidProxy(_))
    ));
}

#[tokio::test]
async fn a_circuit_breaker_stops_retrying_when_floods_pile_up() {
    let server = server().await;
    let breaker = Arc::new(paperplane::retry::CircuitBreaker::new(
        2,
        Duration::from_secs(60),
        Duration::from_secs(60),
    ));
    let (client, _s) = builder(&server)
        .retry_policy(breaker.clone())
        .connect()
        .await
        .unwrap();
    server
        .control()
        .inject_flood_wait("help.getNearestDc", 1, 2);
    // The first flood wait is slept through, the second opens the circuit.
    let err = client
        .invoke(&functions::help::GetNearestDc {})
        .await
        .unwrap_err();
    assert!(err.is("FLOOD_WAIT"), "{err}");
    assert!(breaker.is_open(Instant::now()));
    // While open, a flood wait AutoSleep would sleep through (and then
    // succeed) comes back as the error instead.
    server
        .control()
        .inject_flood_wait("help.getNearestDc", 30, 1);
    let answer = tokio::time::timeout(
        Duration::from_secs(25),
        client.invoke(&functions::help::GetNearestDc {}),
    )
    .await
    .expect("not slept through");
    let err = answer.unwrap_err();
    assert_eq!(err.rpc().and_then(|e| e.flood_wait()), Some(30));
    // Nothing is wrong with the server itself: the next call succeeds.
    assert!(
        client
            .invoke(&functions::help::GetNearestDc {})
            .await
            .is_ok()
    );
}
