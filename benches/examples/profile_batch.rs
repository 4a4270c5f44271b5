//! W1 `evaluate_batch` and `summarize` in a loop, for a profiler:
//! `valgrind --tool=callgrind target/release/examples/profile_batch [batch|single|json|fund|explained]`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::hint::black_box;

use clausula_benches::Engine;
use clausula_benches::data;
use clausula_benches::engines::clausula::{self, Mode};

fn main() {
    let records = data::hnte(10_000);
    let mut c = clausula::hnte(&records, Mode::Summary);
    match std::env::args().nth(1).as_deref() {
        Some("json") => {
            let mut j = clausula::hnte(&records, Mode::SummaryJson);
            for i in 0..10_000 {
                black_box(j.decide(i));
            }
        }
        Some("fund") => {
            let f = clausula::fund(&data::fund(10_000), Mode::Summary);
            let rows = f.rows();
            for _ in 0..5 {
                black_box(f.batch_of(&rows));
            }
        }
        Some("explained") => {
            let mut e = clausula::hnte(&records, Mode::Explained);
            for i in 0..10_000 {
                black_box(e.decide(i));
            }
        }
        Some("single") => {
            for i in 0..10_000 {
                black_box(c.decide(i));
            }
        }
        _ => {
            let rows = c.rows();
            black_box(c.batch_of(&rows));
        }
    }
}
