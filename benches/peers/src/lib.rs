//! Side-by-side benchmarks of paperplane against other Telegram crates.
//!
//! Not built by the default test command; run with
//! `cargo bench -p paperplane-peer-benches`. Every comparison decodes and
//! encodes the very same bytes with both crates, in one run, on one machine.

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
}
