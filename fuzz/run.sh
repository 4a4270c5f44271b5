#!/usr/bin/env bash
# Runs every fuzz target for SECONDS each (default 30) from the seed corpus, with the
# language dictionary and a fixed libFuzzer seed, logs to target/fuzz-logs/<target>.log,
# and fails if any target finds a crash, a timeout or an out-of-memory.
#   bash fuzz/run.sh [SECONDS] [TARGET…]
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-30}
shift || true
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then targets=(parse roundtrip compile evaluate graph facts_json batch); fi
bash fuzz/seed.sh
logs=target/fuzz-logs
mkdir -p "$logs"
(cd fuzz && CARGO_BUILD_JOBS=${JOBS:-2} cargo +nightly fuzz build)
status=0
for t in "${targets[@]}"; do
  log="$logs/$t.log"
  if (cd fuzz && cargo +nightly fuzz run "$t" -- -dict=clausula.dict -max_total_time="$seconds" \
        -timeout=10 -rss_limit_mb=4096 -max_len=8192 -len_control=0 -seed=20261124 -print_final_stats=1) >"$log" 2>&1; then
    runs=$(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}')
    echo "fuzz $t: ${runs:-?} runs in ${seconds}s, no finding"
  else
    echo "fuzz $t: FOUND SOMETHING (log: $log)" >&2
    grep -E 'panicked|SUMMARY|ERROR|Test unit written' "$log" | head -20 >&2 || true
    tail -40 "$log" >&2
    status=1
  fi
done
exit $status
