//! paperplane-tl against grammers-tl-types on identical bytes.
//!
//! `cargo bench -p paperplane-peer-benches --bench tl_vs_grammers`
//!
//! For each payload: `decode` (`from_bytes`), `encode` into a warm buffer
//! (`serialize` after `clear`, no allocation) and `to_bytes`, the call most
//! users make, which allocates a new buffer each time.
#![allow(missing_docs)] // criterion's macros generate undocumented items

use criterion::{Criterion, Throughput, black_box, criterion_group, criterion_main};
use paperplane_benches::{messages_slice, updates};

fn compare<P, G>(c: &mut Criterion, name: &str, bytes: Vec<u8>)
where
    P: paperplane_tl::Deserializable + paperplane_tl::Serializable,
    G: grammers_tl_types::Deserializable + grammers_tl_types::Serializable,
{
    let ours = P::from_bytes(&bytes).unwrap();
    let theirs = G::from_bytes(&bytes).unwrap();
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Bytes(bytes.len() as u64));

    group.bench_function("decode/paperplane", |b| {
        b.iter(|| P::from_bytes(black_box(&bytes)).unwrap())
    });
    group.bench_function("decode/grammers", |b| {
        b.iter(|| G::from_bytes(black_box(&bytes)).unwrap())
    });

    let mut buf = Vec::with_capacity(bytes.len());
    group.bench_function("encode/paperplane", |b| {
        b.iter(|| {
            buf.clear();
            paperplane_tl::Serializable::serialize(black_box(&ours), &mut buf);
            black_box(buf.len())
        })
    });
    group.bench_function("encode/grammers", |b| {
        b.iter(|| {
            buf.clear();
            grammers_tl_types::Serializable::serialize(black_box(&theirs), &mut buf);
            black_box(buf.len())
        })
    });

    group.bench_function("to_bytes/paperplane", |b| {
        b.iter(|| paperplane_tl::Serializable::to_bytes(black_box(&ours)))
    });
    group.bench_function("to_bytes/grammers", |b| {
        b.iter(|| grammers_tl_types::Serializable::to_bytes(black_box(&theirs)))
    });
    group.finish();
}

fn tl(c: &mut Criterion) {
    use paperplane_tl::Serializable as _;
    compare::<paperplane_tl::enums::messages::Messages, grammers_tl_types::enums::messages::Messages>(
        c,
        "messages_slice",
        messages_slice().to_bytes(),
    );
    compare::<paperplane_tl::enums::Updates, grammers_tl_types::enums::Updates>(
        c,
        "updates",
        updates().to_bytes(),
    );
}

criterion_group!(benches, tl);
criterion_main!(benches);
