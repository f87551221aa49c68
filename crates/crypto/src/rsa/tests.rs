use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;

use super::*;

/// A 2048-bit key made with `openssl genrsa -traditional 2048`.
const KEY_PEM: &str = include_str!("../../tests/data/test_rsa_key.pem");
const KEY_PKCS8_PEM: &str = include_str!("../../tests/data/test_rsa_key_pkcs8.pem");
const PUB_PKCS1_PEM: &str = include_str!("../../tests/data/test_rsa_pub_pkcs1.pem");
const PUB_SPKI_PEM: &str = include_str!("../../tests/data/test_rsa_pub_spki.pem");

fn key() -> RsaPrivateKey {
    RsaPrivateKey::from_pem(KEY_PEM).unwrap()
}

fn rng(seed: u64) -> ChaCha20Rng {
    ChaCha20Rng::seed_from_u64(seed)
}

#[test]
fn tl_bytes_serialization() {
    let mut out = Vec::new();
    tl_bytes(&mut out, &[1, 0, 1]);
    assert_eq!(out, [3, 1, 0, 1]);
    let mut out = Vec::new();
    tl_bytes(&mut out, &[9; 4]);
    assert_eq!(out, [4, 9, 9, 9, 9, 0, 0, 0]);
    let mut out = Vec::new();
    tl_bytes(&mut out, &[7; 256]);
    assert_eq!(&out[..4], &[254, 0, 1, 0]);
    assert_eq!(out.len(), 260);
    let mut out = Vec::new();
    tl_bytes(&mut out, &[7; 254]);
    assert_eq!(&out[..4], &[254, 254, 0, 0]);
    assert_eq!(out.len(), 260); // 4 + 254, padded to 260
}

#[test]
fn fingerprint_ignores_leading_zeros() {
    let n = rsa_modulus();
    let padded = [&[0u8, 0][..], &n[..]].concat();
    assert_eq!(
        fingerprint(&n, &[1, 0, 1]),
        fingerprint(&padded, &[0, 1, 0, 1])
    );
    assert_ne!(fingerprint(&n, &[1, 0, 1]), fingerprint(&n, &[3]));
}

fn rsa_modulus() -> Vec<u8> {
    telegram_production_key().modulus()
}

#[test]
fn embedded_moduli_match_the_pems() {
    let prod = RsaPublicKey::from_pem(TELEGRAM_PRODUCTION_KEY_PEM).unwrap();
    assert_eq!(prod.modulus(), PRODUCTION_MODULUS.to_vec());
    let test = RsaPublicKey::from_pem(TELEGRAM_TEST_KEY_PEM).unwrap();
    assert_eq!(test.modulus(), TEST_MODULUS.to_vec());
    assert_eq!(test.to_pkcs1_pem(), TELEGRAM_TEST_KEY_PEM);
}

#[test]
fn public_key_components_are_validated() {
    let n = rsa_modulus();
    assert!(RsaPublicKey::from_components(&n, &[1, 0, 1]).is_ok());
    let mut even = n.clone();
    *even.last_mut().unwrap() &= 0xfe;
    assert!(matches!(
        RsaPublicKey::from_components(&even, &[3]),
        Err(Error::InvalidRsaKey(_))
    ));
    assert!(matches!(
        RsaPublicKey::from_components(&[0xff; 32], &[3]),
        Err(Error::InvalidRsaKey(_))
    ));
    for bad_e in [&[][..], &[1], &[2], &[1, 0, 0]] {
        assert!(
            matches!(
                RsaPublicKey::from_components(&n, bad_e),
                Err(Error::InvalidRsaKey(_))
            ),
            "{bad_e:?}"
        );
    }
    assert!(matches!(
        RsaPublicKey::from_components(&n, &n),
        Err(Error::InvalidRsaKey(_))
    ));
}

