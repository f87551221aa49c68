//! Round trips across modules: the two roles of each protocol step agree.

use paperplane_crypto::auth_key::{self, Direction};
use paperplane_crypto::dh::{self, DhParams};
use paperplane_crypto::error::DhValue;
use paperplane_crypto::rsa::{RsaPrivateKey, RsaPublicKey};
use paperplane_crypto::srp::{self, SrpParams, SrpServer};
use paperplane_crypto::{Error, pq};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

const TEST_KEY_PEM: &str = include_str!("data/test_rsa_key.pem");

/// The server side of the key exchange, end to end at the crypto level:
/// a generated RSA key, pq, RSA_PAD, DH, and a first encrypted message.
#[test]
fn key_exchange_with_a_generated_server_key() {
    let mut rng = ChaCha20Rng::seed_from_u64(2024);

    // Server: its own RSA key, published as PKCS#1 PEM for clients.
    let server_key = RsaPrivateKey::generate(&mut rng, 2048).unwrap();
    assert_eq!(server_key.public_key().bits(), 2048);
    let published = server_key.public_key().to_pkcs1_pem();
    let reloaded = RsaPrivateKey::from_pem(&server_key.to_pkcs1_pem()).unwrap();
    assert_eq!(reloaded.to_pkcs1_der(), server_key.to_pkcs1_der());

    // resPQ: the server picks pq, the client factorises it.
    let (p, q) = pq::generate_pq(&mut rng);
    assert_eq!(pq::factorize(p * q), Ok((p, q)));

    // req_DH_params: the client encrypts p_q_inner_data to the published key.
    let client_view = RsaPublicKey::from_pem(&published).unwrap();
    assert_eq!(
        client_view.fingerprint(),
        server_key.public_key().fingerprint()
    );
    let inner = [0x42u8; 120];
    let encrypted = client_view.encrypt_rsa_pad(&inner, &mut rng).unwrap();
    let decrypted = reloaded.decrypt_rsa_pad(&encrypted, &mut rng).unwrap();
    assert_eq!(&decrypted[..inner.len()], &inner);

    // server_DH_params / set_client_DH_params: both sides get one auth key.
    let params = DhParams::telegram();
    let (a, g_a) = params.generate_keypair(&mut rng, DhValue::GA).unwrap();
    let client_params = DhParams::new(params.prime_bytes(), params.g()).unwrap();
    let (b, g_b) = client_params
        .generate_keypair(&mut rng, DhValue::GB)
        .unwrap();
    let client_key = client_params.shared_key(&b, &g_a, DhValue::GA).unwrap();
    let server_auth_key = params.shared_key(&a, &g_b, DhValue::GB).unwrap();
    assert_eq!(client_key, server_auth_key);
    assert_eq!(client_key.key_id(), server_auth_key.key_id());

    // First messages each way.
    let mut body = vec![7u8; 96];
    let mk =
        auth_key::encrypt_message_data_in_place(&client_key, Direction::ClientToServer, &mut body)
            .unwrap();
    auth_key::decrypt_message_data_in_place(
        &server_auth_key,
        Direction::ClientToServer,
        &mk,
        &mut body,
    )
    .unwrap();
    assert_eq!(body, vec![7u8; 96]);
    let (mk, enc) =
        auth_key::encrypt_message_data(&server_auth_key, Direction::ServerToClient, &body).unwrap();
    assert_eq!(
        auth_key::decrypt_message_data(&client_key, Direction::ServerToClient, &mk, &enc).unwrap(),
        body
    );
}

#[test]
fn old_padding_from_a_client_is_readable_by_the_server() {
    let mut rng = ChaCha20Rng::seed_from_u64(9);
    let key = RsaPrivateKey::from_pem(TEST_KEY_PEM).unwrap();
    for len in [0usize, 1, 96, 235] {
        let data: Vec<u8> = (0..len).map(|i| (i * 3) as u8).collect();
        let encrypted = key
            .public_key()
            .encrypt_sha1_padded(&data, &mut rng)
            .unwrap();
        let decrypted = key.decrypt_sha1_padded(&encrypted, &mut rng).unwrap();
        assert_eq!(decrypted.data(len).unwrap(), data.as_slice());
    }
}

#[test]
fn rsa_modulus_is_not_a_dh_prime() {
    // An RSA modulus is a 2048-bit odd number without small factors: only
    // the Fermat test tells it is composite.
    let key = RsaPrivateKey::from_pem(TEST_KEY_PEM).unwrap();
    let n = key.public_key().modulus();
    assert_eq!(DhParams::new(&n, 4), Err(Error::DhPrimeNotPrime));
    assert_eq!(dh::check_safe_prime(&n), Err(Error::DhPrimeNotPrime));
}

#[test]
fn srp_client_and_server_agree_with_a_real_kdf() {
    let mut rng = ChaCha20Rng::seed_from_u64(11);
    let params = SrpParams::with_dh(
        b"server salt 1 + client random",
        b"salt 2",
        DhParams::telegram(),
    );
    // One real KDF run (100 000 PBKDF2 rounds) shared by both sides.
    let hash = params.password_hash("пароль".as_bytes());
    let verifier = srp::compute_verifier(&params, &hash);
    let server = SrpServer::generate(params.clone(), &verifier, &mut rng).unwrap();
    let answer = srp::client_answer_with_rng(&params, &hash, server.srp_b(), &mut rng).unwrap();
    let key = server.verify(&answer.a, &answer.m1).unwrap();
    assert_ne!(*key, [0u8; 32]);
    // Each login uses a fresh b and a, so B and A differ next time.
    let again = SrpServer::generate(params.clone(), &verifier, &mut rng).unwrap();
    assert_ne!(again.srp_b(), server.srp_b());
    assert!(matches!(
        again.verify(&answer.a, &answer.m1),
        Err(Error::SrpProofMismatch)
    ));
}
