//! Benchmark workloads (filled by the benchmarks issue).
