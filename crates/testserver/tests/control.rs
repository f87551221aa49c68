//! The control API and fault injection, seen from clients over TCP; and the
//! world surviving a restart with a data directory.

mod common;

use std::time::Duration;

use common::{Client, bot_login, input_peer, new_message, send_text, sign_in};
use paperplane_testserver::{Options, TestServer, UserSeed};
use paperplane_tl::{enums, functions, types};

#[tokio::test]
async fn send_as_and_wait_message() {
    let options = Options {
        bots: vec![("helper_bot".into(), "6006:s".into())],
        users: vec![UserSeed {
            phone: "9996621234".into(),
            first_name: "Alice".into(),
            username: Some("alice".into()),
            ..UserSeed::default()
        }],
        ..Options::default()
    };
    let server = TestServer::start(options).await.unwrap();
    let control = server.control();
    let alice = control.user_by_username("@alice").unwrap();
    let mut bot = Client::connect(&server, 2).await;
    bot_login(&mut bot, "6006:s").await.unwrap();

    let sent = control.send_as(alice.id, "@helper_bot", "ping").unwrap();
    assert!(sent.recipient_message_id.is_some());
    let (msg, _, _, users) = new_message(bot.next_update().await);
    assert_eq!(msg.message, "ping");
    let alice_hash = users
        .iter()
        .find(|u| u.id == alice.id)
        .and_then(|u| u.access_hash)
        .unwrap();
    assert_eq!(alice_hash, alice.access_hash);

    // Wait for the bot's reply from another task while it is sent.
    let waiter = {
        let control = control.clone();
        tokio::spawn(async move {
            control
                .wait_message(alice.id, |m| m.text == "pong", Duration::from_secs(10))
                .await
        })
    };
    bot.call(&send_text(input_peer(alice.id, alice_hash), "pong", 1))
        .await
        .unwrap();
    let reply = waiter.await.unwrap().expect("the reply arrives");
    assert!(!reply.out);
    assert_eq!(reply.from_user_id, 6006);
    // Already there: found at once; never coming: None after the timeout.
    assert!(
        control
            .wait_message(alice.id, |m| m.text == "ping", Duration::from_millis(1))
            .await
            .is_some()
    );
    assert!(
        control
            .wait_message(alice.id, |m| m.text == "never", Duration::from_millis(50))
            .await
            .is_none()
    );
    assert!(control.send_as(alice.id, "@nobody_here", "x").is_err());
    assert!(
        control
            .send_as(alice.id, "+9996621234", "note to self")
            .is_ok()
    );
}

#[tokio::test]
async fn flood_wait_is_injected_per_method() {
    let server = TestServer::start(Options::default()).await.unwrap();
    let control = server.control();
    let mut client = Client::connect(&server, 2).await;
    control.inject_flood_wait("help.getNearestDc", 7, 2);
    for _ in 0..2 {
        assert_eq!(
            client.call_err(&functions::help::GetNearestDc {}).await,
            (420, "FLOOD_WAIT_7".into())
        );
    }
    assert!(client.call(&functions::help::GetNearestDc {}).await.is_ok());
    assert!(client.call(&functions::help::GetConfig {}).await.is_ok());
}

#[tokio::test]
async fn a_lost_answer_and_the_resend() {
    let server = TestServer::start(Options::default()).await.unwrap();
    let control = server.control();
    let mut client = Client::connect(&server, 2).await;
    let me = sign_in(&mut client, "9996621234").await.unwrap();
    control.inject_drop_after_request("messages.sendMessage", 1);
    let request = send_text(enums::InputPeer::InputPeerSelf, "once", 99);
    client
        .session
        .request(paperplane_tl::Serializable::to_bytes(&request));
    while let Some(p) = client
        .session
        .poll_transmit(paperplane_testserver::unix_now_ms(), &mut client.raw.rng)
    {
        client.raw.send(&p).await;
    }
    assert!(client.closed_by_server().await);
    // The message was sent; resending with the same random_id returns it.
    assert_eq!(control.messages_of(me.id).len(), 1);
    let mut client = client.reconnect().await;
    let enums::Updates::UpdateShortSentMessage(again) = client.call(&request).await.unwrap() else {
        panic!("expected updateShortSentMessage");
    };
    assert_eq!(again.id, control.messages_of(me.id)[0].id);
    assert_eq!(control.messages_of(me.id).len(), 1);
}

#[tokio::test]
async fn drop_connections_closes_every_connection() {
    let server = TestServer::start(Options::default()).await.unwrap();
    let control = server.control();
    let mut a = Client::connect(&server, 2).await;
    let mut b = Client::connect(&server, 4).await;
    assert!(control.connection_count() >= 2);
    control.drop_connections();
    assert!(a.closed_by_server().await);
    assert!(b.closed_by_server().await);
    // Keys survive: the same key works on a new connection.
    let mut a = a.reconnect().await;
    assert!(a.call(&functions::help::GetNearestDc {}).await.is_ok());
}

#[tokio::test]
async fn the_world_and_keys_survive_a_restart() {
    let dir = std::env::temp_dir().join(format!(
        "pp-testserver-data-{}-{}",
        std::process::id(),
        paperplane_testserver::unix_now_ms()
    ));
    let options = || Options {
        data_dir: Some(dir.clone()),
        ..Options::default()
    };
    let server = TestServer::start(options()).await.unwrap();
    let mut client = Client::connect(&server, 2).await;
    let me = sign_in(&mut client, "9996621234").await.unwrap();
    let bob = server
        .control()
        .add_user("9996625555", "Bob", Some("bob_the_builder"))
        .unwrap();
    server.control().set_password(bob.id, "pw", None).unwrap();
    let sent = client
        .call(&send_text(
            input_peer(bob.id, bob.access_hash),
            "remember me",
            5,
        ))
        .await
        .unwrap();
    let enums::Updates::UpdateShortSentMessage(sent) = sent else {
        panic!("expected updateShortSentMessage");
    };
    let key = client.key.copy();
    drop(client);
    server.close().await.unwrap();
    assert!(dir.join("world.json").exists());

    let server = TestServer::start(options()).await.unwrap();
    let mut client = Client::reuse(key, 2, server.dc(2).unwrap()).await;
    let users = client
        .call(&functions::users::GetUsers {
            id: vec![enums::InputUser::InputUserSelf],
        })
        .await
        .unwrap();
    let enums::User::User(again) = &users[0] else {
        panic!("no user");
    };
    assert_eq!((again.id, again.access_hash), (me.id, me.access_hash));
    let history = client
        .call(&functions::messages::GetHistory {
            peer: input_peer(bob.id, bob.access_hash),
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
    let enums::messages::Messages::Messages(history) = history else {
        panic!("expected messages");
    };
    let enums::Message::Message(m) = &history.messages[0] else {
        panic!("expected a message");
    };
    assert_eq!((m.id, m.message.as_str()), (sent.id, "remember me"));
    let enums::updates::State::State(state) =
        client.call(&functions::updates::GetState {}).await.unwrap();
    assert_eq!(state.pts, sent.pts);
    // Bob's password survived too (as a verifier).
    let control = server.control();
    assert_eq!(
        control.user_by_username("bob_the_builder").unwrap().id,
        bob.id
    );
    let mut bob_client = Client::connect(&server, 2).await;
    let err = sign_in(&mut bob_client, "9996625555").await.unwrap_err();
    assert_eq!(err.message, "SESSION_PASSWORD_NEEDED");
    let _ = types::PeerUser { user_id: 0 };
    server.close().await.unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
