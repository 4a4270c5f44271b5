//! W1–W3 side by side: every engine on the same records, after checking that every engine
//! returns Clausula's decision on every record.
//!
//! `cargo bench -p clausula-benches --bench engines` (add `-- W1` to run one workload).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::hint::black_box;
use std::time::Duration;

use clausula_benches::engines::clausula::{self, Mode};
use clausula_benches::engines::{cedar, cel, jsonlogic, rego, rust, zen};
use clausula_benches::{Engine, agree, data};
use criterion::{
    BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main, measurement::WallTime,
};

/// Records per workload.
const N: usize = 10_000;

fn single(group: &mut BenchmarkGroup<'_, WallTime>, mut engine: Box<dyn Engine>, n: usize) {
    let name = engine.name();
    let mut i = 0usize;
    group.throughput(Throughput::Elements(1));
    group.bench_function(name, |b| {
        b.iter(|| {
            let v = engine.decide(i);
            i = (i + 1) % n;
            black_box(v)
        });
    });
}

fn batch(group: &mut BenchmarkGroup<'_, WallTime>, engine: &clausula::Clausula, n: usize) {
    let rows = engine.rows();
    group.throughput(Throughput::Elements(n as u64));
    group.bench_function("clausula evaluate_batch (per batch of 10,000)", |b| {
        b.iter(|| black_box(engine.batch_of(&rows)));
    });
    group.bench_function(
        "clausula evaluate_batch with lines (per batch of 10,000)",
        |b| {
            b.iter(|| black_box(engine.batch_lines_of(&rows)));
        },
    );
}

/// Every engine agrees with the first (Clausula) on every record, and so does the batch.
fn check(engines: &mut [Box<dyn Engine>], n: usize, batch: &clausula::Clausula, what: &str) {
    agree(engines, n).unwrap_or_else(|e| panic!("{what}: engines disagree: {e}"));
    let expected: Vec<_> = (0..n).map(|i| engines[0].decide(i)).collect();
    assert_eq!(
        batch.batch_verdicts(),
        expected,
        "{what}: evaluate_batch disagrees"
    );
    eprintln!("{what}: {} engines agree on {n} records", engines.len() + 1);
}

fn w1(c: &mut Criterion) {
    let records = data::hnte(N);
    let mut engines: Vec<Box<dyn Engine>> = vec![
        Box::new(clausula::hnte(&records, Mode::Summary)),
        Box::new(clausula::hnte(&records, Mode::Explained)),
        Box::new(clausula::hnte(&records, Mode::JsonText)),
        Box::new(clausula::hnte(&records, Mode::SummaryJson)),
        Box::new(rust::hnte(&records)),
        Box::new(zen::hnte(&records)),
        Box::new(cel::hnte(&records)),
        Box::new(jsonlogic::hnte(&records)),
        Box::new(rego::hnte(&records)),
        Box::new(cedar::hnte(&records)),
    ];
    let batched = clausula::hnte(&records, Mode::Summary);
    check(&mut engines, N, &batched, "W1");
    let mut group = c.benchmark_group("W1 high-tech enterprise");
    for e in engines {
        single(&mut group, e, N);
    }
    batch(&mut group, &batched, N);
    group.finish();
}

fn w2(c: &mut Criterion) {
    let records = data::fund(N);
    let mut engines: Vec<Box<dyn Engine>> = vec![
        Box::new(clausula::fund(&records, Mode::Summary)),
        Box::new(clausula::fund(&records, Mode::Explained)),
        Box::new(clausula::fund(&records, Mode::JsonText)),
        Box::new(clausula::fund(&records, Mode::SummaryJson)),
        Box::new(rust::fund(&records)),
        Box::new(zen::fund(&records)),
        Box::new(cel::fund(&records)),
        Box::new(jsonlogic::fund(&records)),
        Box::new(rego::fund(&records)),
        Box::new(cedar::fund(&records)),
    ];
    let batched = clausula::fund(&records, Mode::Summary);
    check(&mut engines, N, &batched, "W2");
    let mut group = c.benchmark_group("W2 Shanghai fund");
    for e in engines {
        single(&mut group, e, N);
    }
    batch(&mut group, &batched, N);
    // What if: the same rows before and after the 2026 revision (issue 21: at most 2.5× one
    // batch).
    let rows = batched.rows();
    let before = clausula_core::NaiveDate::from_ymd_opt(2025, 12, 31).unwrap();
    assert!(
        batched.compare_of(&rows, before) > 0,
        "the revision changes some rows"
    );
    group.bench_function("clausula compare two dates (per batch of 10,000)", |b| {
        b.iter(|| black_box(batched.compare_of(&rows, before)));
    });
    group.finish();
}

fn w3(c: &mut Criterion) {
    for size in [100usize, 10_000, 100_000] {
        let rows = data::directory(size);
        let records = data::lookups(&rows, N);
        let mut engines: Vec<Box<dyn Engine>> = vec![
            Box::new(clausula::directory(&rows, &records, Mode::Summary)),
            Box::new(rust::directory(&rows, &records)),
            Box::new(zen::directory(&rows, &records)),
            Box::new(cel::directory(&rows, &records)),
            Box::new(rego::directory(&rows, &records)),
            Box::new(cedar::directory(&rows, &records)),
        ];
        engines.push(Box::new(jsonlogic::directory(&rows, &records)));
        let batched = clausula::directory(&rows, &records, Mode::Summary);
        check(&mut engines, N, &batched, &format!("W3 ({size} rows)"));
        let mut group = c.benchmark_group(format!("W3 directory of {size} rows"));
        for e in engines {
            single(&mut group, e, N);
        }
        batch(&mut group, &batched, N);
        group.finish();
    }
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .noise_threshold(0.05)
}

criterion_group! {
    name = benches;
    config = config();
    targets = w1, w2, w3
}
criterion_main!(benches);
