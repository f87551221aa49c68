//! Known-answer tests against values computed independently.
//!
//! The constants below were produced by `tests/vectors/gen_vectors.py`, a
//! Python script written from the protocol documents that uses only
//! `hashlib`, `pow()` and the `cryptography` package's raw AES block (IGE is
//! built on it in the script). Regenerate with
//! `python3 tests/vectors/gen_vectors.py` and paste its output here.
//! The AES-IGE vectors from OpenSSL and Telegram's published `pq` example
//! are in the `ige` and `pq` unit tests.

use paperplane_crypto::auth_key::{self, AuthKey, Direction};
use paperplane_crypto::dh::{DhParams, DhSecret};
use paperplane_crypto::rsa::{self, RsaPublicKey};
use paperplane_crypto::srp::{self, PasswordHash, SrpParams, SrpServer};
use paperplane_crypto::{ige, pq};
use rand_core::{CryptoRng, RngCore};

fn unhex(s: &str) -> Vec<u8> {
    assert!(s.len() % 2 == 0);
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn arr<const N: usize>(s: &str) -> [u8; N] {
    unhex(s).try_into().unwrap()
}

/// An "RNG" that hands out prepared chunks, one per `fill_bytes` call, so a
/// test can script exactly which random values a function sees.
struct Scripted(Vec<Vec<u8>>);

impl RngCore for Scripted {
    fn next_u32(&mut self) -> u32 {
        unimplemented!()
    }
    fn next_u64(&mut self) -> u64 {
        unimplemented!()
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        let chunk = self.0.remove(0);
        assert_eq!(chunk.len(), dest.len(), "scripted chunk has the wrong size");
        dest.copy_from_slice(&chunk);
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

impl CryptoRng for Scripted {}

const IGE_KEY: &str = "93e42517cd022f71853ae85d8b968832d9ba3d7773c5430159912d084230e494";
const IGE_IV: &str = "8094c49ed604a4a300cd56f963ebed6d7555fcfb3ed6f4cd618d8a8799eee219";
const IGE_PLAIN: &str = "a193f0bbf43a4fe39b1419200115d8c824e3df9c3ca471396a3d43091d8a90d99545227ecb350936e916a78233fd4f4e661a9a9471f11bffb35a3dd6f2a9ccf8c8bd389a0fe831c0287c1880f9ed8c780f76f01c60bbd59f96fc951bc68175ae";
const IGE_CIPHER: &str = "73fa999ce4d42218eee83c9892e7c7282b698a870b02ddb06c798f7840c3ebc10f65136086e98606d6ec155275ec52bf6e16211da6bad343e287ff29e9e58892cc54dc867ed47e053b09074d376f0868023085db5afa4b17a6b195e1cd2593a5";
const AUTH_KEY: &str = "0da46f9a3fea6b31032fdcff214a764a58ca521cdfbbf3bc7108d58fedc1933e5ae5a2b1e7df42e2b8eff8a31dae92e77611855e5c50ca099a87650ac9144738b90f7c88c08c3d551e633a8be331093470b83db99a736c7f11000aa1f954b552ef588a2c874247309282c52f326db3e494f2d30b3a9e21cf857f024386f7dbfb5843db027fb549176492072896370eedbdf5cdee5485b2a39f9d3f4fc4f723b65ee0052b63017c99e19152a328e06c1af886dfdf7bc0c844fc2ed16421f47b85f1e822c7b9bbf24afb790a91f83cb4b8091011764957dbf8a364afb5f0d672ba5e4fc3dd7ca4679d4a40714dab1ee3c2aad5bcbe2035c27d9cf9f95842fc7a0f";
const MT_PLAIN: &str = "b455a15bb04293cf6df2a3878745550dfc69ef0bf44c228eba7e94c7b9a259ab3d7541092f194529a7fe7047056055d203cfa44209ae549fa315e5bd5ce718ae2897519afa6b79899df60adc7260122f";
const AUTH_KEY_ID: &str = "364627e82408045f";
const AUX_HASH: &str = "cda9005ad8b0423b";
const C2S_MSG_KEY: &str = "fdbb1cd602d76afc637df311b222532e";
const C2S_AES_KEY: &str = "7ab1d04a6ef791b34ef323ace60b28fb2961ff66867c31ba810c5175a4048582";
const C2S_AES_IV: &str = "1714dfbcf46a4b8460180b2bb5c5bbb1c520fcb5154d0d5f92282864979bd918";
const C2S_CIPHER: &str = "ba47709213fd8df66fae403bc9544f0291eb3afd83680e9b08b24ba8fdca32fe323f11be961c15d30f0c04684d8f7da92f0cf9dac39bad16e1252e8a651c02fe385b22e5983b8e2c11082be2554847b2";
const S2C_MSG_KEY: &str = "b996d50d1e9a1f866ef56f7efb3a79a2";
const S2C_AES_KEY: &str = "a4d554f61a007b5c0189a65987711e5469009a83ff93e8c8faf9752093cd1e1f";
const S2C_AES_IV: &str = "6e2b867c915512d38f71edb498684d175431096e6371e65af8852b9aefaa7b07";
const S2C_CIPHER: &str = "95947893ce65204a9fa44e2445279e6ae7890b02c2db9eebf498a1e1e540fc7bd3600c08b5a6227a2e3300293efd1782f2aabe6b258bd8308ecdc031a83564d963869a1b47c6bce79cccc147578a5ae7";
const RSA_DATA: &str = "b21295fd361d3ccf7925caffbe6bfd3d30b44d6338ad425394d58d435e89ccef21dd13e56e1c5b5d67870b8c04ec06283f56e09ff8b3ab8e2e9d49573d881e15dd4a3bc4013d40a867a1105465c276718d28a2b296dfa5854cf70733290de7bb3dd4fd26";
const RSA_PAD_PADDING: &str = "222038201e6bc4eb396530028347bd199eff76ad811060f551df5b924cd662816622fb00bc98dac0460791f72770230475431de0b72a4dec76db107544978a5f1c80ea9679b588fc60dcc03f8bde1096d6b73ce8faee4828cbaadb6c";
const RSA_PAD_TEMP_KEY: &str = "44abf3195b1f49180edeb9f1de1623540f95ef00b95df0ea49dc83c443b222cc";
const RSA_PAD_KEY_AES_ENCRYPTED: &str = "c98c8b5238613c9efa971c407a8d1484f287afbf7f2b3e43903f1023b8a3364ce19d0e84502b30c5abf6446ce5df77832446b7471055da86508ac43b1363e561b0a21f2dfae4488511010ebfaac4bc5404963355bd3dcd2f6c1cd3612451bc349caff7c78f648d65b7348478d35ac7e5f77987ab3e256f09c5ed771a667afe7b663f63a5cf43896c31150ac32beebbd653461edb219619f3241097087355848b6875405a74f56fee41ae46c9e805a9cde39e2108d900c8e4528027e63fea815bfe52be31e3b0d2cb740e1cb747fd9ab8cfd320dc82deae5d7ba9e8f173ff5012ca6da250d0c2090e4c1169b073f6dacb010d1027dc2fa05e2c032421f20208a7";
const RSA_PAD_ENCRYPTED: &str = "941d14a2e328a26528143753d97f29acb99929d90e9c559f65fd389eee5b1cddfa37be06a3f2361e111ca012622388ba0813626300f81fca92555ed514fed04405f29fe0c86774f88660e2b0b4cc4fe553b6f3dad05f833509ff02240b883d319007f13ed9d792fc148ab2bf4cfe5d14162f1e73968650527b9d28ecc9d020278af26b65f1034aae6fbc99a007148cf76d23ae3d3f98881a06af9eadb9102bb795778bb2552305c560ee877a739a850d01856a7d33d1cb7ba3af8def7538ee3ee7915032dfe0a4f5c6b338028c3b9a6c233662d60a589c3ebc014fd147dfafa639786f9605d69c2e96ca53c843d6db8deb31a781aab2d8e41424729ff7128a54";
const RSA_PAD_TEMP_KEY_ABOVE_N: &str =
    "a00707eb0153c511390ac3c8ed481b7cfd558a44d70882885b96c7892cb29c27";
const SHA1_PAD_PADDING: &str = "b010e2595bb53c52c39e69d398483654703bfd724b89183475364d03fe5f1b4e25033c7235be14655813ed235aac7f5b85146cd6a51f12fbd567f385876ef454430c17aa3b0580aa3e78ec76cb3fc9bba187c6224bb340b56b07b39d2f147d183450c79530a1012da10b4629deb5ac2de92041d09a0f291fabfa69cc89311dd1f9b599389a5caa";
const SHA1_PAD_ENCRYPTED: &str = "1c3389e89ce88f86152959d4c6983680b3ce6b1dfbcf8aea86ffc0a17121a3729058542110e0dc49596b1dfc31f762cd5659c692f8588c7a873ce2118e64de119863d66764d9cadc57d98fd962155186a192b8d57f227afcae5921e64e72c001136a14ea3bcfc2c4737df8174c2497bcc0f97a1a4d90b5367917d7cfca164e4cf1fde2c8490f4293536379ded5178c5d94930c28751c9236af406a1c9602efc57958c4ac537d3f9907ebcca6c858f1402b3f6ca86fbd0942b69cf5fcbf85bce60fafd0e87424cefb7db06b7073c6f968577887cd790ae4b009b7c0ed208380accac3bc312de55fbaa358870bfbec95686bfdef560796e3a7101944b38fe86ddc";
const SRP_SALT1: &str =
    "bc520f3ba61221ab70273c1f4ea6bfa72bd7efd035b237c92f428c8a9f6e9bfca613ab650eef04de";
const SRP_SALT2: &str = "da0f3d257aa4c4c34ca847e38eaa96ce";
const SRP_PH1: &str = "9d570bccf4faa514e25ab552b40a260240f5e617dc86a6743bbb45c2c3876e86";
const SRP_X: &str = "2fde7b6cdd48088104a50df82ff9fffccbed0b54fe434b470c2cc6441260949e";
const SRP_V: &str = "069900bba743f3e8c9ee88c414aa51a6808e7005114d1aeeaea8be7fe49d2ffc50705f57371c8ab5a352ef80bc3915eef1a433a683e2c80cc855daa2f8f7685f2a0cf183ac40e689865bbf39a8c90d12a93ef0d26fdb48ddf0910d2db6c6e5c9162ea945491436f11744ff4494e81e19cce3b8f37d5407225b1651093a463f5ca0685ff1df16f677d563ca7d20c6e534f6f920a183644e4c6ab85a5f3dff1f4c82ca565f3ab780d956db330890f43dba48d5af53d603d060c54b539d5387a9e31e36b2b1cf290875be19b5ea0e39b12ac014ce813d9a03d1cdabcf1e77556a47bf832349216e858831e0369bb7afecab47df2ec75a453825e6f6206514ce834f";
const SRP_A_SECRET: &str = "5dbcc4396c87493a0cd3127525aaaebe1450f2d6c6ae0e1f63e65395373d8dfab3f69247d0fae46bb26587ed666c44e4246ec659f73047a8e0a84d166318b5365b91a5cbd90246da213cdb0522d23bd559ce541f5def6cfe90e26c7b7dcbbf837eca2161e83097db60e590130e91901197210a3183b307a858ae02d43f2b048e97565c54957db64b3a25e5c23da92217faac9a0441d208ccd5baf99e7b69186ef7f8ccceb5ccec8d57db54708975dc5bb23d03d929c942012d5cb25137978c1394b5e2490328ebba7b4adbe1afea329fd1985ef37268955d105eed8910d2cbf7e2b57e1cb2a1835ae957faef5db2398b3a77fecfbe52d2121abeab1a18a5f14b";
const SRP_B_SECRET: &str = "4767eea3ebef2f1dceb9bb1c176fb6b3fe8cd984862b76faf1a36726183d6aac22c22340091976d1a0eab6cf67431238b9f3ac6ce78f02f857fdf087c249a1a2b51cff5621d458788f8f112759eace4c07976ef9ab4b86be4ab77da4281b8e5b6f86d00197c8747e9e28978162c97dfd8bbacd38613f6bfe2f332df4641407fb684b91376aa7e62b18dc96b502d0bf681c99fc14b83b3162a941577b4e60bc9fc0951c33374fe90769f384d401ba1a760424e810ba2b530ebda381606809b983f05f87716ac1b99a0dd6b8c1c09edda64f28b1ab4a5f0bba7013d0d7f4eb6b3bc475d9658eef2ccf1423d6cfaf095e0bd6dcf0d0b009c5155df6b561278e9ebd";
const SRP_A: &str = "9370a79226e3261834e0f7c98bebd4b2bdf21025e07e9e383aef5cb7e431048b4408e0e23a5af7c72e1902d883e849b18cb5da7bedde00d9c55bc09a5672961008682133a055786975d53b7e21c2c7ab643df500e6bf5947d09e4b53a4872d3ebe57c883309c88918ddd46b822781ed6e4fa699cc04ec123ff008b497608ab3dfb8f81bb23146b9746d76ddcc028409aef1dc8d032fa502da450c6d5ba5955b80cfb4d4e4250514a91efbe40d320186d995a9dbb86ccba393a71ec5c66070d018eb85afa4dd00fd403f79d1530405b0b8e4dee1a847a952777977f04dd12857def8829f030ad6560a8661af11c087e4fe6d7d7cf6eb0251fa0689874ca1430c9";
const SRP_B: &str = "40e9ef787c76089724dd17702ee5ad748e779115eaaee7604d607b38017f0671b76bf71050e44e842583c21600b4a4914b1ce4105099dff6240bf1821ea716b82875add9dfbfaf8b50699079dd37eb105a5461e930478ba7ecf3455af823555c81730678fd10168040e1e6a98d0d17c6deda7fdceeb9ab69bb4aa426eb0a3671585ada5b6010c9d80825e1ecc179ed22f2a1ecbe6514f9e695ce0aabbadfff46b8aaa4224277b9ee5d9640bff8e28210eea9f9a8c205b6717983220079041ef5292dfbc61bc84218967ab7c1ca5390dfc4042fccc7c1be453b8792a8faf833c57144a043d3ee8b49ae9ccf23ba576db12422ca841f60da6bba3660132f9f19a7";
const SRP_M1: &str = "3cc03a824b4456cc50884c18b1f0ecb53ecc48b94a9afdcc8d1e4dc91ebc2cd5";
const SRP_K: &str = "ccd100ed12bd288f1b8a0b6864ebdbdf0dc4a0235753714b3e56110b81ceb866";

#[test]
fn aes256_ige_matches_python() {
    let key = arr::<32>(IGE_KEY);
    let iv = arr::<32>(IGE_IV);
    let mut buf = unhex(IGE_PLAIN);
    ige::encrypt(&mut buf, &key, &iv).unwrap();
    assert_eq!(buf, unhex(IGE_CIPHER));
    ige::decrypt(&mut buf, &key, &iv).unwrap();
    assert_eq!(buf, unhex(IGE_PLAIN));

    let mut ctx = ige::AesIge::new(&key, &iv);
    let mut buf = unhex(IGE_PLAIN);
    ctx.encrypt(&mut buf).unwrap();
    assert_eq!(buf, unhex(IGE_CIPHER));
}

#[test]
fn auth_key_id_and_aux_hash_match_python() {
    let key = AuthKey::from_slice(&unhex(AUTH_KEY)).unwrap();
    assert_eq!(key.key_id_bytes().to_vec(), unhex(AUTH_KEY_ID));
    assert_eq!(key.key_id(), i64::from_le_bytes(arr(AUTH_KEY_ID)));
    assert_eq!(key.aux_hash(), i64::from_le_bytes(arr(AUX_HASH)));
}

fn check_mtproto2(direction: Direction, msg_key: &str, aes_key: &str, aes_iv: &str, cipher: &str) {
    let key = AuthKey::from_slice(&unhex(AUTH_KEY)).unwrap();
    let plain = unhex(MT_PLAIN);
    assert_eq!(
        auth_key::msg_key(&key, direction, &plain),
        arr::<16>(msg_key)
    );
    let derived = auth_key::derive_aes_key_iv(&key, direction, &arr(msg_key));
    assert_eq!(derived.key, arr::<32>(aes_key));
    assert_eq!(derived.iv, arr::<32>(aes_iv));

    let (got_key, got_cipher) = auth_key::encrypt_message_data(&key, direction, &plain).unwrap();
    assert_eq!(got_key, arr::<16>(msg_key));
    assert_eq!(got_cipher, unhex(cipher));
    let decrypted =
        auth_key::decrypt_message_data(&key, direction, &arr(msg_key), &unhex(cipher)).unwrap();
    assert_eq!(decrypted, plain);
}

#[test]
fn mtproto2_client_to_server_matches_python() {
    check_mtproto2(
        Direction::ClientToServer,
        C2S_MSG_KEY,
        C2S_AES_KEY,
        C2S_AES_IV,
        C2S_CIPHER,
    );
}

#[test]
fn mtproto2_server_to_client_matches_python() {
    check_mtproto2(
        Direction::ServerToClient,
        S2C_MSG_KEY,
        S2C_AES_KEY,
        S2C_AES_IV,
        S2C_CIPHER,
    );
}

#[test]
fn telegram_key_fingerprints_match_the_published_ones() {
    // Published by Telegram (and listed in tdesktop's mtproto_dc_options.cpp):
    // production 0xd09d1d85de64fd85, test DC 0xb25898df208d2603.
    let prod = RsaPublicKey::from_pem(rsa::TELEGRAM_PRODUCTION_KEY_PEM).unwrap();
    let test = RsaPublicKey::from_pem(rsa::TELEGRAM_TEST_KEY_PEM).unwrap();
    assert_eq!(prod.fingerprint() as u64, 0xd09d_1d85_de64_fd85);
    assert_eq!(test.fingerprint() as u64, 0xb258_98df_208d_2603);
    assert_eq!(prod.fingerprint(), -3_414_540_481_677_951_611);
    assert_eq!(prod, rsa::telegram_production_key());
    assert_eq!(test, rsa::telegram_test_key());
    assert_eq!(
        rsa::telegram_key(rsa::TELEGRAM_PRODUCTION_FINGERPRINT),
        Some(prod.clone())
    );
    assert_eq!(
        rsa::telegram_key(rsa::TELEGRAM_TEST_FINGERPRINT),
        Some(test)
    );
    assert_eq!(rsa::telegram_key(0x0bc3_5f35_09f7_b7a5), None);
    assert_eq!(prod.bits(), 2048);
    assert_eq!(prod.exponent(), vec![1, 0, 1]);
    // PEM export reproduces the published text byte for byte.
    assert_eq!(prod.to_pkcs1_pem(), rsa::TELEGRAM_PRODUCTION_KEY_PEM);
}

#[test]
fn rsa_pad_matches_python() {
    let key = rsa::telegram_production_key();
    let data = unhex(RSA_DATA);
    let padding = unhex(RSA_PAD_PADDING);
    let below = arr::<32>(RSA_PAD_TEMP_KEY);
    let above = arr::<32>(RSA_PAD_TEMP_KEY_ABOVE_N);
    assert_eq!(
        key.rsa_pad_attempt(&data, &padding, &below)
            .unwrap()
            .map(|c| c.to_vec()),
        Some(unhex(RSA_PAD_ENCRYPTED))
    );
    // key_aes_encrypted >= n: no ciphertext, the caller must retry.
    assert_eq!(key.rsa_pad_attempt(&data, &padding, &above).unwrap(), None);

    // The randomised API draws the padding, then temp_keys until one fits.
    let mut rng = Scripted(vec![
        padding.clone(),
        above.to_vec(),
        above.to_vec(),
        below.to_vec(),
    ]);
    let encrypted = key.encrypt_rsa_pad(&data, &mut rng).unwrap();
    assert_eq!(encrypted.to_vec(), unhex(RSA_PAD_ENCRYPTED));
    assert!(rng.0.is_empty());
    let _ = RSA_PAD_KEY_AES_ENCRYPTED; // documented intermediate value
}

#[test]
fn rsa_pad_gives_up_on_a_stuck_rng() {
    let key = rsa::telegram_production_key();
    let data = unhex(RSA_DATA);
    let mut chunks = vec![unhex(RSA_PAD_PADDING)];
    chunks.extend(std::iter::repeat_n(unhex(RSA_PAD_TEMP_KEY_ABOVE_N), 64));
    let mut rng = Scripted(chunks);
    assert_eq!(
        key.encrypt_rsa_pad(&data, &mut rng),
        Err(paperplane_crypto::Error::RsaPadRetriesExhausted { attempts: 64 })
    );
}

#[test]
fn old_sha1_padding_matches_python() {
    let key = rsa::telegram_production_key();
    let data = unhex(RSA_DATA);
    let encrypted = key
        .encrypt_sha1_padded_with(&data, &unhex(SHA1_PAD_PADDING))
        .unwrap();
    assert_eq!(encrypted.to_vec(), unhex(SHA1_PAD_ENCRYPTED));
    let mut rng = Scripted(vec![unhex(SHA1_PAD_PADDING)]);
    assert_eq!(key.encrypt_sha1_padded(&data, &mut rng).unwrap(), encrypted);
}

#[test]
fn telegram_pq_example() {
    // core.telegram.org/mtproto/samples-auth_key: pq = 0x17ED48941A08F981.
    assert_eq!(
        pq::factorize(0x17ED_4894_1A08_F981),
        Ok((0x494C_553B, 0x5391_1073))
    );
}

#[test]
fn srp_matches_python() {
    let salt1 = unhex(SRP_SALT1);
    let salt2 = unhex(SRP_SALT2);
    let params =
        SrpParams::new(&salt1, &salt2, 3, &paperplane_crypto::dh::TELEGRAM_DH_PRIME).unwrap();
    let password = b"correct horse battery staple";

    // The KDF, including the 100 000 PBKDF2 rounds.
    assert_eq!(*srp::ph1(password, &salt1, &salt2), arr::<32>(SRP_PH1));
    let hash = params.password_hash(password);
    assert_eq!(hash, PasswordHash::from_bytes(arr(SRP_X)));
    assert_eq!(*srp::compute_verifier(&params, &hash), arr::<256>(SRP_V));

    // Server: B from the verifier and b.
    let server = SrpServer::new(
        params.clone(),
        &arr(SRP_V),
        DhSecret::from_bytes(arr(SRP_B_SECRET)),
    )
    .unwrap();
    assert_eq!(server.srp_b().to_vec(), unhex(SRP_B));

    // Client: (A, M1) from B, the password hash and a.
    let answer = srp::client_answer(
        &params,
        &hash,
        &unhex(SRP_B),
        &DhSecret::from_bytes(arr(SRP_A_SECRET)),
    )
    .unwrap();
    assert_eq!(answer.a.to_vec(), unhex(SRP_A));
    assert_eq!(answer.m1.to_vec(), unhex(SRP_M1));

    // Server accepts it and derives the same K.
    let k = server.verify(&answer.a, &answer.m1).unwrap();
    assert_eq!(*k, arr::<32>(SRP_K));
    let _ = DhParams::telegram();
}
