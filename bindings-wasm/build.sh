#!/usr/bin/env bash
# Builds the npm package `clausula` into bindings-wasm/pkg/:
#
#   pkg/node/       the full module for Node (CommonJS, loaded on require)
#   pkg/web/        the full module for browsers and bundlers (ES module, `await init()`)
#   pkg/evaluator/  the evaluator-only module (no parser; loads compiled graphs) for browsers
#
# On a fresh machine it adds the wasm32 target, installs wasm-bindgen-cli at the version in
# Cargo.lock and the npm tooling (typescript, binaryen's wasm-opt), and skips what is there.
# Then it checks the sizes against the budget below and writes them to pkg/sizes.json.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
cd "$root"

# Size budget for the optimised modules, gzip bytes (see BENCHMARKS.md, "WebAssembly sizes").
BUDGET_FULL_GZ=${BUDGET_FULL_GZ:-520000}
BUDGET_EVALUATOR_GZ=${BUDGET_EVALUATOR_GZ:-245000}

say() { printf '\033[1m[wasm]\033[0m %s\n' "$*"; }

# --- tools ------------------------------------------------------------------------------
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "adding the wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

wbg_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [[ -z "$wbg_version" ]]; then
  echo "wasm-bindgen is not in Cargo.lock" >&2
  exit 1
fi
if ! command -v wasm-bindgen >/dev/null || [[ "$(wasm-bindgen --version)" != "wasm-bindgen $wbg_version" ]]; then
  say "installing wasm-bindgen-cli $wbg_version"
  # Not --locked: its lockfile names a crate version the registry here does not serve.
  cargo install wasm-bindgen-cli --version "=$wbg_version"
fi

if [[ ! -x bindings-wasm/node_modules/.bin/tsc || ! -x bindings-wasm/node_modules/.bin/wasm-opt \
   || bindings-wasm/package-lock.json -nt bindings-wasm/node_modules/.package-lock.json ]]; then
  say "installing the npm tooling"
  (cd bindings-wasm && npm ci --no-audit --no-fund)
fi
bin="$root/bindings-wasm/node_modules/.bin"

# --- the two modules --------------------------------------------------------------------
out="$root/target/wasm-modules"
mkdir -p "$out"
built="$root/target/wasm32-unknown-unknown/wasm/clausula_wasm.wasm"

say "building the full module"
cargo build -j2 -p clausula-wasm --target wasm32-unknown-unknown --profile wasm
cp "$built" "$out/full.wasm"

say "building the evaluator-only module"
cargo build -j2 -p clausula-wasm --no-default-features --target wasm32-unknown-unknown --profile wasm
cp "$built" "$out/evaluator.wasm"

# --- bindings, optimisation, wrapper ----------------------------------------------------
pkg="$root/bindings-wasm/pkg"
rm -rf "$pkg"
mkdir -p "$pkg"

