//! The client and server machines run against each other in memory, and
//! every check rejects a message that violates it.

use std::sync::OnceLock;

use paperplane_crypto::dh::DhParams;
use paperplane_crypto::rsa::RsaPrivateKey;
use paperplane_crypto::{Error as CryptoError, ige};
use paperplane_tl::{Deserializable, Serializable, enums, functions, types};
use rand_chacha::ChaCha20Rng;
use rand_core::{RngCore, SeedableRng};

use super::*;

const NOW: i32 = 1_700_000_000;

fn rsa() -> &'static RsaPrivateKey {
    static KEY: OnceLock<RsaPrivateKey> = OnceLock::new();
    KEY.get_or_init(|| RsaPrivateKey::generate(&mut ChaCha20Rng::seed_from_u64(7), 2048).unwrap())
}

fn server_config() -> ServerConfig {
    ServerConfig::new(rsa().clone())
}

fn client_config(kind: KeyKind) -> ClientConfig {
    ClientConfig {
        dc_id: 2,
        kind,
        keys: vec![rsa().public_key().clone()],
    }
}

fn never(_: i64) -> bool {
    false
}

/// Runs a whole exchange; `client_clock` is the client's idea of now.
fn exchange(
    kind: KeyKind,
    key_in_use: &dyn Fn(i64) -> bool,
    seed: u64,
    client_clock: i32,
) -> (Negotiated, Negotiated) {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let config = server_config();
    let mut server = ServerHandshake::new();
    let (mut client, mut to_server) = ClientHandshake::start(client_config(kind), &mut rng);
    let mut server_result = None;
    for _ in 0..10 {
        let to_client = match server
            .handle(&config, &to_server, NOW, key_in_use, &mut rng)
            .unwrap()
        {
            ServerStep::Send(body) => body,
            ServerStep::Done { reply, negotiated } => {
                server_result = Some(negotiated);
                reply
            }
        };
        match client.handle(&to_client, client_clock, &mut rng).unwrap() {
            ClientStep::Send(body) => to_server = body,
            ClientStep::Done(client_result) => return (*client_result, *server_result.unwrap()),
        }
    }
    panic!("exchange did not finish");
}

#[test]
fn permanent_key_exchange_agrees_on_key_salt_and_dc() {
    let (client, server) = exchange(KeyKind::Permanent, &never, 1, NOW - 100);
    assert_eq!(client.auth_key.as_bytes(), server.auth_key.as_bytes());
    assert_eq!(client.first_salt, server.first_salt);
    assert_eq!(client.time_offset, 100, "server time minus client time");
    assert_eq!(server.dc_id, Some(2));
    assert_eq!(server.kind, KeyKind::Permanent);
}

#[test]
fn temporary_key_exchange_carries_its_lifetime() {
    let kind = KeyKind::Temporary { expires_in: 86_400 };
    let (client, server) = exchange(kind, &never, 2, NOW);
    assert_eq!(client.auth_key.as_bytes(), server.auth_key.as_bytes());
    assert_eq!(server.kind, kind);
    assert_eq!(client.kind, kind);
}

#[test]
fn dh_gen_retry_makes_the_client_try_a_new_b() {
    let asked = std::cell::Cell::new(0);
    let first_time = |_: i64| {
        asked.set(asked.get() + 1);
        asked.get() == 1
    };
    let (client, server) = exchange(KeyKind::Permanent, &first_time, 3, NOW);
    assert_eq!(asked.get(), 2, "the server checked two keys");
    assert_eq!(client.auth_key.as_bytes(), server.auth_key.as_bytes());
}

#[test]
fn endless_retries_give_up() {
    let mut rng = ChaCha20Rng::seed_from_u64(4);
    let config = server_config();
    let mut server = ServerHandshake::new();
    let (mut client, mut body) =
        ClientHandshake::start(client_config(KeyKind::Permanent), &mut rng);
    let always = |_: i64| true;
    for _ in 0..20 {
        let ServerStep::Send(answer) = server
            .handle(&config, &body, NOW, &always, &mut rng)
            .unwrap()
        else {
            panic!("server finished although every key is taken")
        };
        match client.handle(&answer, NOW, &mut rng) {
            Ok(ClientStep::Send(next)) => body = next,
            Err(HandshakeError::TooManyRetries) => return,
            other => panic!("{other:?}"),
        }
    }
    panic!("client never gave up");
}

