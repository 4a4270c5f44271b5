#!/usr/bin/env bash
# The project's test command (README "Test"). Installs what it needs on a fresh machine,
# skips what is already there, and runs every suite. CI runs exactly this (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
JOBS="${JOBS:-2}"
# A fresh checkout gains nothing from incremental artefacts (gigabytes on disk); keep them off
# unless the caller asks.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"

step() { printf '\n==> %s\n' "$*"; }

step "rust: format, lints"
cargo fmt --all -- --check
cargo clippy -j "$JOBS" --workspace --all-targets -- -D warnings
# The evaluator-only build (no parser): what the browser loads compiled graphs with.
cargo clippy -j "$JOBS" -p clausula-core --no-default-features -- -D warnings
cargo clippy -j "$JOBS" -p clausula-wasm --no-default-features -- -D warnings

step "rust: tests (unit, integration, snapshots, property tests, doctests)"
cargo test -j "$JOBS" --workspace
du -sh target 2>/dev/null || true

step "fuzz: every target briefly (when the nightly toolchain is present); the regressions ran in cargo test"
if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  if ! cargo fuzz --version >/dev/null 2>&1; then
    cargo install cargo-fuzz --version =0.13.2 --locked
  fi
  JOBS="$JOBS" bash fuzz/run.sh "${FUZZ_SECONDS:-30}"
else
  echo "(no nightly toolchain: skipping the fuzz runs)"
fi

step "policy pack: every example block, formatting, and the shared worked cases"
cargo build -j "$JOBS" --release -p clausula-cli
./target/release/clausula test policies/ examples/scoring/
./target/release/clausula fmt --check policies/ examples/scoring/
if [ -f ../shared/policy-pack/run_cases.py ]; then
  NO_BUILD=1 python3 ../shared/policy-pack/run_cases.py ../shared/policy-pack/cases/cases.json .
  NO_BUILD=1 python3 ../shared/policy-pack/run_cases.py ../shared/policy-pack/cases/seeds-8-11.json .
else
  echo "(../shared not present: skipping the policy pack's worked cases)"
fi

step "python: build the wheel into a virtualenv, then pytest, mypy --strict, stubtest"
PY="${PYTHON:-python3}"
VENV=.venv
if [ ! -x "$VENV/bin/python" ]; then
  "$PY" -m venv "$VENV"
fi
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q -r bindings-python/requirements-test.txt
# The acceptance path: a plain `pip install` of the source folder (maturin builds the wheel).
CARGO_BUILD_JOBS="$JOBS" "$VENV/bin/python" -m pip install -q --force-reinstall --no-deps ./bindings-python
"$VENV/bin/python" -c "import clausula; print('clausula', clausula.__version__, 'imported')"
"$VENV/bin/python" -m pytest -q bindings-python/tests
ROOT="$(pwd)"
# Type-check the installed package (from outside the tree, so the installed copy is what is read).
(cd "${TMPDIR:-/tmp}" && "$ROOT/$VENV/bin/python" -m mypy --config-file "$ROOT/bindings-python/mypy.ini" -p clausula)
(cd "${TMPDIR:-/tmp}" && "$ROOT/$VENV/bin/python" -m mypy.stubtest clausula --mypy-config-file "$ROOT/bindings-python/mypy.ini" --allowlist "$ROOT/bindings-python/stubtest-allowlist.txt")
# A consumer's script, typed as an analyst writes it, passes `mypy --strict` against the package.
(cd "${TMPDIR:-/tmp}" && "$ROOT/$VENV/bin/python" -m mypy --config-file "$ROOT/bindings-python/mypy.ini" "$ROOT/bindings-python/tests/typed/consumer.py")
# ...and a misuse fails it: exactly the three errors the file names.
misuse=$(cd "${TMPDIR:-/tmp}" && "$ROOT/$VENV/bin/python" -m mypy --config-file "$ROOT/bindings-python/mypy.ini" "$ROOT/bindings-python/tests/typed/misuse.py" || true)
if ! grep -q "Found 3 errors" <<<"$misuse"; then
  echo "mypy should refuse tests/typed/misuse.py with three errors; it said:" >&2
  echo "$misuse" >&2
  exit 1
fi

step "python: Spark (a real local[2] session) when Java is present"
if command -v java >/dev/null 2>&1; then
  "$VENV/bin/python" -m pip install -q "pyspark>=3.5"
  SPARK_LOCAL_IP=127.0.0.1 "$VENV/bin/python" -m pytest -q bindings-python/tests/test_spark.py
  SPARK_LOCAL_IP=127.0.0.1 "$VENV/bin/python" examples/spark/score_province.py --rows 50000 --out target/spark/ci-scored | tail -3
else
  echo "(no java: skipping the Spark test)"
fi

step "python: the example notebook, executed"
"$VENV/bin/python" scripts/run_notebook.py examples/notebooks/shandong-targets.ipynb
"$VENV/bin/python" scripts/run_notebook.py examples/notebooks/shanghai-what-if.ipynb

step "javascript: the npm package (wasm), node tests over the API and the conformance corpus, tsc, the web form in Chromium"
bash bindings-wasm/test.sh

echo
# What the run left on disk (the CI disk is finite; a fresh run's target was ~21 GB with full debug info).
du -sh target fuzz/target 2>/dev/null || true
echo "all suites passed"
