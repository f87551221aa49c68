//! Logging in over TCP: codes on the right and wrong DC, sign-up, 2FA with
//! SRP, bots, exported authorizations across DCs, QR tokens.

mod common;

use common::{Client, authorized_user, bot_login, code_settings, sign_in};
use paperplane_crypto::srp::{self, SrpParams};
use paperplane_testserver::{Options, TestServer};
use paperplane_tl::{enums, functions, types};

fn send_code(phone: &str) -> functions::auth::SendCode {
    functions::auth::SendCode {
        phone_number: phone.into(),
        api_id: 1,
        api_hash: "hash".into(),
        settings: code_settings(),
    }
}

fn sign_in_with(phone: &str, hash: &str, code: &str) -> functions::auth::SignIn {
    functions::auth::SignIn {
        phone_number: phone.into(),
        phone_code_hash: hash.into(),
        phone_code: Some(code.into()),
        email_verification: None,
    }
}

async fn code_hash(client: &mut Client, phone: &str) -> String {
    match client.call(&send_code(phone)).await.unwrap() {
        enums::auth::SentCode::SentCode(sent) => {
            let enums::auth::SentCodeType::App(app) = sent.r#type else {
                panic!("expected an app code, got {:?}", sent.r#type);
            };
            assert_eq!(app.length, 5);
            sent.phone_code_hash
        }
        other => panic!("expected auth.sentCode, got {other:?}"),
    }
}

fn get_self() -> functions::users::GetUsers {
    functions::users::GetUsers {
        id: vec![enums::InputUser::InputUserSelf],
    }
}

#[tokio::test]
async fn code_login_on_the_right_dc_after_wrong_code_and_wrong_dc() {
    let server = TestServer::start(Options::default()).await.unwrap();
    let mut dc2 = Client::connect(&server, 2).await;
    // Unauthorized: getUsers([self]) is 401, never an empty vector.
    assert_eq!(
        dc2.call_err(&get_self()).await,
        (401, "AUTH_KEY_UNREGISTERED".into())
    );
    assert_eq!(
        dc2.call_err(&send_code("+15551234567")).await,
        (400, "PHONE_NUMBER_INVALID".into())
    );
    // A number of DC 4 asked on DC 2.
    assert_eq!(
        dc2.call_err(&send_code("9996641234")).await,
        (303, "PHONE_MIGRATE_4".into())
    );
    let hash = code_hash(&mut dc2, "+9996621234").await;
    assert_eq!(
        dc2.call_err(&sign_in_with("9996621234", &hash, "12345"))
            .await,
        (400, "PHONE_CODE_INVALID".into())
    );
    assert_eq!(
        dc2.call_err(&sign_in_with("9996621234", "nonsense", "22222"))
            .await,
        (400, "PHONE_CODE_EXPIRED".into())
    );
    let auth = dc2
        .call(&sign_in_with("9996621234", &hash, "22222"))
        .await
        .unwrap();
    let me = authorized_user(auth);
    assert!(me.is_self);
    assert_eq!(me.phone.as_deref(), Some("9996621234"));
    let users = dc2.call(&get_self()).await.unwrap();
    assert_eq!(users.len(), 1);
    let enums::updates::State::State(state) =
        dc2.call(&functions::updates::GetState {}).await.unwrap();
    assert!(state.pts >= 1);
    // The code is spent.
    assert_eq!(
        dc2.call_err(&sign_in_with("9996621234", &hash, "22222"))
            .await,
        (400, "PHONE_CODE_EXPIRED".into())
    );
    // On its own DC the DC 4 number logs in with 44444.
    let mut dc4 = Client::connect(&server, 4).await;
    let user = sign_in(&mut dc4, "9996641234").await.unwrap();
    let control = server.control();
    assert_eq!(control.user(user.id).unwrap().dc_id, 4);
    assert_eq!(control.login_count(me.id), 1);
}

#[tokio::test]
async fn sign_up_when_required() {
    let options = Options {
        require_signup: true,
        ..Options::default()
    };
    let server = TestServer::start(options).await.unwrap();
    let mut client = Client::connect(&server, 2).await;
    let hash = code_hash(&mut client, "9996621111").await;
    let answer = client
        .call(&sign_in_with("9996621111", &hash, "22222"))
        .await
        .unwrap();
    assert!(
        matches!(answer, enums::auth::Authorization::SignUpRequired(_)),
        "{answer:?}"
    );
    let up = |first: &str| functions::auth::SignUp {
        no_joined_notifications: false,
        phone_number: "9996621111".into(),
        phone_code_hash: hash.clone(),
        first_name: first.into(),
        last_name: "Tester".into(),
    };
    assert_eq!(
        client.call_err(&up("")).await,
        (400, "FIRSTNAME_INVALID".into())
    );
    let user = authorized_user(client.call(&up("Sam")).await.unwrap());
    assert_eq!(user.first_name.as_deref(), Some("Sam"));
    assert_eq!(user.last_name.as_deref(), Some("Tester"));
    assert_eq!(client.call(&get_self()).await.unwrap().len(), 1);
}

