//! What a server can do to a client besides losing packets: refuse
//! messages (salt, clock, seq_no), send it elsewhere, forget its keys. Each
//! with what the user sees: the request answered once, updates delivered,
//! or a clear error.

use paperplane::Update;
use paperplane::tl::functions;
use rand_core::SeedableRng;

mod common;
use common::{WAIT, builder, login, server};

#[tokio::test]
async fn refused_messages_are_corrected_and_answered_once() {
    let server = server().await;
    let control = server.control();
    let (client, _s) = builder(&server).connect().await.unwrap();
    for code in [48, 16, 17, 32, 33] {
        let before = control.executions("help.getNearestDc");
        control.inject_bad_msg_notification(code, 2);
        tokio::time::timeout(WAIT, client.invoke(&functions::help::GetNearestDc {}))
            .await
            .unwrap_or_else(|_| panic!("stuck after notification {code}"))
            .unwrap_or_else(|e| panic!("notification {code}: {e}"));
        assert_eq!(
            control.executions("help.getNearestDc") - before,
            1,
            "notification {code}"
        );
    }
}

#[tokio::test]
async fn a_user_migrate_error_moves_the_account_home() {
    let server = server().await;
    let control = server.control();
    let (client, _s) = builder(&server).connect().await.unwrap();
    let me = login(&client, "9996627501").await;
    control.inject_error("users.getUsers", 303, "USER_MIGRATE_4", 1);
    let again = tokio::time::timeout(WAIT, client.get_me())
        .await
        .expect("answered")
        .unwrap();
    assert_eq!(again.id, me.id());
    assert_eq!(client.home_dc(), 4);
}

#[tokio::test]
async fn auth_key_unregistered_reaches_the_caller() {
    let server = server().await;
    let control = server.control();
    let (client, _s) = builder(&server).connect().await.unwrap();
    login(&client, "9996627502").await;
    control.inject_error("users.getUsers", 401, "AUTH_KEY_UNREGISTERED", 1);
    let error = client.get_me().await.unwrap_err();
    assert!(error.is("AUTH_KEY_UNREGISTERED"), "{error}");
}

#[tokio::test]
async fn forgotten_temporary_keys_are_replaced_and_nothing_is_lost() {
    let server = server().await;
    let control = server.control();
    let bob = control.add_user("9996627503", "Bob", None).unwrap();
    let (alice, _s) = builder(&server).pfs(true).connect().await.unwrap();
    let me = login(&alice, "9996627504").await;
    let mut stream = alice.stream_updates();
    assert!(control.forget_temporary_keys() >= 1);
    control
        .send_as(bob.id, &me.id().to_string(), "after the restart")
        .unwrap();
    loop {
        match tokio::time::timeout(WAIT, stream.next()).await {
            Ok(Some(Update::NewMessage(m))) if !m.outgoing() => {
                assert_eq!(m.text(), Some("after the restart"));
                break;
            }
            Ok(Some(_)) => {}
            other => panic!("the message did not arrive: {other:?}"),
        }
    }
    tokio::time::timeout(WAIT, alice.get_me())
        .await
        .expect("answered on a new temporary key")
        .unwrap();
}

