//! Side-by-side benchmarks against other Telegram crates.
