//! The server machine against a client that picks its own `new_nonce`,
//! `b` and `retry_id`: the server must hold the client to the `retry_id`
//! rule (0 first, then `auth_key_aux_hash` of the previous attempt) and
//! answer a violation with a `dh_gen_fail` the client can verify.

use paperplane_crypto::dh::{DhParams, DhSecret};
use paperplane_crypto::error::DhValue;

use super::*;

/// A client driven by hand against the real server machine.
struct Manual {
    rng: ChaCha20Rng,
    config: ServerConfig,
    server: ServerHandshake,
    nonce: [u8; 16],
    server_nonce: [u8; 16],
    new_nonce: [u8; 32],
    dh: DhParams,
    g_a: Vec<u8>,
}

impl Manual {
    /// Runs `req_pq_multi` and `req_DH_params` with `new_nonce` = 0x42…
    fn start(seed: u64) -> Self {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let config = server_config();
        let mut server = ServerHandshake::new();
        let nonce = [0x17; 16];
        let new_nonce = [0x42; 32];
        let req = functions::ReqPqMulti { nonce }.to_bytes();
        let ServerStep::Send(res) = server.handle(&config, &req, NOW, &never, &mut rng).unwrap()
        else {
            panic!("resPQ expected")
        };
        let enums::ResPq::ResPq(res) = enums::ResPq::from_bytes(&res).unwrap();
        let (p, q) = paperplane_crypto::pq::factorize_bytes(&res.pq).unwrap();
        let inner = enums::PQInnerData::Dc(Box::new(types::PQInnerDataDc {
            pq: res.pq.clone(),
            p: be_bytes(p),
            q: be_bytes(q),
            nonce,
            server_nonce: res.server_nonce,
            new_nonce,
            dc: 2,
        }));
        let encrypted_data = rsa()
            .public_key()
            .encrypt_rsa_pad(&inner.to_bytes(), &mut rng)
            .unwrap()
            .to_vec();
        let req = functions::ReqDhParams {
            nonce,
            server_nonce: res.server_nonce,
            p: be_bytes(p),
            q: be_bytes(q),
            public_key_fingerprint: rsa().public_key().fingerprint(),
            encrypted_data,
        }
        .to_bytes();
        let ServerStep::Send(answer) = server.handle(&config, &req, NOW, &never, &mut rng).unwrap()
        else {
            panic!("server_DH_params expected")
        };
        let enums::ServerDhParams::Ok(ok) = enums::ServerDhParams::from_bytes(&answer).unwrap()
        else {
            panic!("server_DH_params_ok expected")
        };
        let aes = temp_aes(&new_nonce, &res.server_nonce);
        let mut plain = ok.encrypted_answer;
        ige::decrypt(&mut plain, &aes.key, &aes.iv).unwrap();
        let enums::ServerDhInnerData::ServerDhInnerData(dh) = parse_hashed(&plain).unwrap();
        Self {
            rng,
            config,
            server,
            nonce,
            server_nonce: res.server_nonce,
            new_nonce,
            dh: DhParams::new(&dh.dh_prime, dh.g as u32).unwrap(),
            g_a: dh.g_a,
        }
    }

    /// Sends `set_client_DH_params` with a fresh `b` and `retry_id`;
    /// returns the server's answer and the key this attempt implies.
    fn attempt(
        &mut self,
        retry_id: i64,
        key_in_use: &dyn Fn(i64) -> bool,
    ) -> (enums::SetClientDhParamsAnswer, AuthKey, bool) {
        let b = DhSecret::random(&mut self.rng);
        let g_b = self.dh.public_value(&b, DhValue::GB).unwrap();
        let key = self.dh.shared_key(&b, &self.g_a, DhValue::GA).unwrap();
        let inner = enums::ClientDhInnerData::ClientDhInnerData(types::ClientDhInnerData {
            nonce: self.nonce,
            server_nonce: self.server_nonce,
            retry_id,
            g_b: g_b.to_vec(),
        });
        let aes = temp_aes(&self.new_nonce, &self.server_nonce);
        let mut encrypted_data = with_hash_and_padding(&inner.to_bytes(), &mut self.rng);
        ige::encrypt(&mut encrypted_data, &aes.key, &aes.iv).unwrap();
        let body = functions::SetClientDhParams {
            nonce: self.nonce,
            server_nonce: self.server_nonce,
            encrypted_data,
        }
        .to_bytes();
        let (reply, done) = match self
            .server
            .handle(&self.config, &body, NOW, key_in_use, &mut self.rng)
            .unwrap()
        {
            ServerStep::Send(reply) => (reply, false),
            ServerStep::Done { reply, .. } => (reply, true),
        };
        let answer = enums::SetClientDhParamsAnswer::from_bytes(&reply).unwrap();
        (answer, key, done)
    }

