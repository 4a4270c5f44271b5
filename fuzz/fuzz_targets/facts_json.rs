//! Fuzz target `facts_json`: see `harness::facts_json`.
#![no_main]

#[path = "../src/harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::facts_json(data));
