//! The server side of the key exchange.
//!
//! It accepts everything Telegram's servers still accept, because widely
//! used clients send it: `req_pq` as well as `req_pq_multi`; the inner data
//! with or without a DC (`p_q_inner_data`, `_dc`, `_temp`, `_temp_dc`); and
//! both RSA encodings of it (`RSA_PAD`, and the older SHA-1 + data +
//! padding). A new `req_pq*` at any point abandons the exchange in progress
//! and starts over, as clients do after a failed attempt on one connection.
//!
//! `set_client_DH_params` is answered as core.telegram.org/mtproto/auth_key
//! says: `dh_gen_retry` when the new key's id is taken (the client then
//! tries a new `b` with `retry_id` = `auth_key_aux_hash` of the refused
//! key), `dh_gen_fail` when the client's `retry_id` is not that value (0 on
//! the first attempt), `dh_gen_ok` otherwise. Each answer carries its own
//! `new_nonce_hash1/2/3`, so the client can tell it came from us.

use paperplane_crypto::dh::{DhParams, DhSecret};
use paperplane_crypto::error::DhValue;
use paperplane_crypto::rsa::RsaPrivateKey;
use paperplane_crypto::{AuthKey, ige, pq};
use paperplane_tl::{Cursor, Deserializable, Identifiable, Serializable, enums, functions, types};
use rand_core::{CryptoRng, RngCore};
use zeroize::{Zeroize, Zeroizing};

use super::{
    HandshakeError, KeyKind, Negotiated, Result, first_salt, from_be, id_of, new_nonce_hash,
    parse_hashed, temp_aes, with_hash_and_padding,
};

/// What the server needs for every exchange.
#[derive(Debug)]
pub struct ServerConfig {
    /// The server's RSA key; its fingerprint is offered in `resPQ`.
    pub rsa: RsaPrivateKey,
    /// Diffie-Hellman group: Telegram's published 2048-bit prime with g = 3.
    pub dh: DhParams,
}

impl ServerConfig {
    /// A configuration with Telegram's DH group.
    pub fn new(rsa: RsaPrivateKey) -> Self {
        Self {
            rsa,
            dh: DhParams::telegram(),
        }
    }
}

/// What to do after handling a client message.
#[derive(Debug)]
pub enum ServerStep {
    /// Send this body and wait for the next message.
    Send(Vec<u8>),
    /// The key exists: send `reply` (`dh_gen_ok`) and start using the key.
    Done {
        /// The `dh_gen_ok` body.
        reply: Vec<u8>,
        /// The new key and what was agreed.
        negotiated: Box<Negotiated>,
    },
}

// One value per exchange: the size difference does not matter.
#[allow(clippy::large_enum_variant)]
enum State {
    AwaitReqPq,
    AwaitReqDh {
        nonce: [u8; 16],
        server_nonce: [u8; 16],
        p: u64,
        q: u64,
    },
    AwaitClientDh(ClientDh),
    Done,
}

/// What the server keeps while it waits for `set_client_DH_params`.
/// `new_nonce` and `a` are secret and wiped on drop.
struct ClientDh {
    nonce: [u8; 16],
    server_nonce: [u8; 16],
    new_nonce: Zeroizing<[u8; 32]>,
    a: DhSecret,
    kind: KeyKind,
    dc_id: Option<i32>,
    /// The `retry_id` the next attempt must carry: 0 at first, then
    /// `auth_key_aux_hash` of the key answered with `dh_gen_retry`.
    retry_id: i64,
}

/// The server's half of the exchange, one per connection.
pub struct ServerHandshake {
    state: State,
}

impl Default for ServerHandshake {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for ServerHandshake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = match self.state {
            State::AwaitReqPq => "AwaitReqPq",
            State::AwaitReqDh { .. } => "AwaitReqDh",
            State::AwaitClientDh(_) => "AwaitClientDh",
            State::Done => "Done",
        };
        f.debug_struct("ServerHandshake")
            .field("state", &state)
            .finish()
    }
}

/// The decoded `p_q_inner_data*`, whichever form the client used.
/// `new_nonce` is wiped on drop.
struct Inner {
    pq: Vec<u8>,
    p: Vec<u8>,
    q: Vec<u8>,
    nonce: [u8; 16],
    server_nonce: [u8; 16],
    new_nonce: [u8; 32],
    dc_id: Option<i32>,
    kind: KeyKind,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.new_nonce.zeroize();
    }
}

