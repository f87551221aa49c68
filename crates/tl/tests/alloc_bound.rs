//! Decoding hostile input holds heap memory in proportion to the input.
//!
//! A vector count is only checked against the bytes left (four per element),
//! while an element in memory is wider (`Update` is 104 bytes): without a
//! budget, 128 KiB of `updateConfig` ids (four bytes each) would become
//! 3.4 MB of `Update`s, and vectors nested inside recursive types could
//! each reserve their whole count before their elements turn out to be
//! garbage.
//!
//! This binary counts every allocation (its own `#[global_allocator]`, so
//! it is a test file of its own) and checks the peak of live heap bytes
//! while one input of `N` bytes decodes, result included, against
//! [`bound`]: `64 × N`, with no allowance for short inputs, the sum of
//!
//! * the decoding budget, `BUDGET_PER_INPUT_BYTE × N` (48 × N): vector
//!   elements and boxed values are charged to it before anything is
//!   reserved;
//! * the one partly filled vector buffer that may be copied while it grows
//!   (a vector first reserves at most 8 × the bytes left);
//! * copied strings and bytes, at most 3 × N (invalid UTF-8 → U+FFFD).
//!
//! For a `gzip_packed` body, `N` is the inflated length: that is what is
//! decoded (the transport caps it).

use std::sync::{Mutex, MutexGuard};

use paperplane_tl::{
    Cursor, Deserializable, Identifiable, Serializable, deserialize_any, enums, types,
};
use peak_alloc::PeakAlloc;

#[global_allocator]
static HEAP: PeakAlloc = PeakAlloc;

/// Tests in this binary run one at a time, so a peak is one decode's.
static SERIAL: Mutex<()> = Mutex::new(());

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

const VECTOR: u32 = 0x1cb5c415;

/// The most heap an input of `n` bytes may hold while it decodes.
fn bound(n: usize) -> usize {
    64 * n
}

/// Peak live heap bytes while `decode` runs, its result included.
fn peak_of<R>(decode: impl FnOnce() -> R) -> (usize, R) {
    let before = HEAP.current_usage();
    HEAP.reset_peak_usage();
    let out = decode();
    (HEAP.peak_usage().saturating_sub(before), out)
}

/// Decodes `bytes` as `T`, asserts the bound, and returns whether it decoded.
fn check<T: Deserializable>(what: &str, bytes: &[u8]) -> bool {
    let (peak, result) = peak_of(|| T::from_bytes(bytes));
    let n = bytes.len();
    assert!(
        peak <= bound(n),
        "{what}: {n} input bytes held {peak} heap bytes ({}× the input), over {}",
        peak / n.max(1),
        bound(n)
    );
    result.is_ok()
}

fn word(out: &mut Vec<u8>, w: u32) {
    out.extend_from_slice(&w.to_le_bytes());
}

/// `Vector<Update>` of `n` `updateConfig` (each four bytes).
fn update_configs(out: &mut Vec<u8>, n: usize) {
    word(out, VECTOR);
    word(out, n as u32);
    for _ in 0..n {
        word(out, types::UpdateConfig::CONSTRUCTOR_ID);
    }
}

/// `Vector<Message>` of `n` `messageEmpty` (each twelve bytes).
fn empty_messages(out: &mut Vec<u8>, n: usize) {
    word(out, VECTOR);
    word(out, n as u32);
    for i in 0..n {
        word(out, types::MessageEmpty::CONSTRUCTOR_ID);
        word(out, 0);
        word(out, i as u32);
    }
}

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next() as u8).collect()
    }
}

#[test]
fn a_vector_of_four_byte_updates_is_refused_not_inflated() {
    let _serial = serial();
    let mut bytes = Vec::new();
    update_configs(&mut bytes, 32 * 1024);
    check::<Vec<enums::Update>>("Vector<Update> of updateConfig", &bytes);

    // The same inside `updates`, as a client receives it.
    let mut bytes = Vec::new();
    word(&mut bytes, types::Updates::CONSTRUCTOR_ID);
    update_configs(&mut bytes, 32 * 1024);
    for _ in 0..2 {
        word(&mut bytes, VECTOR);
        word(&mut bytes, 0);
    }
    word(&mut bytes, 1_700_000_000);
    word(&mut bytes, 1);
    check::<enums::Updates>("updates with updateConfig", &bytes);
}

#[test]
fn a_vector_of_empty_messages_is_refused_not_inflated() {
    let _serial = serial();
    let mut bytes = Vec::new();
    empty_messages(&mut bytes, 40_000);
    check::<Vec<enums::Message>>("Vector<Message> of messageEmpty", &bytes);

    // `messages.messages`, the answer to `messages.getHistory`.
    let mut bytes = Vec::new();
    word(&mut bytes, types::messages::Messages::CONSTRUCTOR_ID);
    empty_messages(&mut bytes, 40_000);
    for _ in 0..3 {
        word(&mut bytes, VECTOR);
        word(&mut bytes, 0);
    }
    check::<enums::messages::Messages>("messages.messages of messageEmpty", &bytes);
}