/// Telethon's way: `req_pq`, plain `p_q_inner_data` (no DC) in the old
/// SHA-1 + data + padding RSA encoding; and it restarts on the same
/// connection after abandoning an exchange.
#[test]
fn server_accepts_old_style_clients_and_restarts() {
    let mut rng = ChaCha20Rng::seed_from_u64(5);
    let config = server_config();
    let mut server = ServerHandshake::new();

    // An exchange abandoned after resPQ.
    let abandoned = functions::ReqPqMulti { nonce: [9; 16] }.to_bytes();
    server
        .handle(&config, &abandoned, NOW, &never, &mut rng)
        .unwrap();

    let nonce = [1u8; 16];
    let ServerStep::Send(res) = server
        .handle(
            &config,
            &functions::ReqPq { nonce }.to_bytes(),
            NOW,
            &never,
            &mut rng,
        )
        .unwrap()
    else {
        panic!()
    };
    let enums::ResPq::ResPq(res) = enums::ResPq::from_bytes(&res).unwrap();
    assert_eq!(res.nonce, nonce);
    let (p, q) = paperplane_crypto::pq::factorize_bytes(&res.pq).unwrap();
    let new_nonce = [3u8; 32];
    let inner = enums::PQInnerData::PQInnerData(Box::new(types::PQInnerData {
        pq: res.pq.clone(),
        p: be_bytes(p),
        q: be_bytes(q),
        nonce,
        server_nonce: res.server_nonce,
        new_nonce,
    }));
    let encrypted_data = rsa()
        .public_key()
        .encrypt_sha1_padded(&inner.to_bytes(), &mut rng)
        .unwrap()
        .to_vec();
    let req = functions::ReqDhParams {
        nonce,
        server_nonce: res.server_nonce,
        p: be_bytes(p),
        q: be_bytes(q),
        public_key_fingerprint: rsa().public_key().fingerprint(),
        encrypted_data,
    };
    let ServerStep::Send(answer) = server
        .handle(&config, &req.to_bytes(), NOW, &never, &mut rng)
        .unwrap()
    else {
        panic!()
    };
    let enums::ServerDhParams::Ok(ok) = enums::ServerDhParams::from_bytes(&answer).unwrap() else {
        panic!("server_DH_params_fail")
    };
    assert_eq!(
        ok.encrypted_answer.len() % 16,
        0,
        "Telethon requires whole blocks"
    );
    let aes = temp_aes(&new_nonce, &res.server_nonce);
    let mut plain = ok.encrypted_answer.clone();
    ige::decrypt(&mut plain, &aes.key, &aes.iv).unwrap();
    let enums::ServerDhInnerData::ServerDhInnerData(dh) = parse_hashed(&plain).unwrap();
    assert_eq!(dh.g, 3);
    assert_eq!(
        dh.dh_prime,
        paperplane_crypto::dh::TELEGRAM_DH_PRIME.to_vec()
    );
    assert_eq!(dh.server_time, NOW);
}

/// Builds the server's `resPQ` for a fresh client, returning both machines.
fn after_res_pq(seed: u64) -> (ChaCha20Rng, ClientHandshake, Vec<u8>) {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let mut server = ServerHandshake::new();
    let (client, req) = ClientHandshake::start(client_config(KeyKind::Permanent), &mut rng);
    let ServerStep::Send(res) = server
        .handle(&server_config(), &req, NOW, &never, &mut rng)
        .unwrap()
    else {
        panic!()
    };
    (rng, client, res)
}

#[test]
fn client_rejects_a_res_pq_for_another_nonce() {
    let (mut rng, mut client, res) = after_res_pq(10);
    let enums::ResPq::ResPq(mut res) = enums::ResPq::from_bytes(&res).unwrap();
    res.nonce[0] ^= 1;
    let err = client
        .handle(&enums::ResPq::ResPq(res).to_bytes(), NOW, &mut rng)
        .unwrap_err();
    assert!(matches!(err, HandshakeError::NonceMismatch), "{err}");
}