fn srp_answer(
    password: &enums::account::Password,
    secret: &[u8],
) -> functions::auth::CheckPassword {
    let enums::account::Password::Password(p) = password;
    assert!(p.has_password);
    let Some(enums::PasswordKdfAlgo::Sha256Sha256Pbkdf2Hmacsha512iter100000Sha256ModPow(algo)) =
        &p.current_algo
    else {
        panic!("unexpected algo {:?}", p.current_algo);
    };
    assert_eq!(algo.g, 3);
    let params = SrpParams::new(&algo.salt1, &algo.salt2, algo.g as u32, &algo.p).unwrap();
    let hash = params.password_hash(secret);
    let answer = srp::client_answer_with_rng(
        &params,
        &hash,
        p.srp_b.as_deref().unwrap(),
        &mut rand_core::OsRng,
    )
    .unwrap();
    functions::auth::CheckPassword {
        password: enums::InputCheckPasswordSrp::InputCheckPasswordSrp(
            types::InputCheckPasswordSrp {
                srp_id: p.srp_id.unwrap(),
                a: answer.a.to_vec(),
                m1: answer.m1.to_vec(),
            },
        ),
    }
}

#[tokio::test]
async fn two_step_verification_with_srp() {
    let server = TestServer::start(Options::default()).await.unwrap();
    let control = server.control();
    let alice = control.add_user("9996621234", "Alice", None).unwrap();
    control
        .set_password(alice.id, "correct horse", Some("horse"))
        .unwrap();
    let mut client = Client::connect(&server, 2).await;
    let err = sign_in(&mut client, "9996621234").await.unwrap_err();
    assert_eq!(
        (err.code, err.message.as_str()),
        (401, "SESSION_PASSWORD_NEEDED")
    );
    let get = functions::account::GetPassword {};
    let first = client.call(&get).await.unwrap();
    let enums::account::Password::Password(p) = &first;
    assert_eq!(p.hint.as_deref(), Some("horse"));
    let wrong = srp_answer(&first, b"wrong horse");
    assert_eq!(
        client.call_err(&wrong).await,
        (400, "PASSWORD_HASH_INVALID".into())
    );
    // A newer getPassword makes the first srp_id stale.
    let second = client.call(&get).await.unwrap();
    let stale = srp_answer(&first, b"correct horse");
    assert_eq!(
        client.call_err(&stale).await,
        (400, "SRP_ID_INVALID".into())
    );
    // Still not logged in.
    assert_eq!(client.call_err(&get_self()).await.0, 401);
    let right = srp_answer(&second, b"correct horse");
    let user = authorized_user(client.call(&right).await.unwrap());
    assert_eq!(user.id, alice.id);
    assert_eq!(client.call(&get_self()).await.unwrap().len(), 1);
}

