//! Server salts rotate, as Telegram's do: the key exchange's first salt
//! works at first, later salts come from `bad_server_salt` or
//! `get_future_salts`, and a client keeps working across rotations.

mod common;

use std::collections::{BTreeSet, VecDeque};
use std::time::Duration;

use common::{Client, RawClient};
use paperplane_crypto::{AuthKey, Direction};
use paperplane_mtproto::session::container;
use paperplane_mtproto::session::envelope::{self, Header};
use paperplane_mtproto::session::ids::{IdKind, MsgIdGen, Role, SeqNo};
use paperplane_mtproto::transport::{ClientMode, Framing};
use paperplane_testserver::{Options, TestServer, unix_now, unix_now_ms};
use paperplane_tl::{Deserializable, Serializable, enums, functions};

async fn server(period: Duration) -> TestServer {
    TestServer::start(Options {
        salt_period: period,
        ..Options::default()
    })
    .await
    .unwrap()
}

/// How the server took one message.
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    /// Answered.
    Answered,
    /// Refused with `bad_server_salt` naming this salt.
    BadSalt(i64),
}

/// Sends `help.getNearestDc` with exactly `salt` and reports what came of
/// it.
async fn call_with_salt(
    raw: &mut RawClient,
    key: &AuthKey,
    (ids, seq): &mut (MsgIdGen, SeqNo),
    session_id: i64,
    salt: i64,
) -> Outcome {
    let msg_id = ids.next(unix_now_ms(), IdKind::Other);
    let header = Header {
        salt,
        session_id,
        msg_id,
        seq_no: seq.next(true),
    };
    let body = functions::help::GetNearestDc {}.to_bytes();
    let packet = envelope::encrypt(key, Direction::ClientToServer, header, &body, &mut raw.rng);
    raw.send(&packet).await;
    loop {
        let packet = tokio::time::timeout(common::WAIT, raw.recv_packet())
            .await
            .expect("no answer in time");
        let msg = envelope::decrypt(key, Direction::ServerToClient, &packet).unwrap();
        let bodies: Vec<Vec<u8>> = match container::id_of(&msg.body) {
            Some(container::MSG_CONTAINER) => container::unpack(&msg.body)
                .unwrap()
                .into_iter()
                .map(|m| m.body.to_vec())
                .collect(),
            _ => vec![msg.body],
        };
        for body in bodies {
            if let Ok(enums::BadMsgNotification::BadServerSalt(bad)) =
                enums::BadMsgNotification::from_bytes(&body)
            {
                if bad.bad_msg_id == msg_id {
                    return Outcome::BadSalt(bad.new_server_salt);
                }
            }
            let is_result = container::id_of(&body) == Some(container::RPC_RESULT);
            if is_result && body.get(4..12) == Some(&msg_id.to_le_bytes()[..]) {
                return Outcome::Answered;
            }
        }
    }
}

/// Sleeps until the server's clock reaches `unix` (seconds).
async fn sleep_until(unix: i64) {
    let wait_ms = unix * 1000 - unix_now_ms();
    if wait_ms > 0 {
        tokio::time::sleep(Duration::from_millis(wait_ms as u64 + 50)).await;
    }
}

#[tokio::test]
async fn first_salt_works_and_others_are_corrected() {
    let server = server(Duration::from_secs(30 * 60)).await;
    let mut raw = RawClient::connect(
        server.dc(2).unwrap(),
        ClientMode::Plain(Framing::Intermediate),
    )
    .await;
    let done = raw.create_key(&server, 2).await;
    let mut ids = (MsgIdGen::new(Role::Client, 0), SeqNo::default());
    let key = done.auth_key;
    // Telethon's first salt, 0: corrected to the key exchange's salt.
    assert_eq!(
        call_with_salt(&mut raw, &key, &mut ids, 7, 0).await,
        Outcome::BadSalt(done.first_salt)
    );
    assert_eq!(
        call_with_salt(&mut raw, &key, &mut ids, 7, done.first_salt).await,
        Outcome::Answered
    );
}

#[tokio::test]
async fn a_client_keeps_working_across_rotations() {
    let server = server(Duration::from_secs(1)).await;
    let mut client = Client::connect(&server, 2).await;
    let mut salts = BTreeSet::new();
    salts.insert(client.session.salt());
    for _ in 0..4 {
        // Two periods later the client's salt is no longer accepted: the
        // server answers bad_server_salt and the session resends.
        tokio::time::sleep(Duration::from_millis(2100)).await;
        let enums::NearestDc::NearestDc(nearest) = client
            .call(&functions::help::GetNearestDc {})
            .await
            .unwrap();
        assert_eq!(nearest.this_dc, 2);
        salts.insert(client.session.salt());
    }
    assert!(salts.len() >= 4, "salts seen: {salts:x?}");
}

#[tokio::test]
async fn future_salts_are_the_ones_the_server_then_accepts() {
    let server = server(Duration::from_secs(1)).await;
    let mut client = Client::connect(&server, 2).await;
    let answer = client
        .raw
        .invoke(
            &mut client.session,
            functions::GetFutureSalts { num: 3 }.to_bytes(),
            &mut VecDeque::new(),
        )
        .await
        .unwrap();
    let enums::FutureSalts::FutureSalts(future) = enums::FutureSalts::from_bytes(&answer).unwrap();
    assert_eq!(future.salts.len(), 3);
    assert!((i64::from(future.now) - unix_now()).abs() <= 2);
    for pair in future.salts.windows(2) {
        assert_eq!(pair[0].valid_until, pair[1].valid_since, "windows touch");
        assert_ne!(pair[0].salt, pair[1].salt, "salts change");
    }

    // Each one works in its window, on a fresh connection and session.
    let key = AuthKey::from_bytes(*client.key.auth_key.as_bytes());
    let mut raw = RawClient::connect(
        server.dc(2).unwrap(),
        ClientMode::Plain(Framing::Intermediate),
    )
    .await;
    let mut ids = (MsgIdGen::new(Role::Client, 0), SeqNo::default());
    let last = future.salts.last().unwrap().clone();
    for salt in &future.salts {
        sleep_until(i64::from(salt.valid_since)).await;
        assert_eq!(
            call_with_salt(&mut raw, &key, &mut ids, 9, salt.salt).await,
            Outcome::Answered
        );
    }
    // And the last one is refused once two newer ones took over.
    sleep_until(i64::from(last.valid_until) + 1).await;
    let outcome = call_with_salt(&mut raw, &key, &mut ids, 9, last.salt).await;
    assert!(
        matches!(outcome, Outcome::BadSalt(s) if s != last.salt),
        "{outcome:?}"
    );
}
