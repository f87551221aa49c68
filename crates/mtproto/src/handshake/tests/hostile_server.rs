//! The client machine against a hostile server: one that holds the RSA key
//! (so it learns `new_nonce`) but sends whatever the test wants in
//! `server_DH_params_*` and `dh_gen_*`. Every violation must end in its own
//! typed error, never a panic or a key.

use paperplane_crypto::dh::{DH_LEN, DhParams, DhSecret, TELEGRAM_DH_PRIME};
use paperplane_crypto::error::{DhRange, DhValue};
use paperplane_crypto::hash::sha1;

use super::*;

/// A server that answers `req_pq_multi` honestly and then follows the test.
struct Hostile {
    rng: ChaCha20Rng,
    client: ClientHandshake,
    nonce: [u8; 16],
    server_nonce: [u8; 16],
    new_nonce: [u8; 32],
    /// The server's DH secret `a` in the honest group.
    a: DhSecret,
}

impl Hostile {
    /// Runs the exchange until the client has sent `req_DH_params`, and
    /// reads `new_nonce` out of it with the server's private key.
    fn start(seed: u64) -> Self {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let config = server_config();
        let mut honest = ServerHandshake::new();
        let (mut client, req) = ClientHandshake::start(client_config(KeyKind::Permanent), &mut rng);
        let ServerStep::Send(res) = honest.handle(&config, &req, NOW, &never, &mut rng).unwrap()
        else {
            panic!("resPQ expected")
        };
        let ClientStep::Send(req) = client.handle(&res, NOW, &mut rng).unwrap() else {
            panic!("req_DH_params expected")
        };
        let req = functions::ReqDhParams::from_bytes(&req).unwrap();
        let data = rsa()
            .decrypt_rsa_pad(&req.encrypted_data, &mut rng)
            .unwrap();
        let enums::PQInnerData::Dc(inner) = enums::PQInnerData::from_bytes(data.as_ref()).unwrap()
        else {
            panic!("p_q_inner_data_dc expected")
        };
        let a = DhSecret::random(&mut rng);
        Self {
            rng,
            client,
            nonce: inner.nonce,
            server_nonce: inner.server_nonce,
            new_nonce: inner.new_nonce,
            a,
        }
    }

    /// `server_DH_params_ok` carrying `(g, dh_prime, g_a)`, encrypted as
    /// the spec says.
    fn dh_params_ok(&mut self, g: i32, dh_prime: &[u8], g_a: &[u8]) -> Vec<u8> {
        let answer = enums::ServerDhInnerData::ServerDhInnerData(types::ServerDhInnerData {
            nonce: self.nonce,
            server_nonce: self.server_nonce,
            g,
            dh_prime: dh_prime.to_vec(),
            g_a: g_a.to_vec(),
            server_time: NOW,
        });
        let aes = temp_aes(&self.new_nonce, &self.server_nonce);
        let mut encrypted_answer = with_hash_and_padding(&answer.to_bytes(), &mut self.rng);
        ige::encrypt(&mut encrypted_answer, &aes.key, &aes.iv).unwrap();
        enums::ServerDhParams::Ok(types::ServerDhParamsOk {
            nonce: self.nonce,
            server_nonce: self.server_nonce,
            encrypted_answer,
        })
        .to_bytes()
    }

    /// `server_DH_params_ok` in Telegram's group with this server's `g_a`.
    fn honest_dh_params(&mut self) -> Vec<u8> {
        let g_a = DhParams::telegram()
            .public_value(&self.a, DhValue::GA)
            .unwrap();
        self.dh_params_ok(3, &TELEGRAM_DH_PRIME, &g_a)
    }

    /// What the client does with `answer`.
    fn deliver(&mut self, answer: &[u8]) -> Result<ClientStep> {
        self.client.handle(answer, NOW, &mut self.rng)
    }

