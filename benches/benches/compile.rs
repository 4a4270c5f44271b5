//! W4: parse + check + compile generated policies of 1,000 and 10,000 rules; and the peak
//! heap of W4 and of every engine's W3 set-up (directory of 100,000 rows), measured with a
//! counting global allocator.
//!
//! `cargo bench -p clausula-benches --bench compile`

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use clausula_benches::Engine;
use clausula_benches::data::{self, generated_policy};
use clausula_benches::engines::clausula::{self, Mode};
use clausula_benches::engines::{cedar, cel, jsonlogic, rego, rust, zen};
use clausula_core::Policy;
use criterion::{Criterion, Throughput};
use peak_alloc::PeakAlloc;

#[global_allocator]
static HEAP: PeakAlloc = PeakAlloc;

fn mb(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// Peak and retained heap of `build`, over what was live before it.
fn measure<T>(build: impl FnOnce() -> T) -> (T, usize, usize) {
    let before = HEAP.current_usage();
    HEAP.reset_peak_usage();
    let value = build();
    let peak = HEAP.peak_usage().saturating_sub(before);
    let retained = HEAP.current_usage().saturating_sub(before);
    (value, peak, retained)
}

fn memory_report() {
    println!("\n## peak heap (bytes over the baseline; counting allocator)\n");
    for rules in [1_000usize, 10_000] {
        let source = generated_policy(rules);
        let start = Instant::now();
        let (policy, peak, retained) =
            measure(|| Policy::compile(&source).unwrap_or_else(|d| panic!("{d}")));
        println!(
            "W4 compile {rules} rules ({} KB of source, {} graph nodes): {:.1} MB peak, {:.1} MB retained, {:.0} ms (one cold run)",
            source.len() / 1024,
            policy.node_count(),
            mb(peak),
            mb(retained),
            start.elapsed().as_secs_f64() * 1000.0
        );
    }
    let rows = data::directory(100_000);
    let records = data::lookups(&rows, 1_000);
    let baseline = {
        // the records themselves, as every engine holds them in its own form
        let (_, _, retained) = measure(|| rust::directory(&[], &records));
        retained
    };
    println!("W3 directory of 100,000 rows, 1,000 applicants (engine set-up + 1,000 decisions):");
    let report = |name: &str, build: &dyn Fn() -> Box<dyn Engine>| {
        let (mut engine, peak, retained) = measure(|| {
            let mut e = build();
            for i in 0..1_000 {
                black_box(e.decide(i));
            }
            e
        });
        black_box(engine.decide(0));
        println!(
            "  {name:<28} {:>8.1} MB peak, {:>8.1} MB retained",
            mb(peak.saturating_sub(baseline)),
            mb(retained.saturating_sub(baseline))
        );
    };
    report("clausula", &|| {
        Box::new(clausula::directory(&rows, &records, Mode::Summary))
    });
    report("hand-written Rust", &|| {
        Box::new(rust::directory(&rows, &records))
    });
    report("zen-engine", &|| Box::new(zen::directory(&rows, &records)));
    report("cel-interpreter", &|| {
        Box::new(cel::directory(&rows, &records))
    });
    report("json-logic (datalogic-rs)", &|| {
        Box::new(jsonlogic::directory(&rows, &records))
    });
    report("regorus (Rego)", &|| {
        Box::new(rego::directory(&rows, &records))
    });
    report("cedar-policy", &|| {
        Box::new(cedar::directory(&rows, &records))
    });
    println!();
}

fn compile_bench(c: &mut Criterion) {
    let mut group = c.benchmark_group("W4 compile");
    for rules in [1_000u64, 10_000] {
        let source = generated_policy(rules as usize);
        group.throughput(Throughput::Elements(rules));
        group.bench_function(format!("parse + check + compile {rules} rules"), |b| {
            b.iter(|| black_box(Policy::compile(&source).unwrap()));
        });
    }
    let rows = data::directory(100_000);
    group.throughput(Throughput::Elements(100_000));
    group.bench_function("W3 policy with a 100,000-row CSV directory", |b| {
        b.iter(|| black_box(clausula::directory_policy(&rows)));
    });
    group.finish();
}

fn main() {
    memory_report();
    let mut c = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(5))
        .configure_from_args();
    compile_bench(&mut c);
    c.final_summary();
}
