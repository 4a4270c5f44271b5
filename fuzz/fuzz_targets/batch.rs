//! Fuzz target `batch`: see `fuzz/src/batch.rs`.
#![no_main]

#[path = "../src/batch.rs"]
mod batch;

libfuzzer_sys::fuzz_target!(|data: &[u8]| batch::batch(data));
