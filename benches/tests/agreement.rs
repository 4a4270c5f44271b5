//! Every engine returns Clausula's decision on every record, for each workload (the same
//! check the benchmarks run before timing, on fewer records).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use clausula_benches::engines::clausula::{self, Mode};
use clausula_benches::engines::{cedar, cel, jsonlogic, rego, rust, zen};
use clausula_benches::{Engine, agree, data};

const N: usize = 2_000;

fn run(mut engines: Vec<Box<dyn Engine>>, batch: &clausula::Clausula, n: usize) {
    agree(&mut engines, n).unwrap_or_else(|e| panic!("{e}"));
    let expected: Vec<_> = (0..n).map(|i| engines[0].decide(i)).collect();
    assert_eq!(batch.batch_verdicts(), expected);
}

#[test]
fn w1_every_engine_agrees() {
    let r = data::hnte(N);
    run(
        vec![
            Box::new(clausula::hnte(&r, Mode::Summary)),
            Box::new(clausula::hnte(&r, Mode::Explained)),
            Box::new(clausula::hnte(&r, Mode::JsonText)),
            Box::new(clausula::hnte(&r, Mode::SummaryJson)),
            Box::new(rust::hnte(&r)),
            Box::new(zen::hnte(&r)),
            Box::new(cel::hnte(&r)),
            Box::new(jsonlogic::hnte(&r)),
            Box::new(rego::hnte(&r)),
            Box::new(cedar::hnte(&r)),
        ],
        &clausula::hnte(&r, Mode::Summary),
        N,
    );
}

#[test]
fn w2_every_engine_agrees() {
    let r = data::fund(N);
    run(
        vec![
            Box::new(clausula::fund(&r, Mode::Summary)),
            Box::new(clausula::fund(&r, Mode::Explained)),
            Box::new(clausula::fund(&r, Mode::JsonText)),
            Box::new(clausula::fund(&r, Mode::SummaryJson)),
            Box::new(rust::fund(&r)),
            Box::new(zen::fund(&r)),
            Box::new(cel::fund(&r)),
            Box::new(jsonlogic::fund(&r)),
            Box::new(rego::fund(&r)),
            Box::new(cedar::fund(&r)),
        ],
        &clausula::fund(&r, Mode::Summary),
        N,
    );
}

#[test]
fn w3_every_engine_agrees() {
    let rows = data::directory(1_000);
    let r = data::lookups(&rows, N);
    run(
        vec![
            Box::new(clausula::directory(&rows, &r, Mode::Summary)),
            Box::new(rust::directory(&rows, &r)),
            Box::new(zen::directory(&rows, &r)),
            Box::new(cel::directory(&rows, &r)),
            Box::new(jsonlogic::directory(&rows, &r)),
            Box::new(rego::directory(&rows, &r)),
            Box::new(cedar::directory(&rows, &r)),
        ],
        &clausula::directory(&rows, &r, Mode::Summary),
        N,
    );
}

#[test]
fn w4_generated_policies_compile() {
    for rules in [100, 1_000] {
        let source = data::generated_policy(rules);
        let policy = clausula_core::Policy::compile(&source).unwrap_or_else(|d| panic!("{d}"));
        assert_eq!(policy.outcome_names().len(), rules / 20);
    }
}
