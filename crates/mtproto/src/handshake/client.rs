//! The client side of the key exchange.

use paperplane_crypto::dh::{DhParams, DhSecret};
use paperplane_crypto::error::DhValue;
use paperplane_crypto::rsa::{self, RsaPublicKey};
use paperplane_crypto::{AuthKey, ige, pq};
use paperplane_tl::{Deserializable, Serializable, enums, functions, types};
use rand_core::{CryptoRng, RngCore};
use zeroize::{Zeroize, Zeroizing};

use super::{
    HandshakeError, KeyKind, Negotiated, Result, be_bytes, dh_params_fail_hash, first_salt, id_of,
    new_nonce_hash, parse_hashed, temp_aes, with_hash_and_padding,
};

/// How many `dh_gen_retry` answers are tolerated before giving up.
const MAX_RETRIES: u32 = 5;

/// What the client needs to start an exchange.
#[derive(Clone, Debug)]
pub struct ClientConfig {
    /// The DC the key is for, sent in `p_q_inner_data_dc` (test DCs add
    /// 10000, media-only DCs are negative, as Telegram specifies).
    pub dc_id: i32,
    /// Permanent or temporary key.
    pub kind: KeyKind,
    /// RSA keys the client trusts; the server's fingerprint picks one.
    pub keys: Vec<RsaPublicKey>,
}

impl ClientConfig {
    /// A configuration trusting Telegram's published server keys
    /// (production and test); add others with [`ClientConfig::trust`].
    pub fn telegram(dc_id: i32, kind: KeyKind) -> Self {
        let keys = vec![rsa::telegram_production_key(), rsa::telegram_test_key()];
        Self { dc_id, kind, keys }
    }

    /// Also trusts `key` (a private server's, such as the local test
    /// server's), matched by its fingerprint.
    pub fn trust(mut self, key: RsaPublicKey) -> Self {
        if !self
            .keys
            .iter()
            .any(|k| k.fingerprint() == key.fingerprint())
        {
            self.keys.push(key);
        }
        self
    }
}

/// What to do after handling a server message.
#[derive(Debug)]
pub enum ClientStep {
    /// Send this body (in an unencrypted message) and wait for the answer.
    Send(Vec<u8>),
    /// The key exists.
    Done(Box<Negotiated>),
}

/// Values agreed once the server has answered `req_DH_params`.
/// `new_nonce` is secret (the temporary AES key and the first salt come
/// from it): wiped on drop.
struct Exchange {
    nonce: [u8; 16],
    server_nonce: [u8; 16],
    new_nonce: [u8; 32],
}

impl Drop for Exchange {
    fn drop(&mut self) {
        self.new_nonce.zeroize();
    }
}

// One value per exchange: the size difference does not matter.
#[allow(clippy::large_enum_variant)]
enum State {
    AwaitResPq {
        nonce: [u8; 16],
    },
    AwaitDhParams(Exchange),
    AwaitDhGen {
        exchange: Exchange,
        dh: DhParams,
        g_a: Vec<u8>,
        auth_key: AuthKey,
        time_offset: i32,
        retries: u32,
    },
    Done,
}

/// The client's half of the exchange.
pub struct ClientHandshake {
    config: ClientConfig,
    state: State,
}

impl std::fmt::Debug for ClientHandshake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = match self.state {
            State::AwaitResPq { .. } => "AwaitResPq",
            State::AwaitDhParams(_) => "AwaitDhParams",
            State::AwaitDhGen { .. } => "AwaitDhGen",
            State::Done => "Done",
        };
        f.debug_struct("ClientHandshake")
            .field("state", &state)
            .finish_non_exhaustive()
    }
}

impl ClientHandshake {
    /// Starts an exchange: returns the machine and the `req_pq_multi` body
    /// to send.
    pub fn start(config: ClientConfig, rng: &mut (impl RngCore + CryptoRng)) -> (Self, Vec<u8>) {
        let mut nonce = [0u8; 16];
        rng.fill_bytes(&mut nonce);
        let request = functions::ReqPqMulti { nonce }.to_bytes();
        (
            Self {
                config,
                state: State::AwaitResPq { nonce },
            },
            request,
        )
    }