    /// Reads the client's `set_client_DH_params`: its inner data and the
    /// key the client derived from it.
    fn open_client_dh(&self, body: &[u8]) -> (types::ClientDhInnerData, AuthKey) {
        let req = functions::SetClientDhParams::from_bytes(body).unwrap();
        assert_eq!(
            (req.nonce, req.server_nonce),
            (self.nonce, self.server_nonce)
        );
        let aes = temp_aes(&self.new_nonce, &self.server_nonce);
        let mut plain = req.encrypted_data;
        ige::decrypt(&mut plain, &aes.key, &aes.iv).unwrap();
        let enums::ClientDhInnerData::ClientDhInnerData(inner) = parse_hashed(&plain).unwrap();
        let key = DhParams::telegram()
            .shared_key(&self.a, &inner.g_b, DhValue::GB)
            .unwrap();
        (inner, key)
    }

    /// Sends honest DH parameters and returns the client's first
    /// `set_client_DH_params`, opened.
    fn run_to_client_dh(&mut self) -> (types::ClientDhInnerData, AuthKey) {
        let params = self.honest_dh_params();
        let Ok(ClientStep::Send(body)) = self.deliver(&params) else {
            panic!("set_client_DH_params expected")
        };
        self.open_client_dh(&body)
    }

    fn hash(&self, n: u8, key: &AuthKey) -> [u8; 16] {
        new_nonce_hash(&self.new_nonce, n, key)
    }

    fn dh_gen_ok(&self, hash: [u8; 16]) -> Vec<u8> {
        enums::SetClientDhParamsAnswer::DhGenOk(types::DhGenOk {
            nonce: self.nonce,
            server_nonce: self.server_nonce,
            new_nonce_hash1: hash,
        })
        .to_bytes()
    }

    fn dh_gen_retry(&self, hash: [u8; 16]) -> Vec<u8> {
        enums::SetClientDhParamsAnswer::DhGenRetry(types::DhGenRetry {
            nonce: self.nonce,
            server_nonce: self.server_nonce,
            new_nonce_hash2: hash,
        })
        .to_bytes()
    }

    fn dh_gen_fail(&self, hash: [u8; 16]) -> Vec<u8> {
        enums::SetClientDhParamsAnswer::DhGenFail(types::DhGenFail {
            nonce: self.nonce,
            server_nonce: self.server_nonce,
            new_nonce_hash3: hash,
        })
        .to_bytes()
    }
}

/// `a - b` for big-endian numbers of equal length (`a >= b`).
fn sub_be(a: &[u8; DH_LEN], b: &[u8; DH_LEN]) -> [u8; DH_LEN] {
    let mut out = [0u8; DH_LEN];
    let mut borrow = 0i16;
    for i in (0..DH_LEN).rev() {
        let mut d = i16::from(a[i]) - i16::from(b[i]) - borrow;
        borrow = i16::from(d < 0);
        if d < 0 {
            d += 256;
        }
        out[i] = d as u8;
    }
    assert_eq!(borrow, 0, "a < b");
    out
}

/// `a + b` for big-endian numbers of equal length (no overflow).
fn add_be(a: &[u8; DH_LEN], b: &[u8; DH_LEN]) -> [u8; DH_LEN] {
    let mut out = [0u8; DH_LEN];
    let mut carry = 0u16;
    for i in (0..DH_LEN).rev() {
        let d = u16::from(a[i]) + u16::from(b[i]) + carry;
        carry = d >> 8;
        out[i] = d as u8;
    }
    assert_eq!(carry, 0, "overflow");
    out
}

/// `2^bit` as 256 big-endian bytes.
fn power_of_two(bit: usize) -> [u8; DH_LEN] {
    let mut out = [0u8; DH_LEN];
    out[DH_LEN - 1 - bit / 8] = 1 << (bit % 8);
    out
}

fn crypto_error(result: Result<ClientStep>) -> CryptoError {
    match result {
        Err(HandshakeError::Crypto(e)) => e,
        other => panic!("expected a crypto check to fail, got {other:?}"),
    }
}

#[test]
fn client_rejects_a_generator_outside_2_to_7() {
    for (g, reported) in [(1, 1), (0, 0), (8, 8), (255, 255), (-3, 0)] {
        let mut server = Hostile::start(100);
        let g_a = DhParams::telegram()
            .public_value(&server.a, DhValue::GA)
            .unwrap();
        let answer = server.dh_params_ok(g, &TELEGRAM_DH_PRIME, &g_a);
        assert_eq!(
            crypto_error(server.deliver(&answer)),
            CryptoError::DhGeneratorOutOfRange { g: reported },
            "g = {g}"
        );
    }
}