#[test]
fn client_rejects_unknown_server_keys() {
    let (mut rng, mut client, res) = after_res_pq(11);
    let enums::ResPq::ResPq(mut res) = enums::ResPq::from_bytes(&res).unwrap();
    res.server_public_key_fingerprints = vec![42];
    let err = client
        .handle(&enums::ResPq::ResPq(res).to_bytes(), NOW, &mut rng)
        .unwrap_err();
    assert!(
        matches!(err, HandshakeError::UnknownFingerprints(ref f) if f == &[42]),
        "{err}"
    );
}

#[test]
fn client_rejects_a_pq_that_is_not_two_primes() {
    let (mut rng, mut client, res) = after_res_pq(12);
    let enums::ResPq::ResPq(mut res) = enums::ResPq::from_bytes(&res).unwrap();
    res.pq = 1_000_003u64.to_be_bytes().to_vec();
    let err = client
        .handle(&enums::ResPq::ResPq(res).to_bytes(), NOW, &mut rng)
        .unwrap_err();
    assert!(
        matches!(
            err,
            HandshakeError::Crypto(CryptoError::PqNotSemiprime { .. })
        ),
        "{err}"
    );
}

#[test]
fn client_rejects_garbage_instead_of_res_pq() {
    let (mut rng, mut client, _) = after_res_pq(13);
    let err = client.handle(&[1, 2, 3], NOW, &mut rng).unwrap_err();
    assert!(matches!(err, HandshakeError::Decode(_)), "{err}");
}

/// Runs the exchange up to the server's `server_DH_params_ok`, applying
/// `tamper` to it before the client sees it.
fn tampered_dh_params(
    seed: u64,
    config: ServerConfig,
    tamper: impl FnOnce(&mut Vec<u8>),
) -> HandshakeError {
    let mut rng = ChaCha20Rng::seed_from_u64(seed);
    let mut server = ServerHandshake::new();
    let (mut client, req) = ClientHandshake::start(client_config(KeyKind::Permanent), &mut rng);
    let ServerStep::Send(res) = server.handle(&config, &req, NOW, &never, &mut rng).unwrap() else {
        panic!()
    };
    let ClientStep::Send(req) = client.handle(&res, NOW, &mut rng).unwrap() else {
        panic!()
    };
    let ServerStep::Send(mut answer) = server.handle(&config, &req, NOW, &never, &mut rng).unwrap()
    else {
        panic!()
    };
    tamper(&mut answer);
    client.handle(&answer, NOW, &mut rng).unwrap_err()
}

#[test]
fn client_rejects_a_tampered_encrypted_answer() {
    let err = tampered_dh_params(20, server_config(), |answer| {
        let n = answer.len();
        answer[n - 20] ^= 0x40;
    });
    assert!(
        matches!(
            err,
            HandshakeError::BadAnswerHash | HandshakeError::Decode(_)
        ),
        "{err}"
    );
}

#[test]
fn client_rejects_a_prime_that_is_not_safe() {
    // A 2048-bit prime whose (p - 1) / 2 is composite (g = 4 has no residue
    // condition, so only the safe-prime test can catch it).
    let hex = include_str!("../../../crypto/tests/data/not_safe_prime.hex");
    let digits: Vec<u8> = hex.bytes().filter(u8::is_ascii_hexdigit).collect();
    let prime: Vec<u8> = digits
        .chunks(2)
        .map(|p| u8::from_str_radix(std::str::from_utf8(p).unwrap(), 16).unwrap())
        .collect();
    let config = ServerConfig {
        rsa: rsa().clone(),
        dh: DhParams::new_unchecked_prime(&prime, 4).unwrap(),
    };
    let err = tampered_dh_params(21, config, |_| {});
    assert!(
        matches!(err, HandshakeError::Crypto(CryptoError::DhPrimeNotSafe)),
        "{err}"
    );
}

#[test]
fn client_rejects_a_wrong_new_nonce_hash() {
    let mut rng = ChaCha20Rng::seed_from_u64(22);
    let config = server_config();
    let mut server = ServerHandshake::new();
    let (mut client, mut body) =
        ClientHandshake::start(client_config(KeyKind::Permanent), &mut rng);
    loop {
        match server
            .handle(&config, &body, NOW, &never, &mut rng)
            .unwrap()
        {
            ServerStep::Send(answer) => match client.handle(&answer, NOW, &mut rng).unwrap() {
                ClientStep::Send(next) => body = next,
                ClientStep::Done(_) => panic!("finished early"),
            },
            ServerStep::Done { reply, .. } => {
                let enums::SetClientDhParamsAnswer::DhGenOk(mut ok) =
                    enums::SetClientDhParamsAnswer::from_bytes(&reply).unwrap()
                else {
                    panic!()
                };
                ok.new_nonce_hash1[15] ^= 1;
                let forged = enums::SetClientDhParamsAnswer::DhGenOk(ok).to_bytes();
                let err = client.handle(&forged, NOW, &mut rng).unwrap_err();
                assert!(matches!(err, HandshakeError::NewNonceHashMismatch), "{err}");
                return;
            }
        }
    }
}