impl From<enums::PQInnerData> for Inner {
    fn from(data: enums::PQInnerData) -> Self {
        use enums::PQInnerData as D;
        // The four forms share their first six fields. The decoded copy of
        // `new_nonce` is wiped once it is taken.
        macro_rules! inner {
            ($d:expr, $dc_id:expr, $kind:expr) => {{
                let new_nonce = $d.new_nonce;
                $d.new_nonce.zeroize();
                Inner {
                    pq: $d.pq,
                    p: $d.p,
                    q: $d.q,
                    nonce: $d.nonce,
                    server_nonce: $d.server_nonce,
                    new_nonce,
                    dc_id: $dc_id,
                    kind: $kind,
                }
            }};
        }
        match data {
            D::PQInnerData(mut d) => inner!(d, None, KeyKind::Permanent),
            D::Dc(mut d) => inner!(d, Some(d.dc), KeyKind::Permanent),
            D::Temp(mut d) => inner!(
                d,
                None,
                KeyKind::Temporary {
                    expires_in: d.expires_in
                }
            ),
            D::TempDc(mut d) => {
                inner!(
                    d,
                    Some(d.dc),
                    KeyKind::Temporary {
                        expires_in: d.expires_in
                    }
                )
            }
        }
    }
}

impl ServerHandshake {
    /// A machine waiting for `req_pq_multi` (or `req_pq`).
    pub fn new() -> Self {
        Self {
            state: State::AwaitReqPq,
        }
    }

    /// Whether `body` starts a new exchange (`req_pq_multi` or `req_pq`).
    pub fn is_start(body: &[u8]) -> bool {
        let id = id_of(body);
        id == functions::ReqPqMulti::CONSTRUCTOR_ID || id == functions::ReqPq::CONSTRUCTOR_ID
    }