/// Starts a server keeping its world in `dir`, on five consecutive ports
/// from `port` (chosen free when it is 0, and then kept, so a restart
/// binds the same ones).
async fn server_in(
    dir: &std::path::Path,
    rsa: &paperplane_crypto::rsa::RsaPrivateKey,
    port: &mut u16,
) -> paperplane_testserver::TestServer {
    use paperplane_testserver::{Options, TestServer};
    let fixed = *port != 0;
    let mut last = None;
    for attempt in 0..50u16 {
        if !fixed {
            *port = 20_000 + (std::process::id() as u16 % 20_000) + attempt * 7;
        }
        let options = Options {
            listen: std::net::SocketAddr::from(([127, 0, 0, 1], *port)),
            data_dir: Some(dir.to_path_buf()),
            rsa: Some(rsa.clone()),
            ..Options::default()
        };
        match TestServer::start(options).await {
            Ok(server) => return server,
            Err(e) => last = Some(e),
        }
        if fixed {
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }
    panic!("no server on port {port}: {last:?}")
}

#[tokio::test]
async fn a_server_restarted_from_its_data_dir_loses_nothing() {
    let dir = std::env::temp_dir().join(format!("paperplane-restart-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(5);
    let rsa = paperplane_crypto::rsa::RsaPrivateKey::generate(&mut rng, 2048).unwrap();
    let mut port = 0;
    let server = server_in(&dir, &rsa, &mut port).await;
    let bob = server
        .control()
        .add_user("9996627601", "Bob", None)
        .unwrap();
    let (alice, _s) = builder(&server).connect().await.unwrap();
    let me = login(&alice, "9996627602").await;
    let mut stream = alice.stream_updates();
    server.close().await.expect("the world is saved");

    // The same ports, the same data: the client reconnects on its own.
    let server = server_in(&dir, &rsa, &mut port).await;
    server
        .control()
        .send_as(bob.id, &me.id().to_string(), "after the restart")
        .unwrap();
    loop {
        match tokio::time::timeout(WAIT, stream.next()).await {
            Ok(Some(Update::NewMessage(m))) if !m.outgoing() => {
                assert_eq!(m.text(), Some("after the restart"));
                break;
            }
            Ok(Some(_)) => {}
            other => panic!("the message did not arrive: {other:?}"),
        }
    }
    assert_eq!(alice.get_me().await.unwrap().id, me.id(), "still logged in");
    server.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
}

/// Alice sends eight messages to Bob at once and the server cuts her
/// connection as `cut` says while they are in flight: each is answered,
/// carried out once and stored once.
async fn sends_in_flight_survive_a_cut(cut: paperplane_testserver::faults::CutAfter, name: &str) {
    let server = server().await;
    let control = server.control();
    let bob = control.add_user("9996627701", "Bob", None).unwrap();
    let (alice, _s) = builder(&server).connect().await.unwrap();
    login(&alice, "9996627702").await;
    let peer = alice.resolve_peer("+9996627701").await.unwrap();
    let before = control.executions("messages.sendMessage");
    control.drop_connections_after(cut, 1);
    let sends: Vec<_> = (0..8)
        .map(|i| {
            let (alice, peer) = (alice.clone(), peer.clone());
            let text = format!("{name} {i}");
            tokio::spawn(async move { alice.send_message_to_peer(peer, text).await })
        })
        .collect();
    for (i, send) in sends.into_iter().enumerate() {
        tokio::time::timeout(WAIT, send)
            .await
            .unwrap_or_else(|_| panic!("{name} {i}: not answered after the cut"))
            .unwrap()
            .unwrap_or_else(|e| panic!("{name} {i}: {e}"));
    }
    assert_eq!(control.connections_cut(), 1, "{name}: the cut fell");
    assert_eq!(
        control.executions("messages.sendMessage") - before,
        8,
        "{name}: each carried out once"
    );
    let stored = control.messages_of(bob.id);
    for i in 0..8 {
        let text = format!("{name} {i}");
        let copies = stored.iter().filter(|m| m.text == text).count();
        assert_eq!(copies, 1, "{text}");
    }
}

#[tokio::test]
async fn requests_in_flight_when_the_connection_is_cut_mid_frame_are_answered_once() {
    let cut = paperplane_testserver::faults::CutAfter::Bytes(10);
    sends_in_flight_survive_a_cut(cut, "bytes").await;
}

#[tokio::test]
async fn requests_in_flight_when_the_connection_is_cut_between_frames_are_answered_once() {
    let cut = paperplane_testserver::faults::CutAfter::Messages(0);
    sends_in_flight_survive_a_cut(cut, "messages").await;
}
