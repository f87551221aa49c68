//! Perfect forward secrecy: temporary keys bound to a permanent key with
//! `auth.bindTempAuthKey` act with the permanent key's login.

mod common;

use std::collections::VecDeque;
use std::time::Duration;

use common::{Client, Key, RawClient, sign_in};
use paperplane_crypto::AuthKey;
use paperplane_mtproto::handshake::KeyKind;
use paperplane_mtproto::handshake::bind::encrypt_binding;
use paperplane_mtproto::session::{ClientSession, RpcError};
use paperplane_mtproto::transport::{ClientMode, ErrorCode, Frame, Framing};
use paperplane_testserver::{Options, TestServer, unix_now, unix_now_ms};
use paperplane_tl::{Serializable, enums, functions};
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

/// A connection on a new temporary key, not bound yet.
struct Temp {
    raw: RawClient,
    session: ClientSession,
    key: AuthKey,
    salt: i64,
    time_offset: i32,
}

async fn temp_key(server: &TestServer, expires_in: i32) -> Temp {
    let mut raw = RawClient::connect(
        server.dc(2).unwrap(),
        ClientMode::Plain(Framing::Intermediate),
    )
    .await;
    let done = raw
        .create_key_kind(server.public_key(), 2, KeyKind::Temporary { expires_in })
        .await;
    let session_id = ChaCha20Rng::from_entropy().next_u64() as i64;
    let key = AuthKey::from_bytes(*done.auth_key.as_bytes());
    Temp {
        raw,
        session: ClientSession::new(done.auth_key, session_id, done.first_salt, done.time_offset),
        key,
        salt: done.first_salt,
        time_offset: done.time_offset,
    }
}

/// Binds `temp` to `perm`, signing with msg_id + `skew` (0: the right one).
async fn bind(temp: &mut Temp, perm: &AuthKey, skew: i64) -> Result<bool, RpcError> {
    let expires_at = (unix_now() + 3600) as i32;
    let session_id = temp.session.session_id();
    let temp_key = AuthKey::from_bytes(*temp.key.as_bytes());
    let mut rng = ChaCha20Rng::from_entropy();
    let (request, packet) =
        temp.session
            .request_signed(unix_now_ms(), &mut temp.raw.rng, |msg_id| {
                let b = encrypt_binding(
                    perm,
                    &temp_key,
                    session_id,
                    expires_at,
                    msg_id + skew,
                    &mut rng,
                );
                functions::auth::BindTempAuthKey {
                    perm_auth_key_id: b.perm_auth_key_id,
                    nonce: b.nonce,
                    expires_at: b.expires_at,
                    encrypted_message: b.encrypted_message,
                }
                .to_bytes()
            });
    let answer = tokio::time::timeout(
        common::WAIT,
        temp.raw.await_answer(
            &mut temp.session,
            request,
            Some(packet),
            &mut VecDeque::new(),
        ),
    )
    .await
    .expect("no answer in time")?;
    Ok(answer == true.to_bytes())
}

/// `users.getUsers([inputUserSelf])`.
fn get_self() -> Vec<u8> {
    functions::users::GetUsers {
        id: vec![enums::InputUser::InputUserSelf],
    }
    .to_bytes()
}

async fn call(temp: &mut Temp, body: Vec<u8>) -> Result<Vec<u8>, RpcError> {
    tokio::time::timeout(
        common::WAIT,
        temp.raw
            .invoke(&mut temp.session, body, &mut VecDeque::new()),
    )
    .await
    .expect("no answer in time")
}

/// The temporary key's connection and session as a [`Client`].
fn as_client(temp: Temp, server: &TestServer) -> Client {
    Client {
        raw: temp.raw,
        session: temp.session,
        key: Key {
            auth_key: temp.key,
            salt: temp.salt,
            time_offset: temp.time_offset,
        },
        dc_id: 2,
        addr: server.dc(2).unwrap(),
        updates: VecDeque::new(),
    }
}