#[tokio::test]
async fn bots_log_in_with_tokens() {
    let options = Options {
        bots: vec![("echo_bot".into(), "4242:registered-SECRET".into())],
        ..Options::default()
    };
    let server = TestServer::start(options).await.unwrap();
    let mut client = Client::connect(&server, 2).await;
    let bot = bot_login(&mut client, "4242:registered-SECRET")
        .await
        .unwrap();
    assert!(bot.bot && bot.is_self);
    assert_eq!(bot.id, 4242);
    assert_eq!(bot.username.as_deref(), Some("echo_bot"));
    // An unknown well-formed token creates its bot, on any DC.
    let mut other = Client::connect(&server, 3).await;
    let new = bot_login(&mut other, "777:new_token").await.unwrap();
    assert_eq!(new.id, 777);
    assert!(new.bot);
    // A known id with another secret, and malformed tokens, are refused.
    for token in ["4242:wrong", "not-a-token", "12:", ":abc"] {
        let err = bot_login(&mut other, token).await.unwrap_err();
        assert_eq!(
            (err.code, err.message.as_str()),
            (400, "ACCESS_TOKEN_INVALID"),
            "{token}"
        );
    }

    let strict = TestServer::start(Options {
        strict_bots: true,
        bots: vec![("echo_bot".into(), "4242:registered-SECRET".into())],
        ..Options::default()
    })
    .await
    .unwrap();
    let mut client = Client::connect(&strict, 2).await;
    let err = bot_login(&mut client, "777:new_token").await.unwrap_err();
    assert_eq!(err.message, "ACCESS_TOKEN_INVALID");
    assert!(
        bot_login(&mut client, "4242:registered-SECRET")
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn exported_authorization_logs_in_on_another_dc() {
    let server = TestServer::start(Options::default()).await.unwrap();
    let mut home = Client::connect(&server, 2).await;
    let me = sign_in(&mut home, "9996621234").await.unwrap();
    assert_eq!(
        home.call_err(&functions::auth::ExportAuthorization { dc_id: 9 })
            .await,
        (400, "DC_ID_INVALID".into())
    );
    let enums::auth::ExportedAuthorization::ExportedAuthorization(exported) = home
        .call(&functions::auth::ExportAuthorization { dc_id: 4 })
        .await
        .unwrap();
    assert_eq!(exported.id, me.id);
    let mut dc4 = Client::connect(&server, 4).await;
    assert_eq!(
        dc4.call_err(&functions::auth::ImportAuthorization {
            id: me.id,
            bytes: vec![1, 2, 3],
        })
        .await,
        (400, "AUTH_BYTES_INVALID".into())
    );
    let user = authorized_user(
        dc4.call(&functions::auth::ImportAuthorization {
            id: exported.id,
            bytes: exported.bytes.clone(),
        })
        .await
        .unwrap(),
    );
    assert_eq!(user.id, me.id);
    assert_eq!(dc4.call(&get_self()).await.unwrap().len(), 1);
    // The bytes work once.
    let mut again = Client::connect(&server, 4).await;
    assert_eq!(
        again
            .call_err(&functions::auth::ImportAuthorization {
                id: exported.id,
                bytes: exported.bytes,
            })
            .await
            .1,
        "AUTH_BYTES_INVALID"
    );
    // The DC 2 login used on DC 4's port: back home.
    let mut stray = Client::reuse(home.key.copy(), 4, server.dc(4).unwrap()).await;
    assert_eq!(
        stray.call_err(&functions::updates::GetState {}).await,
        (303, "USER_MIGRATE_2".into())
    );
    // Logging out unauthorizes the key.
    let out = home.call(&functions::auth::LogOut {}).await.unwrap();
    assert!(matches!(out, enums::auth::LoggedOut::LoggedOut(_)));
    assert_eq!(home.call_err(&get_self()).await.0, 401);
}

fn export_token() -> functions::auth::ExportLoginToken {
    functions::auth::ExportLoginToken {
        api_id: 1,
        api_hash: "hash".into(),
        except_ids: Vec::new(),
    }
}

#[tokio::test]
async fn qr_login_same_dc_and_migrated() {
    let server = TestServer::start(Options::default()).await.unwrap();
    let mut phone = Client::connect(&server, 2).await;
    let me = sign_in(&mut phone, "9996621234").await.unwrap();

    let mut desktop = Client::connect(&server, 2).await;
    let enums::auth::LoginToken::LoginToken(token) = desktop.call(&export_token()).await.unwrap()
    else {
        panic!("expected a token");
    };
    assert!(token.expires > 0);
    assert_eq!(
        phone
            .call_err(&functions::auth::AcceptLoginToken { token: vec![0; 8] })
            .await,
        (400, "AUTH_TOKEN_INVALID".into())
    );
    let accepted = phone
        .call(&functions::auth::AcceptLoginToken {
            token: token.token.clone(),
        })
        .await
        .unwrap();
    let enums::Authorization::Authorization(accepted) = accepted;
    assert_eq!(accepted.device_model, "test");
    assert_eq!(
        phone
            .call_err(&functions::auth::AcceptLoginToken {
                token: token.token.clone(),
            })
            .await
            .1,
        "AUTH_TOKEN_ALREADY_ACCEPTED"
    );
    // The desktop is told, then its next export is the login.
    let pushed = desktop.next_update().await;
    let enums::Updates::UpdateShort(short) = pushed else {
        panic!("expected updateShort, got {pushed:?}");
    };
    assert_eq!(short.update, enums::Update::LoginToken);
    let enums::auth::LoginToken::Success(success) = desktop.call(&export_token()).await.unwrap()
    else {
        panic!("expected loginTokenSuccess");
    };
    assert_eq!(authorized_user(success.authorization).id, me.id);
    assert_eq!(desktop.call(&get_self()).await.unwrap().len(), 1);

    // A user of DC 4 accepts a token exported on DC 2: migrate, import.
    let mut dc4_phone = Client::connect(&server, 4).await;
    let dave = sign_in(&mut dc4_phone, "9996641234").await.unwrap();
    let mut laptop = Client::connect(&server, 2).await;
    let enums::auth::LoginToken::LoginToken(token) = laptop.call(&export_token()).await.unwrap()
    else {
        panic!("expected a token");
    };
    dc4_phone
        .call(&functions::auth::AcceptLoginToken { token: token.token })
        .await
        .unwrap();
    let enums::auth::LoginToken::MigrateTo(migrate) = laptop.call(&export_token()).await.unwrap()
    else {
        panic!("expected loginTokenMigrateTo");
    };
    assert_eq!(migrate.dc_id, 4);
    let mut laptop4 = Client::connect(&server, 4).await;
    let enums::auth::LoginToken::Success(success) = laptop4
        .call(&functions::auth::ImportLoginToken {
            token: migrate.token.clone(),
        })
        .await
        .unwrap()
    else {
        panic!("expected loginTokenSuccess");
    };
    assert_eq!(authorized_user(success.authorization).id, dave.id);
    assert_eq!(
        laptop4
            .call_err(&functions::auth::ImportLoginToken {
                token: migrate.token,
            })
            .await
            .1,
        "AUTH_TOKEN_INVALID"
    );
}
