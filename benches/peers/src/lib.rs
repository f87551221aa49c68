//! Side-by-side benchmarks of paperplane against other Telegram crates.
//!
//! Not built by the default test command; run with
//! `cargo bench -p paperplane-peer-benches`. Every comparison decodes and
//! encodes (or encrypts and decrypts) the very same bytes with both crates,
//! in one run, on one machine.

#[cfg(test)]
mod tests {
    use grammers_tl_types::{Deserializable as _, Serializable as _};
    use paperplane_tl::Serializable as _;

    /// Both crates read our sample bytes and write them back identically,
    /// so the benchmark compares equal work.
    #[test]
    fn both_crates_agree_on_the_sample_bytes() {
        for bytes in [
            paperplane_benches::messages_slice().to_bytes(),
            paperplane_benches::updates().to_bytes(),
        ] {
            let g = grammers_tl_types::enums::messages::Messages::from_bytes(&bytes);
            if let Ok(g) = g {
                assert_eq!(g.to_bytes(), bytes);
            } else {
                let g = grammers_tl_types::enums::Updates::from_bytes(&bytes).unwrap();
                assert_eq!(g.to_bytes(), bytes);
            }
        }
    }

    /// AES-256-IGE: both crates turn the same key, IV and plaintext into the
    /// same ciphertext and back, so `crypto_vs_grammers` compares equal work.
    #[test]
    fn both_crates_agree_on_aes_ige() {
        let key: [u8; 32] = core::array::from_fn(|i| i as u8);
        let iv: [u8; 32] = core::array::from_fn(|i| (i * 3) as u8);
        for len in [0usize, 16, 32, 1024, 8 * 1024, 128 * 1024] {
            let plain: Vec<u8> = (0..len).map(|i| (i % 253) as u8).collect();
            let mut ours = plain.clone();
            paperplane_crypto::ige::encrypt(&mut ours, &key, &iv).unwrap();
            let mut theirs = plain.clone();
            grammers_crypto::aes::ige_encrypt(&mut theirs, &key, &iv);
            assert_eq!(ours, theirs, "ciphertext, {len} bytes");
            if len > 0 {
                assert_ne!(ours, plain);
            }

            paperplane_crypto::ige::decrypt(&mut ours, &key, &iv).unwrap();
            grammers_crypto::aes::ige_decrypt(&mut theirs, &key, &iv);
            assert_eq!(ours, plain, "paperplane round trip, {len} bytes");
            assert_eq!(theirs, plain, "grammers round trip, {len} bytes");
        }
    }

    /// MTProto 2.0 messages: each crate reads what the other wrote, for the
    /// direction grammers supports on each side.
    #[test]
    fn both_crates_agree_on_mtproto2_messages() {
        use paperplane_crypto::auth_key::{self, AuthKey, Direction};

        let key_bytes: [u8; 256] = core::array::from_fn(|i| (i * 7 + 1) as u8);
        let ours = AuthKey::from_bytes(key_bytes);
        let theirs = grammers_crypto::AuthKey::from_bytes(key_bytes);
        for len in [16usize, 1024, 128 * 1024] {
            let plain: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();

            // Server to client: paperplane encrypts, grammers decrypts.
            let mut packet = ours.key_id_bytes().to_vec();
            packet.extend_from_slice(&[0; 16]);
            packet.extend_from_slice(&plain);
            packet.extend_from_slice(&[0x55; 32]);
            let msg_key = auth_key::encrypt_message_data_in_place(
                &ours,
                Direction::ServerToClient,
                &mut packet[24..],
            )
            .unwrap();
            packet[8..24].copy_from_slice(&msg_key);
            let decrypted = grammers_crypto::decrypt_data_v2(&mut packet, &theirs).unwrap();
            assert_eq!(&decrypted[..len], plain.as_slice());

            // Client to server: grammers encrypts, paperplane decrypts.
            let mut deque = grammers_crypto::DequeBuffer::with_capacity(len + 32, 24);
            deque.extend(plain.iter());
            grammers_crypto::encrypt_data_v2(&mut deque, &theirs);
            let packet = deque.as_ref();
            assert_eq!(packet[..8], ours.key_id_bytes());
            let msg_key: [u8; 16] = packet[8..24].try_into().unwrap();
            let decrypted = auth_key::decrypt_message_data(
                &ours,
                Direction::ClientToServer,
                &msg_key,
                &packet[24..],
            )
            .unwrap();
            assert_eq!(&decrypted[..len], plain.as_slice());
        }
    }
}
