//! Two-step verification: the stored SRP verifier (never the password)
//! and the server's half of an SRP login.

use paperplane_crypto::dh::DhParams;
use paperplane_crypto::srp::{self, SrpParams, SrpServer};
use paperplane_tl::{enums, types};
use rand_core::{CryptoRng, RngCore};
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ApiResult};

/// Telegram's generator for the SRP group.
const G: i32 = 3;

/// A 2FA password as the server keeps it.
#[derive(Clone, Serialize, Deserialize)]
pub struct PasswordRecord {
    /// `salt1` of the current algorithm (client prefix + its 32 random bytes).
    pub salt1: Vec<u8>,
    /// `salt2` of the current algorithm.
    pub salt2: Vec<u8>,
    /// `v = g^x mod p`, 256 bytes.
    pub verifier: Vec<u8>,
    /// The hint shown at login.
    pub hint: Option<String>,
}

impl std::fmt::Debug for PasswordRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordRecord")
            .field("hint", &self.hint)
            .finish_non_exhaustive()
    }
}

fn random_bytes(rng: &mut impl RngCore, n: usize) -> Vec<u8> {
    let mut bytes = vec![0; n];
    rng.fill_bytes(&mut bytes);
    bytes
}

impl PasswordRecord {
    /// Derives the record for `password` with fresh salts (runs the slow
    /// KDF once).
    pub fn new(password: &str, hint: Option<String>, rng: &mut impl RngCore) -> Self {
        let salt1 = random_bytes(rng, 40);
        let salt2 = random_bytes(rng, 16);
        let params = SrpParams::with_dh(&salt1, &salt2, DhParams::telegram());
        let hash = params.password_hash(password.as_bytes());
        let verifier = srp::compute_verifier(&params, &hash).to_vec();
        Self {
            salt1,
            salt2,
            verifier,
            hint,
        }
    }

    /// The SRP parameters of the current algorithm.
    pub fn params(&self) -> SrpParams {
        SrpParams::with_dh(&self.salt1, &self.salt2, DhParams::telegram())
    }

    /// `passwordKdfAlgoSHA256SHA256PBKDF2HMACSHA512iter100000SHA256ModPow`
    /// with this record's salts.
    pub fn current_algo(&self) -> enums::PasswordKdfAlgo {
        algo(self.salt1.clone(), self.salt2.clone())
    }

    /// Starts an SRP login: the server's secret `b` and public `B`.
    pub fn start_login<R: RngCore + CryptoRng>(&self, rng: &mut R) -> ApiResult<SrpServer> {
        let verifier: [u8; 256] = self
            .verifier
            .as_slice()
            .try_into()
            .map_err(|_| ApiError::new(500, "PASSWORD_RECORD_INVALID"))?;
        SrpServer::generate(self.params(), &verifier, rng)
            .map_err(|_| ApiError::new(500, "SRP_GENERATION_FAILED"))
    }
}

/// The algorithm with the given salts over Telegram's 2048-bit group, g = 3.
pub fn algo(salt1: Vec<u8>, salt2: Vec<u8>) -> enums::PasswordKdfAlgo {
    enums::PasswordKdfAlgo::Sha256Sha256Pbkdf2Hmacsha512iter100000Sha256ModPow(
        types::PasswordKdfAlgoSha256Sha256Pbkdf2Hmacsha512iter100000Sha256ModPow {
            salt1,
            salt2,
            g: G,
            p: DhParams::telegram().prime_bytes().to_vec(),
        },
    )
}

/// `new_algo` of `account.password`: a fresh `salt1` prefix the client
/// extends with 32 random bytes.
pub fn new_algo(rng: &mut impl RngCore) -> enums::PasswordKdfAlgo {
    algo(random_bytes(rng, 8), random_bytes(rng, 16))
}

/// `new_secure_algo` and `secure_random` of `account.password`.
pub fn secure_parts(rng: &mut impl RngCore) -> (enums::SecurePasswordKdfAlgo, Vec<u8>) {
    let algo = enums::SecurePasswordKdfAlgo::Pbkdf2Hmacsha512iter100000(
        types::SecurePasswordKdfAlgoPbkdf2Hmacsha512iter100000 {
            salt: random_bytes(rng, 8),
        },
    );
    (algo, random_bytes(rng, 256))
}

/// One user's login in progress: the `srp_id` and the server's state.
pub struct SrpLogin {
    /// The id the client must send back.
    pub srp_id: i64,
    /// The server's half.
    pub server: SrpServer,
}