#[test]
fn server_rejects_wrong_nonce_pq_and_fingerprint() {
    let mut rng = ChaCha20Rng::seed_from_u64(30);
    let config = server_config();
    let run = |mutate: &dyn Fn(&mut functions::ReqDhParams), rng: &mut ChaCha20Rng| {
        let mut server = ServerHandshake::new();
        let (mut client, req) = ClientHandshake::start(client_config(KeyKind::Permanent), rng);
        let ServerStep::Send(res) = server.handle(&config, &req, NOW, &never, rng).unwrap() else {
            panic!()
        };
        let ClientStep::Send(req) = client.handle(&res, NOW, rng).unwrap() else {
            panic!()
        };
        let mut req = functions::ReqDhParams::from_bytes(&req).unwrap();
        mutate(&mut req);
        server
            .handle(&config, &req.to_bytes(), NOW, &never, rng)
            .unwrap_err()
    };
    let err = run(&|r| r.server_nonce[3] ^= 1, &mut rng);
    assert!(matches!(err, HandshakeError::NonceMismatch), "{err}");
    let err = run(&|r| r.p = vec![1, 2, 3], &mut rng);
    assert!(matches!(err, HandshakeError::PqMismatch), "{err}");
    let err = run(&|r| r.public_key_fingerprint ^= 1, &mut rng);
    assert!(
        matches!(err, HandshakeError::UnknownFingerprints(_)),
        "{err}"
    );
    let err = run(&|r| r.encrypted_data[100] ^= 1, &mut rng);
    assert!(
        matches!(err, HandshakeError::Crypto(_) | HandshakeError::Decode(_)),
        "{err}"
    );
}

#[test]
fn server_rejects_messages_out_of_order_and_garbage() {
    let mut rng = ChaCha20Rng::seed_from_u64(31);
    let config = server_config();
    let mut server = ServerHandshake::new();
    let err = server
        .handle(&config, &[0xde, 0xad], NOW, &never, &mut rng)
        .unwrap_err();
    assert!(matches!(err, HandshakeError::Unexpected { .. }), "{err}");
    let set = functions::SetClientDhParams {
        nonce: [0; 16],
        server_nonce: [0; 16],
        encrypted_data: vec![0; 32],
    };
    let mut server = ServerHandshake::new();
    let err = server
        .handle(&config, &set.to_bytes(), NOW, &never, &mut rng)
        .unwrap_err();
    assert!(matches!(err, HandshakeError::Unexpected { .. }), "{err}");
    let mut noise = vec![0u8; 300];
    for _ in 0..200 {
        rng.fill_bytes(&mut noise);
        let mut server = ServerHandshake::new();
        let _ = server.handle(&config, &noise, NOW, &never, &mut rng);
    }
}

#[test]
fn answers_with_too_much_padding_are_rejected() {
    let data = enums::ResPq::ResPq(types::ResPq {
        nonce: [0; 16],
        server_nonce: [0; 16],
        pq: vec![],
        server_public_key_fingerprints: vec![],
    })
    .to_bytes();
    let mut rng = ChaCha20Rng::seed_from_u64(40);
    let good = with_hash_and_padding(&data, &mut rng);
    assert!(parse_hashed::<enums::ResPq>(&good).is_ok());
    let mut long = good.clone();
    long.extend([0u8; 16]);
    assert!(matches!(
        parse_hashed::<enums::ResPq>(&long),
        Err(HandshakeError::BadAnswerHash)
    ));
    let mut bad = good;
    bad[0] ^= 1;
    assert!(matches!(
        parse_hashed::<enums::ResPq>(&bad),
        Err(HandshakeError::BadAnswerHash)
    ));
}

mod hostile_client;
mod hostile_server;