#[tokio::test]
async fn a_bound_temporary_key_acts_with_the_permanent_keys_login() {
    let server = TestServer::start(Options::default()).await.unwrap();
    let control = server.control();
    let mut perm = Client::connect(&server, 2).await;
    let perm_key = AuthKey::from_bytes(*perm.key.auth_key.as_bytes());

    // Binding over a permanent key is refused.
    let mut on_perm = Temp {
        raw: RawClient::connect(
            server.dc(2).unwrap(),
            ClientMode::Plain(Framing::Intermediate),
        )
        .await,
        session: ClientSession::new(
            AuthKey::from_bytes(*perm_key.as_bytes()),
            5,
            perm.key.salt,
            0,
        ),
        key: AuthKey::from_bytes(*perm_key.as_bytes()),
        salt: perm.key.salt,
        time_offset: 0,
    };
    let err = bind(&mut on_perm, &perm_key, 0).await.unwrap_err();
    assert_eq!(
        (err.code, err.message.as_str()),
        (400, "TEMP_AUTH_KEY_EMPTY")
    );

    let mut temp = temp_key(&server, 3600).await;
    // Unbound: only help.* and the binding itself.
    let err = call(&mut temp, get_self()).await.unwrap_err();
    assert_eq!(
        (err.code, err.message.as_str()),
        (401, "AUTH_KEY_PERM_EMPTY")
    );
    call(&mut temp, functions::help::GetNearestDc {}.to_bytes())
        .await
        .unwrap();
    // A binding signed for another msg_id, or with another permanent key.
    let err = bind(&mut temp, &perm_key, 4).await.unwrap_err();
    assert_eq!(
        (err.code, err.message.as_str()),
        (400, "ENCRYPTED_MESSAGE_INVALID")
    );
    let stranger = AuthKey::from_bytes([3; 256]);
    let err = bind(&mut temp, &stranger, 0).await.unwrap_err();
    assert_eq!(
        (err.code, err.message.as_str()),
        (400, "ENCRYPTED_MESSAGE_INVALID")
    );
    assert!(bind(&mut temp, &perm_key, 0).await.unwrap());

    // Logging in over the temporary key logs the permanent key in.
    let mut temp = as_client(temp, &server);
    let me = sign_in(&mut temp, "9996621234").await.unwrap();
    assert_eq!(control.login_count(me.id), 1);
    let users = perm
        .call(&functions::users::GetUsers {
            id: vec![enums::InputUser::InputUserSelf],
        })
        .await
        .unwrap();
    assert!(matches!(&users[0], enums::User::User(u) if u.id == me.id && u.is_self));

    // A fresh temporary key bound to the same permanent key is logged in
    // at once, and replaces the first binding.
    let mut fresh = temp_key(&server, 3600).await;
    assert!(bind(&mut fresh, &perm_key, 0).await.unwrap());
    let answer = call(&mut fresh, get_self()).await.unwrap();
    let users = <Vec<enums::User> as paperplane_tl::Deserializable>::from_bytes(&answer).unwrap();
    assert!(matches!(&users[0], enums::User::User(u) if u.id == me.id));
    let (code, message) = temp
        .call_err(&functions::users::GetUsers {
            id: vec![enums::InputUser::InputUserSelf],
        })
        .await;
    assert_eq!((code, message.as_str()), (401, "AUTH_KEY_PERM_EMPTY"));

    // Pushes reach the bound temporary key's connection.
    let bob = control.add_user("9996625555", "Bob", None).unwrap();
    control.send_as(bob.id, &me.id.to_string(), "hi").unwrap();
    let mut fresh = as_client(fresh, &server);
    let (msg, _, _, _) = common::new_message(fresh.next_update().await);
    assert_eq!(msg.message, "hi");
}

#[tokio::test]
async fn an_expired_temporary_key_is_forgotten() {
    let server = TestServer::start(Options::default()).await.unwrap();
    let perm = Client::connect(&server, 2).await;
    let perm_key = AuthKey::from_bytes(*perm.key.auth_key.as_bytes());
    let mut temp = temp_key(&server, 2).await;
    assert!(bind(&mut temp, &perm_key, 0).await.unwrap());
    let keys = server.auth_key_count();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    temp.session.request(get_self());
    let packet = temp
        .session
        .poll_transmit(unix_now_ms(), &mut temp.raw.rng)
        .unwrap();
    temp.raw.send(&packet).await;
    let frame = tokio::time::timeout(common::WAIT, temp.raw.try_recv())
        .await
        .expect("no answer in time");
    assert!(
        matches!(frame, Some(Frame::Error(code)) if code == ErrorCode::AUTH_KEY_NOT_FOUND),
        "{frame:?}"
    );
    assert_eq!(server.auth_key_count(), keys - 1);
}

#[tokio::test]
async fn only_permanent_keys_are_saved() {
    let dir = std::env::temp_dir().join(format!(
        "paperplane-pfs-{}-{}",
        std::process::id(),
        unix_now_ms()
    ));
    let server = TestServer::start(Options {
        data_dir: Some(dir.clone()),
        ..Options::default()
    })
    .await
    .unwrap();
    let perm = Client::connect(&server, 2).await;
    let perm_key = AuthKey::from_bytes(*perm.key.auth_key.as_bytes());
    let mut temp = temp_key(&server, 3600).await;
    assert!(bind(&mut temp, &perm_key, 0).await.unwrap());
    let mut temp = as_client(temp, &server);
    sign_in(&mut temp, "9996621234").await.unwrap();
    assert_eq!(server.auth_key_count(), 2);
    server.close().await.unwrap();

    let text = std::fs::read_to_string(dir.join("world.json")).unwrap();
    let saved: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(saved["keys"].as_array().map(Vec::len), Some(1));
    let logins = saved["world"]["authorizations"].as_object().unwrap();
    assert_eq!(logins.len(), 1);
    let _ = std::fs::remove_dir_all(dir);
}