    /// Handles one client message. `now` is the server's Unix time;
    /// `key_in_use` tells whether an auth key id is already taken (the
    /// client is then asked to retry with a new `b`).
    pub fn handle(
        &mut self,
        config: &ServerConfig,
        body: &[u8],
        now: i32,
        key_in_use: &dyn Fn(i64) -> bool,
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Result<ServerStep> {
        if Self::is_start(body) {
            return self.on_req_pq(config, body, rng);
        }
        match std::mem::replace(&mut self.state, State::Done) {
            State::AwaitReqDh {
                nonce,
                server_nonce,
                p,
                q,
            } => self.on_req_dh(config, body, now, (nonce, server_nonce, p, q), rng),
            State::AwaitClientDh(waiting) => self.on_client_dh(config, body, waiting, key_in_use),
            State::AwaitReqPq => Err(HandshakeError::Unexpected {
                expected: "req_pq_multi",
                got: id_of(body),
            }),
            State::Done => Err(HandshakeError::Finished),
        }
    }

    fn on_req_pq(
        &mut self,
        config: &ServerConfig,
        body: &[u8],
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Result<ServerStep> {
        // Both functions carry just the nonce after their (different) ids.
        let nonce: [u8; 16] =
            body.get(4..20)
                .and_then(|n| n.try_into().ok())
                .ok_or(HandshakeError::Unexpected {
                    expected: "req_pq_multi",
                    got: id_of(body),
                })?;
        let mut server_nonce = [0u8; 16];
        rng.fill_bytes(&mut server_nonce);
        let (p, q) = pq::generate_pq(rng);
        let res = enums::ResPq::ResPq(types::ResPq {
            nonce,
            server_nonce,
            pq: (p * q).to_be_bytes().to_vec(),
            server_public_key_fingerprints: vec![config.rsa.public_key().fingerprint()],
        });
        self.state = State::AwaitReqDh {
            nonce,
            server_nonce,
            p,
            q,
        };
        Ok(ServerStep::Send(res.to_bytes()))
    }

    fn on_req_dh(
        &mut self,
        config: &ServerConfig,
        body: &[u8],
        now: i32,
        (nonce, server_nonce, p, q): ([u8; 16], [u8; 16], u64, u64),
        rng: &mut (impl RngCore + CryptoRng),
    ) -> Result<ServerStep> {
        let req =
            functions::ReqDhParams::from_bytes(body).map_err(|_| HandshakeError::Unexpected {
                expected: "req_DH_params",
                got: id_of(body),
            })?;
        if req.nonce != nonce || req.server_nonce != server_nonce {
            return Err(HandshakeError::NonceMismatch);
        }
        if req.public_key_fingerprint != config.rsa.public_key().fingerprint() {
            return Err(HandshakeError::UnknownFingerprints(vec![
                req.public_key_fingerprint,
            ]));
        }
        if from_be(&req.p) != Some(p) || from_be(&req.q) != Some(q) {
            return Err(HandshakeError::PqMismatch);
        }
        let inner = decrypt_inner(config, &req.encrypted_data, rng)?;
        if inner.nonce != nonce || inner.server_nonce != server_nonce {
            return Err(HandshakeError::NonceMismatch);
        }
        if from_be(&inner.pq) != Some(p * q)
            || from_be(&inner.p) != Some(p)
            || from_be(&inner.q) != Some(q)
        {
            return Err(HandshakeError::PqMismatch);
        }

        let (a, g_a) = config.dh.generate_keypair(rng, DhValue::GA)?;
        let answer = enums::ServerDhInnerData::ServerDhInnerData(types::ServerDhInnerData {
            nonce,
            server_nonce,
            g: config.dh.g() as i32,
            dh_prime: config.dh.prime_bytes().to_vec(),
            g_a: g_a.to_vec(),
            server_time: now,
        });
        let aes = temp_aes(&inner.new_nonce, &server_nonce);
        let mut encrypted_answer = with_hash_and_padding(&answer.to_bytes(), rng);
        ige::encrypt(&mut encrypted_answer, &aes.key, &aes.iv)?;
        let reply = enums::ServerDhParams::Ok(types::ServerDhParamsOk {
            nonce,
            server_nonce,
            encrypted_answer,
        });
        self.state = State::AwaitClientDh(ClientDh {
            nonce,
            server_nonce,
            new_nonce: Zeroizing::new(inner.new_nonce),
            a,
            kind: inner.kind,
            dc_id: inner.dc_id,
            retry_id: 0,
        });
        Ok(ServerStep::Send(reply.to_bytes()))
    }

    fn on_client_dh(
        &mut self,
        config: &ServerConfig,
        body: &[u8],
        mut waiting: ClientDh,
        key_in_use: &dyn Fn(i64) -> bool,
    ) -> Result<ServerStep> {
        let req = functions::SetClientDhParams::from_bytes(body).map_err(|_| {
            HandshakeError::Unexpected {
                expected: "set_client_DH_params",
                got: id_of(body),
            }
        })?;
        let (nonce, server_nonce) = (waiting.nonce, waiting.server_nonce);
        if req.nonce != nonce || req.server_nonce != server_nonce {
            return Err(HandshakeError::NonceMismatch);
        }
        let aes = temp_aes(&waiting.new_nonce, &server_nonce);
        let mut plain = req.encrypted_data;
        ige::decrypt(&mut plain, &aes.key, &aes.iv)?;
        let enums::ClientDhInnerData::ClientDhInnerData(inner) = parse_hashed(&plain)?;
        if inner.nonce != nonce || inner.server_nonce != server_nonce {
            return Err(HandshakeError::NonceMismatch);
        }
        let auth_key: AuthKey = config.dh.shared_key(&waiting.a, &inner.g_b, DhValue::GB)?;

        if inner.retry_id != waiting.retry_id {
            // Not the attempt we asked for: refuse this exchange; the
            // client starts a new one.
            let fail = enums::SetClientDhParamsAnswer::DhGenFail(types::DhGenFail {
                nonce,
                server_nonce,
                new_nonce_hash3: new_nonce_hash(&waiting.new_nonce, 3, &auth_key),
            });
            return Ok(ServerStep::Send(fail.to_bytes()));
        }
        if key_in_use(auth_key.key_id()) {
            // Ask for a new g_b; the same `a` stays in force.
            let retry = enums::SetClientDhParamsAnswer::DhGenRetry(types::DhGenRetry {
                nonce,
                server_nonce,
                new_nonce_hash2: new_nonce_hash(&waiting.new_nonce, 2, &auth_key),
            });
            waiting.retry_id = auth_key.aux_hash();
            self.state = State::AwaitClientDh(waiting);
            return Ok(ServerStep::Send(retry.to_bytes()));
        }
        let reply = enums::SetClientDhParamsAnswer::DhGenOk(types::DhGenOk {
            nonce,
            server_nonce,
            new_nonce_hash1: new_nonce_hash(&waiting.new_nonce, 1, &auth_key),
        })
        .to_bytes();
        Ok(ServerStep::Done {
            reply,
            negotiated: Box::new(Negotiated {
                auth_key,
                time_offset: 0,
                first_salt: first_salt(&waiting.new_nonce, &server_nonce),
                kind: waiting.kind,
                dc_id: waiting.dc_id,
            }),
        })
    }
}

/// Decrypts `p_q_inner_data*` sent with either RSA encoding.
fn decrypt_inner(
    config: &ServerConfig,
    encrypted: &[u8],
    rng: &mut (impl RngCore + CryptoRng),
) -> Result<Inner> {
    if let Ok(data) = config.rsa.decrypt_rsa_pad(encrypted, rng) {
        let inner = enums::PQInnerData::from_bytes(data.as_ref())?;
        return Ok(inner.into());
    }
    let padded = config.rsa.decrypt_sha1_padded(encrypted, rng)?;
    let mut cur = Cursor::new(padded.tail());
    let inner = enums::PQInnerData::deserialize(&mut cur)?;
    padded.data(cur.position())?;
    Ok(inner.into())
}
