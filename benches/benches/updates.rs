//! Updates applied per second by the sans-IO engine: in order, and with
//! every other update arriving early (held, then released by the one
//! before it).
#![allow(missing_docs)] // criterion's macros generate undocumented items

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use paperplane_tl::{enums, types};
use paperplane_updates::{Config, Engine, Incoming, Output, State};

const UPDATES: i32 = 10_000;

fn update(pts: i32) -> enums::Update {
    types::UpdateDeleteMessages {
        messages: vec![pts],
        pts,
        pts_count: 1,
    }
    .into()
}

/// Feeds `order` (pts values) one container each and counts what comes out.
fn run(order: &[i32]) -> usize {
    let mut engine = Engine::new(Some(State::default()), Config::default());
    let mut delivered = 0;
    for (now, &pts) in order.iter().enumerate() {
        engine.handle_updates(Incoming::one(update(pts), 0), now as u64);
        while let Some(output) = engine.poll_output() {
            if let Output::Updates(batch) = output {
                delivered += batch.updates.len();
            }
        }
    }
    assert_eq!(delivered, order.len());
    delivered
}

fn bench(c: &mut Criterion) {
    let in_order: Vec<i32> = (1..=UPDATES).collect();
    // Pairs swapped: 2, 1, 4, 3, … — half of them wait for their neighbour.
    let swapped: Vec<i32> = (1..=UPDATES)
        .map(|pts| if pts % 2 == 1 { pts + 1 } else { pts - 1 })
        .collect();
    let mut group = c.benchmark_group("updates engine");
    group.throughput(Throughput::Elements(UPDATES as u64));
    for (name, order) in [("in order", &in_order), ("pairs swapped", &swapped)] {
        group.bench_with_input(BenchmarkId::from_parameter(name), order, |b, order| {
            b.iter(|| run(order))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
