//! Fuzz target `evaluate`: see `harness::evaluate`.
#![no_main]

#[path = "../src/harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::evaluate(data));