#[test]
fn a_vector_count_as_large_as_the_input_allows_reserves_little() {
    let _serial = serial();
    let len = 128 * 1024;
    let mut rng = Rng(7);
    for fill in [0u8, 0xff, 0x42] {
        let mut bytes = Vec::new();
        word(&mut bytes, VECTOR);
        word(&mut bytes, (len / 4 - 2) as u32);
        bytes.resize(len, fill);
        assert!(!check::<Vec<enums::Message>>(
            "Vector<Message> of garbage",
            &bytes
        ));
        assert!(!check::<Vec<enums::Update>>(
            "Vector<Update> of garbage",
            &bytes
        ));
        assert!(!check::<Vec<Vec<enums::Update>>>(
            "Vector<Vector<Update>>",
            &bytes
        ));
    }
    // Random bytes after the largest count, for every vector-shaped type.
    for _ in 0..8 {
        let mut bytes = Vec::new();
        word(&mut bytes, VECTOR);
        word(&mut bytes, (len / 4 - 2) as u32);
        bytes.extend(rng.bytes(len - 8));
        check::<Vec<enums::Message>>("Vector<Message> of random bytes", &bytes);
        check::<Vec<enums::Chat>>("Vector<Chat> of random bytes", &bytes);
        check::<Vec<enums::User>>("Vector<User> of random bytes", &bytes);
    }
}

#[test]
fn a_vector_that_fits_the_budget_still_reserves_only_what_its_bytes_allow() {
    let _serial = serial();
    // 2,000 messages would fit the budget of this input (5 MB), but the
    // bytes are garbage: the first reservation stays near 8 × the input.
    let len = 128 * 1024;
    let mut bytes = Vec::new();
    word(&mut bytes, VECTOR);
    word(&mut bytes, 2_000);
    bytes.resize(len, 0xee);
    let (peak, result) = peak_of(|| Vec::<enums::Message>::from_bytes(&bytes));
    assert!(result.is_err());
    assert!(
        peak <= 8 * len + 128 * 1024,
        "a garbage vector of {len} bytes reserved {peak} bytes"
    );
}

#[test]
fn nested_vectors_are_charged_at_every_level() {
    let _serial = serial();
    // Vector<Vector<Update>>: each inner vector holds one updateConfig, so
    // every twelve input bytes are one 24-byte Vec and one 104-byte Update.
    let count = 12 * 1024;
    let mut bytes = Vec::new();
    word(&mut bytes, VECTOR);
    word(&mut bytes, count);
    for _ in 0..count {
        update_configs(&mut bytes, 1);
    }
    check::<Vec<Vec<enums::Update>>>("Vector<Vector<Update>>", &bytes);

    // Vector<Vector<Update>> whose inner counts are each as large as the
    // rest of the input allows, cut short.
    let mut bytes = Vec::new();
    word(&mut bytes, VECTOR);
    word(&mut bytes, 1000);
    while bytes.len() < 128 * 1024 {
        let left = (128 * 1024 - bytes.len()) / 4;
        word(&mut bytes, VECTOR);
        word(&mut bytes, left as u32);
        word(&mut bytes, types::UpdateConfig::CONSTRUCTOR_ID);
    }
    check::<Vec<Vec<enums::Update>>>("Vector<Vector<Update>> cut short", &bytes);
}

#[test]
fn vectors_nested_in_recursive_values_hold_no_more_than_the_budget() {
    let _serial = serial();
    // textConcat(Vector<RichText>) sixty deep, each vector's count as large
    // as the rest of the input allows, then garbage. Every level keeps its
    // first reservation (up to 8 × the bytes left) while the next decodes:
    // together over 400 × the input, unless each level is charged to a
    // budget that does not grow with nesting.
    for len in [1024, 16 * 1024, 128 * 1024] {
        let mut bytes = Vec::new();
        for _ in 0..60 {
            word(&mut bytes, types::TextConcat::CONSTRUCTOR_ID);
            word(&mut bytes, VECTOR);
            let count = (len - bytes.len() - 4) / 4;
            word(&mut bytes, count as u32);
        }
        bytes.resize(len, 0xee);
        assert!(!check::<enums::RichText>("nested textConcat", &bytes));
    }
}

#[test]
fn many_small_updates_decode_within_the_budget() {
    let _serial = serial();
    // What a busy account may really receive: thousands of four-byte
    // `updateConfig`s, or of `updateUserTyping`s (20 bytes each, boxed).
    let mut bytes = Vec::new();
    word(&mut bytes, types::Updates::CONSTRUCTOR_ID);
    update_configs(&mut bytes, 6_500);
    for _ in 0..2 {
        word(&mut bytes, VECTOR);
        word(&mut bytes, 0);
    }
    word(&mut bytes, 1_700_000_000);
    word(&mut bytes, 1);
    assert!(check::<enums::Updates>("6,500 updateConfig", &bytes));

    let typing: Vec<enums::Update> = (0..6_500)
        .map(|i| {
            enums::Update::UserTyping(Box::new(types::UpdateUserTyping {
                user_id: i,
                top_msg_id: None,
                action: enums::SendMessageAction::SendMessageTypingAction,
            }))
        })
        .collect();
    let bytes = enums::Updates::Updates(types::Updates {
        updates: typing,
        users: Vec::new(),
        chats: Vec::new(),
        date: 1_700_000_000,
        seq: 1,
    })
    .to_bytes();
    assert!(check::<enums::Updates>("6,500 updateUserTyping", &bytes));

    // One update alone, in the shortest container: twelve bytes.
    let mut bytes = Vec::new();
    word(&mut bytes, types::UpdateShort::CONSTRUCTOR_ID);
    word(&mut bytes, types::UpdateConfig::CONSTRUCTOR_ID);
    word(&mut bytes, 1_700_000_000);
    assert!(check::<enums::Updates>("updateShort", &bytes));
}

