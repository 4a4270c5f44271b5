#!/usr/bin/env bash
# Seeds the fuzz corpora from the policy pack and the conformance corpus: source files for
# parse/roundtrip/compile, compiled graphs (made by the CLI) for graph. Corpora live in
# fuzz/corpus/<target>/ (not in git); findings worth keeping go to fuzz/regressions/<target>/.
set -euo pipefail
cd "$(dirname "$0")/.."
for t in parse roundtrip compile evaluate graph; do mkdir -p "fuzz/corpus/$t"; done
n=0
while IFS= read -r -d '' f; do
  name=$(echo "$f" | tr '/' '_')
  for t in parse roundtrip compile; do cp "$f" "fuzz/corpus/$t/$name"; done
  n=$((n + 1))
done < <(find policies conformance -name '*.cla' -print0)
cli=target/release/clausula
[[ -x $cli ]] || cargo build -j2 --release -p clausula-cli
g=0
while IFS= read -r -d '' f; do
  name=$(echo "$f" | tr '/' '_')
  if $cli compile "$f" -o "fuzz/corpus/graph/$name.clag" >/dev/null 2>&1; then g=$((g + 1)); fi
done < <(find policies conformance/eval -name '*.cla' -print0)
echo "seeded $n sources and $g graphs"
