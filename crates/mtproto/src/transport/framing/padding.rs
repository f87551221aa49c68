//! Telling a padded-intermediate packet from its padding.
//!
//! The envelope counts payload and padding together, so the length of the
//! MTProto packet has to come from the packet itself:
//!
//! - every MTProto packet is a multiple of 4 bytes, so `len % 4` bytes are
//!   padding for sure (MTProxy and Telethon stop here);
//! - an unencrypted message (`auth_key_id` = 0) is `auth_key_id(8) msg_id(8)
//!   message_data_length(4) message_data`, so it ends at 20 + the length
//!   field, if that is within 15 bytes of the end;
//! - an encrypted message is `auth_key_id(8) msg_key(16)` and a multiple of
//!   16 bytes of ciphertext, so the rest is padding (tdlib:
//!   `to_decrypt.remove_suffix(to_decrypt.size() & 15)`).
//!
//! Whatever does not fit these shapes keeps its 4-aligned length and fails
//! in the layer above.

/// The smallest MTProto packet: an unencrypted message with empty data.
/// A padded body shorter than this can only be a transport error code.
pub(super) const MIN_MTPROTO_PACKET: usize = 20;

/// auth_key_id + msg_key.
const ENCRYPTED_HEADER: usize = 24;
const AES_BLOCK: usize = 16;

/// The length of the MTProto packet at the start of a padded body.
pub(super) fn mtproto_len(body: &[u8]) -> usize {
    let aligned = body.len() & !3;
    let Some(auth_key_id) = body.get(..8) else {
        return aligned;
    };
    if auth_key_id.iter().all(|&b| b == 0) {
        let Some(&[l0, l1, l2, l3]) = body.get(16..20) else {
            return aligned;
        };
        let data_len = u32::from_le_bytes([l0, l1, l2, l3]) as usize;
        match data_len.checked_add(MIN_MTPROTO_PACKET) {
            Some(end)
                if end <= aligned
                    && aligned - end <= usize::from(super::MAX_PADDING)
                    && end % 4 == 0 =>
            {
                end
            }
            _ => aligned,
        }
    } else if aligned >= ENCRYPTED_HEADER + AES_BLOCK {
        ENCRYPTED_HEADER + (aligned - ENCRYPTED_HEADER) / AES_BLOCK * AES_BLOCK
    } else {
        aligned
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(data_len: usize, padding: usize) -> Vec<u8> {
        let mut body = vec![0u8; 8];
        body.extend_from_slice(&[9; 8]);
        body.extend_from_slice(&(data_len as u32).to_le_bytes());
        body.extend(std::iter::repeat_n(1, data_len));
        body.extend(std::iter::repeat_n(0xaa, padding));
        body
    }

    #[test]
    fn trims_plain_messages_by_their_length_field() {
        for data_len in [0, 4, 40, 1000] {
            for padding in 0..=15 {
                assert_eq!(mtproto_len(&plain(data_len, padding)), 20 + data_len);
            }
        }
        // An inconsistent length field: only the unaligned tail goes.
        let mut body = plain(8, 3);
        body[16] = 200;
        assert_eq!(mtproto_len(&body), 28);
    }

    #[test]
    fn trims_encrypted_messages_to_whole_blocks() {
        for blocks in 1..5 {
            for padding in 0..=15 {
                let body = vec![0x5a; 24 + 16 * blocks + padding];
                assert_eq!(mtproto_len(&body), 24 + 16 * blocks);
            }
        }
    }

    #[test]
    fn short_bodies_keep_their_aligned_length() {
        assert_eq!(mtproto_len(&[1, 2, 3, 4, 5, 6]), 4);
        assert_eq!(mtproto_len(&[]), 0);
        assert_eq!(mtproto_len(&[7; 30]), 28);
    }
}
