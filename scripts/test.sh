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

step "rust: tests (unit, integration, snapshots, property tests, doctests)"
cargo test -j "$JOBS" --workspace

echo
echo "all suites passed"