#[test]
fn pem_formats_load_and_round_trip() {
    let key = key();
    // PKCS#1 private export reproduces OpenSSL's file byte for byte.
    assert_eq!(key.to_pkcs1_pem().as_str(), KEY_PEM);
    let pkcs8 = RsaPrivateKey::from_pem(KEY_PKCS8_PEM).unwrap();
    assert_eq!(pkcs8.to_pkcs1_der(), key.to_pkcs1_der());

    let public = RsaPublicKey::from_pem(PUB_PKCS1_PEM).unwrap();
    assert_eq!(&public, key.public_key());
    assert_eq!(public.to_pkcs1_pem(), PUB_PKCS1_PEM);
    assert_eq!(RsaPublicKey::from_pem(PUB_SPKI_PEM).unwrap(), public);

    // Labels are not interchangeable.
    assert!(matches!(
        RsaPublicKey::from_pem(KEY_PEM),
        Err(Error::InvalidPem(_))
    ));
    assert!(matches!(
        RsaPrivateKey::from_pem(PUB_PKCS1_PEM),
        Err(Error::InvalidPem(_))
    ));
}

#[test]
fn inconsistent_private_keys_are_refused() {
    let key = key();
    let p = from_be(&key.p);
    let q = from_be(&key.q);
    let n = &p * &q;
    let e = BigUint::from(65_537u32);
    let d = from_be(&key.d);
    let dp = from_be(&key.dp);
    let dq = from_be(&key.dq);
    let qinv = from_be(&key.qinv);
    let build = |n: &BigUint, d: &BigUint, dp: &BigUint, dq: &BigUint, qinv: &BigUint| {
        let mut body = Vec::new();
        encoding::write_uint(&mut body, &[0]);
        for x in [n, &e, d, &p, &q, dp, dq, qinv] {
            encoding::write_uint(&mut body, &x.to_bytes_be());
        }
        let mut der = Vec::new();
        encoding::write(&mut der, TAG_SEQUENCE, &body);
        RsaPrivateKey::from_pkcs1_der(&der)
    };
    assert!(build(&n, &d, &dp, &dq, &qinv).is_ok());
    let wrong = |x: &BigUint| x + 2u32;
    assert_eq!(
        build(&wrong(&n), &d, &dp, &dq, &qinv).unwrap_err(),
        Error::InvalidRsaKey("n is not p * q")
    );
    assert_eq!(
        build(&n, &d, &wrong(&dp), &dq, &qinv).unwrap_err(),
        Error::InvalidRsaKey("d does not invert e")
    );
    assert_eq!(
        build(&n, &wrong(&d), &dp, &dq, &qinv).unwrap_err(),
        Error::InvalidRsaKey("CRT exponents do not match d")
    );
    assert_eq!(
        build(&n, &d, &dp, &dq, &wrong(&qinv)).unwrap_err(),
        Error::InvalidRsaKey("CRT coefficient is wrong")
    );

    // Version 1 (multi-prime) keys are refused.
    let mut body = Vec::new();
    encoding::write_uint(&mut body, &[1]);
    let mut der = Vec::new();
    encoding::write(&mut der, TAG_SEQUENCE, &body);
    assert!(matches!(
        RsaPrivateKey::from_pkcs1_der(&der),
        Err(Error::InvalidRsaKey(_))
    ));
}

#[test]
fn rsa_pad_round_trip() {
    let key = key();
    let mut rng = rng(1);
    for len in [0usize, 1, 100, RSA_PAD_MAX_DATA] {
        let data: Vec<u8> = (0..len).map(|i| i as u8 ^ 0x5c).collect();
        let encrypted = key.public_key().encrypt_rsa_pad(&data, &mut rng).unwrap();
        let decrypted = key.decrypt_rsa_pad(&encrypted, &mut rng).unwrap();
        assert_eq!(&decrypted[..len], data.as_slice());
    }
}

#[test]
fn rsa_pad_rejects_tampering_and_wrong_keys() {
    let key = key();
    let mut rng = rng(2);
    let encrypted = key
        .public_key()
        .encrypt_rsa_pad(b"inner data", &mut rng)
        .unwrap();

    let mut tampered = encrypted;
    tampered[255] ^= 1;
    assert_eq!(
        key.decrypt_rsa_pad(&tampered, &mut rng).unwrap_err(),
        Error::RsaPadHashMismatch
    );

    // Old-scheme ciphertext is not RSA_PAD.
    let old = key
        .public_key()
        .encrypt_sha1_padded(b"inner data", &mut rng)
        .unwrap();
    assert_eq!(
        key.decrypt_rsa_pad(&old, &mut rng).unwrap_err(),
        Error::RsaPadHashMismatch
    );

    // Ciphertexts not below n.
    let n = key.public_key().modulus();
    assert_eq!(
        key.decrypt_rsa_pad(&n, &mut rng).unwrap_err(),
        Error::RsaInputTooLarge
    );
    assert_eq!(
        key.decrypt_rsa_pad(&[0xff; 257], &mut rng).unwrap_err(),
        Error::RsaInputTooLarge
    );
}