    fn hash(&self, n: u8, key: &AuthKey) -> [u8; 16] {
        new_nonce_hash(&self.new_nonce, n, key)
    }
}

/// The server asks for one retry (the first key's id is "taken"), then
/// sees the second attempt with `retry_id`.
fn after_one_retry(seed: u64, retry_id: impl FnOnce(&AuthKey) -> i64) -> Manual {
    let mut client = Manual::start(seed);
    let asked = std::cell::Cell::new(0);
    let first_time = |_: i64| {
        asked.set(asked.get() + 1);
        asked.get() == 1
    };
    let (answer, first, done) = client.attempt(0, &first_time);
    let enums::SetClientDhParamsAnswer::DhGenRetry(retry) = answer else {
        panic!("dh_gen_retry expected")
    };
    assert!(!done);
    assert_eq!(retry.new_nonce_hash2, client.hash(2, &first));
    let id = retry_id(&first);
    let (answer, second, done) = client.attempt(id, &first_time);
    match answer {
        enums::SetClientDhParamsAnswer::DhGenOk(ok) => {
            assert!(done, "dh_gen_ok comes with the key");
            assert_eq!(ok.new_nonce_hash1, client.hash(1, &second));
        }
        enums::SetClientDhParamsAnswer::DhGenFail(fail) => {
            assert!(!done, "no key after dh_gen_fail");
            assert_eq!(fail.new_nonce_hash3, client.hash(3, &second));
            return client;
        }
        enums::SetClientDhParamsAnswer::DhGenRetry(_) => panic!("a second retry"),
    }
    panic!("the server accepted retry_id {id}");
}

#[test]
fn server_answers_dh_gen_fail_to_a_wrong_retry_id_after_a_retry() {
    after_one_retry(200, |_| 0);
    after_one_retry(201, |first| first.aux_hash() ^ 1);
    after_one_retry(202, |first| first.key_id());
}

#[test]
fn server_accepts_the_aux_hash_of_the_previous_key_as_retry_id() {
    let mut client = Manual::start(203);
    let asked = std::cell::Cell::new(0);
    let first_time = |_: i64| {
        asked.set(asked.get() + 1);
        asked.get() == 1
    };
    let (_, first, _) = client.attempt(0, &first_time);
    let (answer, second, done) = client.attempt(first.aux_hash(), &first_time);
    let enums::SetClientDhParamsAnswer::DhGenOk(ok) = answer else {
        panic!("dh_gen_ok expected")
    };
    assert!(done);
    assert_eq!(ok.new_nonce_hash1, client.hash(1, &second));
}

#[test]
fn server_answers_dh_gen_fail_to_a_retry_id_on_the_first_attempt() {
    let mut client = Manual::start(204);
    let (answer, key, done) = client.attempt(0x1234_5678, &never);
    let enums::SetClientDhParamsAnswer::DhGenFail(fail) = answer else {
        panic!("dh_gen_fail expected, got another answer")
    };
    assert!(!done);
    assert_eq!(fail.new_nonce_hash3, client.hash(3, &key));
    // The exchange is over: a new one starts with req_pq_multi.
    let err = client
        .server
        .handle(
            &client.config,
            &functions::SetClientDhParams {
                nonce: client.nonce,
                server_nonce: client.server_nonce,
                encrypted_data: vec![0; 32],
            }
            .to_bytes(),
            NOW,
            &never,
            &mut client.rng,
        )
        .unwrap_err();
    assert!(matches!(err, HandshakeError::Finished), "{err}");
}

/// The real client through a forced `dh_gen_retry` against the real
/// server, which now checks the client's `retry_id`: both end with the
/// same key, and the server looked at two different keys.
#[test]
fn client_and_server_agree_through_a_forced_retry() {
    let seen = std::cell::RefCell::new(Vec::new());
    let first_time = |id: i64| {
        seen.borrow_mut().push(id);
        seen.borrow().len() == 1
    };
    let (client, server) = exchange(KeyKind::Permanent, &first_time, 205, NOW);
    assert_eq!(client.auth_key, server.auth_key);
    let seen = seen.into_inner();
    assert_eq!(seen.len(), 2);
    assert_ne!(seen[0], seen[1]);
    assert_eq!(seen[1], server.auth_key.key_id());
}
