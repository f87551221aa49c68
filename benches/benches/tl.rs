//! Encode and decode throughput of realistic TL payloads.
//!
//! `cargo bench -p paperplane-benches --bench tl`
#![allow(missing_docs)] // criterion's macros generate undocumented items

use criterion::{BenchmarkId, Criterion, Throughput, black_box, criterion_group, criterion_main};
use paperplane_benches::{messages_slice, updates};
use paperplane_tl::{Deserializable, Serializable, enums};

fn bench<T: Serializable + Deserializable>(c: &mut Criterion, name: &str, value: T) {
    let bytes = value.to_bytes();
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    let mut buf = Vec::with_capacity(bytes.len());
    group.bench_function(BenchmarkId::new("encode", bytes.len()), |b| {
        b.iter(|| {
            buf.clear();
            black_box(&value).serialize(&mut buf);
            black_box(buf.len())
        })
    });
    group.bench_function(BenchmarkId::new("to_bytes", bytes.len()), |b| {
        b.iter(|| black_box(&value).to_bytes())
    });
    group.bench_function(BenchmarkId::new("decode", bytes.len()), |b| {
        b.iter(|| T::from_bytes(black_box(&bytes)).unwrap())
    });
    group.finish();
}

fn tl(c: &mut Criterion) {
    bench::<enums::messages::Messages>(c, "messages_slice", messages_slice());
    bench::<enums::Updates>(c, "updates", updates());
}

criterion_group!(benches, tl);
criterion_main!(benches);