#[test]
fn padding_inputs_are_validated() {
    let public = telegram_production_key();
    let mut rng = rng(3);
    assert_eq!(
        public.encrypt_rsa_pad(&[0; 145], &mut rng),
        Err(Error::RsaDataTooLong { len: 145, max: 144 })
    );
    assert_eq!(
        public.rsa_pad_attempt(&[0; 10], &[0; 181], &[0; 32]),
        Err(Error::InvalidLength {
            what: "RSA_PAD random padding",
            expected: 182,
            got: 181
        })
    );
    assert_eq!(
        public.encrypt_sha1_padded(&[0; 236], &mut rng),
        Err(Error::RsaDataTooLong { len: 236, max: 235 })
    );
    assert!(matches!(
        public.encrypt_sha1_padded_with(&[0; 10], &[0; 10]),
        Err(Error::InvalidLength { .. })
    ));
    assert_eq!(
        public.encrypt_raw(&[0xff; 256]),
        Err(Error::RsaInputTooLarge)
    );

    // Telegram's paddings need a 2048-bit modulus.
    let small = RsaPublicKey::from_components(&[0xc3; 128], &[1, 0, 1]).unwrap();
    assert_eq!(
        small.encrypt_rsa_pad(b"x", &mut rng),
        Err(Error::RsaModulusSize { bits: 1024 })
    );
    assert_eq!(
        small.encrypt_raw(&[0; 256]),
        Err(Error::RsaModulusSize { bits: 1024 })
    );
}

#[test]
fn sha1_padding_round_trip_and_checks() {
    let key = key();
    let mut rng = rng(4);
    let data = b"p_q_inner_data with some length";
    let encrypted = key
        .public_key()
        .encrypt_sha1_padded(data, &mut rng)
        .unwrap();
    let decrypted = key.decrypt_sha1_padded(&encrypted, &mut rng).unwrap();
    assert_eq!(decrypted.data(data.len()).unwrap(), data);
    assert_eq!(&decrypted.tail()[..data.len()], data);
    assert_eq!(decrypted.hash(), &sha1(&[data]));
    assert_eq!(decrypted.data(data.len() - 1), Err(Error::RsaSha1Mismatch));
    assert_eq!(decrypted.data(data.len() + 1), Err(Error::RsaSha1Mismatch));
    assert_eq!(
        decrypted.data(236),
        Err(Error::RsaDataTooLong { len: 236, max: 235 })
    );
    assert_eq!(format!("{decrypted:?}"), "Sha1Padded { .. }");

    // A block not starting with a zero byte is not the SHA-1 padding.
    let mut block = [0x11u8; 256];
    block[0] = 0x01;
    let c = key.public_key().encrypt_raw(&block).unwrap();
    assert!(matches!(
        key.decrypt_sha1_padded(&c, &mut rng),
        Err(Error::RsaSha1Mismatch)
    ));
}

#[test]
fn raw_decryption_inverts_encryption() {
    let key = key();
    let mut rng = rng(5);
    let mut block = [0u8; 256];
    block[1..].fill(0xa5);
    let c = key.public_key().encrypt_raw(&block).unwrap();
    assert_eq!(*key.decrypt_raw(&c, &mut rng).unwrap(), block);
    // Blinding makes no difference to the result.
    assert_eq!(*key.decrypt_raw(&c, &mut self::rng(6)).unwrap(), block);
}

#[test]
fn key_generation_rejects_odd_sizes() {
    let mut rng = rng(7);
    for bits in [0u32, 512, 1023, 1025, 8192] {
        assert_eq!(
            RsaPrivateKey::generate(&mut rng, bits).unwrap_err(),
            Error::UnsupportedKeySize { bits }
        );
    }
}

#[test]
fn debug_output_is_redacted() {
    let key = key();
    let shown = format!("{key:?}");
    assert!(
        shown.starts_with("RsaPrivateKey { public: RsaPublicKey { bits: 2048, fingerprint: 0x")
    );
    assert!(!shown.contains("d:"));
    assert_eq!(
        format!("{:?}", telegram_production_key()),
        "RsaPublicKey { bits: 2048, fingerprint: 0xd09d1d85de64fd85 }"
    );
}
