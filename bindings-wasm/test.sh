#!/usr/bin/env bash
# Builds the npm package and tests it: Node tests (API, the conformance corpus, the
# evaluator-only module, panics), `tsc --noEmit` on a typed usage file, and the web form in
# headless Chromium. Installs what is missing (wasm tooling via build.sh, Debian chromium).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$root"
say() { printf '\033[1m[wasm]\033[0m %s\n' "$*"; }

bash "$here/build.sh"

say "compiling the Shanghai policy with the CLI (for fromBytes and the web form)"
cargo build -j2 --release -p clausula-cli
mkdir -p target/wasm-test
target/release/clausula compile policies/shanghai/key-tech-transformation.cla -o target/wasm-test/shanghai.clag
cp target/wasm-test/shanghai.clag examples/web-form/policy.clag

say "node --test"
(cd "$here" && node --test tests/*.test.mjs)

say "tsc --noEmit on the typed usage file"
(cd "$here" && node_modules/.bin/tsc -p tests/tsconfig.json)

say "clausula types: the facts' TypeScript types compile, and catch a misspelt field"
target/release/clausula types policies/shanghai/key-tech-transformation.cla > target/wasm-test/shanghai-facts.ts
(cd "$here" && node_modules/.bin/tsc -p tests/facts/tsconfig.json)
if bad=$(cd "$here" && node_modules/.bin/tsc -p tests/facts/tsconfig.bad.json 2>&1); then
  echo "tsc accepted tests/facts/bad.ts, which misspells a field" >&2
  exit 1
fi
if ! grep -q "total_investmnet" <<<"$bad"; then
  echo "tsc refused tests/facts/bad.ts for another reason:" >&2
  echo "$bad" >&2
  exit 1
fi

# Chromium, and a CJK font so the screenshots show the Chinese labels
if [[ ! -x /usr/bin/chromium ]] || ! fc-list :lang=zh 2>/dev/null | grep -q .; then
  say "installing chromium and a CJK font"
  sudo=""
  if [[ $(id -u) -ne 0 ]] && command -v sudo >/dev/null; then sudo=sudo; fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null
fi
say "the web form in headless Chromium"
(cd "$here" && node --test tests/web-form.e2e.mjs)
say "screenshots: target/wasm-test/web-form-eligible.png, web-form-ineligible.png"
