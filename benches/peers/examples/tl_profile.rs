//! Runs one TL operation of `tl_vs_grammers` many times, for instruction
//! counts (or best-of-30 timings) that a loaded machine does not blur:
//!
//! ```text
//! cargo build --release -p paperplane-peer-benches --example tl_profile
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null \
//!     target/release/examples/tl_profile to_bytes/paperplane 1000
//! TIME=1 target/release/examples/tl_profile to_bytes/paperplane 1000
//! ```
//!
//! Subtract the count of `none` (same setup, no work) and divide by the
//! iterations. Operations on the 100-message history page:
//! `{decode,encode,to_bytes}/{paperplane,grammers}`, and two other ways to
//! size `to_bytes`' buffer: `grow/paperplane` (from empty, as `to_bytes`
//! did before it was sized) and `exact/paperplane` (measuring every
//! element). On a `messages.sendMessage` request: `request/{to_bytes,grow}`.
//! With `PAYLOAD=updates` the page is replaced by the `updates` container
//! of `paperplane_benches::updates`.

use std::hint::black_box;
use std::process::ExitCode;

use paperplane_benches::{messages_slice, updates};
use paperplane_tl::{Deserializable, Serializable, enums, functions, types};

/// A `messages.sendMessage` as a client sends it.
fn request() -> functions::messages::SendMessage {
    functions::messages::SendMessage {
        no_webpage: false,
        silent: false,
        background: false,
        clear_draft: true,
        noforwards: false,
        update_stickersets_order: false,
        invert_media: false,
        allow_paid_floodskip: false,
        peer: enums::InputPeer::User(types::InputPeerUser {
            user_id: 1_234_567,
            access_hash: -987_654_321,
        }),
        reply_to: None,
        message: "Meeting moved to 15:00, see https://example.org/agenda — Привет! 🚀".into(),
        random_id: 0x1234_5678_9abc_def0,
        reply_markup: None,
        entities: Some(vec![enums::MessageEntity::Bold(types::MessageEntityBold {
            offset: 0,
            length: 7,
        })]),
        schedule_date: None,
        schedule_repeat_period: None,
        send_as: None,
        quick_reply_shortcut: None,
        effect: None,
        allow_paid_stars: None,
        suggested_post: None,
        rich_message: None,
    }
}

/// Encodes `value` into a buffer that starts empty and grows.
fn grow<T: Serializable>(value: &T) -> Vec<u8> {
    let mut buf = Vec::new();
    value.serialize(&mut buf);
    buf
}

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let op = args.next().unwrap_or_default();
    let iterations: u32 = args.next().and_then(|n| n.parse().ok()).unwrap_or(1000);
    let rounds = if std::env::var_os("TIME").is_some() {
        30
    } else {
        1
    };
    if std::env::var("PAYLOAD").is_ok_and(|p| p == "updates") {
        run::<enums::Updates, grammers_tl_types::enums::Updates>(
            &op,
            iterations,
            rounds,
            updates().to_bytes(),
        )
    } else {
        run::<enums::messages::Messages, grammers_tl_types::enums::messages::Messages>(
            &op,
            iterations,
            rounds,
            messages_slice().to_bytes(),
        )
    }
}

/// Runs `op` `iterations` times per round on `bytes` decoded as `P` (ours)
/// and `G` (grammers'), and prints the best round's time per iteration.
fn run<P, G>(op: &str, iterations: u32, rounds: u32, bytes: Vec<u8>) -> ExitCode
where
    P: Deserializable + Serializable,
    G: grammers_tl_types::Deserializable + grammers_tl_types::Serializable,
{
    let Ok(ours) = P::from_bytes(&bytes) else {
        return ExitCode::FAILURE;
    };
    let Ok(theirs) = G::from_bytes(&bytes) else {
        return ExitCode::FAILURE;
    };
    let request = request();
    let mut buf = Vec::with_capacity(bytes.len());
    let mut best = u128::MAX;
    for _ in 0..rounds {
        let start = std::time::Instant::now();
        for _ in 0..iterations {
            match op {
                "none" => {}
                "decode/paperplane" => {
                    black_box(P::from_bytes(black_box(&bytes)).is_ok());
                }
                "decode/grammers" => {
                    black_box(G::from_bytes(black_box(&bytes)).is_ok());
                }
                "encode/paperplane" => {
                    buf.clear();
                    black_box(&ours).serialize(&mut buf);
                    black_box(buf.len());
                }
                "encode/grammers" => {
                    buf.clear();
                    grammers_tl_types::Serializable::serialize(black_box(&theirs), &mut buf);
                    black_box(buf.len());
                }
                "to_bytes/paperplane" => {
                    black_box(black_box(&ours).to_bytes());
                }
                "to_bytes/grammers" => {
                    black_box(grammers_tl_types::Serializable::to_bytes(black_box(
                        &theirs,
                    )));
                }
                "grow/paperplane" => {
                    black_box(grow(black_box(&ours)));
                }
                "exact/paperplane" => {
                    let value = black_box(&ours);
                    let mut out = Vec::with_capacity(value.serialized_len() + 32);
                    value.serialize(&mut out);
                    black_box(out);
                }
                "request/to_bytes" => {
                    black_box(black_box(&request).to_bytes());
                }
                "request/grow" => {
                    black_box(grow(black_box(&request)));
                }
                _ => {
                    eprintln!("unknown operation `{op}`");
                    return ExitCode::FAILURE;
                }
            }
        }
        best = best.min(start.elapsed().as_nanos() / u128::from(iterations.max(1)));
    }
    if rounds > 1 {
        println!("{op}: {best} ns");
    }
    ExitCode::SUCCESS
}