package() { # name module wasm-bindgen-target module-format
  local name=$1 module=$2 target=$3 format=$4
  local dir="$pkg/$name"
  wasm-bindgen "$out/$module.wasm" --target "$target" --out-dir "$dir" --out-name clausula_wasm --weak-refs
  "$bin/wasm-opt" -Oz --strip-debug --strip-producers --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue \
    "$dir/clausula_wasm_bg.wasm" -o "$dir/clausula_wasm_bg.wasm"
  cp "$here/js/index.ts" "$dir/index.ts"
  if [[ $format == esm ]]; then
    printf '{ "type": "module" }\n' >"$dir/package.json"
    cat >"$dir/tsconfig.json" <<'JSON'
{
  "compilerOptions": {
    "target": "es2022", "module": "es2022", "moduleResolution": "bundler",
    "lib": ["es2022", "esnext.disposable", "dom"], "declaration": true, "strict": true, "skipLibCheck": false,
    "noUnusedLocals": true, "noImplicitOverride": true
  },
  "files": ["index.ts"]
}
JSON
  else
    cat >"$dir/tsconfig.json" <<'JSON'
{
  "compilerOptions": {
    "target": "es2022", "module": "nodenext", "moduleResolution": "nodenext",
    "lib": ["es2022", "esnext.disposable", "dom"], "declaration": true, "strict": true, "skipLibCheck": false,
    "noUnusedLocals": true, "noImplicitOverride": true
  },
  "files": ["index.ts"]
}
JSON
  fi
  (cd "$dir" && "$bin/tsc" -p tsconfig.json)
  rm -f "$dir/index.ts" "$dir/tsconfig.json" "$dir/.gitignore"
  if [[ $module == evaluator ]]; then
    # The evaluator-only module's types tell the truth: no compiler. (At run time these
    # throw UnsupportedError for JavaScript callers; TypeScript refuses them.)
    sed -E -i '/^    static compile\(/d; /^export declare function (check|format)\(/d' "$dir/index.d.ts"
    if grep -qE 'static compile\(|function (check|format)\(' "$dir/index.d.ts"; then
      echo "the evaluator module's index.d.ts still declares the compiler" >&2
      exit 1
    fi
  fi
}

say "wasm-bindgen, wasm-opt -Oz and the TypeScript wrapper"
package node full nodejs cjs
package web full web esm
package evaluator evaluator web esm

version=$(awk -F'"' '/^version = / { print $2; exit }' Cargo.toml)
cat >"$pkg/package.json" <<JSON
{
  "name": "clausula",
  "version": "$version",
  "description": "Government eligibility rules with exact money, dates, unknown-aware evaluation and per-clause explanations (WebAssembly)",
  "license": "Apache-2.0",
  "exports": {
    ".": {
      "node": { "types": "./node/index.d.ts", "default": "./node/index.js" },
      "default": { "types": "./web/index.d.ts", "default": "./web/index.js" }
    },
    "./node": { "types": "./node/index.d.ts", "default": "./node/index.js" },
    "./web": { "types": "./web/index.d.ts", "default": "./web/index.js" },
    "./evaluator": { "types": "./evaluator/index.d.ts", "default": "./evaluator/index.js" }
  },
  "types": "./node/index.d.ts",
  "main": "./node/index.js",
  "files": ["node", "web", "evaluator", "README.md"]
}
JSON
cp "$here/README.md" "$pkg/README.md"

# --- sizes and budget -------------------------------------------------------------------
size_of() { stat -c %s "$1"; }
gz_of() { gzip -9 -c "$1" | wc -c; }
full_raw=$(size_of "$pkg/web/clausula_wasm_bg.wasm")
full_gz=$(gz_of "$pkg/web/clausula_wasm_bg.wasm")
eval_raw=$(size_of "$pkg/evaluator/clausula_wasm_bg.wasm")
eval_gz=$(gz_of "$pkg/evaluator/clausula_wasm_bg.wasm")
cat >"$pkg/sizes.json" <<JSON
{ "full": { "raw": $full_raw, "gzip": $full_gz, "budget_gzip": $BUDGET_FULL_GZ },
  "evaluator": { "raw": $eval_raw, "gzip": $eval_gz, "budget_gzip": $BUDGET_EVALUATOR_GZ } }
JSON
say "full module:      $full_raw bytes, $full_gz gzip (budget $BUDGET_FULL_GZ)"
say "evaluator module: $eval_raw bytes, $eval_gz gzip (budget $BUDGET_EVALUATOR_GZ)"
status=0
if ((full_gz > BUDGET_FULL_GZ)); then
  echo "the full module grew past its budget: $full_gz > $BUDGET_FULL_GZ gzip bytes" >&2
  status=1
fi
if ((eval_gz > BUDGET_EVALUATOR_GZ)); then
  echo "the evaluator-only module grew past its budget: $eval_gz > $BUDGET_EVALUATOR_GZ gzip bytes" >&2
  status=1
fi
exit $status