#[test]
fn client_rejects_a_generator_that_fails_its_residue_condition() {
    // Telegram's prime ends in 0x5b: p mod 8 = 3, but g = 2 needs 7.
    assert_eq!(TELEGRAM_DH_PRIME[DH_LEN - 1] % 8, 3);
    let mut server = Hostile::start(101);
    let g_a = DhParams::telegram()
        .public_value(&server.a, DhValue::GA)
        .unwrap();
    let answer = server.dh_params_ok(2, &TELEGRAM_DH_PRIME, &g_a);
    assert_eq!(
        crypto_error(server.deliver(&answer)),
        CryptoError::DhGeneratorNotResidue { g: 2 }
    );
}

#[test]
fn client_rejects_g_a_out_of_range() {
    let p = TELEGRAM_DH_PRIME;
    let one = power_of_two(0);
    let margin = power_of_two(2048 - 64);
    let cases: [(&str, Vec<u8>, DhRange); 8] = [
        ("0", vec![0], DhRange::TooSmall),
        ("empty", vec![], DhRange::TooSmall),
        ("1", vec![1], DhRange::TooSmall),
        ("p - 1", sub_be(&p, &one).to_vec(), DhRange::TooLarge),
        ("p", p.to_vec(), DhRange::TooLarge),
        ("2", vec![2], DhRange::TooCloseToZero),
        (
            "2^(2048-64) - 1",
            sub_be(&margin, &one).to_vec(),
            DhRange::TooCloseToZero,
        ),
        (
            "p - 2^(2048-64) + 1",
            add_be(&sub_be(&p, &margin), &one).to_vec(),
            DhRange::TooCloseToPrime,
        ),
    ];
    for (name, g_a, range) in cases {
        let mut server = Hostile::start(102);
        let answer = server.dh_params_ok(3, &p, &g_a);
        assert_eq!(
            crypto_error(server.deliver(&answer)),
            CryptoError::DhValueOutOfRange {
                value: DhValue::GA,
                range
            },
            "g_a = {name}"
        );
    }
    // The bounds themselves are allowed.
    for g_a in [margin, sub_be(&p, &margin)] {
        let mut server = Hostile::start(103);
        let answer = server.dh_params_ok(3, &p, &g_a);
        assert!(matches!(server.deliver(&answer), Ok(ClientStep::Send(_))));
    }
}

/// `server_DH_params_fail` proves it comes from the server that decrypted
/// `new_nonce`: its `new_nonce_hash` is the low 128 bits of SHA1(new_nonce).
#[test]
fn client_checks_the_hash_of_server_dh_params_fail() {
    let fail = |server: &Hostile, hash: [u8; 16]| {
        enums::ServerDhParams::Fail(types::ServerDhParamsFail {
            nonce: server.nonce,
            server_nonce: server.server_nonce,
            new_nonce_hash: hash,
        })
        .to_bytes()
    };
    let mut server = Hostile::start(110);
    let mut hash = [0u8; 16];
    hash.copy_from_slice(&sha1(&[&server.new_nonce])[4..]);
    let answer = fail(&server, hash);
    let err = server.deliver(&answer).unwrap_err();
    assert!(matches!(err, HandshakeError::ServerDhParamsFail), "{err}");

    let mut server = Hostile::start(111);
    let mut forged = [0u8; 16];
    forged.copy_from_slice(&sha1(&[&server.new_nonce])[4..]);
    forged[0] ^= 1;
    let answer = fail(&server, forged);
    let err = server.deliver(&answer).unwrap_err();
    assert!(matches!(err, HandshakeError::NewNonceHashMismatch), "{err}");

    // The high bits of the SHA-1 are not the hash either.
    let mut server = Hostile::start(112);
    let mut high = [0u8; 16];
    high.copy_from_slice(&sha1(&[&server.new_nonce])[..16]);
    let answer = fail(&server, high);
    let err = server.deliver(&answer).unwrap_err();
    assert!(matches!(err, HandshakeError::NewNonceHashMismatch), "{err}");
}

