#!/usr/bin/env bash
# The project's test command (README "Test"). Installs what it needs on a fresh machine,
# skips what is already there, and runs every suite. CI runs exactly this (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
JOBS="${JOBS:-2}"

step() { printf '\n==> %s\n' "$*"; }

step "rust: format, lints"
cargo fmt --all -- --check
cargo clippy -j "$JOBS" --workspace --all-targets -- -D warnings
# The evaluator-only build (no parser): what the browser loads compiled graphs with.
cargo clippy -j "$JOBS" -p clausula-core --no-default-features -- -D warnings

step "rust: tests (unit, integration, snapshots, property tests, doctests)"
cargo test -j "$JOBS" --workspace

step "policy pack: every example block, formatting, and the shared worked cases"
cargo build -j "$JOBS" --release -p clausula-cli
./target/release/clausula test policies/
./target/release/clausula fmt --check policies/
if [ -f ../shared/policy-pack/run_cases.py ]; then
  NO_BUILD=1 python3 ../shared/policy-pack/run_cases.py ../shared/policy-pack/cases/cases.json .
else
  echo "(../shared not present: skipping the policy pack's worked cases)"
fi

echo
echo "all suites passed"