    /// Handles the server's answer. `now` is the local Unix time.
    pub fn handle(
        &mut self,
        answer: &[u8],
        now: i32,
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Result<ClientStep> {
        match std::mem::replace(&mut self.state, State::Done) {
            State::AwaitResPq { nonce } => self.on_res_pq(nonce, answer, rng),
            State::AwaitDhParams(exchange) => self.on_dh_params(exchange, answer, now, rng),
            State::AwaitDhGen {
                exchange,
                dh,
                g_a,
                auth_key,
                time_offset,
                retries,
            } => self.on_dh_gen(
                exchange,
                dh,
                g_a,
                auth_key,
                time_offset,
                retries,
                answer,
                rng,
            ),
            State::Done => Err(HandshakeError::Finished),
        }
    }

    fn on_res_pq(
        &mut self,
        nonce: [u8; 16],
        answer: &[u8],
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Result<ClientStep> {
        let enums::ResPq::ResPq(res) = enums::ResPq::from_bytes(answer)?;
        if res.nonce != nonce {
            return Err(HandshakeError::NonceMismatch);
        }
        let key = res
            .server_public_key_fingerprints
            .iter()
            .find_map(|fp| self.config.keys.iter().find(|k| k.fingerprint() == *fp))
            .ok_or_else(|| {
                HandshakeError::UnknownFingerprints(res.server_public_key_fingerprints.clone())
            })?;
        let (p, q) = pq::factorize_bytes(&res.pq)?;

        let mut new_nonce = Zeroizing::new([0u8; 32]);
        rng.fill_bytes(new_nonce.as_mut());
        let (pq, p_bytes, q_bytes) = (res.pq.clone(), be_bytes(p), be_bytes(q));
        let mut inner = match self.config.kind {
            KeyKind::Permanent => enums::PQInnerData::Dc(Box::new(types::PQInnerDataDc {
                pq,
                p: p_bytes.clone(),
                q: q_bytes.clone(),
                nonce,
                server_nonce: res.server_nonce,
                new_nonce: *new_nonce,
                dc: self.config.dc_id,
            })),
            KeyKind::Temporary { expires_in } => {
                enums::PQInnerData::TempDc(Box::new(types::PQInnerDataTempDc {
                    pq,
                    p: p_bytes.clone(),
                    q: q_bytes.clone(),
                    nonce,
                    server_nonce: res.server_nonce,
                    new_nonce: *new_nonce,
                    dc: self.config.dc_id,
                    expires_in,
                }))
            }
        };
        let plain = Zeroizing::new(inner.to_bytes());
        wipe_new_nonce(&mut inner);
        let encrypted_data = key.encrypt_rsa_pad(&plain, rng)?.to_vec();
        let request = functions::ReqDhParams {
            nonce,
            server_nonce: res.server_nonce,
            p: p_bytes,
            q: q_bytes,
            public_key_fingerprint: key.fingerprint(),
            encrypted_data,
        };
        self.state = State::AwaitDhParams(Exchange {
            nonce,
            server_nonce: res.server_nonce,
            new_nonce: *new_nonce,
        });
        Ok(ClientStep::Send(request.to_bytes()))
    }

    fn on_dh_params(
        &mut self,
        exchange: Exchange,
        answer: &[u8],
        now: i32,
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Result<ClientStep> {
        let ok = match enums::ServerDhParams::from_bytes(answer)? {
            enums::ServerDhParams::Ok(ok) => ok,
            enums::ServerDhParams::Fail(fail) => {
                check_nonces(&exchange, &fail.nonce, &fail.server_nonce)?;
                if fail.new_nonce_hash != dh_params_fail_hash(&exchange.new_nonce) {
                    return Err(HandshakeError::NewNonceHashMismatch);
                }
                return Err(HandshakeError::ServerDhParamsFail);
            }
        };
        check_nonces(&exchange, &ok.nonce, &ok.server_nonce)?;
        let aes = temp_aes(&exchange.new_nonce, &exchange.server_nonce);
        let mut plain = ok.encrypted_answer;
        ige::decrypt(&mut plain, &aes.key, &aes.iv)?;
        let enums::ServerDhInnerData::ServerDhInnerData(inner) = parse_hashed(&plain)?;
        check_nonces(&exchange, &inner.nonce, &inner.server_nonce)?;

        // A negative g becomes 0, which the range check rejects.
        let dh = DhParams::new(&inner.dh_prime, u32::try_from(inner.g).unwrap_or(0))?;
        dh.check_public_value(&inner.g_a, DhValue::GA)?;
        let time_offset = inner.server_time.wrapping_sub(now);
        self.send_client_dh(exchange, dh, inner.g_a, time_offset, 0, 0, rng)
    }

    /// Draws `b`, derives the key and builds `set_client_DH_params`.
    #[allow(clippy::too_many_arguments)]
    fn send_client_dh(
        &mut self,
        exchange: Exchange,
        dh: DhParams,
        g_a: Vec<u8>,
        time_offset: i32,
        retry_id: i64,
        retries: u32,
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Result<ClientStep> {
        let (b, g_b) = dh.generate_keypair(rng, DhValue::GB)?;
        let auth_key = dh.shared_key(&b, &g_a, DhValue::GA)?;
        drop::<DhSecret>(b);
        let inner = enums::ClientDhInnerData::ClientDhInnerData(types::ClientDhInnerData {
            nonce: exchange.nonce,
            server_nonce: exchange.server_nonce,
            retry_id,
            g_b: g_b.to_vec(),
        });
        let aes = temp_aes(&exchange.new_nonce, &exchange.server_nonce);
        let mut encrypted_data = with_hash_and_padding(&inner.to_bytes(), rng);
        ige::encrypt(&mut encrypted_data, &aes.key, &aes.iv)?;
        let request = functions::SetClientDhParams {
            nonce: exchange.nonce,
            server_nonce: exchange.server_nonce,
            encrypted_data,
        };
        self.state = State::AwaitDhGen {
            exchange,
            dh,
            g_a,
            auth_key,
            time_offset,
            retries,
        };
        Ok(ClientStep::Send(request.to_bytes()))
    }

    #[allow(clippy::too_many_arguments)]
    fn on_dh_gen(
        &mut self,
        exchange: Exchange,
        dh: DhParams,
        g_a: Vec<u8>,
        auth_key: AuthKey,
        time_offset: i32,
        retries: u32,
        answer: &[u8],
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Result<ClientStep> {
        let expect = |n: u8, got: &[u8; 16]| {
            if new_nonce_hash(&exchange.new_nonce, n, &auth_key) == *got {
                Ok(())
            } else {
                Err(HandshakeError::NewNonceHashMismatch)
            }
        };
        match enums::SetClientDhParamsAnswer::from_bytes(answer)? {
            enums::SetClientDhParamsAnswer::DhGenOk(ok) => {
                check_nonces(&exchange, &ok.nonce, &ok.server_nonce)?;
                expect(1, &ok.new_nonce_hash1)?;
                Ok(ClientStep::Done(Box::new(Negotiated {
                    first_salt: first_salt(&exchange.new_nonce, &exchange.server_nonce),
                    auth_key,
                    time_offset,
                    kind: self.config.kind,
                    dc_id: Some(self.config.dc_id),
                })))
            }
            enums::SetClientDhParamsAnswer::DhGenRetry(retry) => {
                check_nonces(&exchange, &retry.nonce, &retry.server_nonce)?;
                expect(2, &retry.new_nonce_hash2)?;
                if retries >= MAX_RETRIES {
                    return Err(HandshakeError::TooManyRetries);
                }
                let retry_id = auth_key.aux_hash();
                self.send_client_dh(exchange, dh, g_a, time_offset, retry_id, retries + 1, rng)
            }
            enums::SetClientDhParamsAnswer::DhGenFail(fail) => {
                check_nonces(&exchange, &fail.nonce, &fail.server_nonce)?;
                expect(3, &fail.new_nonce_hash3)?;
                Err(HandshakeError::DhGenFail)
            }
        }
        .map_err(|e| match e {
            HandshakeError::Decode(_) => HandshakeError::Unexpected {
                expected: "dh_gen_ok, dh_gen_retry or dh_gen_fail",
                got: id_of(answer),
            },
            other => other,
        })
    }
}

/// Overwrites the copy of `new_nonce` inside the inner data once it has
/// been serialised.
fn wipe_new_nonce(inner: &mut enums::PQInnerData) {
    match inner {
        enums::PQInnerData::PQInnerData(d) => d.new_nonce.zeroize(),
        enums::PQInnerData::Dc(d) => d.new_nonce.zeroize(),
        enums::PQInnerData::Temp(d) => d.new_nonce.zeroize(),
        enums::PQInnerData::TempDc(d) => d.new_nonce.zeroize(),
    }
}

fn check_nonces(exchange: &Exchange, nonce: &[u8; 16], server_nonce: &[u8; 16]) -> Result<()> {
    if *nonce == exchange.nonce && *server_nonce == exchange.server_nonce {
        Ok(())
    } else {
        Err(HandshakeError::NonceMismatch)
    }
}