#[test]
fn client_reports_dh_gen_fail_with_a_correct_hash() {
    let mut server = Hostile::start(120);
    let (_, key) = server.run_to_client_dh();
    let answer = server.dh_gen_fail(server.hash(3, &key));
    let err = server.deliver(&answer).unwrap_err();
    assert!(matches!(err, HandshakeError::DhGenFail), "{err}");
}

#[test]
fn client_rejects_dh_gen_fail_with_a_wrong_hash() {
    for n in [1, 2] {
        let mut server = Hostile::start(121);
        let (_, key) = server.run_to_client_dh();
        let answer = server.dh_gen_fail(server.hash(n, &key));
        let err = server.deliver(&answer).unwrap_err();
        assert!(
            matches!(err, HandshakeError::NewNonceHashMismatch),
            "hash{n}: {err}"
        );
    }
}

/// The three hashes differ so that an attacker cannot turn one answer
/// into another (core.telegram.org/mtproto/auth_key, step 9).
#[test]
fn client_rejects_dh_gen_retry_and_ok_with_the_wrong_hash() {
    type Build = fn(&Hostile, [u8; 16]) -> Vec<u8>;
    let cases: [(&str, Build, u8); 4] = [
        ("retry with hash1", Hostile::dh_gen_retry, 1),
        ("retry with hash3", Hostile::dh_gen_retry, 3),
        ("ok with hash2", Hostile::dh_gen_ok, 2),
        ("ok with hash3", Hostile::dh_gen_ok, 3),
    ];
    for (name, build, n) in cases {
        let mut server = Hostile::start(122);
        let (_, key) = server.run_to_client_dh();
        let answer = build(&server, server.hash(n, &key));
        let err = server.deliver(&answer).unwrap_err();
        assert!(
            matches!(err, HandshakeError::NewNonceHashMismatch),
            "{name}: {err}"
        );
    }
    let mut server = Hostile::start(123);
    server.run_to_client_dh();
    let answer = server.dh_gen_retry([0; 16]);
    let err = server.deliver(&answer).unwrap_err();
    assert!(matches!(err, HandshakeError::NewNonceHashMismatch), "{err}");
}

/// On a genuine `dh_gen_retry` the client goes back to step 6 with a new
/// `b`, and `retry_id` = `auth_key_aux_hash` of the key it just tried.
#[test]
fn after_dh_gen_retry_the_client_retries_with_a_new_b_and_the_aux_hash() {
    let mut server = Hostile::start(130);
    let (first, first_key) = server.run_to_client_dh();
    assert_eq!(first.retry_id, 0, "the first attempt has retry_id 0");

    let answer = server.dh_gen_retry(server.hash(2, &first_key));
    let Ok(ClientStep::Send(body)) = server.deliver(&answer) else {
        panic!("a second set_client_DH_params expected")
    };
    let (second, second_key) = server.open_client_dh(&body);
    assert_eq!(second.retry_id, first_key.aux_hash());
    assert_ne!(second.g_b, first.g_b, "a new b");
    assert_ne!(second_key, first_key);

    let answer = server.dh_gen_retry(server.hash(2, &second_key));
    let Ok(ClientStep::Send(body)) = server.deliver(&answer) else {
        panic!("a third set_client_DH_params expected")
    };
    let (third, third_key) = server.open_client_dh(&body);
    assert_eq!(third.retry_id, second_key.aux_hash());

    let answer = server.dh_gen_ok(server.hash(1, &third_key));
    let Ok(ClientStep::Done(done)) = server.deliver(&answer) else {
        panic!("the key expected")
    };
    assert_eq!(done.auth_key, third_key);
}

/// An answer for another exchange (nonces differ) is refused at every step.
#[test]
fn client_rejects_dh_answers_for_another_exchange() {
    let mut server = Hostile::start(140);
    let (_, key) = server.run_to_client_dh();
    server.server_nonce[0] ^= 1;
    let answer = server.dh_gen_fail(server.hash(3, &key));
    let err = server.deliver(&answer).unwrap_err();
    assert!(matches!(err, HandshakeError::NonceMismatch), "{err}");
}
