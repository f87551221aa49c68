//! Which form pushed private messages take: full `updates` with the
//! sender's `User` the first time a session hears from someone, then
//! `updateShortMessage`, as Telegram sends them.

mod common;

use common::{Client, sign_in};
use paperplane_testserver::{Options, TestServer};
use paperplane_tl::enums;

/// The users a full `updates` carries; panics on any other form.
fn full_form_users(updates: &enums::Updates) -> Vec<i64> {
    let enums::Updates::Updates(u) = updates else {
        panic!("expected full updates, got {updates:?}");
    };
    u.users
        .iter()
        .map(|u| match u {
            enums::User::User(u) => u.id,
            enums::User::Empty(u) => u.id,
        })
        .collect()
}

#[tokio::test]
async fn first_message_carries_the_user_then_short_form() {
    let server = TestServer::start(Options::default()).await.unwrap();
    let control = server.control();
    let mut bob = Client::connect(&server, 2).await;
    let bob_user = sign_in(&mut bob, "9996621234").await.unwrap();
    let mut alice = Client::connect(&server, 2).await;
    let alice_user = sign_in(&mut alice, "9996625678").await.unwrap();
    let bob_to = bob_user.id.to_string();

    control.send_as(alice_user.id, &bob_to, "one").unwrap();
    control.send_as(alice_user.id, &bob_to, "two").unwrap();

    // Bob: the first comes with Alice's User, the second short.
    let first = bob.next_update().await;
    assert!(full_form_users(&first).contains(&alice_user.id));
    let (msg, first_pts, _, _) = common::new_message(first);
    assert_eq!(msg.message, "one");
    let enums::Updates::UpdateShortMessage(second) = bob.next_update().await else {
        panic!("expected updateShortMessage");
    };
    assert_eq!(
        (second.user_id, second.out, second.message.as_str()),
        (alice_user.id, false, "two")
    );
    assert_eq!((second.pts, second.pts_count), (first_pts + 1, 1));
    assert_eq!(second.id, msg.id + 1);

    // Alice's session (the control API sent for her) hears her own
    // messages: first in full, then short with out set.
    let first = alice.next_update().await;
    assert!(full_form_users(&first).contains(&bob_user.id));
    let (mine, _, _, _) = common::new_message(first);
    assert!(mine.out);
    let enums::Updates::UpdateShortMessage(second) = alice.next_update().await else {
        panic!("expected updateShortMessage");
    };
    assert_eq!(
        (second.user_id, second.out, second.message.as_str()),
        (bob_user.id, true, "two")
    );

    // A new connection has seen nobody: the full form again.
    let mut bob = bob.reconnect().await;
    control.send_as(alice_user.id, &bob_to, "three").unwrap();
    let again = bob.next_update().await;
    assert!(full_form_users(&again).contains(&alice_user.id));
    control.send_as(alice_user.id, &bob_to, "four").unwrap();
    assert!(matches!(
        bob.next_update().await,
        enums::Updates::UpdateShortMessage(s) if s.message == "four"
    ));
}