#[test]
fn the_densest_valid_values_decode_within_the_budget() {
    let _serial = serial();
    // Empty `botInfo` (8 bytes: id and flags) is the constructor whose
    // smallest encoding asks the most memory per byte: a 104-byte element
    // and its 224-byte box, 41 × its length. Empty `user`s come close.
    let mut bytes = Vec::new();
    word(&mut bytes, VECTOR);
    word(&mut bytes, 10_000);
    for _ in 0..10_000 {
        word(&mut bytes, types::BotInfo::CONSTRUCTOR_ID);
        word(&mut bytes, 0);
    }
    assert!(check::<Vec<enums::BotInfo>>("empty botInfo", &bytes));

    let users: Vec<enums::User> = (0..5_000)
        .map(|id| {
            enums::User::User(Box::new(types::User {
                id,
                ..Default::default()
            }))
        })
        .collect();
    assert!(check::<Vec<enums::User>>("empty users", &users.to_bytes()));
}

#[test]
fn boxed_recursive_values_are_charged() {
    let _serial = serial();
    // Vector<PageBlock> of pageBlockCover chains: each four-byte id is a
    // boxed PageBlockCover, as wide as the PageBlock it holds.
    let chain = 60;
    let elements = 4096;
    let mut bytes = Vec::new();
    word(&mut bytes, VECTOR);
    word(&mut bytes, elements);
    for _ in 0..elements {
        for _ in 0..chain {
            word(&mut bytes, types::PageBlockCover::CONSTRUCTOR_ID);
        }
        word(&mut bytes, types::PageBlockUnsupported::CONSTRUCTOR_ID);
    }
    check::<Vec<enums::PageBlock>>("Vector<PageBlock> of cover chains", &bytes);
}

#[test]
fn random_and_truncated_input_stays_within_the_bound() {
    let _serial = serial();
    let mut rng = Rng(0x5eed);
    // Two hundred short messages with text and entities, cut at many points.
    let messages: Vec<enums::Updates> = (0..200)
        .map(|i| {
            enums::Updates::UpdateShortMessage(Box::new(types::UpdateShortMessage {
                id: i,
                user_id: 42,
                date: 1_700_000_000 + i,
                message: "héllo wörld ".repeat(1 + i as usize % 9),
                entities: Some(vec![enums::MessageEntity::Bold(types::MessageEntityBold {
                    offset: 0,
                    length: 5,
                })]),
                ..Default::default()
            }))
        })
        .collect();
    let page = messages.to_bytes();
    for cut in (0..page.len()).step_by(997) {
        check::<Vec<enums::Updates>>("a page of messages, cut", &page[..cut]);
    }
    // Random bytes after a random constructor id of any type.
    for i in 0..300 {
        let len = 8 + (rng.next() % (64 * 1024)) as usize;
        let mut bytes = rng.bytes(len);
        if i % 2 == 0 {
            // A vector of any count the input allows in front.
            let count = (rng.next() % (len as u64 / 4 - 1)) as u32;
            bytes[..4].copy_from_slice(&VECTOR.to_le_bytes());
            bytes[4..8].copy_from_slice(&count.to_le_bytes());
        }
        check::<Vec<enums::Update>>("random Vector<Update>", &bytes);
        check::<enums::Updates>("random Updates", &bytes);
        let (peak, _) = peak_of(|| deserialize_any(&mut Cursor::new(&bytes)).is_ok());
        assert!(peak <= bound(bytes.len()), "random object: {peak} bytes");
    }
}

#[test]
fn an_inflated_gzip_body_stays_within_the_bound_of_its_inflated_size() {
    use std::io::{Read, Write};
    let _serial = serial();
    // `gzip_packed` bodies are inflated (to at most 16 MiB) before they are
    // decoded; ones and zeros compress about a thousandfold.
    let mut plain = Vec::new();
    word(&mut plain, types::Updates::CONSTRUCTOR_ID);
    update_configs(&mut plain, 64 * 1024);
    let mut packer = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    packer.write_all(&plain).unwrap();
    let packed = packer.finish().unwrap();
    let mut inflated = Vec::new();
    flate2::read::GzDecoder::new(packed.as_slice())
        .read_to_end(&mut inflated)
        .unwrap();
    assert_eq!(inflated, plain);
    assert!(
        packed.len() * 100 < inflated.len(),
        "{} packed",
        packed.len()
    );
    check::<enums::Updates>("an inflated gzip body", &inflated);
}
